package decode

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/starcdc/starcdc/internal/fixtures"
)

// flatAgree decodes data with Decode and DecodeFlat (in either order, so
// that either may fill the schema cache) and fails t unless they agree as
// the FlatConverter contract says: a flat read that succeeds matches the
// generic one slot for value, a generic failure is ErrNotFlat, and the
// record's bytes are left as they were. It reports whether the flat read
// succeeded; *slots is reused and updated.
func flatAgree(t testing.TB, c FlatConverter, data []byte, slots *[]Slot, flatFirst bool) bool {
	t.Helper()
	ctx := context.Background()
	keep := bytes.Clone(data)
	var (
		rec        Record
		gerr, ferr error
		plan       *FlatPlan
		out        []Slot
	)
	if flatFirst {
		plan, out, ferr = c.DecodeFlat(ctx, "t", data, *slots)
		rec, gerr = c.Decode(ctx, "t", data)
	} else {
		rec, gerr = c.Decode(ctx, "t", data)
		plan, out, ferr = c.DecodeFlat(ctx, "t", data, *slots)
	}
	if !bytes.Equal(data, keep) {
		t.Fatalf("the record's bytes changed: %q", data)
	}
	if out != nil {
		*slots = out
	}
	if ferr != nil {
		if !errors.Is(ferr, ErrNotFlat) {
			t.Fatalf("DecodeFlat: %v, want ErrNotFlat (Decode: %v) for %q", ferr, gerr, data)
		}
		return false
	}
	if gerr != nil {
		t.Fatalf("DecodeFlat succeeded but Decode failed: %v\nrecord %q", gerr, data)
	}
	if err := flatMatches(plan, out, rec); err != nil {
		t.Fatalf("%v\nrecord %q", err, data)
	}
	return true
}

func TestJSONFlatFixtures(t *testing.T) {
	names := fixtures.Names("*_withschema.json")
	if len(names) < 5 {
		t.Fatalf("only %d withschema fixtures", len(names))
	}
	for _, replace := range []bool{false, true} {
		c := &JSONConverter{SchemasEnable: true, ReplaceNullWithDefault: replace}
		var slots []Slot
		for round := 0; round < 2; round++ { // the second round reads with the plans cached
			for i, name := range names {
				data := fixtures.Read(t, name)
				flat := flatAgree(t, c, data, &slots, (i+round)%2 == 0)
				// Arrays have no flat form: only the pg198 array fixtures fall back.
				if wantFlat := !strings.Contains(name, "arrays"); flat != wantFlat {
					t.Errorf("%s (replace %v): flat %v, want %v", name, replace, flat, wantFlat)
				}
			}
		}
	}
	// Schemaless: never flat.
	c := &JSONConverter{}
	for _, name := range fixtures.Names("*.json") {
		if _, _, err := c.DecodeFlat(context.Background(), "t", fixtures.Read(t, name), nil); !errors.Is(err, ErrNotFlat) {
			t.Errorf("schemaless %s: %v, want ErrNotFlat", name, err)
		}
	}
}

// TestJSONFlatPlan checks the plan's layout and that it is decided per
// schema: a schema with an array is not flat even when the array is null.
func TestJSONFlatPlan(t *testing.T) {
	c := &JSONConverter{SchemasEnable: true}
	data := fixtures.Read(t, "mysql254_c_logical_types_withschema.json") // with decimals: the scratch buffer is used
	plan, slots, err := c.DecodeFlat(context.Background(), "t", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Decode(context.Background(), "t", data)
	if err != nil {
		t.Fatal(err)
	}
	after := plan.Field(0, "after")
	id := plan.Field(after, "id")
	if after < 0 || id < 0 || plan.Slots[id].Parent != after || slots[after].Kind != SlotStruct {
		t.Fatalf("after %d id %d", after, id)
	}
	if want := at(t, rec.Value, "after.id").(int64); slots[id].Kind != SlotInt || slots[id].Int != want || want != 8 {
		t.Fatalf("after.id slot %+v, want %d", slots[id], want)
	}
	plan2, _, err := c.DecodeFlat(context.Background(), "t", data, slots)
	if err != nil || plan2 != plan {
		t.Fatalf("second read: plan %p, want the cached %p (%v)", plan2, plan, err)
	}
	// The scratch slot lives beyond the returned length.
	if full := slots[:cap(slots)]; len(full) == len(slots) || full[len(full)-1].Kind != slotScratch {
		t.Fatalf("no scratch slot beyond %d slots (cap %d)", len(slots), cap(slots))
	}

	arr := []byte(`{"schema":{"type":"struct","fields":[{"field":"a","type":"array","items":{"type":"int32"},"optional":true},{"field":"n","type":"int32"}]},"payload":{"a":null,"n":1}}`)
	if _, err := c.Decode(context.Background(), "t", arr); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.DecodeFlat(context.Background(), "t", arr, nil); !errors.Is(err, ErrNotFlat) {
		t.Fatalf("array schema: %v, want ErrNotFlat", err)
	}
	dup := []byte(`{"schema":{"type":"struct","fields":[{"field":"a","type":"int32"},{"field":"a","type":"int32"}]},"payload":{"a":1}}`)
	if _, _, err := c.DecodeFlat(context.Background(), "t", dup, nil); !errors.Is(err, ErrNotFlat) {
		t.Fatalf("duplicate field names: %v, want ErrNotFlat", err)
	}
}

// TestJSONFlatAliasing checks where the bytes of string slots live: in the
// record when the text needs no change, in the scratch buffer otherwise.
func TestJSONFlatAliasing(t *testing.T) {
	c := &JSONConverter{SchemasEnable: true}
	data := []byte(`{"schema":{"type":"struct","fields":[{"field":"plain","type":"string"},{"field":"esc","type":"string"},{"field":"bad","type":"string"}]},` +
		`"payload":{"plain":"abc","esc":"a\nb\u00e9","bad":"x` + "\xff" + `y"}}`)
	var slots []Slot
	if !flatAgree(t, c, data, &slots, true) {
		t.Fatal("not flat")
	}
	if got := string(slots[2].Bytes) + "|" + string(slots[3].Bytes); got != "a\nbé|x\uFFFDy" {
		t.Fatalf("esc|bad = %q", got)
	}
	i := bytes.Index(data, []byte(`"abc"`)) + 1
	data[i] = 'X' // the plain string aliases the record; the others do not
	if string(slots[1].Bytes) != "Xbc" || string(slots[2].Bytes) != "a\nbé" {
		t.Fatalf("plain %q esc %q", slots[1].Bytes, slots[2].Bytes)
	}
}

// TestJSONFlatAllocs checks that a flat read allocates nothing once the
// plan is cached and the scratch buffer has grown: for the benchmark
// envelope, for one whose strings need unescaping, and for JSON Schema.
func TestJSONFlatAllocs(t *testing.T) {
	c := &JSONConverter{SchemasEnable: true}
	esc := bytes.Replace(benchEnvelope10(3), []byte(`"notes":"some notes about this customer"`), []byte(`"notes":"line\none \"quoted\" caf\u00e9 \ud83d\ude00"`), 1)
	js, payload := benchJSONSchema(t)
	cases := map[string]struct {
		c    FlatConverter
		data []byte
	}{
		"envelope":   {c, benchEnvelope10(42)},
		"escapes":    {c, esc},
		"jsonschema": {js, payload},
	}
	for name, tc := range cases {
		var slots []Slot
		for i := 0; i < 3; i++ {
			if !flatAgree(t, tc.c, tc.data, &slots, false) {
				t.Fatalf("%s: not flat", name)
			}
		}
		allocs := testing.AllocsPerRun(50, func() {
			var err error
			if _, slots, err = tc.c.DecodeFlat(context.Background(), "t", tc.data, slots); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per flat read, want 0", name, allocs)
		}
	}
}

// TestJSONFlatConcurrent reads through one converter from several
// goroutines, each with its own slots (run with -race).
func TestJSONFlatConcurrent(t *testing.T) {
	c := &JSONConverter{SchemasEnable: true}
	var recs [][]byte
	for _, name := range fixtures.Names("*_withschema.json") {
		recs = append(recs, fixtures.Read(t, name))
	}
	recs = append(recs, benchEnvelope10(1), benchEnvelope10(2))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var slots []Slot
			for i := 0; i < 50; i++ {
				flatAgree(t, c, recs[(i+g)%len(recs)], &slots, i%2 == 0)
			}
		}()
	}
	wg.Wait()
}

