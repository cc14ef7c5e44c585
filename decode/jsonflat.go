package decode

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"math/big"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Flat reading of JSON payloads typed by a Connect schema: JSONConverter
// with SchemasEnable (the schema travels in each record and is cached by
// its text) and jsonSchemaConverter (the schema is the registered JSON
// Schema compiled to Connect, cached by ID). Both scan the payload straight
// into slots, mirroring decodeDirect value for value: keys in any order,
// the first of duplicate keys wins, unknown keys are skipped (validated as
// jsonParser.skip does), absent fields are null, numbers are range-checked
// and converted as decodeDirect does. Whatever decodeDirect would reject,
// and the few conversions the scanner does not do (decimal text in a
// string, decimals with an exponent or more than 18 digits), is ErrNotFlat.
//
// Strings that need no change alias the record's bytes. Unescaped strings,
// strings with invalid UTF-8 and base64-decoded bytes are written to a
// scratch buffer that belongs to the caller's slots: it is kept in the
// last element of the slots' capacity (beyond the returned length, marked
// slotScratch), so a converter shared by goroutines needs no lock and no
// per-record allocation once the buffer has grown to a record's needs.

// jsonFlatMaxDepth bounds the nesting of the schemas the scanner flattens
// (far below maxDepth, so that the generic depth limit never applies).
const jsonFlatMaxDepth = 64

// Slot kinds private to the JSON scanner; neither is ever returned in a
// slot of the plan.
const (
	// slotUnset marks, while a struct is read (here and in protoflat.go),
	// a field slot not yet written; this scanner: a field slot whose key
	// has not been seen yet.
	slotUnset SlotKind = 0xfe
	// slotScratch marks the hidden slot at the end of the slots' capacity
	// whose Bytes is the scanner's scratch buffer.
	slotScratch SlotKind = 0xfd
)

// jsonOp is what the scanner does with a slot's value.
type jsonOp uint8

const (
	jsonOpStruct jsonOp = iota
	jsonOpInt
	jsonOpFloat
	jsonOpBool
	jsonOpString
	jsonOpBytes
	jsonOpDecimal
	jsonOpFail // a non-null value is an error (a decimal with a bad scale parameter)
)

// jsonFlat is the compiled flat plan of one schema for the JSON scanner.
// It is immutable once compiled.
type jsonFlat struct {
	plan    *FlatPlan // nil: the schema does not flatten
	slots   []jsonSlot
	replace bool // ReplaceNullWithDefault when compiled
}

// jsonSlot is the scanner's part of one plan slot.
type jsonSlot struct {
	op    jsonOp
	typ   Type  // the integer type, for the range check
	scale int32 // a decimal's scale parameter
	// nullErr: a null (or absent) value is an error, as nullValue says for
	// a field that is neither optional nor has a default.
	nullErr bool
	// hasDef: a null is replaced by def (ReplaceNullWithDefault and the
	// schema has a default); defBad: that default has no slot form.
	hasDef, defBad bool
	def            Slot
	fields         []jsonField // a struct's fields, in schema order
}

type jsonField struct {
	name string
	slot int
}

// jsonFlatOnce compiles a schema's jsonFlat once.
type jsonFlatOnce struct {
	once sync.Once
	f    *jsonFlat
}

func (o *jsonFlatOnce) get(s *Schema, replace bool) *jsonFlat {
	o.once.Do(func() { o.f = compileJSONFlat(s, replace) })
	return o.f
}

// compileJSONFlat compiles the plan of s. A schema with an array or a map,
// a struct with two fields of one name, a decimal that is not bytes, or
// nesting deeper than jsonFlatMaxDepth does not flatten (plan nil).
func compileJSONFlat(s *Schema, replace bool) *jsonFlat {
	f := &jsonFlat{plan: &FlatPlan{Schema: s}, replace: replace}
	if !f.add(s, "", -1, 0) {
		return &jsonFlat{replace: replace}
	}
	return f
}

