package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/fixtures"
	"github.com/starcdc/starcdc/loader"
)

// libraryWords are phrases of the libraries' own vocabulary that an
// operator cannot act on.
var libraryWords = []string{"Flush again", "TakeFailed", "kgo:", "Username, Password"}

func TestOperatorText(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	cases := []struct {
		le   *loader.LoadError
		want string
	}{
		{&loader.LoadError{Table: "t", Label: "l1", Err: fmt.Errorf("%w after 4 attempts: %w", loader.ErrRetriesExhausted, refused)},
			"loading into StarRocks table t failed: load retries exhausted after 4 attempts: dial tcp: connect: connection refused (label l1); StarRocks is unreachable: check starrocks.http.url (the FE's HTTP port, 8030 by default) and that the FE and BE are running and reachable from this host; run starcdc check; loads are retried for starrocks.retry.timeout.ms and at least sink.maxretries times (-1: for ever)"},
		{&loader.LoadError{Table: "t", Label: "l2", Status: "HTTP 401", Message: "Access denied for root@127.0.0.1", Permanent: true},
			"loading into StarRocks table t failed: HTTP 401: Access denied for root@127.0.0.1 (label l2); StarRocks refused the user: check starrocks.username and starrocks.password, and grant the user INSERT on the table (run starcdc check)"},
		{&loader.LoadError{Table: "t", Label: "l3", Status: "Fail", Message: "unknown table, table=t", Permanent: true},
			"loading into StarRocks table t failed: Fail: unknown table, table=t (label l3); create the table in StarRocks"},
		{&loader.LoadError{Table: "t", Label: "l4", Status: "Fail", Message: "too many filtered rows", BadRows: true, Permanent: true, ErrorLog: "Error: bad"},
			"StarRocks rejected rows that do not fit the table (see its error log): fix the table or the mapping, or set errors.tolerance=all with errors.deadletterqueue.topic.name to divert such rows; StarRocks' error log: Error: bad"},
	}
	for _, c := range cases {
		err := fmt.Errorf("connector x: final flush: %w", errors.Join(errors.New("other"), fmt.Errorf("loading into StarRocks: %w (offsets)", c.le)))
		got := operatorText(err)
		if !strings.Contains(got, c.want) || !strings.HasPrefix(got, "connector x: final flush: other\nloading into StarRocks table t failed: ") || !strings.HasSuffix(got, " (offsets)") {
			t.Errorf("operatorText:\n%s\nwant it to hold:\n%s", got, c.want)
		}
		for _, w := range libraryWords {
			if strings.Contains(got, w) {
				t.Errorf("%q in %s", w, got)
			}
		}
	}
}

// runUntil runs `starcdc run` with args until stop returns true for its
// stderr (then SIGTERM) or it exits; it returns the exit code and stderr.
func runUntil(t *testing.T, stop func(string) bool, args ...string) (int, string) {
	t.Helper()
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(append([]string{"run"}, args...), io.Discard, &stderr) }()
	deadline := time.After(60 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case code := <-done:
			return code, stderr.String()
		case <-deadline:
			t.Fatalf("starcdc run neither stopped nor logged what was expected within 60s:\n%s", stderr.String())
		case <-tick.C:
			if stop(stderr.String()) {
				if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				select {
				case code := <-done:
					return code, stderr.String()
				case <-time.After(30 * time.Second):
					t.Fatalf("no stop within 30s of SIGTERM:\n%s", stderr.String())
				}
			}
		}
	}
}

