package decode

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// The Avro flat reader is held to the generic one: every record is decoded
// both ways and, whenever DecodeFlat succeeds, flatMatches must hold;
// whenever Decode fails, DecodeFlat must answer ErrNotFlat (or the very
// registry error Decode returns).

// avroFlatConv returns an Avro converter on the fake registry f as a
// FlatConverter.
func avroFlatConv(t testing.TB, f *srfake.Registry) FlatConverter {
	t.Helper()
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	fc, ok := c.(FlatConverter)
	if !ok {
		t.Fatalf("%T is not a FlatConverter", c)
	}
	return fc
}

// avroFlatCheck decodes data both ways, fails t when DecodeFlat breaks the
// FlatConverter contract, and reports whether the flat read succeeded.
// slots is reused across calls, as a caller would.
func avroFlatCheck(t testing.TB, c FlatConverter, data []byte, slots *[]Slot) bool {
	ok, _ := avroFlatCheckErr(t, c, data, slots)
	return ok
}

// avroFlatExact is avroFlatCheck for a schema that has a flat form: the
// flat read must then succeed exactly when Decode does (the flat reader is
// as strict as the generic one, and no stricter).
func avroFlatExact(t testing.TB, c FlatConverter, data []byte, slots *[]Slot) bool {
	t.Helper()
	ok, derr := avroFlatCheckErr(t, c, data, slots)
	if !ok && derr == nil {
		t.Fatalf("Decode reads %x but DecodeFlat does not", data)
	}
	return ok
}

func avroFlatCheckErr(t testing.TB, c FlatConverter, data []byte, slots *[]Slot) (bool, error) {
	t.Helper()
	ctx := context.Background()
	rec, derr := c.Decode(ctx, "t", data)
	plan, s, ferr := c.DecodeFlat(ctx, "t", data, *slots)
	*slots = s
	switch {
	case ferr == nil:
		if derr != nil {
			t.Fatalf("DecodeFlat succeeded where Decode fails (%v) on %x", derr, data)
		}
		if err := flatMatches(plan, s, rec); err != nil {
			t.Fatalf("flat read of %x differs from Decode: %v", data, err)
		}
		return true, nil
	case errors.Is(ferr, ErrNotFlat):
		if plan != nil || len(s) != 0 {
			t.Fatalf("ErrNotFlat with plan %p and %d slots", plan, len(s))
		}
		return false, derr
	default:
		if derr == nil || derr.Error() != ferr.Error() {
			t.Fatalf("DecodeFlat error %v, Decode error %v: want ErrNotFlat or the same error", ferr, derr)
		}
		return false, derr
	}
}

// --- Avro JSON (the fixtures' value form) to Avro binary -------------------

