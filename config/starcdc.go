package config

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/starcdc/starcdc/loader"
)

// starcdc's own connector keys, beyond the Java connector's. The starrocks.*
// ones live in that namespace so that the Java connector ignores them; the
// errors.deadletterqueue.* ones are Kafka Connect's.
const (
	// Load settings (Connector.Load).
	KeyLoadMode        = "starrocks.load.mode"
	KeyDelivery        = "starrocks.delivery"
	KeyRetryTimeout    = "starrocks.retry.timeout.ms"
	KeyRegistryRetry   = "starrocks.registry.retry.timeout.ms"
	KeyLoadMinInterval = "starrocks.load.min.interval.ms"
	KeyConnectTimeout  = "starrocks.connect.timeout.ms"
	KeyMySQLURL        = "starrocks.mysql.url"

	// Table creation and evolution (Connector.DDL).
	KeyAutoCreate     = "starrocks.auto.create.tables"
	KeyEvolution      = "starrocks.schema.evolution"
	KeyBuckets        = "starrocks.table.buckets"
	KeyReplicationNum = "starrocks.table.replication.num"
	KeyKeyless        = "starrocks.table.keyless"
	PrefixTableProps  = "starrocks.table.properties."

	// Value mapping and routing (Connector.Mapping).
	KeyTimezone               = "starrocks.datetime.timezone"
	KeyGeometryFormat         = "starrocks.geometry.format"
	KeyBytesType              = "starrocks.bytes.type"
	KeyDecimal256             = "starrocks.decimal256"
	KeySchemalessTypes        = "starrocks.schemaless.types"
	KeyTruncatePolicy         = "starrocks.truncate.policy"
	KeyTopic2TableRegex       = "starrocks.topic2table.regex"
	KeyTopic2TableReplacement = "starrocks.topic2table.replacement"

	// Kafka Connect's dead-letter queue (Connector.DeadLetter).
	KeyDLQTopic          = "errors.deadletterqueue.topic.name"
	KeyDLQReplication    = "errors.deadletterqueue.topic.replication.factor"
	KeyDLQContextHeaders = "errors.deadletterqueue.context.headers.enable"

	prefixTableKeys = "starrocks.table."
	prefixDLQ       = "errors.deadletterqueue."
)

// ownKeys are the exact keys of starcdc's own settings parsed here.
var ownKeys = []string{
	KeyLoadMode, KeyDelivery, KeyRetryTimeout, KeyRegistryRetry, KeyLoadMinInterval, KeyConnectTimeout, KeyMySQLURL,
	KeyAutoCreate, KeyEvolution, KeyBuckets, KeyReplicationNum, KeyKeyless,
	KeyTimezone, KeyGeometryFormat, KeyBytesType, KeyDecimal256, KeySchemalessTypes, KeyTruncatePolicy,
	KeyTopic2TableRegex, KeyTopic2TableReplacement,
	KeyDLQTopic, KeyDLQReplication, KeyDLQContextHeaders,
	KeySRTrustLocation, KeySRTrustPassword, KeySRTrustType,
	KeySRKeyLocation, KeySRKeyPassword, KeySRKeyType, KeySRKeyKeyPass, KeySREndpointAlg,
	KeyMySQLSSLMode,
}

// DefaultMySQLPort is the FE's MySQL-protocol port (query_port), used when
// starrocks.mysql.url gives none or is unset.
const DefaultMySQLPort = "9030"

// LoadMode is starrocks.load.mode.
type LoadMode string

const (
	// LoadStreamLoad is one Stream Load per load (the default).
	LoadStreamLoad LoadMode = "stream_load"
	// LoadTransaction uses the transaction interface of StarRocks ≥ 2.4,
	// as the Java connector does.
	LoadTransaction LoadMode = "transaction"
)

// Delivery is starrocks.delivery.
type Delivery string

const (
	// DeliveryExactlyOnce loads in epochs labelled by the Kafka offsets
	// they cover, so that no row is stored twice after a crash, in any
	// table kind (the default).
	DeliveryExactlyOnce Delivery = "exactly_once"
	// DeliveryAtLeastOnce loads as the Java connector does: a crash
	// replays the records since the last commit, which a primary-key
	// table absorbs and a duplicate-key table stores twice.
	DeliveryAtLeastOnce Delivery = "at_least_once"
)

// Compression is the compression of load bodies, from
// sink.properties.compression.
type Compression string

