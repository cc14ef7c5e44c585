package emutest_test

import "regexp"

// normLabel removes the content fingerprints ("-f" + 8 hex digits after the
// batch, "f" + 8 hex digits after a "-s<k>" segment suffix) that the
// Loader puts into Flush labels, so tests can compare the rest.
func normLabel(label string) string {
	label = fpAfterSeg.ReplaceAllString(label, "$1")
	return fpAfterBatch.ReplaceAllString(label, "$2")
}

var (
	fpAfterSeg   = regexp.MustCompile(`(-s[0-9]+)f[0-9a-f]{8}`)
	fpAfterBatch = regexp.MustCompile(`(-f[0-9a-f]{8})(-|$)`)
)
