package loader

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/internal/testutil"
)

// TestIsolationOrder: a load with one bad row is bisected in Append
// order: each half is loaded before the next, a failing half is halved
// again, and the good rows commit while Durable stops before the bad one.
func TestIsolationOrder(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) { // table "bad": a row without "v" is rejected
		lis := &recListener{}
		o := f.opts()
		o.Listener = lis
		l := newLoader(t, o)
		for i := range 8 {
			if i == 5 {
				l.Append("bad", []byte(`{"id":5}`))
			} else {
				l.Append("bad", fmt.Appendf(nil, `{"id":%d,"v":1}`, i))
			}
		}
		if err := l.Flush(testutil.Ctx(t), "b"); !errors.Is(err, ErrBadRows) {
			t.Fatalf("Flush = %v", err)
		}
		base := Label("tst", "bad", "b")
		var got []string
		for _, e := range lis.All() {
			s := strings.TrimPrefix(testutil.NormLabel(e.Label), base)
			switch {
			case e.Err == nil:
				s += fmt.Sprintf(" ok seq %d", e.Seq)
			case e.Split:
				s += " split"
			default:
				s += " bad"
			}
			got = append(got, s)
		}
		want := []string{
			" split",          // rows 0-7
			"-a ok seq 4",     // rows 0-3
			"-b split",        // rows 4-7
			"-b-a split",      // rows 4-5
			"-b-a-a ok seq 5", // row 4
			"-b-a-b bad",      // row 5 (seq 6)
			"-b-b ok seq 5",   // rows 6-7: committed, but Durable stops before row 5
		}
		if !slices.Equal(got, want) {
			t.Fatalf("loads\n%q, want\n%q", got, want)
		}
		if l.Durable() != 5 || f.loadedRows("bad") != 7 {
			t.Fatalf("Durable %d, %d rows loaded", l.Durable(), f.loadedRows("bad"))
		}
		rows, err := l.TakeFailed("bad")
		if len(rows) != 1 || string(rows[0]) != `{"id":5}` || !errors.Is(err, ErrBadRows) {
			t.Fatalf("TakeFailed %q %v", rows, err)
		}
		if l.Durable() != 8 {
			t.Fatalf("Durable %d after TakeFailed", l.Durable())
		}
	})
}
