package pipeline

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/starcdc/starcdc/ddl"
	"github.com/starcdc/starcdc/loader"
)

// These tests run in a synctest bubble: the backoff, the WARN spacing and
// the cache TTLs run on the bubble's fake clock, without real sleeps.

// fakeSchema is a database/sql driver that answers the information_schema
// query of ddl.Manager.Columns: answer(n) gives the columns (name, type;
// none: the table does not exist) or the error of the n-th query (from 0).
type fakeSchema struct {
	answer func(n int) ([][2]string, error)

	mu    sync.Mutex
	start time.Time
	at    []time.Duration // when each query came, since start
}

var errRefused = errors.New("dial tcp 127.0.0.1:9030: connect: connection refused")

func newFakeSchema(answer func(n int) ([][2]string, error)) *fakeSchema {
	return &fakeSchema{answer: answer, start: time.Now()}
}

func (f *fakeSchema) queries() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.at...)
}

func (f *fakeSchema) Connect(context.Context) (driver.Conn, error) { return fakeConn{f}, nil }
func (f *fakeSchema) Driver() driver.Driver                        { return fakeDriver{f} }

type fakeDriver struct{ f *fakeSchema }

func (d fakeDriver) Open(string) (driver.Conn, error) { return fakeConn(d), nil }

type fakeConn struct{ f *fakeSchema }

func (c fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (c fakeConn) Close() error                        { return nil }
func (c fakeConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }

func (c fakeConn) QueryContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Rows, error) {
	if !strings.Contains(q, "information_schema.columns") {
		return nil, errors.New("unexpected query " + q)
	}
	c.f.mu.Lock()
	n := len(c.f.at)
	c.f.at = append(c.f.at, time.Since(c.f.start))
	c.f.mu.Unlock()
	cols, err := c.f.answer(n)
	if err != nil {
		return nil, err
	}
	return &fakeRows{cols: cols}, nil
}

type fakeRows struct {
	cols [][2]string
	i    int
}

func (r *fakeRows) Columns() []string {
	return []string{"COLUMN_NAME", "IS_NULLABLE", "COLUMN_TYPE", "COLUMN_KEY"}
}
func (r *fakeRows) Close() error { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.i == len(r.cols) {
		return io.EOF
	}
	c := r.cols[r.i]
	key := ""
	if r.i == 0 {
		key = "PRI"
	}
	dest[0], dest[1], dest[2], dest[3] = c[0], "YES", c[1], key
	r.i++
	return nil
}

var datedColumns = [][2]string{{"id", "int"}, {"d", "date"}}

// dated is a schemaless Debezium record whose d is an epoch day (19724 =
// 2024-01-02), for a DATE column.
const dated = `{"before":null,"after":{"id":1,"d":19724},"source":{"connector":"mysql"},"op":"c"}`

const datedRow = `{"id":1,"d":"2024-01-02","__op":0}`

// typedPipeline is a schemaless pipeline whose column types come from f
// over the MySQL protocol's database/sql interface (ddl.Manager).
func typedPipeline(t *testing.T, f *fakeSchema, logs io.Writer) *Pipeline {
	t.Helper()
	db := sql.OpenDB(f)
	t.Cleanup(func() { db.Close() })
	p := pipeline(t, map[string]string{"value.converter.schemas.enable": "false"})
	p.Targets = NewTableTypes(ddl.NewManager(db), "db", slog.New(slog.NewTextHandler(logs, nil)))
	return p
}

func rowsOf(ctx context.Context, p *Pipeline, value string) ([]string, error) {
	var got []string
	_, _, err := p.Rows(ctx, "t1", nil, []byte(value), nil, func(_ string, _ loader.Headers, row []byte) {
		got = append(got, string(row))
	})
	return got, err
}

// failing answers errRefused to the first n queries, then cols.
func failing(n int, cols [][2]string) func(int) ([][2]string, error) {
	return func(i int) ([][2]string, error) {
		if i < n {
			return nil, errRefused
		}
		return cols, nil
	}
}

func durations(ms ...int) []time.Duration {
	var out []time.Duration
	for _, m := range ms {
		out = append(out, time.Duration(m)*time.Millisecond)
	}
	return out
}

// logLines returns the log lines of one level ("WARN", "INFO").
func logLines(logs *bytes.Buffer, level string) []string {
	var out []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "level="+level+" ") {
			out = append(out, l)
		}
	}
	return out
}

// TestRowsWaitForColumnTypes is the regression test of "a short MySQL-port
// outage silently NULLs values": the column lookup fails three times, then
// answers. The record waits for it (200 ms, 400 ms, 800 ms) and its epoch
// day is rendered for the DATE column; it is never emitted untyped.
func TestRowsWaitForColumnTypes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSchema(failing(3, datedColumns))
		var logs bytes.Buffer
		p := typedPipeline(t, f, &logs)
		got, err := rowsOf(t.Context(), p, dated)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{datedRow}; !reflect.DeepEqual(got, want) {
			t.Fatalf("rows %q, want %q (typed by the DATE column)", got, want)
		}
		if q, want := f.queries(), durations(0, 200, 600, 1400); !reflect.DeepEqual(q, want) {
			t.Errorf("lookups at %v, want %v", q, want)
		}
		// One WARN for the three failures (not one per attempt), naming
		// the table, the error and what to check; one line when it ends.
		warns := logLines(&logs, "WARN")
		if len(warns) != 1 || !strings.Contains(warns[0], "table=db.t") || !strings.Contains(warns[0], "connection refused") ||
			!strings.Contains(warns[0], "starrocks.mysql.url") || !strings.Contains(warns[0], "query port is reachable") {
			t.Errorf("WARN lines:\n%s", strings.Join(warns, "\n"))
		}
		if infos := logLines(&logs, "INFO"); len(infos) != 1 || !strings.Contains(infos[0], "attempts=4") {
			t.Errorf("INFO lines:\n%s", strings.Join(infos, "\n"))
		}
	})
}

