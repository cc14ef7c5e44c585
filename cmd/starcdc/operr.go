package main

// Operator-worded errors: what `starcdc run` logs and prints about the
// common failures says which setting or command fixes them, not which
// library call failed.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/loader"
)

// probeTimeout bounds each check of run's start-up probe.
const probeTimeout = 5 * time.Second

// recheckEvery is how often run checks a StarRocks that failed its
// start-up check again, until it passes.
const recheckEvery = 30 * time.Second

// probeDependencies runs the checks of `starcdc check` once, at start-up,
// and logs each failure as an ERROR with its fix: an unreachable Kafka, a
// missing topic, a down StarRocks or a wrong password is reported within
// seconds, before any record would show it. It does not stop the run:
// the dependency may come up later. A connector is released from gate
// (see holdAll) once its StarRocks checks pass: those that fail are
// checked again every recheck until they do.
func probeDependencies(ctx context.Context, cfg *config.Config, log *slog.Logger, gate *starRocksGate, recheck time.Duration) {
	report := func(rs []checkResult) (failed string) {
		for _, r := range rs {
			if r.ok {
				log.Debug("dependency check passed", "check", r.what, "result", r.detail)
				continue
			}
			log.Error("dependency check failed", "check", r.what, "problem", r.detail, "fix", r.fix)
			if failed == "" {
				failed = r.what + ": " + r.detail
			}
		}
		return failed
	}
	report(checkKafka(ctx, cfg.Worker, cfg.Connectors, probeTimeout))
	var held []config.Connector
	for _, c := range cfg.Connectors {
		if ctx.Err() != nil {
			return
		}
		report(checkRegistries(ctx, c, probeTimeout))
		if why := report(checkStarRocks(ctx, c, probeTimeout)); why != "" {
			gate.hold(c.Name, why)
			held = append(held, c)
		} else {
			gate.release(c.Name)
		}
		report(checkMySQL(ctx, c, probeTimeout))
	}
	watchStarRocks(ctx, held, gate, log, recheck, func(c config.Connector) []checkResult {
		return checkStarRocks(ctx, c, probeTimeout)
	})
}

// watchStarRocks checks the StarRocks of each held connector every
// interval until its checks pass (then it is released from gate) or ctx
// is done.
func watchStarRocks(ctx context.Context, held []config.Connector, gate *starRocksGate, log *slog.Logger, every time.Duration, check func(config.Connector) []checkResult) {
	if len(held) == 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for len(held) > 0 {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		held = slices.DeleteFunc(held, func(c config.Connector) bool {
			for _, r := range check(c) {
				if !r.ok {
					gate.hold(c.Name, r.what+": "+r.detail)
					return false
				}
			}
			gate.release(c.Name)
			log.Info("StarRocks passes its checks now", "connector", c.Name)
			return true
		})
	}
}

// starRocksGate holds, per connector, why its StarRocks failed its checks
// (see probeDependencies); /ready is 503 for a held connector until it is
// released or one of its loads succeeded. Safe for concurrent use.
type starRocksGate struct {
	mu  sync.Mutex
	why map[string]string
}

// holdAll holds every connector until its first check.
func (g *starRocksGate) holdAll(conns []config.Connector) {
	for _, c := range conns {
		g.hold(c.Name, "StarRocks not checked yet")
	}
}

func (g *starRocksGate) hold(connector, why string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.why == nil {
		g.why = map[string]string{}
	}
	g.why[connector] = why
}

func (g *starRocksGate) release(connector string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.why, connector)
}

