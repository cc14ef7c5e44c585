// Package mapping maps change rows onto StarRocks: topic → table routing,
// Kafka Connect / Debezium types → StarRocks column types, and values → the
// text Stream Load parses back to exactly the source value.
//
// mapping knows the shape of decoded values (package decode) and change rows
// (package cdc), and StarRocks' type system; it does no I/O.
package mapping

import (
	"errors"
	"fmt"
	"regexp"
)

// ErrInvalidTable means a topic maps to a name StarRocks would refuse.
var ErrInvalidTable = errors.New("invalid table name")

// tableName is the rule of the Java connector (connector.md §1), which also
// keeps names safe to quote.
var tableName = regexp.MustCompile(`^[_a-zA-Z][_$a-zA-Z0-9]*$`)

// Router resolves the StarRocks table of a topic: starrocks.topic2table.map
// first, else the topic name itself.
type Router struct {
	explicit map[string]string
}

// NewRouter returns a Router for a topic → table map (may be nil). Every
// mapped name is checked.
func NewRouter(topic2table map[string]string) (*Router, error) {
	r := &Router{explicit: map[string]string{}}
	for t, tbl := range topic2table {
		if err := ValidTable(tbl); err != nil {
			return nil, fmt.Errorf("starrocks.topic2table.map entry %s:%s: %w", t, tbl, err)
		}
		r.explicit[t] = tbl
	}
	return r, nil
}

// Table returns the table for topic, or an error that says how to fix the
// configuration when the topic name is not a valid table name.
func (r *Router) Table(topic string) (string, error) {
	if t, ok := r.explicit[topic]; ok {
		return t, nil
	}
	if err := ValidTable(topic); err != nil {
		return "", fmt.Errorf("topic %q has no entry in starrocks.topic2table.map and is not itself a valid table name: %w; add %s:<table> to starrocks.topic2table.map", topic, err, topic)
	}
	return topic, nil
}

// ValidTable checks a StarRocks table name.
func ValidTable(name string) error {
	if len(name) > 1024 || !tableName.MatchString(name) {
		return fmt.Errorf("%w %q: use letters, digits, '_' and '$', starting with a letter or '_'", ErrInvalidTable, name)
	}
	return nil
}
