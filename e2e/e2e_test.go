// Package e2e runs starcdc end to end against the in-process devstack: the
// kfake Kafka cluster, the srfake registry and the StarRocks emulator, all
// over real sockets, with the real Debezium messages of internal/fixtures.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/fixtures"
	"github.com/starcdc/starcdc/metrics"
	"github.com/starcdc/starcdc/replicator"
)

const db = "e2e"

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return bytes.TrimSpace(fixtures.Read(t, name))
}

// asCreate derives a create event from a delete fixture: the same row, so
// that the fixture's delete has something to delete.
func asCreate(t *testing.T, del []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(del, &m); err != nil {
		t.Fatal(err)
	}
	p := m
	if pl, ok := m["payload"].(map[string]any); ok {
		p = pl
	}
	p["after"], p["before"], p["op"] = p["before"], nil, "c"
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func startStack(t *testing.T) *devstack.Stack {
	t.Helper()
	s, err := devstack.Start(devstack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.StarRocks.CreateDatabase(db); err != nil {
		t.Fatal(err)
	}
	return s
}

func createTable(t *testing.T, s *devstack.Stack, name string, cols ...string) {
	t.Helper()
	var cs []starrocks.Column
	for i, c := range cols {
		n, typ, _ := strings.Cut(c, " ")
		cs = append(cs, starrocks.Column{Name: n, Type: typ, Nullable: i > 0})
	}
	if err := s.StarRocks.CreateTable(db, name, cs, []string{cs[0].Name}); err != nil {
		t.Fatal(err)
	}
}

func connectorProps(s *devstack.Stack, name string, schemas bool, topics string, topic2table string) map[string]string {
	sch := "false"
	if schemas {
		sch = "true"
	}
	return map[string]string{
		"bootstrap.servers":              strings.Join(s.Brokers(), ","),
		"name":                           name,
		"connector.class":                "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics":                         topics,
		"starrocks.http.url":             strings.TrimPrefix(s.StarRocks.FEURL(), "http://"),
		"starrocks.username":             "root",
		"starrocks.password":             "",
		"starrocks.database.name":        db,
		"starrocks.topic2table.map":      topic2table,
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   sch,
		"value.converter.schemas.enable": sch,
		"bufferflush.intervalms":         "1000",
		"starrocks.load.min.interval.ms": "100", // keep the suite fast
		// Values without a logical type wait for their table's column
		// types (starrocks.schemaless.types=target, the default), read
		// over the emulator's MySQL port.
		"starrocks.mysql.url": s.StarRocks.MySQLAddr(),
	}
}

type running struct {
	reg    *metrics.Registry
	rep    *replicator.Replicator
	cancel context.CancelFunc
	done   chan error
	group  string
}

func startReplicator(t *testing.T, props map[string]string) *running {
	t.Helper()
	cfg, _, err := config.FromMap(props)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	reg := metrics.New(metrics.BuildInfo{})
	rep, err := replicator.FromConfig(cfg.Worker, cfg.Connectors[0], logger, reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{reg: reg, rep: rep, cancel: cancel, done: make(chan error, 1), group: replicator.GroupID(props["name"])}
	go func() { r.done <- rep.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Error("replicator did not stop within 30s of cancellation")
		}
	})
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("replicator stopped with an error: %v", err)
		}
		r.done <- nil // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("replicator did not stop within 30s")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func produce(t *testing.T, s *devstack.Stack, topic string, kvs ...[2][]byte) {
	t.Helper()
	var recs []*kgo.Record
	for _, kv := range kvs {
		recs = append(recs, &kgo.Record{Topic: topic, Key: kv[0], Value: kv[1]})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
}

func drain(t *testing.T, s *devstack.Stack, group string, topics ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if err := devstack.WaitDrained(ctx, s.Brokers(), group, topics...); err != nil {
		t.Fatal(err)
	}
}

func rows(t *testing.T, s *devstack.Stack, table string) []map[string]any {
	t.Helper()
	got, err := s.StarRocks.Rows(db, table)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func wantRows(t *testing.T, s *devstack.Stack, table string, want []map[string]any) {
	t.Helper()
	got := rows(t, s, table)
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("table %s:\ngot  %s\nwant %s", table, gj, wj)
	}
}

var customerCols = []string{"id INT", "first_name VARCHAR(255)", "last_name VARCHAR(255)", "email VARCHAR(255)"}

func cust(id, first, last, email string) map[string]any {
	return map[string]any{"id": id, "first_name": first, "last_name": last, "email": email}
}

// TestMySQLWithSchemas replays the MySQL fixtures written by JsonConverter
// with schemas.enable=true: snapshot read, update, create + delete +
// tombstone, and Debezium logical types.
func TestMySQLWithSchemas(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "customers", customerCols...)
	createTable(t, s, "logical", "id INT", "name VARCHAR(255)", "age INT", "email VARCHAR(255)", "birth_date DATE",
		"integer_column INT", "float_column FLOAT", "decimal_column DECIMAL(10,2)", "datetime_column DATETIME", "date_column DATE",
		"time_column VARCHAR(32)", "text_column STRING", "varchar_column VARCHAR(255)", "binary_column VARCHAR(255)", "blob_column STRING", "is_active SMALLINT")

	key := func(id string) []byte {
		return []byte(`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"dbserver1.inventory.customers.Key"},"payload":{"id":` + id + `}}`)
	}
	del := fixture(t, "mysql195_d_withschema.json")
	produce(t, s, "dbserver1.inventory.customers",
		[2][]byte{key("1001"), fixture(t, "mysql195_r_snapshot_withschema.json")},
		[2][]byte{key("1004"), fixture(t, "mysql195_u_withschema.json")},
		[2][]byte{key("1006"), asCreate(t, del)},
		[2][]byte{key("1006"), del},
		[2][]byte{key("1006"), nil}, // tombstone
	)
	produce(t, s, "dbserver1.inventory.logical", [2][]byte{key("8"), fixture(t, "mysql254_c_logical_types_withschema.json")})
	// Transaction metadata and schema-change records yield no row (their
	// table does not even exist), but their offsets are committed too.
	produce(t, s, "dbserver1.transaction",
		[2][]byte{nil, fixture(t, "pg_txn_begin.json")},
		[2][]byte{nil, fixture(t, "pg_txn_end.json")},
		[2][]byte{nil, fixture(t, "mysql242_schema_change_event.json")})

	topics := []string{"dbserver1.inventory.customers", "dbserver1.inventory.logical", "dbserver1.transaction"}
	r := startReplicator(t, connectorProps(s, "mysql-schemas", true, strings.Join(topics, ","),
		"dbserver1.inventory.customers:customers,dbserver1.inventory.logical:logical,dbserver1.transaction:txmeta"))
	drain(t, s, r.group, topics...)

	wantRows(t, s, "customers", []map[string]any{
		cust("1001", "Sally", "Thomas", "sally.thomas@acme.com"),
		cust("1004", "Anne1", "Kretchmar", "annek@noanswer.org"),
	})
	if st := s.StarRocks.Stats(db, "customers"); st.DeletedRows != 1 {
		t.Errorf("customers: %d rows deleted, want 1 (the fixture's delete of 1006)", st.DeletedRows)
	}
	// Values: docs/debezium.md §3.1 — Date 8905 → 1994-05-20, Timestamp
	// 1712917800000 → 2024-04-12 10:30:00 (wall clock, no zone shift),
	// MicroTime 37800000000 → 10:30:00, Decimal "MDk=" scale 2 → 123.45.
	wantRows(t, s, "logical", []map[string]any{{
		"id": "8", "name": "Jfohn Doe", "age": "430", "email": "john@example.com", "birth_date": "1994-05-20",
		"integer_column": "12323", "float_column": "45.67", "decimal_column": "123.45", "datetime_column": "2024-04-12 10:30:00",
		"date_column": "2024-04-12", "time_column": "10:30:00", "text_column": "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
		"varchar_column": nil, "binary_column": "EjRWeJCrze8AAA==", "blob_column": nil, "is_active": "2",
	}})

	// The delete of the same row, in a later batch, removes it.
	produce(t, s, "dbserver1.inventory.logical",
		[2][]byte{key("8"), fixture(t, "mysql254_d_logical_types_withschema.json")},
		[2][]byte{key("8"), nil})
	drain(t, s, r.group, topics...)
	wantRows(t, s, "logical", []map[string]any{})
	r.stop(t)

	var text strings.Builder
	r.reg.WriteText(&text)
	for _, want := range []string{
		`starcdc_records_total{connector="mysql-schemas"} 11`,
		`starcdc_rows_total{connector="mysql-schemas"} 6`,
		`starcdc_records_skipped_total{connector="mysql-schemas"} 5`,
		`starcdc_load_rows_total{connector="mysql-schemas",table="customers"} 4`,
		`starcdc_loads_total{connector="mysql-schemas",result="ok",table="logical"}`,
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, text.String())
		}
	}
}

