package transform

import (
	"fmt"
	"slices"
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
	addFieldsCache  keyedCache[[2]*decode.Schema, addedFields] // by row and envelope schema
	headersCache    planCache[[]resolvedField]                 // by envelope schema
	// Kafka's InsertField$Value adding __deleted "true" / "false", and
	// ReplaceField$Key / $Value excluding a drop list (by the list).
	markDeleted, markUpdated  *insertField
	dropFromKeyT, dropFromVal keyedCache[string, *replaceField]
}

// addedFields is a row schema with the add.fields appended, and those
// fields.
type addedFields struct {
	schema *decode.Schema
	fields []resolvedField
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
	opts := newOptions(m)
	t := &extractNewRecordState{}
	mode := "" // unset or blank: the legacy pair applies (AbstractExtractNewRecordState 3.1)
	if v, ok := opts.raw("delete.tombstone.handling.mode"); ok && strings.TrimSpace(v) != "" {
		mode = opts.enumFold("delete.tombstone.handling.mode", "", modeDrop, modeTombstone, modeRewrite, modeRewriteWithTombstone, modeDeleteToTombstone)
	}
	_, haveLegacyMode := m["delete.handling.mode"]
	_, haveDropTomb := m["drop.tombstones"]
	legacy := opts.enumFold("delete.handling.mode", "drop", "drop", "none", "rewrite")
	dropTombstones := opts.boolean("drop.tombstones", true)
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
			opts.fail("delete.tombstone.handling.mode", "%s conflicts with delete.handling.mode=%s, drop.tombstones=%t: Debezium 1.8.1 (bundled by the StarRocks connector) reads only the latter, 2.5-3.1 only the former; set one, or both to the same meaning", mode, legacy, dropTombstones)
		}
		t.mode = mode
	default:
		t.mode = mode
	}
	t.routeByField = opts.rawDefault("route.by.field", "")
	var err error
	if t.fields, err = parseFieldReferences(opts.rawDefault("add.fields.prefix", "__"), opts.rawDefault("add.fields", "")); err != nil {
		opts.fail("add.fields", "%v", err)
	}
	if t.headers, err = parseFieldReferences(opts.rawDefault("add.headers.prefix", "__"), opts.rawDefault("add.headers", "")); err != nil {
		opts.fail("add.headers", "%v", err)
	}
	t.replaceNull = opts.boolean("replace.null.with.default", true)
	t.dropHeader = opts.rawDefault("drop.fields.header.name", "")
	t.dropFromKey = opts.boolean("drop.fields.from.key", false)
	t.dropKeepCompat = opts.boolean("drop.fields.keep.schema.compatible", true)
	opts.refuseUnknown()
	if err := opts.err(); err != nil {
		return nil, err
	}
	deleted := func(v string) *insertField {
		return &insertField{o: valueOperand, static: &insertSpec{name: deletedField, optional: true}, staticValue: v, withDefault: t.replaceNull}
	}
	t.markDeleted, t.markUpdated = deleted("true"), deleted("false")
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
	s := copySchemaBasicsOf(f.Schema)
	s.Optional = true
	return s, nil
}

// resolvedField is a field reference an envelope schema has, with the
// schema of the field or header it adds.
type resolvedField struct {
	fieldReference
	schema *decode.Schema
}

// resolveFieldReferences keeps the references the envelope schema env
// has, with their schemas (FieldReference.getSchema).
func resolveFieldReferences(refs []fieldReference, env *decode.Schema) ([]resolvedField, error) {
	var out []resolvedField
	for _, r := range refs {
		s, err := r.schema(env)
		if err != nil {
			return nil, err
		}
		if s != nil {
			out = append(out, resolvedField{r, s})
		}
	}
	return out, nil
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
	env, err := requireStruct(rec.Value.Schema, rec.Value.Value, "Read Debezium envelope")
	if err != nil {
		return nil, err
	}
	afterF := env.Schema.Field("after")
	if afterF == nil {
		return nil, fmt.Errorf("unknown field: after")
	}
	after, _ := structGet(env, "after", true)
	if after == nil {
		beforeF := env.Schema.Field("before")
		if beforeF == nil {
			return nil, fmt.Errorf("unknown field: before")
		}
		before, _ := structGet(env, "before", true)
		if before == nil {
			return nil, nil // a truncate: dropped (AbstractExtractRecordStrategy.handleTruncateRecord)
		}
		return t.delete(rec, env, afterF.Schema, beforeF.Schema, before)
	}
	return t.upsert(rec, env, afterF.Schema, after)
}

