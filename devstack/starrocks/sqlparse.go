package starrocks

import (
	"fmt"
	"strconv"
	"strings"
)

// MySQL error numbers the front end returns. StarRocks reports most
// analysis errors as 1064 too.
const (
	codeSyntax       = 1064 // ER_PARSE_ERROR; StarRocks' analyzer errors too
	codeDBExists     = 1007 // ER_DB_CREATE_EXISTS
	codeNoDB         = 1046 // ER_NO_DB_ERROR
	codeBadDB        = 1049 // ER_BAD_DB_ERROR
	codeTableExists  = 1050 // ER_TABLE_EXISTS_ERROR
	codeBadField     = 1054 // ER_BAD_FIELD_ERROR
	codeNoSuchTable  = 1146 // ER_NO_SUCH_TABLE
	codeUnknown      = 1105 // ER_UNKNOWN_ERROR
	codeNotSupported = 1235 // ER_NOT_SUPPORTED_YET
)

// sqlError is a MySQL error reply.
type sqlError struct {
	code uint16
	msg  string
}

func (e *sqlError) Error() string { return e.msg }

func sqlErrorf(code uint16, format string, args ...any) *sqlError {
	return &sqlError{code: code, msg: fmt.Sprintf(format, args...)}
}

// notSupported is the reply for anything the emulator does not implement:
// never a fake success.
func notSupported(what string) *sqlError {
	if u := strings.ToUpper(what); strings.Contains(u, "PASSWORD") || strings.Contains(u, "IDENTIFIED") {
		// Never echo a password back into an error a client may log.
		what = strings.Fields(what)[0] + " ... (statement not shown: it may contain a password)"
	}
	return sqlErrorf(codeNotSupported, "not supported by the starcdc StarRocks emulator: %s", what)
}

// sqlParser is a cursor over the tokens of one statement.
type sqlParser struct {
	q    string
	toks []sqlTok
	i    int
}

func (p *sqlParser) peek() sqlTok { return p.toks[p.i] }

func (p *sqlParser) peekAt(n int) sqlTok {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *sqlParser) next() sqlTok {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// isKW reports whether the next tokens are the bare words given.
func (p *sqlParser) isKW(words ...string) bool {
	for n, w := range words {
		t := p.peekAt(n)
		if t.kind != tokIdent || !strings.EqualFold(t.text, w) {
			return false
		}
	}
	return true
}

func (p *sqlParser) acceptKW(words ...string) bool {
	if p.isKW(words...) {
		p.i += len(words)
		return true
	}
	return false
}

func (p *sqlParser) expectKW(words ...string) error {
	if !p.acceptKW(words...) {
		return p.unexpected()
	}
	return nil
}

func (p *sqlParser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == s
}

func (p *sqlParser) acceptPunct(s string) bool {
	if p.isPunct(s) {
		p.i++
		return true
	}
	return false
}

func (p *sqlParser) expectPunct(s string) error {
	if !p.acceptPunct(s) {
		return p.unexpected()
	}
	return nil
}

func (p *sqlParser) unexpected() *sqlError {
	t := p.peek()
	if t.kind == tokEOF {
		return syntaxErrorAt(p.q, t.pos, "Unexpected input '<EOF>'")
	}
	return syntaxErrorAt(p.q, t.pos, fmt.Sprintf("Unexpected input '%s'", t))
}

// sqlReserved are words that cannot be bare identifiers here (a subset of
// StarRocks' reserved words, enough to catch clause-order mistakes).
var sqlReserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "ORDER": true, "BY": true, "TABLE": true,
	"CREATE": true, "ALTER": true, "PRIMARY": true, "KEY": true, "DISTRIBUTED": true,
	"PROPERTIES": true, "ENGINE": true, "COMMENT": true, "PARTITION": true, "AND": true,
	"NOT": true, "NULL": true, "DEFAULT": true, "LIMIT": true, "DUPLICATE": true, "UNIQUE": true,
	"AGGREGATE": true, "ADD": true, "MODIFY": true, "COLUMN": true, "DROP": true, "IF": true,
	"EXISTS": true, "DATABASE": true, "SET": true, "USE": true, "SHOW": true, "DESC": true,
	"ASC": true, "AFTER": true, "FIRST": true, "BUCKETS": true, "HASH": true, "RANDOM": true,
}

// ident reads an identifier: a bare word that is not reserved, or a
// backtick-quoted one.
func (p *sqlParser) ident() (string, error) {
	t := p.peek()
	switch t.kind {
	case tokQuoted:
		p.i++
		if t.text == "" {
			return "", syntaxErrorAt(p.q, t.pos, "empty identifier")
		}
		return t.text, nil
	case tokIdent:
		if sqlReserved[strings.ToUpper(t.text)] {
			return "", p.unexpected()
		}
		p.i++
		return t.text, nil
	}
	return "", p.unexpected()
}

// qname reads [db.]name.
func (p *sqlParser) qname() (db, name string, err error) {
	a, err := p.ident()
	if err != nil {
		return "", "", err
	}
	if p.acceptPunct(".") {
		b, err := p.ident()
		if err != nil {
			return "", "", err
		}
		return a, b, nil
	}
	return "", a, nil
}

