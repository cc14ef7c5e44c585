package starrocks

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ---------------------------------------------------------------------------
// BE (the 8040 role).

func (e *Emulator) serveBE(w http.ResponseWriter, r *http.Request) {
	seg := pathSegments(r.URL)
	switch {
	case len(seg) == 4 && seg[0] == "api" && seg[3] == "_stream_load":
		if r.Method != http.MethodPut {
			methodNotAllowed(w, http.MethodPut)
			return
		}
		db, table := seg[1], seg[2]
		e.execute(w, r, "stream_load", table, beExecKinds, func(w http.ResponseWriter, f *Fault) {
			e.beStreamLoad(w, r, db, table, f)
		})
	case len(seg) == 3 && seg[0] == "api" && seg[1] == "transaction":
		e.beTxn(w, r, seg[2])
	case len(seg) == 2 && seg[0] == "api" && seg[1] == "_load_error_log":
		e.beErrorLog(w, r)
	default:
		http.NotFound(w, r)
	}
}

// slReply is the Stream Load reply (docs/streamload.md §2.1, CTX.to_json).
type slReply struct {
	txnID                                     int64
	label, status, existing, message          string
	total, loaded, filtered, unselected, size int64
	loadMs, beginMs, planMs, readMs, writeMs  int64
	commitMs                                  int64
	errorURL                                  string
}

func (s *slReply) json() []byte {
	pairs := []kv{{"TxnId", s.txnID}, {"Label", s.label}, {"Status", s.status}}
	if s.status == "Label Already Exists" {
		pairs = append(pairs, kv{"ExistingJobStatus", s.existing})
	}
	pairs = append(pairs,
		kv{"Message", s.message},
		kv{"NumberTotalRows", s.total},
		kv{"NumberLoadedRows", s.loaded},
		kv{"NumberFilteredRows", s.filtered},
		kv{"NumberUnselectedRows", s.unselected},
		kv{"LoadBytes", s.size},
		kv{"LoadTimeMs", s.loadMs},
		kv{"BeginTxnTimeMs", s.beginMs},
		kv{"StreamLoadPlanTimeMs", s.planMs},
		kv{"ReadDataTimeMs", s.readMs},
		kv{"WriteDataTimeMs", s.writeMs},
		kv{"CommitAndPublishTimeMs", s.commitMs},
	)
	if s.errorURL != "" {
		pairs = append(pairs, kv{"ErrorURL", s.errorURL})
	}
	return prettyJSON(pairs)
}

func bodyTooLarge(n, limit int64) string {
	return fmt.Sprintf("body size %d exceed limit: %d, . You can increase the limit by setting streaming_load_max_mb in be.conf.", n, limit)
}

func jsonTooLarge(n, limit int64) string {
	return fmt.Sprintf("The size of this batch exceed the max size [%d]  of json type data  data [ %d ]. Set ignore_json_size to skip the check, although it may lead huge memory consuming.", limit, n)
}

// readBody reads at most limit bytes; more is an error.
func readBody(rc io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return b, fmt.Errorf("failed to read the request body: %v", err)
	}
	if int64(len(b)) > limit {
		return b, fmt.Errorf("%s", bodyTooLarge(int64(len(b)), limit))
	}
	return b, nil
}

