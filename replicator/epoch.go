package replicator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/starcdc/starcdc/loader"
)

// Exactly-once delivery (Config.ExactlyOnce) works in epochs. An epoch is
// the records of a stretch of each partition, [start, end) per partition.
// Their rows are held here, per partition, until the epoch closes (by age,
// bufferflush.intervalms, or size, half of bufferflush.maxbytes); closing
// it:
//
//  1. names it: a hash of the connector and its ranges;
//  2. writes the intent durably: each partition's committed offset stays
//     the epoch's start, with metadata naming the epoch and the
//     partition's end (an OffsetCommit of the group, so only a member of
//     the current generation can write it);
//  3. hands the rows to the loader in a canonical order — partition by
//     partition in (topic, partition) order, each in offset order — and
//     seals them under the epoch's name: each table's load is labelled by
//     the table and that name alone (loader.Seal);
//  4. once every row is durable, commits each partition's end (which
//     clears the intent).
//
// A process that finds an intent in the committed metadata of a partition
// it was assigned replays the epoch first: it reads the partition up to
// the intent's end, and if it was assigned every partition of the epoch
// (and no other process replayed part of it), it seals the same rows in
// the same order under the same name: StarRocks answers "Label Already
// Exists" for each load that had committed and loads the others. If it
// holds only some of the epoch's partitions, it asks StarRocks for the
// state of each table's epoch label: a committed one has its rows
// already; for the others it loads this partition's rows of that table
// under a label of the epoch and the partition, after marking the intent
// as split (so that no one ever uses the epoch's own labels for them
// again). One epoch is loading at a time; the next is gathered meanwhile.

// intentVersion starts the offset-commit metadata of an epoch intent.
const intentVersion = "starcdc-eo1"

// intent is an epoch intent read from a partition's committed metadata.
type intent struct {
	name  string // the epoch's name
	parts int    // how many partitions the epoch covers
	end   int64  // this partition's end offset
	split bool   // some partitions were replayed on their own
}

func (in intent) metadata() string {
	s := intentVersion + ";" + in.name + ";" + strconv.Itoa(in.parts) + ";" + strconv.FormatInt(in.end, 10)
	if in.split {
		s += ";split"
	}
	return s
}

// parseIntent reads committed metadata; ok is false for anything else
// (empty, another tool's).
func parseIntent(md string) (intent, bool) {
	f := strings.Split(md, ";")
	if len(f) < 4 || len(f) > 5 || f[0] != intentVersion {
		return intent{}, false
	}
	n, err1 := strconv.Atoi(f[2])
	end, err2 := strconv.ParseInt(f[3], 10, 64)
	if err1 != nil || err2 != nil || n <= 0 || f[1] == "" {
		return intent{}, false
	}
	in := intent{name: f[1], parts: n, end: end}
	if len(f) == 5 {
		if f[4] != "split" {
			return intent{}, false
		}
		in.split = true
	}
	return in, true
}

// epoch is the rows of one epoch, held per partition until it is sealed.
type epoch struct {
	parts   map[topicPartition]*epochPart
	bytes   int
	started time.Time // when its first record was added

	// A replay of an intent found at start-up (recovery): its name and
	// partition count are the intent's.
	recovery bool
	name     string
	nparts   int
	split    bool

	lastSeq uint64 // once sealed: the sink's Seq after its rows
	// gone holds, once a replay is sealed, the end of each partition
	// whose records were all gone (see endRecoveryParts).
	gone map[topicPartition]int64
}

type epochPart struct {
	rows epochRows
	recs []epochRec
	// A recovery part: committed is the offset the partition was
	// committed at, end the intent's end; done once the partition was
	// read up to end.
	committed, end int64
	done           bool
}

// epochRec is one record of an epoch part.
type epochRec struct {
	offset  int64
	lepoch  int32
	ts      int64
	rowsEnd int // its rows end at this row of the part's Batch
}

func newEpoch() *epoch { return &epoch{parts: map[topicPartition]*epochPart{}} }

func (e *epoch) empty() bool { return len(e.parts) == 0 }

// records counts the records gathered in e.
func (e *epoch) records() int {
	n := 0
	for _, p := range e.parts {
		n += len(p.recs)
	}
	return n
}

// part returns the part of tp, creating it from spare memory.
func (r *Replicator) part(e *epoch, tp topicPartition) *epochPart {
	p := e.parts[tp]
	if p == nil {
		if n := len(r.spareParts); n > 0 {
			p = r.spareParts[n-1]
			r.spareParts = r.spareParts[:n-1]
		} else {
			p = &epochPart{}
		}
		e.parts[tp] = p
	}
	return p
}

