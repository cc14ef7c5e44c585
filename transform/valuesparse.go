package transform

// Values.parseString of Kafka 3.9's Connect API (org.apache.kafka.connect.
// data.Values), which InsertHeader uses to type its value.literal:
//
//   - "" is the empty string; "null" is null (no schema); "true" and
//     "false" are booleans;
//   - a token starting with a digit is first tried as an ISO-8601 time
//     (HH:mm:ss.SSS'Z'), timestamp (yyyy-MM-dd'T'HH:mm:ss.SSS'Z') or date
//     (yyyy-MM-dd), by length, parsed leniently in UTC (the JVM's zone on
//     usual workers);
//   - a token starting with a digit, '+' or '-' that BigDecimal reads is
//     the smallest of int8…int64 when integral (1.0 is int8 1), else a
//     float32, else a float64, else a Decimal;
//   - "[...]" and "{...}" are arrays and maps of embedded values ("..."
//     quotes a string; ':' and ',' may be escaped with '\'), whose element
//     schemas are merged into a common numeric type when they differ only
//     in width; a malformed array or map is a string;
//   - anything else is the whole text as a string. (As in Kafka, text after
//     a leading number is ignored: "12,13" is int8 12.)
//
// Two simplifications, which affect only header values: elements of mixed
// numeric types are converted to the common type only when it is a plain
// number, and map keys are rendered as text (decode's map representation).

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/starcdc/starcdc/decode"
)

// connectValue is a SchemaAndValue; a nil *connectValue is Java's null.
type connectValue struct {
	schema *decode.Schema
	value  any
}

// parseConnectValue is Values.parseString.
func parseConnectValue(s string) (*decode.Schema, any) {
	if s == "" {
		return primitiveSchema(decode.TypeString, false), ""
	}
	p := valueParser{t: tokenizer{s: s}}
	v, err := p.parse(false)
	if err != nil || v == nil {
		if err != nil { // Values.parseString throws; InsertHeader would fail to configure
			return primitiveSchema(decode.TypeString, false), s
		}
		return nil, nil
	}
	return v.schema, v.value
}

// tokenizer is Values.Parser: tokens are runs of text between the
// delimiters : , { } [ ] " (each a token of its own) unless escaped with
// a backslash.
type tokenizer struct {
	s       string
	pos     int
	next    *string
	prev    string
	hasPrev bool
}

func (t *tokenizer) mark() int {
	if t.next != nil {
		return t.pos - len(*t.next)
	}
	return t.pos
}

func (t *tokenizer) rewindTo(p int) {
	t.pos, t.next, t.prev, t.hasPrev = p, nil, "", false
}

func (t *tokenizer) hasNext() bool { return t.next != nil || t.pos < len(t.s) }

func (t *tokenizer) nextToken() string {
	if t.next != nil {
		t.prev, t.next = *t.next, nil
	} else {
		t.prev = t.consume()
	}
	t.hasPrev = true
	return t.prev
}

// nextN returns the text of the next n tokens, or false (rewound) when
// there are fewer.
func (t *tokenizer) nextN(n int) (string, bool) {
	start := t.mark()
	for range n {
		if !t.hasNext() {
			t.rewindTo(start)
			return "", false
		}
		t.nextToken()
	}
	return t.s[start:t.pos], true
}

func (t *tokenizer) consume() string {
	escaped := false
	start := t.pos
	for t.pos < len(t.s) {
		switch c := t.s[t.pos]; c {
		case '\\':
			escaped = !escaped
		case ':', ',', '{', '}', '[', ']', '"':
			if !escaped {
				if start < t.pos {
					return t.s[start:t.pos]
				}
				t.pos++
				return t.s[start : start+1]
			}
			escaped = false
		default:
			escaped = false
		}
		t.pos++
	}
	return t.s[start:t.pos]
}

func javaTrim(s string) string { return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }) }

func isBlank(s string) bool { return javaTrim(s) == "" }

// canConsume consumes the next non-blank token if it is expected.
func (t *tokenizer) canConsume(expected string) bool {
	if t.next == nil {
		if !t.hasNext() {
			return false
		}
		tok := t.consume()
		t.next = &tok
	}
	for isBlank(*t.next) && t.pos < len(t.s) {
		tok := t.consume()
		t.next = &tok
	}
	if javaTrim(*t.next) == expected {
		t.next = nil
		return true
	}
	return false
}

// valueParser is Values.ValueParser.
type valueParser struct {
	t tokenizer
}

type parseError string

func (e parseError) Error() string { return string(e) }

func (p *valueParser) literal(embedded bool, lit string) bool {
	start := p.t.mark()
	if p.t.canConsume(lit) && (embedded || !p.t.hasNext()) {
		return true
	}
	p.t.rewindTo(start)
	return false
}

