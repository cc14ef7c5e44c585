package mapping

import (
	"errors"
	"fmt"
	"strconv"
	"unsafe"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
)

// The compiled row writer is the encoding half of the compiled hot path:
// a FlatRow, compiled once per row schema of a decode.FlatPlan, encoder
// and table types, appends a row read flat (decode.FlatConverter's slots)
// as exactly the bytes the RowEncoder's EncodeRow appends for the same
// row as a cdc.Change, without a value tree and without allocating. It
// renders every value with the Encoder's own per-value functions; for a
// value it would have to refuse (any ErrValue of the generic encoder) it
// answers decode.ErrNotFlat, and the caller encodes the record from its
// value tree, which produces the error.

// ErrNotCompilable means CompileFlat has no compiled writer for a row: a
// column whose schema it does not compile (arrays, maps, a
// logical type on an unexpected physical type) or an encoder other than
// Encoder and CSV. Rows of that schema are encoded from their value tree.
var ErrNotCompilable = errors.New("the row has no compiled writer")

// FlatRow appends the rows held at one struct slot of a FlatPlan. Compile
// it with CompileFlat; it is read-only and safe for concurrent use.
type FlatRow struct {
	enc        *Encoder
	csv        bool
	sep, delim []byte // CSV
	cols       []flatCol
	columns    string
}

// flatCol is one column of the row.
type flatCol struct {
	slot   int
	key    []byte // JSON: the quoted key and ':'
	hex    bool   // JSON: a VARBINARY column's hex (Encoder.Varbinary)
	typed  bool   // JSON: the column's type in TargetTypes renders an untyped value
	target string // that type
	val    flatVal
}

// valKind is how a value is rendered: one case of Encoder.appendValue.
type valKind uint8

const (
	vBool valKind = iota
	vInt
	vFloat
	vText
	vBase64
	vDecimal
	vVariableDecimal
	vDate
	vTimestamp
	vZoned
	vTime
	vJSONDoc
	vGeometry
	vStruct
)

// flatVal renders the value of one slot, as appendValue renders it for
// its schema.
type flatVal struct {
	kind     valKind
	name     string         // the logical type's name
	unsigned bool           // vInt: BIGINT UNSIGNED
	limited  bool           // vText: a VARCHAR's length limit applies
	bits     int            // vFloat
	fits     *decode.Schema // vDecimal: what fitsDecimal checks, nil when any value fits
	schema   *decode.Schema
	a, b     int        // vVariableDecimal: the slots of scale and value; vGeometry: of x and y
	wkb      int        // vGeometry: the slot of wkb, -1 when none
	fields   []flatNode // vStruct
}

// flatNode is one field of a struct value.
type flatNode struct {
	slot int
	key  []byte
	val  flatVal
}

// maxFlatDepth is appendValue's nesting limit.
const maxFlatDepth = 256

// CompileFlat compiles the writer of the rows at the struct slot row of
// plan for enc (an *Encoder or a *CSV) and the table's column types (nil
// when none, or when enc is not Typed). It returns ErrNotCompilable when
// some column has no compiled form.
func CompileFlat(enc RowEncoder, plan *decode.FlatPlan, row int, types TargetTypes) (*FlatRow, error) {
	w := &FlatRow{}
	switch e := enc.(type) {
	case *Encoder:
		w.enc = e
	case *CSV:
		if e.Encoder == nil {
			return nil, fmt.Errorf("%w: a CSV without an Encoder", ErrNotCompilable)
		}
		w.enc, w.csv = e.Encoder, true
		w.sep, w.delim = e.separators()
		types = nil // CSV does not use column types
	default:
		return nil, fmt.Errorf("%w: encoder %T", ErrNotCompilable, enc)
	}
	if plan == nil || row < 0 || row >= len(plan.Slots) || plan.Slots[row].Schema == nil || plan.Slots[row].Schema.Type != decode.TypeStruct {
		return nil, fmt.Errorf("%w: slot %d is not a struct", ErrNotCompilable, row)
	}
	rs := plan.Slots[row].Schema
	var names []string
	for i := row + 1; i < plan.Slots[row].End; i = plan.Slots[i].End {
		name := plan.Slots[i].Name
		names = append(names, name)
		if name == OpColumn {
			continue
		}
		fs := fieldSchema(rs, name)
		if fs == nil || fs != plan.Slots[i].Schema {
			return nil, fmt.Errorf("%w: column %s is not the schema's field of that name", ErrNotCompilable, name)
		}
		c := flatCol{slot: i}
		if !w.csv {
			if w.enc.isBinary(fs) {
				c.hex = true
				c.key = append(appendString(nil, binaryPrefix+name), ':')
			} else {
				c.key = append(appendString(nil, name), ':')
			}
			if target, ok := types[name]; ok && untyped(fs) {
				c.typed, c.target = true, target
			}
		}
		if !c.hex {
			var err error
			if c.val, err = compileVal(plan, i, fs, 0); err != nil {
				return nil, fmt.Errorf("column %s: %w", name, err)
			}
		}
		w.cols = append(w.cols, c)
	}
	// The headers depend on the names and schemas only: ask the encoder
	// for them with a row of nulls.
	shape := cdc.Change{Row: &decode.Struct{Schema: rs, Names: names, Values: make([]any, len(names))}}
	if w.csv {
		_, cols, err := enc.(*CSV).AppendRow(nil, shape)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotCompilable, err)
		}
		w.columns = cols
	} else {
		w.columns = w.enc.Columns(shape)
	}
	return w, nil
}

