package e2e

import (
	"context"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/loader"
)

// Exactly-once delivery (starrocks.delivery=exactly_once, the default)
// end to end, with the real binary: changes stream into DUPLICATE KEY
// tables — where a row loaded twice is stored twice — while processes are
// SIGKILLed at random moments (some in the middle of a load) and
// restarted, and Stream Load faults are injected. Once producing stops and
// the group has committed every record, each produced change must be in
// its table exactly once.

// eoTables maps the chaos tests' topics to their DUPLICATE KEY tables.
var eoTables = map[string]string{"eo_a": "dup_a", "eo_b": "dup_b", "eo_c": "dup_c"}

// eoStack starts a devstack with users (nil: root) and the topics and
// DUPLICATE KEY tables of topic2table, parts partitions each, and returns
// the connector's properties and the tables.
func eoStack(t *testing.T, name string, users, topic2table map[string]string, parts int32) (*devstack.Stack, map[string]string, []string) {
	t.Helper()
	s, err := devstack.Start(devstack.Options{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.StarRocks.CreateDatabase(db); err != nil {
		t.Fatal(err)
	}
	var topics, tables, m []string
	for topic, table := range topic2table {
		cols := []starrocks.Column{{Name: "id", Type: "BIGINT"}, {Name: "v", Type: "VARCHAR(32)", Nullable: true}}
		if err := s.StarRocks.CreateTableKind(db, table, cols, []string{"id"}, starrocks.KindDuplicate); err != nil {
			t.Fatal(err)
		}
		if err := s.Kafka.CreateTopic(topic, parts, nil); err != nil {
			t.Fatal(err)
		}
		topics = append(topics, topic)
		tables = append(tables, table)
		m = append(m, topic+":"+table)
	}
	slices.Sort(topics)
	slices.Sort(tables)
	props := connectorProps(s, name, false, strings.Join(topics, ","), strings.Join(m, ","))
	return s, props, tables
}

// killKind is how a chaos cycle ends its process.
type killKind int

const (
	killPlain   killKind = iota // at a random moment
	killStartup                 // right after start, while intents are read and replayed
	killSlow                    // mid-load: the load applied, its reply held back (FaultSlow)
	killStall                   // mid-load: the BE has not read the body yet (FaultStallBody)
	killRunning                 // mid-load: the load running on after a reset (FaultResetRunning)
	killPublish                 // mid-load: the load COMMITTED, not yet VISIBLE (FaultPublishTimeout)
	numKillKinds
)

var killNames = [...]string{"plain", "startup", "mid-load-applied", "mid-load-before-body", "mid-load-running", "mid-load-committed"}

// killName names kill kind k; with the transaction interface (txn)
// killRunning is a kill between prepare and commit.
func killName(txn bool, k killKind) string {
	if txn && k == killRunning {
		return "mid-load-prepared"
	}
	return killNames[k]
}

// armKill returns a channel that receives once a load of table by user
// ("" any) starts with the fault of kind k (not for killPlain,
// killStartup: nil). With the transaction interface (txn) the faults act
// on the transaction's calls: killSlow and killPublish on its commit,
// killStall on its load call, killRunning on its prepare (the reply held
// back: the process dies with the transaction PREPARED).
func armKill(s *devstack.Stack, txn bool, k killKind, table, user string, acted *tally) <-chan struct{} {
	var f starrocks.Fault
	op := "stream_load"
	switch k {
	case killSlow:
		f = starrocks.Fault{Kind: starrocks.FaultSlow, Delay: 3 * time.Second}
		if txn {
			op = "commit"
		}
	case killStall:
		f = starrocks.Fault{Kind: starrocks.FaultStallBody, Delay: 3 * time.Second}
		if txn {
			op = "load"
		}
	case killRunning:
		f = starrocks.Fault{Kind: starrocks.FaultResetRunning, Delay: 1500 * time.Millisecond}
		if txn {
			f, op = starrocks.Fault{Kind: starrocks.FaultSlow, Delay: 3 * time.Second}, "prepare"
		}
	case killPublish:
		f = starrocks.Fault{Kind: starrocks.FaultPublishTimeout, Delay: 3 * time.Second}
		if txn {
			op = "commit"
		}
	default:
		return nil
	}
	ch := make(chan struct{}, 1)
	f.Op, f.Table, f.User, f.Times = op, table, user, 1
	name := "kill-" + killName(txn, k)
	f.Acted = func() {
		acted.add(name)
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	s.StarRocks.Inject(f)
	return ch
}

// chaosRun is the state of one chaos test.
type chaosRun struct {
	t        *testing.T
	s        *devstack.Stack
	rng      *rand.Rand
	txn      bool // starrocks.load.mode=transaction
	tables   []string
	faults   *tally // faults that took effect
	kills    *tally // kills by kind
	resume   []time.Duration
	crash    []string // processes that exited on their own
	procs    []*proc  // every process started
	group    string   // the connector's consumer group
	prefix   string   // the connector's label prefix
	next     int      // the next of faultKinds to inject
	injected int      // faults injected, besides those that kill
	// atKill counts, over the kills, the table loads of the epochs whose
	// intents were pending, by their label's state at the kill: what the
	// replay meets (VISIBLE/COMMITTED: Label Already Exists FINISHED;
	// PREPARE: RUNNING; UNKNOWN/ABORTED: a fresh load).
	atKill *tally
	// between, when set, is called by startAll between two starts.
	between func(props map[string]string)
	started map[*proc]time.Time         // when each process was started
	props   map[*proc]map[string]string // each process's properties
}

func newChaosRun(t *testing.T, s *devstack.Stack, tables []string, name string) (*chaosRun, uint64) {
	rng, seed := newRand()
	return &chaosRun{t: t, s: s, rng: rng, tables: tables, faults: newTally(), kills: newTally(), atKill: newTally(),
		group: "connect-" + name, prefix: "starcdc-" + name, started: map[*proc]time.Time{}, props: map[*proc]map[string]string{}}, seed
}

// probe records the states of the pending epochs' loads, just after a
// kill.
func (c *chaosRun) probe() {
	for name, split := range pendingEpochs(c.t, c.s, c.group) {
		if split {
			c.atKill.add("split")
			continue
		}
		for _, tb := range c.tables {
			c.atKill.add(labelState(c.t, c.s, loader.Label(c.prefix, tb, name)))
		}
	}
}

// waitJoined waits until the process of props joined the group, or a
// rebalance is under way: what startAll does between two starts to have
// the second process join the rebalance the first one started.
func (c *chaosRun) waitJoined(props map[string]string) {
	eventually(c.t, "the restarted member joined", 10*time.Second, func() bool {
		g := describe(c.t, c.s, c.group)
		if g.State != "Stable" {
			return true
		}
		for _, m := range g.Members {
			if m.InstanceID != nil && *m.InstanceID == props[config.KeyGroupInstanceIDOverride] {
				return true
			}
		}
		return false
	})
}

// cues counts the faults that cued a mid-load kill.
func (c *chaosRun) cues() int {
	n := 0
	for k := range numKillKinds {
		n += c.faults.get("kill-" + killName(c.txn, k))
	}
	return n
}

// logged counts the lines of every process's log that contain msg.
func (c *chaosRun) logged(msg string) int {
	n := 0
	for _, p := range c.procs {
		n += strings.Count(p.log(), msg)
	}
	return n
}

// cycle lets p run and ends it with a SIGKILL of kind k; user aims the
// mid-load faults at p's loads. It also injects a Stream Load fault or two
// for p's loads to survive meanwhile.
func (c *chaosRun) cycle(p *proc, k killKind, user string) {
	t := c.t
	for range 1 + c.rng.IntN(2) {
		faults := streamLoadFaults
		if c.txn {
			faults = txnFaults
		}
		injectFault(c.s, faults[c.next%len(faults)], c.tables[c.rng.IntN(len(c.tables))], c.faults)
		c.injected++
		c.next++
	}
	switch k {
	case killStartup:
		c.sleep(p, time.Duration(50+c.rng.IntN(400))*time.Millisecond)
	case killPlain:
		c.sleep(p, time.Duration(200+c.rng.IntN(2500))*time.Millisecond)
	default:
		// A while of normal loading first, then the next load of a table
		// is the one killed.
		c.sleep(p, time.Duration(c.rng.IntN(1000))*time.Millisecond)
		ch := armKill(c.s, c.txn, k, c.tables[c.rng.IntN(len(c.tables))], user, c.faults)
		select {
		case <-ch:
			// Within the load: at once, or a moment later.
			time.Sleep(time.Duration(c.rng.IntN(60)) * time.Millisecond)
		case <-time.After(8 * time.Second):
			t.Logf("no load of the armed table within 8 s: plain kill")
		case err := <-p.done:
			p.done <- err
		}
	}
	if gone, err := exited(p); gone {
		c.crashed(p, err)
		return
	}
	kill(t, p)
	c.kills.add(killName(c.txn, k))
	c.probe()
}

func (c *chaosRun) sleep(p *proc, d time.Duration) { sleepOrExit(p, d) }

// start starts a process and records how long it took to load again;
// a restart that loads nothing within 30 s fails the test.
func (c *chaosRun) start(props map[string]string) *proc { return c.startAll(props)[0] }

// startAll starts a process for each of props at once, and waits for each
// to load (see start). A process that exits on its own instead fails the
// test and is started again, so that the run goes on to its check.
func (c *chaosRun) startAll(props ...map[string]string) []*proc {
	var ps []*proc
	for i, pr := range props {
		ps = append(ps, c.launch(pr))
		if i+1 < len(props) && c.between != nil {
			c.between(pr)
		}
	}
	for i, p := range ps {
		for try := 0; ; try++ {
			d, ok := waitLoading(p, c.started[p], 30*time.Second)
			if ok {
				c.resume = append(c.resume, d)
				c.t.Logf("start %d (pid %d): first durable load %v after its start", len(c.resume), p.cmd.Process.Pid, d.Round(10*time.Millisecond))
				break
			}
			gone, err := exited(p)
			if !gone || try == 2 {
				c.t.Fatalf("pid %d loaded nothing within 30 s of its start (exited %v: %v):\n%s", p.cmd.Process.Pid, gone, err, p.log())
			}
			c.crashed(p, err)
			p = c.launch(props[i])
			ps[i] = p
		}
	}
	return ps
}

// launch starts a process.
func (c *chaosRun) launch(props map[string]string) *proc {
	started := time.Now()
	p := startProcess(c.t, props)
	c.started[p] = started
	c.props[p] = props
	c.procs = append(c.procs, p)
	return p
}

// crashed fails the test for a process that exited on its own, saying
// why.
func (c *chaosRun) crashed(p *proc, err error) {
	lines := strings.Split(strings.TrimSpace(p.log()), "\n")
	why := lines[len(lines)-1]
	c.crash = append(c.crash, why)
	c.t.Errorf("pid %d exited on its own (%v), not killed: %s", p.cmd.Process.Pid, err, why)
}

// finish stops producing, waits until the group committed every record
// with ps running, stops them with SIGTERM and checks the tables.
func (c *chaosRun) finish(prod *eoProducer, group string, topics []string, ps ...*proc) (rowsN, dups, n int) {
	t := c.t
	recs, err := prod.halt()
	if err != nil {
		t.Fatal(err)
	}
	// A process that stopped on its own fails the test; another takes its
	// place, so that the check below still runs.
	for i, p := range ps {
		if gone, err := exited(p); gone {
			c.crashed(p, err)
			ps[i] = c.start(c.props[p])
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	drained := time.Now()
	if err := devstack.WaitDrained(ctx, c.s.Brokers(), group, topics...); err != nil {
		t.Errorf("lag not 0: %v", err)
	}
	t.Logf("drained %v after producing stopped", time.Since(drained).Round(10*time.Millisecond))
	for _, p := range ps {
		if gone, err := exited(p); gone {
			c.crashed(p, err)
			continue
		}
		stopWithin(t, p, 30*time.Second)
	}
	rowsN, dups = checkExactlyOnce(t, c.s, recs, c.tables)
	return rowsN, dups, len(recs)
}

// TestExactlyOnceChaos: one process, three DUPLICATE KEY tables fed by
// three topics of four partitions, about 1.5k changes a second streaming
// in. The process is SIGKILLed twelve times — at random moments, right
// after its start, and in the middle of a load — and restarted each time,
// while loading faults are injected. At the end every change is stored
// exactly once.
//
// stream_load: the kills come with a load applied but unanswered, before
// its body was read, running on after a reset, committed but not visible;
// the faults are FE and BE 5xx, a reset after the load committed, Publish
// Timeout, Label Already Exists RUNNING then committed or aborted,
// FINISHED (a reset, a proxy's replay), a transient Fail.
//
// transaction (starrocks.load.mode=transaction): the kills come with a
// commit applied but unanswered, a load call before its body was read, a
// transaction PREPARED but not committed, a commit COMMITTED but not
// visible; the faults are FE 500 on begin and commit, BE 5xx on load and
// prepare, a reset after the commit applied, a publish timeout, a commit
// applied but answered as failed, TXN_IN_PROCESSING, a prepare run twice
// by a proxy, a transient load failure.
func TestExactlyOnceChaos(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"stream_load", "transaction"} {
		t.Run(mode, func(t *testing.T) { t.Parallel(); chaosOneProcess(t, mode) })
	}
}

func chaosOneProcess(t *testing.T, mode string) {
	name := map[string]string{"stream_load": "eochaos", "transaction": "eotxn"}[mode]
	s, props, tables := eoStack(t, name, nil, eoTables, 4)
	props["starrocks.load.mode"] = mode
	c, seed := newChaosRun(t, s, tables, name)
	c.txn = mode == "transaction"
	rng := c.rng
	prod := startProducer(t, s, eoTables, 4, 30, 20*time.Millisecond)

	// Every kind of kill at least twice, in random order.
	var plan []killKind
	for k := range numKillKinds {
		plan = append(plan, k, k)
	}
	rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	for _, k := range plan {
		p := c.start(props)
		c.cycle(p, k, "")
	}
	last := c.start(props)

	c.sleep(last, time.Second)
	topics := slices.Sorted(maps.Keys(eoTables))
	rowsN, dups, n := c.finish(prod, c.group, topics, last)
	t.Logf("SUMMARY TestExactlyOnceChaos/%s (seed %d): 1 process, %d SIGKILLs [%v], %d faults acted of %d injected (and %d mid-load kill cues) [%v], %d changes produced, %d rows stored, %d duplicates; %d partitions replayed; %d processes exited on their own; epoch loads pending at the kills, by label state [%v]; restart to first durable load: %s",
		mode, seed, c.kills.total(), c.kills, c.faults.total()-c.cues(), c.injected, c.cues(), c.faults, n, rowsN, dups, c.logged("replaying an exactly-once epoch first"), len(c.crash), c.atKill, durations(c.resume))
}

// TestExactlyOnceChaosTwoProcesses: two processes share the group (their
// own instance ids, their own StarRocks users so that a mid-load kill is
// aimed at one). They are SIGKILLed in turn, ten times, and restarted:
// mostly at once (a static member takes its old place; kfake rebalances
// only when it was the group's leader), and twice only after the
// coordinator dropped the dead member, so that the survivor takes its
// partitions over and replays its epoch. After the second of those the
// survivor is killed too, before the body of one of its loads was read
// (that table's rows of the epoch are not in StarRocks), and both restart
// together so that each holds a part of that epoch: each replays its part
// (get_load_state per table, per-partition labels for the table not
// loaded), meeting a get_load_state fault (FE 500, connection reset)
// once. The same Stream Load faults as TestExactlyOnceChaos are injected
// meanwhile. At the end every change is stored exactly once, and no
// process exited but by a kill.
func TestExactlyOnceChaosTwoProcesses(t *testing.T) {
	t.Parallel()
	users := map[string]string{"root": "", "a": "pw-a", "b": "pw-b"}
	s, props, tables := eoStack(t, "eopair", users, eoTables, 4)
	props["consumer.session.timeout.ms"] = "6000" // kfake's minimum: a dead member goes quickly
	props["consumer.heartbeat.interval.ms"] = "1000"
	c, seed := newChaosRun(t, s, tables, "eopair")

	rng := c.rng
	as := withInstanceID(props, "eopair-a")
	as["starrocks.username"], as["starrocks.password"] = "a", "pw-a"
	bs := withInstanceID(props, "eopair-b")
	bs["starrocks.username"], bs["starrocks.password"] = "b", "pw-b"
	cfgs := [2]map[string]string{as, bs}
	users2 := [2]string{"a", "b"}

	prod := startProducer(t, s, eoTables, 4, 30, 20*time.Millisecond)
	ps := [2]*proc{c.start(as), nil}
	ps[1] = c.start(bs)
	waitMembers(t, s, "connect-eopair", 2)

	// Ten kills in turn; the 4th and 8th wait for the coordinator to drop
	// the dead member before it restarts, and after the 8th the survivor
	// is killed as well.
	kinds := []killKind{killPlain, killSlow, killStall, killRunning, killPublish, killStartup, killPlain, killSlow, killStall, killRunning}
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	var takeovers []time.Duration
	for i, k := range kinds {
		x := i % 2
		c.cycle(ps[x], k, users2[x])
		if i == 3 || i == 7 {
			dead := time.Now()
			before := ps[1-x].counter("starcdc_load_rows_total")
			eventually(t, "the coordinator dropped the killed member", 30*time.Second, func() bool {
				return len(describe(t, s, "connect-eopair").Members) == 1
			})
			waitMembers(t, s, "connect-eopair", 1)
			// The survivor loads the dead member's partitions (and its own).
			eventually(t, "the survivor loaded after the takeover", 30*time.Second, func() bool {
				return ps[1-x].counter("starcdc_load_rows_total") > before
			})
			takeovers = append(takeovers, time.Since(dead))
			c.sleep(ps[1-x], time.Duration(500+rng.IntN(1500))*time.Millisecond)
			c.kills.add("with-takeover")
			if i == 7 {
				// The survivor dies too, in the middle of a load of an
				// epoch over every partition; both restart at once and
				// each is assigned a part of that epoch.
				c.cycle(ps[1-x], killStall, users2[1-x])
				c.kills.add("both-down")
				// The dead one first: its join starts a rebalance that the
				// other, the survivor's static member, rejoins, so that
				// the partitions are shared out again. Each replays part
				// of the survivor's epoch, asking StarRocks the state of
				// its loads, and each of them meets a get_load_state
				// fault once.
				injectLoadStateFault(s, 0, users2[0], c.faults)
				injectLoadStateFault(s, 1, users2[1], c.faults)
				c.injected += 2
				c.between = c.waitJoined
				both := c.startAll(cfgs[x], cfgs[1-x])
				c.between = nil
				ps[x], ps[1-x] = both[0], both[1]
				continue
			}
		}
		ps[x] = c.start(cfgs[x])
	}
	waitMembers(t, s, "connect-eopair", 2)
	c.sleep(ps[0], time.Second)
	topics := slices.Sorted(maps.Keys(eoTables))
	rowsN, dups, n := c.finish(prod, c.group, topics, ps[0], ps[1])
	t.Logf("SUMMARY TestExactlyOnceChaosTwoProcesses (seed %d): 2 processes, %d SIGKILLs [%v], %d faults acted of %d injected (and %d mid-load kill cues) [%v], %d changes produced, %d rows stored, %d duplicates; %d partitions replayed, %d epochs in part; %d processes exited on their own; epoch loads pending at the kills, by label state [%v]; restart to first durable load: %s; kill to survivor's takeover load: %s",
		seed, c.kills.total()-c.kills.get("with-takeover")-c.kills.get("both-down"), c.kills, c.faults.total()-c.cues(), c.injected, c.cues(), c.faults, n, rowsN, dups,
		c.logged("replaying an exactly-once epoch first"), c.logged("replayed part of an exactly-once epoch"), len(c.crash), c.atKill, durations(c.resume), durations(takeovers))
}

// TestExactlyOnceSplitReplayLoadStateFault: the deterministic core of the
// "both down" step of TestExactlyOnceChaosTwoProcesses. Process a, alone
// in the group, is SIGKILLed while StarRocks stalls before reading the
// body of its epoch's load (the load never applies). Changes keep
// streaming in. Processes b and a restart together, so that each is
// assigned part of the epoch's partitions and replays its part, asking
// get_load_state first.
//
// once: the first get_load_state each asks fails (FE 500, connection
// reset); neither process may exit for that.
//
// outage: every get_load_state of theirs fails; they may stop (or wait),
// and are SIGKILLed after a while and restarted as another StarRocks user
// whose requests the fault spares.
//
// Either way, every change is stored once.
func TestExactlyOnceSplitReplayLoadStateFault(t *testing.T) {
	t.Parallel()
	for _, outage := range []bool{false, true} {
		name := map[bool]string{false: "once", true: "outage"}[outage]
		t.Run(name, func(t *testing.T) { t.Parallel(); splitReplay(t, outage) })
	}
}

func splitReplay(t *testing.T, outage bool) {
	users := map[string]string{"root": "", "a": "pw-a", "b": "pw-b"}
	topics := map[string]string{"eo_s": "dup_s"}
	s, props, tables := eoStack(t, "eosplit", users, topics, 4)
	props["consumer.session.timeout.ms"] = "6000"
	props["consumer.heartbeat.interval.ms"] = "1000"
	c, _ := newChaosRun(t, s, tables, "eosplit")
	as := withInstanceID(props, "eosplit-a")
	as["starrocks.username"], as["starrocks.password"] = "a", "pw-a"
	bs := withInstanceID(props, "eosplit-b")
	bs["starrocks.username"], bs["starrocks.password"] = "b", "pw-b"

	prod := startProducer(t, s, topics, 4, 10, 20*time.Millisecond)
	a := c.start(as)
	cue := armKill(s, false, killStall, "dup_s", "a", c.faults)
	select {
	case <-cue:
	case <-time.After(10 * time.Second):
		t.Fatal("process a made no load")
	}
	kill(t, a)
	c.probe()
	if n := c.atKill.get("UNKNOWN") + c.atKill.get("ABORTED"); n != 1 {
		t.Fatalf("setup: want the killed epoch's load not applied, got label states [%v]", c.atKill)
	}
	times := 1
	if outage {
		times = math.MaxInt
	}
	for i, user := range []string{"a", "b"} {
		f := loadStateFaults[i].f
		f.User, f.Times = user, times
		name := loadStateFaults[i].name
		f.Acted = func() { c.faults.add(name) }
		s.StarRocks.Inject(f)
	}
	c.between = c.waitJoined
	var ps []*proc
	if !outage {
		ps = c.startAll(bs, as)
	} else {
		first := []*proc{c.launch(bs)}
		c.waitJoined(bs)
		first = append(first, c.launch(as))
		eventually(t, "both processes asked get_load_state", 20*time.Second, func() bool {
			return c.faults.get(loadStateFaults[0].name) > 0 && c.faults.get(loadStateFaults[1].name) > 0
		})
		time.Sleep(2 * time.Second) // their retries, if any
		for _, p := range first {
			if gone, err := exited(p); gone {
				t.Logf("pid %d stopped during the outage (%v)", p.cmd.Process.Pid, err)
				continue
			}
			kill(t, p)
		}
		// As root: the faults spare their requests.
		delete(as, "starrocks.password")
		delete(bs, "starrocks.password")
		as["starrocks.username"], bs["starrocks.username"] = "root", "root"
		as["starrocks.password"], bs["starrocks.password"] = "", ""
		ps = c.startAll(bs, as)
	}
	for _, p := range c.procs[1:3] { // the first two after the kill
		l := p.log()
		if n := strings.Count(l, "replaying an exactly-once epoch first"); n == 0 || n == 4 {
			t.Fatalf("setup: want each process to replay part of the epoch's 4 partitions, pid %d replayed %d:\n%s", p.cmd.Process.Pid, n, l)
		}
	}
	rowsN, dups, n := c.finish(prod, c.group, []string{"eo_s"}, ps...)
	t.Logf("SUMMARY TestExactlyOnceSplitReplayLoadStateFault/%v: %d changes produced, %d rows stored, %d duplicates; %d epochs replayed in part; %d processes exited on their own; faults [%v]",
		map[bool]string{false: "once", true: "outage"}[outage], n, rowsN, dups, c.logged("replayed part of an exactly-once epoch"), len(c.crash), c.faults)
}
