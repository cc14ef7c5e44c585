package replicator

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/metrics"
)

// loadDurationBuckets are the upper bounds, in seconds, of
// starcdc_load_duration_seconds: a Stream Load attempt takes from a few
// milliseconds to minutes (a large transaction, a slow BE, a timeout).
var loadDurationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

// freshnessBuckets are the upper bounds, in seconds, of
// starcdc_record_freshness_seconds: fine enough from 10 ms to 10 min for
// its p50 and p99 to be read with histogram_quantile.
var freshnessBuckets = []float64{.01, .025, .05, .1, .25, .5, .75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 15, 20, 30, 60, 120, 300, 600}

// instruments are the replicator's Prometheus series of one connector. Its
// label values are the connector's name, its tables' names and load
// results: never a setting's value (no secret reaches a label).
type instruments struct {
	records, rows, skipped, commits metrics.Counter
	// deadRecords counts Kafka records handed to the dead-letter policy,
	// deadRows rows StarRocks rejected that took that path.
	deadRecords, deadRows metrics.Counter
	buffer, inflight      metrics.Gauge
	lastLoad              *prometheus.GaugeVec
	freshness             prometheus.Observer

	loads, loadRows, loadBytes, loadSeconds, filtered *prometheus.CounterVec
	loadDuration, loadSizeRows, loadSizeBytes         *prometheus.HistogramVec
	connector                                         string

	// Kept by health: the assigned partitions and, per partition, the
	// records behind its high watermark at the last fetch.
	partitions metrics.Gauge
	lag        *prometheus.GaugeVec
}

// newInstruments registers the series of connector in reg (or returns
// those already registered: FromConfig's loader listener and New share
// them). A nil reg gets a registry of its own, counted but not served.
func newInstruments(reg *metrics.Registry, connector string) *instruments {
	if reg == nil {
		reg = metrics.New(metrics.BuildInfo{}) // counted, not served
	}
	c := func(name, help string) metrics.Counter {
		return metrics.Counter{Counter: reg.CounterVec(name, help, "connector").WithLabelValues(connector)}
	}
	return &instruments{
		connector:   connector,
		records:     c("starcdc_records_total", "Kafka records processed."),
		rows:        c("starcdc_rows_total", "Change rows handed to the loader."),
		skipped:     c("starcdc_records_skipped_total", "Records that yield no row (tombstones, control records, truncates)."),
		deadRecords: c("starcdc_dead_letter_records_total", "Kafka records that could not be decoded or mapped, handed to the dead-letter policy and skipped."),
		deadRows:    c("starcdc_dead_letter_rows_total", "Rows StarRocks rejected, handed to the dead-letter policy and skipped."),
		inflight: metrics.Gauge{Gauge: reg.GaugeVec("starcdc_inflight_records",
			"Kafka records processed whose offsets are not committed yet (gathered, loading or awaiting the commit).", "connector").WithLabelValues(connector)},
		lastLoad: reg.GaugeVec("starcdc_last_load_timestamp_seconds",
			"When a load of the table last succeeded, in seconds since the epoch.", "connector", "table"),
		commits: c("starcdc_offset_commits_total", "Successful Kafka offset commits."),
		buffer: metrics.Gauge{Gauge: reg.GaugeVec("starcdc_loader_buffered_bytes",
			"Bytes held by the loader (waiting and in flight).", "connector").WithLabelValues(connector)},
		freshness: reg.HistogramVec("starcdc_record_freshness_seconds",
			"Seconds from a record's Kafka timestamp until the StarRocks load holding its rows was acknowledged.",
			freshnessBuckets, "connector").WithLabelValues(connector),
		loads:       reg.CounterVec("starcdc_loads_total", "Stream Load attempts by table and result (ok, retryable, permanent).", "connector", "table", "result"),
		loadRows:    reg.CounterVec("starcdc_load_rows_total", "Rows durably loaded.", "connector", "table"),
		loadBytes:   reg.CounterVec("starcdc_load_bytes_total", "Body bytes durably loaded (before compression).", "connector", "table"),
		loadSeconds: reg.CounterVec("starcdc_load_seconds_total", "Time spent in load attempts.", "connector", "table"),
		loadDuration: reg.HistogramVec("starcdc_load_duration_seconds", "Durations of Stream Load attempts.",
			loadDurationBuckets, "connector", "table"),
		loadSizeRows: reg.HistogramVec("starcdc_load_size_rows", "Rows of each successful load.",
			prometheus.ExponentialBuckets(1, 4, 12), "connector", "table"),
		loadSizeBytes: reg.HistogramVec("starcdc_load_size_bytes", "Body bytes of each successful load (before compression).",
			prometheus.ExponentialBuckets(1024, 4, 11), "connector", "table"),
		filtered: reg.CounterVec("starcdc_load_filtered_rows_total", "Rows StarRocks filtered within max_filter_ratio.", "connector", "table"),
		partitions: metrics.Gauge{Gauge: reg.GaugeVec("starcdc_assigned_partitions",
			"Kafka partitions assigned to this process.", "connector").WithLabelValues(connector)},
		lag: reg.GaugeVec("starcdc_consumer_lag_records",
			"Records of an assigned partition behind its high watermark, as of the last fetch that returned records of it.", "connector", "topic", "partition"),
	}
}

// observeFreshness records, in starcdc_record_freshness_seconds, that a
// record's rows were acknowledged by StarRocks d after the record's Kafka
// timestamp. A negative d (a producer clock ahead of this one) counts as 0.
func (in *instruments) observeFreshness(d time.Duration) {
	in.freshness.Observe(max(d, 0).Seconds())
}

// OnLoad implements loader.Listener.
func (in *instruments) OnLoad(ev loader.LoadEvent) {
	if ev.Split {
		return // an isolation step of bad rows, not a final outcome
	}
	result := "ok"
	switch {
	case errors.Is(ev.Err, loader.ErrPermanent):
		result = "permanent"
	case ev.Err != nil:
		result = "retryable"
	}
	in.loads.WithLabelValues(in.connector, ev.Table, result).Inc()
	in.loadSeconds.WithLabelValues(in.connector, ev.Table).Add(ev.Duration.Seconds())
	in.loadDuration.WithLabelValues(in.connector, ev.Table).Observe(ev.Duration.Seconds())
	if ev.Err == nil {
		in.lastLoad.WithLabelValues(in.connector, ev.Table).SetToCurrentTime()
		in.loadSizeRows.WithLabelValues(in.connector, ev.Table).Observe(float64(ev.Rows))
		in.loadSizeBytes.WithLabelValues(in.connector, ev.Table).Observe(float64(ev.Bytes))
		in.loadRows.WithLabelValues(in.connector, ev.Table).Add(float64(ev.Rows))
		in.loadBytes.WithLabelValues(in.connector, ev.Table).Add(float64(ev.Bytes))
		in.filtered.WithLabelValues(in.connector, ev.Table).Add(float64(ev.Filtered))
	}
}
