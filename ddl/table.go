package ddl

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/mapping"
)

// Errors of Plan; match them with errors.Is.
var (
	// ErrNoKey: the topic's records have no key schema, so there is no
	// primary key to create.
	ErrNoKey = errors.New("the topic has no record key schema, so starcdc cannot choose a primary key")
	// ErrInvalidName: a database, table or column name cannot be used in DDL.
	ErrInvalidName = errors.New("invalid name")
	// ErrNoSchema: the value schema cannot give columns (schemaless JSON,
	// not a struct, a field without a StarRocks type).
	ErrNoSchema = errors.New("no usable value schema")
	// ErrKeyTooWide: the primary key cannot be made to fit StarRocks'
	// 128-byte encoded key limit.
	ErrKeyTooWide = errors.New("primary key too wide")
)

// Name limits of StarRocks (docs/streamload.md §4).
const (
	MaxDatabaseName = 256
	MaxTableName    = mapping.MaxTableName // checked by mapping.ValidTable
	MaxColumnName   = 1024
	// PrimaryKeyLimit is BE primary_key_limit_size: the encoded primary key
	// of a row may not exceed it.
	PrimaryKeyLimit = 128
)

// Model is the StarRocks table model.
type Model int

const (
	// PrimaryKey is a PRIMARY KEY table: upserts and deletes by key, what a
	// CDC replica needs.
	PrimaryKey Model = iota
	// DuplicateKey is a DUPLICATE KEY table (append only: every change is a
	// new row, deletes cannot be applied). Only for topics without a key and
	// only when Options.DuplicateKeyWithoutKey is set.
	DuplicateKey
)

func (m Model) String() string {
	if m == DuplicateKey {
		return "DUPLICATE KEY"
	}
	return "PRIMARY KEY"
}

// Column is a StarRocks column. Type is StarRocks type text in starcdc's
// canonical spelling, the one mapping.ColumnType returns (INT, BIGINT,
// VARCHAR(36), DECIMAL(10,2), DATETIME, ARRAY<INT>, ...); Columns of a live
// table are converted to it from information_schema's COLUMN_TYPE.
type Column struct {
	Name     string
	Type     string
	Nullable bool
	Key      bool // part of the primary (or duplicate) key
}

// Table is the planned StarRocks table of a topic.
type Table struct {
	Name  string
	Model Model
	// Columns: the key columns first, in key order, then the value columns
	// in the order of the source row.
	Columns []Column
	// Key names the key columns (PRIMARY KEY / DUPLICATE KEY); for a
	// DuplicateKey table it may be empty (StarRocks chooses the sort key).
	Key            []string
	Buckets        int               // 0: no BUCKETS clause (StarRocks ≥ 2.5.7 chooses)
	ReplicationNum int               // 0: no replication_num (the cluster's default_replication_num, 3 out of the box)
	Properties     map[string]string // other PROPERTIES, written sorted by key
}

// Note explains a decision of Plan that changed what a reader would expect
// from the source schema (a key type StarRocks refuses, a narrowed key).
type Note struct {
	Column string // "" for the whole table
	Text   string
}

func (n Note) String() string {
	if n.Column == "" {
		return n.Text
	}
	return "column " + n.Column + ": " + n.Text
}

// Column returns the named column (case-insensitive, as StarRocks), or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if strings.EqualFold(t.Columns[i].Name, name) {
			return &t.Columns[i]
		}
	}
	return nil
}

// RowSchema returns the struct schema whose fields are the table's columns:
// the `after` field of a Debezium envelope, or the value schema itself when
// it is already a flat row (ExtractNewRecordState). It is nil when the
// value has no usable schema.
func RowSchema(value *decode.Schema) (*decode.Schema, error) {
	if value == nil {
		return nil, fmt.Errorf("%w: the record value has no schema (schemaless JSON or a null value); enable schemas in the converter or create the table yourself", ErrNoSchema)
	}
	if value.Type != decode.TypeStruct {
		return nil, fmt.Errorf("%w: the record value is a %s, not a struct of columns; create the table yourself", ErrNoSchema, value.Type)
	}
	if value.IsEnvelope() {
		f := value.Field("after")
		if f == nil || f.Schema == nil || f.Schema.Type != decode.TypeStruct {
			return nil, fmt.Errorf("%w: the Debezium envelope %q has no struct field \"after\"", ErrNoSchema, value.Name)
		}
		return f.Schema, nil
	}
	return value, nil
}

