package transform

// TimestampConverter$Key / $Value and TimestampRouter, as
// org.apache.kafka.connect.transforms.TimestampConverter and
// TimestampRouter of Kafka 3.9 implement them (TimestampConverter's field
// copy honours replace.null.with.default, new in 3.9). SimpleDateFormat
// patterns run in UTC (javadate.go).
//
// TimestampConverter reads the source kind from the schema (Connect's
// Timestamp, Date or Time by name, else STRING is a formatted string and
// INT64 a unix time in unix.precision units; any other schema is an error,
// even for a null value, so Debezium's io.debezium.time.Date int32 fails
// and MicroTimestamp int64 is read as a unix time), or without a schema
// from the Java class (Long: unix, String: string). Every conversion goes
// through epoch milliseconds: unix values are truncated toward zero, Date
// is the UTC midnight, Time the UTC time of day on 1970-01-01. The
// converted field gets the target's standard schema (optionality kept,
// name and default dropped); the struct keeps its name, optionality and
// default. Without a schema a Date/Time/Timestamp result is its epoch
// milliseconds (values.go).
//
// TimestampRouter refuses an invalid timestamp.format when configured,
// where Kafka fails every record.

import (
	"fmt"
	"math"
	"strings"

	"github.com/starcdc/starcdc/decode"
)

// The target and source kinds of TimestampConverter.
const (
	tsString    = "string"
	tsUnix      = "unix"
	tsDate      = "Date"
	tsTime      = "Time"
	tsTimestamp = "Timestamp"
)

type timestampConverter struct {
	o           operand
	field       string
	target      string
	format      *javaDateFormat // nil when format is blank
	precision   string
	withDefault bool
	cache       schemaCache
	schemas     [2]*decode.Schema // the target's schema, required and optional
}

func newTimestampConverter(o operand, props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &timestampConverter{o: o, field: opts.strDefault("field", "")}
	t.target = opts.required("target.type")
	if _, ok := props["target.type"]; ok {
		opts.oneOf("target.type", t.target, tsString, tsUnix, tsDate, tsTime, tsTimestamp)
	}
	t.precision = opts.strDefault("unix.precision", "milliseconds")
	opts.oneOf("unix.precision", t.precision, "nanoseconds", "microseconds", "milliseconds", "seconds")
	t.withDefault = opts.replaceNullWithDefault()
	t.schemas = [2]*decode.Schema{t.newTypeSchema(false), t.newTypeSchema(true)}
	pattern := opts.strDefault("format", "")
	if t.target == tsString && pattern == "" {
		opts.fail("format", "TimestampConverter requires format option to be specified when using string timestamps")
	}
	if pattern != "" {
		f, err := compileJavaDateFormat(pattern)
		if err != nil {
			opts.bad("format", pattern, "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: %s (%v)", pattern, err)
		}
		t.format = f
	}
	return t, opts.err()
}

const purposeTimestamp = "converting timestamp formats"

// typeSchema is the target's standard schema, one per optionality.
func (t *timestampConverter) typeSchema(optional bool) *decode.Schema {
	if optional {
		return t.schemas[1]
	}
	return t.schemas[0]
}

func (t *timestampConverter) newTypeSchema(optional bool) *decode.Schema {
	switch t.target {
	case tsString:
		return primitiveSchema(decode.TypeString, optional)
	case tsUnix:
		return primitiveSchema(decode.TypeInt64, optional)
	case tsDate:
		return dateSchema(optional)
	case tsTime:
		return timeSchema(optional)
	}
	return timestampSchema(optional)
}

// kindFromSchema is timestampTypeFromSchema.
func kindFromSchema(s *decode.Schema) (string, error) {
	switch {
	case s.Name == decode.ConnectTimestamp:
		return tsTimestamp, nil
	case s.Name == decode.ConnectDate:
		return tsDate, nil
	case s.Name == decode.ConnectTime:
		return tsTime, nil
	case s.Type == decode.TypeString:
		return tsString, nil
	case s.Type == decode.TypeInt64:
		return tsUnix, nil
	}
	return "", fmt.Errorf("Schema %s does not correspond to a known timestamp type format", describeSchema(s))
}

// describeSchema renders a schema for messages as ConnectSchema.toString
// does: "Schema{name:TYPE}" or "Schema{TYPE}".
func describeSchema(s *decode.Schema) string {
	if s.Name != "" {
		return "Schema{" + s.Name + ":" + javaTypeName(s.Type) + "}"
	}
	return "Schema{" + javaTypeName(s.Type) + "}"
}

