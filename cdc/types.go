package cdc

// Debezium's semantic types: the Schema.Name Debezium gives a column whose
// Kafka Connect type alone does not say what it holds (docs/debezium.md
// §3.1). cdc only names them; package mapping maps them to StarRocks types
// and values. Kafka Connect's own logical types (Decimal, Date, Time,
// Timestamp) are named in package decode (decode.ConnectDecimal, ...).
const (
	// Date is int32 days since 1970-01-01.
	Date = "io.debezium.time.Date"
	// Time is int32 milliseconds since midnight.
	Time = "io.debezium.time.Time"
	// MicroTime is int64 microseconds since midnight (MySQL TIME may be
	// negative or beyond 24 hours).
	MicroTime = "io.debezium.time.MicroTime"
	// NanoTime is int64 nanoseconds since midnight.
	NanoTime = "io.debezium.time.NanoTime"
	// ZonedTime is an ISO-8601 time with offset, as a string.
	ZonedTime = "io.debezium.time.ZonedTime"
	// Timestamp is int64 milliseconds since the epoch, the source's wall
	// clock read as UTC.
	Timestamp = "io.debezium.time.Timestamp"
	// MicroTimestamp is Timestamp in microseconds.
	MicroTimestamp = "io.debezium.time.MicroTimestamp"
	// NanoTimestamp is Timestamp in nanoseconds.
	NanoTimestamp = "io.debezium.time.NanoTimestamp"
	// ZonedTimestamp is an ISO-8601 timestamp in UTC, as a string.
	ZonedTimestamp = "io.debezium.time.ZonedTimestamp"
	// Year is an int32 year.
	Year = "io.debezium.time.Year"
	// MicroDuration is int64 microseconds (a month counted as 30.4375 days).
	MicroDuration = "io.debezium.time.MicroDuration"
	// Interval is an ISO-8601 duration string.
	Interval = "io.debezium.time.Interval"

	// JSON is a string holding a JSON document.
	JSON = "io.debezium.data.Json"
	// UUID is a UUID string.
	UUID = "io.debezium.data.Uuid"
	// Enum is a string, one of the values in parameter "allowed".
	Enum = "io.debezium.data.Enum"
	// EnumSet is a comma-separated string of values in parameter "allowed".
	EnumSet = "io.debezium.data.EnumSet"
	// Bits is little-endian bytes.
	Bits = "io.debezium.data.Bits"
	// VariableScaleDecimal is a struct {scale int32, value bytes}: a decimal
	// whose scale varies per row.
	VariableScaleDecimal = "io.debezium.data.VariableScaleDecimal"

	// Point is a struct {x, y double, wkb optional bytes, srid optional int32}.
	Point = "io.debezium.data.geometry.Point"
	// Geometry is a struct {wkb bytes, srid optional int32}.
	Geometry = "io.debezium.data.geometry.Geometry"
	// Geography is Geometry on a spheroid.
	Geography = "io.debezium.data.geometry.Geography"
)
