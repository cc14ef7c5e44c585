package loader

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
)

// Tests of scheduling (schedule.go): background loads by age and memory
// pressure, MinLoadInterval, MaxConcurrentLoads, the memory budget. They
// run in a synctest bubble (see harness_test.go): time.Sleep moves the
// bubble's clock, synctest.Wait lets every load that can run finish, so
// each check happens at an exact moment.

// TestBackgroundAgeFlush: rows are loaded FlushInterval after they arrive,
// Durable and the Listener tell which rows are committed, and
// MinLoadInterval spaces the loads of a table.
func TestBackgroundAgeFlush(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		lis := &recListener{}
		o := f.opts()
		o.FlushInterval = 20 * time.Millisecond
		o.MinLoadInterval = 300 * time.Millisecond
		o.Listener = lis
		l := newLoader(t, o)
		start := time.Now()
		l.Append("a", []byte(`{"id":1}`))
		l.Append("b", []byte(`{"id":2}`))
		mark := l.Seq()
		time.Sleep(o.FlushInterval)
		synctest.Wait()
		if l.Durable() < mark {
			t.Fatalf("Durable %d < %d FlushInterval after the rows arrived", l.Durable(), mark)
		}
		if f.loadedRows("a") != 1 || f.loadedRows("b") != 1 {
			t.Fatal("rows not loaded in the background")
		}
		at := lis.Times()
		for i, e := range lis.All() {
			if e.Err != nil || e.Batch != "" || !strings.Contains(e.Label, "bg") {
				t.Fatalf("event %+v", e)
			}
			if d := at[i].Sub(start); d != o.FlushInterval {
				t.Fatalf("table %s loaded %v after its row arrived, FlushInterval is %v", e.Table, d, o.FlushInterval)
			}
		}
		first := time.Now() // a's last load started now
		l.Append("a", []byte(`{"id":3}`))
		mark = l.Seq()
		time.Sleep(o.MinLoadInterval - time.Nanosecond)
		synctest.Wait()
		if l.Durable() >= mark {
			t.Fatalf("second load of a table after %v, MinLoadInterval is %v", time.Since(first), o.MinLoadInterval)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if l.Durable() < mark {
			t.Fatalf("no second load of a table MinLoadInterval (%v) after the first", o.MinLoadInterval)
		}
		ev := lis.All()
		if last := ev[len(ev)-1]; last.Table != "a" || last.Seq != mark {
			t.Fatalf("last event %+v", last)
		}
	})
}

// TestAgeLoadTiming: a table is loaded FlushInterval after its oldest
// buffered row arrived, not after its latest one; rows arriving meanwhile
// go in the same load.
func TestAgeLoadTiming(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		lis := &recListener{}
		o := f.opts()
		o.FlushInterval = time.Second
		o.MinLoadInterval = -1
		o.Listener = lis
		l := newLoader(t, o)
		start := time.Now()
		for i := range 10 { // one row every 300 ms: rows 0-3 before the first load
			l.Append("t", fmt.Appendf(nil, `{"id":%d}`, i))
			time.Sleep(300 * time.Millisecond)
		}
		synctest.Wait()
		// Loads at 1 s (rows 0-3, appended at 0-0.9 s), 2.2 s (rows 4-7,
		// the oldest appended at 1.2 s); rows 8 and 9 (2.4 s, 2.7 s) are
		// due at 3.4 s.
		ev, at := lis.All(), lis.Times()
		var got []string
		for i, e := range ev {
			got = append(got, fmt.Sprintf("%v:%d", at[i].Sub(start), e.Rows))
		}
		if want := []string{"1s:4", "2.2s:4"}; !slices.Equal(got, want) {
			t.Fatalf("loads (time:rows) %v, want %v", got, want)
		}
		time.Sleep(3400*time.Millisecond - time.Since(start))
		synctest.Wait()
		if ev := lis.All(); len(ev) != 3 || ev[2].Rows != 2 || l.Durable() != 10 {
			t.Fatalf("third load: %+v, Durable %d", ev, l.Durable())
		}
	})
}

// TestMinLoadIntervalPacing: under a steady stream of rows, the age loads
// of a table start MinLoadInterval apart; Flush and memory pressure do not
// wait for it.
func TestMinLoadIntervalPacing(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		lis := &recListener{}
		o := f.opts()
		o.FlushInterval = 10 * time.Millisecond
		o.MinLoadInterval = time.Second
		o.Listener = lis
		l := newLoader(t, o)
		start := time.Now()
		for i := range 35 { // a row every 100 ms for 3.5 s
			l.Append("t", fmt.Appendf(nil, `{"id":%d}`, i))
			time.Sleep(100 * time.Millisecond)
		}
		synctest.Wait()
		var got []time.Duration
		for _, at := range lis.Times() {
			got = append(got, at.Sub(start))
		}
		want := []time.Duration{10 * time.Millisecond, 1010 * time.Millisecond, 2010 * time.Millisecond, 3010 * time.Millisecond}
		if !slices.Equal(got, want) {
			t.Fatalf("age loads at %v, want %v", got, want)
		}
		// Flush starts at once, 490 ms after the last age load.
		l.Append("t", []byte(`{"id":99}`))
		if err := l.Flush(testutil.Ctx(t), "now"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 3500*time.Millisecond {
			t.Fatalf("Flush returned at %v, want at once (3.5s)", d)
		}
	})
}