// fieldSchema is Struct.FieldSchema's rule: the schema of the first field
// called name.
func fieldSchema(s *decode.Schema, name string) *decode.Schema {
	if f := s.Field(name); f != nil {
		return f.Schema
	}
	return nil
}

func isInt(t decode.Type) bool {
	return t == decode.TypeInt8 || t == decode.TypeInt16 || t == decode.TypeInt32 || t == decode.TypeInt64
}

// compileVal compiles the rendering of slot i, whose schema is s, as
// appendValue renders its values: a logical type first (appendLogical),
// then the Go type decode gives the schema's values.
func compileVal(plan *decode.FlatPlan, i int, s *decode.Schema, depth int) (flatVal, error) {
	v := flatVal{schema: s, name: s.Name}
	if depth > maxFlatDepth {
		return v, fmt.Errorf("%w: nested deeper than %d levels", ErrNotCompilable, maxFlatDepth)
	}
	unexpected := func() (flatVal, error) {
		return v, fmt.Errorf("%w: logical type %s on a %s", ErrNotCompilable, s.Name, s.Type)
	}
	switch s.Name {
	case "":
	case decode.ConnectDate, cdc.Date:
		if !isInt(s.Type) {
			return unexpected()
		}
		v.kind = vDate
		return v, nil
	case decode.ConnectTimestamp, cdc.Timestamp, cdc.MicroTimestamp, cdc.NanoTimestamp:
		if !isInt(s.Type) {
			return unexpected()
		}
		v.kind = vTimestamp
		return v, nil
	case cdc.ZonedTimestamp:
		if s.Type != decode.TypeString {
			return unexpected()
		}
		v.kind = vZoned
		return v, nil
	case decode.ConnectTime, cdc.Time, cdc.MicroTime, cdc.NanoTime:
		if !isInt(s.Type) {
			return unexpected()
		}
		v.kind = vTime
		return v, nil
	case cdc.JSON:
		if s.Type == decode.TypeString {
			v.kind = vJSONDoc
			return v, nil
		}
	case cdc.VariableScaleDecimal:
		if s.Type == decode.TypeStruct {
			v.a, v.b = plan.Field(i, "scale"), plan.Field(i, "value")
			if v.a < 0 || v.b < 0 || !isInt(plan.Slots[v.a].Schema.Type) ||
				plan.Slots[v.b].Schema.Type != decode.TypeBytes || plan.Slots[v.b].Schema.Name == decode.ConnectDecimal {
				return unexpected()
			}
			v.kind = vVariableDecimal
			return v, nil
		}
	case cdc.Point, cdc.Geometry, cdc.Geography:
		// appendGeometry reads wkb, else x and y, from the struct.
		if s.Type != decode.TypeStruct {
			return unexpected()
		}
		v.wkb, v.a, v.b = plan.Field(i, "wkb"), plan.Field(i, "x"), plan.Field(i, "y")
		if v.wkb >= 0 && (plan.Slots[v.wkb].Schema.Type != decode.TypeBytes || plan.Slots[v.wkb].Schema.Name == decode.ConnectDecimal) {
			return unexpected()
		}
		v.kind = vGeometry
		return v, nil
	case decode.ConnectDecimal:
		// decode gives every value of this name as a Decimal; its slot
		// holds the Decimal's own scale (decode.SlotBytes). fitsDecimal
		// reads the column's DECIMAL(p,s) from the parameters: it is
		// asked about a schema holding the same p and s as plain
		// integers, which it reads without allocating (a missing
		// parameter would cost strconv's error on every row).
		v.kind = vDecimal
		if p, sc, ok := decimalPrecision(s, TypeOptions{Decimal256: true}); ok {
			v.fits = &decode.Schema{Type: s.Type, Name: s.Name, Parameters: map[string]string{
				decode.DecimalPrecisionParam: strconv.Itoa(p), decode.DecimalScaleParam: strconv.Itoa(sc)}}
		}
		return v, nil
	}
	switch s.Type {
	case decode.TypeBoolean:
		v.kind = vBool
	case decode.TypeInt8, decode.TypeInt16, decode.TypeInt32, decode.TypeInt64:
		v.kind, v.unsigned = vInt, isUnsignedBigint(s)
	case decode.TypeFloat32, decode.TypeFloat64:
		v.kind, v.bits = vFloat, floatBits(s)
	case decode.TypeString:
		v.kind, v.limited = vText, s.Name == ""
	case decode.TypeBytes:
		v.kind = vBase64
	case decode.TypeStruct:
		v.kind = vStruct
		for j := i + 1; j < plan.Slots[i].End; j = plan.Slots[j].End {
			name := plan.Slots[j].Name
			fs := fieldSchema(s, name)
			if fs == nil || fs != plan.Slots[j].Schema {
				return v, fmt.Errorf("%w: field %s is not the schema's field of that name", ErrNotCompilable, name)
			}
			fv, err := compileVal(plan, j, fs, depth+1)
			if err != nil {
				return v, err
			}
			v.fields = append(v.fields, flatNode{slot: j, key: append(appendString(nil, name), ':'), val: fv})
		}
	default:
		return v, fmt.Errorf("%w: type %s", ErrNotCompilable, s.Type)
	}
	return v, nil
}

