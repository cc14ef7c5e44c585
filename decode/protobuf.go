package decode

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// bundledProtos are the dependencies Schema Registry never registers
// (ProtobufSchema.KNOWN_DEPENDENCIES besides google/protobuf/*, which
// protocompile bundles): confluent/meta.proto, confluent/type/decimal.proto
// and google/type/*.proto.
//
//go:embed protos
var bundledProtos embed.FS

const (
	protoUnionName = "io.confluent.connect.protobuf.Union"
	protoTagParam  = "io.confluent.connect.protobuf.Tag"
	protoTypeParam = "io.confluent.connect.protobuf.Type"
	protoEnumParam = "io.confluent.connect.protobuf.Enum"
	metaExtension  = 1088 // confluent.field_meta, message_meta, ...
)

// protobufConverter is Confluent's io.confluent.connect.protobuf.ProtobufConverter:
// the record is the Confluent prefix, the message-index path, then the
// protobuf bytes. The registered schema text is compiled with protocompile
// (references as imports, plus bundled confluent and google/type files), the
// message found by walking the index path (skipping map-entry messages, as
// Schema Registry does), the payload decoded straight from the wire by a plan
// compiled per message (see protowire.go), and mapped to Kafka Connect as
// ProtobufData.toConnectSchema does:
//
//   - int32 kinds → int32, or int8/int16 from (confluent.field_meta).params
//     connect.type; uint32/fixed32 and all 64-bit kinds → int64 (uint64 above
//     2^63-1 wraps, as in Java);
//   - confluent.type.Decimal → Decimal, google.type.Date → Date (days),
//     google.type.TimeOfDay → Time (ms), google.protobuf.Timestamp →
//     Timestamp (ms), google.protobuf.*Value wrappers → optional primitives;
//   - enums → string, repeated → array, map → map; a oneof → an optional
//     struct io.confluent.connect.protobuf.Union.<oneof> with one optional
//     field per member, in field <oneof>_<index>, placed before the other
//     fields; each field's tag in parameter io.confluent.connect.protobuf.Tag;
//   - structs are named by the message's full name, as Confluent does with
//     enhanced.protobuf.schema.support=true (its default is the bare message
//     name), so that a Debezium envelope keeps its ".Envelope" suffix.
//
// Nullability: proto3 scalars without presence (the converter's default,
// neither wrapper.for.nullables nor optional.for.nullables) cannot carry
// null: a NULL column reads back as 0, "" or false and the schema says
// Optional. Only message fields, wrappers and proto3 optional fields decode
// to nil when unset.
type protobufConverter struct {
	schemas *registrySchemas[*protoFile]
}

// newProtobufConverter returns a protobufConverter reading schemas from the
// registry named by props.
func (r *Registries) newProtobufConverter(props map[string]string) (*protobufConverter, error) {
	schemas, err := newRegistrySchemas(r, ClassProtobuf, kindProtobuf, props, compileProto)
	if err != nil {
		return nil, err
	}
	return &protobufConverter{schemas: schemas}, nil
}

// protoFile is one compiled schema ID and its messages by index path.
type protoFile struct {
	id   schemaID
	fd   protoreflect.FileDescriptor
	mu   sync.RWMutex
	msgs map[string]*pbMsg
}

// Decode implements Converter.
func (c *protobufConverter) Decode(ctx context.Context, _ string, data []byte) (Record, error) {
	if data == nil { // a tombstone; an empty value is not one and fails framing
		return Record{}, nil
	}
	id, payload, err := parseConfluentHeader(ClassProtobuf, data)
	if err != nil {
		return Record{}, err
	}
	var idxBuf [8]int
	idx, payload, err := appendMessageIndexes(ClassProtobuf, idxBuf[:0], payload)
	if err != nil {
		return Record{}, err
	}
	pf, err := c.schemas.get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	m, err := pf.message(idx)
	if err != nil {
		return Record{}, err
	}
	d := newPBDecoder(payload)
	v, err := d.message(m, 0, len(payload))
	if err != nil {
		return Record{}, fmt.Errorf("%s: message %s: %w", id, m.md.FullName(), err)
	}
	return Record{Schema: m.schema, Value: v, SchemaID: id.recordID()}, nil
}

