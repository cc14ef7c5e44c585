package replicator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/deadletter"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/mapping"
	"github.com/starcdc/starcdc/metrics"
	"github.com/starcdc/starcdc/pipeline"
)

// orderSink records rows in the order they are appended; it is full when
// more than limit rows are not durable, and Wait makes them all durable.
type orderSink struct {
	mu      sync.Mutex
	limit   uint64
	seq     uint64
	durable uint64
	rows    []string
	batches int
	fulls   int
}

func (s *orderSink) AppendWith(_ string, _ loader.Headers, row []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.rows = append(s.rows, string(row))
}
func (s *orderSink) AppendBatch(b *loader.Batch, from, to int) {
	s.mu.Lock()
	s.batches++
	s.mu.Unlock()
	for i := from; i < to; i++ {
		t, h, row := b.Row(i)
		s.AppendWith(t, h, row)
	}
}
func (s *orderSink) Seq() uint64     { s.mu.Lock(); defer s.mu.Unlock(); return s.seq }
func (s *orderSink) Durable() uint64 { s.mu.Lock(); defer s.mu.Unlock(); return s.durable }
func (s *orderSink) Flush(context.Context, string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.durable = s.seq
	return nil
}
func (s *orderSink) Full() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	full := s.seq-s.durable > s.limit
	if full {
		s.fulls++
	}
	return full
}
func (s *orderSink) Wait(context.Context) error { return s.Flush(context.Background(), "") }
func (s *orderSink) BufferedBytes() int64       { return 0 }
func (s *orderSink) TakeRejected(string) ([]loader.Rejected, error) {
	return nil, nil
}
func (s *orderSink) Fence(error) {}

// TestParallelPreparePartitionOrder: with polls large enough to be
// prepared on every core, each partition's rows reach the sink in offset
// order, every good record's row exactly once, the bad ones on the
// dead-letter path and tombstones skipped, rows in runs (AppendBatch),
// with the sink filling up mid-poll; and every offset is committed.
func TestParallelPreparePartitionOrder(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	const parts, n = 6, 6000
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(parts, "t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	recs := make([]*kgo.Record, n)
	bad, tomb := 0, 0
	for i := range recs {
		p := int32(i % parts)
		v := []byte(fmt.Sprintf(`{"id":%d,"part":%d,"i":%d}`, i, p, i/parts))
		switch {
		case i%97 == 5:
			v = []byte(`{"id":`) // malformed
			bad++
		case i%89 == 7:
			v = nil // tombstone
			tomb++
		}
		recs[i] = &kgo.Record{Topic: "t1", Partition: p, Value: v}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	router, _ := mapping.NewRouter(nil)
	p := &pipeline.Pipeline{Router: router, ValueConverter: &decode.JSONConverter{}, KeyConverter: &decode.JSONConverter{},
		Unwrapper: cdc.New(cdc.Options{}), Encoder: &mapping.Encoder{}}
	sink := &orderSink{limit: 700}
	reg := metrics.New(metrics.BuildInfo{})
	rep, err := New(Config{Name: "par", Brokers: c.ListenAddrs(), Topics: []string{"t1"}, Metrics: reg,
		Pipeline: p, Sink: sink, CommitInterval: 10 * time.Millisecond, DeadLetter: deadletter.LogAndSkip{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rep.Run(rctx) }()
	adm := kadm.NewClient(cl)
	for {
		offs, err := adm.FetchOffsets(ctx, GroupID("par"))
		if err == nil {
			var sum int64
			offs.Each(func(o kadm.OffsetResponse) { sum += o.At })
			if sum == n {
				break
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("offsets never reached %d: %v", n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if want := n - bad - tomb; len(sink.rows) != want {
		t.Fatalf("%d rows, want %d", len(sink.rows), want)
	}
	last := map[int]int{}
	seen := map[int]bool{}
	for _, row := range sink.rows {
		var r struct{ ID, Part, I int }
		if err := json.Unmarshal([]byte(row), &r); err != nil {
			t.Fatalf("row %s: %v", row, err)
		}
		if prev, ok := last[r.Part]; ok && r.I <= prev {
			t.Fatalf("partition %d: row %d after row %d", r.Part, r.I, prev)
		}
		last[r.Part] = r.I
		if seen[r.ID] {
			t.Fatalf("row %d twice", r.ID)
		}
		seen[r.ID] = true
	}
	st := rep.Stats()
	if st.Records != n || st.Dead != int64(bad) || st.Skipped != int64(tomb) || st.Rows != int64(n-bad-tomb) {
		t.Fatalf("stats %+v; want %d records, %d dead, %d skipped", st, n, bad, tomb)
	}
	// Each record's freshness is observed once, when its rows are durable.
	var text strings.Builder
	if err := reg.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`starcdc_record_freshness_seconds_count{connector="par"} %d`, n); !strings.Contains(text.String(), want+"\n") {
		t.Errorf("freshness histogram: want %q in\n%s", want, text.String())
	}
	if sink.batches == 0 || sink.batches >= len(sink.rows)/4 || sink.fulls == 0 {
		t.Fatalf("%d AppendBatch calls for %d rows, sink full %d times: want runs, and back-pressure mid-poll", sink.batches, len(sink.rows), sink.fulls)
	}
}
