package starrocks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// typeKind enumerates the StarRocks column types the emulator understands.
type typeKind int

const (
	tBoolean typeKind = iota
	tTinyint
	tSmallint
	tInt
	tBigint
	tLargeint
	tFloat
	tDouble
	tDecimal
	tChar
	tVarchar
	tString
	tDate
	tDatetime
	tJSON
	tVarbinary
	tArray
)

// Length limits, docs/streamload.md §5.1.
const (
	maxVarcharLen   = 1048576
	stringLen       = 65533
	maxCharLen      = 255
	maxVarbinaryLen = 1048576
	maxDecimalPrec  = 38
)

// colType is a parsed StarRocks column type.
type colType struct {
	kind      typeKind
	length    int // CHAR/VARCHAR/STRING/VARBINARY: max bytes
	precision int // DECIMAL
	scale     int // DECIMAL
	elem      *colType
}

var simpleTypes = map[string]typeKind{
	"BOOLEAN":  tBoolean,
	"TINYINT":  tTinyint,
	"SMALLINT": tSmallint,
	"INT":      tInt,
	"BIGINT":   tBigint,
	"LARGEINT": tLargeint,
	"FLOAT":    tFloat,
	"DOUBLE":   tDouble,
	"DATE":     tDate,
	"DATETIME": tDatetime,
	"JSON":     tJSON,
}

// parseType parses StarRocks type text (case-insensitive), e.g. "decimal(10, 2)"
// or "ARRAY<VARCHAR(20)>". MAP, STRUCT, HLL, BITMAP and others are rejected
// with an error saying the emulator does not support them.
func parseType(s string) (*colType, error) {
	s = strings.TrimSpace(s)
	u := strings.ToUpper(s)
	if strings.HasPrefix(u, "ARRAY") {
		rest := strings.TrimSpace(s[len("ARRAY"):])
		if !strings.HasPrefix(rest, "<") || !strings.HasSuffix(rest, ">") {
			return nil, fmt.Errorf("invalid ARRAY type %q: want ARRAY<T>", s)
		}
		elem, err := parseType(rest[1 : len(rest)-1])
		if err != nil {
			return nil, err
		}
		return &colType{kind: tArray, elem: elem}, nil
	}
	name, args, hasArgs, err := splitTypeArgs(u)
	if err != nil {
		return nil, fmt.Errorf("invalid type %q: %v", s, err)
	}
	if k, ok := simpleTypes[name]; ok {
		if hasArgs {
			return nil, fmt.Errorf("invalid type %q: %s takes no arguments", s, name)
		}
		return &colType{kind: k}, nil
	}
	switch name {
	case "STRING":
		if hasArgs {
			return nil, fmt.Errorf("invalid type %q: STRING takes no arguments", s)
		}
		return &colType{kind: tString, length: stringLen}, nil
	case "VARCHAR":
		if len(args) != 1 {
			return nil, fmt.Errorf("invalid type %q: the emulator needs an explicit length, VARCHAR(n)", s)
		}
		if args[0] < 1 || args[0] > maxVarcharLen {
			return nil, fmt.Errorf("invalid type %q: VARCHAR length must be in [1, %d]", s, maxVarcharLen)
		}
		return &colType{kind: tVarchar, length: args[0]}, nil
	case "CHAR":
		n := 1
		if hasArgs {
			if len(args) != 1 {
				return nil, fmt.Errorf("invalid type %q", s)
			}
			n = args[0]
		}
		if n < 1 || n > maxCharLen {
			return nil, fmt.Errorf("invalid type %q: CHAR length must be in [1, %d]", s, maxCharLen)
		}
		return &colType{kind: tChar, length: n}, nil
	case "VARBINARY", "BINARY": // BINARY(n) is an alias of VARBINARY(n), no padding (§5.1)
		n := maxVarbinaryLen
		if hasArgs {
			if len(args) != 1 || args[0] < 1 || args[0] > maxVarbinaryLen {
				return nil, fmt.Errorf("invalid type %q: %s length must be in [1, %d]", s, name, maxVarbinaryLen)
			}
			n = args[0]
		}
		return &colType{kind: tVarbinary, length: n}, nil
	case "DECIMAL":
		p, sc := 10, 0 // docs/streamload.md §5.1: default (10,0)
		switch len(args) {
		case 0:
		case 1:
			p = args[0]
		case 2:
			p, sc = args[0], args[1]
		default:
			return nil, fmt.Errorf("invalid type %q", s)
		}
		if p < 1 || p > maxDecimalPrec {
			return nil, fmt.Errorf("invalid type %q: DECIMAL precision must be in [1, %d] (DECIMAL256 is v4.0+)", s, maxDecimalPrec)
		}
		if sc < 0 || sc > p {
			return nil, fmt.Errorf("invalid type %q: DECIMAL scale must be in [0, precision]", s)
		}
		return &colType{kind: tDecimal, precision: p, scale: sc}, nil
	}
	return nil, fmt.Errorf("unsupported type %q: the StarRocks emulator supports BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, LARGEINT, FLOAT, DOUBLE, DECIMAL(p,s), CHAR(n), VARCHAR(n), STRING, DATE, DATETIME, JSON, VARBINARY(n)/BINARY(n) and ARRAY<T>", s)
}