func compileProto(ctx context.Context, raw *rawSchema) (*protoFile, error) {
	files := map[string]string{}
	_ = fs.WalkDir(bundledProtos, "protos", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := bundledProtos.ReadFile(p)
			files[strings.TrimPrefix(p, "protos/")] = string(b)
		}
		return nil
	})
	for _, ref := range raw.refs {
		files[ref.name] = ref.text
	}
	main := "starcdc-" + strings.ReplaceAll(raw.id.String(), " ", "-") + ".proto"
	files[main] = raw.text
	comp := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(files),
		}),
		MaxParallelism: 1,
	}
	out, err := comp.Compile(ctx, main)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: compiling %s: %w", ErrRegistryUnavailable, raw.id, ctx.Err())
		}
		return nil, fmt.Errorf("%w: %s: Protobuf schema does not compile: %v", ErrMalformed, raw.id, err)
	}
	fd, err := standardDescriptors(out[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: Protobuf schema does not build: %v", ErrMalformed, raw.id, err)
	}
	return &protoFile{id: raw.id, fd: fd, msgs: map[string]*pbMsg{}}, nil
}

// standardDescriptors rebuilds a compiled file (and its imports) with
// protodesc: the standard descriptor implementation answers HasPresence and
// friends without protocompile's per-call feature resolution, which makes
// dynamicpb several times faster.
func standardDescriptors(fd protoreflect.FileDescriptor) (protoreflect.FileDescriptor, error) {
	set := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	var add func(f protoreflect.FileDescriptor)
	add = func(f protoreflect.FileDescriptor) {
		if seen[f.Path()] {
			return
		}
		seen[f.Path()] = true
		imps := f.Imports()
		for i := 0; i < imps.Len(); i++ {
			add(imps.Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(f))
	}
	add(fd)
	files, err := protodesc.NewFiles(set)
	if err != nil {
		return nil, err
	}
	return files.FindFileByPath(fd.Path())
}

// cachedMessage looks the compiled message at the index path up in the
// cache, without letting idx escape (DecodeFlat passes a stack buffer).
func (f *protoFile) cachedMessage(idx []int) (*pbMsg, bool) {
	var kb [32]byte
	key := appendMessageKey(kb[:0], idx)
	f.mu.RLock()
	m, ok := f.msgs[string(key)]
	f.mu.RUnlock()
	return m, ok
}

// appendMessageKey appends the cache key of an index path ("0.2.").
func appendMessageKey(dst []byte, idx []int) []byte {
	for _, i := range idx {
		dst = strconv.AppendInt(dst, int64(i), 10)
		dst = append(dst, '.')
	}
	return dst
}

// messageKey is the cache key of an index path.
func messageKey(idx []int) string { return string(appendMessageKey(nil, idx)) }

// message returns the compiled message at the index path.
func (f *protoFile) message(idx []int) (*pbMsg, error) {
	if m, ok := f.cachedMessage(idx); ok {
		return m, nil
	}
	md, err := messageAt(f.fd, idx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.id, err)
	}
	b := pbBuilder{stack: map[protoreflect.FullName]bool{}}
	m, err := b.message(md, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.id, err)
	}
	m.flat = newPBFlat(m)
	f.mu.Lock()
	if len(f.msgs) < 1024 {
		f.msgs[messageKey(idx)] = m
	}
	f.mu.Unlock()
	return m, nil
}

// messageAt walks the message-index path: top-level messages, then nested
// ones, skipping synthetic map-entry messages as Schema Registry does.
func messageAt(fd protoreflect.FileDescriptor, idx []int) (protoreflect.MessageDescriptor, error) {
	msgs := fd.Messages()
	var md protoreflect.MessageDescriptor
	for depth, want := range idx {
		n := -1
		md = nil
		for i := 0; i < msgs.Len(); i++ {
			if msgs.Get(i).IsMapEntry() {
				continue
			}
			n++
			if n == want {
				md = msgs.Get(i)
				break
			}
		}
		if md == nil {
			return nil, fmt.Errorf("%w: message index path %v: no message at index %d of level %d", ErrMalformed, idx, want, depth)
		}
		msgs = md.Messages()
	}
	if md == nil {
		return nil, fmt.Errorf("%w: empty message index path", ErrMalformed)
	}
	return md, nil
}