func (f *jsonFlat) add(s *Schema, name string, parent, depth int) bool {
	if s == nil || depth > jsonFlatMaxDepth {
		return false
	}
	i := len(f.plan.Slots)
	f.plan.Slots = append(f.plan.Slots, FlatSlot{Schema: s, Name: name, Parent: parent})
	js := jsonSlot{nullErr: !s.Optional && s.Default == nil && i != 0}
	if f.replace && s.Default != nil {
		var ok bool
		js.def, ok = defaultSlot(s)
		js.hasDef, js.defBad = true, !ok
	}
	switch {
	case s.Name == ConnectDecimal:
		if s.Type != TypeBytes {
			return false
		}
		js.op = jsonOpDecimal
		if p, ok := s.Parameters[DecimalScaleParam]; ok {
			n, err := strconv.ParseInt(p, 10, 32)
			if err != nil {
				js.op = jsonOpFail
			}
			js.scale = int32(n)
		}
	case s.Type >= TypeInt8 && s.Type <= TypeInt64:
		js.op, js.typ = jsonOpInt, s.Type
	case s.Type == TypeFloat32 || s.Type == TypeFloat64:
		js.op = jsonOpFloat
	case s.Type == TypeBoolean:
		js.op = jsonOpBool
	case s.Type == TypeString:
		js.op = jsonOpString
	case s.Type == TypeBytes:
		js.op = jsonOpBytes
	case s.Type == TypeStruct:
		js.op = jsonOpStruct
	default:
		return false
	}
	f.slots = append(f.slots, js)
	if s.Type == TypeStruct {
		fields := make([]jsonField, 0, len(s.Fields))
		for k, fd := range s.Fields {
			for _, prev := range s.Fields[:k] {
				if prev.Name == fd.Name {
					return false
				}
			}
			fields = append(fields, jsonField{name: fd.Name, slot: len(f.plan.Slots)})
			if !f.add(fd.Schema, fd.Name, i, depth+1) {
				return false
			}
		}
		f.slots[i].fields = fields
	}
	f.plan.Slots[i].End = len(f.plan.Slots)
	return true
}

// defaultSlot is the slot form of s.Default, the value nullValue returns
// with ReplaceNullWithDefault; ok is false when it has none (a struct, or
// a Decimal schema's default that is not a Decimal).
func defaultSlot(s *Schema) (Slot, bool) {
	if _, ok := s.Default.(Decimal); s.Name == ConnectDecimal && !ok {
		return Slot{}, false // a slot under a Decimal schema is a Decimal
	}
	switch d := s.Default.(type) {
	case int64:
		return Slot{Kind: SlotInt, Int: d}, true
	case float64:
		return Slot{Kind: SlotFloat, Float: d}, true
	case bool:
		if d {
			return Slot{Kind: SlotBool, Int: 1}, true
		}
		return Slot{Kind: SlotBool}, true
	case string:
		b := []byte(d)
		return Slot{Kind: SlotBytes, Bytes: b[:len(b):len(b)]}, true
	case []byte:
		return Slot{Kind: SlotBytes, Bytes: d[:len(d):len(d)]}, true
	case Decimal:
		if d.Unscaled == nil {
			return Slot{}, false
		}
		b := twosComplement(d.Unscaled)
		return Slot{Kind: SlotBytes, Int: int64(d.Scale), Bytes: b[:len(b):len(b)]}, true
	}
	return Slot{}, false
}

// twosComplement is u as Kafka Connect encodes a decimal's unscaled value:
// big-endian two's complement in the fewest bytes (at least one).
func twosComplement(u *big.Int) []byte {
	n := u.BitLen()/8 + 1
	if u.Sign() >= 0 {
		return u.FillBytes(make([]byte, n))
	}
	m := new(big.Int).Lsh(big.NewInt(1), uint(8*n))
	return m.Add(m, u).FillBytes(make([]byte, n))
}

