package loader

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/pierrec/lz4/v4"
)

// chunk holds rows of one table appended with the same Headers, every row
// followed by the separator ("," for JSON, the row delimiter for CSV).
// ends and dseq always have the same capacity.
type chunk struct {
	buf      []byte
	ends     []uint32 // end offset of every row, separator included
	dseq     []uint32 // sequence number of every row minus firstSeq
	firstSeq uint64
	lastSeq  uint64
	hdr      Headers
	pooled   bool // buf has the pool capacity and may be reused
}

func (c *chunk) rows() int { return len(c.ends) }

// size is the memory accounted for c: its capacity.
func (c *chunk) size() int64 { return int64(cap(c.buf)) + 8*int64(cap(c.ends)) }

// rowBytes returns row i without its separator.
func (c *chunk) rowBytes(i, seplen int) []byte {
	start := 0
	if i > 0 {
		start = int(c.ends[i-1])
	}
	end := int(c.ends[i]) - seplen
	return c.buf[start:end:end]
}

// view returns a chunk sharing c's bytes for rows [i, j) (0 ≤ i < j ≤
// rows). Its row tables are new.
func (c *chunk) view(i, j int) *chunk {
	start := uint32(0)
	if i > 0 {
		start = c.ends[i-1]
	}
	end := c.ends[j-1]
	v := &chunk{buf: c.buf[start:end:end], ends: make([]uint32, j-i), dseq: make([]uint32, j-i),
		firstSeq: c.firstSeq + uint64(c.dseq[i]), lastSeq: c.firstSeq + uint64(c.dseq[j-1]), hdr: c.hdr}
	for k := range v.ends {
		v.ends[k] = c.ends[i+k] - start
		v.dseq[k] = c.dseq[i+k] - c.dseq[i]
	}
	return v
}

// sliceRows returns views of rows [from, to) of chunks.
func sliceRows(chunks []*chunk, from, to int) []*chunk {
	var out []*chunk
	base := 0
	for _, c := range chunks {
		n := c.rows()
		i, j := max(from-base, 0), min(to-base, n)
		if i < j {
			out = append(out, c.view(i, j))
		}
		base += n
		if base >= to {
			break
		}
	}
	return out
}

// body is the byte sequence of one request: a list of segments sent back
// to back. It can be read any number of times (redirects, retries).
type body struct {
	segs [][]byte
	size int64
	g    *bodyGuard
}

// bodyGuard lets the Loader revoke the readers of a body before it reuses
// the buffers: net/http may still read a request body after RoundTrip
// returns (e.g. when the server answered early).
type bodyGuard struct {
	mu      sync.Mutex
	revoked bool
	// stop, when set, is asked before every read: a non-nil answer cuts
	// the body short (the Loader was fenced or closed, or its Lease is
	// ending), so that StarRocks never receives it whole.
	stop func() error
}

func (g *bodyGuard) revoke() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.revoked = true
	g.mu.Unlock()
}

var errBodyRevoked = errors.New("loader: request body no longer available")

// frame builds the request body for chunks: JSON "[" rows "]" (the last
// separator dropped), CSV every row followed by the delimiter.
func frame(f Format, chunks []*chunk) body {
	var b body
	if f == FormatJSON {
		b.segs = make([][]byte, 0, len(chunks)+2)
		b.segs = append(b.segs, jsonOpen)
	} else {
		b.segs = make([][]byte, 0, len(chunks))
	}
	last := -1
	for i, c := range chunks {
		if len(c.buf) > 0 {
			last = i
		}
	}
	for i, c := range chunks {
		if len(c.buf) == 0 {
			continue
		}
		s := c.buf
		if f == FormatJSON && i == last {
			s = s[:len(s)-1] // the trailing ","
		}
		b.segs = append(b.segs, s)
	}
	if f == FormatJSON {
		b.segs = append(b.segs, jsonClose)
	}
	for _, s := range b.segs {
		b.size += int64(len(s))
	}
	return b
}

var (
	jsonOpen  = []byte("[")
	jsonClose = []byte("]")
)

func (b body) reader() io.ReadCloser {
	return &segReader{segs: b.segs, g: b.g}
}

// segReader reads segments in order.
type segReader struct {
	segs [][]byte
	off  int
	g    *bodyGuard
}

func (r *segReader) Read(p []byte) (int, error) {
	if r.g != nil {
		r.g.mu.Lock()
		defer r.g.mu.Unlock()
		if r.g.revoked {
			return 0, errBodyRevoked
		}
		if r.g.stop != nil {
			if err := r.g.stop(); err != nil {
				return 0, err
			}
		}
	}
	n := 0
	for n < len(p) && len(r.segs) > 0 {
		s := r.segs[0][r.off:]
		c := copy(p[n:], s)
		n += c
		r.off += c
		if r.off == len(r.segs[0]) {
			r.segs = r.segs[1:]
			r.off = 0
		}
	}
	if n == 0 && len(r.segs) == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (r *segReader) Close() error { return nil }

// compress returns b compressed with c as a single segment; it appends
// to dst's storage.
func compress(c Compression, b body, dst []byte) (body, error) {
	buf := bytes.NewBuffer(dst[:0])
	var w io.WriteCloser
	switch c {
	case CompressionGzip:
		gw, _ := gzip.NewWriterLevel(buf, gzip.BestSpeed)
		w = gw
	case CompressionLZ4:
		lw := lz4.NewWriter(buf)
		if err := lw.Apply(lz4.BlockSizeOption(lz4.Block4Mb), lz4.ConcurrencyOption(1)); err != nil {
			return body{}, fmt.Errorf("loader: lz4 options: %w", err)
		}
		w = lw
	default:
		return b, nil
	}
	if _, err := io.Copy(w, b.reader()); err != nil {
		return body{}, fmt.Errorf("loader: compressing body: %w", err)
	}
	if err := w.Close(); err != nil {
		return body{}, fmt.Errorf("loader: compressing body: %w", err)
	}
	out := buf.Bytes()
	return body{segs: [][]byte{out}, size: int64(len(out))}, nil
}
