package main

// starcdc check: every dependency a configuration names, tried once with
// short timeouts, one line per check with what to fix.

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/ddl"
	"github.com/starcdc/starcdc/decode"
	"github.com/starcdc/starcdc/kafka"
	"github.com/starcdc/starcdc/pipeline"
	"github.com/starcdc/starcdc/replicator"
)

var checkHelp = cmdHelp{
	synopsis: "check [--timeout D] [--offline] [WORKER.properties] CONNECTOR.properties...",
	about: `Check a configuration as run would (exit 2 when it is invalid), then try every
dependency it names, each within --timeout: the Kafka brokers (and the
addresses they advertise), the topics, the consumer group's permissions, the
schema registries of the converters, the StarRocks FE (credentials and
database), the BE a Stream Load is redirected to, and the FE's MySQL port when
table creation, truncation or target typing needs it. Prints one line per
check, OK or FAIL with what to fix; exits 0 when every check passes, 1
otherwise. Nothing is written anywhere. --offline checks the configuration
only.`,
	args: runHelp.args,
}

// errCheckFailed: some check failed (exit 1); the lines say which.
var errCheckFailed = errors.New("some checks failed (see the FAIL lines above)")

// checkResult is one line of `starcdc check`.
type checkResult struct {
	ok     bool
	what   string // the dependency checked, e.g. "Kafka brokers"
	detail string // what was found
	fix    string // what to do (FAIL only)
}

func (r checkResult) String() string {
	if r.ok {
		return fmt.Sprintf("OK    %s: %s", r.what, r.detail)
	}
	return fmt.Sprintf("FAIL  %s: %s; fix: %s", r.what, r.detail, r.fix)
}

func cmdCheck(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	fs := newFlagSet("check")
	timeout := fs.Duration("timeout", 5*time.Second, "how long each check may take")
	offline := fs.Bool("offline", false, "only check the configuration (no network): what run would refuse at start")
	files, err := parseArgs(fs, checkHelp, args, stdout)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError{errors.New("usage: starcdc " + checkHelp.synopsis)}
	}
	cfg, err := loadConfig(files, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "OK    configuration: %d connector(s) in %s\n", len(cfg.Connectors), strings.Join(files, ", "))
	if *offline {
		return nil
	}
	failed := false
	emit := func(rs ...checkResult) {
		for _, r := range rs {
			failed = failed || !r.ok
			fmt.Fprintln(stdout, r)
		}
	}
	emit(checkKafka(ctx, cfg.Worker, cfg.Connectors, *timeout)...)
	for _, c := range cfg.Connectors {
		emit(checkRegistries(ctx, c, *timeout)...)
		emit(checkStarRocks(ctx, c, *timeout)...)
		emit(checkMySQL(ctx, c, *timeout)...)
	}
	if failed {
		return errCheckFailed
	}
	return nil
}

// kafkaFix says what to do about a Kafka client error, in the worker's
// keys; sasl says whether the worker authenticates with SASL.
func kafkaFix(err error, brokers []string, sasl bool) string {
	var ke *kerr.Error
	switch {
	case errors.Is(err, kerr.SaslAuthenticationFailed), errors.Is(err, kerr.IllegalSaslState), errors.Is(err, kerr.UnsupportedSaslMechanism):
		return "check the username and password in sasl.jaas.config and sasl.mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512) against the Kafka user"
	case errors.Is(err, kerr.TopicAuthorizationFailed):
		return "grant the Kafka user DESCRIBE and READ on the topics"
	case errors.Is(err, kerr.GroupAuthorizationFailed):
		return "grant the Kafka user READ and DESCRIBE on the consumer group"
	case errors.Is(err, kerr.ClusterAuthorizationFailed):
		return "grant the Kafka user DESCRIBE on the cluster"
	case errors.As(err, &ke):
		return "see the Kafka error above; check the brokers' logs"
	case (errors.Is(err, io.EOF) || strings.Contains(err.Error(), "EOF")) && sasl:
		return "the broker closed the connection: check the username and password in sasl.jaas.config and sasl.mechanism, and security.protocol (SASL_SSL when the listener uses TLS, SASL_PLAINTEXT when it does not)"
	case errors.Is(err, io.EOF) || strings.Contains(err.Error(), "EOF"):
		return "the broker closed the connection at once: check security.protocol (SSL or SASL_SSL when the listener uses TLS, PLAINTEXT or SASL_PLAINTEXT when it does not)"
	}
	return fmt.Sprintf("check bootstrap.servers=%s: Kafka must be running and reachable from this host on that port (firewall, host name, listener)", strings.Join(brokers, ","))
}

