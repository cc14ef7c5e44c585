package pipeline

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/decode/flattest"
	"github.com/starcdc/starcdc/internal/fixtures"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/mapping"
)

// The identity test of the compiled hot path: every record goes through
// RowsOf twice, with Generic set (the reference) and without, and the
// rows, headers, outcomes and errors must be byte-identical. It runs over
// the converters' own flat readers (every converter that implements
// decode.FlatConverter, found by type assertion) and over flattener, a
// test FlatConverter that flattens the generic converter's value tree.

// flattener is a FlatConverter made of a generic converter: DecodeFlat
// decodes the record with Decode and lays its value tree into slots, as
// the contract (decode.FlatConverter) says a flat reader must. Each
// slot's bytes are copied into a buffer that slot reuses, and a slot
// keeps the stale fields of its previous value, so that a reader of the
// slots that keeps bytes past the next read, or reads a field its kind
// does not set, sees wrong values.
type flattener struct {
	decode.Converter
	mu    sync.Mutex
	plans map[*decode.Schema]*decode.FlatPlan
}

func (f *flattener) DecodeFlat(ctx context.Context, topic string, data []byte, slots []decode.Slot) (*decode.FlatPlan, []decode.Slot, error) {
	if data == nil {
		return nil, slots, decode.ErrNotFlat
	}
	rec, err := f.Decode(ctx, topic, data)
	if err != nil {
		if errors.Is(err, decode.ErrRegistryUnavailable) {
			return nil, slots, err
		}
		return nil, slots, decode.ErrNotFlat
	}
	plan := f.plan(rec.Schema)
	if plan == nil {
		return nil, slots, decode.ErrNotFlat
	}
	n := len(plan.Slots)
	if cap(slots) < n {
		slots = append(slots[:cap(slots)], make([]decode.Slot, n-cap(slots))...)
	}
	slots = slots[:n]
	if end, ok := flattest.Fill(plan, slots, 0, rec.Value); !ok || end != n {
		return nil, slots, decode.ErrNotFlat
	}
	return plan, slots, nil
}

// plan returns the plan of schema s, nil when s has no flat form (no
// schema, arrays, maps).
func (f *flattener) plan(s *decode.Schema) *decode.FlatPlan {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.plans[s]; ok {
		return p
	}
	p, ok := flattest.Plan(s)
	if !ok {
		p = nil
	}
	if f.plans == nil {
		f.plans = map[*decode.Schema]*decode.FlatPlan{}
	}
	f.plans[s] = p
	return p
}

// --- the harness -------------------------------------------------------------

// result is everything RowsOf gives for one record.
type result struct {
	table, reason string
	kind          cdc.Kind
	rows          int
	lines         []string // "columns|partial\trow" per emitted row
	err           string
	stage         Stage
	stop          bool
	fast          bool // the compiled path made the rows (Changes nil)
}

func runRows(t testing.TB, p *Pipeline, generic bool, in Input, buf []byte) (result, []byte) {
	t.Helper()
	p.Generic = generic
	var r result
	out, buf, err := p.RowsOf(context.Background(), in, buf, func(table string, h loader.Headers, row []byte) {
		r.lines = append(r.lines, fmt.Sprintf("%s %s|%v\t%s", table, h.Columns, h.PartialUpdate, row))
	})
	r.table, r.reason, r.kind, r.rows = out.Table, out.Event.Reason, out.Event.Kind, out.Rows
	if out.Event.Kind == cdc.KindRows && err == nil {
		r.fast = out.Event.Changes == nil
		if !r.fast && len(out.Event.Changes) != out.Rows {
			t.Fatalf("%d changes, %d rows", len(out.Event.Changes), out.Rows)
		}
	}
	if err != nil {
		r.err, r.stage, r.stop = err.Error(), StageOf(err), errors.Is(err, ErrStop)
	}
	return r, buf
}

// same runs in through both paths and fails t when they differ; it
// reports whether the compiled path made the rows.
func same(t testing.TB, p *Pipeline, in Input, what string) bool {
	t.Helper()
	want, _ := runRows(t, p, true, in, nil)
	if want.fast {
		t.Fatalf("%s: the generic path left no changes", what)
	}
	// A dirty buffer: the compiled path must not depend on its content.
	got, _ := runRows(t, p, false, in, []byte("leftover bytes of the previous record"))
	fast := got.fast
	got.fast = false
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: the paths differ\ngeneric: %+v\ncompiled: %+v", what, want, got)
	}
	return fast
}

// ensureLog is a SchemaEnsurer that records its calls (deduplicated: the
// compiled path may ask again for a record it hands to the generic path)
// and fails for one table.
type ensureLog struct {
	mu    sync.Mutex
	calls []string
	fail  string
}

func (l *ensureLog) Ensure(ctx context.Context, table string, key decode.Record, ch cdc.Change) error {
	return l.EnsureSchemas(ctx, table, key.Schema, ch.Row.Schema, ch.Op)
}

func (l *ensureLog) EnsureSchemas(_ context.Context, table string, key, row *decode.Schema, op cdc.Op) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := fmt.Sprintf("%s %p %p %d", table, key, row, op)
	if len(l.calls) == 0 || l.calls[len(l.calls)-1] != c {
		l.calls = append(l.calls, c)
	}
	if table == l.fail {
		return fmt.Errorf("table %s cannot hold the record", table)
	}
	return nil
}

func (l *ensureLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.calls
	l.calls = nil
	return c
}

// hookOnly is a SchemaHook that is not a SchemaEnsurer: the compiled path
// cannot call it and leaves every record to the generic path.
type hookOnly struct{ l *ensureLog }

func (h hookOnly) Ensure(ctx context.Context, table string, key decode.Record, ch cdc.Change) error {
	return h.l.Ensure(ctx, table, key, ch)
}

// fixedTypes is a TargetTypesSource with the same map for every table.
type fixedTypes struct{ types mapping.TargetTypes }

func (f fixedTypes) Types(context.Context, string) (mapping.TargetTypes, error) { return f.types, nil }

// variant is one pipeline configuration the records run through.
type variant struct {
	name    string
	enc     mapping.RowEncoder
	targets TargetTypesSource
	hook    func(*ensureLog) SchemaHook
}

func variants() []variant {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		shanghai = time.FixedZone("CST", 8*3600)
	}
	types := mapping.TargetTypes{"u_date": "DATE", "u_dt": "DATETIME", "u_json": "JSON", "u_dec": "DECIMAL(10,2)", "u_zdt": "DATETIME", "visits": "DATETIME"}
	ensurer := func(l *ensureLog) SchemaHook { return l }
	return []variant{
		{name: "json", enc: &mapping.Encoder{}},
		{name: "json-varbinary-zone-targets-ddl", enc: &mapping.Encoder{Zone: shanghai, Varbinary: true, Geometry: mapping.GeometryWKBHex}, targets: fixedTypes{types}, hook: ensurer},
		{name: "json-targets-hook", enc: &mapping.Encoder{}, targets: fixedTypes{types}, hook: func(l *ensureLog) SchemaHook { return hookOnly{l} }},
		{name: "csv", enc: &mapping.CSV{Encoder: &mapping.Encoder{}, Separator: []byte("|")}, targets: fixedTypes{types}, hook: ensurer},
	}
}

func newPipeline(key, value decode.Converter, v variant, log *ensureLog) *Pipeline {
	router, _ := mapping.NewRouter(nil)
	p := &Pipeline{KeyConverter: key, ValueConverter: value, Unwrapper: cdc.New(cdc.Options{}), Router: router, Encoder: v.enc, Targets: v.targets}
	if v.hook != nil {
		p.Schemas = v.hook(log)
	}
	return p
}

// converters returns the converters a record of class runs through: the
// converter itself when it reads flat, and flattener over it.
func converters(t testing.TB, c decode.Converter) map[string]decode.Converter {
	out := map[string]decode.Converter{"flattener": &flattener{Converter: c}}
	if fc, ok := c.(decode.FlatConverter); ok {
		out["own"] = fc
	} else {
		t.Logf("%T does not read flat yet: only the flattener runs over it", c)
	}
	return out
}