func (p *valueParser) parse(embedded bool) (*connectValue, error) {
	switch {
	case !p.t.hasNext():
		return nil, nil
	case embedded && p.t.canConsume(`"`):
		return p.quoted(), nil
	case p.literal(embedded, "null"):
		return nil, nil
	case p.literal(embedded, "true"):
		return &connectValue{primitiveSchema(decode.TypeBoolean, false), true}, nil
	case p.literal(embedded, "false"):
		return &connectValue{primitiveSchema(decode.TypeBoolean, false), false}, nil
	}
	start := p.t.mark()
	var v *connectValue
	var err error
	switch {
	case p.t.canConsume("["):
		v, err = p.array()
	case p.t.canConsume("{"):
		v, err = p.object()
	}
	if v != nil && err == nil {
		return v, nil
	}
	if err != nil {
		p.t.rewindTo(start)
	}
	tok := p.t.nextToken()
	if isBlank(tok) {
		return &connectValue{primitiveSchema(decode.TypeString, false), tok}, nil
	}
	return p.token(embedded, javaTrim(tok))
}

func (p *valueParser) token(embedded bool, tok string) (*connectValue, error) {
	first := tok[0]
	digit := first >= '0' && first <= '9'
	if digit {
		if v := p.temporalTokens(tok); v != nil {
			return v, nil
		}
	}
	if digit || first == '+' || first == '-' {
		if v, ok := parseNumberLiteral(tok); ok {
			return v, nil
		}
	}
	if embedded {
		return nil, parseError("Failed to parse embedded value")
	}
	return &connectValue{primitiveSchema(decode.TypeString, false), p.t.s}, nil
}

func (p *valueParser) quoted() *connectValue {
	var b strings.Builder
	for p.t.hasNext() {
		if p.t.canConsume(`"`) {
			break
		}
		b.WriteString(p.t.nextToken())
	}
	content := b.String()
	if v := parseTemporal(content); v != nil {
		return v
	}
	return &connectValue{primitiveSchema(decode.TypeString, false), content}
}

// temporalTokens tries the token with the next four (a time's colons are
// delimiters), then the token alone.
func (p *valueParser) temporalTokens(tok string) *connectValue {
	pos := p.t.mark()
	if rest, ok := p.t.nextN(4); ok {
		if v := parseTemporal(tok + rest); v != nil {
			return v
		}
	}
	p.t.rewindTo(pos)
	return parseTemporal(tok)
}

// parseTemporal reads an ISO-8601 time, timestamp or date by its length.
func parseTemporal(tok string) *connectValue {
	tok = strings.ReplaceAll(tok, `\:`, ":")
	var pattern string
	var schema *decode.Schema
	switch len(tok) {
	case 13:
		pattern, schema = "HH:mm:ss.SSS'Z'", timeSchema(false)
	case 24:
		pattern, schema = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", timestampSchema(false)
	case 10:
		pattern, schema = "yyyy-MM-dd", dateSchema(false)
	default:
		return nil
	}
	f, _ := compileJavaDateFormat(pattern)
	ms, ok := f.parse(tok)
	if !ok {
		return nil
	}
	switch schema.Name {
	case decode.ConnectDate:
		return &connectValue{schema, floorDiv(ms, millisPerDay)}
	case decode.ConnectTime:
		return &connectValue{schema, ms - floorDiv(ms, millisPerDay)*millisPerDay}
	}
	return &connectValue{schema, ms}
}

// parseNumberLiteral is ValueParser.parseAsNumber.
func parseNumberLiteral(tok string) (*connectValue, bool) {
	d, ok := javaBigDecimal(tok)
	if !ok {
		return nil, false
	}
	if decimalIsIntegral(d) {
		if intPart := decimalTruncated(d); intPart.IsInt64() {
			n := intPart.Int64()
			switch {
			case n == int64(int8(n)):
				return &connectValue{primitiveSchema(decode.TypeInt8, false), n}, true
			case n == int64(int16(n)):
				return &connectValue{primitiveSchema(decode.TypeInt16, false), n}, true
			case n == int64(int32(n)):
				return &connectValue{primitiveSchema(decode.TypeInt32, false), n}, true
			}
			return &connectValue{primitiveSchema(decode.TypeInt64, false), n}, true
		}
	}
	if f := decimalFloat(d, 32); !math.IsInf(f, 0) && d.Scale != 0 {
		return &connectValue{primitiveSchema(decode.TypeFloat32, false), f}, true
	}
	if f := decimalFloat(d, 64); !math.IsInf(f, 0) && d.Scale != 0 {
		return &connectValue{primitiveSchema(decode.TypeFloat64, false), f}, true
	}
	s := &decode.Schema{Type: decode.TypeBytes, Name: decode.ConnectDecimal, Version: 1,
		Parameters: map[string]string{decode.DecimalScaleParam: strconv.Itoa(int(d.Scale))}}
	return &connectValue{s, d}, true
}

// decimalIsIntegral reports whether d has no fractional part.
func decimalIsIntegral(d decode.Decimal) bool {
	if d.Scale <= 0 || d.Unscaled == nil {
		return true
	}
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)
	return new(big.Int).Rem(d.Unscaled, pow).Sign() == 0
}

