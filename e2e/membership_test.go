package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
)

// buildStarcdc builds the starcdc binary once per test binary.
var buildStarcdc = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "starcdc-e2e-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "starcdc")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/starcdc/starcdc/cmd/starcdc").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// proc is a `starcdc run` process.
type proc struct {
	cmd     *exec.Cmd
	metrics string // base URL of its /metrics
	stderr  *bytes.Buffer
	mu      *sync.Mutex
	done    chan error
}

func startProcess(t *testing.T, props map[string]string) *proc {
	t.Helper()
	bin, err := buildStarcdc()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for k, v := range props {
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	file := filepath.Join(t.TempDir(), "connector.properties")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// Port 0: the process logs the address it bound, which the test reads
	// (a port picked here and closed could be taken by another process).
	p := &proc{cmd: exec.Command(bin, "run", "--metrics-addr", "127.0.0.1:0", file),
		stderr: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	pipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			if _, url, ok := strings.Cut(line, `msg="serving Prometheus metrics" url=`); ok && p.metrics == "" {
				p.metrics = strings.TrimSpace(url)
			}
			p.mu.Unlock()
		}
		io.Copy(io.Discard, pipe)
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGCONT)
		p.cmd.Process.Kill()
		<-p.done
		p.done <- nil
		if t.Failed() {
			t.Logf("stderr of pid %d:\n%s", p.cmd.Process.Pid, p.log())
		}
	})
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// counter reads one unlabelled-by-table counter (summed over its series)
// from the process's /metrics; -1 when it cannot be read.
func (p *proc) counter(name string) float64 {
	p.mu.Lock()
	url := p.metrics
	p.mu.Unlock()
	if url == "" {
		return -1
	}
	resp, err := http.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sum := 0.0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}

// TestPausedMemberLoadsNothingStale: two `starcdc run` processes share four
// partitions. One is paused (SIGSTOP) in the middle of a load, past its
// session timeout: its request is at the BE, which is busy and has not read
// the body yet. The other process takes the partitions over and loads
// their rows, then newer updates and deletes of every row. When the paused
// process resumes, the BE is ready for its body: it must not send it (nor
// start any other load), since its rows would overwrite the new owner's
// newer ones. Every row of the table is checked.
//
// With the transaction interface the same holds: the stalled call is a
// transaction's load, and the paused process neither sends its body nor
// prepares or commits the transaction after it resumes.
func TestPausedMemberLoadsNothingStale(t *testing.T) {
	for _, mode := range []string{"stream_load", "transaction"} {
		t.Run(mode, func(t *testing.T) { t.Parallel(); pausedMember(t, mode) })
	}
}

