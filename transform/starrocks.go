package transform

// starrocksTransforms are the transforms the StarRocks Kafka connector
// ships (com.starrocks.connector.kafka.transforms, main 8be855e:
// AddOpFieldForDebeziumRecord and TimeMillisToStringTransform).
func starrocksTransforms() map[string]TransformFactory {
	return map[string]TransformFactory{
		"com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord": newAddOpField,
		"com.starrocks.connector.kafka.transforms.TimeMillisToStringTransform": newTimeMillisToString,
	}
}
