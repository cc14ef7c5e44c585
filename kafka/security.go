package kafka

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/starcdc/starcdc/config"
)

// Kafka client security keys, as a Kafka Connect worker writes them
// (config.Worker.Security holds them with any "consumer." prefix removed).
const (
	keySecurityProtocol   = "security.protocol"
	keySASLMechanism      = "sasl.mechanism"
	keySASLJAASConfig     = "sasl.jaas.config"
	keyTrustStoreType     = "ssl.truststore.type"
	keyTrustStoreCerts    = "ssl.truststore.certificates"
	keyTrustStoreLocation = "ssl.truststore.location"
	keyKeyStoreType       = "ssl.keystore.type"
	keyKeyStoreChain      = "ssl.keystore.certificate.chain"
	keyKeyStoreKey        = "ssl.keystore.key"
	keyKeyStoreLocation   = "ssl.keystore.location"
	keyKeyPassword        = "ssl.key.password"
	keyTrustStorePassword = "ssl.truststore.password"
	keyKeyStorePassword   = "ssl.keystore.password"
	keyEndpointAlgorithm  = "ssl.endpoint.identification.algorithm"
	keyEnabledProtocols   = "ssl.enabled.protocols"
	keySSLProtocol        = "ssl.protocol"
)

// ClientOpts returns the franz-go options that every client of the
// worker's Kafka cluster starts from: the seed brokers
// (w.BootstrapServers) and the TLS and SASL options of w.Security (see
// SecurityOpts, whose warnings and errors it returns). Callers add their
// own options (consumer group, topics, producer limits) after these.
func ClientOpts(w config.Worker) (opts []kgo.Opt, warnings []string, err error) {
	sec, warnings, err := SecurityOpts(w.Security)
	if err != nil {
		return nil, warnings, err
	}
	return append([]kgo.Opt{kgo.SeedBrokers(w.BootstrapServers...)}, sec...), warnings, nil
}

