package loader

import (
	"fmt"
	"slices"
	"testing"

	"github.com/starcdc/starcdc/internal/testutil"
)

// TestAppendBatch: runs of a Batch load exactly as the same AppendWith
// calls do: the same rows in the same order and segments, the same labels,
// the same sequence numbers.
func TestAppendBatch(t *testing.T) {
	p := Headers{Columns: "id,__op", PartialUpdate: true}
	type in struct {
		table string
		h     Headers
		row   string
	}
	var rows []in
	for i := range 40 {
		h := Headers{}
		if i%7 == 3 {
			h = p
		}
		rows = append(rows, in{[]string{"t", "u", "t"}[i%3], h, fmt.Sprintf(`{"id":%d}`, i)})
	}
	type result struct {
		t, u   []string
		labels []string
		seq    uint64
	}
	run := func(batched bool) result {
		var res result
		withSR(t, nil, func(t *testing.T, f *sr) {
			l := newLoader(t, f.opts())
			if batched {
				var b Batch
				for _, r := range rows {
					b.Add(r.table, r.h, []byte(r.row))
				}
				if b.Len() != len(rows) {
					t.Fatalf("Len %d", b.Len())
				}
				if tb, h, row := b.Row(3); tb != "t" || h != p || string(row) != `{"id":3}` {
					t.Fatalf("Row(3) = %s %+v %s", tb, h, row)
				}
				if got, want := b.Size(2, 5), len(`{"id":2}{"id":3}{"id":4}`); got != want {
					t.Fatalf("Size(2,5) = %d, want %d", got, want)
				}
				l.AppendBatch(&b, 0, 10)
				l.AppendBatch(&b, 10, 10)
				l.AppendBatch(&b, 10, len(rows))
				b.Reset()
				if b.Len() != 0 {
					t.Fatalf("Len after Reset %d", b.Len())
				}
			} else {
				for _, r := range rows {
					l.AppendWith(r.table, r.h, []byte(r.row))
				}
			}
			res.seq = l.Seq()
			if err := l.Flush(testutil.Ctx(t), "b"); err != nil {
				t.Fatal(err)
			}
			res.t, res.u = f.tableRows("t"), f.tableRows("u")
			for _, r := range f.Requests() {
				if len(r.Body) > 0 {
					res.labels = append(res.labels, testutil.NormLabel(r.Header.Get("label")))
				}
			}
			slices.Sort(res.labels)
		})
		return res
	}
	want, got := run(false), run(true)
	if got.seq != uint64(len(rows)) || want.seq != got.seq {
		t.Fatalf("Seq %d after the batch, %d after AppendWith, want %d", got.seq, want.seq, len(rows))
	}
	if !slices.Equal(got.t, want.t) || !slices.Equal(got.u, want.u) || len(got.t)+len(got.u) != len(rows) {
		t.Fatalf("batched rows t=%q u=%q, want t=%q u=%q", got.t, got.u, want.t, want.u)
	}
	if !slices.Equal(got.labels, want.labels) || len(got.labels) < 3 {
		t.Fatalf("batched labels %q, want %q", got.labels, want.labels)
	}
}

// Grow makes room once: the rows added within it reuse that memory.
func TestBatchGrow(t *testing.T) {
	var b Batch
	b.Grow(100, 100*8)
	c := b.Cap()
	if c < 800 {
		t.Fatalf("Cap %d after Grow(100, 800)", c)
	}
	buf := &b.buf[:1][0]
	for i := range 100 {
		b.Add("t", Headers{}, []byte("12345678"))
		if b.Cap() != c || &b.buf[0] != buf {
			t.Fatalf("row %d reallocated the Batch", i)
		}
	}
	if b.Len() != 100 || b.Size(0, 100) != 800 {
		t.Fatalf("Len %d Size %d", b.Len(), b.Size(0, 100))
	}
}