// release keeps the memory of the parts of a sealed (or dropped) epoch for
// the next ones: their rows are in the sink now (or not wanted).
func (r *Replicator) release(parts ...*epochPart) {
	for _, p := range parts {
		p.rows.reset(r.putBatch)
		*p = epochPart{rows: p.rows, recs: p.recs[:0]}
		if len(r.spareParts) < maxSpareWorks {
			r.spareParts = append(r.spareParts, p)
		}
	}
}

// releaseSealed releases the parts of a sealed epoch, keeping what its
// commit needs.
func (r *Replicator) releaseSealed(e *epoch) {
	for tp, p := range e.parts {
		if e.recovery && len(p.recs) == 0 {
			if e.gone == nil {
				e.gone = map[topicPartition]int64{}
			}
			e.gone[tp] = p.end
		}
		r.release(p)
	}
	e.parts = nil
}

// order returns the epoch's partitions in canonical order.
func (e *epoch) order() []topicPartition {
	tps := make([]topicPartition, 0, len(e.parts))
	for tp := range e.parts {
		tps = append(tps, tp)
	}
	slices.SortFunc(tps, func(a, b topicPartition) int {
		return cmp.Or(cmp.Compare(a.topic, b.topic), cmp.Compare(a.partition, b.partition))
	})
	return tps
}

// complete reports whether a recovery epoch has every one of its
// partitions read up to its intent's end.
func (e *epoch) complete() bool {
	for _, p := range e.parts {
		if !p.done {
			return false
		}
	}
	return true
}

// epochName names an epoch by the connector and its ranges.
func epochName(connector string, e *epoch) string {
	h := fnv.New64a()
	h.Write([]byte(connector))
	for _, tp := range e.order() {
		p := e.parts[tp]
		fmt.Fprintf(h, "\x00%s/%d/%d-%d", tp.topic, tp.partition, p.recs[0].offset, p.recs[len(p.recs)-1].offset+1)
	}
	return "eo" + strconv.FormatUint(h.Sum64(), 36)
}

// partName is the name under which a split replay loads one partition's
// rows of an epoch.
func partName(epochName string, tp topicPartition) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", tp.topic, tp.partition)
	return epochName + "p" + strconv.FormatUint(uint64(h.Sum32()), 36)
}

// EpochSink is what exactly-once delivery needs of the sink beyond Sink
// (loader.Loader has it).
type EpochSink interface {
	Sink
	// Seal cuts every table's buffered rows into loads labelled by name
	// (loader.Loader.Seal).
	Seal(name string)
	// SealLabel is the label Seal gives the first load of table.
	SealLabel(table, name string) string
	// LabelState is StarRocks' state of a label.
	LabelState(ctx context.Context, label string) (string, error)
	// CommitPrepared commits the PREPARED transaction of label (the
	// transaction interface), or does nothing when the label is not
	// PREPARED.
	CommitPrepared(ctx context.Context, table, label string) error
}

var _ EpochSink = (*loader.Loader)(nil)

// collect adds the records [i, j) of w, already handled, to the epoch
// they belong to. r.mu must be held.
func (r *Replicator) collect(w *partWork, i, j int) {
	tp := topicPartition{w.topic, w.partition}
	if i == 0 && j == len(w.recs) && w.rows.Len() > 0 && r.recovering[tp] == nil {
		// The run is the whole work, and all of it goes to the open
		// epoch: its rows are adopted, not copied (the work gets an
		// empty Batch).
		e := r.open
		if e.empty() {
			e.started = time.Now()
		}
		p := r.part(e, tp)
		base := p.rows.Len()
		e.bytes += w.rows.Size(0, w.rows.Len())
		p.rows.adopt(w.rows)
		w.rows = r.spareBatch()
		for k := i; k < j; k++ {
			rec := w.recs[k]
			p.recs = append(p.recs, epochRec{offset: rec.Offset, lepoch: rec.LeaderEpoch, ts: rec.Timestamp.UnixMilli(), rowsEnd: base + w.res[k].rowsEnd})
		}
		return
	}
	for k := i; k < j; k++ {
		rec := w.recs[k]
		e := r.open
		if re := r.recovering[tp]; re != nil {
			p := re.parts[tp]
			if rec.Offset < p.end {
				e = re
			}
			if rec.Offset >= p.end-1 {
				p.done = true
				delete(r.recovering, tp)
			}
		}
		if e.empty() {
			e.started = time.Now()
		}
		p := r.part(e, tp)
		from, to := w.rowStart(k), w.res[k].rowsEnd
		for x := from; x < to; x++ {
			table, h, row := w.rows.Row(x)
			p.rows.add(table, h, row, r.spareBatch)
			e.bytes += len(row)
		}
		p.recs = append(p.recs, epochRec{offset: rec.Offset, lepoch: rec.LeaderEpoch, ts: rec.Timestamp.UnixMilli(), rowsEnd: p.rows.Len()})
	}
}

