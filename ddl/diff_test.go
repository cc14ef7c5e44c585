package ddl

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestNormalizeType(t *testing.T) {
	for in, want := range map[string]string{
		"int(11)": "INT", "INT": "INT", "integer": "INT", "tinyint(4)": "TINYINT", "tinyint(1)": "BOOLEAN", "boolean": "BOOLEAN",
		"smallint(6)": "SMALLINT", "bigint(20)": "BIGINT", "bigint(20) unsigned": "LARGEINT", "largeint": "LARGEINT",
		"varchar(20)": "VARCHAR(20)", "string": "VARCHAR(65533)", "char(3)": "CHAR(3)", "decimal(10, 2)": "DECIMAL(10,2)",
		"decimal64(18,4)": "DECIMAL(18,4)", "DECIMAL256(50,2)": "DECIMAL256(50,2)", "decimal(50, 2)": "DECIMAL256(50,2)",
		"datetime": "DATETIME", "date": "DATE", "json": "JSON", "float": "FLOAT", "double": "DOUBLE",
		"array<int(11)>": "ARRAY<INT>", "ARRAY<VARCHAR(10)>": "ARRAY<VARCHAR(10)>", "array<array<varchar(5)>>": "ARRAY<ARRAY<VARCHAR(5)>>",
		"map<varchar(10),int(11)>": "MAP<VARCHAR(10),INT(11)>", "varbinary": "VARBINARY(1048576)",
	} {
		got, err := NormalizeType(in)
		if err != nil || got != want {
			t.Errorf("NormalizeType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "varchar(x)", "decimal(10", "array<int"} {
		if _, err := NormalizeType(bad); err == nil {
			t.Errorf("NormalizeType(%q) accepted", bad)
		}
	}
}

func TestDiff(t *testing.T) {
	current := []Column{
		{Name: "id", Type: "INT", Key: true},
		{Name: "k2", Type: "VARCHAR(20)", Key: true},
		{Name: "i", Type: "INT", Nullable: true},
		{Name: "ti", Type: "TINYINT", Nullable: true},
		{Name: "s", Type: "VARCHAR(10)"}, // NOT NULL, kept
		{Name: "f", Type: "FLOAT", Nullable: true},
		{Name: "d", Type: "DECIMAL(10,2)", Nullable: true},
		{Name: "wide", Type: "BIGINT", Nullable: true},
		{Name: "dt", Type: "DATETIME", Nullable: true},
		{Name: "str", Type: "VARCHAR(100)", Nullable: true},
		{Name: "ds", Type: "DECIMAL(10,2)", Nullable: true},
		{Name: "gone", Type: "INT", Nullable: true},
		{Name: "Mixed", Type: "INT", Nullable: true},
		{Name: "arr", Type: "ARRAY<INT>", Nullable: true},
	}
	want := &Table{Name: "t", Key: []string{"id", "k2"}, Columns: []Column{
		{Name: "id", Type: "BIGINT", Key: true},      // key widening: incompatible
		{Name: "k2", Type: "VARCHAR(63)", Key: true}, // a key VARCHAR narrowed by hand: fine
		{Name: "i", Type: "BIGINT", Nullable: true},  // widen
		{Name: "ti", Type: "INT", Nullable: true},    // widen
		{Name: "s", Type: "VARCHAR(30)", Nullable: true},
		{Name: "f", Type: "DOUBLE", Nullable: true},
		{Name: "d", Type: "DECIMAL(12,2)", Nullable: true},
		{Name: "wide", Type: "INT", Nullable: true},         // table already wider
		{Name: "dt", Type: "DATE", Nullable: true},          // DATETIME holds dates
		{Name: "str", Type: "INT", Nullable: true},          // incompatible
		{Name: "ds", Type: "DECIMAL(12,4)", Nullable: true}, // scale change: incompatible
		{Name: "mixed", Type: "INT", Nullable: true},        // case-insensitive match
		{Name: "arr", Type: "ARRAY<BIGINT>", Nullable: true},
		{Name: "new1", Type: "VARCHAR(5)", Nullable: true},
		{Name: "new2", Type: "JSON", Nullable: true},
	}}
	adds, mods, inc := Diff(current, want)
	if want := []Column{{Name: "new1", Type: "VARCHAR(5)", Nullable: true}, {Name: "new2", Type: "JSON", Nullable: true}}; !reflect.DeepEqual(adds, want) {
		t.Errorf("adds = %+v", adds)
	}
	wantMods := []Column{
		{Name: "i", Type: "BIGINT", Nullable: true}, {Name: "ti", Type: "INT", Nullable: true},
		{Name: "s", Type: "VARCHAR(30)"}, {Name: "f", Type: "DOUBLE", Nullable: true}, {Name: "d", Type: "DECIMAL(12,2)", Nullable: true},
	}
	if !reflect.DeepEqual(mods, wantMods) {
		t.Errorf("modifies = %+v", mods)
	}
	joined := strings.Join(inc, "\n")
	if len(inc) != 4 {
		t.Errorf("incompatible: %d\n%s", len(inc), joined)
	}
	for _, s := range []string{
		"column id: the table has INT but the topic now needs BIGINT, and it is a primary key column",
		"column str: the table has VARCHAR(100) but the topic now needs INT, which StarRocks cannot change in place",
		"column ds: the table has DECIMAL(10,2) but the topic now needs DECIMAL(12,4)",
		"column arr: the table has ARRAY<INT> but the topic now needs ARRAY<BIGINT>",
	} {
		if !strings.Contains(joined, s) {
			t.Errorf("incompatible lacks %q:\n%s", s, joined)
		}
	}
	// Identical tables: nothing to do.
	a, m, i := Diff(want.Columns, want)
	if len(a)+len(m)+len(i) != 0 {
		t.Errorf("self diff: %v %v %v", a, m, i)
	}
}

func TestAlterSQL(t *testing.T) {
	got := AlterSQL("d", "t", []Column{{Name: "a", Type: "INT"}}, nil)
	if fmt.Sprint(got) != "[ALTER TABLE `d`.`t` ADD COLUMN `a` INT NULL]" {
		t.Errorf("one add: %v", got)
	}
	got = AlterSQL("d", "t", []Column{{Name: "a", Type: "INT"}, {Name: "b`c", Type: "JSON"}}, []Column{{Name: "s", Type: "VARCHAR(9)"}})
	want := []string{"ALTER TABLE `d`.`t` ADD COLUMN (`a` INT NULL, `b``c` JSON NULL)", "ALTER TABLE `d`.`t` MODIFY COLUMN `s` VARCHAR(9) NOT NULL"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AlterSQL = %q", got)
	}
}

func TestOptionsFromConfig(t *testing.T) {
	o, err := OptionsFromConfig(map[string]string{"other": "x"})
	if err != nil || o.AutoCreate || o.Evolution != EvolveNone || o.ReplicationNum != 0 || o.Buckets != 0 || o.MySQLURL != "" {
		t.Errorf("defaults: %+v %v", o, err)
	}
	o, err = OptionsFromConfig(map[string]string{
		KeyAutoCreate: " TRUE ", KeyMySQLURL: "jdbc:mysql://fe1:9031/db?x=1,fe2:9030", KeyBuckets: "8", KeyReplicationNum: "1",
		KeyPropertyPrefix + "enable_persistent_index": "true", KeyDecimal256: "true", KeyKeyless: "duplicate",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !o.AutoCreate || o.Evolution != EvolveAddColumns || o.MySQLURL != "fe1:9031" || o.Buckets != 8 || o.ReplicationNum != 1 ||
		o.Properties["enable_persistent_index"] != "true" || !o.TypeOptions.Decimal256 || !o.DuplicateKeyWithoutKey || o.AllowModify() {
		t.Errorf("parsed: %+v", o)
	}
	o, _ = OptionsFromConfig(map[string]string{KeyAutoCreate: "true", KeyEvolution: "add_and_widen"})
	if o.Evolution != EvolveAddAndWiden || !o.AllowModify() {
		t.Errorf("add_and_widen: %+v", o)
	}
	o, _ = OptionsFromConfig(map[string]string{KeyEvolution: "add_columns"})
	if o.AutoCreate || o.Evolution != EvolveAddColumns {
		t.Errorf("evolution without auto-create: %+v", o)
	}
	for k, v := range map[string]string{
		KeyAutoCreate: "yes please", KeyEvolution: "drop", KeyBuckets: "-1", KeyReplicationNum: "-1", KeyMySQLURL: "http://fe:9030",
		"starrocks.table.bucket": "4", KeyPropertyPrefix + "replication_num": "1", KeyKeyless: "maybe", KeyDecimal256: "2",
	} {
		if _, err := OptionsFromConfig(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	if _, err := OptionsFromConfig(map[string]string{KeyMySQLURL: "mysql://root:pw@fe:9030"}); err == nil || strings.Contains(err.Error(), "pw") || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("credentials in URL: %v", err)
	}
	for in, want := range map[string]string{"fe": "fe:9030", "fe:9031": "fe:9031", "mysql://fe": "fe:9030", "[::1]:9030": "[::1]:9030", "10.0.0.1": "10.0.0.1:9030"} {
		if got, err := parseMySQLURL(in); err != nil || got != want {
			t.Errorf("parseMySQLURL(%q) = %q, %v", in, got, err)
		}
	}
	addr, err := Options{}.MySQLAddr([]string{"http://fe-1.example:8030", "http://fe-2:8030"})
	if err != nil || addr != "fe-1.example:9030" {
		t.Errorf("MySQLAddr = %q, %v", addr, err)
	}
	if addr, _ := (Options{MySQLURL: "x:1"}).MySQLAddr(nil); addr != "x:1" {
		t.Errorf("MySQLAddr explicit = %q", addr)
	}
	if _, err := (Options{}).MySQLAddr(nil); err == nil {
		t.Error("MySQLAddr without URLs")
	}
}
