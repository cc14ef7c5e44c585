package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/starcdc/starcdc/decode"
)

// io.debezium.transforms.outbox.EventRouter, following Debezium's current
// code (debezium-connect-plugins outbox/EventRouter, EventRouterDelegate,
// EventRouterConfigDefinition, JsonSchemaData at HEAD 2026-08) for the
// default configuration provider (the one every SQL connector uses).
//
// Options (defaults): table.field.event.id (id), table.field.event.key
// (aggregateid), table.field.event.type (type; read by no code path),
// table.field.event.payload (payload), table.field.event.timestamp (unset:
// the envelope's ts_ms), table.field.event.schema.version,
// table.fields.additional.placement (column:header|envelope|partition[:alias],
// comma-separated), table.field.additional.missing (error|ignore),
// route.by.field (aggregatetype), route.topic.regex ((?<routedByValue>.*)),
// route.topic.replacement (outbox.event.${routedByValue}),
// route.tombstone.on.empty.payload (false), table.op.invalid.behavior
// (warn|error|fatal), table.expand.json.payload (false),
// table.json.payload.null.behavior (ignore|optional_bytes),
// table.json.payload.empty.array.behavior (ignore|optional_string),
// field.name.adjustment.mode (only none: the avro namers are refused).
// tracing.* options are refused (starcdc has no OpenTelemetry).
//
// What a sink receives: only inserts (c, and snapshot r) of the outbox
// table become records: topic = the route.by.field column through the
// regex router, key = the event-key column, timestamp from the envelope
// (or the timestamp column), header id = the event id, plus header
// placements; the value is the payload column alone, or, when some column
// is placed in the envelope, a struct {payload, those columns} named
// <schema namespace>.<routed value>.<schema name>. An empty or null
// payload with route.tombstone.on.empty.payload becomes a tombstone.
// Deletes and tombstones are dropped, updates dropped (or fail the task
// with table.op.invalid.behavior=fatal), non-envelopes pass unchanged.
// Its rows are outbox events, not table rows.
//
// Debezium 1.8.1 (bundled by the StarRocks connector) does not know
// table.field.additional.missing, the partition placement,
// table.json.payload.null.behavior, table.json.payload.empty.array.behavior
// or field.name.adjustment.mode.
//
// Where starcdc differs: Connect sets the partition of a routed record to
// null (the producer's choice) unless a partition placement sets it; a
// sink record here keeps its consumed partition then. Expanding a JSON
// array of objects of differing shapes merges their schemas in element
// order (Java merges them in HashSet order).
type eventRouter struct {
	fieldID, fieldKey, fieldPayload, fieldTimestamp, fieldVersion string
	hasKey, hasTimestamp, hasVersion                              bool
	routeBy                                                       string
	routeRe                                                       *javaRegex
	routeRepl                                                     javaReplacement
	tombstoneOnEmpty                                              bool
	invalidOp                                                     string
	expand                                                        bool
	nullAsBytes, emptyArrayAsString                               bool
	additional                                                    []additionalField
	missingIgnore                                                 bool
	onlyHeaders                                                   bool

	mu        sync.Mutex
	byPayload map[string]*decode.Schema // value schema by payload schema (equality)
	byVersion map[any]*decode.Schema    // value schema by schema version
}

type additionalField struct {
	field, placement, alias string
}

