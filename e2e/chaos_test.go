package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/devstack/starrocks"
)

// Helpers of the exactly-once chaos tests (exactlyonce_test.go): a
// producer of uniquely numbered change events, a tally of the faults that
// acted, and the check that every produced change is stored exactly once.

// produced is where one change event went: its id is unique over the
// test, so a row stored twice or missing names its record.
type produced struct {
	id        int64
	table     string
	partition int32
	offset    int64
}

// eoProducer writes change events (op c, a unique id each) to topics, one
// table per topic, at a steady rate from its own goroutine, and remembers
// every record Kafka acknowledged.
type eoProducer struct {
	cl     *kgo.Client
	topics []string          // topic i feeds tables[i]
	tables map[string]string // topic → table
	parts  int32

	mu   sync.Mutex
	recs []produced
	err  error

	stop chan struct{}
	done chan struct{}
}

// startProducer produces batch records every tick until stopped: a batch
// spreads over the topics round-robin and over each topic's partitions.
func startProducer(t *testing.T, s *devstack.Stack, topic2table map[string]string, parts int32, batch int, tick time.Duration) *eoProducer {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	p := &eoProducer{cl: cl, tables: topic2table, parts: parts, stop: make(chan struct{}), done: make(chan struct{})}
	for topic := range topic2table {
		p.topics = append(p.topics, topic)
	}
	slices.Sort(p.topics)
	go p.run(batch, tick)
	t.Cleanup(func() { p.halt() })
	return p
}

func (p *eoProducer) run(batch int, tick time.Duration) {
	defer close(p.done)
	defer p.cl.Close()
	tk := time.NewTicker(tick)
	defer tk.Stop()
	next := int64(1)
	for {
		select {
		case <-p.stop:
			return
		case <-tk.C:
		}
		recs := make([]*kgo.Record, 0, batch)
		for range batch {
			id := next
			next++
			topic := p.topics[int(id)%len(p.topics)]
			recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(id/int64(len(p.topics))) % p.parts,
				Key:   []byte(fmt.Sprintf(`{"id":%d}`, id)),
				Value: []byte(fmt.Sprintf(`{"before":null,"after":{"id":%d,"v":"r%d"},"source":{"connector":"mysql"},"op":"c"}`, id, id))})
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		res := p.cl.ProduceSync(ctx, recs...)
		cancel()
		p.mu.Lock()
		for _, r := range res {
			if r.Err != nil {
				// An unacknowledged record may or may not be in Kafka: the
				// count would be unknown. Stop and fail the test.
				p.err = fmt.Errorf("producing: %w", r.Err)
				continue
			}
			id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(string(r.Record.Key), `{"id":`), "}"), 10, 64)
			p.recs = append(p.recs, produced{id: id, table: p.tables[r.Record.Topic], partition: r.Record.Partition, offset: r.Record.Offset})
		}
		failed := p.err != nil
		p.mu.Unlock()
		if failed {
			return
		}
	}
}

// halt stops producing and waits for the last batch; it returns every
// acknowledged record and the first produce error.
func (p *eoProducer) halt() ([]produced, error) {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.recs), p.err
}

func (p *eoProducer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.recs)
}

// tally counts, by name, the faults and kills that took effect.
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func newTally() *tally { return &tally{n: map[string]int{}} }

func (c *tally) add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[name]++
}

func (c *tally) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

func (c *tally) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.n {
		n += v
	}
	return n
}

func (c *tally) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	for k, v := range c.n {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// streamLoadFaults are the Stream Load faults injected while records stream in,
// each once, aimed at a table: every one is survived by the loader on its
// own (retried, or the load known committed). Those that make StarRocks
// answer Label Already Exists do so in the states a label can be in while
// it is held: RUNNING (a load still running after its client was cut
// off; then committed, or aborted and the label free again) and FINISHED
// (a load committed before its reply was lost, a load run twice by a
// proxy, a publish timeout's COMMITTED load).
var streamLoadFaults = []namedFault{
	{"fe500", starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultHTTP500}},
	{"fe503", starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultHTTP500, Code: 503}},
	{"be502", starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultBE5xx, Code: 502}},
	{"be503", starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultBE5xx, Code: 503}},
	{"reset-after-commit(LAE FINISHED)", starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultResetAfterBody}},
	{"publish-timeout(COMMITTED)", starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultPublishTimeout, Delay: 1500 * time.Millisecond}},
	{"reset-running-commits(LAE RUNNING)", starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultResetRunning, Delay: time.Second}},
	{"reset-running-aborts(LAE RUNNING→ABORTED)", starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultResetRunning, Delay: time.Second, Message: "load timed out (injected)"}},
	{"proxy-duplicate(LAE FINISHED)", starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultDuplicate}},
	{"fail", starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultFail, Message: "current running txns on db 10 is 1000, larger than limit 1000"}},
}

