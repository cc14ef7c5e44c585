package mapping

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

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
//   - JSON ← text holding a JSON object or array (io.debezium.data.Json):
//     the document itself, not a string.
func (e *Encoder) appendByTarget(dst []byte, target string, v any) ([]byte, bool, error) {
	switch {
	case target == "DATE":
		if n, ok := integer(v); ok {
			t := time.Unix(n*86400, 0).UTC()
			if err := inRange("DATE", t); err != nil {
				return dst, true, err
			}
			return appendQuoted(dst, t.AppendFormat, "2006-01-02"), true, nil
		}
	case target == "DATETIME":
		if n, ok := integer(v); ok {
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
		if s, ok := v.(string); ok && (strings.HasSuffix(s, "Z") || strings.Contains(s, "+")) {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				t = t.In(e.zone())
				if err := inRange("DATETIME", t); err != nil {
					return dst, true, err
				}
				return appendDatetime(dst, t), true, nil
			}
		}
	case strings.HasPrefix(target, "DECIMAL"):
		if s, ok := v.(string); ok {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return dst, false, nil // decimal text (decimal.handling.mode=string) loads as it is
			}
			scale := 0
			if i := strings.IndexByte(target, ','); i >= 0 {
				scale, _ = strconv.Atoi(strings.TrimSuffix(target[i+1:], ")"))
			}
			return decode.DecimalFromBytes(b, int32(scale)).Append(dst), true, nil
		}
	case target == "JSON":
		if s, ok := v.(string); ok {
			t := strings.TrimSpace(s)
			if (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Valid([]byte(t)) {
				return append(dst, t...), true, nil
			}
		}
	}
	return dst, false, nil
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