// TestSchemaless replays JsonConverter schemas.enable=false fixtures of MySQL
// and PostgreSQL: deletes work without a Connect schema (the Java
// connector's transforms cannot do that).
func TestSchemaless(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "customers", customerCols...)
	createTable(t, s, "products", "id INT", "name VARCHAR(255)", "description VARCHAR(512)", "weight DOUBLE")

	del := fixture(t, "mysql195_d_noschema.json")
	produce(t, s, "mysql.customers",
		[2][]byte{[]byte(`{"id":1005}`), fixture(t, "mysql195_c_noschema.json")},
		[2][]byte{[]byte(`{"id":1004}`), fixture(t, "mysql301_r_snapshot_noschema.json")},
		[2][]byte{[]byte(`{"id":1006}`), asCreate(t, del)},
		[2][]byte{[]byte(`{"id":1006}`), del},
		[2][]byte{[]byte(`{"id":1006}`), nil},
	)
	pgDel := fixture(t, "pg121_d_replica_full_noschema.json")
	produce(t, s, "pg.products",
		[2][]byte{[]byte(`{"id":101}`), fixture(t, "pg121_r_snapshot_noschema.json")},
		[2][]byte{[]byte(`{"id":111}`), asCreate(t, pgDel)},
		[2][]byte{[]byte(`{"id":111}`), pgDel},
		[2][]byte{[]byte(`{"id":111}`), nil},
	)
	topics := []string{"mysql.customers", "pg.products"}
	r := startReplicator(t, connectorProps(s, "schemaless", false, strings.Join(topics, ","), "mysql.customers:customers,pg.products:products"))
	drain(t, s, r.group, topics...)
	r.stop(t)

	wantRows(t, s, "customers", []map[string]any{
		cust("1004", "Anne", "Kretchmar", "annek@noanswer.org"),
		cust("1005", "add", "add", "add"),
	})
	wantRows(t, s, "products", []map[string]any{
		{"id": "101", "name": "scooter", "description": "Small 2-wheel scooter", "weight": "3.14"},
	})
	for table, want := range map[string]int64{"customers": 1, "products": 1} {
		if st := s.StarRocks.Stats(db, table); st.DeletedRows != want {
			t.Errorf("%s: %d rows deleted, want %d", table, st.DeletedRows, want)
		}
	}
}

