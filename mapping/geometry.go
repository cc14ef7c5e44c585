package mapping

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"

	"github.com/starcdc/starcdc/decode"
)

// GeometryFormat is how Debezium geometry values are sent (StarRocks has no
// geometry type: they go into VARCHAR columns).
type GeometryFormat uint8

// The geometry formats.
const (
	// GeometryWKT sends well-known text, e.g. "POINT(1 1)", the form
	// MySQL's ST_AsText prints and StarRocks' ST_GeomFromText reads.
	GeometryWKT GeometryFormat = iota
	// GeometryWKBHex sends the well-known binary as hex text.
	GeometryWKBHex
)

// appendGeometry renders a Debezium geometry struct {wkb, srid} (Point also
// carries x, y).
func (e *Encoder) appendGeometry(dst []byte, v any) ([]byte, error) {
	st, ok := v.(*decode.Struct)
	if !ok {
		return dst, fmt.Errorf("%w: geometry value is %T, want a struct", ErrValue, v)
	}
	raw, _ := st.Get("wkb")
	wkb, _ := raw.([]byte)
	if wkb == nil {
		// A Point may come without wkb: build it from x and y.
		x, okx := st.Get("x")
		y, oky := st.Get("y")
		xf, ok1 := x.(float64)
		yf, ok2 := y.(float64)
		if !okx || !oky || !ok1 || !ok2 {
			return dst, fmt.Errorf("%w: geometry has neither wkb nor x/y", ErrValue)
		}
		return e.appendPoint(dst, xf, yf)
	}
	return e.appendWKB(dst, wkb)
}

// appendPoint renders the Point at x, y (a Point sent without wkb).
func (e *Encoder) appendPoint(dst []byte, x, y float64) ([]byte, error) {
	var b [21]byte
	wkb := binary.LittleEndian.AppendUint32(append(b[:0], 1), 1)
	wkb = binary.LittleEndian.AppendUint64(wkb, math.Float64bits(x))
	wkb = binary.LittleEndian.AppendUint64(wkb, math.Float64bits(y))
	return e.appendWKB(dst, wkb)
}

// appendWKB renders a geometry's well-known binary as the Encoder's
// Geometry format: WKT or hex WKB, quoted.
func (e *Encoder) appendWKB(dst, wkb []byte) ([]byte, error) {
	dst = append(dst, '"')
	if e.Geometry == GeometryWKBHex {
		dst = hex.AppendEncode(dst, wkb)
		return append(dst, '"'), nil
	}
	p := wkbParser{b: wkb}
	out, err := p.geometry(dst, 0)
	if err != nil {
		return dst, fmt.Errorf("%w: invalid WKB: %v", ErrValue, err)
	}
	if p.i != len(wkb) {
		return dst, fmt.Errorf("%w: invalid WKB: %d trailing bytes", ErrValue, len(wkb)-p.i)
	}
	return append(out, '"'), nil
}

// wkbParser converts OGC WKB (and PostGIS EWKB flags) to WKT.
type wkbParser struct {
	b   []byte
	i   int
	big bool // the byte order (a flag, not a binary.ByteOrder: an interface call would move the bytes to the heap)
}

var wkbNames = [...]string{1: "POINT", 2: "LINESTRING", 3: "POLYGON", 4: "MULTIPOINT", 5: "MULTILINESTRING", 6: "MULTIPOLYGON", 7: "GEOMETRYCOLLECTION"}

func (p *wkbParser) u32() (uint32, error) {
	if p.i+4 > len(p.b) {
		return 0, fmt.Errorf("truncated at byte %d", p.i)
	}
	v := binary.LittleEndian.Uint32(p.b[p.i:])
	if p.big {
		v = binary.BigEndian.Uint32(p.b[p.i:])
	}
	p.i += 4
	return v, nil
}

func (p *wkbParser) f64() (float64, error) {
	if p.i+8 > len(p.b) {
		return 0, fmt.Errorf("truncated at byte %d", p.i)
	}
	bits := binary.LittleEndian.Uint64(p.b[p.i:])
	if p.big {
		bits = binary.BigEndian.Uint64(p.b[p.i:])
	}
	v := math.Float64frombits(bits)
	p.i += 8
	return v, nil
}

