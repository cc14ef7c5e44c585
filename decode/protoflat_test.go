package decode

import (
	"bytes"
	"context"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// protoFlatText is a flattenable schema (but for NotFlat) covering every
// flat form: a Debezium-like envelope (also the benchmark's), every scalar
// kind, enums (dense, sparse, aliased, negative), proto3 optional fields,
// the well-known types, nested messages and oneofs with scalar, enum,
// message and well-known members. Message indexes: Envelope 0, Row 1,
// Kinds 2, NotFlat 3.
const protoFlatText = `syntax = "proto3";
package flat.test;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";

message Envelope {
  Row before = 1;
  Row after = 2;
  Source source = 3;
  string op = 4;
  int64 ts_ms = 5;
  Block transaction = 6;

  message Source {
    string version = 1; string connector = 2; string name = 3; int64 ts_ms = 4; string snapshot = 5;
    string db = 6; string table = 8; int64 server_id = 9; string file = 11; int64 pos = 12; int32 row = 13;
  }
  message Block { string id = 1; int64 total_order = 2; int64 data_collection_order = 3; }
}

message Row {
  int64 id = 1;
  string name = 2;
  string email = 3;
  google.type.Date birth_date = 4;
  google.protobuf.Timestamp updated = 5;
  confluent.type.Decimal balance = 6 [(confluent.field_meta) = { params: [ { key: "precision", value: "12" }, { key: "scale", value: "2" } ] }];
  double score = 7;
  bool active = 8;
  int64 visits = 9;
  string notes = 10;
}

message Kinds {
  int32 i32 = 1; sint32 s32 = 2; sfixed32 sf32 = 3; uint32 u32 = 4; fixed32 f32 = 5;
  int64 i64 = 6; sint64 s64 = 7; sfixed64 sf64 = 8; uint64 u64 = 9; fixed64 f64 = 10;
  float fl = 11; double db = 12; bool b = 13; string s = 14; bytes by = 15;
  int32 small = 16 [(confluent.field_meta) = { params: [ { key: "connect.type", value: "int8" } ] }];
  Color color = 17;
  optional string opt_s = 18;
  optional int64 opt_i = 19;
  optional Color opt_color = 20;
  confluent.type.Decimal dec = 21 [(confluent.field_meta) = { params: [ { key: "precision", value: "10" }, { key: "scale", value: "3" } ] }];
  confluent.type.Decimal dec0 = 22;
  google.type.Date date = 23;
  google.type.TimeOfDay tod = 24;
  google.protobuf.Timestamp ts = 25;
  google.protobuf.DoubleValue w_d = 26;
  google.protobuf.FloatValue w_f = 27;
  google.protobuf.Int64Value w_i64 = 28;
  google.protobuf.UInt64Value w_u64 = 29;
  google.protobuf.Int32Value w_i32 = 30;
  google.protobuf.UInt32Value w_u32 = 31;
  google.protobuf.BoolValue w_b = 32;
  google.protobuf.StringValue w_s = 33;
  google.protobuf.BytesValue w_by = 34;
  Inner inner = 35;
  oneof choice {
    string c_s = 36;
    int64 c_i = 37;
    Inner c_m = 38;
    google.protobuf.Timestamp c_ts = 39;
    Color c_e = 40;
  }
  oneof other { bool o_b = 41; double o_d = 42; }
  Far far = 43;

  message Inner { int64 n = 1; string t = 2; Leaf leaf = 3; }
  message Leaf { bool ok = 1; google.type.Date d = 2; google.protobuf.StringValue w = 3; }
  enum Color { RED = 0; GREEN = 1; BLUE = 5; }
  enum Far { option allow_alias = true; F0 = 0; NEG = -3; HUGE = 100000; ALIAS = 100000; }
}

message NotFlat {
  int64 id = 1;
  Deep deep = 2;
  message Deep { repeated int32 xs = 1; }
}
`

// protoFlatP2 is a proto2 message: explicit presence everywhere, no UTF-8
// check on strings, an enum whose default is not its first value.
const protoFlatP2 = `syntax = "proto2";
package flat.p2;

message P2 {
  optional int32 a = 1 [default = 7];
  required string s = 2;
  optional string u = 3;
  optional E e = 4 [default = Y];
  optional bytes by = 5;
  optional Sub sub = 6;
  oneof pick { string p_s = 7; Sub p_m = 8; }
  enum E { X = 1; Y = 2; }
  message Sub { optional int64 n = 1; optional E e = 2; }
}
`

// protoFlatEnv is a registry holding the test schemas and a Protobuf
// converter reading them.
type protoFlatEnv struct {
	c     FlatConverter
	pc    *protobufConverter
	flat  int // protoFlatText
	p2    int // protoFlatP2
	slots []Slot
}

func newProtoFlatEnv(t testing.TB) *protoFlatEnv {
	t.Helper()
	f := newFake(t)
	e := &protoFlatEnv{
		flat: mustRegister(t, f, "flat-value", sr.Schema{Type: sr.TypeProtobuf, Schema: protoFlatText}),
		p2:   mustRegister(t, f, "p2-value", sr.Schema{Type: sr.TypeProtobuf, Schema: protoFlatP2}),
	}
	c := protoConv(t, testRegistries(), f.URL())
	fc, ok := c.(FlatConverter)
	if !ok {
		t.Fatalf("%T is not a FlatConverter", c)
	}
	e.c, e.pc = fc, c.(*protobufConverter)
	return e
}

// msg returns the compiled message plan at idx of schema id.
func (e *protoFlatEnv) msg(t testing.TB, id int, idx []int) *pbMsg {
	t.Helper()
	pf, err := e.pc.schemas.get(context.Background(), schemaID{id: id})
	if err != nil {
		t.Fatal(err)
	}
	m, err := pf.message(idx)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// check decodes data both ways (reusing e.slots, so that stale slots of
// earlier records are exercised) and holds DecodeFlat to the contract:
// when it succeeds Decode succeeds and flatMatches holds; when Decode
// fails it answers ErrNotFlat; it never answers another error. It reports
// whether the flat read succeeded.
func (e *protoFlatEnv) check(t testing.TB, data []byte) bool {
	t.Helper()
	rec, err := e.c.Decode(context.Background(), "t", data)
	plan, slots, ferr := e.c.DecodeFlat(context.Background(), "t", data, e.slots)
	if cap(slots) > cap(e.slots) {
		e.slots = slots
	}
	switch {
	case ferr == nil:
		if err != nil {
			t.Fatalf("DecodeFlat accepted % x, which Decode rejects: %v", data, err)
		}
		if merr := flatMatches(plan, slots, rec); merr != nil {
			t.Fatalf("flat read of % x differs from Decode: %v\nDecode: %s", data, merr, dump(rec.Value))
		}
		return true
	case ferr != ErrNotFlat:
		t.Fatalf("DecodeFlat of % x: %v, want ErrNotFlat (Decode: %v)", data, ferr, err)
	case len(slots) != 0:
		t.Fatalf("DecodeFlat returned %d slots with ErrNotFlat", len(slots))
	}
	return false
}

// protoGen writes random wire-format messages for a compiled message plan:
// random presence, fields in random order, scalar fields repeated (the last
// wins), oneofs with several members, unknown fields and known numbers
// with the wrong wire type. A clean generator writes only records the flat
// reader must accept: no message-typed field twice, enum numbers the enum
// names, valid UTF-8. Decimal scales on the wire are the schema's or
// others (both read flat, the slot holding the wire's).
type protoGen struct {
	rng   *rand.Rand
	clean bool
}

var protoGenVarints = []uint64{0, 1, 2, 127, 128, 300, 1<<31 - 1, 1 << 31, 1<<32 - 1, 1<<32 + 7, 1<<63 - 1, 1 << 63, math.MaxUint64, uint64(1<<64 - 5)}

func (g *protoGen) varint() uint64 {
	if g.rng.Intn(4) == 0 {
		return g.rng.Uint64() >> g.rng.Intn(64)
	}
	return protoGenVarints[g.rng.Intn(len(protoGenVarints))]
}

func (g *protoGen) message(m *pbMsg) []byte {
	var parts [][]byte
	for _, f := range m.fields {
		switch f.kind {
		case pkList, pkMap:
			continue
		case pkOneof:
			perm := g.rng.Perm(len(f.members))
			for _, j := range perm[:g.rng.Intn(len(perm)+1)] {
				parts = append(parts, g.field(f.members[j]))
			}
			if !g.clean && g.rng.Intn(4) == 0 { // one member twice in a row
				mf := f.members[g.rng.Intn(len(f.members))]
				parts = append(parts, append(g.field(mf), g.field(mf)...))
			}
			continue
		}
		if g.rng.Intn(3) == 0 {
			continue
		}
		reps := 1
		if g.rng.Intn(5) == 0 && (!g.clean || f.kind == pkScalar || f.kind == pkEnum) {
			reps += 1 + g.rng.Intn(2)
		}
		for range reps {
			parts = append(parts, g.field(f))
		}
	}
	for g.rng.Intn(3) == 0 {
		parts = append(parts, g.unknown(m))
	}
	g.rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	return bytes.Join(parts, nil)
}

// unknown is a field Decode skips: an unknown number, or a known one with
// a wire type the field does not take.
func (g *protoGen) unknown(m *pbMsg) []byte {
	num := protowire.Number(1000 + g.rng.Intn(1000))
	typ := []protowire.Type{protowire.VarintType, protowire.Fixed32Type, protowire.Fixed64Type, protowire.BytesType, protowire.StartGroupType}[g.rng.Intn(5)]
	if f := m.fields[g.rng.Intn(len(m.fields))]; f.kind != pkOneof && g.rng.Intn(2) == 0 {
		num = f.fd.Number()
		for f.accepts(typ) {
			typ = []protowire.Type{protowire.VarintType, protowire.Fixed32Type, protowire.Fixed64Type, protowire.BytesType}[g.rng.Intn(4)]
		}
	}
	b := protowire.AppendTag(nil, num, typ)
	switch typ {
	case protowire.VarintType:
		return protowire.AppendVarint(b, g.varint())
	case protowire.Fixed32Type:
		return protowire.AppendFixed32(b, g.rng.Uint32())
	case protowire.Fixed64Type:
		return protowire.AppendFixed64(b, g.rng.Uint64())
	case protowire.BytesType:
		return protowire.AppendBytes(b, []byte("unknown\xff"))
	}
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, g.varint())
	return protowire.AppendTag(b, num, protowire.EndGroupType)
}

// field is one occurrence of f: its tag and value.
func (g *protoGen) field(f *pbField) []byte {
	num := f.fd.Number()
	switch f.kind {
	case pkScalar, pkEnum:
		typ, v := g.scalar(f)
		return append(protowire.AppendTag(nil, num, typ), v...)
	case pkMessage:
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), g.message(f.msg))
	}
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), g.wellKnown(f))
}

