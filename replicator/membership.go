package replicator

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// membership is the lease under which the rows this member fetched may be
// loaded (a loader.Lease): until when the member certainly still belongs to
// its consumer group, so that no other member can own its partitions yet.
//
// It is renewed by Heartbeat requests of its own, sent with the client's
// current member ID and generation every heartbeat interval (and at once
// after an assignment). Kafka's group coordinator keeps a member for a
// session timeout after receiving its last heartbeat, and receives a
// heartbeat after it was sent; so a heartbeat sent at t and answered
// without error proves membership until t + session timeout. While a
// rebalance is in progress (REBALANCE_IN_PROGRESS) the member must also
// rejoin within the rebalance timeout, counted from after its last
// error-free heartbeat: the lease is the earlier of the two ends.
// UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID ends the lease at once; any other
// failure (coordinator unreachable, a generation that just changed)
// leaves it to run out. A process that was paused, or cut off from the
// coordinator, for longer than its session therefore finds its lease over
// when it resumes, before any of its loads can start.
type membership struct {
	cl       *kgo.Client
	group    string
	instance string // static member ID, if any
	session  time.Duration
	rebal    time.Duration
	interval time.Duration
	now      func() time.Time

	until atomic.Int64 // UnixNano of the lease's end; 0: none
	kick  chan struct{}

	mu     sync.Mutex
	lastOK time.Time // send time of the last error-free heartbeat
}

// franz-go's defaults, used when the worker does not set the timeouts.
const (
	defaultSession   = 45 * time.Second
	defaultRebalance = 60 * time.Second
	defaultHeartbeat = 3 * time.Second
)

func newMembership(group, instance string, session, rebalance, interval time.Duration) *membership {
	if session <= 0 {
		session = defaultSession
	}
	if rebalance <= 0 {
		rebalance = defaultRebalance
	}
	if interval <= 0 {
		interval = defaultHeartbeat
	}
	return &membership{group: group, instance: instance, session: session, rebal: rebalance,
		interval: interval, now: time.Now, kick: make(chan struct{}, 1)}
}

// Until implements loader.Lease.
func (m *membership) Until() time.Time {
	n := m.until.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Margin implements loader.Lease: a third of the session timeout. A load
// starts only with that much lease left and its body is sent only while
// half of it is left, which leaves StarRocks that long to commit a body
// received whole before the coordinator can even begin to hand the
// partitions to another member.
func (m *membership) Margin() time.Duration { return max(m.session/3, time.Second) }

// renewSoon asks for a heartbeat now (after an assignment).
func (m *membership) renewSoon() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// end ends the lease at once.
func (m *membership) end() { m.until.Store(0) }

// run heartbeats until ctx ends.
func (m *membership) run(ctx context.Context) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.kick:
		}
		m.heartbeat(ctx)
	}
}

// heartbeat sends one Heartbeat and moves the lease by its answer.
func (m *membership) heartbeat(ctx context.Context) {
	member, gen := m.cl.GroupMetadata()
	if member == "" || gen < 0 {
		m.end() // not in the group (yet, or any more)
		return
	}
	req := kmsg.NewPtrHeartbeatRequest()
	req.Group = m.group
	req.MemberID = member
	req.Generation = gen
	if m.instance != "" {
		req.InstanceID = &m.instance
	}
	sent := m.now()
	hctx, cancel := context.WithTimeout(ctx, m.session)
	resp, err := req.RequestWith(hctx, m.cl)
	cancel()
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
	}
	m.observe(sent, err)
}

// observe moves the lease for a heartbeat sent at sent and answered with
// err (nil: no error).
func (m *membership) observe(sent time.Time, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case err == nil:
		m.lastOK = sent
		m.until.Store(sent.Add(m.session).UnixNano())
	case errors.Is(err, kerr.RebalanceInProgress):
		if m.lastOK.IsZero() {
			m.until.Store(0)
			return
		}
		end := sent.Add(m.session)
		if r := m.lastOK.Add(m.rebal); r.Before(end) {
			end = r
		}
		m.until.Store(end.UnixNano())
	case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.FencedInstanceID):
		m.until.Store(0)
	}
}
