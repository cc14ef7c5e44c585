package transform

import (
	"errors"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/decode"
)

// appendTopic appends its "suffix" option to the topic; dropAll drops.
type appendTopic string

func (a appendTopic) Apply(r *Record) (*Record, error) { r.Topic += string(a); return r, nil }

type dropAll struct{}

func (dropAll) Apply(*Record) (*Record, error) { return nil, nil }

type topicIs string

func (p topicIs) Test(r *Record) bool { return r.Topic == string(p) }

var testFactories = map[string]TransformFactory{
	"Append": func(p map[string]string) (Transformation, error) {
		if p["suffix"] == "" {
			return nil, errors.New("suffix is required")
		}
		return appendTopic(p["suffix"]), nil
	},
	"Drop": func(map[string]string) (Transformation, error) { return dropAll{}, nil },
}

var testPredicates = map[string]PredicateFactory{
	"TopicIs": func(p map[string]string) (Predicate, error) { return topicIs(p["topic"]), nil },
}

// The stage rule of Connect's TransformationStage: the transform runs iff
// there is no predicate or predicate XOR negate; predicates see the record
// as earlier stages left it; a dropped record ends the chain.
func TestChainStages(t *testing.T) {
	ps := map[string]config.Predicate{"isA1": {Name: "isA1", Type: "TopicIs", Props: map[string]string{"topic": "a1"}}}
	for _, tc := range []struct {
		name string
		ts   []config.Transform
		want string // topic after the chain, or "dropped"
	}{
		{"plain", []config.Transform{{Name: "x", Type: "Append", Props: map[string]string{"suffix": "1"}}}, "a1"},
		{"in order", []config.Transform{
			{Name: "x", Type: "Append", Props: map[string]string{"suffix": "1"}},
			{Name: "y", Type: "Append", Props: map[string]string{"suffix": "2"}}}, "a12"},
		{"predicate sees the earlier stage's record", []config.Transform{
			{Name: "x", Type: "Append", Props: map[string]string{"suffix": "1"}},
			{Name: "y", Type: "Append", Props: map[string]string{"suffix": "2"}, Predicate: "isA1"}}, "a12"},
		{"predicate false: skipped", []config.Transform{
			{Name: "y", Type: "Append", Props: map[string]string{"suffix": "2"}, Predicate: "isA1"}}, "a"},
		{"negated", []config.Transform{
			{Name: "y", Type: "Append", Props: map[string]string{"suffix": "2"}, Predicate: "isA1", Negate: true}}, "a2"},
		{"dropped ends the chain", []config.Transform{
			{Name: "d", Type: "Drop"},
			{Name: "y", Type: "Append", Props: map[string]string{"suffix": "2"}}}, "dropped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := buildChain(tc.ts, ps, testFactories, testPredicates)
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.Apply(&Record{Topic: "a", Value: decode.Record{Value: "v"}})
			got := "dropped"
			if out != nil {
				got = out.Topic
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

// Every problem is reported at once, unknown classes with the supported
// list.
func TestChainErrors(t *testing.T) {
	_, err := buildChain([]config.Transform{
		{Name: "u", Type: "com.example.Unknown"},
		{Name: "x", Type: "Append"},
	}, map[string]config.Predicate{"p": {Name: "p", Type: "com.example.P"}}, testFactories, testPredicates)
	if err == nil || !errors.Is(err, config.ErrInvalid) || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"transforms.u.type=com.example.Unknown; starcdc supports Append, Drop", "transforms.x (Append): suffix is required", "predicates.p.type=com.example.P; starcdc supports TopicIs"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
}

// An abstract class ($Key/$Value variants exist) gets Connect's hint.
func TestChainAbstractClass(t *testing.T) {
	_, err := buildChain([]config.Transform{{Name: "c", Type: "Cast"}}, nil,
		map[string]TransformFactory{"Cast$Key": testFactories["Drop"], "Cast$Value": testFactories["Drop"]}, nil)
	if err == nil || !strings.Contains(err.Error(), "Did you mean Cast$Key or Cast$Value?") {
		t.Fatalf("err = %v", err)
	}
}