// avroJSONEncode appends the Avro binary datum of v, a value in Avro's JSON
// encoding (unions wrapped by branch name, numbers as json.Number), to dst.
func avroJSONEncode(t testing.TB, s avro.Schema, v any, dst []byte) []byte {
	t.Helper()
	s = unref(s)
	num := func() json.Number {
		n, ok := v.(json.Number)
		if !ok {
			t.Fatalf("%s: %#v is not a number", s.Type(), v)
		}
		return n
	}
	switch st := s.(type) {
	case *avro.NullSchema:
		if v != nil {
			t.Fatalf("null: %#v", v)
		}
		return dst
	case *avro.PrimitiveSchema:
		switch st.Type() {
		case avro.Boolean:
			if v == true {
				return append(dst, 1)
			}
			return append(dst, 0)
		case avro.Int, avro.Long:
			n, err := num().Int64()
			if err != nil {
				t.Fatal(err)
			}
			return binary.AppendVarint(dst, n)
		case avro.Float:
			f, _ := num().Float64()
			return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(f)))
		case avro.Double:
			f, _ := num().Float64()
			return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
		case avro.String:
			str := v.(string)
			return append(binary.AppendVarint(dst, int64(len(str))), str...)
		case avro.Bytes:
			var b []byte
			for _, r := range v.(string) {
				b = append(b, byte(r))
			}
			return append(binary.AppendVarint(dst, int64(len(b))), b...)
		}
	case *avro.EnumSchema:
		for i, sym := range st.Symbols() {
			if sym == v {
				return binary.AppendVarint(dst, int64(i))
			}
		}
		t.Fatalf("enum %s: no symbol %v", st.FullName(), v)
	case *avro.FixedSchema:
		for _, r := range v.(string) {
			dst = append(dst, byte(r))
		}
		return dst
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("record %s: %#v", st.FullName(), v)
		}
		for _, f := range st.Fields() {
			fv, ok := m[f.Name()]
			if !ok {
				t.Fatalf("record %s: no field %s", st.FullName(), f.Name())
			}
			dst = avroJSONEncode(t, f.Type(), fv, dst)
		}
		return dst
	case *avro.UnionSchema:
		var name string
		var bv any
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			for k, x := range m {
				name, bv = k, x
			}
		} else if v != nil {
			t.Fatalf("union: %#v", v)
		}
		for i, bt := range st.Types() {
			bt = unref(bt)
			bn := string(bt.Type())
			if n, ok := bt.(avro.NamedSchema); ok {
				bn = n.FullName()
			}
			if (v == nil && bt.Type() == avro.Null) || (v != nil && bn == name) {
				return avroJSONEncode(t, bt, bv, binary.AppendVarint(dst, int64(i)))
			}
		}
		t.Fatalf("union: no branch for %#v", v)
	}
	t.Fatalf("avroJSONEncode: schema %s not handled", s.Type())
	return nil
}

// --- random valid Avro data for any schema ---------------------------------

// avroGen appends a random datum of s to dst. Every choice is valid Avro;
// an int whose connect.type is int8 or int16 is sometimes outside that
// range (which the generic reader rejects).
func avroGen(r *rand.Rand, s avro.Schema, dst []byte) []byte {
	s = unref(s)
	switch st := s.(type) {
	case *avro.NullSchema:
		return dst
	case *avro.PrimitiveSchema:
		switch st.Type() {
		case avro.Boolean:
			return append(dst, byte(r.IntN(2)))
		case avro.Int:
			var n int64
			switch connectType(st) {
			case "int8":
				n = int64(r.IntN(300)) - 150
			case "int16":
				n = int64(r.IntN(70000)) - 35000
			default:
				n = int64(avroGenLong(r, math.MinInt32, math.MaxInt32))
			}
			return binary.AppendVarint(dst, n)
		case avro.Long:
			return binary.AppendVarint(dst, avroGenLong(r, math.MinInt64, math.MaxInt64))
		case avro.Float:
			if r.IntN(4) == 0 {
				return binary.LittleEndian.AppendUint32(dst, r.Uint32())
			}
			return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(r.NormFloat64()*1e3)))
		case avro.Double:
			if r.IntN(4) == 0 {
				return binary.LittleEndian.AppendUint64(dst, r.Uint64())
			}
			return binary.LittleEndian.AppendUint64(dst, math.Float64bits(r.NormFloat64()*1e6))
		case avro.String, avro.Bytes:
			n := r.IntN(12)
			dst = binary.AppendVarint(dst, int64(n))
			for i := 0; i < n; i++ {
				if st.Type() == avro.String && r.IntN(8) != 0 {
					dst = append(dst, byte('a'+r.IntN(26)))
				} else {
					dst = append(dst, byte(r.Uint32()))
				}
			}
			return dst
		}
	case *avro.EnumSchema:
		return binary.AppendVarint(dst, int64(r.IntN(len(st.Symbols()))))
	case *avro.FixedSchema:
		for i := 0; i < st.Size(); i++ {
			dst = append(dst, byte(r.Uint32()))
		}
		return dst
	case *avro.RecordSchema:
		for _, f := range st.Fields() {
			dst = avroGen(r, f.Type(), dst)
		}
		return dst
	case *avro.UnionSchema:
		i := r.IntN(len(st.Types()))
		return avroGen(r, st.Types()[i], binary.AppendVarint(dst, int64(i)))
	case *avro.ArraySchema:
		n := r.IntN(3)
		if n > 0 {
			dst = binary.AppendVarint(dst, int64(n))
			for i := 0; i < n; i++ {
				dst = avroGen(r, st.Items(), dst)
			}
		}
		return append(dst, 0)
	case *avro.MapSchema:
		n := r.IntN(3)
		if n > 0 {
			dst = binary.AppendVarint(dst, int64(n))
			for i := 0; i < n; i++ {
				dst = append(binary.AppendVarint(dst, 1), byte('a'+i))
				dst = avroGen(r, st.Values(), dst)
			}
		}
		return append(dst, 0)
	}
	panic("avroGen: schema " + string(s.Type()))
}