func TestJSONFlatEnvelopeShapes(t *testing.T) {
	c := &JSONConverter{SchemasEnable: true}
	schema := `{"type":"struct","fields":[{"field":"a","type":"int32"},{"field":"s","type":"string","optional":true}]}`
	for _, tc := range []struct {
		data string
		flat bool
	}{
		{`{"schema":` + schema + `,"payload":{"a":1,"s":"x"}}`, true},
		{` { "payload" : {"s":"x","a":1} , "schema" : ` + schema + " }\n", true}, // payload first
		{`{"sch\u0065ma":` + schema + `,"p\u0061yload":{"a":1}}`, true},          // escaped keys
		{`{"schema":` + schema + `,"payload":null}`, true},                       // a null top value
		{`{"schema":` + schema + `,"payload":{"a":1},"x":1}`, false},
		{`{"schema":` + schema + `,"schema":` + schema + `,"payload":{"a":1}}`, false},
		{`{"schema":` + schema + `}`, false},
		{`{"schema":null,"payload":{"a":1}}`, false}, // schemaless
		{`{"schema":` + schema + `,"payload":{"a":1}} x`, false},
		{`{"schema":` + schema + `,"payload":{"a":1}`, false},
		{`{"payload":{"a":1},"schema":` + schema + `,}`, false},
		{`{"payload":{"a":"x"},"schema":` + schema + `}`, false},
		{`{"schema":{"type":"nope"},"payload":{"a":1}}`, false},
		{`null`, false},
		{`  `, false},
		{"\x00\x00\x00\x00\x01{}", false},
		{`[1]`, false},
		{`{}`, false},
		// A decimal scale that is no integer: null reads, a value is an error.
		{`{"schema":{"type":"struct","fields":[{"field":"d","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"x"}}]},"payload":{"d":null}}`, true},
		{`{"schema":{"type":"struct","fields":[{"field":"d","type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"x"}}]},"payload":{"d":"AQ=="}}`, false},
		// A Decimal name on another type is read generically.
		{`{"schema":{"type":"struct","fields":[{"field":"d","type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Decimal"}]},"payload":{"d":null}}`, false},
		// Numeric decimals read flat at the text's scale, the schema's or
		// another (as decodeDecimal); an exponent or 19 digits do not.
		{`{"schema":{"type":"struct","fields":[{"field":"d","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}]},"payload":{"d":-1234.56}}`, true},
		{`{"schema":{"type":"struct","fields":[{"field":"d","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}]},"payload":{"d":-1234.5}}`, true},
		{`{"schema":{"type":"struct","fields":[{"field":"d","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}]},"payload":{"d":12}}`, true},
		{`{"schema":{"type":"struct","fields":[{"field":"d","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}]},"payload":{"d":0.0001}}`, true},
		{`{"schema":{"type":"struct","fields":[{"field":"d","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}]},"payload":{"d":1.5e3}}`, false},
		{`{"schema":{"type":"struct","fields":[{"field":"d","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}]},"payload":{"d":1234567890.123456789}}`, false},
	} {
		var slots []Slot
		if got := flatAgree(t, c, []byte(tc.data), &slots, false); got != tc.flat {
			t.Errorf("%s: flat %v, want %v", tc.data, got, tc.flat)
		}
	}
	if _, _, err := c.DecodeFlat(context.Background(), "t", nil, nil); !errors.Is(err, ErrNotFlat) {
		t.Errorf("tombstone: %v", err)
	}
}

