package ddl

import (
	"fmt"
	"strconv"
	"strings"
)

// sqlType is a parsed StarRocks column type, in starcdc's canonical form.
type sqlType struct {
	base string // BOOLEAN, TINYINT, ..., VARCHAR, CHAR, DECIMAL, ARRAY; others verbatim (upper case)
	n    int    // CHAR/VARCHAR/VARBINARY length
	p, s int    // DECIMAL precision and scale
	elem *sqlType
	raw  string // MAP<...>, STRUCT<...> and unknown types: the text, upper case
}

// parseType parses StarRocks type text: starcdc's own spelling (INT,
// VARCHAR(36), DECIMAL(10,2), DECIMAL256(50,2), ARRAY<INT>) and the
// COLUMN_TYPE of information_schema.columns (int(11), varchar(20),
// decimal(10, 2), tinyint(1) = BOOLEAN, bigint(20) unsigned = LARGEINT,
// array<int(11)>), case-insensitively (docs/streamload.md §4).
func parseType(s string) (*sqlType, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "" {
		return nil, fmt.Errorf("empty column type")
	}
	unsigned := false
	if strings.HasSuffix(u, " UNSIGNED") {
		unsigned = true
		u = strings.TrimSpace(strings.TrimSuffix(u, " UNSIGNED"))
	}
	if i := strings.IndexByte(u, '<'); i >= 0 {
		if !strings.HasSuffix(u, ">") {
			return nil, fmt.Errorf("bad column type %q", s)
		}
		base := strings.TrimSpace(u[:i])
		if base == "ARRAY" {
			el, err := parseType(u[i+1 : len(u)-1])
			if err != nil {
				return nil, err
			}
			return &sqlType{base: "ARRAY", elem: el}, nil
		}
		return &sqlType{base: base, raw: strings.Join(strings.Fields(u), " ")}, nil
	}
	base, args := u, []int(nil)
	if i := strings.IndexByte(u, '('); i >= 0 {
		if !strings.HasSuffix(u, ")") {
			return nil, fmt.Errorf("bad column type %q", s)
		}
		base = strings.TrimSpace(u[:i])
		for _, a := range strings.Split(u[i+1:len(u)-1], ",") {
			n, err := strconv.Atoi(strings.TrimSpace(a))
			if err != nil {
				return nil, fmt.Errorf("bad column type %q", s)
			}
			args = append(args, n)
		}
	}
	arg := func(i, def int) int {
		if i < len(args) {
			return args[i]
		}
		return def
	}
	switch base {
	case "BOOLEAN", "BOOL":
		return &sqlType{base: "BOOLEAN"}, nil
	case "TINYINT":
		if len(args) == 1 && args[0] == 1 && !unsigned {
			return &sqlType{base: "BOOLEAN"}, nil // information_schema renders BOOLEAN as tinyint(1)
		}
		return &sqlType{base: "TINYINT"}, nil
	case "SMALLINT", "INT", "BIGINT", "LARGEINT":
		if base == "BIGINT" && unsigned {
			return &sqlType{base: "LARGEINT"}, nil // information_schema's rendering of LARGEINT
		}
		return &sqlType{base: base}, nil
	case "INTEGER":
		return &sqlType{base: "INT"}, nil
	case "FLOAT", "DOUBLE", "DATE", "DATETIME", "JSON", "HLL", "BITMAP", "PERCENTILE":
		return &sqlType{base: base}, nil
	case "STRING":
		return &sqlType{base: "VARCHAR", n: 65533}, nil
	case "VARCHAR":
		return &sqlType{base: "VARCHAR", n: arg(0, 1)}, nil
	case "CHAR":
		return &sqlType{base: "CHAR", n: arg(0, 1)}, nil
	case "VARBINARY", "BINARY":
		return &sqlType{base: "VARBINARY", n: arg(0, 1048576)}, nil
	case "DECIMAL", "DECIMALV2", "DECIMAL32", "DECIMAL64", "DECIMAL128", "DECIMAL256", "NUMERIC":
		return &sqlType{base: "DECIMAL", p: arg(0, 10), s: arg(1, 0)}, nil
	}
	return &sqlType{base: base, raw: strings.Join(strings.Fields(u), " ")}, nil
}

