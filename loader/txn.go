package loader

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Transaction Stream Load (docs/streamload.md §3, docs/connector.md §5 "Deciding
// success"). One unit is one transaction: begin, one load call per chunk,
// prepare, commit. A failure before commit rolls the transaction back; the
// label is only begun again once it is ABORTED (or unknown).

// txnLoad is the transaction interface: one unit is one transaction.
// lease blocks until the Lease allows a prepare or a commit.
type txnLoad struct {
	c     *client
	lease func(context.Context) error
}

// frame sends one load call per chunk: every call carries the same data
// headers (docs/streamload.md §3.1), and a chunk is the unit of memory.
func (x txnLoad) frame(f Format, chunks []*chunk) []body {
	var out []body
	for _, c := range chunks {
		if c.rows() > 0 {
			out = append(out, frame(f, []*chunk{c}))
		}
	}
	return out
}

// abandon rolls back a transaction an abandoned attempt (Fence or Close)
// may have begun or prepared, so that nobody commits it.
func (x txnLoad) abandon(table, label string) { x.rollback(table, label) }

const (
	txnOK             = "OK"
	txnLabelExists    = "LABEL_ALREADY_EXISTS"
	txnNotExists      = "TXN_NOT_EXISTS"
	txnInProcessing   = "TXN_IN_PROCESSING"
	txnInProcessTries = 10
)

// txnHeaders returns the control headers of a transaction call.
func (x txnLoad) txnHeaders(table, label string) http.Header {
	h := http.Header{}
	h.Set("label", label)
	h.Set("db", x.c.cfg.Database)
	h.Set("table", table)
	return h
}

// txnCall POSTs (or PUTs, for load) a transaction op and parses the reply.
func (x txnLoad) txnCall(ctx context.Context, op string, table, label string, hdr http.Header, b *body) (*response, error) {
	method := http.MethodPost
	if op == "load" {
		method = http.MethodPut
	}
	if b == nil {
		b = &body{}
	}
	res, err := x.c.do(ctx, method, "/api/transaction/"+op, hdr, b)
	if err != nil {
		return nil, &LoadError{Table: table, Label: label, Status: op, Err: err}
	}
	if res.code != http.StatusOK {
		e := httpFailure(table, label, res)
		e.Status = op + ": " + e.Status
		return nil, e
	}
	r, err := parseResponse(res)
	if err != nil {
		return nil, &LoadError{Table: table, Label: label, Status: op, Err: err}
	}
	r.Status = strings.ToUpper(strings.TrimSpace(r.Status))
	return r, nil
}

// txnFailure builds the LoadError for an unexpected reply of op.
func (x txnLoad) txnFailure(ctx context.Context, op, table, label string, r *response) *LoadError {
	e := &LoadError{Table: table, Label: label, Status: op + ": " + r.Status, Message: r.message()}
	e.classify()
	if r.Status == "ANALYSIS_ERROR" || r.Status == "INVALID_ARGUMENT" {
		e.Permanent = true
	}
	if r.ErrorURL != "" {
		e.ErrorLog = x.c.errorLog(ctx, r.ErrorURL)
	}
	return e
}

// errSettled is returned internally when the label turned out committed.
var errSettled = errors.New("label already committed")

// load makes one attempt to load lr through the transaction interface.
func (x txnLoad) load(ctx context.Context, lr loadRequest) (outcome, error) {
	table, label, data, bodies := lr.table, lr.label, lr.hdr, lr.bodies
	ctl := x.txnHeaders(table, label)

	// begin
	bh := ctl.Clone()
	if v := x.c.cfg.headers.Get("timeout"); v != "" {
		bh.Set("timeout", v)
	}
	if v := x.c.cfg.headers.Get("warehouse"); v != "" {
		bh.Set("warehouse", v)
	}
	r, err := x.txnCall(ctx, "begin", table, label, bh, nil)
	if err != nil {
		return outcome{}, err
	}
	switch r.Status {
	case txnOK:
	case txnLabelExists:
		if strings.EqualFold(r.ExistingJobStatus, "FINISHED") {
			return outcome{loaded: int64(lr.rows)}, nil
		}
		return x.txnResolve(ctx, table, label)
	default:
		return outcome{}, x.txnFailure(ctx, "begin", table, label, r)
	}

	// load, one call per chunk
	dh := data.Clone()
	for k, v := range ctl {
		dh[k] = v
	}
	dh.Set("Content-Type", "application/octet-stream")
	for i := range bodies {
		r, err := x.txnCall(ctx, "load", table, label, dh, &bodies[i])
		if err == nil && r.Status != txnOK {
			err = x.txnFailure(ctx, "load", table, label, r)
		}
		if err != nil {
			x.rollback(table, label)
			return outcome{}, err
		}
	}

	// prepare, and below commit, only under the lease, every call of them
	// (a retry comes after a backoff, when the lease may have ended): a
	// transaction is applied by its commit, so one whose rows may belong
	// to another process now is rolled back instead.
	ph := ctl.Clone()
	if v := x.c.cfg.headers.Get("prepared_timeout"); v != "" {
		ph.Set("prepared_timeout", v)
	}
	var out outcome
	for try := 1; ; try++ {
		if err := x.lease(ctx); err != nil {
			x.rollback(table, label)
			return outcome{}, err
		}
		r, err := x.txnCall(ctx, "prepare", table, label, ph, nil)
		if err != nil {
			// Unknown outcome: roll back; the next attempt begins again
			// (or finds the label committed).
			x.rollback(table, label)
			return outcome{}, err
		}
		if r.Status == txnOK {
			out = outcome{loaded: r.NumberLoadedRows, filtered: r.NumberFilteredRows}
			break
		}
		if r.Status == txnInProcessing && try < txnInProcessTries {
			if err := sleepCtx(ctx, backoff(try)); err != nil {
				return outcome{}, err
			}
			continue
		}
		if r.Status == txnNotExists {
			st, perr := x.c.pollState(ctx, label, time.Minute, func(s string) bool { return s != "PREPARE" })
			switch st {
			case "PREPARED":
				out = outcome{}
			case "COMMITTED", "VISIBLE":
				return outcome{}, nil
			default:
				e := x.txnFailure(ctx, "prepare", table, label, r)
				e.Err = perr
				return outcome{}, e
			}
			break
		}
		e := x.txnFailure(ctx, "prepare", table, label, r)
		x.rollback(table, label)
		return outcome{}, e
	}

	if err := x.txnCommit(ctx, table, label); err != nil {
		return outcome{}, err
	}
	return out, nil
}

// txnCommit commits a PREPARED label, each commit call only under the
// lease (if it is abandoned meanwhile, the label is rolled back). A non-OK
// reply is settled by polling the label (success iff COMMITTED or
// VISIBLE); PREPARED is committed again; TXN_IN_PROCESSING is retried.
func (x txnLoad) txnCommit(ctx context.Context, table, label string) error {
	for try := 1; ; try++ {
		if err := x.lease(ctx); err != nil { // every commit call under the lease
			x.rollback(table, label)
			return err
		}
		r, err := x.txnCall(ctx, "commit", table, label, x.txnHeaders(table, label), nil)
		if err == nil && r.Status == txnOK {
			return nil
		}
		if err == nil && r.Status == txnInProcessing && try < txnInProcessTries {
			if err := sleepCtx(ctx, backoff(try)); err != nil {
				return err
			}
			continue
		}
		var le *LoadError
		if err == nil {
			le = x.txnFailure(ctx, "commit", table, label, r)
		} else {
			errors.As(err, &le)
		}
		st, perr := x.c.pollState(ctx, label, time.Minute, func(s string) bool { return s != "PREPARE" && s != "" })
		switch st {
		case "COMMITTED", "VISIBLE":
			return nil
		case "PREPARED":
			if try < txnInProcessTries {
				if err := sleepCtx(ctx, backoff(try)); err != nil {
					return err
				}
				continue
			}
		}
		if le == nil {
			le = &LoadError{Table: table, Label: label, Status: "commit"}
		}
		le.Permanent, le.BadRows = false, false // the rows are fine; the commit did not settle
		if perr != nil {
			le.Err = errors.Join(le.Err, perr)
		} else {
			le.Err = errors.Join(le.Err, fmt.Errorf("label state %s after commit", st))
		}
		return le
	}
}

// txnResolve settles a label that begin found in use and not finished:
// committed → success; PREPARED (ours, from an attempt whose commit reply
// was lost) → commit; still loading → roll back and fail retryably, so the
// next attempt begins again once it is ABORTED.
func (x txnLoad) txnResolve(ctx context.Context, table, label string) (outcome, error) {
	st, err := x.c.loadState(ctx, label)
	if err != nil {
		return outcome{}, &LoadError{Table: table, Label: label, Status: "begin: " + txnLabelExists, Err: err}
	}
	switch st {
	case "COMMITTED", "VISIBLE":
		return outcome{}, nil
	case "PREPARED":
		if err := x.txnCommit(ctx, table, label); err != nil {
			return outcome{}, err
		}
		return outcome{}, nil
	case "ABORTED":
	default:
		x.rollback(table, label)
		st, _ = x.c.pollState(ctx, label, 10*time.Second, func(s string) bool { return s == "ABORTED" || s == "UNKNOWN" })
	}
	return outcome{}, &LoadError{Table: table, Label: label, Status: "begin: " + txnLabelExists,
		Message: fmt.Sprintf("label was %s; it is begun again", st)}
}

// rollback aborts label, best effort, even when ctx has ended.
func (x txnLoad) rollback(table, label string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := x.txnCall(ctx, "rollback", table, label, x.txnHeaders(table, label), nil)
	if x.c.log == nil {
		return
	}
	if err != nil {
		x.c.log.Warn("loader: rollback failed", "table", table, "label", label, "err", err)
	} else if r.Status != txnOK && r.Status != "SUCCESS" {
		x.c.log.Warn("loader: rollback not OK", "table", table, "label", label, "status", r.Status, "message", r.message())
	}
}
