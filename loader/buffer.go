package loader

// The buffer: Append and AppendWith, the per-table chunks, the memory
// accounting and chunk pool, and what callers read of it (BufferedBytes,
// Full, Seq, Durable, TableDurable).

import (
	"math"
	"time"
)

type tableBuf struct {
	name      string
	open      []*chunk // rows not in a unit yet; the last chunk is filled
	openBytes int64
	oldest    time.Time // when the first row of open was appended
	units     []*unit   // cut loads in order: isolated bad rows (uBad) first, then the active unit
	running   bool
	lastStart time.Time
	lastSize  int64 // bytes of the last cut, to size new chunks
	recent    [16]string
	recentN   int
}

// chunk holds rows of one table appended with the same Headers, every row
// followed by the separator ("," for JSON, the row delimiter for CSV).
// ends and dseq always have the same capacity.
type chunk struct {
	buf      []byte
	ends     []uint32 // end offset of every row, separator included
	dseq     []uint32 // sequence number of every row minus firstSeq
	firstSeq uint64
	lastSeq  uint64
	hdr      Headers
	pooled   bool // buf has the pool capacity and may be reused
}

func (c *chunk) rows() int { return len(c.ends) }

// size is the memory accounted for c: its capacity.
func (c *chunk) size() int64 { return int64(cap(c.buf)) + 8*int64(cap(c.ends)) }

// rowBytes returns row i without its separator.
func (c *chunk) rowBytes(i, seplen int) []byte {
	start := 0
	if i > 0 {
		start = int(c.ends[i-1])
	}
	end := int(c.ends[i]) - seplen
	return c.buf[start:end:end]
}

// view returns a chunk sharing c's bytes for rows [i, j) (0 ≤ i < j ≤
// rows). Its row tables are new.
func (c *chunk) view(i, j int) *chunk {
	start := uint32(0)
	if i > 0 {
		start = c.ends[i-1]
	}
	end := c.ends[j-1]
	v := &chunk{buf: c.buf[start:end:end], ends: make([]uint32, j-i), dseq: make([]uint32, j-i),
		firstSeq: c.firstSeq + uint64(c.dseq[i]), lastSeq: c.firstSeq + uint64(c.dseq[j-1]), hdr: c.hdr}
	for k := range v.ends {
		v.ends[k] = c.ends[i+k] - start
		v.dseq[k] = c.dseq[i+k] - c.dseq[i]
	}
	return v
}

// sliceRows returns views of rows [from, to) of chunks.
func sliceRows(chunks []*chunk, from, to int) []*chunk {
	var out []*chunk
	base := 0
	for _, c := range chunks {
		n := c.rows()
		i, j := max(from-base, 0), min(to-base, n)
		if i < j {
			out = append(out, c.view(i, j))
		}
		base += n
		if base >= to {
			break
		}
	}
	return out
}

// Append buffers one encoded row (a JSON object, or a CSV line without its
// delimiter) for table; it copies row. Every row gets the next sequence
// number (see Seq and Durable). It is AppendWith with the zero Headers.
//
// When the Loader holds MaxBytes or more, Append blocks until a load
// commits and frees memory, unless a load has failed for good (see Wait)
// or the Loader is closed. After Close, Append discards the row.
func (l *Loader) Append(table string, row []byte) {
	l.AppendWith(table, Headers{}, row)
}

// AppendWith is Append for a row loaded with the headers h (the zero value:
// the Loader's Options.Headers). Rows with different Headers never share a
// load; the loads of a table commit in Append order whatever their
// Headers: the table's rows are cut into consecutive segments where the
// Headers change, one load (one transaction) each. With Flush(ctx, batch)
// the first segment of a table is labelled Label(LabelPrefix, table,
// batch) plus its content fingerprint, and the k-th (k ≥ 2) that label
// followed by "-s<k>" and the segment's fingerprint.
func (l *Loader) AppendWith(table string, h Headers, row []byte) {
	l.mu.Lock()
	if !l.awaitRoom() {
		l.mu.Unlock()
		return
	}
	kick := l.appendLocked(table, h, row)
	l.mu.Unlock()
	if kick {
		l.kick()
	}
}

