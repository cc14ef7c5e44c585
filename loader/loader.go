package loader

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"math"
	randv2 "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Listener is told about every load attempt. OnLoad is called from the
// goroutine running the load, without locks held, before the load's memory
// is released; it may be called concurrently for different tables, must
// not block long and must not call Append or Flush (they may wait for that
// very load).
type Listener interface {
	OnLoad(LoadEvent)
}

// LoadEvent describes one load attempt of one table.
type LoadEvent struct {
	Table    string
	Label    string
	Rows     int64         // rows in the load
	Bytes    int64         // uncompressed body bytes
	Filtered int64         // rows StarRocks filtered (allowed by max_filter_ratio)
	Duration time.Duration // of this attempt
	Attempt  int           // 1 for the first attempt
	Err      error         // nil when the load is durably committed

	// Seq: when Err is nil, every row appended to Table with a sequence
	// number (see Loader.Seq) ≤ Seq is durably committed. It is below the
	// load's last row while bad rows appended before the load are held
	// for TakeFailed.
	Seq uint64
	// Batch is the Flush batch that started the load, "" for a background
	// load (age or memory pressure).
	Batch string
	// Split is true when Err is a bad-rows failure (ErrBadRows) that is not
	// final: the rows are loaded again in two halves (labels Label+"-a" and
	// Label+"-b") to isolate the bad ones. A bad-rows failure with Split
	// false is final: its rows wait for TakeFailed.
	Split bool
}

type unitState uint8

const (
	uQueued  unitState = iota
	uRunning           // the table's load in progress
	uFailed            // failed for good; blocks the table until Flush or TakeFailed
	uBad               // isolated bad rows; later units load, Durable stops here
)

// unit is one load: a Stream Load request or one transaction. Its rows and
// label are fixed when it is cut, so every retry re-sends the same rows
// with the same label. A load that fails because of its rows' data is
// replaced by its two halves (bisection), whose chunks are views of its
// buffers, kept alive by share.
type unit struct {
	label    string
	batch    string
	hdr      Headers
	chunks   []*chunk
	rows     int
	held     int64 // bytes accounted to this unit (0 for views of a share)
	share    *share
	iso      *isolation
	firstSeq uint64
	lastSeq  uint64
	state    unitState
	err      error
}

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

// Loader buffers encoded rows per table and loads them into StarRocks.
// Its methods are safe for concurrent use.
type Loader struct {
	cfg     *config
	client  *http.Client
	ownedTr *http.Transport
	eps     *endpoints
	log     *slog.Logger
	nonce   string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{}

	mu        sync.Mutex
	tables    map[string]*tableBuf
	last      *tableBuf // table of the last Append
	held      int64     // bytes held: open chunks and uncommitted units
	openTotal int64     // bytes in open chunks
	heldPub   atomic.Int64
	seq       uint64
	running   int
	failed    int // units in uFailed or uBad
	closed    bool
	fenced    error         // set by Fence: nothing loads any more
	changed   chan struct{} // closed and replaced on every state change
	free      []*chunk      // full-size chunks for reuse
	freeBytes int64         // capacity in free; held+freeBytes stays ≤ poolLimit
	bgGen     uint64
}

