package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

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
	sep := c.Separator
	if len(sep) == 0 {
		sep = []byte{'\t'}
	}
	delim := c.Delimiter
	if len(delim) == 0 {
		delim = []byte{'\n'}
	}
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
		field := scratch
		switch {
		case string(scratch) == "null":
			field = []byte(nullField)
		case len(scratch) > 0 && scratch[0] == '"':
			var s string
			if err := json.Unmarshal(scratch, &s); err != nil {
				return dst, "", fmt.Errorf("column %s: %w: %v", name, ErrValue, err)
			}
			field = []byte(s)
		}
		if bytes.Contains(field, sep) || bytes.Contains(field, delim) {
			return dst, "", fmt.Errorf("column %s: %w: the value contains the CSV column separator or row delimiter, which StarRocks' CSV cannot escape; use sink.properties.format=json", name, ErrValue)
		}
		if string(field) == nullField && string(scratch) != "null" {
			return dst, "", fmt.Errorf("column %s: %w: the text \\N would load as NULL in CSV; use sink.properties.format=json", name, ErrValue)
		}
		dst = append(dst, field...)
		dst = append(dst, sep...)
		cols = append(cols, name...)
		cols = append(cols, ',')
	}
	dst = append(dst, byte('0'+ch.Op))
	cols = append(cols, OpColumn...)
	return dst, string(cols), nil
}
