package kafka

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
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
// -Djava.security.auth.login.config is not read. OAUTHBEARER and GSSAPI are
// not supported yet.
//
// TLS: without a trust store the system roots verify the brokers. Trust
// and key stores must be PEM, as text (ssl.truststore.certificates,
// ssl.keystore.certificate.chain with ssl.keystore.key) or as files
// (ssl.truststore.location, ssl.keystore.location holding the chain and the
// key); JKS and PKCS12 stores must be converted to PEM, and encrypted PEM
// keys decrypted. A store whose type is unset (Kafka's default is JKS) is
// read when it is PEM. ssl.endpoint.identification.algorithm set to ""
// disables host name verification but, as in Kafka, not the verification
// of the certificate chain; unset or "https", host names are verified.
// ssl.enabled.protocols (TLSv1.2, TLSv1.3) bounds the TLS versions, and
// ssl.protocol=TLSv1.2 caps them at TLS 1.2, as in Kafka; TLS 1.2 is the
// minimum.
//
// Every present key that SecurityOpts does not act on (such as
// ssl.cipher.suites, sasl.kerberos.service.name, or ssl.* keys when
// security.protocol has no TLS) yields a warning; warnings are sorted by
// key, and returned with an error too. Errors are joined with errors.Join;
// each wraps config.ErrInvalid, and those about features starcdc does not
// implement (OAUTHBEARER, GSSAPI, JKS and PKCS12 stores, encrypted keys)
// also wrap errors.ErrUnsupported; an unreadable store file gives the
// os.ReadFile error instead. Neither errors nor warnings ever contain a
// password, a private key or any part of sasl.jaas.config other than the
// login module class name.
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
	case k == "ssl.truststore.password":
		return "PEM trust stores have no password"
	case k == "ssl.keystore.password":
		return "PEM key stores have no password (a key password is ssl.key.password)"
	case k == keyKeyPassword:
		return "no encrypted key is configured"
	case k == "ssl.keymanager.algorithm", k == "ssl.trustmanager.algorithm",
		k == "ssl.provider", k == "ssl.secure.random.implementation",
		k == "ssl.engine.factory.class", k == "sasl.client.callback.handler.class",
		k == "sasl.login.class", k == "sasl.login.callback.handler.class":
		return "Java-specific setting"
	case strings.HasPrefix(k, "sasl.kerberos."):
		return "used only by GSSAPI, which starcdc does not support"
	case strings.HasPrefix(k, "sasl.oauthbearer.") || strings.HasPrefix(k, "sasl.login."):
		return "used only by OAUTHBEARER, which starcdc does not support"
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
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	case "OAUTHBEARER", "GSSAPI":
		return nil, unsupportedf("%s=%s is not supported yet: use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", keySASLMechanism, mech)
	default:
		return nil, invalidf("%s=%q: use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", keySASLMechanism, mech)
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
	switch {
	case isModule(e.LoginModule, "PlainLoginModule"), isModule(e.LoginModule, "ScramLoginModule"):
	case isModule(e.LoginModule, "OAuthBearerLoginModule"), isModule(e.LoginModule, "Krb5LoginModule"):
		return nil, unsupportedf("%s: login module %s is not supported yet: use PlainLoginModule or ScramLoginModule", keySASLJAASConfig, e.LoginModule)
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
		c.VerifyConnection = verifyChainOnly(roots)
	default:
		errs = append(errs, invalidf("%s=%q: use https (verify the broker host name, the default) or an empty value (do not)", keyEndpointAlgorithm, alg))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// verifyChainOnly verifies a broker's certificate chain against roots (the
// system roots when nil) without checking its host name.
func verifyChainOnly(roots *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: the broker sent no certificate")
		}
		opts := x509.VerifyOptions{
			Roots:         roots,
			Intermediates: x509.NewCertPool(),
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
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

// storeType reads a store type key: "" (unset, Kafka's JKS default) or PEM,
// or an error asking to convert a JKS or PKCS12 store.
func (p *secParser) storeType(key, what, hint string) (string, error) {
	t, _ := p.get(key)
	switch t = strings.ToUpper(t); t {
	case "", "PEM":
		return t, nil
	case "JKS", "PKCS12":
		return "", unsupportedf("%s=%s: starcdc reads only PEM %s stores; convert it to PEM (%s) and set %s=PEM", key, t, what, hint, key)
	default:
		return "", unsupportedf("%s=%q: starcdc reads only PEM %s stores; convert it to PEM (%s) and set %s=PEM", key, t, what, hint, key)
	}
}

const (
	trustHint = "JKS: keytool -importkeystore -srckeystore truststore.jks -destkeystore truststore.p12 -deststoretype PKCS12, then: openssl pkcs12 -in truststore.p12 -nokeys -out ca.pem"
	keyHint   = "JKS: keytool -importkeystore -srckeystore keystore.jks -destkeystore keystore.p12 -deststoretype PKCS12, then: openssl pkcs12 -in keystore.p12 -nodes -out keystore.pem"
)

// readStoreFile reads a store file; with its type unset (Kafka's default
// is JKS) it must be PEM.
func readStoreFile(key, path, typ, what, typeKey, hint string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if typ == "" && !bytes.Contains(data, []byte("-----BEGIN ")) {
		return nil, unsupportedf("%s=%s is not PEM and %s is unset (Kafka's default is JKS): starcdc reads only PEM %s stores; convert it to PEM (%s) and set %s=PEM", key, path, typeKey, what, hint, typeKey)
	}
	return data, nil
}

// trustStore returns the configured CA pool, or nil for the system roots.
func (p *secParser) trustStore() (*x509.CertPool, error) {
	certs, _ := p.get(keyTrustStoreCerts)
	loc, _ := p.get(keyTrustStoreLocation)
	if certs == "" && loc == "" {
		p.get(keyTrustStoreType) // a type alone changes nothing
		return nil, nil
	}
	typ, err := p.storeType(keyTrustStoreType, "trust", trustHint)
	if err != nil {
		return nil, err
	}
	src, data := keyTrustStoreCerts, []byte(certs)
	switch {
	case certs != "" && loc != "":
		return nil, invalidf("set only one of %s and %s", keyTrustStoreCerts, keyTrustStoreLocation)
	case loc != "":
		src = keyTrustStoreLocation + "=" + loc
		if data, err = readStoreFile(keyTrustStoreLocation, loc, typ, "trust", keyTrustStoreType, trustHint); err != nil {
			return nil, err
		}
	}
	blocks, err := decodePEM(src, data)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for i, b := range blocks {
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, invalidf("%s: PEM block %d: %v", src, i+1, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, invalidf("%s: no PEM CERTIFICATE block", src)
	}
	return pool, nil
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
	pw, _ := p.get(keyKeyPassword)
	typ, err := p.storeType(keyKeyStoreType, "key", keyHint)
	if err != nil {
		return nil, err
	}
	var certData, keyData []byte
	certSrc, keySrc := keyKeyStoreChain, keyKeyStoreKey
	switch {
	case loc != "" && (chain != "" || key != ""):
		return nil, invalidf("set either %s or %s with %s, not both", keyKeyStoreLocation, keyKeyStoreChain, keyKeyStoreKey)
	case loc != "":
		certSrc = keyKeyStoreLocation + "=" + loc
		keySrc = certSrc
		if certData, err = readStoreFile(keyKeyStoreLocation, loc, typ, "key", keyKeyStoreType, keyHint); err != nil {
			return nil, err
		}
		keyData = certData
	case chain == "" || key == "":
		return nil, invalidf("set %s and %s together", keyKeyStoreChain, keyKeyStoreKey)
	default:
		certData, keyData = []byte(chain), []byte(key)
	}
	certBlocks, err := decodePEM(certSrc, certData)
	if err != nil {
		return nil, err
	}
	keyBlocks := certBlocks
	if keySrc != certSrc {
		if keyBlocks, err = decodePEM(keySrc, keyData); err != nil {
			return nil, err
		}
	}
	var certPEM, keyPEM []byte
	for _, b := range certBlocks {
		if b.Type == "CERTIFICATE" {
			certPEM = append(certPEM, pem.EncodeToMemory(b)...)
		}
	}
	nkeys := 0
	for _, b := range keyBlocks {
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			keyPEM = pem.EncodeToMemory(b)
			nkeys++
		}
	}
	switch {
	case certPEM == nil:
		return nil, invalidf("%s: no PEM CERTIFICATE block", certSrc)
	case nkeys != 1:
		return nil, invalidf("%s: %d PEM private key blocks; want 1", keySrc, nkeys)
	}
	if pw != "" {
		p.warnf(keyKeyPassword, "ignored: the private key is not encrypted")
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// crypto/tls errors never hold key material.
		return nil, invalidf("%s: %v", keySrc, err)
	}
	return &cert, nil
}

var pemBlock = regexp.MustCompile(`(?s)-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----`)

// decodePEM decodes every PEM block of data as Kafka's PEM reader does: the
// base64 body may hold any whitespace, or none, so that a PEM value written
// on one .properties line, or continued with "\", is read. It refuses
// encrypted keys. Errors name src and never hold any of data.
func decodePEM(src string, data []byte) ([]*pem.Block, error) {
	var blocks []*pem.Block
	for i, m := range pemBlock.FindAllSubmatch(data, -1) {
		typ, body := string(m[1]), m[2]
		if typ != string(m[3]) {
			return nil, invalidf("%s: PEM block %d begins as %s but ends as %s", src, i+1, typ, m[3])
		}
		if typ == "ENCRYPTED PRIVATE KEY" || bytes.Contains(body, []byte("Proc-Type:")) {
			return nil, unsupportedf("%s: encrypted PEM keys are not supported; decrypt it (openssl pkcs8 -in key.pem -out key-decrypted.pem, or openssl pkey) and drop %s", src, keyKeyPassword)
		}
		der, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(body), nil)))
		if err != nil {
			return nil, invalidf("%s: PEM block %d (%s) is not valid base64", src, i+1, typ)
		}
		blocks = append(blocks, &pem.Block{Type: typ, Bytes: der})
	}
	if len(blocks) == 0 {
		return nil, invalidf("%s: no PEM data (-----BEGIN ...-----)", src)
	}
	return blocks, nil
}