// TestConcurrencyBounds: at most MaxConcurrentLoads loads at once, at most
// one per table, and per-table order is kept.
func TestConcurrencyBounds(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		f.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultSlow, Delay: 30 * time.Millisecond, Times: every})
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
		if err := l.Flush(testutil.Ctx(t), "end"); err != nil {
			t.Fatal(err)
		}
		mt, mg := f.MaxConcurrent()
		if mt != 1 || mg > 3 || mg < 2 {
			t.Fatalf("max per table %d, max overall %d", mt, mg)
		}
		for tb := range 8 {
			got := f.Loaded(fmt.Sprint("t", tb))
			want := []string{`{"id":0}`, `{"id":1}`, `{"id":2}`, `{"id":3}`, `{"id":4}`}
			if !slices.Equal(got, want) {
				t.Fatalf("t%d rows %q", tb, got)
			}
		}
	})
}

// TestMemoryBudget: the buffer never holds more than MaxBytes plus one row
// while StarRocks is slower than the producer; Append blocks instead.
func TestMemoryBudget(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		f.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultSlow, Delay: 20 * time.Millisecond, Times: every})
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
		if err := l.Flush(testutil.Ctx(t), "end"); err != nil {
			t.Fatal(err)
		}
		close(stop)
		<-done
		if p := peak.Load(); p > o.MaxBytes+int64(o.ChunkBytes)+int64(len(row)) {
			t.Fatalf("peak %d bytes, budget %d", p, o.MaxBytes)
		}
		var total int64
		for i := range 3 {
			total += f.loadedRows(fmt.Sprint("t", i))
		}
		if total != int64(n) {
			t.Fatalf("%d rows loaded, want %d", total, n)
		}
	})
}

// TestWaitFull: Full and Wait follow the budget; a failed load makes Wait
// return its error and Append stop blocking. Every row is bad (table t has
// a NOT NULL column v that no row fills).
func TestWaitFull(t *testing.T) {
	withSR(t, map[string][]starrocks.Column{"t": badCols}, func(t *testing.T, f *sr) {
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
	})
}

func TestFlushRetriesBackgroundFailure(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		f.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultFail, Message: "internal error", Times: 1})
		lis := &recListener{}
		o := f.opts()
		o.FlushInterval = time.Millisecond
		o.Listener = lis
		l := newLoader(t, o)
		l.Append("t", []byte(`{"id":1}`))
		time.Sleep(o.FlushInterval) // the age load, which fails (MaxRetries 0)
		synctest.Wait()
		if n := len(lis.All()); n != 1 {
			t.Fatalf("%d attempts FlushInterval after the row, want 1", n)
		}
		if l.Wait(context.Background()) == nil {
			t.Fatal("Wait = nil after a load failed for good")
		}
		if l.Durable() != 0 {
			t.Fatal("failed row reported durable")
		}
		l.Append("t", []byte(`{"id":2}`)) // does not block
		if err := l.Flush(testutil.Ctx(t), "b"); err != nil {
			t.Fatal(err)
		}
		if got := f.tableRows("t"); !slices.Equal(got, []string{`{"id":1}`, `{"id":2}`}) {
			t.Fatalf("rows %q", got)
		}
		if l.Durable() != 2 {
			t.Fatalf("Durable %d", l.Durable())
		}
	})
}

// TestBackoffFreesSlot: a table backing off between retries does not hold
// its load slot, so other tables load meanwhile.
func TestBackoffFreesSlot(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		f.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultFail, Message: "internal error", Table: "a", Times: 2})
		lis := &recListener{}
		o := f.opts()
		o.MaxConcurrentLoads = 1
		o.MaxRetries = -1
		o.Listener = lis
		l := newLoader(t, o)
		l.Append("a", []byte(`{"id":1}`))
		l.Append("b", []byte(`{"id":2}`))
		if err := l.Flush(testutil.Ctx(t), "x"); err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, e := range lis.All() {
			if e.Err == nil {
				order = append(order, e.Table)
			}
		}
		if !slices.Equal(order, []string{"b", "a"}) {
			t.Fatalf("successes in order %v, want b first", order)
		}
	})
}
