package replicator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Kafka Connect's dead-letter queue keys (errors.tolerance=all only, as in
// Connect).
const (
	KeyDLQTopic          = "errors.deadletterqueue.topic.name"
	KeyDLQContextHeaders = "errors.deadletterqueue.context.headers.enable"
	KeyDLQReplication    = "errors.deadletterqueue.topic.replication.factor"
)

// Topic is the dead-letter policy of errors.deadletterqueue.topic.name: a
// record that cannot be loaded is produced, unchanged (key, value, headers),
// to the dead-letter topic, and the pipeline goes on once Kafka has
// acknowledged it. With ContextHeaders the record carries Kafka Connect's
// __connect.errors.* headers saying where it came from and why:
// __connect.errors.stage is the stage that failed (see Stage) and
// __connect.errors.exception.class.name the Go sentinel error the failure
// wraps (see errorClasses). Rows StarRocks rejected are produced as their
// Stream Load JSON, with a __starcdc.table header.
type Topic struct {
	Client         *kgo.Client
	Name           string
	Connector      string
	ContextHeaders bool
	Logger         *slog.Logger
}

// Handle implements DeadLetter.
func (t *Topic) Handle(ctx context.Context, rec *kgo.Record, reason error) error {
	out := &kgo.Record{Topic: t.Name, Key: rec.Key, Value: rec.Value, Headers: append([]kgo.RecordHeader(nil), rec.Headers...)}
	if t.ContextHeaders {
		out.Headers = append(out.Headers,
			hdr("__connect.errors.topic", rec.Topic),
			hdr("__connect.errors.partition", strconv.Itoa(int(rec.Partition))),
			hdr("__connect.errors.offset", strconv.FormatInt(rec.Offset, 10)),
			hdr("__connect.errors.connector.name", t.Connector),
			hdr("__connect.errors.task.id", "0"),
			hdr("__connect.errors.stage", string(stageOf(reason))),
			hdr("__connect.errors.exception.class.name", errorClass(reason)),
			hdr("__connect.errors.exception.message", reason.Error()),
		)
	}
	if err := t.Client.ProduceSync(ctx, out).FirstErr(); err != nil {
		return fmt.Errorf("%s: writing it to the dead-letter topic %s failed: %w (the record's offset is not committed)", Position(rec), t.Name, err)
	}
	t.Logger.Warn("record sent to the dead-letter topic", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset, "dlq", t.Name, "stage", stageOf(reason), "error", reason)
	return nil
}

// HandleRows implements DeadLetter.
func (t *Topic) HandleRows(ctx context.Context, table string, take func() ([][]byte, error), reason error) error {
	rows, err := take()
	if err != nil && len(rows) == 0 {
		return err
	}
	recs := make([]*kgo.Record, len(rows))
	for i, row := range rows {
		recs[i] = &kgo.Record{Topic: t.Name, Value: row, Headers: []kgo.RecordHeader{hdr("__starcdc.table", table)}}
		if t.ContextHeaders {
			recs[i].Headers = append(recs[i].Headers,
				hdr("__connect.errors.connector.name", t.Connector),
				hdr("__connect.errors.stage", string(StageTaskPut)),
				hdr("__connect.errors.exception.class.name", errorClass(reason)),
				hdr("__connect.errors.exception.message", reason.Error()))
		}
	}
	if err := t.Client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		// The rows are out of the loader: stop before anything later
		// commits, so that they are loaded again (and rejected again) on
		// restart rather than lost.
		return fmt.Errorf("table %s: writing %d rejected rows to the dead-letter topic %s failed: %w (stopping before their offsets commit)", table, len(rows), t.Name, err)
	}
	t.Logger.Warn("rows StarRocks rejected sent to the dead-letter topic", "table", table, "rows", len(rows), "dlq", t.Name, "error", reason)
	return nil
}

func hdr(k, v string) kgo.RecordHeader { return kgo.RecordHeader{Key: k, Value: []byte(v)} }

// newTopicDLQ builds the dead-letter topic policy from the connector's
// errors.deadletterqueue.* keys, creating the topic when it is missing
// (as Kafka Connect does).
func newTopicDLQ(ctx context.Context, opts []kgo.Opt, connector string, extra map[string]string, logger *slog.Logger) (*Topic, error) {
	name := strings.TrimSpace(extra[KeyDLQTopic])
	rf := int16(3)
	if v, ok := extra[KeyDLQReplication]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 16)
		if err != nil || (n < 1 && n != -1) {
			return nil, fmt.Errorf("%s=%q: use a replication factor ≥ 1, or -1 for the broker default", KeyDLQReplication, v)
		}
		rf = int16(n)
	}
	headers := strings.EqualFold(strings.TrimSpace(extra[KeyDLQContextHeaders]), "true")
	cl, err := kgo.NewClient(append(opts, kgo.DefaultProduceTopic(name))...)
	if err != nil {
		return nil, err
	}
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, 1, rf, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		cl.Close()
		return nil, fmt.Errorf("creating the dead-letter topic %s: %w (create it yourself, or set %s to at most the number of brokers)", name, err, KeyDLQReplication)
	}
	return &Topic{Client: cl, Name: name, Connector: connector, ContextHeaders: headers, Logger: logger}, nil
}
