package decode

import (
	"encoding/binary"
	"fmt"
	"math"
)

// An Avro binary datum is read strictly against the compiled avroNode tree
// (avroschema.go): zig-zag varints, length-prefixed bytes and strings,
// blocked arrays and maps, union indexes. A truncated datum, trailing bytes,
// an out-of-range index or an element count the record cannot hold are
// ErrMalformed.

// avroReader is a strict reader over one Avro datum. Strings and bytes are
// sliced out of one copy of the payload per record (see payloadCopy), so
// decoded values never alias the caller's buffer.
type avroReader struct {
	b      []byte
	pos    int
	err    error
	copies payloadCopy // of b
	budget int         // array/map elements still allowed
}

var errAvroShort = fmt.Errorf("%w: the Avro datum is truncated (the record is shorter than its schema requires); check that the producer used the schema the ID names", ErrMalformed)

func (r *avroReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.pos = len(r.b)
}

func (r *avroReader) long() int64 {
	var v uint64
	var shift uint
	for i := 0; ; i++ {
		if r.pos >= len(r.b) {
			r.fail(errAvroShort)
			return 0
		}
		c := r.b[r.pos]
		r.pos++
		if i == 9 && c > 1 {
			r.fail(fmt.Errorf("%w: an Avro varint overflows 64 bits", ErrMalformed))
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
		shift += 7
	}
	return int64(v>>1) ^ -int64(v&1)
}

func (r *avroReader) int() int64 {
	v := r.long()
	if v < math.MinInt32 || v > math.MaxInt32 {
		r.fail(fmt.Errorf("%w: an Avro int is out of the 32-bit range", ErrMalformed))
		return 0
	}
	return v
}

// span returns the bounds of the next length-prefixed bytes/string.
func (r *avroReader) span() (int, int, bool) {
	n := r.long()
	if r.err != nil {
		return 0, 0, false
	}
	if n < 0 || n > int64(len(r.b)-r.pos) {
		if n < 0 {
			r.fail(fmt.Errorf("%w: negative Avro length %d", ErrMalformed, n))
		} else {
			r.fail(errAvroShort)
		}
		return 0, 0, false
	}
	start := r.pos
	r.pos += int(n)
	return start, r.pos, true
}

func (r *avroReader) string() string {
	s, e, ok := r.span()
	if !ok {
		return ""
	}
	return r.copies.string(r.b, s, e)
}

func (r *avroReader) bytesAt(s, e int) []byte {
	return r.copies.bytes(r.b, s, e)
}

func (r *avroReader) bytes() []byte {
	s, e, ok := r.span()
	if !ok {
		return nil
	}
	return r.bytesAt(s, e)
}

func (r *avroReader) fixed(n int) (int, int, bool) {
	if n > len(r.b)-r.pos {
		r.fail(errAvroShort)
		return 0, 0, false
	}
	s := r.pos
	r.pos += n
	return s, r.pos, true
}

// blockCount reads an array/map block header and charges the element budget.
func (r *avroReader) blockCount() int {
	n := r.long()
	if n < 0 {
		if n == math.MinInt64 {
			r.fail(fmt.Errorf("%w: invalid Avro block count", ErrMalformed))
			return 0
		}
		n = -n
		r.long() // block size in bytes
	}
	if r.err != nil {
		return 0
	}
	if n > int64(r.budget) {
		r.fail(fmt.Errorf("%w: an Avro array or map claims %d elements, more than the record can hold", ErrMalformed, n))
		return 0
	}
	r.budget -= int(n)
	return int(n)
}

// decodeAvro decodes one datum strictly: a short datum or trailing bytes are
// ErrMalformed.
func decodeAvro(n *avroNode, payload []byte) (any, error) {
	r := avroReader{b: payload, budget: 8*len(payload) + 4096}
	v := r.read(n, 0)
	if r.err != nil {
		return nil, r.err
	}
	if r.pos != len(payload) {
		return nil, fmt.Errorf("%w: %d trailing bytes after the Avro datum; check that the producer used the schema the ID names", ErrMalformed, len(payload)-r.pos)
	}
	return v, nil
}

func (r *avroReader) read(n *avroNode, depth int) any {
	if r.err != nil {
		return nil
	}
	switch n.kind {
	case akNull:
		return nil
	case akBool:
		if r.pos >= len(r.b) {
			r.fail(errAvroShort)
			return nil
		}
		c := r.b[r.pos]
		r.pos++
		if c > 1 {
			r.fail(fmt.Errorf("%w: invalid Avro boolean byte 0x%02x", ErrMalformed, c))
			return nil
		}
		return c == 1
	case akInt:
		v := r.int()
		if !intFits(n.schema.Type, v) {
			r.fail(fmt.Errorf("%w: %d is out of range for %s", ErrMalformed, v, n.schema.Type))
		}
		return v
	case akLong:
		return r.long()
	case akFloat:
		s, _, ok := r.fixed(4)
		if !ok {
			return nil
		}
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(r.b[s:])))
	case akDouble:
		s, _, ok := r.fixed(8)
		if !ok {
			return nil
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(r.b[s:]))
	case akBytes:
		return r.bytes()
	case akString:
		return r.string()
	case akFixed:
		s, e, ok := r.fixed(n.size)
		if !ok {
			return nil
		}
		return r.bytesAt(s, e)
	case akDecimalBytes:
		s, e, ok := r.span()
		if !ok {
			return nil
		}
		return DecimalFromBytes(r.b[s:e], n.scale)
	case akDecimalFixed:
		s, e, ok := r.fixed(n.size)
		if !ok {
			return nil
		}
		return DecimalFromBytes(r.b[s:e], n.scale)
	case akEnum:
		i := r.int()
		if i < 0 || int(i) >= len(n.symbols) {
			r.fail(fmt.Errorf("%w: Avro enum index %d out of range", ErrMalformed, i))
			return nil
		}
		return n.symbols[i]
	case akRecord:
		vals := make([]any, len(n.fields))
		for i, f := range n.fields {
			vals[i] = r.read(f, depth+1)
		}
		return &Struct{Schema: n.schema, Names: n.names, Values: vals}
	case akOptional:
		i := r.long()
		switch {
		case i == int64(n.null):
			return nil
		case i == int64(1-n.null):
			return r.read(n.elem, depth)
		}
		r.fail(fmt.Errorf("%w: Avro union index %d out of range", ErrMalformed, i))
		return nil
	case akSingle:
		if i := r.long(); i != 0 {
			r.fail(fmt.Errorf("%w: Avro union index %d out of range", ErrMalformed, i))
			return nil
		}
		return r.read(n.elem, depth)
	case akUnion:
		i := r.long()
		if i < 0 || i >= int64(len(n.branches)) {
			r.fail(fmt.Errorf("%w: Avro union index %d out of range", ErrMalformed, i))
			return nil
		}
		if n.slots[i] < 0 {
			return nil
		}
		vals := make([]any, len(n.names))
		vals[n.slots[i]] = r.read(n.branches[i], depth+1)
		return &Struct{Schema: n.schema, Names: n.names, Values: vals}
	case akArray:
		var out []any
		for {
			c := r.blockCount()
			if c == 0 || r.err != nil {
				break
			}
			if out == nil {
				out = make([]any, 0, min(c, len(r.b)-r.pos+1))
			}
			for ; c > 0 && r.err == nil; c-- {
				out = append(out, r.read(n.elem, depth+1))
			}
		}
		if out == nil {
			out = []any{}
		}
		return out
	case akMap, akMapEntries:
		out := map[string]any{}
		for {
			c := r.blockCount()
			if c == 0 || r.err != nil {
				break
			}
			for ; c > 0 && r.err == nil; c-- {
				var k string
				if n.kind == akMap {
					k = r.string()
				} else {
					k = mapKeyText(r.read(n.key, depth+1))
				}
				out[k] = r.read(n.elem, depth+1)
			}
		}
		return out
	}
	r.fail(fmt.Errorf("%w: unknown Avro node", ErrMalformed))
	return nil
}
