package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// A format writes the workload's events as one Kafka Connect converter
// would (the record key: the row's primary key, as Debezium writes it; the
// value: the envelope), and names that converter for starcdc. A format
// that uses the schema registry registers a key and a value schema per
// topic (TopicNameStrategy: subjects <topic>-key and <topic>-value) before
// it encodes.
type format interface {
	// Name is the format's name on the command line and in the table.
	Name() string
	// Props are the connector's key.converter and value.converter
	// settings.
	Props(registryURL string) map[string]string
	// Register registers the key and value schemas of topics (one per
	// table, in the order of Tables).
	Register(ctx context.Context, cl *sr.Client, topics []string) error
	// AppendKey appends the record key of ev to dst.
	AppendKey(dst []byte, ev *event) []byte
	// Append appends the record value of ev to dst.
	Append(dst []byte, ev *event) ([]byte, error)
	// Naive returns the naive baseline: a generic decode of a record's key
	// and value into maps and encoding/json of its row image.
	Naive() (func(key, value []byte) ([]byte, error), error)
}

// Formats lists the formats by name, in the table's order.
var Formats = []string{"avro", "protobuf", "jsonschema", "json"}

func newFormat(name string) (format, error) {
	switch name {
	case "avro":
		return &avroFormat{}, nil
	case "protobuf":
		return &protoFormat{}, nil
	case "jsonschema":
		return &jsonSchemaFormat{}, nil
	case "json":
		return &jsonFormat{}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", name, strings.Join(Formats, ", "))
}

// confluentHeader appends the Confluent wire-format header: magic byte 0
// and the big-endian schema ID.
func confluentHeader(dst []byte, id int) []byte {
	return binary.BigEndian.AppendUint32(append(dst, 0), uint32(id))
}

// schemaID reads the Confluent header of value.
func schemaID(value []byte) (int, []byte, error) {
	if len(value) < 5 || value[0] != 0 {
		return 0, nil, errors.New("no Confluent wire-format header")
	}
	return int(binary.BigEndian.Uint32(value[1:5])), value[5:], nil
}

// register registers text(topic) under each topic's subject
// <topic>-<part> and returns their IDs.
func register(ctx context.Context, cl *sr.Client, topics []string, part string, typ sr.SchemaType, text func(topic string) string) ([]int, error) {
	ids := make([]int, len(topics))
	for i, t := range topics {
		ss, err := cl.CreateSchema(ctx, t+"-"+part, sr.Schema{Schema: text(t), Type: typ})
		if err != nil {
			return nil, fmt.Errorf("registering %s-%s: %w", t, part, err)
		}
		ids[i] = ss.ID
	}
	return ids, nil
}

// decimalBytes is the two's-complement big-endian minimal encoding of v,
// as Kafka Connect's Decimal holds its unscaled value.
func decimalBytes(dst []byte, v int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	i := 0
	for i < 7 && ((b[i] == 0 && b[i+1]&0x80 == 0) || (b[i] == 0xff && b[i+1]&0x80 != 0)) {
		i++
	}
	return append(dst, b[i:]...)
}

// keyID is the primary key of ev's row.
func keyID(ev *event) int64 {
	if ev.After != nil {
		return ev.After.ID
	}
	return ev.Before.ID
}

// ---- Avro (io.confluent.connect.avro.AvroConverter) ----

type avroFormat struct {
	ids, keyIDs []int
	schemas     map[int]avro.Schema // value and key schemas by ID
	byTable     []avro.Schema
}

func avroKeySchema(topic string) string {
	return `{"type":"record","name":"Key","namespace":"` + topic + `","fields":[{"name":"id","type":"long"}],"connect.name":"` + topic + `.Key"}`
}

func avroSchema(topic string) string {
	opt := func(name, typ string) string {
		return `{"name":"` + name + `","type":["null",` + typ + `],"default":null}`
	}
	logical := func(base, name string) string {
		return `{"type":"` + base + `","connect.version":1,"connect.name":"` + name + `"}`
	}
	value := `{"type":"record","name":"Value","fields":[` + strings.Join([]string{
		`{"name":"id","type":"long"}`,
		opt("name", `"string"`),
		opt("email", `"string"`),
		`{"name":"amount","type":{"type":"bytes","scale":2,"precision":12,"connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"12"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}}`,
		opt("created_at", logical("long", "io.debezium.time.MicroTimestamp")),
		opt("birth", logical("int", "io.debezium.time.Date")),
		opt("visits", `"long"`),
		opt("score", `"double"`),
		opt("active", `"boolean"`),
		opt("attrs", logical("string", "io.debezium.data.Json")),
	}, ",") + `],"connect.name":"` + topic + `.Value"}`
	source := `{"type":"record","name":"Source","namespace":"io.debezium.connector.mysql","fields":[` +
		`{"name":"version","type":"string"},{"name":"connector","type":"string"},{"name":"name","type":"string"},` +
		`{"name":"ts_ms","type":"long"},{"name":"db","type":"string"},{"name":"table","type":["null","string"],"default":null}],` +
		`"connect.name":"io.debezium.connector.mysql.Source"}`
	return `{"type":"record","name":"Envelope","namespace":"` + topic + `","fields":[` +
		`{"name":"before","type":["null",` + value + `],"default":null},` +
		`{"name":"after","type":["null","Value"],"default":null},` +
		`{"name":"source","type":` + source + `},` +
		`{"name":"op","type":"string"},` +
		`{"name":"ts_ms","type":["null","long"],"default":null}],` +
		`"connect.name":"` + topic + `.Envelope","connect.version":1}`
}

type avroValue struct {
	ID        int64    `avro:"id"`
	Name      *string  `avro:"name"`
	Email     *string  `avro:"email"`
	Amount    *big.Rat `avro:"amount"`
	CreatedAt *int64   `avro:"created_at"`
	Birth     *int32   `avro:"birth"`
	Visits    *int64   `avro:"visits"`
	Score     *float64 `avro:"score"`
	Active    *bool    `avro:"active"`
	Attrs     *string  `avro:"attrs"`
}

type avroSource struct {
	Version   string  `avro:"version"`
	Connector string  `avro:"connector"`
	Name      string  `avro:"name"`
	TsMs      int64   `avro:"ts_ms"`
	DB        string  `avro:"db"`
	Table     *string `avro:"table"`
}

type avroEnvelope struct {
	Before *avroValue `avro:"before"`
	After  *avroValue `avro:"after"`
	Source avroSource `avro:"source"`
	Op     string     `avro:"op"`
	TsMs   *int64     `avro:"ts_ms"`
}

func toAvro(r *row) *avroValue {
	if r == nil {
		return nil
	}
	return &avroValue{
		ID: r.ID, Name: &r.Name, Email: &r.Email,
		Amount:    new(big.Rat).SetFrac64(r.Amount, 100),
		CreatedAt: &r.CreatedAt, Birth: &r.Birth, Visits: &r.Visits,
		Score: &r.Score, Active: &r.Active, Attrs: &r.Attrs,
	}
}

func (*avroFormat) Name() string { return "avro" }

// registryProps are the converter settings of a registry converter class
// for both key and value.
func registryProps(class, url string) map[string]string {
	return map[string]string{
		"key.converter":                       class,
		"key.converter.schema.registry.url":   url,
		"value.converter":                     class,
		"value.converter.schema.registry.url": url,
	}
}

func (*avroFormat) Props(url string) map[string]string {
	return registryProps("io.confluent.connect.avro.AvroConverter", url)
}

func (f *avroFormat) Register(ctx context.Context, cl *sr.Client, topics []string) error {
	var err error
	if f.ids, err = register(ctx, cl, topics, "value", sr.TypeAvro, avroSchema); err != nil {
		return err
	}
	if f.keyIDs, err = register(ctx, cl, topics, "key", sr.TypeAvro, avroKeySchema); err != nil {
		return err
	}
	f.schemas, f.byTable = map[int]avro.Schema{}, make([]avro.Schema, len(topics))
	for i, t := range topics {
		s, err := avro.Parse(avroSchema(t))
		if err != nil {
			return fmt.Errorf("avro schema of %s: %w", t, err)
		}
		k, err := avro.Parse(avroKeySchema(t))
		if err != nil {
			return fmt.Errorf("avro key schema of %s: %w", t, err)
		}
		f.schemas[f.ids[i]], f.schemas[f.keyIDs[i]], f.byTable[i] = s, k, s
	}
	return nil
}

// AppendKey writes the Key record: its one long, zigzag varint.
func (f *avroFormat) AppendKey(dst []byte, ev *event) []byte {
	return binary.AppendVarint(confluentHeader(dst, f.keyIDs[ev.Table]), keyID(ev))
}

func (f *avroFormat) Append(dst []byte, ev *event) ([]byte, error) {
	table := Tables[ev.Table]
	env := avroEnvelope{
		Before: toAvro(ev.Before), After: toAvro(ev.After),
		Source: avroSource{Version: "2.7.0.Final", Connector: "mysql", Name: "bench", TsMs: ev.SourceTs, DB: "shop", Table: &table},
		Op:     ev.Op, TsMs: &ev.TsMs,
	}
	b, err := avro.Marshal(f.byTable[ev.Table], &env)
	if err != nil {
		return dst, err
	}
	return append(confluentHeader(dst, f.ids[ev.Table]), b...), nil
}

func (f *avroFormat) Naive() (func(key, value []byte) ([]byte, error), error) {
	generic := func(b []byte) (map[string]any, error) {
		id, body, err := schemaID(b)
		if err != nil {
			return nil, err
		}
		s, ok := f.schemas[id]
		if !ok {
			return nil, fmt.Errorf("unknown schema ID %d", id)
		}
		var m map[string]any
		err = avro.Unmarshal(s, body, &m)
		return m, err
	}
	return func(key, value []byte) ([]byte, error) {
		if _, err := generic(key); err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		m, err := generic(value)
		if err != nil {
			return nil, err
		}
		return json.Marshal(image(m))
	}, nil
}

// image is the row image a naive consumer loads: after, or before for a
// delete.
func image(m map[string]any) any {
	if a := m["after"]; a != nil {
		return a
	}
	return m["before"]
}

// ---- Protobuf (io.confluent.connect.protobuf.ProtobufConverter) ----

type protoFormat struct {
	ids, keyIDs []int
	descs       map[int]protoreflect.MessageDescriptor // value and key messages by ID
}

func protoKeySchema(topic string) string {
	return `syntax = "proto3";
package ` + topic + `;

message Key {
  int64 id = 1;
}
`
}

const decimalProto = `syntax = "proto3";
package confluent.type;
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`

// protoSchema is the envelope as Confluent's ProtobufConverter registers a
// Debezium value schema: nested Value and Source messages, Decimal as
// confluent.type.Decimal, Debezium's time types as plain integers.
func protoSchema(topic string) string {
	return `syntax = "proto3";
package ` + topic + `;

import "confluent/type/decimal.proto";

message Envelope {
  Value before = 1;
  Value after = 2;
  Source source = 3;
  string op = 4;
  int64 ts_ms = 5;

  message Value {
    int64 id = 1;
    string name = 2;
    string email = 3;
    confluent.type.Decimal amount = 4;
    int64 created_at = 5;
    int32 birth = 6;
    int64 visits = 7;
    double score = 8;
    bool active = 9;
    string attrs = 10;
  }
  message Source {
    string version = 1;
    string connector = 2;
    string name = 3;
    int64 ts_ms = 4;
    string db = 5;
    string table = 6;
  }
}
`
}

func (*protoFormat) Name() string { return "protobuf" }

func (*protoFormat) Props(url string) map[string]string {
	return registryProps("io.confluent.connect.protobuf.ProtobufConverter", url)
}

// compileProto compiles a schema into the descriptor of its message name.
func compileProto(schema, name string) (protoreflect.MessageDescriptor, error) {
	c := protocompile.Compiler{Resolver: &protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(map[string]string{
		"bench.proto":                  schema,
		"confluent/type/decimal.proto": decimalProto,
	})}}
	files, err := c.Compile(context.Background(), "bench.proto")
	if err != nil {
		return nil, err
	}
	md := files[0].Messages().ByName(protoreflect.Name(name))
	if md == nil {
		return nil, fmt.Errorf("no %s message", name)
	}
	return md, nil
}

