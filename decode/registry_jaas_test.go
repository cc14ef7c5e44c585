package decode

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/starcdc/starcdc/config"
)

// basic.auth.credentials.source=SASL_INHERIT takes the credentials from
// sasl.jaas.config as Kafka parses it: a quoted password may hold spaces,
// quotes, ";" and "=".
func TestRegistrySASLInherit(t *testing.T) {
	const pass = `s3 cr;e=t "q" \`
	f := newFake(t, srfake.WithAuth("Basic "+base64.StdEncoding.EncodeToString([]byte("alice:"+pass))))
	id := mustRegister(t, f, "t-key", sr.Schema{Schema: tinyAvro})
	rec := frame(id, nil, []byte{0x54}) // 42
	for _, jaas := range []string{
		`org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3 cr;e=t \"q\" \\";`,
		"org.apache.kafka.common.security.scram.ScramLoginModule required\n  username=alice\n  password='s3 cr;e=t \"q\" \\\\' ;",
	} {
		c := avroConv(t, testRegistries(), map[string]string{"schema.registry.url": f.URL(),
			"basic.auth.credentials.source": "SASL_INHERIT", "sasl.jaas.config": jaas})
		r, err := c.Decode(context.Background(), "t", rec)
		if err != nil {
			t.Fatalf("%s: %v", jaas, err)
		}
		if got := at(t, r.Value, "id"); got != int64(42) {
			t.Fatalf("%s: id = %v", jaas, got)
		}
	}
}

func TestRegistrySASLInheritErrors(t *testing.T) {
	const secret = "TopSecret"
	for _, jaas := range []string{
		`org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="` + secret,
		`org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password=` + secret + ` x` + secret + `;`,
		`username="alice" password="` + secret + `"`,
	} {
		_, err := testRegistries().New(ClassAvro, map[string]string{"schema.registry.url": "http://x",
			"basic.auth.credentials.source": "SASL_INHERIT", "sasl.jaas.config": jaas})
		if !errors.Is(err, ErrUnsupported) || !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "sasl.jaas.config: ") {
			t.Errorf("%s: error %v, want ErrUnsupported and config.ErrInvalid naming sasl.jaas.config", jaas, err)
		}
		if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "alice")) {
			t.Errorf("the error shows a credential: %v", err)
		}
	}
}
