package transform

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
)

// Helpers of the Kafka transform tests: schema and struct builders, a
// canonical text rendering of schemas and values for kafkaCase comparisons,
// and fixture decoding.

// sch builds a schema: sch(decode.TypeInt32), then modifiers.
func sch(t decode.Type, mods ...func(*decode.Schema)) *decode.Schema {
	s := &decode.Schema{Type: t}
	for _, m := range mods {
		m(s)
	}
	return s
}

func optSch(s *decode.Schema)                         { s.Optional = true }
func withName(n string) func(*decode.Schema)          { return func(s *decode.Schema) { s.Name = n } }
func withDef(v any) func(*decode.Schema)              { return func(s *decode.Schema) { s.Default = v } }
func withVersion(v int) func(*decode.Schema)          { return func(s *decode.Schema) { s.Version = v } }
func withItems(i *decode.Schema) func(*decode.Schema) { return func(s *decode.Schema) { s.Items = i } }

// fields adds struct fields from name, schema pairs.
func withFields(pairs ...any) func(*decode.Schema) {
	return func(s *decode.Schema) {
		for i := 0; i < len(pairs); i += 2 {
			s.Fields = append(s.Fields, decode.Field{Name: pairs[i].(string), Index: len(s.Fields), Schema: pairs[i+1].(*decode.Schema)})
		}
	}
}

// structOf builds a Struct of s with the values in field order.
func structOf(s *decode.Schema, vals ...any) *decode.Struct {
	st := &decode.Struct{Schema: s}
	for i, f := range s.Fields {
		st.Names = append(st.Names, f.Name)
		var v any
		if i < len(vals) {
			v = vals[i]
		}
		st.Values = append(st.Values, v)
	}
	return st
}

// obj builds a schemaless map from key, value pairs.
func smapOf(pairs ...any) *decode.Struct {
	st := &decode.Struct{}
	for i := 0; i < len(pairs); i += 2 {
		st.Names = append(st.Names, pairs[i].(string))
		st.Values = append(st.Values, pairs[i+1])
	}
	return st
}

func decOf(s string) decode.Decimal {
	d, ok := javaBigDecimal(s)
	if !ok {
		panic(s)
	}
	return d
}

// Logical schemas, as converters decode them.
func tsSchema(mods ...func(*decode.Schema)) *decode.Schema {
	return sch(decode.TypeInt64, append([]func(*decode.Schema){withName(decode.ConnectTimestamp), withVersion(1)}, mods...)...)
}

func dateSch(mods ...func(*decode.Schema)) *decode.Schema {
	return sch(decode.TypeInt32, append([]func(*decode.Schema){withName(decode.ConnectDate), withVersion(1)}, mods...)...)
}

func timeSch(mods ...func(*decode.Schema)) *decode.Schema {
	return sch(decode.TypeInt32, append([]func(*decode.Schema){withName(decode.ConnectTime), withVersion(1)}, mods...)...)
}

func decSchema(scale int) *decode.Schema {
	return sch(decode.TypeBytes, withName(decode.ConnectDecimal), withVersion(1), func(s *decode.Schema) {
		s.Parameters = map[string]string{decode.DecimalScaleParam: strconv.Itoa(scale)}
	})
}

// typeText is the short name of a type in renderings.
func typeText(t decode.Type) string {
	switch t {
	case decode.TypeFloat32:
		return "float32"
	case decode.TypeFloat64:
		return "float64"
	}
	return t.String()
}

// renderSchema renders a schema compactly: [name:]type[#version][?][=default],
// struct{f:schema,...}, array<item>, map<key,value>; Connect's logical
// names are shortened to connect.X.
func renderSchema(s *decode.Schema) string {
	if s == nil {
		return "none"
	}
	var b strings.Builder
	if s.Name != "" {
		b.WriteString(strings.Replace(s.Name, "org.apache.kafka.connect.data.", "connect.", 1))
		b.WriteByte(':')
	}
	b.WriteString(typeText(s.Type))
	switch s.Type {
	case decode.TypeStruct:
		b.WriteByte('{')
		for i, f := range s.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.Name + ":" + renderSchema(f.Schema))
		}
		b.WriteByte('}')
	case decode.TypeArray:
		b.WriteString("<" + renderSchema(s.Items) + ">")
	case decode.TypeMap:
		b.WriteString("<" + renderSchema(s.Keys) + "," + renderSchema(s.Values) + ">")
	}
	if s.Version != 0 {
		b.WriteString("#" + strconv.Itoa(s.Version))
	}
	if s.Optional {
		b.WriteByte('?')
	}
	if s.Default != nil {
		b.WriteString("=" + renderKafkaValue(s.Default))
	}
	return b.String()
}

