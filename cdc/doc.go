// Package cdc turns decoded Kafka records that carry Debezium change events
// into change rows with an operation: upsert (StarRocks __op 0) or delete
// (__op 1).
//
// It recognises the Debezium envelope natively, by schema name (*.Envelope)
// or, for schemaless JSON, by shape, so no Kafka Connect transform chain is
// needed and deletes work with schemas on and off. It also accepts records
// that were already flattened upstream by Debezium's ExtractNewRecordState,
// and recognises the control records (tombstones, heartbeats, schema-change
// and transaction-metadata events) that yield no row. A truncate is
// reported (KindTruncate); what it does is the caller's decision.
//
// FlatChange reads the same envelope rule from a flat read of a record
// (decode.FlatPlan slots) for the compiled hot path, covering the records
// whose event is one plain change and leaving every other to Unwrap.
//
// It also names Debezium's semantic types (Date, MicroTimestamp, JSON,
// Point, ...), the Schema.Name values the packages after it interpret.
//
// cdc owns Debezium semantics only; it knows nothing of wire formats or of
// StarRocks column types. An Unwrapper is safe for concurrent use.
package cdc
