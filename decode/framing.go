package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/sr"
)

// ErrNotFramed means a record that a Schema Registry converter was asked to
// decode does not start with the Confluent wire-format prefix (magic byte 0
// and a 4-byte schema ID, or magic byte 1 and a 16-byte schema GUID), or
// that its schema ID header is unreadable. It wraps ErrMalformed: such a
// record is poison.
var ErrNotFramed = fmt.Errorf("%w: not in Confluent wire format", ErrMalformed)

// FramingError reports a record that is not in Confluent wire format, or
// whose Protobuf message indexes cannot be read. It wraps ErrNotFramed (and
// so ErrMalformed). The caller adds topic, partition and offset.
type FramingError struct {
	// Converter is the converter class that expected the framing.
	Converter string
	// Len is the length of the record bytes (of the header's value when
	// Header is set).
	Len int
	// Header names the schema ID header that is unreadable
	// (KeySchemaIDHeader or ValueSchemaIDHeader); empty when the prefix is.
	Header string
	// Reason says what is wrong, e.g. "the first byte is 0x7b, not the magic byte 0".
	Reason string
}

func (e *FramingError) Error() string {
	if e.Header != "" {
		return fmt.Sprintf("record is not in Confluent wire format (%s, record header %s of %d bytes): %s; the header must hold magic byte 0 and a 4-byte schema ID or magic byte 1 and a 16-byte schema GUID (Confluent's header-based schema ID format); check the producer's serializer settings",
			e.Converter, e.Header, e.Len, e.Reason)
	}
	return fmt.Sprintf("record is not in Confluent wire format (%s, %d bytes): %s; %s expects every record to be written by a Confluent serializer (magic byte 0 + 4-byte schema ID, magic byte 1 + 16-byte schema GUID, or the schema ID in a %s/%s record header); check that the topic's producer uses the matching serializer, or configure the matching converter class",
		e.Converter, e.Len, e.Reason, e.Converter, KeySchemaIDHeader, ValueSchemaIDHeader)
}

// Unwrap returns ErrNotFramed.
func (e *FramingError) Unwrap() error { return ErrNotFramed }

// The record headers in which Confluent Platform 8 serializers can carry
// a record's schema ID instead of the payload prefix
// (io.confluent.kafka.serializers.schema.id.SchemaId). The header's value
// is exactly the prefix the payload would have started with: magic byte 0
// and a 4-byte ID or magic byte 1 and a 16-byte GUID, then for Protobuf
// the message indexes; the payload is then the bare datum.
const (
	KeySchemaIDHeader   = "__key_schema_id"
	ValueSchemaIDHeader = "__value_schema_id"
)

// apicurioHeader reports whether name is one of the headers in which
// Apicurio Registry's serializers carry a schema's global or content ID
// (an 8-byte long, payload raw), and whether it is the key's. starcdc does
// not read them: see ErrApicurio.
func apicurioHeader(name string) (isKey, ok bool) {
	switch name {
	case "apicurio.key.globalId", "apicurio.key.contentId":
		return true, true
	case "apicurio.value.globalId", "apicurio.value.contentId":
		return false, true
	}
	return false, false
}

// ErrApicurio means a record or a converter uses Apicurio Registry's own
// framing. starcdc reads the Confluent framing only: which of Apicurio's
// IDs a record holds (global or content ID), in which width (8 or 4
// bytes) and whether the registry's Confluent-compatible API numbers
// schemas the same way depend on serializer and server settings a
// consumer cannot see, and a wrong guess decodes the record with another
// schema. Apicurio's Confluent-compatible API (/apis/ccompat/v7) serves
// Confluent's serializers and converters: producers that use them there
// write records starcdc reads. It wraps ErrUnsupported.
var ErrApicurio = fmt.Errorf("%w: Apicurio Registry framing", ErrUnsupported)

// apicurioAdvice tells the operator how to serve an Apicurio user.
const apicurioAdvice = "starcdc reads Confluent's framing only, since Apicurio's global and content IDs cannot be told apart from the record; have the producer (e.g. Debezium's key.converter/value.converter) use io.confluent.connect.avro.AvroConverter (or the Protobuf or JSON Schema one) with schema.registry.url set to Apicurio's Confluent-compatible API (.../apis/ccompat/v7), and point starcdc's converter at the same URL"

// SchemaIDHeaderSide reports whether a record header named name carries
// the schema ID of the record's key (isKey) or value: Confluent's
// KeySchemaIDHeader and ValueSchemaIDHeader, which FrameSchemaID reads,
// and Apicurio's apicurio.key.* / apicurio.value.* globalId and contentId
// headers, which it refuses (ErrApicurio). ok is false for other headers.
func SchemaIDHeaderSide(name string) (isKey, ok bool) {
	switch name {
	case KeySchemaIDHeader:
		return true, true
	case ValueSchemaIDHeader:
		return false, true
	}
	return apicurioHeader(name)
}