func pausedMember(t *testing.T, mode string) {
	s, err := devstack.Start(devstack.Options{Users: map[string]string{"root": "", "a": "pw-a", "b": "pw-b"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.StarRocks.CreateDatabase(db); err != nil {
		t.Fatal(err)
	}
	createTable(t, s, "customers", customerCols...)
	if err := s.Kafka.CreateTopic("pause", 4, nil); err != nil {
		t.Fatal(err)
	}
	props := connectorProps(s, "pause", false, "pause", "pause:customers")
	props["starrocks.load.mode"] = mode
	props["consumer.session.timeout.ms"] = "6000" // kfake's minimum
	props["consumer.heartbeat.interval.ms"] = "1000"
	props["consumer.max.poll.interval.ms"] = "10000"
	// Rows wait 8 s in the buffer: the paused process holds unloaded rows.
	props["bufferflush.intervalms"] = "8000"
	event := func(op string, id int, last string) *kgo.Record { return customerEvent("pause", 4, op, id, last) }
	produceRecs := func(recs []*kgo.Record) { produceAll(t, s, recs) }
	// The two processes load as different users, so that the BE's stall
	// can pick the first one's load.
	stalled := make(chan struct{})
	op := "stream_load"
	if mode == "transaction" {
		op = "load"
	}
	s.StarRocks.Inject(starrocks.Fault{Op: op, Table: "customers", User: "a", Times: 1,
		Kind: starrocks.FaultStallBody, Delay: 10 * time.Second, Acted: func() { close(stalled) }})
	as := maps.Clone(props)
	as["starrocks.username"], as["starrocks.password"] = "a", "pw-a"
	bs := maps.Clone(props)
	bs["starrocks.username"], bs["starrocks.password"] = "b", "pw-b"
	// Two processes on one host: each needs its own group instance id.
	as[config.KeyGroupInstanceIDOverride], bs[config.KeyGroupInstanceIDOverride] = "pause-a", "pause-b"
	a := startProcess(t, as)
	b := startProcess(t, bs)
	waitMembers(t, s, "connect-pause", 2)

	var recs []*kgo.Record
	for id := 1; id <= 200; id++ {
		recs = append(recs, event("c", id, "v1"))
	}
	produceRecs(recs)
	testutil.Eventually(t, "both processes fetched every record", 20*time.Second, func() bool {
		return a.counter("starcdc_records_total")+b.counter("starcdc_records_total") == 200
	})
	select {
	case <-stalled:
	case <-time.After(30 * time.Second):
		t.Fatal("the first process made no load")
	}
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// b takes over a's partitions once a's session expires, and loads the
	// v1 rows of all of them.
	waitMembers(t, s, "connect-pause", 1)
	testutil.Eventually(t, "the survivor loaded every v1 row", 40*time.Second, func() bool { return len(rows(t, s, "customers")) == 200 })

	recs = recs[:0]
	for id := 1; id <= 200; id++ {
		if id%10 == 0 {
			recs = append(recs, event("d", id, "v1"), &kgo.Record{Topic: "pause", Partition: int32(id % 4), Key: []byte(fmt.Sprintf(`{"id":%d}`, id))})
		} else {
			recs = append(recs, event("u", id, "v2"))
		}
	}
	produceRecs(recs)
	v2 := func() bool {
		got := rows(t, s, "customers")
		if len(got) != 180 {
			return false
		}
		for _, r := range got {
			if r["last_name"] != "v2" {
				return false
			}
		}
		return true
	}
	testutil.Eventually(t, "the survivor loaded the v2 updates and deletes", 40*time.Second, v2)

	// Resume the paused process: its buffered v1 rows are due at once.
	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// Either it stops, saying it lost its partitions while their rows were
	// still loading, or — exactly-once delivery — it had nothing stale in
	// flight that could load (what it gathered is dropped with the lost
	// partitions; its epoch's loads carry the labels the survivor's replay
	// already used) and it rejoins the group as a static member. Either
	// way it must load nothing stale, checked below after a while.
	select {
	case err := <-a.done:
		a.done <- err
		if err == nil {
			t.Fatalf("the resumed process exited 0; want an error saying it lost its partitions")
		}
		if l := a.log(); !strings.Contains(l, "lost") && !strings.Contains(l, "no longer counts this process as a member") {
			t.Errorf("the resumed process did not say why it stopped:\n%s", l)
		}
	case <-time.After(20 * time.Second):
		a.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-a.done:
			a.done <- err
		case <-time.After(30 * time.Second):
			t.Fatal("the resumed process, still running, did not stop within 30 s of SIGTERM")
		}
	}
	// Every row is the survivor's newest: no v1 value restored, no
	// deleted row back.
	got := rows(t, s, "customers")
	if len(got) != 180 {
		t.Fatalf("%d rows after the resumed process stopped, want 180", len(got))
	}
	for _, r := range got {
		if r["last_name"] != "v2" {
			t.Errorf("row %v: an old value was loaded over the new owner's", r)
		}
		if id := r["id"].(string); strings.HasSuffix(id, "0") {
			t.Errorf("row %v: a deleted row came back", r)
		}
	}
	// The survivor goes on and stops cleanly.
	b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-b.done:
		b.done <- err
		if err != nil {
			t.Fatalf("the survivor exited with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the survivor did not stop within 60 s of SIGTERM")
	}
	drainCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := devstack.WaitDrained(drainCtx, s.Brokers(), "connect-pause", "pause"); err != nil {
		t.Errorf("offsets not committed to the end: %v", err)
	}
}
