package mapping

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/decode/flattest"
)

// flatOf lays a row struct (its schema a struct of the columns) out as the
// plan and slots of a flat read whose slot 0 is the row.
func flatOf(t *testing.T, row *decode.Struct) (*decode.FlatPlan, []decode.Slot) {
	t.Helper()
	return flattest.Slots(t, row.Schema, row)
}

func col(name string, s *decode.Schema) decode.Field { return decode.Field{Name: name, Schema: s} }

func typ(t decode.Type, name string, params ...string) *decode.Schema {
	s := &decode.Schema{Type: t, Name: name, Optional: true}
	for i := 0; i+1 < len(params); i += 2 {
		if s.Parameters == nil {
			s.Parameters = map[string]string{}
		}
		s.Parameters[params[i]] = params[i+1]
	}
	return s
}

// wideRow is a row with a column of every kind FlatRow compiles.
func wideRow() *decode.Schema {
	vsd := &decode.Schema{Type: decode.TypeStruct, Name: cdc.VariableScaleDecimal, Optional: true,
		Fields: []decode.Field{col("scale", typ(decode.TypeInt32, "")), col("value", typ(decode.TypeBytes, ""))}}
	geometry := &decode.Schema{Type: decode.TypeStruct, Name: cdc.Geometry, Optional: true,
		Fields: []decode.Field{col("wkb", typ(decode.TypeBytes, "")), col("srid", typ(decode.TypeInt32, ""))}}
	point := &decode.Schema{Type: decode.TypeStruct, Name: cdc.Point, Optional: true,
		Fields: []decode.Field{col("x", typ(decode.TypeFloat64, "")), col("y", typ(decode.TypeFloat64, "")), col("wkb", typ(decode.TypeBytes, "")), col("srid", typ(decode.TypeInt32, ""))}}
	nested := &decode.Schema{Type: decode.TypeStruct, Name: "x.Nested", Optional: true,
		Fields: []decode.Field{col("a", typ(decode.TypeInt32, "")), col("b", typ(decode.TypeString, ""))}}
	return &decode.Schema{Type: decode.TypeStruct, Name: "x.Value", Fields: []decode.Field{
		col("id", typ(decode.TypeInt64, "")),
		col("u", typ(decode.TypeInt64, "", "__debezium.source.column.type", "BIGINT UNSIGNED")),
		col("f32", typ(decode.TypeFloat32, "")),
		col("f64", typ(decode.TypeFloat64, "")),
		col("ok", typ(decode.TypeBoolean, "")),
		col("s", typ(decode.TypeString, "")),
		col("enum", typ(decode.TypeString, cdc.Enum)),
		col("blob", typ(decode.TypeBytes, "")),
		col("dec", typ(decode.TypeBytes, decode.ConnectDecimal, "scale", "2", "connect.decimal.precision", "10")),
		col("wide", typ(decode.TypeBytes, decode.ConnectDecimal, "scale", "3", "connect.decimal.precision", "40")),
		col("vsd", vsd),
		col("date", typ(decode.TypeInt32, cdc.Date)),
		col("ts", typ(decode.TypeInt64, cdc.MicroTimestamp)),
		col("nts", typ(decode.TypeInt64, cdc.NanoTimestamp)),
		col("zts", typ(decode.TypeString, cdc.ZonedTimestamp)),
		col("tm", typ(decode.TypeInt64, cdc.MicroTime)),
		col("doc", typ(decode.TypeString, cdc.JSON)),
		col("nested", nested),
		col("__op", typ(decode.TypeString, "")),
		col("t_date", typ(decode.TypeInt32, "")),
		col("t_json", typ(decode.TypeString, "")),
		col("geo", geometry),
		col("pt", point),
		col("dec0", typ(decode.TypeBytes, decode.ConnectDecimal)), // no parameters: VARCHAR (each value has its own scale)
	}}
}

