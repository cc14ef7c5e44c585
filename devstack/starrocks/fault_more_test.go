package starrocks

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pierrec/lz4/v4"
)

func TestFaultFail(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	const msg = "current running txns on db 10 is 1000, larger than limit 1000"
	e.Inject(Fault{Op: "stream_load", Times: 1, Kind: FaultFail, Message: msg})
	m := c.streamLoad("t", hdr{"label": "f1"}, "1\ta\t1\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, msg)
	if len(rows(t, e, "t")) != 0 {
		t.Fatal("a failed load applied rows")
	}
	wantStatus(t, c.streamLoad("t", hdr{"label": "f1"}, "1\ta\t1\n"), "Success") // the label stayed free
	// A failed load call rolls its transaction back.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "f2"}, ""), "OK")
	e.Inject(Fault{Op: "load", Times: 1, Kind: FaultFail, Message: "internal error"})
	m = c.txn("load", hdr{"table": "t", "label": "f2"}, "2\tb\t2\n")
	wantStatus(t, m, "INTERNAL_ERROR")
	wantMessage(t, m, "internal error")
	if st := c.loadState("f2"); st["state"] != "ABORTED" {
		t.Fatalf("%v", st)
	}
}

func TestFaultFilterRows(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	e.Inject(Fault{Op: "stream_load", Times: 1, Kind: FaultFilterRows})
	m := c.streamLoad("t", hdr{"label": "r1"}, "1\ta\t1\n2\tb\t2\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "too many filtered rows")
	if num(t, m, "NumberFilteredRows") != 2 || m["ErrorURL"] == nil {
		t.Fatalf("%v", m)
	}
	if len(rows(t, e, "t")) != 0 {
		t.Fatal("rows applied")
	}
	// In a transaction the data error surfaces at prepare, which rolls back.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "r2"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "r2"}, "3\tc\t3\n"), "OK")
	e.Inject(Fault{Op: "prepare", Times: 1, Kind: FaultFilterRows})
	m = c.txn("prepare", hdr{"label": "r2"}, "")
	wantStatus(t, m, "INTERNAL_ERROR")
	wantMessage(t, m, "too many filtered rows")
	if st := c.loadState("r2"); st["state"] != "ABORTED" {
		t.Fatalf("%v", st)
	}
	wantStatus(t, c.streamLoad("t", hdr{"label": "r3"}, "4\td\t4\n"), "Success")
}

func TestFaultInProcessing(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "i1"}, ""), "OK")
	e.Inject(Fault{Op: "load", Times: 1, Kind: FaultInProcessing})
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "i1"}, "1\ta\t1\n"), "TXN_IN_PROCESSING")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "i1"}, "1\ta\t1\n"), "OK")
	e.Inject(Fault{Op: "prepare", Times: 1, Kind: FaultInProcessing})
	wantStatus(t, c.txn("prepare", hdr{"label": "i1"}, ""), "TXN_IN_PROCESSING")
	wantStatus(t, c.txn("prepare", hdr{"label": "i1"}, ""), "OK")
	// The FE commits a PREPARED txn and never answers TXN_IN_PROCESSING:
	// the fault waits for a commit the BE executes.
	e.Inject(Fault{Op: "commit", Times: 1, Kind: FaultInProcessing})
	wantStatus(t, c.txn("commit", hdr{"label": "i1"}, ""), "OK")
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "i2"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "i2"}, "2\tb\t2\n"), "OK")
	wantStatus(t, c.txn("commit", hdr{"label": "i2"}, ""), "TXN_IN_PROCESSING")
	wantStatus(t, c.txn("commit", hdr{"label": "i2"}, ""), "OK")
	wantRows(t, e, "t", []string{"id"}, "1", "2")
}

func TestFaultDuplicate(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	e.Inject(Fault{Op: "stream_load", Times: 1, Kind: FaultDuplicate})
	m := c.streamLoad("t", hdr{"label": "d1"}, "1\ta\t1\n")
	if m["Status"] != "Label Already Exists" || m["ExistingJobStatus"] != "FINISHED" {
		t.Fatalf("%v", m)
	}
	if s := e.Stats("db", "t"); s.Loads != 1 || s.LoadedRows != 1 {
		t.Fatalf("%+v", s)
	}
	// A repeated prepare finds the context gone; the txn is PREPARED.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "d2"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "d2"}, "2\tb\t2\n"), "OK")
	e.Inject(Fault{Op: "prepare", Times: 1, Kind: FaultDuplicate})
	wantStatus(t, c.txn("prepare", hdr{"label": "d2"}, ""), "TXN_NOT_EXISTS")
	if st := c.loadState("d2"); st["state"] != "PREPARED" {
		t.Fatalf("%v", st)
	}
	// A repeated load call appends its rows twice.
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "d3"}, ""), "OK")
	e.Inject(Fault{Op: "load", Times: 1, Kind: FaultDuplicate})
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "d3"}, "3\tc\t3\n"), "OK")
	m = c.txn("commit", hdr{"label": "d3"}, "")
	wantStatus(t, m, "OK")
	if n := num(t, m, "NumberLoadedRows"); n != 2 {
		t.Fatalf("%d rows loaded, want the row twice", n)
	}
}

