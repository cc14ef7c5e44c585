package decode

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
)

// A registered Avro writer schema is parsed with hamba/avro and compiled,
// once per schema ID, into a tree of avroNode: each node is the decoder of
// one schema node (read by avrowire.go) together with the Kafka Connect
// schema it decodes to, mapped as Confluent's AvroData.toConnectSchema does.

// The names and parameters Confluent's AvroData writes.
const (
	avroUnionName    = "io.confluent.connect.avro.Union"
	avroMapEntryName = "io.confluent.connect.avro.MapEntry"
	avroDefaultName  = "io.confluent.connect.avro.ConnectDefault"
	avroEnumParam    = "io.confluent.connect.avro.Enum"
)

// compileAvro parses a registered Avro schema (references first, into one
// cache private to this schema ID) and compiles its decoder.
func compileAvro(raw *rawSchema) (*avroNode, error) {
	cache := &avro.SchemaCache{}
	for _, ref := range raw.refs {
		if _, err := avro.ParseWithCache(ref.text, "", cache); err != nil {
			return nil, fmt.Errorf("%w: %s: referenced Avro schema %q (subject %q version %d) does not parse: %v", ErrMalformed, raw.id, ref.name, ref.subject, ref.version, err)
		}
	}
	s, err := avro.ParseWithCache(raw.text, "", cache)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: Avro schema does not parse: %v", ErrMalformed, raw.id, err)
	}
	b := avroBuilder{stack: map[string]bool{}}
	n, err := b.node(s, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", raw.id, err)
	}
	finishDefaults(n.schema, map[*Schema]bool{})
	return n, nil
}

type avroKind uint8

const (
	akNull avroKind = iota
	akBool
	akInt
	akLong
	akFloat
	akDouble
	akBytes
	akString
	akFixed
	akEnum
	akDecimalBytes
	akDecimalFixed
	akArray
	akMap
	akMapEntries // array of MapEntry records → map
	akRecord
	akOptional // [null, T] or [T, null]
	akUnion    // general union → io.confluent.connect.avro.Union struct
	akSingle   // a union of one branch: its index (0) on the wire, then the branch
)

// avroNode is a compiled decoder for one Avro schema node, with the Connect
// schema it decodes to.
type avroNode struct {
	kind   avroKind
	schema *Schema
	size   int   // fixed
	scale  int32 // decimal
	null   int   // optional: index of the null branch
	// record
	fields []*avroNode
	names  []string
	// array, map, optional: the element / value / non-null node
	elem     *avroNode
	key      *avroNode // akMapEntries
	branches []*avroNode
	slots    []int // akUnion: struct slot per branch, -1 for null
	symbols  []string
	// flat is the flat form of the schema (avroflat.go), set on the root
	// node once at compile time; nil when the schema has none.
	flat *avroFlat
}

type avroBuilder struct {
	stack map[string]bool
}

