package transform

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/starcdc/starcdc/decode"
)

// com.starrocks.connector.kafka.transforms.TimeMillisToStringTransform, as
// in StarRocks/starrocks-connector-for-kafka main 8be855e
// (src/main/java/com/starrocks/connector/kafka/transforms/TimeMillisToStringTransform.java).
//
// Options: fields (comma list; "" = every top-level field whose schema is
// org.apache.kafka.connect.data.Time), format ("HH:mm:ss.SSS" adds the
// milliseconds; "HH:mm:ss", blank or any other text gives HH:mm:ss, as in
// the connector). Only struct values with a schema are touched, and only
// when a field qualifies; the record schema becomes a required copy with
// those fields as strings (optional if they were).
//
// A listed field converts whatever its type, as Java's classes decide:
// int32 is milliseconds, int64 is truncated to 32 bits and read as
// milliseconds (microsecond times come out wrong, as in the connector), a
// Connect Date/Time/Timestamp (java.util.Date) is its epoch milliseconds
// modulo 86400000; anything else becomes its Java toString. starcdc fails
// the record where that text is an object identity Java would make up
// (bytes, structs, arrays, maps). Output is [-]HH:mm:ss[.SSS] of the
// absolute value, hours not wrapped.
type timeMillisToString struct {
	fields map[string]bool
	millis bool
	cache  schemaCache
}

var commaSpaces = regexp.MustCompile(`\s*,\s*`)

func newTimeMillisToString(m map[string]string) (Transformation, error) {
	opts := newOptions(m)
	t := &timeMillisToString{fields: map[string]bool{}}
	if f := opts.rawDefault("fields", ""); strings.TrimSpace(f) != "" {
		for _, n := range javaSplitRegex(commaSpaces, f) {
			t.fields[n] = true
		}
	}
	t.millis = opts.rawDefault("format", "HH:mm:ss") == "HH:mm:ss.SSS"
	opts.refuseUnknown()
	if err := opts.err(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *timeMillisToString) converts(f decode.Field) bool {
	if len(t.fields) > 0 {
		return t.fields[f.Name]
	}
	switch f.Schema.Type {
	case decode.TypeStruct, decode.TypeArray, decode.TypeMap:
		return false
	}
	return f.Schema.Name == decode.ConnectTime
}

func (t *timeMillisToString) Apply(rec *Record) (*Record, error) {
	if rec.Value.Value == nil || rec.Value.Schema == nil {
		return rec, nil
	}
	v, ok := rec.Value.Value.(*decode.Struct)
	if !ok || v.Schema == nil || v.Schema.Type != decode.TypeStruct {
		return rec, nil
	}
	found := false
	for _, f := range v.Schema.Fields {
		if t.converts(f) {
			found = true
			break
		}
	}
	if !found {
		return rec, nil
	}
	s, err := t.cache.cached(v.Schema, func() (*decode.Schema, error) {
		b := newStructBuilder(copySchemaBasics(v.Schema, decode.TypeStruct))
		err := b.fieldsWith(v.Schema, func(f decode.Field) *decode.Schema {
			if t.converts(f) {
				return primitiveSchema(decode.TypeString, f.Schema.Optional)
			}
			return nil
		})
		return b.build(), err
	})
	if err != nil {
		return nil, err
	}
	out := newStruct(s)
	for i, f := range v.Schema.Fields {
		raw := fieldValue(v, i, true)
		if !t.converts(f) || raw == nil {
			out.Values[i] = raw
			continue
		}
		str, err := t.convert(f, raw)
		if err != nil {
			return nil, err
		}
		out.Values[i] = str
	}
	r := *rec
	r.Value = decode.Record{Schema: s, Value: out}
	return &r, nil
}

func (t *timeMillisToString) convert(f decode.Field, raw any) (string, error) {
	switch f.Schema.Name {
	case decode.ConnectTime, decode.ConnectTimestamp:
		if ms, ok := raw.(int64); ok {
			return t.format(int32(ms % 86400000)), nil
		}
	case decode.ConnectDate:
		if days, ok := raw.(int64); ok {
			return t.format(int32(days * 86400000 % 86400000)), nil
		}
	}
	switch f.Schema.Type {
	case decode.TypeInt32:
		if n, ok := raw.(int64); ok {
			return t.format(int32(n)), nil
		}
	case decode.TypeInt64:
		if n, ok := raw.(int64); ok {
			return t.format(int32(n)), nil // Long.intValue()
		}
	}
	if s, ok := javaObjectString(f.Schema, raw); ok {
		return s, nil // rawValue.toString()
	}
	return "", fmt.Errorf("field %s: the connector would write the Java toString of a %s value, which starcdc cannot reproduce", f.Name, f.Schema.Type)
}

// format is formatMillisSinceMidnight.
func (t *timeMillisToString) format(ms int32) string {
	prefix := ""
	if ms < 0 {
		prefix = "-"
		ms = -ms // Integer.MIN_VALUE stays negative, as in Java
	}
	m := int64(ms)
	h, mi, s, milli := m/3600000, m/60000%60, m/1000%60, m%1000
	if t.millis {
		return fmt.Sprintf("%s%02d:%02d:%02d.%03d", prefix, h, mi, s, milli)
	}
	return fmt.Sprintf("%s%02d:%02d:%02d", prefix, h, mi, s)
}
