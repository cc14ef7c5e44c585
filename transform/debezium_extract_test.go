package transform

import (
	"strings"
	"testing"

	"github.com/starcdc/starcdc/decode"
)

// Outputs worked from ExtractNewRecordState (HEAD) and
// DefaultDeleteHandlingStrategy / LegacyDeleteHandlingStrategy: c/r/u
// give the after row on a required copy of its schema (addFields always
// rebuilds it), the rewrite modes append __deleted (optional string), d
// and tombstones follow the mode table.
const (
	custSchema      = "dbserver1.inventory.customers.Value{id:int32,first_name:string,last_name:string,email:string}"
	custSchemaOpt   = "dbserver1.inventory.customers.Value?{id:int32,first_name:string,last_name:string,email:string}"
	custSchemaDel   = "dbserver1.inventory.customers.Value{id:int32,first_name:string,last_name:string,email:string,__deleted:string?}"
	rowR            = `{"id":1001,"first_name":"Sally","last_name":"Thomas","email":"sally.thomas@acme.com"}`
	rowU            = `{"id":1004,"first_name":"Anne1","last_name":"Kretchmar","email":"annek@noanswer.org"}`
	rowD            = `{"id":1006,"first_name":"add1","last_name":"add2","email":"add1"}`
	rowRDel         = `{"id":1001,"first_name":"Sally","last_name":"Thomas","email":"sally.thomas@acme.com","__deleted":"false"}`
	rowUDel         = `{"id":1004,"first_name":"Anne1","last_name":"Kretchmar","email":"annek@noanswer.org","__deleted":"false"}`
	rowDDel         = `{"id":1006,"first_name":"add1","last_name":"add2","email":"add1","__deleted":"true"}`
	outR            = customersTopic + " | " + custSchema + " | " + rowR
	outU            = customersTopic + " | " + custSchema + " | " + rowU
	outRRewrite     = customersTopic + " | " + custSchemaDel + " | " + rowRDel
	outURewrite     = customersTopic + " | " + custSchemaDel + " | " + rowUDel
	outDRewrite     = customersTopic + " | " + custSchemaDel + " | " + rowDDel
	outDTombstone   = customersTopic + " | " + custSchemaOpt + " | null"
	outDToTombstone = customersTopic + " | nil | null"
	outTombKept     = customersTopic + " | nil | null"
)

