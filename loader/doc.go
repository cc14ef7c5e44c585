// Package loader owns the load side of starcdc: it buffers encoded rows
// per StarRocks table in a byte-bounded memory budget and loads them into
// primary-key tables with Stream Load (PUT /api/{db}/{table}/_stream_load)
// or the transaction interface (/api/transaction/*), following the FE's
// 307 to a BE by hand.
//
// It knows nothing of Kafka or Debezium: rows arrive already encoded (a
// JSON object, or a CSV line) with the name of their table, and the Loader
// numbers them in Append order (Seq). AppendWith gives a row its own load
// Headers (a columns list, partial_update), e.g. for a partial update of a
// row whose TOASTed columns Debezium did not send.
//
// It owns, one file each: the buffer and its memory accounting
// (buffer.go), cutting rows into loads and labelling them (labels.go),
// deciding when loads start (schedule.go), one load's attempts, retries
// and backoff (attempt.go), the bisection of bad rows (isolate.go), the
// Lease and Fence (fence.go), and the two StarRocks protocols behind one
// interface (protocol.go, streamload.go, txn.go) over an HTTP client that
// follows the FE's redirects and fails over between FEs (client.go).
//
// # Delivery contract
//
//   - A row is reported loaded only once StarRocks has durably committed
//     it: a load answered Success or Publish Timeout, or whose label is
//     already held by a committed (FINISHED, COMMITTED, VISIBLE) load. A
//     label held by a running load is polled until it settles.
//   - Flush(ctx, batch) blocks until every row appended before the call is
//     committed, and returns nil only then. If an error is returned, the
//     rows not committed stay buffered, in order, with the label of their
//     load: calling Flush again re-sends them under the same label, so a
//     load that did commit before its reply was lost is not applied twice.
//   - With Options.Manual the caller cuts every load: Seal(name) labels
//     each table's loads by name alone (Label(LabelPrefix, table, name),
//     "-s<k>" for later Headers segments), so a caller that seals the same
//     rows in the same order under the same name after a crash gets the
//     same labels and StarRocks stores nothing twice (the replicator's
//     exactly-once epochs). Otherwise, in the background, a table is loaded
//     when its oldest row is FlushInterval old (if set; and MinLoadInterval
//     after its last load, if set), and the largest tables are loaded when
//     memory runs short. Every attempt is
//     reported to the Listener; LoadEvent.Seq, Durable and TableDurable
//     tell which rows are committed, so a caller commits source positions
//     only past durable rows.
//   - Per table at most one load runs at a time and loads commit in Append
//     order; tables load concurrently up to MaxConcurrentLoads. Rows with
//     different Headers (AppendWith) never share a load: a table's rows are
//     cut into consecutive segments where the Headers change, one load (one
//     transaction) each, still committed in Append order.
//   - Retryable failures (network errors, HTTP 5xx, Fail without a
//     permanent cause) are retried for RetryFor and MaxRetries times at the
//     least, with exponential
//     backoff and jitter. Permanent failures are not retried.
//   - Bad rows (ErrBadRows: "too many filtered rows", "primary key size
//     exceed the limit", an unparsable JSON row; the error log is fetched)
//     are isolated: the failed load's rows are loaded again in two halves,
//     in order, and every half failing the same way is halved again, until
//     the failing parts are single rows (at most MaxIsolationLoads extra
//     loads per failed load; a part failing when they are spent is kept
//     whole). The good rows commit in Append order; the bad rows are held
//     without blocking the table, and never retried (a later load may have
//     changed the same keys). Durable stops before the first bad row until
//     TakeFailed hands the bad rows over (for a dead-letter path), so that
//     no source position past unloaded data is reported durable. Rows
//     StarRocks filters within a max_filter_ratio the caller set are
//     dropped per load, as StarRocks does (LoadEvent.Filtered).
//   - Other permanent failures (denied access, a missing table, an invalid
//     option) and exhausted retries keep their rows and block their table
//     until Flush retries them or TakeFailed removes them. Wait and Flush
//     report both kinds.
//   - Labels: Flush loads are labelled Label(LabelPrefix, table, batch)
//     plus "-f<8 hex digits>", a fingerprint of the load's rows and
//     headers (so a replay that cut its rows differently never takes
//     another load's committed label for its own), the k-th Headers
//     segment of the table (k ≥ 2) that label plus "-s<k>" and its own
//     fingerprint, the halves of a load isolating bad rows its label plus "-a"
//     and "-b" (cut to 128 bytes with a hash when longer); background loads
//     get a label unique to the Loader instance. Labels are deterministic,
//     so replaying the same rows in the same batch, isolation included,
//     loads nothing twice. Delivery is at-least-once across restarts
//     (duplicates are harmless upserts on primary-key tables); StarRocks
//     keeps labels for a bounded window (label_keep_max_second,
//     label_keep_max_num), which bounds dedup.
//   - Close does not flush: buffered rows are dropped and running loads are
//     cancelled; nothing dropped was reported loaded.
//
// # Lease and Fence
//
// With Options.Lease, rows load only while the process may still load
// them (typically while it still holds the Kafka partitions they came
// from): a load attempt starts only while at least Margin of the lease
// remains, and waits otherwise, looking again every 50 ms; a body is sent
// only while Margin/2 remains and is cut short otherwise, so that
// StarRocks does not apply it. Fence stops the Loader for good: nothing
// loads or retries any more, a body in flight is cut short, an open
// transaction is rolled back, and Flush, Wait and TakeFailed report
// ErrFenced.
//
// # Transactions
//
// With ModeTransaction a load is one transaction: begin, one load call per
// buffer chunk, prepare, commit. A failure before the commit rolls it
// back; a commit whose reply is not OK (or lost) is settled by polling
// get_load_state (COMMITTED or VISIBLE is success, PREPARED is committed
// again); TXN_IN_PROCESSING is retried; a label is begun again only once
// it is ABORTED (or unknown). Data errors surface at prepare. Every load
// call of a transaction carries the same data headers (docs/streamload.md §3.1):
// a change of Headers starts a new transaction. Under a Lease, every
// prepare and commit call, retries included, waits for the lease as an
// attempt does: a transaction is applied by its commit.
//
// # Memory
//
// BufferedBytes counts every byte held (buffer capacity, not just row
// bytes), including loads in flight, until their commit. When it reaches
// MaxBytes/2 the largest tables are loaded; at MaxBytes Append blocks
// (Full, Wait) until a commit frees memory. The bound is MaxBytes plus one
// chunk (ChunkBytes, or one row when a row is larger), plus, per running
// load, a compressed copy of its body when Compression is set. While bad
// rows are isolated, the failed load's buffers stay held until its last
// part commits (bad rows are then copied out), plus row tables of the
// parts (8 bytes a row per bisection level). Bad rows held for TakeFailed
// count as held bytes; while any exists Append does not block.
//
// # Time and tests
//
// The Loader reads time only through package time (no clock of its own),
// so its waits (FlushInterval, MinLoadInterval, backoff, lease polls) can
// be tested in a testing/synctest bubble. This package's tests do so:
// they load into the StarRocks emulator (devstack/starrocks) served on an
// in-memory network inside a bubble (internal/testutil), where every wait
// is exact and costs no real time. loader/emutest holds further tests
// against the emulator over loopback.
package loader
