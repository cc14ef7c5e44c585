package transform

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/decode"
)

// Golden cases worked from Kafka 3.9's ReplaceField, MaskField,
// InsertField, ValueToKey, ExtractField, HoistField and Flatten (their
// source and unit tests), with and without schema.

func jnum(s string) json.Number { return json.Number(s) }

func abcSchema(mods ...func(*decode.Schema)) *decode.Schema {
	return sch(decode.TypeStruct, append([]func(*decode.Schema){withName("test.Value"), withVersion(2),
		withFields("dont", sch(decode.TypeString), "abc", sch(decode.TypeInt32), "foo", sch(decode.TypeBoolean), "etc", sch(decode.TypeString))}, mods...)...)
}

func abcValue(s *decode.Schema) *decode.Struct {
	return structOf(s, "whatever", int64(42), true, "etc")
}

func TestReplaceField(t *testing.T) {
	s := abcSchema()
	withDef := sch(decode.TypeStruct, withFields("id", sch(decode.TypeInt32), "n", sch(decode.TypeInt32, optSch, withDef(int64(7)))))
	ab := sch(decode.TypeStruct, withFields("a", sch(decode.TypeInt32), "b", sch(decode.TypeInt32)))
	runKafkaCases(t, []kafkaCase{
		{name: "schemaless exclude and renames", class: "ReplaceField$Value",
			props: map[string]string{"exclude": "dont", "renames": "abc:xyz,foo:bar"},
			in:    valueRecord(nil, smapOf("dont", "whatever", "abc", jnum("42"), "foo", true, "etc", "etc")),
			want:  `{xyz:n:42,bar:true,etc:"etc"}`},
		{name: "schema include and renames: name kept, required", class: "ReplaceField$Value",
			props:      map[string]string{"include": "abc,foo", "renames": "abc:xyz,foo:bar"},
			in:         valueRecord(abcSchema(optSch), abcValue(s)),
			wantSchema: "test.Value:struct{xyz:int32,bar:boolean}#2", want: "Struct{xyz:42,bar:true}"},
		{name: "deprecated whitelist is include", class: "ReplaceField$Value",
			props:      map[string]string{"whitelist": "abc,foo"},
			in:         valueRecord(s, abcValue(s)),
			wantSchema: "test.Value:struct{abc:int32,foo:boolean}#2", want: "Struct{abc:42,foo:true}"},
		{name: "deprecated blacklist is exclude", class: "ReplaceField$Value",
			props: map[string]string{"blacklist": "dont,etc"},
			in:    valueRecord(nil, smapOf("dont", "whatever", "abc", jnum("42"), "etc", "etc")),
			want:  `{abc:n:42}`},
		{name: "include wins over whitelist", class: "ReplaceField$Value",
			props:      map[string]string{"include": "abc", "whitelist": "foo"},
			in:         valueRecord(s, abcValue(s)),
			wantSchema: "test.Value:struct{abc:int32}#2", want: "Struct{abc:42}"},
		{name: "exclude takes precedence over include", class: "ReplaceField$Value",
			props: map[string]string{"include": "abc,foo", "exclude": "foo"},
			in:    valueRecord(s, abcValue(s)), want: "Struct{abc:42}"},
		{name: "missing names are ignored", class: "ReplaceField$Value",
			props: map[string]string{"exclude": "nope", "renames": "nope:x"},
			in:    valueRecord(s, abcValue(s)), want: `Struct{dont:"whatever",abc:42,foo:true,etc:"etc"}`},
		{name: "tombstone with schema passes", class: "ReplaceField$Value",
			props: map[string]string{"include": "abc"},
			in:    valueRecord(s, nil), wantSchema: renderSchema(s), want: "null"},
		{name: "tombstone schemaless passes", class: "ReplaceField$Value",
			props: map[string]string{"include": "abc"},
			in:    valueRecord(nil, nil), wantSchema: "none", want: "null"},
		{name: "null reads as the default", class: "ReplaceField$Value",
			props: map[string]string{"exclude": "x"},
			in:    valueRecord(withDef, structOf(withDef, int64(1), nil)), want: "Struct{id:1,n:7}"},
		{name: "replace.null.with.default=false keeps null", class: "ReplaceField$Value",
			props: map[string]string{"exclude": "x", "replace.null.with.default": "FALSE"},
			in:    valueRecord(withDef, structOf(withDef, int64(1), nil)), want: "Struct{id:1,n:null}"},
		{name: "rename onto a kept field: duplication", class: "ReplaceField$Value",
			props:   map[string]string{"renames": "abc:etc"},
			in:      valueRecord(s, abcValue(s)),
			wantErr: "Cannot create field because of field name duplication etc"},
		{name: "schemaless rename collision: the later key wins", class: "ReplaceField$Value",
			props: map[string]string{"renames": "abc:etc"},
			in:    valueRecord(nil, smapOf("dont", "whatever", "abc", jnum("42"), "foo", true, "etc", "etc")),
			want:  `{dont:"whatever",etc:"etc",foo:true}`},
		{name: "a renamed-away excluded field still feeds its new name (Kafka's reverse lookup)", class: "ReplaceField$Value",
			props: map[string]string{"exclude": "a", "renames": "a:b"},
			in:    valueRecord(ab, structOf(ab, int64(1), int64(2))), wantSchema: "struct{b:int32}", want: "Struct{b:1}"},
		{name: "a later mapping of the same name wins", class: "ReplaceField$Value",
			props: map[string]string{"renames": "a:b2,a:c", "exclude": "b"},
			in:    valueRecord(ab, structOf(ab, int64(1), int64(2))), wantSchema: "struct{c:int32}", want: "Struct{c:1}"},
		{name: "duplicate JSON keys: the last one counts", class: "ReplaceField$Value",
			props: map[string]string{"exclude": "x"},
			in:    valueRecord(nil, smapOf("a", jnum("1"), "a", jnum("2"))), want: "{a:n:2}"},
		{name: "non-struct with schema", class: "ReplaceField$Value",
			props: map[string]string{"exclude": "x"}, in: valueRecord(sch(decode.TypeString), "s"),
			wantErr: "Only Struct objects supported for [field replacement], found: java.lang.String"},
		{name: "non-map without schema", class: "ReplaceField$Value",
			props: map[string]string{"exclude": "x"}, in: valueRecord(nil, jnum("5")),
			wantErr: "Only Map objects supported in absence of schema for [field replacement], found: java.lang.Long"},
		{name: "key", class: "ReplaceField$Key", key: true,
			props: map[string]string{"renames": "a:id"},
			in:    keyRecord(ab, structOf(ab, int64(1), int64(2))), wantSchema: "struct{id:int32,b:int32}", want: "Struct{id:1,b:2}"},
	})
	kafkaConfigErr(t, "ReplaceField$Value", map[string]string{"renames": "abc"}, "renames=abc: Invalid rename mapping: abc")
	kafkaConfigErr(t, "ReplaceField$Value", map[string]string{"renames": "a:b,a:b:c"}, "Invalid rename mapping: a:b:c")
	kafkaConfigErr(t, "ReplaceField$Key", map[string]string{"replace.null.with.default": "yes"}, "replace.null.with.default=yes: Expected value to be either true or false")
}

