// Package starrocks is an in-process emulator of one StarRocks 3.4 FE plus
// one BE, speaking the HTTP Stream Load and Transaction Stream Load protocols
// over real loopback sockets, for starcdc's tests and `starcdc demo`.
//
// It owns: an FE HTTP server (the 8030 role) and a BE HTTP server (the 8040
// role), the label/transaction registry, the BE's transaction contexts, an
// in-memory store of primary-key and duplicate-key tables, error logs, and
// fault injection (Inject: see FaultKind for what each fault does and
// where it acts; Fault says how to aim one at a label or at the n-th
// request).
// Handlers gives the FE and BE handlers themselves, e.g. to serve them
// behind TLS or on an in-memory network inside a testing/synctest bubble.
// The StarRocks behaviour it follows is written down in docs/streamload.md
// (§7 lists each emulator rule and its source); code comments cite that
// file's sections (§n.n).
//
// # Faithful
//
//   - FE `PUT /api/{db}/{table}/_stream_load`: 401 + `WWW-Authenticate` and the
//     RestBaseResult body on bad auth; 200 FAILED without `Expect:
//     100-continue`; otherwise 307 to the BE with the same path and query,
//     an empty body and `Connection: close`. The FE never reads the body, so
//     it never sends "100 Continue" (§1.1).
//   - BE Stream Load: its own Basic auth check, begin (user, database, table,
//     label format and reuse) and plan before the body is read; always HTTP
//     200 with the §2.1 body in its key order; Status Success / Publish
//     Timeout / Label Already Exists (+ExistingJobStatus) / Fail (§2.2) and the
//     §2.3 messages.
//   - Bodies: CSV (`column_separator`, `row_delimiter` incl. hex and escapes,
//     `\N` = NULL, `skip_header`, `trim_space`) and JSON (§1.4: NDJSON or
//     concatenated objects, `strip_outer_array`, exact keys, first duplicate
//     key wins, missing key = NULL, malformed JSON fails the whole load, the
//     100 MB limit and `ignore_json_size`).
//   - `columns` with plain names, temporaries, `c=src`, literals, NULL,
//     `__op='delete'|'upsert'` and `c=to_binary(src[, 'hex'|'encode64'|'utf8'])`
//     into VARBINARY/CHAR/VARCHAR (binary.go: the BE's semantics, e.g.
//     invalid hex gives an empty binary but invalid or empty base64 gives
//     NULL); `__op` read from JSON automatically (§1.3).
//   - VARBINARY(n) (alias BINARY(n)): bytes, length checked in bytes like
//     VARCHAR; a JSON string or CSV field without an expression stores the
//     text's bytes (§5.2). Rows and the MySQL protocol show the raw bytes,
//     as a MySQL client without --binary-as-hex does.
//   - Value conversion of §5.2 for every supported type, strict and non-strict
//     (a failed conversion into a nullable column silently stores NULL, into
//     a NOT NULL column filters the row), `max_filter_ratio`, "too many
//     filtered rows" failing the load atomically, and an ErrorURL served by the
//     BE at `GET /api/_load_error_log?file=...` with one "Error: <reason>.
//     Row: <row>" line per rejected row (at most 1000).
//   - Apply: rows in order, last op per primary key wins, `__op`=1 deletes,
//     upserts replace the row or, with `partial_update: true`, only the
//     listed columns. Each committed transaction is one atomic version; the
//     128-byte primary key limit fails the load.
//   - DUPLICATE KEY tables (CreateTableKind with KindDuplicate, or CREATE
//     TABLE ... DUPLICATE KEY(...) or without a key clause over SQL): every
//     loaded row is appended and kept, so a row loaded twice is stored
//     twice; Rows lists them by key, then load order, and Duplicates
//     counts the surplus copies. `__op` does not exist there: StarRocks'
//     FE plans an `__op` slot only for primary-key tables
//     (load/Load.java tableSupportOpColumn, planner/StreamLoadPlanner.java),
//     so a JSON "__op" key is an unknown key and a `columns` `__op` (field
//     or literal, even one that is neither upsert nor delete) is read and
//     dropped: a row with __op=1 is stored like any other and counts as
//     loaded, the load does not fail. `partial_update` fails with "Only
//     primary key table support partial update" (StreamLoadPlanner); the
//     128-byte limit does not apply. Key columns may be nullable (only a
//     primary key is made NOT NULL, CreateTableAnalyzer).
//   - `compression` or `Content-Encoding` (never both) GZIP or LZ4_FRAME:
//     the body is decompressed before it is parsed; in a transaction it is
//     part of what every load call must repeat (§1.2, §3.1). Size limits
//     apply to the bytes received.
//   - Labels per database (§2.5): reusable only once ABORTED (DTM
//     beginTransaction), forgotten beyond label_keep_max_num (1000) final
//     txns or label_keep_max_second (3 days) after they finished
//     (Config.LabelKeepMaxNum, Config.LabelKeepMax; checked on each
//     request rather than by the FE's periodic cleaner); `GET
//     /api/{db}/get_load_state` (§2.6). Config.Clock drives everything that
//     expires (retention, transaction timeouts, a publish timeout's
//     COMMITTED→VISIBLE), so a test can step over three days.
//   - Transaction interface (§3): FE routing (307 for begin/load/prepare and
//     for commit/rollback of a PREPARE txn, FE-side commit/abort of PREPARED
//     txns, the label→BE map and "has no node"), BE statuses and messages,
//     "load request not equal last.", data errors at prepare/commit, automatic
//     rollback of failed loads, TXN_IN_PROCESSING, `timeout`,
//     `idle_transaction_timeout` and `prepared_timeout` (checked lazily on
//     each request rather than by a 30 s cleaner).
//
// # Not emulated (a clear error, never a fake success)
//
// `where`, `jsonpaths`, `json_root`, `partitions`, `temporary_partitions`,
// `merge_condition`, `enclose`, `escape`, compression other than GZIP and
// LZ4_FRAME (BZIP2, ZSTD, DEFLATE, compressed `format`s), `negative`, merge
// commit, and column expressions other than those above (any other
// function, operators, nested calls) are refused with a Fail whose message
// says the emulator does not support them. Column DEFAULTs do not exist: a NOT NULL column a load does not fill is refused at plan time
// ("Column has no default value"), and a partial update that would insert a
// new row without a value for a NOT NULL column fails at commit. MAP, STRUCT,
// HLL and BITMAP columns and UNIQUE KEY / AGGREGATE KEY tables cannot be
// created; ALTER TABLE applies the primary-key rules to duplicate-key
// tables too (no key columns added, none placed before the last key).
//
// Ignored as they only tune a real cluster: `timezone`, `load_mem_limit`,
// `exec_mem_limit`, `load_dop`, `log_rejected_record_num`, `warehouse`, the
// Stream Load `timeout` (loads complete synchronously). Privileges beyond the
// password check do not exist: every configured user may load every table.
// There is one BE, no leader redirect, nothing is persisted, and the 3.4
// behaviours are emulated, not v4.0 multi-table transactions. The timing
// fields of replies are measured but meaningless.
//
// The FE's MySQL-protocol port (9030 role; MySQLAddr, ServeMySQL) serves the
// DDL and queries documented in mysql.go over the same table store
// (store.go) as the HTTP side: CREATE DATABASE/TABLE with StarRocks'
// validation, ALTER TABLE ADD/MODIFY COLUMN, information_schema.columns,
// SHOW CREATE TABLE, DESC, SELECT * / COUNT(*), TRUNCATE. MySQLOutage
// takes that port down (connections reset) until it is ended.
// ServeMySQLTLS serves that port over TLS (client certificates too, when
// its tls.Config asks for them), as an FE ≥ 3.4.1 with
// ssl_keystore_location does, and with MySQLTLS.Require refuses a client
// that does not switch to TLS as an FE with ssl_force_secure_transport=true
// does: error 5205 "Connections using insecure transport are prohibited"
// before the password check (MysqlProto.negotiate). Unlike StarRocks, it
// does not exempt localhost clients, since it only listens on loopback
// (mysqltls.go).
package starrocks