func TestFaultResetRunning(t *testing.T) {
	for _, abort := range []bool{false, true} {
		e := startEmu(t)
		c := newClient(t, e)
		f := Fault{Op: "stream_load", Times: 1, Kind: FaultResetRunning, Delay: 300 * time.Millisecond}
		want := "VISIBLE"
		if abort {
			f.Message, want = "load timed out", "ABORTED"
		}
		e.Inject(f)
		code, rh, _, err := c.do(c.newReq(http.MethodPut, e.FEURL()+"/api/db/t/_stream_load", hdr{"label": "g1"}, []byte("1\ta\t1\n")))
		if err != nil || code != http.StatusTemporaryRedirect {
			t.Fatalf("FE: %d %v", code, err)
		}
		if _, _, b, err := c.do(c.newReq(http.MethodPut, rh.Get("Location"), hdr{"label": "g1"}, []byte("1\ta\t1\n"))); err == nil {
			t.Fatalf("want a connection error, got reply %s", b)
		}
		if st := c.loadState("g1"); st["state"] != "PREPARE" {
			t.Fatalf("running load: %v", st)
		}
		m := c.streamLoad("t", hdr{"label": "g1"}, "1\ta\t1\n")
		if m["Status"] != "Label Already Exists" || m["ExistingJobStatus"] != "RUNNING" {
			t.Fatalf("%v", m)
		}
		time.Sleep(400 * time.Millisecond)
		if st := c.loadState("g1"); st["state"] != want {
			t.Fatalf("abort %v: %v", abort, st)
		}
		if n := len(rows(t, e, "t")); (n == 1) == abort {
			t.Fatalf("abort %v: %d rows", abort, n)
		}
		if abort {
			wantStatus(t, c.streamLoad("t", hdr{"label": "g1"}, "1\ta\t1\n"), "Success")
		}
	}
}

func TestCompressedBodies(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("1\ta\t1\n2\tb\t2\n"))
	zw.Close()
	var lz bytes.Buffer
	lw := lz4.NewWriter(&lz)
	lw.Write([]byte("3\tc\t3\n"))
	lw.Close()
	wantStatus(t, c.streamLoad("t", hdr{"label": "z1", "compression": "gzip"}, gz.String()), "Success")
	wantStatus(t, c.streamLoad("t", hdr{"label": "z2", "Content-Encoding": "LZ4_FRAME"}, lz.String()), "Success")
	wantStatus(t, c.txn("begin", hdr{"table": "t", "label": "z3"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "t", "label": "z3", "compression": "GZIP"}, gz.String()), "OK")
	m := c.txn("load", hdr{"table": "t", "label": "z3"}, "9\tz\t9\n")
	wantStatus(t, m, "INTERNAL_ERROR") // the compression differs from the first load call's
	wantMessage(t, m, "load request not equal last.")
	wantRows(t, e, "t", []string{"id"}, "1", "2", "3")
	for h, msg := range map[string]string{
		"zstd": "not supported by the emulator",
		"nope": "Unsupported compression type: nope",
	} {
		m := c.streamLoad("t", hdr{"compression": h}, "4\td\t4\n")
		wantStatus(t, m, "Fail")
		wantMessage(t, m, msg)
	}
	m = c.streamLoad("t", hdr{"compression": "gzip", "Content-Encoding": "gzip"}, gz.String())
	wantMessage(t, m, "Only one of http header content-encoding and compression can be set")
	m = c.streamLoad("t", hdr{"compression": "gzip"}, "not gzip")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "failed to decompress")
}

// TestHandlers: the handlers serve the same emulator from another server.
func TestHandlers(t *testing.T) {
	e := startEmu(t)
	fe, _ := e.Handlers()
	srv := httptest.NewServer(fe)
	defer srv.Close()
	c := newClient(t, e)
	code, rh, _, err := c.do(c.newReq(http.MethodPut, srv.URL+"/api/db/t/_stream_load", hdr{"label": "h1"}, []byte("1\ta\t1\n")))
	if err != nil || code != http.StatusTemporaryRedirect || !strings.HasPrefix(rh.Get("Location"), e.BEURL()) {
		t.Fatalf("%d %v %v", code, rh, err)
	}
	if st := c.loadState("h1"); st["state"] != "UNKNOWN" {
		t.Fatalf("%v", st)
	}
}

func TestInjectRejectsNewFaultsThatCannotAct(t *testing.T) {
	e := startEmu(t)
	for _, f := range []Fault{
		{Op: "stream_load", Times: 1, Kind: FaultFail}, // no Message
		{Op: "commit", Times: 1, Kind: FaultFail, Message: "x"},
		{Op: "load", Times: 1, Kind: FaultFilterRows},
		{Op: "stream_load", Times: 1, Kind: FaultInProcessing},
		{Op: "stream_load", Times: 1, Kind: FaultResetRunning}, // no Delay
		{Op: "commit", Times: 1, Kind: FaultResetRunning, Delay: time.Second},
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
