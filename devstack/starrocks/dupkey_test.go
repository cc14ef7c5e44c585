package starrocks

import (
	"fmt"
	"strings"
	"testing"
)

// dupTable creates db.d: (id BIGINT NOT NULL, name VARCHAR(10), score INT)
// DUPLICATE KEY(id).
func dupTable(t *testing.T, e *Emulator) {
	t.Helper()
	err := e.CreateTableKind("db", "d", []Column{
		{Name: "id", Type: "BIGINT"},
		{Name: "name", Type: "VARCHAR(10)", Nullable: true},
		{Name: "score", Type: "INT", Nullable: true},
	}, []string{"id"}, KindDuplicate)
	if err != nil {
		t.Fatal(err)
	}
}

func wantDuplicates(t *testing.T, e *Emulator, table string, want int) {
	t.Helper()
	n, err := e.Duplicates("db", table)
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("Duplicates(%s) = %d, want %d", table, n, want)
	}
}

// A duplicate-key table keeps every row: the same rows loaded under two
// labels are stored twice, ordered by key then load order.
func TestDuplicateKeyKeepsEveryRow(t *testing.T) {
	e := startEmu(t)
	dupTable(t, e)
	c := newClient(t, e)
	wantStatus(t, c.streamLoad("d", hdr{"label": "a", "format": "json"}, `{"id":2,"name":"x"}{"id":1,"name":"y"}{"id":2,"name":"z"}`), "Success")
	wantStatus(t, c.streamLoad("d", hdr{"label": "b", "format": "json"}, `{"id":2,"name":"x"}{"id":1,"name":"y"}`), "Success")
	wantRows(t, e, "d", []string{"id", "name"}, "1|y", "1|y", "2|x", "2|z", "2|x")
	wantDuplicates(t, e, "d", 2)
	if s := e.Stats("db", "d"); s.Loads != 2 || s.LoadedRows != 5 || s.DeletedRows != 0 {
		t.Fatalf("stats %+v", s)
	}
	// The same rows into a primary-key table: no duplicates.
	wantStatus(t, c.streamLoad("t", hdr{"label": "pa", "format": "json"}, `{"id":2,"name":"x"}{"id":1,"name":"y"}`), "Success")
	wantStatus(t, c.streamLoad("t", hdr{"label": "pb", "format": "json"}, `{"id":2,"name":"x"}{"id":1,"name":"y"}`), "Success")
	wantRows(t, e, "t", []string{"id", "name"}, "1|y", "2|x")
	wantDuplicates(t, e, "t", 0)
	// A label still deduplicates: its second use stores nothing.
	m := c.streamLoad("d", hdr{"label": "a", "format": "json"}, `{"id":9}`)
	wantStatus(t, m, "Label Already Exists")
	if m["ExistingJobStatus"] != "FINISHED" || len(rows(t, e, "d")) != 5 {
		t.Fatalf("%v, %d rows", m, len(rows(t, e, "d")))
	}
}

// StarRocks plans an __op slot only for primary-key tables
// (Load.tableSupportOpColumn, StreamLoadPlanner): on a duplicate-key table
// the JSON "__op" key is an unknown key and a columns-header __op is read
// but goes nowhere. A delete row is appended like any other.
func TestDuplicateKeyIgnoresOp(t *testing.T) {
	e := startEmu(t)
	dupTable(t, e)
	c := newClient(t, e)
	m := c.streamLoad("d", hdr{"label": "j", "format": "json"}, `{"id":1,"name":"a","__op":0}{"id":1,"name":"a","__op":1}{"id":2,"__op":"bogus"}`)
	wantStatus(t, m, "Success")
	if num(t, m, "NumberLoadedRows") != 3 || num(t, m, "NumberFilteredRows") != 0 {
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "d", []string{"id", "name"}, "1|a", "1|a", "2|NULL")
	// CSV: __op as a field, as a delete literal, and an unknown op string
	// (which a primary-key table refuses).
	wantStatus(t, c.streamLoad("d", hdr{"label": "c1", "columns": "id,name,score,__op"}, "3\tb\t1\t1\n"), "Success")
	wantStatus(t, c.streamLoad("d", hdr{"label": "c2", "columns": "id,name,score,__op='delete'"}, "3\tb\t1\n"), "Success")
	wantStatus(t, c.streamLoad("d", hdr{"label": "c3", "columns": "id,name,score,__op='merge'"}, "3\tb\t1\n"), "Success")
	m = c.streamLoad("t", hdr{"label": "pc3", "columns": "id,name,score,__op='merge'"}, "3\tb\t1\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "load op type string not supported: merge")
	wantRows(t, e, "d", []string{"id", "name"}, "1|a", "1|a", "2|NULL", "3|b", "3|b", "3|b")
	if s := e.Stats("db", "d"); s.DeletedRows != 0 || s.LoadedRows != 6 {
		t.Fatalf("stats %+v", s)
	}
	// The same JSON into the primary-key table deletes.
	wantStatus(t, c.streamLoad("t", hdr{"label": "pj", "format": "json"}, `{"id":1,"name":"a","__op":0}{"id":1,"name":"a","__op":1}`), "Success")
	wantRows(t, e, "t", []string{"id"})
}

func TestDuplicateKeyLoadRules(t *testing.T) {
	e := startEmu(t)
	dupTable(t, e)
	c := newClient(t, e)
	// StreamLoadPlanner: partial_update is refused on a non-primary-key table.
	m := c.streamLoad("d", hdr{"label": "p", "format": "json", "partial_update": "true", "columns": "id,name"}, `{"id":1,"name":"a"}`)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "Only primary key table support partial update")
	// The 128-byte limit is the primary key's (MemTable of PRIMARY_KEYS
	// tables); a long sort key loads.
	if err := e.CreateTableKind("db", "s", []Column{{Name: "k", Type: "VARCHAR(300)"}, {Name: "v", Type: "INT", Nullable: true}}, []string{"k"}, KindDuplicate); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("k", 200)
	wantStatus(t, c.streamLoad("s", hdr{"label": "l", "format": "json"}, `{"k":"`+long+`","v":1}`), "Success")
	// Nullable key columns are allowed; NULL sorts first.
	if err := e.CreateTableKind("db", "n", []Column{{Name: "k", Type: "INT", Nullable: true}, {Name: "v", Type: "INT", Nullable: true}}, []string{"k"}, KindDuplicate); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.streamLoad("n", hdr{"label": "n", "format": "json"}, `{"k":5,"v":1}{"v":2}{"k":-3,"v":3}{"v":4}`), "Success")
	wantRows(t, e, "n", []string{"k", "v"}, "NULL|2", "NULL|4", "-3|3", "5|1")
	// Rows of a filtered load are not appended (max_filter_ratio 0).
	m = c.streamLoad("d", hdr{"label": "f", "format": "json"}, `{"id":1}{"name":"no id"}`)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "too many filtered rows")
	if len(rows(t, e, "d")) != 0 {
		t.Fatal("a failed load appended rows")
	}
	// Rows(db, table) and Duplicates of an unknown table.
	if _, err := e.Duplicates("db", "nope"); err == nil {
		t.Fatal("Duplicates of an unknown table")
	}
}

