package kafka

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	oauthClientID = "starcdc-client"
	oauthSecret   = "Cl1ent-S3cret/+="
)

// tokenServer is an OAuth 2 token endpoint for the client-credentials
// grant: it checks the request as Kafka's HttpAccessTokenRetriever sends it
// and issues unsigned JWTs with the given lifetime.
type tokenServer struct {
	*httptest.Server
	life   time.Duration
	scope  string
	mu     sync.Mutex
	issued map[string]bool
	n      int
}

func newTokenServer(t *testing.T, life time.Duration, scope string) *tokenServer {
	return newTLSTokenServer(t, life, scope, nil)
}

// newTLSTokenServer serves the token endpoint over TLS with serverTLS, or
// plain HTTP when it is nil.
func newTLSTokenServer(t *testing.T, life time.Duration, scope string, serverTLS *tls.Config) *tokenServer {
	ts := &tokenServer{life: life, scope: scope, issued: map[string]bool{}}
	ts.Server = httptest.NewUnstartedServer(http.HandlerFunc(ts.serve))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	if serverTLS != nil {
		ts.TLS = serverTLS
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !ok || id != oauthClientID || secret != oauthSecret {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		// A server may echo what it got; the client must not repeat it.
		fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad secret %s"}`, secret)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("scope") != ts.scope {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	ts.mu.Lock()
	ts.n++
	claims, _ := json.Marshal(map[string]any{"iss": ts.URL, "sub": id, "exp": time.Now().Add(ts.life).Unix(), "jti": ts.n})
	tok := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + base64.RawURLEncoding.EncodeToString(claims) + ".sig"
	ts.issued[tok] = true
	ts.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(ts.life.Seconds())})
}

func (ts *tokenServer) valid(tok string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.issued[tok]
}

// oauthBroker answers SASLHandshake and SASLAuthenticate for OAUTHBEARER
// on a kfake cluster (kfake implements only PLAIN and SCRAM): it parses the
// RFC 7628 client message and accepts only tokens that ts issued, with the
// wanted SASL extension. It returns a func reporting the authentications.
func oauthBroker(c *kfake.Cluster, ts *tokenServer, extension string) (auths func() int, trust func(*tokenServer)) {
	var mu sync.Mutex
	n := 0
	servers := []*tokenServer{ts}
	valid := func(tok string) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range servers {
			if s.valid(tok) {
				return true
			}
		}
		return false
	}
	c.ControlKey(int16(kmsg.SASLHandshake), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.SASLHandshakeRequest)
		resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
		if req.Mechanism != "OAUTHBEARER" {
			resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
			resp.SupportedMechanisms = []string{"OAUTHBEARER"}
		}
		return resp, nil, true
	})
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.SASLAuthenticateRequest)
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		// n,,\x01auth=Bearer TOKEN\x01key=value\x01\x01
		parts := bytes.Split(req.SASLAuthBytes, []byte{1})
		tok, ext := "", ""
		for _, p := range parts[1:] {
			if t, ok := bytes.CutPrefix(p, []byte("auth=Bearer ")); ok {
				tok = string(t)
			} else if len(p) > 0 {
				ext += string(p) + ";"
			}
		}
		if !valid(tok) || ext != extension || string(parts[0]) != "n,," {
			resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
			msg := "authentication failed"
			resp.ErrorMessage = &msg
			return resp, nil, true
		}
		mu.Lock()
		n++
		mu.Unlock()
		return resp, nil, true
	})
	return func() int { mu.Lock(); defer mu.Unlock(); return n },
		func(s *tokenServer) { mu.Lock(); defer mu.Unlock(); servers = append(servers, s) }
}

