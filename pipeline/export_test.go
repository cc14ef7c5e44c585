package pipeline

// For the external tests (package pipeline_test), which may import the
// packages that import pipeline.
var (
	NewTestPipeline = pipeline
	DecodeErr       = decodeErr
)
