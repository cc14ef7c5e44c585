package decode

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/internal/fixtures"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return fixtures.Read(t, name)
}

func TestJSONConverterWithSchema(t *testing.T) {
	c := &JSONConverter{SchemasEnable: true}
	rec, err := c.Decode(context.Background(), "t", fixture(t, "mysql254_c_logical_types_withschema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Schema.IsEnvelope() || rec.Schema.Name != "normal.wdl_test.example_table.Envelope" {
		t.Fatalf("schema name %q: not recognised as an envelope", rec.Schema.Name)
	}
	env := rec.Value.(*Struct)
	after, _ := env.Get("after")
	row := after.(*Struct)
	checks := map[string]any{
		"id":              int64(8),
		"birth_date":      int64(8905),
		"datetime_column": int64(1712917800000),
		"time_column":     int64(37800000000),
		"is_active":       int64(2),
		"varchar_column":  nil,
	}
	for name, want := range checks {
		got, ok := row.Get(name)
		if !ok || got != want {
			t.Errorf("%s = %#v (present %v), want %#v", name, got, ok, want)
		}
	}
	d, _ := row.Get("decimal_column")
	if dec, ok := d.(Decimal); !ok || dec.String() != "123.45" {
		t.Errorf("decimal_column = %#v, want Decimal 123.45", d)
	}
	b, _ := row.Get("binary_column")
	if bs, ok := b.([]byte); !ok || len(bs) != 10 || bs[0] != 0x12 {
		t.Errorf("binary_column = %#v, want the base64-decoded bytes", b)
	}
	if s := row.FieldSchema("birth_date"); s == nil || s.Name != "io.debezium.time.Date" || s.Type != TypeInt32 {
		t.Errorf("birth_date schema = %+v", s)
	}
	if s := row.FieldSchema("is_active"); s.Type != TypeInt16 {
		t.Errorf("is_active type %v, want int16", s.Type)
	}
}

func TestJSONConverterShapes(t *testing.T) {
	ctx := context.Background()
	on := &JSONConverter{SchemasEnable: true}
	off := &JSONConverter{}
	for _, tc := range []struct {
		name string
		c    *JSONConverter
		in   string
		err  error
		null bool
	}{
		{"empty value", on, "", ErrMalformed, false},
		{"text null", on, "null", nil, true},
		{"flattened delete", on, `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"x.Value"},"payload":null}`, nil, true},
		{"schema null", on, `{"schema":null,"payload":{"a":1}}`, nil, false},
		{"schema null, spaced", on, "{ \"schema\" : null ,\n \"payload\" : { \"a\" : [ 1 , 2 ] } }", nil, false},
		{"plain JSON with schemas on", on, `{"id":1}`, ErrMalformed, false},
		{"extra field", on, `{"schema":null,"payload":{},"x":1}`, ErrMalformed, false},
		{"truncated", on, `{"schema":{"type":"struct"`, ErrMalformed, false},
		{"trailing garbage", off, `{"a":1} x`, ErrMalformed, false},
		{"wrong type", on, `{"schema":{"type":"int32"},"payload":"x"}`, ErrMalformed, false},
		{"int32 overflow", on, `{"schema":{"type":"int32"},"payload":2147483648}`, ErrMalformed, false},
		{"int8 range", on, `{"schema":{"type":"int8"},"payload":127}`, nil, false},
		{"required null field", on, `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}]},"payload":{"id":null}}`, ErrMalformed, false},
		{"unknown type", on, `{"schema":{"type":"uint8"},"payload":1}`, ErrMalformed, false},
		{"bad base64", on, `{"schema":{"type":"bytes"},"payload":"***"}`, ErrMalformed, false},
		{"schemaless scalar", off, `"just a string"`, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := tc.c.Decode(ctx, "t", []byte(tc.in))
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err == nil && rec.Null() != tc.null {
				t.Fatalf("null = %v, want %v (%#v)", rec.Null(), tc.null, rec)
			}
		})
	}
}

func TestSchemalessKeepsOrderAndPrecision(t *testing.T) {
	rec, err := (&JSONConverter{}).Decode(context.Background(), "t", []byte(`{"z":1,"a":12345678901234567890,"m":{"y":1.50}}`))
	if err != nil {
		t.Fatal(err)
	}
	s := rec.Value.(*Struct)
	if s.Names[0] != "z" || s.Names[1] != "a" || s.Names[2] != "m" {
		t.Fatalf("order %v", s.Names)
	}
	if a, _ := s.Get("a"); a.(interface{ String() string }).String() != "12345678901234567890" {
		t.Fatalf("a = %v: precision lost", a)
	}
}

