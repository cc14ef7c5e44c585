package ddl

import (
	"maps"
	"slices"
	"strconv"

	"github.com/starcdc/starcdc/decode"
)

// Fingerprint hashes what Plan reads of a key and a value schema (field
// names and order, types, optionality, logical names, parameters, nested
// schemas), so a replicator can tell cheaply whether a record's schema
// differs from the last one it planned: equal fingerprints plan equal
// tables. Doc strings, versions and defaults are ignored.
//
// With a schema-registry converter, compare decode.Record.SchemaID first
// (an int); with JsonConverter, whose every message carries its schema,
// hash once per record (a walk of the schema).
func Fingerprint(key, value *decode.Schema) uint64 {
	h := uint64(14695981039346656037) // FNV-1a, inline: no allocation
	w := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
		h *= 1099511628211 // a 0 byte ends each string
	}
	var walk func(s *decode.Schema)
	walk = func(s *decode.Schema) {
		if s == nil {
			w("nil")
			return
		}
		w(s.Type.String())
		w(s.Name)
		w(strconv.FormatBool(s.Optional))
		if len(s.Parameters) > 0 {
			for _, k := range slices.Sorted(maps.Keys(s.Parameters)) {
				w(k)
				w(s.Parameters[k])
			}
		}
		w("{")
		for _, f := range s.Fields {
			w(f.Name)
			walk(f.Schema)
		}
		w("}")
		if s.Items != nil {
			w("items")
			walk(s.Items)
		}
		if s.Keys != nil || s.Values != nil {
			w("map")
			walk(s.Keys)
			walk(s.Values)
		}
	}
	walk(key)
	w("|")
	walk(value)
	return h
}
