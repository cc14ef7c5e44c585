package replicator

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/deadletter"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/mapping"
	"github.com/starcdc/starcdc/pipeline"
)

// fakeSink: every row loads at once, except the first, which StarRocks
// "rejects" (held as a bad row until TakeFailed).
type fakeSink struct {
	mu     sync.Mutex
	seq    uint64
	badSeq uint64
	badRow []byte
	loaded [][]byte
}

func (s *fakeSink) Append(t string, row []byte) { s.AppendWith(t, loader.Headers{}, row) }
func (s *fakeSink) AppendWith(t string, _ loader.Headers, row []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if s.seq == 1 {
		s.badSeq, s.badRow = 1, append([]byte(nil), row...)
		return
	}
	s.loaded = append(s.loaded, append([]byte(nil), row...))
}
func (s *fakeSink) AppendBatch(b *loader.Batch, from, to int) {
	for i := from; i < to; i++ {
		t, h, row := b.Row(i)
		s.AppendWith(t, h, row)
	}
}
func (s *fakeSink) Seq() uint64 { s.mu.Lock(); defer s.mu.Unlock(); return s.seq }
func (s *fakeSink) Durable() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.badSeq != 0 {
		return s.badSeq - 1
	}
	return s.seq
}
func (s *fakeSink) Flush(context.Context, string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.badSeq != 0 {
		return &loader.LoadError{Table: "t1", BadRows: true, Err: errors.New("too many filtered rows")}
	}
	return nil
}
func (s *fakeSink) Full() bool           { return false }
func (s *fakeSink) Fence(error)          {}
func (s *fakeSink) BufferedBytes() int64 { return 0 }
func (s *fakeSink) Wait(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.badSeq != 0 {
		return &loader.LoadError{Table: "t1", BadRows: true, Err: errors.New("too many filtered rows")}
	}
	return nil
}
func (s *fakeSink) TakeRejected(string) ([]loader.Rejected, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.badSeq == 0 {
		return nil, nil
	}
	r := loader.Rejected{Seq: s.badSeq, Row: s.badRow}
	s.badSeq, s.badRow = 0, nil
	return []loader.Rejected{r}, &loader.LoadError{Table: "t1", BadRows: true}
}

// failingDLQ takes the rows, then fails to produce them (as
// deadletter.TopicWriter does when ProduceSync fails).
type failingDLQ struct{}

func (failingDLQ) Handle(context.Context, *kgo.Record, error) error { return nil }
func (d *failingDLQ) HandleRows(_ context.Context, table string, take func() ([]deadletter.Row, error), _ error) error {
	rows, _ := take()
	return errors.New("writing " + string(rune('0'+len(rows))) + " rejected rows to the dead-letter topic failed (stopping before their offsets commit)")
}

// TestDLQFailureFences (review finding): rows taken out of the loader for
// the dead-letter path that then fail to reach it must not have their
// offsets committed, neither now nor by the final flush.
func TestDLQFailureFences(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t1", Value: []byte("bad")}, &kgo.Record{Topic: "t1", Value: []byte("good1")}, &kgo.Record{Topic: "t1", Value: []byte("good2")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	router, _ := mapping.NewRouter(nil)
	sink := &fakeSink{}
	rep, err := New(Config{Name: "scratch", Brokers: c.ListenAddrs(), Topics: []string{"t1"},
		Pipeline: &pipeline.Pipeline{Router: router, Passthrough: true}, Sink: sink,
		CommitInterval: time.Hour, DeadLetter: &failingDLQ{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	runErr := rep.Run(ctx)
	if runErr == nil {
		t.Fatal("Run returned nil after the dead-letter path failed")
	}
	offs, err := kadm.NewClient(cl).FetchOffsets(ctx, GroupID("scratch"))
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offs.Lookup("t1", 0); ok && o.At > 0 {
		t.Fatalf("committed offset of t/0 = %d: past a row that was taken from the loader but never reached the dead-letter path", o.At)
	}
}
