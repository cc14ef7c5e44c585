package replicator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/starcdc/starcdc/config"
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

func TestDefaultInstanceID(t *testing.T) {
	for _, tt := range []struct{ host, conn, want string }{
		{"starcdc-0", "orders", "starcdc-starcdc-0-orders"},
		{"db1.example.com", "orders sink", "starcdc-db1.example.com-orders_sink"},
		{"h", "Zürich/1", "starcdc-h-Z__rich_1"},
	} {
		if got := defaultInstanceID(tt.host, tt.conn); got != tt.want {
			t.Errorf("defaultInstanceID(%q, %q) = %q, want %q", tt.host, tt.conn, got, tt.want)
		}
	}
	// Too long for Kafka: cut, with a hash of the whole that keeps two
	// names differing only past the cut apart.
	long := strings.Repeat("c", 300)
	a, b := defaultInstanceID("h", long+"a"), defaultInstanceID("h", long+"b")
	if len(a) != 249 || len(b) != 249 || a == b || a[:240] != b[:240] {
		t.Errorf("long ids %q (%d), %q (%d)", a, len(a), b, len(b))
	}
	for _, id := range []string{a, defaultInstanceID("h", "Zürich/1")} {
		if why := config.ValidInstanceID(id); why != "" {
			t.Errorf("%q: %s", id, why)
		}
	}
}

func TestInstanceIDSource(t *testing.T) {
	str := func(s string) *string { return &s }
	host := func() (string, error) { return "pod-3", nil }
	noHost := func() (string, error) { return "", errors.New("no uts") }
	for _, tt := range []struct {
		worker, conn *string
		host         func() (string, error)
		want, from   string
	}{
		{nil, nil, host, "starcdc-pod-3-sink", "default"},
		{str("w-1"), nil, host, "w-1", config.KeyGroupInstanceID},
		{str("w-1"), str("c-1"), host, "c-1", config.KeyGroupInstanceIDOverride},
		{str("w-1"), str(""), host, "", config.KeyGroupInstanceIDOverride}, // off for this connector
		{str(""), nil, host, "", config.KeyGroupInstanceID},                // off
		{nil, nil, noHost, "", "no host name"},
		{str("w-1"), nil, noHost, "w-1", config.KeyGroupInstanceID},
	} {
		id, from := instanceID(config.Worker{GroupInstanceID: tt.worker}, config.Connector{Name: "sink", GroupInstanceID: tt.conn}, tt.host)
		if id != tt.want || !strings.HasPrefix(from, tt.from) {
			t.Errorf("worker %v connector %v: %q from %q, want %q from %q", tt.worker, tt.conn, id, from, tt.want, tt.from)
		}
	}
}

func TestExplainFenced(t *testing.T) {
	m := newMembership("connect-s", "starcdc-h-s", 0, 0, 0)
	cause := fmt.Errorf("heartbeat: %w", kerr.FencedInstanceID)
	err := m.explainFenced(cause)
	var fe *fencedInstanceError
	if !errors.As(err, &fe) || !errors.Is(err, kerr.FencedInstanceID) {
		t.Fatalf("%v: not a fencedInstanceError wrapping FENCED_INSTANCE_ID", err)
	}
	for _, want := range []string{`"starcdc-h-s"`, "connect-s", "its own id", "consumer.override.group.instance.id", "consumer.group.instance.id", "empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if again := m.explainFenced(fmt.Errorf("stop: %w", err)); strings.Count(again.Error(), "its own id") != 1 {
		t.Errorf("explained twice: %v", again)
	}
	if other := m.explainFenced(kerr.UnknownMemberID); other != kerr.UnknownMemberID {
		t.Errorf("another error changed: %v", other)
	}
	if dyn := newMembership("g", "", 0, 0, 0).explainFenced(cause); dyn != cause {
		t.Errorf("a dynamic member's error changed: %v", dyn)
	}
}

// fencingSink is a fullSink whose Wait reports a fence, as the loader's.
type fencingSink struct {
	fullSink
	fenced atomic.Bool
}

func (s *fencingSink) Fence(error) { s.fenced.Store(true) }
func (s *fencingSink) Wait(ctx context.Context) error {
	for s.Full() && !s.fenced.Load() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	if s.fenced.Load() {
		return loader.ErrFenced
	}
	return nil
}

