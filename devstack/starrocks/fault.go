package starrocks

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// FaultKind selects what an injected Fault does.
type FaultKind int

const (
	// FaultHTTP500: the FE answers HTTP 500 with a RestBaseResult body
	// instead of handling the request (no redirect, no work done). Matched
	// where the request enters the FE: PUT .../_stream_load, /api/transaction/{op},
	// get_load_state. A request sent straight to the BE is not affected.
	FaultHTTP500 FaultKind = iota + 1

	// FaultResetAfterBody: the server that executes the operation reads the
	// whole body, does the work as normal (the load or commit is applied),
	// then closes the TCP connection without a reply (RST via SO_LINGER=0).
	FaultResetAfterBody

	// FaultSlow: the executing server does the work, then sleeps Fault.Delay
	// before writing its reply.
	FaultSlow

	// FaultPublishTimeout: the commit is applied but the txn stays COMMITTED
	// (it turns VISIBLE about a second later). Stream Load answers Status
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
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault is a fault to inject into the next Times matching requests.
//
// A request matches when its operation is Op and its table is Table ("" =
// any table). The table of a transaction request is its `table` header, or
// else the table the transaction was begun on; for get_load_state it is the
// table of the label's transaction. Faults are matched in injection order and
// consumed when the request arrives at the server where they act (see the
// kinds), whatever the outcome of the request.
type Fault struct {
	Op    string // "stream_load", "begin", "load", "prepare", "commit", "rollback", "get_load_state"
	Table string // "" = any
	User  string // the request's Basic-auth user; "" = any
	Times int    // how many next matching requests
	Kind  FaultKind
	Delay time.Duration // FaultSlow and FaultStallBody only
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
func (e *Emulator) Inject(f Fault) {
	if !faultOps[f.Op] {
		panic(fmt.Sprintf("starrocks emulator: Inject: unknown Op %q", f.Op))
	}
	if f.Times < 1 {
		panic(fmt.Sprintf("starrocks emulator: Inject: Times must be >= 1, got %d", f.Times))
	}
	switch f.Kind {
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
	default:
		panic(fmt.Sprintf("starrocks emulator: Inject: unknown Kind %d", int(f.Kind)))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := f
	e.faults = append(e.faults, &c)
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
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, f := range e.faults {
		if f.Op != op || (f.Table != "" && f.Table != table) || (f.User != "" && f.User != user) {
			continue
		}
		for _, k := range kinds {
			if f.Kind != k {
				continue
			}
			f.Times--
			if f.Times <= 0 {
				e.faults = append(e.faults[:i], e.faults[i+1:]...)
			}
			c := *f
			return &c
		}
	}
	return nil
}

func (f *Fault) is(k FaultKind) bool { return f != nil && f.Kind == k }

var execKinds = []FaultKind{FaultResetAfterBody, FaultSlow, FaultStallBody, FaultPublishTimeout, FaultCommitFailsAfterCommit}

// execute runs h, the handler of the server that executes op, applying any
// execution-site fault.
func (e *Emulator) execute(w http.ResponseWriter, r *http.Request, op, table string, h func(w http.ResponseWriter, f *Fault)) {
	f := e.takeFault(r, op, table, execKinds...)
	switch {
	case f.is(FaultStallBody):
		select {
		case <-time.After(f.Delay):
		case <-e.closing:
		case <-r.Context().Done():
		}
		h(w, f)
	case f.is(FaultResetAfterBody):
		bw := newBufferedWriter()
		h(bw, f)
		_, _ = io.Copy(io.Discard, r.Body)
		resetConnection(w)
	case f.is(FaultSlow):
		bw := newBufferedWriter()
		h(bw, f)
		select {
		case <-time.After(f.Delay):
		case <-e.closing:
		case <-r.Context().Done():
		}
		bw.flushTo(w)
	default:
		h(w, f)
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
