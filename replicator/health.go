package replicator

// Health: what a connector exposes to an operator beside its metrics:
// whether it is ready (/ready) and the figures of its progress log line.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/loader"
)

// fetchErrorWindow is how long a fetch error (an authorization failure, a
// group that cannot be joined) keeps a connector not ready after it was
// last seen: franz-go reports such errors again while they persist.
const fetchErrorWindow = 30 * time.Second

// health tracks a connector's assignment, fetch lag, load outcomes and
// commits, as the replicator and its loader report them. Its methods are
// safe for concurrent use.
type health struct {
	now func() time.Time
	m   *instruments // starcdc_assigned_partitions and starcdc_consumer_lag_records; may be nil

	mu         sync.Mutex
	lag        map[topicPartition]int64 // assigned partitions → records behind the high watermark at the last fetch (-1: unknown)
	failing    map[string]loadFailure   // tables whose last load attempt failed (not for bad rows)
	loadsOK    int64
	loadsFail  int64
	loaded     map[string]int64 // rows durably loaded, by table
	lastCommit time.Time
	fetchErr   error
	fetchErrAt time.Time
	// registryErr is the last registry outage a record waited on, at
	// registryErrAt (cleared when a wait ends).
	registryErr   error
	registryErrAt time.Time
}

// registryOutage notes that a record waits for the schema registry (err
// non-nil), or that the wait is over (nil).
func (h *health) registryOutage(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.registryErr = err
	if err != nil {
		h.registryErrAt = h.now()
	}
}

type loadFailure struct {
	since time.Time
	err   error
}

func newHealth() *health {
	return &health{now: time.Now, lag: map[topicPartition]int64{}, failing: map[string]loadFailure{}, loaded: map[string]int64{}}
}

// OnLoad implements loader.Listener: a failed attempt (other than rows
// StarRocks rejects, which the dead-letter policy handles) marks its
// table failing until an attempt for it succeeds.
func (h *health) OnLoad(ev loader.LoadEvent) {
	if ev.Split {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case ev.Err == nil:
		h.loadsOK++
		h.loaded[ev.Table] += ev.Rows
		delete(h.failing, ev.Table)
	case errors.Is(ev.Err, loader.ErrBadRows):
		h.loadsFail++
	default:
		h.loadsFail++
		f, ok := h.failing[ev.Table]
		if !ok {
			f.since = h.now()
		}
		f.err = ev.Err
		h.failing[ev.Table] = f
	}
}

// assign adds partitions to the assignment, with an unknown lag.
func (h *health) assign(parts map[string][]int32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for t, ps := range parts {
		for _, p := range ps {
			h.lag[topicPartition{t, p}] = -1
		}
	}
	h.exportPartitions()
}

// exportPartitions sets starcdc_assigned_partitions. h.mu must be held.
func (h *health) exportPartitions() {
	if h.m != nil {
		h.m.partitions.Set(float64(len(h.lag)))
	}
}

// unassign removes revoked or lost partitions.
func (h *health) unassign(parts map[string][]int32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for t, ps := range parts {
		for _, p := range ps {
			delete(h.lag, topicPartition{t, p})
			if h.m != nil {
				h.m.lag.DeleteLabelValues(h.m.connector, t, strconv.Itoa(int(p)))
			}
		}
	}
	h.exportPartitions()
}

// fetched notes the lag of every partition a poll returned records of
// (its high watermark minus the offset after its last record) and the
// poll's last error other than a cancelled poll.
func (h *health) fetched(fs kgo.Fetches) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		tp := topicPartition{p.Topic, p.Partition}
		if p.Err != nil {
			if !errors.Is(p.Err, context.DeadlineExceeded) && !errors.Is(p.Err, context.Canceled) {
				h.fetchErr = fmt.Errorf("fetching %s: %w", describeTP(p.Topic, p.Partition), p.Err)
				h.fetchErrAt = h.now()
			}
			return
		}
		if _, ok := h.lag[tp]; ok && len(p.Records) > 0 {
			l := max(p.HighWatermark-(p.Records[len(p.Records)-1].Offset+1), 0)
			h.lag[tp] = l
			if h.m != nil {
				h.m.lag.WithLabelValues(h.m.connector, p.Topic, strconv.Itoa(int(p.Partition))).Set(float64(l))
			}
		}
	})
}

