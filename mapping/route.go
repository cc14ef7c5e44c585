package mapping

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sync"
	"sync/atomic"

	"github.com/starcdc/starcdc/config"
)

// ErrInvalidTable means a topic maps to a name StarRocks would refuse.
var ErrInvalidTable = errors.New("invalid table name")

// Rename is a regular-expression rename of topics, as Kafka Connect's
// RegexRouter does it: a topic that the whole of Regex matches becomes
// Replacement, with $1, ${name} ... expanded; other topics are kept.
type Rename struct {
	Regex       *regexp.Regexp
	Replacement string
}

// apply renames topic. whole is Regex anchored at both ends: Java's
// Matcher.matches tries every way for the whole topic to match, where
// Go's leftmost-first search stops at the first match (with `a|ab`, "a"
// of "ab").
func (r Rename) apply(whole *regexp.Regexp, topic string) string {
	m := whole.FindStringSubmatchIndex(topic)
	if m == nil {
		return topic
	}
	return javaExpand(whole, r.Replacement, topic, m)
}

// javaExpand expands a replacement with java.util.regex.Matcher's rules, so
// that RegexRouter configurations mean the same here: $n takes as many
// digits as name an existing group ("$1_$2" is group 1, "_", group 2),
// ${name} is a named group, and a backslash escapes the next character.
func javaExpand(re *regexp.Regexp, repl, src string, m []int) string {
	group := func(i int) string {
		if 2*i+1 < len(m) && m[2*i] >= 0 {
			return src[m[2*i]:m[2*i+1]]
		}
		return ""
	}
	var out []byte
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '\\' && i+1 < len(repl):
			i++
			out = append(out, repl[i])
		case c == '$' && i+1 < len(repl) && repl[i+1] == '{':
			end := i + 2
			for end < len(repl) && repl[end] != '}' {
				end++
			}
			if idx := re.SubexpIndex(repl[i+2 : min(end, len(repl))]); idx >= 0 {
				out = append(out, group(idx)...)
			}
			i = end
		case c == '$' && i+1 < len(repl) && repl[i+1] >= '0' && repl[i+1] <= '9':
			n := int(repl[i+1] - '0')
			i++
			for i+1 < len(repl) && repl[i+1] >= '0' && repl[i+1] <= '9' {
				next := n*10 + int(repl[i+1]-'0')
				if next > re.NumSubexp() {
					break
				}
				n = next
				i++
			}
			out = append(out, group(n)...)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// Router resolves the StarRocks table of a topic the way the Java connector
// does after its transforms: the topic is first renamed (RegexRouter
// transforms, starrocks.topic2table.regex), then looked up in
// starrocks.topic2table.map, else the renamed topic itself is the table.
type Router struct {
	renames  []Rename
	whole    []*regexp.Regexp // renames[i].Regex anchored at both ends
	explicit map[string]string

	// routes remembers the answer for each topic seen (a topic's table
	// never changes), up to maxRoutes topics, so that a record costs a
	// map lookup instead of the renames and the name check. The map is
	// copied on write: reading it takes no lock.
	routes atomic.Pointer[map[string]route]
	mu     sync.Mutex // serialises writers of routes
}

type route struct {
	table string
	err   error
}

// maxRoutes bounds the topics a Router remembers (topics.regex may match
// without end); topics past it are resolved each time.
const maxRoutes = 4096

// NewRouter returns a Router for a topic → table map (may be nil) and
// renames applied in order before it. Every mapped name is checked.
func NewRouter(topic2table map[string]string, renames ...Rename) (*Router, error) {
	r := &Router{explicit: map[string]string{}, renames: renames}
	for _, rn := range renames {
		// The group keeps the subexpression numbers and names.
		r.whole = append(r.whole, regexp.MustCompile(`^(?:`+rn.Regex.String()+`)$`))
	}
	for t, tbl := range topic2table {
		if err := ValidTable(tbl); err != nil {
			return nil, fmt.Errorf("starrocks.topic2table.map entry %s:%s: %w", t, tbl, err)
		}
		r.explicit[t] = tbl
	}
	return r, nil
}

// Table returns the table for topic, or an error that says how to fix the
// configuration when the result is not a valid table name.
func (r *Router) Table(topic string) (string, error) {
	if m := r.routes.Load(); m != nil {
		if rt, ok := (*m)[topic]; ok {
			return rt.table, rt.err
		}
	}
	table, err := r.resolve(topic)
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.routes.Load()
	if old == nil || len(*old) < maxRoutes {
		m := make(map[string]route, 1+len(derefRoutes(old)))
		maps.Copy(m, derefRoutes(old))
		m[topic] = route{table, err}
		r.routes.Store(&m)
	}
	return table, err
}

func derefRoutes(m *map[string]route) map[string]route {
	if m == nil {
		return nil
	}
	return *m
}

// resolve is Table without the memory.
func (r *Router) resolve(topic string) (string, error) {
	renamed := topic
	for i, rn := range r.renames {
		renamed = rn.apply(r.whole[i], renamed)
	}
	if t, ok := r.explicit[renamed]; ok {
		return t, nil
	}
	if err := ValidTable(renamed); err != nil {
		if renamed != topic {
			return "", fmt.Errorf("topic %q is renamed to %q, which is not a valid table name: %w; fix the replacement or add %s:<table> to starrocks.topic2table.map", topic, renamed, err, renamed)
		}
		return "", fmt.Errorf("topic %q has no entry in starrocks.topic2table.map and is not itself a valid table name: %w; add %s:<table> to starrocks.topic2table.map, or set starrocks.topic2table.regex, e.g. dbserver1\\.(\\w+)\\.(\\w+) with starrocks.topic2table.replacement=$2", topic, err, topic)
	}
	return renamed, nil
}

// MaxTableName is StarRocks' longest table name, in bytes
// (docs/streamload.md §4).
const MaxTableName = 1024

// ValidTable checks a StarRocks table name with starcdc's one table-name
// rule, the Java connector's (config.ValidTableName), which also keeps
// names safe to quote.
func ValidTable(name string) error {
	if !config.ValidTableName(name) {
		return fmt.Errorf("%w %q: %s", ErrInvalidTable, name, config.TableNameRule)
	}
	return nil
}
