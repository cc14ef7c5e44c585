package replicator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/mapping"
)

// Pipeline turns one raw Kafka record into Stream Load rows per table:
// decode → cdc → mapping. The replicator runs it for every fetched record;
// `starcdc decode` runs it for one record from files.
type Pipeline struct {
	KeyConverter, ValueConverter decode.Converter
	Unwrapper                    *cdc.Unwrapper
	Router                       *mapping.Router
	Encoder                      *mapping.Encoder
	// Passthrough sends the value text itself as the row (CSV with
	// StringConverter, as the Java connector does).
	Passthrough bool
}

// Outcome says what one record yielded.
type Outcome struct {
	Table string
	Rows  int
	Event cdc.Event
}

// errConfig marks errors that are the configuration's fault, not the
// record's: they stop the pipeline whatever the dead-letter policy.
type errConfig struct{ error }

func (e errConfig) Unwrap() error { return e.error }

// Rows decodes one record and appends each row it yields to buf, calling
// emit with the table and the row bytes (valid until the next call). A
// record yields all its rows or, on error, none.
func (p *Pipeline) Rows(ctx context.Context, topic string, key, value []byte, buf []byte, emit func(table string, row []byte)) (Outcome, []byte, error) {
	table, err := p.Router.Table(topic)
	if err != nil {
		return Outcome{}, buf, errConfig{err}
	}
	out := Outcome{Table: table}
	if p.Passthrough {
		if value == nil {
			out.Event = cdc.Event{Kind: cdc.KindTombstone, Reason: "tombstone"}
			return out, buf, nil
		}
		emit(table, value)
		out.Rows = 1
		return out, buf, nil
	}
	val, err := p.ValueConverter.Decode(ctx, topic, value)
	if err != nil {
		return out, buf, fmt.Errorf("decoding the value: %w", err)
	}
	var k decode.Record
	if key != nil {
		if k, err = p.KeyConverter.Decode(ctx, topic, key); err != nil {
			return out, buf, fmt.Errorf("decoding the key: %w", err)
		}
	}
	ev, err := p.Unwrapper.Unwrap(k, val)
	if err != nil {
		return out, buf, err
	}
	out.Event = ev
	if ev.Kind != cdc.KindRows {
		return out, buf, nil
	}
	buf = buf[:0]
	ends := make([]int, 0, len(ev.Changes))
	for _, ch := range ev.Changes {
		if buf, err = p.Encoder.AppendJSON(buf, ch); err != nil {
			return out, buf, err
		}
		ends = append(ends, len(buf))
	}
	start := 0
	for _, end := range ends {
		emit(table, buf[start:end])
		start = end
	}
	out.Rows = len(ends)
	return out, buf, nil
}

// Transform class names that starcdc understands natively.
const (
	transformAddOp   = "com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord"
	transformExtract = "io.debezium.transforms.ExtractNewRecordState"
)

// NewPipeline builds the pipeline of one connector configuration.
func NewPipeline(c config.Connector) (*Pipeline, error) {
	var errs []error
	p := &Pipeline{Encoder: &mapping.Encoder{Zone: time.UTC}}
	var err error
	if p.KeyConverter, err = decode.New(c.KeyConverter.Class, c.KeyConverter.Props); err != nil {
		errs = append(errs, fmt.Errorf("key.converter: %w", err))
	}
	if p.ValueConverter, err = decode.New(c.ValueConverter.Class, c.ValueConverter.Props); err != nil {
		errs = append(errs, fmt.Errorf("value.converter: %w", err))
	}
	if p.Router, err = mapping.NewRouter(c.Topic2Table); err != nil {
		errs = append(errs, err)
	}
	opts, err := cdcOptions(c.Transforms)
	if err != nil {
		errs = append(errs, err)
	}
	p.Unwrapper = cdc.New(opts)
	if c.Format == "csv" {
		if c.ValueConverter.Class != decode.ClassString {
			errs = append(errs, fmt.Errorf("sink.properties.format=csv: like the Java connector, starcdc sends CSV values verbatim and needs value.converter=%s; use format json for Debezium envelopes", decode.ClassString))
		}
		p.Passthrough = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// cdcOptions reads the transform chain of the Java connector's documented
// Debezium setup. starcdc unwraps envelopes natively, so the chain is not
// run; its options that change the rows are honoured.
func cdcOptions(ts []config.Transform) (cdc.Options, error) {
	var opts cdc.Options
	var unknown []string
	for _, t := range ts {
		switch t.Type {
		case transformAddOp:
			// Native: every row carries __op.
		case transformExtract:
			for k, v := range t.Props {
				switch k {
				case "delete.handling.mode":
					opts.RewriteDeleted = opts.RewriteDeleted || v == "rewrite"
				case "delete.tombstone.handling.mode":
					opts.RewriteDeleted = opts.RewriteDeleted || strings.HasPrefix(v, "rewrite")
				case "add.fields":
					for _, f := range strings.Split(v, ",") {
						if f = strings.TrimSpace(f); f != "" {
							opts.AddFields = append(opts.AddFields, f)
						}
					}
				case "add.fields.prefix":
					opts.AddFieldsPrefix = v
				}
			}
		default:
			unknown = append(unknown, fmt.Sprintf("transforms.%s.type=%s", t.Name, t.Type))
		}
	}
	if len(unknown) > 0 {
		return opts, fmt.Errorf("unsupported transforms %s: starcdc does not run Kafka Connect transforms; it unwraps Debezium envelopes natively (%s and %s are understood) and routes topics with starrocks.topic2table.map; remove them from the transforms list", strings.Join(unknown, ", "), transformAddOp, transformExtract)
	}
	return opts, nil
}
