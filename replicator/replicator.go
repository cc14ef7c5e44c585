package replicator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/deadletter"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/metrics"
	"github.com/starcdc/starcdc/pipeline"
)

// Sink is what the replicator loads into: the loader's buffer core, and
// only the methods the replicator calls. Rows are numbered in AppendWith
// order; Durable says up to which number every row is committed in
// StarRocks (see package loader's delivery contract).
type Sink interface {
	// AppendWith buffers one row of table with its load headers (the zero
	// Headers: a plain row).
	AppendWith(table string, h loader.Headers, row []byte)
	// AppendBatch buffers the rows [from, to) of b, as AppendWith would
	// one by one.
	AppendBatch(b *loader.Batch, from, to int)
	Seq() uint64
	Durable() uint64
	Flush(ctx context.Context, batch string) error
	Full() bool
	Wait(ctx context.Context) error
	BufferedBytes() int64
	TakeRejected(table string) ([]loader.Rejected, error)
	// Fence stops every load of the buffered rows for good (see
	// loader.Loader.Fence).
	Fence(cause error)
}

var _ Sink = (*loader.Loader)(nil)

// Config configures a Replicator. Every field without a default is required.
type Config struct {
	// Name is the connector name; the consumer group is "connect-<Name>",
	// as Kafka Connect names it, so starcdc takes over a Connect sink's
	// committed offsets.
	Name        string
	Brokers     []string
	Topics      []string // or TopicsRegex
	TopicsRegex string
	// KafkaOpts are extra client options (TLS, SASL, ...).
	KafkaOpts []kgo.Opt
	// FetchMaxBytes bounds one fetch response (Kafka's fetch.max.bytes);
	// at most maxConcurrentFetches of them are in flight or buffered, so
	// that the records fetched but not yet processed stay a small,
	// fixed share of the process's memory next to the loader's budget.
	// Zero means DefaultFetchMaxBytes.
	FetchMaxBytes int32
	// SessionTimeout, RebalanceTimeout and HeartbeatInterval are the
	// consumer group's timeouts; zero means franz-go's defaults (45 s,
	// 60 s, 3 s). The session timeout also bounds how long this member
	// may go on loading without proof that it still owns its partitions
	// (see Lease).
	SessionTimeout, RebalanceTimeout, HeartbeatInterval time.Duration
	// member is the lease FromConfig already gave the loader; New makes
	// one when it is nil.
	member *membership
	// health is the listener of loads FromConfig gave the loader; New
	// makes one when it is nil.
	health *health

	Pipeline *pipeline.Pipeline
	Sink     Sink

	// CommitInterval bounds how long durable progress waits before its
	// offsets are committed. Default 1s.
	CommitInterval time.Duration

	// Truncate, when set, empties a table for a Debezium truncate event
	// (starrocks.truncate.policy=truncate); nil skips such events.
	Truncate func(ctx context.Context, table string) error

	// ExactlyOnce loads in epochs whose load labels are a function of the
	// Kafka offsets they cover, so that a replay after a crash stores no
	// row twice in any table kind (see epoch.go). The Sink must be an
	// EpochSink whose loads only Seal cuts (loader.Options.Manual).
	ExactlyOnce bool
	// EpochInterval and EpochBytes close an epoch (ExactlyOnce): when its
	// first record is EpochInterval old (bufferflush.intervalms), or when
	// its rows reach EpochBytes (half of bufferflush.maxbytes). Defaults 1 s
	// and 32 MiB.
	EpochInterval time.Duration
	EpochBytes    int

	DeadLetter deadletter.Policy // default deadletter.Stop
	Logger     *slog.Logger      // default slog.Default()
	Metrics    *metrics.Registry // may be nil
}

// Stats are running totals, read from the connector's metrics (the one
// place each is counted).
type Stats struct {
	Records int64 // Kafka records processed
	Rows    int64 // change rows handed to the sink
	Skipped int64 // records that yield no row (tombstones, control records)
	Dead    int64 // records and rejected rows handed to the dead-letter policy and skipped
	Flushes int64 // successful offset commits
}

