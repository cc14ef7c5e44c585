package replicator

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/ddl"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/kafka"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/metrics"
)

// starcdc's own connector keys (beyond the Java connector's). They live in
// the starrocks.* namespace so that the Java connector ignores them.
const (
	// KeyLoadMinInterval is the minimum time between two age-triggered
	// loads of one table, in ms (default loader.DefaultMinLoadInterval; 0
	// disables the pacing).
	KeyLoadMinInterval = "starrocks.load.min.interval.ms"
	// KeyLoadMode is "stream_load" (default) or "transaction" (the
	// transaction interface of StarRocks ≥ 2.4, as the Java connector uses).
	KeyLoadMode = "starrocks.load.mode"
	// KeyTruncatePolicy says what a Debezium truncate event does: "skip"
	// (default: log it; a replayed truncate would wipe a table) or
	// "truncate" (TRUNCATE TABLE over the MySQL protocol, after the rows
	// before it are loaded).
	KeyTruncatePolicy = "starrocks.truncate.policy"
)

// FromConfig builds the replicator of one connector of a validated
// configuration, with its pipeline and its loader.
func FromConfig(w config.Worker, c config.Connector, logger *slog.Logger, reg *metrics.Registry) (_ *Replicator, err error) {
	if logger == nil {
		logger = slog.Default()
	}
	if reg == nil {
		reg = metrics.New() // counted, not served
	}
	kafkaOpts, warns, err := kafka.ClientOpts(w)
	for _, wn := range warns {
		logger.Warn("Kafka security setting", "connector", c.Name, "note", wn)
	}
	if err != nil {
		return nil, fmt.Errorf("connector %s: Kafka security: %w", c.Name, err)
	}
	var closers []func() error
	defer func() {
		if err != nil {
			for _, c := range closers {
				_ = c()
			}
		}
	}()
	regs := decode.NewRegistries()
	closers = append(closers, func() error { regs.Close(); return nil })
	p, err := NewPipeline(c, regs)
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", c.Name, err)
	}
	do, err := ddl.OptionsFromConfig(c.Extra)
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", c.Name, err)
	}
	truncate := false
	switch v := strings.ToLower(strings.TrimSpace(c.Extra[KeyTruncatePolicy])); v {
	case "", "skip":
	case "truncate":
		truncate = true
	default:
		return nil, fmt.Errorf("connector %s: %w: %s=%q: use skip or truncate", c.Name, config.ErrInvalid, KeyTruncatePolicy, v)
	}
	schemaless := true
	switch v := strings.ToLower(strings.TrimSpace(c.Extra[KeySchemalessTypes])); v {
	case "", "target":
	case "none":
		schemaless = false
	default:
		return nil, fmt.Errorf("connector %s: %w: %s=%q: use target or none", c.Name, config.ErrInvalid, KeySchemalessTypes, v)
	}
	schemaless = schemaless && c.Format != "csv" && !p.Passthrough
	ddlOn := do.AutoCreate || do.Evolution != ddl.EvolveNone
	var truncateFn func(context.Context, string) error
	if ddlOn || truncate || schemaless {
		addr, err := do.MySQLAddr(c.HTTPURLs)
		if err != nil {
			return nil, fmt.Errorf("connector %s: %w", c.Name, err)
		}
		m, err := ddl.Open(addr, c.Username, c.Password.Reveal()) // connects lazily
		if err != nil {
			return nil, fmt.Errorf("connector %s: %w", c.Name, err)
		}
		closers = append(closers, m.Close)
		clog := logger.With("connector", c.Name)
		if ddlOn {
			p.Schemas = newTableSync(m, do, c.Database, clog)
		}
		if truncate {
			truncateFn = func(ctx context.Context, table string) error { return m.Truncate(ctx, c.Database, table) }
		}
		if schemaless {
			p.Targets = newTableTypes(m, c.Database, clog)
		}
	}
	lopts, err := loaderOptions(c)
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", c.Name, err)
	}
	lopts.Logger = logger.With("connector", c.Name)
	g := w.Group
	member := newMembership(GroupID(c.Name), "", g.Session, g.Rebalance, g.Heartbeat)
	lopts.Lease = member
	inst := newInstruments(reg, c.Name)
	lopts.Listener = inst
	ld, err := loader.New(lopts)
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", c.Name, err)
	}
	closers = append(closers, ld.Close)
	dl := DeadLetter(Stop{})
	if c.ErrorsTolerance == "all" {
		dl = LogAndSkip{Logger: logger}
		if c.Extra[KeyDLQTopic] != "" {
			dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			t, err := newTopicDLQ(dctx, kafkaOpts, w.BootstrapServers, c.Name, c.Extra, logger.With("connector", c.Name))
			cancel()
			if err != nil {
				return nil, fmt.Errorf("connector %s: %w", c.Name, err)
			}
			closers = append(closers, func() error { t.Client.Close(); return nil })
			dl = t
		}
	} else if c.Extra[KeyDLQTopic] != "" {
		logger.Warn("errors.deadletterqueue.topic.name is set but errors.tolerance=none: as in Kafka Connect, records are never sent to it; set errors.tolerance=all to use it", "connector", c.Name)
	}
	r, err := New(Config{
		Name:              c.Name,
		Brokers:           w.BootstrapServers,
		KafkaOpts:         kafkaOpts, // its seed brokers are Brokers
		SessionTimeout:    g.Session,
		RebalanceTimeout:  g.Rebalance,
		HeartbeatInterval: g.Heartbeat,
		member:            member,
		Topics:            c.Topics,
		TopicsRegex:       c.TopicsRegex,
		Pipeline:          p,
		Sink:              ld,
		CommitInterval:    min(c.BufferFlushInterval, time.Second),
		Truncate:          truncateFn,
		DeadLetter:        dl,
		Logger:            logger,
		Metrics:           reg,
	})
	if err != nil {
		return nil, err
	}
	r.closer = func() error {
		var errs []error
		for _, c := range closers {
			errs = append(errs, c())
		}
		return errors.Join(errs...)
	}
	return r, nil
}

