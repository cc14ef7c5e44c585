package loader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// client sends requests to the FEs (following their redirects to a BE by
// hand) and reads the replies; both protocols use it.
type client struct {
	cfg *config
	hc  *http.Client
	eps *endpoints
	log *slog.Logger
}

// endpoints tracks the health of the FE URLs. A request starts at the last
// FE that worked; an FE whose connection failed is skipped until its
// cool-down (1 s doubling to 30 s) ends, unless every FE is cooling down.
type endpoints struct {
	mu    sync.Mutex
	bases []*url.URL
	cur   int
	fails []int
	until []time.Time
}

func newEndpoints(bases []*url.URL) *endpoints {
	return &endpoints{bases: bases, fails: make([]int, len(bases)), until: make([]time.Time, len(bases))}
}

// order returns the indexes to try, healthy first starting at the current.
func (e *endpoints) order(now time.Time) []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := len(e.bases)
	out := make([]int, 0, n)
	var cooling []int
	for i := 0; i < n; i++ {
		j := (e.cur + i) % n
		if now.Before(e.until[j]) {
			cooling = append(cooling, j)
		} else {
			out = append(out, j)
		}
	}
	return append(out, cooling...)
}

func (e *endpoints) ok(i int) {
	e.mu.Lock()
	e.cur, e.fails[i], e.until[i] = i, 0, time.Time{}
	e.mu.Unlock()
}

func (e *endpoints) failed(i int, now time.Time) {
	e.mu.Lock()
	e.fails[i]++
	d := time.Second << min(e.fails[i]-1, 5)
	e.until[i] = now.Add(min(d, 30*time.Second))
	if e.cur == i {
		e.cur = (i + 1) % len(e.bases)
	}
	e.mu.Unlock()
}

// httpResult is a finished exchange: status code and (bounded) body.
type httpResult struct {
	code int
	body []byte
	url  string // redacted URL that answered
	hops int    // redirects followed
}

const maxRedirects = 5

// do sends method path to an FE and follows 307 redirects by hand,
// re-sending the body and the Authorization header. hdr must not contain
// Authorization. On a connection failure to an FE the next FE is tried.
func (c *client) do(ctx context.Context, method, path string, hdr http.Header, b *body) (*httpResult, error) {
	var lastErr error
	for _, i := range c.eps.order(time.Now()) {
		u, err := url.Parse(c.cfg.bases[i].String() + path)
		if err != nil {
			return nil, fmt.Errorf("loader: bad request path %q: %w", path, err)
		}
		res, err, fe := c.follow(ctx, method, u, hdr, b)
		if err == nil {
			if res.hops == 0 && res.code >= 500 {
				c.eps.failed(i, time.Now()) // the next attempt asks another FE
			} else {
				c.eps.ok(i)
			}
			return res, nil
		}
		if !fe || ctx.Err() != nil {
			return nil, err
		}
		c.eps.failed(i, time.Now())
		lastErr = err
		if c.log != nil && len(c.cfg.bases) > 1 {
			c.log.Warn("loader: FE unreachable, trying the next", "fe", c.cfg.bases[i].Redacted(), "err", err)
		}
	}
	return nil, lastErr
}

