package transform

import (
	"strings"

	"github.com/starcdc/starcdc/decode"
)

// debeziumTransforms are Debezium's transforms (io.debezium.transforms).
func debeziumTransforms() map[string]TransformFactory {
	return map[string]TransformFactory{
		"io.debezium.transforms.ExtractNewRecordState":     newExtractNewRecordState,
		"io.debezium.transforms.ExtractChangedRecordState": newExtractChangedRecordState,
		"io.debezium.transforms.ByLogicalTableRouter":      newByLogicalTableRouter,
		"io.debezium.transforms.outbox.EventRouter":        newEventRouter,
	}
}

// isEnvelopeSchema is SmtManager.isValidEnvelope: a value schema whose name
// ends in ".Envelope" (whatever its type, unlike decode's IsEnvelope).
func isEnvelopeSchema(s *decode.Schema) bool {
	return s != nil && strings.HasSuffix(s.Name, ".Envelope")
}
