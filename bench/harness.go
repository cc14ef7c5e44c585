package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/ddl"
	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/pipeline"
)

// Config is one run of the harness.
type Config struct {
	Records int // change events per format
	// InProc caps the records the in-process passes (c) and (d) run over:
	// the first InProc of the produced ones (0: all).
	InProc  int
	Formats []string // names from Formats
	// Freshness run (Avro): records produced per second for FreshFor while
	// starcdc runs with bufferflush.intervalms=1000. FreshRate 0 skips it.
	FreshRate int
	FreshFor  time.Duration
	// Memory run (Avro): Backlog records produced before starcdc starts,
	// every load answered after SlowLoad. Backlog 0 skips it.
	Backlog  int
	SlowLoad time.Duration
	// Keep makes the emulator store the rows (not Discard) so that the
	// run can check every row landed; a test's setting.
	Keep bool
	// Exe is the binary to re-exec as the bare consumer (default: this
	// process's executable).
	Exe string
	// Set adds or replaces connector keys of every starcdc run and of the
	// in-process pipeline (e.g. starrocks.delivery=at_least_once).
	Set map[string]string
	// Env adds KEY=VALUE entries to the environment of every starcdc run
	// (e.g. GOMEMLIMIT=128MiB), not to this process's.
	Env []string
	// Log receives progress lines (nil: discarded).
	Log io.Writer
	// Loaded, when set, is called after starcdc has loaded a format's
	// records (a test's check of the emulator's tables).
	Loaded func(format string, em *starrocks.Emulator) error
}

// Result is one format's measurements.
type Result struct {
	Format  string
	Records int
	Bytes   int64 // record keys and values produced
	Produce time.Duration
	Bare    procResult // (a)
	Starcdc procResult // (b)
	Loaded  float64    // starcdc_load_rows_total at the end of (b)
	Core    inProc     // (c)
	Naive   inProc     // (d)
}

// inProc is an in-process, single-goroutine pass over the records.
type inProc struct {
	Wall    time.Duration
	CPU     time.Duration // process rusage delta (includes the GC's other threads)
	Rows    int
	Bytes   int64 // record keys and values read
	Mallocs uint64
}

// Freshness is the freshness run's result.
type Freshness struct {
	Records  int
	Rate     int
	For      time.Duration
	P50, P99 float64 // seconds; NaN when starcdc exports no histogram
	Err      error   // why P50/P99 are missing
}

// Memory is the slow-StarRocks run's result.
type Memory struct {
	Records  int
	MaxBytes int64
	SlowLoad time.Duration
	Slowed   int64 // loads the emulator answered late
	Starcdc  procResult
}

// Report is everything one run measured.
type Report struct {
	Results   []Result
	Freshness *Freshness
	Memory    *Memory
	Elapsed   time.Duration
	LoadAvg   string // 1-minute load average when the run started
}

// harness holds the stack and the state shared by the measurements.
type harness struct {
	cfg   Config
	log   io.Writer
	stack *devstack.Stack
	srcl  *sr.Client
	adm   *kadm.Client
	admCl *kgo.Client
	bin   string // the starcdc binary
	dir   string // temporary files
	exe   string
	runs  int // starcdc runs so far (connector names)
}

func (h *harness) logf(format string, args ...any) {
	fmt.Fprintf(h.log, "bench: "+format+"\n", args...)
}

// Run runs the harness: it starts the stack, builds starcdc, measures each
// format, then the freshness and memory runs.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	start := time.Now()
	fs := make([]format, len(cfg.Formats))
	for i, name := range cfg.Formats {
		f, err := newFormat(name)
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	if cfg.Records < 1 {
		return nil, fmt.Errorf("%d records: want at least 1", cfg.Records)
	}
	h := &harness{cfg: cfg, log: cfg.Log, exe: cfg.Exe}
	if h.log == nil {
		h.log = io.Discard
	}
	if h.exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		h.exe = exe
	}
	var err error
	if h.dir, err = os.MkdirTemp("", "starcdc-bench"); err != nil {
		return nil, err
	}
	defer os.RemoveAll(h.dir)
	if err := h.build(ctx); err != nil {
		return nil, err
	}
	if err := h.startStack(); err != nil {
		return nil, err
	}
	defer h.close()

	rep := &Report{LoadAvg: loadAvg()}
	for _, f := range fs {
		r, err := h.measure(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
		rep.Results = append(rep.Results, r)
	}
	if cfg.FreshRate > 0 {
		if rep.Freshness, err = h.freshness(ctx); err != nil {
			return nil, fmt.Errorf("freshness run: %w", err)
		}
	}
	if cfg.Backlog > 0 {
		if rep.Memory, err = h.memory(ctx); err != nil {
			return nil, fmt.Errorf("memory run: %w", err)
		}
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/starcdc/starcdc\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the starcdc module (no go.mod of github.com/starcdc/starcdc above the working directory)")
		}
		dir = parent
	}
}