// epochFull reports whether gathering must pause: the open epoch reached
// its size and cannot close yet.
func (r *Replicator) epochFull() bool {
	return r.open.bytes >= r.cfg.EpochBytes && (r.inflight != nil || len(r.recoveries) > 0)
}

// advanceEpochs commits the epoch in flight once its rows are durable and
// seals the next one when it is due (force: whatever it holds, as before
// a revocation or a truncate). r.mu must be held.
func (r *Replicator) advanceEpochs(ctx context.Context, force bool) error {
	if r.fenced != nil {
		return nil
	}
	if e := r.inflight; e != nil {
		if r.observeDurable() < e.lastSeq {
			return nil
		}
		r.endRecoveryParts(e)
		if err := r.commitDurable(ctx); err != nil {
			return err
		}
		if len(r.ready) > 0 {
			return nil // the end commit failed; retried next time
		}
		r.inflight = nil
	}
	for name, e := range r.recoveries {
		if !e.complete() {
			continue
		}
		if err := r.sealEpoch(ctx, e); err != nil {
			return r.sealFailed(err)
		}
		delete(r.recoveries, name)
		return nil
	}
	if len(r.recoveries) > 0 || r.open.empty() {
		return nil
	}
	if force || r.open.bytes >= r.cfg.EpochBytes || time.Since(r.open.started) >= r.cfg.EpochInterval {
		if err := r.sealEpoch(ctx, r.open); err != nil {
			return r.sealFailed(err)
		}
		r.open = newEpoch()
	}
	return nil
}

// errSealRetry marks a failure to seal an epoch that a later attempt may
// not meet (a rebalance in progress, the coordinator moving, StarRocks'
// FE not answering get_load_state): nothing of the epoch was loaded.
var errSealRetry = errors.New("sealing an epoch failed; retrying")

// sealFailed keeps an epoch that could not be sealed for the next
// attempt when its failure is errSealRetry (logged at most every 10 s),
// and stops the pipeline otherwise.
func (r *Replicator) sealFailed(err error) error {
	if !errors.Is(err, errSealRetry) {
		return err
	}
	if now := time.Now(); now.Sub(r.sealWarned) >= 10*time.Second {
		r.sealWarned = now
		r.log.Warn("an exactly-once epoch could not be started; retrying (nothing of it was loaded)", "error", err)
	}
	return nil
}