// avroGenLong picks small values, both extremes and everything between.
func avroGenLong(r *rand.Rand, lo, hi int64) int64 {
	switch r.IntN(6) {
	case 0:
		return lo
	case 1:
		return hi
	case 2, 3:
		return int64(r.IntN(200)) - 100
	}
	v := int64(r.Uint64())
	if hi == math.MaxInt32 {
		v = int64(int32(v))
	}
	return v
}

func avroParse(t testing.TB, text string) avro.Schema {
	t.Helper()
	s, err := avro.ParseWithCache(text, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return s
}

// --- the schemas -------------------------------------------------------------

// avroFlatAll has a field of every primitive and logical type, each also as
// a nullable union in both orders, and nested, nullable and empty records.
const avroFlatAll = `{"type":"record","name":"All","namespace":"g","connect.name":"g.All","fields":[
 {"name":"n","type":"null"},
 {"name":"b","type":"boolean"},
 {"name":"i","type":"int"},
 {"name":"i8","type":{"type":"int","connect.type":"int8"}},
 {"name":"i16","type":{"type":"int","connect.type":"int16"}},
 {"name":"l","type":"long"},
 {"name":"f","type":"float"},
 {"name":"d","type":"double"},
 {"name":"s","type":"string"},
 {"name":"by","type":"bytes"},
 {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
 {"name":"cdec","type":{"type":"bytes","connect.name":"org.apache.kafka.connect.data.Decimal","connect.version":1,"connect.parameters":{"scale":"3"}}},
 {"name":"fx","type":{"type":"fixed","name":"F3","size":3}},
 {"name":"fx0","type":{"type":"fixed","name":"F0","size":0}},
 {"name":"fdec","type":{"type":"fixed","name":"D8","size":8,"logicalType":"decimal","precision":18,"scale":4}},
 {"name":"date","type":{"type":"int","logicalType":"date"}},
 {"name":"tms","type":{"type":"int","logicalType":"time-millis"}},
 {"name":"tus","type":{"type":"long","logicalType":"time-micros"}},
 {"name":"tsms","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"tsus","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"ltsms","type":{"type":"long","logicalType":"local-timestamp-millis"}},
 {"name":"uuid","type":{"type":"string","logicalType":"uuid"}},
 {"name":"dur","type":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}},
 {"name":"mts","type":{"type":"long","connect.name":"io.debezium.time.MicroTimestamp","connect.version":1}},
 {"name":"e","type":{"type":"enum","name":"E","symbols":["A","BB","CCC"]}},
 {"name":"ob","type":["null","boolean"],"default":null},
 {"name":"oi","type":["int","null"],"default":0},
 {"name":"oi8","type":["null",{"type":"int","connect.type":"int8"}],"default":null},
 {"name":"oi16","type":[{"type":"int","connect.type":"int16"},"null"],"default":0},
 {"name":"ol","type":["null","long"],"default":null},
 {"name":"of","type":["float","null"],"default":1.5},
 {"name":"od","type":["null","double"],"default":null},
 {"name":"os","type":["string","null"],"default":"x"},
 {"name":"oby","type":["null","bytes"],"default":null},
 {"name":"odec","type":["null",{"type":"bytes","logicalType":"decimal","precision":5,"scale":1}],"default":null},
 {"name":"ofx","type":["F3","null"]},
 {"name":"ofdec","type":["null","D8"],"default":null},
 {"name":"odate","type":[{"type":"int","logicalType":"date"},"null"]},
 {"name":"otsus","type":["null",{"type":"long","logicalType":"timestamp-micros"}],"default":null},
 {"name":"oe","type":["null","E"],"default":null},
 {"name":"nested","type":{"type":"record","name":"N","fields":[
  {"name":"x","type":"long"},
  {"name":"deep","type":["null",{"type":"record","name":"D","fields":[{"name":"y","type":["string","null"]},{"name":"z","type":"double"}]}],"default":null},
  {"name":"empty","type":{"type":"record","name":"Empty","fields":[]}}]}},
 {"name":"onested","type":[{"type":"record","name":"M","fields":[{"name":"m","type":"N"},{"name":"k","type":"int"}]},"null"]},
 {"name":"oempty","type":["null","Empty"],"default":null},
 {"name":"last","type":"string"}
]}`

// avroFlatTops are schemas whose top-level value is not a record.
var avroFlatTops = []string{
	`"string"`, `"long"`, `"null"`, `"boolean"`, `"float"`, `"bytes"`,
	`["null","double"]`, `["float","null"]`,
	`{"type":"int","connect.type":"int16"}`,
	`{"type":"enum","name":"T","symbols":["X","Y"]}`,
	`{"type":"fixed","name":"T","size":2}`,
	`{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`,
	`["null",{"type":"record","name":"R","fields":[{"name":"a","type":["null","long"]},{"name":"b","type":{"type":"record","name":"S","fields":[{"name":"c","type":"string"}]}}]}]`,
	`{"type":"record","name":"Empty","fields":[]}`,
}

// avroFlatNot are schemas with no flat form: each has an array, a map, a
// MapEntry array or a general union somewhere.
var avroFlatNot = []string{
	logicalAvro,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"t","type":{"type":"array","items":"long"}}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":["null",{"type":"record","name":"In","fields":[{"name":"m","type":{"type":"map","values":"string"}}]}]}]}`,
	`{"type":"record","name":"R","fields":[{"name":"u","type":["null","string","long"]}]}`,
	`{"type":"record","name":"R","fields":[{"name":"u","type":["string","long"]}]}`,
	`{"type":"record","name":"R","fields":[{"name":"kv","type":{"type":"array","items":{"type":"record","name":"MapEntry","namespace":"io.confluent.connect.avro","fields":[{"name":"key","type":"int"},{"name":"value","type":"string"}]}}}]}`,
	`{"type":"array","items":"string"}`,
	`["null","string","long"]`,
}

