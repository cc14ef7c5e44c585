package transform

// Kafka's field transforms, as org.apache.kafka.connect.transforms of
// Kafka 3.9 implements them: ReplaceField, MaskField, InsertField,
// ValueToKey, ExtractField, HoistField and Flatten (classes of the same
// names, with their $Key/$Value variants; ValueToKey has none).
//
// Common rules (see /work/shared/spec/connect-transforms.md §1.1):
//   - Without a schema the operand must be a Map, with one a Struct
//     (requireMap / requireStruct, values.go).
//   - Copying a Struct field by field reads a null field as its schema's
//     default (Struct.get) unless replace.null.with.default=false (3.9+;
//     before 3.9 the option does not exist and the default is always
//     substituted). Flatten always substitutes.
//   - Rebuilt struct schemas keep the name, version, doc and parameters of
//     the original only (copySchemaBasics): they are required and have no
//     default.
//   - Schemaless outputs are new maps (a *decode.Struct with a nil Schema);
//     starcdc keeps the input's key order and appends new keys, where Java's
//     HashMap has no order.

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/starcdc/starcdc/decode"
)

const kafkaPkg = "org.apache.kafka.connect.transforms."

// ---------------------------------------------------------------------------
// ReplaceField (ReplaceField.java)

type replaceField struct {
	o                operand
	exclude, include map[string]bool
	renames, reverse map[string]string
	withDefault      bool
	cache            planCache[fieldPlan]
}

func newReplaceField(o operand, props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &replaceField{o: o, exclude: map[string]bool{}, include: map[string]bool{}, renames: map[string]string{}, reverse: map[string]string{}}
	// ConfigUtils.translateDeprecatedConfigs: whitelist and blacklist
	// (deprecated, removed in Kafka 4.0) stand for include and exclude
	// when those are not set.
	for _, pair := range [][2]string{{"exclude", "blacklist"}, {"include", "whitelist"}} {
		name := pair[0]
		if _, ok := props[name]; !ok {
			if _, ok := props[pair[1]]; ok {
				name = pair[1]
			}
		}
		l, _ := opts.list(name)
		set := t.exclude
		if pair[0] == "include" {
			set = t.include
		}
		for _, f := range l {
			set[f] = true
		}
	}
	if l, ok := opts.list("renames"); ok {
		// In configured order, a later mapping of the same name winning
		// (Kafka inverts a HashMap, in no defined order).
		for _, m := range l {
			parts := javaSplit(m, ":")
			if len(parts) != 2 {
				opts.bad("renames", props["renames"], "Invalid rename mapping: %s", m)
				continue
			}
			t.renames[parts[0]] = parts[1]
		}
		for _, m := range l {
			if parts := javaSplit(m, ":"); len(parts) == 2 && t.renames[parts[0]] == parts[1] {
				t.reverse[parts[1]] = parts[0]
			}
		}
	}
	t.withDefault = opts.replaceNullWithDefault()
	return t, opts.err()
}

func (t *replaceField) keep(name string) bool {
	return !t.exclude[name] && (len(t.include) == 0 || t.include[name])
}

func (t *replaceField) renamed(name string) string {
	if n, ok := t.renames[name]; ok {
		return n
	}
	return name
}

func (t *replaceField) reverseRenamed(name string) string {
	if n, ok := t.reverse[name]; ok {
		return n
	}
	return name
}

const purposeReplace = "field replacement"

