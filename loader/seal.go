package loader

import (
	"context"
	"fmt"
)

// Seal cuts the open rows of every table into loads labelled by name
// alone — Label(LabelPrefix, table, name), and for the k-th Headers
// segment of a table (k ≥ 2) that label followed by "-s<k>" — and starts
// them; it does not wait (see Durable, Wait, Flush). The labels are a
// function of name and the table only, not of the rows: a caller that
// names what the rows cover (their source positions) and, after a crash,
// appends the same rows in the same order and seals them under the same
// name gets the same loads, and StarRocks stores each once (a committed
// label answers "Label Already Exists"). Use it with Options.Manual, so
// that no row is cut into a load any other way. A name must not be
// reused for other rows.
func (l *Loader) Seal(name string) {
	l.mu.Lock()
	if l.closed || l.fenced != nil {
		l.mu.Unlock()
		return
	}
	for _, t := range l.tables {
		if len(t.open) > 0 {
			l.cut(t, name, cutExact)
		}
	}
	l.notify()
	l.mu.Unlock()
	l.kick()
}

// LabelState asks StarRocks for the state of a load label: "UNKNOWN" (no
// such label, or forgotten after label_keep_max_second), "PREPARE",
// "PREPARED", "COMMITTED", "VISIBLE" or "ABORTED" (docs/streamload.md
// §2.6).
func (l *Loader) LabelState(ctx context.Context, label string) (string, error) {
	return l.client.loadState(ctx, label)
}

// SealLabel returns the label Seal(name) gives the first load of table.
func (l *Loader) SealLabel(table, name string) string {
	return Label(l.cfg.LabelPrefix, table, name)
}

// CommitPrepared commits the PREPARED transaction labelled label on table
// (the transaction interface: a load prepared by a process that died
// before committing it), under the Lease like every commit. With Stream
// Load, whose loads are never left PREPARED, it is an error.
func (l *Loader) CommitPrepared(ctx context.Context, table, label string) error {
	x, ok := l.proto.(txnLoad)
	if !ok {
		return fmt.Errorf("loader: label %s is PREPARED, which only the transaction interface leaves; set starrocks.load.mode=transaction or commit or roll it back in StarRocks", label)
	}
	return x.txnCommit(ctx, table, label)
}
