package starrocks

import (
	"cmp"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// SHOW, DESC and information_schema of the MySQL-protocol front end.

func (s *sqlSession) show(p *sqlParser, stmt string) (*sqlResult, error) {
	switch {
	case p.acceptKW("DATABASES"), p.acceptKW("SCHEMAS"):
		if err := p.end(); err != nil {
			return nil, err
		}
		res := &sqlResult{names: []string{"Database"}}
		for _, db := range append([]string{"information_schema"}, s.store().dbNames()...) {
			res.rows = append(res.rows, []any{db})
		}
		return res, nil
	case p.acceptKW("TABLES"), p.acceptKW("FULL", "TABLES"):
		full := strings.EqualFold(p.toks[p.i-2].text, "FULL")
		db := ""
		if p.acceptKW("FROM") || p.acceptKW("IN") {
			var err error
			if db, err = p.ident(); err != nil {
				return nil, err
			}
		}
		if p.isKW("LIKE") || p.isKW("WHERE") {
			return nil, notSupported(stmt)
		}
		if err := p.end(); err != nil {
			return nil, err
		}
		db, err := s.resolveDB(db)
		if err != nil {
			return nil, err
		}
		names, ok := s.store().tableNames(db)
		if !ok {
			return nil, sqlErrorf(codeBadDB, "Unknown database '%s'", db)
		}
		res := &sqlResult{names: []string{"Tables_in_" + db}}
		if full {
			res.names = append(res.names, "Table_type")
		}
		for _, n := range names {
			row := []any{n}
			if full {
				row = append(row, "BASE TABLE")
			}
			res.rows = append(res.rows, row)
		}
		return res, nil
	case p.acceptKW("CREATE", "TABLE"):
		db, name, err := p.qname()
		if err != nil {
			return nil, err
		}
		if err := p.end(); err != nil {
			return nil, err
		}
		t, err := s.lookup(db, name)
		if err != nil {
			return nil, err
		}
		return &sqlResult{names: []string{"Table", "Create Table"}, rows: [][]any{{t.name, t.showCreate()}}}, nil
	case p.acceptKW("ALTER", "TABLE", "COLUMN"):
		if p.acceptKW("FROM") || p.acceptKW("IN") {
			if _, err := p.ident(); err != nil {
				return nil, err
			}
		}
		if p.isKW("WHERE") || p.isKW("ORDER") || p.isKW("LIMIT") {
			return nil, notSupported(stmt)
		}
		if err := p.end(); err != nil {
			return nil, err
		}
		// Schema changes are synchronous in the emulator (StarRocks' fast
		// schema evolution), so there is never a job to list.
		return &sqlResult{names: []string{"JobId", "TableName", "CreateTime", "FinishTime", "IndexName", "IndexId",
			"OriginIndexId", "SchemaVersion", "TransactionId", "State", "Msg", "Progress", "Timeout"}}, nil
	}
	return nil, notSupported(stmt)
}

func (s *sqlSession) describe(p *sqlParser) (*sqlResult, error) {
	db, name, err := p.qname()
	if err != nil {
		return nil, err
	}
	if p.isKW("ALL") {
		return nil, notSupported("DESC ... ALL")
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	t, err := s.lookup(db, name)
	if err != nil {
		return nil, err
	}
	sc := t.currentSchema()
	res := &sqlResult{names: []string{"Field", "Type", "Null", "Key", "Default", "Extra"}}
	for _, c := range sc.cols {
		res.rows = append(res.rows, []any{c.name, c.typ.String(), yesNo(c.nullable), strconv.FormatBool(c.key), nil, ""})
	}
	return res, nil
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

// showType is the type text of SHOW CREATE TABLE.
func (t *colType) showType() string {
	switch t.kind {
	case tBoolean:
		return "boolean"
	case tLargeint:
		return "largeint(40)"
	case tArray:
		return "array<" + t.elem.showType() + ">"
	}
	return t.columnType()
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteStr(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func quoteIdents(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// showCreate renders SHOW CREATE TABLE in StarRocks' layout.
func (t *table) showCreate() string {
	sc := t.currentSchema()
	meta := t.meta
	if meta == nil {
		meta = &tableMeta{props: [][2]string{{"replication_num", "1"}}}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", quoteIdent(t.name))
	var keys []string
	for i, c := range sc.cols {
		null := "NULL"
		if !c.nullable {
			null = "NOT NULL"
		}
		fmt.Fprintf(&b, "  %s %s %s COMMENT %s", quoteIdent(c.name), c.typ.showType(), null, quoteStr(c.comment))
		if i < len(sc.cols)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		if c.key {
			keys = append(keys, c.name)
		}
	}
	b.WriteString(") ENGINE=OLAP \n")
	fmt.Fprintf(&b, "%s(%s)\n", t.kind.keyClause(), quoteIdents(keys))
	fmt.Fprintf(&b, "COMMENT %s\n", quoteStr(cmp.Or(meta.comment, "OLAP")))
	dist := meta.distCols
	if dist == nil {
		dist = keys
	}
	if meta.random || (t.meta == nil && t.kind == KindDuplicate) {
		b.WriteString("DISTRIBUTED BY RANDOM")
	} else {
		fmt.Fprintf(&b, "DISTRIBUTED BY HASH(%s)", quoteIdents(dist))
	}
	if meta.buckets > 0 {
		fmt.Fprintf(&b, " BUCKETS %d", meta.buckets)
	}
	b.WriteString(" \n")
	if len(meta.orderBy) > 0 {
		fmt.Fprintf(&b, "ORDER BY(%s)\n", quoteIdents(meta.orderBy))
	}
	b.WriteString("PROPERTIES (\n")
	for i, kv := range meta.props {
		fmt.Fprintf(&b, "%s = %s", quoteStr(kv[0]), quoteStr(kv[1]))
		if i < len(meta.props)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(");")
	return b.String()
}

// dbNames lists the databases, sorted.
func (s *store) dbNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.dbs))
	for n := range s.dbs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// tableNames lists a database's tables, sorted; ok is false for an unknown
// database.
func (s *store) tableNames(db string) (names []string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.dbs[db]
	if !ok {
		return nil, false
	}
	for n := range d.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, true
}

// infoColumns are the columns of information_schema.columns, in order.
var infoColumns = []string{
	"TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME", "ORDINAL_POSITION", "COLUMN_DEFAULT",
	"IS_NULLABLE", "DATA_TYPE", "CHARACTER_MAXIMUM_LENGTH", "CHARACTER_OCTET_LENGTH", "NUMERIC_PRECISION",
	"NUMERIC_SCALE", "DATETIME_PRECISION", "CHARACTER_SET_NAME", "COLLATION_NAME", "COLUMN_TYPE",
	"COLUMN_KEY", "EXTRA", "PRIVILEGES", "COLUMN_COMMENT", "GENERATION_EXPRESSION",
}

// infoTables are the columns of information_schema.tables served.
var infoTables = []string{
	"TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "TABLE_TYPE", "ENGINE", "TABLE_ROWS", "TABLE_COMMENT",
}

// dataType is information_schema.columns.DATA_TYPE.
func (t *colType) dataType() string {
	switch t.kind {
	case tBoolean, tTinyint:
		return "tinyint"
	case tLargeint:
		return "bigint unsigned"
	case tString, tVarchar:
		return "varchar"
	}
	s := strings.ToLower(t.String())
	if i := strings.IndexAny(s, "(<"); i >= 0 {
		s = s[:i]
	}
	return s
}

func (t *colType) numericPrecision() (prec, scale any) {
	switch t.kind {
	case tBoolean, tTinyint:
		return int64(3), int64(0)
	case tSmallint:
		return int64(5), int64(0)
	case tInt:
		return int64(10), int64(0)
	case tBigint:
		return int64(19), int64(0)
	case tLargeint:
		return int64(39), int64(0)
	case tFloat:
		return int64(12), nil
	case tDouble:
		return int64(22), nil
	case tDecimal:
		return int64(t.precision), int64(t.scale)
	}
	return nil, nil
}

func columnInfoRow(db, tbl string, kind TableKind, i int, c *column) []any {
	var charLen, octLen, cs, coll, dtPrec any
	switch c.typ.kind {
	case tChar, tVarchar, tString:
		charLen, octLen = int64(c.typ.length), int64(c.typ.length)
		cs, coll = "utf8", "utf8_general_ci"
	case tVarbinary:
		charLen, octLen = int64(c.typ.length), int64(c.typ.length)
	case tDatetime:
		dtPrec = int64(0)
	}
	prec, scale := c.typ.numericPrecision()
	key := ""
	if c.key {
		key = "PRI"
		if kind == KindDuplicate {
			key = "DUP" // FE: the key column of a DUP_KEYS table
		}
	}
	return []any{
		"def", db, tbl, c.name, int64(i + 1), nil,
		yesNo(c.nullable), c.typ.dataType(), charLen, octLen, prec,
		scale, dtPrec, cs, coll, c.typ.columnType(),
		key, "", "SELECT,INSERT,UPDATE,REFERENCES", c.comment, nil,
	}
}

// infoSchema serves SELECT ... FROM information_schema.columns|tables
// [WHERE col = 'v' [AND ...]] [ORDER BY ...] [LIMIT n].
func (s *sqlSession) infoSchema(p *sqlParser, items []selectItem, name, stmt string) (*sqlResult, error) {
	var cols []string
	var rows [][]any
	switch strings.ToLower(name) {
	case "columns":
		cols = infoColumns
		for _, db := range s.store().dbNames() {
			names, _ := s.store().tableNames(db)
			for _, tn := range names {
				t, err := s.store().table(db, tn)
				if err != nil {
					continue // dropped meanwhile
				}
				for i, c := range t.currentSchema().cols {
					rows = append(rows, columnInfoRow(db, tn, t.kind, i, c))
				}
			}
		}
	case "tables":
		cols = infoTables
		for _, db := range s.store().dbNames() {
			names, _ := s.store().tableNames(db)
			for _, tn := range names {
				t, err := s.store().table(db, tn)
				if err != nil {
					continue
				}
				_, data := t.snapshot()
				comment := ""
				if t.meta != nil {
					comment = t.meta.comment
				}
				rows = append(rows, []any{"def", db, tn, "BASE TABLE", "StarRocks", int64(len(data)), comment})
			}
		}
	default:
		return nil, notSupported(stmt)
	}
	colIdx := func(n string) (int, bool) {
		for i, c := range cols {
			if strings.EqualFold(c, n) {
				return i, true
			}
		}
		return 0, false
	}
	if p.acceptKW("WHERE") {
		for {
			n, err := p.ident()
			if err != nil {
				return nil, err
			}
			ci, ok := colIdx(n)
			if !ok {
				return nil, sqlErrorf(codeBadField, "Unknown column '%s' in 'where clause'", n)
			}
			if !p.acceptPunct("=") {
				if p.peek().kind == tokEOF {
					return nil, p.unexpected()
				}
				return nil, notSupported("WHERE conditions other than column = 'value' [AND ...]: " + stmt)
			}
			v := p.next()
			if v.kind != tokString && v.kind != tokNumber {
				return nil, syntaxErrorAt(p.q, v.pos, fmt.Sprintf("Unexpected input '%s'", v))
			}
			kept := rows[:0:0]
			for _, r := range rows {
				if cellText(r[ci]) == v.text {
					kept = append(kept, r)
				}
			}
			rows = kept
			if !p.acceptKW("AND") {
				break
			}
		}
	}
	order, limit, err := p.orderLimit()
	if err != nil {
		return nil, err
	}
	var keys []int
	for _, o := range order {
		ci, ok := colIdx(o.col)
		if !ok {
			return nil, sqlErrorf(codeBadField, "Unknown column '%s' in 'order clause'", o.col)
		}
		keys = append(keys, ci)
	}
	sort.SliceStable(rows, func(a, b int) bool {
		for n, ci := range keys {
			c := compareInfo(rows[a][ci], rows[b][ci])
			if order[n].desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	if limit >= 0 && limit < len(rows) {
		rows = rows[:limit]
	}
	res := &sqlResult{}
	var idx []int
	for _, it := range items {
		switch {
		case it.star:
			for i, c := range cols {
				idx = append(idx, i)
				res.names = append(res.names, c)
			}
		case it.count:
			if len(items) != 1 {
				return nil, notSupported(stmt)
			}
			return &sqlResult{names: []string{cmp.Or(it.alias, "count(*)")}, rows: [][]any{{int64(len(rows))}}}, nil
		case it.isVal:
			return nil, notSupported(stmt)
		default:
			ci, ok := colIdx(it.name)
			if !ok {
				return nil, sqlErrorf(codeBadField, "Unknown column '%s' in 'field list'", it.name)
			}
			idx = append(idx, ci)
			res.names = append(res.names, cmp.Or(it.alias, cols[ci]))
		}
	}
	for _, r := range rows {
		out := make([]any, len(idx))
		for j, ci := range idx {
			out[j] = r[ci]
		}
		res.rows = append(res.rows, out)
	}
	return res, nil
}

func cellText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return "\x00NULL"
}

func compareInfo(a, b any) int {
	x, xok := a.(int64)
	y, yok := b.(int64)
	if xok && yok {
		return cmp.Compare(x, y)
	}
	return strings.Compare(cellText(a), cellText(b))
}
