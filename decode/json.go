package decode

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
)

// JSONConverter is Kafka's org.apache.kafka.connect.json.JsonConverter.
// With SchemasEnable each message is {"schema":S,"payload":P}; without it the
// message is the bare payload, decoded schemaless. Parsed schemas are cached
// by their exact text (bounded), so records of one table share one *Schema.
//
// A nil value is a tombstone. An empty (or whitespace-only) non-nil value is
// decoded as Kafka's converter does, where Jackson reads it as a missing
// node: an error with SchemasEnable (it is no envelope), a null value
// without.
type JSONConverter struct {
	SchemasEnable bool
	// ReplaceNullWithDefault replaces a null field that has a schema default
	// by that default, as Kafka's converter does when
	// replace.null.with.default=true. starcdc defaults it to false: a NULL
	// column stays NULL.
	ReplaceNullWithDefault bool

	mu      sync.RWMutex
	schemas map[string]*jsonCached
	gen     atomic.Uint64 // counts the resets of schemas
	recent  jsonRecent    // the entries DecodeFlat found last (jsonflat.go)
}

// jsonCached is one entry of JSONConverter's schema cache: the parsed
// schema and, beside it, its flat plan, compiled on the first DecodeFlat
// of a record naming it (jsonflat.go). An entry is never replaced in the
// map, so one schema text has one *Schema until the cache is reset.
type jsonCached struct {
	raw    string // the schema text, the entry's key
	gen    uint64 // the cache generation the entry belongs to
	schema *Schema
	flat   jsonFlatOnce
}

// maxCachedSchemas bounds JSONConverter's schema cache.
const maxCachedSchemas = 1024

const errEnvelopeShape = "JsonConverter with schemas.enable=true requires \"schema\" and \"payload\" fields and may not contain additional fields; set value.converter.schemas.enable=false if the topic holds plain JSON"

// Decode implements Converter.
func (c *JSONConverter) Decode(_ context.Context, _ string, data []byte) (Record, error) {
	if data == nil {
		return Record{}, nil // a tombstone
	}
	if len(bytes.TrimLeft(data, " \t\r\n")) == 0 {
		if c.SchemasEnable {
			return Record{}, fmt.Errorf("%w: empty value, not a tombstone: %s", ErrMalformed, errEnvelopeShape)
		}
		return Record{}, nil
	}
	if len(data) >= 5 && data[0] == 0 {
		return Record{}, fmt.Errorf("%w: the record starts with the Confluent wire-format prefix (magic byte 0, schema ID %d), not JSON; set the converter class to %s, %s or %s to match the producer's serializer",
			ErrMalformed, binary.BigEndian.Uint32(data[1:5]), ClassAvro, ClassProtobuf, ClassJSONSchema)
	}
	if !c.SchemasEnable {
		tree, err := parseJSON(data)
		if err != nil {
			return Record{}, err
		}
		return Record{Value: tree}, nil
	}
	p := jsonParser{b: data}
	p.ws()
	if p.pos < len(p.b) && p.b[p.pos] != '{' {
		tree, err := parseJSON(data)
		if err != nil {
			return Record{}, err
		}
		if tree == nil {
			return Record{}, nil // the text null: Kafka's converter reads it as a null value
		}
		return Record{}, fmt.Errorf("%w: %s", ErrMalformed, errEnvelopeShape)
	}
	// {"schema": S, "payload": P}: S is kept raw for the cache.
	var rawSchema, rawPayload []byte
	var haveS, haveP bool
	n := 0
	if !p.open('}') {
		for {
			k, err := p.key()
			if err != nil {
				return Record{}, err
			}
			n++
			switch k {
			case "schema":
				if rawSchema, err = p.skip(); err != nil {
					return Record{}, err
				}
				haveS = true
			case "payload":
				if rawPayload, err = p.skip(); err != nil {
					return Record{}, err
				}
				haveP = true
			default:
				if _, err = p.skip(); err != nil {
					return Record{}, err
				}
			}
			done, err := p.next('}')
			if err != nil {
				return Record{}, err
			}
			if done {
				break
			}
		}
	}
	p.ws()
	if p.pos != len(p.b) {
		return Record{}, fmt.Errorf("%w: trailing data after the JSON document", ErrMalformed)
	}
	if n != 2 || !haveS || !haveP {
		return Record{}, fmt.Errorf("%w: %s", ErrMalformed, errEnvelopeShape)
	}
	if string(rawSchema) == "null" { // schema null: schemaless payload
		payload, err := parseJSON(rawPayload)
		if err != nil {
			return Record{}, err
		}
		return Record{Value: payload}, nil
	}
	schema, err := c.schema(rawSchema)
	if err != nil {
		return Record{}, err
	}
	q := jsonParser{b: rawPayload}
	var buf [8]jelem
	path := rootPath(&buf)
	v, err := c.decodeDirect(&q, schema, &path, 1)
	if err != nil {
		return Record{}, err
	}
	return Record{Schema: schema, Value: v}, nil
}