// TestMalformedRecordStops: with errors.tolerance=none (the default) an
// undecodable record stops the pipeline with an error naming it; the rows
// before it are loaded and committed, it and what follows are not.
func TestMalformedRecordStops(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "customers", customerCols...)
	produce(t, s, "bad.topic",
		[2][]byte{nil, fixture(t, "mysql195_r_snapshot_withschema.json")},
		[2][]byte{nil, []byte(`{"schema":{"type":"struct"`)},
		[2][]byte{nil, fixture(t, "mysql195_u_withschema.json")},
	)
	r := startReplicator(t, connectorProps(s, "bad", true, "bad.topic", "bad.topic:customers"))
	var err error
	select {
	case err = <-r.done:
		r.done <- nil
	case <-time.After(30 * time.Second):
		t.Fatal("the replicator did not stop on a malformed record")
	}
	if err == nil || !strings.Contains(err.Error(), "record bad.topic/0/1") || !strings.Contains(err.Error(), "errors.tolerance") {
		t.Fatalf("error = %v; want one naming record bad.topic/0/1 and errors.tolerance", err)
	}
	lag, lerr := devstack.Lag(context.Background(), s.Brokers(), r.group, "bad.topic")
	if lerr != nil || lag != 2 {
		t.Fatalf("lag = %d, %v; want 2 (committed up to the malformed record, offset 1)", lag, lerr)
	}
	wantRows(t, s, "customers", []map[string]any{cust("1001", "Sally", "Thomas", "sally.thomas@acme.com")})
}

// TestMalformedRecordToleranceAll: errors.tolerance=all logs and skips it.
func TestMalformedRecordToleranceAll(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "customers", customerCols...)
	produce(t, s, "bad.topic",
		[2][]byte{nil, fixture(t, "mysql195_r_snapshot_withschema.json")},
		[2][]byte{nil, []byte(`not json`)},
		[2][]byte{nil, fixture(t, "mysql195_u_withschema.json")},
	)
	props := connectorProps(s, "tolerant", true, "bad.topic", "bad.topic:customers")
	props["errors.tolerance"] = "all"
	r := startReplicator(t, props)
	drain(t, s, r.group, "bad.topic")
	r.stop(t)
	wantRows(t, s, "customers", []map[string]any{
		cust("1001", "Sally", "Thomas", "sally.thomas@acme.com"),
		cust("1004", "Anne1", "Kretchmar", "annek@noanswer.org"),
	})
	if st := r.rep.Stats(); st.Dead != 1 {
		t.Errorf("dead-lettered records = %d, want 1", st.Dead)
	}
}

// TestRestartResumes: a second process with the same connector name takes
// over the committed offsets and loads only what came after them.
func TestRestartResumes(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "customers", customerCols...)
	props := connectorProps(s, "resume", true, "c", "c:customers")
	produce(t, s, "c", [2][]byte{nil, fixture(t, "mysql195_r_snapshot_withschema.json")})
	r := startReplicator(t, props)
	drain(t, s, r.group, "c")
	r.stop(t)
	loads := s.StarRocks.Stats(db, "customers").Loads

	produce(t, s, "c", [2][]byte{nil, fixture(t, "mysql195_u_withschema.json")})
	r2 := startReplicator(t, props)
	drain(t, s, r2.group, "c")
	r2.stop(t)
	wantRows(t, s, "customers", []map[string]any{
		cust("1001", "Sally", "Thomas", "sally.thomas@acme.com"),
		cust("1004", "Anne1", "Kretchmar", "annek@noanswer.org"),
	})
	if st := s.StarRocks.Stats(db, "customers"); st.Loads != loads+1 || st.LoadedRows != 2 {
		t.Errorf("after restart: %d loads / %d rows loaded in all, want %d / 2: the second process must not reload the first record", st.Loads, st.LoadedRows, loads+1)
	}
}

