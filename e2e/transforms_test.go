package e2e

import (
	"fmt"
	"maps"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// customerSchema is the Connect schema JsonConverter writes for a Debezium
// MySQL customers envelope (schemas.enable=true).
const customerSchema = `{"type":"struct","name":"dbserver1.inventory.customers.Envelope","optional":false,"fields":[` +
	`{"field":"before","type":"struct","optional":true,"name":"dbserver1.inventory.customers.Value","fields":[{"field":"id","type":"int32","optional":false},{"field":"name","type":"string","optional":true}]},` +
	`{"field":"after","type":"struct","optional":true,"name":"dbserver1.inventory.customers.Value","fields":[{"field":"id","type":"int32","optional":false},{"field":"name","type":"string","optional":true}]},` +
	`{"field":"source","type":"struct","optional":false,"name":"io.debezium.connector.mysql.Source","fields":[{"field":"connector","type":"string","optional":false},{"field":"db","type":"string","optional":false},{"field":"table","type":"string","optional":false}]},` +
	`{"field":"op","type":"string","optional":false},{"field":"ts_ms","type":"int64","optional":true}]}`

// schemaEvent is a Debezium change event of customer (id, name) with its
// schema, and its key; op "d" has the row as before, others as after.
func schemaEvent(topic, op string, id int, name string) *kgo.Record {
	row := fmt.Sprintf(`{"id":%d,"name":%q}`, id, name)
	before, after := "null", row
	if op == "d" {
		before, after = row, "null"
	}
	return &kgo.Record{Topic: topic, Key: schemaKey(id), Value: []byte(`{"schema":` + customerSchema + `,"payload":{"before":` + before + `,"after":` + after +
		`,"source":{"connector":"mysql","db":"inventory","table":"customers"},"op":"` + op + `","ts_ms":1712917800123}}`)}
}

func schemaKey(id int) []byte {
	return []byte(fmt.Sprintf(`{"schema":{"type":"struct","name":"dbserver1.inventory.customers.Key","optional":false,"fields":[{"field":"id","type":"int32","optional":false}]},"payload":{"id":%d}}`, id))
}

// TestDeleteModes: what becomes a delete follows the transform chain, as in
// Kafka Connect: only a record that carries __op=1 after the chain deletes
// (the StarRocks connector's addfield transform, or starcdc's native mode
// without transforms). ExtractNewRecordState alone keeps deleted rows (soft
// deletes with __deleted in rewrite mode; dropped deletes in drop and none
// modes). The stream has creates, an update, a delete with its tombstone,
// and a primary-key change (1 → 11: a delete of 1, its tombstone, a create
// of 11). Tables are auto-created from the records the chain leaves.
func TestDeleteModes(t *testing.T) {
	unwrap := map[string]string{"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := maps.Clone(m)
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	row := func(id, name string, deleted ...string) map[string]any {
		r := map[string]any{"id": id, "name": name}
		if len(deleted) > 0 {
			r["__deleted"] = deleted[0]
		}
		return r
	}
	for _, tc := range []struct {
		name       string
		transforms map[string]string
		want       []map[string]any
	}{
		{"native", nil, []map[string]any{row("2", "b2"), row("11", "a")}},
		{"addfield-unwrap-rewrite", map[string]string{
			"transforms": "addfield,unwrap", "transforms.addfield.type": "com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord",
			"transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState", "transforms.unwrap.delete.handling.mode": "rewrite",
		}, []map[string]any{row("2", "b2", "false"), row("11", "a", "false")}},
		{"unwrap-rewrite", with(unwrap, "transforms.unwrap.delete.handling.mode", "rewrite"),
			[]map[string]any{row("1", "a", "true"), row("2", "b2", "false"), row("3", "c", "true"), row("11", "a", "false")}},
		{"unwrap-drop", with(unwrap, "transforms.unwrap.delete.handling.mode", "drop"),
			[]map[string]any{row("1", "a"), row("2", "b2"), row("3", "c"), row("11", "a")}},
		{"unwrap-none", with(unwrap, "transforms.unwrap.delete.handling.mode", "none"),
			[]map[string]any{row("1", "a"), row("2", "b2"), row("3", "c"), row("11", "a")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startStack(t)
			topic := "dm"
			props := connectorProps(s, "dm", true, topic, topic+":customers")
			props["starrocks.auto.create.tables"] = "true"
			props["starrocks.table.replication.num"] = "1"
			maps.Copy(props, tc.transforms)
			tomb := func(id int) *kgo.Record { return &kgo.Record{Topic: topic, Key: schemaKey(id)} }
			produceAll(t, s, []*kgo.Record{
				schemaEvent(topic, "c", 1, "a"), schemaEvent(topic, "c", 2, "b"), schemaEvent(topic, "c", 3, "c"),
				schemaEvent(topic, "u", 2, "b2"),
				schemaEvent(topic, "d", 3, "c"), tomb(3),
				schemaEvent(topic, "d", 1, "a"), tomb(1), schemaEvent(topic, "c", 11, "a"),
			})
			r := startReplicator(t, props)
			drain(t, s, r.group, topic)
			r.stop(t)
			got := rows(t, s, "customers")
			for _, g := range got {
				delete(g, "__op") // never a column: StarRocks reads it as the operation
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("table:\n got  %v\n want %v", got, tc.want)
			}
		})
	}
}
