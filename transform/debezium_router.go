package transform

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/starcdc/starcdc/decode"
)

// io.debezium.transforms.ByLogicalTableRouter, following Debezium's current
// code (debezium-connect-plugins ByLogicalTableRouter, a deprecated
// subclass of ToLogicalTopicRouter, at HEAD 2026-08).
//
// Options: topic.regex and topic.replacement (required; Java regex and
// replacement syntax, refused where Go's RE2 would not run the pattern
// exactly), key.enforce.uniqueness (true), key.field.name
// (__dbz__physicalTableIdentifier), key.field.regex and
// key.field.replacement (required when the regex is set),
// schema.name.adjustment.mode (none, the current default; avro;
// avro_unicode), logical.table.cache.size / logical.destination.cache.size
// (accepted; they size caches and change no output).
//
// When topic.regex matches the whole topic and the replacement is not
// empty, the record moves to that topic. A non-null key (a struct with a
// schema) gets a schema named <topic>.Key and, with
// key.enforce.uniqueness, a required string field key.field.name holding
// the old topic (or key.field.regex's replacement of it); a null key stays
// null. An envelope value is re-created with the schema names
// <topic>.Envelope and <topic>.Value; tombstones and other values are
// untouched.
//
// 1.8.1, which the StarRocks connector bundles, knows neither
// schema.name.adjustment.mode (2.0+) nor the cache-size options, and always
// applies the Avro name adjustment (the current default is none): with a
// topic holding '-' the schema names differ, the data do not.
type byLogicalTableRouter struct {
	topicRe     *javaRegex
	topicRepl   javaReplacement
	keyRe       *javaRegex
	keyRepl     javaReplacement
	keyUnique   bool
	keyField    string
	adjust      func(string) (string, error)
	keyCache    schemaCache
	envCache    schemaCache
	adjustMu    sync.Mutex
	adjustments map[string]string // replacement → original, for the conflict check
}

