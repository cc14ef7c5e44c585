package loader

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
)

// Tests against the StarRocks emulator (devstack/starrocks): every fault
// kind on every operation, checking that rows are loaded exactly once.

func startEmulator(t *testing.T) *starrocks.Emulator {
	t.Helper()
	em, err := starrocks.Start(starrocks.Config{Users: map[string]string{"root": "pw-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	if err := em.CreateDatabase("db"); err != nil {
		t.Fatal(err)
	}
	for _, tb := range []string{"orders", "items"} {
		err := em.CreateTable("db", tb, []starrocks.Column{
			{Name: "id", Type: "BIGINT"},
			{Name: "name", Type: "VARCHAR(64)", Nullable: true},
			{Name: "qty", Type: "INT"},
		}, []string{"id"})
		if err != nil {
			t.Fatal(err)
		}
	}
	return em
}

func emOptions(em *starrocks.Emulator, mode Mode) Options {
	return Options{URLs: []string{em.FEURL()}, Username: "root", Password: "pw-secret", Database: "db",
		LabelPrefix: "em", Mode: mode, MaxRetries: 4, MinLoadInterval: -1, FlushInterval: -1, ChunkBytes: 1024}
}

func appendOrders(l *Loader, from, n int) {
	for i := from; i < from+n; i++ {
		l.Append("orders", fmt.Appendf(nil, `{"id":%d,"name":"n%d","qty":%d}`, i, i, i%7))
	}
}

func TestEmulatorFaults(t *testing.T) {
	type tc struct {
		mode  Mode
		fault starrocks.Fault
	}
	var cases []tc
	kinds := []starrocks.FaultKind{starrocks.FaultHTTP500, starrocks.FaultResetAfterBody, starrocks.FaultSlow,
		starrocks.FaultPublishTimeout, starrocks.FaultCommitFailsAfterCommit}
	commitKinds := map[starrocks.FaultKind]bool{starrocks.FaultPublishTimeout: true, starrocks.FaultCommitFailsAfterCommit: true}
	for _, k := range kinds {
		cases = append(cases, tc{ModeStreamLoad, starrocks.Fault{Op: "stream_load", Kind: k}})
		if !commitKinds[k] {
			cases = append(cases, tc{ModeStreamLoad, starrocks.Fault{Op: "get_load_state", Kind: k}})
		}
		for _, op := range []string{"begin", "load", "prepare", "commit", "rollback", "get_load_state"} {
			if commitKinds[k] && op != "commit" {
				continue
			}
			cases = append(cases, tc{ModeTransaction, starrocks.Fault{Op: op, Kind: k}})
		}
	}
	for _, c := range cases {
		c.fault.Times = 1
		if c.fault.Kind == starrocks.FaultSlow {
			c.fault.Delay = 50 * time.Millisecond
		}
		t.Run(fmt.Sprintf("%v/%s/%v", c.mode, c.fault.Op, c.fault.Kind), func(t *testing.T) {
			t.Parallel()
			em := startEmulator(t)
			em.Inject(c.fault)
			lis := &recListener{}
			o := emOptions(em, c.mode)
			o.Listener = lis
			l := newLoader(t, o)
			appendOrders(l, 0, 50)
			if err := l.Flush(ctxT(t), "p0-0-49"); err != nil {
				t.Fatal(err)
			}
			appendOrders(l, 50, 50) // a second batch after the fault
			if err := l.Flush(ctxT(t), "p0-50-99"); err != nil {
				t.Fatal(err)
			}
			rows, err := em.Rows("db", "orders")
			if err != nil {
				t.Fatal(err)
			}
			st := em.Stats("db", "orders")
			if len(rows) != 100 || st.LoadedRows != 100 || st.Loads != 2 {
				t.Fatalf("%d rows, stats %+v; events %+v", len(rows), st, lis.all())
			}
			if rows[42]["name"] != "n42" {
				t.Fatalf("row 42 = %v", rows[42])
			}
		})
	}
}

func TestEmulatorDeletesAndCSV(t *testing.T) {
	for _, mode := range []Mode{ModeStreamLoad, ModeTransaction} {
		em := startEmulator(t)
		l := newLoader(t, emOptions(em, mode))
		appendOrders(l, 0, 10)
		l.Append("orders", []byte(`{"id":3,"qty":0,"__op":1}`))
		if err := l.Flush(ctxT(t), "b1"); err != nil {
			t.Fatal(err)
		}
		rows, _ := em.Rows("db", "orders")
		if len(rows) != 9 {
			t.Fatalf("%v: %d rows after a delete", mode, len(rows))
		}

		o := emOptions(em, mode)
		o.Format = FormatCSV
		o.LabelPrefix = "csv"
		o.Headers = map[string]string{"column_separator": ",", "row_delimiter": `\x02`, "columns": "id,name,qty,__op"}
		lc := newLoader(t, o)
		lc.Append("items", []byte("1,a,5,0"))
		lc.Append("items", []byte("2,b,6,0"))
		lc.Append("items", []byte("1,a,5,1"))
		if err := lc.Flush(ctxT(t), "c1"); err != nil {
			t.Fatal(err)
		}
		rows, _ = em.Rows("db", "items")
		if len(rows) != 1 || rows[0]["id"] != "2" {
			t.Fatalf("%v: CSV rows %v", mode, rows)
		}
	}
}

func TestEmulatorPermanentErrors(t *testing.T) {
	for _, mode := range []Mode{ModeStreamLoad, ModeTransaction} {
		em := startEmulator(t)
		lis := &recListener{}
		o := emOptions(em, mode)
		o.Listener = lis
		l := newLoader(t, o)

		// A NOT NULL column without a value: the row is filtered.
		l.Append("orders", []byte(`{"id":1,"name":"ok","qty":1}`))
		l.Append("orders", []byte(`{"id":2,"name":"bad","qty":null}`))
		err := l.Flush(ctxT(t), "bad")
		var le *LoadError
		if !errors.As(err, &le) || !errors.Is(err, ErrPermanent) || !strings.Contains(le.Message, "too many filtered rows") {
			t.Fatalf("%v: err = %v", mode, err)
		}
		if !strings.Contains(le.ErrorLog, "qty") {
			t.Fatalf("%v: error log %q", mode, le.ErrorLog)
		}
		if n := len(lis.all()); n != 1 {
			t.Fatalf("%v: %d attempts of a permanent failure", mode, n)
		}
		if st := em.Stats("db", "orders"); st.LoadedRows != 0 {
			t.Fatalf("%v: partial load %+v", mode, st)
		}
		rows, _ := l.TakeFailed("orders")
		if len(rows) != 2 {
			t.Fatalf("%v: TakeFailed %q", mode, rows)
		}

		// Unknown table.
		l.Append("nope", []byte(`{"id":1}`))
		err = l.Flush(ctxT(t), "x")
		if !errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), "create the database and table") {
			t.Fatalf("%v: unknown table: %v", mode, err)
		}
		l.TakeFailed("nope")

		// Wrong password.
		o.Password = "not-it"
		lb := newLoader(t, o)
		lb.Append("orders", []byte(`{"id":1,"qty":1}`))
		err = lb.Flush(ctxT(t), "x")
		if !errors.Is(err, ErrPermanent) || strings.Contains(err.Error(), "not-it") {
			t.Fatalf("%v: bad password: %v", mode, err)
		}
	}
}

