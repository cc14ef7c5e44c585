package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/mapping"
	"github.com/starcdc/starcdc/transform"
)

// Pipeline turns one raw Kafka record into Stream Load rows per table:
// decode → cdc → mapping. The replicator runs it for every fetched record;
// `starcdc decode` runs it for one record from files.
type Pipeline struct {
	KeyConverter, ValueConverter decode.Converter
	Unwrapper                    *cdc.Unwrapper
	Router                       *mapping.Router
	// Encoder renders the change rows: JSON objects (mapping.Encoder) or,
	// with sink.properties.format=csv, CSV lines (mapping.CSV).
	Encoder mapping.RowEncoder
	// Passthrough sends the value text itself as the row (CSV with
	// StringConverter, as the Java connector does); Encoder is not used.
	Passthrough bool
	// Schemas, when set, runs before the rows of a record are emitted
	// (table auto-creation and schema evolution).
	Schemas SchemaHook
	// Targets, when set, types the values without a logical type by their
	// StarRocks columns, for an Encoder that is Typed (JSON). Rows waits
	// for them: a record is never encoded without the types of its table.
	// A map it has returned must not change: the compiled hot path keeps
	// its row writers per map (new types come as a new map).
	Targets TargetTypesSource
	// Chain, when set, runs the connector's Kafka Connect transforms on
	// each record instead of unwrapping Debezium envelopes natively: the
	// record after the chain is the row, as the Java connector loads it,
	// and it is a delete only if it carries __op=1.
	Chain *transform.Chain
	// RegistryOutage, when set, is told when a record starts waiting for
	// an unreachable schema registry (the error) and when the wait ends
	// (nil); see retry.go.
	RegistryOutage func(error)
	// Generic turns the compiled hot path off: every record is decoded
	// into a value tree (tests and benchmarks compare both paths).
	// Without it, a record whose value converter reads it flat
	// (decode.FlatConverter) takes the hot path when it can (see fast.go).
	Generic bool

	fast     fastCache
	oplessMu sync.Mutex
	opless   map[*decode.Schema]*decode.Schema // a schema → the same without __op (chainRows)
}

// Outcome says what one record yielded.
type Outcome struct {
	Table string
	Rows  int
	// Event is what the record meant. Its Changes are set only when the
	// record was unwrapped from a value tree: the compiled hot path leaves
	// them nil (Rows counts the rows).
	Event cdc.Event
}

// Emit receives one Stream Load row of table with the load headers it
// needs: zero for a plain JSON row; Columns for a CSV line; Columns and
// PartialUpdate for a row whose Unavailable columns must keep their stored
// values. row is valid until the next call.
type Emit func(table string, h loader.Headers, row []byte)

// Input is one Kafka record as the pipeline reads it.
type Input struct {
	Topic      string
	Partition  int32
	Offset     int64
	Timestamp  int64 // milliseconds since the epoch; -1 when unknown
	Key, Value []byte
	Headers    []transform.Header
	// KeySchemaID and ValueSchemaID are the values of the record's last
	// decode.KeySchemaIDHeader and decode.ValueSchemaIDHeader headers (nil
	// when absent or null): Confluent Platform 8 serializers can put the
	// schema ID there instead of the payload prefix. The replicator sets
	// them whether or not Headers is set (see SetSchemaIDHeader).
	KeySchemaID, ValueSchemaID []byte
	// keyIDHeader and valueIDHeader name the headers KeySchemaID and
	// ValueSchemaID came from (empty: Confluent's).
	keyIDHeader, valueIDHeader string
}

// SetSchemaIDHeader records a record header in in when it carries the
// schema ID of the record's key or value (decode.SchemaIDHeaderSide); call
// it for each header in order, so that the last one wins (Kafka's
// Headers.lastHeader), except that an Apicurio header is never overridden:
// a record that has one is refused, not read with another ID.
func (in *Input) SetSchemaIDHeader(key string, value []byte) {
	isKey, ok := decode.SchemaIDHeaderSide(key)
	if !ok {
		return
	}
	name, id := &in.valueIDHeader, &in.ValueSchemaID
	if isKey {
		name, id = &in.keyIDHeader, &in.KeySchemaID
	}
	if *name != "" && *name != decode.KeySchemaIDHeader && *name != decode.ValueSchemaIDHeader {
		return
	}
	*name, *id = key, value
}

// headerName is the schema ID header name h, or def when h is empty.
func headerName(h, def string) string {
	if h == "" {
		return def
	}
	return h
}