// avroFlatEnvelope is the 10-column Debezium envelope of bench/bench_test.go
// as AvroConverter registers it.
const avroFlatEnvelope = `{"type":"record","name":"Envelope","namespace":"bench.db.t","connect.name":"bench.db.t.Envelope","fields":[
 {"name":"before","type":["null",{"type":"record","name":"Value","connect.name":"bench.db.t.Value","fields":[
  {"name":"id","type":"int"},
  {"name":"name","type":["null","string"],"default":null},
  {"name":"email","type":["null","string"],"default":null},
  {"name":"birth","type":["null",{"type":"int","connect.version":1,"connect.name":"io.debezium.time.Date"}],"default":null},
  {"name":"updated","type":["null",{"type":"long","connect.version":1,"connect.name":"io.debezium.time.MicroTimestamp"}],"default":null},
  {"name":"balance","type":["null",{"type":"bytes","scale":2,"precision":10,"connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"10"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}],"default":null},
  {"name":"score","type":["null","double"],"default":null},
  {"name":"active","type":["null","boolean"],"default":null},
  {"name":"visits","type":["null","long"],"default":null},
  {"name":"notes","type":["null","string"],"default":null}]}],"default":null},
 {"name":"after","type":["null","Value"],"default":null},
 {"name":"source","type":{"type":"record","name":"Source","namespace":"io.debezium.connector.mysql","connect.name":"io.debezium.connector.mysql.Source","fields":[
  {"name":"connector","type":"string"},{"name":"ts_ms","type":"long"}]}},
 {"name":"op","type":"string"},
 {"name":"ts_ms","type":["null","long"],"default":null}]}`