// splitTypeArgs splits "NAME(1, 2)" into NAME and [1 2].
func splitTypeArgs(u string) (name string, args []int, hasArgs bool, err error) {
	i := strings.IndexByte(u, '(')
	if i < 0 {
		return strings.TrimSpace(u), nil, false, nil
	}
	if !strings.HasSuffix(u, ")") {
		return "", nil, false, fmt.Errorf("unbalanced parenthesis")
	}
	name = strings.TrimSpace(u[:i])
	inner := strings.TrimSpace(u[i+1 : len(u)-1])
	if inner == "" {
		return name, nil, true, nil
	}
	for _, part := range strings.Split(inner, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return "", nil, false, fmt.Errorf("bad type argument %q", part)
		}
		args = append(args, n)
	}
	return name, args, true, nil
}

// String renders the type as StarRocks type text (upper case).
func (t *colType) String() string {
	switch t.kind {
	case tBoolean:
		return "BOOLEAN"
	case tTinyint:
		return "TINYINT"
	case tSmallint:
		return "SMALLINT"
	case tInt:
		return "INT"
	case tBigint:
		return "BIGINT"
	case tLargeint:
		return "LARGEINT"
	case tFloat:
		return "FLOAT"
	case tDouble:
		return "DOUBLE"
	case tDecimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.precision, t.scale)
	case tChar:
		return fmt.Sprintf("CHAR(%d)", t.length)
	case tVarchar, tString:
		return fmt.Sprintf("VARCHAR(%d)", t.length)
	case tDate:
		return "DATE"
	case tDatetime:
		return "DATETIME"
	case tJSON:
		return "JSON"
	case tVarbinary:
		return fmt.Sprintf("VARBINARY(%d)", t.length)
	case tArray:
		return "ARRAY<" + t.elem.String() + ">"
	}
	return "UNKNOWN"
}

// columnType renders information_schema.columns.COLUMN_TYPE the way StarRocks
// does (docs/streamload.md §4). Kept here for the future MySQL-protocol front end.
func (t *colType) columnType() string {
	switch t.kind {
	case tBoolean:
		return "tinyint(1)"
	case tTinyint:
		return "tinyint(4)"
	case tSmallint:
		return "smallint(6)"
	case tInt:
		return "int(11)"
	case tBigint:
		return "bigint(20)"
	case tLargeint:
		return "bigint(20) unsigned"
	case tDecimal:
		return fmt.Sprintf("decimal(%d, %d)", t.precision, t.scale)
	case tChar:
		return fmt.Sprintf("char(%d)", t.length)
	case tVarchar, tString:
		return fmt.Sprintf("varchar(%d)", t.length)
	case tArray:
		return "array<" + t.elem.columnType() + ">"
	}
	return strings.ToLower(t.String())
}

