package transform

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
)

// Helpers shared by the Debezium and StarRocks transforms: Kafka Connect's
// Struct and SchemaUtil operations on decode's model, Java's regex
// replacement and string splitting, Java's toString of numbers, and option
// parsing. Kafka's own transforms may carry near copies of some of these;
// they are to be merged.

// props reads a transform's options, remembering which were read so that
// the unknown ones can be refused (starcdc ignores nothing silently).
type props struct {
	m    map[string]string
	used map[string]bool
	errs []error
}

func newProps(m map[string]string) *props {
	return &props{m: m, used: map[string]bool{}}
}

// get returns the raw value of key (Debezium reads options untrimmed).
func (p *props) get(key string) (string, bool) {
	p.used[key] = true
	v, ok := p.m[key]
	return v, ok
}

// str returns key's value, or def when it is absent.
func (p *props) str(key, def string) string {
	if v, ok := p.get(key); ok {
		return v
	}
	return def
}

// bool reads a boolean written true or false in any case, surrounding
// space ignored. Debezium would read any other text as the default; starcdc
// refuses it.
func (p *props) bool(key string, def bool) bool {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true
	case "false":
		return false
	}
	p.bad(key, v, "expected true or false")
	return def
}

// enum reads one of the values (case-insensitive, trimmed, as Debezium's
// EnumeratedValue.parse) and returns it in the spelling of values.
func (p *props) enum(key, def string, values ...string) string {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	for _, e := range values {
		if strings.EqualFold(strings.TrimSpace(v), e) {
			return e
		}
	}
	p.bad(key, v, "must be one of %s", strings.Join(values, ", "))
	return def
}

func (p *props) bad(key, value, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s=%q: %s", key, value, fmt.Sprintf(format, args...)))
}

