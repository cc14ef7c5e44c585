package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/starcdc/starcdc/cdc"
)

// CSV renders change rows as Stream Load CSV lines (format csv), for users
// whose StarRocks setup expects CSV. StarRocks' CSV has no quoting unless
// enclose is set (v3.0+), so a value holding the column separator or the
// row delimiter cannot be sent: it is refused (dead-letter path) with
// advice to use JSON.
type CSV struct {
	Encoder   *Encoder
	Separator []byte // column_separator, default "\t"
	Delimiter []byte // row_delimiter, default "\n"
}

// nullField is how StarRocks' CSV spells NULL (docs/streamload.md §1.2).
const nullField = `\N`

// AppendRow appends ch as one CSV line (without the row delimiter) and
// returns the "columns" header naming its fields in order, __op last.
func (c *CSV) AppendRow(dst []byte, ch cdc.Change) ([]byte, string, error) {
	sep, delim := c.separators()
	var cols []byte
	var scratch []byte
	for i, name := range ch.Row.Names {
		if name == OpColumn || slices.Contains(ch.Unavailable, name) {
			continue
		}
		var err error
		scratch, err = c.Encoder.appendValue(scratch[:0], ch.Row.FieldSchema(name), ch.Row.Values[i], 0)
		if err != nil {
			return dst, "", fmt.Errorf("column %s: %w", name, err)
		}
		if dst, err = appendField(dst, scratch, sep, delim); err != nil {
			return dst, "", fmt.Errorf("column %s: %w", name, err)
		}
		dst = append(dst, sep...)
		cols = append(cols, name...)
		cols = append(cols, ',')
	}
	dst = append(dst, byte('0'+ch.Op))
	cols = append(cols, OpColumn...)
	return dst, string(cols), nil
}

// separators returns the column separator and row delimiter, defaulted.
func (c *CSV) separators() (sep, delim []byte) {
	sep, delim = c.Separator, c.Delimiter
	if len(sep) == 0 {
		sep = []byte{'\t'}
	}
	if len(delim) == 0 {
		delim = []byte{'\n'}
	}
	return sep, delim
}

// appendField appends the CSV field of a value rendered as JSON (the
// Encoder's appendValue): \N for null, a string's text, anything else as
// it is. It refuses a field StarRocks' CSV cannot carry.
func appendField(dst, value, sep, delim []byte) ([]byte, error) {
	field := value
	switch {
	case string(value) == "null":
		field = []byte(nullField)
	case len(value) > 0 && value[0] == '"':
		if plainJSONString(value) {
			field = value[1 : len(value)-1] // what json.Unmarshal would return
			break
		}
		var s string
		if err := json.Unmarshal(value, &s); err != nil {
			return dst, fmt.Errorf("%w: %v", ErrValue, err)
		}
		field = []byte(s)
	}
	if bytes.Contains(field, sep) || bytes.Contains(field, delim) {
		return dst, fmt.Errorf("%w: the value contains the CSV column separator or row delimiter, which StarRocks' CSV cannot escape; use sink.properties.format=json", ErrValue)
	}
	if string(field) == nullField && string(value) != "null" {
		return dst, fmt.Errorf("%w: the text \\N would load as NULL in CSV; use sink.properties.format=json", ErrValue)
	}
	return append(dst, field...), nil
}

// plainJSONString reports whether v is a JSON string whose text is its
// content as it is: quoted, with no escape, quote or control character
// inside, valid UTF-8.
func plainJSONString(v []byte) bool {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return false
	}
	in := v[1 : len(v)-1]
	for _, c := range in {
		if c == '"' || c == '\\' || c < 0x20 {
			return false
		}
	}
	return utf8.Valid(in)
}