func newEventRouter(m map[string]string) (Transformation, error) {
	opts := newOptions(m)
	t := &eventRouter{byPayload: map[string]*decode.Schema{}, byVersion: map[any]*decode.Schema{}}
	t.fieldID = opts.rawDefault("table.field.event.id", "id")
	t.fieldKey, t.hasKey = opts.rawDefault("table.field.event.key", "aggregateid"), true
	opts.raw("table.field.event.type")
	t.fieldPayload = opts.rawDefault("table.field.event.payload", "payload")
	t.fieldTimestamp, t.hasTimestamp = opts.raw("table.field.event.timestamp")
	t.fieldVersion, t.hasVersion = opts.raw("table.field.event.schema.version")
	t.routeBy = opts.rawDefault("route.by.field", "aggregatetype")
	// RegexRouter reads its options through a ConfigDef: trimmed.
	regex := opts.strDefault("route.topic.regex", "(?<routedByValue>.*)")
	repl := opts.strDefault("route.topic.replacement", "outbox.event.${routedByValue}")
	if re, err := compileJavaRegex(regex); err != nil {
		opts.bad("route.topic.regex", regex, "%v", err)
	} else {
		t.routeRe = re
		if t.routeRepl, err = re.parseReplacement(repl); err != nil {
			opts.bad("route.topic.replacement", repl, "%v", err)
		}
	}
	t.tombstoneOnEmpty = opts.boolean("route.tombstone.on.empty.payload", false)
	t.invalidOp = opts.enumFold("table.op.invalid.behavior", "warn", "warn", "error", "fatal")
	t.expand = opts.boolean("table.expand.json.payload", false)
	t.nullAsBytes = opts.enumFold("table.json.payload.null.behavior", "ignore", "ignore", "optional_bytes") == "optional_bytes"
	t.emptyArrayAsString = opts.enumFold("table.json.payload.empty.array.behavior", "ignore", "ignore", "optional_string") == "optional_string"
	t.missingIgnore = opts.enumFold("table.field.additional.missing", "error", "error", "ignore") == "ignore"
	opts.enumFold("field.name.adjustment.mode", "none", "none")
	if v, ok := opts.raw("table.fields.additional.placement"); ok && v != "" {
		for _, entry := range strings.Split(v, ",") {
			parts := javaSplit(entry, ":")
			if len(parts) != 2 && len(parts) != 3 {
				opts.bad("table.fields.additional.placement", v, "a comma-separated list of column:placement[:alias] is expected, got %q", entry)
				continue
			}
			a := additionalField{field: strings.TrimSpace(parts[0]), alias: strings.TrimSpace(parts[0])}
			switch pl := strings.ToLower(strings.TrimSpace(parts[1])); pl {
			case "header", "envelope", "partition":
				a.placement = pl
			default:
				opts.bad("table.fields.additional.placement", v, "placement %q is not header, envelope or partition", parts[1])
			}
			if len(parts) == 3 {
				a.alias = strings.TrimSpace(parts[2])
			}
			t.additional = append(t.additional, a)
		}
	}
	t.onlyHeaders = true
	for _, a := range t.additional {
		if a.placement == "envelope" {
			t.onlyHeaders = false
		}
	}
	for k := range m {
		if strings.HasPrefix(k, "tracing.") {
			opts.refuse(k, "OpenTelemetry tracing is not supported by starcdc")
		}
	}
	opts.refuseUnknown()
	if err := opts.err(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *eventRouter) Apply(rec *Record) (*Record, error) {
	if rec.Value.Value == nil {
		return nil, nil
	}
	if !isEnvelopeSchema(rec.Value.Schema) {
		return rec, nil
	}
	env, err := requireStruct(rec.Value.Schema, rec.Value.Value, "Detect Debezium Operation")
	if err != nil {
		return nil, err
	}
	opv, err := structGetTyped(env, "op", decode.TypeString)
	if err != nil {
		return nil, err
	}
	op, ok := opv.(string)
	if !ok {
		return nil, fmt.Errorf("the envelope's op is null")
	}
	switch op {
	case "d":
		return nil, nil
	case "u":
		if t.invalidOp == "fatal" {
			return nil, fmt.Errorf("unexpected update message received %s, fail", renderValue(rec.Key.Value))
		}
		return nil, nil
	}
	af := env.Schema.Field("after")
	if af == nil {
		return nil, fmt.Errorf("unknown field: after")
	}
	after, _ := structGet(env, "after", true)
	event, err := requireStruct(af.Schema, after, "Read Outbox Event")
	if err != nil {
		return nil, err
	}
	eventSchema := af.Schema
	pf := eventSchema.Field(t.fieldPayload)
	if pf == nil {
		return nil, fmt.Errorf("unable to find payload field %s in event", t.fieldPayload)
	}
	payloadSchema := pf.Schema
	ts, err := t.timestamp(env, event)
	if err != nil {
		return nil, err
	}
	eventID, err := structGet(event, t.fieldID, true)
	if err != nil {
		return nil, err
	}
	payload, _ := structGet(event, t.fieldPayload, true)
	idf := eventSchema.Field(t.fieldID)
	headers := append([]Header(nil), rec.Headers...)
	headers = append(headers, Header{Key: "id", Schema: idf.Schema, Value: eventID})

	if t.expand {
		if s, ok := payload.(string); ok {
			if ns, nv, ok := t.expandJSON(s); ok {
				payloadSchema, payload = ns, nv
			}
		}
	}

	routeV, err := structGetTyped(event, t.routeBy, decode.TypeString)
	if err != nil {
		return nil, err
	}
	routed, _ := routeV.(string)
	var valueSchema *decode.Schema
	var value *decode.Struct
	if !t.onlyHeaders {
		if valueSchema, err = t.valueSchema(payloadSchema, eventSchema, event, routed); err != nil {
			return nil, err
		}
		if ps, ok := payload.(*decode.Struct); ok && !schemaEqual(ps.Schema, valueSchema.Field("payload").Schema) {
			return nil, fmt.Errorf("struct schemas do not match")
		}
		value = newStruct(valueSchema)
		if err := putNamed(value, "payload", payload); err != nil {
			return nil, err
		}
	}
	out := *rec
	for _, a := range t.additional {
		if t.missingIgnore && eventSchema.Field(a.field) == nil {
			continue
		}
		v, err := structGet(event, a.field, true)
		if err != nil {
			return nil, err
		}
		switch a.placement {
		case "envelope":
			if err := putNamed(value, a.alias, v); err != nil {
				return nil, err
			}
		case "header":
			headers = append(headers, Header{Key: a.alias, Schema: eventSchema.Field(a.field).Schema, Value: v})
		case "partition":
			pv, err := structGetTyped(event, a.field, decode.TypeInt32)
			if err != nil {
				return nil, err
			}
			if n, ok := pv.(int64); ok {
				out.Partition = int32(n)
			}
		}
	}
	empty := payload == nil
	if s, ok := payload.(string); ok && javaTrim(s) == "" {
		empty = true
	}
	switch {
	case empty && t.tombstoneOnEmpty:
		out.Value = decode.Record{}
	case t.onlyHeaders:
		out.Value = decode.Record{Schema: payloadSchema, Value: payload}
	default:
		out.Value = decode.Record{Schema: valueSchema, Value: value}
	}
	keySchema := &decode.Schema{Type: decode.TypeString}
	var key any
	if t.hasKey {
		kv, err := structGet(event, t.fieldKey, true)
		if err != nil {
			return nil, err
		}
		key = kv
		keySchema = eventSchema.Field(t.fieldKey).Schema
	}
	out.Key = decode.Record{Schema: keySchema, Value: key}
	out.Timestamp = ts
	out.Headers = headers
	if routeV == nil {
		return nil, fmt.Errorf("route.by.field %s is null: the regex router cannot route a null topic", t.routeBy)
	}
	out.Topic = routed
	if t.routeRe.matches(routed) {
		out.Topic = t.routeRe.replaceFirst(routed, t.routeRepl)
	}
	return &out, nil
}

func (t *eventRouter) timestamp(env, event *decode.Struct) (int64, error) {
	fromEnv := func() (int64, error) {
		v, err := structGetTyped(env, "ts_ms", decode.TypeInt64)
		if err != nil {
			return 0, err
		}
		if n, ok := v.(int64); ok {
			return n, nil
		}
		return -1, nil
	}
	if !t.hasTimestamp {
		return fromEnv()
	}
	f := event.Schema.Field(t.fieldTimestamp)
	if f == nil {
		return 0, fmt.Errorf("unable to find timestamp field %s in event", t.fieldTimestamp)
	}
	v, err := structGetTyped(event, t.fieldTimestamp, decode.TypeInt64)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok {
		return fromEnv()
	}
	switch f.Schema.Name {
	case decode.ConnectTimestamp:
		return n, nil
	case "io.debezium.time.MicroTimestamp":
		return n / 1000, nil
	case "io.debezium.time.NanoTimestamp":
		return n / 1000000, nil
	case "":
		return 0, fmt.Errorf("unsupported field type %s (without logical schema name) for event timestamp", f.Schema.Type)
	}
	return 0, fmt.Errorf("unsupported field type %s for event timestamp", f.Schema.Name)
}

// valueSchema is getValueSchema: cached by the payload schema (by
// equality), or by the schema version when table.field.event.schema.version
// is set, so the first event decides the name, as in Debezium.
func (t *eventRouter) valueSchema(payloadSchema, eventSchema *decode.Schema, event *decode.Struct, routed string) (*decode.Schema, error) {
	var version any
	if t.hasVersion {
		v, err := structGetTyped(event, t.fieldVersion, decode.TypeInt32)
		if err != nil {
			return nil, err
		}
		version = v
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hasVersion {
		if s, ok := t.byVersion[version]; ok {
			return s, nil
		}
	} else if s, ok := t.byPayload[schemaKey(payloadSchema)]; ok {
		return s, nil
	}
	b := newStructBuilder(&decode.Schema{Name: outboxSchemaName(eventSchema.Name, routed)})
	if n, ok := version.(int64); ok {
		b.s.Version = int(n)
	}
	if err := b.field("payload", payloadSchema); err != nil {
		return nil, err
	}
	for _, a := range t.additional {
		if a.placement != "envelope" {
			continue
		}
		f := eventSchema.Field(a.field)
		if f == nil {
			if !t.missingIgnore {
				return nil, fmt.Errorf("unable to find field %s in event", a.field)
			}
			continue
		}
		if err := b.field(a.alias, f.Schema); err != nil {
			return nil, err
		}
	}
	s := b.build()
	if len(t.byPayload) > 10000 {
		clear(t.byPayload)
	}
	if t.hasVersion {
		t.byVersion[version] = s
	} else {
		t.byPayload[schemaKey(payloadSchema)] = s
	}
	return s, nil
}

// outboxSchemaName is getSchemaName: the routed value inserted before the
// last part of the event schema's name.
func outboxSchemaName(name, routed string) string {
	if name == "" {
		return routed
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i+1] + routed + "." + name[i+1:]
	}
	return routed + "." + name
}

// expandJSON is table.expand.json.payload: JsonSchemaData infers a schema
// from the JSON text and converts it; any failure leaves the payload as it
// was (Debezium logs a warning).
func (t *eventRouter) expandJSON(s string) (*decode.Schema, any, bool) {
	if !strings.HasPrefix(s, "{") && !strings.HasPrefix(s, "[") {
		return nil, nil, false
	}
	r, err := (&decode.JSONConverter{}).Decode(context.Background(), "", []byte(s))
	if err != nil {
		return nil, nil, false
	}
	node := dedupeJSON(r.Value)
	schema, err := t.jsonSchema(t.fieldPayload, node)
	if err != nil || schema == nil || schema.Type != decode.TypeStruct {
		return nil, nil, false // a top-level array: new Struct(arraySchema) fails
	}
	v, err := jsonToConnect(node, schema)
	if err != nil {
		return nil, nil, false
	}
	return schema, v, true
}

// dedupeJSON keeps the last value of a repeated key at its first position,
// as Jackson's ObjectNode does (smap.put), at every depth.
func dedupeJSON(v any) any {
	switch t := v.(type) {
	case *decode.Struct:
		out := newSmap()
		for i, n := range t.Names {
			out.put(n, dedupeJSON(t.Values[i]))
		}
		return out.s
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = dedupeJSON(e)
		}
		return out
	}
	return v
}