// Kafka and StarRocks unreachable at start: each is named within seconds,
// with the setting to check, and the run still stops cleanly.
func TestRunNamesUnreachableDependencies(t *testing.T) {
	kafkaAddr, feAddr := closedAddr(t), closedAddr(t)
	props := writeProps(t, "bootstrap.servers="+kafkaAddr+"\nstarrocks.http.url="+feAddr+"\n")
	code, out := runUntil(t, func(s string) bool {
		return strings.Count(s, `msg="dependency check failed"`) >= 2
	}, props)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{
		`level=ERROR msg="dependency check failed" check="Kafka brokers ` + kafkaAddr + `" problem="no answer: `,
		`fix="check bootstrap.servers=` + kafkaAddr + `: Kafka must be running and reachable from this host`,
		`level=ERROR msg="dependency check failed" check="[starrocks-kafka-connector] StarRocks FE http://` + feAddr + `" problem="unreachable: `,
		`fix="check starrocks.http.url: it is the FE's HTTP port`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// A wrong StarRocks password: named at start, and the run stops with an
// error that says which keys to fix (the load is refused for good).
func TestRunWrongPassword(t *testing.T) {
	s := checkStack(t)
	if err := s.StarRocks.CreateTable("inventory", "customers", []starrocks.Column{
		{Name: "id", Type: "INT"}, {Name: "first_name", Type: "VARCHAR(64)", Nullable: true},
		{Name: "last_name", Type: "VARCHAR(64)", Nullable: true}, {Name: "email", Type: "VARCHAR(64)", Nullable: true},
	}, []string{"id"}); err != nil {
		t.Fatal(err)
	}
	props := writeProps(t, "bootstrap.servers="+strings.Join(s.Brokers(), ",")+"\nstarrocks.http.url="+strings.TrimPrefix(s.StarRocks.FEURL(), "http://")+"\nstarrocks.password=wrong\nstarrocks.schemaless.types=none\n")
	code, out := runUntil(t, func(string) bool { return false }, props)
	if code != exitFailure {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{
		`check="[starrocks-kafka-connector] StarRocks FE ` + s.StarRocks.FEURL() + `" problem="user \"root\" was refused (HTTP 401`,
		"StarRocks refused the user: check starrocks.username and starrocks.password",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	last := out[strings.LastIndex(out, "starcdc run: "):]
	if !strings.Contains(last, "starrocks.username and starrocks.password") {
		t.Errorf("the final error does not say what to fix: %s", last)
	}
	for _, w := range append(libraryWords, "wrong") {
		if strings.Contains(out, w) {
			t.Errorf("%q in the output:\n%s", w, out)
		}
	}
}

// StarRocks going away while rows wait: the retry warnings and the final
// error (retries exhausted) say it is unreachable and which key to check.
func TestRunStarRocksUnreachable(t *testing.T) {
	s, err := devstack.Start(devstack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Produce(context.Background(), &kgo.Record{Topic: "dbserver1.inventory.customers", Value: fixtures.Read(t, "mysql195_r_snapshot_withschema.json")}); err != nil {
		t.Fatal(err)
	}
	fe := closedAddr(t)
	props := writeProps(t, "bootstrap.servers="+strings.Join(s.Brokers(), ",")+"\nstarrocks.http.url="+fe+"\nsink.maxretries=1\nstarrocks.retry.timeout.ms=0\nstarrocks.schemaless.types=none\n")
	code, out := runUntil(t, func(string) bool { return false }, props)
	if code != exitFailure {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, `level=WARN msg="loader: load failed, retrying"`) || !strings.Contains(out, "StarRocks is unreachable: check starrocks.http.url") {
		t.Errorf("no operator-worded retry warning:\n%s", out)
	}
	last := out[strings.LastIndex(out, "starcdc run: "):]
	if !strings.Contains(last, "StarRocks is unreachable: check starrocks.http.url") || !strings.Contains(last, "sink.maxretries") {
		t.Errorf("final error: %s", last)
	}
	for _, w := range libraryWords {
		if strings.Contains(out, w) {
			t.Errorf("%q in the output:\n%s", w, out)
		}
	}
}

// A wrong StarRocks password with nothing to load yet: /ready says so,
// naming the check that failed.
func TestReadyWrongPasswordBeforeAnyLoad(t *testing.T) {
	s := checkStack(t)
	if err := s.Produce(context.Background(), &kgo.Record{Topic: "dbserver1.inventory.empty", Value: nil}); err != nil {
		t.Fatal(err) // the topic exists, with one tombstone (no row)
	}
	props := writeProps(t, "bootstrap.servers="+strings.Join(s.Brokers(), ",")+"\ntopics=dbserver1.inventory.empty\nstarrocks.topic2table.map=\nstarrocks.http.url="+strings.TrimPrefix(s.StarRocks.FEURL(), "http://")+"\nstarrocks.password=wrong\nstarrocks.schemaless.types=none\n")
	addrRe := regexp.MustCompile(`ready=http://([0-9.:]+)/ready`)
	var body string
	code, out := runUntil(t, func(stderr string) bool {
		m := addrRe.FindStringSubmatch(stderr)
		if m == nil {
			return false
		}
		resp, err := http.Get("http://" + m[1] + "/ready")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == 503 && strings.Contains(body, "was refused")
	}, props, "--http-addr", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	want := `{"ready":false,"connector":"starrocks-kafka-connector","reason":"StarRocks check failed: [starrocks-kafka-connector] StarRocks FE ` + s.StarRocks.FEURL() + `: user \"root\" was refused (HTTP 401 Access denied for root@127.0.0.1)"}` + "\n"
	if body != want {
		t.Errorf("/ready body\n%s\nwant\n%s", body, want)
	}
}