func (f *protoFormat) Register(ctx context.Context, cl *sr.Client, topics []string) error {
	var err error
	if f.ids, err = register(ctx, cl, topics, "value", sr.TypeProtobuf, protoSchema); err != nil {
		return err
	}
	if f.keyIDs, err = register(ctx, cl, topics, "key", sr.TypeProtobuf, protoKeySchema); err != nil {
		return err
	}
	f.descs = map[int]protoreflect.MessageDescriptor{}
	for i, t := range topics {
		md, err := compileProto(protoSchema(t), "Envelope")
		if err != nil {
			return fmt.Errorf("protobuf schema of %s: %w", t, err)
		}
		kd, err := compileProto(protoKeySchema(t), "Key")
		if err != nil {
			return fmt.Errorf("protobuf key schema of %s: %w", t, err)
		}
		f.descs[f.ids[i]], f.descs[f.keyIDs[i]] = md, kd
	}
	return nil
}

func (f *protoFormat) AppendKey(dst []byte, ev *event) []byte {
	dst = append(confluentHeader(dst, f.keyIDs[ev.Table]), 0) // message indexes [0]
	dst = protowire.AppendTag(dst, 1, protowire.VarintType)
	return protowire.AppendVarint(dst, uint64(keyID(ev)))
}

func appendProtoRow(dst []byte, r *row) []byte {
	var dec []byte
	dec = protowire.AppendTag(dec, 1, protowire.BytesType)
	dec = protowire.AppendBytes(dec, decimalBytes(nil, r.Amount))
	dec = protowire.AppendTag(dec, 2, protowire.VarintType)
	dec = protowire.AppendVarint(dec, amountPrecision)
	dec = protowire.AppendTag(dec, 3, protowire.VarintType)
	dec = protowire.AppendVarint(dec, amountScale)

	v := dst
	v = protowire.AppendTag(v, 1, protowire.VarintType)
	v = protowire.AppendVarint(v, uint64(r.ID))
	v = protowire.AppendTag(v, 2, protowire.BytesType)
	v = protowire.AppendString(v, r.Name)
	v = protowire.AppendTag(v, 3, protowire.BytesType)
	v = protowire.AppendString(v, r.Email)
	v = protowire.AppendTag(v, 4, protowire.BytesType)
	v = protowire.AppendBytes(v, dec)
	v = protowire.AppendTag(v, 5, protowire.VarintType)
	v = protowire.AppendVarint(v, uint64(r.CreatedAt))
	v = protowire.AppendTag(v, 6, protowire.VarintType)
	v = protowire.AppendVarint(v, uint64(int64(r.Birth)))
	v = protowire.AppendTag(v, 7, protowire.VarintType)
	v = protowire.AppendVarint(v, uint64(r.Visits))
	v = protowire.AppendTag(v, 8, protowire.Fixed64Type)
	v = protowire.AppendFixed64(v, math.Float64bits(r.Score))
	if r.Active { // proto3 leaves false out
		v = protowire.AppendTag(v, 9, protowire.VarintType)
		v = protowire.AppendVarint(v, 1)
	}
	v = protowire.AppendTag(v, 10, protowire.BytesType)
	v = protowire.AppendString(v, r.Attrs)
	return v
}

