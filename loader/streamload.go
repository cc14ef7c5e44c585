package loader

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// outcome is what a successful load reports.
type outcome struct {
	loaded   int64
	filtered int64
}

// loadPath is the Stream Load path of table.
func (l *Loader) loadPath(table string) string {
	return "/api/" + url.PathEscape(l.cfg.Database) + "/" + url.PathEscape(table) + "/_stream_load"
}

// streamLoad makes one attempt to load u with Stream Load (§2.7): PUT,
// follow the 307, classify the reply. Label Already Exists RUNNING is
// polled until the label settles.
func (l *Loader) streamLoad(ctx context.Context, table string, u *unit, b body, hdr http.Header) (outcome, error) {
	hdr = hdr.Clone()
	hdr.Set("label", u.label)
	hdr.Set("Content-Type", "application/octet-stream")
	fail := func(status, msg string, err error) *LoadError {
		return &LoadError{Table: table, Label: u.label, Status: status, Message: msg, Err: err}
	}
	res, err := l.do(ctx, http.MethodPut, l.loadPath(table), hdr, &b)
	if err != nil {
		return outcome{}, fail("", "", err)
	}
	if res.code != http.StatusOK {
		return outcome{}, l.httpFailure(table, u.label, res)
	}
	r, err := parseResponse(res)
	if err != nil {
		return outcome{}, fail("", "", err)
	}
	switch r.Status {
	case "Success", "Publish Timeout", "OK":
		return outcome{loaded: r.NumberLoadedRows, filtered: r.NumberFilteredRows}, nil
	case "Label Already Exists":
		if strings.EqualFold(r.ExistingJobStatus, "FINISHED") {
			return outcome{loaded: int64(u.rows)}, nil
		}
		return l.settleRunning(ctx, table, u.label)
	}
	e := fail(r.Status, r.message(), nil)
	e.classify()
	if r.ErrorURL != "" {
		e.ErrorLog = l.errorLog(ctx, r.ErrorURL)
	}
	return outcome{}, e
}

// settleRunning polls a label held by a running txn (§2.7 step 4): success
// if it commits, a retryable failure (re-send with the same label) if it
// aborts or does not settle within the load timeout.
func (l *Loader) settleRunning(ctx context.Context, table, label string) (outcome, error) {
	st, err := l.pollState(ctx, label, l.cfg.timeout+l.cfg.timeout/10, func(s string) bool {
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
func (l *Loader) httpFailure(table, label string, res *httpResult) *LoadError {
	e := &LoadError{Table: table, Label: label, Status: fmt.Sprintf("HTTP %d", res.code)}
	if r, err := parseResponse(res); err == nil {
		e.Message = r.message()
	} else {
		e.Message = truncate(strings.TrimSpace(string(res.body)), 300)
	}
	e.Permanent = res.code == http.StatusUnauthorized || res.code == http.StatusForbidden
	return e
}
