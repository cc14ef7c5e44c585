package decode

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/config"
)

// Kafka's primitive converters, against the bytes Kafka's serializers
// write (big-endian, fixed length) and the schemas Kafka's converters give.
func TestPrimitiveConverters(t *testing.T) {
	regs := NewRegistries()
	defer regs.Close()
	type ok struct {
		in   []byte
		want any
	}
	cases := []struct {
		class   string
		typ     Type
		good    []ok
		badLens []int // lengths Kafka's deserializer refuses
		bad     [][]byte
		errText string
	}{
		{ClassByteArray, TypeBytes, []ok{{[]byte{0, 0xff, 'a'}, []byte{0, 0xff, 'a'}}, {[]byte{}, []byte{}}}, nil, nil, ""},
		{ClassBoolean, TypeBoolean, []ok{{[]byte{1}, true}, {[]byte{0}, false}}, []int{0, 2}, [][]byte{{2}, {0xff}},
			"Size of data received by BooleanDeserializer is not 1"},
		{ClassShort, TypeInt16, []ok{{[]byte{0x01, 0x02}, int64(258)}, {[]byte{0xff, 0xfe}, int64(-2)}, {[]byte{0x80, 0}, int64(math.MinInt16)}},
			[]int{0, 1, 3, 4}, nil, "Size of data received by ShortDeserializer is not 2"},
		{ClassInteger, TypeInt32, []ok{{[]byte{0, 0, 0x03, 0xec}, int64(1004)}, {[]byte{0xff, 0xff, 0xff, 0xff}, int64(-1)}, {[]byte{0x7f, 0xff, 0xff, 0xff}, int64(math.MaxInt32)}},
			[]int{0, 2, 3, 5, 8}, nil, "Size of data received by IntegerDeserializer is not 4"},
		{ClassLong, TypeInt64, []ok{{[]byte{0, 0, 0, 0, 0, 0, 0x03, 0xec}, int64(1004)}, {[]byte{0x80, 0, 0, 0, 0, 0, 0, 0}, int64(math.MinInt64)}},
			[]int{0, 4, 7, 9}, nil, "Size of data received by LongDeserializer is not 8"},
		{ClassFloat, TypeFloat32, []ok{{[]byte{0x3f, 0xc0, 0, 0}, 1.5}, {binary.BigEndian.AppendUint32(nil, math.Float32bits(-45.67)), float64(float32(-45.67))}},
			[]int{0, 3, 8}, nil, "Size of data received by FloatDeserializer is not 4"},
		{ClassDouble, TypeFloat64, []ok{{binary.BigEndian.AppendUint64(nil, math.Float64bits(45.67)), 45.67}, {[]byte{0xbf, 0xf0, 0, 0, 0, 0, 0, 0}, -1.0}},
			[]int{0, 4, 9}, nil, "Size of data received by DoubleDeserializer is not 8"},
	}
	ctx := context.Background()
	for _, c := range cases {
		conv, err := regs.New(c.class, map[string]string{"converter.encoding": "UTF-8"}) // options are ignored, as in Kafka
		if err != nil {
			t.Fatalf("%s: %v", c.class, err)
		}
		// null stays null: a tombstone.
		if rec, err := conv.Decode(ctx, "t", nil); err != nil || rec.Schema != nil || rec.Value != nil {
			t.Errorf("%s: null decoded to %+v, %v; want a null record", c.class, rec, err)
		}
		for _, g := range c.good {
			in := append([]byte{}, g.in...) // non-nil, even when empty
			rec, err := conv.Decode(ctx, "t", in)
			if err != nil {
				t.Errorf("%s %x: %v", c.class, g.in, err)
				continue
			}
			if rec.Schema == nil || rec.Schema.Type != c.typ || !rec.Schema.Optional || rec.Schema.Name != "" {
				t.Errorf("%s: schema %+v, want optional %s", c.class, rec.Schema, c.typ)
			}
			if b, isBytes := g.want.([]byte); isBytes {
				got, _ := rec.Value.([]byte)
				if got == nil || string(got) != string(b) {
					t.Errorf("%s %x: value %#v", c.class, g.in, rec.Value)
				}
				if len(in) > 0 {
					in[0] ^= 0xff // the value must not alias the record's buffer
					if got[0] != b[0] {
						t.Errorf("%s: the value aliases the input", c.class)
					}
				}
				continue
			}
			if rec.Value != g.want {
				t.Errorf("%s %x: value %#v, want %#v", c.class, g.in, rec.Value, g.want)
			}
		}
		bad := c.bad
		for _, n := range c.badLens {
			bad = append(bad, make([]byte, n))
		}
		for _, b := range bad {
			_, err := conv.Decode(ctx, "t", b)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s %x: error %v, want ErrMalformed", c.class, b, err)
				continue
			}
			if len(b) != 1 || c.class != ClassBoolean {
				if !strings.Contains(err.Error(), c.errText) || !strings.Contains(err.Error(), "converter class") {
					t.Errorf("%s %x: error %q does not say what is wrong and what to do", c.class, b, err)
				}
			}
		}
	}
}

func TestBooleanConverterUnexpectedByte(t *testing.T) {
	conv := newPrimitive(ClassBoolean)
	_, err := conv.Decode(context.Background(), "t", []byte{0xff})
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "Unexpected byte received by BooleanDeserializer: -1") {
		t.Fatalf("error %v", err)
	}
}

func TestUnknownConverterListsClasses(t *testing.T) {
	_, err := NewRegistries().New("com.example.Nope", nil)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), ClassLong) || !strings.Contains(err.Error(), ClassByteArray) {
		t.Fatalf("error %v", err)
	}
}

// config expands the Kafka Connect alias (the simple class name) of every
// class decode implements, so that config's list and decode's agree.
func TestConfigKnowsEveryClass(t *testing.T) {
	for _, class := range Classes() {
		simple := class[strings.LastIndexByte(class, '.')+1:]
		cfg, _, err := config.FromMap(map[string]string{
			"name": "c", "connector.class": "com.starrocks.connector.kafka.StarRocksSinkConnector", "topics": "t",
			"starrocks.http.url": "fe:8030", "starrocks.username": "root", "starrocks.password": "", "starrocks.database.name": "db",
			"key.converter": simple, "key.converter.schema.registry.url": "http://sr:8081",
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Connectors[0].KeyConverter.Class; got != class {
			t.Errorf("key.converter=%s gives %q, want %q", simple, got, class)
		}
	}
}
