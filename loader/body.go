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
