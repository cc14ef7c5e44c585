package replicator

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/starcdc/starcdc/config"
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
	instance string // group instance id (static membership); "": dynamic
	// stopClient cancels the client's context (kgo.WithContext): every
	// request in flight fails at once, a JoinGroup included (see leave).
	stopClient context.CancelFunc
	session    time.Duration
	rebal      time.Duration
	interval   time.Duration
	now        func() time.Time

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

// Static group membership (KIP-345).
//
// Each replicator joins its group as a static member, with a group
// instance id that stays the same across restarts of the process: a
// process that restarts (a crash, a Kubernetes pod or systemd restart)
// takes its old member's place and gets its partitions back without
// waiting for the old member's session to time out, and without a
// rebalance of the other members. Kafka's coordinator treats a second
// process that joins with the same id as that restart: it fences the
// first one (FENCED_INSTANCE_ID), which then stops with
// fencedInstanceError. Two processes of one connector must therefore
// never share an id; on one host the default id is shared, so they need
// the key.

// instanceID returns the group instance id of connector c and where it
// came from, for the start-up log: the connector's
// consumer.override.group.instance.id, else the worker's
// consumer.group.instance.id, else defaultInstanceID of the host name.
// "" means static membership is off: a key set blank, or no host name.
func instanceID(w config.Worker, c config.Connector, hostname func() (string, error)) (id, from string) {
	switch {
	case c.GroupInstanceID != nil:
		return *c.GroupInstanceID, config.KeyGroupInstanceIDOverride
	case w.GroupInstanceID != nil:
		return *w.GroupInstanceID, config.KeyGroupInstanceID
	}
	host, err := hostname()
	if err != nil || host == "" {
		return "", "no host name to derive a default from"
	}
	return defaultInstanceID(host, c.Name), "default (starcdc-<host name>-<connector>)"
}

// defaultInstanceID is "starcdc-<host>-<connector>" with every byte Kafka
// refuses in an instance id replaced by '_'; one longer than Kafka's 249
// characters keeps its first 240 and ends in "-" and 8 hex digits of a
// hash of the whole. Connectors whose ids collide after sanitizing do not
// fence each other: each connector is a group of its own.
func defaultInstanceID(host, connector string) string {
	full := "starcdc-" + host + "-" + connector
	id := config.SanitizeInstanceID(full)
	if len(id) > 249 {
		h := fnv.New32a()
		h.Write([]byte(full))
		id = fmt.Sprintf("%s-%08x", id[:240], h.Sum32())
	}
	return id
}

// fencedInstanceError is why a static member stops when another process
// joined its group with the same instance id. It wraps the coordinator's
// error (kerr.FencedInstanceID).
type fencedInstanceError struct {
	group, id string
	err       error
}

func (e *fencedInstanceError) Error() string {
	return fmt.Sprintf("another process joined consumer group %s with this process's group instance id %q and took over its partitions (%v): "+
		"give every starcdc process of a connector its own id with %s in the connector properties (or %s in the worker properties); "+
		"the default, starcdc-<host name>-<connector>, is the same for every process on one host; "+
		"set the key empty to turn static group membership off",
		e.group, e.id, e.err, config.KeyGroupInstanceIDOverride, config.KeyGroupInstanceID)
}

func (e *fencedInstanceError) Unwrap() error { return e.err }

// explainFenced returns err with what to do when it says another process
// took this member's instance id (FENCED_INSTANCE_ID), else err.
func (m *membership) explainFenced(err error) error {
	var fe *fencedInstanceError
	if m.instance == "" || !errors.Is(err, kerr.FencedInstanceID) || errors.As(err, &fe) {
		return err
	}
	return &fencedInstanceError{group: m.group, id: m.instance, err: err}
}

// groupHooks are the replicator's franz-go hooks.
type groupHooks struct{ r *Replicator }

var _ kgo.HookGroupManageError = groupHooks{}