type avroFlatRow struct {
	ID      int32    `avro:"id"`
	Name    *string  `avro:"name"`
	Email   *string  `avro:"email"`
	Birth   *int32   `avro:"birth"`
	Updated *int64   `avro:"updated"`
	Balance *big.Rat `avro:"balance"`
	Score   *float64 `avro:"score"`
	Active  *bool    `avro:"active"`
	Visits  *int64   `avro:"visits"`
	Notes   *string  `avro:"notes"`
}

type avroFlatEnv struct {
	Before *avroFlatRow `avro:"before"`
	After  *avroFlatRow `avro:"after"`
	Source struct {
		Connector string `avro:"connector"`
		TsMs      int64  `avro:"ts_ms"`
	} `avro:"source"`
	Op   string `avro:"op"`
	TsMs *int64 `avro:"ts_ms"`
}

// avroFlatEnvelopePayload is the bench envelope's "c" event for row id,
// encoded by hamba.
func avroFlatEnvelopePayload(t testing.TB, id int) []byte {
	t.Helper()
	var e avroFlatEnv
	e.After = &avroFlatRow{ID: int32(id), Name: ptr("name " + strconv.Itoa(id)), Email: ptr("user" + strconv.Itoa(id) + "@example.com"),
		Birth: ptr(int32(8905)), Updated: ptr(int64(1725885296000001)), Balance: big.NewRat(12345, 100), Score: ptr(3.25),
		Active: ptr(true), Visits: ptr(int64(id * 7)), Notes: ptr("some notes about this customer")}
	e.Source.Connector, e.Source.TsMs = "mysql", 1712917800000
	e.Op, e.TsMs = "c", ptr(int64(1712917800123))
	return hambaEncode(t, avroFlatEnvelope, e)
}

// --- tests -------------------------------------------------------------------

// The fixtures: the Avro-JSON values converted to binary, hamba-encoded
// Go values of the fixture schemas, and random records of every fixture
// schema, all read flat exactly as Decode reads them.
func TestAvroFlatFixtures(t *testing.T) {
	f := newFake(t)
	c := avroFlatConv(t, f)
	var slots []Slot
	flat := func(id int, payload []byte) {
		t.Helper()
		if !avroFlatCheck(t, c, frame(id, nil, payload), &slots) {
			t.Fatalf("schema ID %d: a valid record of a flat schema was not read flat", id)
		}
	}
	var ok int
	random := func(id int, payload []byte) {
		t.Helper()
		if avroFlatExact(t, c, frame(id, nil, payload), &slots) {
			ok++
		}
	}
	ids := map[string]int{}
	for _, name := range []string{"mysql2x_avro_envelope_schema.avsc", "pg197_avro_value_schema.avsc", "pg197_avro_key_schema.avsc"} {
		ids[name] = mustRegister(t, f, name, sr.Schema{Schema: fixtureText(t, name)})
	}
	for value, schema := range map[string]string{
		"pg197_avro_value_r_avrojson.json":  "pg197_avro_value_schema.avsc",
		"mysql200_t_truncate_avrojson.json": "mysql2x_avro_envelope_schema.avsc",
	} {
		dec := json.NewDecoder(strings.NewReader(fixtureText(t, value)))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", value, err)
		}
		flat(ids[schema], avroJSONEncode(t, avroParse(t, fixtureText(t, schema)), v, nil))
	}

	env := sampleMyEnvelope()
	mysql := fixtureText(t, "mysql2x_avro_envelope_schema.avsc")
	flat(ids["mysql2x_avro_envelope_schema.avsc"], hambaEncode(t, mysql, env))
	env.After, env.Op, env.Transaction = nil, "d", &myBlock{ID: "tx", TotalOrder: 3, DataCollectionOrder: 2}
	flat(ids["mysql2x_avro_envelope_schema.avsc"], hambaEncode(t, mysql, env))

	r := rand.New(rand.NewPCG(1, 2))
	for name, id := range ids {
		s := avroParse(t, fixtureText(t, name))
		for i := 0; i < 300; i++ {
			random(id, avroGen(r, s, nil)) // may hold an int16 out of range
		}
	}
	if ok < 800 {
		t.Errorf("only %d of 900 random fixture records read flat", ok)
	}
}