const (
	CompressionNone Compression = ""
	CompressionLZ4  Compression = "lz4_frame" // lz4_frame or lz4
	CompressionGzip Compression = "gzip"
)

// LoadSettings holds how rows are loaded into StarRocks beyond the Java connector's
// keys (which are Connector fields).
type LoadSettings struct {
	// Mode is starrocks.load.mode: stream_load (default) or transaction.
	Mode LoadMode
	// Delivery is starrocks.delivery: exactly_once (default) or
	// at_least_once.
	Delivery Delivery
	// RetryFor is starrocks.retry.timeout.ms: how long a load failing for
	// a reason a retry may cure is retried at the least (beyond
	// sink.maxretries), default loader.DefaultRetryFor (5 min), range
	// [0, 1 day]; 0 leaves sink.maxretries alone.
	RetryFor time.Duration
	// RegistryRetryFor is starrocks.registry.retry.timeout.ms: how long
	// an unreachable schema registry is waited for (the records wait),
	// default 5 min, range [0, 1 day]; 0 stops the pipeline at once.
	RegistryRetryFor time.Duration
	// MinInterval is starrocks.load.min.interval.ms, the minimum time
	// between two age-triggered loads of one table, range [0, 3600000] ms.
	// MinIntervalSet is false when the key is unset (the loader's default
	// applies); a set 0 disables the pacing.
	MinInterval    time.Duration
	MinIntervalSet bool
	// ConnectTimeout is starrocks.connect.timeout.ms, the TCP connect
	// timeout of every Stream Load and transaction request, to the FEs and
	// to the BEs they redirect to; default loader.DefaultConnectTimeout
	// (10 s), range [100 ms, 10 min]. The Java connector's real requests
	// have none (the OS default); its connect.timeoutms is the timeout of
	// its FE reachability probe only (see Connector.ConnectTimeout).
	ConnectTimeout time.Duration
	// LabelPrefix is "starcdc-<name>", the name hashed when it is long or
	// has characters a Stream Load label may not hold
	// (^[-\w]{1,128}$, docs/streamload.md §2.5).
	LabelPrefix string
	// Compression is sink.properties.compression: lz4_frame (also written
	// lz4) or gzip; CompressionNone when unset.
	Compression Compression
	// Headers are the load headers: Connector.SinkProperties without
	// compression (which Compression carries). Never nil.
	Headers map[string]string
	// ColumnSeparator and RowDelimiter are sink.properties.column_separator
	// and sink.properties.row_delimiter parsed as the Java connector does
	// ("\xHH..." hex bytes, else the text with \n, \t and \r escapes, at
	// most 50 bytes); nil when unset.
	ColumnSeparator, RowDelimiter []byte
}

// Evolution is starrocks.schema.evolution: which schema changes starcdc
// applies to a table.
type Evolution string

const (
	EvolveNone        Evolution = "none"
	EvolveAddColumns  Evolution = "add_columns"
	EvolveAddAndWiden Evolution = "add_and_widen"
)

// DDL holds table creation and schema evolution settings.
type DDL struct {
	// AutoCreate is starrocks.auto.create.tables (default false).
	AutoCreate bool
	// Evolution is starrocks.schema.evolution; default add_columns when
	// AutoCreate is on, else none.
	Evolution Evolution
	// Buckets is starrocks.table.buckets, range [0, 1048576]; 0 (default)
	// omits the BUCKETS clause.
	Buckets int
	// ReplicationNum is starrocks.table.replication.num, range [1,
	// 1048576]; 0 when unset (the cluster's default_replication_num applies).
	ReplicationNum int
	// Properties are the starrocks.table.properties.<name> keys, the prefix
	// stripped and the values trimmed; nil when there are none.
	Properties map[string]string
	// DuplicateKeyWithoutKey is starrocks.table.keyless=duplicate (the
	// default, refuse, leaves it false).
	DuplicateKeyWithoutKey bool
}

// GeometryFormat is starrocks.geometry.format.
type GeometryFormat string

const (
	GeometryWKT    GeometryFormat = "wkt"
	GeometryWKBHex GeometryFormat = "wkb_hex"
)

// TopicRename is starrocks.topic2table.regex with
// starrocks.topic2table.replacement: a RegexRouter-style rename of topics
// into table names, applied before starrocks.topic2table.map.
type TopicRename struct {
	Regex       *regexp.Regexp
	Replacement string
}