// keyAllowed reports whether the type may be a primary key column
// (docs/streamload.md §4).
func (t *colType) keyAllowed() bool {
	switch t.kind {
	case tBoolean, tTinyint, tSmallint, tInt, tBigint, tLargeint, tVarchar, tString, tDate, tDatetime:
		return true
	}
	return false
}

// sortKeyAllowed reports whether the type may be a key (sort key) column
// of a duplicate-key table: StarRocks refuses floating-point, JSON and
// complex types there, and VARBINARY is not a key type either.
func (t *colType) sortKeyAllowed() bool {
	switch t.kind {
	case tFloat, tDouble, tJSON, tArray, tVarbinary:
		return false
	}
	return true
}

// shortKeyIndexSize is the type's size in the FE's short-key index
// (Type.getIndexSize: CHAR its length, VARCHAR 20, DATE 3, DECIMAL 12,
// else the slot size), used to pick a default duplicate key.
func (t *colType) shortKeyIndexSize() int {
	switch t.kind {
	case tBoolean, tTinyint:
		return 1
	case tSmallint:
		return 2
	case tInt, tFloat:
		return 4
	case tBigint, tDouble, tDatetime:
		return 8
	case tLargeint:
		return 16
	case tDecimal:
		return 12
	case tDate:
		return 3
	case tChar:
		return t.length
	case tVarchar, tString:
		return 20
	}
	return 16
}

// keySize approximates the encoded size of one primary key column value,
// for the 128-byte primary_key_limit_size check (docs/streamload.md §4).
func (t *colType) keySize(v string, last bool) int {
	switch t.kind {
	case tBoolean, tTinyint:
		return 1
	case tSmallint:
		return 2
	case tInt, tDate:
		return 4
	case tBigint, tDatetime:
		return 8
	case tLargeint:
		return 16
	}
	if last {
		return len(v)
	}
	return len(v) + 2 // separator of a composite key encoding
}

// quotedInArray reports whether an element of this type is printed as a
// JSON string inside an ARRAY value.
func (t *colType) quotedInArray() bool {
	switch t.kind {
	case tChar, tVarchar, tString, tVarbinary, tDate, tDatetime:
		return true
	}
	return false
}

// isNumeric reports whether primary keys of this type sort numerically.
func (t *colType) isNumeric() bool {
	switch t.kind {
	case tBoolean, tTinyint, tSmallint, tInt, tBigint, tLargeint:
		return true
	}
	return false
}

// ---------------------------------------------------------------------------
// Source values and conversion (docs/streamload.md §5.2).

type valKind int

const (
	vNull valKind = iota
	vString
	vNumber
	vBool
	vObject
	vArray
)

// srcVal is one value read from the load body before it is cast to a column.
type srcVal struct {
	kind valKind
	// text: the unescaped content of a string, the raw token of a number
	// ("1.50" stays "1.50"), "true"/"false", or minified JSON for objects and arrays.
	text string
	// fromJSON is true when the value came from a JSON document (as opposed
	// to a CSV field or a constant of the columns header, which are text).
	fromJSON bool
}

var nullVal = srcVal{kind: vNull}

// jsonValue classifies one raw JSON value.
func jsonValue(raw []byte) srcVal {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nullVal
	}
	switch raw[0] {
	case 'n':
		return srcVal{kind: vNull, fromJSON: true}
	case 't', 'f':
		return srcVal{kind: vBool, text: string(raw), fromJSON: true}
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return srcVal{kind: vString, text: string(raw), fromJSON: true}
		}
		return srcVal{kind: vString, text: s, fromJSON: true}
	case '{', '[':
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			b.Reset()
			b.Write(raw)
		}
		k := vObject
		if raw[0] == '[' {
			k = vArray
		}
		return srcVal{kind: k, text: b.String(), fromJSON: true}
	}
	return srcVal{kind: vNumber, text: string(raw), fromJSON: true}
}

func (v srcVal) describe() string {
	if v.kind == vNull {
		return "NULL"
	}
	return v.text
}

