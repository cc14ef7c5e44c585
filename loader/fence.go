package loader

// Lease and Fence: when the Loader may load at all.

import (
	"context"
	"fmt"
	"time"
)

// A Lease says until when the Loader may load, e.g. until when the process
// certainly still owns the Kafka partitions its rows came from. A load
// attempt (and, with the transaction interface, its prepare and commit)
// starts only while at least Margin of the lease remains, and its body
// is sent only while at least Margin/2 remains: a body cut short is
// never applied by StarRocks, whereas a body sent whole commits even if the
// client gives up on the reply. While the lease is too short, loads wait.
type Lease interface {
	// Until returns the end of the lease; the zero time means no lease.
	Until() time.Time
	// Margin is how much of the lease must remain for a load attempt to
	// start; half of it must remain for each body read.
	Margin() time.Duration
}

// Fence stops the Loader for good because the rows it holds may no longer
// be loaded: typically their Kafka partitions may now belong to another
// process, whose newer rows these must not overwrite. No load starts or is
// retried; loads in flight are abandoned: a body still being sent is cut
// short (StarRocks does not apply a partial body) and an open transaction
// is rolled back. Flush, Wait and TakeFailed then return an error matching
// ErrFenced and cause; Append discards rows. A body sent whole before
// Fence may still commit: the Lease margin is what keeps that from
// happening after the lease's end. Close must still be called.
func (l *Loader) Fence(cause error) {
	l.mu.Lock()
	if l.fenced != nil || l.closed {
		l.mu.Unlock()
		return
	}
	l.fenced = fmt.Errorf("%w: %w", ErrFenced, cause)
	l.notify()
	l.mu.Unlock()
	l.cancel()
}

// leaseAllows reports whether at least frac of the Lease's margin remains
// (1: an attempt may start; 0.5: a body may go on being read). Without a
// Lease it is always true.
func (l *Loader) leaseAllows(frac float64) bool {
	ls := l.cfg.Lease
	if ls == nil {
		return true
	}
	until := ls.Until()
	return !until.IsZero() && time.Until(until) >= time.Duration(float64(ls.Margin())*frac)
}

// awaitLease blocks until a load attempt may start under the Lease, or
// ctx ends.
func (l *Loader) awaitLease(ctx context.Context) error {
	for !l.leaseAllows(1) {
		if err := sleepCtx(ctx, leasePoll); err != nil {
			return err
		}
	}
	return nil
}

// leasePoll is how often a load waiting for its Lease looks again.
const leasePoll = 50 * time.Millisecond