func (g *protoGen) scalar(f *pbField) (protowire.Type, []byte) {
	k := f.fd.Kind()
	switch typ := wireType(k); typ {
	case protowire.VarintType:
		v := g.varint()
		if f.kind == pkEnum && (g.clean || g.rng.Intn(5) != 0) {
			vals := f.fd.Enum().Values()
			v = uint64(int64(vals.Get(g.rng.Intn(vals.Len())).Number()))
		}
		return typ, protowire.AppendVarint(nil, v)
	case protowire.Fixed32Type:
		bits := []uint32{0, math.Float32bits(1.5), math.Float32bits(-0.0) | 1<<31, 0x7fc00001, 0xff800000, math.MaxUint32, g.rng.Uint32()}
		return typ, protowire.AppendFixed32(nil, bits[g.rng.Intn(len(bits))])
	case protowire.Fixed64Type:
		bits := []uint64{0, math.Float64bits(97.5), 1 << 63, 0x7ff8000000000001, 0xfff0000000000000, math.MaxUint64, g.rng.Uint64()}
		return typ, protowire.AppendFixed64(nil, bits[g.rng.Intn(len(bits))])
	}
	words := []string{"", "a", "Anne Marie", "ünïcødé", "日本", strings.Repeat("x", 200)}
	s := words[g.rng.Intn(len(words))]
	if k == protoreflect.BytesKind || (!g.clean && g.rng.Intn(6) == 0) {
		s += "\xff\xfe"
	}
	return protowire.BytesType, protowire.AppendBytes(nil, []byte(s))
}