// SecurityOpts turns the Kafka client security settings of a Kafka Connect
// worker (config.Worker.Security: security.protocol, sasl.* and ssl.*) into
// franz-go client options.
//
// security.protocol is PLAINTEXT (the default, no options), SSL,
// SASL_PLAINTEXT or SASL_SSL, in any case.
//
// SASL: sasl.mechanism is PLAIN (the default), SCRAM-SHA-256 or
// SCRAM-SHA-512, with the credentials taken from the username and password
// options of sasl.jaas.config (one PlainLoginModule or ScramLoginModule
// entry, in the syntax config.ParseJAAS reads; tokenauth=true marks SCRAM
// delegation-token credentials). A JAAS file given with
// -Djava.security.auth.login.config is not read.
//
// OAUTHBEARER: an OAuthBearerLoginModule entry whose clientId,
// clientSecret and (optional) scope options, with
// sasl.oauthbearer.token.endpoint.url, fetch tokens with the OAuth 2
// client-credentials grant as Kafka's OAuthBearerLoginCallbackHandler does
// (sasl.oauthbearer.header.urlencode, sasl.login.connect.timeout.ms and
// sasl.login.read.timeout.ms are read; extension_NAME options become SASL
// extensions; its ssl.* options set the TLS of an https token endpoint, as
// in Kafka). A token is reused until sasl.login.refresh.window.factor
// (default 0.8) of its lifetime has passed, then fetched anew.
//
// GSSAPI (Kerberos, franz-go's pkg/sasl/kerberos over gokrb5): a
// com.sun.security.auth.module.Krb5LoginModule entry with useKeyTab=true,
// keyTab and principal (a keytab login), or useTicketCache=true (an MIT
// FILE: credential cache: the ticketCache option, else KRB5CCNAME, else
// /tmp/krb5cc_<uid>; with both, the cache is tried first, then the keytab,
// as Krb5LoginModule does, and the keytab takes over once the cache's
// ticket has expired). A principal without "@REALM" takes krb5.conf's
// default_realm. krb5.conf is read from KRB5_CONFIG (MIT's variable), else
// /etc/krb5.conf (a [libdefaults] line that gokrb5 cannot read is left out
// with a warning); Java's -Djava.security.krb5.conf is not read: set
// KRB5_CONFIG instead. The broker's service name comes from the JAAS
// serviceName option or sasl.kerberos.service.name, as Kafka's
// KerberosLogin chooses it (one is required; both must agree), and the
// service principal is <service>/<broker host as advertised>. krb5.conf,
// the keytab (which must hold a key for the principal) and the ticket cache
// are read here, so that a wrong file fails at start-up; the KDC is first
// contacted at the first broker connection, whose errors wrap ErrKerberos
// and name the principal, the realm and its KDCs. With a keytab, gokrb5
// renews the ticket and logs in again by itself; a ticket cache is read
// again once its ticket has expired. sasl.kerberos.kinit.cmd,
// sasl.kerberos.ticket.renew.window.factor, sasl.kerberos.ticket.renew.jitter
// and sasl.kerberos.min.time.before.relogin are warned about and not acted
// on; the Krb5LoginModule options storeKey, debug, doNotPrompt,
// refreshKrb5Config and isInitiator matter to Java only and are accepted
// silently, and other options are warned about.
//
// AWS_MSK_IAM: an IAMLoginModule entry (aws-msk-iam-auth) with credentials
// from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN in
// starcdc's environment, read for every authentication; the awsProfileName
// and awsRoleArn options need the AWS SDK and are refused.
//
// TLS: without a trust store the system roots verify the brokers. Trust
// and key stores are JKS, PKCS12 or PEM files (ssl.truststore.location,
// ssl.keystore.location, with ssl.truststore.type / ssl.keystore.type; as
// in Java, JKS, PKCS12 or an unset type read either binary format, and an
// unset type also reads PEM text),
// or PEM text (ssl.truststore.certificates, ssl.keystore.certificate.chain
// with ssl.keystore.key). config.LoadTrustStore and config.LoadKeyStore
// read the files: ssl.truststore.password and ssl.keystore.password open
// JKS and PKCS12 stores (a JKS store's integrity is always checked, so its
// password is required), ssl.key.password decrypts a JKS key entry
// (default: the store password, as in Kafka); encrypted PEM keys are not
// supported. ssl.endpoint.identification.algorithm set to ""
// disables host name verification but, as in Kafka, not the verification
// of the certificate chain; unset or "https", host names are verified.
// ssl.enabled.protocols (TLSv1.2, TLSv1.3) bounds the TLS versions, and
// ssl.protocol=TLSv1.2 caps them at TLS 1.2, as in Kafka; TLS 1.2 is the
// minimum.
//
// Every present key that SecurityOpts does not act on (such as
// ssl.cipher.suites, sasl.kerberos.service.name without GSSAPI, or ssl.*
// keys when security.protocol has no TLS) yields a warning; warnings are sorted by
// key, and returned with an error too. Errors are joined with errors.Join;
// each wraps config.ErrInvalid, and those about features starcdc does not
// implement (encrypted PEM keys, a JKS store without its password, a
// non-FILE: Kerberos ticket cache) also wrap errors.ErrUnsupported; an
// unreadable store file gives the os.ReadFile error instead. Neither errors
// nor warnings ever contain a password, a private key, a keytab's keys or
// any part of sasl.jaas.config other than the login module class name and,
// for Krb5LoginModule, the principal and the paths of the keytab and the
// ticket cache, which are not secret and which the operator needs to see.
//
// The options are for every client that talks to the worker's Kafka
// cluster (consumer, dead letter queue producer, admin).
func SecurityOpts(sec map[string]string) (opts []kgo.Opt, warnings []string, err error) {
	ks, err := parseSecurity(sec)
	if err != nil {
		return nil, ks.warnings, err
	}
	if ks.mechanism != nil {
		opts = append(opts, kgo.SASL(ks.mechanism))
	}
	if ks.tls != nil {
		opts = append(opts, kgo.DialTLSConfig(ks.tls))
	}
	return opts, ks.warnings, nil
}

