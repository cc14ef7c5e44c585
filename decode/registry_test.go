package decode

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

func newFake(t testing.TB, opts ...srfake.Option) *srfake.Registry {
	t.Helper()
	f := srfake.New(opts...)
	t.Cleanup(f.Close)
	return f
}

func mustRegister(t testing.TB, f *srfake.Registry, subject string, s sr.Schema) int {
	t.Helper()
	id, _, err := f.RegisterSchema(subject, s)
	if err != nil {
		t.Fatalf("register %s: %v", subject, err)
	}
	return id
}

// testRegistries retries fast so that failure tests stay quick.
func testRegistries() *Registries {
	return NewRegistries(RegistryBackoff(time.Millisecond, 4*time.Millisecond), RegistryRetries(3), RegistryTimeout(2*time.Second))
}

func frame(id int, idx []int, payload []byte) []byte {
	return append(AppendConfluentHeader(nil, id, idx), payload...)
}

// at walks a decoded value along a dotted path of struct field names.
func at(t testing.TB, v any, path string) any {
	t.Helper()
	for _, p := range strings.Split(path, ".") {
		s, ok := v.(*Struct)
		if !ok {
			t.Fatalf("%s: %T is not a struct", path, v)
		}
		if v, ok = s.Get(p); !ok {
			t.Fatalf("%s: no field %q (have %v)", path, p, s.Names)
		}
	}
	return v
}

// countRequests counts every request the fake registry receives.
func countRequests(f *srfake.Registry) *atomic.Int64 {
	var n atomic.Int64
	f.Intercept(func(http.ResponseWriter, *http.Request) bool { n.Add(1); return false })
	return &n
}

const tinyAvro = `{"type":"record","name":"Key","namespace":"t","fields":[{"name":"id","type":"int"}],"connect.name":"t.Key"}`

func avroConv(t testing.TB, regs *Registries, props map[string]string) Converter {
	t.Helper()
	c, err := regs.New(ClassAvro, props)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFramingErrors(t *testing.T) {
	for _, class := range []string{ClassAvro, ClassProtobuf, ClassJSONSchema} {
		c, err := testRegistries().New(class, map[string]string{"schema.registry.url": "http://127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range [][]byte{{0}, {0, 0, 0}, []byte(`{"a":1}`), {1, 0, 0, 0, 1, 2}} {
			_, err := c.Decode(context.Background(), "t", in)
			var fe *FramingError
			if !errors.As(err, &fe) || !errors.Is(err, ErrNotFramed) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s %q: err %v, want a FramingError wrapping ErrMalformed", class, in, err)
			}
			if !strings.Contains(err.Error(), class) || !strings.Contains(err.Error(), "not in Confluent wire format") {
				t.Errorf("message does not say what is wrong: %v", err)
			}
		}
		rec, err := c.Decode(context.Background(), "t", nil)
		if err != nil || rec.Schema != nil || rec.Value != nil {
			t.Errorf("%s: tombstone = %+v, %v", class, rec, err)
		}
	}
}

func TestMessageIndexes(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want []int
	}{
		{[]byte{0}, []int{0}},
		{[]byte{2, 2}, []int{1}},
		{[]byte{4, 2, 0}, []int{1, 0}},
	} {
		got, rest, err := appendMessageIndexes(ClassProtobuf, nil, append(tc.in, 0xAA))
		if err != nil || len(rest) != 1 || rest[0] != 0xAA || len(got) != len(tc.want) {
			t.Fatalf("%v: got %v rest %v err %v", tc.in, got, rest, err)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Fatalf("%v: got %v want %v", tc.in, got, tc.want)
			}
		}
		if enc := AppendConfluentHeader(nil, 7, tc.want)[5:]; string(enc) != string(tc.in) {
			t.Errorf("encode %v = %v, want %v", tc.want, enc, tc.in)
		}
	}
	for _, bad := range [][]byte{{}, {1}, {0x80}, {200, 1}} {
		if _, _, err := appendMessageIndexes(ClassProtobuf, nil, bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%v: err %v, want ErrMalformed", bad, err)
		}
	}
}