// FrameSchemaIDs gives the key and value whose schema ID travels in a
// header the bytes their converters read (decode.FrameSchemaID: the
// header's ID, then the payload), as Confluent's DualSchemaIdDeserializer
// reads a header first and the prefix otherwise. A null key or value stays
// null; an unreadable header is the converter's error (StageError). Each
// framed payload is a new slice (one allocation, and none for a converter
// that reads no header): the decoded record may alias it.
func (p *Pipeline) FrameSchemaIDs(in Input) (Input, error) {
	if in.ValueSchemaID != nil && in.Value != nil {
		b, ok, err := decode.FrameSchemaID(p.ValueConverter, nil, headerName(in.valueIDHeader, decode.ValueSchemaIDHeader), in.ValueSchemaID, in.Value)
		if err != nil {
			return in, decodeErr(StageValueConverter, "value", err)
		}
		if ok {
			in.Value = b
		}
	}
	// The key is framed only when it is decoded: without transforms, a
	// tombstone's key and a passthrough record's key are not.
	if in.KeySchemaID != nil && in.Key != nil && (p.Chain != nil || in.Value != nil && !p.Passthrough) {
		b, ok, err := decode.FrameSchemaID(p.KeyConverter, nil, headerName(in.keyIDHeader, decode.KeySchemaIDHeader), in.KeySchemaID, in.Key)
		if err != nil {
			return in, decodeErr(StageKeyConverter, "key", err)
		}
		if ok {
			in.Key = b
		}
	}
	in.KeySchemaID, in.ValueSchemaID, in.keyIDHeader, in.valueIDHeader = nil, nil, "", ""
	return in, nil
}

// Rows is RowsOf for a record known only by its topic, key and value (as
// `starcdc decode` reads one from files).
func (p *Pipeline) Rows(ctx context.Context, topic string, key, value []byte, buf []byte, emit Emit) (Outcome, []byte, error) {
	return p.RowsOf(ctx, Input{Topic: topic, Key: key, Value: value, Timestamp: -1}, buf, emit)
}

// RowsOf decodes one record and appends each row it yields to buf, calling
// emit for each. A record yields all its rows or, on error, none. With
// Targets, it may wait (honouring ctx) until the table's column types are
// read. With a transform Chain the record is a Kafka Connect record run
// through it; otherwise its Debezium envelope is unwrapped natively.
func (p *Pipeline) RowsOf(ctx context.Context, in Input, buf []byte, emit Emit) (Outcome, []byte, error) {
	if in.KeySchemaID != nil || in.ValueSchemaID != nil {
		var err error
		if in, err = p.FrameSchemaIDs(in); err != nil {
			return Outcome{}, buf, err
		}
	}
	if p.Chain != nil {
		return p.chainRows(ctx, in, buf, emit)
	}
	topic, key, value := in.Topic, in.Key, in.Value
	table, err := p.Router.Table(topic)
	if err != nil {
		return Outcome{}, buf, Stop(err)
	}
	out := Outcome{Table: table}
	if p.Passthrough {
		if value == nil {
			out.Event = cdc.Event{Kind: cdc.KindTombstone, Reason: "tombstone"}
			return out, buf, nil
		}
		emit(table, loader.Headers{}, value)
		out.Rows = 1
		return out, buf, nil
	}
	if fc, ok := p.ValueConverter.(decode.FlatConverter); ok && !p.Generic {
		if out, buf, done, err := p.fastRows(ctx, fc, out, in, buf, emit); done {
			return out, buf, err
		}
	}
	val, err := p.ValueConverter.Decode(ctx, topic, value)
	if err != nil {
		return out, buf, decodeErr(StageValueConverter, "value", err)
	}
	if val.Value == nil && val.Schema == nil {
		// A tombstone: nothing to do, whatever its key holds.
		out.Event = cdc.Event{Kind: cdc.KindTombstone, Reason: "tombstone"}
		return out, buf, nil
	}
	var k decode.Record
	if key != nil {
		if k, err = p.KeyConverter.Decode(ctx, topic, key); err != nil {
			return out, buf, decodeErr(StageKeyConverter, "key", err)
		}
	}
	ev, err := p.Unwrapper.Unwrap(k, val)
	if err != nil {
		return out, buf, atStage(StageTaskPut, err)
	}
	return p.emitRows(ctx, out, k, ev, buf, emit)
}

// emitRows ensures the table, encodes the changes of ev and emits them.
func (p *Pipeline) emitRows(ctx context.Context, out Outcome, k decode.Record, ev cdc.Event, buf []byte, emit Emit) (Outcome, []byte, error) {
	table := out.Table
	var err error
	out.Event = ev
	if ev.Kind != cdc.KindRows {
		return out, buf, nil
	}
	if p.Schemas != nil {
		for _, ch := range ev.Changes {
			if err := p.Schemas.Ensure(ctx, table, k, ch); err != nil {
				return out, buf, atStage(StageTaskPut, err)
			}
		}
	}
	// The column types are asked after Schemas, which creates a missing
	// table (starrocks.auto.create.tables). Types waits until they are
	// read; the replicator fetches nothing meanwhile. A wait ended by ctx
	// stops the pipeline: the record is neither loaded untyped nor
	// dead-lettered, and its offset is not committed.
	types, err := p.tableTypes(ctx, table)
	if err != nil {
		return out, buf, err
	}
	buf = buf[:0]
	ends := make([]int, 0, len(ev.Changes))
	hs := make([]loader.Headers, 0, len(ev.Changes))
	for _, ch := range ev.Changes {
		var h loader.Headers
		if buf, h.Columns, err = p.Encoder.EncodeRow(buf, ch, types); err != nil {
			return out, buf, atStage(StageTaskPut, err)
		}
		h.PartialUpdate = len(ch.Unavailable) > 0 && ch.Op == cdc.OpUpsert
		ends = append(ends, len(buf))
		hs = append(hs, h)
	}
	start := 0
	for i, end := range ends {
		emit(table, hs[i], buf[start:end])
		start = end
	}
	out.Rows = len(ends)
	return out, buf, nil
}

