package emutest_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
	"github.com/starcdc/starcdc/loader"
)

// loadErrors returns the *LoadErrors in err (joined or not).
func loadErrors(err error) []*loader.LoadError {
	var out []*loader.LoadError
	var walk func(error)
	walk = func(e error) {
		if le, ok := e.(*loader.LoadError); ok {
			out = append(out, le)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
		}
	}
	walk(err)
	return out
}

// TestEmulatorBadRowsIsolated: 1000 rows of which 3 are rejected by the
// table: the 997 others load, TakeFailed returns exactly the 3 with
// ErrBadRows, later rows load, and Durable stops before the first bad row
// until it is taken.
func TestEmulatorBadRowsIsolated(t *testing.T) {
	long := strings.Repeat("L", 100) // over VARCHAR(64)
	all3 := []int{100, 555, 556}
	for _, c := range []struct {
		name    string
		headers map[string]string
		bad     func(i int) string // the bad row i
		taken   []int              // rows rejected, for TakeFailed (none: the bad rows load or are filtered)
		filt    int64              // rows StarRocks filtered within max_filter_ratio
	}{
		{"not-null", nil, func(i int) string { return fmt.Sprintf(`{"id":%d,"name":"bad","qty":null}`, i) }, all3, 0},
		{"not-null-strict", map[string]string{"strict_mode": "true"}, func(i int) string { return fmt.Sprintf(`{"id":%d,"name":"bad"}`, i) }, all3, 0},
		{"strict-too-long", map[string]string{"strict_mode": "true"}, func(i int) string { return fmt.Sprintf(`{"id":%d,"name":"%s","qty":1}`, i, long) }, all3, 0},
		{"lenient-too-long", map[string]string{"strict_mode": "false"}, func(i int) string { return fmt.Sprintf(`{"id":%d,"name":"%s","qty":1}`, i, long) }, nil, 0},
		{"strict-bad-int", map[string]string{"strict_mode": "true"}, func(i int) string { return fmt.Sprintf(`{"id":%d,"name":"x","qty":"abc"}`, i) }, all3, 0},
		// The ratio applies to every load: the half [0,500) with one bad
		// row in 500 passes, that row filtered as the user allowed.
		{"max-filter-ratio-low", map[string]string{"max_filter_ratio": "0.002"}, func(i int) string { return fmt.Sprintf(`{"id":%d,"qty":null}`, i) }, []int{555, 556}, 1},
		{"max-filter-ratio-allows", map[string]string{"max_filter_ratio": "0.01"}, func(i int) string { return fmt.Sprintf(`{"id":%d,"qty":null}`, i) }, nil, 3},
	} {
		for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
			t.Run(c.name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				em := startEmulator(t)
				lis := &recListener{}
				o := emOptions(em, mode)
				o.Listener = lis
				o.Headers = c.headers
				o.ChunkBytes = 8 << 10 // several chunks (load calls) per load
				l := newLoader(t, o)
				badAt := map[int]bool{100: true, 555: true, 556: true}
				for i := range 1000 {
					if badAt[i] {
						l.Append("orders", []byte(c.bad(i)))
					} else {
						l.Append("orders", fmt.Appendf(nil, `{"id":%d,"name":"n%d","qty":%d}`, i, i, i%7))
					}
				}
				mark := l.Seq()
				err := l.Flush(testutil.Ctx(t), "p0-0-999")
				st := em.Stats("db", "orders")
				if len(c.taken) == 0 {
					if err != nil {
						t.Fatal(err)
					}
					want := int64(1000) - c.filt
					if st.LoadedRows != want || st.FilteredRows != c.filt || st.Loads != 1 || l.Durable() != mark {
						t.Fatalf("stats %+v, Durable %d", st, l.Durable())
					}
					return
				}
				if !errors.Is(err, loader.ErrBadRows) || !errors.Is(err, loader.ErrPermanent) {
					t.Fatalf("Flush = %v", err)
				}
				if st.LoadedRows != 997 || st.FilteredRows != c.filt {
					t.Fatalf("stats %+v, want 997 loaded", st)
				}
				rows, _ := em.Rows("db", "orders")
				if len(rows) != 997 {
					t.Fatalf("%d rows stored", len(rows))
				}
				for _, r := range rows {
					if r["name"] == "bad" {
						t.Fatalf("bad row stored: %v", r)
					}
				}
				first := uint64(c.taken[0]) // row i is seq i+1
				if d := l.Durable(); d != first {
					t.Fatalf("Durable %d before TakeFailed, want %d", d, first)
				}
				if err := l.Wait(testutil.Ctx(t)); !errors.Is(err, loader.ErrBadRows) {
					t.Fatalf("Wait = %v", err)
				}
				// Later rows still load while the bad rows are held.
				for i := 1000; i < 1100; i++ {
					l.Append("orders", fmt.Appendf(nil, `{"id":%d,"name":"n%d","qty":1}`, i, i))
				}
				if err := l.Flush(testutil.Ctx(t), "p0-1000-1099"); !errors.Is(err, loader.ErrBadRows) {
					t.Fatalf("second Flush = %v", err)
				}
				if st := em.Stats("db", "orders"); st.LoadedRows != 1097 {
					t.Fatalf("later rows: %+v", st)
				}
				if d := l.Durable(); d != first {
					t.Fatalf("Durable %d moved past a bad row", d)
				}
				got, terr := l.TakeFailed("orders")
				if len(got) != len(c.taken) {
					t.Fatalf("TakeFailed %q", got)
				}
				for i, r := range got {
					if string(r) != c.bad(c.taken[i]) {
						t.Fatalf("TakeFailed %q", got)
					}
				}
				les := loadErrors(terr)
				if !errors.Is(terr, loader.ErrBadRows) || len(les) != len(c.taken) {
					t.Fatalf("TakeFailed err %v", terr)
				}
				for i, le := range les {
					if !le.BadRows || !strings.HasPrefix(le.Label, "em-orders-p0-0-999-") || !strings.Contains(le.ErrorLog, fmt.Sprintf(`"id":%d`, c.taken[i])) {
						t.Fatalf("bad row %d: %+v", i, le)
					}
				}
				if rows, err := l.TakeFailed("orders"); rows != nil || err != nil {
					t.Fatalf("second TakeFailed %q %v", rows, err)
				}
				if d := l.Durable(); d != l.Seq() {
					t.Fatalf("Durable %d after TakeFailed, Seq %d", d, l.Seq())
				}
				if err := l.Flush(testutil.Ctx(t), "p0-end"); err != nil || l.BufferedBytes() != 0 {
					t.Fatalf("Flush after TakeFailed = %v, buffered %d", err, l.BufferedBytes())
				}
				// 3 bad rows in 1000: 2 loads per failing part per level.
				if n := len(lis.All()); n > 1+8*10+8+1 {
					t.Fatalf("%d load attempts", n)
				}
			})
		}
	}
}