// header reads byte order and type; dims is 2, 3 or 4.
func (p *wkbParser) header() (typ uint32, dims int, err error) {
	if p.i >= len(p.b) {
		return 0, 0, fmt.Errorf("truncated at byte %d", p.i)
	}
	switch p.b[p.i] {
	case 0:
		p.big = true
	case 1:
		p.big = false
	default:
		return 0, 0, fmt.Errorf("bad byte order %d", p.b[p.i])
	}
	p.i++
	t, err := p.u32()
	if err != nil {
		return 0, 0, err
	}
	dims = 2
	if t&0x80000000 != 0 { // EWKB Z
		dims++
	}
	if t&0x40000000 != 0 { // EWKB M
		dims++
	}
	if t&0x20000000 != 0 { // EWKB SRID
		if _, err := p.u32(); err != nil {
			return 0, 0, err
		}
	}
	t &= 0x0fffffff
	switch t / 1000 { // ISO Z / M / ZM
	case 1, 2:
		dims++
	case 3:
		dims += 2
	}
	t %= 1000
	if t == 0 || int(t) >= len(wkbNames) {
		return 0, 0, fmt.Errorf("unknown geometry type %d", t)
	}
	return t, dims, nil
}

func (p *wkbParser) point(dst []byte, dims int) ([]byte, error) {
	for d := 0; d < dims; d++ {
		f, err := p.f64()
		if err != nil {
			return dst, err
		}
		if d > 0 {
			dst = append(dst, ' ')
		}
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	return dst, nil
}

func (p *wkbParser) count() (int, error) {
	n, err := p.u32()
	if err != nil {
		return 0, err
	}
	if int64(n) > int64(len(p.b)) { // every element takes at least a byte
		return 0, fmt.Errorf("count %d exceeds the data", n)
	}
	return int(n), nil
}

// list writes "(e1,e2,...)" for a counted list of elements.
func (p *wkbParser) list(dst []byte, elem func([]byte) ([]byte, error)) ([]byte, error) {
	n, err := p.count()
	if err != nil {
		return dst, err
	}
	dst = append(dst, '(')
	for j := 0; j < n; j++ {
		if j > 0 {
			dst = append(dst, ',')
		}
		if dst, err = elem(dst); err != nil {
			return dst, err
		}
	}
	return append(dst, ')'), nil
}

func (p *wkbParser) points(dst []byte, dims int) ([]byte, error) {
	return p.list(dst, func(d []byte) ([]byte, error) { return p.point(d, dims) })
}

func (p *wkbParser) rings(dst []byte, dims int) ([]byte, error) {
	return p.list(dst, func(d []byte) ([]byte, error) { return p.points(d, dims) })
}

func (p *wkbParser) geometry(dst []byte, depth int) ([]byte, error) {
	if depth > 32 {
		return dst, fmt.Errorf("geometry collections nested too deeply")
	}
	typ, dims, err := p.header()
	if err != nil {
		return dst, err
	}
	dst = append(dst, wkbNames[typ]...)
	if typ <= 3 {
		return p.body(dst, typ, dims)
	}
	// Multi* and collections: n nested geometries, each with its header.
	return p.list(dst, func(d []byte) ([]byte, error) {
		if typ == 7 {
			return p.geometry(d, depth+1)
		}
		sub, subDims, err := p.header()
		if err != nil {
			return d, err
		}
		if sub != typ-3 {
			return d, fmt.Errorf("%s holds a %s", wkbNames[typ], wkbNames[sub])
		}
		return p.body(d, sub, subDims)
	})
}

// body writes the parenthesised coordinates of a point (1), line (2) or
// polygon (3).
func (p *wkbParser) body(dst []byte, typ uint32, dims int) ([]byte, error) {
	switch typ {
	case 1:
		dst = append(dst, '(')
		dst, err := p.point(dst, dims)
		if err != nil {
			return dst, err
		}
		return append(dst, ')'), nil
	case 2:
		return p.points(dst, dims)
	}
	return p.rings(dst, dims)
}
