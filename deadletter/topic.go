package deadletter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/pipeline"
)

// MaxBytes is the largest record batch starcdc writes to a dead-letter
// topic (its producer's batch limit), and the max.message.bytes it gives
// the dead-letter topics it creates: 64 MiB.
//
// What the consumer can fetch sets the need: since Kafka 0.10.1 (KIP-74) a
// broker returns the first record batch of a partition even when it is
// larger than fetch.max.bytes (franz-go's FetchMaxBytes, 50 MiB) and
// max.partition.fetch.bytes (FetchMaxPartitionBytes, 1 MiB), so the
// consumer fetches any batch its read limit admits (BrokerMaxReadBytes,
// 100 MiB by default): a record far above Kafka's 1 MB default can reach
// the pipeline and must fit in a dead letter. 64 MiB stays below the
// brokers' socket.request.max.bytes (100 MiB by default), which bounds the
// produce request that carries it. A record larger than this (counted
// uncompressed, as the producer counts it) cannot be dead-lettered: the
// pipeline stops with an error that says how to skip it.
const MaxBytes = 64 << 20

// maxWriteBytes bounds one produce request of the dead-letter producer:
// one batch of MaxBytes and the request around it.
const maxWriteBytes = MaxBytes + 1<<20

// TopicWriter is the dead-letter policy of
// errors.deadletterqueue.topic.name: it writes to the dead-letter topic. A
// record that cannot be loaded is produced, unchanged (key, value,
// headers), to the topic, and the pipeline goes on once Kafka has
// acknowledged it. With ContextHeaders the record carries Kafka Connect's
// __connect.errors.* headers saying where it came from and why:
// __connect.errors.stage is the stage that failed (see pipeline.Stage) and
// __connect.errors.exception.class.name the Go sentinel error the failure
// wraps (see errorClasses). Rows StarRocks rejected are produced as their
// Stream Load JSON, with a __starcdc.table header.
//
// A write that fails for a reason retrying cannot fix (a topic limit below
// the record, missing ACLs, a compacted topic) stops the pipeline with an
// error that says what to change: the record's offset is not committed, so
// every restart stops at it until then.
type TopicWriter struct {
	Client         *kgo.Client // its producer must admit MaxBytes batches (NewTopicWriter)
	Name           string
	Connector      string
	ContextHeaders bool
	Logger         *slog.Logger
	// Brokers are the bootstrap servers, for the commands errors suggest.
	Brokers []string
}

// Handle implements Policy.
func (t *TopicWriter) Handle(ctx context.Context, rec *kgo.Record, reason error) error {
	out := &kgo.Record{Topic: t.Name, Key: rec.Key, Value: rec.Value, Headers: append([]kgo.RecordHeader(nil), rec.Headers...)}
	if t.ContextHeaders {
		out.Headers = append(out.Headers,
			hdr("__connect.errors.topic", rec.Topic),
			hdr("__connect.errors.partition", strconv.Itoa(int(rec.Partition))),
			hdr("__connect.errors.offset", strconv.FormatInt(rec.Offset, 10)),
			hdr("__connect.errors.connector.name", t.Connector),
			hdr("__connect.errors.task.id", "0"),
			hdr("__connect.errors.stage", string(pipeline.StageOf(reason))),
			hdr("__connect.errors.exception.class.name", ErrorClass(reason)),
			hdr("__connect.errors.exception.message", reason.Error()),
		)
	}
	size := recordSize(rec)
	if deadLetterSize(out) > MaxBytes {
		return fmt.Errorf("%s is %d bytes (key, value and headers), more than the %d bytes starcdc writes to a dead-letter topic, so it can be neither loaded (%w) nor dead-lettered to %s. %s",
			Describe(rec), size, MaxBytes, reason, t.Name, t.sameRecord(rec))
	}
	if err := t.Client.ProduceSync(ctx, out).FirstErr(); err != nil {
		if fix := t.fix(ctx, err); fix != "" {
			return fmt.Errorf("%s (%d bytes: key, value and headers) could not be loaded (%w), and writing it to the dead-letter topic %s failed: %w. %s. %s",
				Describe(rec), size, reason, t.Name, err, fix, t.sameRecord(rec))
		}
		return fmt.Errorf("%s (%d bytes): writing it to the dead-letter topic %s failed: %w (the record's offset is not committed; starcdc resumes at it after a restart)", Describe(rec), size, t.Name, err)
	}
	t.Logger.Warn("record sent to the dead-letter topic", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset, "dlq", t.Name, "stage", pipeline.StageOf(reason), "error", reason)
	return nil
}

// sameRecord tells the operator that rec stops every restart, and how to
// skip it instead of fixing the cause.
func (t *TopicWriter) sameRecord(rec *kgo.Record) string {
	return fmt.Sprintf("The record's offset is not committed: every restart stops at this same record until that is fixed. To skip the record without a trace instead, stop every starcdc process of connector %s and run: kafka-consumer-groups.sh --bootstrap-server %s --group %s --reset-offsets --topic %s:%d --to-offset %d --execute",
		t.Connector, t.bootstrap(), config.GroupID(t.Connector), rec.Topic, rec.Partition, rec.Offset+1)
}

