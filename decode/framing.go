package decode

import (
	"encoding/binary"
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"
)

// ErrNotFramed means a record that a Schema Registry converter was asked to
// decode does not start with the Confluent wire-format prefix (magic byte 0
// and a 4-byte schema ID). It wraps ErrMalformed: such a record is poison.
var ErrNotFramed = fmt.Errorf("%w: not in Confluent wire format", ErrMalformed)

// FramingError reports a record that is not in Confluent wire format, or
// whose Protobuf message indexes cannot be read. It wraps ErrNotFramed (and
// so ErrMalformed). The caller adds topic, partition and offset.
type FramingError struct {
	// Converter is the converter class that expected the framing.
	Converter string
	// Len is the length of the record bytes.
	Len int
	// Reason says what is wrong, e.g. "the first byte is 0x7b, not the magic byte 0".
	Reason string
}

func (e *FramingError) Error() string {
	return fmt.Sprintf("record is not in Confluent wire format (%s, %d bytes): %s; %s expects every record to be written by a Confluent serializer (magic byte 0 + 4-byte schema ID); check that the topic's producer uses the matching serializer, or configure the matching converter class",
		e.Converter, e.Len, e.Reason, e.Converter)
}

// Unwrap returns ErrNotFramed.
func (e *FramingError) Unwrap() error { return ErrNotFramed }

// maxMessageIndexes bounds the Protobuf message-index path. A real path is as
// deep as the message nesting; anything longer is hostile.
const maxMessageIndexes = 64

// parseConfluentHeader splits data framed in the Confluent wire format into
// its schema ID and payload. converter names the converter class for the
// error message. A record that is not framed returns a *FramingError.
func parseConfluentHeader(converter string, data []byte) (id int, payload []byte, err error) {
	var h sr.ConfluentHeader
	id, payload, err = h.DecodeID(data)
	if err != nil {
		reason := "shorter than the 5-byte prefix"
		if len(data) == 0 {
			reason = "empty value, not a tombstone: a Confluent-framed record needs at least 5 bytes"
		}
		if len(data) >= 5 {
			reason = fmt.Sprintf("the first byte is 0x%02x, not the magic byte 0", data[0])
			if data[0] == 1 {
				reason += " (magic byte 1, a CP 8 GUID prefix, is not supported yet)"
			}
		}
		return 0, nil, &FramingError{Converter: converter, Len: len(data), Reason: reason}
	}
	return id, payload, nil
}

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