// identList reads "(a, b, ...)".
func (p *sqlParser) identList() ([]string, error) {
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	var out []string
	for {
		id, err := p.ident()
		if err != nil {
			return nil, err
		}
		out = append(out, id)
		if p.acceptPunct(")") {
			return out, nil
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
}

// str reads a string literal.
func (p *sqlParser) str() (string, error) {
	t := p.peek()
	if t.kind != tokString {
		return "", p.unexpected()
	}
	p.i++
	return t.text, nil
}

// posInt reads a non-negative integer.
func (p *sqlParser) posInt() (int, error) {
	t := p.peek()
	if t.kind != tokNumber {
		return 0, p.unexpected()
	}
	n, err := strconv.Atoi(t.text)
	if err != nil {
		return 0, p.unexpected()
	}
	p.i++
	return n, nil
}

// end accepts an optional ';' and requires the end of the statement.
func (p *sqlParser) end() error {
	p.acceptPunct(";")
	if p.peek().kind != tokEOF {
		return p.unexpected()
	}
	return nil
}

// colDef is a parsed column definition.
type colDef struct {
	name       string
	typ        string // type text for parseType
	null       bool   // explicit NULL
	notNull    bool   // explicit NOT NULL
	comment    string
	key        bool // the KEY keyword (aggregate/unique models)
	after      string
	first      bool
	hasDefault bool // DEFAULT NULL
}

// typeText reads a column type and renders it for parseType: NAME,
// NAME(a, b) or NAME<...> (ARRAY, MAP, STRUCT). Integer display widths
// (INT(11)) are dropped as StarRocks ignores them.
func (p *sqlParser) typeText() (string, error) {
	t := p.peek()
	if t.kind != tokIdent {
		return "", p.unexpected()
	}
	p.i++
	name := strings.ToUpper(t.text)
	var b strings.Builder
	b.WriteString(name)
	switch {
	case p.isPunct("<"):
		p.i++
		b.WriteByte('<')
		depth := 1
		for depth > 0 {
			x := p.next()
			switch {
			case x.kind == tokEOF:
				return "", p.unexpected()
			case x.kind == tokPunct && x.text == "<":
				depth++
			case x.kind == tokPunct && x.text == ">":
				depth--
			}
			if x.kind == tokQuoted {
				b.WriteString("`" + x.text + "`")
			} else if x.kind == tokPunct && x.text == "," {
				b.WriteString(", ")
			} else {
				if x.kind == tokIdent && b.Len() > 0 {
					last := b.String()[b.Len()-1]
					if isWordByte(last) {
						b.WriteByte(' ')
					}
				}
				b.WriteString(x.text)
			}
		}
	case p.isPunct("("):
		p.i++
		var args []string
		for {
			x := p.next()
			if x.kind != tokNumber {
				return "", syntaxErrorAt(p.q, x.pos, fmt.Sprintf("Unexpected input '%s'", x))
			}
			args = append(args, x.text)
			if p.acceptPunct(")") {
				break
			}
			if err := p.expectPunct(","); err != nil {
				return "", err
			}
		}
		switch name {
		case "TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "LARGEINT":
		default:
			b.WriteString("(" + strings.Join(args, ",") + ")")
		}
	}
	out := b.String()
	if name == "INTEGER" {
		out = "INT"
	}
	return out, nil
}

// colDef reads "name type [NULL|NOT NULL] [DEFAULT NULL] [COMMENT 's']
// [AFTER c|FIRST]" (the position only where allowPos).
func (p *sqlParser) colDef(allowPos bool) (*colDef, error) {
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	typ, err := p.typeText()
	if err != nil {
		return nil, err
	}
	d := &colDef{name: name, typ: typ}
	for {
		switch {
		case p.acceptKW("NOT", "NULL"):
			d.notNull = true
		case p.acceptKW("NULL"):
			d.null = true
		case p.acceptKW("KEY"):
			d.key = true
		case p.acceptKW("DEFAULT"):
			if !p.acceptKW("NULL") {
				return nil, notSupported("column DEFAULT values other than NULL (column '" + name + "')")
			}
			d.hasDefault = true
		case p.acceptKW("COMMENT"):
			s, err := p.str()
			if err != nil {
				return nil, err
			}
			d.comment = s
		case p.isKW("AUTO_INCREMENT"), p.isKW("AS"), p.isKW("CHARACTER"), p.isKW("CHARSET"), p.isKW("COLLATE"):
			return nil, notSupported(strings.ToUpper(p.peek().text) + " in a column definition (column '" + name + "')")
		default:
			if d.null && d.notNull {
				return nil, syntaxErrorAt(p.q, p.peek().pos, "column '"+name+"' is both NULL and NOT NULL")
			}
			if allowPos {
				if p.acceptKW("AFTER") {
					if d.after, err = p.ident(); err != nil {
						return nil, err
					}
				} else if p.acceptKW("FIRST") {
					d.first = true
				}
			}
			return d, nil
		}
	}
}
