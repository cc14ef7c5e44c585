package emutest_test

import (
	"fmt"
	"testing"

	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
	"github.com/starcdc/starcdc/loader"
)

func createDocs(t *testing.T, em *starrocks.Emulator) {
	t.Helper()
	err := em.CreateTable("db", "docs", []starrocks.Column{
		{Name: "id", Type: "BIGINT"},
		{Name: "title", Type: "VARCHAR(64)", Nullable: true},
		{Name: "body", Type: "STRING", Nullable: true},
		{Name: "qty", Type: "INT"},
	}, []string{"id"})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEmulatorPartialRowsInOrder: full rows and partial-update rows (a
// Debezium TOAST row) for the same keys, interleaved: every header change
// is a load of its own, the loads commit in Append order, and a partial
// row keeps the stored values of the columns it omits. A restarted Loader
// replaying the batch loads nothing twice.
func TestEmulatorPartialRowsInOrder(t *testing.T) {
	full := loader.Headers{}
	p1 := loader.Headers{Columns: "id,title,qty,__op", PartialUpdate: true}
	p2 := loader.Headers{Columns: "id,body,qty,__op", PartialUpdate: true}
	pDel := loader.Headers{Columns: "id,qty,__op", PartialUpdate: true}
	steps := []struct {
		h   loader.Headers
		row string
	}{
		{full, `{"id":1,"title":"t1","body":"B1","qty":1}`},
		{full, `{"id":2,"title":"t2","body":"B2","qty":2}`},
		{p1, `{"id":1,"title":"t1b","qty":11,"__op":0}`},
		{p1, `{"id":2,"title":"t2b","qty":22,"__op":0}`},
		{full, `{"id":1,"title":"t1c","body":"B1c","qty":111}`},
		{p1, `{"id":1,"title":"t1d","qty":1111,"__op":0}`},
		{p2, `{"id":2,"body":"B2e","qty":2222,"__op":0}`},
		{full, `{"id":2,"title":"t2f","body":"B2f","qty":5}`},
		{full, `{"id":3,"title":"t3","body":"B3","qty":3}`},
		{pDel, `{"id":3,"qty":0,"__op":1}`},
		{full, `{"id":4,"title":"t4","body":"B4","qty":4}`},
		{p2, `{"id":4,"body":"B4p","qty":44,"__op":0}`},
	}
	const segments = 9
	want := map[string][3]any{ // id → title, body, qty
		"1": {"t1d", "B1c", "1111"},
		"2": {"t2f", "B2f", "5"},
		"4": {"t4", "B4p", "44"},
	}
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			em := startEmulator(t)
			createDocs(t, em)
			for run := range 2 {
				lis := &recListener{}
				o := emOptions(em, mode)
				o.Listener = lis
				l := newLoader(t, o)
				for _, s := range steps {
					l.AppendWith("docs", s.h, []byte(s.row))
				}
				if err := l.Flush(testutil.Ctx(t), "b1"); err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
				ev := lis.All()
				if len(ev) != segments {
					t.Fatalf("run %d: %d loads, want %d", run, len(ev), segments)
				}
				for i, e := range ev {
					wantLabel := "em-docs-b1"
					if i > 0 {
						wantLabel += fmt.Sprintf("-s%d", i+1)
					}
					if testutil.NormLabel(e.Label) != wantLabel || e.Err != nil {
						t.Fatalf("run %d: load %d: %+v", run, i, e)
					}
				}
				if l.Durable() != l.Seq() {
					t.Fatalf("Durable %d, Seq %d", l.Durable(), l.Seq())
				}
				l.Close()
			}
			if st := em.Stats("db", "docs"); st.Loads != segments {
				t.Fatalf("stats %+v: the replay loaded again", st)
			}
			rows, err := em.Rows("db", "docs")
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want) {
				t.Fatalf("rows %v", rows)
			}
			for _, r := range rows {
				w, ok := want[fmt.Sprint(r["id"])]
				if !ok || r["title"] != w[0] || r["body"] != w[1] || r["qty"] != w[2] {
					t.Fatalf("row %v, want %v", r, w)
				}
			}
		})
	}
}

// TestEmulatorCSVColumnSets: CSV rows of one table with different column
// lists (and a partial update), in order.
func TestEmulatorCSVColumnSets(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		em := startEmulator(t)
		o := emOptions(em, mode)
		o.Format = loader.FormatCSV
		o.Headers = map[string]string{"column_separator": ","}
		l := newLoader(t, o)
		all := loader.Headers{Columns: "id,name,qty,__op"}
		l.AppendWith("items", all, []byte("1,a,5,0"))
		l.AppendWith("items", all, []byte("2,b,6,0"))
		l.AppendWith("items", loader.Headers{Columns: "qty,id"}, []byte("9,1"))
		l.AppendWith("items", loader.Headers{Columns: "id,qty", PartialUpdate: true}, []byte("2,77"))
		l.AppendWith("items", all, []byte("3,c,8,0"))
		l.AppendWith("items", all, []byte("3,c,8,1"))
		if err := l.Flush(testutil.Ctx(t), "c1"); err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		rows, _ := em.Rows("db", "items")
		if len(rows) != 2 || rows[0]["name"] != nil || rows[0]["qty"] != "9" || rows[1]["name"] != "b" || rows[1]["qty"] != "77" {
			t.Fatalf("%v: rows %v", mode, rows)
		}
		if st := em.Stats("db", "items"); st.Loads != 4 {
			t.Fatalf("%v: stats %+v", mode, st)
		}
	}
}

// TestEmulatorPartialBadRow: a bad row inside a partial-update segment is
// isolated with the segment's headers.
func TestEmulatorPartialBadRow(t *testing.T) {
	for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
		em := startEmulator(t)
		createDocs(t, em)
		l := newLoader(t, emOptions(em, mode))
		p := loader.Headers{Columns: "id,title,qty,__op", PartialUpdate: true}
		for i := range 10 {
			l.Append("docs", fmt.Appendf(nil, `{"id":%d,"title":"t","body":"B%d","qty":1}`, i, i))
		}
		for i := range 10 {
			qty := fmt.Sprint(i)
			if i == 6 {
				qty = "null"
			}
			l.AppendWith("docs", p, fmt.Appendf(nil, `{"id":%d,"title":"p%d","qty":%s}`, i, i, qty))
		}
		l.Append("docs", []byte(`{"id":20,"title":"t","body":"B","qty":1}`))
		_ = l.Flush(testutil.Ctx(t), "b")
		rows, _ := l.TakeFailed("docs")
		if len(rows) != 1 || string(rows[0]) != `{"id":6,"title":"p6","qty":null}` {
			t.Fatalf("%v: TakeFailed %q", mode, rows)
		}
		if err := l.Flush(testutil.Ctx(t), "b2"); err != nil {
			t.Fatal(err)
		}
		got, _ := em.Rows("db", "docs")
		if len(got) != 11 {
			t.Fatalf("%v: %d rows", mode, len(got))
		}
		for _, r := range got[:10] {
			id := fmt.Sprint(r["id"])
			wantTitle := "p" + id
			if id == "6" {
				wantTitle = "t"
			}
			if r["title"] != wantTitle || r["body"] != "B"+id {
				t.Fatalf("%v: row %v", mode, r)
			}
		}
	}
}