// reason is why connector is held, "" when it is not (or g is nil).
func (g *starRocksGate) reason(connector string) string {
	if g == nil {
		return ""
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.why[connector]
}

// operatorText is err's text with every StarRocks load error in it
// worded for an operator (see loadAdvice).
func operatorText(err error) string {
	s := err.Error()
	for _, le := range loadErrors(err) {
		s = strings.Replace(s, le.Error(), operatorLoadError(le), 1)
	}
	return strings.ReplaceAll(s, "loading into StarRocks: loading into StarRocks table", "loading into StarRocks table")
}

// loadErrors lists the *loader.LoadError values in err's tree.
func loadErrors(err error) []*loader.LoadError {
	var out []*loader.LoadError
	var walk func(error)
	walk = func(e error) {
		switch x := e.(type) {
		case nil:
		case *loader.LoadError:
			out = append(out, x)
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(x.Unwrap())
		}
	}
	walk(err)
	return out
}

// operatorLoadError is a load error as an operator reads it: the table,
// StarRocks' answer or the network error, and the settings that fix it.
func operatorLoadError(e *loader.LoadError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "loading into StarRocks table %s failed", e.Table)
	if e.Status != "" {
		fmt.Fprintf(&b, ": %s", e.Status)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %s", strings.ReplaceAll(e.Err.Error(), "loader: ", ""))
	}
	fmt.Fprintf(&b, " (label %s); %s", e.Label, loadAdvice(e))
	if e.ErrorLog != "" {
		fmt.Fprintf(&b, "; StarRocks' error log: %s", e.ErrorLog)
	}
	return b.String()
}

// loadAdvice says what to do about a failed load, in connector keys.
func loadAdvice(e *loader.LoadError) string {
	m := strings.ToLower(e.Message)
	var ne net.Error
	var oe *net.OpError
	retries := ""
	if errors.Is(e.Err, loader.ErrRetriesExhausted) {
		retries = "; loads are retried for starrocks.retry.timeout.ms and at least sink.maxretries times (-1: for ever)"
	}
	switch {
	case e.BadRows || strings.Contains(m, "too many filtered rows"):
		return "StarRocks rejected rows that do not fit the table (see its error log): fix the table or the mapping, or set errors.tolerance=all with errors.deadletterqueue.topic.name to divert such rows"
	case strings.Contains(m, "access denied") || e.Status == "HTTP 401" || e.Status == "HTTP 403":
		return "StarRocks refused the user: check starrocks.username and starrocks.password, and grant the user INSERT on the table (run starcdc check)"
	case strings.Contains(m, "unknown table") || strings.Contains(m, "unknown database"):
		return "create the table in StarRocks (starcdc ddl --apply prints and runs the statements), set starrocks.auto.create.tables=true, or correct starrocks.database.name and starrocks.topic2table.map"
	case errors.As(e.Err, &oe) || errors.As(e.Err, &ne):
		return "StarRocks is unreachable: check starrocks.http.url (the FE's HTTP port, 8030 by default) and that the FE and BE are running and reachable from this host; run starcdc check" + retries
	case e.Permanent:
		return "StarRocks refused the load for good: correct what its message names; the rows are replayed from Kafka after a restart"
	}
	return "StarRocks is unavailable or overloaded: check its health; the rows are replayed from Kafka after a restart" + retries
}

// operatorHandler rewrites error attributes holding a StarRocks load
// error (the loader's retry warnings) with operatorText.
type operatorHandler struct{ slog.Handler }

func (h operatorHandler) Handle(ctx context.Context, r slog.Record) error {
	rewrite := false
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Any().(error); ok && len(loadErrors(err)) > 0 {
			rewrite = true
			return false
		}
		return true
	})
	if !rewrite {
		return h.Handler.Handle(ctx, r)
	}
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Any().(error); ok && len(loadErrors(err)) > 0 {
			a = slog.String(a.Key, operatorText(err))
		}
		nr.AddAttrs(a)
		return true
	})
	return h.Handler.Handle(ctx, nr)
}

func (h operatorHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return operatorHandler{h.Handler.WithAttrs(as)}
}

func (h operatorHandler) WithGroup(name string) slog.Handler {
	return operatorHandler{h.Handler.WithGroup(name)}
}
