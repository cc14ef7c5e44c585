package loader

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/starcdc/starcdc/internal/testutil"
)

// movableLease is a Lease the test renews by hand.
type movableLease struct {
	mu     sync.Mutex
	until  time.Time
	margin time.Duration
}

func (m *movableLease) Until() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.until
}

func (m *movableLease) Margin() time.Duration { return m.margin }

func (m *movableLease) renew(until time.Time) {
	m.mu.Lock()
	m.until = until
	m.mu.Unlock()
}

// TestLeaseWait: a load starts only while at least the lease's Margin
// remains; otherwise it waits, and starts within one poll (leasePoll) of
// the lease being renewed.
func TestLeaseWait(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		start := time.Now()
		lease := &movableLease{until: start.Add(10 * time.Second), margin: 2 * time.Second}
		lis := &recListener{}
		o := f.opts()
		o.Lease = lease
		o.Listener = lis
		l := newLoader(t, o)
		l.Append("t", []byte(`{"id":1}`))
		if err := l.Flush(testutil.Ctx(t), "p0"); err != nil {
			t.Fatal(err)
		}
		if at := lis.Times(); len(at) != 1 || !at[0].Equal(start) {
			t.Fatalf("first load at %v, want at once", at)
		}

		time.Sleep(8*time.Second + time.Millisecond) // 1.999 s of the lease left, Margin 2 s
		l.Append("t", []byte(`{"id":2}`))
		done := make(chan error, 1)
		go func() { done <- l.Flush(context.Background(), "p1") }()
		time.Sleep(time.Second)
		synctest.Wait()
		if n := len(lis.All()); n != 1 || f.loadedRows("t") != 1 {
			t.Fatalf("%d attempts, %d rows loaded with less than Margin left", n, f.loadedRows("t"))
		}

		time.Sleep(10 * time.Millisecond)
		renewed := time.Now()
		lease.renew(renewed.Add(time.Minute))
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		at := lis.Times()
		if d := at[len(at)-1].Sub(renewed); len(at) != 2 || d <= 0 || d > leasePoll {
			t.Fatalf("load %v after the renewal, want within one poll (%v)", d, leasePoll)
		}
		if f.loadedRows("t") != 2 {
			t.Fatalf("%d rows loaded", f.loadedRows("t"))
		}
	})
}