func maskSchema() *decode.Schema {
	return sch(decode.TypeStruct, withFields(
		"magic", sch(decode.TypeInt32),
		"bool", sch(decode.TypeBoolean),
		"byte", sch(decode.TypeInt8),
		"short", sch(decode.TypeInt16),
		"int", sch(decode.TypeInt32),
		"long", sch(decode.TypeInt64),
		"float", sch(decode.TypeFloat32),
		"double", sch(decode.TypeFloat64),
		"string", sch(decode.TypeString),
		"date", dateSch(),
		"time", timeSch(),
		"timestamp", tsSchema(),
		"decimal", decSchema(0),
		"array", sch(decode.TypeArray, withItems(sch(decode.TypeInt32))),
		"map", sch(decode.TypeMap, func(s *decode.Schema) { s.Keys, s.Values = sch(decode.TypeString), sch(decode.TypeString) }),
		"withDefault", sch(decode.TypeString, optSch, withDef("default")),
		"bytes", sch(decode.TypeBytes, optSch),
	))
}

func maskValue(s *decode.Schema) *decode.Struct {
	return structOf(s, int64(42), true, int64(42), int64(42), int64(42), int64(42), float64(42), float64(42), "hmm",
		int64(19000), int64(1000), int64(1700000000000), decOf("42"), []any{int64(1), int64(2), int64(3)}, map[string]any{"what": "what"}, nil, []byte{1})
}

