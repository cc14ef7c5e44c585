package starrocks

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startEmu starts an emulator with database "db" and table "t"
// (id BIGINT NOT NULL, name VARCHAR(10), score INT; PRIMARY KEY(id)).
func startEmu(t *testing.T) *Emulator {
	t.Helper()
	e, err := Start(Config{})
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
	return e
}

func mustCreate(t *testing.T, e *Emulator, table string, cols []Column, pk ...string) {
	t.Helper()
	if err := e.CreateTable("db", table, cols, pk); err != nil {
		t.Fatal(err)
	}
}

// client is what a careful Go Stream Load client does (docs/streamload.md §1.1
// "Go client notes").
type client struct {
	t          *testing.T
	e          *Emulator
	hc         *http.Client
	user, pass string
}

func newClient(t *testing.T, e *Emulator) *client {
	return &client{t: t, e: e, user: "root", hc: &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{ExpectContinueTimeout: 5 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

type hdr map[string]string

func (c *client) newReq(method, url string, h hdr, body []byte) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Expect", "100-continue")
	for k, v := range h {
		req.Header.Set(k, v)
	}
	return req
}

// do sends a request and returns status code, headers and body.
func (c *client) do(req *http.Request) (int, http.Header, []byte, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// followPut sends PUT to the FE, expects 307 and re-sends body and auth to
// Location. It returns the BE's raw reply.
func (c *client) followPut(path string, h hdr, body string) []byte {
	c.t.Helper()
	code, rh, b, err := c.do(c.newReq(http.MethodPut, c.e.FEURL()+path, h, []byte(body)))
	if err != nil {
		c.t.Fatalf("PUT FE %s: %v", path, err)
	}
	if code != http.StatusTemporaryRedirect {
		c.t.Fatalf("PUT FE %s: want 307, got %d %s", path, code, b)
	}
	code, _, b, err = c.do(c.newReq(http.MethodPut, rh.Get("Location"), h, []byte(body)))
	if err != nil {
		c.t.Fatalf("PUT BE: %v", err)
	}
	if code != http.StatusOK {
		c.t.Fatalf("PUT BE: want 200, got %d %s", code, b)
	}
	return b
}

// streamLoad runs the full Stream Load flow and decodes the reply.
func (c *client) streamLoad(table string, h hdr, body string) map[string]any {
	c.t.Helper()
	return decodeJSON(c.t, c.followPut("/api/db/"+table+"/_stream_load", h, body))
}

// txn calls /api/transaction/{op} on the FE and follows a 307 to the BE.
func (c *client) txn(op string, h hdr, body string) map[string]any {
	c.t.Helper()
	method := http.MethodPost
	if op == "load" {
		method = http.MethodPut
	}
	all := hdr{"db": "db"}
	for k, v := range h {
		all[k] = v
	}
	code, rh, b, err := c.do(c.newReq(method, c.e.FEURL()+"/api/transaction/"+op, all, []byte(body)))
	if err != nil {
		c.t.Fatalf("%s via FE: %v", op, err)
	}
	if code == http.StatusTemporaryRedirect {
		code, _, b, err = c.do(c.newReq(method, rh.Get("Location"), all, []byte(body)))
		if err != nil {
			c.t.Fatalf("%s via BE: %v", op, err)
		}
	}
	if code != http.StatusOK {
		c.t.Fatalf("%s: want 200, got %d %s", op, code, b)
	}
	return decodeJSON(c.t, b)
}

// beTxn calls /api/transaction/{op} on the BE directly.
func (c *client) beTxn(op string, h hdr, body string) map[string]any {
	c.t.Helper()
	method := http.MethodPost
	if op == "load" {
		method = http.MethodPut
	}
	all := hdr{"db": "db"}
	for k, v := range h {
		all[k] = v
	}
	code, _, b, err := c.do(c.newReq(method, c.e.BEURL()+"/api/transaction/"+op, all, []byte(body)))
	if err != nil || code != http.StatusOK {
		c.t.Fatalf("%s on BE: %d %s %v", op, code, b, err)
	}
	return decodeJSON(c.t, b)
}

func (c *client) loadState(label string) map[string]any {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.FEURL()+"/api/db/get_load_state?label="+label, nil)
	req.SetBasicAuth(c.user, c.pass)
	code, _, b, err := c.do(req)
	if err != nil || code != http.StatusOK {
		c.t.Fatalf("get_load_state: %d %s %v", code, b, err)
	}
	return decodeJSON(c.t, b)
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("bad JSON %q: %v", b, err)
	}
	return m
}

func num(t *testing.T, m map[string]any, k string) int64 {
	t.Helper()
	n, ok := m[k].(json.Number)
	if !ok {
		t.Fatalf("%s: not a number in %v", k, m)
	}
	v, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func wantStatus(t *testing.T, m map[string]any, status string) {
	t.Helper()
	if m["Status"] != status {
		t.Fatalf("Status = %v, want %s; reply %v", m["Status"], status, m)
	}
}

func wantMessage(t *testing.T, m map[string]any, substr string) {
	t.Helper()
	msg, _ := m["Message"].(string)
	if !strings.Contains(msg, substr) {
		t.Fatalf("Message = %q, want it to contain %q", msg, substr)
	}
}

func rows(t *testing.T, e *Emulator, table string) []map[string]any {
	t.Helper()
	r, err := e.Rows("db", table)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantRows compares rows as "col=value" lists; nil renders as NULL.
func wantRows(t *testing.T, e *Emulator, table string, cols []string, want ...string) {
	t.Helper()
	got := rows(t, e, table)
	var gs []string
	for _, r := range got {
		var parts []string
		for _, c := range cols {
			v := r[c]
			if v == nil {
				parts = append(parts, "NULL")
			} else {
				parts = append(parts, v.(string))
			}
		}
		gs = append(gs, strings.Join(parts, "|"))
	}
	if strings.Join(gs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows of %s:\n got: %q\nwant: %q", table, gs, want)
	}
}

// keyOrder asserts that the keys appear in the raw JSON in this order.
func keyOrder(t *testing.T, raw []byte, keys ...string) {
	t.Helper()
	last := -1
	for _, k := range keys {
		i := bytes.Index(raw, []byte(`"`+k+`"`))
		if i < 0 {
			t.Fatalf("key %s missing in %s", k, raw)
		}
		if i < last {
			t.Fatalf("key %s out of order in %s", k, raw)
		}
		last = i
	}
}

// trackingReader records whether anything read it.
type trackingReader struct {
	r    io.Reader
	read chan struct{}
}

func (tr *trackingReader) Read(p []byte) (int, error) {
	select {
	case <-tr.read:
	default:
		close(tr.read)
	}
	return tr.r.Read(p)
}
