package decode

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/starcdc/starcdc/internal/testutil"
)

// guidOf is the GUID of subject's version 1.
func guidOf(t testing.TB, url, auth, subject string) [16]byte {
	t.Helper()
	return [16]byte(testutil.GUIDHeader(t, url, auth, subject, 1)[1:])
}

// guidHeader is the value Confluent's HeaderSchemaIdSerializer writes:
// magic byte 1, the GUID, then (Protobuf) the message indexes.
func guidHeader(g [16]byte, idx []int) []byte {
	b := append([]byte{magicGUID}, g[:]...)
	if idx != nil {
		b = append(b, AppendConfluentHeader(nil, 0, idx)[5:]...)
	}
	return b
}

// idHeader is a header holding magic byte 0 and a numeric ID.
func idHeader(id int, idx []int) []byte { return AppendConfluentHeader(nil, id, idx) }

// Records whose schema ID travels in a header (Confluent Platform 8's
// __value_schema_id / __key_schema_id, by GUID or by ID) decode exactly as
// the same record with the ID in its prefix, for every registry converter
// and both of its paths; the payload prefix may also hold a GUID (magic
// byte 1). GUIDs are resolved with GET /schemas/guids/{guid} with the
// converter's credentials, through failover and retries, and cached.
func TestSchemaIDInHeaderEveryConverter(t *testing.T) {
	const auth = "Basic YWxpY2U6czNjcmV0" // alice:s3cret
	for _, tc := range everyRegistryConverter {
		t.Run(tc.class, func(t *testing.T) {
			up := newFake(t, srfake.WithAuth(auth))
			id := mustRegister(t, up, "t-value", tc.s)
			guid := guidOf(t, up.URL(), "alice:s3cret", "t-value")
			var guidAsks, fails atomic.Int64
			up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
				if strings.HasPrefix(r.URL.Path, "/schemas/guids/") {
					guidAsks.Add(1)
				}
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
			want, err := c.Decode(context.Background(), "t", frame(id, tc.idx, tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if want.SchemaID != id {
				t.Fatalf("SchemaID %d, want %d", want.SchemaID, id)
			}
			fails.Store(2) // the GUID lookup fails over and retries like an ID lookup
			for name, hdr := range map[string][]byte{"GUID": guidHeader(guid, tc.idx), "ID": idHeader(id, tc.idx)} {
				framed, ok, err := FrameSchemaID(c, nil, ValueSchemaIDHeader, hdr, tc.body)
				if err != nil || !ok {
					t.Fatalf("%s header: ok %v, %v", name, ok, err)
				}
				got, err := c.Decode(context.Background(), "t", framed)
				if err != nil {
					t.Fatalf("%s header: %v", name, err)
				}
				if name == "GUID" && got.SchemaID != 0 || name == "ID" && got.SchemaID != id {
					t.Fatalf("%s header: SchemaID %d", name, got.SchemaID)
				}
				got.SchemaID = want.SchemaID
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s header: %+v, want %+v", name, got, want)
				}
				if fc, ok := c.(FlatConverter); ok {
					plan, slots, err := fc.DecodeFlat(context.Background(), "t", framed, nil)
					if err != nil {
						t.Fatalf("%s header, flat: %v", name, err)
					}
					if err := flatMatches(plan, slots, got); err != nil {
						t.Fatalf("%s header, flat: %v", name, err)
					}
				}
			}
			// The GUID in the payload prefix (magic byte 1), as
			// SchemaId.fromBytes also reads it.
			prefixed := append(guidHeader(guid, tc.idx), tc.body...)
			if got, err := c.Decode(context.Background(), "t", prefixed); err != nil || !reflect.DeepEqual(got.Value, want.Value) {
				t.Fatalf("GUID prefix: %+v, %v", got.Value, err)
			}
			if n := guidAsks.Load(); n != 3 { // two 502s, then one answer, cached after
				t.Fatalf("%d GUID requests, want 3", n)
			}

			// A GUID the registry does not know is ErrSchemaNotFound (a
			// poison record) once every URL answered 404.
			only, _ := testRegistries().New(tc.class, map[string]string{"schema.registry.url": up.URL(),
				"basic.auth.credentials.source": "USER_INFO", "basic.auth.user.info": "alice:s3cret"})
			unknown := guid
			unknown[0] ^= 0xff
			framed, _, _ := FrameSchemaID(only, nil, ValueSchemaIDHeader, guidHeader(unknown, tc.idx), tc.body)
			if _, err := only.Decode(context.Background(), "t", framed); !errors.Is(err, ErrSchemaNotFound) || !strings.Contains(err.Error(), "schema GUID") {
				t.Fatalf("unknown GUID: %v", err)
			}
			// Wrong credentials are an auth failure, and leak nothing.
			props["basic.auth.user.info"] = "alice:nope"
			bad, _ := testRegistries().New(tc.class, props)
			framed, _, _ = FrameSchemaID(bad, nil, ValueSchemaIDHeader, guidHeader(guid, tc.idx), tc.body)
			if _, err := bad.Decode(context.Background(), "t", framed); !errors.Is(err, ErrRegistryAuth) || strings.Contains(err.Error(), "nope") {
				t.Fatalf("bad password: %v", err)
			}
		})
	}
}

// An unreadable schema ID header is a FramingError naming the header;
// converters that read no registry ignore the header (Kafka Connect's
// JsonConverter never reads headers).
func TestSchemaIDHeaderErrors(t *testing.T) {
	var g [16]byte
	for _, class := range []string{ClassAvro, ClassProtobuf, ClassJSONSchema} {
		c, err := testRegistries().New(class, map[string]string{"schema.registry.url": "http://127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		bad := [][]byte{{}, {0, 0, 1}, {1, 2, 3}, {2, 0, 0, 0, 1}, append([]byte{1}, g[:8]...)}
		if class == ClassProtobuf {
			bad = append(bad, guidHeader(g, nil), idHeader(7, nil)) // the indexes are missing
		}
		for _, hdr := range bad {
			dst, ok, err := FrameSchemaID(c, []byte("keep"), KeySchemaIDHeader, hdr, []byte{1})
			var fe *FramingError
			if !ok || !errors.As(err, &fe) || !errors.Is(err, ErrMalformed) || fe.Header != KeySchemaIDHeader || string(dst) != "keep" {
				t.Fatalf("%s header %x: ok %v, %q, %v", class, hdr, ok, dst, err)
			}
			if !strings.Contains(err.Error(), KeySchemaIDHeader) {
				t.Fatalf("%s: error does not name the header: %v", class, err)
			}
		}
		// Bytes after the ID (after the indexes for Protobuf) are ignored,
		// as SchemaId.fromBytes ignores them.
		hdr := idHeader(7, map[bool][]int{true: {1, 0}}[class == ClassProtobuf])
		framed, _, err := FrameSchemaID(c, nil, ValueSchemaIDHeader, append(hdr, 0xee), []byte("P"))
		if err != nil || string(framed) != string(hdr)+"P" {
			t.Fatalf("%s: trailing header bytes: %x, %v", class, framed, err)
		}
	}
	for _, class := range []string{ClassJSON, ClassString, ClassByteArray} {
		c, err := testRegistries().New(class, nil)
		if err != nil {
			t.Fatal(err)
		}
		if dst, ok, err := FrameSchemaID(c, nil, ValueSchemaIDHeader, guidHeader(g, nil), []byte("{}")); ok || err != nil || dst != nil {
			t.Fatalf("%s reads the header: %v %v %q", class, ok, err, dst)
		}
	}
}

func TestSchemaIDText(t *testing.T) {
	g, _ := hex.DecodeString("5e7f40ceba138394abcdc4e82c0ededd")
	var s schemaID
	s.byGUID = true
	copy(s.guid[:], g)
	if got := s.String(); got != "schema GUID 5e7f40ce-ba13-8394-abcd-c4e82c0ededd" {
		t.Fatal(got)
	}
	if got := (schemaID{id: 7}).String(); got != "schema ID 7" {
		t.Fatal(got)
	}
}

// Apicurio's framing is refused with advice, never guessed at: a record
// with an apicurio.* ID header, and Apicurio's converter classes.
func TestApicurioRefused(t *testing.T) {
	for _, h := range []string{"apicurio.value.globalId", "apicurio.key.contentId"} {
		isKey, ok := SchemaIDHeaderSide(h)
		if !ok || isKey != strings.HasPrefix(h, "apicurio.key.") {
			t.Fatalf("%s: side %v %v", h, isKey, ok)
		}
		for _, class := range []string{ClassAvro, ClassProtobuf, ClassJSONSchema} {
			c, err := testRegistries().New(class, map[string]string{"schema.registry.url": "http://127.0.0.1:1"})
			if err != nil {
				t.Fatal(err)
			}
			_, ok, err := FrameSchemaID(c, nil, h, []byte{0, 0, 0, 0, 0, 0, 0, 1}, []byte{2})
			if !ok || !errors.Is(err, ErrApicurio) || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), h) || !strings.Contains(err.Error(), "ccompat") {
				t.Fatalf("%s %s: %v", class, h, err)
			}
		}
	}
	if _, ok := SchemaIDHeaderSide("apicurio.value.encoding"); ok {
		t.Fatal("apicurio.value.encoding carries no ID")
	}
	_, err := testRegistries().New("io.apicurio.registry.utils.converter.AvroConverter", map[string]string{"apicurio.registry.url": "http://r"})
	if !errors.Is(err, ErrApicurio) || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "io.confluent.connect.avro.AvroConverter") {
		t.Fatalf("Apicurio converter class: %v", err)
	}
}

