package config

import "strings"

// Key names of the StarRocks connector (spec docs/connector.md §1) and of the
// Kafka Connect framework that starcdc reads.
const (
	keyName           = "name"
	keyConnectorClass = "connector.class"
	keyTasksMax       = "tasks.max"
	keyTopics         = "topics"
	keyTopicsRegex    = "topics.regex"
	keyHTTPURL        = "starrocks.http.url"
	keyUsername       = "starrocks.username"
	keyPassword       = "starrocks.password"
	keyDatabase       = "starrocks.database.name"
	keyTopic2Table    = "starrocks.topic2table.map"
	keyMaxBytes       = "bufferflush.maxbytes"
	keyIntervalMS     = "bufferflush.intervalms"
	keyConnectTimeout = "connect.timeoutms"
	keyMaxRetries     = "sink.maxretries"
	keyTransforms     = "transforms"
	keyPredicates     = "predicates"
	keyErrorsTol      = "errors.tolerance"
	keyKeyConverter   = "key.converter"
	keyValueConverter = "value.converter"

	prefixSinkProps  = "sink.properties."
	prefixTransforms = "transforms."
	prefixPredicates = "predicates."

	keyBootstrap        = "bootstrap.servers"
	keySecurityProtocol = "security.protocol"
	keyConfigProviders  = "config.providers"

	jsonConverterClass   = "org.apache.kafka.connect.json.JsonConverter"
	stringConverterClass = "org.apache.kafka.connect.storage.StringConverter"
)

// knownConverters are the converter classes starcdc implements (package
// decode builds them; decode.Classes is the same list): Kafka's
// JsonConverter and StringConverter, Kafka's ByteArrayConverter and
// primitive converters, and Confluent's Schema Registry converters. Their
// Kafka Connect plugin aliases (the simple class name, and that name
// without the "Converter" suffix) are expanded to the full class name.
var knownConverters = []string{
	jsonConverterClass,
	stringConverterClass,
	"org.apache.kafka.connect.converters.ByteArrayConverter",
	"org.apache.kafka.connect.converters.BooleanConverter",
	"org.apache.kafka.connect.converters.ShortConverter",
	"org.apache.kafka.connect.converters.IntegerConverter",
	"org.apache.kafka.connect.converters.LongConverter",
	"org.apache.kafka.connect.converters.FloatConverter",
	"org.apache.kafka.connect.converters.DoubleConverter",
	"io.confluent.connect.avro.AvroConverter",
	"io.confluent.connect.json.JsonSchemaConverter",
	"io.confluent.connect.protobuf.ProtobufConverter",
}

// keyKind says who consumes a key.
type keyKind int

const (
	kindUnknown         keyKind = iota
	kindConnector               // a Connector field
	kindConverter               // key.converter[.*], value.converter[.*]: worker default, connector override
	kindWorker                  // a Worker field (or config providers)
	kindWorkerUnused            // a worker key starcdc accepts and ignores (reason given)
	kindExtra                   // a free-form connector key (predicates*) kept in Connector.Extra, silently
	kindConnectorUnused         // a connector key starcdc accepts and ignores (reason given), kept in Extra
)

func (k keyKind) workerScope() bool { return k == kindWorker || k == kindWorkerUnused }

func (k keyKind) connectorScope() bool {
	return k == kindConnector || k == kindExtra || k == kindConnectorUnused
}

var connectorKeys = map[string]bool{
	keyName: true, keyConnectorClass: true, keyTasksMax: true, keyTopics: true, keyTopicsRegex: true,
	keyHTTPURL: true, keyUsername: true, keyPassword: true, keyDatabase: true, keyTopic2Table: true,
	keyMaxBytes: true, keyIntervalMS: true, keyConnectTimeout: true, keyMaxRetries: true,
	keyTransforms: true, keyErrorsTol: true, KeyGroupInstanceIDOverride: true,
}

type reasoned struct {
	key    string // exact key, or prefix when it ends in '.'
	reason string
}