// kafkaSecurity is the parsed form of the security keys.
type kafkaSecurity struct {
	protocol  string
	mechanism sasl.Mechanism // nil without SASL
	tls       *tls.Config    // nil without TLS
	warnings  []string
}

// secParser reads security keys and remembers which ones it acted on.
type secParser struct {
	sec      map[string]string
	used     map[string]bool
	warnings []string
}

// get returns the trimmed value of key and marks it as used.
func (p *secParser) get(key string) (string, bool) {
	v, ok := p.sec[key]
	p.used[key] = true
	return strings.TrimSpace(v), ok
}

func (p *secParser) warnf(key, format string, args ...any) {
	p.warnings = append(p.warnings, key+": "+fmt.Sprintf(format, args...))
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{config.ErrInvalid}, args...)...)
}

// unsupportedError is a setting starcdc does not implement. It wraps
// config.ErrInvalid (the user must change the setting) and
// errors.ErrUnsupported, without printing them.
type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string   { return e.msg }
func (e *unsupportedError) Unwrap() []error { return []error{config.ErrInvalid, errors.ErrUnsupported} }

func unsupportedf(format string, args ...any) error {
	return &unsupportedError{msg: fmt.Sprintf(format, args...)}
}

// parseSecurity does the work of SecurityOpts. Its result always holds the
// warnings, even with an error.
func parseSecurity(sec map[string]string) (kafkaSecurity, error) {
	p := &secParser{sec: sec, used: map[string]bool{}}
	var ks kafkaSecurity
	proto, _ := p.get(keySecurityProtocol)
	proto = strings.ToUpper(proto)
	var useTLS, useSASL bool
	switch proto {
	case "", "PLAINTEXT":
		proto = "PLAINTEXT"
	case "SSL":
		useTLS = true
	case "SASL_PLAINTEXT":
		useSASL = true
	case "SASL_SSL":
		useTLS, useSASL = true, true
	default:
		return ks, invalidf("%s=%q: use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", keySecurityProtocol, proto)
	}
	ks.protocol = proto
	var errs []error
	if useSASL {
		m, err := p.sasl()
		errs = append(errs, err)
		ks.mechanism = m
	}
	if useTLS {
		c, err := p.tlsConfig()
		errs = append(errs, err)
		ks.tls = c
	}
	for _, k := range slices.Sorted(maps.Keys(sec)) {
		if p.used[k] {
			continue
		}
		switch {
		case strings.HasPrefix(k, "ssl.") && !useTLS:
			p.warnf(k, "ignored: security.protocol=%s does not use TLS", proto)
		case strings.HasPrefix(k, "sasl.") && !useSASL:
			p.warnf(k, "ignored: security.protocol=%s does not use SASL", proto)
		default:
			p.warnf(k, "ignored: %s", ignoredReason(k))
		}
	}
	slices.Sort(p.warnings)
	ks.warnings = p.warnings
	if err := errors.Join(errs...); err != nil {
		ks.mechanism, ks.tls = nil, nil
		return ks, err
	}
	return ks, nil
}

// ignoredReason says why starcdc does not act on a security key.
func ignoredReason(k string) string {
	switch {
	case k == "ssl.cipher.suites":
		return "starcdc uses Go's default TLS cipher suites"
	case k == keyTrustStorePassword:
		return "PEM trust stores have no password"
	case k == keyKeyStorePassword:
		return "PEM key stores have no password"
	case k == keyKeyPassword:
		return "PEM keys must not be encrypted, and no JKS or PKCS12 key store is configured"
	case k == "ssl.keymanager.algorithm", k == "ssl.trustmanager.algorithm",
		k == "ssl.provider", k == "ssl.secure.random.implementation",
		k == "ssl.engine.factory.class", k == "sasl.client.callback.handler.class",
		k == "sasl.login.class":
		return "Java-specific setting"
	case strings.HasPrefix(k, "sasl.kerberos."):
		return "read only with sasl.mechanism=GSSAPI"
	case strings.HasPrefix(k, "sasl.oauthbearer.") || strings.HasPrefix(k, "sasl.login."):
		return "read only with sasl.mechanism=OAUTHBEARER, and then only the keys the README lists"
	}
	return "not interpreted by starcdc"
}

