package transform

// RegexRouter, Filter and SetSchemaMetadata$Key / $Value, as
// org.apache.kafka.connect.transforms.RegexRouter, Filter and
// SetSchemaMetadata of Kafka 3.9 implement them (SetSchemaMetadata's
// struct copy honours replace.null.with.default, new in 3.9).
//
// RegexRouter's regex is a Java pattern run on RE2 (javaregex.go): when it
// matches the whole topic, the topic becomes Matcher.replaceFirst of the
// replacement ($1, ${name}, \$ as in Java). An invalid replacement fails
// the records whose topic matches, as in Kafka.

import (
	"fmt"

	"github.com/starcdc/starcdc/decode"
)

// ---------------------------------------------------------------------------
// RegexRouter (RegexRouter.java)

type regexRouter struct {
	re          *javaRegex
	replacement string
	parsed      javaReplacement
	replErr     error // raised on each record whose topic matches
}

func newRegexRouter(props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &regexRouter{}
	pattern := opts.required("regex")
	t.replacement = opts.required("replacement")
	if _, ok := props["regex"]; ok {
		re, err := compileJavaRegex(pattern)
		if err != nil {
			opts.bad("regex", pattern, "Invalid regex: %v", err)
		} else {
			t.parsed, t.replErr = re.parseReplacement(t.replacement)
		}
		t.re = re
	}
	return t, opts.err()
}

func (t *regexRouter) Apply(rec *Record) (*Record, error) {
	if !t.re.matches(rec.Topic) {
		return rec, nil
	}
	if t.replErr != nil {
		return nil, fmt.Errorf("replacement %q: %w", t.replacement, t.replErr)
	}
	rec.Topic = t.re.replaceFirst(rec.Topic, t.parsed)
	return rec, nil
}

// ---------------------------------------------------------------------------
// Filter (Filter.java): drops every record it is applied to; used with a
// predicate.

type filter struct{}

func (filter) Apply(*Record) (*Record, error) { return nil, nil }

// ---------------------------------------------------------------------------
// SetSchemaMetadata (SetSchemaMetadata.java)

type setSchemaMetadata struct {
	o           operand
	name        *string
	version     *int
	withDefault bool
	cache       schemaCache
}

func newSetSchemaMetadata(o operand, props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &setSchemaMetadata{o: o}
	if n, ok := opts.str("schema.name"); ok {
		t.name = &n
	}
	if v, ok := opts.integer("schema.version"); ok {
		n := int(v)
		t.version = &n
	}
	t.withDefault = opts.replaceNullWithDefault()
	if _, ok := props["schema.version"]; t.name == nil && !ok {
		opts.fail("schema.name, schema.version", "Neither schema name nor version configured")
	}
	return t, opts.err()
}

func (t *setSchemaMetadata) Apply(rec *Record) (*Record, error) {
	schema, v := t.o.get(rec)
	if schema == nil {
		if v == nil {
			return rec, nil
		}
		return nil, fmt.Errorf("Schema required for [updating schema metadata]")
	}
	updated, _ := t.cache.cached(schema, func() (*decode.Schema, error) {
		s := *schema // type, optionality, default, doc, parameters, fields, key and value schemas kept
		if t.name != nil {
			s.Name = *t.name
		}
		if t.version != nil {
			s.Version = *t.version
		}
		return &s, nil
	})
	// updateSchemaIn: a Struct is re-created on the new schema.
	if st, ok := v.(*decode.Struct); ok && st != nil && st.Schema != nil {
		out := newStruct(updated)
		for i := range updated.Fields {
			if i >= len(st.Schema.Fields) {
				break
			}
			if err := putField(out, i, fieldValue(st, i, t.withDefault)); err != nil {
				return nil, err
			}
		}
		v = out
	}
	t.o.set(rec, updated, v)
	return rec, nil
}
