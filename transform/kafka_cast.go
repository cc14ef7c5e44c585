package transform

// Cast$Key / Cast$Value, as org.apache.kafka.connect.transforms.Cast of
// Kafka 3.9 implements it (the field copy honours
// replace.null.with.default, new in 3.9; before, a null field always read
// as its default).
//
// spec is "field:type,..." or a single "type" for the whole key/value.
// Targets are int8, int16, int32, int64, float32, float64, boolean and
// string (any case); inputs those and bytes (incl. Decimal). Conversions
// follow Java: a Number narrows by byteValue/shortValue/intValue/longValue
// (300 → int8 44, 1.9 → 1, a Decimal is truncated), a boolean is 1 or 0, a
// string is parsed by Byte/Short/Integer/Long.parseX (no blanks, no point)
// or Float/Double.parseX; to boolean a Number is longValue() != 0 and a
// string equalsIgnoreCase("true"); to string Java's toString (Double
// 1.0E10, BigDecimal 1E+3), bytes as base64, and Date/Time/Timestamp as
// yyyy-MM-dd (exact midnight), HH:mm:ss.SSS'Z' (before 1970-01-02,
// negative instants included) or yyyy-MM-dd'T'HH:mm:ss.SSS'Z', in the
// worker's default time zone, which starcdc takes to be UTC. A cast field
// gets a plain schema of the target type (logical name and parameters
// dropped; optionality kept, default cast); the struct schema is rebuilt
// with its name, optionality and default; a whole-value cast keeps the old
// name and parameters.

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/starcdc/starcdc/decode"
)

type cast struct {
	o           operand
	whole       decode.Type // TypeInvalid unless the whole operand is cast
	fields      []string    // configured order, each once
	casts       map[string]decode.Type
	withDefault bool
	cache       schemaCache
}

// castType is Schema.Type.valueOf of an upper-cased type name.
func castType(name string) (decode.Type, bool) {
	for t := decode.TypeInt8; t <= decode.TypeStruct; t++ {
		if javaTypeName(t) == name {
			return t, true
		}
	}
	return 0, false
}

const castOutputs = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"
const castInputs = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"

func newCast(o operand, props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &cast{o: o, casts: map[string]decode.Type{}}
	spec, ok := opts.list("spec")
	switch {
	case !ok:
		opts.missing("spec")
	case len(spec) == 0:
		opts.bad("spec", props["spec"], "Must specify at least one field to cast.")
	}
	target := func(name string) (decode.Type, bool) {
		typ, ok := castType(strings.ToUpper(strings.TrimSpace(name)))
		if !ok {
			opts.bad("spec", props["spec"], "Invalid type found in casting spec: %s", strings.TrimSpace(name))
			return 0, false
		}
		if typ > decode.TypeString {
			opts.bad("spec", props["spec"], "Cast transformation does not support casting to %s; supported types are %s", javaTypeName(typ), castOutputs)
			return 0, false
		}
		return typ, true
	}
	for _, m := range spec {
		parts := javaSplit(m, ":")
		switch len(parts) {
		case 1:
			if typ, ok := target(parts[0]); ok {
				t.whole = typ
			}
		case 2:
			typ, ok := target(parts[1])
			if !ok {
				continue
			}
			name := strings.TrimSpace(parts[0])
			if _, seen := t.casts[name]; !seen {
				t.fields = append(t.fields, name)
			}
			t.casts[name] = typ
		default:
			opts.bad("spec", props["spec"], "Invalid rename mapping: %s", m)
		}
	}
	if t.whole != decode.TypeInvalid && len(spec) > 1 {
		opts.bad("spec", props["spec"], "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec")
	}
	t.withDefault = opts.replaceNullWithDefault()
	return t, opts.err()
}

const purposeCast = "cast types"

func (t *cast) Apply(rec *Record) (*Record, error) {
	schema, v := t.o.get(rec)
	if v == nil {
		return rec, nil
	}
	if schema == nil {
		if t.whole != decode.TypeInvalid {
			out, err := castValue(nil, v, t.whole)
			if err != nil {
				return nil, err
			}
			t.o.set(rec, nil, out)
			return rec, nil
		}
		if err := requireMap(v, purposeCast); err != nil {
			return nil, err
		}
		m := toSmap(v)
		for _, f := range t.fields {
			cv, err := castValue(nil, m.get(f), t.casts[f])
			if err != nil {
				return nil, err
			}
			m.put(f, cv) // a field the map lacks is added as null
		}
		t.o.set(rec, nil, m.s)
		return rec, nil
	}
	updated, err := t.cache.cached(schema, func() (*decode.Schema, error) { return t.buildSchema(schema) })
	if err != nil {
		return nil, err
	}
	if t.whole != decode.TypeInvalid {
		out, err := castValue(schema, v, t.whole)
		if err != nil {
			return nil, err
		}
		t.o.set(rec, updated, out)
		return rec, nil
	}
	st, err := requireStruct(schema, v, purposeCast)
	if err != nil {
		return nil, err
	}
	out := newStruct(updated)
	for i, f := range st.Schema.Fields {
		fv := fieldValue(st, i, t.withDefault)
		if typ, ok := t.casts[f.Name]; ok {
			if fv, err = castValue(f.Schema, fv, typ); err != nil {
				return nil, err
			}
		}
		if err := putField(out, i, fv); err != nil { // the rebuilt schema keeps the field order
			return nil, err
		}
	}
	t.o.set(rec, updated, out)
	return rec, nil
}

