package transform

import (
	"testing"

	"github.com/starcdc/starcdc/decode"
)

func TestExtractChangedRecordState(t *testing.T) {
	tr := mustTransform(t, newExtractChangedRecordState, map[string]string{"header.changed.name": "changed", "header.unchanged.name": "unchanged"})
	u := fixtureRecord(t, "mysql195_u_withschema.json", 1004)
	for _, c := range []struct {
		in   *Record
		want string
	}{
		{u, ` | changed=array(changed)<string?>?:["first_name"] | unchanged=array(unchanged)<string?>?:["id","last_name","email"]`},
		{fixtureRecord(t, "mysql195_r_snapshot_withschema.json", 1001), ` | changed=array(changed)<string?>?:[] | unchanged=array(unchanged)<string?>?:[]`},
		{fixtureRecord(t, "mysql195_d_withschema.json", 1006), ` | changed=array(changed)<string?>?:[] | unchanged=array(unchanged)<string?>?:[]`},
	} {
		v := c.in.Value.Value
		out, err := tr.Apply(c.in)
		if err != nil || out.Value.Value != v {
			t.Fatalf("changed the value or failed: %v", err)
		}
		got := ""
		for _, h := range out.Headers {
			got += " | " + h.Key + "=" + typeSig(h.Schema) + ":" + renderValue(h.Value)
		}
		if got != c.want {
			t.Errorf("\n got %s\nwant %s", got, c.want)
		}
	}
	// Bytes compare by identity in Java: a bytes column is always changed,
	// even when equal.
	in := &Record{Value: decodeFixture(t, "mysql254_c_logical_types_withschema.json", true)}
	env := in.Value.Value.(*decode.Struct)
	after, _ := env.Get("after")
	in.Value.Value = withField(withField(env, "before", after), "op", "u")
	out, err := tr.Apply(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := renderValue(out.Headers[0].Value); got != `["binary_column"]` {
		t.Errorf("bytes: changed = %s", got)
	}
	// Tombstones and non-envelopes: no headers; only the configured names.
	tr = mustTransform(t, newExtractChangedRecordState, map[string]string{"header.changed.name": "c"})
	for _, in := range []*Record{tombstone(1), {Value: decodeFixture(t, "mysql195_c_noschema.json", false)}} {
		if out, _ := tr.Apply(in); len(out.Headers) != 0 {
			t.Error("headers added")
		}
	}
	if out, _ := tr.Apply(fixtureRecord(t, "mysql195_u_withschema.json", 1004)); len(out.Headers) != 1 {
		t.Errorf("headers %v", out.Headers)
	}
	wantConfigError(t, newExtractChangedRecordState, map[string]string{"header.name": "x"}, "unknown option(s) header.name")
}
