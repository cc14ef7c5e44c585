package starrocks

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaultHTTP500(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	e.Inject(Fault{Op: "stream_load", Table: "other", Times: 1, Kind: FaultHTTP500})
	e.Inject(Fault{Op: "stream_load", Table: "t", Times: 2, Kind: FaultHTTP500})
	for i := 0; i < 2; i++ {
		code, _, b, err := c.do(c.newReq(http.MethodPut, e.FEURL()+"/api/db/t/_stream_load", nil, []byte("1\ta\t1\n")))
		if err != nil || code != http.StatusInternalServerError || !strings.Contains(string(b), `"status":"FAILED"`) {
			t.Fatalf("attempt %d: %d %s %v", i, code, b, err)
		}
	}
	if len(rows(t, e, "t")) != 0 {
		t.Fatal("a 500 must do no work")
	}
	wantStatus(t, c.streamLoad("t", nil, "1\ta\t1\n"), "Success")
	// The fault for table "other" is still pending and only hits "other".
	mustCreate(t, e, "other", []Column{{Name: "id", Type: "INT"}}, "id")
	code, _, _, _ := c.do(c.newReq(http.MethodPut, e.FEURL()+"/api/db/other/_stream_load", nil, []byte("1\n")))
	if code != http.StatusInternalServerError {
		t.Fatalf("other: %d", code)
	}
	// Transaction ops and get_load_state go through the FE too.
	e.Inject(Fault{Op: "begin", Times: 1, Kind: FaultHTTP500})
	code, _, _, _ = c.do(c.newReq(http.MethodPost, e.FEURL()+"/api/transaction/begin", hdr{"db": "db", "table": "t", "label": "b1"}, nil))
	if code != http.StatusInternalServerError {
		t.Fatalf("begin: %d", code)
	}
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "b1"}, ""), "OK")
	e.Inject(Fault{Op: "get_load_state", Times: 1, Kind: FaultHTTP500})
	req, _ := http.NewRequest(http.MethodGet, e.FEURL()+"/api/db/get_load_state?label=b1", nil)
	req.SetBasicAuth("root", "")
	if code, _, _, _ := c.do(req); code != http.StatusInternalServerError {
		t.Fatalf("get_load_state: %d", code)
	}
	if st := c.loadState("b1"); st["state"] != "PREPARE" {
		t.Fatalf("%v", st)
	}
}

func TestFaultResetAfterBody(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	e.Inject(Fault{Op: "stream_load", Times: 1, Kind: FaultResetAfterBody})
	code, rh, _, err := c.do(c.newReq(http.MethodPut, e.FEURL()+"/api/db/t/_stream_load", hdr{"label": "r1"}, []byte("1\ta\t1\n")))
	if err != nil || code != http.StatusTemporaryRedirect {
		t.Fatalf("FE: %d %v", code, err)
	}
	_, _, b, err := c.do(c.newReq(http.MethodPut, rh.Get("Location"), hdr{"label": "r1"}, []byte("1\ta\t1\n")))
	if err == nil {
		t.Fatalf("want a connection error, got reply %s", b)
	}
	// The load was applied nonetheless; a retry with the same label learns it.
	wantRows(t, e, "t", []string{"id", "name"}, "1|a")
	if st := c.loadState("r1"); st["state"] != "VISIBLE" {
		t.Fatalf("%v", st)
	}
	m := c.streamLoad("t", hdr{"label": "r1"}, "1\ta\t1\n")
	wantStatus(t, m, "Label Already Exists")
	if m["ExistingJobStatus"] != "FINISHED" || e.Stats("db", "t").Loads != 1 {
		t.Fatalf("%v", m)
	}

	// Transaction commit: the FE redirects (PREPARE), the BE commits and resets.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "r2"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "r2"}, "2\tb\t2\n"), "OK")
	e.Inject(Fault{Op: "commit", Table: "t", Times: 1, Kind: FaultResetAfterBody})
	code, rh, _, err = c.do(c.newReq(http.MethodPost, e.FEURL()+"/api/transaction/commit", hdr{"db": "db", "label": "r2"}, nil))
	if err != nil || code != http.StatusTemporaryRedirect {
		t.Fatalf("FE commit: %d %v", code, err)
	}
	if _, _, b, err := c.do(c.newReq(http.MethodPost, rh.Get("Location"), hdr{"db": "db", "label": "r2"}, nil)); err == nil {
		t.Fatalf("want a connection error, got %s", b)
	}
	if st := c.loadState("r2"); st["state"] != "VISIBLE" {
		t.Fatalf("%v", st)
	}
	wantRows(t, e, "t", []string{"id"}, "1", "2")

	// get_load_state on a fresh connection (GET would be retried on a reused one).
	e.Inject(Fault{Op: "get_load_state", Times: 1, Kind: FaultResetAfterBody})
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, e.FEURL()+"/api/db/get_load_state?label=r2", nil)
	req.SetBasicAuth("root", "")
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("want a connection error, got %d", resp.StatusCode)
	}
}

