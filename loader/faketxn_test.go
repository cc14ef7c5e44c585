package loader

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Transaction interface of the fake (docs/streamload.md §3): the FE redirects
// begin/load/prepare to the BE and settles commit/rollback of PREPARED
// transactions itself; the BE keeps live transaction contexts.

const (
	fkInProcessing       = "inProcessing"       // BE answers TXN_IN_PROCESSING
	fkNotExistsAfterOp   = "notExistsAfterOp"   // BE performs the op, answers TXN_NOT_EXISTS
	fkCommitFailsCommits = "commitFailsCommits" // commit applies, answers FAILED
)

type fakeTxn struct {
	table  string
	rows   []string
	loads  int
	header http.Header // data headers of the first load
}

func (f *fakeSR) serveTxnFE(w http.ResponseWriter, r *http.Request, op string) {
	if !f.authOK(r) {
		writeJSON(w, 401, map[string]string{"status": "FAILED", "code": "1", "msg": "Access denied for u@ip"})
		return
	}
	label := r.Header.Get("label")
	if label == "" {
		writeJSON(w, 200, map[string]string{"Status": "FAILED", "Message": "Empty label."})
		return
	}
	redirect := func() {
		w.Header().Set("Location", f.be.URL+r.URL.RequestURI())
		w.WriteHeader(http.StatusTemporaryRedirect)
	}
	if fl := f.take("fe_"+op, ""); fl != nil && fl.kind == fkFE500 {
		http.Error(w, "boom", 500)
		return
	}
	switch op {
	case "begin", "load", "prepare":
		redirect()
		return
	case "commit", "rollback":
		f.mu.Lock()
		st, ok := f.labels[label]
		f.mu.Unlock()
		if !ok {
			writeJSON(w, 200, map[string]string{"Status": "FAILED", "Message": "class com.starrocks.common.UserException: No transaction found by label " + label})
			return
		}
		switch {
		case st == "PREPARE":
			redirect()
		case st == "PREPARED" && op == "commit":
			fl := f.take("commit", "")
			f.commitTxn(label)
			if fl != nil && fl.kind == fkCommitFailsCommits {
				writeJSON(w, 200, map[string]string{"Status": "FAILED", "Message": "commit timed out"})
				return
			}
			if fl != nil && fl.kind == fkReset {
				hijackClose(w)
				return
			}
			writeJSON(w, 200, map[string]any{"TxnId": 1, "Label": label, "Status": "OK", "Message": ""})
		case st == "PREPARED" && op == "rollback":
			f.abortTxn(label)
			writeJSON(w, 200, map[string]any{"TxnId": 1, "Label": label, "Status": "OK", "Message": ""})
		case (st == "COMMITTED" || st == "VISIBLE") && op == "commit":
			writeJSON(w, 200, map[string]any{"Status": "OK", "Message": "Transaction 1 has already committed, label is " + label})
		case st == "ABORTED" && op == "rollback":
			writeJSON(w, 200, map[string]any{"Status": "OK", "Message": "Transaction 1 has already aborted"})
		default:
			writeJSON(w, 200, map[string]any{"Status": "FAILED", "Message": fmt.Sprintf("Can not %s transaction in state %s", op, st)})
		}
		return
	}
	http.NotFound(w, r)
}

func (f *fakeSR) commitTxn(label string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tx := f.txns[label]
	f.labels[label] = "VISIBLE"
	if tx != nil {
		f.rows[tx.table] = append(f.rows[tx.table], tx.rows...)
		f.loads[tx.table]++
		delete(f.txns, label)
	}
}

func (f *fakeSR) abortTxn(label string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.labels[label] = "ABORTED"
	delete(f.txns, label)
}

