package main

// The HTTP listener of `starcdc run` (--http-addr): /metrics, /healthz and
// /ready.

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/starcdc/starcdc/metrics"
	"github.com/starcdc/starcdc/replicator"
)

// readiness answers /ready for the connectors of the process. Until
// set is called (the connectors are being built) it is not ready.
type readiness struct {
	mu    sync.Mutex
	conns []connState
	// gate holds connectors whose StarRocks failed its checks; nil: none.
	gate *starRocksGate
}

// connState is one connector as /ready sees it.
type connState struct {
	name    string
	status  func() replicator.Status
	stopped func() bool
}

func (rd *readiness) set(conns []connState) {
	rd.mu.Lock()
	rd.conns = conns
	rd.mu.Unlock()
}

// readyBody is /ready's JSON answer.
type readyBody struct {
	Ready     bool   `json:"ready"`
	Connector string `json:"connector,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// check returns the first connector that is not ready and why.
func (rd *readiness) check() readyBody {
	rd.mu.Lock()
	conns := rd.conns
	rd.mu.Unlock()
	if conns == nil {
		return readyBody{Reason: "starting: the connectors are being set up"}
	}
	for _, c := range conns {
		if c.stopped() {
			return readyBody{Connector: c.name, Reason: "stopped"}
		}
		s := c.status()
		if !s.Ready {
			return readyBody{Connector: c.name, Reason: operatorReason(s)}
		}
		if why := rd.gate.reason(c.name); why != "" && s.LoadsOK == 0 {
			// No load proved StarRocks right since its check failed.
			return readyBody{Connector: c.name, Reason: "StarRocks check failed: " + why}
		}
	}
	return readyBody{Ready: true}
}

// operatorReason is s.Reason with its cause worded for an operator (see
// operatorText).
func operatorReason(s replicator.Status) string {
	if s.Cause == nil {
		return s.Reason
	}
	return strings.Replace(s.Reason, s.Cause.Error(), operatorText(s.Cause), 1)
}

// ServeHTTP answers 200 {"ready":true} when every connector is ready, else
// 503 with the first one that is not and why.
func (rd *readiness) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	b := rd.check()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !b.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(b)
}

// httpHandler serves reg at /metrics, liveness at /healthz (200 while the
// process serves HTTP at all) and rd at /ready; anything else is 404.
func httpHandler(reg *metrics.Registry, rd *readiness) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", reg.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /ready", rd)
	return mux
}

// serveHTTP serves h at addr, ADDR being the address it bound (addr with
// port 0 picks one), until stop is called.
func serveHTTP(addr string, h http.Handler) (bound string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// serveMetrics serves reg at http://ADDR/metrics (with /healthz, and a
// /ready that is never ready), ADDR being the address it bound.
func serveMetrics(addr string, reg *metrics.Registry) (bound string, stop func(), err error) {
	return serveHTTP(addr, httpHandler(reg, &readiness{}))
}
