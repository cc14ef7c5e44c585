package ddl

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testcerts"
)

// tlsEmulator starts an emulator whose MySQL port serves o.
func tlsEmulator(t *testing.T, o starrocks.MySQLTLS) (*starrocks.Emulator, string) {
	t.Helper()
	e, err := starrocks.Start(starrocks.Config{Users: map[string]string{"starcdc": testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	addr, err := e.ServeMySQLTLS(o)
	if err != nil {
		t.Fatal(err)
	}
	return e, addr
}

// stores returns the starrocks.ssl.* setup of a trust store of typ holding
// trusted, and (withKey) a key store with a certificate of clientCA.
func stores(t *testing.T, typ string, trusted, clientCA *testcerts.CA, withKey bool) *config.ClientTLS {
	t.Helper()
	st := testcerts.WriteStores(t, typ, trusted, clientCA.Issue(t, nil), clientCA)
	c := &config.ClientTLS{Trust: config.StoreFile{Key: config.KeySRTrustLocation, Path: st.Trust, Type: typ}}
	if typ != "PEM" {
		c.Trust.StorePassword = config.Secret(testcerts.TrustPassword)
	}
	if withKey {
		c.Key = config.StoreFile{Key: config.KeySRKeyLocation, Path: st.Key, Type: typ}
		switch typ {
		case "JKS":
			c.Key.StorePassword, c.Key.KeyPassword = config.Secret(testcerts.StorePassword), config.Secret(testcerts.KeyPassword)
		case "PKCS12":
			c.Key.StorePassword = config.Secret(testcerts.StorePassword)
		}
	}
	return c
}

// ensure opens a Manager on addr with tt and creates a table through it.
func ensure(t *testing.T, addr string, tt config.MySQLTLS) (*Manager, error) {
	t.Helper()
	m, err := Open(addr, "starcdc", testPassword, tt)
	if err != nil {
		t.Fatal(err)
	}
	m.PollInterval, m.PollTimeout = 5*time.Millisecond, 5*time.Second
	t.Cleanup(func() { m.Close() })
	return m, m.EnsureTable(ctx(t), "inventory", customers(t))
}

// noSecrets fails when err shows a password.
func noSecrets(t *testing.T, err error) {
	t.Helper()
	for _, pw := range []string{testPassword, testcerts.TrustPassword, testcerts.StorePassword, testcerts.KeyPassword} {
		if strings.Contains(err.Error(), pw) {
			t.Errorf("the error shows a password: %v", err)
		}
	}
}

// wantTLSError checks err wraps ErrMySQLTLS, holds every want and no
// password.
func wantTLSError(t *testing.T, err error, want ...string) {
	t.Helper()
	if !errors.Is(err, ErrMySQLTLS) {
		t.Fatalf("err = %v, want ErrMySQLTLS", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("no %q in: %v", w, err)
		}
	}
	noSecrets(t, err)
}

func TestTLSVerifyIdentityCreatesTable(t *testing.T) {
	ca := testcerts.NewCA(t)
	e, addr := tlsEmulator(t, starrocks.MySQLTLS{Config: ca.ServerTLS(t, nil), Require: true})
	for _, typ := range []string{"PEM", "JKS", "PKCS12"} {
		t.Run(typ, func(t *testing.T) {
			m, err := ensure(t, addr, config.MySQLTLS{Mode: config.MySQLSSLVerifyIdentity, Stores: stores(t, typ, ca, ca, false)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Rows("inventory", "customers"); err != nil {
				t.Fatalf("the table created over TLS: %v", err)
			}
			if v := m.TLSVersion(); !strings.HasPrefix(v, "TLS 1.") {
				t.Fatalf("TLSVersion() = %q after a TLS connection", v)
			}
			if m.SSLMode() != config.MySQLSSLVerifyIdentity {
				t.Fatalf("SSLMode() = %v", m.SSLMode())
			}
		})
	}
}

func TestTLSWrongCA(t *testing.T) {
	ca := testcerts.NewCA(t)
	_, addr := tlsEmulator(t, starrocks.MySQLTLS{Config: ca.ServerTLS(t, nil), Require: true})
	other := testcerts.NewCA(t)
	for _, mode := range []config.MySQLSSLMode{config.MySQLSSLVerifyIdentity, config.MySQLSSLVerifyCA} {
		_, err := ensure(t, addr, config.MySQLTLS{Mode: mode, Stores: stores(t, "JKS", other, other, false)})
		wantTLSError(t, err, "starrocks.mysql.ssl.mode="+mode.String(), "not trusted", "starrocks.ssl.truststore.location", "CREATE DATABASE inventory")
	}
	// No trust store: the system roots, which do not hold the test CA.
	_, err := ensure(t, addr, config.MySQLTLS{Mode: config.MySQLSSLVerifyIdentity})
	wantTLSError(t, err, "not trusted", "starrocks.ssl.truststore.location")
}

func TestTLSHostNameMismatch(t *testing.T) {
	ca := testcerts.NewCA(t)
	// The FE's certificate is for fe.example.com only; starcdc connects to
	// 127.0.0.1.
	e, addr := tlsEmulator(t, starrocks.MySQLTLS{Config: ca.ServerTLS(t, nil, "fe.example.com"), Require: true})
	_, err := ensure(t, addr, config.MySQLTLS{Mode: config.MySQLSSLVerifyIdentity, Stores: stores(t, "PEM", ca, ca, false)})
	wantTLSError(t, err, "not for this host", "starrocks.mysql.ssl.mode=VERIFY_CA", "starrocks.mysql.url")
	// The HTTPS key that skips host names does not relax VERIFY_IDENTITY.
	s := stores(t, "PEM", ca, ca, false)
	s.SkipHostnameVerification = true
	_, err = ensure(t, addr, config.MySQLTLS{Mode: config.MySQLSSLVerifyIdentity, Stores: s})
	wantTLSError(t, err, "not for this host")
	// VERIFY_CA verifies the chain only.
	if _, err := ensure(t, addr, config.MySQLTLS{Mode: config.MySQLSSLVerifyCA, Stores: stores(t, "PEM", ca, ca, false)}); err != nil {
		t.Fatalf("VERIFY_CA: %v", err)
	}
	if _, err := e.Rows("inventory", "customers"); err != nil {
		t.Fatal(err)
	}
}

func TestTLSDisabledAgainstRequired(t *testing.T) {
	ca := testcerts.NewCA(t)
	_, addr := tlsEmulator(t, starrocks.MySQLTLS{Config: ca.ServerTLS(t, nil), Require: true})
	_, err := ensure(t, addr, config.MySQLTLS{})
	wantTLSError(t, err, "refuses unencrypted connections", "ssl_force_secure_transport", "Connections using insecure transport are prohibited", "starrocks.mysql.ssl.mode=REQUIRED")
}

func TestTLSRequiredAndPreferred(t *testing.T) {
	ca := testcerts.NewCA(t)
	e, addr := tlsEmulator(t, starrocks.MySQLTLS{Config: ca.ServerTLS(t, nil), Require: true})
	// Neither verifies: no trust store holds the test CA.
	for _, mode := range []config.MySQLSSLMode{config.MySQLSSLRequired, config.MySQLSSLPreferred} {
		m, err := ensure(t, addr, config.MySQLTLS{Mode: mode})
		if err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		if m.TLSVersion() == "" {
			t.Fatalf("%v: no TLS used", mode)
		}
	}
	if _, err := e.Rows("inventory", "customers"); err != nil {
		t.Fatal(err)
	}

	// Against an FE without TLS, PREFERRED connects in plain text and
	// REQUIRED fails, saying so.
	plain, err := starrocks.Start(starrocks.Config{Users: map[string]string{"starcdc": testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = plain.Close() })
	m, err := ensure(t, plain.MySQLAddr(), config.MySQLTLS{Mode: config.MySQLSSLPreferred})
	if err != nil {
		t.Fatalf("PREFERRED against a plain FE: %v", err)
	}
	if v := m.TLSVersion(); v != "" {
		t.Fatalf("PREFERRED against a plain FE used %s", v)
	}
	_, err = ensure(t, plain.MySQLAddr(), config.MySQLTLS{Mode: config.MySQLSSLRequired})
	wantTLSError(t, err, "does not offer TLS", "ssl_keystore_location", "starrocks.mysql.ssl.mode=PREFERRED or DISABLED")
}

func TestTLSClientCertificate(t *testing.T) {
	ca, clientCA := testcerts.NewCA(t), testcerts.NewCA(t)
	e, addr := tlsEmulator(t, starrocks.MySQLTLS{Config: ca.ServerTLS(t, clientCA), Require: true})
	for _, typ := range []string{"PEM", "JKS", "PKCS12"} {
		if _, err := ensure(t, addr, config.MySQLTLS{Mode: config.MySQLSSLVerifyIdentity, Stores: stores(t, typ, ca, clientCA, true)}); err != nil {
			t.Fatalf("%s key store: %v", typ, err)
		}
	}
	if _, err := e.Rows("inventory", "customers"); err != nil {
		t.Fatal(err)
	}
	_, err := ensure(t, addr, config.MySQLTLS{Mode: config.MySQLSSLVerifyIdentity, Stores: stores(t, "PEM", ca, clientCA, false)})
	wantTLSError(t, err, "refused the TLS handshake", "starrocks.ssl.keystore.location")
}

func TestTLSPortDown(t *testing.T) {
	// A port nothing listens on: the error is not blamed on TLS.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = ensure(t, addr, config.MySQLTLS{Mode: config.MySQLSSLVerifyIdentity})
	if err == nil || errors.Is(err, ErrMySQLTLS) || !strings.Contains(err.Error(), "cannot be reached") {
		t.Fatalf("closed port: %v", err)
	}
}

func TestOpenStoreError(t *testing.T) {
	s := &config.ClientTLS{Trust: config.StoreFile{Key: config.KeySRTrustLocation, Path: t.TempDir() + "/none.jks", StorePassword: config.Secret(testcerts.TrustPassword)}}
	_, err := Open("127.0.0.1:9030", "u", testPassword, config.MySQLTLS{Mode: config.MySQLSSLVerifyCA, Stores: s})
	if err == nil || !strings.Contains(err.Error(), "starrocks.mysql.ssl.mode=VERIFY_CA") || !strings.Contains(err.Error(), "starrocks.ssl.truststore.location") {
		t.Fatalf("unreadable trust store: %v", err)
	}
	noSecrets(t, err)
}
