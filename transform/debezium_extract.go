package transform

import (
	"fmt"
	"strings"

	"github.com/starcdc/starcdc/decode"
)

// io.debezium.transforms.ExtractNewRecordState, following Debezium's
// current code (debezium-connect-plugins ExtractNewRecordState,
// AbstractExtractNewRecordState, extractnewstate/DefaultDeleteHandlingStrategy
// and AbstractExtractRecordStrategy at HEAD 2026-08; the same as 3.1.3
// apart from the legacy options), with the legacy delete.handling.mode and
// drop.tombstones of extractnewstate/LegacyDeleteHandlingStrategy (3.1.3,
// their last release).
//
// Options and the Debezium version that knows them. The StarRocks
// connector bundles debezium-core 1.8.1, and that copy is the one a Connect
// worker runs for it: it knows only drop.tombstones, delete.handling.mode,
// route.by.field, add.fields, add.fields.prefix, add.headers and
// add.headers.prefix, and silently ignores the rest.
//
//	delete.tombstone.handling.mode  2.5+ (delete-to-tombstone 3.2+); unknown to 1.8.1
//	delete.handling.mode            until 3.1 (3.2+ ignores it)
//	drop.tombstones                 until 3.1 (3.2+ ignores it)
//	route.by.field, add.fields, add.fields.prefix, add.headers, add.headers.prefix   all versions
//	drop.fields.header.name, drop.fields.from.key,
//	drop.fields.keep.schema.compatible   2.2+; unknown to 1.8.1
//	replace.null.with.default       3.1+; unknown to 1.8.1 (and it needs Kafka 3.9+)
//
// The mode: delete.tombstone.handling.mode when set; otherwise the legacy
// pair, whose defaults (drop, true) are what 1.8.1 to 3.1 do with neither
// set (3.2+ defaults to tombstone; a StarRocks sink skips null values
// either way). Setting both is accepted only when they mean the same thing
// (drop+true = drop, none+true = tombstone, rewrite+true = rewrite,
// rewrite+false = rewrite-with-tombstone), since Debezium versions disagree
// on which one wins.
//
// Behaviour that differs from the 1.8.1 the StarRocks plugin runs (starcdc
// follows the current code): NULL columns are copied raw, not replaced by
// their schema default (except in the rewrite modes with
// replace.null.with.default=true, through InsertField); truncates are
// dropped; rewritten deletes are routed by route.by.field; the added
// fields come after __deleted; an add.fields/add.headers name missing from
// the envelope is skipped instead of failing the record.
type extractNewRecordState struct {
	mode            string // one of the delete.tombstone.handling.mode values
	routeByField    string
	fields, headers []fieldReference
	replaceNull     bool
	dropHeader      string
	dropFromKey     bool
	dropKeepCompat  bool
	addFieldsCache  schemaCache[addFieldsKey]
	deletedCache    schemaCache[deletedKey]
	replaceKeyCache schemaCache[dropKey]
	replaceValCache schemaCache[dropKey]
}

type addFieldsKey struct {
	schema *decode.Schema
	op     string
}

type deletedKey struct {
	schema  *decode.Schema
	deleted bool
}

type dropKey struct {
	schema *decode.Schema
	names  string
}

const (
	modeDrop                 = "drop"
	modeTombstone            = "tombstone"
	modeRewrite              = "rewrite"
	modeRewriteWithTombstone = "rewrite-with-tombstone"
	modeDeleteToTombstone    = "delete-to-tombstone"
	deletedField             = "__deleted"
)

