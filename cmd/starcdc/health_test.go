package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/fixtures"
	"github.com/starcdc/starcdc/metrics"
	"github.com/starcdc/starcdc/replicator"
)

func TestProgressLine(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	var p progress
	s := replicator.Status{Ready: true, Partitions: 2, Lag: -1}
	if _, ok := p.line(t0, s); ok {
		t.Fatal("a line for the first reading")
	}
	if _, ok := p.line(t0.Add(30*time.Second), s); ok {
		t.Fatal("a line while idle and unchanged")
	}
	s.Records, s.Rows, s.LoadsOK, s.Lag, s.BufferedBytes = 600, 1200, 3, 40, 4096
	s.Loaded = map[string]int64{"orders": 1000, "customers": 200}
	s.LastCommit = t0.Add(55 * time.Second)
	attrs, ok := p.line(t0.Add(60*time.Second), s)
	if !ok {
		t.Fatal("no line after progress")
	}
	got := fmtAttrs(attrs)
	want := "records_per_s=20 rows_per_s=40 partitions=2 lag=40 loads_ok=3 loads_failed=0 rows_loaded=customers=200 orders=1000 last_commit_age=5s buffered_bytes=4096"
	if got != want {
		t.Fatalf("line %q\nwant %q", got, want)
	}
	if _, ok := p.line(t0.Add(90*time.Second), s); ok {
		t.Fatal("a line while idle again")
	}
	// An outage: no records, but failed loads and a reason.
	s.Ready, s.Reason, s.LoadsFail = false, "loads into StarRocks table t failing for 30s: refused", 4
	attrs, ok = p.line(t0.Add(120*time.Second), s)
	if !ok || !strings.HasSuffix(fmtAttrs(attrs), `loads_ok=0 loads_failed=4 last_commit_age=1m5s buffered_bytes=4096 ready=false reason=loads into StarRocks table t failing for 30s: refused`) {
		t.Fatalf("outage line %q", fmtAttrs(attrs))
	}
}

func fmtAttrs(attrs []any) string {
	var b strings.Builder
	for i := 0; i < len(attrs); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(attrs[i].(string) + "=" + strings.TrimSpace(strings.ReplaceAll(toString(attrs[i+1]), "\n", " ")))
	}
	return b.String()
}

func toString(v any) string {
	bs, _ := json.Marshal(v)
	s := string(bs)
	return strings.Trim(s, `"`)
}

func TestReadyHandler(t *testing.T) {
	rd := &readiness{}
	h := httpHandler(metrics.New(metrics.BuildInfo{}), rd)
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, path, nil)
		w := &recorder{header: http.Header{}}
		h.ServeHTTP(w, req)
		return w.code, w.body.String()
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := get("/ready"); code != 503 || !strings.Contains(body, `"reason":"starting`) {
		t.Errorf("/ready while starting: %d %s", code, body)
	}
	a := replicator.Status{Ready: true}
	b := replicator.Status{Ready: true}
	stoppedB := false
	rd.set([]connState{
		{name: "a", status: func() replicator.Status { return a }, stopped: func() bool { return false }},
		{name: "b", status: func() replicator.Status { return b }, stopped: func() bool { return stoppedB }},
	})
	if code, body := get("/ready"); code != 200 || body != `{"ready":true}`+"\n" {
		t.Errorf("/ready: %d %s", code, body)
	}
	b = replicator.Status{Reason: "loads into StarRocks table t failing for 5s: x"}
	if code, body := get("/ready"); code != 503 || body != `{"ready":false,"connector":"b","reason":"loads into StarRocks table t failing for 5s: x"}`+"\n" {
		t.Errorf("/ready: %d %s", code, body)
	}
	b.Ready, stoppedB = true, true
	if code, body := get("/ready"); code != 503 || !strings.Contains(body, `"connector":"b","reason":"stopped"`) {
		t.Errorf("/ready of a stopped connector: %d %s", code, body)
	}
	if code, _ := get("/"); code != 404 {
		t.Errorf("/: %d, want 404", code)
	}
}

type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) { r.code = code }

