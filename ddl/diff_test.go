package ddl

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/config"
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

// TestOptionsFrom: the Options are config's typed values, as they are (the
// parsing of the keys is tested in package config, TestDDLKeys).
func TestOptionsFrom(t *testing.T) {
	o := OptionsFrom(config.DDL{Evolution: config.EvolveNone}, config.Mapping{})
	if o.AutoCreate || o.Evolution != EvolveNone || o.ReplicationNum != 0 || o.Buckets != 0 || o.AllowModify() {
		t.Errorf("defaults: %+v", o)
	}
	o = OptionsFrom(config.DDL{AutoCreate: true, Evolution: config.EvolveAddColumns, Buckets: 8, ReplicationNum: 1,
		Properties: map[string]string{"enable_persistent_index": "true"}, DuplicateKeyWithoutKey: true},
		config.Mapping{Decimal256: true, Varbinary: true})
	if !o.AutoCreate || o.Evolution != EvolveAddColumns || o.Buckets != 8 || o.ReplicationNum != 1 ||
		o.Properties["enable_persistent_index"] != "true" || !o.TypeOptions.Decimal256 || !o.TypeOptions.Varbinary || !o.DuplicateKeyWithoutKey || o.AllowModify() {
		t.Errorf("parsed: %+v", o)
	}
	o = OptionsFrom(config.DDL{AutoCreate: true, Evolution: config.EvolveAddAndWiden}, config.Mapping{})
	if o.Evolution != EvolveAddAndWiden || !o.AllowModify() {
		t.Errorf("add_and_widen: %+v", o)
	}
}
