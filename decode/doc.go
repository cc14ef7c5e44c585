// Package decode turns raw Kafka record bytes into one neutral, Kafka Connect-like
// representation: a Schema (type, optionality, logical name, parameters) and a
// value built of a few Go types. Every converter that Kafka Connect users configure
// (key.converter / value.converter) is implemented here, so the packages after it
// (cdc, mapping, ddl) never know which wire format a record came in.
//
// decode owns:
//
//   - the converters, chosen by class name: JsonConverter, StringConverter,
//     Kafka's ByteArrayConverter and primitive converters (BooleanConverter,
//     ShortConverter, IntegerConverter, LongConverter, FloatConverter,
//     DoubleConverter: the exact byte lengths of Kafka's deserializers),
//     Confluent's AvroConverter, ProtobufConverter and JsonSchemaConverter;
//   - the Confluent wire framing (magic byte 0 and a 4-byte schema ID, or
//     magic byte 1 and a 16-byte schema GUID, then Protobuf message
//     indexes; FramingError when a record lacks it), and
//     AppendConfluentHeader, which writes it; Confluent Platform 8's
//     header-carried schema IDs (KeySchemaIDHeader, ValueSchemaIDHeader:
//     FrameSchemaID turns such a record into the framed bytes the
//     converters read, as the DualSchemaIdDeserializer reads a header
//     first); Apicurio's framing refused with advice (ErrApicurio);
//   - Schema Registry access: a Registries value shares one client set and
//     per-ID (and per-GUID: GET /schemas/guids/{guid}) schema cache (with
//     singleflight) per registry URL list and
//     credentials; references are resolved recursively; several URLs fail
//     over (a 404 too: a schema is not found only when every URL answers
//     404); 5xx, timeouts and 404s are retried with bounded backoff;
//   - mapping each format's schema to Kafka Connect's, as Confluent's
//     AvroData, ProtobufData and JsonSchemaData do, and decoding the bytes;
//   - the names of Kafka Connect's logical types and Decimal's parameters
//     (ConnectDecimal, ConnectDate, ConnectTime, ConnectTimestamp,
//     DecimalScaleParam, DecimalPrecisionParam), which the packages after
//     it use.
//
// It knows nothing of Debezium or StarRocks: Debezium's type names pass
// through Schema.Name untouched (package cdc names them).
//
// Use: create one Registries for the process (NewRegistries) and build every
// key and value converter with its New(class, props), props being the
// converter's sub-keys (value.converter.schema.registry.url → schema.registry.url).
// Converters are safe for concurrent use.
//
// Errors: every decoding error wraps ErrMalformed (a poison record: dead
// letter or stop, per errors.tolerance; ErrNotFramed and ErrSchemaNotFound
// are kinds of it), or ErrRegistryUnavailable (the registry is down or
// refuses the credentials: stop and retry later, never dead-letter).
// Configuration errors wrap ErrUnsupported.
//
// Values are represented as:
//
//	nil                 null
//	bool                boolean
//	int64               int8, int16, int32, int64 (the schema says which)
//	float64             float32, float64
//	string              string
//	[]byte              bytes (JsonConverter base64 is decoded)
//	Decimal             org.apache.kafka.connect.data.Decimal, exact
//	json.Number         a number in a schemaless document, kept exact
//	[]any               array
//	*Struct             struct, or a JSON object in a schemaless document
//	map[string]any      map (non-string keys rendered as text)
//
// Logical types other than Decimal stay in their Kafka Connect physical form
// with Schema.Name set: Date is int64 days, Time int64 milliseconds,
// Timestamp int64 epoch milliseconds, io.debezium.time.MicroTimestamp int64
// microseconds, and so on.
//
// Schemas, and the Names of struct values, are shared between the records
// of one schema: treat them as read-only.
//
// The Avro, Protobuf, JsonConverter and JSON Schema converters are also
// FlatConverters (flat.go): DecodeFlat reads a record into reused Slots laid
// out by a FlatPlan compiled once per writer schema, without building the
// values above and without allocating, and promises exactly the values
// Decode would return, or ErrNotFlat (decode it with Decode then).
package decode
