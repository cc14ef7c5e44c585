package decode

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/starcdc/starcdc/internal/fixtures"
)

func fixtureText(t testing.TB, name string) string {
	t.Helper()
	return fixtures.Text(t, name)
}

// Go mirrors of the fixtures, encoded with hamba as Confluent's serializer
// would (writer schema = the registered schema).
type myValue struct {
	ID        int32  `avro:"id"`
	FirstName string `avro:"first_name"`
	LastName  string `avro:"last_name"`
	Email     string `avro:"email"`
}

type mySource struct {
	Version   string  `avro:"version"`
	Connector string  `avro:"connector"`
	Name      string  `avro:"name"`
	TsMs      int64   `avro:"ts_ms"`
	Snapshot  *string `avro:"snapshot"`
	DB        string  `avro:"db"`
	Sequence  *string `avro:"sequence"`
	Table     *string `avro:"table"`
	ServerID  int64   `avro:"server_id"`
	GTID      *string `avro:"gtid"`
	File      string  `avro:"file"`
	Pos       int64   `avro:"pos"`
	Row       int32   `avro:"row"`
	Thread    *int64  `avro:"thread"`
	Query     *string `avro:"query"`
}

type myBlock struct {
	ID                  string `avro:"id"`
	TotalOrder          int64  `avro:"total_order"`
	DataCollectionOrder int64  `avro:"data_collection_order"`
}

type myEnvelope struct {
	Before      *myValue `avro:"before"`
	After       *myValue `avro:"after"`
	Source      mySource `avro:"source"`
	Op          string   `avro:"op"`
	TsMs        *int64   `avro:"ts_ms"`
	Transaction *myBlock `avro:"transaction"`
}

func ptr[T any](v T) *T { return &v }

func sampleMyEnvelope() myEnvelope {
	return myEnvelope{
		Before: &myValue{ID: 1004, FirstName: "Anne", LastName: "Kretchmar", Email: "annek@noanswer.org"},
		After:  &myValue{ID: 1004, FirstName: "Anne Marie", LastName: "Kretchmar", Email: "annek@noanswer.org"},
		Source: mySource{Version: "2.5.0.Final", Connector: "mysql", Name: "dbserver1", TsMs: 1712917800000, Snapshot: ptr("false"),
			DB: "inventory", Table: ptr("customers"), ServerID: 223344, File: "mysql-bin.000003", Pos: 484, Row: 0, Thread: ptr(int64(7))},
		Op: "u", TsMs: ptr(int64(1712917800123)),
	}
}

