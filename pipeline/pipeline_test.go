package pipeline

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/internal/fixtures"
	"github.com/starcdc/starcdc/loader"
)

var update = flag.Bool("update", false, "rewrite the golden files (then review every change by reading the spec)")

func pipeline(t *testing.T, extra map[string]string) *Pipeline {
	t.Helper()
	m := map[string]string{
		"name":                    "golden",
		"connector.class":         "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics":                  "t1",
		"starrocks.http.url":      "127.0.0.1:8030",
		"starrocks.username":      "root",
		"starrocks.password":      "",
		"starrocks.database.name": "db",
		"key.converter":           "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":         "org.apache.kafka.connect.json.JsonConverter",
	}
	for k, v := range extra {
		m[k] = v
	}
	cfg, _, err := config.FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPipeline(cfg.Connectors[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGoldenFixtures runs every JsonConverter fixture through the pipeline
// and compares the Stream Load rows with testdata/golden, which was reviewed
// against docs/debezium.md §3.1 and docs/streamload.md §5.2 (dates as YYYY-MM-DD,
// timestamps as wall-clock DATETIME text, decimals exact, __op 0/1).
func TestGoldenFixtures(t *testing.T) {
	files := fixtures.Names("*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	on := pipeline(t, map[string]string{"value.converter.schemas.enable": "true"})
	off := pipeline(t, map[string]string{"value.converter.schemas.enable": "false"})
	for _, f := range files {
		name := strings.TrimSuffix(f, ".json")
		if strings.Contains(name, "avrojson") || strings.Contains(name, "jsonschema_envelope_schema") {
			continue // Avro-JSON console dumps and a registry schema: not JsonConverter messages
		}
		t.Run(name, func(t *testing.T) {
			value := fixtures.Read(t, f)
			p := off
			if strings.HasPrefix(strings.TrimSpace(string(value)), `{"schema"`) {
				p = on
			}
			var got strings.Builder
			_, _, err := p.Rows(context.Background(), "t1", nil, value, nil, func(table string, h loader.Headers, row []byte) {
				if h.Columns != "" {
					table += fmt.Sprintf(" (columns %s, partial %v)", h.Columns, h.PartialUpdate)
				}
				fmt.Fprintf(&got, "%s\t%s\n", table, row)
			})
			if err != nil {
				fmt.Fprintf(&got, "error: %v\n", err)
			}
			golden := filepath.Join("testdata", "golden", name+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update, then review the file)", err)
			}
			if got.String() != string(want) {
				t.Fatalf("got:\n%s\nwant:\n%s", got.String(), want)
			}
		})
	}
}

func TestPipelineConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		extra map[string]string
		want  string
	}{
		{map[string]string{"topics": "dbserver1-inventory-customers"}, `add dbserver1-inventory-customers:<table> to starrocks.topic2table.map`},
		{map[string]string{"transforms": "x", "transforms.x.type": "com.example.transforms.Custom"}, "unsupported transform or predicate class: transforms.x.type=com.example.transforms.Custom; starcdc supports"},
		{map[string]string{"starrocks.topic2table.regex": "dbserver1\\.(\\w+)\\.(\\w+)"}, "without starrocks.topic2table.replacement"},
		{map[string]string{"starrocks.topic2table.regex": "(", "starrocks.topic2table.replacement": "$1"}, "does not compile"},
		{map[string]string{"value.converter": "com.example.Nope"}, "unknown converter class"},
	} {
		m := map[string]string{
			"name": "x", "connector.class": "com.starrocks.connector.kafka.StarRocksSinkConnector", "topics": "t1",
			"starrocks.http.url": "h:1", "starrocks.username": "u", "starrocks.password": "", "starrocks.database.name": "d",
		}
		for k, v := range tc.extra {
			m[k] = v
		}
		cfg, _, err := config.FromMap(m)
		if err == nil {
			_, err = NewPipeline(cfg.Connectors[0], nil)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.extra, err, tc.want)
		}
	}
}

func TestRoutingThroughTransformsAndRegex(t *testing.T) {
	p := pipeline(t, map[string]string{
		"topics":                            "dbserver1.inventory.customers,dbserver1.inventory.orders",
		"transforms":                        "route",
		"transforms.route.type":             "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex":            "dbserver1\\.inventory\\.(.*)",
		"transforms.route.replacement":      "inv.$1",
		"starrocks.topic2table.regex":       "inv\\.(\\w+)",
		"starrocks.topic2table.replacement": "inventory_$1",
		"starrocks.topic2table.map":         "inventory_orders:orders",
		"value.converter.schemas.enable":    "false",
	})
	// The RegexRouter transform renames the topic in the chain; the
	// connector's regex and map then name the table.
	for topic, want := range map[string]string{"dbserver1.inventory.customers": "inventory_customers", "dbserver1.inventory.orders": "orders"} {
		var got string
		out, _, err := p.Rows(context.Background(), topic, nil, []byte(`{"id":1}`), nil, func(table string, _ loader.Headers, _ []byte) { got = table })
		if err != nil || got != want || out.Table != want {
			t.Errorf("%s → %s (%s), %v; want %s", topic, got, out.Table, err, want)
		}
	}
}

func TestRowsAllOrNothing(t *testing.T) {
	p := pipeline(t, map[string]string{"value.converter.schemas.enable": "false"})
	var emitted int
	_, _, err := p.Rows(context.Background(), "t1", nil, []byte(`{"a":1`), nil, func(string, loader.Headers, []byte) { emitted++ })
	if !errors.Is(err, decode.ErrMalformed) || emitted != 0 {
		t.Fatalf("err %v, %d rows emitted", err, emitted)
	}
}

// TestGoldenFixturesCSV runs the same fixtures through the CSV encoder
// (sink.properties.format=csv with a JsonConverter, column separator "|")
// and compares the lines and their "columns" headers with
// testdata/golden-csv. It pins the CSV rows as the JSON goldens pin the
// JSON ones.
func TestGoldenFixturesCSV(t *testing.T) {
	files := fixtures.Names("*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	csv := map[string]string{"sink.properties.format": "csv", "sink.properties.column_separator": "|"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for k, v := range csv {
			m[k] = v
		}
		return m
	}
	on := pipeline(t, with("value.converter.schemas.enable", "true"))
	off := pipeline(t, with("value.converter.schemas.enable", "false"))
	for _, f := range files {
		name := strings.TrimSuffix(f, ".json")
		if strings.Contains(name, "avrojson") || strings.Contains(name, "jsonschema_envelope_schema") {
			continue // not JsonConverter messages
		}
		t.Run(name, func(t *testing.T) {
			value := fixtures.Read(t, f)
			p := off
			if strings.HasPrefix(strings.TrimSpace(string(value)), `{"schema"`) {
				p = on
			}
			var got strings.Builder
			_, _, err := p.Rows(context.Background(), "t1", nil, value, nil, func(table string, h loader.Headers, row []byte) {
				fmt.Fprintf(&got, "%s (columns %s, partial %v)\t%s\n", table, h.Columns, h.PartialUpdate, row)
			})
			if err != nil {
				fmt.Fprintf(&got, "error: %v\n", err)
			}
			golden := filepath.Join("testdata", "golden-csv", name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update, then review the file)", err)
			}
			if got.String() != string(want) {
				t.Fatalf("got:\n%s\nwant:\n%s", got.String(), want)
			}
		})
	}
}
