package loader

// Bad rows: a load failing because of its rows' data is bisected until the
// bad rows are single units, which TakeFailed hands over.

import (
	"errors"
	"fmt"
	"slices"
)

// share holds the buffers of a load being bisected until no part of it
// references them.
type share struct {
	chunks  []*chunk
	held    int64
	refs    int
	noReuse bool // rows of it were handed out (TakeFailed)
}

// isolation is the budget of extra loads of the bisection of one failed
// load.
type isolation struct {
	left int
}

// TakeFailed removes failed rows at the head of table, so that Durable
// moves past them and the table's later rows can load, and returns them
// with their error; it returns nil, nil when the table's head has none.
// Use it to route rows rejected for good (errors.Is(err, ErrPermanent)) to
// a dead-letter path. The returned rows count as handled for Durable.
//
// Bad rows (errors.Is(err, ErrBadRows)): when a load fails because of the
// data of its rows, the Loader isolates the offending rows by bisection:
// it loads the first and then the second half of the rows, each under its
// own label (the failed load's label followed by "-a" or "-b", cut to 128
// bytes with a hash when longer), and bisects again every half that fails
// the same way, until the failing parts are single rows. The other rows
// commit, in Append order. Each bad row is kept as a unit with the error of
// its own load (its ErrorLog names the rejected row). Isolation is bounded
// by Options.MaxIsolationLoads extra loads per failed load; a part still
// failing when the budget is spent is kept whole, its error saying so.
// Bad rows do not block the table: later rows go on loading, but Durable
// and TableDurable stop before the first bad row until it is taken.
// TakeFailed returns every consecutive bad-row unit at the table's head
// at once (rows in Append order; the error joins theirs, the first being a
// *LoadError); call it again after the next Flush or Wait error, since
// isolation may still be running.
//
// A load that failed for any other reason (retries exhausted, access
// denied, missing table…) blocks its table: TakeFailed returns all of its
// rows, alone.
func (l *Loader) TakeFailed(table string) ([][]byte, error) {
	rej, err := l.TakeRejected(table)
	if rej == nil {
		return nil, err
	}
	rows := make([][]byte, len(rej))
	for i, r := range rej {
		rows[i] = r.Row
	}
	return rows, err
}

// Rejected is a row taken back from the Loader by TakeRejected.
type Rejected struct {
	// Seq is the row's sequence number (see Seq): what a caller that
	// numbered its rows' sources uses to tell where the row came from.
	Seq uint64
	Row []byte
}

// TakeRejected is TakeFailed with each row's sequence number.
func (l *Loader) TakeRejected(table string) ([]Rejected, error) {
	l.mu.Lock()
	if l.fenced != nil {
		l.mu.Unlock()
		return nil, l.fenced
	}
	t := l.tables[table]
	if t == nil || len(t.units) == 0 || (t.units[0].state != uFailed && t.units[0].state != uBad) {
		l.mu.Unlock()
		return nil, nil
	}
	n := 1
	if t.units[0].state == uBad {
		for n < len(t.units) && t.units[n].state == uBad {
			n++
		}
	}
	total := 0
	for _, u := range t.units[:n] {
		total += u.rows
	}
	rows := make([]Rejected, 0, total)
	errs := make([]error, 0, n)
	seplen := len(l.cfg.sep)
	for _, u := range t.units[:n] {
		for _, c := range u.chunks {
			for i := range c.ends {
				rows = append(rows, Rejected{Seq: c.firstSeq + uint64(c.dseq[i]), Row: c.rowBytes(i, seplen)})
			}
		}
		errs = append(errs, u.err)
		l.failed--
		l.release(u, false) // the rows returned alias its buffers
	}
	clear(t.units[:n])
	t.units = t.units[n:]
	err := errs[0]
	if n > 1 {
		err = errors.Join(errs...)
	}
	l.notify()
	l.mu.Unlock()
	l.kick()
	return rows, err
}

// isolate handles u, which failed because of its rows' data (le): it
// replaces u by its two halves, to be loaded in order, or, when u is one
// row or the isolation budget is spent, keeps u as bad rows for
// TakeFailed. l.mu is held.
func (l *Loader) isolate(t *tableBuf, u *unit, le *LoadError) {
	i := t.index(u)
	if l.willSplit(u) {
		u.iso.left -= 2
		a, b := l.split(u)
		t.units = slices.Replace(t.units, i, i+1, a, b)
		if l.log != nil {
			l.log.Info("loader: isolating bad rows: loading the halves of the failed load", "table", t.name, "label", u.label, "rows", u.rows, "labels", []string{a.label, b.label}, "err", le)
		}
		return
	}
	le = cloneLoadError(le) // the Listener may still hold the original
	if u.rows >= 2 {
		why := fmt.Sprintf("isolation of bad rows is disabled (Options.MaxIsolationLoads < 0), so all %d rows of the load are held", u.rows)
		if l.cfg.MaxIsolationLoads >= 0 {
			why = fmt.Sprintf("the budget of extra loads to isolate bad rows (Options.MaxIsolationLoads) is spent, so these %d rows are held whole; some of them are good", u.rows)
		}
		le.Err = errors.Join(le.Err, errors.New(why))
	}
	l.own(u)
	u.state, u.err = uBad, le
	l.failed++
	if l.log != nil {
		l.log.Warn("loader: bad rows held for TakeFailed", "table", t.name, "label", u.label, "rows", u.rows, "err", le)
	}
}

func cloneLoadError(e *LoadError) *LoadError {
	c := *e
	return &c
}

// willSplit reports whether a bad-rows failure of u is bisected further.
// l.mu is held.
func (l *Loader) willSplit(u *unit) bool {
	if u.iso == nil {
		u.iso = &isolation{left: l.cfg.isolationBudget(u.rows)}
	}
	return u.rows >= 2 && u.iso.left >= 2
}

// split returns the two halves of u, sharing u's buffers. l.mu is held.
func (l *Loader) split(u *unit) (a, b *unit) {
	sh := u.share
	if sh == nil {
		sh = &share{chunks: u.chunks, held: u.held}
		u.held = 0
	} else {
		sh.refs-- // u's reference passes to its halves
	}
	sh.refs += 2
	u.share = nil
	m := u.rows / 2
	half := func(from, to int, suffix string) *unit {
		h := &unit{label: deriveLabel(u.label, suffix), batch: u.batch, hdr: u.hdr, rows: to - from,
			chunks: sliceRows(u.chunks, from, to), share: sh, iso: u.iso}
		h.firstSeq = h.chunks[0].firstSeq
		h.lastSeq = h.chunks[len(h.chunks)-1].lastSeq
		return h
	}
	a, b = half(0, m, "a"), half(m, u.rows, "b")
	u.chunks = nil
	return a, b
}

// own gives u a copy of its rows when they are views of a share, so that
// held bad rows do not pin the buffers of the whole failed load. l.mu is
// held.
func (l *Loader) own(u *unit) {
	if u.share == nil {
		return
	}
	owned := make([]*chunk, len(u.chunks))
	u.held = 0
	for i, v := range u.chunks {
		c := &chunk{buf: make([]byte, len(v.buf)), ends: make([]uint32, len(v.ends)), dseq: make([]uint32, len(v.dseq)),
			firstSeq: v.firstSeq, lastSeq: v.lastSeq, hdr: v.hdr}
		copy(c.buf, v.buf)
		copy(c.ends, v.ends)
		copy(c.dseq, v.dseq)
		owned[i] = c
		u.held += c.size()
	}
	l.unshare(u, true)
	u.chunks = owned
	l.held += u.held
	l.heldPub.Store(l.held)
}
