package replicator

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
)

func TestIntentMetadata(t *testing.T) {
	for _, in := range []intent{{name: "eoabc", parts: 3, end: 42}, {name: "eo1", parts: 1, end: 7, split: true}} {
		got, ok := parseIntent(in.metadata())
		if !ok || got != in {
			t.Errorf("%q parsed as %+v, %v", in.metadata(), got, ok)
		}
	}
	for _, md := range []string{"", "x", "starcdc-eo1;n;0;5", "starcdc-eo1;;1;5", "starcdc-eo1;n;1;x", "starcdc-eo1;n;1;5;other", "starcdc-eo2;n;1;5"} {
		if in, ok := parseIntent(md); ok {
			t.Errorf("%q parsed as %+v", md, in)
		}
	}
}

// eoStack is kfake with topics ta and tb (two partitions each) and the
// StarRocks emulator with tables ta and tb.
type eoStack struct {
	t   *testing.T
	kc  *kfake.Cluster
	em  *starrocks.Emulator
	adm *kadm.Client
	ctx context.Context
}

func newEOStack(t *testing.T) *eoStack {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "ta", "tb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	em := testutil.Emulator(t)
	for _, tb := range []string{"ta", "tb"} {
		if err := em.CreateTable("db", tb, []starrocks.Column{{Name: "id", Type: "BIGINT"}, {Name: "v", Type: "VARCHAR(32)", Nullable: true}}, []string{"id"}); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	var recs []*kgo.Record
	for i := range 400 {
		topic := []string{"ta", "tb"}[i%2]
		recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i/2) % 2, Value: []byte(fmt.Sprintf(`{"id":%d,"v":"r%d"}`, i, i))})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return &eoStack{t: t, kc: c, em: em, adm: kadm.NewClient(cl), ctx: ctx}
}

// run runs the connector "eo" until ctx or f says stop; it returns Run's
// error.
func (s *eoStack) start(extra map[string]string) (context.CancelFunc, <-chan error) {
	props := map[string]string{
		"bootstrap.servers":              s.kc.ListenAddrs()[0],
		"name":                           "eo",
		"connector.class":                "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics":                         "ta,tb",
		"starrocks.http.url":             strings.TrimPrefix(s.em.FEURL(), "http://"),
		"starrocks.username":             "root",
		"starrocks.password":             testutil.Password,
		"starrocks.database.name":        "db",
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":   "false",
		"value.converter.schemas.enable": "false",
		"consumer.session.timeout.ms":    "6000",
		"starrocks.schemaless.types":     "none",
	}
	for k, v := range extra {
		props[k] = v
	}
	cfg, _, err := config.FromMap(props)
	if err != nil {
		s.t.Fatal(err)
	}
	rep, err := FromConfig(cfg.Worker, cfg.Connectors[0], slog.New(slog.NewTextHandler(eoLog, nil)), nil)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(s.ctx)
	done := make(chan error, 1)
	go func() { done <- rep.Run(ctx) }()
	return cancel, done
}

// offsets returns the group's committed offsets and metadata.
func (s *eoStack) offsets() kadm.OffsetResponses {
	offs, err := s.adm.FetchOffsets(s.ctx, GroupID("eo"))
	if err != nil {
		s.t.Fatal(err)
	}
	return offs
}

// failTB runs the connector once with every load of table tb failing and
// no retries: it stops after sealing an epoch whose ta load committed,
// leaving the epoch's intent. It returns Run's error.
func (s *eoStack) failTB() error {
	s.em.Inject(starrocks.Fault{Op: "stream_load", Table: "tb", Times: 2, Kind: starrocks.FaultHTTP500})
	cancel, done := s.start(map[string]string{"sink.maxretries": "0", "starrocks.retry.timeout.ms": "0"})
	defer cancel()
	return <-done
}

// replayToCommitted runs the connector until every partition is committed
// at its end with no intent left, then stops it cleanly.
func (s *eoStack) replayToCommitted() {
	cancel, done := s.start(nil)
	s.waitCommitted()
	cancel()
	if err := <-done; err != nil {
		s.t.Fatal(err)
	}
}