func (t *extractNewRecordState) addHeaders(rec *Record) error {
	if rec.Value.Value == nil {
		for _, r := range t.headers {
			if r.field == "op" {
				rec.Headers = append(rec.Headers, Header{Key: r.newField, Schema: primitiveSchema(decode.TypeString, false), Value: "d"})
			}
		}
		return nil
	}
	env, err := requireStruct(rec.Value.Schema, rec.Value.Value, "add.headers")
	if err != nil {
		return err
	}
	refs, err := t.headersCache.cached(env.Schema, func() ([]resolvedField, error) {
		return resolveFieldReferences(t.headers, env.Schema)
	})
	if err != nil {
		return err
	}
	for _, r := range refs {
		// ConnectHeaders checks only the value's class, so a struct header
		// is fine where a struct field would not be.
		rec.Headers = append(rec.Headers, Header{Key: r.newField, Schema: r.schema, Value: r.value(env)})
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
		// ExtractField$Value before, then InsertField$Value __deleted.
		out.Value = decode.Record{Schema: beforeSchema, Value: before}
		if _, err := t.markDeleted.Apply(&out); err != nil {
			return nil, err
		}
	}
	if t.routeByField != "" {
		b, err := structGetTyped(env, "before", decode.TypeStruct)
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
	if t.rewriteMode() {
		if _, err := t.markUpdated.Apply(&out); err != nil {
			return nil, err
		}
	}
	if t.routeByField != "" {
		if _, err := requireStruct(out.Value.Schema, out.Value.Value, "Read record to set topic routing for CREATE / UPDATE"); err != nil {
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
		return fmt.Errorf("route.by.field: only Struct objects supported, found: %s", javaClass(nil, row))
	}
	v, err := structGetTyped(rs, t.routeByField, decode.TypeString)
	if err != nil {
		return err
	}
	if s, _ := v.(string); strings.TrimSpace(s) != "" {
		out.Topic = s
	}
	return nil
}

// addFields rebuilds the row with the add.fields appended (always, even
// with none configured: the schema becomes a required copy).
func (t *extractNewRecordState) addFields(out *Record, env *decode.Struct) error {
	row, err := requireStruct(out.Value.Schema, out.Value.Value, "source field insertion")
	if err != nil {
		return err
	}
	plan, err := t.addFieldsCache.cached([2]*decode.Schema{row.Schema, env.Schema}, func() (addedFields, error) {
		refs, err := resolveFieldReferences(t.fields, env.Schema)
		if err != nil {
			return addedFields{}, err
		}
		b := newStructBuilder(copySchemaBasics(row.Schema, decode.TypeStruct))
		if err := b.fields(row.Schema); err != nil {
			return addedFields{}, err
		}
		for _, r := range refs {
			if err := b.field(r.newField, r.schema); err != nil {
				return addedFields{}, err
			}
		}
		return addedFields{b.build(), refs}, nil
	})
	if err != nil {
		return err
	}
	v := newStruct(plan.schema)
	n := len(row.Schema.Fields)
	for i := range n {
		v.Values[i] = rawField(row, i)
	}
	for k, r := range plan.fields {
		val := r.value(env)
		if err := checkAdded(r.newField, r.schema, val); err != nil {
			return err
		}
		if err := putField(v, n+k, val); err != nil {
			return err
		}
	}
	out.Value = decode.Record{Schema: plan.schema, Value: v}
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
				return fmt.Errorf("header %s: expected a list of field names, found an element %s", t.dropHeader, javaClass(nil, e))
			}
			names = append(names, s)
		}
	case []string:
		names = l
	default:
		return fmt.Errorf("header %s: expected a list of field names, found %s", t.dropHeader, javaClass(h.Schema, h.Value))
	}
	if len(names) == 0 {
		return nil
	}
	if t.dropFromKey && out.Key.Value != nil {
		drop, err := t.fieldsToDrop(out.Key.Schema, names)
		if err != nil {
			return err
		}
		if err := excludeFields(&t.dropFromKeyT, keyOperand, out, drop); err != nil {
			return err
		}
	}
	drop, err := t.fieldsToDrop(out.Value.Schema, names)
	if err != nil {
		return err
	}
	return excludeFields(&t.dropFromVal, valueOperand, out, drop)
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
		if f.Schema.Optional && slices.Contains(names, f.Name) {
			out = append(out, f.Name)
		}
	}
	return out, nil
}

// excludeFields applies Kafka's ReplaceField$Key / $Value with
// exclude=names (one configured transform per list, cached) to out: a null
// passes, a schemaless map loses the keys, a struct is rebuilt on a
// copy-basics schema (required) with default substitution.
func excludeFields(cache *keyedCache[string, *replaceField], o operand, out *Record, names []string) error {
	if len(names) == 0 {
		return nil
	}
	t, _ := cache.cached(strings.Join(names, "\x00"), func() (*replaceField, error) {
		t := &replaceField{o: o, exclude: map[string]bool{}, include: map[string]bool{}, renames: map[string]string{}, reverse: map[string]string{}, withDefault: true}
		for _, n := range names {
			t.exclude[n] = true
		}
		return t, nil
	})
	_, err := t.Apply(out)
	return err
}
