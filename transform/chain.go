package transform

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/starcdc/starcdc/config"
)

// Transformation is one configured transform (Connect's
// Transformation.apply). Apply returns the record to pass on, or nil to
// drop it; it may change rec in place and return it.
type Transformation interface {
	Apply(rec *Record) (*Record, error)
}

// Predicate is one configured predicate (Connect's Predicate.test).
type Predicate interface {
	Test(rec *Record) bool
}

// TransformFactory configures a transform from its options (the
// transforms.<alias>.* keys without the prefix, type, predicate and
// negate). Errors should wrap config.ErrInvalid and name the option.
type TransformFactory func(props map[string]string) (Transformation, error)

// PredicateFactory configures a predicate from its options.
type PredicateFactory func(props map[string]string) (Predicate, error)

// ErrUnsupported is wrapped by NewChain's error for a transform or
// predicate class starcdc does not implement.
var ErrUnsupported = errors.New("unsupported transform or predicate class")

// Chain is the configured transforms of a connector, in order.
type Chain struct {
	stages []stage
}

type stage struct {
	alias, class string
	t            Transformation
	p            Predicate
	negate       bool
}

// NewChain builds the chain of ts, with the predicates ps they name. It
// reports every problem at once: unknown classes (naming the supported
// ones) and bad options.
func NewChain(ts []config.Transform, ps map[string]config.Predicate) (*Chain, error) {
	return buildChain(ts, ps, transforms(), predicates())
}

func buildChain(ts []config.Transform, ps map[string]config.Predicate, tf map[string]TransformFactory, pf map[string]PredicateFactory) (*Chain, error) {
	var errs []error
	preds := map[string]Predicate{}
	for _, name := range slices.Sorted(maps.Keys(ps)) {
		p := ps[name]
		f, ok := pf[p.Type]
		if !ok {
			errs = append(errs, fmt.Errorf("%w: predicates.%s.type=%s; starcdc supports %s", ErrUnsupported, name, p.Type, strings.Join(slices.Sorted(maps.Keys(pf)), ", ")))
			continue
		}
		pr, err := f(p.Props)
		if err != nil {
			errs = append(errs, fmt.Errorf("predicates.%s (%s): %w", name, p.Type, err))
			continue
		}
		preds[name] = pr
	}
	c := &Chain{}
	for _, t := range ts {
		f, ok := tf[t.Type]
		if !ok {
			_, key := tf[t.Type+"$Key"]
			_, value := tf[t.Type+"$Value"]
			if key || value {
				// ConnectorConfig's message for an abstract transform class.
				errs = append(errs, fmt.Errorf("transforms.%s.type=%s: the class is abstract and cannot be created. Did you mean %s$Key or %s$Value?", t.Name, t.Type, t.Type, t.Type))
				continue
			}
			errs = append(errs, fmt.Errorf("%w: transforms.%s.type=%s; starcdc supports %s", ErrUnsupported, t.Name, t.Type, strings.Join(slices.Sorted(maps.Keys(tf)), ", ")))
			continue
		}
		tr, err := f(t.Props)
		if err != nil {
			errs = append(errs, fmt.Errorf("transforms.%s (%s): %w", t.Name, t.Type, err))
			continue
		}
		s := stage{alias: t.Name, class: t.Type, t: tr, negate: t.Negate}
		if t.Predicate != "" {
			// Each stage gets its own predicate instance in Connect; ours
			// hold no state, so one per predicate name serves all.
			s.p = preds[t.Predicate]
		}
		c.stages = append(c.stages, s)
	}
	if len(errs) > 0 {
		return nil, config.Invalid(errors.Join(errs...))
	}
	return c, nil
}

// Len returns the number of stages.
func (c *Chain) Len() int { return len(c.stages) }

// Classes returns the transform classes in order.
func (c *Chain) Classes() []string {
	out := make([]string, len(c.stages))
	for i, s := range c.stages {
		out[i] = s.class
	}
	return out
}

// Apply runs the chain on rec. It returns nil when a transform dropped the
// record.
func (c *Chain) Apply(rec *Record) (*Record, error) {
	for _, s := range c.stages {
		if s.p != nil && s.p.Test(rec) == s.negate {
			continue
		}
		out, err := s.t.Apply(rec)
		if err != nil {
			return nil, fmt.Errorf("transform %s (%s): %w", s.alias, s.class, err)
		}
		if out == nil {
			return nil, nil
		}
		rec = out
	}
	return rec, nil
}

// transforms are the transform classes starcdc implements, by class name
// ($Key and $Value variants separately, as Connect names them).
func transforms() map[string]TransformFactory {
	out := map[string]TransformFactory{}
	for _, m := range []map[string]TransformFactory{kafkaTransforms(), debeziumTransforms(), starrocksTransforms()} {
		maps.Copy(out, m)
	}
	return out
}

// predicates are the predicate classes starcdc implements.
func predicates() map[string]PredicateFactory { return kafkaPredicates() }
