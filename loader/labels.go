package loader

// Labels: Label and its derivations, and cut, which turns a table's open
// rows into labelled units.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"strconv"
)

const maxLabelLen = 128

// Label returns the label the Loader uses for the load of table started by
// Flush(ctx, batch): prefix, table and batch joined by "-", sanitised to
// StarRocks' ^[-\w]{1,128}$. When a byte had to be replaced, when table
// itself contains "-" (which would make the split ambiguous), or when the
// result is longer than 128 bytes, the label is cut and ends with a hash
// of the exact inputs, so distinct inputs give distinct labels.
//
// A Flush load's label is this plus "-f<8 hex digits>", a fingerprint of
// its rows and headers. Loads derived from that load get derived labels:
// the k-th Headers segment of the table (k ≥ 2, see AppendWith) appends
// "-s<k>" and its fingerprint, and the
// halves of a load isolating bad rows append "-a" and "-b" (see
// TakeFailed); a derived label longer than 128 bytes is cut and ends with
// a hash. Avoid batch names that end like these suffixes.
func Label(prefix, table, batch string) string {
	return makeLabel(prefix, table, batch)
}

// makeLabel joins prefix (skipped when empty), table and rest.
func makeLabel(prefix, table string, rest ...string) string {
	parts := make([]string, 0, 2+len(rest))
	tableIdx := 0
	if prefix != "" {
		parts = append(parts, prefix)
		tableIdx = 1
	}
	parts = append(parts, table)
	parts = append(parts, rest...)
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	exact := true
	for i, p := range parts {
		if i > 0 {
			b = append(b, '-')
		}
		for j := 0; j < len(p); j++ {
			c := p[j]
			if isLabelByte(c) {
				b = append(b, c)
			} else {
				b = append(b, '_')
				exact = false
			}
			if i == tableIdx && c == '-' { // the table: "-" makes the split ambiguous
				exact = false
			}
		}
	}
	if len(b) == 0 {
		b = append(b, '_')
	}
	if exact && len(b) <= maxLabelLen {
		return string(b)
	}
	h := sha256.New()
	var lenBuf [8]byte
	h.Write([]byte(prefix))
	h.Write([]byte{0})
	for _, p := range parts[tableIdx:] {
		h.Write(strconv.AppendInt(lenBuf[:0], int64(len(p)), 10))
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	sum := hex.EncodeToString(h.Sum(nil)[:10]) // 20 hex digits
	keep := maxLabelLen - len(sum) - 1
	if len(b) > keep {
		b = b[:keep]
	}
	b = append(b, '-')
	b = append(b, sum...)
	return string(b)
}

// deriveLabel returns the label of a load derived from the load labelled
// parent: parent, "-" and suffix (a segment "s2", a bisection half "a" or
// "b"). When that exceeds 128 bytes it is cut and ends with a hash of the
// whole, so derived labels stay distinct and deterministic.
func deriveLabel(parent, suffix string) string {
	s := parent + "-" + suffix
	if len(s) <= maxLabelLen {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:10])
	return s[:maxLabelLen-len(h)-1] + "-" + h
}

// ValidLabel reports whether s is a valid StarRocks label, ^[-\w]{1,128}$:
// 1 to 128 bytes of ASCII letters, digits, "_" and "-" (docs/streamload.md
// §2.5). Label's results always are; use it to check a LabelPrefix made
// elsewhere.
func ValidLabel(s string) bool {
	if len(s) == 0 || len(s) > maxLabelLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLabelByte(s[i]) {
			return false
		}
	}
	return true
}

func isLabelByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// cutMode says how cut labels its units.
type cutMode uint8

const (
	// cutBackground: a label unique to this Loader (age and memory loads).
	cutBackground cutMode = iota
	// cutFlush: the batch plus a fingerprint of the rows (Flush).
	cutFlush
	// cutExact: the batch alone, a function of what the caller says the
	// rows cover (Seal): a replay that seals the same rows under the same
	// name gets the same labels.
	cutExact
)

// cut moves the open rows of t into new queued units, one per run of
// chunks with the same Headers.
func (l *Loader) cut(t *tableBuf, batch string, mode cutMode) {
	l.openTotal -= t.openBytes
	t.lastSize = t.openBytes
	open := t.open
	t.open, t.openBytes = nil, 0
	var base string
	for seg := 1; len(open) > 0; seg++ {
		n := 1
		for n < len(open) && open[n].hdr == open[0].hdr {
			n++
		}
		u := &unit{batch: batch, hdr: open[0].hdr, chunks: open[:n:n]}
		open = open[n:]
		for _, c := range u.chunks {
			u.rows += c.rows()
			u.held += c.size()
		}
		u.firstSeq = u.chunks[0].firstSeq
		u.lastSeq = u.chunks[len(u.chunks)-1].lastSeq
		var label string
		switch {
		case mode == cutExact:
			if seg == 1 {
				label = makeLabel(l.cfg.LabelPrefix, t.name, batch)
				base = label
			} else {
				label = deriveLabel(base, "s"+strconv.Itoa(seg))
			}
			t.recent[t.recentN%len(t.recent)] = label
			t.recentN++
			u.label = label
			t.units = append(t.units, u)
			continue
		case mode == cutBackground:
			l.bgGen++
			label = makeLabel(l.cfg.LabelPrefix, t.name, "bg"+l.nonce+"_"+fmt.Sprint(l.bgGen))
		case seg == 1:
			// The batch names the source positions; the content
			// fingerprint ties the label to exactly these rows, so that a
			// replay that cut its rows differently never mistakes another
			// unit's committed label for its own.
			label = deriveLabel(makeLabel(l.cfg.LabelPrefix, t.name, batch), u.fingerprint())
			base = label
		default:
			label = deriveLabel(base, "s"+strconv.Itoa(seg)+u.fingerprint())
		}
		for n := 1; t.usedLabel(label); n++ {
			label = makeLabel(l.cfg.LabelPrefix, t.name, batch, fmt.Sprintf("r%d%s", n, l.nonce))
			if seg > 1 {
				label = deriveLabel(label, "s"+strconv.Itoa(seg))
			}
		}
		t.recent[t.recentN%len(t.recent)] = label
		t.recentN++
		u.label = label
		t.units = append(t.units, u)
	}
}

// fingerprint is a short hash of the unit's rows and headers: CRC-32C
// (hardware-accelerated) of the bytes, mixed with the row count and the
// headers.
func (u *unit) fingerprint() string {
	sum := crc32.Checksum([]byte(fmt.Sprintf("%d|%s|%t|", u.rows, u.hdr.Columns, u.hdr.PartialUpdate)), castagnoli)
	for _, c := range u.chunks {
		sum = crc32.Update(sum, castagnoli, c.buf[:c.ends[len(c.ends)-1]])
	}
	return fmt.Sprintf("f%08x", sum)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func (t *tableBuf) usedLabel(s string) bool {
	for _, r := range t.recent {
		if r == s {
			return true
		}
	}
	return false
}