// TestTwoProcessesOneGroup: two replicators with the same connector name
// share the partitions through the Kafka group protocol; when one stops, the
// other takes over its partitions from the committed offsets, and nothing is
// lost.
func TestTwoProcessesOneGroup(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "customers", customerCols...)
	if err := s.Kafka.CreateTopic("multi", 4, nil); err != nil {
		t.Fatal(err)
	}
	event := func(op string, id int, last string) *kgo.Record { return customerEvent("multi", 4, op, id, last) }
	produceRecs := func(recs []*kgo.Record) { produceAll(t, s, recs) }
	props := connectorProps(s, "shared", false, "multi", "multi:customers")
	// Two processes on one host: each needs its own group instance id.
	a := startReplicator(t, withInstanceID(props, "shared-a"))
	b := startReplicator(t, withInstanceID(props, "shared-b"))
	waitMembers(t, s, a.group, 2)

	var recs []*kgo.Record
	for id := 1; id <= 200; id++ {
		recs = append(recs, event("c", id, "v1"))
	}
	produceRecs(recs)
	drain(t, s, a.group, "multi")
	a.stop(t) // its partitions move to b

	recs = recs[:0]
	for id := 1; id <= 200; id++ {
		if id%10 == 0 {
			recs = append(recs, event("d", id, "v1"), &kgo.Record{Topic: "multi", Partition: int32(id % 4), Key: []byte(fmt.Sprintf(`{"id":%d}`, id))})
		} else {
			recs = append(recs, event("u", id, "v2"))
		}
	}
	produceRecs(recs)
	drain(t, s, b.group, "multi")
	b.stop(t)

	got := rows(t, s, "customers")
	if len(got) != 180 {
		t.Fatalf("%d rows, want 180", len(got))
	}
	for _, r := range got {
		if r["last_name"] != "v2" {
			t.Fatalf("row %v was not updated", r)
		}
		if id := r["id"].(string); strings.HasSuffix(id, "0") {
			t.Fatalf("row %v should have been deleted", r)
		}
	}
	if sa, sb := a.rep.Stats(), b.rep.Stats(); sa.Records == 0 || sb.Records == 0 {
		t.Errorf("the two processes did not share the work: %d and %d records", sa.Records, sb.Records)
	}
}

// customerEvent is a schemaless Debezium change event of customer id into
// topic, in partition id % partitions: op c, u (after = the row with
// last_name last) or d (before = that row).
func customerEvent(topic string, partitions int, op string, id int, last string) *kgo.Record {
	row := fmt.Sprintf(`{"id":%d,"first_name":"f%d","last_name":%q,"email":"e%d@x"}`, id, id, last, id)
	before, after := "null", row
	if op == "d" {
		before, after = row, "null"
	}
	return &kgo.Record{Topic: topic, Partition: int32(id % partitions), Key: []byte(fmt.Sprintf(`{"id":%d}`, id)),
		Value: []byte(fmt.Sprintf(`{"before":%s,"after":%s,"source":{"connector":"mysql"},"op":%q}`, before, after, op))}
}

// produceAll writes recs to their partitions and fails t on an error.
func produceAll(t *testing.T, s *devstack.Stack, recs []*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Produce(ctx, recs...); err != nil {
		t.Fatal(err)
	}
}

