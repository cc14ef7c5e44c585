package replicator

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/metrics"
)

// healthReplicator is a Replicator with only what Status reads, on a
// clock the test moves.
func healthReplicator(now *time.Time) *Replicator {
	h := newHealth()
	h.now = func() time.Time { return *now }
	m := newMembership("connect-c", "", 0, 0, 0)
	m.now = h.now
	h.m = newInstruments(nil, "c")
	return &Replicator{cfg: Config{Name: "c", Sink: &fakeSink{}}, m: h.m, member: m, health: h, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func fetchOf(topic string, p int32, hw int64, offsets ...int64) kgo.Fetches {
	fp := kgo.FetchPartition{Partition: p, HighWatermark: hw}
	for _, o := range offsets {
		fp.Records = append(fp.Records, &kgo.Record{Topic: topic, Partition: p, Offset: o})
	}
	return kgo.Fetches{{Topics: []kgo.FetchTopic{{Topic: topic, Partitions: []kgo.FetchPartition{fp}}}}}
}

func TestStatusReadiness(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	r := healthReplicator(&now)
	h := r.health
	want := func(ready bool, reason string) {
		t.Helper()
		s := r.Status()
		if s.Ready != ready || !strings.Contains(s.Reason, reason) || ready && s.Reason != "" {
			t.Fatalf("Status: ready %v, reason %q; want ready %v, reason with %q", s.Ready, s.Reason, ready, reason)
		}
	}
	want(false, "not a member of consumer group connect-c")

	// A heartbeat answered: a member, without partitions yet (idle).
	r.member.observe(now, nil)
	want(true, "")

	// StarRocks down: a failed attempt makes the connector not ready, a
	// retry that fails again keeps it so (for longer), a success ends it.
	down := &loader.LoadError{Table: "orders", Err: errors.New("dial tcp 127.0.0.1:8030: connect: connection refused")}
	h.OnLoad(loader.LoadEvent{Table: "orders", Err: down})
	now = now.Add(3 * time.Second)
	r.member.observe(now, nil)
	h.OnLoad(loader.LoadEvent{Table: "orders", Err: down})
	want(false, "loads into StarRocks table orders failing for 3s: ")
	if c := r.Status().Cause; c != down {
		t.Fatalf("Cause %v, want the load error", c)
	}
	h.OnLoad(loader.LoadEvent{Table: "customers"}) // another table's success does not end it
	want(false, "table orders")
	h.OnLoad(loader.LoadEvent{Table: "orders"})
	want(true, "")

	// Rows StarRocks rejects are the dead-letter policy's, not an outage;
	// an isolation step is not an outcome.
	bad := &loader.LoadError{Table: "orders", BadRows: true, Permanent: true, Err: loader.ErrBadRows}
	h.OnLoad(loader.LoadEvent{Table: "orders", Err: bad})
	h.OnLoad(loader.LoadEvent{Table: "orders", Err: down, Split: true})
	want(true, "")

	// A fetch error (the group cannot be managed) is not ready for 30 s
	// after it was last seen.
	h.fetched(kgo.Fetches{{Topics: []kgo.FetchTopic{{Partitions: []kgo.FetchPartition{{Err: &kgo.ErrGroupSession{Err: kerr.GroupAuthorizationFailed}}}}}}})
	want(false, "Kafka: fetching the consumer group: ")
	now = now.Add(fetchErrorWindow)
	r.member.observe(now, nil)
	want(true, "")

	// The lease runs out (the coordinator stopped answering).
	now = now.Add(r.member.session + time.Second)
	want(false, "not a member")
	r.member.observe(now, nil)

	// A record waiting for the schema registry, then the wait over.
	r.health.registryOutage(errors.New("registry down"))
	want(false, "schema registry unreachable, records waiting: registry down")
	r.health.registryOutage(nil)
	want(true, "")

	r.mu.Lock()
	r.fence(errors.New("partitions were lost"))
	r.mu.Unlock()
	want(false, "stopped loading: partitions were lost")

	s := r.Status()
	if s.LoadsOK != 2 || s.LoadsFail != 3 || s.FailingTables != 0 {
		t.Errorf("loads ok %d, failed %d, failing tables %d; want 2, 3, 0", s.LoadsOK, s.LoadsFail, s.FailingTables)
	}
}

func TestStatusAssignmentAndLag(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	r := healthReplicator(&now)
	h := r.health
	h.assign(map[string][]int32{"a": {0, 1}, "b": {0}})
	if s := r.Status(); s.Partitions != 3 || s.Lag != -1 {
		t.Fatalf("partitions %d lag %d, want 3 and -1 (unknown)", s.Partitions, s.Lag)
	}
	h.fetched(fetchOf("a", 0, 100, 10, 11))  // 88 behind
	h.fetched(fetchOf("a", 1, 5, 4))         // caught up
	h.fetched(fetchOf("b", 0, 50, 40))       // 9 behind
	h.fetched(fetchOf("zzz", 0, 1000, 1))    // not assigned: ignored
	h.fetched(fetchOf("a", 1, 5 /* none */)) // no records: lag kept
	if s := r.Status(); s.Lag != 97 {
		t.Fatalf("lag %d, want 97", s.Lag)
	}
	lag := func(topic, p string) float64 { return metrics.Value(h.m.lag.WithLabelValues("c", topic, p)) }
	if a0, a1, b0, n := lag("a", "0"), lag("a", "1"), lag("b", "0"), h.m.partitions.Value(); a0 != 88 || a1 != 0 || b0 != 9 || n != 3 {
		t.Fatalf("starcdc_consumer_lag_records a/0 %v a/1 %v b/0 %v, starcdc_assigned_partitions %v; want 88, 0, 9, 3", a0, a1, b0, n)
	}
	h.unassign(map[string][]int32{"a": {0}})
	if s := r.Status(); s.Partitions != 2 || s.Lag != 9 {
		t.Fatalf("after revoking a/0: partitions %d lag %d, want 2 and 9", s.Partitions, s.Lag)
	}
	if n, series := h.m.partitions.Value(), testutil.CollectAndCount(h.m.lag); n != 2 || series != 2 {
		t.Fatalf("after revoking a/0: starcdc_assigned_partitions %v, %d lag series; want 2 and 2", n, series)
	}
	if !r.Status().LastCommit.IsZero() {
		t.Fatal("a commit before any")
	}
	h.committed()
	if got := r.Status().LastCommit; !got.Equal(now) {
		t.Fatalf("last commit %v, want %v", got, now)
	}
}
