package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/starcdc/starcdc/decode"
)

// Registry outages are ridden out: a converter whose schema registry is
// unreachable (decode.ErrRegistryUnavailable, after the registry client's
// own short retries) is asked again with capped exponential backoff for
// up to starrocks.registry.retry.timeout.ms (default 5 min), so that a registry restart neither stops the
// pipeline nor, of course, dead-letters good records. Refused credentials
// (decode.ErrRegistryAuth) are not retried: they need the operator.

// retryRegistry wraps c so that its registry outages are retried for up
// to d (0: not at all), telling p.RegistryOutage; a FlatConverter stays
// one.
func retryRegistry(p *Pipeline, c decode.Converter, d time.Duration) decode.Converter {
	if c == nil || d <= 0 {
		return c
	}
	r := registryRetry{Converter: c, d: d, p: p}
	if f, ok := c.(decode.FlatConverter); ok {
		return registryRetryFlat{registryRetry: r, flat: f}
	}
	return r
}

type registryRetry struct {
	decode.Converter
	d time.Duration
	p *Pipeline
}

// Decode implements decode.Converter.
func (r registryRetry) Decode(ctx context.Context, topic string, data []byte) (decode.Record, error) {
	var rec decode.Record
	err := r.retry(ctx, func() (err error) {
		rec, err = r.Converter.Decode(ctx, topic, data)
		return err
	})
	return rec, err
}

// FrameSchemaID implements decode.SchemaIDFramer for the wrapped converter.
func (r registryRetry) FrameSchemaID(dst []byte, header string, id, payload []byte) ([]byte, bool, error) {
	return decode.FrameSchemaID(r.Converter, dst, header, id, payload)
}

// retry runs f until it succeeds, fails otherwise than with a registry
// outage, d has passed since the first outage, or ctx ends.
func (r registryRetry) retry(ctx context.Context, f func() error) error {
	var since time.Time
	for wait := 200 * time.Millisecond; ; wait = min(2*wait, 10*time.Second) {
		err := f()
		if err == nil || !errors.Is(err, decode.ErrRegistryUnavailable) || errors.Is(err, decode.ErrRegistryAuth) {
			if !since.IsZero() {
				r.p.registryOutage(nil)
			}
			return err
		}
		if since.IsZero() {
			since = time.Now()
		}
		r.p.registryOutage(err)
		if time.Since(since)+wait > r.d {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

type registryRetryFlat struct {
	registryRetry
	flat decode.FlatConverter
}

// DecodeFlat implements decode.FlatConverter.
func (r registryRetryFlat) DecodeFlat(ctx context.Context, topic string, data []byte, slots []decode.Slot) (*decode.FlatPlan, []decode.Slot, error) {
	var plan *decode.FlatPlan
	err := r.retry(ctx, func() (err error) {
		plan, slots, err = r.flat.DecodeFlat(ctx, topic, data, slots)
		return err
	})
	return plan, slots, err
}

// registryOutage tells p.RegistryOutage, if set.
func (p *Pipeline) registryOutage(err error) {
	if p != nil && p.RegistryOutage != nil {
		p.RegistryOutage(err)
	}
}
