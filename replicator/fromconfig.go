package replicator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/ddl"
	"github.com/starcdc/starcdc/deadletter"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/kafka"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/metrics"
	"github.com/starcdc/starcdc/pipeline"
)

// FromConfig builds the replicator of one connector of a validated
// configuration, with its pipeline and its loader.
func FromConfig(w config.Worker, c config.Connector, logger *slog.Logger, reg *metrics.Registry) (_ *Replicator, err error) {
	if logger == nil {
		logger = slog.Default()
	}
	if reg == nil {
		reg = metrics.New(metrics.BuildInfo{}) // counted, not served
	}
	kafkaOpts, warns, err := kafka.ClientOpts(w)
	for _, wn := range warns {
		logger.Warn("Kafka security setting", "connector", c.Name, "note", wn)
	}
	if err != nil {
		return nil, fmt.Errorf("connector %s: Kafka security: %w", c.Name, err)
	}
	// franz-go's own warnings (unreachable brokers, failed joins) and group
	// joins, in the process's log (see kafka.NewLogger).
	kafkaOpts = append(kafkaOpts, kgo.WithLogger(kafka.NewLogger(logger.With("connector", c.Name))))
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
	p, err := pipeline.NewPipeline(c, regs)
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", c.Name, err)
	}
	do := ddl.OptionsFrom(c.DDL, c.Mapping)
	truncate := c.Mapping.Truncate
	schemaless := c.Mapping.SchemalessTypes && c.Format != "csv" && !p.Passthrough
	ddlOn := do.AutoCreate || do.Evolution != ddl.EvolveNone
	var truncateFn func(context.Context, string) error
	if ddlOn || truncate || schemaless {
		m, err := ddl.Open(c.MySQLAddr, c.Username, c.Password.Reveal(), c.MySQLTLS) // connects lazily
		if err != nil {
			return nil, fmt.Errorf("connector %s: %w", c.Name, err)
		}
		closers = append(closers, m.Close)
		clog := logger.With("connector", c.Name)
		if ddlOn {
			p.Schemas = pipeline.NewTableSync(m, do, c.Database, clog)
		}
		if truncate {
			truncateFn = func(ctx context.Context, table string) error { return m.Truncate(ctx, c.Database, table) }
		}
		if schemaless {
			p.Targets = pipeline.NewTableTypes(m, c.Database, clog)
		}
	}
	lopts := loaderOptions(c)
	if c.TLS != nil {
		// starrocks.ssl.*: the stores were read once when the
		// configuration was validated; read them again here.
		if lopts.TLSConfig, err = c.TLS.Config(); err != nil {
			return nil, fmt.Errorf("connector %s: StarRocks TLS: %w", c.Name, err)
		}
	}
	lopts.Logger = logger.With("connector", c.Name)
	g := w.Group
	member := newMembership(GroupID(c.Name), logInstanceID(logger, w, c), g.Session, g.Rebalance, g.Heartbeat)
	lopts.Lease = member
	inst := newInstruments(reg, c.Name)
	hl := newHealth()
	lopts.Listener = loadListeners{inst, hl}
	p.RegistryOutage = hl.registryOutage // /ready says when records wait for the registry
	ld, err := loader.New(lopts)
	if errors.Is(err, loader.ErrInvalidOptions) {
		err = config.Invalid(err) // settings config does not know to refuse
	}
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", c.Name, err)
	}
	closers = append(closers, ld.Close)
	var dl deadletter.Policy = deadletter.Stop{}
	if c.ErrorsTolerance == "all" {
		dl = deadletter.LogAndSkip{Logger: logger}
		if c.DeadLetter.Topic != "" {
			dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			t, err := deadletter.NewTopicWriter(dctx, kafkaOpts, w.BootstrapServers, c.Name, c.DeadLetter, logger.With("connector", c.Name))
			cancel()
			if err != nil {
				return nil, fmt.Errorf("connector %s: %w", c.Name, err)
			}
			closers = append(closers, func() error { t.Client.Close(); return nil })
			dl = t
		}
	} else if c.DeadLetter.Topic != "" {
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
		health:            hl,
		Topics:            c.Topics,
		TopicsRegex:       c.TopicsRegex,
		Pipeline:          p,
		Sink:              ld,
		CommitInterval:    min(c.BufferFlushInterval, time.Second),
		ExactlyOnce:       c.Load.Delivery == config.DeliveryExactlyOnce,
		EpochInterval:     c.BufferFlushInterval,
		EpochBytes:        int(c.BufferFlushMaxBytes / 4), // see loaderOptions
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

// loaderOptions are the loader settings of a connector, from its parsed
// configuration.
func loaderOptions(c config.Connector) loader.Options {
	o := loader.Options{
		URLs:           c.HTTPURLs,
		Username:       c.Username,
		Password:       c.Password.Reveal(),
		Database:       c.Database,
		Format:         loader.FormatJSON,
		Headers:        maps.Clone(c.Load.Headers),
		ConnectTimeout: c.Load.ConnectTimeout, // starrocks.connect.timeout.ms; connect.timeoutms is only the Java connector's FE-probe timeout
		MaxRetries:     c.MaxRetries,
		RetryFor:       c.Load.RetryFor,
		LabelPrefix:    c.Load.LabelPrefix,
		MaxBytes:       c.BufferFlushMaxBytes,
		FlushInterval:  c.BufferFlushInterval,
	}
	if c.Format == "csv" {
		o.Format = loader.FormatCSV
	}
	switch c.Load.Compression {
	case config.CompressionLZ4:
		o.Compression = loader.CompressionLZ4
	case config.CompressionGzip:
		o.Compression = loader.CompressionGzip
	}
	if c.Load.MinIntervalSet {
		o.MinLoadInterval = c.Load.MinInterval
		if o.MinLoadInterval == 0 {
			o.MinLoadInterval = -1 // 0 ms: no pacing
		}
	}
	if c.Load.Mode == config.LoadTransaction {
		o.Mode = loader.ModeTransaction
	}
	if c.Load.Delivery == config.DeliveryExactlyOnce {
		// Every load is an epoch's (see replicator/epoch.go). The budget
		// bufferflush.maxbytes is shared: the epoch loading lives in the
		// loader (half of it), the epoch gathering in the replicator
		// (a quarter; an epoch closes there), the rest is slack for
		// the last poll and the garbage collector.
		o.Manual = true
		o.MaxBytes = c.BufferFlushMaxBytes / 2
	}
	return o
}

// Check builds, without network I/O, what a Config that config.Load or
// config.FromMap returned needs beyond config's own checks (the Kafka
// security settings, and every connector's pipeline: its converters,
// transform chain and the routing of its listed topics) and returns every
// problem at once, joined; those of the settings wrap config.ErrInvalid. `starcdc run`, `decode` and `ddl` call it
// right after config.Load, so that they accept and reject the same files
// with the same list of problems.
func Check(cfg *config.Config) error {
	regs := decode.NewRegistries()
	defer regs.Close()
	var errs []error
	if _, _, err := kafka.SecurityOpts(cfg.Worker.Security); err != nil {
		errs = append(errs, fmt.Errorf("Kafka security: %w", err))
	}
	for _, c := range cfg.Connectors {
		if _, err := pipeline.NewPipeline(c, regs); err != nil {
			errs = append(errs, fmt.Errorf("connector %s: %w", c.Name, err))
		}
	}
	return errors.Join(errs...)
}