func (f *protoFormat) Append(dst []byte, ev *event) ([]byte, error) {
	dst = append(confluentHeader(dst, f.ids[ev.Table]), 0) // message indexes [0]
	if ev.Before != nil {
		dst = protowire.AppendTag(dst, 1, protowire.BytesType)
		dst = protowire.AppendBytes(dst, appendProtoRow(nil, ev.Before))
	}
	if ev.After != nil {
		dst = protowire.AppendTag(dst, 2, protowire.BytesType)
		dst = protowire.AppendBytes(dst, appendProtoRow(nil, ev.After))
	}
	var src []byte
	for i, s := range []string{"2.7.0.Final", "mysql", "bench"} {
		src = protowire.AppendTag(src, protowire.Number(i+1), protowire.BytesType)
		src = protowire.AppendString(src, s)
	}
	src = protowire.AppendTag(src, 4, protowire.VarintType)
	src = protowire.AppendVarint(src, uint64(ev.SourceTs))
	src = protowire.AppendTag(src, 5, protowire.BytesType)
	src = protowire.AppendString(src, "shop")
	src = protowire.AppendTag(src, 6, protowire.BytesType)
	src = protowire.AppendString(src, Tables[ev.Table])
	dst = protowire.AppendTag(dst, 3, protowire.BytesType)
	dst = protowire.AppendBytes(dst, src)
	dst = protowire.AppendTag(dst, 4, protowire.BytesType)
	dst = protowire.AppendString(dst, ev.Op)
	dst = protowire.AppendTag(dst, 5, protowire.VarintType)
	dst = protowire.AppendVarint(dst, uint64(ev.TsMs))
	return dst, nil
}