// sealEpoch writes the intent of e (unless it is a replay of one), hands
// its rows to the sink in canonical order and seals them. r.mu must be
// held.
func (r *Replicator) sealEpoch(ctx context.Context, e *epoch) error {
	sink := r.cfg.Sink.(EpochSink)
	if !e.recovery {
		// Rows of partitions this member no longer owns are stale: their
		// new owner reads them again (dropEpochParts normally removed them
		// already, when the partitions were revoked or lost).
		for tp, p := range e.parts {
			if !r.owned[tp] {
				e.bytes -= p.rows.bytes
				delete(e.parts, tp)
				r.release(p)
			}
		}
		if e.empty() {
			return nil
		}
	}
	order := e.order()
	if !e.recovery {
		e.name, e.nparts = epochName(r.cfg.Name, e), len(order)
		offs := map[topicPartition]intentCommit{}
		for _, tp := range order {
			p := e.parts[tp]
			first := p.recs[0]
			offs[tp] = intentCommit{offset: first.offset, lepoch: first.lepoch, md: intent{name: e.name, parts: e.nparts, end: p.recs[len(p.recs)-1].offset + 1}.metadata()}
		}
		if err := r.commitIntent(ctx, offs); err != nil {
			return err
		}
	}
	whole := !e.split && len(order) == e.nparts
	if whole {
		for _, tp := range order {
			p := e.parts[tp]
			base := r.lastSeq
			p.rows.appendTo(sink)
			r.markEpochPart(tp, p, func(int) bool { return true }, base)
		}
		sink.Seal(e.name)
		e.lastSeq = r.lastSeq
		r.inflight = e
		r.releaseSealed(e)
		return nil
	}
	// A replay of part of an epoch: mark the intent split, then load this
	// member's rows of every table whose epoch load did not commit, one
	// partition at a time.
	offs := map[topicPartition]intentCommit{}
	for _, tp := range order {
		p := e.parts[tp]
		offs[tp] = intentCommit{offset: p.committed, lepoch: -1, md: intent{name: e.name, parts: e.nparts, end: p.end, split: true}.metadata()}
	}
	if err := r.commitIntent(ctx, offs); err != nil {
		return err
	}
	committed := map[string]bool{}
	for _, tp := range order {
		p := e.parts[tp]
		for x := range p.rows.Len() {
			table, _, _ := p.rows.Row(x)
			if _, ok := committed[table]; ok {
				continue
			}
			done, err := r.epochLoaded(ctx, sink, table, e.name)
			if err != nil {
				return err
			}
			committed[table] = done
		}
	}
	for _, tp := range order {
		p := e.parts[tp]
		base := r.lastSeq
		keep := func(x int) bool { t, _, _ := p.rows.Row(x); return !committed[t] }
		for x := range p.rows.Len() {
			if keep(x) {
				p.rows.appendRow(sink, x)
			}
		}
		r.markEpochPart(tp, p, keep, base)
		sink.Seal(partName(e.name, tp))
	}
	e.lastSeq = r.lastSeq
	r.inflight = e
	r.releaseSealed(e)
	r.log.Info("replayed part of an exactly-once epoch left by another process", "epoch", e.name, "partitions", len(order), "of", e.nparts)
	return nil
}

// markEpochPart marks the records of an epoch part as appended: the kept
// rows were numbered in order from base+1.
func (r *Replicator) markEpochPart(tp topicPartition, p *epochPart, keep func(int) bool, base uint64) {
	seq, x := base, 0
	for _, rec := range p.recs {
		first := seq + 1
		for ; x < rec.rowsEnd; x++ {
			if keep(x) {
				seq++
			}
		}
		r.markPosition(tp, rec, first, seq)
	}
}

// epochLoaded reports whether the epoch load of table committed: VISIBLE
// or COMMITTED; a PREPARED transaction (left by a process killed between
// prepare and commit) holds exactly the epoch's rows and is committed; a
// load still running is waited for.
func (r *Replicator) epochLoaded(ctx context.Context, sink EpochSink, table, name string) (bool, error) {
	label := sink.SealLabel(table, name)
	for wait := 200 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		st, err := sink.LabelState(ctx, label)
		if err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			return false, fmt.Errorf("%w: asking StarRocks for the state of load %s (an exactly-once epoch left by another process): %w", errSealRetry, label, err)
		}
		switch st {
		case "VISIBLE", "COMMITTED":
			return true, nil
		case "PREPARED":
			if err := sink.CommitPrepared(ctx, table, label); err != nil {
				return false, fmt.Errorf("committing the prepared transaction %s left by another process: %w", label, err)
			}
			continue
		case "UNKNOWN", "ABORTED", "CANCELLED":
			return false, nil
		}
		// PREPARE, RUNNING, ...: still loading.
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// intentCommit is one partition of an intent commit.
type intentCommit struct {
	offset int64
	lepoch int32
	md     string
}

