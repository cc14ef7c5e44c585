package mapping

import (
	"regexp"
	"testing"
)

// Renames follow RegexRouter: the whole topic must match (Java's
// Matcher.matches, which tries every alternative), and Java's $n / ${name}
// replacement rules apply.
func TestRouterRenames(t *testing.T) {
	for _, tc := range []struct {
		regex, repl, topic, want string
	}{
		{`dbserver1\.(\w+)\.(\w+)`, `$2`, "dbserver1.inventory.customers", "customers"},
		{`dbserver1\.(\w+)\.(\w+)`, `$1_$2`, "dbserver1.inventory.customers", "inventory_customers"},
		{`a|ab`, `x_$0`, "ab", "x_ab"}, // the whole topic matches through the second alternative
		{`a|ab`, `zz`, "abc", "abc"},   // no whole match: kept
		{`(?P<db>\w+)\.(?P<t>\w+)`, `${t}_${db}`, "inv.orders", "orders_inv"},
	} {
		r, err := NewRouter(nil, Rename{Regex: regexp.MustCompile(tc.regex), Replacement: tc.repl})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := r.Table(tc.topic); err != nil || got != tc.want {
			t.Errorf("%s → %s on %s: %q, %v; want %q", tc.regex, tc.repl, tc.topic, got, err, tc.want)
		}
	}
}
