package transform

// starrocksTransforms are the transforms the StarRocks Kafka connector
// ships (com.starrocks.connector.kafka.transforms).
func starrocksTransforms() map[string]TransformFactory {
	return map[string]TransformFactory{}
}
