package metrics

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// BuildInfo names the running binary in the starcdc_build_info series.
// Empty fields are exposed as "unknown".
type BuildInfo struct {
	Version  string // release version, e.g. v1.2.3
	Revision string // VCS revision
}

// Registry is one process's metrics. The zero value is not usable: use New.
// Its methods are safe for concurrent use.
type Registry struct {
	reg *prometheus.Registry
}

// New returns a Registry holding the Go runtime collector, the process
// collector and starcdc_build_info{version,revision,goversion} = 1.
func New(b BuildInfo) *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	r.GaugeVec("starcdc_build_info", "starcdc's version, VCS revision and Go version; always 1.",
		"version", "revision", "goversion").
		WithLabelValues(orUnknown(b.Version), orUnknown(b.Revision), runtime.Version()).Set(1)
	return r
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// CounterVec registers a counter family with the given label names, or
// returns the one already registered under name. It panics if name is
// registered with another type, help or label names: those are
// programming errors, as with prometheus.MustRegister.
func (r *Registry) CounterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return register(r, prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels))
}

// GaugeVec is CounterVec for a gauge family.
func (r *Registry) GaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return register(r, prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels))
}

// HistogramVec is CounterVec for a histogram family with the given upper
// bucket bounds (sorted ascending; +Inf is implicit). A family already
// registered under name keeps its own buckets.
func (r *Registry) HistogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return register(r, prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels))
}

// register registers c, or returns the collector of the same description
// already registered.
func register[C prometheus.Collector](r *Registry, c C) C {
	err := r.reg.Register(c)
	if err == nil {
		return c
	}
	if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		if old, ok := are.ExistingCollector.(C); ok {
			return old
		}
	}
	panic(fmt.Sprintf("metrics: %v", err))
}

// Gather returns the current value of every series, sorted by name
// (prometheus.Gatherer).
func (r *Registry) Gather() ([]*dto.MetricFamily, error) { return r.reg.Gather() }

// WriteText writes every family in the Prometheus text exposition format,
// sorted by name.
func (r *Registry) WriteText(w io.Writer) error {
	fams, err := r.reg.Gather()
	for _, f := range fams {
		if _, werr := expfmt.MetricFamilyToText(w, f); werr != nil {
			return werr
		}
	}
	return err
}

// Handler serves the registry at /metrics (GET and HEAD) and nothing else:
// any other path is 404. Scrapes are counted in promhttp's own series of
// this registry.
func (r *Registry) Handler() http.Handler {
	h := promhttp.InstrumentMetricHandler(r.reg, promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return mux
}

// Counter is a prometheus.Counter whose value can be read back.
type Counter struct{ prometheus.Counter }

// Value returns the counter's current value.
func (c Counter) Value() float64 { return Value(c.Counter) }

// Gauge is a prometheus.Gauge whose value can be read back.
type Gauge struct{ prometheus.Gauge }

// Value returns the gauge's current value.
func (g Gauge) Value() float64 { return Value(g.Gauge) }

// Value returns the value of a counter or gauge series, 0 for anything
// else (it reads it as a scrape does, through Write).
func Value(m prometheus.Metric) float64 {
	var d dto.Metric
	if m.Write(&d) != nil {
		return 0
	}
	switch {
	case d.Counter != nil:
		return d.Counter.GetValue()
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	}
	return 0
}