// checkKafka checks the brokers, the addresses they advertise, every
// connector's topics and its consumer group.
func checkKafka(ctx context.Context, w config.Worker, conns []config.Connector, timeout time.Duration) []checkResult {
	opts, _, err := kafka.ClientOpts(w)
	if err != nil {
		return []checkResult{{what: "Kafka client settings", detail: err.Error(), fix: "correct the security settings named above"}}
	}
	opts = append(opts, kgo.DialTimeout(timeout), kgo.RetryTimeout(timeout), kgo.RequestTimeoutOverhead(timeout))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return []checkResult{{what: "Kafka client settings", detail: err.Error(), fix: "correct bootstrap.servers and the security settings"}}
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	brokers := w.BootstrapServers
	k := kafkaTarget{brokers: brokers, sasl: strings.HasPrefix(strings.ToUpper(w.Security["security.protocol"]), "SASL")}
	what := "Kafka brokers " + strings.Join(brokers, ",")
	tctx, cancel := context.WithTimeout(ctx, timeout)
	md, err := adm.BrokerMetadata(tctx)
	cancel()
	if err != nil {
		return []checkResult{{what: what, detail: "no answer: " + kafkaError(err), fix: kafkaFix(err, k.brokers, k.sasl)}}
	}
	out := []checkResult{{ok: true, what: what, detail: fmt.Sprintf("%d broker(s) answered", len(md.Brokers))}}
	// The consumer connects to the addresses the brokers advertise, not to
	// bootstrap.servers: a broker that advertises a name this host cannot
	// reach works for the bootstrap and fails afterwards.
	for _, b := range md.Brokers {
		addr := net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		d := net.Dialer{Timeout: timeout}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			out = append(out, checkResult{what: fmt.Sprintf("Kafka broker %d's advertised address %s", b.NodeID, addr), detail: "unreachable: " + err.Error(),
				fix: "the broker advertises an address this host cannot reach: set its advertised.listeners to a host name and port reachable from here (e.g. a listener for clients outside its network)"})
			continue
		}
		conn.Close()
	}
	if len(out) == 1 {
		out[0].detail += fmt.Sprintf(", advertising %s, each reachable", advertised(md.Brokers))
	}
	for _, c := range conns {
		out = append(out, checkTopics(ctx, adm, c, k, timeout), checkGroup(ctx, adm, c, k, timeout))
	}
	return out
}

func advertised(bs kadm.BrokerDetails) string {
	var s []string
	for _, b := range bs {
		s = append(s, net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))))
	}
	return strings.Join(s, ",")
}

// kafkaError is err's text without franz-go's package prefixes.
func kafkaError(err error) string {
	s := err.Error()
	s = strings.ReplaceAll(s, "kgo: ", "")
	s = strings.ReplaceAll(s, "kadm: ", "")
	return s
}

// kafkaTarget is what kafkaFix needs to know of the worker.
type kafkaTarget struct {
	brokers []string
	sasl    bool
}

func checkTopics(ctx context.Context, adm *kadm.Client, c config.Connector, k kafkaTarget, timeout time.Duration) checkResult {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if c.TopicsRegex != "" {
		what := fmt.Sprintf("[%s] topics matching topics.regex=%s", c.Name, c.TopicsRegex)
		all, err := adm.ListTopics(tctx)
		if err != nil {
			return checkResult{what: what, detail: kafkaError(err), fix: kafkaFix(err, k.brokers, k.sasl)}
		}
		re, err := regexp.Compile("^(?:" + c.TopicsRegex + ")$")
		if err != nil {
			return checkResult{what: what, detail: err.Error(), fix: "correct topics.regex"}
		}
		var names []string
		for _, t := range all.Sorted() {
			if re.MatchString(t.Topic) {
				names = append(names, t.Topic)
			}
		}
		if len(names) == 0 {
			return checkResult{what: what, detail: "no topic matches", fix: "correct topics.regex, or start the Debezium connector that writes the topics (it names them <topic.prefix>.<database>.<table>)"}
		}
		return checkResult{ok: true, what: what, detail: fmt.Sprintf("%d topic(s): %s", len(names), strings.Join(names, ", "))}
	}
	what := fmt.Sprintf("[%s] topics %s", c.Name, strings.Join(c.Topics, ","))
	td, err := adm.ListTopics(tctx, c.Topics...)
	if err != nil {
		return checkResult{what: what, detail: kafkaError(err), fix: kafkaFix(err, k.brokers, k.sasl)}
	}
	var missing, denied []string
	parts := 0
	for _, t := range c.Topics {
		d, ok := td[t]
		switch {
		case !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition):
			missing = append(missing, t)
		case errors.Is(d.Err, kerr.TopicAuthorizationFailed):
			denied = append(denied, t)
		case d.Err != nil:
			return checkResult{what: what, detail: fmt.Sprintf("topic %s: %v", t, d.Err), fix: kafkaFix(d.Err, k.brokers, k.sasl)}
		default:
			parts += len(d.Partitions)
		}
	}
	switch {
	case len(denied) > 0:
		return checkResult{what: what, detail: "not authorized to describe " + strings.Join(denied, ", "), fix: "grant the Kafka user DESCRIBE and READ on these topics"}
	case len(missing) > 0:
		return checkResult{what: what, detail: "missing: " + strings.Join(missing, ", "),
			fix: "create them, start the Debezium connector that writes them (it names topics <topic.prefix>.<database>.<table>), or correct topics="}
	}
	return checkResult{ok: true, what: what, detail: fmt.Sprintf("exist, %d partition(s)", parts)}
}