func TestDuplicateKeyCreateValidation(t *testing.T) {
	e := startEmu(t)
	for _, tc := range []struct {
		cols []Column
		keys []string
		kind TableKind
		want string
	}{
		{[]Column{{Name: "f", Type: "DOUBLE"}}, []string{"f"}, KindDuplicate, "Invalid data type of key column 'f'"},
		{[]Column{{Name: "j", Type: "JSON"}}, []string{"j"}, KindDuplicate, "Invalid data type of key column 'j'"},
		{[]Column{{Name: "a", Type: "INT"}, {Name: "b", Type: "INT"}}, []string{"b"}, KindDuplicate, "Key columns must be the first few columns"},
		{[]Column{{Name: "a", Type: "INT"}}, nil, KindDuplicate, "DUPLICATE KEY is required"},
		{[]Column{{Name: "a", Type: "INT", Nullable: true}}, []string{"a"}, KindPrimaryKey, "primary key column[a] cannot be nullable"},
		{[]Column{{Name: "a", Type: "INT"}}, []string{"a"}, TableKind(7), "unknown table kind"},
	} {
		err := e.CreateTableKind("db", "x", tc.cols, tc.keys, tc.kind)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v %v: got %v, want %q", tc.cols, tc.keys, tc.kind, err, tc.want)
		}
	}
	// DECIMAL, DATE and CHAR sort keys are fine (not primary-key types).
	if err := e.CreateTableKind("db", "x", []Column{{Name: "m", Type: "DECIMAL(10,2)"}, {Name: "c", Type: "CHAR(3)"}}, []string{"m", "c"}, KindDuplicate); err != nil {
		t.Fatal(err)
	}
}

// A transaction's load calls append in order; a transaction that is
// rolled back appends nothing.
func TestDuplicateKeyTransaction(t *testing.T) {
	e := startEmu(t)
	dupTable(t, e)
	c := newClient(t, e)
	wantStatus(t, c.txn("begin", hdr{"table": "d", "label": "tx"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "d", "label": "tx", "format": "json"}, `{"id":1,"name":"a"}`), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "d", "label": "tx", "format": "json"}, `{"id":1,"name":"b"}{"id":1,"name":"a"}`), "OK")
	wantStatus(t, c.txn("prepare", hdr{"label": "tx"}, ""), "OK")
	wantStatus(t, c.txn("commit", hdr{"label": "tx"}, ""), "OK")
	wantRows(t, e, "d", []string{"id", "name"}, "1|a", "1|b", "1|a")
	wantDuplicates(t, e, "d", 1)

	wantStatus(t, c.txn("begin", hdr{"table": "d", "label": "rb"}, ""), "OK")
	wantStatus(t, c.txn("load", hdr{"table": "d", "label": "rb", "format": "json"}, `{"id":1,"name":"a"}`), "OK")
	wantStatus(t, c.txn("rollback", hdr{"label": "rb"}, ""), "OK")
	if len(rows(t, e, "d")) != 3 || e.Stats("db", "d").Loads != 1 {
		t.Fatalf("rollback appended: %v", rows(t, e, "d"))
	}
}

