package cdc

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/internal/fixtures"
)

func dec(t *testing.T, schemas bool, s string) decode.Record {
	t.Helper()
	r, err := (&decode.JSONConverter{SchemasEnable: schemas}).Decode(context.Background(), "t", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func fixture(t *testing.T, schemas bool, name string) decode.Record {
	t.Helper()
	return dec(t, schemas, fixtures.Text(t, name))
}

func row(ev Event) map[string]any {
	m := map[string]any{}
	r := ev.Changes[0].Row
	for i, n := range r.Names {
		m[n] = r.Values[i]
		if num, ok := r.Values[i].(interface{ String() string }); ok {
			m[n] = num.String()
		}
	}
	return m
}

func TestFixtures(t *testing.T) {
	u := New(Options{})
	for _, tc := range []struct {
		file    string
		schemas bool
		kind    Kind
		op      Op
		id      any
	}{
		{"mysql195_c_noschema.json", false, KindRows, OpUpsert, "1005"},
		{"mysql195_d_noschema.json", false, KindRows, OpDelete, "1006"},
		{"mysql195_d_withschema.json", true, KindRows, OpDelete, int64(1006)},
		{"mysql195_r_snapshot_withschema.json", true, KindRows, OpUpsert, int64(1001)},
		{"mysql195_u_withschema.json", true, KindRows, OpUpsert, int64(1004)},
		{"mysql301_r_snapshot_noschema.json", false, KindRows, OpUpsert, "1004"},
		{"pg121_d_replica_full_noschema.json", false, KindRows, OpDelete, "111"},
		{"pg121_r_snapshot_noschema.json", false, KindRows, OpUpsert, "101"},
		{"pg198_d_arrays_withschema.json", true, KindRows, OpDelete, int64(1)},
		{"mysql254_d_logical_types_withschema.json", true, KindRows, OpDelete, int64(8)},
		{"pg_txn_begin.json", true, KindControl, 0, nil},
		{"pg_txn_end.json", true, KindControl, 0, nil},
		{"mysql242_schema_change_event.json", true, KindControl, 0, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			ev, err := u.Unwrap(decode.Record{}, fixture(t, tc.schemas, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != tc.kind {
				t.Fatalf("kind %v (%s), want %v", ev.Kind, ev.Reason, tc.kind)
			}
			if tc.kind != KindRows {
				return
			}
			if len(ev.Changes) != 1 || ev.Changes[0].Op != tc.op {
				t.Fatalf("changes %+v, want one with op %v", ev.Changes, tc.op)
			}
			if id := row(ev)["id"]; id != tc.id {
				t.Fatalf("id %#v, want %#v", id, tc.id)
			}
		})
	}
}

// PostgreSQL REPLICA IDENTITY DEFAULT: the delete's before image holds only
// the key (docs/debezium.md §1.6), or there is no before at all.
func TestDeleteFallsBackToKey(t *testing.T) {
	u := New(Options{})
	key := dec(t, false, `{"id":7}`)
	ev, err := u.Unwrap(key, dec(t, false, `{"before":null,"after":null,"source":{"connector":"postgresql"},"op":"d"}`))
	if err != nil || ev.Changes[0].Op != OpDelete || row(ev)["id"] != "7" {
		t.Fatalf("%+v %v", ev, err)
	}
	ev, err = u.Unwrap(key, dec(t, false, `{"before":{"id":null,"name":null},"after":null,"source":{},"op":"d"}`))
	if err != nil || row(ev)["id"] != "7" || row(ev)["name"] != nil {
		t.Fatalf("%+v %v", row(ev), err)
	}
	if _, err := u.Unwrap(decode.Record{}, dec(t, false, `{"before":null,"after":null,"source":{},"op":"d"}`)); !errors.Is(err, ErrNotChangeEvent) {
		t.Fatalf("delete with no before and no key: err %v", err)
	}
}

func TestFlattened(t *testing.T) {
	u := New(Options{})
	for in, op := range map[string]Op{
		`{"id":1,"__deleted":"true"}`:  OpDelete,
		`{"id":1,"__deleted":"false"}`: OpUpsert,
		`{"id":1,"__op":"d"}`:          OpDelete,
		`{"id":1,"__op":"u"}`:          OpUpsert,
		`{"id":1,"__op":1}`:            OpDelete,
		`{"id":1}`:                     OpUpsert,
	} {
		ev, err := u.Unwrap(decode.Record{}, dec(t, false, in))
		if err != nil || ev.Changes[0].Op != op {
			t.Errorf("%s: %+v %v, want op %v", in, ev, err, op)
		}
	}
	// delete.tombstone.handling.mode=tombstone: schema with a null payload.
	flat := dec(t, true, `{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"name":"x.Value"},"payload":null}`)
	ev, err := u.Unwrap(dec(t, false, `{"id":3}`), flat)
	if err != nil || ev.Changes[0].Op != OpDelete || row(ev)["id"] != "3" {
		t.Fatalf("flattened delete: %+v %v", ev, err)
	}
}

func TestTombstoneTruncateAndUnknown(t *testing.T) {
	u := New(Options{})
	if ev, _ := u.Unwrap(decode.Record{}, decode.Record{}); ev.Kind != KindTombstone {
		t.Errorf("tombstone: %+v", ev)
	}
	if ev, _ := u.Unwrap(decode.Record{}, dec(t, false, `{"before":null,"after":null,"source":{},"op":"t"}`)); ev.Kind != KindTruncate {
		t.Errorf("truncate: %+v", ev)
	}
	if _, err := u.Unwrap(decode.Record{}, dec(t, false, `{"before":null,"after":{"id":1},"source":{},"op":"x"}`)); !errors.Is(err, ErrNotChangeEvent) {
		t.Errorf("unknown op: %v", err)
	}
	if _, err := u.Unwrap(decode.Record{}, dec(t, false, `[1,2]`)); !errors.Is(err, ErrNotChangeEvent) {
		t.Errorf("array value: %v", err)
	}
}

// PostgreSQL TOAST: an update that did not carry an unchanged large value.
func TestUnavailableValue(t *testing.T) {
	u := New(Options{})
	ev, err := u.Unwrap(decode.Record{}, dec(t, false, `{"before":null,"after":{"id":1,"doc":"__debezium_unavailable_value","n":2},"source":{},"op":"u"}`))
	if err != nil || !reflect.DeepEqual(ev.Changes[0].Unavailable, []string{"doc"}) {
		t.Fatalf("%+v %v", ev, err)
	}
	ev, _ = New(Options{UnavailablePlaceholder: "??"}).Unwrap(decode.Record{}, dec(t, false, `{"before":null,"after":{"id":1,"doc":"??"},"source":{},"op":"u"}`))
	if !reflect.DeepEqual(ev.Changes[0].Unavailable, []string{"doc"}) {
		t.Fatalf("custom placeholder: %+v", ev)
	}
	ev, _ = u.Unwrap(decode.Record{}, dec(t, false, `{"before":{"id":1,"doc":"__debezium_unavailable_value"},"after":null,"source":{},"op":"d"}`))
	if ev.Changes[0].Unavailable != nil {
		t.Fatalf("a delete needs no partial update: %+v", ev)
	}
}