// TestJSONFlatNesting checks the nesting limits: JSONConverter validates
// the whole payload with one skip (maxDepth counted from the payload's
// root), jsonSchemaConverter skips each unknown value on its own.
func TestJSONFlatNesting(t *testing.T) {
	c := &JSONConverter{SchemasEnable: true}
	schema := `{"type":"struct","fields":[{"field":"r","type":"struct","optional":true,"fields":[{"field":"a","type":"int32","optional":true}]}]}`
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	js, id := jsonSchemaFlatConv(t, `{"type":"object","properties":{"r":{"oneOf":[{"type":"null"},{"type":"object","properties":{"a":{"type":"integer"}}}]}}}`)
	for _, n := range []int{509, 510, 511, 512, 513} {
		var slots []Slot
		data := []byte(`{"schema":` + schema + `,"payload":{"r":{"a":1,"x":` + nested(n) + `}}}`)
		_, gerr := c.Decode(context.Background(), "t", data)
		flat := flatAgree(t, c, data, &slots, n%2 == 0)
		if flat != (gerr == nil) || flat != (n <= 510) {
			t.Errorf("JsonConverter depth %d: flat %v, generic %v", n, flat, gerr)
		}
		payload := []byte(`{"r":{"a":1,"x":` + nested(n) + `}}`)
		flat = flatAgree(t, js, frame(id, nil, payload), &slots, n%2 == 1)
		if flat != (n <= 512) {
			t.Errorf("JsonSchemaConverter depth %d: flat %v", n, flat)
		}
	}
}