// wellKnown is the body of a wrapper, Decimal, Date, TimeOfDay or Timestamp.
func (g *protoGen) wellKnown(f *pbField) []byte {
	var parts [][]byte
	vint := func(num protowire.Number, v uint64) {
		parts = append(parts, protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v))
	}
	small := func(lo, hi int) uint64 { return uint64(int64(lo + g.rng.Intn(hi-lo+1))) }
	maybe := func() bool { return g.rng.Intn(4) != 0 }
	switch f.kind {
	case pkWrapper:
		if maybe() {
			typ, v := g.scalar(f.inner)
			parts = append(parts, append(protowire.AppendTag(nil, 1, typ), v...))
		}
	case pkDecimal:
		if maybe() {
			v := make([]byte, g.rng.Intn(18))
			g.rng.Read(v)
			parts = append(parts, protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), v))
		}
		if maybe() {
			vint(2, small(0, 40))
		}
		scale := uint64(int64(paramScale(f.schema)))
		scale = []uint64{scale, scale, 0, 2, 7, uint64(1<<32) + scale, math.MaxUint64}[g.rng.Intn(7)]
		if scale != 0 || maybe() {
			vint(3, scale)
		}
	case pkDate:
		for num, r := range [][2]int{{1, 0}, {-400, 3000}, {-1, 14}, {-1, 33}} {
			if num > 0 && maybe() {
				vint(protowire.Number(num), small(r[0], r[1]))
			}
		}
		if g.rng.Intn(8) == 0 {
			vint(1, g.varint()) // a year out of range
		}
	case pkTime:
		for num, r := range [][2]int{{0, 0}, {-1, 25}, {-1, 61}, {-1, 61}, {-2e9, 2e9}} {
			if num > 0 && maybe() {
				vint(protowire.Number(num), small(r[0], r[1]))
			}
		}
	case pkTimestamp:
		if maybe() {
			vint(1, small(-1e11, 1e11))
		}
		if maybe() {
			vint(2, small(-2e9, 2e9))
		}
		if g.rng.Intn(8) == 0 {
			vint(1, g.varint())
		}
	}
	if len(parts) > 0 && g.rng.Intn(5) == 0 { // a repeated sub-field: the last wins
		parts = append(parts, parts[g.rng.Intn(len(parts))])
	}
	if g.rng.Intn(5) == 0 {
		parts = append(parts, protowire.AppendFixed64(protowire.AppendTag(nil, 1, protowire.Fixed64Type), 9)) // wrong type: skipped
	}
	if g.rng.Intn(5) == 0 {
		parts = append(parts, protowire.AppendVarint(protowire.AppendTag(nil, 77, protowire.VarintType), 1))
	}
	g.rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	return bytes.Join(parts, nil)
}

