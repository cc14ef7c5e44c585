package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/ddl"
	"github.com/starcdc/starcdc/decode"
)

// SchemaHook runs before the rows of a record are emitted. TableSync, the
// hook the replicator installs, creates and evolves StarRocks tables
// (package ddl), so that rows of a new shape are never loaded before their
// columns exist.
type SchemaHook interface {
	Ensure(ctx context.Context, table string, key decode.Record, ch cdc.Change) error
}

// TableSync is the SchemaHook of starrocks.auto.create.tables and
// starrocks.schema.evolution: on the first record of a table, and whenever
// a record's key or row schema differs from the last one seen, it plans the
// table from the schemas and runs ddl.Manager.Sync. A table the record
// cannot fit (ddl.ErrIncompatible, ddl.ErrNoTable) is the record's fault;
// DDL that cannot run (MySQL port, privileges) stops the pipeline
// (ErrStop). Create it with NewTableSync.
type TableSync struct {
	m   *ddl.Manager
	o   ddl.Options
	db  string
	log *slog.Logger

	mu   sync.Mutex
	last map[string]seenSchema
}

type seenSchema struct {
	key, row *decode.Schema // pointers: registry converters reuse them
	print    uint64
}

// NewTableSync returns the SchemaHook that keeps the tables of database db
// in step with the records' schemas through m, with the options o.
func NewTableSync(m *ddl.Manager, o ddl.Options, db string, log *slog.Logger) *TableSync {
	return &TableSync{m: m, o: o, db: db, log: log, last: map[string]seenSchema{}}
}

// Ensure implements SchemaHook.
func (s *TableSync) Ensure(ctx context.Context, table string, key decode.Record, ch cdc.Change) error {
	return s.EnsureSchemas(ctx, table, key.Schema, ch.Row.Schema, ch.Op)
}

// EnsureSchemas implements SchemaEnsurer: Ensure by the key's schema and
// the row's.
func (s *TableSync) EnsureSchemas(ctx context.Context, table string, keySchema, row *decode.Schema, op cdc.Op) error {
	if op == cdc.OpDelete && (row == nil || row == keySchema) {
		return nil // a delete by key carries no row shape; the table must already exist
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, ok := s.last[table]
	if ok && prev.key == keySchema && prev.row == row {
		return nil
	}
	print := ddl.Fingerprint(keySchema, row)
	if ok && prev.print == print {
		s.last[table] = seenSchema{key: keySchema, row: row, print: print}
		return nil
	}
	t, notes, err := ddl.Plan(table, keySchema, row, s.o)
	if err != nil {
		return fmt.Errorf("planning table %s.%s: %w", s.db, table, err)
	}
	changed, err := s.m.Sync(ctx, s.db, t, s.o)
	if err != nil {
		if errors.Is(err, ddl.ErrIncompatible) || errors.Is(err, ddl.ErrNoTable) {
			return fmt.Errorf("table %s.%s: %w", s.db, table, err) // this table's records go to the dead-letter path
		}
		return Stop(fmt.Errorf("running DDL for table %s.%s over the MySQL protocol: %w (check starrocks.mysql.url and the user's CREATE/ALTER privileges)", s.db, table, err))
	}
	for _, n := range notes {
		s.log.Warn("table planning note", "table", table, "note", n.String())
	}
	switch {
	case changed:
		s.log.Info("table evolved to the record's schema (ALTER TABLE)", "table", table, "columns", len(t.Columns))
	case !ok:
		s.log.Info("table ready", "table", table, "columns", len(t.Columns))
	}
	s.last[table] = seenSchema{key: keySchema, row: row, print: print}
	return nil
}
