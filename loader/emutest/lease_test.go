package emutest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
	"github.com/starcdc/starcdc/loader"
)

// testLease is a loader.Lease the test moves by hand. With endAfter > 0 it
// ends for good after that many Until calls (a load attempt makes one call
// before it starts, and one per body read).
type testLease struct {
	mu       sync.Mutex
	until    time.Time
	calls    int
	endAfter int
}

func (l *testLease) Until() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.endAfter > 0 && l.calls > l.endAfter {
		l.until = time.Time{}
	}
	return l.until
}

func (l *testLease) Margin() time.Duration { return 2 * time.Second }

// leasePoll is how often a load waiting for its lease looks again
// (loader's leasePoll).
const leasePoll = 50 * time.Millisecond

// inBubble runs f in a synctest bubble, with em served on an in-memory
// network (the Loader needs sr.Client).
func inBubble(t *testing.T, em *starrocks.Emulator, f func(t *testing.T, sr *testutil.SR)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) { f(t, testutil.Serve(t, em)) })
}

func (l *testLease) set(until time.Time, endAfter int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.until, l.endAfter, l.calls = until, endAfter, 0
}

func (l *testLease) nCalls() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

// Without a lease nothing is loaded; the rows wait and load once it
// returns.
func TestLeaseHoldsLoads(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		t.Run(mode.String(), func(t *testing.T) {
			em := startEmulator(t)
			inBubble(t, em, func(t *testing.T, sr *testutil.SR) {
				lease := &testLease{}
				o := emOptions(em, mode)
				o.HTTPClient = sr.Client(t)
				o.Lease = lease
				l := newLoader(t, o)
				appendOrders(l, 0, 10)
				done := make(chan error, 1)
				go func() { done <- l.Flush(testutil.Ctx(t), "p0") }()
				time.Sleep(10 * leasePoll) // the load looks every leasePoll
				synctest.Wait()
				if n := lease.nCalls(); n < 10 {
					t.Fatalf("the load looked at the lease %d times, want 10 or more", n)
				}
				if st := em.Stats("db", "orders"); st.Loads != 0 || st.LoadedRows != 0 {
					t.Fatalf("loaded without a lease: %+v", st)
				}
				lease.set(time.Now().Add(time.Hour), 0)
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				if st := em.Stats("db", "orders"); st.LoadedRows != 10 {
					t.Fatalf("after the lease returned: %+v", st)
				}
			})
		})
	}
}

// A lease that ends while a body is being sent cuts the body short; the
// BE applies nothing (a Stream Load commits only a complete body), and the
// rows load exactly once when the lease returns.
func TestLeaseEndsMidBody(t *testing.T) {
	em := startEmulator(t)
	inBubble(t, em, func(t *testing.T, sr *testutil.SR) {
		lease := &testLease{}
		lease.set(time.Now().Add(time.Hour), 4) // the start check and 3 body reads
		o := emOptions(em, loader.ModeStreamLoad)
		o.HTTPClient = sr.Client(t)
		o.Lease = lease
		o.ChunkBytes = 1 << 20
		o.MaxBytes = 64 << 20
		lis := &recListener{}
		o.Listener = lis
		l := newLoader(t, o)
		const n = 40000 // about 2 MB: many body reads
		appendOrders(l, 0, n)
		done := make(chan error, 1)
		go func() { done <- l.Flush(testutil.Ctx(t), "p0") }()
		synctest.Wait() // the first attempt has run; the next waits
		first := lis.All()[0]
		if first.Err == nil || !strings.Contains(first.Err.Error(), "lease ended") {
			t.Fatalf("first attempt: %v; want its body cut short by the lease", first.Err)
		}
		calls := lease.nCalls()
		time.Sleep(time.Second) // the retry's backoff, then lease polls
		synctest.Wait()
		if n := lease.nCalls(); n < calls+10 {
			t.Fatalf("%d lease polls after the cut, want 10 or more", n-calls)
		}
		if st := em.Stats("db", "orders"); st.LoadedRows != 0 {
			t.Fatalf("a body cut short was applied: %+v", st)
		}
		lease.set(time.Now().Add(time.Hour), 0)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		rows, err := em.Rows("db", "orders")
		if err != nil {
			t.Fatal(err)
		}
		if st := em.Stats("db", "orders"); len(rows) != n || st.LoadedRows != n {
			t.Fatalf("got %d rows, stats %+v; want %d loaded once", len(rows), st, n)
		}
	})
}

// Fence abandons what waits and what runs: nothing loads, a transaction
// already begun is rolled back (no PREPARED transaction is left for anyone
// to commit), and every call reports ErrFenced with the cause.
func TestFence(t *testing.T) {
	em := startEmulator(t)
	inBubble(t, em, func(t *testing.T, sr *testutil.SR) {
		lease := &testLease{}
		// The transaction begins and loads its one body (3 Until calls: the
		// attempt, one body read, EOF), then waits for the lease before
		// prepare.
		lease.set(time.Now().Add(time.Hour), 3)
		o := emOptions(em, loader.ModeTransaction)
		o.HTTPClient = sr.Client(t)
		o.Lease = lease
		o.ChunkBytes = 1 << 20
		l := newLoader(t, o)
		appendOrders(l, 0, 10)
		done := make(chan error, 1)
		go func() { done <- l.Flush(context.Background(), "p0") }()
		time.Sleep(10 * leasePoll)
		synctest.Wait()
		if n := lease.nCalls(); n < 12 {
			t.Fatalf("%d lease calls; want the transaction waiting for the lease before prepare", n)
		}
		label := loadLabel(t, em)
		if st := labelState(t, em, sr, label); st != "PREPARE" {
			t.Fatalf("label %s is %s before Fence; want an open (PREPARE) transaction", label, st)
		}
		cause := errors.New("partitions lost")
		l.Fence(cause)
		err := <-done
		if !errors.Is(err, loader.ErrFenced) || !errors.Is(err, cause) {
			t.Fatalf("Flush after Fence: %v", err)
		}
		if err := l.Wait(context.Background()); !errors.Is(err, loader.ErrFenced) {
			t.Fatalf("Wait after Fence: %v", err)
		}
		synctest.Wait() // the rollback
		if st := labelState(t, em, sr, label); st != "ABORTED" {
			t.Fatalf("label %s after Fence, want ABORTED", st)
		}
		lease.set(time.Now().Add(time.Hour), 0)
		appendOrders(l, 10, 5) // discarded
		if err := l.Flush(context.Background(), "p1"); !errors.Is(err, loader.ErrFenced) {
			t.Fatalf("Flush: %v", err)
		}
		if st := em.Stats("db", "orders"); st.LoadedRows != 0 {
			t.Fatalf("loaded after Fence: %+v", st)
		}
	})
}

// loadLabel returns the label of the one load the emulator has seen.
func loadLabel(t *testing.T, em *starrocks.Emulator) string {
	t.Helper()
	labels := em.Labels("db")
	if len(labels) != 1 {
		t.Fatalf("labels %v; want one", labels)
	}
	return labels[0]
}

// labelState asks the FE for a label's state, as a client would, over the
// in-memory network of sr.
func labelState(t *testing.T, em *starrocks.Emulator, sr *testutil.SR, label string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/db/get_load_state?label=%s", em.FEURL(), label), nil)
	req.SetBasicAuth("root", "pw-secret")
	resp, err := sr.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ State string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.State
}