// protoFlatFixture is a record of the existing Protobuf tests' schemas.
type protoFlatFixture struct {
	name string
	data []byte
	flat bool // the schema flattens (and the record is flat-readable)
}

// protoFlatFixtures are the schemas and payloads of protobuf_test.go and
// protobuf_oracle_test.go, and the benchmark's, registered in one fake
// registry, each marked with whether DecodeFlat must read it.
func protoFlatFixtures(t testing.TB) (FlatConverter, []protoFlatFixture) {
	f := newFake(t)
	id, raw := registerProtoEnvelope(t, f)
	c := protoConv(t, testRegistries(), f.URL())
	enc := func(idx []int, doc string) []byte { return frame(id, idx, protoEncode(t, raw, idx, doc)) }
	srcID, _, err := f.RegisterSchema("io/debezium/mysql/source.proto", sr.Schema{Type: sr.TypeProtobuf, Schema: protoSource})
	if err != nil {
		t.Fatal(err)
	}
	v1 := "syntax = \"proto3\";\npackage a;\nmessage Value { int64 id = 1; }\n"
	v2 := "syntax = \"proto3\";\npackage a;\nmessage Value { int64 id = 1; string name = 2; }\n"
	id1 := mustRegister(t, f, "a-value", sr.Schema{Type: sr.TypeProtobuf, Schema: v1})
	id2 := mustRegister(t, f, "a-value", sr.Schema{Type: sr.TypeProtobuf, Schema: v2})
	bid := mustRegister(t, f, "p-value", sr.Schema{Type: sr.TypeProtobuf, Schema: benchProto})

	// The oracle test's hand-written edge cases on Envelope.Value.
	var edge []byte
	edge = protowire.AppendTag(edge, 2, protowire.BytesType)
	edge = protowire.AppendString(edge, "x")
	edge = protowire.AppendTag(edge, 99, protowire.Fixed64Type)
	edge = protowire.AppendFixed64(edge, 1)
	edge = protowire.AppendTag(edge, 1, protowire.VarintType)
	edge = protowire.AppendVarint(edge, uint64(1<<40|7))

	fx := []protoFlatFixture{
		{"envelope", enc([]int{0}, protoEnvelopeJSON), false},
		{"envelope delete", enc([]int{0}, `{"before": {"id": 1004}, "source": {"connector": "mysql"}, "op": "d"}`), false},
		{"envelope map", enc([]int{0}, `{"before": {"id": 1, "counters": {"a": "1", "b": "-2"}, "tags": []}, "op": "d"}`), false},
		{"value", enc([]int{0, 0}, `{"id": 3}`), false},
		{"value types", enc([]int{0, 0}, `{"nick": "", "balance": {}, "birth_date": {"year": 1969, "month": 12, "day": 31}, "created": "1969-12-31T23:59:59.999Z", "note": ""}`), false},
		{"value edge cases", frame(id, []int{0, 0}, edge), false},
		{"other labels", enc([]int{1}, `{"labels": {"k": "v", "": ""}}`), false},
		{"inner oneof string", enc([]int{1, 0}, `{"n": "5", "s": "x"}`), true},
		{"inner oneof int", enc([]int{1, 0}, `{"n": "-5", "i": "7"}`), true},
		{"inner empty", enc([]int{1, 0}, `{}`), true},
		{"source", frame(srcID, []int{0}, protoEncode(t, &rawSchema{id: schemaID{id: srcID}, text: protoSource}, []int{0},
			`{"version": "2.5.0.Final", "connector": "mysql", "ts_ms": "1712917800000", "server_id": "223344", "row": 3}`)), true},
		{"schema v1", frame(id1, []int{0}, protoEncode(t, &rawSchema{id: schemaID{id: id1}, text: v1}, []int{0}, `{"id":"1"}`)), true},
		{"schema v2", frame(id2, []int{0}, protoEncode(t, &rawSchema{id: schemaID{id: id2}, text: v2}, []int{0}, `{"id":"2","name":"n"}`)), true},
		{"bench envelope", frame(bid, []int{0}, protoEncode(t, &rawSchema{id: schemaID{id: bid}, text: benchProto}, []int{0}, benchProtoJSON)), true},
		{"bench value", frame(bid, []int{0, 0}, protoEncode(t, &rawSchema{id: schemaID{id: bid}, text: benchProto}, []int{0, 0}, `{"id": 7, "balance": {"value": "AA==", "scale": 2}}`)), true},
		{"bad index", frame(id, []int{5}, nil), false},
		{"bad payload", frame(id, []int{1, 0}, []byte{0xff, 0xff}), false},
	}
	return c.(FlatConverter), fx
}

