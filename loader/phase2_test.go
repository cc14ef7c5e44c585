package loader

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestTransactionMode(t *testing.T) {
	for i, tc := range []struct {
		name   string
		faults []fault
		tries  int
		err    error // expected Flush error, nil = success
	}{
		{"ok", nil, 1, nil},
		{"fe500-on-begin", []fault{{op: "fe_begin", kind: fkFE500}}, 2, nil},
		{"load-fails", []fault{{op: "load", kind: fkFail, msg: "internal error"}}, 2, nil},
		{"reset-after-load", []fault{{op: "load", kind: fkReset}}, 2, nil},
		{"reset-after-begin", []fault{{op: "begin", kind: fkReset}}, 3, nil},
		{"prepare-in-processing", []fault{{op: "prepare", kind: fkInProcessing, times: 2}}, 1, nil},
		{"prepare-not-exists-but-prepared", []fault{{op: "prepare", kind: fkNotExistsAfterOp}}, 1, nil},
		{"reset-after-prepare", []fault{{op: "prepare", kind: fkReset}}, 2, nil},
		{"commit-in-processing", []fault{{op: "commit", kind: fkInProcessing}}, 1, nil},
		{"commit-fails-after-commit", []fault{{op: "commit", kind: fkCommitFailsCommits}}, 1, nil},
		{"commit-reset-after-commit", []fault{{op: "commit", kind: fkReset}}, 1, nil},
		{"filtered-at-prepare", []fault{{op: "prepare", kind: fkFiltered, times: -1}}, 0, ErrBadRows}, // every part fails
		{"filtered-once-halves-load", []fault{{op: "prepare", kind: fkFiltered}}, 3, nil},
		{"always-fails", []fault{{op: "load", kind: fkFail, msg: "internal error", times: -1}}, 3, ErrRetriesExhausted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSR(t)
			for _, fl := range tc.faults {
				f.inject(fl)
			}
			lis := &recListener{}
			o := f.opts()
			o.Mode = ModeTransaction
			o.MaxRetries = 2
			o.ChunkBytes = 1024 // several load calls per transaction
			o.Listener = lis
			l := newLoader(t, o)
			var want []string
			for j := range 100 {
				row := fmt.Sprintf(`{"id":%d,"pad":"%s"}`, j, strings.Repeat("x", 20))
				want = append(want, row)
				l.Append("t", []byte(row))
			}
			err := l.Flush(ctxT(t), "b")
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("#%d: err = %v, want %v", i, err, tc.err)
				}
				if len(f.tableRows("t")) != 0 {
					t.Fatalf("#%d: rows applied despite failure", i)
				}
				if tc.err == ErrBadRows {
					var le *LoadError
					errors.As(err, &le)
					if le.ErrorLog == "" {
						t.Fatalf("#%d: no error log: %v", i, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("#%d: %v", i, err)
			}
			if got := f.tableRows("t"); !slices.Equal(got, want) {
				t.Fatalf("#%d: %d rows, want %d (lost or duplicated)", i, len(got), len(want))
			}
			if ev := lis.all(); len(ev) != tc.tries {
				t.Fatalf("#%d: %d attempts, want %d: %+v", i, len(ev), tc.tries, ev)
			}
			loads := 0
			for _, rq := range f.requests() {
				if strings.HasSuffix(rq.path, "/load") {
					loads++
				}
			}
			if loads < 3 {
				t.Fatalf("#%d: %d load calls, want several chunks per transaction", i, loads)
			}
		})
	}
}

func TestCompression(t *testing.T) {
	for _, mode := range []Mode{ModeStreamLoad, ModeTransaction} {
		for _, c := range []Compression{CompressionGzip, CompressionLZ4} {
			for _, format := range []Format{FormatJSON, FormatCSV} {
				t.Run(fmt.Sprint(mode, c, format), func(t *testing.T) {
					f := newFakeSR(t)
					o := f.opts()
					o.Mode, o.Compression, o.Format = mode, c, format
					l := newLoader(t, o)
					var want []string
					for j := range 50 {
						row := fmt.Sprintf(`{"id":%d}`, j)
						if format == FormatCSV {
							row = fmt.Sprintf("%d,abc", j)
						}
						want = append(want, row)
						l.Append("t", []byte(row))
					}
					if err := l.Flush(ctxT(t), "b"); err != nil {
						t.Fatal(err)
					}
					if got := f.tableRows("t"); !slices.Equal(got, want) {
						t.Fatalf("rows %q", got)
					}
					for _, rq := range f.requests() {
						if rq.header.Get("compression") != c.String() {
							t.Fatalf("compression header %q", rq.header.Get("compression"))
						}
					}
				})
			}
		}
	}
}