// beStreamLoad is the BE's StreamLoadAction (docs/streamload.md §1.1, §2). Auth,
// begin and plan run before the body is read; on error the BE answers at
// once. Every reply is HTTP 200.
func (e *Emulator) beStreamLoad(w http.ResponseWriter, r *http.Request, db, table string, f *Fault) {
	start := time.Now()
	rep := &slReply{txnID: -1, label: r.Header.Get("label")}
	if rep.label == "" {
		rep.label = newUUID()
	}
	reply := func() {
		rep.loadMs = ms(time.Since(start))
		writeJSON(w, http.StatusOK, rep.json())
	}
	fail := func(msg string) {
		rep.status, rep.message = "Fail", msg
		reply()
	}
	if f.is(FaultFail) {
		fail(f.Message)
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		fail("no valid Basic authorization")
		return
	}
	maxBody, maxJSON := e.limits()
	if r.ContentLength > maxBody {
		fail(bodyTooLarge(r.ContentLength, maxBody))
		return
	}
	format, se := parseFormat(r.Header)
	if se != nil {
		fail(se.msg)
		return
	}
	ignoreJSONSize := strings.EqualFold(r.Header.Get("ignore_json_size"), "true")
	if format == "json" && !ignoreJSONSize && r.ContentLength > maxJSON {
		fail(jsonTooLarge(r.ContentLength, maxJSON))
		return
	}

	t0 := time.Now()
	e.mu.Lock()
	t, tbl, se := e.beginLocked(db, table, rep.label, user, pass, remoteIP(r))
	e.mu.Unlock()
	rep.beginMs = ms(time.Since(t0))
	if se != nil {
		if se.code == codeLabelExists {
			rep.status, rep.existing, rep.message = "Label Already Exists", se.existing, se.msg
			reply()
			return
		}
		fail(se.msg)
		return
	}
	rep.txnID = t.id
	abort := func(msg string) {
		e.mu.Lock()
		e.abortLocked(t, msg)
		e.mu.Unlock()
		fail(msg)
	}

	t0 = time.Now()
	params, se := parseLoadParams(r.Header)
	if se == nil {
		_, se = params.plan(tbl.currentSchema(), tbl.kind)
	}
	rep.planMs = ms(time.Since(t0))
	if se != nil {
		abort(se.msg)
		return
	}

	t0 = time.Now()
	if e.discard {
		n, err := io.Copy(io.Discard, io.LimitReader(r.Body, maxBody+1))
		rep.readMs, rep.size = ms(time.Since(t0)), n
		switch {
		case err != nil:
			abort(fmt.Sprintf("failed to read the request body: %v", err))
			return
		case n > maxBody:
			abort(bodyTooLarge(n, maxBody))
			return
		}
		e.mu.Lock()
		se = e.commitLocked(t, &loadResult{tbl: tbl, batch: &applyBatch{schema: tbl.currentSchema()}}, 0)
		e.mu.Unlock()
		if se != nil {
			fail(se.msg)
			return
		}
		rep.status, rep.message = "Success", "OK"
		reply()
		return
	}
	body, err := readBody(r.Body, maxBody)
	rep.readMs = ms(time.Since(t0))
	rep.size = int64(len(body))
	if err == nil {
		body, err = decompress(params.compression, body, maxBody)
	}
	if err != nil {
		abort(err.Error())
		return
	}
	if format == "json" && !ignoreJSONSize && int64(len(body)) > maxJSON {
		abort(jsonTooLarge(int64(len(body)), maxJSON))
		return
	}

	t0 = time.Now()
	params.rejectAll = f.is(FaultFilterRows)
	res, se := process(tbl, params, [][]byte{body})
	rep.writeMs = ms(time.Since(t0))
	if se != nil {
		abort(se.msg)
		return
	}
	rep.total, rep.loaded, rep.filtered, rep.unselected = res.total, res.loaded, res.filtered, res.unselected
	if len(res.errLines) > 0 {
		rep.errorURL = e.saveErrorLog(res.errLines)
	}
	if res.tooManyFiltered(params.maxFilterRatio) {
		abort("too many filtered rows") // atomic: nothing is loaded
		return
	}

	if f.is(FaultResetRunning) {
		e.finishLater(t, res, f)
		resetConnection(w)
		return
	}

	t0 = time.Now()
	e.mu.Lock()
	se = e.commitLocked(t, res, e.publishWaitLocked(f))
	if se != nil {
		e.abortLocked(t, se.msg)
	}
	e.mu.Unlock()
	rep.commitMs = ms(time.Since(t0))
	switch {
	case se != nil:
		fail(se.msg)
		return
	case f.is(FaultPublishTimeout):
		rep.status, rep.message = "Publish Timeout", "transaction commit successfully, BUT data will be visible later"
	case f.is(FaultCommitFailsAfterCommit):
		rep.status, rep.message = "Fail", injectedCommitFailure
	default:
		rep.status, rep.message = "Success", "OK"
	}
	reply()
}