func TestExtractNewRecordStateModes(t *testing.T) {
	for _, tc := range []struct {
		name              string
		props             map[string]string
		r, u, d, tomb, tr string
	}{
		{"defaults (legacy drop, drop.tombstones=true)", nil, outR, outU, "dropped", "dropped", "dropped"},
		{"delete.handling.mode=drop", map[string]string{"delete.handling.mode": "drop"}, outR, outU, "dropped", "dropped", "dropped"},
		{"delete.handling.mode=drop, drop.tombstones=false", map[string]string{"delete.handling.mode": "drop", "drop.tombstones": "false"}, outR, outU, "dropped", outTombKept, "dropped"},
		{"delete.handling.mode=none", map[string]string{"delete.handling.mode": "none"}, outR, outU, outDTombstone, "dropped", "dropped"},
		{"delete.handling.mode=none, drop.tombstones=false", map[string]string{"delete.handling.mode": "NONE", "drop.tombstones": "False"}, outR, outU, outDTombstone, outTombKept, "dropped"},
		{"delete.handling.mode=rewrite", map[string]string{"delete.handling.mode": "rewrite"}, outRRewrite, outURewrite, outDRewrite, "dropped", "dropped"},
		{"delete.handling.mode=rewrite, drop.tombstones=false", map[string]string{"delete.handling.mode": "rewrite", "drop.tombstones": "false"}, outRRewrite, outURewrite, outDRewrite, outTombKept, "dropped"},
		{"mode drop", map[string]string{"delete.tombstone.handling.mode": "drop"}, outR, outU, "dropped", "dropped", "dropped"},
		{"mode tombstone", map[string]string{"delete.tombstone.handling.mode": "tombstone"}, outR, outU, outDTombstone, "dropped", "dropped"},
		{"mode rewrite", map[string]string{"delete.tombstone.handling.mode": "rewrite"}, outRRewrite, outURewrite, outDRewrite, "dropped", "dropped"},
		{"mode rewrite-with-tombstone", map[string]string{"delete.tombstone.handling.mode": " Rewrite-With-Tombstone"}, outRRewrite, outURewrite, outDRewrite, outTombKept, "dropped"},
		{"mode delete-to-tombstone", map[string]string{"delete.tombstone.handling.mode": "delete-to-tombstone"}, outR, outU, outDToTombstone, "dropped", "dropped"},
		{"both, same meaning", map[string]string{"delete.tombstone.handling.mode": "rewrite-with-tombstone", "delete.handling.mode": "rewrite", "drop.tombstones": "false"}, outRRewrite, outURewrite, outDRewrite, outTombKept, "dropped"},
		{"blank mode: the legacy pair", map[string]string{"delete.tombstone.handling.mode": " ", "delete.handling.mode": "rewrite"}, outRRewrite, outURewrite, outDRewrite, "dropped", "dropped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := mustTransform(t, newExtractNewRecordState, tc.props)
			for _, c := range []struct {
				what string
				in   *Record
				want string
			}{
				{"r", fixtureRecord(t, "mysql195_r_snapshot_withschema.json", 1001), tc.r},
				{"u", fixtureRecord(t, "mysql195_u_withschema.json", 1004), tc.u},
				{"d", fixtureRecord(t, "mysql195_d_withschema.json", 1006), tc.d},
				{"tombstone", tombstone(1006), tc.tomb},
				{"truncate", truncateRecord(t), tc.tr},
			} {
				if got := outcome(tr.Apply(c.in)); got != c.want {
					t.Errorf("%s:\n got %s\nwant %s", c.what, got, c.want)
				}
			}
			// c (the MySQL 2.5 insert) is an upsert like r and u: the
			// after row, with __deleted "false" exactly when r got it.
			out, err := tr.Apply(&Record{Topic: "t", Value: decodeFixture(t, "mysql254_c_logical_types_withschema.json", true)})
			if err != nil || out == nil {
				t.Fatalf("c: %s", outcome(out, err))
			}
			row := out.Value.Value.(*decode.Struct)
			last, _ := row.Get("__deleted")
			if id, _ := row.Get("id"); id != int64(8) || (last == "false") != (tc.r == outRRewrite) {
				t.Errorf("c: %s", renderValue(row))
			}
		})
	}
}

// truncateRecord is the MySQL truncate event (mysql200_t_truncate_avrojson:
// op t, before and after null, key null) on the customers envelope schema.
func truncateRecord(t *testing.T) *Record {
	r := fixtureRecord(t, "mysql195_d_withschema.json", 0)
	env := r.Value.Value.(*decode.Struct)
	env = withField(withField(env, "before", nil), "op", "t")
	r.Value.Value = env
	r.Key = decode.Record{}
	return r
}