// TestEmulatorAllRowsBad: every row of a table is rejected; all of them end
// in TakeFailed, in order, within the isolation budget, and the table
// then loads again.
func TestEmulatorAllRowsBad(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			em := startEmulator(t)
			lis := &recListener{}
			o := emOptions(em, mode)
			o.Listener = lis
			l := newLoader(t, o)
			const n = 40
			for i := range n {
				l.Append("orders", fmt.Appendf(nil, `{"id":%d,"qty":null}`, i))
			}
			err := l.Flush(testutil.Ctx(t), "all-bad")
			if !errors.Is(err, loader.ErrBadRows) {
				t.Fatalf("Flush = %v", err)
			}
			if st := em.Stats("db", "orders"); st.LoadedRows != 0 {
				t.Fatalf("stats %+v", st)
			}
			if a := len(lis.All()); a > 1+8*6+8 {
				t.Fatalf("%d attempts beyond the budget", a)
			}
			var got [][]byte
			for {
				rows, err := l.TakeFailed("orders")
				if rows == nil {
					break
				}
				if !errors.Is(err, loader.ErrBadRows) {
					t.Fatalf("TakeFailed err %v", err)
				}
				got = append(got, rows...)
			}
			if len(got) != n {
				t.Fatalf("%d rows taken", len(got))
			}
			for i, r := range got {
				if string(r) != fmt.Sprintf(`{"id":%d,"qty":null}`, i) {
					t.Fatalf("row %d = %s", i, r)
				}
			}
			if l.Durable() != n || l.BufferedBytes() != 0 {
				t.Fatalf("Durable %d buffered %d", l.Durable(), l.BufferedBytes())
			}
			appendOrders(l, 0, 10)
			if err := l.Flush(testutil.Ctx(t), "after"); err != nil {
				t.Fatal(err)
			}
			if st := em.Stats("db", "orders"); st.LoadedRows != 10 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// TestEmulatorPrimaryKeyTooLong: "primary key size exceed the limit" fails
// a whole load (not a filtered row); the row is isolated the same way.
func TestEmulatorPrimaryKeyTooLong(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		em := startEmulator(t)
		err := em.CreateTable("db", "docs", []starrocks.Column{
			{Name: "k", Type: "VARCHAR(255)"},
			{Name: "v", Type: "INT", Nullable: true},
		}, []string{"k"})
		if err != nil {
			t.Fatal(err)
		}
		l := newLoader(t, emOptions(em, mode))
		for i := range 20 {
			k := fmt.Sprint("k", i)
			if i == 13 {
				k = strings.Repeat("K", 200)
			}
			l.Append("docs", fmt.Appendf(nil, `{"k":%q,"v":%d}`, k, i))
		}
		err = l.Flush(testutil.Ctx(t), "pk")
		if !errors.Is(err, loader.ErrBadRows) || !strings.Contains(err.Error(), "128 bytes") {
			t.Fatalf("%v: Flush = %v", mode, err)
		}
		rows, _ := l.TakeFailed("docs")
		if len(rows) != 1 || !strings.Contains(string(rows[0]), `"v":13`) {
			t.Fatalf("%v: TakeFailed %q", mode, rows)
		}
		if st := em.Stats("db", "docs"); st.LoadedRows != 19 {
			t.Fatalf("%v: stats %+v", mode, st)
		}
	}
}

