package transform

import (
	"strings"
	"testing"
)

// outboxJSON is an outbox-table change event as Debezium's PostgreSQL
// connector writes it through JsonConverter (hand-built on the layout of
// the Debezium outbox example: id uuid, aggregatetype, aggregateid, type,
// payload as JSON text).
func outboxJSON(op, payload string) string {
	row := `{"type":"struct","fields":[{"type":"string","optional":false,"name":"io.debezium.data.Uuid","version":1,"field":"id"},` +
		`{"type":"string","optional":false,"field":"aggregatetype"},{"type":"string","optional":false,"field":"aggregateid"},` +
		`{"type":"string","optional":false,"field":"type"},{"type":"string","optional":true,"field":"payload"},` +
		`{"type":"int32","optional":true,"field":"shard"}],"optional":true,"name":"dbserver1.public.outboxevent.Value","field":"%s"}`
	schema := `{"type":"struct","name":"dbserver1.public.outboxevent.Envelope","optional":false,"fields":[` +
		strings.Replace(row, "%s", "before", 1) + "," + strings.Replace(row, "%s", "after", 1) + "," +
		`{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"}]}`
	after := `{"id":"406c07f3-26f0-4eea-a50c-109940064b8f","aggregatetype":"Order","aggregateid":"1","type":"OrderCreated","payload":` + payload + `,"shard":3}`
	before, aft := "null", after
	if op == "d" {
		before, aft = after, "null"
	}
	if op == "u" {
		before = after
	}
	return `{"schema":` + schema + `,"payload":{"before":` + before + `,"after":` + aft + `,"op":"` + op + `","ts_ms":1700000000123}}`
}

func outboxRecord(t *testing.T, op, payload string) *Record {
	return &Record{Topic: "dbserver1.public.outboxevent", Partition: 2, Timestamp: 5, Value: decodeJSON(t, outboxJSON(op, payload), true)}
}

func TestEventRouter(t *testing.T) {
	const text = `"{\"id\":1,\"lines\":[{\"sku\":\"a\",\"qty\":2}],\"note\":null}"`
	for _, tc := range []struct {
		name  string
		props map[string]string
		in    *Record
		want  string
	}{
		{"defaults: payload alone, routed by aggregatetype", nil, outboxRecord(t, "c", text),
			`outbox.event.Order | string? | "{\"id\":1,\"lines\":[{\"sku\":\"a\",\"qty\":2}],\"note\":null}" | id=string(io.debezium.data.Uuid):"406c07f3-26f0-4eea-a50c-109940064b8f"`},
		{"snapshot reads too", nil, outboxRecord(t, "r", `"x"`), `outbox.event.Order | string? | "x" | id=string(io.debezium.data.Uuid):"406c07f3-26f0-4eea-a50c-109940064b8f"`},
		{"envelope and header placement", map[string]string{"table.fields.additional.placement": "type:envelope:eventType,aggregateid:header", "route.topic.replacement": "events.${routedByValue}"},
			outboxRecord(t, "c", `"x"`),
			`events.Order | dbserver1.public.outboxevent.Order.Value{payload:string?,eventType:string} | {"payload":"x","eventType":"OrderCreated"} | id=string(io.debezium.data.Uuid):"406c07f3-26f0-4eea-a50c-109940064b8f" | aggregateid=string:"1"`},
		{"expanded JSON payload", map[string]string{"table.expand.json.payload": "true"}, outboxRecord(t, "c", text),
			`outbox.event.Order | payload?{id:int32?,lines:array<payload.lines?>?} | {"id":1,"lines":[{"sku":"a","qty":2}]} | id=string(io.debezium.data.Uuid):"406c07f3-26f0-4eea-a50c-109940064b8f"`},
		{"not JSON: left as it is", map[string]string{"table.expand.json.payload": "true"}, outboxRecord(t, "c", `" {}"`),
			`outbox.event.Order | string? | " {}" | id=string(io.debezium.data.Uuid):"406c07f3-26f0-4eea-a50c-109940064b8f"`},
		{"empty payload as tombstone", map[string]string{"route.tombstone.on.empty.payload": "true"}, outboxRecord(t, "c", `"  "`),
			`outbox.event.Order | nil | null | id=string(io.debezium.data.Uuid):"406c07f3-26f0-4eea-a50c-109940064b8f"`},
		{"deletes dropped", nil, outboxRecord(t, "d", `"x"`), "dropped"},
		{"updates dropped", nil, outboxRecord(t, "u", `"x"`), "dropped"},
		{"updates fatal", map[string]string{"table.op.invalid.behavior": "fatal"}, outboxRecord(t, "u", `"x"`), "error: unexpected update message received null, fail"},
		{"tombstones dropped", nil, tombstone(1), "dropped"},
	} {
		tr := mustTransform(t, newEventRouter, tc.props)
		out, err := tr.Apply(tc.in)
		if got := outcome(out, err); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
		if out != nil && out.Value.Value != nil || tc.name == "empty payload as tombstone" {
			if out.Timestamp != 1700000000123 || renderValue(out.Key.Value) != `"1"` || out.Key.Schema.Type.String() != "string" {
				t.Errorf("%s: timestamp %d key %s", tc.name, out.Timestamp, renderValue(out.Key.Value))
			}
		}
	}
	// The partition placement sets the partition.
	tr := mustTransform(t, newEventRouter, map[string]string{"table.fields.additional.placement": "shard:partition"})
	if out, err := tr.Apply(outboxRecord(t, "c", `"x"`)); err != nil || out.Partition != 3 {
		t.Errorf("partition: %v %v", out, err)
	}
	// A non-envelope passes.
	in := &Record{Value: decodeFixture(t, "pg_txn_begin.json", true)}
	if out, _ := tr.Apply(in); out != in {
		t.Error("non-envelope changed")
	}
	wantConfigError(t, newEventRouter, map[string]string{"table.fields.additional.placement": "a:roof"}, "placement")
	wantConfigError(t, newEventRouter, map[string]string{"tracing.span.context.field": "x"}, "OpenTelemetry")
	wantConfigError(t, newEventRouter, map[string]string{"route.topic.regex": "(?<x>a)(?!b)"}, "route.topic.regex")
	wantConfigError(t, newEventRouter, map[string]string{"field.name.adjustment.mode": "avro"}, "field.name.adjustment.mode")
}
