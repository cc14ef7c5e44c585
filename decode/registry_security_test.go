package decode

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/internal/testcerts"
)

// tlsFake serves an srfake registry over TLS with serverTLS.
func tlsFake(t *testing.T, serverTLS *tls.Config, opts ...srfake.Option) (*srfake.Registry, string) {
	t.Helper()
	f := srfake.NewRegistry(opts...)
	srv := httptest.NewUnstartedServer(f.Handler())
	srv.TLS = serverTLS
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// TestRegistryTLSStores reaches a registry whose certificate comes from a
// private CA and that requires a client certificate, with the
// schema.registry.ssl.* stores in each format.
func TestRegistryTLSStores(t *testing.T) {
	serverCA, clientCA := testcerts.NewCA(t), testcerts.NewCA(t)
	f, url := tlsFake(t, serverCA.ServerTLS(t, clientCA))
	id := mustRegister(t, f, "t-key", sr.Schema{Schema: tinyAvro})
	rec := frame(id, nil, []byte{0x54}) // 42
	client := clientCA.Issue(t, nil)
	for _, typ := range []string{"JKS", "PKCS12", "PEM"} {
		t.Run(typ, func(t *testing.T) {
			st := testcerts.WriteStores(t, typ, serverCA, client, clientCA)
			props := map[string]string{
				"schema.registry.url":                     url,
				"schema.registry.ssl.truststore.location": st.Trust,
				"schema.registry.ssl.truststore.type":     typ,
				"schema.registry.ssl.keystore.location":   st.Key,
				"schema.registry.ssl.keystore.type":       typ,
			}
			for k, v := range testcerts.Passwords(typ, "schema.registry.") {
				props[k] = v
			}
			r, err := avroConv(t, testRegistries(), props).Decode(context.Background(), "t", rec)
			if err != nil {
				t.Fatal(err)
			}
			if got := at(t, r.Value, "id"); got != int64(42) {
				t.Fatalf("id = %v", got)
			}
		})
	}
	t.Run("PEM text", func(t *testing.T) {
		st := testcerts.WriteStores(t, "PEM", serverCA, client, clientCA)
		trust, _ := os.ReadFile(st.Trust)
		pair, _ := os.ReadFile(st.Key) // the chain and its key
		props := map[string]string{
			"schema.registry.url":                            url,
			"schema.registry.ssl.truststore.certificates":    string(trust),
			"schema.registry.ssl.keystore.certificate.chain": string(pair),
			"schema.registry.ssl.keystore.key":               string(pair),
		}
		r, err := avroConv(t, testRegistries(), props).Decode(context.Background(), "t", rec)
		if err != nil || at(t, r.Value, "id") != int64(42) {
			t.Fatalf("%+v, %v", r.Value, err)
		}
		delete(props, "schema.registry.ssl.keystore.key")
		_, err = testRegistries().New(ClassAvro, props)
		if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "schema.registry.ssl.keystore.key") || strings.Contains(err.Error(), "PRIVATE") {
			t.Fatalf("chain without key: %v", err)
		}
		props["schema.registry.ssl.keystore.key"] = "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----"
		_, err = testRegistries().New(ClassAvro, props)
		if !errors.Is(err, config.ErrInvalid) || strings.Contains(err.Error(), "not base64!") {
			t.Fatalf("bad key: %v", err)
		}
	})
	st := testcerts.WriteStores(t, "JKS", serverCA, client, clientCA)
	t.Run("system roots do not trust the private CA", func(t *testing.T) {
		_, err := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": url}).Decode(context.Background(), "t", rec)
		if !errors.Is(err, ErrRegistryUnavailable) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v, want ErrRegistryUnavailable about the certificate", err)
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		_, err := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": url,
			"schema.registry.ssl.truststore.location": st.Trust, "schema.registry.ssl.truststore.password": testcerts.TrustPassword,
		}).Decode(context.Background(), "t", rec)
		if !errors.Is(err, ErrRegistryUnavailable) {
			t.Fatalf("err = %v, want ErrRegistryUnavailable", err)
		}
	})
	t.Run("wrong store password", func(t *testing.T) {
		_, err := testRegistries().New(ClassAvro, map[string]string{"schema.registry.url": url,
			"schema.registry.ssl.truststore.location": st.Trust, "schema.registry.ssl.truststore.password": "Wr0ng-Pw"})
		if !errors.Is(err, config.ErrStorePassword) || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "schema.registry.ssl.truststore.location") {
			t.Fatalf("err = %v, want ErrStorePassword naming the key", err)
		}
		if strings.Contains(err.Error(), "Wr0ng-Pw") {
			t.Fatalf("the error shows the password: %v", err)
		}
	})
}

