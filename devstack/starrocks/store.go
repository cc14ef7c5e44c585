package starrocks

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"sync"
)

// store holds databases and primary-key tables. It knows nothing of HTTP,
// labels or transactions, so a MySQL-protocol front end can reuse it.
//
// Locking: store.mu guards the maps of databases and tables; each table has
// its own lock for its rows and stats. Callers may hold the emulator's
// registry lock while calling into the store, never the reverse.
type store struct {
	mu  sync.RWMutex
	dbs map[string]*database

	// mysql is the MySQL-protocol front end (mysql.go), started on first
	// use by Emulator.MySQLAddr. It only reads and alters the store.
	mysql mysqlFront
}

type database struct {
	name   string
	tables map[string]*table // guarded by store.mu
}

// column is one column of a table schema. Columns are immutable once in a
// schema: ALTER TABLE builds new ones.
type column struct {
	name     string
	typ      *colType
	nullable bool
	key      bool
	comment  string // from SQL CREATE/ALTER; shown by SHOW CREATE TABLE
}

// schema is immutable once a table is created. ALTER TABLE (sqlalter.go)
// installs a new *schema under table.mu, rewriting the rows to the new
// layout in the same critical section; loads planned against the old one
// are then refused at apply time (see table.apply).
type schema struct {
	cols    []*column
	nKeys   int
	byLower map[string]int // column names are case-insensitive (§4)
}

func (s *schema) lookup(name string) (int, bool) {
	i, ok := s.byLower[strings.ToLower(name)]
	return i, ok
}

// table is a primary-key or duplicate-key table. rows holds the row cells,
// each nil (NULL) or the value rendered as StarRocks prints it. In a
// primary-key table it is keyed by the encoded primary key; in a
// duplicate-key table every loaded row is kept, keyed by dupRowKey of its
// load sequence number, so that rows with equal keys stay in load order.
type table struct {
	db, name string
	kind     TableKind  // fixed at creation
	schema   *schema    // replaced only under mu (ALTER TABLE); read it with currentSchema
	meta     *tableMeta // CREATE TABLE clauses from SQL; nil for CreateTable (Go API)

	mu    sync.RWMutex
	rows  map[string][]any
	seq   uint64 // duplicate-key tables: rows appended so far
	stats TableStats
}

// dupRowKey is the rows key of the n-th row appended to a duplicate-key
// table; keys sort in load order.
func dupRowKey(n uint64) string { return fmt.Sprintf("dup:%020d", n) }

var (
	errUnknownDB    = errors.New("unknown database")
	errUnknownTable = errors.New("unknown table")
)

func newStore() *store {
	return &store{dbs: map[string]*database{}}
}

const (
	maxDBNameLen    = 256
	maxTableNameLen = 1024
	maxColNameLen   = 1024
)

