package starrocks

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config configures an Emulator.
type Config struct {
	Users map[string]string // user -> password; nil means {"root": ""}
	Host  string            // default "127.0.0.1"; FE and BE listen on random ports
	// Discard makes every Stream Load read its body and throw it away: the
	// protocol (auth, redirect, labels, transactions, replies) runs as
	// usual, but rows are neither parsed nor stored, and the reply counts
	// no rows. For benchmarks that measure the client, not the emulator's
	// JSON parsing. Transaction-interface loads are unaffected.
	Discard bool
	// Clock, when set, is the emulator's clock for everything that expires
	// or turns visible with time: label retention, transaction timeouts,
	// prepared_timeout and a publish timeout's COMMITTED→VISIBLE delay.
	// nil means time.Now. Waits that block a reply (FaultSlow,
	// FaultStallBody, FaultResetRunning) stay on real timers.
	Clock func() time.Time
	// LabelKeepMax is FE label_keep_max_second: a finished transaction's
	// label is forgotten this long after it finished (get_load_state
	// UNKNOWN, the label free again). 0 means StarRocks' default of
	// 259200 s (3 days).
	LabelKeepMax time.Duration
	// LabelKeepMaxNum is FE label_keep_max_num: a database forgets its
	// oldest finished transactions beyond this many. 0 means StarRocks'
	// default of 1000.
	LabelKeepMaxNum int
}

// Column is a column definition for CreateTable.
type Column struct {
	Name string
	// Type is StarRocks type text: BOOLEAN, TINYINT, SMALLINT, INT, BIGINT,
	// LARGEINT, FLOAT, DOUBLE, DECIMAL(p,s), CHAR(n), VARCHAR(n), STRING,
	// DATE, DATETIME, JSON, VARBINARY[(n)] (alias BINARY[(n)]; values are
	// bytes, Rows shows them raw as a Go string), ARRAY<T> (case-insensitive).
	Type     string
	Nullable bool // key columns must be NOT NULL
}

// TableKind is a table's data model (docs/streamload.md §4, §7).
type TableKind int

const (
	// KindPrimaryKey: one row per primary key; a load upserts rows and
	// deletes those with __op=1, the last op per key winning.
	KindPrimaryKey TableKind = iota
	// KindDuplicate: a DUPLICATE KEY table. Every loaded row is appended and
	// kept, so a row loaded twice is stored twice; the key columns only
	// order the rows. There is no __op: a load ignores it (a row with
	// __op=1 is appended like any other), as StarRocks plans an __op column
	// only for primary-key tables.
	KindDuplicate
)

func (k TableKind) String() string {
	switch k {
	case KindPrimaryKey:
		return "PRIMARY_KEYS"
	case KindDuplicate:
		return "DUP_KEYS"
	}
	return fmt.Sprintf("TableKind(%d)", int(k))
}

// keyClause is the kind's key clause in CREATE TABLE.
func (k TableKind) keyClause() string {
	if k == KindDuplicate {
		return "DUPLICATE KEY"
	}
	return "PRIMARY KEY"
}

// TableStats counts successful loads of a table. Each committed transaction
// is one load (one version). LoadedRows includes delete rows; DeletedRows
// counts the rows with __op=1 among them (not the rows actually removed).
type TableStats struct {
	Loads, LoadedRows, FilteredRows, DeletedRows int64
}

// Emulator is one in-process StarRocks FE plus one BE. It is safe for
// concurrent use.
type Emulator struct {
	discard bool             // Config.Discard
	clock   func() time.Time // Config.Clock, never nil
	users   map[string]string
	store   *store

	feSrv, beSrv *http.Server
	feURL, beURL string
	serveWG      sync.WaitGroup
	closing      chan struct{}
	ctx          context.Context // of every request the FE and BE servers take; Close cancels it
	cancel       context.CancelFunc
	closeOnce    sync.Once
	closeErr     error

	// mu guards the transaction registry, the BE's transaction contexts,
	// the FE's label→node map, faults and error logs. It may be held while
	// calling into the store (never the reverse).
	mu          sync.Mutex
	nextTxnID   int64
	labels      map[string]*labelDB // per database (docs/streamload.md §2.5)
	prepared    map[*txn]struct{}   // PREPARED txns, for prepared_timeout
	beCtxs      map[string]*beTxnCtx
	feNodes     *labelLRU
	faults      []*Fault
	errLogs     map[string]string
	errLogOrder []string
	errLogSeq   int64

	// Tunables; tests in this package shrink them.
	labelKeepMaxNum int           // label_keep_max_num
	labelKeepMax    time.Duration // label_keep_max_second
	publishDelay    time.Duration // COMMITTED → VISIBLE after FaultPublishTimeout
	maxBodyBytes    int64
	maxJSONBytes    int64
}

