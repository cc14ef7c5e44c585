package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/internal/testcerts"
)

// mysqlTLSBase is a connector map without warnings.
func mysqlTLSBase(url string) map[string]string {
	m := starrocksTLSBase(url)
	m["topics"] = "orders"
	return m
}

func TestMySQLSSLModeKey(t *testing.T) {
	for v, want := range map[string]MySQLSSLMode{
		"DISABLED": MySQLSSLDisabled, "preferred": MySQLSSLPreferred, " Required ": MySQLSSLRequired,
		"verify_ca": MySQLSSLVerifyCA, "Verify_Identity": MySQLSSLVerifyIdentity, "": MySQLSSLDisabled,
	} {
		m := mysqlTLSBase("fe:8030")
		m["starrocks.mysql.ssl.mode"] = v
		cfg, warns, err := FromMap(m)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		for _, w := range warns {
			t.Errorf("%q: warning %s", v, w)
		}
		if got := cfg.Connectors[0].MySQLTLS; got.Mode != want || got.Stores != nil {
			t.Errorf("%q: MySQLTLS = %+v, want mode %v without stores", v, got, want)
		}
	}
	cfg, _, err := FromMap(mysqlTLSBase("fe:8030"))
	if err != nil || cfg.Connectors[0].MySQLTLS.Mode != MySQLSSLDisabled {
		t.Fatalf("unset: %+v, %v", cfg.Connectors[0].MySQLTLS, err)
	}

	m := mysqlTLSBase("fe:8030")
	m["starrocks.mysql.ssl.mode"] = "VERIFY_FULL"
	_, _, err = FromMap(m)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("VERIFY_FULL: %v", err)
	}
	for _, w := range []string{"starrocks.mysql.ssl.mode=VERIFY_FULL", "DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("no %q in %v", w, err)
		}
	}
	// TLS parameters of a jdbc:mysql URL are not read: a warning says
	// which key to set.
	m = mysqlTLSBase("fe:8030")
	m["starrocks.mysql.url"] = "jdbc:mysql://fe:9030/db?useSSL=true&sslMode=VERIFY_CA"
	cfg, warns, err := FromMap(m)
	if err != nil || cfg.Connectors[0].MySQLTLS.Mode != MySQLSSLDisabled {
		t.Fatalf("jdbc URL with sslMode: %+v, %v", cfg.Connectors[0].MySQLTLS, err)
	}
	if len(warns) != 1 || warns[0].Key != KeyMySQLURL || !strings.Contains(warns[0].Message, "set starrocks.mysql.ssl.mode") {
		t.Fatalf("warnings: %v", warns)
	}
	m["starrocks.mysql.ssl.mode"] = "VERIFY_CA"
	if _, warns, _ := FromMap(m); len(warns) != 0 {
		t.Fatalf("warnings with the mode set: %v", warns)
	}
	if _, err := ParseMySQLSSLMode("ssl"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), KeyMySQLSSLMode) {
		t.Errorf("ParseMySQLSSLMode(ssl): %v", err)
	}
}