// The primary key 1004 becomes 1104: Debezium emits a delete of the old
// key, its tombstone, and a create of the new key (MySQL's
// handleUpdateWithKeyChange); under rewrite the sink sees a soft delete and
// an insert, under tombstone a flattened delete and an insert.
func TestExtractNewRecordStateKeyChange(t *testing.T) {
	u := fixtureRecord(t, "mysql195_u_withschema.json", 1004)
	env := u.Value.Value.(*decode.Struct)
	before, _ := env.Get("before")
	after, _ := env.Get("after")
	del := fixtureRecord(t, "mysql195_u_withschema.json", 1004)
	del.Value.Value = withField(withField(withField(env, "op", "d"), "after", nil), "before", before)
	create := fixtureRecord(t, "mysql195_u_withschema.json", 1104)
	create.Value.Value = withField(withField(withField(env, "op", "c"), "before", nil), "after", withField(after.(*decode.Struct), "id", int64(1104)))

	oldRow := `{"id":1004,"first_name":"Anne","last_name":"Kretchmar","email":"annek@noanswer.org"`
	newRow := `{"id":1104,"first_name":"Anne1","last_name":"Kretchmar","email":"annek@noanswer.org"`
	for _, tc := range []struct {
		mode                string
		del, tomb, creation string
	}{
		{"rewrite", customersTopic + " | " + custSchemaDel + " | " + oldRow + `,"__deleted":"true"}`, "dropped",
			customersTopic + " | " + custSchemaDel + " | " + newRow + `,"__deleted":"false"}`},
		{"tombstone", outDTombstone, "dropped", customersTopic + " | " + custSchema + " | " + newRow + "}"},
		{"drop", "dropped", "dropped", customersTopic + " | " + custSchema + " | " + newRow + "}"},
	} {
		tr := mustTransform(t, newExtractNewRecordState, map[string]string{"delete.tombstone.handling.mode": tc.mode})
		for _, c := range []struct {
			in   *Record
			want string
		}{{del, tc.del}, {tombstone(1004), tc.tomb}, {create, tc.creation}} {
			in := *c.in
			out, err := tr.Apply(&in)
			if got := outcome(out, err); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", tc.mode, got, c.want)
			}
			if out != nil && out.Key.Value != c.in.Key.Value {
				t.Errorf("%s: the key changed", tc.mode)
			}
		}
	}
}

func TestExtractNewRecordStateAddFields(t *testing.T) {
	tr := mustTransform(t, newExtractNewRecordState, map[string]string{
		"delete.handling.mode": "rewrite",
		"add.fields":           "op, table,source.ts_ms,lsn,ts_ms,transaction.id,db:database,snapshot",
	})
	added := `__op:string?,__table:string?,__source_ts_ms:int64?,__ts_ms:int64?,__transaction_id:string?,__database:string?,__snapshot:string(io.debezium.data.Enum)?}`
	sig := "dbserver1.inventory.customers.Value{id:int32,first_name:string,last_name:string,email:string,__deleted:string?," + added
	for _, c := range []struct {
		in   *Record
		want string
	}{
		{fixtureRecord(t, "mysql195_u_withschema.json", 1004), customersTopic + " | " + sig + " | " + rowUDel[:len(rowUDel)-1] +
			`,"__op":"u","__table":"customers","__source_ts_ms":1661328309000,"__ts_ms":1661328309259,"__transaction_id":null,"__database":"inventory","__snapshot":"false"}`},
		{fixtureRecord(t, "mysql195_d_withschema.json", 1006), customersTopic + " | " + sig + " | " + rowDDel[:len(rowDDel)-1] +
			`,"__op":"d","__table":"customers","__source_ts_ms":1661328550000,"__ts_ms":1661328550620,"__transaction_id":null,"__database":"inventory","__snapshot":"false"}`},
		{fixtureRecord(t, "mysql195_r_snapshot_withschema.json", 1001), customersTopic + " | " + sig + " | " + rowRDel[:len(rowRDel)-1] +
			`,"__op":"r","__table":"customers","__source_ts_ms":1661327688868,"__ts_ms":1661327688868,"__transaction_id":null,"__database":"inventory","__snapshot":"true"}`},
	} {
		if got := outcome(tr.Apply(c.in)); got != c.want {
			t.Errorf("\n got %s\nwant %s", got, c.want)
		}
	}

	// Without rewrite the added fields follow the columns; a custom prefix.
	tr = mustTransform(t, newExtractNewRecordState, map[string]string{"add.fields": "op,source.file:binlog", "add.fields.prefix": "meta_"})
	want := customersTopic + " | dbserver1.inventory.customers.Value{id:int32,first_name:string,last_name:string,email:string,meta_op:string?,meta_binlog:string?} | " +
		rowU[:len(rowU)-1] + `,"meta_op":"u","meta_binlog":"mysql-bin.000003"}`
	if got := outcome(tr.Apply(fixtureRecord(t, "mysql195_u_withschema.json", 1004))); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}

	// A column of the same name: Connect's duplication error.
	tr = mustTransform(t, newExtractNewRecordState, map[string]string{"add.fields": "id", "add.fields.prefix": ""})
	if got := outcome(tr.Apply(fixtureRecord(t, "mysql195_u_withschema.json", 1004))); got != "error: Cannot create field because of field name duplication id" {
		t.Errorf("duplicate: %s", got)
	}
}

