// Package emutest_test runs package loader against the StarRocks emulator
// (devstack/starrocks). It lives apart from package loader's own tests so
// that `go test ./loader/` does not depend on the emulator building.
package emutest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
	"github.com/starcdc/starcdc/loader"
)

type recListener = testutil.Events[loader.LoadEvent]

func newLoader(t testing.TB, o loader.Options) *loader.Loader {
	t.Helper()
	l, err := loader.New(o)
	return testutil.Closing(t, l, err)
}

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

func emOptions(em *starrocks.Emulator, mode loader.Mode) loader.Options {
	return loader.Options{URLs: []string{em.FEURL()}, Username: "root", Password: "pw-secret", Database: "db",
		LabelPrefix: "em", Mode: mode, MaxRetries: 4, MinLoadInterval: -1, FlushInterval: -1, ChunkBytes: 1024}
}

func appendOrders(l *loader.Loader, from, n int) {
	for i := from; i < from+n; i++ {
		l.Append("orders", fmt.Appendf(nil, `{"id":%d,"name":"n%d","qty":%d}`, i, i, i%7))
	}
}

func TestEmulatorFaults(t *testing.T) {
	const (
		h500  = starrocks.FaultHTTP500
		reset = starrocks.FaultResetAfterBody
		slow  = starrocks.FaultSlow
		pubTO = starrocks.FaultPublishTimeout
		cfac  = starrocks.FaultCommitFailsAfterCommit
	)
	f := func(op string, k starrocks.FaultKind) starrocks.Fault {
		return starrocks.Fault{Op: op, Kind: k, Times: 1, Delay: 50 * time.Millisecond}
	}
	for _, c := range []struct {
		mode   loader.Mode
		faults []starrocks.Fault
		tries  int // attempts over both flushes, proving the fault acted
	}{
		{loader.ModeStreamLoad, []starrocks.Fault{f("stream_load", h500)}, 3},
		{loader.ModeStreamLoad, []starrocks.Fault{f("stream_load", reset)}, 3}, // retry → Label Already Exists FINISHED
		{loader.ModeStreamLoad, []starrocks.Fault{f("stream_load", slow)}, 2},
		{loader.ModeStreamLoad, []starrocks.Fault{f("stream_load", pubTO)}, 2},
		{loader.ModeStreamLoad, []starrocks.Fault{f("stream_load", cfac)}, 3},
		{loader.ModeTransaction, []starrocks.Fault{f("begin", h500)}, 3},
		{loader.ModeTransaction, []starrocks.Fault{f("begin", reset)}, 4}, // label live → rollback → begin again
		{loader.ModeTransaction, []starrocks.Fault{f("begin", slow)}, 2},
		{loader.ModeTransaction, []starrocks.Fault{f("load", h500)}, 3},
		{loader.ModeTransaction, []starrocks.Fault{f("load", reset)}, 3},
		{loader.ModeTransaction, []starrocks.Fault{f("load", slow)}, 2},
		{loader.ModeTransaction, []starrocks.Fault{f("prepare", h500)}, 3},
		{loader.ModeTransaction, []starrocks.Fault{f("prepare", reset)}, 3},
		{loader.ModeTransaction, []starrocks.Fault{f("prepare", slow)}, 2},
		{loader.ModeTransaction, []starrocks.Fault{f("commit", h500)}, 2}, // polled PREPARED → commit again
		{loader.ModeTransaction, []starrocks.Fault{f("commit", reset)}, 2},
		{loader.ModeTransaction, []starrocks.Fault{f("commit", slow)}, 2},
		{loader.ModeTransaction, []starrocks.Fault{f("commit", pubTO)}, 2},
		{loader.ModeTransaction, []starrocks.Fault{f("commit", cfac)}, 2},
		{loader.ModeTransaction, []starrocks.Fault{f("load", h500), f("rollback", h500)}, 4},
		{loader.ModeTransaction, []starrocks.Fault{f("load", h500), f("rollback", reset)}, 3},
		{loader.ModeTransaction, []starrocks.Fault{f("load", h500), f("rollback", slow)}, 3},
		{loader.ModeTransaction, []starrocks.Fault{f("commit", h500), f("get_load_state", h500)}, 2},
		{loader.ModeTransaction, []starrocks.Fault{f("commit", h500), f("get_load_state", reset)}, 2},
		{loader.ModeTransaction, []starrocks.Fault{f("commit", h500), f("get_load_state", slow)}, 2},
	} {
		var name []string
		for _, fl := range c.faults {
			name = append(name, fl.Op+"-"+strings.TrimPrefix(fl.Kind.String(), "Fault"))
		}
		t.Run(c.mode.String()+"/"+strings.Join(name, "+"), func(t *testing.T) {
			t.Parallel()
			em := startEmulator(t)
			for _, fl := range c.faults {
				em.Inject(fl)
			}
			lis := &recListener{}
			o := emOptions(em, c.mode)
			o.Listener = lis
			l := newLoader(t, o)
			appendOrders(l, 0, 50)
			if err := l.Flush(testutil.Ctx(t), "p0-0-49"); err != nil {
				t.Fatal(err)
			}
			appendOrders(l, 50, 50) // a second batch after the fault
			if err := l.Flush(testutil.Ctx(t), "p0-50-99"); err != nil {
				t.Fatal(err)
			}
			rows, err := em.Rows("db", "orders")
			if err != nil {
				t.Fatal(err)
			}
			st := em.Stats("db", "orders")
			if len(rows) != 100 || st.LoadedRows != 100 || st.Loads != 2 {
				t.Fatalf("%d rows, stats %+v (lost or duplicated); events %+v", len(rows), st, lis.All())
			}
			if rows[42]["name"] != "n42" {
				t.Fatalf("row 42 = %v", rows[42])
			}
			if n := len(lis.All()); n != c.tries {
				t.Fatalf("%d attempts, want %d: %+v", n, c.tries, lis.All())
			}
		})
	}
}

