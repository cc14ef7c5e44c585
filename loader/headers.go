package loader

import (
	"fmt"
	"net/http"
)

// Headers are load headers of individual rows (see Loader.AppendWith). The
// zero value means the Loader's Options.Headers. Headers is comparable:
// rows appended to a table with different Headers never share a load, and
// the table's loads still commit in Append order (the table's buffer is
// cut into consecutive segments where the Headers change, one load each;
// in ModeTransaction one transaction each, since every load call of a
// transaction carries the same data headers, docs/streamload.md §3.1).
//
// Every change of Headers within a table costs one more load (one more
// tablet version in StarRocks): group rows by Headers where the order
// allows it.
type Headers struct {
	// Columns, when not empty, is sent as the columns header of these rows
	// instead of Options.Headers["columns"], e.g. "id,name,__op": the
	// columns of a CSV line in order, or the JSON keys a partial update
	// writes. Include __op when the rows carry it (JSON reads "__op" by
	// itself only when columns is absent, docs/streamload.md §1.3). It must be
	// a valid header value (no control bytes); otherwise the load fails
	// for good (ErrPermanent, not ErrBadRows).
	Columns string
	// PartialUpdate sends partial_update: true: only the columns listed in
	// Columns are written and the stored values of the other columns are
	// kept (a Debezium row whose TOASTed columns hold
	// __debezium_unavailable_value). It needs a primary-key table. A row
	// whose key is not stored yet gets the defaults of the unlisted
	// columns (StarRocks fails the load when a NOT NULL column has none).
	// false leaves partial_update as Options.Headers set it.
	PartialUpdate bool
}

// IsZero reports whether h is the zero value (the Loader's defaults).
func (h Headers) IsZero() bool { return h == Headers{} }

// dataHeaders returns the data headers of a load of rows with h (without
// label).
func (l *Loader) dataHeaders(h Headers) (http.Header, error) {
	hdr := l.cfg.headers.Clone()
	if h.Columns != "" {
		for i := 0; i < len(h.Columns); i++ {
			if c := h.Columns[i]; c < 0x20 && c != '\t' || c == 0x7f {
				return nil, fmt.Errorf("loader: Headers.Columns %q contains the control byte %#x; list column names separated by commas: %w", truncate(h.Columns, 200), c, ErrInvalidOptions)
			}
		}
		hdr.Set("columns", h.Columns)
	}
	if h.PartialUpdate {
		hdr.Set("partial_update", "true")
	}
	return hdr, nil
}
