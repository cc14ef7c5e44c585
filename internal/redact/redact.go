// Package redact hides credentials in text meant for people: error
// messages and logs. It is the one place where starcdc decides what a
// hidden secret looks like (Marker) and how a URL's user:password is
// found, so that every package redacts the same way. It depends on the
// standard library only, so that any package may use it.
package redact

import "strings"

// Marker stands in for a hidden secret.
const Marker = "[redacted]"

// URL returns s with the user information of a URL (user:password@ or
// user@) replaced by Marker: "http://root:pw@fe:8030" becomes
// "http://[redacted]@fe:8030", "root:pw@fe:8030" becomes
// "[redacted]@fe:8030". s need not parse as a URL, so that an entry
// rejected for being malformed is redacted too: everything between the
// scheme's "://" (or the start) and the last '@' is hidden, which may hide
// more than the user information but never less. s without '@' is returned
// unchanged.
func URL(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	start := 0
	if i := strings.Index(s[:at], "://"); i >= 0 && isScheme(s[:i]) {
		start = i + len("://")
	}
	return s[:start] + Marker + s[at:]
}

// isScheme reports whether s is a URL scheme (RFC 3986: a letter, then
// letters, digits, '+', '-' or '.'), so that a "://" inside a password is
// not taken for the end of one.
func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}