// Every record of the existing Protobuf tests: the flattenable ones read
// flat exactly as Decode reads them, the others are ErrNotFlat.
func TestProtobufFlatFixtures(t *testing.T) {
	c, fx := protoFlatFixtures(t)
	e := &protoFlatEnv{c: c}
	for _, x := range fx {
		if got := e.check(t, x.data); got != x.flat {
			t.Errorf("%s: flat read %v, want %v", x.name, got, x.flat)
		}
	}
}

// A message with a repeated or map field anywhere is decided not flat once,
// when its plan is compiled; its records are ErrNotFlat.
func TestProtobufFlatNotFlattenable(t *testing.T) {
	e := newProtoFlatEnv(t)
	for _, idx := range [][]int{{3}, {3, 0}} {
		if m := e.msg(t, e.flat, idx); m.flat == nil || m.flat.plan != nil {
			t.Fatalf("%v: flat plan %+v, want none", idx, m.flat)
		}
	}
	for _, idx := range [][]int{{0}, {1}, {2}, {2, 0}, {2, 1}} {
		if m := e.msg(t, e.flat, idx); m.flat == nil || m.flat.plan == nil || m.flat.plan.Schema != m.schema {
			t.Fatalf("%v: no flat plan", idx)
		}
	}
	// NotFlat{id: 1, deep: {}} and NotFlat.Deep{xs: [1]}.
	for _, rec := range [][]byte{frame(e.flat, []int{3}, []byte{0x08, 0x01, 0x12, 0x00}), frame(e.flat, []int{3, 0}, []byte{0x08, 0x01})} {
		if _, err := e.c.Decode(context.Background(), "t", rec); err != nil {
			t.Fatal(err)
		}
		if _, slots, err := e.c.DecodeFlat(context.Background(), "t", rec, nil); err != ErrNotFlat || len(slots) != 0 {
			t.Fatalf("not flattenable: %v, %d slots", err, len(slots))
		}
	}
	// A tombstone and an unframed record are ErrNotFlat; a registry error
	// is Decode's.
	for _, rec := range [][]byte{nil, {}, []byte(`{"a":1}`)} {
		if _, _, err := e.c.DecodeFlat(context.Background(), "t", rec, nil); err != ErrNotFlat {
			t.Fatalf("%q: %v", rec, err)
		}
	}
	unknown := frame(e.flat+1000, []int{0}, nil)
	_, derr := e.c.Decode(context.Background(), "t", unknown)
	_, _, ferr := e.c.DecodeFlat(context.Background(), "t", unknown, nil)
	if derr == nil || ferr == nil || ferr == ErrNotFlat || ferr.Error() != derr.Error() {
		t.Fatalf("unknown schema ID: DecodeFlat %v, Decode %v", ferr, derr)
	}
}