// DecodeFlat implements FlatConverter for records with a schema envelope
// ({"schema":S,"payload":P}); schemaless records (SchemasEnable off, or a
// null schema) are ErrNotFlat. The plan is cached beside the parsed schema
// in the converter's schema cache, so plan.Schema is the *Schema Decode
// returns for the same schema text.
func (c *JSONConverter) DecodeFlat(_ context.Context, _ string, data []byte, slots []Slot) (*FlatPlan, []Slot, error) {
	if !c.SchemasEnable || data == nil {
		return nil, slots, ErrNotFlat
	}
	s := jsonScan{jsonParser: jsonParser{b: data}, nestedSkip: true}
	s.takeScratch(slots)
	f, payload, ok := c.scanEnvelope(&s)
	if ok && payload >= 0 { // the payload came before the schema: scan it now
		s.pos = payload
		ok = s.payload(f)
	}
	if !ok {
		return nil, s.release(0), ErrNotFlat
	}
	return f.plan, s.release(len(f.plan.Slots)), nil
}

// scanEnvelope reads the envelope as Decode does: exactly the keys
// "schema" and "payload", nothing after it. When the schema comes first
// (as Kafka's converter writes it) the payload is scanned in place and
// payload is -1; otherwise it is validated and skipped, and its offset
// returned for a second pass.
func (c *JSONConverter) scanEnvelope(s *jsonScan) (f *jsonFlat, payload int, ok bool) {
	payload = -1
	s.ws()
	if s.pos >= len(s.b) || s.b[s.pos] != '{' {
		return nil, -1, false // empty, the Confluent prefix, null, not an object
	}
	s.pos++
	var haveS, haveP bool
	for n := 0; ; n++ {
		if n == 2 {
			return nil, -1, false // more keys than schema and payload
		}
		mark := len(s.scratch)
		k, ok := s.key()
		if !ok {
			return nil, -1, false
		}
		switch string(k) {
		case "schema":
			s.scratch = s.scratch[:mark]
			if haveS {
				return nil, -1, false
			}
			haveS = true
			if f, ok = c.schemaPlan(s); !ok {
				return nil, -1, false
			}
		case "payload":
			s.scratch = s.scratch[:mark]
			if haveP {
				return nil, -1, false
			}
			haveP = true
			if haveS {
				if !s.payload(f) {
					return nil, -1, false
				}
			} else {
				s.ws()
				payload = s.pos
				if !s.skip() {
					return nil, -1, false
				}
			}
		default:
			return nil, -1, false
		}
		s.ws()
		if s.pos >= len(s.b) {
			return nil, -1, false
		}
		if s.b[s.pos] == '}' {
			s.pos++
			break
		}
		if s.b[s.pos] != ',' {
			return nil, -1, false
		}
		s.pos++
	}
	if !haveS || !haveP {
		return nil, -1, false
	}
	s.ws()
	if s.pos != len(s.b) {
		return nil, -1, false
	}
	return f, payload, true
}

// jsonRecent holds the schema cache entries DecodeFlat found last, one
// per table whose records it reads in turn (replaced round-robin).
type jsonRecent struct {
	entries [8]atomic.Pointer[jsonCached]
	next    atomic.Uint32
}

// find returns the entry of the current cache generation gen whose schema
// text b begins with, or nil.
func (r *jsonRecent) find(b []byte, gen uint64) *jsonCached {
	for i := range r.entries {
		e := r.entries[i].Load()
		if e != nil && e.gen == gen && len(b) >= len(e.raw) && string(b[:len(e.raw)]) == e.raw {
			return e
		}
	}
	return nil
}

func (r *jsonRecent) add(e *jsonCached) {
	r.entries[r.next.Add(1)%uint32(len(r.entries))].Store(e)
}