// waitMembers waits until group is stable with n members that each own
// partitions.
func waitMembers(t *testing.T, s *devstack.Stack, group string, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		gs, err := adm.DescribeGroups(context.Background(), group)
		if err == nil {
			g := gs[group]
			owning := 0
			for _, m := range g.Members {
				if ca, ok := m.Assigned.AsConsumer(); ok && len(ca.Topics) > 0 {
					owning++
				}
			}
			if g.State == "Stable" && owning == n {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("group %s did not reach %d members owning partitions", group, n)
}

// TestCSVAndToast: sink.properties.format=csv with Debezium envelopes (rows
// rendered as CSV lines with a columns header including __op), and a
// PostgreSQL TOAST update whose unchanged column arrives as
// __debezium_unavailable_value: the stored value is kept (a partial update).
func TestCSVAndToast(t *testing.T) {
	for _, format := range []string{"json", "csv"} {
		t.Run(format, func(t *testing.T) {
			s := startStack(t)
			createTable(t, s, "products", "id INT", "name VARCHAR(255)", "description VARCHAR(512)", "weight DOUBLE")
			env := func(op, after string) []byte {
				return []byte(`{"before":null,"after":` + after + `,"source":{"connector":"postgresql"},"op":"` + op + `"}`)
			}
			produce(t, s, "pg.products",
				[2][]byte{[]byte(`{"id":101}`), fixture(t, "pg121_r_snapshot_noschema.json")},
				[2][]byte{[]byte(`{"id":102}`), env("c", `{"id":102,"name":"tab\there","description":null,"weight":1.5}`)},
				[2][]byte{[]byte(`{"id":101}`), env("u", `{"id":101,"name":"scooter v2","description":"__debezium_unavailable_value","weight":3.5}`)},
			)
			props := connectorProps(s, "fmt-"+format, false, "pg.products", "pg.products:products")
			props["sink.properties.format"] = format
			props["errors.tolerance"] = "all" // the tab cannot go into CSV: dead-lettered there
			r := startReplicator(t, props)
			drain(t, s, r.group, "pg.products")
			r.stop(t)
			want := []map[string]any{
				{"id": "101", "name": "scooter v2", "description": "Small 2-wheel scooter", "weight": "3.5"},
				{"id": "102", "name": "tab\there", "description": nil, "weight": "1.5"},
			}
			dead := int64(0)
			if format == "csv" {
				want = want[:1]
				dead = 1
			}
			wantRows(t, s, "products", want)
			if st := r.rep.Stats(); st.Dead != dead {
				t.Errorf("dead letters %d, want %d", st.Dead, dead)
			}
		})
	}
}

// TestTruncatePolicy: with starrocks.truncate.policy=truncate a Debezium
// truncate event empties the table after the rows before it are loaded;
// rows after it stay. The default policy skips it.
func TestTruncatePolicy(t *testing.T) {
	for _, policy := range []string{"skip", "truncate"} {
		t.Run(policy, func(t *testing.T) {
			s := startStack(t)
			createTable(t, s, "customers", customerCols...)
			row := func(id int, op string) []byte {
				return []byte(fmt.Sprintf(`{"before":null,"after":{"id":%d,"first_name":"f","last_name":"l","email":"e"},"source":{"connector":"mysql"},"op":%q}`, id, op))
			}
			produce(t, s, "c",
				[2][]byte{nil, row(1, "c")},
				[2][]byte{nil, row(2, "c")},
				[2][]byte{nil, []byte(`{"before":null,"after":null,"source":{"connector":"mysql","table":"customers"},"op":"t"}`)},
				[2][]byte{nil, row(3, "c")},
			)
			props := connectorProps(s, "trunc-"+policy, false, "c", "c:customers")
			props["starrocks.truncate.policy"] = policy
			r := startReplicator(t, props)
			drain(t, s, r.group, "c")
			r.stop(t)
			want := []map[string]any{cust("3", "f", "l", "e")}
			if policy == "skip" {
				want = []map[string]any{cust("1", "f", "l", "e"), cust("2", "f", "l", "e"), cust("3", "f", "l", "e")}
			}
			wantRows(t, s, "customers", want)
		})
	}
}

// TestRejectedRows: a row StarRocks filters (NULL into a NOT NULL column)
// fails its whole load; the loader isolates it, the other rows load, and
// the row goes to the dead-letter policy: logged and skipped with
// errors.tolerance=all, a stop (with nothing committed past it) with none.
func TestRejectedRows(t *testing.T) {
	for _, tolerance := range []string{"all", "none"} {
		t.Run(tolerance, func(t *testing.T) {
			s := startStack(t)
			if err := s.StarRocks.CreateTable(db, "customers", []starrocks.Column{
				{Name: "id", Type: "INT"}, {Name: "first_name", Type: "VARCHAR(255)", Nullable: true},
				{Name: "last_name", Type: "VARCHAR(255)", Nullable: true}, {Name: "email", Type: "VARCHAR(255)"}, // NOT NULL
			}, []string{"id"}); err != nil {
				t.Fatal(err)
			}
			var recs [][2][]byte
			for id := 1; id <= 50; id++ {
				email := fmt.Sprintf("%q", fmt.Sprintf("u%d@x", id))
				if id == 17 {
					email = "null"
				}
				recs = append(recs, [2][]byte{nil, []byte(fmt.Sprintf(`{"before":null,"after":{"id":%d,"first_name":"f","last_name":"l","email":%s},"source":{"connector":"mysql"},"op":"c"}`, id, email))})
			}
			produce(t, s, "c", recs...)
			props := connectorProps(s, "rejected-"+tolerance, false, "c", "c:customers")
			props["errors.tolerance"] = tolerance
			r := startReplicator(t, props)
			if tolerance == "all" {
				drain(t, s, r.group, "c")
				r.stop(t)
				if got := len(rows(t, s, "customers")); got != 49 {
					t.Fatalf("%d rows, want 49", got)
				}
				if st := r.rep.Stats(); st.Dead != 1 {
					t.Fatalf("dead letters %d, want 1", st.Dead)
				}
				return
			}
			var err error
			select {
			case err = <-r.done:
				r.done <- nil
			case <-time.After(30 * time.Second):
				t.Fatal("the replicator did not stop on a rejected row")
			}
			if err == nil || !strings.Contains(err.Error(), "table customers") || !strings.Contains(err.Error(), "errors.tolerance") {
				t.Fatalf("error %v; want one naming the table and errors.tolerance", err)
			}
			lag, lerr := devstack.Lag(context.Background(), s.Brokers(), r.group, "c")
			if lerr != nil || lag < 34 { // offsets 16.. (the rejected row's) are not committed
				t.Fatalf("lag %d, %v: offsets were committed past the rejected row", lag, lerr)
			}
		})
	}
}

// TestDeadLetterTopic: with errors.tolerance=all and
// errors.deadletterqueue.topic.name, an undecodable record is produced
// unchanged to the dead-letter topic with Kafka Connect's context headers
// (__connect.errors.stage names the converter that failed: the key's or
// the value's), and so is a row StarRocks rejected, with the topic,
// partition and offset of its record; everything else loads.
func TestDeadLetterTopic(t *testing.T) {
	s := startStack(t)
	if err := s.StarRocks.CreateTable(db, "customers", []starrocks.Column{
		{Name: "id", Type: "INT"}, {Name: "first_name", Type: "VARCHAR(255)", Nullable: true},
		{Name: "last_name", Type: "VARCHAR(255)", Nullable: true}, {Name: "email", Type: "VARCHAR(255)"}, // NOT NULL
	}, []string{"id"}); err != nil {
		t.Fatal(err)
	}
	row := func(id int, email string) []byte {
		return []byte(fmt.Sprintf(`{"before":null,"after":{"id":%d,"first_name":"f","last_name":"l","email":%s},"source":{"connector":"mysql"},"op":"c"}`, id, email))
	}
	produce(t, s, "c",
		[2][]byte{nil, row(1, `"a@x"`)},
		[2][]byte{[]byte("k"), []byte(`{not json`)},
		[2][]byte{[]byte(`{bad key`), row(4, `"d@x"`)}, // the value decodes, the key does not
		[2][]byte{nil, row(2, `null`)},                 // StarRocks filters it: email is NOT NULL
		[2][]byte{nil, row(3, `"c@x"`)},
	)
	props := connectorProps(s, "dlq", false, "c", "c:customers")
	props["errors.tolerance"] = "all"
	props["errors.deadletterqueue.topic.name"] = "starcdc-dlq"
	props["errors.deadletterqueue.context.headers.enable"] = "true"
	props["errors.deadletterqueue.topic.replication.factor"] = "1"
	r := startReplicator(t, props)
	drain(t, s, r.group, "c")
	r.stop(t)
	wantRows(t, s, "customers", []map[string]any{cust("1", "f", "l", "a@x"), cust("3", "f", "l", "c@x")})

	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...), kgo.ConsumeTopics("starcdc-dlq"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []*kgo.Record
	for len(got) < 3 && ctx.Err() == nil {
		got = append(got, cl.PollFetches(ctx).Records()...)
	}
	if len(got) != 3 {
		t.Fatalf("%d dead letters, want 3", len(got))
	}
	// The records' dead letters, by source offset, and the rejected row's.
	byOffset := map[string]*kgo.Record{}
	var rejected *kgo.Record
	for _, r := range got {
		if h := headers(r); h["__starcdc.table"] != "" {
			rejected = r
		} else {
			byOffset[h["__connect.errors.offset"]] = r
		}
	}
	if r := byOffset["1"]; r == nil || string(r.Value) != `{not json` || string(r.Key) != "k" || headers(r)["__connect.errors.topic"] != "c" ||
		headers(r)["__connect.errors.stage"] != "VALUE_CONVERTER" || headers(r)["__connect.errors.exception.class.name"] != "github.com/starcdc/starcdc/decode.ErrMalformed" ||
		!strings.HasPrefix(headers(r)["__connect.errors.exception.message"], "decoding the value") {
		t.Errorf("the value's dead letter: %v", dump(r))
	}
	if r := byOffset["2"]; r == nil || string(r.Key) != `{bad key` || headers(r)["__connect.errors.stage"] != "KEY_CONVERTER" ||
		headers(r)["__connect.errors.exception.class.name"] != "github.com/starcdc/starcdc/decode.ErrMalformed" ||
		!strings.HasPrefix(headers(r)["__connect.errors.exception.message"], "decoding the key") {
		t.Errorf("the key's dead letter: %v", dump(r))
	}
	// The rejected row names the record it came from: c/0/3.
	if r := rejected; r == nil || !strings.Contains(string(r.Value), `"id":2`) || headers(r)["__starcdc.table"] != "customers" || headers(r)["__connect.errors.stage"] != "TASK_PUT" ||
		headers(r)["__connect.errors.topic"] != "c" || headers(r)["__connect.errors.partition"] != "0" || headers(r)["__connect.errors.offset"] != "3" ||
		headers(r)["__connect.errors.exception.class.name"] != "github.com/starcdc/starcdc/loader.ErrBadRows" ||
		!strings.Contains(headers(r)["__connect.errors.exception.message"], "NULL value in non-nullable column") {
		t.Errorf("the rejected row's dead letter: %v", dump(r))
	}
}

func headers(r *kgo.Record) map[string]string {
	m := map[string]string{}
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

func dump(r *kgo.Record) string {
	if r == nil {
		return "missing"
	}
	v := r.Value
	if len(v) > 200 {
		v = v[:200]
	}
	return fmt.Sprintf("key %q value %q (%d bytes) headers %v", r.Key, v, len(r.Value), headers(r))
}

// TestDeadLetterLargeRecord: a record of 6 MB, which the consumer fetches
// (a broker returns a first batch above max.partition.fetch.bytes) but
// which does not decode, goes byte for byte to the dead-letter topic
// starcdc creates (with max.message.bytes large enough), and the
// connector goes on: the rows around it load and every offset commits.
func TestDeadLetterLargeRecord(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "customers", customerCols...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...), kgo.ProducerBatchMaxBytes(16<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	maxBytes := "16777216"
	if resp, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, map[string]*string{"max.message.bytes": &maxBytes}, "big"); err != nil || resp.Err != nil {
		t.Fatal(err, resp.Err)
	}
	big := make([]byte, 6<<20)
	_, _ = rand.NewChaCha8([32]byte{6}).Read(big) // incompressible: the batch is as large as the record
	row := func(id int) []byte {
		return []byte(fmt.Sprintf(`{"before":null,"after":{"id":%d,"first_name":"f","last_name":"l","email":"e"},"source":{"connector":"mysql"},"op":"c"}`, id))
	}
	if err := cl.ProduceSync(ctx,
		&kgo.Record{Topic: "big", Value: row(1)},
		&kgo.Record{Topic: "big", Key: []byte(`{"id":2}`), Value: big},
		&kgo.Record{Topic: "big", Value: row(3)},
	).FirstErr(); err != nil {
		t.Fatal(err)
	}
	props := connectorProps(s, "dlq-large", false, "big", "big:customers")
	props["errors.tolerance"] = "all"
	props["errors.deadletterqueue.topic.name"] = "starcdc-dlq"
	props["errors.deadletterqueue.context.headers.enable"] = "true"
	props["errors.deadletterqueue.topic.replication.factor"] = "1"
	r := startReplicator(t, props)
	drain(t, s, r.group, "big")
	r.stop(t)
	wantRows(t, s, "customers", []map[string]any{cust("1", "f", "l", "e"), cust("3", "f", "l", "e")})

	dl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...), kgo.ConsumeTopics("starcdc-dlq"))
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()
	var got []*kgo.Record
	for len(got) < 1 && ctx.Err() == nil {
		got = append(got, dl.PollFetches(ctx).Records()...)
	}
	if len(got) != 1 || !bytes.Equal(got[0].Value, big) || string(got[0].Key) != `{"id":2}` ||
		headers(got[0])["__connect.errors.offset"] != "1" || headers(got[0])["__connect.errors.stage"] != "VALUE_CONVERTER" {
		t.Fatalf("%d dead letters, want the 6 MB record: %v", len(got), func() []string {
			var out []string
			for _, r := range got {
				out = append(out, dump(r))
			}
			return out
		}())
	}
}

