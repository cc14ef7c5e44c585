package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://fe1:8030", "http://fe1:8030"},
		{"fe1:8030", "fe1:8030"},
		{"", ""},
		{"http://root:pw@fe1:8030", "http://[redacted]@fe1:8030"},
		{"https://user@registry:8081/path", "https://[redacted]@registry:8081/path"},
		{"root:pw@fe1:8030", "[redacted]@fe1:8030"},
		{"http://u:p@ss@host:1", "http://[redacted]@host:1"},        // '@' in the password
		{"u:p://x@host", "[redacted]@host"},                         // "://" in the password, no scheme
		{"http://u:p://x@host", "http://[redacted]@host"},           // "://" in the password
		{"ftp ://u:pw@host", "[redacted]@host"},                     // not a scheme
		{"http://u:%zz@host:99999", "http://[redacted]@host:99999"}, // does not parse
		{"mysql+ssl://u:pw@h", "mysql+ssl://[redacted]@h"},
	} {
		got := URL(tc.in)
		if got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for _, secret := range []string{"pw", "p@ss", "p://x", "%zz"} {
			if strings.Contains(tc.in, secret) && strings.Contains(got, secret) {
				t.Errorf("URL(%q) = %q shows %q", tc.in, got, secret)
			}
		}
	}
}