// commitIntent commits offs (each with its metadata) as this member of
// the group. A member the coordinator no longer knows is fenced.
func (r *Replicator) commitIntent(ctx context.Context, offs map[topicPartition]intentCommit) error {
	member, gen := r.cl.GroupMetadata()
	if member == "" || gen < 0 {
		return fmt.Errorf("%w: not a member of the consumer group (rejoining)", errSealRetry)
	}
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group = GroupID(r.cfg.Name)
	req.MemberID = member
	req.Generation = gen
	if id := r.member.instance; id != "" {
		req.InstanceID = &id
	}
	byTopic := map[string][]kmsg.OffsetCommitRequestTopicPartition{}
	for tp, o := range offs {
		if !r.owned[tp] {
			return fmt.Errorf("%w: %s/%d is no longer assigned to this member", errSealRetry, tp.topic, tp.partition)
		}
		p := kmsg.NewOffsetCommitRequestTopicPartition()
		p.Partition = tp.partition
		p.Offset = o.offset
		p.LeaderEpoch = o.lepoch
		md := o.md
		p.Metadata = &md
		byTopic[tp.topic] = append(byTopic[tp.topic], p)
	}
	ids, err := r.topicIDs(ctx, slices.Collect(maps.Keys(byTopic)))
	if err != nil {
		return fmt.Errorf("%w: %w", errSealRetry, err)
	}
	for topic, ps := range byTopic {
		t := kmsg.NewOffsetCommitRequestTopic()
		t.Topic = topic
		t.TopicID = ids[topic] // OffsetCommit v10+ names topics by ID
		t.Partitions = ps
		req.Topics = append(req.Topics, t)
	}
	resp, err := req.RequestWith(ctx, r.cl)
	if err == nil {
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if p.ErrorCode != 0 {
					err = errors.Join(err, fmt.Errorf("%s/%d: %w", t.Topic, p.Partition, kerr.ErrorForCode(p.ErrorCode)))
				}
			}
		}
	}
	if err != nil {
		if evicted(err) {
			r.fence(fmt.Errorf("the group coordinator no longer counts this process as a member of %s (%w); stopping without loading the buffered rows; restart to rejoin", GroupID(r.cfg.Name), err))
			return r.fenced
		}
		return fmt.Errorf("%w: writing the intent to the consumer group's offsets: %w", errSealRetry, err)
	}
	r.health.committed()
	return nil
}

// readIntents reads the committed metadata of the partitions just
// assigned (cl is the client: r.cl may not be set yet at the first
// assignment) and starts a recovery epoch for each intent found. r.mu must
// be held.
func (r *Replicator) readIntents(ctx context.Context, cl *kgo.Client, assigned map[string][]int32) error {
	resps, err := kadm.NewClient(cl).FetchOffsets(ctx, GroupID(r.cfg.Name))
	if err != nil {
		return fmt.Errorf("reading the consumer group's committed offsets for exactly-once intents: %w", err)
	}
	if err := resps.Error(); err != nil {
		return fmt.Errorf("reading the consumer group's committed offsets for exactly-once intents: %w", err)
	}
	for t, ps := range assigned {
		for _, p := range ps {
			o, ok := resps.Lookup(t, p)
			if !ok || o.Err != nil {
				continue
			}
			in, ok := parseIntent(o.Metadata)
			if !ok || in.end <= o.At {
				continue
			}
			e := r.recoveries[in.name]
			if e == nil {
				e = newEpoch()
				e.recovery, e.name, e.nparts = true, in.name, in.parts
				r.recoveries[in.name] = e
			}
			e.split = e.split || in.split
			tp := topicPartition{t, p}
			part := r.part(e, tp)
			part.committed, part.end = o.At, in.end
			r.recovering[tp] = e
			r.log.Info("replaying an exactly-once epoch first", "topic", t, "partition", p, "from", o.At, "to", in.end, "epoch", in.name)
		}
	}
	r.skipGoneParts(ctx, cl)
	return nil
}

// skipGoneParts marks read the recovery parts whose records retention has
// deleted since (the partition's log now starts at or after the intent's
// end): no record of the epoch will come for them, and waiting for a
// later record could wait for ever on a quiet partition. Their ends are
// committed with the epoch (endRecoveryParts). r.mu must be held.
func (r *Replicator) skipGoneParts(ctx context.Context, cl *kgo.Client) {
	if len(r.recovering) == 0 {
		return
	}
	topics := map[string]bool{}
	for tp := range r.recovering {
		topics[tp.topic] = true
	}
	starts, err := kadm.NewClient(cl).ListStartOffsets(ctx, slices.Collect(maps.Keys(topics))...)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		// Not fatal: a replay whose records are all there does not need
		// it, and one whose records are gone then closes when a later
		// record arrives.
		r.log.Warn("could not read where the partitions of exactly-once intents start; a replay whose records retention deleted waits for a later record", "error", err)
		return
	}
	for tp, e := range r.recovering {
		p := e.parts[tp]
		if o, ok := starts.Lookup(tp.topic, tp.partition); ok && o.Offset >= p.end {
			p.done = true
			delete(r.recovering, tp)
			r.log.Warn("the records of an exactly-once epoch were deleted by retention before they were loaded: they cannot be replayed; the epoch is closed without them",
				"topic", tp.topic, "partition", tp.partition, "from", p.committed, "to", p.end, "log_start", o.Offset, "epoch", e.name)
		}
	}
}

