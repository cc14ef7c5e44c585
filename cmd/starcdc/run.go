package main

import (
	"context"
	"errors"
	"flag"
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

func cmdRun(ctx context.Context, args []string, logger *slog.Logger) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics (e.g. :9464)")
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Errorf("%w; usage: starcdc run [--metrics-addr ADDR] [WORKER.properties] CONNECTOR.properties...", err)}
	}
	args = fs.Args()
	if len(args) == 0 {
		return usageError{errors.New("usage: starcdc run [--metrics-addr ADDR] [WORKER.properties] CONNECTOR.properties...")}
	}
	cfg, err := loadConfig(args, logger)
	if err != nil {
		return err
	}
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
