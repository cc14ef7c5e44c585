package replicator

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/starcdc/starcdc/config"
)

// randomBytes are incompressible, so that the batch the brokers check is
// as large as the record.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(b)
	return b
}

// TestDeadLetterLargeRecord: a 6 MB record that the consumer fetches but
// that cannot be decoded goes, byte for byte, to the dead-letter topic
// that starcdc creates, and the offsets commit past it (before, the
// producer's 1 MB batch limit and the topic's default max.message.bytes
// refused it, and every restart stopped at it).
func TestDeadLetterLargeRecord(t *testing.T) {
	d := newDLQCluster(t)
	d.createTopic("src", strconv.Itoa(16<<20))
	big := randomBytes(6 << 20)
	d.produce(
		&kgo.Record{Topic: "src", Key: []byte(`"k"`), Value: big, Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v")}}},
		&kgo.Record{Topic: "src", Key: []byte(`"k2"`)}, // a tombstone: no row, yet committed
	)
	rep, done, _ := d.start("large", "src", "dlq", nil)
	d.waitCommitted(done, GroupID("large"), "src", 2)
	if st := rep.Stats(); st.Dead != 1 {
		t.Errorf("dead letters %d, want 1", st.Dead)
	}
	got := d.readAll("dlq", 1)[0]
	h := headerMap(got)
	if !bytes.Equal(got.Value, big) || string(got.Key) != `"k"` || h["h"] != "v" || h["__connect.errors.topic"] != "src" || h["__connect.errors.offset"] != "0" {
		t.Errorf("dead letter: key %q, value of %d bytes (equal: %v), headers %v", got.Key, len(got.Value), bytes.Equal(got.Value, big), h)
	}
	rcs, err := d.adm.DescribeTopicConfigs(d.ctx, "dlq")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rcs.On("dlq", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rc.Configs {
		if c.Key == "max.message.bytes" && (c.Value == nil || *c.Value != "67108864") {
			t.Errorf("the dead-letter topic starcdc created has max.message.bytes=%v, want 67108864", c.Value)
		}
	}
}

// TestDeadLetterTopicLimitTooSmall: a dead-letter topic that exists with a
// max.message.bytes below the record stops the connector with an error
// that names the record, its size and the command that fixes the topic,
// and says that every restart stops at the same record; nothing commits.
func TestDeadLetterTopicLimitTooSmall(t *testing.T) {
	d := newDLQCluster(t)
	d.createTopic("src", "")
	d.createTopic("dlq-small", "65536") // kfake enforces it as Kafka does
	d.produce(&kgo.Record{Topic: "src", Value: randomBytes(200 << 10)})
	_, done, _ := d.start("small", "src", "dlq-small", nil)
	var err error
	select {
	case err = <-done:
	case <-d.ctx.Done():
		t.Fatal("the replicator did not stop on a record the dead-letter topic refuses")
	}
	if err == nil {
		t.Fatal("Run returned nil")
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{
		"record src/0/0 (204800 bytes",
		"MESSAGE_TOO_LARGE",
		"accepts record batches of at most 65536 bytes",
		"kafka-configs.sh --bootstrap-server " + d.c.ListenAddrs()[0] + " --alter --entity-type topics --entity-name dlq-small --add-config max.message.bytes=67108864",
		"every restart stops at this same record",
		"--group connect-small --reset-offsets --topic src:0 --to-offset 1",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
	if at := d.committed(GroupID("small"), "src"); at != 0 {
		t.Errorf("committed offset %d past a record that reached no dead-letter topic", at)
	}
}

// TestDeadLetterNotAuthorized: a connector user that may read its topic
// but not write to the dead-letter topic (nor create it) starts, and the
// first dead letter stops it with the grant that is missing.
func TestDeadLetterNotAuthorized(t *testing.T) {
	allow := func(res kmsg.ACLResourceType, name string, op kmsg.ACLOperation) kfake.ACL {
		return kfake.ACL{Resource: res, Name: name, Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: op, Allow: true}
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser("PLAIN", "admin", "adm1n-pw"),
		kfake.User("PLAIN", "app", "app-pw",
			allow(kmsg.ACLResourceTypeTopic, "src", kmsg.ACLOperationRead),
			allow(kmsg.ACLResourceTypeTopic, "src", kmsg.ACLOperationDescribe),
			allow(kmsg.ACLResourceTypeGroup, "connect-acl", kmsg.ACLOperationRead)),
		kfake.SeedTopics(1, "src", "dlq"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.SASL(plain.Auth{User: "admin", Pass: "adm1n-pw"}.AsMechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "src", Value: []byte("{bad")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.FromMap(map[string]string{
		"bootstrap.servers":                 c.ListenAddrs()[0],
		"security.protocol":                 "SASL_PLAINTEXT",
		"sasl.mechanism":                    "PLAIN",
		"sasl.jaas.config":                  `org.apache.kafka.common.security.plain.PlainLoginModule required username="app" password="app-pw";`,
		"name":                              "acl",
		"connector.class":                   "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics":                            "src",
		"starrocks.http.url":                "127.0.0.1:1",
		"starrocks.username":                "root",
		"starrocks.password":                "",
		"starrocks.database.name":           "d",
		"errors.tolerance":                  "all",
		"errors.deadletterqueue.topic.name": "dlq",
		"errors.deadletterqueue.topic.replication.factor": "1",
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := FromConfig(cfg.Worker, cfg.Connectors[0], slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatalf("a user without CREATE on an existing dead-letter topic could not start: %v", err)
	}
	err = rep.Run(ctx)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("Run: %v (ctx: %v); want the dead-letter write to fail", err, ctx.Err())
	}
	t.Log(err)
	for _, want := range []string{"record src/0/0", "TOPIC_AUTHORIZATION_FAILED", "--operation Write --operation Describe --topic dlq", "every restart stops at this same record"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "app-pw") {
		t.Errorf("the error shows the password: %v", err)
	}
	offs, ferr := kadm.NewClient(cl).FetchOffsets(ctx, GroupID("acl"))
	if ferr == nil {
		if o, ok := offs.Lookup("src", 0); ok && o.At > 0 {
			t.Errorf("committed offset %d past a record that reached no dead-letter topic", o.At)
		}
	}
}