func checkGroup(ctx context.Context, adm *kadm.Client, c config.Connector, k kafkaTarget, timeout time.Duration) checkResult {
	group := replicator.GroupID(c.Name)
	what := fmt.Sprintf("[%s] consumer group %s", c.Name, group)
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dg, err := adm.DescribeGroups(tctx, group)
	if err == nil {
		err = dg.Error()
	}
	if errors.Is(err, kerr.GroupIDNotFound) {
		// Newer brokers (KIP-848) answer so for a group never used.
		return checkResult{ok: true, what: what, detail: "describable, new (no member, no committed offset yet)"}
	}
	if err != nil {
		fix := kafkaFix(err, k.brokers, k.sasl)
		if errors.Is(err, kerr.GroupAuthorizationFailed) {
			fix = "grant the Kafka user READ and DESCRIBE on group " + group + " (the group is connect-<name>, as Kafka Connect names it)"
		}
		return checkResult{what: what, detail: "cannot describe it: " + kafkaError(err), fix: fix}
	}
	d := dg[group]
	state := d.State
	if state == "" || state == "Dead" {
		state = "new (no member, no committed offset yet)"
	}
	return checkResult{ok: true, what: what, detail: fmt.Sprintf("describable, state %s, %d member(s)", state, len(d.Members))}
}

// checkRegistries asks each schema registry a converter names for its
// subjects, with the converter's credentials.
func checkRegistries(ctx context.Context, c config.Connector, timeout time.Duration) []checkResult {
	var out []checkResult
	for _, cv := range []struct {
		prefix string
		conv   config.Converter
	}{{"key.converter", c.KeyConverter}, {"value.converter", c.ValueConverter}} {
		prefix := cv.prefix
		eps, err := decode.RegistryEndpoints(cv.conv.Class, cv.conv.Props, timeout)
		if err != nil {
			out = append(out, checkResult{what: fmt.Sprintf("[%s] schema registry (%s.schema.registry.url)", c.Name, prefix), detail: err.Error(), fix: "correct the " + prefix + " registry keys"})
			continue
		}
		for _, ep := range eps {
			what := fmt.Sprintf("[%s] schema registry %s (%s.schema.registry.url)", c.Name, ep.URL, prefix)
			code, body, err := ep.Get(ctx, "/subjects")
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // the URL is in the line already
			}
			switch {
			case err != nil:
				out = append(out, checkResult{what: what, detail: "unreachable: " + err.Error(), fix: "check " + prefix + ".schema.registry.url: the registry must be running and reachable from this host"})
			case code == http.StatusUnauthorized || code == http.StatusForbidden:
				out = append(out, checkResult{what: what, detail: fmt.Sprintf("refused the credentials (HTTP %d)", code),
					fix: "set " + prefix + ".basic.auth.credentials.source=USER_INFO and " + prefix + ".basic.auth.user.info=USER:PASSWORD of a registry user (or the bearer.auth.* keys)"})
			case code != http.StatusOK:
				out = append(out, checkResult{what: what, detail: fmt.Sprintf("HTTP %d: %s", code, short(body)), fix: "check that the URL is the registry's base URL (Confluent's REST API: GET /subjects must answer)"})
			default:
				var subjects []string
				_ = json.Unmarshal(body, &subjects)
				out = append(out, checkResult{ok: true, what: what, detail: fmt.Sprintf("answered, %d subject(s)", len(subjects))})
			}
		}
	}
	return out
}

// httpDo sends req with timeout (redirects are not followed) and returns
// the status, the Location header and the start of the body.
func httpDo(req *http.Request, timeout time.Duration, tc *tls.Config) (int, []byte, error) {
	code, _, body, err := httpDoLoc(req, timeout, tc)
	return code, body, err
}

