package loader

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
)

// TestSealExactLabels: Seal labels a table's loads by the name alone, the
// Headers segments after it with "-s<k>"; a second Loader (a restart)
// sealing the same rows under the same name stores nothing twice, whatever
// order its rows come in; Manual starts no load on its own, neither for
// age nor for memory pressure.
func TestSealExactLabels(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		o := f.opts()
		o.Manual = true
		o.FlushInterval = time.Millisecond
		o.MaxBytes = 4096 // memory pressure from the second row on
		l := newLoader(t, o)
		p := Headers{Columns: "id,name,__op", PartialUpdate: true}
		l.Append("t", []byte(`{"id":1,"name":"a"}`))
		l.AppendWith("t", p, []byte(`{"id":2,"name":"b"}`))
		l.Append("u", []byte(`{"id":3,"name":"c","pad":""}`))
		// More than MaxBytes before Seal: with Manual, Append never waits
		// for room (these rows could not load to make it).
		pad := strings.Repeat("x", 200)
		for i := 10; i < 40; i++ {
			l.Append("a", []byte(fmt.Sprintf(`{"id":%d,"pad":"%s"}`, i, pad)))
		}
		time.Sleep(time.Second) // age and pressure would have started loads
		if n := len(f.Requests()); n != 0 {
			t.Fatalf("Manual: %d requests before Seal", n)
		}
		l.Seal("eo-1")
		if err := l.Flush(testutil.Ctx(t), "unused"); err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, r := range f.Requests() {
			if len(r.Body) > 0 {
				labels = append(labels, r.Header.Get("label"))
			}
		}
		slices.Sort(labels)
		want := []string{Label("tst", "a", "eo-1"), Label("tst", "t", "eo-1"), Label("tst", "t", "eo-1") + "-s2", Label("tst", "u", "eo-1")}
		if !slices.Equal(labels, want) {
			t.Fatalf("labels %q, want %q", labels, want)
		}
		if st := f.labelState(want[2]); st != "VISIBLE" {
			t.Fatalf("state of %s: %s", want[2], st)
		}
		if n := f.loadedRows("a"); n != 30 {
			t.Fatalf("%d rows of a loaded, want 30", n)
		}
		before := f.loadedRows("t") + f.loadedRows("u")

		// The restart: the same rows, tables in another order, same name.
		l2 := newLoader(t, o)
		l2.Append("u", []byte(`{"id":3,"name":"c","pad":""}`))
		l2.Append("t", []byte(`{"id":1,"name":"a"}`))
		l2.AppendWith("t", p, []byte(`{"id":2,"name":"b"}`))
		l2.Seal("eo-1")
		if err := l2.Flush(testutil.Ctx(t), "unused"); err != nil {
			t.Fatal(err)
		}
		if after := f.loadedRows("t") + f.loadedRows("u"); after != before || before != 3 {
			t.Fatalf("rows loaded: %d after the first loader, %d after the replay; want 3 and 3", before, after)
		}
		if l2.Durable() != 3 {
			t.Fatalf("the replay's rows are not durable: %d", l2.Durable())
		}
		if st, err := l2.LabelState(testutil.Ctx(t), want[1]); err != nil || st != "VISIBLE" {
			t.Fatalf("LabelState: %q, %v", st, err)
		}
		if st, err := l2.LabelState(testutil.Ctx(t), "tst-t-never"); err != nil || st != "UNKNOWN" {
			t.Fatalf("LabelState of an unknown label: %q, %v", st, err)
		}
	})
}

// TestRetryFor: a load failing for a reason a retry may cure is retried
// for RetryFor from its first failure even with MaxRetries 0 (an outage
// ridden out), and fails for good once both are spent.
func TestRetryFor(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		o := f.opts()
		o.MaxRetries = 0
		o.RetryFor = time.Minute
		l := newLoader(t, o)
		f.Inject(starrocks.Fault{Op: "stream_load", Table: "t", Times: 4, Kind: starrocks.FaultHTTP500})
		l.Append("t", []byte(`{"id":1}`))
		start := time.Now()
		if err := l.Flush(testutil.Ctx(t), "rf"); err != nil {
			t.Fatalf("a 4-attempt outage within RetryFor: %v", err)
		}
		if d := time.Since(start); d > time.Minute {
			t.Fatalf("took %v", d)
		}
		if n := f.loadedRows("t"); n != 1 {
			t.Fatalf("%d rows loaded", n)
		}
		f.Inject(starrocks.Fault{Op: "stream_load", Table: "t", Times: math.MaxInt, Kind: starrocks.FaultHTTP500})
		l.Append("t", []byte(`{"id":2}`))
		start = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		err := l.Flush(ctx, "rf2")
		if !errors.Is(err, ErrRetriesExhausted) || time.Since(start) < time.Minute {
			t.Fatalf("an outage longer than RetryFor: %v after %v; want ErrRetriesExhausted after a minute", err, time.Since(start))
		}
	})
}
