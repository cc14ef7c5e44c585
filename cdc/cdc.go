package cdc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/starcdc/starcdc/decode"
)

// Op is the StarRocks load operation of a change row.
type Op uint8

// The operations, with the values StarRocks' __op column takes.
const (
	OpUpsert Op = 0
	OpDelete Op = 1
)

// Kind says what a record was.
type Kind uint8

// The kinds of record. What a truncate does is the caller's policy (the
// replicator's starrocks.truncate.policy), not cdc's.
const (
	KindRows      Kind = iota // one or more change rows
	KindTombstone             // Kafka null value after a delete: nothing to do
	KindTruncate              // Debezium op "t"
	KindControl               // heartbeat, schema change, transaction metadata, PG message
)

// Change is one row to upsert or delete. Row holds the columns, in source
// order; for deletes it holds at least the primary-key columns.
type Change struct {
	Op  Op
	Row *decode.Struct
	// Unavailable names the columns of an upsert whose value Debezium did
	// not send (PostgreSQL TOAST: __debezium_unavailable_value). They must
	// keep their stored value: the row is a partial update without them.
	Unavailable []string
}

// Event is what one Kafka record means.
type Event struct {
	Kind    Kind
	Changes []Change
	// Reason says, for records that yield no row, why (for logs and metrics).
	Reason string
}

// ErrNotChangeEvent means a record is neither a Debezium change event nor a
// flattened row nor a known control record.
var ErrNotChangeEvent = errors.New("not a change event")

// Options configure an Unwrapper.
type Options struct {
	// UnavailablePlaceholder is Debezium's unavailable.value.placeholder,
	// default "__debezium_unavailable_value".
	UnavailablePlaceholder string
}

// defaultUnavailablePlaceholder is Debezium's default placeholder for
// values it could not read (docs/debezium.md §1.6).
const defaultUnavailablePlaceholder = "__debezium_unavailable_value"

// Unwrapper turns decoded records into Events. It is safe for concurrent
// use.
type Unwrapper struct {
	opts Options
}

// New returns an Unwrapper.
func New(opts Options) *Unwrapper {
	if opts.UnavailablePlaceholder == "" {
		opts.UnavailablePlaceholder = defaultUnavailablePlaceholder
	}
	return &Unwrapper{opts: opts}
}

// Unwrap interprets one record. key may be a null Record.
func (u *Unwrapper) Unwrap(key, value decode.Record) (Event, error) {
	if value.Value == nil {
		if value.Schema == nil {
			return Event{Kind: KindTombstone, Reason: "tombstone"}, nil
		}
		// A schema with a null payload: ExtractNewRecordState's flattened
		// delete (delete.tombstone.handling.mode=tombstone). The key names
		// the row.
		ks, ok := key.Value.(*decode.Struct)
		if !ok {
			return Event{}, fmt.Errorf("%w: a flattened delete (schema with null payload) needs a struct key to identify the row, got %T", ErrNotChangeEvent, key.Value)
		}
		return Event{Kind: KindRows, Changes: []Change{{Op: OpDelete, Row: ks}}}, nil
	}
	v, ok := value.Value.(*decode.Struct)
	if !ok {
		return Event{}, fmt.Errorf("%w: the value is %s, not a struct or JSON object", ErrNotChangeEvent, kindOf(value.Value))
	}
	if s := value.Schema; s != nil && s.Name != "" {
		switch {
		case s.IsEnvelope():
			return u.envelope(key, v)
		case isControlName(s.Name):
			return Event{Kind: KindControl, Reason: "control record " + s.Name}, nil
		}
	}
	if isEnvelopeShape(v) {
		return u.envelope(key, v)
	}
	if reason := controlShape(v); reason != "" {
		return Event{Kind: KindControl, Reason: reason}, nil
	}
	return u.flattened(v)
}

