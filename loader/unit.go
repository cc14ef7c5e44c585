package loader

// Units: a unit is one load of consecutive rows of a table, fixed when cut;
// its state says whether it waits, runs, failed or holds bad rows.

type unitState uint8

const (
	uQueued  unitState = iota
	uRunning           // the table's load in progress
	uFailed            // failed for good; blocks the table until Flush or TakeFailed
	uBad               // isolated bad rows; later units load, Durable stops here
)

// unit is one load: a Stream Load request or one transaction. Its rows and
// label are fixed when it is cut, so every retry re-sends the same rows
// with the same label. A load that fails because of its rows' data is
// replaced by its two halves (bisection), whose chunks are views of its
// buffers, kept alive by share.
type unit struct {
	label    string
	batch    string
	hdr      Headers
	chunks   []*chunk
	rows     int
	held     int64 // bytes accounted to this unit (0 for views of a share)
	share    *share
	iso      *isolation
	firstSeq uint64
	lastSeq  uint64
	state    unitState
	err      error
}

// active returns the unit of t that loads next (queued, running or failed
// and blocking): the first that is not isolated bad rows; nil if none.
func (t *tableBuf) active() *unit {
	for _, u := range t.units {
		if u.state != uBad {
			return u
		}
	}
	return nil
}

// index returns the position of u in t.units.
func (t *tableBuf) index(u *unit) int {
	for i, v := range t.units {
		if v == u {
			return i
		}
	}
	panic("loader: unit not in its table")
}
