package testutil

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// GUIDHeader asks the schema registry at url (over its REST API, with
// basic auth when userPass is "user:pass") for the GUID of subject's
// version and returns the schema ID header value Confluent Platform 8's
// HeaderSchemaIdSerializer writes for it: magic byte 1 and the 16-byte
// GUID (a Protobuf record's message indexes would follow).
func GUIDHeader(t testing.TB, url, userPass, subject string, version int) []byte {
	t.Helper()
	opts := []sr.ClientOpt{sr.URLs(url)}
	if user, pass, ok := strings.Cut(userPass, ":"); ok {
		opts = append(opts, sr.BasicAuth(user, pass))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := cl.SchemaByVersion(context.Background(), subject, version)
	if err != nil {
		t.Fatal(err)
	}
	g, err := hex.DecodeString(strings.ReplaceAll(ss.GUID, "-", ""))
	if err != nil || len(g) != 16 {
		t.Fatalf("GUID %q: %v", ss.GUID, err)
	}
	return append([]byte{1}, g...)
}