// Start starts the FE and BE HTTP servers on random ports of cfg.Host.
func Start(cfg Config) (*Emulator, error) {
	host := cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	users := map[string]string{}
	if cfg.Users == nil {
		users["root"] = ""
	}
	for u, p := range cfg.Users {
		if u == "" {
			return nil, errors.New("starrocks emulator: empty user name in Config.Users")
		}
		users[u] = p
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.LabelKeepMax < 0 || cfg.LabelKeepMaxNum < 0 {
		return nil, errors.New("starrocks emulator: negative LabelKeepMax or LabelKeepMaxNum in Config")
	}
	e := &Emulator{
		discard:         cfg.Discard,
		clock:           cfg.Clock,
		users:           users,
		store:           newStore(),
		closing:         make(chan struct{}),
		nextTxnID:       1000,
		labels:          map[string]*labelDB{},
		prepared:        map[*txn]struct{}{},
		beCtxs:          map[string]*beTxnCtx{},
		feNodes:         newLabelLRU(512), // (#BE+#CN)×512 (docs/streamload.md §3.2)
		errLogs:         map[string]string{},
		labelKeepMaxNum: cmp.Or(cfg.LabelKeepMaxNum, 1000),
		labelKeepMax:    cmp.Or(cfg.LabelKeepMax, 259200*time.Second),
		publishDelay:    time.Second,
		maxBodyBytes:    defaultMaxBodyBytes,
		maxJSONBytes:    defaultMaxJSONBytes,
	}
	feLn, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("starrocks emulator: FE listen: %w", err)
	}
	beLn, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		feLn.Close()
		return nil, fmt.Errorf("starrocks emulator: BE listen: %w", err)
	}
	e.feURL = "http://" + feLn.Addr().String()
	e.beURL = "http://" + beLn.Addr().String()
	quiet := log.New(io.Discard, "", 0)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	base := func(net.Listener) context.Context { return e.ctx }
	e.feSrv = &http.Server{Handler: http.HandlerFunc(e.serveFE), ErrorLog: quiet, ReadHeaderTimeout: 30 * time.Second, BaseContext: base}
	e.beSrv = &http.Server{Handler: http.HandlerFunc(e.serveBE), ErrorLog: quiet, ReadHeaderTimeout: 30 * time.Second, BaseContext: base}
	for _, p := range []struct {
		srv *http.Server
		ln  net.Listener
	}{{e.feSrv, feLn}, {e.beSrv, beLn}} {
		e.serveWG.Add(1)
		go func(srv *http.Server, ln net.Listener) {
			defer e.serveWG.Done()
			_ = srv.Serve(ln)
		}(p.srv, p.ln)
	}
	return e, nil
}

// now reads the emulator's clock (Config.Clock).
func (e *Emulator) now() time.Time { return e.clock() }

// FEURL is the FE HTTP base URL (the 8030 role), e.g. "http://127.0.0.1:PORT".
func (e *Emulator) FEURL() string { return e.feURL }

// BEURL is the BE HTTP base URL (the 8040 role).
func (e *Emulator) BEURL() string { return e.beURL }

// Handlers returns the HTTP handlers of the FE and the BE, the ones the
// servers at FEURL and BEURL run, to serve the emulator elsewhere too:
// behind TLS, or on an in-memory network inside a testing/synctest bubble
// (where loopback sockets would keep the bubble's time from advancing).
// They act on the same emulator. The FE redirects to BEURL, so a client
// must reach the BE served elsewhere under that URL's host, or the
// Location must be rewritten. A fault's wait (FaultSlow, FaultStallBody)
// ends early only when the request's context ends.
func (e *Emulator) Handlers() (fe, be http.Handler) {
	return http.HandlerFunc(e.serveFE), http.HandlerFunc(e.serveBE)
}

// Close stops both servers and closes their connections. It is idempotent.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		close(e.closing)
		e.cancel()
		err1 := e.feSrv.Close()
		err2 := e.beSrv.Close()
		e.serveWG.Wait()
		e.closeErr = errors.Join(err1, err2)
	})
	return e.closeErr
}

