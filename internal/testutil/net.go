package testutil

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Net is an in-memory network: listeners by address ("host:port"), and
// connections that are net.Pipe pairs. Inside a testing/synctest bubble a
// goroutine waiting on it is durably blocked, so HTTP over it runs in the
// bubble's time; loopback sockets would keep the bubble from ever being
// idle. A dial to an address nobody listens on is refused at once.
type Net struct {
	mu sync.Mutex
	ls map[string]*listener
}

// NewNet returns an empty network.
func NewNet() *Net { return &Net{ls: map[string]*listener{}} }

// Listen listens on addr until the listener is closed.
func (n *Net) Listen(addr string) (net.Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.ls[addr]; ok {
		return nil, fmt.Errorf("testutil.Net: listen %s: address already in use", addr)
	}
	l := &listener{n: n, addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
	n.ls[addr] = l
	return l, nil
}

// DialContext connects to the listener on addr; it has the signature of
// http.Transport.DialContext.
func (n *Net) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.ls[addr]
	n.mu.Unlock()
	refused := &net.OpError{Op: "dial", Net: network, Addr: memAddr(addr), Err: syscall.ECONNREFUSED}
	if l == nil {
		return nil, refused
	}
	c, s := net.Pipe()
	select {
	case l.conns <- &conn{Conn: s, local: memAddr(addr), remote: memAddr("client")}:
		return &conn{Conn: c, local: memAddr("client"), remote: memAddr(addr)}, nil
	case <-l.done:
		return nil, refused
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Serve serves h on addr with an http.Server until t ends.
func (n *Net) Serve(t testing.TB, addr string, h http.Handler) {
	t.Helper()
	ln, err := n.Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

// Client returns an HTTP/1.1 client dialing n, with the loader's
// ExpectContinueTimeout and no redirects followed; its idle connections
// are closed when t ends.
func (n *Net) Client(t testing.TB) *http.Client {
	tr := &http.Transport{DialContext: n.DialContext, ExpectContinueTimeout: 3 * time.Second, MaxIdleConnsPerHost: 8}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type listener struct {
	n     *Net
	addr  string
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *listener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.n.mu.Lock()
		delete(l.n.ls, l.addr)
		l.n.mu.Unlock()
	})
	return nil
}

func (l *listener) Addr() net.Addr { return memAddr(l.addr) }

// conn is one end of a pipe with addresses.
type conn struct {
	net.Conn
	local, remote net.Addr
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

type memAddr string

func (a memAddr) Network() string { return "mem" }
func (a memAddr) String() string  { return string(a) }
