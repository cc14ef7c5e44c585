package loader

import "slices"

// Batch is a reusable list of encoded rows, each with its table and load
// Headers, that one goroutine fills (Add copies the row) and the Loader
// takes in runs (AppendBatch) under one lock instead of one per row. The
// zero Batch is ready to use; Reset keeps its memory for the next use. A
// Batch is not safe for concurrent use.
type Batch struct {
	buf  []byte
	rows []batchRow
	// The tables and Headers of the rows, each once: rows refer to them
	// by index, so that rows holds no pointer for the garbage collector
	// to scan or the write barrier to track.
	tables []string
	hdrs   []Headers
}

type batchRow struct {
	table, hdr int32
	end        int // the row's end in buf; it starts at the previous row's end
}

// Add appends a copy of row, for table with the headers h.
func (b *Batch) Add(table string, h Headers, row []byte) {
	ti, hi := int32(len(b.tables)-1), int32(len(b.hdrs)-1)
	if ti < 0 || b.tables[ti] != table {
		ti = int32(index(b.tables, table))
		if ti < 0 {
			ti = int32(len(b.tables))
			b.tables = append(b.tables, table)
		}
	}
	if hi < 0 || b.hdrs[hi] != h {
		hi = int32(index(b.hdrs, h))
		if hi < 0 {
			hi = int32(len(b.hdrs))
			b.hdrs = append(b.hdrs, h)
		}
	}
	b.buf = append(b.buf, row...)
	b.rows = append(b.rows, batchRow{table: ti, hdr: hi, end: len(b.buf)})
}

func index[T comparable](s []T, v T) int {
	for i := range s {
		if s[i] == v {
			return i
		}
	}
	return -1
}

// Grow makes room for at least rows more rows of bytes more bytes, so
// that filling it does not reallocate (and copy) as it goes.
func (b *Batch) Grow(rows, bytes int) {
	b.buf = slices.Grow(b.buf, bytes)
	b.rows = slices.Grow(b.rows, rows)
}

// Cap returns the bytes the Batch holds for rows without growing.
func (b *Batch) Cap() int { return cap(b.buf) }

// Len returns the number of rows added since the last Reset.
func (b *Batch) Len() int { return len(b.rows) }

// Size returns the bytes of the rows [from, to).
func (b *Batch) Size(from, to int) int {
	if from >= to {
		return 0
	}
	return b.rows[to-1].end - b.start(from)
}

// Row returns the i-th row, its table and headers; the row is valid until
// the next Add or Reset.
func (b *Batch) Row(i int) (table string, h Headers, row []byte) {
	r := b.rows[i]
	return b.tables[r.table], b.hdrs[r.hdr], b.buf[b.start(i):r.end]
}

func (b *Batch) start(i int) int {
	if i == 0 {
		return 0
	}
	return b.rows[i-1].end
}

// Reset empties the Batch, keeping its memory.
func (b *Batch) Reset() {
	b.buf = b.buf[:0]
	b.rows = b.rows[:0]
	clear(b.tables) // drop the names' references
	b.tables = b.tables[:0]
	clear(b.hdrs)
	b.hdrs = b.hdrs[:0]
}

// AppendBatch buffers the rows [from, to) of b in order, as that many
// AppendWith calls would (each row gets the next sequence number), under
// one lock. Like Append it blocks first while the Loader holds MaxBytes or
// more; once started, the run is buffered whole, so a run may exceed
// MaxBytes by its own size: callers bound their runs (see Full).
func (l *Loader) AppendBatch(b *Batch, from, to int) {
	if from >= to {
		return
	}
	l.mu.Lock()
	if !l.awaitRoom() {
		l.mu.Unlock()
		return
	}
	kick := false
	for i := from; i < to; i++ {
		table, h, row := b.Row(i)
		if l.appendLocked(table, h, row) {
			kick = true
		}
	}
	l.mu.Unlock()
	if kick {
		l.kick()
	}
}

// Truncate drops the rows from the n-th on (n ≤ Len).
func (b *Batch) Truncate(n int) {
	if n >= len(b.rows) {
		return
	}
	b.buf = b.buf[:b.start(n)]
	b.rows = b.rows[:n]
}