// tableTypes returns the column types of table from Targets, for an
// Encoder that is Typed; nil without them.
func (p *Pipeline) tableTypes(ctx context.Context, table string) (mapping.TargetTypes, error) {
	if p.Targets == nil || !p.Encoder.Typed() {
		return nil, nil
	}
	types, err := p.Targets.Types(ctx, table)
	if err != nil {
		return nil, Stop(fmt.Errorf("%w (the record was not loaded; it is read again after a restart)", err))
	}
	return types, nil
}

// decodeErr says which part failed, and tags the error with its converter's
// stage; an unreachable registry stops the pipeline instead of
// dead-lettering records that are fine.
func decodeErr(stage Stage, part string, err error) error {
	err = fmt.Errorf("decoding the %s: %w", part, err)
	if errors.Is(err, decode.ErrRegistryUnavailable) {
		return Stop(fmt.Errorf("%w (the schema registry is unreachable or refuses the credentials; the record is retried after a restart)", err))
	}
	return &StageError{Stage: stage, Err: err}
}

// NewPipeline builds the pipeline of one connector configuration. Its
// converters take their schema-registry clients from regs, so that
// converters of one registry share a schema cache; nil means a fresh set.
func NewPipeline(c config.Connector, regs *decode.Registries) (*Pipeline, error) {
	if regs == nil {
		regs = decode.NewRegistries()
	}
	var errs []error
	zone := c.Mapping.Timezone
	if zone == nil {
		zone = time.UTC
	}
	enc := &mapping.Encoder{Zone: zone, Varbinary: c.Mapping.Varbinary}
	if c.Mapping.Geometry == config.GeometryWKBHex {
		enc.Geometry = mapping.GeometryWKBHex
	}
	p := &Pipeline{Encoder: enc}
	var err error
	if p.KeyConverter, err = regs.New(c.KeyConverter.Class, c.KeyConverter.Props); err != nil {
		errs = append(errs, fmt.Errorf("key.converter: %w", err))
	}
	if p.ValueConverter, err = regs.New(c.ValueConverter.Class, c.ValueConverter.Props); err != nil {
		errs = append(errs, fmt.Errorf("value.converter: %w", err))
	}
	p.KeyConverter = retryRegistry(p, p.KeyConverter, c.Load.RegistryRetryFor)
	p.ValueConverter = retryRegistry(p, p.ValueConverter, c.Load.RegistryRetryFor)
	if len(c.Transforms) > 0 {
		// Kafka Connect mode: the transforms run as a Connect worker runs
		// them, and the record they leave is the row.
		if p.Chain, err = transform.NewChain(c.Transforms, c.Predicates); err != nil {
			errs = append(errs, err)
		}
	}
	var renames []mapping.Rename
	if r := c.Mapping.Rename; r != nil {
		renames = append(renames, mapping.Rename{Regex: r.Regex, Replacement: r.Replacement})
	}
	if p.Router, err = mapping.NewRouter(c.Topic2Table, renames...); err != nil {
		errs = append(errs, err)
	} else {
		// Refuse at start-up the configured topics whose table name
		// StarRocks would refuse (topics.regex ones are checked as they
		// come, and so are topics a transform may rename).
		for _, t := range c.Topics {
			if p.Chain != nil {
				break
			}
			if _, err := p.Router.Table(t); err != nil {
				errs = append(errs, err)
			}
		}
	}
	p.Unwrapper = cdc.New(cdc.Options{})
	if c.Format == "csv" {
		if c.ValueConverter.Class == decode.ClassString {
			p.Passthrough = true // the Java connector's CSV: values sent verbatim
		} else {
			p.Encoder = &mapping.CSV{Encoder: enc, Separator: c.Load.ColumnSeparator, Delimiter: c.Load.RowDelimiter}
		}
	}
	if len(errs) > 0 {
		// Every error here is the configuration's: a converter, a
		// transform or a topic the settings cannot handle.
		return nil, config.Invalid(errors.Join(errs...))
	}
	return p, nil
}
