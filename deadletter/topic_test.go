package deadletter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestDeadLetterFix: every write failure that retrying cannot fix says
// what to change; the others say nothing more.
func TestDeadLetterFix(t *testing.T) {
	tp := &TopicWriter{Name: "dlq", Connector: "c", Brokers: []string{"k1:9092", "k2:9092"}}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{kerr.RecordListTooLarge, "--entity-name dlq --add-config segment.bytes="},
		{kerr.TopicAuthorizationFailed, "kafka-acls.sh --bootstrap-server k1:9092,k2:9092 --add --allow-principal User:<user> --operation Write --operation Describe --topic dlq"},
		{fmt.Errorf("unable to initialize a producer ID: %w", kerr.ClusterAuthorizationFailed), "IdempotentWrite --cluster"},
		{kerr.InvalidRecord, "cleanup.policy=delete"},
		{kerr.UnknownTopicOrPartition, "--create --topic dlq --config max.message.bytes=67108864"},
		{kerr.NotEnoughReplicas, ""},
		{context.DeadlineExceeded, ""},
	} {
		got := tp.fix(context.Background(), tc.err)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%v: %q, want %q in it", tc.err, got, tc.want)
		}
	}
}

// TestDeadLetterTooLargeForStarcdc: a record above MaxBytes is
// not produced at all; the error says that a restart stops at it again
// and how to skip it.
func TestDeadLetterTooLargeForStarcdc(t *testing.T) {
	tp := &TopicWriter{Name: "dlq", Connector: "c", Brokers: []string{"k:9092"}} // no client: nothing may be produced
	rec := &kgo.Record{Topic: "src", Partition: 2, Offset: 41, Value: make([]byte, MaxBytes)}
	err := tp.Handle(context.Background(), rec, errors.New("decoding the value: bad"))
	for _, want := range []string{"record src/2/41 is 67108864 bytes", "more than the 67108864 bytes", "every restart stops at this same record", "--group connect-c --reset-offsets --topic src:2 --to-offset 42"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v; want %q in it", err, want)
		}
	}
}
