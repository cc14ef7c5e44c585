package decode

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

// A Debezium MySQL envelope with a 10-column row, in every format.

const benchAvro = `{"type":"record","name":"Envelope","namespace":"db.inv.customers","connect.name":"db.inv.customers.Envelope","connect.version":1,"fields":[
 {"name":"before","type":["null",{"type":"record","name":"Value","connect.name":"db.inv.customers.Value","fields":[
  {"name":"id","type":"int"},
  {"name":"first_name","type":"string"},
  {"name":"last_name","type":"string"},
  {"name":"email","type":["null","string"],"default":null},
  {"name":"age","type":["null",{"type":"int","connect.type":"int16"}],"default":null},
  {"name":"balance","type":{"type":"bytes","scale":2,"precision":10,"connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"10"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}},
  {"name":"birth_date","type":["null",{"type":"int","connect.version":1,"connect.name":"io.debezium.time.Date"}],"default":null},
  {"name":"created","type":["null",{"type":"long","connect.version":1,"connect.name":"io.debezium.time.MicroTimestamp"}],"default":null},
  {"name":"active","type":["null","boolean"],"default":null},
  {"name":"score","type":["null","double"],"default":null}]}],"default":null},
 {"name":"after","type":["null","Value"],"default":null},
 {"name":"source","type":{"type":"record","name":"Source","namespace":"io.debezium.connector.mysql","connect.name":"io.debezium.connector.mysql.Source","fields":[
  {"name":"version","type":"string"},{"name":"connector","type":"string"},{"name":"name","type":"string"},{"name":"ts_ms","type":"long"},
  {"name":"snapshot","type":[{"type":"string","connect.version":1,"connect.parameters":{"allowed":"true,last,false,incremental"},"connect.default":"false","connect.name":"io.debezium.data.Enum"},"null"],"default":"false"},
  {"name":"db","type":"string"},{"name":"sequence","type":["null","string"],"default":null},{"name":"table","type":["null","string"],"default":null},
  {"name":"server_id","type":"long"},{"name":"gtid","type":["null","string"],"default":null},{"name":"file","type":"string"},{"name":"pos","type":"long"},
  {"name":"row","type":"int"},{"name":"thread","type":["null","long"],"default":null},{"name":"query","type":["null","string"],"default":null}]}},
 {"name":"op","type":"string"},
 {"name":"ts_ms","type":["null","long"],"default":null},
 {"name":"transaction","type":["null",{"type":"record","name":"block","namespace":"event","fields":[{"name":"id","type":"string"},{"name":"total_order","type":"long"},{"name":"data_collection_order","type":"long"}]}],"default":null}]}`

// benchRow/benchEnvelope are the Go struct of the same shape, for hamba's
// own Unmarshal (the baseline) and for encoding.
type benchRow struct {
	ID        int32    `avro:"id"`
	FirstName string   `avro:"first_name"`
	LastName  string   `avro:"last_name"`
	Email     *string  `avro:"email"`
	Age       *int32   `avro:"age"`
	Balance   *big.Rat `avro:"balance"`
	BirthDate *int32   `avro:"birth_date"`
	Created   *int64   `avro:"created"`
	Active    *bool    `avro:"active"`
	Score     *float64 `avro:"score"`
}

type benchEnvelope struct {
	Before      *benchRow `avro:"before"`
	After       *benchRow `avro:"after"`
	Source      mySource  `avro:"source"`
	Op          string    `avro:"op"`
	TsMs        *int64    `avro:"ts_ms"`
	Transaction *myBlock  `avro:"transaction"`
}

func benchSample() benchEnvelope {
	env := sampleMyEnvelope()
	row := &benchRow{ID: 1004, FirstName: "Anne Marie", LastName: "Kretchmar", Email: ptr("annek@noanswer.org"), Age: ptr(int32(41)),
		Balance: big.NewRat(1234567, 100), BirthDate: ptr(int32(8905)), Created: ptr(int64(1712917800123456)), Active: ptr(true), Score: ptr(97.5)}
	return benchEnvelope{After: row, Source: env.Source, Op: "c", TsMs: env.TsMs}
}

