package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
)

// freshnessText is a histogram as starcdc would serve it, in two series
// (two connectors) whose buckets add up to: ≤0.1: 10, ≤0.5: 60, ≤1: 90,
// ≤2.5: 99, +Inf: 100.
const freshnessText = `# HELP starcdc_record_freshness_seconds Kafka timestamp to load acknowledged.
# TYPE starcdc_record_freshness_seconds histogram
starcdc_record_freshness_seconds_bucket{connector="a",le="0.1"} 4
starcdc_record_freshness_seconds_bucket{connector="a",le="0.5"} 30
starcdc_record_freshness_seconds_bucket{connector="a",le="1"} 45
starcdc_record_freshness_seconds_bucket{connector="a",le="2.5"} 50
starcdc_record_freshness_seconds_bucket{connector="a",le="+Inf"} 50
starcdc_record_freshness_seconds_sum{connector="a"} 30.5
starcdc_record_freshness_seconds_count{connector="a"} 50
starcdc_record_freshness_seconds_bucket{le="0.1",connector="b"} 6
starcdc_record_freshness_seconds_bucket{le="0.5",connector="b"} 30
starcdc_record_freshness_seconds_bucket{le="1",connector="b"} 45
starcdc_record_freshness_seconds_bucket{le="2.5",connector="b"} 49
starcdc_record_freshness_seconds_bucket{le="+Inf",connector="b"} 50
starcdc_record_freshness_seconds_count{connector="b"} 50
starcdc_records_total{connector="a"} 100
`

// TestFreshnessQuantiles: the harness scrapes a served histogram and
// computes its quantiles as histogram_quantile does.
func TestFreshnessQuantiles(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, freshnessText)
	}))
	defer srv.Close()
	text, err := scrape(context.Background(), srv.URL+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	bs, err := parseBuckets(text, freshnessMetric)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(bs), "[{0.1 10} {0.5 60} {1 90} {2.5 99} {+Inf 100}]"; got != want {
		t.Fatalf("buckets %s, want %s", got, want)
	}
	for _, c := range []struct{ q, want float64 }{
		{0.05, 0.05},          // rank 5 in the first bucket, from 0
		{0.5, 0.42},           // rank 50: 0.1 + 0.4 × 40/50
		{0.75, 0.75},          // rank 75: 0.5 + 0.5 × 15/30
		{0.99, 2.5},           // rank 99: the top of the 2.5 bucket
		{0.995, 2.5},          // rank 99.5 in +Inf: the highest finite bound
		{0.95, 1 + 1.5*5/9.0}, // rank 95: 1 + 1.5 × 5/9
		{0.1, 0.1},            // rank 10: the top of the first bucket
		{0.11, 0.108},         // rank 11: 0.1 + 0.4 × 1/50
	} {
		if got := quantile(c.q, bs); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got, _ := counterSum(text, "starcdc_records_total"); got != 100 {
		t.Errorf("starcdc_records_total = %v, want 100", got)
	}
}

func TestQuantileEdges(t *testing.T) {
	if _, err := parseBuckets("starcdc_records_total 1\n", freshnessMetric); !errors.Is(err, errNoHistogram) {
		t.Errorf("no histogram: %v, want errNoHistogram", err)
	}
	if q := quantile(0.5, []bucket{{1, 0}, {math.Inf(1), 0}}); !math.IsNaN(q) {
		t.Errorf("no observations: %v, want NaN", q)
	}
	if q := quantile(0.5, []bucket{{1, 3}, {2, 5}}); !math.IsNaN(q) {
		t.Errorf("no +Inf bucket: %v, want NaN", q)
	}
}