func (t *TopicWriter) bootstrap() string {
	if len(t.Brokers) == 0 {
		return "<bootstrap.servers>"
	}
	return strings.Join(t.Brokers, ",")
}

// fix says what the operator must change when writing to the dead-letter
// topic failed for a reason that retrying, or restarting, cannot fix; ""
// when a retry may succeed.
func (t *TopicWriter) fix(ctx context.Context, err error) string {
	alter := fmt.Sprintf("kafka-configs.sh --bootstrap-server %s --alter --entity-type topics --entity-name %s --add-config", t.bootstrap(), t.Name)
	switch {
	case errors.Is(err, kerr.MessageTooLarge):
		limit := "only smaller record batches"
		if n, ok := t.maxMessageBytes(ctx); ok {
			limit = fmt.Sprintf("record batches of at most %d bytes", n)
		}
		return fmt.Sprintf("The dead-letter topic %s accepts %s (its max.message.bytes, or the brokers' message.max.bytes when the topic does not set it); raise it with: %s max.message.bytes=%d (starcdc writes dead letters of up to %d bytes and creates its dead-letter topics with that limit)",
			t.Name, limit, alter, MaxBytes, MaxBytes)
	case errors.Is(err, kerr.RecordListTooLarge):
		return fmt.Sprintf("The record is larger than a log segment of the dead-letter topic %s; raise its segment.bytes with: %s segment.bytes=1073741824 (Kafka's default)", t.Name, alter)
	case errors.Is(err, kerr.TopicAuthorizationFailed):
		return fmt.Sprintf("The connector's Kafka user may not write to the dead-letter topic %s; grant it WRITE and DESCRIBE on the topic: kafka-acls.sh --bootstrap-server %s --add --allow-principal User:<user> --operation Write --operation Describe --topic %s", t.Name, t.bootstrap(), t.Name)
	case errors.Is(err, kerr.ClusterAuthorizationFailed):
		return fmt.Sprintf("The connector's Kafka user may not produce idempotently; grant it WRITE on the dead-letter topic %s (kafka-acls.sh --bootstrap-server %s --add --allow-principal User:<user> --operation Write --operation Describe --topic %s), which brokers since Kafka 2.8 accept, or IDEMPOTENT_WRITE on the cluster (--operation IdempotentWrite --cluster), which older brokers require", t.Name, t.bootstrap(), t.Name)
	case errors.Is(err, kerr.InvalidRecord):
		return fmt.Sprintf("The brokers refuse the record for the dead-letter topic %s; most often the topic is compacted and dead letters without a key (rows StarRocks rejected have none) cannot go there: use a topic with cleanup.policy=delete (%s cleanup.policy=delete)", t.Name, alter)
	case errors.Is(err, kerr.UnknownTopicOrPartition):
		return fmt.Sprintf("The dead-letter topic %s does not exist (was it deleted?); restart starcdc, which creates it, or create it with: kafka-topics.sh --bootstrap-server %s --create --topic %s --config max.message.bytes=%d", t.Name, t.bootstrap(), t.Name, MaxBytes)
	}
	return ""
}

// maxMessageBytes reads the dead-letter topic's max.message.bytes, if the
// brokers tell.
func (t *TopicWriter) maxMessageBytes(ctx context.Context) (int, bool) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rcs, err := kadm.NewClient(t.Client).DescribeTopicConfigs(ctx, t.Name)
	if err != nil {
		return 0, false
	}
	rc, err := rcs.On(t.Name, nil)
	if err != nil || rc.Err != nil {
		return 0, false
	}
	for _, c := range rc.Configs {
		if c.Key == "max.message.bytes" && c.Value != nil {
			n, err := strconv.Atoi(*c.Value)
			return n, err == nil
		}
	}
	return 0, false
}

