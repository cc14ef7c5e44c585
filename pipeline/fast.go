package pipeline

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/starcdc/starcdc/cdc"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/mapping"
)

// The compiled hot path: RowsOf reads a record flat (decode.FlatConverter)
// into reused slots, finds the one change of its Debezium envelope there
// (cdc.Unwrapper.FlatChange) and appends the row with a writer compiled
// once per row schema and table types (mapping.FlatRow), without building
// a value tree. It covers the records whose result it knows to be the
// generic path's, byte for byte: an envelope (by its schema's name) whose
// op is c, r or u with an after image holding no unavailable-value
// placeholder, or d with a before image that holds every field of a
// struct key; columns the writer compiles; values it renders without an
// error. Every other record, and every record that anything on the way
// answers decode.ErrNotFlat for, is decoded again from its bytes by the
// generic path, which has emitted nothing yet: tombstones, truncates,
// control records, flattened rows (no envelope), partial updates, deletes
// completed from the key, schemas the converter does not flatten (arrays,
// maps) or the writer does not compile, values the encoder refuses (the
// generic path words the error), and every record when the Schemas hook
// does not implement SchemaEnsurer.

// SchemaEnsurer is a SchemaHook that can also be run with the schemas a
// change has instead of the change itself, as the compiled hot path knows
// them: keySchema is the key record's schema (nil without a key), row the
// schema of the row's struct, op the change's operation. It must do
// exactly what Ensure does for a change of that row schema and op.
// TableSync implements it.
type SchemaEnsurer interface {
	SchemaHook
	EnsureSchemas(ctx context.Context, table string, keySchema, row *decode.Schema, op cdc.Op) error
}

var _ SchemaEnsurer = (*TableSync)(nil)

// fastCache is a Pipeline's state for the compiled hot path: reusable
// slots for the concurrent callers of RowsOf, and the compiled programs,
// per plan.
type fastCache struct {
	states sync.Pool // *fastState
	plans  sync.Map  // *decode.FlatPlan → *planProgram
	nplans atomic.Int64
}

// maxFastPlans and maxFastWriters bound the compiled programs: beyond
// them a cache is emptied and refilled by the records that follow.
const (
	maxFastPlans   = 1024
	maxFastWriters = 64
)

// fastState is what one RowsOf call reads into, and the program and
// writers of the last record read into it (records of one table tend to
// come in runs: no cache lookup for them).
type fastState struct {
	val, key []decode.Slot
	plan     *decode.FlatPlan
	prog     *planProgram
	types    uintptr
	writers  *rowWriters
}

// planProgram is what the hot path knows of one value plan: its envelope
// layout (ok false: the records are not envelopes) and its row writers,
// per table types.
type planProgram struct {
	env      cdc.FlatEnvelope
	ok       bool
	writers  sync.Map // uintptr (the TargetTypes map, 0 for none) → *rowWriters
	nwriters atomic.Int64
}

// rowWriters are the compiled writers of an envelope's after and before
// images for one table types map; nil when a row is not compilable.
type rowWriters struct {
	types          mapping.TargetTypes // held, so that no other map takes its address while it is a key
	upsert, delete *mapping.FlatRow
}

// program returns the program of plan, made on first use.
func (c *fastCache) program(plan *decode.FlatPlan) *planProgram {
	if v, ok := c.plans.Load(plan); ok {
		return v.(*planProgram)
	}
	pp := &planProgram{}
	pp.env, pp.ok = cdc.NewFlatEnvelope(plan)
	if c.nplans.Add(1) > maxFastPlans {
		c.plans.Clear()
		c.nplans.Store(1)
	}
	v, _ := c.plans.LoadOrStore(plan, pp)
	return v.(*planProgram)
}

