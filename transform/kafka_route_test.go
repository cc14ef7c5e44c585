package transform

import (
	"strings"
	"testing"

	"github.com/starcdc/starcdc/decode"
)

// Golden cases worked from Kafka 3.9's RegexRouter, Filter,
// SetSchemaMetadata and the predicates (source and tests).

func TestRegexRouter(t *testing.T) {
	for _, tc := range []struct {
		regex, replacement, topic, want string
	}{
		{"(.*)", "prefix-$1", "orig", "prefix-orig"},
		{"(.*)", "$1-suffix", "orig", "orig-suffix"},
		{"(.*)", "$1-suffix", "", "-suffix"},
		{"dbserver1\\.inventory\\.(.*)", "$1", "dbserver1.inventory.customers", "customers"},
		{"dbserver1\\.inventory\\.(.*)", "$1", "dbserver1.other.customers", "dbserver1.other.customers"},
		{"(?<db>[^.]+)\\.(?<table>.*)", "${table}_from_${db}", "inv.orders", "orders_from_inv"},
		{"(a)(b)?", "[$2]", "a", "[]"},
		{"(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)", "$11", "abcdefghijk", "k"},
		{"(.)(.)", "$10", "ab", "a0"},
		{"(.*)", "\\$1 \\\\ $1", "x", "$1 \\ x"},
		{"a|ab", "X", "ab", "Xb"}, // matches() takes "ab", replaceFirst's find takes "a"
		{"(?i)TOPIC", "t", "topic", "t"},
		{"a", "b", "aa", "aa"}, // not a whole match
	} {
		tr := newKafkaT(t, "RegexRouter", map[string]string{"regex": tc.regex, "replacement": tc.replacement})
		rec := valueRecord(nil, nil)
		rec.Topic = tc.topic
		out, err := tr.Apply(rec)
		if err != nil || out.Topic != tc.want {
			t.Errorf("%s → %s on %q: got %v, %v; want %q", tc.regex, tc.replacement, tc.topic, out, err, tc.want)
		}
		if out != nil && out.OriginalTopic != "t" {
			t.Errorf("original topic changed: %s", out.OriginalTopic)
		}
	}
	for repl, want := range map[string]string{
		"$":     "Illegal group reference: group index is missing",
		"$x":    "Illegal group reference",
		"$2":    "No group 2",
		"x\\":   "character to be escaped is missing",
		"${no}": "No group with name {no}",
	} {
		_, err := newKafkaT(t, "RegexRouter", map[string]string{"regex": "(.*)", "replacement": repl}).Apply(valueRecord(nil, nil))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("replacement %q: err = %v, want %q", repl, err, want)
		}
	}
	kafkaConfigErr(t, "RegexRouter", map[string]string{"replacement": "x"}, "regex: missing required configuration")
	kafkaConfigErr(t, "RegexRouter", map[string]string{"regex": "x"}, "replacement: missing required configuration")
	kafkaConfigErr(t, "RegexRouter", map[string]string{"regex": "(", "replacement": "x"}, "regex=(: Invalid regex")
	kafkaConfigErr(t, "RegexRouter", map[string]string{"regex": "(a)\\1", "replacement": "x"}, "backreference")
	kafkaConfigErr(t, "RegexRouter", map[string]string{"regex": "a(?=b)", "replacement": "x"}, "lookaround")
	kafkaConfigErr(t, "RegexRouter", map[string]string{"regex": "a++", "replacement": "x"}, "possessive quantifier")
	kafkaConfigErr(t, "RegexRouter", map[string]string{"regex": "[a-z&&[^b]]", "replacement": "x"}, "character class intersection")
	kafkaConfigErr(t, "RegexRouter", map[string]string{"regex": "[a-z[A-Z]]", "replacement": "x"}, "nested character class")
	kafkaConfigErr(t, "RegexRouter", map[string]string{"regex": "(?U)a", "replacement": "x"}, "flag U")
}