// build builds starcdc from the module's source.
func (h *harness) build(ctx context.Context) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	h.bin = filepath.Join(h.dir, "starcdc")
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", h.bin, "./cmd/starcdc")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/starcdc: %w\n%s", err, out)
	}
	h.logf("built starcdc in %.1fs", time.Since(t0).Seconds())
	return nil
}

func (h *harness) startStack() error {
	s, err := devstack.Start(devstack.Options{Discard: !h.cfg.Keep})
	if err != nil {
		return err
	}
	h.stack = s
	if err := s.StarRocks.CreateDatabase(Database); err != nil {
		return err
	}
	for _, t := range Tables {
		if err := s.StarRocks.CreateTable(Database, t, columns, []string{"id"}); err != nil {
			return err
		}
	}
	if h.srcl, err = sr.NewClient(sr.URLs(s.Registry.URL())); err != nil {
		return err
	}
	if h.admCl, err = kgo.NewClient(kgo.SeedBrokers(s.Brokers()...)); err != nil {
		return err
	}
	h.adm = kadm.NewClient(h.admCl)
	return nil
}

func (h *harness) close() {
	if h.admCl != nil {
		h.admCl.Close()
	}
	if h.stack != nil {
		h.stack.Close()
	}
}

// topics creates the three topics of a run, 4 partitions each.
func (h *harness) topics(ctx context.Context, prefix string) ([]string, error) {
	ts := make([]string, len(Tables))
	for i, t := range Tables {
		ts[i] = prefix + ".shop." + t
	}
	resp, err := h.adm.CreateTopics(ctx, PartitionsPerTopic, 1, nil, ts...)
	if err == nil {
		err = resp.Error()
	}
	return ts, err
}

// drop deletes the topics of a run and the groups that read them, so
// that kfake frees their records.
func (h *harness) drop(ctx context.Context, topics []string, groups ...string) {
	if _, err := h.adm.DeleteTopics(ctx, topics...); err != nil {
		h.logf("deleting %v: %v", topics, err)
	}
	if len(groups) > 0 {
		if _, err := h.adm.DeleteGroups(ctx, groups...); err != nil {
			h.logf("deleting groups %v: %v", groups, err)
		}
	}
}

// records is an encoded workload held in memory.
type records struct {
	keys, values [][]byte
	table        []uint8 // index in Tables of each record
	bytes        int64   // keys and values of every record produced
	kept         int64   // bytes of keys and values
}

// producer writes records to kfake: asynchronous, batched, every partition
// at once, uncompressed, leader acks.
type producer struct {
	cl     *kgo.Client
	failed atomic.Int64
	first  atomic.Value // error
}

func newProducer(brokers []string) (*producer, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite(),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.MaxBufferedRecords(200000),
		kgo.ProducerBatchMaxBytes(1<<20))
	if err != nil {
		return nil, err
	}
	return &producer{cl: cl}, nil
}

func (p *producer) produce(ctx context.Context, r *kgo.Record) {
	p.cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
		if err != nil && p.failed.Add(1) == 1 {
			p.first.Store(err)
		}
	})
}

// finish flushes and closes the producer, returning the first error.
func (p *producer) finish(ctx context.Context) error {
	defer p.cl.Close()
	if err := p.cl.Flush(ctx); err != nil {
		return err
	}
	if n := p.failed.Load(); n > 0 {
		return fmt.Errorf("%d records failed to produce, the first: %w", n, p.first.Load().(error))
	}
	return nil
}

// encodeAndProduce encodes events [0, n) with f and produces them to
// topics; the first keep records stay in memory for the in-process passes.
func (h *harness) encodeAndProduce(ctx context.Context, f format, topics []string, n, keep int) (*records, error) {
	p, err := newProducer(h.stack.Brokers())
	if err != nil {
		return nil, err
	}
	rs := &records{}
	keep = min(keep, n)
	rs.keys, rs.values, rs.table = make([][]byte, 0, keep), make([][]byte, 0, keep), make([]uint8, 0, keep)
	var arena, scratch []byte
	for i := 0; i < n; i++ {
		ev := genEvent(i)
		scratch = f.AppendKey(scratch[:0], &ev)
		kn := len(scratch)
		if scratch, err = f.Append(scratch, &ev); err != nil {
			p.cl.Close()
			return nil, fmt.Errorf("encoding event %d: %w", i, err)
		}
		if cap(arena)-len(arena) < len(scratch) {
			arena = make([]byte, 0, max(8<<20, len(scratch)))
		}
		start := len(arena)
		arena = append(arena, scratch...)
		k, v := arena[start:start+kn:start+kn], arena[start+kn:len(arena):len(arena)]
		rs.bytes += int64(len(scratch))
		if i < keep {
			rs.keys, rs.values, rs.table = append(rs.keys, k), append(rs.values, v), append(rs.table, uint8(ev.Table))
			rs.kept += int64(len(scratch))
		}
		p.produce(ctx, &kgo.Record{Topic: topics[ev.Table], Partition: ev.Partition, Key: k, Value: v})
	}
	return rs, p.finish(ctx)
}