// The wire semantics, case by case.
func TestProtobufFlatSemantics(t *testing.T) {
	e := newProtoFlatEnv(t)
	kinds := func(b ...[]byte) []byte { return frame(e.flat, []int{2}, bytes.Join(b, nil)) }
	tag := func(num protowire.Number, typ protowire.Type) []byte { return protowire.AppendTag(nil, num, typ) }
	vint := func(num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(tag(num, protowire.VarintType), v)
	}
	msg := func(num protowire.Number, b ...[]byte) []byte {
		return protowire.AppendBytes(tag(num, protowire.BytesType), bytes.Join(b, nil))
	}
	str := func(num protowire.Number, s string) []byte {
		return protowire.AppendString(tag(num, protowire.BytesType), s)
	}
	plan := e.msg(t, e.flat, []int{2}).flat.plan
	slot := func(path ...string) int {
		at := 0
		for _, p := range path {
			if at = plan.Field(at, p); at < 0 {
				t.Fatalf("no slot %v", path)
			}
		}
		return at
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		flat  bool
		check func(s []Slot) bool
	}{
		{"empty: proto3 defaults, null messages", kinds(), true, func(s []Slot) bool {
			return s[slot("i64")].Kind == SlotInt && s[slot("s")].Kind == SlotBytes && string(s[slot("color")].Bytes) == "RED" &&
				s[slot("opt_s")].Kind == SlotNull && s[slot("inner")].Kind == SlotNull && s[slot("inner", "leaf", "ok")].Kind == SlotNull &&
				s[slot("choice_0")].Kind == SlotNull && string(s[slot("far")].Bytes) == "F0"
		}},
		{"repeated scalar: the last wins", kinds(vint(6, 1), str(14, "a"), vint(6, 2), str(14, "b")), true, func(s []Slot) bool {
			return s[slot("i64")].Int == 2 && string(s[slot("s")].Bytes) == "b"
		}},
		{"aliased and negative enum numbers", kinds(vint(43, 100000), vint(17, 5)), true, func(s []Slot) bool {
			return string(s[slot("far")].Bytes) == "HUGE" && string(s[slot("color")].Bytes) == "BLUE"
		}},
		{"negative enum", kinds(vint(43, uint64(1<<64-3))), true, func(s []Slot) bool { return string(s[slot("far")].Bytes) == "NEG" }},
		{"unknown enum number", kinds(vint(17, 9)), false, nil},
		{"oneof: the last member wins", kinds(str(36, "x"), msg(38, vint(1, 4)), vint(37, 9)), true, func(s []Slot) bool {
			return s[slot("choice_0")].Kind == SlotStruct && s[slot("choice_0", "c_i")].Int == 9 &&
				s[slot("choice_0", "c_s")].Kind == SlotNull && s[slot("choice_0", "c_m")].Kind == SlotNull
		}},
		{"oneof message member", kinds(vint(37, 9), msg(38, vint(1, 4))), true, func(s []Slot) bool {
			return s[slot("choice_0", "c_m", "n")].Int == 4 && s[slot("choice_0", "c_i")].Kind == SlotNull
		}},
		{"oneof message member again after another", kinds(msg(38, vint(1, 4)), vint(37, 9), msg(38, vint(2, 0))), true, func(s []Slot) bool {
			return s[slot("choice_0", "c_m", "n")].Int == 0 && s[slot("choice_0", "c_i")].Kind == SlotNull
		}},
		{"oneof message member twice merges", kinds(msg(38, vint(1, 4)), msg(38, str(2, "t"))), false, nil},
		{"nested message twice merges", kinds(msg(35, vint(1, 4)), msg(35, vint(1, 5))), false, nil},
		{"timestamp twice merges", kinds(msg(25, vint(1, 4)), msg(25, vint(2, 5))), false, nil},
		{"decimal: the schema's scale", kinds(msg(21, str(1, "\x30\x39"), vint(3, 3))), true, func(s []Slot) bool {
			return bytes.Equal(s[slot("dec")].Bytes, []byte{0x30, 0x39}) && s[slot("dec")].Int == 3
		}},
		{"decimal: int32 scale wraps", kinds(msg(21, vint(3, 1<<32+3))), true, func(s []Slot) bool { return s[slot("dec")].Int == 3 }},
		{"decimal: another scale, the wire's", kinds(msg(21, str(1, "\x30\x39"), vint(3, 2))), true, func(s []Slot) bool {
			return bytes.Equal(s[slot("dec")].Bytes, []byte{0x30, 0x39}) && s[slot("dec")].Int == 2
		}},
		{"decimal: no scale on the wire is 0", kinds(msg(21, str(1, "\x30\x39"))), true, func(s []Slot) bool { return s[slot("dec")].Int == 0 }},
		{"decimal: a negative scale", kinds(msg(21, str(1, "\x30\x39"), vint(3, math.MaxUint64))), true, func(s []Slot) bool { return s[slot("dec")].Int == -1 }},
		{"decimal: the last scale wins", kinds(msg(21, vint(3, 5), str(1, "\x01"), vint(3, 7))), true, func(s []Slot) bool { return s[slot("dec")].Int == 7 }},
		{"decimal without scale parameter", kinds(msg(22, str(1, "\xff"))), true, func(s []Slot) bool { return s[slot("dec0")].Int == 0 }},
		{"decimal without scale parameter, the wire's", kinds(msg(22, str(1, "\xff"), vint(3, 2))), true, func(s []Slot) bool { return s[slot("dec0")].Int == 2 }},
		{"wrapper: empty is the zero value", kinds(msg(33), msg(28)), true, func(s []Slot) bool {
			return s[slot("w_s")].Kind == SlotBytes && len(s[slot("w_s")].Bytes) == 0 && s[slot("w_i64")].Kind == SlotInt
		}},
		{"wrapper wrong inner type skipped", kinds(msg(32, vint(1, 1), vint(2, 0), tag(1, protowire.Fixed32Type), []byte{0, 0, 0, 0})), true, func(s []Slot) bool {
			return s[slot("w_b")].Kind == SlotBool && s[slot("w_b")].Int == 1
		}},
		{"wrong wire type and unknown fields skipped", kinds(tag(6, protowire.Fixed32Type), []byte{1, 2, 3, 4}, vint(999, 1),
			tag(500, protowire.StartGroupType), vint(1, 1), tag(500, protowire.EndGroupType), vint(35, 1)), true, func(s []Slot) bool {
			return s[slot("i64")].Int == 0 && s[slot("inner")].Kind == SlotNull
		}},
		{"invalid UTF-8", kinds(str(14, "\xff")), false, nil},
		{"invalid UTF-8 in a wrapper", kinds(msg(33, str(1, "\xff"))), false, nil},
		{"truncated", kinds(vint(6, 300))[:len(kinds(vint(6, 300)))-1], false, nil},
		{"stray end group", kinds(tag(7, protowire.EndGroupType)), false, nil},
		{"field number 0", kinds([]byte{0x00, 0x01}), false, nil},
	} {
		got := e.check(t, tc.data)
		if got != tc.flat {
			t.Errorf("%s: flat read %v, want %v", tc.name, got, tc.flat)
			continue
		}
		if tc.check != nil && !tc.check(e.slots[:len(plan.Slots)]) {
			t.Errorf("%s: slots do not hold the expected values", tc.name)
		}
	}
	// Proto2: explicit presence, no UTF-8 check, no merging across.
	p2 := func(b ...[]byte) []byte { return frame(e.p2, []int{0}, bytes.Join(b, nil)) }
	for _, tc := range []struct {
		data []byte
		flat bool
	}{
		{p2(), true},
		{p2(str(2, "s"), str(3, "\xff"), vint(4, 1), msg(6, vint(2, 2)), msg(8)), true},
		{p2(vint(4, 3)), false}, // an enum number E does not name
		{p2(msg(8, vint(1, 1)), msg(8, vint(1, 2))), false},
		{p2(msg(8, vint(1, 1)), str(7, "x"), msg(8, vint(1, 2))), true},
	} {
		if got := e.check(t, tc.data); got != tc.flat {
			t.Errorf("proto2 % x: flat read %v, want %v", tc.data, got, tc.flat)
		}
	}
}

