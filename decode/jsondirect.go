package decode

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Schema-guided JSON decoding: the payload is parsed straight into the
// neutral values its schema asks for, without building the schemaless tree
// first. It is equivalent to convert(s, parseJSON(payload)) (FuzzJSONDirect
// checks that), with field paths rendered only for error messages.

// jpath is the current field path, a stack kept by the decoder and
// rendered only when an error needs it (no allocation per field).
type jpath struct {
	elems []jelem
}

// rootPath returns an empty path using buf as its initial storage.
func rootPath(buf *[8]jelem) jpath { return jpath{elems: buf[:0]} }

type jelem struct {
	name  string
	index int
	kind  uint8 // 0: field or map key, 1: array index
}

func (p *jpath) push(e jelem) { p.elems = append(p.elems, e) }

func (p *jpath) pop() { p.elems = p.elems[:len(p.elems)-1] }

func (p *jpath) top() bool { return len(p.elems) == 0 }

func (p *jpath) String() string {
	var sb strings.Builder
	for _, e := range p.elems {
		if e.kind == 1 {
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(e.index))
			sb.WriteByte(']')
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(e.name)
	}
	return sb.String()
}

// nullValue is convert(s, nil, path).
func (c *JSONConverter) nullValue(s *Schema, path *jpath) (any, error) {
	if c.ReplaceNullWithDefault && s.Default != nil {
		return s.Default, nil
	}
	if !s.Optional && s.Default == nil && !path.top() {
		return nil, fmt.Errorf("%w: field %s is null but its schema is not optional", ErrMalformed, path.String())
	}
	return nil, nil
}

// decodeDirect parses one JSON value at p and converts it to schema s.
func (c *JSONConverter) decodeDirect(p *jsonParser, s *Schema, path *jpath, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: JSON nested deeper than %d levels", ErrMalformed, maxDepth)
	}
	p.ws()
	if p.pos >= len(p.b) {
		return nil, p.errf("unexpected end of input")
	}
	ch := p.b[p.pos]
	if ch == 'n' {
		if err := p.lit("null"); err != nil {
			return nil, err
		}
		return c.nullValue(s, path)
	}
	mismatch := func(want string) (any, error) { return c.mismatch(p, s, path, depth, want) }
	if s.Name == ConnectDecimal {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		return decodeDecimal(s, v, path.String())
	}
	switch s.Type {
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		if ch != '-' && (ch < '0' || ch > '9') {
			return mismatch("an integer")
		}
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: field %s: expected an integer for schema type %s, got a number", ErrMalformed, orTop(path.String()), s.Type)
		}
		if !intFits(s.Type, i) {
			return nil, fmt.Errorf("%w: field %s: %d is out of range for %s", ErrMalformed, orTop(path.String()), i, s.Type)
		}
		return i, nil
	case TypeFloat32, TypeFloat64:
		if ch == '"' {
			str, err := p.str()
			if err != nil {
				return nil, err
			}
			if f, ok := nonFinite(str); ok {
				return f, nil
			}
			return nil, fmt.Errorf("%w: field %s: expected a number for schema type %s, got a string", ErrMalformed, orTop(path.String()), s.Type)
		}
		if ch != '-' && (ch < '0' || ch > '9') {
			return mismatch("a number")
		}
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return nil, fmt.Errorf("%w: field %s: expected a number for schema type %s, got a number", ErrMalformed, orTop(path.String()), s.Type)
		}
		return f, nil
	case TypeBoolean:
		switch ch {
		case 't':
			return true, p.lit("true")
		case 'f':
			return false, p.lit("false")
		}
		return mismatch("a boolean")
	case TypeString:
		if ch != '"' {
			return mismatch("a string")
		}
		return p.str()
	case TypeBytes:
		if ch != '"' {
			return mismatch("a base64 string")
		}
		str, err := p.str()
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return nil, fmt.Errorf("%w: field %s: invalid base64: %v", ErrMalformed, orTop(path.String()), err)
		}
		return b, nil
	case TypeArray:
		if ch != '[' {
			return mismatch("an array")
		}
		out := []any{}
		if p.open(']') {
			return out, nil
		}
		for i := 0; ; i++ {
			path.push(jelem{index: i, kind: 1})
			ev, err := c.decodeDirect(p, s.Items, path, depth+1)
			path.pop()
			if err != nil {
				return nil, err
			}
			out = append(out, ev)
			if done, err := p.next(']'); err != nil || done {
				return out, err
			}
		}
	case TypeMap:
		if s.Keys.Type != TypeString { // [[k,v],...] or [{"key":k,"value":v}]: rare, via the tree
			v, err := p.value(depth)
			if err != nil {
				return nil, err
			}
			return c.convertMap(s, v, path.String())
		}
		if ch != '{' {
			v, err := p.value(depth)
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: field %s: expected an object for a string-keyed map, got %s", ErrMalformed, orTop(path.String()), jsonKind(v))
		}
		out := map[string]any{}
		if p.open('}') {
			return out, nil
		}
		for {
			k, err := p.key()
			if err != nil {
				return nil, err
			}
			path.push(jelem{name: k})
			ev, err := c.decodeDirect(p, s.Values, path, depth+1)
			path.pop()
			if err != nil {
				return nil, err
			}
			out[k] = ev
			if done, err := p.next('}'); err != nil || done {
				return out, err
			}
		}
	case TypeStruct:
		if ch != '{' {
			return mismatch("an object")
		}
		return c.decodeStruct(p, s, path, depth)
	}
	return nil, fmt.Errorf("%w: field %s has an invalid schema", ErrMalformed, orTop(path.String()))
}