// writersFor returns the row writers of the envelope for enc and types,
// compiled on first use; a row that does not compile has a nil writer.
func (pp *planProgram) writersFor(enc mapping.RowEncoder, types mapping.TargetTypes) *rowWriters {
	id := typesID(types)
	if v, ok := pp.writers.Load(id); ok {
		return v.(*rowWriters)
	}
	rw := &rowWriters{types: types}
	plan := pp.env.Plan()
	if i := pp.env.After(); i >= 0 {
		rw.upsert, _ = mapping.CompileFlat(enc, plan, i, types)
	}
	if i := pp.env.Before(); i >= 0 {
		rw.delete, _ = mapping.CompileFlat(enc, plan, i, types)
	}
	if pp.nwriters.Add(1) > maxFastWriters {
		pp.writers.Clear()
		pp.nwriters.Store(1)
	}
	v, _ := pp.writers.LoadOrStore(id, rw)
	return v.(*rowWriters)
}

// typesID is the identity of a types map: its address (0 for nil).
func typesID(types mapping.TargetTypes) uintptr { return reflect.ValueOf(types).Pointer() }

// fastRows tries the compiled hot path for one record (out has its table).
// done is false when the record needs the generic path; nothing was
// emitted then. The Schemas hook and the Targets may have been asked
// already: both are idempotent, and the generic path asks them again.
func (p *Pipeline) fastRows(ctx context.Context, fc decode.FlatConverter, out Outcome, in Input, buf []byte, emit Emit) (_ Outcome, _ []byte, done bool, _ error) {
	var ensurer SchemaEnsurer
	if p.Schemas != nil {
		var ok bool
		if ensurer, ok = p.Schemas.(SchemaEnsurer); !ok {
			return out, buf, false, nil
		}
	}
	var st *fastState
	if v := p.fast.states.Get(); v != nil {
		st = v.(*fastState)
	} else {
		st = &fastState{}
	}
	defer p.fast.states.Put(st)

	plan, slots, err := fc.DecodeFlat(ctx, in.Topic, in.Value, st.val)
	if err != nil {
		if errors.Is(err, decode.ErrNotFlat) {
			return out, buf, false, nil
		}
		return out, buf, true, decodeErr(StageValueConverter, "value", err)
	}
	st.val = slots
	if st.plan != plan {
		st.plan, st.prog, st.writers = plan, p.fast.program(plan), nil
	}
	pp := st.prog
	if !pp.ok {
		return out, buf, false, nil
	}
	var key cdc.FlatKey
	if in.Key != nil {
		if kc, ok := p.KeyConverter.(decode.FlatConverter); ok {
			kplan, kslots, err := kc.DecodeFlat(ctx, in.Topic, in.Key, st.key)
			switch {
			case err == nil:
				st.key = kslots
				key = cdc.FlatKey{Record: decode.Record{Schema: kplan.Schema}, Plan: kplan, Slots: kslots}
			case !errors.Is(err, decode.ErrNotFlat):
				return out, buf, true, decodeErr(StageKeyConverter, "key", err)
			}
		}
		if key.Plan == nil {
			if key.Record, err = p.KeyConverter.Decode(ctx, in.Topic, in.Key); err != nil {
				return out, buf, true, decodeErr(StageKeyConverter, "key", err)
			}
		}
	}
	op, row, ok := p.Unwrapper.FlatChange(pp.env, slots, key)
	if !ok {
		return out, buf, false, nil
	}
	table := out.Table
	if ensurer != nil {
		if err := ensurer.EnsureSchemas(ctx, table, key.Record.Schema, plan.Slots[row].Schema, op); err != nil {
			return out, buf, true, atStage(StageTaskPut, err)
		}
	}
	types, err := p.tableTypes(ctx, table)
	if err != nil {
		return out, buf, true, err
	}
	if id := typesID(types); st.writers == nil || st.types != id {
		st.types, st.writers = id, pp.writersFor(p.Encoder, types)
	}
	rw := st.writers
	w := rw.upsert
	if op == cdc.OpDelete {
		w = rw.delete
	}
	if w == nil {
		return out, buf, false, nil
	}
	if buf, err = w.Append(buf[:0], slots, op); err != nil {
		return out, buf, false, nil
	}
	emit(table, loader.Headers{Columns: w.Columns()}, buf)
	out.Rows = 1
	out.Event = cdc.Event{Kind: cdc.KindRows}
	return out, buf, true, nil
}
