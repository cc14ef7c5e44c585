package loader

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pierrec/lz4/v4"
)

// fakeSR is a small FE/BE pair for tests: the FE authenticates, checks
// Expect and redirects; the BE parses bodies, keeps a label registry and
// applies rows atomically. Faults are injected per request.
type fakeSR struct {
	t      testing.TB
	fe, be *httptest.Server
	user   string
	pass   string
	db     string

	mu       sync.Mutex
	rows     map[string][]string // table → applied rows
	loads    map[string]int      // table → committed loads
	labels   map[string]string   // label → PREPARE, PREPARED, COMMITTED, VISIBLE, ABORTED
	faults   []*fault
	reqs     []beReq
	inflight map[string]int
	maxTable int // max concurrent loads seen on one table
	global   int
	maxGlob  int // max concurrent loads seen overall
	txns     map[string]*fakeTxn
	discard  bool // accept bodies without parsing (benchmarks)
	bytesIn  int64
}

type beReq struct {
	path   string
	header http.Header
	body   []byte
	clen   int64
	te     []string
}

// fault kinds
const (
	fkFE500         = "fe500"         // FE answers HTTP 500
	fkFail          = "fail"          // BE answers Fail with msg
	fkFiltered      = "filtered"      // BE answers too many filtered rows + ErrorURL
	fkReset         = "reset"         // BE commits, then drops the connection
	fkPublish       = "publish"       // BE commits and answers Publish Timeout
	fkResetRunning  = "resetRunning"  // BE leaves the label running, drops the connection; it commits later
	fkResetAborting = "resetAborting" // BE leaves the label running, drops the connection; it aborts later
	fkSlow          = "slow"          // BE sleeps delay before answering
	fkStateFail     = "stateFail"     // get_load_state answers HTTP 500
)

type fault struct {
	op    string // "load" (stream load), "begin", "load_txn", "prepare", "commit", "rollback", "state"
	kind  string
	table string // "" = any
	times int    // remaining; <0 = forever
	msg   string
	delay time.Duration
}

func newFakeSR(t testing.TB) *fakeSR {
	f := &fakeSR{t: t, user: "root", pass: "s3cret-pw", db: "db",
		rows: map[string][]string{}, loads: map[string]int{}, labels: map[string]string{},
		inflight: map[string]int{}, txns: map[string]*fakeTxn{}}
	f.be = httptest.NewServer(http.HandlerFunc(f.serveBE))
	f.fe = httptest.NewServer(http.HandlerFunc(f.serveFE))
	t.Cleanup(func() { f.fe.Close(); f.be.Close() })
	return f
}

func (f *fakeSR) inject(fl fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl.times == 0 {
		fl.times = 1
	}
	f.faults = append(f.faults, &fl)
}

// take returns the first matching fault and consumes one use of it.
func (f *fakeSR) take(op, table string) *fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, fl := range f.faults {
		if fl.op == op && (fl.table == "" || fl.table == table) {
			if fl.times > 0 {
				fl.times--
				if fl.times == 0 {
					f.faults = append(f.faults[:i:i], f.faults[i+1:]...)
				}
			}
			return fl
		}
	}
	return nil
}

func (f *fakeSR) tableRows(table string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.rows[table]...)
}

func (f *fakeSR) requests() []beReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]beReq(nil), f.reqs...)
}

