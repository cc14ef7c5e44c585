package e2e

import (
	"encoding/binary"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/internal/testutil"
)

// Debezium envelopes as Confluent's AvroConverter registers them
// (docs/debezium.md §4.1): named Value/Source records, nullable unions with
// default null, connect.name properties.
func avroEnvelope(withEmail bool) string {
	email := ""
	if withEmail {
		email = `,{"name":"email","type":["null","string"],"default":null}`
	}
	return `{"type":"record","name":"Envelope","namespace":"dbserver1.inventory.customers","fields":[` +
		`{"name":"before","type":["null",{"type":"record","name":"Value","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}` + email + `],"connect.name":"dbserver1.inventory.customers.Value"}],"default":null},` +
		`{"name":"after","type":["null","Value"],"default":null},` +
		`{"name":"source","type":{"type":"record","name":"Source","namespace":"io.debezium.connector.mysql","fields":[{"name":"connector","type":"string"}],"connect.name":"io.debezium.connector.mysql.Source"}},` +
		`{"name":"op","type":"string"},{"name":"ts_ms","type":["null","long"],"default":null}],` +
		`"connect.name":"dbserver1.inventory.customers.Envelope","connect.version":1}`
}

const avroKey = `{"type":"record","name":"Key","namespace":"dbserver1.inventory.customers","fields":[{"name":"id","type":"int"}],"connect.name":"dbserver1.inventory.customers.Key"}`

// A minimal Avro binary writer for the shapes above.
type avroW []byte

func (w avroW) long(v int64) avroW { return binary.AppendVarint(w, v) }
func (w avroW) str(s string) avroW { return append(w.long(int64(len(s))), s...) }
func frame(id int, payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), payload...)
}

// after encodes an envelope whose after image is (id, name[, email]).
func avroAfter(id int, name string, email *string, op string) []byte {
	w := avroW(nil).long(0)                 // before: null
	w = w.long(1).long(int64(id)).str(name) // after: Value
	if email != nil {
		w = w.long(1).str(*email)
	}
	w = w.str("mysql").str(op).long(1).long(1712917800123)
	return w
}

// avroProps is a connector of name loading topic into table customers
// with Confluent's AvroConverter for keys and values, creating the table.
func avroProps(s *devstack.Stack, name, topic string) map[string]string {
	props := connectorProps(s, name, true, topic, topic+":customers")
	for k, v := range map[string]string{
		"key.converter":                       "io.confluent.connect.avro.AvroConverter",
		"value.converter":                     "io.confluent.connect.avro.AvroConverter",
		"key.converter.schema.registry.url":   s.Registry.URL(),
		"value.converter.schema.registry.url": s.Registry.URL(),
		"starrocks.auto.create.tables":        "true",
		"starrocks.table.replication.num":     "1",
		"starrocks.mysql.url":                 s.StarRocks.MySQLAddr(),
	} {
		props[k] = v
	}
	delete(props, "key.converter.schemas.enable")
	delete(props, "value.converter.schemas.enable")
	return props
}