// CreateDatabase creates a database; it is idempotent.
func (e *Emulator) CreateDatabase(db string) error {
	return e.store.createDatabase(db)
}

// CreateTable creates a primary-key table. It validates per docs/streamload.md §4:
// key columns first and in key order, NOT NULL, of an allowed key type. It
// fails if the database is unknown or the table exists.
func (e *Emulator) CreateTable(db, table string, cols []Column, primaryKey []string) error {
	return e.store.createTable(db, table, cols, primaryKey, KindPrimaryKey)
}

// CreateTableKind creates a table of the given kind; keys are its PRIMARY
// KEY or DUPLICATE KEY columns. A duplicate key must also be the first
// columns in key order, but its columns may be nullable and of any type
// except FLOAT, DOUBLE, JSON, ARRAY and VARBINARY.
func (e *Emulator) CreateTableKind(db, table string, cols []Column, keys []string, kind TableKind) error {
	return e.store.createTable(db, table, cols, keys, kind)
}

// Rows returns the table's rows ordered by key, each as column name → the
// value as StarRocks prints it over the MySQL text protocol (a string), or
// nil for NULL. A duplicate-key table returns every stored row, rows with
// equal keys in load order.
func (e *Emulator) Rows(db, table string) ([]map[string]any, error) {
	t, err := e.store.table(db, table)
	if err != nil {
		return nil, lookupError(db, table, err)
	}
	return t.sortedRows(), nil
}

// Stats returns the table's load counters (zero for an unknown table).
func (e *Emulator) Stats(db, table string) TableStats {
	t, err := e.store.table(db, table)
	if err != nil {
		return TableStats{}
	}
	return t.getStats()
}

// Duplicates counts the surplus copies of identical rows in the table:
// the number of rows minus the number of distinct rows (all columns
// compared). It is 0 for a table where no row was stored twice; in a
// duplicate-key table every row loaded again adds one.
func (e *Emulator) Duplicates(db, table string) (int, error) {
	t, err := e.store.table(db, table)
	if err != nil {
		return 0, lookupError(db, table, err)
	}
	_, rows := t.snapshot()
	seen := make(map[string]struct{}, len(rows))
	var b strings.Builder
	for _, r := range rows {
		b.Reset()
		for _, c := range r {
			if c == nil {
				b.WriteString("N;")
				continue
			}
			s := fmt.Sprint(c)
			fmt.Fprintf(&b, "%d:%s;", len(s), s)
		}
		seen[b.String()] = struct{}{}
	}
	return len(rows) - len(seen), nil
}

// Labels returns the labels the database has seen (begun, running or
// final, until evicted), sorted: what a test inspects to find a load's
// label. Like any request it first applies what expired by the clock.
func (e *Emulator) Labels(db string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sweepLocked(e.now())
	var out []string
	if l, ok := e.labels[db]; ok {
		for label := range l.byLabel {
			out = append(out, label)
		}
	}
	slices.Sort(out)
	return out
}

// limits returns the body and JSON size limits (§2.4).
func (e *Emulator) limits() (body, jsonBody int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.maxBodyBytes, e.maxJSONBytes
}

// lookupError renders store lookup errors with the FE's messages (§2.3).
func lookupError(db, table string, err error) error {
	switch {
	case errors.Is(err, errUnknownDB):
		return fmt.Errorf("unknown database, database=%s", db)
	case errors.Is(err, errUnknownTable):
		return fmt.Errorf("unknown table \"%s.%s\"", db, table)
	}
	return err
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// labelLRU is the FE's in-memory label → BE map for the transaction
// interface (docs/streamload.md §3.2). There is one BE, so only membership matters.
type labelLRU struct {
	cap   int
	order []string
	set   map[string]struct{}
}

func newLabelLRU(n int) *labelLRU { return &labelLRU{cap: n, set: map[string]struct{}{}} }

func (l *labelLRU) put(label string) {
	if _, ok := l.set[label]; ok {
		for i, s := range l.order {
			if s == label {
				l.order = append(l.order[:i], l.order[i+1:]...)
				break
			}
		}
	}
	l.order = append(l.order, label)
	l.set[label] = struct{}{}
	for len(l.order) > l.cap {
		delete(l.set, l.order[0])
		l.order = l.order[1:]
	}
}

func (l *labelLRU) has(label string) bool {
	_, ok := l.set[label]
	return ok
}
