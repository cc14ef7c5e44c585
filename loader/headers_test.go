package loader

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/starcdc/starcdc/internal/testutil"
)

// TestAppendWithSegments: rows with different Headers go in consecutive
// loads, in order, with their headers and derived labels; the zero
// Headers keep Options.Headers.
func TestAppendWithSegments(t *testing.T) {
	for _, mode := range []Mode{ModeStreamLoad, ModeTransaction} {
		withSR(t, nil, func(t *testing.T, f *sr) {
			o := f.opts()
			o.Mode = mode
			o.Headers = map[string]string{"columns": "id,name"}
			lis := &recListener{}
			o.Listener = lis
			l := newLoader(t, o)
			p := Headers{Columns: "id,__op", PartialUpdate: true}
			c := Headers{Columns: "id"}
			l.Append("t", []byte(`{"id":1}`))
			l.Append("t", []byte(`{"id":2}`))
			l.AppendWith("t", p, []byte(`{"id":3}`))
			l.AppendWith("t", p, []byte(`{"id":4}`))
			l.AppendWith("t", c, []byte(`{"id":5}`))
			l.AppendWith("t", Headers{}, []byte(`{"id":6}`))
			l.Append("u", []byte(`{"id":7}`))
			if err := l.Flush(testutil.Ctx(t), "b"); err != nil {
				t.Fatal(err)
			}
			if got := f.tableRows("t"); !slices.Equal(got, []string{`{"id":1}`, `{"id":2}`, `{"id":3}`, `{"id":4}`, `{"id":5}`, `{"id":6}`}) {
				t.Fatalf("%v: rows %q", mode, got)
			}
			type sent struct{ label, columns, partial string }
			var got []sent
			for _, r := range f.Requests() {
				if r.Header.Get("table") == "u" || r.Path == "/api/db/u/_stream_load" {
					continue
				}
				if len(r.Body) > 0 {
					got = append(got, sent{testutil.NormLabel(r.Header.Get("label")), r.Header.Get("columns"), r.Header.Get("partial_update")})
				}
			}
			want := []sent{
				{Label("tst", "t", "b"), "id,name", ""},
				{Label("tst", "t", "b") + "-s2", "id,__op", "true"},
				{Label("tst", "t", "b") + "-s3", "id", ""},
				{Label("tst", "t", "b") + "-s4", "id,name", ""},
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%v: sent %+v, want %+v", mode, got, want)
			}
			if l.Durable() != 7 || l.BufferedBytes() != 0 {
				t.Fatalf("%v: Durable %d, buffered %d", mode, l.Durable(), l.BufferedBytes())
			}
		})
	}
}

// TestAppendWithAlternatingMemory: alternating Headers row by row keeps
// every segment's chunk small.
func TestAppendWithAlternatingMemory(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		o := f.opts()
		o.ChunkBytes = 8 << 20
		o.MaxBytes = 256 << 20
		l := newLoader(t, o)
		p := Headers{Columns: "id", PartialUpdate: true}
		for i := range 200 {
			h := Headers{}
			if i%2 == 1 {
				h = p
			}
			l.AppendWith("t", h, fmt.Appendf(nil, `{"id":%d}`, i))
		}
		if b := l.BufferedBytes(); b > 200*1024 {
			t.Fatalf("%d bytes held for 200 small rows", b)
		}
		if err := l.Flush(testutil.Ctx(t), "b"); err != nil {
			t.Fatal(err)
		}
		if n := len(f.tableRows("t")); n != 200 {
			t.Fatalf("%d rows", n)
		}
	})
}

// TestAppendWithInvalidColumns: a Columns value that cannot be a header
// fails its load for good, as a configuration error.
func TestAppendWithInvalidColumns(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		l := newLoader(t, f.opts())
		l.AppendWith("t", Headers{Columns: "id\nname"}, []byte(`{"id":1}`))
		err := l.Flush(testutil.Ctx(t), "b")
		if !errors.Is(err, ErrPermanent) || errors.Is(err, ErrBadRows) || !errors.Is(err, ErrInvalidOptions) {
			t.Fatalf("err = %v", err)
		}
		if rows, _ := l.TakeFailed("t"); len(rows) != 1 {
			t.Fatalf("TakeFailed %q", rows)
		}
	})
}
