package ddl

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/starcdc/starcdc/mapping"
)

// Evolution says which schema changes starcdc applies to a table.
type Evolution int

const (
	// EvolveNone never alters tables; a schema change the table cannot
	// hold is reported.
	EvolveNone Evolution = iota
	// EvolveAddColumns adds new source fields as nullable columns.
	EvolveAddColumns
	// EvolveAddAndWiden also widens columns in place (MODIFY COLUMN).
	EvolveAddAndWiden
)

var evolutionNames = []string{"none", "add_columns", "add_and_widen"}

func (e Evolution) String() string {
	if int(e) < len(evolutionNames) {
		return evolutionNames[e]
	}
	return "unknown"
}

// Config keys read by OptionsFromConfig (see the package doc).
const (
	KeyAutoCreate     = "starrocks.auto.create.tables"
	KeyEvolution      = "starrocks.schema.evolution"
	KeyMySQLURL       = "starrocks.mysql.url"
	KeyBuckets        = "starrocks.table.buckets"
	KeyReplicationNum = "starrocks.table.replication.num"
	KeyPropertyPrefix = "starrocks.table.properties."
	KeyKeyless        = "starrocks.table.keyless"
	KeyDecimal256     = "starrocks.decimal256"
	KeyBytesType      = "starrocks.bytes.type"
)

// DefaultMySQLPort is the FE's MySQL-protocol port (query_port).
const DefaultMySQLPort = "9030"

// Options configure Plan and the DDL starcdc runs.
type Options struct {
	// AutoCreate creates missing tables (starrocks.auto.create.tables).
	AutoCreate bool
	// Evolution says which schema changes are applied.
	Evolution Evolution
	// MySQLURL is the FE's MySQL-protocol address, host:port; "" means the
	// host of the first starrocks.http.url with port 9030 (see MySQLAddr).
	MySQLURL string
	// Buckets is the BUCKETS of created tables; 0 omits the clause.
	Buckets int
	// ReplicationNum is the replication_num of created tables; 0 omits it,
	// so the cluster's default_replication_num applies (3 out of the box,
	// which fails on a cluster with fewer BEs: set 1 there).
	ReplicationNum int
	// Properties are extra PROPERTIES of created tables.
	Properties map[string]string
	// DuplicateKeyWithoutKey plans a DUPLICATE KEY table for a topic
	// without a key schema instead of failing with ErrNoKey.
	DuplicateKeyWithoutKey bool
	// TypeOptions choose between alternative type mappings.
	TypeOptions mapping.TypeOptions
}

// AllowModify reports whether Evolve may widen columns.
func (o Options) AllowModify() bool { return o.Evolution == EvolveAddAndWiden }

