package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/deadletter"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/pipeline"
)

// TestPipelineStages: each failing step of the pipeline carries its Kafka
// Connect stage: a transform's failure is a TRANSFORMATION; native
// unwrapping and turning a record into a row are the sink's own TASK_PUT.
func TestPipelineStages(t *testing.T) {
	event := []byte(`{"before":null,"after":{"id":1},"source":{"connector":"mysql"},"op":"c"}`)
	extract := map[string]string{"transforms": "unwrap", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState"}
	timeMillis := map[string]string{"transforms": "ts", "transforms.ts.type": "com.starrocks.connector.kafka.transforms.TimeMillisToStringTransform", "transforms.ts.fields": "after"}
	noSchemas := map[string]string{"key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false"}
	for _, tc := range []struct {
		name       string
		extra      map[string]string
		key, value []byte
		stage      pipeline.Stage
		class      string
	}{
		{"key", noSchemas, []byte(`{bad`), event, pipeline.StageKeyConverter, "github.com/starcdc/starcdc/decode.ErrMalformed"},
		{"value", noSchemas, []byte(`{bad`), []byte(`{bad`), pipeline.StageValueConverter, "github.com/starcdc/starcdc/decode.ErrMalformed"},
		{"unwrap", noSchemas, nil, []byte(`[1]`), pipeline.StageTaskPut, "github.com/starcdc/starcdc/cdc.ErrNotChangeEvent"},
		// A transform that fails: its stage (the class fallback, as no
		// sentinel of starcdc's says why).
		{"transform", timeMillis, nil, []byte(`{"schema":{"type":"struct","fields":[{"field":"after","type":"struct","optional":true,"fields":[{"field":"id","type":"int32"}]}]},"payload":{"after":{"id":1}}}`), pipeline.StageTransformation, "github.com/starcdc/starcdc/replicator.StageError"},
		// Connect mode: what the chain leaves is not a row (ExtractNewRecordState
		// passes a non-envelope through): the sink's TASK_PUT.
		{"not-a-row", extract, nil, []byte(`{"schema":{"type":"int32"},"payload":1}`), pipeline.StageTaskPut, "github.com/starcdc/starcdc/mapping.ErrValue"},
		{"row", noSchemas, nil, []byte(`{"before":null,"after":{"id":1,"s":"` + strings.Repeat("x", 1<<20+1) + `"},"op":"c"}`), pipeline.StageTaskPut, "github.com/starcdc/starcdc/mapping.ErrValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pipeline.NewTestPipeline(t, tc.extra)
			_, _, err := p.Rows(context.Background(), "t1", tc.key, tc.value, nil, func(string, loader.Headers, []byte) {})
			if err == nil {
				t.Fatal("no error")
			}
			if got := pipeline.StageOf(err); got != tc.stage {
				t.Errorf("stage %s, want %s (%v)", got, tc.stage, err)
			}
			if got := deadletter.ErrorClass(err); got != tc.class {
				t.Errorf("class %s, want %s (%v)", got, tc.class, err)
			}
		})
	}
	// A registry outage stops the pipeline: it carries no stage, so that
	// nothing dead-letters it.
	err := pipeline.DecodeErr(pipeline.StageValueConverter, "value", fmt.Errorf("%w: refused", decode.ErrRegistryUnavailable))
	if !errors.Is(err, pipeline.ErrStop) {
		t.Errorf("a registry outage does not stop the pipeline: %v", err)
	}
}