// jsonSchemaFlatConv registers a JSON schema and returns a
// JsonSchemaConverter reading it, with the schema ID.
func jsonSchemaFlatConv(t testing.TB, schema string) (FlatConverter, int) {
	t.Helper()
	f := newFake(t)
	id := mustRegister(t, f, "t-value", sr.Schema{Type: sr.TypeJSON, Schema: schema})
	c, err := testRegistries().New(ClassJSONSchema, map[string]string{"schema.registry.url": f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	fc, ok := c.(FlatConverter)
	if !ok {
		t.Fatalf("%T is not a FlatConverter", c)
	}
	return fc, id
}

func TestJSONSchemaFlatSQLServer(t *testing.T) {
	c, id := jsonSchemaFlatConv(t, fixtureText(t, "sqlserver_jsonschema_envelope_schema.json"))
	var slots []Slot
	if !flatAgree(t, c, frame(id, nil, []byte(sqlserverPayload)), &slots, true) {
		t.Fatal("the fixture payload is not flat")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	row := []flatField{
		{name: "id", kind: "int32", required: true}, {name: "first_name", kind: "string", required: true},
		{name: "last_name", kind: "string", required: true}, {name: "email", kind: "string", required: true},
		{name: "phone_number", kind: "string"},
	}
	src := []flatField{
		{name: "version", kind: "string", required: true}, {name: "connector", kind: "string", required: true},
		{name: "name", kind: "string", required: true}, {name: "ts_ms", kind: "int64", required: true},
		{name: "snapshot", kind: "string"}, {name: "db", kind: "string", required: true},
		{name: "sequence", kind: "string"}, {name: "schema", kind: "string", required: true},
		{name: "table", kind: "string", required: true}, {name: "change_lsn", kind: "string"},
		{name: "commit_lsn", kind: "string"}, {name: "event_serial_no", kind: "int64"},
	}
	env := []flatField{
		{name: "before", kind: "struct", sub: row}, {name: "after", kind: "struct", sub: row},
		{name: "source", kind: "struct", sub: src, required: true}, {name: "op", kind: "string", required: true},
		{name: "ts_ms", kind: "int64"}, {name: "transaction", kind: "struct", sub: []flatField{
			{name: "id", kind: "string", required: true}, {name: "total_order", kind: "int64", required: true},
			{name: "data_collection_order", kind: "int64", required: true},
		}},
	}
	var flat, generic int
	for i := 0; i < 1500; i++ {
		g := flatGen{rng: rng, strict: i%2 == 0}
		payload := g.object(env, 0)
		data := frame(id, nil, payload)
		_, gerr := c.Decode(context.Background(), "t", data)
		ok := flatAgree(t, c, data, &slots, i%3 == 0)
		if g.strict && ok != (gerr == nil) {
			t.Fatalf("strict payload: flat %v, generic %v\n%s", ok, gerr, payload)
		}
		flat += b2i(ok)
		generic += b2i(gerr == nil)
	}
	if flat < 300 || generic-flat > generic/2 {
		t.Fatalf("%d flat reads of %d generic successes", flat, generic)
	}
	t.Logf("%d flat of %d generic successes (1500 payloads)", flat, generic)
}

// TestJSONSchemaFlatRegistryError: a registry failure is returned as
// Decode returns it, not as ErrNotFlat.
func TestJSONSchemaFlatRegistryError(t *testing.T) {
	c, id := jsonSchemaFlatConv(t, `{"type":"object","properties":{"a":{"type":"integer"}}}`)
	data := frame(id+100, nil, []byte(`{"a":1}`))
	_, gerr := c.Decode(context.Background(), "t", data)
	_, _, ferr := c.DecodeFlat(context.Background(), "t", data, nil)
	if gerr == nil || ferr == nil || errors.Is(ferr, ErrNotFlat) || ferr.Error() != gerr.Error() {
		t.Fatalf("Decode: %v; DecodeFlat: %v", gerr, ferr)
	}
	for _, bad := range [][]byte{nil, {1, 2}, []byte(`{"a":1}`)} {
		if _, _, err := c.DecodeFlat(context.Background(), "t", bad, nil); !errors.Is(err, ErrNotFlat) {
			t.Errorf("%q: %v, want ErrNotFlat", bad, err)
		}
	}
}

// flatShapes is a Connect schema with every leaf the scanner reads, nested
// structs, defaults (one of them a decimal whose default has another scale
// and one a struct: no flat form with ReplaceNullWithDefault).
const flatShapes = `{"type":"struct","name":"t.Envelope","fields":[
 {"field":"i8","type":"int8"},
 {"field":"i16","type":"int16","optional":true},
 {"field":"i32","type":"int32","optional":true},
 {"field":"i64","type":"int64","optional":true},
 {"field":"f32","type":"float","optional":true},
 {"field":"f64","type":"double","optional":true},
 {"field":"b","type":"boolean","optional":true},
 {"field":"s","type":"string","optional":true},
 {"field":"by","type":"bytes","optional":true},
 {"field":"d","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},"optional":true},
 {"field":"d0","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","optional":true},
 {"field":"def","type":"string","default":"x"},
 {"field":"defi","type":"int32","optional":true,"default":7},
 {"field":"defb","type":"boolean","optional":true,"default":true},
 {"field":"defd","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},"optional":true,"default":"/w=="},
 {"field":"defbad","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},"optional":true,"default":"1.5"},
 {"field":"row","type":"struct","optional":true,"name":"t.Value","fields":[
   {"field":"id","type":"int32"},{"field":"name","type":"string","optional":true},
   {"field":"inner","type":"struct","optional":true,"fields":[{"field":"x","type":"int64","optional":true},{"field":"y","type":"double","optional":true}]}]},
 {"field":"req","type":"struct","fields":[{"field":"k","type":"string"}]},
 {"field":"sdef","type":"struct","optional":true,"default":{"k":"z"},"fields":[{"field":"k","type":"string","optional":true}]}
]}`

// flatShapesJS is the JSON Schema counterpart of flatShapes (JSON Schema
// defaults apply only to leaves here), with a numeric decimal.
const flatShapesJS = `{"type":"object","title":"t.Envelope","properties":{
 "i8":{"type":"integer","connect.type":"int8","connect.index":0},
 "i16":{"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int16"}],"connect.index":1},
 "i32":{"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int32"}],"connect.index":2},
 "i64":{"type":["null","integer"],"connect.index":3},
 "f32":{"oneOf":[{"type":"null"},{"type":"number","connect.type":"float32"}],"connect.index":4},
 "f64":{"type":["null","number"],"connect.index":5},
 "b":{"type":["null","boolean"],"connect.index":6},
 "s":{"type":["null","string"],"connect.index":7},
 "by":{"oneOf":[{"type":"null"},{"type":"string","connect.type":"bytes"}],"connect.index":8},
 "d":{"oneOf":[{"type":"null"},{"type":"string","connect.type":"bytes","title":"org.apache.kafka.connect.data.Decimal","connect.parameters":{"scale":"2"}}],"connect.index":9},
 "num":{"oneOf":[{"type":"null"},{"type":"number","title":"org.apache.kafka.connect.data.Decimal","connect.parameters":{"scale":"2"}}],"connect.index":10},
 "def":{"type":"string","default":"x","connect.index":11},
 "defi":{"type":["null","integer"],"connect.type":"int32","default":7,"connect.index":12},
 "row":{"oneOf":[{"type":"null"},{"type":"object","title":"t.Value","properties":{
   "id":{"type":"integer","connect.type":"int32","connect.index":0},
   "name":{"type":["null","string"],"connect.index":1},
   "inner":{"oneOf":[{"type":"null"},{"type":"object","properties":{"x":{"type":["null","integer"],"connect.index":0},"y":{"type":["null","number"],"connect.index":1}}}],"connect.index":2}}}],"connect.index":13},
 "req":{"type":"object","properties":{"k":{"type":"string","connect.index":0}},"connect.index":14}
}}`

var (
	flatRow = []flatField{
		{name: "id", kind: "int32", required: true}, {name: "name", kind: "string"},
		{name: "inner", kind: "struct", sub: []flatField{{name: "x", kind: "int64"}, {name: "y", kind: "float"}}},
	}
	flatCommon = []flatField{
		{name: "i8", kind: "int8", required: true}, {name: "i16", kind: "int16"}, {name: "i32", kind: "int32"},
		{name: "i64", kind: "int64"}, {name: "f32", kind: "float"}, {name: "f64", kind: "float"},
		{name: "b", kind: "bool"}, {name: "s", kind: "string"}, {name: "by", kind: "bytes"},
		{name: "d", kind: "decimal", scale: 2}, {name: "def", kind: "string"}, {name: "defi", kind: "int32"},
		{name: "row", kind: "struct", sub: flatRow},
		{name: "req", kind: "struct", required: true, sub: []flatField{{name: "k", kind: "string", required: true}}},
	}
	// flatConnectFields are flatShapes' fields; noNull marks the fields
	// whose null has no flat form with ReplaceNullWithDefault.
	flatConnectFields = append(append([]flatField(nil), flatCommon...),
		flatField{name: "d0", kind: "decimal"}, flatField{name: "defb", kind: "bool"},
		flatField{name: "defd", kind: "decimal", scale: 2}, flatField{name: "defbad", kind: "decimal", scale: 2, noNull: true},
		flatField{name: "sdef", kind: "struct", noNull: true, sub: []flatField{{name: "k", kind: "string"}}})
	flatJSFields = append(append([]flatField(nil), flatCommon...), flatField{name: "num", kind: "decimal", scale: 2})
)

func TestJSONFlatGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, replace := range []bool{false, true} {
		c := &JSONConverter{SchemasEnable: true, ReplaceNullWithDefault: replace}
		var slots []Slot
		var flat, generic, strictN int
		const n = 2500
		for i := 0; i < n; i++ {
			g := flatGen{rng: rng, strict: i%2 == 0, replace: replace}
			payload := g.object(flatConnectFields, 0)
			data := g.envelope(flatShapes, payload)
			_, gerr := c.Decode(context.Background(), "t", data)
			ok := flatAgree(t, c, data, &slots, i%3 == 0)
			if g.strict && ok != (gerr == nil) {
				t.Fatalf("replace %v, strict payload: flat %v, generic %v\n%s", replace, ok, gerr, data)
			}
			flat += b2i(ok)
			generic += b2i(gerr == nil)
			strictN += b2i(g.strict && ok)
		}
		if flat < n/10 || strictN < n/20 || generic == n {
			t.Fatalf("replace %v: %d flat (%d strict) of %d generic successes", replace, flat, strictN, generic)
		}
		t.Logf("replace %v: %d flat of %d generic successes (%d records)", replace, flat, generic, n)
	}
}

func TestJSONSchemaFlatGenerated(t *testing.T) {
	c, id := jsonSchemaFlatConv(t, flatShapesJS)
	rng := rand.New(rand.NewPCG(3, 5))
	var slots []Slot
	var flat, generic int
	const n = 2500
	for i := 0; i < n; i++ {
		g := flatGen{rng: rng, strict: i%2 == 0}
		payload := g.object(flatJSFields, 0)
		data := frame(id, nil, payload)
		_, gerr := c.Decode(context.Background(), "t", data)
		ok := flatAgree(t, c, data, &slots, i%3 == 0)
		if g.strict && ok != (gerr == nil) {
			t.Fatalf("strict payload: flat %v, generic %v\n%s", ok, gerr, payload)
		}
		flat += b2i(ok)
		generic += b2i(gerr == nil)
	}
	if flat < n/10 || generic == n {
		t.Fatalf("%d flat of %d generic successes", flat, generic)
	}
	t.Logf("%d flat of %d generic successes (%d records)", flat, generic, n)
}

// TestJSONFlatMutations mutates good records byte by byte and checks the
// contract on each: a flat read that succeeds matches Decode, and a record
// Decode rejects is ErrNotFlat.
func TestJSONFlatMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	js, id := jsonSchemaFlatConv(t, flatShapesJS)
	type seed struct{ schema, payload []byte }
	var seedsJSON []seed
	var seedsJS [][]byte
	for _, name := range fixtures.Names("*_withschema.json") {
		var env map[string]json.RawMessage
		if err := json.Unmarshal(fixtures.Read(t, name), &env); err != nil {
			t.Fatal(err)
		}
		seedsJSON = append(seedsJSON, seed{env["schema"], env["payload"]})
	}
	for i := 0; i < 8; i++ {
		g := flatGen{rng: rng, strict: true}
		seedsJSON = append(seedsJSON, seed{[]byte(strings.Join(strings.Fields(flatShapes), "")), g.object(flatConnectFields, 0)})
		seedsJS = append(seedsJS, g.object(flatJSFields, 0))
	}
	convs := []FlatConverter{&JSONConverter{SchemasEnable: true}, &JSONConverter{SchemasEnable: true, ReplaceNullWithDefault: true}}
	var slots []Slot
	flat := 0
	rounds := 30000
	if testing.Short() {
		rounds = 3000
	}
	for i := 0; i < rounds; i++ {
		if i%3 == 2 {
			data := mutateJSON(rng, seedsJS[rng.IntN(len(seedsJS))])
			flat += b2i(flatAgree(t, js, frame(id, nil, data), &slots, i%2 == 0))
			continue
		}
		sd := seedsJSON[rng.IntN(len(seedsJSON))]
		var data []byte
		if rng.IntN(8) == 0 { // anywhere in the record, the schema included
			data = mutateJSON(rng, []byte(`{"schema":`+string(sd.schema)+`,"payload":`+string(sd.payload)+`}`))
		} else {
			data = []byte(`{"schema":` + string(sd.schema) + `,"payload":` + string(mutateJSON(rng, sd.payload)) + `}`)
		}
		flat += b2i(flatAgree(t, convs[i%2], data, &slots, i%2 == 0))
	}
	if flat < rounds/20 {
		t.Fatalf("only %d of %d mutated records read flat", flat, rounds)
	}
	t.Logf("%d of %d mutated records read flat", flat, rounds)
}

// mutateJSON applies one to three random edits to a copy of b, biased to
// JSON's structural characters.
func mutateJSON(rng *rand.Rand, b []byte) []byte {
	out := bytes.Clone(b)
	const alphabet = "{}[]\",:\\ -+.0123456789eEtrufalsn\x00\x1f\x7f\xc3\xa9\xff/ubn"
	for k := 1 + rng.IntN(3); k > 0 && len(out) > 0; k-- {
		i := rng.IntN(len(out))
		switch rng.IntN(7) {
		case 0, 1:
			out[i] = alphabet[rng.IntN(len(alphabet))]
		case 2:
			out[i] = byte(rng.IntN(256))
		case 3: // delete a span
			j := min(len(out), i+1+rng.IntN(8))
			out = append(out[:i], out[j:]...)
		case 4: // insert a character
			out = append(out[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, out[i:]...)...)
		case 5: // duplicate a span
			j := min(len(out), i+1+rng.IntN(40))
			out = append(out[:j], append(bytes.Clone(out[i:j]), out[j:]...)...)
		case 6: // truncate
			out = out[:i]
		}
	}
	return out
}

// FuzzJSONFlat checks the contract on arbitrary records: JsonConverter
// envelopes (with and without ReplaceNullWithDefault) and JSON Schema
// payloads for the fixture and the shapes schema.
func FuzzJSONFlat(f *testing.F) {
	js, id := jsonSchemaFlatConv(f, flatShapesJS)
	sq, sqid := jsonSchemaFlatConv(f, fixtureText(f, "sqlserver_jsonschema_envelope_schema.json"))
	for _, name := range fixtures.Names("*_withschema.json") {
		f.Add(uint8(0), fixtures.Read(f, name))
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 4; i++ {
		g := flatGen{rng: rng, strict: i%2 == 0}
		f.Add(uint8(i%2), g.envelope(flatShapes, g.object(flatConnectFields, 0)))
		f.Add(uint8(2), g.object(flatJSFields, 0))
	}
	f.Add(uint8(3), []byte(sqlserverPayload))
	convs := []FlatConverter{&JSONConverter{SchemasEnable: true}, &JSONConverter{SchemasEnable: true, ReplaceNullWithDefault: true}}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		var slots []Slot
		switch which % 4 {
		case 0, 1:
			flatAgree(t, convs[which%2], data, &slots, which%8 < 4)
		case 2:
			flatAgree(t, js, frame(id, nil, data), &slots, which%8 < 4)
		case 3:
			flatAgree(t, sq, frame(sqid, nil, data), &slots, which%8 < 4)
		}
	})
}