// schemaPlan reads the schema value at s.pos and returns its plan, from
// the schema cache Decode uses (parsing and caching the schema on a miss);
// ok is false for a schema that does not parse or does not flatten, and
// for a null schema (schemaless).
//
// When the record's bytes at s.pos begin with the text of an entry found
// recently, that text is the schema: it is a JSON object that skip
// accepted, and an object ends at its closing brace, so skip would read
// exactly those bytes again, and the cache would return that entry for
// them (an entry stays in the cache until its generation ends). This
// spares validating and hashing the schema text of every record.
func (c *JSONConverter) schemaPlan(s *jsonScan) (*jsonFlat, bool) {
	s.ws()
	start := s.pos
	if e := c.recent.find(s.b[start:], c.gen.Load()); e != nil {
		s.pos += len(e.raw)
		f := e.flat.get(e.schema, c.ReplaceNullWithDefault)
		return f, f.plan != nil && f.replace == c.ReplaceNullWithDefault
	}
	if !s.skip() {
		return nil, false
	}
	raw := s.b[start:s.pos]
	if string(raw) == "null" {
		return nil, false
	}
	e, err := c.cached(raw)
	if err != nil {
		return nil, false
	}
	c.recent.add(e)
	f := e.flat.get(e.schema, c.ReplaceNullWithDefault)
	return f, f.plan != nil && f.replace == c.ReplaceNullWithDefault
}

// DecodeFlat implements FlatConverter: the payload after the Confluent
// prefix is scanned into the plan of the registered schema, compiled once
// per schema ID. Registry errors are returned as Decode returns them.
func (c *jsonSchemaConverter) DecodeFlat(ctx context.Context, _ string, data []byte, slots []Slot) (*FlatPlan, []Slot, error) {
	if data == nil {
		return nil, slots, ErrNotFlat
	}
	id, payload, err := parseConfluentHeader(ClassJSONSchema, data)
	if err != nil {
		return nil, slots, ErrNotFlat
	}
	f, err := c.plans.get(id, func() (*jsonFlat, error) {
		schema, err := c.schemas.get(ctx, id)
		if err != nil {
			return nil, err
		}
		return compileJSONFlat(schema, c.conv.ReplaceNullWithDefault), nil
	})
	if err != nil {
		return nil, slots, err
	}
	if f.plan == nil {
		return nil, slots, ErrNotFlat
	}
	s := jsonScan{jsonParser: jsonParser{b: payload}}
	s.takeScratch(slots)
	if !s.payload(f) {
		return nil, s.release(0), ErrNotFlat
	}
	if s.ws(); s.pos != len(s.b) {
		return nil, s.release(0), ErrNotFlat
	}
	return f.plan, s.release(len(f.plan.Slots)), nil
}

// jsonScan scans one payload into slots. Its methods report false for
// anything decodeDirect would reject (and for what they do not convert).
type jsonScan struct {
	jsonParser
	f       *jsonFlat
	in      []Slot // the caller's slots
	slots   []Slot // len(f.plan.Slots), with the scratch slot beyond
	scratch []byte
	// nestedSkip: a skipped value's nesting counts from the payload's root
	// (JSONConverter validates the whole payload with one skip first);
	// otherwise from the skipped value (jsonSchemaConverter).
	nestedSkip bool
	open       int // structs open around the current value
}

// takeScratch records the caller's slots and adopts the scratch buffer
// kept in their last element of capacity, if there is one.
func (s *jsonScan) takeScratch(slots []Slot) {
	s.in = slots
	if c := cap(slots); c > 0 {
		if last := slots[:c][c-1]; last.Kind == slotScratch {
			s.scratch = last.Bytes[:0]
		}
	}
}

// release keeps the scratch buffer in the last element of the capacity
// of the slots (the caller's, or those payload grew) and returns the first
// n of them: n is 0 after a failed scan, len(f.plan.Slots) after a good
// one (payload made room for the scratch slot beyond them).
func (s *jsonScan) release(n int) []Slot {
	slots := s.in
	if s.slots != nil {
		slots = s.slots
	}
	if c := cap(slots); c > n && cap(s.scratch) > 0 {
		slots[:c][c-1] = Slot{Kind: slotScratch, Bytes: s.scratch}
	}
	return slots[:n]
}