func (f *protoFormat) Naive() (func(key, value []byte) ([]byte, error), error) {
	generic := func(b []byte) (*dynamicpb.Message, error) {
		id, body, err := schemaID(b)
		if err != nil {
			return nil, err
		}
		md, ok := f.descs[id]
		if !ok {
			return nil, fmt.Errorf("unknown schema ID %d", id)
		}
		if len(body) == 0 || body[0] != 0 {
			return nil, errors.New("message indexes other than [0]")
		}
		m := dynamicpb.NewMessage(md)
		return m, proto.Unmarshal(body[1:], m)
	}
	return func(key, value []byte) ([]byte, error) {
		if _, err := generic(key); err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		m, err := generic(value)
		if err != nil {
			return nil, err
		}
		md := m.Descriptor()
		img := md.Fields().ByName("after")
		if !m.Has(img) {
			img = md.Fields().ByName("before")
		}
		return protojson.Marshal(m.Get(img).Message().Interface())
	}, nil
}

// ---- JSON: the payload shared by JsonSchemaConverter and JsonConverter ----

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

func appendJSONRow(dst []byte, r *row) []byte {
	if r == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, r.ID, 10)
	dst = append(dst, `,"name":`...)
	dst = appendJSONString(dst, r.Name)
	dst = append(dst, `,"email":`...)
	dst = appendJSONString(dst, r.Email)
	dst = append(dst, `,"amount":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, decimalBytes(nil, r.Amount))
	dst = append(dst, `","created_at":`...)
	dst = strconv.AppendInt(dst, r.CreatedAt, 10)
	dst = append(dst, `,"birth":`...)
	dst = strconv.AppendInt(dst, int64(r.Birth), 10)
	dst = append(dst, `,"visits":`...)
	dst = strconv.AppendInt(dst, r.Visits, 10)
	dst = append(dst, `,"score":`...)
	dst = strconv.AppendFloat(dst, r.Score, 'g', -1, 64)
	dst = append(dst, `,"active":`...)
	dst = strconv.AppendBool(dst, r.Active)
	dst = append(dst, `,"attrs":`...)
	dst = appendJSONString(dst, r.Attrs)
	return append(dst, '}')
}

