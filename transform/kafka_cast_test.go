package transform

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
)

// Golden cases worked from Kafka 3.9's Cast (source and CastTest).

func TestCast(t *testing.T) {
	all := sch(decode.TypeStruct, withName("s"), optSch, withFields(
		"int8", sch(decode.TypeInt8, withDef(int64(8))),
		"int16", sch(decode.TypeInt16, optSch),
		"int32", sch(decode.TypeInt32, withDef(int64(2))),
		"int64", sch(decode.TypeInt64),
		"float32", sch(decode.TypeFloat32),
		"float64", sch(decode.TypeFloat64, withDef(float64(-1))),
		"boolean", sch(decode.TypeBoolean),
		"string", sch(decode.TypeString),
		"bigdecimal", decSchema(0),
		"date", dateSch(),
		"optional", sch(decode.TypeInt32, optSch),
		"bytes", sch(decode.TypeBytes),
		"timestamp", tsSchema(),
	))
	allVal := structOf(all, int64(8), int64(16), int64(32), int64(64), float64(32), float64(-64), true, "42", decOf("42"), int64(1), nil,
		[]byte{0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}, int64(0))
	allSpec := "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32," +
		"bigdecimal:string,date:string,optional:int32,bytes:string"
	logical := sch(decode.TypeStruct, withFields(
		"date_to_int32", dateSch(),
		"timestamp_to_int64", tsSchema(),
		"time_to_int64", timeSch(),
		"decimal_to_int32", decSchema(0),
		"timestamp_to_float64", tsSchema(),
		"null_timestamp_to_int32", tsSchema(optSch),
	))
	logicalVal := structOf(logical, int64(1), int64(0), int64(1), decOf("2147483648"), int64(math.MaxInt64), nil)
	num := func(typ decode.Type, v any) *Record { return valueRecord(sch(typ), v) }
	str := func(v any, s *decode.Schema) *Record { return valueRecord(s, v) }
	withDef := sch(decode.TypeStruct, withFields("n", sch(decode.TypeInt32, optSch, withDef(int64(5)))))
	runKafkaCases(t, []kafkaCase{
		{name: "fields of every input type", class: "Cast$Value", props: map[string]string{"spec": allSpec},
			in: valueRecord(all, allVal),
			wantSchema: "s:struct{int8:int16=8,int16:int32?,int32:int64=2,int64:boolean,float32:float64,float64:boolean=true,boolean:int8," +
				"string:int32,bigdecimal:string,date:string,optional:int32?,bytes:string,timestamp:connect.Timestamp:int64#1}?",
			want: `Struct{int8:8,int16:16,int32:32,int64:true,float32:32,float64:true,boolean:1,string:42,bigdecimal:"42",` +
				`date:"1970-01-02",optional:null,bytes:"/ty6mHZUMhA=",timestamp:0}`},
		{name: "logical to primitive", class: "Cast$Value",
			props: map[string]string{"spec": "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32,timestamp_to_float64:float64,null_timestamp_to_int32:int32"},
			in:    valueRecord(logical, logicalVal),
			wantSchema: "struct{date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32," +
				"timestamp_to_float64:float64,null_timestamp_to_int32:int32?}",
			want: "Struct{date_to_int32:1,timestamp_to_int64:0,time_to_int64:1,decimal_to_int32:-2147483648,timestamp_to_float64:9.223372036854776e+18,null_timestamp_to_int32:null}"},
		{name: "whole value keeps name and version", class: "Cast$Value", props: map[string]string{"spec": "int32"},
			in: valueRecord(sch(decode.TypeInt64, withName("my.Id"), withVersion(3), optSch), int64(42)), wantSchema: "my.Id:int32#3?", want: "42"},
		{name: "whole key", class: "Cast$Key", key: true, props: map[string]string{"spec": "INT8"},
			in: keyRecord(sch(decode.TypeInt32), int64(42)), wantSchema: "int8", want: "42"},
		{name: "narrowing wraps", class: "Cast$Value", props: map[string]string{"spec": "int8"}, in: num(decode.TypeInt32, int64(300)), want: "44"},
		{name: "double to int truncates", class: "Cast$Value", props: map[string]string{"spec": "int32"}, in: num(decode.TypeFloat64, 1.9), want: "1"},
		{name: "double to int8 through int", class: "Cast$Value", props: map[string]string{"spec": "int8"}, in: num(decode.TypeFloat64, 1e20), want: "-1"},
		{name: "double to int saturates", class: "Cast$Value", props: map[string]string{"spec": "int32"}, in: num(decode.TypeFloat64, -1e20), want: "-2147483648"},
		{name: "NaN to long is 0", class: "Cast$Value", props: map[string]string{"spec": "int64"}, in: num(decode.TypeFloat64, math.NaN()), want: "0"},
		{name: "0.5 to boolean is false", class: "Cast$Value", props: map[string]string{"spec": "boolean"}, in: num(decode.TypeFloat64, 0.5), want: "false"},
		{name: "long to float32 rounds", class: "Cast$Value", props: map[string]string{"spec": "float32"}, in: num(decode.TypeInt64, int64(16777217)), want: "1.6777216e+07"},
		{name: "string to int: sign allowed", class: "Cast$Value", props: map[string]string{"spec": "int32"}, in: str("+42", sch(decode.TypeString)), want: "42"},
		{name: "string to int: no blanks", class: "Cast$Value", props: map[string]string{"spec": "int32"}, in: str(" 42", sch(decode.TypeString)),
			wantErr: "Value ( 42) was out of range for requested data type"},
		{name: "string to int: no point", class: "Cast$Value", props: map[string]string{"spec": "int64"}, in: str("42.0", sch(decode.TypeString)),
			wantErr: "Value (42.0) was out of range for requested data type"},
		{name: "string to int8 out of range", class: "Cast$Value", props: map[string]string{"spec": "int8"}, in: str("128", sch(decode.TypeString)),
			wantErr: "Value (128) was out of range"},
		{name: "string to double trims", class: "Cast$Value", props: map[string]string{"spec": "float64"}, in: str(" 1.5 ", sch(decode.TypeString)), want: "1.5"},
		{name: "string NaN to double", class: "Cast$Value", props: map[string]string{"spec": "float64"}, in: str("NaN", sch(decode.TypeString)), want: "NaN"},
		{name: "string -Infinity to float", class: "Cast$Value", props: map[string]string{"spec": "float32"}, in: str("-Infinity", sch(decode.TypeString)), want: "-Inf"},
		{name: "string 1e3f to float", class: "Cast$Value", props: map[string]string{"spec": "float32"}, in: str("1e3f", sch(decode.TypeString)), want: "1000"},
		{name: "string inf is no Java double", class: "Cast$Value", props: map[string]string{"spec": "float64"}, in: str("inf", sch(decode.TypeString)),
			wantErr: "out of range"},
		{name: "string to boolean", class: "Cast$Value", props: map[string]string{"spec": "boolean"}, in: str("TRUE", sch(decode.TypeString)), want: "true"},
		{name: "other string to boolean", class: "Cast$Value", props: map[string]string{"spec": "boolean"}, in: str("yes", sch(decode.TypeString)), want: "false"},
		{name: "double to string", class: "Cast$Value", props: map[string]string{"spec": "string"}, in: num(decode.TypeFloat64, 1e10), want: `"1.0E10"`},
		{name: "float to string", class: "Cast$Value", props: map[string]string{"spec": "string"}, in: num(decode.TypeFloat32, float64(float32(0.1))), want: `"0.1"`},
		{name: "integral double to string", class: "Cast$Value", props: map[string]string{"spec": "string"}, in: num(decode.TypeFloat64, 100.0), want: `"100.0"`},
		{name: "decimal to string, E notation", class: "Cast$Value", props: map[string]string{"spec": "string"}, in: str(decOf("1E+3"), decSchema(-3)), want: `"1E+3"`},
		{name: "small decimal to string", class: "Cast$Value", props: map[string]string{"spec": "string"}, in: str(decOf("0.0000001"), decSchema(7)), want: `"1E-7"`},
		{name: "decimal to double: the whole value keeps the logical name (copySchemaBasics)", class: "Cast$Value", props: map[string]string{"spec": "float64"}, in: str(decOf("123.45"), decSchema(2)), wantSchema: "connect.Decimal:float64#1", want: "123.45"},
		{name: "timestamp to string", class: "Cast$Value", props: map[string]string{"spec": "string"}, in: str(int64(1700000000123), tsSchema()),
			wantSchema: "connect.Timestamp:string#1", want: `"2023-11-14T22:13:20.123Z"`},
		{name: "midnight timestamp to string is a date", class: "Cast$Value", props: map[string]string{"spec": "string"}, in: str(int64(86400000*19000), tsSchema()),
			want: `"2022-01-08"`},
		{name: "pre-1970 timestamp to string is a time", class: "Cast$Value", props: map[string]string{"spec": "string"}, in: str(int64(-1000), tsSchema()),
			want: `"23:59:59.000Z"`},
		{name: "time to string", class: "Cast$Value", props: map[string]string{"spec": "string"}, in: str(int64(45296789), timeSch()), want: `"12:34:56.789Z"`},
		{name: "bytes to int", class: "Cast$Value", props: map[string]string{"spec": "int32"}, in: str([]byte{1}, sch(decode.TypeBytes)),
			wantErr: "Unexpected type in Cast transformation: class [B"},
		{name: "array field", class: "Cast$Value", props: map[string]string{"spec": "a:string"},
			in:      valueRecord(sch(decode.TypeStruct, withFields("a", sch(decode.TypeArray, withItems(sch(decode.TypeString))))), structOf(sch(decode.TypeStruct, withFields("a", sch(decode.TypeArray, withItems(sch(decode.TypeString))))), []any{"x"})),
			wantErr: "Cast transformation does not support casting from ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"},
		{name: "null default substituted then cast", class: "Cast$Value", props: map[string]string{"spec": "n:string"},
			in: valueRecord(withDef, structOf(withDef, nil)), wantSchema: `struct{n:string?="5"}`, want: `Struct{n:"5"}`},
		{name: "replace.null.with.default=false", class: "Cast$Value", props: map[string]string{"spec": "n:string", "replace.null.with.default": "false"},
			in: valueRecord(withDef, structOf(withDef, nil)), want: `Struct{n:null}`},
		{name: "tombstone passes", class: "Cast$Value", props: map[string]string{"spec": "int8"}, in: valueRecord(sch(decode.TypeInt32, optSch), nil), want: "null"},
		{name: "schemaless fields by Java class; missing added as null", class: "Cast$Value",
			props: map[string]string{"spec": "int:string,dbl:string,str:int64,b:float32,missing:int8"},
			in:    valueRecord(nil, smapOf("int", jnum("42"), "dbl", jnum("1.50"), "str", "42", "b", true, "other", "x")),
			want:  `{int:"42",dbl:"1.5",str:42,b:1,other:"x",missing:null}`},
		{name: "schemaless whole value", class: "Cast$Value", props: map[string]string{"spec": "int8"}, in: valueRecord(nil, jnum("300")), wantSchema: "none", want: "44"},
		{name: "schemaless array", class: "Cast$Value", props: map[string]string{"spec": "a:int8"}, in: valueRecord(nil, smapOf("a", []any{})),
			wantErr: "Cast transformation does not support casting from ARRAY"},
		{name: "schemaless map", class: "Cast$Value", props: map[string]string{"spec": "string"}, in: valueRecord(nil, smapOf()),
			wantErr: "Cast transformation does not support casting from MAP"},
		{name: "schemaless non-map", class: "Cast$Value", props: map[string]string{"spec": "a:int8"}, in: valueRecord(nil, "x"),
			wantErr: "Only Map objects supported in absence of schema for [cast types], found: java.lang.String"},
	})
	// A struct schema with a default: Cast casts the default to STRUCT, an
	// input type it refuses.
	sd := sch(decode.TypeStruct, withFields("n", sch(decode.TypeInt32, optSch)))
	sd.Default = structOf(sd, int64(1))
	runKafkaCases(t, []kafkaCase{{name: "struct default", class: "Cast$Value", props: map[string]string{"spec": "n:string"},
		in: valueRecord(sd, structOf(sd, int64(2))), wantErr: "Cast transformation does not support casting from STRUCT"}})

	kafkaConfigErr(t, "Cast$Value", map[string]string{}, "spec: missing required configuration")
	kafkaConfigErr(t, "Cast$Value", map[string]string{"spec": ""}, "Must specify at least one field to cast.")
	kafkaConfigErr(t, "Cast$Value", map[string]string{"spec": "foo:bytes"}, "Cast transformation does not support casting to BYTES; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]")
	kafkaConfigErr(t, "Cast$Value", map[string]string{"spec": "int8,foo:int16"}, "may only specify a single cast in their spec")
	kafkaConfigErr(t, "Cast$Key", map[string]string{"spec": "foo:nope"}, "spec=foo:nope: Invalid type found in casting spec: nope")
	kafkaConfigErr(t, "Cast$Key", map[string]string{"spec": "a:b:c"}, "Invalid rename mapping: a:b:c")
}

