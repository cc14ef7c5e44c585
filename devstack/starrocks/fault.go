package starrocks

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"time"
)

// FaultKind selects what an injected Fault does.
type FaultKind int

const (
	// FaultHTTP500: the FE answers HTTP 500 (or Fault.Code) with a
	// RestBaseResult body instead of handling the request (no redirect, no
	// work done), as the FE does on an unexpected exception (§2.2).
	// Matched where the request enters the FE: PUT .../_stream_load,
	// /api/transaction/{op}, get_load_state. A request sent straight to
	// the BE is not affected.
	FaultHTTP500 FaultKind = iota + 1

	// FaultResetAfterBody: the server that executes the operation reads the
	// whole body, does the work as normal (the load or commit is applied),
	// then closes the TCP connection without a reply (RST via SO_LINGER=0).
	FaultResetAfterBody

	// FaultSlow: the executing server does the work, then sleeps Fault.Delay
	// before writing its reply.
	FaultSlow

	// FaultPublishTimeout: the commit is applied but the txn stays COMMITTED
	// (it turns VISIBLE Fault.Delay later on the emulator's clock, by
	// default a second): meanwhile get_load_state says COMMITTED and the
	// label again gets Label Already Exists, FINISHED (DTM: only an
	// ABORTED txn frees a label). Stream Load answers Status
	// "Publish Timeout"; a transaction commit on the BE answers
	// PUBLISH_TIMEOUT. A commit of a PREPARED txn goes through the FE, whose
	// TransactionResult has no such status: it answers FAILED. Ops:
	// "stream_load", "commit".
	FaultPublishTimeout

	// FaultStallBody: the executing server waits Fault.Delay before it
	// reads the request body, as a busy BE does; with Expect:
	// 100-continue the client sends no body byte meanwhile (the "100
	// Continue" goes out when the body is first read). Then the request
	// runs as normal. Ops: "stream_load", "load".
	FaultStallBody

	// FaultCommitFailsAfterCommit: the commit is applied (VISIBLE) but the
	// reply is a failure (Stream Load: Status "Fail"; BE commit:
	// INTERNAL_ERROR; FE commit: FAILED), so a client must ask
	// get_load_state to learn that it succeeded. Ops: "stream_load", "commit".
	FaultCommitFailsAfterCommit

	// FaultFail: the executing server fails the request with
	// Fault.Message before doing any work, as StarRocks does for a
	// transient or configuration error (e.g. "current running txns on db
	// 10 is 1000, larger than limit 1000"). Stream Load answers Status
	// "Fail" and the label stays free; a transaction op answers
	// INTERNAL_ERROR, and a failed load or prepare rolls its transaction
	// back, as a BE does after a failed load call. The body is not read.
	// Ops: "stream_load", "begin", "load", "prepare".
	FaultFail

	// FaultFilterRows: the executing server rejects every row of the load
	// as not matching the table, as it does for rows with a NULL in a NOT
	// NULL column: the rows count as filtered, each with an error-log line
	// saying the emulator rejected it, and max_filter_ratio decides as
	// usual (at the default 0: "too many filtered rows" with an ErrorURL,
	// nothing applied, the transaction rolled back). For a client's
	// handling of bad rows without crafting bad data. Ops: "stream_load",
	// "prepare", "commit" (where a transaction's data errors surface).
	FaultFilterRows

	// FaultInProcessing: the BE answers TXN_IN_PROCESSING ("Transaction is
	// in processing") without doing any work, as it does while another
	// request of the same transaction holds the transaction's lock. Ops
	// executed by the BE: "load", "prepare", and "commit" of a transaction
	// still in PREPARE (a PREPARED one is committed by the FE, which never
	// answers so: the fault does not match there).
	FaultInProcessing

	// FaultDuplicate: the request reaches the executing server twice, as
	// when a proxy replays it after losing the first reply: the server
	// runs it twice in a row and answers the second run. A repeated Stream
	// Load finds its label FINISHED, a repeated prepare finds no
	// transaction (TXN_NOT_EXISTS, the BE dropped its context), a repeated
	// transaction load call appends its rows a second time. Any op.
	FaultDuplicate

	// FaultResetRunning: the executing server reads the whole body, then
	// closes the connection without a reply while the load is still
	// running: for Fault.Delay its label stays in use (get_load_state
	// PREPARE; the label again: Label Already Exists, RUNNING). Then the
	// load commits or, when Fault.Message is set, is aborted with that
	// reason and its label is free again. As a BE still writing or
	// publishing when its client gave up. Op: "stream_load".
	FaultResetRunning

	// FaultBE5xx: the BE answers HTTP Fault.Code (default 500; any 5xx)
	// with a plain-text body instead of handling the request: nothing is
	// begun or applied and the body is not read, so the label stays free.
	// StarRocks' BE itself answers every load with 200 (§2.2); a 5xx from
	// the BE's address is what a proxy or load balancer in front of it
	// gives (502/503/504) when the BE is down or restarting. Ops the BE
	// executes: "stream_load", "begin", "load", "prepare", and "commit"
	// and "rollback" of a transaction still in PREPARE.
	FaultBE5xx
)