func TestMaskField(t *testing.T) {
	s := maskSchema()
	all := "bool,byte,short,int,long,float,double,string,date,time,timestamp,decimal,array,map,withDefault"
	rep := func(field, r string) map[string]string {
		return map[string]string{"fields": field, "replacement": r}
	}
	runKafkaCases(t, []kafkaCase{
		{name: "schema: every type masked to its zero", class: "MaskField$Value",
			props: map[string]string{"fields": all, "replace.null.with.default": "false"},
			in:    valueRecord(s, maskValue(s)), wantSchema: renderSchema(s),
			want: `Struct{magic:42,bool:false,byte:0,short:0,int:0,long:0,float:0,double:0,string:"",date:0,time:0,timestamp:0,` +
				`decimal:dec:0,array:[],map:map{},withDefault:null,bytes:b64:AQ==}`},
		{name: "a null field reads as its default, which is masked", class: "MaskField$Value",
			props: map[string]string{"fields": "withDefault"},
			in:    valueRecord(s, maskValue(s)), want: `Struct{magic:42,bool:true,byte:42,short:42,int:42,long:42,float:42,double:42,string:"hmm",` +
				`date:19000,time:1000,timestamp:1700000000000,decimal:dec:42,array:[1,2,3],map:map{what:"what"},withDefault:"",bytes:b64:AQ==}`},
		{name: "bytes cannot be masked", class: "MaskField$Value", props: map[string]string{"fields": "bytes"},
			in: valueRecord(s, maskValue(s)), wantErr: "Cannot mask value of type: class [B"},
		{name: "replacement short", class: "MaskField$Value", props: rep("short", "123"),
			in: valueRecord(s, maskValue(s)), want: `Struct{magic:42,bool:true,byte:42,short:123,int:42,long:42,float:42,double:42,string:"hmm",` +
				`date:19000,time:1000,timestamp:1700000000000,decimal:dec:42,array:[1,2,3],map:map{what:"what"},withDefault:"default",bytes:b64:AQ==}`},
		{name: "replacement narrows like (byte)", class: "MaskField$Value", props: rep("byte,int,float,decimal,string", "300.5"),
			in: valueRecord(s, maskValue(s)), want: `Struct{magic:42,bool:true,byte:44,short:42,int:300,long:42,float:300.5,double:42,string:"300.5",` +
				`date:19000,time:1000,timestamp:1700000000000,decimal:dec:300.5,array:[1,2,3],map:map{what:"what"},withDefault:"default",bytes:b64:AQ==}`},
		{name: "replacement of a Time", class: "MaskField$Value", props: rep("time", "1"),
			in: valueRecord(s, maskValue(s)), wantErr: "Cannot mask value of type class java.util.Date with custom replacement."},
		{name: "replacement of an array", class: "MaskField$Value", props: rep("array", "1"),
			in: valueRecord(s, maskValue(s)), wantErr: "Cannot mask value of type class java.util.ArrayList with custom replacement."},
		{name: "replacement not a number", class: "MaskField$Value", props: rep("int", "foo"),
			in: valueRecord(s, maskValue(s)), wantErr: "Unable to convert foo (class java.lang.String) to a number"},
		{name: "replacement not a decimal", class: "MaskField$Value", props: rep("decimal", "foo"),
			in: valueRecord(s, maskValue(s)), wantErr: "Unable to convert foo (class java.lang.String) to number"},
		{name: "tombstone with schema fails", class: "MaskField$Value", props: map[string]string{"fields": "int"},
			in: valueRecord(s, nil), wantErr: "Only Struct objects supported for [mask fields], found: null"},
		{name: "tombstone schemaless fails", class: "MaskField$Value", props: map[string]string{"fields": "int"},
			in: valueRecord(nil, nil), wantErr: "Only Map objects supported in absence of schema for [mask fields], found: null"},
		{name: "schemaless by Java class; missing fields added as null", class: "MaskField$Value",
			props: map[string]string{"fields": "int,double,string,list,map,bool,missing"},
			in: valueRecord(nil, smapOf("magic", jnum("42"), "int", jnum("42"), "double", jnum("4.2"), "string", "x",
				"list", []any{jnum("1")}, "map", smapOf("k", "v"), "bool", true)),
			want: `{magic:n:42,int:0,double:0,string:"",list:[],map:{},bool:false,missing:null}`},
		{name: "schemaless replacement by Java class", class: "MaskField$Value",
			props: map[string]string{"fields": "int,double,string", "replacement": "123"},
			in:    valueRecord(nil, smapOf("int", jnum("42"), "double", jnum("4.2"), "string", "x")),
			want:  `{int:123,double:123,string:"123"}`},
		{name: "schemaless struct cannot be masked", class: "MaskField$Value", props: map[string]string{"fields": "s"},
			in: valueRecord(nil, smapOf("s", structOf(sch(decode.TypeStruct)))), wantErr: "Cannot mask value of type: class org.apache.kafka.connect.data.Struct"},
		{name: "key", class: "MaskField$Key", key: true, props: map[string]string{"fields": "id"},
			in: keyRecord(nil, smapOf("id", "secret")), want: `{id:""}`},
	})
	kafkaConfigErr(t, "MaskField$Value", map[string]string{}, "fields: missing required configuration")
	kafkaConfigErr(t, "MaskField$Value", map[string]string{"fields": ""}, "fields=: Empty list")
	kafkaConfigErr(t, "MaskField$Value", map[string]string{"fields": "a", "replacement": " "}, "replacement=: String must be non-empty")
}