func newByLogicalTableRouter(m map[string]string) (Transformation, error) {
	opts := newOptions(m)
	t := &byLogicalTableRouter{adjustments: map[string]string{}}
	regex := opts.rawDefault("topic.regex", "")
	repl, hasRepl := opts.raw("topic.replacement")
	if regex == "" {
		opts.fail("topic.regex", "is required")
	} else if re, err := compileJavaRegex(regex); err != nil {
		opts.bad("topic.regex", regex, "%v", err)
	} else {
		t.topicRe = re
		if !hasRepl || repl == "" {
			opts.fail("topic.replacement", "is required")
		} else if t.topicRepl, err = re.parseReplacement(repl); err != nil {
			opts.bad("topic.replacement", repl, "%v", err)
		}
	}
	t.keyUnique = opts.boolean("key.enforce.uniqueness", true)
	t.keyField = opts.rawDefault("key.field.name", "__dbz__physicalTableIdentifier")
	if kr := opts.rawDefault("key.field.regex", ""); strings.TrimSpace(kr) != "" {
		krepl := opts.rawDefault("key.field.replacement", "")
		if strings.TrimSpace(krepl) == "" {
			opts.fail("key.field.replacement", "must be non-empty if key.field.regex is set")
		} else if re, err := compileJavaRegex(kr); err != nil {
			opts.bad("key.field.regex", kr, "%v", err)
		} else {
			t.keyRe = re
			if t.keyRepl, err = re.parseReplacement(krepl); err != nil {
				opts.bad("key.field.replacement", krepl, "%v", err)
			}
		}
	} else {
		opts.raw("key.field.replacement")
	}
	switch opts.enumFold("schema.name.adjustment.mode", "none", "none", "avro", "avro_unicode") {
	case "avro":
		t.adjust = func(s string) (string, error) { return t.avroName(s, false) }
	case "avro_unicode":
		t.adjust = func(s string) (string, error) { return t.avroName(s, true) }
	default:
		t.adjust = func(s string) (string, error) { return s, nil }
	}
	for _, k := range []string{"logical.table.cache.size", "logical.destination.cache.size"} {
		if v, ok := opts.raw(k); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n <= 0 {
				opts.bad(k, v, "expected a positive integer")
			}
		}
	}
	opts.refuseUnknown()
	if err := opts.err(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *byLogicalTableRouter) Apply(rec *Record) (*Record, error) {
	old := rec.Topic
	if !t.topicRe.matches(old) {
		return rec, nil
	}
	topic := t.topicRe.replaceFirst(old, t.topicRepl)
	if topic == "" {
		return rec, nil
	}
	out := *rec
	out.Topic = topic
	if rec.Key.Value != nil {
		k, err := requireStruct(rec.Key.Schema, rec.Key.Value, "Updating schema")
		if err != nil {
			return nil, err
		}
		ks, err := t.keyCache.cached(k.Schema, func() (*decode.Schema, error) {
			b, err := t.renamedCopy(k.Schema, topic+".Key")
			if err != nil {
				return nil, err
			}
			if t.keyUnique {
				if err := b.field(t.keyField, primitiveSchema(decode.TypeString, false)); err != nil {
					return nil, err
				}
			}
			return b.build(), nil
		})
		if err != nil {
			return nil, err
		}
		nk := newStruct(ks)
		for i := range k.Schema.Fields {
			nk.Values[i] = rawField(k, i)
		}
		if t.keyUnique {
			id := old
			if t.keyRe != nil && t.keyRe.matches(old) {
				id = t.keyRe.replaceFirst(old, t.keyRepl)
			}
			if err := putNamed(nk, t.keyField, id); err != nil {
				return nil, err
			}
		}
		out.Key = decode.Record{Schema: ks, Value: nk}
	} else {
		out.Key = decode.Record{}
	}
	if rec.Value.Value == nil || !isEnvelopeSchema(rec.Value.Schema) {
		return &out, nil
	}
	env, err := requireStruct(rec.Value.Schema, rec.Value.Value, "Updating schema")
	if err != nil {
		return nil, err
	}
	es, err := t.envCache.cached(env.Schema, func() (*decode.Schema, error) {
		var vs *decode.Schema
		vf := env.Schema.Field("before")
		if vf == nil {
			vf = env.Schema.Field("after")
		}
		if vf != nil {
			vb, err := t.renamedCopy(vf.Schema, topic+".Value")
			if err != nil {
				return nil, err
			}
			vs = vb.build()
		}
		b := newStructBuilder(copyExcludingName(env.Schema))
		err := b.fieldsWith(env.Schema, func(f decode.Field) *decode.Schema {
			if f.Name == "before" || f.Name == "after" {
				return vs
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		name, err := t.adjust(topic + ".Envelope")
		if err != nil {
			return nil, err
		}
		s := b.build()
		s.Name = name
		return s, nil
	})
	if err != nil {
		return nil, err
	}
	ne := newStruct(es)
	for i, f := range env.Schema.Fields {
		v := fieldValue(env, i, true)
		if (f.Name == "before" || f.Name == "after") && v != nil {
			fs := es.Fields[i].Schema
			row, err := requireStruct(f.Schema, v, "Updating schema")
			if err != nil {
				return nil, err
			}
			nr := newStruct(fs)
			for j := range row.Schema.Fields {
				if j < len(nr.Values) {
					nr.Values[j] = rawField(row, j)
				}
			}
			v = nr
		}
		ne.Values[i] = v
	}
	out.Value = decode.Record{Schema: es, Value: ne, SchemaID: rec.Value.SchemaID}
	return &out, nil
}

// renamedCopy starts a copy of struct schema s with its fields, named
// name (schema.name.adjustment.mode applied).
func (t *byLogicalTableRouter) renamedCopy(s *decode.Schema, name string) (*structBuilder, error) {
	b := newStructBuilder(copyExcludingName(s))
	if err := b.fields(s); err != nil {
		return nil, err
	}
	adjusted, err := t.adjust(name)
	if err != nil {
		return nil, err
	}
	b.s.Name = adjusted
	return b, nil
}

// copyExcludingName is ToLogicalTopicRouter.copySchemaExcludingName
// without its fields: version, doc, parameters and optionality.
func copyExcludingName(s *decode.Schema) *decode.Schema {
	c := copySchemaBasics(s, decode.TypeStruct)
	c.Name = ""
	c.Optional = s.Optional
	return c
}

// avroName is SchemaNameAdjuster.AVRO / AVRO_UNICODE: characters Avro does
// not allow in a full name become '_' (a leading digit is kept after it) or
// _uXXXX. Two names adjusted to the same text fail, as Debezium's
// conflict handler does (per transform here, per JVM there).
func (t *byLogicalTableRouter) avroName(name string, unicode bool) (string, error) {
	if name == "" {
		return name, nil
	}
	units := utf16.Encode([]rune(name))
	var b strings.Builder
	changed := false
	for i, c := range units {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		// AVRO_UNICODE's first-character rule (no '_') is also its
		// non-first rule's base, so '_' is escaped everywhere there.
		valid := letter || (c == '_' && !unicode) || (i > 0 && (c == '.' || c >= '0' && c <= '9'))
		if valid {
			b.WriteRune(rune(c))
			continue
		}
		changed = true
		if unicode {
			hex := strconv.FormatInt(int64(c), 16)
			if len(hex) <= 2 {
				hex = "00" + hex
			}
			b.WriteString("_u" + hex)
			continue
		}
		b.WriteByte('_')
		if i == 0 && c >= '0' && c <= '9' {
			b.WriteRune(rune(c))
		}
	}
	if !changed {
		return name, nil
	}
	out := b.String()
	t.adjustMu.Lock()
	defer t.adjustMu.Unlock()
	if orig, ok := t.adjustments[out]; ok && orig != name {
		return "", fmt.Errorf("the Kafka Connect schema name '%s' is not a valid Avro schema name and its replacement '%s' conflicts with another different schema '%s'", name, out, orig)
	}
	t.adjustments[out] = name
	return out, nil
}