func TestRegistryBasicAuth(t *testing.T) {
	f := newFake(t, srfake.WithAuth("Basic "+base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))))
	id := mustRegister(t, f, "t-key", sr.Schema{Schema: tinyAvro})
	rec := frame(id, nil, []byte{0x54}) // 42

	for name, props := range map[string]map[string]string{
		"USER_INFO": {"schema.registry.url": f.URL(), "basic.auth.credentials.source": "USER_INFO", "basic.auth.user.info": "alice:s3cret"},
		"URL":       {"schema.registry.url": strings.Replace(f.URL(), "http://", "http://alice:s3cret@", 1)},
	} {
		r, err := avroConv(t, testRegistries(), props).Decode(context.Background(), "t", rec)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := at(t, r.Value, "id"); got != int64(42) {
			t.Fatalf("%s: id = %v", name, got)
		}
	}

	bad := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL(), "basic.auth.credentials.source": "USER_INFO", "basic.auth.user.info": "alice:wrong-pw"})
	_, err := bad.Decode(context.Background(), "t", rec)
	if !errors.Is(err, ErrRegistryAuth) || !errors.Is(err, ErrRegistryUnavailable) || errors.Is(err, ErrMalformed) {
		t.Fatalf("wrong password: %v, want ErrRegistryAuth (retryable, not malformed)", err)
	}
	if strings.Contains(err.Error(), "wrong-pw") || strings.Contains(err.Error(), "alice") {
		t.Fatalf("error leaks credentials: %v", err)
	}
}

func TestRegistryBearerAuth(t *testing.T) {
	f := newFake(t, srfake.WithAuth("Bearer tok-123"))
	id := mustRegister(t, f, "t-key", sr.Schema{Schema: tinyAvro})
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL(),
		"bearer.auth.credentials.source": "STATIC_TOKEN", "bearer.auth.token": "tok-123"})
	if _, err := c.Decode(context.Background(), "t", frame(id, nil, []byte{2})); err != nil {
		t.Fatal(err)
	}
	if _, err := testRegistries().New(ClassAvro, map[string]string{"schema.registry.url": f.URL(), "bearer.auth.credentials.source": "OAUTHBEARER"}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("OAUTHBEARER: %v, want ErrUnsupported", err)
	}
}

func TestRegistryFailover(t *testing.T) {
	down := newFake(t)
	var downHits atomic.Int64
	down.Intercept(func(w http.ResponseWriter, _ *http.Request) bool {
		downHits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	up := newFake(t)
	id := mustRegister(t, up, "t-key", sr.Schema{Schema: tinyAvro})
	for _, first := range []string{down.URL(), "http://127.0.0.1:1"} { // 5xx, then connection refused
		c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": first + " , " + up.URL()})
		r, err := c.Decode(context.Background(), "t", frame(id, nil, []byte{4}))
		if err != nil {
			t.Fatalf("failover from %s: %v", first, err)
		}
		if at(t, r.Value, "id") != int64(2) {
			t.Fatal("wrong value")
		}
	}
	if downHits.Load() == 0 {
		t.Fatal("the first URL was never tried")
	}
}

func TestRegistry404IsPermanent(t *testing.T) {
	f := newFake(t)
	n := countRequests(f)
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	for i := 0; i < 3; i++ {
		_, err := c.Decode(context.Background(), "t", frame(999, nil, []byte{2}))
		if !errors.Is(err, ErrSchemaNotFound) || !errors.Is(err, ErrMalformed) || errors.Is(err, ErrRegistryUnavailable) {
			t.Fatalf("unknown ID: %v, want ErrSchemaNotFound (malformed, permanent)", err)
		}
	}
	// One request per attempt (1 + RegistryRetries(3)): a lagging replica
	// is given the retry budget to catch up; after that the 404 is cached.
	if n.Load() != 4 {
		t.Fatalf("404 fetched %d times, want 4 (retried, then cached as permanent)", n.Load())
	}
}

// laggingRegistry is a registry replica that has not caught up with the
// _schemas topic: it answers 404, in the registry's error format, for every
// schema ID and subject version, and counts the requests.
func laggingRegistry(t testing.TB) (string, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		notFound(w, r)
	}))
	t.Cleanup(s.Close)
	return s.URL, &hits
}

func notFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	w.WriteHeader(http.StatusNotFound)
	if strings.HasPrefix(r.URL.Path, "/subjects/") {
		w.Write([]byte(`{"error_code":40401,"message":"Subject 'x' not found."}`))
		return
	}
	w.Write([]byte(`{"error_code":40403,"message":"Schema not found"}`))
}

