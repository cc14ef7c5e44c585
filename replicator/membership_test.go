package replicator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/internal/testutil"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/mapping"
	"github.com/starcdc/starcdc/pipeline"
)

// The lease follows the heartbeats' answers, from their send times.
func TestMembershipLease(t *testing.T) {
	m := newMembership("g", "", 10*time.Second, 30*time.Second, time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	if !m.Until().IsZero() {
		t.Fatal("a lease before any heartbeat")
	}
	for _, step := range []struct {
		sent time.Duration
		err  error
		want time.Duration // -1: no lease
	}{
		{0, kerr.RebalanceInProgress, -1},                     // no proof of membership yet
		{time.Second, nil, 11 * time.Second},                  // sent + session
		{2 * time.Second, errors.New("io"), 11 * time.Second}, // unanswered: unchanged
		{3 * time.Second, nil, 13 * time.Second},
		// In a rebalance: the session still runs from each heartbeat, but the
		// member must rejoin within the rebalance timeout from its last
		// error-free heartbeat.
		{25 * time.Second, kerr.RebalanceInProgress, 33 * time.Second},
		{32 * time.Second, kerr.RebalanceInProgress, 33 * time.Second},
		{40 * time.Second, kerr.IllegalGeneration, 33 * time.Second}, // a generation that just changed: unchanged
		{41 * time.Second, nil, 51 * time.Second},
		{42 * time.Second, kerr.UnknownMemberID, -1}, // evicted: over at once
		{43 * time.Second, nil, 53 * time.Second},    // a new membership
		{44 * time.Second, kerr.FencedInstanceID, -1},
	} {
		m.observe(at(step.sent), step.err)
		got := m.Until()
		if step.want < 0 {
			if !got.IsZero() {
				t.Fatalf("after %v at %v: lease until %v, want none", step.err, step.sent, got.Sub(t0))
			}
			continue
		}
		if !got.Equal(at(step.want)) {
			t.Fatalf("after %v at %v: lease until %v, want %v", step.err, step.sent, got.Sub(t0), step.want)
		}
	}
	if m.Margin() != 10*time.Second/3 {
		t.Fatalf("margin %v", m.Margin())
	}
}

// fullSink is always full until flushed: its Wait blocks.
type fullSink struct {
	mu      sync.Mutex
	seq     uint64
	flushed uint64
}

func (s *fullSink) Append(t string, row []byte) { s.AppendWith(t, loader.Headers{}, row) }
func (s *fullSink) AppendWith(string, loader.Headers, []byte) {
	s.mu.Lock()
	s.seq++
	s.mu.Unlock()
}
func (s *fullSink) AppendBatch(b *loader.Batch, from, to int) {
	s.mu.Lock()
	s.seq += uint64(to - from)
	s.mu.Unlock()
}
func (s *fullSink) Seq() uint64 { s.mu.Lock(); defer s.mu.Unlock(); return s.seq }
func (s *fullSink) Durable() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushed
}
func (s *fullSink) Flush(context.Context, string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushed = s.seq
	return nil
}
func (s *fullSink) Full() bool           { s.mu.Lock(); defer s.mu.Unlock(); return s.seq > s.flushed }
func (s *fullSink) BufferedBytes() int64 { return 0 }
func (s *fullSink) Wait(ctx context.Context) error {
	for s.Full() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}
func (s *fullSink) TakeRejected(string) ([]loader.Rejected, error) { return nil, nil }
func (s *fullSink) Fence(error)                                    {}

