package loader

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
)

// TestBackoffGrowth: a failing load is retried after 200 ms, 400 ms, 800
// ms … doubling up to 30 s, each wait drawn from the upper half of its
// step, and MaxRetries times only. The attempts take no time in the
// bubble, so the gaps between the Listener's events are the waits.
func TestBackoffGrowth(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		f.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultFail, Message: "internal error", Times: every})
		lis := &recListener{}
		o := f.opts()
		o.MaxRetries = 10
		o.Listener = lis
		l := newLoader(t, o)
		l.Append("t", []byte(`{"id":1}`))
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		if err := l.Flush(ctx, "b"); !errors.Is(err, ErrRetriesExhausted) {
			t.Fatalf("Flush = %v", err)
		}
		ev, at := lis.All(), lis.Times()
		if len(ev) != 11 {
			t.Fatalf("%d attempts, want 1 + MaxRetries", len(ev))
		}
		for k := 1; k < len(at); k++ {
			step := min(200*time.Millisecond<<(k-1), 30*time.Second)
			if gap := at[k].Sub(at[k-1]); gap < step/2 || gap > step {
				t.Errorf("wait before attempt %d: %v, want within [%v, %v]", k+1, gap, step/2, step)
			}
			if ev[k].Attempt != k+1 || ev[k].Label != ev[0].Label {
				t.Errorf("event %d: %+v", k, ev[k])
			}
		}
		if f.loadedRows("t") != 0 {
			t.Fatal("rows loaded")
		}
	})
}

func TestBackoffBounds(t *testing.T) {
	for attempt := 1; attempt <= 14; attempt++ {
		step := min(200*time.Millisecond<<(attempt-1), 30*time.Second)
		for range 200 {
			if d := backoff(attempt); d < step/2 || d > step {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, step/2, step)
			}
		}
	}
}