// TestVarbinary: with starrocks.bytes.type=varbinary an auto-created table
// gets a VARBINARY column, and bytes (0x00, 0xff, empty, NULL) land exactly.
func TestVarbinary(t *testing.T) {
	s := startStack(t)
	schema := `{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"bytes","optional":true,"field":"blob"}],"optional":false,"name":"b.Value"}`
	key := func(id int) []byte {
		return []byte(fmt.Sprintf(`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"b.Key"},"payload":{"id":%d}}`, id))
	}
	val := func(id int, blob string) []byte { // ExtractNewRecordState rows
		return []byte(fmt.Sprintf(`{"schema":%s,"payload":{"id":%d,"blob":%s}}`, schema, id, blob))
	}
	produce(t, s, "b",
		[2][]byte{key(1), val(1, `"AP8A"`)}, // 00 ff 00
		[2][]byte{key(2), val(2, `""`)},
		[2][]byte{key(3), val(3, `null`)},
	)
	props := connectorProps(s, "varbinary", true, "b", "b:blobs")
	props["starrocks.auto.create.tables"] = "true"
	props["starrocks.table.replication.num"] = "1"
	props["starrocks.bytes.type"] = "varbinary"
	r := startReplicator(t, props)
	drain(t, s, r.group, "b")
	r.stop(t)
	wantRows(t, s, "blobs", []map[string]any{
		{"id": "1", "blob": "\x00\xff\x00"},
		{"id": "2", "blob": ""},
		{"id": "3", "blob": nil},
	})
}

// TestSchemalessTypedByTable: the same MySQL logical-types event without a
// schema (schemas.enable=false: the payload alone). Debezium still sends
// epoch days, epoch milliseconds and base64 decimals; starcdc reads the
// table's column types and loads dates, datetimes and decimals exactly
// instead of NULL. A MicroTime into VARCHAR cannot be told from a number
// without a schema and stays a number.
func TestSchemalessTypedByTable(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "logical", "id INT", "name VARCHAR(255)", "age INT", "email VARCHAR(255)", "birth_date DATE",
		"integer_column INT", "float_column FLOAT", "decimal_column DECIMAL(10,2)", "datetime_column DATETIME", "date_column DATE",
		"time_column VARCHAR(32)", "text_column STRING", "varchar_column VARCHAR(255)", "binary_column VARCHAR(255)", "blob_column STRING", "is_active SMALLINT")
	var env struct {
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(fixture(t, "mysql254_c_logical_types_withschema.json"), &env); err != nil {
		t.Fatal(err)
	}
	produce(t, s, "logical", [2][]byte{nil, env.Payload})
	props := connectorProps(s, "schemaless-typed", false, "logical", "logical:logical")
	r := startReplicator(t, props)
	drain(t, s, r.group, "logical")
	r.stop(t)
	wantRows(t, s, "logical", []map[string]any{{
		"id": "8", "name": "Jfohn Doe", "age": "430", "email": "john@example.com", "birth_date": "1994-05-20",
		"integer_column": "12323", "float_column": "45.67", "decimal_column": "123.45", "datetime_column": "2024-04-12 10:30:00",
		"date_column": "2024-04-12", "time_column": "37800000000", "text_column": "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
		"varchar_column": nil, "binary_column": "EjRWeJCrze8AAA==", "blob_column": nil, "is_active": "2",
	}})

	// The control: without the column types (starrocks.schemaless.types=none,
	// and what the Java connector does), StarRocks stores NULL.
	createTable(t, s, "logical_untyped", "id INT", "birth_date DATE", "decimal_column DECIMAL(10,2)", "datetime_column DATETIME")
	produce(t, s, "logical2", [2][]byte{nil, env.Payload})
	props = connectorProps(s, "schemaless-untyped", false, "logical2", "logical2:logical_untyped")
	props["starrocks.schemaless.types"] = "none"
	r = startReplicator(t, props)
	drain(t, s, r.group, "logical2")
	r.stop(t)
	wantRows(t, s, "logical_untyped", []map[string]any{{"id": "8", "birth_date": nil, "decimal_column": nil, "datetime_column": nil}})
}

