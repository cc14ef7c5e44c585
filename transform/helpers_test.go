package transform

import (
	"slices"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/decode"
)

// Tests of the shared helpers where the Kafka and Debezium/StarRocks copies
// merged in 64b8e7a disagreed; each case says which Java behaviour won.

func TestJavaSplitBoth(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", []string{""}}, {"a", []string{"a"}}, {"a:", []string{"a"}}, {":", []string{}}, {"::a::", []string{"", "", "a"}},
	} {
		if got := javaSplit(tc.in, ":"); !slices.Equal(got, tc.want) || got == nil {
			t.Errorf("javaSplit(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// String.split("\\s*,\\s*"): "," has a match and only empty parts, so
	// nothing is left (the StarRocks copy kept [""]).
	for in, want := range map[string][]string{",": {}, " , ": {}, "a , b,": {"a", "b"}, "": {""}, "a": {"a"}} {
		if got := javaSplitRegex(commaSpaces, in); !slices.Equal(got, want) {
			t.Errorf("javaSplitRegex(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTimeMillisFieldsOnlyCommas(t *testing.T) {
	// fields="," lists no field: every Time field converts, as in the
	// connector.
	tr := mustTransform(t, newTimeMillisToString, map[string]string{"fields": ","})
	if n := len(tr.(*timeMillisToString).fields); n != 0 {
		t.Fatalf("fields %v", tr.(*timeMillisToString).fields)
	}
}

func TestJavaRegexMergedChecks(t *testing.T) {
	// Java's \v, \h and \R are whitespace and line-break classes; RE2's \v
	// is VT alone (the Debezium copy's check, now shared).
	for _, p := range []string{`a\vb`, `[\v]`, `\h+`, `x\R`} {
		if _, err := compileJavaRegex(p); err == nil || !strings.Contains(err.Error(), "cannot be run exactly") {
			t.Errorf("%s: err = %v", p, err)
		}
	}
	// Outside a class "&&" is two literal ampersands in Java (the Debezium
	// copy refused it anywhere).
	re, err := compileJavaRegex(`a&&b`)
	if err != nil || !re.matches("a&&b") {
		t.Errorf("a&&b: %v", err)
	}
}

func TestJavaReplacementGroupNames(t *testing.T) {
	re, err := compileJavaRegex(`(?<g1>x)`)
	if err != nil {
		t.Fatal(err)
	}
	// Matcher.appendExpandedReplacement reads ASCII letters and digits.
	for repl, want := range map[string]string{
		"${1a}":  "capturing group name {1a} starts with digit character",
		"${g-1}": "named capturing group is missing trailing '}'",
		"${g1":   "named capturing group is missing trailing '}'",
		"${}":    "named capturing group has 0 length name",
		"$2":     "No group 2",
	} {
		if _, err := re.parseReplacement(repl); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", repl, err, want)
		}
	}
	r, err := re.parseReplacement("<${g1}>")
	if err != nil || re.replaceFirst("axb", r) != "a<x>b" {
		t.Errorf("${g1}: %v", err)
	}
}

func TestStructGetTypedIsRaw(t *testing.T) {
	// Struct.getString returns the stored value: no default substitution
	// (the Debezium copy substituted it).
	s := &decode.Schema{Type: decode.TypeStruct, Fields: []decode.Field{
		{Name: "s", Schema: &decode.Schema{Type: decode.TypeString, Optional: true, Default: "dflt"}},
	}}
	st := newStruct(s)
	if v, err := structGetTyped(st, "s", decode.TypeString); v != nil || err != nil {
		t.Errorf("getString = %v, %v", v, err)
	}
	if v, _ := structGet(st, "s", true); v != "dflt" {
		t.Errorf("get = %v", v)
	}
	if _, err := structGetTyped(st, "s", decode.TypeInt32); err == nil || err.Error() != "Field 's' is not of type INT32" {
		t.Errorf("err = %v", err)
	}
	if _, err := structGetTyped(st, "x", decode.TypeString); err == nil || err.Error() != "x is not a valid field name" {
		t.Errorf("err = %v", err)
	}
}

func TestOptionsReadersAgree(t *testing.T) {
	// Kafka's transforms ignore an unknown key; the Debezium and StarRocks
	// ones refuse it.
	if _, err := newKafkaT(t, "ExtractField$Value", map[string]string{"field": "a", "nope": "1"}).Apply(valueRecord(nil, nil)); err != nil {
		t.Error(err)
	}
	wantConfigError(t, newTimeMillisToString, map[string]string{"nope": "1"}, "unknown option(s) nope; this transform reads fields, format")
	// enumFold: trimmed, case-insensitive, for both sides.
	kafkaConfigErr(t, "ExtractField$Value", map[string]string{"field": "a", "field.syntax.version": "v3"}, "field.syntax.version=v3: String must be one of (case insensitive): V1, V2")
	if _, err := transforms()[kafkaClass("ExtractField$Value")](map[string]string{"field": "a", "field.syntax.version": " v2 "}); err != nil {
		t.Error(err)
	}
	tr := mustTransform(t, newByLogicalTableRouter, map[string]string{"topic.regex": "a", "topic.replacement": "b", "schema.name.adjustment.mode": " AVRO "})
	if tr == nil {
		t.Fatal("nil")
	}
}
