package main

// Progress: one INFO line per connector every --progress-interval, so that
// an operator tailing the log sees each connector work.

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/starcdc/starcdc/replicator"
)

// defaultProgressInterval is --progress-interval's default.
const defaultProgressInterval = 30 * time.Second

// progress turns successive Status readings of one connector into
// progress lines.
type progress struct {
	last   replicator.Status
	lastAt time.Time
}

// line returns the attributes of the progress line for s read at now, or
// false when nothing happened since the last reading and nothing changed
// (an idle connector logs nothing).
func (p *progress) line(now time.Time, s replicator.Status) ([]any, bool) {
	prev, prevAt := p.last, p.lastAt
	p.last, p.lastAt = s, now
	dRecords, dRows := s.Records-prev.Records, s.Rows-prev.Rows
	dOK, dFail := s.LoadsOK-prev.LoadsOK, s.LoadsFail-prev.LoadsFail
	changed := s.Ready != prev.Ready || s.Reason != prev.Reason || s.Partitions != prev.Partitions || s.Lag != prev.Lag || s.Dead != prev.Dead
	if prevAt.IsZero() || dRecords == 0 && dRows == 0 && dOK == 0 && dFail == 0 && !changed {
		return nil, false // the first reading only sets the baseline
	}
	secs := now.Sub(prevAt).Seconds()
	rate := func(n int64) float64 { return float64(int64(float64(n)/secs*10)) / 10 }
	attrs := []any{
		"records_per_s", rate(dRecords),
		"rows_per_s", rate(dRows),
		"partitions", s.Partitions,
	}
	if s.Lag >= 0 {
		attrs = append(attrs, "lag", s.Lag)
	}
	attrs = append(attrs, "loads_ok", dOK, "loads_failed", dFail)
	if per := loadedSince(prev.Loaded, s.Loaded); per != "" {
		attrs = append(attrs, "rows_loaded", per)
	}
	if s.LastCommit.IsZero() {
		attrs = append(attrs, "last_commit", "never")
	} else {
		attrs = append(attrs, "last_commit_age", now.Sub(s.LastCommit).Round(time.Second).String())
	}
	attrs = append(attrs, "buffered_bytes", s.BufferedBytes)
	if s.Dead != prev.Dead {
		attrs = append(attrs, "dead_letters", s.Dead-prev.Dead)
	}
	if !s.Ready {
		attrs = append(attrs, "ready", false, "reason", operatorReason(s))
	}
	return attrs, true
}

// logProgress logs a progress line for connector every interval until ctx
// is done.
func logProgress(ctx context.Context, log *slog.Logger, connector string, status func() replicator.Status, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var p progress
	p.line(time.Now(), status())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if attrs, ok := p.line(now, status()); ok {
				log.Info("progress", append([]any{"connector", connector}, attrs...)...)
			}
		}
	}
}

// loadedSince renders the rows loaded per table between two readings, as
// "table=n table=n" in table order ("" when none).
func loadedSince(prev, now map[string]int64) string {
	var b strings.Builder
	for _, t := range slices.Sorted(maps.Keys(now)) {
		if d := now[t] - prev[t]; d > 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s=%d", t, d)
		}
	}
	return b.String()
}
