// Package metrics owns starcdc's Prometheus registry. A Registry is one
// process's set of collectors (a prometheus.Registry of its own: nothing is
// registered in client_golang's global default registry). New fills it
// with the Go runtime and process collectors and the starcdc_build_info
// gauge; the replicator registers its own series through CounterVec,
// GaugeVec and HistogramVec, which return the collector already
// registered under the same name, so that two users of one connector's
// series share them. Handler serves the registry at /metrics only
// (promhttp.HandlerFor); WriteText writes it in the text exposition format.
//
// It owns no connector metric names: the replicator defines them.
package metrics