// renderKafkaValue renders a value canonically: null, true, 42, 1.5, "text",
// b64:..., dec:1.50, n:<json number>, [a,b], map{k:v} (sorted), {k:v} for a
// schemaless map and Struct{k:v} for a struct (field order).
func renderKafkaValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	case string:
		return strconv.Quote(t)
	case []byte:
		return "b64:" + base64.StdEncoding.EncodeToString(t)
	case decode.Decimal:
		return "dec:" + t.String()
	case json.Number:
		return "n:" + string(t)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = renderKafkaValue(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(t)) {
			parts = append(parts, k+":"+renderKafkaValue(t[k]))
		}
		return "map{" + strings.Join(parts, ",") + "}"
	case *decode.Struct:
		parts := make([]string, len(t.Names))
		for i, n := range t.Names {
			parts[i] = n + ":" + renderKafkaValue(t.Values[i])
		}
		if t.Schema == nil {
			return "{" + strings.Join(parts, ",") + "}"
		}
		return "Struct{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// kafkaClass returns the full class name of a Kafka transform.
func kafkaClass(short string) string { return kafkaPkg + short }

// newT builds a transform by class (short Kafka name) and options.
func newKafkaT(t *testing.T, class string, props map[string]string) Transformation {
	t.Helper()
	f, ok := transforms()[kafkaClass(class)]
	if !ok {
		t.Fatalf("class %s is not registered", class)
	}
	tr, err := f(props)
	if err != nil {
		t.Fatalf("%s %v: %v", class, props, err)
	}
	return tr
}

// valueRec is a record on topic "t", partition 2, offset 42, timestamp
// 1700000000000 with the given value.
func valueRecord(s *decode.Schema, v any) *Record {
	return &Record{Topic: "t", Partition: 2, Offset: 42, Timestamp: 1700000000000, Value: decode.Record{Schema: s, Value: v}, OriginalTopic: "t", OriginalPartition: 2}
}

func keyRecord(s *decode.Schema, v any) *Record {
	r := valueRecord(nil, smapOf("v", int64(1)))
	r.Key = decode.Record{Schema: s, Value: v}
	return r
}

// kafkaCase is one table case: a transform, a record, and the expected
// schema and value of the operand (or an error text).
type kafkaCase struct {
	name       string
	class      string // short Kafka class name
	props      map[string]string
	in         *Record
	key        bool   // compare the key instead of the value
	wantSchema string // renderSchema of the result; "" skips
	want       string // render of the result, "dropped", or ""
	wantErr    string
}

func runKafkaCases(t *testing.T, cases []kafkaCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newKafkaT(t, tc.class, tc.props)
			out, err := tr.Apply(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out == nil {
				if tc.want != "dropped" {
					t.Fatalf("dropped, want %s", tc.want)
				}
				return
			}
			d := out.Value
			if tc.key {
				d = out.Key
			}
			if tc.wantSchema != "" {
				if got := renderSchema(d.Schema); got != tc.wantSchema {
					t.Errorf("schema\n got %s\nwant %s", got, tc.wantSchema)
				}
			}
			if tc.want != "" {
				if got := renderKafkaValue(d.Value); got != tc.want {
					t.Errorf("value\n got %s\nwant %s", got, tc.want)
				}
			}
		})
	}
}

// configErr builds class with props and returns the error, checking it
// wraps config.ErrInvalid and says each of wants.
func kafkaConfigErr(t *testing.T, class string, props map[string]string, wants ...string) {
	t.Helper()
	var err error
	if f, ok := transforms()[kafkaClass(class)]; ok {
		_, err = f(props)
	} else if p, ok := predicates()[kafkaClass(class)]; ok {
		_, err = p(props)
	} else {
		t.Fatalf("class %s is not registered", class)
	}
	if err == nil || !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("%s %v: err = %v, want a config.ErrInvalid", class, props, err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s %v: %q does not say %q", class, props, err, w)
		}
	}
}

// kafkaFixture decodes a Debezium fixture with JsonConverter (schemas on or
// off) into a record of topic "dbserver1.inventory.customers".
func kafkaFixture(t *testing.T, name string, schemas bool) *Record {
	t.Helper()
	return &Record{Topic: customersTopic, Partition: 0, Offset: 7, Timestamp: 1661328309300, Value: decodeFixture(t, name, schemas),
		OriginalTopic: customersTopic}
}

// chainOf builds a chain from transforms given as alias, class, props.
func kafkaChain(t *testing.T, specs ...any) *Chain {
	t.Helper()
	var ts []config.Transform
	for i := 0; i < len(specs); i += 3 {
		ts = append(ts, config.Transform{Name: specs[i].(string), Type: kafkaClass(specs[i+1].(string)), Props: specs[i+2].(map[string]string)})
	}
	c, err := NewChain(ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
