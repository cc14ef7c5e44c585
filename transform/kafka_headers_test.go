package transform

import (
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/decode"
)

// Golden cases worked from Kafka 3.9's DropHeaders, InsertHeader,
// HeaderFrom and Values.parseString (source and tests).

// renderHeaders renders headers as key=schema:value, space-separated.
func renderHeaders(hs []Header) string {
	var parts []string
	for _, h := range hs {
		parts = append(parts, h.Key+"="+renderSchema(h.Schema)+":"+renderKafkaValue(h.Value))
	}
	return strings.Join(parts, " ")
}

func recWithHeaders(r *Record, hs ...Header) *Record {
	r.Headers = hs
	return r
}

func TestDropHeaders(t *testing.T) {
	in := recWithHeaders(valueRecord(nil, nil), Header{Key: "a", Value: "1"}, Header{Key: "x", Value: "2"}, Header{Key: "b"}, Header{Key: "a", Value: "3"})
	out, err := newKafkaT(t, "DropHeaders", map[string]string{"headers": "a, b"}).Apply(in)
	if err != nil || renderHeaders(out.Headers) != `x=none:"2"` {
		t.Fatalf("got %s, %v", renderHeaders(out.Headers), err)
	}
	kafkaConfigErr(t, "DropHeaders", map[string]string{"headers": " "}, "Empty list")
	kafkaConfigErr(t, "DropHeaders", map[string]string{}, "headers: missing required configuration")
}

func TestInsertHeader(t *testing.T) {
	backing := make([]Header, 1, 4)
	backing[0] = Header{Key: "h", Value: "old"}
	in := recWithHeaders(valueRecord(nil, nil), backing...)
	in.Headers = backing[:1]
	out, err := newKafkaT(t, "InsertHeader", map[string]string{"header": "h", "value.literal": "42"}).Apply(in)
	if err != nil || renderHeaders(out.Headers) != `h=none:"old" h=int8:42` {
		t.Fatalf("got %s, %v", renderHeaders(out.Headers), err)
	}
	if backing[:2][1].Key != "" {
		t.Error("InsertHeader wrote into the record's header array")
	}
	out, _ = newKafkaT(t, "InsertHeader", map[string]string{"header": "h", "value.literal": ""}).Apply(valueRecord(nil, nil))
	if renderHeaders(out.Headers) != `h=string:""` {
		t.Errorf("empty literal: %s", renderHeaders(out.Headers))
	}
	kafkaConfigErr(t, "InsertHeader", map[string]string{"value.literal": "x"}, "header: missing required configuration")
	kafkaConfigErr(t, "InsertHeader", map[string]string{"header": "x"}, "value.literal: missing required configuration")
}

