package decode

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/starcdc/starcdc/config"
)

// Sentinel errors. Every decoding error wraps one of them.
var (
	// ErrMalformed means the bytes are not what the configured converter
	// expects (bad JSON, a payload that does not match its schema, ...).
	// Such a record is poison: it goes to the dead-letter path or stops the
	// pipeline, per errors.tolerance.
	ErrMalformed = errors.New("malformed record")
	// ErrUnsupported means the configuration names a converter or an option
	// that starcdc does not implement.
	ErrUnsupported = errors.New("unsupported converter")
)

// Converter decodes the bytes of one Kafka record key or value. A nil data
// slice is a Kafka null (a tombstone, as franz-go's kgo.Record.Value holds
// it) and decodes to a null Record. An empty non-nil slice is a zero-length
// value, not a tombstone: it decodes as Kafka Connect's converter decodes
// an empty byte array (the Schema Registry converters reject it).
// Implementations are safe for concurrent use.
type Converter interface {
	Decode(ctx context.Context, topic string, data []byte) (Record, error)
}

// Kafka Connect converter class names.
const (
	ClassJSON       = "org.apache.kafka.connect.json.JsonConverter"
	ClassString     = "org.apache.kafka.connect.storage.StringConverter"
	ClassAvro       = "io.confluent.connect.avro.AvroConverter"
	ClassProtobuf   = "io.confluent.connect.protobuf.ProtobufConverter"
	ClassJSONSchema = "io.confluent.connect.json.JsonSchemaConverter"
)

// New returns the converter for a Kafka Connect converter class and its
// sub-keys (the "value.converter." prefix stripped). Schema Registry
// converters (Avro, Protobuf, JSON Schema) whose schema.registry.url and
// credentials are equal share one registry client and per-ID schema cache.
func (r *Registries) New(class string, props map[string]string) (Converter, error) {
	switch class {
	case ClassJSON, "":
		schemas, err := boolProp(props, "schemas.enable", true)
		if err != nil {
			return nil, err
		}
		replace, err := boolProp(props, "replace.null.with.default", false)
		if err != nil {
			return nil, err
		}
		return &JSONConverter{SchemasEnable: schemas, ReplaceNullWithDefault: replace}, nil
	case ClassString:
		return stringConverter{}, nil
	case ClassAvro:
		return r.newAvroConverter(props)
	case ClassProtobuf:
		return r.newProtobufConverter(props)
	case ClassJSONSchema:
		return r.newJSONSchemaConverter(props)
	}
	if p := newPrimitive(class); p != nil {
		return p, nil
	}
	if strings.HasPrefix(class, "io.apicurio.") {
		return nil, fmt.Errorf("%w: converter class %s: %s", ErrApicurio, class, apicurioAdvice)
	}
	return nil, fmt.Errorf("%w: unknown converter class %q; use one of %s", ErrUnsupported, class, strings.Join(Classes(), ", "))
}

// Classes lists the converter classes New implements.
func Classes() []string {
	return []string{ClassJSON, ClassAvro, ClassProtobuf, ClassJSONSchema, ClassString,
		ClassByteArray, ClassBoolean, ClassShort, ClassInteger, ClassLong, ClassFloat, ClassDouble}
}

// boolProp reads a boolean converter sub-key with config's one boolean
// rule (config.ParseBool); its error wraps config.ErrInvalid.
func boolProp(props map[string]string, key string, def bool) (bool, error) {
	v, ok := props[key]
	if !ok {
		return def, nil
	}
	b, err := config.ParseBool("converter option "+key, v)
	if err != nil {
		return false, err
	}
	return b, nil
}

// stringConverter is Kafka's StringConverter: the value is the UTF-8 text,
// with no schema. starcdc uses it for CSV passthrough.
type stringConverter struct{}

// Decode implements Converter.
func (stringConverter) Decode(_ context.Context, _ string, data []byte) (Record, error) {
	if data == nil {
		return Record{}, nil
	}
	return Record{Schema: &Schema{Type: TypeString, Optional: true}, Value: string(data)}, nil
}

// Decimal is the neutral value of org.apache.kafka.connect.data.Decimal and
// io.debezium.data.VariableScaleDecimal: Unscaled × 10^-Scale, exact.
type Decimal struct {
	Unscaled *big.Int
	Scale    int32
}

// String renders the exact decimal text, e.g. "-123.45", "0.001".
func (d Decimal) String() string {
	return string(d.Append(nil))
}

// Append appends the exact decimal text to dst.
func (d Decimal) Append(dst []byte) []byte {
	if d.Unscaled == nil {
		return append(dst, '0')
	}
	start := len(dst)
	return placePoint(d.Unscaled.Append(dst, 10), start, int(d.Scale))
}