// A record from Apicurio 2.x's default serializer (magic byte 0, an 8-byte
// global ID) reads as schema ID 0, which no registry assigns: the error
// says what the record probably is and what to do.
func TestApicurioEightByteIDHint(t *testing.T) {
	f := newFake(t)
	mustRegister(t, f, "t-value", sr.Schema{Schema: tinyAvro})
	c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL()})
	_, err := c.Decode(context.Background(), "t", []byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 0x54})
	if !errors.Is(err, ErrSchemaNotFound) || !strings.Contains(err.Error(), "Apicurio") || !strings.Contains(err.Error(), "ccompat") {
		t.Fatalf("Apicurio 8-byte ID: %v", err)
	}
	if _, err := c.Decode(context.Background(), "t", frame(99, nil, []byte{0x54})); !errors.Is(err, ErrSchemaNotFound) || strings.Contains(err.Error(), "Apicurio") {
		t.Fatalf("unknown ID 99: %v", err)
	}
}

// A Protobuf schema ID header carries the message indexes: the message
// they name, not the first one, decodes the raw payload.
func TestSchemaIDHeaderProtobufIndexes(t *testing.T) {
	f := newFake(t)
	pc := everyRegistryConverter[2]
	mustRegister(t, f, "t-value", pc.s)
	guid := guidOf(t, f.URL(), "", "t-value")
	c, err := testRegistries().New(ClassProtobuf, map[string]string{"schema.registry.url": f.URL()})
	if err != nil {
		t.Fatal(err)
	}
	other := []byte{0x0a, 0x01, 'x'} // Other{s: "x"}
	framed, _, err := FrameSchemaID(c, nil, ValueSchemaIDHeader, guidHeader(guid, []int{1}), other)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Decode(context.Background(), "t", framed)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Schema.Name != "t.Other" || at(t, rec.Value, "s") != "x" {
		t.Fatalf("decoded %s %+v, want t.Other{s: x}", rec.Schema.Name, rec.Value)
	}
}