// connector is the connector configuration of a starcdc run (and of the
// in-process pipeline) over topics in format f.
func (h *harness) connector(name string, f format, topics []string) map[string]string {
	t2t := make([]string, len(topics))
	for i, t := range topics {
		t2t[i] = t + ":" + Tables[i]
	}
	m := map[string]string{
		"name":                      name,
		"connector.class":           "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"bootstrap.servers":         strings.Join(h.stack.Brokers(), ","),
		"topics":                    strings.Join(topics, ","),
		"starrocks.http.url":        strings.TrimPrefix(h.stack.StarRocks.FEURL(), "http://"),
		"starrocks.mysql.url":       h.stack.StarRocks.MySQLAddr(),
		"starrocks.username":        "root",
		"starrocks.password":        "",
		"starrocks.database.name":   Database,
		"starrocks.topic2table.map": strings.Join(t2t, ","),
		"bufferflush.intervalms":    "1000",
	}
	for k, v := range f.Props(h.stack.Registry.URL()) {
		m[k] = v
	}
	for k, v := range h.cfg.Set {
		m[k] = v
	}
	return m
}

// measure runs (a)–(d) for one format.
func (h *harness) measure(ctx context.Context, f format) (Result, error) {
	res := Result{Format: f.Name(), Records: h.cfg.Records}
	topics, err := h.topics(ctx, f.Name())
	if err != nil {
		return res, err
	}
	if err := f.Register(ctx, h.srcl, topics); err != nil {
		return res, err
	}
	before := h.loadedRows()
	t0 := time.Now()
	keep := h.cfg.InProc
	if keep <= 0 {
		keep = h.cfg.Records
	}
	rs, err := h.encodeAndProduce(ctx, f, topics, h.cfg.Records, keep)
	if err != nil {
		return res, err
	}
	res.Bytes, res.Produce = rs.bytes, time.Since(t0)
	h.logf("%s: produced %d records (%.1f MB) in %.1fs", f.Name(), h.cfg.Records, float64(rs.bytes)/1e6, res.Produce.Seconds())

	// (a) bare consumer
	bareGroup := "bench-bare-" + f.Name()
	s0 := rusageSelf()
	if res.Bare, err = runBare(ctx, h.exe, bareArgs{Brokers: h.stack.Brokers(), Group: bareGroup, Topics: topics, Records: h.cfg.Records}); err != nil {
		return res, err
	}
	res.Bare.Stack = rusageSelf() - s0
	h.logf("%s: bare consumer %.2fs", f.Name(), res.Bare.Wall.Seconds())

	// (b) starcdc end to end
	name := "bench-" + f.Name()
	props := h.connector(name, f, topics)
	s0 = rusageSelf()
	res.Starcdc, res.Loaded, err = h.runStarcdc(ctx, props, topics, nil)
	if err != nil {
		return res, err
	}
	res.Starcdc.Stack = rusageSelf() - s0
	h.logf("%s: starcdc %.2fs", f.Name(), res.Starcdc.Wall.Seconds())
	if int(res.Loaded) != h.cfg.Records {
		return res, fmt.Errorf("starcdc reports %v rows loaded, want %d", res.Loaded, h.cfg.Records)
	}
	if h.cfg.Keep {
		if got := h.loadedRows() - before; got != int64(h.cfg.Records) {
			return res, fmt.Errorf("the emulator loaded %d rows, want %d", got, h.cfg.Records)
		}
	}
	if h.cfg.Loaded != nil {
		if err := h.cfg.Loaded(f.Name(), h.stack.StarRocks); err != nil {
			return res, err
		}
	}
	h.drop(ctx, topics, bareGroup, config.GroupID(name))

	// (c) and (d) in process
	if res.Core, err = h.core(ctx, props, topics, rs); err != nil {
		return res, fmt.Errorf("decode+encode core: %w", err)
	}
	if res.Naive, err = naivePass(f, rs); err != nil {
		return res, fmt.Errorf("naive baseline: %w", err)
	}
	h.logf("%s: core %.2fs, naive %.2fs", f.Name(), res.Core.Wall.Seconds(), res.Naive.Wall.Seconds())
	return res, nil
}