func hambaEncode(t testing.TB, schemaText string, v any) []byte {
	t.Helper()
	s, err := avro.ParseWithCache(schemaText, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := avro.Marshal(s, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAvroMySQLEnvelope(t *testing.T) {
	f := newFake(t)
	text := fixtureText(t, "mysql2x_avro_envelope_schema.avsc")
	id := mustRegister(t, f, "dbserver1.inventory.customers-value", sr.Schema{Schema: text, Type: sr.TypeAvro})
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	env := sampleMyEnvelope()
	rec, err := c.Decode(context.Background(), "dbserver1.inventory.customers", frame(id, nil, hambaEncode(t, text, env)))
	if err != nil {
		t.Fatal(err)
	}
	if rec.SchemaID != id || !rec.Schema.IsEnvelope() || rec.Schema.Name != "dbserver1.inventory.customers.Envelope" || rec.Schema.Version != 1 {
		t.Fatalf("schema %q v%d id %d", rec.Schema.Name, rec.Schema.Version, rec.SchemaID)
	}
	want := map[string]any{
		"before.id": int64(1004), "before.first_name": "Anne",
		"after.id": int64(1004), "after.first_name": "Anne Marie", "after.last_name": "Kretchmar", "after.email": "annek@noanswer.org",
		"source.version": "2.5.0.Final", "source.connector": "mysql", "source.ts_ms": int64(1712917800000), "source.snapshot": "false",
		"source.db": "inventory", "source.sequence": nil, "source.table": "customers", "source.server_id": int64(223344),
		"source.gtid": nil, "source.file": "mysql-bin.000003", "source.pos": int64(484), "source.row": int64(0),
		"source.thread": int64(7), "source.query": nil,
		"op": "u", "ts_ms": int64(1712917800123), "transaction": nil,
	}
	for p, w := range want {
		if got := at(t, rec.Value, p); got != w {
			t.Errorf("%s = %#v, want %#v", p, got, w)
		}
	}
	s := rec.Schema
	after := s.Field("after").Schema
	if !after.Optional || after.Type != TypeStruct || after.Name != "dbserver1.inventory.customers.Value" || len(after.Fields) != 4 {
		t.Errorf("after schema %+v", after)
	}
	if f := after.Field("id").Schema; f.Type != TypeInt32 || f.Optional {
		t.Errorf("after.id schema %+v", f)
	}
	snap := s.Field("source").Schema.Field("snapshot").Schema
	if snap.Name != "io.debezium.data.Enum" || !snap.Optional || snap.Version != 1 || snap.Parameters["allowed"] != "true,last,false,incremental" || snap.Default != "false" {
		t.Errorf("snapshot schema %+v", snap)
	}
	if tr := s.Field("transaction").Schema; tr.Name != "event.block" || !tr.Optional {
		t.Errorf("transaction schema %+v", tr)
	}
	names := []string{}
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "before,after,source,op,ts_ms,transaction" {
		t.Errorf("field order %v", names)
	}
	// Delete: after null.
	env.After, env.Op = nil, "d"
	rec, err = c.Decode(context.Background(), "t", frame(id, nil, hambaEncode(t, text, env)))
	if err != nil || at(t, rec.Value, "after") != nil || at(t, rec.Value, "op") != "d" {
		t.Fatalf("delete: %v", err)
	}
}

type pgVSD struct {
	Scale int32  `avro:"scale"`
	Value []byte `avro:"value"`
}

type pgValue struct {
	OrderID      int32   `avro:"order_id"`
	OrderDate    *int64  `avro:"order_date"`
	CustomerName *string `avro:"customer_name"`
	Price        *pgVSD  `avro:"price"`
	ProductID    *int32  `avro:"product_id"`
	OrderStatus  *int32  `avro:"order_status"`
}

type pgSource struct {
	Version   string  `avro:"version"`
	Connector string  `avro:"connector"`
	Name      string  `avro:"name"`
	TsMs      int64   `avro:"ts_ms"`
	Snapshot  *string `avro:"snapshot"`
	DB        string  `avro:"db"`
	Sequence  *string `avro:"sequence"`
	Schema    string  `avro:"schema"`
	Table     string  `avro:"table"`
	TxID      *int64  `avro:"txId"`
	LSN       *int64  `avro:"lsn"`
	Xmin      *int64  `avro:"xmin"`
}

type pgEnvelope struct {
	Before      *pgValue `avro:"before"`
	After       *pgValue `avro:"after"`
	Source      pgSource `avro:"source"`
	Op          string   `avro:"op"`
	TsMs        *int64   `avro:"ts_ms"`
	Transaction *myBlock `avro:"transaction"`
}

func TestAvroPostgresEnvelopeAndKey(t *testing.T) {
	f := newFake(t)
	vtext := fixtureText(t, "pg197_avro_value_schema.avsc")
	ktext := fixtureText(t, "pg197_avro_key_schema.avsc")
	vid := mustRegister(t, f, "postgres.public.orders-value", sr.Schema{Schema: vtext})
	kid := mustRegister(t, f, "postgres.public.orders-key", sr.Schema{Schema: ktext})
	regs := testRegistries()
	props := map[string]string{"schema.registry.url": f.URL()}
	kc, vc := avroConv(t, regs, props), avroConv(t, regs, props)

	env := pgEnvelope{
		After: &pgValue{OrderID: 7, OrderDate: ptr(int64(19000)), CustomerName: ptr("Zoë"), Price: &pgVSD{Scale: 2, Value: []byte{0x30, 0x39}},
			OrderStatus: ptr(int32(3))},
		Source: pgSource{Version: "1.9.7.Final", Connector: "postgresql", Name: "postgres", TsMs: 1, Snapshot: ptr("true"), DB: "postgres",
			Schema: "public", Table: "orders", LSN: ptr(int64(123456))},
		Op: "r", TsMs: ptr(int64(2)),
		Transaction: &myBlock{ID: "571:123456", TotalOrder: 1, DataCollectionOrder: 1},
	}
	rec, err := vc.Decode(context.Background(), "postgres.public.orders", frame(vid, nil, hambaEncode(t, vtext, env)))
	if err != nil {
		t.Fatal(err)
	}
	for p, w := range map[string]any{
		"after.order_id": int64(7), "after.order_date": int64(19000), "after.customer_name": "Zoë", "after.product_id": nil,
		"after.order_status": int64(3), "after.price.scale": int64(2), "source.snapshot": "true", "source.lsn": int64(123456),
		"source.txId": nil, "transaction.id": "571:123456", "before": nil,
	} {
		if got := at(t, rec.Value, p); got != w {
			t.Errorf("%s = %#v, want %#v", p, got, w)
		}
	}
	if b := at(t, rec.Value, "after.price.value").([]byte); len(b) != 2 || b[1] != 0x39 {
		t.Errorf("price.value = %v", b)
	}
	vs := rec.Schema.Field("after").Schema
	if s := vs.Field("order_status").Schema; s.Type != TypeInt16 || !s.Optional {
		t.Errorf("order_status schema %+v, want optional int16 (connect.type)", s)
	}
	if s := vs.Field("order_id").Schema; s.Default != int64(0) || s.Type != TypeInt32 {
		t.Errorf("order_id default %#v", s.Default)
	}
	if s := vs.Field("price").Schema; s.Name != "io.debezium.data.VariableScaleDecimal" || s.Doc != "Variable scaled decimal" {
		t.Errorf("price schema %+v", s)
	}
	if s := rec.Schema.Field("transaction").Schema; s.Name != "" {
		t.Errorf("ConnectDefault record name %q, want none", s.Name)
	}

	key := struct {
		OrderID int32 `avro:"order_id"`
	}{7}
	krec, err := kc.Decode(context.Background(), "postgres.public.orders", frame(kid, nil, hambaEncode(t, ktext, key)))
	if err != nil || krec.Schema.Name != "postgres.public.orders.Key" || at(t, krec.Value, "order_id") != int64(7) {
		t.Fatalf("key: %+v %v", krec, err)
	}
}

const logicalAvro = `{"type":"record","name":"Row","namespace":"x","fields":[
 {"name":"dec","type":{"type":"bytes","scale":2,"precision":10,"connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"10"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}},
 {"name":"d","type":{"type":"int","logicalType":"date"}},
 {"name":"t","type":{"type":"int","logicalType":"time-millis"}},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"tsu","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"mts","type":{"type":"long","connect.version":1,"connect.name":"io.debezium.time.MicroTimestamp"}},
 {"name":"b","type":{"type":"int","connect.type":"int8"}},
 {"name":"f","type":"float"},
 {"name":"big","type":"string"},
 {"name":"color","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
 {"name":"fx","type":{"type":"fixed","name":"F2","size":2}},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"attrs","type":{"type":"map","values":"long"}},
 {"name":"u","type":["null","string","long"]},
 {"name":"kv","type":{"type":"array","items":{"type":"record","name":"MapEntry","namespace":"io.confluent.connect.avro","fields":[{"name":"key","type":"int"},{"name":"value","type":"string"}]}}}
]}`

func TestAvroLogicalTypesAndShapes(t *testing.T) {
	f := newFake(t)
	id := mustRegister(t, f, "x-value", sr.Schema{Schema: logicalAvro})
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	bigString := strings.Repeat("é", 700_000) // > hamba's 1 MiB default cap
	type entry struct {
		Key   int32  `avro:"key"`
		Value string `avro:"value"`
	}
	v := map[string]any{
		"dec": big.NewRat(-12345, 100), "d": int32(8905), "t": int32(37800000), "ts": int64(1712917800000), "tsu": int64(1712917800000001),
		"mts": int64(1725885296000000), "b": int32(-7), "f": float32(1.5), "big": bigString, "color": "GREEN", "fx": [2]byte{1, 2},
		"tags": []any{"a", "b"}, "attrs": map[string]any{"k": int64(9)}, "u": int64(5),
		"kv": []any{map[string]any{"key": int32(1), "value": "one"}},
	}
	// hamba maps logical types to time.Time etc.; encode physical values through a schema without logical types.
	phys := strings.NewReplacer(`,"logicalType":"date"`, ``, `,"logicalType":"time-millis"`, ``, `,"logicalType":"timestamp-millis"`, ``, `,"logicalType":"timestamp-micros"`, ``).Replace(logicalAvro)
	_ = entry{}
	s, err := avro.ParseWithCache(phys, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	api := avro.Config{MaxByteSliceSize: -1, PartialUnionTypeResolution: true}.Freeze()
	payload, err := api.Marshal(s, v)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Decode(context.Background(), "x", frame(id, nil, payload))
	if err != nil {
		t.Fatal(err)
	}
	dec, ok := at(t, rec.Value, "dec").(Decimal)
	if !ok || dec.String() != "-123.45" {
		t.Errorf("dec = %#v", at(t, rec.Value, "dec"))
	}
	for p, w := range map[string]any{"d": int64(8905), "t": int64(37800000), "ts": int64(1712917800000), "tsu": int64(1712917800000001),
		"mts": int64(1725885296000000), "b": int64(-7), "f": 1.5, "color": "GREEN"} {
		if got := at(t, rec.Value, p); got != w {
			t.Errorf("%s = %#v, want %#v", p, got, w)
		}
	}
	if at(t, rec.Value, "big") != bigString {
		t.Error("big string lost")
	}
	sch := rec.Schema
	for name, want := range map[string]struct {
		typ  Type
		name string
	}{
		"dec": {TypeBytes, ConnectDecimal}, "d": {TypeInt32, ConnectDate}, "t": {TypeInt32, ConnectTime}, "ts": {TypeInt64, ConnectTimestamp},
		"tsu": {TypeInt64, ""}, "mts": {TypeInt64, "io.debezium.time.MicroTimestamp"}, "b": {TypeInt8, ""}, "f": {TypeFloat32, ""},
		"color": {TypeString, "x.Color"}, "fx": {TypeBytes, ""}, "tags": {TypeArray, ""}, "attrs": {TypeMap, ""},
		"u": {TypeStruct, avroUnionName}, "kv": {TypeMap, ""},
	} {
		fs := sch.Field(name).Schema
		if fs.Type != want.typ || fs.Name != want.name {
			t.Errorf("%s schema = %v %q, want %v %q", name, fs.Type, fs.Name, want.typ, want.name)
		}
	}
	if p := sch.Field("dec").Schema.Parameters; p["scale"] != "2" || p["connect.decimal.precision"] != "10" {
		t.Errorf("dec params %v", p)
	}
	if p := sch.Field("color").Schema.Parameters; p[avroEnumParam] != "x.Color" || p[avroEnumParam+".GREEN"] != "GREEN" {
		t.Errorf("enum params %v", p)
	}
	if fx := at(t, rec.Value, "fx").([]byte); len(fx) != 2 || fx[1] != 2 {
		t.Errorf("fx = %v", fx)
	}
	if tags := at(t, rec.Value, "tags").([]any); len(tags) != 2 || tags[1] != "b" {
		t.Errorf("tags = %v", tags)
	}
	if m := at(t, rec.Value, "attrs").(map[string]any); m["k"] != int64(9) {
		t.Errorf("attrs = %v", m)
	}
	if u := at(t, rec.Value, "u").(*Struct); u.Names[1] != "long" || u.Values[1] != int64(5) || u.Values[0] != nil {
		t.Errorf("union = %+v", u)
	}
	if kv := at(t, rec.Value, "kv").(map[string]any); kv["1"] != "one" {
		t.Errorf("MapEntry map = %v", kv)
	}
}

func TestAvroStrict(t *testing.T) {
	f := newFake(t)
	text := fixtureText(t, "mysql2x_avro_envelope_schema.avsc")
	id := mustRegister(t, f, "t-value", sr.Schema{Schema: text})
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	good := hambaEncode(t, text, sampleMyEnvelope())
	for i := 0; i < len(good); i++ {
		_, err := c.Decode(context.Background(), "t", frame(id, nil, good[:i]))
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("truncated to %d of %d bytes: err %v, want ErrMalformed", i, len(good), err)
		}
	}
	_, err := c.Decode(context.Background(), "t", frame(id, nil, append(good, 0)))
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "trailing") {
		t.Fatalf("trailing byte: %v", err)
	}
	// A huge length prefix must not allocate: 2^62 bytes claimed.
	_, err = c.Decode(context.Background(), "t", frame(id, nil, []byte{2, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}))
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("huge length: %v", err)
	}
	// Wrong schema type for the converter.
	jid := mustRegister(t, f, "j-value", sr.Schema{Schema: `{"type":"object"}`, Type: sr.TypeJSON})
	if _, err := c.Decode(context.Background(), "t", frame(jid, nil, []byte("{}"))); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "JSON schema") {
		t.Fatalf("JSON schema under Avro converter: %v", err)
	}
}

