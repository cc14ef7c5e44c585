package transform

import "github.com/starcdc/starcdc/decode"

// Record is a Kafka Connect SinkRecord as the transforms see it. Key and
// Value are decoded (schema and value; a nil Schema is schemaless, a nil
// Value is null). Transforms may replace any field; Offset and the
// Original* fields are what the record was consumed as
// (SinkRecord.originalTopic and friends, KIP-793).
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	// Timestamp is the record's timestamp in milliseconds since the epoch,
	// or -1 when it has none (Connect: null).
	Timestamp int64
	Key       decode.Record
	Value     decode.Record
	Headers   []Header

	OriginalTopic     string
	OriginalPartition int32
}

// Header is one record header with its Connect schema and value. Headers
// consumed from Kafka carry their raw bytes as a bytes value (starcdc has
// no header converter; no sink output depends on header values).
type Header struct {
	Key    string
	Schema *decode.Schema
	Value  any
}

// Tombstone reports whether the record's value is null
// (RecordIsTombstone).
func (r *Record) Tombstone() bool { return r.Value.Value == nil }
