package mapping

import (
	"testing"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
)

// TestRowEncoders: through RowEncoder, each format renders what its own
// methods render (JSON: AppendJSONFor and Columns; CSV: AppendRow, which
// ignores column types), appended to what dst holds.
func TestRowEncoders(t *testing.T) {
	row := &decode.Struct{Names: []string{"id", "d", "doc"}, Values: []any{int64(1), int64(19724), "x"}}
	ch := cdc.Change{Op: cdc.OpUpsert, Row: row, Unavailable: []string{"doc"}}
	types := TargetTypes{"d": "DATE"}
	for _, tc := range []struct {
		enc          RowEncoder
		typed        bool
		row, columns string
	}{
		{&Encoder{}, true, `{"id":1,"d":"2024-01-02","__op":0}`, "id,d,__op"},
		{&CSV{Encoder: &Encoder{}}, false, "1\t19724\t0", "id,d,__op"},
	} {
		out, cols, err := tc.enc.EncodeRow([]byte("prev;"), ch, types)
		if err != nil || string(out) != "prev;"+tc.row || cols != tc.columns || tc.enc.Typed() != tc.typed {
			t.Errorf("%T: %q, columns %q, typed %v, %v; want %q, %q, %v", tc.enc, out, cols, tc.enc.Typed(), err, "prev;"+tc.row, tc.columns, tc.typed)
		}
	}
}