// Replicator runs one connector. Create it with New, run it with Run.
type Replicator struct {
	cfg Config
	cl  *kgo.Client
	log *slog.Logger

	mu sync.Mutex // guards the fields below and the pipeline
	// pending holds, per partition and in offset order, the positions
	// processed but not yet committable: each waits until the Sink's
	// Durable reaches its seq.
	pending map[string]map[int32][]position
	// ready holds committable offsets not yet committed (a failed commit
	// is retried with the next one).
	ready map[string]map[int32]kgo.EpochOffset
	row   []byte
	// fenced, once set, forbids every further load and commit: rows were
	// taken out of the loader without reaching the dead-letter topic, or
	// partitions were lost or revoked while their rows were still
	// buffered (loading them later could overwrite the new owner's newer
	// rows). The pipeline stops; a restart resumes from the last commit.
	fenced error

	m      *instruments
	health *health // see Status
	// fencedPub is fenced, readable without mu (Status must answer while
	// the Run loop waits inside a record, holding mu).
	fencedPub atomic.Pointer[error]

	// backlog holds the records of the last poll not processed yet: when
	// the sink is full the rest of a poll waits here, with rebalances
	// allowed, instead of keeping the member from a rebalance (which
	// would get it evicted). Revoked and lost partitions' records are
	// dropped from it. Guarded by mu.
	backlog []*partWork
	spare   []*partWork // finished partWorks kept for reuse
	// stopping is set once the final flush ran: a revocation during the
	// shutdown that follows does not flush again.
	stopping bool
	member   *membership
	// lastSeq is the Sink's Seq when the last record was marked: the
	// record processed next starts its rows after it. Guarded by mu.
	lastSeq uint64
	// seen counts, per partition, the leading pending positions whose
	// freshness was observed. Guarded by mu.
	seen map[topicPartition]int

	// Exactly-once epochs (Config.ExactlyOnce), guarded by mu: the open
	// epoch gathers records; inflight is sealed and loading; recoveries
	// replay intents found at assignment, by epoch name, and recovering
	// says which partitions' records belong to one.
	open         *epoch
	inflight     *epoch
	recoveries   map[string]*epoch
	recovering   map[topicPartition]*epoch
	ids          map[string][16]byte // topic IDs, for intent commits
	spareParts   []*epochPart        // released epoch parts, for reuse
	spareBatches []loader.Batch      // released rows' Batches, for reuse (epochrows.go)
	spareBytes   int                 // their capacity
	rowBytes     int                 // rows' bytes per record in the last poll (prepare)
	spareQueues  [][]position        // emptied pending queues, for reuse
	sealWarned   time.Time           // when a failed seal was last logged
	// owned is the partitions assigned to this member: only their
	// offsets are committed (a member that lost partitions without being
	// told must not move their offsets). Guarded by mu.
	owned map[topicPartition]bool

	closer func() error // closes what FromConfig built (the loader)
}

// Lease returns the lease under which rows this replicator fetched may be
// loaded: its consumer-group membership, proven by heartbeats (see
// membership). Give it to the loader (loader.Options.Lease).
func (r *Replicator) Lease() loader.Lease { return r.member }