// The MySQL connection shares the starrocks.ssl.* stores: with http://
// URLs they are not "unused" when a mode other than DISABLED is set.
func TestMySQLTLSSharesStores(t *testing.T) {
	ca := testcerts.NewCA(t)
	st := testcerts.WriteStores(t, "PKCS12", ca, ca.Issue(t, nil), ca)
	m := mysqlTLSBase("fe:8030")
	m["starrocks.mysql.ssl.mode"] = "verify_identity"
	m["starrocks.ssl.truststore.location"], m["starrocks.ssl.truststore.type"] = st.Trust, "PKCS12"
	m["starrocks.ssl.keystore.location"], m["starrocks.ssl.keystore.type"] = st.Key, "PKCS12"
	for k, v := range testcerts.Passwords("PKCS12", "starrocks.") {
		m[k] = v
	}
	cfg, warns, err := FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Fatalf("warnings: %v", warns)
	}
	c := cfg.Connectors[0]
	if c.MySQLTLS.Stores != c.TLS || c.TLS == nil || c.MySQLTLS.Mode != MySQLSSLVerifyIdentity {
		t.Fatalf("MySQLTLS = %+v, TLS = %+v", c.MySQLTLS, c.TLS)
	}
	tc, fallback, err := c.MySQLTLS.ClientConfig()
	if err != nil || fallback || tc.InsecureSkipVerify || tc.VerifyConnection != nil || tc.RootCAs == nil || len(tc.Certificates) != 1 {
		t.Fatalf("VERIFY_IDENTITY ClientConfig = %+v, %v, %v", tc, fallback, err)
	}

	// Empty endpoint identification (HTTPS's key) does not relax
	// VERIFY_IDENTITY, and a warning says so.
	m["starrocks.ssl.endpoint.identification.algorithm"] = ""
	cfg, warns, err = FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || warns[0].Key != KeyMySQLSSLMode || !strings.Contains(warns[0].Message, "VERIFY_CA") {
		t.Fatalf("warnings: %v", warns)
	}
	if tc, _, _ := cfg.Connectors[0].MySQLTLS.ClientConfig(); tc.InsecureSkipVerify {
		t.Fatal("VERIFY_IDENTITY skips host names with an empty endpoint identification algorithm")
	}

	// REQUIRED with only http:// URLs: the trust store is used by nothing.
	delete(m, "starrocks.ssl.endpoint.identification.algorithm")
	m["starrocks.mysql.ssl.mode"] = "REQUIRED"
	_, warns, err = FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].Message, "ignores starrocks.ssl.truststore.location") {
		t.Fatalf("warnings: %v", warns)
	}

	// DISABLED with only http:// URLs: the stores are unused.
	m["starrocks.mysql.ssl.mode"] = "DISABLED"
	_, warns, _ = FromMap(m)
	if len(warns) != 1 || !strings.Contains(warns[0].Message, "unused") {
		t.Fatalf("warnings: %v", warns)
	}
}

func TestMySQLTLSClientConfig(t *testing.T) {
	ca := testcerts.NewCA(t)
	st := testcerts.WriteStores(t, "PEM", ca, ca.Issue(t, nil), ca)
	stores := &ClientTLS{
		Trust:                    StoreFile{Key: KeySRTrustLocation, Path: st.Trust, Type: "PEM"},
		Key:                      StoreFile{Key: KeySRKeyLocation, Path: st.Key, Type: "PEM"},
		SkipHostnameVerification: true, // HTTPS's choice; ignored here
	}
	if tc, fb, err := (MySQLTLS{Stores: stores}).ClientConfig(); tc != nil || fb || err != nil {
		t.Fatalf("DISABLED: %v, %v, %v", tc, fb, err)
	}
	for _, c := range []struct {
		mode                MySQLSSLMode
		insecure, chain, fb bool
	}{
		{MySQLSSLPreferred, true, false, true},
		{MySQLSSLRequired, true, false, false},
		{MySQLSSLVerifyCA, true, true, false},
		{MySQLSSLVerifyIdentity, false, false, false},
	} {
		for _, s := range []*ClientTLS{stores, nil} {
			tc, fb, err := MySQLTLS{Mode: c.mode, Stores: s}.ClientConfig()
			if err != nil {
				t.Fatalf("%v: %v", c.mode, err)
			}
			if tc.InsecureSkipVerify != c.insecure || (tc.VerifyConnection != nil) != c.chain || fb != c.fb {
				t.Errorf("%v (stores %v): InsecureSkipVerify %v, chain check %v, fallback %v", c.mode, s != nil, tc.InsecureSkipVerify, tc.VerifyConnection != nil, fb)
			}
			if s != nil && len(tc.Certificates) != 1 {
				t.Errorf("%v: no client certificate", c.mode)
			}
		}
	}
	bad := &ClientTLS{Trust: StoreFile{Key: KeySRTrustLocation, Path: st.Trust + ".none", Type: "PEM"}}
	if _, _, err := (MySQLTLS{Mode: MySQLSSLVerifyCA, Stores: bad}).ClientConfig(); err == nil || !strings.Contains(err.Error(), "starrocks.mysql.ssl.mode=VERIFY_CA") || !strings.Contains(err.Error(), KeySRTrustLocation) {
		t.Fatalf("missing trust store: %v", err)
	}
}
