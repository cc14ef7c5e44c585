package mapping

import (
	"errors"
	"testing"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
)

func TestCSV(t *testing.T) {
	row := &decode.Struct{
		Schema: &decode.Schema{Type: decode.TypeStruct, Fields: []decode.Field{
			{Name: "id", Schema: &decode.Schema{Type: decode.TypeInt32}},
			{Name: "name", Schema: &decode.Schema{Type: decode.TypeString, Optional: true}},
			{Name: "born", Schema: logical(decode.TypeInt32, cdc.Date)},
			{Name: "note", Schema: &decode.Schema{Type: decode.TypeString, Optional: true}},
			{Name: "tags", Schema: &decode.Schema{Type: decode.TypeArray, Items: &decode.Schema{Type: decode.TypeString}}},
		}},
		Names:  []string{"id", "name", "born", "note", "tags"},
		Values: []any{int64(7), "Zoë \"Z\"", int64(8905), nil, []any{"a", "b"}},
	}
	c := &CSV{Encoder: &Encoder{}}
	line, cols, err := c.AppendRow(nil, cdc.Change{Op: cdc.OpDelete, Row: row})
	if err != nil {
		t.Fatal(err)
	}
	if string(line) != "7\tZoë \"Z\"\t1994-05-20\t\\N\t[\"a\",\"b\"]\t1" || cols != "id,name,born,note,tags,__op" {
		t.Fatalf("line %q columns %q", line, cols)
	}
	c2 := &CSV{Encoder: &Encoder{}, Separator: []byte(","), Delimiter: []byte{0x02}}
	line, _, err = c2.AppendRow(nil, cdc.Change{Row: &decode.Struct{Names: []string{"id", "e"}, Values: []any{int64(1), ""}}})
	if err != nil || string(line) != "1,,0" {
		t.Fatalf("empty string: %q %v", line, err)
	}
	for _, bad := range []string{"a\tb", "line\nbreak", `\N`} {
		_, _, err := c.AppendRow(nil, cdc.Change{Row: &decode.Struct{Names: []string{"s"}, Values: []any{bad}}})
		if !errors.Is(err, ErrValue) {
			t.Errorf("%q: err %v, want ErrValue", bad, err)
		}
	}
	// A partial row leaves its unavailable columns out of line and header.
	_, cols, _ = c.AppendRow(nil, cdc.Change{Row: &decode.Struct{Names: []string{"id", "doc"}, Values: []any{int64(1), "x"}}, Unavailable: []string{"doc"}})
	if cols != "id,__op" {
		t.Fatalf("partial columns %q", cols)
	}
}
