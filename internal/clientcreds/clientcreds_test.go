package clientcreds

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// jwt returns an unsigned JWT with the given exp and jti claims.
func jwt(exp time.Time, n int) string {
	claims, _ := json.Marshal(map[string]any{"exp": exp.Unix(), "jti": n})
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + base64.RawURLEncoding.EncodeToString(claims) + ".sig"
}

// TestSourceRequest checks the request against Kafka's
// ClientCredentialsAccessTokenRetriever: a form POST with
// grant_type=client_credentials and the trimmed scope, and the client ID
// and secret as basic authentication, URL-encoded only when asked.
func TestSourceRequest(t *testing.T) {
	for _, urlencode := range []bool{false, true} {
		var mu sync.Mutex
		var got *http.Request
		var form string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			got = r
			r.ParseForm()
			form = r.PostForm.Encode()
			fmt.Fprintf(w, `{"access_token":%q}`, jwt(time.Now().Add(time.Hour), 1))
		}))
		s := &Source{Endpoint: srv.URL, ClientID: " id:1 ", ClientSecret: "s&cr=t", Scope: " a b ", URLEncode: urlencode}
		if _, err := s.Token(context.Background()); err != nil {
			t.Fatal(err)
		}
		srv.Close()
		id, secret, _ := got.BasicAuth()
		wantID, wantSecret := "id:1", "s&cr=t"
		if urlencode {
			wantID, wantSecret = "id%3A1", "s%26cr%3Dt"
		}
		// BasicAuth splits at the first colon, so compare the pair.
		if id+":"+secret != wantID+":"+wantSecret {
			t.Errorf("urlencode=%v: basic auth %q:%q, want %q:%q", urlencode, id, secret, wantID, wantSecret)
		}
		if got.Method != http.MethodPost || got.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || got.Header.Get("Accept") != "application/json" {
			t.Errorf("request %s %q %q", got.Method, got.Header.Get("Content-Type"), got.Header.Get("Accept"))
		}
		if form != "grant_type=client_credentials&scope=a+b" {
			t.Errorf("form %q", form)
		}
	}
}

// TestSourceRefresh checks that a token is reused until its refresh time
// (Factor of its lifetime less Buffer) and fetched anew after.
func TestSourceRefresh(t *testing.T) {
	for _, tc := range []struct {
		name    string
		factor  float64
		buffer  time.Duration
		refresh time.Duration // of a one-hour token
	}{
		{"Kafka window factor", 0.8, 0, 48 * time.Minute},
		{"Confluent expiry buffer", 0, 5 * time.Minute, 55 * time.Minute},
		{"buffer longer than the token", 0, 2 * time.Hour, 30 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			var mu sync.Mutex
			n := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				mu.Lock()
				n++
				tok := jwt(clock.t.Add(time.Hour), n)
				mu.Unlock()
				fmt.Fprintf(w, `{"access_token":%q,"expires_in":99999}`, tok)
			}))
			defer srv.Close()
			s := &Source{Endpoint: srv.URL, ClientID: "a", ClientSecret: "b", Factor: tc.factor, Buffer: tc.buffer, Now: clock.now}
			ctx := context.Background()
			first, err := s.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			clock.t = clock.t.Add(tc.refresh - time.Second)
			if again, _ := s.Token(ctx); again != first || s.Fetches() != 1 {
				t.Fatalf("fetched again 1s before the refresh time (%d fetches)", s.Fetches())
			}
			clock.t = clock.t.Add(time.Second)
			next, err := s.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if next == first || s.Fetches() != 2 {
				t.Fatalf("not refreshed at the refresh time (%d fetches)", s.Fetches())
			}
		})
	}
}

// TestSourceLifetime checks the lifetime sources: the JWT exp claim wins,
// else expires_in, else the token is not cached.
func TestSourceLifetime(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	for _, tc := range []struct {
		name, body string
		want       time.Duration
	}{
		{"exp claim", fmt.Sprintf(`{"access_token":%q,"expires_in":60}`, jwt(clock.t.Add(10*time.Minute), 1)), 10 * time.Minute},
		{"expires_in", `{"access_token":"opaque","expires_in":600}`, 600 * time.Second},
		{"expires_in string", `{"access_token":"opaque","expires_in":"600"}`, 600 * time.Second},
		{"no lifetime", `{"access_token":"opaque"}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, tc.body) }))
			defer srv.Close()
			s := &Source{Endpoint: srv.URL, ClientID: "a", ClientSecret: "b", Factor: 1, Now: clock.now}
			s.Token(context.Background())
			var got time.Duration
			if !s.refreshAt.IsZero() {
				got = s.refreshAt.Sub(clock.t)
			}
			if got != tc.want {
				t.Fatalf("refresh after %v, want %v", got, tc.want)
			}
			s.Token(context.Background())
			if want := map[bool]int{true: 2, false: 1}[tc.want == 0]; s.Fetches() != want {
				t.Fatalf("%d fetches for two tokens, want %d", s.Fetches(), want)
			}
		})
	}
}

// TestSourceErrorsHideSecrets checks that errors name the endpoint, the
// status and the OAuth error code, never the secret, a token, or the
// server's free text.
func TestSourceErrorsHideSecrets(t *testing.T) {
	const secret = "Cl1ent-S3cret"
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"refused", 401, `{"error":"invalid_client","error_description":"bad secret ` + secret + `"}`, "HTTP 401 (invalid_client)"},
		{"odd error code", 400, `{"error":"Bad ` + secret + `"}`, "HTTP 400"},
		{"no token", 200, `{"token":"` + secret + `"}`, "no access_token"},
		{"not JSON", 200, secret, "no access_token"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(tc.status)
			fmt.Fprint(w, tc.body)
		}))
		s := &Source{Endpoint: srv.URL + "/token", ClientID: "a", ClientSecret: secret}
		_, err := s.Token(context.Background())
		srv.Close()
		if errors.Is(err, ErrTokenRefused) != (tc.status == 400 || tc.status == 401) {
			t.Errorf("%s: errors.Is(%v, ErrTokenRefused) is wrong", tc.name, err)
		}
		if !errors.Is(err, ErrTokenEndpoint) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/token") {
			t.Errorf("%s: err = %v, want ErrTokenEndpoint, the URL and %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the secret: %v", tc.name, err)
		}
	}
}