func register(t *testing.T, reg interface {
	RegisterSchema(string, sr.Schema) (int, int, error)
}, subject, text string) int {
	t.Helper()
	id, _, err := reg.RegisterSchema(subject, sr.Schema{Schema: text, Type: sr.TypeAvro})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestAvroAutoCreateAndEvolve: Avro records through the registry; the
// table does not exist and is created from the key and value schemas;
// schema v2 adds a column mid-topic, which starcdc adds before loading the
// rows that carry it. Rows before and after land correctly.
func TestAvroAutoCreateAndEvolve(t *testing.T) {
	s := startStack(t)
	const topic = "dbserver1.inventory.customers"
	keyID := register(t, s.Registry, topic+"-key", avroKey)
	v1 := register(t, s.Registry, topic+"-value", avroEnvelope(false))
	v2 := register(t, s.Registry, topic+"-value", avroEnvelope(true))
	if v1 == v2 {
		t.Fatal("the registry gave v1 and v2 one ID")
	}
	key := func(id int) []byte { return frame(keyID, avroW(nil).long(int64(id))) }
	mail := func(s string) *string { return &s }

	props := avroProps(s, "avro", topic)

	produce(t, s, topic,
		[2][]byte{key(1), frame(v1, avroAfter(1, "one", nil, "c"))},
		[2][]byte{key(2), frame(v1, avroAfter(2, "two", nil, "c"))})
	r := startReplicator(t, props)
	drain(t, s, r.group, topic)
	wantRows(t, s, "customers", []map[string]any{
		{"id": "1", "name": "one"},
		{"id": "2", "name": "two"},
	})

	produce(t, s, topic,
		[2][]byte{key(2), frame(v2, avroAfter(2, "two", mail("two@x"), "u"))},
		[2][]byte{key(3), frame(v2, avroAfter(3, "three", mail("three@x"), "c"))})
	drain(t, s, r.group, topic)
	r.stop(t)
	wantRows(t, s, "customers", []map[string]any{
		{"id": "1", "name": "one", "email": nil},
		{"id": "2", "name": "two", "email": "two@x"},
		{"id": "3", "name": "three", "email": "three@x"},
	})

}

// TestAvroSchemaIDsInHeaders: a topic where some producers write the
// schema ID in the payload prefix and others (Confluent Platform 8,
// header-based schema IDs) in the __key_schema_id / __value_schema_id
// headers by GUID, with raw payloads: starcdc reads each record the way
// it was written, as Confluent's default deserializer does. A record whose
// header is unreadable is dead-lettered with errors.tolerance=all, not
// guessed at.
func TestAvroSchemaIDsInHeaders(t *testing.T) {
	s := startStack(t)
	const topic = "dbserver1.inventory.customers"
	keyID := register(t, s.Registry, topic+"-key", avroKey)
	v1 := register(t, s.Registry, topic+"-value", avroEnvelope(false))
	keyGUID, v1GUID := testutil.GUIDHeader(t, s.Registry.URL(), "", topic+"-key", 1), testutil.GUIDHeader(t, s.Registry.URL(), "", topic+"-value", 1)
	key := func(id int) []byte { return avroW(nil).long(int64(id)) }
	hdrs := func(k, v []byte) []kgo.RecordHeader {
		return []kgo.RecordHeader{{Key: "traceparent", Value: []byte("00-x")}, {Key: "__key_schema_id", Value: k}, {Key: "__value_schema_id", Value: v}}
	}
	produceAll(t, s, []*kgo.Record{
		{Topic: topic, Key: frame(keyID, key(1)), Value: frame(v1, avroAfter(1, "prefixed", nil, "c"))},
		{Topic: topic, Key: key(2), Value: avroAfter(2, "by guid", nil, "c"), Headers: hdrs(keyGUID, v1GUID)},
		{Topic: topic, Key: key(3), Value: avroAfter(3, "bad header", nil, "c"), Headers: hdrs(keyGUID, []byte{1, 2, 3})},
		{Topic: topic, Key: key(1), Value: avroAfter(1, "updated by guid", nil, "u"), Headers: hdrs(keyGUID, v1GUID)},
		{Topic: topic, Key: key(2), Value: nil, Headers: hdrs(keyGUID, v1GUID)}, // a tombstone stays one
	})

	props := avroProps(s, "cp8", topic)
	props["errors.tolerance"] = "all"
	r := startReplicator(t, props)
	drain(t, s, r.group, topic)
	r.stop(t)
	wantRows(t, s, "customers", []map[string]any{
		{"id": "1", "name": "updated by guid"},
		{"id": "2", "name": "by guid"},
	})
	if st := r.rep.Stats(); st.Dead != 1 {
		t.Errorf("dead-lettered records = %d, want 1 (the unreadable header)", st.Dead)
	}
}