// Plan derives the StarRocks table of a topic from its Kafka key and value
// schemas:
//
//   - columns from the value's row (see RowSchema), typed by
//     mapping.ColumnType, all value columns nullable (a NOT NULL value column
//     would filter rows whose value fails to convert, and relaxing it later
//     takes a schema change);
//   - the PRIMARY KEY from the key schema's fields, in key order, moved
//     first and NOT NULL; key types StarRocks refuses become the type of
//     mapping.PrimaryKeyType and a Note says so;
//   - a key whose encoded width could exceed 128 bytes has its VARCHAR
//     columns narrowed so the sum fits, with a Note;
//   - no key schema: ErrNoKey, or a DUPLICATE KEY table when
//     o.DuplicateKeyWithoutKey;
//   - a row field named exactly __op (ExtractNewRecordState's
//     add.fields=op) is not a column: the encoder writes StarRocks' own
//     __op instead (a Note says so).
//
// value is the record's value schema, or the schema of the row starcdc
// loads when its own unwrapping adds fields (cdc.Change.Row.Schema with
// add.fields / __deleted), so that every key the encoder sends has a column.
//
// Every name is validated (ValidateTable, ValidateColumn): a topic or field
// name can never inject SQL.
func Plan(table string, key, value *decode.Schema, o Options) (*Table, []Note, error) {
	if err := ValidateTable(table); err != nil {
		return nil, nil, err
	}
	row, err := RowSchema(value)
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", table, err)
	}
	t := &Table{Name: table, Buckets: o.Buckets, ReplicationNum: o.ReplicationNum, Properties: maps.Clone(o.Properties)}
	var notes []Note
	var cols []Column
	seen := map[string]string{}
	for _, f := range row.Fields {
		if f.Name == mapping.OpColumn {
			// ExtractNewRecordState's add.fields=op: the encoder writes its
			// own __op (StarRocks' operation column) instead.
			notes = append(notes, Note{Column: f.Name, Text: "not a table column: it is StarRocks' operation column, which starcdc writes from each change's op"})
			continue
		}
		if err := ValidateColumn(f.Name); err != nil {
			return nil, nil, fmt.Errorf("table %s: %w", table, err)
		}
		if prev, dup := seen[strings.ToLower(f.Name)]; dup {
			return nil, nil, fmt.Errorf("table %s: %w: fields %q and %q are the same StarRocks column (column names are case-insensitive); rename one in the source or with a transform", table, ErrInvalidName, prev, f.Name)
		}
		seen[strings.ToLower(f.Name)] = f.Name
		typ, err := mapping.ColumnType(f.Schema, o.TypeOptions)
		if err != nil {
			return nil, nil, fmt.Errorf("table %s, column %s: %w; create the table yourself or drop the field with a transform", table, f.Name, err)
		}
		cols = append(cols, Column{Name: f.Name, Type: typ, Nullable: true})
	}
	if len(cols) == 0 {
		return nil, nil, fmt.Errorf("table %s: %w: the row schema %q has no fields", table, ErrNoSchema, row.Name)
	}

	if key == nil {
		if !o.DuplicateKeyWithoutKey {
			return nil, nil, fmt.Errorf("table %s: %w (a PRIMARY KEY table needs the key columns; Debezium sends them as the record key): "+
				"give the source table a primary key or set message.key.columns in Debezium, create the table yourself, "+
				"or set starrocks.table.keyless=duplicate for an append-only DUPLICATE KEY table", table, ErrNoKey)
		}
		t.Model = DuplicateKey
		t.Columns = cols
		if first := cols[0]; keyCapable(first.Type) {
			t.Columns[0].Key = true
			t.Key = []string{first.Name}
		}
		notes = append(notes, Note{Text: "the topic has no key: DUPLICATE KEY table, append-only (updates add rows, deletes are not applied)"})
		return t, notes, nil
	}
	if key.Type != decode.TypeStruct || len(key.Fields) == 0 {
		return nil, nil, fmt.Errorf("table %s: %w: the record key is a %s, not a struct of key columns; use a struct key (Debezium's default) or create the table yourself", table, ErrNoKey, key.Type)
	}
	var keyCols []Column
	inKey := map[string]bool{}
	for _, kf := range key.Fields {
		i := slices.IndexFunc(cols, func(c Column) bool { return c.Name == kf.Name })
		if i < 0 {
			i = slices.IndexFunc(cols, func(c Column) bool { return strings.EqualFold(c.Name, kf.Name) })
		}
		if i < 0 {
			return nil, nil, fmt.Errorf("table %s: %w: key field %q is not a field of the value's row; check message.key.columns or the key converter", table, ErrNoKey, kf.Name)
		}
		c := cols[i]
		if inKey[strings.ToLower(c.Name)] {
			return nil, nil, fmt.Errorf("table %s: %w: key field %q appears twice", table, ErrNoKey, kf.Name)
		}
		inKey[strings.ToLower(c.Name)] = true
		if pk, why := mapping.PrimaryKeyType(c.Type); why != "" {
			notes = append(notes, Note{Column: c.Name, Text: fmt.Sprintf("%s, so the key column is %s instead of %s", why, pk, c.Type)})
			c.Type = pk
		} else if !keyCapable(c.Type) {
			return nil, nil, fmt.Errorf("table %s: %w: key column %s has type %s, which StarRocks does not allow in a primary key; create the table yourself", table, ErrNoKey, c.Name, c.Type)
		}
		c.Nullable, c.Key = false, true
		keyCols = append(keyCols, c)
		t.Key = append(t.Key, c.Name)
	}
	kn, err := fitKey(keyCols)
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", table, err)
	}
	notes = append(notes, kn...)
	t.Columns = keyCols
	for _, c := range cols {
		if !inKey[strings.ToLower(c.Name)] {
			t.Columns = append(t.Columns, c)
		}
	}
	return t, notes, nil
}

