package decode

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// The fuzz targets check that no input panics, hangs or escapes the error
// contract (every failure wraps ErrMalformed; the registry is never the
// culprit here). Run them with e.g. go test -run=^$ -fuzz=FuzzAvro -fuzztime=20s.
// In the normal test run they only replay their seeds.

func checkFuzzErr(t *testing.T, err error) {
	if err != nil && !errors.Is(err, ErrMalformed) {
		t.Fatalf("error does not wrap ErrMalformed: %v", err)
	}
}

func FuzzFraming(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 0})
	f.Add([]byte{0, 0, 0, 0, 1, 4, 2, 0, 0xaa})
	f.Add([]byte{0, 0, 0, 0, 1, 0x7f, 2})
	f.Add([]byte(`{"a":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		id, payload, err := parseConfluentHeader(ClassProtobuf, data)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		if want := len(data) - 5; id.byGUID && len(payload) != len(data)-17 || !id.byGUID && (id.id < 0 || len(payload) != want) {
			t.Fatalf("%s payload %d of %d", id, len(payload), len(data))
		}
		idx, rest, err := appendMessageIndexes(ClassProtobuf, nil, payload)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		if len(idx) == 0 || len(idx) > maxMessageIndexes || len(rest) > len(payload) {
			t.Fatalf("indexes %v rest %d", idx, len(rest))
		}
	})
}

func fuzzConverter(f *testing.F, class string, subject string, s sr.Schema, seeds ...[]byte) (Converter, int) {
	reg := newFake(f)
	id := mustRegister(f, reg, subject, s)
	c, err := testRegistries().New(class, map[string]string{"schema.registry.url": reg.URL()})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	return c, id
}

func FuzzAvro(f *testing.F) {
	text := fixtureText(f, "mysql2x_avro_envelope_schema.avsc")
	good := hambaEncode(f, text, sampleMyEnvelope())
	reg := newFake(f)
	id := mustRegister(f, reg, "t-value", sr.Schema{Schema: text})
	lid := mustRegister(f, reg, "x-value", sr.Schema{Schema: logicalAvro})
	c, err := testRegistries().New(ClassAvro, map[string]string{"schema.registry.url": reg.URL()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:10])
	f.Add([]byte{2, 0xfe, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{4, 6, 'a', 'b', 'c', 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		_, err := c.Decode(context.Background(), "t", frame(id, nil, payload))
		checkFuzzErr(t, err)
		_, err = c.Decode(context.Background(), "t", frame(lid, nil, payload))
		checkFuzzErr(t, err)
	})
}

func FuzzJSONSchema(f *testing.F) {
	c, id := fuzzConverter(f, ClassJSONSchema, "t-value",
		sr.Schema{Type: sr.TypeJSON, Schema: fixtureText(f, "sqlserver_jsonschema_envelope_schema.json")},
		[]byte(sqlserverPayload), []byte(`{"after":{"id":1e400}}`), []byte(`{"before":{"id":-0}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		_, err := c.Decode(context.Background(), "t", frame(id, nil, payload))
		checkFuzzErr(t, err)
	})
}

func FuzzProtobuf(f *testing.F) {
	reg := newFake(f)
	id, raw := registerProtoEnvelope(f, reg)
	c, err := testRegistries().New(ClassProtobuf, map[string]string{"schema.registry.url": reg.URL()})
	if err != nil {
		f.Fatal(err)
	}
	good := protoEncode(f, raw, []int{0}, protoEnvelopeJSON)
	f.Add(append([]byte{0}, good...))
	f.Add(append([]byte{4, 2, 0}, good[:7]...))
	f.Add([]byte{2, 0x7f})
	pf, err := compileProto(context.Background(), raw)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, rest []byte) {
		_, err := c.Decode(context.Background(), "t", frame(id, nil, rest))
		checkFuzzErr(t, err)
		// Differential: the direct wire decoder against proto.Unmarshal + dynamicpb.
		idx, payload, err := appendMessageIndexes(ClassProtobuf, nil, rest)
		if err != nil {
			return
		}
		m, err := pf.message(idx)
		if err != nil {
			return
		}
		want, werr := dynamicDecode(m, payload)
		d := pbDecoder{b: payload}
		got, gerr := d.message(m, 0, len(payload))
		if errors.Is(werr, errOraclePanic) {
			return
		}
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("dynamicpb err %v, wire decoder err %v", werr, gerr)
		}
		if werr == nil && !sameValue(got, want) {
			t.Fatalf("\n got %s\nwant %s", dump(got), dump(want))
		}
	})
}