// /ready goes 503 while StarRocks fails every load (the loads retry) and
// back to 200 once it answers again; /healthz stays 200; progress lines
// report the work and the outage.
func TestReadyDuringOutage(t *testing.T) {
	s, err := devstack.Start(devstack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.StarRocks.CreateDatabase("inventory"); err != nil {
		t.Fatal(err)
	}
	if err := s.StarRocks.CreateTable("inventory", "customers", []starrocks.Column{
		{Name: "id", Type: "INT"}, {Name: "first_name", Type: "VARCHAR(64)", Nullable: true},
		{Name: "last_name", Type: "VARCHAR(64)", Nullable: true}, {Name: "email", Type: "VARCHAR(64)", Nullable: true},
	}, []string{"id"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	produce := func() {
		t.Helper()
		if err := s.Produce(ctx, &kgo.Record{Topic: "dbserver1.inventory.customers", Value: fixtures.Read(t, "mysql195_r_snapshot_withschema.json")}); err != nil {
			t.Fatal(err)
		}
	}
	produce()
	props := writeProps(t, "bootstrap.servers="+strings.Join(s.Brokers(), ",")+"\nstarrocks.http.url="+strings.TrimPrefix(s.StarRocks.FEURL(), "http://")+
		"\nstarrocks.mysql.url="+s.StarRocks.MySQLAddr()+"\nstarrocks.password=\nsink.maxretries=-1\nbufferflush.intervalms=1000\n")
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"run", props, "--http-addr", "127.0.0.1:0", "--progress-interval", "300ms"}, io.Discard, &stderr)
	}()
	addrRe := regexp.MustCompile(`ready=http://([0-9.:]+)/ready`)
	var addr string
	waitFor := func(what string, f func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !f() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 30s:\n%s", what, stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("listener", func() bool {
		m := addrRe.FindStringSubmatch(stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status := func(path string) int { c, _ := get(path); return c }
	// go run ./bench and the e2e tests take the rest of this line as the URL.
	if !strings.Contains(stderr.String(), `msg="serving Prometheus metrics" url=http://`+addr+"/metrics\n") {
		t.Errorf("the metrics line changed its form:\n%s", stderr.String())
	}
	waitFor("ready", func() bool { return status("/ready") == 200 })
	waitFor("row", func() bool { rows, _ := s.StarRocks.Rows("inventory", "customers"); return len(rows) == 1 })
	waitFor("partition and lag series", func() bool {
		_, m := get("/metrics")
		return strings.Contains(m, `starcdc_assigned_partitions{connector="starrocks-kafka-connector"} 1`) &&
			strings.Contains(m, `starcdc_consumer_lag_records{connector="starrocks-kafka-connector",partition="0",topic="dbserver1.inventory.customers"} 0`)
	})

	// Six failed attempts: about 6 s of outage with the loader's backoff.
	s.StarRocks.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultHTTP500, Times: 6})
	produce()
	var body string
	waitFor("503 during the outage", func() bool {
		var c int
		c, body = get("/ready")
		return c == 503
	})
	if !strings.Contains(body, `"connector":"starrocks-kafka-connector"`) || !strings.Contains(body, "loads into StarRocks table customers failing") ||
		!strings.Contains(body, "StarRocks is unavailable or overloaded: check its health") || strings.Contains(body, "Flush again") {
		t.Errorf("/ready body during the outage: %s", body)
	}
	if c := status("/healthz"); c != 200 {
		t.Errorf("/healthz during the outage: %d", c)
	}
	waitFor("an outage progress line", func() bool {
		return strings.Contains(stderr.String(), "msg=progress connector=starrocks-kafka-connector") && strings.Contains(stderr.String(), "ready=false")
	})
	waitFor("ready after the outage", func() bool { return status("/ready") == 200 })

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
	if !regexp.MustCompile(`msg=progress connector=starrocks-kafka-connector records_per_s=[0-9.]+ rows_per_s=[0-9.]+ partitions=1 `).MatchString(stderr.String()) {
		t.Errorf("no progress line with the work:\n%s", stderr.String())
	}
}

// A connector whose StarRocks failed its check is not ready until a
// re-check passes or one of its loads succeeds.
func TestReadyHeldByStarRocksCheck(t *testing.T) {
	gate := &starRocksGate{}
	rd := &readiness{gate: gate}
	st := replicator.Status{Ready: true}
	rd.set([]connState{{name: "a", status: func() replicator.Status { return st }, stopped: func() bool { return false }}})
	gate.holdAll([]config.Connector{{Name: "a"}})
	if b := rd.check(); b.Ready || b.Reason != "StarRocks check failed: StarRocks not checked yet" {
		t.Fatalf("before the check: %+v", b)
	}
	gate.hold("a", `StarRocks FE http://fe:8030: user "root" was refused`)
	if b := rd.check(); b.Ready || b.Connector != "a" || b.Reason != `StarRocks check failed: StarRocks FE http://fe:8030: user "root" was refused` {
		t.Fatalf("held: %+v", b)
	}
	st.LoadsOK = 1
	if b := rd.check(); !b.Ready {
		t.Fatalf("a load succeeded, still held: %+v", b)
	}
	st.LoadsOK = 0
	gate.release("a")
	if b := rd.check(); !b.Ready {
		t.Fatalf("released, still held: %+v", b)
	}
}

func TestWatchStarRocks(t *testing.T) {
	gate := &starRocksGate{}
	conns := []config.Connector{{Name: "a"}, {Name: "b"}}
	gate.holdAll(conns)
	var log lockedBuffer
	calls := map[string]int{}
	// a passes at its second re-check; b never does.
	check := func(c config.Connector) []checkResult {
		calls[c.Name]++
		if c.Name == "a" && calls["a"] >= 2 {
			return []checkResult{{ok: true}}
		}
		return []checkResult{{ok: true}, {what: "StarRocks FE " + c.Name, detail: fmt.Sprintf("down (%d)", calls[c.Name])}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		watchStarRocks(ctx, conns, gate, slog.New(slog.NewTextHandler(&log, nil)), time.Millisecond, check)
	}()
	for gate.reason("a") != "" {
		time.Sleep(time.Millisecond)
	}
	for !strings.HasPrefix(gate.reason("b"), "StarRocks FE b: down (") {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if !strings.Contains(log.String(), `msg="StarRocks passes its checks now" connector=a`) || strings.Contains(log.String(), "connector=b") {
		t.Errorf("log:\n%s", log.String())
	}
}