// dropEpochParts forgets, for revoked or lost partitions, the rows of the
// open epoch and of recovery epochs (their intents stay committed for the
// next owner). r.mu must be held.
func (r *Replicator) dropEpochParts(parts map[string][]int32) {
	for t, ps := range parts {
		for _, p := range ps {
			tp := topicPartition{t, p}
			if ep := r.open.parts[tp]; ep != nil {
				r.open.bytes -= ep.rows.bytes
				delete(r.open.parts, tp)
				r.release(ep)
			}
			if e := r.recovering[tp]; e != nil {
				delete(e.parts, tp)
				delete(r.recovering, tp)
				e.split = true // what is left is only part of the epoch
				if len(e.parts) == 0 {
					delete(r.recoveries, e.name)
				}
			}
			for name, e := range r.recoveries {
				if _, ok := e.parts[tp]; ok {
					delete(e.parts, tp)
					e.split = true
					if len(e.parts) == 0 {
						delete(r.recoveries, name)
					}
				}
			}
		}
	}
}

// onAssigned renews the lease for the new assignment and, with
// exactly-once delivery, reads the intents of the assigned partitions
// before anything is fetched from them.
func (r *Replicator) onAssigned(ctx context.Context, cl *kgo.Client, assigned map[string][]int32) {
	r.member.renewSoon()
	r.health.assign(assigned)
	r.mu.Lock()
	defer r.mu.Unlock()
	for t, ps := range assigned {
		for _, p := range ps {
			r.owned[topicPartition{t, p}] = true
		}
	}
	if !r.cfg.ExactlyOnce || r.stopping || r.fenced != nil {
		return // nothing more is loaded by this process
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := r.readIntents(rctx, cl, assigned); err != nil {
		// Without the intents a replay could load an epoch twice: stop.
		r.fence(fmt.Errorf("%w; stopping before anything is loaded; restart to try again", err))
	}
}

// flushEpochs seals whatever was gathered and waits until every sealed
// epoch is durable and committed. A replay that has not read its
// partitions up to their intents' ends yet stays for the next owner (or
// the next start). r.mu must be held.
func (r *Replicator) flushEpochs(ctx context.Context) error {
	for {
		if err := r.advanceEpochs(ctx, true); err != nil {
			return err
		}
		if r.fenced != nil {
			return r.fenced
		}
		if r.inflight == nil && (r.open.empty() || len(r.recoveries) > 0) {
			return nil
		}
		if r.inflight == nil {
			// Nothing could be sealed (errSealRetry, logged): try again
			// shortly, within ctx.
			select {
			case <-ctx.Done():
				return fmt.Errorf("the gathered rows could not be loaded before the deadline: %w", ctx.Err())
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		err := r.cfg.Sink.Flush(ctx, "") // every row is sealed: this only waits (and retries failed loads)
		if err == nil {
			continue
		}
		if ctx.Err() != nil || !errors.Is(err, loader.ErrBadRows) {
			return err
		}
		if err := r.deadRows(ctx, err); err != nil {
			return err
		}
	}
}

// endRecoveryParts adds to the offsets to commit the end of each part of
// a replayed epoch whose records were all gone (deleted by retention
// since): nothing else would clear its intent. r.mu must be held.
func (r *Replicator) endRecoveryParts(e *epoch) {
	for tp, end := range e.gone {
		if r.ready[tp.topic] == nil {
			r.ready[tp.topic] = map[int32]kgo.EpochOffset{}
		}
		r.ready[tp.topic][tp.partition] = kgo.EpochOffset{Epoch: -1, Offset: end}
	}
}

// topicIDs returns the IDs of topics, asking the cluster for those not
// known yet. r.mu must be held.
func (r *Replicator) topicIDs(ctx context.Context, topics []string) (map[string][16]byte, error) {
	var missing []string
	for _, t := range topics {
		if _, ok := r.ids[t]; !ok {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		md, err := kadm.NewClient(r.cl).Metadata(ctx, missing...)
		if err != nil {
			return nil, fmt.Errorf("reading the IDs of topics %v: %w", missing, err)
		}
		for _, t := range missing {
			d, ok := md.Topics[t]
			if !ok || d.Err != nil {
				return nil, fmt.Errorf("reading the ID of topic %s: %v", t, d.Err)
			}
			r.ids[t] = d.ID
		}
	}
	return r.ids, nil
}