// TestColumnTypesBackoff: the delay between lookups doubles from 200 ms up
// to 5 s, and a long wait is reported every 30 s, not at every attempt.
func TestColumnTypesBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSchema(failing(12, datedColumns))
		var logs bytes.Buffer
		p := typedPipeline(t, f, &logs)
		got, err := rowsOf(t.Context(), p, dated)
		if err != nil || len(got) != 1 || got[0] != datedRow {
			t.Fatalf("rows %q, %v", got, err)
		}
		want := durations(0, 200, 600, 1400, 3000, 6200, 11200, 16200, 21200, 26200, 31200, 36200, 41200)
		if q := f.queries(); !reflect.DeepEqual(q, want) {
			t.Errorf("lookups at %v, want %v", q, want)
		}
		// WARNs at the first failure (0 s) and the first one 30 s later
		// (31.2 s, attempt 11).
		warns := logLines(&logs, "WARN")
		if len(warns) != 2 || !strings.Contains(warns[0], "attempts=1 ") || !strings.Contains(warns[1], "attempts=11 ") {
			t.Errorf("WARN lines:\n%s", strings.Join(warns, "\n"))
		}
	})
}

// TestColumnTypesCache: read types are cached for a minute; a failed
// lookup is remembered only until its retry is due (a record arriving
// meanwhile waits for that retry instead of asking again), never as "no
// types".
func TestColumnTypesCache(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSchema(failing(0, datedColumns))
		p := typedPipeline(t, f, io.Discard)
		for range 3 {
			if got, err := rowsOf(t.Context(), p, dated); err != nil || len(got) != 1 || got[0] != datedRow {
				t.Fatalf("rows %q, %v", got, err)
			}
		}
		if q := f.queries(); len(q) != 1 {
			t.Fatalf("lookups at %v: the types are cached", q)
		}
		time.Sleep(time.Minute)
		if got, err := rowsOf(t.Context(), p, dated); err != nil || len(got) != 1 || got[0] != datedRow {
			t.Fatalf("rows %q, %v", got, err)
		}
		if q, want := f.queries(), durations(0, 60000); !reflect.DeepEqual(q, want) {
			t.Fatalf("lookups at %v, want %v: the cache expires after a minute", q, want)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSchema(failing(2, datedColumns))
		p := typedPipeline(t, f, io.Discard)
		// The first record is stopped (ctx) while it waits.
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		got, err := rowsOf(ctx, p, dated)
		if len(got) != 0 || err == nil {
			t.Fatalf("rows %q, %v: want none and an error", got, err)
		}
		// The next record, 50 ms later, waits for the retry due at 200
		// ms; that one fails too; the one at 600 ms succeeds.
		time.Sleep(50 * time.Millisecond)
		got, err = rowsOf(t.Context(), p, dated)
		if err != nil || len(got) != 1 || got[0] != datedRow {
			t.Fatalf("rows %q, %v", got, err)
		}
		if q, want := f.queries(), durations(0, 200, 600); !reflect.DeepEqual(q, want) {
			t.Errorf("lookups at %v, want %v", q, want)
		}
	})
}

// TestColumnTypesStopped: when ctx ends while a record waits, Rows emits
// nothing and returns an ErrStop (the replicator stops without committing
// or dead-lettering the record) naming the table and the lookup error.
func TestColumnTypesStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSchema(failing(1<<30, nil))
		p := typedPipeline(t, f, io.Discard)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		got, err := rowsOf(ctx, p, dated)
		if len(got) != 0 || !errors.Is(err, ErrStop) || !errors.Is(err, context.DeadlineExceeded) ||
			!strings.Contains(err.Error(), "db.t") || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("rows %q, error %v: want none and an ErrStop naming db.t and the lookup error", got, err)
		}
		if q := f.queries(); len(q) < 10 || q[len(q)-1] > time.Minute {
			t.Errorf("lookups at %v", q)
		}
	})
}

// TestColumnTypesNoTable: a table that does not exist is waited for like
// an unreachable port (its records are never sent untyped into a table
// created a moment later); the WARN says to create it or to set
// starrocks.auto.create.tables.
func TestColumnTypesNoTable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSchema(func(n int) ([][2]string, error) {
			switch {
			case n < 2:
				return nil, nil // no columns: ddl.ErrNoTable
			case n < 3:
				return nil, errRefused
			}
			return datedColumns, nil
		})
		var logs bytes.Buffer
		p := typedPipeline(t, f, &logs)
		got, err := rowsOf(t.Context(), p, dated)
		if err != nil || len(got) != 1 || got[0] != datedRow {
			t.Fatalf("rows %q, %v", got, err)
		}
		if q, want := f.queries(), durations(0, 200, 600, 1400); !reflect.DeepEqual(q, want) {
			t.Errorf("lookups at %v, want %v", q, want)
		}
		// One WARN for the missing table, one when the error changes.
		warns := logLines(&logs, "WARN")
		if len(warns) != 2 || !strings.Contains(warns[0], "does not exist") || !strings.Contains(warns[0], "starrocks.auto.create.tables=true") ||
			!strings.Contains(warns[1], "connection refused") {
			t.Errorf("WARN lines:\n%s", strings.Join(warns, "\n"))
		}
	})
}
