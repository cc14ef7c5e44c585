package decode

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riferrei/srclient"
	"golang.org/x/sync/singleflight"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/internal/clientcreds"
	"github.com/starcdc/starcdc/internal/redact"
)

// Registry errors.
var (
	// ErrSchemaNotFound means every schema.registry.url answered 404 for a
	// schema ID (or for a reference of it) in the last of the bounded retries
	// (see (*registry).fetch for the rule). It is permanent and wraps
	// ErrMalformed: the record goes to the dead-letter path or stops the
	// pipeline per errors.tolerance. Check that the converter's
	// schema.registry.url names the registry the producer wrote to.
	ErrSchemaNotFound = fmt.Errorf("%w: schema not found in the schema registry", ErrMalformed)
	// ErrRegistryUnavailable means the registry could not be reached or kept
	// failing (5xx, timeouts, refused connections; 404 from some URLs while
	// others failed) after bounded retries, or refused the credentials. It does NOT wrap ErrMalformed: the record is
	// fine, the pipeline must stop and retry later instead of dead-lettering.
	ErrRegistryUnavailable = errors.New("schema registry unavailable")
	// ErrRegistryAuth means the registry answered 401 or 403. It wraps
	// ErrRegistryUnavailable; fix basic.auth.* / bearer.auth.* in the
	// converter configuration.
	ErrRegistryAuth = fmt.Errorf("%w: authentication failed", ErrRegistryUnavailable)
)

// RegistryOpt configures how Registries reach schema registries.
type RegistryOpt interface{ apply(*registryCfg) }

type registryOpt func(*registryCfg)

func (o registryOpt) apply(c *registryCfg) { o(c) }

type registryCfg struct {
	timeout     time.Duration
	retries     int
	backoffMin  time.Duration
	backoffMax  time.Duration
	maxResponse int64
}

func defaultRegistryCfg() registryCfg {
	return registryCfg{
		timeout:     10 * time.Second,
		retries:     5,
		backoffMin:  100 * time.Millisecond,
		backoffMax:  2 * time.Second,
		maxResponse: 16 << 20,
	}
}

// RegistryTimeout bounds one registry HTTP request (default 10s).
func RegistryTimeout(d time.Duration) RegistryOpt {
	return registryOpt(func(c *registryCfg) { c.timeout = d })
}

// RegistryRetries sets how many times a request that failed on every URL
// (5xx, timeout, connection error, or 404 from a replica that may lag) is
// retried before ErrRegistryUnavailable, or ErrSchemaNotFound when every URL
// answered 404 in the last attempt (default 5).
func RegistryRetries(n int) RegistryOpt {
	return registryOpt(func(c *registryCfg) { c.retries = max(n, 0) })
}

// RegistryBackoff sets the exponential backoff between retries (default
// 100ms doubling up to 2s), jittered.
func RegistryBackoff(minDelay, maxDelay time.Duration) RegistryOpt {
	return registryOpt(func(c *registryCfg) { c.backoffMin, c.backoffMax = minDelay, max(minDelay, maxDelay) })
}

// Registries shares schema-registry clients and their schema caches between
// converters: converters whose schema.registry.url and credentials are equal
// (typically a connector's key and value converters) share one registry and
// one per-ID cache. It is an explicit value, not global state: the replicator
// creates one (NewRegistries) and builds every converter with its New.
// A Registries is safe for concurrent use.
//
// The zero Registries is usable and has the default options.
type Registries struct {
	cfg    registryCfg
	cfgSet bool
	mu     sync.Mutex
	m      map[string]*registry
}

// NewRegistries returns an empty set of registries.
func NewRegistries(opts ...RegistryOpt) *Registries {
	r := &Registries{cfg: defaultRegistryCfg(), cfgSet: true}
	for _, o := range opts {
		o.apply(&r.cfg)
	}
	return r
}

// Close closes the idle HTTP connections to every registry. Converters
// built from r keep working (new connections are opened on demand).
func (r *Registries) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, reg := range r.m {
		reg.hc.CloseIdleConnections()
	}
}

// registryAuth is what the converter keys say about authentication.
type registryAuth struct {
	user, pass string
	token      string
	headers    map[string]string
	// tokens fetches OAUTHBEARER tokens; nil for the other sources.
	tokens   *clientcreds.Source
	tokensID string // tells token sources apart when sharing registries
	tls      *tls.Config
	tlsID    string
}