// namedFault is a fault and the name a test reports it by.
type namedFault struct {
	name string
	f    starrocks.Fault
}

// txnFaults are the transaction interface's faults injected while records
// stream in (starrocks.load.mode=transaction), each once, aimed at a
// table: every one is survived by the loader on its own.
var txnFaults = []namedFault{
	{"fe500-begin", starrocks.Fault{Op: "begin", Kind: starrocks.FaultHTTP500}},
	{"be503-load", starrocks.Fault{Op: "load", Kind: starrocks.FaultBE5xx, Code: 503}},
	{"be502-prepare", starrocks.Fault{Op: "prepare", Kind: starrocks.FaultBE5xx, Code: 502}},
	{"fe500-commit", starrocks.Fault{Op: "commit", Kind: starrocks.FaultHTTP500}},
	{"reset-after-commit", starrocks.Fault{Op: "commit", Kind: starrocks.FaultResetAfterBody}},
	{"publish-timeout-commit", starrocks.Fault{Op: "commit", Kind: starrocks.FaultPublishTimeout, Delay: 1500 * time.Millisecond}},
	{"commit-fails-after-commit", starrocks.Fault{Op: "commit", Kind: starrocks.FaultCommitFailsAfterCommit}},
	{"in-processing-prepare", starrocks.Fault{Op: "prepare", Kind: starrocks.FaultInProcessing}},
	{"proxy-duplicate-prepare", starrocks.Fault{Op: "prepare", Kind: starrocks.FaultDuplicate}},
	{"fail-load", starrocks.Fault{Op: "load", Kind: starrocks.FaultFail, Message: "current running txns on db 10 is 1000, larger than limit 1000"}},
}

// loadStateFaults are faults of get_load_state, which a process asks when
// it replays part of an epoch: aimed at one user's requests, so that the
// test's own probes (as root) pass.
var loadStateFaults = []namedFault{
	{"get_load_state-fe500", starrocks.Fault{Op: "get_load_state", Kind: starrocks.FaultHTTP500}},
	{"get_load_state-reset", starrocks.Fault{Op: "get_load_state", Kind: starrocks.FaultResetAfterBody}},
}

// injectLoadStateFault injects get_load_state fault k once for user's
// requests, counting it in acted when it takes effect.
func injectLoadStateFault(s *devstack.Stack, k int, user string, acted *tally) {
	fk := loadStateFaults[k]
	f := fk.f
	f.User, f.Times = user, 1
	f.Acted = func() { acted.add(fk.name) }
	s.StarRocks.Inject(f)
}