// Random records over schemas covering every primitive and logical type,
// both union orders and both branches, nested, nullable and empty records,
// and non-record top-level values.
func TestAvroFlatGenerated(t *testing.T) {
	f := newFake(t)
	c := avroFlatConv(t, f)
	r := rand.New(rand.NewPCG(3, 4))
	var slots []Slot
	for k, text := range append([]string{avroFlatAll, avroFlatEnvelope}, avroFlatTops...) {
		id := mustRegister(t, f, "g"+strconv.Itoa(k), sr.Schema{Schema: text})
		s := avroParse(t, text)
		var ok, notFlat int
		for i := 0; i < 2000; i++ {
			if avroFlatExact(t, c, frame(id, nil, avroGen(r, s, nil)), &slots) {
				ok++
			} else {
				notFlat++
			}
		}
		// Only an int8/int16 out of its range (which Decode rejects) may
		// fall back; avroFlatAll has four such fields.
		if ok < 1000 || (notFlat > 0 && !strings.Contains(text, `"connect.type"`)) {
			t.Errorf("schema %d: %d records read flat, %d not", k, ok, notFlat)
		}
	}
}

// Every value of every field kind, checked slot by slot on a hand-made
// record (so that a wrong generic reference could not hide a wrong slot).
func TestAvroFlatSlots(t *testing.T) {
	f := newFake(t)
	c := avroFlatConv(t, f)
	text := `{"type":"record","name":"R","fields":[
	 {"name":"i8","type":{"type":"int","connect.type":"int8"}},
	 {"name":"f","type":"float"},
	 {"name":"s","type":["null","string"]},
	 {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}},
	 {"name":"e","type":{"type":"enum","name":"E","symbols":["A","BB"]}},
	 {"name":"in","type":["null",{"type":"record","name":"In","fields":[{"name":"b","type":"boolean"},{"name":"l","type":"long"}]}]},
	 {"name":"tail","type":"long"}]}`
	id := mustRegister(t, f, "r", sr.Schema{Schema: text})
	payload := []byte{
		0x0d,                   // i8 = -7
		0x00, 0x00, 0xc0, 0x3f, // f = 1.5
		0x02, 0x04, 'h', 'i', // s = "hi"
		0x04, 0xcf, 0xc7, // dec = -12345 (scale 2)
		0x02,       // e = BB
		0x00,       // in = null
		0x80, 0x01, // tail = 64
	}
	data := frame(id, nil, payload)
	plan, slots, err := c.DecodeFlat(context.Background(), "t", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Slot{
		{Kind: SlotStruct},
		{Kind: SlotInt, Int: -7},
		{Kind: SlotFloat, Float: 1.5},
		{Kind: SlotBytes, Bytes: []byte("hi")},
		{Kind: SlotBytes, Int: 2, Bytes: []byte{0xcf, 0xc7}}, // a Decimal: its scale in Int
		{Kind: SlotBytes, Bytes: []byte("BB")},
		{Kind: SlotNull}, {Kind: SlotNull}, {Kind: SlotNull},
		{Kind: SlotInt, Int: 64},
	}
	if len(slots) != len(want) {
		t.Fatalf("%d slots, want %d", len(slots), len(want))
	}
	for i, w := range want {
		s := slots[i]
		if s.Kind != w.Kind || s.Int != w.Int || s.Float != w.Float || !bytes.Equal(s.Bytes, w.Bytes) {
			t.Errorf("slot %d (%s) = %+v, want %+v", i, plan.Slots[i].Name, s, w)
		}
	}
	in := plan.Field(0, "in")
	if in != 6 || plan.Slots[in].End != 9 || plan.Field(in, "l") != 8 || plan.Slots[8].Parent != in || plan.Field(0, "l") != -1 {
		t.Errorf("plan layout: in=%d %+v", in, plan.Slots)
	}
	if plan.Slots[4].Schema.Name != ConnectDecimal || plan.Slots[1].Schema.Type != TypeInt8 || !plan.Slots[in].Schema.Optional {
		t.Errorf("slot schemas: %+v %+v", plan.Slots[4].Schema, plan.Slots[1].Schema)
	}
	// Bytes slots alias the record but cannot be appended over it.
	_ = append(slots[3].Bytes, 'X')
	if !bytes.Equal(data, frame(id, nil, payload)) {
		t.Error("appending to a bytes slot overwrote the record")
	}
	// The same slots, reused for a present struct.
	payload[13] = 0x02
	data = frame(id, nil, append(payload[:14:14], append([]byte{0x01, 0x54}, payload[14:]...)...))
	if _, slots, err = c.DecodeFlat(context.Background(), "t", data, slots); err != nil {
		t.Fatal(err)
	}
	if slots[6].Kind != SlotStruct || slots[7].Kind != SlotBool || slots[7].Int != 1 || slots[8].Kind != SlotInt || slots[8].Int != 42 {
		t.Errorf("present struct: %+v", slots[6:9])
	}
	var again []Slot
	if !avroFlatCheck(t, c, data, &again) {
		t.Fatal("not read flat")
	}
}

// A schema with no flat form is ErrNotFlat for every record (while Decode
// reads it), and so are tombstones, unframed records and, as Decode
// returns it, an unknown schema ID.
func TestAvroFlatNotFlat(t *testing.T) {
	f := newFake(t)
	c := avroFlatConv(t, f)
	r := rand.New(rand.NewPCG(5, 6))
	ctx := context.Background()
	for k, text := range avroFlatNot {
		id := mustRegister(t, f, "n"+strconv.Itoa(k), sr.Schema{Schema: text})
		s := avroParse(t, text)
		n := 0
		for i := 0; i < 50; i++ {
			data := frame(id, nil, avroGen(r, s, nil))
			if _, err := c.Decode(ctx, "t", data); err != nil {
				continue // an int8 out of range (logicalAvro's b)
			}
			n++
			if _, _, err := c.DecodeFlat(ctx, "t", data, nil); !errors.Is(err, ErrNotFlat) {
				t.Fatalf("schema %d: DecodeFlat err %v, want ErrNotFlat", k, err)
			}
		}
		if n < 25 {
			t.Errorf("schema %d: Decode read only %d of 50 records", k, n)
		}
	}
	for _, data := range [][]byte{nil, {}, {1, 0, 0, 0, 1, 2}, {0, 0}} {
		if _, _, err := c.DecodeFlat(ctx, "t", data, nil); !errors.Is(err, ErrNotFlat) {
			t.Errorf("%x: DecodeFlat err %v, want ErrNotFlat", data, err)
		}
	}
	var slots []Slot
	avroFlatCheck(t, c, frame(4242, nil, []byte{0}), &slots)
	if _, _, err := c.DecodeFlat(ctx, "t", frame(4242, nil, []byte{0}), nil); !errors.Is(err, ErrSchemaNotFound) {
		t.Errorf("unknown schema ID: %v", err)
	}
}

// avroFlatMutations returns mutated copies of payload: every truncation,
// every byte replaced by a few telling values, a byte inserted and deleted
// at every position, and trailing bytes.
func avroFlatMutations(payload []byte) [][]byte {
	var out [][]byte
	mut := func(f func(b []byte) []byte) {
		out = append(out, f(append([]byte(nil), payload...)))
	}
	for i := 0; i <= len(payload); i++ {
		mut(func(b []byte) []byte { return b[:i] })
		mut(func(b []byte) []byte { return append(b, 0) })
		if i == len(payload) {
			break
		}
		for _, v := range []byte{0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff, payload[i] ^ 1, payload[i] + 2, payload[i] - 2} {
			mut(func(b []byte) []byte { b[i] = v; return b })
		}
		mut(func(b []byte) []byte { return append(b[:i], b[i+1:]...) })
		mut(func(b []byte) []byte { return append(b[:i], append([]byte{2}, b[i:]...)...) })
		mut(func(b []byte) []byte {
			return append(b[:i], append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, b[i:]...)...)
		})
	}
	return out
}

