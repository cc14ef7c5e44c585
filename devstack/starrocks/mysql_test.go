package starrocks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// openSQL connects to the emulator's MySQL port with go-sql-driver/mysql.
func openSQL(t *testing.T, e *Emulator, user, pass, db string) *sql.DB {
	t.Helper()
	addr, err := e.ServeMySQL()
	if err != nil {
		t.Fatal(err)
	}
	cfg := gomysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, pass, "tcp", addr, db
	cfg.InterpolateParams = true
	cfg.Timeout = 5 * time.Second
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sdb := sql.OpenDB(conn)
	t.Cleanup(func() { sdb.Close() })
	return sdb
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// execErr runs q and returns the MySQL error (fails the test on success).
func execErr(t *testing.T, db *sql.DB, q string) *gomysql.MySQLError {
	t.Helper()
	_, err := db.Exec(q)
	var me *gomysql.MySQLError
	if !errors.As(err, &me) {
		t.Fatalf("%s: want a MySQL error, got %v", q, err)
	}
	return me
}

func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				row[i] = v.String
			} else {
				row[i] = "NULL"
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func startSQLEmu(t *testing.T) (*Emulator, *sql.DB) {
	t.Helper()
	e, err := Start(Config{Users: map[string]string{"root": "", "loader": "s3cret"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e, openSQL(t, e, "root", "", "")
}

const createT = "CREATE TABLE IF NOT EXISTS `d`.`t` (`id` BIGINT NOT NULL, `dt` DATE NOT NULL, `name` VARCHAR(20) NULL COMMENT 'who', `v` JSON, `tags` ARRAY<VARCHAR(10)>) " +
	"ENGINE=OLAP PRIMARY KEY(`id`, `dt`) COMMENT 'x' DISTRIBUTED BY HASH(`id`) BUCKETS 4 ORDER BY (`dt`) PROPERTIES (\"replication_num\" = \"1\")"

func TestMySQLCreateAndIntrospect(t *testing.T) {
	e, db := startSQLEmu(t)
	mustExec(t, db, "CREATE DATABASE IF NOT EXISTS d")
	mustExec(t, db, "CREATE DATABASE IF NOT EXISTS `d`")
	if me := execErr(t, db, "CREATE DATABASE d"); me.Number != 1007 {
		t.Errorf("CREATE DATABASE twice: %v", me)
	}
	mustExec(t, db, createT)
	mustExec(t, db, createT) // IF NOT EXISTS
	if me := execErr(t, db, strings.Replace(createT, "IF NOT EXISTS ", "", 1)); !strings.Contains(me.Message, "already exists") {
		t.Errorf("CREATE TABLE twice: %v", me)
	}
	got := queryStrings(t, db, "SELECT COLUMN_NAME, ORDINAL_POSITION, IS_NULLABLE, DATA_TYPE, COLUMN_TYPE, COLUMN_KEY, COLUMN_DEFAULT "+
		"FROM information_schema.columns WHERE TABLE_SCHEMA=? AND TABLE_NAME=? ORDER BY ORDINAL_POSITION", "d", "t")
	want := [][]string{
		{"id", "1", "NO", "bigint", "bigint(20)", "PRI", "NULL"},
		{"dt", "2", "NO", "date", "date", "PRI", "NULL"},
		{"name", "3", "YES", "varchar", "varchar(20)", "", "NULL"},
		{"v", "4", "YES", "json", "json", "", "NULL"},
		{"tags", "5", "YES", "array", "array<varchar(10)>", "", "NULL"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("information_schema.columns:\n got %v\nwant %v", got, want)
	}
	if got := queryStrings(t, db, "SHOW DATABASES"); fmt.Sprint(got) != "[[information_schema] [d]]" {
		t.Errorf("SHOW DATABASES = %v", got)
	}
	if got := queryStrings(t, db, "SHOW TABLES FROM d"); fmt.Sprint(got) != "[[t]]" {
		t.Errorf("SHOW TABLES = %v", got)
	}
	if me := execErr(t, db, "SHOW TABLES"); me.Number != 1046 {
		t.Errorf("SHOW TABLES without a database: %v", me)
	}
	sc := queryStrings(t, db, "SHOW CREATE TABLE d.t")
	for _, part := range []string{"CREATE TABLE `t` (", "`id` bigint(20) NOT NULL COMMENT \"\"", "`name` varchar(20) NULL COMMENT \"who\"",
		"PRIMARY KEY(`id`, `dt`)", "COMMENT \"x\"", "DISTRIBUTED BY HASH(`id`) BUCKETS 4", "ORDER BY(`dt`)", "\"replication_num\" = \"1\""} {
		if !strings.Contains(sc[0][1], part) {
			t.Errorf("SHOW CREATE TABLE lacks %q:\n%s", part, sc[0][1])
		}
	}
	// The CREATE of SHOW CREATE TABLE is accepted back.
	mustExec(t, db, "USE d")
	mustExec(t, db, "DROP TABLE t")
	mustExec(t, db, sc[0][1])
	if got := queryStrings(t, db, "DESC t"); len(got) != 5 || fmt.Sprint(got[0]) != "[id BIGINT NO true NULL ]" {
		t.Errorf("DESC = %v", got)
	}

	// Rows loaded over HTTP are visible to SELECT.
	c := newClient(t, e)
	r := c.load("d", "t", "l1", hdr{"format": "json"}, `{"id":2,"dt":"2024-01-02","name":"b"}`+"\n"+`{"id":1,"dt":"2024-01-01","name":null,"tags":["x"]}`)
	if r["Status"] != "Success" {
		t.Fatalf("load: %v", r)
	}
	if got := queryStrings(t, db, "SELECT * FROM t"); fmt.Sprint(got) != `[[1 2024-01-01 NULL NULL ["x"]] [2 2024-01-02 b NULL NULL]]` {
		t.Errorf("SELECT * = %v", got)
	}
	if got := queryStrings(t, db, "SELECT `name`, id FROM d.t ORDER BY id DESC LIMIT 1"); fmt.Sprint(got) != "[[b 2]]" {
		t.Errorf("SELECT ORDER BY = %v", got)
	}
	if got := queryStrings(t, db, "SELECT COUNT(*) FROM t"); fmt.Sprint(got) != "[[2]]" {
		t.Errorf("COUNT = %v", got)
	}
	mustExec(t, db, "TRUNCATE TABLE t")
	if got := queryStrings(t, db, "SELECT COUNT(*) FROM d.t"); fmt.Sprint(got) != "[[0]]" {
		t.Errorf("COUNT after TRUNCATE = %v", got)
	}
}

func TestMySQLCreateValidation(t *testing.T) {
	_, db := startSQLEmu(t)
	mustExec(t, db, "CREATE DATABASE d")
	mustExec(t, db, "USE d")
	for _, tc := range []struct{ stmt, want string }{
		{"CREATE TABLE a (v INT, id INT NOT NULL) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='1')",
			"Key columns must be the first few columns of the schema and the order of the key columns must be consistent with the order of the schema"},
		{"CREATE TABLE a (b INT, a INT) PRIMARY KEY(a, b) DISTRIBUTED BY HASH(a) PROPERTIES('replication_num'='1')",
			"Key columns must be the first few columns"},
		{"CREATE TABLE a (id INT NULL) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='1')",
			"primary key column[id] cannot be nullable"},
		{"CREATE TABLE a (id DOUBLE) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='1')",
			"primary key column[id] type not supported"},
		{"CREATE TABLE a (id DECIMAL(10,2)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='1')",
			"primary key column[id] type not supported"},
		{"CREATE TABLE a (id INT) PRIMARY KEY(id) DISTRIBUTED BY HASH(id)",
			"Table replication num should be less than of equal to the number of available BE nodes. You can change this default by setting the replication_num table properties. Current alive backend is [10001]. , table=a, default_replication_num=3"},
		{"CREATE TABLE a (id INT) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='3')",
			"Table replication num should be less than of equal to the number of available BE nodes"},
		{"CREATE TABLE a (id INT, v INT) PRIMARY KEY(id) DISTRIBUTED BY HASH(v) PROPERTIES('replication_num'='1')",
			"Distribution column[v] is not key column"},
		{"CREATE TABLE a (id INT) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 0 PROPERTIES('replication_num'='1')",
			"Number of hash distribution should be greater than zero."},
		// Clause order: DISTRIBUTED BY before PRIMARY KEY is a syntax error.
		{"CREATE TABLE a (id INT) DISTRIBUTED BY HASH(id) PRIMARY KEY(id)", "Getting syntax error"},
		{"CREATE TABLE a (id INT) PRIMARY KEY(id) PROPERTIES('replication_num'='1') DISTRIBUTED BY HASH(id)", "Getting syntax error"},
		{"CREATE TABLE a (id INT) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) ENGINE=OLAP", "Getting syntax error"},
		{"CREATE TABLE a (id INT) UNIQUE KEY(id) DISTRIBUTED BY HASH(id)", "not supported by the starcdc StarRocks emulator: UNIQUE KEY tables"},
		{"CREATE TABLE a (f DOUBLE, id INT) PROPERTIES('replication_num'='1')", "Data type of first column cannot be DOUBLE"},
		{"CREATE TABLE a (id INT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)", "Table replication num should be less than of equal to the number of available BE nodes"},
		{"CREATE TABLE a (f DOUBLE, id INT) DUPLICATE KEY(f) PROPERTIES('replication_num'='1')", "Invalid data type of key column 'f'"},
		{"CREATE TABLE a (id INT, v INT) DUPLICATE KEY(v) PROPERTIES('replication_num'='1')", "Key columns must be the first few columns of the schema"},
		{"CREATE TABLE a (id INT) PRIMARY KEY(id) DISTRIBUTED BY RANDOM PROPERTIES('replication_num'='1')", "Random distribution is only supported in DUPLICATE KEY tables"},
		{"CREATE TABLE a (id INT) PRIMARY KEY(id) PARTITION BY RANGE(id) () DISTRIBUTED BY HASH(id)", "not supported by the starcdc StarRocks emulator: PARTITION BY"},
		{"CREATE TABLE a (id INT, m MAP<INT,INT>) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='1')", "unsupported type"},
		{"CREATE TABLE a (id INT, __op INT) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='1')", "reserved"},
		{"CREATE TABLE nodb.a (id INT) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='1')", "Unknown database 'nodb'"},
		{"CREATE TABLE a (id INT, v INT DEFAULT '1') PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='1')", "column DEFAULT values"},
	} {
		me := execErr(t, db, tc.stmt)
		if !strings.Contains(me.Message, tc.want) {
			t.Errorf("%s\n got %v\nwant %q", tc.stmt, me, tc.want)
		}
	}
	// A key column without NULL/NOT NULL is NOT NULL; INT(11) and STRING are accepted.
	mustExec(t, db, "create table `a` (id int(11), s string, b boolean, l largeint) primary key (id) distributed by hash(id) properties ('replication_num' = '1');")
	got := queryStrings(t, db, "select column_name, is_nullable, column_type from information_schema.columns where table_schema = 'd' and table_name = 'a'")
	if fmt.Sprint(got) != "[[id NO int(11)] [s YES varchar(65533)] [b YES tinyint(1)] [l YES bigint(20) unsigned]]" {
		t.Errorf("columns = %v", got)
	}
}

func TestMySQLAlter(t *testing.T) {
	e, db := startSQLEmu(t)
	mustExec(t, db, "CREATE DATABASE d")
	mustExec(t, db, "CREATE TABLE d.t (id BIGINT NOT NULL, n INT, s VARCHAR(10), f FLOAT, m DECIMAL(10,2)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='1')")
	c := newClient(t, e)
	if r := c.load("d", "t", "l1", hdr{"format": "json"}, `{"id":1,"n":5,"s":"abc","f":1.5,"m":"1.25"}`); r["Status"] != "Success" {
		t.Fatalf("load: %v", r)
	}
	mustExec(t, db, "ALTER TABLE d.t ADD COLUMN a1 INT NULL DEFAULT NULL")
	mustExec(t, db, "ALTER TABLE `d`.`t` ADD COLUMN (a2 VARCHAR(5) NULL, a3 DATETIME)")
	mustExec(t, db, "ALTER TABLE d.t ADD COLUMN a0 BOOLEAN AFTER id")
	me := execErr(t, db, "ALTER TABLE d.t ADD COLUMN A1 BIGINT NULL")
	if me.Message != "Can not add column which already exists in base table: A1" {
		t.Errorf("duplicate ADD COLUMN: %v", me)
	}
	// A list is atomic: nothing is added when one column exists.
	execErr(t, db, "ALTER TABLE d.t ADD COLUMN (a4 INT, a1 INT)")
	for _, tc := range []struct{ stmt, want string }{
		{"ALTER TABLE d.t ADD COLUMN k INT KEY", "Can not add key column"},
		{"ALTER TABLE d.t ADD COLUMN z INT NOT NULL", "NOT NULL and has no default value"},
		{"ALTER TABLE d.t ADD COLUMN z INT FIRST", "before the key columns"},
		{"ALTER TABLE d.t MODIFY COLUMN n SMALLINT", "Can not change INT to SMALLINT"},
		{"ALTER TABLE d.t MODIFY COLUMN s VARCHAR(5)", "Cannot shorten string length"},
		{"ALTER TABLE d.t MODIFY COLUMN s INT", "Can not change VARCHAR(10) to INT"},
		{"ALTER TABLE d.t MODIFY COLUMN m DECIMAL(12,3)", "Can not change DECIMAL(10,2) to DECIMAL(12,3)"},
		{"ALTER TABLE d.t MODIFY COLUMN id INT", "Can not modify key column"},
		{"ALTER TABLE d.t MODIFY COLUMN n BIGINT NOT NULL", "Can not change from nullable to non-nullable"},
		{"ALTER TABLE d.t MODIFY COLUMN nope BIGINT", "Column[nope] does not exists"},
		{"ALTER TABLE d.t DROP COLUMN n", "not supported by the starcdc StarRocks emulator: ALTER TABLE d.t DROP COLUMN n"},
		{"ALTER TABLE d.nope ADD COLUMN x INT", "Unknown table 'd.nope'"},
	} {
		if me := execErr(t, db, tc.stmt); !strings.Contains(me.Message, tc.want) {
			t.Errorf("%s\n got %v\nwant %q", tc.stmt, me, tc.want)
		}
	}
	mustExec(t, db, "ALTER TABLE d.t MODIFY COLUMN n BIGINT NULL")
	mustExec(t, db, "ALTER TABLE d.t MODIFY COLUMN s VARCHAR(100), MODIFY COLUMN f DOUBLE, MODIFY COLUMN m DECIMAL(20,2)")
	got := queryStrings(t, db, "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='d' AND TABLE_NAME='t' ORDER BY ORDINAL_POSITION")
	want := "[[id bigint(20) NO] [a0 tinyint(1) YES] [n bigint(20) YES] [s varchar(100) YES] [f double YES] [m decimal(20, 2) YES] [a1 int(11) YES] [a2 varchar(5) YES] [a3 datetime YES]]"
	if fmt.Sprint(got) != want {
		t.Errorf("after ALTERs:\n got %v\nwant %v", got, want)
	}
	// Existing rows get NULL in new columns and keep their values.
	if got := queryStrings(t, db, "SELECT * FROM d.t"); fmt.Sprint(got) != "[[1 NULL 5 abc 1.5 1.25 NULL NULL NULL]]" {
		t.Errorf("rows after ALTER = %v", got)
	}
	// Loads see the new schema.
	if r := c.load("d", "t", "l2", hdr{"format": "json"}, `{"id":2,"a2":"hello","s":"a longer string"}`); r["Status"] != "Success" {
		t.Fatalf("load after ALTER: %v", r)
	}
	if got := queryStrings(t, db, "SELECT id, s, a2 FROM d.t ORDER BY id"); fmt.Sprint(got) != "[[1 abc NULL] [2 a longer string hello]]" {
		t.Errorf("rows = %v", got)
	}
}

// A load planned on the schema before an ALTER is refused at apply time.
func TestMySQLAlterRefusesStaleLoad(t *testing.T) {
	e, db := startSQLEmu(t)
	mustExec(t, db, "CREATE DATABASE d")
	mustExec(t, db, "CREATE TABLE d.t (id INT) PRIMARY KEY(id) PROPERTIES('replication_num'='1')")
	tbl, err := e.store.table("d", "t")
	if err != nil {
		t.Fatal(err)
	}
	stale := &applyBatch{schema: tbl.currentSchema(), ops: []rowOp{{key: "1:1;", cells: []any{"1"}}}, loaded: 1}
	mustExec(t, db, "ALTER TABLE d.t ADD COLUMN v INT")
	if err := tbl.apply(stale); err == nil || !strings.Contains(err.Error(), "changed during the load, retry it") {
		t.Fatalf("stale load: %v", err)
	}
	fresh := &applyBatch{schema: tbl.currentSchema(), ops: []rowOp{{key: "1:1;", cells: []any{"1", "2"}}}, loaded: 1}
	if err := tbl.apply(fresh); err != nil {
		t.Fatal(err)
	}
	if got := queryStrings(t, db, "SELECT * FROM d.t"); fmt.Sprint(got) != "[[1 2]]" {
		t.Errorf("rows = %v", got)
	}
}

func TestMySQLSessionAndErrors(t *testing.T) {
	e, db := startSQLEmu(t)
	// What clients send on connect.
	for _, q := range []string{"SET NAMES utf8mb4", "SET NAMES 'utf8' COLLATE 'utf8_general_ci'", "SET autocommit=1",
		"SET SESSION sql_mode = 'STRICT_TRANS_TABLES'", "SET @@session.time_zone = '+00:00', wait_timeout = 100"} {
		mustExec(t, db, q)
	}
	db.SetMaxOpenConns(1) // session variables live on one connection
	mustExec(t, db, "SET time_zone = 'Asia/Shanghai'")
	if got := queryStrings(t, db, "SELECT @@max_allowed_packet, @@version_comment, @@session.time_zone, 1, DATABASE()"); got[0][0] != "33554432" || got[0][2] != "Asia/Shanghai" || got[0][3] != "1" || got[0][4] != "NULL" {
		t.Errorf("SELECT @@ = %v", got)
	}
	if me := execErr(t, db, "SELECT @@no_such_var"); me.Number != 1193 {
		t.Errorf("unknown variable: %v", me)
	}
	if me := execErr(t, db, "USE nodb"); me.Number != 1049 || me.Message != "Unknown database 'nodb'" {
		t.Errorf("USE unknown: %v", me)
	}
	for _, q := range []string{"INSERT INTO d.t VALUES (1)", "DELETE FROM t", "BEGIN", "SELECT * FROM d.t WHERE id = 1", "SET GLOBAL x = 1", "GRANT ALL ON *.* TO root"} {
		if me := execErr(t, db, q); !strings.HasPrefix(me.Message, "not supported by the starcdc StarRocks emulator: ") {
			t.Errorf("%s: %v", q, me)
		}
	}
	if me := execErr(t, db, "CREATE USER u IDENTIFIED BY 'hunter2'"); strings.Contains(me.Message, "hunter2") {
		t.Errorf("password echoed: %v", me)
	}
	if me := execErr(t, db, "SELECT * FROM"); !strings.Contains(me.Message, "Getting syntax error at line 1, column 13") {
		t.Errorf("syntax error: %v", me)
	}
	// Server-side prepared statements (the driver's default without
	// interpolateParams) work for text and binary results.
	mustExec(t, db, "CREATE DATABASE d")
	mustExec(t, db, "CREATE TABLE d.t (id INT, s VARCHAR(20)) PRIMARY KEY(id) PROPERTIES('replication_num'='1')")
	prep := openSQL(t, e, "root", "", "")
	prep.SetMaxOpenConns(1)
	if _, err := prep.Exec("SET NAMES ?", "utf8"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, e)
	if r := c.load("d", "t", "l1", hdr{"format": "json"}, `{"id":1,"s":"it's"}`+"\n"+`{"id":2,"s":""}`+"\n"+`{"id":3}`); r["Status"] != "Success" {
		t.Fatalf("load: %v", r)
	}
	stmt, err := prep.Prepare("SELECT COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT FROM information_schema.columns WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	rows, err := stmt.Query("d", "t")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var name string
		var pos int64
		var def sql.NullString
		if err := rows.Scan(&name, &pos, &def); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s/%d/%v", name, pos, def.Valid))
	}
	rows.Close()
	if fmt.Sprint(got) != "[id/1/false s/2/false]" {
		t.Errorf("prepared information_schema = %v", got)
	}
	if got := queryStrings(t, prep, "SELECT * FROM d.t ORDER BY id"); fmt.Sprint(got) != "[[1 it's] [2 ] [3 NULL]]" {
		t.Errorf("prepared SELECT = %q", got)
	}
	if got := queryStrings(t, prep, "SELECT ?, ?, ?", int64(7), "it's", nil); fmt.Sprint(got) != "[[7 it's NULL]]" {
		t.Errorf("prepared constants = %q", got)
	}
	// Arguments are literals: a quote cannot widen the WHERE clause.
	if got := queryStrings(t, prep, "SELECT COUNT(*) FROM information_schema.columns WHERE TABLE_NAME = ?", "t' OR '1'='1"); fmt.Sprint(got) != "[[0]]" {
		t.Errorf("injection through a parameter: %v", got)
	}

	// Users and passwords are those of the HTTP side.
	ok := openSQL(t, e, "loader", "s3cret", "")
	if err := ok.Ping(); err != nil {
		t.Errorf("loader with the right password: %v", err)
	}
	bad := openSQL(t, e, "loader", "wrong", "")
	if err := bad.Ping(); err == nil || !strings.Contains(err.Error(), "Access denied") {
		t.Errorf("wrong password: %v", err)
	}
	nobody := openSQL(t, e, "nobody", "", "")
	if err := nobody.Ping(); err == nil {
		t.Errorf("unknown user connected")
	}
}

// Backtick-quoted identifiers may hold any character; a doubled backtick is
// one backtick, so a name cannot end the identifier early.
func TestMySQLQuotedIdentifiers(t *testing.T) {
	_, db := startSQLEmu(t)
	mustExec(t, db, "CREATE DATABASE `my db`")
	mustExec(t, db, "CREATE TABLE `my db`.`t``x; DROP TABLE y` (`id col` INT, `sel``ect` VARCHAR(3)) PRIMARY KEY(`id col`) PROPERTIES('replication_num'='1')")
	got := queryStrings(t, db, "SHOW TABLES FROM `my db`")
	if fmt.Sprint(got) != "[[t`x; DROP TABLE y]]" {
		t.Errorf("tables = %v", got)
	}
	got = queryStrings(t, db, "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", "my db", "t`x; DROP TABLE y")
	if fmt.Sprint(got) != "[[id col] [sel`ect]]" {
		t.Errorf("columns = %v", got)
	}
	sc := queryStrings(t, db, "SHOW CREATE TABLE `my db`.`t``x; DROP TABLE y`")
	if !strings.Contains(sc[0][1], "CREATE TABLE `t``x; DROP TABLE y`") || !strings.Contains(sc[0][1], "`sel``ect` varchar(3)") {
		t.Errorf("SHOW CREATE TABLE = %s", sc[0][1])
	}
}

func TestMySQLClose(t *testing.T) {
	e, db := startSQLEmu(t)
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := e.MySQLAddr()
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("MySQLAddr = %q", addr)
	}
	e.Close()
	if _, err := db.Exec("SELECT 1"); err == nil {
		t.Error("query after Close succeeded")
	}
}

// load runs a Stream Load into db.table with a label.
func (c *client) load(db, table, label string, h hdr, body string) map[string]any {
	c.t.Helper()
	all := hdr{"label": label}
	for k, v := range h {
		all[k] = v
	}
	return decodeJSON(c.t, c.followPut("/api/"+db+"/"+table+"/_stream_load", all, body))
}

// TestMySQLOutage: during MySQLOutage the open connections are closed and
// new ones reset; afterwards the same address serves again. The HTTP side
// is not affected.
func TestMySQLOutage(t *testing.T) {
	e, db := startSQLEmu(t)
	mustExec(t, db, "CREATE DATABASE d")
	mustExec(t, db, "CREATE TABLE d.t (id INT NOT NULL) PRIMARY KEY(id) PROPERTIES (\"replication_num\" = \"1\")")
	addr := e.MySQLAddr()
	end, err := e.MySQLOutage()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := db.Exec("SELECT 1"); err == nil {
			t.Fatal("a query during the outage succeeded")
		}
	}
	if n := e.MySQLResets(); n < 2 {
		t.Errorf("MySQLResets = %d, want ≥ 2 (the pooled connection and new ones)", n)
	}
	c := newClient(t, e)
	if res := c.load("d", "t", "during-outage", hdr{"format": "json"}, `{"id":1}`); res["Status"] != "Success" {
		t.Errorf("Stream Load during a MySQL outage: %v", res)
	}
	end()
	end()
	if got := queryStrings(t, db, "SELECT COUNT(*) FROM d.t"); len(got) != 1 || got[0][0] != "1" {
		t.Errorf("after the outage: %v", got)
	}
	if e.MySQLAddr() != addr {
		t.Errorf("address changed: %s → %s", addr, e.MySQLAddr())
	}
}
