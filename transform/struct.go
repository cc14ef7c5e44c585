package transform

// Connect schemas and structs for the transforms: what Kafka's SchemaUtil,
// SchemaBuilder and Struct do that the transforms rely on (values.go says
// how values are represented).
//
//   - copySchemaBasics: SchemaUtil.copySchemaBasics, a new schema with the
//     name, version, doc and parameters of the source only; it is required
//     and has no default unless the caller sets them.
//   - structBuilder: SchemaBuilder.struct().field(...), refusing a second
//     field of the same name ("Cannot create field because of field name
//     duplication x").
//   - newStruct / putField: new Struct(schema) and Struct.put, which refuses
//     a null for a required field ("Invalid value: null used for required
//     field: ...").
//   - structGet: Struct.get (a null field reads as its schema's default)
//     and Struct.getWithoutDefault; structGetTyped: Struct.getString,
//     getInt32, ... (type-checked, no default).
//   - schemaEqual: ConnectSchema.equals.
//   - operand: the key or the value of a record ($Key / $Value).
//   - keyedCache / planCache / schemaCache: the per-transform cache of
//     rebuilt schemas (and precomputed field lookups), so that the records
//     of one input schema share one output schema, as they share their
//     decoded schema.
//
// Decoded schemas and struct Names are shared between records: nothing
// here modifies a schema or struct it was given.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/starcdc/starcdc/decode"
)

// copySchemaBasics returns a required schema of type t, without default,
// with src's name, version, doc and parameters (SchemaUtil.copySchemaBasics
// with a builder of type t).
func copySchemaBasics(src *decode.Schema, t decode.Type) *decode.Schema {
	return &decode.Schema{Type: t, Name: src.Name, Version: src.Version, Doc: src.Doc, Parameters: maps.Clone(src.Parameters)}
}

// copySchemaBasicsOf is the one-argument SchemaUtil.copySchemaBasics: a
// builder of src's type (an array keeps its element schema; a map or struct
// gets no key, value or field schemas) with src's basics.
func copySchemaBasicsOf(src *decode.Schema) *decode.Schema {
	s := copySchemaBasics(src, src.Type)
	if src.Type == decode.TypeArray {
		s.Items = src.Items
	}
	return s
}

// withOptional returns s, or a copy of it that is optional.
func withOptional(s *decode.Schema, optional bool) *decode.Schema {
	if s.Optional == optional {
		return s
	}
	c := *s
	c.Optional = optional
	return &c
}

// primitiveSchema returns a new plain schema of type t (SchemaBuilder.int8()
// and friends), optional if asked.
func primitiveSchema(t decode.Type, optional bool) *decode.Schema {
	return &decode.Schema{Type: t, Optional: optional}
}

// The logical schemas of Connect's Timestamp, Date and Time.
func timestampSchema(optional bool) *decode.Schema {
	return &decode.Schema{Type: decode.TypeInt64, Name: decode.ConnectTimestamp, Version: 1, Optional: optional}
}

func dateSchema(optional bool) *decode.Schema {
	return &decode.Schema{Type: decode.TypeInt32, Name: decode.ConnectDate, Version: 1, Optional: optional}
}

func timeSchema(optional bool) *decode.Schema {
	return &decode.Schema{Type: decode.TypeInt32, Name: decode.ConnectTime, Version: 1, Optional: optional}
}

// structBuilder builds a struct schema field by field.
type structBuilder struct {
	s    *decode.Schema
	seen map[string]bool
}

// newStructBuilder starts a struct schema from basics (its Type is set to
// struct; its Fields are replaced).
func newStructBuilder(basics *decode.Schema) *structBuilder {
	basics.Type = decode.TypeStruct
	basics.Fields = nil
	return &structBuilder{s: basics, seen: map[string]bool{}}
}

// field appends a field; an empty name, a nil schema and a second field of
// the same name are the errors SchemaBuilder.field raises.
func (b *structBuilder) field(name string, fs *decode.Schema) error {
	if name == "" {
		return fmt.Errorf("fieldName cannot be null.")
	}
	if fs == nil {
		return fmt.Errorf("fieldSchema for field %s cannot be null.", name)
	}
	if b.seen[name] {
		return fmt.Errorf("Cannot create field because of field name duplication %s", name)
	}
	b.seen[name] = true
	b.s.Fields = append(b.s.Fields, decode.Field{Name: name, Index: len(b.s.Fields), Schema: fs})
	return nil
}

// has reports whether the schema has a field of that name already.
func (b *structBuilder) has(name string) bool { return b.seen[name] }

// fields appends the fields of s, with their schemas.
func (b *structBuilder) fields(s *decode.Schema) error { return b.fieldsWith(s, nil) }

// fieldsWith appends the fields of s, each with the schema replace returns
// for it (nil: the field's own), as the transforms that convert some
// fields of a struct build their schema.
func (b *structBuilder) fieldsWith(s *decode.Schema, replace func(decode.Field) *decode.Schema) error {
	for _, f := range s.Fields {
		fs := f.Schema
		if replace != nil {
			if r := replace(f); r != nil {
				fs = r
			}
		}
		if err := b.field(f.Name, fs); err != nil {
			return err
		}
	}
	return nil
}

func (b *structBuilder) build() *decode.Schema { return b.s }

// newStruct returns an empty Struct of schema s (all fields null).
func newStruct(s *decode.Schema) *decode.Struct {
	st := &decode.Struct{Schema: s, Names: make([]string, len(s.Fields)), Values: make([]any, len(s.Fields))}
	for i, f := range s.Fields {
		st.Names[i] = f.Name
	}
	return st
}