// payload scans the payload value at s.pos into the slots of f: the
// caller's, or new ones when they lack room for the plan's slots and the
// scratch slot beyond.
func (s *jsonScan) payload(f *jsonFlat) bool {
	n := len(f.plan.Slots)
	if c := cap(s.in); c < n+1 {
		s.slots = make([]Slot, n, n+1+n/2)
		if c > 0 && s.in[:c][c-1].Kind == slotScratch {
			s.in[:c][c-1] = Slot{} // the scratch moves: one buffer, one owner
		}
	} else {
		s.slots = s.in[:n]
	}
	s.f = f
	return s.value(0)
}

// null is nullValue for slot i: the default, an error, or null (the slot
// and, for a struct, all its fields).
func (s *jsonScan) null(i int) bool {
	js := &s.f.slots[i]
	if js.hasDef {
		if js.defBad {
			return false
		}
		s.slots[i] = js.def
		return true
	}
	if js.nullErr {
		return false
	}
	clear(s.slots[i:s.f.plan.Slots[i].End])
	return true
}

// value scans one value into slot i, as decodeDirect converts it.
func (s *jsonScan) value(i int) bool {
	s.ws()
	if s.pos >= len(s.b) {
		return false
	}
	ch := s.b[s.pos]
	if ch == 'n' {
		return s.lit("null") == nil && s.null(i)
	}
	js := &s.f.slots[i]
	sl := &s.slots[i]
	switch js.op {
	case jsonOpStruct:
		return ch == '{' && s.object(i)
	case jsonOpInt:
		if ch != '-' && (ch < '0' || ch > '9') {
			return false
		}
		num, plain, ok := s.number()
		if !ok || !plain {
			return false
		}
		v, ok := parseInt64(num)
		if !ok || !intFits(js.typ, v) {
			return false
		}
		*sl = Slot{Kind: SlotInt, Int: v}
		return true
	case jsonOpFloat:
		if ch == '"' {
			mark := len(s.scratch)
			str, ok := s.str()
			if !ok {
				return false
			}
			v, ok := nonFinite(string(str))
			s.scratch = s.scratch[:mark]
			if !ok {
				return false
			}
			*sl = Slot{Kind: SlotFloat, Float: v}
			return true
		}
		if ch != '-' && (ch < '0' || ch > '9') {
			return false
		}
		num, _, ok := s.number()
		if !ok {
			return false
		}
		v, err := strconv.ParseFloat(string(num), 64)
		if err != nil {
			return false
		}
		*sl = Slot{Kind: SlotFloat, Float: v}
		return true
	case jsonOpBool:
		switch ch {
		case 't':
			*sl = Slot{Kind: SlotBool, Int: 1}
			return s.lit("true") == nil
		case 'f':
			*sl = Slot{Kind: SlotBool}
			return s.lit("false") == nil
		}
		return false
	case jsonOpString:
		if ch != '"' {
			return false
		}
		str, ok := s.str()
		*sl = Slot{Kind: SlotBytes, Bytes: str}
		return ok
	case jsonOpBytes:
		return ch == '"' && s.base64(sl)
	case jsonOpDecimal:
		if ch == '"' {
			// base64 at the schema's scale; decimal text in a string is
			// not flat.
			if !s.base64(sl) {
				return false
			}
			sl.Int = int64(js.scale)
			return true
		}
		if ch != '-' && (ch < '0' || ch > '9') {
			return false
		}
		num, _, ok := s.number()
		return ok && s.numericDecimal(sl, num)
	}
	return false // jsonOpFail
}

// object scans a JSON object into struct slot i, as decodeStruct does.
func (s *jsonScan) object(i int) bool {
	fields := s.f.slots[i].fields
	for _, fd := range fields {
		s.slots[fd.slot].Kind = slotUnset
	}
	s.pos++ // '{'
	s.open++
	s.ws()
	if s.pos < len(s.b) && s.b[s.pos] == '}' {
		s.pos++
	} else {
		next := 0
		for {
			mark := len(s.scratch)
			k, ok := s.key()
			if !ok {
				return false
			}
			idx := -1
			if next < len(fields) && fields[next].name == string(k) {
				idx = next
			} else {
				for j := range fields {
					if fields[j].name == string(k) {
						idx = j
						break
					}
				}
			}
			s.scratch = s.scratch[:mark] // a key unescaped into the scratch
			if idx < 0 || s.slots[fields[idx].slot].Kind != slotUnset {
				if !s.skip() {
					return false
				}
			} else {
				if !s.value(fields[idx].slot) {
					return false
				}
				next = idx + 1
			}
			s.ws()
			if s.pos >= len(s.b) {
				return false
			}
			c := s.b[s.pos]
			s.pos++
			if c == '}' {
				break
			}
			if c != ',' {
				return false
			}
		}
	}
	for _, fd := range fields {
		if s.slots[fd.slot].Kind == slotUnset && !s.null(fd.slot) {
			return false
		}
	}
	s.open--
	s.slots[i] = Slot{Kind: SlotStruct}
	return true
}