const benchProto = `syntax = "proto3";
package db.inv.customers;
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
message Envelope {
  Value before = 1;
  Value after = 2;
  Source source = 3;
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
    int32 birth_date = 7;
    int64 created = 8;
    bool active = 9;
    double score = 10;
  }
  message Source {
    string version = 1; string connector = 2; string name = 3; int64 ts_ms = 4; string snapshot = 5; string db = 6;
    string sequence = 7; string table = 8; int64 server_id = 9; string gtid = 10; string file = 11; int64 pos = 12;
    int32 row = 13; int64 thread = 14; string query = 15;
  }
  message block { string id = 1; int64 total_order = 2; int64 data_collection_order = 3; }
}
`

const benchProtoJSON = `{"after": {"id": 1004, "first_name": "Anne Marie", "last_name": "Kretchmar", "email": "annek@noanswer.org", "age": 41,
 "balance": {"value": "EtaH", "precision": 10, "scale": 2}, "birth_date": 8905, "created": "1712917800123456", "active": true, "score": 97.5},
 "source": {"version": "2.5.0.Final", "connector": "mysql", "name": "dbserver1", "ts_ms": "1712917800000", "snapshot": "false",
 "db": "inventory", "table": "customers", "server_id": "223344", "file": "mysql-bin.000003", "pos": "484", "thread": "7"},
 "op": "c", "ts_ms": "1712917800123"}`

// connectSchemaJSON renders a Schema as JsonConverter's schema object.
func connectSchemaJSON(s *Schema, field string) map[string]any {
	m := map[string]any{"type": s.Type.String(), "optional": s.Optional}
	if field != "" {
		m["field"] = field
	}
	if s.Name != "" {
		m["name"] = s.Name
	}
	if s.Version != 0 {
		m["version"] = s.Version
	}
	if len(s.Parameters) > 0 {
		m["parameters"] = s.Parameters
	}
	switch s.Type {
	case TypeStruct:
		fs := []any{}
		for _, f := range s.Fields {
			fs = append(fs, connectSchemaJSON(f.Schema, f.Name))
		}
		m["fields"] = fs
	case TypeArray:
		m["items"] = connectSchemaJSON(s.Items, "")
	case TypeMap:
		m["keys"], m["values"] = connectSchemaJSON(s.Keys, ""), connectSchemaJSON(s.Values, "")
	}
	return m
}

// jsonSchemaOf renders a Schema as JsonSchemaData would.
func jsonSchemaOf(s *Schema, index int) map[string]any {
	var m map[string]any
	switch s.Type {
	case TypeStruct:
		props := map[string]any{}
		for i, f := range s.Fields {
			props[f.Name] = jsonSchemaOf(f.Schema, i)
		}
		m = map[string]any{"type": "object", "properties": props}
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		m = map[string]any{"type": "integer", "connect.type": s.Type.String()}
	case TypeFloat32, TypeFloat64:
		m = map[string]any{"type": "number", "connect.type": map[Type]string{TypeFloat32: "float32", TypeFloat64: "float64"}[s.Type]}
	case TypeBoolean:
		m = map[string]any{"type": "boolean"}
	case TypeString:
		m = map[string]any{"type": "string"}
	case TypeBytes:
		m = map[string]any{"type": "string", "connect.type": "bytes"}
	}
	if s.Name != "" {
		m["title"] = s.Name
	}
	if len(s.Parameters) > 0 {
		m["connect.parameters"] = s.Parameters
	}
	if s.Optional {
		m = map[string]any{"oneOf": []any{map[string]any{"type": "null"}, m}}
	}
	if index >= 0 {
		m["connect.index"] = index
	}
	return m
}

