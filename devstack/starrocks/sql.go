package starrocks

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The SQL statements of the MySQL-protocol front end (mysql.go), executed
// against the table store. Coverage is listed in doc.go of the ddl package's
// counterpart here: see sqlSession.exec.

// tableMeta keeps the CREATE TABLE clauses that only matter for SHOW
// CREATE TABLE.
type tableMeta struct {
	kind        TableKind
	random      bool // DISTRIBUTED BY RANDOM (duplicate key tables only)
	comment     string
	distCols    []string
	buckets     int // 0: not given
	orderBy     []string
	props       [][2]string
	colComments []string
}

// aliveBackendID is the emulator's one BE, as SHOW BACKENDS would name it.
const aliveBackendID = 10001

// sqlResult is a statement's outcome: a result set when names is non-nil,
// else an OK packet.
type sqlResult struct {
	names    []string
	rows     [][]any // string, int64 or nil cells
	affected uint64
}

// sqlSession is one MySQL connection's state.
type sqlSession struct {
	e    *Emulator
	user string
	db   string
	vars map[string]string
}

func newSQLSession(e *Emulator, user string) *sqlSession {
	return &sqlSession{e: e, user: user, vars: map[string]string{}}
}

func (s *sqlSession) store() *store { return s.e.store }

// exec runs one statement. Every error is a *sqlError.
func (s *sqlSession) exec(q string) (*sqlResult, error) {
	toks, err := lexSQL(q)
	if err != nil {
		return nil, err
	}
	p := &sqlParser{q: q, toks: toks}
	stmt := strings.TrimSpace(q)
	switch {
	case p.peek().kind == tokEOF, p.isPunct(";") && p.peekAt(1).kind == tokEOF:
		return nil, sqlErrorf(codeSyntax, "Query was empty")
	case p.acceptKW("CREATE", "DATABASE"), p.acceptKW("CREATE", "SCHEMA"):
		return s.createDatabase(p)
	case p.acceptKW("CREATE", "TABLE"):
		return s.createTable(p)
	case p.acceptKW("ALTER", "TABLE"):
		return s.alterTable(p, stmt)
	case p.acceptKW("SELECT"):
		return s.selectStmt(p, stmt)
	case p.acceptKW("SHOW"):
		return s.show(p, stmt)
	case p.acceptKW("DESC"), p.acceptKW("DESCRIBE"):
		return s.describe(p)
	case p.acceptKW("USE"):
		db, err := p.ident()
		if err != nil {
			return nil, err
		}
		if err := p.end(); err != nil {
			return nil, err
		}
		return &sqlResult{}, s.use(db)
	case p.acceptKW("TRUNCATE"):
		return s.truncate(p)
	case p.acceptKW("DROP", "TABLE"):
		return s.dropTable(p)
	case p.acceptKW("SET"):
		return s.set(p, stmt)
	}
	return nil, notSupported(stmt)
}

// use switches the current database (USE and COM_INIT_DB).
func (s *sqlSession) use(db string) error {
	if strings.EqualFold(db, "information_schema") {
		s.db = "information_schema"
		return nil
	}
	if !s.store().hasDB(db) {
		return sqlErrorf(codeBadDB, "Unknown database '%s'", db)
	}
	s.db = db
	return nil
}

func (s *sqlSession) resolveDB(db string) (string, error) {
	if db != "" {
		return db, nil
	}
	if s.db == "" {
		return "", sqlErrorf(codeNoDB, "No database selected")
	}
	return s.db, nil
}

// lookup finds a table, with MySQL errors.
func (s *sqlSession) lookup(db, name string) (*table, error) {
	db, err := s.resolveDB(db)
	if err != nil {
		return nil, err
	}
	t, err := s.store().table(db, name)
	switch {
	case errors.Is(err, errUnknownDB):
		return nil, sqlErrorf(codeBadDB, "Unknown database '%s'", db)
	case errors.Is(err, errUnknownTable):
		return nil, sqlErrorf(codeNoSuchTable, "Unknown table '%s.%s'", db, name)
	}
	return t, err
}