// sasl builds the SASL mechanism from sasl.mechanism and sasl.jaas.config.
func (p *secParser) sasl() (sasl.Mechanism, error) {
	mech, _ := p.get(keySASLMechanism)
	mech = strings.ToUpper(mech)
	switch mech {
	case "":
		mech = "PLAIN"
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER", "AWS_MSK_IAM", "GSSAPI":
	default:
		return nil, invalidf("%s=%q: use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, AWS_MSK_IAM or GSSAPI", keySASLMechanism, mech)
	}
	jaas, _ := p.get(keySASLJAASConfig)
	if jaas == "" {
		return nil, invalidf("%s is required with sasl.mechanism=%s (starcdc does not read a JAAS file given by java.security.auth.login.config)", keySASLJAASConfig, mech)
	}
	e, err := config.ParseJAAS(jaas)
	if err != nil {
		// ParseJAAS errors hold no text of the value.
		return nil, invalidf("%s: %w", keySASLJAASConfig, err)
	}
	oauthModule := isModule(e.LoginModule, "OAuthBearerLoginModule")
	iamModule := isModule(e.LoginModule, "IAMLoginModule")
	krb5Module := isModule(e.LoginModule, "Krb5LoginModule")
	switch {
	case mech == "GSSAPI" && krb5Module:
		return p.gssapi(e.Options)
	case mech == "GSSAPI", krb5Module:
		return nil, invalidf("%s: sasl.mechanism=GSSAPI goes with com.sun.security.auth.module.Krb5LoginModule (login module %s, sasl.mechanism=%s)", keySASLJAASConfig, e.LoginModule, mech)
	case mech == "AWS_MSK_IAM" && iamModule:
		return p.awsIAM(e.Options)
	case mech == "AWS_MSK_IAM", iamModule:
		return nil, invalidf("%s: sasl.mechanism=AWS_MSK_IAM goes with software.amazon.msk.auth.iam.IAMLoginModule (login module %s, sasl.mechanism=%s)", keySASLJAASConfig, e.LoginModule, mech)
	case mech == "OAUTHBEARER" && oauthModule:
		return p.oauthBearer(e.Options)
	case mech == "OAUTHBEARER", oauthModule:
		return nil, invalidf("%s: sasl.mechanism=OAUTHBEARER goes with org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule (login module %s, sasl.mechanism=%s)", keySASLJAASConfig, e.LoginModule, mech)
	case isModule(e.LoginModule, "PlainLoginModule"), isModule(e.LoginModule, "ScramLoginModule"):
	default:
		return nil, invalidf("%s: login module %s is not supported: use org.apache.kafka.common.security.plain.PlainLoginModule or org.apache.kafka.common.security.scram.ScramLoginModule", keySASLJAASConfig, e.LoginModule)
	}
	user, pass := e.Options["username"], e.Options["password"]
	switch {
	case user == "":
		return nil, invalidf("%s: the login module has no username option, or an empty one", keySASLJAASConfig)
	case pass == "":
		return nil, invalidf("%s: the login module has no password option, or an empty one", keySASLJAASConfig)
	}
	token := strings.EqualFold(e.Options["tokenauth"], "true")
	if _, ok := e.Options["tokenauth"]; ok && mech == "PLAIN" {
		p.warnf(keySASLJAASConfig, "option tokenauth is ignored with sasl.mechanism=PLAIN")
	}
	if n := len(e.Options) - countKeys(e.Options, "username", "password", "tokenauth"); n > 0 {
		p.warnf(keySASLJAASConfig, "%d login module option(s) other than username, password and tokenauth ignored", n)
	}
	switch mech {
	case "SCRAM-SHA-256":
		return scram.Auth{User: user, Pass: pass, IsToken: token}.AsSha256Mechanism(), nil
	case "SCRAM-SHA-512":
		return scram.Auth{User: user, Pass: pass, IsToken: token}.AsSha512Mechanism(), nil
	}
	return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
}