// TestEmulatorRestartDedup: a second Loader (a restarted replicator) that
// replays the same batch under the same label does not load it twice.
func TestEmulatorRestartDedup(t *testing.T) {
	for _, mode := range []Mode{ModeStreamLoad, ModeTransaction} {
		em := startEmulator(t)
		for run := range 2 {
			l := newLoader(t, emOptions(em, mode))
			appendOrders(l, 0, 20)
			if err := l.Flush(ctxT(t), "p0-0-19"); err != nil {
				t.Fatalf("%v run %d: %v", mode, run, err)
			}
			l.Close()
		}
		if st := em.Stats("db", "orders"); st.Loads != 1 || st.LoadedRows != 20 {
			t.Fatalf("%v: stats %+v", mode, st)
		}
	}
}

// TestEmulatorBackground: continuous appends to two tables with age and
// memory-pressure loads; everything arrives once and Durable catches up.
func TestEmulatorBackground(t *testing.T) {
	for _, mode := range []Mode{ModeStreamLoad, ModeTransaction} {
		em := startEmulator(t)
		o := emOptions(em, mode)
		o.FlushInterval = 10 * time.Millisecond
		o.MinLoadInterval = 20 * time.Millisecond
		o.MaxBytes = 32 << 10
		l := newLoader(t, o)
		for i := range 2000 {
			l.Append("orders", fmt.Appendf(nil, `{"id":%d,"name":"x","qty":1}`, i))
			l.Append("items", fmt.Appendf(nil, `{"id":%d,"name":"y","qty":2}`, i%500))
		}
		mark := l.Seq()
		waitFor(t, func() bool { return l.Durable() >= mark })
		so, si := em.Stats("db", "orders"), em.Stats("db", "items")
		if so.LoadedRows != 2000 || si.LoadedRows != 2000 || so.Loads < 2 {
			t.Fatalf("%v: stats %+v %+v", mode, so, si)
		}
		rows, _ := em.Rows("db", "items")
		if len(rows) != 500 {
			t.Fatalf("%v: %d item rows", mode, len(rows))
		}
	}
}
