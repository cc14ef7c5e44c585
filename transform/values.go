package transform

// Connect values in Go. Every transform reads and writes the representation
// package decode produces (decode/doc.go), so that a record leaving the
// chain looks as if a converter had decoded it:
//
//	Connect type (logical name)        Go value
//	null                               nil
//	BOOLEAN                            bool
//	INT8, INT16, INT32, INT64          int64 (the schema says which width)
//	FLOAT32, FLOAT64                   float64 (a FLOAT32 holds a float32-exact value)
//	STRING                             string
//	BYTES                              []byte
//	Decimal (BYTES)                    decode.Decimal
//	Date (INT32)                       int64 days since 1970-01-01
//	Time (INT32)                       int64 milliseconds since midnight
//	Timestamp (INT64)                  int64 milliseconds since the epoch
//	ARRAY                              []any
//	MAP                                map[string]any (keys rendered as text)
//	STRUCT                             *decode.Struct with its Schema set
//	schemaless Map (a JSON object)     *decode.Struct with a nil Schema
//	schemaless JSON number             json.Number, kept exact
//
// Java gives a schemaless value a class instead of a schema; javaClass and
// schemalessType tell which class Connect would hold for a Go value:
// JsonConverter (schemas.enable=false) reads an integral number as a Long
// and any other number as a Double, an object as a HashMap and an array as
// an ArrayList. Integers a transform adds to a schemaless map (InsertField's
// partition, offset and timestamp) are int64. Where Connect would put a
// java.util.Date into a schemaless map (TimestampConverter with target.type
// Date, Time or Timestamp and no schema), starcdc puts its epoch
// milliseconds as int64, which is what a JSON writer emits for a Date.
//
// This file holds the Java semantics the transforms need on such values:
// class names for error messages, Number narrowing (byteValue, intValue,
// ...), Java's parse and toString rules for numbers and BigDecimal, and a
// schemaless map with Java's HashMap key rules (a key appears once; the
// last duplicate of a JSON object wins, as Jackson reads it).

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/starcdc/starcdc/decode"
)

// javaTypeName is the name Connect's Schema.Type prints (INT32, FLOAT64,
// ...), used in its error messages.
func javaTypeName(t decode.Type) string {
	switch t {
	case decode.TypeInt8:
		return "INT8"
	case decode.TypeInt16:
		return "INT16"
	case decode.TypeInt32:
		return "INT32"
	case decode.TypeInt64:
		return "INT64"
	case decode.TypeFloat32:
		return "FLOAT32"
	case decode.TypeFloat64:
		return "FLOAT64"
	case decode.TypeBoolean:
		return "BOOLEAN"
	case decode.TypeString:
		return "STRING"
	case decode.TypeBytes:
		return "BYTES"
	case decode.TypeArray:
		return "ARRAY"
	case decode.TypeMap:
		return "MAP"
	case decode.TypeStruct:
		return "STRUCT"
	}
	return "INVALID"
}

// Java class names of Connect values.
const (
	classStruct    = "org.apache.kafka.connect.data.Struct"
	classHashMap   = "java.util.HashMap"
	classArrayList = "java.util.ArrayList"
	classDate      = "java.util.Date"
	classDecimal   = "java.math.BigDecimal"
	classLong      = "java.lang.Long"
	classDouble    = "java.lang.Double"
	classString    = "java.lang.String"
)

// javaClass returns the Java class name (Class.getName) of the value v of
// schema s (nil for schemaless) as Connect holds it, or "null".
func javaClass(s *decode.Schema, v any) string {
	if v == nil {
		return "null"
	}
	if s != nil {
		switch s.Name {
		case decode.ConnectDecimal:
			return classDecimal
		case decode.ConnectDate, decode.ConnectTime, decode.ConnectTimestamp:
			return classDate
		}
		switch s.Type {
		case decode.TypeInt8:
			return "java.lang.Byte"
		case decode.TypeInt16:
			return "java.lang.Short"
		case decode.TypeInt32:
			return "java.lang.Integer"
		case decode.TypeInt64:
			return classLong
		case decode.TypeFloat32:
			return "java.lang.Float"
		case decode.TypeFloat64:
			return classDouble
		case decode.TypeBoolean:
			return "java.lang.Boolean"
		case decode.TypeString:
			return classString
		case decode.TypeBytes:
			return "[B"
		case decode.TypeArray:
			return classArrayList
		case decode.TypeMap:
			return classHashMap
		case decode.TypeStruct:
			return classStruct
		}
	}
	switch t := v.(type) {
	case bool:
		return "java.lang.Boolean"
	case string:
		return classString
	case int64, int:
		return classLong
	case float64:
		return classDouble
	case json.Number:
		if _, ok := javaNumber(t).(int64); ok {
			return classLong
		}
		return classDouble
	case []byte:
		return "[B"
	case []any:
		return classArrayList
	case map[string]any:
		return classHashMap
	case *decode.Struct:
		if t.Schema == nil {
			return classHashMap
		}
		return classStruct
	case decode.Decimal:
		return classDecimal
	}
	return fmt.Sprintf("%T", v)
}

