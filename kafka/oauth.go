package kafka

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

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
)

// OAUTHBEARER keys, as Kafka's OAuthBearerLoginCallbackHandler reads them
// (org.apache.kafka.common.security.oauthbearer; the client-credentials
// request is built as in internals/secured/ClientCredentialsAccessTokenRetriever
// and HttpAccessTokenRetriever).
const (
	keyOAuthTokenURL       = "sasl.oauthbearer.token.endpoint.url"
	keyOAuthHeaderURLEnc   = "sasl.oauthbearer.header.urlencode"
	keyLoginRefreshFactor  = "sasl.login.refresh.window.factor"
	keyLoginConnectTimeout = "sasl.login.connect.timeout.ms"
	keyLoginReadTimeout    = "sasl.login.read.timeout.ms"
	keyLoginCallback       = "sasl.login.callback.handler.class"

	// JAAS options of OAuthBearerLoginModule read by the callback handler.
	jaasClientID     = "clientId"
	jaasClientSecret = "clientSecret"
	jaasScope        = "scope"
	jaasExtension    = "extension_"
)

// ErrTokenEndpoint is wrapped by every error from fetching an OAUTHBEARER
// token: the endpoint could not be reached, refused the client credentials,
// or answered without an access_token. Its messages hold the endpoint URL,
// the HTTP status and the OAuth error code, never the client secret, the
// token or the response body.
var ErrTokenEndpoint = errors.New("OAUTHBEARER token endpoint")

// tokenSource fetches OAUTHBEARER access tokens with the OAuth 2
// client-credentials grant and caches each one until its refresh time: a
// fraction (sasl.login.refresh.window.factor, default 0.8) of its lifetime,
// taken from the JWT exp claim or else the response's expires_in. A token
// with neither is not cached. It is safe for concurrent use.
type tokenSource struct {
	endpoint     string
	clientID     string
	clientSecret string
	scope        string
	urlencode    bool
	factor       float64
	extensions   map[string]string
	client       *http.Client
	now          func() time.Time

	mu        sync.Mutex
	token     string
	refreshAt time.Time
	fetches   int // tokens fetched, for tests
}

// auth returns the cached token, fetching a new one when there is none or
// its refresh time has come. franz-go calls it for every connection and
// every re-authentication (KIP-368), so a long-lived connection picks up
// the refreshed token when the broker asks it to re-authenticate.
func (s *tokenSource) auth(ctx context.Context) (oauth.Auth, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == "" || !s.now().Before(s.refreshAt) {
		tok, life, err := s.fetch(ctx)
		if err != nil {
			return oauth.Auth{}, err
		}
		s.fetches++
		s.token, s.refreshAt = tok, s.now().Add(time.Duration(float64(life)*s.factor))
		if life <= 0 {
			s.refreshAt = time.Time{} // not cached
		}
	}
	return oauth.Auth{Token: s.token, Extensions: s.extensions}, nil
}

func (s *tokenSource) mechanism() sasl.Mechanism { return oauth.Oauth(s.auth) }