func TestEmulatorDeletesAndCSV(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		em := startEmulator(t)
		l := newLoader(t, emOptions(em, mode))
		appendOrders(l, 0, 10)
		l.Append("orders", []byte(`{"id":3,"qty":0,"__op":1}`))
		if err := l.Flush(testutil.Ctx(t), "b1"); err != nil {
			t.Fatal(err)
		}
		rows, _ := em.Rows("db", "orders")
		if len(rows) != 9 {
			t.Fatalf("%v: %d rows after a delete", mode, len(rows))
		}

		o := emOptions(em, mode)
		o.Format = loader.FormatCSV
		o.LabelPrefix = "csv"
		o.Headers = map[string]string{"column_separator": ",", "row_delimiter": `\x02`, "columns": "id,name,qty,__op"}
		lc := newLoader(t, o)
		lc.Append("items", []byte("1,a,5,0"))
		lc.Append("items", []byte("2,b,6,0"))
		lc.Append("items", []byte("1,a,5,1"))
		if err := lc.Flush(testutil.Ctx(t), "c1"); err != nil {
			t.Fatal(err)
		}
		rows, _ = em.Rows("db", "items")
		if len(rows) != 1 || rows[0]["id"] != "2" {
			t.Fatalf("%v: CSV rows %v", mode, rows)
		}
	}
}

