package starrocks

import (
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestTxnBeginLoadLoadPrepareCommitMakesOneVersion(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	// begin: FE answers 307 to the BE.
	code, rh, _, err := c.do(c.newReq(http.MethodPost, e.FEURL()+"/api/transaction/begin", hdr{"db": "db", "table": "t", "label": "tx1"}, nil))
	if err != nil || code != http.StatusTemporaryRedirect || rh.Get("Location") != e.BEURL()+"/api/transaction/begin" {
		t.Fatalf("begin via FE: %d %q %v", code, rh.Get("Location"), err)
	}
	code, _, raw, err := c.do(c.newReq(http.MethodPost, rh.Get("Location"), hdr{"db": "db", "table": "t", "label": "tx1"}, nil))
	if err != nil || code != 200 {
		t.Fatalf("begin: %d %v", code, err)
	}
	keyOrder(t, raw, "Status", "Message", "Label", "TxnId", "BeginTxnTimeMs")
	m := decodeJSON(t, raw)
	wantStatus(t, m, "OK")
	txnID := num(t, m, "TxnId")

	body1 := `{"id":1,"name":"a"}{"id":2,"name":"b"}`
	m = c.txn("load", hdr{"table": "t", "label": "tx1", "format": "json"}, body1)
	wantStatus(t, m, "OK")
	if num(t, m, "TxnId") != txnID || num(t, m, "LoadBytes") != int64(len(body1)) || m["Label"] != "tx1" {
		t.Fatalf("load: %v", m)
	}
	m = c.txn("load", hdr{"table": "t", "label": "tx1", "format": "json"}, `{"id":3,"name":"c"}{"id":1,"__op":1}`)
	wantStatus(t, m, "OK")
	if len(rows(t, e, "t")) != 0 || e.Stats("db", "t").Loads != 0 {
		t.Fatal("data must not be visible before commit")
	}
	if st := c.loadState("tx1"); st["state"] != "PREPARE" {
		t.Fatalf("%v", st)
	}
	m = c.txn("prepare", hdr{"label": "tx1"}, "")
	wantStatus(t, m, "OK")
	if num(t, m, "NumberTotalRows") != 4 || num(t, m, "NumberLoadedRows") != 4 || num(t, m, "TxnId") != txnID {
		t.Fatalf("prepare: %v", m)
	}
	if st := c.loadState("tx1"); st["state"] != "PREPARED" || len(rows(t, e, "t")) != 0 {
		t.Fatalf("%v", st)
	}
	// A load after prepare: the BE context is gone.
	m = c.txn("load", hdr{"table": "t", "label": "tx1", "format": "json"}, `{"id":9}`)
	wantStatus(t, m, "TXN_NOT_EXISTS")
	wantMessage(t, m, "Transaction with label tx1 not exists")

	// Commit of a PREPARED txn is done by the FE itself.
	code, _, raw, err = c.do(c.newReq(http.MethodPost, e.FEURL()+"/api/transaction/commit", hdr{"db": "db", "label": "tx1"}, nil))
	if err != nil || code != 200 {
		t.Fatalf("commit: %d %v", code, err)
	}
	if want := `{"TxnId":` + itoa(txnID) + `,"Label":"tx1","Status":"OK","Message":""}`; string(raw) != want {
		t.Fatalf("commit reply %s, want %s", raw, want)
	}
	wantRows(t, e, "t", []string{"id", "name"}, "2|b", "3|c")
	if s := e.Stats("db", "t"); s.Loads != 1 || s.LoadedRows != 4 || s.DeletedRows != 1 {
		t.Fatalf("stats %+v", s)
	}
	if st := c.loadState("tx1"); st["state"] != "VISIBLE" {
		t.Fatalf("%v", st)
	}
	m = c.txn("commit", hdr{"label": "tx1"}, "")
	wantStatus(t, m, "OK")
	wantMessage(t, m, "Transaction "+itoa(txnID)+" has already committed, label is tx1")
	m = c.txn("rollback", hdr{"label": "tx1"}, "")
	wantStatus(t, m, "FAILED")
	wantMessage(t, m, "Can not abort VISIBLE transaction "+itoa(txnID)+", label is tx1")
	if e.Stats("db", "t").Loads != 1 {
		t.Fatal("a commit retry must not make another version")
	}
	// The label is now FINISHED for begin.
	m = c.txn("begin", hdr{"table": "t", "label": "tx1"}, "")
	wantStatus(t, m, "LABEL_ALREADY_EXISTS")
	if m["ExistingJobStatus"] != "FINISHED" || m["Message"] != "Label [tx1] has already been used." {
		t.Fatalf("%v", m)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTxnOnePhaseCommitOnBEWithCSV(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "csv1"}, ""), "OK")
	// CSV loads feed one pipe: records must end with the row delimiter.
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "csv1"}, "1\ta\t1\n2\tb"), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "csv1"}, "\t2\n3\tc\t3\n"), "OK")
	// commit on a PREPARE txn: the FE redirects to the BE (one-phase).
	code, rh, _, err := c.do(c.newReq(http.MethodPost, e.FEURL()+"/api/transaction/commit", hdr{"db": "db", "label": "csv1"}, nil))
	if err != nil || code != http.StatusTemporaryRedirect {
		t.Fatalf("%d %v", code, err)
	}
	_, _, raw, err := c.do(c.newReq(http.MethodPost, rh.Get("Location"), hdr{"db": "db", "label": "csv1"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	keyOrder(t, raw, "Status", "Message", "Label", "TxnId", "NumberTotalRows", "NumberLoadedRows", "NumberFilteredRows",
		"NumberUnselectedRows", "LoadBytes", "LoadTimeMs", "StreamLoadPlanTimeMs", "ReceivedDataTimeMs", "WriteDataTimeMs", "CommitAndPublishTimeMs")
	m := decodeJSON(t, raw)
	wantStatus(t, m, "OK")
	if num(t, m, "NumberLoadedRows") != 3 {
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "t", []string{"id", "name", "score"}, "1|a|1", "2|b|2", "3|c|3")
	if e.Stats("db", "t").Loads != 1 {
		t.Fatal("one txn = one version")
	}
	// The BE no longer knows the label.
	m = c.beTxn("commit", hdr{"label": "csv1"}, "")
	wantStatus(t, m, "TXN_NOT_EXISTS")
	wantMessage(t, m, "transaction with label csv1 not exists")
}

func TestTxnRollback(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	// Rollback of a PREPARE txn goes to the BE.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "rb1"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "rb1"}, "1\ta\t1\n"), "OK")
	_, _, raw, err := c.do(c.newReq(http.MethodPost, e.BEURL()+"/api/transaction/rollback", hdr{"db": "db", "label": "rb1"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != "{\n    \"Status\": \"OK\",\n    \"Message\": \"\",\n    \"Label\": \"rb1\"\n}" {
		t.Fatalf("rollback reply %s", raw)
	}
	if st := c.loadState("rb1"); st["state"] != "ABORTED" || st["reason"] != "transaction is aborted by user." {
		t.Fatalf("%v", st)
	}
	m := c.txn("rollback", hdr{"label": "rb1"}, "")
	wantStatus(t, m, "OK")
	wantMessage(t, m, "has already aborted, label is rb1")
	m = c.txn("commit", hdr{"label": "rb1"}, "")
	wantStatus(t, m, "FAILED")
	wantMessage(t, m, "Can not commit ABORTED transaction")
	if len(rows(t, e, "t")) != 0 {
		t.Fatal("rolled back data is visible")
	}
	// An aborted label can be begun again.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "rb1"}, ""), "OK")

	// Rollback of a PREPARED txn is done by the FE.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "rb2"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "rb2"}, "2\tb\t2\n"), "OK")
	wantStatus(t, c.txn("prepare", hdr{"label": "rb2"}, ""), "OK")
	m = c.txn("rollback", hdr{"label": "rb2"}, "")
	wantStatus(t, m, "OK")
	if m["Label"] != "rb2" || m["TxnId"] == nil {
		t.Fatalf("%v", m)
	}
	if st := c.loadState("rb2"); st["state"] != "ABORTED" {
		t.Fatalf("%v", st)
	}
	if len(rows(t, e, "t")) != 0 || e.Stats("db", "t").Loads != 0 {
		t.Fatal("rolled back data is visible")
	}
}

func TestTxnLoadRequestNotEqualLast(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "ne1"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "ne1", "format": "json"}, `{"id":1}`), "OK")
	// max_filter_ratio is not part of the request comparison.
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "ne1", "format": "json", "max_filter_ratio": "0.5"}, `{"id":2}`), "OK")
	m := c.txn("load", hdr{"table": "t", "label": "ne1", "format": "json", "strip_outer_array": "true"}, `[{"id":3}]`)
	wantStatus(t, m, "INTERNAL_ERROR")
	if m["Message"] != "load request not equal last." {
		t.Fatalf("%v", m)
	}
	// The failed load rolled the txn back.
	if st := c.loadState("ne1"); st["state"] != "ABORTED" {
		t.Fatalf("%v", st)
	}
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "ne1", "format": "json"}, `{"id":4}`), "TXN_NOT_EXISTS")
}

