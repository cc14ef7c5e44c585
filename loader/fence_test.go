package loader

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
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

// TestLeaseGuardsTxnRetries: a transaction's prepare and commit go out
// only under the lease, retries included. Here the first commit's reply
// is lost (HTTP 500) with exactly Margin left; the label is PREPARED, so
// the commit is sent again after a backoff, when less than Margin is left:
// it must wait for the lease to be renewed instead.
func TestLeaseGuardsTxnRetries(t *testing.T) {
	for _, op := range []string{"commit", "prepare"} {
		t.Run(op, func(t *testing.T) {
			withSR(t, nil, func(t *testing.T, f *sr) {
				kind := starrocks.FaultHTTP500 // commit: PREPARED, committed again
				if op == "prepare" {
					kind = starrocks.FaultInProcessing // prepared again
				}
				f.Inject(starrocks.Fault{Op: op, Kind: kind, Times: 1})
				start := time.Now()
				lease := &movableLease{until: start.Add(2 * time.Second), margin: 2 * time.Second}
				o := f.opts()
				o.Mode = ModeTransaction
				o.Lease = lease
				l := newLoader(t, o)
				l.Append("t", []byte(`{"id":1}`))
				done := make(chan error, 1)
				go func() { done <- l.Flush(context.Background(), "p0") }()
				time.Sleep(time.Second)
				synctest.Wait()
				if n := f.loadedRows("t"); n != 0 {
					t.Fatalf("%s retried and committed with less than Margin of the lease left", op)
				}
				if st := f.labelState(f.Labels("db")[0]); op == "prepare" && st != "PREPARE" {
					t.Fatalf("label %s with less than Margin of the lease left, want still PREPARE", st)
				}
				lease.renew(time.Now().Add(time.Hour))
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				if n := f.loadedRows("t"); n != 1 {
					t.Fatalf("%d rows loaded after the renewal", n)
				}
			})
		})
	}
}
