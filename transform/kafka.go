package transform

// kafkaTransforms are Kafka's own transforms
// (org.apache.kafka.connect.transforms).
func kafkaTransforms() map[string]TransformFactory {
	return map[string]TransformFactory{}
}

// kafkaPredicates are Kafka's predicates
// (org.apache.kafka.connect.transforms.predicates).
func kafkaPredicates() map[string]PredicateFactory {
	return map[string]PredicateFactory{}
}