func TestTxnDataErrorsSurfaceAtPrepareAndCommit(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "de1"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "de1", "format": "json"}, `{"id":1}{"name":"no key"}`), "OK")
	m := c.txn("prepare", hdr{"label": "de1"}, "")
	wantStatus(t, m, "INTERNAL_ERROR")
	if m["Message"] != "too many filtered rows" || m["ErrorURL"] == nil || m["Label"] != nil {
		t.Fatalf("%v", m)
	}
	if st := c.loadState("de1"); st["state"] != "ABORTED" {
		t.Fatalf("%v", st)
	}
	// Malformed JSON is accepted by load and fails at commit.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "de2"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "de2", "format": "json"}, `{"id":`), "OK")
	m = c.txn("commit", hdr{"label": "de2"}, "")
	wantStatus(t, m, "DATA_QUALITY_ERROR")
	if st := c.loadState("de2"); st["state"] != "ABORTED" {
		t.Fatalf("%v", st)
	}
	// max_filter_ratio from the first load applies.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "de3"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "de3", "format": "json", "max_filter_ratio": "0.5"}, `{"id":1}{"name":"no key"}`), "OK")
	m = c.txn("commit", hdr{"label": "de3"}, "")
	wantStatus(t, m, "OK")
	if num(t, m, "NumberFilteredRows") != 1 || m["ErrorURL"] == nil {
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "t", []string{"id"}, "1")
}

