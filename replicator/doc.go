// Package replicator runs one connector: it owns the connector's Kafka
// consumer group ("connect-<name>", GroupID), hands each fetched record to
// the record pipeline (package pipeline) and the rows it yields to the Sink
// (the loader), and commits offsets behind durable loads.
//
// It owns:
//   - the consume/commit loop (New, Run): fetch, prepare each poll's
//     partitions in parallel and hand them over in offset order
//     (prepare.go), back-pressure while the Sink or the epoch is full
//     (rebalances allowed meanwhile), commit what is durable, and a final
//     flush and commit when it stops;
//   - exactly-once delivery (Config.ExactlyOnce, epoch.go): epochs whose
//     intent is written to the group's offset metadata before their rows
//     are sealed under labels of their Kafka ranges, and the replay of any
//     intent found at assignment;
//   - static group membership and leaving the group at once on stop
//     (membership.go), and the connector's health for /ready (health.go);
//   - Debezium truncate events (everything before them is loaded first);
//   - the hand-off to the dead-letter policy (package deadletter) of the
//     records the pipeline fails on and of the rows StarRocks rejects;
//   - fencing and the membership lease: the loader loads only while
//     heartbeats prove that this process still belongs to the group
//     (Lease), and a member that loses or cannot flush its partitions
//     fences the loader and stops;
//   - the metrics of that loop and of the loads (Stats reads them);
//   - the composition root: FromConfig builds a connector's pipeline, DDL
//     hooks, loader, lease and dead-letter policy from its typed
//     configuration, and Check checks a whole configuration as every
//     command loads it. They stay here rather than in cmd/starcdc because
//     the lease is shared by the consumer group and the loader through
//     unexported state, and because the end-to-end tests and benchmarks
//     build replicators with them.
//
// Delivery contract: a Kafka offset is committed only after every row of the
// records before it was durably loaded by StarRocks (or, for a record that
// yields no row, after everything before it was). A crash therefore replays
// at most the records after the last commit; with ExactlyOnce the replay
// cuts the same loads under the same labels, so StarRocks stores no row
// twice in any table kind (without it, the primary-key tables make such a
// replay harmless). A record
// that cannot be loaded goes to the dead-letter policy, which either takes it
// or stops the pipeline before its offset is committed: nothing is lost. An
// error that is not the record's fault (pipeline.ErrStop: the configuration,
// an unreachable StarRocks or schema registry) stops the pipeline whatever
// the policy, before the record's offset is committed.
//
// Several processes with the same connector name share the work through the
// Kafka group protocol; on a rebalance the revoked partitions' data is
// flushed and committed before they are released. Rows of partitions this
// process no longer owns are never loaded after the new owner's.
package replicator