// Mutated records: whenever DecodeFlat succeeds Decode does too, with the
// same values; whenever Decode fails DecodeFlat answers ErrNotFlat.
func TestAvroFlatMutations(t *testing.T) {
	f := newFake(t)
	c := avroFlatConv(t, f)
	r := rand.New(rand.NewPCG(7, 8))
	var slots []Slot
	var ok, notFlat int
	for k, text := range []string{avroFlatAll, avroFlatEnvelope, fixtureText(t, "pg197_avro_value_schema.avsc")} {
		id := mustRegister(t, f, "m"+strconv.Itoa(k), sr.Schema{Schema: text})
		s := avroParse(t, text)
		for i := 0; i < 4; i++ {
			for _, p := range avroFlatMutations(avroGen(r, s, nil)) {
				if avroFlatExact(t, c, frame(id, nil, p), &slots) {
					ok++
				} else {
					notFlat++
				}
			}
		}
	}
	if ok < 1000 || notFlat < 1000 {
		t.Errorf("%d mutated records read flat, %d not: the mutations should give plenty of both", ok, notFlat)
	}
}

// FuzzAvroFlat holds DecodeFlat to Decode on arbitrary payloads of a flat
// schema with every field kind and of the envelope.
func FuzzAvroFlat(f *testing.F) {
	reg := newFake(f)
	c := avroFlatConv(f, reg)
	ids := []int{
		mustRegister(f, reg, "a", sr.Schema{Schema: avroFlatAll}),
		mustRegister(f, reg, "e", sr.Schema{Schema: avroFlatEnvelope}),
	}
	r := rand.New(rand.NewPCG(9, 10))
	f.Add(byte(0), avroGen(r, avroParse(f, avroFlatAll), nil))
	f.Add(byte(1), avroFlatEnvelopePayload(f, 7))
	f.Add(byte(1), []byte{0, 0, 2, 0x0a, 0, 2})
	f.Fuzz(func(t *testing.T, which byte, payload []byte) {
		var slots []Slot
		avroFlatExact(t, c, frame(ids[int(which)%len(ids)], nil, payload), &slots)
	})
}

