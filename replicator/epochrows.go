package replicator

import "github.com/starcdc/starcdc/loader"

// epochRows is the rows of one epoch part, in order, without copying what
// need not be: a prepared partition's whole Batch is adopted as a segment
// (collect), and only runs of part of a Batch are copied, into the last
// segment. Segments come from, and go back to, the Replicator's spare
// Batches, so that steady state allocates no row memory.
type epochRows struct {
	segs  []loader.Batch
	ends  []int // ends[i]: how many rows segs[0..i] hold together
	bytes int
}

// Len returns the number of rows.
func (e *epochRows) Len() int {
	if len(e.ends) == 0 {
		return 0
	}
	return e.ends[len(e.ends)-1]
}

// seg returns the segment of row x and x's index in it.
func (e *epochRows) seg(x int) (int, int) {
	start := 0
	for s, end := range e.ends {
		if x < end {
			return s, x - start
		}
		start = end
	}
	panic("epochRows: row out of range")
}

// Row returns row x, its table and headers.
func (e *epochRows) Row(x int) (table string, h loader.Headers, row []byte) {
	s, i := e.seg(x)
	return e.segs[s].Row(i)
}

// adopt appends every row of b, taking b itself: its holder must not use
// it any more.
func (e *epochRows) adopt(b loader.Batch) {
	e.bytes += b.Size(0, b.Len())
	e.segs = append(e.segs, b)
	e.ends = append(e.ends, e.Len()+b.Len())
}

// add appends a copy of a row to the last segment, starting one (from
// spare) when there is none.
func (e *epochRows) add(table string, h loader.Headers, row []byte, spare func() loader.Batch) {
	if len(e.segs) == 0 {
		e.segs = append(e.segs, spare())
		e.ends = append(e.ends, 0)
	}
	e.segs[len(e.segs)-1].Add(table, h, row)
	e.ends[len(e.ends)-1]++
	e.bytes += len(row)
}

// appendTo hands every row to the sink, in order.
func (e *epochRows) appendTo(sink Sink) {
	for s := range e.segs {
		sink.AppendBatch(&e.segs[s], 0, e.segs[s].Len())
	}
}

// appendRow hands row x to the sink.
func (e *epochRows) appendRow(sink Sink, x int) {
	s, i := e.seg(x)
	sink.AppendBatch(&e.segs[s], i, i+1)
}

// reset empties e, giving its segments to put.
func (e *epochRows) reset(put func(loader.Batch)) {
	for s := range e.segs {
		e.segs[s].Reset()
		put(e.segs[s])
		e.segs[s] = loader.Batch{}
	}
	e.segs, e.ends, e.bytes = e.segs[:0], e.ends[:0], 0
}

// spareBatch returns an empty Batch, with the memory of a released one
// when there is one. r.mu must be held.
func (r *Replicator) spareBatch() loader.Batch {
	if n := len(r.spareBatches); n > 0 {
		b := r.spareBatches[n-1]
		r.spareBatches[n-1] = loader.Batch{}
		r.spareBatches = r.spareBatches[:n-1]
		r.spareBytes -= b.Cap()
		return b
	}
	return loader.Batch{}
}

// putBatch keeps an emptied Batch for spareBatch. Spare memory is bounded
// by one epoch (the gathering epoch grows into it). r.mu must be held.
func (r *Replicator) putBatch(b loader.Batch) {
	if n := b.Cap(); n > 0 && len(r.spareBatches) < maxSpareWorks && r.spareBytes+n <= r.cfg.EpochBytes {
		r.spareBatches = append(r.spareBatches, b)
		r.spareBytes += n
	}
}
