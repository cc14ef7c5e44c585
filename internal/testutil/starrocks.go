package testutil

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/starcdc/starcdc/devstack/starrocks"
)

// Password is the password of the user "root" of Emulator.
const Password = "s3cret-pw"

// Emulator starts the StarRocks emulator (devstack/starrocks) with the
// user "root" (Password) and the database "db", and closes it when t
// ends. It listens on loopback: call it outside a synctest bubble, and
// Serve it inside.
func Emulator(t testing.TB) *starrocks.Emulator {
	t.Helper()
	em, err := starrocks.Start(starrocks.Config{Users: map[string]string{"root": Password}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	if err := em.CreateDatabase("db"); err != nil {
		t.Fatal(err)
	}
	return em
}

// SR is an emulator served on an in-memory network by Serve, and what its
// BE received there.
type SR struct {
	Net *Net

	mu       sync.Mutex
	reqs     []Request
	inflight map[string]int // table → Stream Loads at the BE
	global   int
	maxTable int
	maxAll   int
	loaded   map[string][]string
}

// Request is a data request (a Stream Load, or a load call of a
// transaction) as the BE received it.
type Request struct {
	Path             string
	Header           http.Header // Authorization included
	Body             []byte      // as sent (compressed when it was)
	ContentLength    int64
	TransferEncoding []string
	Reply            []byte // the BE's reply; nil when it sent none
}

// Serve serves em's FE and BE handlers on a new Net, under the host:port
// of em.FEURL() and em.BEURL() (so that the FE's redirects lead to the BE
// on the same Net), until t ends. Call it inside the synctest bubble that
// uses it, and give the Loader SR.Client(t).
func Serve(t testing.TB, em *starrocks.Emulator) *SR {
	t.Helper()
	s := &SR{Net: NewNet(), inflight: map[string]int{}, loaded: map[string][]string{}}
	fe, be := em.Handlers()
	s.Net.Serve(t, hostOf(t, em.FEURL()), fe)
	s.Net.Serve(t, hostOf(t, em.BEURL()), s.tap(be))
	return s
}

// Client returns a client of the Net (see Net.Client).
func (s *SR) Client(t testing.TB) *http.Client { return s.Net.Client(t) }

// Requests returns the data requests the BE has answered (or dropped), in
// that order.
func (s *SR) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.reqs))
	copy(out, s.reqs)
	return out
}

// MaxConcurrent returns the most Stream Loads the BE ran at once for one
// table, and overall.
func (s *SR) MaxConcurrent() (perTable, overall int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxTable, s.maxAll
}

// Loaded returns the rows of the JSON Stream Loads of table the BE answered
// Success or Publish Timeout, as sent, in the order of those answers.
func (s *SR) Loaded(table string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.loaded[table]...)
}

// tap records the data requests of h.
func (s *SR) tap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		stream := len(seg) == 4 && seg[0] == "api" && seg[3] == "_stream_load" && r.Method == http.MethodPut
		txnLoad := r.URL.Path == "/api/transaction/load"
		if !stream && !txnLoad {
			h.ServeHTTP(w, r)
			return
		}
		var table string
		if stream {
			table = seg[2]
			s.mu.Lock()
			s.inflight[table]++
			s.global++
			s.maxTable = max(s.maxTable, s.inflight[table])
			s.maxAll = max(s.maxAll, s.global)
			s.mu.Unlock()
		}
		// The handler gets a copy of r reading through a tee: r.Body itself
		// stays the server's, which decides by its type whether an unread
		// body (Expect: 100-continue, no 100 sent) closes the connection.
		var body bytes.Buffer
		r2 := *r
		r2.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(r.Body, &body), r.Body}
		rw := &recorder{ResponseWriter: w}
		h.ServeHTTP(rw, &r2)
		s.mu.Lock()
		defer s.mu.Unlock()
		if stream {
			s.inflight[table]--
			s.global--
		}
		s.reqs = append(s.reqs, Request{Path: r.URL.Path, Header: r.Header.Clone(), Body: body.Bytes(),
			ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Reply: rw.body})
		var rep struct{ Status string }
		if stream && json.Unmarshal(rw.body, &rep) == nil && (rep.Status == "Success" || rep.Status == "Publish Timeout") {
			s.loaded[table] = append(s.loaded[table], jsonRows(body.Bytes())...)
		}
	})
}

// jsonRows returns the elements of a JSON array as they are written.
func jsonRows(b []byte) []string {
	var rows []json.RawMessage
	if json.Unmarshal(b, &rows) != nil {
		return nil
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = string(r)
	}
	return out
}

// recorder keeps a copy of the reply; Unwrap lets the emulator hijack the
// connection underneath (its reset faults).
type recorder struct {
	http.ResponseWriter
	body []byte
}

func (r *recorder) Write(p []byte) (int, error) {
	r.body = append(r.body, p...)
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func hostOf(t testing.TB, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
