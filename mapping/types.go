package mapping

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
)

// ErrNoType means a schema has no StarRocks column type.
var ErrNoType = errors.New("no StarRocks type for the schema")

// maxVarchar is StarRocks' largest VARCHAR, in bytes (docs/streamload.md §5.1).
const maxVarchar = 1048576

// TypeOptions choose between the mappings that have alternatives.
type TypeOptions struct {
	// Decimal256 maps decimals of precision 39..76 to DECIMAL256(p,s)
	// (StarRocks ≥ 4.0) instead of VARCHAR.
	Decimal256 bool
	// Varbinary maps bytes to VARBINARY (StarRocks ≥ 3.0), loaded exactly
	// through a to_binary(…, 'hex') column expression, instead of a
	// VARCHAR holding base64 text.
	Varbinary bool
}

// Debezium's propagated source-type parameters (docs/debezium.md §3.3).
const (
	paramSourceType   = "__debezium.source.column.type"
	paramSourceLength = "__debezium.source.column.length"
)

// ColumnType returns the StarRocks column type that holds every value of s
// exactly, as the Encoder renders it. It is the one type table of starcdc:
// the Encoder's value text and ddl's CREATE/ALTER statements both follow it.
func ColumnType(s *decode.Schema, o TypeOptions) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%w: the value has no schema (schemaless JSON); declare the table yourself", ErrNoType)
	}
	switch s.Name {
	case decode.ConnectDecimal:
		return decimalType(s, o)
	case cdc.VariableScaleDecimal:
		return varchar(maxVarchar), nil // any precision and scale: exact text
	case decode.ConnectDate, cdc.Date:
		return "DATE", nil
	case decode.ConnectTimestamp, cdc.Timestamp, cdc.MicroTimestamp, cdc.NanoTimestamp, cdc.ZonedTimestamp:
		return "DATETIME", nil
	case decode.ConnectTime, cdc.Time, cdc.MicroTime, cdc.NanoTime, cdc.ZonedTime:
		return varchar(32), nil // StarRocks has no TIME; "HH:MM:SS.ffffff", hours may exceed 24 or be negative
	case cdc.Year:
		return "INT", nil
	case cdc.MicroDuration:
		return "BIGINT", nil
	case cdc.Interval:
		return varchar(64), nil
	case cdc.JSON:
		return "JSON", nil
	case cdc.UUID:
		return varchar(36), nil
	case cdc.Enum, cdc.EnumSet:
		return enumType(s), nil
	case cdc.Point, cdc.Geometry, cdc.Geography:
		return varchar(maxVarchar), nil // WKT or hex WKB text
	case cdc.Bits:
		return varchar(maxVarchar), nil // base64 of the little-endian bits
	}
	switch s.Type {
	case decode.TypeInt8:
		return "TINYINT", nil
	case decode.TypeInt16:
		return "SMALLINT", nil
	case decode.TypeInt32:
		return "INT", nil
	case decode.TypeInt64:
		if isUnsignedBigint(s) {
			return "LARGEINT", nil
		}
		return "BIGINT", nil
	case decode.TypeFloat32:
		return "FLOAT", nil
	case decode.TypeFloat64:
		return "DOUBLE", nil
	case decode.TypeBoolean:
		return "BOOLEAN", nil
	case decode.TypeString:
		if n, err := strconv.Atoi(s.Parameters[paramSourceLength]); err == nil && n > 0 {
			return varchar(min(n*4, maxVarchar)), nil // n characters of up to 4 UTF-8 bytes
		}
		return varchar(maxVarchar), nil
	case decode.TypeBytes:
		if o.Varbinary {
			return "VARBINARY(" + strconv.Itoa(maxVarchar) + ")", nil
		}
		return varchar(maxVarchar), nil // base64 text
	case decode.TypeArray:
		el, err := ColumnType(s.Items, o)
		if err != nil {
			return "", err
		}
		return "ARRAY<" + el + ">", nil
	case decode.TypeStruct, decode.TypeMap:
		return "JSON", nil
	}
	return "", fmt.Errorf("%w: type %s", ErrNoType, s.Type)
}