// Columns is the Stream Load "columns" header of every row the writer
// appends (EncodeRow's; "" when StarRocks' default is right). Its rows
// are never partial updates.
func (w *FlatRow) Columns() string { return w.columns }

// Append appends the row held in slots (a flat read of the writer's plan
// whose row slot is a present struct) with the operation op, exactly as
// EncodeRow appends cdc.Change{Op: op, Row: that row} with no Unavailable
// columns, for the writer's table types. It returns decode.ErrNotFlat,
// having appended some bytes or none, when the row must be encoded from
// its value tree: a value the encoder refuses (the generic path then
// gives its error), or a slot that is not what the plan's schema makes
// it. It does not allocate, except for decimals of more than 8 bytes and
// typed JSON text.
func (w *FlatRow) Append(dst []byte, slots []decode.Slot, op cdc.Op) ([]byte, error) {
	var err error
	if w.csv {
		for k := range w.cols {
			c := &w.cols[k]
			start := len(dst)
			if dst, err = w.value(dst, slots, &c.val, c.slot); err != nil {
				return dst, err
			}
			// The JSON text just appended becomes the field in place.
			if dst, err = appendField(dst[:start], dst[start:], w.sep, w.delim); err != nil {
				return dst, decode.ErrNotFlat
			}
			dst = append(dst, w.sep...)
		}
		return append(dst, byte('0'+op)), nil
	}
	dst = append(dst, '{')
	for k := range w.cols {
		c := &w.cols[k]
		dst = append(dst, c.key...)
		s := &slots[c.slot]
		if c.hex {
			switch s.Kind {
			case decode.SlotBytes:
				dst = appendHex(dst, s.Bytes)
			case decode.SlotNull:
				dst = append(dst, "null"...)
			default:
				return dst, decode.ErrNotFlat
			}
			dst = append(dst, ',')
			continue
		}
		if c.typed && s.Kind != decode.SlotNull {
			var done bool
			switch s.Kind {
			case decode.SlotInt:
				dst, done, err = w.enc.appendIntByTarget(dst, c.target, s.Int)
			case decode.SlotBytes:
				dst, done, err = w.enc.appendTextByTarget(dst, c.target, text(s.Bytes))
			}
			if err != nil {
				return dst, decode.ErrNotFlat
			}
			if done {
				dst = append(dst, ',')
				continue
			}
		}
		if dst, err = w.value(dst, slots, &c.val, c.slot); err != nil {
			return dst, err
		}
		dst = append(dst, ',')
	}
	dst = append(dst, `"__op":`...)
	dst = strconv.AppendUint(dst, uint64(op), 10)
	return append(dst, '}'), nil
}

