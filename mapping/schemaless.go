package mapping

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/starcdc/starcdc/decode"
)

// TargetTypes are the StarRocks column types of one table (column →
// canonical type text, as mapping.ColumnType spells it). The Encoder uses
// them for values that arrive without a logical type: without a schema
// (JsonConverter with schemas.enable=false), or as plain integers and
// strings (the Protobuf converter drops Debezium's io.debezium.* names).
// Debezium encodes dates, timestamps and decimals as numbers and base64
// there, which StarRocks would load as NULL.
type TargetTypes map[string]string

// appendByTarget renders a schemaless value for the column type target.
// ok is false when the value is left to the default rendering.
//
// The rules (docs/debezium.md §3.1, §5 "fall back to target column type"):
//   - DATE ← integer: Debezium Date / Connect Date, days since the epoch.
//   - DATETIME ← integer: Connect/Debezium Timestamp (ms), MicroTimestamp
//     (µs) or NanoTimestamp (ns); with no schema the unit is told by
//     magnitude: |v| < 10^13 is ms (up to year 2286), < 10^17 µs, else ns.
//     Only µs values within ~4 months of 1970-01-01 are misread (as ms).
//   - DATETIME ← ISO-8601 text with a zone (ZonedTimestamp): converted to
//     the Encoder's Zone.
//   - DECIMAL(p,s) ← base64 text: Connect Decimal's unscaled bytes, scale s.
//   - JSON ← text (io.debezium.data.Json): the document the text holds,
//     whatever its kind (appendJSONText); text that is not JSON is an
//     ErrValue.
func (e *Encoder) appendByTarget(dst []byte, target string, v any) ([]byte, bool, error) {
	if n, ok := integer(v); ok {
		return e.appendIntByTarget(dst, target, n)
	}
	if s, ok := v.(string); ok {
		return e.appendTextByTarget(dst, target, s)
	}
	return dst, false, nil
}

// appendIntByTarget is appendByTarget for an integer.
func (e *Encoder) appendIntByTarget(dst []byte, target string, n int64) ([]byte, bool, error) {
	switch target {
	case "DATE":
		t := time.Unix(n*86400, 0).UTC()
		if err := inRange("DATE", t); err != nil {
			return dst, true, err
		}
		return appendDay(dst, t), true, nil
	case "DATETIME":
		var t time.Time
		switch a := max(n, -n); {
		case a < 1e13:
			t = time.UnixMilli(n).UTC()
		case a < 1e17:
			t = time.UnixMicro(n).UTC()
		default:
			t = time.Unix(0, n).UTC()
		}
		if err := inRange("DATETIME", t); err != nil {
			return dst, true, err
		}
		return appendDatetime(dst, t), true, nil
	}
	return dst, false, nil
}

// appendTextByTarget is appendByTarget for a string.
func (e *Encoder) appendTextByTarget(dst []byte, target string, s string) ([]byte, bool, error) {
	switch {
	case target == "DATETIME":
		if strings.HasSuffix(s, "Z") || strings.Contains(s, "+") {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				t = t.In(e.zone())
				if err := inRange("DATETIME", t); err != nil {
					return dst, true, err
				}
				return appendDatetime(dst, t), true, nil
			}
		}
	case strings.HasPrefix(target, "DECIMAL"):
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return dst, false, nil // decimal text (decimal.handling.mode=string) loads as it is
		}
		scale := 0
		if i := strings.IndexByte(target, ','); i >= 0 {
			scale, _ = strconv.Atoi(strings.TrimSuffix(target[i+1:], ")"))
		}
		return decode.AppendDecimalBytes(dst, b, int32(scale)), true, nil
	case target == "JSON":
		out, err := appendJSONText(dst, s)
		return out, true, err
	}
	return dst, false, nil
}

// appendJSONText appends the JSON document that text holds, for a JSON
// column: io.debezium.data.Json is a string holding the document's text,
// whatever its kind, so `{"a":1}`, `[1]`, `"just a string"`, `42`, `true`
// and `null` are the object, the array, the string, the number, the
// boolean and the null they spell, not strings. StarRocks' JSON scanner
// keeps a JSON value as it is for a JSON column, and would keep a string
// holding JSON as a string (docs/streamload.md §5.2), so the text goes
// into the row as raw JSON. A JSON null is a NULL column there. Text that
// is not one JSON document is an ErrValue: the record cannot be loaded as
// its source meant.
func appendJSONText(dst []byte, text string) ([]byte, error) {
	t := strings.Trim(text, " \t\r\n")
	if !json.Valid([]byte(t)) {
		why := "it is not JSON"
		var raw json.RawMessage
		if err := json.Unmarshal([]byte(t), &raw); err != nil {
			why = err.Error()
		}
		shown := t
		if len(shown) > 64 {
			shown = shown[:64] + "…"
		}
		return dst, fmt.Errorf("%w: the value %q for a JSON column is not JSON text (%s); without a schema, a string for a JSON column is taken as the text of the document, as Debezium's io.debezium.data.Json sends it: send the document itself, or its JSON text (a JSON string as \"\\\"text\\\"\")", ErrValue, shown, why)
	}
	if !utf8.ValidString(t) {
		return dst, fmt.Errorf("%w: the JSON text for a JSON column is not valid UTF-8, which StarRocks' JSON parser refuses", ErrValue)
	}
	return append(dst, t...), nil
}

// integer reads an integer value (a schemaless JSON number, or an int64).
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil
	}
	return 0, false
}
