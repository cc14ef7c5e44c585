package decode

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
)

// Kafka Connect logical type names.
const (
	nameDecimal   = "org.apache.kafka.connect.data.Decimal"
	nameDate      = "org.apache.kafka.connect.data.Date"
	nameTime      = "org.apache.kafka.connect.data.Time"
	nameTimestamp = "org.apache.kafka.connect.data.Timestamp"

	avroUnionName    = "io.confluent.connect.avro.Union"
	avroMapEntryName = "io.confluent.connect.avro.MapEntry"
	avroDefaultName  = "io.confluent.connect.avro.ConnectDefault"
	avroEnumParam    = "io.confluent.connect.avro.Enum"
)

// AvroConverter is Confluent's io.confluent.connect.avro.AvroConverter: the
// record is the Confluent prefix plus an Avro binary datum in the writer
// schema the ID names. The schema is mapped to Kafka Connect as
// AvroData.toConnectSchema does (connect.* properties restored; decimal,
// date, time-millis and timestamp-millis become Connect logical types; other
// logical types stay physical).
//
// Schemas are parsed with hamba/avro into a fresh avro.SchemaCache per schema
// ID (references first), never the global cache. Values are decoded by a
// strict decoder compiled per schema ID rather than hamba's Unmarshal, so
// named-type unions need no registration, bytes and strings have no 1 MiB
// cap (only the record's own length bounds them) and a truncated datum or
// trailing bytes are reported instead of being swallowed.
type AvroConverter struct {
	reg   *registry
	cache idCache[*avroNode]
}

// NewAvroConverter returns an AvroConverter reading schemas from the
// registry named by props (schema.registry.url, basic.auth.*, bearer.auth.*).
func (r *Registries) NewAvroConverter(props map[string]string) (*AvroConverter, error) {
	reg, err := r.registryFor(ClassAvro, props)
	if err != nil {
		return nil, err
	}
	return &AvroConverter{reg: reg}, nil
}

// Decode implements Converter.
func (c *AvroConverter) Decode(ctx context.Context, _ string, data []byte) (Record, error) {
	if data == nil { // a tombstone; an empty value is not one and fails framing
		return Record{}, nil
	}
	id, payload, err := ParseConfluentHeader(ClassAvro, data)
	if err != nil {
		return Record{}, err
	}
	node, err := c.compiled(ctx, id)
	if err != nil {
		return Record{}, err
	}
	v, err := decodeAvro(node, payload)
	if err != nil {
		return Record{}, fmt.Errorf("schema ID %d: %w", id, err)
	}
	return Record{Schema: node.schema, Value: v, SchemaID: id}, nil
}

func (c *AvroConverter) compiled(ctx context.Context, id int) (*avroNode, error) {
	return c.cache.get(id, func() (*avroNode, error) {
		raw, err := c.reg.schema(ctx, id)
		if err != nil {
			return nil, err
		}
		if raw.kind != kindAvro {
			return nil, fmt.Errorf("%w: schema ID %d is a %s schema but the converter is %s; set the converter class to match the producer's serializer", ErrMalformed, id, raw.kind, ClassAvro)
		}
		return compileAvro(raw)
	})
}

// compileAvro parses a registered Avro schema (references first, into one
// cache private to this schema ID) and compiles its decoder.
func compileAvro(raw *rawSchema) (*avroNode, error) {
	cache := &avro.SchemaCache{}
	for _, ref := range raw.refs {
		if _, err := avro.ParseWithCache(ref.text, "", cache); err != nil {
			return nil, fmt.Errorf("%w: schema ID %d: referenced Avro schema %q (subject %q version %d) does not parse: %v", ErrMalformed, raw.id, ref.name, ref.subject, ref.version, err)
		}
	}
	s, err := avro.ParseWithCache(raw.text, "", cache)
	if err != nil {
		return nil, fmt.Errorf("%w: schema ID %d: Avro schema does not parse: %v", ErrMalformed, raw.id, err)
	}
	b := avroBuilder{stack: map[string]bool{}}
	n, err := b.node(s, 0)
	if err != nil {
		return nil, fmt.Errorf("schema ID %d: %w", raw.id, err)
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
}

type avroBuilder struct {
	stack map[string]bool
}

const maxSchemaDepth = 128

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
			n.kind, cs.Type = akInt, TypeInt32
			switch connectType(t) {
			case "int8":
				cs.Type = TypeInt8
			case "int16":
				cs.Type = TypeInt16
			}
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
		if n.kind == akBytes && cs.Name == nameDecimal {
			n.kind = akDecimalBytes
			n.scale = paramScale(cs)
		}
	case *avro.FixedSchema:
		n.kind, cs.Type, n.size = akFixed, TypeBytes, t.Size()
		setParam(cs, "connect.fixed.size", strconv.Itoa(t.Size()))
		if l := t.Logical(); l != nil {
			applyLogical(n, l)
		}
		if cs.Name == nameDecimal {
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
			return b.node(types[0], depth)
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
	s, _ := ps.Prop("connect.type").(string)
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
			cs.Name = nameDecimal
		}
		if d, ok := l.(*avro.DecimalLogicalSchema); ok {
			setParam(cs, "scale", strconv.Itoa(d.Scale()))
			setParam(cs, "connect.decimal.precision", strconv.Itoa(d.Precision()))
		}
	case avro.Date:
		if cs.Name == "" {
			cs.Name = nameDate
		}
	case avro.TimeMillis:
		if cs.Name == "" {
			cs.Name = nameTime
		}
	case avro.TimestampMillis:
		if cs.Name == "" {
			cs.Name = nameTimestamp
		}
	}
	if cs.Version == 0 && (cs.Name == nameDecimal || cs.Name == nameDate || cs.Name == nameTime || cs.Name == nameTimestamp) {
		cs.Version = 1
	}
}

