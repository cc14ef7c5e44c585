package transform

// debeziumTransforms are Debezium's transforms (io.debezium.transforms).
func debeziumTransforms() map[string]TransformFactory {
	return map[string]TransformFactory{
		"io.debezium.transforms.ExtractNewRecordState":     newExtractNewRecordState,
		"io.debezium.transforms.ExtractChangedRecordState": newExtractChangedRecordState,
		"io.debezium.transforms.ByLogicalTableRouter":      newByLogicalTableRouter,
		"io.debezium.transforms.outbox.EventRouter":        newEventRouter,
	}
}