func (t *timestampConverter) Apply(rec *Record) (*Record, error) {
	schema, v := t.o.get(rec)
	if schema == nil {
		if v == nil || t.field == "" {
			out, err := t.convert(v, "", false)
			if err != nil {
				return nil, err
			}
			t.o.set(rec, nil, out)
			return rec, nil
		}
		if err := requireMap(v, purposeTimestamp); err != nil {
			return nil, err
		}
		m := toSmap(v)
		out, err := t.convert(m.get(t.field), "", false)
		if err != nil {
			return nil, err
		}
		m.put(t.field, out) // a field the map lacks is added as null
		t.o.set(rec, nil, m.s)
		return rec, nil
	}
	if t.field == "" {
		kind, err := kindFromSchema(schema)
		if err != nil {
			return nil, err
		}
		out, err := t.convert(v, kind, true)
		if err != nil {
			return nil, err
		}
		t.o.set(rec, t.typeSchema(schema.Optional), out)
		return rec, nil
	}
	var st *decode.Struct
	if v != nil {
		var err error
		if st, err = requireStruct(schema, v, purposeTimestamp); err != nil {
			return nil, err
		}
	}
	updated, err := t.cache.cached(schema, func() (*decode.Schema, error) {
		if schema.Type != decode.TypeStruct {
			return nil, fmt.Errorf("Cannot list fields on non-struct type")
		}
		b := newStructBuilder(copySchemaBasics(schema, decode.TypeStruct))
		err := b.fieldsWith(schema, func(f decode.Field) *decode.Schema {
			if f.Name == t.field {
				return t.typeSchema(f.Schema.Optional)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out := b.build()
		out.Optional = schema.Optional
		if d, ok := schema.Default.(*decode.Struct); ok {
			dv, err := t.applyStruct(d, out)
			if err != nil {
				return nil, err
			}
			out.Default = dv
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	var out any
	if st != nil {
		if out, err = t.applyStruct(st, updated); err != nil {
			return nil, err
		}
	}
	t.o.set(rec, updated, out)
	return rec, nil
}

// applyStruct is applyValueWithSchema: st copied onto updated, the field
// converted.
func (t *timestampConverter) applyStruct(st *decode.Struct, updated *decode.Schema) (*decode.Struct, error) {
	out := newStruct(updated)
	for i, f := range st.Schema.Fields {
		fv := fieldValue(st, i, t.withDefault)
		if f.Name == t.field {
			kind, err := kindFromSchema(f.Schema)
			if err != nil {
				return nil, err
			}
			if fv, err = t.convert(fv, kind, true); err != nil {
				return nil, err
			}
		}
		if err := putField(out, i, fv); err != nil { // the rebuilt schema keeps the field order
			return nil, err
		}
	}
	return out, nil
}

// convert is convertTimestamp: v of kind (inferred from its Java class when
// "") to the target. withSchema chooses the representation of a
// Date/Time/Timestamp result (days, ms of day, ms with a schema; epoch
// milliseconds without).
func (t *timestampConverter) convert(v any, kind string, withSchema bool) (any, error) {
	if v == nil {
		return nil, nil
	}
	if kind == "" {
		switch javaNumber(v).(type) {
		case int64:
			kind, v = tsUnix, javaNumber(v)
		case string:
			kind = tsString
		default:
			return nil, fmt.Errorf("TimestampConverter does not support %s objects as timestamps", javaClassOf(nil, v))
		}
	}
	ms, err := t.toRaw(v, kind)
	if err != nil {
		return nil, err
	}
	switch t.target {
	case tsString:
		return t.format.format(ms), nil
	case tsUnix:
		switch t.precision {
		case "seconds":
			return ms / 1000, nil
		case "microseconds":
			return satMul(ms, 1000), nil
		case "nanoseconds":
			return satMul(ms, 1000000), nil
		}
		return ms, nil
	case tsDate:
		days := floorDiv(ms, millisPerDay)
		if withSchema {
			return days, nil
		}
		return days * millisPerDay, nil
	case tsTime:
		return ms - floorDiv(ms, millisPerDay)*millisPerDay, nil
	}
	return ms, nil
}

// toRaw reads v of kind as epoch milliseconds (the java.util.Date).
func (t *timestampConverter) toRaw(v any, kind string) (int64, error) {
	switch kind {
	case tsString:
		s, ok := v.(string)
		if !ok {
			return 0, fmt.Errorf("Expected string timestamp to be a String, but found %s", javaClassOf(nil, v))
		}
		if t.format == nil {
			return 0, fmt.Errorf("a string timestamp needs the format option to be parsed (Kafka: NullPointerException)")
		}
		ms, ok := t.format.parse(s)
		if !ok {
			return 0, fmt.Errorf("Could not parse timestamp: value (%s) does not match pattern (%s)", s, t.format.pattern)
		}
		return ms, nil
	case tsUnix:
		n, ok := v.(int64)
		if !ok {
			return 0, fmt.Errorf("Expected Unix timestamp to be a Long, but found %s", javaClassOf(nil, v))
		}
		switch t.precision {
		case "seconds":
			return satMul(n, 1000), nil
		case "microseconds":
			return n / 1000, nil
		case "nanoseconds":
			return n / 1000000, nil
		}
		return n, nil
	}
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("Expected %s to be a java.util.Date, but found %s", kind, javaClassOf(nil, v))
	}
	if kind == tsDate {
		return n * millisPerDay, nil
	}
	return n, nil
}

// satMul is TimeUnit's saturating conversion to a finer unit.
func satMul(n, by int64) int64 {
	switch {
	case n > math.MaxInt64/by:
		return math.MaxInt64
	case n < math.MinInt64/by:
		return math.MinInt64
	}
	return n * by
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// ---------------------------------------------------------------------------
// TimestampRouter (TimestampRouter.java; no $Key/$Value variants)

type timestampRouter struct {
	topicFormat string
	format      *javaDateFormat
}

func newTimestampRouter(props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &timestampRouter{topicFormat: opts.strDefault("topic.format", "${topic}-${timestamp}")}
	pattern := opts.strDefault("timestamp.format", "yyyyMMdd")
	f, err := compileJavaDateFormat(pattern)
	if err != nil {
		opts.bad("timestamp.format", pattern, "not a SimpleDateFormat pattern: %v", err)
	}
	t.format = f
	return t, opts.err()
}

func (t *timestampRouter) Apply(rec *Record) (*Record, error) {
	if rec.Timestamp < 0 {
		return nil, fmt.Errorf("Timestamp missing on record: topic=%s, partition=%d, offset=%d", rec.Topic, rec.Partition, rec.Offset)
	}
	topic := strings.ReplaceAll(t.topicFormat, "${topic}", rec.Topic)
	rec.Topic = strings.ReplaceAll(topic, "${timestamp}", t.format.format(rec.Timestamp))
	return rec, nil
}