func (f *fakeSR) serveTxnBE(w http.ResponseWriter, r *http.Request, op string) {
	label := r.Header.Get("label")
	reply := func(status, msg string, extra map[string]any) {
		m := map[string]any{"Status": status, "Message": msg}
		for k, v := range extra {
			m[k] = v
		}
		writeJSON(w, 200, m)
	}
	if !f.authOK(r) {
		reply("INTERNAL_ERROR", "no valid Basic authorization", nil)
		return
	}
	fl := f.take(op, r.Header.Get("table"))
	if fl != nil {
		switch fl.kind {
		case fkFail:
			io.Copy(io.Discard, r.Body)
			f.abortTxn(label) // a failed op rolls the txn back
			reply("INTERNAL_ERROR", fl.msg, nil)
			return
		case fkInProcessing:
			io.Copy(io.Discard, r.Body)
			reply("TXN_IN_PROCESSING", "Transaction is in processing", map[string]any{"Label": label})
			return
		}
	}
	f.mu.Lock()
	tx := f.txns[label]
	st, known := f.labels[label]
	f.mu.Unlock()
	switch op {
	case "begin":
		if tx != nil {
			reply("LABEL_ALREADY_EXISTS", "", map[string]any{"ExistingJobStatus": ""})
			return
		}
		if known && st != "ABORTED" {
			ex := "RUNNING"
			if st == "COMMITTED" || st == "VISIBLE" {
				ex = "FINISHED"
			}
			reply("LABEL_ALREADY_EXISTS", fmt.Sprintf("Label [%s] has already been used.", label), map[string]any{"ExistingJobStatus": ex})
			return
		}
		f.mu.Lock()
		f.txns[label] = &fakeTxn{table: r.Header.Get("table")}
		f.labels[label] = "PREPARE"
		f.mu.Unlock()
		if fl != nil && fl.kind == fkReset {
			hijackClose(w)
			return
		}
		reply("OK", "", map[string]any{"Label": label, "TxnId": 1})
	case "load":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		if tx == nil || st != "PREPARE" {
			reply("TXN_NOT_EXISTS", "Transaction with label "+label+" not exists", nil)
			return
		}
		h := r.Header.Clone()
		body, derr := decompressFake(h, body)
		if derr != nil {
			f.abortTxn(label)
			reply("INTERNAL_ERROR", derr.Error(), nil)
			return
		}
		rows, perr := f.parse(h, body)
		f.mu.Lock()
		f.reqs = append(f.reqs, beReq{path: r.URL.Path, header: h, body: body, clen: r.ContentLength, te: r.TransferEncoding})
		if perr == "" && tx.header != nil && tx.header.Get("format") != h.Get("format") {
			perr = "load request not equal last."
		}
		if perr == "" {
			tx.rows = append(tx.rows, rows...)
			tx.loads++
			if tx.header == nil {
				tx.header = h
			}
		}
		f.mu.Unlock()
		if perr != "" {
			f.abortTxn(label)
			reply("INTERNAL_ERROR", perr, nil)
			return
		}
		if fl != nil && fl.kind == fkReset {
			hijackClose(w)
			return
		}
		reply("OK", "", map[string]any{"Label": label, "TxnId": 1, "LoadBytes": len(body)})
	case "prepare":
		if tx == nil || st != "PREPARE" {
			reply("TXN_NOT_EXISTS", "transaction with label "+label+" not exists", nil)
			return
		}
		if tx.loads == 0 {
			reply("INTERNAL_ERROR", "transaction hasn't send any data yet", nil)
			return
		}
		if fl != nil && fl.kind == fkFiltered {
			f.abortTxn(label)
			reply("INTERNAL_ERROR", "too many filtered rows", map[string]any{"ErrorURL": f.be.URL + "/api/_load_error_log?file=x"})
			return
		}
		f.mu.Lock()
		f.labels[label] = "PREPARED"
		n := len(tx.rows)
		f.mu.Unlock()
		if fl != nil && fl.kind == fkNotExistsAfterOp {
			reply("TXN_NOT_EXISTS", "transaction with label "+label+" not exists", nil)
			return
		}
		if fl != nil && fl.kind == fkReset {
			hijackClose(w)
			return
		}
		reply("OK", "", map[string]any{"Label": label, "TxnId": 1, "NumberTotalRows": n, "NumberLoadedRows": n})
	case "commit": // one-phase commit of a PREPARE txn
		if tx == nil {
			reply("TXN_NOT_EXISTS", "transaction with label "+label+" not exists", nil)
			return
		}
		f.commitTxn(label)
		reply("OK", "", map[string]any{"Label": label})
	case "rollback":
		f.abortTxn(label)
		reply("OK", "", nil)
	default:
		http.NotFound(w, r)
	}
}

// decompressFake undoes the compression header (tests of Compression).
func decompressFake(h http.Header, body []byte) ([]byte, error) {
	c := strings.ToUpper(h.Get("compression"))
	if c == "" {
		return body, nil
	}
	return decompress(c, body)
}
