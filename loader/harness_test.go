package loader

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
)

// The tests of this package load into the StarRocks emulator
// (devstack/starrocks), served on an in-memory network inside a
// testing/synctest bubble: time is the bubble's, so waits (backoff, age
// loads, MinLoadInterval, lease polls, the emulator's slow faults) cost no
// real time and every moment is exact.

type recListener = testutil.Events[LoadEvent]

func newLoader(t testing.TB, o Options) *Loader {
	t.Helper()
	l, err := New(o)
	return testutil.Closing(t, l, err)
}

// Table schemas. Every JSON row of the tests is an object with some of
// "id", "name" and "pad"; a row of badCols without "v" is filtered (NULL
// in a NOT NULL column), which makes it a bad row.
var (
	jsonCols = []starrocks.Column{{Name: "id", Type: "BIGINT"}, {Name: "name", Type: "VARCHAR(64)", Nullable: true},
		{Name: "pad", Type: "VARCHAR(255)", Nullable: true}}
	csvCols = []starrocks.Column{{Name: "id", Type: "BIGINT"}, {Name: "name", Type: "VARCHAR(64)", Nullable: true}}
	badCols = []starrocks.Column{{Name: "id", Type: "BIGINT"}, {Name: "name", Type: "VARCHAR(64)", Nullable: true},
		{Name: "v", Type: "INT"}}
)

// defaultTables are created in every emulator of withSR unless replaced.
var defaultTables = func() map[string][]starrocks.Column {
	m := map[string][]starrocks.Column{"bad": badCols}
	for _, name := range []string{"t", "u", "a", "b", "orders", "items", "good", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"} {
		m[name] = jsonCols
	}
	return m
}()

// sr is the emulator of one test and its in-memory serving.
type sr struct {
	*starrocks.Emulator
	*testutil.SR
	t    *testing.T
	cols map[string][]starrocks.Column
}

// withSR runs f in a synctest bubble against a new emulator with database
// "db" and defaultTables, tables replacing (or adding to) them.
func withSR(t *testing.T, tables map[string][]starrocks.Column, f func(t *testing.T, s *sr)) {
	t.Helper()
	em := testutil.Emulator(t) // outside the bubble: it listens on loopback
	cols := maps.Clone(defaultTables)
	maps.Copy(cols, tables)
	for name, c := range cols {
		if err := em.CreateTable("db", name, c, []string{"id"}); err != nil {
			t.Fatal(err)
		}
	}
	synctest.Test(t, func(t *testing.T) {
		f(t, &sr{Emulator: em, SR: testutil.Serve(t, em), t: t, cols: cols})
	})
}

// opts returns Options for the emulator over the in-memory network, with
// no background loads (as the loader's callers driving every load with
// Flush do).
func (s *sr) opts() Options {
	return Options{
		URLs: []string{s.FEURL()}, Username: "root", Password: testutil.Password, Database: "db",
		LabelPrefix: "tst", MinLoadInterval: -1, FlushInterval: -1, HTTPClient: s.Client(s.t),
	}
}

// loadedRows is the number of rows committed to table, counted per load
// (a row loaded twice counts twice).
func (s *sr) loadedRows(table string) int64 { return s.Stats("db", table).LoadedRows }

// tableRows returns the rows stored in table in primary-key order, written
// back as the tests write them: JSON objects without their NULL columns,
// or, for csvCols tables, CSV lines "id,name".
func (s *sr) tableRows(table string) []string {
	s.t.Helper()
	rows, err := s.Rows("db", table)
	if err != nil {
		s.t.Fatal(err)
	}
	cols := s.cols[table]
	out := make([]string, len(rows))
	for i, r := range rows {
		if len(cols) > 0 && &cols[0] == &csvCols[0] {
			out[i] = fmt.Sprintf("%v,%v", r["id"], r["name"])
			continue
		}
		var b strings.Builder
		for _, c := range cols {
			v, ok := r[c.Name].(string)
			if !ok {
				continue // NULL
			}
			if b.Len() == 0 {
				b.WriteByte('{')
			} else {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:", c.Name)
			if strings.Contains(c.Type, "INT") {
				b.WriteString(v)
			} else {
				j, _ := json.Marshal(v)
				b.Write(j)
			}
		}
		b.WriteByte('}')
		out[i] = b.String()
	}
	return out
}

// labelState asks the FE for the state of label, as a client would.
func (s *sr) labelState(label string) string {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.FEURL()+"/api/db/get_load_state?label="+url.QueryEscape(label), nil)
	req.SetBasicAuth("root", testutil.Password)
	resp, err := s.Client(s.t).Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ State string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		s.t.Fatal(err)
	}
	return out.State
}
