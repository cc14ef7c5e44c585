package decode

import (
	"context"
	"math"
	"slices"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The flat read of the Protobuf converter. A top-level message plan (pbMsg)
// carries a pbFlat built with it, so the per-record cost of finding it is
// the message-plan lookup Decode already does. The flat reader walks the
// wire bytes as pbDecoder.message does (same tag checks, same field table,
// same skipping of unknown fields and wrong wire types, same work budget),
// writing leaves into slots instead of building a Struct:
//
//   - a message whose schema has a repeated or map field anywhere does not
//     flatten: its pbFlat has no plan and every record is ErrNotFlat;
//   - scalars: the last occurrence wins, as in Decode; absent
//     implicit-presence fields read as the value pbMsg.zeros holds;
//   - message-typed fields (nested messages, Decimal, Date, TimeOfDay,
//     Timestamp, wrappers) that occur twice would merge: that record is
//     ErrNotFlat;
//   - a oneof is its Union struct slot and one slot per member: the last
//     member seen is set, the others null; a message-typed member seen
//     twice in a row would merge: ErrNotFlat;
//   - a Decimal's slot holds the scale on the wire (Slot.Int), as Decode's
//     Decimal does, whatever the schema's scale parameter says;
//   - an enum number the enum does not name is ErrNotFlat, as is every
//     record Decode would reject.

// pbFlat is a top-level message's flat plan and the program that reads it.
type pbFlat struct {
	plan *FlatPlan  // nil: the message does not flatten
	root *pbFlatMsg // nil with plan
}

// pbFlatMsg is a message of the flat plan: the slot of its struct, the
// flat forms of its fields (indexed as pbMsg.fields) and its field-number
// table (the same numbers as pbMsg.ref).
type pbFlatMsg struct {
	slot   int
	fields []pbFlatField
	byNum  []pbFlatRef                    // when the pbMsg's numbers are small
	byMap  map[protowire.Number]pbFlatRef // otherwise
}

// pbFlatRef locates a field number: the field or oneof member, and for a
// member its oneof.
type pbFlatRef struct {
	ff    *pbFlatField
	union *pbFlatField
}

func (fm *pbFlatMsg) ref(n protowire.Number) pbFlatRef {
	if fm.byNum != nil {
		if int(n) < len(fm.byNum) {
			return fm.byNum[n]
		}
		return pbFlatRef{}
	}
	return fm.byMap[n]
}

// pbFlatField is a field (or oneof member) of the flat plan.
type pbFlatField struct {
	kind    pbKind
	slot    int           // the field's slot
	end     int           // one past its last descendant slot
	val     pbFlatScalar  // pkScalar, pkEnum; pkWrapper: the wrapped value
	msg     *pbFlatMsg    // pkMessage
	members []pbFlatField // pkOneof, indexed by pbRef.member
	absent  Slot          // the value of an absent field; Bytes shared, read-only
	inner   Slot          // pkWrapper: the value of an absent wrapped value
}

// pbFlatScalar is how a scalar or enum value is read.
type pbFlatScalar struct {
	kind protoreflect.Kind
	wire protowire.Type // the wire type of one value
	utf8 bool           // a string that must be valid UTF-8
	enum *pbFlatEnum    // an enum's names
}

// pbFlatEnum maps enum numbers to the names Decode gives them.
type pbFlatEnum struct {
	dense  [][]byte         // by number, when all are in [0, 1024)
	sparse map[int32][]byte // otherwise
}

func (e *pbFlatEnum) name(n int32) ([]byte, bool) {
	if e.sparse != nil {
		b, ok := e.sparse[n]
		return b, ok
	}
	if n >= 0 && int(n) < len(e.dense) && e.dense[n] != nil {
		return e.dense[n], true
	}
	return nil, false
}

// accepts is pbField.accepts for the singular fields a flat plan has:
// scalars and enums take their wire type, message-typed fields bytes.
func (ff *pbFlatField) accepts(typ protowire.Type) bool {
	if ff.kind == pkScalar || ff.kind == pkEnum {
		return typ == ff.val.wire
	}
	return typ == protowire.BytesType
}

// merges reports whether repeated occurrences of the field merge (a
// message-typed field) rather than replace (a scalar or enum).
func (ff *pbFlatField) merges() bool {
	return ff.kind != pkScalar && ff.kind != pkEnum
}

// newPBFlat compiles the flat plan of a top-level message.
func newPBFlat(m *pbMsg) *pbFlat {
	if !pbFlattens(m) {
		return &pbFlat{}
	}
	p := &FlatPlan{Schema: m.schema, Slots: []FlatSlot{{Schema: m.schema, Parent: -1}}}
	root := pbFlatMessage(p, m, 0)
	p.Slots[0].End = len(p.Slots)
	return &pbFlat{plan: p, root: root}
}

// pbFlattens reports whether every field of m, its nested messages and
// its oneofs has a flat form.
func pbFlattens(m *pbMsg) bool {
	for _, f := range m.fields {
		for _, ff := range f.all() {
			switch ff.kind {
			case pkList, pkMap:
				return false
			case pkMessage:
				if !pbFlattens(ff.msg) {
					return false
				}
			}
		}
	}
	return true
}

func pbFlatMessage(p *FlatPlan, m *pbMsg, at int) *pbFlatMsg {
	fm := &pbFlatMsg{slot: at, fields: make([]pbFlatField, len(m.fields))}
	for i, f := range m.fields {
		fm.fields[i] = pbFlatFieldOf(p, f, m.names[i], at, m.zeros[i])
	}
	if m.byNum != nil {
		fm.byNum = make([]pbFlatRef, len(m.byNum))
	} else {
		fm.byMap = map[protowire.Number]pbFlatRef{}
	}
	set := func(n protowire.Number, r pbFlatRef) {
		if fm.byNum != nil {
			fm.byNum[n] = r
		} else {
			fm.byMap[n] = r
		}
	}
	for i, f := range m.fields {
		ff := &fm.fields[i]
		if f.kind != pkOneof {
			set(f.fd.Number(), pbFlatRef{ff: ff})
			continue
		}
		for j, mf := range f.members {
			set(mf.fd.Number(), pbFlatRef{ff: &ff.members[j], union: ff})
		}
	}
	return fm
}

func pbFlatFieldOf(p *FlatPlan, f *pbField, name string, parent int, absent any) pbFlatField {
	at := len(p.Slots)
	p.Slots = append(p.Slots, FlatSlot{Schema: f.schema, Name: name, Parent: parent})
	ff := pbFlatField{kind: f.kind, slot: at, absent: constSlot(absent)}
	switch f.kind {
	case pkScalar:
		ff.val = pbFlatScalar{kind: f.fd.Kind(), wire: f.wire, utf8: f.utf8}
	case pkEnum:
		ff.val = pbFlatScalar{kind: f.fd.Kind(), wire: f.wire, enum: pbFlatEnumOf(f)}
	case pkMessage:
		ff.msg = pbFlatMessage(p, f.msg, at)
	case pkOneof:
		ff.members = make([]pbFlatField, len(f.members))
		for j, mf := range f.members {
			ff.members[j] = pbFlatFieldOf(p, mf, f.names[j], at, nil)
		}
	case pkWrapper:
		ff.val = pbFlatScalar{kind: f.inner.fd.Kind(), wire: f.inner.wire, utf8: f.inner.utf8}
		ff.inner = constSlot(f.inner.zero())
	}
	ff.end = len(p.Slots)
	p.Slots[at].End = ff.end
	return ff
}

func pbFlatEnumOf(f *pbField) *pbFlatEnum {
	vals := f.fd.Enum().Values()
	dense := true
	for i := 0; i < vals.Len(); i++ {
		if n := vals.Get(i).Number(); n < 0 || n >= 1024 {
			dense = false
		}
	}
	e := &pbFlatEnum{}
	if !dense {
		e.sparse = map[int32][]byte{}
	}
	for i := 0; i < vals.Len(); i++ {
		n := vals.Get(i).Number()
		name := constBytes(f.enumName(n)) // the first value of an alias group, as Decode
		if dense {
			for int(n) >= len(e.dense) {
				e.dense = append(e.dense, nil)
			}
			e.dense[n] = name
		} else {
			e.sparse[int32(n)] = name
		}
	}
	return e
}

// constSlot is the slot of a constant value of the neutral representation
// (a zero value from pbField.zero, or nil).
func constSlot(v any) Slot {
	switch x := v.(type) {
	case bool:
		if x {
			return Slot{Kind: SlotBool, Int: 1}
		}
		return Slot{Kind: SlotBool}
	case int64:
		return Slot{Kind: SlotInt, Int: x}
	case float64:
		return Slot{Kind: SlotFloat, Float: x}
	case string:
		return Slot{Kind: SlotBytes, Bytes: constBytes(x)}
	case []byte:
		return Slot{Kind: SlotBytes, Bytes: x[:len(x):len(x)]}
	}
	return Slot{}
}

// constBytes is s as bytes whose capacity is their length, so that an
// append by a reader of a slot never writes into the plan's memory.
func constBytes(s string) []byte {
	b := []byte(s)
	return b[:len(b):len(b)]
}

// DecodeFlat implements FlatConverter. Bytes slots alias data (or, for
// absent strings and enum names, the plan's read-only constants).
func (c *protobufConverter) DecodeFlat(ctx context.Context, _ string, data []byte, slots []Slot) (*FlatPlan, []Slot, error) {
	if data == nil {
		return nil, slots[:0], ErrNotFlat
	}
	id, payload, err := parseConfluentHeader(ClassProtobuf, data)
	if err != nil {
		return nil, slots[:0], ErrNotFlat
	}
	var idxBuf [8]int
	idx, payload, err := appendMessageIndexes(ClassProtobuf, idxBuf[:0], payload)
	if err != nil {
		return nil, slots[:0], ErrNotFlat
	}
	pf, err := c.schemas.get(ctx, id)
	if err != nil {
		return nil, slots[:0], err
	}
	m, err := pf.flatMessage(idx)
	if err != nil || m.flat == nil || m.flat.plan == nil {
		return nil, slots[:0], ErrNotFlat
	}
	fl := m.flat
	if n := len(fl.plan.Slots); cap(slots) < n {
		slots = make([]Slot, n)
	} else {
		slots = slots[:n]
	}
	r := pbFlatReader{b: payload, slots: slots, work: 64*len(payload) + 1<<16} // newPBDecoder's budget
	if !r.message(fl.root, 0, len(payload)) {
		return nil, slots[:0], ErrNotFlat
	}
	return fl.plan, slots, nil
}

// flatMessage is f.message without letting idx escape (it is DecodeFlat's
// stack buffer): a cache hit is looked up without a copy, a miss goes to
// f.message with one.
func (f *protoFile) flatMessage(idx []int) (*pbMsg, error) {
	if m, ok := f.cachedMessage(idx); ok {
		return m, nil
	}
	return f.message(slices.Clone(idx))
}

// It never leaves the reader.

// pbFlatReader reads one payload into slots. Every method reports false for
// bytes Decode would reject, and for values it cannot hold flat.
type pbFlatReader struct {
	b     []byte
	slots []Slot
	work  int // as pbDecoder.work: bytes of messages still allowed
}

// message reads b[s:e] as fm: its struct slot and all its descendants.
func (r *pbFlatReader) message(fm *pbFlatMsg, s, e int) bool {
	if r.work -= e - s; r.work < 0 {
		return false
	}
	slots := r.slots
	slots[fm.slot] = Slot{Kind: SlotStruct}
	for i := range fm.fields {
		slots[fm.fields[i].slot].Kind = slotUnset
	}
	b := r.b
	pos := s
	for pos < e {
		num, typ, n := consumeTag(b[pos:e])
		if n < 0 {
			return false
		}
		pos += n
		ref := fm.ref(num)
		ff := ref.ff
		if ff == nil || !ff.accepts(typ) {
			if n = protowire.ConsumeFieldValue(num, typ, b[pos:e]); n < 0 {
				return false
			}
			pos += n
			continue
		}
		if u := ref.union; u != nil {
			if ff.merges() && slots[u.slot].Kind == SlotStruct && slots[ff.slot].Kind != SlotNull {
				return false // the member's second occurrence in a row would merge
			}
			slots[u.slot] = Slot{Kind: SlotStruct}
			clear(slots[u.slot+1 : u.end])
		} else if ff.merges() && slots[ff.slot].Kind != slotUnset {
			return false // a second occurrence would merge
		}
		var ok bool
		if pos, ok = r.value(ff, typ, pos, e); !ok {
			return false
		}
	}
	if pos != e {
		return false
	}
	for i := range fm.fields {
		ff := &fm.fields[i]
		if slots[ff.slot].Kind == slotUnset {
			slots[ff.slot] = ff.absent
			clear(slots[ff.slot+1 : ff.end])
		}
	}
	return true
}

// span reads a length prefix at pos, as pbDecoder.span.
func (r *pbFlatReader) span(pos, e int) (int, int, bool) {
	l, n := protowire.ConsumeVarint(r.b[pos:e])
	if n < 0 || l > uint64(e-pos-n) {
		return 0, 0, false
	}
	s := pos + n
	return s, s + int(l), true
}

// value reads the value of ff at pos (its wire type typ accepted) into its
// slot and returns the position after it.
func (r *pbFlatReader) value(ff *pbFlatField, typ protowire.Type, pos, e int) (int, bool) {
	switch ff.kind {
	case pkScalar, pkEnum:
		return r.single(&ff.val, &r.slots[ff.slot], typ, pos, e)
	}
	ps, pe, ok := r.span(pos, e)
	if !ok {
		return 0, false
	}
	if ff.kind == pkMessage {
		return pe, r.message(ff.msg, ps, pe)
	}
	return pe, r.wellKnown(ff, ps, pe)
}

// single reads one scalar or enum value at pos into s, as pbDecoder.single
// does.
func (r *pbFlatReader) single(f *pbFlatScalar, s *Slot, typ protowire.Type, pos, e int) (int, bool) {
	b := r.b
	switch typ {
	case protowire.VarintType:
		v, n := protowire.ConsumeVarint(b[pos:e])
		if n < 0 {
			return 0, false
		}
		if f.enum != nil {
			name, ok := f.enum.name(int32(v))
			if !ok {
				return 0, false // Decode formats the number: no flat form
			}
			*s = Slot{Kind: SlotBytes, Bytes: name}
			return pos + n, true
		}
		switch f.kind {
		case protoreflect.BoolKind:
			*s = Slot{Kind: SlotBool}
			if v != 0 {
				s.Int = 1
			}
		case protoreflect.Int32Kind:
			*s = Slot{Kind: SlotInt, Int: int64(int32(v))}
		case protoreflect.Sint32Kind:
			*s = Slot{Kind: SlotInt, Int: int64(int32(protowire.DecodeZigZag(v & math.MaxUint32)))}
		case protoreflect.Uint32Kind:
			*s = Slot{Kind: SlotInt, Int: int64(uint32(v))}
		case protoreflect.Sint64Kind:
			*s = Slot{Kind: SlotInt, Int: protowire.DecodeZigZag(v)}
		default: // int64, uint64 (wraps above 2^63-1, as in Java)
			*s = Slot{Kind: SlotInt, Int: int64(v)}
		}
		return pos + n, true
	case protowire.Fixed32Type:
		v, n := protowire.ConsumeFixed32(b[pos:e])
		if n < 0 {
			return 0, false
		}
		switch f.kind {
		case protoreflect.FloatKind:
			*s = Slot{Kind: SlotFloat, Float: float64(math.Float32frombits(v))}
		case protoreflect.Sfixed32Kind:
			*s = Slot{Kind: SlotInt, Int: int64(int32(v))}
		default:
			*s = Slot{Kind: SlotInt, Int: int64(v)}
		}
		return pos + n, true
	case protowire.Fixed64Type:
		v, n := protowire.ConsumeFixed64(b[pos:e])
		if n < 0 {
			return 0, false
		}
		if f.kind == protoreflect.DoubleKind {
			*s = Slot{Kind: SlotFloat, Float: math.Float64frombits(v)}
		} else {
			*s = Slot{Kind: SlotInt, Int: int64(v)}
		}
		return pos + n, true
	case protowire.BytesType:
		ps, pe, ok := r.span(pos, e)
		if !ok {
			return 0, false
		}
		if f.kind == protoreflect.StringKind && f.utf8 && !utf8.Valid(b[ps:pe]) {
			return 0, false
		}
		*s = Slot{Kind: SlotBytes, Bytes: b[ps:pe:pe]}
		return pe, true
	}
	return 0, false
}

// wellKnown reads b[s:e] as a wrapper, Decimal, Date, TimeOfDay or
// Timestamp into ff's slot, as pbDecoder.msgValue does.
func (r *pbFlatReader) wellKnown(ff *pbFlatField, s, e int) bool {
	b, slot := r.b, &r.slots[ff.slot]
	if ff.kind == pkWrapper {
		*slot = ff.inner
		for p := s; p < e; {
			num, typ, n := consumeTag(b[p:e])
			if n < 0 {
				return false
			}
			p += n
			if num == 1 && typ == ff.val.wire {
				var ok bool
				if p, ok = r.single(&ff.val, slot, typ, p, e); !ok {
					return false
				}
				continue
			}
			if n = protowire.ConsumeFieldValue(num, typ, b[p:e]); n < 0 {
				return false
			}
			p += n
		}
		return true
	}
	var ints [5]uint64
	bs, be := s, s
	for p := s; p < e; {
		num, typ, n := consumeTag(b[p:e])
		if n < 0 {
			return false
		}
		p += n
		switch {
		case typ == protowire.VarintType && num >= 1 && num <= 4:
			v, n := protowire.ConsumeVarint(b[p:e])
			if n < 0 {
				return false
			}
			ints[num], p = v, p+n
		case typ == protowire.BytesType && num == 1 && ff.kind == pkDecimal:
			ps, pe, ok := r.span(p, e)
			if !ok {
				return false
			}
			bs, be, p = ps, pe, pe
		default:
			if n = protowire.ConsumeFieldValue(num, typ, b[p:e]); n < 0 {
				return false
			}
			p += n
		}
	}
	i32 := func(k int) int64 { return int64(int32(ints[k])) }
	switch ff.kind {
	case pkDecimal:
		*slot = Slot{Kind: SlotBytes, Int: i32(3), Bytes: b[bs:be:be]} // the wire scale, as Decode
	case pkDate:
		*slot = Slot{Kind: SlotInt, Int: daysSinceEpoch(i32(1), i32(2), i32(3))}
	case pkTime:
		*slot = Slot{Kind: SlotInt, Int: ((i32(1)*60+i32(2))*60+i32(3))*1000 + i32(4)/1e6}
	case pkTimestamp:
		*slot = Slot{Kind: SlotInt, Int: floorMillis(int64(ints[1]), i32(2))}
	default:
		return false
	}
	return true
}
