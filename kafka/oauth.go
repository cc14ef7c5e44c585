package kafka

import (
	"context"
	"crypto/tls"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/internal/clientcreds"
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
// token (see clientcreds.ErrTokenEndpoint).
var ErrTokenEndpoint = clientcreds.ErrTokenEndpoint

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
	s := &clientcreds.Source{
		Endpoint:     endpoint,
		ClientID:     opts[jaasClientID],
		ClientSecret: opts[jaasClientSecret],
		Scope:        opts[jaasScope],
		Factor:       0.8,
	}
	if v, ok := p.get(keyOAuthHeaderURLEnc); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, invalidf("%s=%q: use true or false", keyOAuthHeaderURLEnc, v)
		}
		s.URLEncode = b
	}
	if v, ok := p.get(keyLoginRefreshFactor); ok && v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0.5 || f > 1 {
			return nil, invalidf("%s=%q: use a number from 0.5 to 1.0", keyLoginRefreshFactor, v)
		}
		s.Factor = f
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
	s.Client = &http.Client{Timeout: timeout}
	if tc, err := tokenEndpointTLS(opts); err != nil {
		return nil, err
	} else if tc != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tc
		s.Client.Transport = tr
	}
	var ext map[string]string
	for k, v := range opts {
		if name, ok := strings.CutPrefix(k, jaasExtension); ok && name != "" {
			if ext == nil {
				ext = map[string]string{}
			}
			ext[name] = v
		}
	}
	n := 0
	for k := range opts {
		switch {
		case k == jaasClientID, k == jaasClientSecret, k == jaasScope, strings.HasPrefix(k, jaasExtension), strings.HasPrefix(k, "ssl."):
		default:
			n++
		}
	}
	if n > 0 {
		p.warnf(keySASLJAASConfig, "%d login module option(s) other than clientId, clientSecret, scope, extension_* and ssl.* ignored", n)
	}
	// franz-go asks for a token on every connection and every
	// re-authentication (KIP-368), so a long-lived connection picks up the
	// refreshed token when the broker asks it to re-authenticate.
	return oauth.Oauth(func(ctx context.Context) (oauth.Auth, error) {
		tok, err := s.Token(ctx)
		if err != nil {
			return oauth.Auth{}, err
		}
		return oauth.Auth{Token: tok, Extensions: ext}, nil
	}), nil
}

// tokenEndpointTLS reads the ssl.* options of the OAuthBearerLoginModule
// entry, which Kafka uses (JaasOptionsUtils.createSSLSocketFactory) for an
// https token endpoint: a trust store for a private CA, a client
// certificate, endpoint identification. nil when none is set: the system
// roots verify the endpoint.
func tokenEndpointTLS(opts map[string]string) (*tls.Config, error) {
	set := false
	for k := range opts {
		set = set || strings.HasPrefix(k, "ssl.")
	}
	if !set {
		return nil, nil
	}
	o := func(k string) string { return strings.TrimSpace(opts[k]) }
	where := keySASLJAASConfig + " option "
	c := config.ClientTLS{
		Trust: config.StoreFile{Key: where + keyTrustStoreLocation, Path: o(keyTrustStoreLocation), Type: o(keyTrustStoreType),
			StorePassword: config.Secret(o(keyTrustStorePassword))},
		Key: config.StoreFile{Key: where + keyKeyStoreLocation, Path: o(keyKeyStoreLocation), Type: o(keyKeyStoreType),
			StorePassword: config.Secret(o(keyKeyStorePassword)), KeyPassword: config.Secret(o(keyKeyPassword))},
	}
	alg, algSet := opts[keyEndpointAlgorithm]
	skip, err := config.ParseEndpointIdentification(where+keyEndpointAlgorithm, alg, algSet)
	if err != nil {
		return nil, err
	}
	c.SkipHostnameVerification = skip
	return c.Config()
}