// plainTree turns the parser's tree into what encoding/json would produce
// (objects as maps, last duplicate key wins).
func plainTree(v any) any {
	switch t := v.(type) {
	case *Struct:
		m := map[string]any{}
		for i, n := range t.Names {
			m[n] = plainTree(t.Values[i])
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plainTree(e)
		}
		return out
	}
	return v
}

// jsonFixtures are the JSON documents of the decode tests: Debezium
// JsonConverter records, a JSON schema and Avro schemas (JSON too).
var jsonFixtures = []string{
	"mysql254_c_logical_types_withschema.json", "pg198_c_arrays_withschema.json", "mysql195_u_withschema.json",
	"mysql195_c_noschema.json", "sqlserver_jsonschema_envelope_schema.json",
	"mysql2x_avro_envelope_schema.avsc", "pg197_avro_value_schema.avsc", "pg197_avro_key_schema.avsc",
}

// prettyJSON returns b pretty-printed by json.MarshalIndent (as a
// json.RawMessage, so that key order, duplicates and number text are kept).
func prettyJSON(t testing.TB, b []byte, prefix, indent string) []byte {
	t.Helper()
	out, err := json.MarshalIndent(json.RawMessage(b), prefix, indent)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// spacedJSON puts whitespace around every structural character of the valid
// JSON text b (outside strings), cycling through space, tab, CR and LF.
func spacedJSON(b []byte) []byte {
	const ws = " \t\r\n"
	var out []byte
	inStr, esc, k := false, false, 0
	for _, c := range b {
		switch {
		case inStr:
			inStr = esc || c != '"'
			esc = !esc && c == '\\'
			out = append(out, c)
		case c == '"':
			inStr = true
			out = append(out, c)
		case strings.IndexByte("{}[],:", c) >= 0:
			out = append(out, ws[k%4], c, ws[(k+1)%4])
			k++
		default:
			out = append(out, c)
		}
	}
	return out
}

// inferSchema returns a Connect schema that the parsed JSON value v fits
// (an array takes its first element's schema; the first of duplicate keys
// makes the field), to drive the schema-guided reader with any document.
func inferSchema(v any) *Schema {
	switch t := v.(type) {
	case bool:
		return &Schema{Type: TypeBoolean, Optional: true}
	case json.Number:
		if _, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return &Schema{Type: TypeInt64, Optional: true}
		}
		return &Schema{Type: TypeFloat64, Optional: true}
	case []any:
		items := &Schema{Type: TypeString, Optional: true}
		if len(t) > 0 {
			items = inferSchema(t[0])
		}
		return &Schema{Type: TypeArray, Items: items, Optional: true}
	case *Struct:
		s := &Schema{Type: TypeStruct, Optional: true}
		seen := map[string]bool{}
		for i, n := range t.Names {
			if !seen[n] {
				seen[n] = true
				s.Fields = append(s.Fields, Field{Name: n, Index: len(s.Fields), Schema: inferSchema(t.Values[i])})
			}
		}
		return s
	}
	return &Schema{Type: TypeString, Optional: true} // strings and null
}