// New validates opts and returns a Loader whose background dispatcher is
// running. Close releases it.
func New(opts Options) (*Loader, error) {
	cfg, err := opts.validate()
	if err != nil {
		return nil, err
	}
	var nb [6]byte
	if _, err := rand.Read(nb[:]); err != nil {
		return nil, fmt.Errorf("loader: reading random label nonce: %w", err)
	}
	l := &Loader{
		cfg:     cfg,
		client:  cfg.buildClient(),
		eps:     newEndpoints(cfg.bases),
		log:     opts.Logger,
		nonce:   hex.EncodeToString(nb[:]),
		wake:    make(chan struct{}, 1),
		tables:  make(map[string]*tableBuf),
		changed: make(chan struct{}),
	}
	if opts.HTTPClient == nil {
		l.ownedTr, _ = l.client.Transport.(*http.Transport)
	}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.wg.Add(1)
	go l.dispatch()
	return l, nil
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
	for l.held >= l.cfg.maxBytes && !l.closed && l.fenced == nil && l.failed == 0 {
		ch := l.changed
		l.mu.Unlock()
		<-ch
		l.mu.Lock()
	}
	if l.closed || l.fenced != nil {
		l.mu.Unlock()
		return
	}
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
	kick := false
	if wasEmpty {
		t.oldest = time.Now()
		kick = true
	}
	if l.held >= l.cfg.flushBytes && l.openTotal >= l.cfg.flushBytes/2 && l.openTotal-int64(need) < l.cfg.flushBytes/2 {
		kick = true
	}
	l.mu.Unlock()
	if kick {
		l.kick()
	}
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
	return l.cfg.maxBytes + int64(l.cfg.chunkBytes)*5/4
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

// Flush loads every table holding rows and returns nil once every row
// appended before the call is durably committed in StarRocks (Success,
// Publish Timeout, or a label already committed). The load of a table's
// rows not yet in a load gets the label Label(LabelPrefix, table, batch)
// plus a fingerprint of those rows, so calling Flush again with the same batch after an error re-sends the
// same rows under the same label and StarRocks loads them once. batch
// should name the source positions the rows cover, and a batch should not
// be reused for other rows (a reused label within one Loader gets a
// suffix).
//
// Loads that failed for good earlier (see Wait) are retried, except bad
// rows (ErrBadRows), which stay until TakeFailed takes them: loading them
// after the later rows of their table would reorder the table's changes.
// Flush starts loads at once, ignoring MinLoadInterval. It returns once
// every row appended before the call is committed or held as a bad row,
// or its table is blocked by a failed load; the error joins a *LoadError
// per failed load and bad-row unit (at most 16, then a count). The rows
// not committed stay buffered. When ctx ends Flush returns ctx.Err() and
// the loads go on in the background.
func (l *Loader) Flush(ctx context.Context, batch string) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if l.fenced != nil {
		l.mu.Unlock()
		return l.fenced
	}
	target := l.seq
	var ts []*tableBuf
	for _, t := range l.tables {
		if len(t.open) > 0 {
			l.cut(t, batch, true)
		}
		for _, u := range t.units {
			if u.state == uFailed {
				u.state, u.err = uQueued, nil
				l.failed--
			}
		}
		if len(t.units) > 0 {
			ts = append(ts, t)
		}
	}
	l.notify()
	l.mu.Unlock()
	l.kick()
	for {
		l.mu.Lock()
		settled := true
		var errs []error
	tables:
		for _, t := range ts {
			for _, u := range t.units {
				if u.firstSeq > target {
					break
				}
				switch u.state {
				case uBad:
					errs = append(errs, u.err)
					continue
				case uFailed:
					errs = append(errs, u.err)
				default:
					settled = false
					break tables
				}
				break
			}
		}
		closed, fenced := l.closed, l.fenced
		ch := l.changed
		l.mu.Unlock()
		if fenced != nil {
			return fenced
		}
		if settled {
			return joinErrs(errs)
		}
		if closed {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Wait blocks while the Loader is Full. It returns the errors of loads
// that failed for good (retries exhausted or permanent) and of isolated
// bad rows (ErrBadRows), which keep their rows until Flush retries them
// (not bad rows) or TakeFailed removes them; while such a load exists
// Append does not block, so a caller bounding memory must call Wait (or
// check Full) before appending.
func (l *Loader) Wait(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if l.closed {
			return ErrClosed
		}
		if l.fenced != nil {
			return l.fenced
		}
		if l.failed > 0 {
			return l.failedErr()
		}
		if l.held < l.cfg.maxBytes {
			return nil
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			l.mu.Lock()
			return ctx.Err()
		}
		l.mu.Lock()
	}
}

func (l *Loader) failedErr() error {
	var errs []error
	for _, t := range l.tables {
		for _, u := range t.units {
			if u.state != uBad && u.state != uFailed {
				break
			}
			errs = append(errs, u.err)
		}
	}
	return joinErrs(errs)
}

// maxJoined bounds the errors joined by Flush and Wait.
const maxJoined = 16

// joinErrs joins errs, at most maxJoined of them and then a count.
func joinErrs(errs []error) error {
	if len(errs) > maxJoined {
		n := len(errs) - maxJoined
		errs = append(errs[:maxJoined:maxJoined], fmt.Errorf("loader: %d more failed loads or bad rows; call TakeFailed for each table", n))
	}
	return errors.Join(errs...)
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
	rows := make([][]byte, 0, total)
	errs := make([]error, 0, n)
	seplen := len(l.cfg.sep)
	for _, u := range t.units[:n] {
		for _, c := range u.chunks {
			for i := range c.ends {
				rows = append(rows, c.rowBytes(i, seplen))
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

// Close stops the Loader: running loads are cancelled and buffered rows
// are dropped; it does not flush (call Flush first). It returns once every
// goroutine of the Loader has ended.
func (l *Loader) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.notify()
	l.mu.Unlock()
	l.cancel()
	l.wg.Wait()
	if l.ownedTr != nil {
		l.ownedTr.CloseIdleConnections()
	}
	return nil
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

// cut moves the open rows of t into new queued units, one per run of
// chunks with the same Headers.
func (l *Loader) cut(t *tableBuf, batch string, flush bool) {
	l.openTotal -= t.openBytes
	t.lastSize = t.openBytes
	open := t.open
	t.open, t.openBytes = nil, 0
	var base string
	for seg := 1; len(open) > 0; seg++ {
		n := 1
		for n < len(open) && open[n].hdr == open[0].hdr {
			n++
		}
		u := &unit{batch: batch, hdr: open[0].hdr, chunks: open[:n:n]}
		open = open[n:]
		for _, c := range u.chunks {
			u.rows += c.rows()
			u.held += c.size()
		}
		u.firstSeq = u.chunks[0].firstSeq
		u.lastSeq = u.chunks[len(u.chunks)-1].lastSeq
		var label string
		switch {
		case !flush:
			l.bgGen++
			label = makeLabel(l.cfg.LabelPrefix, t.name, "bg"+l.nonce+"_"+fmt.Sprint(l.bgGen))
		case seg == 1:
			// The batch names the source positions; the content
			// fingerprint ties the label to exactly these rows, so that a
			// replay that cut its rows differently never mistakes another
			// unit's committed label for its own.
			label = deriveLabel(makeLabel(l.cfg.LabelPrefix, t.name, batch), u.fingerprint())
			base = label
		default:
			label = deriveLabel(base, "s"+strconv.Itoa(seg)+u.fingerprint())
		}
		for n := 1; t.usedLabel(label); n++ {
			label = makeLabel(l.cfg.LabelPrefix, t.name, batch, fmt.Sprintf("r%d%s", n, l.nonce))
			if seg > 1 {
				label = deriveLabel(label, "s"+strconv.Itoa(seg))
			}
		}
		t.recent[t.recentN%len(t.recent)] = label
		t.recentN++
		u.label = label
		t.units = append(t.units, u)
	}
}

// fingerprint is a short hash of the unit's rows and headers: CRC-32C
// (hardware-accelerated) of the bytes, mixed with the row count and the
// headers.
func (u *unit) fingerprint() string {
	sum := crc32.Checksum([]byte(fmt.Sprintf("%d|%s|%t|", u.rows, u.hdr.Columns, u.hdr.PartialUpdate)), castagnoli)
	for _, c := range u.chunks {
		sum = crc32.Update(sum, castagnoli, c.buf[:c.ends[len(c.ends)-1]])
	}
	return fmt.Sprintf("f%08x", sum)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// active returns the unit of t that loads next (queued, running or failed
// and blocking): the first that is not isolated bad rows; nil if none.
func (t *tableBuf) active() *unit {
	for _, u := range t.units {
		if u.state != uBad {
			return u
		}
	}
	return nil
}

// index returns the position of u in t.units.
func (t *tableBuf) index(u *unit) int {
	for i, v := range t.units {
		if v == u {
			return i
		}
	}
	panic("loader: unit not in its table")
}

func (t *tableBuf) usedLabel(s string) bool {
	for _, r := range t.recent {
		if r == s {
			return true
		}
	}
	return false
}

func (l *Loader) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

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
			l.cut(best, "", false)
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
		l.cut(t, "", false)
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

// run loads u, retrying per MaxRetries, and records the outcome.
func (l *Loader) run(t *tableBuf, u *unit) {
	defer l.wg.Done()
	b := frame(l.cfg.Format, u.chunks)
	b.g = &bodyGuard{stop: func() error {
		if l.ctx.Err() != nil {
			return ErrClosed
		}
		if !l.leaseAllows(0.5) {
			return errLeaseEnded
		}
		return nil
	}}
	bodies, err := l.bodies(u, b)
	if err != nil {
		err = &LoadError{Table: t.name, Label: u.label, Permanent: true, Err: err}
	}
	hdr, herr := l.dataHeaders(u.hdr)
	if err == nil && herr != nil {
		err = &LoadError{Table: t.name, Label: u.label, Permanent: true, Err: herr}
	}
	var out outcome
	for attempt := 1; err == nil; attempt++ {
		if werr := l.awaitLease(l.ctx); werr != nil {
			err = &LoadError{Table: t.name, Label: u.label, Err: errors.Join(werr, ErrClosed)}
			break
		}
		start := time.Now()
		if l.cfg.Mode == ModeTransaction {
			out, err = l.txnLoad(l.ctx, t.name, u, bodies, hdr)
		} else {
			out, err = l.streamLoad(l.ctx, t.name, u, bodies[0], hdr)
		}
		ev := LoadEvent{Table: t.name, Label: u.label, Rows: int64(u.rows), Bytes: b.size, Filtered: out.filtered,
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
				l.log.Debug("loader: loaded", "table", t.name, "label", u.label, "rows", u.rows, "bytes", b.size, "filtered", out.filtered, "attempt", attempt, "duration", ev.Duration)
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
		if r := l.cfg.MaxRetries; r >= 0 && int64(attempt) > r {
			le.Err = fmt.Errorf("%w after %d attempts: %w", ErrRetriesExhausted, attempt, le.Err)
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
	if err != nil && l.ctx.Err() != nil && l.cfg.Mode == ModeTransaction {
		// Abandoned (Fence or Close): a transaction this attempt may have
		// prepared must not stay behind to be committed by anyone.
		l.rollback(t.name, u.label)
	}
	var le *LoadError
	bad := err != nil && errors.As(err, &le) && le.BadRows && l.ctx.Err() == nil
	if err != nil && !bad && l.log != nil && l.ctx.Err() == nil {
		l.log.Error("loader: load failed", "table", t.name, "label", u.label, "err", err)
	}
	b.g.revoke() // no reader touches the chunks once they are reused
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

// bodies returns what is sent for u: in ModeStreamLoad one body with
// every chunk, in ModeTransaction one body per chunk; compressed when set.
func (l *Loader) bodies(u *unit, all body) ([]body, error) {
	var out []body
	if l.cfg.Mode == ModeTransaction {
		for _, c := range u.chunks {
			if c.rows() > 0 {
				cb := frame(l.cfg.Format, []*chunk{c})
				cb.g = all.g
				out = append(out, cb)
			}
		}
	} else {
		out = []body{all}
	}
	if l.cfg.Compression == CompressionNone {
		return out, nil
	}
	for i := range out {
		c, err := compress(l.cfg.Compression, out[i], nil)
		if err != nil {
			return nil, err
		}
		c.g = out[i].g
		out[i] = c
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
