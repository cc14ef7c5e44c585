// Package transform runs Kafka Connect single message transforms (SMTs)
// and predicates on decoded records, exactly as a Connect worker runs them
// for a sink connector, so that a connector configuration written for
// Kafka Connect yields the same records in starcdc.
//
// It owns the Connect record model the transforms see (Record: topic,
// partition, offset, timestamp, key and value with their schemas, headers),
// the chain built from the transforms/predicates keys (Chain), and the
// transforms and predicates themselves, one file per class family, each
// citing the upstream class it follows (Kafka's connect/transforms,
// Debezium's io.debezium.transforms, the StarRocks connector's
// com.starrocks.connector.kafka.transforms).
//
// It promises:
//   - Stages run in the order of transforms; a stage with a predicate runs
//     its transform only when predicate XOR negate holds (Connect's
//     TransformationStage), on the record as earlier stages left it.
//   - A transform that returns no record drops it: later stages do not run
//     and the sink never sees it (its offset is still committed).
//   - A class starcdc does not implement stops NewChain with the list of
//     the supported ones; a bad option stops it naming the key. Nothing
//     is ignored silently.
//   - Errors of Apply name the transform (alias and class) and the cause;
//     they are the record's fault (the pipeline's TRANSFORMATION stage).
//
// Kafka's own transforms and predicates (kafka*.go, predicates.go) follow
// Kafka 3.9, what a current Connect worker runs them as (the StarRocks
// connector compiles against 3.6 but uses the worker's copy); where an older
// Kafka gives other output, the file says so. Java's data model, number
// formatting, regular expressions and SimpleDateFormat are reproduced in
// values.go, struct.go, javaregex.go and javadate.go.
//
// It knows nothing of StarRocks: what becomes a row, and whether a row is a
// delete, is decided after the chain (package pipeline).
package transform
