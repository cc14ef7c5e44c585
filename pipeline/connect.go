package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/mapping"
	"github.com/starcdc/starcdc/transform"
)

// Mode says, for the start-up log, how records become rows.
func (p *Pipeline) Mode() string {
	if p.Chain == nil {
		return "native Debezium unwrapping: rows carry __op, deletes delete (no transforms configured)"
	}
	return "Kafka Connect transforms " + strings.Join(p.Chain.Classes(), ", ") + ": the record they leave is the row; it deletes only if it carries __op=1"
}

// chainRows is RowsOf with a transform chain: the record is decoded into
// a Kafka Connect record, run through the chain, and what the chain leaves
// is loaded as the StarRocks Kafka connector loads a SinkRecord
// (StarRocksSinkTask.getRecordFromSinkRecord, docs/connector.md §2): the
// table is that of the record's topic after the chain, a null value is
// skipped, and the value's fields are the row's columns. The row is a
// delete only when it carries the __op field StarRocks reads, with 1
// (AddOpFieldForDebeziumRecord adds it); anything else upserts, so that a
// soft delete (ExtractNewRecordState's __deleted) stays a row.
func (p *Pipeline) chainRows(ctx context.Context, in Input, buf []byte, emit Emit) (Outcome, []byte, error) {
	val, err := p.ValueConverter.Decode(ctx, in.Topic, in.Value)
	if err != nil {
		return Outcome{}, buf, decodeErr(StageValueConverter, "value", err)
	}
	var k decode.Record
	if in.Key != nil {
		if k, err = p.KeyConverter.Decode(ctx, in.Topic, in.Key); err != nil {
			return Outcome{}, buf, decodeErr(StageKeyConverter, "key", err)
		}
	}
	rec, err := p.Chain.Apply(&transform.Record{
		Topic: in.Topic, Partition: in.Partition, Offset: in.Offset, Timestamp: in.Timestamp,
		Key: k, Value: val, Headers: in.Headers,
		OriginalTopic: in.Topic, OriginalPartition: in.Partition,
	})
	if err != nil {
		return Outcome{}, buf, atStage(StageTransformation, err)
	}
	if rec == nil {
		return Outcome{Event: cdc.Event{Kind: cdc.KindControl, Reason: "dropped by a transform"}}, buf, nil
	}
	table, err := p.Router.Table(rec.Topic)
	if err != nil {
		return Outcome{}, buf, atStage(StageTaskPut, err)
	}
	out := Outcome{Table: table}
	if rec.Value.Value == nil {
		// The Java connector skips null values, tombstones or not.
		out.Event = cdc.Event{Kind: cdc.KindTombstone, Reason: "null value"}
		return out, buf, nil
	}
	if p.Passthrough {
		s, ok := rec.Value.Value.(string)
		if !ok {
			return out, buf, atStage(StageTaskPut, fmt.Errorf("%w: with sink.properties.format=csv and StringConverter the value after the transforms must be a string, got %T", mapping.ErrValue, rec.Value.Value))
		}
		emit(table, loader.Headers{}, []byte(s))
		out.Rows = 1
		return out, buf, nil
	}
	row, ok := rec.Value.Value.(*decode.Struct)
	if !ok {
		return out, buf, atStage(StageTaskPut, fmt.Errorf("%w: the value after the transforms is %T, not a struct or map: a StarRocks row needs named fields (add a transform such as ExtractNewRecordState or HoistField)", mapping.ErrValue, rec.Value.Value))
	}
	ch, err := p.sinkChange(row)
	if err != nil {
		return out, buf, atStage(StageTaskPut, err)
	}
	if ch.Op == cdc.OpUpsert {
		ch.Unavailable = p.Unwrapper.Unavailable(ch.Row)
	}
	return p.emitRows(ctx, out, rec.Key, cdc.Event{Kind: cdc.KindRows, Changes: []cdc.Change{ch}}, buf, emit)
}

// opField is the operation column StarRocks reads from a JSON row
// (docs/streamload.md §1.3).
const opField = "__op"

// sinkChange turns the value a chain left into a change: an __op field of
// 0 or 1 (a number, or its text) is the operation, taken out of the row
// (the encoder writes it back); without one the row is an upsert. Any
// other __op would be read by StarRocks in a way the Java connector does
// not define (Debezium's add.fields=op gives "c"/"u"/"d"): it is refused,
// naming the way out, rather than guessed.
func (p *Pipeline) sinkChange(row *decode.Struct) (cdc.Change, error) {
	i := -1
	for j, n := range row.Names {
		if n == opField {
			i = j
			break
		}
	}
	if i < 0 {
		return cdc.Change{Op: cdc.OpUpsert, Row: row}, nil
	}
	var text string
	switch v := row.Values[i].(type) {
	case int8, int16, int32, int64, int:
		text = fmt.Sprint(v)
	case string:
		text = strings.TrimSpace(v)
	}
	var op cdc.Op
	switch text {
	case "0":
		op = cdc.OpUpsert
	case "1":
		op = cdc.OpDelete
	default:
		return cdc.Change{}, badOp(row.Values[i])
	}
	out := &decode.Struct{Names: make([]string, 0, len(row.Names)-1), Values: make([]any, 0, len(row.Values)-1)}
	out.Names = append(append(out.Names, row.Names[:i]...), row.Names[i+1:]...)
	out.Values = append(append(out.Values, row.Values[:i]...), row.Values[i+1:]...)
	if row.Schema != nil {
		out.Schema = p.withoutOp(row.Schema)
	}
	return cdc.Change{Op: op, Row: out}, nil
}

// withoutOp returns s without its __op field, one per source schema, so
// that the records of one schema share one row schema (the DDL hook
// compares schemas by pointer).
func (p *Pipeline) withoutOp(s *decode.Schema) *decode.Schema {
	p.oplessMu.Lock()
	defer p.oplessMu.Unlock()
	if v, ok := p.opless[s]; ok {
		return v
	}
	if p.opless == nil || len(p.opless) >= oplessMax {
		// Bounded: a transform that builds a new schema per record must
		// not grow this without end.
		p.opless = map[*decode.Schema]*decode.Schema{}
	}
	cp := *s
	cp.Fields = nil
	for _, f := range s.Fields {
		if f.Name != opField {
			f.Index = len(cp.Fields)
			cp.Fields = append(cp.Fields, f)
		}
	}
	p.opless[s] = &cp
	return &cp
}

// oplessMax bounds the schemas withoutOp remembers.
const oplessMax = 256

func badOp(v any) error {
	return fmt.Errorf("%w: the record's %s field is %#v after the transforms; StarRocks reads %s as 0 (upsert) or 1 (delete). Use com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord for deletes, or give ExtractNewRecordState's add.fields another add.fields.prefix", mapping.ErrValue, opField, v, opField)
}