// An envelope whose Source record is registered under another subject and
// referenced by name; then a v2 with an added column mid-topic.
func TestAvroReferencesAndSchemaChange(t *testing.T) {
	f := newFake(t)
	src := `{"type":"record","name":"Source","namespace":"io.debezium.connector.mysql","fields":[{"name":"db","type":"string"},{"name":"pos","type":"long"}]}`
	mustRegister(t, f, "io.debezium.connector.mysql.Source", sr.Schema{Schema: src})
	refs := []sr.SchemaReference{{Name: "io.debezium.connector.mysql.Source", Subject: "io.debezium.connector.mysql.Source", Version: 1}}
	v1 := `{"type":"record","name":"Envelope","namespace":"s.d.t","fields":[
	 {"name":"after","type":["null",{"type":"record","name":"Value","fields":[{"name":"id","type":"long"}]}],"default":null},
	 {"name":"source","type":"io.debezium.connector.mysql.Source"},{"name":"op","type":"string"}]}`
	v2 := strings.Replace(v1, `{"name":"id","type":"long"}`, `{"name":"id","type":"long"},{"name":"phone","type":["null","string"],"default":null}`, 1)
	id1 := mustRegister(t, f, "s.d.t-value", sr.Schema{Schema: v1, References: refs})
	id2 := mustRegister(t, f, "s.d.t-value", sr.Schema{Schema: v2, References: refs})
	if id1 == id2 {
		t.Fatal("same ID")
	}
	fullSrc := strings.Replace(v1, `"io.debezium.connector.mysql.Source"}`, src+"}", 1)
	fullSrc2 := strings.Replace(v2, `"io.debezium.connector.mysql.Source"}`, src+"}", 1)
	type val1 struct {
		ID int64 `avro:"id"`
	}
	type val2 struct {
		ID    int64   `avro:"id"`
		Phone *string `avro:"phone"`
	}
	type source struct {
		DB  string `avro:"db"`
		Pos int64  `avro:"pos"`
	}
	type env1 struct {
		After  *val1  `avro:"after"`
		Source source `avro:"source"`
		Op     string `avro:"op"`
	}
	type env2 struct {
		After  *val2  `avro:"after"`
		Source source `avro:"source"`
		Op     string `avro:"op"`
	}
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	recs := [][]byte{
		frame(id1, nil, hambaEncode(t, fullSrc, env1{After: &val1{ID: 1}, Source: source{"db", 4}, Op: "c"})),
		frame(id2, nil, hambaEncode(t, fullSrc2, env2{After: &val2{ID: 2, Phone: ptr("555")}, Source: source{"db", 5}, Op: "c"})),
		frame(id1, nil, hambaEncode(t, fullSrc, env1{After: &val1{ID: 3}, Source: source{"db", 6}, Op: "c"})),
	}
	for i, b := range recs {
		rec, err := c.Decode(context.Background(), "s.d.t", b)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if at(t, rec.Value, "after.id") != int64(i+1) || at(t, rec.Value, "source.pos") != int64(i+4) {
			t.Errorf("record %d values wrong", i)
		}
		if s := rec.Schema.Field("source").Schema; s.Name != "io.debezium.connector.mysql.Source" {
			t.Errorf("referenced type name %q", s.Name)
		}
		hasPhone := rec.Schema.Field("after").Schema.Field("phone") != nil
		if hasPhone != (i == 1) || (i == 1 && at(t, rec.Value, "after.phone") != "555") {
			t.Errorf("record %d: phone column present=%v", i, hasPhone)
		}
	}
}

