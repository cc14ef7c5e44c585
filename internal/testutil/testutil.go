// Package testutil holds the helpers that the tests of several packages
// share: a context and a wait that work inside and outside a
// testing/synctest bubble, the label normalisation of loader tests, a
// recording Listener, an in-memory network (Net) for HTTP inside a bubble,
// and the StarRocks emulator served on it (Serve) with a record of what
// its BE received.
//
// It imports no package of this module but devstack/starrocks, so that
// the internal tests of any package (loader included) may use it.
package testutil

import (
	"context"
	"io"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"
)

// Ctx returns a context that ends after 20 s, or when t ends. Inside a
// synctest bubble the 20 s are the bubble's.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// WaitFor polls cond every 5 ms and fails t if it is not true within 10 s.
// Inside a synctest bubble the time is the bubble's, so a wait costs no
// real time; prefer time.Sleep and synctest.Wait there when the moment
// something happens is known.
func WaitFor(t testing.TB, cond func() bool) {
	t.Helper()
	Eventually(t, "condition", 10*time.Second, cond)
}

// Eventually polls cond every 5 ms and fails t, naming what it waited for,
// if cond is not true within limit: for end-to-end tests whose waits are
// longer than WaitFor's.
func Eventually(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Closing fails t if err is not nil, and otherwise closes c when t ends
// and returns it: l, err := loader.New(o); l = testutil.Closing(t, l, err).
func Closing[C io.Closer](t testing.TB, c C, err error) C {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// NormLabel removes the content fingerprints ("-f" + 8 hex digits after
// the batch, "f" + 8 hex digits after a "-s<k>" segment suffix) that the
// loader puts into Flush labels, so that tests can compare the rest with
// loader.Label.
func NormLabel(label string) string {
	label = fpAfterSeg.ReplaceAllString(label, "$1")
	return fpAfterBatch.ReplaceAllString(label, "$2")
}

var (
	fpAfterSeg   = regexp.MustCompile(`(-s[0-9]+)f[0-9a-f]{8}`)
	fpAfterBatch = regexp.MustCompile(`(-f[0-9a-f]{8})(-|$)`)
)

// Events records the values passed to OnLoad, in order, with the time of
// each (the bubble's inside a synctest bubble): *Events[loader.LoadEvent]
// is a loader.Listener.
type Events[E any] struct {
	mu     sync.Mutex
	events []E
	times  []time.Time
}

// OnLoad records e.
func (r *Events[E]) OnLoad(e E) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.times = append(r.times, time.Now())
	r.mu.Unlock()
}

// All returns the events so far.
func (r *Events[E]) All() []E {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// Times returns when each event of All was recorded.
func (r *Events[E]) Times() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.times)
}