func TestTxnInProcessing(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	wantStatus(t, c.beTxn("begin", hdr{"table": "t", "label": "ip1"}, ""), "OK")
	pr, pw := io.Pipe()
	done := make(chan []byte, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPut, e.BEURL()+"/api/transaction/load", pr)
		req.SetBasicAuth("root", "")
		req.Header.Set("Expect", "100-continue")
		req.Header.Set("db", "db")
		req.Header.Set("table", "t")
		req.Header.Set("label", "ip1")
		_, _, b, err := c.do(req)
		if err != nil {
			b = []byte(err.Error())
		}
		done <- b
	}()
	// Once the first chunk is consumed, the load holds the context.
	if _, err := pw.Write([]byte("1\ta\t1\n")); err != nil {
		t.Fatal(err)
	}
	m := c.beTxn("load", hdr{"table": "t", "label": "ip1"}, "2\tb\t2\n")
	wantStatus(t, m, "TXN_IN_PROCESSING")
	if m["Label"] != "ip1" || m["Message"] != "Transaction is in processing" {
		t.Fatalf("%v", m)
	}
	wantStatus(t, c.beTxn("commit", hdr{"label": "ip1"}, ""), "TXN_IN_PROCESSING")
	pw.Close()
	first := decodeJSON(t, <-done)
	wantStatus(t, first, "OK")
	wantStatus(t, c.beTxn("commit", hdr{"label": "ip1"}, ""), "OK")
	wantRows(t, e, "t", []string{"id"}, "1")
}