// keyCapable reports whether StarRocks allows the type in a key:
// BOOLEAN, TINYINT..LARGEINT, VARCHAR/STRING, DATE, DATETIME (§4).
func keyCapable(typ string) bool {
	st, err := parseType(typ)
	if err != nil {
		return false
	}
	switch st.base {
	case "BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "LARGEINT", "VARCHAR", "DATE", "DATETIME":
		return true
	}
	return false
}

// KeyWidth estimates the largest encoded primary key of the columns, in
// bytes: fixed-size types by their size, VARCHAR(n) by n, plus 2 for each
// string column that is not the last (the separator of StarRocks'
// composite key encoding).
func KeyWidth(keyCols []Column) int {
	n := 0
	for i, c := range keyCols {
		w, isStr := keyColumnWidth(c.Type)
		n += w
		if isStr && i < len(keyCols)-1 {
			n += 2
		}
	}
	return n
}

func keyColumnWidth(typ string) (int, bool) {
	st, err := parseType(typ)
	if err != nil {
		return 0, false
	}
	switch st.base {
	case "BOOLEAN", "TINYINT":
		return 1, false
	case "SMALLINT":
		return 2, false
	case "INT", "DATE":
		return 4, false
	case "BIGINT", "DATETIME":
		return 8, false
	case "LARGEINT":
		return 16, false
	case "VARCHAR", "CHAR":
		return st.n, true
	}
	return 0, false
}

