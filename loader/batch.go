package loader

// Batch is a reusable list of encoded rows, each with its table and load
// Headers, that one goroutine fills (Add copies the row) and the Loader
// takes in runs (AppendBatch) under one lock instead of one per row. The
// zero Batch is ready to use; Reset keeps its memory for the next use. A
// Batch is not safe for concurrent use.
type Batch struct {
	buf  []byte
	rows []batchRow
}

type batchRow struct {
	table string
	h     Headers
	end   int // the row's end in buf; it starts at the previous row's end
}

// Add appends a copy of row, for table with the headers h.
func (b *Batch) Add(table string, h Headers, row []byte) {
	b.buf = append(b.buf, row...)
	b.rows = append(b.rows, batchRow{table: table, h: h, end: len(b.buf)})
}

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
	return r.table, r.h, b.buf[b.start(i):r.end]
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
	clear(b.rows) // drop the table names' references
	b.rows = b.rows[:0]
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
	clear(b.rows[n:])
	b.rows = b.rows[:n]
}
