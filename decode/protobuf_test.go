package decode

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"
)

// The Source block lives in its own file, registered under its own subject
// and imported by the envelope, as a producer using references would.
const protoSource = `syntax = "proto3";
package io.debezium.connector.mysql;

message Source {
  string version = 1;
  string connector = 2;
  string name = 3;
  int64 ts_ms = 4;
  string snapshot = 5;
  string db = 6;
  string sequence = 7;
  string table = 8;
  int64 server_id = 9;
  string gtid = 10;
  string file = 11;
  int64 pos = 12;
  int32 row = 13;
  int64 thread = 14;
  string query = 15;
}
`

// What ProtobufData.fromConnectSchema writes for a Debezium MySQL envelope
// (nested Value/block, field_meta for int16 and Decimal, google types),
// with a wrapper column and a map column to cover those mappings.
const protoEnvelope = `syntax = "proto3";
package dbserver1.inventory.customers;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";
import "io/debezium/mysql/source.proto";

message Envelope {
  Value before = 1;
  Value after = 2;
  io.debezium.connector.mysql.Source source = 3;
  string op = 4;
  int64 ts_ms = 5;
  block transaction = 6;

  message Value {
    int32 id = 1;
    string first_name = 2;
    string last_name = 3;
    string email = 4;
    int32 age = 5 [(confluent.field_meta) = { params: [ { key: "connect.type", value: "int16" } ] }];
    confluent.type.Decimal balance = 6 [(confluent.field_meta) = { params: [ { key: "precision", value: "10" }, { key: "scale", value: "2" } ] }];
    google.type.Date birth_date = 7;
    google.protobuf.Timestamp created = 8;
    google.protobuf.StringValue nick = 9;
    map<string, int64> counters = 10;
    google.type.TimeOfDay opens = 11;
    Color color = 12;
    repeated string tags = 13;
    optional string note = 14;
  }
  message block {
    string id = 1;
    int64 total_order = 2;
    int64 data_collection_order = 3;
  }
  enum Color {
    RED = 0;
    GREEN = 1;
  }
}

message Other {
  map<string, string> labels = 1;
  message Inner {
    int64 n = 1;
    oneof choice {
      string s = 2;
      int64 i = 3;
    }
  }
}
`

const protoEnvelopeJSON = `{
 "after": {"id": 1004, "first_name": "Anne", "last_name": "Kretchmar", "email": "annek@noanswer.org", "age": 41,
   "balance": {"value": "MDk=", "precision": 10, "scale": 2}, "birth_date": {"year": 1994, "month": 5, "day": 20},
   "created": "2024-04-12T10:30:00.123Z", "nick": "annie", "counters": {"logins": "3"}, "opens": {"hours": 10, "minutes": 30},
   "color": "GREEN", "tags": ["a", "b"]},
 "source": {"version": "2.5.0.Final", "connector": "mysql", "name": "dbserver1", "ts_ms": "1712917800000", "snapshot": "false",
   "db": "inventory", "table": "customers", "server_id": "223344", "file": "mysql-bin.000003", "pos": "484"},
 "op": "c", "ts_ms": "1712917800123"
}`