// A union of named records (the hamba Unmarshal trap) decodes to Connect's
// io.confluent.connect.avro.Union struct with one field per branch.
func TestAvroUnionOfNamedRecords(t *testing.T) {
	f := newFake(t)
	schema := `{"type":"record","name":"R","namespace":"n","fields":[{"name":"u","type":["null",
	 {"type":"record","name":"A","fields":[{"name":"x","type":"long"}]},
	 {"type":"record","name":"B","fields":[{"name":"y","type":"string"}]}]}]}`
	id := mustRegister(t, f, "n-value", sr.Schema{Schema: schema})
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	for _, tc := range []struct {
		payload []byte
		check   func(u *Struct) bool
	}{
		{[]byte{4, 4, 'h', 'i'}, func(u *Struct) bool { b, _ := u.Get("B"); a, _ := u.Get("A"); return a == nil && at(t, b, "y") == "hi" }},
		{[]byte{2, 0x54}, func(u *Struct) bool { a, _ := u.Get("A"); return at(t, a, "x") == int64(42) }},
	} {
		rec, err := c.Decode(context.Background(), "n", frame(id, nil, tc.payload))
		if err != nil {
			t.Fatal(err)
		}
		u, ok := at(t, rec.Value, "u").(*Struct)
		if !ok || u.Schema.Name != avroUnionName || !tc.check(u) {
			t.Errorf("union value %+v", at(t, rec.Value, "u"))
		}
	}
	rec, err := c.Decode(context.Background(), "n", frame(id, nil, []byte{0}))
	if err != nil || at(t, rec.Value, "u") != nil {
		t.Fatalf("null branch: %v", err)
	}
	if s := rec.Schema.Field("u").Schema; !s.Optional || s.Field("A").Schema.Name != "n.A" {
		t.Errorf("union schema %+v", s)
	}
	if _, err := c.Decode(context.Background(), "n", frame(id, nil, []byte{6})); !errors.Is(err, ErrMalformed) {
		t.Errorf("union index out of range: %v", err)
	}
}

