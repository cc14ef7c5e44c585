package replicator

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/internal/testcerts"
)

// TestFromConfigKafkaSASL: the worker's SASL keys reach the consumer group
// (a SASL-only kfake broker): the replicator consumes and commits.
func TestFromConfigKafkaSASL(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("PLAIN", "admin", "adm1n-pw"), kfake.SeedTopics(1, "t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	auth := kgo.SASL(plain.Auth{User: "admin", Pass: "adm1n-pw"}.AsMechanism())
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), auth)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Tombstones: no StarRocks is needed to process them, yet their
	// offsets must be committed.
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t1", Key: []byte("k")}, &kgo.Record{Topic: "t1", Key: []byte("k")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.FromMap(map[string]string{
		"bootstrap.servers":       c.ListenAddrs()[0],
		"security.protocol":       "SASL_PLAINTEXT",
		"sasl.mechanism":          "PLAIN",
		"sasl.jaas.config":        `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="adm1n-pw";`,
		"name":                    "sasl",
		"connector.class":         "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics":                  "t1",
		"starrocks.http.url":      "127.0.0.1:1",
		"starrocks.username":      "root",
		"starrocks.password":      "",
		"starrocks.database.name": "d",
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := FromConfig(cfg.Worker, cfg.Connectors[0], slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rep.Run(rctx) }()
	adm := kadm.NewClient(cl)
	for {
		offs, err := adm.FetchOffsets(ctx, GroupID("sasl"))
		if err == nil {
			if o, ok := offs.Lookup("t1", 0); ok && o.At == 2 {
				break
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("offsets were not committed through SASL: %+v %v %+v", offs, err, rep.Stats())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// connect.timeoutms keeps the Java meaning (the FE probe); loads connect
// with starrocks.connect.timeout.ms.
func TestLoaderConnectTimeout(t *testing.T) {
	for _, tc := range []struct {
		extra map[string]string
		want  time.Duration
	}{
		{map[string]string{"connect.timeoutms": "3000"}, 10 * time.Second},
		{map[string]string{"starrocks.connect.timeout.ms": "2500"}, 2500 * time.Millisecond},
	} {
		m := map[string]string{"name": "ct", "connector.class": "com.starrocks.connector.kafka.StarRocksSinkConnector", "topics": "t1",
			"starrocks.http.url": "127.0.0.1:8030", "starrocks.username": "root", "starrocks.password": "", "starrocks.database.name": "d"}
		maps.Copy(m, tc.extra)
		cfg, _, err := config.FromMap(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := loaderOptions(cfg.Connectors[0]).ConnectTimeout; got != tc.want {
			t.Errorf("%v: ConnectTimeout %v, want %v", tc.extra, got, tc.want)
		}
	}
}

// TestFromConfigStarRocksTLS: the starrocks.ssl.* stores are read again
// when the replicator is built, so a store that disappeared after the
// configuration was validated stops start-up with the key that named it.
func TestFromConfigStarRocksTLS(t *testing.T) {
	ca := testcerts.NewCA(t)
	st := testcerts.WriteStores(t, "PEM", ca, ca.Issue(t, nil), ca)
	cfg, _, err := config.FromMap(map[string]string{
		"bootstrap.servers": "127.0.0.1:1", "name": "tls", "connector.class": "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics": "t1", "starrocks.http.url": "https://127.0.0.1:1", "starrocks.username": "root", "starrocks.password": "",
		"starrocks.database.name": "d", "starrocks.ssl.truststore.location": st.Trust,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(st.Trust); err != nil {
		t.Fatal(err)
	}
	_, err = FromConfig(cfg.Worker, cfg.Connectors[0], slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err == nil || !strings.Contains(err.Error(), "StarRocks TLS") || !strings.Contains(err.Error(), "starrocks.ssl.truststore.location") {
		t.Fatalf("err = %v, want a StarRocks TLS error naming starrocks.ssl.truststore.location", err)
	}
}
