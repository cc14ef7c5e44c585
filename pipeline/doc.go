// Package pipeline turns one raw Kafka record into Stream Load rows: decode
// (the key and value converters) → cdc (the Debezium envelope) → mapping
// (the table, the row encoding). Every command that reads records runs the
// same Pipeline: `starcdc run` (through package replicator) for each fetched
// record, `starcdc decode` for one record from files, `starcdc ddl` for the
// newest record of each topic.
//
// It owns:
//   - the Pipeline of one connector (NewPipeline: converters, the
//     transform chain of the Java connector's Debezium setup, topic → table
//     routing, JSON or CSV rows through one mapping.RowEncoder, CSV
//     pass-through of StringConverter values), its Outcome and the Emit
//     callback that receives the rows;
//   - the SchemaHook that runs before a record's rows are emitted, and
//     TableSync, the hook that creates and evolves StarRocks tables through
//     ddl.Manager (starrocks.auto.create.tables, starrocks.schema.evolution);
//   - the TargetTypesSource of values without a logical type, and
//     TableTypes, which reads the column types over the MySQL protocol and
//     waits, with backoff, while it cannot;
//   - the errors of a record: StageError with its Kafka Connect Stage
//     (StageOf), and ErrStop;
//   - the compiled hot path (fast.go): a Debezium envelope that the value
//     converter reads flat (decode.FlatConverter) is unwrapped from its
//     slots (cdc.Unwrapper.FlatChange) and encoded by a row writer compiled
//     once per row schema (mapping.FlatRow), without a value tree; any
//     record it cannot make exactly as the generic path does is handed to
//     the generic path before anything is emitted (Pipeline.Generic turns
//     it off).
//
// It promises that:
//   - the hot path and the generic path give a record the same rows, load
//     headers, Outcome (but Event.Changes, which the hot path leaves nil)
//     and errors;
//   - a record yields all its rows or, on error, none: Rows emits nothing
//     before the whole record is decoded, unwrapped, its tables ensured and
//     every row encoded;
//   - a record is never encoded without the column types of its table when
//     Targets is set: Rows waits for them (honouring ctx) rather than emit
//     values StarRocks would store differently;
//   - every error of Rows is either the record's fault, and then carries the
//     Stage where it failed (StageOf: KEY_CONVERTER, VALUE_CONVERTER,
//     TRANSFORMATION or TASK_PUT, as Kafka Connect names them), for the
//     dead-letter policy to take; or not the record's fault (the
//     configuration routes its topic to no valid table, the schema registry
//     or StarRocks' MySQL port is unreachable, ctx ended a wait), and then
//     matches ErrStop (errors.Is): it stops the pipeline whatever the
//     dead-letter policy, before the record's offset is committed, so that
//     a restart reads the record again;
//   - NewPipeline refuses, wrapped with config.Invalid, every setting it
//     cannot act on (converter classes, transforms, topics whose table name
//     StarRocks would refuse), all at once.
//
// It does not fetch, load or commit (package replicator does), nor decide
// what happens to a record that fails (package deadletter does).
package pipeline
