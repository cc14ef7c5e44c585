package config

import (
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
)

// StarRocks HTTPS keys (Connector.TLS): Kafka's client ssl.* key names
// under "starrocks.", for the Stream Load and Transaction Stream Load
// requests to the FEs and the BEs they redirect to.
const (
	KeySRTrustLocation = "starrocks.ssl.truststore.location"
	KeySRTrustPassword = "starrocks.ssl.truststore.password"
	KeySRTrustType     = "starrocks.ssl.truststore.type"
	KeySRKeyLocation   = "starrocks.ssl.keystore.location"
	KeySRKeyPassword   = "starrocks.ssl.keystore.password"
	KeySRKeyType       = "starrocks.ssl.keystore.type"
	KeySRKeyKeyPass    = "starrocks.ssl.key.password"
	KeySREndpointAlg   = "starrocks.ssl.endpoint.identification.algorithm"
)

var starrocksTLSKeys = []string{
	KeySRTrustLocation, KeySRTrustPassword, KeySRTrustType,
	KeySRKeyLocation, KeySRKeyPassword, KeySRKeyType, KeySRKeyKeyPass, KeySREndpointAlg,
}

// starrocksTLS parses the starrocks.ssl.* keys into the TLS setup of the
// HTTPS requests to StarRocks, or nil when none is set. It loads the stores
// once to report unreadable files and wrong passwords at start-up (errors
// name the key and file, never a password), and warns when no
// starrocks.http.url entry is https.
func (b *connBuilder) starrocksTLS(conn *Connector) *ClientTLS {
	set := false
	for _, k := range starrocksTLSKeys {
		if _, ok := b.get(k); ok {
			set = true
		}
	}
	if !set {
		return nil
	}
	str := func(k string) string { v, _ := b.get(k); return strings.TrimSpace(v) }
	c := &ClientTLS{
		Trust: StoreFile{Key: KeySRTrustLocation, Path: str(KeySRTrustLocation), Type: str(KeySRTrustType),
			StorePassword: Secret(str(KeySRTrustPassword))},
		Key: StoreFile{Key: KeySRKeyLocation, Path: str(KeySRKeyLocation), Type: str(KeySRKeyType),
			StorePassword: Secret(str(KeySRKeyPassword)), KeyPassword: Secret(str(KeySRKeyKeyPass))},
	}
	alg, algSet := b.get(KeySREndpointAlg)
	skip, err := ParseEndpointIdentification(KeySREndpointAlg, alg, algSet)
	if err != nil {
		b.bad(KeySREndpointAlg, alg, "use https (verify the host names, the default) or an empty value (do not)")
		return nil
	}
	c.SkipHostnameVerification = skip
	if _, err := c.Config(); err != nil {
		key := KeySRTrustLocation
		if strings.Contains(err.Error(), KeySRKeyLocation) {
			key = KeySRKeyLocation
		}
		// Store errors name the key and file and never hold a password.
		b.badKey(key, "%v", err)
		return nil
	}
	https := false
	for _, u := range conn.HTTPURLs {
		if strings.HasPrefix(u, "https://") {
			https = true
		}
	}
	mysqlMode, _ := b.get(KeyMySQLSSLMode)
	if m, err := ParseMySQLSSLMode(mysqlMode); !https && (err != nil || m == MySQLSSLDisabled) {
		b.warn(KeySRTrustLocation, "starrocks.ssl.* settings are unused: no starrocks.http.url entry is https:// and %s is DISABLED", KeyMySQLSSLMode)
	}
	return c
}

// KeyMySQLSSLMode is starrocks.mysql.ssl.mode (Connector.MySQLTLS): TLS on
// the FE's MySQL-protocol connection (DDL, TRUNCATE, column types), with the
// MySQL client's --ssl-mode names. StarRocks serves TLS on that port from
// v3.4.1 when fe.conf sets ssl_keystore_location (with
// ssl_keystore_password, ssl_key_password), and refuses plain connections
// with ssl_force_secure_transport=true (StarRocks docs, "SSL
// Authentication", administration/user_privs/ssl_authentication).
const KeyMySQLSSLMode = "starrocks.mysql.ssl.mode"

// MySQLSSLMode is a value of starrocks.mysql.ssl.mode. The names and their
// meaning are the MySQL client's --ssl-mode.
type MySQLSSLMode int

const (
	// MySQLSSLDisabled connects without TLS (the default).
	MySQLSSLDisabled MySQLSSLMode = iota
	// MySQLSSLPreferred uses TLS when the FE offers it, without verifying
	// its certificate, and connects in plain text when it does not.
	MySQLSSLPreferred
	// MySQLSSLRequired requires TLS and does not verify the certificate.
	MySQLSSLRequired
	// MySQLSSLVerifyCA requires TLS and verifies the FE's certificate chain
	// against the trust store (the system roots without one), not its host
	// name.
	MySQLSSLVerifyCA
	// MySQLSSLVerifyIdentity verifies the chain and that the certificate
	// is for the host of starrocks.mysql.url.
	MySQLSSLVerifyIdentity
)

var mysqlSSLModeNames = []string{"DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"}

