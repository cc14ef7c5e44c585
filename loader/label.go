package loader

import (
	"crypto/sha256"
	"encoding/hex"
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

func isLabelByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