func TestExtractNewRecordStateHeaders(t *testing.T) {
	tr := mustTransform(t, newExtractNewRecordState, map[string]string{
		"delete.tombstone.handling.mode": "rewrite-with-tombstone",
		"add.headers":                    "op,source.ts_ms,db",
		"add.headers.prefix":             "dbz.",
	})
	for _, c := range []struct {
		in   *Record
		want string
	}{
		{fixtureRecord(t, "mysql195_d_withschema.json", 1006), outDRewrite + ` | dbz.op=string?:"d" | dbz.source_ts_ms=int64?:1661328550000 | dbz.db=string?:"inventory"`},
		{tombstone(1006), outTombKept + ` | dbz.op=string:"d"`},
		// Not an envelope: no headers.
		{&Record{Topic: "t", Value: decodeFixture(t, "pg_txn_begin.json", true)}, `t | nil | {"status":"BEGIN","id":"35352:3962948040","event_count":null,"data_collections":null,"ts_ms":1704269323180}`},
	} {
		if got := outcome(tr.Apply(c.in)); got != c.want {
			t.Errorf("\n got %s\nwant %s", got, c.want)
		}
	}
}

func TestExtractNewRecordStateRouteByField(t *testing.T) {
	for _, tc := range []struct {
		mode string
		u, d string
	}{
		{"rewrite", "Kretchmar | " + custSchemaDel + " | " + rowUDel, "add2 | " + custSchemaDel + " | " + rowDDel},
		{"tombstone", "Kretchmar | " + custSchema + " | " + rowU, "add2 | " + custSchemaOpt + " | null"},
		{"delete-to-tombstone", "Kretchmar | " + custSchema + " | " + rowU, "add2 | nil | null"},
	} {
		tr := mustTransform(t, newExtractNewRecordState, map[string]string{"delete.tombstone.handling.mode": tc.mode, "route.by.field": "last_name"})
		if got := outcome(tr.Apply(fixtureRecord(t, "mysql195_u_withschema.json", 1004))); got != tc.u {
			t.Errorf("%s u:\n got %s\nwant %s", tc.mode, got, tc.u)
		}
		if got := outcome(tr.Apply(fixtureRecord(t, "mysql195_d_withschema.json", 1006))); got != tc.d {
			t.Errorf("%s d:\n got %s\nwant %s", tc.mode, got, tc.d)
		}
	}
	// A field that is not a string fails the record (Struct.getString).
	tr := mustTransform(t, newExtractNewRecordState, map[string]string{"route.by.field": "id"})
	if got := outcome(tr.Apply(fixtureRecord(t, "mysql195_u_withschema.json", 1004))); got != "error: Field 'id' is not of type STRING" {
		t.Errorf("route by id: %s", got)
	}
}

