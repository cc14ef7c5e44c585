package transform

import (
	"strings"
	"testing"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
)

// Kafka's transforms on real Debezium messages (internal/fixtures), decoded
// by JsonConverter and run through a Chain as a connector configuration
// would list them.

const kafkaPredicatePkg = kafkaPkg + "predicates."

func TestKafkaFixtureUnwrapAndReplaceField(t *testing.T) {
	c := kafkaChain(t,
		"unwrap", "ExtractField$Value", map[string]string{"field": "after"},
		"drop", "ReplaceField$Value", map[string]string{"exclude": "email", "renames": "first_name:given"})
	out, err := c.Apply(kafkaFixture(t, "mysql195_u_withschema.json", true))
	if err != nil {
		t.Fatal(err)
	}
	// ExtractField hands over after's optional schema; ReplaceField's
	// copy-basics makes it required.
	if got, want := renderSchema(out.Value.Schema), "dbserver1.inventory.customers.Value:struct{id:int32,given:string,last_name:string}"; got != want {
		t.Errorf("schema %s, want %s", got, want)
	}
	if got, want := renderKafkaValue(out.Value.Value), `Struct{id:1004,given:"Anne1",last_name:"Kretchmar"}`; got != want {
		t.Errorf("value %s, want %s", got, want)
	}
	if out.Value.SchemaID != 0 || out.Topic != "dbserver1.inventory.customers" || out.Offset != 7 {
		t.Errorf("record %+v", out)
	}
}

// A delete unwrapped with ExtractField is a null value under after's
// schema; RecordIsTombstone sees it as a tombstone, and Filter drops it.
func TestKafkaFixtureDeleteUnwrapThenFilterTombstones(t *testing.T) {
	ts := []config.Transform{
		{Name: "unwrap", Type: kafkaClass("ExtractField$Value"), Props: map[string]string{"field": "after"}},
		{Name: "drop", Type: kafkaClass("ReplaceField$Value"), Props: map[string]string{"exclude": "email"}},
		{Name: "noTombstones", Type: kafkaClass("Filter"), Props: map[string]string{}, Predicate: "isTomb"},
	}
	ps := map[string]config.Predicate{"isTomb": {Name: "isTomb", Type: kafkaPredicatePkg + "RecordIsTombstone"}}
	c, err := NewChain(ts, ps)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := c.Apply(kafkaFixture(t, "mysql195_d_withschema.json", true)); out != nil || err != nil {
		t.Fatalf("delete: %v, %v; want dropped", out, err)
	}
	if out, err := c.Apply(kafkaFixture(t, "mysql195_r_snapshot_withschema.json", true)); out == nil || err != nil {
		t.Fatalf("snapshot read: %v, %v; want kept", out, err)
	}
}

