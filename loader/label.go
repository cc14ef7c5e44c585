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

func isLabelByte(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