// FuzzJSONReaders checks every JSON reader against encoding/json, the
// reference for what RFC 8259 allows (whitespace around every value, ',' and
// ':', inside empty arrays and objects): the tree reader (parseJSON), the
// skipping reader (skip: the envelope's "schema" and "payload", unknown and
// duplicate struct keys), the JsonConverter envelope with schemas on and off,
// and the schema-guided reader (decodeDirect) with a schema inferred from the
// document. If json.Valid accepts the input, each reader accepts it and
// yields the same value; if a reader accepts it, so does json.Valid. The only
// exception is nesting deeper than maxDepth, which the readers refuse on
// purpose. Jackson's non-finite doubles need none: Jackson writes them as
// the strings "NaN", "Infinity" and "-Infinity", valid JSON that the float
// conversion reads; no reader accepts a bare NaN or Infinity token.
func FuzzJSONReaders(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,{"b":"\u00e9\ud83d\ude00"}],"c":null,"d":true}`, `"\ud800x"`, `[1,2`, `{"a":1,"a":2}`,
		`"\xff"`, `01`, `-`, `1.`, `{"a" 1}`, `[]`, `{}`, ` 7 `, `"a\/b\n"`, `[[],[{}]]`,
		"[1, 2]", "[ ]", "{ }", "[\t1\r\n,\n2 ]", `{ "a" : [ 1 , { } , [ ] ] , "b" : "NaN" }`, "[1,]", "[,1]", "{,}", "[1 2]", "\v1"} {
		f.Add([]byte(s))
	}
	for _, name := range jsonFixtures {
		b := []byte(fixtureText(f, name))
		f.Add(prettyJSON(f, b, "", "  "))
		f.Add(prettyJSON(f, b, "\r", "\t"))
		f.Add(spacedJSON(b))
	}
	f.Add(prettyJSON(f, []byte(sqlserverPayload), "", "    "))
	deep := func(err error) bool { return strings.Contains(fmt.Sprint(err), "nested deeper") }
	f.Fuzz(func(t *testing.T, b []byte) {
		valid := json.Valid(b)
		var want any
		if valid {
			d := json.NewDecoder(bytes.NewReader(b))
			d.UseNumber()
			if err := d.Decode(&want); err != nil {
				t.Fatal(err)
			}
		}

		// The tree reader.
		tree, err := parseJSON(b)
		if deep(err) {
			return
		}
		if (err == nil) != valid {
			t.Fatalf("parseJSON(%q) err=%v, json.Valid=%v", b, err, valid)
		}
		if valid && !reflect.DeepEqual(plainTree(tree), want) {
			t.Fatalf("parseJSON(%q) = %#v, encoding/json = %#v", b, plainTree(tree), want)
		}

		// The skipping reader.
		p := jsonParser{b: b}
		raw, serr := p.skip()
		if serr == nil {
			if p.ws(); p.pos != len(b) {
				serr = errors.New("trailing")
			}
		}
		if (serr == nil) != valid {
			t.Fatalf("skip(%q) err=%v, json.Valid=%v", b, serr, valid)
		}
		if valid && string(raw) != string(bytes.TrimSpace(b)) {
			t.Fatalf("skip raw %q of %q", raw, b)
		}

		// The envelope, schemaless and with "schema": null.
		rec, err := (&JSONConverter{}).Decode(context.Background(), "t", b)
		if valid && (err != nil || !reflect.DeepEqual(plainTree(rec.Value), want)) {
			t.Fatalf("schemas.enable=false: %q decodes to %#v, %v; encoding/json = %#v", b, rec.Value, err, want)
		}
		// An empty or whitespace-only value is a null value, as in Kafka's
		// JsonConverter; anything else it accepts must be JSON.
		if err == nil && !valid && (len(bytes.Trim(b, " \t\r\n")) > 0 || !rec.Null()) {
			t.Fatalf("schemas.enable=false accepts %q (%+v), json.Valid does not", b, rec)
		}
		env := append(append([]byte("\n{ \"schema\" :\tnull ,\r\n\"payload\": "), b...), " }\n"...)
		rec, err = (&JSONConverter{SchemasEnable: true}).Decode(context.Background(), "t", env)
		if valid && (err != nil || !reflect.DeepEqual(plainTree(rec.Value), want)) {
			t.Fatalf("schemas.enable=true: %q decodes to %#v, %v; encoding/json = %#v", env, rec.Value, err, want)
		}
		if err == nil && !json.Valid(env) {
			t.Fatalf("schemas.enable=true accepts %q, json.Valid does not", env)
		}

		// The schema-guided reader, against the tree and a conversion: it
		// must accept what they accept, and nothing that is not JSON.
		if !valid {
			return
		}
		s := inferSchema(tree)
		c := &JSONConverter{}
		wantV, werr := c.convert(s, tree, "")
		q := jsonParser{b: b}
		got, gerr := c.decodeDirect(&q, s, &jpath{}, 0)
		if gerr == nil {
			if q.ws(); q.pos != len(b) {
				gerr = errors.New("trailing")
			}
		}
		if deep(gerr) {
			return
		}
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: tree+convert err %v, direct err %v", b, werr, gerr)
		}
		if werr == nil && !sameValue(got, wantV) {
			t.Fatalf("%q:\n got %s\nwant %s", b, dump(got), dump(wantV))
		}
	})
}

// Hostile lengths and counts must fail without allocating in proportion to
// what they claim.
func TestHostileInputsBoundedAllocation(t *testing.T) {
	reg := newFake(t)
	regs := testRegistries()
	url := map[string]string{"schema.registry.url": reg.URL()}
	arr := mustRegister(t, reg, "arr-value", sr.Schema{Schema: `{"type":"array","items":"null"}`})
	mp := mustRegister(t, reg, "map-value", sr.Schema{Schema: `{"type":"map","values":"null"}`})
	str := mustRegister(t, reg, "str-value", sr.Schema{Schema: `"string"`})
	pid, _ := registerProtoEnvelope(t, reg)
	ac, _ := regs.New(ClassAvro, url)
	pc, _ := regs.New(ClassProtobuf, url)
	jc, _ := regs.New(ClassJSON, nil)
	huge := []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f} // zigzag ≈ 2^62
	for name, tc := range map[string]struct {
		c    Converter
		data []byte
	}{
		"avro array of 2^62 nulls": {ac, frame(arr, nil, huge)},
		"avro map of 2^62 nulls":   {ac, frame(mp, nil, huge)},
		"avro 2^62-byte string":    {ac, frame(str, nil, huge)},
		"avro 2^30 nulls":          {ac, frame(arr, nil, []byte{0x80, 0x80, 0x80, 0x80, 0x08, 0})},
		"proto 2^62-byte field":    {pc, frame(pid, []int{0}, append([]byte{0x22}, huge...))},
		"proto deep index path":    {pc, frame(pid, nil, []byte{0x80, 0x80, 0x04})},
		"json deep nesting":        {jc, []byte(strings.Repeat("[", 100000))},
		"json huge exponent":       {jc, []byte(`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal"},"payload":1e999999999}`)},
	} {
		// Warm the schema caches first.
		_, _ = tc.c.Decode(context.Background(), "t", tc.data)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := tc.c.Decode(context.Background(), "t", tc.data)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err %v, want ErrMalformed", name, err)
		}
		if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(1<<20+256*len(tc.data)); got > limit {
			t.Errorf("%s: allocated %d bytes (limit %d)", name, got, limit)
		}
	}
}

