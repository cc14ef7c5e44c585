// Package clientcreds fetches OAuth 2 access tokens with the
// client-credentials grant (RFC 6749 section 4.4) and caches them until
// shortly before they expire. It is the one token client of starcdc: Kafka
// SASL OAUTHBEARER (package kafka) and schema-registry bearer
// authentication (package decode) both use it. It sends the request as
// Kafka's HttpAccessTokenRetriever and ClientCredentialsAccessTokenRetriever
// (org.apache.kafka.common.security.oauthbearer.internals.secured) do, which
// Confluent's schema-registry client reuses. It depends on the standard
// library only, and never puts the client secret or a token in an error.
package clientcreds

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrTokenEndpoint is wrapped by every error from fetching an access
// token: the endpoint could not be reached, refused the client credentials,
// or answered without an access_token. Its messages hold the endpoint URL,
// the HTTP status and the OAuth error code, never the client secret, the
// token or the response body.
var ErrTokenEndpoint = errors.New("OAuth token endpoint")

// ErrTokenRefused wraps ErrTokenEndpoint when the endpoint answered 400,
// 401 or 403: it refused the client credentials or the request, which
// retrying will not change.
var ErrTokenRefused = fmt.Errorf("%w refused the client credentials", ErrTokenEndpoint)

// Source fetches access tokens from Endpoint and caches each one until
// its refresh time. The lifetime of a token is taken from its JWT exp
// claim, else from the response's expires_in; the refresh time is
// Factor of the lifetime (1 when zero) less Buffer, or half the lifetime
// when that is not positive. A token with no known lifetime is not cached.
// Set the exported fields before the first Token call; a Source is then
// safe for concurrent use.
type Source struct {
	Endpoint     string // http or https URL of the token endpoint
	ClientID     string
	ClientSecret string
	Scope        string // optional; sent as the scope parameter
	// URLEncode URL-encodes the client ID and secret before the basic
	// authentication header (Kafka's sasl.oauthbearer.header.urlencode).
	URLEncode bool
	Factor    float64       // share of the lifetime before a refresh (Kafka: 0.8)
	Buffer    time.Duration // time before expiry to refresh (Confluent: 300s)
	Client    *http.Client  // nil: a client with a 30s timeout
	Now       func() time.Time

	mu        sync.Mutex
	token     string
	refreshAt time.Time
	fetches   int
}

// Token returns the cached token, fetching a new one when there is none or
// its refresh time has come. Errors wrap ErrTokenEndpoint.
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.token != "" && now.Before(s.refreshAt) {
		return s.token, nil
	}
	tok, life, err := s.fetch(ctx, now)
	if err != nil {
		return "", err
	}
	s.fetches++
	s.token, s.refreshAt = tok, time.Time{}
	if life > 0 {
		f := s.Factor
		if f <= 0 || f > 1 {
			f = 1
		}
		after := time.Duration(float64(life)*f) - s.Buffer
		if after <= 0 {
			after = life / 2
		}
		s.refreshAt = now.Add(after)
	}
	return tok, nil
}

// Fetches returns how many tokens s has fetched.
func (s *Source) Fetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

var defaultClient = &http.Client{Timeout: 30 * time.Second}

// fetch posts the client credentials to the token endpoint as Kafka does:
// grant_type=client_credentials and the scope (if any) as a form body,
// the client ID and secret as HTTP basic authentication (URL-encoded first
// with sasl.oauthbearer.header.urlencode=true).
func (s *Source) fetch(ctx context.Context, start time.Time) (token string, life time.Duration, err error) {
	body := "grant_type=client_credentials"
	if sc := strings.TrimSpace(s.Scope); sc != "" {
		body += "&scope=" + url.QueryEscape(sc)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Endpoint, strings.NewReader(body))
	if err != nil {
		return "", 0, fmt.Errorf("%w %s: %v", ErrTokenEndpoint, s.Endpoint, err)
	}
	id, secret := strings.TrimSpace(s.ClientID), strings.TrimSpace(s.ClientSecret)
	if s.URLEncode {
		id, secret = url.QueryEscape(id), url.QueryEscape(secret)
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(id+":"+secret)))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := s.Client
	if hc == nil {
		hc = defaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// A *url.Error names the method and URL, never headers or body.
		return "", 0, fmt.Errorf("%w: %v", ErrTokenEndpoint, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", 0, fmt.Errorf("%w %s: reading the response: %v", ErrTokenEndpoint, s.Endpoint, err)
	}
	var r struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
		Error       string          `json:"error"`
	}
	jsonErr := json.Unmarshal(data, &r)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		code := ""
		if jsonErr == nil && isOAuthErrorCode(r.Error) {
			code = " (" + r.Error + ")"
		}
		base := ErrTokenEndpoint
		switch resp.StatusCode {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
			base = ErrTokenRefused
		}
		return "", 0, fmt.Errorf("%w %s: HTTP %d%s", base, s.Endpoint, resp.StatusCode, code)
	}
	if jsonErr != nil || strings.TrimSpace(r.AccessToken) == "" {
		return "", 0, fmt.Errorf("%w %s: the response holds no access_token", ErrTokenEndpoint, s.Endpoint)
	}
	token = strings.TrimSpace(r.AccessToken)
	if exp, ok := jwtExpiry(token); ok {
		return token, exp.Sub(start), nil
	}
	if n, err := strconv.ParseFloat(strings.Trim(string(r.ExpiresIn), `"`), 64); err == nil && n > 0 {
		return token, time.Duration(n * float64(time.Second)), nil
	}
	return token, 0, nil
}

// isOAuthErrorCode reports whether code looks like an RFC 6749 error code
// (such as invalid_client), so that only such a word, never free text the
// server echoed back, reaches an error message.
func isOAuthErrorCode(code string) bool {
	if code == "" || len(code) > 40 {
		return false
	}
	for _, r := range code {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}

// jwtExpiry returns the exp claim of a JWT, read without verifying the
// signature (the broker verifies the token; Kafka's client reads the claim
// the same way to schedule its refresh).
func jwtExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}, false
	}
	f, err := claims.Exp.Float64()
	if err != nil || f <= 0 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(f*float64(time.Second))), true
}
