package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape GETs path from h and returns the status, content type and body.
func scrape(t *testing.T, h http.Handler, method, path string) (int, string, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

// parse reads a text exposition into its families, failing on invalid text.
func parse(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("invalid exposition: %v\n%s", err, text)
	}
	return fams
}

func labels(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

// TestHandler: /metrics serves the Go runtime and process collectors,
// build_info and registered series, as valid text exposition; no other
// path serves anything.
func TestHandler(t *testing.T) {
	r := New(BuildInfo{Version: "v1.2.3", Revision: "abc123"})
	loads := r.CounterVec("starcdc_loads_total", "Stream Loads by table and result.", "table", "result")
	buf := r.GaugeVec("starcdc_buffer_bytes", "Bytes held by the loader.")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				loads.WithLabelValues("orders", "ok").Inc()
			}
		})
	}
	wg.Wait()
	loads.WithLabelValues(`we"ird`, "error").Add(2)
	buf.WithLabelValues().Set(1.5e6)

	code, ct, body := scrape(t, r.Handler(), "GET", "/metrics")
	if code != http.StatusOK || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %q", code, ct)
	}
	for _, want := range []string{
		"# TYPE starcdc_loads_total counter\n",
		`starcdc_loads_total{result="ok",table="orders"} 8000` + "\n",
		`starcdc_loads_total{result="error",table="we\"ird"} 2` + "\n",
		"# TYPE starcdc_buffer_bytes gauge\nstarcdc_buffer_bytes 1.5e+06\n",
		`starcdc_build_info{goversion="` + runtime.Version() + `",revision="abc123",version="v1.2.3"} 1` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	fams := parse(t, body)
	for name, typ := range map[string]dto.MetricType{
		"go_goroutines":                 dto.MetricType_GAUGE,
		"go_memstats_alloc_bytes":       dto.MetricType_GAUGE,
		"go_gc_duration_seconds":        dto.MetricType_SUMMARY,
		"go_info":                       dto.MetricType_GAUGE,
		"process_cpu_seconds_total":     dto.MetricType_COUNTER,
		"process_resident_memory_bytes": dto.MetricType_GAUGE,
		"process_open_fds":              dto.MetricType_GAUGE,
		"starcdc_build_info":            dto.MetricType_GAUGE,
		"starcdc_loads_total":           dto.MetricType_COUNTER,
	} {
		f, ok := fams[name]
		if !ok || f.GetType() != typ {
			t.Errorf("%s: present %v, type %v; want %v", name, ok, f.GetType(), typ)
		}
	}
	if v := fams["process_resident_memory_bytes"].GetMetric()[0].GetGauge().GetValue(); v <= 0 {
		t.Errorf("process_resident_memory_bytes = %v, want > 0", v)
	}

	for _, path := range []string{"/", "/metrics/", "/debug/vars", "/metricsx"} {
		if code, _, _ := scrape(t, r.Handler(), "GET", path); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
	}
	if code, _, _ := scrape(t, r.Handler(), "POST", "/metrics"); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %d, want 405", code)
	}
}

// TestBuildInfoUnknown: a binary without stamps says so rather than
// exposing empty labels (which Prometheus reads as absent).
func TestBuildInfoUnknown(t *testing.T) {
	r := New(BuildInfo{})
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	f := parse(t, b.String())["starcdc_build_info"]
	if f == nil || len(f.GetMetric()) != 1 {
		t.Fatalf("starcdc_build_info: %v", f)
	}
	m := f.GetMetric()[0]
	want := map[string]string{"version": "unknown", "revision": "unknown", "goversion": runtime.Version()}
	if got := labels(m); len(got) != 3 || got["version"] != want["version"] || got["revision"] != want["revision"] || got["goversion"] != want["goversion"] {
		t.Errorf("labels %v, want %v", got, want)
	}
	if m.GetGauge().GetValue() != 1 {
		t.Errorf("value %v, want 1", m.GetGauge().GetValue())
	}
}

// TestRegistriesAreSeparate: two registries share no series (no global
// default registry).
func TestRegistriesAreSeparate(t *testing.T) {
	a, b := New(BuildInfo{}), New(BuildInfo{})
	a.CounterVec("x_total", "x.").WithLabelValues().Inc()
	if v := Value(b.CounterVec("x_total", "x.").WithLabelValues()); v != 0 {
		t.Fatalf("b's x_total = %v, want 0", v)
	}
	var text strings.Builder
	if err := b.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "x_total 0\n") {
		t.Fatalf("b's exposition:\n%s", text.String())
	}
}

// TestRegisterShared: registering a family again returns the first one;
// registering its name with another type, help or labels panics.
func TestRegisterShared(t *testing.T) {
	r := New(BuildInfo{})
	a := r.CounterVec("starcdc_records_total", "Kafka records.", "connector")
	b := r.CounterVec("starcdc_records_total", "Kafka records.", "connector")
	a.WithLabelValues("c").Add(3)
	b.WithLabelValues("c").Inc()
	if got := (Counter{a.WithLabelValues("c")}).Value(); got != 4 {
		t.Fatalf("shared counter = %v, want 4", got)
	}
	h1 := r.HistogramVec("h_seconds", "h.", []float64{1, 2}, "connector")
	h2 := r.HistogramVec("h_seconds", "h.", []float64{1, 2}, "connector")
	if h1 != h2 {
		t.Fatal("a histogram registered twice is two collectors")
	}
	for name, f := range map[string]func(){
		"gauge of a counter's name":  func() { r.GaugeVec("starcdc_records_total", "Kafka records.", "connector") },
		"other labels":               func() { r.CounterVec("starcdc_records_total", "Kafka records.", "table") },
		"other help":                 func() { r.CounterVec("starcdc_records_total", "Other.", "connector") },
		"a runtime collector's name": func() { r.GaugeVec("go_goroutines", "Number of goroutines that currently exist.") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// TestValue reads counters and gauges back, as Replicator.Stats does.
func TestValue(t *testing.T) {
	r := New(BuildInfo{})
	c := Counter{r.CounterVec("c_total", "c.", "l").WithLabelValues("v")}
	g := Gauge{r.GaugeVec("g", "g.").WithLabelValues()}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 500 {
				c.Add(2)
			}
		})
	}
	wg.Wait()
	g.Set(42.5)
	if c.Value() != 4000 || g.Value() != 42.5 {
		t.Fatalf("counter %v gauge %v, want 4000 and 42.5", c.Value(), g.Value())
	}
	h := r.HistogramVec("h_seconds", "h.", []float64{1}).WithLabelValues()
	h.Observe(3)
	if v := Value(h.(prometheus.Histogram)); v != 0 {
		t.Fatalf("Value of a histogram = %v, want 0", v)
	}
}
