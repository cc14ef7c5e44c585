package decode

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/internal/clientcreds"
)

// Schema registry client TLS keys among a converter's properties, as
// Confluent's SchemaRegistryClientConfig.withClientSslSupport names them:
// Kafka's client ssl.* keys under the "schema.registry." prefix.
const (
	srTrustLocation = "schema.registry.ssl.truststore.location"
	srTrustPassword = "schema.registry.ssl.truststore.password"
	srTrustType     = "schema.registry.ssl.truststore.type"
	srKeyLocation   = "schema.registry.ssl.keystore.location"
	srKeyPassword   = "schema.registry.ssl.keystore.password"
	srKeyType       = "schema.registry.ssl.keystore.type"
	srKeyKeyPass    = "schema.registry.ssl.key.password"
	srEndpointAlg   = "schema.registry.ssl.endpoint.identification.algorithm"
	srTrustCerts    = "schema.registry.ssl.truststore.certificates"
	srKeyChain      = "schema.registry.ssl.keystore.certificate.chain"
	srKeyKey        = "schema.registry.ssl.keystore.key"
)

// parseRegistryTLS reads the schema.registry.ssl.* keys. It returns nil
// (Go's defaults: system roots, host names verified) when none is set, and
// an identity string that tells registries with different TLS settings
// apart. Errors wrap ErrUnsupported and config.ErrInvalid and never hold a
// password.
func parseRegistryTLS(class string, props map[string]string) (*tls.Config, string, error) {
	alg, algSet := props[srEndpointAlg]
	c := config.ClientTLS{
		Trust: config.StoreFile{Key: srTrustLocation, Path: strings.TrimSpace(props[srTrustLocation]),
			Type: props[srTrustType], StorePassword: config.Secret(strings.TrimSpace(props[srTrustPassword]))},
		Key: config.StoreFile{Key: srKeyLocation, Path: strings.TrimSpace(props[srKeyLocation]),
			Type: props[srKeyType], StorePassword: config.Secret(strings.TrimSpace(props[srKeyPassword])), KeyPassword: config.Secret(strings.TrimSpace(props[srKeyKeyPass]))},
		TrustPEM: config.PEMText{Key: srTrustCerts, Text: config.Secret(strings.TrimSpace(props[srTrustCerts]))},
		ChainPEM: config.PEMText{Key: srKeyChain, Text: config.Secret(strings.TrimSpace(props[srKeyChain]))},
		KeyPEM:   config.PEMText{Key: srKeyKey, Text: config.Secret(strings.TrimSpace(props[srKeyKey]))},
	}
	skip, err := config.ParseEndpointIdentification(srEndpointAlg, alg, algSet)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s %w", ErrUnsupported, class, err)
	}
	c.SkipHostnameVerification = skip
	if !c.Configured() {
		return nil, "", nil
	}
	cfg, err := c.Config()
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s: %w", ErrUnsupported, class, err)
	}
	id := strings.Join([]string{c.Trust.Path, c.Trust.Type, c.Trust.StorePassword.Reveal(), c.Key.Path, c.Key.Type,
		c.Key.StorePassword.Reveal(), c.Key.KeyPassword.Reveal(), strconv.FormatBool(skip),
		c.TrustPEM.Text.Reveal(), c.ChainPEM.Text.Reveal(), c.KeyPEM.Text.Reveal()}, "\x00")
	return cfg, id, nil
}

// parseRegistryOAuth reads bearer.auth.credentials.source=OAUTHBEARER:
// tokens from bearer.auth.issuer.endpoint.url with the client-credentials
// grant (bearer.auth.client.id, bearer.auth.client.secret,
// bearer.auth.scope), refreshed bearer.auth.cache.expiry.buffer.seconds
// (default 300) before they expire, as Confluent's schema-registry client
// does.
func parseRegistryOAuth(class string, props map[string]string) (*clientcreds.Source, error) {
	s := &clientcreds.Source{
		Endpoint:     strings.TrimSpace(props["bearer.auth.issuer.endpoint.url"]),
		ClientID:     props["bearer.auth.client.id"],
		ClientSecret: props["bearer.auth.client.secret"],
		Scope:        props["bearer.auth.scope"],
		Buffer:       300 * time.Second,
		Client:       &http.Client{Timeout: 30 * time.Second},
	}
	switch {
	case !strings.HasPrefix(s.Endpoint, "https://") && !strings.HasPrefix(s.Endpoint, "http://"):
		return nil, fmt.Errorf("%w: %s bearer.auth.credentials.source=OAUTHBEARER needs bearer.auth.issuer.endpoint.url (an http or https URL)", ErrUnsupported, class)
	case strings.TrimSpace(s.ClientID) == "":
		return nil, fmt.Errorf("%w: %s bearer.auth.credentials.source=OAUTHBEARER needs bearer.auth.client.id", ErrUnsupported, class)
	case strings.TrimSpace(s.ClientSecret) == "":
		return nil, fmt.Errorf("%w: %s bearer.auth.credentials.source=OAUTHBEARER needs bearer.auth.client.secret", ErrUnsupported, class)
	}
	if v := strings.TrimSpace(props["bearer.auth.cache.expiry.buffer.seconds"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%w: %s bearer.auth.cache.expiry.buffer.seconds=%q: use a number of seconds", ErrUnsupported, class, v)
		}
		s.Buffer = time.Duration(n) * time.Second
	}
	return s, nil
}

// bearerToken returns the current OAUTHBEARER token for a registry
// request. A refused token request becomes a 401 answer, so that the
// caller reports ErrRegistryAuth; other failures are retried like an
// unreachable registry.
func bearerToken(ctx context.Context, s *clientcreds.Source) (string, error) {
	tok, err := s.Token(ctx)
	if errors.Is(err, clientcreds.ErrTokenRefused) {
		return "", &registryHTTPError{status: http.StatusUnauthorized, message: err.Error()}
	}
	return tok, err
}