// Magic bytes of the Confluent schema ID framing.
const (
	magicID   = 0 // then a 4-byte big-endian schema ID
	magicGUID = 1 // then a 16-byte schema GUID (most, then least significant half)
)

// schemaID names a registered schema as a record does: by its numeric ID
// or by its GUID. It is comparable, a cache key.
type schemaID struct {
	id     int
	guid   [16]byte
	byGUID bool
}

// String is how errors name the schema: "schema ID 7" or
// "schema GUID 5e7f40ce-ba13-8394-ab4a-c4e82c0ededd".
func (s schemaID) String() string {
	if s.byGUID {
		return "schema GUID " + s.guidText()
	}
	return "schema ID " + strconv.Itoa(s.id)
}

// guidText is the GUID as the registry's REST API writes it (Java's
// UUID.toString: lower-case hex, 8-4-4-4-12).
func (s schemaID) guidText() string {
	const hexdig = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i, c := range s.guid {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexdig[c>>4], hexdig[c&15])
	}
	return string(b)
}

// recordID is the schema ID a decoded Record carries (Record.SchemaID):
// 0 for a schema named by GUID.
func (s schemaID) recordID() int {
	if s.byGUID {
		return 0
	}
	return s.id
}

// parseConfluentHeader splits data framed in the Confluent wire format into
// its schema ID and payload, as Confluent's SchemaId.fromBytes reads it:
// magic byte 0 and a 4-byte ID, or magic byte 1 and a 16-byte GUID.
// converter names the converter class for the error message. A record that
// is not framed returns a *FramingError.
func parseConfluentHeader(converter string, data []byte) (schemaID, []byte, error) {
	if len(data) >= 5 && data[0] == magicID {
		// As sr.ConfluentHeader.DecodeID reads it; small enough to inline,
		// since this runs per record.
		return schemaID{id: int(binary.BigEndian.Uint32(data[1:5]))}, data[5:], nil
	}
	return parseGUIDHeader(converter, data)
}

// parseGUIDHeader is parseConfluentHeader for anything but magic byte 0.
func parseGUIDHeader(converter string, data []byte) (schemaID, []byte, error) {
	switch {
	case len(data) >= 17 && data[0] == magicGUID:
		var s schemaID
		s.byGUID = true
		copy(s.guid[:], data[1:17])
		return s, data[17:], nil
	}
	return schemaID{}, nil, &FramingError{Converter: converter, Len: len(data), Reason: framingReason(data)}
}

// framingReason says why data has no readable schema ID prefix.
func framingReason(data []byte) string {
	switch {
	case len(data) == 0:
		return "empty value, not a tombstone: a Confluent-framed record needs at least 5 bytes"
	case data[0] == magicGUID:
		return fmt.Sprintf("magic byte 1 (a schema GUID) needs 17 bytes, got %d", len(data))
	case len(data) < 5:
		return "shorter than the 5-byte prefix"
	}
	return fmt.Sprintf("the first byte is 0x%02x, not the magic byte 0 (schema ID) or 1 (schema GUID)", data[0])
}

// appendHeaderFramed implements SchemaIDFramer for the Schema Registry
// converters: it appends to dst the schema ID read from the header's value
// id (with, when indexes is set, the Protobuf message indexes that must
// follow it there), then payload. As in Confluent's SchemaId.fromBytes,
// bytes after the ID (after the indexes for Protobuf) are ignored.
func appendHeaderFramed(converter string, indexes bool, dst []byte, header string, id, payload []byte) ([]byte, error) {
	if _, ok := apicurioHeader(header); ok {
		return dst, fmt.Errorf("%w: %w: the record carries Apicurio's %s header; %s", ErrMalformed, ErrApicurio, header, apicurioAdvice)
	}
	_, rest, err := parseConfluentHeader(converter, id)
	if err != nil {
		return dst, &FramingError{Converter: converter, Len: len(id), Header: header, Reason: framingReason(id)}
	}
	if indexes {
		var buf [8]int
		_, after, err := appendMessageIndexes(converter, buf[:0], rest)
		if err != nil {
			var fe *FramingError
			errors.As(err, &fe)
			return dst, &FramingError{Converter: converter, Len: len(id), Header: header, Reason: fe.Reason + " (a Protobuf schema ID header holds the message indexes after the ID)"}
		}
		rest = after
	}
	dst = slices.Grow(dst, len(id)-len(rest)+len(payload))
	dst = append(dst, id[:len(id)-len(rest)]...)
	return append(dst, payload...), nil
}

