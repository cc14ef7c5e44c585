package loader

// Scheduling: the dispatcher goroutine decides which table loads next
// (Flush, memory pressure, age with MinLoadInterval) within
// MaxConcurrentLoads.

import (
	"cmp"
	"slices"
	"time"
)

func (l *Loader) kick() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// dispatch starts loads: queued units first (Flush), then memory
// pressure (largest tables), then age.
func (l *Loader) dispatch() {
	defer l.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		l.mu.Lock()
		next := l.schedule(time.Now())
		l.mu.Unlock()
		if !next.IsZero() {
			timer.Reset(max(time.Until(next), time.Millisecond))
		} else {
			timer.Reset(time.Hour)
		}
		select {
		case <-l.ctx.Done():
			return
		case <-l.wake:
		case <-timer.C:
		}
	}
}

// schedule starts what can start and returns when to look again (zero:
// only when woken).
func (l *Loader) schedule(now time.Time) time.Time {
	if l.closed {
		return time.Time{}
	}
	slots := l.cfg.maxConc - l.running
	var next time.Time
	soon := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	// 1. Queued units (Flush, retries), oldest rows first.
	var queued []*tableBuf
	for _, t := range l.tables {
		if u := t.active(); !t.running && u != nil && u.state == uQueued {
			queued = append(queued, t)
		}
	}
	slices.SortFunc(queued, func(a, b *tableBuf) int { return cmp.Compare(a.active().firstSeq, b.active().firstSeq) })
	for _, t := range queued {
		if slots == 0 {
			return next
		}
		l.start(t, now)
		slots--
	}
	if l.cfg.manual {
		return next // the caller seals every load (Options.Manual)
	}
	// 2. Memory pressure: largest open tables.
	if l.held >= l.cfg.flushBytes {
		soon(now.Add(50 * time.Millisecond))
		for slots > 0 && l.openTotal >= l.cfg.flushBytes/2 {
			var best *tableBuf
			for _, t := range l.tables {
				if !t.running && t.openBytes > 0 && (best == nil || t.openBytes > best.openBytes) && t.active() == nil {
					best = t
				}
			}
			if best == nil {
				break
			}
			l.cut(best, "", cutBackground)
			l.start(best, now)
			slots--
		}
	}
	// 3. Age.
	if l.cfg.flushInterval <= 0 {
		return next
	}
	for _, t := range l.tables {
		if t.running || t.openBytes == 0 || t.active() != nil {
			continue
		}
		due := t.oldest.Add(l.cfg.flushInterval)
		if !t.lastStart.IsZero() {
			if m := t.lastStart.Add(l.cfg.minInterval); m.After(due) {
				due = m
			}
		}
		if due.After(now) {
			soon(due)
			continue
		}
		if slots == 0 {
			continue // a finishing load wakes the dispatcher
		}
		l.cut(t, "", cutBackground)
		l.start(t, now)
		slots--
	}
	return next
}

// start runs the active unit of t.
func (l *Loader) start(t *tableBuf, now time.Time) {
	u := t.active()
	u.state = uRunning
	t.running = true
	t.lastStart = now
	l.running++
	l.wg.Add(1)
	go l.run(t, u)
}