// Records that are not envelopes pass unchanged: schemaless JSON (the
// envelope test is by schema name), schema changes, transaction metadata.
func TestExtractNewRecordStatePassThrough(t *testing.T) {
	tr := mustTransform(t, newExtractNewRecordState, map[string]string{"delete.handling.mode": "rewrite", "add.fields": "op"})
	for _, c := range []struct {
		name    string
		schemas bool
	}{
		{"mysql195_c_noschema.json", false},
		{"mysql195_d_noschema.json", false},
		{"pg121_d_replica_full_noschema.json", false},
		{"mysql242_schema_change_event.json", true},
		{"pg_txn_end.json", true},
	} {
		in := &Record{Topic: "x", Value: decodeFixture(t, c.name, c.schemas)}
		v := in.Value.Value
		out, err := tr.Apply(in)
		if err != nil || out == nil || out.Value.Value != v || out.Topic != "x" {
			t.Errorf("%s: got %s", c.name, outcome(out, err))
		}
	}
}

// A PostgreSQL delete (REPLICA IDENTITY FULL, array columns) rewritten:
// the whole before image, arrays included, and __deleted "true".
func TestExtractNewRecordStatePostgresDelete(t *testing.T) {
	tr := mustTransform(t, newExtractNewRecordState, map[string]string{"delete.tombstone.handling.mode": "rewrite", "add.fields": "lsn,schema,table"})
	in := &Record{Topic: "pg.public.arrays", Value: decodeFixture(t, "pg198_d_arrays_withschema.json", true)}
	env := in.Value.Value.(*decode.Struct)
	before, _ := env.Get("before")
	out, err := tr.Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	row := out.Value.Value.(*decode.Struct)
	bs := before.(*decode.Struct)
	if len(row.Values) != len(bs.Values)+4 {
		t.Fatalf("fields: %s", schemaSig(out.Value.Schema))
	}
	for i := range bs.Values {
		if renderValue(row.Values[i]) != renderValue(bs.Values[i]) {
			t.Errorf("%s: %s != %s", bs.Names[i], renderValue(row.Values[i]), renderValue(bs.Values[i]))
		}
	}
	n := len(bs.Values)
	if got := strings.Join(row.Names[n:], ","); got != "__deleted,__lsn,__schema,__table" {
		t.Errorf("added %s", got)
	}
	if row.Values[n] != "true" {
		t.Errorf("__deleted %v", row.Values[n])
	}
	source, _ := env.Get("source")
	lsn, _ := source.(*decode.Struct).Get("lsn")
	if row.Values[n+1] != lsn || lsn == nil {
		t.Errorf("__lsn %v, source.lsn %v", row.Values[n+1], lsn)
	}
}