// key reads an object key and the ':' after it, as jsonParser.key does;
// an unescaped key is appended to the scratch buffer.
func (s *jsonScan) key() ([]byte, bool) {
	s.ws()
	if s.pos >= len(s.b) || s.b[s.pos] != '"' {
		return nil, false
	}
	k, ok := s.str()
	if !ok {
		return nil, false
	}
	s.ws()
	if s.pos >= len(s.b) || s.b[s.pos] != ':' {
		return nil, false
	}
	s.pos++
	return k, true
}

// str reads the string whose opening quote is at s.pos, as jsonParser.str
// does: the record's bytes when they need no change, otherwise the text
// (unescaped, invalid UTF-8 replaced by U+FFFD) appended to the scratch
// buffer.
func (s *jsonScan) str() ([]byte, bool) {
	s.pos++
	start := s.pos
	ascii := true
	for s.pos < len(s.b) {
		c := s.b[s.pos]
		switch {
		case c == '"':
			v := s.b[start:s.pos:s.pos]
			s.pos++
			if ascii || utf8.Valid(v) {
				return v, true
			}
			mark := len(s.scratch)
			s.scratch = appendValidUTF8(s.scratch, v)
			return s.scratch[mark:len(s.scratch):len(s.scratch)], true
		case c == '\\':
			return s.strSlow(start)
		case c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		s.pos++
	}
	return nil, false
}

// strSlow is jsonParser.strSlow appending to the scratch buffer.
func (s *jsonScan) strSlow(start int) ([]byte, bool) {
	mark := len(s.scratch)
	s.scratch = appendValidUTF8(s.scratch, s.b[start:s.pos])
	var msg string
	if s.scratch, msg = s.appendStrRest(s.scratch); msg != "" {
		return nil, false
	}
	return s.scratch[mark:len(s.scratch):len(s.scratch)], true
}

// base64 reads a string and decodes it as base64.StdEncoding.DecodeString
// does, into the scratch buffer.
func (s *jsonScan) base64(sl *Slot) bool {
	src, ok := s.str()
	if !ok {
		return false
	}
	mark := len(s.scratch)
	need := base64.StdEncoding.DecodedLen(len(src))
	if cap(s.scratch)-mark < need {
		grown := make([]byte, mark, 2*cap(s.scratch)+need+64)
		copy(grown, s.scratch)
		s.scratch = grown // src may be in the old buffer: it is only read
	}
	n, err := base64.StdEncoding.Decode(s.scratch[mark:mark+need], src)
	if err != nil {
		return false
	}
	s.scratch = s.scratch[:mark+n]
	*sl = Slot{Kind: SlotBytes, Bytes: s.scratch[mark : mark+n : mark+n]}
	return true
}

// numericDecimal is parseDecimal for a JSON number without an exponent and
// with at most 18 digits: the unscaled value in two's complement, in the
// scratch buffer, and the text's scale (its digits after the point; the
// schema's scale plays no part, as in decodeDecimal). Anything else is not
// flat (it would need a big integer, or the exponent's rules).
func (s *jsonScan) numericDecimal(sl *Slot, num []byte) bool {
	neg := num[0] == '-'
	if neg {
		num = num[1:]
	}
	var u int64
	digits, frac := 0, -1
	for _, c := range num {
		switch {
		case c == '.':
			frac = 0
			continue
		case c < '0' || c > '9':
			return false // an exponent
		}
		if digits++; digits > 18 {
			return false
		}
		if frac >= 0 {
			frac++
		}
		u = u*10 + int64(c-'0')
	}
	if frac < 0 {
		frac = 0
	}
	if neg {
		u = -u
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(u))
	k := 0
	for k < 7 && ((b[k] == 0 && b[k+1]&0x80 == 0) || (b[k] == 0xff && b[k+1]&0x80 != 0)) {
		k++
	}
	mark := len(s.scratch)
	s.scratch = append(s.scratch, b[k:]...)
	*sl = Slot{Kind: SlotBytes, Int: int64(frac), Bytes: s.scratch[mark:len(s.scratch):len(s.scratch)]}
	return true
}

// number scans a JSON number as jsonParser.number does and returns its
// text; plain is false when it has a fraction or an exponent.
func (s *jsonScan) number() (num []byte, plain, ok bool) {
	b, i := s.b, s.pos
	if b[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if !digits() {
		return nil, false, false
	}
	plain = true
	if i < len(b) && b[i] == '.' {
		i++
		plain = false
		if !digits() {
			return nil, false, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		plain = false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false, false
		}
	}
	num = b[s.pos:i]
	s.pos = i
	return num, plain, true
}

// parseInt64 is strconv.ParseInt(num, 10, 64) for the text of a JSON
// integer (an optional '-' and digits).
func parseInt64(num []byte) (int64, bool) {
	neg := num[0] == '-'
	if neg {
		num = num[1:]
	}
	if len(num) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range num {
		u = u*10 + uint64(c-'0') // 19 digits cannot overflow a uint64
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// skip validates and skips one value as jsonParser.skip does; with
// nestedSkip the structs open around it count against maxDepth, as they
// do in the skip of the whole payload that JSONConverter.Decode makes.
func (s *jsonScan) skip() bool {
	base := 0
	if s.nestedSkip {
		base = s.open
	}
	s.ws()
	if s.pos >= len(s.b) {
		return false
	}
	switch c := s.b[s.pos]; c { // a scalar: no container stack to set up
	case '"':
		return s.skipStr() == nil
	case 't':
		return s.lit("true") == nil
	case 'f':
		return s.lit("false") == nil
	case 'n':
		return s.lit("null") == nil
	case '{', '[':
		return s.skipContainer(base)
	default:
		if c != '-' && (c < '0' || c > '9') {
			return false
		}
		_, _, ok := s.number()
		return ok
	}
}

// skipContainer is skip for an object or an array.
func (s *jsonScan) skipContainer(base int) bool {
	var stack [maxDepth + 1]byte
	depth := 0
	for {
		s.ws()
		if s.pos >= len(s.b) {
			return false
		}
		switch c := s.b[s.pos]; c {
		case '{', '[':
			if base+depth >= maxDepth {
				return false
			}
			stack[depth] = c
			depth++
			s.pos++
			s.ws()
			if s.pos < len(s.b) && s.b[s.pos] == c+2 {
				s.pos++
				depth--
				break
			}
			if c == '{' && s.skipKey() != nil {
				return false
			}
			continue
		case '"':
			if s.skipStr() != nil {
				return false
			}
		case 't':
			if s.lit("true") != nil {
				return false
			}
		case 'f':
			if s.lit("false") != nil {
				return false
			}
		case 'n':
			if s.lit("null") != nil {
				return false
			}
		default:
			if c != '-' && (c < '0' || c > '9') {
				return false
			}
			if _, _, ok := s.number(); !ok {
				return false
			}
		}
		for {
			if depth == 0 {
				return true
			}
			s.ws()
			if s.pos >= len(s.b) {
				return false
			}
			if s.b[s.pos] == stack[depth-1]+2 {
				s.pos++
				depth--
				continue
			}
			if s.b[s.pos] != ',' {
				return false
			}
			s.pos++
			if stack[depth-1] == '{' && s.skipKey() != nil {
				return false
			}
			break
		}
	}
}