// awaitRoom waits while the Loader holds MaxBytes or more (unless a load
// failed for good, or with Manual) and reports whether rows may be appended (not closed,
// not fenced). l.mu must be held; it is released while waiting.
func (l *Loader) awaitRoom() bool {
	// With Manual the caller bounds memory: rows it has not sealed yet
	// cannot load, so waiting for room could wait for ever.
	for !l.cfg.manual && l.held >= l.cfg.maxBytes && !l.closed && l.fenced == nil && l.failed == 0 {
		ch := l.changed
		l.mu.Unlock()
		<-ch
		l.mu.Lock()
	}
	return !l.closed && l.fenced == nil
}

// appendLocked buffers one row; it reports whether the dispatcher should
// look at the tables now. l.mu must be held.
func (l *Loader) appendLocked(table string, h Headers, row []byte) (kick bool) {
	t := l.last
	if t == nil || t.name != table {
		t = l.tables[table]
		if t == nil {
			t = &tableBuf{name: table}
			l.tables[table] = t
		}
		l.last = t
	}
	sep := l.cfg.sep
	need := len(row) + len(sep)
	wasEmpty := t.openBytes == 0
	var c *chunk
	if n := len(t.open); n > 0 {
		c = t.open[n-1]
	}
	switch {
	case c == nil || c.hdr != h || l.seq+1-c.firstSeq > math.MaxUint32:
		c = l.newChunk(t, need, h)
	case len(c.buf)+need > cap(c.buf):
		if len(c.buf)+need <= l.cfg.chunkBytes {
			l.grow(t, c, need)
		} else {
			c = l.newChunk(t, need, h)
		}
	}
	if len(c.ends) == cap(c.ends) {
		l.growRows(t, c)
	}
	c.buf = append(c.buf, row...)
	c.buf = append(c.buf, sep...)
	c.ends = append(c.ends, uint32(len(c.buf)))
	l.seq++
	if c.firstSeq == 0 {
		c.firstSeq = l.seq
	}
	c.dseq = append(c.dseq, uint32(l.seq-c.firstSeq))
	c.lastSeq = l.seq
	if wasEmpty {
		t.oldest = time.Now()
		kick = true
	}
	if l.held >= l.cfg.flushBytes && l.openTotal >= l.cfg.flushBytes/2 && l.openTotal-int64(need) < l.cfg.flushBytes/2 {
		kick = true
	}
	return kick
}

// account adds n bytes held by table t (open bytes).
func (l *Loader) account(t *tableBuf, n int64) {
	t.openBytes += n
	l.openTotal += n
	before := l.held
	l.held += n
	l.heldPub.Store(l.held)
	if before < l.cfg.flushBytes && l.held >= l.cfg.flushBytes {
		l.kick()
	}
	for l.held+l.freeBytes > l.poolLimit() && len(l.free) > 0 {
		c := l.free[len(l.free)-1]
		l.free[len(l.free)-1] = nil
		l.free = l.free[:len(l.free)-1]
		l.freeBytes -= c.size()
	}
}

// newChunk starts a chunk in t for rows with h able to take need bytes.
// A chunk started because the Headers changed starts small and grows.
func (l *Loader) newChunk(t *tableBuf, need int, h Headers) *chunk {
	size := l.cfg.chunkBytes
	switched := false
	if n := len(t.open); n > 0 {
		switched = t.open[n-1].hdr != h
	}
	var c *chunk
	switch {
	case need > size:
		c = &chunk{buf: make([]byte, 0, need)}
	case switched:
		c = &chunk{buf: make([]byte, 0, min(max(need, 512), size))}
	case (t.lastSize >= int64(size) || len(t.open) > 0) && len(l.free) > 0:
		c = l.free[len(l.free)-1]
		l.free = l.free[:len(l.free)-1]
		l.freeBytes -= c.size()
	default:
		initial := size
		if len(t.open) == 0 && t.lastSize < int64(size) {
			initial = max(4096, need, int(t.lastSize))
			initial = min(initial, size)
		}
		c = &chunk{buf: make([]byte, 0, initial)}
	}
	c.pooled = cap(c.buf) == size
	c.hdr = h
	t.open = append(t.open, c)
	l.account(t, c.size())
	return c
}

