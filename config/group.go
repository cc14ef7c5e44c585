package config

import "strings"

// The group instance id keys (static group membership, KIP-345), as Kafka
// Connect spells them: the worker's consumer.* key, which applies to every
// connector of the process, and the connector's consumer.override.* key,
// which takes precedence for its connector.
const (
	KeyGroupInstanceID         = "consumer.group.instance.id"
	KeyGroupInstanceIDOverride = "consumer.override.group.instance.id"
)

// maxInstanceIDLen is Kafka's limit on a group instance id (it validates
// one as it does a topic name).
const maxInstanceIDLen = 249

// ValidInstanceID reports why id is not a group instance id Kafka accepts,
// or "" when it is: 1 to 249 characters from [a-zA-Z0-9._-], and neither
// "." nor ".." (Kafka's JoinGroupRequest.validateGroupInstanceId).
func ValidInstanceID(id string) string {
	switch {
	case id == "":
		return "must not be empty"
	case id == "." || id == "..":
		return `must not be "." or ".."`
	case len(id) > maxInstanceIDLen:
		return "must be at most 249 characters"
	case strings.IndexFunc(id, func(r rune) bool { return !instanceIDChar(r) }) >= 0:
		return "may contain only ASCII letters, digits, '.', '_' and '-'"
	}
	return ""
}

func instanceIDChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// SanitizeInstanceID maps s to a string of the characters a group instance
// id may hold: every other byte becomes '_'. It does not bound the length.
func SanitizeInstanceID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !instanceIDChar(rune(c)) {
			b[i] = '_'
		}
	}
	return string(b)
}

// parseInstanceID reads a group instance id key: nil when unset; a blank
// value is the empty string (static membership off); any other value,
// trimmed, must be an id Kafka accepts.
func parseInstanceID(c checker, key string, v string, set bool) *string {
	if !set {
		return nil
	}
	id := strings.TrimSpace(v)
	if id == "" {
		return &id
	}
	if why := ValidInstanceID(id); why != "" {
		c.bad(key, v, "%s (Kafka's rule for a group instance id); leave it empty to turn static group membership off", why)
		return nil
	}
	return &id
}