// flatField describes a field of a generated payload.
type flatField struct {
	name     string
	kind     string // int8 int16 int32 int64 float bool string bytes decimal struct
	scale    int    // decimal
	required bool   // no null, no default: absent or null fails
	noNull   bool   // strict payloads with ReplaceNullWithDefault always give it a value
	sub      []flatField
}

// flatGen generates payloads: fields in shuffled order, missing, null,
// duplicated, unknown keys, escaped keys, whitespace, edge values and
// values of the wrong type. A strict generator leaves out what Decode
// accepts but DecodeFlat does not read (decimal text, decimals with another
// scale or an exponent, nulls with a struct default), so that Decode and
// DecodeFlat must succeed together.
type flatGen struct {
	rng     *rand.Rand
	strict  bool
	replace bool
}

func (g *flatGen) pick(list ...string) string { return list[g.rng.IntN(len(list))] }

func (g *flatGen) ws() string {
	if g.rng.IntN(4) != 0 {
		return ""
	}
	return g.pick(" ", "\n", "\t", "\r\n  ", "   ")
}

func (g *flatGen) envelope(schema string, payload []byte) []byte {
	s := strings.Join(strings.Fields(schema), "")
	k1, k2 := `"schema"`, `"payload"`
	if g.rng.IntN(8) == 0 {
		k1 = `"sch\u0065ma"`
	}
	if g.rng.IntN(3) == 0 {
		return []byte(g.ws() + "{" + k2 + ":" + g.ws() + string(payload) + "," + k1 + ":" + s + "}" + g.ws())
	}
	return []byte("{" + k1 + ":" + s + "," + g.ws() + k2 + ":" + string(payload) + g.ws() + "}")
}