// jsonNumberKind is the Jackson node a number literal becomes: an int, a
// long, a BigInteger or a double.
func jsonNumberKind(n json.Number) string {
	s := string(n)
	if strings.ContainsAny(s, ".eE") {
		return "double"
	}
	i, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return "bigint"
	case i >= math.MinInt32 && i <= math.MaxInt32:
		return "int"
	}
	return "long"
}

var (
	optString  = decode.Schema{Type: decode.TypeString, Optional: true}
	optBool    = decode.Schema{Type: decode.TypeBoolean, Optional: true}
	optInt32   = decode.Schema{Type: decode.TypeInt32, Optional: true}
	optInt64   = decode.Schema{Type: decode.TypeInt64, Optional: true}
	optFloat64 = decode.Schema{Type: decode.TypeFloat64, Optional: true}
	optBytes   = decode.Schema{Type: decode.TypeBytes, Optional: true}
)

// jsonSchema is JsonSchemaData.toConnectSchema; nil for what it ignores.
func (t *eventRouter) jsonSchema(key string, node any) (*decode.Schema, error) {
	switch n := node.(type) {
	case string:
		return &optString, nil
	case bool:
		return &optBool, nil
	case json.Number:
		switch jsonNumberKind(n) {
		case "int":
			return &optInt32, nil
		case "long":
			return &optInt64, nil
		}
		return &optFloat64, nil
	case []any:
		if len(n) == 0 {
			if t.emptyArrayAsString {
				return &decode.Schema{Type: decode.TypeArray, Optional: true, Items: &optString}, nil
			}
			return nil, nil
		}
		items, err := t.arrayItems(key, n)
		if err != nil {
			return nil, err
		}
		return &decode.Schema{Type: decode.TypeArray, Optional: true, Items: items}, nil
	case *decode.Struct:
		b := newStructBuilder(&decode.Schema{Name: key, Optional: true})
		for i, name := range n.Names {
			childKey := name
			if strings.TrimSpace(key) != "" {
				childKey = key + "." + name
			}
			fs, err := t.jsonSchema(childKey, n.Values[i])
			if err != nil {
				return nil, err
			}
			if fs != nil && !b.has(name) {
				// SchemaBuilder.field: an empty name fails the expansion.
				if err := b.field(name, fs); err != nil {
					return nil, err
				}
			}
		}
		return b.build(), nil
	case nil:
		if t.nullAsBytes {
			return &optBytes, nil
		}
		return nil, nil
	}
	return nil, nil
}

func jsonKindOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case *decode.Struct:
		return "object"
	}
	return "null"
}

// arrayItems is toConnectSchemaWithCycles with getFirstArrayElement.
func (t *eventRouter) arrayItems(key string, arr []any) (*decode.Schema, error) {
	var ref any
	refKind := ""
	var refNum *decode.Schema
	for _, e := range arr {
		if e == nil {
			continue
		}
		if refKind == "" {
			ref, refKind = e, jsonKindOf(e)
		}
		if jsonKindOf(e) != refKind {
			return nil, fmt.Errorf("field is not a homogenous array")
		}
		if refKind == "number" {
			if refNum == nil {
				refNum, _ = t.jsonSchema("", ref)
			}
			es, _ := t.jsonSchema("", e)
			if es != refNum {
				return nil, fmt.Errorf("field is not a homogenous array: different number types")
			}
		}
	}
	if refKind == "object" {
		var merged *decode.Schema
		for _, e := range arr {
			if _, ok := e.(*decode.Struct); !ok {
				continue
			}
			es, err := t.jsonSchema(key, e)
			if err != nil {
				return nil, err
			}
			merged = mergeSchema(merged, es)
		}
		return merged, nil
	}
	s, err := t.jsonSchema("", ref)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("array has unrecognized member schema")
	}
	return s, nil
}