// putField sets field i of st, refusing null for a required field as
// Struct.put does.
func putField(st *decode.Struct, i int, v any) error {
	f := st.Schema.Fields[i]
	if v == nil && !f.Schema.Optional {
		return fmt.Errorf("Invalid value: null used for required field: \"%s\", schema type: %s", f.Name, javaTypeName(f.Schema.Type))
	}
	st.Values[i] = v
	return nil
}

// putNamed is putField by field name; a name the schema lacks is the error
// Struct.put(String, Object) raises.
func putNamed(st *decode.Struct, name string, v any) error {
	for i, f := range st.Schema.Fields {
		if f.Name == name {
			return putField(st, i, v)
		}
	}
	return fmt.Errorf("%s is not a valid field name", name)
}

// rawField returns the stored value of field i of st's schema.
func rawField(st *decode.Struct, i int) any {
	name := st.Schema.Fields[i].Name
	if i < len(st.Names) && st.Names[i] == name {
		return st.Values[i]
	}
	for j, n := range st.Names {
		if n == name {
			return st.Values[j]
		}
	}
	return nil
}

// fieldValue is Struct.get(field) (withDefault: a null reads as the
// field's default) or Struct.getWithoutDefault, for field i of st's schema.
func fieldValue(st *decode.Struct, i int, withDefault bool) any {
	v := rawField(st, i)
	if v == nil && withDefault {
		return st.Schema.Fields[i].Schema.Default
	}
	return v
}

// fieldPlan is a rebuilt struct schema with, for each of its fields, the
// index of the input field it is read from (-1: none; missing names it).
type fieldPlan struct {
	schema  *decode.Schema
	src     []int
	missing []string
}

// fill builds the Struct of the plan's schema from st, each field read
// with Struct.get (withDefault) or getWithoutDefault and set with
// Struct.put's check; a field with no source is Struct.get's error.
func (p fieldPlan) fill(st *decode.Struct, withDefault bool) (*decode.Struct, error) {
	out := newStruct(p.schema)
	for i, j := range p.src {
		if j < 0 {
			return nil, fmt.Errorf("%s is not a valid field name", p.missing[i])
		}
		if err := putField(out, i, fieldValue(st, j, withDefault)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fieldIndex returns the index of the named field of s, or -1.
func fieldIndex(s *decode.Schema, name string) int {
	for i, f := range s.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// structGet is Struct.get(name) or getWithoutDefault(name): a name the
// schema lacks is an error.
func structGet(st *decode.Struct, name string, withDefault bool) (any, error) {
	i := fieldIndex(st.Schema, name)
	if i < 0 {
		return nil, fmt.Errorf("%s is not a valid field name", name)
	}
	return fieldValue(st, i, withDefault), nil
}

// structGetTyped is Struct.getString, getInt32, getStruct, ...: the field
// must exist and have type t; the stored value is returned without
// default substitution (Struct.getCheckType).
func structGetTyped(st *decode.Struct, name string, t decode.Type) (any, error) {
	i := fieldIndex(st.Schema, name)
	if i < 0 {
		return nil, fmt.Errorf("%s is not a valid field name", name)
	}
	if st.Schema.Fields[i].Schema.Type != t {
		return nil, fmt.Errorf("Field '%s' is not of type %s", name, javaTypeName(t))
	}
	return rawField(st, i), nil
}

// schemaEqual is ConnectSchema.equals: type, optionality, default, name,
// version, doc, parameters, and the field, key, value and element schemas.
func schemaEqual(a, b *decode.Schema) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	return schemaKey(a) == schemaKey(b)
}

// schemaKey renders a schema canonically, so that schemas equal as
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

// operand is the part of a record a $Key or $Value transform works on.
type operand bool

const (
	keyOperand   operand = true
	valueOperand operand = false
)

func (o operand) get(r *Record) (*decode.Schema, any) {
	if o == keyOperand {
		return r.Key.Schema, r.Key.Value
	}
	return r.Value.Schema, r.Value.Value
}

// set replaces the operand's schema and value. The registry schema ID is
// kept only while the schema is the one decoded.
func (o operand) set(r *Record, s *decode.Schema, v any) {
	d := &r.Value
	if o == keyOperand {
		d = &r.Key
	}
	id := d.SchemaID
	if s != d.Schema {
		id = 0
	}
	*d = decode.Record{Schema: s, Value: v, SchemaID: id}
}

// keyValue registers a transform under its $Key and $Value class names.
func keyValue(class string, f func(o operand, props map[string]string) (Transformation, error)) map[string]TransformFactory {
	return map[string]TransformFactory{
		class + "$Key":   func(p map[string]string) (Transformation, error) { return f(keyOperand, p) },
		class + "$Value": func(p map[string]string) (Transformation, error) { return f(valueOperand, p) },
	}
}

// maxCachedSchemas bounds a keyedCache.
const maxCachedSchemas = 256

// keyedCache maps a key (the input schema, or the input schema with what
// else decides the output) to what a transform built for it (the rebuilt
// schema, with whatever lookups the transform precomputes), as Kafka's and
// Debezium's transforms cache their updated schemas. It is safe for
// concurrent use; bounded, it starts over when full; errors are not
// cached.
type keyedCache[K comparable, T any] struct {
	mu sync.Mutex
	m  map[K]T
}

// planCache maps an input schema to what a transform built from it.
type planCache[T any] = keyedCache[*decode.Schema, T]

// schemaCache caches a rebuilt schema per input schema.
type schemaCache = planCache[*decode.Schema]

// cached returns what was built for k, building it with build on a miss.
func (c *keyedCache[K, T]) cached(k K, build func() (T, error)) (T, error) {
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedSchemas {
		c.m = map[K]T{}
	}
	c.m[k] = v
	return v, nil
}