func appendJSONPayload(dst []byte, ev *event) []byte {
	dst = append(dst, `{"before":`...)
	dst = appendJSONRow(dst, ev.Before)
	dst = append(dst, `,"after":`...)
	dst = appendJSONRow(dst, ev.After)
	dst = append(dst, `,"source":{"version":"2.7.0.Final","connector":"mysql","name":"bench","ts_ms":`...)
	dst = strconv.AppendInt(dst, ev.SourceTs, 10)
	dst = append(dst, `,"db":"shop","table":`...)
	dst = appendJSONString(dst, Tables[ev.Table])
	dst = append(dst, `},"op":`...)
	dst = appendJSONString(dst, ev.Op)
	dst = append(dst, `,"ts_ms":`...)
	dst = strconv.AppendInt(dst, ev.TsMs, 10)
	return append(dst, '}')
}

// naiveJSON decodes a JSON envelope into maps and marshals its row image;
// payload unwraps JsonConverter's {"schema":…,"payload":…}.
func naiveJSON(body []byte, payload bool) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	if payload {
		p, ok := m["payload"].(map[string]any)
		if !ok {
			return nil, errors.New("no payload")
		}
		m = p
	}
	return json.Marshal(image(m))
}

// ---- JSON Schema (io.confluent.connect.json.JsonSchemaConverter) ----

