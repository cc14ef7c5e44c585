package starrocks

import (
	"fmt"
	"regexp"
	"time"
)

// txnState is a transaction state (docs/streamload.md §2.6, §3.4).
type txnState int

const (
	txnPrepare txnState = iota
	txnPrepared
	txnCommitted
	txnVisible
	txnAborted
)

func (s txnState) String() string {
	switch s {
	case txnPrepare:
		return "PREPARE"
	case txnPrepared:
		return "PREPARED"
	case txnCommitted:
		return "COMMITTED"
	case txnVisible:
		return "VISIBLE"
	case txnAborted:
		return "ABORTED"
	}
	return "UNKNOWN"
}

// txn is one load transaction as the FE tracks it.
type txn struct {
	id                  int64
	db, table, label    string
	state               txnState
	reason              string
	visibleAt           time.Time // COMMITTED → VISIBLE at this time (publish timeout fault)
	finishedAt          time.Time
	preparedDeadline    time.Time
	result              *loadResult // PREPARED: the data to apply at commit
	preparedTimeoutSecs int64
}

// stateAt reports the state, turning a COMMITTED txn VISIBLE once its
// publish has "finished".
func (t *txn) stateAt(now time.Time) txnState {
	if t.state == txnCommitted && !now.Before(t.visibleAt) {
		return txnVisible
	}
	return t.state
}

// existingJobStatus: RUNNING for PREPARE/PREPARED, FINISHED for
// COMMITTED/VISIBLE (docs/streamload.md §2.2).
func existingJobStatus(s txnState) string {
	if s == txnPrepare || s == txnPrepared {
		return "RUNNING"
	}
	return "FINISHED"
}

// labelDB is the label registry of one database (docs/streamload.md §2.5).
type labelDB struct {
	byLabel map[string]*txn // the latest txn of each label
	final   []*txn          // final txns, oldest first, for eviction
}

func (e *Emulator) labelDBLocked(db string) *labelDB {
	l, ok := e.labels[db]
	if !ok {
		l = &labelDB{byLabel: map[string]*txn{}}
		e.labels[db] = l
	}
	return l
}

func (e *Emulator) lookupTxnLocked(db, label string) *txn {
	if l, ok := e.labels[db]; ok {
		return l.byLabel[label]
	}
	return nil
}

var labelRegexp = regexp.MustCompile(`^[-\w]{1,128}$`)

// beginLocked is the FE's loadTxnBegin (docs/streamload.md §2.3, §2.5): it checks
// the user, the database, the table and the label, then registers a PREPARE
// txn that holds the label.
func (e *Emulator) beginLocked(db, tableName, label, user, pass, ip string) (*txn, *table, *statusErr) {
	if pw, ok := e.users[user]; !ok || pw != pass {
		return nil, nil, newStatus(codeAnalysisError, "Access denied for %s@%s", user, ip)
	}
	tbl, err := e.store.table(db, tableName)
	if err != nil {
		return nil, nil, newStatus(codeAnalysisError, "%s", lookupError(db, tableName, err))
	}
	if !labelRegexp.MatchString(label) {
		return nil, nil, newStatus(codeAnalysisError, `Label format error. regex: ^[-\w]{1,128}$, label: %s`, label)
	}
	now := e.now()
	e.sweepLocked(now)
	l := e.labelDBLocked(db)
	if old := l.byLabel[label]; old != nil {
		if st := old.stateAt(now); st != txnAborted {
			se := newStatus(codeLabelExists, "Label [%s] has already been used.", label)
			se.existing = existingJobStatus(st)
			return nil, nil, se
		}
	}
	e.nextTxnID++
	t := &txn{id: e.nextTxnID, db: db, table: tableName, label: label, state: txnPrepare}
	l.byLabel[label] = t
	return t, tbl, nil
}

// abortLocked aborts a PREPARE or PREPARED txn; its label becomes reusable.
func (e *Emulator) abortLocked(t *txn, reason string) {
	if t.state != txnPrepare && t.state != txnPrepared {
		return
	}
	t.state = txnAborted
	t.reason = reason
	t.result = nil
	delete(e.prepared, t)
	e.finalizeLocked(t, e.now())
}

