package replicator

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/starcdc/starcdc/ddl"
	"github.com/starcdc/starcdc/mapping"
)

// TargetTypesSource gives the column types of a StarRocks table, for the
// values that arrive without a schema (see mapping.TargetTypes). It
// returns nil when they are unknown.
type TargetTypesSource interface {
	Types(ctx context.Context, table string) mapping.TargetTypes
}

// tableTypes reads column types from information_schema over the MySQL
// protocol and caches them: a table's types for typesTTL (so that a
// user's ALTER is seen), a failure to read them for failureTTL (so that an
// unreachable MySQL port does not stall every record).
type tableTypes struct {
	m   *ddl.Manager
	db  string
	log *slog.Logger

	mu    sync.Mutex
	cache map[string]typesEntry
}

type typesEntry struct {
	types   mapping.TargetTypes
	expires time.Time
}

const (
	typesTTL   = time.Minute
	failureTTL = 10 * time.Minute
)

func newTableTypes(m *ddl.Manager, db string, log *slog.Logger) *tableTypes {
	return &tableTypes{m: m, db: db, log: log, cache: map[string]typesEntry{}}
}

// Types implements TargetTypesSource.
func (tt *tableTypes) Types(ctx context.Context, table string) mapping.TargetTypes {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	now := time.Now()
	if e, ok := tt.cache[table]; ok && now.Before(e.expires) {
		return e.types
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cols, err := tt.m.Columns(cctx, tt.db, table)
	if err != nil {
		ttl := failureTTL
		if errors.Is(err, ddl.ErrNoTable) {
			ttl = typesTTL
		}
		tt.log.Warn("cannot read the column types of a table: schemaless dates, timestamps and decimals are sent as they come (StarRocks may load them as NULL)", "table", table, "error", err, "retry_in", ttl)
		tt.cache[table] = typesEntry{expires: now.Add(ttl)}
		return nil
	}
	types := make(mapping.TargetTypes, len(cols))
	for _, c := range cols {
		types[c.Name] = c.Type
	}
	tt.cache[table] = typesEntry{types: types, expires: now.Add(typesTTL)}
	return types
}
