package loader

// The protocols: how one load attempt talks to StarRocks. New picks one
// from Options.Mode; attempt.go knows nothing of the difference.

import (
	"context"
	"net/http"
)

// protocol makes the attempts of loads with one StarRocks protocol:
// streamLoad (Stream Load) or txnLoad (the transaction interface).
type protocol interface {
	// frame builds the request bodies of a load of chunks (uncompressed,
	// without a guard): Stream Load sends one, a transaction one per load
	// call.
	frame(f Format, chunks []*chunk) []body
	// load makes one attempt. A failure is a *LoadError, or the error of
	// ctx when the attempt was abandoned.
	load(ctx context.Context, r loadRequest) (outcome, error)
	// abandon cleans up after an attempt abandoned because the Loader was
	// fenced or closed.
	abandon(table, label string)
}

// loadRequest is what one attempt sends.
type loadRequest struct {
	table, label string
	rows         int         // rows of the load: what a label found FINISHED loaded
	bodies       []body      // from frame, compressed when set
	hdr          http.Header // data headers, without label
}

// outcome is what a successful load reports.
type outcome struct {
	loaded   int64
	filtered int64
}

// newProtocol returns the protocol of cfg.Mode. lease blocks until the
// Lease allows a transaction to prepare or commit.
func newProtocol(cfg *config, c *client, lease func(context.Context) error) protocol {
	if cfg.Mode == ModeTransaction {
		return txnLoad{c: c, lease: lease}
	}
	return streamLoad{c: c}
}
