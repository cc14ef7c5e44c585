package transform

// DropHeaders, InsertHeader and HeaderFrom$Key / $Value, as
// org.apache.kafka.connect.transforms.DropHeaders, InsertHeader and
// HeaderFrom of Kafka 3.9 implement them (HeaderFrom's struct copy honours
// replace.null.with.default, new in 3.9).
//
// Headers are appended, never replaced; DropHeaders removes every header
// with one of the listed keys. InsertHeader types its literal with
// Values.parseString (valuesparse.go). HeaderFrom appends header i = field
// i, with the field's schema (none without a schema); "move" also removes
// the fields (the struct schema is rebuilt required, without default).

import (
	"fmt"
	"slices"

	"github.com/starcdc/starcdc/decode"
)

// ---------------------------------------------------------------------------
// DropHeaders (DropHeaders.java)

type dropHeaders struct {
	keys map[string]bool
}

func newDropHeaders(props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &dropHeaders{keys: map[string]bool{}}
	for _, h := range opts.nonEmptyList("headers") {
		t.keys[h] = true
	}
	return t, opts.err()
}

func (t *dropHeaders) Apply(rec *Record) (*Record, error) {
	var kept []Header
	for _, h := range rec.Headers {
		if !t.keys[h.Key] {
			kept = append(kept, h)
		}
	}
	rec.Headers = kept
	return rec, nil
}

// ---------------------------------------------------------------------------
// InsertHeader (InsertHeader.java)

type insertHeader struct {
	header Header
}

func newInsertHeader(props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	key := opts.required("header")
	literal := opts.required("value.literal")
	t := &insertHeader{header: Header{Key: key}}
	if _, ok := props["value.literal"]; ok {
		t.header.Schema, t.header.Value = parseConnectValue(literal)
	}
	return t, opts.err()
}

func (t *insertHeader) Apply(rec *Record) (*Record, error) {
	rec.Headers = append(slices.Clip(rec.Headers), t.header)
	return rec, nil
}

// ---------------------------------------------------------------------------
// HeaderFrom (HeaderFrom.java)

type headerFrom struct {
	o              operand
	fields         []string
	headers        []string
	move           bool
	withDefault    bool
	cache          planCache[fieldPlan]
	operationLabel string
}

func newHeaderFrom(o operand, props map[string]string) (Transformation, error) {
	opts := newOptions(props)
	t := &headerFrom{o: o}
	t.fields = opts.nonEmptyList("fields")
	t.headers = opts.nonEmptyList("headers")
	if len(t.fields) > 0 && len(t.headers) > 0 && len(t.fields) != len(t.headers) {
		opts.fail("fields, headers", "'fields' config must have the same number of elements as 'headers' config.")
	}
	t.operationLabel = opts.required("operation")
	if _, ok := props["operation"]; ok && opts.oneOf("operation", t.operationLabel, "move", "copy") {
		t.move = t.operationLabel == "move"
	}
	t.withDefault = opts.replaceNullWithDefault()
	return t, opts.err()
}

func (t *headerFrom) Apply(rec *Record) (*Record, error) {
	schema, v := t.o.get(rec)
	purpose := "header " + t.operationLabel
	headers := slices.Clip(rec.Headers)
	if schema == nil {
		if err := requireMap(v, purpose); err != nil {
			return nil, err
		}
		m := toSmap(v)
		for i, f := range t.fields {
			fv := mapGet(v, f)
			if t.move {
				m.remove(f)
			}
			headers = append(headers, Header{Key: t.headers[i], Value: fv})
		}
		t.o.set(rec, nil, m.s)
		rec.Headers = headers
		return rec, nil
	}
	st, err := requireStruct(schema, v, purpose)
	if err != nil {
		return nil, err
	}
	updatedSchema, updated := schema, any(st)
	if t.move {
		plan, err := t.cache.cached(schema, func() (fieldPlan, error) {
			b := newStructBuilder(copySchemaBasics(schema, decode.TypeStruct))
			var p fieldPlan
			for j, f := range schema.Fields {
				if !slices.Contains(t.fields, f.Name) {
					if err := b.field(f.Name, f.Schema); err != nil {
						return p, err
					}
					p.src = append(p.src, j)
				}
			}
			p.schema = b.build()
			return p, nil
		})
		if err != nil {
			return nil, err
		}
		updatedSchema = plan.schema
		if updated, err = plan.fill(st, t.withDefault); err != nil {
			return nil, err
		}
	}
	for i, f := range t.fields {
		var fv any
		if j := fieldIndex(st.Schema, f); j >= 0 {
			fv = fieldValue(st, j, t.withDefault)
		}
		fs := schema.Field(f)
		if fs == nil {
			return nil, fmt.Errorf("field %s is not in the %s schema (Kafka: NullPointerException)", f, describeSchema(schema))
		}
		headers = append(headers, Header{Key: t.headers[i], Schema: fs.Schema, Value: fv})
	}
	t.o.set(rec, updatedSchema, updated)
	rec.Headers = headers
	return rec, nil
}
