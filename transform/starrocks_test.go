package transform

import (
	"testing"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
)

// AddOpFieldForDebeziumRecord on the envelope: c/u get __op 0 in after, d
// __op 1 in before, r and everything else unchanged.
func TestAddOpField(t *testing.T) {
	tr := mustTransform(t, newAddOpField, nil)
	rowSig := "dbserver1.inventory.customers.Value{id:int32,first_name:string,last_name:string,email:string,__op:int32}"
	for _, c := range []struct {
		in        *Record
		nest      string
		wantRow   string
		unchanged bool
	}{
		{fixtureRecord(t, "mysql195_u_withschema.json", 1004), "after", rowU[:len(rowU)-1] + `,"__op":0}`, false},
		{fixtureRecord(t, "mysql195_d_withschema.json", 1006), "before", rowD[:len(rowD)-1] + `,"__op":1}`, false},
		{fixtureRecord(t, "mysql195_r_snapshot_withschema.json", 1001), "", "", true},
		{truncateRecord(t), "", "", true},
		{tombstone(1006), "", "", true},
		{&Record{Value: decodeFixture(t, "mysql195_c_noschema.json", false)}, "", "", true},
	} {
		in := *c.in
		out, err := tr.Apply(&in)
		if err != nil {
			t.Fatal(err)
		}
		if c.unchanged {
			if out.Value.Value != c.in.Value.Value || out.Value.Schema != c.in.Value.Schema {
				t.Errorf("%s: changed", outcome(out, nil))
			}
			continue
		}
		env := out.Value.Value.(*decode.Struct)
		row, _ := env.Get(c.nest)
		if got := renderValue(row); got != c.wantRow {
			t.Errorf("%s: got %s, want %s", c.nest, got, c.wantRow)
		}
		f := out.Value.Schema.Field(c.nest)
		if got := schemaSig(f.Schema); got != rowSig {
			t.Errorf("%s schema: got %s, want %s", c.nest, got, rowSig)
		}
		if out.Value.Schema.Name != "dbserver1.inventory.customers.Envelope" || out.Value.Schema.Optional {
			t.Errorf("envelope schema %s", schemaSig(out.Value.Schema))
		}
		// The other image keeps its optional schema; source and op are copied.
		for _, n := range []string{"source", "op", "ts_ms"} {
			a, _ := env.Get(n)
			b, _ := c.in.Value.Value.(*decode.Struct).Get(n)
			if renderValue(a) != renderValue(b) {
				t.Errorf("%s: %s != %s", n, renderValue(a), renderValue(b))
			}
		}
	}
	// The MySQL 2.5 insert (op c).
	out, err := tr.Apply(&Record{Value: decodeFixture(t, "mysql254_c_logical_types_withschema.json", true)})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := out.Value.Value.(*decode.Struct).Get("after")
	if v, _ := after.(*decode.Struct).Get("__op"); v != int64(0) {
		t.Errorf("c: __op = %v", v)
	}
	// A row that already has __op (applied twice): the Java code swallows
	// the duplication error and passes the record unchanged.
	twice, _ := tr.Apply(out)
	if twice.Value.Value != out.Value.Value {
		t.Error("applied twice: changed")
	}
	wantConfigError(t, newAddOpField, map[string]string{"x": "1"}, "unknown option(s) x")
}

