package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/fixtures"
)

// lockedBuffer is a bytes.Buffer safe for the loggers' goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogFlagsRejected(t *testing.T) {
	props := writeProps(t, "")
	for _, args := range [][]string{
		{"run", "--log-level", "verbose", props},
		{"run", props, "--log-format", "xml"},
		{"demo", "--log-level", "loud"},
	} {
		code, _, stderr := runCLI(args...)
		if code != exitUsage || !strings.Contains(stderr, "--log-") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming the flag", args, code, stderr)
		}
	}
}

func TestRedact(t *testing.T) {
	var buf bytes.Buffer
	l, err := newLogger(&buf, slog.LevelInfo, "json")
	if err != nil {
		t.Fatal(err)
	}
	l.Info("x", "password", "p1", "sasl.jaas.config", "j2", "Authorization", "Basic b3", "api_token", "t4",
		"secret", config.Secret("s5"), "user", "root")
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	for _, k := range []string{"password", "sasl.jaas.config", "Authorization", "api_token", "secret"} {
		if m[k] != "[redacted]" {
			t.Errorf("%s = %v, want [redacted]", k, m[k])
		}
	}
	if m["user"] != "root" {
		t.Errorf("user = %v: a key that names no secret was changed", m["user"])
	}
}

// secretStack is Kafka with SASL/PLAIN and a StarRocks emulator whose root
// user has a password.
func secretStack(t *testing.T, kafkaPass, srPass string) (*kfake.Cluster, *starrocks.Emulator) {
	t.Helper()
	k, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1), kfake.AllowAutoTopicCreation(),
		kfake.EnableSASL(), kfake.Superuser("PLAIN", "admin", kafkaPass))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	sr, err := starrocks.Start(starrocks.Config{Users: map[string]string{"root": srPass}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sr.Close() })
	if _, err := sr.ServeMySQL(); err != nil {
		t.Fatal(err)
	}
	if err := sr.CreateDatabase("inventory"); err != nil {
		t.Fatal(err)
	}
	if err := sr.CreateTable("inventory", "customers", []starrocks.Column{
		{Name: "id", Type: "INT"}, {Name: "first_name", Type: "VARCHAR(64)", Nullable: true},
		{Name: "last_name", Type: "VARCHAR(64)", Nullable: true}, {Name: "email", Type: "VARCHAR(64)", Nullable: true},
	}, []string{"id"}); err != nil {
		t.Fatal(err)
	}
	return k, sr
}

func saslProps(brokers []string, kafkaPass string) string {
	return "bootstrap.servers=" + strings.Join(brokers, ",") + "\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n" +
		`sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="` + kafkaPass + `";` + "\n"
}

// A whole run at the most detailed level, with SASL and a StarRocks
// password, logs neither password (nor the Basic auth header), in JSON
// lines, and franz-go's own lines are among them.
func TestRunLogsNoSecrets(t *testing.T) {
	const kafkaPass, srPass = "k4fka-pw-b2d1", "sr-pw-77ae0"
	k, sr := secretStack(t, kafkaPass, srPass)
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.ListenAddrs()...), kgo.SASL(plainAuth("admin", kafkaPass)), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "dbserver1.inventory.customers", Value: fixtures.Read(t, "mysql195_r_snapshot_withschema.json")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	props := writeProps(t, saslProps(k.ListenAddrs(), kafkaPass)+"starrocks.http.url="+strings.TrimPrefix(sr.FEURL(), "http://")+
		"\nstarrocks.mysql.url="+sr.MySQLAddr()+"\nstarrocks.password="+srPass+"\n")
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"run", "--log-level", "trace", "--log-format", "json", props}, io.Discard, &stderr)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows, _ := sr.Rows("inventory", "customers")
		if len(rows) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no row loaded:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("starcdc run did not stop within 30s of SIGTERM")
	}
	out := stderr.String()
	for _, s := range []string{kafkaPass, srPass, base64.StdEncoding.EncodeToString([]byte("root:" + srPass))} {
		if strings.Contains(out, s) {
			t.Errorf("the log holds the secret %q", s)
		}
	}
	kafkaLines := 0
	for line := range strings.Lines(out) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if m["component"] == "kafka" {
			kafkaLines++
		}
	}
	if kafkaLines == 0 {
		t.Errorf("no line of franz-go's in the log:\n%s", out)
	}
}

func plainAuth(user, pass string) sasl.Mechanism {
	return plain.Auth{User: user, Pass: pass}.AsMechanism()
}