type jsonSchemaFormat struct{ ids, keyIDs []int }

func jsonKeySchema(topic string) string {
	return `{"type":"object","title":"` + topic + `.Key","properties":{"id":{"type":"integer","connect.index":0,"connect.type":"int64"}}}`
}

// appendJSONKey appends the key payload {"id":N}.
func appendJSONKey(dst []byte, ev *event) []byte {
	return append(strconv.AppendInt(append(dst, `{"id":`...), keyID(ev), 10), '}')
}

func jsonSchema(topic string) string {
	opt := func(name string, idx int, typ string) string {
		return `"` + name + `":{"connect.index":` + strconv.Itoa(idx) + `,"oneOf":[{"type":"null"},` + typ + `]}`
	}
	value := `{"type":"object","title":"` + topic + `.Value","properties":{` + strings.Join([]string{
		`"id":{"type":"integer","connect.index":0,"connect.type":"int64"}`,
		opt("name", 1, `{"type":"string"}`),
		opt("email", 2, `{"type":"string"}`),
		`"amount":{"type":"string","title":"org.apache.kafka.connect.data.Decimal","connect.index":3,"connect.type":"bytes","connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"12"}}`,
		opt("created_at", 4, `{"type":"integer","title":"io.debezium.time.MicroTimestamp","connect.version":1,"connect.type":"int64"}`),
		opt("birth", 5, `{"type":"integer","title":"io.debezium.time.Date","connect.version":1,"connect.type":"int32"}`),
		opt("visits", 6, `{"type":"integer","connect.type":"int64"}`),
		opt("score", 7, `{"type":"number","connect.type":"float64"}`),
		opt("active", 8, `{"type":"boolean"}`),
		opt("attrs", 9, `{"type":"string","title":"io.debezium.data.Json","connect.version":1}`),
	}, ",") + `}}`
	source := `{"type":"object","title":"io.debezium.connector.mysql.Source","connect.index":2,"properties":{` +
		`"version":{"type":"string","connect.index":0},"connector":{"type":"string","connect.index":1},` +
		`"name":{"type":"string","connect.index":2},"ts_ms":{"type":"integer","connect.index":3,"connect.type":"int64"},` +
		`"db":{"type":"string","connect.index":4},"table":{"connect.index":5,"oneOf":[{"type":"null"},{"type":"string"}]}}}`
	return `{"type":"object","title":"` + topic + `.Envelope","properties":{` +
		`"before":{"connect.index":0,"oneOf":[{"type":"null"},` + value + `]},` +
		`"after":{"connect.index":1,"oneOf":[{"type":"null"},` + value + `]},` +
		`"source":` + source + `,` +
		`"op":{"type":"string","connect.index":3},` +
		`"ts_ms":{"connect.index":4,"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int64"}]}}}`
}

func (*jsonSchemaFormat) Name() string { return "jsonschema" }

func (*jsonSchemaFormat) Props(url string) map[string]string {
	return registryProps("io.confluent.connect.json.JsonSchemaConverter", url)
}

func (f *jsonSchemaFormat) Register(ctx context.Context, cl *sr.Client, topics []string) error {
	var err error
	if f.ids, err = register(ctx, cl, topics, "value", sr.TypeJSON, jsonSchema); err != nil {
		return err
	}
	f.keyIDs, err = register(ctx, cl, topics, "key", sr.TypeJSON, jsonKeySchema)
	return err
}

func (f *jsonSchemaFormat) AppendKey(dst []byte, ev *event) []byte {
	return appendJSONKey(confluentHeader(dst, f.keyIDs[ev.Table]), ev)
}