func (p *props) badKey(key, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

// refuse marks key as read and refuses it when it is set.
func (p *props) refuse(key, why string) {
	if v, ok := p.get(key); ok {
		p.bad(key, v, "%s", why)
	}
}

// err returns every problem found, unknown keys included, wrapping
// config.ErrInvalid; nil when there is none.
func (p *props) err() error {
	var unknown []string
	for k := range p.m {
		if !p.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	errs := p.errs
	if len(unknown) > 0 {
		known := slices.Sorted(maps.Keys(p.used))
		errs = append(errs, fmt.Errorf("unknown option(s) %s; this transform reads %s", strings.Join(unknown, ", "), strings.Join(known, ", ")))
	}
	if len(errs) == 0 {
		return nil
	}
	return joinErrs(errs)
}

func joinErrs(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%w: %s", config.ErrInvalid, strings.Join(msgs, "; "))
}

// isEnvelopeSchema is SmtManager.isValidEnvelope: a value schema whose name
// ends in ".Envelope".
func isEnvelopeSchema(s *decode.Schema) bool {
	return s != nil && strings.HasSuffix(s.Name, ".Envelope")
}

// requireStruct is Kafka's Requirements.requireStruct: a struct value with
// a schema.
func requireStruct(v any, purpose string) (*decode.Struct, error) {
	s, ok := v.(*decode.Struct)
	if !ok || s.Schema == nil {
		return nil, fmt.Errorf("only Struct objects supported for [%s], found: %s", purpose, javaClassOf(v))
	}
	return s, nil
}

// javaClassOf names the Java class a Connect value of this Go form has, for
// error messages.
func javaClassOf(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case *decode.Struct:
		if t.Schema == nil {
			return "java.util.HashMap"
		}
		return "org.apache.kafka.connect.data.Struct"
	case string:
		return "java.lang.String"
	case []byte:
		return "[B"
	case []any:
		return "java.util.ArrayList"
	case map[string]any:
		return "java.util.HashMap"
	case bool:
		return "java.lang.Boolean"
	case decode.Decimal:
		return "java.math.BigDecimal"
	}
	return fmt.Sprintf("%T", v)
}

// fieldValue is Struct.get(field): the stored value, or the field schema's
// default when the stored value is null. ok is false when there is no such
// field.
func fieldValue(s *decode.Struct, name string) (any, bool) {
	v, ok := s.Get(name)
	if !ok {
		return nil, false
	}
	if v == nil {
		if fs := s.FieldSchema(name); fs != nil && fs.Default != nil {
			return fs.Default, true
		}
	}
	return v, true
}

// getTyped is Struct.getString / getInt32 / getInt64 / getStruct: the field
// must exist and have the type (DataException otherwise); the value is
// default-substituted.
func getTyped(s *decode.Struct, name string, t decode.Type) (any, error) {
	f := s.Schema.Field(name)
	if f == nil {
		return nil, fmt.Errorf("%s is not a valid field name", name)
	}
	if f.Schema.Type != t {
		return nil, fmt.Errorf("field '%s' is not of type %s", name, strings.ToUpper(t.String()))
	}
	v, _ := fieldValue(s, name)
	return v, nil
}

// copySchemaBasics is SchemaUtil.copySchemaBasics(schema, SchemaBuilder.struct()):
// name, version, doc and parameters; the copy is required, has no default
// and no fields yet.
func copySchemaBasics(s *decode.Schema) *decode.Schema {
	return &decode.Schema{Type: decode.TypeStruct, Name: s.Name, Version: s.Version, Doc: s.Doc, Parameters: maps.Clone(s.Parameters)}
}

// copyTypeBasics is SchemaUtil.copySchemaBasics(schema): the same type (an
// array keeps its item schema; a struct gets no fields) with name, version,
// doc and parameters.
func copyTypeBasics(s *decode.Schema) *decode.Schema {
	c := &decode.Schema{Type: s.Type, Name: s.Name, Version: s.Version, Doc: s.Doc, Parameters: maps.Clone(s.Parameters)}
	if s.Type == decode.TypeArray {
		c.Items = s.Items
	}
	return c
}

// addField appends a field to a schema under construction, refusing a
// duplicate name as SchemaBuilder.field does.
func addField(s *decode.Schema, name string, fs *decode.Schema) error {
	if s.Field(name) != nil {
		return fmt.Errorf("cannot create field because of field name duplication %s", name)
	}
	s.Fields = append(s.Fields, decode.Field{Name: name, Index: len(s.Fields), Schema: fs})
	return nil
}

// newStruct returns a struct of schema s with every field null.
func newStruct(s *decode.Schema) *decode.Struct {
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	return &decode.Struct{Schema: s, Names: names, Values: make([]any, len(s.Fields))}
}

// put sets a field of a struct built by newStruct.
func put(s *decode.Struct, name string, v any) {
	for i, n := range s.Names {
		if n == name {
			s.Values[i] = v
			return
		}
	}
}

// optionalString is Schema.OPTIONAL_STRING_SCHEMA.
var optionalStringSchema = decode.Schema{Type: decode.TypeString, Optional: true}

// schemaCache holds rebuilt schemas by a key, as the transforms'
// schemaUpdateCache do; bounded, it starts over when full.
type schemaCache[K comparable] struct {
	mu sync.Mutex
	m  map[K]*decode.Schema
}

const maxSchemaCache = 512

func (c *schemaCache[K]) get(k K, build func() (*decode.Schema, error)) (*decode.Schema, error) {
	c.mu.Lock()
	s, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := build()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxSchemaCache {
		c.m = map[K]*decode.Schema{}
	}
	c.m[k] = s
	c.mu.Unlock()
	return s, nil
}

// schemaKey renders a schema canonically, so that schemas equal as Java's
// ConnectSchema.equals sees them have equal keys.
func schemaKey(s *decode.Schema) string {
	var b strings.Builder
	writeSchemaKey(&b, s)
	return b.String()
}

func writeSchemaKey(b *strings.Builder, s *decode.Schema) {
	if s == nil {
		b.WriteString("nil")
		return
	}
	fmt.Fprintf(b, "{%d,%t,%q,%d,%q,", s.Type, s.Optional, s.Name, s.Version, s.Doc)
	for _, k := range slices.Sorted(maps.Keys(s.Parameters)) {
		fmt.Fprintf(b, "%q=%q,", k, s.Parameters[k])
	}
	fmt.Fprintf(b, "d=%s,[", renderValue(s.Default))
	for _, f := range s.Fields {
		fmt.Fprintf(b, "%q:", f.Name)
		writeSchemaKey(b, f.Schema)
		b.WriteByte(',')
	}
	b.WriteString("]i=")
	writeSchemaKey(b, s.Items)
	b.WriteString("k=")
	writeSchemaKey(b, s.Keys)
	b.WriteString("v=")
	writeSchemaKey(b, s.Values)
	b.WriteByte('}')
}

// schemaEqual is ConnectSchema.equals.
func schemaEqual(a, b *decode.Schema) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	return schemaKey(a) == schemaKey(b)
}

