package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/internal/testcerts"
)

// testCA is testcerts' CA with its certificate as PEM, and issue and
// serverTLS in the PEM terms these tests write their keys in.
type testCA struct {
	*testcerts.CA
	cert    *x509.Certificate
	certPEM []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	ca := testcerts.NewCA(t)
	return &testCA{CA: ca, cert: ca.Cert, certPEM: ca.PEM()}
}

// issue returns a certificate and its PKCS#8 key, both PEM. A server
// certificate is for ips and dnsNames; a client certificate has neither.
func (ca *testCA) issue(t *testing.T, server bool, ips []net.IP, dnsNames ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	if server && len(ips) == 0 && len(dnsNames) == 0 {
		t.Fatal("a server certificate needs an address or a name")
	}
	return ca.Issue(t, ips, dnsNames...).PEM(t)
}

// serverTLS is the broker side TLS config: a certificate for 127.0.0.1
// (or for dnsNames only, when given), and client certificates verified
// against clientCA when it is not nil.
func (ca *testCA) serverTLS(t *testing.T, clientCA *testCA, dnsNames ...string) *tls.Config {
	t.Helper()
	var c *testcerts.CA
	if clientCA != nil {
		c = clientCA.CA
	}
	return ca.ServerTLS(t, c, dnsNames...)
}

// workerFileOpts loads a Connect worker file (written by the caller) with a
// minimal connector file beside it, as `starcdc run` does, and returns the
// configuration and the Kafka client options ClientOpts makes of it; any
// warning fails t.
func workerFileOpts(t *testing.T, worker string) (*config.Config, []kgo.Opt) {
	t.Helper()
	conn := filepath.Join(filepath.Dir(worker), "connect-StarRocks-sink.properties")
	if err := os.WriteFile(conn, []byte("name=sr\nconnector.class=com.starrocks.connector.kafka.StarRocksSinkConnector\ntopics=t\n"+
		"starrocks.http.url=127.0.0.1:8030\nstarrocks.username=root\nstarrocks.password=\nstarrocks.database.name=db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load(worker, conn)
	if err != nil {
		t.Fatal(err)
	}
	opts, warnings, err := ClientOpts(cfg.Worker)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("ClientOpts: warnings %q, error %v", warnings, err)
	}
	return cfg, opts
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// startKafka starts an in-process kfake broker with topic "t" and returns
// its address.
func startKafka(t *testing.T, opts ...kfake.Opt) string {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(1, "t")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// securityOpts runs SecurityOpts and fails the test on an error.
func securityOpts(t *testing.T, sec map[string]string) []kgo.Opt {
	t.Helper()
	opts, warnings, err := SecurityOpts(sec)
	if err != nil {
		t.Fatalf("SecurityOpts: %v", err)
	}
	if len(warnings) > 0 {
		t.Fatalf("SecurityOpts warnings: %q", warnings)
	}
	return opts
}

// roundTrip produces one record to topic "t" and consumes it back.
func roundTrip(t *testing.T, addr string, opts []kgo.Opt) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	value := []byte("record-" + t.Name())
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(addr),
		kgo.ConsumeTopics("t"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: value}).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consume: %v", err)
		}
		if errs := fs.Errors(); len(errs) > 0 {
			t.Fatalf("consume: %v", errs[0].Err)
		}
		for _, r := range fs.Records() {
			if string(r.Value) == string(value) {
				return
			}
		}
	}
}

// pingErr connects with opts and returns the connection error, if any.
func pingErr(t *testing.T, addr string, opts []kgo.Opt) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.RequestRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	err = cl.Ping(ctx)
	t.Logf("ping: %v", err)
	return err
}

func TestSecuritySASLPlaintext(t *testing.T) {
	addr := startKafka(t,
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "admin", "s3cret"),
		kfake.Superuser("SCRAM-SHA-256", "scram256", "p@ss 256"),
		kfake.Superuser("SCRAM-SHA-512", "scram512", `p"ss'512`),
	)
	for _, tc := range []struct{ name, mechanism, jaas string }{
		{"PLAIN", "", `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="s3cret";`},
		{"PLAIN-explicit", "plain", `org.apache.kafka.common.security.plain.PlainLoginModule required username='admin' password='s3cret';`},
		{"SCRAM-SHA-256", "SCRAM-SHA-256", `org.apache.kafka.common.security.scram.ScramLoginModule required username="scram256" password="p@ss 256";`},
		{"SCRAM-SHA-512", "SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule required\n  username=\"scram512\"\n  password=\"p\\\"ss'512\" ;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec := map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.jaas.config": tc.jaas}
			if tc.mechanism != "" {
				sec["sasl.mechanism"] = tc.mechanism
			}
			roundTrip(t, addr, securityOpts(t, sec))
		})
	}
}