// finishLater ends the running load t f.Delay from now
// (FaultResetRunning): it commits, or is aborted with f.Message.
func (e *Emulator) finishLater(t *txn, res *loadResult, f *Fault) {
	time.AfterFunc(f.Delay, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if f.Message != "" {
			e.abortLocked(t, f.Message)
			return
		}
		if se := e.commitLocked(t, res, 0); se != nil {
			e.abortLocked(t, se.msg)
		}
	})
}

// saveErrorLog stores the rejected-row reasons and returns the ErrorURL.
func (e *Emulator) saveErrorLog(lines []string) string {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errLogSeq++
	name := fmt.Sprintf("error_log_%s_%d", hex.EncodeToString(rnd[:]), e.errLogSeq)
	e.errLogs[name] = strings.Join(lines, "\n") + "\n"
	e.errLogOrder = append(e.errLogOrder, name)
	for len(e.errLogOrder) > 1000 {
		delete(e.errLogs, e.errLogOrder[0])
		e.errLogOrder = e.errLogOrder[1:]
	}
	return e.beURL + "/api/_load_error_log?file=" + url.QueryEscape(name)
}

func (e *Emulator) beErrorLog(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, http.MethodGet)
		return
	}
	name := r.URL.Query().Get("file")
	e.mu.Lock()
	text, ok := e.errLogs[name]
	e.mu.Unlock()
	if !ok {
		http.Error(w, "error log file not found: "+name, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, text)
}

// ---------------------------------------------------------------------------
// Transaction interface on the BE (docs/streamload.md §3).

// txnReply is CTX.to_resp_json.
type txnReply struct {
	op, label                           string
	st                                  *statusErr // nil = OK
	txnID                               int64
	beginMs                             int64
	total, loaded, filtered, unselected int64
	loadBytes, loadMs, planMs, recvMs   int64
	writeMs, commitMs                   int64
	errorURL                            string
}

func (t *txnReply) json() []byte {
	code, msg := codeOK, ""
	if t.st != nil {
		code, msg = t.st.code, t.st.msg
	}
	pairs := []kv{{"Status", code}}
	switch code {
	case codeLabelExists:
		pairs = append(pairs, kv{"ExistingJobStatus", t.st.existing})
	case codeTxnInProcessing:
		pairs = append(pairs, kv{"Label", t.label})
	}
	pairs = append(pairs, kv{"Message", msg})
	if code == codeOK {
		pairs = append(pairs, kv{"Label", t.label})
		switch t.op {
		case "begin":
			pairs = append(pairs, kv{"TxnId", t.txnID}, kv{"BeginTxnTimeMs", t.beginMs})
		case "prepare", "commit":
			pairs = append(pairs, kv{"TxnId", t.txnID},
				kv{"NumberTotalRows", t.total}, kv{"NumberLoadedRows", t.loaded},
				kv{"NumberFilteredRows", t.filtered}, kv{"NumberUnselectedRows", t.unselected},
				kv{"LoadBytes", t.loadBytes}, kv{"LoadTimeMs", t.loadMs},
				kv{"StreamLoadPlanTimeMs", t.planMs}, kv{"ReceivedDataTimeMs", t.recvMs},
				kv{"WriteDataTimeMs", t.writeMs}, kv{"CommitAndPublishTimeMs", t.commitMs})
		case "load":
			pairs = append(pairs, kv{"TxnId", t.txnID}, kv{"LoadBytes", t.loadBytes},
				kv{"StreamLoadPlanTimeMs", t.planMs}, kv{"ReceivedDataTimeMs", t.recvMs})
		}
	}
	if t.errorURL != "" {
		pairs = append(pairs, kv{"ErrorURL", t.errorURL})
	}
	return prettyJSON(pairs)
}

