package loader

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// streamLoad is the Stream Load protocol (docs/streamload.md §1–2): one PUT
// per load, its body every chunk of the unit.
type streamLoad struct {
	c *client
}

// frame sends every chunk in one body.
func (s streamLoad) frame(f Format, chunks []*chunk) []body {
	return []body{frame(f, chunks)}
}

// abandon has nothing to clean up: a Stream Load cut short is not applied.
func (s streamLoad) abandon(table, label string) {}

// loadPath is the Stream Load path of table.
func (s streamLoad) loadPath(table string) string {
	return "/api/" + url.PathEscape(s.c.cfg.Database) + "/" + url.PathEscape(table) + "/_stream_load"
}

// load makes one attempt to load r with Stream Load (§2.7): PUT, follow
// the 307, classify the reply. Label Already Exists RUNNING is polled
// until the label settles.
func (s streamLoad) load(ctx context.Context, r loadRequest) (outcome, error) {
	hdr := r.hdr.Clone()
	hdr.Set("label", r.label)
	hdr.Set("Content-Type", "application/octet-stream")
	fail := func(status, msg string, err error) *LoadError {
		return &LoadError{Table: r.table, Label: r.label, Status: status, Message: msg, Err: err}
	}
	res, err := s.c.do(ctx, http.MethodPut, s.loadPath(r.table), hdr, &r.bodies[0])
	if err != nil {
		return outcome{}, fail("", "", err)
	}
	if res.code != http.StatusOK {
		return outcome{}, httpFailure(r.table, r.label, res)
	}
	rep, err := parseResponse(res)
	if err != nil {
		return outcome{}, fail("", "", err)
	}
	switch rep.Status {
	case "Success", "Publish Timeout", "OK":
		return outcome{loaded: rep.NumberLoadedRows, filtered: rep.NumberFilteredRows}, nil
	case "Label Already Exists":
		if strings.EqualFold(rep.ExistingJobStatus, "FINISHED") {
			return outcome{loaded: int64(r.rows)}, nil
		}
		return s.settleRunning(ctx, r.table, r.label)
	}
	e := fail(rep.Status, rep.message(), nil)
	e.classify()
	if rep.ErrorURL != "" {
		e.ErrorLog = s.c.errorLog(ctx, rep.ErrorURL)
	}
	return outcome{}, e
}

// settleRunning polls a label held by a running txn (§2.7 step 4): success
// if it commits, a retryable failure (re-send with the same label) if it
// aborts or does not settle within the load timeout.
func (s streamLoad) settleRunning(ctx context.Context, table, label string) (outcome, error) {
	st, err := s.c.pollState(ctx, label, s.c.cfg.timeout+s.c.cfg.timeout/10, func(s string) bool {
		return s == "COMMITTED" || s == "VISIBLE" || s == "ABORTED" || s == "UNKNOWN"
	})
	switch st {
	case "COMMITTED", "VISIBLE":
		return outcome{}, nil
	}
	if err == nil {
		err = fmt.Errorf("label state %s; the load is sent again with the same label", st)
	}
	return outcome{}, &LoadError{Table: table, Label: label, Status: "Label Already Exists", Message: "label held by a running load", Err: err}
}

// httpFailure classifies a non-200 reply: 401/403 permanent, others
// retryable.
func httpFailure(table, label string, res *httpResult) *LoadError {
	e := &LoadError{Table: table, Label: label, Status: fmt.Sprintf("HTTP %d", res.code)}
	if r, err := parseResponse(res); err == nil {
		e.Message = r.message()
	} else {
		e.Message = truncate(strings.TrimSpace(string(res.body)), 300)
	}
	e.Permanent = res.code == http.StatusUnauthorized || res.code == http.StatusForbidden
	return e
}
