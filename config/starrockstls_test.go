package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/internal/testcerts"
)

func starrocksTLSBase(url string) map[string]string {
	return map[string]string{
		"name": "c", "connector.class": "com.starrocks.connector.kafka.StarRocksSinkConnector", "topics": "t",
		"starrocks.http.url": url, "starrocks.username": "root", "starrocks.password": "", "starrocks.database.name": "d",
	}
}

func TestStarRocksTLSKeys(t *testing.T) {
	ca := testcerts.NewCA(t)
	for _, typ := range []string{"JKS", "PKCS12", "PEM"} {
		st := testcerts.WriteStores(t, typ, ca, ca.Issue(t, nil), ca)
		m := starrocksTLSBase("https://fe:8030")
		m["starrocks.ssl.truststore.location"] = st.Trust
		m["starrocks.ssl.keystore.location"] = st.Key
		m["starrocks.ssl.endpoint.identification.algorithm"] = ""
		if typ != "JKS" {
			m["starrocks.ssl.truststore.type"], m["starrocks.ssl.keystore.type"] = typ, typ
		}
		for k, v := range testcerts.Passwords(typ, "starrocks.") {
			m[k] = v
		}
		cfg, warns, err := FromMap(m)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		for _, w := range warns {
			if strings.Contains(w.Key, "ssl") {
				t.Errorf("%s: warning %s", typ, w)
			}
		}
		c := cfg.Connectors[0].TLS
		if c == nil || c.Trust.Path != st.Trust || c.Key.Path != st.Key || !c.SkipHostnameVerification {
			t.Fatalf("%s: TLS = %+v", typ, c)
		}
		tc, err := c.Config()
		if err != nil || tc.RootCAs == nil || len(tc.Certificates) != 1 {
			t.Fatalf("%s: Config() = %v, %v", typ, tc, err)
		}
		// No password shows when the connector is printed or marshalled.
		j, _ := json.Marshal(cfg.Connectors[0])
		text := fmt.Sprintf("%v %+v %#v %s %v", cfg.Connectors[0], cfg.Connectors[0], cfg.Connectors[0], j, *c)
		for _, pw := range []string{testcerts.TrustPassword, testcerts.StorePassword, testcerts.KeyPassword} {
			if strings.Contains(text, pw) {
				t.Fatalf("%s: a store password shows in %s", typ, text)
			}
		}
	}
	if cfg, _, err := FromMap(starrocksTLSBase("fe:8030")); err != nil || cfg.Connectors[0].TLS != nil {
		t.Fatalf("no starrocks.ssl.* keys: TLS = %+v, %v", cfg.Connectors[0].TLS, err)
	}
}

func TestStarRocksTLSErrors(t *testing.T) {
	ca := testcerts.NewCA(t)
	st := testcerts.WriteStores(t, "JKS", ca, ca.Issue(t, nil), ca)
	const wrong = "Wr0ng-St0re-Pw"
	for _, tc := range []struct {
		name string
		keys map[string]string
		want string
	}{
		{"wrong trust store password", map[string]string{"starrocks.ssl.truststore.location": st.Trust, "starrocks.ssl.truststore.password": wrong}, "starrocks.ssl.truststore.location=" + st.Trust},
		{"wrong key password", map[string]string{"starrocks.ssl.keystore.location": st.Key, "starrocks.ssl.keystore.password": testcerts.StorePassword, "starrocks.ssl.key.password": wrong}, "starrocks.ssl.keystore.location=" + st.Key},
		{"missing file", map[string]string{"starrocks.ssl.truststore.location": st.Trust + ".none", "starrocks.ssl.truststore.type": "PEM"}, "no such file"},
		{"bad algorithm", map[string]string{"starrocks.ssl.endpoint.identification.algorithm": "ldap"}, "starrocks.ssl.endpoint.identification.algorithm=ldap"},
	} {
		m := starrocksTLSBase("https://fe:8030")
		for k, v := range tc.keys {
			m[k] = v
		}
		_, _, err := FromMap(m)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrInvalid containing %q", tc.name, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), testcerts.StorePassword) {
			t.Errorf("%s: the error shows a password: %v", tc.name, err)
		}
	}
	m := starrocksTLSBase("http://fe:8030")
	m["starrocks.ssl.truststore.location"], m["starrocks.ssl.truststore.password"] = st.Trust, testcerts.TrustPassword
	_, warns, err := FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range warns {
		found = found || strings.Contains(w.String(), "no starrocks.http.url entry is https://")
	}
	if !found {
		t.Fatalf("no warning for TLS settings with http:// URLs: %v", warns)
	}
}
