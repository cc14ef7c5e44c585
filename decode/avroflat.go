package decode

import (
	"context"
	"encoding/binary"
	"math"
)

// The flat reader of the Avro converter (the FlatConverter half of
// avroConverter). When a writer schema is compiled (compileAvroFlat, once
// per schema ID, stored on the root avroNode the registry cache holds), its
// node tree is also compiled into a FlatPlan and a linear program of
// avroFlatOps, one per slot plus one per nullable union, in slot order.
// Reading a record runs the program over the Avro datum: no value tree, no
// interface values, no allocation.
//
// A schema is flattened when every value the generic reader (avrowire.go)
// makes of it is a struct, null or a leaf: records, primitives, logical
// types, fixed, enums (the generic value is the symbol string) and
// nullable unions [null, T] / [T, null] of these. Arrays, maps (and
// MapEntry arrays) and general unions (io.confluent.connect.avro.Union
// structs) are not: such a schema has no flat form and every record of it
// is ErrNotFlat.
//
// The program checks everything the generic reader checks (varint
// overflow, 32-bit and connect.type int ranges, boolean bytes, lengths,
// enum and union indexes, truncation, trailing bytes); a record failing any
// check is ErrNotFlat, and the generic reader then reports the canonical
// error. Bytes slots alias the record's bytes (strings, bytes, decimals) or
// the plan's enum symbols, capped so that an append copies; never write
// into them. A decimal's slot holds the schema's scale, as the generic
// reader's Decimal.

// avroFlat is the flat form of one writer schema: its plan and program.
type avroFlat struct {
	plan *FlatPlan
	ops  []avroFlatOp
}

type avroFlatCode uint8

const (
	afNull     avroFlatCode = iota // Avro null: the slot is null, no bytes
	afBool                         // one byte, 0 or 1
	afInt                          // zig-zag varint in the range of typ
	afLong                         // zig-zag varint
	afFloat                        // 4 bytes little-endian, widened to float64
	afDouble                       // 8 bytes little-endian
	afBytes                        // length-prefixed bytes or string (decimal bytes too)
	afFixed                        // size bytes (decimal fixed too)
	afEnum                         // int index into syms
	afRecord                       // the struct slot; its fields' ops follow
	afOptional                     // union index: null fills slots [slot, end) and jumps to next
)

// avroFlatOp reads one value into slot (an afOptional reads the union
// index, and the op after it reads the non-null branch into the same slot).
type avroFlatOp struct {
	code avroFlatCode
	typ  Type  // afInt: the Connect integer type to range-check
	null int64 // afOptional: the union index of the null branch
	slot int32
	end  int32    // afOptional: one past the last slot of the value
	next int32    // afOptional: the op after the value's ops
	size int32    // afFixed
	syms [][]byte // afEnum: the symbols as bytes
	// scale is the Int of an afBytes or afFixed slot: a decimal's scale
	// (the schema's, as the generic reader gives it), 0 otherwise.
	scale int64
}

// compileAvroFlat compiles the flat form of the schema root describes, or
// returns nil when the schema has none (see the comment above).
func compileAvroFlat(root *avroNode) *avroFlat {
	c := avroFlatCompiler{flat: &avroFlat{plan: &FlatPlan{Schema: root.schema}}}
	if !c.node(root, "", -1) {
		return nil
	}
	return c.flat
}

type avroFlatCompiler struct {
	flat *avroFlat
}

func (c *avroFlatCompiler) node(n *avroNode, name string, parent int) bool {
	plan := c.flat.plan
	slot := len(plan.Slots)
	if n.kind == akOptional {
		at := len(c.flat.ops)
		c.flat.ops = append(c.flat.ops, avroFlatOp{code: afOptional, slot: int32(slot), null: int64(n.null)})
		if !c.node(n.elem, name, parent) {
			return false
		}
		c.flat.ops[at].end = int32(len(plan.Slots))
		c.flat.ops[at].next = int32(len(c.flat.ops))
		return true
	}
	plan.Slots = append(plan.Slots, FlatSlot{Schema: n.schema, Name: name, Parent: parent, End: slot + 1})
	op := avroFlatOp{slot: int32(slot)}
	switch n.kind {
	case akNull:
		op.code = afNull
	case akBool:
		op.code = afBool
	case akInt:
		op.code, op.typ = afInt, n.schema.Type
	case akLong:
		op.code = afLong
	case akFloat:
		op.code = afFloat
	case akDouble:
		op.code = afDouble
	case akBytes, akString:
		op.code = afBytes
	case akDecimalBytes:
		op.code, op.scale = afBytes, int64(n.scale)
	case akFixed:
		op.code, op.size = afFixed, int32(n.size)
	case akDecimalFixed:
		op.code, op.size, op.scale = afFixed, int32(n.size), int64(n.scale)
	case akEnum:
		op.code = afEnum
		for _, s := range n.symbols {
			op.syms = append(op.syms, []byte(s))
		}
	case akRecord:
		c.flat.ops = append(c.flat.ops, avroFlatOp{code: afRecord, slot: int32(slot)})
		for i, f := range n.fields {
			if !c.node(f, n.names[i], slot) {
				return false
			}
		}
		plan.Slots[slot].End = len(plan.Slots)
		return true
	default: // arrays, maps, general unions: not a flat leaf
		return false
	}
	c.flat.ops = append(c.flat.ops, op)
	return true
}

