package kafka

// Logger: franz-go's own log lines, in the process's slog logger.

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kslog"
)

// LevelTrace is below slog.LevelDebug: franz-go's debug lines (one or
// more per request) are logged at it, so that `--log-level debug` shows
// starcdc's own detail without every Kafka request.
const LevelTrace = slog.LevelDebug - 4

// RepeatEvery is how often a franz-go warning or error with the same
// message (about the same broker) is logged while it keeps recurring (an unreachable broker is
// retried several times a second): once at once, then at most once per
// RepeatEvery, with the number of lines left out in between.
const RepeatEvery = 10 * time.Second

// infoKept are franz-go's INFO messages that stay at INFO: the group
// joins, assignments and leaves an operator follows. franz-go's other INFO
// lines (metadata refreshes, fetch sessions, heartbeat loops) are logged
// at DEBUG.
var infoKept = map[string]bool{
	"joined":                  true,
	"new group session begun": true,
	"leaving group":           true,
}

// hints say what an operator does about a franz-go warning, added to it
// as hint=...
var hints = map[string]string{
	"unable to open connection to broker": "check that Kafka runs and that this host reaches this address: bootstrap.servers for the first connection, the broker's advertised.listeners after it (starcdc check tests both)",
}

// NewLogger returns a kgo.Logger (franz-go's kslog plug-in) that writes
// franz-go's lines to log with component=kafka: warnings and errors as
// they are (a recurring one at most once per RepeatEvery), the INFO
// lines of infoKept at INFO, its other INFO lines at DEBUG and its DEBUG
// lines at LevelTrace; a warning of hints gets its hint. franz-go logs no credentials (SASL and TLS
// settings are never in its lines).
func NewLogger(log *slog.Logger) kgo.Logger {
	return newLogger(log, time.Now)
}

func newLogger(log *slog.Logger, now func() time.Time) kgo.Logger {
	h := &kgoHandler{inner: log.Handler(), rep: &repeats{now: now, last: map[string]*repeat{}}}
	return kslog.New(slog.New(h).With("component", "kafka"))
}

// kgoHandler maps franz-go's levels (see NewLogger) and thins out
// recurring warnings; handlers derived with WithAttrs or WithGroup share
// its repeat state.
type kgoHandler struct {
	inner slog.Handler
	rep   *repeats
}

// repeats remembers, per message, when a warning or error was last logged
// and how many were left out since.
type repeats struct {
	now  func() time.Time
	mu   sync.Mutex
	last map[string]*repeat
}

type repeat struct {
	at      time.Time
	dropped int
}

// Enabled answers kslog's level probe: franz-go's INFO lines are wanted
// when INFO is (some stay at INFO), its DEBUG lines only at LevelTrace.
func (h *kgoHandler) Enabled(ctx context.Context, l slog.Level) bool {
	if l < slog.LevelInfo {
		l = LevelTrace
	}
	return h.inner.Enabled(ctx, l)
}

func (h *kgoHandler) Handle(ctx context.Context, r slog.Record) error {
	switch {
	case r.Level < slog.LevelInfo:
		r.Level = LevelTrace
	case r.Level < slog.LevelWarn && !infoKept[r.Message]:
		r.Level = slog.LevelDebug
	}
	if !h.inner.Enabled(ctx, r.Level) {
		return nil
	}
	if r.Level >= slog.LevelWarn {
		dropped, ok := h.rep.admit(repeatKey(r))
		if !ok {
			return nil
		}
		hint := hints[r.Message]
		if dropped > 0 || hint != "" {
			r = r.Clone()
		}
		if dropped > 0 {
			r.AddAttrs(slog.Int("repeated", dropped))
		}
		if hint != "" {
			r.AddAttrs(slog.String("hint", hint))
		}
	}
	return h.inner.Handle(ctx, r)
}

// repeatKey is what makes two warnings the same for thinning: the message
// and the broker it is about, if any (one unreachable broker does not
// hide another).
func repeatKey(r slog.Record) string {
	key := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "addr" || a.Key == "broker" {
			key += "\x00" + a.Value.String()
		}
		return true
	})
	return key
}

// admit reports whether a warning with key msg is logged now, and how
// many were left out since the last one logged.
func (rp *repeats) admit(msg string) (dropped int, ok bool) {
	now := rp.now()
	rp.mu.Lock()
	defer rp.mu.Unlock()
	last := rp.last[msg]
	if last == nil {
		rp.last[msg] = &repeat{at: now}
		return 0, true
	}
	if now.Sub(last.at) < RepeatEvery {
		last.dropped++
		return 0, false
	}
	dropped = last.dropped
	*last = repeat{at: now}
	return dropped, true
}

func (h *kgoHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &kgoHandler{inner: h.inner.WithAttrs(as), rep: h.rep}
}

func (h *kgoHandler) WithGroup(name string) slog.Handler {
	return &kgoHandler{inner: h.inner.WithGroup(name), rep: h.rep}
}