func varchar(n int) string { return "VARCHAR(" + strconv.Itoa(n) + ")" }

// decimalType: DECIMAL(p,s) with p from connect.decimal.precision (Avro's
// "precision"); beyond 38 digits DECIMAL256 or exact text.
func decimalType(s *decode.Schema, o TypeOptions) (string, error) {
	if _, err := strconv.Atoi(s.Parameters[decode.DecimalScaleParam]); err != nil && s.Parameters[decode.DecimalScaleParam] != "" {
		return "", fmt.Errorf("%w: Decimal scale %q", ErrNoType, s.Parameters[decode.DecimalScaleParam])
	}
	p, sc, ok := decimalPrecision(s, o)
	switch {
	case ok && p <= 38:
		return fmt.Sprintf("DECIMAL(%d,%d)", p, sc), nil
	case ok:
		return fmt.Sprintf("DECIMAL256(%d,%d)", p, sc), nil
	case isUnsignedBigint(s): // bigint.unsigned.handling.mode=precise
		return "LARGEINT", nil
	}
	if prec, err := strconv.Atoi(s.Parameters[decode.DecimalPrecisionParam]); err == nil && prec > 0 {
		return varchar(prec + 2), nil
	}
	return varchar(maxVarchar), nil
}

// decimalPrecision returns the DECIMAL(p,s) of the type table, ok false
// when the decimal maps to something else (LARGEINT, VARCHAR).
func decimalPrecision(s *decode.Schema, o TypeOptions) (p, sc int, ok bool) {
	if s.Parameters[decode.DecimalScaleParam] == "" && !isUnsignedBigint(s) {
		// No scale in the schema (a Protobuf confluent.type.Decimal
		// without field_meta): each value carries its own, so no DECIMAL
		// holds them all exactly; VARCHAR does.
		return 0, 0, false
	}
	sc, _ = strconv.Atoi(s.Parameters[decode.DecimalScaleParam])
	p, err := strconv.Atoi(s.Parameters[decode.DecimalPrecisionParam])
	if err != nil {
		if isUnsignedBigint(s) {
			return 0, 0, false
		}
		p = 38 // unknown precision: the widest DECIMAL
	}
	limit := 38
	if o.Decimal256 {
		limit = 76
	}
	if p < 1 || p > limit || sc < 0 || sc > p {
		return 0, 0, false
	}
	return p, sc, true
}

func enumType(s *decode.Schema) string {
	allowed := strings.Split(s.Parameters["allowed"], ",")
	n := 0
	for _, a := range allowed {
		if s.Name == cdc.EnumSet {
			n += len(a) + 1
		} else {
			n = max(n, len(a))
		}
	}
	if n == 0 {
		return varchar(maxVarchar)
	}
	return varchar(min(max(n, 1), maxVarchar))
}

func isUnsignedBigint(s *decode.Schema) bool {
	return strings.HasPrefix(strings.ToUpper(s.Parameters[paramSourceType]), "BIGINT UNSIGNED")
}

// PrimaryKeyType returns the type a key column gets in a primary key:
// StarRocks refuses FLOAT, DOUBLE, DECIMAL, JSON and complex types there
// (docs/streamload.md §4), so those become VARCHAR holding the same text the
// Encoder sends (a JSON number token is stored verbatim in VARCHAR). The
// second result says why the type changed ("" when it did not).
func PrimaryKeyType(colType string) (string, string) {
	u := strings.ToUpper(colType)
	switch {
	case u == "FLOAT" || u == "DOUBLE":
		return varchar(64), "StarRocks does not allow " + u + " in a primary key; the key is stored as its text"
	case strings.HasPrefix(u, "DECIMAL"):
		return varchar(80), "StarRocks does not allow DECIMAL in a primary key; the key is stored as its exact text"
	case u == "JSON" || strings.HasPrefix(u, "ARRAY") || strings.HasPrefix(u, "VARBINARY"):
		return varchar(maxVarchar), "StarRocks does not allow " + u + " in a primary key; the key is stored as text"
	case strings.HasPrefix(u, "VARCHAR("):
		return colType, ""
	}
	return colType, ""
}