// object renders an object of fields.
func (g *flatGen) object(fields []flatField, depth int) []byte {
	type kv struct{ k, v string }
	var kvs, dups []kv
	for _, f := range fields {
		r := g.rng.IntN(100)
		absentOK := !f.required && !(g.replace && f.noNull)
		switch {
		case r < 10 && (absentOK || !g.strict):
			continue // absent
		case r < 22 && (absentOK || !g.strict):
			kvs = append(kvs, kv{f.name, "null"})
		default:
			kvs = append(kvs, kv{f.name, g.value(f, depth)})
		}
		if g.rng.IntN(12) == 0 { // a duplicate key: the first wins
			dups = append(dups, kv{f.name, g.pick("null", "1", `"dup"`, "[1,{}]", `{"k":"x"}`)})
		}
	}
	for g.rng.IntN(5) == 0 { // unknown keys, skipped
		kvs = append(kvs, kv{g.pick("zz", "I8", "i8 ", "ro\\u0077x", "é"), g.pick(`{"a":[1,{"b":null}],"c":"\u00e9"}`, `[]`, `"x\"y"`, `-1.5e3`, `true`, `[[[[]]]]`)})
	}
	if !g.strict { // strict: the duplicates come last, their first key keeps a strict value
		kvs, dups = append(kvs, dups...), nil
	}
	if g.rng.IntN(2) == 0 {
		g.rng.Shuffle(len(kvs), func(i, j int) { kvs[i], kvs[j] = kvs[j], kvs[i] })
	}
	kvs = append(kvs, dups...)
	var sb strings.Builder
	sb.WriteString("{" + g.ws())
	for i, e := range kvs {
		if i > 0 {
			sb.WriteString("," + g.ws())
		}
		key := e.k
		if len(key) > 1 && g.rng.IntN(10) == 0 { // escape the first letter
			key = fmt.Sprintf(`\u%04x`, key[0]) + key[1:]
		}
		sb.WriteString(`"` + key + `"` + g.ws() + ":" + g.ws() + e.v + g.ws())
	}
	sb.WriteString("}")
	return []byte(sb.String())
}