func TestInsertField(t *testing.T) {
	s := sch(decode.TypeStruct, withName("name"), withVersion(1), func(s *decode.Schema) { s.Doc = "doc" },
		withFields("magic", sch(decode.TypeInt64, optSch)))
	all := map[string]string{"topic.field": "topic_field!", "partition.field": "partition_field", "offset.field": "offset_field?",
		"timestamp.field": "timestamp_field?", "static.field": "instance_id", "static.value": "my-instance-id"}
	noTS := valueRecord(s, structOf(s, int64(42)))
	noTS.Timestamp = -1
	withDef := sch(decode.TypeStruct, withFields("n", sch(decode.TypeInt32, optSch, withDef(int64(7)))))
	runKafkaCases(t, []kafkaCase{
		{name: "schema: fields appended in Kafka's order", class: "InsertField$Value", props: all,
			in: valueRecord(s, structOf(s, int64(42))),
			wantSchema: "name:struct{magic:int64?,topic_field:string,partition_field:int32?,offset_field:int64?," +
				"timestamp_field:connect.Timestamp:int64#1?,instance_id:string?}#1",
			want: `Struct{magic:42,topic_field:"t",partition_field:2,offset_field:42,timestamp_field:1700000000000,instance_id:"my-instance-id"}`},
		{name: "schemaless", class: "InsertField$Value", props: all,
			in:   valueRecord(nil, smapOf("magic", jnum("42"))),
			want: `{magic:n:42,topic_field:"t",partition_field:2,offset_field:42,timestamp_field:1700000000000,instance_id:"my-instance-id"}`},
		{name: "no record timestamp: field left null", class: "InsertField$Value", props: map[string]string{"timestamp.field": "ts"},
			in: noTS, want: "Struct{magic:42,ts:null}"},
		{name: "tombstone passes", class: "InsertField$Value", props: all, in: valueRecord(s, nil), wantSchema: renderSchema(s), want: "null"},
		{name: "existing name with schema: duplication", class: "InsertField$Value", props: map[string]string{"topic.field": "magic"},
			in: valueRecord(s, structOf(s, int64(42))), wantErr: "Cannot create field because of field name duplication magic"},
		{name: "existing name schemaless: overwritten", class: "InsertField$Value", props: map[string]string{"topic.field": "magic"},
			in: valueRecord(nil, smapOf("magic", jnum("42"))), want: `{magic:"t"}`},
		{name: "null reads as the default", class: "InsertField$Value", props: map[string]string{"offset.field": "o"},
			in: valueRecord(withDef, structOf(withDef, nil)), want: "Struct{n:7,o:42}"},
		{name: "replace.null.with.default=false", class: "InsertField$Value", props: map[string]string{"offset.field": "o", "replace.null.with.default": "false"},
			in: valueRecord(withDef, structOf(withDef, nil)), want: "Struct{n:null,o:42}"},
		{name: "empty field name with schema", class: "InsertField$Value", props: map[string]string{"topic.field": ""},
			in: valueRecord(s, structOf(s, int64(42))), wantErr: "fieldName cannot be null."},
		{name: "empty field name schemaless", class: "InsertField$Value", props: map[string]string{"topic.field": "!"},
			in: valueRecord(nil, smapOf()), want: `{:"t"}`},
		{name: "key", class: "InsertField$Key", key: true, props: map[string]string{"partition.field": "p!"},
			in: keyRecord(s, structOf(s, int64(1))), wantSchema: "name:struct{magic:int64?,p:int32}#1", want: "Struct{magic:1,p:2}"},
		{name: "schemaless non-map", class: "InsertField$Value", props: map[string]string{"partition.field": "p"},
			in: valueRecord(nil, "text"), wantErr: "Only Map objects supported in absence of schema for [field insertion], found: java.lang.String"},
	})
	kafkaConfigErr(t, "InsertField$Value", map[string]string{}, "No field insertion configured")
	kafkaConfigErr(t, "InsertField$Value", map[string]string{"static.field": "f"}, "static.value: No value specified for static field: f")
}