// Mapping holds how values are rendered and topics routed.
type Mapping struct {
	// Timezone is starrocks.datetime.timezone, the zone
	// io.debezium.time.ZonedTimestamp values are converted to before they
	// are written as DATETIME; default UTC.
	Timezone *time.Location
	// Geometry is starrocks.geometry.format: wkt (default) or wkb_hex.
	Geometry GeometryFormat
	// Varbinary is starrocks.bytes.type=varbinary (bytes columns are
	// VARBINARY); the default, varchar_base64, leaves it false.
	Varbinary bool
	// Decimal256 is starrocks.decimal256 (default false).
	Decimal256 bool
	// SchemalessTypes is starrocks.schemaless.types: true for target (the
	// default: values without a schema are typed by their StarRocks
	// columns), false for none.
	SchemalessTypes bool
	// Truncate is starrocks.truncate.policy=truncate (a Debezium truncate
	// event runs TRUNCATE TABLE); the default, skip, leaves it false.
	Truncate bool
	// Rename is starrocks.topic2table.regex and .replacement; nil when unset.
	Rename *TopicRename
}

// MarshalJSON encodes m with Timezone as its name (time.Location has no
// exported fields).
func (m Mapping) MarshalJSON() ([]byte, error) {
	type plain Mapping
	zone := ""
	if m.Timezone != nil {
		zone = m.Timezone.String()
	}
	return json.Marshal(struct {
		plain
		Timezone string
	}{plain(m), zone})
}

// DeadLetter holds Kafka Connect's dead-letter queue keys. They act only
// with errors.tolerance=all, as in Kafka Connect.
type DeadLetter struct {
	// Topic is errors.deadletterqueue.topic.name, trimmed; "" = none.
	Topic string
	// ReplicationFactor is errors.deadletterqueue.topic.replication.factor,
	// default 3; -1 means the brokers' default.
	ReplicationFactor int16
	// ContextHeaders is errors.deadletterqueue.context.headers.enable
	// (default false).
	ContextHeaders bool
}

// ParseBool reads a boolean setting with Kafka's rule: "true" or "false",
// case-insensitive, surrounding blanks ignored. Anything else, an empty
// value included, is an error wrapping ErrInvalid that names key and value.
func ParseBool(key, value string) (bool, error) {
	if b, ok := parseBool(value); ok {
		return b, nil
	}
	return false, &keyError{key: key, value: value, showValue: true, reason: "must be true or false"}
}

// tableNamePattern is the Java connector's table-name rule
// (Util.isValidStarrocksTableName, docs/connector.md §1): at least two
// characters, starting with a letter or '_', then letters, digits, '_' or
// '$', with up to two '.'-separated qualifiers of the same form.
const tableNamePattern = `^([_a-zA-Z][_$a-zA-Z0-9]+\.){0,2}[_a-zA-Z][_$a-zA-Z0-9]+$`

var tableNameRe = regexp.MustCompile(tableNamePattern)

// TableNameRule says, in words, what ValidTableName accepts.
const TableNameRule = "at least 2 characters, starting with a letter or '_', then letters, digits, '_' or '$', with up to two '.'-separated qualifiers; at most 1024 characters"

// ValidTableName reports whether name is a valid StarRocks table name by
// the Java connector's rule (see TableNameRule). It is the one table-name
// rule of starcdc: starrocks.topic2table.map values, routed topic names and
// the tables DDL is planned for are all checked with it. Beyond the Java
// connector's pattern it caps names at StarRocks' 1024 characters.
func ValidTableName(name string) bool { return len(name) <= 1024 && tableNameRe.MatchString(name) }

// mySQLFromHTTP is the default FE MySQL-protocol address: the host of the
// first of httpURLs (validated, with a scheme) with port 9030.
func mySQLFromHTTP(httpURLs []string) string {
	if len(httpURLs) == 0 {
		return ""
	}
	u, err := url.Parse(httpURLs[0])
	if err != nil || u.Hostname() == "" {
		return ""
	}
	return net.JoinHostPort(u.Hostname(), DefaultMySQLPort)
}

// ownKey reports whether key is one of starcdc's own keys parsed here.
func ownKey(key string) bool {
	return slices.Contains(ownKeys, key) || strings.HasPrefix(key, prefixTableKeys)
}