func (k FaultKind) String() string {
	switch k {
	case FaultHTTP500:
		return "FaultHTTP500"
	case FaultResetAfterBody:
		return "FaultResetAfterBody"
	case FaultSlow:
		return "FaultSlow"
	case FaultPublishTimeout:
		return "FaultPublishTimeout"
	case FaultCommitFailsAfterCommit:
		return "FaultCommitFailsAfterCommit"
	case FaultStallBody:
		return "FaultStallBody"
	case FaultFail:
		return "FaultFail"
	case FaultFilterRows:
		return "FaultFilterRows"
	case FaultInProcessing:
		return "FaultInProcessing"
	case FaultDuplicate:
		return "FaultDuplicate"
	case FaultResetRunning:
		return "FaultResetRunning"
	case FaultBE5xx:
		return "FaultBE5xx"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault is a fault to inject into the next Times matching requests.
//
// A request matches when its operation is Op, its table is Table, its
// label is Label and its Basic-auth user is User (each "" = any). The
// table of a transaction request is its `table` header, or else the table
// the transaction was begun on; for get_load_state it is the table of the
// label's transaction. The label is the `label` header (Stream Load,
// transaction ops) or query parameter (get_load_state); a Stream Load
// without one matches only Label "". Faults are matched in injection order
// and consumed when the request arrives at the server where they act (see
// the kinds), whatever the outcome of the request. With Skip = n the first
// n matching requests pass untouched, so that a test hits exactly the
// (n+1)-th one, e.g. the retry of a load rather than the load.
type Fault struct {
	Op    string // "stream_load", "begin", "load", "prepare", "commit", "rollback", "get_load_state"
	Table string // "" = any
	Label string // "" = any
	User  string // the request's Basic-auth user; "" = any
	Skip  int    // matching requests to let pass before acting
	Times int    // how many next matching requests (after Skip)
	Kind  FaultKind
	// Delay: the wait of FaultSlow, FaultStallBody and FaultResetRunning;
	// for FaultPublishTimeout how long the txn stays COMMITTED on the
	// emulator's clock (0: one second).
	Delay time.Duration
	// Code is the HTTP status of FaultHTTP500 and FaultBE5xx: 500..599,
	// 0 meaning 500.
	Code int
	// Message is the failure of FaultFail, and the abort reason of
	// FaultResetRunning (empty: the load commits).
	Message string
	// Acted, when set, is called (once per use) when the fault takes
	// effect, before it acts: a test's cue, e.g. to pause the client.
	Acted func()
}

var faultOps = map[string]bool{
	"stream_load": true, "begin": true, "load": true, "prepare": true,
	"commit": true, "rollback": true, "get_load_state": true,
}

// Inject registers a fault. It panics on a fault that could never act (an
// unknown Op or Kind, Times < 1, FaultSlow without Delay, or a commit fault
// on an op that does not commit), so that a test cannot pass by accident.
// Times may be math.MaxInt for a fault that never wears off.
func (e *Emulator) Inject(f Fault) {
	if !faultOps[f.Op] {
		panic(fmt.Sprintf("starrocks emulator: Inject: unknown Op %q", f.Op))
	}
	if f.Times < 1 {
		panic(fmt.Sprintf("starrocks emulator: Inject: Times must be >= 1, got %d", f.Times))
	}
	if f.Delay < 0 {
		panic(fmt.Sprintf("starrocks emulator: Inject: negative Delay %v", f.Delay))
	}
	if f.Skip < 0 {
		panic(fmt.Sprintf("starrocks emulator: Inject: Skip must be >= 0, got %d", f.Skip))
	}
	if f.Code != 0 && (f.Kind != FaultHTTP500 && f.Kind != FaultBE5xx || f.Code < 500 || f.Code > 599) {
		panic(fmt.Sprintf("starrocks emulator: Inject: Code %d: only a 5xx of FaultHTTP500 or FaultBE5xx", f.Code))
	}
	switch f.Kind {
	case FaultBE5xx:
		mustOp(f, "stream_load", "begin", "load", "prepare", "commit", "rollback")
	case FaultHTTP500, FaultResetAfterBody:
	case FaultSlow:
		if f.Delay <= 0 {
			panic("starrocks emulator: Inject: FaultSlow needs a positive Delay")
		}
	case FaultStallBody:
		if f.Delay <= 0 {
			panic("starrocks emulator: Inject: FaultStallBody needs a positive Delay")
		}
		if f.Op != "stream_load" && f.Op != "load" {
			panic(fmt.Sprintf("starrocks emulator: Inject: FaultStallBody only applies to Op \"stream_load\" or \"load\", not %q", f.Op))
		}
	case FaultPublishTimeout, FaultCommitFailsAfterCommit:
		if f.Op != "stream_load" && f.Op != "commit" {
			panic(fmt.Sprintf("starrocks emulator: Inject: %s only applies to Op \"stream_load\" or \"commit\", not %q", f.Kind, f.Op))
		}
	case FaultFail:
		if f.Message == "" {
			panic("starrocks emulator: Inject: FaultFail needs a Message")
		}
		mustOp(f, "stream_load", "begin", "load", "prepare")
	case FaultFilterRows:
		mustOp(f, "stream_load", "prepare", "commit")
	case FaultInProcessing:
		mustOp(f, "load", "prepare", "commit")
	case FaultDuplicate:
	case FaultResetRunning:
		if f.Delay <= 0 {
			panic("starrocks emulator: Inject: FaultResetRunning needs a positive Delay")
		}
		mustOp(f, "stream_load")
	default:
		panic(fmt.Sprintf("starrocks emulator: Inject: unknown Kind %d", int(f.Kind)))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := f
	e.faults = append(e.faults, &c)
}

// mustOp panics unless f.Op is one of ops.
func mustOp(f Fault, ops ...string) {
	if !slices.Contains(ops, f.Op) {
		panic(fmt.Sprintf("starrocks emulator: Inject: %s only applies to Op %q, not %q", f.Kind, ops, f.Op))
	}
}

// takeFault consumes one use of the first fault matching r's user, op,
// table and one of kinds, and calls its Acted.
func (e *Emulator) takeFault(r *http.Request, op, table string, kinds ...FaultKind) *Fault {
	f := e.matchFault(r, op, table, kinds)
	if f != nil && f.Acted != nil {
		f.Acted()
	}
	return f
}

func (e *Emulator) matchFault(r *http.Request, op, table string, kinds []FaultKind) *Fault {
	user, _, _ := r.BasicAuth()
	label := r.Header.Get("label")
	if op == "get_load_state" {
		label = r.URL.Query().Get("label")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, f := range e.faults {
		if f.Op != op || (f.Table != "" && f.Table != table) || (f.User != "" && f.User != user) ||
			(f.Label != "" && f.Label != label) || !slices.Contains(kinds, f.Kind) {
			continue
		}
		if f.Skip > 0 {
			f.Skip-- // this request passes; a later fault may still act on it
			continue
		}
		f.Times--
		if f.Times <= 0 {
			e.faults = append(e.faults[:i], e.faults[i+1:]...)
		}
		c := *f
		return &c
	}
	return nil
}

func (f *Fault) is(k FaultKind) bool { return f != nil && f.Kind == k }

// The faults that act where an operation is executed: on the FE (commit
// and rollback of a PREPARED transaction, get_load_state), on the BE
// (everything else).
var (
	feExecKinds = []FaultKind{FaultResetAfterBody, FaultSlow, FaultPublishTimeout, FaultCommitFailsAfterCommit, FaultDuplicate}
	beExecKinds = append(slices.Clone(feExecKinds), FaultStallBody, FaultFail, FaultFilterRows, FaultInProcessing, FaultResetRunning, FaultBE5xx)
)

// execute runs h, the handler of the server that executes op, applying any
// execution-site fault of kinds. The kinds h acts on itself (a commit
// applied but reported otherwise, FaultFail, FaultFilterRows,
// FaultInProcessing, FaultResetRunning) reach it as f.
func (e *Emulator) execute(w http.ResponseWriter, r *http.Request, op, table string, kinds []FaultKind, h func(w http.ResponseWriter, f *Fault)) {
	f := e.takeFault(r, op, table, kinds...)
	switch {
	case f.is(FaultBE5xx):
		code := cmp.Or(f.Code, http.StatusInternalServerError)
		http.Error(w, fmt.Sprintf("%d %s (starrocks emulator: injected FaultBE5xx on %s)", code, http.StatusText(code), op), code)
	case f.is(FaultStallBody):
		pause(r, f.Delay)
		h(w, f)
	case f.is(FaultDuplicate):
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return // the client is gone; nothing to run
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(newBufferedWriter(), nil)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, nil)
	case f.is(FaultResetAfterBody):
		bw := newBufferedWriter()
		h(bw, f)
		_, _ = io.Copy(io.Discard, r.Body)
		resetConnection(w)
	case f.is(FaultSlow):
		bw := newBufferedWriter()
		h(bw, f)
		pause(r, f.Delay)
		bw.flushTo(w)
	default:
		h(w, f)
	}
}

// pause waits d, or until r's context ends (the client went away, or the
// emulator is closing: its servers' requests derive from a context Close
// cancels). It waits on nothing else, so that a request served in a
// testing/synctest bubble (see Handlers) waits in the bubble's time.
func pause(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// MySQLOutage takes the MySQL-protocol port (the FE's query port) down
// until the returned function is called, as a restarting FE or a
// firewall would: the connections open at the call are closed, and every
// connection made during the outage is closed as soon as it is accepted,
// before the server greeting, with a TCP RST (SO_LINGER=0). A client's
// dial or handshake fails with "connection reset by peer" or EOF rather
// than "connection refused": the port stays bound, so that it comes back
// at the same address. The HTTP side (Stream Load) is not affected.
// MySQLResets counts the connections reset. The port is started if it was
// not; the returned function may be called more than once.
func (e *Emulator) MySQLOutage() (end func(), err error) {
	if _, err := e.ServeMySQL(); err != nil {
		return nil, err
	}
	f := &e.store.mysql
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = true
	for c := range f.conns {
		f.resets++
		resetConn(c) // its serving goroutine removes it
	}
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.down = false
	}, nil
}

// MySQLResets returns how many connections MySQLOutage has reset since the
// emulator started (those open at its call included).
func (e *Emulator) MySQLResets() int {
	f := &e.store.mysql
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.resets
}

// resetConn closes a TCP connection with an RST instead of a FIN.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// resetConnection closes the client connection without a reply.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Cannot hijack (should not happen with HTTP/1.1): fail loudly
		// rather than pretend a reset happened.
		http.Error(w, "starrocks emulator: FaultResetAfterBody could not hijack the connection: "+err.Error(), http.StatusInternalServerError)
		return
	}
	resetConn(conn)
}

// bufferedWriter records a response so it can be delayed or dropped.
type bufferedWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func newBufferedWriter() *bufferedWriter { return &bufferedWriter{header: http.Header{}} }

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}

func (b *bufferedWriter) flushTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.code == 0 {
		b.code = http.StatusOK
	}
	w.WriteHeader(b.code)
	_, _ = w.Write(b.body.Bytes())
}
