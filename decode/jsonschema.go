package decode

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// jsonSchemaConverter is Confluent's io.confluent.connect.json.JsonSchemaConverter:
// the record is the Confluent prefix plus plain JSON text; the registered
// JSON Schema is mapped to Kafka Connect as JsonSchemaData.toConnectSchema
// does (title → name, connect.type, connect.index, connect.parameters,
// oneOf [null, S] → optional S, $ref to local definitions and to registered
// references). Values are coerced as JsonConverter does: bytes and decimals
// base64 (or decimals as JSON numbers with decimal.format=NUMERIC, or as
// decimal strings). The payload is not validated against the schema, as
// Confluent's deserializer does not by default.
type jsonSchemaConverter struct {
	schemas *registrySchemas[*Schema]
	conv    JSONConverter
	plans   schemaCache[*jsonFlat] // by schema ID: the flat plan of schemas' entry (jsonflat.go)
}

// newJSONSchemaConverter returns a jsonSchemaConverter reading schemas from
// the registry named by props.
func (r *Registries) newJSONSchemaConverter(props map[string]string) (*jsonSchemaConverter, error) {
	schemas, err := newRegistrySchemas(r, ClassJSONSchema, kindJSON, props, func(_ context.Context, raw *rawSchema) (*Schema, error) {
		s, err := compileJSONSchema(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", raw.id, err)
		}
		return s, nil
	})
	if err != nil {
		return nil, err
	}
	replace, err := boolProp(props, "replace.null.with.default", false)
	if err != nil {
		return nil, err
	}
	return &jsonSchemaConverter{schemas: schemas, conv: JSONConverter{SchemasEnable: true, ReplaceNullWithDefault: replace}}, nil
}

// Decode implements Converter.
func (c *jsonSchemaConverter) Decode(ctx context.Context, _ string, data []byte) (Record, error) {
	if data == nil { // a tombstone; an empty value is not one and fails framing
		return Record{}, nil
	}
	id, payload, err := parseConfluentHeader(ClassJSONSchema, data)
	if err != nil {
		return Record{}, err
	}
	schema, err := c.schemas.get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	p := jsonParser{b: payload}
	var buf [8]jelem
	path := rootPath(&buf)
	v, err := c.conv.decodeDirect(&p, schema, &path, 0)
	if err == nil {
		if p.ws(); p.pos != len(p.b) {
			err = fmt.Errorf("%w: trailing data after the JSON document", ErrMalformed)
		}
	}
	if err != nil {
		return Record{}, fmt.Errorf("%s: %w", id, err)
	}
	return Record{Schema: schema, Value: v, SchemaID: id.recordID()}, nil
}

// jsonSchemaBuilder resolves $ref against the main document and the
// registered references (keyed by reference name).
type jsonSchemaBuilder struct {
	docs  map[string]*Struct // reference name → parsed document
	main  *Struct
	stack map[*Struct]bool
}

func compileJSONSchema(raw *rawSchema) (*Schema, error) {
	b := &jsonSchemaBuilder{docs: map[string]*Struct{}, stack: map[*Struct]bool{}}
	for _, ref := range raw.refs {
		doc, err := parseSchemaDoc(ref.text)
		if err != nil {
			return nil, fmt.Errorf("referenced JSON schema %q: %w", ref.name, err)
		}
		b.docs[ref.name] = doc
		if id, ok := doc.Get("$id"); ok {
			if s, ok := id.(string); ok {
				b.docs[s] = doc
			}
		}
	}
	doc, err := parseSchemaDoc(raw.text)
	if err != nil {
		return nil, err
	}
	b.main = doc
	return b.build(doc, doc, 0)
}

