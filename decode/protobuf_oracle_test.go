package decode

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// The dynamicpb-based conversion, kept as the reference the direct wire
// decoder is checked against (TestProtobufWireMatchesDynamicpb, FuzzProtobuf).

// value converts a decoded message to a *Struct.
func (m *pbMsg) value(dm protoreflect.Message) *Struct {
	vals := make([]any, len(m.fields))
	for i, f := range m.fields {
		vals[i] = f.value(dm)
	}
	return &Struct{Schema: m.schema, Names: m.names, Values: vals}
}

func (f *pbField) value(dm protoreflect.Message) any {
	switch f.kind {
	case pkOneof:
		which := dm.WhichOneof(f.oneof)
		if which == nil {
			return nil
		}
		vals := make([]any, len(f.members))
		for i, mf := range f.members {
			if mf.fd.Number() == which.Number() {
				vals[i] = mf.single(dm.Get(which))
			}
		}
		return &Struct{Schema: f.schema, Names: f.names, Values: vals}
	case pkList:
		l := dm.Get(f.fd).List()
		out := make([]any, l.Len())
		for i := range out {
			out[i] = f.elem.single(l.Get(i))
		}
		return out
	case pkMap:
		mp := dm.Get(f.fd).Map()
		out := make(map[string]any, mp.Len())
		mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			out[mapKeyText(f.key.single(k.Value()))] = f.elem.single(v)
			return true
		})
		return out
	}
	if f.presence && !dm.Has(f.fd) {
		return nil
	}
	return f.single(dm.Get(f.fd))
}

// single converts one element value.
func (f *pbField) single(v protoreflect.Value) any {
	switch f.kind {
	case pkEnum:
		n := v.Enum()
		if ev := f.fd.Enum().Values().ByNumber(n); ev != nil {
			return string(ev.Name())
		}
		return strconv.Itoa(int(n))
	case pkMessage:
		return f.msg.value(v.Message())
	case pkDecimal:
		m := v.Message()
		fs := m.Descriptor().Fields()
		return DecimalFromBytes(m.Get(fs.ByNumber(1)).Bytes(), int32(m.Get(fs.ByNumber(3)).Int()))
	case pkDate:
		m := v.Message()
		fs := m.Descriptor().Fields()
		y, mo, d := m.Get(fs.ByNumber(1)).Int(), m.Get(fs.ByNumber(2)).Int(), m.Get(fs.ByNumber(3)).Int()
		return daysSinceEpoch(y, mo, d)
	case pkTime:
		m := v.Message()
		fs := m.Descriptor().Fields()
		h, mi, s, ns := m.Get(fs.ByNumber(1)).Int(), m.Get(fs.ByNumber(2)).Int(), m.Get(fs.ByNumber(3)).Int(), m.Get(fs.ByNumber(4)).Int()
		return ((h*60+mi)*60+s)*1000 + ns/1e6
	case pkTimestamp:
		m := v.Message()
		fs := m.Descriptor().Fields()
		sec, ns := m.Get(fs.ByNumber(1)).Int(), m.Get(fs.ByNumber(2)).Int()
		return floorMillis(sec, ns)
	case pkWrapper:
		m := v.Message()
		return scalarValue(m.Get(m.Descriptor().Fields().ByNumber(1)), m.Descriptor().Fields().ByNumber(1).Kind())
	}
	return scalarValue(v, f.fd.Kind())
}

func scalarValue(v protoreflect.Value, k protoreflect.Kind) any {
	switch k {
	case protoreflect.BoolKind:
		return v.Bool()
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return v.Int()
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return int64(v.Uint())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return v.Float()
	case protoreflect.StringKind:
		return v.String()
	case protoreflect.BytesKind:
		return append([]byte{}, v.Bytes()...)
	}
	return nil
}

// dynamicDecode is the reference: proto.Unmarshal into dynamicpb, then
// conversion through protoreflect.
// protobuf v1.34.2's dynamicpb panics on some malformed map entries
// (a wrongly typed key); such inputs are not compared.
var errOraclePanic = errors.New("dynamicpb panicked")

func dynamicDecode(m *pbMsg, payload []byte) (v any, err error) {
	defer func() {
		if recover() != nil {
			v, err = nil, errOraclePanic
		}
	}()
	dm := dynamicpb.NewMessage(m.md)
	if err := (proto.UnmarshalOptions{RecursionLimit: 100, AllowPartial: true}).Unmarshal(payload, dm); err != nil {
		return nil, err
	}
	return m.value(dm), nil
}