// renderValue renders a Connect value as JSON-like text: struct fields in
// order, bytes in base64, Decimal as its exact text. It is for keys, tests
// and messages, not for loading.
func renderValue(v any) string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case *decode.Struct:
		b.WriteByte('{')
		for i, n := range t.Names {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(n))
			b.WriteByte(':')
			writeValue(b, t.Values[i])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(t)) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeValue(b, t[k])
		}
		b.WriteByte('}')
	case string:
		b.WriteString(strconv.Quote(t))
	case []byte:
		fmt.Fprintf(b, "b64:%q", base64.StdEncoding.EncodeToString(t))
	case decode.Decimal:
		b.WriteString(t.String())
	case float64:
		b.WriteString(strconv.FormatFloat(t, 'g', -1, 64))
	default:
		fmt.Fprint(b, t)
	}
}

// javaEquals is Objects.equals on the Java values a Connect converter
// would have made: byte arrays compare by identity (so two decoded arrays
// are never equal), except inside a Struct, whose equals compares its
// values with Arrays.deepEquals (byte arrays by content). Doubles compare
// as Double.equals (NaN equals NaN, 0.0 differs from -0.0); decimals as
// BigDecimal.equals (scale counts).
func javaEquals(a, b any, inStruct bool) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && inStruct && bytes.Equal(x, y)
	case *decode.Struct:
		y, ok := b.(*decode.Struct)
		if !ok || !schemaEqual(x.Schema, y.Schema) || len(x.Values) != len(y.Values) {
			return false
		}
		for i := range x.Values {
			if !javaEquals(x.Values[i], y.Values[i], true) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !javaEquals(x[i], y[i], false) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !javaEquals(v, w, false) {
				return false
			}
		}
		return true
	case decode.Decimal:
		y, ok := b.(decode.Decimal)
		if !ok || x.Scale != y.Scale {
			return false
		}
		return bigOf(x).Cmp(bigOf(y)) == 0
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y) || ok && math.IsNaN(x) && math.IsNaN(y)
	}
	return a == b
}

func bigOf(d decode.Decimal) *big.Int {
	if d.Unscaled == nil {
		return new(big.Int)
	}
	return d.Unscaled
}

// javaSplit is Java's String.split(sep) for a literal one-character
// separator: trailing empty strings are removed; "" splits to [""].
func javaSplit(s string, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 1 && parts[0] == "" && s != "" {
		return []string{}
	}
	return parts
}

// javaRegex is a java.util.regex.Pattern that Go's RE2 can run exactly.
type javaRegex struct {
	re   *regexp.Regexp // the pattern as written: find / replaceFirst
	full *regexp.Regexp // anchored at both ends: Matcher.matches
}

// compileJavaRegex compiles a Java regex, refusing what RE2 would run
// differently or not at all (lookaround, backreferences, possessive
// quantifiers, class intersections, \v).
func compileJavaRegex(p string) (*javaRegex, error) {
	if strings.Contains(p, "&&") {
		return nil, fmt.Errorf("the Java regex %q uses a character-class intersection (&&), which starcdc's regex engine does not have", p)
	}
	if strings.Contains(p, `\v`) || strings.Contains(p, `\h`) || strings.Contains(p, `\R`) {
		return nil, fmt.Errorf("the Java regex %q uses \\v, \\h or \\R, which starcdc's regex engine reads differently", p)
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("the Java regex %q cannot be run exactly by starcdc (Go RE2 has no lookaround, backreferences or possessive quantifiers): %v", p, err)
	}
	full := regexp.MustCompile(`\A(?:` + p + `)\z`)
	return &javaRegex{re: re, full: full}, nil
}

func (j *javaRegex) matches(s string) bool { return j.full.MatchString(s) }

// javaReplacement is a parsed Matcher replacement string: literal text and
// group references ($n, ${name}; \x is x).
type javaReplacement struct {
	parts []replPart
}