// convert casts v (not NULL) to the column type and renders it the way
// StarRocks prints it over the MySQL text protocol. A non-empty reason means
// the conversion failed; the caller applies strict-mode rules (§5.2).
func (t *colType) convert(v srcVal, col string) (string, string) {
	switch t.kind {
	case tBoolean:
		return convBool(t, v, col)
	case tTinyint, tSmallint, tInt, tBigint:
		return convInt(t, v, col)
	case tLargeint:
		return convLargeint(t, v, col)
	case tFloat, tDouble:
		return convFloat(t, v, col)
	case tDecimal:
		return convDecimal(t, v, col)
	case tChar, tVarchar, tString:
		var s string
		switch v.kind {
		case vBool:
			// docs/streamload.md §5.2: a bool gives "1"/"0".
			if v.text == "true" {
				s = "1"
			} else {
				s = "0"
			}
		default:
			s = v.text // string content, raw number token, or minified JSON
		}
		if len(s) > t.length {
			return "", fmt.Sprintf("String (length=%d) is too long. The max length of '%s' is %d", len(s), col, t.length)
		}
		return s, ""
	case tVarbinary:
		if v.kind != vString && v.kind != vNumber {
			return "", outOfRange(v, col, t)
		}
		if len(v.text) > t.length {
			return "", fmt.Sprintf("String (length=%d) is too long. The max length of '%s' is %d", len(v.text), col, t.length)
		}
		return v.text, ""
	case tDate, tDatetime:
		if v.kind != vString && v.kind != vNumber {
			return "", outOfRange(v, col, t)
		}
		dt, ok := parseDateTime(v.text)
		if !ok {
			return "", outOfRange(v, col, t)
		}
		if t.kind == tDate {
			return dt.dateString(), ""
		}
		return dt.datetimeString(), ""
	case tJSON:
		return convJSON(t, v, col)
	case tArray:
		return convArray(t, v, col)
	}
	return "", fmt.Sprintf("unsupported type %s for column '%s'", t, col)
}

func outOfRange(v srcVal, col string, t *colType) string {
	return fmt.Sprintf("Value '%s' is out of range. The type of '%s' is %s", v.describe(), col, t)
}

func convBool(t *colType, v srcVal, col string) (string, string) {
	switch v.kind {
	case vBool:
		if v.text == "true" {
			return "1", ""
		}
		return "0", ""
	case vNumber:
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			return "", outOfRange(v, col, t)
		}
		if f != 0 {
			return "1", ""
		}
		return "0", ""
	case vString:
		switch strings.ToLower(strings.TrimSpace(v.text)) {
		case "1", "true":
			return "1", ""
		case "0", "false":
			return "0", ""
		}
	}
	return "", outOfRange(v, col, t)
}

func intBits(k typeKind) int {
	switch k {
	case tTinyint:
		return 8
	case tSmallint:
		return 16
	case tInt:
		return 32
	}
	return 64
}

func isIntToken(s string) bool {
	return !strings.ContainsAny(s, ".eE")
}

// convInt: JSON ints are range-checked, JSON floats truncated, strings parsed
// as an int else as a float, bools are an error (docs/streamload.md §5.2).
func convInt(t *colType, v srcVal, col string) (string, string) {
	bits := intBits(t.kind)
	var s string
	switch v.kind {
	case vNumber, vString:
		s = strings.TrimSpace(v.text)
	default:
		return "", outOfRange(v, col, t)
	}
	overflow := func() string {
		if v.kind == vNumber {
			return fmt.Sprintf("Value is overflow. column=%s, value=%s", col, v.text)
		}
		return outOfRange(v, col, t)
	}
	if n, err := strconv.ParseInt(s, 10, bits); err == nil {
		return strconv.FormatInt(n, 10), ""
	} else if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return "", overflow()
	}
	if v.kind == vNumber && isIntToken(s) {
		return "", overflow()
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || !looksNumeric(s) {
		if err != nil && err.(*strconv.NumError).Err == strconv.ErrRange {
			return "", overflow()
		}
		return "", outOfRange(v, col, t)
	}
	tr := math.Trunc(f)
	lo := -math.Ldexp(1, bits-1)
	hi := math.Ldexp(1, bits-1)
	if tr < lo || tr >= hi {
		return "", overflow()
	}
	return strconv.FormatInt(int64(tr), 10), ""
}