// fitKey narrows the key's VARCHAR columns (in place) so that KeyWidth is
// at most PrimaryKeyLimit: the budget left by the fixed-size columns is
// shared, each column keeping its own length when that is smaller than its
// share.
func fitKey(keyCols []Column) ([]Note, error) {
	total := KeyWidth(keyCols)
	if total <= PrimaryKeyLimit {
		return nil, nil
	}
	budget := PrimaryKeyLimit
	var strs []int
	for i, c := range keyCols {
		w, isStr := keyColumnWidth(c.Type)
		if isStr {
			strs = append(strs, i)
			if i < len(keyCols)-1 {
				budget -= 2
			}
		} else {
			budget -= w
		}
	}
	if len(strs) == 0 || budget < len(strs) {
		return nil, fmt.Errorf("%w: the key columns need up to %d bytes and StarRocks allows %d per encoded primary key; create the table yourself with a shorter key", ErrKeyTooWide, total, PrimaryKeyLimit)
	}
	width := make(map[int]int, len(strs))
	order := slices.Clone(strs)
	slices.SortStableFunc(order, func(a, b int) int {
		wa, _ := keyColumnWidth(keyCols[a].Type)
		wb, _ := keyColumnWidth(keyCols[b].Type)
		return wa - wb
	})
	left := budget
	for n, i := range order {
		w, _ := keyColumnWidth(keyCols[i].Type)
		share := left / (len(order) - n)
		w = min(w, share)
		width[i] = w
		left -= w
	}
	var notes []Note
	for _, i := range strs {
		old := keyCols[i].Type
		if w, _ := keyColumnWidth(old); w == width[i] {
			continue
		}
		keyCols[i].Type = "VARCHAR(" + strconv.Itoa(width[i]) + ")"
		notes = append(notes, Note{Column: keyCols[i].Name, Text: fmt.Sprintf(
			"narrowed from %s to %s: the primary key could take %d bytes and StarRocks limits an encoded key to %d; a row whose key value is longer fails its load (widen it by hand only if the whole key still fits)",
			old, keyCols[i].Type, total, PrimaryKeyLimit)})
	}
	return notes, nil
}

// ValidateDatabase checks a database name: 1..256 characters, no
// backtick, NUL or other control character.
func ValidateDatabase(db string) error {
	return validateName("database", db, MaxDatabaseName)
}

// ValidateTable checks a table name with mapping.ValidTable (letters,
// digits, '_' and '$', at most 1024 characters).
func ValidateTable(name string) error {
	if err := mapping.ValidTable(name); err != nil {
		return fmt.Errorf("%w: table: %w", ErrInvalidName, err)
	}
	return nil
}

// ValidateColumn checks a column name: 1..1024 characters, no backtick,
// NUL or other control character, not StarRocks' reserved __op / __row*.
func ValidateColumn(name string) error {
	if err := validateName("column", name, MaxColumnName); err != nil {
		return err
	}
	l := strings.ToLower(name)
	if l == "__op" || strings.HasPrefix(l, "__row") {
		return fmt.Errorf("%w: column %q is reserved by StarRocks (__op, __row*); rename the field with a transform", ErrInvalidName, name)
	}
	return nil
}

func validateName(kind, name string, max int) error {
	if name == "" {
		return fmt.Errorf("%w: empty %s name", ErrInvalidName, kind)
	}
	if len(name) > max {
		return fmt.Errorf("%w: %s name %.40q... is %d bytes long, StarRocks allows %d", ErrInvalidName, kind, name, len(name), max)
	}
	for _, r := range name {
		if r == '`' || r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: %s name %q contains a backtick or a control character; starcdc refuses it so that no name can change a DDL statement", ErrInvalidName, kind, name)
		}
	}
	return nil
}

// Validate checks every name of the table and its shape (key columns
// first, NOT NULL). Plan's tables pass it; Manager calls it before any DDL.
func (t *Table) Validate() error {
	if t == nil {
		return errors.New("ddl: nil table")
	}
	if err := ValidateTable(t.Name); err != nil {
		return err
	}
	if len(t.Columns) == 0 {
		return fmt.Errorf("table %s: no columns", t.Name)
	}
	for _, c := range t.Columns {
		if err := ValidateColumn(c.Name); err != nil {
			return fmt.Errorf("table %s: %w", t.Name, err)
		}
		if _, err := parseType(c.Type); err != nil {
			return fmt.Errorf("table %s, column %s: %w", t.Name, c.Name, err)
		}
	}
	if t.Model == PrimaryKey && len(t.Key) == 0 {
		return fmt.Errorf("table %s: %w", t.Name, ErrNoKey)
	}
	for i, k := range t.Key {
		if i >= len(t.Columns) || !strings.EqualFold(t.Columns[i].Name, k) {
			return fmt.Errorf("table %s: key column %s must be column %d (key columns first, in key order)", t.Name, k, i+1)
		}
		if t.Model == PrimaryKey && t.Columns[i].Nullable {
			return fmt.Errorf("table %s: key column %s must be NOT NULL", t.Name, k)
		}
	}
	for k := range t.Properties {
		if k == "" {
			return fmt.Errorf("table %s: empty property name", t.Name)
		}
	}
	return nil
}