// staticReplicator runs a replicator of connector name in c as the static
// member id.
func staticReplicator(t *testing.T, c *kfake.Cluster, name, id string) (*Replicator, *fencingSink) {
	t.Helper()
	router, _ := mapping.NewRouter(nil)
	sink := &fencingSink{}
	member := newMembership(GroupID(name), id, 30*time.Second, 60*time.Second, time.Second)
	rep, err := New(Config{Name: name, Brokers: c.ListenAddrs(), Topics: []string{"t1"}, member: member,
		Pipeline: &pipeline.Pipeline{Router: router, Passthrough: true}, Sink: sink, CommitInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return rep, sink
}

func produceT1(t *testing.T, c *kfake.Cluster, n int) {
	t.Helper()
	prod, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	defer prod.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range n {
		if err := prod.ProduceSync(ctx, &kgo.Record{Topic: "t1", Value: fmt.Appendf(nil, "r%d", i)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func groupMembers(t *testing.T, c *kfake.Cluster, group string) kadm.DescribedGroup {
	t.Helper()
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gs, err := kadm.NewClient(cl).DescribeGroups(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	return gs[group]
}

// A static member's heartbeats (franz-go's and the lease's) carry its
// instance id, the lease holds, and a clean stop leaves the group at once,
// which franz-go's Close does not do for a static member: with a 30 s
// session the member would otherwise still be listed.
func TestStaticMemberLeasesAndLeaves(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var mu sync.Mutex
	var ids []bool
	c.ControlKey(int16(kmsg.Heartbeat), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kr.(*kmsg.HeartbeatRequest)
		mu.Lock()
		ids = append(ids, req.InstanceID != nil && *req.InstanceID == "starcdc-h-static")
		mu.Unlock()
		return nil, nil, false
	})
	produceT1(t, c, 3)
	rep, _ := staticReplicator(t, c, "static", "starcdc-h-static")
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rep.Run(ctx) }()
	testutil.WaitFor(t, func() bool { return rep.Stats().Records == 3 && !rep.member.Until().IsZero() })
	g := groupMembers(t, c, GroupID("static"))
	if len(g.Members) != 1 || g.Members[0].InstanceID == nil || *g.Members[0].InstanceID != "starcdc-h-static" {
		t.Fatalf("group members %+v, want one static member", g.Members)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if g := groupMembers(t, c, GroupID("static")); len(g.Members) != 0 {
		t.Fatalf("after a clean stop the group still has %+v", g.Members)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) == 0 || slices.Contains(ids, false) {
		t.Fatalf("heartbeats carrying the instance id: %v", ids)
	}
}

// A second process that joins with the same instance id takes over the
// partitions (KIP-345); the first stops, saying what to do, instead of
// rejoining and fencing the other in turn.
func TestSameInstanceIDStops(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	produceT1(t, c, 3)
	rep, _ := staticReplicator(t, c, "dup", "starcdc-h-dup")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- rep.Run(ctx) }()
	testutil.WaitFor(t, func() bool { return rep.Stats().Records == 3 })
	other, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup(GroupID("dup")), kgo.ConsumeTopics("t1"),
		kgo.InstanceID("starcdc-h-dup"), kgo.SessionTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	go func() {
		for ctx.Err() == nil && !other.PollFetches(ctx).IsClientClosed() {
		}
	}()
	var fe *fencedInstanceError
	select {
	case err := <-done:
		if !errors.As(err, &fe) || !errors.Is(err, kerr.FencedInstanceID) || !strings.Contains(err.Error(), "consumer.override.group.instance.id") {
			t.Fatalf("Run: %v; want the FENCED_INSTANCE_ID explained", err)
		}
	case <-ctx.Done():
		t.Fatal("the fenced replicator did not stop")
	}
	// It did not leave the group in the other process's name.
	g := groupMembers(t, c, GroupID("dup"))
	if len(g.Members) != 1 || *g.Members[0].InstanceID != "starcdc-h-dup" || g.Members[0].ClientHost == "" {
		t.Fatalf("group members %+v, want the other process", g.Members)
	}
}

// Stopping while the member waits for a JoinGroup answer that does not
// come (kfake drops a join silently when it expires a waiting member, see
// /work/shared/spec/kfake-groups.md) returns without waiting for it: the
// join fails when the client's context is cancelled (franz-go's Close
// alone waits for it). The join here is held until the test ends, past
// the 30 s test deadline.
func TestStopDuringPendingJoin(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "t1"))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer c.Close()
	defer close(release)
	produceT1(t, c, 3)
	rep, sink := staticReplicator(t, c, "join", "starcdc-h-join")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rep.Run(rctx) }()
	testutil.WaitFor(t, func() bool { return rep.Stats().Records == 3 })
	held := make(chan struct{})
	var once sync.Once
	c.ControlKey(int16(kmsg.JoinGroup), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		req := kr.(*kmsg.JoinGroupRequest)
		if req.InstanceID == nil || *req.InstanceID != "starcdc-h-join" {
			c.KeepControl()
			return nil, nil, false
		}
		once.Do(func() { close(held) })
		c.SleepControl(func() { <-release })
		return nil, nil, false
	})
	// A second member makes the group rebalance: the replicator rejoins.
	other, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup(GroupID("join")), kgo.ConsumeTopics("t1"))
	defer other.Close()
	go other.PollFetches(ctx)
	select {
	case <-held:
	case <-ctx.Done():
		t.Fatal("the replicator did not rejoin")
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("Run waited for the pending JoinGroup")
	}
	if sink.Durable() != 3 {
		t.Errorf("%d rows loaded, want all 3", sink.Durable())
	}
}