func TestSecurityWrongPassword(t *testing.T) {
	addr := startKafka(t,
		kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "admin", "s3cret"),
		kfake.Superuser("SCRAM-SHA-256", "admin", "s3cret"),
		kfake.Superuser("SCRAM-SHA-512", "admin", "s3cret"),
	)
	const wrong = "Wr0ngPassw0rd"
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			module := "org.apache.kafka.common.security.scram.ScramLoginModule"
			if mech == "PLAIN" {
				module = "org.apache.kafka.common.security.plain.PlainLoginModule"
			}
			opts := func(pass string) []kgo.Opt {
				return securityOpts(t, map[string]string{
					"security.protocol": "SASL_PLAINTEXT",
					"sasl.mechanism":    mech,
					"sasl.jaas.config":  module + ` required username="admin" password="` + pass + `";`,
				})
			}
			if err := pingErr(t, addr, opts("s3cret")); err != nil {
				t.Fatalf("the right password: %v", err)
			}
			err := pingErr(t, addr, opts(wrong))
			if err == nil {
				t.Fatal("a wrong password connected")
			}
			if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the error shows a password: %v", err)
			}
		})
	}
}

func TestSecuritySSLTruststore(t *testing.T) {
	ca := newTestCA(t)
	addr := startKafka(t, kfake.TLS(ca.serverTLS(t, nil)))
	trust := writeFile(t, "ca.pem", ca.certPEM)

	t.Run("location", func(t *testing.T) {
		roundTrip(t, addr, securityOpts(t, map[string]string{
			"security.protocol":       "ssl",
			"ssl.truststore.type":     "PEM",
			"ssl.truststore.location": trust,
		}))
	})
	t.Run("location-type-unset", func(t *testing.T) {
		roundTrip(t, addr, securityOpts(t, map[string]string{
			"security.protocol":       "SSL",
			"ssl.truststore.location": trust,
		}))
	})
	t.Run("certificates-one-line", func(t *testing.T) {
		// As a .properties value continued with "\": no newlines.
		oneLine := strings.Join(strings.Fields(string(ca.certPEM)), " ")
		oneLine = strings.ReplaceAll(oneLine, "BEGIN CERTIFICATE----- ", "BEGIN CERTIFICATE-----")
		roundTrip(t, addr, securityOpts(t, map[string]string{
			"security.protocol":           "SSL",
			"ssl.truststore.type":         "PEM",
			"ssl.truststore.certificates": oneLine,
			"ssl.enabled.protocols":       "TLSv1.2,TLSv1.3",
		}))
	})
	t.Run("wrong-CA", func(t *testing.T) {
		other := newTestCA(t)
		err := pingErr(t, addr, securityOpts(t, map[string]string{
			"security.protocol":           "SSL",
			"ssl.truststore.type":         "PEM",
			"ssl.truststore.certificates": string(other.certPEM),
		}))
		if err == nil {
			t.Fatal("connected to a broker whose CA is not trusted")
		}
	})
	t.Run("system-roots", func(t *testing.T) {
		if err := pingErr(t, addr, securityOpts(t, map[string]string{"security.protocol": "SSL"})); err == nil {
			t.Fatal("system roots trusted the test CA")
		}
	})
}

