package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/replicator"
)

// memoryOverhead is what the process needs beyond its connectors' loader
// budgets (bufferflush.maxbytes): the Go runtime and the binary, the
// fetched records not yet processed (replicator.DefaultFetchMaxBytes per
// fetch, two at once), the rows of the poll being prepared, schema caches
// and HTTP buffers.
const memoryOverhead = 32 << 20

// setMemoryLimit sets the Go runtime's soft memory limit to the sum of the
// connectors' bufferflush.maxbytes plus memoryOverhead, so that the
// garbage collector keeps the heap near what is live instead of letting
// it grow to twice that (GOGC's default) — the loader's budget is then
// what bounds the process's memory. A GOMEMLIMIT set in the environment
// wins. It returns the limit set, or -1 when none was.
func setMemoryLimit(cfg *config.Config, logger *slog.Logger) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return -1
	}
	limit := int64(memoryOverhead)
	for _, c := range cfg.Connectors {
		b := c.BufferFlushMaxBytes
		if b <= 0 {
			b = loader.DefaultMaxBytes
		}
		limit += b
	}
	debug.SetMemoryLimit(limit)
	logger.Info("memory limit set from bufferflush.maxbytes (set GOMEMLIMIT to override)", "limit_mib", limit>>20, "fetch_max_bytes_mib", replicator.DefaultFetchMaxBytes>>20)
	return limit
}
