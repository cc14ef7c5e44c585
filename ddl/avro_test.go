package ddl

import (
	"context"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/starcdc/starcdc/decode"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// zeroAvro builds a datum of the schema: null for nullable unions, zero
// values elsewhere. Only the schema matters to Plan.
func zeroAvro(s avro.Schema) any {
	switch s := s.(type) {
	case *avro.RecordSchema:
		m := map[string]any{}
		for _, f := range s.Fields() {
			m[f.Name()] = zeroAvro(f.Type())
		}
		return m
	case *avro.UnionSchema:
		if s.Nullable() {
			return nil
		}
		return zeroAvro(s.Types()[0])
	case *avro.RefSchema:
		return zeroAvro(s.Schema())
	case *avro.EnumSchema:
		return s.Symbols()[0]
	case *avro.ArraySchema:
		return []any{}
	case *avro.MapSchema:
		return map[string]any{}
	case *avro.PrimitiveSchema:
		switch s.Type() {
		case avro.Int:
			return int32(0)
		case avro.Long:
			return int64(0)
		case avro.Float:
			return float32(0)
		case avro.Double:
			return float64(0)
		case avro.Boolean:
			return false
		case avro.Bytes:
			return []byte{}
		case avro.String:
			return ""
		}
	}
	return nil
}

// decodeAvsc registers an .avsc fixture in a fake registry and decodes a
// datum of it with decode's AvroConverter, as a record from Kafka would be.
func decodeAvsc(t *testing.T, f *srfake.Registry, regs *decode.Registries, subject, name string) *decode.Schema {
	t.Helper()
	text := string(fixture(t, name))
	id, _, err := f.RegisterSchema(subject, sr.Schema{Schema: text, Type: sr.TypeAvro})
	if err != nil {
		t.Fatal(err)
	}
	s, err := avro.ParseWithCache(text, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	datum, err := avro.Marshal(s, zeroAvro(s))
	if err != nil {
		t.Fatal(err)
	}
	c, err := regs.New(decode.ClassAvro, map[string]string{"schema.registry.url": f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Decode(context.Background(), "topic", append(decode.AppendConfluentHeader(nil, id, nil), datum...))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rec.Schema
}

// Golden DDL for the registry (.avsc) fixtures, through decode's Avro
// converter.
func TestPlanAvroFixturesGolden(t *testing.T) {
	f := srfake.New()
	t.Cleanup(f.Close)
	regs := decode.NewRegistries()
	t.Cleanup(regs.Close)
	o := Options{ReplicationNum: 1}

	v := decodeAvsc(t, f, regs, "dbserver1.inventory.customers-value", "mysql2x_avro_envelope_schema.avsc")
	tbl, notes, err := Plan("customers", keyOf(t, v, "id"), v, o)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "mysql2x_avro_envelope_schema.sql", Format("inventory", tbl, notes))

	pv := decodeAvsc(t, f, regs, "postgres.public.orders-value", "pg197_avro_value_schema.avsc")
	pk := decodeAvsc(t, f, regs, "postgres.public.orders-key", "pg197_avro_key_schema.avsc")
	tbl, notes, err = Plan("orders", pk, pv, o)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "pg197_avro_value_schema.sql", Format("postgres", tbl, notes))
}
