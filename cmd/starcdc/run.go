package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/replicator"
)

func cmdRun(ctx context.Context, args []string, logger *slog.Logger) error {
	if len(args) == 0 {
		return usageError{errors.New("usage: starcdc run [WORKER.properties] CONNECTOR.properties...")}
	}
	cfg, warnings, err := config.Load(args...)
	for _, w := range warnings {
		logger.Warn("configuration", "file", w.File, "key", w.Key, "note", w.Message)
	}
	if err != nil {
		return usageError{fmt.Errorf("invalid configuration:\n%w", err)}
	}
	reps := make([]*replicator.Replicator, 0, len(cfg.Connectors))
	for _, c := range cfg.Connectors {
		r, err := replicator.FromConfig(cfg.Worker, c, logger)
		if err != nil {
			return usageError{err}
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
			logger.Info("connector started", "connector", cfg.Connectors[i].Name, "group", replicator.GroupID(cfg.Connectors[i].Name))
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