func TestValueToKey(t *testing.T) {
	s := sch(decode.TypeStruct, withName("v"), withFields("a", sch(decode.TypeInt32), "b", sch(decode.TypeInt32, optSch, withDef(int64(9))), "c", sch(decode.TypeInt32)))
	v := structOf(s, int64(1), nil, int64(3))
	runKafkaCases(t, []kafkaCase{
		{name: "schema: unnamed required key struct in config order", class: "ValueToKey", key: true,
			props: map[string]string{"fields": "c,a"}, in: valueRecord(s, v),
			wantSchema: "struct{c:int32,a:int32}", want: "Struct{c:3,a:1}"},
		{name: "value untouched", class: "ValueToKey", props: map[string]string{"fields": "a"}, in: valueRecord(s, v),
			wantSchema: renderSchema(s), want: "Struct{a:1,b:null,c:3}"},
		{name: "default substituted", class: "ValueToKey", key: true, props: map[string]string{"fields": "b"}, in: valueRecord(s, v),
			want: "Struct{b:9}"},
		{name: "replace.null.with.default=false", class: "ValueToKey", key: true,
			props: map[string]string{"fields": "b", "replace.null.with.default": "false"}, in: valueRecord(s, v), want: "Struct{b:null}"},
		{name: "unknown field", class: "ValueToKey", props: map[string]string{"fields": "a,d"}, in: valueRecord(s, v),
			wantErr: "Field does not exist: d"},
		{name: "schemaless: missing fields are null", class: "ValueToKey", key: true, props: map[string]string{"fields": "a,d"},
			in: valueRecord(nil, smapOf("a", jnum("1"), "b", jnum("2"))), wantSchema: "none", want: "{a:n:1,d:null}"},
		{name: "tombstone fails", class: "ValueToKey", props: map[string]string{"fields": "a"}, in: valueRecord(nil, nil),
			wantErr: "Only Map objects supported in absence of schema for [copying fields from value to key], found: null"},
	})
	kafkaConfigErr(t, "ValueToKey", map[string]string{"fields": ""}, "Empty list")
}