func (b *avroBuilder) node(s avro.Schema, depth int) (*avroNode, error) {
	if depth > maxSchemaDepth {
		return nil, fmt.Errorf("%w: Avro schema nests deeper than %d", ErrUnsupported, maxSchemaDepth)
	}
	if ref, ok := s.(*avro.RefSchema); ok {
		s = ref.Schema()
	}
	cs := &Schema{}
	if ps, ok := s.(avro.PropertySchema); ok {
		applyConnectProps(cs, ps)
	}
	n := &avroNode{schema: cs}
	switch t := s.(type) {
	case *avro.NullSchema:
		n.kind = akNull
		cs.Type, cs.Optional = TypeString, true
	case *avro.PrimitiveSchema:
		switch t.Type() {
		case avro.Boolean:
			n.kind, cs.Type = akBool, TypeBoolean
		case avro.Int:
			n.kind, cs.Type = akInt, connectInt(TypeInt32, connectType(t))
		case avro.Long:
			n.kind, cs.Type = akLong, TypeInt64
		case avro.Float:
			n.kind, cs.Type = akFloat, TypeFloat32
		case avro.Double:
			n.kind, cs.Type = akDouble, TypeFloat64
		case avro.Bytes:
			n.kind, cs.Type = akBytes, TypeBytes
		case avro.String:
			n.kind, cs.Type = akString, TypeString
		default:
			return nil, fmt.Errorf("%w: Avro type %s", ErrUnsupported, t.Type())
		}
		if l := t.Logical(); l != nil {
			applyLogical(n, l)
		}
		if n.kind == akBytes && cs.Name == ConnectDecimal {
			n.kind = akDecimalBytes
			n.scale = paramScale(cs)
		}
	case *avro.FixedSchema:
		n.kind, cs.Type, n.size = akFixed, TypeBytes, t.Size()
		setParam(cs, "connect.fixed.size", strconv.Itoa(t.Size()))
		if l := t.Logical(); l != nil {
			applyLogical(n, l)
		}
		if cs.Name == ConnectDecimal {
			n.kind = akDecimalFixed
			n.scale = paramScale(cs)
		}
	case *avro.EnumSchema:
		n.kind, cs.Type, n.symbols = akEnum, TypeString, t.Symbols()
		if cs.Name == "" {
			cs.Name = t.FullName()
		}
		setParam(cs, avroEnumParam, t.FullName())
		for _, sym := range t.Symbols() {
			setParam(cs, avroEnumParam+"."+sym, sym)
		}
	case *avro.ArraySchema:
		elem, err := b.node(t.Items(), depth+1)
		if err != nil {
			return nil, err
		}
		if rs, ok := unref(t.Items()).(*avro.RecordSchema); ok && rs.FullName() == avroMapEntryName && len(elem.fields) == 2 {
			n.kind, cs.Type = akMapEntries, TypeMap
			n.key, n.elem = elem.fields[0], elem.fields[1]
			cs.Keys, cs.Values = n.key.schema, n.elem.schema
			break
		}
		n.kind, cs.Type, n.elem, cs.Items = akArray, TypeArray, elem, elem.schema
	case *avro.MapSchema:
		elem, err := b.node(t.Values(), depth+1)
		if err != nil {
			return nil, err
		}
		n.kind, cs.Type, n.elem = akMap, TypeMap, elem
		cs.Keys, cs.Values = &Schema{Type: TypeString}, elem.schema
	case *avro.RecordSchema:
		full := t.FullName()
		if b.stack[full] {
			return nil, fmt.Errorf("%w: recursive Avro record %s has no Kafka Connect equivalent", ErrUnsupported, full)
		}
		b.stack[full] = true
		defer delete(b.stack, full)
		n.kind, cs.Type = akRecord, TypeStruct
		if cs.Name == "" && !strings.HasPrefix(full, avroDefaultName) {
			cs.Name = full
		}
		if cs.Doc == "" {
			cs.Doc = t.Doc()
		}
		for i, f := range t.Fields() {
			fn, err := b.node(f.Type(), depth+1)
			if err != nil {
				return nil, err
			}
			fs := fn.schema
			if f.HasDefault() && fs.Default == nil {
				fs.Default = neutralDefault(fs, f.Default())
			}
			n.fields = append(n.fields, fn)
			n.names = append(n.names, f.Name())
			cs.Fields = append(cs.Fields, Field{Name: f.Name(), Index: i, Schema: fs})
		}
	case *avro.UnionSchema:
		types := t.Types()
		nullAt := -1
		for i, bt := range types {
			if bt.Type() == avro.Null {
				nullAt = i
			}
		}
		if len(types) == 2 && nullAt >= 0 {
			inner, err := b.node(types[1-nullAt], depth+1)
			if err != nil {
				return nil, err
			}
			inner.schema.Optional = true // nodes are built per use, never shared
			n.kind, n.null, n.elem, n.schema = akOptional, nullAt, inner, inner.schema
			break
		}
		if len(types) == 1 {
			// Mapped as its one branch; the datum still starts with the
			// branch index, as for every union.
			inner, err := b.node(types[0], depth+1)
			if err != nil {
				return nil, err
			}
			n.kind, n.elem, n.schema = akSingle, inner, inner.schema
			break
		}
		n.kind, cs.Type, cs.Name, cs.Optional = akUnion, TypeStruct, avroUnionName, nullAt >= 0
		for i, bt := range types {
			bn, err := b.node(bt, depth+1)
			if err != nil {
				return nil, err
			}
			n.branches = append(n.branches, bn)
			if i == nullAt {
				n.slots = append(n.slots, -1)
				continue
			}
			fs := *bn.schema
			fs.Optional = true
			name := string(unref(bt).Type()) // "string", "fixed", ...
			switch ns := unref(bt).(type) {
			case *avro.RecordSchema:
				name = ns.Name()
			case *avro.EnumSchema:
				name = ns.Name()
			}
			n.slots = append(n.slots, len(cs.Fields))
			n.names = append(n.names, name)
			cs.Fields = append(cs.Fields, Field{Name: name, Index: len(cs.Fields), Schema: &fs})
		}
	default:
		return nil, fmt.Errorf("%w: Avro schema type %s", ErrUnsupported, s.Type())
	}
	return n, nil
}