func TestSecuritySSLClientCertificate(t *testing.T) {
	serverCA, clientCA := newTestCA(t), newTestCA(t)
	addr := startKafka(t, kfake.TLS(serverCA.serverTLS(t, clientCA)))
	certPEM, keyPEM := clientCA.issue(t, false, nil)
	trust := writeFile(t, "ca.pem", serverCA.certPEM)

	t.Run("chain-and-key", func(t *testing.T) {
		roundTrip(t, addr, securityOpts(t, map[string]string{
			"security.protocol":              "SSL",
			"ssl.truststore.type":            "PEM",
			"ssl.truststore.location":        trust,
			"ssl.keystore.type":              "PEM",
			"ssl.keystore.certificate.chain": string(certPEM),
			"ssl.keystore.key":               string(keyPEM),
		}))
	})
	t.Run("location", func(t *testing.T) {
		roundTrip(t, addr, securityOpts(t, map[string]string{
			"security.protocol":       "SSL",
			"ssl.truststore.type":     "PEM",
			"ssl.truststore.location": trust,
			"ssl.keystore.type":       "PEM",
			"ssl.keystore.location":   writeFile(t, "client.pem", append(append([]byte{}, keyPEM...), certPEM...)),
		}))
	})
	t.Run("no-client-certificate", func(t *testing.T) {
		err := pingErr(t, addr, securityOpts(t, map[string]string{
			"security.protocol":       "SSL",
			"ssl.truststore.location": trust,
		}))
		if err == nil {
			t.Fatal("connected without the client certificate the broker requires")
		}
	})
}

func TestSecuritySASLSSL(t *testing.T) {
	ca := newTestCA(t)
	addr := startKafka(t,
		kfake.TLS(ca.serverTLS(t, nil)),
		kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "admin", "s3cret"),
	)
	roundTrip(t, addr, securityOpts(t, map[string]string{
		"security.protocol":           "SASL_SSL",
		"sasl.mechanism":              "SCRAM-SHA-512",
		"sasl.jaas.config":            `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="s3cret";`,
		"ssl.truststore.type":         "PEM",
		"ssl.truststore.certificates": string(ca.certPEM),
	}))
}

func TestSecurityEndpointIdentification(t *testing.T) {
	ca := newTestCA(t)
	// The broker's certificate names another host than 127.0.0.1.
	addr := startKafka(t, kfake.TLS(ca.serverTLS(t, nil, "kafka.invalid")))
	sec := map[string]string{
		"security.protocol":           "SSL",
		"ssl.truststore.type":         "PEM",
		"ssl.truststore.certificates": string(ca.certPEM),
	}
	for _, alg := range []string{"", "https", "HTTPS"} {
		if alg != "" {
			sec["ssl.endpoint.identification.algorithm"] = alg
		}
		if err := pingErr(t, addr, securityOpts(t, sec)); err == nil {
			t.Fatalf("algorithm %q: connected to a broker whose certificate names another host", alg)
		}
	}
	sec["ssl.endpoint.identification.algorithm"] = ""
	roundTrip(t, addr, securityOpts(t, sec))

	// Without host name verification the chain is still verified.
	sec["ssl.truststore.certificates"] = string(newTestCA(t).certPEM)
	if err := pingErr(t, addr, securityOpts(t, sec)); err == nil {
		t.Fatal("connected to a broker whose CA is not trusted")
	}
}

func TestSecurityTLSVersions(t *testing.T) {
	ca := newTestCA(t)
	server := ca.serverTLS(t, nil)
	server.MaxVersion = tls.VersionTLS12
	addr := startKafka(t, kfake.TLS(server))
	base := map[string]string{
		"security.protocol":           "SSL",
		"ssl.truststore.type":         "PEM",
		"ssl.truststore.certificates": string(ca.certPEM),
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		if k != "" {
			m[k] = v
		}
		for k, v := range base {
			m[k] = v
		}
		return m
	}
	roundTrip(t, addr, securityOpts(t, with("ssl.enabled.protocols", "TLSv1.2")))
	if err := pingErr(t, addr, securityOpts(t, with("ssl.enabled.protocols", "TLSv1.3"))); err == nil {
		t.Fatal("ssl.enabled.protocols=TLSv1.3 connected to a TLS 1.2 broker")
	}

	for _, tc := range []struct {
		key, value string
		min, max   uint16
		warn       bool
	}{
		{"", "", tls.VersionTLS12, tls.VersionTLS13, false},
		{"ssl.enabled.protocols", "TLSv1.3", tls.VersionTLS13, tls.VersionTLS13, false},
		{"ssl.enabled.protocols", "TLSv1.2, TLSv1.3", tls.VersionTLS12, tls.VersionTLS13, false},
		{"ssl.enabled.protocols", "TLSv1.1,TLSv1.2", tls.VersionTLS12, tls.VersionTLS12, true},
		{"ssl.protocol", "TLSv1.2", tls.VersionTLS12, tls.VersionTLS12, false},
		{"ssl.protocol", "TLSv1.3", tls.VersionTLS12, tls.VersionTLS13, false},
		{"ssl.protocol", "TLS", tls.VersionTLS12, tls.VersionTLS13, false},
	} {
		ks, err := parseSecurity(with(tc.key, tc.value))
		if err != nil {
			t.Fatalf("%s=%s: %v", tc.key, tc.value, err)
		}
		if ks.tls.MinVersion != tc.min || ks.tls.MaxVersion != tc.max {
			t.Errorf("%s=%s: versions %x..%x, want %x..%x", tc.key, tc.value, ks.tls.MinVersion, ks.tls.MaxVersion, tc.min, tc.max)
		}
		if got := len(ks.warnings) > 0; got != tc.warn {
			t.Errorf("%s=%s: warnings %q", tc.key, tc.value, ks.warnings)
		}
	}
	for _, kv := range [][2]string{
		{"ssl.enabled.protocols", "TLSv1.1"},
		{"ssl.enabled.protocols", "TLSv9"},
		{"ssl.protocol", "TLSv1.1"},
	} {
		if _, _, err := SecurityOpts(with(kv[0], kv[1])); !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%s: error %v, want one naming the key", kv[0], kv[1], err)
		}
	}
}