// parseRegistryEndpoints reads a converter's schema.registry.url entries
// (their base URLs, without user info) and its credentials and TLS.
func parseRegistryEndpoints(class string, props map[string]string) ([]string, registryAuth, error) {
	var urls []*url.URL
	for _, s := range strings.Split(strings.TrimSpace(props["schema.registry.url"]), ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, registryAuth{}, fmt.Errorf("%w: %s schema.registry.url entry %q is not an http(s) URL", ErrUnsupported, class, redact.URL(s))
		}
		urls = append(urls, u)
	}
	auth, err := parseRegistryAuth(class, props, urls)
	if err != nil {
		return nil, auth, err
	}
	if auth.tls, auth.tlsID, err = parseRegistryTLS(class, props); err != nil {
		return nil, auth, err
	}
	bases := make([]string, len(urls))
	for i, u := range urls {
		c := *u
		c.User = nil
		bases[i] = strings.TrimRight(c.String(), "/")
	}
	return bases, auth, nil
}

// registryFor returns the shared registry for a converter's properties.
func (r *Registries) registryFor(class string, props map[string]string) (*registry, error) {
	if strings.TrimSpace(props["schema.registry.url"]) == "" {
		return nil, fmt.Errorf("%w: %s needs schema.registry.url (e.g. value.converter.schema.registry.url=http://registry:8081)", ErrUnsupported, class)
	}
	bases, auth, err := parseRegistryEndpoints(class, props)
	if err != nil {
		return nil, err
	}
	var key strings.Builder
	key.WriteString(strings.Join(bases, ","))
	for _, s := range []string{auth.user, auth.pass, auth.token, auth.tokensID, auth.tlsID} {
		key.WriteByte(0)
		key.WriteString(s)
	}
	for _, h := range []string{"target-sr-cluster", "Confluent-Identity-Pool-Id"} {
		key.WriteByte(0)
		key.WriteString(auth.headers[h])
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.cfgSet { // the zero Registries
		r.cfg, r.cfgSet = defaultRegistryCfg(), true
	}
	if reg, ok := r.m[key.String()]; ok {
		return reg, nil
	}
	reg := newRegistry(r.cfg, bases, auth)
	if r.m == nil {
		r.m = make(map[string]*registry)
	}
	r.m[key.String()] = reg
	return reg, nil
}

func parseRegistryAuth(class string, props map[string]string, urls []*url.URL) (registryAuth, error) {
	var a registryAuth
	src := strings.ToUpper(strings.TrimSpace(props["basic.auth.credentials.source"]))
	if src == "" {
		src = "URL"
	}
	userInfo := props["basic.auth.user.info"]
	if userInfo == "" {
		userInfo = props["schema.registry.basic.auth.user.info"]
	}
	switch src {
	case "USER_INFO":
		if userInfo != "" {
			u, p, ok := strings.Cut(userInfo, ":")
			if !ok {
				return a, fmt.Errorf("%w: %s basic.auth.user.info must be USER:PASSWORD", ErrUnsupported, class)
			}
			a.user, a.pass = u, p
		}
	case "URL":
		for _, u := range urls {
			if u.User != nil {
				a.user = u.User.Username()
				a.pass, _ = u.User.Password()
				break
			}
		}
	case "SASL_INHERIT":
		// As Confluent's SaslBasicAuthCredentialProvider: the username and
		// password options of sasl.jaas.config's login module.
		if jaas := props["sasl.jaas.config"]; strings.TrimSpace(jaas) != "" {
			e, err := config.ParseJAAS(jaas)
			if err != nil {
				// ParseJAAS errors hold no text of the value.
				return a, fmt.Errorf("%w: %s basic.auth.credentials.source=SASL_INHERIT: sasl.jaas.config: %w", ErrUnsupported, class, err)
			}
			a.user, a.pass = e.Options["username"], e.Options["password"]
		}
		if a.user == "" {
			return a, fmt.Errorf("%w: %s basic.auth.credentials.source=SASL_INHERIT needs the SASL PLAIN/SCRAM sasl.jaas.config among the converter keys; or use basic.auth.credentials.source=USER_INFO with basic.auth.user.info", ErrUnsupported, class)
		}
	default:
		return a, fmt.Errorf("%w: %s basic.auth.credentials.source=%q; use USER_INFO, URL or SASL_INHERIT", ErrUnsupported, class, src)
	}
	if bsrc := strings.ToUpper(strings.TrimSpace(props["bearer.auth.credentials.source"])); bsrc != "" {
		switch bsrc {
		case "STATIC_TOKEN":
			a.token = props["bearer.auth.token"]
			if a.token == "" {
				return a, fmt.Errorf("%w: %s bearer.auth.credentials.source=STATIC_TOKEN needs bearer.auth.token", ErrUnsupported, class)
			}
		case "OAUTHBEARER":
			src, err := parseRegistryOAuth(class, props)
			if err != nil {
				return a, err
			}
			a.tokens = src
			a.tokensID = strings.Join([]string{src.Endpoint, src.ClientID, src.ClientSecret, src.Scope, src.Buffer.String()}, "\x00")
		default:
			return a, fmt.Errorf("%w: %s bearer.auth.credentials.source=%q; use STATIC_TOKEN (with bearer.auth.token) or OAUTHBEARER (with bearer.auth.issuer.endpoint.url, bearer.auth.client.id and bearer.auth.client.secret)", ErrUnsupported, class, bsrc)
		}
		a.user, a.pass = "", ""
		a.headers = map[string]string{}
		if v := props["bearer.auth.logical.cluster"]; v != "" {
			a.headers["target-sr-cluster"] = v
		}
		if v := props["bearer.auth.identity.pool.id"]; v != "" {
			a.headers["Confluent-Identity-Pool-Id"] = v
		}
	}
	return a, nil
}

// registry is one logical schema registry (one or more URLs with failover)
// with a per-ID schema cache.
type registry struct {
	cfg     registryCfg
	hc      *http.Client
	clients []*srclient.SchemaRegistryClient
	urls    []string
	good    atomic.Int32 // index of the URL that answered last

	auth registryAuth // for the requests srclient has no call for
	ids  schemaCache[*rawSchema]
	refs idCache[int, *rawSchema] // keyed by subject+version through keys
	mu   sync.Mutex
	keys map[string]int
}

// schemaKind is the format a registered schema is written in.
type schemaKind uint8

// Schema kinds, as the registry's schemaType names them.
const (
	kindAvro schemaKind = iota
	kindProtobuf
	kindJSON
)

func (k schemaKind) String() string {
	switch k {
	case kindProtobuf:
		return "PROTOBUF"
	case kindJSON:
		return "JSON"
	}
	return "AVRO"
}

// rawSchema is a registered schema with its references resolved.
type rawSchema struct {
	id   schemaID
	kind schemaKind
	text string
	// refs holds every transitive reference, dependencies first, deduplicated.
	refs []schemaRef
}

type schemaRef struct {
	name, subject string
	version       int
	kind          schemaKind
	text          string
}

func newRegistry(cfg registryCfg, bases []string, auth registryAuth) *registry {
	base := http.DefaultTransport.(*http.Transport).Clone()
	if auth.tls != nil {
		base.TLSClientConfig = auth.tls
	}
	hc := &http.Client{
		Timeout:   cfg.timeout,
		Transport: &registryTransport{base: base, headers: auth.headers, tokens: auth.tokens, maxResponse: cfg.maxResponse},
	}
	reg := &registry{cfg: cfg, hc: hc, urls: bases, auth: auth, keys: map[string]int{}}
	for _, b := range bases {
		c := srclient.NewSchemaRegistryClient(b, srclient.WithClient(hc))
		c.CachingEnabled(false) // we cache, bounded and with singleflight
		if auth.token != "" {
			c.SetBearerToken(auth.token)
		} else if auth.user != "" {
			c.SetCredentials(auth.user, auth.pass)
		}
		reg.clients = append(reg.clients, c)
	}
	return reg
}

// schema returns the schema a record names (by ID or by GUID), with its
// references.
func (r *registry) schema(ctx context.Context, id schemaID) (*rawSchema, error) {
	return r.ids.get(id, func() (*rawSchema, error) {
		rs := &rawSchema{id: id}
		var refs []srclient.Reference
		if id.byGUID {
			g, err := r.schemaByGUID(ctx, id)
			if err != nil {
				return nil, err
			}
			rs.kind, rs.text, refs = kindNamed(g.SchemaType), g.Schema, g.References
		} else {
			s, err := r.fetch(ctx, id.String(), func(c *srclient.SchemaRegistryClient) (*srclient.Schema, error) {
				return c.GetSchema(id.id)
			})
			if err != nil {
				return nil, err
			}
			rs.kind, rs.text, refs = kindOf(s), s.Schema(), s.References()
		}
		seen := map[string]bool{}
		if err := r.resolveRefs(ctx, refs, seen, &rs.refs, 0); err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		return rs, nil
	})
}

const maxRefDepth = 32

// resolveRefs appends the references' schemas, dependencies first.
func (r *registry) resolveRefs(ctx context.Context, refs []srclient.Reference, seen map[string]bool, out *[]schemaRef, depth int) error {
	if depth > maxRefDepth {
		return fmt.Errorf("%w: schema references nest deeper than %d", ErrMalformed, maxRefDepth)
	}
	for _, ref := range refs {
		key := ref.Subject + "\x00" + strconv.Itoa(ref.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		s, refRefs, err := r.refSchema(ctx, ref.Subject, ref.Version)
		if err != nil {
			return fmt.Errorf("reference %q (subject %q version %d): %w", ref.Name, ref.Subject, ref.Version, err)
		}
		if err := r.resolveRefs(ctx, refRefs, seen, out, depth+1); err != nil {
			return err
		}
		*out = append(*out, schemaRef{name: ref.Name, subject: ref.Subject, version: ref.Version, kind: s.kind, text: s.text})
	}
	return nil
}

// refSchema fetches one subject version (cached), with its direct references.
func (r *registry) refSchema(ctx context.Context, subject string, version int) (*rawSchema, []srclient.Reference, error) {
	key := subject + "\x00" + strconv.Itoa(version)
	r.mu.Lock()
	k, ok := r.keys[key]
	if !ok {
		k = len(r.keys)
		r.keys[key] = k
	}
	r.mu.Unlock()
	var refs []srclient.Reference
	s, err := r.refs.get(k, func() (*rawSchema, error) {
		s, err := r.fetch(ctx, fmt.Sprintf("subject %q version %d", subject, version), func(c *srclient.SchemaRegistryClient) (*srclient.Schema, error) {
			return c.GetSchemaByVersion(subject, version)
		})
		if err != nil {
			return nil, err
		}
		return &rawSchema{id: schemaID{id: s.ID()}, kind: kindOf(s), text: s.Schema(), refs: toRefs(s.References())}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, x := range s.refs {
		refs = append(refs, srclient.Reference{Name: x.name, Subject: x.subject, Version: x.version})
	}
	return s, refs, nil
}

func toRefs(in []srclient.Reference) []schemaRef {
	out := make([]schemaRef, len(in))
	for i, r := range in {
		out[i] = schemaRef{name: r.Name, subject: r.Subject, version: r.Version}
	}
	return out
}

func kindOf(s *srclient.Schema) schemaKind {
	t := s.SchemaType()
	if t == nil {
		return kindAvro
	}
	return kindNamed(string(*t))
}

// kindNamed is the format a registry's schemaType names: absent, empty or
// AVRO is Avro.
func kindNamed(t string) schemaKind {
	switch strings.ToUpper(t) {
	case "PROTOBUF":
		return kindProtobuf
	case "JSON":
		return kindJSON
	}
	return kindAvro
}

// fetch runs call against the registry URLs with failover and bounded,
// jittered exponential backoff. A round tries the URLs in turn, starting
// with the one that answered last, until one succeeds.
//
// A 404 fails over like any other failure: a registry replica that has not
// yet read a new schema from the registry's _schemas topic answers 404 for
// it while another URL has it. A round in which every URL answered 404 is
// retried too, with the same backoff and budget as unreachable URLs
// (RegistryRetries, RegistryBackoff: by default 5 retries over about 1.5 to
// 3 seconds), which tolerates replicas lagging that long, also behind one
// load-balanced URL. The last round decides: if every URL answered 404 in
// it, the result is ErrSchemaNotFound (the record is undecodable; the
// caller caches that); otherwise ErrRegistryUnavailable, since a URL that
// did not answer may hold the schema. So a lagging replica never causes
// ErrSchemaNotFound while another URL has the schema, and an ID that does
// not exist makes its record undecodable once the retry budget is spent.
func (r *registry) fetch(ctx context.Context, what string, call func(*srclient.SchemaRegistryClient) (*srclient.Schema, error)) (*srclient.Schema, error) {
	return fetchFrom(ctx, r, what, func(i int) (*srclient.Schema, error) { return call(r.clients[i]) })
}

// fetchFrom is fetch for any call, given the index of the URL to ask.
func fetchFrom[T any](ctx context.Context, r *registry, what string, call func(i int) (T, error)) (T, error) {
	var zero T
	n := len(r.urls)
	delay := r.cfg.backoffMin
	var last error
	for attempt := 0; ; attempt++ {
		start := int(r.good.Load())
		notFound := 0 // URLs that answered 404 in this round
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				return zero, fmt.Errorf("%w: fetching %s: %w", ErrRegistryUnavailable, what, err)
			}
			idx := (start + i) % n
			s, err := call(idx)
			if err == nil {
				r.good.Store(int32(idx))
				return s, nil
			}
			var he *registryHTTPError
			if errors.As(err, &he) {
				switch {
				case he.status == http.StatusNotFound:
					notFound++
					last = fmt.Errorf("%s: %s (error code %d)", r.urls[idx], he.message, he.code)
					continue
				case he.status == http.StatusUnauthorized || he.status == http.StatusForbidden:
					return zero, fmt.Errorf("%w: %s at %s answered HTTP %d: %s; check the converter's basic.auth.* / bearer.auth.* settings", ErrRegistryAuth, what, r.urls[idx], he.status, he.message)
				case he.status < 500 && he.status != http.StatusTooManyRequests && he.status != http.StatusRequestTimeout:
					return zero, fmt.Errorf("%w: %s at %s answered HTTP %d: %s", ErrRegistryUnavailable, what, r.urls[idx], he.status, he.message)
				}
			}
			last = fmt.Errorf("%s: %w", r.urls[idx], err)
		}
		if attempt >= r.cfg.retries {
			if notFound == n {
				return zero, fmt.Errorf("%w: %s: every schema.registry.url answered 404 in the last of %d attempts (%w); check that schema.registry.url names the registry the producer used", ErrSchemaNotFound, what, attempt+1, last)
			}
			var also string
			if notFound > 0 {
				also = fmt.Sprintf(" (%d of %d URLs answered 404, the others failed)", notFound, n)
			}
			return zero, fmt.Errorf("%w: fetching %s failed on every schema.registry.url after %d attempts%s; check that the registry is up and reachable: %w", ErrRegistryUnavailable, what, attempt+1, also, last)
		}
		d := delay/2 + rand.N(delay/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, fmt.Errorf("%w: fetching %s: %w (last error: %w)", ErrRegistryUnavailable, what, ctx.Err(), last)
		case <-t.C:
		}
		delay = min(delay*2, r.cfg.backoffMax)
	}
}

// registryHTTPError is a non-2xx registry answer, produced by registryTransport
// so that the status survives srclient (whose errors keep only the body).
type registryHTTPError struct {
	status  int
	code    int
	message string
}

func (e *registryHTTPError) Error() string {
	return fmt.Sprintf("HTTP %d: %s (error code %d)", e.status, e.message, e.code)
}

// registryTransport adds headers, bounds response bodies and turns non-2xx
// answers into *registryHTTPError.
type registryTransport struct {
	base        http.RoundTripper
	headers     map[string]string
	tokens      *clientcreds.Source // OAUTHBEARER: sets Authorization
	maxResponse int64
}

func (t *registryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if len(t.headers) > 0 || t.tokens != nil {
		req = req.Clone(req.Context())
		for k, v := range t.headers {
			req.Header.Set(k, v)
		}
		if t.tokens != nil {
			tok, err := bearerToken(req.Context(), t.tokens)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		he := &registryHTTPError{status: resp.StatusCode}
		var e struct {
			Code    int    `json:"error_code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &e) == nil && e.Message != "" {
			he.code, he.message = e.Code, e.Message
		} else {
			he.message = strings.TrimSpace(resp.Status)
		}
		return nil, he
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: t.maxResponse}
	return resp, nil
}

type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errors.New("schema registry response exceeds the size limit")
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// maxNegative bounds how many permanently failed IDs are remembered.
const maxNegative = 4096

// idCache is a per-ID cache with singleflight. Successes are kept forever
// (schema IDs are immutable); permanent failures (ErrMalformed) are kept,
// bounded; transient failures are not kept.
type idCache[K comparable, T any] struct {
	mu  sync.RWMutex
	ok  map[K]T
	bad map[K]error
	sf  singleflight.Group
}

// cached returns what is cached for id: the value (hit), or the
// permanent error, or neither.
func (c *idCache[K, T]) cached(id K) (v T, hit bool, err error) {
	c.mu.RLock()
	v, hit = c.ok[id]
	err = c.bad[id]
	c.mu.RUnlock()
	return v, hit, err
}

func (c *idCache[K, T]) get(id K, load func() (T, error)) (T, error) {
	v, hit, err := c.cached(id)
	if hit {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	r, err, _ := c.sf.Do(fmt.Sprint(id), func() (any, error) {
		v, err := load()
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case err == nil:
			if c.ok == nil {
				c.ok = make(map[K]T)
			}
			c.ok[id] = v
		case errors.Is(err, ErrMalformed):
			if c.bad == nil || len(c.bad) >= maxNegative {
				c.bad = make(map[K]error)
			}
			c.bad[id] = err
		}
		return v, err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return r.(T), nil
}

// schemaCache is an idCache by schema ID and one by GUID: records name
// their schema by ID far more often, and an int key hashes fastest.
type schemaCache[T any] struct {
	ids   idCache[int, T]
	guids idCache[[16]byte, T]
}

func (c *schemaCache[T]) get(id schemaID, load func() (T, error)) (T, error) {
	if id.byGUID {
		return c.guids.get(id.guid, load)
	}
	return c.ids.get(id.id, load)
}

// cached returns the schema of a numeric id when it is cached: the per
// record path, without building a loader.
func (c *schemaCache[T]) cached(id schemaID) (T, bool) {
	if !id.byGUID {
		v, hit, _ := c.ids.cached(id.id)
		return v, hit
	}
	var zero T
	return zero, false
}

// registrySchemas is what the Schema Registry converters share: the
// registry their schema.registry.url names, the format they read, and a
// per-ID cache of the schemas compiled for that format.
type registrySchemas[T any] struct {
	reg     *registry
	class   string     // the converter class, for errors
	kind    schemaKind // the format the converter reads
	compile func(context.Context, *rawSchema) (T, error)
	cache   schemaCache[T]
}

// newRegistrySchemas returns the registry schemas of a converter of class,
// reading kind schemas from the registry named by props
// (schema.registry.url, basic.auth.*, bearer.auth.*).
func newRegistrySchemas[T any](r *Registries, class string, kind schemaKind, props map[string]string, compile func(context.Context, *rawSchema) (T, error)) (*registrySchemas[T], error) {
	reg, err := r.registryFor(class, props)
	if err != nil {
		return nil, err
	}
	return &registrySchemas[T]{reg: reg, class: class, kind: kind, compile: compile}, nil
}

// get returns schema id compiled, fetching and compiling it on first use.
// A schema of another format is ErrMalformed: the producer's serializer
// does not match the converter class.
func (s *registrySchemas[T]) get(ctx context.Context, id schemaID) (T, error) {
	if v, ok := s.cache.cached(id); ok {
		return v, nil
	}
	return s.cache.get(id, func() (T, error) {
		raw, err := s.reg.schema(ctx, id)
		if err != nil {
			var zero T
			if id == (schemaID{}) && errors.Is(err, ErrSchemaNotFound) {
				// Registries number schemas from 1; Apicurio 2.x serializers
				// write magic byte 0 and an 8-byte global ID, whose first
				// four bytes read as ID 0.
				err = fmt.Errorf("%w; a record written by an Apicurio serializer (magic byte 0 and an 8-byte ID) starts like this: %s", err, apicurioAdvice)
			}
			return zero, err
		}
		if raw.kind != s.kind {
			var zero T
			return zero, fmt.Errorf("%w: %s is a %s schema but the converter is %s; set the converter class to match the producer's serializer", ErrMalformed, id, raw.kind, s.class)
		}
		return s.compile(ctx, raw)
	})
}
