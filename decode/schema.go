package decode

import "strings"

// Type is a Kafka Connect schema type.
type Type uint8

// The Kafka Connect schema types.
const (
	TypeInvalid Type = iota
	TypeInt8
	TypeInt16
	TypeInt32
	TypeInt64
	TypeFloat32
	TypeFloat64
	TypeBoolean
	TypeString
	TypeBytes
	TypeArray
	TypeMap
	TypeStruct
)

var typeNames = [...]string{"invalid", "int8", "int16", "int32", "int64", "float", "double", "boolean", "string", "bytes", "array", "map", "struct"}

// String returns the name JsonConverter uses for the type.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "invalid"
}

// parseType parses a JsonConverter type name ("int32", "float", "struct", ...).
// "float32"/"float64" are accepted too.
func parseType(s string) Type {
	switch s {
	case "float32":
		return TypeFloat32
	case "float64":
		return TypeFloat64
	}
	for i, n := range typeNames {
		if n == s && i != 0 {
			return Type(i)
		}
	}
	return TypeInvalid
}

// Kafka Connect's logical types: the Schema.Name a converter gives a value
// whose physical type alone does not say what it means (docs/debezium.md
// §3.1), and the parameters of Decimal. Every package of starcdc names them
// with these constants.
const (
	// ConnectDecimal is a Decimal value (bytes on the wire), with parameter
	// DecimalScaleParam and, when the source knows it,
	// DecimalPrecisionParam.
	ConnectDecimal = "org.apache.kafka.connect.data.Decimal"
	// ConnectDate is int64 days since 1970-01-01.
	ConnectDate = "org.apache.kafka.connect.data.Date"
	// ConnectTime is int64 milliseconds since midnight.
	ConnectTime = "org.apache.kafka.connect.data.Time"
	// ConnectTimestamp is int64 milliseconds since the epoch.
	ConnectTimestamp = "org.apache.kafka.connect.data.Timestamp"

	// DecimalScaleParam is the ConnectDecimal parameter holding the scale.
	DecimalScaleParam = "scale"
	// DecimalPrecisionParam is the ConnectDecimal parameter holding the
	// precision (AvroData's connect.decimal.precision).
	DecimalPrecisionParam = "connect.decimal.precision"
)

// Schema is a Kafka Connect schema. Name carries the logical type
// (org.apache.kafka.connect.data.Decimal, io.debezium.time.MicroTimestamp, ...)
// or the record name (dbserver1.inventory.customers.Envelope).
type Schema struct {
	Type       Type
	Optional   bool
	Name       string
	Version    int
	Doc        string
	Parameters map[string]string
	Default    any
	Fields     []Field // TypeStruct
	Items      *Schema // TypeArray
	Keys       *Schema // TypeMap
	Values     *Schema // TypeMap
}

// Field is one field of a struct schema.
type Field struct {
	Name   string
	Index  int
	Schema *Schema
}

// Field returns the named field, or nil.
func (s *Schema) Field(name string) *Field {
	if s == nil {
		return nil
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// IsEnvelope reports whether the schema is a Debezium-style envelope by name
// (the rule Debezium's SmtManager.isValidEnvelope uses).
func (s *Schema) IsEnvelope() bool {
	return s != nil && s.Type == TypeStruct && strings.HasSuffix(s.Name, ".Envelope")
}

// Struct is a struct value, or a JSON object of a schemaless document. Names
// and Values are parallel and keep the source order. Schema is nil for
// schemaless values.
type Struct struct {
	Schema *Schema
	Names  []string
	Values []any
}

// Get returns the named field's value and whether the field exists.
func (s *Struct) Get(name string) (any, bool) {
	if s == nil {
		return nil, false
	}
	for i, n := range s.Names {
		if n == name {
			return s.Values[i], true
		}
	}
	return nil, false
}

// FieldSchema returns the schema of the named field, or nil when schemaless.
func (s *Struct) FieldSchema(name string) *Schema {
	if s == nil || s.Schema == nil {
		return nil
	}
	if f := s.Schema.Field(name); f != nil {
		return f.Schema
	}
	return nil
}

// Record is one decoded key or value. A Kafka null (tombstone) decodes to a
// Record with a nil Schema and nil Value. A JsonConverter envelope whose
// payload is null decodes to Schema set and Value nil.
type Record struct {
	Schema *Schema
	Value  any
	// SchemaID is the registry schema ID the bytes named, 0 when none (or
	// when they named their schema by GUID).
	SchemaID int
}

// Null reports whether the record carries no value.
func (r Record) Null() bool { return r.Value == nil }

// maxSchemaDepth bounds how deeply a registered schema may nest.
const maxSchemaDepth = 128

// setParam sets a schema parameter unless it is already set.
func setParam(cs *Schema, k, v string) {
	if cs.Parameters == nil {
		cs.Parameters = map[string]string{}
	}
	if _, ok := cs.Parameters[k]; !ok {
		cs.Parameters[k] = v
	}
}

// connectTypeProp is the property (Avro, JSON Schema) or field-meta
// parameter (Protobuf) in which Confluent's converters keep a Connect type
// that the format has no type for.
const connectTypeProp = "connect.type"

// connectInt returns the integer type connect.type names ("int8", "int16",
// "int32"), or def when it names none.
func connectInt(def Type, connectType string) Type {
	switch connectType {
	case "int8":
		return TypeInt8
	case "int16":
		return TypeInt16
	case "int32":
		return TypeInt32
	}
	return def
}