// Logical types and bytes keep their values and schemas.
func TestExtractNewRecordStateLogicalTypes(t *testing.T) {
	tr := mustTransform(t, newExtractNewRecordState, map[string]string{"delete.tombstone.handling.mode": "rewrite"})
	in := &Record{Topic: "normal.wdl_test.example_table", Value: decodeFixture(t, "mysql254_c_logical_types_withschema.json", true)}
	want := "normal.wdl_test.example_table | normal.wdl_test.example_table.Value{id:int32,name:string?,age:int32?,email:string?,birth_date:int32(io.debezium.time.Date)?," +
		"integer_column:int32?,float_column:float?,decimal_column:bytes(org.apache.kafka.connect.data.Decimal)?,datetime_column:int64(io.debezium.time.Timestamp)?," +
		"date_column:int32(io.debezium.time.Date)?,time_column:int64(io.debezium.time.MicroTime)?,text_column:string?,varchar_column:string?,binary_column:bytes?," +
		`blob_column:bytes?,is_active:int16?,__deleted:string?} | {"id":8,"name":"Jfohn Doe","age":430,"email":"john@example.com","birth_date":8905,` +
		`"integer_column":12323,"float_column":45.67,"decimal_column":123.45,"datetime_column":1712917800000,"date_column":19825,"time_column":37800000000,` +
		`"text_column":"Lorem ipsum dolor sit amet, consectetur adipiscing elit.","varchar_column":null,"binary_column":b64:"EjRWeJCrze8AAA==","blob_column":null,"is_active":2,"__deleted":"false"}`
	if got := outcome(tr.Apply(in)); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

// NULL columns: raw without rewrite; with rewrite (InsertField) replaced by
// the column default unless replace.null.with.default=false.
func TestExtractNewRecordStateNullDefaults(t *testing.T) {
	mk := func() *Record {
		r := fixtureRecord(t, "mysql254_c_logical_types_withschema.json", 8)
		env := r.Value.Value.(*decode.Struct)
		after, _ := env.Get("after")
		as := after.(*decode.Struct)
		// A copy of the row schema whose name column has a default.
		s := *as.Schema
		s.Fields = append([]decode.Field(nil), s.Fields...)
		ns := *s.Fields[1].Schema
		ns.Default = "nobody"
		s.Fields[1].Schema = &ns
		r.Value.Value = withField(env, "after", &decode.Struct{Schema: &s, Names: as.Names, Values: withField(as, "name", nil).Values})
		return r
	}
	name := func(out *Record, err error) any {
		if err != nil {
			t.Fatal(err)
		}
		v, _ := out.Value.Value.(*decode.Struct).Get("name")
		return v
	}
	for _, tc := range []struct {
		props map[string]string
		want  any
	}{
		{map[string]string{}, nil},
		{map[string]string{"delete.tombstone.handling.mode": "rewrite"}, "nobody"},
		{map[string]string{"delete.tombstone.handling.mode": "rewrite", "replace.null.with.default": "false"}, nil},
	} {
		if got := name(mustTransform(t, newExtractNewRecordState, tc.props).Apply(mk())); got != tc.want {
			t.Errorf("%v: name = %v, want %v", tc.props, got, tc.want)
		}
	}
}

func TestExtractNewRecordStateDropFields(t *testing.T) {
	tr := mustTransform(t, newExtractNewRecordState, map[string]string{"drop.fields.header.name": "unchanged", "drop.fields.keep.schema.compatible": "false"})
	in := fixtureRecord(t, "mysql195_u_withschema.json", 1004)
	in.Headers = []Header{{Key: "unchanged", Value: []any{"last_name", "email"}}}
	want := customersTopic + " | dbserver1.inventory.customers.Value{id:int32,first_name:string} | " + `{"id":1004,"first_name":"Anne1"} | unchanged=nil:["last_name","email"]`
	if got := outcome(tr.Apply(in)); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	// Keeping the schema compatible drops only optional fields: none here.
	tr = mustTransform(t, newExtractNewRecordState, map[string]string{"drop.fields.header.name": "unchanged"})
	in = fixtureRecord(t, "mysql195_u_withschema.json", 1004)
	in.Headers = []Header{{Key: "unchanged", Value: []any{"last_name", "email"}}}
	want = outU + ` | unchanged=nil:["last_name","email"]`
	if got := outcome(tr.Apply(in)); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func TestExtractNewRecordStateConfig(t *testing.T) {
	wantConfigError(t, newExtractNewRecordState, map[string]string{"delete.handling.mode": "soft"}, "delete.handling.mode", "drop, none, rewrite")
	wantConfigError(t, newExtractNewRecordState, map[string]string{"delete.tombstone.handling.mode": "keep"}, "delete.tombstone.handling.mode")
	wantConfigError(t, newExtractNewRecordState, map[string]string{"drop.tombstones": "yes"}, "drop.tombstones", "true or false")
	wantConfigError(t, newExtractNewRecordState, map[string]string{"delete.tombstone.handling.mode": "rewrite", "delete.handling.mode": "none"}, "conflicts with delete.handling.mode=none")
	wantConfigError(t, newExtractNewRecordState, map[string]string{"delete.tombstone.handling.mode": "rewrite", "drop.tombstones": "false"}, "conflicts")
	wantConfigError(t, newExtractNewRecordState, map[string]string{"add.fields": "a:b:c"}, "add.fields", "unexpected field name: a:b:c")
	wantConfigError(t, newExtractNewRecordState, map[string]string{"operation.header": "true"}, "unknown option(s) operation.header")
}