type pbKind uint8

const (
	pkScalar pbKind = iota
	pkEnum
	pkMessage
	pkDecimal
	pkDate
	pkTime
	pkTimestamp
	pkWrapper
	pkList
	pkMap
	pkOneof
)

// pbMsg is a compiled message: its Connect schema and field plan.
type pbMsg struct {
	md     protoreflect.MessageDescriptor
	schema *Schema
	fields []*pbField
	names  []string
	zeros  []any                       // values of absent fields
	byNum  []*pbRef                    // field number → field, when numbers are small
	byMap  map[protowire.Number]*pbRef // otherwise
	flat   *pbFlat                     // top-level messages: the flat plan (protoflat.go)
}

type pbField struct {
	kind     pbKind
	fd       protoreflect.FieldDescriptor
	schema   *Schema
	msg      *pbMsg     // pkMessage
	elem     *pbField   // pkList element, pkMap value
	key      *pbField   // pkMap key
	members  []*pbField // pkOneof
	names    []string   // pkOneof
	oneof    protoreflect.OneofDescriptor
	presence bool
	wire     protowire.Type // wire type of one value
	utf8     bool           // strings must be valid UTF-8 (proto3)
	inner    *pbField       // pkWrapper: the wrapped value field
}

type pbBuilder struct {
	stack map[protoreflect.FullName]bool
}

func (b *pbBuilder) message(md protoreflect.MessageDescriptor, depth int) (*pbMsg, error) {
	if depth > maxSchemaDepth {
		return nil, fmt.Errorf("%w: Protobuf message nests deeper than %d", ErrUnsupported, maxSchemaDepth)
	}
	if b.stack[md.FullName()] {
		return nil, fmt.Errorf("%w: recursive Protobuf message %s has no Kafka Connect equivalent", ErrUnsupported, md.FullName())
	}
	b.stack[md.FullName()] = true
	defer delete(b.stack, md.FullName())
	m := &pbMsg{md: md, schema: &Schema{Type: TypeStruct, Name: string(md.FullName())}}
	if doc, params := protoMeta(md.Options()); doc != "" || len(params) > 0 {
		m.schema.Doc, m.schema.Parameters = doc, params
	}
	add := func(name string, f *pbField) {
		m.fields = append(m.fields, f)
		m.names = append(m.names, name)
		m.schema.Fields = append(m.schema.Fields, Field{Name: name, Index: len(m.schema.Fields), Schema: f.schema})
	}
	// As ProtobufData: real oneofs first, as optional structs named
	// io.confluent.connect.protobuf.Union.<oneof> in fields <oneof>_<index>
	// (generate.index.for.unions, the default); then the other fields.
	oneofs := md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		od := oneofs.Get(i)
		if od.IsSynthetic() {
			continue
		}
		f := &pbField{kind: pkOneof, oneof: od, schema: &Schema{Type: TypeStruct, Name: protoUnionName + "." + string(od.Name()), Optional: true}}
		for j := 0; j < od.Fields().Len(); j++ {
			mf, err := b.field(od.Fields().Get(j), depth+1)
			if err != nil {
				return nil, err
			}
			mf.schema.Optional = true
			f.members = append(f.members, mf)
			f.names = append(f.names, string(mf.fd.Name()))
			f.schema.Fields = append(f.schema.Fields, Field{Name: string(mf.fd.Name()), Index: j, Schema: mf.schema})
		}
		add(string(od.Name())+"_"+strconv.Itoa(od.Index()), f)
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			continue
		}
		f, err := b.field(fd, depth+1)
		if err != nil {
			return nil, err
		}
		add(string(fd.Name()), f)
	}
	m.index()
	return m, nil
}