func describeTP(topic string, p int32) string {
	if topic == "" {
		return "the consumer group"
	}
	return fmt.Sprintf("%s partition %d", topic, p)
}

// committed notes a successful offset commit.
func (h *health) committed() {
	h.mu.Lock()
	h.lastCommit = h.now()
	h.mu.Unlock()
}

// Status is a connector's state for an operator, at one instant.
type Status struct {
	// Ready is true when the connector is a member of its consumer group
	// (with partitions or without), the last load attempt of every table
	// succeeded (or none was made), and no fetch error was seen in the last
	// 30 s. Reason says why not, in a few words, when it is false.
	Ready  bool
	Reason string
	// Cause is the error Reason quotes, if any (a load error, a fetch
	// error, the fencing cause), for a caller that words it differently.
	Cause error

	InGroup    bool
	Partitions int   // assigned partitions
	Lag        int64 // records behind the high watermarks at the last fetches, over the assigned partitions; -1 while unknown
	LoadsOK    int64 // load attempts that succeeded, since the start
	LoadsFail  int64 // load attempts that failed (retried or not)
	// FailingTables are the tables whose last load attempt failed.
	FailingTables int
	// Loaded is the rows durably loaded since the start, by table.
	Loaded        map[string]int64
	LastCommit    time.Time // zero before the first commit
	BufferedBytes int64
	Stats
}

// Status returns the connector's state now.
func (r *Replicator) Status() Status {
	h := r.health
	now := h.now()
	s := Status{Stats: r.Stats(), BufferedBytes: r.cfg.Sink.BufferedBytes(), InGroup: r.member.Until().After(now)}
	h.mu.Lock()
	s.Partitions = len(h.lag)
	for _, l := range h.lag {
		if l < 0 {
			s.Lag = -1
			break
		}
		s.Lag += l
	}
	s.LoadsOK, s.LoadsFail, s.LastCommit, s.FailingTables = h.loadsOK, h.loadsFail, h.lastCommit, len(h.failing)
	s.Loaded = maps.Clone(h.loaded)
	var table string
	var fail loadFailure
	for t, f := range h.failing {
		if table == "" || f.since.Before(fail.since) {
			table, fail = t, f
		}
	}
	fetchErr := h.fetchErr
	if now.Sub(h.fetchErrAt) >= fetchErrorWindow {
		fetchErr = nil
	}
	h.mu.Unlock()
	var fenced error
	if f := r.fencedPub.Load(); f != nil {
		fenced = *f
	}
	regErr := h.registryErr
	if now.Sub(h.registryErrAt) >= fetchErrorWindow {
		regErr = nil
	}
	switch {
	case fenced != nil:
		s.Reason, s.Cause = "stopped loading: "+fenced.Error(), fenced
	case table != "":
		s.Reason, s.Cause = fmt.Sprintf("loads into StarRocks table %s failing for %s: %v", table, now.Sub(fail.since).Round(time.Second), fail.err), fail.err
	case fetchErr != nil:
		s.Reason, s.Cause = "Kafka: "+fetchErr.Error(), fetchErr
	case regErr != nil:
		s.Reason, s.Cause = "schema registry unreachable, records waiting: "+regErr.Error(), regErr
	case !s.InGroup:
		s.Reason = "not a member of consumer group " + GroupID(r.cfg.Name) + " (joining, waiting for a subscribed topic to exist, or the group coordinator is unreachable)"
	default:
		s.Ready = true
	}
	return s
}

// loadListeners tells each of its listeners about every load.
type loadListeners []loader.Listener

func (ls loadListeners) OnLoad(ev loader.LoadEvent) {
	for _, l := range ls {
		l.OnLoad(ev)
	}
}
