package decode

import (
	"context"
	"fmt"
)

// avroConverter is Confluent's io.confluent.connect.avro.AvroConverter: the
// record is the Confluent prefix plus an Avro binary datum in the writer
// schema the ID names. The schema is mapped to Kafka Connect as
// AvroData.toConnectSchema does (connect.* properties restored; decimal,
// date, time-millis and timestamp-millis become Connect logical types; other
// logical types stay physical).
//
// Schemas are parsed with hamba/avro into a fresh avro.SchemaCache per schema
// ID (references first), never the global cache. Values are decoded by a
// strict decoder compiled per schema ID rather than hamba's Unmarshal, so
// named-type unions need no registration, bytes and strings have no 1 MiB
// cap (only the record's own length bounds them) and a truncated datum or
// trailing bytes are reported instead of being swallowed. Schemas that have
// a flat form are also read flat (DecodeFlat, avroflat.go).
type avroConverter struct {
	schemas *registrySchemas[*avroNode]
}

// newAvroConverter returns an avroConverter reading schemas from the
// registry named by props (schema.registry.url, basic.auth.*, bearer.auth.*).
func (r *Registries) newAvroConverter(props map[string]string) (*avroConverter, error) {
	schemas, err := newRegistrySchemas(r, ClassAvro, kindAvro, props, func(_ context.Context, raw *rawSchema) (*avroNode, error) {
		n, err := compileAvro(raw)
		if err != nil {
			return nil, err
		}
		n.flat = compileAvroFlat(n)
		return n, nil
	})
	if err != nil {
		return nil, err
	}
	return &avroConverter{schemas: schemas}, nil
}

// Decode implements Converter.
func (c *avroConverter) Decode(ctx context.Context, _ string, data []byte) (Record, error) {
	if data == nil { // a tombstone; an empty value is not one and fails framing
		return Record{}, nil
	}
	id, payload, err := parseConfluentHeader(ClassAvro, data)
	if err != nil {
		return Record{}, err
	}
	node, err := c.schemas.get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	v, err := decodeAvro(node, payload)
	if err != nil {
		return Record{}, fmt.Errorf("%s: %w", id, err)
	}
	return Record{Schema: node.schema, Value: v, SchemaID: id.recordID()}, nil
}