// OnGroupManageError stops the replicator when another process took its
// instance id. franz-go calls onLost first, then this, and would rejoin
// after a backoff, fencing the other process in turn: two processes with
// one id would take the partitions from each other for ever. The first to
// be fenced stops instead, saying why.
func (h groupHooks) OnGroupManageError(err error) {
	if !errors.Is(err, kerr.FencedInstanceID) {
		return
	}
	r := h.r
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.member.explainFenced(err)
	switch {
	case r.stopping:
	case r.fenced == nil:
		r.fence(e)
	case !errors.Is(r.fenced, kerr.FencedInstanceID):
		// onLost, which franz-go calls first, fenced for the lost
		// partitions; this is why they were lost.
		r.fenced = errors.Join(e, r.fenced)
		r.log.Error("the partitions were lost because another process took this member's group instance id", "reason", e)
	}
}

// Bounds of a clean stop (Run's return): loading what is buffered, then
// committing its offsets, then leaving the group. A commit waits for a
// rebalance in progress (franz-go holds commits while a JoinGroup or
// SyncGroup is in flight); it is given up after finalCommitTimeout, and
// the rows loaded since the last commit are loaded again, idempotently,
// after a restart. Together they stay below Kubernetes' default grace
// period of 30 s.
const (
	finalLoadTimeout   = 20 * time.Second
	finalCommitTimeout = 5 * time.Second
	leaveTimeout       = 2 * time.Second
)

// leave takes the member out of its group at once and closes the client.
//
// franz-go's Close sends no LeaveGroup for a static member (kgo.InstanceID:
// "the client does NOT send a leave group request when closing"), so the
// coordinator would keep its partitions for a whole session timeout; and
// Close first waits for the group loop, which may be waiting for a
// JoinGroup answer sent with the client's context (kgo consumer_group.go,
// joinAndSync), for up to the rebalance timeout plus 10 s, or longer if
// the coordinator never answers. So leave sends the LeaveGroup itself,
// with the member id and, for a static member, the instance id
// (LeaveGroup v3+, KIP-345: a coordinator refuses it with
// FENCED_INSTANCE_ID if another process now holds the id), bounded by
// leaveTimeout; then cancels the client's context, which fails a
// JoinGroup or SyncGroup in flight at once; then closes the client.
// skipLeave keeps the member in the group (it was fenced: the id is
// another process's now).
func (m *membership) leave(log *slog.Logger, skipLeave bool) {
	if member, _ := m.cl.GroupMetadata(); member != "" && !skipLeave {
		req := kmsg.NewPtrLeaveGroupRequest()
		req.Group = m.group
		req.MemberID = member // LeaveGroup v0-v2
		mem := kmsg.NewLeaveGroupRequestMember()
		mem.MemberID = member
		if m.instance != "" {
			mem.InstanceID = &m.instance
		}
		mem.Reason = kmsg.StringPtr("starcdc is stopping")
		req.Members = append(req.Members, mem)
		ctx, cancel := context.WithTimeout(context.Background(), leaveTimeout)
		resp, err := req.RequestWith(ctx, m.cl)
		cancel()
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
			for _, mr := range resp.Members {
				err = errors.Join(err, kerr.ErrorForCode(mr.ErrorCode))
			}
		}
		switch {
		case errors.Is(err, kerr.UnknownMemberID):
			log.Info("not a member of the consumer group any more", "group", m.group)
		case err != nil:
			// Not fatal: the coordinator drops the member when its
			// session times out.
			log.Warn("leaving the consumer group failed; the group reassigns this process's partitions when its session times out", "group", m.group, "error", err)
		default:
			log.Info("left the consumer group", "group", m.group, "instance_id", m.instance)
		}
	}
	if m.stopClient != nil {
		m.stopClient()
	}
	m.cl.AllowRebalance()
	m.cl.Close()
}

// logInstanceID returns instanceID of c (with the host's name) and logs
// which membership the connector uses.
func logInstanceID(log *slog.Logger, w config.Worker, c config.Connector) string {
	id, from := instanceID(w, c, os.Hostname)
	if id == "" {
		log.Info("dynamic group membership: a restarted process joins as a new member and waits for a rebalance", "connector", c.Name, "why", from)
		return ""
	}
	log.Info("static group membership", "connector", c.Name, "group.instance.id", id, "from", from)
	return id
}
