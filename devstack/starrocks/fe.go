package starrocks

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ---------------------------------------------------------------------------
// Shared HTTP helpers.

// kv is one key of a JSON object whose key order matters (§2.1, §3.3).
type kv struct {
	k string
	v any
}

func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// prettyJSON renders like rapidjson's PrettyWriter, which the BE uses.
func prettyJSON(pairs []kv) []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, p := range pairs {
		b.WriteString("    ")
		b.WriteString(jsonText(p.k))
		b.WriteString(": ")
		b.WriteString(jsonText(p.v))
		if i < len(pairs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.Bytes()
}

// compactJSON renders like Gson, which the FE uses.
func compactJSON(pairs []kv) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonText(p.k))
		b.WriteByte(':')
		b.WriteString(jsonText(p.v))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSON(w http.ResponseWriter, code int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// pathSegments splits the escaped path and URL-decodes each segment, so an
// encoded "/" inside a db or table name stays in its segment.
func pathSegments(u *url.URL) []string {
	parts := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	for i, s := range parts {
		if d, err := url.PathUnescape(s); err == nil {
			parts[i] = d
		}
	}
	return parts
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func ms(d time.Duration) int64 { return int64(d / time.Millisecond) }

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}

// restFailed is RestBaseResult(msg) (docs/streamload.md §1.1, §2.6).
func restFailed(msg string) []byte {
	return compactJSON([]kv{{"status", "FAILED"}, {"code", "1"}, {"msg", msg}, {"message", msg}})
}

// tableFor resolves the table a transaction request is about: its header,
// else the table of the label's transaction.
func (e *Emulator) tableFor(db, label, header string) string {
	if header != "" {
		return header
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.beCtxs[label]; c != nil && c.db == db {
		return c.table
	}
	if t := e.lookupTxnLocked(db, label); t != nil {
		return t.table
	}
	return ""
}

// ---------------------------------------------------------------------------
// FE (the 8030 role).

func (e *Emulator) serveFE(w http.ResponseWriter, r *http.Request) {
	seg := pathSegments(r.URL)
	switch {
	case len(seg) == 4 && seg[0] == "api" && seg[3] == "_stream_load":
		e.feStreamLoad(w, r, seg[2])
	case len(seg) == 3 && seg[0] == "api" && seg[1] == "transaction":
		e.feTxn(w, r, seg[2])
	case len(seg) == 3 && seg[0] == "api" && seg[2] == "get_load_state":
		e.feGetLoadState(w, r, seg[1])
	default:
		http.NotFound(w, r)
	}
}

// feAuth checks Basic auth; on failure it answers 401 (docs/streamload.md §1.1).
func (e *Emulator) feAuth(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	var msg string
	if !ok {
		msg = "Need auth information."
	} else if pw, exists := e.users[user]; !exists || pw != pass {
		msg = fmt.Sprintf("Access denied for %s@%s", user, remoteIP(r))
	}
	if msg == "" {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Basic realm=""`)
	writeJSON(w, http.StatusUnauthorized, restFailed(msg))
	return false
}

func fe500(w http.ResponseWriter, op string, f *Fault) {
	writeJSON(w, cmp.Or(f.Code, http.StatusInternalServerError), restFailed("starrocks emulator: injected FaultHTTP500 on "+op))
}

// redirectToBE answers 307 to the BE with the same path and query, an empty
// body and a closed connection. The body is never read, so net/http never
// sends "100 Continue" (docs/streamload.md §1.1).
func (e *Emulator) redirectToBE(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Location", e.beURL+r.URL.RequestURI())
	w.Header().Set("Connection", "close")
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusTemporaryRedirect)
}

// feStreamLoad: docs/streamload.md §1.1 (LoadAction). The FE does not check that
// the table exists; the BE does.
func (e *Emulator) feStreamLoad(w http.ResponseWriter, r *http.Request, table string) {
	if r.Method != http.MethodPut {
		methodNotAllowed(w, http.MethodPut)
		return
	}
	if f := e.takeFault(r, "stream_load", table, FaultHTTP500); f != nil {
		fe500(w, "stream_load", f)
		return
	}
	if !e.feAuth(w, r) {
		return
	}
	if r.ProtoAtLeast(1, 1) && !strings.Contains(strings.ToLower(r.Header.Get("Expect")), "100-continue") {
		writeJSON(w, http.StatusOK, compactJSON([]kv{{"Status", "FAILED"},
			{"Message", "class com.starrocks.common.DdlException: There is no 100-continue header"}}))
		return
	}
	e.redirectToBE(w, r)
}

func (e *Emulator) feGetLoadState(w http.ResponseWriter, r *http.Request, db string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, http.MethodGet)
		return
	}
	label := r.URL.Query().Get("label")
	table := e.tableFor(db, label, "")
	if f := e.takeFault(r, "get_load_state", table, FaultHTTP500); f != nil {
		fe500(w, "get_load_state", f)
		return
	}
	if !e.feAuth(w, r) {
		return
	}
	e.execute(w, r, "get_load_state", table, feExecKinds, func(w http.ResponseWriter, _ *Fault) {
		if label == "" {
			writeJSON(w, http.StatusOK, restFailed("No label selected."))
			return
		}
		if !e.store.hasDB(db) {
			writeJSON(w, http.StatusOK, restFailed("unknown database, database="+db))
			return
		}
		e.mu.Lock()
		now := e.now()
		e.sweepLocked(now)
		state, reason := "UNKNOWN", "" // absent or evicted (§2.6)
		if t := e.lookupTxnLocked(db, label); t != nil {
			state, reason = t.stateAt(now).String(), t.reason
		}
		e.mu.Unlock()
		pairs := []kv{{"state", state}}
		if reason != "" {
			pairs = append(pairs, kv{"reason", reason})
		}
		pairs = append(pairs, kv{"status", "OK"}, kv{"code", "0"}, kv{"msg", "Success"}, kv{"message", "OK"})
		writeJSON(w, http.StatusOK, compactJSON(pairs))
	})
}

// txnFailed is TransactionResult.setErrorMsg with the exception class prefix.
func txnFailed(class, msg string) []byte {
	return compactJSON([]kv{{"Status", "FAILED"}, {"Message", "class com.starrocks.common." + class + ": " + msg}})
}

func txnOK(t *txn, msg string) []byte {
	return compactJSON([]kv{{"TxnId", t.id}, {"Label", t.label}, {"Status", "OK"}, {"Message", msg}})
}

// feTxn is TransactionLoadAction (docs/streamload.md §3.2).
func (e *Emulator) feTxn(w http.ResponseWriter, r *http.Request, op string) {
	switch op {
	case "begin", "prepare", "commit", "rollback":
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			methodNotAllowed(w, "POST, PUT")
			return
		}
	case "load":
		if r.Method != http.MethodPut {
			methodNotAllowed(w, http.MethodPut)
			return
		}
	default:
		if !e.feAuth(w, r) {
			return
		}
		writeJSON(w, http.StatusOK, txnFailed("UserException", "Unsupported operation: "+op))
		return
	}
	label, db := r.Header.Get("label"), r.Header.Get("db")
	table := e.tableFor(db, label, r.Header.Get("table"))
	if f := e.takeFault(r, op, table, FaultHTTP500); f != nil {
		fe500(w, op, f)
		return
	}
	if !e.feAuth(w, r) {
		return
	}
	if label == "" {
		writeJSON(w, http.StatusOK, txnFailed("DdlException", "Empty label."))
		return
	}
	if db == "" {
		writeJSON(w, http.StatusOK, txnFailed("DdlException", "No database selected."))
		return
	}
	if !e.store.hasDB(db) {
		writeJSON(w, http.StatusOK, txnFailed("UserException", fmt.Sprintf("Database[%s] does not exist.", db)))
		return
	}
	noNode := func() {
		writeJSON(w, http.StatusOK, txnFailed("UserException", fmt.Sprintf("Transaction with op[%s] and label[%s] has no node.", op, label)))
	}
	switch op {
	case "begin":
		e.mu.Lock()
		e.feNodes.put(label)
		e.mu.Unlock()
		e.redirectToBE(w, r)
		return
	case "load", "prepare":
		e.mu.Lock()
		known := e.feNodes.has(label)
		e.mu.Unlock()
		if !known {
			noNode()
			return
		}
		e.redirectToBE(w, r)
		return
	}
	// commit / rollback: look the txn up by label.
	e.mu.Lock()
	now := e.now()
	e.sweepLocked(now)
	t := e.lookupTxnLocked(db, label)
	var st txnState
	if t != nil {
		st = t.stateAt(now)
	}
	known := e.feNodes.has(label)
	e.mu.Unlock()
	if t == nil {
		writeJSON(w, http.StatusOK, txnFailed("UserException", "No transaction found by label "+label))
		return
	}
	if st == txnPrepare {
		// The data lives in the BE's context: redirect there.
		if !known {
			noNode()
			return
		}
		e.redirectToBE(w, r)
		return
	}
	e.execute(w, r, op, table, feExecKinds, func(w http.ResponseWriter, f *Fault) {
		e.feFinishTxn(w, r, op, db, label, f)
	})
}

// feFinishTxn handles commit/rollback of a txn that is not PREPARE on the FE
// itself (TransactionWithoutChannelHandler).
func (e *Emulator) feFinishTxn(w http.ResponseWriter, r *http.Request, op, db, label string, f *Fault) {
	e.mu.Lock()
	now := e.now()
	t := e.lookupTxnLocked(db, label)
	if t == nil {
		e.mu.Unlock()
		writeJSON(w, http.StatusOK, txnFailed("UserException", "No transaction found by label "+label))
		return
	}
	st := t.stateAt(now)
	var body []byte
	switch {
	case st == txnPrepare:
		e.mu.Unlock()
		e.redirectToBE(w, r)
		return
	case op == "commit" && st == txnPrepared:
		if se := e.commitLocked(t, t.result, e.publishWaitLocked(f)); se != nil {
			e.abortLocked(t, se.msg)
			body = txnFailed("UserException", se.msg)
			break
		}
		switch {
		case f.is(FaultPublishTimeout):
			body = txnFailed("UserException", fmt.Sprintf("transaction %d commit successfully, BUT data will be visible later (publish timeout)", t.id))
		case f.is(FaultCommitFailsAfterCommit):
			body = txnFailed("UserException", injectedCommitFailure)
		default:
			body = txnOK(t, "")
		}
	case op == "commit" && (st == txnCommitted || st == txnVisible):
		body = txnOK(t, fmt.Sprintf("Transaction %d has already committed, label is %s", t.id, label))
	case op == "commit": // ABORTED
		body = txnFailed("UserException", fmt.Sprintf("Can not commit %s transaction %d, label is %s", st, t.id, label))
	case st == txnPrepared: // rollback
		e.abortLocked(t, "User Aborted")
		body = txnOK(t, "")
	case st == txnAborted:
		body = txnOK(t, fmt.Sprintf("Transaction %d has already aborted, label is %s", t.id, label))
	default: // rollback of COMMITTED / VISIBLE
		body = txnFailed("UserException", fmt.Sprintf("Can not abort %s transaction %d, label is %s", st, t.id, label))
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// injectedCommitFailure is the message of FaultCommitFailsAfterCommit.
const injectedCommitFailure = "failed to commit txn: rpc timeout (injected by the emulator's FaultCommitFailsAfterCommit: the commit was in fact applied)"