// value appends the value of slot i as v renders it.
func (w *FlatRow) value(dst []byte, slots []decode.Slot, v *flatVal, i int) ([]byte, error) {
	s := &slots[i]
	if s.Kind == decode.SlotNull {
		return append(dst, "null"...), nil
	}
	var err error
	switch v.kind {
	case vBool:
		if s.Kind == decode.SlotBool {
			return strconv.AppendBool(dst, s.Int != 0), nil
		}
	case vInt:
		if s.Kind == decode.SlotInt {
			return appendInt(dst, s.Int, v.unsigned), nil
		}
	case vFloat:
		if s.Kind == decode.SlotFloat {
			dst, err = appendFloat(dst, s.Float, v.bits)
			return dst, notFlat(err)
		}
	case vText:
		if s.Kind == decode.SlotBytes {
			dst, err = appendText(dst, text(s.Bytes), v.limited)
			return dst, notFlat(err)
		}
	case vBase64:
		if s.Kind == decode.SlotBytes {
			return appendBase64(dst, s.Bytes), nil
		}
	case vDecimal:
		// As appendLogical: the text at the value's scale, whatever the
		// schema's, refused when the schema's DECIMAL cannot hold it.
		if s.Kind == decode.SlotBytes && checkScale(s.Int) == nil {
			start := len(dst)
			dst = decode.AppendDecimalBytes(dst, s.Bytes, int32(s.Int))
			if v.fits == nil {
				return dst, nil
			}
			return dst, notFlat(fitsDecimal(v.fits, dst[start:]))
		}
	case vVariableDecimal:
		sc, b := &slots[v.a], &slots[v.b]
		if s.Kind == decode.SlotStruct && sc.Kind == decode.SlotInt && b.Kind == decode.SlotBytes && checkScale(sc.Int) == nil {
			return decode.AppendDecimalBytes(dst, b.Bytes, int32(sc.Int)), nil
		}
	case vDate:
		if s.Kind == decode.SlotInt {
			dst, err = appendDate(dst, v.name, s.Int)
			return dst, notFlat(err)
		}
	case vTimestamp:
		if s.Kind == decode.SlotInt {
			dst, err = appendTimestamp(dst, v.name, s.Int)
			return dst, notFlat(err)
		}
	case vZoned:
		if s.Kind == decode.SlotBytes {
			dst, err = w.enc.appendZoned(dst, v.name, text(s.Bytes))
			return dst, notFlat(err)
		}
	case vTime:
		if s.Kind == decode.SlotInt {
			return appendTime(dst, v.name, s.Int), nil
		}
	case vJSONDoc:
		if s.Kind == decode.SlotBytes {
			dst, err = appendJSONDoc(dst, v.name, s.Bytes)
			return dst, notFlat(err)
		}
	case vGeometry:
		if s.Kind != decode.SlotStruct {
			break
		}
		if v.wkb >= 0 && slots[v.wkb].Kind == decode.SlotBytes {
			// Empty bytes may be a nil []byte (then x and y count) or
			// an empty one: the value tree tells.
			if len(slots[v.wkb].Bytes) > 0 {
				dst, err = w.enc.appendWKB(dst, slots[v.wkb].Bytes)
				return dst, notFlat(err)
			}
		} else if v.a >= 0 && v.b >= 0 && slots[v.a].Kind == decode.SlotFloat && slots[v.b].Kind == decode.SlotFloat {
			dst, err = w.enc.appendPoint(dst, slots[v.a].Float, slots[v.b].Float)
			return dst, notFlat(err)
		}
	case vStruct:
		if s.Kind == decode.SlotStruct {
			dst = append(dst, '{')
			for k := range v.fields {
				f := &v.fields[k]
				if k > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, f.key...)
				if dst, err = w.value(dst, slots, &f.val, f.slot); err != nil {
					return dst, err
				}
			}
			return append(dst, '}'), nil
		}
	}
	return dst, decode.ErrNotFlat
}

// notFlat turns an encoder's refusal into decode.ErrNotFlat: the generic
// path encodes the record again and reports the error as it words it.
func notFlat(err error) error {
	if err != nil {
		return decode.ErrNotFlat
	}
	return nil
}

// text views a slot's bytes as a string without copying, for the
// per-value functions that take one. The string must not outlive the
// call: the slots are reused by the next read (the functions copy what
// they keep; an error that holds it is never returned, see notFlat).
func text(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