// growRows enlarges the row tables of c.
func (l *Loader) growRows(t *tableBuf, c *chunk) {
	n := max(64, 2*cap(c.ends))
	if cap(c.buf) < 8192 {
		n = max(8, 2*cap(c.ends)) // small chunks, e.g. of a Headers segment
	}
	ends, dseq := make([]uint32, len(c.ends), n), make([]uint32, len(c.dseq), n)
	copy(ends, c.ends)
	copy(dseq, c.dseq)
	l.account(t, 8*int64(n-cap(c.ends)))
	c.ends, c.dseq = ends, dseq
}

// grow enlarges c (up to ChunkBytes) so that it takes need more bytes.
func (l *Loader) grow(t *tableBuf, c *chunk, need int) {
	nc := max(2*cap(c.buf), len(c.buf)+need)
	nc = min(nc, l.cfg.chunkBytes)
	nb := make([]byte, len(c.buf), nc)
	copy(nb, c.buf)
	l.account(t, int64(nc-cap(c.buf)))
	c.buf = nb
	c.pooled = nc == l.cfg.chunkBytes
}

// poolLimit bounds held plus pooled bytes: the budget plus one chunk.
func (l *Loader) poolLimit() int64 {
	return l.cfg.maxBytes
}

// release returns the memory of u's chunks (u is no longer held). With
// reuse, full-size chunks go to the pool: only when no reader of them is
// left.
func (l *Loader) release(u *unit, reuse bool) {
	l.held -= u.held
	u.held = 0
	if u.share == nil {
		l.pool(u.chunks, reuse)
	} else {
		l.unshare(u, reuse)
	}
	u.chunks = nil
	l.heldPub.Store(l.held)
}

// unshare drops u's reference to its share, releasing the share's memory
// with the last reference.
func (l *Loader) unshare(u *unit, reuse bool) {
	sh := u.share
	u.share = nil
	sh.refs--
	sh.noReuse = sh.noReuse || !reuse
	if sh.refs == 0 {
		l.held -= sh.held
		l.pool(sh.chunks, !sh.noReuse)
		sh.chunks = nil
		l.heldPub.Store(l.held)
	}
}

func (l *Loader) pool(chunks []*chunk, reuse bool) {
	if !reuse {
		return
	}
	for _, c := range chunks {
		size := c.size()
		if c.pooled && l.held+l.freeBytes+size <= l.poolLimit() {
			c.buf, c.ends, c.dseq = c.buf[:0], c.ends[:0], c.dseq[:0]
			c.firstSeq, c.lastSeq, c.hdr = 0, 0, Headers{}
			l.free = append(l.free, c)
			l.freeBytes += size
		}
	}
}

// BufferedBytes returns the bytes the Loader holds: rows not yet loaded,
// including loads in flight. It counts buffer capacity, so it may exceed
// the sum of the row lengths.
func (l *Loader) BufferedBytes() int64 { return l.heldPub.Load() }

// Full reports whether the Loader holds MaxBytes or more, i.e. whether
// Append would block. A caller that must not block can stop fetching
// while Full is true.
func (l *Loader) Full() bool { return l.heldPub.Load() >= l.cfg.maxBytes }

// Seq returns the sequence number of the last row appended (0 before the
// first). Rows are numbered 1, 2, … in Append order across tables.
func (l *Loader) Seq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq
}

// Durable returns the highest sequence number s such that every row
// appended with a sequence number ≤ s is durably committed in StarRocks
// (or was handed over by TakeFailed): it stops before a bad row until
// TakeFailed takes it.
// A caller that noted Seq after appending the rows of a source position
// may commit that position once Durable reaches the noted value.
func (l *Loader) Durable() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.seq
	for _, t := range l.tables {
		if f := t.firstSeq(); f != 0 && f-1 < d {
			d = f - 1
		}
	}
	return d
}

// TableDurable returns the highest sequence number s such that every row
// appended to table with a sequence number ≤ s is durably committed.
func (l *Loader) TableDurable(table string) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := l.tables[table]; t != nil {
		if f := t.firstSeq(); f != 0 {
			return f - 1
		}
	}
	return l.seq
}

// firstSeq is the sequence number of t's first row not committed, 0 if
// none.
func (t *tableBuf) firstSeq() uint64 {
	if len(t.units) > 0 {
		return t.units[0].firstSeq
	}
	if len(t.open) > 0 {
		return t.open[0].firstSeq
	}
	return 0
}