// SchemaIDFramer is implemented by the converters that read a schema ID
// carried in a record header (the Schema Registry converters, and wrappers
// of any converter, which forward to it through FrameSchemaID).
type SchemaIDFramer interface {
	// FrameSchemaID appends to dst the bytes Decode (or DecodeFlat) reads
	// for a record whose schema ID header (header: KeySchemaIDHeader or
	// ValueSchemaIDHeader) holds id and whose raw payload is payload. ok is
	// false, and dst is returned unchanged, when the converter does not
	// read schema ID headers. An unreadable id is a *FramingError.
	FrameSchemaID(dst []byte, header string, id, payload []byte) (_ []byte, ok bool, _ error)
}

// FrameSchemaID is c's FrameSchemaID when c is a SchemaIDFramer; otherwise
// the header is not c's business (Kafka Connect's JsonConverter, for one,
// never reads headers) and ok is false.
//
// The rule is Confluent's DualSchemaIdDeserializer (the default since
// Confluent Platform 8): a record whose schema ID header (the last one of
// that name) is present and not null is read with that ID and a raw
// payload; any other record with its payload prefix. A null payload stays
// a tombstone: call FrameSchemaID only for a non-nil payload. The bytes
// returned are the header's value followed by the payload, the record the
// serializer would have written had it put the ID in the prefix, so the
// converter's own rules (and its fast path) read it unchanged.
func FrameSchemaID(c Converter, dst []byte, header string, id, payload []byte) (_ []byte, ok bool, _ error) {
	if f, is := c.(SchemaIDFramer); is {
		return f.FrameSchemaID(dst, header, id, payload)
	}
	return dst, false, nil
}

// maxMessageIndexes bounds the Protobuf message-index path. A real path is as
// deep as the message nesting; anything longer is hostile.
const maxMessageIndexes = 64

// appendMessageIndexes reads the Protobuf message-index path that follows the
// schema ID, appends it to dst (reused: pass dst[:0]) and returns it with the
// remaining payload. The single byte 0 is the shortcut for [0].
func appendMessageIndexes(converter string, dst []int, payload []byte) ([]int, []byte, error) {
	n, k := binary.Varint(payload)
	if k <= 0 {
		return dst, nil, &FramingError{Converter: converter, Len: len(payload), Reason: "the Protobuf message-index count is truncated"}
	}
	payload = payload[k:]
	if n == 0 {
		return append(dst, 0), payload, nil
	}
	if n < 0 || n > maxMessageIndexes {
		return dst, nil, &FramingError{Converter: converter, Len: len(payload), Reason: fmt.Sprintf("the Protobuf message-index count %d is out of range (the deprecated non-zigzag index format is not supported)", n)}
	}
	for i := int64(0); i < n; i++ {
		v, k := binary.Varint(payload)
		if k <= 0 || v < 0 || v > 1<<20 {
			return dst, nil, &FramingError{Converter: converter, Len: len(payload), Reason: "a Protobuf message index is truncated or out of range"}
		}
		payload = payload[k:]
		dst = append(dst, int(v))
	}
	return dst, payload, nil
}

// AppendConfluentHeader appends the Confluent wire-format prefix for schema
// id (and, for Protobuf, the message-index path; nil for other formats) to dst.
func AppendConfluentHeader(dst []byte, id int, indexes []int) []byte {
	var h sr.ConfluentHeader
	dst, _ = h.AppendEncode(dst, id, indexes)
	return dst
}

// FrameSchemaID implements SchemaIDFramer.
func (c *avroConverter) FrameSchemaID(dst []byte, header string, id, payload []byte) ([]byte, bool, error) {
	dst, err := appendHeaderFramed(ClassAvro, false, dst, header, id, payload)
	return dst, true, err
}

// FrameSchemaID implements SchemaIDFramer.
func (c *jsonSchemaConverter) FrameSchemaID(dst []byte, header string, id, payload []byte) ([]byte, bool, error) {
	dst, err := appendHeaderFramed(ClassJSONSchema, false, dst, header, id, payload)
	return dst, true, err
}

// FrameSchemaID implements SchemaIDFramer: the header holds the message
// indexes after the ID.
func (c *protobufConverter) FrameSchemaID(dst []byte, header string, id, payload []byte) ([]byte, bool, error) {
	dst, err := appendHeaderFramed(ClassProtobuf, true, dst, header, id, payload)
	return dst, true, err
}