// transforms=addfield,unwrap as the connector documents it
// (AddOpFieldForDebeziumRecord's class comment): unwrap with
// drop.tombstones=true and delete.handling.mode=rewrite.
func TestAddFieldUnwrapChain(t *testing.T) {
	c, err := NewChain([]config.Transform{
		{Name: "addfield", Type: "com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord", Props: map[string]string{}},
		{Name: "unwrap", Type: "io.debezium.transforms.ExtractNewRecordState", Props: map[string]string{"drop.tombstones": "true", "delete.handling.mode": "rewrite"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	withOp := "dbserver1.inventory.customers.Value{id:int32,first_name:string,last_name:string,email:string,__op:int32,__deleted:string?}"
	for _, tc := range []struct {
		in   *Record
		want string
	}{
		{fixtureRecord(t, "mysql195_u_withschema.json", 1004), customersTopic + " | " + withOp + " | " + rowU[:len(rowU)-1] + `,"__op":0,"__deleted":"false"}`},
		{fixtureRecord(t, "mysql195_d_withschema.json", 1006), customersTopic + " | " + withOp + " | " + rowD[:len(rowD)-1] + `,"__op":1,"__deleted":"true"}`},
		{fixtureRecord(t, "mysql195_r_snapshot_withschema.json", 1001), outRRewrite},
		{tombstone(1006), "dropped"},
		{truncateRecord(t), "dropped"},
	} {
		if got := outcome(c.Apply(tc.in)); got != tc.want {
			t.Errorf("\n got %s\nwant %s", got, tc.want)
		}
	}
	// The MySQL 2.5 insert.
	out, err := c.Apply(&Record{Topic: "normal.wdl_test.example_table", Value: decodeFixture(t, "mysql254_c_logical_types_withschema.json", true)})
	if err != nil {
		t.Fatal(err)
	}
	row := out.Value.Value.(*decode.Struct)
	op, _ := row.Get("__op")
	del, _ := row.Get("__deleted")
	if op != int64(0) || del != "false" || row.Names[len(row.Names)-2] != "__op" {
		t.Errorf("c: %s", renderValue(row))
	}

	// The other order (unwrap,addfield) flattens first, so AddOpField sees
	// no envelope and adds nothing.
	c, err = NewChain([]config.Transform{
		{Name: "unwrap", Type: "io.debezium.transforms.ExtractNewRecordState", Props: map[string]string{"delete.handling.mode": "rewrite"}},
		{Name: "addfield", Type: "com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord", Props: map[string]string{}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := outcome(c.Apply(fixtureRecord(t, "mysql195_d_withschema.json", 1006))); got != outDRewrite {
		t.Errorf("unwrap,addfield d:\n got %s\nwant %s", got, outDRewrite)
	}
}

func TestTimeMillisToString(t *testing.T) {
	timeS := &decode.Schema{Type: decode.TypeInt32, Name: decode.ConnectTime, Optional: true}
	s := &decode.Schema{Type: decode.TypeStruct, Name: "db.t.Value", Optional: true, Fields: []decode.Field{
		{Name: "id", Schema: &decode.Schema{Type: decode.TypeInt32}},
		{Name: "t", Schema: timeS},
		{Name: "micro", Schema: &decode.Schema{Type: decode.TypeInt64, Name: "io.debezium.time.MicroTime"}},
		{Name: "n", Schema: &decode.Schema{Type: decode.TypeString, Optional: true}},
	}}
	mk := func(tv any) *Record {
		return &Record{Topic: "x", Value: decode.Record{Schema: s, Value: &decode.Struct{Schema: s, Names: []string{"id", "t", "micro", "n"}, Values: []any{int64(1), tv, int64(37800000000), "a"}}}}
	}
	for _, tc := range []struct {
		props map[string]string
		in    *Record
		want  string
	}{
		{nil, mk(int64(64957000)), `x | db.t.Value{id:int32,t:string?,micro:int64(io.debezium.time.MicroTime),n:string?} | {"id":1,"t":"18:02:37","micro":37800000000,"n":"a"}`},
		{map[string]string{"format": "HH:mm:ss.SSS"}, mk(int64(64957123)), `x | db.t.Value{id:int32,t:string?,micro:int64(io.debezium.time.MicroTime),n:string?} | {"id":1,"t":"18:02:37.123","micro":37800000000,"n":"a"}`},
		// A Time value is a java.util.Date: epoch ms modulo a day.
		{map[string]string{"format": "hh:mm"}, mk(int64(90000000)), `x | db.t.Value{id:int32,t:string?,micro:int64(io.debezium.time.MicroTime),n:string?} | {"id":1,"t":"01:00:00","micro":37800000000,"n":"a"}`},
		{nil, mk(nil), `x | db.t.Value{id:int32,t:string?,micro:int64(io.debezium.time.MicroTime),n:string?} | {"id":1,"t":null,"micro":37800000000,"n":"a"}`},
		// Listed fields convert whatever they are: µs truncated to int
		// (37800000000 → -854705664) and read as ms, as the connector does.
		{map[string]string{"fields": "micro , n"}, mk(int64(0)), `x | db.t.Value{id:int32,t:int32(org.apache.kafka.connect.data.Time)?,micro:string,n:string?} | {"id":1,"t":0,"micro":"-237:25:05","n":"a"}`},
	} {
		tr := mustTransform(t, newTimeMillisToString, tc.props)
		if got := outcome(tr.Apply(tc.in)); got != tc.want {
			t.Errorf("%v:\n got %s\nwant %s", tc.props, got, tc.want)
		}
	}
	// No qualifying field, schemaless, null: unchanged.
	tr := mustTransform(t, newTimeMillisToString, map[string]string{"fields": "nope"})
	in := mk(int64(1))
	if out, _ := tr.Apply(in); out != in {
		t.Error("no qualifying field: changed")
	}
	in = &Record{Value: decodeFixture(t, "mysql195_c_noschema.json", false)}
	if out, _ := mustTransform(t, newTimeMillisToString, nil).Apply(in); out != in {
		t.Error("schemaless: changed")
	}
}