func (f *fakeSR) opts() Options {
	return Options{
		URLs: []string{f.fe.URL}, Username: f.user, Password: f.pass, Database: f.db,
		LabelPrefix: "tst", MinLoadInterval: -1, FlushInterval: -1,
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeSR) authOK(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && u == f.user && p == f.pass
}

func (f *fakeSR) serveFE(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) >= 3 && parts[0] == "api" && parts[1] == "transaction" {
		f.serveTxnFE(w, r, parts[2])
		return
	}
	if len(parts) == 3 && parts[0] == "api" && parts[2] == "get_load_state" {
		if fl := f.take("state", ""); fl != nil && fl.kind == fkStateFail {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		if !f.authOK(r) {
			writeJSON(w, 401, map[string]string{"status": "FAILED", "code": "1", "msg": "Access denied"})
			return
		}
		f.mu.Lock()
		st := f.labels[r.URL.Query().Get("label")]
		f.mu.Unlock()
		if st == "" {
			st = "UNKNOWN"
		}
		writeJSON(w, 200, map[string]string{"state": st, "status": "OK", "code": "0", "msg": "Success", "message": "OK"})
		return
	}
	if len(parts) != 4 || parts[0] != "api" || parts[3] != "_stream_load" || r.Method != http.MethodPut {
		http.NotFound(w, r)
		return
	}
	if fl := f.take("fe", parts[2]); fl != nil && fl.kind == fkFE500 {
		http.Error(w, `{"status":"FAILED","msg":"internal"}`, http.StatusInternalServerError)
		return
	}
	if !f.authOK(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm=""`)
		writeJSON(w, 401, map[string]string{"status": "FAILED", "code": "1", "msg": "Access denied for u@ip", "message": "Access denied for u@ip"})
		return
	}
	if !strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		writeJSON(w, 200, map[string]string{"Status": "FAILED", "Message": "class com.starrocks.common.DdlException: There is no 100-continue header"})
		return
	}
	w.Header().Set("Location", f.be.URL+r.URL.RequestURI())
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusTemporaryRedirect)
}

func (f *fakeSR) serveBE(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/_load_error_log" {
		fmt.Fprintf(w, "Error: NULL value in non-nullable column 'id'. Row: {\"name\":\"x\"}\n")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) >= 3 && parts[0] == "api" && parts[1] == "transaction" {
		f.serveTxnBE(w, r, parts[2])
		return
	}
	if len(parts) != 4 || parts[3] != "_stream_load" {
		http.NotFound(w, r)
		return
	}
	table := parts[2]
	resp := func(status, msg string, extra map[string]any) {
		m := map[string]any{"TxnId": 1, "Label": r.Header.Get("label"), "Status": status, "Message": msg}
		for k, v := range extra {
			m[k] = v
		}
		writeJSON(w, 200, m)
	}
	if !f.authOK(r) {
		resp("Fail", "no valid Basic authorization", nil)
		return
	}
	f.mu.Lock()
	f.inflight[table]++
	f.global++
	f.maxTable = max(f.maxTable, f.inflight[table])
	f.maxGlob = max(f.maxGlob, f.global)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight[table]--
		f.global--
		f.mu.Unlock()
	}()
	label := r.Header.Get("label")
	f.mu.Lock()
	st, seen := f.labels[label]
	f.mu.Unlock()
	if seen && st != "ABORTED" {
		io.Copy(io.Discard, r.Body)
		ex := "RUNNING"
		if st == "COMMITTED" || st == "VISIBLE" {
			ex = "FINISHED"
		}
		resp("Label Already Exists", fmt.Sprintf("Label [%s] has already been used.", label), map[string]any{"ExistingJobStatus": ex})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	f.mu.Lock()
	f.bytesIn += int64(len(body))
	if !f.discard {
		f.reqs = append(f.reqs, beReq{path: r.URL.Path, header: r.Header.Clone(), body: body, clen: r.ContentLength, te: r.TransferEncoding})
	}
	f.mu.Unlock()
	fl := f.take("load", table)
	if fl != nil && fl.kind == fkSlow {
		time.Sleep(fl.delay)
	}
	if f.discard {
		f.mu.Lock()
		f.labels[label] = "VISIBLE"
		f.loads[table]++
		f.mu.Unlock()
		resp("Success", "OK", nil)
		return
	}
	if c := r.Header.Get("compression"); c != "" {
		var derr error
		if body, derr = decompress(strings.ToUpper(c), body); derr != nil {
			resp("Fail", derr.Error(), nil)
			return
		}
	}
	rows, perr := f.parse(r.Header, body)
	if perr != "" {
		resp("Fail", perr, nil)
		return
	}
	if fl != nil {
		switch fl.kind {
		case fkFail:
			resp("Fail", fl.msg, nil)
			return
		case fkFiltered:
			resp("Fail", "too many filtered rows", map[string]any{"NumberTotalRows": len(rows), "NumberFilteredRows": 1,
				"ErrorURL": f.be.URL + "/api/_load_error_log?file=error_log_x"})
			return
		case fkResetRunning, fkResetAborting:
			f.mu.Lock()
			f.labels[label] = "PREPARE"
			f.mu.Unlock()
			go func(commit bool) {
				time.Sleep(fl.delay)
				f.mu.Lock()
				defer f.mu.Unlock()
				if commit {
					f.labels[label] = "VISIBLE"
					f.rows[table] = append(f.rows[table], rows...)
					f.loads[table]++
				} else {
					f.labels[label] = "ABORTED"
				}
			}(fl.kind == fkResetRunning)
			hijackClose(w)
			return
		}
	}
	f.mu.Lock()
	f.labels[label] = "VISIBLE"
	f.rows[table] = append(f.rows[table], rows...)
	f.loads[table]++
	f.mu.Unlock()
	if fl != nil && fl.kind == fkReset {
		hijackClose(w)
		return
	}
	if fl != nil && fl.kind == fkPublish {
		resp("Publish Timeout", "transaction commit successfully, BUT data will be visible later", nil)
		return
	}
	resp("Success", "OK", map[string]any{"NumberTotalRows": len(rows), "NumberLoadedRows": len(rows), "LoadBytes": len(body)})
}

func hijackClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	c, _, err := hj.Hijack()
	if err == nil {
		c.Close()
	}
}

// parse checks a body like StarRocks does and returns its rows.
func (f *fakeSR) parse(h http.Header, body []byte) ([]string, string) {
	switch strings.ToLower(h.Get("format")) {
	case "json":
		b := bytes.TrimSpace(body)
		if len(b) == 0 {
			return nil, ""
		}
		if b[0] == '[' && h.Get("strip_outer_array") != "true" {
			return nil, "The value is array type in json document stream, you can set strip_outer_array=true"
		}
		if b[0] != '[' && b[0] != '{' {
			return nil, fmt.Sprintf("illegal json started with %c", b[0])
		}
		var arr []json.RawMessage
		if err := json.Unmarshal(b, &arr); err != nil {
			return nil, "Failed to iterate document stream as object: " + err.Error()
		}
		out := make([]string, len(arr))
		for i, a := range arr {
			out[i] = string(a)
		}
		return out, ""
	case "csv":
		d, err := ParseDelimiter(h.Get("row_delimiter"))
		if err != nil {
			return nil, err.Error()
		}
		if len(body) == 0 {
			return nil, ""
		}
		if !bytes.HasSuffix(body, d) {
			return nil, "CSV body does not end with the row delimiter"
		}
		parts := bytes.Split(body[:len(body)-len(d)], d)
		out := make([]string, len(parts))
		for i, p := range parts {
			out[i] = string(p)
		}
		return out, ""
	}
	return nil, "unknown data format, format=" + h.Get("format")
}

// decompress undoes GZIP or LZ4_FRAME.
func decompress(kind string, body []byte) ([]byte, error) {
	var r io.Reader
	switch kind {
	case "GZIP":
		gr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r = gr
	case "LZ4_FRAME":
		r = lz4.NewReader(bytes.NewReader(body))
	default:
		return nil, fmt.Errorf("Unsupported compression type: %s", kind)
	}
	return io.ReadAll(r)
}
