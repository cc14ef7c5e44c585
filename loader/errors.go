package loader

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrPermanent is matched (errors.Is) by a *LoadError whose failure
	// cannot be cured by retrying the same rows: bad data (ErrBadRows),
	// denied access, a missing table or database, an unsupported option.
	// A configuration failure (everything but ErrBadRows) keeps its rows
	// and blocks its table: fix the cause and Flush again, or take the
	// rows out with TakeFailed.
	ErrPermanent = errors.New("permanent load failure")
	// ErrBadRows is matched (errors.Is) by a *LoadError whose failure is
	// caused by the data of its rows: "too many filtered rows" (a value a
	// column rejects, e.g. NULL in a NOT NULL column, beyond
	// max_filter_ratio), "primary key size exceed the limit", or a JSON row
	// StarRocks cannot parse. Such an error also matches ErrPermanent. The
	// Loader isolates the offending rows (see Loader.TakeFailed): the other
	// rows load, and TakeFailed returns the bad ones, e.g. for a
	// dead-letter topic. Flush never retries them.
	ErrBadRows = errors.New("rows rejected by StarRocks")
	// ErrRetriesExhausted is wrapped by a *LoadError whose retryable failure
	// persisted through Options.MaxRetries retries. The rows stay buffered;
	// Flush again to retry once StarRocks is healthy.
	ErrRetriesExhausted = errors.New("load retries exhausted")
	// ErrClosed is returned by Flush and Wait after Close.
	ErrClosed = errors.New("loader closed")
	// ErrFenced is matched by what Flush, Wait and TakeFailed return after
	// Fence: the buffered rows may no longer be loaded.
	ErrFenced = errors.New("loader fenced: buffered rows may no longer be loaded")
	// errLeaseEnded cuts a request body short when the Lease ends while it
	// is being sent.
	errLeaseEnded = errors.New("loader: the load's lease ended while its body was being sent; the body was cut short so that StarRocks does not apply it")
	// ErrInvalidOptions is wrapped by New's errors about Options.
	ErrInvalidOptions = errors.New("invalid loader options")
)

// LoadError describes a failed load of one table.
type LoadError struct {
	Table   string
	Label   string
	Status  string // the StarRocks Status, e.g. "Fail", or "HTTP 500"; empty for network errors
	Message string // the StarRocks Message
	// ErrorLog is the start (at most 3000 characters) of the error log
	// fetched from the response's ErrorURL, naming the rejected rows.
	ErrorLog string
	// Permanent is true when retrying the same rows cannot succeed.
	Permanent bool
	// BadRows is true when the failure is caused by the rows' data
	// (ErrBadRows); it implies Permanent.
	BadRows bool
	// Err is the cause: a network error, ErrRetriesExhausted, or nil.
	Err error
}

// Error says what failed and what to do about it.
func (e *LoadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loader: load of table %q (label %s) failed", e.Table, e.Label)
	if e.Status != "" {
		fmt.Fprintf(&b, ": status %q", e.Status)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	b.WriteString(": ")
	b.WriteString(e.advice())
	if e.ErrorLog != "" {
		fmt.Fprintf(&b, "; error log: %s", e.ErrorLog)
	}
	return b.String()
}

func (e *LoadError) advice() string {
	m := strings.ToLower(e.Message)
	switch {
	case e.BadRows:
		what := "StarRocks rejected rows of this load (see the error log)"
		if strings.Contains(m, "primary key size exceed") {
			what = "a row's encoded primary key exceeds 128 bytes"
		}
		return what + "; the Loader isolates the bad rows and loads the others: take the bad rows out with TakeFailed (e.g. to a dead-letter topic), then fix the mapping or the table"
	case strings.Contains(m, "too many filtered rows"):
		return "rows do not match the table (see the error log); fix the mapping or the table, raise max_filter_ratio, or take the rows out with TakeFailed"
	case strings.Contains(m, "access denied") || e.Status == "HTTP 401" || e.Status == "HTTP 403":
		return "check Username, Password and the INSERT privilege on the table"
	case strings.Contains(m, "unknown table") || strings.Contains(m, "unknown database"):
		return "create the database and table, then Flush again"
	case strings.Contains(m, "only primary key table support partial update"):
		return "partial_update needs a Primary Key table; remove it from the headers"
	case e.Permanent:
		return "the rows are kept; fix the cause and Flush again, or take them out with TakeFailed"
	default:
		return "the rows are kept; check that StarRocks is reachable and healthy, then Flush again"
	}
}

// Unwrap returns Err.
func (e *LoadError) Unwrap() error { return e.Err }

// Is reports whether target is ErrPermanent and the failure is permanent,
// or ErrBadRows and the failure is caused by the rows' data.
func (e *LoadError) Is(target error) bool {
	switch target {
	case ErrPermanent:
		return e.Permanent || e.BadRows
	case ErrBadRows:
		return e.BadRows
	}
	return false
}

// badRowMessages are substrings of a failure message caused by the data of
// some rows: a load of other rows may succeed.
var badRowMessages = []string{
	"too many filtered rows",
	"primary key size exceed the limit",
	"failed to iterate document stream", // a JSON row that does not parse
}

func isBadRowsMessage(msg string) bool {
	m := strings.ToLower(msg)
	for _, p := range badRowMessages {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

// classify sets Permanent and BadRows from the message.
func (e *LoadError) classify() {
	e.BadRows = isBadRowsMessage(e.Message)
	e.Permanent = e.BadRows || isPermanentMessage(e.Message)
}

// permanentMessages are substrings of a Fail message that no retry cures
// (the SDK's ErrorUtils, plus configuration errors).
var permanentMessages = []string{
	"too many filtered rows",
	"access denied",
	"primary key size exceed the limit",
	"only primary key table support partial update",
	"unknown table",
	"unknown database",
	"label format error",
	"unknown data format",
	"unsupported compression",
	"only one of http header content-encoding and compression",
	"there is no 100-continue header",
	"mapping column is not in table",
	"invalid argument",
	"invalidargument",
}

func isPermanentMessage(msg string) bool {
	m := strings.ToLower(msg)
	for _, p := range permanentMessages {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}
