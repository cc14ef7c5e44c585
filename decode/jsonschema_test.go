package decode

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

func jsonSchemaConv(t testing.TB, regs *Registries, url string) Converter {
	t.Helper()
	c, err := regs.New(ClassJSONSchema, map[string]string{"schema.registry.url": url})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const sqlserverPayload = `{"before":null,"after":{"id":1001,"first_name":"Sally","last_name":"Thomas","email":"sally.thomas@acme.com","phone_number":null},` +
	`"source":{"version":"2.5.0.Final","connector":"sqlserver","name":"server1","ts_ms":1712917800000,"snapshot":"last","db":"testDB",` +
	`"sequence":null,"schema":"dbo","table":"customers","change_lsn":null,"commit_lsn":"00000025:00000d98:0003","event_serial_no":null},` +
	`"op":"r","ts_ms":1712917800123,"transaction":null}`

func TestJSONSchemaSQLServerEnvelope(t *testing.T) {
	f := newFake(t)
	id := mustRegister(t, f, "server1.dbo.customers-value", sr.Schema{Schema: fixtureText(t, "sqlserver_jsonschema_envelope_schema.json"), Type: sr.TypeJSON})
	c := jsonSchemaConv(t, testRegistries(), f.URL())
	rec, err := c.Decode(context.Background(), "server1.dbo.customers", frame(id, nil, []byte(sqlserverPayload)))
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Schema.IsEnvelope() || rec.Schema.Name != "server1.dbo.customers.Envelope" || rec.SchemaID != id {
		t.Fatalf("schema %+v", rec.Schema)
	}
	for p, w := range map[string]any{
		"before": nil, "after.id": int64(1001), "after.first_name": "Sally", "after.email": "sally.thomas@acme.com", "after.phone_number": nil,
		"source.connector": "sqlserver", "source.ts_ms": int64(1712917800000), "source.snapshot": "last", "source.commit_lsn": "00000025:00000d98:0003",
		"source.event_serial_no": nil, "op": "r", "ts_ms": int64(1712917800123), "transaction": nil,
	} {
		if got := at(t, rec.Value, p); got != w {
			t.Errorf("%s = %#v, want %#v", p, got, w)
		}
	}
	// Field order comes from connect.index, not from the property order.
	var names []string
	for _, f := range rec.Schema.Fields {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "before,after,source,op,ts_ms,transaction" {
		t.Errorf("envelope order %v", names)
	}
	after := rec.Schema.Field("after").Schema
	names = names[:0]
	for _, f := range after.Fields {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "id,first_name,last_name,email,phone_number" || !after.Optional || after.Name != "server1.dbo.customers.Value" {
		t.Errorf("after schema %q optional=%v order %v", after.Name, after.Optional, names)
	}
	if s := after.Field("id").Schema; s.Type != TypeInt32 || s.Optional {
		t.Errorf("id schema %+v", s)
	}
	if s := after.Field("phone_number").Schema; s.Type != TypeString || !s.Optional {
		t.Errorf("phone_number schema %+v", s)
	}
	snap := rec.Schema.Field("source").Schema.Field("snapshot").Schema
	if snap.Name != "io.debezium.data.Enum" || snap.Version != 1 || !snap.Optional || snap.Default != "false" || snap.Parameters["allowed"] == "" {
		t.Errorf("snapshot schema %+v", snap)
	}
	if s := rec.Schema.Field("source").Schema.Field("ts_ms").Schema; s.Type != TypeInt64 {
		t.Errorf("source.ts_ms type %v", s.Type)
	}
	// A payload that does not match: a string id.
	if _, err := c.Decode(context.Background(), "t", frame(id, nil, []byte(strings.Replace(sqlserverPayload, `"id":1001`, `"id":"x"`, 1)))); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad payload: %v", err)
	}
	if _, err := c.Decode(context.Background(), "t", frame(id, nil, []byte(`{"op":`))); !errors.Is(err, ErrMalformed) {
		t.Fatalf("truncated JSON: %v", err)
	}
}

// Logical and physical types as JsonSchemaData writes them; a $ref to a
// schema registered under another subject and a local definition.
func TestJSONSchemaTypesAndReferences(t *testing.T) {
	f := newFake(t)
	mustRegister(t, f, "source.json", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","title":"io.debezium.connector.mysql.Source",
	 "properties":{"db":{"type":"string","connect.index":0},"pos":{"type":"integer","connect.type":"int64","connect.index":1}}}`})
	schema := `{"type":"object","title":"d.t.Envelope","definitions":{"Row":{"type":"object","title":"d.t.Value","properties":{
	  "dec":{"type":"string","connect.type":"bytes","title":"org.apache.kafka.connect.data.Decimal","connect.version":1,"connect.parameters":{"scale":"2"},"connect.index":0},
	  "num":{"type":"number","title":"org.apache.kafka.connect.data.Decimal","connect.parameters":{"scale":"3"},"connect.index":1},
	  "tiny":{"type":"integer","connect.type":"int8","connect.index":2},
	  "bin":{"oneOf":[{"type":"null"},{"type":"string","connect.type":"bytes"}],"connect.index":3},
	  "f":{"type":"number","connect.type":"float32","connect.index":4},
	  "ts":{"type":"integer","connect.type":"int64","title":"org.apache.kafka.connect.data.Timestamp","connect.version":1,"connect.index":5},
	  "tags":{"type":"array","items":{"type":"string"},"connect.index":6},
	  "attrs":{"type":"object","connect.type":"map","additionalProperties":{"type":"integer","connect.type":"int32"},"connect.index":7},
	  "ikv":{"type":"array","connect.type":"map","items":{"type":"object","properties":{"key":{"type":"integer","connect.type":"int32","connect.index":0},"value":{"type":"string","connect.index":1}}},"connect.index":8},
	  "ok":{"type":"boolean","connect.index":9}}}},
	 "properties":{"after":{"oneOf":[{"type":"null"},{"$ref":"#/definitions/Row"}],"connect.index":0},
	  "source":{"$ref":"source.json","connect.index":1},"op":{"type":"string","connect.index":2}}}`
	id := mustRegister(t, f, "d.t-value", sr.Schema{Type: sr.TypeJSON, Schema: schema,
		References: []sr.SchemaReference{{Name: "source.json", Subject: "source.json", Version: 1}}})
	c := jsonSchemaConv(t, testRegistries(), f.URL())
	payload := `{"after":{"dec":"MDk=","num":1.250,"tiny":-3,"bin":"AQI=","f":1.5,"ts":1712917800000,"tags":["a"],"attrs":{"x":1},"ikv":[{"key":7,"value":"seven"}],"ok":true},` +
		`"source":{"db":"inv","pos":99},"op":"c"}`
	rec, err := c.Decode(context.Background(), "d.t", frame(id, nil, []byte(payload)))
	if err != nil {
		t.Fatal(err)
	}
	if d := at(t, rec.Value, "after.dec").(Decimal); d.String() != "123.45" {
		t.Errorf("dec = %s", d)
	}
	if d := at(t, rec.Value, "after.num").(Decimal); d.String() != "1.250" {
		t.Errorf("num = %s", d)
	}
	for p, w := range map[string]any{"after.tiny": int64(-3), "after.f": 1.5, "after.ts": int64(1712917800000), "after.ok": true,
		"source.db": "inv", "source.pos": int64(99), "op": "c"} {
		if got := at(t, rec.Value, p); got != w {
			t.Errorf("%s = %#v, want %#v", p, got, w)
		}
	}
	if b := at(t, rec.Value, "after.bin").([]byte); len(b) != 2 || b[1] != 2 {
		t.Errorf("bin = %v", b)
	}
	if m := at(t, rec.Value, "after.attrs").(map[string]any); m["x"] != int64(1) {
		t.Errorf("attrs = %v", m)
	}
	if m := at(t, rec.Value, "after.ikv").(map[string]any); m["7"] != "seven" {
		t.Errorf("ikv = %v", m)
	}
	row := rec.Schema.Field("after").Schema
	for name, want := range map[string]Type{"dec": TypeBytes, "num": TypeBytes, "tiny": TypeInt8, "bin": TypeBytes, "f": TypeFloat32,
		"ts": TypeInt64, "tags": TypeArray, "attrs": TypeMap, "ikv": TypeMap, "ok": TypeBoolean} {
		if got := row.Field(name).Schema.Type; got != want {
			t.Errorf("%s type %v, want %v", name, got, want)
		}
	}
	if row.Name != "d.t.Value" || !row.Optional || rec.Schema.Field("source").Schema.Name != "io.debezium.connector.mysql.Source" {
		t.Errorf("names: %q %q", row.Name, rec.Schema.Field("source").Schema.Name)
	}
	if rec.Schema.Field("after").Schema.Field("ts").Schema.Name != ConnectTimestamp {
		t.Error("Timestamp title lost")
	}
}

func TestJSONSchemaChangeMidTopic(t *testing.T) {
	f := newFake(t)
	v1 := `{"type":"object","title":"a.Value","properties":{"id":{"type":"integer","connect.type":"int64","connect.index":0}}}`
	v2 := `{"type":"object","title":"a.Value","properties":{"id":{"type":"integer","connect.type":"int64","connect.index":0},"name":{"oneOf":[{"type":"null"},{"type":"string"}],"connect.index":1}}}`
	id1 := mustRegister(t, f, "a-value", sr.Schema{Type: sr.TypeJSON, Schema: v1})
	id2 := mustRegister(t, f, "a-value", sr.Schema{Type: sr.TypeJSON, Schema: v2})
	c := jsonSchemaConv(t, testRegistries(), f.URL())
	r1, err1 := c.Decode(context.Background(), "a", frame(id1, nil, []byte(`{"id":1}`)))
	r2, err2 := c.Decode(context.Background(), "a", frame(id2, nil, []byte(`{"id":2,"name":"x"}`)))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if len(r1.Schema.Fields) != 1 || len(r2.Schema.Fields) != 2 || at(t, r2.Value, "name") != "x" {
		t.Fatalf("schema change not seen: %v %v", r1.Schema.Fields, r2.Schema.Fields)
	}
}
