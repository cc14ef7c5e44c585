package transform

import (
	"github.com/starcdc/starcdc/decode"
)

// com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord, as
// in StarRocks/starrocks-connector-for-kafka main 8be855e
// (src/main/java/com/starrocks/connector/kafka/transforms/AddOpFieldForDebeziumRecord.java).
//
// It has no options. On a Debezium envelope (value schema named
// *.Envelope) whose op is c or u it appends __op = 0 (int32, required) to
// after; whose op is d, __op = 1 to before. The nested row and the
// envelope are rebuilt on copy-basics schemas (required), the row's columns
// copied with default substitution (Struct.get), null top-level fields
// left unset. Everything else passes unchanged: null values, schemaless
// records, r, t and m events, and any record the Java code would throw on
// (a missing or null op, a before/after that is not a struct, a row that
// already has __op), since it swallows every exception.
//
// The connector documents it before ExtractNewRecordState, in the class
// comment and in StarRocks' "Load data using Kafka connector" page
// (transforms=addfield,unwrap with drop.tombstones=true and
// delete.handling.mode=rewrite): c/u then reach StarRocks as the row with
// __op 0 and __deleted "false", d as the before image with __op 1 and
// __deleted "true", r as the row with __deleted "false" and no __op (an
// upsert by default). In the other order AddOpField sees no envelope and
// adds nothing.
type addOpField struct {
	rowCache schemaCache
	envCache keyedCache[[2]*decode.Schema, *decode.Schema]
}

const opField = "__op"

func newAddOpField(m map[string]string) (Transformation, error) {
	opts := newOptions(m)
	opts.refuseUnknown()
	if err := opts.err(); err != nil {
		return nil, err
	}
	return &addOpField{}, nil
}

func (t *addOpField) Apply(rec *Record) (*Record, error) {
	if rec.Value.Value == nil || !isEnvelopeSchema(rec.Value.Schema) {
		return rec, nil
	}
	env, ok := rec.Value.Value.(*decode.Struct)
	if !ok || env.Schema == nil {
		return rec, nil
	}
	opv, err := structGet(env, "op", true)
	if err != nil {
		return rec, nil
	}
	op, ok := opv.(string)
	if !ok {
		return rec, nil // null (NPE) or not a String (ClassCastException): swallowed
	}
	var nest string
	var code int64
	switch op {
	case "c", "u":
		nest, code = "after", 0
	case "d":
		nest, code = "before", 1
	default:
		return rec, nil
	}
	nv, _ := structGet(env, nest, true)
	row, ok := nv.(*decode.Struct)
	if !ok || row.Schema == nil {
		return rec, nil
	}
	rs, err := t.rowCache.cached(row.Schema, func() (*decode.Schema, error) {
		b := newStructBuilder(copySchemaBasics(row.Schema, decode.TypeStruct))
		if err := b.fields(row.Schema); err != nil {
			return nil, err
		}
		if err := b.field(opField, primitiveSchema(decode.TypeInt32, false)); err != nil {
			return nil, err
		}
		return b.build(), nil
	})
	if err != nil {
		return rec, nil // SchemaBuilderException swallowed: record unchanged
	}
	newRow := newStruct(rs)
	for i := range row.Schema.Fields {
		newRow.Values[i] = fieldValue(row, i, true)
	}
	newRow.Values[len(newRow.Values)-1] = code
	es, err := t.envCache.cached([2]*decode.Schema{env.Schema, rs}, func() (*decode.Schema, error) {
		b := newStructBuilder(copySchemaBasics(env.Schema, decode.TypeStruct))
		err := b.fieldsWith(env.Schema, func(f decode.Field) *decode.Schema {
			if f.Name == nest {
				return rs
			}
			return nil
		})
		return b.build(), err
	})
	if err != nil {
		return rec, nil
	}
	newEnv := newStruct(es)
	for i, f := range es.Fields {
		if f.Name == nest {
			newEnv.Values[i] = newRow
			continue
		}
		newEnv.Values[i] = fieldValue(env, i, true)
	}
	out := *rec
	out.Value = decode.Record{Schema: es, Value: newEnv}
	return &out, nil
}
