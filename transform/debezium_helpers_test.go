package transform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/internal/fixtures"
)

// decodeFixture decodes a fixture with Kafka's JsonConverter, with or
// without schemas.
func decodeFixture(t *testing.T, name string, schemas bool) decode.Record {
	t.Helper()
	return decodeJSON(t, string(fixtures.Read(t, name)), schemas)
}

func decodeJSON(t *testing.T, text string, schemas bool) decode.Record {
	t.Helper()
	r, err := (&decode.JSONConverter{SchemasEnable: schemas}).Decode(context.Background(), "t", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const customersTopic = "dbserver1.inventory.customers"

var customersKeySchema = &decode.Schema{Type: decode.TypeStruct, Name: "dbserver1.inventory.customers.Key",
	Fields: []decode.Field{{Name: "id", Schema: &decode.Schema{Type: decode.TypeInt32}}}}

func customersKey(id int64) decode.Record {
	return decode.Record{Schema: customersKeySchema, Value: &decode.Struct{Schema: customersKeySchema, Names: []string{"id"}, Values: []any{id}}}
}

// fixtureRecord is a consumed record whose value is the fixture (with
// schemas) and whose key is the customers key.
func fixtureRecord(t *testing.T, name string, id int64) *Record {
	t.Helper()
	return &Record{Topic: customersTopic, Partition: 0, Offset: 7, Timestamp: 1661328309300,
		Key: customersKey(id), Value: decodeFixture(t, name, true), OriginalTopic: customersTopic}
}

// tombstone is the Kafka null value that follows a Debezium delete.
func tombstone(id int64) *Record {
	return &Record{Topic: customersTopic, Offset: 8, Timestamp: 1661328550700, Key: customersKey(id), OriginalTopic: customersTopic}
}

// withField returns a copy of the struct with one field's value replaced.
func withField(s *decode.Struct, name string, v any) *decode.Struct {
	c := &decode.Struct{Schema: s.Schema, Names: s.Names, Values: append([]any(nil), s.Values...)}
	for i, n := range c.Names {
		if n == name {
			c.Values[i] = v
		}
	}
	return c
}

// schemaSig renders a schema compactly: name, ? when optional, and the
// fields of a struct as name:type (logical name in parentheses, nested
// structs by name only).
func schemaSig(s *decode.Schema) string {
	if s == nil {
		return "nil"
	}
	var b strings.Builder
	b.WriteString(typeSig(s))
	if s.Type == decode.TypeStruct {
		b.WriteByte('{')
		for i, f := range s.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.Name + ":" + typeSig(f.Schema))
		}
		b.WriteByte('}')
	}
	return b.String()
}

func typeSig(s *decode.Schema) string {
	if s == nil {
		return "nil"
	}
	out := s.Type.String()
	if s.Type == decode.TypeStruct {
		out = s.Name
	} else if s.Name != "" {
		out += "(" + s.Name + ")"
	}
	if s.Type == decode.TypeArray && s.Items != nil {
		out += "<" + typeSig(s.Items) + ">"
	}
	if s.Optional {
		out += "?"
	}
	return out
}

// outcome renders what a transform made of a record: "dropped", or
// topic | value schema | value [| headers].
func outcome(out *Record, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	if out == nil {
		return "dropped"
	}
	s := fmt.Sprintf("%s | %s | %s", out.Topic, schemaSig(out.Value.Schema), renderValue(out.Value.Value))
	for _, h := range out.Headers {
		s += fmt.Sprintf(" | %s=%s:%s", h.Key, typeSig(h.Schema), renderValue(h.Value))
	}
	return s
}

func mustTransform(t *testing.T, f TransformFactory, props map[string]string) Transformation {
	t.Helper()
	tr, err := f(props)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func wantConfigError(t *testing.T, f TransformFactory, props map[string]string, wants ...string) {
	t.Helper()
	_, err := f(props)
	if err == nil || !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("props %v: err = %v, want a config.ErrInvalid", props, err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("props %v: %q does not say %q", props, err, w)
		}
	}
}
