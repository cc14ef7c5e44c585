package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/internal/fixtures"
	"github.com/starcdc/starcdc/internal/testutil"
	"github.com/starcdc/starcdc/loader"
)

// A Debezium record whose key and value schema IDs travel in the
// __key_schema_id / __value_schema_id headers (by GUID or by ID, payloads
// raw) yields exactly the rows of the same record with prefixed payloads,
// on the compiled and the generic path, with and without transforms; a
// null value with a header stays a tombstone; an unreadable header is a
// value-converter error (dead-letter or stop per errors.tolerance), not a
// guess; and a JsonConverter pipeline ignores the header, as Kafka
// Connect's JsonConverter does.
func TestSchemaIDHeadersRows(t *testing.T) {
	f := srfake.New()
	t.Cleanup(f.Close)
	regs := decode.NewRegistries()
	conv, err := regs.New(decode.ClassAvro, map[string]string{"schema.registry.url": f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	valText, keyText := fixtures.Text(t, "pg197_avro_value_schema.avsc"), fixtures.Text(t, "pg197_avro_key_schema.avsc")
	valID, _, err := f.RegisterSchema("t1-value", sr.Schema{Schema: valText})
	if err != nil {
		t.Fatal(err)
	}
	keyID, _, err := f.RegisterSchema("t1-key", sr.Schema{Schema: keyText})
	if err != nil {
		t.Fatal(err)
	}
	valGUID, keyGUID := testutil.GUIDHeader(t, f.URL(), "", "t1-value", 1), testutil.GUIDHeader(t, f.URL(), "", "t1-key", 1)
	valS, keyS := parseAvro(t, valText), parseAvro(t, keyText)

	r := rand.New(rand.NewPCG(3, 4))
	compiled := 0
	for _, v := range variants() {
		p := newPipeline(conv, conv, v, &ensureLog{})
		for i := 0; i < 40; i++ {
			val, key := valS.encode(t, valS.random(r, true), nil), keyS.encode(t, keyS.random(r, false), nil)
			prefixed := Input{Topic: "t1", Timestamp: -1, Key: frameAvro(keyID, key), Value: frameAvro(valID, val)}
			for name, in := range map[string]Input{
				"GUID headers": {Topic: "t1", Timestamp: -1, Key: key, Value: val, KeySchemaID: keyGUID, ValueSchemaID: valGUID},
				"ID headers":   {Topic: "t1", Timestamp: -1, Key: key, Value: val, KeySchemaID: decode.AppendConfluentHeader(nil, keyID, nil), ValueSchemaID: decode.AppendConfluentHeader(nil, valID, nil)},
				"value header": {Topic: "t1", Timestamp: -1, Key: prefixed.Key, Value: val, ValueSchemaID: valGUID},
			} {
				what := fmt.Sprintf("%s/%s record %d", v.name, name, i)
				for _, generic := range []bool{true, false} {
					want, _ := runRows(t, p, generic, prefixed, nil)
					got, _ := runRows(t, p, generic, in, nil)
					if got.fast {
						compiled++
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("%s (generic %v): header-framed rows differ\nprefixed: %+v\nheaders:  %+v", what, generic, want, got)
					}
				}
				// With the ID in the header, the framed bytes are the
				// prefixed record's, byte for byte.
				if framed, err := p.FrameSchemaIDs(in); err != nil || name == "ID headers" && (string(framed.Value) != string(prefixed.Value) || string(framed.Key) != string(prefixed.Key)) {
					t.Fatalf("%s: framing %v", what, err)
				}
			}
		}
	}
	if compiled == 0 {
		t.Fatal("no header-framed record took the compiled path")
	}

	// Through NewPipeline (its converters wrapped for registry outages) and
	// a transform chain (ExtractNewRecordState), the same.
	for _, extra := range []map[string]string{nil, {"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"}} {
		props := map[string]string{"key.converter": decode.ClassAvro, "value.converter": decode.ClassAvro,
			"key.converter.schema.registry.url": f.URL(), "value.converter.schema.registry.url": f.URL()}
		for k, v := range extra {
			props[k] = v
		}
		cp := pipeline(t, props)
		rows := 0
		for i := 0; i < 20; i++ {
			val, key := valS.encode(t, valS.random(r, true), nil), keyS.encode(t, keyS.random(r, false), nil)
			want, _ := runRows(t, cp, false, Input{Topic: "t1", Timestamp: -1, Key: frameAvro(keyID, key), Value: frameAvro(valID, val)}, nil)
			got, _ := runRows(t, cp, false, Input{Topic: "t1", Timestamp: -1, Key: key, Value: val, KeySchemaID: keyGUID, ValueSchemaID: valGUID}, nil)
			rows += want.rows
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%v record %d: header-framed rows differ\nprefixed: %+v\nheaders:  %+v", extra, i, want, got)
			}
		}
		if rows == 0 {
			t.Fatalf("%v: no rows at all", extra)
		}
	}

	p := newPipeline(conv, conv, variants()[0], &ensureLog{})
	// A tombstone keeps its meaning whatever its headers say.
	if got, _ := runRows(t, p, false, Input{Topic: "t1", Timestamp: -1, Key: []byte{1}, KeySchemaID: []byte{9}, ValueSchemaID: valGUID}, nil); got.kind != cdc.KindTombstone || got.err != "" {
		t.Fatalf("tombstone with headers: %+v", got)
	}
	// An unreadable header: a value-converter error, not a stop.
	bad := Input{Topic: "t1", Timestamp: -1, Value: []byte{2, 0, 0}, ValueSchemaID: []byte{7, 7}}
	_, _, err = p.RowsOf(context.Background(), bad, nil, func(string, loader.Headers, []byte) { t.Fatal("emitted a row") })
	var fe *decode.FramingError
	if StageOf(err) != StageValueConverter || errors.Is(err, ErrStop) || !errors.As(err, &fe) || !strings.Contains(err.Error(), decode.ValueSchemaIDHeader) {
		t.Fatalf("bad header: %v (stage %s)", err, StageOf(err))
	}
	bad = Input{Topic: "t1", Timestamp: -1, Key: []byte{2}, KeySchemaID: []byte{1, 2}, Value: frameAvro(valID, valS.encode(t, valS.random(r, true), nil))}
	if _, _, err = p.RowsOf(context.Background(), bad, nil, func(string, loader.Headers, []byte) {}); StageOf(err) != StageKeyConverter || !strings.Contains(err.Error(), decode.KeySchemaIDHeader) {
		t.Fatalf("bad key header: %v", err)
	}

	// An Apicurio ID header is refused even when a Confluent one comes
	// after it: the record is not read with a guessed ID.
	var ap Input
	ap.Topic, ap.Timestamp, ap.Value = "t1", -1, frameAvro(valID, valS.encode(t, valS.random(r, true), nil))
	ap.SetSchemaIDHeader("apicurio.value.globalId", []byte{0, 0, 0, 0, 0, 0, 0, byte(valID)})
	ap.SetSchemaIDHeader(decode.ValueSchemaIDHeader, valGUID)
	ap.SetSchemaIDHeader("traceparent", []byte("x"))
	if _, _, err = p.RowsOf(context.Background(), ap, nil, func(string, loader.Headers, []byte) { t.Fatal("emitted a row") }); !errors.Is(err, decode.ErrApicurio) || StageOf(err) != StageValueConverter {
		t.Fatalf("Apicurio header: %v", err)
	}

	// JsonConverter never reads the header.
	jc, err := regs.New(decode.ClassJSON, map[string]string{"schemas.enable": "true"})
	if err != nil {
		t.Fatal(err)
	}
	jp := newPipeline(jc, jc, variants()[0], &ensureLog{})
	in := Input{Topic: "t1", Timestamp: -1, Value: fixtures.Read(t, "mysql240_key_withschema.json")}
	want, _ := runRows(t, jp, false, in, nil)
	in.ValueSchemaID = valGUID
	if got, _ := runRows(t, jp, false, in, nil); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("JsonConverter read the header: %+v, want %+v", got, want)
	}
}

// BenchmarkRowsFastSchemaIDHeader is BenchmarkRowsFast's Avro case with
// the schema IDs in the __key_schema_id / __value_schema_id headers
// instead of the payload prefix (magic byte 0 and the ID there): the cost
// of framing such a record for its converter (a copy of key and value).
func BenchmarkRowsFastSchemaIDHeader(b *testing.B) {
	p, recs := benchSetup(b, "avro")
	for i, in := range recs {
		in.ValueSchemaID, in.Value = in.Value[:5], in.Value[5:]
		if in.Key != nil {
			in.KeySchemaID, in.Key = in.Key[:5], in.Key[5:]
		}
		recs[i] = in
	}
	benchRowsOf(b, p, recs, false)
}
