package metrics

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Kind is a Prometheus metric type.
type Kind string

// The metric kinds.
const (
	Counter Kind = "counter"
	Gauge   Kind = "gauge"
)

// Registry holds metric families. The zero value is not usable: use New.
type Registry struct {
	mu       sync.Mutex
	families map[string]*family
}

type family struct {
	name, help string
	kind       Kind
	labels     []string
	mu         sync.Mutex
	series     map[string]*Series
}

// Series is one labelled time series. Its methods are safe for concurrent use.
type Series struct {
	labels string // rendered {k="v",...}
	bits   atomic.Uint64
}

// New returns an empty Registry.
func New() *Registry { return &Registry{families: map[string]*family{}} }

// Family is a metric with a fixed set of label names.
type Family struct{ f *family }

// Register defines a metric family (or returns the existing one of that name).
func (r *Registry) Register(name, help string, kind Kind, labels ...string) Family {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.families[name]; ok {
		return Family{f}
	}
	f := &family{name: name, help: help, kind: kind, labels: labels, series: map[string]*Series{}}
	r.families[name] = f
	return Family{f}
}

// With returns the series for label values given in the order of the
// family's label names.
func (f Family) With(values ...string) *Series {
	if len(values) != len(f.f.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", f.f.name, len(f.f.labels), len(values)))
	}
	var b strings.Builder
	if len(values) > 0 {
		b.WriteByte('{')
		for i, v := range values {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=%q", f.f.labels[i], escape(v))
		}
		b.WriteByte('}')
	}
	key := b.String()
	f.f.mu.Lock()
	defer f.f.mu.Unlock()
	s, ok := f.f.series[key]
	if !ok {
		s = &Series{labels: key}
		f.f.series[key] = s
	}
	return s
}

// escape keeps label values to what %q renders as a valid Prometheus label
// value: no control characters beyond \n.
func escape(v string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' {
			return -1
		}
		return r
	}, v)
}

// Add adds d (counters must only grow).
func (s *Series) Add(d float64) {
	for {
		old := s.bits.Load()
		if s.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Set sets the value (gauges).
func (s *Series) Set(v float64) { s.bits.Store(math.Float64bits(v)) }

// Value returns the current value.
func (s *Series) Value() float64 { return math.Float64frombits(s.bits.Load()) }

// WriteText writes every family in the Prometheus text format, sorted by
// name and labels.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	fams := make([]*family, 0, len(r.families))
	for _, f := range r.families {
		fams = append(fams, f)
	}
	r.mu.Unlock()
	slices.SortFunc(fams, func(a, b *family) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	for _, f := range fams {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.kind)
		f.mu.Lock()
		keys := make([]string, 0, len(f.series))
		for k := range f.series {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s%s %g\n", f.name, k, f.series[k].Value())
		}
		f.mu.Unlock()
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Handler serves the registry at any path.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = r.WriteText(w)
	})
}
