package mapping

import "github.com/starcdc/starcdc/cdc"

// RowEncoder renders change rows as Stream Load rows of one format: the
// Encoder renders JSON objects, CSV renders CSV lines. The pipeline holds
// one and does not branch on the format.
type RowEncoder interface {
	// EncodeRow appends ch to dst as one row (without a row delimiter) and
	// returns the extended dst and the Stream Load "columns" header the row
	// needs ("" when StarRocks' default is right). types are the column
	// types of the row's table, or nil; an encoder that is not Typed
	// ignores them.
	EncodeRow(dst []byte, ch cdc.Change, types TargetTypes) (out []byte, columns string, err error)
	// Typed reports whether EncodeRow uses the table's column types, so
	// that a caller reads them only for an encoder that does.
	Typed() bool
}

var (
	_ RowEncoder = (*Encoder)(nil)
	_ RowEncoder = (*CSV)(nil)
)

// EncodeRow implements RowEncoder: AppendJSONFor, and the Columns header
// of the row.
func (e *Encoder) EncodeRow(dst []byte, ch cdc.Change, types TargetTypes) ([]byte, string, error) {
	dst, err := e.AppendJSONFor(dst, ch, types)
	return dst, e.Columns(ch), err
}

// Typed implements RowEncoder: JSON values without a logical type are
// rendered for their column (see TargetTypes).
func (e *Encoder) Typed() bool { return true }

// EncodeRow implements RowEncoder: AppendRow. CSV fields are rendered from
// their schemas alone; types are not used.
func (c *CSV) EncodeRow(dst []byte, ch cdc.Change, _ TargetTypes) ([]byte, string, error) {
	return c.AppendRow(dst, ch)
}

// Typed implements RowEncoder: CSV does not use column types.
func (c *CSV) Typed() bool { return false }
