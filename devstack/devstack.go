package devstack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/starcdc/starcdc/devstack/starrocks"
)

// Stack is a running development stack. Close it when done.
type Stack struct {
	Kafka     *kfake.Cluster
	Registry  *srfake.Registry
	StarRocks *starrocks.Emulator
}

// Options configure Start.
type Options struct {
	// KafkaPort pins the broker's port (0: random).
	KafkaPort int
	// Users of the StarRocks emulator (nil: root with an empty password).
	Users map[string]string
	// Discard starts the StarRocks emulator in its Discard mode
	// (starrocks.Config.Discard): Stream Load bodies are read and thrown
	// away unparsed, for benchmarks that measure the client.
	Discard bool
}

// Start starts Kafka (one broker), the registry and the StarRocks emulator.
func Start(opts Options) (*Stack, error) {
	kopts := []kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(1), kfake.AllowAutoTopicCreation()}
	if opts.KafkaPort != 0 {
		kopts = append(kopts, kfake.Ports(opts.KafkaPort))
	}
	k, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("devstack: starting the Kafka fake: %w", err)
	}
	sr, err := starrocks.Start(starrocks.Config{Users: opts.Users, Discard: opts.Discard})
	if err != nil {
		k.Close()
		return nil, fmt.Errorf("devstack: starting the StarRocks emulator: %w", err)
	}
	if _, err := sr.ServeMySQL(); err != nil {
		k.Close()
		_ = sr.Close()
		return nil, fmt.Errorf("devstack: starting the emulator's MySQL port: %w", err)
	}
	return &Stack{Kafka: k, Registry: srfake.New(), StarRocks: sr}, nil
}

// Brokers returns the Kafka bootstrap addresses.
func (s *Stack) Brokers() []string { return s.Kafka.ListenAddrs() }

// Close stops everything.
func (s *Stack) Close() {
	s.Registry.Close()
	_ = s.StarRocks.Close()
	s.Kafka.Close()
}

// Produce writes records synchronously and fails on the first error.
func (s *Stack) Produce(ctx context.Context, recs ...*kgo.Record) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...), kgo.AllowAutoTopicCreation(), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	defer cl.Close()
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

// Lag returns, for group, the records of topics not yet committed: end
// offset minus committed offset, summed over partitions.
func Lag(ctx context.Context, brokers []string, group string, topics ...string) (int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	return AdminLag(ctx, kadm.NewClient(cl), group, topics...)
}

// AdminLag is Lag through an admin client the caller keeps (for polling).
func AdminLag(ctx context.Context, adm *kadm.Client, group string, topics ...string) (int64, error) {
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return 0, err
	}
	if err := ends.Error(); err != nil {
		return 0, err
	}
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return 0, err
	}
	var lag int64
	ends.Each(func(o kadm.ListedOffset) {
		c := int64(0)
		if r, ok := committed.Lookup(o.Topic, o.Partition); ok && r.Err == nil {
			c = r.At
		}
		lag += o.Offset - c
	})
	return lag, nil
}

// ErrNotDrained means WaitDrained ran out of time.
var ErrNotDrained = errors.New("topics not drained")

// WaitDrained waits until group has committed every record of topics, or
// ctx is done.
func WaitDrained(ctx context.Context, brokers []string, group string, topics ...string) error {
	var last int64 = -1
	for {
		lag, err := Lag(ctx, brokers, group, topics...)
		if err == nil && lag == 0 {
			return nil
		}
		if err == nil {
			last = lag
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %d records of %v not committed by group %s: %w", ErrNotDrained, last, topics, group, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