func (s *sqlSession) createDatabase(p *sqlParser) (*sqlResult, error) {
	ifNotExists := p.acceptKW("IF", "NOT", "EXISTS")
	db, err := p.ident()
	if err != nil {
		return nil, err
	}
	if p.isKW("PROPERTIES") {
		return nil, notSupported("CREATE DATABASE ... PROPERTIES")
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	if strings.EqualFold(db, "information_schema") || s.store().hasDB(db) {
		if ifNotExists {
			return &sqlResult{}, nil
		}
		return nil, sqlErrorf(codeDBExists, "Can't create database '%s'; database exists", db)
	}
	if err := s.store().createDatabase(db); err != nil {
		return nil, sqlErrorf(codeSyntax, "%v", err)
	}
	return &sqlResult{}, nil
}

// createTable parses StarRocks' CREATE TABLE in its clause order: columns,
// ENGINE, key, COMMENT, partition, distribution, ORDER BY, PROPERTIES
// (docs/streamload.md §4), and validates it like the FE.
func (s *sqlSession) createTable(p *sqlParser) (*sqlResult, error) {
	ifNotExists := p.acceptKW("IF", "NOT", "EXISTS")
	dbName, name, err := p.qname()
	if err != nil {
		return nil, err
	}
	if p.isKW("LIKE") || p.isKW("AS") {
		return nil, notSupported("CREATE TABLE ... " + strings.ToUpper(p.peek().text))
	}
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	var defs []*colDef
	for {
		if p.isKW("INDEX") || p.isKW("PRIMARY") || p.isKW("KEY") || p.isKW("CONSTRAINT") {
			return nil, notSupported("index and key definitions inside the column list (use PRIMARY KEY(...) after ENGINE)")
		}
		d, err := p.colDef(false)
		if err != nil {
			return nil, err
		}
		defs = append(defs, d)
		if p.acceptPunct(")") {
			break
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
	meta := &tableMeta{}
	if p.acceptKW("ENGINE") {
		if err := p.expectPunct("="); err != nil {
			return nil, err
		}
		eng, err := p.ident()
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(eng, "OLAP") {
			return nil, notSupported("ENGINE=" + eng + " (only OLAP tables)")
		}
	}
	var pk []string
	kind := KindPrimaryKey
	switch {
	case p.acceptKW("PRIMARY", "KEY"):
		if pk, err = p.identList(); err != nil {
			return nil, err
		}
	case p.acceptKW("DUPLICATE", "KEY"):
		kind = KindDuplicate
		if pk, err = p.identList(); err != nil {
			return nil, err
		}
	case p.isKW("UNIQUE", "KEY"), p.isKW("AGGREGATE", "KEY"):
		return nil, notSupported(strings.ToUpper(p.peek().text) + " KEY tables (the emulator has primary key and duplicate key tables)")
	default:
		kind = KindDuplicate // its key is chosen below, once the types are parsed
	}
	meta.kind = kind
	if p.acceptKW("COMMENT") {
		if meta.comment, err = p.str(); err != nil {
			return nil, err
		}
	}
	if p.isKW("PARTITION", "BY") {
		return nil, notSupported("PARTITION BY")
	}
	random := false
	if p.acceptKW("DISTRIBUTED", "BY") {
		switch {
		case p.acceptKW("HASH"):
			if meta.distCols, err = p.identList(); err != nil {
				return nil, err
			}
		case p.acceptKW("RANDOM"):
			random = true
		default:
			return nil, p.unexpected()
		}
		if p.acceptKW("BUCKETS") {
			if p.acceptKW("AUTO") {
				meta.buckets = 0
			} else {
				n, err := p.posInt()
				if err != nil {
					return nil, err
				}
				if n <= 0 {
					return nil, sqlErrorf(codeSyntax, "Number of hash distribution should be greater than zero.")
				}
				meta.buckets = n
			}
		}
	}
	if p.acceptKW("ORDER", "BY") {
		if meta.orderBy, err = p.identList(); err != nil {
			return nil, err
		}
	}
	props := map[string]string{}
	if p.acceptKW("PROPERTIES") {
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		for !p.acceptPunct(")") {
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			if err := p.expectPunct("="); err != nil {
				return nil, err
			}
			v, err := p.str()
			if err != nil {
				return nil, err
			}
			meta.props = append(meta.props, [2]string{k, v})
			props[strings.ToLower(k)] = v
			if !p.isPunct(")") {
				if err := p.expectPunct(","); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	db, err := s.resolveDB(dbName)
	if err != nil {
		return nil, err
	}

	// Analysis, as CreateTableAnalyzer does it.
	if pk == nil {
		if pk, err = defaultDupKey(defs); err != nil {
			return nil, err
		}
	}
	inKey := map[string]bool{}
	for _, k := range pk {
		inKey[strings.ToLower(k)] = true
	}
	cols := make([]Column, len(defs))
	for i, d := range defs {
		if d.key {
			return nil, notSupported("the KEY column attribute (column '" + d.name + "')")
		}
		nullable := !d.notNull
		if kind == KindPrimaryKey && inKey[strings.ToLower(d.name)] {
			nullable = d.null // primary key columns are NOT NULL unless NULL is written
		}
		cols[i] = Column{Name: d.name, Type: d.typ, Nullable: nullable}
		meta.colComments = append(meta.colComments, d.comment)
	}
	sc, err := buildSchema(db, name, cols, pk, kind)
	if err != nil {
		return nil, sqlErrorf(codeSyntax, "%v", err)
	}
	if random && kind == KindDuplicate {
		meta.random = true
	} else if random {
		return nil, sqlErrorf(codeSyntax, "Random distribution is only supported in DUPLICATE KEY tables, not in PRIMARY KEY table '%s'", name)
	}
	if meta.distCols == nil && kind == KindDuplicate {
		meta.random = true // StarRocks ≥ 3.1: a duplicate key table without DISTRIBUTED BY is RANDOM
	}
	if meta.distCols == nil && !meta.random {
		meta.distCols = pk // StarRocks ≥ 3.1 hashes a primary key table on the key when DISTRIBUTED BY is omitted
	}
	for _, c := range meta.distCols {
		i, ok := sc.lookup(c)
		if !ok {
			return nil, sqlErrorf(codeSyntax, "Distribution column(%s) doesn't exist.", c)
		}
		if kind == KindPrimaryKey && !sc.cols[i].key {
			return nil, sqlErrorf(codeSyntax, "Distribution column[%s] is not key column", c)
		}
	}
	for _, c := range meta.orderBy {
		if _, ok := sc.lookup(c); !ok {
			return nil, sqlErrorf(codeSyntax, "Unknown column '%s' in order by clause", c)
		}
	}
	if _, err := s.lookup(db, name); err == nil {
		if ifNotExists {
			return &sqlResult{}, nil
		}
		return nil, sqlErrorf(codeTableExists, "Table '%s' already exists", name)
	} else if e := (*sqlError)(nil); errors.As(err, &e) && e.code == codeBadDB {
		return nil, err
	}
	replicas := 3 // FE default_replication_num
	if v, ok := props["replication_num"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			return nil, sqlErrorf(codeSyntax, "Replication num should larger than 0. (suggested 3)")
		}
		replicas = n
	}
	if replicas > 1 {
		return nil, sqlErrorf(codeSyntax, "Table replication num should be less than of equal to the number of available BE nodes. You can change this default by setting the replication_num table properties. Current alive backend is [%d]. , table=%s, default_replication_num=3", aliveBackendID, name)
	}
	if _, err := s.store().createTableMeta(db, name, cols, pk, kind, meta, ifNotExists); err != nil {
		if strings.HasPrefix(err.Error(), "Unknown database") {
			return nil, sqlErrorf(codeBadDB, "%v", err)
		}
		return nil, sqlErrorf(codeSyntax, "%v", err)
	}
	return &sqlResult{}, nil
}

// defaultDupKey picks the sort key of a table created without a key
// clause, which StarRocks makes a DUPLICATE KEY table (CreateTableAnalyzer):
// the leading columns, at most 3 and 36 bytes of short-key index, stopping
// before a type that cannot be a key and after the first VARCHAR; a first
// CHAR/VARCHAR column over the size limit is still taken.
func defaultDupKey(defs []*colDef) ([]string, error) {
	const maxCols, maxBytes = 3, 36 // FeConstants.SHORTKEY_MAX_COLUMN_COUNT, SHORTKEY_MAXSIZE_BYTES
	var keys []string
	size := 0
	var first *colType
	for i, d := range defs {
		typ, err := parseType(d.typ)
		if err != nil {
			return nil, sqlErrorf(codeSyntax, "column '%s': %v", d.name, err)
		}
		if i == 0 {
			first = typ
		}
		size += typ.shortKeyIndexSize()
		if len(keys) >= maxCols || size > maxBytes {
			if len(keys) == 0 && (typ.kind == tChar || typ.kind == tVarchar || typ.kind == tString) {
				keys = append(keys, d.name)
			}
			break
		}
		if !typ.sortKeyAllowed() {
			break
		}
		keys = append(keys, d.name)
		if typ.kind == tVarchar || typ.kind == tString {
			break
		}
	}
	if len(keys) == 0 {
		return nil, sqlErrorf(codeSyntax, "Data type of first column cannot be %s", first.String())
	}
	return keys, nil
}

func (s *sqlSession) truncate(p *sqlParser) (*sqlResult, error) {
	p.acceptKW("TABLE")
	db, name, err := p.qname()
	if err != nil {
		return nil, err
	}
	if p.isKW("PARTITION") {
		return nil, notSupported("TRUNCATE TABLE ... PARTITION")
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	t, err := s.lookup(db, name)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.rows = map[string][]any{}
	t.mu.Unlock()
	return &sqlResult{}, nil
}

func (s *sqlSession) dropTable(p *sqlParser) (*sqlResult, error) {
	ifExists := p.acceptKW("IF", "EXISTS")
	dbName, name, err := p.qname()
	if err != nil {
		return nil, err
	}
	p.acceptKW("FORCE")
	if err := p.end(); err != nil {
		return nil, err
	}
	db, err := s.resolveDB(dbName)
	if err != nil {
		return nil, err
	}
	st := s.store()
	st.mu.Lock()
	defer st.mu.Unlock()
	d, ok := st.dbs[db]
	if !ok {
		return nil, sqlErrorf(codeBadDB, "Unknown database '%s'", db)
	}
	if _, ok := d.tables[name]; !ok {
		if ifExists {
			return &sqlResult{}, nil
		}
		return nil, sqlErrorf(codeNoSuchTable, "Unknown table '%s.%s'", db, name)
	}
	delete(d.tables, name)
	return &sqlResult{}, nil
}

// sysVars are the session variables a client may read; SET overrides them
// per connection.
var sysVarDefaults = map[string]string{
	"max_allowed_packet":       "33554432",
	"version":                  "5.1.0",
	"version_comment":          "StarRocks version 3.4 (starcdc emulator)",
	"tx_isolation":             "REPEATABLE-READ",
	"transaction_isolation":    "REPEATABLE-READ",
	"autocommit":               "1",
	"time_zone":                "UTC",
	"system_time_zone":         "UTC",
	"sql_mode":                 "ONLY_FULL_GROUP_BY",
	"character_set_client":     "utf8",
	"character_set_connection": "utf8",
	"character_set_results":    "utf8",
	"character_set_server":     "utf8",
	"collation_connection":     "utf8_general_ci",
	"collation_server":         "utf8_general_ci",
	"lower_case_table_names":   "0",
	"wait_timeout":             "28800",
	"interactive_timeout":      "3600",
	"query_timeout":            "300",
	"net_write_timeout":        "60",
	"net_read_timeout":         "60",
	"init_connect":             "",
	"license":                  "Apache License 2.0",
}

func normVar(name string) string {
	n := strings.ToLower(name)
	for _, p := range []string{"session.", "local.", "global."} {
		n = strings.TrimPrefix(n, p)
	}
	return n
}

func (s *sqlSession) sysVar(name string) (string, error) {
	n := normVar(name)
	if v, ok := s.vars[n]; ok {
		return v, nil
	}
	if v, ok := sysVarDefaults[n]; ok {
		return v, nil
	}
	return "", sqlErrorf(1193, "Unknown system variable '%s'", n)
}

// set handles SET NAMES and SET [SESSION] var = value, stored per
// connection. SET GLOBAL is refused.
func (s *sqlSession) set(p *sqlParser, stmt string) (*sqlResult, error) {
	if p.acceptKW("NAMES") || p.acceptKW("CHARACTER", "SET") || p.acceptKW("CHARSET") {
		t := p.next()
		if t.kind != tokIdent && t.kind != tokString && t.kind != tokQuoted {
			return nil, p.unexpected()
		}
		cs := strings.ToLower(t.text)
		if p.acceptKW("COLLATE") {
			p.next()
		}
		if err := p.end(); err != nil {
			return nil, err
		}
		for _, v := range []string{"character_set_client", "character_set_connection", "character_set_results"} {
			s.vars[v] = cs
		}
		return &sqlResult{}, nil
	}
	for {
		if p.isKW("GLOBAL") || strings.HasPrefix(strings.ToLower(p.peek().text), "global.") {
			return nil, notSupported(stmt)
		}
		p.acceptKW("SESSION")
		p.acceptKW("LOCAL")
		t := p.next()
		var name string
		switch t.kind {
		case tokIdent, tokQuoted:
			name = t.text
		case tokVar:
			if !strings.HasPrefix(p.q[t.pos:], "@@") {
				return nil, notSupported("user variables: " + stmt)
			}
			name = t.text
		default:
			return nil, p.unexpected()
		}
		if !p.acceptPunct("=") {
			return nil, p.unexpected()
		}
		v := p.next()
		switch v.kind {
		case tokIdent, tokString, tokNumber, tokQuoted:
		default:
			return nil, syntaxErrorAt(p.q, v.pos, fmt.Sprintf("Unexpected input '%s'", v))
		}
		if normVar(name) == "" {
			return nil, p.unexpected()
		}
		s.vars[normVar(name)] = v.text
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return &sqlResult{}, nil
}

// selectItem is one item of a select list.
type selectItem struct {
	star  bool
	name  string // column, or the rendered expression
	count bool   // COUNT(*)
	value any    // constant value (no FROM)
	isVal bool
	alias string
}

func (s *sqlSession) selectItems(p *sqlParser) ([]selectItem, error) {
	var items []selectItem
	for {
		var it selectItem
		t := p.peek()
		switch {
		case p.acceptPunct("*"):
			it.star, it.name = true, "*"
		case t.kind == tokVar:
			p.next()
			v, err := s.sysVar(t.text)
			if err != nil {
				return nil, err
			}
			it.name, it.value, it.isVal = p.q[t.pos:p.peek().pos], v, true
			it.name = strings.TrimSpace(it.name)
		case p.isKW("NULL"):
			p.next()
			it.name, it.value, it.isVal = "NULL", nil, true
		case t.kind == tokPunct && t.text == "-" && p.peekAt(1).kind == tokNumber:
			p.next()
			n := p.next()
			if v, err := strconv.ParseInt("-"+n.text, 10, 64); err == nil {
				it.value = v
			} else {
				it.value = "-" + n.text
			}
			it.name, it.isVal = "-"+n.text, true
		case t.kind == tokNumber:
			p.next()
			if n, err := strconv.ParseInt(t.text, 10, 64); err == nil {
				it.value = n
			} else {
				it.value = t.text
			}
			it.name, it.isVal = t.text, true
		case t.kind == tokString:
			p.next()
			it.name, it.value, it.isVal = t.text, t.text, true
		case t.kind == tokIdent && p.peekAt(1).kind == tokPunct && p.peekAt(1).text == "(":
			fn := strings.ToUpper(t.text)
			p.i += 2
			if fn == "COUNT" {
				if !p.acceptPunct("*") {
					if _, err := p.ident(); err != nil {
						return nil, err
					}
				}
				if err := p.expectPunct(")"); err != nil {
					return nil, err
				}
				it.count, it.name = true, "count(*)"
				break
			}
			if err := p.expectPunct(")"); err != nil {
				return nil, notSupported("function " + fn + " with arguments")
			}
			it.name, it.isVal = strings.ToLower(fn)+"()", true
			switch fn {
			case "DATABASE", "SCHEMA":
				if s.db == "" {
					it.value = nil
				} else {
					it.value = s.db
				}
			case "VERSION":
				it.value = sysVarDefaults["version"]
			case "CURRENT_USER", "USER":
				it.value = "'" + s.user + "'@'%'"
			case "CONNECTION_ID":
				it.value = int64(1)
			default:
				return nil, notSupported("function " + fn + "()")
			}
		case t.kind == tokIdent || t.kind == tokQuoted:
			id, err := p.ident()
			if err != nil {
				return nil, err
			}
			if p.acceptPunct(".") { // qualified column: keep the column
				if p.acceptPunct("*") {
					it.star, it.name = true, "*"
					break
				}
				if id, err = p.ident(); err != nil {
					return nil, err
				}
			}
			it.name = id
		default:
			return nil, p.unexpected()
		}
		if p.acceptKW("AS") {
			a := p.next()
			if a.kind != tokIdent && a.kind != tokQuoted && a.kind != tokString {
				return nil, syntaxErrorAt(p.q, a.pos, fmt.Sprintf("Unexpected input '%s'", a))
			}
			it.alias = a.text
		}
		items = append(items, it)
		if !p.acceptPunct(",") {
			return items, nil
		}
	}
}

type orderKey struct {
	col  string
	desc bool
}

func (p *sqlParser) orderLimit() (order []orderKey, limit int, err error) {
	limit = -1
	if p.acceptKW("ORDER", "BY") {
		for {
			c, err := p.ident()
			if err != nil {
				return nil, 0, err
			}
			k := orderKey{col: c}
			if p.acceptKW("DESC") {
				k.desc = true
			} else {
				p.acceptKW("ASC")
			}
			order = append(order, k)
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	if p.acceptKW("LIMIT") {
		if limit, err = p.posInt(); err != nil {
			return nil, 0, err
		}
	}
	return order, limit, p.end()
}

func (s *sqlSession) selectStmt(p *sqlParser, stmt string) (*sqlResult, error) {
	items, err := s.selectItems(p)
	if err != nil {
		return nil, err
	}
	if !p.acceptKW("FROM") {
		_, limit, err := p.orderLimit()
		if err != nil {
			return nil, err
		}
		res := &sqlResult{}
		row := []any{}
		for _, it := range items {
			if !it.isVal {
				if it.star {
					return nil, sqlErrorf(codeSyntax, "No tables used")
				}
				return nil, sqlErrorf(codeBadField, "Unknown column '%s' in 'field list'", it.name)
			}
			res.names = append(res.names, cmp.Or(it.alias, it.name))
			row = append(row, it.value)
		}
		if limit != 0 {
			res.rows = [][]any{row}
		}
		return res, nil
	}
	dbName, name, err := p.qname()
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(dbName, "information_schema") || (dbName == "" && s.db == "information_schema") {
		return s.infoSchema(p, items, name, stmt)
	}
	if p.isKW("WHERE") || p.isKW("GROUP") || p.isKW("JOIN") || p.isPunct(",") {
		return nil, notSupported(stmt)
	}
	order, limit, err := p.orderLimit()
	if err != nil {
		return nil, err
	}
	t, err := s.lookup(dbName, name)
	if err != nil {
		return nil, err
	}
	sc, rows := t.snapshot()
	if len(items) == 1 && items[0].count {
		if order != nil {
			return nil, notSupported(stmt)
		}
		return &sqlResult{names: []string{cmp.Or(items[0].alias, "count(*)")}, rows: [][]any{{int64(len(rows))}}}, nil
	}
	var idx []int
	var names []string
	for _, it := range items {
		switch {
		case it.star:
			for i, c := range sc.cols {
				idx = append(idx, i)
				names = append(names, c.name)
			}
		case it.count || it.isVal:
			return nil, notSupported("this select list: " + stmt)
		default:
			i, ok := sc.lookup(it.name)
			if !ok {
				return nil, sqlErrorf(codeBadField, "Unknown column '%s' in 'field list'", it.name)
			}
			idx = append(idx, i)
			names = append(names, cmp.Or(it.alias, sc.cols[i].name))
		}
	}
	if len(order) > 0 {
		var keys []int
		for _, o := range order {
			i, ok := sc.lookup(o.col)
			if !ok {
				return nil, sqlErrorf(codeBadField, "Unknown column '%s' in 'order clause'", o.col)
			}
			keys = append(keys, i)
		}
		sort.SliceStable(rows, func(a, b int) bool {
			for n, i := range keys {
				c := compareCells(sc.cols[i].typ, rows[a][i], rows[b][i])
				if order[n].desc {
					c = -c
				}
				if c != 0 {
					return c < 0
				}
			}
			return false
		})
	}
	if limit >= 0 && limit < len(rows) {
		rows = rows[:limit]
	}
	res := &sqlResult{names: names}
	for _, r := range rows {
		out := make([]any, len(idx))
		for j, i := range idx {
			out[j] = r[i]
		}
		res.rows = append(res.rows, out)
	}
	return res, nil
}

// compareCells orders two rendered cells; NULL sorts first (StarRocks'
// ASC default).
func compareCells(t *colType, a, b any) int {
	x, xok := a.(string)
	y, yok := b.(string)
	switch {
	case !xok && !yok:
		return 0
	case !xok:
		return -1
	case !yok:
		return 1
	}
	switch t.kind {
	case tBoolean, tTinyint, tSmallint, tInt, tBigint, tLargeint:
		bx, ok1 := new(big.Int).SetString(x, 10)
		by, ok2 := new(big.Int).SetString(y, 10)
		if ok1 && ok2 {
			return bx.Cmp(by)
		}
	case tFloat, tDouble, tDecimal:
		fx, err1 := strconv.ParseFloat(x, 64)
		fy, err2 := strconv.ParseFloat(y, 64)
		if err1 == nil && err2 == nil {
			return cmp.Compare(fx, fy)
		}
	}
	return strings.Compare(x, y)
}

// snapshot returns the schema and a copy of the rows, ordered by key and
// then (duplicate-key tables) by load order, from the same version of the
// table.
func (t *table) snapshot() (*schema, [][]any) {
	t.mu.RLock()
	sc := t.schema
	type keyed struct {
		k string
		r []any
	}
	all := make([]keyed, 0, len(t.rows))
	for k, r := range t.rows {
		all = append(all, keyed{k, r})
	}
	t.mu.RUnlock()
	slices.SortFunc(all, func(a, b keyed) int {
		return cmp.Or(compareKeys(sc, a.r, b.r), strings.Compare(a.k, b.k))
	})
	rows := make([][]any, len(all))
	for i, x := range all {
		rows[i] = x.r
	}
	return sc, rows
}