func TestEmulatorPermanentErrors(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		em := startEmulator(t)
		lis := &recListener{}
		o := emOptions(em, mode)
		o.Listener = lis
		l := newLoader(t, o)

		// A NOT NULL column without a value: the row is filtered. The load
		// fails, and its halves isolate the bad row.
		l.Append("orders", []byte(`{"id":1,"name":"ok","qty":1}`))
		l.Append("orders", []byte(`{"id":2,"name":"bad","qty":null}`))
		err := l.Flush(testutil.Ctx(t), "bad")
		var le *loader.LoadError
		if !errors.As(err, &le) || !errors.Is(err, loader.ErrPermanent) || !errors.Is(err, loader.ErrBadRows) || !strings.Contains(le.Message, "too many filtered rows") {
			t.Fatalf("%v: err = %v", mode, err)
		}
		if !strings.Contains(le.ErrorLog, "qty") || testutil.NormLabel(le.Label) != "em-orders-bad-b" {
			t.Fatalf("%v: error log %q, label %s", mode, le.ErrorLog, le.Label)
		}
		if n := len(lis.All()); n != 3 {
			t.Fatalf("%v: %d attempts, want the load and its halves", mode, n)
		}
		if st := em.Stats("db", "orders"); st.LoadedRows != 1 {
			t.Fatalf("%v: good row not loaded: %+v", mode, st)
		}
		rows, _ := l.TakeFailed("orders")
		if len(rows) != 1 || string(rows[0]) != `{"id":2,"name":"bad","qty":null}` {
			t.Fatalf("%v: TakeFailed %q", mode, rows)
		}

		// Unknown table: a configuration failure, not bad rows.
		l.Append("nope", []byte(`{"id":1}`))
		l.Append("nope", []byte(`{"id":2}`))
		err = l.Flush(testutil.Ctx(t), "x")
		if !errors.Is(err, loader.ErrPermanent) || errors.Is(err, loader.ErrBadRows) || !strings.Contains(err.Error(), "create the database and table") {
			t.Fatalf("%v: unknown table: %v", mode, err)
		}
		if rows, _ := l.TakeFailed("nope"); len(rows) != 2 {
			t.Fatalf("%v: TakeFailed %q", mode, rows)
		}

		// Wrong password.
		o.Password = "not-it"
		lb := newLoader(t, o)
		lb.Append("orders", []byte(`{"id":1,"qty":1}`))
		err = lb.Flush(testutil.Ctx(t), "x")
		if !errors.Is(err, loader.ErrPermanent) || strings.Contains(err.Error(), "not-it") {
			t.Fatalf("%v: bad password: %v", mode, err)
		}
	}
}

// TestEmulatorRestartDedup: a second loader.Loader (a restarted replicator) that
// replays the same batch under the same label does not load it twice.
func TestEmulatorRestartDedup(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		em := startEmulator(t)
		for run := range 2 {
			l := newLoader(t, emOptions(em, mode))
			appendOrders(l, 0, 20)
			if err := l.Flush(testutil.Ctx(t), "p0-0-19"); err != nil {
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
// It runs in a synctest bubble, so the waits are the bubble's time.
func TestEmulatorBackground(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		em := startEmulator(t)
		inBubble(t, em, func(t *testing.T, sr *testutil.SR) {
			o := emOptions(em, mode)
			o.HTTPClient = sr.Client(t)
			o.FlushInterval = 10 * time.Millisecond
			o.MinLoadInterval = 20 * time.Millisecond
			o.MaxBytes = 32 << 10
			l := newLoader(t, o)
			for i := range 2000 {
				l.Append("orders", fmt.Appendf(nil, `{"id":%d,"name":"x","qty":1}`, i))
				l.Append("items", fmt.Appendf(nil, `{"id":%d,"name":"y","qty":2}`, i%500))
			}
			mark := l.Seq()
			testutil.WaitFor(t, func() bool { return l.Durable() >= mark })
			so, si := em.Stats("db", "orders"), em.Stats("db", "items")
			if so.LoadedRows != 2000 || si.LoadedRows != 2000 || so.Loads < 2 {
				t.Fatalf("%v: stats %+v %+v", mode, so, si)
			}
			rows, _ := em.Rows("db", "items")
			if len(rows) != 500 {
				t.Fatalf("%v: %d item rows", mode, len(rows))
			}
		})
	}
}
