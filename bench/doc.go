// Command bench is starcdc's throughput harness (issue 13). From the module
// root, on a fresh clone:
//
//	go run ./bench [-n 1000000] [-formats avro,protobuf,jsonschema,json]
//
// It builds starcdc (go build ./cmd/starcdc), starts the embedded stack
// in-process (devstack: kfake, srfake over HTTP, the StarRocks emulator in
// Discard mode, which reads each Stream Load body and throws it away
// unparsed), and for each format produces -n Debezium change events into
// three topics of four partitions (workload.go: ten columns including
// Decimal, MicroTimestamp, Date, Json, double, boolean; 60% c, 30% u, 10%
// d; keyed by primary key). Avro, Protobuf and JSON Schema keys and values
// are in Confluent's wire format with the schemas registered under
// TopicNameStrategy subjects; JsonConverter keys and values carry their
// schema. A format's topics are
// deleted before the next format's are produced. It prints one Markdown
// table, then the freshness and slow-StarRocks runs, with the machine and
// the command.
//
// Each format gets four rows:
//
//   - (a) bare consumer: a franz-go group consumer with default settings
//     reading every record, as a child process (this binary re-executed).
//     The Kafka-side limit of any consumer of kfake on this machine.
//   - (b) starcdc end to end: `starcdc run` as a child process with a
//     StarRocks connector config (topics, starrocks.http.url, database,
//     key and value converters and registry URL, bufferflush.maxbytes default,
//     bufferflush.intervalms=1000, every other key at its default or as
//     -set key=value gives it, its environment extended by -env KEY=VALUE,
//     e.g. GOMEMLIMIT), from its start until its consumer group's lag is
//     0; then SIGTERM.
//   - (c) decode+encode core: pipeline.NewPipeline from the same connector
//     config (column types read from the emulator, as starcdc reads them),
//     RowsOf over the records held in memory, one goroutine, registry warm.
//   - (d) naive baseline over the same bytes: a generic decode of key and
//     value into maps and encoding/json of the row image (Avro: hamba avro.Unmarshal into
//     map[string]any; Protobuf: dynamicpb + protojson; JSON Schema and
//     JsonConverter: json.Unmarshal into map[string]any).
//
// (c) and (d) run over the first -inproc (250,000) of the produced records,
// which bounds the harness's memory and time; they are rates.
//
// Columns:
//
//   - rows/s: records (= rows: one per event) divided by wall time. For (a)
//     and (b) the wall time runs from the child's start (process start and
//     group join included) until it has read every record (a) or until its
//     group has committed every offset (b). Wall times depend on what else
//     the machine runs; the CPU column does much less.
//   - MB/s: Kafka record key and value bytes read per second of wall time.
//   - CPU s / M rows: user + system CPU seconds per million rows. For (a) and
//     (b) from the child's rusage (ProcessState.SysUsage, Utime + Stime);
//     for (c) and (d) this process's rusage over the pass (the GC's other
//     threads included, the idle stack too).
//   - allocs/row: runtime.MemStats.Mallocs over the pass divided by rows ((c)
//     and (d) only).
//   - peak RSS: the child's VmHWM from /proc/PID/status ((a) and (b) only).
//     Not rusage's Maxrss: Go starts children with vfork, and at exec the
//     kernel folds the parent's high-water RSS (the stack and the records
//     held here, up to gigabytes) into the child's Maxrss.
//   - ratio: b/a is starcdc's throughput as a fraction of the bare
//     consumer's; c/d is how many times faster the core is than the naive
//     baseline. Each by wall time, then (CPU …) by CPU time per row, which
//     varies much less when other processes share the cores (the header
//     gives the load average when the run started).
//
// Two more runs, Avro only:
//
//   - Freshness: starcdc runs while -fresh-rate records/s (5,000) are
//     produced for -fresh-for (20 s), bufferflush.intervalms=1000. p50 and
//     p99 are histogram_quantile of starcdc's own
//     starcdc_record_freshness_seconds (Kafka timestamp to load
//     acknowledged), scraped from its /metrics before it stops.
//   - Slow StarRocks: -backlog records (500,000) are produced, every Stream
//     Load is answered after -slow-load (3 s; the emulator's FaultSlow), and
//     starcdc drains the backlog with the default bufferflush.maxbytes. Its
//     peak RSS is printed next to maxbytes (the target: at most maxbytes +
//     64 MiB).
//
// TestHarness runs all of it with 2,000 records per format and the emulator
// storing rows, and checks every row in the tables after each format. The
// older Go benchmarks (bench_test.go) still run as
// `go test -run=NONE -bench=. -benchtime=3x ./bench/`.
package main
