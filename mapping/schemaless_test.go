package mapping

import (
	"encoding/json"
	"errors"
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