func httpDoLoc(req *http.Request, timeout time.Duration, tc *tls.Config) (int, string, []byte, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	defer tr.CloseIdleConnections()
	hc := &http.Client{Timeout: timeout, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // "Get URL:" is in the line already
		}
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, resp.Header.Get("Location"), body, nil
}

func short(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// checkStarRocks checks each FE URL: a get_load_state of a label no load
// uses proves the FE answers, accepts the credentials and knows the
// database; a Stream Load request without a body (sent with "Expect:
// 100-continue", never followed) shows where the FE redirects loads, and
// that BE address must be reachable.
func checkStarRocks(ctx context.Context, c config.Connector, timeout time.Duration) []checkResult {
	var out []checkResult
	label := "starcdc-check-" + randomHex()
	var tc *tls.Config
	if c.TLS != nil {
		var err error
		if tc, err = c.TLS.Config(); err != nil {
			return []checkResult{{what: fmt.Sprintf("[%s] StarRocks TLS", c.Name), detail: err.Error(), fix: "correct the starrocks.ssl.* keys"}}
		}
	}
	for _, fe := range c.HTTPURLs {
		what := fmt.Sprintf("[%s] StarRocks FE %s", c.Name, fe)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fe+"/api/"+url.PathEscape(c.Database)+"/get_load_state?label="+label, nil)
		if err != nil {
			out = append(out, checkResult{what: what, detail: err.Error(), fix: "correct starrocks.http.url"})
			continue
		}
		req.SetBasicAuth(c.Username, c.Password.Reveal())
		code, body, err := httpDo(req, timeout, tc)
		var st struct {
			Status, Msg, Message string
		}
		_ = json.Unmarshal(body, &st)
		msg := strings.ToLower(st.Msg + " " + st.Message)
		switch {
		case err != nil:
			out = append(out, checkResult{what: what, detail: "unreachable: " + err.Error(),
				fix: "check starrocks.http.url: it is the FE's HTTP port (http_port, 8030 by default), and the FE must be running and reachable from this host"})
			continue
		case code == http.StatusUnauthorized || code == http.StatusForbidden || strings.Contains(msg, "access denied"):
			out = append(out, checkResult{what: what, detail: fmt.Sprintf("user %q was refused (HTTP %d %s)", c.Username, code, short([]byte(st.Msg))),
				fix: "set starrocks.username and starrocks.password to a StarRocks user's; the user needs the INSERT privilege on the tables"})
			continue
		case strings.Contains(msg, "unknown database") || strings.Contains(msg, "database") && strings.Contains(msg, "not"):
			if c.DDL.AutoCreate {
				// Table creation starts with CREATE DATABASE IF NOT EXISTS.
				out = append(out, checkResult{ok: true, what: what, detail: fmt.Sprintf("answered, user %q accepted; database %s does not exist yet: starrocks.auto.create.tables creates it (the user needs CREATE DATABASE)", c.Username, c.Database)})
				continue
			}
			out = append(out, checkResult{what: what, detail: fmt.Sprintf("credentials accepted; database %s does not exist", c.Database),
				fix: fmt.Sprintf("create it (CREATE DATABASE %s), correct starrocks.database.name, or set starrocks.auto.create.tables=true", c.Database)})
			continue
		case code != http.StatusOK:
			out = append(out, checkResult{what: what, detail: fmt.Sprintf("HTTP %d: %s", code, short(body)),
				fix: "check that starrocks.http.url is a StarRocks FE's HTTP address (not the BE's 8040, not the MySQL port 9030)"})
			continue
		}
		out = append(out, checkResult{ok: true, what: what, detail: fmt.Sprintf("answered, user %q accepted, database %s exists", c.Username, c.Database)})
		out = append(out, checkBE(ctx, c, fe, label, timeout, tc))
	}
	return out
}