// identity runs every record through every variant and converter pair and
// returns how many took the compiled path, per converter name.
func identity(t *testing.T, keyConv, valConv decode.Converter, recs []Input) map[string]int {
	t.Helper()
	fast, stats := map[string]int{}, map[string]int{}
	defer func() {
		if len(stats) > 0 {
			t.Logf("generic results (-v): %v", stats)
		}
	}()
	for cname, vc := range converters(t, valConv) {
		kcs := converters(t, keyConv)
		kc := kcs[cname]
		if kc == nil {
			kc = kcs["flattener"]
		}
		for _, v := range variants() {
			log := &ensureLog{}
			p := newPipeline(kc, vc, v, log)
			ref := &ensureLog{}
			pref := newPipeline(kc, vc, v, ref)
			for i, in := range recs {
				what := fmt.Sprintf("%s/%s record %d (%s)", cname, v.name, i, in.Topic)
				if same(t, p, in, what) {
					fast[cname]++
				}
				if testing.Verbose() {
					r, _ := runRows(t, p, true, in, nil)
					stats[fmt.Sprintf("%s/%s rows=%d error=%v", cname, v.name, r.rows, r.err != "")]++
				}
				// The schema hook sees the same changes on both paths.
				if v.hook != nil {
					runRows(t, pref, true, in, nil)
					got, want := log.take(), ref.take()
					// p ran the record twice (generic, then compiled): the
					// calls of the compiled run repeat those of the first.
					if fmt.Sprint(got) != fmt.Sprint(append(want, want...)) && fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("%s: schema hook calls %v, generic %v", what, got, want)
					}
				}
			}
		}
	}
	return fast
}

// --- the fixtures ----------------------------------------------------------

// TestFastIdentityJSONFixtures: every JsonConverter fixture, with and
// without the fixture key.
func TestFastIdentityJSONFixtures(t *testing.T) {
	regs := decode.NewRegistries()
	on, err := regs.New(decode.ClassJSON, map[string]string{"schemas.enable": "true"})
	if err != nil {
		t.Fatal(err)
	}
	off, _ := regs.New(decode.ClassJSON, map[string]string{"schemas.enable": "false"})
	key := fixtures.Read(t, "mysql240_key_withschema.json")
	var withSchema, without []Input
	for _, f := range fixtures.Names("*.json") {
		if strings.Contains(f, "avrojson") || strings.Contains(f, "jsonschema_envelope_schema") {
			continue
		}
		value := fixtures.Read(t, f)
		in := Input{Topic: "t1", Value: value, Timestamp: -1}
		if strings.HasPrefix(strings.TrimSpace(string(value)), `{"schema"`) {
			withSchema = append(withSchema, in)
			in.Key = key
			withSchema = append(withSchema, in)
		} else {
			without = append(without, in)
		}
	}
	fast := identity(t, on, on, withSchema)
	identity(t, on, off, without)
	// The flattener reads every envelope with a schema flat: at least the
	// inserts, updates, snapshots and deletes of the fixtures are compiled
	// (geometry and arrays are not), in several variants each.
	if fast["flattener"] < 10 {
		t.Errorf("only %d fixture records took the compiled path", fast["flattener"])
	}
	t.Logf("compiled path taken: %v of %d records × %d variants", fast, len(withSchema), len(variants()))
}