// waitCommitted waits until every partition of ta and tb is committed at
// its end (100 records each) with no intent left (franz-go writes its
// own metadata).
func (s *eoStack) waitCommitted() {
	for {
		n, clean := int64(0), true
		offs, err := s.adm.FetchOffsets(s.ctx, GroupID("eo"))
		if err != nil {
			clean = false // the group does not exist yet
		}
		offs.Each(func(o kadm.OffsetResponse) {
			n += o.At
			_, held := parseIntent(o.Metadata)
			clean = clean && !held
		})
		if n == 400 && clean {
			return
		}
		if s.ctx.Err() != nil {
			s.t.Fatalf("offsets never reached the ends: %d committed", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestExactlyOnceReplay: a process that sealed an epoch and stopped with
// one table's load failed leaves the epoch's intent in the group's
// offsets; the next process replays it under the same labels: the table
// that had loaded is not loaded again, the other one is, once.
func TestExactlyOnceReplay(t *testing.T) {
	s := newEOStack(t)
	err := s.failTB()
	if err == nil || !strings.Contains(err.Error(), "tb") {
		t.Fatalf("the first run ended with %v; want the failed load of tb", err)
	}
	intents := 0
	s.offsets().Each(func(o kadm.OffsetResponse) {
		if in, ok := parseIntent(o.Metadata); ok && in.parts == 4 && in.end == o.At+100 {
			intents++
		}
	})
	if intents != 4 {
		t.Fatalf("%d partitions hold the epoch's intent, want 4: %v", intents, s.offsets())
	}
	if a, b := s.em.Stats("db", "ta").LoadedRows, s.em.Stats("db", "tb").LoadedRows; a != 200 || b != 0 {
		t.Fatalf("after the first run: %d rows of ta, %d of tb loaded; want 200 and 0", a, b)
	}

	s.replayToCommitted()
	if a, b := s.em.Stats("db", "ta").LoadedRows, s.em.Stats("db", "tb").LoadedRows; a != 200 || b != 200 {
		t.Fatalf("after the replay: %d rows of ta, %d of tb loaded; want 200 and 200 (each row once)", a, b)
	}
}

// TestExactlyOnceSplitReplay: a process assigned only some partitions of
// an epoch asks StarRocks which tables' epoch loads committed, loads its
// partitions' rows of the others under labels of their own, and marks
// the intent split first.
func TestExactlyOnceSplitReplay(t *testing.T) {
	s := newEOStack(t)
	s.failTB()
	// Pretend the epoch also covered a partition of another process:
	// five partitions, of which this group member will get four.
	offs := s.offsets()
	rewrite := kadm.Offsets{}
	offs.Each(func(o kadm.OffsetResponse) {
		in, ok := parseIntent(o.Metadata)
		if !ok {
			t.Fatalf("no intent on %s/%d", o.Topic, o.Partition)
		}
		in.parts = 5
		rewrite.Add(kadm.Offset{Topic: o.Topic, Partition: o.Partition, At: o.At, LeaderEpoch: -1, Metadata: in.metadata()})
	})
	if _, err := s.adm.CommitOffsets(s.ctx, GroupID("eo"), rewrite); err != nil {
		t.Fatal(err)
	}
	s.replayToCommitted()
	if a, b := s.em.Stats("db", "ta").LoadedRows, s.em.Stats("db", "tb").LoadedRows; a != 200 || b != 200 {
		t.Fatalf("after the split replay: %d rows of ta, %d of tb loaded; want 200 and 200 (each row once)", a, b)
	}
	rows, err := s.em.Rows("db", "tb")
	if err != nil || len(rows) != 200 {
		t.Fatalf("tb holds %d rows (%v), want 200", len(rows), err)
	}
}

var eoLog io.Writer = io.Discard

// TestExactlyOnceIntentRetried: an intent commit the coordinator refuses
// for a moment (a rebalance in progress) keeps the epoch for the next
// attempt: nothing is lost, nothing loaded twice, the run goes on.
func TestExactlyOnceIntentRetried(t *testing.T) {
	s := newEOStack(t)
	var refused atomic.Int32
	s.kc.ControlKey(int16(kmsg.OffsetCommit), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		req := kr.(*kmsg.OffsetCommitRequest)
		intent := false
		for _, t := range req.Topics {
			for _, p := range t.Partitions {
				if p.Metadata != nil && strings.HasPrefix(*p.Metadata, intentVersion) {
					intent = true
				}
			}
		}
		if !intent || refused.Load() >= 2 {
			s.kc.KeepControl()
			return nil, nil, false
		}
		refused.Add(1)
		s.kc.KeepControl()
		resp := req.ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewOffsetCommitResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetCommitResponseTopicPartition()
				rp.Partition = p.Partition
				rp.ErrorCode = kerr.RebalanceInProgress.Code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
	cancel, done := s.start(nil)
	s.waitCommitted()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := refused.Load(); n != 2 {
		t.Fatalf("%d intent commits refused, want 2", n)
	}
	if a, b := s.em.Stats("db", "ta").LoadedRows, s.em.Stats("db", "tb").LoadedRows; a != 200 || b != 200 {
		t.Fatalf("%d rows of ta, %d of tb loaded; want 200 and 200", a, b)
	}
}

// TestExactlyOnceReplayRecordsGone: an epoch's intent whose records of
// some partitions retention deleted before the replay: those partitions
// are closed at once (with a warning), not waited on until a later record
// arrives, which on a quiet partition could be never; the rest of the
// epoch replays as usual and every intent is cleared without new records.
func TestExactlyOnceReplayRecordsGone(t *testing.T) {
	s := newEOStack(t)
	s.failTB()
	del := kadm.Offsets{}
	for p := range int32(2) {
		del.Add(kadm.Offset{Topic: "tb", Partition: p, At: 100})
	}
	if resps, err := s.adm.DeleteRecords(s.ctx, del); err != nil || resps.Error() != nil {
		t.Fatalf("deleting tb's records: %v %v", err, resps.Error())
	}
	s.replayToCommitted()
	if a, b := s.em.Stats("db", "ta").LoadedRows, s.em.Stats("db", "tb").LoadedRows; a != 200 || b != 0 {
		t.Fatalf("after the replay: %d rows of ta, %d of tb loaded; want 200 (once) and 0 (deleted before they were loaded)", a, b)
	}
}
