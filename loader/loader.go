package loader

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	randv2 "math/rand/v2"
	"net/http"
	"slices"
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
	// number (see Loader.Seq) ≤ Seq is durably committed.
	Seq uint64
	// Batch is the Flush batch that started the load, "" for a background
	// load (age or memory pressure).
	Batch string
}

type unitState uint8

const (
	uQueued unitState = iota
	uRunning
	uFailed
)

// unit is one load: a Stream Load request or one transaction. Its rows and
// label are fixed when it is cut, so every retry re-sends the same rows
// with the same label.
type unit struct {
	label    string
	batch    string
	chunks   []*chunk
	rows     int
	held     int64
	firstSeq uint64
	lastSeq  uint64
	state    unitState
	err      error
}

type tableBuf struct {
	name      string
	open      []*chunk // rows not in a unit yet; the last chunk is filled
	openBytes int64
	oldest    time.Time // when the first row of open was appended
	units     []*unit   // cut loads in order; units[0] may be running or failed
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
	failed    int // units in uFailed
	closed    bool
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
// number (see Seq and Durable).
//
// When the Loader holds MaxBytes or more, Append blocks until a load
// commits and frees memory, unless a load has failed for good (see Wait)
// or the Loader is closed. After Close, Append discards the row.
func (l *Loader) Append(table string, row []byte) {
	l.mu.Lock()
	for l.held >= l.cfg.maxBytes && !l.closed && l.failed == 0 {
		ch := l.changed
		l.mu.Unlock()
		<-ch
		l.mu.Lock()
	}
	if l.closed {
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
	if c == nil || len(c.buf)+need > cap(c.buf) {
		if c != nil && len(c.buf)+need <= l.cfg.chunkBytes {
			l.grow(t, c, need)
		} else {
			c = l.newChunk(t, need)
		}
	}
	if len(c.ends) == cap(c.ends) {
		old := int64(cap(c.ends))
		c.ends = slices.Grow(c.ends, max(64, cap(c.ends)))
		l.account(t, 4*(int64(cap(c.ends))-old))
	}
	c.buf = append(c.buf, row...)
	c.buf = append(c.buf, sep...)
	c.ends = append(c.ends, uint32(len(c.buf)))
	l.seq++
	if c.firstSeq == 0 {
		c.firstSeq = l.seq
	}
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
		l.freeBytes -= int64(cap(c.buf)) + 4*int64(cap(c.ends))
	}
}

// newChunk starts a chunk in t able to take need bytes.
func (l *Loader) newChunk(t *tableBuf, need int) *chunk {
	size := l.cfg.chunkBytes
	var c *chunk
	if need > size {
		c = &chunk{buf: make([]byte, 0, need)}
	} else if (t.lastSize >= int64(size) || len(t.open) > 0) && len(l.free) > 0 {
		c = l.free[len(l.free)-1]
		l.free = l.free[:len(l.free)-1]
		l.freeBytes -= int64(cap(c.buf)) + 4*int64(cap(c.ends))
	} else {
		initial := size
		if len(t.open) == 0 && t.lastSize < int64(size) {
			initial = max(4096, need, int(t.lastSize))
			initial = min(initial, size)
		}
		c = &chunk{buf: make([]byte, 0, initial)}
	}
	c.pooled = cap(c.buf) == size
	t.open = append(t.open, c)
	l.account(t, int64(cap(c.buf))+4*int64(cap(c.ends)))
	return c
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

// release returns the memory of u's chunks (u is no longer held).
func (l *Loader) release(u *unit, reuse bool) {
	l.held -= u.held
	l.heldPub.Store(l.held)
	for _, c := range u.chunks {
		size := int64(cap(c.buf)) + 4*int64(cap(c.ends))
		if reuse && c.pooled && l.held+l.freeBytes+size <= l.poolLimit() {
			c.buf, c.ends = c.buf[:0], c.ends[:0]
			c.firstSeq, c.lastSeq = 0, 0
			l.free = append(l.free, c)
			l.freeBytes += size
		}
	}
	u.chunks = nil
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
// appended with a sequence number ≤ s is durably committed in StarRocks.
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
// rows not yet in a load gets the label Label(LabelPrefix, table, batch),
// so calling Flush again with the same batch after an error re-sends the
// same rows under the same label and StarRocks loads them once. batch
// should name the source positions the rows cover, and a batch should not
// be reused for other rows (a reused label within one Loader gets a
// suffix).
//
// Loads that failed for good earlier (see Wait) are retried. Flush starts
// loads at once, ignoring MinLoadInterval. On error (a *LoadError per
// failed table, joined) the rows stay buffered. When ctx ends Flush returns
// ctx.Err() and the loads go on in the background.
func (l *Loader) Flush(ctx context.Context, batch string) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
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
		for _, t := range ts {
			if len(t.units) == 0 || t.units[0].firstSeq > target {
				continue
			}
			if u := t.units[0]; u.state == uFailed {
				errs = append(errs, u.err)
				continue
			}
			settled = false
		}
		closed := l.closed
		ch := l.changed
		l.mu.Unlock()
		if settled {
			return errors.Join(errs...)
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
// that failed for good (retries exhausted or permanent), which keep their
// rows until Flush retries them or TakeFailed removes them; while such a
// load exists Append does not block, so a caller bounding memory must call
// Wait (or check Full) before appending.
func (l *Loader) Wait(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if l.closed {
			return ErrClosed
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
		if len(t.units) > 0 && t.units[0].state == uFailed {
			errs = append(errs, t.units[0].err)
		}
	}
	return errors.Join(errs...)
}

// TakeFailed removes the failed load at the head of table, so the table's
// later rows can load, and returns its rows and error; it returns nil, nil
// when the table has no failed load. Use it to route rows rejected for good
// (errors.Is(err, ErrPermanent)) to a dead-letter path. The returned rows
// count as handled for Durable.
func (l *Loader) TakeFailed(table string) ([][]byte, error) {
	l.mu.Lock()
	t := l.tables[table]
	if t == nil || len(t.units) == 0 || t.units[0].state != uFailed {
		l.mu.Unlock()
		return nil, nil
	}
	u := t.units[0]
	t.units = t.units[1:]
	l.failed--
	rows := make([][]byte, 0, u.rows)
	seplen := len(l.cfg.sep)
	for _, c := range u.chunks {
		start := 0
		for _, end := range c.ends {
			rows = append(rows, c.buf[start:int(end)-seplen:int(end)-seplen])
			start = int(end)
		}
	}
	err := u.err
	l.release(u, false)
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

// cut moves the open rows of t into a new queued unit.
func (l *Loader) cut(t *tableBuf, batch string, flush bool) *unit {
	u := &unit{batch: batch, chunks: t.open}
	for _, c := range t.open {
		u.rows += c.rows()
	}
	u.held = t.openBytes
	u.firstSeq = t.open[0].firstSeq
	u.lastSeq = t.open[len(t.open)-1].lastSeq
	l.openTotal -= t.openBytes
	t.lastSize = t.openBytes
	t.open, t.openBytes = nil, 0
	var label string
	if flush {
		label = makeLabel(l.cfg.LabelPrefix, t.name, batch)
	} else {
		l.bgGen++
		label = makeLabel(l.cfg.LabelPrefix, t.name, "bg"+l.nonce+"_"+fmt.Sprint(l.bgGen))
	}
	for n := 1; t.usedLabel(label); n++ {
		label = makeLabel(l.cfg.LabelPrefix, t.name, batch, fmt.Sprintf("r%d%s", n, l.nonce))
	}
	t.recent[t.recentN%len(t.recent)] = label
	t.recentN++
	u.label = label
	t.units = append(t.units, u)
	return u
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
		if !t.running && len(t.units) > 0 && t.units[0].state == uQueued {
			queued = append(queued, t)
		}
	}
	slices.SortFunc(queued, func(a, b *tableBuf) int { return cmp.Compare(a.units[0].firstSeq, b.units[0].firstSeq) })
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
				if !t.running && len(t.units) == 0 && t.openBytes > 0 && (best == nil || t.openBytes > best.openBytes) {
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
		if t.running || len(t.units) > 0 || t.openBytes == 0 {
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

// start runs the head unit of t.
func (l *Loader) start(t *tableBuf, now time.Time) {
	u := t.units[0]
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
	b.g = &bodyGuard{}
	bodies, err := l.bodies(u, b)
	if err != nil {
		err = &LoadError{Table: t.name, Label: u.label, Permanent: true, Err: err}
	}
	var out outcome
	for attempt := 1; err == nil; attempt++ {
		start := time.Now()
		if l.cfg.Mode == ModeTransaction {
			out, err = l.txnLoad(l.ctx, t.name, u, bodies)
		} else {
			out, err = l.streamLoad(l.ctx, t.name, u, bodies[0])
		}
		ev := LoadEvent{Table: t.name, Label: u.label, Rows: int64(u.rows), Bytes: b.size, Filtered: out.filtered,
			Duration: time.Since(start), Attempt: attempt, Err: err, Seq: u.lastSeq, Batch: u.batch}
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
		var le *LoadError
		if !errors.As(err, &le) {
			le = &LoadError{Table: t.name, Label: u.label, Err: err}
			err = le
		}
		if l.ctx.Err() != nil {
			le.Err = errors.Join(le.Err, ErrClosed)
			break
		}
		if le.Permanent {
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
	if err != nil && l.log != nil && l.ctx.Err() == nil {
		l.log.Error("loader: load failed", "table", t.name, "label", u.label, "err", err)
	}
	b.g.revoke() // no reader touches the chunks once they are reused
	l.mu.Lock()
	t.running = false
	l.running--
	if err == nil {
		t.units = t.units[1:]
		l.release(u, true)
	} else {
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