// plainJSON renders a neutral value as the converters' JSON payload.
func plainJSON(v any) any {
	switch t := v.(type) {
	case *Struct:
		m := map[string]any{}
		for i, n := range t.Names {
			m[n] = plainJSON(t.Values[i])
		}
		return m
	case []byte:
		return base64.StdEncoding.EncodeToString(t)
	case Decimal:
		b := t.Unscaled.Bytes() // positive in the sample
		if len(b) > 0 && b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	return v
}

type benchCase struct {
	conv Converter
	data []byte
}

func benchSetup(b *testing.B) (map[string]benchCase, avro.Schema, []byte) {
	f := newFake(b)
	regs := testRegistries()
	url := map[string]string{"schema.registry.url": f.URL()}
	cases := map[string]benchCase{}

	aid := mustRegister(b, f, "a-value", sr.Schema{Schema: benchAvro})
	apayload := hambaEncode(b, benchAvro, benchSample())
	ac, _ := regs.New(ClassAvro, url)
	cases["avro"] = benchCase{ac, frame(aid, nil, apayload)}
	rec, err := ac.Decode(context.Background(), "t", cases["avro"].data)
	if err != nil {
		b.Fatal(err)
	}

	js, _ := json.Marshal(map[string]any{"schema": connectSchemaJSON(rec.Schema, ""), "payload": plainJSON(rec.Value)})
	jc, _ := regs.New(ClassJSON, nil)
	cases["json"] = benchCase{jc, js}

	jsSchema, _ := json.Marshal(jsonSchemaOf(rec.Schema, -1))
	jid := mustRegister(b, f, "j-value", sr.Schema{Type: sr.TypeJSON, Schema: string(jsSchema)})
	jpayload, _ := json.Marshal(plainJSON(rec.Value))
	jsc, _ := regs.New(ClassJSONSchema, url)
	cases["jsonschema"] = benchCase{jsc, frame(jid, nil, jpayload)}

	pid := mustRegister(b, f, "p-value", sr.Schema{Type: sr.TypeProtobuf, Schema: benchProto})
	ppayload := protoEncode(b, &rawSchema{id: schemaID{id: pid}, text: benchProto}, []int{0}, benchProtoJSON)
	pc, _ := regs.New(ClassProtobuf, url)
	cases["protobuf"] = benchCase{pc, frame(pid, []int{0}, ppayload)}

	for name, c := range cases {
		r, err := c.conv.Decode(context.Background(), "t", c.data)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		if got := at(b, r.Value, "after.first_name"); got != "Anne Marie" {
			b.Fatalf("%s: first_name %v", name, got)
		}
		if got := at(b, r.Value, "after.balance").(Decimal).String(); got != "12345.67" {
			b.Fatalf("%s: balance %v", name, got)
		}
	}
	s, err := avro.ParseWithCache(benchAvro, "", &avro.SchemaCache{})
	if err != nil {
		b.Fatal(err)
	}
	return cases, s, apayload
}

// BenchmarkDecode reports ns and allocs per record for each converter on
// the 10-column envelope (registry lookups are cached, as in steady state).
func BenchmarkDecode(b *testing.B) {
	cases, _, _ := benchSetup(b)
	for _, name := range []string{"avro", "protobuf", "jsonschema", "json"} {
		c := cases[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				if _, err := c.conv.Decode(context.Background(), "t", c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAvroVsHambaStruct measures the Avro converter and hamba's own
// Unmarshal into a Go struct of the same shape in the same run, and reports
// their ratio as x-hamba-struct (target: under 2).
func BenchmarkAvroVsHambaStruct(b *testing.B) {
	cases, s, payload := benchSetup(b)
	c := cases["avro"]
	var dst benchEnvelope
	if err := avro.Unmarshal(s, payload, &dst); err != nil || dst.After.FirstName != "Anne Marie" {
		b.Fatal(err)
	}
	hambaAllocs := testing.AllocsPerRun(100, func() {
		dst = benchEnvelope{}
		_ = avro.Unmarshal(s, payload, &dst)
	})
	// Interleave chunks of both so that machine noise hits them alike; only
	// the converter's chunks run with the timer on (allocs/op are its own).
	b.ReportAllocs()
	b.ResetTimer()
	var ours, hamba time.Duration
	for done := 0; done < b.N; {
		n := min(512, b.N-done)
		start := time.Now()
		for i := 0; i < n; i++ {
			if _, err := c.conv.Decode(context.Background(), "t", c.data); err != nil {
				b.Fatal(err)
			}
		}
		ours += time.Since(start)
		b.StopTimer()
		start = time.Now()
		for i := 0; i < n; i++ {
			dst = benchEnvelope{}
			if err := avro.Unmarshal(s, payload, &dst); err != nil {
				b.Fatal(err)
			}
		}
		hamba += time.Since(start)
		b.StartTimer()
		done += n
	}
	b.ReportMetric(float64(hamba.Nanoseconds())/float64(b.N), "hamba-ns/op")
	b.ReportMetric(hambaAllocs, "hamba-allocs/op")
	b.ReportMetric(float64(ours)/float64(hamba), "x-hamba-struct")
}