// OptionsFromConfig reads the ddl keys from a connector's extra keys
// (config.Connector.Extra). Other keys are ignored; a malformed value, or an
// unknown starrocks.table.* key, is an error naming the key.
func OptionsFromConfig(extra map[string]string) (Options, error) {
	var o Options
	get := func(k string) (string, bool) {
		v, ok := extra[k]
		return strings.TrimSpace(v), ok
	}
	boolKey := func(k string) (bool, error) {
		v, ok := get(k)
		if !ok || v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(strings.ToLower(v))
		if err != nil {
			return false, fmt.Errorf("%s=%q: want true or false", k, v)
		}
		return b, nil
	}
	var err error
	if o.AutoCreate, err = boolKey(KeyAutoCreate); err != nil {
		return Options{}, err
	}
	if o.TypeOptions.Decimal256, err = boolKey(KeyDecimal256); err != nil {
		return Options{}, err
	}
	switch v, _ := get(KeyBytesType); strings.ToLower(v) {
	case "", "varchar_base64":
	case "varbinary":
		o.TypeOptions.Varbinary = true
	default:
		return Options{}, fmt.Errorf("%s=%q: use varchar_base64 or varbinary", KeyBytesType, v)
	}
	o.Evolution = EvolveNone
	if o.AutoCreate {
		o.Evolution = EvolveAddColumns
	}
	if v, ok := get(KeyEvolution); ok && v != "" {
		i := slices.Index(evolutionNames, strings.ToLower(v))
		if i < 0 {
			return Options{}, fmt.Errorf("%s=%q: want none, add_columns or add_and_widen", KeyEvolution, v)
		}
		o.Evolution = Evolution(i)
	}
	if v, ok := get(KeyMySQLURL); ok && v != "" {
		if o.MySQLURL, err = parseMySQLURL(v); err != nil {
			if strings.Contains(v, "@") {
				return Options{}, fmt.Errorf("%s: %w", KeyMySQLURL, err) // never echo a password
			}
			return Options{}, fmt.Errorf("%s=%q: %w", KeyMySQLURL, v, err)
		}
	}
	intKey := func(k string, minV int) (int, error) {
		v, ok := get(k)
		if !ok || v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < minV || n > 1<<20 {
			return 0, fmt.Errorf("%s=%q: want a whole number from %d", k, v, minV)
		}
		return n, nil
	}
	if o.Buckets, err = intKey(KeyBuckets, 0); err != nil { // 0 = no BUCKETS clause
		return Options{}, err
	}
	if o.ReplicationNum, err = intKey(KeyReplicationNum, 1); err != nil {
		return Options{}, err
	}
	if v, ok := get(KeyKeyless); ok && v != "" {
		switch strings.ToLower(v) {
		case "refuse":
		case "duplicate":
			o.DuplicateKeyWithoutKey = true
		default:
			return Options{}, fmt.Errorf("%s=%q: want refuse or duplicate", KeyKeyless, v)
		}
	}
	for k, v := range extra {
		switch {
		case strings.HasPrefix(k, KeyPropertyPrefix):
			name := strings.TrimPrefix(k, KeyPropertyPrefix)
			if name == "" || strings.ContainsAny(name, "\x00\n\r") {
				return Options{}, fmt.Errorf("%s: bad property name; use %s<name>=<value>", k, KeyPropertyPrefix)
			}
			if name == "replication_num" {
				return Options{}, fmt.Errorf("%s: set %s instead", k, KeyReplicationNum)
			}
			if o.Properties == nil {
				o.Properties = map[string]string{}
			}
			o.Properties[name] = strings.TrimSpace(v)
		case strings.HasPrefix(k, "starrocks.table.") && k != KeyBuckets && k != KeyReplicationNum && k != KeyKeyless:
			return Options{}, fmt.Errorf("%s: unknown key; the table keys are %s, %s, %s and %s<name>", k, KeyBuckets, KeyReplicationNum, KeyKeyless, KeyPropertyPrefix)
		}
	}
	return o, nil
}

// parseMySQLURL accepts host:port, mysql://host:port and
// jdbc:mysql://host:port[/db][?params] (the Flink connector's jdbc-url); a
// missing port is 9030. The first of a comma-separated list is used.
func parseMySQLURL(v string) (string, error) {
	v = strings.TrimSpace(strings.Split(v, ",")[0])
	v = strings.TrimPrefix(v, "jdbc:")
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil {
			return "", errors.New("not a URL; want host:port or jdbc:mysql://host:port")
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

// MySQLAddr returns the address Manager connects to: o.MySQLURL, else the
// host of the first HTTP URL (config.Connector.HTTPURLs, "http://fe:8030")
// with port 9030.
func (o Options) MySQLAddr(httpURLs []string) (string, error) {
	if o.MySQLURL != "" {
		return o.MySQLURL, nil
	}
	if len(httpURLs) == 0 {
		return "", fmt.Errorf("no StarRocks FE address: set %s=host:9030 or starrocks.http.url", KeyMySQLURL)
	}
	raw := httpURLs[0]
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("starrocks.http.url %q has no host; set %s=host:9030", httpURLs[0], KeyMySQLURL)
	}
	return net.JoinHostPort(u.Hostname(), DefaultMySQLPort), nil
}
