package replicator

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/config"
)

// These tests run the replicator built by FromConfig against kfake (its
// brokers keep Kafka's default message.max.bytes, 1 MB) with
// errors.tolerance=all and a dead-letter topic. Their records yield no
// row, so no StarRocks is needed.

type dlqCluster struct {
	t   *testing.T
	c   *kfake.Cluster
	cl  *kgo.Client // admits 16 MiB batches
	adm *kadm.Client
	ctx context.Context
}

func newDLQCluster(t *testing.T) *dlqCluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ProducerBatchMaxBytes(16<<20))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return &dlqCluster{t: t, c: c, cl: cl, adm: kadm.NewClient(cl), ctx: ctx}
}

// createTopic creates topic with maxMessageBytes ("" for the default).
func (d *dlqCluster) createTopic(topic, maxMessageBytes string) {
	d.t.Helper()
	var cfg map[string]*string
	if maxMessageBytes != "" {
		cfg = map[string]*string{"max.message.bytes": &maxMessageBytes}
	}
	resp, err := d.adm.CreateTopic(d.ctx, 1, 1, cfg, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		d.t.Fatal(err)
	}
}

func (d *dlqCluster) produce(recs ...*kgo.Record) {
	d.t.Helper()
	if err := d.cl.ProduceSync(d.ctx, recs...).FirstErr(); err != nil {
		d.t.Fatal(err)
	}
}

// start runs the connector name on topic src with the dead-letter topic
// dlq and context headers; Run's result arrives on the channel.
func (d *dlqCluster) start(name, src, dlq string, extra map[string]string) (*Replicator, <-chan error, context.CancelFunc) {
	d.t.Helper()
	props := map[string]string{
		"bootstrap.servers":                 d.c.ListenAddrs()[0],
		"name":                              name,
		"connector.class":                   "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics":                            src,
		"starrocks.http.url":                "127.0.0.1:1",
		"starrocks.username":                "root",
		"starrocks.password":                "",
		"starrocks.database.name":           "d",
		"key.converter":                     "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                   "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":      "false",
		"value.converter.schemas.enable":    "false",
		"errors.tolerance":                  "all",
		"errors.deadletterqueue.topic.name": dlq,
		"errors.deadletterqueue.topic.replication.factor": "1",
		"errors.deadletterqueue.context.headers.enable":   "true",
	}
	for k, v := range extra {
		props[k] = v
	}
	cfg, _, err := config.FromMap(props)
	if err != nil {
		d.t.Fatal(err)
	}
	rep, err := FromConfig(cfg.Worker, cfg.Connectors[0], slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		d.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(d.ctx)
	done := make(chan error, 1)
	stopped := make(chan struct{})
	go func() { done <- rep.Run(ctx); close(stopped) }()
	d.t.Cleanup(func() { cancel(); <-stopped })
	return rep, done, cancel
}

// committed is the group's committed offset of topic/0 (0 when none).
func (d *dlqCluster) committed(group, topic string) int64 {
	d.t.Helper()
	offs, err := d.adm.FetchOffsets(d.ctx, group)
	if err != nil {
		return 0 // the group does not exist yet
	}
	if o, ok := offs.Lookup(topic, 0); ok && o.Err == nil {
		return o.At
	}
	return 0
}

// waitCommitted waits until the group committed offset want of topic/0,
// failing at once if the replicator stops.
func (d *dlqCluster) waitCommitted(done <-chan error, group, topic string, want int64) {
	d.t.Helper()
	for d.committed(group, topic) < want {
		select {
		case err := <-done:
			d.t.Fatalf("the replicator stopped before committing offset %d of %s: %v", want, topic, err)
		case <-d.ctx.Done():
			d.t.Fatalf("offset %d of %s was not committed", want, topic)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// readAll reads n records of topic from the start.
func (d *dlqCluster) readAll(topic string, n int) []*kgo.Record {
	d.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(d.c.ListenAddrs()...), kgo.ConsumeTopics(topic))
	if err != nil {
		d.t.Fatal(err)
	}
	defer cl.Close()
	var got []*kgo.Record
	for len(got) < n && d.ctx.Err() == nil {
		got = append(got, cl.PollFetches(d.ctx).Records()...)
	}
	if len(got) != n {
		d.t.Fatalf("%d records in %s, want %d", len(got), topic, n)
	}
	return got
}

func headerMap(r *kgo.Record) map[string]string {
	m := map[string]string{}
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

// TestDeadLetterStages: each dead letter says in __connect.errors.stage
// which step failed, with Kafka Connect's names, and in
// __connect.errors.exception.class.name the Go sentinel error it wraps
// (before, every record was labelled VALUE_CONVERTER and "starcdc").
func TestDeadLetterStages(t *testing.T) {
	d := newDLQCluster(t)
	d.createTopic("src", "")
	event := []byte(`{"before":null,"after":{"id":1},"source":{"connector":"mysql"},"op":"c"}`)
	d.produce(
		&kgo.Record{Topic: "src", Key: []byte(`{bad key`), Value: event},
		&kgo.Record{Topic: "src", Key: []byte(`{"id":1}`), Value: []byte(`{bad value`)},
		&kgo.Record{Topic: "src", Key: []byte(`{"id":1}`), Value: []byte(`[1,2]`)}, // decodes, but is no change event
	)
	_, done, _ := d.start("stages", "src", "dlq", nil)
	d.waitCommitted(done, GroupID("stages"), "src", 3)
	want := []struct{ stage, class, message string }{
		{"KEY_CONVERTER", "github.com/starcdc/starcdc/decode.ErrMalformed", "decoding the key"},
		{"VALUE_CONVERTER", "github.com/starcdc/starcdc/decode.ErrMalformed", "decoding the value"},
		{"TASK_PUT", "github.com/starcdc/starcdc/cdc.ErrNotChangeEvent", "not a change event"},
	}
	for i, r := range d.readAll("dlq", 3) {
		h := headerMap(r)
		w := want[i]
		if h["__connect.errors.offset"] != strconv.Itoa(i) || h["__connect.errors.stage"] != w.stage ||
			h["__connect.errors.exception.class.name"] != w.class || !strings.Contains(h["__connect.errors.exception.message"], w.message) {
			t.Errorf("dead letter %d: headers %v; want stage %s, class %s, a message with %q", i, h, w.stage, w.class, w.message)
		}
	}
}