func (p *valueParser) array() (*connectValue, error) {
	var values []any
	var merger schemaMerger
	for p.t.hasNext() {
		if p.t.canConsume("]") {
			s := &decode.Schema{Type: decode.TypeArray}
			if merger.common != nil {
				s.Items = merger.common
				for i, v := range values {
					values[i] = alignNumber(merger.common, v)
				}
			}
			if values == nil {
				values = []any{}
			}
			return &connectValue{s, values}, nil
		}
		if p.t.canConsume(",") {
			return nil, parseError("Unable to parse an empty array element: " + p.t.s)
		}
		e, err := p.parse(true)
		if err != nil {
			return nil, err
		}
		merger.merge(e)
		if e != nil {
			values = append(values, e.value)
		} else {
			values = append(values, nil)
		}
		cur := p.t.mark()
		if p.t.canConsume("]") {
			p.t.rewindTo(cur)
		} else if !p.t.canConsume(",") {
			return nil, parseError("Array elements missing ',' delimiter")
		}
	}
	if p.t.hasPrev && p.t.prev == "," {
		return nil, parseError("Array is missing element after ',': " + p.t.s)
	}
	return nil, parseError("Array is missing terminating ']': " + p.t.s)
}

func (p *valueParser) object() (*connectValue, error) {
	out := map[string]any{}
	var keys, values schemaMerger
	type entry struct{ k, v any }
	var entries []entry
	for p.t.hasNext() {
		if p.t.canConsume("}") {
			s := &decode.Schema{Type: decode.TypeMap, Keys: keys.common}
			if keys.common != nil && values.common != nil {
				s.Values = values.common
			}
			for _, e := range entries {
				k, v := e.k, e.v
				if keys.common != nil {
					k = alignNumber(keys.common, k)
				}
				if s.Values != nil {
					v = alignNumber(s.Values, v)
				}
				out[mapKey(k)] = v
			}
			return &connectValue{s, out}, nil
		}
		if p.t.canConsume(",") {
			return nil, parseError("Unable to parse a map entry with no key or value: " + p.t.s)
		}
		k, err := p.parse(true)
		if err != nil {
			return nil, err
		}
		if k == nil || k.value == nil {
			return nil, parseError("Map entry may not have a null key: " + p.t.s)
		}
		if !p.t.canConsume(":") {
			return nil, parseError("Map entry is missing ':' in " + p.t.s)
		}
		v, err := p.parse(true)
		if err != nil {
			return nil, err
		}
		var ev any
		if v != nil {
			ev = v.value
		}
		entries = append(entries, entry{k.value, ev})
		p.t.canConsume(",")
		keys.merge(k)
		values.merge(v)
	}
	if p.t.hasPrev && p.t.prev == "," {
		return nil, parseError("Map is missing element after ',': " + p.t.s)
	}
	return nil, parseError("Map is missing terminating '}': " + p.t.s)
}

// mapKey renders a map key as text (decode's map representation).
func mapKey(k any) string {
	switch t := k.(type) {
	case string:
		return t
	case float64:
		return javaFloatString(t, 64)
	case decode.Decimal:
		return javaBigDecimalString(t)
	}
	return javaToString(nil, k)
}

// schemaMerger is Values.SchemaMerger: the schema common to the values seen
// (a wider number absorbs a narrower one), nil when there is none.
type schemaMerger struct {
	common       *decode.Schema
	incompatible bool
}

func (m *schemaMerger) merge(v *connectValue) {
	if v == nil || v.schema == nil || m.incompatible {
		return
	}
	if m.common == nil {
		m.common = v.schema
		return
	}
	m.common = mergeSchemas(m.common, v.schema)
	m.incompatible = m.common == nil
}

// numericRank orders the numeric types by what absorbs what; 0 for others.
func numericRank(t decode.Type) int {
	switch t {
	case decode.TypeInt8:
		return 1
	case decode.TypeInt16:
		return 2
	case decode.TypeInt32:
		return 3
	case decode.TypeInt64:
		return 4
	case decode.TypeFloat32:
		return 5
	case decode.TypeFloat64:
		return 6
	}
	return 0
}

func mergeSchemas(prev, next *decode.Schema) *decode.Schema {
	if prev.Type != next.Type {
		a, b := numericRank(prev.Type), numericRank(next.Type)
		switch {
		case a == 0 || b == 0:
			return nil
		case a > b:
			return prev
		}
		return next
	}
	if prev.Optional == next.Optional {
		return next
	}
	return nil
}

// alignNumber converts a number to the common plain numeric schema s.
func alignNumber(s *decode.Schema, v any) any {
	if v == nil || s.Name != "" {
		return v
	}
	switch s.Type {
	case decode.TypeInt8, decode.TypeInt16, decode.TypeInt32, decode.TypeInt64:
		if n, ok := javaLong(v); ok {
			return n
		}
	case decode.TypeFloat32:
		if f, ok := javaDouble(v, 32); ok {
			return f
		}
	case decode.TypeFloat64:
		if f, ok := javaDouble(v, 64); ok {
			return f
		}
	}
	return v
}