func TestFaultSlow(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	e.Inject(Fault{Op: "stream_load", Times: 2, Kind: FaultSlow, Delay: 400 * time.Millisecond})
	// A client that gives up before the reply: the load is applied anyway.
	impatient := newClient(t, e)
	impatient.hc.Timeout = 100 * time.Millisecond
	_, _, _, err := impatient.do(impatient.newReq(http.MethodPut, e.BEURL()+"/api/db/t/_stream_load", hdr{"label": "s1"}, []byte("1\ta\t1\n")))
	var ne interface{ Timeout() bool }
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a client timeout, got %v", err)
	}
	if st := c.loadState("s1"); st["state"] != "VISIBLE" {
		t.Fatalf("the work is done before the delay: %v", st)
	}
	start := time.Now()
	m := c.streamLoad("t", hdr{"label": "s2"}, "2\tb\t2\n")
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("reply after %v, want >= 400ms", d)
	}
	wantStatus(t, m, "Success")
	start = time.Now()
	wantStatus(t, c.streamLoad("t", hdr{"label": "s3"}, "3\tc\t3\n"), "Success")
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Fatalf("fault used more than Times: %v", d)
	}
}

func TestFaultPublishTimeout(t *testing.T) {
	e := startEmu(t)
	e.mu.Lock()
	e.publishDelay = 300 * time.Millisecond
	e.mu.Unlock()
	c := newClient(t, e)
	e.Inject(Fault{Op: "stream_load", Times: 1, Kind: FaultPublishTimeout})
	m := c.streamLoad("t", hdr{"label": "p1"}, "1\ta\t1\n")
	wantStatus(t, m, "Publish Timeout")
	wantMessage(t, m, "data will be visible later")
	if st := c.loadState("p1"); st["state"] != "COMMITTED" {
		t.Fatalf("%v", st)
	}
	wantRows(t, e, "t", []string{"id"}, "1")
	m = c.streamLoad("t", hdr{"label": "p1"}, "1\ta\t1\n")
	if m["Status"] != "Label Already Exists" || m["ExistingJobStatus"] != "FINISHED" {
		t.Fatalf("%v", m)
	}
	time.Sleep(350 * time.Millisecond)
	if st := c.loadState("p1"); st["state"] != "VISIBLE" {
		t.Fatalf("%v", st)
	}
	// Transaction commit on the BE answers PUBLISH_TIMEOUT.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "p2"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "p2"}, "2\tb\t2\n"), "OK")
	e.Inject(Fault{Op: "commit", Times: 1, Kind: FaultPublishTimeout})
	m = c.txn("commit", hdr{"label": "p2"}, "")
	wantStatus(t, m, "PUBLISH_TIMEOUT")
	if st := c.loadState("p2"); st["state"] != "COMMITTED" {
		t.Fatalf("%v", st)
	}
	m = c.txn("commit", hdr{"label": "p2"}, "")
	wantStatus(t, m, "OK")
	wantMessage(t, m, "has already committed")
	if s := e.Stats("db", "t"); s.Loads != 2 {
		t.Fatalf("%+v", s)
	}
}

func TestFaultCommitFailsAfterCommit(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	e.Inject(Fault{Op: "stream_load", Times: 1, Kind: FaultCommitFailsAfterCommit})
	m := c.streamLoad("t", hdr{"label": "c1"}, "1\ta\t1\n")
	wantStatus(t, m, "Fail")
	if st := c.loadState("c1"); st["state"] != "VISIBLE" {
		t.Fatalf("%v", st)
	}
	wantRows(t, e, "t", []string{"id"}, "1")
	m = c.streamLoad("t", hdr{"label": "c1"}, "1\ta\t1\n")
	if m["Status"] != "Label Already Exists" || m["ExistingJobStatus"] != "FINISHED" || e.Stats("db", "t").Loads != 1 {
		t.Fatalf("%v", m)
	}
	// Commit of a PREPARED txn on the FE.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "c2"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "c2"}, "2\tb\t2\n"), "OK")
	wantStatus(t, c.txn("prepare", hdr{"label": "c2"}, ""), "OK")
	e.Inject(Fault{Op: "commit", Table: "t", Times: 1, Kind: FaultCommitFailsAfterCommit})
	m = c.txn("commit", hdr{"label": "c2"}, "")
	wantStatus(t, m, "FAILED")
	if st := c.loadState("c2"); st["state"] != "VISIBLE" {
		t.Fatalf("%v", st)
	}
	// One-phase commit on the BE.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "c3"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "c3"}, "3\tc\t3\n"), "OK")
	e.Inject(Fault{Op: "commit", Times: 1, Kind: FaultCommitFailsAfterCommit})
	m = c.txn("commit", hdr{"label": "c3"}, "")
	wantStatus(t, m, "INTERNAL_ERROR")
	if st := c.loadState("c3"); st["state"] != "VISIBLE" {
		t.Fatalf("%v", st)
	}
	wantRows(t, e, "t", []string{"id"}, "1", "2", "3")
	if s := e.Stats("db", "t"); s.Loads != 3 {
		t.Fatalf("%+v", s)
	}
}

func TestInjectRejectsFaultsThatCannotAct(t *testing.T) {
	e := startEmu(t)
	for _, f := range []Fault{
		{Op: "nope", Times: 1, Kind: FaultHTTP500},
		{Op: "load", Times: 0, Kind: FaultHTTP500},
		{Op: "load", Times: 1, Kind: FaultSlow},
		{Op: "prepare", Times: 1, Kind: FaultPublishTimeout},
		{Op: "get_load_state", Times: 1, Kind: FaultCommitFailsAfterCommit},
		{Op: "load", Times: 1, Kind: FaultKind(99)},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Inject(%+v) did not panic", f)
				}
			}()
			e.Inject(f)
		}()
	}
}