// CREATE TABLE ... DUPLICATE KEY over the MySQL port, and what the SQL
// side shows of such a table.
func TestMySQLDuplicateKeyTable(t *testing.T) {
	e, db := startSQLEmu(t)
	mustExec(t, db, "CREATE DATABASE d")
	mustExec(t, db, "CREATE TABLE d.e (id BIGINT, name VARCHAR(10) NOT NULL) DUPLICATE KEY(id) PROPERTIES('replication_num'='1')")
	got := queryStrings(t, db, "select column_name, is_nullable, column_key from information_schema.columns where table_schema = 'd' and table_name = 'e'")
	if fmt.Sprint(got) != "[[id YES DUP] [name NO ]]" {
		t.Errorf("columns = %v", got)
	}
	show := queryStrings(t, db, "SHOW CREATE TABLE d.e")[0][1]
	for _, want := range []string{"DUPLICATE KEY(`id`)", "DISTRIBUTED BY RANDOM", "`id` bigint(20) NULL"} {
		if !strings.Contains(show, want) {
			t.Errorf("SHOW CREATE TABLE lacks %q:\n%s", want, show)
		}
	}
	mustExec(t, db, "CREATE TABLE d.h (id BIGINT, v INT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(v) BUCKETS 2 PROPERTIES('replication_num'='1')")
	if show := queryStrings(t, db, "SHOW CREATE TABLE d.h")[0][1]; !strings.Contains(show, "DISTRIBUTED BY HASH(`v`) BUCKETS 2") {
		t.Errorf("hash on a value column of a duplicate key table:\n%s", show)
	}

	c := newClient(t, e)
	for _, l := range []string{"l1", "l2"} {
		if r := c.load("d", "e", l, hdr{"format": "json"}, `{"id":1,"name":"a"}{"name":"k"}`); r["Status"] != "Success" {
			t.Fatalf("load: %v", r)
		}
	}
	if got := queryStrings(t, db, "SELECT COUNT(*) FROM d.e"); fmt.Sprint(got) != "[[4]]" {
		t.Fatalf("count = %v", got)
	}
	if got := queryStrings(t, db, "SELECT * FROM d.e"); fmt.Sprint(got) != "[[NULL k] [NULL k] [1 a] [1 a]]" {
		t.Fatalf("rows = %v", got)
	}
	if n, err := e.Duplicates("d", "e"); err != nil || n != 2 {
		t.Fatalf("Duplicates = %d, %v", n, err)
	}
	// ALTER keeps every copy; TRUNCATE drops them all.
	mustExec(t, db, "ALTER TABLE d.e ADD COLUMN z INT NULL")
	if got := queryStrings(t, db, "SELECT COUNT(*) FROM d.e"); fmt.Sprint(got) != "[[4]]" {
		t.Fatalf("count after ALTER = %v", got)
	}
	mustExec(t, db, "TRUNCATE TABLE d.e")
	if got := queryStrings(t, db, "SELECT COUNT(*) FROM d.e"); fmt.Sprint(got) != "[[0]]" {
		t.Fatalf("count after TRUNCATE = %v", got)
	}
	// Rows loaded after TRUNCATE still sort after each other by load order.
	if r := c.load("d", "e", "l3", hdr{"format": "json"}, `{"id":1,"name":"b"}{"id":1,"name":"a"}`); r["Status"] != "Success" {
		t.Fatalf("load: %v", r)
	}
	if got := queryStrings(t, db, "SELECT id, name FROM d.e"); fmt.Sprint(got) != "[[1 b] [1 a]]" {
		t.Fatalf("rows = %v", got)
	}
}

// A CREATE TABLE without a key clause makes a DUPLICATE KEY table on its
// leading columns (CreateTableAnalyzer), as ddl plans for keyless topics.
func TestMySQLDefaultDuplicateKey(t *testing.T) {
	e, db := startSQLEmu(t)
	mustExec(t, db, "CREATE DATABASE d")
	for _, tc := range []struct{ cols, keys string }{
		{"a INT, b BIGINT, c VARCHAR(10), x INT", "[a b c]"},
		{"a BIGINT, b BIGINT, c BIGINT, x BIGINT", "[a b c]"},
		{"s VARCHAR(100), x INT", "[s]"},
		{"c CHAR(40), x INT", "[c]"},
		{"a INT, j JSON, x INT", "[a]"},
		{"a LARGEINT, b LARGEINT, c LARGEINT", "[a b]"},
	} {
		mustExec(t, db, "DROP TABLE IF EXISTS d.k")
		mustExec(t, db, "CREATE TABLE IF NOT EXISTS `d`.`k` (\n  "+tc.cols+"\n) ENGINE=OLAP\nDISTRIBUTED BY RANDOM\nPROPERTIES (\n  \"replication_num\" = \"1\"\n)")
		var keys []string
		for _, r := range queryStrings(t, db, "select column_name, column_key from information_schema.columns where table_schema = 'd' and table_name = 'k'") {
			if r[1] == "DUP" {
				keys = append(keys, r[0])
			} else if r[1] != "" {
				t.Errorf("%s: column_key %q", tc.cols, r[1])
			}
		}
		if fmt.Sprint(keys) != tc.keys {
			t.Errorf("%s: keys %v, want %s", tc.cols, keys, tc.keys)
		}
	}
	c := newClient(t, e)
	for _, l := range []string{"k1", "k2"} {
		if r := c.load("d", "k", l, hdr{"format": "json"}, `{"a":1,"b":2,"c":3}`); r["Status"] != "Success" {
			t.Fatalf("load: %v", r)
		}
	}
	if n, err := e.Duplicates("d", "k"); err != nil || n != 1 {
		t.Fatalf("Duplicates = %d, %v", n, err)
	}
}