func parseSchemaDoc(text string) (*Struct, error) {
	t, err := parseJSON([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("JSON schema does not parse: %w", err)
	}
	doc, ok := t.(*Struct)
	if !ok {
		return nil, fmt.Errorf("%w: a JSON schema must be an object", ErrMalformed)
	}
	return doc, nil
}

func getStr(o *Struct, k string) string {
	v, _ := o.Get(k)
	s, _ := v.(string)
	return s
}

// resolve follows $ref (local "#/definitions/X", "#/$defs/X", or a
// reference name with an optional fragment) and returns the target with the
// document it lives in.
func (b *jsonSchemaBuilder) resolve(o, doc *Struct) (*Struct, *Struct, error) {
	for i := 0; i < 32; i++ {
		ref := getStr(o, "$ref")
		if ref == "" {
			return o, doc, nil
		}
		base, frag, _ := strings.Cut(ref, "#")
		if base != "" {
			d, ok := b.docs[base]
			if !ok {
				// Try the last path element: references are often registered by file name.
				if u, err := url.Parse(base); err == nil {
					d, ok = b.docs[u.Path[strings.LastIndexByte(u.Path, '/')+1:]]
				}
				if !ok {
					return nil, nil, fmt.Errorf("%w: $ref %q names no registered reference", ErrMalformed, ref)
				}
			}
			doc = d
		}
		target := doc
		for _, part := range strings.Split(strings.Trim(frag, "/"), "/") {
			if part == "" {
				continue
			}
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			next, _ := target.Get(part)
			nt, ok := next.(*Struct)
			if !ok {
				return nil, nil, fmt.Errorf("%w: $ref %q does not resolve", ErrMalformed, ref)
			}
			target = nt
		}
		o = target
	}
	return nil, nil, fmt.Errorf("%w: $ref chain too long", ErrMalformed)
}

func (b *jsonSchemaBuilder) build(o, doc *Struct, depth int) (*Schema, error) {
	if depth > maxSchemaDepth {
		return nil, fmt.Errorf("%w: JSON schema nests deeper than %d", ErrUnsupported, maxSchemaDepth)
	}
	o, doc, err := b.resolve(o, doc)
	if err != nil {
		return nil, err
	}
	if b.stack[o] {
		return nil, fmt.Errorf("%w: recursive JSON schema has no Kafka Connect equivalent", ErrUnsupported)
	}
	b.stack[o] = true
	defer delete(b.stack, o)

	// oneOf / anyOf with a null branch → optional.
	for _, key := range []string{"oneOf", "anyOf"} {
		v, ok := o.Get(key)
		if !ok {
			continue
		}
		arr, _ := v.([]any)
		var nonNull []*Struct
		hasNull := false
		for _, e := range arr {
			eo, ok := e.(*Struct)
			if !ok {
				return nil, fmt.Errorf("%w: %s entries must be schemas", ErrMalformed, key)
			}
			ro, _, err := b.resolve(eo, doc)
			if err != nil {
				return nil, err
			}
			if getStr(ro, "type") == "null" {
				hasNull = true
				continue
			}
			nonNull = append(nonNull, eo)
		}
		if len(nonNull) != 1 {
			return nil, fmt.Errorf("%w: a JSON schema %s with %d non-null branches (a Connect union) is not supported", ErrUnsupported, key, len(nonNull))
		}
		s, err := b.build(nonNull[0], doc, depth+1)
		if err != nil {
			return nil, err
		}
		s.Optional = s.Optional || hasNull
		b.applyCommon(s, o)
		return s, nil
	}

	s := &Schema{}
	typ, _ := o.Get("type")
	var tname string
	switch t := typ.(type) {
	case string:
		tname = t
	case []any: // ["null", "string"]
		for _, e := range t {
			if es, _ := e.(string); es == "null" {
				s.Optional = true
			} else {
				tname = es
			}
		}
	}
	ct := getStr(o, connectTypeProp)
	title := getStr(o, "title")
	switch tname {
	case "integer":
		s.Type = connectInt(TypeInt64, ct)
	case "number":
		s.Type = TypeFloat64
		if ct == "float32" {
			s.Type = TypeFloat32
		}
		if title == ConnectDecimal { // decimal.format=NUMERIC
			s.Type = TypeBytes
		}
	case "boolean":
		s.Type = TypeBoolean
	case "string":
		s.Type = TypeString
		if ct == "bytes" {
			s.Type = TypeBytes
		}
	case "array":
		items, _ := o.Get("items")
		io, ok := items.(*Struct)
		if !ok {
			return nil, fmt.Errorf("%w: JSON schema array without an \"items\" schema", ErrUnsupported)
		}
		is, err := b.build(io, doc, depth+1)
		if err != nil {
			return nil, err
		}
		if ct == "map" && is.Type == TypeStruct && len(is.Fields) == 2 && is.Field("key") != nil && is.Field("value") != nil {
			s.Type, s.Keys, s.Values = TypeMap, is.Field("key").Schema, is.Field("value").Schema
			break
		}
		s.Type, s.Items = TypeArray, is
	case "object", "":
		if ct == "map" {
			ap, _ := o.Get("additionalProperties")
			apo, ok := ap.(*Struct)
			if !ok {
				return nil, fmt.Errorf("%w: JSON schema map without an \"additionalProperties\" schema", ErrUnsupported)
			}
			vs, err := b.build(apo, doc, depth+1)
			if err != nil {
				return nil, err
			}
			s.Type, s.Keys, s.Values = TypeMap, &Schema{Type: TypeString}, vs
			break
		}
		props, _ := o.Get("properties")
		po, ok := props.(*Struct)
		if !ok {
			if tname == "" {
				return nil, fmt.Errorf("%w: JSON schema without a \"type\" (an open schema) has no Kafka Connect equivalent", ErrUnsupported)
			}
			po = &Struct{}
		}
		s.Type = TypeStruct
		type fld struct {
			name  string
			index int
			pos   int
			s     *Schema
		}
		fields := make([]fld, 0, len(po.Names))
		for i, name := range po.Names {
			fo, ok := po.Values[i].(*Struct)
			if !ok {
				return nil, fmt.Errorf("%w: JSON schema property %q is not a schema", ErrUnsupported, name)
			}
			fs, err := b.build(fo, doc, depth+1)
			if err != nil {
				return nil, fmt.Errorf("property %s: %w", name, err)
			}
			idx := i
			if v, ok := fo.Get("connect.index"); ok {
				if n, ok := v.(json.Number); ok {
					if k, err := strconv.Atoi(string(n)); err == nil {
						idx = k
					}
				}
			}
			fields = append(fields, fld{name, idx, i, fs})
		}
		sort.SliceStable(fields, func(i, j int) bool { return fields[i].index < fields[j].index })
		for i, f := range fields {
			s.Fields = append(s.Fields, Field{Name: f.name, Index: i, Schema: f.s})
		}
	case "null":
		s.Type, s.Optional = TypeString, true
	default:
		return nil, fmt.Errorf("%w: JSON schema type %q", ErrUnsupported, tname)
	}
	s.Name = title
	b.applyCommon(s, o)
	return s, nil
}

// applyCommon reads connect.version, connect.parameters, description and
// default.
func (b *jsonSchemaBuilder) applyCommon(s *Schema, o *Struct) {
	if v, ok := o.Get("connect.version"); ok {
		if n, ok := v.(json.Number); ok {
			if k, err := strconv.Atoi(string(n)); err == nil {
				s.Version = k
			}
		}
	}
	if v, ok := o.Get("connect.parameters"); ok {
		if p, ok := v.(*Struct); ok {
			if s.Parameters == nil {
				s.Parameters = make(map[string]string, len(p.Names))
			}
			for i, k := range p.Names {
				if str, ok := p.Values[i].(string); ok {
					s.Parameters[k] = str
				}
			}
		}
	}
	if d := getStr(o, "description"); d != "" {
		s.Doc = d
	}
	if v, ok := o.Get("default"); ok && v != nil {
		c := JSONConverter{}
		if d, err := c.convert(s, v, "default"); err == nil {
			s.Default = d
		}
	}
}
