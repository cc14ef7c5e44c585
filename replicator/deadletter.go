package replicator

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"
)

// DeadLetter receives records that cannot be loaded (undecodable bytes, a
// value StarRocks would silently turn into NULL, ...). It is the one place
// where such records go: they never silently vanish.
//
// Handle returns nil when the record was durably taken care of and the
// pipeline may go on past it; a non-nil error stops the pipeline before the
// record's offset is committed, so a restart resumes at it.
//
// HandleRows receives encoded rows of table that StarRocks rejected for good
// (their data does not fit the table; the loader isolated them from the
// good rows of their batch). A policy that takes them calls take, which
// removes them from the loader so that later offsets can commit; a policy
// that stops returns an error without calling take, so the rows and their
// offsets stay uncommitted.
type DeadLetter interface {
	Handle(ctx context.Context, rec *kgo.Record, reason error) error
	HandleRows(ctx context.Context, table string, take func() ([][]byte, error), reason error) error
}

// Stop is the dead-letter policy of errors.tolerance=none (the default): the
// pipeline stops with an error naming the record.
type Stop struct{}

// Handle implements DeadLetter.
func (Stop) Handle(_ context.Context, rec *kgo.Record, reason error) error {
	return fmt.Errorf("%s: %w (errors.tolerance=none stops the pipeline here; fix the producer or the configuration, or set errors.tolerance=all to log and skip such records, then restart: the offset of this record is not committed)", Position(rec), reason)
}

// HandleRows implements DeadLetter.
func (Stop) HandleRows(_ context.Context, table string, _ func() ([][]byte, error), reason error) error {
	return fmt.Errorf("table %s: StarRocks rejected rows: %w (errors.tolerance=none stops the pipeline here; fix the table or the mapping, or set errors.tolerance=all to log and skip such rows, then restart: their offsets are not committed)", table, reason)
}

// LogAndSkip is the dead-letter policy of errors.tolerance=all without a
// dead-letter topic: Kafka Connect logs and skips the record. starcdc logs
// it at error level with its position so that it can be found again.
type LogAndSkip struct{ Logger *slog.Logger }

// Handle implements DeadLetter.
func (l LogAndSkip) Handle(_ context.Context, rec *kgo.Record, reason error) error {
	l.Logger.Error("skipping record (errors.tolerance=all)", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset, "error", reason)
	return nil
}

// HandleRows implements DeadLetter.
func (l LogAndSkip) HandleRows(_ context.Context, table string, take func() ([][]byte, error), reason error) error {
	rows, err := take()
	if err != nil && len(rows) == 0 {
		return err
	}
	// Row contents are not logged (Kafka Connect logs messages only with
	// errors.log.include.messages); StarRocks' error log in reason names
	// what was wrong.
	l.Logger.Error("skipping rows StarRocks rejected (errors.tolerance=all)", "table", table, "rows", len(rows), "error", reason)
	return nil
}

// Position names a record for users: topic/partition/offset.
func Position(rec *kgo.Record) string {
	return fmt.Sprintf("record %s/%d/%d", rec.Topic, rec.Partition, rec.Offset)
}
