package transform

// Kafka's predicates, as org.apache.kafka.connect.transforms.predicates of
// Kafka 3.9 implement them: TopicNameMatches (pattern, a Java regex that
// must match the whole current topic; javaregex.go), RecordIsTombstone
// (the value is null, whatever its schema) and HasHeaderKey (at least one
// header has exactly the key name).

// topicNameMatches is TopicNameMatches.java.
type topicNameMatches struct {
	re *javaRegex
}

func newTopicNameMatches(props map[string]string) (Predicate, error) {
	opts := newOptions(props)
	p := &topicNameMatches{}
	pattern := opts.required("pattern")
	if _, ok := props["pattern"]; ok {
		if pattern == "" {
			opts.bad("pattern", pattern, "String must be non-empty")
		} else if re, err := compileJavaRegex(pattern); err != nil {
			opts.bad("pattern", pattern, "entry must be a Java-compatible regular expression: %v", err)
		} else {
			p.re = re
		}
	}
	return p, opts.err()
}

func (p *topicNameMatches) Test(rec *Record) bool { return p.re.matches(rec.Topic) }

// recordIsTombstone is RecordIsTombstone.java.
type recordIsTombstone struct{}

func (recordIsTombstone) Test(rec *Record) bool { return rec.Value.Value == nil }

// hasHeaderKey is HasHeaderKey.java.
type hasHeaderKey struct {
	name string
}

func newHasHeaderKey(props map[string]string) (Predicate, error) {
	opts := newOptions(props)
	p := &hasHeaderKey{name: opts.required("name")}
	if _, ok := props["name"]; ok && p.name == "" {
		opts.bad("name", p.name, "String must be non-empty")
	}
	return p, opts.err()
}

func (p *hasHeaderKey) Test(rec *Record) bool {
	for _, h := range rec.Headers {
		if h.Key == p.name {
			return true
		}
	}
	return false
}
