package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
)

// Schemaless Debezium values rendered for their target column
// (mysql254_c_logical_types in its schemas.enable=false form).
func TestSchemalessByTarget(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	types := TargetTypes{"birth": "DATE", "dt": "DATETIME", "us": "DATETIME", "ns": "DATETIME", "zoned": "DATETIME",
		"price": "DECIMAL(10,2)", "price_text": "DECIMAL(10,2)", "doc": "JSON", "plain": "VARCHAR(10)", "old": "DATETIME"}
	row := &decode.Struct{
		Names: []string{"birth", "dt", "us", "ns", "zoned", "price", "price_text", "doc", "plain", "old", "missing"},
		Values: []any{json.Number("8905"), json.Number("1712917800000"), json.Number("1725885296000001"), json.Number("1725885296123456789"),
			"2024-09-09T04:34:56.5Z", "MDk=", "12.30", `{"k": [1, 2]}`, "8905", json.Number("-1000"), json.Number("1")},
	}
	out, err := (&Encoder{Zone: shanghai}).AppendJSONFor(nil, cdc.Change{Row: row}, types)
	want := `{"birth":"1994-05-20","dt":"2024-04-12 10:30:00","us":"2024-09-09 12:34:56.000001","ns":"2024-09-09 12:34:56.123456",` +
		`"zoned":"2024-09-09 12:34:56.500000","price":123.45,"price_text":"12.30","doc":{"k": [1, 2]},"plain":"8905","old":"1969-12-31 23:59:59","missing":1,"__op":0}`
	if err != nil || string(out) != want {
		t.Fatalf("got  %s %v\nwant %s", out, err, want)
	}
	// A value with a logical type is rendered by it, whatever the table.
	typed := &decode.Struct{Schema: &decode.Schema{Type: decode.TypeStruct, Fields: []decode.Field{{Name: "birth", Schema: &decode.Schema{Type: decode.TypeInt32, Name: "io.debezium.time.Year"}}}},
		Names: []string{"birth"}, Values: []any{int64(1994)}}
	if out, _ := (&Encoder{}).AppendJSONFor(nil, cdc.Change{Row: typed}, types); string(out) != `{"birth":1994,"__op":0}` {
		t.Fatalf("typed: %s", out)
	}
	// Out of StarRocks' range: refused, not loaded as NULL.
	bad := &decode.Struct{Names: []string{"birth"}, Values: []any{json.Number("3000000")}}
	if _, err := (&Encoder{}).AppendJSONFor(nil, cdc.Change{Row: bad}, types); !errors.Is(err, ErrValue) {
		t.Fatalf("year 10183: %v", err)
	}
}

// Protobuf drops Debezium's logical names: a MicroTimestamp arrives as a
// plain int64 field; its DATETIME column still gets a datetime.
func TestPlainIntegerByTarget(t *testing.T) {
	row := &decode.Struct{
		Schema: &decode.Schema{Type: decode.TypeStruct, Fields: []decode.Field{
			{Name: "ts", Schema: &decode.Schema{Type: decode.TypeInt64}},
			{Name: "n", Schema: &decode.Schema{Type: decode.TypeInt64}},
			{Name: "d", Schema: &decode.Schema{Type: decode.TypeInt32, Name: "io.debezium.time.Date"}},
		}},
		Names: []string{"ts", "n", "d"}, Values: []any{int64(1725885296000001), int64(5), int64(8905)},
	}
	out, err := (&Encoder{}).AppendJSONFor(nil, cdc.Change{Row: row}, TargetTypes{"ts": "DATETIME", "n": "BIGINT", "d": "DATE"})
	if want := `{"ts":"2024-09-09 12:34:56.000001","n":5,"d":"1994-05-20","__op":0}`; err != nil || string(out) != want {
		t.Fatalf("%s %v, want %s", out, err, want)
	}
}

// A JSON column receives the document its text holds, whatever its kind
// (Debezium's io.debezium.data.Json is a string holding JSON text): an
// object, an array, a string, a number, a boolean and null go into the row
// as those JSON values, never as strings holding them. Without a schema
// (schemaless JSON) and with a plain string schema (Protobuf drops the
// io.debezium.data.Json name), alike.
func TestJSONColumnByTarget(t *testing.T) {
	types := TargetTypes{"doc": "JSON"}
	for _, c := range []struct{ text, want string }{
		{`{"k": [1, 2]}`, `{"k": [1, 2]}`},
		{`[1, "a", null]`, `[1, "a", null]`},
		{`"just a string"`, `"just a string"`},
		{`"{\"not\": \"an object\"}"`, `"{\"not\": \"an object\"}"`}, // a JSON string holding JSON stays a string
		{`42`, `42`},
		{`-1.50e3`, `-1.50e3`},
		{`true`, `true`},
		{`false`, `false`},
		{`null`, `null`},
		{" \n{\"a\":1}\t", `{"a":1}`},
	} {
		for _, schema := range []*decode.Schema{nil, {Type: decode.TypeString, Optional: true}} {
			row := &decode.Struct{Names: []string{"doc"}, Values: []any{c.text}}
			if schema != nil {
				row.Schema = &decode.Schema{Type: decode.TypeStruct, Fields: []decode.Field{{Name: "doc", Schema: schema}}}
			}
			out, err := (&Encoder{}).AppendJSONFor(nil, cdc.Change{Row: row}, types)
			if want := `{"doc":` + c.want + `,"__op":0}`; err != nil || string(out) != want {
				t.Errorf("%q (schema %v): %s %v, want %s", c.text, schema, out, err, want)
			}
			if err == nil && !json.Valid(out) {
				t.Errorf("%q: the row is not JSON: %s", c.text, out)
			}
		}
	}
	// Values that are not text keep their JSON kind; a SQL NULL stays null.
	row := &decode.Struct{Names: []string{"doc", "n", "b", "o", "none"},
		Values: []any{json.Number("7"), json.Number("1.5"), true, &decode.Struct{Names: []string{"x"}, Values: []any{"y"}}, nil}}
	out, err := (&Encoder{}).AppendJSONFor(nil, cdc.Change{Row: row}, TargetTypes{"doc": "JSON", "n": "JSON", "b": "JSON", "o": "JSON", "none": "JSON"})
	if want := `{"doc":7,"n":1.5,"b":true,"o":{"x":"y"},"none":null,"__op":0}`; err != nil || string(out) != want {
		t.Errorf("non-text values: %s %v, want %s", out, err, want)
	}
	// Text that is not one JSON document is the record's fault.
	for _, bad := range []string{"just a string", "", "{", `{"a":1} {"b":2}`, "tru", "[1,]", "\xff"} {
		row := &decode.Struct{Names: []string{"doc"}, Values: []any{bad}}
		_, err := (&Encoder{}).AppendJSONFor(nil, cdc.Change{Row: row}, types)
		if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "column doc") || !strings.Contains(err.Error(), "JSON") {
			t.Errorf("%q: error %v, want ErrValue naming the column", bad, err)
		}
	}
	if _, err := (&Encoder{}).AppendJSONFor(nil, cdc.Change{Row: &decode.Struct{Names: []string{"doc"}, Values: []any{`"a\xffb"`}}}, types); !errors.Is(err, ErrValue) {
		t.Errorf("invalid UTF-8 inside a JSON string: %v", err)
	}
}