// TestSecurityOAuthBearer connects to a TLS kfake broker with OAUTHBEARER
// tokens from a local token endpoint, configured as a Connect worker file
// configures Kafka's OAuthBearerLoginCallbackHandler.
func TestSecurityOAuthBearer(t *testing.T) {
	ca := newTestCA(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"), kfake.TLS(ca.serverTLS(t, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ts := newTokenServer(t, time.Hour, "kafka read")
	auths, trustIdP := oauthBroker(c, ts, "logicalCluster=lkc-1;")
	certPEM, keyPEM := ca.issue(t, false, nil)
	trust, _ := writeStores(t, "JKS", ca, certPEM, keyPEM)
	sec := map[string]string{
		"security.protocol":                   "SASL_SSL",
		"sasl.mechanism":                      "OAUTHBEARER",
		"sasl.oauthbearer.token.endpoint.url": ts.URL + "/oauth2/token",
		"sasl.login.callback.handler.class":   "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
		"sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="` + oauthClientID +
			`" clientSecret="` + oauthSecret + `" scope="kafka read" extension_logicalCluster="lkc-1";`,
		"ssl.truststore.location": trust,
		"ssl.truststore.password": trustPass,
	}
	roundTrip(t, c.ListenAddrs()[0], securityOpts(t, sec))
	if auths() == 0 {
		t.Fatal("the broker saw no OAUTHBEARER authentication")
	}

	t.Run("wrong client secret", func(t *testing.T) {
		bad := map[string]string{}
		for k, v := range sec {
			bad[k] = v
		}
		bad["sasl.jaas.config"] = `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="` + oauthClientID + `" clientSecret="Wr0ng-S3cret" scope="kafka read" extension_logicalCluster="lkc-1";`
		err := pingErr(t, c.ListenAddrs()[0], securityOpts(t, bad))
		if !errors.Is(err, ErrTokenEndpoint) || !strings.Contains(err.Error(), "HTTP 401 (invalid_client)") {
			t.Fatalf("err = %v, want ErrTokenEndpoint with HTTP 401 (invalid_client)", err)
		}
		if strings.Contains(err.Error(), "Wr0ng-S3cret") || strings.Contains(err.Error(), oauthSecret) {
			t.Fatalf("the error shows a client secret: %v", err)
		}
	})
	t.Run("token endpoint behind a private CA", func(t *testing.T) {
		idpCA := newTestCA(t)
		idp := newTLSTokenServer(t, time.Hour, "kafka read", idpCA.serverTLS(t, nil))
		certPEM, keyPEM := idpCA.issue(t, false, nil)
		idpTrust, _ := writeStores(t, "PKCS12", idpCA, certPEM, keyPEM)
		trustIdP(idp)
		before := auths()
		jaas := `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="` + oauthClientID +
			`" clientSecret="` + oauthSecret + `" scope="kafka read" extension_logicalCluster="lkc-1"`
		conf := func(jaas string) map[string]string {
			m := map[string]string{}
			for k, v := range sec {
				m[k] = v
			}
			m["sasl.oauthbearer.token.endpoint.url"] = idp.URL
			m["sasl.jaas.config"] = jaas
			return m
		}
		err := pingErr(t, c.ListenAddrs()[0], securityOpts(t, conf(jaas+";")))
		if !errors.Is(err, ErrTokenEndpoint) || !strings.Contains(err.Error(), "unknown authority") {
			t.Fatalf("err = %v, want ErrTokenEndpoint: unknown authority", err)
		}
		withCA := jaas + ` ssl.truststore.location="` + idpTrust + `" ssl.truststore.type="PKCS12" ssl.truststore.password="` + trustPass + `";`
		if err := pingErr(t, c.ListenAddrs()[0], securityOpts(t, conf(withCA))); err != nil {
			t.Fatalf("with the IdP's CA in the JAAS ssl.* options: %v", err)
		}
		if auths() == before {
			t.Fatal("the broker saw no authentication with the IdP's token")
		}
	})
	t.Run("token the broker does not know", func(t *testing.T) {
		other := newTokenServer(t, time.Hour, "kafka read")
		bad := map[string]string{}
		for k, v := range sec {
			bad[k] = v
		}
		bad["sasl.oauthbearer.token.endpoint.url"] = other.URL
		if err := pingErr(t, c.ListenAddrs()[0], securityOpts(t, bad)); err == nil {
			t.Fatal("a token the broker did not accept connected")
		}
	})
}

func TestSecurityOAuthBearerConfigErrors(t *testing.T) {
	module := "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
	for _, tc := range []struct {
		name string
		sec  map[string]string
		want string
	}{
		{"no client id", map[string]string{"sasl.oauthbearer.token.endpoint.url": "https://idp/token", "sasl.jaas.config": module + `clientSecret="` + oauthSecret + `";`}, "no clientId"},
		{"no client secret", map[string]string{"sasl.oauthbearer.token.endpoint.url": "https://idp/token", "sasl.jaas.config": module + `clientId="x" clientSecret="";`}, "no clientSecret"},
		{"file token", map[string]string{"sasl.oauthbearer.token.endpoint.url": "file:///tok", "sasl.jaas.config": module + `clientId="x" clientSecret="` + oauthSecret + `";`}, "http or https"},
		{"other handler", map[string]string{"sasl.oauthbearer.token.endpoint.url": "https://idp/token", "sasl.login.callback.handler.class": "io.strimzi.kafka.oauth.client.JaasClientOauthLoginCallbackHandler",
			"sasl.jaas.config": module + `clientId="x" clientSecret="` + oauthSecret + `";`}, "OAuthBearerLoginCallbackHandler"},
		{"bad factor", map[string]string{"sasl.oauthbearer.token.endpoint.url": "https://idp/token", "sasl.login.refresh.window.factor": "2",
			"sasl.jaas.config": module + `clientId="x" clientSecret="` + oauthSecret + `";`}, "0.5 to 1.0"},
	} {
		tc.sec["security.protocol"] = "SASL_SSL"
		tc.sec["sasl.mechanism"] = "OAUTHBEARER"
		_, warnings, err := SecurityOpts(tc.sec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
			continue
		}
		if strings.Contains(err.Error()+strings.Join(warnings, ""), oauthSecret) {
			t.Errorf("%s: the error shows the client secret: %v", tc.name, err)
		}
	}
}