func wideValues(r *rand.Rand) []any {
	wide, _ := new(big.Int).SetString("-123456789012345678901234567890123", 10)
	v := []any{
		r.Int64(), int64(-5), float64(float32(r.NormFloat64())), r.NormFloat64(), r.IntN(2) == 0,
		"a \"quoted\" ünï 😀\n\u2028", "red", []byte{0, 1, 0xff},
		// Decimals at the schema's scale and at others (a Protobuf
		// Decimal carries its own).
		decode.Decimal{Unscaled: big.NewInt(r.Int64N(2e6) - 1e6), Scale: []int32{2, 2, 0, 1, -1, -2}[r.IntN(6)]},
		decode.Decimal{Unscaled: wide, Scale: []int32{3, 3, 0, 1, -4}[r.IntN(5)]},
		&decode.Struct{Names: []string{"scale", "value"}, Values: []any{int64(r.IntN(6)), big.NewInt(r.Int64N(1e9)).Bytes()}},
		r.Int64N(40000) - 20000, int64(1725885296000001), r.Int64(), "2024-09-09T04:34:56.5Z", r.Int64N(1e11),
		`{"a":[1,2]}`, &decode.Struct{Names: []string{"a", "b"}, Values: []any{int64(7), nil}},
		"c", int64(8905), `[1]`,
		&decode.Struct{Names: []string{"wkb", "srid"}, Values: []any{[]byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 0, 64}, nil}},
		&decode.Struct{Names: []string{"x", "y", "wkb", "srid"}, Values: []any{r.NormFloat64(), 2.5, nil, int64(4326)}},
		decode.Decimal{Unscaled: big.NewInt(r.Int64N(2e6) - 1e6), Scale: []int32{0, 2, -3}[r.IntN(3)]},
	}
	for i := range v {
		if r.IntN(8) == 0 {
			v[i] = nil
		}
	}
	return v
}

func wideStruct(s *decode.Schema, values []any) *decode.Struct {
	row := &decode.Struct{Schema: s, Values: values}
	for _, f := range s.Fields {
		row.Names = append(row.Names, f.Name)
	}
	for i, f := range s.Fields {
		if st, ok := values[i].(*decode.Struct); ok {
			st.Schema = f.Schema
		}
	}
	return row
}

func encoders() map[string]RowEncoder {
	return map[string]RowEncoder{
		"json":      &Encoder{},
		"varbinary": &Encoder{Varbinary: true},
		"wkbhex":    &Encoder{Geometry: GeometryWKBHex},
		"csv":       &CSV{Encoder: &Encoder{}, Separator: []byte("|"), Delimiter: []byte{1, 2}},
	}
}

// TestFlatRowMatchesEncodeRow: the compiled writer appends what EncodeRow
// appends for the same row, with the same header, for every encoder, with
// and without table types; and it allocates nothing.
func TestFlatRowMatchesEncodeRow(t *testing.T) {
	s := wideRow()
	types := TargetTypes{"t_date": "DATE", "t_json": "JSON", "f64": "DATETIME"}
	r := rand.New(rand.NewPCG(5, 6))
	for name, enc := range encoders() {
		for _, tt := range []TargetTypes{nil, types} {
			for i := 0; i < 200; i++ {
				row := wideStruct(s, wideValues(r))
				plan, slots := flatOf(t, row)
				w, err := CompileFlat(enc, plan, 0, tt)
				if err != nil {
					t.Fatal(err)
				}
				op := cdc.Op(i % 2)
				want, wantCols, err := enc.EncodeRow([]byte("prefix "), cdc.Change{Op: op, Row: row}, tt)
				if err != nil {
					t.Fatalf("%s: the generic encoder refuses the row: %v", name, err)
				}
				got, err := w.Append([]byte("prefix "), slots, op)
				if err != nil || string(got) != string(want) || w.Columns() != wantCols {
					t.Fatalf("%s types %v:\ngot  %s (%q, %v)\nwant %s (%q)", name, tt, got, w.Columns(), err, want, wantCols)
				}
				// No allocation, but for a decimal of more than 8 bytes,
				// typed JSON text and CSV's unescaping of JSON strings. (A
				// Json column is left out too: json.Valid takes its scanner
				// from a sync.Pool, which the race detector empties at
				// random; BenchmarkRowsFast counts it.)
				if _, isJSON := enc.(*Encoder); isJSON && tt == nil {
					lean := append([]any(nil), row.Values...)
					lean[9], lean[16] = nil, nil
					_, slots := flatOf(t, wideStruct(s, lean))
					buf := make([]byte, 0, 4096)
					if a := testing.AllocsPerRun(20, func() { _, _ = w.Append(buf[:0], slots, op) }); a != 0 {
						t.Fatalf("%s: %v allocations per row", name, a)
					}
				}
			}
		}
	}
}

