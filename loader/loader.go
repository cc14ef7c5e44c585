package loader

// The Loader: its type, New and Close, and the caller-facing waits (Flush,
// Wait). The other concerns live in their own files: buffer.go (rows and
// memory), labels.go (cutting loads and naming them), schedule.go (when
// loads start), attempt.go (one load's attempts and retries), isolate.go
// (bisection of bad rows), fence.go (Lease and Fence), protocol.go,
// streamload.go and txn.go (the StarRocks protocols), client.go (HTTP).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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

// Loader buffers encoded rows per table and loads them into StarRocks.
// Its methods are safe for concurrent use.
type Loader struct {
	cfg     *config
	client  *client
	proto   protocol
	ownedTr *http.Transport
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
		client:  &client{cfg: cfg, hc: cfg.buildClient(), eps: newEndpoints(cfg.bases), log: opts.Logger},
		log:     opts.Logger,
		nonce:   hex.EncodeToString(nb[:]),
		wake:    make(chan struct{}, 1),
		tables:  make(map[string]*tableBuf),
		changed: make(chan struct{}),
	}
	if opts.HTTPClient == nil {
		l.ownedTr, _ = l.client.hc.Transport.(*http.Transport)
	}
	l.proto = newProtocol(cfg, l.client, l.awaitLease)
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.wg.Add(1)
	go l.dispatch()
	return l, nil
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
			l.cut(t, batch, cutFlush)
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

func (l *Loader) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}