// HandleRows implements Policy.
func (t *TopicWriter) HandleRows(ctx context.Context, table string, take func() ([]Row, error), reason error) error {
	rows, err := take()
	if err != nil && len(rows) == 0 {
		return err
	}
	recs := make([]*kgo.Record, len(rows))
	for i, row := range rows {
		recs[i] = &kgo.Record{Topic: t.Name, Value: row.Row, Headers: []kgo.RecordHeader{hdr("__starcdc.table", table)}}
		if t.ContextHeaders {
			recs[i].Headers = append(recs[i].Headers,
				hdr("__connect.errors.topic", row.Topic),
				hdr("__connect.errors.partition", strconv.Itoa(int(row.Partition))),
				hdr("__connect.errors.offset", strconv.FormatInt(row.Offset, 10)),
				hdr("__connect.errors.connector.name", t.Connector),
				hdr("__connect.errors.task.id", "0"),
				hdr("__connect.errors.stage", string(pipeline.StageTaskPut)),
				hdr("__connect.errors.exception.class.name", ErrorClass(reason)),
				hdr("__connect.errors.exception.message", reason.Error()))
		}
	}
	// The rows are out of the loader: on a failure, stop before anything
	// later commits, so that they are loaded again (and rejected again)
	// on restart rather than lost.
	for _, r := range recs {
		if deadLetterSize(r) > MaxBytes {
			return fmt.Errorf("table %s: a row StarRocks rejected is %d bytes, more than the %d bytes starcdc writes to a dead-letter topic (stopping before its offset commits: every restart loads it again, StarRocks rejects it again, and this error comes back; fix the table so that StarRocks accepts the row: %w)", table, len(r.Value), MaxBytes, reason)
		}
	}
	if err := t.Client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		if fix := t.fix(ctx, err); fix != "" {
			return fmt.Errorf("table %s: writing %d rejected rows to the dead-letter topic %s failed: %w. %s. Stopping before their offsets commit: every restart loads them again, StarRocks rejects them again, and this error comes back until that is fixed", table, len(rows), t.Name, err, fix)
		}
		return fmt.Errorf("table %s: writing %d rejected rows to the dead-letter topic %s failed: %w (stopping before their offsets commit)", table, len(rows), t.Name, err)
	}
	t.Logger.Warn("rows StarRocks rejected sent to the dead-letter topic", "table", table, "rows", len(rows), "dlq", t.Name, "error", reason)
	return nil
}

func hdr(k, v string) kgo.RecordHeader { return kgo.RecordHeader{Key: k, Value: []byte(v)} }

// recordSize is what a record weighs: key, value and headers.
func recordSize(r *kgo.Record) int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// deadLetterSize bounds the size of the batch that carries r alone, as the
// producer counts it against MaxBytes: the record plus the batch header
// (61 bytes) and the varints around the record and each header (at most 5
// bytes each).
func deadLetterSize(r *kgo.Record) int {
	return recordSize(r) + 128 + 10*len(r.Headers)
}

// NewTopicWriter builds the dead-letter topic policy from the connector's
// errors.deadletterqueue.* settings (config.DeadLetter), creating the topic
// when it is missing (as Kafka Connect does). Unlike Kafka Connect, which
// creates it with the brokers' defaults, starcdc creates it with
// max.message.bytes = MaxBytes, so that any record the consumer fetched
// fits; an existing topic keeps its configuration. opts are the worker's Kafka client options
// (kafka.ClientOpts); close the writer's Client when done.
func NewTopicWriter(ctx context.Context, opts []kgo.Opt, brokers []string, connector string, d config.DeadLetter, logger *slog.Logger) (*TopicWriter, error) {
	name, rf, headers := d.Topic, d.ReplicationFactor, d.ContextHeaders
	cl, err := kgo.NewClient(slices.Concat(opts, []kgo.Opt{
		kgo.DefaultProduceTopic(name),
		kgo.ProducerBatchMaxBytes(MaxBytes),
		kgo.BrokerMaxWriteBytes(maxWriteBytes),
	})...)
	if err != nil {
		return nil, err
	}
	maxBytes := strconv.Itoa(MaxBytes)
	create := func(configs map[string]*string) error {
		resp, err := kadm.NewClient(cl).CreateTopic(ctx, 1, rf, configs, name)
		if err == nil {
			err = resp.Err
		}
		return err
	}
	err = create(map[string]*string{"max.message.bytes": &maxBytes})
	if errors.Is(err, kerr.PolicyViolation) || errors.Is(err, kerr.InvalidConfig) {
		// Some managed Kafka services cap max.message.bytes: fall back to
		// their default, as Kafka Connect would create it.
		logger.Warn("the brokers refuse max.message.bytes="+maxBytes+" for the dead-letter topic; creating it with their default: larger records cannot be dead-lettered and stop the connector", "dlq", name, "error", err)
		err = create(nil)
	}
	if errors.Is(err, kerr.TopicAuthorizationFailed) || errors.Is(err, kerr.ClusterAuthorizationFailed) {
		// As Kafka Connect does: a user without CREATE may still write to
		// a topic created for it; if it may not, the first dead letter
		// stops the connector with an error that says which grant is
		// missing.
		logger.Warn("not authorized to create the dead-letter topic; assuming it exists (grant CREATE on it, or create it with max.message.bytes="+maxBytes+")", "dlq", name, "error", err)
		err = nil
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		cl.Close()
		return nil, fmt.Errorf("creating the dead-letter topic %s: %w (create it yourself, with max.message.bytes=%d so that large records fit, or set %s to at most the number of brokers)", name, err, MaxBytes, config.KeyDLQReplication)
	}
	return &TopicWriter{Client: cl, Name: name, Connector: connector, ContextHeaders: headers, Logger: logger, Brokers: brokers}, nil
}
