package transform

import (
	"testing"

	"github.com/starcdc/starcdc/decode"
)

func TestByLogicalTableRouter(t *testing.T) {
	props := map[string]string{
		"topic.regex":           `db_shard(\d)\.inventory\.(.*)`,
		"topic.replacement":     "db.inventory.$2",
		"key.field.regex":       `db_shard(\d)\..*`,
		"key.field.replacement": "shard$1",
	}
	tr := mustTransform(t, newByLogicalTableRouter, props)
	keySig := func(r *Record) string { return schemaSig(r.Key.Schema) + " " + renderValue(r.Key.Value) }
	var keys []string
	for _, shard := range []string{"db_shard1", "db_shard2"} {
		in := fixtureRecord(t, "mysql195_u_withschema.json", 1004)
		in.Topic = shard + ".inventory.customers"
		out, err := tr.Apply(in)
		if err != nil {
			t.Fatal(err)
		}
		if out.Topic != "db.inventory.customers" {
			t.Errorf("topic %s", out.Topic)
		}
		keys = append(keys, keySig(out))
		if got := out.Value.Schema.Name; got != "db.inventory.customers.Envelope" {
			t.Errorf("envelope name %s", got)
		}
		env := out.Value.Value.(*decode.Struct)
		after, _ := env.Get("after")
		if got := schemaSig(after.(*decode.Struct).Schema); got != "db.inventory.customers.Value?{id:int32,first_name:string,last_name:string,email:string}" {
			t.Errorf("after schema %s", got)
		}
		if got := renderValue(after); got != rowU {
			t.Errorf("after %s", got)
		}
		op, _ := env.Get("op")
		if op != "u" || out.Value.Schema.Field("before").Schema != out.Value.Schema.Field("after").Schema {
			t.Errorf("envelope %s", renderValue(env))
		}
	}
	want := []string{
		`db.inventory.customers.Key{id:int32,__dbz__physicalTableIdentifier:string} {"id":1004,"__dbz__physicalTableIdentifier":"shard1"}`,
		`db.inventory.customers.Key{id:int32,__dbz__physicalTableIdentifier:string} {"id":1004,"__dbz__physicalTableIdentifier":"shard2"}`,
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Errorf("key %d:\n got %s\nwant %s", i, keys[i], want[i])
		}
	}

	// A tombstone: topic and key, no value; a null key stays null; a topic
	// the regex does not match wholly is untouched.
	tomb := tombstone(1006)
	tomb.Topic = "db_shard1.inventory.customers"
	out, _ := tr.Apply(tomb)
	if out.Topic != "db.inventory.customers" || out.Value.Value != nil || keySig(out) != `db.inventory.customers.Key{id:int32,__dbz__physicalTableIdentifier:string} {"id":1006,"__dbz__physicalTableIdentifier":"shard1"}` {
		t.Errorf("tombstone: %s %s", out.Topic, keySig(out))
	}
	in := fixtureRecord(t, "mysql195_u_withschema.json", 1004)
	in.Topic, in.Key = "db_shard1.inventory.customers", decode.Record{}
	if out, _ := tr.Apply(in); out.Key.Value != nil || out.Key.Schema != nil {
		t.Error("null key got a value")
	}
	in = fixtureRecord(t, "mysql195_u_withschema.json", 1004)
	if out, _ := tr.Apply(in); out != in {
		t.Error("unmatched topic changed")
	}

	// key.enforce.uniqueness=false: the key is only renamed; without
	// key.field.regex the identifier is the old topic; avro adjustment.
	tr = mustTransform(t, newByLogicalTableRouter, map[string]string{"topic.regex": `(.*)\.inventory\.(.*)`, "topic.replacement": "all-$2", "key.enforce.uniqueness": "false", "schema.name.adjustment.mode": "avro"})
	out, _ = tr.Apply(fixtureRecord(t, "mysql195_d_withschema.json", 1006))
	if out.Topic != "all-customers" || keySig(out) != `all_customers.Key{id:int32} {"id":1006}` || out.Value.Schema.Name != "all_customers.Envelope" {
		t.Errorf("no uniqueness: %s %s %s", out.Topic, keySig(out), out.Value.Schema.Name)
	}
	tr = mustTransform(t, newByLogicalTableRouter, map[string]string{"topic.regex": `(.*)\.inventory\.(.*)`, "topic.replacement": "$1.all", "key.field.name": "src"})
	out, _ = tr.Apply(fixtureRecord(t, "mysql195_d_withschema.json", 1006))
	if keySig(out) != `dbserver1.all.Key{id:int32,src:string} {"id":1006,"src":"dbserver1.inventory.customers"}` {
		t.Errorf("old topic as identifier: %s", keySig(out))
	}
	// A schemaless key is refused, as requireStruct does.
	in = &Record{Topic: "dbserver1.inventory.customers", Key: decodeJSON(t, `{"id":1}`, false), Value: decodeFixture(t, "mysql195_c_noschema.json", false)}
	if _, err := tr.Apply(in); err == nil {
		t.Error("schemaless key accepted")
	}

	wantConfigError(t, newByLogicalTableRouter, map[string]string{}, "topic.regex: is required")
	wantConfigError(t, newByLogicalTableRouter, map[string]string{"topic.regex": "a(?=b)", "topic.replacement": "x"}, "topic.regex", "cannot be run exactly")
	wantConfigError(t, newByLogicalTableRouter, map[string]string{"topic.regex": "(a)", "topic.replacement": "$2"}, "no group 2")
	wantConfigError(t, newByLogicalTableRouter, map[string]string{"topic.regex": "a", "topic.replacement": "b", "key.field.regex": "a"}, "key.field.replacement: must be non-empty")
	wantConfigError(t, newByLogicalTableRouter, map[string]string{"topic.regex": "a", "topic.replacement": "b", "schema.name.adjustment.mode": "x"}, "schema.name.adjustment.mode")
}

func TestJavaReplacement(t *testing.T) {
	re, err := compileJavaRegex(`(?<db>[a-z]+)_(\d+)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ repl, in, want string }{
		{"${db}-$2", "shop_12", "shop-12"},
		{`$21`, "a_7", "71"}, // group 2 then a literal 1 (there is no group 21)
		{`\$1`, "a_7", "$1"},
		{"x", "zz a_1 b_2", "zz x b_2"},
	} {
		r, err := re.parseReplacement(tc.repl)
		if err != nil {
			t.Fatal(err)
		}
		if got := re.replaceFirst(tc.in, r); got != tc.want {
			t.Errorf("%q on %q: got %q, want %q", tc.repl, tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"$", `x\`, "${}", "${nope}", "$x"} {
		if _, err := re.parseReplacement(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