// Once the plan is cached, a flat read allocates nothing.
func TestAvroFlatNoAllocs(t *testing.T) {
	f := newFake(t)
	c := avroFlatConv(t, f)
	id := mustRegister(t, f, "e", sr.Schema{Schema: avroFlatEnvelope})
	data := frame(id, nil, avroFlatEnvelopePayload(t, 42))
	var slots []Slot
	if !avroFlatCheck(t, c, data, &slots) {
		t.Fatal("the envelope is not read flat")
	}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if _, slots, err = c.DecodeFlat(ctx, "t", data, slots); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("DecodeFlat allocates %v times per record", allocs)
	}
}

// BenchmarkAvroFlat compares DecodeFlat with Decode on the 10-column
// envelope in the same run.
func BenchmarkAvroFlat(b *testing.B) {
	f := newFake(b)
	c := avroFlatConv(b, f)
	id := mustRegister(b, f, "e", sr.Schema{Schema: avroFlatEnvelope})
	data := frame(id, nil, avroFlatEnvelopePayload(b, 42))
	var slots []Slot
	if !avroFlatCheck(b, c, data, &slots) {
		b.Fatal("the envelope is not read flat")
	}
	ctx := context.Background()
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Decode(ctx, "t", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeFlat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if _, slots, err = c.DecodeFlat(ctx, "t", data, slots); err != nil {
				b.Fatal(err)
			}
		}
	})
}