// TestAvroSingleBranchUnion: a union of one branch (["string"]) maps to
// its branch, and its datum starts with the branch index like every
// union's; an index other than 0 is malformed.
func TestAvroSingleBranchUnion(t *testing.T) {
	f := newFake(t)
	text := `{"type":"record","name":"R","fields":[{"name":"a","type":["string"]},{"name":"b","type":["long"]}]}`
	id := mustRegister(t, f, "single-value", sr.Schema{Schema: text, Type: sr.TypeAvro})
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	payload := hambaEncode(t, text, map[string]any{"a": "x", "b": int64(5)})
	if want := []byte{0, 2, 'x', 0, 10}; string(payload) != string(want) {
		t.Fatalf("hamba wrote %x, want %x (index, then the branch)", payload, want)
	}
	rec, err := c.Decode(context.Background(), "single", frame(id, nil, payload))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := at(t, rec.Value, "a"), at(t, rec.Value, "b"); a != "x" || b != int64(5) {
		t.Fatalf("a=%#v b=%#v", a, b)
	}
	if s := rec.Schema.Field("a").Schema; s.Type != TypeString || s.Optional {
		t.Errorf("a's schema %+v, want a required string", s)
	}
	if _, err := c.Decode(context.Background(), "single", frame(id, nil, []byte{2, 2, 'x', 0, 10})); !errors.Is(err, ErrMalformed) {
		t.Errorf("union index 1 of a one-branch union: %v, want ErrMalformed", err)
	}
}
