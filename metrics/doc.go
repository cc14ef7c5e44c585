// Package metrics holds starcdc's counters and gauges: a Registry is a set
// of metric families whose labelled series are updated atomically. It
// writes them in the Prometheus text exposition format (version 0.0.4),
// sorted (WriteText), and serves that over HTTP (Handler; starcdc run
// mounts it at /metrics with --metrics-addr). It owns no metric names:
// the replicator registers them. It depends on the standard library only.
package metrics
