package mapping

import (
	"errors"
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
)

func one(t *testing.T, e *Encoder, s *decode.Schema, v any) (string, error) {
	t.Helper()
	row := &decode.Struct{Schema: &decode.Schema{Type: decode.TypeStruct, Fields: []decode.Field{{Name: "c", Schema: s}}}, Names: []string{"c"}, Values: []any{v}}
	out, err := e.AppendJSON(nil, cdc.Change{Op: cdc.OpUpsert, Row: row})
	return string(out), err
}

func logical(typ decode.Type, name string) *decode.Schema {
	return &decode.Schema{Type: typ, Name: name, Optional: true}
}

func TestLogicalTypes(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	big38, _ := new(big.Int).SetString("-99999999999999999999999999999999999999", 10)
	for _, tc := range []struct {
		name string
		enc  Encoder
		s    *decode.Schema
		v    any
		want string
	}{
		{"Date", Encoder{}, logical(decode.TypeInt32, "io.debezium.time.Date"), int64(8905), `"1994-05-20"`},
		{"Date year 1", Encoder{}, logical(decode.TypeInt32, "org.apache.kafka.connect.data.Date"), int64(-719162), `"0001-01-01"`},
		{"Date 9999", Encoder{}, logical(decode.TypeInt32, "io.debezium.time.Date"), int64(2932896), `"9999-12-31"`},
		{"Timestamp ms", Encoder{}, logical(decode.TypeInt64, "io.debezium.time.Timestamp"), int64(1712917800000), `"2024-04-12 10:30:00"`},
		{"Timestamp ms fraction", Encoder{}, logical(decode.TypeInt64, "org.apache.kafka.connect.data.Timestamp"), int64(1712917800123), `"2024-04-12 10:30:00.123000"`},
		{"MicroTimestamp", Encoder{}, logical(decode.TypeInt64, "io.debezium.time.MicroTimestamp"), int64(1725885296000001), `"2024-09-09 12:34:56.000001"`},
		{"MicroTimestamp before epoch", Encoder{}, logical(decode.TypeInt64, "io.debezium.time.MicroTimestamp"), int64(-1), `"1969-12-31 23:59:59.999999"`},
		{"NanoTimestamp", Encoder{}, logical(decode.TypeInt64, "io.debezium.time.NanoTimestamp"), int64(1725885296123456789), `"2024-09-09 12:34:56.123456"`},
		{"ZonedTimestamp UTC", Encoder{}, logical(decode.TypeString, "io.debezium.time.ZonedTimestamp"), "2020-07-17T10:00:22Z", `"2020-07-17 10:00:22"`},
		{"ZonedTimestamp padded", Encoder{}, logical(decode.TypeString, "io.debezium.time.ZonedTimestamp"), "2024-09-09T04:34:56.000000Z", `"2024-09-09 04:34:56"`},
		{"ZonedTimestamp to zone", Encoder{Zone: shanghai}, logical(decode.TypeString, "io.debezium.time.ZonedTimestamp"), "2024-09-09T04:34:56.5Z", `"2024-09-09 12:34:56.500000"`},
		{"MicroTime", Encoder{}, logical(decode.TypeInt64, "io.debezium.time.MicroTime"), int64(37800000000), `"10:30:00"`},
		{"MicroTime fraction", Encoder{}, logical(decode.TypeInt64, "io.debezium.time.MicroTime"), int64(37800000123), `"10:30:00.000123"`},
		{"MicroTime negative", Encoder{}, logical(decode.TypeInt64, "io.debezium.time.MicroTime"), int64(-3723000000), `"-01:02:03"`},
		{"MicroTime over 24h", Encoder{}, logical(decode.TypeInt64, "io.debezium.time.MicroTime"), int64(838*3600e6 + 59*60e6 + 59e6), `"838:59:59"`},
		{"Time ms", Encoder{}, logical(decode.TypeInt32, "org.apache.kafka.connect.data.Time"), int64(45296789), `"12:34:56.789000"`},
		{"NanoTime", Encoder{}, logical(decode.TypeInt64, "io.debezium.time.NanoTime"), int64(1_000_001_999), `"00:00:01.000001"`},
		{"Decimal", Encoder{}, logical(decode.TypeBytes, "org.apache.kafka.connect.data.Decimal"), decode.DecimalFromBytes([]byte{0x30, 0x39}, 2), `123.45`},
		{"Decimal 38 digits", Encoder{}, logical(decode.TypeBytes, "org.apache.kafka.connect.data.Decimal"), decode.Decimal{Unscaled: big38, Scale: 0}, `-99999999999999999999999999999999999999`},
		{"VariableScaleDecimal", Encoder{}, &decode.Schema{Type: decode.TypeStruct, Name: "io.debezium.data.VariableScaleDecimal"},
			&decode.Struct{Names: []string{"scale", "value"}, Values: []any{int64(3), []byte{0x01, 0xe2, 0x40}}}, `123.456`},
		{"Json", Encoder{}, logical(decode.TypeString, "io.debezium.data.Json"), `{"key1": "value1"}`, `{"key1": "value1"}`},
		{"Enum", Encoder{}, logical(decode.TypeString, "io.debezium.data.Enum"), "red", `"red"`},
		{"Year", Encoder{}, logical(decode.TypeInt32, "io.debezium.time.Year"), int64(2021), `2021`},
		{"non-BMP string", Encoder{}, &decode.Schema{Type: decode.TypeString}, "a😀\"\\\n\u2028", `"a😀\"\\\n\u2028"`},
		{"empty string", Encoder{}, &decode.Schema{Type: decode.TypeString}, "", `""`},
		{"null", Encoder{}, &decode.Schema{Type: decode.TypeString, Optional: true}, nil, `null`},
		{"float32", Encoder{}, &decode.Schema{Type: decode.TypeFloat32}, float64(float32(45.67)), `45.67`},
		{"double", Encoder{}, &decode.Schema{Type: decode.TypeFloat64}, 0.1, `0.1`},
		{"bytes", Encoder{}, &decode.Schema{Type: decode.TypeBytes}, []byte{1, 2, 3}, `"AQID"`},
		{"array of dates", Encoder{}, &decode.Schema{Type: decode.TypeArray, Items: logical(decode.TypeInt32, "io.debezium.time.Date")}, []any{int64(0), nil}, `["1970-01-01",null]`},
		{"map", Encoder{}, &decode.Schema{Type: decode.TypeMap, Keys: &decode.Schema{Type: decode.TypeString}, Values: &decode.Schema{Type: decode.TypeInt32}}, map[string]any{"b": int64(2), "a": int64(1)}, `{"a":1,"b":2}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := one(t, &tc.enc, tc.s, tc.v)
			want := `{"c":` + tc.want + `,"__op":0}`
			if err != nil || got != want {
				t.Fatalf("got %s, %v; want %s", got, err, want)
			}
		})
	}
}

func TestUnloadableValues(t *testing.T) {
	e := &Encoder{}
	for name, v := range map[string]any{"NaN": math.NaN(), "+Inf": math.Inf(1), "-Inf": math.Inf(-1)} {
		if _, err := one(t, e, &decode.Schema{Type: decode.TypeFloat64}, v); !errors.Is(err, ErrValue) {
			t.Errorf("%s: err %v, want ErrValue", name, err)
		}
	}
	if _, err := one(t, e, logical(decode.TypeString, "io.debezium.time.ZonedTimestamp"), "yesterday"); !errors.Is(err, ErrValue) {
		t.Errorf("bad ZonedTimestamp: %v", err)
	}
	if _, err := one(t, e, logical(decode.TypeString, "io.debezium.data.Json"), "{not json"); !errors.Is(err, ErrValue) {
		t.Errorf("bad Json: %v", err)
	}
	// A hostile scale would write millions of zeros: refused beyond ±1000.
	vsd := &decode.Schema{Type: decode.TypeStruct, Name: cdc.VariableScaleDecimal}
	for _, sc := range []int64{-1001, 1001, math.MinInt32} {
		v := &decode.Struct{Names: []string{"scale", "value"}, Values: []any{sc, []byte{0x01}}}
		if got, err := one(t, e, vsd, v); !errors.Is(err, ErrValue) {
			t.Errorf("VariableScaleDecimal scale %d: %.40q, %v; want ErrValue", sc, got, err)
		}
	}
	if got, err := one(t, e, vsd, &decode.Struct{Names: []string{"scale", "value"}, Values: []any{int64(-1000), []byte{0x01}}}); err != nil || len(got) != len(`{"c":1,"__op":0}`)+1000 {
		t.Errorf("VariableScaleDecimal scale -1000: %d bytes, %v", len(got), err)
	}
	dec2 := &decode.Schema{Type: decode.TypeBytes, Name: decode.ConnectDecimal, Parameters: map[string]string{"scale": "2", "connect.decimal.precision": "10"}}
	if _, err := one(t, e, dec2, decode.DecimalFromBytes([]byte{0x30, 0x39}, 3)); !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "round") {
		t.Errorf("12.345 into DECIMAL(10,2): %v, want ErrValue (StarRocks would round)", err)
	}
	if got, err := one(t, e, dec2, decode.DecimalFromBytes([]byte{0x30, 0x39}, 1)); err != nil || got != `{"c":1234.5,"__op":0}` {
		t.Errorf("1234.5 into DECIMAL(10,2): %s, %v", got, err)
	}
	if _, err := one(t, e, logical(decode.TypeBytes, decode.ConnectDecimal), decode.DecimalFromBytes([]byte{1}, -5000)); !errors.Is(err, ErrValue) {
		t.Errorf("Decimal scale -5000: %v, want ErrValue", err)
	}
}

// A source column named __op (ExtractNewRecordState add.fields=op) never
// reaches StarRocks: the virtual __op column is ours.
func TestOpColumnIsOurs(t *testing.T) {
	row := &decode.Struct{Names: []string{"id", "__op"}, Values: []any{int64(1), "d"}}
	out, err := (&Encoder{}).AppendJSON(nil, cdc.Change{Op: cdc.OpDelete, Row: row})
	if err != nil || string(out) != `{"id":1,"__op":1}` {
		t.Fatalf("%s %v", out, err)
	}
}

func TestRouter(t *testing.T) {
	r, err := NewRouter(map[string]string{"dbserver1.inventory.customers": "customers"})
	if err != nil {
		t.Fatal(err)
	}
	if tbl, err := r.Table("dbserver1.inventory.customers"); err != nil || tbl != "customers" {
		t.Fatalf("%s %v", tbl, err)
	}
	if tbl, err := r.Table("orders"); err != nil || tbl != "orders" {
		t.Fatalf("%s %v", tbl, err)
	}
	// The Java connector's rule admits up to two '.'-qualifiers, so an
	// unmapped Debezium topic is its own table name, as in the Java
	// connector (config warns about it); a '-' is never admitted.
	if tbl, err := r.Table("dbserver1.inventory.orders"); err != nil || tbl != "dbserver1.inventory.orders" {
		t.Fatalf("unmapped dotted topic: %s %v", tbl, err)
	}
	if _, err := r.Table("dbserver1-inventory-orders"); !errors.Is(err, ErrInvalidTable) {
		t.Fatalf("unmapped topic with '-': %v", err)
	}
	for _, bad := range []string{"a`b", "x; DROP TABLE y", "1abc", "", "x", "aa.bb.cc.dd"} {
		if _, err := NewRouter(map[string]string{"t": bad}); !errors.Is(err, ErrInvalidTable) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRouterRegex(t *testing.T) {
	rn := Rename{Regex: regexp.MustCompile(`dbserver1\.(\w+)\.(\w+)`), Replacement: "$1_$2"}
	r, err := NewRouter(map[string]string{"inventory_orders": "orders_v2"}, rn)
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]string{
		"dbserver1.inventory.customers": "inventory_customers",
		"dbserver1.inventory.orders":    "orders_v2", // the map applies after the rename, as in the Java connector
		"plain":                         "plain",
	} {
		if got, err := r.Table(topic); err != nil || got != want {
			t.Errorf("%s → %s, %v; want %s", topic, got, err, want)
		}
	}
	// The whole topic must match (RegexRouter uses Matcher.matches).
	if _, err := r.Table("x.dbserver1.a.b"); !errors.Is(err, ErrInvalidTable) {
		t.Errorf("partial match renamed: %v", err)
	}
	bad := Rename{Regex: regexp.MustCompile(`(.*)`), Replacement: "t`; DROP TABLE x; --$1"}
	r, _ = NewRouter(nil, bad)
	if _, err := r.Table("a"); !errors.Is(err, ErrInvalidTable) {
		t.Errorf("injection through a replacement accepted: %v", err)
	}
}

func TestColumnTypes(t *testing.T) {
	p := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		s    *decode.Schema
		o    TypeOptions
		want string
	}{
		{&decode.Schema{Type: decode.TypeInt8}, TypeOptions{}, "TINYINT"},
		{&decode.Schema{Type: decode.TypeInt16}, TypeOptions{}, "SMALLINT"},
		{&decode.Schema{Type: decode.TypeInt32}, TypeOptions{}, "INT"},
		{&decode.Schema{Type: decode.TypeInt64}, TypeOptions{}, "BIGINT"},
		{&decode.Schema{Type: decode.TypeInt64, Parameters: p(paramSourceType, "BIGINT UNSIGNED")}, TypeOptions{}, "LARGEINT"},
		{&decode.Schema{Type: decode.TypeFloat32}, TypeOptions{}, "FLOAT"},
		{&decode.Schema{Type: decode.TypeFloat64}, TypeOptions{}, "DOUBLE"},
		{&decode.Schema{Type: decode.TypeBoolean}, TypeOptions{}, "BOOLEAN"},
		{&decode.Schema{Type: decode.TypeString}, TypeOptions{}, "VARCHAR(1048576)"},
		{&decode.Schema{Type: decode.TypeString, Parameters: p(paramSourceLength, "255")}, TypeOptions{}, "VARCHAR(1020)"},
		{&decode.Schema{Type: decode.TypeBytes}, TypeOptions{}, "VARCHAR(1048576)"},
		{logical(decode.TypeBytes, decode.ConnectDecimal), TypeOptions{}, "VARCHAR(1048576)"}, // no scale: each value has its own
		{&decode.Schema{Type: decode.TypeBytes, Name: decode.ConnectDecimal, Parameters: p("scale", "2", "connect.decimal.precision", "10")}, TypeOptions{}, "DECIMAL(10,2)"},
		{&decode.Schema{Type: decode.TypeBytes, Name: decode.ConnectDecimal, Parameters: p("scale", "4", "connect.decimal.precision", "65")}, TypeOptions{}, "VARCHAR(67)"},
		{&decode.Schema{Type: decode.TypeBytes, Name: decode.ConnectDecimal, Parameters: p("scale", "4", "connect.decimal.precision", "65")}, TypeOptions{Decimal256: true}, "DECIMAL256(65,4)"},
		{&decode.Schema{Type: decode.TypeBytes, Name: decode.ConnectDecimal, Parameters: p("scale", "0", paramSourceType, "BIGINT UNSIGNED")}, TypeOptions{}, "LARGEINT"},
		{&decode.Schema{Type: decode.TypeStruct, Name: cdc.VariableScaleDecimal}, TypeOptions{}, "VARCHAR(1048576)"},
		{logical(decode.TypeInt32, cdc.Date), TypeOptions{}, "DATE"},
		{logical(decode.TypeInt64, cdc.MicroTimestamp), TypeOptions{}, "DATETIME"},
		{logical(decode.TypeString, cdc.ZonedTimestamp), TypeOptions{}, "DATETIME"},
		{logical(decode.TypeInt64, cdc.MicroTime), TypeOptions{}, "VARCHAR(32)"},
		{logical(decode.TypeString, cdc.JSON), TypeOptions{}, "JSON"},
		{logical(decode.TypeString, "io.debezium.data.Uuid"), TypeOptions{}, "VARCHAR(36)"},
		{&decode.Schema{Type: decode.TypeString, Name: "io.debezium.data.Enum", Parameters: p("allowed", "red,green,yellow")}, TypeOptions{}, "VARCHAR(6)"},
		{&decode.Schema{Type: decode.TypeString, Name: "io.debezium.data.EnumSet", Parameters: p("allowed", "a,bb")}, TypeOptions{}, "VARCHAR(5)"},
		{logical(decode.TypeInt32, "io.debezium.time.Year"), TypeOptions{}, "INT"},
		{logical(decode.TypeStruct, cdc.Geometry), TypeOptions{}, "VARCHAR(1048576)"},
		{&decode.Schema{Type: decode.TypeArray, Items: logical(decode.TypeInt32, cdc.Date)}, TypeOptions{}, "ARRAY<DATE>"},
		{&decode.Schema{Type: decode.TypeStruct}, TypeOptions{}, "JSON"},
		{&decode.Schema{Type: decode.TypeMap}, TypeOptions{}, "JSON"},
	} {
		got, err := ColumnType(tc.s, tc.o)
		if err != nil || got != tc.want {
			t.Errorf("%s %s %v: %s, %v; want %s", tc.s.Type, tc.s.Name, tc.s.Parameters, got, err, tc.want)
		}
	}
	if _, err := ColumnType(nil, TypeOptions{}); !errors.Is(err, ErrNoType) {
		t.Errorf("schemaless: %v", err)
	}
	for in, want := range map[string]string{"DOUBLE": "VARCHAR(64)", "DECIMAL(10,2)": "VARCHAR(80)", "JSON": "VARCHAR(1048576)", "INT": "INT", "DATETIME": "DATETIME"} {
		if got, _ := PrimaryKeyType(in); got != want {
			t.Errorf("PrimaryKeyType(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestUnsignedBigint(t *testing.T) {
	s := &decode.Schema{Type: decode.TypeInt64, Parameters: map[string]string{paramSourceType: "BIGINT UNSIGNED"}}
	if got, err := one(t, &Encoder{}, s, int64(-1)); err != nil || got != `{"c":18446744073709551615,"__op":0}` {
		t.Fatalf("%s %v", got, err)
	}
	if got, _ := one(t, &Encoder{}, &decode.Schema{Type: decode.TypeInt64}, int64(-1)); got != `{"c":-1,"__op":0}` {
		t.Fatalf("signed: %s", got)
	}
}

// Values StarRocks would silently store as NULL go to the dead-letter path.
func TestSilentNullsRefused(t *testing.T) {
	e := &Encoder{}
	dec := &decode.Schema{Type: decode.TypeBytes, Name: decode.ConnectDecimal, Parameters: map[string]string{"scale": "2", "connect.decimal.precision": "5"}}
	if got, err := one(t, e, dec, decode.DecimalFromBytes([]byte{0x01, 0x86, 0x9f}, 2)); err != nil || got != `{"c":999.99,"__op":0}` { // 99999 → 999.99 fits (5,2)
		t.Errorf("999.99 in DECIMAL(5,2): %s %v", got, err)
	}
	if _, err := one(t, e, dec, decode.DecimalFromBytes([]byte{0x01, 0x86, 0xa0}, 2)); !errors.Is(err, ErrValue) { // 1000.00
		t.Errorf("1000.00 in DECIMAL(5,2): %v", err)
	}
	if _, err := one(t, e, logical(decode.TypeInt32, cdc.Date), int64(2932897)); !errors.Is(err, ErrValue) { // 10000-01-01
		t.Errorf("year 10000: %v", err)
	}
	if _, err := one(t, e, logical(decode.TypeInt64, cdc.MicroTimestamp), int64(-62167219200000001)); !errors.Is(err, ErrValue) { // before 0000-01-01
		t.Errorf("year -1: %v", err)
	}
	if got, err := one(t, e, logical(decode.TypeInt64, cdc.MicroTimestamp), int64(-62167219200000000)); err != nil || got != `{"c":"0000-01-01 00:00:00","__op":0}` {
		t.Errorf("year 0: %s %v", got, err)
	}
}

func TestPartialRow(t *testing.T) {
	row := &decode.Struct{Names: []string{"id", "doc", "n"}, Values: []any{int64(1), "__debezium_unavailable_value", int64(2)}}
	ch := cdc.Change{Op: cdc.OpUpsert, Row: row, Unavailable: []string{"doc"}}
	out, err := (&Encoder{}).AppendJSON(nil, ch)
	if err != nil || string(out) != `{"id":1,"n":2,"__op":0}` {
		t.Fatalf("%s %v", out, err)
	}
	if got := (&Encoder{}).Columns(ch); got != "id,n,__op" {
		t.Fatalf("columns %q", got)
	}
	if got := (&Encoder{}).Columns(cdc.Change{Row: row}); got != "" {
		t.Fatalf("full row columns %q", got)
	}
}

// With Varbinary, bytes columns travel as hex under a temporary key that
// the columns header maps with to_binary (exact bytes in VARBINARY).
func TestVarbinary(t *testing.T) {
	row := &decode.Struct{
		Schema: &decode.Schema{Type: decode.TypeStruct, Fields: []decode.Field{
			{Name: "id", Schema: &decode.Schema{Type: decode.TypeInt32}},
			{Name: "blob", Schema: &decode.Schema{Type: decode.TypeBytes, Optional: true}},
			{Name: "price", Schema: &decode.Schema{Type: decode.TypeBytes, Name: decode.ConnectDecimal, Parameters: map[string]string{"scale": "0"}}},
		}},
		Names:  []string{"id", "blob", "price"},
		Values: []any{int64(1), []byte{0, 0xff}, decode.DecimalFromBytes([]byte{7}, 0)},
	}
	e := &Encoder{Varbinary: true}
	ch := cdc.Change{Row: row}
	out, err := e.AppendJSON(nil, ch)
	if err != nil || string(out) != `{"id":1,"__hex_blob":"00ff","price":7,"__op":0}` {
		t.Fatalf("%s %v", out, err)
	}
	if got := e.Columns(ch); got != "id,__hex_blob,blob=to_binary(__hex_blob,'hex'),price,__op" {
		t.Fatalf("columns %q", got)
	}
	if typ, _ := ColumnType(row.Schema.Fields[1].Schema, TypeOptions{Varbinary: true}); typ != "VARBINARY(1048576)" {
		t.Fatalf("type %s", typ)
	}
}
