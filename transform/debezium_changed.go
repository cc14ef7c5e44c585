package transform

import (
	"strings"

	"github.com/starcdc/starcdc/decode"
)

// io.debezium.transforms.ExtractChangedRecordState, following Debezium's
// current code (debezium-connect-plugins ExtractChangedRecordState at HEAD
// 2026-08, unchanged since 3.1).
//
// Options: header.changed.name and header.unchanged.name (each unset or
// blank: no such header). On every valid envelope (value schema named
// *.Envelope, value not null) it appends the headers: a list of the names
// of after's fields whose value differs from before's (Objects.equals on
// the raw values, so bytes columns always count as changed), and of those
// that do not; both lists are empty unless before and after are both set
// (c, r, d). The header schema is an optional array of optional strings
// named after the header. The record is otherwise unchanged.
//
// The class exists from Debezium 2.2; the debezium-core 1.8.1 the StarRocks
// connector bundles does not have it (a Connect worker would load it from
// a separate Debezium plugin). Until 3.0 it added headers to updates only
// and compared with default substitution; starcdc follows 3.1+.
type extractChangedRecordState struct {
	changed, unchanged             string
	changedSchema, unchangedSchema *decode.Schema
}

func newExtractChangedRecordState(m map[string]string) (Transformation, error) {
	opts := newOptions(m)
	t := &extractChangedRecordState{}
	if v, ok := opts.raw("header.changed.name"); ok && strings.TrimSpace(v) != "" {
		t.changed = v
		t.changedSchema = &decode.Schema{Type: decode.TypeArray, Optional: true, Name: v, Items: primitiveSchema(decode.TypeString, true)}
	}
	if v, ok := opts.raw("header.unchanged.name"); ok && strings.TrimSpace(v) != "" {
		t.unchanged = v
		t.unchangedSchema = &decode.Schema{Type: decode.TypeArray, Optional: true, Name: v, Items: primitiveSchema(decode.TypeString, true)}
	}
	opts.refuseUnknown()
	if err := opts.err(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *extractChangedRecordState) Apply(rec *Record) (*Record, error) {
	if rec.Value.Value == nil || !isEnvelopeSchema(rec.Value.Schema) {
		return rec, nil
	}
	env, err := requireStruct(rec.Value.Schema, rec.Value.Value, "Record value should be struct.")
	if err != nil {
		return nil, err
	}
	after, err := structGet(env, "after", true)
	if err != nil {
		return nil, err
	}
	before, err := structGet(env, "before", true)
	if err != nil {
		return nil, err
	}
	changed, unchanged := []any{}, []any{}
	if after != nil && before != nil {
		as, err := requireStruct(env.FieldSchema("after"), after, "After value should be struct.")
		if err != nil {
			return nil, err
		}
		bs, err := requireStruct(env.FieldSchema("before"), before, "Before value should be struct.")
		if err != nil {
			return nil, err
		}
		for i, f := range as.Schema.Fields {
			av := rawField(as, i)
			bv, err := structGet(bs, f.Name, false)
			if err != nil {
				return nil, err
			}
			if javaEquals(av, bv, false) {
				unchanged = append(unchanged, f.Name)
			} else {
				changed = append(changed, f.Name)
			}
		}
	}
	if t.changed != "" {
		rec.Headers = append(rec.Headers, Header{Key: t.changed, Schema: t.changedSchema, Value: changed})
	}
	if t.unchanged != "" {
		rec.Headers = append(rec.Headers, Header{Key: t.unchanged, Schema: t.unchangedSchema, Value: unchanged})
	}
	return rec, nil
}