// QuoteIdent backtick-quotes an identifier, doubling backticks inside, so
// even an unvalidated name stays one identifier.
func QuoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// quoteString renders a double-quoted SQL string literal.
func quoteString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\x00", `\0`).Replace(s) + `"`
}

// qualified renders `db`.`table`, or `table` when db is "".
func qualified(db, table string) string {
	if db == "" {
		return QuoteIdent(table)
	}
	return QuoteIdent(db) + "." + QuoteIdent(table)
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = QuoteIdent(n)
	}
	return strings.Join(q, ", ")
}

func columnDef(c Column) string {
	null := " NULL"
	if !c.Nullable {
		null = " NOT NULL"
	}
	return QuoteIdent(c.Name) + " " + c.Type + null
}

// CreateSQL renders `CREATE TABLE IF NOT EXISTS` in StarRocks' clause order
// (columns, ENGINE, key, distribution, PROPERTIES). Every identifier is
// backtick-quoted with inner backticks doubled and every property is a
// quoted string, so no name or value can change the statement (Validate
// refuses odd names before Manager sends it). db "" leaves the table
// unqualified.
func (t *Table) CreateSQL(db string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + qualified(db, t.Name) + " (\n")
	for i, c := range t.Columns {
		b.WriteString("  " + columnDef(c))
		if i < len(t.Columns)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(") ENGINE=OLAP\n")
	buckets := ""
	if t.Buckets > 0 {
		buckets = " BUCKETS " + strconv.Itoa(t.Buckets)
	}
	switch t.Model {
	case DuplicateKey:
		if len(t.Key) > 0 {
			b.WriteString("DUPLICATE KEY(" + quoteList(t.Key) + ")\n")
		}
		b.WriteString("DISTRIBUTED BY RANDOM" + buckets + "\n")
	default:
		b.WriteString("PRIMARY KEY(" + quoteList(t.Key) + ")\n")
		b.WriteString("DISTRIBUTED BY HASH(" + quoteList(t.Key) + ")" + buckets + "\n")
	}
	props := maps.Clone(t.Properties)
	if props == nil {
		props = map[string]string{}
	}
	if t.ReplicationNum > 0 {
		props["replication_num"] = strconv.Itoa(t.ReplicationNum)
	}
	if len(props) > 0 {
		b.WriteString("PROPERTIES (\n")
		keys := slices.Sorted(maps.Keys(props))
		for i, k := range keys {
			b.WriteString("  " + quoteString(k) + " = " + quoteString(props[k]))
			if i < len(keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(")\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// AlterSQL renders the statements that apply adds and modifies (from Diff)
// to db.table: one ADD COLUMN statement (a parenthesised list when there
// are several) and one MODIFY COLUMN statement per widened column. Added
// columns are NULL with no DEFAULT clause: their default is NULL anyway,
// and StarRocks restricts DEFAULT on JSON and complex types.
func AlterSQL(db, table string, adds, modifies []Column) []string {
	var out []string
	switch len(adds) {
	case 0:
	case 1:
		out = append(out, "ALTER TABLE "+qualified(db, table)+" ADD COLUMN "+QuoteIdent(adds[0].Name)+" "+adds[0].Type+" NULL")
	default:
		defs := make([]string, len(adds))
		for i, c := range adds {
			defs[i] = QuoteIdent(c.Name) + " " + c.Type + " NULL"
		}
		out = append(out, "ALTER TABLE "+qualified(db, table)+" ADD COLUMN ("+strings.Join(defs, ", ")+")")
	}
	for _, c := range modifies {
		out = append(out, "ALTER TABLE "+qualified(db, table)+" MODIFY COLUMN "+columnDef(c))
	}
	return out
}

// String renders the table as its CREATE TABLE statement without a
// database, for logs and `starcdc ddl`.
func (t *Table) String() string { return t.CreateSQL("") }

// Format renders what `starcdc ddl` prints for one table: the notes as SQL
// comments, then the CREATE TABLE statement and a semicolon. The output is
// valid SQL for a MySQL client.
func Format(db string, t *Table, notes []Note) string {
	var b strings.Builder
	for _, n := range notes {
		b.WriteString("-- " + strings.NewReplacer("\n", " ", "\r", " ").Replace(n.String()) + "\n")
	}
	b.WriteString(t.CreateSQL(db) + ";\n")
	return b.String()
}
