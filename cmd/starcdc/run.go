package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/starcdc/starcdc/metrics"
	"github.com/starcdc/starcdc/replicator"
)

var runHelp = cmdHelp{
	synopsis: "run [--metrics-addr ADDR] [WORKER.properties] CONNECTOR.properties...",
	about: `Run connectors, like Kafka's connect-standalone: consume their topics and load
the rows into StarRocks. Stops cleanly on SIGINT/SIGTERM (stop fetching, flush,
commit, exit 0). Invalid settings exit 2, failures at run time exit 1.`,
	args: `  WORKER.properties      worker keys (bootstrap.servers, converters, security);
                         optional: one file may hold worker and connector keys
  CONNECTOR.properties   a connector's keys, as .properties or a Kafka Connect
                         JSON connector config`,
}

func cmdRun(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	fs := newFlagSet("run")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics (e.g. :9464)")
	args, err := parseArgs(fs, runHelp, args, stdout)
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
	reg := metrics.New()
	if *metricsAddr != "" {
		ln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return usageError{fmt.Errorf("--metrics-addr: %w", err)}
		}
		srv := &http.Server{Handler: reg.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		logger.Info("serving Prometheus metrics", "url", "http://"+ln.Addr().String()+"/metrics")
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(reps))
	for i, r := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
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
	return errors.Join(errs...)
}
