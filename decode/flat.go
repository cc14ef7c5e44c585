package decode

import (
	"context"
	"errors"
)

// Flat reading is the decoding half of the compiled hot path: a converter
// that implements FlatConverter reads a record's leaf values into a reused
// slice of Slots laid out by a FlatPlan compiled once per writer schema,
// without building a value tree (no Struct, no interface values, no
// per-record allocation). The generic path (Converter.Decode) stays the
// reference: for every record DecodeFlat accepts, its slots hold exactly
// the values Decode would return (see Slot), and for anything it cannot
// read that way — a schema shape it does not flatten, a value needing a
// conversion it does not do, malformed bytes — it answers ErrNotFlat and
// the caller decodes the record with Decode, which also produces the
// canonical error for malformed bytes.

// ErrNotFlat means DecodeFlat cannot read this record exactly as Decode
// would; decode it with Decode. It is not a record error.
var ErrNotFlat = errors.New("the record needs the generic decoder")

// SlotKind is what a Slot holds.
type SlotKind uint8

// The slot kinds.
const (
	// SlotNull is a null value, or a field of a null (or absent) struct.
	SlotNull SlotKind = iota
	// SlotInt is an integer of any Connect integer type (Int).
	SlotInt
	// SlotFloat is a float32 or float64 (Float; a float32 converted
	// exactly).
	SlotFloat
	// SlotBool is a boolean (Int: 0 or 1).
	SlotBool
	// SlotBytes is a string (its UTF-8 bytes, as Decode's string holds
	// them) or a bytes value. A value whose schema is named ConnectDecimal
	// is a Decimal: Bytes holds its big-endian two's-complement unscaled
	// value and Int its scale (Decimal.Scale, which need not be the scale
	// in the schema's parameters: a Protobuf Decimal carries its own).
	SlotBytes
	// SlotStruct is a struct that is present; its fields are the slots
	// that follow it, up to its FlatSlot.End.
	SlotStruct
)

// Slot is one value of a flat read. Bytes is valid until the next read
// into the same slots (it may alias the record's bytes, or a scratch
// buffer a converter keeps in the slots' spare capacity, never in the
// converter: one converter serves concurrent readers).
type Slot struct {
	Kind  SlotKind
	Int   int64
	Float float64
	Bytes []byte
}

// FlatPlan is the layout of the slots DecodeFlat fills for one writer
// schema: Slots[i] describes slot i. Slot 0 is the record's top-level
// value; a struct slot's fields follow it in field order, depth first.
// Plans are compiled once per schema and shared: never modify one.
type FlatPlan struct {
	// Schema is the *Schema Decode returns for records of this writer
	// schema (the same pointer, so that caches keyed by schema pointer
	// see one schema on both paths).
	Schema *Schema
	Slots  []FlatSlot
}

// FlatSlot describes one slot of a FlatPlan.
type FlatSlot struct {
	Schema *Schema // the value's Connect schema (a struct's for a struct slot)
	Name   string  // the field name; "" for slot 0
	Parent int     // the slot of the enclosing struct; -1 for slot 0
	End    int     // a struct slot's end: one past its last descendant; i+1 for a leaf
}

// Field returns the slot of the field called name directly inside the
// struct slot at, or -1.
func (p *FlatPlan) Field(at int, name string) int {
	if at < 0 || at >= len(p.Slots) {
		return -1
	}
	for i := at + 1; i < p.Slots[at].End; i = p.Slots[i].End {
		if p.Slots[i].Name == name {
			return i
		}
	}
	return -1
}

// FlatConverter is a Converter that can also read records flat.
type FlatConverter interface {
	Converter
	// DecodeFlat reads data into slots (reusing its capacity) and returns
	// the plan of the schema data names (compiled once per schema and
	// cached) and the filled slots, len(plan.Slots) long. It returns
	// ErrNotFlat for every record it cannot read exactly as Decode would,
	// including malformed ones; registry errors are returned as Decode
	// returns them. A nil data (a tombstone) is ErrNotFlat.
	DecodeFlat(ctx context.Context, topic string, data []byte, slots []Slot) (*FlatPlan, []Slot, error)
}
