package loader

import (
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/bits"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/starcdc/starcdc/internal/redact"
)

// Format is the encoding of the rows given to Append.
type Format uint8

const (
	// FormatJSON: every row is one JSON object. A load body is the rows
	// joined by "," inside "[" and "]" (strip_outer_array=true).
	FormatJSON Format = iota
	// FormatCSV: every row is one CSV line without its delimiter. A load
	// body is every row followed by the row delimiter.
	FormatCSV
)

// String returns the value sent in the format header.
func (f Format) String() string {
	switch f {
	case FormatJSON:
		return "json"
	case FormatCSV:
		return "csv"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// Mode selects the StarRocks load protocol.
type Mode uint8

const (
	// ModeStreamLoad sends every load as one PUT /api/{db}/{table}/_stream_load
	// (docs/streamload.md §1–2). This is the default.
	ModeStreamLoad Mode = iota
	// ModeTransaction sends every load as one transaction of the
	// /api/transaction/{begin,load,prepare,commit,rollback} interface
	// (docs/streamload.md §3): one load call per buffered chunk, then
	// prepare and commit. Needs StarRocks 2.4 or later.
	ModeTransaction
)

// String returns the name of the mode.
func (m Mode) String() string {
	switch m {
	case ModeStreamLoad:
		return "stream_load"
	case ModeTransaction:
		return "transaction"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Compression selects the compression of load bodies.
type Compression uint8

const (
	// CompressionNone sends bodies as they are (the default).
	CompressionNone Compression = iota
	// CompressionGzip sends gzip bodies with the header compression: GZIP
	// (StarRocks 3.2.7 or later).
	CompressionGzip
	// CompressionLZ4 sends LZ4 frame bodies with the header
	// compression: LZ4_FRAME (StarRocks 3.2.7 or later).
	CompressionLZ4
)

// String returns the value sent in the compression header.
func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return ""
	case CompressionGzip:
		return "GZIP"
	case CompressionLZ4:
		return "LZ4_FRAME"
	}
	return fmt.Sprintf("Compression(%d)", uint8(c))
}

// Defaults applied by New to zero-valued options.
const (
	// DefaultMaxBytes is the default memory budget, the default of
	// bufferflush.maxbytes (64 MiB).
	DefaultMaxBytes = 64 << 20
	// ConnectorFlushInterval is the Java connector's default of
	// bufferflush.intervalms (1 s), for callers mapping that key to
	// FlushInterval. FlushInterval itself defaults to off.
	ConnectorFlushInterval = time.Second
	// DefaultMaxConcurrentLoads is the default bound on loads running at
	// once, across tables (the Java connector's ioThreadCount).
	DefaultMaxConcurrentLoads = 2
	// DefaultConnectTimeout is the default TCP connect timeout of every
	// request (starrocks.connect.timeout.ms). The Java connector's requests
	// have none but the OS's (minutes); 10 s fails over from a black-holed
	// FE or BE in reasonable time while tolerating a slow WAN. It is not
	// connect.timeoutms, which the Java connector uses only for its FE
	// reachability probe (docs/connector.md §1).
	DefaultConnectTimeout = 10 * time.Second
	// DefaultChunkBytes is the default size of one buffer chunk. In
	// ModeTransaction every chunk is one load call.
	DefaultChunkBytes = 8 << 20
)

// Options configures a Loader. The zero value of every field except URLs,
// Username and Database is usable; note that MaxRetries 0 means no retry
// (the connector's sink.maxretries defaults to 3).
type Options struct {
	// URLs are the FE base URLs with scheme, e.g. http://127.0.0.1:8030.
	// With several, a request goes to the first healthy one; an FE that
	// cannot be reached is skipped for a growing cool-down. No probe is sent
	// per request.
	URLs []string
	// Username and Password authenticate every request (HTTP Basic). The
	// password never appears in logs or errors.
	Username string
	Password string
	// Database receives every table.
	Database string
	// Format of the rows given to Append.
	Format Format
	// Headers are the sink.properties.* entries (keys lowercased), sent as
	// headers on every load. For FormatJSON, strip_outer_array=true and
	// ignore_json_size=true are sent unless set here. The format header is
	// always sent from Format. label, expect, authorization, content-length,
	// transfer-encoding, compression and content-encoding are owned by
	// the Loader and rejected here.
	Headers map[string]string
	// ConnectTimeout is the dial timeout of the pooled client, for the FEs
	// and the BEs they redirect to (starrocks.connect.timeout.ms). Zero
	// means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// MaxRetries is the number of retries of a failed load (sink.maxretries),
	// with exponential backoff and jitter; -1 retries without limit, 0 never
	// retries. Permanent failures are never retried.
	MaxRetries int64
	// LabelPrefix starts every label. Use one prefix per replicator
	// deployment writing into Database.
	LabelPrefix string
	// Listener, when not nil, is told about every load attempt.
	Listener Listener
	// Logger, when not nil, receives warnings about failed attempts and
	// debug records about loads.
	Logger *slog.Logger
	// HTTPClient, when not nil, is used for every request. The Loader uses
	// a shallow copy whose CheckRedirect returns http.ErrUseLastResponse,
	// because redirects to the BE are followed by hand. Its transport
	// should set ExpectContinueTimeout > 0. When nil one pooled client is
	// built (HTTP/1.1, keep-alive, TLSConfig for https URLs).
	HTTPClient *http.Client

	// Buffering and protocol.

	// MaxBytes bounds the bytes held by the Loader (bufferflush.maxbytes):
	// rows waiting, and loads not yet committed. When the held bytes reach
	// half of it, the tables holding the most are loaded at once (ignoring
	// MinLoadInterval); when they reach it, Append blocks (and Full reports
	// true) until a load commits and frees memory. Zero means
	// DefaultMaxBytes.
	MaxBytes int64
	// FlushInterval is the age of a table's oldest buffered row after
	// which the table is loaded in the background (bufferflush.intervalms,
	// see ConnectorFlushInterval). Zero or negative disables age loads, so
	// that only Flush and memory pressure start loads (the behaviour a
	// caller driving every load with Flush and its batch labels expects).
	FlushInterval time.Duration
	// MinLoadInterval is a minimum time between the starts of two
	// age-triggered loads of one table, beyond FlushInterval. It paces
	// background loads only: Flush and memory pressure start loads at
	// once, and retries follow their own backoff. Zero or negative: none,
	// so that a row waits at most FlushInterval (plus a running load of
	// its table) before its load starts.
	//
	// StarRocks creates one tablet version per load and refuses writes at
	// its version limit ("too many tablet versions"); what keeps the
	// version count low without this floor is that a table has at most
	// one load running, age loads of a table are at least FlushInterval
	// apart (bufferflush.intervalms is at least 1 s, the lower bound
	// StarRocks' Flink connector also sets on its flush interval), and
	// MaxConcurrentLoads bounds the loads across tables.
	MinLoadInterval time.Duration
	// Manual leaves every cut of the rows into loads to the caller: no
	// load starts for age or memory pressure, only Seal and Flush cut.
	// With Seal's exact labels this gives exactly-once loading when the
	// caller seals the same rows under the same name after a restart.
	// FlushInterval and MinLoadInterval are then unused, and Append never
	// blocks (rows not sealed yet cannot load to make room): the caller
	// bounds what it appends before sealing.
	Manual bool
	// MaxConcurrentLoads bounds the loads running at once across tables;
	// one table never has more than one load running. A load waiting to
	// retry gives up its slot while it waits. Zero means
	// DefaultMaxConcurrentLoads.
	MaxConcurrentLoads int
	// Mode selects Stream Load (default) or the transaction interface.
	Mode Mode
	// Compression of load bodies (the compression header).
	Compression Compression
	// ChunkBytes is the size of one buffer chunk; in ModeTransaction one
	// chunk is sent per load call. Zero means DefaultChunkBytes, capped at
	// MaxBytes/4.
	ChunkBytes int
	// TLSConfig is used by the built client for https URLs (the FEs and
	// the BEs they redirect to): the roots that verify them, a client
	// certificate, host name verification. nil means Go's defaults (the
	// system roots, host names verified). The replicator builds it from the
	// connector's starrocks.ssl.* keys. Unused with HTTPClient.
	TLSConfig *tls.Config
	// MaxIsolationLoads bounds the extra loads made to isolate the bad rows
	// of one load that failed because of its rows' data (ErrBadRows, see
	// Loader.TakeFailed). Zero means 8·⌈log2 n⌉+8 for a load of n rows,
	// which isolates at least 4 bad rows one by one (more when they are
	// close together); negative disables isolation, so that all the rows
	// of such a load are handed to TakeFailed.
	MaxIsolationLoads int
	// Lease, when not nil, bounds when the buffered rows may be loaded:
	// typically the Kafka group membership under which they were fetched
	// (see Lease). Nil means always.
	Lease Lease
}

// reserved headers are set by the Loader itself.
var reservedHeaders = map[string]string{
	"label":             "labels are derived from LabelPrefix, the table and the batch",
	"expect":            "Expect: 100-continue is always sent",
	"authorization":     "set Username and Password",
	"content-length":    "the exact length is always sent",
	"transfer-encoding": "bodies are sent with an exact Content-Length",
	"compression":       "set Options.Compression",
	"content-encoding":  "set Options.Compression",
	"db":                "set Options.Database",
	"table":             "tables are given to Append",
}

// config is the validated form of Options.
type config struct {
	Options
	bases         []*url.URL
	headers       http.Header // per-load data headers (without label)
	sep           []byte      // row terminator in the buffer: "," or the row delimiter
	maxBytes      int64
	flushBytes    int64
	manual        bool
	chunkBytes    int
	flushInterval time.Duration
	minInterval   time.Duration
	maxConc       int
	timeout       time.Duration // timeout header, for polling budgets
}

// isolationBudget is the number of extra loads allowed to isolate the bad
// rows of a failed load of n rows.
func (c *config) isolationBudget(n int) int {
	switch {
	case c.MaxIsolationLoads < 0:
		return 0
	case c.MaxIsolationLoads > 0:
		return c.MaxIsolationLoads
	}
	return 8*bits.Len(uint(max(n-1, 0))) + 8 // ⌈log2 n⌉ = bits.Len(n-1)
}

func (o Options) validate() (*config, error) {
	c := &config{Options: o}
	if len(o.URLs) == 0 {
		return nil, fmt.Errorf("loader: no FE URL: set Options.URLs (starrocks.http.url), e.g. http://127.0.0.1:8030: %w", ErrInvalidOptions)
	}
	for _, raw := range o.URLs {
		s := strings.TrimSpace(raw)
		if !strings.Contains(s, "://") {
			s = "http://" + s // the Java SDK accepts host:port
		}
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("loader: FE URL %q is not a URL like http://host:8030: %w", redact.URL(raw), ErrInvalidOptions)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return nil, fmt.Errorf("loader: FE URL %q must use http or https: %w", redact.URL(raw), ErrInvalidOptions)
		}
		if u.User != nil {
			return nil, fmt.Errorf("loader: FE URL %q contains credentials; set Username and Password instead: %w", redact.URL(raw), ErrInvalidOptions)
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawQuery, u.Fragment = "", ""
		c.bases = append(c.bases, u)
	}
	if o.Username == "" {
		return nil, fmt.Errorf("loader: empty Username (starrocks.username): %w", ErrInvalidOptions)
	}
	if o.Database == "" {
		return nil, fmt.Errorf("loader: empty Database (starrocks.database.name): %w", ErrInvalidOptions)
	}
	if o.Format != FormatJSON && o.Format != FormatCSV {
		return nil, fmt.Errorf("loader: unknown %v: use FormatJSON or FormatCSV: %w", o.Format, ErrInvalidOptions)
	}
	if o.Mode != ModeStreamLoad && o.Mode != ModeTransaction {
		return nil, fmt.Errorf("loader: unknown %v: %w", o.Mode, ErrInvalidOptions)
	}
	if o.Compression > CompressionLZ4 {
		return nil, fmt.Errorf("loader: unknown %v: %w", o.Compression, ErrInvalidOptions)
	}
	if o.MaxRetries < -1 {
		return nil, fmt.Errorf("loader: MaxRetries %d: use -1 (unlimited) or a count ≥ 0: %w", o.MaxRetries, ErrInvalidOptions)
	}
	if len(o.LabelPrefix) > 64 {
		return nil, fmt.Errorf("loader: LabelPrefix is %d bytes; use at most 64: %w", len(o.LabelPrefix), ErrInvalidOptions)
	}

	c.headers = make(http.Header)
	rowDelim, delimSet := "\n", false
	for k, v := range o.Headers {
		lk := strings.ToLower(strings.TrimSpace(k))
		if why, ok := reservedHeaders[lk]; ok {
			return nil, fmt.Errorf("loader: header %q cannot be set in Headers: %s: %w", lk, why, ErrInvalidOptions)
		}
		switch lk {
		case "format":
			if !strings.EqualFold(strings.TrimSpace(v), o.Format.String()) {
				return nil, fmt.Errorf("loader: header format=%q contradicts Options.Format=%v; set only Options.Format: %w", v, o.Format, ErrInvalidOptions)
			}
			continue
		case "row_delimiter":
			rowDelim, delimSet = v, true
			continue
		case "timeout":
			secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || secs <= 0 {
				return nil, fmt.Errorf("loader: header timeout=%q is not a number of seconds: %w", v, ErrInvalidOptions)
			}
			c.timeout = time.Duration(secs) * time.Second
		}
		c.headers.Set(lk, v)
	}
	c.headers.Set("format", o.Format.String())
	switch o.Format {
	case FormatJSON:
		if c.headers.Get("strip_outer_array") == "" {
			c.headers.Set("strip_outer_array", "true")
		}
		if c.headers.Get("ignore_json_size") == "" {
			c.headers.Set("ignore_json_size", "true")
		}
		c.sep = []byte(",")
	case FormatCSV:
		d, err := ParseDelimiter(rowDelim)
		if err != nil {
			return nil, fmt.Errorf("loader: sink.properties.row_delimiter: %w", err)
		}
		c.sep = d
		if delimSet {
			c.headers.Set("row_delimiter", delimiterHeader(d))
		}
	}
	if o.Compression != CompressionNone {
		c.headers.Set("compression", o.Compression.String())
	}
	if c.timeout == 0 {
		c.timeout = 600 * time.Second
	}

	c.maxBytes = o.MaxBytes
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxBytes
	}
	c.flushBytes = c.maxBytes / 2
	c.chunkBytes = o.ChunkBytes
	if c.chunkBytes <= 0 {
		c.chunkBytes = DefaultChunkBytes
	}
	if max := c.maxBytes / 4; int64(c.chunkBytes) > max {
		c.chunkBytes = int(max)
	}
	c.chunkBytes = min(max(c.chunkBytes, 1024), 1<<30)
	c.flushInterval = o.FlushInterval
	c.manual = o.Manual
	c.minInterval = o.MinLoadInterval
	if c.minInterval < 0 {
		c.minInterval = 0
	}
	c.maxConc = o.MaxConcurrentLoads
	if c.maxConc <= 0 {
		c.maxConc = DefaultMaxConcurrentLoads
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	return c, nil
}

func (c *config) buildClient() *http.Client {
	if c.HTTPClient != nil {
		cl := *c.HTTPClient
		cl.CheckRedirect = noRedirect
		return &cl
	}
	d := &net.Dialer{Timeout: c.ConnectTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSClientConfig:       c.TLSConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   c.maxConc + 4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: 3 * time.Second, // the SDK's waitForContinue
		ResponseHeaderTimeout: c.timeout + time.Minute,
		WriteBufferSize:       256 << 10,
		ReadBufferSize:        64 << 10,
		// StarRocks speaks HTTP/1.1; 100-continue is an HTTP/1.1 feature.
		ForceAttemptHTTP2: false,
	}
	return &http.Client{Transport: tr, CheckRedirect: noRedirect}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// ParseDelimiter parses a row_delimiter value as the Java connector does:
// "\xHH..." (or "\XHH...") is a hex byte string; otherwise the text is the
// delimiter, with the escapes \n, \t and \r also accepted.
func ParseDelimiter(s string) ([]byte, error) {
	if s == "" {
		return []byte("\n"), nil
	}
	if len(s) > 2 && (strings.HasPrefix(s, `\x`) || strings.HasPrefix(s, `\X`)) {
		b, err := hex.DecodeString(s[2:])
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("delimiter %q is not \\x followed by hex bytes: %w", s, ErrInvalidOptions)
		}
		if len(b) > 50 {
			return nil, fmt.Errorf("delimiter %q is longer than 50 bytes: %w", s, ErrInvalidOptions)
		}
		return b, nil
	}
	r := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\r`, "\r").Replace(s)
	if len(r) > 50 {
		return nil, fmt.Errorf("delimiter %q is longer than 50 bytes: %w", s, ErrInvalidOptions)
	}
	return []byte(r), nil
}

// delimiterHeader renders d for the row_delimiter header: printable text as
// is, anything else as \xHH... (header values cannot hold control bytes).
func delimiterHeader(d []byte) string {
	for _, b := range d {
		if b < 0x20 || b >= 0x7f {
			return `\x` + hex.EncodeToString(d)
		}
	}
	return string(d)
}

// String describes o with the password redacted, so that printing Options
// (%v, %+v) never shows it.
func (o Options) String() string {
	pw := ""
	if o.Password != "" {
		pw = "xxxxx"
	}
	return fmt.Sprintf("loader.Options{URLs:%v Username:%q Password:%q Database:%q Format:%v Mode:%v Compression:%v Headers:%v MaxBytes:%d FlushInterval:%v MinLoadInterval:%v MaxConcurrentLoads:%d MaxRetries:%d LabelPrefix:%q MaxIsolationLoads:%d}",
		o.URLs, o.Username, pw, o.Database, o.Format, o.Mode, o.Compression, o.Headers, o.MaxBytes, o.FlushInterval, o.MinLoadInterval, o.MaxConcurrentLoads, o.MaxRetries, o.LabelPrefix, o.MaxIsolationLoads)
}

// GoString is String, for %#v.
func (o Options) GoString() string { return o.String() }

// LogValue is String, for log/slog.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }
