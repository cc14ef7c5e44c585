package ddl

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/internal/fixtures"
	"github.com/starcdc/starcdc/mapping"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return fixtures.Read(t, name)
}

// decodeSchema decodes a JsonConverter schemas.enable=true fixture and
// returns its schema.
func decodeSchema(t testing.TB, name string) *decode.Schema {
	t.Helper()
	c := &decode.JSONConverter{SchemasEnable: true}
	rec, err := c.Decode(context.Background(), "topic", fixture(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if rec.Schema == nil {
		t.Fatalf("%s: no schema", name)
	}
	return rec.Schema
}

// keyOf builds the key schema Debezium sends for a table keyed by the named
// row fields (the fixtures carry values only, except mysql240_key).
func keyOf(t testing.TB, value *decode.Schema, names ...string) *decode.Schema {
	t.Helper()
	row, err := RowSchema(value)
	if err != nil {
		t.Fatal(err)
	}
	k := &decode.Schema{Type: decode.TypeStruct, Name: strings.TrimSuffix(value.Name, ".Envelope") + ".Key"}
	for i, n := range names {
		f := row.Field(n)
		if f == nil {
			t.Fatalf("no field %s", n)
		}
		fs := *f.Schema
		fs.Optional = false
		k.Fields = append(k.Fields, decode.Field{Name: n, Index: i, Schema: &fs})
	}
	return k
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ddl -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// Golden DDL for every fixture that carries a schema.
func TestPlanFixturesGolden(t *testing.T) {
	o := Options{ReplicationNum: 1}
	for _, tc := range []struct{ fixture, table string }{
		{"mysql195_d_withschema.json", "customers"},
		{"mysql195_r_snapshot_withschema.json", "customers"},
		{"mysql195_u_withschema.json", "customers"},
		{"mysql198_c_geometry_withschema.json", "geo_table"},
		{"mysql254_c_logical_types_withschema.json", "example_table"},
		{"mysql254_d_logical_types_withschema.json", "example_table"},
		{"pg198_c_arrays_withschema.json", "all_array_types"},
		{"pg198_d_arrays_withschema.json", "all_array_types"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			v := decodeSchema(t, tc.fixture)
			tbl, notes, err := Plan(tc.table, keyOf(t, v, "id"), v, o)
			if err != nil {
				t.Fatal(err)
			}
			if err := tbl.Validate(); err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(tc.fixture, ".json")+".sql", Format("inventory", tbl, notes))
		})
	}
	// The real key fixture, with the key as the (flattened) value.
	k := decodeSchema(t, "mysql240_key_withschema.json")
	tbl, notes, err := Plan("all_types_table", k, k, o)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "mysql240_key_withschema.sql", Format("workdb", tbl, notes))
}

func str(optional bool) *decode.Schema {
	return &decode.Schema{Type: decode.TypeString, Optional: optional}
}

func structOf(name string, fields ...decode.Field) *decode.Schema {
	for i := range fields {
		fields[i].Index = i
	}
	return &decode.Schema{Type: decode.TypeStruct, Name: name, Fields: fields}
}

func fld(name string, s *decode.Schema) decode.Field { return decode.Field{Name: name, Schema: s} }

