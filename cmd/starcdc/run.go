package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/starcdc/starcdc/metrics"
	"github.com/starcdc/starcdc/replicator"
)

var runHelp = cmdHelp{
	synopsis: "run [--http-addr ADDR] [WORKER.properties] CONNECTOR.properties...",
	about: `Run connectors, like Kafka's connect-standalone: consume their topics and load
the rows into StarRocks. Stops cleanly on SIGINT/SIGTERM (stop fetching, flush,
commit, exit 0). Invalid settings exit 2, failures at run time exit 1.
At start it tries each dependency once, as starcdc check does, and logs every
failure with its fix; while a connector works it logs a progress line every
--progress-interval. --http-addr serves /metrics, /healthz (liveness) and
/ready (200 when every connector is in its group and loading, else 503 with
the connector and why).`,
	args: `  WORKER.properties      worker keys (bootstrap.servers, converters, security);
                         optional: one file may hold worker and connector keys
  CONNECTOR.properties   a connector's keys, as .properties or a Kafka Connect
                         JSON connector config`,
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run")
	var httpAddr string
	fs.StringVar(&httpAddr, "http-addr", "", "serve http://ADDR/metrics (Prometheus), /healthz (liveness) and /ready (readiness), e.g. :9464")
	fs.StringVar(&httpAddr, "metrics-addr", "", "the same as --http-addr (its former name)")
	progressEvery := fs.Duration("progress-interval", defaultProgressInterval, "log one progress line per connector this often while it works (0: never)")
	lf := addLogFlags(fs)
	args, err := parseArgs(fs, runHelp, args, stdout)
	if err != nil {
		return err
	}
	logger, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageError{errors.New("usage: starcdc " + runHelp.synopsis)}
	}
	cfg, err := loadConfig(args, logger)
	if err != nil {
		return err
	}
	setMemoryLimit(cfg, logger)
	ready := &readiness{gate: &starRocksGate{}}
	ready.gate.holdAll(cfg.Connectors)
	// Unreachable or misconfigured dependencies are named within seconds.
	probeCtx, stopProbe := context.WithCancel(ctx)
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		probeDependencies(probeCtx, cfg, logger, ready.gate, recheckEvery)
	}()
	defer func() { stopProbe(); <-probed }() // it logs nothing after run returns
	reg := metrics.New(buildStamp())
	if httpAddr != "" {
		addr, stop, err := serveHTTP(httpAddr, httpHandler(reg, ready))
		if err != nil {
			return usageError{fmt.Errorf("--http-addr: %w", err)}
		}
		defer stop()
		// This line's form is read by go run ./bench and the e2e tests:
		// the URL ends it.
		logger.Info("serving Prometheus metrics", "url", "http://"+addr+"/metrics")
		logger.Info("serving liveness and readiness", "healthz", "http://"+addr+"/healthz", "ready", "http://"+addr+"/ready")
	}
	reps := make([]*replicator.Replicator, 0, len(cfg.Connectors))
	for _, c := range cfg.Connectors {
		r, err := replicator.FromConfig(cfg.Worker, c, logger, reg)
		if err != nil {
			// Invalid settings exit 2 (exitCode); a failure to reach or
			// set up Kafka or StarRocks exits 1.
			return err
		}
		reps = append(reps, r)
	}
	stopped := make(chan struct{})
	defer close(stopped)
	go onStop(ctx, stopped, logger)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(reps))
	states := make([]connState, len(reps))
	stoppedConn := make([]atomic.Bool, len(reps))
	for i, r := range reps {
		states[i] = connState{name: cfg.Connectors[i].Name, status: r.Status, stopped: stoppedConn[i].Load}
	}
	ready.set(states)
	var progressWG sync.WaitGroup
	for i, r := range reps {
		if *progressEvery > 0 {
			progressWG.Go(func() { logProgress(ctx, logger, cfg.Connectors[i].Name, r.Status, *progressEvery) })
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer stoppedConn[i].Store(true)
			logger.Info("connector started", "connector", cfg.Connectors[i].Name, "group", replicator.GroupID(cfg.Connectors[i].Name), "mode", r.Mode())
			if err := r.Run(ctx); err != nil {
				errs[i] = fmt.Errorf("connector %s: %w", cfg.Connectors[i].Name, err)
				cancel() // one failed connector stops the process, as a FAILED task is visible
			}
			s := r.Stats()
			logger.Info("connector stopped", "connector", cfg.Connectors[i].Name, "records", s.Records, "rows", s.Rows, "skipped", s.Skipped, "flushes", s.Flushes)
		}()
	}
	wg.Wait()
	cancel()
	progressWG.Wait() // no progress line after the connectors stopped
	return errors.Join(errs...)
}

// onStop logs, once sig (the signal context) is done, what the stop does
// and how long it may take; a second SIGINT or SIGTERM then exits at once
// with status 1: rows loaded since the last commit are loaded again
// (idempotently) after a restart. It returns when stopped is closed.
func onStop(sig context.Context, stopped <-chan struct{}, logger *slog.Logger) {
	select {
	case <-stopped:
		return
	case <-sig.Done():
	}
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	logger.Info("stopping: loading what is buffered, committing its offsets and leaving the consumer group, each within a bound; a second signal exits at once")
	select {
	case <-stopped:
	case s := <-again:
		logger.Warn("exiting at once on a second signal: what was loaded since the last commit is loaded again after a restart", "signal", s.String())
		os.Exit(1)
	}
}

// buildStamp is the version and revision starcdc_build_info exposes, as
// `starcdc version` resolves them: the link-time stamps (buildVersion,
// buildRevision) when set, else the module version and VCS revision the
// Go toolchain recorded; empty when neither is known.
func buildStamp() metrics.BuildInfo {
	b := metrics.BuildInfo{Version: buildVersion, Revision: buildRevision}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && b.Revision == "" {
				b.Revision = s.Value
			}
		}
	}
	return b
}