// Generated records: random presence, order, repetition, oneofs and
// unknown fields. Clean ones must read flat; all must keep the contract.
func TestProtobufFlatGenerated(t *testing.T) {
	e := newProtoFlatEnv(t)
	rng := rand.New(rand.NewSource(13))
	targets := []struct {
		id  int
		idx []int
	}{{e.flat, []int{0}}, {e.flat, []int{1}}, {e.flat, []int{2}}, {e.flat, []int{2, 0}}, {e.p2, []int{0}}}
	n := 3000
	if testing.Short() {
		n = 500
	}
	flat, dirty := 0, 0
	for i := range n {
		tg := targets[i%len(targets)]
		m := e.msg(t, tg.id, tg.idx)
		g := protoGen{rng: rng, clean: i%2 == 0}
		data := frame(tg.id, tg.idx, g.message(m))
		ok := e.check(t, data)
		if g.clean && !ok {
			rec, err := e.c.Decode(context.Background(), "t", data)
			t.Fatalf("clean record % x of %v not read flat (Decode: %v %s)", data, tg.idx, err, dump(rec.Value))
		}
		if ok && !g.clean {
			dirty++
		}
		if ok {
			flat++
		}
	}
	// Dirty records read flat too when they happen to avoid merges and
	// unnamed values: the generator must produce both kinds.
	if dirty == 0 || dirty == n/2 {
		t.Fatalf("%d of %d dirty records read flat", dirty, n/2)
	}
	t.Logf("%d of %d records read flat (%d dirty)", flat, n, dirty)
}

// protoFlatMutate changes a record at random: a byte flipped, set,
// inserted or deleted, a cut, or a range duplicated.
func protoFlatMutate(rng *rand.Rand, b []byte) []byte {
	b = append([]byte(nil), b...)
	for range 1 + rng.Intn(3) {
		if len(b) == 0 {
			return append(b, byte(rng.Intn(256)))
		}
		i := rng.Intn(len(b))
		switch rng.Intn(6) {
		case 0:
			b[i] ^= 1 << rng.Intn(8)
		case 1:
			b[i] = byte(rng.Intn(256))
		case 2:
			b = append(b[:i], append([]byte{byte(rng.Intn(256))}, b[i:]...)...)
		case 3:
			b = append(b[:i], b[i+1:]...)
		case 4:
			b = b[:i]
		case 5:
			j := i + rng.Intn(len(b)-i)
			b = append(b[:j], append(append([]byte(nil), b[i:j]...), b[j:]...)...)
		}
	}
	return b
}

// Mutated records (message indexes included): whenever DecodeFlat
// succeeds, Decode does and the values match; whenever Decode fails,
// DecodeFlat answers ErrNotFlat.
func TestProtobufFlatMutations(t *testing.T) {
	e := newProtoFlatEnv(t)
	rng := rand.New(rand.NewSource(42))
	seeds := protoFlatSeeds(e, rng, 40)
	n := 20000
	if testing.Short() {
		n = 3000
	}
	var flat, failed int
	for i := range n {
		s := seeds[i%len(seeds)]
		data := append(append([]byte(nil), s[:5]...), protoFlatMutate(rng, s[5:])...)
		if e.check(t, data) {
			flat++
		} else if _, err := e.c.Decode(context.Background(), "t", data); err != nil {
			failed++
		}
	}
	if flat == 0 || failed == 0 {
		t.Fatalf("mutations: %d read flat, %d failed Decode, of %d", flat, failed, n)
	}
	t.Logf("mutations: %d read flat, %d failed Decode, of %d", flat, failed, n)
}