func TestParseConnectValue(t *testing.T) {
	days := func(y, m, d int) string {
		return renderKafkaValue(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	}
	for in, want := range map[string]string{
		"":                         `string:""`,
		"  ":                       `string:"  "`,
		"simple string":            `string:"simple string"`,
		"si\\:mple":                `string:"si\\:mple"`,
		" true ":                   "boolean:true",
		"false":                    "boolean:false",
		"true}":                    `string:"true}"`,
		"null":                     "none:null",
		" null ":                   "none:null",
		"null=":                    `string:"null="`,
		"42":                       "int8:42",
		"300":                      "int16:300",
		"70000":                    "int32:70000",
		"5000000000":               "int64:5000000000",
		"1.0":                      "int8:1",
		"1.5":                      "float32:1.5",
		"-7":                       "int8:-7",
		"+7":                       "int8:7",
		"123456789012345678901234": "connect.Decimal:bytes#1:dec:123456789012345678901234",
		"12,13":                    "int8:12",
		"12abc":                    `string:"12abc"`,
		"2024-01-02":               "connect.Date:int32#1:" + days(2024, 1, 2),
		"12:34:56.789Z":            "connect.Time:int32#1:45296789",
		"2024-01-02T12:34:56.789Z": "connect.Timestamp:int64#1:1704198896789",
		"[1, 2.5]":                 "array<float32>:[1,2.5]",
		"[true, false]":            "array<boolean>:[true,false]",
		"[foo]":                    `string:"[foo]"`,
		"[0 1 2]":                  `string:"[0 1 2]"`,
		"[]":                       "array<none>:[]",
		"[null]":                   "array<none>:[null]",
		`[1, "a"]`:                 `array<none>:[1,"a"]`,
		`{"a": 1, "b": 300}`:       `map<string,int16>:map{a:1,b:300}`,
		"{3: null}":                "map<int8,none>:map{3:null}",
		"{null: 3}":                `string:"{null: 3}"`,
		"{foo: 3}":                 `string:"{foo: 3}"`,
		"{6:9 4:20}":               `string:"{6:9 4:20}"`,
		"{}":                       "map<none,none>:map{}",
		`["2024-01-02", "x"]`:      `array<none>:[` + days(2024, 1, 2) + `,"x"]`,
		`[[1], [2, 3]]`:            "array<array<int8>>:[[1],[2,3]]",
	} {
		s, v := parseConnectValue(in)
		if got := renderSchema(s) + ":" + renderKafkaValue(v); got != want {
			t.Errorf("parseString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestHeaderFrom(t *testing.T) {
	s := sch(decode.TypeStruct, withName("row"), optSch, withFields("id", sch(decode.TypeInt32), "name", sch(decode.TypeString, optSch, withDef("anon"))))
	v := structOf(s, int64(1), nil)
	existing := Header{Key: "old", Value: "o"}
	for _, tc := range []struct {
		name           string
		class          string
		props          map[string]string
		in             *Record
		key            bool
		wantSchema     string
		want, wantHdrs string
		wantErr        string
	}{
		{name: "copy", class: "HeaderFrom$Value", props: map[string]string{"fields": "name,id", "headers": "h1,h2", "operation": "copy"},
			in: recWithHeaders(valueRecord(s, v), existing), wantSchema: renderSchema(s), want: "Struct{id:1,name:null}",
			wantHdrs: `old=none:"o" h1=string?="anon":"anon" h2=int32:1`},
		{name: "move: schema rebuilt required", class: "HeaderFrom$Value", props: map[string]string{"fields": "name", "headers": "h", "operation": "move"},
			in: valueRecord(s, v), wantSchema: "row:struct{id:int32}", want: "Struct{id:1}", wantHdrs: `h=string?="anon":"anon"`},
		{name: "replace.null.with.default=false", class: "HeaderFrom$Value",
			props: map[string]string{"fields": "name", "headers": "h", "operation": "copy", "replace.null.with.default": "false"},
			in:    valueRecord(s, v), wantHdrs: `h=string?="anon":null`},
		{name: "schemaless move; a missing field is a null header", class: "HeaderFrom$Value",
			props: map[string]string{"fields": "name,nope", "headers": "h,n", "operation": "move"},
			in:    valueRecord(nil, smapOf("id", jnum("1"), "name", "x")), want: "{id:n:1}", wantHdrs: `h=none:"x" n=none:null`},
		{name: "field not in the schema", class: "HeaderFrom$Value", props: map[string]string{"fields": "nope", "headers": "h", "operation": "copy"},
			in: valueRecord(s, v), wantErr: "field nope is not in the Schema{row:STRUCT} schema"},
		{name: "null value fails", class: "HeaderFrom$Value", props: map[string]string{"fields": "id", "headers": "h", "operation": "move"},
			in: valueRecord(s, nil), wantErr: "Only Struct objects supported for [header move], found: null"},
		{name: "key", class: "HeaderFrom$Key", key: true, props: map[string]string{"fields": "id", "headers": "h", "operation": "move"},
			in: keyRecord(s, v), wantSchema: "row:struct{name:string?=\"anon\"}", want: `Struct{name:"anon"}`, wantHdrs: "h=int32:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := newKafkaT(t, tc.class, tc.props).Apply(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := out.Value
			if tc.key {
				d = out.Key
			}
			if tc.wantSchema != "" && renderSchema(d.Schema) != tc.wantSchema {
				t.Errorf("schema %s, want %s", renderSchema(d.Schema), tc.wantSchema)
			}
			if tc.want != "" && renderKafkaValue(d.Value) != tc.want {
				t.Errorf("value %s, want %s", renderKafkaValue(d.Value), tc.want)
			}
			if got := renderHeaders(out.Headers); got != tc.wantHdrs {
				t.Errorf("headers %s, want %s", got, tc.wantHdrs)
			}
		})
	}
	kafkaConfigErr(t, "HeaderFrom$Value", map[string]string{"fields": "a,b", "headers": "h", "operation": "copy"},
		"'fields' config must have the same number of elements as 'headers' config.")
	kafkaConfigErr(t, "HeaderFrom$Value", map[string]string{"fields": "a", "headers": "h", "operation": "Move"}, "operation=Move: String must be one of: move, copy")
	kafkaConfigErr(t, "HeaderFrom$Value", map[string]string{"fields": "a", "headers": "h"}, "operation: missing required configuration")
}