// pendingEpochs returns the epochs whose intents group's committed
// offsets hold, each with whether it was marked split.
func pendingEpochs(t *testing.T, s *devstack.Stack, group string) map[string]bool {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offs, err := kadm.NewClient(cl).FetchOffsets(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	offs.Each(func(o kadm.OffsetResponse) {
		// starcdc-eo1;<name>;<parts>;<end>[;split] (replicator/epoch.go)
		f := strings.Split(o.Metadata, ";")
		if len(f) < 4 || f[0] != "starcdc-eo1" {
			return
		}
		if end, err := strconv.ParseInt(f[3], 10, 64); err != nil || end <= o.At {
			return
		}
		out[f[1]] = out[f[1]] || len(f) == 5 && f[4] == "split"
	})
	return out
}

// labelState asks the emulator's FE, as root, for the state of label.
func labelState(t *testing.T, s *devstack.Stack, label string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.StarRocks.FEURL()+"/api/"+db+"/get_load_state?label="+label, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("root", "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("get_load_state %s: %v", label, err)
	}
	defer resp.Body.Close()
	var m struct{ State string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("get_load_state %s: %v", label, err)
	}
	return m.State
}

// injectFault injects fk once, aimed at table, counting it in acted when
// it takes effect.
func injectFault(s *devstack.Stack, fk namedFault, table string, acted *tally) {
	f := fk.f
	f.Table, f.Times = table, 1
	f.Acted = func() { acted.add(fk.name) }
	s.StarRocks.Inject(f)
}

// checkExactlyOnce fails t unless every produced change is stored in its
// table exactly once and nothing else is; it returns the rows and the
// duplicates found over all tables.
func checkExactlyOnce(t *testing.T, s *devstack.Stack, recs []produced, tables []string) (rowsN, dups int) {
	t.Helper()
	want := map[string]map[int64]produced{}
	for _, tb := range tables {
		want[tb] = map[int64]produced{}
	}
	for _, r := range recs {
		want[r.table][r.id] = r
	}
	for _, tb := range tables {
		got := rows(t, s, tb)
		d, err := s.StarRocks.Duplicates(db, tb)
		if err != nil {
			t.Fatal(err)
		}
		rowsN += len(got)
		dups += d
		seen := map[int64]int{}
		var foreign []string
		for _, r := range got {
			id, err := strconv.ParseInt(r["id"].(string), 10, 64)
			if err != nil {
				t.Fatalf("table %s: row %v", tb, r)
			}
			if _, ok := want[tb][id]; !ok || r["v"] != fmt.Sprintf("r%d", id) {
				foreign = append(foreign, fmt.Sprint(r))
			}
			seen[id]++
		}
		var twice, missing []produced
		for id, n := range seen {
			if n > 1 {
				twice = append(twice, want[tb][id])
			}
		}
		for id, p := range want[tb] {
			if seen[id] == 0 {
				missing = append(missing, p)
			}
		}
		if d != 0 || len(got) != len(want[tb]) || len(twice)+len(missing)+len(foreign) > 0 {
			t.Errorf("table %s: %d rows for %d produced changes, Duplicates=%d; %d changes stored more than once, at %s; %d missing, at %s; %d rows not produced %v",
				tb, len(got), len(want[tb]), d, len(twice), offsetRanges(twice), len(missing), offsetRanges(missing), len(foreign), head(foreign))
		}
	}
	return rowsN, dups
}

// offsetRanges says where records are in their topic: partition: offset
// ranges [from, to).
func offsetRanges(recs []produced) string {
	byPart := map[int32][]int64{}
	for _, r := range recs {
		byPart[r.partition] = append(byPart[r.partition], r.offset)
	}
	var out []string
	for _, p := range slices.Sorted(maps.Keys(byPart)) {
		offs := byPart[p]
		slices.Sort(offs)
		var rs []string
		for i := 0; i < len(offs); {
			j := i + 1
			for j < len(offs) && offs[j] == offs[j-1]+1 {
				j++
			}
			rs = append(rs, fmt.Sprintf("[%d,%d)", offs[i], offs[j-1]+1))
			i = j
		}
		out = append(out, fmt.Sprintf("partition %d %s", p, strings.Join(head(rs), " ")))
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, "; ")
}

func head(s []string) []string {
	if len(s) > 20 {
		return append(s[:20:20], "…")
	}
	return s
}

// kill SIGKILLs p and waits for it to be gone.
func kill(t *testing.T, p *proc) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-p.done
	p.done <- err
}

// exited reports whether p has exited, and how.
func exited(p *proc) (bool, error) {
	select {
	case err := <-p.done:
		p.done <- err
		return true, err
	default:
		return false, nil
	}
}

// waitLoading waits until p has durably loaded a row (its
// starcdc_load_rows_total is positive) and returns how long that took
// from since; ok is false when p exited first or limit passed.
func waitLoading(p *proc, since time.Time, limit time.Duration) (time.Duration, bool) {
	for time.Since(since) < limit {
		if gone, _ := exited(p); gone {
			return 0, false
		}
		if p.counter("starcdc_load_rows_total") > 0 {
			return time.Since(since), true
		}
		time.Sleep(25 * time.Millisecond)
	}
	return 0, false
}

// durations summarises restart times: min / median / max.
func durations(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
	return fmt.Sprintf("min %v / median %v / max %v over %d", r(s[0]), r(s[len(s)/2]), r(s[len(s)-1]), len(s))
}

// sleepOrExit sleeps d, returning early (true) when p exits.
func sleepOrExit(p *proc, d time.Duration) bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	case <-time.After(d):
		return false
	}
}

// newRand returns a random source and its seed, for the test's log.
func newRand() (*rand.Rand, uint64) {
	seed := rand.Uint64()
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), seed
}
