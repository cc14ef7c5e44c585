package ddl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/devstack/starrocks"
)

const testPassword = "pw-do-not-leak"

// emulator starts the StarRocks emulator and returns a Manager on its MySQL
// port, logged in as a user with a password.
func emulator(t *testing.T) (*starrocks.Emulator, *Manager) {
	t.Helper()
	e, err := starrocks.Start(starrocks.Config{Users: map[string]string{"starcdc": testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e, newManager(t, e)
}

func newManager(t *testing.T, e *starrocks.Emulator) *Manager {
	t.Helper()
	addr, err := e.ServeMySQL()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(addr, "starcdc", testPassword, config.MySQLTLS{})
	if err != nil {
		t.Fatal(err)
	}
	m.PollInterval, m.PollTimeout = 5*time.Millisecond, 5*time.Second
	t.Cleanup(func() { m.Close() })
	return m
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func customers(t *testing.T, extra ...decode.Field) *Table {
	t.Helper()
	v := decodeSchema(t, "mysql195_u_withschema.json")
	row, _ := RowSchema(v)
	r := *row
	r.Fields = append(append([]decode.Field(nil), row.Fields...), extra...)
	tbl, _, err := Plan("customers", keyOf(t, v, "id"), &r, Options{ReplicationNum: 1})
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func colString(cols []Column) string {
	var b []string
	for _, c := range cols {
		s := c.Name + " " + c.Type
		if !c.Nullable {
			s += " NOT NULL"
		}
		if c.Key {
			s += " KEY"
		}
		b = append(b, s)
	}
	return strings.Join(b, ", ")
}

func TestManagerEnsureTable(t *testing.T) {
	e, m := emulator(t)
	tbl := customers(t)
	if err := m.EnsureTable(ctx(t), "inventory", tbl); err != nil {
		t.Fatal(err)
	}
	if err := m.EnsureTable(ctx(t), "inventory", tbl); err != nil { // IF NOT EXISTS
		t.Fatalf("second EnsureTable: %v", err)
	}
	cols, ok := m.Cached("inventory", "customers")
	want := "id INT NOT NULL KEY, first_name VARCHAR(1048576), last_name VARCHAR(1048576), email VARCHAR(1048576)"
	if !ok || colString(cols) != want {
		t.Errorf("cached columns = %s, want %s", colString(cols), want)
	}
	if _, err := e.Rows("inventory", "customers"); err != nil {
		t.Fatal(err)
	}
	// Nothing to evolve, and no query is needed for that.
	if changed, err := m.Evolve(ctx(t), "inventory", tbl, false); err != nil || changed {
		t.Errorf("Evolve of an up-to-date table: %v %v", changed, err)
	}
	if _, err := m.Columns(ctx(t), "inventory", "nope"); !errors.Is(err, ErrNoTable) {
		t.Errorf("Columns of a missing table: %v", err)
	}
	if _, err := m.Evolve(ctx(t), "inventory", &Table{Name: "nope", Columns: []Column{{Name: "id", Type: "INT", Key: true}}, Key: []string{"id"}}, false); !errors.Is(err, ErrNoTable) {
		t.Errorf("Evolve of a missing table: %v", err)
	}
	// A keyless topic's DUPLICATE KEY table is created as planned.
	v := decodeSchema(t, "mysql195_u_withschema.json")
	dup, _, err := Plan("events", nil, v, Options{ReplicationNum: 1, DuplicateKeyWithoutKey: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.EnsureTable(ctx(t), "inventory", dup); err != nil {
		t.Fatalf("DUPLICATE KEY table: %v", err)
	}
	if cols, err := m.Columns(ctx(t), "inventory", "events"); err != nil || len(cols) != len(dup.Columns) {
		t.Errorf("the DUPLICATE KEY table's columns: %d (%v), want %d", len(cols), err, len(dup.Columns))
	}
	// Truncate.
	if err := m.Truncate(ctx(t), "inventory", "customers"); err != nil {
		t.Fatal(err)
	}
	// Invalid names never reach the server.
	if err := m.EnsureTable(ctx(t), "inv`entory", tbl); !errors.Is(err, ErrInvalidName) {
		t.Errorf("bad database: %v", err)
	}
	if err := m.Truncate(ctx(t), "inventory", "x; DROP TABLE customers"); !errors.Is(err, ErrInvalidName) {
		t.Errorf("bad table: %v", err)
	}
}

func TestManagerReplicationHint(t *testing.T) {
	_, m := emulator(t)
	tbl := customers(t)
	tbl.ReplicationNum = 0 // the cluster default, 3: refused by one BE
	err := m.EnsureTable(ctx(t), "inventory", tbl)
	if err == nil || !strings.Contains(err.Error(), "Table replication num should be less than of equal to the number of available BE nodes") ||
		!strings.Contains(err.Error(), "set starrocks.table.replication.num=1") {
		t.Errorf("replication error: %v", err)
	}
}

func TestManagerErrorsHidePassword(t *testing.T) {
	e, _ := emulator(t)
	addr, _ := e.ServeMySQL()
	m, err := Open(addr, "starcdc", "wrong-"+testPassword, config.MySQLTLS{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_, err = m.Columns(ctx(t), "d", "t")
	if err == nil || !strings.Contains(err.Error(), "Access denied") || strings.Contains(err.Error(), testPassword) {
		t.Errorf("bad password: %v", err)
	}
}

func TestManagerEvolve(t *testing.T) {
	e, m := emulator(t)
	if err := m.EnsureTable(ctx(t), "inventory", customers(t)); err != nil {
		t.Fatal(err)
	}
	// A load before the change.
	if err := loadJSON(e, "inventory", "customers", `{"id":1,"first_name":"a","last_name":"b","email":"c"}`); err != nil {
		t.Fatal(err)
	}
	// The source gains two columns.
	age := &decode.Schema{Type: decode.TypeInt16, Optional: true}
	note := &decode.Schema{Type: decode.TypeString, Optional: true, Parameters: map[string]string{"__debezium.source.column.length": "10"}}
	v2 := customers(t, fld("age", age), fld("note", note))
	changed, err := m.Evolve(ctx(t), "inventory", v2, false)
	if err != nil || !changed {
		t.Fatalf("Evolve: %v %v", changed, err)
	}
	cols, _ := m.Cached("inventory", "customers")
	if !strings.HasSuffix(colString(cols), "age SMALLINT, note VARCHAR(40)") {
		t.Errorf("columns after Evolve: %s", colString(cols))
	}
	// Idempotent.
	if changed, err := m.Evolve(ctx(t), "inventory", v2, false); err != nil || changed {
		t.Errorf("second Evolve: %v %v", changed, err)
	}
	// Old rows read NULL in the new columns; new rows fill them.
	if err := loadJSON(e, "inventory", "customers", `{"id":2,"first_name":"x","age":41,"note":"hi"}`); err != nil {
		t.Fatal(err)
	}
	rows, _ := e.Rows("inventory", "customers")
	if fmt.Sprint(rows) != "[map[age:<nil> email:c first_name:a id:1 last_name:b note:<nil>] map[age:41 email:<nil> first_name:x id:2 last_name:<nil> note:hi]]" {
		t.Errorf("rows = %v", rows)
	}
	// A removed field leaves its column.
	if changed, err := m.Evolve(ctx(t), "inventory", customers(t, fld("age", age)), false); err != nil || changed {
		t.Errorf("Evolve with a field removed: %v %v", changed, err)
	}

	// Widening: refused without allowModify (reported), applied with it.
	age32 := &decode.Schema{Type: decode.TypeInt32, Optional: true}
	note40 := &decode.Schema{Type: decode.TypeString, Optional: true, Parameters: map[string]string{"__debezium.source.column.length": "40"}}
	v3 := customers(t, fld("age", age32), fld("note", note40))
	changed, err = m.Evolve(ctx(t), "inventory", v3, false)
	var ie *IncompatibleError
	if changed || !errors.As(err, &ie) || !errors.Is(err, ErrIncompatible) || len(ie.Reasons) != 2 || !strings.Contains(err.Error(), "starrocks.schema.evolution=add_and_widen") {
		t.Errorf("widen without allowModify: %v %v", changed, err)
	}
	changed, err = m.Evolve(ctx(t), "inventory", v3, true)
	if err != nil || !changed {
		t.Fatalf("widen: %v %v", changed, err)
	}
	cols, _ = m.Columns(ctx(t), "inventory", "customers")
	if !strings.HasSuffix(colString(cols), "age INT, note VARCHAR(160)") {
		t.Errorf("columns after widening: %s", colString(cols))
	}
	rows, _ = e.Rows("inventory", "customers")
	if rows[1]["age"] != "41" || rows[1]["note"] != "hi" {
		t.Errorf("rows after widening: %v", rows)
	}

	// Incompatible: a column changes type; a new column is still added.
	flag := &decode.Schema{Type: decode.TypeBoolean, Optional: true}
	v4 := customers(t, fld("age", &decode.Schema{Type: decode.TypeString, Optional: true}), fld("note", note40), fld("flag", flag))
	changed, err = m.Evolve(ctx(t), "inventory", v4, true)
	if !changed || !errors.As(err, &ie) || len(ie.Reasons) != 1 ||
		!strings.Contains(ie.Reasons[0], "column age: the table has INT but the topic now needs VARCHAR(1048576), which StarRocks cannot change in place") {
		t.Errorf("incompatible: %v %v", changed, err)
	}
	cols, _ = m.Cached("inventory", "customers")
	if !strings.HasSuffix(colString(cols), "flag BOOLEAN") {
		t.Errorf("columns: %s", colString(cols))
	}
}

// Two writers (two Managers, as two starcdc processes) add the same column
// at once: one ALTER wins, the other sees "already exists", and both succeed.
func TestManagerEvolveConcurrent(t *testing.T) {
	e, m1 := emulator(t)
	m2 := newManager(t, e)
	if err := m1.EnsureTable(ctx(t), "inventory", customers(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := m2.Columns(ctx(t), "inventory", "customers"); err != nil { // both caches are now stale-to-be
		t.Fatal(err)
	}
	v2 := customers(t, fld("city", &decode.Schema{Type: decode.TypeString, Optional: true}), fld("zip", &decode.Schema{Type: decode.TypeInt32, Optional: true}))
	// Deterministic race: m1 adds the columns; m2, whose cache predates
	// that, tries the same ALTER, gets "already exists", re-reads and is done.
	if changed, err := m1.Evolve(ctx(t), "inventory", v2, false); err != nil || !changed {
		t.Fatalf("m1: %v %v", changed, err)
	}
	if cols, _ := m2.Cached("inventory", "customers"); len(cols) != 4 {
		t.Fatalf("m2's cache is not stale: %s", colString(cols))
	}
	if changed, err := m2.Evolve(ctx(t), "inventory", v2, false); err != nil || changed {
		t.Fatalf("m2 after m1: %v %v", changed, err)
	}
	if cols, _ := m2.Cached("inventory", "customers"); len(cols) != 6 {
		t.Fatalf("m2 did not re-read: %s", colString(cols))
	}
	// Real races: four writers, two per Manager, add a fresh column each round.
	for round := 1; round <= 5; round++ {
		tbl := customers(t, append(rowFields(t, v2), fld(fmt.Sprintf("c%d", round), &decode.Schema{Type: decode.TypeInt64, Optional: true}))...)
		v2 = tbl
		var wg sync.WaitGroup
		var changed [4]bool
		var errs [4]error
		for i, m := range []*Manager{m1, m2, m1, m2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				changed[i], errs[i] = m.Evolve(ctx(t), "inventory", tbl, false)
			}()
		}
		wg.Wait()
		n := 0
		for i := range errs {
			if errs[i] != nil {
				t.Fatalf("round %d writer %d: %v", round, i, errs[i])
			}
			if changed[i] {
				n++
			}
		}
		if n < 1 {
			t.Errorf("round %d: no writer changed the table", round)
		}
		cols, err := m2.Columns(ctx(t), "inventory", "customers")
		if err != nil {
			t.Fatal(err)
		}
		if a, _, _ := Diff(cols, tbl); len(a) != 0 {
			t.Errorf("round %d: still missing %v", round, a)
		}
	}
}

func rowFields(t *testing.T, tbl *Table) []decode.Field {
	t.Helper()
	var out []decode.Field
	for _, c := range tbl.Columns[4:] { // after id, first_name, last_name, email
		typ := decode.TypeString
		switch c.Type {
		case "INT":
			typ = decode.TypeInt32
		case "BIGINT":
			typ = decode.TypeInt64
		}
		out = append(out, fld(c.Name, &decode.Schema{Type: typ, Optional: true}))
	}
	return out
}

// loadJSON Stream Loads NDJSON rows into the emulator as the test user.
func loadJSON(e *starrocks.Emulator, db, table, body string) error {
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	url := e.FEURL() + "/api/" + db + "/" + table + "/_stream_load"
	for hop := 0; hop < 2; hop++ {
		req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.SetBasicAuth("starcdc", testPassword)
		req.Header.Set("Expect", "100-continue")
		req.Header.Set("format", "json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTemporaryRedirect {
			url = resp.Header.Get("Location")
			continue
		}
		var r struct{ Status, Message string }
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("stream load reply %s: %w", b, err)
		}
		if r.Status != "Success" {
			return fmt.Errorf("stream load: %s", b)
		}
		return nil
	}
	return errors.New("stream load: too many redirects")
}

func TestManagerSync(t *testing.T) {
	_, m := emulator(t)
	o := Options{AutoCreate: true, Evolution: EvolveAddColumns, ReplicationNum: 1}
	v1 := customers(t)
	v1.ReplicationNum = o.ReplicationNum
	if changed, err := m.Sync(ctx(t), "inventory", v1, o); err != nil || changed {
		t.Fatalf("Sync create: %v %v", changed, err)
	}
	v2 := customers(t, fld("age", &decode.Schema{Type: decode.TypeInt32, Optional: true}))
	if changed, err := m.Sync(ctx(t), "inventory", v2, o); err != nil || !changed {
		t.Fatalf("Sync add: %v %v", changed, err)
	}
	// Without auto-create or evolution nothing is run.
	if changed, err := m.Sync(ctx(t), "other", v2, Options{}); err != nil || changed {
		t.Errorf("Sync off: %v %v", changed, err)
	}
	// Evolution on a missing table without auto-create: ErrNoTable.
	if _, err := m.Sync(ctx(t), "other", v2, Options{Evolution: EvolveAddColumns}); !errors.Is(err, ErrNoTable) {
		t.Errorf("Sync missing table: %v", err)
	}
}

// TestEnsureTableUnreachable: a MySQL port that refuses connections is
// named as such, with the key to check, not answered with a grant.
func TestEnsureTableUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	m, err := Open(addr, "root", "", config.MySQLTLS{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tbl := &Table{Name: "t1", Columns: []Column{{Name: "id", Type: "INT", Key: true}}, Key: []string{"id"}}
	err = m.EnsureTable(ctx(t), "db1", tbl)
	if err == nil || !strings.Contains(err.Error(), "starrocks.mysql.url") || strings.Contains(err.Error(), "grant") {
		t.Fatalf("EnsureTable against a closed port: %v", err)
	}
}