// New validates cfg and creates the Kafka client (it does not connect yet).
func New(cfg Config) (*Replicator, error) {
	switch {
	case cfg.Name == "":
		return nil, errors.New("replicator: the connector needs a name")
	case len(cfg.Brokers) == 0:
		return nil, errors.New("replicator: bootstrap.servers is empty")
	case len(cfg.Topics) == 0 && cfg.TopicsRegex == "":
		return nil, errors.New("replicator: set topics or topics.regex")
	case cfg.Pipeline == nil || cfg.Sink == nil:
		return nil, errors.New("replicator: a pipeline and a sink are required")
	}
	if cfg.CommitInterval <= 0 {
		cfg.CommitInterval = time.Second
	}
	if cfg.FetchMaxBytes <= 0 {
		cfg.FetchMaxBytes = DefaultFetchMaxBytes
	}
	if cfg.ExactlyOnce {
		if _, ok := cfg.Sink.(EpochSink); !ok {
			return nil, errors.New("replicator: exactly-once delivery needs a sink that seals loads by name (loader.Loader)")
		}
		if cfg.EpochInterval <= 0 {
			cfg.EpochInterval = time.Second
		}
		if cfg.EpochBytes <= 0 {
			cfg.EpochBytes = loader.DefaultMaxBytes / 2
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DeadLetter == nil {
		cfg.DeadLetter = deadletter.Stop{}
	}
	r := &Replicator{
		cfg:     cfg,
		log:     cfg.Logger.With("connector", cfg.Name),
		pending: map[string]map[int32][]position{},
		ready:   map[string]map[int32]kgo.EpochOffset{},
		seen:    map[topicPartition]int{},

		open:       newEpoch(),
		recoveries: map[string]*epoch{},
		recovering: map[topicPartition]*epoch{},
		ids:        map[string][16]byte{},
		owned:      map[topicPartition]bool{},
		m:          newInstruments(cfg.Metrics, cfg.Name),
		member:     cfg.member,
		health:     cfg.health,
	}
	if r.health == nil {
		r.health = newHealth()
	}
	r.health.m = r.m
	if r.member == nil {
		r.member = newMembership(GroupID(cfg.Name), "", cfg.SessionTimeout, cfg.RebalanceTimeout, cfg.HeartbeatInterval)
	}
	// Run's shutdown cancels this context to fail requests in flight
	// (see membership.leave).
	cctx, stopClient := context.WithCancel(context.Background())
	r.member.stopClient = stopClient
	opts := []kgo.Opt{
		kgo.WithContext(cctx),
		kgo.WithHooks(groupHooks{r}),
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumerGroup(GroupID(cfg.Name)),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(r.onAssigned),
		kgo.OnPartitionsRevoked(r.onRevoked),
		kgo.OnPartitionsLost(r.onLost),
		kgo.SessionTimeout(r.member.session),
		kgo.RebalanceTimeout(r.member.rebal),
		kgo.HeartbeatInterval(r.member.interval),
		// Memory: while the loader is full nothing is polled, and what
		// franz-go fetches meanwhile is bounded by these.
		kgo.FetchMaxBytes(cfg.FetchMaxBytes),
		kgo.FetchMaxPartitionBytes(min(maxPartitionFetchBytes, cfg.FetchMaxBytes)),
		kgo.MaxConcurrentFetches(maxConcurrentFetches),
	}
	if r.member.instance != "" {
		opts = append(opts, kgo.InstanceID(r.member.instance)) // static membership
	}
	if cfg.TopicsRegex != "" {
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(cfg.TopicsRegex))
	} else {
		opts = append(opts, kgo.ConsumeTopics(cfg.Topics...))
	}
	opts = append(opts, cfg.KafkaOpts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		stopClient()
		return nil, fmt.Errorf("replicator: creating the Kafka client: %w", err)
	}
	r.cl = cl
	r.member.cl = cl
	return r, nil
}

// GroupID is the consumer group of a connector, "connect-<name>", as Kafka
// Connect names it (config.GroupID).
func GroupID(name string) string { return config.GroupID(name) }

// Mode says how the connector turns records into rows (see
// pipeline.Pipeline.Mode), for the start-up log.
func (r *Replicator) Mode() string { return r.cfg.Pipeline.Mode() }

// Stats returns the running totals.
func (r *Replicator) Stats() Stats {
	v := func(s interface{ Value() float64 }) int64 { return int64(s.Value()) }
	m := r.m
	return Stats{Records: v(m.records), Rows: v(m.rows), Skipped: v(m.skipped), Dead: v(m.deadRecords) + v(m.deadRows), Flushes: v(m.commits)}
}

// position is a processed record: committing offset is allowed once every
// row appended up to seq is durable.
type position struct {
	offset kgo.EpochOffset // the record's offset + 1
	from   int64           // the record's offset
	first  uint64          // the sequence number of the record's first row (seq+1 if it has none)
	seq    uint64          // the sequence number of its last row
	ts     int64           // the record's timestamp, ms since the epoch
}

type topicPartition struct {
	topic     string
	partition int32
}

// Run consumes until ctx is done or a record stops the pipeline. On ctx
// cancellation it stops fetching, flushes, commits and returns nil.
func (r *Replicator) Run(ctx context.Context) (err error) {
	mctx, stopMember := context.WithCancel(context.WithoutCancel(ctx))
	go r.member.run(mctx)
	defer func() {
		// Final flush and commit, also after an error: what was loaded
		// before a poison record is committed, so a restart resumes at it.
		// It runs once: a revocation while the client leaves the group
		// does not flush again. Loading and committing are bounded
		// apart (see finalLoadTimeout).
		base := context.WithoutCancel(ctx)
		lctx, cancelLoad := context.WithTimeout(base, finalLoadTimeout)
		defer cancelLoad()
		r.mu.Lock()
		var ferr error
		if r.fenced == nil {
			var lerr error
			if len(r.pending) > 0 || r.cfg.ExactlyOnce {
				lerr = r.flushAll(lctx)
			}
			// What is loaded is committed; the commit waits out a
			// rebalance in progress for finalCommitTimeout at most.
			cctx, cancelCommit := context.WithTimeout(base, finalCommitTimeout)
			if lerr != nil {
				ferr = errors.Join(fmt.Errorf("loading into StarRocks: %w (Kafka offsets were not committed past the unloaded rows; they are replayed on restart)", lerr), r.commitDurable(cctx))
			} else if ferr = r.flushAndCommit(cctx); ferr != nil && r.fenced == nil && ctx.Err() != nil && cctx.Err() != nil {
				r.log.Warn("stopping without committing the last Kafka offsets: a group rebalance did not finish in time; the rows loaded since the last commit are loaded again (idempotently) after a restart", "waited", finalCommitTimeout, "error", ferr)
				ferr = nil
			}
			cancelCommit()
		}
		fenced := r.fenced
		r.stopping = true
		r.mu.Unlock()
		if ferr != nil {
			err = errors.Join(err, fmt.Errorf("final flush: %w", ferr))
		}
		if err != nil && errors.Is(fenced, kerr.FencedInstanceID) && !errors.Is(err, kerr.FencedInstanceID) {
			err = fenced // the cause (see groupHooks), not a consequence
		}
		err = r.member.explainFenced(err)
		stopMember()
		r.member.leave(r.log, errors.Is(fenced, kerr.FencedInstanceID))
		if r.closer != nil {
			err = errors.Join(err, r.closer())
		}
	}()
	lastCommit := time.Now()
	for {
		// Back-pressure: while the loader's memory budget is full, fetch
		// (or process) nothing. Rebalances are allowed meanwhile. Wait
		// also reports loads that failed for good.
		if err := r.waitSink(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		r.mu.Lock()
		idle := len(r.backlog) == 0
		r.mu.Unlock()
		if idle {
			pctx, cancel := context.WithTimeout(ctx, pollWait)
			fetches := r.cl.PollRecords(pctx, maxPollRecords)
			cancel()
			if ctx.Err() != nil {
				r.cl.AllowRebalance()
				return nil
			}
			if fetches.IsClientClosed() {
				return errors.New("replicator: the Kafka client was closed")
			}
			// franz-go retries retriable fetch errors itself; what reaches us
			// is logged (e.g. a topic that does not exist yet).
			fetches.EachError(func(topic string, p int32, ferr error) {
				if errors.Is(ferr, context.DeadlineExceeded) || errors.Is(ferr, context.Canceled) {
					return
				}
				r.log.Warn("fetch error", "topic", topic, "partition", p, "error", ferr)
			})
			r.health.fetched(fetches)
			r.mu.Lock()
			r.backlog = r.prepare(ctx, fetches)
		} else {
			r.mu.Lock()
		}
		err := r.processBacklog(ctx)
		r.observeDurable()
		r.m.buffer.Set(float64(r.cfg.Sink.BufferedBytes()))
		r.m.inflight.Set(float64(r.inflightRecords()))
		switch {
		case err != nil:
		case r.cfg.ExactlyOnce:
			err = r.advanceEpochs(ctx, false)
		case time.Since(lastCommit) >= r.cfg.CommitInterval:
			err = r.commitDurable(ctx)
			lastCommit = time.Now()
		}
		gathered := r.cfg.ExactlyOnce && r.epochFull()
		if err == nil {
			err = r.fenced
		}
		r.mu.Unlock()
		r.cl.AllowRebalance()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if gathered {
			// The next epoch is full and the last one still loading:
			// wait for it outside the lock, with rebalances allowed.
			r.waitEpoch(ctx)
		}
	}
}

// waitEpoch waits until the epoch in flight is durable (or ctx ends, or
// a while passes, so that the loop looks at everything again).
func (r *Replicator) waitEpoch(ctx context.Context) {
	r.mu.Lock()
	e := r.inflight
	r.mu.Unlock()
	if e == nil {
		return
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for range 100 {
		if r.cfg.Sink.Durable() >= e.lastSeq {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// waitSink blocks while the loader's memory budget is full and hands rows
// StarRocks rejected to the dead-letter policy. It returns an error that
// stops the pipeline.
func (r *Replicator) waitSink(ctx context.Context) error {
	for {
		err := r.cfg.Sink.Wait(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if errors.Is(err, loader.ErrFenced) {
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.fenced
		}
		r.mu.Lock()
		err = r.deadRows(ctx, err)
		r.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

const (
	// DefaultFetchMaxBytes is the default of Config.FetchMaxBytes.
	DefaultFetchMaxBytes = 8 << 20
	// maxConcurrentFetches bounds the fetches in flight or buffered at
	// once (franz-go's default is one per broker).
	maxConcurrentFetches = 2
	// maxPartitionFetchBytes is Kafka's max.partition.fetch.bytes
	// default; a larger record is still returned whole.
	maxPartitionFetchBytes = 1 << 20
)

const (
	// pollWait bounds one poll, so that durable progress is committed
	// while the topics are idle.
	pollWait       = 200 * time.Millisecond
	maxPollRecords = 10000
)

// processBacklog applies the prepared backlog, each partition in order,
// until it is empty or the sink is full. r.mu must be held.
func (r *Replicator) processBacklog(ctx context.Context) error {
	for len(r.backlog) > 0 {
		w := r.backlog[0]
		if err := r.applyWork(ctx, w); err != nil {
			return err
		}
		if w.next < len(w.recs) {
			return nil // the sink is full: the rest waits
		}
		r.backlog[0] = nil
		r.backlog = r.backlog[1:]
		r.recycle(w)
	}
	r.backlog = nil
	return nil
}

// applyWork hands the prepared records of one partition to the sink in
// order, from w.next, until they are done or the sink is full: runs of
// plain records with one AppendBatch each, the others one by one.
func (r *Replicator) applyWork(ctx context.Context, w *partWork) error {
	for w.next < len(w.recs) {
		if r.cfg.Sink.Full() || r.cfg.ExactlyOnce && r.epochFull() {
			// The rest waits for memory, outside the lock and with
			// rebalances allowed.
			return nil
		}
		i := w.next
		if !w.plain(i) {
			if err := r.applyOne(ctx, w, i); err != nil {
				return err
			}
			w.next++
			continue
		}
		from := w.rowStart(i)
		j := i
		// Runs are bounded for the sink's memory checks; with exactly-once
		// delivery they go to the gathering epoch instead (whose size is
		// checked before each run), whole, so that collect can adopt a
		// whole work's rows rather than copy them.
		for j < len(w.recs) && w.plain(j) && (r.cfg.ExactlyOnce || w.rows.Size(from, w.res[j].rowsEnd) <= maxRunBytes) {
			j++
		}
		if j == i {
			j = i + 1 // a record larger than a run goes alone
		}
		var rows, skipped int
		for k := i; k < j; k++ {
			res := &w.res[k]
			if res.out.Event.Kind == cdc.KindRows {
				rows += res.out.Rows
			} else {
				skipped++
			}
		}
		if r.cfg.ExactlyOnce {
			r.collect(w, i, j)
		} else {
			base := r.lastSeq
			r.cfg.Sink.AppendBatch(&w.rows, from, w.res[j-1].rowsEnd)
			for k := i; k < j; k++ {
				// Rows were numbered in order from base+1: record k's
				// rows are the run's rows [rowStart(k), rowsEnd).
				first := base + 1 + uint64(w.rowStart(k)-from)
				last := base + uint64(w.res[k].rowsEnd-from)
				r.markAt(w.recs[k], first, last)
			}
		}
		r.m.records.Add(float64(j - i))
		r.m.rows.Add(float64(rows))
		r.m.skipped.Add(float64(skipped))
		w.next = j
	}
	return nil
}

// applyOne applies a record whose result needs more than its rows handed
// on: an error (dead-letter policy, or a stop) or a truncate.
func (r *Replicator) applyOne(ctx context.Context, w *partWork, i int) error {
	rec, res := w.recs[i], &w.res[i]
	first := r.lastSeq + 1
	perr := res.err
	if perr == nil {
		perr = r.truncate(ctx, rec, res.out)
	}
	if perr != nil {
		if errors.Is(perr, pipeline.ErrStop) {
			return fmt.Errorf("%s: %w", deadletter.Describe(rec), perr)
		}
		if derr := r.cfg.DeadLetter.Handle(ctx, rec, perr); derr != nil {
			return derr
		}
		r.m.deadRecords.Add(1)
	}
	r.m.records.Add(1)
	if r.cfg.ExactlyOnce {
		r.collect(w, i, i+1)
	} else {
		r.mark(rec, first)
	}
	return nil
}

// truncate handles a Debezium truncate event: skipped with a warning
// (starrocks.truncate.policy=skip), or the table emptied after every row
// before the event is loaded.
func (r *Replicator) truncate(ctx context.Context, rec *kgo.Record, out pipeline.Outcome) error {
	if r.cfg.Truncate == nil {
		r.m.skipped.Add(1)
		r.log.Warn("skipping a truncate event (starrocks.truncate.policy=skip)", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset, "table", out.Table)
		return nil
	}
	// Everything before the truncate must be loaded first, and nothing
	// after it: flush, then truncate, in record order.
	if err := r.flushAll(ctx); err != nil {
		return pipeline.Stop(fmt.Errorf("loading the rows before a truncate of %s: %w", out.Table, err))
	}
	if err := r.cfg.Truncate(ctx, out.Table); err != nil {
		return pipeline.Stop(fmt.Errorf("truncating %s for a Debezium truncate event: %w", out.Table, err))
	}
	r.log.Warn("table truncated for a Debezium truncate event", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset, "table", out.Table)
	return nil
}

// deadRows hands the rows StarRocks rejected for good to the dead-letter
// policy. Any other failure (retries exhausted, access denied, a missing
// table) stops the pipeline: dead-lettering good rows for an outage would
// lose them. r.mu must be held.
func (r *Replicator) deadRows(ctx context.Context, err error) error {
	fail := fmt.Errorf("loading into StarRocks: %w (Kafka offsets were not committed past the unloaded rows; they are replayed on restart)", err)
	les := loadErrors(err)
	if len(les) == 0 {
		return fail
	}
	for _, le := range les {
		if !errors.Is(le, loader.ErrBadRows) {
			return fail
		}
	}
	seen := map[string]bool{}
	for _, le := range les {
		// One TakeFailed per table: it takes every bad-row unit at the
		// head at once; a second call could take a unit that failed for
		// another reason meanwhile (an outage), which must not be
		// dead-lettered.
		if seen[le.Table] {
			continue
		}
		seen[le.Table] = true
		var taken int
		take := func() ([]deadletter.Row, error) {
			rej, err := r.cfg.Sink.TakeRejected(le.Table)
			taken = len(rej)
			rows := make([]deadletter.Row, len(rej))
			for i, x := range rej {
				rows[i] = deadletter.Row{Row: x.Row, Offset: -1}
				rows[i].Topic, rows[i].Partition, rows[i].Offset, _ = r.origin(x.Seq)
			}
			return rows, err
		}
		if err := r.cfg.DeadLetter.HandleRows(ctx, le.Table, take, le); err != nil {
			if taken > 0 {
				// The rows left the loader but did not reach the
				// dead-letter path: nothing may load or commit past
				// them now.
				r.fence(err)
			}
			return err
		}
		r.m.deadRows.Add(float64(taken))
	}
	return nil
}

// loadErrors lists the loader's errors in a (joined) error.
func loadErrors(err error) []*loader.LoadError {
	var le *loader.LoadError
	if errors.As(err, &le) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			var out []*loader.LoadError
			for _, e := range j.Unwrap() {
				out = append(out, loadErrors(e)...)
			}
			return out
		}
		return []*loader.LoadError{le}
	}
	return nil
}

var optionalBytes = &decode.Schema{Type: decode.TypeBytes, Optional: true}

// mark records that rec is processed: its offset+1 is committable once the
// rows appended so far are durable.
func (r *Replicator) mark(rec *kgo.Record, first uint64) {
	r.markAt(rec, first, r.cfg.Sink.Seq())
}

// markPosition records that the record rec of tp is processed, its rows
// numbered first to last (first = last+1: none).
func (r *Replicator) markPosition(tp topicPartition, rec epochRec, first, last uint64) {
	r.lastSeq = last
	ps := r.pending[tp.topic]
	if ps == nil {
		ps = map[int32][]position{}
		r.pending[tp.topic] = ps
	}
	q, ok := ps[tp.partition]
	if !ok && len(r.spareQueues) > 0 {
		q = r.spareQueues[len(r.spareQueues)-1]
		r.spareQueues = r.spareQueues[:len(r.spareQueues)-1]
	}
	ps[tp.partition] = append(q, position{
		offset: kgo.EpochOffset{Epoch: rec.lepoch, Offset: rec.offset + 1},
		from:   rec.offset,
		first:  first,
		seq:    last,
		ts:     rec.ts,
	})
}

// markAt is mark for a record whose rows are numbered first to last
// (first = last+1: none).
func (r *Replicator) markAt(rec *kgo.Record, first, last uint64) {
	r.markPosition(topicPartition{rec.Topic, rec.Partition},
		epochRec{offset: rec.Offset, lepoch: rec.LeaderEpoch, ts: rec.Timestamp.UnixMilli()}, first, last)
}

// origin returns the Kafka record whose rows include the row numbered seq,
// among the records whose rows are not all durable (a rejected row keeps
// its record there until it is taken). r.mu must be held.
func (r *Replicator) origin(seq uint64) (topic string, partition int32, offset int64, ok bool) {
	for t, ps := range r.pending {
		for p, q := range ps {
			// q is in offset order, so in seq order: the first record whose
			// last row is at or after seq (skipping records without rows)
			// holds the row if its first row is not after it.
			i, _ := slices.BinarySearchFunc(q, seq, func(pos position, s uint64) int { return cmp.Compare(pos.seq, s) })
			for i < len(q) && q[i].first > q[i].seq {
				i++
			}
			if i < len(q) && q[i].first <= seq {
				return t, p, q[i].from, true
			}
		}
	}
	return "", 0, -1, false
}

// batchTag names the Kafka positions that the rows still pending cover, so
// that the loader derives the same labels when the same batch is retried.
func (r *Replicator) batchTag() string {
	topics := slices.Sorted(maps.Keys(r.pending))
	h := fnv.New64a()
	for _, t := range topics {
		for _, p := range slices.Sorted(maps.Keys(r.pending[t])) {
			q := r.pending[t][p]
			if len(q) > 0 {
				fmt.Fprintf(h, "%s/%d/%d-%d;", t, p, q[0].from, q[len(q)-1].offset.Offset)
			}
		}
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// commitDurable commits the offsets of every record whose rows are durable.
// r.mu must be held.
func (r *Replicator) commitDurable(ctx context.Context) error {
	if r.fenced != nil {
		return nil
	}
	durable := r.observeDurable()
	if e := r.inflight; r.cfg.ExactlyOnce && e != nil && durable < e.lastSeq {
		// An epoch is committed whole or not at all: committing part of a
		// partition's range would clear its intent while rows after that
		// point may be loaded already (see epoch.go).
		return nil
	}
	for t, ps := range r.pending {
		for p, q := range ps {
			n := 0
			for n < len(q) && q[n].seq <= durable {
				n++
			}
			if n == 0 {
				continue
			}
			tp := topicPartition{t, p}
			if r.seen[tp] -= n; r.seen[tp] <= 0 {
				delete(r.seen, tp)
			}
			if r.ready[t] == nil {
				r.ready[t] = map[int32]kgo.EpochOffset{}
			}
			r.ready[t][p] = q[n-1].offset
			ps[p] = slices.Delete(q, 0, n)
			if len(ps[p]) == 0 {
				if len(r.spareQueues) < maxSpareWorks {
					r.spareQueues = append(r.spareQueues, ps[p][:0])
				}
				delete(ps, p)
			}
		}
		if len(ps) == 0 {
			delete(r.pending, t)
		}
	}
	if len(r.ready) == 0 {
		return nil
	}
	if err := r.commit(ctx, r.ready); err != nil {
		if errors.Is(err, kerr.GroupAuthorizationFailed) || errors.Is(err, kerr.TopicAuthorizationFailed) {
			return fmt.Errorf("%w: grant the user READ on group %s and the topics", err, GroupID(r.cfg.Name))
		}
		if evicted(err) {
			// Another member may own these partitions now: whatever is
			// buffered must not load after its rows.
			r.fence(fmt.Errorf("the group coordinator no longer counts this process as a member of %s (%w); stopping without loading the buffered rows, which the partitions' new owner loads from the last committed offsets; restart to rejoin", GroupID(r.cfg.Name), err))
			return r.fenced
		}
		// Not fatal: the rows are loaded; the commit is retried with the
		// next progress, and a crash before it only replays them.
		r.log.Warn("committing Kafka offsets failed; retrying with the next commit", "error", err)
		return nil
	}
	r.ready = map[string]map[int32]kgo.EpochOffset{}
	r.m.commits.Add(1)
	return nil
}

// flushAndCommit loads everything buffered, then commits every processed
// record. r.mu must be held.
func (r *Replicator) flushAndCommit(ctx context.Context) error {
	var ferr error
	if r.cfg.ExactlyOnce {
		if err := r.flushEpochs(ctx); err != nil {
			return fmt.Errorf("loading into StarRocks: %w (Kafka offsets were not committed past the unloaded rows; they are replayed on restart)", err)
		}
		return nil
	}
	if len(r.pending) > 0 {
		ferr = r.flushAll(ctx)
	}
	// What is durable is committed even when the flush failed: a restart
	// then replays only what was not loaded.
	if err := r.commitDurable(ctx); err != nil {
		return errors.Join(ferr, err)
	}
	if len(r.ready) > 0 && r.fenced == nil {
		if err := r.commit(ctx, r.ready); err != nil {
			return errors.Join(ferr, err)
		}
		r.ready = map[string]map[int32]kgo.EpochOffset{}
	}
	if ferr != nil {
		return fmt.Errorf("loading into StarRocks: %w (Kafka offsets were not committed past the unloaded rows; they are replayed on restart)", ferr)
	}
	return nil
}

// flushAll loads everything buffered; rows StarRocks rejects go to the
// dead-letter policy and the flush is tried again. r.mu must be held.
func (r *Replicator) flushAll(ctx context.Context) error {
	if r.cfg.ExactlyOnce {
		return r.flushEpochs(ctx)
	}
	for {
		err := r.cfg.Sink.Flush(ctx, r.batchTag())
		if err == nil || ctx.Err() != nil || !errors.Is(err, loader.ErrBadRows) {
			return err
		}
		if err := r.deadRows(ctx, err); err != nil {
			return err
		}
	}
}

func (r *Replicator) commit(ctx context.Context, offsets map[string]map[int32]kgo.EpochOffset) error {
	for t, ps := range offsets {
		for p := range ps {
			if !r.owned[topicPartition{t, p}] {
				delete(ps, p) // another member's now: never move its offset
			}
		}
		if len(ps) == 0 {
			delete(offsets, t)
		}
	}
	if len(offsets) == 0 {
		return nil
	}
	var cerr error
	r.cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			cerr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if p.ErrorCode != 0 {
					cerr = errors.Join(cerr, fmt.Errorf("%s/%d: %w", t.Topic, p.Partition, kerr.ErrorForCode(p.ErrorCode)))
				}
			}
		}
	})
	if cerr != nil {
		return fmt.Errorf("committing Kafka offsets after a successful load: %w (the loaded rows will be replayed idempotently after a restart)", cerr)
	}
	r.health.committed()
	return nil
}

// revokeFlushTimeout bounds the flush on revocation below the group's
// default rebalance timeout (60 s), so that this member is not evicted
// while it still loads.
const revokeFlushTimeout = 45 * time.Second

// onRevoked flushes and commits before partitions are handed to another
// member, so that the new owner does not load the same rows again. The
// loads run only under the member's lease (see membership): a member that
// was evicted meanwhile loads nothing. If the flush fails, the buffered rows
// may belong to revoked partitions: loading them later could overwrite the
// new owner's newer rows, so the member fences itself and stops.
func (r *Replicator) onRevoked(ctx context.Context, _ *kgo.Client, revoked map[string][]int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.disown(revoked) // after the flush, which commits them
	r.dropBacklog(revoked)
	r.health.unassign(revoked)
	if r.fenced != nil || r.stopping {
		return
	}
	fctx, cancel := context.WithTimeout(ctx, revokeFlushTimeout)
	defer cancel()
	if err := r.flushAndCommit(fctx); err != nil {
		r.fence(fmt.Errorf("partitions were revoked before their rows could be loaded (%w); stopping so that these rows are not loaded after the new owner's; restart to rejoin the group", err))
		r.log.Error("flush on partition revocation failed; stopping", "error", err)
		return
	}
	r.dropPending(revoked)
	r.dropEpochParts(revoked)
}

// onLost handles partitions lost without a clean revocation (session
// expiry, eviction): their offsets can no longer be committed by this
// member, and rows of theirs still buffered must not be loaded after the
// new owner's: the loader is fenced (nothing starts or retries, loads in
// flight are abandoned) and the pipeline stops.
func (r *Replicator) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	r.member.end()
	r.health.unassign(lost)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.disown(lost)
	r.dropBacklog(lost)
	held := false
	durable := r.cfg.Sink.Durable()
	for t, ps := range lost {
		for _, p := range ps {
			for _, pos := range r.pending[t][p] {
				held = held || pos.seq > durable
			}
		}
	}
	if held {
		r.fence(errors.New("partitions were lost (the group session expired or the member was evicted) while their rows were buffered; stopping without loading them, so that they are not loaded after the new owner's; restart to rejoin the group"))
	}
	r.dropPending(lost)
	r.dropEpochParts(lost)
}

// fence forbids every further load and commit (see Replicator.fenced) and
// fences the sink. r.mu must be held.
func (r *Replicator) fence(cause error) {
	if r.fenced == nil {
		r.fenced = cause
		r.fencedPub.Store(&cause)
		r.log.Error("fenced: no buffered row is loaded and no offset is committed any more", "reason", cause)
	}
	r.cfg.Sink.Fence(r.fenced)
}

// evicted reports whether a commit error says that this member is no
// longer in the group it committed for.
func evicted(err error) bool {
	return errors.Is(err, kerr.UnknownMemberID) || errors.Is(err, kerr.IllegalGeneration) || errors.Is(err, kerr.FencedInstanceID)
}

// dropBacklog forgets the unprocessed records of parts. r.mu must be held.
func (r *Replicator) dropBacklog(parts map[string][]int32) {
	r.backlog = slices.DeleteFunc(r.backlog, func(w *partWork) bool {
		if !slices.Contains(parts[w.topic], w.partition) {
			return false
		}
		r.recycle(w)
		return true
	})
}

func (r *Replicator) dropPending(parts map[string][]int32) {
	for t, ps := range parts {
		for _, p := range ps {
			delete(r.pending[t], p)
			delete(r.ready[t], p)
			delete(r.seen, topicPartition{t, p})
		}
		if len(r.pending[t]) == 0 {
			delete(r.pending, t)
		}
		if len(r.ready[t]) == 0 {
			delete(r.ready, t)
		}
	}
}

// observeDurable observes, once per record, the freshness of the records
// whose rows have all become durable since the last call: the time from
// the record's Kafka timestamp to now. It returns the sink's Durable.
// r.mu must be held.
func (r *Replicator) observeDurable() uint64 {
	durable := r.cfg.Sink.Durable()
	now := time.Now().UnixMilli()
	for t, ps := range r.pending {
		for p, q := range ps {
			tp := topicPartition{t, p}
			n := r.seen[tp]
			i := n
			for i < len(q) && q[i].seq <= durable {
				if ts := q[i].ts; ts > 0 {
					r.m.observeFreshness(time.Duration(max(now-ts, 0)) * time.Millisecond)
				}
				i++
			}
			if i > n {
				r.seen[tp] = i
			}
		}
	}
	return durable
}

// disown forgets that parts are assigned to this member. r.mu must be
// held.
func (r *Replicator) disown(parts map[string][]int32) {
	for t, ps := range parts {
		for _, p := range ps {
			delete(r.owned, topicPartition{t, p})
		}
	}
}

// inflightRecords counts the records processed whose offsets are not
// committed: marked positions, and the records of the epochs gathered.
// r.mu must be held.
func (r *Replicator) inflightRecords() int {
	n := 0
	for _, ps := range r.pending {
		for _, q := range ps {
			n += len(q)
		}
	}
	n += r.open.records()
	for _, e := range r.recoveries {
		n += e.records()
	}
	return n
}
