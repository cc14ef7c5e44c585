package starrocks

import (
	"strings"
	"testing"
)

func js(raw string) srcVal { return jsonValue([]byte(raw)) }
func text(s string) srcVal { return srcVal{kind: vString, text: s} }
func mustType(s string) *colType {
	t, err := parseType(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestConvert(t *testing.T) {
	const fail = "\x00fail"
	cases := []struct {
		typ  string
		in   srcVal
		want string // fail = conversion error
	}{
		// Integers: JSON ints range-checked, floats truncated, strings int
		// else float, bools an error (§5.2).
		{"TINYINT", js("127"), "127"},
		{"TINYINT", js("128"), fail},
		{"INT", js("-3.9"), "-3"},
		{"INT", js(`" 42 "`), "42"},
		{"INT", js(`"4.7"`), "4"},
		{"INT", js("true"), fail},
		{"INT", js(`{"a":1}`), fail},
		{"BIGINT", js("9223372036854775807"), "9223372036854775807"},
		{"BIGINT", js("9223372036854775808"), fail},
		{"BIGINT", js("1e30"), fail},
		{"SMALLINT", text("007"), "7"},
		{"INT", text("abc"), fail},
		{"INT", text("inf"), fail},
		{"LARGEINT", js("-170141183460469231731687303715884105728"), "-170141183460469231731687303715884105728"},
		{"LARGEINT", js("170141183460469231731687303715884105728"), fail},
		{"LARGEINT", js("12.9"), "12"},
		// BOOLEAN.
		{"BOOLEAN", js("true"), "1"},
		{"BOOLEAN", js("0.0"), "0"},
		{"BOOLEAN", js("2"), "1"},
		{"BOOLEAN", js(`"false"`), "0"},
		{"BOOLEAN", js(`"yes"`), fail},
		// Floating point, printed as Go strconv 'g' shortest.
		{"DOUBLE", js("0.1"), "0.1"},
		{"DOUBLE", js("100"), "100"},
		{"DOUBLE", js("1e21"), "1e+21"},
		{"DOUBLE", js("1e400"), fail},
		{"FLOAT", js("1.1"), "1.1"},
		{"FLOAT", js("1e39"), fail},
		{"DOUBLE", text("nan"), fail},
		// DECIMAL: HALF_UP, overflow is an error (NULL in non-strict mode).
		{"DECIMAL(10,2)", js("1.005"), "1.01"},
		{"DECIMAL(10,2)", js("1.004"), "1.00"},
		{"DECIMAL(10,2)", js("-1.005"), "-1.01"},
		{"DECIMAL(10,2)", js(`"12"`), "12.00"},
		{"DECIMAL(10,2)", js("1.5e2"), "150.00"},
		{"DECIMAL(10,2)", js("-0.001"), "0.00"},
		{"DECIMAL(10,2)", js("99999999.994"), "99999999.99"},
		{"DECIMAL(10,2)", js("99999999.995"), fail},
		{"DECIMAL(10,0)", js("0.5"), "1"},
		{"DECIMAL(38,10)", js("12345678901234567890.0123456789"), "12345678901234567890.0123456789"},
		{"DECIMAL(5,2)", text("1,5"), fail},
		// Strings: raw number token, bools 1/0, objects minified; byte length.
		{"VARCHAR(10)", js("1.50"), "1.50"},
		{"VARCHAR(10)", js("false"), "0"},
		{"VARCHAR(20)", js(`{"a": [1, 2]}`), `{"a":[1,2]}`},
		{"VARCHAR(3)", js(`"héé"`), fail}, // 5 bytes
		{"VARCHAR(5)", js(`"héé"`), "héé"},
		{"CHAR(2)", js(`"abc"`), fail},
		{"STRING", js(`"x\ny"`), "x\ny"},
		// VARBINARY.
		{"VARBINARY", js(`"\u0000\u00ff"`), "\x00\u00ff"},
		{"VARBINARY(2)", js(`"abc"`), fail},
		// DATE / DATETIME.
		{"DATE", js(`"2024-04-12"`), "2024-04-12"},
		{"DATE", js(`"2024-04-12 10:30:00"`), "2024-04-12"},
		{"DATE", js("20240412"), "2024-04-12"},
		{"DATE", js(`"24/4/5"`), "2024-04-05"},
		{"DATE", js(`"75-1-2"`), "1975-01-02"},
		{"DATE", js(`"2023-02-29"`), fail},
		{"DATE", js(`"2024-02-29"`), "2024-02-29"},
		{"DATE", js(`"2024-13-01"`), fail},
		{"DATE", js(`"yesterday"`), fail},
		{"DATETIME", js(`"2024-04-12T10:30:00Z"`), "2024-04-12 10:30:00"},
		{"DATETIME", js(`"2024-04-12 10:30:00.000000"`), "2024-04-12 10:30:00"},
		{"DATETIME", js(`"2024-04-12 10:30:00.1234567+08:00"`), "2024-04-12 10:30:00.123456"},
		{"DATETIME", js(`"2024-04-12 10:30:00-0530"`), "2024-04-12 10:30:00"},
		{"DATETIME", js(`"2024-04-12"`), "2024-04-12 00:00:00"},
		{"DATETIME", js(`"2024-04-12 10:30"`), "2024-04-12 10:30:00"},
		{"DATETIME", js(`"20240412103000"`), "2024-04-12 10:30:00"},
		{"DATETIME", js(`"2024-04-12 24:00:00"`), fail},
		{"DATETIME", js(`"2024-04-12 10:30:00 PST"`), fail},
		{"DATETIME", js("true"), fail},
		// JSON column: any JSON value as-is; CSV text must be JSON.
		{"JSON", js(`"{\"a\":1}"`), `"{\"a\":1}"`},
		{"JSON", js("1.50"), "1.50"},
		{"JSON", js(`[1, {"b" : null}]`), `[1,{"b":null}]`},
		{"JSON", text(`{"a": 1}`), `{"a":1}`},
		{"JSON", text(`not json`), fail},
		// ARRAY: needs an array; bad elements become NULL.
		{"ARRAY<INT>", js(`[1, "2", 3.7, "x", null]`), "[1,2,3,null,null]"},
		{"ARRAY<VARCHAR(2)>", js(`["ab", "abc", 5]`), `["ab",null,"5"]`},
		{"ARRAY<DATE>", js(`["2024-01-02"]`), `["2024-01-02"]`},
		{"ARRAY<ARRAY<INT>>", js(`[[1],[2,3],[]]`), "[[1],[2,3],[]]"},
		{"ARRAY<INT>", js(`"[1,2]"`), fail},
		{"ARRAY<INT>", text(`[1, 2]`), "[1,2]"},
		{"ARRAY<INT>", js(`{"a":1}`), fail},
	}
	for _, c := range cases {
		got, reason := mustType(c.typ).convert(c.in, "c")
		if c.want == fail {
			if reason == "" {
				t.Errorf("%s <- %q: got %q, want a failure", c.typ, c.in.text, got)
			}
			continue
		}
		if reason != "" || got != c.want {
			t.Errorf("%s <- %q: got %q (%s), want %q", c.typ, c.in.text, got, reason, c.want)
		}
	}
}

func TestConvertFailureReasons(t *testing.T) {
	for _, c := range []struct {
		typ, raw, want string
	}{
		{"VARCHAR(3)", `"abcd"`, "String (length=4) is too long. The max length of 'c' is 3"},
		{"DECIMAL(4,2)", `"123.4"`, "Decimal '123.4' is out of range. The type of 'c' is DECIMAL(4,2)"},
		{"INT", `"x"`, "Value 'x' is out of range. The type of 'c' is INT"},
		{"TINYINT", `300`, "Value is overflow. column=c, value=300"},
	} {
		_, reason := mustType(c.typ).convert(js(c.raw), "c")
		if reason != c.want {
			t.Errorf("%s <- %s: reason %q, want %q", c.typ, c.raw, reason, c.want)
		}
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string][2]string{
		"int":                    {"INT", "int(11)"},
		"Boolean":                {"BOOLEAN", "tinyint(1)"},
		"LARGEINT":               {"LARGEINT", "bigint(20) unsigned"},
		"decimal":                {"DECIMAL(10,0)", "decimal(10, 0)"},
		"DECIMAL( 20 , 4 )":      {"DECIMAL(20,4)", "decimal(20, 4)"},
		"varchar(65533)":         {"VARCHAR(65533)", "varchar(65533)"},
		"STRING":                 {"VARCHAR(65533)", "varchar(65533)"},
		"char":                   {"CHAR(1)", "char(1)"},
		"array<array<bigint>>":   {"ARRAY<ARRAY<BIGINT>>", "array<array<bigint(20)>>"},
		"VARBINARY":              {"VARBINARY(1048576)", "varbinary(1048576)"},
		"datetime":               {"DATETIME", "datetime"},
		" ARRAY< VARCHAR(10) > ": {"ARRAY<VARCHAR(10)>", "array<varchar(10)>"},
	} {
		typ, err := parseType(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if typ.String() != want[0] || typ.columnType() != want[1] {
			t.Errorf("%q: %s / %s, want %v", in, typ, typ.columnType(), want)
		}
	}
	for _, bad := range []string{"MAP<INT,INT>", "STRUCT<a INT>", "VARCHAR", "VARCHAR(0)", "VARCHAR(1048577)",
		"CHAR(256)", "DECIMAL(39,2)", "DECIMAL(5,6)", "INT(11)", "ARRAY<INT", "HLL", "DATETIME(3)"} {
		if _, err := parseType(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestCreateTableValidation(t *testing.T) {
	e := startEmu(t)
	for _, c := range []struct {
		cols []Column
		pk   []string
		want string
	}{
		{[]Column{{Name: "a", Type: "INT"}, {Name: "id", Type: "INT"}}, []string{"id"}, "Key columns must be the first few columns"},
		{[]Column{{Name: "a", Type: "INT"}, {Name: "b", Type: "INT"}}, []string{"b", "a"}, "Key columns must be the first few columns"},
		{[]Column{{Name: "id", Type: "INT", Nullable: true}}, []string{"id"}, "primary key column[id] cannot be nullable"},
		{[]Column{{Name: "id", Type: "DOUBLE"}}, []string{"id"}, "primary key column[id] type not supported"},
		{[]Column{{Name: "id", Type: "DECIMAL(10,2)"}}, []string{"id"}, "primary key column[id] type not supported"},
		{[]Column{{Name: "id", Type: "CHAR(5)"}}, []string{"id"}, "primary key column[id] type not supported"},
		{[]Column{{Name: "id", Type: "INT"}}, []string{"nope"}, "Key column 'nope' doesn't exist"},
		{[]Column{{Name: "id", Type: "INT"}}, nil, "PRIMARY KEY is required"},
		{[]Column{{Name: "id", Type: "INT"}, {Name: "ID", Type: "INT"}}, []string{"id"}, "Duplicate column name 'ID'"},
		{[]Column{{Name: "id", Type: "INT"}, {Name: "__op", Type: "INT"}}, []string{"id"}, "reserved"},
		{[]Column{{Name: "id", Type: "INT"}, {Name: "m", Type: "MAP<INT,INT>", Nullable: true}}, []string{"id"}, "unsupported type"},
		{[]Column{{Name: "id", Type: "INT"}}, []string{"id"}, "Table 't' already exists"},
	} {
		err := e.CreateTable("db", "t", c.cols, c.pk)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: err %v, want %q", c.cols, c.pk, err, c.want)
		}
	}
	if err := e.CreateTable("nope", "x", []Column{{Name: "id", Type: "INT"}}, []string{"id"}); err == nil || err.Error() != "Unknown database 'nope'" {
		t.Errorf("unknown db: %v", err)
	}
	// Composite key in order, with case-insensitive names; idempotent CreateDatabase.
	if err := e.CreateTable("db", "ok", []Column{{Name: "Id", Type: "BIGINT"}, {Name: "dt", Type: "DATE"}, {Name: "v", Type: "JSON", Nullable: true}}, []string{"id", "DT"}); err != nil {
		t.Fatal(err)
	}
	if err := e.CreateDatabase("db"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Rows("db", "ok"); err != nil {
		t.Fatal(err)
	}
}

func TestRowsOrderedByTypedPrimaryKey(t *testing.T) {
	e := startEmu(t)
	mustCreate(t, e, "k", []Column{{Name: "a", Type: "INT"}, {Name: "b", Type: "VARCHAR(10)"}, {Name: "v", Type: "INT", Nullable: true}}, "a", "b")
	c := newClient(t, e)
	wantStatus(t, c.streamLoad("k", nil, "10\tb\t1\n9\tz\t2\n10\ta\t3\n-1\tq\t4\n"), "Success")
	wantRows(t, e, "k", []string{"a", "b", "v"}, "-1|q|4", "9|z|2", "10|a|3", "10|b|1")
	// Rows returns copies: mutating them does not change the table.
	r := rows(t, e, "k")
	r[0]["v"] = "changed"
	if rows(t, e, "k")[0]["v"] != "4" {
		t.Fatal("Rows must return a copy")
	}
}

func TestParseDelimiter(t *testing.T) {
	for in, want := range map[string]string{`\x01`: "\x01", "0x0102": "\x01\x02", `\t`: "\t", `\n`: "\n", "||": "||", ",": ","} {
		got, err := parseDelimiter(in)
		if err != nil || string(got) != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{`\xZZ`, strings.Repeat("x", 51)} {
		if _, err := parseDelimiter(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}
