package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/starcdc/starcdc/ddl"
	"github.com/starcdc/starcdc/mapping"
)

// TargetTypesSource gives the column types of a StarRocks table, for the
// values that arrive without a logical type (see mapping.TargetTypes).
//
// Types returns the types, or an error only when ctx is done before they
// could be read. It never answers "no types" for a table whose types are
// unknown: the caller would send such values as they come, and StarRocks
// would store them differently (an epoch day in a DATE column is NULL, or
// a rejected row in a NOT NULL one).
type TargetTypesSource interface {
	Types(ctx context.Context, table string) (mapping.TargetTypes, error)
}

// ColumnReader reads the columns of a table (ddl.Manager.Columns). A table
// that does not exist is ddl.ErrNoTable.
type ColumnReader interface {
	Columns(ctx context.Context, db, table string) ([]ddl.Column, error)
}

// TableTypes is the TargetTypesSource of starrocks.schemaless.types=target:
// it reads column types from information_schema over the MySQL protocol
// and caches them for typesTTL (so that a user's ALTER is seen). Create it
// with NewTableTypes.
//
// A failed read is never cached as "no types": the record that needs the
// types waits, and the read is retried with capped exponential backoff
// (retryMin doubling to retryMax) until it succeeds or ctx is done. The
// failure is remembered only until its retry is due (seconds, never
// minutes), so that a down port costs one lookup per retry, not one per
// record. While a table's records wait, a WARN naming the table and the
// error is logged at the first failure and then every warnEvery.
//
// A table that does not exist (ddl.ErrNoTable) is treated like a failed
// read: its records wait for the table and the read is retried. Sending
// them untyped instead would be wrong twice over: with
// starrocks.auto.create.tables the table is created by the Schemas hook
// before Types is asked (Pipeline.Rows), so a missing table here means it
// is really absent; and a table that someone creates a moment later would
// receive values typed for no table at all (NULL dates). Waiting loads
// the records correctly as soon as the table exists, without a restart;
// the WARN says to create it or to set starrocks.auto.create.tables.
//
// Types that were read and have expired are read again; if that read
// fails, the records wait too (the cached types are not used beyond
// typesTTL, so that a type changed by ALTER is used within typesTTL).
type TableTypes struct {
	cols ColumnReader
	db   string
	log  *slog.Logger

	mu      sync.Mutex
	cache   map[string]typesEntry     // tables whose types were read
	failing map[string]*lookupFailure // tables whose last read failed
}

type typesEntry struct {
	types   mapping.TargetTypes
	expires time.Time
}

// lookupFailure is the state of a table whose types could not be read.
type lookupFailure struct {
	err      error
	noTable  bool      // err is ddl.ErrNoTable
	attempts int       // consecutive failed reads
	since    time.Time // the first of them
	retryAt  time.Time // the next read, not before
	warned   time.Time // the last WARN
}

const (
	typesTTL = time.Minute
	// retryMin and retryMax bound the delay between two reads of a
	// table whose last read failed.
	retryMin = 200 * time.Millisecond
	retryMax = 5 * time.Second
	// lookupTimeout bounds one read (an unreachable port that drops
	// packets instead of refusing the connection).
	lookupTimeout = 10 * time.Second
	// warnEvery spaces the WARNs of a table whose records keep waiting.
	warnEvery = 30 * time.Second
)

// NewTableTypes returns the TargetTypesSource that reads the column types of
// the tables of database db through cols (a ddl.Manager).
func NewTableTypes(cols ColumnReader, db string, log *slog.Logger) *TableTypes {
	return &TableTypes{cols: cols, db: db, log: log, cache: map[string]typesEntry{}, failing: map[string]*lookupFailure{}}
}

// retryDelay is the delay after the n-th consecutive failed read (n ≥ 1).
func retryDelay(n int) time.Duration {
	d := retryMin
	for i := 1; i < n && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// Types implements TargetTypesSource: it waits, honouring ctx, until the
// table's types are read.
func (tt *TableTypes) Types(ctx context.Context, table string) (mapping.TargetTypes, error) {
	for {
		types, wait, err := tt.try(ctx, table)
		if types != nil || err != nil {
			return types, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, tt.waitErr(ctx, table)
		case <-t.C:
		}
	}
}

// try answers the cached types, or reads them if no failed read forbids
// it yet. Without types and without an error, it says how long to wait
// before the next try.
func (tt *TableTypes) try(ctx context.Context, table string) (mapping.TargetTypes, time.Duration, error) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	now := time.Now()
	if e, ok := tt.cache[table]; ok && now.Before(e.expires) {
		return e.types, 0, nil
	}
	f := tt.failing[table]
	if f != nil && now.Before(f.retryAt) {
		return nil, f.retryAt.Sub(now), nil
	}
	if ctx.Err() != nil {
		return nil, 0, tt.waitErrLocked(ctx, table)
	}
	// The lock is held during the read: concurrent callers of one table
	// wait for its answer instead of asking again.
	cctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	cols, err := tt.cols.Columns(cctx, tt.db, table)
	cancel()
	now = time.Now()
	if err == nil {
		types := make(mapping.TargetTypes, len(cols))
		for _, c := range cols {
			types[c.Name] = c.Type
		}
		tt.cache[table] = typesEntry{types: types, expires: now.Add(typesTTL)}
		if f != nil {
			delete(tt.failing, table)
			tt.log.Info("column types read: the table's records load again", "table", table, "waited", now.Sub(f.since).Round(time.Millisecond), "attempts", f.attempts+1)
		}
		return types, 0, nil
	}
	if ctx.Err() != nil {
		// Stopped while reading: not a failure of the port.
		return nil, 0, tt.waitErrLocked(ctx, table)
	}
	if f == nil {
		f = &lookupFailure{since: now}
		tt.failing[table] = f
	}
	noTable := errors.Is(err, ddl.ErrNoTable)
	f.attempts++
	delay := retryDelay(f.attempts)
	f.retryAt = now.Add(delay)
	warn := f.attempts == 1 || noTable != f.noTable || now.Sub(f.warned) >= warnEvery
	f.err, f.noTable = err, noTable
	if warn {
		f.warned = now
		msg := "cannot read the column types of the table over the MySQL protocol: its records wait (nothing is loaded untyped, nothing is dead-lettered) and the read is retried; " +
			"check starrocks.mysql.url (default: the host of starrocks.http.url, port 9030), the user's privileges, and that the FE's query port is reachable from starcdc; " +
			"or set starrocks.schemaless.types=none to load values as they come"
		if noTable {
			msg = "the table does not exist (or the user cannot see it in information_schema): its records wait until it does (nothing is loaded untyped, nothing is dead-lettered); " +
				"create it, or set starrocks.auto.create.tables=true"
		}
		tt.log.Warn(msg, "table", tt.db+"."+table, "error", err, "waiting", now.Sub(f.since).Round(time.Millisecond), "attempts", f.attempts, "retry_in", delay)
	}
	return nil, delay, nil
}

// waitErr is the error of a wait that ctx ended.
func (tt *TableTypes) waitErr(ctx context.Context, table string) error {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.waitErrLocked(ctx, table)
}

func (tt *TableTypes) waitErrLocked(ctx context.Context, table string) error {
	if f := tt.failing[table]; f != nil {
		return fmt.Errorf("stopped while waiting for the column types of %s.%s (last error, %d attempts: %v): %w", tt.db, table, f.attempts, f.err, context.Cause(ctx))
	}
	return fmt.Errorf("stopped while reading the column types of %s.%s: %w", tt.db, table, context.Cause(ctx))
}