func loaderOptions(c config.Connector) (loader.Options, error) {
	o := loader.Options{
		URLs:           c.HTTPURLs,
		Username:       c.Username,
		Password:       c.Password.Reveal(),
		Database:       c.Database,
		Format:         loader.FormatJSON,
		Headers:        maps.Clone(c.SinkProperties),
		ConnectTimeout: c.ConnectTimeout,
		MaxRetries:     c.MaxRetries,
		LabelPrefix:    labelPrefix(c.Name),
		MaxBytes:       c.BufferFlushMaxBytes,
		FlushInterval:  c.BufferFlushInterval,
	}
	if c.Format == "csv" {
		o.Format = loader.FormatCSV
	}
	if v, ok := o.Headers["compression"]; ok {
		delete(o.Headers, "compression")
		switch strings.ToLower(v) {
		case "lz4_frame", "lz4":
			o.Compression = loader.CompressionLZ4
		case "gzip":
			o.Compression = loader.CompressionGzip
		default:
			return o, fmt.Errorf("%w: sink.properties.compression=%q: use lz4_frame or gzip", config.ErrInvalid, v)
		}
	}
	if v, ok := c.Extra[KeyLoadMinInterval]; ok {
		ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || ms < 0 || ms > 3600000 {
			return o, fmt.Errorf("%w: %s=%q: must be a number of milliseconds between 0 and 3600000", config.ErrInvalid, KeyLoadMinInterval, v)
		}
		o.MinLoadInterval = time.Duration(ms) * time.Millisecond
		if ms == 0 {
			o.MinLoadInterval = -1
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(c.Extra[KeyLoadMode])); v {
	case "", "stream_load":
	case "transaction":
		o.Mode = loader.ModeTransaction
	default:
		return o, fmt.Errorf("%w: %s=%q: use stream_load or transaction", config.ErrInvalid, KeyLoadMode, v)
	}
	return o, nil
}

// labelPrefix is "starcdc-<name>", hashed when the name is long or has
// characters a label may not hold (^[-\w]{1,128}$, docs/streamload.md §2.5).
func labelPrefix(name string) string {
	if p := "starcdc-" + name; len(name) <= 40 && loader.ValidLabel(p) {
		return p
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return "starcdc-" + strconv.FormatUint(h.Sum64(), 36)
}