type replPart struct {
	lit   string
	group int // -1 for a literal
}

// parseJavaReplacement parses repl as Matcher.appendReplacement does for a
// pattern with re's groups, failing where Java would.
func parseJavaReplacement(repl string, re *regexp.Regexp) (javaReplacement, error) {
	var out javaReplacement
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out.parts = append(out.parts, replPart{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	groups := re.NumSubexp()
	for i := 0; i < len(repl); {
		c := repl[i]
		switch c {
		case '\\':
			i++
			if i == len(repl) {
				return out, fmt.Errorf("replacement %q: character to be escaped is missing", repl)
			}
			lit.WriteByte(repl[i])
			i++
		case '$':
			i++
			if i == len(repl) {
				return out, fmt.Errorf("replacement %q: illegal group reference: group index is missing", repl)
			}
			var ref int
			if repl[i] == '{' {
				i++
				start := i
				for i < len(repl) && (isASCIILetter(repl[i]) || (i > start && repl[i] >= '0' && repl[i] <= '9')) {
					i++
				}
				name := repl[start:i]
				if name == "" {
					return out, fmt.Errorf("replacement %q: named capturing group has 0 length name", repl)
				}
				if i == len(repl) || repl[i] != '}' {
					return out, fmt.Errorf("replacement %q: named capturing group is missing trailing '}'", repl)
				}
				i++
				ref = re.SubexpIndex(name)
				if ref < 0 {
					return out, fmt.Errorf("replacement %q: no group with name {%s}", repl, name)
				}
			} else {
				d := repl[i]
				if d < '0' || d > '9' {
					return out, fmt.Errorf("replacement %q: illegal group reference", repl)
				}
				ref = int(d - '0')
				i++
				for i < len(repl) && repl[i] >= '0' && repl[i] <= '9' {
					n := ref*10 + int(repl[i]-'0')
					if n > groups {
						break
					}
					ref = n
					i++
				}
				if ref > groups {
					return out, fmt.Errorf("replacement %q: no group %d", repl, ref)
				}
			}
			flush()
			out.parts = append(out.parts, replPart{group: ref})
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return out, nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// replaceFirst is Matcher.replaceFirst: the first match (leftmost, Java's
// alternation priority, which RE2 shares) is replaced.
func (j *javaRegex) replaceFirst(s string, r javaReplacement) string {
	m := j.re.FindStringSubmatchIndex(s)
	if m == nil {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:m[0]])
	for _, p := range r.parts {
		if p.group < 0 {
			b.WriteString(p.lit)
			continue
		}
		if m[2*p.group] >= 0 {
			b.WriteString(s[m[2*p.group]:m[2*p.group+1]])
		}
	}
	b.WriteString(s[m[1]:])
	return b.String()
}

// javaDoubleString is Double.toString (JDK 19+, shortest digits): plain
// notation for 1e-3 <= |d| < 1e7, else d.dddE±n.
func javaDoubleString(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, bits) // d.ddde±xx
	neg := strings.HasPrefix(e, "-")
	e = strings.TrimPrefix(e, "-")
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	var out string
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		if exp >= 0 {
			for len(digits) < exp+2 {
				digits += "0"
			}
			out = digits[:exp+1] + "." + digits[exp+1:]
		} else {
			out = "0." + strings.Repeat("0", -exp-1) + digits
		}
	} else {
		frac := digits[1:]
		if frac == "" {
			frac = "0"
		}
		out = digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// javaBigDecimalString is BigDecimal.toString: plain when the scale is not
// negative and the adjusted exponent is at least -6, else scientific.
func javaBigDecimalString(d decode.Decimal) string {
	u := bigOf(d)
	digits := new(big.Int).Abs(u).String()
	neg := u.Sign() < 0
	adjusted := -int64(d.Scale) + int64(len(digits)-1)
	if d.Scale >= 0 && adjusted >= -6 {
		return d.String()
	}
	out := digits[:1]
	if len(digits) > 1 {
		out += "." + digits[1:]
	}
	out += "E"
	if adjusted >= 0 {
		out += "+"
	}
	out += strconv.FormatInt(adjusted, 10)
	if neg {
		out = "-" + out
	}
	return out
}