func setParam(cs *Schema, k, v string) {
	if cs.Parameters == nil {
		cs.Parameters = map[string]string{}
	}
	if _, ok := cs.Parameters[k]; !ok {
		cs.Parameters[k] = v
	}
}

func paramScale(cs *Schema) int32 {
	n, _ := strconv.ParseInt(cs.Parameters["scale"], 10, 32)
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
		if s.Name == nameDecimal {
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

// avroReader is a strict reader over one Avro datum. Strings and bytes are
// sliced out of one copy of the payload per record (at most one string copy
// and one byte copy), so decoded values never alias the caller's buffer.
type avroReader struct {
	b      []byte
	pos    int
	err    error
	str    string // lazy string copy of b
	cp     []byte // lazy byte copy of b
	budget int    // array/map elements still allowed
}

var errAvroShort = fmt.Errorf("%w: the Avro datum is truncated (the record is shorter than its schema requires); check that the producer used the schema the ID names", ErrMalformed)

func (r *avroReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.pos = len(r.b)
}

func (r *avroReader) long() int64 {
	var v uint64
	var shift uint
	for i := 0; ; i++ {
		if r.pos >= len(r.b) {
			r.fail(errAvroShort)
			return 0
		}
		c := r.b[r.pos]
		r.pos++
		if i == 9 && c > 1 {
			r.fail(fmt.Errorf("%w: an Avro varint overflows 64 bits", ErrMalformed))
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
		shift += 7
	}
	return int64(v>>1) ^ -int64(v&1)
}

func (r *avroReader) int() int64 {
	v := r.long()
	if v < math.MinInt32 || v > math.MaxInt32 {
		r.fail(fmt.Errorf("%w: an Avro int is out of the 32-bit range", ErrMalformed))
		return 0
	}
	return v
}

// span returns the bounds of the next length-prefixed bytes/string.
func (r *avroReader) span() (int, int, bool) {
	n := r.long()
	if r.err != nil {
		return 0, 0, false
	}
	if n < 0 || n > int64(len(r.b)-r.pos) {
		if n < 0 {
			r.fail(fmt.Errorf("%w: negative Avro length %d", ErrMalformed, n))
		} else {
			r.fail(errAvroShort)
		}
		return 0, 0, false
	}
	start := r.pos
	r.pos += int(n)
	return start, r.pos, true
}

func (r *avroReader) string() string {
	s, e, ok := r.span()
	if !ok || s == e {
		return ""
	}
	if r.str == "" {
		r.str = string(r.b)
	}
	return r.str[s:e]
}

func (r *avroReader) bytesAt(s, e int) []byte {
	if r.cp == nil {
		r.cp = append([]byte(nil), r.b...)
	}
	return r.cp[s:e:e]
}

func (r *avroReader) bytes() []byte {
	s, e, ok := r.span()
	if !ok {
		return nil
	}
	return r.bytesAt(s, e)
}

func (r *avroReader) fixed(n int) (int, int, bool) {
	if n > len(r.b)-r.pos {
		r.fail(errAvroShort)
		return 0, 0, false
	}
	s := r.pos
	r.pos += n
	return s, r.pos, true
}

// blockCount reads an array/map block header and charges the element budget.
func (r *avroReader) blockCount() int {
	n := r.long()
	if n < 0 {
		if n == math.MinInt64 {
			r.fail(fmt.Errorf("%w: invalid Avro block count", ErrMalformed))
			return 0
		}
		n = -n
		r.long() // block size in bytes
	}
	if r.err != nil {
		return 0
	}
	if n > int64(r.budget) {
		r.fail(fmt.Errorf("%w: an Avro array or map claims %d elements, more than the record can hold", ErrMalformed, n))
		return 0
	}
	r.budget -= int(n)
	return int(n)
}

// decodeAvro decodes one datum strictly: a short datum or trailing bytes are
// ErrMalformed.
func decodeAvro(n *avroNode, payload []byte) (any, error) {
	r := avroReader{b: payload, budget: 8*len(payload) + 4096}
	v := r.read(n, 0)
	if r.err != nil {
		return nil, r.err
	}
	if r.pos != len(payload) {
		return nil, fmt.Errorf("%w: %d trailing bytes after the Avro datum; check that the producer used the schema the ID names", ErrMalformed, len(payload)-r.pos)
	}
	return v, nil
}

func (r *avroReader) read(n *avroNode, depth int) any {
	if r.err != nil {
		return nil
	}
	switch n.kind {
	case akNull:
		return nil
	case akBool:
		if r.pos >= len(r.b) {
			r.fail(errAvroShort)
			return nil
		}
		c := r.b[r.pos]
		r.pos++
		if c > 1 {
			r.fail(fmt.Errorf("%w: invalid Avro boolean byte 0x%02x", ErrMalformed, c))
			return nil
		}
		return c == 1
	case akInt:
		v := r.int()
		if !intFits(n.schema.Type, v) {
			r.fail(fmt.Errorf("%w: %d is out of range for %s", ErrMalformed, v, n.schema.Type))
		}
		return v
	case akLong:
		return r.long()
	case akFloat:
		s, _, ok := r.fixed(4)
		if !ok {
			return nil
		}
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(r.b[s:])))
	case akDouble:
		s, _, ok := r.fixed(8)
		if !ok {
			return nil
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(r.b[s:]))
	case akBytes:
		return r.bytes()
	case akString:
		return r.string()
	case akFixed:
		s, e, ok := r.fixed(n.size)
		if !ok {
			return nil
		}
		return r.bytesAt(s, e)
	case akDecimalBytes:
		s, e, ok := r.span()
		if !ok {
			return nil
		}
		return DecimalFromBytes(r.b[s:e], n.scale)
	case akDecimalFixed:
		s, e, ok := r.fixed(n.size)
		if !ok {
			return nil
		}
		return DecimalFromBytes(r.b[s:e], n.scale)
	case akEnum:
		i := r.int()
		if i < 0 || int(i) >= len(n.symbols) {
			r.fail(fmt.Errorf("%w: Avro enum index %d out of range", ErrMalformed, i))
			return nil
		}
		return n.symbols[i]
	case akRecord:
		vals := make([]any, len(n.fields))
		for i, f := range n.fields {
			vals[i] = r.read(f, depth+1)
		}
		return &Struct{Schema: n.schema, Names: n.names, Values: vals}
	case akOptional:
		i := r.long()
		switch {
		case i == int64(n.null):
			return nil
		case i == int64(1-n.null):
			return r.read(n.elem, depth)
		}
		r.fail(fmt.Errorf("%w: Avro union index %d out of range", ErrMalformed, i))
		return nil
	case akUnion:
		i := r.long()
		if i < 0 || i >= int64(len(n.branches)) {
			r.fail(fmt.Errorf("%w: Avro union index %d out of range", ErrMalformed, i))
			return nil
		}
		if n.slots[i] < 0 {
			return nil
		}
		vals := make([]any, len(n.names))
		vals[n.slots[i]] = r.read(n.branches[i], depth+1)
		return &Struct{Schema: n.schema, Names: n.names, Values: vals}
	case akArray:
		var out []any
		for {
			c := r.blockCount()
			if c == 0 || r.err != nil {
				break
			}
			if out == nil {
				out = make([]any, 0, min(c, len(r.b)-r.pos+1))
			}
			for ; c > 0 && r.err == nil; c-- {
				out = append(out, r.read(n.elem, depth+1))
			}
		}
		if out == nil {
			out = []any{}
		}
		return out
	case akMap, akMapEntries:
		out := map[string]any{}
		for {
			c := r.blockCount()
			if c == 0 || r.err != nil {
				break
			}
			for ; c > 0 && r.err == nil; c-- {
				var k string
				if n.kind == akMap {
					k = r.string()
				} else {
					k = mapKeyText(r.read(n.key, depth+1))
				}
				out[k] = r.read(n.elem, depth+1)
			}
		}
		return out
	}
	r.fail(fmt.Errorf("%w: unknown Avro node", ErrMalformed))
	return nil
}

// mapKeyText renders a non-string map key as text, as JSONConverter does.
func mapKeyText(k any) string {
	switch t := k.(type) {
	case string:
		return t
	case int64:
		return strconv.FormatInt(t, 10)
	case nil:
		return "null"
	case Decimal:
		return t.String()
	}
	return fmt.Sprint(k)
}
