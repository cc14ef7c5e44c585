package loader

// Attempts: run drives one unit from its first attempt to its outcome,
// with retries, backoff (without holding a load slot) and lease waits.

import (
	"errors"
	"fmt"
	randv2 "math/rand/v2"
	"slices"
	"time"
)

// run loads u, retrying per MaxRetries, and records the outcome.
func (l *Loader) run(t *tableBuf, u *unit) {
	defer l.wg.Done()
	size := frame(l.cfg.Format, u.chunks).size // LoadEvent.Bytes: u's rows as one body
	g := &bodyGuard{stop: func() error {
		if l.ctx.Err() != nil {
			return ErrClosed
		}
		if !l.leaseAllows(0.5) {
			return errLeaseEnded
		}
		return nil
	}}
	bodies, err := l.bodies(u, g)
	if err != nil {
		err = &LoadError{Table: t.name, Label: u.label, Permanent: true, Err: err}
	}
	hdr, herr := l.dataHeaders(u.hdr)
	if err == nil && herr != nil {
		err = &LoadError{Table: t.name, Label: u.label, Permanent: true, Err: herr}
	}
	var out outcome
	var failedSince time.Time // the first failure of this load
	for attempt := 1; err == nil; attempt++ {
		if werr := l.awaitLease(l.ctx); werr != nil {
			err = &LoadError{Table: t.name, Label: u.label, Err: errors.Join(werr, ErrClosed)}
			break
		}
		start := time.Now()
		out, err = l.proto.load(l.ctx, loadRequest{table: t.name, label: u.label, rows: u.rows, bodies: bodies, hdr: hdr})
		ev := LoadEvent{Table: t.name, Label: u.label, Rows: int64(u.rows), Bytes: size, Filtered: out.filtered,
			Duration: time.Since(start), Attempt: attempt, Err: err, Seq: u.lastSeq, Batch: u.batch}
		var le *LoadError
		switch {
		case err == nil:
			l.mu.Lock()
			if h := t.units[0]; h != u { // bad rows before u are still held
				ev.Seq = h.firstSeq - 1
			}
			l.mu.Unlock()
		case errors.As(err, &le) && le.BadRows && l.ctx.Err() == nil:
			l.mu.Lock()
			ev.Split = l.willSplit(u)
			l.mu.Unlock()
		}
		if l.cfg.Listener != nil {
			l.cfg.Listener.OnLoad(ev)
		}
		if err == nil {
			if l.log != nil {
				l.log.Debug("loader: loaded", "table", t.name, "label", u.label, "rows", u.rows, "bytes", size, "filtered", out.filtered, "attempt", attempt, "duration", ev.Duration)
			}
			if out.filtered > 0 && l.log != nil {
				l.log.Warn("loader: StarRocks filtered rows within max_filter_ratio", "table", t.name, "label", u.label, "filtered", out.filtered)
			}
			break
		}
		if le == nil && !errors.As(err, &le) {
			le = &LoadError{Table: t.name, Label: u.label, Err: err}
			err = le
		}
		if l.ctx.Err() != nil {
			le.Err = errors.Join(le.Err, ErrClosed)
			break
		}
		if le.Permanent || le.BadRows {
			break
		}
		if failedSince.IsZero() {
			failedSince = start
		}
		if r := l.cfg.MaxRetries; r >= 0 && int64(attempt) > r && time.Since(failedSince) >= l.cfg.RetryFor {
			if le.Err != nil {
				le.Err = fmt.Errorf("%w after %d attempts: %w", ErrRetriesExhausted, attempt, le.Err)
			} else {
				le.Err = fmt.Errorf("%w after %d attempts", ErrRetriesExhausted, attempt)
			}
			break
		}
		d := backoff(attempt)
		if l.log != nil {
			l.log.Warn("loader: load failed, retrying", "table", t.name, "label", u.label, "attempt", attempt, "retry_in", d, "err", err)
		}
		if !l.backoffSlot(d) {
			le.Err = errors.Join(le.Err, ErrClosed)
			break
		}
		err = nil
	}
	if err != nil && l.ctx.Err() != nil {
		// Abandoned (Fence or Close): a transaction this attempt may have
		// prepared must not stay behind to be committed by anyone.
		l.proto.abandon(t.name, u.label)
	}
	var le *LoadError
	bad := err != nil && errors.As(err, &le) && le.BadRows && l.ctx.Err() == nil
	if err != nil && !bad && l.log != nil && l.ctx.Err() == nil {
		l.log.Error("loader: load failed", "table", t.name, "label", u.label, "err", err)
	}
	g.revoke() // no reader touches the chunks once they are reused
	l.mu.Lock()
	t.running = false
	l.running--
	switch {
	case err == nil:
		i := t.index(u)
		t.units = slices.Delete(t.units, i, i+1)
		l.release(u, true)
	case bad:
		l.isolate(t, u, le)
	default:
		u.state, u.err = uFailed, err
		l.failed++
	}
	l.notify()
	l.mu.Unlock()
	l.kick()
}

// backoffSlot sleeps d without holding a load slot, so that other tables
// load meanwhile, then takes a slot again. It reports false on Close.
func (l *Loader) backoffSlot(d time.Duration) bool {
	l.mu.Lock()
	l.running--
	l.notify()
	l.mu.Unlock()
	l.kick()
	ok := sleepCtx(l.ctx, d) == nil
	l.mu.Lock()
	for ok && l.running >= l.cfg.maxConc && !l.closed {
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-l.ctx.Done():
			ok = false
		}
		l.mu.Lock()
	}
	l.running++ // given back by run's epilogue
	l.mu.Unlock()
	return ok
}

// bodies returns what is sent for u, as the protocol frames it (Stream
// Load: one body with every chunk; a transaction: one body per chunk),
// compressed when set, every body read under g.
func (l *Loader) bodies(u *unit, g *bodyGuard) ([]body, error) {
	out := l.proto.frame(l.cfg.Format, u.chunks)
	for i := range out {
		if l.cfg.Compression != CompressionNone {
			c, err := compress(l.cfg.Compression, out[i], nil)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		out[i].g = g
	}
	return out, nil
}

// backoff is exponential from 200 ms to 30 s with full jitter in the upper
// half.
func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond << min(attempt-1, 10)
	d = min(d, 30*time.Second)
	return d/2 + randv2.N(d/2+1)
}