// A member whose sink is full (StarRocks slow) still takes part in a
// rebalance: the rest of its poll waits with rebalances allowed, instead of
// holding the rebalance until the member is evicted.
func TestFullSinkDoesNotBlockRebalance(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	prod, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	defer prod.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for i := range 40 {
		recs = append(recs, &kgo.Record{Topic: "t1", Partition: int32(i % 4), Value: fmt.Appendf(nil, "r%d", i)})
	}
	if err := prod.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	router, _ := mapping.NewRouter(nil)
	sink := &fullSink{}
	rep, err := New(Config{Name: "full", Brokers: c.ListenAddrs(), Topics: []string{"t1"},
		Pipeline: &pipeline.Pipeline{Router: router, Passthrough: true}, Sink: sink, CommitInterval: time.Hour,
		SessionTimeout: 6 * time.Second, RebalanceTimeout: 6 * time.Second, HeartbeatInterval: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rep.Run(rctx) }()
	// The first record fills the sink; the rest of the poll waits.
	testutil.WaitFor(t, func() bool { return rep.Stats().Records > 0 })
	// A second member joins: the group must rebalance with both members
	// in it (a member stuck in its poll would be evicted at the rebalance
	// timeout instead).
	other, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup(GroupID("full")), kgo.ConsumeTopics("t1"),
		kgo.SessionTimeout(6*time.Second), kgo.RebalanceTimeout(6*time.Second))
	defer other.Close()
	go other.PollFetches(ctx)
	adm := kadm.NewClient(prod)
	for {
		dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
		gs, err := adm.DescribeGroups(dctx, GroupID("full"))
		dcancel()
		if err != nil {
			t.Fatal(err)
		}
		g := gs[GroupID("full")]
		owning := 0
		for _, m := range g.Members {
			if ca, ok := m.Assigned.AsConsumer(); ok && len(ca.Topics) > 0 {
				owning++
			}
		}
		if g.State == "Stable" && owning == 2 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the group did not rebalance to two members owning partitions (the member with a full sink was evicted): %+v", g)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// downSink loads nothing: every Flush fails, as with StarRocks down.
type downSink struct {
	fullSink
	flushes int
}

func (s *downSink) Flush(context.Context, string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushes++
	return &loader.LoadError{Table: "t1", Status: "HTTP 503", Err: loader.ErrRetriesExhausted}
}
func (s *downSink) Full() bool { return false }

// A final flush that failed is not run again by the revocation that
// leaving the group triggers (with StarRocks down that doubled the time to
// exit).
func TestFailedFinalFlushRunsOnce(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	prod, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	defer prod.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := prod.ProduceSync(ctx, &kgo.Record{Topic: "t1", Value: []byte("r")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	router, _ := mapping.NewRouter(nil)
	sink := &downSink{}
	rep, err := New(Config{Name: "down", Brokers: c.ListenAddrs(), Topics: []string{"t1"},
		Pipeline: &pipeline.Pipeline{Router: router, Passthrough: true}, Sink: sink, CommitInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rep.Run(rctx) }()
	testutil.WaitFor(t, func() bool { return rep.Stats().Records > 0 })
	stop()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "final flush") {
		t.Fatalf("Run: %v; want the final flush's failure", err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.flushes != 1 {
		t.Fatalf("%d flushes on shutdown, want 1", sink.flushes)
	}
}

// origin finds the record of a row among interleaved partitions and records
// that yield no row.
func TestOrigin(t *testing.T) {
	r := &Replicator{pending: map[string]map[int32][]position{
		"a": {0: {{from: 10, first: 1, seq: 2}, {from: 11, first: 3, seq: 2}, {from: 12, first: 5, seq: 6}}},
		"b": {3: {{from: 7, first: 3, seq: 4}, {from: 8, first: 7, seq: 7}}},
	}}
	for seq, want := range map[uint64]string{1: "a/0/10", 2: "a/0/10", 3: "b/3/7", 4: "b/3/7", 5: "a/0/12", 6: "a/0/12", 7: "b/3/8", 8: "none"} {
		got := "none"
		if tp, p, o, ok := r.origin(seq); ok {
			got = fmt.Sprintf("%s/%d/%d", tp, p, o)
		}
		if got != want {
			t.Errorf("origin(%d) = %s, want %s", seq, got, want)
		}
	}
}
