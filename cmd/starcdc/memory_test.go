package main

import (
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"

	"github.com/starcdc/starcdc/config"
)

// TestSetMemoryLimit: the runtime's soft limit is the connectors'
// bufferflush.maxbytes plus the fixed overhead, unless GOMEMLIMIT is set.
func TestSetMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := &config.Config{Connectors: []config.Connector{{BufferFlushMaxBytes: 10 << 20}, {BufferFlushMaxBytes: 20 << 20}}}
	t.Setenv("GOMEMLIMIT", "")
	if got, want := setMemoryLimit(cfg, log), int64(30<<20+memoryOverhead); got != want || debug.SetMemoryLimit(-1) != want {
		t.Fatalf("limit %d (runtime %d), want %d", got, debug.SetMemoryLimit(-1), want)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "1GiB")
	if got := setMemoryLimit(cfg, log); got != -1 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatalf("with GOMEMLIMIT set: %d, runtime %d; want the environment's to stand", got, debug.SetMemoryLimit(-1))
	}
}