// looksNumeric rejects the words strconv.ParseFloat accepts ("inf", "nan",
// hex floats): StarRocks only casts decimal text.
func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			return false
		}
	}
	return true
}

var (
	largeintMax = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
	largeintMin = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 127))
)

func convLargeint(t *colType, v srcVal, col string) (string, string) {
	if v.kind != vNumber && v.kind != vString {
		return "", outOfRange(v, col, t)
	}
	s := strings.TrimSpace(v.text)
	if !looksNumeric(s) {
		return "", outOfRange(v, col, t)
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		f, ok := new(big.Float).SetPrec(256).SetString(s)
		if !ok || f.IsInf() {
			return "", outOfRange(v, col, t)
		}
		n, _ = f.Int(nil) // truncates toward zero
	}
	if n.Cmp(largeintMax) > 0 || n.Cmp(largeintMin) < 0 {
		return "", outOfRange(v, col, t)
	}
	return n.String(), ""
}

func convFloat(t *colType, v srcVal, col string) (string, string) {
	if v.kind != vNumber && v.kind != vString {
		return "", outOfRange(v, col, t)
	}
	s := strings.TrimSpace(v.text)
	if !looksNumeric(s) {
		return "", outOfRange(v, col, t)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "", outOfRange(v, col, t)
	}
	if t.kind == tFloat {
		f32 := float32(f)
		if math.IsInf(float64(f32), 0) {
			return "", outOfRange(v, col, t)
		}
		return strconv.FormatFloat(float64(f32), 'g', -1, 32), ""
	}
	return strconv.FormatFloat(f, 'g', -1, 64), ""
}

func convDecimal(t *colType, v srcVal, col string) (string, string) {
	if v.kind != vNumber && v.kind != vString {
		return "", outOfRange(v, col, t)
	}
	s, ok, overflow := formatDecimal(strings.TrimSpace(v.text), t.precision, t.scale)
	if overflow {
		return "", fmt.Sprintf("Decimal '%s' is out of range. The type of '%s' is %s", v.text, col, t)
	}
	if !ok {
		return "", outOfRange(v, col, t)
	}
	return s, ""
}

// formatDecimal parses decimal text (optional sign, digits, fraction,
// exponent), rounds it HALF_UP to scale and renders it with exactly scale
// fraction digits. overflow is set when it does not fit DECIMAL(p,s).
func formatDecimal(s string, p, scale int) (out string, ok, overflow bool) {
	if s == "" {
		return "", false, false
	}
	neg := false
	switch s[0] {
	case '+':
		s = s[1:]
	case '-':
		neg = true
		s = s[1:]
	}
	mant, expPart := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, expPart = s[:i], s[i+1:]
	}
	intPart, fracPart := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, fracPart = mant[:i], mant[i+1:]
	}
	if intPart == "" && fracPart == "" {
		return "", false, false
	}
	for _, c := range intPart + fracPart {
		if c < '0' || c > '9' {
			return "", false, false
		}
	}
	exp := 0
	if expPart != "" || strings.ContainsAny(s, "eE") {
		e, err := strconv.Atoi(expPart)
		if err != nil {
			if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
				if strings.HasPrefix(expPart, "-") {
					return formatUnscaled(big.NewInt(0), false, scale), true, false
				}
				return "", false, true
			}
			return "", false, false
		}
		exp = e
	}
	digits := strings.TrimLeft(intPart+fracPart, "0")
	if digits == "" {
		return formatUnscaled(big.NewInt(0), false, scale), true, false
	}
	// value = digits * 10^(exp - len(fracPart)); unscaled = value * 10^scale
	shift := exp - len(fracPart) + scale
	if shift > 100 {
		return "", false, true
	}
	if shift < -(len(digits) + 2) {
		return formatUnscaled(big.NewInt(0), false, scale), true, false
	}
	n, _ := new(big.Int).SetString(digits, 10)
	if shift >= 0 {
		n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
	} else {
		div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-shift)), nil)
		q, r := new(big.Int).QuoRem(n, div, new(big.Int))
		if r.Lsh(r, 1).Cmp(div) >= 0 { // HALF_UP (away from zero on .5)
			q.Add(q, big.NewInt(1))
		}
		n = q
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)
	if n.Cmp(limit) >= 0 {
		return "", false, true
	}
	return formatUnscaled(n, neg, scale), true, false
}