func countKeys(m map[string]string, keys ...string) int {
	n := 0
	for _, k := range keys {
		if _, ok := m[k]; ok {
			n++
		}
	}
	return n
}

// isModule reports whether the login module class name is the Kafka class
// with the given simple name, in any package (shaded copies included).
func isModule(class, simple string) bool {
	return class == simple || strings.HasSuffix(class, "."+simple)
}

// tlsConfig builds the client TLS configuration from the ssl.* keys.
func (p *secParser) tlsConfig() (*tls.Config, error) {
	var errs []error
	roots, err := p.trustStore()
	errs = append(errs, err)
	cert, err := p.keyStore()
	errs = append(errs, err)
	minV, maxV, err := p.tlsVersions()
	errs = append(errs, err)
	c := &tls.Config{RootCAs: roots, MinVersion: minV, MaxVersion: maxV}
	if cert != nil {
		c.Certificates = []tls.Certificate{*cert}
	}
	switch alg, ok := p.get(keyEndpointAlgorithm); {
	case !ok || strings.EqualFold(alg, "https"):
	case alg == "":
		// As in Kafka: no host name verification, but the chain is verified.
		c.InsecureSkipVerify = true
		c.VerifyConnection = config.VerifyChainOnly(roots)
	default:
		errs = append(errs, invalidf("%s=%q: use https (verify the broker host name, the default) or an empty value (do not)", keyEndpointAlgorithm, alg))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// tlsVersions reads ssl.enabled.protocols and ssl.protocol.
func (p *secParser) tlsVersions() (minV, maxV uint16, err error) {
	minV, maxV = tls.VersionTLS12, tls.VersionTLS13
	if list, _ := p.get(keyEnabledProtocols); list != "" {
		var vs []uint16
		var old []string
		for _, v := range strings.Split(list, ",") {
			switch v = strings.TrimSpace(v); v {
			case "":
			case "TLSv1.2":
				vs = append(vs, tls.VersionTLS12)
			case "TLSv1.3":
				vs = append(vs, tls.VersionTLS13)
			case "TLSv1", "TLSv1.1", "SSLv3", "SSLv2Hello":
				old = append(old, v)
			default:
				return 0, 0, invalidf("%s: unknown protocol %q: use TLSv1.2 and/or TLSv1.3", keyEnabledProtocols, v)
			}
		}
		if len(vs) == 0 {
			return 0, 0, invalidf("%s=%s: starcdc supports only TLSv1.2 and TLSv1.3", keyEnabledProtocols, list)
		}
		if len(old) > 0 {
			p.warnf(keyEnabledProtocols, "%s ignored: starcdc supports only TLSv1.2 and TLSv1.3", strings.Join(old, ", "))
		}
		minV, maxV = slices.Min(vs), slices.Max(vs)
	}
	switch proto, _ := p.get(keySSLProtocol); proto {
	case "", "TLS", "SSL", "TLSv1.3":
	case "TLSv1.2":
		// A TLSv1.2 SSLContext never negotiates TLS 1.3.
		if minV > tls.VersionTLS12 {
			return 0, 0, invalidf("%s=TLSv1.2 conflicts with %s, which allows only TLSv1.3", keySSLProtocol, keyEnabledProtocols)
		}
		maxV = tls.VersionTLS12
	default:
		return 0, 0, invalidf("%s=%q: use TLSv1.2 or TLSv1.3", keySSLProtocol, proto)
	}
	return minV, maxV, nil
}

// storeType reads a store type key: "" (unset: Kafka's default JKS, or
// PEM for a file holding PEM text), JKS, PKCS12 or PEM.
func (p *secParser) storeType(key string) (string, error) {
	t, _ := p.get(key)
	switch t = strings.ToUpper(t); t {
	case "", config.StoreJKS, config.StorePKCS12, config.StorePEM:
		return t, nil
	}
	return "", unsupportedf("%s=%q: starcdc reads JKS, PKCS12 and PEM stores", key, t)
}

// storePassword reads a store password key if the store type uses it.
func (p *secParser) storePassword(typ, key string) config.Secret {
	if typ == config.StorePEM {
		return "" // left unused: warned as ignored
	}
	pw, _ := p.get(key)
	return config.Secret(pw)
}

// trustStore returns the configured CA pool, or nil for the system roots.
func (p *secParser) trustStore() (*x509.CertPool, error) {
	certs, _ := p.get(keyTrustStoreCerts)
	loc, _ := p.get(keyTrustStoreLocation)
	if certs == "" && loc == "" {
		p.get(keyTrustStoreType) // a type alone changes nothing
		return nil, nil
	}
	typ, err := p.storeType(keyTrustStoreType)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	switch {
	case certs != "" && loc != "":
		return nil, invalidf("set only one of %s and %s", keyTrustStoreCerts, keyTrustStoreLocation)
	case loc != "":
		if typ == "" {
			typ = sniffStoreType(loc)
		}
		sf := &config.StoreFile{Key: keyTrustStoreLocation, Path: loc, Type: typ,
			StorePassword: p.storePassword(typ, keyTrustStorePassword)}
		list, err := config.LoadTrustStore(sf)
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			pool.AddCert(c)
		}
		return pool, nil
	}
	if typ != "" && typ != config.StorePEM {
		return nil, invalidf("%s holds PEM text: set %s=PEM or leave it unset", keyTrustStoreCerts, keyTrustStoreType)
	}
	list, err := config.PEMCertificates(keyTrustStoreCerts, []byte(certs))
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		pool.AddCert(c)
	}
	return pool, nil
}