// trimmed returns the trimmed value of k and whether it is set and not blank.
func (b *connBuilder) trimmed(k string) (string, bool) {
	v, ok := b.get(k)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// boolKey reads a boolean key with ParseBool; def when unset.
func (b *connBuilder) boolKey(k string, def bool) bool {
	v, ok := b.get(k)
	if !ok {
		return def
	}
	if bv, ok := parseBool(v); ok {
		return bv
	}
	b.bad(k, v, "must be true or false")
	return def
}

// enumKey reads a key whose value is one of choices (case-insensitive,
// trimmed; a blank value is the default choices[0]) and returns the index
// of the choice, or 0 after recording an error.
func (b *connBuilder) enumKey(k string, choices ...string) int {
	v, ok := b.trimmed(k)
	if !ok {
		return 0
	}
	if i := slices.Index(choices, strings.ToLower(v)); i >= 0 {
		return i
	}
	raw, _ := b.get(k)
	b.bad(k, raw, "must be %s", orList(choices))
	return 0
}

func orList(choices []string) string {
	switch len(choices) {
	case 1:
		return choices[0]
	case 2:
		return choices[0] + " or " + choices[1]
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}

// intKey reads a whole number in [lo, hi]; def when unset or blank.
func (b *connBuilder) intKey(k string, lo, hi, def int64, unit string) int64 {
	v, ok := b.trimmed(k)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		raw, _ := b.get(k)
		b.bad(k, raw, "must be a whole number%s between %d and %d", unit, lo, hi)
		return def
	}
	return n
}

// starcdcKeys parses starcdc's own keys into conn.Load, conn.MySQLAddr,
// conn.DDL, conn.Mapping and conn.DeadLetter. It runs after the Java
// connector's keys are in conn.
func (b *connBuilder) starcdcKeys(conn *Connector) {
	conn.Load = b.load(conn)
	conn.MySQLAddr = mySQLFromHTTP(conn.HTTPURLs)
	if v, ok := b.trimmed(KeyMySQLURL); ok {
		addr, err := parseMySQLURL(v)
		switch {
		case err != nil && strings.Contains(v, "@"):
			b.badKey(KeyMySQLURL, "%v", err) // never echo a password
		case err != nil:
			raw, _ := b.get(KeyMySQLURL)
			b.bad(KeyMySQLURL, raw, "%v", err)
		default:
			conn.MySQLAddr = addr
		}
	}
	conn.DDL = b.ddl()
	conn.Mapping = b.mapping()
	conn.DeadLetter = b.deadLetter()
	conn.TLS = b.starrocksTLS(conn)
	conn.MySQLTLS = b.mysqlTLS(conn)
}

func (b *connBuilder) load(conn *Connector) LoadSettings {
	l := LoadSettings{Mode: LoadStreamLoad, Delivery: DeliveryExactlyOnce, LabelPrefix: labelPrefix(conn.Name), Headers: map[string]string{}}
	if b.enumKey(KeyLoadMode, string(LoadStreamLoad), string(LoadTransaction)) == 1 {
		l.Mode = LoadTransaction
	}
	if b.enumKey(KeyDelivery, string(DeliveryExactlyOnce), string(DeliveryAtLeastOnce)) == 1 {
		l.Delivery = DeliveryAtLeastOnce
	}
	l.RetryFor = time.Duration(b.intKey(KeyRetryTimeout, 0, 86400000, loader.DefaultRetryFor.Milliseconds(), " of milliseconds")) * time.Millisecond
	l.RegistryRetryFor = time.Duration(b.intKey(KeyRegistryRetry, 0, 86400000, (5*time.Minute).Milliseconds(), " of milliseconds")) * time.Millisecond
	l.ConnectTimeout = time.Duration(b.intKey(KeyConnectTimeout, 100, 600000, loader.DefaultConnectTimeout.Milliseconds(), " of milliseconds")) * time.Millisecond
	if _, ok := b.trimmed(KeyLoadMinInterval); ok {
		ms := b.intKey(KeyLoadMinInterval, 0, 3600000, -1, " of milliseconds")
		if ms >= 0 {
			l.MinInterval, l.MinIntervalSet = time.Duration(ms)*time.Millisecond, true
		}
	}
	for _, k := range sortedKeys(conn.SinkProperties) {
		v := conn.SinkProperties[k]
		if why, ok := reservedSinkProps[k]; ok {
			b.bad(prefixSinkProps+k, v, "cannot be set: %s", why)
			continue
		}
		if k == "timeout" {
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
				b.bad(prefixSinkProps+k, v, "must be a whole number of seconds above 0")
			}
		}
		if k != "compression" {
			l.Headers[k] = v
			continue
		}
		switch strings.ToLower(v) {
		case "lz4_frame", "lz4":
			l.Compression = CompressionLZ4
		case "gzip":
			l.Compression = CompressionGzip
		default:
			b.bad(prefixSinkProps+"compression", v, "must be lz4_frame or gzip")
		}
	}
	for _, d := range []struct {
		sub string
		dst *[]byte
	}{{"column_separator", &l.ColumnSeparator}, {"row_delimiter", &l.RowDelimiter}} {
		sub, dst := d.sub, d.dst
		v, ok := conn.SinkProperties[sub]
		if !ok {
			continue
		}
		d, why := parseDelimiter(v)
		if why != "" {
			b.bad(prefixSinkProps+sub, v, "%s", why)
			continue
		}
		*dst = d
	}
	return l
}

