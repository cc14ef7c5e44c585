package mapping

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
)

// ErrValue means a value cannot be represented so that StarRocks loads it
// exactly; the record belongs on the dead-letter path.
var ErrValue = errors.New("value cannot be loaded exactly")

// OpColumn is StarRocks' virtual operation column (docs/streamload.md §1.3).
const OpColumn = "__op"

// Encoder renders change rows as Stream Load JSON objects.
type Encoder struct {
	// Zone is where ZonedTimestamp values are converted before they are
	// written as DATETIME wall-clock text. Default UTC.
	Zone *time.Location
	// Geometry selects WKT (default) or hex WKB for geometry values.
	Geometry GeometryFormat
	// Varbinary sends top-level bytes columns for VARBINARY columns (see
	// TypeOptions.Varbinary): as hex under the key binaryPrefix+column,
	// which the "columns" header (Columns) maps with to_binary(…, 'hex').
	// Hex, not base64: StarRocks' base64 decoder turns "" into NULL, its
	// hex decoder keeps an empty value empty.
	Varbinary bool
}

// untyped reports whether a field carries no logical type: no schema, or a
// plain integer or string one.
func untyped(fs *decode.Schema) bool {
	if fs == nil {
		return true
	}
	if fs.Name != "" {
		return false
	}
	switch fs.Type {
	case decode.TypeInt32, decode.TypeInt64, decode.TypeString:
		return true
	}
	return false
}

// binaryPrefix starts the temporary JSON key of a VARBINARY column's hex
// text.
const binaryPrefix = "__hex_"

// isBinary reports whether a row column is a plain bytes column, which
// Varbinary loads into VARBINARY.
func (e *Encoder) isBinary(s *decode.Schema) bool {
	return e.Varbinary && s != nil && s.Type == decode.TypeBytes && s.Name == ""
}

// AppendJSON appends ch as one JSON object: every column of the row, then
// "__op". Fields named __op in the source row are replaced by ours; the
// Unavailable columns of a partial row are left out (see Columns).
func (e *Encoder) AppendJSON(dst []byte, ch cdc.Change) ([]byte, error) {
	return e.AppendJSONFor(dst, ch, nil)
}

// AppendJSONFor is AppendJSON for a table whose column types are known:
// values without a schema, or whose schema is a plain integer or string
// (Protobuf drops Debezium's logical names), are rendered for their column
// (see TargetTypes).
func (e *Encoder) AppendJSONFor(dst []byte, ch cdc.Change, types TargetTypes) ([]byte, error) {
	dst = append(dst, '{')
	for i, name := range ch.Row.Names {
		if name == OpColumn || slices.Contains(ch.Unavailable, name) {
			continue
		}
		fs := ch.Row.FieldSchema(name)
		if e.isBinary(fs) {
			dst = appendString(dst, binaryPrefix+name)
			dst = append(dst, ':')
			if b, ok := ch.Row.Values[i].([]byte); ok {
				dst = append(appendHex(dst, b), ',')
				continue
			}
		} else {
			dst = appendString(dst, name)
			dst = append(dst, ':')
		}
		var err error
		if target, ok := types[name]; ok && untyped(fs) && ch.Row.Values[i] != nil {
			var done bool
			if dst, done, err = e.appendByTarget(dst, target, ch.Row.Values[i]); err != nil {
				return dst, fmt.Errorf("column %s: %w", name, err)
			} else if done {
				dst = append(dst, ',')
				continue
			}
		}
		dst, err = e.appendValue(dst, fs, ch.Row.Values[i], 0)
		if err != nil {
			return dst, fmt.Errorf("column %s: %w", name, err)
		}
		dst = append(dst, ',')
	}
	dst = append(dst, `"__op":`...)
	dst = strconv.AppendUint(dst, uint64(ch.Op), 10)
	return append(dst, '}'), nil
}

// Columns returns the Stream Load "columns" header a JSON row needs, or ""
// when StarRocks' default (every key by name, __op read automatically) is
// right. A row needs one when it is a partial update (its Unavailable
// columns keep their stored values: only the columns it carries are
// listed) or when it carries VARBINARY columns (their hex key is mapped
// with to_binary).
func (e *Encoder) Columns(ch cdc.Change) string {
	partial := len(ch.Unavailable) > 0 && ch.Op == cdc.OpUpsert
	binary := false
	for _, name := range ch.Row.Names {
		if e.isBinary(ch.Row.FieldSchema(name)) && !slices.Contains(ch.Unavailable, name) {
			binary = true
			break
		}
	}
	if !partial && !binary {
		return ""
	}
	var b []byte
	for _, name := range ch.Row.Names {
		if name == OpColumn || slices.Contains(ch.Unavailable, name) {
			continue
		}
		if e.isBinary(ch.Row.FieldSchema(name)) {
			b = fmt.Appendf(b, "%s%s,%s=to_binary(%s%s,'hex'),", binaryPrefix, name, name, binaryPrefix, name)
			continue
		}
		b = append(b, name...)
		b = append(b, ',')
	}
	return string(append(b, OpColumn...))
}