func (g *flatGen) value(f flatField, depth int) string {
	bad := !g.strict && g.rng.IntN(8) == 0 // the wrong type
	if bad {
		return g.pick(`"x"`, "1", "true", "[]", "{}", "1.5", `"NaN"`, "nul", "-", `"\x"`)
	}
	switch f.kind {
	case "int8", "int16", "int32", "int64":
		bits := map[string]uint{"int8": 8, "int16": 16, "int32": 32, "int64": 64}[f.kind]
		lo, hi := int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1)
		switch g.rng.IntN(6) {
		case 0:
			return strconv.FormatInt(lo, 10)
		case 1:
			return strconv.FormatInt(hi, 10)
		case 2:
			if g.strict {
				return "0"
			}
			if bits < 64 {
				return g.pick(strconv.FormatInt(lo-1, 10), strconv.FormatInt(hi+1, 10))
			}
			return g.pick("9223372036854775808", "-9223372036854775809", "18446744073709551616", "99999999999999999999")
		case 3:
			if g.strict {
				return g.pick("0", "-0", "-1", "7")
			}
			return g.pick("0", "-0", "1.0", "1e2", "-1", "7", "1E0", "0.5")
		}
		if bits == 64 {
			return strconv.FormatInt(int64(g.rng.Uint64()), 10)
		}
		return strconv.FormatInt(lo+g.rng.Int64N(hi-lo+1), 10)
	case "float":
		if g.strict && g.rng.IntN(4) == 0 {
			return g.pick("3.25", "-0", "-0.0", "0", "1e-400", "1.7976931348623157e308", "5e-324", `"NaN"`, `"Infinity"`, `"-Infinity"`, `"\u004eaN"`, "1E+2")
		}
		if g.rng.IntN(4) == 0 {
			return g.pick("3.25", "-0", "-0.0", "0", "1e400", "-1e400", "1e-400", "1.7976931348623157e308", "5e-324",
				`"NaN"`, `"Infinity"`, `"-Infinity"`, `"nan"`, `"\u004eaN"`, "1E+2", "123456789012345678901234567890")
		}
		return strconv.FormatFloat(g.rng.NormFloat64()*1e6, 'g', -1, 64)
	case "bool":
		return g.pick("true", "false")
	case "string":
		return g.str()
	case "bytes":
		if g.strict && g.rng.IntN(5) == 0 {
			return g.pick(`""`, `"QUJD\nREVG"`, `"QUJD\/REVG"`, `"QU\u0042D"`)
		}
		if g.rng.IntN(5) == 0 {
			return g.pick(`""`, `"A"`, `"===="`, `"QUJD\nREVG"`, `"QUJD\/REVG"`, `"QU\u0042D"`)
		}
		return `"` + base64.StdEncoding.EncodeToString(g.bytes()) + `"`
	case "decimal":
		switch g.rng.IntN(5) {
		case 0: // numeric with the schema's scale
			u := g.rng.Int64N(2e15) - 1e15
			return decimalText(u, f.scale)
		case 1:
			if g.strict {
				return decimalText(g.rng.Int64N(1e6), f.scale)
			}
			return g.pick("1e2", "1.5", "-0.05", "12345678901234567.89", "123456789012345678.9", `"12.34"`, `"1234"`, "-0", "0.000", `"1.2e3"`, "99999999999999999999")
		}
		return `"` + base64.StdEncoding.EncodeToString(g.bytes()) + `"`
	case "struct":
		if depth > 3 {
			return "null"
		}
		return string(g.object(f.sub, depth+1))
	}
	panic(f.kind)
}

// decimalText renders u with scale digits after the point, as a producer
// writes decimal.format=NUMERIC.
func decimalText(u int64, scale int) string {
	s := strconv.FormatInt(u, 10)
	if scale == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for len(s) <= scale {
		s = "0" + s
	}
	s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	if neg {
		s = "-" + s
	}
	return s
}

func (g *flatGen) bytes() []byte {
	b := make([]byte, g.rng.IntN(12))
	for i := range b {
		b[i] = byte(g.rng.IntN(256))
	}
	return b
}