func (s *store) createDatabase(name string) error {
	if name == "" || len(name) > maxDBNameLen {
		return fmt.Errorf("invalid database name %q: must be 1..%d characters", name, maxDBNameLen)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dbs[name]; !ok {
		s.dbs[name] = &database{name: name, tables: map[string]*table{}}
	}
	return nil
}

func (s *store) hasDB(name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.dbs[name]
	return ok
}

var reservedColumn = regexp.MustCompile(`(?i)^(__op|__row.*)$`)

// createTable validates and creates a table of the given kind
// (docs/streamload.md §4).
func (s *store) createTable(db, name string, cols []Column, keys []string, kind TableKind) error {
	_, err := s.createTableMeta(db, name, cols, keys, kind, nil, false)
	return err
}

// createTableMeta is createTable with the SQL front end's extras: the
// table's CREATE clauses and IF NOT EXISTS (created=false, no error when the
// table exists).
func (s *store) createTableMeta(db, name string, cols []Column, keys []string, kind TableKind, meta *tableMeta, ifNotExists bool) (created bool, err error) {
	sc, err := buildSchema(db, name, cols, keys, kind)
	if err != nil {
		return false, err
	}
	if meta != nil {
		for i, c := range meta.colComments {
			if i < len(sc.cols) {
				sc.cols[i].comment = c
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.dbs[db]
	if !ok {
		return false, fmt.Errorf("Unknown database '%s'", db)
	}
	if _, exists := d.tables[name]; exists {
		if ifNotExists {
			return false, nil
		}
		return false, fmt.Errorf("Table '%s' already exists", name)
	}
	d.tables[name] = &table{db: db, name: name, kind: kind, schema: sc, meta: meta, rows: map[string][]any{}}
	return true, nil
}

// buildSchema validates the columns and key of a table of the given kind.
// Both kinds need their key columns first and in key order; a primary key
// is NOT NULL and of the §4 key types, a duplicate (sort) key may be
// nullable and of any type but FLOAT, DOUBLE, JSON, ARRAY and VARBINARY.
func buildSchema(db, name string, cols []Column, pk []string, kind TableKind) (*schema, error) {
	if kind != KindPrimaryKey && kind != KindDuplicate {
		return nil, fmt.Errorf("table %s.%s: unknown table kind %d", db, name, int(kind))
	}
	if name == "" || len(name) > maxTableNameLen {
		return nil, fmt.Errorf("invalid table name %q: must be 1..%d characters", name, maxTableNameLen)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s.%s: no columns", db, name)
	}
	if len(pk) == 0 {
		return nil, fmt.Errorf("table %s.%s: %s is required (the emulator needs the key columns named)", db, name, kind.keyClause())
	}
	sc := &schema{byLower: map[string]int{}, nKeys: len(pk)}
	for i, c := range cols {
		if c.Name == "" || len(c.Name) > maxColNameLen {
			return nil, fmt.Errorf("invalid column name %q", c.Name)
		}
		if reservedColumn.MatchString(c.Name) {
			return nil, fmt.Errorf("column name '%s' is reserved", c.Name)
		}
		lower := strings.ToLower(c.Name)
		if _, dup := sc.byLower[lower]; dup {
			return nil, fmt.Errorf("Duplicate column name '%s'", c.Name)
		}
		typ, err := parseType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("column '%s': %v", c.Name, err)
		}
		sc.byLower[lower] = i
		sc.cols = append(sc.cols, &column{name: c.Name, typ: typ, nullable: c.Nullable})
	}
	for i, k := range pk {
		idx, ok := sc.lookup(k)
		if !ok {
			return nil, fmt.Errorf("Key column '%s' doesn't exist in table", k)
		}
		if idx != i {
			return nil, errors.New("Key columns must be the first few columns of the schema and the order of the key columns must be consistent with the order of the schema")
		}
		c := sc.cols[idx]
		if kind == KindDuplicate {
			if !c.typ.sortKeyAllowed() {
				return nil, fmt.Errorf("Invalid data type of key column '%s': '%s'", c.name, c.typ.String())
			}
			c.key = true
			continue
		}
		if c.nullable {
			return nil, fmt.Errorf("primary key column[%s] cannot be nullable", c.name)
		}
		if !c.typ.keyAllowed() {
			return nil, fmt.Errorf("primary key column[%s] type not supported", c.name)
		}
		c.key = true
	}
	return sc, nil
}

// table returns the named table, or errUnknownDB / errUnknownTable.
func (s *store) table(db, name string) (*table, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.dbs[db]
	if !ok {
		return nil, errUnknownDB
	}
	t, ok := d.tables[name]
	if !ok {
		return nil, errUnknownTable
	}
	return t, nil
}

// rowOp is one row of a load after conversion: an upsert or a delete by key.
type rowOp struct {
	del     bool
	key     string
	cells   []any  // one per schema column; nil = NULL
	present []bool // partial update: which cells are written; nil = all
}

// applyBatch is what table.apply needs from a load.
type applyBatch struct {
	schema   *schema
	ops      []rowOp
	loaded   int64
	filtered int64
	deletes  int64
}

// apply applies the ops in order atomically: either all of them become
// visible or none, and the load counts as one version. A primary-key table
// keeps the last op per key; a duplicate-key table appends every row.
func (t *table) apply(b *applyBatch) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b.schema != t.schema {
		return fmt.Errorf("the schema of table %s.%s changed during the load, retry it", t.db, t.name)
	}
	for _, op := range b.ops {
		// A load that read table.schema twice across an ALTER TABLE has
		// rows of the old width: refuse it like a stale plan.
		if !op.del && len(op.cells) != len(t.schema.cols) {
			return fmt.Errorf("the schema of table %s.%s changed during the load, retry it", t.db, t.name)
		}
	}
	if t.kind == KindDuplicate {
		for _, op := range b.ops {
			t.seq++
			t.rows[dupRowKey(t.seq)] = op.cells
		}
		t.countLoad(b)
		return nil
	}
	type pending struct {
		row     []any
		deleted bool
	}
	overlay := map[string]*pending{}
	current := func(key string) ([]any, bool) {
		if p, ok := overlay[key]; ok {
			return p.row, !p.deleted
		}
		r, ok := t.rows[key]
		return r, ok
	}
	for _, op := range b.ops {
		if op.del {
			overlay[op.key] = &pending{deleted: true}
			continue
		}
		if op.present == nil {
			overlay[op.key] = &pending{row: op.cells}
			continue
		}
		// Partial update (docs/streamload.md §1.2): only listed columns change.
		old, exists := current(op.key)
		row := make([]any, len(op.cells))
		if exists {
			copy(row, old)
		}
		for i, p := range op.present {
			if p {
				row[i] = op.cells[i]
			} else if !exists && !t.schema.cols[i].nullable {
				return fmt.Errorf("starrocks emulator: partial update inserts a new row but gives no value for NOT NULL column '%s' (column defaults are not emulated)", t.schema.cols[i].name)
			}
		}
		overlay[op.key] = &pending{row: row}
	}
	for k, p := range overlay {
		if p.deleted {
			delete(t.rows, k)
		} else {
			t.rows[k] = p.row
		}
	}
	t.countLoad(b)
	return nil
}

// countLoad adds a committed load to the stats; t.mu is held.
func (t *table) countLoad(b *applyBatch) {
	t.stats.Loads++
	t.stats.LoadedRows += b.loaded
	t.stats.FilteredRows += b.filtered
	t.stats.DeletedRows += b.deletes
}

// currentSchema returns the table's schema under its lock. The HTTP load
// path (load.go, be.go) still reads table.schema directly; that is safe as
// long as no ALTER TABLE runs concurrently with a load's planning.
func (t *table) currentSchema() *schema {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.schema
}

func (t *table) getStats() TableStats {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.stats
}

// sortedRows returns a copy of the rows ordered by key, then (in a
// duplicate-key table) by load order.
func (t *table) sortedRows() []map[string]any {
	sc, rows := t.snapshot()
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		m := make(map[string]any, len(sc.cols))
		for ci, c := range sc.cols {
			m[c.name] = r[ci]
		}
		out[i] = m
	}
	return out
}

func compareKeys(sc *schema, a, b []any) int {
	for i := 0; i < sc.nKeys; i++ {
		x, _ := a[i].(string)
		y, _ := b[i].(string)
		var c int
		if sc.cols[i].typ.isNumeric() {
			bx, _ := new(big.Int).SetString(x, 10)
			by, _ := new(big.Int).SetString(y, 10)
			if bx != nil && by != nil {
				c = bx.Cmp(by)
			} else {
				c = strings.Compare(x, y)
			}
		} else {
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// encodeKey builds the map key of a row from its rendered key cells, which
// are canonical (e.g. INT "007" is stored as "7").
func encodeKey(sc *schema, cells []any) string {
	var b strings.Builder
	for i := 0; i < sc.nKeys; i++ {
		s, _ := cells[i].(string)
		fmt.Fprintf(&b, "%d:%s;", len(s), s)
	}
	return b.String()
}

// primaryKeyLimit is BE primary_key_limit_size (docs/streamload.md §4).
const primaryKeyLimit = 128

func keySize(sc *schema, cells []any) int {
	n := 0
	for i := 0; i < sc.nKeys; i++ {
		s, _ := cells[i].(string)
		n += sc.cols[i].typ.keySize(s, i == sc.nKeys-1)
	}
	return n
}