func (e *Emulator) beTxn(w http.ResponseWriter, r *http.Request, op string) {
	switch op {
	case "list":
		if r.Method != http.MethodPost && r.Method != http.MethodGet {
			methodNotAllowed(w, "POST")
			return
		}
		e.beTxnList(w)
		return
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
		rep := &txnReply{op: op, label: r.Header.Get("label"), st: newStatus(codeInvalidArgument, "unsupport transaction operation %s", op)}
		writeJSON(w, http.StatusOK, rep.json())
		return
	}
	label, db := r.Header.Get("label"), r.Header.Get("db")
	table := e.tableFor(db, label, r.Header.Get("table"))
	e.execute(w, r, op, table, beExecKinds, func(w http.ResponseWriter, f *Fault) {
		var rep *txnReply
		if label == "" {
			msg := "empty label"
			if op == "load" {
				msg = "Invalid label "
			}
			rep = &txnReply{op: op, st: newStatus(codeInvalidArgument, "%s", msg)}
		} else if f.is(FaultInProcessing) {
			rep = &txnReply{op: op, label: label, st: newStatus(codeTxnInProcessing, "Transaction is in processing")}
		} else if f.is(FaultFail) {
			rep = e.beTxnFail(op, label, db, f.Message)
		} else {
			switch op {
			case "begin":
				rep = e.beTxnBegin(r, label, db)
			case "load":
				rep = e.beTxnLoad(r, label, db)
			case "prepare":
				rep = e.beTxnCommit(r, label, db, true, f)
			case "commit":
				rep = e.beTxnCommit(r, label, db, false, f)
			case "rollback":
				rep = e.beTxnRollback(label, db)
			}
		}
		writeJSON(w, http.StatusOK, rep.json())
	})
}