func (e *Encoder) zone() *time.Location {
	if e.Zone == nil {
		return time.UTC
	}
	return e.Zone
}

func (e *Encoder) appendValue(dst []byte, s *decode.Schema, v any, depth int) ([]byte, error) {
	if v == nil {
		return append(dst, "null"...), nil
	}
	if depth > 256 {
		return dst, fmt.Errorf("%w: nested deeper than 256 levels", ErrValue)
	}
	if s != nil && s.Name != "" {
		if out, ok, err := e.appendLogical(dst, s, v); ok || err != nil {
			return out, err
		}
	}
	switch t := v.(type) {
	case bool:
		return strconv.AppendBool(dst, t), nil
	case int64:
		return appendInt(dst, t, t < 0 && s != nil && isUnsignedBigint(s)), nil
	case float64:
		return appendFloat(dst, t, floatBits(s))
	case json.Number:
		return append(dst, t...), nil
	case string:
		return appendText(dst, t, s == nil || s.Name == "")
	case []byte:
		return appendBase64(dst, t), nil
	case decode.Decimal:
		return t.Append(dst), nil
	case []any:
		var items *decode.Schema
		if s != nil {
			items = s.Items
		}
		dst = append(dst, '[')
		for i, el := range t {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = e.appendValue(dst, items, el, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case *decode.Struct:
		dst = append(dst, '{')
		for i, name := range t.Names {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, name)
			dst = append(dst, ':')
			var err error
			if dst, err = e.appendValue(dst, t.FieldSchema(name), t.Values[i], depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case map[string]any:
		var vs *decode.Schema
		if s != nil {
			vs = s.Values
		}
		dst = append(dst, '{')
		for i, k := range slices.Sorted(maps.Keys(t)) { // sorted: deterministic
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = e.appendValue(dst, vs, t[k], depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	return dst, fmt.Errorf("%w: unexpected value type %T", ErrValue, v)
}

// appendLogical renders Kafka Connect and Debezium logical types as the text
// StarRocks parses back to the exact source value (docs/streamload.md §5.2,
// docs/debezium.md §3.1). ok is false when s is not a logical type handled here.
func (e *Encoder) appendLogical(dst []byte, s *decode.Schema, v any) (out []byte, ok bool, err error) {
	switch s.Name {
	case decode.ConnectDate, cdc.Date:
		days, isInt := v.(int64)
		if !isInt {
			return dst, true, fmt.Errorf("%w: %s value is %T, want an integer", ErrValue, s.Name, v)
		}
		out, err := appendDate(dst, s.Name, days)
		return out, true, err
	case decode.ConnectTimestamp, cdc.Timestamp, cdc.MicroTimestamp, cdc.NanoTimestamp:
		n, isInt := v.(int64)
		if !isInt {
			return dst, true, fmt.Errorf("%w: %s value is %T, want an integer", ErrValue, s.Name, v)
		}
		out, err := appendTimestamp(dst, s.Name, n)
		return out, true, err
	case cdc.ZonedTimestamp:
		str, isStr := v.(string)
		if !isStr {
			return dst, true, fmt.Errorf("%w: %s value is %T, want a string", ErrValue, s.Name, v)
		}
		out, err := e.appendZoned(dst, s.Name, str)
		return out, true, err
	case decode.ConnectTime, cdc.Time, cdc.MicroTime, cdc.NanoTime:
		n, isInt := v.(int64)
		if !isInt {
			return dst, true, fmt.Errorf("%w: %s value is %T, want an integer", ErrValue, s.Name, v)
		}
		return appendTime(dst, s.Name, n), true, nil
	case cdc.JSON:
		str, isStr := v.(string)
		if !isStr {
			return dst, false, nil
		}
		out, err := appendJSONDoc(dst, s.Name, []byte(str))
		return out, true, err
	case cdc.VariableScaleDecimal:
		st, isStruct := v.(*decode.Struct)
		if !isStruct {
			return dst, false, nil
		}
		sc, _ := st.Get("scale")
		raw, _ := st.Get("value")
		scale, ok1 := sc.(int64)
		b, ok2 := raw.([]byte)
		if !ok1 || !ok2 {
			return dst, true, fmt.Errorf("%w: %s needs {scale int, value bytes}", ErrValue, s.Name)
		}
		if err := checkScale(scale); err != nil {
			return dst, true, err
		}
		return decode.AppendDecimalBytes(dst, b, int32(scale)), true, nil
	case cdc.Point, cdc.Geometry, cdc.Geography:
		out, err := e.appendGeometry(dst, v)
		return out, true, err
	case decode.ConnectDecimal:
		if d, isDec := v.(decode.Decimal); isDec {
			if err := checkScale(int64(d.Scale)); err != nil {
				return dst, true, err
			}
			start := len(dst)
			dst = d.Append(dst)
			if err := fitsDecimal(s, dst[start:]); err != nil {
				return dst[:start], true, err
			}
			return dst, true, nil
		}
		return dst, true, fmt.Errorf("%w: Decimal value is %T", ErrValue, v)
	}
	return dst, false, nil
}

// inRange refuses dates StarRocks cannot hold (0000-01-01..9999-12-31,
// docs/streamload.md §5.1): it would store NULL without an error.
func inRange(name string, t time.Time) error {
	if y := t.Year(); y < 0 || y > 9999 {
		return fmt.Errorf("%w: %s value %s is outside StarRocks' DATE/DATETIME range (years 0000-9999) and would be loaded as NULL", ErrValue, name, t.Format(time.RFC3339Nano))
	}
	return nil
}

// fitsDecimal refuses a decimal, given as its exact text (decode.Decimal's
// Append), that overflows the DECIMAL(p,s) column of the type table:
// StarRocks would store NULL (docs/streamload.md §5.2).
func fitsDecimal(s *decode.Schema, text []byte) error {
	p, sc, ok := decimalPrecision(s, TypeOptions{Decimal256: true})
	if !ok {
		return nil // VARCHAR or LARGEINT: any value fits
	}
	// The integer digits: those before the point, none when they are "0"
	// (a zero, or a value below one).
	digits := bytes.TrimPrefix(text, []byte{'-'})
	intDigits := len(digits)
	if i := bytes.IndexByte(digits, '.'); i >= 0 {
		intDigits = i
	}
	if intDigits == 1 && digits[0] == '0' {
		intDigits = 0
	}
	if intDigits > p-sc {
		return fmt.Errorf("%w: decimal %s has %d integer digits; DECIMAL(%d,%d) holds %d and StarRocks would load NULL", ErrValue, text, intDigits, p, sc, p-sc)
	}
	if i := bytes.IndexByte(digits, '.'); i >= 0 && len(digits)-i-1 > sc {
		return fmt.Errorf("%w: decimal %s has %d digits after the point; DECIMAL(%d,%d) holds %d and StarRocks would round it", ErrValue, text, len(digits)-i-1, p, sc, sc)
	}
	return nil
}

// appendInt appends an integer. unsigned says the column is a BIGINT
// UNSIGNED: bigint.unsigned.handling.mode=long wraps values ≥ 2^63
// negative (docs/debezium.md §3.2), and LARGEINT takes the real value.
func appendInt(dst []byte, n int64, unsigned bool) []byte {
	if n < 0 && unsigned {
		return strconv.AppendUint(dst, uint64(n), 10)
	}
	return strconv.AppendInt(dst, n, 10)
}

// floatBits is the precision a float of schema s is written with: 32 for
// a float32, whose shortest text is shorter.
func floatBits(s *decode.Schema) int {
	if s != nil && s.Type == decode.TypeFloat32 {
		return 32
	}
	return 64
}

// appendFloat appends a float as its shortest text at bits precision; NaN
// and infinities have no JSON form.
func appendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, fmt.Errorf("%w: %v has no JSON representation", ErrValue, f)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits), nil
}

// appendText appends a string as a JSON string. limited says it goes into
// a VARCHAR (a string without a logical type), which refuses more than
// maxVarchar bytes.
func appendText(dst []byte, s string, limited bool) ([]byte, error) {
	if limited && len(s) > maxVarchar {
		return dst, fmt.Errorf("%w: a string of %d bytes exceeds StarRocks' largest VARCHAR (%d bytes) and would be loaded as NULL", ErrValue, len(s), maxVarchar)
	}
	return appendString(dst, s), nil
}

// appendBase64 appends bytes as a JSON string of their base64.
func appendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

// appendHex appends bytes as a JSON string of their hex (a VARBINARY
// column's value, see Encoder.Varbinary).
func appendHex(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = hex.AppendEncode(dst, b)
	return append(dst, '"')
}

// appendDate appends a Date (name: Connect's or Debezium's) of days since
// the epoch as "YYYY-MM-DD".
func appendDate(dst []byte, name string, days int64) ([]byte, error) {
	t := time.Unix(days*86400, 0).UTC()
	if err := inRange(name, t); err != nil {
		return dst, err
	}
	return appendDay(dst, t), nil
}

// appendTimestamp appends a timestamp of the logical type name (Connect's
// or Debezium's Timestamp in ms, MicroTimestamp, NanoTimestamp) as
// DATETIME text.
func appendTimestamp(dst []byte, name string, n int64) ([]byte, error) {
	var t time.Time
	switch name {
	case cdc.MicroTimestamp:
		t = time.UnixMicro(n).UTC()
	case cdc.NanoTimestamp:
		t = time.Unix(0, n).UTC()
	default:
		t = time.UnixMilli(n).UTC()
	}
	if err := inRange(name, t); err != nil {
		return dst, err
	}
	return appendDatetime(dst, t), nil
}

// appendZoned appends a ZonedTimestamp (ISO-8601 text with a zone) as
// DATETIME text in the Encoder's Zone.
func (e *Encoder) appendZoned(dst []byte, name, str string) ([]byte, error) {
	t, perr := time.Parse(time.RFC3339Nano, str)
	if perr != nil {
		return dst, fmt.Errorf("%w: %s %q is not ISO-8601: %v", ErrValue, name, str, perr)
	}
	t = t.In(e.zone())
	if err := inRange(name, t); err != nil {
		return dst, err
	}
	return appendDatetime(dst, t), nil
}

// appendTime appends a time of day of the logical type name (Connect's or
// Debezium's Time in ms, MicroTime, NanoTime) as "HH:MM:SS[.ffffff]".
func appendTime(dst []byte, name string, n int64) []byte {
	var micros int64
	switch name {
	case cdc.MicroTime:
		micros = n
	case cdc.NanoTime:
		micros = n / 1000
	default:
		micros = n * 1000
	}
	return appendTimeOfDay(dst, micros)
}

// appendJSONDoc appends the text of an io.debezium.data.Json value (name)
// as the JSON document it holds; text that is not JSON is refused.
func appendJSONDoc(dst []byte, name string, doc []byte) ([]byte, error) {
	if !json.Valid(doc) {
		return dst, fmt.Errorf("%w: %s value is not valid JSON", ErrValue, name)
	}
	return append(dst, doc...), nil
}

// appendDay writes "YYYY-MM-DD", quoted: the date of t, whose year
// inRange has checked.
func appendDay(dst []byte, t time.Time) []byte {
	dst = appendYMD(append(dst, '"'), t)
	return append(dst, '"')
}

// appendDatetime writes "YYYY-MM-DD HH:MM:SS[.ffffff]": the wall clock, no
// zone, microseconds only when non-zero (StarRocks DATETIME keeps µs). The
// year has been checked by inRange.
func appendDatetime(dst []byte, t time.Time) []byte {
	dst = appendYMD(append(dst, '"'), t)
	h, m, s := t.Clock()
	dst = append(dst, ' ', byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	if us := t.Nanosecond() / 1000; us != 0 {
		dst = append(dst, '.')
		for div := 100000; div > 0; div /= 10 {
			dst = append(dst, byte('0'+us/div%10))
		}
	}
	return append(dst, '"')
}

// appendYMD writes t's date as time.Format's "2006-01-02" writes it (a
// year outside 0..9999, which inRange refuses before, by Format itself).
func appendYMD(dst []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, "2006-01-02")
	}
	return append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// appendTimeOfDay writes a time as "HH:MM:SS[.ffffff]" text. MySQL TIME may
// be negative or beyond 24h, so hours are not wrapped.
func appendTimeOfDay(dst []byte, micros int64) []byte {
	dst = append(dst, '"')
	if micros < 0 {
		dst = append(dst, '-')
		micros = -micros
	}
	h := micros / 3_600_000_000
	m := micros / 60_000_000 % 60
	sec := micros / 1_000_000 % 60
	frac := micros % 1_000_000
	if h < 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendInt(dst, h, 10)
	dst = append(dst, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+sec/10), byte('0'+sec%10))
	if frac != 0 {
		// Six digits: those of 1_000_000+frac without the leading 1.
		dst = strconv.AppendInt(append(dst, '.'), frac+1_000_000, 10)
		copy(dst[len(dst)-7:], dst[len(dst)-6:])
		dst = dst[:len(dst)-1]
	}
	return append(dst, '"')
}

// appendString appends s as a JSON string. Invalid UTF-8 is refused by the
// caller's JSON parser in StarRocks, so it is replaced, as encoding/json does.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u202`...)
			dst = append(dst, hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// maxDecimalScale bounds the scale of a decimal value written as text: a
// value scaled by 10^-1,000,000 would be a megabyte of zeros. 1000 is far
// beyond any column (StarRocks' widest DECIMAL has 76 digits; a
// VariableScaleDecimal column is VARCHAR) and keeps a hostile scale from
// blowing up a row.
const maxDecimalScale = 1000

// checkScale refuses a decimal scale beyond ±maxDecimalScale.
func checkScale(scale int64) error {
	if scale > maxDecimalScale || scale < -maxDecimalScale {
		return fmt.Errorf("%w: a decimal scale of %d (beyond ±%d) cannot be a column value", ErrValue, scale, maxDecimalScale)
	}
	return nil
}
