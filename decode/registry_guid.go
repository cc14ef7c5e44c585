package decode

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/riferrei/srclient"
)

// guidSchema is the registry's answer to GET /schemas/guids/{guid}: the
// fields of Confluent's SchemaString entity that decoding needs.
type guidSchema struct {
	Schema     string               `json:"schema"`
	SchemaType string               `json:"schemaType"`
	References []srclient.Reference `json:"references"`
}

// schemaByGUID fetches the schema a record names by GUID, as Confluent's
// deserializers do (RestService.getByGuid: GET /schemas/guids/{guid}),
// with the failover and retries of fetch. srclient has no call for it, so
// the request is made here, with the same HTTP client (TLS, OAuth tokens,
// extra headers, response bound) and the same static credentials.
func (r *registry) schemaByGUID(ctx context.Context, id schemaID) (guidSchema, error) {
	return fetchFrom(ctx, r, id.String(), func(i int) (guidSchema, error) {
		return r.getGUID(ctx, r.urls[i], id.guidText())
	})
}

// getGUID asks one registry URL for a schema by GUID.
func (r *registry) getGUID(ctx context.Context, base, guid string) (guidSchema, error) {
	var g guidSchema
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/schemas/guids/"+url.PathEscape(guid), nil)
	if err != nil {
		return g, err
	}
	req.Header.Set("Accept", "application/vnd.schemaregistry.v1+json, application/json")
	switch {
	case r.auth.token != "":
		req.Header.Set("Authorization", "Bearer "+r.auth.token)
	case r.auth.user != "":
		req.SetBasicAuth(r.auth.user, r.auth.pass)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return g, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return g, err
	}
	if err := json.Unmarshal(body, &g); err != nil || g.Schema == "" {
		return g, fmt.Errorf("%w: schema GUID %s: the registry's answer holds no schema; check that schema.registry.url names a Confluent-compatible registry", ErrMalformed, guid)
	}
	return g, nil
}