// protoFlatSeeds are generated records (clean and dirty) for the test
// schemas' messages.
func protoFlatSeeds(e *protoFlatEnv, rng *rand.Rand, n int) [][]byte {
	var out [][]byte
	for i := range n {
		id, idx := e.flat, [][]int{{0}, {1}, {2}, {2, 0}, {3}}[i%5]
		if i%7 == 6 {
			id, idx = e.p2, []int{0}
		}
		pf, err := e.pc.schemas.get(context.Background(), schemaID{id: id})
		if err != nil {
			panic(err)
		}
		m, err := pf.message(idx)
		if err != nil {
			panic(err)
		}
		g := protoGen{rng: rng, clean: i%3 != 0}
		out = append(out, frame(id, idx, g.message(m)))
	}
	return out
}

// FuzzProtobufFlat holds DecodeFlat to the contract on arbitrary message
// indexes and payloads. go test replays the seeds; fuzz with
// go test -run=^$ -fuzz=FuzzProtobufFlat -fuzztime=30s ./decode/.
func FuzzProtobufFlat(f *testing.F) {
	e := newProtoFlatEnv(f)
	for _, s := range protoFlatSeeds(e, rand.New(rand.NewSource(7)), 30) {
		f.Add(s[5:])
	}
	f.Fuzz(func(t *testing.T, rest []byte) {
		e.check(t, frame(e.flat, nil, rest))
		e.check(t, frame(e.p2, nil, rest))
	})
}

// Once the plans are cached, a flat read allocates nothing.
func TestProtobufFlatZeroAllocs(t *testing.T) {
	e := newProtoFlatEnv(t)
	recs := [][]byte{protoFlatBenchRecord(t, e.flat)}
	g := protoGen{rng: rand.New(rand.NewSource(3)), clean: true}
	for range 20 {
		recs = append(recs, frame(e.flat, []int{2}, g.message(e.msg(t, e.flat, []int{2}))))
	}
	for _, rec := range recs {
		if !e.check(t, rec) {
			t.Fatal("not read flat")
		}
	}
	slots := e.slots
	for i, rec := range recs {
		allocs := testing.AllocsPerRun(50, func() {
			_, slots, _ = e.c.DecodeFlat(context.Background(), "t", rec, slots)
		})
		if allocs != 0 {
			t.Fatalf("record %d: %v allocations per flat read", i, allocs)
		}
	}
}

// protoFlatBenchRecord is an update of the 10-column row: before and after
// set, a MySQL source block, op and ts_ms.
func protoFlatBenchRecord(t testing.TB, id int) []byte {
	row := func(notes string) string {
		return `{"id": "1004", "name": "Anne Marie Kretchmar", "email": "annek@noanswer.org",
 "birth_date": {"year": 1994, "month": 5, "day": 20}, "updated": "2024-04-12T10:30:00.123456Z",
 "balance": {"value": "EtaH", "precision": 12, "scale": 2}, "score": 97.5, "active": true, "visits": "4711",
 "notes": "` + notes + `"}`
	}
	doc := `{"before": ` + row("first visit") + `, "after": ` + row("second visit, moved to Berlin") + `,
 "source": {"version": "2.5.0.Final", "connector": "mysql", "name": "dbserver1", "ts_ms": "1712917800000", "snapshot": "false",
 "db": "inventory", "table": "customers", "server_id": "223344", "file": "mysql-bin.000003", "pos": "484", "row": 1},
 "op": "u", "ts_ms": "1712917800123"}`
	return frame(id, []int{0}, protoEncode(t, &rawSchema{id: schemaID{id: id}, text: protoFlatText}, []int{0}, doc))
}

// BenchmarkProtobufFlat measures Decode and DecodeFlat on the same
// Debezium-like update record in the same run.
func BenchmarkProtobufFlat(b *testing.B) {
	e := newProtoFlatEnv(b)
	rec := protoFlatBenchRecord(b, e.flat)
	if !e.check(b, rec) {
		b.Fatal("not read flat")
	}
	b.Run("generic", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(rec)))
		for b.Loop() {
			if _, err := e.c.Decode(context.Background(), "t", rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("flat", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(rec)))
		slots := e.slots
		for b.Loop() {
			var err error
			if _, slots, err = e.c.DecodeFlat(context.Background(), "t", rec, slots); err != nil {
				b.Fatal(err)
			}
		}
	})
}
