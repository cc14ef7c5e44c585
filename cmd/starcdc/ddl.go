package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/ddl"
	"github.com/starcdc/starcdc/deadletter"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/kafka"
	"github.com/starcdc/starcdc/pipeline"
)

// cmdDDL prints the DDL starcdc would run for every topic of the
// connectors: the table planned from the newest record of the topic (its
// key and value schemas, whatever the converter), and, when the table
// exists, the ALTER statements that would evolve it. --apply runs them.
var ddlHelp = cmdHelp{
	synopsis: "ddl [WORKER.properties] CONNECTOR.properties... [--apply]",
	about: `Print the CREATE TABLE statement starcdc would run for each topic of the
connectors, planned from the key and value schemas of the topic's newest record,
and the ALTER TABLE statements that would bring an existing table up to date
(read over the MySQL protocol, starrocks.mysql.url). --apply runs them.`,
	args: runHelp.args,
}

func cmdDDL(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	fs := newFlagSet("ddl")
	apply := fs.Bool("apply", false, "run the statements over the MySQL protocol (starrocks.mysql.url)")
	files, err := parseArgs(fs, ddlHelp, args, stdout)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError{errors.New("usage: starcdc " + ddlHelp.synopsis)}
	}
	cfg, err := loadConfig(files, logger)
	if err != nil {
		return err
	}
	kopts, _, err := kafka.ClientOpts(cfg.Worker)
	if err != nil {
		return fmt.Errorf("Kafka security: %w", err) // exit 2 when the settings are invalid
	}
	cl, err := kgo.NewClient(kopts...)
	if err != nil {
		return err
	}
	defer cl.Close()
	regs := decode.NewRegistries()
	defer regs.Close()
	for _, c := range cfg.Connectors {
		if err := connectorDDL(ctx, cl, regs, c, *apply, stdout); err != nil {
			return fmt.Errorf("connector %s: %w", c.Name, err)
		}
	}
	return nil
}

func connectorDDL(ctx context.Context, cl *kgo.Client, regs *decode.Registries, c config.Connector, apply bool, w io.Writer) error {
	p, err := pipeline.NewPipeline(c, regs)
	if err != nil {
		return err
	}
	o := ddl.OptionsFrom(c.DDL, c.Mapping)
	var m *ddl.Manager
	if c.MySQLAddr != "" {
		if m, err = ddl.Open(c.MySQLAddr, c.Username, c.Password.Reveal(), c.MySQLTLS); err != nil {
			return err
		}
		defer m.Close()
	}
	topics, err := topicsOf(ctx, cl, c)
	if err != nil {
		return err
	}
	for _, topic := range topics {
		rec, err := newestRecord(ctx, cl, topic)
		if err != nil {
			return err
		}
		if rec == nil {
			fmt.Fprintf(w, "-- topic %s: no record to read a schema from yet\n", topic)
			continue
		}
		table, err := p.Router.Table(topic)
		if err != nil {
			return usageError{err}
		}
		key, val, err := decodeRecord(ctx, p, rec)
		if err != nil {
			return fmt.Errorf("%s: %w", deadletter.Describe(rec), err)
		}
		ev, err := p.Unwrapper.Unwrap(key, val)
		if err != nil || ev.Kind != cdc.KindRows {
			fmt.Fprintf(w, "-- topic %s: its newest record (%s) carries no row schema\n", topic, deadletter.Describe(rec))
			continue
		}
		t, notes, err := ddl.Plan(table, key.Schema, ev.Changes[0].Row.Schema, o)
		if err != nil {
			return fmt.Errorf("topic %s: %w", topic, err)
		}
		fmt.Fprintf(w, "-- topic %s (schema of %s)\n%s\n", topic, deadletter.Describe(rec), ddl.Format(c.Database, t, notes))
		if m == nil {
			continue
		}
		cur, err := m.Columns(ctx, c.Database, table)
		switch {
		case errors.Is(err, ddl.ErrNoTable):
		case err != nil:
			return err
		default:
			adds, mods, incompatible := ddl.Diff(cur, t)
			for _, stmt := range ddl.AlterSQL(c.Database, table, adds, mods) {
				fmt.Fprintf(w, "%s;\n", stmt)
			}
			for _, why := range incompatible {
				fmt.Fprintf(w, "-- incompatible: %s\n", why)
			}
		}
		if apply {
			if err := m.EnsureTable(ctx, c.Database, t); err != nil {
				return err
			}
			if _, err := m.Evolve(ctx, c.Database, t, o.AllowModify()); err != nil {
				return err
			}
			fmt.Fprintf(w, "-- applied to %s.%s\n", c.Database, table)
		}
	}
	return nil
}

func decodeRecord(ctx context.Context, p *pipeline.Pipeline, rec *kgo.Record) (key, val decode.Record, err error) {
	in := pipeline.Input{Topic: rec.Topic, Key: rec.Key, Value: rec.Value}
	for _, h := range rec.Headers {
		in.SetSchemaIDHeader(h.Key, h.Value)
	}
	if in, err = p.FrameSchemaIDs(in); err != nil {
		return key, val, err
	}
	if val, err = p.ValueConverter.Decode(ctx, in.Topic, in.Value); err != nil {
		return key, val, err
	}
	if in.Key != nil {
		key, err = p.KeyConverter.Decode(ctx, in.Topic, in.Key)
	}
	return key, val, err
}

// topicsOf lists the connector's topics (topics.regex against the cluster).
func topicsOf(ctx context.Context, cl *kgo.Client, c config.Connector) ([]string, error) {
	if c.TopicsRegex == "" {
		return c.Topics, nil
	}
	re, err := compileWhole(c.TopicsRegex)
	if err != nil {
		return nil, usageError{err}
	}
	md, err := kadm.NewClient(cl).ListTopics(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range md.Names() {
		if re.MatchString(t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, nil
}

// newestRecord returns the newest record with a value among the last
// record of each partition, or nil when the topic is empty.
func newestRecord(ctx context.Context, cl *kgo.Client, topic string) (*kgo.Record, error) {
	adm := kadm.NewClient(cl)
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	if err := ends.Error(); err != nil {
		return nil, fmt.Errorf("topic %s: %w", topic, err)
	}
	want := map[int32]kgo.Offset{}
	ends.Each(func(o kadm.ListedOffset) {
		if s, ok := starts.Lookup(o.Topic, o.Partition); ok && o.Offset > s.Offset {
			want[o.Partition] = kgo.NewOffset().At(o.Offset - 1)
		}
	})
	if len(want) == 0 {
		return nil, nil
	}
	rc, err := kgo.NewClient(append(cl.Opts(), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: want}))...)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	fctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var newest *kgo.Record
	for seen := map[int32]bool{}; len(seen) < len(want); {
		fs := rc.PollFetches(fctx)
		if fctx.Err() != nil {
			return nil, fmt.Errorf("topic %s: reading the newest records: %w", topic, fctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) {
			seen[r.Partition] = true
			if r.Value != nil && (newest == nil || r.Timestamp.After(newest.Timestamp)) {
				newest = r
			}
		})
	}
	return newest, nil
}

func compileWhole(expr string) (*regexp.Regexp, error) {
	return regexp.Compile("^(?:" + expr + ")$")
}