// TestSchemalessJSONColumn: Debezium's io.debezium.data.Json value is a
// string holding the document's JSON text; without a schema
// (schemas.enable=false) starcdc reads the table's column types and sends
// that text as the document itself, whatever its kind, so the JSON column
// stores the object, the array, the string, the number and the boolean
// (not strings holding them); a JSON null document is NULL, as StarRocks
// loads a JSON null (docs/streamload.md §5.2). Text that is not JSON is the
// record's fault: with errors.tolerance=all it is skipped, and the rest
// loads.
func TestSchemalessJSONColumn(t *testing.T) {
	s := startStack(t)
	createTable(t, s, "docs", "id INT", "doc JSON")
	docs := map[int]string{
		1: `{"a": 1, "b": [true, null]}`,
		2: `[1, "two", {"three": 3}]`,
		3: `"just a string"`,
		4: `42`,
		5: `true`,
		6: `null`,
		7: `not json`,
	}
	var recs [][2][]byte
	for id := 1; id <= len(docs); id++ {
		text, _ := json.Marshal(docs[id]) // the JSON string holding the text, as Debezium sends it
		recs = append(recs, [2][]byte{[]byte(fmt.Sprintf(`{"id":%d}`, id)),
			[]byte(fmt.Sprintf(`{"before":null,"after":{"id":%d,"doc":%s},"source":{"connector":"mysql"},"op":"c"}`, id, text))})
	}
	produce(t, s, "docs", recs...)
	props := connectorProps(s, "schemaless-json", false, "docs", "docs:docs")
	props["errors.tolerance"] = "all"
	r := startReplicator(t, props)
	drain(t, s, r.group, "docs")
	r.stop(t)
	wantRows(t, s, "docs", []map[string]any{
		{"id": "1", "doc": `{"a":1,"b":[true,null]}`},
		{"id": "2", "doc": `[1,"two",{"three":3}]`},
		{"id": "3", "doc": `"just a string"`},
		{"id": "4", "doc": "42"},
		{"id": "5", "doc": "true"},
		{"id": "6", "doc": nil},
	})
}

// TestSchemalessTypesWaitForMySQL is the regression test of "a short
// MySQL-port outage silently NULLs values": the port is down when the
// replicator starts. Schemaless records carrying epoch days for DATE
// columns wait for the column types instead of loading as they come
// (nullable d stored as NULL, NOT NULL due rejected and dead-lettered):
// nothing is loaded while the port is down; once it is back, every row has
// its dates and nothing went to the dead-letter topic.
func TestSchemalessTypesWaitForMySQL(t *testing.T) {
	s := startStack(t)
	if err := s.StarRocks.CreateTable(db, "dated", []starrocks.Column{
		{Name: "id", Type: "INT"}, {Name: "d", Type: "DATE", Nullable: true}, {Name: "due", Type: "DATE"}, // NOT NULL
	}, []string{"id"}); err != nil {
		t.Fatal(err)
	}
	end, err := s.StarRocks.MySQLOutage()
	if err != nil {
		t.Fatal(err)
	}
	defer end()
	date := func(day int) string { return time.Unix(int64(day)*86400, 0).UTC().Format(time.DateOnly) }
	var recs [][2][]byte
	var want []map[string]any
	for id := 10; id < 50; id++ {
		day := 19723 + id // 2024-01-01 + id
		due := fmt.Sprint(day + 30)
		if id%2 == 0 {
			due = `"` + date(day+30) + `"` // text loads the same typed or not
		}
		recs = append(recs, [2][]byte{nil, []byte(fmt.Sprintf(`{"before":null,"after":{"id":%d,"d":%d,"due":%s},"source":{"connector":"mysql"},"op":"c"}`, id, day, due))})
		want = append(want, map[string]any{"id": fmt.Sprint(id), "d": date(day), "due": date(day + 30)})
	}
	produce(t, s, "dated", recs...)
	props := connectorProps(s, "mysql-outage", false, "dated", "dated:dated")
	props["errors.tolerance"] = "all"
	props["errors.deadletterqueue.topic.name"] = "starcdc-dlq"
	props["errors.deadletterqueue.topic.replication.factor"] = "1"
	r := startReplicator(t, props)

	// The port stays down for three seconds after starcdc first tried it:
	// longer than the load interval (1 s), so an untyped row would be
	// loaded by then.
	for deadline := time.Now().Add(30 * time.Second); s.StarRocks.MySQLResets() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("starcdc did not connect to the MySQL port within 30s")
		}
	}
	time.Sleep(3 * time.Second)
	if got := rows(t, s, "dated"); len(got) != 0 {
		t.Fatalf("%d rows loaded while the column types were unknown, e.g. %v", len(got), got[0])
	}
	if st := r.rep.Stats(); st.Dead != 0 || st.Rows != 0 {
		t.Fatalf("during the outage: %+v; want no row and nothing dead-lettered", st)
	}
	end()
	drain(t, s, r.group, "dated")
	r.stop(t)
	wantRows(t, s, "dated", want)
	if st := r.rep.Stats(); st.Dead != 0 || st.Rows != 40 {
		t.Errorf("stats %+v; want 40 rows, nothing dead-lettered", st)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), "starcdc-dlq")
	if err != nil {
		t.Fatal(err)
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil || o.Offset != 0 {
			t.Errorf("dead-letter topic %s/%d: end offset %d, %v; want 0", o.Topic, o.Partition, o.Offset, o.Err)
		}
	})
	if len(ends) == 0 {
		t.Error("the dead-letter topic was not created")
	}
}