func TestSecurityJAASErrorsHideSecrets(t *testing.T) {
	const secret = "TopSecret"
	const plainModule = "org.apache.kafka.common.security.plain.PlainLoginModule"
	for _, tc := range []struct {
		mechanism, jaas, want string
		unsupported           bool
	}{
		{"PLAIN", plainModule + ` required username="u" password="` + secret, "unterminated", false},
		{"PLAIN", plainModule + ` required username="u" password=` + secret + ` x` + secret + `;`, "no value", false},
		{"PLAIN", plainModule + ` required username="u" password "` + secret + `";`, "no value", false},
		{"PLAIN", plainModule + ` ` + secret + ` username="u" password="p";`, "control flag", false},
		{"PLAIN", plainModule + ` required username="u" password="` + secret + `"; ` + plainModule + ` required;`, "exactly 1", false},
		{"PLAIN", plainModule + ` required username="u";`, "no password", false},
		{"PLAIN", plainModule + ` required password="` + secret + `";`, "no username", false},
		{"PLAIN", `"` + secret + `" required username="u";`, "login module class", false},
		{"PLAIN", `com.example.MyLoginModule required username="u" password="` + secret + `";`, "com.example.MyLoginModule", false},
		{"PLAIN", `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientSecret="` + secret + `";`, "sasl.mechanism=OAUTHBEARER goes with", false},
		{"OAUTHBEARER", `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientSecret="` + secret + `";`, "sasl.mechanism=OAUTHBEARER needs sasl.oauthbearer.token.endpoint.url", true},
		{"OAUTHBEARER", plainModule + ` required username="u" password="` + secret + `";`, "sasl.mechanism=OAUTHBEARER goes with", false},
		{"GSSAPI", `com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k" principal="` + secret + `";`, "no serviceName defined", false},
		{"SCRAM-SHA-1", plainModule + ` required username="u" password="` + secret + `";`, "sasl.mechanism", false},
		{"PLAIN", "", "sasl.jaas.config is required", false},
	} {
		sec := map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": tc.mechanism, "sasl.jaas.config": tc.jaas}
		opts, warnings, err := SecurityOpts(sec)
		if err == nil {
			t.Errorf("%s: no error (%d options)", tc.jaas, len(opts))
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.jaas, err, tc.want)
		}
		if errors.Is(err, errors.ErrUnsupported) != tc.unsupported || !errors.Is(err, config.ErrInvalid) {
			t.Errorf("%s: error %q: unsupported is %v, want %v", tc.jaas, err, errors.Is(err, errors.ErrUnsupported), tc.unsupported)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(strings.Join(warnings, "\n"), secret) {
			t.Errorf("the error or warnings show a secret: %v %q", err, warnings)
		}
	}
}

