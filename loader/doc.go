// Package loader owns the load side of starcdc: it buffers encoded rows
// per StarRocks table in a byte-bounded memory budget and loads them into
// primary-key tables with Stream Load (PUT /api/{db}/{table}/_stream_load)
// or the transaction interface (/api/transaction/*), following the FE's
// 307 to a BE by hand.
//
// It knows nothing of Kafka or Debezium: rows arrive already encoded (a
// JSON object, or a CSV line) with the name of their table, and the Loader
// numbers them in Append order (Seq).
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
//   - In the background, a table is loaded when its oldest row is
//     FlushInterval old (if set; at most once per MinLoadInterval), and the
//     largest tables are loaded when memory runs short. Every attempt is
//     reported to the Listener; LoadEvent.Seq, Durable and TableDurable
//     tell which rows are committed, so a caller commits source positions
//     only past durable rows.
//   - Per table at most one load runs at a time and loads commit in Append
//     order; tables load concurrently up to MaxConcurrentLoads.
//   - Retryable failures (network errors, HTTP 5xx, Fail without a
//     permanent cause) are retried MaxRetries times with exponential
//     backoff and jitter. Permanent failures (bad rows: "too many filtered
//     rows", with the error log fetched; denied access; a missing table) are
//     not retried. A load that failed for good keeps its rows and blocks
//     its table until Flush retries it or TakeFailed removes it (for a
//     dead-letter path); Wait reports it.
//   - Labels: Flush loads are labelled Label(LabelPrefix, table, batch);
//     background loads get a label unique to the Loader instance. Delivery
//     is at-least-once across restarts (duplicates are harmless upserts on
//     primary-key tables); StarRocks keeps labels for a bounded window
//     (label_keep_max_second, label_keep_max_num), which bounds dedup.
//   - Close does not flush: buffered rows are dropped and running loads are
//     cancelled; nothing dropped was reported loaded.
//
// # Transactions
//
// With ModeTransaction a load is one transaction: begin, one load call per
// buffer chunk, prepare, commit. A failure before the commit rolls it
// back; a commit whose reply is not OK (or lost) is settled by polling
// get_load_state (COMMITTED or VISIBLE is success, PREPARED is committed
// again); TXN_IN_PROCESSING is retried; a label is begun again only once
// it is ABORTED (or unknown). Data errors surface at prepare.
//
// # Memory
//
// BufferedBytes counts every byte held (buffer capacity, not just row
// bytes), including loads in flight, until their commit. When it reaches
// MaxBytes/2 the largest tables are loaded; at MaxBytes Append blocks
// (Full, Wait) until a commit frees memory. The bound is MaxBytes plus one
// chunk (ChunkBytes, or one row when a row is larger), plus, per running
// load, a compressed copy of its body when Compression is set.
//
// The tests against the StarRocks emulator (devstack/starrocks) live in
// loader/emutest, so that this package's tests do not depend on it.
package loader
