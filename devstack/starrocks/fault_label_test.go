package starrocks

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Config.Clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startEmuCfg is startEmu with a Config, plus the duplicate-key table d.
func startEmuCfg(t *testing.T, cfg Config) *Emulator {
	t.Helper()
	e, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	if err := e.CreateDatabase("db"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, "t", []Column{
		{Name: "id", Type: "BIGINT"},
		{Name: "name", Type: "VARCHAR(10)", Nullable: true},
		{Name: "score", Type: "INT", Nullable: true},
	}, "id")
	dupTable(t, e)
	return e
}

// beStatus sends a Stream Load through the FE and returns the BE's HTTP
// status and body.
func (c *client) beStatus(table, label, body string) (int, string) {
	c.t.Helper()
	h := hdr{"label": label, "format": "json"}
	code, rh, b, err := c.do(c.newReq(http.MethodPut, c.e.FEURL()+"/api/db/"+table+"/_stream_load", h, []byte(body)))
	if err != nil || code != http.StatusTemporaryRedirect {
		c.t.Fatalf("FE: %d %s %v", code, b, err)
	}
	code, _, b, err = c.do(c.newReq(http.MethodPut, rh.Get("Location"), h, []byte(body)))
	if err != nil {
		c.t.Fatalf("BE: %v", err)
	}
	return code, string(b)
}

func wantState(t *testing.T, c *client, label, want string) map[string]any {
	t.Helper()
	st := c.loadState(label)
	if st["state"] != want {
		t.Fatalf("get_load_state(%s) = %v, want %s", label, st, want)
	}
	return st
}

// FaultBE5xx: a 5xx from the BE's address; nothing begun, the label free.
// It can be aimed at one label and at the n-th matching request (Skip).
func TestFaultBE5xxPerLabelAndSkip(t *testing.T) {
	e := startEmu(t)
	dupTable(t, e)
	c := newClient(t, e)
	e.Inject(Fault{Op: "stream_load", Label: "x", Skip: 1, Times: 1, Kind: FaultBE5xx, Code: http.StatusServiceUnavailable})
	if code, b := c.beStatus("d", "y", `{"id":1}`); code != 200 || !strings.Contains(b, `"Success"`) {
		t.Fatalf("another label was hit: %d %s", code, b)
	}
	// The first request with label x is skipped: it fails on its own (bad
	// data), which leaves the label free.
	if code, b := c.beStatus("d", "x", `{"name":"no id"}`); code != 200 || !strings.Contains(b, "too many filtered rows") {
		t.Fatalf("skipped request: %d %s", code, b)
	}
	code, b := c.beStatus("d", "x", `{"id":2}`)
	if code != http.StatusServiceUnavailable || !strings.Contains(b, "FaultBE5xx") {
		t.Fatalf("want 503 from the BE, got %d %s", code, b)
	}
	wantState(t, c, "x", "ABORTED") // still the aborted first attempt: the 503 began nothing
	if code, b := c.beStatus("d", "x", `{"id":2}`); code != 200 || !strings.Contains(b, `"Success"`) {
		t.Fatalf("after the fault wore off: %d %s", code, b)
	}
	wantRows(t, e, "d", []string{"id"}, "1", "2")

	// On a transaction op executed by the BE; default code 500.
	e.Inject(Fault{Op: "begin", Times: 1, Kind: FaultBE5xx})
	code, rh, _, err := c.do(c.newReq(http.MethodPost, e.FEURL()+"/api/transaction/begin", hdr{"db": "db", "table": "d", "label": "tx"}, nil))
	if err != nil || code != http.StatusTemporaryRedirect {
		t.Fatalf("FE begin: %d %v", code, err)
	}
	code, _, _, err = c.do(c.newReq(http.MethodPost, rh.Get("Location"), hdr{"db": "db", "table": "d", "label": "tx"}, nil))
	if err != nil || code != http.StatusInternalServerError {
		t.Fatalf("BE begin: want 500, got %d %v", code, err)
	}
	wantState(t, c, "tx", "UNKNOWN")

	// FaultHTTP500 with another 5xx, at the FE, for one label only.
	e.Inject(Fault{Op: "stream_load", Label: "g", Times: 1, Kind: FaultHTTP500, Code: http.StatusBadGateway})
	code, _, b2, err := c.do(c.newReq(http.MethodPut, e.FEURL()+"/api/db/d/_stream_load", hdr{"label": "g"}, []byte(`{"id":3}`)))
	if err != nil || code != http.StatusBadGateway || !strings.Contains(string(b2), "FAILED") {
		t.Fatalf("FE: want 502, got %d %s %v", code, b2, err)
	}
}

