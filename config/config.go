package config

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/starcdc/starcdc/internal/redact"
	"github.com/starcdc/starcdc/loader"
)

// Converter is a Kafka Connect converter setting: key.converter or
// value.converter and its sub-keys.
type Converter struct {
	// Class is the converter class, e.g.
	// org.apache.kafka.connect.json.JsonConverter. Kafka Connect's short
	// aliases of Kafka's and Confluent's converters ("JsonConverter", "Json",
	// "AvroConverter", ...) are expanded to the full class name; any other
	// value is kept as written.
	Class string
	// Props are the converter's sub-keys with the "value.converter." or
	// "key.converter." prefix stripped (schemas.enable, schema.registry.url,
	// basic.auth.user.info, ...), values trimmed. For the JsonConverter class,
	// schemas.enable is filled in as "true" when unset (the converter's own
	// default), so Props["schemas.enable"] is always present for it.
	Props map[string]string
}

// Bool returns the boolean sub-key key ("true" or "false", case-insensitive,
// surrounding blanks ignored), or def when it is not set. Any other value is
// an error wrapping ErrInvalid.
func (c Converter) Bool(key string, def bool) (bool, error) {
	v, ok := c.Props[key]
	if !ok {
		return def, nil
	}
	b, ok := parseBool(v)
	if !ok {
		return def, &keyError{key: key, value: v, showValue: true, reason: "must be true or false"}
	}
	return b, nil
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// Transform is one single message transform: transforms=a,b with
// transforms.a.type and transforms.a.* (prefix "transforms.a." stripped,
// "type", "predicate" and "negate" excluded, as Kafka Connect's
// ConnectorConfig removes them before configuring the transform).
type Transform struct {
	Name, Type string
	Props      map[string]string
	// Predicate is transforms.a.predicate: the name of a predicate listed
	// in predicates ("" for none). Negate is transforms.a.negate.
	Predicate string
	Negate    bool
}

// Predicate is one predicate: predicates=p,q with predicates.p.type and
// predicates.p.* (prefix stripped, "type" excluded).
type Predicate struct {
	Name, Type string
	Props      map[string]string
}

// Worker holds the worker-level settings.
type Worker struct {
	// BootstrapServers is bootstrap.servers as host:port entries, default
	// ["localhost:9092"]. A "PLAINTEXT://"-style prefix is removed, as Kafka
	// clients tolerate it.
	BootstrapServers []string
	// KeyConverter and ValueConverter are the worker-level converters, which
	// connectors use unless they set their own. Unset, they are Kafka
	// Connect's JsonConverter with schemas.enable=true.
	KeyConverter, ValueConverter Converter
	// Security holds the Kafka client security keys security.protocol,
	// sasl.* and ssl.*, values trimmed, for the consumer. Keys written with
	// a "consumer." prefix (which is what Kafka Connect's sink consumers
	// read) are stored without it and take precedence over the top-level
	// ones. security.protocol is upper-cased. Values may be secrets (see
	// IsSecretKey); Worker's Format and MarshalJSON redact them.
	Security map[string]string
	// Group holds the consumer-group timeouts of the sink consumer, from
	// the worker keys Kafka Connect's sink consumers read:
	// consumer.session.timeout.ms, consumer.heartbeat.interval.ms and
	// consumer.max.poll.interval.ms (the Java consumer's rebalance
	// timeout). Zero means the Kafka client's default.
	Group GroupTimeouts
	// GroupInstanceID is consumer.group.instance.id, the static member id
	// (KIP-345) of every connector's consumer, trimmed: nil when unset, ""
	// when set blank (static membership off). A connector's
	// ConnectorGroupInstanceID takes precedence; with neither set, the
	// replicator derives a default (package replicator).
	GroupInstanceID *string
}

// GroupTimeouts are the consumer-group timeouts of the sink consumer.
type GroupTimeouts struct {
	Session, Heartbeat, Rebalance time.Duration
}

// groupTimeoutKeys are the worker keys of GroupTimeouts, with their ranges
// in milliseconds.
var groupTimeoutKeys = map[string]struct{ min, max int64 }{
	"consumer.session.timeout.ms":    {1000, 3600000},
	"consumer.heartbeat.interval.ms": {100, 600000},
	"consumer.max.poll.interval.ms":  {1000, 2147483647},
}

// Connector holds one connector's settings. Every field has its default
// filled in.
type Connector struct {
	Name  string // name, required
	Class string // connector.class as written, one of the accepted StarRocks sink class names
	// TasksMax is tasks.max, default 1, range [1, 2147483647]. starcdc
	// runs one task per connector in each process; above 1 it is only
	// reported in a Warning that says how starcdc scales instead (several
	// processes with the same connector name share the partitions through
	// the consumer group connect-<name>).
	TasksMax int
	// Topics is the topics list, trimmed. Exactly one of Topics and
	// TopicsRegex is set.
	Topics []string
	// TopicsRegex is topics.regex. It compiles with Go's regexp package;
	// Kafka subscribes to topics whose whole name matches it.
	TopicsRegex string
	// HTTPURLs are the starrocks.http.url entries, each a URL with scheme
	// http or https ("http://" is added when no scheme is given) and no
	// trailing slash.
	HTTPURLs []string
	Username string // starrocks.username, trimmed, non-empty
	// Password is starrocks.password, exactly as written (not trimmed, as the
	// Java task reads it raw); it may be empty.
	Password Secret
	Database string // starrocks.database.name, trimmed, non-empty
	// Topic2Table is starrocks.topic2table.map ("t1:tbl1,t2:tbl2"), never nil.
	Topic2Table map[string]string
	// BufferFlushMaxBytes is bufferflush.maxbytes, default 67108864 (64 MiB;
	// the StarRocks docs wrongly say 90 MiB), range [64 MiB, 10 GiB].
	BufferFlushMaxBytes int64
	// BufferFlushInterval is bufferflush.intervalms, default 1s, range [1s, 1h].
	BufferFlushInterval time.Duration
	// ConnectTimeout is connect.timeoutms, default 100ms (the docs wrongly say
	// 1000), range [100ms, 60s]. It is parsed and validated as the Java
	// connector does, and kept for compatibility only: the Java connector
	// uses it solely as the connect timeout of the reachability probe it
	// sends an FE before each request (docs/connector.md §1, §8), never
	// for the loads themselves. starcdc sends no such probe: it tries the
	// FEs in order and skips one it cannot reach for a growing cool-down,
	// and its loads connect with Load.ConnectTimeout
	// (starrocks.connect.timeout.ms, default 10 s). Setting the key
	// explicitly produces a Warning that says so.
	ConnectTimeout time.Duration
	// MaxRetries is sink.maxretries, default 3, -1 = unlimited.
	MaxRetries int64
	// SinkProperties are the sink.properties.* keys with the prefix stripped,
	// the sub-key lower-cased and the value trimmed. "format" is always
	// present (default "json", kept as written). Nothing else is defaulted
	// here (strip_outer_array and ignore_json_size are the loader's business).
	SinkProperties map[string]string
	// Format is sink.properties.format lower-cased: "json" or "csv".
	Format string
	// KeyConverter and ValueConverter are the connector's converters: the
	// connector file's own key.converter / value.converter when set (with
	// only that file's sub-keys, as in Kafka Connect), else the worker's.
	KeyConverter, ValueConverter Converter
	// Transforms are the transforms in the order listed.
	Transforms []Transform
	// Predicates are the predicates listed in predicates, by name.
	Predicates map[string]Predicate
	// ErrorsTolerance is errors.tolerance lower-cased: "none" (default) or "all".
	ErrorsTolerance string
	// Load holds starcdc's own load settings (starrocks.load.*, and the
	// sink.properties the loader interprets itself).
	Load LoadSettings
	// MySQLAddr is the FE's MySQL-protocol address, host:port, for DDL,
	// TRUNCATE and reading column types: starrocks.mysql.url (host:port,
	// mysql://host:port or jdbc:mysql://host:port/...; the first of a comma
	// list; port 9030 when missing), else the host of the first HTTPURLs
	// entry with port 9030.
	MySQLAddr string
	// DDL holds table creation and schema evolution (starrocks.auto.create.tables,
	// starrocks.schema.evolution, starrocks.table.*).
	DDL DDL
	// Mapping holds value rendering and routing (starrocks.datetime.timezone,
	// starrocks.geometry.format, starrocks.bytes.type, starrocks.decimal256,
	// starrocks.schemaless.types, starrocks.truncate.policy,
	// starrocks.topic2table.regex/.replacement).
	Mapping Mapping
	// DeadLetter holds the errors.deadletterqueue.* keys.
	DeadLetter DeadLetter
	// TLS is the HTTPS setup for StarRocks from the starrocks.ssl.* keys
	// (trust store or CA file, client certificate, host name
	// verification); nil when none is set (Go's defaults: system roots,
	// host names verified).
	TLS *ClientTLS
	// MySQLTLS is the TLS setup of the MySQL-protocol connection
	// (MySQLAddr): starrocks.mysql.ssl.mode (default DISABLED) with the
	// stores of TLS.
	MySQLTLS MySQLTLS
	// GroupInstanceID is consumer.override.group.instance.id, as
	// Worker.GroupInstanceID but for this connector only; it takes
	// precedence over the worker's.
	GroupInstanceID *string
	// Extra holds the free-form connector keys that no field above
	// consumed: predicates*, transforms.<x>.* of a transform not listed in
	// transforms, keys that are accepted but unused, and unknown keys (the
	// last three also produce a Warning). No starcdc component reads them.
	// Values are after config-provider substitution. Worker keys are never
	// in Extra. Never nil.
	Extra map[string]string
}

// Config is the whole validated configuration.
type Config struct {
	Worker     Worker
	Connectors []Connector
}

// GroupID is the consumer group of the connector named name, named as Kafka
// Connect names a sink connector's group ("connect-<name>"), so that starcdc
// takes over a Connect sink's committed offsets.
func GroupID(name string) string { return "connect-" + name }

// Load reads the configuration files given to `starcdc run`, like Kafka's
// connect-standalone: Java .properties files, or Kafka Connect's JSON
// connector configs (a {"name": ..., "config": {...}} object, or a flat
// object of keys with a "name" key; see parseConnectJSON), each chosen by
// its content (JSON when its first non-blank byte is '{'). With one file,
// it holds both worker and connector keys. With two or more, the first is
// the worker file when it has neither a "name" nor a "connector.class" key
// (a JSON file always has a name), and every remaining file is one
// connector; otherwise every file is a connector. Worker keys (bootstrap
// servers, security, config providers, and the accepted-but-unused worker
// keys) found in connector files are merged into the worker; a key set to
// different values in two files is an error. Connector keys in the worker
// file are ignored with a warning, as Kafka Connect ignores them, and so are
// unknown keys in the worker file (they are in no connector's Extra).
// Converters set in a connector file apply to that connector only.
//
// Errors: syntax and validation errors of all files are collected and
// returned joined (errors.Join); all of them wrap ErrInvalid and name their
// file (a JSON syntax error also its byte offset, line and column). A file
// that cannot be read is returned as is. Warnings are returned even when the
// error is not nil; the Config is nil then.
func Load(paths ...string) (*Config, []Warning, error) {
	if len(paths) == 0 {
		return nil, nil, fmt.Errorf("%w: no configuration file given", ErrInvalid)
	}
	srcs := make([]source, 0, len(paths))
	var (
		errs  []error
		warns []Warning
	)
	for _, p := range paths {
		m, w, err := parseFile(p)
		warns = append(warns, w...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		srcs = append(srcs, source{file: p, m: m})
	}
	if len(errs) > 0 {
		return nil, warns, errors.Join(errs...)
	}
	var worker *source
	conns := srcs
	if len(srcs) > 1 && !hasConnectorIdentity(srcs[0].m) {
		worker, conns = &srcs[0], srcs[1:]
	}
	cfg, w, err := build(osEnv(), worker, conns)
	return cfg, append(warns, w...), err
}

// FromMap validates one already-parsed map holding worker and connector keys,
// as if it were the single file given to Load. Errors and warnings name no
// file.
func FromMap(m map[string]string) (*Config, []Warning, error) {
	return build(osEnv(), nil, []source{{m: m}})
}

// parseFile reads one configuration file, chosen by its content: Kafka
// Connect's JSON connector config when its first non-blank byte is '{'
// (parseConnectJSON), else Java .properties (ParseProperties).
func parseFile(path string) (map[string]string, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if isJSONConfig(data) {
		return parseConnectJSON(path, data)
	}
	m, err := ParseProperties(bytes.NewReader(data))
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			se.file = path
			return nil, nil, se
		}
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil, nil
}

func hasConnectorIdentity(m map[string]string) bool {
	_, n := m[keyName]
	_, c := m[keyConnectorClass]
	return n || c
}

type source struct {
	file string
	m    map[string]string
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func build(env sysEnv, worker *source, conns []source) (*Config, []Warning, error) {
	var (
		errs  []error
		warns []Warning
	)
	single := worker == nil && len(conns) == 1
	at := func(file string) checker { return checker{file: file, errs: &errs, warnings: &warns} }
	candidates := suggestionKeys()

	// Gather the worker settings and where each came from.
	wm := map[string]string{}
	wfrom := map[string]string{}
	if worker != nil {
		c := at(worker.file)
		for _, k := range sortedKeys(worker.m) {
			kind, why := classify(k)
			switch {
			case kind.workerScope() || kind == kindConverter:
				wm[k], wfrom[k] = worker.m[k], worker.file
				if kind == kindWorkerUnused {
					c.warn(k, "accepted, not used by starcdc: %s", why)
				}
			case kind.connectorScope():
				c.warn(k, "connector setting in the worker file is ignored (Kafka Connect does not pass worker settings to connectors); move it to the connector file")
			default:
				warnUnknown(c, k, candidates)
			}
		}
	}
	for _, s := range conns {
		c := at(s.file)
		for _, k := range sortedKeys(s.m) {
			kind, _ := classify(k)
			if !kind.workerScope() && !(single && kind == kindConverter) {
				continue
			}
			v := s.m[k]
			if old, ok := wm[k]; ok {
				if old != v {
					c.bad(k, v, "conflicts with %s=%s in %s; worker settings must agree across files", k, displayValue(k, old), wfrom[k])
				}
				continue
			}
			wm[k], wfrom[k] = v, s.file
		}
	}
	wat := func(k string) checker { return at(wfrom[k]) }

	res := newResolver(env, wm, wat(keyConfigProviders))
	for _, k := range sortedKeys(wm) {
		if k != keyConfigProviders && !strings.HasPrefix(k, keyConfigProviders+".") {
			wm[k] = res.resolve(k, wm[k], wat(k))
		}
	}
	w := buildWorker(wm, wat)

	cfg := &Config{Worker: w}
	names := map[string]string{}
	for _, s := range conns {
		c := at(s.file)
		m := make(map[string]string, len(s.m))
		for k, v := range s.m {
			m[k] = v
		}
		for _, k := range sortedKeys(m) {
			kind, _ := classify(k)
			if !kind.workerScope() && !(single && kind == kindConverter) {
				m[k] = res.resolve(k, m[k], c)
			}
		}
		conn := buildConnector(c, m, w, single, candidates)
		if conn.Name != "" {
			if prev, dup := names[conn.Name]; dup {
				c.bad(keyName, conn.Name, "duplicate connector name (also in %s)", prev)
			}
			names[conn.Name] = s.file
		}
		cfg.Connectors = append(cfg.Connectors, conn)
	}
	if len(errs) > 0 {
		return nil, warns, errors.Join(errs...)
	}
	return cfg, warns, nil
}

func warnUnknown(c checker, key string, candidates []string) {
	if s := suggest(key, candidates); s != "" {
		c.warn(key, "unknown key, ignored; did you mean %s?", s)
		return
	}
	c.warn(key, "unknown key, ignored")
}

// splitList splits a Kafka LIST value on commas and trims each entry. An
// empty or blank value is an empty list.
func splitList(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// ---- worker ----

var securityProtocols = []string{"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}

func buildWorker(wm map[string]string, at func(key string) checker) Worker {
	w := Worker{BootstrapServers: []string{"localhost:9092"}, Security: map[string]string{}}
	if v, ok := wm[keyBootstrap]; ok {
		w.BootstrapServers = parseBootstrap(at(keyBootstrap), v)
	}
	// Top-level keys first, then consumer.* ones, which override them.
	keys := sortedKeys(wm)
	for _, consumerPass := range []bool{false, true} {
		for _, k := range keys {
			sk, ok := securityKey(k)
			if !ok || strings.HasPrefix(k, "consumer.") != consumerPass {
				continue
			}
			v := strings.TrimSpace(wm[k])
			if sk == keySecurityProtocol {
				up := strings.ToUpper(v)
				if !slices.Contains(securityProtocols, up) {
					at(k).bad(k, wm[k], "must be one of %s", strings.Join(securityProtocols, ", "))
				}
				v = up
			}
			w.Security[sk] = v
		}
	}
	for _, k := range slices.Sorted(maps.Keys(groupTimeoutKeys)) {
		r := groupTimeoutKeys[k]
		v, ok := wm[k]
		if !ok {
			continue
		}
		ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || ms < r.min || ms > r.max {
			at(k).bad(k, v, "must be a number of milliseconds between %d and %d", r.min, r.max)
			continue
		}
		d := time.Duration(ms) * time.Millisecond
		switch k {
		case "consumer.session.timeout.ms":
			w.Group.Session = d
		case "consumer.heartbeat.interval.ms":
			w.Group.Heartbeat = d
		default:
			w.Group.Rebalance = d
		}
	}
	v, ok := wm[KeyGroupInstanceID]
	w.GroupInstanceID = parseInstanceID(at(KeyGroupInstanceID), KeyGroupInstanceID, v, ok)
	if g := w.Group; g.Session > 0 && g.Heartbeat >= g.Session {
		at("consumer.heartbeat.interval.ms").bad("consumer.heartbeat.interval.ms", wm["consumer.heartbeat.interval.ms"], "must be below consumer.session.timeout.ms (Kafka advises a third of it)")
	}
	w.KeyConverter = workerConverter(at, wm, keyKeyConverter)
	w.ValueConverter = workerConverter(at, wm, keyValueConverter)
	return w
}

func parseBootstrap(c checker, v string) []string {
	entries := splitList(v)
	if len(entries) == 0 {
		c.bad(keyBootstrap, v, "must list at least one host:port")
		return nil
	}
	out := make([]string, 0, len(entries))
	for i, e := range entries {
		hp := e
		if j := strings.Index(hp, "://"); j >= 0 {
			hp = hp[j+3:]
		}
		host, port, err := net.SplitHostPort(hp)
		if e == "" || err != nil || host == "" || !validPort(port) {
			c.bad(keyBootstrap, v, "entry %d %q must be host:port with a port between 1 and 65535", i+1, e)
			continue
		}
		out = append(out, hp)
	}
	return out
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

func workerConverter(at func(key string) checker, wm map[string]string, prefix string) Converter {
	class, ok := wm[prefix]
	if !ok {
		class = jsonConverterClass
	}
	return makeConverter(at, wm, prefix, class)
}

// makeConverter builds the converter prefix ("key.converter" or
// "value.converter") with the given class and m's sub-keys.
func makeConverter(at func(key string) checker, m map[string]string, prefix, class string) Converter {
	conv := Converter{Class: canonicalConverter(strings.TrimSpace(class)), Props: map[string]string{}}
	if conv.Class == "" {
		at(prefix).bad(prefix, class, "must name a converter class, e.g. %s", jsonConverterClass)
	}
	for _, k := range sortedKeys(m) {
		if sub, ok := strings.CutPrefix(k, prefix+"."); ok {
			conv.Props[sub] = strings.TrimSpace(m[k])
		}
	}
	// The converters' boolean sub-keys, checked here with the one rule
	// (ParseBool) so that every bad value is reported at once.
	for _, sub := range []string{"schemas.enable", "replace.null.with.default"} {
		if v, ok := conv.Props[sub]; ok {
			if _, ok := parseBool(v); !ok {
				k := prefix + "." + sub
				at(k).bad(k, m[k], "must be true or false")
			}
		}
	}
	if _, ok := conv.Props["schemas.enable"]; !ok && conv.Class == jsonConverterClass {
		conv.Props["schemas.enable"] = "true"
	}
	return conv
}

// canonicalConverter expands a Kafka Connect plugin alias of one of the
// knownConverters ("LongConverter", "Long", "JsonConverter", "Json", ...)
// to its class name; any other value is returned as written (package
// decode refuses the classes it does not implement).
func canonicalConverter(class string) string {
	if strings.Contains(class, ".") {
		return class
	}
	for _, full := range knownConverters {
		simple := full[strings.LastIndex(full, ".")+1:]
		if class == simple || class+"Converter" == simple {
			return full
		}
	}
	return class
}

// ---- connector ----

// acceptedClasses are the connector.class values starcdc replaces: the Java
// class, Kafka Connect's short aliases of it, and the misspelling in the
// StarRocks docs' REST example.
var acceptedClasses = []string{
	"com.starrocks.connector.kafka.StarRocksSinkConnector",
	"com.starrocks.connector.kafka.SinkConnector",
	"StarRocksSinkConnector",
	"StarRocksSink",
}

var topicNameRe = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)

type rangeRule struct {
	key     string
	def     int64
	lo, hi  int64
	between string // "between lo (..) and hi (..)"
}

var (
	ruleTasksMax   = rangeRule{keyTasksMax, 1, 1, math.MaxInt32, "between 1 and 2147483647"}
	ruleMaxBytes   = rangeRule{keyMaxBytes, 67108864, 67108864, 10737418240, "between 67108864 (64 MiB) and 10737418240 (10 GiB)"}
	ruleIntervalMS = rangeRule{keyIntervalMS, 1000, 1000, 3600000, "between 1000 (1s) and 3600000 (1h)"}
	ruleConnectMS  = rangeRule{keyConnectTimeout, 100, 100, 60000, "between 100 (100ms) and 60000 (1m)"}
	ruleMaxRetries = rangeRule{keyMaxRetries, 3, -1, math.MaxInt64, "between -1 (retry forever) and 9223372036854775807"}
)

// connBuilder reads one connector map and records which keys it consumed.
type connBuilder struct {
	checker
	m    map[string]string
	used map[string]bool
	// mappedBad are the topics of starrocks.topic2table.map entries that
	// were refused (reported once, as errors, not again as unmapped).
	mappedBad map[string]bool
}

func (b *connBuilder) get(k string) (string, bool) {
	b.used[k] = true
	v, ok := b.m[k]
	return v, ok
}

func (b *connBuilder) int64In(r rangeRule) int64 {
	v, ok := b.get(r.key)
	if !ok {
		return r.def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		b.bad(r.key, v, "must be an integer %s", r.between)
		return r.def
	}
	if n < r.lo || n > r.hi {
		b.bad(r.key, v, "must be %s", r.between)
		return r.def
	}
	return n
}

func buildConnector(c checker, m map[string]string, w Worker, single bool, candidates []string) Connector {
	b := &connBuilder{checker: c, m: m, used: map[string]bool{}}
	var conn Connector

	if v, ok := b.get(keyName); !ok || strings.TrimSpace(v) == "" {
		b.badKey(keyName, "required: the connector name")
	} else if strings.ContainsFunc(v, unicode.IsControl) {
		b.bad(keyName, v, "must not contain control characters")
	} else {
		conn.Name = strings.TrimSpace(v)
	}

	if v, ok := b.get(keyConnectorClass); !ok || strings.TrimSpace(v) == "" {
		b.badKey(keyConnectorClass, "required: %s", acceptedClasses[0])
	} else if !slices.Contains(acceptedClasses, strings.TrimSpace(v)) {
		b.bad(keyConnectorClass, v, "must be %s (starcdc replaces the StarRocks sink connector only)", acceptedClasses[0])
	} else {
		conn.Class = strings.TrimSpace(v)
	}

	conn.TasksMax = int(b.int64In(ruleTasksMax))
	if conn.TasksMax > 1 {
		group := "connect-<name>"
		if conn.Name != "" {
			group = "connect-" + conn.Name
		}
		b.warn(keyTasksMax, "starcdc runs one task per connector in each process, which reads all the partitions it is assigned; to scale out as tasks.max=%d would, run several starcdc processes (up to one per topic partition) with this same connector name: they share the partitions through the consumer group %s, as Kafka Connect tasks do", conn.TasksMax, group)
	}
	b.topics(&conn)
	conn.HTTPURLs = b.httpURLs()

	if v, ok := b.get(keyUsername); !ok {
		if _, typo := m["starrocks.user"]; typo {
			b.badKey(keyUsername, "required; found starrocks.user (the spelling of the StarRocks docs' REST example), rename it to starrocks.username")
		} else {
			b.badKey(keyUsername, "required: the StarRocks user for HTTP Basic auth")
		}
	} else if strings.TrimSpace(v) == "" {
		b.bad(keyUsername, v, "must not be empty")
	} else {
		conn.Username = strings.TrimSpace(v)
	}

	if v, ok := b.get(keyPassword); !ok {
		b.badKey(keyPassword, "required (the value may be empty)")
	} else {
		conn.Password = Secret(v)
		if strings.TrimSpace(v) != v {
			b.warn(keyPassword, "the value has leading or trailing whitespace, which is kept as part of the password")
		}
	}

	if v, ok := b.get(keyDatabase); !ok {
		b.badKey(keyDatabase, "required: the StarRocks database all tables load into")
	} else if d := strings.TrimSpace(v); d == "" {
		b.bad(keyDatabase, v, "must not be empty")
	} else if strings.ContainsFunc(d, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`/\?#%`, r)
	}) {
		b.bad(keyDatabase, v, `must not contain whitespace, control characters, '/', '\', '?', '#' or '%%'`)
	} else {
		conn.Database = d
	}

	conn.Topic2Table = b.topic2Table()
	conn.BufferFlushMaxBytes = b.int64In(ruleMaxBytes)
	conn.BufferFlushInterval = time.Duration(b.int64In(ruleIntervalMS)) * time.Millisecond
	conn.ConnectTimeout = time.Duration(b.int64In(ruleConnectMS)) * time.Millisecond
	if _, set := m[keyConnectTimeout]; set {
		b.warn(keyConnectTimeout, "accepted for compatibility, not used: the Java connector uses it only as the connect timeout of the FE reachability probe it sends before each request; starcdc sends no probe (it skips an FE it cannot reach for a growing cool-down), and its loads connect with %s (default %d ms)", KeyConnectTimeout, loader.DefaultConnectTimeout.Milliseconds())
	}
	conn.MaxRetries = b.int64In(ruleMaxRetries)
	conn.SinkProperties, conn.Format = b.sinkProperties()

	if single {
		conn.KeyConverter, conn.ValueConverter = w.KeyConverter, w.ValueConverter
	} else {
		conn.KeyConverter = b.converter(keyKeyConverter, w.KeyConverter)
		conn.ValueConverter = b.converter(keyValueConverter, w.ValueConverter)
	}

	if conn.Format == "csv" && conn.ValueConverter.Class != stringConverterClass {
		b.warn(prefixSinkProps+"format", "csv loads each record value verbatim and needs string values (value.converter=%s, or a transform that yields strings); the Java connector fails the task on any other value", stringConverterClass)
	}

	conn.Transforms = b.transforms()
	conn.Predicates = b.predicates(conn.Transforms)

	b.starcdcKeys(&conn)

	conn.ErrorsTolerance = "none"
	if v, ok := b.get(keyErrorsTol); ok {
		switch t := strings.ToLower(strings.TrimSpace(v)); t {
		case "none", "all":
			conn.ErrorsTolerance = t
		default:
			b.bad(keyErrorsTol, v, "must be none or all")
		}
	}

	v, ok := b.get(KeyGroupInstanceIDOverride)
	conn.GroupInstanceID = parseInstanceID(b.checker, KeyGroupInstanceIDOverride, v, ok)

	conn.Extra = b.extra(candidates)
	b.topicWarnings(&conn)
	return conn
}

func (b *connBuilder) topics(conn *Connector) {
	tv, _ := b.get(keyTopics)
	rv, _ := b.get(keyTopicsRegex)
	tv, rv = strings.TrimSpace(tv), strings.TrimSpace(rv)
	switch {
	case tv != "" && rv != "":
		b.bad(keyTopics, tv, "topics and topics.regex are both set; set exactly one")
	case tv == "" && rv == "":
		b.badKey(keyTopics, "required: set topics or topics.regex")
	case rv != "":
		if _, err := regexp.Compile(rv); err != nil {
			b.bad(keyTopicsRegex, rv, "must be a valid Go (RE2) regular expression; Java-only syntax such as lookaround is not supported: %v", err)
			return
		}
		conn.TopicsRegex = rv
	default:
		seen := map[string]bool{}
		for i, t := range splitList(tv) {
			switch {
			case t == "":
				b.bad(keyTopics, tv, "entry %d is empty", i+1)
			case !topicNameRe.MatchString(t) || t == "." || t == "..":
				b.bad(keyTopics, tv, "%q is not a valid Kafka topic name (letters, digits, '.', '_' and '-', at most 249 characters)", t)
			case seen[t]:
				b.bad(keyTopics, tv, "topic %q is listed twice", t)
			default:
				seen[t] = true
				conn.Topics = append(conn.Topics, t)
			}
		}
	}
}

func (b *connBuilder) httpURLs() []string {
	v, ok := b.get(keyHTTPURL)
	if !ok || strings.TrimSpace(v) == "" {
		if !ok {
			b.badKey(keyHTTPURL, "required: the FE HTTP addresses, host:port[,host:port...]")
		} else {
			b.bad(keyHTTPURL, v, "must list at least one FE HTTP address, host:port[,host:port...]")
		}
		return nil
	}
	var out []string
	for i, e := range splitList(v) {
		shown := redact.URL(e)
		bad := func(format string, args ...any) {
			b.badKey(keyHTTPURL, "entry %d %q: %s", i+1, shown, fmt.Sprintf(format, args...))
		}
		if e == "" {
			bad("empty; expected host:port")
			continue
		}
		raw := e
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil {
			bad("not a valid host:port or URL")
			continue
		}
		u.Scheme = strings.ToLower(u.Scheme)
		switch {
		case u.Scheme != "http" && u.Scheme != "https":
			bad("the scheme must be http or https")
		case u.User != nil:
			bad("must not contain credentials; use starrocks.username and starrocks.password")
		case u.Hostname() == "":
			bad("missing host")
		case u.Port() != "" && !validPort(u.Port()):
			bad("the port must be between 1 and 65535")
		case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
			bad("must not have a query or fragment")
		default:
			u.Path = strings.TrimRight(u.Path, "/")
			u.RawPath = ""
			out = append(out, u.String())
		}
	}
	return out
}

func (b *connBuilder) topic2Table() map[string]string {
	out := map[string]string{}
	v, ok := b.get(keyTopic2Table)
	if !ok || strings.TrimSpace(v) == "" {
		return out
	}
	entries := strings.Split(v, ",")
	// Trailing empty entries ("a:b,") are dropped, like Java's String.split.
	for len(entries) > 0 && strings.TrimSpace(entries[len(entries)-1]) == "" {
		entries = entries[:len(entries)-1]
	}
	for i, e := range entries {
		e = strings.TrimSpace(e)
		parts := strings.Split(e, ":")
		if len(parts) != 2 || strings.TrimSpace(parts[0]) == "" || strings.TrimSpace(parts[1]) == "" {
			b.badKey(keyTopic2Table, "entry %d %q must be topic:table", i+1, e)
			continue
		}
		topic, table := strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
		bad := false
		if !ValidTableName(table) {
			b.badKey(keyTopic2Table, "entry %d %q: table name %q must match %s (%s)", i+1, e, table, tableNamePattern, TableNameRule)
			bad = true
		}
		if _, dup := out[topic]; dup {
			b.badKey(keyTopic2Table, "entry %d %q: topic %q is mapped twice", i+1, e, topic)
			bad = true
		}
		if !bad {
			out[topic] = table
		} else {
			if b.mappedBad == nil {
				b.mappedBad = map[string]bool{}
			}
			b.mappedBad[topic] = true
		}
	}
	return out
}

func (b *connBuilder) sinkProperties() (map[string]string, string) {
	props := map[string]string{}
	from := map[string]string{}
	for _, k := range sortedKeys(b.m) {
		sub, ok := strings.CutPrefix(k, prefixSinkProps)
		if !ok {
			continue
		}
		v, _ := b.get(k)
		sub = strings.ToLower(sub)
		if sub == "" {
			b.badKey(k, "empty Stream Load property name")
			continue
		}
		v = strings.TrimSpace(v)
		if prev, ok := from[sub]; ok && props[sub] != v {
			b.bad(k, b.m[k], "conflicts with %s=%s (Stream Load property names are lower-cased)", prev, displayValue(prev, b.m[prev]))
			continue
		}
		props[sub], from[sub] = v, k
	}
	format := "json"
	if v, ok := props["format"]; ok {
		switch f := strings.ToLower(v); f {
		case "json", "csv":
			format = f
		default:
			b.bad(from["format"], b.m[from["format"]], "must be json or csv (case-insensitive)")
		}
	} else {
		props["format"] = "json"
	}
	return props, format
}

// converter returns the connector-level converter prefix: the connector's
// own when it sets the class, else the worker's. As in Kafka Connect,
// sub-keys without the class are ignored.
func (b *connBuilder) converter(prefix string, worker Converter) Converter {
	class, ok := b.get(prefix)
	var subs []string
	for _, k := range sortedKeys(b.m) {
		if strings.HasPrefix(k, prefix+".") {
			b.used[k] = true
			subs = append(subs, k)
		}
	}
	if !ok {
		for _, k := range subs {
			b.warn(k, "ignored: %s is not set in this connector file, so the worker's %s and its settings apply (as in Kafka Connect)", prefix, prefix)
		}
		return worker
	}
	return makeConverter(func(string) checker { return b.checker }, b.m, prefix, class)
}

func (b *connBuilder) transforms() []Transform {
	v, ok := b.get(keyTransforms)
	if !ok {
		return nil
	}
	var out []Transform
	seen := map[string]bool{}
	for i, name := range splitList(v) {
		switch {
		case name == "":
			b.bad(keyTransforms, v, "entry %d is empty", i+1)
			continue
		case seen[name]:
			b.bad(keyTransforms, v, "transform %q is listed twice", name)
			continue
		}
		seen[name] = true
		t := Transform{Name: name, Props: map[string]string{}}
		typeKey := prefixTransforms + name + ".type"
		if tv, ok := b.get(typeKey); !ok || strings.TrimSpace(tv) == "" {
			b.badKey(typeKey, "required: the class of transform %q", name)
		} else {
			t.Type = strings.TrimSpace(tv)
		}
		out = append(out, t)
	}
	// Assign transforms.<name>.<prop> keys to the listed name with the
	// longest match, so that names containing dots work.
	for _, k := range sortedKeys(b.m) {
		rest, ok := strings.CutPrefix(k, prefixTransforms)
		if !ok || b.used[k] {
			continue
		}
		best := -1
		for j, t := range out {
			if strings.HasPrefix(rest, t.Name+".") && (best < 0 || len(t.Name) > len(out[best].Name)) {
				best = j
			}
		}
		if best >= 0 {
			b.used[k] = true
			out[best].Props[rest[len(out[best].Name)+1:]] = strings.TrimSpace(b.m[k])
		}
	}
	for i := range out {
		t := &out[i]
		neg, hasNeg := t.Props["negate"]
		t.Predicate = t.Props["predicate"]
		delete(t.Props, "predicate")
		delete(t.Props, "negate")
		if hasNeg {
			key := prefixTransforms + t.Name + ".negate"
			if t.Predicate == "" {
				// ConnectorConfig's validation: negate means nothing
				// without a predicate.
				b.badKey(key, "is set but transforms.%s.predicate is not", t.Name)
			} else if v, ok := parseBool(neg); !ok {
				b.bad(key, neg, "must be true or false")
			} else {
				t.Negate = v
			}
		}
	}
	return out
}

// predicates parses predicates=p,q and predicates.<p>.*, and checks that
// every transform's predicate is listed.
func (b *connBuilder) predicates(ts []Transform) map[string]Predicate {
	out := map[string]Predicate{}
	if v, ok := b.get(keyPredicates); ok {
		for i, name := range splitList(v) {
			switch {
			case name == "":
				b.bad(keyPredicates, v, "entry %d is empty", i+1)
				continue
			case out[name].Name != "":
				b.bad(keyPredicates, v, "predicate %q is listed twice", name)
				continue
			}
			p := Predicate{Name: name, Props: map[string]string{}}
			typeKey := prefixPredicates + name + ".type"
			if tv, ok := b.get(typeKey); !ok || strings.TrimSpace(tv) == "" {
				b.badKey(typeKey, "required: the class of predicate %q", name)
			} else {
				p.Type = strings.TrimSpace(tv)
			}
			out[name] = p
		}
		for _, k := range sortedKeys(b.m) {
			rest, ok := strings.CutPrefix(k, prefixPredicates)
			if !ok || b.used[k] {
				continue
			}
			best := ""
			for name := range out {
				if strings.HasPrefix(rest, name+".") && len(name) > len(best) {
					best = name
				}
			}
			if best != "" {
				b.used[k] = true
				out[best].Props[rest[len(best)+1:]] = strings.TrimSpace(b.m[k])
			}
		}
	}
	for _, t := range ts {
		if t.Predicate != "" && out[t.Predicate].Name == "" {
			b.badKey(prefixTransforms+t.Name+".predicate", "names predicate %q, which predicates does not list", t.Predicate)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// extra collects the keys no field consumed and warns about those that need it.
func (b *connBuilder) extra(candidates []string) map[string]string {
	out := map[string]string{}
	for _, k := range sortedKeys(b.m) {
		if b.used[k] {
			continue
		}
		kind, why := classify(k)
		switch kind {
		case kindWorker, kindConverter:
			// Consumed by the worker.
		case kindWorkerUnused:
			b.warn(k, "accepted, not used by starcdc: %s", why)
		case kindExtra: // predicates
			out[k] = b.m[k]
		case kindConnectorUnused:
			out[k] = b.m[k]
			b.warn(k, "accepted, not used by starcdc: %s", why)
		case kindConnector: // transforms.<x>.* for an unlisted x
			out[k] = b.m[k]
			b.warn(k, "ignored: not a setting of a transform listed in transforms")
		default:
			out[k] = b.m[k]
			if k == "starrocks.user" {
				break // reported with starrocks.username if that is missing
			}
			warnUnknown(b.checker, k, candidates)
		}
	}
	return out
}

// topicWarnings flags topic mappings that cannot work, unless a transform
// may rename topics (RegexRouter and the like, whose output topic is what
// the map is keyed by) or starrocks.topic2table.regex may map them.
func (b *connBuilder) topicWarnings(conn *Connector) {
	for _, t := range conn.Transforms {
		if strings.Contains(t.Type, "Router") {
			return
		}
	}
	if _, ok := b.m[KeyTopic2TableRegex]; ok {
		return
	}
	var re *regexp.Regexp
	if conn.TopicsRegex != "" {
		re = regexp.MustCompile(`^(?:` + conn.TopicsRegex + `)$`)
	}
	for _, topic := range sortedKeys(conn.Topic2Table) {
		switch {
		case conn.Topics != nil && !slices.Contains(conn.Topics, topic):
			b.warn(keyTopic2Table, "maps topic %q, which is not in topics", topic)
		case re != nil && !re.MatchString(topic):
			b.warn(keyTopic2Table, "maps topic %q, which does not match topics.regex", topic)
		}
	}
	for _, topic := range conn.Topics {
		if _, ok := conn.Topic2Table[topic]; ok || b.mappedBad[topic] {
			continue
		}
		switch {
		case !ValidTableName(topic):
			b.warn(keyTopics, "topic %q has no starrocks.topic2table.map entry, and its name is not a valid table name (%s); records from it cannot be loaded", topic, TableNameRule)
		case strings.Contains(topic, "."):
			b.warn(keyTopics, "topic %q has no starrocks.topic2table.map entry, so its records go to a table named %q; as with the Java connector, such a dotted name is not a table StarRocks loads into (docs/connector.md §2): add %s:<table> to starrocks.topic2table.map", topic, topic, topic)
		}
	}
}