// A replica answering 404 is failed over like an unreachable one: the record
// decodes from the URL that has the schema, whatever the URL order.
func TestRegistry404FailsOver(t *testing.T) {
	good := newFake(t)
	id := mustRegister(t, good, "t-key", sr.Schema{Schema: tinyAvro})
	lag, lagHits := laggingRegistry(t)
	for _, urls := range [][]string{{lag, good.URL()}, {good.URL(), lag}} {
		lagHits.Store(0)
		c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": strings.Join(urls, ",")})
		r, err := c.Decode(context.Background(), "t", frame(id, nil, []byte{0x54}))
		if err != nil {
			t.Fatalf("%v: %v", urls, err)
		}
		if at(t, r.Value, "id") != int64(42) {
			t.Fatalf("%v: wrong value", urls)
		}
		if urls[0] == lag && lagHits.Load() == 0 {
			t.Fatalf("%v: the lagging replica was never asked", urls)
		}
	}

	// A replica that has the schema ID but not yet its reference's subject
	// version: the reference fails over too.
	pid, raw := registerProtoEnvelope(t, good)
	target, _ := url.Parse(good.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var refMisses atomic.Int64
	partial := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/subjects/") {
			refMisses.Add(1)
			notFound(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(partial.Close)
	c, err := testRegistries().New(ClassProtobuf, map[string]string{"schema.registry.url": partial.URL + "," + good.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decode(context.Background(), "t", frame(pid, []int{0}, protoEncode(t, raw, []int{0}, protoEnvelopeJSON))); err != nil {
		t.Fatalf("reference 404 on the first URL: %v", err)
	}
	if refMisses.Load() == 0 {
		t.Fatal("the reference was never asked of the lagging replica")
	}
}

// Not found needs every URL to answer 404 in the same attempt, after the
// retries; a 404 next to an unreachable URL is not a verdict.
func TestRegistryAll404IsNotFound(t *testing.T) {
	a, aHits := laggingRegistry(t)
	b, bHits := laggingRegistry(t)
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": a + "," + b})
	_, err := c.Decode(context.Background(), "t", frame(7, nil, []byte{2}))
	if !errors.Is(err, ErrSchemaNotFound) || !errors.Is(err, ErrMalformed) || errors.Is(err, ErrRegistryUnavailable) {
		t.Fatalf("every URL 404: %v, want ErrSchemaNotFound", err)
	}
	if aHits.Load() != 4 || bHits.Load() != 4 {
		t.Fatalf("requests %d and %d, want 4 each (every URL in each of 1 + RegistryRetries(3) attempts)", aHits.Load(), bHits.Load())
	}

	c = avroConv(t, testRegistries(), map[string]string{"schema.registry.url": a + ",http://127.0.0.1:1"})
	_, err = c.Decode(context.Background(), "t", frame(7, nil, []byte{2}))
	if !errors.Is(err, ErrRegistryUnavailable) || errors.Is(err, ErrMalformed) {
		t.Fatalf("404 and connection refused: %v, want ErrRegistryUnavailable (the unreachable URL may hold the schema)", err)
	}
}

func TestRegistry5xxRetried(t *testing.T) {
	f := newFake(t)
	id := mustRegister(t, f, "t-key", sr.Schema{Schema: tinyAvro})
	var fails atomic.Int64
	fails.Store(2)
	var hits atomic.Int64
	f.Intercept(func(w http.ResponseWriter, _ *http.Request) bool {
		hits.Add(1)
		if fails.Add(-1) >= 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"error_code":50001,"message":"Error in the backend data store"}`))
			return true
		}
		return false
	})
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	if _, err := c.Decode(context.Background(), "t", frame(id, nil, []byte{2})); err != nil {
		t.Fatalf("two 500s then success: %v", err)
	}
	if hits.Load() != 3 {
		t.Fatalf("%d requests, want 3", hits.Load())
	}

	// Persistent 5xx: retryable error, not cached.
	fails.Store(1 << 30)
	c2 := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	_, err := c2.Decode(context.Background(), "t", frame(id, nil, []byte{2}))
	if !errors.Is(err, ErrRegistryUnavailable) || errors.Is(err, ErrMalformed) {
		t.Fatalf("persistent 500: %v, want ErrRegistryUnavailable and not ErrMalformed", err)
	}
	fails.Store(0)
	if _, err := c2.Decode(context.Background(), "t", frame(id, nil, []byte{2})); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestRegistryTimeoutRetried(t *testing.T) {
	f := newFake(t)
	id := mustRegister(t, f, "t-key", sr.Schema{Schema: tinyAvro})
	var slow atomic.Bool
	slow.Store(true)
	f.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if slow.Swap(false) {
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
			}
			return true
		}
		return false
	})
	regs := NewRegistries(RegistryTimeout(100*time.Millisecond), RegistryBackoff(time.Millisecond, time.Millisecond))
	c := avroConv(t, regs, map[string]string{"schema.registry.url": f.URL()})
	if _, err := c.Decode(context.Background(), "t", frame(id, nil, []byte{2})); err != nil {
		t.Fatalf("timeout then success: %v", err)
	}
}

func TestRegistrySingleflightAndSharing(t *testing.T) {
	f := newFake(t)
	id := mustRegister(t, f, "t-key", sr.Schema{Schema: tinyAvro})
	n := countRequests(f)
	regs := testRegistries()
	props := map[string]string{"schema.registry.url": f.URL()}
	key, val := avroConv(t, regs, props), avroConv(t, regs, props)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(c Converter) {
			defer wg.Done()
			if _, err := c.Decode(context.Background(), "t", frame(id, nil, []byte{2})); err != nil {
				t.Error(err)
			}
		}([]Converter{key, val}[i%2])
	}
	wg.Wait()
	if n.Load() != 1 {
		t.Fatalf("%d registry requests for one ID across two converters of one Registries, want 1", n.Load())
	}
}

func TestConverterConfigErrors(t *testing.T) {
	regs := testRegistries()
	for _, props := range []map[string]string{
		{},
		{"schema.registry.url": "ftp://x"},
		{"schema.registry.url": "http://x", "basic.auth.credentials.source": "NOPE"},
		{"schema.registry.url": "http://x", "basic.auth.credentials.source": "SASL_INHERIT"},
	} {
		if _, err := regs.New(ClassProtobuf, props); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%v: %v, want ErrUnsupported", props, err)
		}
	}
	c, err := regs.New(ClassJSONSchema, map[string]string{"schema.registry.url": "http://x", "basic.auth.credentials.source": "SASL_INHERIT",
		"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`})
	if err != nil || c == nil {
		t.Fatalf("SASL_INHERIT with jaas: %v", err)
	}
}

// All converters of one Registries decoding concurrently (run with -race).
func TestConvertersConcurrent(t *testing.T) {
	f := newFake(t)
	regs := testRegistries()
	url := map[string]string{"schema.registry.url": f.URL()}
	text := fixtureText(t, "mysql2x_avro_envelope_schema.avsc")
	aid := mustRegister(t, f, "a-value", sr.Schema{Schema: text})
	jid := mustRegister(t, f, "j-value", sr.Schema{Type: sr.TypeJSON, Schema: fixtureText(t, "sqlserver_jsonschema_envelope_schema.json")})
	pid, raw := registerProtoEnvelope(t, f)
	ac, _ := regs.New(ClassAvro, url)
	jc, _ := regs.New(ClassJSONSchema, url)
	pc, _ := regs.New(ClassProtobuf, url)
	cases := []struct {
		c    Converter
		data []byte
	}{
		{ac, frame(aid, nil, hambaEncode(t, text, sampleMyEnvelope()))},
		{jc, frame(jid, nil, []byte(sqlserverPayload))},
		{pc, frame(pid, []int{0}, protoEncode(t, raw, []int{0}, protoEnvelopeJSON))},
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				tc := cases[(g+i)%len(cases)]
				rec, err := tc.c.Decode(context.Background(), "t", tc.data)
				if err != nil {
					t.Error(err)
					return
				}
				if !rec.Schema.IsEnvelope() {
					t.Errorf("not an envelope: %q", rec.Schema.Name)
					return
				}
			}
		}()
	}
	wg.Wait()
	regs.Close()
}

// Auth, failover, 404 and 5xx behave alike for the three registry converters.
// everyRegistryConverter is, per Schema Registry converter, a schema of a
// struct {id int32} and the payload of {id: 42} in it (idx: the Protobuf
// message indexes).
var everyRegistryConverter = []struct {
	class string
	s     sr.Schema
	idx   []int
	body  []byte
}{
	{ClassAvro, sr.Schema{Schema: tinyAvro}, nil, []byte{0x54}},
	{ClassJSONSchema, sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","title":"t.Key","properties":{"id":{"type":"integer","connect.type":"int32","connect.index":0}}}`}, nil, []byte(`{"id":42}`)},
	{ClassProtobuf, sr.Schema{Type: sr.TypeProtobuf, Schema: "syntax = \"proto3\";\npackage t;\nmessage Key { int32 id = 1; }\nmessage Other { string s = 1; }\n"}, []int{0}, []byte{0x08, 42}},
}

func TestRegistryBehaviourEveryConverter(t *testing.T) {
	const auth = "Basic YWxpY2U6czNjcmV0" // alice:s3cret
	for _, tc := range everyRegistryConverter {
		t.Run(tc.class, func(t *testing.T) {
			up := newFake(t, srfake.WithAuth(auth))
			id := mustRegister(t, up, "t-key", tc.s)
			var fails atomic.Int64
			up.Intercept(func(w http.ResponseWriter, _ *http.Request) bool {
				if fails.Add(-1) >= 0 {
					w.WriteHeader(http.StatusBadGateway)
					return true
				}
				return false
			})
			props := map[string]string{"schema.registry.url": "http://127.0.0.1:1," + up.URL(),
				"basic.auth.credentials.source": "USER_INFO", "basic.auth.user.info": "alice:s3cret"}
			c, err := testRegistries().New(tc.class, props)
			if err != nil {
				t.Fatal(err)
			}
			fails.Store(2) // failover from a refused URL, then two 502s, then success
			rec, err := c.Decode(context.Background(), "t", frame(id, tc.idx, tc.body))
			if err != nil {
				t.Fatalf("failover + retry: %v", err)
			}
			if at(t, rec.Value, "id") != int64(42) || rec.Schema.Field("id").Schema.Type != TypeInt32 {
				t.Fatalf("value %+v", rec.Value)
			}
			// An unknown ID with one URL refusing connections: the URL
			// that did not answer may hold it, so not a verdict.
			if _, err := c.Decode(context.Background(), "t", frame(id+1000, tc.idx, tc.body)); !errors.Is(err, ErrRegistryUnavailable) || errors.Is(err, ErrMalformed) {
				t.Fatalf("404 and refused: %v", err)
			}
			only, _ := testRegistries().New(tc.class, map[string]string{"schema.registry.url": up.URL(),
				"basic.auth.credentials.source": "USER_INFO", "basic.auth.user.info": "alice:s3cret"})
			if _, err := only.Decode(context.Background(), "t", frame(id+1000, tc.idx, tc.body)); !errors.Is(err, ErrSchemaNotFound) {
				t.Fatalf("404: %v", err)
			}
			fails.Store(1 << 30)
			c2, _ := testRegistries().New(tc.class, props)
			if _, err := c2.Decode(context.Background(), "t", frame(id, tc.idx, tc.body)); !errors.Is(err, ErrRegistryUnavailable) || errors.Is(err, ErrMalformed) {
				t.Fatalf("persistent 502: %v", err)
			}
			fails.Store(0)
			props["basic.auth.user.info"] = "alice:nope"
			c3, _ := testRegistries().New(tc.class, props)
			if _, err := c3.Decode(context.Background(), "t", frame(id, tc.idx, tc.body)); !errors.Is(err, ErrRegistryAuth) {
				t.Fatalf("bad password: %v", err)
			}
		})
	}
}

// A Kafka null value (a nil slice, as franz-go returns it) is a tombstone; a
// zero-length value is not: a Confluent-framed record needs the 5-byte
// prefix, so it is undecodable, for every registry converter.
func TestEmptyValueIsNotATombstone(t *testing.T) {
	for _, class := range []string{ClassAvro, ClassProtobuf, ClassJSONSchema} {
		t.Run(class, func(t *testing.T) {
			c, err := testRegistries().New(class, map[string]string{"schema.registry.url": "http://127.0.0.1:1"})
			if err != nil {
				t.Fatal(err)
			}
			rec, err := c.Decode(context.Background(), "t", nil)
			if err != nil || !rec.Null() || rec.Schema != nil {
				t.Fatalf("nil value = %+v, %v; want a tombstone", rec, err)
			}
			_, err = c.Decode(context.Background(), "t", []byte{})
			var fe *FramingError
			if !errors.As(err, &fe) || !errors.Is(err, ErrMalformed) || errors.Is(err, ErrRegistryUnavailable) {
				t.Fatalf("empty value: %v, want a FramingError wrapping ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), "empty value, not a tombstone: a Confluent-framed record needs at least 5 bytes") {
				t.Errorf("message does not say what is wrong: %v", err)
			}
		})
	}
}
