// Package mapping maps change rows onto StarRocks: topic → table routing
// (Router, as the Java connector and Kafka Connect's RegexRouter do it),
// Kafka Connect / Debezium types → StarRocks column types (ColumnType, the
// one type table of starcdc; PrimaryKeyType), and values → the JSON
// (Encoder) or CSV (CSV) text Stream Load parses back to exactly the source
// value, also for values that arrive without a logical type (TargetTypes).
// FlatRow is the compiled form of the same encoding for rows read flat
// (decode.FlatConverter): the same bytes from the same per-value functions.
//
// It promises that the text it renders loads back exactly: a value
// StarRocks would load as NULL or alter (a date outside the years
// 0000-9999, a decimal overflowing its column, a string beyond the largest
// VARCHAR, NaN or infinity, a CSV field holding a separator) is refused
// with ErrValue instead, for the dead-letter path.
//
// mapping knows the shape of decoded values (package decode) and change rows
// (package cdc), and StarRocks' type system; it does no I/O.
package mapping
