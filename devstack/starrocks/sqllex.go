package starrocks

import (
	"fmt"
	"strings"
)

// The lexer of the MySQL-protocol front end: just enough of StarRocks' SQL
// for the DDL and introspection statements the emulator serves (sql.go).

type sqlTokKind int

const (
	tokEOF    sqlTokKind = iota
	tokIdent             // bare word: keyword or identifier
	tokQuoted            // `backtick-quoted` identifier, text unquoted
	tokString            // 'string' or "string", text unescaped
	tokNumber            // 123, 1.5, -1 is punct + number
	tokVar               // @@name, @@session.name, @name (text without the @s)
	tokPunct             // one of ( ) , . ; = < > * + - / ?
)

type sqlTok struct {
	kind sqlTokKind
	text string
	pos  int // byte offset in the statement
}

func (t sqlTok) String() string {
	switch t.kind {
	case tokEOF:
		return "<EOF>"
	case tokQuoted:
		return "`" + t.text + "`"
	case tokString:
		return "'" + t.text + "'"
	case tokVar:
		return "@@" + t.text
	}
	return t.text
}

// lexSQL splits one statement into tokens. Comments are skipped.
func lexSQL(q string) ([]sqlTok, error) {
	var toks []sqlTok
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '#' || (c == '-' && strings.HasPrefix(q[i:], "-- ")):
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return nil, syntaxErrorAt(q, i, "unterminated comment")
			}
			i += end + 4
		case c == '`':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(q) {
					return nil, syntaxErrorAt(q, i, "unterminated quoted identifier")
				}
				if q[j] == '`' {
					if j+1 < len(q) && q[j+1] == '`' {
						b.WriteByte('`')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(q[j])
				j++
			}
			toks = append(toks, sqlTok{kind: tokQuoted, text: b.String(), pos: i})
			i = j + 1
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(q) {
					return nil, syntaxErrorAt(q, i, "unterminated string")
				}
				if q[j] == '\\' && j+1 < len(q) {
					switch q[j+1] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					case '0':
						b.WriteByte(0)
					case 'Z':
						b.WriteByte(26)
					default:
						b.WriteByte(q[j+1])
					}
					j += 2
					continue
				}
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(q[j])
				j++
			}
			toks = append(toks, sqlTok{kind: tokString, text: b.String(), pos: i})
			i = j + 1
		case c == '@':
			j := i
			for j < len(q) && q[j] == '@' {
				j++
			}
			k := j
			for k < len(q) && (isWordByte(q[k]) || q[k] == '.') {
				k++
			}
			if k == j {
				return nil, syntaxErrorAt(q, i, "bad variable")
			}
			toks = append(toks, sqlTok{kind: tokVar, text: q[j:k], pos: i})
			i = k
		case c >= '0' && c <= '9':
			j := i
			for j < len(q) && (isDigit(q[j]) || q[j] == '.') {
				j++
			}
			if j < len(q) && isWordByte(q[j]) { // 1abc: an identifier (MySQL allows it)
				for j < len(q) && isWordByte(q[j]) {
					j++
				}
				toks = append(toks, sqlTok{kind: tokIdent, text: q[i:j], pos: i})
			} else {
				toks = append(toks, sqlTok{kind: tokNumber, text: q[i:j], pos: i})
			}
			i = j
		case isWordByte(c):
			j := i
			for j < len(q) && isWordByte(q[j]) {
				j++
			}
			toks = append(toks, sqlTok{kind: tokIdent, text: q[i:j], pos: i})
			i = j
		case strings.IndexByte("(),.;=<>*+-/?!", c) >= 0:
			if (c == '<' || c == '>' || c == '!') && i+1 < len(q) && q[i+1] == '=' {
				toks = append(toks, sqlTok{kind: tokPunct, text: q[i : i+2], pos: i})
				i += 2
				continue
			}
			toks = append(toks, sqlTok{kind: tokPunct, text: string(c), pos: i})
			i++
		default:
			return nil, syntaxErrorAt(q, i, fmt.Sprintf("unexpected character %q", c))
		}
	}
	toks = append(toks, sqlTok{kind: tokEOF, pos: len(q)})
	return toks, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

// syntaxErrorAt renders StarRocks' parser error ("Getting syntax error at
// line L, column C. Detail message: ...").
func syntaxErrorAt(q string, pos int, detail string) *sqlError {
	line, col := 1, 0
	for i := 0; i < pos && i < len(q); i++ {
		if q[i] == '\n' {
			line++
			col = 0
		} else {
			col++
		}
	}
	return &sqlError{code: codeSyntax, msg: fmt.Sprintf("Getting syntax error at line %d, column %d. Detail message: %s.", line, col, detail)}
}