// String renders the canonical spelling.
func (t *sqlType) String() string {
	switch t.base {
	case "VARCHAR", "CHAR", "VARBINARY":
		return t.base + "(" + strconv.Itoa(t.n) + ")"
	case "DECIMAL":
		if t.p > 38 {
			return fmt.Sprintf("DECIMAL256(%d,%d)", t.p, t.s)
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", t.p, t.s)
	case "ARRAY":
		return "ARRAY<" + t.elem.String() + ">"
	}
	if t.raw != "" {
		return t.raw
	}
	return t.base
}

// NormalizeType converts StarRocks type text (starcdc's spelling or
// information_schema's COLUMN_TYPE) to starcdc's canonical spelling, the
// one mapping.ColumnType uses: int(11) → INT, decimal(10, 2) →
// DECIMAL(10,2), tinyint(1) → BOOLEAN, bigint(20) unsigned → LARGEINT,
// varchar(65533) stays VARCHAR(65533).
func NormalizeType(s string) (string, error) {
	t, err := parseType(s)
	if err != nil {
		return "", err
	}
	return t.String(), nil
}

var intRank = map[string]int{"TINYINT": 1, "SMALLINT": 2, "INT": 3, "BIGINT": 4, "LARGEINT": 5}

// holds reports whether a column of type cur stores every value the
// encoder sends for a column planned as want, unchanged.
func holds(cur, want *sqlType) bool {
	if cur.String() == want.String() {
		return true
	}
	switch {
	case intRank[cur.base] > 0 && intRank[want.base] > 0:
		return intRank[cur.base] >= intRank[want.base]
	case cur.base == "DOUBLE" && want.base == "FLOAT":
		return true
	case cur.base == "VARCHAR" && (want.base == "VARCHAR" || want.base == "CHAR"):
		return cur.n >= want.n
	case cur.base == "DECIMAL" && want.base == "DECIMAL":
		return cur.s >= want.s && cur.p-cur.s >= want.p-want.s
	case cur.base == "DATETIME" && want.base == "DATE":
		return true // a date loads as midnight
	case cur.base == "ARRAY" && want.base == "ARRAY":
		return holds(cur.elem, want.elem)
	}
	return false
}

// widens reports whether StarRocks can change a column of type cur to want
// in place, keeping every stored value (the safe MODIFY COLUMN changes):
// TINYINT/SMALLINT/INT/BIGINT to a wider integer, FLOAT to DOUBLE,
// VARCHAR(n) to VARCHAR(m>n), DECIMAL(p,s) to DECIMAL(q>p,s).
func widens(cur, want *sqlType) bool {
	switch {
	case intRank[cur.base] > 0 && intRank[want.base] > 0:
		return intRank[want.base] > intRank[cur.base]
	case cur.base == "FLOAT" && want.base == "DOUBLE":
		return true
	case cur.base == "VARCHAR" && want.base == "VARCHAR":
		return want.n > cur.n
	case cur.base == "DECIMAL" && want.base == "DECIMAL":
		return want.s == cur.s && want.p > cur.p && (want.p <= 38) == (cur.p <= 38)
	}
	return false
}

// Diff compares a live table's columns (Manager.Columns) with the planned
// table:
//
//   - adds: planned columns the table lacks, always nullable (ADD COLUMN);
//   - modifies: columns StarRocks can widen in place to hold the new type
//     (INT→BIGINT, TINYINT/SMALLINT→INT/BIGINT, VARCHAR(n)→VARCHAR(m>n),
//     DECIMAL(p,s)→DECIMAL(q>p,s), FLOAT→DOUBLE), with the column's
//     nullability kept; apply them only when widening is enabled;
//   - incompatible: one reason per column whose type can neither hold the
//     new values nor be widened (and widenings of key columns: a primary
//     key is immutable).
//
// A column that already holds every new value (the table is wider than
// planned) is left alone, and so is a table column the topic no longer has
// (it stays and gets NULL). Names match case-insensitively, as StarRocks'.
func Diff(current []Column, want *Table) (adds, modifies []Column, incompatible []string) {
	byName := make(map[string]Column, len(current))
	for _, c := range current {
		byName[strings.ToLower(c.Name)] = c
	}
	for _, w := range want.Columns {
		cur, ok := byName[strings.ToLower(w.Name)]
		if !ok {
			adds = append(adds, Column{Name: w.Name, Type: w.Type, Nullable: true})
			continue
		}
		ct, err1 := parseType(cur.Type)
		wt, err2 := parseType(w.Type)
		if err1 != nil || err2 != nil {
			incompatible = append(incompatible, fmt.Sprintf("column %s: cannot compare the table's type %q with the planned %q", w.Name, cur.Type, w.Type))
			continue
		}
		if holds(ct, wt) || (w.Key && cur.Key && ct.base == "VARCHAR" && wt.base == "VARCHAR") {
			// A key VARCHAR narrower than planned was narrowed to fit the
			// 128-byte key limit (by Plan or by hand): keep it.
			continue
		}
		switch {
		case widens(ct, wt) && cur.Key:
			incompatible = append(incompatible, fmt.Sprintf("column %s: the table has %s but the topic now needs %s, and it is a primary key column, which StarRocks cannot change; recreate the table or route the topic to a new one", w.Name, ct, wt))
		case widens(ct, wt):
			modifies = append(modifies, Column{Name: cur.Name, Type: wt.String(), Nullable: cur.Nullable})
		default:
			incompatible = append(incompatible, fmt.Sprintf("column %s: the table has %s but the topic now needs %s, which StarRocks cannot change in place; ALTER the column yourself, or route the topic to a new table", w.Name, ct, wt))
		}
	}
	return adds, modifies, incompatible
}