// javaClassOf is javaClass as Java's Class.toString prints it ("class
// java.lang.String").
func javaClassOf(s *decode.Schema, v any) string {
	return "class " + javaClass(s, v)
}

// schemalessType is ConnectSchema.schemaType(value.getClass()): the Connect
// type of a schemaless value, false for null and for classes Connect's data
// API does not know (BigDecimal, java.util.Date).
func schemalessType(v any) (decode.Type, bool) {
	switch t := v.(type) {
	case bool:
		return decode.TypeBoolean, true
	case string:
		return decode.TypeString, true
	case int64, int:
		return decode.TypeInt64, true
	case float64:
		return decode.TypeFloat64, true
	case json.Number:
		if _, ok := javaNumber(t).(int64); ok {
			return decode.TypeInt64, true
		}
		return decode.TypeFloat64, true
	case []byte:
		return decode.TypeBytes, true
	case []any:
		return decode.TypeArray, true
	case map[string]any:
		return decode.TypeMap, true
	case *decode.Struct:
		if t == nil {
			return 0, false
		}
		if t.Schema == nil {
			return decode.TypeMap, true
		}
		return decode.TypeStruct, true
	}
	return 0, false
}

// javaNumber returns the Java value JsonConverter reads a schemaless JSON
// number as: an int64 (Long) when the text is integral, else a float64
// (Double). Other values are returned unchanged. An integral number beyond
// the long range wraps as Jackson's BigIntegerNode.longValue does.
func javaNumber(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		if b, ok := new(big.Int).SetString(s, 10); ok {
			return int64(b.Uint64()) // low 64 bits, sign-wrapped like BigInteger.longValue
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// javaInt32 is Java's (int) cast of a double: NaN is 0, values beyond the
// int range saturate, others truncate toward zero.
func javaInt32(f float64) int32 { return int32(javaNarrow(f, math.MinInt32, math.MaxInt32)) }

// javaInt64 is Java's (long) cast of a double.
func javaInt64(f float64) int64 { return javaNarrow(f, math.MinInt64, math.MaxInt64) }

// javaNarrow is Java's narrowing of a double to an integer type of range
// [lo, hi] (JLS 5.1.3).
func javaNarrow(f float64, lo, hi int64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= float64(hi):
		return hi
	case f <= float64(lo):
		return lo
	}
	return int64(f)
}

// bigLow64 returns the low 64 bits of x in two's complement, as
// BigInteger.longValue does.
func bigLow64(x *big.Int) int64 {
	if x.IsInt64() {
		return x.Int64()
	}
	m := new(big.Int).And(x, new(big.Int).SetUint64(math.MaxUint64))
	return int64(m.Uint64())
}

// decimalTruncated returns the integer part of d (BigDecimal's
// toBigInteger: the fraction is discarded).
func decimalTruncated(d decode.Decimal) *big.Int {
	u := d.Unscaled
	if u == nil {
		return new(big.Int)
	}
	if d.Scale <= 0 {
		return new(big.Int).Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-d.Scale)), nil))
	}
	return new(big.Int).Quo(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil))
}