// TestFlatRowRefusals: a value the generic encoder refuses is ErrNotFlat
// for the compiled writer (the generic path then words the error).
func TestFlatRowRefusals(t *testing.T) {
	s := wideRow()
	r := rand.New(rand.NewPCG(9, 9))
	for _, tc := range []struct {
		col int
		v   any
	}{
		{3, math.NaN()},
		{3, math.Inf(-1)},
		{5, strings.Repeat("x", maxVarchar+1)},
		{8, decode.Decimal{Unscaled: big.NewInt(-12345678901), Scale: 2}}, // 9 integer digits in DECIMAL(10,2)
		{8, decode.Decimal{Unscaled: big.NewInt(12345678), Scale: -1}},    // 9 at another scale
		{9, decode.Decimal{Unscaled: big.NewInt(1), Scale: -37}},          // 38 in DECIMAL(40,3)
		{9, decode.Decimal{Unscaled: big.NewInt(12345), Scale: 4}},        // 4 after the point in DECIMAL(40,3): StarRocks would round
		{11, int64(2932897)},       // year 10000
		{12, int64(math.MaxInt64)}, // beyond 9999
		{14, "not a timestamp"},
		{16, "not json"},
		{10, &decode.Struct{Names: []string{"scale", "value"}, Values: []any{nil, []byte{1}}}},
		{21, &decode.Struct{Names: []string{"wkb", "srid"}, Values: []any{[]byte{1, 9, 0, 0, 0}, nil}}},
		{22, &decode.Struct{Names: []string{"x", "y", "wkb", "srid"}, Values: []any{nil, 2.5, nil, nil}}},
	} {
		values := wideValues(r)
		values[tc.col] = tc.v
		row := wideStruct(s, values)
		plan, slots := flatOf(t, row)
		refused := 0
		for name, enc := range encoders() {
			want, _, gerr := enc.EncodeRow(nil, cdc.Change{Row: row}, nil)
			w, err := CompileFlat(enc, plan, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := w.Append(nil, slots, cdc.OpUpsert)
			switch {
			case errors.Is(gerr, ErrValue):
				refused++
				if !errors.Is(err, decode.ErrNotFlat) {
					t.Errorf("%s column %s: %v, want ErrNotFlat", name, s.Fields[tc.col].Name, err)
				}
			case gerr != nil:
				t.Fatalf("%s column %s: the generic encoder says %v", name, s.Fields[tc.col].Name, gerr)
			case err != nil || string(got) != string(want): // hex WKB is not parsed
				t.Errorf("%s column %s: %s, %v; want %s", name, s.Fields[tc.col].Name, got, err, want)
			}
		}
		if refused < len(encoders())-1 {
			t.Errorf("column %s: only %d encoders refuse %v", s.Fields[tc.col].Name, refused, tc.v)
		}
	}
	// A slot that is not what its schema makes it.
	row := wideStruct(s, wideValues(r))
	row.Values[0] = int64(1)
	plan, slots := flatOf(t, row)
	slots[1] = decode.Slot{Kind: decode.SlotBytes, Bytes: []byte("1")}
	w, _ := CompileFlat(&Encoder{}, plan, 0, nil)
	if _, err := w.Append(nil, slots, cdc.OpUpsert); !errors.Is(err, decode.ErrNotFlat) {
		t.Errorf("a bytes slot for an int64 column: %v", err)
	}
}

// TestCompileFlatNotCompilable: schemas and encoders without a compiled
// form.
func TestCompileFlatNotCompilable(t *testing.T) {
	geometry := &decode.Schema{Type: decode.TypeStruct, Name: cdc.Geometry, Optional: true,
		Fields: []decode.Field{col("wkb", typ(decode.TypeString, "")), col("srid", typ(decode.TypeInt32, ""))}}
	for name, c := range map[string]decode.Field{
		"geometry, wkb text":  col("g", geometry),
		"date as text":        col("d", typ(decode.TypeString, cdc.Date)),
		"zoned as int":        col("z", typ(decode.TypeInt64, cdc.ZonedTimestamp)),
		"array":               col("a", &decode.Schema{Type: decode.TypeArray, Items: typ(decode.TypeInt32, "")}),
		"map":                 col("m", &decode.Schema{Type: decode.TypeMap, Keys: typ(decode.TypeString, ""), Values: typ(decode.TypeInt32, "")}),
		"variable decimal ??": col("v", &decode.Schema{Type: decode.TypeStruct, Name: cdc.VariableScaleDecimal, Fields: []decode.Field{col("scale", typ(decode.TypeString, ""))}}),
	} {
		s := &decode.Schema{Type: decode.TypeStruct, Fields: []decode.Field{col("id", typ(decode.TypeInt64, "")), c}}
		plan := &decode.FlatPlan{Schema: s, Slots: []decode.FlatSlot{{Schema: s, Parent: -1, End: 3 + len(c.Schema.Fields)}, {Schema: s.Fields[0].Schema, Name: "id", End: 2}, {Schema: c.Schema, Name: c.Name, Parent: 0, End: 3 + len(c.Schema.Fields)}}}
		for _, f := range c.Schema.Fields {
			plan.Slots = append(plan.Slots, decode.FlatSlot{Schema: f.Schema, Name: f.Name, Parent: 2, End: len(plan.Slots) + 1})
		}
		if _, err := CompileFlat(&Encoder{}, plan, 0, nil); !errors.Is(err, ErrNotCompilable) {
			t.Errorf("%s: %v, want ErrNotCompilable", name, err)
		}
	}
	row := wideStruct(wideRow(), wideValues(rand.New(rand.NewPCG(1, 1))))
	plan, _ := flatOf(t, row)
	if _, err := CompileFlat(otherEncoder{}, plan, 0, nil); !errors.Is(err, ErrNotCompilable) {
		t.Errorf("another RowEncoder: %v", err)
	}
	if _, err := CompileFlat(&Encoder{}, plan, 1, nil); !errors.Is(err, ErrNotCompilable) {
		t.Errorf("a leaf slot as the row: %v", err)
	}
}

type otherEncoder struct{ RowEncoder }

// TestAppendDecimalBytes holds decode.AppendDecimalBytes (which both
// paths render decimals with) to big.Rat's exact text.
func TestAppendDecimalBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	for i := 0; i < 20000; i++ {
		b := make([]byte, r.IntN(12))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		scale := int32(r.IntN(30) - 6)
		u := new(big.Int).SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 {
			u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
		var want string
		if scale > 0 {
			want = new(big.Rat).SetFrac(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)).FloatString(int(scale))
		} else {
			want = u.String()
			if u.Sign() != 0 {
				want += strings.Repeat("0", int(-scale))
			}
		}
		if got := string(decode.AppendDecimalBytes([]byte("x"), b, scale)); got != "x"+want {
			t.Fatalf("%x scale %d: %s, want %s", b, scale, got, want)
		}
		if got := decode.DecimalFromBytes(b, scale).String(); got != want {
			t.Fatalf("Decimal %x scale %d: %s, want %s", b, scale, got, want)
		}
	}
	buf := make([]byte, 0, 64)
	if a := testing.AllocsPerRun(100, func() { buf = decode.AppendDecimalBytes(buf[:0], []byte{0x80, 1, 2, 3, 4, 5, 6, 7}, 20) }); a != 0 {
		t.Errorf("%v allocations for 8 bytes", a)
	}
}

// TestDatetimeText holds the date and DATETIME text to time.Format's over
// StarRocks' whole range.
func TestDatetimeText(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	lo, hi := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC).UnixMicro()
	for i := 0; i < 100000; i++ {
		us := lo + r.Int64N(hi-lo)
		if i%3 == 0 {
			us -= us % 1_000_000 // whole seconds
		}
		tm := time.UnixMicro(us).UTC().Add(time.Duration(r.IntN(1000)))
		layout := "2006-01-02 15:04:05"
		if tm.Nanosecond()/1000 != 0 {
			layout += ".000000"
		}
		if got, want := string(appendDatetime(nil, tm)), `"`+tm.Format(layout)+`"`; got != want {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
		if got, want := string(appendDay(nil, tm)), `"`+tm.Format("2006-01-02")+`"`; got != want {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
	}
}