func (m MySQLSSLMode) String() string {
	if m >= 0 && int(m) < len(mysqlSSLModeNames) {
		return mysqlSSLModeNames[m]
	}
	return "MySQLSSLMode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMySQLSSLMode reads a starrocks.mysql.ssl.mode value, in any case
// (surrounding blanks ignored); an empty value is DISABLED.
func ParseMySQLSSLMode(v string) (MySQLSSLMode, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return MySQLSSLDisabled, nil
	}
	for i, n := range mysqlSSLModeNames {
		if strings.EqualFold(v, n) {
			return MySQLSSLMode(i), nil
		}
	}
	return MySQLSSLDisabled, invalidf("%s=%q: must be %s", KeyMySQLSSLMode, v, orList(mysqlSSLModeNames))
}

// MySQLTLS is the TLS setup of the MySQL-protocol connection to the FE:
// starrocks.mysql.ssl.mode and the starrocks.ssl.* stores it shares with
// HTTPS. The zero value is DISABLED.
//
// starrocks.ssl.endpoint.identification.algorithm does not apply here: it
// is HTTPS's (Kafka's key), and the mode already says whether the host name
// is verified (VERIFY_IDENTITY) or not (VERIFY_CA), as the MySQL client's
// --ssl-mode does.
type MySQLTLS struct {
	Mode MySQLSSLMode
	// Stores are the starrocks.ssl.* trust store (for the VERIFY_* modes;
	// none: the system roots) and key store (a client certificate, sent
	// in every mode but DISABLED); nil when none is set.
	Stores *ClientTLS
}

// ClientConfig returns the client TLS configuration of m: nil for
// DISABLED. fallback is true for PREFERRED: connect in plain text when the
// FE does not offer TLS. Errors name the key and store file, never a
// password.
func (m MySQLTLS) ClientConfig() (cfg *tls.Config, fallback bool, err error) {
	if m.Mode == MySQLSSLDisabled {
		return nil, false, nil
	}
	cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	if m.Stores != nil {
		if cfg, err = m.Stores.Config(); err != nil {
			return nil, false, fmt.Errorf("%s=%s: %w", KeyMySQLSSLMode, m.Mode, err)
		}
	}
	// The mode alone decides verification (Stores.SkipHostnameVerification,
	// from the HTTPS key, is ignored).
	cfg.InsecureSkipVerify, cfg.VerifyConnection = false, nil
	switch m.Mode {
	case MySQLSSLPreferred, MySQLSSLRequired:
		cfg.InsecureSkipVerify = true
	case MySQLSSLVerifyCA:
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = VerifyChainOnly(cfg.RootCAs)
	case MySQLSSLVerifyIdentity:
	default:
		return nil, false, invalidf("%s: unknown mode %v", KeyMySQLSSLMode, m.Mode)
	}
	return cfg, m.Mode == MySQLSSLPreferred, nil
}

// mysqlTLS parses starrocks.mysql.ssl.mode into conn.MySQLTLS; it runs
// after starrocksTLS (conn.TLS holds the stores).
func (b *connBuilder) mysqlTLS(conn *Connector) MySQLTLS {
	raw, _ := b.get(KeyMySQLSSLMode)
	mode, err := ParseMySQLSSLMode(raw)
	if err != nil {
		b.bad(KeyMySQLSSLMode, raw, "must be %s (any case)", orList(mysqlSSLModeNames))
		return MySQLTLS{}
	}
	t := MySQLTLS{Mode: mode, Stores: conn.TLS}
	if u, ok := b.get(KeyMySQLURL); ok && strings.TrimSpace(raw) == "" {
		// A jdbc:mysql:// URL copied from the Flink connector may ask for
		// TLS in its parameters, which starcdc does not read.
		lu := strings.ToLower(u)
		if strings.Contains(lu, "sslmode=") || strings.Contains(lu, "usessl=") || strings.Contains(lu, "requiressl=") {
			b.warn(KeyMySQLURL, "its TLS parameters (sslMode, useSSL, requireSSL) are ignored; set %s (%s)", KeyMySQLSSLMode, orList(mysqlSSLModeNames))
		}
	}
	if conn.TLS == nil {
		return t
	}
	alg, algSet := b.get(KeySREndpointAlg)
	if skip, _ := ParseEndpointIdentification(KeySREndpointAlg, alg, algSet); skip && mode == MySQLSSLVerifyIdentity {
		b.warn(KeyMySQLSSLMode, "%s=VERIFY_IDENTITY verifies the FE's host name although %s is empty (that key is for HTTPS only); use VERIFY_CA to verify the chain without the host name", KeyMySQLSSLMode, KeySREndpointAlg)
	}
	https := false
	for _, u := range conn.HTTPURLs {
		https = https || strings.HasPrefix(u, "https://")
	}
	if !https && (conn.TLS.Trust.Path != "" || conn.TLS.TrustPEM.Text != "") && (mode == MySQLSSLPreferred || mode == MySQLSSLRequired) {
		b.warn(KeyMySQLSSLMode, "%s=%s does not verify the FE's certificate, so the MySQL connection ignores %s; use VERIFY_CA or VERIFY_IDENTITY to verify it", KeyMySQLSSLMode, mode, KeySRTrustLocation)
	}
	return t
}
