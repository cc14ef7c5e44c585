package decode

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Kafka's converters of raw bytes and primitive values
// (connect/runtime org.apache.kafka.connect.converters). Each reads the
// bytes its Kafka serializer wrote; a wrong length is what Kafka's
// deserializer calls a SerializationException, here a malformed record.
const (
	ClassByteArray = "org.apache.kafka.connect.converters.ByteArrayConverter"
	ClassBoolean   = "org.apache.kafka.connect.converters.BooleanConverter"
	ClassShort     = "org.apache.kafka.connect.converters.ShortConverter"
	ClassInteger   = "org.apache.kafka.connect.converters.IntegerConverter"
	ClassLong      = "org.apache.kafka.connect.converters.LongConverter"
	ClassFloat     = "org.apache.kafka.connect.converters.FloatConverter"
	ClassDouble    = "org.apache.kafka.connect.converters.DoubleConverter"
)

// primitive is one of Kafka's primitive converters: ByteArrayConverter,
// BooleanConverter, and the NumberConverter subclasses ShortConverter,
// IntegerConverter, LongConverter, FloatConverter and DoubleConverter.
//
// As in Kafka, every value gets the converter's optional schema (bytes,
// boolean, int16, int32, int64, float, double) and the converter takes no
// options. A Kafka null is a null Record with no schema, as every starcdc
// converter decodes it (Kafka's converters give the optional schema with a
// null value; in both, the record is a tombstone).
type primitive struct {
	class string
	// deserializer is the Kafka deserializer the converter uses, named in
	// errors as Kafka's messages name it.
	deserializer string
	// size is the exact length the deserializer accepts; 0 for any length
	// (ByteArrayConverter). wire says in words what those bytes are.
	size   int
	wire   string
	schema *Schema
	value  func(b []byte) (any, error)
}

// newPrimitive returns the converter of class, or nil when class is not
// one of Kafka's primitive converters.
func newPrimitive(class string) *primitive {
	opt := func(t Type) *Schema { return &Schema{Type: t, Optional: true} }
	switch class {
	case ClassByteArray:
		return &primitive{class: class, deserializer: "ByteArrayDeserializer", schema: opt(TypeBytes),
			value: func(b []byte) (any, error) { return bytes.Clone(b), nil }}
	case ClassBoolean:
		return &primitive{class: class, deserializer: "BooleanDeserializer", size: 1, wire: "one byte, 1 for true or 0 for false", schema: opt(TypeBoolean), value: booleanValue}
	case ClassShort:
		return &primitive{class: class, deserializer: "ShortDeserializer", size: 2, wire: "a 2-byte big-endian int16", schema: opt(TypeInt16),
			value: func(b []byte) (any, error) { return int64(int16(binary.BigEndian.Uint16(b))), nil }}
	case ClassInteger:
		return &primitive{class: class, deserializer: "IntegerDeserializer", size: 4, wire: "a 4-byte big-endian int32", schema: opt(TypeInt32),
			value: func(b []byte) (any, error) { return int64(int32(binary.BigEndian.Uint32(b))), nil }}
	case ClassLong:
		return &primitive{class: class, deserializer: "LongDeserializer", size: 8, wire: "an 8-byte big-endian int64", schema: opt(TypeInt64),
			value: func(b []byte) (any, error) { return int64(binary.BigEndian.Uint64(b)), nil }}
	case ClassFloat:
		return &primitive{class: class, deserializer: "FloatDeserializer", size: 4, wire: "a 4-byte big-endian IEEE 754 float", schema: opt(TypeFloat32),
			value: func(b []byte) (any, error) { return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil }}
	case ClassDouble:
		return &primitive{class: class, deserializer: "DoubleDeserializer", size: 8, wire: "an 8-byte big-endian IEEE 754 double", schema: opt(TypeFloat64),
			value: func(b []byte) (any, error) { return math.Float64frombits(binary.BigEndian.Uint64(b)), nil }}
	}
	return nil
}

// booleanValue is BooleanDeserializer: byte 1 is true, 0 false, any other
// byte an error.
func booleanValue(b []byte) (any, error) {
	switch b[0] {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return nil, fmt.Errorf("%w: BooleanConverter: Unexpected byte received by BooleanDeserializer: %d (BooleanSerializer writes 1 for true and 0 for false); check that the converter class matches the producer's serializer",
		ErrMalformed, int8(b[0]))
}

// Decode implements Converter.
func (c *primitive) Decode(_ context.Context, _ string, data []byte) (Record, error) {
	if data == nil {
		return Record{}, nil // a tombstone
	}
	if c.size > 0 && len(data) != c.size {
		return Record{}, fmt.Errorf("%w: %s: Size of data received by %s is not %d (got %d bytes): the record is not %s as Kafka's %s writes it; set the converter class to the one matching the producer's serializer",
			ErrMalformed, c.simpleName(), c.deserializer, c.size, len(data), c.wire, strings.TrimSuffix(c.deserializer, "Deserializer")+"Serializer")
	}
	v, err := c.value(data)
	if err != nil {
		return Record{}, err
	}
	return Record{Schema: c.schema, Value: v}, nil
}

func (c *primitive) simpleName() string { return c.class[strings.LastIndexByte(c.class, '.')+1:] }