// reservedSinkProps are Stream Load headers that starcdc sets itself, so a
// sink.properties.<name> for them is refused (the loader refuses them too).
var reservedSinkProps = map[string]string{
	"label":             "starcdc derives labels from the connector name, the table and the batch",
	"expect":            "starcdc always sends Expect: 100-continue",
	"authorization":     "set starrocks.username and starrocks.password",
	"content-length":    "starcdc always sends the exact length",
	"transfer-encoding": "starcdc sends bodies with an exact Content-Length",
	"content-encoding":  "set sink.properties.compression",
	"db":                "set starrocks.database.name",
	"table":             "set starrocks.topic2table.map",
}

// parseDelimiter parses a column_separator or row_delimiter value as the
// Java connector does (StarRocksDelimiterParser): "\xHH..." (or "\XHH...")
// is a hex byte string; otherwise the text is the delimiter, with the
// escapes \n, \t and \r also accepted. An empty value is "\n". It returns
// why the value is refused, or "".
func parseDelimiter(s string) ([]byte, string) {
	if s == "" {
		return []byte("\n"), ""
	}
	if strings.HasPrefix(strings.ToUpper(s), `\X`) {
		b, err := hex.DecodeString(s[2:])
		if err != nil || len(b) == 0 {
			return nil, `a hex delimiter must be \x followed by an even, non-zero number of hex digits`
		}
		if len(b) > 50 {
			return nil, "must be at most 50 bytes"
		}
		return b, ""
	}
	r := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\r`, "\r").Replace(s)
	if len(r) > 50 {
		return nil, "must be at most 50 bytes"
	}
	return []byte(r), ""
}

// labelPrefix is "starcdc-<name>", hashed when the name is long or has
// characters a label may not hold (^[-\w]{1,128}$, docs/streamload.md §2.5).
func labelPrefix(name string) string {
	if p := "starcdc-" + name; len(name) <= 40 && loader.ValidLabel(p) {
		return p
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return "starcdc-" + strconv.FormatUint(h.Sum64(), 36)
}

// parseMySQLURL accepts host:port, mysql://host:port and
// jdbc:mysql://host:port[/db][?params] (the Flink connector's jdbc-url); a
// missing port is 9030. The first of a comma-separated list is used. Its
// errors never contain the value.
func parseMySQLURL(v string) (string, error) {
	v = strings.TrimSpace(strings.Split(v, ",")[0])
	v = strings.TrimPrefix(v, "jdbc:")
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil {
			return "", fmt.Errorf("not a URL; want host:port or jdbc:mysql://host:port")
		}
		if u.Scheme != "mysql" {
			return "", fmt.Errorf("scheme %q: want host:port or jdbc:mysql://host:port", u.Scheme)
		}
		if u.User != nil {
			return "", fmt.Errorf("must not contain credentials; use starrocks.username and starrocks.password")
		}
		v = u.Host
	}
	if v == "" {
		return "", fmt.Errorf("empty address")
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		host, port = v, DefaultMySQLPort
		if strings.Contains(v, ":") && !strings.HasPrefix(v, "[") {
			return "", fmt.Errorf("want host:port")
		}
		host = strings.Trim(host, "[]")
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", fmt.Errorf("bad port %q", port)
	}
	if host == "" {
		return "", fmt.Errorf("empty host")
	}
	return net.JoinHostPort(host, port), nil
}

func (b *connBuilder) ddl() DDL {
	var d DDL
	d.AutoCreate = b.boolKey(KeyAutoCreate, false)
	d.Evolution = EvolveNone
	if d.AutoCreate {
		d.Evolution = EvolveAddColumns
	}
	if _, ok := b.trimmed(KeyEvolution); ok {
		evolutions := []string{string(EvolveNone), string(EvolveAddColumns), string(EvolveAddAndWiden)}
		d.Evolution = Evolution(evolutions[b.enumKey(KeyEvolution, evolutions...)])
	}
	d.Buckets = int(b.intKey(KeyBuckets, 0, 1<<20, 0, ""))
	d.ReplicationNum = int(b.intKey(KeyReplicationNum, 1, 1<<20, 0, ""))
	d.DuplicateKeyWithoutKey = b.enumKey(KeyKeyless, "refuse", "duplicate") == 1
	for _, k := range sortedKeys(b.m) {
		switch {
		case strings.HasPrefix(k, PrefixTableProps):
			v, _ := b.get(k)
			name := strings.TrimPrefix(k, PrefixTableProps)
			switch {
			case name == "" || strings.ContainsAny(name, "\x00\n\r"):
				b.badKey(k, "bad property name; use %s<name>=<value>", PrefixTableProps)
			case name == "replication_num":
				b.badKey(k, "set %s instead", KeyReplicationNum)
			default:
				if d.Properties == nil {
					d.Properties = map[string]string{}
				}
				d.Properties[name] = strings.TrimSpace(v)
			}
		case strings.HasPrefix(k, prefixTableKeys) && k != KeyBuckets && k != KeyReplicationNum && k != KeyKeyless:
			b.get(k)
			b.badKey(k, "unknown key; the table keys are %s, %s, %s and %s<name>", KeyBuckets, KeyReplicationNum, KeyKeyless, PrefixTableProps)
		}
	}
	return d
}

func (b *connBuilder) mapping() Mapping {
	m := Mapping{Timezone: time.UTC, Geometry: GeometryWKT, SchemalessTypes: true}
	if v, ok := b.trimmed(KeyTimezone); ok {
		loc, err := time.LoadLocation(v)
		if err != nil {
			raw, _ := b.get(KeyTimezone)
			b.bad(KeyTimezone, raw, "must be an IANA time zone (e.g. UTC, Asia/Shanghai): %v", err)
		} else {
			m.Timezone = loc
		}
	}
	if b.enumKey(KeyGeometryFormat, string(GeometryWKT), string(GeometryWKBHex)) == 1 {
		m.Geometry = GeometryWKBHex
	}
	m.Varbinary = b.enumKey(KeyBytesType, "varchar_base64", "varbinary") == 1
	m.Decimal256 = b.boolKey(KeyDecimal256, false)
	m.SchemalessTypes = b.enumKey(KeySchemalessTypes, "target", "none") == 0
	m.Truncate = b.enumKey(KeyTruncatePolicy, "skip", "truncate") == 1
	rx, hasRx := b.get(KeyTopic2TableRegex)
	repl, hasRepl := b.get(KeyTopic2TableReplacement)
	switch {
	case hasRx:
		re, err := regexp.Compile(rx)
		switch {
		case err != nil:
			b.bad(KeyTopic2TableRegex, rx, "does not compile as a Go (RE2) regular expression: %v", err)
		case !hasRepl:
			b.bad(KeyTopic2TableRegex, rx, "is set without %s (e.g. $2 or $1_$2)", KeyTopic2TableReplacement)
		default:
			m.Rename = &TopicRename{Regex: re, Replacement: repl}
		}
	case hasRepl:
		b.warn(KeyTopic2TableReplacement, "ignored: %s is not set", KeyTopic2TableRegex)
	}
	return m
}

func (b *connBuilder) deadLetter() DeadLetter {
	d := DeadLetter{ReplicationFactor: 3}
	if v, ok := b.trimmed(KeyDLQTopic); ok {
		if !topicNameRe.MatchString(v) || v == "." || v == ".." {
			raw, _ := b.get(KeyDLQTopic)
			b.bad(KeyDLQTopic, raw, "is not a valid Kafka topic name (letters, digits, '.', '_' and '-', at most 249 characters)")
		} else {
			d.Topic = v
		}
	}
	if v, ok := b.trimmed(KeyDLQReplication); ok {
		n, err := strconv.ParseInt(v, 10, 16)
		if err != nil || (n < 1 && n != -1) {
			raw, _ := b.get(KeyDLQReplication)
			b.bad(KeyDLQReplication, raw, "must be a replication factor between 1 and 32767, or -1 for the brokers' default")
		} else {
			d.ReplicationFactor = int16(n)
		}
	}
	d.ContextHeaders = b.boolKey(KeyDLQContextHeaders, false)
	return d
}
