package replicator

import (
	"context"
	"runtime"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/pipeline"
	"github.com/starcdc/starcdc/transform"
)

// A poll is processed in two steps. prepare runs the pipeline (decode,
// unwrap, encode) over the records of each partition on its own goroutine,
// up to one per core, each partition's records in order, into that
// partition's reusable Batch of rows; nothing is handed to the sink yet.
// apply (processBacklog) then goes through each partition's results in
// order, on the Run loop: it hands runs of plain records' rows to the sink
// with one AppendBatch each, and deals with the rest (errors, truncates)
// record by record, exactly as one goroutine would have. A partition's
// rows thus reach the sink in offset order, and so a table's rows from one
// partition; rows of different partitions were never ordered.

// partWork is one partition's records of a poll, prepared and then applied.
type partWork struct {
	topic     string
	partition int32
	recs      []*kgo.Record
	res       []prepared   // one per record, in order
	rows      loader.Batch // the rows of every record, in order
	next      int          // the first record not applied yet
	scratch   []byte       // the pipeline's encoding buffer
}

// prepared is what the pipeline made of one record.
type prepared struct {
	rowsEnd int // the record's rows are rows [previous record's rowsEnd, rowsEnd)
	out     pipeline.Outcome
	err     error
}

// rowStart returns the index of record i's first row.
func (w *partWork) rowStart(i int) int {
	if i == 0 {
		return 0
	}
	return w.res[i-1].rowsEnd
}

// plain reports whether applying record i needs nothing but its rows
// handed to the sink (and counting).
func (w *partWork) plain(i int) bool {
	return w.res[i].err == nil && w.res[i].out.Event.Kind != cdc.KindTruncate
}

const (
	// inlineRecords is the poll size below which prepare runs on the
	// calling goroutine: handing a few records to other cores costs more
	// than it saves.
	inlineRecords = 256
	// maxRunBytes bounds the rows handed to the sink in one AppendBatch,
	// so that the sink's memory budget is checked (Full) at least this
	// often.
	maxRunBytes = 1 << 20
)

// prepare groups the records of fetches by partition and runs the pipeline
// over them, partitions in parallel. It returns the partitions in the
// order the fetches hold them. r.mu must be held.
func (r *Replicator) prepare(ctx context.Context, fetches kgo.Fetches) []*partWork {
	var works []*partWork
	total := 0
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		w := r.spareWork()
		w.topic, w.partition, w.recs = p.Topic, p.Partition, p.Records
		works = append(works, w)
		total += len(p.Records)
	})
	// Each partition's Batch is sized once from the rows per record of
	// the last poll, rather than grown by doubling as rows come.
	est := r.rowBytes
	defer func() {
		rows, bytes := 0, 0
		for _, w := range works {
			rows += len(w.recs)
			bytes += w.rows.Size(0, w.rows.Len())
		}
		if rows > 0 {
			r.rowBytes = bytes / rows
		}
	}()
	workers := min(runtime.GOMAXPROCS(0), len(works))
	if workers <= 1 || total < inlineRecords {
		for _, w := range works {
			r.prepareWork(ctx, w, est)
		}
		return works
	}
	// Deal the partitions out, largest first, to the least loaded
	// worker: each worker then runs its partitions one after another.
	order := slices.Clone(works)
	slices.SortStableFunc(order, func(a, b *partWork) int { return len(b.recs) - len(a.recs) })
	bins := make([][]*partWork, workers)
	load := make([]int, workers)
	for _, w := range order {
		i := slices.Index(load, slices.Min(load))
		bins[i] = append(bins[i], w)
		load[i] += len(w.recs)
	}
	var wg sync.WaitGroup
	for _, bin := range bins[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, w := range bin {
				r.prepareWork(ctx, w, est)
			}
		}()
	}
	for _, w := range bins[0] {
		r.prepareWork(ctx, w, est)
	}
	wg.Wait()
	return works
}

// prepareWork runs the pipeline over the records of one partition, with
// room for rowBytes bytes of rows per record made first. It touches only w
// and the pipeline (which is safe for concurrent use).
func (r *Replicator) prepareWork(ctx context.Context, w *partWork, rowBytes int) {
	emit := w.rows.Add
	w.res = slices.Grow(w.res[:0], len(w.recs))[:len(w.recs)]
	if rowBytes > 0 {
		n := len(w.recs)
		w.rows.Grow(n, n*rowBytes+n*rowBytes/8)
	}
	for i, rec := range w.recs {
		in := pipeline.Input{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Timestamp: rec.Timestamp.UnixMilli(), Key: rec.Key, Value: rec.Value}
		for _, h := range rec.Headers {
			in.SetSchemaIDHeader(h.Key, h.Value)
		}
		if r.cfg.Pipeline.Chain != nil && len(rec.Headers) > 0 {
			in.Headers = make([]transform.Header, len(rec.Headers))
			for j, h := range rec.Headers {
				// Header values stay their bytes: starcdc has no header
				// converter, and no row depends on header values.
				in.Headers[j] = transform.Header{Key: h.Key, Schema: optionalBytes, Value: h.Value}
			}
		}
		n := w.rows.Len()
		out, buf, err := r.cfg.Pipeline.RowsOf(ctx, in, w.scratch, emit)
		w.scratch = buf
		if err != nil {
			w.rows.Truncate(n) // a record yields all its rows or none
		}
		out.Event.Changes = nil // decoded values are not kept past the record
		w.res[i] = prepared{rowsEnd: w.rows.Len(), out: out, err: err}
	}
}

// spareWork returns a partWork to fill, reusing a finished one's memory.
func (r *Replicator) spareWork() *partWork {
	if n := len(r.spare); n > 0 {
		w := r.spare[n-1]
		r.spare = r.spare[:n-1]
		return w
	}
	return &partWork{}
}

// recycle keeps a finished partWork's memory for the next poll.
func (r *Replicator) recycle(w *partWork) {
	w.recs = nil
	clear(w.res)
	w.res = w.res[:0]
	w.rows.Reset()
	w.next = 0
	if len(r.spare) < maxSpareWorks {
		r.spare = append(r.spare, w)
	}
}

// maxSpareWorks bounds the partWorks kept for reuse.
const maxSpareWorks = 256