// mergeSchema is JsonSchemaData.mergeSchema: the left fields, then the
// right's new ones; a bytes field (a null seen first) yields to another
// type.
func mergeSchema(left, right *decode.Schema) *decode.Schema {
	if left == nil {
		return right
	}
	if schemaEqual(left, right) {
		return left
	}
	out := copySchemaBasicsOf(left)
	out.Optional = false
	fields := append([]decode.Field(nil), left.Fields...)
	for _, f := range right.Fields {
		j := -1
		for i := range fields {
			if fields[i].Name == f.Name {
				j = i
			}
		}
		switch {
		case j < 0:
			fields = append(fields, f)
		case !schemaEqual(fields[j].Schema, f.Schema) && fields[j].Schema.Type == decode.TypeBytes && f.Schema.Type != decode.TypeBytes:
			fields[j].Schema = f.Schema
		}
	}
	for i := range fields {
		fields[i].Index = i
	}
	out.Fields = fields
	return out
}

// jsonToConnect is JsonSchemaData.toConnectData with Struct.put's checks of
// the Java class against the schema type.
func jsonToConnect(node any, s *decode.Schema) (any, error) {
	switch n := node.(type) {
	case nil:
		return nil, nil
	case string:
		if s.Type != decode.TypeString {
			return nil, fmt.Errorf("invalid Java object for schema type %s: java.lang.String", s.Type)
		}
		return n, nil
	case bool:
		if s.Type != decode.TypeBoolean {
			return nil, fmt.Errorf("invalid Java object for schema type %s: java.lang.Boolean", s.Type)
		}
		return n, nil
	case json.Number:
		kind := jsonNumberKind(n)
		want := map[string]decode.Type{"int": decode.TypeInt32, "long": decode.TypeInt64, "double": decode.TypeFloat64}[kind]
		if kind == "bigint" || s.Type != want {
			return nil, fmt.Errorf("invalid Java object for schema type %s: a %s number", s.Type, kind)
		}
		if kind == "double" {
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil {
				return nil, err
			}
			return f, nil
		}
		i, _ := strconv.ParseInt(string(n), 10, 64)
		return i, nil
	case []any:
		if s.Type != decode.TypeArray {
			return nil, fmt.Errorf("invalid Java object for schema type %s: java.util.ArrayList", s.Type)
		}
		out := make([]any, len(n))
		for i, e := range n {
			v, err := jsonToConnect(e, s.Items)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case *decode.Struct:
		if s.Type != decode.TypeStruct {
			return nil, fmt.Errorf("not a struct schema: %s", s.Type)
		}
		out := newStruct(s)
		for i, f := range s.Fields {
			v, ok := n.Get(f.Name)
			if !ok {
				continue
			}
			cv, err := jsonToConnect(v, f.Schema)
			if err != nil {
				return nil, err
			}
			out.Values[i] = cv
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected JSON value %T", node)
}
