package e2e

import (
	"encoding/binary"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestJSONSchemaConverter: the seed configuration's converter
// (io.confluent.connect.json.JsonSchemaConverter): magic byte, schema ID,
// plain JSON; the schema is the registered SQL Server envelope fixture.
func TestJSONSchemaConverter(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "customers", "id INT", "first_name VARCHAR(255)", "last_name VARCHAR(255)", "email VARCHAR(255)", "phone_number VARCHAR(64)")
	const topic = "server1.dbo.customers"
	id, _, err := s.Registry.RegisterSchema(topic+"-value", sr.Schema{Schema: string(fixture(t, "sqlserver_jsonschema_envelope_schema.json")), Type: sr.TypeJSON})
	if err != nil {
		t.Fatal(err)
	}
	msg := func(payload string) []byte {
		return append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), payload...)
	}
	src := `"source":{"version":"2.7.0.Final","connector":"sqlserver","name":"server1","ts_ms":1,"db":"testDB","schema":"dbo","table":"customers"}`
	produce(t, s, topic,
		[2][]byte{nil, msg(`{"before":null,"after":{"id":1001,"first_name":"Sally","last_name":"Thomas","email":"sally@x","phone_number":null},` + src + `,"op":"r","ts_ms":1}`)},
		[2][]byte{nil, msg(`{"before":null,"after":{"id":1002,"first_name":"George","last_name":"Bailey","email":"g@x","phone_number":"555"},` + src + `,"op":"c","ts_ms":2}`)},
		[2][]byte{nil, msg(`{"before":{"id":1001,"first_name":"Sally","last_name":"Thomas","email":"sally@x","phone_number":null},"after":null,` + src + `,"op":"d","ts_ms":3}`)},
	)
	props := connectorProps(s, "jsonschema", true, topic, topic+":customers")
	props["value.converter"] = "io.confluent.connect.json.JsonSchemaConverter"
	props["value.converter.schema.registry.url"] = s.Registry.URL()
	delete(props, "value.converter.schemas.enable")
	r := startReplicator(t, props)
	drain(t, s, r.group, topic)
	r.stop(t)
	wantRows(t, s, "customers", []map[string]any{
		{"id": "1002", "first_name": "George", "last_name": "Bailey", "email": "g@x", "phone_number": "555"},
	})
}

// A Debezium envelope as Confluent's ProtobufConverter registers it
// (docs/debezium.md §4.3): nested Value/Source messages, MicroTimestamp as a
// plain int64 (Protobuf drops Debezium's semantic names), int16 with
// confluent.field_meta.
const protoEnvelope = `syntax = "proto3";
package dbserver1.inventory.orders;

import "confluent/meta.proto";

message Envelope {
  Value before = 1;
  Value after = 2;
  Source source = 3;
  string op = 4;
  int64 ts_ms = 5;

  message Value {
    int32 id = 1;
    string item = 2;
    int32 qty = 3 [(confluent.field_meta) = { params: [ { key: "connect.type", value: "int16" } ] }];
  }
  message Source {
    string connector = 1;
  }
}
`

func TestProtobufConverter(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "orders", "id INT", "item VARCHAR(255)", "qty SMALLINT")
	const topic = "dbserver1.inventory.orders"
	id, _, err := s.Registry.RegisterSchema(topic+"-value", sr.Schema{Schema: protoEnvelope, Type: sr.TypeProtobuf})
	if err != nil {
		t.Fatal(err)
	}
	value := func(id int32, item string, qty int32) []byte {
		var v []byte
		v = protowire.AppendTag(v, 1, protowire.VarintType)
		v = protowire.AppendVarint(v, uint64(id))
		v = protowire.AppendTag(v, 2, protowire.BytesType)
		v = protowire.AppendString(v, item)
		v = protowire.AppendTag(v, 3, protowire.VarintType)
		v = protowire.AppendVarint(v, uint64(qty))
		return v
	}
	env := func(op string, before, after []byte) []byte {
		var e []byte
		if before != nil {
			e = protowire.AppendTag(e, 1, protowire.BytesType)
			e = protowire.AppendBytes(e, before)
		}
		if after != nil {
			e = protowire.AppendTag(e, 2, protowire.BytesType)
			e = protowire.AppendBytes(e, after)
		}
		var src []byte
		src = protowire.AppendTag(src, 1, protowire.BytesType)
		src = protowire.AppendString(src, "mysql")
		e = protowire.AppendTag(e, 3, protowire.BytesType)
		e = protowire.AppendBytes(e, src)
		e = protowire.AppendTag(e, 4, protowire.BytesType)
		e = protowire.AppendString(e, op)
		// Confluent framing: magic, ID, message indexes ([0] → 0x00).
		return append(append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), 0), e...)
	}
	produce(t, s, topic,
		[2][]byte{nil, env("c", nil, value(1, "pen", 3))},
		[2][]byte{nil, env("c", nil, value(2, "ink", 1))},
		[2][]byte{nil, env("u", value(1, "pen", 3), value(1, "pen", 7))},
		[2][]byte{nil, env("d", value(2, "ink", 1), nil)},
	)
	props := connectorProps(s, "protobuf", true, topic, topic+":orders")
	props["value.converter"] = "io.confluent.connect.protobuf.ProtobufConverter"
	props["value.converter.schema.registry.url"] = s.Registry.URL()
	delete(props, "value.converter.schemas.enable")
	r := startReplicator(t, props)
	drain(t, s, r.group, topic)
	r.stop(t)
	wantRows(t, s, "orders", []map[string]any{{"id": "1", "item": "pen", "qty": "7"}})
}

// TestStringConverterCSV: the Java connector's CSV mode: StringConverter
// values are sent verbatim as CSV lines (sink.properties.format=csv with
// columns naming them); __op can come from the data.
func TestStringConverterCSV(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "customers", customerCols...)
	produce(t, s, "csv",
		[2][]byte{nil, []byte("1\tSally\tThomas\ts@x\t0")},
		[2][]byte{nil, []byte("2\tGeorge\tBailey\tg@x\t0")},
		[2][]byte{nil, []byte("1\tSally\tThomas\ts@x\t1")}, // delete
		[2][]byte{nil, nil}, // tombstone: skipped
	)
	props := connectorProps(s, "csv", false, "csv", "csv:customers")
	props["value.converter"] = "org.apache.kafka.connect.storage.StringConverter"
	props["sink.properties.format"] = "csv"
	props["sink.properties.columns"] = "id,first_name,last_name,email,__op"
	r := startReplicator(t, props)
	drain(t, s, r.group, "csv")
	r.stop(t)
	wantRows(t, s, "customers", []map[string]any{cust("2", "George", "Bailey", "g@x")})
}