func unref(s avro.Schema) avro.Schema {
	if r, ok := s.(*avro.RefSchema); ok {
		return r.Schema()
	}
	return s
}

func connectType(ps avro.PropertySchema) string {
	s, _ := ps.Prop(connectTypeProp).(string)
	return s
}

// applyConnectProps restores the connect.* properties AvroData writes.
func applyConnectProps(cs *Schema, ps avro.PropertySchema) {
	if v, ok := ps.Prop("connect.name").(string); ok {
		cs.Name = v
	}
	if v, ok := ps.Prop("connect.version").(float64); ok && v == math.Trunc(v) && math.Abs(v) < 1<<31 {
		cs.Version = int(v)
	}
	if v, ok := ps.Prop("connect.doc").(string); ok {
		cs.Doc = v
	}
	if m, ok := ps.Prop("connect.parameters").(map[string]any); ok {
		cs.Parameters = make(map[string]string, len(m))
		for k, v := range m {
			if s, ok := v.(string); ok {
				cs.Parameters[k] = s
			}
		}
	}
	if d := ps.Prop("connect.default"); d != nil {
		cs.Default = d // converted to the neutral form once the type is known
	}
}

// applyLogical maps the Avro logical types Connect knows.
func applyLogical(n *avroNode, l avro.LogicalSchema) {
	cs := n.schema
	switch l.Type() {
	case avro.Decimal:
		if cs.Name == "" {
			cs.Name = ConnectDecimal
		}
		if d, ok := l.(*avro.DecimalLogicalSchema); ok {
			setParam(cs, DecimalScaleParam, strconv.Itoa(d.Scale()))
			setParam(cs, DecimalPrecisionParam, strconv.Itoa(d.Precision()))
		}
	case avro.Date:
		if cs.Name == "" {
			cs.Name = ConnectDate
		}
	case avro.TimeMillis:
		if cs.Name == "" {
			cs.Name = ConnectTime
		}
	case avro.TimestampMillis:
		if cs.Name == "" {
			cs.Name = ConnectTimestamp
		}
	}
	if cs.Version == 0 && (cs.Name == ConnectDecimal || cs.Name == ConnectDate || cs.Name == ConnectTime || cs.Name == ConnectTimestamp) {
		cs.Version = 1
	}
}

func paramScale(cs *Schema) int32 {
	n, _ := strconv.ParseInt(cs.Parameters[DecimalScaleParam], 10, 32)
	return int32(n)
}

// neutralDefault converts a default decoded from schema JSON (or hamba's
// field default) to the neutral representation of s; nil if it cannot.
func neutralDefault(s *Schema, v any) any {
	switch s.Type {
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		switch n := v.(type) {
		case float64:
			if n == math.Trunc(n) {
				return int64(n)
			}
		case int:
			return int64(n)
		case int32:
			return int64(n)
		case int64:
			return n
		}
	case TypeFloat32, TypeFloat64:
		switch n := v.(type) {
		case float64:
			return n
		case float32:
			return float64(n)
		}
	case TypeBoolean:
		if b, ok := v.(bool); ok {
			return b
		}
	case TypeString:
		if str, ok := v.(string); ok {
			return str
		}
	case TypeBytes:
		var b []byte
		switch t := v.(type) {
		case string: // Avro JSON bytes: one char per byte
			b = make([]byte, 0, len(t))
			for _, r := range t {
				b = append(b, byte(r))
			}
		case []byte:
			b = t
		default:
			return nil
		}
		if s.Name == ConnectDecimal {
			return DecimalFromBytes(b, paramScale(s))
		}
		return b
	}
	return nil
}

// finishDefaults converts connect.default values, kept raw while building.
func finishDefaults(s *Schema, seen map[*Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	switch d := s.Default.(type) {
	case nil, int64, Decimal: // already neutral
	case float64, float32, int, int32, string, bool, []byte:
		s.Default = neutralDefault(s, d)
	default: // struct, array and map defaults are not carried
		s.Default = nil
	}
	for i := range s.Fields {
		finishDefaults(s.Fields[i].Schema, seen)
	}
	finishDefaults(s.Items, seen)
	finishDefaults(s.Keys, seen)
	finishDefaults(s.Values, seen)
}