func TestJavaRegexAccepts(t *testing.T) {
	for _, p := range []string{`a*?b`, `a+?`, `x{2,3}?`, `[\[\]]`, `[]a]`, `[^]a]`, `\Q(a++)\E`, `(?i:abc)`, `(?<name>x)`, `\d+\.\w+`, `a{2}`} {
		if _, err := compileJavaRegex(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestKafkaFilter(t *testing.T) {
	out, err := newKafkaT(t, "Filter", map[string]string{}).Apply(valueRecord(nil, "x"))
	if out != nil || err != nil {
		t.Fatalf("Filter = %v, %v", out, err)
	}
}

func TestSetSchemaMetadata(t *testing.T) {
	s := sch(decode.TypeStruct, withName("old"), withVersion(1), optSch, withFields("a", sch(decode.TypeInt32, optSch, withDef(int64(3)))))
	runKafkaCases(t, []kafkaCase{
		{name: "name and version; struct re-created with defaults", class: "SetSchemaMetadata$Value",
			props: map[string]string{"schema.name": "new.Name", "schema.version": "42"},
			in:    valueRecord(s, structOf(s, nil)), wantSchema: "new.Name:struct{a:int32?=3}#42?", want: "Struct{a:3}"},
		{name: "replace.null.with.default=false", class: "SetSchemaMetadata$Value",
			props: map[string]string{"schema.name": "new.Name", "replace.null.with.default": "false"},
			in:    valueRecord(s, structOf(s, nil)), wantSchema: "new.Name:struct{a:int32?=3}#1?", want: "Struct{a:null}"},
		{name: "version only", class: "SetSchemaMetadata$Value", props: map[string]string{"schema.version": "2"},
			in: valueRecord(sch(decode.TypeString, withName("n")), "v"), wantSchema: "n:string#2", want: `"v"`},
		{name: "null value with schema", class: "SetSchemaMetadata$Value", props: map[string]string{"schema.name": "x"},
			in: valueRecord(s, nil), wantSchema: "x:struct{a:int32?=3}#1?", want: "null"},
		{name: "schemaless null passes", class: "SetSchemaMetadata$Value", props: map[string]string{"schema.name": "x"},
			in: valueRecord(nil, nil), wantSchema: "none", want: "null"},
		{name: "schemaless value fails", class: "SetSchemaMetadata$Value", props: map[string]string{"schema.name": "x"},
			in: valueRecord(nil, smapOf()), wantErr: "Schema required for [updating schema metadata]"},
		{name: "key", class: "SetSchemaMetadata$Key", key: true, props: map[string]string{"schema.name": "k"},
			in: keyRecord(sch(decode.TypeInt64), int64(1)), wantSchema: "k:int64", want: "1"},
	})
	kafkaConfigErr(t, "SetSchemaMetadata$Value", map[string]string{}, "Neither schema name nor version configured")
	kafkaConfigErr(t, "SetSchemaMetadata$Value", map[string]string{"schema.version": "x"}, "schema.version=x: Not a number of type INT")
}

func TestKafkaPredicates(t *testing.T) {
	mk := func(class string, props map[string]string) Predicate {
		t.Helper()
		p, err := predicates()[kafkaClass("predicates."+class)](props)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	topic := func(s string) *Record { r := valueRecord(nil, "v"); r.Topic = s; return r }
	tm := mk("TopicNameMatches", map[string]string{"pattern": "my-prefix-.*"})
	for s, want := range map[string]bool{"my-prefix-": true, "my-prefix-foo": true, "x-my-prefix-": false, "my-prefix": false, "": false} {
		if got := tm.Test(topic(s)); got != want {
			t.Errorf("TopicNameMatches(%q) = %v", s, got)
		}
	}
	tomb := mk("RecordIsTombstone", nil)
	withSchema := valueRecord(sch(decode.TypeStruct, optSch), nil)
	if !tomb.Test(valueRecord(nil, nil)) || !tomb.Test(withSchema) || tomb.Test(valueRecord(nil, smapOf())) {
		t.Error("RecordIsTombstone")
	}
	hk := mk("HasHeaderKey", map[string]string{"name": "h"})
	r := valueRecord(nil, nil)
	if hk.Test(r) {
		t.Error("HasHeaderKey without headers")
	}
	r.Headers = []Header{{Key: "x"}, {Key: "h", Value: nil}}
	if !hk.Test(r) {
		t.Error("HasHeaderKey with a null-valued header")
	}
	kafkaConfigErr(t, "predicates.TopicNameMatches", map[string]string{}, "pattern: missing required configuration")
	kafkaConfigErr(t, "predicates.TopicNameMatches", map[string]string{"pattern": ""}, "pattern=: String must be non-empty")
	kafkaConfigErr(t, "predicates.TopicNameMatches", map[string]string{"pattern": "[a"}, "pattern=[a: entry must be a Java-compatible regular expression")
	kafkaConfigErr(t, "predicates.HasHeaderKey", map[string]string{"name": ""}, "name=: String must be non-empty")
}
