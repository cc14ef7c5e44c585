package kafka

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/internal/testcerts"
)

const (
	trustPass = testcerts.TrustPassword
	storePass = testcerts.StorePassword
	keyPass   = testcerts.KeyPassword
)

// writeStores writes a trust store holding ca and a key store holding
// certPEM/keyPEM (chain: the certificate, then ca) in format typ
// (testcerts.WriteStores), and returns their paths.
func writeStores(t *testing.T, typ string, ca *testCA, certPEM, keyPEM []byte) (trust, key string) {
	t.Helper()
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		t.Fatal("no PEM block")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ek, ok := priv.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("key %T, want ECDSA", priv)
	}
	st := testcerts.WriteStores(t, typ, ca.CA, testcerts.Pair{Cert: cert, Key: ek}, ca.CA)
	return st.Trust, st.Key
}

// TestSecurityStoresMutualTLS connects to a kfake broker that requires a
// client certificate, with trust and key stores in each format, written as
// a Connect worker writes its keys.
func TestSecurityStoresMutualTLS(t *testing.T) {
	serverCA, clientCA := newTestCA(t), newTestCA(t)
	addr := startKafka(t, kfake.TLS(serverCA.serverTLS(t, clientCA)))
	certPEM, keyPEM := clientCA.issue(t, false, nil)
	for _, typ := range []string{config.StoreJKS, config.StorePKCS12, config.StorePEM} {
		for _, setType := range []bool{true, false} {
			name := typ
			if !setType {
				name += "/type-unset"
			}
			t.Run(name, func(t *testing.T) {
				trust, key := writeStores(t, typ, serverCA, certPEM, keyPEM)
				sec := map[string]string{
					"security.protocol":       "SSL",
					"ssl.truststore.location": trust,
					"ssl.keystore.location":   key,
				}
				if setType {
					sec["ssl.truststore.type"], sec["ssl.keystore.type"] = typ, typ
				}
				switch typ {
				case config.StoreJKS:
					sec["ssl.truststore.password"], sec["ssl.keystore.password"], sec["ssl.key.password"] = trustPass, storePass, keyPass
				case config.StorePKCS12:
					sec["ssl.truststore.password"], sec["ssl.keystore.password"], sec["ssl.key.password"] = trustPass, storePass, storePass
				}
				roundTrip(t, addr, securityOpts(t, sec))
			})
		}
	}
	t.Run("JKS type on PKCS12 files", func(t *testing.T) {
		// Java's keystore.type.compat: a JKS store type reads PKCS12 files.
		st, key := writeStores(t, config.StorePKCS12, serverCA, certPEM, keyPEM)
		roundTrip(t, addr, securityOpts(t, map[string]string{
			"security.protocol": "SSL", "ssl.truststore.type": "JKS", "ssl.truststore.location": st, "ssl.truststore.password": trustPass,
			"ssl.keystore.type": "JKS", "ssl.keystore.location": key, "ssl.keystore.password": storePass,
		}))
	})
	t.Run("no client certificate", func(t *testing.T) {
		trust, _ := writeStores(t, config.StoreJKS, serverCA, certPEM, keyPEM)
		opts := securityOpts(t, map[string]string{
			"security.protocol": "SSL", "ssl.truststore.location": trust, "ssl.truststore.password": trustPass,
		})
		if pingErr(t, addr, opts) == nil {
			t.Fatal("connected without the client certificate the broker requires")
		}
	})
	t.Run("trust store of another CA", func(t *testing.T) {
		trust, key := writeStores(t, config.StoreJKS, clientCA, certPEM, keyPEM)
		opts := securityOpts(t, map[string]string{
			"security.protocol": "SSL", "ssl.truststore.location": trust, "ssl.truststore.password": trustPass,
			"ssl.keystore.location": key, "ssl.keystore.password": storePass, "ssl.key.password": keyPass,
		})
		if pingErr(t, addr, opts) == nil {
			t.Fatal("trusted a broker certificate of a CA that is not in the trust store")
		}
	})
}