// commitLocked applies the load atomically and makes the txn VISIBLE (one
// new version). With publishTimeout > 0 it stays COMMITTED that long (on
// the emulator's clock).
func (e *Emulator) commitLocked(t *txn, res *loadResult, publishTimeout time.Duration) *statusErr {
	if t.state != txnPrepare && t.state != txnPrepared {
		return newStatus(codeInternalError, "transaction %d is %s, cannot commit", t.id, t.state)
	}
	res.batch.loaded, res.batch.filtered = res.loaded, res.filtered
	if err := res.tbl.apply(res.batch); err != nil {
		return newStatus(codeInternalError, "%v", err)
	}
	now := e.now()
	t.result = nil
	delete(e.prepared, t)
	if publishTimeout > 0 {
		t.state = txnCommitted
		t.visibleAt = now.Add(publishTimeout)
	} else {
		t.state = txnVisible
	}
	e.finalizeLocked(t, now)
	return nil
}

// publishWaitLocked is how long a commit under fault f stays COMMITTED:
// 0 (VISIBLE at once) unless f is a FaultPublishTimeout, then its Delay or
// by default the emulator's publish delay.
func (e *Emulator) publishWaitLocked(f *Fault) time.Duration {
	if !f.is(FaultPublishTimeout) {
		return 0
	}
	if f.Delay > 0 {
		return f.Delay
	}
	return e.publishDelay
}

func (e *Emulator) prepareLocked(t *txn, res *loadResult, timeout time.Duration) {
	t.state = txnPrepared
	t.result = res
	t.preparedDeadline = e.now().Add(timeout)
	e.prepared[t] = struct{}{}
}

// finalizeLocked records a final txn and forgets the oldest ones beyond
// label_keep_max_num or older than label_keep_max_second (§2.5). COMMITTED
// txns are counted as final here too.
func (e *Emulator) finalizeLocked(t *txn, now time.Time) {
	t.finishedAt = now
	l := e.labelDBLocked(t.db)
	l.final = append(l.final, t)
	e.evictLocked(l, now)
}

// evictLocked forgets l's oldest final txns beyond label_keep_max_num or
// finished more than label_keep_max_second ago, as DTM removeExpiredTxns
// does (every transaction_clean_interval_second in StarRocks; here on
// each finish and each sweep). A forgotten label answers get_load_state
// UNKNOWN and may be used again.
func (e *Emulator) evictLocked(l *labelDB, now time.Time) {
	for len(l.final) > 0 && (len(l.final) > e.labelKeepMaxNum || now.Sub(l.final[0].finishedAt) > e.labelKeepMax) {
		old := l.final[0]
		l.final[0] = nil
		l.final = l.final[1:]
		if l.byLabel[old.label] == old {
			delete(l.byLabel, old.label)
		}
	}
}

// sweepLocked does what the BE cleaner and the FE timeout checker do
// (docs/streamload.md §3.4): abort transaction contexts past `timeout` or
// `idle_transaction_timeout`, and PREPARED txns past prepared_timeout.
func (e *Emulator) sweepLocked(now time.Time) {
	for _, l := range e.labels {
		e.evictLocked(l, now)
	}
	for _, c := range e.beCtxs {
		if c.busy {
			continue
		}
		switch {
		case c.timeout > 0 && now.Sub(c.began) > c.timeout:
			e.abortCtxLocked(c, fmt.Sprintf("transaction is aborted by timeout %d seconds.", int64(c.timeout/time.Second)))
		case c.idleTimeout > 0 && now.Sub(c.lastActive) > c.idleTimeout:
			e.abortCtxLocked(c, fmt.Sprintf("transaction is aborted by idle timeout %d seconds.", int64(c.idleTimeout/time.Second)))
		}
	}
	for t := range e.prepared {
		if now.After(t.preparedDeadline) {
			e.abortLocked(t, fmt.Sprintf("prepared transaction timeout after %d seconds", t.preparedTimeoutSecs))
		}
	}
}

// beTxnCtx is the BE's in-memory context of a transaction stream load.
type beTxnCtx struct {
	id                   string
	label, db, table     string
	txn                  *txn
	tbl                  *table
	timeout, idleTimeout time.Duration
	began, lastActive    time.Time
	busy                 bool // the try-lock: TXN_IN_PROCESSING
	params               *loadParams
	bodies               [][]byte
	bodyBytes            int64
	totalReceived        int64
	aborted              string
}

// abortCtxLocked rolls back a transaction context and forgets it.
func (e *Emulator) abortCtxLocked(c *beTxnCtx, reason string) {
	c.aborted = reason
	if e.beCtxs[c.label] == c {
		delete(e.beCtxs, c.label)
	}
	e.abortLocked(c.txn, reason)
}

func (c *beTxnCtx) brief() string {
	return fmt.Sprintf("id=%s, job_id=-1, txn_id: %d, label=%s, db=%s", c.id, c.txn.id, c.label, c.db)
}
