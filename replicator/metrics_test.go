package replicator

import (
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/metrics"
)

// scrapeMetrics GETs /metrics from reg's handler and parses the text.
func scrapeMetrics(t *testing.T, reg *metrics.Registry) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("invalid exposition: %v\n%s", err, body)
	}
	return string(body), fams
}

// series finds the series of family name whose labels include want.
func series(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no family %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	t.Fatalf("no %s series with labels %v in %v", name, want, f.GetMetric())
	return nil
}

// TestInstrumentsExposition: /metrics serves the runtime, process and
// build-info series beside every connector series, under the names and
// labels dashboards use, and the freshness and load-duration histograms
// with their buckets.
func TestInstrumentsExposition(t *testing.T) {
	reg := metrics.New(metrics.BuildInfo{Version: "v0.1.0", Revision: "f00d"})
	// FromConfig's loader listener and New each build the instruments of
	// one connector: they share its series.
	in, in2 := newInstruments(reg, "conn-a"), newInstruments(reg, "conn-a")
	other := newInstruments(reg, "conn-b")
	in.records.Add(5)
	in2.records.Add(2)
	in.rows.Add(9)
	in.skipped.Add(1)
	in.deadRecords.Add(3)
	in.deadRows.Add(2)
	in.inflight.Set(11)
	in.commits.Add(4)
	in.buffer.Set(2048)
	other.records.Add(100)

	in.OnLoad(loader.LoadEvent{Table: "orders", Rows: 7, Bytes: 700, Filtered: 1, Duration: 30 * time.Millisecond})
	in2.OnLoad(loader.LoadEvent{Table: "orders", Rows: 2, Bytes: 200, Duration: 2 * time.Second})
	in.OnLoad(loader.LoadEvent{Table: "orders", Rows: 5, Duration: time.Second, Err: errors.New("503")})
	in.OnLoad(loader.LoadEvent{Table: "orders", Rows: 5, Duration: time.Second, Err: loader.ErrPermanent})
	in.OnLoad(loader.LoadEvent{Table: "orders", Rows: 5, Duration: time.Hour, Err: loader.ErrBadRows, Split: true}) // not an outcome

	for _, d := range []time.Duration{-time.Second, 5 * time.Millisecond, 10 * time.Millisecond, 1100 * time.Millisecond, 1100 * time.Millisecond, 9 * time.Minute, 11 * time.Minute} {
		in.observeFreshness(d)
	}

	body, fams := scrapeMetrics(t, reg)
	for _, name := range []string{"go_goroutines", "go_info", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("no runtime/process family %s", name)
		}
	}
	bi := series(t, fams, "starcdc_build_info", map[string]string{"version": "v0.1.0", "revision": "f00d"})
	if bi.GetGauge().GetValue() != 1 {
		t.Errorf("starcdc_build_info = %v", bi.GetGauge().GetValue())
	}

	counter := func(name string, labels map[string]string, want float64) {
		t.Helper()
		if fams[name].GetType() != dto.MetricType_COUNTER {
			t.Errorf("%s is a %v, want a counter", name, fams[name].GetType())
		}
		if got := series(t, fams, name, labels).GetCounter().GetValue(); got != want {
			t.Errorf("%s%v = %v, want %v", name, labels, got, want)
		}
	}
	a := map[string]string{"connector": "conn-a"}
	ao := map[string]string{"connector": "conn-a", "table": "orders"}
	counter("starcdc_records_total", a, 7)
	counter("starcdc_records_total", map[string]string{"connector": "conn-b"}, 100)
	counter("starcdc_rows_total", a, 9)
	counter("starcdc_records_skipped_total", a, 1)
	counter("starcdc_dead_letter_records_total", a, 3)
	counter("starcdc_dead_letter_rows_total", a, 2)
	if h := series(t, fams, "starcdc_load_size_rows", ao).GetHistogram(); h == nil || h.GetSampleCount() != 2 || h.GetSampleSum() != 9 {
		t.Errorf("starcdc_load_size_rows = %v, want 2 loads of 9 rows in all", h)
	}
	if h := series(t, fams, "starcdc_load_size_bytes", ao).GetHistogram(); h == nil || h.GetSampleCount() != 2 || h.GetSampleSum() != 900 {
		t.Errorf("starcdc_load_size_bytes = %v, want 2 loads of 900 bytes in all", h)
	}
	if g := series(t, fams, "starcdc_inflight_records", a).GetGauge(); g == nil || g.GetValue() != 11 {
		t.Errorf("starcdc_inflight_records = %v, want a gauge of 11", g)
	}
	if g := series(t, fams, "starcdc_last_load_timestamp_seconds", ao).GetGauge(); g == nil || time.Since(time.Unix(int64(g.GetValue()), 0)) > time.Hour {
		t.Errorf("starcdc_last_load_timestamp_seconds = %v, want about now", g)
	}
	counter("starcdc_offset_commits_total", a, 4)
	counter("starcdc_loads_total", map[string]string{"connector": "conn-a", "table": "orders", "result": "ok"}, 2)
	counter("starcdc_loads_total", map[string]string{"connector": "conn-a", "table": "orders", "result": "retryable"}, 1)
	counter("starcdc_loads_total", map[string]string{"connector": "conn-a", "table": "orders", "result": "permanent"}, 1)
	counter("starcdc_load_rows_total", ao, 9)
	counter("starcdc_load_bytes_total", ao, 900)
	counter("starcdc_load_filtered_rows_total", ao, 1)
	counter("starcdc_load_seconds_total", ao, 4.03)
	if g := series(t, fams, "starcdc_loader_buffered_bytes", a).GetGauge(); g == nil || g.GetValue() != 2048 {
		t.Errorf("starcdc_loader_buffered_bytes = %v, want a gauge of 2048", g)
	}
	for _, want := range []string{
		`starcdc_records_total{connector="conn-a"} 7` + "\n",
		`starcdc_loads_total{connector="conn-a",result="ok",table="orders"} 2` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// Load durations: the four final attempts, not the split.
	dur := series(t, fams, "starcdc_load_duration_seconds", ao).GetHistogram()
	if fams["starcdc_load_duration_seconds"].GetType() != dto.MetricType_HISTOGRAM || dur.GetSampleCount() != 4 || math.Abs(dur.GetSampleSum()-4.03) > 1e-9 {
		t.Errorf("starcdc_load_duration_seconds: count %d sum %v, want 4 and 4.03", dur.GetSampleCount(), dur.GetSampleSum())
	}
	cum := map[float64]uint64{}
	for _, b := range dur.GetBucket() {
		cum[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	if cum[.025] != 0 || cum[.05] != 1 || cum[1] != 3 || cum[2.5] != 4 {
		t.Errorf("starcdc_load_duration_seconds buckets %v", cum)
	}

	// Freshness: every bucket bound, cumulative counts; a negative age
	// counts as 0 and 11 min falls only in +Inf.
	fr := fams["starcdc_record_freshness_seconds"]
	if fr.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("starcdc_record_freshness_seconds is a %v", fr.GetType())
	}
	h := series(t, fams, "starcdc_record_freshness_seconds", a).GetHistogram()
	bounds := append(freshnessBuckets[:len(freshnessBuckets):len(freshnessBuckets)], math.Inf(1))
	if len(h.GetBucket()) != len(bounds) {
		t.Fatalf("%d freshness buckets, want %d", len(h.GetBucket()), len(bounds))
	}
	want := map[float64]uint64{.01: 3, .025: 3, 1: 3, 1.25: 5, 300: 5, 600: 6, math.Inf(1): 7}
	for i, b := range h.GetBucket() {
		if b.GetUpperBound() != bounds[i] {
			t.Errorf("bucket %d bound %v, want %v", i, b.GetUpperBound(), bounds[i])
		}
		if w, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
			t.Errorf("bucket le=%v holds %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), w)
		}
	}
	if h.GetSampleCount() != 7 || math.Abs(h.GetSampleSum()-(0.005+0.01+2.2+540+660)) > 1e-9 {
		t.Errorf("freshness count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
	}
	for _, bound := range []string{`le="0.01"`, `le="0.75"`, `le="7.5"`, `le="600"`, `le="+Inf"`} {
		if !strings.Contains(body, `starcdc_record_freshness_seconds_bucket{connector="conn-a",`+bound+`}`) {
			t.Errorf("/metrics lacks the freshness bucket %s", bound)
		}
	}
	if !strings.Contains(body, `starcdc_record_freshness_seconds_bucket{connector="conn-a",le="+Inf"} 7`) {
		t.Errorf("/metrics: the +Inf freshness bucket does not hold all 7 observations")
	}

	// Stats reads the same totals back.
	r := &Replicator{m: in2}
	if st := r.Stats(); st != (Stats{Records: 7, Rows: 9, Skipped: 1, Dead: 5, Flushes: 4}) {
		t.Errorf("Stats() = %+v", st)
	}
}

// TestFromConfigMetricsHoldNoSecret: a connector built by FromConfig
// registers its series under its name only; its password, in no label,
// never reaches /metrics.
func TestFromConfigMetricsHoldNoSecret(t *testing.T) {
	const secret = "s3cret-pw-in-config"
	cfg, _, err := config.FromMap(map[string]string{
		"bootstrap.servers":       "127.0.0.1:1",
		"name":                    "noleak",
		"connector.class":         "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics":                  "t1",
		"starrocks.http.url":      "127.0.0.1:1",
		"starrocks.username":      "root",
		"starrocks.password":      secret,
		"starrocks.database.name": "d",
	})
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.New(metrics.BuildInfo{})
	rep, err := FromConfig(cfg.Worker, cfg.Connectors[0], slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { rep.cl.Close(); _ = rep.closer() }() // never run: close what FromConfig built
	rep.m.records.Add(1)
	rep.m.observeFreshness(time.Second)
	body, fams := scrapeMetrics(t, reg)
	if strings.Contains(body, secret) {
		t.Fatal("the password reached /metrics")
	}
	if got := series(t, fams, "starcdc_records_total", map[string]string{"connector": "noleak"}).GetCounter().GetValue(); got != 1 {
		t.Fatalf("starcdc_records_total = %v", got)
	}
	for name, f := range fams {
		if !strings.HasPrefix(name, "starcdc_") {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != "connector" && l.GetName() != "table" && l.GetName() != "result" && l.GetName() != "le" && name != "starcdc_build_info" {
					t.Errorf("%s has a label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// BenchmarkInstruments: the per-record costs the Run loop pays (a counter
// add, a freshness observation) and the per-load cost of OnLoad.
func BenchmarkInstruments(b *testing.B) {
	in := newInstruments(metrics.New(metrics.BuildInfo{}), "bench")
	b.Run("records.Add", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			in.records.Add(1)
		}
	})
	b.Run("observeFreshness", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			in.observeFreshness(1500 * time.Millisecond)
		}
	})
	b.Run("OnLoad", func(b *testing.B) {
		b.ReportAllocs()
		ev := loader.LoadEvent{Table: "orders", Rows: 1000, Bytes: 1 << 20, Duration: 80 * time.Millisecond}
		for b.Loop() {
			in.OnLoad(ev)
		}
	})
	b.Run("Stats", func(b *testing.B) {
		b.ReportAllocs()
		r := &Replicator{m: in}
		for b.Loop() {
			_ = r.Stats()
		}
	})
}