// field compiles one field, looking through repeated and map, and records
// its tag (and non-default integer kind) in the parameters, as ProtobufData.
func (b *pbBuilder) field(fd protoreflect.FieldDescriptor, depth int) (*pbField, error) {
	f, err := b.field1(fd, depth)
	if err != nil {
		return nil, err
	}
	setParam(f.schema, protoTagParam, strconv.Itoa(int(fd.Number())))
	switch k := fd.Kind(); k {
	case protoreflect.Sint32Kind, protoreflect.Sfixed32Kind, protoreflect.Uint32Kind, protoreflect.Fixed32Kind,
		protoreflect.Uint64Kind, protoreflect.Sint64Kind, protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		if !fd.IsMap() && !fd.IsList() {
			setParam(f.schema, protoTypeParam, k.String())
		}
	}
	return f, nil
}

func (b *pbBuilder) field1(fd protoreflect.FieldDescriptor, depth int) (*pbField, error) {
	doc, params := protoMeta(fd.Options())
	if fd.IsMap() {
		k, err := b.single(fd.MapKey(), nil, depth+1)
		if err != nil {
			return nil, err
		}
		v, err := b.single(fd.MapValue(), nil, depth+1)
		if err != nil {
			return nil, err
		}
		return &pbField{kind: pkMap, fd: fd, key: k, elem: v,
			schema: &Schema{Type: TypeMap, Optional: true, Keys: k.schema, Values: v.schema, Doc: doc}}, nil
	}
	if fd.IsList() {
		e, err := b.single(fd, params, depth+1)
		if err != nil {
			return nil, err
		}
		return &pbField{kind: pkList, fd: fd, elem: e, schema: &Schema{Type: TypeArray, Optional: true, Items: e.schema, Doc: doc}}, nil
	}
	f, err := b.single(fd, params, depth)
	if err != nil {
		return nil, err
	}
	f.schema.Optional = true
	if doc != "" {
		f.schema.Doc = doc
	}
	f.presence = fd.HasPresence()
	return f, nil
}

var protoWrappers = map[protoreflect.FullName]Type{
	"google.protobuf.DoubleValue": TypeFloat64,
	"google.protobuf.FloatValue":  TypeFloat32,
	"google.protobuf.Int64Value":  TypeInt64,
	"google.protobuf.UInt64Value": TypeInt64,
	"google.protobuf.Int32Value":  TypeInt32,
	"google.protobuf.UInt32Value": TypeInt64,
	"google.protobuf.BoolValue":   TypeBoolean,
	"google.protobuf.StringValue": TypeString,
	"google.protobuf.BytesValue":  TypeBytes,
}