// TestRegistryTLSHostname checks schema.registry.ssl.endpoint.identification.algorithm:
// a certificate for another host name is refused by default and accepted,
// its chain still verified, with an empty value.
func TestRegistryTLSHostname(t *testing.T) {
	ca := testcerts.NewCA(t)
	f, url := tlsFake(t, ca.ServerTLS(t, nil, "registry.internal"))
	id := mustRegister(t, f, "t-key", sr.Schema{Schema: tinyAvro})
	rec := frame(id, nil, []byte{0x54})
	st := testcerts.WriteStores(t, "PEM", ca, ca.Issue(t, nil), ca)
	props := func(alg *string) map[string]string {
		p := map[string]string{"schema.registry.url": url, "schema.registry.ssl.truststore.location": st.Trust}
		if alg != nil {
			p["schema.registry.ssl.endpoint.identification.algorithm"] = *alg
		}
		return p
	}
	https, empty := "https", ""
	for _, alg := range []*string{nil, &https} {
		if _, err := avroConv(t, testRegistries(), props(alg)).Decode(context.Background(), "t", rec); err == nil || !strings.Contains(err.Error(), "127.0.0.1") {
			t.Fatalf("a certificate for registry.internal was accepted for 127.0.0.1: %v", err)
		}
	}
	if _, err := avroConv(t, testRegistries(), props(&empty)).Decode(context.Background(), "t", rec); err != nil {
		t.Fatalf("host name verification off: %v", err)
	}
	other := testcerts.WriteStores(t, "PEM", testcerts.NewCA(t), ca.Issue(t, nil), ca)
	p := props(&empty)
	p["schema.registry.ssl.truststore.location"] = other.Trust
	if _, err := avroConv(t, testRegistries(), p).Decode(context.Background(), "t", rec); err == nil {
		t.Fatal("host name verification off also skipped the chain verification")
	}
}

// TestRegistryOAuthBearer fetches registry bearer tokens with the
// client-credentials grant from a local token endpoint.
func TestRegistryOAuthBearer(t *testing.T) {
	const clientID, secret, token = "sr-client", "Sr-Cl1ent-S3cret", "tok-from-idp"
	var fetches atomic.Int64
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, sec, _ := r.BasicAuth()
		r.ParseForm()
		if id != clientID || sec != secret || r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("scope") != "registry" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"secret %s"}`, sec)
			return
		}
		fetches.Add(1)
		fmt.Fprintf(w, `{"access_token":%q,"expires_in":3600}`, token)
	}))
	t.Cleanup(idp.Close)
	ca := testcerts.NewCA(t)
	f, url := tlsFake(t, ca.ServerTLS(t, nil), srfake.WithAuth("Bearer "+token))
	st := testcerts.WriteStores(t, "PKCS12", ca, ca.Issue(t, nil), ca)
	props := map[string]string{
		"schema.registry.url":                     url,
		"schema.registry.ssl.truststore.location": st.Trust,
		"schema.registry.ssl.truststore.type":     "PKCS12",
		"schema.registry.ssl.truststore.password": testcerts.TrustPassword,
		"bearer.auth.credentials.source":          "OAUTHBEARER",
		"bearer.auth.issuer.endpoint.url":         idp.URL + "/token",
		"bearer.auth.client.id":                   clientID,
		"bearer.auth.client.secret":               secret,
		"bearer.auth.scope":                       "registry",
		"bearer.auth.logical.cluster":             "lsrc-1",
	}
	var cluster atomic.Value
	f.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
		cluster.Store(r.Header.Get("target-sr-cluster"))
		return false
	})
	ids := []int{
		mustRegister(t, f, "a-value", sr.Schema{Schema: tinyAvro}),
		mustRegister(t, f, "b-value", sr.Schema{Schema: `{"type":"record","name":"B","fields":[{"name":"id","type":"int"}]}`}),
	}
	c := avroConv(t, testRegistries(), props)
	for _, id := range ids {
		if _, err := c.Decode(context.Background(), "t", frame(id, nil, []byte{2})); err != nil {
			t.Fatal(err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d token fetches for two registry requests, want 1 (the token is cached)", n)
	}
	if got, _ := cluster.Load().(string); got != "lsrc-1" {
		t.Fatalf("target-sr-cluster = %q", got)
	}

	props["bearer.auth.client.secret"] = "Wr0ng-S3cret"
	_, err := avroConv(t, testRegistries(), props).Decode(context.Background(), "t", frame(ids[0], nil, []byte{2}))
	if !errors.Is(err, ErrRegistryAuth) {
		t.Fatalf("refused client credentials: %v, want ErrRegistryAuth", err)
	}
	if strings.Contains(err.Error(), "Wr0ng-S3cret") || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), token) {
		t.Fatalf("the error shows a secret: %v", err)
	}

	for _, k := range []string{"bearer.auth.issuer.endpoint.url", "bearer.auth.client.id", "bearer.auth.client.secret"} {
		p := map[string]string{}
		for k, v := range props {
			p[k] = v
		}
		delete(p, k)
		if _, err := testRegistries().New(ClassAvro, p); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), k) {
			t.Errorf("without %s: %v", k, err)
		}
	}
}