// schema returns the parsed schema for its raw JSON text, cached.
func (c *JSONConverter) schema(raw []byte) (*Schema, error) {
	e, err := c.cached(raw)
	if err != nil {
		return nil, err
	}
	return e.schema, nil
}

// cached returns the cache entry of a schema's raw JSON text, parsing the
// schema on a miss.
func (c *JSONConverter) cached(raw []byte) (*jsonCached, error) {
	c.mu.RLock()
	e, ok := c.schemas[string(raw)]
	c.mu.RUnlock()
	if ok {
		return e, nil
	}
	tree, err := parseJSON(raw)
	if err != nil {
		return nil, err
	}
	s, err := parseConnectSchema(tree, 0)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.schemas == nil || len(c.schemas) >= maxCachedSchemas {
		c.schemas = make(map[string]*jsonCached)
		c.gen.Add(1)
	}
	if e, ok := c.schemas[string(raw)]; ok { // parsed meanwhile by another goroutine
		return e, nil
	}
	e = &jsonCached{raw: string(raw), gen: c.gen.Load(), schema: s}
	c.schemas[e.raw] = e
	return e, nil
}

// parseConnectSchema reads a JsonConverter schema object.
func parseConnectSchema(v any, depth int) (*Schema, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: schema nested too deeply", ErrMalformed)
	}
	o, ok := v.(*Struct)
	if !ok {
		return nil, fmt.Errorf("%w: schema must be a JSON object", ErrMalformed)
	}
	s := &Schema{}
	var fields, items, keys, values, def any
	for i, name := range o.Names {
		val := o.Values[i]
		switch name {
		case "type":
			t, _ := val.(string)
			s.Type = parseType(t)
			if s.Type == TypeInvalid {
				return nil, fmt.Errorf("%w: unknown schema type %v", ErrMalformed, val)
			}
		case "optional":
			b, ok := val.(bool)
			if !ok {
				return nil, fmt.Errorf("%w: schema \"optional\" must be a boolean", ErrMalformed)
			}
			s.Optional = b
		case "name":
			s.Name, _ = val.(string)
		case "doc":
			s.Doc, _ = val.(string)
		case "version":
			if n, ok := val.(json.Number); ok {
				iv, _ := n.Int64()
				s.Version = int(iv)
			}
		case "parameters":
			p, ok := val.(*Struct)
			if !ok {
				return nil, fmt.Errorf("%w: schema \"parameters\" must be an object", ErrMalformed)
			}
			s.Parameters = make(map[string]string, len(p.Names))
			for j, k := range p.Names {
				if str, ok := p.Values[j].(string); ok {
					s.Parameters[k] = str
				}
			}
		case "fields":
			fields = val
		case "items":
			items = val
		case "keys":
			keys = val
		case "values":
			values = val
		case "default":
			def = val
		}
	}
	if s.Type == TypeInvalid {
		return nil, fmt.Errorf("%w: schema has no \"type\"", ErrMalformed)
	}
	var err error
	switch s.Type {
	case TypeStruct:
		arr, ok := fields.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: struct schema %q has no \"fields\" array", ErrMalformed, s.Name)
		}
		s.Fields = make([]Field, 0, len(arr))
		for i, f := range arr {
			fs, err := parseConnectSchema(f, depth+1)
			if err != nil {
				return nil, err
			}
			fo := f.(*Struct)
			fv, _ := fo.Get("field")
			name, ok := fv.(string)
			if !ok {
				return nil, fmt.Errorf("%w: field %d of struct %q has no \"field\" name", ErrMalformed, i, s.Name)
			}
			s.Fields = append(s.Fields, Field{Name: name, Index: i, Schema: fs})
		}
	case TypeArray:
		if s.Items, err = parseConnectSchema(items, depth+1); err != nil {
			return nil, err
		}
	case TypeMap:
		if s.Keys, err = parseConnectSchema(keys, depth+1); err != nil {
			return nil, err
		}
		if s.Values, err = parseConnectSchema(values, depth+1); err != nil {
			return nil, err
		}
	}
	if def != nil {
		c := JSONConverter{}
		if s.Default, err = c.convert(s, def, "default"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// convert coerces a parsed JSON value to the neutral value of schema s, as
// JsonConverter.convertToConnect does.
func (c *JSONConverter) convert(s *Schema, v any, path string) (any, error) {
	if v == nil {
		if c.ReplaceNullWithDefault && s.Default != nil {
			return s.Default, nil
		}
		if !s.Optional && s.Default == nil && path != "" {
			return nil, fmt.Errorf("%w: field %s is null but its schema is not optional", ErrMalformed, path)
		}
		return nil, nil
	}
	bad := func(want string) error {
		return fmt.Errorf("%w: field %s: expected %s for schema type %s, got %s", ErrMalformed, orTop(path), want, s.Type, jsonKind(v))
	}
	if s.Name == ConnectDecimal {
		return decodeDecimal(s, v, path)
	}
	switch s.Type {
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		n, ok := v.(json.Number)
		if !ok {
			return nil, bad("an integer")
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return nil, bad("an integer")
		}
		if !intFits(s.Type, i) {
			return nil, fmt.Errorf("%w: field %s: %d is out of range for %s", ErrMalformed, orTop(path), i, s.Type)
		}
		return i, nil
	case TypeFloat32, TypeFloat64:
		switch n := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil {
				return nil, bad("a number")
			}
			return f, nil
		case string:
			if f, ok := nonFinite(n); ok {
				return f, nil
			}
		}
		return nil, bad("a number")
	case TypeBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, bad("a boolean")
		}
		return b, nil
	case TypeString:
		str, ok := v.(string)
		if !ok {
			return nil, bad("a string")
		}
		return str, nil
	case TypeBytes:
		str, ok := v.(string)
		if !ok {
			return nil, bad("a base64 string")
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return nil, fmt.Errorf("%w: field %s: invalid base64: %v", ErrMalformed, orTop(path), err)
		}
		return b, nil
	case TypeArray:
		arr, ok := v.([]any)
		if !ok {
			return nil, bad("an array")
		}
		out := make([]any, len(arr))
		for i, e := range arr {
			ev, err := c.convert(s.Items, e, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	case TypeMap:
		return c.convertMap(s, v, path)
	case TypeStruct:
		o, ok := v.(*Struct)
		if !ok {
			return nil, bad("an object")
		}
		out := &Struct{Schema: s, Names: make([]string, len(s.Fields)), Values: make([]any, len(s.Fields))}
		for i, f := range s.Fields {
			fv, _ := o.Get(f.Name)
			cv, err := c.convert(f.Schema, fv, joinPath(path, f.Name))
			if err != nil {
				return nil, err
			}
			out.Names[i] = f.Name
			out.Values[i] = cv
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: field %s has an invalid schema", ErrMalformed, orTop(path))
}

func (c *JSONConverter) convertMap(s *Schema, v any, path string) (any, error) {
	out := map[string]any{}
	if s.Keys.Type == TypeString {
		o, ok := v.(*Struct)
		if !ok {
			return nil, fmt.Errorf("%w: field %s: expected an object for a string-keyed map", ErrMalformed, orTop(path))
		}
		for i, k := range o.Names {
			ev, err := c.convert(s.Values, o.Values[i], joinPath(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = ev
		}
		return out, nil
	}
	// Other keys: an array of [key, value] pairs; keys are rendered as text.
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: field %s: expected an array of [key, value] pairs", ErrMalformed, orTop(path))
	}
	for _, e := range arr {
		pair, ok := e.([]any)
		if o, isObj := e.(*Struct); isObj { // JsonSchemaConverter: {"key":k,"value":v}
			k, okK := o.Get("key")
			v, okV := o.Get("value")
			pair, ok = []any{k, v}, okK && okV
		}
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("%w: field %s: map entries must be [key, value] pairs", ErrMalformed, orTop(path))
		}
		kv, err := c.convert(s.Keys, pair[0], path+".key")
		if err != nil {
			return nil, err
		}
		ev, err := c.convert(s.Values, pair[1], path+".value")
		if err != nil {
			return nil, err
		}
		out[fmt.Sprint(kv)] = ev
	}
	return out, nil
}

func decodeDecimal(s *Schema, v any, path string) (any, error) {
	scale := int32(0)
	if p, ok := s.Parameters[DecimalScaleParam]; ok {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: field %s: Decimal scale parameter %q is not an integer", ErrMalformed, orTop(path), p)
		}
		scale = int32(n)
	}
	switch t := v.(type) {
	case string: // decimal.format=BASE64 (the default)
		b, err := base64.StdEncoding.DecodeString(t)
		if err != nil {
			// Some producers write the decimal text ("123.45") instead.
			if d, perr := parseDecimal(t); perr == nil {
				return d, nil
			}
			return nil, fmt.Errorf("%w: field %s: Decimal is neither base64, a number nor decimal text: %v", ErrMalformed, orTop(path), err)
		}
		return DecimalFromBytes(b, scale), nil
	case json.Number: // decimal.format=NUMERIC
		d, err := parseDecimal(string(t))
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", orTop(path), err)
		}
		return d, nil
	}
	return nil, fmt.Errorf("%w: field %s: Decimal must be a base64 string or a number, got %s", ErrMalformed, orTop(path), jsonKind(v))
}

func intFits(t Type, i int64) bool {
	switch t {
	case TypeInt8:
		return i >= math.MinInt8 && i <= math.MaxInt8
	case TypeInt16:
		return i >= math.MinInt16 && i <= math.MaxInt16
	case TypeInt32:
		return i >= math.MinInt32 && i <= math.MaxInt32
	}
	return true
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func orTop(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case *Struct:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// nonFinite reads the strings Jackson writes for non-finite doubles.
func nonFinite(s string) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	return 0, false
}