func TestInjectRefusesBadSkipAndCode(t *testing.T) {
	e := startEmu(t)
	for _, f := range []Fault{
		{Op: "stream_load", Times: 1, Kind: FaultBE5xx, Skip: -1},
		{Op: "stream_load", Times: 1, Kind: FaultBE5xx, Code: 404},
		{Op: "stream_load", Times: 1, Kind: FaultFail, Message: "m", Code: 500},
		{Op: "get_load_state", Times: 1, Kind: FaultBE5xx},
		{Op: "stream_load", Times: 1, Kind: FaultPublishTimeout, Delay: -time.Second},
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

// Label Already Exists for each state that holds a label, get_load_state
// for each state, and the reuse of an ABORTED label (DTM beginTransaction:
// only a non-ABORTED transaction blocks a label).
func TestLabelStates(t *testing.T) {
	clk := newFakeClock()
	e := startEmuCfg(t, Config{Clock: clk.Now})
	c := newClient(t, e)

	wantState(t, c, "never", "UNKNOWN")

	// PREPARE: a load still running after its client was cut off.
	e.Inject(Fault{Op: "stream_load", Label: "run", Times: 1, Kind: FaultResetRunning, Delay: time.Hour})
	code, rh, _, err := c.do(c.newReq(http.MethodPut, e.FEURL()+"/api/db/d/_stream_load", hdr{"label": "run", "format": "json"}, []byte(`{"id":1}`)))
	if err != nil || code != http.StatusTemporaryRedirect {
		t.Fatalf("FE: %d %v", code, err)
	}
	if _, _, b, err := c.do(c.newReq(http.MethodPut, rh.Get("Location"), hdr{"label": "run", "format": "json"}, []byte(`{"id":1}`))); err == nil {
		t.Fatalf("want a reset, got %s", b)
	}
	wantState(t, c, "run", "PREPARE")
	m := c.streamLoad("d", hdr{"label": "run", "format": "json"}, `{"id":1}`)
	wantStatus(t, m, "Label Already Exists")
	if m["ExistingJobStatus"] != "RUNNING" {
		t.Fatalf("%v", m)
	}

	// PREPARED: a prepared transaction holds its label too.
	wantStatus(t, c.txn("begin", hdr{"table": "d", "label": "pp"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "d", "label": "pp", "format": "json"}, `{"id":2}`), "OK")
	wantStatus(t, c.txn("prepare", hdr{"label": "pp"}, ""), "OK")
	wantState(t, c, "pp", "PREPARED")
	m = c.streamLoad("d", hdr{"label": "pp", "format": "json"}, `{"id":2}`)
	wantStatus(t, m, "Label Already Exists")
	if m["ExistingJobStatus"] != "RUNNING" {
		t.Fatalf("%v", m)
	}

	// COMMITTED: Publish Timeout; VISIBLE once the clock passes the delay.
	e.Inject(Fault{Op: "stream_load", Label: "pub", Times: 1, Kind: FaultPublishTimeout, Delay: time.Minute})
	wantStatus(t, c.streamLoad("d", hdr{"label": "pub", "format": "json"}, `{"id":3}`), "Publish Timeout")
	wantState(t, c, "pub", "COMMITTED")
	m = c.streamLoad("d", hdr{"label": "pub", "format": "json"}, `{"id":3}`)
	wantStatus(t, m, "Label Already Exists")
	if m["ExistingJobStatus"] != "FINISHED" {
		t.Fatalf("%v", m)
	}
	clk.Advance(time.Minute - time.Second)
	wantState(t, c, "pub", "COMMITTED")
	clk.Advance(time.Second)
	wantState(t, c, "pub", "VISIBLE")
	m = c.streamLoad("d", hdr{"label": "pub", "format": "json"}, `{"id":3}`)
	wantStatus(t, m, "Label Already Exists")
	if m["ExistingJobStatus"] != "FINISHED" {
		t.Fatalf("%v", m)
	}

	// ABORTED: the label may be used again, and the new txn is the one
	// get_load_state reports.
	wantStatus(t, c.streamLoad("d", hdr{"label": "ab", "format": "json"}, `{"name":"no id"}`), "Fail")
	if st := wantState(t, c, "ab", "ABORTED"); st["reason"] == nil {
		t.Fatalf("no reason: %v", st)
	}
	wantStatus(t, c.streamLoad("d", hdr{"label": "ab", "format": "json"}, `{"id":4}`), "Success")
	wantState(t, c, "ab", "VISIBLE")
	// A rolled-back transaction frees its label as well.
	wantStatus(t, c.txn("rollback", hdr{"label": "pp"}, ""), "OK")
	wantState(t, c, "pp", "ABORTED")
	wantStatus(t, c.streamLoad("d", hdr{"label": "pp", "format": "json"}, `{"id":2}`), "Success")

	wantRows(t, e, "d", []string{"id"}, "2", "3", "4")
}

// The client sees a transport error, yet the load committed: only
// get_load_state (or the label's Label Already Exists) tells.
func TestResetAfterCommitIsVisible(t *testing.T) {
	e := startEmu(t)
	dupTable(t, e)
	c := newClient(t, e)
	e.Inject(Fault{Op: "stream_load", Label: "rc", Times: 1, Kind: FaultResetAfterBody})
	code, rh, _, err := c.do(c.newReq(http.MethodPut, e.FEURL()+"/api/db/d/_stream_load", hdr{"label": "rc", "format": "json"}, []byte(`{"id":1}`)))
	if err != nil || code != http.StatusTemporaryRedirect {
		t.Fatalf("FE: %d %v", code, err)
	}
	if _, _, b, err := c.do(c.newReq(http.MethodPut, rh.Get("Location"), hdr{"label": "rc", "format": "json"}, []byte(`{"id":1}`))); err == nil {
		t.Fatalf("want a connection error, got %s", b)
	}
	wantState(t, c, "rc", "VISIBLE")
	// A client that resends under the same label stores nothing twice; one
	// that picks a new label duplicates the row.
	m := c.streamLoad("d", hdr{"label": "rc", "format": "json"}, `{"id":1}`)
	wantStatus(t, m, "Label Already Exists")
	wantDuplicates(t, e, "d", 0)
	wantStatus(t, c.streamLoad("d", hdr{"label": "rc2", "format": "json"}, `{"id":1}`), "Success")
	wantDuplicates(t, e, "d", 1)
}

// Label retention: a finished label is forgotten label_keep_max_second
// after it finished (default 3 days); after that a resend under the same
// label loads again, which a duplicate-key table shows as a duplicate.
func TestLabelRetention(t *testing.T) {
	clk := newFakeClock()
	e := startEmuCfg(t, Config{Clock: clk.Now})
	c := newClient(t, e)
	wantStatus(t, c.streamLoad("d", hdr{"label": "old", "format": "json"}, `{"id":1}`), "Success")
	clk.Advance(259200 * time.Second)
	wantState(t, c, "old", "VISIBLE") // exactly 3 days: still kept
	wantStatus(t, c.streamLoad("d", hdr{"label": "old", "format": "json"}, `{"id":1}`), "Label Already Exists")
	clk.Advance(time.Second)
	if l := e.Labels("db"); len(l) != 0 {
		t.Fatalf("labels kept: %v", l)
	}
	wantState(t, c, "old", "UNKNOWN")
	if l := e.Labels("db"); len(l) != 0 {
		t.Fatalf("labels kept: %v", l)
	}
	wantStatus(t, c.streamLoad("d", hdr{"label": "old", "format": "json"}, `{"id":1}`), "Success")
	wantDuplicates(t, e, "d", 1)

	// Configured retention, by time and by count.
	clk2 := newFakeClock()
	e2 := startEmuCfg(t, Config{Clock: clk2.Now, LabelKeepMax: time.Hour, LabelKeepMaxNum: 2})
	c2 := newClient(t, e2)
	for _, l := range []string{"a", "b", "c"} {
		wantStatus(t, c2.streamLoad("d", hdr{"label": l, "format": "json"}, `{"id":1}`), "Success")
	}
	wantState(t, c2, "a", "UNKNOWN") // beyond 2 finished txns
	wantState(t, c2, "b", "VISIBLE")
	clk2.Advance(time.Hour + time.Second)
	wantState(t, c2, "c", "UNKNOWN")

	if _, err := Start(Config{LabelKeepMax: -time.Second}); err == nil {
		t.Fatal("negative LabelKeepMax accepted")
	}
}

// Transaction timeouts run on the emulator's clock too.
func TestTxnTimeoutOnClock(t *testing.T) {
	clk := newFakeClock()
	e := startEmuCfg(t, Config{Clock: clk.Now})
	c := newClient(t, e)
	wantStatus(t, c.txn("begin", hdr{"table": "d", "label": "slow", "timeout": "30"}, ""), "OK")
	clk.Advance(29 * time.Second)
	wantState(t, c, "slow", "PREPARE")
	clk.Advance(2 * time.Second)
	st := wantState(t, c, "slow", "ABORTED")
	if r, _ := st["reason"].(string); !strings.Contains(r, "timeout 30 seconds") {
		t.Fatalf("%v", st)
	}
}
