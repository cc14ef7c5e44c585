// Package flattest lays decoded value trees into the slots of a flat read
// (decode.FlatPlan, decode.Slot), as decode.FlatConverter's contract says a
// flat reader must, for the tests of the packages that read slots (cdc,
// mapping, pipeline): one layout rule, so that those tests agree with each
// other and with the contract. It imports only decode.
package flattest

import (
	"math/big"
	"testing"

	"github.com/starcdc/starcdc/decode"
)

// Plan lays schema s out as a flat plan: slot 0 is s, each struct's fields
// follow it depth first. ok is false when s has no flat form (nil, an
// array or a map anywhere).
func Plan(s *decode.Schema) (_ *decode.FlatPlan, ok bool) {
	if s == nil {
		return nil, false
	}
	p := &decode.FlatPlan{Schema: s}
	if !lay(p, s, "", -1) {
		return nil, false
	}
	return p, true
}

func lay(p *decode.FlatPlan, s *decode.Schema, name string, parent int) bool {
	i := len(p.Slots)
	p.Slots = append(p.Slots, decode.FlatSlot{Schema: s, Name: name, Parent: parent})
	switch s.Type {
	case decode.TypeArray, decode.TypeMap, decode.TypeInvalid:
		return false
	case decode.TypeStruct:
		for _, f := range s.Fields {
			if !lay(p, f.Schema, f.Name, i) {
				return false
			}
		}
	}
	p.Slots[i].End = len(p.Slots)
	return true
}

// Fill lays v into slot i of p (and a struct's fields after it) and returns
// the slot after it; ok is false when v has no flat form under p. It
// reuses each slot's Bytes buffer and leaves the fields a kind does not set
// as they were, so that a reader that keeps bytes past the next read, or
// reads a field its kind does not set, sees wrong values. A decimal is its
// unscaled two's-complement bytes with the scale in Int, and only under a
// Decimal schema, as the contract says.
func Fill(p *decode.FlatPlan, slots []decode.Slot, i int, v any) (int, bool) {
	ps, sl := p.Slots[i], &slots[i]
	if v == nil {
		for j := i; j < ps.End; j++ {
			slots[j].Kind = decode.SlotNull
		}
		return ps.End, true
	}
	switch x := v.(type) {
	case *decode.Struct:
		if x.Schema != ps.Schema {
			return 0, false
		}
		sl.Kind = decode.SlotStruct
		j := i + 1
		for k, name := range x.Names {
			if j >= ps.End || p.Slots[j].Name != name {
				return 0, false
			}
			var ok bool
			if j, ok = Fill(p, slots, j, x.Values[k]); !ok {
				return 0, false
			}
		}
		return j, j == ps.End
	case int64:
		sl.Kind, sl.Int = decode.SlotInt, x
	case float64:
		sl.Kind, sl.Float = decode.SlotFloat, x
	case bool:
		sl.Kind, sl.Int = decode.SlotBool, 0
		if x {
			sl.Int = 1
		}
	case string:
		sl.Kind, sl.Bytes = decode.SlotBytes, append(sl.Bytes[:0], x...)
	case []byte:
		if ps.Schema.Name == decode.ConnectDecimal {
			return 0, false
		}
		sl.Kind, sl.Bytes = decode.SlotBytes, append(sl.Bytes[:0], x...)
	case decode.Decimal:
		if ps.Schema.Name != decode.ConnectDecimal {
			return 0, false
		}
		sl.Kind, sl.Int, sl.Bytes = decode.SlotBytes, int64(x.Scale), append(sl.Bytes[:0], TwosComplement(x.Unscaled)...)
	default:
		return 0, false
	}
	return i + 1, ps.End == i+1
}

// Slots lays the value tree v of schema s out and returns its plan and
// fresh slots; t fails when it has no flat form.
func Slots(t testing.TB, s *decode.Schema, v any) (*decode.FlatPlan, []decode.Slot) {
	t.Helper()
	p, ok := Plan(s)
	if !ok {
		t.Fatalf("schema %s has no flat form", s.Name)
	}
	slots := make([]decode.Slot, len(p.Slots))
	if end, ok := Fill(p, slots, 0, v); !ok || end != len(slots) {
		t.Fatalf("value %v has no flat form under its schema", v)
	}
	return p, slots
}

// TwosComplement is Kafka Connect's Decimal encoding of u (Java's
// BigInteger.toByteArray): big-endian two's complement, minimal length.
func TwosComplement(u *big.Int) []byte {
	n := u.BitLen()/8 + 1
	if u.Sign() >= 0 {
		return u.FillBytes(make([]byte, n))
	}
	m := new(big.Int).Add(u, new(big.Int).Lsh(big.NewInt(1), uint(8*n)))
	b := m.FillBytes(make([]byte, n))
	for len(b) > 1 && b[0] == 0xff && b[1]&0x80 != 0 {
		b = b[1:]
	}
	return b
}