// single compiles the element type of a field (ignoring its cardinality).
func (b *pbBuilder) single(fd protoreflect.FieldDescriptor, params map[string]string, depth int) (*pbField, error) {
	f := &pbField{fd: fd, schema: &Schema{}, wire: wireType(fd.Kind()), utf8: fd.Syntax() == protoreflect.Proto3}
	s := f.schema
	ct := params[connectTypeProp]
	for k, v := range params {
		if k == connectTypeProp {
			continue
		}
		if s.Parameters == nil {
			s.Parameters = map[string]string{}
		}
		s.Parameters[k] = v
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		s.Type = TypeBoolean
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		s.Type = connectInt(TypeInt32, ct)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		s.Type = TypeInt64
	case protoreflect.FloatKind:
		s.Type = TypeFloat32
	case protoreflect.DoubleKind:
		s.Type = TypeFloat64
	case protoreflect.StringKind:
		s.Type = TypeString
	case protoreflect.BytesKind:
		s.Type = TypeBytes
	case protoreflect.EnumKind:
		f.kind, s.Type = pkEnum, TypeString
		ed := fd.Enum()
		s.Name = string(ed.Name())
		s.Parameters = map[string]string{protoEnumParam: string(ed.Name())}
		for i := 0; i < ed.Values().Len(); i++ {
			v := ed.Values().Get(i)
			s.Parameters[protoEnumParam+"."+string(v.Name())] = strconv.Itoa(int(v.Number()))
		}
		return f, nil
	case protoreflect.MessageKind:
		md := fd.Message()
		switch full := md.FullName(); {
		case full == "confluent.type.Decimal":
			f.kind, s.Type, s.Name, s.Version = pkDecimal, TypeBytes, ConnectDecimal, 1
			if p, ok := s.Parameters["precision"]; ok {
				s.Parameters[DecimalPrecisionParam] = p
				delete(s.Parameters, "precision")
			}
		case full == "google.type.Date":
			f.kind, s.Type, s.Name, s.Version = pkDate, TypeInt32, ConnectDate, 1
		case full == "google.type.TimeOfDay":
			f.kind, s.Type, s.Name, s.Version = pkTime, TypeInt32, ConnectTime, 1
		case full == "google.protobuf.Timestamp":
			f.kind, s.Type, s.Name, s.Version = pkTimestamp, TypeInt64, ConnectTimestamp, 1
		case protoWrappers[full] != TypeInvalid:
			f.kind, s.Type = pkWrapper, protoWrappers[full]
			inner := md.Fields().ByNumber(1)
			f.inner = &pbField{fd: inner, wire: wireType(inner.Kind()), utf8: inner.Syntax() == protoreflect.Proto3, schema: &Schema{Type: s.Type}}
		default:
			m, err := b.message(md, depth+1)
			if err != nil {
				return nil, err
			}
			f.kind, f.msg, f.schema = pkMessage, m, m.schema
			if s.Parameters != nil && m.schema.Parameters == nil {
				m.schema.Parameters = s.Parameters
			}
		}
		f.presence = true
		return f, nil
	default:
		return nil, fmt.Errorf("%w: Protobuf field %s of kind %s", ErrUnsupported, fd.FullName(), fd.Kind())
	}
	return f, nil
}

// protoMeta reads (confluent.*_meta) from an options message: doc and params.
// The extension is not in the Go registry, so it is read from the options'
// wire bytes.
func protoMeta(opts proto.Message) (string, map[string]string) {
	if opts == nil {
		return "", nil
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(opts)
	if err != nil || len(b) == 0 {
		return "", nil
	}
	var doc string
	var params map[string]string
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return doc, params
		}
		b = b[n:]
		if num != metaExtension || typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return doc, params
			}
			b = b[n:]
			continue
		}
		meta, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return doc, params
		}
		b = b[n:]
		for len(meta) > 0 {
			mnum, mtyp, k := protowire.ConsumeTag(meta)
			if k < 0 {
				break
			}
			meta = meta[k:]
			if mtyp != protowire.BytesType {
				if k = protowire.ConsumeFieldValue(mnum, mtyp, meta); k < 0 {
					break
				}
				meta = meta[k:]
				continue
			}
			v, k := protowire.ConsumeBytes(meta)
			if k < 0 {
				break
			}
			meta = meta[k:]
			switch mnum {
			case 1:
				doc = string(v)
			case 2: // map<string,string> entry
				var key, val string
				for len(v) > 0 {
					en, et, j := protowire.ConsumeTag(v)
					if j < 0 || et != protowire.BytesType {
						break
					}
					v = v[j:]
					s, j := protowire.ConsumeBytes(v)
					if j < 0 {
						break
					}
					v = v[j:]
					if en == 1 {
						key = string(s)
					} else if en == 2 {
						val = string(s)
					}
				}
				if params == nil {
					params = map[string]string{}
				}
				params[key] = val
			}
		}
	}
	return doc, params
}

func daysSinceEpoch(y, m, d int64) int64 {
	if y < -1e6 || y > 1e6 {
		return 0
	}
	u := time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC).Unix()
	q := u / 86400
	if u%86400 != 0 && u < 0 {
		q--
	}
	return q
}

func floorMillis(sec, ns int64) int64 {
	ms := sec*1000 + ns/1e6
	if ns < 0 && ns%1e6 != 0 {
		ms--
	}
	return ms
}
