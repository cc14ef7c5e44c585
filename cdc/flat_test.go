package cdc

import (
	"fmt"
	"testing"

	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/decode/flattest"
)

// flatEnvelope lays out an envelope {before, after: {id, name}, op} and
// returns its plan and a function that fills slots from a value tree.
func flatEnvelope(t *testing.T) (*decode.FlatPlan, func(v *decode.Struct) []decode.Slot) {
	t.Helper()
	row := &decode.Schema{Type: decode.TypeStruct, Name: "db.t.Value", Optional: true, Fields: []decode.Field{
		{Name: "id", Schema: &decode.Schema{Type: decode.TypeInt64, Optional: true}},
		{Name: "name", Schema: &decode.Schema{Type: decode.TypeString, Optional: true}}}}
	env := &decode.Schema{Type: decode.TypeStruct, Name: "db.t.Envelope", Fields: []decode.Field{
		{Name: "before", Schema: row}, {Name: "after", Schema: row}, {Name: "op", Schema: &decode.Schema{Type: decode.TypeString}}}}
	p, ok := flattest.Plan(env)
	if !ok {
		t.Fatal("the envelope has no flat form")
	}
	fill := func(v *decode.Struct) []decode.Slot {
		slots := make([]decode.Slot, len(p.Slots))
		if end, ok := flattest.Fill(p, slots, 0, v); !ok || end != len(slots) {
			t.Fatalf("no flat form: %v", v)
		}
		return slots
	}
	return p, fill
}

// TestFlatChangeIsUnwrap: FlatChange answers, for every envelope it takes,
// the op and row Unwrap returns, and declines exactly the envelopes Unwrap
// turns into anything else.
func TestFlatChangeIsUnwrap(t *testing.T) {
	p, fill := flatEnvelope(t)
	e, ok := NewFlatEnvelope(p)
	if !ok {
		t.Fatal("an *.Envelope schema is not an envelope")
	}
	rowS := p.Slots[e.After()].Schema
	row := func(id any, name any) *decode.Struct {
		return &decode.Struct{Schema: rowS, Names: []string{"id", "name"}, Values: []any{id, name}}
	}
	keyS := &decode.Schema{Type: decode.TypeStruct, Name: "db.t.Key", Fields: []decode.Field{{Name: "id", Schema: &decode.Schema{Type: decode.TypeInt64}}}}
	structKey := decode.Record{Schema: keyS, Value: &decode.Struct{Schema: keyS, Names: []string{"id"}, Values: []any{int64(1)}}}
	otherKey := decode.Record{Schema: keyS, Value: &decode.Struct{Schema: keyS, Names: []string{"other"}, Values: []any{int64(1)}}}
	textKey := decode.Record{Schema: &decode.Schema{Type: decode.TypeString}, Value: "1"}
	u := New(Options{})
	cases := 0
	for _, op := range []any{"c", "r", "u", "d", "t", "m", "x", "cc", ""} {
		for _, before := range []*decode.Struct{nil, row(int64(1), "a"), row(nil, "a")} {
			for _, after := range []*decode.Struct{nil, row(int64(2), "b"), row(int64(2), "__debezium_unavailable_value")} {
				for _, key := range []decode.Record{{}, structKey, otherKey, textKey} {
					vals := []any{nil, nil, op}
					if before != nil {
						vals[0] = before
					}
					if after != nil {
						vals[1] = after
					}
					v := &decode.Struct{Schema: p.Schema, Names: []string{"before", "after", "op"}, Values: vals}
					what := fmt.Sprintf("op %q before %v after %v key %v", op, before, after, key.Value)
					ev, err := u.Unwrap(key, decode.Record{Schema: p.Schema, Value: v})
					gotOp, gotRow, ok := u.FlatChange(e, fill(v), FlatKey{Record: key})
					plain := err == nil && ev.Kind == KindRows && len(ev.Changes) == 1 && len(ev.Changes[0].Unavailable) == 0
					if !ok {
						// Declined: fine unless Unwrap made one plain change of
						// an image as it is.
						if plain && (ev.Changes[0].Row == before || ev.Changes[0].Row == after) && ev.Changes[0].Row != nil {
							t.Errorf("%s: declined, Unwrap made %+v", what, ev.Changes[0])
						}
						continue
					}
					cases++
					if !plain {
						t.Fatalf("%s: FlatChange took it, Unwrap gave %+v, %v", what, ev, err)
					}
					want := ev.Changes[0]
					image := before
					if gotRow == e.After() {
						image = after
					}
					if gotOp != want.Op || want.Row != image {
						t.Errorf("%s: op %d row slot %d, Unwrap op %d row %v", what, gotOp, gotRow, want.Op, want.Row)
					}
				}
			}
		}
	}
	if cases == 0 {
		t.Fatal("FlatChange took no envelope")
	}
	// A key read flat counts as the same key.
	kp := &decode.FlatPlan{Schema: keyS, Slots: []decode.FlatSlot{{Schema: keyS, Parent: -1, End: 2}, {Schema: keyS.Fields[0].Schema, Name: "id", End: 2}}}
	v := &decode.Struct{Schema: p.Schema, Names: []string{"before", "after", "op"}, Values: []any{row(nil, "a"), nil, "d"}}
	flatKey := FlatKey{Record: decode.Record{Schema: keyS}, Plan: kp, Slots: []decode.Slot{{Kind: decode.SlotStruct}, {Kind: decode.SlotInt, Int: 1}}}
	if _, _, ok := u.FlatChange(e, fill(v), flatKey); ok {
		t.Error("a delete whose before image lacks the flat key's id was taken")
	}
	v.Values[0] = row(int64(1), "a")
	if op, r, ok := u.FlatChange(e, fill(v), flatKey); !ok || op != OpDelete || r != e.Before() {
		t.Errorf("a delete holding the flat key's id: %d %d %v", op, r, ok)
	}
	if _, ok := NewFlatEnvelope(&decode.FlatPlan{Schema: rowS, Slots: []decode.FlatSlot{{Schema: rowS, Parent: -1, End: 1}}}); ok {
		t.Error("a *.Value schema is an envelope")
	}
}