func TestExtractField(t *testing.T) {
	inner := sch(decode.TypeStruct, withFields("foo", sch(decode.TypeInt32)))
	s := sch(decode.TypeStruct, withFields("magic", sch(decode.TypeInt32, optSch, withDef(int64(7))), "nested", inner, "dotted.name", sch(decode.TypeString)))
	v := structOf(s, int64(42), structOf(inner, int64(5)), "d")
	vNull := structOf(s, nil, structOf(inner, int64(5)), "d")
	v2 := map[string]string{"field": "nested.foo", "field.syntax.version": "v2"}
	runKafkaCases(t, []kafkaCase{
		{name: "schemaless", class: "ExtractField$Value", props: map[string]string{"field": "magic"},
			in: valueRecord(nil, smapOf("magic", jnum("42"))), wantSchema: "none", want: "n:42"},
		{name: "schemaless missing", class: "ExtractField$Value", props: map[string]string{"field": "x"},
			in: valueRecord(nil, smapOf("magic", jnum("42"))), want: "null"},
		{name: "schemaless tombstone", class: "ExtractField$Value", props: map[string]string{"field": "x"},
			in: valueRecord(nil, nil), want: "null"},
		{name: "schema", class: "ExtractField$Value", props: map[string]string{"field": "magic"},
			in: valueRecord(s, v), wantSchema: "int32?=7", want: "42"},
		{name: "schema null value: the field's schema", class: "ExtractField$Value", props: map[string]string{"field": "nested"},
			in: valueRecord(s, nil), wantSchema: "struct{foo:int32}", want: "null"},
		{name: "default substituted", class: "ExtractField$Value", props: map[string]string{"field": "magic"},
			in: valueRecord(s, vNull), want: "7"},
		{name: "replace.null.with.default=false", class: "ExtractField$Value",
			props: map[string]string{"field": "magic", "replace.null.with.default": "false"}, in: valueRecord(s, vNull), want: "null"},
		{name: "unknown field, even for a null value", class: "ExtractField$Value", props: map[string]string{"field": "nope"},
			in: valueRecord(s, nil), wantErr: "Unknown field: nope"},
		{name: "V1 reads a dotted name literally", class: "ExtractField$Value", props: map[string]string{"field": "dotted.name"},
			in: valueRecord(s, v), wantSchema: "string", want: `"d"`},
		{name: "V1 has no nested paths", class: "ExtractField$Value", props: map[string]string{"field": "nested.foo"},
			in: valueRecord(s, v), wantErr: "Unknown field: nested.foo"},
		{name: "V2 nested", class: "ExtractField$Value", props: v2, in: valueRecord(s, v), wantSchema: "int32", want: "5"},
		{name: "V2 backticks", class: "ExtractField$Value", props: map[string]string{"field": "`dotted.name`", "field.syntax.version": "V2"},
			in: valueRecord(s, v), want: `"d"`},
		{name: "V2 through a non-struct", class: "ExtractField$Value", props: map[string]string{"field": "magic.x", "field.syntax.version": "V2"},
			in: valueRecord(s, v), wantErr: "Cannot look up fields on non-struct type"},
		{name: "V2 schemaless nested", class: "ExtractField$Value", props: v2,
			in: valueRecord(nil, smapOf("nested", smapOf("foo", jnum("5")))), want: "n:5"},
		{name: "V2 schemaless through a non-map", class: "ExtractField$Value", props: v2,
			in:      valueRecord(nil, smapOf("nested", "str")),
			wantErr: "Only Map objects supported in absence of schema for [nested field access], found: java.lang.String"},
		{name: "non-struct with schema", class: "ExtractField$Value", props: map[string]string{"field": "x"},
			in: valueRecord(sch(decode.TypeInt64), int64(1)), wantErr: "Only Struct objects supported for [field extraction], found: java.lang.Long"},
		{name: "key", class: "ExtractField$Key", key: true, props: map[string]string{"field": "foo"},
			in: keyRecord(inner, structOf(inner, int64(1004))), wantSchema: "int32", want: "1004"},
	})
	kafkaConfigErr(t, "ExtractField$Value", map[string]string{}, "field: missing required configuration")
	kafkaConfigErr(t, "ExtractField$Value", map[string]string{"field": "a", "field.syntax.version": "V3"}, "String must be one of (case insensitive): V1, V2")
	kafkaConfigErr(t, "ExtractField$Value", map[string]string{"field": "foo.`bar.baz", "field.syntax.version": "V2"},
		"Incomplete backtick pair in path: [foo.`bar.baz], consider adding a backslash before backtick at position 4 to escape it")
}

