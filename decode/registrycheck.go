package decode

// Registry endpoints for a reachability check (starcdc check).

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/starcdc/starcdc/internal/redact"
)

// RegistryEndpoint is one schema registry URL of a converter, with the
// converter's credentials, for a check that the registry answers.
type RegistryEndpoint struct {
	// URL is the registry's base URL without user info (it may be logged).
	URL string
	// Authorize sets the converter's credentials on a request to the
	// registry, as the decoder sends them: basic auth (USER_INFO, URL or
	// SASL_INHERIT) or a bearer token with its headers.
	Authorize func(*http.Request)
}

// RegistryEndpoints returns the schema registries a converter's sub-keys
// (schema.registry.url and the auth keys, as config.Converter.Props
// holds them) name, nil when schema.registry.url is unset. Its errors
// are those the decoder would give, without secrets.
func RegistryEndpoints(class string, props map[string]string) ([]RegistryEndpoint, error) {
	raw := strings.TrimSpace(props["schema.registry.url"])
	if raw == "" {
		return nil, nil
	}
	var urls []*url.URL
	for _, s := range strings.Split(raw, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: %s schema.registry.url entry %q is not an http(s) URL", ErrUnsupported, class, redact.URL(s))
		}
		urls = append(urls, u)
	}
	auth, err := parseRegistryAuth(class, props, urls)
	if err != nil {
		return nil, err
	}
	authorize := func(req *http.Request) {
		switch {
		case auth.token != "":
			req.Header.Set("Authorization", "Bearer "+auth.token)
		case auth.user != "" || auth.pass != "":
			req.SetBasicAuth(auth.user, auth.pass)
		}
		for k, v := range auth.headers {
			req.Header.Set(k, v)
		}
	}
	out := make([]RegistryEndpoint, len(urls))
	for i, u := range urls {
		c := *u
		c.User = nil
		out[i] = RegistryEndpoint{URL: strings.TrimRight(c.String(), "/"), Authorize: authorize}
	}
	return out, nil
}
