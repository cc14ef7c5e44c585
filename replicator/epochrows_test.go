package replicator

import (
	"fmt"
	"testing"

	"github.com/starcdc/starcdc/loader"
)

// epochRows holds adopted Batches and copied rows as one sequence, in
// order, and gives its segments back when reset.
func TestEpochRows(t *testing.T) {
	batch := func(prefix string, n int) loader.Batch {
		var b loader.Batch
		for i := range n {
			b.Add("t"+prefix, loader.Headers{}, []byte(fmt.Sprintf("%s%d", prefix, i)))
		}
		return b
	}
	var want []string
	var e epochRows
	spares := 0
	spare := func() loader.Batch { spares++; return loader.Batch{} }
	e.adopt(batch("a", 3))
	want = append(want, "a0", "a1", "a2")
	e.add("tx", loader.Headers{}, []byte("x0"), spare) // copied into the adopted Batch
	want = append(want, "x0")
	e.adopt(batch("b", 2))
	want = append(want, "b0", "b1")
	e.add("tx", loader.Headers{}, []byte("x1"), spare)
	want = append(want, "x1")
	if e.Len() != len(want) || spares != 0 {
		t.Fatalf("Len %d, spares %d; want %d, 0", e.Len(), spares, len(want))
	}
	size := 0
	for x, w := range want {
		table, _, row := e.Row(x)
		if string(row) != w || table != "t"+w[:1] {
			t.Fatalf("row %d: %s %q, want t%s %q", x, table, row, w[:1], w)
		}
		size += len(w)
	}
	if e.bytes != size {
		t.Fatalf("bytes %d, want %d", e.bytes, size)
	}
	var put []loader.Batch
	e.reset(func(b loader.Batch) { put = append(put, b) })
	if e.Len() != 0 || e.bytes != 0 || len(put) != 2 || put[0].Len() != 0 || put[0].Cap() == 0 {
		t.Fatalf("after reset: Len %d, bytes %d, %d Batches given back", e.Len(), e.bytes, len(put))
	}
	e.add("ty", loader.Headers{}, []byte("y"), spare) // no segment: one from spare
	if spares != 1 || e.Len() != 1 {
		t.Fatalf("spares %d, Len %d", spares, e.Len())
	}
}
