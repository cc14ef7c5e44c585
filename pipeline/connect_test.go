package pipeline

import (
	"errors"
	"testing"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/mapping"
)

// After a chain, __op decides the operation (0 or 1, as a number or its
// text) and leaves the row; without it the row is an upsert; any other
// value is refused.
func TestSinkChange(t *testing.T) {
	schema := &decode.Schema{Type: decode.TypeStruct, Fields: []decode.Field{
		{Name: "id", Schema: &decode.Schema{Type: decode.TypeInt32}},
		{Name: "__op", Index: 1, Schema: &decode.Schema{Type: decode.TypeInt8}},
	}}
	p := &Pipeline{}
	for _, tc := range []struct {
		op   any
		want cdc.Op
		bad  bool
	}{
		{int8(0), cdc.OpUpsert, false}, {int8(1), cdc.OpDelete, false}, {int64(1), cdc.OpDelete, false},
		{"1", cdc.OpDelete, false}, {"0", cdc.OpUpsert, false},
		{"d", 0, true}, {int8(2), 0, true}, {true, 0, true}, {nil, 0, true},
	} {
		row := &decode.Struct{Schema: schema, Names: []string{"id", "__op"}, Values: []any{int32(7), tc.op}}
		ch, err := p.sinkChange(row)
		if tc.bad {
			if !errors.Is(err, mapping.ErrValue) {
				t.Errorf("__op %#v: %v, want mapping.ErrValue", tc.op, err)
			}
			continue
		}
		if err != nil || ch.Op != tc.want || len(ch.Row.Names) != 1 || ch.Row.Names[0] != "id" || len(ch.Row.Schema.Fields) != 1 {
			t.Errorf("__op %#v: %+v, %v", tc.op, ch, err)
		}
		if again, _ := p.sinkChange(row); again.Row.Schema != ch.Row.Schema {
			t.Errorf("__op %#v: a second record of the schema got another row schema", tc.op)
		}
	}
	ch, err := p.sinkChange(&decode.Struct{Names: []string{"id", "__deleted"}, Values: []any{int32(7), "true"}})
	if err != nil || ch.Op != cdc.OpUpsert || len(ch.Row.Names) != 2 {
		t.Errorf("a soft delete: %+v, %v; want an upsert keeping __deleted", ch, err)
	}
}
