package decode

// Registry endpoints for a reachability check (starcdc check).

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// RegistryEndpoint is one schema registry URL of a converter, for a check
// that the registry answers with the converter's settings.
type RegistryEndpoint struct {
	// URL is the registry's base URL without user info (it may be logged).
	URL string
	// Get sends GET URL+path as the decoder sends its requests: with the
	// converter's credentials (basic auth from USER_INFO, URL or
	// SASL_INHERIT, a static bearer token, or OAUTHBEARER tokens), its
	// headers and its TLS settings, within the timeout given to
	// RegistryEndpoints. It returns the HTTP status and the start of the
	// body (for an error status, the registry's message); err is a failure
	// to get an answer (unreachable, TLS, a token endpoint that fails).
	Get func(ctx context.Context, path string) (status int, body []byte, err error)
}

// RegistryEndpoints returns the schema registries a converter's sub-keys
// name (schema.registry.url, the auth and TLS keys, as
// config.Converter.Props holds them), nil when schema.registry.url is
// unset. Its errors are those the decoder would give, without secrets.
func RegistryEndpoints(class string, props map[string]string, timeout time.Duration) ([]RegistryEndpoint, error) {
	raw := strings.TrimSpace(props["schema.registry.url"])
	if raw == "" {
		return nil, nil
	}
	bases, auth, err := parseRegistryEndpoints(class, props)
	if err != nil {
		return nil, err
	}
	cfg := defaultRegistryCfg()
	cfg.timeout, cfg.maxResponse = timeout, 4096
	reg := newRegistry(cfg, bases, auth)
	out := make([]RegistryEndpoint, len(reg.urls))
	for i, base := range reg.urls {
		out[i] = RegistryEndpoint{URL: base, Get: func(ctx context.Context, path string) (int, []byte, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
			if err != nil {
				return 0, nil, err
			}
			// As newRegistry's srclient clients add them (OAUTHBEARER
			// tokens and headers come from reg.hc's transport).
			if auth.token != "" {
				req.Header.Set("Authorization", "Bearer "+auth.token)
			} else if auth.user != "" {
				req.SetBasicAuth(auth.user, auth.pass)
			}
			resp, err := reg.hc.Do(req)
			var he *registryHTTPError
			if errors.As(err, &he) {
				return he.status, []byte(he.message), nil
			}
			if err != nil {
				return 0, nil, err
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			return resp.StatusCode, body, nil
		}}
	}
	return out, nil
}