func (t *replaceField) Apply(rec *Record) (*Record, error) {
	schema, v := t.o.get(rec)
	if v == nil {
		return rec, nil
	}
	if schema == nil {
		if err := requireMap(v, purposeReplace); err != nil {
			return nil, err
		}
		in := toSmap(v)
		out := newSmap()
		for i, k := range in.s.Names {
			if t.keep(k) {
				out.put(t.renamed(k), in.s.Values[i])
			}
		}
		t.o.set(rec, nil, out.s)
		return rec, nil
	}
	st, err := requireStruct(schema, v, purposeReplace)
	if err != nil {
		return nil, err
	}
	plan, err := t.cache.cached(st.Schema, func() (fieldPlan, error) {
		b := newStructBuilder(copySchemaBasics(st.Schema, decode.TypeStruct))
		for _, f := range st.Schema.Fields {
			if t.keep(f.Name) {
				if err := b.field(t.renamed(f.Name), f.Schema); err != nil {
					return fieldPlan{}, err
				}
			}
		}
		p := fieldPlan{schema: b.build()}
		for _, f := range p.schema.Fields {
			// Kafka reads each output field by reverse-renaming it.
			src := t.reverseRenamed(f.Name)
			p.src = append(p.src, fieldIndex(st.Schema, src))
			p.missing = append(p.missing, src)
		}
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	out, err := plan.fill(st, t.withDefault)
	if err != nil {
		return nil, err
	}
	t.o.set(rec, plan.schema, out)
	return rec, nil
}

// ---------------------------------------------------------------------------
// MaskField (MaskField.java)

type maskField struct {
	o           operand
	fields      []string // configured order, each once
	masked      map[string]bool
	replacement *string
	withDefault bool
}

func newMaskField(o operand, props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &maskField{o: o, masked: map[string]bool{}}
	for _, f := range opts.nonEmptyList("fields") {
		if !t.masked[f] {
			t.masked[f] = true
			t.fields = append(t.fields, f)
		}
	}
	if r, ok := opts.str("replacement"); ok {
		if r == "" {
			opts.bad("replacement", r, "String must be non-empty")
		}
		t.replacement = &r
	}
	t.withDefault = opts.replaceNullWithDefault()
	return t, opts.err()
}

const purposeMask = "mask fields"

// MaskField has no null check: a tombstone fails (requireMap/requireStruct
// of null).
func (t *maskField) Apply(rec *Record) (*Record, error) {
	schema, v := t.o.get(rec)
	if schema == nil {
		if err := requireMap(v, purposeMask); err != nil {
			return nil, err
		}
		m := toSmap(v)
		for _, f := range t.fields {
			mv, err := t.mask(nil, m.get(f))
			if err != nil {
				return nil, err
			}
			m.put(f, mv)
		}
		t.o.set(rec, nil, m.s)
		return rec, nil
	}
	st, err := requireStruct(schema, v, purposeMask)
	if err != nil {
		return nil, err
	}
	out := newStruct(st.Schema)
	for i, f := range st.Schema.Fields {
		fv := fieldValue(st, i, t.withDefault)
		if t.masked[f.Name] {
			if fv, err = t.mask(f.Schema, fv); err != nil {
				return nil, err
			}
		}
		if err := putField(out, i, fv); err != nil {
			return nil, err
		}
	}
	t.o.set(rec, schema, out)
	return rec, nil
}

// mask returns the masked value of v (of schema s, nil when schemaless),
// chosen by the Java class Connect holds it as.
func (t *maskField) mask(s *decode.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	class := javaClass(s, v)
	if t.replacement == nil {
		switch class {
		case "java.lang.Boolean":
			return false, nil
		case "java.lang.Byte", "java.lang.Short", "java.lang.Integer", classLong:
			return int64(0), nil
		case "java.lang.Float", classDouble:
			return float64(0), nil
		case classDecimal:
			return decode.Decimal{Unscaled: big.NewInt(0), Scale: 0}, nil
		case classDate:
			return int64(0), nil // new Date(0): day 0, midnight, the epoch
		case classString:
			return "", nil
		case classArrayList:
			return []any{}, nil
		case classHashMap:
			if _, ok := v.(map[string]any); ok {
				return map[string]any{}, nil
			}
			return &decode.Struct{}, nil
		}
		return nil, fmt.Errorf("Cannot mask value of type: class %s", class)
	}
	r := *t.replacement
	notNumber := fmt.Errorf("Unable to convert %s (class java.lang.String) to a number", r)
	switch class {
	case "java.lang.Byte", "java.lang.Short", "java.lang.Integer", classLong:
		d, ok := javaBigDecimal(r) // Values.convertToLong: new BigDecimal(s).longValue()
		if !ok {
			return nil, notNumber
		}
		n := bigLow64(decimalTruncated(d))
		switch class {
		case "java.lang.Byte":
			n = int64(int8(n))
		case "java.lang.Short":
			n = int64(int16(n))
		case "java.lang.Integer":
			n = int64(int32(n))
		}
		return n, nil
	case "java.lang.Float", classDouble:
		d, ok := javaBigDecimal(r)
		if !ok {
			return nil, notNumber
		}
		if class == "java.lang.Float" {
			return decimalFloat(d, 32), nil
		}
		return decimalFloat(d, 64), nil
	case classDecimal:
		d, ok := javaBigDecimal(r)
		if !ok {
			return nil, fmt.Errorf("Unable to convert %s (class java.lang.String) to number", r)
		}
		return d, nil
	case classString:
		return r, nil
	}
	return nil, fmt.Errorf("Cannot mask value of type class %s with custom replacement.", class)
}

// ---------------------------------------------------------------------------
// InsertField (InsertField.java)

type insertSpec struct {
	name     string
	optional bool
}

// parseInsertSpec reads "name", "name?" (optional, the default) or "name!"
// (required).
func parseInsertSpec(s string) *insertSpec {
	switch {
	case strings.HasSuffix(s, "?"):
		return &insertSpec{name: s[:len(s)-1], optional: true}
	case strings.HasSuffix(s, "!"):
		return &insertSpec{name: s[:len(s)-1]}
	}
	return &insertSpec{name: s, optional: true}
}

type insertField struct {
	o                                    operand
	topic, partition, offset, ts, static *insertSpec
	staticValue                          string
	withDefault                          bool
	cache                                schemaCache
}

func newInsertField(o operand, props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &insertField{o: o}
	spec := func(name string) *insertSpec {
		if v, ok := opts.str(name); ok {
			return parseInsertSpec(v)
		}
		return nil
	}
	t.topic, t.partition, t.offset = spec("topic.field"), spec("partition.field"), spec("offset.field")
	t.ts, t.static = spec("timestamp.field"), spec("static.field")
	sv, haveValue := opts.str("static.value")
	t.staticValue = sv
	t.withDefault = opts.replaceNullWithDefault()
	if t.topic == nil && t.partition == nil && t.offset == nil && t.ts == nil && t.static == nil {
		opts.fail("topic.field, partition.field, offset.field, timestamp.field, static.field", "No field insertion configured")
	}
	if t.static != nil && !haveValue {
		opts.fail("static.value", "No value specified for static field: %s", t.static.name)
	}
	return t, opts.err()
}

const purposeInsert = "field insertion"

func (t *insertField) Apply(rec *Record) (*Record, error) {
	schema, v := t.o.get(rec)
	if v == nil {
		return rec, nil
	}
	if schema == nil {
		if err := requireMap(v, purposeInsert); err != nil {
			return nil, err
		}
		m := toSmap(v)
		if t.topic != nil {
			m.put(t.topic.name, rec.Topic)
		}
		if t.partition != nil {
			m.put(t.partition.name, int64(rec.Partition))
		}
		if t.offset != nil {
			m.put(t.offset.name, rec.Offset)
		}
		if t.ts != nil && rec.Timestamp >= 0 {
			m.put(t.ts.name, rec.Timestamp)
		}
		if t.static != nil {
			m.put(t.static.name, t.staticValue)
		}
		t.o.set(rec, nil, m.s)
		return rec, nil
	}
	st, err := requireStruct(schema, v, purposeInsert)
	if err != nil {
		return nil, err
	}
	updated, err := t.cache.cached(st.Schema, func() (*decode.Schema, error) {
		b := newStructBuilder(copySchemaBasics(st.Schema, decode.TypeStruct))
		if err := b.fields(st.Schema); err != nil {
			return nil, err
		}
		for _, a := range []struct {
			spec   *insertSpec
			schema func(bool) *decode.Schema
		}{
			{t.topic, func(opt bool) *decode.Schema { return primitiveSchema(decode.TypeString, opt) }},
			{t.partition, func(opt bool) *decode.Schema { return primitiveSchema(decode.TypeInt32, opt) }},
			{t.offset, func(opt bool) *decode.Schema { return primitiveSchema(decode.TypeInt64, opt) }},
			{t.ts, timestampSchema},
			{t.static, func(opt bool) *decode.Schema { return primitiveSchema(decode.TypeString, opt) }},
		} {
			if a.spec != nil {
				if err := b.field(a.spec.name, a.schema(a.spec.optional)); err != nil {
					return nil, err
				}
			}
		}
		return b.build(), nil
	})
	if err != nil {
		return nil, err
	}
	out := newStruct(updated)
	for i := range st.Schema.Fields {
		if err := putField(out, i, fieldValue(st, i, t.withDefault)); err != nil {
			return nil, err
		}
	}
	puts := []struct {
		spec *insertSpec
		v    any
	}{{t.topic, rec.Topic}, {t.partition, int64(rec.Partition)}, {t.offset, rec.Offset}, {t.static, t.staticValue}}
	if rec.Timestamp >= 0 {
		puts = append(puts, struct {
			spec *insertSpec
			v    any
		}{t.ts, rec.Timestamp})
	}
	for _, p := range puts {
		if p.spec != nil {
			if err := putNamed(out, p.spec.name, p.v); err != nil {
				return nil, err
			}
		}
	}
	t.o.set(rec, updated, out)
	return rec, nil
}

// ---------------------------------------------------------------------------
// ValueToKey (ValueToKey.java; no $Key/$Value variants)

type valueToKey struct {
	fields      []string
	withDefault bool
	cache       planCache[fieldPlan]
}

func newValueToKey(props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &valueToKey{fields: opts.nonEmptyList("fields")}
	t.withDefault = opts.replaceNullWithDefault()
	return t, opts.err()
}

const purposeValueToKey = "copying fields from value to key"

func (t *valueToKey) Apply(rec *Record) (*Record, error) {
	if rec.Value.Schema == nil {
		if err := requireMap(rec.Value.Value, purposeValueToKey); err != nil {
			return nil, err
		}
		key := newSmap()
		for _, f := range t.fields {
			key.put(f, mapGet(rec.Value.Value, f))
		}
		keyOperand.set(rec, nil, key.s)
		return rec, nil
	}
	st, err := requireStruct(rec.Value.Schema, rec.Value.Value, purposeValueToKey)
	if err != nil {
		return nil, err
	}
	plan, err := t.cache.cached(st.Schema, func() (fieldPlan, error) {
		b := newStructBuilder(&decode.Schema{})
		var p fieldPlan
		for _, f := range t.fields {
			j := fieldIndex(st.Schema, f)
			if j < 0 {
				return p, fmt.Errorf("Field does not exist: %s", f)
			}
			if err := b.field(f, st.Schema.Fields[j].Schema); err != nil {
				return p, err
			}
			p.src = append(p.src, j)
		}
		p.schema = b.build()
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	key, err := plan.fill(st, t.withDefault)
	if err != nil {
		return nil, err
	}
	keyOperand.set(rec, plan.schema, key)
	valueOperand.set(rec, st.Schema, st)
	return rec, nil
}

// ---------------------------------------------------------------------------
// ExtractField (ExtractField.java, field/SingleFieldPath.java)

type extractField struct {
	o           operand
	field       string   // as configured (messages)
	path        []string // V1: [field]; V2: the dotted path's steps
	withDefault bool
}

func newExtractField(o operand, props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &extractField{o: o, field: opts.required("field")}
	// field.syntax.version (Kafka 3.8+, KIP-821): V1 reads field as one
	// name, V2 as a dotted path with backtick-quoted steps.
	switch opts.enumFold("field.syntax.version", "V1", "V1", "V2") {
	case "V1":
		t.path = []string{t.field}
	case "V2":
		p, err := fieldPathV2(t.field)
		if err != nil {
			opts.bad("field", t.field, "%v", err)
		}
		if len(p) == 0 { // "": no step; Kafka fails each record, starcdc finds no field
			p = []string{""}
		}
		t.path = p
	}
	t.withDefault = opts.replaceNullWithDefault()
	return t, opts.err()
}

// fieldPathV2 splits a V2 field path (SingleFieldPath.buildFieldPathV2):
// steps are separated by dots; a step in backticks may contain dots, and
// a backtick inside it that is followed by a dot is escaped with a
// backslash.
func fieldPathV2(path string) ([]string, error) {
	var steps []string
	incomplete := func(at int) error {
		return fmt.Errorf("Incomplete backtick pair in path: [%s], consider adding a backslash before backtick at position %d to escape it", path, at)
	}
	idx := 0
	for idx < len(path) && idx >= 0 {
		if path[idx] != '`' {
			start := idx
			dot := strings.IndexByte(path[idx:], '.')
			if dot >= 0 {
				idx += dot
				steps = append(steps, path[start:idx])
				idx++
			} else {
				steps = append(steps, path[start:])
				idx = -1
			}
			continue
		}
		backtickAt := idx
		idx++
		var field strings.Builder
		start := idx
		for {
			next := strings.IndexByte(path[idx:], '`')
			if next < 0 {
				return nil, incomplete(backtickAt)
			}
			idx += next
			escaped := path[idx-1] == '\\'
			if idx >= len(path)-1 {
				if escaped {
					return nil, incomplete(backtickAt)
				}
				field.WriteString(path[start:idx])
				steps = append(steps, field.String())
				idx++
				break
			}
			if path[idx+1] != '.' {
				idx++
				continue
			}
			if escaped {
				field.WriteString(path[start : idx-1])
				field.WriteByte('`')
				idx++
				start = idx
				continue
			}
			field.WriteString(path[start:idx])
			steps = append(steps, field.String())
			idx += 2
			break
		}
	}
	if path != "" && path[len(path)-1] == '.' {
		steps = append(steps, "")
	}
	return steps, nil
}

const purposeExtract = "field extraction"

func (t *extractField) Apply(rec *Record) (*Record, error) {
	schema, v := t.o.get(rec)
	last := t.path[len(t.path)-1]
	if schema == nil {
		if v != nil {
			if err := requireMap(v, purposeExtract); err != nil {
				return nil, err
			}
		}
		cur := v
		for _, step := range t.path[:len(t.path)-1] {
			if cur == nil {
				break
			}
			cur = mapGet(cur, step)
			if cur != nil && !isMap(cur) {
				return nil, requireMap(cur, "nested field access")
			}
		}
		var out any
		if cur != nil {
			out = mapGet(cur, last)
		}
		t.o.set(rec, nil, out)
		return rec, nil
	}
	var st *decode.Struct
	if v != nil {
		var err error
		if st, err = requireStruct(schema, v, purposeExtract); err != nil {
			return nil, err
		}
	}
	// SingleFieldPath.fieldFrom
	cur := schema
	var field *decode.Field
	for i, step := range t.path {
		if cur.Type != decode.TypeStruct {
			return nil, fmt.Errorf("Cannot look up fields on non-struct type")
		}
		field = cur.Field(step)
		if field == nil {
			break
		}
		if i < len(t.path)-1 {
			cur = field.Schema
		}
	}
	if field == nil {
		return nil, fmt.Errorf("Unknown field: %s", t.field)
	}
	// SingleFieldPath.valueFrom(Struct): intermediate structs are read
	// with Struct.get (default substitution), the last step as configured.
	var out any
	for i, step := range t.path {
		if st == nil {
			break
		}
		j := fieldIndex(st.Schema, step)
		if j < 0 {
			st = nil
			break
		}
		if i == len(t.path)-1 {
			out = fieldValue(st, j, t.withDefault)
			break
		}
		sub := fieldValue(st, j, true)
		if sub == nil {
			break
		}
		next, err := requireStruct(st.Schema.Fields[j].Schema, sub, "nested field access")
		if err != nil {
			return nil, err
		}
		st = next
	}
	t.o.set(rec, field.Schema, out)
	return rec, nil
}

// ---------------------------------------------------------------------------
// HoistField (HoistField.java)

type hoistField struct {
	o     operand
	field string
	cache schemaCache
}

func newHoistField(o operand, props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &hoistField{o: o, field: opts.required("field")}
	return t, opts.err()
}

// Apply wraps the operand, null included: a tombstone stops being one.
func (t *hoistField) Apply(rec *Record) (*Record, error) {
	schema, v := t.o.get(rec)
	if schema == nil {
		m := newSmap()
		m.put(t.field, v)
		t.o.set(rec, nil, m.s)
		return rec, nil
	}
	updated, _ := t.cache.cached(schema, func() (*decode.Schema, error) {
		b := newStructBuilder(&decode.Schema{})
		_ = b.field(t.field, schema)
		return b.build(), nil
	})
	out := newStruct(updated)
	if err := putField(out, 0, v); err != nil {
		return nil, err
	}
	t.o.set(rec, updated, out)
	return rec, nil
}

// ---------------------------------------------------------------------------
// Flatten (Flatten.java)

type flatten struct {
	o         operand
	delimiter string
	cache     schemaCache
}

func newFlatten(o operand, props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &flatten{o: o, delimiter: opts.strDefault("delimiter", ".")}
	return t, opts.err()
}

const purposeFlatten = "flattening"

func (t *flatten) name(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + t.delimiter + field
}

func (t *flatten) Apply(rec *Record) (*Record, error) {
	schema, v := t.o.get(rec)
	if v == nil {
		return rec, nil
	}
	if schema == nil {
		if err := requireMap(v, purposeFlatten); err != nil {
			return nil, err
		}
		out := newSmap()
		if err := t.schemaless(toSmap(v), "", &out); err != nil {
			return nil, err
		}
		t.o.set(rec, nil, out.s)
		return rec, nil
	}
	st, err := requireStruct(schema, v, purposeFlatten)
	if err != nil {
		return nil, err
	}
	updated, err := t.cache.cached(schema, func() (*decode.Schema, error) {
		b := newStructBuilder(copySchemaBasics(schema, decode.TypeStruct))
		def, _ := schema.Default.(*decode.Struct)
		if err := t.buildSchema(schema, "", b, schema.Optional, def); err != nil {
			return nil, err
		}
		return b.build(), nil
	})
	if err != nil {
		return nil, err
	}
	out := newStruct(updated)
	if err := t.buildValue(st, "", out); err != nil {
		return nil, err
	}
	t.o.set(rec, updated, out)
	return rec, nil
}

func (t *flatten) schemaless(in smap, prefix string, out *smap) error {
	for i, k := range in.s.Names {
		name := t.name(prefix, k)
		v := in.s.Values[i]
		if v == nil {
			out.put(name, nil)
			continue
		}
		typ, ok := schemalessType(v)
		if !ok {
			return fmt.Errorf("Flatten transformation was passed a value of type %s which is not supported by Connect's data API", javaClassOf(nil, v))
		}
		switch typ {
		case decode.TypeMap:
			if err := t.schemaless(toSmap(v), name, out); err != nil {
				return err
			}
		case decode.TypeStruct:
			return fmt.Errorf("Flatten transformation does not support %s for record without schemas (for field %s).", javaClassOf(nil, v), name)
		default:
			out.put(name, v)
		}
	}
	return nil
}

// isFlattenLeaf reports whether Flatten copies a field of type t as is.
func isFlattenLeaf(t decode.Type) bool {
	switch t {
	case decode.TypeInt8, decode.TypeInt16, decode.TypeInt32, decode.TypeInt64, decode.TypeFloat32, decode.TypeFloat64,
		decode.TypeBoolean, decode.TypeString, decode.TypeBytes, decode.TypeArray:
		return true
	}
	return false
}

// buildSchema adds the leaves of s: a leaf is optional when it or an
// ancestor is, and takes its own default or else the one its parent's
// default struct holds for it.
func (t *flatten) buildSchema(s *decode.Schema, prefix string, b *structBuilder, optional bool, parentDefault *decode.Struct) error {
	for i, f := range s.Fields {
		name := t.name(prefix, f.Name)
		fieldOptional := optional || f.Schema.Optional
		var def any
		switch {
		case f.Schema.Default != nil:
			def = f.Schema.Default
		case parentDefault != nil:
			def = rawField(parentDefault, i)
		}
		switch {
		case isFlattenLeaf(f.Schema.Type):
			leaf := copySchemaBasicsOf(f.Schema)
			leaf.Optional = fieldOptional
			leaf.Default = def
			if err := b.field(name, leaf); err != nil {
				return err
			}
		case f.Schema.Type == decode.TypeStruct:
			d, _ := def.(*decode.Struct)
			if err := t.buildSchema(f.Schema, name, b, fieldOptional, d); err != nil {
				return err
			}
		default:
			return fmt.Errorf("Flatten transformation does not support %s for record with schemas (for field %s).", javaTypeName(f.Schema.Type), name)
		}
	}
	return nil
}

// buildValue copies the leaves of st; a null nested struct leaves its
// leaves null (Struct.getStruct reads no default).
func (t *flatten) buildValue(st *decode.Struct, prefix string, out *decode.Struct) error {
	if st == nil {
		return nil
	}
	for i, f := range st.Schema.Fields {
		name := t.name(prefix, f.Name)
		switch {
		case isFlattenLeaf(f.Schema.Type):
			if err := putNamed(out, name, fieldValue(st, i, true)); err != nil {
				return err
			}
		case f.Schema.Type == decode.TypeStruct:
			sub, _ := rawField(st, i).(*decode.Struct)
			if err := t.buildValue(sub, name, out); err != nil {
				return err
			}
		default:
			return fmt.Errorf("Flatten transformation does not support %s for record with schemas (for field %s).", javaTypeName(f.Schema.Type), name)
		}
	}
	return nil
}