// TestFastIdentityAvroFixtures: the Avro fixtures (their Avro-JSON values
// and random records of their schemas) through the Avro converter.
func TestFastIdentityAvroFixtures(t *testing.T) {
	f := srfake.New()
	t.Cleanup(f.Close)
	regs := decode.NewRegistries()
	conv, err := regs.New(decode.ClassAvro, map[string]string{"schema.registry.url": f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	schemas := map[string]*avroType{}
	for _, name := range []string{"mysql2x_avro_envelope_schema.avsc", "pg197_avro_value_schema.avsc", "pg197_avro_key_schema.avsc"} {
		text := fixtures.Text(t, name)
		id, _, err := f.RegisterSchema(name, sr.Schema{Schema: text})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = id
		schemas[name] = parseAvro(t, text)
	}
	var recs []Input
	for value, schema := range map[string]string{
		"pg197_avro_value_r_avrojson.json":  "pg197_avro_value_schema.avsc",
		"mysql200_t_truncate_avrojson.json": "mysql2x_avro_envelope_schema.avsc",
	} {
		dec := json.NewDecoder(strings.NewReader(fixtures.Text(t, value)))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, Input{Topic: "t1", Timestamp: -1, Value: frameAvro(ids[schema], schemas[schema].encode(t, v, nil))})
	}
	r := rand.New(rand.NewPCG(7, 8))
	keyS := schemas["pg197_avro_key_schema.avsc"]
	for _, name := range []string{"mysql2x_avro_envelope_schema.avsc", "pg197_avro_value_schema.avsc"} {
		s := schemas[name]
		for i := 0; i < 150; i++ {
			in := Input{Topic: "t1", Timestamp: -1, Value: frameAvro(ids[name], s.encode(t, s.random(r, true), nil))}
			if name == "pg197_avro_value_schema.avsc" && r.IntN(2) == 0 {
				in.Key = frameAvro(ids["pg197_avro_key_schema.avsc"], keyS.encode(t, keyS.random(r, false), nil))
			}
			recs = append(recs, in)
		}
	}
	fast := identity(t, conv, conv, recs)
	for name, n := range fast {
		if n == 0 {
			t.Errorf("%s: no record took the compiled path", name)
		}
	}
	t.Logf("compiled path taken: %v of %d records × %d variants", fast, len(recs), len(variants()))
}

// --- generated envelopes -----------------------------------------------------

// genCol is one column of a generated row schema, in both JsonConverter's
// schema form and Avro's, with a generator of its values (the JSON payload
// value and the Avro value of one draw).
type genCol struct {
	name    string
	connect map[string]any // JsonConverter field schema, without field and optional
	avro    any            // the Avro type (the non-null branch)
	gen     func(r *rand.Rand) (js, av any)
}

func logicalCol(name, typ, avroType, logical string, gen func(r *rand.Rand) (any, any)) genCol {
	return genCol{name: name, connect: map[string]any{"type": typ, "name": logical, "version": 1},
		avro: map[string]any{"type": avroType, "connect.version": 1, "connect.name": logical}, gen: gen}
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

func decimalCol(name string, precision, scale int) genCol {
	params := map[string]any{"scale": strconv.Itoa(scale), "connect.decimal.precision": strconv.Itoa(precision)}
	return genCol{name: name,
		connect: map[string]any{"type": "bytes", "name": decode.ConnectDecimal, "version": 1, "parameters": params},
		avro:    map[string]any{"type": "bytes", "connect.version": 1, "connect.name": decode.ConnectDecimal, "connect.parameters": params},
		gen: func(r *rand.Rand) (any, any) {
			digits := r.IntN(precision + 2) // sometimes one too many: an overflow
			u := new(big.Int)
			for i := 0; i < digits; i++ {
				u.Mul(u, big.NewInt(10))
				u.Add(u, big.NewInt(int64(r.IntN(10))))
			}
			if r.IntN(3) == 0 {
				u.Neg(u)
			}
			b := flattest.TwosComplement(u)
			return base64.StdEncoding.EncodeToString(b), b
		}}
}

// texts are strings that need escaping, several scripts, the
// placeholder, and text the JSON and CSV encoders refuse.
var texts = []string{"plain", "", `quote " and \ backslash`, "tab\tnew\nline\r", "ünïcødé 😀 中文", "\u2028\u2029", "\x01\x1f", "a|b",
	`\N`, "__debezium_unavailable_value", "name 42"}

func textGen(r *rand.Rand) (any, any) {
	s := pick(r, texts...)
	if r.IntN(4) == 0 {
		s = fmt.Sprintf("v%d", r.Int64())
	}
	return s, s
}

func intGen(lo, hi int64) func(r *rand.Rand) (any, any) {
	return func(r *rand.Rand) (any, any) {
		n := lo + int64(r.Uint64N(uint64(hi)-uint64(lo)))
		if r.IntN(10) == 0 {
			n = pick(r, lo, hi, 0, -1)
		}
		return n, n
	}
}

func columnPool() map[string]genCol {
	cols := []genCol{
		{name: "id", connect: map[string]any{"type": "int64"}, avro: "long", gen: intGen(-5, 1000)},
		{name: "visits", connect: map[string]any{"type": "int64"}, avro: "long", gen: intGen(math.MinInt64/2, math.MaxInt64/2)},
		{name: "notes", connect: map[string]any{"type": "string"}, avro: "string", gen: textGen},
		{name: "name", connect: map[string]any{"type": "string", "parameters": map[string]any{"__debezium.source.column.length": "20"}},
			avro: map[string]any{"type": "string", "connect.parameters": map[string]any{"__debezium.source.column.length": "20"}}, gen: textGen},
		decimalCol("balance", 10, 2),
		decimalCol("big_dec", 40, 5),
		decimalCol("whole", 20, 0),
		logicalCol("updated", "int64", "long", cdc.MicroTimestamp, func(r *rand.Rand) (any, any) {
			n := pick(r, int64(1725885296000001), int64(1712917800000000), -1, 0, int64(253402300800000000), r.Int64N(4e15)-2e15)
			return n, n
		}),
		logicalCol("nanos", "int64", "long", cdc.NanoTimestamp, intGen(-1e18, 1e18)),
		logicalCol("millis", "int64", "long", decode.ConnectTimestamp, intGen(-1e14, 3e14)),
		logicalCol("birth", "int32", "int", cdc.Date, func(r *rand.Rand) (any, any) {
			n := pick(r, int64(8905), 0, -719162, 2932896, 2932897, r.Int64N(40000)-20000)
			return n, int32(n)
		}),
		logicalCol("at", "int64", "long", cdc.MicroTime, intGen(-1e11, 4e12)),
		logicalCol("ms", "int32", "int", decode.ConnectTime, func(r *rand.Rand) (any, any) { n := r.Int64N(86400000); return n, int32(n) }),
		logicalCol("doc", "string", "string", cdc.JSON, func(r *rand.Rand) (any, any) {
			s := pick(r, `{"a":1,"b":[true,null]}`, `[1,2]`, `"str"`, `  {"x": "y"}  `, `not json`, `"a" `, `42`, `{"k":"ü\n"}`)
			return s, s
		}),
		logicalCol("zoned", "string", "string", cdc.ZonedTimestamp, func(r *rand.Rand) (any, any) {
			s := pick(r, "2024-09-09T04:34:56.5Z", "2020-07-17T10:00:22Z", "2024-01-01T10:00:00+02:00", "bad", "9999-12-31T23:59:59Z", "2024-09-09T04:34:56.000000Z")
			return s, s
		}),
		logicalCol("color", "string", "string", cdc.Enum, func(r *rand.Rand) (any, any) { s := pick(r, "red", "green"); return s, s }),
		{name: "score", connect: map[string]any{"type": "double"}, avro: "double", gen: func(r *rand.Rand) (any, any) {
			f := pick(r, 3.25, -0.0, 1e300, 5e-324, r.NormFloat64()*1e6, 0.1)
			return f, f
		}},
		{name: "ratio", connect: map[string]any{"type": "float"}, avro: "float", gen: func(r *rand.Rand) (any, any) {
			f := float64(float32(r.NormFloat64()))
			return f, float32(f)
		}},
		{name: "active", connect: map[string]any{"type": "boolean"}, avro: "boolean", gen: func(r *rand.Rand) (any, any) { b := r.IntN(2) == 0; return b, b }},
		{name: "small", connect: map[string]any{"type": "int16"}, avro: map[string]any{"type": "int", "connect.type": "int16"}, gen: func(r *rand.Rand) (any, any) {
			n := r.Int64N(60000) - 30000
			return n, int32(n)
		}},
		{name: "unsigned", connect: map[string]any{"type": "int64", "parameters": map[string]any{"__debezium.source.column.type": "BIGINT UNSIGNED"}},
			avro: map[string]any{"type": "long", "connect.parameters": map[string]any{"__debezium.source.column.type": "BIGINT UNSIGNED"}}, gen: intGen(math.MinInt64, math.MaxInt64)},
		{name: "blob", connect: map[string]any{"type": "bytes"}, avro: "bytes", gen: func(r *rand.Rand) (any, any) {
			b := make([]byte, r.IntN(6))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return base64.StdEncoding.EncodeToString(b), b
		}},
		{name: "vsd", connect: map[string]any{"type": "struct", "name": cdc.VariableScaleDecimal, "fields": []any{
			map[string]any{"field": "scale", "type": "int32"}, map[string]any{"field": "value", "type": "bytes"}}},
			avro: map[string]any{"type": "record", "name": "VariableScaleDecimal", "namespace": "io.debezium.data", "connect.name": cdc.VariableScaleDecimal,
				"fields": []any{map[string]any{"name": "scale", "type": "int"}, map[string]any{"name": "value", "type": "bytes"}}},
			gen: func(r *rand.Rand) (any, any) {
				b := flattest.TwosComplement(big.NewInt(r.Int64N(1e12) - 5e11))
				sc := int64(r.IntN(8))
				return map[string]any{"scale": sc, "value": base64.StdEncoding.EncodeToString(b)}, map[string]any{"scale": sc, "value": b}
			}},
		{name: "nested", connect: map[string]any{"type": "struct", "name": "gen.Nested", "fields": []any{
			map[string]any{"field": "a", "type": "int32"}, map[string]any{"field": "b", "type": "string", "optional": true}}},
			avro: map[string]any{"type": "record", "name": "Nested", "namespace": "gen", "fields": []any{
				map[string]any{"name": "a", "type": "int"}, map[string]any{"name": "b", "type": []any{"null", "string"}, "default": nil}}},
			gen: func(r *rand.Rand) (any, any) {
				a := r.Int64N(100)
				var b any
				if r.IntN(2) == 0 {
					b = pick(r, texts...)
				}
				return map[string]any{"a": a, "b": b}, map[string]any{"a": a, "b": b}
			}},
		{name: "__op", connect: map[string]any{"type": "string"}, avro: "string", gen: func(r *rand.Rand) (any, any) { return "c", "c" }},
		{name: "u_date", connect: map[string]any{"type": "int32"}, avro: "int", gen: func(r *rand.Rand) (any, any) {
			n := pick(r, int64(8905), r.Int64N(40000)-20000, 2932897)
			return n, int32(n)
		}},
		{name: "u_dt", connect: map[string]any{"type": "int64"}, avro: "long", gen: func(r *rand.Rand) (any, any) {
			n := pick(r, int64(1712917800123), int64(1725885296000001), int64(1725885296123456789), r.Int64N(1e13), int64(math.MaxInt64))
			return n, n
		}},
		{name: "u_json", connect: map[string]any{"type": "string"}, avro: "string", gen: func(r *rand.Rand) (any, any) {
			s := pick(r, `{"a":1}`, ` [1] `, `"s"`, `null`, `nope`)
			return s, s
		}},
		{name: "u_dec", connect: map[string]any{"type": "string"}, avro: "string", gen: func(r *rand.Rand) (any, any) {
			s := pick(r, "MDk=", "12.50", "AP8=", "")
			return s, s
		}},
		{name: "u_zdt", connect: map[string]any{"type": "string"}, avro: "string", gen: func(r *rand.Rand) (any, any) {
			s := pick(r, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00+08:00", "abc", "2024-01-01 00:00:00")
			return s, s
		}},
		{name: "geo", connect: map[string]any{"type": "struct", "name": cdc.Geometry, "fields": []any{
			map[string]any{"field": "wkb", "type": "bytes"}, map[string]any{"field": "srid", "type": "int32", "optional": true}}},
			avro: map[string]any{"type": "record", "name": "Geometry", "namespace": "io.debezium.data.geometry", "connect.name": cdc.Geometry, "fields": []any{
				map[string]any{"name": "wkb", "type": "bytes"}, map[string]any{"name": "srid", "type": []any{"null", "int"}, "default": nil}}},
			gen: func(r *rand.Rand) (any, any) {
				wkb := []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 0, 64}
				return map[string]any{"wkb": base64.StdEncoding.EncodeToString(wkb), "srid": nil}, map[string]any{"wkb": wkb, "srid": nil}
			}},
		{name: "point", connect: map[string]any{"type": "struct", "name": cdc.Point, "fields": []any{
			map[string]any{"field": "x", "type": "double"}, map[string]any{"field": "y", "type": "double"},
			map[string]any{"field": "wkb", "type": "bytes", "optional": true}, map[string]any{"field": "srid", "type": "int32", "optional": true}}},
			avro: map[string]any{"type": "record", "name": "Point", "namespace": "io.debezium.data.geometry", "connect.name": cdc.Point, "fields": []any{
				map[string]any{"name": "x", "type": "double"}, map[string]any{"name": "y", "type": "double"},
				map[string]any{"name": "wkb", "type": []any{"null", "bytes"}, "default": nil}, map[string]any{"name": "srid", "type": []any{"null", "int"}, "default": nil}}},
			gen: func(r *rand.Rand) (any, any) {
				x, y := r.NormFloat64()*100, 1.5
				if r.IntN(2) == 0 { // x and y alone
					return map[string]any{"x": x, "y": y, "wkb": nil, "srid": nil}, map[string]any{"x": x, "y": y, "wkb": nil, "srid": nil}
				}
				wkb := []byte{0, 0, 0, 0, 1, 64, 8, 0, 0, 0, 0, 0, 0, 64, 20, 0, 0, 0, 0, 0, 0} // big-endian POINT(3 5)
				if r.IntN(4) == 0 {
					wkb = wkb[:9] // truncated
				}
				return map[string]any{"x": x, "y": y, "wkb": base64.StdEncoding.EncodeToString(wkb), "srid": int64(4326)}, map[string]any{"x": x, "y": y, "wkb": wkb, "srid": int32(4326)}
			}},
	}
	m := map[string]genCol{}
	for _, c := range cols {
		m[c.name] = c
	}
	return m
}

// genSchemas are the row schemas of the generated envelopes: the
// 10-column row of the benchmarks, and rows of every other column kind.
var genSchemas = [][]string{
	{"id", "name", "notes", "birth", "updated", "balance", "score", "active", "visits", "doc"},
	{"id", "u_date", "u_dt", "u_json", "u_dec", "u_zdt", "unsigned", "blob", "zoned", "at", "small", "ratio", "color"},
	{"id", "vsd", "nested", "__op", "big_dec", "whole", "nanos", "millis", "ms", "name"},
	{"id", "geo", "point", "name"},
}

// genEnvelope is one generated envelope schema in both forms.
type genEnvelope struct {
	cols                 []genCol
	connectKey, connectV map[string]any // JsonConverter schemas
	avroKey, avroValue   string         // Avro schema texts
}

func newGenEnvelope(n int, names []string) genEnvelope {
	pool := columnPool()
	g := genEnvelope{}
	var cfields, afields []any
	for _, name := range names {
		c := pool[name]
		g.cols = append(g.cols, c)
		cf := map[string]any{"field": name, "optional": true}
		for k, v := range c.connect {
			cf[k] = v
		}
		cfields = append(cfields, cf)
		afields = append(afields, map[string]any{"name": name, "type": []any{"null", c.avro}, "default": nil})
	}
	ns := fmt.Sprintf("gen.s%d", n)
	row := map[string]any{"type": "struct", "name": ns + ".Value", "optional": true, "fields": cfields}
	before, after := map[string]any{"field": "before"}, map[string]any{"field": "after"}
	for k, v := range row {
		before[k], after[k] = v, v
	}
	g.connectV = map[string]any{"type": "struct", "name": ns + ".Envelope", "optional": false, "fields": []any{before, after,
		map[string]any{"field": "source", "type": "struct", "name": "io.debezium.connector.mysql.Source", "optional": false, "fields": []any{map[string]any{"field": "connector", "type": "string", "optional": false}}},
		map[string]any{"field": "op", "type": "string", "optional": false},
		map[string]any{"field": "ts_ms", "type": "int64", "optional": true}}}
	g.connectKey = map[string]any{"type": "struct", "name": ns + ".Key", "optional": false, "fields": []any{map[string]any{"field": "id", "type": "int64", "optional": false}}}
	av := map[string]any{"type": "record", "name": "Envelope", "namespace": ns, "connect.name": ns + ".Envelope", "fields": []any{
		map[string]any{"name": "before", "type": []any{"null", map[string]any{"type": "record", "name": "Value", "namespace": ns, "connect.name": ns + ".Value", "fields": afields}}, "default": nil},
		map[string]any{"name": "after", "type": []any{"null", ns + ".Value"}, "default": nil},
		map[string]any{"name": "source", "type": map[string]any{"type": "record", "name": "Source", "namespace": "io.debezium.connector.mysql", "fields": []any{map[string]any{"name": "connector", "type": "string"}}}},
		map[string]any{"name": "op", "type": "string"},
		map[string]any{"name": "ts_ms", "type": []any{"null", "long"}, "default": nil}}}
	b, _ := json.Marshal(av)
	g.avroValue = string(b)
	b, _ = json.Marshal(map[string]any{"type": "record", "name": "Key", "namespace": ns, "connect.name": ns + ".Key", "fields": []any{map[string]any{"name": "id", "type": "long"}}})
	g.avroKey = string(b)
	return g
}

// genRecord is one generated record: its key and value as JsonConverter
// documents and as Avro values.
type genRecord struct {
	jsKey, jsValue any
	avKey, avValue any
}

func (g genEnvelope) record(r *rand.Rand) genRecord {
	image := func() (js, av map[string]any) {
		js, av = map[string]any{}, map[string]any{}
		for _, c := range g.cols {
			if r.IntN(6) == 0 && !(c.name == "id" && r.IntN(4) != 0) {
				js[c.name], av[c.name] = nil, nil
				continue
			}
			js[c.name], av[c.name] = c.gen(r)
		}
		return js, av
	}
	op := pick(r, "c", "c", "r", "u", "u", "d", "d", "t", "m", "x")
	var jb, ab, ja, aa any
	if op == "u" || op == "d" || r.IntN(5) == 0 {
		j, a := image()
		jb, ab = j, a
	}
	if (op == "c" || op == "r" || op == "u") && r.IntN(20) != 0 {
		j, a := image()
		ja, aa = j, a
	}
	if op == "d" && r.IntN(5) == 0 {
		jb, ab = nil, nil // a delete without a before image: the key names the row
	}
	id := r.Int64N(1000)
	env := func(before, after any) map[string]any {
		return map[string]any{"before": before, "after": after, "source": map[string]any{"connector": "mysql"}, "op": op, "ts_ms": int64(1712917800123)}
	}
	rec := genRecord{jsValue: map[string]any{"schema": g.connectV, "payload": env(jb, ja)}, avValue: env(ab, aa)}
	if r.IntN(4) != 0 {
		rec.jsKey = map[string]any{"schema": g.connectKey, "payload": map[string]any{"id": id}}
		rec.avKey = map[string]any{"id": id}
	}
	return rec
}

// TestFastIdentityGenerated: random rows over the generated envelopes,
// through the JsonConverter and the Avro converter.
func TestFastIdentityGenerated(t *testing.T) {
	f := srfake.New()
	t.Cleanup(f.Close)
	regs := decode.NewRegistries()
	js, err := regs.New(decode.ClassJSON, map[string]string{"schemas.enable": "true"})
	if err != nil {
		t.Fatal(err)
	}
	av, err := regs.New(decode.ClassAvro, map[string]string{"schema.registry.url": f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var jsRecs, avRecs []Input
	for n, names := range genSchemas {
		g := newGenEnvelope(n, names)
		vs, ks := parseAvro(t, g.avroValue), parseAvro(t, g.avroKey)
		vid, _, err := f.RegisterSchema(fmt.Sprintf("gen%d-value", n), sr.Schema{Schema: g.avroValue})
		if err != nil {
			t.Fatal(err)
		}
		kid, _, err := f.RegisterSchema(fmt.Sprintf("gen%d-key", n), sr.Schema{Schema: g.avroKey})
		if err != nil {
			t.Fatal(err)
		}
		topic := fmt.Sprintf("gen_s%d", n)
		for i := 0; i < 120; i++ {
			rec := g.record(r)
			in := Input{Topic: topic, Timestamp: -1}
			in.Value, _ = json.Marshal(rec.jsValue)
			if rec.jsKey != nil {
				in.Key, _ = json.Marshal(rec.jsKey)
			}
			jsRecs = append(jsRecs, in)
			in = Input{Topic: topic, Timestamp: -1, Value: frameAvro(vid, vs.encode(t, rec.avValue, nil))}
			if rec.avKey != nil {
				in.Key = frameAvro(kid, ks.encode(t, rec.avKey, nil))
			}
			avRecs = append(avRecs, in)
		}
	}
	for name, c := range map[string]struct {
		conv decode.Converter
		recs []Input
	}{"json": {js, jsRecs}, "avro": {av, avRecs}} {
		fast := identity(t, c.conv, c.conv, c.recs)
		// About half the records are upserts or deletes of a compilable
		// schema, in two of the four variants with a value the encoders
		// accept; the flattener reads all of them flat.
		if fast["flattener"] < len(c.recs)/4 {
			t.Errorf("%s: only %d of %d×%d records took the compiled path", name, fast["flattener"], len(c.recs), len(variants()))
		}
		if n, ok := fast["own"]; ok && n < len(c.recs)/4 {
			t.Errorf("%s: only %d of %d×%d records took the compiled path with the converter's own flat reader", name, n, len(c.recs), len(variants()))
		}
		t.Logf("%s: compiled path taken: %v of %d records × %d variants", name, fast, len(c.recs), len(variants()))
	}
}

// protoSchemas are the row schemas of the generated Protobuf envelopes
// (Protobuf drops Debezium's logical names: the table types retype them).
var protoSchemas = [][]string{
	{"id", "visits", "notes", "name", "birth", "updated", "score", "active", "doc", "blob"},
	{"id", "u_date", "u_dt", "u_json", "u_dec", "u_zdt", "small", "ratio", "nested"},
}

// protoText is the .proto of a generated envelope (message index 0) and
// of its key (index 1).
func protoText(n int, cols []genCol) string {
	var b strings.Builder
	fmt.Fprintf(&b, "syntax = \"proto3\";\npackage gen.p%d;\n", n)
	b.WriteString("message Envelope {\n  Value before = 1;\n  Value after = 2;\n  Source source = 3;\n  string op = 4;\n  int64 ts_ms = 5;\n")
	b.WriteString("  message Source { string connector = 1; }\n  message Nested { int32 a = 1; optional string b = 2; }\n  message Value {\n")
	for i, c := range cols {
		typ := map[any]string{"int64": "int64", "int32": "int32", "int16": "int32", "string": "string", "bytes": "bytes", "double": "double", "float": "float", "boolean": "bool", "struct": "Nested"}[c.connect["type"]]
		opt := "optional "
		if typ == "Nested" {
			opt = ""
		}
		fmt.Fprintf(&b, "    %s%s %s = %d;\n", opt, typ, c.name, i+1)
	}
	b.WriteString("  }\n}\nmessage Key { int64 id = 1; }\n")
	return b.String()
}

// protoMessages compiles a .proto and returns its messages by name.
func protoMessages(t testing.TB, text string) map[string]protoreflect.MessageDescriptor {
	t.Helper()
	comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(map[string]string{"gen.proto": text})})}
	files, err := comp.Compile(context.Background(), "gen.proto")
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	out := map[string]protoreflect.MessageDescriptor{}
	msgs := files[0].Messages()
	for i := 0; i < msgs.Len(); i++ {
		out[string(msgs.Get(i).Name())] = msgs.Get(i)
	}
	return out
}

// protoBytes encodes a JsonConverter payload (nulls as absent fields) as
// the message md.
func protoBytes(t testing.TB, md protoreflect.MessageDescriptor, payload any) []byte {
	t.Helper()
	doc, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	m := dynamicpb.NewMessage(md)
	if err := protojson.Unmarshal(doc, m); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFastIdentityProtobuf: random rows over generated Protobuf envelopes
// through the Protobuf converter, with table types for its untyped values.
func TestFastIdentityProtobuf(t *testing.T) {
	f := srfake.New()
	t.Cleanup(f.Close)
	regs := decode.NewRegistries()
	pc, err := regs.New(decode.ClassProtobuf, map[string]string{"schema.registry.url": f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 12))
	var recs []Input
	for n, names := range protoSchemas {
		g := newGenEnvelope(n, names)
		text := protoText(n, g.cols)
		msgs := protoMessages(t, text)
		id, _, err := f.RegisterSchema(fmt.Sprintf("proto%d", n), sr.Schema{Type: sr.TypeProtobuf, Schema: text})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 150; i++ {
			rec := g.record(r)
			in := Input{Topic: fmt.Sprintf("proto_p%d", n), Timestamp: -1,
				Value: append(decode.AppendConfluentHeader(nil, id, []int{0}), protoBytes(t, msgs["Envelope"], rec.jsValue.(map[string]any)["payload"])...)}
			if rec.avKey != nil {
				in.Key = append(decode.AppendConfluentHeader(nil, id, []int{1}), protoBytes(t, msgs["Key"], rec.avKey)...)
			}
			recs = append(recs, in)
		}
	}
	fast := identity(t, pc, pc, recs)
	for name, n := range fast {
		if n < len(recs)/4 {
			t.Errorf("%s: only %d of %d×%d records took the compiled path", name, n, len(recs), len(variants()))
		}
	}
	t.Logf("compiled path taken: %v of %d records × %d variants", fast, len(recs), len(variants()))
}

// jsonSchemaOf renders a Connect schema as the JSON Schema
// JsonSchemaData writes for it (title for the name, connect.type,
// connect.parameters, oneOf with null for optional, connect.index).
func jsonSchemaOf(s *decode.Schema, index int) map[string]any {
	var m map[string]any
	switch s.Type {
	case decode.TypeStruct:
		props := map[string]any{}
		for i, f := range s.Fields {
			props[f.Name] = jsonSchemaOf(f.Schema, i)
		}
		m = map[string]any{"type": "object", "properties": props}
	case decode.TypeInt8, decode.TypeInt16, decode.TypeInt32, decode.TypeInt64:
		m = map[string]any{"type": "integer", "connect.type": s.Type.String()}
	case decode.TypeFloat32:
		m = map[string]any{"type": "number", "connect.type": "float32"}
	case decode.TypeFloat64:
		m = map[string]any{"type": "number", "connect.type": "float64"}
	case decode.TypeBoolean:
		m = map[string]any{"type": "boolean"}
	case decode.TypeString:
		m = map[string]any{"type": "string"}
	case decode.TypeBytes:
		m = map[string]any{"type": "string", "connect.type": "bytes"}
	}
	if s.Name != "" {
		m["title"] = s.Name
	}
	if len(s.Parameters) > 0 {
		m["connect.parameters"] = s.Parameters
	}
	if s.Optional {
		m = map[string]any{"oneOf": []any{map[string]any{"type": "null"}, m}}
	}
	if index >= 0 {
		m["connect.index"] = index
	}
	return m
}

// TestFastIdentityJSONSchema: the generated envelopes through the JSON
// Schema converter, their schemas registered as JsonSchemaData writes
// them.
func TestFastIdentityJSONSchema(t *testing.T) {
	f := srfake.New()
	t.Cleanup(f.Close)
	regs := decode.NewRegistries()
	js, _ := regs.New(decode.ClassJSON, map[string]string{"schemas.enable": "true"})
	jsc, err := regs.New(decode.ClassJSONSchema, map[string]string{"schema.registry.url": f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(13, 14))
	var recs []Input
	for n, names := range genSchemas {
		g := newGenEnvelope(n, names)
		register := func(subject string, connect map[string]any) int {
			doc, _ := json.Marshal(map[string]any{"schema": connect, "payload": nil})
			rec, err := js.Decode(context.Background(), "t", doc)
			if err != nil {
				t.Fatal(err)
			}
			text, _ := json.Marshal(jsonSchemaOf(rec.Schema, -1))
			id, _, err := f.RegisterSchema(subject, sr.Schema{Type: sr.TypeJSON, Schema: string(text)})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		vid, kid := register(fmt.Sprintf("js%d-value", n), g.connectV), register(fmt.Sprintf("js%d-key", n), g.connectKey)
		for i := 0; i < 100; i++ {
			rec := g.record(r)
			payload, _ := json.Marshal(rec.jsValue.(map[string]any)["payload"])
			in := Input{Topic: fmt.Sprintf("js_s%d", n), Timestamp: -1, Value: append(decode.AppendConfluentHeader(nil, vid, nil), payload...)}
			if rec.jsKey != nil {
				kp, _ := json.Marshal(rec.jsKey.(map[string]any)["payload"])
				in.Key = append(decode.AppendConfluentHeader(nil, kid, nil), kp...)
			}
			recs = append(recs, in)
		}
	}
	fast := identity(t, jsc, jsc, recs)
	for name, n := range fast {
		if n < len(recs)/4 {
			t.Errorf("%s: only %d of %d×%d records took the compiled path", name, n, len(recs), len(variants()))
		}
	}
	t.Logf("compiled path taken: %v of %d records × %d variants", fast, len(recs), len(variants()))
}

// TestFastFallbacks pins what the compiled path leaves to the generic one,
// record by record, with the flattener over the JsonConverter.
func TestFastFallbacks(t *testing.T) {
	regs := decode.NewRegistries()
	js, _ := regs.New(decode.ClassJSON, map[string]string{"schemas.enable": "true"})
	p := newPipeline(&flattener{Converter: js}, &flattener{Converter: js}, variants()[0], nil)
	g := newGenEnvelope(0, genSchemas[0])
	doc := func(op string, before, after map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"schema": g.connectV, "payload": map[string]any{"before": before, "after": after, "source": map[string]any{"connector": "mysql"}, "op": op}})
		return b
	}
	key := func(id int64) []byte {
		b, _ := json.Marshal(map[string]any{"schema": g.connectKey, "payload": map[string]any{"id": id}})
		return b
	}
	row := map[string]any{"id": 1, "name": "a", "balance": "MDk="}
	for _, tc := range []struct {
		name       string
		key, value []byte
		fast       bool
	}{
		{"insert", nil, doc("c", nil, row), true},
		{"insert with key", key(1), doc("c", nil, row), true},
		{"delete holding the key", key(1), doc("d", row, nil), true},
		{"delete without a key", nil, doc("d", row, nil), true},
		{"delete whose before lacks the key value", key(1), doc("d", map[string]any{"id": nil, "name": "a"}, nil), false},
		{"delete without before", key(1), doc("d", nil, nil), false},
		{"unavailable value: a partial update", nil, doc("u", nil, map[string]any{"id": 1, "name": "__debezium_unavailable_value"}), false},
		{"truncate", nil, doc("t", nil, nil), false},
		{"unknown op", nil, doc("x", nil, row), false},
		{"upsert without after", nil, doc("c", row, nil), false},
		{"a value the encoder refuses", nil, doc("c", nil, map[string]any{"id": 1, "doc": "not json"}), false},
		{"tombstone", key(1), nil, false},
		{"bad key", []byte("{"), doc("c", nil, row), false},
	} {
		in := Input{Topic: "t1", Key: tc.key, Value: tc.value, Timestamp: -1}
		if got := same(t, p, in, tc.name); got != tc.fast {
			t.Errorf("%s: compiled %v, want %v", tc.name, got, tc.fast)
		}
	}
}

// TestFastConcurrent runs RowsOf from several goroutines at once over the
// compiled path (run with -race): each gets its own slots.
func TestFastConcurrent(t *testing.T) {
	regs := decode.NewRegistries()
	js, _ := regs.New(decode.ClassJSON, map[string]string{"schemas.enable": "true"})
	p := newPipeline(js, &flattener{Converter: js}, variants()[0], nil)
	g := newGenEnvelope(0, genSchemas[0])
	r := rand.New(rand.NewPCG(3, 4))
	var recs []Input
	var want []result
	for len(recs) < 64 {
		rec := g.record(r)
		in := Input{Topic: "t1", Timestamp: -1}
		in.Value, _ = json.Marshal(rec.jsValue)
		w, _ := runRows(t, p, true, in, nil)
		recs, want = append(recs, in), append(want, w)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for round := 0; round < 20; round++ {
				for i, in := range recs {
					var got result
					out, b, err := p.RowsOf(context.Background(), in, buf, func(table string, h loader.Headers, row []byte) {
						got.lines = append(got.lines, fmt.Sprintf("%s %s|%v\t%s", table, h.Columns, h.PartialUpdate, row))
					})
					buf = b
					got.table, got.reason, got.kind, got.rows = out.Table, out.Event.Reason, out.Event.Kind, out.Rows
					if err != nil {
						got.err, got.stage, got.stop = err.Error(), StageOf(err), errors.Is(err, ErrStop)
					}
					if fmt.Sprint(got) != fmt.Sprint(want[i]) {
						errs <- fmt.Sprintf("record %d: %+v, want %+v", i, got, want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// --- Avro values ---------------------------------------------------------------

// avroType is a parsed Avro schema, enough to write the datums of the
// fixtures and of the generated envelopes.
type avroType struct {
	kind    string // null, boolean, int, long, float, double, bytes, string, enum, fixed, record, union
	name    string
	fields  []avroField
	symbols []string
	size    int
	branch  []*avroType
	ctype   string // connect.type
}

type avroField struct {
	name string
	t    *avroType
}

func parseAvro(t testing.TB, text string) *avroType {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatal(err)
	}
	named := map[string]*avroType{}
	var parse func(v any, ns string) *avroType
	parse = func(v any, ns string) *avroType {
		switch x := v.(type) {
		case string:
			if n, ok := named[x]; ok {
				return n
			}
			if n, ok := named[ns+"."+x]; ok {
				return n
			}
			return &avroType{kind: x}
		case []any:
			u := &avroType{kind: "union"}
			for _, b := range x {
				u.branch = append(u.branch, parse(b, ns))
			}
			return u
		case map[string]any:
			typ, _ := x["type"].(string)
			if typ == "" {
				return parse(x["type"], ns)
			}
			a := &avroType{kind: typ}
			a.ctype, _ = x["connect.type"].(string)
			switch typ {
			case "record", "enum", "fixed":
				name, _ := x["name"].(string)
				if n, ok := x["namespace"].(string); ok && !strings.Contains(name, ".") {
					ns = n
				}
				if !strings.Contains(name, ".") && ns != "" {
					name = ns + "." + name
				}
				a.name = name
				named[name] = a
				if i := strings.LastIndex(name, "."); i >= 0 {
					ns = name[:i]
				}
			}
			switch typ {
			case "record":
				for _, f := range x["fields"].([]any) {
					fm := f.(map[string]any)
					a.fields = append(a.fields, avroField{name: fm["name"].(string), t: parse(fm["type"], ns)})
				}
			case "enum":
				for _, s := range x["symbols"].([]any) {
					a.symbols = append(a.symbols, s.(string))
				}
			case "fixed":
				a.size = int(x["size"].(float64))
			case "array", "map":
				t.Fatalf("avro %s: not used here", typ)
			}
			return a
		}
		t.Fatalf("avro schema %v", v)
		return nil
	}
	return parse(v, "")
}

// encode appends the Avro binary datum of v: Go values of the schema (a
// union's value as it is, or wrapped by branch name as Avro JSON wraps it;
// numbers as int64, int32, float32, float64 or json.Number).
func (a *avroType) encode(t testing.TB, v any, dst []byte) []byte {
	t.Helper()
	num := func() float64 {
		switch n := v.(type) {
		case json.Number:
			f, _ := n.Float64()
			if i, err := n.Int64(); err == nil {
				return float64(i)
			}
			return f
		case int64:
			return float64(n)
		case int32:
			return float64(n)
		case float32:
			return float64(n)
		case float64:
			return n
		}
		t.Fatalf("avro %s: %#v is not a number", a.kind, v)
		return 0
	}
	integer := func() int64 {
		switch n := v.(type) {
		case json.Number:
			i, err := n.Int64()
			if err != nil {
				t.Fatal(err)
			}
			return i
		case int64:
			return n
		case int32:
			return int64(n)
		}
		t.Fatalf("avro %s: %#v is not an integer", a.kind, v)
		return 0
	}
	switch a.kind {
	case "null":
		return dst
	case "boolean":
		if v == true {
			return append(dst, 1)
		}
		return append(dst, 0)
	case "int", "long":
		return binary.AppendVarint(dst, integer())
	case "float":
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(num())))
	case "double":
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(num()))
	case "string":
		s := v.(string)
		return append(binary.AppendVarint(dst, int64(len(s))), s...)
	case "bytes", "fixed":
		var b []byte
		switch x := v.(type) {
		case []byte:
			b = x
		case string: // Avro JSON: one character per byte
			for _, r := range x {
				b = append(b, byte(r))
			}
		}
		if a.kind == "fixed" {
			return append(dst, b...)
		}
		return append(binary.AppendVarint(dst, int64(len(b))), b...)
	case "enum":
		for i, s := range a.symbols {
			if s == v {
				return binary.AppendVarint(dst, int64(i))
			}
		}
		t.Fatalf("enum %s: no symbol %v", a.name, v)
	case "record":
		m := v.(map[string]any)
		for _, f := range a.fields {
			dst = f.t.encode(t, m[f.name], dst)
		}
		return dst
	case "union":
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			for k, x := range m {
				for i, b := range a.branch {
					if b.kind == k || b.name == k {
						return b.encode(t, x, binary.AppendVarint(dst, int64(i)))
					}
				}
			}
		}
		for i, b := range a.branch {
			if (v == nil) == (b.kind == "null") {
				return b.encode(t, v, binary.AppendVarint(dst, int64(i)))
			}
		}
		t.Fatalf("union: no branch for %#v", v)
	}
	t.Fatalf("avro type %s", a.kind)
	return nil
}

// random draws a value of the schema as encode takes it; an envelope's op
// (a top-level field called op) is a Debezium op, mostly c, r, u or d.
func (a *avroType) random(r *rand.Rand, top bool) any {
	switch a.kind {
	case "null":
		return nil
	case "boolean":
		return r.IntN(2) == 0
	case "int":
		switch a.ctype {
		case "int8":
			return int32(r.IntN(256) - 128)
		case "int16":
			return int32(r.IntN(65536) - 32768)
		}
		return int32(r.Uint32())
	case "long":
		return pick(r, r.Int64N(2e15), int64(r.Uint64()), 0, -1)
	case "float":
		return float32(r.NormFloat64() * 100)
	case "double":
		return r.NormFloat64() * 1e6
	case "string":
		return pick(r, texts...)
	case "bytes", "fixed":
		b := make([]byte, r.IntN(5))
		if a.kind == "fixed" {
			b = make([]byte, a.size)
		}
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	case "enum":
		return pick(r, a.symbols...)
	case "record":
		m := map[string]any{}
		for _, f := range a.fields {
			if top && f.name == "op" {
				m[f.name] = pick(r, "c", "r", "u", "d", "d", "t")
				continue
			}
			if f.name == "scale" && f.t.kind == "int" {
				// A VariableScaleDecimal's scale: small (the encoders
				// write -scale zeros for a negative one).
				m[f.name] = int32(r.IntN(20) - 5)
				continue
			}
			m[f.name] = f.t.random(r, false)
		}
		return m
	case "union":
		b := a.branch[r.IntN(len(a.branch))]
		if len(a.branch) == 2 && r.IntN(4) != 0 {
			for _, x := range a.branch {
				if x.kind != "null" {
					b = x // mostly present
				}
			}
		}
		return b.random(r, false)
	}
	panic("avro random " + a.kind)
}

func frameAvro(id int, payload []byte) []byte {
	return append(decode.AppendConfluentHeader(nil, id, nil), payload...)
}

// --- benchmarks ------------------------------------------------------------------

// benchSetup returns a pipeline reading records of the 10-column envelope
// (genSchemas[0], every value present: inserts and updates) in format
// (avro, protobuf or json), and the records.
func benchSetup(b *testing.B, format string) (*Pipeline, []Input) {
	f := srfake.New()
	b.Cleanup(f.Close)
	regs := decode.NewRegistries()
	url := map[string]string{"schema.registry.url": f.URL()}
	g := newGenEnvelope(0, genSchemas[0])
	var conv decode.Converter
	var err error
	var encode func(env map[string]any) []byte
	switch format {
	case "avro":
		conv, err = regs.New(decode.ClassAvro, url)
		id, _, rerr := f.RegisterSchema("bench-value", sr.Schema{Schema: g.avroValue})
		if rerr != nil {
			b.Fatal(rerr)
		}
		vs := parseAvro(b, g.avroValue)
		encode = func(env map[string]any) []byte { return frameAvro(id, vs.encode(b, env, nil)) }
	case "protobuf":
		conv, err = regs.New(decode.ClassProtobuf, url)
		text := protoText(0, g.cols)
		id, _, rerr := f.RegisterSchema("bench-value", sr.Schema{Type: sr.TypeProtobuf, Schema: text})
		if rerr != nil {
			b.Fatal(rerr)
		}
		md := protoMessages(b, text)["Envelope"]
		encode = func(env map[string]any) []byte {
			env = jsonForm(env)
			return append(decode.AppendConfluentHeader(nil, id, []int{0}), protoBytes(b, md, env)...)
		}
	case "json":
		conv, err = regs.New(decode.ClassJSON, map[string]string{"schemas.enable": "true"})
		encode = func(env map[string]any) []byte {
			doc, _ := json.Marshal(map[string]any{"schema": g.connectV, "payload": jsonForm(env)})
			return doc
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	var recs []Input
	for i := 0; i < 64; i++ {
		after := map[string]any{"id": int64(i), "name": "name " + strconv.Itoa(i), "notes": "some notes about this customer", "birth": int32(8905),
			"updated": int64(1725885296000001) + int64(i), "balance": flattest.TwosComplement(big.NewInt(int64(12345 * i))), "score": 3.25 * float64(i),
			"active": i%2 == 0, "visits": int64(i * 7), "doc": `{"a":1}`}
		env := map[string]any{"before": nil, "after": after, "source": map[string]any{"connector": "mysql"}, "op": pick(rand.New(rand.NewPCG(uint64(i), 0)), "c", "u"), "ts_ms": int64(1712917800123)}
		recs = append(recs, Input{Topic: "bench", Timestamp: -1, Value: encode(env)})
	}
	p := newPipeline(conv, conv, variant{enc: &mapping.Encoder{}}, nil)
	// Routed by starrocks.topic2table.map, as Debezium's dotted topic names
	// need.
	if p.Router, err = mapping.NewRouter(map[string]string{"bench": "bench"}); err != nil {
		b.Fatal(err)
	}
	return p, recs
}

// jsonForm is an Avro-valued envelope as JSON payloads write it (bytes as
// base64; the Protobuf row has no Decimal column: it is dropped there).
func jsonForm(env map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range env {
		if row, ok := v.(map[string]any); ok && (k == "after" || k == "before") {
			r := map[string]any{}
			for c, x := range row {
				if bs, ok := x.([]byte); ok {
					x = base64.StdEncoding.EncodeToString(bs)
				}
				r[c] = x
			}
			v = r
		}
		out[k] = v
	}
	return out
}

func benchRows(b *testing.B, generic bool) {
	for _, format := range []string{"avro", "protobuf", "json"} {
		b.Run(format, func(b *testing.B) {
			p, recs := benchSetup(b, format)
			if _, ok := p.ValueConverter.(decode.FlatConverter); !ok && !generic {
				b.Skipf("the %s converter does not read flat", format)
			}
			benchRowsOf(b, p, recs, generic)
		})
	}
}

// benchRowsOf times RowsOf over recs (one row each), on the generic or the
// compiled path.
func benchRowsOf(b *testing.B, p *Pipeline, recs []Input, generic bool) {
	p.Generic = generic
	ctx := context.Background()
	var buf []byte
	emit := func(string, loader.Headers, []byte) {}
	for _, in := range recs { // warm the caches; the rows must be made, on the path asked for
		out, b2, err := p.RowsOf(ctx, in, buf, emit)
		if buf = b2; err != nil || out.Rows != 1 || (out.Event.Changes == nil) == generic {
			b.Fatalf("%+v, %v", out, err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if _, buf, err = p.RowsOf(ctx, recs[i%len(recs)], buf, emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/row")
}

// BenchmarkRowsGeneric and BenchmarkRowsFast: RowsOf over records of the
// 10-column envelope in each format, JSON rows, one row per record (so
// allocs/op is per row too), through the value tree and the compiled
// path.
func BenchmarkRowsGeneric(b *testing.B) { benchRows(b, true) }

func BenchmarkRowsFast(b *testing.B) { benchRows(b, false) }

// benchProtoValue is go run ./bench's Protobuf value schema
// (bench/formats.go, protoSchema) for one topic: the Decimal is
// confluent.type.Decimal with no field_meta, so its Connect schema has no
// scale parameter (scale 0) and every value carries its scale on the wire.
// meta is the amount field's options ("" as in the bench).
func benchProtoValue(meta string) string {
	return `syntax = "proto3";
package bench_orders;

import "confluent/type/decimal.proto";
import "confluent/meta.proto";

message Envelope {
  Value before = 1;
  Value after = 2;
  Source source = 3;
  string op = 4;
  int64 ts_ms = 5;

  message Value {
    int64 id = 1;
    string name = 2;
    string email = 3;
    confluent.type.Decimal amount = 4` + meta + `;
    int64 created_at = 5;
    int32 birth = 6;
    int64 visits = 7;
    double score = 8;
    bool active = 9;
    string attrs = 10;
  }
  message Source {
    string version = 1;
    string connector = 2;
    string name = 3;
    int64 ts_ms = 4;
    string db = 5;
    string table = 6;
  }
}
`
}

// benchProtoRow is bench/formats.go's appendProtoRow, with the Decimal's
// unscaled value and wire scale given (the bench writes precision 12 and
// scale 2).
func benchProtoRow(id, unscaled int64, scale int32, active bool) []byte {
	var dec []byte
	dec = protowire.AppendTag(dec, 1, protowire.BytesType)
	dec = protowire.AppendBytes(dec, flattest.TwosComplement(big.NewInt(unscaled)))
	dec = protowire.AppendTag(dec, 2, protowire.VarintType)
	dec = protowire.AppendVarint(dec, 12)
	dec = protowire.AppendTag(dec, 3, protowire.VarintType)
	dec = protowire.AppendVarint(dec, uint64(int64(scale)))
	var v []byte
	v = protowire.AppendTag(v, 1, protowire.VarintType)
	v = protowire.AppendVarint(v, uint64(id))
	v = protowire.AppendTag(v, 2, protowire.BytesType)
	v = protowire.AppendString(v, "name "+strconv.FormatInt(id, 10))
	v = protowire.AppendTag(v, 3, protowire.BytesType)
	v = protowire.AppendString(v, "user"+strconv.FormatInt(id, 10)+"@example.com")
	v = protowire.AppendTag(v, 4, protowire.BytesType)
	v = protowire.AppendBytes(v, dec)
	v = protowire.AppendTag(v, 5, protowire.VarintType)
	v = protowire.AppendVarint(v, uint64(1725885296000001+id))
	v = protowire.AppendTag(v, 6, protowire.VarintType)
	v = protowire.AppendVarint(v, uint64(int64(int32(8905-id))))
	v = protowire.AppendTag(v, 7, protowire.VarintType)
	v = protowire.AppendVarint(v, uint64(id*7))
	v = protowire.AppendTag(v, 8, protowire.Fixed64Type)
	v = protowire.AppendFixed64(v, math.Float64bits(3.25*float64(id)))
	if active { // proto3 leaves false out
		v = protowire.AppendTag(v, 9, protowire.VarintType)
		v = protowire.AppendVarint(v, 1)
	}
	v = protowire.AppendTag(v, 10, protowire.BytesType)
	v = protowire.AppendString(v, `{"tier":"gold","n":`+strconv.FormatInt(id, 10)+`}`)
	return v
}

// benchProtoEnvelope is bench/formats.go's protoFormat.Append: before and
// after rows (nil: absent), a Source, op and ts_ms.
func benchProtoEnvelope(id int, op string, before, after []byte) []byte {
	dst := decode.AppendConfluentHeader(nil, id, []int{0})
	if before != nil {
		dst = protowire.AppendTag(dst, 1, protowire.BytesType)
		dst = protowire.AppendBytes(dst, before)
	}
	if after != nil {
		dst = protowire.AppendTag(dst, 2, protowire.BytesType)
		dst = protowire.AppendBytes(dst, after)
	}
	var src []byte
	for i, s := range []string{"2.7.0.Final", "mysql", "bench"} {
		src = protowire.AppendTag(src, protowire.Number(i+1), protowire.BytesType)
		src = protowire.AppendString(src, s)
	}
	src = protowire.AppendTag(src, 4, protowire.VarintType)
	src = protowire.AppendVarint(src, 1712917800000)
	src = protowire.AppendTag(src, 5, protowire.BytesType)
	src = protowire.AppendString(src, "shop")
	src = protowire.AppendTag(src, 6, protowire.BytesType)
	src = protowire.AppendString(src, "orders")
	dst = protowire.AppendTag(dst, 3, protowire.BytesType)
	dst = protowire.AppendBytes(dst, src)
	dst = protowire.AppendTag(dst, 4, protowire.BytesType)
	dst = protowire.AppendString(dst, op)
	dst = protowire.AppendTag(dst, 5, protowire.VarintType)
	return protowire.AppendVarint(dst, 1712917800123)
}

// TestFastProtobufBenchSchema runs go run ./bench's Protobuf records (its
// schema and payloads, copied) through RowsOf: every upsert and delete
// takes the compiled path with the Protobuf converter's own flat reader,
// and the rows are byte-identical to the generic path's in every variant.
// The Decimal's wire scale is the bench's (2, with no scale in the
// schema), and also equal to the schema's (field_meta scale 2), larger,
// smaller, zero and negative, with values that fit the column and values
// the encoder refuses (more integer digits than DECIMAL(12,s) holds).
func TestFastProtobufBenchSchema(t *testing.T) {
	f := srfake.New()
	t.Cleanup(f.Close)
	pc, err := decode.NewRegistries().New(decode.ClassProtobuf, map[string]string{"schema.registry.url": f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	keyID, _, err := f.RegisterSchema("bench_orders-key", sr.Schema{Type: sr.TypeProtobuf, Schema: "syntax = \"proto3\";\npackage bench_orders;\n\nmessage Key {\n  int64 id = 1;\n}\n"})
	if err != nil {
		t.Fatal(err)
	}
	key := func(id int64) []byte {
		k := decode.AppendConfluentHeader(nil, keyID, []int{0})
		return protowire.AppendVarint(protowire.AppendTag(k, 1, protowire.VarintType), uint64(id))
	}
	for _, sc := range []struct {
		name, meta string
		scales     []int32 // wire scales
	}{
		{"bench (no scale parameter)", "", []int32{2, 0, 5, -3, -30}},
		{"scale parameter 2", ` [(confluent.field_meta) = { params: [ { key: "precision", value: "12" }, { key: "scale", value: "2" } ] }]`, []int32{2, 0, 4, -1}},
	} {
		id, _, err := f.RegisterSchema("bench_orders-value-"+strconv.Itoa(len(sc.meta)), sr.Schema{Type: sr.TypeProtobuf, Schema: benchProtoValue(sc.meta)})
		if err != nil {
			t.Fatal(err)
		}
		var recs, refused []Input
		for i, scale := range sc.scales {
			for j, unscaled := range []int64{12345, -12345, 0, 7, -1, 99999999999, 1 << 40} {
				n := int64(10*i + j + 1)
				row := benchProtoRow(n, unscaled, scale, j%2 == 0)
				in := []Input{
					{Topic: "bench_orders", Timestamp: -1, Key: key(n), Value: benchProtoEnvelope(id, "c", nil, row)},
					{Topic: "bench_orders", Timestamp: -1, Key: key(n), Value: benchProtoEnvelope(id, "u", benchProtoRow(n, 1, 2, false), row)},
					{Topic: "bench_orders", Timestamp: -1, Key: key(n), Value: benchProtoEnvelope(id, "d", row, nil)},
				}
				// The column is VARCHAR without parameters (each value
				// has its own scale: any value is exact text) and
				// DECIMAL(12,2) with them: it holds 10 integer digits (the
				// value's text has len(unscaled) - scale of them) and 2
				// after the point (StarRocks would round more).
				digits := len(strconv.FormatInt(max(unscaled, -unscaled), 10)) - int(scale)
				if unscaled == 0 {
					digits = 0
				}
				if sc.meta != "" && (digits > 10 || scale > 2) {
					refused = append(refused, in...)
				} else {
					recs = append(recs, in...)
				}
			}
		}
		if (len(refused) == 0) != (sc.meta == "") {
			t.Fatalf("%s: %d values the encoder refuses", sc.name, len(refused))
		}
		identity(t, pc, pc, append(recs, refused...))
		// With the plain JSON encoder every fitting record is made by the
		// compiled path, each refused one by the generic path (which
		// reports the error).
		p := newPipeline(pc, pc, variants()[0], nil)
		for i, in := range recs {
			if !same(t, p, in, fmt.Sprintf("%s: record %d", sc.name, i)) {
				rec, err := pc.Decode(context.Background(), in.Topic, in.Value)
				t.Fatalf("%s: record %d took the generic path (%v)\n%s", sc.name, i, err, rec.Value)
			}
		}
		for i, in := range refused {
			if same(t, p, in, fmt.Sprintf("%s: refused record %d", sc.name, i)) {
				t.Fatalf("%s: refused record %d took the compiled path", sc.name, i)
			}
			if r, _ := runRows(t, p, false, in, nil); !strings.Contains(r.err, "integer digits") && !strings.Contains(r.err, "after the point") {
				t.Fatalf("%s: refused record %d: error %q", sc.name, i, r.err)
			}
		}
	}
}

// BenchmarkRowsBenchProtobuf: RowsOf over go run ./bench's Protobuf
// records (a Decimal with its scale on the wire), through the value tree
// and the compiled path.
func BenchmarkRowsBenchProtobuf(b *testing.B) {
	f := srfake.New()
	b.Cleanup(f.Close)
	pc, err := decode.NewRegistries().New(decode.ClassProtobuf, map[string]string{"schema.registry.url": f.URL()})
	if err != nil {
		b.Fatal(err)
	}
	id, _, err := f.RegisterSchema("bench_orders-value", sr.Schema{Type: sr.TypeProtobuf, Schema: benchProtoValue("")})
	if err != nil {
		b.Fatal(err)
	}
	var recs []Input
	for i := int64(0); i < 64; i++ {
		recs = append(recs, Input{Topic: "bench_orders", Timestamp: -1, Value: benchProtoEnvelope(id, "c", nil, benchProtoRow(i, 12345*i, 2, i%2 == 0))})
	}
	for _, generic := range []bool{true, false} {
		b.Run(map[bool]string{true: "generic", false: "fast"}[generic], func(b *testing.B) {
			benchRowsOf(b, newPipeline(pc, pc, variant{enc: &mapping.Encoder{}}, nil), recs, generic)
		})
	}
}