func TestHTTPS(t *testing.T) {
	f := newFakeSR(t)
	// Put TLS servers in front of the fake's handlers.
	be := httptest.NewTLSServer(f.be.Config.Handler)
	defer be.Close()
	fe := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "_stream_load") && f.authOK(r) {
			w.Header().Set("Location", be.URL+r.URL.RequestURI())
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
		f.serveFE(w, r)
	}))
	defer fe.Close()
	o := f.opts()
	o.URLs = []string{fe.URL}
	o.TLSConfig = &tls.Config{RootCAs: fe.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	l := newLoader(t, o)
	l.Append("t", []byte(`{"id":1}`))
	if err := l.Flush(ctxT(t), "b"); err != nil {
		t.Fatal(err)
	}
	if len(f.tableRows("t")) != 1 {
		t.Fatal("not loaded over HTTPS")
	}
}

// TestBackgroundAgeFlush: rows are loaded FlushInterval after they arrive,
// Durable and the Listener tell which rows are committed, and
// MinLoadInterval spaces the loads of a table.
func TestBackgroundAgeFlush(t *testing.T) {
	f := newFakeSR(t)
	lis := &recListener{}
	o := f.opts()
	o.FlushInterval = 20 * time.Millisecond
	o.MinLoadInterval = 300 * time.Millisecond
	o.Listener = lis
	l := newLoader(t, o)
	l.Append("a", []byte(`{"id":1}`))
	l.Append("b", []byte(`{"id":2}`))
	mark := l.Seq()
	waitFor(t, func() bool { return l.Durable() >= mark })
	if len(f.tableRows("a")) != 1 || len(f.tableRows("b")) != 1 {
		t.Fatal("rows not loaded in the background")
	}
	for _, e := range lis.all() {
		if e.Err != nil || e.Batch != "" || !strings.Contains(e.Label, "bg") {
			t.Fatalf("event %+v", e)
		}
	}
	first := time.Now()
	l.Append("a", []byte(`{"id":3}`))
	mark = l.Seq()
	waitFor(t, func() bool { return l.Durable() >= mark })
	if d := time.Since(first); d < 200*time.Millisecond {
		t.Fatalf("second load of a table after %v, MinLoadInterval is 300ms", d)
	}
	ev := lis.all()
	if last := ev[len(ev)-1]; last.Table != "a" || last.Seq != mark {
		t.Fatalf("last event %+v", last)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConcurrencyBounds: at most MaxConcurrentLoads loads at once, at most
// one per table, and per-table order is kept.
func TestConcurrencyBounds(t *testing.T) {
	f := newFakeSR(t)
	f.inject(fault{op: "load", kind: fkSlow, delay: 30 * time.Millisecond, times: -1})
	o := f.opts()
	o.MaxConcurrentLoads = 3
	o.FlushInterval = time.Millisecond
	l := newLoader(t, o)
	for round := range 5 {
		for tb := range 8 {
			l.Append(fmt.Sprint("t", tb), fmt.Appendf(nil, `{"id":%d}`, round))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := l.Flush(ctxT(t), "end"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	mt, mg := f.maxTable, f.maxGlob
	f.mu.Unlock()
	if mt != 1 || mg > 3 || mg < 2 {
		t.Fatalf("max per table %d, max overall %d", mt, mg)
	}
	for tb := range 8 {
		got := f.tableRows(fmt.Sprint("t", tb))
		want := []string{`{"id":0}`, `{"id":1}`, `{"id":2}`, `{"id":3}`, `{"id":4}`}
		if !slices.Equal(got, want) {
			t.Fatalf("t%d rows %q", tb, got)
		}
	}
}

// TestMemoryBudget: the buffer never holds more than MaxBytes plus one row
// while StarRocks is slower than the producer; Append blocks instead.
func TestMemoryBudget(t *testing.T) {
	f := newFakeSR(t)
	f.inject(fault{op: "load", kind: fkSlow, delay: 20 * time.Millisecond, times: -1})
	o := f.opts()
	o.MaxBytes = 64 << 10
	o.ChunkBytes = 4 << 10
	l := newLoader(t, o)
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // samples the counter
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if b := l.BufferedBytes(); b > peak.Load() {
				peak.Store(b)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()
	row := []byte(`{"id":1,"pad":"` + strings.Repeat("p", 200) + `"}`)
	n := 3000 // ~650 KiB through a 64 KiB budget
	for i := range n {
		l.Append(fmt.Sprint("t", i%3), row)
		if b := l.BufferedBytes(); b > peak.Load() {
			peak.Store(b)
		}
	}
	if err := l.Flush(ctxT(t), "end"); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-done
	if p := peak.Load(); p > o.MaxBytes+int64(o.ChunkBytes)+int64(len(row)) {
		t.Fatalf("peak %d bytes, budget %d", p, o.MaxBytes)
	}
	total := 0
	for i := range 3 {
		total += len(f.tableRows(fmt.Sprint("t", i)))
	}
	if total != n {
		t.Fatalf("%d rows loaded, want %d", total, n)
	}
}

// TestWaitFull: Full and Wait follow the budget; a failed load makes Wait
// return its error and Append stop blocking.
func TestWaitFull(t *testing.T) {
	f := newFakeSR(t)
	f.inject(fault{op: "load", kind: fkFail, msg: "too many filtered rows", times: -1})
	o := f.opts()
	o.MaxBytes = 8 << 10
	o.ChunkBytes = 1 << 10
	l := newLoader(t, o)
	row := []byte(`{"id":1,"pad":"` + strings.Repeat("p", 100) + `"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 200 { // far beyond the budget: must not deadlock
		l.Append("t", row)
	}
	if err := l.Wait(ctx); !errors.Is(err, ErrPermanent) {
		t.Fatalf("Wait = %v", err)
	}
	rows, err := l.TakeFailed("t")
	if len(rows) == 0 || !errors.Is(err, ErrPermanent) {
		t.Fatalf("TakeFailed %d rows, %v", len(rows), err)
	}
}

func TestFlushRetriesBackgroundFailure(t *testing.T) {
	f := newFakeSR(t)
	f.inject(fault{op: "load", kind: fkFail, msg: "internal error", times: 1})
	lis := &recListener{}
	o := f.opts()
	o.FlushInterval = time.Millisecond
	o.Listener = lis
	l := newLoader(t, o)
	l.Append("t", []byte(`{"id":1}`))
	waitFor(t, func() bool { return len(lis.all()) == 1 })
	waitFor(t, func() bool { return l.Wait(context.Background()) != nil })
	if l.Durable() != 0 {
		t.Fatal("failed row reported durable")
	}
	l.Append("t", []byte(`{"id":2}`)) // does not block
	if err := l.Flush(ctxT(t), "b"); err != nil {
		t.Fatal(err)
	}
	if got := f.tableRows("t"); !slices.Equal(got, []string{`{"id":1}`, `{"id":2}`}) {
		t.Fatalf("rows %q", got)
	}
	if l.Durable() != 2 {
		t.Fatalf("Durable %d", l.Durable())
	}
}

// TestBackoffFreesSlot: a table backing off between retries does not hold
// its load slot, so other tables load meanwhile.
func TestBackoffFreesSlot(t *testing.T) {
	f := newFakeSR(t)
	f.inject(fault{op: "load", kind: fkFail, msg: "internal error", table: "a", times: 2})
	lis := &recListener{}
	o := f.opts()
	o.MaxConcurrentLoads = 1
	o.MaxRetries = -1
	o.Listener = lis
	l := newLoader(t, o)
	l.Append("a", []byte(`{"id":1}`))
	l.Append("b", []byte(`{"id":2}`))
	if err := l.Flush(ctxT(t), "x"); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range lis.all() {
		if e.Err == nil {
			order = append(order, e.Table)
		}
	}
	if !slices.Equal(order, []string{"b", "a"}) {
		t.Fatalf("successes in order %v, want b first", order)
	}
}