// loadedRows is the emulator's count of loaded rows over the bench's
// tables (0 in Discard mode, which parses no rows).
func (h *harness) loadedRows() int64 {
	var n int64
	for _, t := range Tables {
		n += h.stack.StarRocks.Stats(Database, t).LoadedRows
	}
	return n
}

// runStarcdc runs starcdc on props until its group has committed every
// record of topics, calling during (if set) once it is up; then it scrapes
// its metrics and stops it with SIGTERM. It returns the process's cost and
// starcdc_load_rows_total; the scraped text goes to scraped when set.
func (h *harness) runStarcdc(ctx context.Context, props map[string]string, topics []string, during func(metricsURL string) error, scraped ...*string) (procResult, float64, error) {
	p, err := startStarcdc(h.bin, h.dir, props, h.cfg.Env)
	if err != nil {
		return procResult{}, 0, err
	}
	ok := false
	defer func() {
		if !ok {
			p.kill()
		}
	}()
	url, err := p.metricsURL(ctx)
	if err != nil {
		return procResult{}, 0, err
	}
	if during != nil {
		if err := during(url); err != nil {
			return procResult{}, 0, err
		}
	}
	group := config.GroupID(props["name"])
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	for {
		lag, err := h.lag(wctx, group, topics)
		if err == nil && lag == 0 {
			break
		}
		if gone, err := p.exited(); gone {
			return procResult{}, 0, err
		}
		if wctx.Err() != nil {
			return procResult{}, 0, fmt.Errorf("%w: lag %d: %v", devstack.ErrNotDrained, lag, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	done := time.Now()
	text, err := scrape(ctx, url)
	if err != nil {
		return procResult{}, 0, err
	}
	if len(scraped) > 0 {
		*scraped[0] = text
	}
	loaded, _ := counterSum(text, "starcdc_load_rows_total")
	ok = true
	r, err := p.stop(done)
	return r, loaded, err
}

// lag is devstack.Lag over the harness's one admin client (devstack.Lag
// makes a client per call, too much load for polling every 25 ms).
func (h *harness) lag(ctx context.Context, group string, topics []string) (int64, error) {
	return devstack.AdminLag(ctx, h.adm, group, topics...)
}

// rusageSelf is this process's CPU time so far.
func rusageSelf() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) time.Duration {
		return time.Duration(t.Sec)*time.Second + time.Duration(t.Usec)*time.Microsecond
	}
	return tv(ru.Utime) + tv(ru.Stime)
}

// pass times fn over every record on one goroutine, with the process's
// CPU time and allocations.
func pass(n int, fn func(i int) (int, error)) (inProc, error) {
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0, t0 := rusageSelf(), time.Now()
	rows := 0
	for i := 0; i < n; i++ {
		k, err := fn(i)
		if err != nil {
			return inProc{}, fmt.Errorf("record %d: %w", i, err)
		}
		rows += k
	}
	r := inProc{Wall: time.Since(t0), CPU: rusageSelf() - cpu0, Rows: rows}
	runtime.ReadMemStats(&m1)
	r.Mallocs = m1.Mallocs - m0.Mallocs
	return r, nil
}

// core is (c): the pipeline of the connector configuration, column types
// read from the emulator as starcdc reads them, over the records in
// memory after a warm-up that fills the registry cache.
func (h *harness) core(ctx context.Context, props map[string]string, topics []string, rs *records) (inProc, error) {
	cfg, _, err := config.FromMap(props)
	if err != nil {
		return inProc{}, err
	}
	p, err := pipeline.NewPipeline(cfg.Connectors[0], nil)
	if err != nil {
		return inProc{}, err
	}
	m, err := ddl.Open(h.stack.StarRocks.MySQLAddr(), "root", "", config.MySQLTLS{})
	if err != nil {
		return inProc{}, err
	}
	defer m.Close()
	p.Targets = pipeline.NewTableTypes(m, Database, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var buf []byte
	out := 0
	emit := func(_ string, _ loader.Headers, row []byte) { out += len(row) }
	one := func(i int) (int, error) {
		o, b, err := p.RowsOf(ctx, pipeline.Input{Topic: topics[rs.table[i]], Offset: int64(i), Timestamp: 1712917800123, Key: rs.keys[i], Value: rs.values[i]}, buf, emit)
		buf = b
		return o.Rows, err
	}
	for i := 0; i < min(len(rs.values), 64); i++ { // warm: schemas and column types
		if _, err := one(i); err != nil {
			return inProc{}, err
		}
	}
	r, err := pass(len(rs.values), one)
	r.Bytes = rs.kept
	if err == nil && r.Rows != len(rs.values) {
		err = fmt.Errorf("%d rows from %d records", r.Rows, len(rs.values))
	}
	return r, err
}

// naivePass is (d) over the records in memory.
func naivePass(f format, rs *records) (inProc, error) {
	naive, err := f.Naive()
	if err != nil {
		return inProc{}, err
	}
	out := 0
	r, err := pass(len(rs.values), func(i int) (int, error) {
		b, err := naive(rs.keys[i], rs.values[i])
		out += len(b)
		return 1, err
	})
	r.Bytes = rs.kept
	return r, err
}

// freshness runs starcdc on empty Avro topics while records are produced
// at FreshRate for FreshFor, then reads its freshness histogram.
func (h *harness) freshness(ctx context.Context) (*Freshness, error) {
	f := &avroFormat{}
	topics, err := h.topics(ctx, "fresh")
	if err != nil {
		return nil, err
	}
	if err := f.Register(ctx, h.srcl, topics); err != nil {
		return nil, err
	}
	res := &Freshness{Rate: h.cfg.FreshRate, For: h.cfg.FreshFor, P50: math.NaN(), P99: math.NaN()}
	name := "bench-freshness"
	props := h.connector(name, f, topics)
	var text string
	produce := func(string) error {
		p, err := newProducer(h.stack.Brokers())
		if err != nil {
			return err
		}
		const tick = 10 * time.Millisecond
		per := float64(h.cfg.FreshRate) * tick.Seconds()
		start := time.Now()
		tk := time.NewTicker(tick)
		defer tk.Stop()
		sent := 0
		var scratch []byte
		for now := start; now.Sub(start) < h.cfg.FreshFor; now = <-tk.C {
			due := int(per * float64(now.Sub(start)/tick+1))
			for ; sent < due; sent++ {
				ev := genEvent(sent)
				if scratch, err = f.Append(nil, &ev); err != nil {
					p.cl.Close()
					return err
				}
				p.produce(ctx, &kgo.Record{Topic: topics[ev.Table], Partition: ev.Partition, Key: f.AppendKey(nil, &ev), Value: scratch})
			}
		}
		res.Records = sent
		return p.finish(ctx)
	}
	if _, _, err := h.runStarcdc(ctx, props, topics, produce, &text); err != nil {
		return nil, err
	}
	h.drop(ctx, topics, config.GroupID(name))
	bs, err := parseBuckets(text, freshnessMetric)
	if err != nil {
		res.Err = err
		return res, nil
	}
	res.P50, res.P99 = quantile(0.5, bs), quantile(0.99, bs)
	h.logf("freshness: %d records, p50 %.3fs p99 %.3fs", res.Records, res.P50, res.P99)
	return res, nil
}

// memory produces a backlog of Avro records, makes every load answer
// after SlowLoad, and runs starcdc over the backlog with the default
// bufferflush.maxbytes.
func (h *harness) memory(ctx context.Context) (*Memory, error) {
	f := &avroFormat{}
	topics, err := h.topics(ctx, "slow")
	if err != nil {
		return nil, err
	}
	if err := f.Register(ctx, h.srcl, topics); err != nil {
		return nil, err
	}
	if _, err := h.encodeAndProduce(ctx, f, topics, h.cfg.Backlog, 0); err != nil {
		return nil, err
	}
	name := "bench-slow"
	props := h.connector(name, f, topics)
	cfg, _, err := config.FromMap(props)
	if err != nil {
		return nil, err
	}
	res := &Memory{Records: h.cfg.Backlog, MaxBytes: cfg.Connectors[0].BufferFlushMaxBytes, SlowLoad: h.cfg.SlowLoad}
	// The fault stays for the rest of the stack's life: this run is the
	// last.
	var slowed atomic.Int64
	h.stack.StarRocks.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultSlow, Delay: h.cfg.SlowLoad, Times: math.MaxInt,
		Acted: func() { slowed.Add(1) }})
	if res.Starcdc, _, err = h.runStarcdc(ctx, props, topics, nil); err != nil {
		return nil, err
	}
	res.Slowed = slowed.Load()
	h.drop(ctx, topics, config.GroupID(name))
	h.logf("memory: peak RSS %.0f MiB, %d slow loads, %.1fs", float64(res.Starcdc.MaxRSS)/(1<<20), res.Slowed, res.Starcdc.Wall.Seconds())
	return res, nil
}