// NewChain prefixes an option error with the stage and wraps
// config.ErrInvalid.
func TestCastConfigThroughChain(t *testing.T) {
	_, err := NewChain([]config.Transform{{Name: "c", Type: kafkaClass("Cast$Value"), Props: map[string]string{"spec": "x:nope"}}}, nil)
	if err == nil || !errors.Is(err, config.ErrInvalid) ||
		!strings.Contains(err.Error(), "transforms.c (org.apache.kafka.connect.transforms.Cast$Value): spec=x:nope: Invalid type found in casting spec: nope") {
		t.Fatalf("err = %v", err)
	}
}

func TestJavaNumberStrings(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		bits int
		want string
	}{
		{1, 64, "1.0"}, {100, 64, "100.0"}, {0.001, 64, "0.001"}, {0.0001, 64, "1.0E-4"}, {1e7, 64, "1.0E7"},
		{9999999, 64, "9999999.0"}, {1.5e-7, 64, "1.5E-7"}, {123456789.125, 64, "1.23456789125E8"}, {-2.5, 64, "-2.5"},
		{math.Copysign(0, -1), 64, "-0.0"}, {math.Inf(1), 64, "Infinity"}, {math.NaN(), 64, "NaN"},
		{float64(float32(0.1)), 32, "0.1"}, {float64(float32(1e10)), 32, "1.0E10"}, {float64(float32(3.14159)), 32, "3.14159"},
		{9.223372036854776e18, 64, "9.223372036854776E18"},
	} {
		if got := javaFloatString(tc.f, tc.bits); got != tc.want {
			t.Errorf("javaFloatString(%v, %d) = %s, want %s", tc.f, tc.bits, got, tc.want)
		}
	}
	for in, want := range map[string]string{
		"0": "0", "42": "42", "-42.50": "-42.50", "0.000001": "0.000001", "0.0000001": "1E-7", "1E+3": "1E+3",
		"12.3E+5": "1.23E+6", "-0.00000012": "-1.2E-7", "1e-2": "0.01",
	} {
		if got := javaBigDecimalString(decOf(in)); got != want {
			t.Errorf("BigDecimal(%s).toString() = %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", "-", ".", "1e", "1.2.3", "abc", "1e+-2", " 1"} {
		if _, ok := javaBigDecimal(bad); ok {
			t.Errorf("javaBigDecimal(%q) accepted", bad)
		}
	}
	for in, want := range map[string]float64{"1.5": 1.5, " 2 ": 2, "1d": 1, "-Infinity": math.Inf(-1), "0x1p3": 8, "1e400": math.Inf(1)} {
		if got, ok := javaParseDouble(in, 64); !ok || got != want {
			t.Errorf("javaParseDouble(%q) = %v, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "inf", "nan", "1_0", "--1", "0x", "1.5x"} {
		if _, ok := javaParseDouble(bad, 64); ok {
			t.Errorf("javaParseDouble(%q) accepted", bad)
		}
	}
}