func TestDecimal(t *testing.T) {
	for _, tc := range []struct {
		b     []byte
		scale int32
		want  string
	}{
		{[]byte{0x30, 0x39}, 2, "123.45"},
		{[]byte{0x12, 0xd6, 0x87}, 4, "123.4567"},
		{[]byte{0xff}, 2, "-0.01"},
		{[]byte{0xcf, 0xc7}, 2, "-123.45"},
		{[]byte{0x01}, 5, "0.00001"},
		{[]byte{}, 0, "0"},
		{[]byte{0x05}, -2, "500"},
	} {
		if got := DecimalFromBytes(tc.b, tc.scale).String(); got != tc.want {
			t.Errorf("DecimalFromBytes(%x, %d) = %s, want %s", tc.b, tc.scale, got, tc.want)
		}
	}
	for in, want := range map[string]string{"1.50": "1.50", "-0.001": "-0.001", "1e3": "1000", "1.2345678987654322e+32": "123456789876543220000000000000000", "12": "12"} {
		d, err := parseDecimal(in)
		if err != nil || d.String() != want {
			t.Errorf("parseDecimal(%s) = %s, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"x", "1e999999", "NaN"} {
		if _, err := parseDecimal(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("parseDecimal(%s) err = %v, want ErrMalformed", in, err)
		}
	}
	// 38 digits, the largest StarRocks DECIMAL.
	max38, _ := new(big.Int).SetString("99999999999999999999999999999999999999", 10)
	if got := (Decimal{Unscaled: max38, Scale: 10}).String(); got != "9999999999999999999999999999.9999999999" {
		t.Errorf("max precision: %s", got)
	}
}

func FuzzJSONConverter(f *testing.F) {
	for _, s := range []string{`{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"}]},"payload":{"a":1}}`, `null`, `{"a":[1,{"b":2}]}`, `[`, `{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"string"}},"payload":[[1,"a"]]}`} {
		f.Add([]byte(s))
	}
	on, off := &JSONConverter{SchemasEnable: true}, &JSONConverter{}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = on.Decode(context.Background(), "t", b)
		_, _ = off.Decode(context.Background(), "t", b)
	})
}

func TestJSONConverterSeesConfluentFraming(t *testing.T) {
	_, err := (&JSONConverter{SchemasEnable: true}).Decode(context.Background(), "t", AppendConfluentHeader(nil, 7, nil))
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), ClassAvro) {
		t.Fatalf("%v", err)
	}
}

// A Debezium JsonConverter record pretty-printed (json.MarshalIndent, as a
// non-Java producer or a human would write it) or with whitespace around
// every token decodes to exactly the record its compact form decodes to,
// with schemas.enable=true and false.
func TestJSONConverterPrettyPrinted(t *testing.T) {
	for _, tc := range []struct {
		file    string
		schemas bool
	}{
		{"mysql254_c_logical_types_withschema.json", true},
		{"pg198_c_arrays_withschema.json", true},
		{"mysql195_u_withschema.json", true},
		{"mysql195_d_withschema.json", true},
		{"mysql195_c_noschema.json", false},
		{"pg121_r_snapshot_noschema.json", false},
		{"mysql254_c_logical_types_withschema.json", false},
	} {
		compact := fixture(t, tc.file)
		want, err := (&JSONConverter{SchemasEnable: tc.schemas}).Decode(context.Background(), "t", compact)
		if err != nil {
			t.Fatalf("%s compact: %v", tc.file, err)
		}
		for name, pretty := range map[string][]byte{
			"MarshalIndent":        prettyJSON(t, compact, "", "  "),
			"MarshalIndent CR tab": append(append([]byte("\r\n"), prettyJSON(t, compact, "\r", "\t")...), " \n"...),
			"every token spaced":   spacedJSON(compact),
		} {
			if !json.Valid(pretty) || bytes.Equal(pretty, compact) {
				t.Fatalf("%s %s: not a pretty-printed variant", tc.file, name)
			}
			got, err := (&JSONConverter{SchemasEnable: tc.schemas}).Decode(context.Background(), "t", pretty)
			if err != nil {
				t.Fatalf("%s schemas.enable=%v %s: %v", tc.file, tc.schemas, name, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s schemas.enable=%v %s: decodes to\n%s\nwant\n%s", tc.file, tc.schemas, name, dump(got.Value), dump(want.Value))
			}
		}
	}
}

// A nil value is a tombstone for JsonConverter and StringConverter. An empty
// (or, for JSON, whitespace-only) non-nil value is what Kafka Connect makes
// of it: JsonConverter with schemas.enable=true fails (Jackson reads no
// JSON, which is not a {"schema","payload"} envelope); with
// schemas.enable=false it is a null value (Jackson's missing node, which the
// schemaless conversion turns into null); StringConverter yields "".
func TestEmptyValueJSONAndString(t *testing.T) {
	ctx := context.Background()
	empty := [][]byte{{}, []byte(" \t\r\n")}
	tombstone := func(t *testing.T, c Converter) {
		t.Helper()
		if rec, err := c.Decode(ctx, "t", nil); err != nil || !rec.Null() || rec.Schema != nil {
			t.Fatalf("nil value = %+v, %v; want a tombstone", rec, err)
		}
	}
	t.Run("JsonConverter schemas.enable=true", func(t *testing.T) {
		c := &JSONConverter{SchemasEnable: true}
		tombstone(t, c)
		for _, in := range empty {
			_, err := c.Decode(ctx, "t", in)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "empty value, not a tombstone") || !strings.Contains(err.Error(), "schemas.enable") {
				t.Errorf("%q: %v, want ErrMalformed saying the value is empty", in, err)
			}
		}
	})
	t.Run("JsonConverter schemas.enable=false", func(t *testing.T) {
		c := &JSONConverter{}
		tombstone(t, c)
		for _, in := range empty {
			if rec, err := c.Decode(ctx, "t", in); err != nil || !rec.Null() {
				t.Errorf("%q: %+v, %v; want a null value, as Kafka's JsonConverter", in, rec, err)
			}
		}
	})
	t.Run("StringConverter", func(t *testing.T) {
		tombstone(t, stringConverter{})
		rec, err := stringConverter{}.Decode(ctx, "t", []byte{})
		if err != nil || rec.Value != "" || rec.Schema == nil || rec.Schema.Type != TypeString {
			t.Fatalf("empty value: %+v, %v; want the empty string", rec, err)
		}
	})
}