// AppendDecimalBytes appends the exact decimal text of Kafka Connect's
// encoding b (the big-endian two's-complement unscaled integer) at scale:
// DecimalFromBytes(b, scale).Append(dst), without allocating when b holds
// at most 8 bytes.
func AppendDecimalBytes(dst, b []byte, scale int32) []byte {
	if len(b) > 8 {
		return DecimalFromBytes(b, scale).Append(dst)
	}
	var n int64
	if len(b) > 0 && b[0]&0x80 != 0 {
		n = -1
	}
	for _, c := range b {
		n = n<<8 | int64(c)
	}
	start := len(dst)
	return placePoint(strconv.AppendInt(dst, n, 10), start, int(scale))
}

// placePoint turns the integer text dst[start:] ("-" and digits) into the
// decimal text of that unscaled value at scale, in place: the point
// scale digits from the right ("0." and zeros first when the digits are
// fewer), or -scale zeros appended for a negative scale (none to zero).
func placePoint(dst []byte, start, scale int) []byte {
	if start < len(dst) && dst[start] == '-' {
		start++
	}
	n := len(dst) - start // the digits
	switch {
	case scale <= 0:
		if n == 1 && dst[start] == '0' {
			return dst
		}
		for i := 0; i < -scale; i++ {
			dst = append(dst, '0')
		}
		return dst
	case n <= scale:
		pad := 2 + scale - n // "0." and the zeros
		for i := 0; i < pad; i++ {
			dst = append(dst, 0)
		}
		copy(dst[start+pad:], dst[start:start+n])
		dst[start], dst[start+1] = '0', '.'
		for i := start + 2; i < start+pad; i++ {
			dst[i] = '0'
		}
		return dst
	}
	dst = append(dst, 0)
	at := start + n - scale
	copy(dst[at+1:], dst[at:start+n])
	dst[at] = '.'
	return dst
}

// DecimalFromBytes builds a Decimal from Kafka Connect's encoding: the
// big-endian two's-complement unscaled integer.
func DecimalFromBytes(b []byte, scale int32) Decimal {
	u := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	return Decimal{Unscaled: u, Scale: scale}
}

// maxDecimalScale bounds exponents so that hostile input cannot make
// parseDecimal allocate without limit. StarRocks' widest type has 76 digits.
const maxDecimalScale = 1000

// parseDecimal parses decimal text ("-1.50", "1e3") exactly. When scale >= 0
// the result is rescaled to it if that loses no digits.
func parseDecimal(s string) (Decimal, error) {
	// Check the exponent before big.Rat sees it: 1e999999999 must not
	// allocate a billion-digit integer.
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil {
			return Decimal{}, fmt.Errorf("%w: %q is not a decimal number", ErrMalformed, s)
		}
		exp = e
	}
	if exp > maxDecimalScale || exp < -maxDecimalScale || len(mant) > 4*maxDecimalScale {
		return Decimal{}, fmt.Errorf("%w: %q has an exponent beyond ±%d or too many digits", ErrMalformed, s, maxDecimalScale)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return Decimal{}, fmt.Errorf("%w: %q is not a decimal number", ErrMalformed, s)
	}
	// Scale = digits after the point in the plain text, adjusted for exponent.
	scale := 0
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		scale = len(mant) - i - 1
	}
	scale -= exp
	if scale < 0 {
		scale = 0
	}
	n := new(big.Int).Mul(r.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	q, m := new(big.Int).QuoRem(n, r.Denom(), new(big.Int))
	if m.Sign() != 0 {
		return Decimal{}, fmt.Errorf("%w: %q is not a finite decimal", ErrMalformed, s)
	}
	return Decimal{Unscaled: q, Scale: int32(scale)}, nil
}

// mapKeyText renders a non-string map key as text, as JSONConverter does.
func mapKeyText(k any) string {
	switch t := k.(type) {
	case string:
		return t
	case int64:
		return strconv.FormatInt(t, 10)
	case nil:
		return "null"
	case Decimal:
		return t.String()
	}
	return fmt.Sprint(k)
}

// payloadCopy hands out the strings and byte slices of one record payload
// so that decoded values never alias the caller's buffer: strings are
// sliced from one string copy of the payload and byte slices from one byte
// copy, each made on first use, so a record costs at most two copies
// however many values it holds. b is the payload, the same slice on every
// call.
type payloadCopy struct {
	str string
	cp  []byte
}

func (c *payloadCopy) string(b []byte, s, e int) string {
	if s == e {
		return ""
	}
	if c.str == "" {
		c.str = string(b)
	}
	return c.str[s:e]
}

func (c *payloadCopy) bytes(b []byte, s, e int) []byte {
	if c.cp == nil {
		c.cp = append([]byte(nil), b...)
	}
	return c.cp[s:e:e]
}