// str renders a JSON string from pieces: plain text, escapes, surrogate
// pairs (good and broken), raw UTF-8, invalid UTF-8 and, unless strict,
// raw control characters and bad escapes.
func (g *flatGen) str() string {
	pieces := []string{"abc", "Anne Marie", " ", `\"`, `\\`, `\/`, `\n`, `\t`, `\b\f\r`, `\u00e9`, `\u0000`, `\ud83d\ude00`,
		`\ud800`, `\udc00x`, `\ud800\u0041`, `\ud800\u`, "é", "😀", "\xff", "\xc3", "\xed\xa0\x80", "日本"}
	if !g.strict {
		pieces = append(pieces, "\x01", `\x`, `\u12`, `\`)
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for k := g.rng.IntN(5); k > 0; k-- {
		p := pieces[g.rng.IntN(len(pieces))]
		if g.strict && p == `\ud800\u` {
			continue
		}
		sb.WriteString(p)
	}
	sb.WriteByte('"')
	return sb.String()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// benchEnvelope10 is bench/bench_test.go's envelope: a 10-column Debezium
// MySQL envelope in JsonConverter format with schemas.
func benchEnvelope10(id int) []byte {
	return []byte(fmt.Sprintf(`{"schema":{"type":"struct","fields":[{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},{"type":"string","optional":true,"field":"email"},{"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1,"field":"birth"},{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"updated"},{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"balance"},{"type":"double","optional":true,"field":"score"},{"type":"boolean","optional":true,"field":"active"},{"type":"int64","optional":true,"field":"visits"},{"type":"string","optional":true,"field":"notes"}],"optional":true,"name":"bench.db.t.Value","field":"before"},{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},{"type":"string","optional":true,"field":"email"},{"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1,"field":"birth"},{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"updated"},{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"balance"},{"type":"double","optional":true,"field":"score"},{"type":"boolean","optional":true,"field":"active"},{"type":"int64","optional":true,"field":"visits"},{"type":"string","optional":true,"field":"notes"}],"optional":true,"name":"bench.db.t.Value","field":"after"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"connector"},{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.mysql.Source","field":"source"},{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"}],"optional":false,"name":"bench.db.t.Envelope"},"payload":{"before":null,"after":{"id":%d,"name":"name %d","email":"user%d@example.com","birth":8905,"updated":1725885296000001,"balance":"MDk=","score":3.25,"active":true,"visits":%d,"notes":"some notes about this customer"},"source":{"connector":"mysql","ts_ms":1712917800000},"op":"c","ts_ms":1712917800123}}`, id, id, id, id*7))
}

// benchJSONSchema registers the JSON Schema equivalent of benchEnvelope10's
// schema (as JsonSchemaData writes it) and returns a converter and the
// framed payload.
func benchJSONSchema(tb testing.TB) (FlatConverter, []byte) {
	tb.Helper()
	env := benchEnvelope10(42)
	rec, err := (&JSONConverter{SchemasEnable: true}).Decode(context.Background(), "t", env)
	if err != nil {
		tb.Fatal(err)
	}
	text, err := json.Marshal(jsonSchemaOf(rec.Schema, -1))
	if err != nil {
		tb.Fatal(err)
	}
	c, id := jsonSchemaFlatConv(tb, string(text))
	payload := env[bytes.Index(env, []byte(`"payload":`))+len(`"payload":`) : len(env)-1]
	return c, frame(id, nil, payload)
}

// BenchmarkJSONFlat compares DecodeFlat with Decode in the same run on the
// 10-column envelope, for JsonConverter and JsonSchemaConverter.
func BenchmarkJSONFlat(b *testing.B) {
	js, payload := benchJSONSchema(b)
	cases := []struct {
		name string
		c    FlatConverter
		data []byte
	}{
		{"json", &JSONConverter{SchemasEnable: true}, benchEnvelope10(42)},
		{"jsonschema", js, payload},
	}
	// Tables alternating on one converter: 3 are found among the recent
	// schema texts, 12 are not, and every record skips and hashes its
	// schema text.
	for _, tables := range []int{3, 12} {
		b.Run(fmt.Sprintf("json-%dtables/DecodeFlat", tables), func(b *testing.B) {
			b.ReportAllocs()
			c := &JSONConverter{SchemasEnable: true}
			var recs [][]byte
			for k := 0; k < tables; k++ {
				recs = append(recs, bytes.ReplaceAll(benchEnvelope10(42), []byte("bench.db.t."), []byte(fmt.Sprintf("bench.db.t%d.", k))))
			}
			b.SetBytes(int64(len(recs[0])))
			var slots []Slot
			var err error
			i := 0
			for b.Loop() {
				if _, slots, err = c.DecodeFlat(context.Background(), "t", recs[i%tables], slots); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	for _, tc := range cases {
		b.Run(tc.name+"/Decode", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.data)))
			for b.Loop() {
				if _, err := tc.c.Decode(context.Background(), "t", tc.data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/DecodeFlat", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.data)))
			var slots []Slot
			var err error
			for b.Loop() {
				if _, slots, err = tc.c.DecodeFlat(context.Background(), "t", tc.data, slots); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestJSONFlatSchemaCache checks the plan found from the schema text:
// alternating schemas, a schema text that extends another's, and a cache
// reset (more schemas than the cache keeps), after which DecodeFlat and
// Decode must still agree on the *Schema.
func TestJSONFlatSchemaCache(t *testing.T) {
	c := &JSONConverter{SchemasEnable: true}
	a := `{"type":"struct","fields":[{"field":"a","type":"int32"}]}`
	ab := `{"type":"struct","fields":[{"field":"a","type":"int32"}],"name":"x"}`
	rec := func(schema, payload string) []byte {
		return []byte(`{"schema":` + schema + `,"payload":` + payload + `}`)
	}
	var slots []Slot
	for i, data := range [][]byte{
		rec(a, `{"a":1}`), rec(ab, `{"a":2}`), rec(a, `{"a":3}`), rec(ab, `{"a":4}`),
		rec(a+" ", `{"a":5}`), rec(a, `{"a":6}`), []byte(`{"schema":` + a + `}`), rec(a, `{"a":"x"}`),
	} {
		if got, want := flatAgree(t, c, data, &slots, i%2 == 0), i < 6; got != want {
			t.Errorf("%s: flat %v, want %v", data, got, want)
		}
	}
	for i := 0; i < maxCachedSchemas+10; i++ {
		s := fmt.Sprintf(`{"type":"struct","fields":[{"field":"f%d","type":"int32","optional":true}]}`, i)
		if !flatAgree(t, c, rec(s, `{}`), &slots, i%2 == 0) {
			t.Fatalf("schema %d: not flat", i)
		}
		if i%100 == 0 && !flatAgree(t, c, rec(a, `{"a":1}`), &slots, i%200 == 0) {
			t.Fatalf("schema a after %d others: not flat", i)
		}
	}
	// The entry found last is a's; Decode alone then fills the cache until
	// it is reset. Decode parses a anew, and DecodeFlat must return that
	// schema, not the one of the entry it found last.
	if !flatAgree(t, c, rec(a, `{"a":1}`), &slots, true) {
		t.Fatal("not flat")
	}
	for i := 0; i < maxCachedSchemas+10; i++ {
		s := fmt.Sprintf(`{"type":"struct","fields":[{"field":"g%d","type":"int32","optional":true}]}`, i)
		if _, err := c.Decode(context.Background(), "t", rec(s, `{}`)); err != nil {
			t.Fatal(err)
		}
	}
	if !flatAgree(t, c, rec(a, `{"a":1}`), &slots, false) {
		t.Fatal("not flat")
	}
}

// TestJSONFlatScratchMoves: when the slots are too short for a plan the
// scratch buffer moves to the new slots, and the old ones give it up.
func TestJSONFlatScratchMoves(t *testing.T) {
	c := &JSONConverter{SchemasEnable: true}
	small := []byte(`{"schema":{"type":"struct","fields":[{"field":"s","type":"string"}]},"payload":{"s":"a\nb"}}`)
	var slots []Slot
	if !flatAgree(t, c, small, &slots, false) {
		t.Fatal("not flat")
	}
	old := slots[:cap(slots)]
	if old[len(old)-1].Kind != slotScratch {
		t.Fatal("no scratch slot")
	}
	_, grown, err := c.DecodeFlat(context.Background(), "t", benchEnvelope10(1), slots)
	if err != nil {
		t.Fatal(err)
	}
	if full := grown[:cap(grown)]; full[len(full)-1].Kind != slotScratch || old[len(old)-1].Kind == slotScratch {
		t.Fatalf("scratch slot: new %d, old %d", full[len(full)-1].Kind, old[len(old)-1].Kind)
	}
}