// The V2 path notation, as Kafka's FieldPathNotationTest states it.
func TestFieldPathV2(t *testing.T) {
	for path, want := range map[string][]string{
		"":                      nil,
		"..":                    {"", "", ""},
		"foo..":                 {"foo", "", ""},
		".bar.":                 {"", "bar", ""},
		"..baz":                 {"", "", "baz"},
		"foobarbaz":             {"foobarbaz"},
		"foo.bar.baz":           {"foo", "bar", "baz"},
		"foo`bar`baz":           {"foo`bar`baz"},
		"`foo.bar.baz`":         {"foo.bar.baz"},
		"foo.`bar.baz`":         {"foo", "bar.baz"},
		"`foo.bar`.baz":         {"foo.bar", "baz"},
		"foo.`bar`.baz":         {"foo", "bar", "baz"},
		"foo.``bar.baz`":        {"foo", "`bar.baz"},
		"foo.`bar.baz``":        {"foo", "bar.baz`"},
		"foo.`ba`r.baz`":        {"foo", "ba`r.baz"},
		"foo.ba`r.baz":          {"foo", "ba`r", "baz"},
		"foo.``bar``.baz":       {"foo", "`bar`", "baz"},
		"``foo.bar.baz``":       {"`foo.bar.baz`"},
		"foo.`bar\\`.baz`":      {"foo", "bar`.baz"},
		"foo.`bar.`baz`":        {"foo", "bar.`baz"},
		"foo.`bar\\`.`baz`":     {"foo", "bar`.`baz"},
		"foo.`bar\\\\`.\\`baz`": {"foo", "bar\\`.\\`baz"},
	} {
		got, err := fieldPathV2(path)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("fieldPathV2(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
	for path, at := range map[string]string{"`foo.bar.baz": "0", "foo.bar.`baz": "8", "foo.bar.`baz\\`": "8"} {
		if _, err := fieldPathV2(path); err == nil || !strings.Contains(err.Error(), "backtick at position "+at+" ") {
			t.Errorf("fieldPathV2(%q) err = %v", path, err)
		}
	}
}

func TestHoistField(t *testing.T) {
	s := sch(decode.TypeInt32, optSch)
	runKafkaCases(t, []kafkaCase{
		{name: "schemaless", class: "HoistField$Value", props: map[string]string{"field": "magic"},
			in: valueRecord(nil, jnum("42")), wantSchema: "none", want: "{magic:n:42}"},
		{name: "schemaless tombstone stops being one", class: "HoistField$Value", props: map[string]string{"field": "magic"},
			in: valueRecord(nil, nil), want: "{magic:null}"},
		{name: "schema", class: "HoistField$Value", props: map[string]string{"field": "magic"},
			in: valueRecord(s, int64(42)), wantSchema: "struct{magic:int32?}", want: "Struct{magic:42}"},
		{name: "schema null optional", class: "HoistField$Value", props: map[string]string{"field": "magic"},
			in: valueRecord(s, nil), want: "Struct{magic:null}"},
		{name: "schema null required", class: "HoistField$Value", props: map[string]string{"field": "magic"},
			in: valueRecord(sch(decode.TypeInt32), nil), wantErr: `Invalid value: null used for required field: "magic", schema type: INT32`},
		{name: "key", class: "HoistField$Key", key: true, props: map[string]string{"field": "id"},
			in: keyRecord(sch(decode.TypeString), "k"), wantSchema: "struct{id:string}", want: `Struct{id:"k"}`},
	})
	kafkaConfigErr(t, "HoistField$Value", map[string]string{}, "field: missing required configuration")
}

func TestFlatten(t *testing.T) {
	leaf := sch(decode.TypeStruct, withName("leaf"), withFields("int16", sch(decode.TypeInt16), "ts", tsSchema(optSch)))
	mid := sch(decode.TypeStruct, withFields("leaf", leaf, "arr", sch(decode.TypeArray, withItems(sch(decode.TypeString)))))
	top := sch(decode.TypeStruct, withName("top.Envelope"), withVersion(3), withFields("A", mid, "B", sch(decode.TypeStruct, optSch, withFields("x", sch(decode.TypeInt64))), "c", sch(decode.TypeString)))
	val := structOf(top, structOf(mid, structOf(leaf, int64(2), int64(1000)), []any{"s"}), nil, "c")
	// A default inherited from the parent's default struct.
	withDefInner := sch(decode.TypeStruct, withFields("x", sch(decode.TypeInt32), "y", sch(decode.TypeInt32, withDef(int64(8)))))
	withDefInner.Default = structOf(withDefInner, int64(5), int64(6))
	withDef := sch(decode.TypeStruct, optSch, withFields("in", withDefInner))
	runKafkaCases(t, []kafkaCase{
		{name: "schema: nested leaves, optional below an optional parent", class: "Flatten$Value", props: map[string]string{},
			in:         valueRecord(top, val),
			wantSchema: "top.Envelope:struct{A.leaf.int16:int16,A.leaf.ts:connect.Timestamp:int64#1?,A.arr:array<string>,B.x:int64?,c:string}#3",
			want:       `Struct{A.leaf.int16:2,A.leaf.ts:1000,A.arr:["s"],B.x:null,c:"c"}`},
		{name: "delimiter", class: "Flatten$Value", props: map[string]string{"delimiter": "_"},
			in: valueRecord(top, val), want: `Struct{A_leaf_int16:2,A_leaf_ts:1000,A_arr:["s"],B_x:null,c:"c"}`},
		{name: "defaults: own first, else the parent default's value; optional inherited", class: "Flatten$Value", props: map[string]string{},
			in:         valueRecord(withDef, structOf(withDef, structOf(withDefInner, int64(1), nil))),
			wantSchema: "struct{in.x:int32?=5,in.y:int32?=8}", want: "Struct{in.x:1,in.y:8}"},
		{name: "map with schema", class: "Flatten$Value", props: map[string]string{},
			in: valueRecord(sch(decode.TypeStruct, withFields("m", sch(decode.TypeMap, func(s *decode.Schema) { s.Keys, s.Values = sch(decode.TypeString), sch(decode.TypeString) }))),
				structOf(sch(decode.TypeStruct))),
			wantErr: "Flatten transformation does not support MAP for record with schemas (for field m)."},
		{name: "tombstone passes", class: "Flatten$Value", props: map[string]string{}, in: valueRecord(top, nil), wantSchema: renderSchema(top), want: "null"},
		{name: "schemaless: nested maps, arrays kept, null map is one null key", class: "Flatten$Value", props: map[string]string{},
			in:   valueRecord(nil, smapOf("A", smapOf("B", smapOf("int", jnum("1")), "arr", []any{smapOf("x", jnum("1"))}), "N", nil, "s", "x")),
			want: `{A.B.int:n:1,A.arr:[{x:n:1}],N:null,s:"x"}`},
		{name: "schemaless clash: the later wins", class: "Flatten$Value", props: map[string]string{},
			in: valueRecord(nil, smapOf("a.b", jnum("1"), "a", smapOf("b", jnum("2")))), want: "{a.b:n:2}"},
		{name: "schemaless struct", class: "Flatten$Value", props: map[string]string{},
			in:      valueRecord(nil, smapOf("s", structOf(leaf, int64(1), nil))),
			wantErr: "Flatten transformation does not support class org.apache.kafka.connect.data.Struct for record without schemas (for field s)."},
		{name: "schemaless decimal", class: "Flatten$Value", props: map[string]string{},
			in:      valueRecord(nil, smapOf("d", decOf("1.5"))),
			wantErr: "Flatten transformation was passed a value of type class java.math.BigDecimal which is not supported by Connect's data API"},
		{name: "key", class: "Flatten$Key", key: true, props: map[string]string{},
			in: keyRecord(mid, structOf(mid, structOf(leaf, int64(1), nil), []any{})), want: "Struct{leaf.int16:1,leaf.ts:null,arr:[]}"},
	})
	// A clash with a schema is a duplication error once there is a value.
	clash := sch(decode.TypeStruct, withFields("a", sch(decode.TypeStruct, withFields("b", sch(decode.TypeInt32))), "a.b", sch(decode.TypeInt32)))
	inner := clash.Fields[0].Schema
	runKafkaCases(t, []kafkaCase{{name: "clash", class: "Flatten$Value", props: map[string]string{},
		in: valueRecord(clash, structOf(clash, structOf(inner, int64(1)), int64(2))), wantErr: "Cannot create field because of field name duplication a.b"}})
}