func (u *Unwrapper) envelope(key decode.Record, v *decode.Struct) (Event, error) {
	opv, _ := v.Get("op")
	op, _ := opv.(string)
	switch op {
	case "c", "r", "u":
		after, _ := v.Get("after")
		row, ok := after.(*decode.Struct)
		if !ok {
			return Event{}, fmt.Errorf("%w: Debezium %q event has no \"after\" row", ErrNotChangeEvent, op)
		}
		return Event{Kind: KindRows, Changes: []Change{{Op: OpUpsert, Row: row, Unavailable: u.Unavailable(row)}}}, nil
	case "d":
		before, _ := v.Get("before")
		row, _ := before.(*decode.Struct)
		row = withKey(row, key)
		if row == nil {
			return Event{}, fmt.Errorf("%w: Debezium delete has neither a \"before\" image nor a struct key; the row to delete is unknown", ErrNotChangeEvent)
		}
		return Event{Kind: KindRows, Changes: []Change{{Op: OpDelete, Row: row}}}, nil
	case "t":
		return Event{Kind: KindTruncate, Reason: "truncate"}, nil
	case "m":
		return Event{Kind: KindControl, Reason: "logical decoding message"}, nil
	}
	return Event{}, fmt.Errorf("%w: unknown Debezium op %q", ErrNotChangeEvent, opv)
}

// Unavailable lists the columns of row holding Debezium's placeholder for a
// value it did not send (PostgreSQL TOAST), as text or as its bytes in a
// bytes column.
func (u *Unwrapper) Unavailable(row *decode.Struct) []string {
	var cols []string
	for i, v := range row.Values {
		switch t := v.(type) {
		case string:
			if t == u.opts.UnavailablePlaceholder {
				cols = append(cols, row.Names[i])
			}
		case []byte:
			if string(t) == u.opts.UnavailablePlaceholder {
				cols = append(cols, row.Names[i])
			}
		}
	}
	return cols
}

// withKey returns the before image with the key's fields filled in where the
// image lacks them or has them null (PostgreSQL REPLICA IDENTITY DEFAULT
// sends only the key in "before"; some configurations send no "before").
func withKey(row *decode.Struct, key decode.Record) *decode.Struct {
	ks, ok := key.Value.(*decode.Struct)
	if !ok || len(ks.Names) == 0 {
		return row
	}
	if row == nil {
		return ks
	}
	var out *decode.Struct
	for i, name := range ks.Names {
		cur, found := row.Get(name)
		if found && cur != nil {
			continue
		}
		if out == nil {
			out = &decode.Struct{Schema: row.Schema, Names: append([]string(nil), row.Names...), Values: append([]any(nil), row.Values...)}
		}
		if found {
			for j, n := range out.Names {
				if n == name {
					out.Values[j] = ks.Values[i]
				}
			}
		} else {
			out.Names = append(out.Names, name)
			out.Values = append(out.Values, ks.Values[i])
		}
	}
	if out == nil {
		return row
	}
	return out
}

// flattened handles a row already unwrapped upstream by ExtractNewRecordState
// (or by StarRocks' AddOpFieldForDebeziumRecord + unwrap chain).
func (u *Unwrapper) flattened(v *decode.Struct) (Event, error) {
	op := OpUpsert
	if d, ok := v.Get("__deleted"); ok {
		if s, _ := d.(string); s == "true" {
			op = OpDelete
		} else if b, _ := d.(bool); b {
			op = OpDelete
		}
	}
	if o, ok := v.Get("__op"); ok {
		switch t := o.(type) {
		case string:
			if t == "d" {
				op = OpDelete
			}
		case int64:
			if t == 1 {
				op = OpDelete
			}
		default:
			if fmt.Sprint(t) == "1" {
				op = OpDelete
			}
		}
	}
	return Event{Kind: KindRows, Changes: []Change{{Op: op, Row: v}}}, nil
}

// maxCachedSchemas bounds the rewritten-schema cache.
const maxCachedSchemas = 4096

func isEnvelopeShape(v *decode.Struct) bool {
	op, ok := v.Get("op")
	if !ok {
		return false
	}
	if _, ok := op.(string); !ok {
		return false
	}
	_, hasSource := v.Get("source")
	_, hasAfter := v.Get("after")
	_, hasBefore := v.Get("before")
	return hasSource && (hasAfter || hasBefore)
}

func isControlName(name string) bool {
	for _, suffix := range []string{".Heartbeat", ".SchemaChangeValue", ".TransactionMetadataValue", ".Notification", ".SchemaChangeKey"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// controlShape recognises schemaless control records by their fields.
func controlShape(v *decode.Struct) string {
	has := func(n string) bool { _, ok := v.Get(n); return ok }
	switch {
	case has("status") && has("id") && (has("event_count") || has("data_collections")):
		return "transaction metadata"
	case has("ddl") && has("tableChanges"):
		return "schema change"
	case len(v.Names) == 1 && has("ts_ms"):
		return "heartbeat"
	}
	return ""
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case []any:
		return "an array"
	case nil:
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}
