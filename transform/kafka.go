package transform

import "maps"

// kafkaTransforms are Kafka's own transforms
// (org.apache.kafka.connect.transforms), with Kafka 3.9's semantics.
func kafkaTransforms() map[string]TransformFactory {
	out := map[string]TransformFactory{
		kafkaPkg + "ValueToKey":      newValueToKey,
		kafkaPkg + "Filter":          func(map[string]string) (Transformation, error) { return filter{}, nil },
		kafkaPkg + "RegexRouter":     newRegexRouter,
		kafkaPkg + "TimestampRouter": newTimestampRouter,
		kafkaPkg + "DropHeaders":     newDropHeaders,
		kafkaPkg + "InsertHeader":    newInsertHeader,
	}
	for _, m := range []map[string]TransformFactory{
		keyValue(kafkaPkg+"ReplaceField", newReplaceField),
		keyValue(kafkaPkg+"MaskField", newMaskField),
		keyValue(kafkaPkg+"InsertField", newInsertField),
		keyValue(kafkaPkg+"ExtractField", newExtractField),
		keyValue(kafkaPkg+"HoistField", newHoistField),
		keyValue(kafkaPkg+"Flatten", newFlatten),
		keyValue(kafkaPkg+"Cast", newCast),
		keyValue(kafkaPkg+"TimestampConverter", newTimestampConverter),
		keyValue(kafkaPkg+"SetSchemaMetadata", newSetSchemaMetadata),
		keyValue(kafkaPkg+"HeaderFrom", newHeaderFrom),
	} {
		maps.Copy(out, m)
	}
	return out
}

// kafkaPredicates are Kafka's predicates
// (org.apache.kafka.connect.transforms.predicates).
func kafkaPredicates() map[string]PredicateFactory {
	const pkg = kafkaPkg + "predicates."
	return map[string]PredicateFactory{
		pkg + "TopicNameMatches":  newTopicNameMatches,
		pkg + "RecordIsTombstone": func(map[string]string) (Predicate, error) { return recordIsTombstone{}, nil },
		pkg + "HasHeaderKey":      newHasHeaderKey,
	}
}
