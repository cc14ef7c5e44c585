package pipeline

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/starcdc/starcdc/decode"
)

// flakyRegistry fails with err its first fails calls, then decodes.
type flakyRegistry struct {
	fails, calls int
	err          error
}

func (f *flakyRegistry) Decode(context.Context, string, []byte) (decode.Record, error) {
	f.calls++
	if f.calls <= f.fails {
		return decode.Record{}, f.err
	}
	return decode.Record{Value: "ok"}, nil
}

func (f *flakyRegistry) DecodeFlat(ctx context.Context, topic string, data []byte, slots []decode.Slot) (*decode.FlatPlan, []decode.Slot, error) {
	if _, err := f.Decode(ctx, topic, data); err != nil {
		return nil, slots, err
	}
	return &decode.FlatPlan{}, slots, nil
}

// TestRegistryOutageRiddenOut: a registry outage shorter than the retry
// time is waited out on both paths; a longer one, and refused
// credentials at once, end with the converter's error.
func TestRegistryOutageRiddenOut(t *testing.T) {
	down := fmt.Errorf("registry down: %w", decode.ErrRegistryUnavailable)
	auth := fmt.Errorf("401: %w (%w)", decode.ErrRegistryAuth, decode.ErrRegistryUnavailable)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		f := &flakyRegistry{fails: 6, err: down}
		var told []error
		c := retryRegistry(&Pipeline{RegistryOutage: func(err error) { told = append(told, err) }}, f, time.Minute)
		start := time.Now()
		if rec, err := c.Decode(ctx, "t", nil); err != nil || rec.Value != "ok" || f.calls != 7 {
			t.Fatalf("Decode: %v %v after %d calls", rec, err, f.calls)
		}
		if d := time.Since(start); d < 5*time.Second || d > time.Minute {
			t.Fatalf("the outage was waited out in %v", d)
		}
		if len(told) != 7 || told[0] == nil || told[6] != nil {
			t.Fatalf("RegistryOutage told %v; want the error at each failed try, then nil", told)
		}
		f.calls = 0
		fc, ok := c.(decode.FlatConverter)
		if !ok {
			t.Fatal("a FlatConverter is no longer one once wrapped")
		}
		if _, _, err := fc.DecodeFlat(ctx, "t", nil, nil); err != nil || f.calls != 7 {
			t.Fatalf("DecodeFlat: %v after %d calls", err, f.calls)
		}

		long := &flakyRegistry{fails: 1 << 30, err: down}
		start = time.Now()
		if _, err := retryRegistry(nil, long, time.Minute).Decode(ctx, "t", nil); !errors.Is(err, decode.ErrRegistryUnavailable) || time.Since(start) > time.Minute {
			t.Fatalf("a long outage: %v after %v", err, time.Since(start))
		}
		refused := &flakyRegistry{fails: 1 << 30, err: auth}
		if _, err := retryRegistry(nil, refused, time.Minute).Decode(ctx, "t", nil); !errors.Is(err, decode.ErrRegistryAuth) || refused.calls != 1 {
			t.Fatalf("refused credentials: %v after %d calls, want one", err, refused.calls)
		}
		malformed := &flakyRegistry{fails: 1 << 30, err: decode.ErrMalformed}
		if _, err := retryRegistry(nil, malformed, time.Minute).Decode(ctx, "t", nil); !errors.Is(err, decode.ErrMalformed) || malformed.calls != 1 {
			t.Fatalf("a malformed record: %v after %d calls, want one", err, malformed.calls)
		}
		if c := retryRegistry(nil, f, 0); c != decode.Converter(f) {
			t.Fatal("retry time 0 still wraps the converter")
		}
	})
}