// TestEmulatorBadRowRestart: a replicator that restarts during isolation
// replays the batch under the same labels: the halves already committed
// are not loaded twice.
func TestEmulatorBadRowRestart(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		em := startEmulator(t)
		for run := range 2 {
			l := newLoader(t, emOptions(em, mode))
			for i := range 64 {
				if i == 40 {
					l.Append("orders", fmt.Appendf(nil, `{"id":%d,"qty":null}`, i))
				} else {
					l.Append("orders", fmt.Appendf(nil, `{"id":%d,"name":"n","qty":1}`, i))
				}
			}
			if err := l.Flush(testutil.Ctx(t), "replayed"); !errors.Is(err, loader.ErrBadRows) {
				t.Fatalf("%v run %d: %v", mode, run, err)
			}
			l.Close()
		}
		if st := em.Stats("db", "orders"); st.LoadedRows != 63 {
			t.Fatalf("%v: stats %+v (rows loaded twice)", mode, st)
		}
	}
}

// TestEmulatorBadRowsBackground: age and memory-pressure loads of two
// tables with bad rows sprinkled in one: a caller that takes failed rows
// whenever Durable stalls ends with every good row loaded once and every
// bad row taken once. It runs in a synctest bubble.
func TestEmulatorBadRowsBackground(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			em := startEmulator(t)
			inBubble(t, em, func(t *testing.T, sr *testutil.SR) {
				o := emOptions(em, mode)
				o.HTTPClient = sr.Client(t)
				o.FlushInterval = 10 * time.Millisecond
				o.MinLoadInterval = 20 * time.Millisecond
				o.MaxBytes = 32 << 10
				l := newLoader(t, o)
				var taken []string
				take := func() {
					for {
						rows, err := l.TakeFailed("orders")
						if rows == nil {
							return
						}
						if !errors.Is(err, loader.ErrBadRows) {
							t.Errorf("TakeFailed: %v", err)
						}
						for _, r := range rows {
							taken = append(taken, string(r))
						}
					}
				}
				var want []string
				for i := range 2000 {
					if i%397 == 5 {
						r := fmt.Sprintf(`{"id":%d,"qty":null}`, i)
						want = append(want, r)
						l.Append("orders", []byte(r))
					} else {
						l.Append("orders", fmt.Appendf(nil, `{"id":%d,"name":"x","qty":1}`, i))
					}
					l.Append("items", fmt.Appendf(nil, `{"id":%d,"name":"y","qty":2}`, i%500))
					if i%200 == 0 {
						take()
					}
				}
				mark := l.Seq()
				deadline := time.Now().Add(15 * time.Second)
				for l.Durable() < mark {
					if time.Now().After(deadline) {
						t.Fatalf("Durable %d < %d", l.Durable(), mark)
					}
					take()
					time.Sleep(5 * time.Millisecond)
				}
				if !slices.Equal(taken, want) {
					t.Fatalf("taken %q, want %q", taken, want)
				}
				so, si := em.Stats("db", "orders"), em.Stats("db", "items")
				if so.LoadedRows != 2000-int64(len(want)) || si.LoadedRows != 2000 {
					t.Fatalf("stats %+v %+v", so, si)
				}
				if l.BufferedBytes() != 0 {
					t.Fatalf("buffered %d", l.BufferedBytes())
				}
			})
		})
	}
}