// decimalFloat returns d rounded to the nearest float of bitSize (32 or 64),
// as BigDecimal.floatValue and doubleValue do.
func decimalFloat(d decode.Decimal, bitSize int) float64 {
	f, err := strconv.ParseFloat(d.String(), bitSize)
	if err != nil && !isRangeErr(err) {
		return math.NaN()
	}
	return f
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// javaLong is Number.longValue of a numeric Connect value (an integer,
// a float, a Decimal); ok is false for other values.
func javaLong(v any) (int64, bool) {
	switch t := javaNumber(v).(type) {
	case int64:
		return t, true
	case float64:
		return javaInt64(t), true
	case decode.Decimal:
		return bigLow64(decimalTruncated(t)), true
	}
	return 0, false
}

// javaIntValue is Number.intValue: integers keep their low 32 bits, floats
// saturate, Decimals keep the low 32 bits of their integer part.
func javaIntValue(v any) (int32, bool) {
	switch t := javaNumber(v).(type) {
	case int64:
		return int32(t), true
	case float64:
		return javaInt32(t), true
	case decode.Decimal:
		return int32(bigLow64(decimalTruncated(t))), true
	}
	return 0, false
}

// javaDouble is Number.doubleValue (bitSize 64) or floatValue (32).
func javaDouble(v any, bitSize int) (float64, bool) {
	switch t := javaNumber(v).(type) {
	case int64:
		if bitSize == 32 {
			return float64(float32(t)), true
		}
		return float64(t), true
	case float64:
		if bitSize == 32 {
			return float64(float32(t)), true
		}
		return t, true
	case decode.Decimal:
		return decimalFloat(t, bitSize), true
	}
	return 0, false
}

// javaParseInt is Byte/Short/Integer/Long.parseX for bits 8/16/32/64: an
// optional sign and decimal digits, nothing else (no blanks, no point).
func javaParseInt(s string, bits int) (int64, bool) {
	if s == "" || s == "+" || s == "-" {
		return 0, false
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	for i := 0; i < len(body); i++ {
		if body[i] < '0' || body[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, bits)
	return n, err == nil
}

// javaParseDouble is Double.parseDouble (bitSize 64) or Float.parseFloat
// (32): blanks (chars <= ' ') around the text are ignored, "NaN" and
// "Infinity" may be signed, a trailing f/F/d/D is allowed, and values
// beyond the range become infinities.
func javaParseDouble(s string, bitSize int) (float64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if n := len(body); n > 1 && strings.ContainsRune("fFdD", rune(body[n-1])) && !strings.HasPrefix(body, "0x") && !strings.HasPrefix(body, "0X") {
		s = s[:len(s)-1]
		body = body[:n-1]
	}
	if body == "" {
		return 0, false
	}
	hex := strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X")
	for _, c := range body {
		switch {
		case c >= '0' && c <= '9', c == '.':
		case c == 'e' || c == 'E' || c == '+' || c == '-':
		case hex && (c == 'x' || c == 'X' || c == 'p' || c == 'P' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')):
		default:
			return 0, false
		}
	}
	if strings.Contains(body, "_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, bitSize)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return f, true
}

// javaBigDecimal parses text as new BigDecimal(String) does: an optional
// sign, digits with an optional point (at least one digit), an optional
// exponent. The scale is the digits after the point minus the exponent
// (it may be negative).
func javaBigDecimal(s string) (decode.Decimal, bool) {
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e, err := strconv.ParseInt(strings.TrimPrefix(s[i+1:], "+"), 10, 32)
		if err != nil || s[i+1:] == "" || strings.HasPrefix(s[i+1:], "+-") {
			return decode.Decimal{}, false
		}
		exp = e
	}
	neg := false
	switch {
	case strings.HasPrefix(mant, "-"):
		neg, mant = true, mant[1:]
	case strings.HasPrefix(mant, "+"):
		mant = mant[1:]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	if digits == "" {
		return decode.Decimal{}, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return decode.Decimal{}, false
		}
	}
	scale := int64(len(frac)) - exp
	if scale > math.MaxInt32 || scale < math.MinInt32 {
		return decode.Decimal{}, false
	}
	u, _ := new(big.Int).SetString(digits, 10)
	if neg {
		u.Neg(u)
	}
	return decode.Decimal{Unscaled: u, Scale: int32(scale)}, true
}

// javaBigDecimalString is BigDecimal.toString: plain notation when the
// scale is not negative and the adjusted exponent is at least -6,
// scientific otherwise ("1E+3", "1.5E-7").
func javaBigDecimalString(d decode.Decimal) string {
	u := d.Unscaled
	if u == nil {
		u = new(big.Int)
	}
	coeff := new(big.Int).Abs(u).Text(10)
	sign := ""
	if u.Sign() < 0 {
		sign = "-"
	}
	scale := int64(d.Scale)
	adjusted := -scale + int64(len(coeff)-1)
	if scale >= 0 && adjusted >= -6 {
		if scale == 0 {
			return sign + coeff
		}
		if int64(len(coeff)) > scale {
			p := int64(len(coeff)) - scale
			return sign + coeff[:p] + "." + coeff[p:]
		}
		return sign + "0." + strings.Repeat("0", int(scale-int64(len(coeff)))) + coeff
	}
	var b strings.Builder
	b.WriteString(sign)
	b.WriteString(coeff[:1])
	if len(coeff) > 1 {
		b.WriteByte('.')
		b.WriteString(coeff[1:])
	}
	b.WriteByte('E')
	if adjusted > 0 {
		b.WriteByte('+')
	}
	b.WriteString(strconv.FormatInt(adjusted, 10))
	return b.String()
}

// javaFloatString is Double.toString (bitSize 64) or Float.toString (32)
// as JDK 19 and later print them: the shortest digits that read back to
// the same value, in plain notation for magnitudes in [1e-3, 1e7) and
// computerized scientific notation ("1.0E10") otherwise. (Older JDKs
// sometimes printed one more digit.)
func javaFloatString(f float64, bitSize int) string {
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
	e := strconv.FormatFloat(f, 'e', -1, bitSize) // -d.ddde±xx
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		// value = 0.digits × 10^(exp+1)
		point := exp + 1
		var intPart, frac string
		switch {
		case point <= 0:
			intPart, frac = "0", strings.Repeat("0", -point)+digits
		case point >= len(digits):
			intPart, frac = digits+strings.Repeat("0", point-len(digits)), "0"
		default:
			intPart, frac = digits[:point], digits[point:]
		}
		return sign + intPart + "." + frac
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	return sign + digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
}

// javaObjectString is Object.toString of a String, Boolean, integer
// (Byte to Long), Float or Double (of schema s, nil when schemaless) or
// BigDecimal; false for other values, whose Java text is not theirs alone
// (bytes, dates, structs, lists, maps).
func javaObjectString(s *decode.Schema, v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case bool:
		return strconv.FormatBool(t), true
	case int64:
		return strconv.FormatInt(t, 10), true
	case float64:
		if s != nil && s.Type == decode.TypeFloat32 {
			return javaFloatString(t, 32), true
		}
		return javaFloatString(t, 64), true
	case decode.Decimal:
		return javaBigDecimalString(t), true
	}
	return "", false
}

// smap is a schemaless Connect Map under construction: the keys in their
// first-seen order, each once, as a *decode.Struct with a nil Schema.
type smap struct {
	s     *decode.Struct
	index map[string]int
}

// toSmap copies a schemaless map value (a *decode.Struct with a nil Schema
// or a map[string]any) into an smap. A duplicate key of a JSON object keeps
// its first position and its last value (Jackson's ObjectNode).
func toSmap(v any) smap {
	m := smap{s: &decode.Struct{}, index: map[string]int{}}
	switch t := v.(type) {
	case *decode.Struct:
		m.s.Names = make([]string, 0, len(t.Names))
		m.s.Values = make([]any, 0, len(t.Names))
		for i, k := range t.Names {
			m.put(k, t.Values[i])
		}
	case map[string]any:
		for _, k := range sortedKeys(t) {
			m.put(k, t[k])
		}
	}
	return m
}

func newSmap() smap { return smap{s: &decode.Struct{}, index: map[string]int{}} }

func (m smap) get(k string) any {
	if i, ok := m.index[k]; ok {
		return m.s.Values[i]
	}
	return nil
}

func (m smap) has(k string) bool { _, ok := m.index[k]; return ok }

// put sets k, keeping its position if it is present (HashMap.put; a
// LinkedHashMap keeps the first insertion's place too).
func (m *smap) put(k string, v any) {
	if i, ok := m.index[k]; ok {
		m.s.Values[i] = v
		return
	}
	m.index[k] = len(m.s.Names)
	m.s.Names = append(m.s.Names, k)
	m.s.Values = append(m.s.Values, v)
}

// remove deletes k.
func (m *smap) remove(k string) {
	i, ok := m.index[k]
	if !ok {
		return
	}
	m.s.Names = append(m.s.Names[:i:i], m.s.Names[i+1:]...)
	m.s.Values = append(m.s.Values[:i:i], m.s.Values[i+1:]...)
	delete(m.index, k)
	for j := i; j < len(m.s.Names); j++ {
		m.index[m.s.Names[j]] = j
	}
}

// mapGet reads key k of a schemaless map value (the last duplicate wins).
func mapGet(v any, k string) any {
	switch t := v.(type) {
	case *decode.Struct:
		for i := len(t.Names) - 1; i >= 0; i-- {
			if t.Names[i] == k {
				return t.Values[i]
			}
		}
	case map[string]any:
		return t[k]
	}
	return nil
}

// isMap reports whether v is a schemaless Connect Map.
func isMap(v any) bool {
	switch t := v.(type) {
	case *decode.Struct:
		return t != nil && t.Schema == nil
	case map[string]any:
		return true
	}
	return false
}

// requireMap is Requirements.requireMap: the schemaless operand must be a
// Map.
func requireMap(v any, purpose string) error {
	if isMap(v) {
		return nil
	}
	return fmt.Errorf("Only Map objects supported in absence of schema for [%s], found: %s", purpose, javaClass(nil, v))
}

// requireStruct is Requirements.requireStruct: the operand with a schema
// must be a Struct.
func requireStruct(s *decode.Schema, v any, purpose string) (*decode.Struct, error) {
	if st, ok := v.(*decode.Struct); ok && st != nil && st.Schema != nil {
		return st, nil
	}
	return nil, fmt.Errorf("Only Struct objects supported for [%s], found: %s", purpose, javaClass(s, v))
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

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