func formatUnscaled(n *big.Int, neg bool, scale int) string {
	s := n.String()
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	if scale > 0 {
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg && n.Sign() != 0 {
		s = "-" + s
	}
	return s
}

func convJSON(t *colType, v srcVal, col string) (string, string) {
	if v.fromJSON {
		// docs/streamload.md §5.2: any value is stored as-is; a JSON string
		// containing JSON stays a string.
		switch v.kind {
		case vString:
			return marshalString(v.text), ""
		default:
			return v.text, ""
		}
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(v.text)); err != nil || !json.Valid([]byte(v.text)) {
		return "", outOfRange(v, col, t)
	}
	return b.String(), ""
}

func marshalString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// convArray: ARRAY needs an array; bad nested elements become NULL, even in
// strict mode (docs/streamload.md §5.2).
func convArray(t *colType, v srcVal, col string) (string, string) {
	var text string
	switch {
	case v.kind == vArray:
		text = v.text
	case !v.fromJSON && (v.kind == vString || v.kind == vNumber):
		text = strings.TrimSpace(v.text)
		if !strings.HasPrefix(text, "[") || !json.Valid([]byte(text)) {
			return "", outOfRange(v, col, t)
		}
	default:
		return "", outOfRange(v, col, t)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(text), &elems); err != nil {
		return "", outOfRange(v, col, t)
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, raw := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		ev := jsonValue(raw)
		if ev.kind == vNull {
			b.WriteString("null")
			continue
		}
		s, reason := t.elem.convert(ev, col)
		switch {
		case reason != "":
			b.WriteString("null")
		case t.elem.quotedInArray():
			b.WriteString(marshalString(s))
		default:
			b.WriteString(s)
		}
	}
	b.WriteByte(']')
	return b.String(), ""
}

// ---------------------------------------------------------------------------
// DATE / DATETIME parsing (docs/streamload.md §5.2, runtime/time_types.cpp).

type dateTime struct {
	y, mo, d, h, mi, s, us int
}

func (dt dateTime) dateString() string {
	return fmt.Sprintf("%04d-%02d-%02d", dt.y, dt.mo, dt.d)
}

func (dt dateTime) datetimeString() string {
	s := fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", dt.y, dt.mo, dt.d, dt.h, dt.mi, dt.s)
	if dt.us != 0 {
		s += fmt.Sprintf(".%06d", dt.us)
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func atoiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func twoDigitYear(y int) int {
	if y < 70 {
		return 2000 + y
	}
	return 1900 + y
}

// parseDateTime accepts `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]` with any
// punctuation as the date separator and ' ' or 'T' before the time, compact
// `YYYYMMDD[HHMMSS]` (and two-digit-year forms), and ignores a trailing
// `Z` or `+08:00` without converting (docs/streamload.md §5.2). Fraction digits
// beyond six are truncated.
func parseDateTime(s string) (dateTime, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return dateTime{}, false
	}
	allDigits := true
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			allDigits = false
			break
		}
	}
	var dt dateTime
	if allDigits {
		switch len(s) {
		case 8, 14:
			dt.y, dt.mo, dt.d = atoiDigits(s[0:4]), atoiDigits(s[4:6]), atoiDigits(s[6:8])
			if len(s) == 14 {
				dt.h, dt.mi, dt.s = atoiDigits(s[8:10]), atoiDigits(s[10:12]), atoiDigits(s[12:14])
			}
		case 6, 12:
			dt.y, dt.mo, dt.d = twoDigitYear(atoiDigits(s[0:2])), atoiDigits(s[2:4]), atoiDigits(s[4:6])
			if len(s) == 12 {
				dt.h, dt.mi, dt.s = atoiDigits(s[6:8]), atoiDigits(s[8:10]), atoiDigits(s[10:12])
			}
		default:
			return dateTime{}, false
		}
		return dt, dt.valid()
	}
	p := 0
	num := func(minLen, maxLen int) (string, bool) {
		st := p
		for p < len(s) && isDigit(s[p]) && p-st < maxLen {
			p++
		}
		if p-st < minLen {
			return "", false
		}
		return s[st:p], true
	}
	punct := func() bool {
		if p < len(s) && !isDigit(s[p]) && s[p] != ' ' && s[p] != 'T' && s[p] != 't' {
			p++
			return true
		}
		return false
	}
	ys, ok := num(2, 4)
	if !ok || len(ys) == 3 {
		return dateTime{}, false
	}
	if len(ys) == 2 {
		dt.y = twoDigitYear(atoiDigits(ys))
	} else {
		dt.y = atoiDigits(ys)
	}
	if !punct() {
		return dateTime{}, false
	}
	ms, ok := num(1, 2)
	if !ok || !punct() {
		return dateTime{}, false
	}
	ds, ok := num(1, 2)
	if !ok {
		return dateTime{}, false
	}
	dt.mo, dt.d = atoiDigits(ms), atoiDigits(ds)
	if p < len(s) && (s[p] == ' ' || s[p] == 'T' || s[p] == 't') {
		for p < len(s) && (s[p] == ' ' || s[p] == 'T' || s[p] == 't') {
			p++
		}
		hs, ok := num(1, 2)
		if !ok {
			return dateTime{}, false
		}
		dt.h = atoiDigits(hs)
		if p < len(s) && s[p] == ':' {
			p++
			mis, ok := num(1, 2)
			if !ok {
				return dateTime{}, false
			}
			dt.mi = atoiDigits(mis)
			if p < len(s) && s[p] == ':' {
				p++
				ss, ok := num(1, 2)
				if !ok {
					return dateTime{}, false
				}
				dt.s = atoiDigits(ss)
				if p < len(s) && s[p] == '.' {
					p++
					st := p
					for p < len(s) && isDigit(s[p]) {
						p++
					}
					frac := s[st:p]
					if len(frac) > 6 {
						frac = frac[:6]
					}
					if frac != "" {
						dt.us = atoiDigits(frac + strings.Repeat("0", 6-len(frac)))
					}
				}
			}
		}
		// Trailing zone: ignored, no conversion.
		rest := strings.TrimSpace(s[p:])
		if rest != "" && !isZoneSuffix(rest) {
			return dateTime{}, false
		}
		p = len(s)
	}
	if strings.TrimSpace(s[p:]) != "" {
		return dateTime{}, false
	}
	return dt, dt.valid()
}

func isZoneSuffix(s string) bool {
	if s == "Z" || s == "z" {
		return true
	}
	if s[0] != '+' && s[0] != '-' {
		return false
	}
	d := strings.Replace(s[1:], ":", "", 1)
	if len(d) != 2 && len(d) != 4 {
		return false
	}
	for i := 0; i < len(d); i++ {
		if !isDigit(d[i]) {
			return false
		}
	}
	return true
}

func (dt dateTime) valid() bool {
	if dt.y < 0 || dt.y > 9999 || dt.mo < 1 || dt.mo > 12 || dt.d < 1 {
		return false
	}
	if dt.d > daysIn(dt.y, dt.mo) {
		return false
	}
	return dt.h >= 0 && dt.h < 24 && dt.mi >= 0 && dt.mi < 60 && dt.s >= 0 && dt.s < 60
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if (y%4 == 0 && y%100 != 0) || y%400 == 0 {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
