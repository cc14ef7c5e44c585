package decode

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSON parses one JSON document into the neutral schemaless form:
// objects become *Struct (source key order kept, duplicate keys kept),
// numbers json.Number. Trailing non-space data is an error. Invalid UTF-8 in
// strings is replaced by U+FFFD, as encoding/json does.
func parseJSON(data []byte) (any, error) {
	p := jsonParser{b: data}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos != len(p.b) {
		return nil, fmt.Errorf("%w: trailing data after the JSON document", ErrMalformed)
	}
	return v, nil
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 512

// jsonParser is a strict recursive-descent JSON parser over a byte slice.
// Allocation is proportional to the input.
type jsonParser struct {
	b   []byte
	pos int
}

func (p *jsonParser) errf(format string, a ...any) error {
	return fmt.Errorf("%w: invalid JSON at offset %d: %s", ErrMalformed, p.pos, fmt.Sprintf(format, a...))
}

func (p *jsonParser) ws() {
	for p.pos < len(p.b) {
		switch p.b[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: JSON nested deeper than %d levels", ErrMalformed, maxDepth)
	}
	p.ws()
	if p.pos >= len(p.b) {
		return nil, p.errf("unexpected end of input")
	}
	switch c := p.b[p.pos]; {
	case c == '{':
		s := &Struct{}
		if p.open('}') {
			return s, nil
		}
		for {
			k, err := p.key()
			if err != nil {
				return nil, err
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			s.Names = append(s.Names, k)
			s.Values = append(s.Values, v)
			done, err := p.next('}')
			if err != nil {
				return nil, err
			}
			if done {
				return s, nil
			}
		}
	case c == '[':
		arr := []any{}
		if p.open(']') {
			return arr, nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
			done, err := p.next(']')
			if err != nil {
				return nil, err
			}
			if done {
				return arr, nil
			}
		}
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.lit("true")
	case c == 'f':
		return false, p.lit("false")
	case c == 'n':
		return nil, p.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.errf("unexpected character %q", p.b[p.pos])
}

// open consumes the opening bracket at p.pos and the whitespace after it,
// and reports whether the container is empty, in which case its closing
// bracket is consumed too.
func (p *jsonParser) open(closing byte) (empty bool) {
	p.pos++
	p.ws()
	if p.pos < len(p.b) && p.b[p.pos] == closing {
		p.pos++
		return true
	}
	return false
}

// next consumes, after an element of an object ('}') or array (']'), the
// ',' before the next element or the closing bracket (done).
func (p *jsonParser) next(closing byte) (done bool, err error) {
	p.ws()
	if p.pos < len(p.b) {
		switch p.b[p.pos] {
		case ',':
			p.pos++
			return false, nil
		case closing:
			p.pos++
			return true, nil
		}
	}
	in := "an object"
	if closing == ']' {
		in = "an array"
	}
	if p.pos >= len(p.b) {
		return false, p.errf("unexpected end of input in %s", in)
	}
	return false, p.errf("expected ',' or %q in %s", closing, in)
}

// key parses an object key and the ':' after it.
func (p *jsonParser) key() (string, error) {
	p.ws()
	if p.pos >= len(p.b) || p.b[p.pos] != '"' {
		return "", p.errf("expected an object key")
	}
	k, err := p.str()
	if err != nil {
		return "", err
	}
	return k, p.colon()
}

// keyRaw is key without allocating when the key has no escapes.
func (p *jsonParser) keyRaw() ([]byte, error) {
	p.ws()
	if p.pos >= len(p.b) || p.b[p.pos] != '"' {
		return nil, p.errf("expected an object key")
	}
	start := p.pos + 1
	for i := start; i < len(p.b); i++ {
		c := p.b[i]
		if c == '"' {
			if !isASCII(p.b[start:i]) {
				break
			}
			p.pos = i + 1
			return p.b[start:i], p.colon()
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
	}
	k, err := p.str()
	if err != nil {
		return nil, err
	}
	return []byte(k), p.colon()
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func (p *jsonParser) colon() error {
	p.ws()
	if p.pos >= len(p.b) || p.b[p.pos] != ':' {
		return p.errf("expected ':' after an object key")
	}
	p.pos++
	return nil
}

func (p *jsonParser) lit(s string) error {
	if len(p.b)-p.pos < len(s) || string(p.b[p.pos:p.pos+len(s)]) != s {
		return p.errf("invalid literal")
	}
	p.pos += len(s)
	return nil
}

func (p *jsonParser) number() (json.Number, error) {
	start := p.pos
	if p.b[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.b) && p.b[p.pos] >= '0' && p.b[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.pos < len(p.b) && p.b[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		return "", p.errf("invalid number")
	}
	if p.pos < len(p.b) && p.b[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return "", p.errf("invalid number")
		}
	}
	if p.pos < len(p.b) && (p.b[p.pos] == 'e' || p.b[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.b) && (p.b[p.pos] == '+' || p.b[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return "", p.errf("invalid number")
		}
	}
	return json.Number(p.b[start:p.pos]), nil
}

// str parses a string starting at the opening quote.
func (p *jsonParser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	ascii := true
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		switch {
		case c == '"':
			s := p.b[start:p.pos]
			p.pos++
			if ascii || utf8.Valid(s) {
				return string(s), nil
			}
			return string(appendValidUTF8(nil, s)), nil
		case c == '\\':
			return p.strSlow(start)
		case c < 0x20:
			return "", p.errf("control character in a string")
		case c >= 0x80:
			ascii = false
		}
		p.pos++
	}
	return "", p.errf("unterminated string")
}

// strSlow handles strings with escapes, from the string's first byte.
func (p *jsonParser) strSlow(start int) (string, error) {
	buf := appendValidUTF8(make([]byte, 0, p.pos-start+16), p.b[start:p.pos])
	buf, msg := p.appendStrRest(buf)
	if msg != "" {
		return "", p.errf("%s", msg)
	}
	return string(buf), nil
}

// appendStrRest appends to dst the rest of the string p is in, from p.pos
// up to its closing quote (which it consumes): escapes decoded, invalid
// UTF-8 and lone surrogates replaced by U+FFFD, as encoding/json does. On
// malformed input it returns a message for p.errf, p.pos at the fault.
// The generic parser and the flat scanner (jsonflat.go) share it.
func (p *jsonParser) appendStrRest(dst []byte) ([]byte, string) {
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		switch {
		case c == '"':
			p.pos++
			return dst, ""
		case c < 0x20:
			return dst, "control character in a string"
		case c != '\\':
			end := p.pos
			for end < len(p.b) && p.b[end] != '"' && p.b[end] != '\\' && p.b[end] >= 0x20 {
				end++
			}
			dst = appendValidUTF8(dst, p.b[p.pos:end])
			p.pos = end
			continue
		}
		// escape
		if p.pos+1 >= len(p.b) {
			return dst, "unterminated escape"
		}
		e := p.b[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return dst, "invalid \\u escape"
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.pos+1 < len(p.b) && p.b[p.pos] == '\\' && p.b[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if x, ok := p.hex4(); ok {
						r2 = x
					} else {
						p.pos = save
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						dst = utf8.AppendRune(dst, dec)
						continue
					}
					p.pos = save
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return dst, fmt.Sprintf("invalid escape '\\%c'", e)
		}
	}
	return dst, "unterminated string"
}

func (p *jsonParser) hex4() (rune, bool) {
	if len(p.b)-p.pos < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.b[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(v), true
}

// appendValidUTF8 appends s with invalid UTF-8 replaced by U+FFFD.
func appendValidUTF8(dst, s []byte) []byte {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r == utf8.RuneError && n == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}

// skip validates and skips one value, returning its raw bytes (without the
// whitespace around it). It does not allocate.
func (p *jsonParser) skip() ([]byte, error) {
	p.ws()
	start := p.pos
	var stack [maxDepth + 1]byte // open containers: '{' or '['
	depth := 0
	for {
		p.ws() // before every value, e.g. after "," in an array
		if p.pos >= len(p.b) {
			return nil, p.errf("unexpected end of input")
		}
		switch c := p.b[p.pos]; c {
		case '{', '[':
			if depth >= maxDepth {
				return nil, fmt.Errorf("%w: JSON nested deeper than %d levels", ErrMalformed, maxDepth)
			}
			stack[depth] = c
			depth++
			p.pos++
			p.ws()
			if p.pos < len(p.b) && p.b[p.pos] == c+2 { // '{'+2 == '}', '['+2 == ']'
				p.pos++
				depth--
				break
			}
			if c == '{' {
				if err := p.skipKey(); err != nil {
					return nil, err
				}
			}
			continue
		case '"':
			if err := p.skipStr(); err != nil {
				return nil, err
			}
		case 't':
			if err := p.lit("true"); err != nil {
				return nil, err
			}
		case 'f':
			if err := p.lit("false"); err != nil {
				return nil, err
			}
		case 'n':
			if err := p.lit("null"); err != nil {
				return nil, err
			}
		default:
			if c != '-' && (c < '0' || c > '9') {
				return nil, p.errf("unexpected character %q", c)
			}
			if _, err := p.number(); err != nil {
				return nil, err
			}
		}
		// After a complete value: close containers, or expect a separator.
		for {
			if depth == 0 { // the raw bytes end with the value, not with the space after it
				return p.b[start:p.pos], nil
			}
			p.ws()
			if p.pos >= len(p.b) {
				return nil, p.errf("unexpected end of input")
			}
			if p.b[p.pos] == stack[depth-1]+2 {
				p.pos++
				depth--
				continue
			}
			if p.b[p.pos] != ',' {
				return nil, p.errf("expected ',' or a closing bracket")
			}
			p.pos++
			if stack[depth-1] == '{' {
				if err := p.skipKey(); err != nil {
					return nil, err
				}
			}
			break
		}
	}
}

func (p *jsonParser) skipKey() error {
	p.ws()
	if p.pos >= len(p.b) || p.b[p.pos] != '"' {
		return p.errf("expected an object key")
	}
	if err := p.skipStr(); err != nil {
		return err
	}
	p.ws()
	if p.pos >= len(p.b) || p.b[p.pos] != ':' {
		return p.errf("expected ':' after an object key")
	}
	p.pos++
	p.ws()
	return nil
}

func (p *jsonParser) skipStr() error {
	p.pos++
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		switch {
		case c == '"':
			p.pos++
			return nil
		case c == '\\':
			if p.pos+1 >= len(p.b) {
				return p.errf("unterminated escape")
			}
			switch p.b[p.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos += 2
			case 'u':
				p.pos += 2
				if _, ok := p.hex4(); !ok {
					return p.errf("invalid \\u escape")
				}
			default:
				return p.errf("invalid escape")
			}
			continue
		case c < 0x20:
			return p.errf("control character in a string")
		}
		p.pos++
	}
	return p.errf("unterminated string")
}