func TestTxnErrors(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	m := c.txn("load", hdr{"table": "t", "label": "nonode"}, "1\ta\t1\n")
	wantStatus(t, m, "FAILED")
	wantMessage(t, m, "Transaction with op[load] and label[nonode] has no node.")
	m = c.txn("commit", hdr{"label": "nonode"}, "")
	wantStatus(t, m, "FAILED")
	wantMessage(t, m, "No transaction found by label nonode")
	m = c.txn("commit", hdr{"label": ""}, "")
	wantStatus(t, m, "FAILED")
	wantMessage(t, m, "Empty label.")
	m = c.txn("commit", hdr{"label": "x", "db": "nope"}, "")
	wantStatus(t, m, "FAILED")
	wantMessage(t, m, "Database[nope] does not exist.")
	m = c.beTxn("begin", hdr{"table": "t", "label": ""}, "")
	wantStatus(t, m, "INVALID_ARGUMENT")
	wantMessage(t, m, "empty label")
	m = c.beTxn("begin", hdr{"table": "nope", "label": "e0"}, "")
	wantStatus(t, m, "ANALYSIS_ERROR")
	wantMessage(t, m, `unknown table "db.nope"`)

	// Prepare/commit without data.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "e1"}, ""), "OK")
	m = c.txn("commit", hdr{"label": "e1"}, "")
	wantStatus(t, m, "INTERNAL_ERROR")
	wantMessage(t, m, "hasn't send any data yet")
	if st := c.loadState("e1"); st["state"] != "ABORTED" {
		t.Fatalf("%v", st)
	}

	// A label live on the BE.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "e2"}, ""), "OK")
	m = c.beTxn("begin", hdr{"table": "t", "label": "e2"}, "")
	wantStatus(t, m, "LABEL_ALREADY_EXISTS")
	if m["ExistingJobStatus"] != "" || m["Message"] != "" {
		t.Fatalf("%v", m)
	}
	m = c.txn("load", hdr{"table": "other", "label": "e2"}, "")
	wantStatus(t, m, "INVALID_ARGUMENT")
	wantMessage(t, m, "Request table other not equal transaction table t")
	m = c.beTxn("prepare", hdr{"label": "e2", "prepared_timeout": "-3"}, "")
	wantStatus(t, m, "INVALID_ARGUMENT")
	wantMessage(t, m, "Invalid prepared_timeout: -3")
	m = c.beTxn("commit", hdr{"label": "e2", "db": "db2"}, "")
	wantStatus(t, m, "INVALID_ARGUMENT")
	wantMessage(t, m, "request db db2 transaction db db not match")
	// None of the refused requests aborted e2.
	if st := c.loadState("e2"); st["state"] != "PREPARE" {
		t.Fatalf("%v", st)
	}
	// A label held by a PREPARE txn in the same db (begun elsewhere): RUNNING.
	e.mu.Lock()
	delete(e.beCtxs, "e2") // as if another BE held the context
	e.mu.Unlock()
	m = c.beTxn("begin", hdr{"table": "t", "label": "e2"}, "")
	wantStatus(t, m, "LABEL_ALREADY_EXISTS")
	if m["ExistingJobStatus"] != "RUNNING" {
		t.Fatalf("%v", m)
	}
}

func TestTxnTimeouts(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "to1", "timeout": "1"}, ""), "OK")
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "to2", "idle_transaction_timeout": "1"}, ""), "OK")
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "to3"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "to3"}, "1\ta\t1\n"), "OK")
	wantStatus(t, c.txn("prepare", hdr{"label": "to3", "prepared_timeout": "1"}, ""), "OK")
	time.Sleep(1100 * time.Millisecond)
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "to1"}, "1\ta\t1\n"), "TXN_NOT_EXISTS")
	if st := c.loadState("to1"); st["state"] != "ABORTED" || st["reason"] != "transaction is aborted by timeout 1 seconds." {
		t.Fatalf("%v", st)
	}
	if st := c.loadState("to2"); st["state"] != "ABORTED" || st["reason"] != "transaction is aborted by idle timeout 1 seconds." {
		t.Fatalf("%v", st)
	}
	m := c.txn("commit", hdr{"label": "to3"}, "")
	wantStatus(t, m, "FAILED")
	wantMessage(t, m, "Can not commit ABORTED transaction")
	if len(rows(t, e, "t")) != 0 {
		t.Fatal("expired txn data is visible")
	}
}