// buildSchema is Cast.getOrBuildSchema.
func (t *cast) buildSchema(s *decode.Schema) (*decode.Schema, error) {
	var out *decode.Schema
	if t.whole != decode.TypeInvalid {
		out = copySchemaBasics(s, t.whole)
	} else {
		if s.Type != decode.TypeStruct {
			return nil, fmt.Errorf("Cannot list fields on non-struct type")
		}
		b := newStructBuilder(copySchemaBasics(s, decode.TypeStruct))
		for _, f := range s.Fields {
			fs := f.Schema
			if typ, ok := t.casts[f.Name]; ok {
				fs = primitiveSchema(typ, f.Schema.Optional)
				if f.Schema.Default != nil {
					d, err := castValue(f.Schema, f.Schema.Default, typ)
					if err != nil {
						return nil, err
					}
					fs.Default = d
				}
			}
			if err := b.field(f.Name, fs); err != nil {
				return nil, err
			}
		}
		out = b.build()
	}
	out.Optional = s.Optional
	if s.Default != nil {
		// A struct's default is "cast" to STRUCT, which Cast refuses as an
		// input type: a struct schema with a default fails, as in Java.
		d, err := castValue(s, s.Default, out.Type)
		if err != nil {
			return nil, err
		}
		out.Default = d
	}
	return out, nil
}

// castValue is Cast.castValueToType: v of schema s (nil: schemaless, typed
// by its Java class) cast to target.
func castValue(s *decode.Schema, v any, target decode.Type) (any, error) {
	if v == nil {
		return nil, nil
	}
	var inferred decode.Type
	if s != nil {
		inferred = s.Type
	} else {
		typ, ok := schemalessType(v)
		if !ok {
			return nil, fmt.Errorf("Cast transformation was passed a value of type %s which is not supported by Connect's data API", javaClassOf(nil, v))
		}
		inferred = typ
		v = javaNumber(v)
	}
	if inferred < decode.TypeInt8 || inferred > decode.TypeBytes {
		return nil, fmt.Errorf("Cast transformation does not support casting from %s; supported types are %s", javaTypeName(inferred), castInputs)
	}
	outOfRange := func() error {
		return fmt.Errorf("Value (%s) was out of range for requested data type", javaToString(s, v))
	}
	unexpected := func() error {
		return fmt.Errorf("Unexpected type in Cast transformation: %s", javaClassOf(s, v))
	}
	switch target {
	case decode.TypeString:
		return javaToString(s, v), nil
	case decode.TypeBoolean:
		switch t := v.(type) {
		case bool:
			return t, nil
		case string:
			return strings.EqualFold(t, "true"), nil
		}
		if n, ok := javaLong(v); ok {
			return n != 0, nil
		}
		return nil, unexpected()
	case decode.TypeFloat32, decode.TypeFloat64:
		bits := 64
		if target == decode.TypeFloat32 {
			bits = 32
		}
		switch t := v.(type) {
		case bool:
			if t {
				return float64(1), nil
			}
			return float64(0), nil
		case string:
			f, ok := javaParseDouble(t, bits)
			if !ok {
				return nil, outOfRange()
			}
			return f, nil
		}
		if f, ok := javaDouble(v, bits); ok {
			return f, nil
		}
		return nil, unexpected()
	}
	// int8 … int64
	bits := 64
	switch target {
	case decode.TypeInt8:
		bits = 8
	case decode.TypeInt16:
		bits = 16
	case decode.TypeInt32:
		bits = 32
	}
	switch t := v.(type) {
	case bool:
		if t {
			return int64(1), nil
		}
		return int64(0), nil
	case string:
		n, ok := javaParseInt(t, bits)
		if !ok {
			return nil, outOfRange()
		}
		return n, nil
	}
	if bits == 64 {
		if n, ok := javaLong(v); ok {
			return n, nil
		}
		return nil, unexpected()
	}
	// byteValue and shortValue narrow intValue (Number's default methods,
	// and Long's, whose low bits are the same).
	i, ok := javaIntValue(v)
	if !ok {
		return nil, unexpected()
	}
	switch bits {
	case 8:
		return int64(int8(i)), nil
	case 16:
		return int64(int16(i)), nil
	}
	return int64(i), nil
}

// javaToString is what Cast's castToString makes of v (of schema s, nil
// when schemaless): Date/Time/Timestamp in ISO 8601 (Values.dateFormatFor,
// UTC), bytes in base64, other values by their Java toString.
func javaToString(s *decode.Schema, v any) string {
	if s != nil {
		if ms, ok := logicalMillis(s, v); ok {
			return isoDate(ms)
		}
	}
	if text, ok := javaObjectString(s, v); ok {
		return text
	}
	if b, ok := v.([]byte); ok {
		return base64.StdEncoding.EncodeToString(b)
	}
	return fmt.Sprint(v)
}

// logicalMillis returns the epoch milliseconds of a Date, Time or
// Timestamp value (the java.util.Date Connect holds).
func logicalMillis(s *decode.Schema, v any) (int64, bool) {
	n, ok := v.(int64)
	if !ok {
		return 0, false
	}
	switch s.Name {
	case decode.ConnectDate:
		return n * millisPerDay, true
	case decode.ConnectTime, decode.ConnectTimestamp:
		return n, true
	}
	return 0, false
}

const millisPerDay = 24 * 60 * 60 * 1000

// isoDate is Values.dateFormatFor(d).format(d) in UTC.
func isoDate(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	switch {
	case ms < millisPerDay:
		return t.Format("15:04:05.000Z")
	case ms%millisPerDay == 0:
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}