// sameValue compares two neutral values (Decimals by value).
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case *Struct:
		y, ok := b.(*Struct)
		if !ok || x.Schema != y.Schema || len(x.Values) != len(y.Values) {
			return false
		}
		for i := range x.Values {
			if x.Names[i] != y.Names[i] || !sameValue(x.Values[i], y.Values[i]) {
				return false
			}
		}
		return true
	case Decimal:
		y, ok := b.(Decimal)
		return ok && x.Scale == y.Scale && x.Unscaled.Cmp(y.Unscaled) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !sameValue(v, y[k]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || (math.IsNaN(x) && math.IsNaN(y)))
	}
	return reflect.DeepEqual(a, b)
}

func TestProtobufWireMatchesDynamicpb(t *testing.T) {
	raw := &rawSchema{id: schemaID{id: 1}, kind: kindProtobuf, text: protoEnvelope,
		refs: []schemaRef{{name: "io/debezium/mysql/source.proto", text: protoSource, kind: kindProtobuf}}}
	pf, err := compileProto(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		idx []int
		doc string
	}{
		{[]int{0}, protoEnvelopeJSON},
		{[]int{0}, `{"before": {"id": 1, "counters": {"a": "1", "b": "-2"}, "tags": []}, "op": "d"}`},
		{[]int{0, 0}, `{"nick": "", "balance": {}, "birth_date": {"year": 1969, "month": 12, "day": 31}, "created": "1969-12-31T23:59:59.999Z", "note": ""}`},
		{[]int{1, 0}, `{"n": "-5", "i": "7"}`},
		{[]int{1}, `{"labels": {"k": "v", "": ""}}`},
	} {
		m, err := pf.message(tc.idx)
		if err != nil {
			t.Fatal(err)
		}
		payload := protoEncode(t, raw, tc.idx, tc.doc)
		want, err := dynamicDecode(m, payload)
		if err != nil {
			t.Fatal(err)
		}
		d := pbDecoder{b: payload}
		got, err := d.message(m, 0, len(payload))
		if err != nil {
			t.Fatalf("%v %s: %v", tc.idx, tc.doc, err)
		}
		if !sameValue(got, want) {
			t.Errorf("%v %s:\n got %s\nwant %s", tc.idx, tc.doc, dump(got), dump(want))
		}
	}
	// Merging repeated occurrences of a message field, packed and unpacked
	// repeated scalars, unknown fields and wrong wire types.
	m, _ := pf.message([]int{0, 0})
	var b []byte
	b = protowire.AppendTag(b, 2, protowire.BytesType) // first_name
	b = protowire.AppendString(b, "x")
	b = protowire.AppendTag(b, 6, protowire.BytesType) // balance, part 1: value
	b = protowire.AppendBytes(b, protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte{0x30, 0x39}))
	b = protowire.AppendTag(b, 6, protowire.BytesType) // balance, part 2: scale
	b = protowire.AppendBytes(b, protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 2))
	b = protowire.AppendTag(b, 99, protowire.Fixed64Type) // unknown
	b = protowire.AppendFixed64(b, 1)
	b = protowire.AppendTag(b, 1, protowire.Fixed32Type) // id with a wrong wire type: unknown
	b = protowire.AppendFixed32(b, 1)
	b = protowire.AppendTag(b, 1, protowire.VarintType) // id
	b = protowire.AppendVarint(b, uint64(1<<40|7))      // int32 truncates
	want, err := dynamicDecode(m, b)
	if err != nil {
		t.Fatal(err)
	}
	d := pbDecoder{b: b}
	got, err := d.message(m, 0, len(b))
	if err != nil || !sameValue(got, want) {
		t.Fatalf("edge cases: %v\n got %s\nwant %s", err, dump(got), dump(want))
	}
	if bal := at(t, got, "balance").(Decimal); bal.String() != "123.45" {
		t.Errorf("merged decimal = %s", bal)
	}
}

func dump(v any) string {
	switch x := v.(type) {
	case *Struct:
		var sb strings.Builder
		sb.WriteString("{")
		for i, n := range x.Names {
			fmt.Fprintf(&sb, "%s:%s ", n, dump(x.Values[i]))
		}
		return sb.String() + "}"
	case Decimal:
		return x.String()
	}
	return fmt.Sprintf("%#v", v)
}