const (
	whyStandalone = "starcdc runs one process per connector set and keeps no Kafka Connect cluster state"
	whyNoREST     = "starcdc has no Kafka Connect REST API"
	whyRuntime    = "Kafka Connect runtime setting with no starcdc equivalent"
	whyClient     = "Kafka client tuning is chosen by starcdc"
	whySource     = "applies to source connectors only"
)

// workerUnused lists worker keys that starcdc accepts and does not use.
// Matched in order; an entry ending in '.' is a prefix.
var workerUnused = []reasoned{
	{"offset.flush.interval.ms", "Kafka offsets are committed after each successful StarRocks load, not every offset.flush.interval.ms"},
	{"offset.flush.timeout.ms", "Kafka offsets are committed after each successful StarRocks load, not on a flush timer"},
	{"offset.storage.file.filename", "sink offsets live in the Kafka consumer group, not in this file (which only ever held source-connector offsets)"},
	{"offset.storage.", "distributed-mode internal topic; " + whyStandalone},
	{"config.storage.", "distributed-mode internal topic; " + whyStandalone},
	{"status.storage.", "distributed-mode internal topic; " + whyStandalone},
	{"group.id", "identifies a distributed Kafka Connect cluster; " + whyStandalone},
	{"plugin.path", "starcdc is a single binary and loads no plugins"},
	{"plugin.discovery", "starcdc is a single binary and loads no plugins"},
	{"rest.", whyNoREST},
	{"listeners", whyNoREST},
	{"listeners.", whyNoREST},
	{"admin.listeners", whyNoREST},
	{"access.control.", whyNoREST},
	{"response.http.headers.config", whyNoREST},
	{"internal.", "Kafka Connect internal converter settings (removed in Kafka 3.0)"},
	{"consumer.", "per-client overrides other than security (consumer.security.protocol, consumer.sasl.*, consumer.ssl.*) group timeouts (consumer.session.timeout.ms, consumer.heartbeat.interval.ms, consumer.max.poll.interval.ms) and consumer.group.instance.id are not supported; " + whyClient},
	{"producer.", "starcdc does not produce to Kafka"},
	{"admin.", "starcdc does not use a Kafka admin client configured from properties"},
	{"header.converter", "starcdc does not convert record headers"},
	{"header.converter.", "starcdc does not convert record headers"},
	{"metrics.", "starcdc exposes its own metrics"},
	{"metric.reporters", "starcdc exposes its own metrics"},
	{"auto.include.jmx.reporter", "starcdc exposes its own metrics"},
	{"task.shutdown.graceful.timeout.ms", whyRuntime},
	{"scheduled.rebalance.max.delay.ms", whyRuntime},
	{"connect.protocol", whyRuntime},
	{"heartbeat.interval.ms", whyRuntime},
	{"session.timeout.ms", whyRuntime},
	{"rebalance.timeout.ms", whyRuntime},
	{"worker.sync.timeout.ms", whyRuntime},
	{"worker.unsync.backoff.ms", whyRuntime},
	{"inter.worker.", whyRuntime},
	{"connector.client.config.override.policy", whyRuntime},
	{"topic.creation.enable", whySource},
	{"exactly.once.source.support", whySource},
	{"security.providers", whyRuntime},
	{"client.id", whyClient},
	{"client.dns.lookup", whyClient},
	{"connections.max.idle.ms", whyClient},
	{"receive.buffer.bytes", whyClient},
	{"send.buffer.bytes", whyClient},
	{"request.timeout.ms", whyClient},
	{"reconnect.backoff.ms", whyClient},
	{"reconnect.backoff.max.ms", whyClient},
	{"retry.backoff.ms", whyClient},
	{"retry.backoff.max.ms", whyClient},
	{"metadata.max.age.ms", whyClient},
	{"metadata.recovery.strategy", whyClient},
	{"socket.connection.setup.timeout.ms", whyClient},
	{"socket.connection.setup.timeout.max.ms", whyClient},
}