// TestSecurityStorePasswords checks wrong passwords are refused with
// ErrStorePassword, and that no password appears in errors or warnings.
func TestSecurityStorePasswords(t *testing.T) {
	ca := newTestCA(t)
	certPEM, keyPEM := ca.issue(t, false, nil)
	jksTrust, jksKey := writeStores(t, config.StoreJKS, ca, certPEM, keyPEM)
	p12Trust, p12Key := writeStores(t, config.StorePKCS12, ca, certPEM, keyPEM)
	pemTrust, _ := writeStores(t, config.StorePEM, ca, certPEM, keyPEM)
	const wrong = "Wr0ng-St0re-Pw"
	secrets := []string{trustPass, storePass, keyPass, wrong}
	for _, tc := range []struct {
		name    string
		sec     map[string]string
		wantErr error
		warn    string
	}{
		{"JKS trust store, wrong password", map[string]string{"ssl.truststore.location": jksTrust, "ssl.truststore.password": wrong}, config.ErrStorePassword, ""},
		{"JKS key store, wrong store password", map[string]string{"ssl.keystore.location": jksKey, "ssl.keystore.password": wrong, "ssl.key.password": keyPass}, config.ErrStorePassword, ""},
		{"JKS key store, wrong key password", map[string]string{"ssl.keystore.location": jksKey, "ssl.keystore.password": storePass, "ssl.key.password": wrong}, config.ErrStorePassword, ""},
		{"JKS key store, key password defaults to the store password", map[string]string{"ssl.keystore.location": jksKey, "ssl.keystore.password": storePass}, config.ErrStorePassword, ""},
		{"PKCS12 trust store, wrong password", map[string]string{"ssl.truststore.type": "PKCS12", "ssl.truststore.location": p12Trust, "ssl.truststore.password": wrong}, config.ErrStorePassword, ""},
		{"PKCS12 key store, wrong password", map[string]string{"ssl.keystore.type": "pkcs12", "ssl.keystore.location": p12Key, "ssl.keystore.password": wrong}, config.ErrStorePassword, ""},
		{"PKCS12 key store, other key password", map[string]string{"ssl.keystore.type": "PKCS12", "ssl.keystore.location": p12Key, "ssl.keystore.password": storePass, "ssl.key.password": keyPass}, errors.ErrUnsupported, ""},
		{"PEM trust store with a password", map[string]string{"ssl.truststore.location": pemTrust, "ssl.truststore.password": trustPass}, nil, "ssl.truststore.password: ignored: PEM trust stores have no password"},
	} {
		tc.sec["security.protocol"] = "SSL"
		_, warnings, err := SecurityOpts(tc.sec)
		switch {
		case tc.wantErr == nil && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.wantErr)
		case tc.wantErr != nil && !errors.Is(err, config.ErrInvalid):
			t.Errorf("%s: err = %v does not wrap config.ErrInvalid", tc.name, err)
		}
		if tc.warn != "" && !strings.Contains(strings.Join(warnings, "\n"), tc.warn) {
			t.Errorf("%s: warnings %q lack %q", tc.name, warnings, tc.warn)
		}
		text := strings.Join(warnings, "\n")
		if err != nil {
			text += err.Error()
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s: a password shows in %q", tc.name, text)
			}
		}
	}
	// The right passwords, for contrast with the cases above.
	for _, sec := range []map[string]string{
		{"ssl.keystore.location": jksKey, "ssl.keystore.password": storePass, "ssl.key.password": keyPass},
		{"ssl.keystore.type": "PKCS12", "ssl.keystore.location": p12Key, "ssl.keystore.password": storePass},
	} {
		sec["security.protocol"] = "SSL"
		if _, _, err := SecurityOpts(sec); err != nil {
			t.Errorf("%v: %v", sec["ssl.keystore.location"], err)
		}
	}
}

// TestClientOptsWorkerFileJKSScram is the Connect worker file of a typical
// production deployment, unchanged: JKS trust and key stores (types left
// to Kafka's JKS default), consumer.-prefixed copies of the keys, and SASL
// SCRAM over TLS to a broker that requires a client certificate.
func TestClientOptsWorkerFileJKSScram(t *testing.T) {
	serverCA, clientCA := newTestCA(t), newTestCA(t)
	addr := startKafka(t, kfake.TLS(serverCA.serverTLS(t, clientCA)), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "connect", "Scr4m-Pw"))
	certPEM, keyPEM := clientCA.issue(t, false, nil)
	trust, key := writeStores(t, config.StoreJKS, serverCA, certPEM, keyPEM)
	sec := `security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="Scr4m-Pw";
ssl.truststore.location=` + trust + `
ssl.truststore.password=` + trustPass + `
ssl.keystore.location=` + key + `
ssl.keystore.password=` + storePass + `
ssl.key.password=` + keyPass + `
`
	worker := writeFile(t, "connect-distributed.properties", []byte("bootstrap.servers="+addr+"\n"+sec+
		strings.ReplaceAll("\n"+sec, "\n", "\nconsumer.")))
	cfg, opts := workerFileOpts(t, worker)
	roundTrip(t, addr, opts)
	for _, s := range []string{trustPass, storePass, keyPass, "Scr4m-Pw"} {
		if text := fmt.Sprintf("%v %+v %#v", cfg.Worker, cfg.Worker, cfg.Worker); strings.Contains(text, s) {
			t.Fatalf("printing the worker configuration shows a password: %s", text)
		}
	}
}
