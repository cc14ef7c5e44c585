package starrocks

import (
	"slices"
	"strings"
)

// ALTER TABLE ... ADD COLUMN / MODIFY COLUMN of the MySQL-protocol front
// end. Like StarRocks' fast schema evolution, a change is synchronous: the
// new schema and the rows rewritten to it are installed in one critical
// section of table.mu, and a Stream Load planned on the old schema is
// refused at apply time ("the schema of table ... changed during the load,
// retry it").

type alterOp struct {
	add    []*colDef
	modify *colDef
}

func (s *sqlSession) alterTable(p *sqlParser, stmt string) (*sqlResult, error) {
	db, name, err := p.qname()
	if err != nil {
		return nil, err
	}
	var ops []alterOp
	for {
		switch {
		case p.acceptKW("ADD", "COLUMN"), p.acceptKW("ADD", "COLUMNS"):
			if p.acceptPunct("(") {
				var defs []*colDef
				for {
					d, err := p.colDef(false)
					if err != nil {
						return nil, err
					}
					defs = append(defs, d)
					if p.acceptPunct(")") {
						break
					}
					if err := p.expectPunct(","); err != nil {
						return nil, err
					}
				}
				ops = append(ops, alterOp{add: defs})
			} else {
				d, err := p.colDef(true)
				if err != nil {
					return nil, err
				}
				ops = append(ops, alterOp{add: []*colDef{d}})
			}
		case p.acceptKW("MODIFY", "COLUMN"):
			d, err := p.colDef(true)
			if err != nil {
				return nil, err
			}
			ops = append(ops, alterOp{modify: d})
		default:
			return nil, notSupported(stmt)
		}
		if p.isKW("TO") || p.isKW("IN") || p.isKW("PROPERTIES") {
			return nil, notSupported("rollup clauses and PROPERTIES in ALTER TABLE: " + stmt)
		}
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	t, err := s.lookup(db, name)
	if err != nil {
		return nil, err
	}
	if err := t.alter(ops); err != nil {
		return nil, err
	}
	return &sqlResult{}, nil
}

// alter applies the operations atomically: all or nothing.
func (t *table) alter(ops []alterOp) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.schema
	cols := slices.Clone(old.cols)
	orig := make([]int, len(cols)) // new position -> old column index, -1 for a new column
	for i := range orig {
		orig[i] = i
	}
	find := func(name string) int {
		for i, c := range cols {
			if strings.EqualFold(c.name, name) {
				return i
			}
		}
		return -1
	}
	place := func(d *colDef) (int, error) {
		switch {
		case d.first:
			return 0, sqlErrorf(codeSyntax, "Can not add or move value column '%s' before the key columns of primary key table '%s'", d.name, t.name)
		case d.after != "":
			i := find(d.after)
			if i < 0 {
				return 0, sqlErrorf(codeSyntax, "Column[%s] does not exists", d.after)
			}
			if i+1 < old.nKeys {
				return 0, sqlErrorf(codeSyntax, "Can not add or move value column '%s' between the key columns of primary key table '%s'", d.name, t.name)
			}
			return i + 1, nil
		}
		return len(cols), nil
	}
	for _, op := range ops {
		for _, d := range op.add {
			if d.key {
				return sqlErrorf(codeSyntax, "Can not add key column %s into primary key table %s", d.name, t.name)
			}
			if find(d.name) >= 0 {
				return sqlErrorf(codeSyntax, "Can not add column which already exists in base table: %s", d.name)
			}
			if d.name == "" || len(d.name) > maxColNameLen || reservedColumn.MatchString(d.name) {
				return sqlErrorf(codeSyntax, "Incorrect column name '%s'", d.name)
			}
			typ, err := parseType(d.typ)
			if err != nil {
				return sqlErrorf(codeSyntax, "column '%s': %v", d.name, err)
			}
			if d.notNull {
				if d.hasDefault {
					return sqlErrorf(codeSyntax, "Can not set null default value to non nullable column: %s", d.name)
				}
				return sqlErrorf(codeSyntax, "Column '%s' is NOT NULL and has no default value: existing rows would have none; add it as NULL", d.name)
			}
			at, err := place(d)
			if err != nil {
				return err
			}
			cols = slices.Insert(cols, at, &column{name: d.name, typ: typ, nullable: true, comment: d.comment})
			orig = slices.Insert(orig, at, -1)
		}
		if d := op.modify; d != nil {
			i := find(d.name)
			if i < 0 {
				return sqlErrorf(codeSyntax, "Column[%s] does not exists", d.name)
			}
			c := cols[i]
			if c.key || d.key {
				return sqlErrorf(codeSyntax, "Can not modify key column: %s for primary key table %s", c.name, t.name)
			}
			typ, err := parseType(d.typ)
			if err != nil {
				return sqlErrorf(codeSyntax, "column '%s': %v", d.name, err)
			}
			nullable := !d.notNull
			if c.nullable && !nullable {
				return sqlErrorf(codeSyntax, "Can not change from nullable to non-nullable")
			}
			if msg := widening(c.typ, typ); msg != "" {
				return sqlErrorf(codeSyntax, "%s", msg)
			}
			nc := &column{name: c.name, typ: typ, nullable: nullable, comment: d.comment}
			if d.first || d.after != "" {
				o := orig[i]
				cols = slices.Delete(cols, i, i+1)
				orig = slices.Delete(orig, i, i+1)
				at, err := place(d)
				if err != nil {
					return err
				}
				cols = slices.Insert(cols, at, nc)
				orig = slices.Insert(orig, at, o)
			} else {
				cols[i] = nc
			}
		}
	}
	sc := &schema{cols: cols, nKeys: old.nKeys, byLower: make(map[string]int, len(cols))}
	for i, c := range cols {
		sc.byLower[strings.ToLower(c.name)] = i
	}
	rows := make(map[string][]any, len(t.rows))
	for k, r := range t.rows {
		nr := make([]any, len(cols))
		for j, o := range orig {
			if o >= 0 {
				nr[j] = r[o]
			}
		}
		rows[k] = nr
	}
	t.schema, t.rows = sc, rows
	return nil
}

var intRank = map[typeKind]int{tTinyint: 1, tSmallint: 2, tInt: 3, tBigint: 4, tLargeint: 5}

// widening returns "" when a column of type from may become type to with
// every stored value unchanged (StarRocks' safe MODIFY COLUMN changes),
// else StarRocks' refusal.
func widening(from, to *colType) string {
	if from.String() == to.String() {
		return ""
	}
	refuse := "Can not change " + from.String() + " to " + to.String()
	switch {
	case intRank[from.kind] > 0 && intRank[to.kind] > 0:
		if intRank[to.kind] >= intRank[from.kind] {
			return ""
		}
	case from.kind == tFloat && to.kind == tDouble:
		return ""
	case (from.kind == tVarchar || from.kind == tString || from.kind == tChar) && (to.kind == tVarchar || to.kind == tString):
		if to.length >= from.length {
			return ""
		}
		return "Cannot shorten string length"
	case from.kind == tDecimal && to.kind == tDecimal:
		if to.scale == from.scale && to.precision >= from.precision {
			return ""
		}
	}
	return refuse
}
