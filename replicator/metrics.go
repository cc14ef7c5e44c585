package replicator

import (
	"errors"

	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/metrics"
)

// instruments are the replicator's Prometheus series of one connector.
type instruments struct {
	records, rows, skipped, dead, commits *metrics.Series
	buffer                                *metrics.Series

	loads, loadRows, loadBytes, loadSeconds, filtered metrics.Family
	connector                                         string
}

func newInstruments(reg *metrics.Registry, connector string) *instruments {
	if reg == nil {
		reg = metrics.New() // counted, not served
	}
	c := func(name, help string) *metrics.Series {
		return reg.Register(name, help, metrics.Counter, "connector").With(connector)
	}
	return &instruments{
		connector:   connector,
		records:     c("starcdc_records_total", "Kafka records processed."),
		rows:        c("starcdc_rows_total", "Change rows handed to the loader."),
		skipped:     c("starcdc_records_skipped_total", "Records that yield no row (tombstones, control records, truncates)."),
		dead:        c("starcdc_dead_letters_total", "Records and rows handed to the dead-letter policy and skipped."),
		commits:     c("starcdc_offset_commits_total", "Successful Kafka offset commits."),
		buffer:      reg.Register("starcdc_loader_buffered_bytes", "Bytes held by the loader (waiting and in flight).", metrics.Gauge, "connector").With(connector),
		loads:       reg.Register("starcdc_loads_total", "Stream Load attempts by table and result (ok, retryable, permanent).", metrics.Counter, "connector", "table", "result"),
		loadRows:    reg.Register("starcdc_load_rows_total", "Rows durably loaded.", metrics.Counter, "connector", "table"),
		loadBytes:   reg.Register("starcdc_load_bytes_total", "Body bytes durably loaded (before compression).", metrics.Counter, "connector", "table"),
		loadSeconds: reg.Register("starcdc_load_seconds_total", "Time spent in load attempts.", metrics.Counter, "connector", "table"),
		filtered:    reg.Register("starcdc_load_filtered_rows_total", "Rows StarRocks filtered within max_filter_ratio.", metrics.Counter, "connector", "table"),
	}
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
	in.loads.With(in.connector, ev.Table, result).Add(1)
	in.loadSeconds.With(in.connector, ev.Table).Add(ev.Duration.Seconds())
	if ev.Err == nil {
		in.loadRows.With(in.connector, ev.Table).Add(float64(ev.Rows))
		in.loadBytes.With(in.connector, ev.Table).Add(float64(ev.Bytes))
		in.filtered.With(in.connector, ev.Table).Add(float64(ev.Filtered))
	}
}