func TestPlanKeys(t *testing.T) {
	dbl := &decode.Schema{Type: decode.TypeFloat64}
	dec := &decode.Schema{Type: decode.TypeBytes, Name: "org.apache.kafka.connect.data.Decimal", Parameters: map[string]string{"scale": "2", "connect.decimal.precision": "10"}}
	i64 := &decode.Schema{Type: decode.TypeInt64}
	row := structOf("r", fld("v", str(true)), fld("price", dec), fld("ratio", dbl), fld("id", i64), fld("a", str(false)), fld("b", str(false)))

	// Key fields move first, in key order; refused key types become VARCHAR with a note.
	tbl, notes, err := Plan("t1", structOf("k", fld("ratio", dbl), fld("price", dec), fld("id", i64)), row, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "CREATE TABLE IF NOT EXISTS `d`.`t1` (\n  `ratio` VARCHAR(58) NOT NULL,\n  `price` VARCHAR(58) NOT NULL,\n  `id` BIGINT NOT NULL,\n" +
		"  `v` VARCHAR(1048576) NULL,\n  `a` VARCHAR(1048576) NULL,\n  `b` VARCHAR(1048576) NULL\n) ENGINE=OLAP\nPRIMARY KEY(`ratio`, `price`, `id`)\nDISTRIBUTED BY HASH(`ratio`, `price`, `id`)"
	if got := tbl.CreateSQL("d"); got != want {
		t.Errorf("CreateSQL:\n%s\nwant\n%s", got, want)
	}
	if KeyWidth(tbl.Columns[:3]) > PrimaryKeyLimit {
		t.Errorf("key width %d", KeyWidth(tbl.Columns[:3]))
	}
	text := ""
	for _, n := range notes {
		text += n.String() + "\n"
	}
	for _, s := range []string{"column ratio: StarRocks does not allow DOUBLE in a primary key", "column price: StarRocks does not allow DECIMAL",
		"column price: narrowed from VARCHAR(80) to VARCHAR(58)"} {
		if !strings.Contains(text, s) {
			t.Errorf("notes lack %q:\n%s", s, text)
		}
	}

	// Two unbounded string keys share the 128 bytes (2 bytes of separator).
	tbl, notes, err = Plan("t1", structOf("k", fld("a", str(false)), fld("b", str(false))), row, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Columns[0].Type != "VARCHAR(63)" || tbl.Columns[1].Type != "VARCHAR(63)" || len(notes) != 2 || KeyWidth(tbl.Columns[:2]) != 128 {
		t.Errorf("narrowed key: %+v %v", tbl.Columns[:2], notes)
	}
	// A short key string keeps its length; the other gets the rest.
	short := &decode.Schema{Type: decode.TypeString, Parameters: map[string]string{"__debezium.source.column.length": "5"}}
	row2 := structOf("r", fld("a", short), fld("b", str(false)), fld("n", i64))
	tbl, _, err = Plan("t1", structOf("k", fld("n", i64), fld("a", short), fld("b", str(false))), row2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Columns[1].Type != "VARCHAR(20)" || tbl.Columns[2].Type != "VARCHAR(98)" {
		t.Errorf("mixed key: %+v", tbl.Columns)
	}

	// No key.
	_, _, err = Plan("t1", nil, row, Options{})
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "starrocks.table.keyless=duplicate") {
		t.Errorf("no key: %v", err)
	}
	tbl, notes, err = Plan("t1", nil, row, Options{DuplicateKeyWithoutKey: true, Buckets: 8})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Model != DuplicateKey || len(notes) != 1 || !strings.Contains(tbl.CreateSQL("d"), "DUPLICATE KEY(`v`)\nDISTRIBUTED BY RANDOM BUCKETS 8") {
		t.Errorf("duplicate key table:\n%s\n%v", tbl.CreateSQL("d"), notes)
	}
	// A key that is not a struct, or names a missing field.
	if _, _, err := Plan("t1", i64, row, Options{}); !errors.Is(err, ErrNoKey) {
		t.Errorf("primitive key: %v", err)
	}
	if _, _, err := Plan("t1", structOf("k", fld("nope", i64)), row, Options{}); !errors.Is(err, ErrNoKey) {
		t.Errorf("missing key field: %v", err)
	}
	// Options reach the statement.
	tbl, _, err = Plan("t1", structOf("k", fld("id", i64)), row, Options{Buckets: 4, ReplicationNum: 1, Properties: map[string]string{"enable_persistent_index": "true", `x"y`: `a\b"c`}})
	if err != nil {
		t.Fatal(err)
	}
	if got := tbl.CreateSQL("d"); !strings.HasSuffix(got, "DISTRIBUTED BY HASH(`id`) BUCKETS 4\nPROPERTIES (\n  \"enable_persistent_index\" = \"true\",\n  \"replication_num\" = \"1\",\n  \"x\\\"y\" = \"a\\\\b\\\"c\"\n)") {
		t.Errorf("CreateSQL with options:\n%s", got)
	}
}

// A flattened row from ExtractNewRecordState with add.fields=op and
// delete.handling.mode=rewrite: __op is not a column, __deleted is.
func TestPlanFlattened(t *testing.T) {
	i64 := &decode.Schema{Type: decode.TypeInt64}
	row := structOf("server.db.t.Value", fld("id", i64), fld("name", str(true)), fld("__op", str(true)), fld("__deleted", str(true)))
	tbl, notes, err := Plan("t1", structOf("k", fld("id", i64)), row, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := colString(tbl.Columns); got != "id BIGINT NOT NULL KEY, name VARCHAR(1048576), __deleted VARCHAR(1048576)" {
		t.Errorf("columns: %s", got)
	}
	if len(notes) != 1 || notes[0].Column != "__op" {
		t.Errorf("notes: %v", notes)
	}
}

func TestPlanSchemas(t *testing.T) {
	i64 := &decode.Schema{Type: decode.TypeInt64}
	key := structOf("k", fld("id", i64))
	if _, _, err := Plan("t1", key, nil, Options{}); !errors.Is(err, ErrNoSchema) {
		t.Errorf("nil value: %v", err)
	}
	if _, _, err := Plan("t1", key, str(false), Options{}); !errors.Is(err, ErrNoSchema) {
		t.Errorf("string value: %v", err)
	}
	if _, _, err := Plan("t1", key, structOf("x.Envelope", fld("op", str(false))), Options{}); !errors.Is(err, ErrNoSchema) {
		t.Errorf("envelope without after: %v", err)
	}
	if _, _, err := Plan("t1", key, structOf("r", fld("id", i64), fld("ID", i64)), Options{}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("case-insensitive duplicate: %v", err)
	}
	// DECIMAL256 follows the type option.
	wide := &decode.Schema{Type: decode.TypeBytes, Name: "org.apache.kafka.connect.data.Decimal", Parameters: map[string]string{"scale": "2", "connect.decimal.precision": "50"}}
	row := structOf("r", fld("id", i64), fld("w", wide))
	tbl, _, _ := Plan("t1", key, row, Options{})
	tbl256, _, _ := Plan("t1", key, row, Options{TypeOptions: mapping.TypeOptions{Decimal256: true}})
	if tbl.Columns[1].Type != "VARCHAR(52)" || tbl256.Columns[1].Type != "DECIMAL256(50,2)" {
		t.Errorf("decimal 50: %s / %s", tbl.Columns[1].Type, tbl256.Columns[1].Type)
	}
}

// No topic, table, column or property can inject SQL.
func TestPlanRefusesInjection(t *testing.T) {
	i64 := &decode.Schema{Type: decode.TypeInt64}
	key := structOf("k", fld("id", i64))
	row := structOf("r", fld("id", i64))
	for _, name := range []string{"t`; DROP TABLE x; --", "t; DROP TABLE x", "t\x00", "a b", "", "db.t", "`t`", strings.Repeat("a", 1025)} {
		if _, _, err := Plan(name, key, row, Options{}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("table %q: %v", name, err)
		}
	}
	for _, col := range []string{"id`) DISTRIBUTED BY HASH(x", "a\x00b", "a\nb", "__OP", "__ROW_x", ""} {
		bad := structOf("r", fld("id", i64), fld(col, i64))
		if _, _, err := Plan("t1", key, bad, Options{}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("column %q: %v", col, err)
		}
	}
	for _, db := range []string{"d`x", "d\x00", "", strings.Repeat("d", 257)} {
		if err := ValidateDatabase(db); !errors.Is(err, ErrInvalidName) {
			t.Errorf("database %q: %v", db, err)
		}
	}
	// Names StarRocks accepts and SQL must quote are fine, and quoting is
	// safe even for a hand-made Table that skipped validation.
	ok := structOf("r", fld("id", i64), fld("select", i64), fld("my col", i64), fld("naïve", i64))
	tbl, _, err := Plan("t1", key, ok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := tbl.CreateSQL("my db"); !strings.Contains(s, "`my db`.`t1`") || !strings.Contains(s, "`select` BIGINT NULL") || !strings.Contains(s, "`my col` BIGINT NULL") {
		t.Errorf("quoted:\n%s", s)
	}
	hand := &Table{Name: "t", Columns: []Column{{Name: "a`b", Type: "INT", Key: true}}, Key: []string{"a`b"}}
	if err := hand.Validate(); !errors.Is(err, ErrInvalidName) {
		t.Errorf("hand-made table validates: %v", err)
	}
	if s := hand.CreateSQL("d`x"); !strings.Contains(s, "`d``x`.`t`") || !strings.Contains(s, "`a``b` INT") {
		t.Errorf("quoting: %s", s)
	}
	// Notes cannot break out of their SQL comment.
	out := Format("d", tbl, []Note{{Column: "x", Text: "line1\nDROP TABLE t"}})
	if !strings.HasPrefix(out, "-- column x: line1 DROP TABLE t\nCREATE TABLE") {
		t.Errorf("Format: %q", out)
	}
}

func TestFingerprint(t *testing.T) {
	a := decodeSchema(t, "mysql195_u_withschema.json")
	b := decodeSchema(t, "mysql195_d_withschema.json")
	k := keyOf(t, a, "id")
	if Fingerprint(k, a) != Fingerprint(keyOf(t, b, "id"), b) {
		t.Error("the same table's schema from two messages differs")
	}
	g := decodeSchema(t, "mysql198_c_geometry_withschema.json")
	if Fingerprint(k, a) == Fingerprint(k, g) || Fingerprint(k, a) == Fingerprint(nil, a) {
		t.Error("different schemas collide")
	}
	row, _ := RowSchema(a)
	changed := *row
	changed.Fields = append(append([]decode.Field(nil), row.Fields...), fld("extra", str(true)))
	if Fingerprint(k, row) == Fingerprint(k, &changed) {
		t.Error("an added field does not change the fingerprint")
	}
	if n := testing.AllocsPerRun(100, func() { Fingerprint(k, a) }); n > 10 {
		t.Errorf("Fingerprint allocates %v times", n)
	}
}