func newExtractNewRecordState(m map[string]string) (Transformation, error) {
	p := newProps(m)
	t := &extractNewRecordState{}
	mode := p.enum("delete.tombstone.handling.mode", "", modeDrop, modeTombstone, modeRewrite, modeRewriteWithTombstone, modeDeleteToTombstone)
	if v, ok := p.get("delete.tombstone.handling.mode"); ok && strings.TrimSpace(v) == "" {
		mode = "" // blank: the legacy pair applies (AbstractExtractNewRecordState 3.1)
		p.errs = p.errs[:len(p.errs)-1]
	}
	_, haveLegacyMode := p.m["delete.handling.mode"]
	_, haveDropTomb := p.m["drop.tombstones"]
	legacy := p.enum("delete.handling.mode", "drop", "drop", "none", "rewrite")
	dropTombstones := p.bool("drop.tombstones", true)
	legacyMode := ""
	switch {
	case legacy == "drop" && dropTombstones:
		legacyMode = modeDrop
	case legacy == "none" && dropTombstones:
		legacyMode = modeTombstone
	case legacy == "rewrite" && dropTombstones:
		legacyMode = modeRewrite
	case legacy == "rewrite" && !dropTombstones:
		legacyMode = modeRewriteWithTombstone
	}
	switch {
	case mode == "":
		t.mode = legacyMode
		if legacyMode == "" {
			// drop or none with tombstones kept: no new-style equivalent.
			t.mode = "legacy-" + legacy
		}
	case haveLegacyMode || haveDropTomb:
		if mode != legacyMode {
			p.badKey("delete.tombstone.handling.mode", "%s conflicts with delete.handling.mode=%s, drop.tombstones=%t: Debezium 1.8.1 (bundled by the StarRocks connector) reads only the latter, 2.5-3.1 only the former; set one, or both to the same meaning", mode, legacy, dropTombstones)
		}
		t.mode = mode
	default:
		t.mode = mode
	}
	t.routeByField = p.str("route.by.field", "")
	var err error
	if t.fields, err = parseFieldReferences(p.str("add.fields.prefix", "__"), p.str("add.fields", "")); err != nil {
		p.badKey("add.fields", "%v", err)
	}
	if t.headers, err = parseFieldReferences(p.str("add.headers.prefix", "__"), p.str("add.headers", "")); err != nil {
		p.badKey("add.headers", "%v", err)
	}
	t.replaceNull = p.bool("replace.null.with.default", true)
	t.dropHeader = p.str("drop.fields.header.name", "")
	t.dropFromKey = p.bool("drop.fields.from.key", false)
	t.dropKeepCompat = p.bool("drop.fields.keep.schema.compatible", true)
	if err := p.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// fieldReference is AbstractExtractNewRecordState.FieldReference: an
// add.fields / add.headers entry "[struct.]field[:alias]".
type fieldReference struct {
	structName string // "" for the envelope itself (op, ts_ms, ts_us, ts_ns)
	field      string
	newField   string
}

func parseFieldReferences(prefix, list string) ([]fieldReference, error) {
	if list == "" {
		return nil, nil
	}
	var out []fieldReference
	for _, entry := range javaSplit(list, ",") {
		entry = strings.TrimSpace(entry)
		parts := javaSplit(entry, ":")
		if len(parts) == 0 {
			parts = []string{""}
		}
		head := ""
		if len(parts) > 0 {
			head = parts[0]
		}
		splits := javaSplit(head, ".")
		if len(splits) == 0 {
			splits = []string{""}
		}
		r := fieldReference{}
		if len(splits) == 1 {
			r.field = splits[0]
			r.structName = determineStruct(r.field)
		} else {
			r.field = splits[1]
			r.structName = splits[0]
		}
		switch len(parts) {
		case 1:
			if len(splits) == 1 {
				r.newField = prefix + r.field
			} else {
				r.newField = prefix + r.structName + "_" + r.field
			}
		case 2:
			r.newField = prefix + parts[1]
		default:
			return nil, fmt.Errorf("unexpected field name: %s", entry)
		}
		out = append(out, r)
	}
	return out, nil
}

// determineStruct: the block that hosts a bare name.
func determineStruct(name string) string {
	switch name {
	case "id", "total_order", "data_collection_order":
		return "transaction"
	case "op", "ts_ms", "ts_us", "ts_ns":
		return ""
	case "updateDescription":
		return "updateDescription"
	}
	return "source"
}

// schema is FieldReference.getSchema: an optional copy of the referenced
// field's schema; nil when neither the block nor the envelope has it.
func (r fieldReference) schema(env *decode.Schema) (*decode.Schema, error) {
	parent := env
	if r.structName != "" {
		f := env.Field(r.structName)
		if f == nil {
			return nil, fmt.Errorf("the envelope has no field %q for add.fields/add.headers entry %s.%s", r.structName, r.structName, r.field)
		}
		parent = f.Schema
	}
	if parent.Type != decode.TypeStruct {
		return nil, fmt.Errorf("cannot look up fields on non-struct type (%s.%s)", r.structName, r.field)
	}
	f := parent.Field(r.field)
	if f == nil {
		if f = env.Field(r.field); f == nil {
			return nil, nil
		}
	}
	s := copyTypeBasics(f.Schema)
	s.Optional = true
	return s, nil
}

// value is FieldReference.getValue (raw, no default substitution).
func (r fieldReference) value(env *decode.Struct) any {
	parent := env
	if r.structName != "" {
		p, _ := env.Get(r.structName)
		ps, ok := p.(*decode.Struct)
		if !ok {
			return nil
		}
		parent = ps
	}
	if parent.Schema != nil && parent.Schema.Field(r.field) != nil {
		v, _ := parent.Get(r.field)
		return v
	}
	v, _ := env.Get(r.field)
	return v
}

// checkValue refuses what ConnectSchema.validateValue refuses for an added
// field: a struct or map value, whose copied schema has no fields, no keys.
func checkAdded(name string, s *decode.Schema, v any) error {
	if v != nil && (s.Type == decode.TypeStruct || s.Type == decode.TypeMap) {
		return fmt.Errorf("cannot add %s: a %s value does not validate against its copied schema (Debezium fails the same way)", name, s.Type)
	}
	return nil
}

func (t *extractNewRecordState) Apply(rec *Record) (*Record, error) {
	tomb := rec.Value.Value == nil
	valid := isEnvelopeSchema(rec.Value.Schema)
	if (valid || tomb) && len(t.headers) > 0 {
		if err := t.addHeaders(rec); err != nil {
			return nil, err
		}
	}
	if tomb {
		switch t.mode {
		case modeRewriteWithTombstone, "legacy-drop", "legacy-none":
			return rec, nil
		}
		return nil, nil
	}
	if !valid {
		return rec, nil
	}
	env, err := requireStruct(rec.Value.Value, "Read Debezium envelope")
	if err != nil {
		return nil, err
	}
	afterF := env.Schema.Field("after")
	if afterF == nil {
		return nil, fmt.Errorf("unknown field: after")
	}
	after, _ := fieldValue(env, "after")
	if after == nil {
		beforeF := env.Schema.Field("before")
		if beforeF == nil {
			return nil, fmt.Errorf("unknown field: before")
		}
		before, _ := fieldValue(env, "before")
		if before == nil {
			return nil, nil // a truncate: dropped (AbstractExtractRecordStrategy.handleTruncateRecord)
		}
		return t.delete(rec, env, afterF.Schema, beforeF.Schema, before)
	}
	return t.upsert(rec, env, afterF.Schema, after)
}

func (t *extractNewRecordState) addHeaders(rec *Record) error {
	env, _ := rec.Value.Value.(*decode.Struct)
	for _, r := range t.headers {
		if rec.Value.Value == nil {
			if r.field == "op" {
				rec.Headers = append(rec.Headers, Header{Key: r.newField, Schema: &decode.Schema{Type: decode.TypeString}, Value: "d"})
			}
			continue
		}
		if env == nil || env.Schema == nil {
			return fmt.Errorf("only Struct objects supported for [%s], found: %s", "add.headers", javaClassOf(rec.Value.Value))
		}
		s, err := r.schema(env.Schema)
		if err != nil {
			return err
		}
		if s == nil {
			continue
		}
		// ConnectHeaders checks only the value's class, so a struct header
		// is fine where a struct field would not be.
		rec.Headers = append(rec.Headers, Header{Key: r.newField, Schema: s, Value: r.value(env)})
	}
	return nil
}

func (t *extractNewRecordState) rewriteMode() bool {
	return t.mode == modeRewrite || t.mode == modeRewriteWithTombstone
}

func (t *extractNewRecordState) delete(rec *Record, env *decode.Struct, afterSchema, beforeSchema *decode.Schema, before any) (*Record, error) {
	out := *rec
	switch t.mode {
	case modeDrop, "legacy-drop":
		return nil, nil
	case modeTombstone, "legacy-none":
		// ExtractField after: a null value with the after field's schema.
		out.Value = decode.Record{Schema: afterSchema}
	case modeDeleteToTombstone:
		out.Value = decode.Record{}
	case modeRewrite, modeRewriteWithTombstone:
		bs, ok := before.(*decode.Struct)
		if !ok {
			out.Value = decode.Record{Schema: beforeSchema, Value: before}
			break
		}
		v, err := t.insertDeleted(bs, true)
		if err != nil {
			return nil, err
		}
		out.Value = v
	}
	if t.routeByField != "" {
		b, err := getTyped(env, "before", decode.TypeStruct)
		if err != nil {
			return nil, err
		}
		if err := t.route(&out, b); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(t.dropHeader) != "" {
		if err := t.dropFields(&out); err != nil {
			return nil, err
		}
	}
	if out.Value.Value != nil {
		if err := t.addFields(&out, env); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

func (t *extractNewRecordState) upsert(rec *Record, env *decode.Struct, afterSchema *decode.Schema, after any) (*Record, error) {
	out := *rec
	out.Value = decode.Record{Schema: afterSchema, Value: after}
	if as, ok := after.(*decode.Struct); ok && t.rewriteMode() {
		v, err := t.insertDeleted(as, false)
		if err != nil {
			return nil, err
		}
		out.Value = v
	}
	if t.routeByField != "" {
		if _, err := requireStruct(out.Value.Value, "Read record to set topic routing for CREATE / UPDATE"); err != nil {
			return nil, err
		}
		if err := t.route(&out, out.Value.Value); err != nil {
			return nil, err
		}
	}
	if err := t.addFields(&out, env); err != nil {
		return nil, err
	}
	if t.dropHeader != "" {
		if err := t.dropFields(&out); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// route sets the topic to row.getString(route.by.field) unless it is null
// or blank.
func (t *extractNewRecordState) route(out *Record, row any) error {
	rs, ok := row.(*decode.Struct)
	if !ok || rs.Schema == nil {
		return fmt.Errorf("route.by.field: only Struct objects supported, found: %s", javaClassOf(row))
	}
	v, err := getTyped(rs, t.routeByField, decode.TypeString)
	if err != nil {
		return err
	}
	if s, _ := v.(string); strings.TrimSpace(s) != "" {
		out.Topic = s
	}
	return nil
}

// insertDeleted is Kafka's InsertField$Value with static.field=__deleted
// (optional string) and static.value "true"/"false", as Debezium configures
// it: a copy-basics schema (required), the fields copied with default
// substitution unless replace.null.with.default=false.
func (t *extractNewRecordState) insertDeleted(row *decode.Struct, deleted bool) (decode.Record, error) {
	s, err := t.deletedCache.get(deletedKey{row.Schema, deleted}, func() (*decode.Schema, error) {
		ns := copySchemaBasics(row.Schema)
		for _, f := range row.Schema.Fields {
			if err := addField(ns, f.Name, f.Schema); err != nil {
				return nil, err
			}
		}
		if err := addField(ns, deletedField, &optionalStringSchema); err != nil {
			return nil, err
		}
		return ns, nil
	})
	if err != nil {
		return decode.Record{}, err
	}
	v := newStruct(s)
	for i, f := range row.Schema.Fields {
		if t.replaceNull {
			v.Values[i], _ = fieldValue(row, f.Name)
		} else {
			v.Values[i], _ = row.Get(f.Name)
		}
	}
	if deleted {
		v.Values[len(v.Values)-1] = "true"
	} else {
		v.Values[len(v.Values)-1] = "false"
	}
	return decode.Record{Schema: s, Value: v}, nil
}

// addFields rebuilds the row with the add.fields appended (always, even
// with none configured: the schema becomes a required copy).
func (t *extractNewRecordState) addFields(out *Record, env *decode.Struct) error {
	row, err := requireStruct(out.Value.Value, "source field insertion")
	if err != nil {
		return err
	}
	op, _ := env.Get("op")
	opText, _ := op.(string)
	s, err := t.addFieldsCache.get(addFieldsKey{row.Schema, opText}, func() (*decode.Schema, error) {
		ns := copySchemaBasics(row.Schema)
		for _, f := range row.Schema.Fields {
			if err := addField(ns, f.Name, f.Schema); err != nil {
				return nil, err
			}
		}
		for _, r := range t.fields {
			fs, err := r.schema(env.Schema)
			if err != nil {
				return nil, err
			}
			if fs == nil {
				continue
			}
			if err := addField(ns, r.newField, fs); err != nil {
				return nil, err
			}
		}
		return ns, nil
	})
	if err != nil {
		return err
	}
	v := newStruct(s)
	for i, f := range row.Schema.Fields {
		v.Values[i], _ = row.Get(f.Name)
	}
	for _, r := range t.fields {
		fs, err := r.schema(env.Schema)
		if err != nil {
			return err
		}
		if fs == nil {
			continue
		}
		val := r.value(env)
		if err := checkAdded(r.newField, fs, val); err != nil {
			return err
		}
		put(v, r.newField, val)
	}
	out.Value = decode.Record{Schema: s, Value: v}
	return nil
}

// dropFields removes the fields named in the drop.fields.header.name
// header (a list of strings) with ReplaceField exclude, from the value and,
// with drop.fields.from.key, from the key; with
// drop.fields.keep.schema.compatible only the optional ones.
func (t *extractNewRecordState) dropFields(out *Record) error {
	if strings.TrimSpace(t.dropHeader) == "" {
		return nil
	}
	var h *Header
	for i := range out.Headers {
		if out.Headers[i].Key == t.dropHeader {
			h = &out.Headers[i]
			break
		}
	}
	if h == nil || h.Value == nil {
		return nil
	}
	var names []string
	switch l := h.Value.(type) {
	case []any:
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("header %s: expected a list of field names, found an element %s", t.dropHeader, javaClassOf(e))
			}
			names = append(names, s)
		}
	case []string:
		names = l
	default:
		return fmt.Errorf("header %s: expected a list of field names, found %s", t.dropHeader, javaClassOf(h.Value))
	}
	if len(names) == 0 {
		return nil
	}
	if t.dropFromKey && out.Key.Value != nil {
		drop, err := t.fieldsToDrop(out.Key.Schema, names)
		if err != nil {
			return err
		}
		if len(drop) > 0 {
			k, err := replaceFieldExclude(&t.replaceKeyCache, out.Key, drop)
			if err != nil {
				return err
			}
			out.Key = k
		}
	}
	drop, err := t.fieldsToDrop(out.Value.Schema, names)
	if err != nil {
		return err
	}
	if len(drop) > 0 {
		v, err := replaceFieldExclude(&t.replaceValCache, out.Value, drop)
		if err != nil {
			return err
		}
		out.Value = v
	}
	return nil
}

func (t *extractNewRecordState) fieldsToDrop(s *decode.Schema, names []string) ([]string, error) {
	if !t.dropKeepCompat {
		return names, nil
	}
	if s == nil {
		return nil, fmt.Errorf("drop.fields.keep.schema.compatible needs a schema to find the optional fields")
	}
	var out []string
	for _, f := range s.Fields {
		if f.Schema.Optional && containsString(names, f.Name) {
			out = append(out, f.Name)
		}
	}
	return out, nil
}

func containsString(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// replaceFieldExclude is Kafka's ReplaceField with exclude=names: a null
// value passes; a schemaless object loses the keys; a struct is rebuilt on
// a copy-basics schema (required) with default substitution.
func replaceFieldExclude(cache *schemaCache[dropKey], r decode.Record, names []string) (decode.Record, error) {
	if r.Value == nil {
		return r, nil
	}
	st, ok := r.Value.(*decode.Struct)
	if !ok {
		if r.Schema == nil {
			return decode.Record{}, fmt.Errorf("only Map objects supported in absence of schema for [field replacement], found: %s", javaClassOf(r.Value))
		}
		return decode.Record{}, fmt.Errorf("only Struct objects supported for [field replacement], found: %s", javaClassOf(r.Value))
	}
	if st.Schema == nil {
		out := &decode.Struct{}
		for i, n := range st.Names {
			if !containsString(names, n) {
				out.Names = append(out.Names, n)
				out.Values = append(out.Values, st.Values[i])
			}
		}
		return decode.Record{Value: out}, nil
	}
	s, err := cache.get(dropKey{st.Schema, strings.Join(names, "\x00")}, func() (*decode.Schema, error) {
		ns := copySchemaBasics(st.Schema)
		for _, f := range st.Schema.Fields {
			if !containsString(names, f.Name) {
				if err := addField(ns, f.Name, f.Schema); err != nil {
					return nil, err
				}
			}
		}
		return ns, nil
	})
	if err != nil {
		return decode.Record{}, err
	}
	v := newStruct(s)
	for i, f := range s.Fields {
		v.Values[i], _ = fieldValue(st, f.Name)
	}
	return decode.Record{Schema: s, Value: v, SchemaID: r.SchemaID}, nil
}