func TestKafkaFixtureFlattenEnvelope(t *testing.T) {
	out, err := kafkaChain(t, "flat", "Flatten$Value", map[string]string{"delimiter": "_"}).Apply(kafkaFixture(t, "mysql195_u_withschema.json", true))
	if err != nil {
		t.Fatal(err)
	}
	s := out.Value.Schema
	if s.Name != "dbserver1.inventory.customers.Envelope" || s.Optional || len(s.Fields) != 28 {
		t.Fatalf("schema %s", renderSchema(s))
	}
	for name, want := range map[string]string{
		"before_id":       "int32?", // optional below the optional before
		"after_email":     "string?",
		"source_version":  "string",
		"source_snapshot": `io.debezium.data.Enum:string#1?="false"`,
		"source_ts_ms":    "int64",
		"op":              "string",
		"ts_ms":           "int64?",
		"transaction_id":  "string?",
	} {
		f := s.Field(name)
		if f == nil {
			t.Errorf("no field %s in %s", name, renderSchema(s))
			continue
		}
		if got := renderSchema(f.Schema); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	st := out.Value.Value.(*decode.Struct)
	for name, want := range map[string]string{
		"before_first_name": `"Anne"`, "after_first_name": `"Anne1"`, "source_pos": "722", "source_sequence": "null",
		"op": `"u"`, "transaction_id": "null", "transaction_total_order": "null",
	} {
		v, _ := st.Get(name)
		if got := renderKafkaValue(v); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
}

func TestKafkaFixtureFlattenKeepsArrays(t *testing.T) {
	out, err := kafkaChain(t, "flat", "Flatten$Value", map[string]string{}).Apply(kafkaFixture(t, "pg198_c_arrays_withschema.json", true))
	if err != nil {
		t.Fatal(err)
	}
	f := out.Value.Schema.Field("after.bigint_array")
	v, _ := out.Value.Value.(*decode.Struct).Get("after.bigint_array")
	if f == nil || f.Schema.Type != decode.TypeArray || !f.Schema.Optional || renderKafkaValue(v) != "[10000000000,20000000000,30000000000]" {
		t.Fatalf("after.bigint_array: %v %s", f, renderKafkaValue(v))
	}
}

func TestKafkaFixtureCastAndTimestampConverter(t *testing.T) {
	c := kafkaChain(t,
		"unwrap", "ExtractField$Value", map[string]string{"field": "after"},
		"cast", "Cast$Value", map[string]string{"spec": "decimal_column:string,float_column:string,is_active:boolean,birth_date:string"},
		"ts", "TimestampConverter$Value", map[string]string{"field": "datetime_column", "target.type": "string", "format": "yyyy-MM-dd HH:mm:ss"},
		"us", "TimestampConverter$Value", map[string]string{"field": "time_column", "target.type": "Time", "unix.precision": "microseconds"})
	out, err := c.Apply(kafkaFixture(t, "mysql254_c_logical_types_withschema.json", true))
	if err != nil {
		t.Fatal(err)
	}
	st := out.Value.Value.(*decode.Struct)
	for name, want := range map[string]string{
		"decimal_column":  `"123.45"`,
		"float_column":    `"45.67"`,
		"is_active":       "true",
		"birth_date":      `"8905"`, // io.debezium.time.Date is a plain int32 to Cast
		"datetime_column": `"2024-04-12 10:30:00"`,
		"time_column":     "37800000", // 10:30 as Connect Time milliseconds
		"id":              "8",
	} {
		v, _ := st.Get(name)
		if got := renderKafkaValue(v); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	for name, want := range map[string]string{
		"decimal_column": "string?", "is_active": "boolean?", "datetime_column": "string?", "time_column": "connect.Time:int32#1?",
		"blob_column": "bytes?",
	} {
		if got := renderSchema(out.Value.Schema.Field(name).Schema); got != want {
			t.Errorf("%s schema %s, want %s", name, got, want)
		}
	}
	// Debezium's Date (int32 days) is no timestamp type Kafka knows.
	_, err = kafkaChain(t,
		"unwrap", "ExtractField$Value", map[string]string{"field": "after"},
		"d", "TimestampConverter$Value", map[string]string{"field": "birth_date", "target.type": "unix"},
	).Apply(kafkaFixture(t, "mysql254_c_logical_types_withschema.json", true))
	if err == nil || !strings.Contains(err.Error(), "transform d (org.apache.kafka.connect.transforms.TimestampConverter$Value): Schema Schema{io.debezium.time.Date:INT32} does not correspond to a known timestamp type format") {
		t.Errorf("err = %v", err)
	}
}

func TestKafkaFixtureInsertFieldCoordinates(t *testing.T) {
	props := map[string]string{"topic.field": "__topic", "partition.field": "__partition", "offset.field": "__offset!", "timestamp.field": "__ts"}
	c := kafkaChain(t, "unwrap", "ExtractField$Value", map[string]string{"field": "after"}, "coords", "InsertField$Value", props)
	out, err := c.Apply(kafkaFixture(t, "mysql195_r_snapshot_withschema.json", true))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := renderSchema(out.Value.Schema), "dbserver1.inventory.customers.Value:struct{id:int32,first_name:string,last_name:string,email:string,"+
		"__topic:string?,__partition:int32?,__offset:int64,__ts:connect.Timestamp:int64#1?}"; got != want {
		t.Errorf("schema\n got %s\nwant %s", got, want)
	}
	if got, want := renderKafkaValue(out.Value.Value), `Struct{id:1001,first_name:"Sally",last_name:"Thomas",email:"sally.thomas@acme.com",`+
		`__topic:"dbserver1.inventory.customers",__partition:0,__offset:7,__ts:1661328309300}`; got != want {
		t.Errorf("value\n got %s\nwant %s", got, want)
	}
	// Schemaless: the same fields in the map.
	out, err = c.Apply(kafkaFixture(t, "mysql195_c_noschema.json", false))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := renderKafkaValue(out.Value.Value), `{id:n:1005,first_name:"add",last_name:"add",email:"add",`+
		`__topic:"dbserver1.inventory.customers",__partition:0,__offset:7,__ts:1661328309300}`; got != want {
		t.Errorf("schemaless\n got %s\nwant %s", got, want)
	}
}

func TestKafkaFixtureSchemalessEnvelope(t *testing.T) {
	c := kafkaChain(t,
		"flat", "Flatten$Value", map[string]string{},
		"keep", "ReplaceField$Value", map[string]string{"include": "after.id,after.email,op", "renames": "after.id:id,after.email:email"},
		"mask", "MaskField$Value", map[string]string{"fields": "email"},
		"key", "ValueToKey", map[string]string{"fields": "id"})
	out, err := c.Apply(kafkaFixture(t, "mysql195_c_noschema.json", false))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := renderKafkaValue(out.Value.Value), `{id:n:1005,email:"",op:"c"}`; got != want {
		t.Errorf("value %s, want %s", got, want)
	}
	if got, want := renderKafkaValue(out.Key.Value), `{id:n:1005}`; got != want || out.Key.Schema != nil {
		t.Errorf("key %s, want %s", got, want)
	}
}

func TestKafkaFixtureRouting(t *testing.T) {
	ts := []config.Transform{
		{Name: "route", Type: kafkaClass("RegexRouter"), Props: map[string]string{"regex": "dbserver1\\.inventory\\.(.*)", "replacement": "$1"}, Predicate: "inv"},
		{Name: "mark", Type: kafkaClass("InsertHeader"), Props: map[string]string{"header": "routed", "value.literal": "true"}, Predicate: "inv", Negate: true},
	}
	ps := map[string]config.Predicate{"inv": {Name: "inv", Type: kafkaPredicatePkg + "TopicNameMatches", Props: map[string]string{"pattern": "dbserver1\\..*"}}}
	c, err := NewChain(ts, ps)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Apply(kafkaFixture(t, "mysql195_u_withschema.json", true))
	if err != nil {
		t.Fatal(err)
	}
	// The second stage's predicate sees the routed topic, which no longer
	// matches: negated, the header is inserted.
	if out.Topic != "customers" || out.OriginalTopic != "dbserver1.inventory.customers" || renderHeaders(out.Headers) != "routed=boolean:true" {
		t.Fatalf("topic %s (original %s), headers %s", out.Topic, out.OriginalTopic, renderHeaders(out.Headers))
	}
}

// Every class of Kafka 3.9's transforms and predicates is registered under
// its Connect name.
func TestKafkaClassesRegistered(t *testing.T) {
	tf, pf := transforms(), predicates()
	for _, c := range []string{"ValueToKey", "Filter", "RegexRouter", "TimestampRouter", "DropHeaders", "InsertHeader"} {
		if tf[kafkaClass(c)] == nil {
			t.Errorf("%s not registered", c)
		}
	}
	for _, c := range []string{"ReplaceField", "MaskField", "InsertField", "ExtractField", "HoistField", "Flatten", "Cast", "TimestampConverter", "SetSchemaMetadata", "HeaderFrom"} {
		if tf[kafkaClass(c+"$Key")] == nil || tf[kafkaClass(c+"$Value")] == nil {
			t.Errorf("%s$Key/$Value not registered", c)
		}
		if tf[kafkaClass(c)] != nil {
			t.Errorf("abstract %s registered", c)
		}
	}
	for _, c := range []string{"TopicNameMatches", "RecordIsTombstone", "HasHeaderKey"} {
		if pf[kafkaPredicatePkg+c] == nil {
			t.Errorf("predicate %s not registered", c)
		}
	}
}

// Transforms share decoded schemas and values with the converter and with
// other records: they never modify their input, and they may run on many
// records at once.
func TestKafkaTransformsLeaveInputAlone(t *testing.T) {
	specs := [][]any{
		{"x", "ExtractField$Value", map[string]string{"field": "after"}, "r", "ReplaceField$Value", map[string]string{"exclude": "email", "renames": "id:key"}},
		{"f", "Flatten$Value", map[string]string{}},
		{"m", "MaskField$Value", map[string]string{"fields": "op"}},
		{"c", "Cast$Value", map[string]string{"spec": "ts_ms:string"}},
		{"i", "InsertField$Value", map[string]string{"topic.field": "t"}},
		{"k", "ValueToKey", map[string]string{"fields": "op"}},
		{"h", "HoistField$Value", map[string]string{"field": "env"}},
		{"s", "SetSchemaMetadata$Value", map[string]string{"schema.name": "n"}},
		{"t", "TimestampConverter$Value", map[string]string{"field": "ts_ms", "target.type": "Date"}},
		{"hf", "HeaderFrom$Value", map[string]string{"fields": "op", "headers": "op", "operation": "move"}},
	}
	for _, withSchema := range []bool{true, false} {
		name := "mysql195_u_withschema.json"
		if !withSchema {
			name = "mysql195_c_noschema.json"
		}
		in := kafkaFixture(t, name, withSchema)
		before, schemaBefore := renderKafkaValue(in.Value.Value), renderSchema(in.Value.Schema)
		done := make(chan struct{})
		n := 0
		for _, spec := range specs {
			if !withSchema && spec[1] == "SetSchemaMetadata$Value" {
				continue // needs a schema
			}
			n++
			c := kafkaChain(t, spec...)
			for range 4 {
				go func() {
					defer func() { done <- struct{}{} }()
					rec := *in
					if _, err := c.Apply(&rec); err != nil {
						t.Errorf("%v: %v", spec[1], err)
					}
				}()
			}
		}
		for range 4 * n {
			<-done
		}
		if renderKafkaValue(in.Value.Value) != before || renderSchema(in.Value.Schema) != schemaBefore {
			t.Errorf("%s: the input record changed", name)
		}
	}
}