// fetch posts the client credentials to the token endpoint as Kafka does:
// grant_type=client_credentials and the scope (if any) as a form body,
// the client ID and secret as HTTP basic authentication (URL-encoded first
// with sasl.oauthbearer.header.urlencode=true).
func (s *tokenSource) fetch(ctx context.Context) (token string, life time.Duration, err error) {
	body := "grant_type=client_credentials"
	if sc := strings.TrimSpace(s.scope); sc != "" {
		body += "&scope=" + url.QueryEscape(sc)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, strings.NewReader(body))
	if err != nil {
		return "", 0, fmt.Errorf("%w %s: %v", ErrTokenEndpoint, s.endpoint, err)
	}
	id, secret := strings.TrimSpace(s.clientID), strings.TrimSpace(s.clientSecret)
	if s.urlencode {
		id, secret = url.QueryEscape(id), url.QueryEscape(secret)
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(id+":"+secret)))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := s.now()
	resp, err := s.client.Do(req)
	if err != nil {
		// A *url.Error names the method and URL, never headers or body.
		return "", 0, fmt.Errorf("%w: %v", ErrTokenEndpoint, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", 0, fmt.Errorf("%w %s: reading the response: %v", ErrTokenEndpoint, s.endpoint, err)
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
		return "", 0, fmt.Errorf("%w %s: HTTP %d%s", ErrTokenEndpoint, s.endpoint, resp.StatusCode, code)
	}
	if jsonErr != nil || strings.TrimSpace(r.AccessToken) == "" {
		return "", 0, fmt.Errorf("%w %s: the response holds no access_token", ErrTokenEndpoint, s.endpoint)
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

// oauthBearer builds the OAUTHBEARER mechanism from the JAAS options of an
// OAuthBearerLoginModule and the sasl.oauthbearer.* and sasl.login.* keys.
func (p *secParser) oauthBearer(opts map[string]string) (sasl.Mechanism, error) {
	endpoint, _ := p.get(keyOAuthTokenURL)
	if cb, ok := p.get(keyLoginCallback); ok && cb != "" && !isModule(cb, "OAuthBearerLoginCallbackHandler") {
		return nil, unsupportedf("%s=%s: starcdc implements only Kafka's OAuthBearerLoginCallbackHandler (the client-credentials grant)", keyLoginCallback, cb)
	}
	switch {
	case endpoint == "":
		return nil, unsupportedf("sasl.mechanism=OAUTHBEARER needs %s: starcdc fetches tokens with the client-credentials grant; Kafka's unsecured test tokens are not supported", keyOAuthTokenURL)
	case !strings.HasPrefix(endpoint, "https://") && !strings.HasPrefix(endpoint, "http://"):
		// Kafka also accepts file: URLs holding a token; starcdc does not.
		return nil, unsupportedf("%s must be an http or https URL", keyOAuthTokenURL)
	case strings.TrimSpace(opts[jaasClientID]) == "":
		return nil, invalidf("%s: the OAuthBearerLoginModule has no %s option, or an empty one", keySASLJAASConfig, jaasClientID)
	case strings.TrimSpace(opts[jaasClientSecret]) == "":
		return nil, invalidf("%s: the OAuthBearerLoginModule has no %s option, or an empty one", keySASLJAASConfig, jaasClientSecret)
	}
	s := &tokenSource{
		endpoint:     endpoint,
		clientID:     opts[jaasClientID],
		clientSecret: opts[jaasClientSecret],
		scope:        opts[jaasScope],
		factor:       0.8,
		now:          time.Now,
	}
	if v, ok := p.get(keyOAuthHeaderURLEnc); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, invalidf("%s=%q: use true or false", keyOAuthHeaderURLEnc, v)
		}
		s.urlencode = b
	}
	if v, ok := p.get(keyLoginRefreshFactor); ok && v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0.5 || f > 1 {
			return nil, invalidf("%s=%q: use a number from 0.5 to 1.0", keyLoginRefreshFactor, v)
		}
		s.factor = f
	}
	var timeout time.Duration
	for _, k := range []string{keyLoginConnectTimeout, keyLoginReadTimeout} {
		if v, ok := p.get(k); ok && v != "" {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ms <= 0 {
				return nil, invalidf("%s=%q: use a positive number of milliseconds", k, v)
			}
			timeout += time.Duration(ms) * time.Millisecond
		}
	}
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	s.client = &http.Client{Timeout: timeout}
	for k, v := range opts {
		if name, ok := strings.CutPrefix(k, jaasExtension); ok && name != "" {
			if s.extensions == nil {
				s.extensions = map[string]string{}
			}
			s.extensions[name] = v
		}
	}
	n := 0
	for k := range opts {
		switch {
		case k == jaasClientID, k == jaasClientSecret, k == jaasScope, strings.HasPrefix(k, jaasExtension):
		default:
			n++
		}
	}
	if n > 0 {
		p.warnf(keySASLJAASConfig, "%d login module option(s) other than clientId, clientSecret, scope and extension_* ignored", n)
	}
	return s.mechanism(), nil
}