func (f *jsonSchemaFormat) Append(dst []byte, ev *event) ([]byte, error) {
	return appendJSONPayload(confluentHeader(dst, f.ids[ev.Table]), ev), nil
}

func (f *jsonSchemaFormat) Naive() (func(key, value []byte) ([]byte, error), error) {
	return func(key, value []byte) ([]byte, error) {
		_, kb, err := schemaID(key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		var k map[string]any
		if err := json.Unmarshal(kb, &k); err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		_, body, err := schemaID(value)
		if err != nil {
			return nil, err
		}
		return naiveJSON(body, false)
	}, nil
}

// ---- JsonConverter with schemas.enable=true ----

type jsonFormat struct{ schemas, keySchemas []string }

func connectKeySchema(topic string) string {
	return `{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false,"name":"` + topic + `.Key"}`
}

func connectSchema(topic string) string {
	f := func(typ, field string, optional bool, extra string) string {
		return `{"type":"` + typ + `","optional":` + strconv.FormatBool(optional) + extra + `,"field":"` + field + `"}`
	}
	named := func(name string) string { return `,"name":"` + name + `","version":1` }
	fields := `[` + strings.Join([]string{
		f("int64", "id", false, ""),
		f("string", "name", true, ""),
		f("string", "email", true, ""),
		f("bytes", "amount", false, named("org.apache.kafka.connect.data.Decimal")+`,"parameters":{"scale":"2","connect.decimal.precision":"12"}`),
		f("int64", "created_at", true, named("io.debezium.time.MicroTimestamp")),
		f("int32", "birth", true, named("io.debezium.time.Date")),
		f("int64", "visits", true, ""),
		f("double", "score", true, ""),
		f("boolean", "active", true, ""),
		f("string", "attrs", true, named("io.debezium.data.Json")),
	}, ",") + `]`
	value := func(field string) string {
		return `{"type":"struct","fields":` + fields + `,"optional":true,"name":"` + topic + `.Value","field":"` + field + `"}`
	}
	source := `{"type":"struct","fields":[` + strings.Join([]string{
		f("string", "version", false, ""), f("string", "connector", false, ""), f("string", "name", false, ""),
		f("int64", "ts_ms", false, ""), f("string", "db", false, ""), f("string", "table", true, ""),
	}, ",") + `],"optional":false,"name":"io.debezium.connector.mysql.Source","field":"source"}`
	return `{"type":"struct","fields":[` + value("before") + `,` + value("after") + `,` + source + `,` +
		f("string", "op", false, "") + `,` + f("int64", "ts_ms", true, "") +
		`],"optional":false,"name":"` + topic + `.Envelope","version":1}`
}

func (*jsonFormat) Name() string { return "json" }

func (*jsonFormat) Props(string) map[string]string {
	return map[string]string{
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "true",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable": "true",
	}
}

func (f *jsonFormat) Register(_ context.Context, _ *sr.Client, topics []string) error {
	f.schemas, f.keySchemas = make([]string, len(topics)), make([]string, len(topics))
	for i, t := range topics {
		f.schemas[i], f.keySchemas[i] = connectSchema(t), connectKeySchema(t)
	}
	return nil
}

func (f *jsonFormat) AppendKey(dst []byte, ev *event) []byte {
	dst = append(dst, `{"schema":`...)
	dst = append(dst, f.keySchemas[ev.Table]...)
	dst = append(dst, `,"payload":`...)
	return append(appendJSONKey(dst, ev), '}')
}

func (f *jsonFormat) Append(dst []byte, ev *event) ([]byte, error) {
	dst = append(dst, `{"schema":`...)
	dst = append(dst, f.schemas[ev.Table]...)
	dst = append(dst, `,"payload":`...)
	dst = appendJSONPayload(dst, ev)
	return append(dst, '}'), nil
}

func (*jsonFormat) Naive() (func(key, value []byte) ([]byte, error), error) {
	return func(key, value []byte) ([]byte, error) {
		var k map[string]any
		if err := json.Unmarshal(key, &k); err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		return naiveJSON(value, true)
	}, nil
}