// checkBE asks the FE where it sends a Stream Load and dials that address.
func checkBE(ctx context.Context, c config.Connector, fe, label string, timeout time.Duration, tc *tls.Config) checkResult {
	what := fmt.Sprintf("[%s] StarRocks BE behind %s (Stream Load redirect)", c.Name, fe)
	table := "starcdc_check"
	for _, t := range c.Topic2Table {
		table = t
		break
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, fe+"/api/"+url.PathEscape(c.Database)+"/"+url.PathEscape(table)+"/_stream_load", http.NoBody)
	if err != nil {
		return checkResult{what: what, detail: err.Error(), fix: "correct starrocks.http.url"}
	}
	req.SetBasicAuth(c.Username, c.Password.Reveal())
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("label", label)
	code, location, body, err := httpDoLoc(req, timeout, tc)
	if err != nil {
		return checkResult{what: what, detail: err.Error(), fix: "check that the FE is healthy"}
	}
	if code != http.StatusTemporaryRedirect {
		// No redirect: the URL is a BE or a proxy that loads itself, or
		// the FE refused before choosing a BE; the FE check covers the
		// credentials.
		return checkResult{ok: true, what: what, detail: fmt.Sprintf("no redirect (HTTP %d %s): loads are answered at %s itself", code, short(body), fe)}
	}
	loc, err := url.Parse(location)
	if err != nil || loc.Host == "" {
		return checkResult{what: what, detail: "the FE redirected without a usable Location", fix: "check the FE's logs"}
	}
	host := loc.Host
	if loc.Port() == "" {
		host = net.JoinHostPort(loc.Hostname(), map[bool]string{true: "443", false: "80"}[loc.Scheme == "https"])
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return checkResult{what: what, detail: fmt.Sprintf("the FE redirects loads to %s, which is unreachable: %v", host, err),
			fix: "the BE registers under an address this host cannot reach (e.g. 127.0.0.1 in an all-in-one container): make the BE's priority_networks/host reachable from here, or load through a proxy that loads itself (starrocks.http.url of the all-in-one image's 8080 port)"}
	}
	conn.Close()
	return checkResult{ok: true, what: what, detail: "loads are redirected to " + host + ", reachable"}
}

func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// needsMySQL reports whether connector c uses the FE's MySQL port: to
// create or alter tables, to truncate, or to type schemaless rows by the
// target table's columns (as replicator.FromConfig decides).
func needsMySQL(c config.Connector) bool {
	do := ddl.OptionsFrom(c.DDL, c.Mapping)
	if do.AutoCreate || do.Evolution != ddl.EvolveNone || c.Mapping.Truncate {
		return true
	}
	if !c.Mapping.SchemalessTypes || c.Format == "csv" {
		return false
	}
	regs := decode.NewRegistries()
	defer regs.Close()
	p, err := pipeline.NewPipeline(c, regs)
	return err == nil && !p.Passthrough
}

// mysqlTransport says how m's connection went: over TLS (its version) or
// unencrypted, with the starrocks.mysql.ssl.mode that chose it.
func mysqlTransport(m *ddl.Manager) string {
	if v := m.TLSVersion(); v != "" {
		return fmt.Sprintf("over %s (%s=%s)", v, config.KeyMySQLSSLMode, m.SSLMode())
	}
	return fmt.Sprintf("unencrypted (%s=%s)", config.KeyMySQLSSLMode, m.SSLMode())
}

// checkMySQL logs in on the FE's MySQL port when the connector needs it.
func checkMySQL(ctx context.Context, c config.Connector, timeout time.Duration) []checkResult {
	if !needsMySQL(c) {
		return nil
	}
	what := fmt.Sprintf("[%s] StarRocks MySQL port %s (starrocks.mysql.url)", c.Name, c.MySQLAddr)
	m, err := ddl.Open(c.MySQLAddr, c.Username, c.Password.Reveal(), c.MySQLTLS)
	if err != nil {
		return []checkResult{{what: what, detail: err.Error(), fix: "set starrocks.mysql.url to the FE's query port (host:9030 by default) and starrocks.mysql.ssl.mode to DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY: table creation, truncation or target typing needs it"}}
	}
	defer m.Close()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = m.DB().PingContext(tctx)
	var me *mysql.MySQLError
	switch {
	case err == nil:
		return []checkResult{{ok: true, what: what, detail: fmt.Sprintf("user %q logged in %s", c.Username, mysqlTransport(m))}}
	case errors.Is(err, ddl.ErrMySQLTLS):
		return []checkResult{{what: what, detail: err.Error(), fix: "see the advice above (" + config.KeyMySQLSSLMode + ", starrocks.ssl.*)"}}
	case errors.As(err, &me) && me.Number == 1045:
		return []checkResult{{what: what, detail: fmt.Sprintf("user %q was refused: %s", c.Username, me.Message), fix: "set starrocks.username and starrocks.password to a StarRocks user's"}}
	case errors.As(err, &me):
		return []checkResult{{what: what, detail: me.Error(), fix: "see the StarRocks error above"}}
	}
	return []checkResult{{what: what, detail: "unreachable: " + err.Error(), fix: "check starrocks.mysql.url: it is the FE's query port (query_port, 9030 by default), reachable from this host"}}
}