// sniffStoreType resolves an unset store type as config.StoreFile does
// (PEM text, else Kafka's default JKS), so that the passwords a PEM store
// does not use are warned about. An unreadable file is left to the loader.
func sniffStoreType(path string) string {
	data, err := os.ReadFile(path)
	if err == nil && bytes.Contains(data, []byte("-----BEGIN ")) {
		return config.StorePEM
	}
	return config.StoreJKS
}

// keyStore returns the client certificate, or nil when none is configured.
func (p *secParser) keyStore() (*tls.Certificate, error) {
	chain, _ := p.get(keyKeyStoreChain)
	key, _ := p.get(keyKeyStoreKey)
	loc, _ := p.get(keyKeyStoreLocation)
	if chain == "" && key == "" && loc == "" {
		p.get(keyKeyStoreType)
		return nil, nil
	}
	typ, err := p.storeType(keyKeyStoreType)
	if err != nil {
		return nil, err
	}
	var cert tls.Certificate
	switch {
	case loc != "" && (chain != "" || key != ""):
		return nil, invalidf("set either %s or %s with %s, not both", keyKeyStoreLocation, keyKeyStoreChain, keyKeyStoreKey)
	case loc != "":
		if typ == "" {
			typ = sniffStoreType(loc)
		}
		sf := &config.StoreFile{Key: keyKeyStoreLocation, Path: loc, Type: typ,
			StorePassword: p.storePassword(typ, keyKeyStorePassword),
			KeyPassword:   p.storePassword(typ, keyKeyPassword)}
		if cert, err = config.LoadKeyStore(sf); err != nil {
			return nil, err
		}
	case chain == "" || key == "":
		return nil, invalidf("set %s and %s together", keyKeyStoreChain, keyKeyStoreKey)
	case typ != "" && typ != config.StorePEM:
		return nil, invalidf("%s and %s hold PEM text: set %s=PEM or leave it unset", keyKeyStoreChain, keyKeyStoreKey, keyKeyStoreType)
	default:
		if cert, err = config.PEMKeyPair(keyKeyStoreChain, []byte(chain), keyKeyStoreKey, []byte(key)); err != nil {
			return nil, err
		}
	}
	return &cert, nil
}