// protoEncode compiles the schema the way the converter does and encodes a
// protojson document with dynamicpb, as the Confluent serializer would.
func protoEncode(t testing.TB, raw *rawSchema, idx []int, doc string) []byte {
	t.Helper()
	pf, err := compileProto(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	md, err := messageAt(pf.fd, idx)
	if err != nil {
		t.Fatal(err)
	}
	m := dynamicpb.NewMessage(md)
	if err := protojson.Unmarshal([]byte(doc), m); err != nil {
		t.Fatal(err)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func protoConv(t testing.TB, regs *Registries, url string) Converter {
	t.Helper()
	c, err := regs.New(ClassProtobuf, map[string]string{"schema.registry.url": url})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func registerProtoEnvelope(t testing.TB, f interface {
	RegisterSchema(string, sr.Schema) (int, int, error)
}) (int, *rawSchema) {
	t.Helper()
	if _, _, err := f.RegisterSchema("io/debezium/mysql/source.proto", sr.Schema{Type: sr.TypeProtobuf, Schema: protoSource}); err != nil {
		t.Fatal(err)
	}
	id, _, err := f.RegisterSchema("dbserver1.inventory.customers-value", sr.Schema{Type: sr.TypeProtobuf, Schema: protoEnvelope,
		References: []sr.SchemaReference{{Name: "io/debezium/mysql/source.proto", Subject: "io/debezium/mysql/source.proto", Version: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	raw := &rawSchema{id: schemaID{id: id}, kind: kindProtobuf, text: protoEnvelope,
		refs: []schemaRef{{name: "io/debezium/mysql/source.proto", text: protoSource, kind: kindProtobuf}}}
	return id, raw
}

func TestProtobufMySQLEnvelope(t *testing.T) {
	f := newFake(t)
	id, raw := registerProtoEnvelope(t, f)
	c := protoConv(t, testRegistries(), f.URL())
	rec, err := c.Decode(context.Background(), "dbserver1.inventory.customers", frame(id, []int{0}, protoEncode(t, raw, []int{0}, protoEnvelopeJSON)))
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Schema.IsEnvelope() || rec.Schema.Name != "dbserver1.inventory.customers.Envelope" || rec.SchemaID != id {
		t.Fatalf("schema %q", rec.Schema.Name)
	}
	for p, w := range map[string]any{
		"before": nil, "transaction": nil, "op": "c", "ts_ms": int64(1712917800123),
		"after.id": int64(1004), "after.first_name": "Anne", "after.age": int64(41),
		"after.birth_date": int64(8905), "after.created": int64(1712917800123), "after.nick": "annie",
		"after.opens": int64(37800000), "after.color": "GREEN", "after.note": nil,
		"source.connector": "mysql", "source.ts_ms": int64(1712917800000), "source.server_id": int64(223344),
		"source.pos": int64(484), "source.gtid": "", "source.thread": int64(0), // proto3: NULL reads back as the zero value
	} {
		if got := at(t, rec.Value, p); got != w {
			t.Errorf("%s = %#v, want %#v", p, got, w)
		}
	}
	if d := at(t, rec.Value, "after.balance").(Decimal); d.String() != "123.45" {
		t.Errorf("balance = %s", d)
	}
	if m := at(t, rec.Value, "after.counters").(map[string]any); m["logins"] != int64(3) {
		t.Errorf("counters = %v", m)
	}
	if l := at(t, rec.Value, "after.tags").([]any); len(l) != 2 || l[1] != "b" {
		t.Errorf("tags = %v", l)
	}
	v := rec.Schema.Field("after").Schema
	if v.Name != "dbserver1.inventory.customers.Envelope.Value" || !v.Optional {
		t.Errorf("after schema %q optional=%v", v.Name, v.Optional)
	}
	for name, want := range map[string]struct {
		typ  Type
		name string
	}{
		"id": {TypeInt32, ""}, "age": {TypeInt16, ""}, "balance": {TypeBytes, ConnectDecimal}, "birth_date": {TypeInt32, ConnectDate},
		"created": {TypeInt64, ConnectTimestamp}, "nick": {TypeString, ""}, "counters": {TypeMap, ""}, "opens": {TypeInt32, ConnectTime},
		"color": {TypeString, "Color"}, "tags": {TypeArray, ""},
	} {
		s := v.Field(name).Schema
		if s.Type != want.typ || s.Name != want.name {
			t.Errorf("%s schema %v %q, want %v %q", name, s.Type, s.Name, want.typ, want.name)
		}
	}
	if p := v.Field("age").Schema.Parameters; p[protoTagParam] != "5" || p["connect.type"] != "" {
		t.Errorf("age params %v", p)
	}
	if p := v.Field("balance").Schema.Parameters; p["scale"] != "2" || p["connect.decimal.precision"] != "10" {
		t.Errorf("balance params %v", p)
	}
	if s := rec.Schema.Field("source").Schema; s.Name != "io.debezium.connector.mysql.Source" {
		t.Errorf("imported Source named %q", s.Name)
	}
	// Delete: after unset, before set.
	del := `{"before": {"id": 1004}, "source": {"connector": "mysql"}, "op": "d"}`
	rec, err = c.Decode(context.Background(), "t", frame(id, []int{0}, protoEncode(t, raw, []int{0}, del)))
	if err != nil || at(t, rec.Value, "after") != nil || at(t, rec.Value, "before.id") != int64(1004) {
		t.Fatalf("delete: %v", err)
	}
}

// Index paths: [0,0] is Envelope.Value (not a map entry), [1,0] is
// Other.Inner although Other's first nested descriptor is LabelsEntry.
func TestProtobufMessageIndexSkipsMapEntries(t *testing.T) {
	f := newFake(t)
	id, raw := registerProtoEnvelope(t, f)
	c := protoConv(t, testRegistries(), f.URL())
	rec, err := c.Decode(context.Background(), "t", frame(id, []int{1, 0}, protoEncode(t, raw, []int{1, 0}, `{"n": "5", "s": "x"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Schema.Name != "dbserver1.inventory.customers.Other.Inner" || at(t, rec.Value, "n") != int64(5) {
		t.Fatalf("got %q", rec.Schema.Name)
	}
	u := at(t, rec.Value, "choice_0").(*Struct)
	if u.Schema.Name != protoUnionName+".choice" || rec.Schema.Fields[0].Name != "choice_0" {
		t.Errorf("oneof schema %q first field %q", u.Schema.Name, rec.Schema.Fields[0].Name)
	}
	if v, _ := u.Get("s"); v != "x" {
		t.Errorf("oneof = %+v", u)
	}
	if v, _ := u.Get("i"); v != nil {
		t.Errorf("oneof other member = %v", v)
	}
	rec, err = c.Decode(context.Background(), "t", frame(id, []int{0, 0}, protoEncode(t, raw, []int{0, 0}, `{"id": 3}`)))
	if err != nil || rec.Schema.Name != "dbserver1.inventory.customers.Envelope.Value" {
		t.Fatalf("[0,0]: %v %v", rec.Schema, err)
	}
	if _, err := c.Decode(context.Background(), "t", frame(id, []int{5}, nil)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad index: %v", err)
	}
	if _, err := c.Decode(context.Background(), "t", frame(id, []int{0}, []byte{0xff, 0xff})); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad payload: %v", err)
	}
}

func TestProtobufSchemaChangeAndBadSchema(t *testing.T) {
	f := newFake(t)
	v1 := "syntax = \"proto3\";\npackage a;\nmessage Value { int64 id = 1; }\n"
	v2 := "syntax = \"proto3\";\npackage a;\nmessage Value { int64 id = 1; string name = 2; }\n"
	id1 := mustRegister(t, f, "a-value", sr.Schema{Type: sr.TypeProtobuf, Schema: v1})
	id2 := mustRegister(t, f, "a-value", sr.Schema{Type: sr.TypeProtobuf, Schema: v2})
	c := protoConv(t, testRegistries(), f.URL())
	r1, err1 := c.Decode(context.Background(), "a", frame(id1, []int{0}, protoEncode(t, &rawSchema{id: schemaID{id: id1}, text: v1}, []int{0}, `{"id":"1"}`)))
	r2, err2 := c.Decode(context.Background(), "a", frame(id2, []int{0}, protoEncode(t, &rawSchema{id: schemaID{id: id2}, text: v2}, []int{0}, `{"id":"2","name":"n"}`)))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if len(r1.Schema.Fields) != 1 || len(r2.Schema.Fields) != 2 || at(t, r2.Value, "name") != "n" {
		t.Fatal("schema change not seen")
	}
	bad := mustRegister(t, f, "b-value", sr.Schema{Type: sr.TypeProtobuf, Schema: "syntax = \"proto3\"; message X { Missing m = 1; }"})
	_, err := c.Decode(context.Background(), "b", frame(bad, []int{0}, nil))
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "does not compile") {
		t.Fatalf("bad schema: %v", err)
	}
}

// A message field repeated 100k times merges in linear time.
func TestProtobufRepeatedMessageFieldIsLinear(t *testing.T) {
	raw := &rawSchema{id: schemaID{id: 1}, kind: kindProtobuf, text: protoEnvelope,
		refs: []schemaRef{{name: "io/debezium/mysql/source.proto", text: protoSource, kind: kindProtobuf}}}
	pf, err := compileProto(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := pf.message([]int{0})
	var b []byte
	for i := 0; i < 100_000; i++ {
		b = append(b, 0x12, 0x00) // after = {} (field 2, empty)
	}
	b = append(b, 0x12, 0x02, 0x08, 0x07) // after = {id: 7}
	start := time.Now()
	d := pbDecoder{b: b}
	v, err := d.message(m, 0, len(b))
	if err != nil || at(t, v, "after.id") != int64(7) {
		t.Fatalf("%v", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %v", el)
	}
}