func TestSecurityStoreTypes(t *testing.T) {
	ca := newTestCA(t)
	certPEM, keyPEM := ca.issue(t, false, nil)
	jks := writeFile(t, "truststore.jks", []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2})
	for _, tc := range []struct {
		name string
		sec  map[string]string
		want []string
	}{
		{"truststore JKS wrong password", map[string]string{"ssl.truststore.type": "JKS", "ssl.truststore.location": jks, "ssl.truststore.password": "changeit"},
			[]string{"ssl.truststore.location=", "wrong password"}},
		{"truststore type unset, JKS without password", map[string]string{"ssl.truststore.location": jks},
			[]string{"ssl.truststore.location", "JKS store needs its password"}},
		{"keystore PKCS12 not a store", map[string]string{"ssl.keystore.type": "PKCS12", "ssl.keystore.location": jks, "ssl.keystore.password": "changeit", "ssl.key.password": "changeit"},
			[]string{"ssl.keystore.location=", "JKS store: wrong password"}},
		{"keystore BKS", map[string]string{"ssl.keystore.type": "BKS", "ssl.keystore.location": jks},
			[]string{"ssl.keystore.type", "JKS, PKCS12 and PEM"}},
		{"encrypted key", map[string]string{"ssl.keystore.type": "PEM", "ssl.keystore.certificate.chain": string(certPEM), "ssl.key.password": "changeit",
			"ssl.keystore.key": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n"},
			[]string{"encrypted PEM keys are not supported; decrypt it"}},
		{"legacy encrypted key", map[string]string{"ssl.keystore.type": "PEM", "ssl.keystore.certificate.chain": string(certPEM),
			"ssl.keystore.key": "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END EC PRIVATE KEY-----\n"},
			[]string{"encrypted PEM keys are not supported"}},
		{"chain without key", map[string]string{"ssl.keystore.certificate.chain": string(certPEM)},
			[]string{"ssl.keystore.certificate.chain and ssl.keystore.key"}},
		{"key of another certificate", map[string]string{"ssl.keystore.certificate.chain": string(ca.certPEM), "ssl.keystore.key": string(keyPEM)},
			[]string{"ssl.keystore.key", "does not match"}},
		{"both truststore sources", map[string]string{"ssl.truststore.certificates": string(ca.certPEM), "ssl.truststore.location": jks},
			[]string{"ssl.truststore.certificates", "ssl.truststore.location"}},
		{"not PEM", map[string]string{"ssl.truststore.certificates": "hello"},
			[]string{"ssl.truststore.certificates", "no PEM data"}},
		{"missing file", map[string]string{"ssl.truststore.type": "PEM", "ssl.truststore.location": filepath.Join(t.TempDir(), "none.pem")},
			[]string{"ssl.truststore.location", "none.pem"}},
		{"bad endpoint algorithm", map[string]string{"ssl.endpoint.identification.algorithm": "ldap"},
			[]string{"ssl.endpoint.identification.algorithm"}},
	} {
		tc.sec["security.protocol"] = "SSL"
		_, _, err := SecurityOpts(tc.sec)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
		unsupported := strings.Contains(tc.name, "without password") || strings.Contains(tc.name, "BKS") || strings.Contains(tc.name, "encrypted")
		if errors.Is(err, errors.ErrUnsupported) != unsupported {
			t.Errorf("%s: errors.Is(%q, errors.ErrUnsupported) = %v", tc.name, err, !unsupported)
		}
		if errors.Is(err, config.ErrInvalid) == (tc.name == "missing file") {
			t.Errorf("%s: errors.Is(%q, config.ErrInvalid) is wrong", tc.name, err)
		}
		if strings.Contains(err.Error(), "changeit") || strings.Contains(err.Error(), "MIIB") {
			t.Errorf("%s: error shows a secret: %v", tc.name, err)
		}
	}
}