func parseSeconds(v string) (time.Duration, bool) {
	n, err := strconv.ParseUint(v, 10, 31)
	if err != nil {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// defaultTxnTimeout is FE stream_load_default_timeout_second (§1.2).
const defaultTxnTimeout = 600 * time.Second

// beTxnFail answers a transaction op failed with msg (FaultFail); a
// failed load or prepare rolls its transaction back.
func (e *Emulator) beTxnFail(op, label, db, msg string) *txnReply {
	if op == "load" || op == "prepare" {
		e.mu.Lock()
		if c := e.beCtxs[label]; c != nil && c.db == db && !c.busy {
			e.abortCtxLocked(c, msg)
		}
		e.mu.Unlock()
	}
	return &txnReply{op: op, label: label, st: newStatus(codeInternalError, "%s", msg)}
}

// beTxnBegin is TransactionMgr::begin_transaction.
func (e *Emulator) beTxnBegin(r *http.Request, label, db string) *txnReply {
	start := time.Now()
	rep := &txnReply{op: "begin", label: label}
	table := r.Header.Get("table")
	e.mu.Lock()
	_, live := e.beCtxs[label]
	e.mu.Unlock()
	if live {
		// The label is live on this BE (docs/streamload.md §3.3).
		rep.st = &statusErr{code: codeLabelExists}
		return rep
	}
	timeout, idle := defaultTxnTimeout, time.Duration(0)
	if v := r.Header.Get("timeout"); v != "" {
		d, ok := parseSeconds(v)
		if !ok {
			rep.st = newStatus(codeInvalidArgument, "Invalid timeout format")
			return rep
		}
		timeout = d
	}
	if v := r.Header.Get("idle_transaction_timeout"); v != "" {
		d, ok := parseSeconds(v)
		if !ok {
			rep.st = newStatus(codeInvalidArgument, "Invalid timeout format")
			return rep
		}
		idle = d
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		rep.st = newStatus(codeInternalError, "no valid Basic authorization")
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, tbl, se := e.beginLocked(db, table, label, user, pass, remoteIP(r))
	if se != nil {
		rep.st = se
		return rep
	}
	if _, live := e.beCtxs[label]; live { // lost a race with another begin
		e.abortLocked(t, "label is live on the BE")
		rep.st = &statusErr{code: codeLabelExists}
		return rep
	}
	now := e.now()
	e.beCtxs[label] = &beTxnCtx{id: newUUID(), label: label, db: db, table: table, txn: t, tbl: tbl,
		timeout: timeout, idleTimeout: idle, began: now, lastActive: now}
	rep.txnID = t.id
	rep.beginMs = ms(time.Since(start))
	return rep
}

// beTxnLoad is TransactionStreamLoadAction: it only buffers the data; data
// errors surface at prepare/commit (docs/streamload.md §3.4).
func (e *Emulator) beTxnLoad(r *http.Request, label, db string) *txnReply {
	start := time.Now()
	rep := &txnReply{op: "load", label: label}
	table := r.Header.Get("table")
	e.mu.Lock()
	now := e.now()
	e.sweepLocked(now)
	c := e.beCtxs[label]
	switch {
	case c == nil:
		rep.st = newStatus(codeTxnNotExists, "Transaction with label %s not exists", label)
	case c.db != db:
		rep.st = newStatus(codeInvalidArgument, "Request database %s not equal transaction database %s", db, c.db)
	case c.table != table:
		rep.st = newStatus(codeInvalidArgument, "Request table %s not equal transaction table %s", table, c.table)
	case c.busy:
		rep.st = newStatus(codeTxnInProcessing, "Transaction is in processing")
	default:
		c.busy = true
		c.lastActive = now
	}
	e.mu.Unlock()
	if rep.st != nil {
		return rep
	}
	// From here on this request holds the context's try-lock.
	maxBody, maxJSON := e.limits()
	failLocked := func(se *statusErr) *txnReply {
		c.busy = false
		e.abortCtxLocked(c, se.msg) // a failed load rolls the txn back
		rep.st = se
		return rep
	}
	se := func() *statusErr {
		if r.ContentLength > 0 {
			c.bodyBytes += r.ContentLength
			if c.bodyBytes > maxBody {
				return newStatus(codeInternalError, "%s", bodyTooLarge(c.bodyBytes, maxBody))
			}
		}
		p, se := parseLoadParams(r.Header)
		if se != nil {
			return se
		}
		if p.format == "json" && !p.ignoreJSONSize && c.bodyBytes > maxJSON {
			return newStatus(codeInternalError, "%s", jsonTooLarge(c.bodyBytes, maxJSON))
		}
		if c.params != nil {
			if c.params.sig != p.sig {
				return newStatus(codeInternalError, "load request not equal last.")
			}
			return nil
		}
		if _, se := p.plan(c.tbl.currentSchema(), c.tbl.kind); se != nil {
			return se
		}
		c.params = p // max_filter_ratio comes from the first load
		return nil
	}()
	if se != nil {
		e.mu.Lock()
		defer e.mu.Unlock()
		return failLocked(se)
	}
	body, err := readBody(r.Body, maxBody-c.totalReceived)
	if err == nil {
		body, err = decompress(c.params.compression, body, maxBody)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if c.aborted != "" {
		c.busy = false
		rep.st = newStatus(codeAborted, "%s", c.aborted)
		return rep
	}
	if err != nil {
		return failLocked(newStatus(codeInternalError, "%v", err))
	}
	c.busy = false
	c.lastActive = e.now()
	c.bodies = append(c.bodies, body)
	c.totalReceived += int64(len(body))
	rep.txnID = c.txn.id
	rep.loadBytes = int64(len(body))
	rep.recvMs = ms(time.Since(start))
	return rep
}

// beTxnCommit is TransactionMgr::commit_transaction, for prepare and commit.
func (e *Emulator) beTxnCommit(r *http.Request, label, db string, prepare bool, f *Fault) *txnReply {
	op := "commit"
	if prepare {
		op = "prepare"
	}
	rep := &txnReply{op: op, label: label}
	preparedTimeout := 86400 * time.Second // prepared_transaction_default_timeout_second
	var preparedSecs int64 = 86400
	e.mu.Lock()
	e.sweepLocked(e.now())
	c := e.beCtxs[label]
	switch {
	case c == nil:
		rep.st = newStatus(codeTxnNotExists, "transaction with label %s not exists", label)
	case c.db != db:
		rep.st = newStatus(codeInvalidArgument, "request db %s transaction db %s not match", db, c.db)
	case prepare && r.Header.Get("prepared_timeout") != "":
		v := r.Header.Get("prepared_timeout")
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n <= 0 {
			rep.st = newStatus(codeInvalidArgument, "Invalid prepared_timeout: %s", v)
		} else {
			preparedTimeout, preparedSecs = time.Duration(n)*time.Second, n
		}
	}
	if rep.st == nil && c.busy {
		rep.st = newStatus(codeTxnInProcessing, "Transaction is in processing")
	}
	if rep.st == nil && c.params == nil {
		rep.st = newStatus(codeInternalError, "transaction %s hasn't send any data yet", c.brief())
		e.abortCtxLocked(c, rep.st.msg)
	}
	if rep.st != nil {
		e.mu.Unlock()
		return rep
	}
	c.busy = true
	params, bodies, tbl := c.params, c.bodies, c.tbl
	e.mu.Unlock()
	if f.is(FaultFilterRows) {
		p := *params
		p.rejectAll = true
		params = &p
	}

	t0 := time.Now()
	res, se := process(tbl, params, bodies)
	rep.writeMs = ms(time.Since(t0))
	if res != nil {
		rep.total, rep.loaded, rep.filtered, rep.unselected = res.total, res.loaded, res.filtered, res.unselected
		if len(res.errLines) > 0 {
			rep.errorURL = e.saveErrorLog(res.errLines)
		}
		if se == nil && res.tooManyFiltered(params.maxFilterRatio) {
			se = newStatus(codeInternalError, "too many filtered rows")
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	c.busy = false
	if c.aborted != "" {
		rep.st = newStatus(codeAborted, "%s", c.aborted)
		return rep
	}
	if se != nil {
		e.abortCtxLocked(c, se.msg)
		rep.st = se
		return rep
	}
	t0 = time.Now()
	if prepare {
		c.txn.preparedTimeoutSecs = preparedSecs
		e.prepareLocked(c.txn, res, preparedTimeout)
	} else if se := e.commitLocked(c.txn, res, e.publishWaitLocked(f)); se != nil {
		e.abortCtxLocked(c, se.msg)
		rep.st = se
		return rep
	}
	delete(e.beCtxs, label) // PREPARED needs no BE context (§3.4)
	rep.commitMs = ms(time.Since(t0))
	rep.txnID = c.txn.id
	rep.loadBytes = c.totalReceived
	rep.loadMs = ms(e.now().Sub(c.began))
	switch {
	case prepare:
	case f.is(FaultPublishTimeout):
		rep.st = newStatus(codePublishTimeout, "transaction commit successfully, BUT data will be visible later")
	case f.is(FaultCommitFailsAfterCommit):
		rep.st = newStatus(codeInternalError, "%s", injectedCommitFailure)
	}
	return rep
}

// beTxnRollback is TransactionMgr::rollback_transaction.
func (e *Emulator) beTxnRollback(label, db string) *txnReply {
	rep := &txnReply{op: "rollback", label: label}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sweepLocked(e.now())
	c := e.beCtxs[label]
	switch {
	case c == nil:
		rep.st = newStatus(codeTxnNotExists, "transaction with label %s not exists", label)
	case c.db != db:
		rep.st = newStatus(codeInvalidArgument, "request db %s transaction db %s not match", db, c.db)
	default:
		e.abortCtxLocked(c, "transaction is aborted by user.")
	}
	return rep
}

// beTxnList is POST /api/transaction/list: the BE's live contexts.
func (e *Emulator) beTxnList(w http.ResponseWriter) {
	e.mu.Lock()
	var objs [][]byte
	for _, c := range e.beCtxs {
		objs = append(objs, prettyJSON([]kv{{"InProcessing", c.busy}, {"Label", c.label}, {"TxnId", c.txn.id},
			{"LoadBytes", c.totalReceived}, {"BeginTimestamp", c.began.Unix()}, {"LastActiveTimestamp", c.lastActive.Unix()},
			{"TransactionTimeoutSec", int64(c.timeout / time.Second)}, {"IdleTransactionTimeoutSec", int64(c.idleTimeout / time.Second)}}))
	}
	e.mu.Unlock()
	body := "[" + strings.Join(func() []string {
		s := make([]string, len(objs))
		for i, o := range objs {
			s[i] = string(o)
		}
		return s
	}(), ",") + "]"
	writeJSON(w, http.StatusOK, []byte(body))
}
