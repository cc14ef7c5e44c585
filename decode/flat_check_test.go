package decode

import (
	"bytes"
	"fmt"
	"math"
)

// flatMatches reports how a flat read (plan, slots) differs from the
// generic read rec of the same bytes, or nil when the slots hold exactly
// the values Decode returned (the FlatConverter contract). Every flat
// converter's tests run it over the fixtures and generated records.
func flatMatches(plan *FlatPlan, slots []Slot, rec Record) error {
	if plan.Schema != rec.Schema {
		return fmt.Errorf("plan schema %p is not the generic schema %p", plan.Schema, rec.Schema)
	}
	if len(slots) != len(plan.Slots) {
		return fmt.Errorf("%d slots for a plan of %d", len(slots), len(plan.Slots))
	}
	for i, s := range plan.Slots {
		if s.End <= i || s.End > len(plan.Slots) || (s.Schema.Type != TypeStruct && s.End != i+1) {
			return fmt.Errorf("slot %d (%s): bad End %d", i, s.Name, s.End)
		}
	}
	end, err := flatValue(plan, slots, 0, rec.Value, "value", true)
	if err != nil {
		return err
	}
	if end != len(slots) {
		return fmt.Errorf("the top value ends at slot %d of %d", end, len(slots))
	}
	return nil
}

// flatValue compares slot i (and a struct's fields) with v and returns the
// slot after it. present is false inside a null struct: every slot must
// then be SlotNull.
func flatValue(plan *FlatPlan, slots []Slot, i int, v any, path string, present bool) (int, error) {
	ps, sl := plan.Slots[i], slots[i]
	fail := func(format string, a ...any) (int, error) {
		return 0, fmt.Errorf("%s (slot %d): %s", path, i, fmt.Sprintf(format, a...))
	}
	if !present || v == nil {
		if sl.Kind != SlotNull {
			return fail("generic value is null, slot kind %d", sl.Kind)
		}
		for j := i + 1; j < ps.End; j++ {
			if slots[j].Kind != SlotNull {
				return fail("field slot %d of a null struct is kind %d", j, slots[j].Kind)
			}
		}
		return ps.End, nil
	}
	switch x := v.(type) {
	case *Struct:
		if sl.Kind != SlotStruct {
			return fail("generic value is a struct, slot kind %d", sl.Kind)
		}
		if x.Schema != ps.Schema {
			return fail("struct schema %p is not the plan's %p", x.Schema, ps.Schema)
		}
		j := i + 1
		for k, name := range x.Names {
			if j >= ps.End || plan.Slots[j].Name != name {
				return fail("field %d is %q in the generic value but not next in the plan", k, name)
			}
			var err error
			if j, err = flatValue(plan, slots, j, x.Values[k], path+"."+name, true); err != nil {
				return 0, err
			}
		}
		if j != ps.End {
			return fail("the plan has fields the generic value lacks")
		}
		return j, nil
	case int8, int16, int32, int64, int:
		n := fmt.Sprint(x)
		if sl.Kind != SlotInt || fmt.Sprint(sl.Int) != n {
			return fail("generic %T %s, slot kind %d int %d", x, n, sl.Kind, sl.Int)
		}
	case float32:
		if sl.Kind != SlotFloat || math.Float64bits(sl.Float) != math.Float64bits(float64(x)) {
			return fail("generic float32 %v, slot kind %d float %v", x, sl.Kind, sl.Float)
		}
	case float64:
		if sl.Kind != SlotFloat || math.Float64bits(sl.Float) != math.Float64bits(x) {
			return fail("generic float64 %v, slot kind %d float %v", x, sl.Kind, sl.Float)
		}
	case bool:
		want := int64(0)
		if x {
			want = 1
		}
		if sl.Kind != SlotBool || sl.Int != want {
			return fail("generic bool %v, slot kind %d int %d", x, sl.Kind, sl.Int)
		}
	case string:
		if sl.Kind != SlotBytes || string(sl.Bytes) != x {
			return fail("generic string %q, slot kind %d bytes %q", x, sl.Kind, sl.Bytes)
		}
	case []byte:
		if ps.Schema.Name == ConnectDecimal {
			return fail("generic bytes %x under a Decimal schema: a slot there is a Decimal", x)
		}
		if sl.Kind != SlotBytes || !bytes.Equal(sl.Bytes, x) {
			return fail("generic bytes %x, slot kind %d bytes %x", x, sl.Kind, sl.Bytes)
		}
	case Decimal:
		if sl.Kind != SlotBytes || ps.Schema.Name != ConnectDecimal {
			return fail("generic Decimal %s, slot kind %d, schema %q", x, sl.Kind, ps.Schema.Name)
		}
		if sl.Int != int64(x.Scale) {
			return fail("generic Decimal %s has scale %d, the slot %d", x, x.Scale, sl.Int)
		}
		got := DecimalFromBytes(sl.Bytes, x.Scale)
		if got.Unscaled.Cmp(x.Unscaled) != 0 {
			return fail("generic Decimal %s, slot decimal %s", x, got)
		}
	default:
		return fail("generic value %T has no flat form (the plan should not flatten this schema)", v)
	}
	if ps.Schema.Type == TypeStruct {
		return fail("a struct schema holds a %T", v)
	}
	return i + 1, nil
}
