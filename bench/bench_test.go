package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/pipeline"
	"github.com/starcdc/starcdc/replicator"
)

// envelope is a 10-column Debezium MySQL envelope in JsonConverter format
// with schemas, the shape most Connect installations write.
func envelope(id int) []byte {
	return []byte(fmt.Sprintf(`{"schema":{"type":"struct","fields":[{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},{"type":"string","optional":true,"field":"email"},{"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1,"field":"birth"},{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"updated"},{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"balance"},{"type":"double","optional":true,"field":"score"},{"type":"boolean","optional":true,"field":"active"},{"type":"int64","optional":true,"field":"visits"},{"type":"string","optional":true,"field":"notes"}],"optional":true,"name":"bench.db.t.Value","field":"before"},{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},{"type":"string","optional":true,"field":"email"},{"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1,"field":"birth"},{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"updated"},{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"balance"},{"type":"double","optional":true,"field":"score"},{"type":"boolean","optional":true,"field":"active"},{"type":"int64","optional":true,"field":"visits"},{"type":"string","optional":true,"field":"notes"}],"optional":true,"name":"bench.db.t.Value","field":"after"},{"type":"struct","fields":[{"type":"string","optional":false,"field":"connector"},{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.mysql.Source","field":"source"},{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"}],"optional":false,"name":"bench.db.t.Envelope"},"payload":{"before":null,"after":{"id":%d,"name":"name %d","email":"user%d@example.com","birth":8905,"updated":1725885296000001,"balance":"MDk=","score":3.25,"active":true,"visits":%d,"notes":"some notes about this customer"},"source":{"connector":"mysql","ts_ms":1712917800000},"op":"c","ts_ms":1712917800123}}`, id, id, id, id*7))
}

func props(brokers []string, feURL string) map[string]string {
	return map[string]string{
		"bootstrap.servers":              strings.Join(brokers, ","),
		"name":                           "bench",
		"connector.class":                "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics":                         "t1",
		"starrocks.http.url":             strings.TrimPrefix(feURL, "http://"),
		"starrocks.username":             "root",
		"starrocks.password":             "",
		"starrocks.database.name":        "bench",
		"key.converter":                  "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                "org.apache.kafka.connect.json.JsonConverter",
		"starrocks.load.min.interval.ms": "0",
	}
}

func BenchmarkPipeline(b *testing.B) {
	cfg, _, err := config.FromMap(props([]string{"127.0.0.1:1"}, "http://127.0.0.1:1"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := pipeline.NewPipeline(cfg.Connectors[0], nil)
	if err != nil {
		b.Fatal(err)
	}
	msg := envelope(42)
	ctx := context.Background()
	var buf []byte
	var nsPipeline, nsBaseline float64
	b.Run("starcdc", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(msg)))
		for i := 0; i < b.N; i++ {
			_, buf, err = p.Rows(ctx, "t1", nil, msg, buf, func(string, loader.Headers, []byte) {})
			if err != nil {
				b.Fatal(err)
			}
		}
		nsPipeline = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("baseline-json-unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(msg)))
		for i := 0; i < b.N; i++ {
			var m map[string]any
			if err := json.Unmarshal(msg, &m); err != nil {
				b.Fatal(err)
			}
		}
		nsBaseline = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	if nsBaseline > 0 {
		b.ReportMetric(nsPipeline/nsBaseline, "pipeline/json-unmarshal")
	}
}

const endToEndRecords = 200000

// bareRow is the Stream Load row starcdc makes of envelope(id): the baseline
// loads these directly.
func bareRow(id int) string {
	return fmt.Sprintf(`{"id":%d,"name":"name %d","email":"user%d@example.com","birth":"1994-05-20","updated":"2024-09-09 12:34:56.000001","balance":123.45,"score":3.25,"active":true,"visits":%d,"notes":"some notes about this customer","__op":0}`, id, id, id, id*7)
}

// bareLoad is the least a Kafka → StarRocks mover does: one Stream Load of
// the already-encoded rows (FE → 307 → BE).
func bareLoad(feURL string, body []byte) error {
	hc := &http.Client{
		Transport:     &http.Transport{ExpectContinueTimeout: time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	url := feURL + "/api/bench/t1/_stream_load"
	for hop := 0; hop < 2; hop++ {
		req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.SetBasicAuth("root", "")
		req.Header.Set("Expect", "100-continue")
		req.Header.Set("format", "json")
		req.Header.Set("strip_outer_array", "true")
		req.Header.Set("label", "bare-"+strconv.FormatInt(time.Now().UnixNano(), 10))
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTemporaryRedirect {
			url = resp.Header.Get("Location")
			continue
		}
		if !bytes.Contains(out, []byte(`"Success"`)) {
			return fmt.Errorf("bare load: %s", out)
		}
		return nil
	}
	return fmt.Errorf("bare load: too many redirects")
}

func BenchmarkEndToEnd(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := devstack.Start(devstack.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.StarRocks.CreateDatabase("bench"); err != nil {
			b.Fatal(err)
		}
		// the table: see envelope
		if err := createTable(s); err != nil {
			b.Fatal(err)
		}
		if err := s.Kafka.CreateTopic("t1", 4, nil); err != nil {
			b.Fatal(err)
		}
		recs := make([]*kgo.Record, endToEndRecords)
		for j := range recs {
			recs[j] = &kgo.Record{Topic: "t1", Partition: int32(j % 4), Value: envelope(j)}
		}
		ctx := context.Background()
		if err := s.Produce(ctx, recs...); err != nil {
			b.Fatal(err)
		}

		// Baseline: consume every record, load the matching rows in one
		// Stream Load, commit.
		start := time.Now()
		cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...), kgo.ConsumerGroup("bare"), kgo.ConsumeTopics("t1"))
		if err != nil {
			b.Fatal(err)
		}
		body := []byte{'['}
		for n := 0; n < endToEndRecords; {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				if n > 0 {
					body = append(body, ',')
				}
				body = append(body, bareRow(n)...)
				n++
			})
		}
		body = append(body, ']')
		if err := bareLoad(s.StarRocks.FEURL(), body); err != nil {
			b.Fatal(err)
		}
		if err := cl.CommitUncommittedOffsets(ctx); err != nil {
			b.Fatal(err)
		}
		cl.Close()
		bare := time.Since(start)

		m := props(s.Brokers(), s.StarRocks.FEURL())
		// Plain integers and strings are typed by the table's columns,
		// read over the MySQL port; records wait for them.
		m["starrocks.mysql.url"] = s.StarRocks.MySQLAddr()
		cfg, _, err := config.FromMap(m)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		rep, err := replicator.FromConfig(cfg.Worker, cfg.Connectors[0], slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
		if err != nil {
			b.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- rep.Run(rctx) }()
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Minute)
		err = devstack.WaitDrained(wctx, s.Brokers(), replicator.GroupID("bench"), "t1")
		wcancel()
		cancel()
		if rerr := <-done; err != nil || rerr != nil {
			b.Fatal(err, rerr)
		}
		full := time.Since(start)
		if st := s.StarRocks.Stats("bench", "t1"); st.LoadedRows != 2*endToEndRecords { // the baseline loaded them once already
			b.Fatalf("%d rows loaded, want %d", st.LoadedRows, 2*endToEndRecords)
		}
		s.Close()
		b.ReportMetric(endToEndRecords/full.Seconds(), "records/s")
		b.ReportMetric(endToEndRecords/bare.Seconds(), "baseline-records/s")
		b.ReportMetric(bare.Seconds()/full.Seconds(), "starcdc/baseline")
	}
}