// mismatch parses the value generically to report what it is.
func (c *JSONConverter) mismatch(p *jsonParser, s *Schema, path *jpath, depth int, want string) (any, error) {
	v, err := p.value(depth)
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: field %s: expected %s for schema type %s, got %s", ErrMalformed, orTop(path.String()), want, s.Type, jsonKind(v))
}

// decodeStruct decodes an object into a struct of schema s: fields in
// schema order, the first of duplicate keys wins, unknown keys are skipped,
// absent fields are null.
func (c *JSONConverter) decodeStruct(p *jsonParser, s *Schema, path *jpath, depth int) (any, error) {
	n := len(s.Fields)
	vals := make([]any, n)
	var small [2]uint64
	set := small[:]
	if n > 128 {
		set = make([]uint64, (n+63)/64)
	}
	next := 0
	if !p.open('}') {
		for {
			raw, err := p.keyRaw()
			if err != nil {
				return nil, err
			}
			idx := -1
			if next < n && s.Fields[next].Name == string(raw) { // keys usually come in schema order
				idx = next
			} else {
				for i := range s.Fields {
					if s.Fields[i].Name == string(raw) {
						idx = i
						break
					}
				}
			}
			if idx < 0 || set[idx/64]&(1<<(idx%64)) != 0 {
				if _, err := p.skip(); err != nil {
					return nil, err
				}
			} else {
				f := &s.Fields[idx]
				path.push(jelem{name: f.Name})
				v, err := c.decodeDirect(p, f.Schema, path, depth+1)
				path.pop()
				if err != nil {
					return nil, err
				}
				vals[idx] = v
				set[idx/64] |= 1 << (idx % 64)
				next = idx + 1
			}
			done, err := p.next('}')
			if err != nil {
				return nil, err
			}
			if done {
				break
			}
		}
	}
	names := make([]string, n)
	for i := range s.Fields {
		f := &s.Fields[i]
		names[i] = f.Name
		if set[i/64]&(1<<(i%64)) == 0 {
			path.push(jelem{name: f.Name})
			v, err := c.nullValue(f.Schema, path)
			path.pop()
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
	}
	return &Struct{Schema: s, Names: names, Values: vals}, nil
}