// connectorUnused lists connector keys that starcdc accepts and does not use.
var connectorUnused = []reasoned{
	{"errors.log.", "starcdc logs failed records through its own logger"},
	{"errors.retry.", "converter and transform failures are not retried; errors.tolerance decides what happens"},
	{"config.action.reload", "configuration is read once at start; restart starcdc to reload"},
	{"consumer.override.", "per-connector client overrides other than consumer.override.group.instance.id are not supported; set consumer security keys in the worker properties"},
	{"producer.override.", "starcdc does not produce to Kafka"},
	{"admin.override.", "starcdc does not use a Kafka admin client configured from properties"},
	{"topic.creation.", whySource},
	{"exactly.once.support", whySource},
	{"transaction.boundary", whySource},
	{"transaction.boundary.", whySource},
	{"offsets.storage.topic", whySource},
}

func matchReasoned(list []reasoned, key string) (string, bool) {
	for _, r := range list {
		if strings.HasSuffix(r.key, ".") {
			if strings.HasPrefix(key, r.key) {
				return r.reason, true
			}
		} else if key == r.key {
			return r.reason, true
		}
	}
	return "", false
}

// securityKey reports whether key is a Kafka client security key
// (security.protocol, sasl.*, ssl.*) and returns it without a "consumer."
// prefix, which Kafka Connect's sink consumers read.
func securityKey(key string) (string, bool) {
	k := strings.TrimPrefix(key, "consumer.")
	if k == keySecurityProtocol || strings.HasPrefix(k, "sasl.") || strings.HasPrefix(k, "ssl.") {
		return k, true
	}
	return "", false
}

// classify says who consumes key and, for accepted-but-unused keys, why it
// is unused.
func classify(key string) (keyKind, string) {
	switch {
	case connectorKeys[key], ownKey(key), strings.HasPrefix(key, prefixSinkProps), strings.HasPrefix(key, prefixTransforms):
		return kindConnector, ""
	case key == keyKeyConverter, key == keyValueConverter,
		strings.HasPrefix(key, keyKeyConverter+"."), strings.HasPrefix(key, keyValueConverter+"."):
		return kindConverter, ""
	case key == keyBootstrap, key == keyConfigProviders, strings.HasPrefix(key, keyConfigProviders+"."):
		return kindWorker, ""
	case key == "predicates", strings.HasPrefix(key, "predicates."):
		return kindExtra, ""
	}
	if _, ok := securityKey(key); ok {
		return kindWorker, ""
	}
	if _, ok := groupTimeoutKeys[key]; ok || key == KeyGroupInstanceID {
		return kindWorker, ""
	}
	if why, ok := matchReasoned(connectorUnused, key); ok {
		return kindConnectorUnused, why
	}
	if why, ok := matchReasoned(workerUnused, key); ok {
		return kindWorkerUnused, why
	}
	return kindUnknown, ""
}

// suggestionKeys are the exact keys offered as corrections of misspellings.
func suggestionKeys() []string {
	out := make([]string, 0, 64)
	for k := range connectorKeys {
		out = append(out, k)
	}
	out = append(out, ownKeys...)
	out = append(out, keyKeyConverter, keyValueConverter, keyBootstrap, keySecurityProtocol,
		keyConfigProviders, "sink.properties.format", "sink.properties.strip_outer_array",
		"sink.properties.row_delimiter", "sink.properties.column_separator",
		"key.converter.schemas.enable", "value.converter.schemas.enable",
		"value.converter.schema.registry.url", "key.converter.schema.registry.url",
		"sasl.jaas.config", "sasl.mechanism")
	for _, r := range workerUnused {
		if !strings.HasSuffix(r.key, ".") {
			out = append(out, r.key)
		}
	}
	return out
}

// suggest returns the known key closest to key when it is at most two edits
// away, or "".
func suggest(key string, candidates []string) string {
	if len(key) < 6 {
		return ""
	}
	best, bestD := "", 3
	for _, c := range candidates {
		if c == key {
			continue
		}
		if d := editDistance(key, c, bestD); d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if bestD > 2 {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or a value > limit
// once it is known to exceed limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