// DecodeFlat implements FlatConverter.
func (c *avroConverter) DecodeFlat(ctx context.Context, _ string, data []byte, slots []Slot) (*FlatPlan, []Slot, error) {
	if data == nil {
		return nil, slots[:0], ErrNotFlat
	}
	id, payload, err := parseConfluentHeader(ClassAvro, data)
	if err != nil {
		return nil, slots[:0], ErrNotFlat
	}
	node, err := c.schemas.get(ctx, id)
	if err != nil {
		return nil, slots[:0], err
	}
	f := node.flat
	if f == nil {
		return nil, slots[:0], ErrNotFlat
	}
	if n := len(f.plan.Slots); cap(slots) < n {
		slots = make([]Slot, n)
	} else {
		slots = slots[:n]
	}
	if !f.read(payload, slots) {
		return nil, slots[:0], ErrNotFlat
	}
	return f.plan, slots, nil
}

// read runs the program over one datum into slots (len(plan.Slots) long).
// It reports false for any datum the generic reader would reject. Bytes
// slots alias b.
func (f *avroFlat) read(b []byte, slots []Slot) bool {
	ops := f.ops
	pos := 0
	for i := 0; i < len(ops); i++ {
		op := &ops[i]
		s := &slots[op.slot]
		switch op.code {
		case afNull:
			*s = Slot{}
		case afBool:
			if pos >= len(b) || b[pos] > 1 {
				return false
			}
			*s = Slot{Kind: SlotBool, Int: int64(b[pos])}
			pos++
		case afInt:
			n, p, ok := avroFlatLong(b, pos)
			if !ok || !avroFlatIntFits(op.typ, n) {
				return false
			}
			pos = p
			*s = Slot{Kind: SlotInt, Int: n}
		case afLong:
			n, p, ok := avroFlatLong(b, pos)
			if !ok {
				return false
			}
			pos = p
			*s = Slot{Kind: SlotInt, Int: n}
		case afFloat:
			if len(b)-pos < 4 {
				return false
			}
			*s = Slot{Kind: SlotFloat, Float: float64(math.Float32frombits(binary.LittleEndian.Uint32(b[pos:])))}
			pos += 4
		case afDouble:
			if len(b)-pos < 8 {
				return false
			}
			*s = Slot{Kind: SlotFloat, Float: math.Float64frombits(binary.LittleEndian.Uint64(b[pos:]))}
			pos += 8
		case afBytes:
			n, p, ok := avroFlatLong(b, pos)
			if !ok || n < 0 || n > int64(len(b)-p) {
				return false
			}
			pos = p + int(n)
			*s = Slot{Kind: SlotBytes, Int: op.scale, Bytes: b[p:pos:pos]}
		case afFixed:
			if int(op.size) > len(b)-pos {
				return false
			}
			p := pos
			pos += int(op.size)
			*s = Slot{Kind: SlotBytes, Int: op.scale, Bytes: b[p:pos:pos]}
		case afEnum:
			n, p, ok := avroFlatLong(b, pos)
			if !ok || n < 0 || n >= int64(len(op.syms)) {
				return false
			}
			pos = p
			sym := op.syms[n]
			*s = Slot{Kind: SlotBytes, Bytes: sym[:len(sym):len(sym)]}
		case afRecord:
			*s = Slot{Kind: SlotStruct}
		case afOptional:
			n, p, ok := avroFlatLong(b, pos)
			if !ok {
				return false
			}
			pos = p
			switch n {
			case op.null:
				clear(slots[op.slot:op.end])
				i = int(op.next) - 1
			case 1 - op.null:
				// the next op reads the value into the same slot
			default:
				return false
			}
		default:
			return false
		}
	}
	return pos == len(b)
}

// avroFlatLong reads the zig-zag varint at pos with the generic reader's
// rules (at most 10 bytes, the 10th 0 or 1) and returns it and the position
// after it.
func avroFlatLong(b []byte, pos int) (int64, int, bool) {
	if pos < len(b) && b[pos] < 0x80 { // the common one-byte case
		c := uint64(b[pos])
		return int64(c>>1) ^ -int64(c&1), pos + 1, true
	}
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if pos >= len(b) {
			return 0, pos, false
		}
		c := b[pos]
		pos++
		if shift == 63 && c > 1 {
			return 0, pos, false
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int64(v>>1) ^ -int64(v&1), pos, true
		}
	}
}

// avroFlatIntFits is the generic reader's check of an Avro int: 32 bits,
// and the range of the Connect type connect.type names.
func avroFlatIntFits(t Type, v int64) bool {
	return v >= math.MinInt32 && v <= math.MaxInt32 && intFits(t, v)
}

var _ FlatConverter = (*avroConverter)(nil)