// follow performs the request and its redirects. fe reports whether an
// error happened on the first hop (the FE).
func (c *client) follow(ctx context.Context, method string, u *url.URL, hdr http.Header, b *body) (res *httpResult, err error, fe bool) {
	for hop := 0; ; hop++ {
		var rd io.ReadCloser = http.NoBody
		if b != nil && b.size > 0 {
			rd = b.reader()
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
		if err != nil {
			return nil, fmt.Errorf("loader: building request: %w", err), hop == 0
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
		if b != nil {
			req.ContentLength = b.size
			if b.size > 0 {
				bb := *b
				req.GetBody = func() (io.ReadCloser, error) { return bb.reader(), nil }
				req.Header.Set("Expect", "100-continue")
			} else {
				req.Body = http.NoBody
			}
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("loader: %s %s: %w", method, u.Redacted(), stripURLError(err)), hop == 0
		}
		if resp.StatusCode == http.StatusTemporaryRedirect || resp.StatusCode == http.StatusPermanentRedirect ||
			resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusSeeOther {
			loc := resp.Header.Get("Location")
			drain(resp.Body)
			if loc == "" {
				return nil, fmt.Errorf("loader: %s %s: HTTP %d without Location", method, u.Redacted(), resp.StatusCode), false
			}
			if hop >= maxRedirects {
				return nil, fmt.Errorf("loader: %s %s: more than %d redirects", method, u.Redacted(), maxRedirects), false
			}
			next, err := u.Parse(loc)
			if err != nil {
				return nil, fmt.Errorf("loader: %s %s: bad Location: %w", method, u.Redacted(), err), false
			}
			u = next
			continue
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		drain(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("loader: reading response of %s %s: %w", method, u.Redacted(), err), false
		}
		return &httpResult{code: resp.StatusCode, body: body, url: u.Redacted(), hops: hop}, nil, false
	}
}

func drain(rc io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(rc, 64<<10))
	rc.Close()
}

// stripURLError removes the *url.Error wrapper, whose text repeats the URL.
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// response is the union of the Stream Load (§2.1), transaction (§3.3),
// get_load_state (§2.6) and FE error (RestBaseResult) replies.
// encoding/json matches keys case-insensitively, so "status" fills Status.
type response struct {
	TxnID              int64  `json:"TxnId"`
	Label              string `json:"Label"`
	Status             string `json:"Status"`
	ExistingJobStatus  string `json:"ExistingJobStatus"`
	Message            string `json:"Message"`
	Msg                string `json:"msg"`
	NumberTotalRows    int64  `json:"NumberTotalRows"`
	NumberLoadedRows   int64  `json:"NumberLoadedRows"`
	NumberFilteredRows int64  `json:"NumberFilteredRows"`
	LoadBytes          int64  `json:"LoadBytes"`
	ErrorURL           string `json:"ErrorURL"`
	State              string `json:"state"`
}

func (r *response) message() string {
	if r.Message != "" && r.Message != "OK" || r.Msg == "" {
		return r.Message
	}
	return r.Msg
}

func parseResponse(res *httpResult) (*response, error) {
	var r response
	if err := json.Unmarshal(res.body, &r); err != nil {
		return nil, fmt.Errorf("loader: unreadable reply from %s (HTTP %d): %q: %w", res.url, res.code, truncate(string(res.body), 200), err)
	}
	return &r, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// loadState asks the FE for the state of label (§2.6).
func (c *client) loadState(ctx context.Context, label string) (string, error) {
	path := "/api/" + url.PathEscape(c.cfg.Database) + "/get_load_state?label=" + url.QueryEscape(label)
	res, err := c.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return "", err
	}
	if res.code != http.StatusOK {
		return "", fmt.Errorf("loader: get_load_state of label %s: HTTP %d: %s", label, res.code, truncate(string(res.body), 200))
	}
	r, err := parseResponse(res)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(r.Status, "OK") && r.State == "" {
		return "", fmt.Errorf("loader: get_load_state of label %s: %s %s", label, r.Status, r.message())
	}
	return strings.ToUpper(r.State), nil
}

// pollState polls the label until done(state) is true or the budget ends.
// It sleeps 0.2 s, 0.4 s … up to 5 s between polls.
func (c *client) pollState(ctx context.Context, label string, budget time.Duration, done func(string) bool) (string, error) {
	deadline := time.Now().Add(budget)
	wait := 200 * time.Millisecond
	var last string
	var lastErr error
	for {
		st, err := c.loadState(ctx, label)
		if err == nil {
			last, lastErr = st, nil
			if done(st) {
				return st, nil
			}
		} else {
			lastErr = err
		}
		if time.Now().Add(wait).After(deadline) {
			if lastErr != nil {
				return last, lastErr
			}
			return last, fmt.Errorf("loader: label %s still %s after %v", label, last, budget)
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return last, err
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// errorLog fetches the start of the error log at u (at most 3000 chars).
func (c *client) errorLog(ctx context.Context, u string) string {
	if u == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return ""
	}
	req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	resp, err := c.hc.Do(req)
	if err != nil {
		if c.log != nil {
			c.log.Warn("loader: cannot fetch the load error log", "err", stripURLError(err))
		}
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 3000))
	drain(resp.Body)
	return string(b)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
