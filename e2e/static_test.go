package e2e

import (
	"context"
	"maps"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/devstack"
)

// Static group membership (KIP-345), with the real binary. These tests use
// static members throughout, so they measure starcdc and not kfake's
// coordinator under churn of dynamic members (see
// /work/shared/spec/kfake-groups.md).

// TestRestartResumesFast: a process is SIGKILLed and started again with
// the same (default, host-derived) group instance id. It takes its old
// member's place without waiting for that member's session (45 s, the
// default) to time out, and loads again within seconds of its start.
func TestRestartResumesFast(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	createTable(t, s, "customers", customerCols...)
	if err := s.Kafka.CreateTopic("fast", 2, nil); err != nil {
		t.Fatal(err)
	}
	props := connectorProps(s, "fast", false, "fast", "fast:customers")
	batch := func(from, to int) {
		var recs []*kgo.Record
		for id := from; id <= to; id++ {
			recs = append(recs, customerEvent("fast", 2, "c", id, "v1"))
		}
		produceAll(t, s, recs)
	}
	a := startProcess(t, props)
	batch(1, 50)
	loaded := func(n int) func() bool { return func() bool { return len(rows(t, s, "customers")) >= n } }
	eventually(t, "the first process loaded 50 rows", 30*time.Second, loaded(50))
	if !strings.Contains(a.log(), `msg="static group membership"`) {
		t.Fatalf("the process does not say it is a static member:\n%s", a.log())
	}
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.done
	a.done <- nil
	batch(51, 100) // waiting for the restarted process

	start := time.Now()
	b := startProcess(t, props)
	eventually(t, "the restarted process loaded a new row", 30*time.Second, loaded(51))
	first := time.Since(start)
	eventually(t, "the restarted process loaded every new row", 30*time.Second, loaded(100))
	all := time.Since(start)
	t.Logf("restart to first new row in StarRocks: %v; to all 50: %v", first.Round(time.Millisecond), all.Round(time.Millisecond))
	// A bound for an end-to-end test on a shared machine; with dynamic
	// membership the rows would wait for the killed member's 45 s session.
	if first > 15*time.Second {
		t.Errorf("the restarted process loaded its first new row %v after start, want well under the 45 s session timeout", first)
	}
	stopWithin(t, b, 30*time.Second)
}

// TestSurvivorStopsFast: two processes share a group, with their own
// instance ids (several processes on one host need the key). One is
// SIGKILLed; once the coordinator drops it the survivor rejoins, and is
// SIGTERMed then, during that rebalance: it flushes, commits what it can
// within its bounds, leaves the group and exits 0 within seconds.
func TestSurvivorStopsFast(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	createTable(t, s, "customers", customerCols...)
	if err := s.Kafka.CreateTopic("pair", 4, nil); err != nil {
		t.Fatal(err)
	}
	props := connectorProps(s, "pair", false, "pair", "pair:customers")
	props["consumer.session.timeout.ms"] = "6000" // kfake's minimum: the dead member goes quickly
	props["consumer.heartbeat.interval.ms"] = "1000"
	a := startProcess(t, withInstanceID(props, "pair-a"))
	b := startProcess(t, withInstanceID(props, "pair-b"))
	waitMembers(t, s, "connect-pair", 2)
	var recs []*kgo.Record
	for id := 1; id <= 100; id++ {
		recs = append(recs, customerEvent("pair", 4, "c", id, "v1"))
	}
	produceAll(t, s, recs)
	eventually(t, "both processes loaded every row", 30*time.Second, func() bool { return len(rows(t, s, "customers")) == 100 })

	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.done
	a.done <- nil
	killed := time.Now()
	// The coordinator drops the dead member at its session timeout and
	// the group rebalances: stop the survivor then.
	eventually(t, "the coordinator dropped the killed member", 30*time.Second, func() bool {
		return len(describe(t, s, "connect-pair").Members) == 1
	})
	t.Logf("killed member dropped after %v", time.Since(killed).Round(time.Millisecond))
	stopWithin(t, b, 10*time.Second)
	if l := b.log(); !strings.Contains(l, `msg="left the consumer group"`) {
		t.Errorf("the survivor did not leave the group:\n%s", l)
	}
	if g := describe(t, s, "connect-pair"); len(g.Members) != 0 {
		t.Errorf("members left in the group after both processes stopped: %+v", g.Members)
	}
}

// stopWithin SIGTERMs p and fails t unless it exits 0 within limit.
func stopWithin(t *testing.T, p *proc, limit time.Duration) {
	t.Helper()
	sent := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		t.Logf("pid %d exited %v after SIGTERM", p.cmd.Process.Pid, time.Since(sent).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(limit):
		t.Fatalf("pid %d did not exit within %v of SIGTERM", p.cmd.Process.Pid, limit)
	}
}

func describe(t *testing.T, s *devstack.Stack, group string) kadm.DescribedGroup {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gs, err := kadm.NewClient(cl).DescribeGroups(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	return gs[group]
}

// eventually polls cond every 20 ms (the StarRocks emulator answers
// queries in-process) and fails t after limit.
func eventually(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// withInstanceID returns props with the connector's group instance id set
// to id: processes of one connector on one host need their own.
func withInstanceID(props map[string]string, id string) map[string]string {
	out := maps.Clone(props)
	out[config.KeyGroupInstanceIDOverride] = id
	return out
}