func TestSecurityProtocol(t *testing.T) {
	for _, p := range []string{"", "PLAINTEXT", "plaintext"} {
		opts, warnings, err := SecurityOpts(map[string]string{"security.protocol": p})
		if err != nil || len(opts) != 0 || len(warnings) != 0 {
			t.Errorf("%q: %d options, warnings %q, error %v", p, len(opts), warnings, err)
		}
	}
	if opts, _, err := SecurityOpts(nil); err != nil || len(opts) != 0 {
		t.Errorf("nil map: %d options, error %v", len(opts), err)
	}
	for p, n := range map[string]int{"SSL": 1, "ssl": 1, "SASL_PLAINTEXT": 1, "sasl_ssl": 2} {
		opts, _, err := SecurityOpts(map[string]string{
			"security.protocol": p,
			"sasl.jaas.config":  `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`,
		})
		if err != nil || len(opts) != n {
			t.Errorf("%s: %d options, want %d; error %v", p, len(opts), n, err)
		}
	}
	_, _, err := SecurityOpts(map[string]string{"security.protocol": "SASL_TLS"})
	if !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("SASL_TLS: error %v, want ErrInvalid", err)
	}
	for _, w := range []string{"security.protocol", "SASL_TLS", "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestSecurityWarnings(t *testing.T) {
	const jaas = `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="Hidden" serviceName="kafka";`
	for _, tc := range []struct {
		sec  map[string]string
		want []string
	}{
		{map[string]string{"sasl.jaas.config": jaas, "ssl.truststore.location": "/x.pem", "ssl.truststore.password": "Hidden"},
			[]string{
				"sasl.jaas.config: ignored: security.protocol=PLAINTEXT does not use SASL",
				"ssl.truststore.location: ignored: security.protocol=PLAINTEXT does not use TLS",
				"ssl.truststore.password: ignored: security.protocol=PLAINTEXT does not use TLS",
			}},
		{map[string]string{"security.protocol": "SASL_SSL", "sasl.jaas.config": jaas, "ssl.cipher.suites": "TLS_AES_128_GCM_SHA256",
			"sasl.kerberos.service.name": "kafka", "ssl.truststore.password": "Hidden", "sasl.login.refresh.window.factor": "0.8", "ssl.foo": "x"},
			[]string{
				"sasl.jaas.config: 1 login module option(s) other than username, password and tokenauth ignored",
				"sasl.kerberos.service.name: ignored: read only with sasl.mechanism=GSSAPI",
				"sasl.login.refresh.window.factor: ignored: read only with sasl.mechanism=OAUTHBEARER, and then only the keys the README lists",
				"ssl.cipher.suites: ignored: starcdc uses Go's default TLS cipher suites",
				"ssl.foo: ignored: not interpreted by starcdc",
				"ssl.truststore.password: ignored: PEM trust stores have no password",
			}},
	} {
		_, warnings, err := SecurityOpts(tc.sec)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(warnings, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(tc.want, "\n"))
		}
		if strings.Contains(strings.Join(warnings, "\n"), "Hidden") {
			t.Errorf("a warning shows a secret: %q", warnings)
		}
	}
}

// ClientOpts gives a client that reaches the worker's brokers with its
// security settings, with a password that holds every character the JAAS
// syntax treats specially.
func TestClientOpts(t *testing.T) {
	const pass = `p ss;w=rd "q" 'x' /*c*/ \ é`
	addr := startKafka(t,
		kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-256", "admin", pass),
	)
	jaas := `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="` +
		strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(pass) + `";`
	w := config.Worker{BootstrapServers: []string{addr}, Security: map[string]string{
		"security.protocol": "SASL_PLAINTEXT",
		"sasl.mechanism":    "SCRAM-SHA-256",
		"sasl.jaas.config":  jaas,
	}}
	opts, warnings, err := ClientOpts(w)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("ClientOpts: warnings %q, error %v", warnings, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(append(opts, kgo.RequestRetries(0))...) // no seed brokers but ClientOpts'
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}

	w.Security["sasl.jaas.config"] = strings.Replace(jaas, `password="`, `password=`, 1)
	w.Security["ssl.truststore.password"] = "TopSecret"
	opts, warnings, err = ClientOpts(w)
	if err == nil || opts != nil || !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "sasl.jaas.config: ") {
		t.Fatalf("an unbalanced quote: options %d, error %v", len(opts), err)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "ssl.truststore.password: ignored") {
		t.Errorf("warnings %q", warnings)
	}
	for _, s := range append(warnings, err.Error()) {
		if strings.Contains(s, "TopSecret") || strings.Contains(s, "w=rd") || strings.Contains(s, "admin") {
			t.Errorf("a secret shows: %s", s)
		}
	}
}

// The worker file's sasl.jaas.config, as config.Load reads it from a
// .properties file, reaches the brokers with the password as written.
func TestClientOptsFromWorkerFile(t *testing.T) {
	addr := startKafka(t, kfake.EnableSASL(), kfake.Superuser("PLAIN", "alice", `a b;c="d"`))
	dir := t.TempDir()
	worker := filepath.Join(dir, "connect-standalone.properties")
	if err := os.WriteFile(worker, []byte(`bootstrap.servers=`+addr+`
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \
    username="alice" \
    password="a b;c=\\"d\\"";
`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, opts := workerFileOpts(t, worker)
	roundTrip(t, addr, opts)
}
