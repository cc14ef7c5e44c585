package cdc

import "github.com/starcdc/starcdc/decode"

// Unwrapping a flat read (decode.FlatConverter) is Unwrap's envelope rule
// read from slots instead of a value tree, for the compiled hot path. It
// covers only the records whose event is one plain change; for every
// other record it answers "not here" and the caller unwraps the value
// tree with Unwrap, which stays the reference.

// FlatEnvelope is where Unwrap finds a Debezium envelope's op, before and
// after fields in the slots of one decode.FlatPlan. Get one per plan with
// NewFlatEnvelope; it is read-only and safe for concurrent use.
type FlatEnvelope struct {
	plan              *decode.FlatPlan
	op, before, after int // slots; -1 when the envelope has no such field
}

// NewFlatEnvelope returns the layout of plan's records, ok false when
// Unwrap does not read them as Debezium envelopes by their schema (a
// struct schema named *.Envelope, decode.Schema.IsEnvelope).
func NewFlatEnvelope(plan *decode.FlatPlan) (FlatEnvelope, bool) {
	if plan == nil || len(plan.Slots) == 0 || !plan.Schema.IsEnvelope() || plan.Slots[0].Schema != plan.Schema {
		return FlatEnvelope{}, false
	}
	return FlatEnvelope{plan: plan, op: plan.Field(0, "op"), before: plan.Field(0, "before"), after: plan.Field(0, "after")}, true
}

// Plan is the plan the layout was made for.
func (e FlatEnvelope) Plan() *decode.FlatPlan { return e.plan }

// Before and After are the slots of the before and after images, -1 when
// the envelope has none.
func (e FlatEnvelope) Before() int { return e.before }

// After: see Before.
func (e FlatEnvelope) After() int { return e.after }

// FlatKey is a record's key as FlatChange reads it: the Record the key
// converter's Decode returned or, when Plan is set, the flat read of the
// key (Plan and its Slots). The zero FlatKey is a record without a key.
type FlatKey struct {
	Record decode.Record
	Plan   *decode.FlatPlan
	Slots  []decode.Slot
}

// FlatChange returns the change Unwrap would return for the envelope read
// into slots (laid out by e's plan) with this key: its op and the slot of
// its row, a present struct whose fields are the row's columns. ok is
// false when Unwrap would return anything but that one change, or a
// change that needs the value tree: a null value, an op other than c, r,
// u and d (or none), a missing row image (an error there), an upsert
// holding the unavailable-value placeholder in a column (a partial
// update), or a delete whose before image lacks a field of a struct key
// or holds it null (Unwrap fills it from the key).
func (u *Unwrapper) FlatChange(e FlatEnvelope, slots []decode.Slot, key FlatKey) (op Op, row int, ok bool) {
	p := e.plan
	if p == nil || len(slots) != len(p.Slots) || slots[0].Kind != decode.SlotStruct || e.op < 0 {
		return 0, -1, false
	}
	if s := slots[e.op]; s.Kind != decode.SlotBytes || p.Slots[e.op].Schema.Type != decode.TypeString || len(s.Bytes) != 1 {
		return 0, -1, false
	}
	switch slots[e.op].Bytes[0] {
	case 'c', 'r', 'u':
		if e.after < 0 || slots[e.after].Kind != decode.SlotStruct {
			return 0, -1, false
		}
		for i := e.after + 1; i < p.Slots[e.after].End; i = p.Slots[i].End {
			// Unavailable's rule, conservatively: any text or bytes column
			// (a Decimal's bytes too) holding the placeholder.
			if slots[i].Kind == decode.SlotBytes && string(slots[i].Bytes) == u.opts.UnavailablePlaceholder {
				return 0, -1, false
			}
		}
		return OpUpsert, e.after, true
	case 'd':
		if e.before < 0 || slots[e.before].Kind != decode.SlotStruct || !keyInRow(p, slots, e.before, key) {
			return 0, -1, false
		}
		return OpDelete, e.before, true
	}
	return 0, -1, false
}

// keyInRow reports whether withKey leaves the present row at slot row
// as it is: the key is not a struct with fields, or every field of it is
// a non-null field of the row.
func keyInRow(p *decode.FlatPlan, slots []decode.Slot, row int, key FlatKey) bool {
	has := func(name string) bool {
		j := p.Field(row, name)
		return j >= 0 && slots[j].Kind != decode.SlotNull
	}
	if kp := key.Plan; kp != nil {
		if len(key.Slots) == 0 || key.Slots[0].Kind != decode.SlotStruct {
			return true
		}
		for i := 1; i < kp.Slots[0].End; i = kp.Slots[i].End {
			if !has(kp.Slots[i].Name) {
				return false
			}
		}
		return true
	}
	ks, isStruct := key.Record.Value.(*decode.Struct)
	if !isStruct {
		return true
	}
	for _, name := range ks.Names {
		if !has(name) {
			return false
		}
	}
	return true
}
