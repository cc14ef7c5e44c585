package mapping

import (
	"fmt"
	"regexp"
	"testing"
)

// TestRouterRemembers: a topic's answer (table or error) is the same from
// memory as resolved, lookups of known topics allocate nothing, and the
// memory stops growing at maxRoutes while answers stay right.
func TestRouterRemembers(t *testing.T) {
	r, err := NewRouter(map[string]string{"a.b": "mapped"}, Rename{Regex: regexp.MustCompile(`db\.(\w+)`), Replacement: "$1"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if tb, err := r.Table("db.orders"); tb != "orders" || err != nil {
			t.Fatalf("db.orders → %q, %v", tb, err)
		}
		if tb, err := r.Table("a.b"); tb != "mapped" || err != nil {
			t.Fatalf("a.b → %q, %v", tb, err)
		}
		if _, err := r.Table("bad topic!"); err == nil {
			t.Fatal("an invalid table name was accepted")
		}
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = r.Table("db.orders") }); n != 0 {
		t.Errorf("a known topic costs %v allocations", n)
	}
	for i := range maxRoutes + 10 {
		topic := fmt.Sprintf("db.t%d", i)
		if tb, err := r.Table(topic); tb != fmt.Sprintf("t%d", i) || err != nil {
			t.Fatalf("%s → %q, %v", topic, tb, err)
		}
	}
	if n := len(*r.routes.Load()); n != maxRoutes {
		t.Errorf("remembers %d topics, want the bound %d", n, maxRoutes)
	}
}
