package deadletter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/ddl"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/mapping"
)

// Policy receives records that cannot be loaded (undecodable bytes, a
// value StarRocks would silently turn into NULL, ...). It is the one place
// where such records go: they never silently vanish. Stop, LogAndSkip and
// TopicWriter are the policies of errors.tolerance and
// errors.deadletterqueue.topic.name.
//
// Handle returns nil when the record was durably taken care of and the
// pipeline may go on past it; a non-nil error stops the pipeline before the
// record's offset is committed, so a restart resumes at it.
//
// HandleRows receives encoded rows of table that StarRocks rejected for good
// (their data does not fit the table; the loader isolated them from the
// good rows of their batch), each with the Kafka record it came from. A
// policy that takes them calls take, which removes them from the loader so
// that later offsets can commit; a policy that stops returns an error
// without calling take, so the rows and their offsets stay uncommitted.
type Policy interface {
	Handle(ctx context.Context, rec *kgo.Record, reason error) error
	HandleRows(ctx context.Context, table string, take func() ([]Row, error), reason error) error
}

var (
	_ Policy = Stop{}
	_ Policy = LogAndSkip{}
	_ Policy = (*TopicWriter)(nil)
)

// Row is a row StarRocks rejected, with the position of the Kafka record
// it came from (Offset -1 if unknown).
type Row struct {
	Row       []byte
	Topic     string
	Partition int32
	Offset    int64
}

// Stop is the dead-letter policy of errors.tolerance=none (the default): the
// pipeline stops with an error naming the record.
type Stop struct{}

// Handle implements Policy.
func (Stop) Handle(_ context.Context, rec *kgo.Record, reason error) error {
	return fmt.Errorf("%s: %w (errors.tolerance=none stops the pipeline here; fix the producer or the configuration, or set errors.tolerance=all to log and skip such records, then restart: the offset of this record is not committed)", Describe(rec), reason)
}

// HandleRows implements Policy.
func (Stop) HandleRows(_ context.Context, table string, _ func() ([]Row, error), reason error) error {
	return fmt.Errorf("table %s: StarRocks rejected rows: %w (errors.tolerance=none stops the pipeline here; fix the table or the mapping, or set errors.tolerance=all to log and skip such rows, then restart: their offsets are not committed)", table, reason)
}

// LogAndSkip is the dead-letter policy of errors.tolerance=all without a
// dead-letter topic: Kafka Connect logs and skips the record. starcdc logs
// it at error level with its position so that it can be found again.
type LogAndSkip struct{ Logger *slog.Logger }

// Handle implements Policy.
func (l LogAndSkip) Handle(_ context.Context, rec *kgo.Record, reason error) error {
	l.Logger.Error("skipping record (errors.tolerance=all)", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset, "error", reason)
	return nil
}

// HandleRows implements Policy.
func (l LogAndSkip) HandleRows(_ context.Context, table string, take func() ([]Row, error), reason error) error {
	rows, err := take()
	if err != nil && len(rows) == 0 {
		return err
	}
	// Row contents are not logged (Kafka Connect logs messages only with
	// errors.log.include.messages); StarRocks' error log in reason names
	// what was wrong. Their positions are, so that they can be found.
	for _, r := range rows {
		l.Logger.Error("skipping a row StarRocks rejected (errors.tolerance=all)", "table", table, "topic", r.Topic, "partition", r.Partition, "offset", r.Offset, "error", reason)
	}
	return nil
}

// Describe names a record for messages by its position:
// "record <topic>/<partition>/<offset>". Every error about one record
// names it so (the policies, the replicator, starcdc ddl), so that it can
// be found again and skipped with kafka-consumer-groups.sh.
func Describe(rec *kgo.Record) string {
	return fmt.Sprintf("record %s/%d/%d", rec.Topic, rec.Partition, rec.Offset)
}

// errorClasses are the values of the __connect.errors.exception.class.name
// header of dead letters. Kafka Connect writes the Java class of the
// exception there; starcdc writes the fully qualified Go name of the
// sentinel error the failure wraps (the first that matches, in this
// order), which is as stable as a Java class name: it changes only if the
// sentinel is renamed.
var errorClasses = []struct {
	err  error
	name string
}{
	{decode.ErrUnsupported, "github.com/starcdc/starcdc/decode.ErrUnsupported"},
	{decode.ErrMalformed, "github.com/starcdc/starcdc/decode.ErrMalformed"},
	{cdc.ErrNotChangeEvent, "github.com/starcdc/starcdc/cdc.ErrNotChangeEvent"},
	{ddl.ErrIncompatible, "github.com/starcdc/starcdc/ddl.ErrIncompatible"},
	{ddl.ErrNoTable, "github.com/starcdc/starcdc/ddl.ErrNoTable"},
	{ddl.ErrNoKey, "github.com/starcdc/starcdc/ddl.ErrNoKey"},
	{ddl.ErrInvalidName, "github.com/starcdc/starcdc/ddl.ErrInvalidName"},
	{ddl.ErrNoSchema, "github.com/starcdc/starcdc/ddl.ErrNoSchema"},
	{ddl.ErrKeyTooWide, "github.com/starcdc/starcdc/ddl.ErrKeyTooWide"},
	{mapping.ErrNoType, "github.com/starcdc/starcdc/mapping.ErrNoType"},
	{mapping.ErrValue, "github.com/starcdc/starcdc/mapping.ErrValue"},
	{mapping.ErrInvalidTable, "github.com/starcdc/starcdc/mapping.ErrInvalidTable"},
	{loader.ErrBadRows, "github.com/starcdc/starcdc/loader.ErrBadRows"},
}

// errorClassOther is the class name of a record error that wraps none of
// errorClasses. It names the type such errors had when the header was
// introduced (now pipeline.StageError) and is kept as it was, so that
// consumers of the dead-letter topic that filter on it keep working.
const errorClassOther = "github.com/starcdc/starcdc/replicator.StageError"

// ErrorClass is the __connect.errors.exception.class.name header of a
// dead letter that failed with err (see errorClasses).
func ErrorClass(err error) string {
	for _, c := range errorClasses {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return errorClassOther
}