// FuzzJSONDirect checks the schema-guided decoder against parseJSON +
// convert, for the schemas of the JsonConverter fixtures and one with every
// shape: same success, same values.
func FuzzJSONDirect(f *testing.F) {
	var schemas []*Schema
	var payloads [][]byte
	for _, name := range []string{"mysql254_c_logical_types_withschema.json", "pg198_c_arrays_withschema.json", "mysql195_u_withschema.json"} {
		doc, err := parseJSON([]byte(fixtureText(f, name)))
		if err != nil {
			f.Fatal(err)
		}
		sv, _ := doc.(*Struct).Get("schema")
		s, err := parseConnectSchema(sv, 0)
		if err != nil {
			f.Fatal(err)
		}
		schemas = append(schemas, s)
		pv, _ := doc.(*Struct).Get("payload")
		b, _ := json.Marshal(plainTree(pv))
		payloads = append(payloads, b)
	}
	shapes := `{"type":"struct","fields":[{"field":"i8","type":"int8"},{"field":"f","type":"float","optional":true},
	 {"field":"b","type":"bytes","optional":true},{"field":"d","type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},"optional":true},
	 {"field":"m","type":"map","keys":{"type":"string"},"values":{"type":"int64"},"optional":true},
	 {"field":"mk","type":"map","keys":{"type":"int32"},"values":{"type":"string"},"optional":true},
	 {"field":"a","type":"array","items":{"type":"boolean","optional":true},"optional":true},
	 {"field":"def","type":"string","default":"x"}]}`
	st, _ := parseJSON([]byte(shapes))
	s, err := parseConnectSchema(st, 0)
	if err != nil {
		f.Fatal(err)
	}
	schemas = append(schemas, s)
	payloads = append(payloads, []byte(`{"i8":-128,"f":"NaN","b":"AQI=","d":12.5,"m":{"a":1,"a":2},"mk":[[1,"x"],{"key":2,"value":"y"}],"a":[true,null],"i8":5,"zz":{}}`))
	for i, p := range payloads {
		f.Add(uint8(i), p)
		f.Add(uint8(i), prettyJSON(f, p, "", "  "))
		f.Add(uint8(i), spacedJSON(p))
	}
	f.Add(uint8(3), []byte(`{"d":"12.50","i8":1}`))
	f.Add(uint8(3), []byte(`null`))
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		s := schemas[int(which)%len(schemas)]
		for _, replace := range []bool{false, true} {
			c := &JSONConverter{ReplaceNullWithDefault: replace}
			var want any
			tree, werr := parseJSON(payload)
			if werr == nil {
				want, werr = c.convert(s, tree, "")
			}
			p := jsonParser{b: payload}
			got, gerr := c.decodeDirect(&p, s, &jpath{}, 0)
			if gerr == nil {
				if p.ws(); p.pos != len(p.b) {
					gerr = errors.New("trailing")
				}
			}
			if (werr == nil) != (gerr == nil) {
				if strings.Contains(fmt.Sprint(werr, gerr), "nested deeper") {
					return
				}
				t.Fatalf("tree+convert err %v, direct err %v", werr, gerr)
			}
			if werr == nil && !sameValue(got, want) {
				t.Fatalf("\n got %s\nwant %s", dump(got), dump(want))
			}
		}
	})
}
