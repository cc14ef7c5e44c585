// Package compose holds the files docker-compose.yml mounts and builds
// (starcdc's properties, the Debezium connector config and the script that
// registers it, the Connect image with Confluent's Avro converter) and the
// tests that keep them consistent with the compose file without a Docker
// engine: the file's structure (healthchecks, depends_on ordering, mounted
// files, Kafka's listeners), the addresses the configurations name against
// the services that serve them, starcdc's configuration through its own
// loader and offline check, and the registration script's behaviour.
package compose

import (
	"encoding/json"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/replicator"
)

// repoRoot is where docker-compose.yml and the paths it names are
// resolved from (this package's directory is compose/ in the repository).
const repoRoot = ".."

// composeFile is the part of the Compose specification the tests read.
// depends_on is decoded in its long syntax only (a map with conditions):
// the short list syntax waits for "started", not healthy, and fails here.
type composeFile struct {
	Services map[string]service `yaml:"services"`
}

type service struct {
	Image       string                `yaml:"image"`
	Build       build                 `yaml:"build"`
	Hostname    string                `yaml:"hostname"`
	Command     []string              `yaml:"command"`
	Ports       []string              `yaml:"ports"`
	Volumes     []string              `yaml:"volumes"`
	Environment map[string]string     `yaml:"environment"`
	DependsOn   map[string]dependency `yaml:"depends_on"`
	Healthcheck *healthcheck          `yaml:"healthcheck"`
	Restart     string                `yaml:"restart"`
}

// build is a service's build: either a context path or a mapping.
type build struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func (b *build) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	type plain build
	return n.Decode((*plain)(b))
}

type dependency struct {
	Condition string `yaml:"condition"`
}

type healthcheck struct {
	Test        []string `yaml:"test"`
	Interval    string   `yaml:"interval"`
	Timeout     string   `yaml:"timeout"`
	Retries     int      `yaml:"retries"`
	StartPeriod string   `yaml:"start_period"`
	Disable     bool     `yaml:"disable"`
}

const (
	healthy   = "service_healthy"
	completed = "service_completed_successfully"
)

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(false)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(f.Services) == 0 {
		t.Fatal("docker-compose.yml: no services")
	}
	return f
}

func (f composeFile) service(t *testing.T, name string) service {
	t.Helper()
	s, ok := f.Services[name]
	if !ok {
		t.Fatalf("docker-compose.yml has no service %q", name)
	}
	return s
}

// oneShot reports the services that others wait for to complete: they
// run once and exit, so they have no healthcheck.
func (f composeFile) oneShot() map[string]bool {
	m := map[string]bool{}
	for _, s := range f.Services {
		for dep, d := range s.DependsOn {
			if d.Condition == completed {
				m[dep] = true
			}
		}
	}
	return m
}

// after returns every service name starts after (its depends_on,
// transitively), failing on a cycle.
func (f composeFile) after(t *testing.T, name string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	var walk func(n string, path []string)
	walk = func(n string, path []string) {
		if slices.Contains(path, n) {
			t.Fatalf("depends_on cycle: %s → %s", strings.Join(path, " → "), n)
		}
		for dep := range f.Services[n].DependsOn {
			seen[dep] = true
			walk(dep, append(path, n))
		}
	}
	walk(name, nil)
	return seen
}

// TestComposeServices: the services the demo consists of, each
// long-running one with a healthcheck, each dependency waited for with the
// condition that fits it, and starcdc started last.
func TestComposeServices(t *testing.T) {
	f := loadCompose(t)
	var names []string
	for n := range f.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{"connect", "kafka", "mysql", "register-connector", "schema-registry", "starcdc", "starrocks"}
	if !slices.Equal(names, want) {
		t.Fatalf("services %v, want %v", names, want)
	}
	oneShot := f.oneShot()
	if !oneShot["register-connector"] || len(oneShot) != 1 {
		t.Errorf("one-shot services %v, want only register-connector (waited for with %s)", oneShot, completed)
	}
	for _, n := range names {
		s := f.Services[n]
		if s.Image == "" && s.Build.Context == "" {
			t.Errorf("%s: neither image nor build", n)
		}
		if strings.HasSuffix(s.Image, ":latest") || (s.Image != "" && !strings.Contains(s.Image, ":")) {
			t.Errorf("%s: image %q has no pinned tag", n, s.Image)
		}
		for dep, d := range s.DependsOn {
			target, ok := f.Services[dep]
			switch {
			case !ok:
				t.Errorf("%s depends on %q, which is no service", n, dep)
			case oneShot[dep] && d.Condition != completed:
				t.Errorf("%s → %s: condition %q, want %s for a one-shot service", n, dep, d.Condition, completed)
			case !oneShot[dep] && d.Condition != healthy:
				t.Errorf("%s → %s: condition %q, want %s", n, dep, d.Condition, healthy)
			case !oneShot[dep] && target.Healthcheck == nil:
				t.Errorf("%s waits for %s to be healthy, which has no healthcheck", n, dep)
			}
		}
		if oneShot[n] {
			if s.Healthcheck != nil || s.Restart != "no" || len(s.Ports) > 0 {
				t.Errorf("%s is one-shot: want no healthcheck, no ports and restart \"no\"", n)
			}
			continue
		}
		h := s.Healthcheck
		if h == nil || h.Disable || len(h.Test) < 2 || (h.Test[0] != "CMD" && h.Test[0] != "CMD-SHELL") {
			t.Errorf("%s: long-running without a usable healthcheck (test %v)", n, h)
			continue
		}
		if h.Retries < 1 {
			t.Errorf("%s: healthcheck retries %d", n, h.Retries)
		}
		for _, d := range []string{h.Interval, h.Timeout, h.StartPeriod} {
			if _, err := time.ParseDuration(d); err != nil {
				t.Errorf("%s: healthcheck duration %q: %v", n, d, err)
			}
		}
	}

	// The chain of issue 15: MySQL → Debezium (registered once Connect is
	// healthy) → Kafka → registry → starcdc → StarRocks.
	for svc, wantAfter := range map[string][]string{
		"schema-registry":    {"kafka"},
		"connect":            {"kafka", "schema-registry", "mysql"},
		"register-connector": {"connect", "kafka", "schema-registry", "mysql"},
		"starcdc":            {"kafka", "schema-registry", "mysql", "connect", "register-connector", "starrocks"},
	} {
		got := f.after(t, svc)
		for _, w := range wantAfter {
			if !got[w] {
				t.Errorf("%s does not wait for %s", svc, w)
			}
		}
	}
	for n := range f.Services {
		f.after(t, n) // no cycles anywhere
	}
}

// TestComposeFilesExist: every bind-mounted host path and every build
// context and Dockerfile is in the repository.
func TestComposeFilesExist(t *testing.T) {
	f := loadCompose(t)
	mounts := 0
	for n, s := range f.Services {
		for _, v := range s.Volumes {
			host, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(host, "./") {
				t.Errorf("%s: volume %q is not a bind mount of a repository file (./...)", n, v)
				continue
			}
			mounts++
			if st, err := os.Stat(filepath.Join(repoRoot, host)); err != nil || !st.Mode().IsRegular() {
				t.Errorf("%s mounts %s, which is not a file in the repository: %v", n, host, err)
			}
			if !strings.HasSuffix(v, ":ro") {
				t.Errorf("%s: mount %q should be read-only", n, v)
			}
		}
		if s.Build.Context == "" {
			continue
		}
		df := s.Build.Dockerfile
		if df == "" {
			df = "Dockerfile"
		}
		if _, err := os.Stat(filepath.Join(repoRoot, s.Build.Context, df)); err != nil {
			t.Errorf("%s builds %s/%s: %v", n, s.Build.Context, df, err)
		}
	}
	if mounts < 3 {
		t.Errorf("%d bind mounts checked; want at least starcdc's properties and the connector's JSON and script", mounts)
	}
}

// listener is one entry of a Kafka listeners list, NAME://host:port.
type listener struct{ name, host, port string }

func parseListeners(t *testing.T, key, v string) []listener {
	t.Helper()
	var ls []listener
	for _, e := range strings.Split(v, ",") {
		name, addr, ok := strings.Cut(strings.TrimSpace(e), "://")
		host, port, err := net.SplitHostPort(addr)
		if !ok || err != nil {
			t.Fatalf("%s: bad listener %q", key, e)
		}
		ls = append(ls, listener{name, host, port})
	}
	return ls
}

// publishedPorts maps the service's container ports to host ports.
func publishedPorts(t *testing.T, s service) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, p := range s.Ports {
		h, c, ok := strings.Cut(p, ":")
		if !ok || strings.Contains(c, ":") {
			t.Fatalf("port %q: want HOST:CONTAINER", p)
		}
		m[c] = h
	}
	return m
}

// kafkaInNetwork checks Kafka's listeners and returns the in-network
// bootstrap address (host:port) the other containers use.
func kafkaInNetwork(t *testing.T, f composeFile) string {
	t.Helper()
	k := f.service(t, "kafka")
	env := k.Environment
	lst := parseListeners(t, "KAFKA_LISTENERS", env["KAFKA_LISTENERS"])
	adv := parseListeners(t, "KAFKA_ADVERTISED_LISTENERS", env["KAFKA_ADVERTISED_LISTENERS"])
	proto := map[string]bool{}
	for _, e := range strings.Split(env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], ",") {
		name, _, _ := strings.Cut(e, ":")
		proto[strings.TrimSpace(name)] = true
	}
	for _, l := range lst {
		if !proto[l.name] {
			t.Errorf("listener %s has no security protocol in KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", l.name)
		}
	}
	pub := publishedPorts(t, k)
	var inNet, host string
	for _, a := range adv {
		i := slices.IndexFunc(lst, func(l listener) bool { return l.name == a.name })
		switch {
		case i < 0:
			t.Errorf("advertised listener %s is not in KAFKA_LISTENERS", a.name)
			continue
		case lst[i].port != a.port:
			t.Errorf("advertised listener %s: port %s, but it listens on %s", a.name, a.port, lst[i].port)
		}
		switch a.host {
		case "kafka", k.Hostname:
			inNet = net.JoinHostPort(a.host, a.port)
			if a.name != env["KAFKA_INTER_BROKER_LISTENER_NAME"] {
				t.Errorf("in-network listener %s is not KAFKA_INTER_BROKER_LISTENER_NAME (%q)", a.name, env["KAFKA_INTER_BROKER_LISTENER_NAME"])
			}
		case "localhost", "127.0.0.1":
			host = a.name
			// A host client connects to localhost:port, so the same
			// port must be published to the listener's container port.
			if pub[lst[i].port] != a.port {
				t.Errorf("host listener %s advertises port %s, but container port %s is published as %q", a.name, a.port, lst[i].port, pub[lst[i].port])
			}
		default:
			t.Errorf("advertised listener %s: host %q is neither the service name nor localhost", a.name, a.host)
		}
	}
	if inNet == "" || host == "" {
		t.Fatalf("Kafka advertises %v: want one in-network listener (kafka:port) and one host listener (localhost:port)", adv)
	}
	for _, ctrl := range strings.Split(env["KAFKA_CONTROLLER_LISTENER_NAMES"], ",") {
		if slices.ContainsFunc(adv, func(a listener) bool { return a.name == ctrl }) {
			t.Errorf("controller listener %s must not be advertised to clients", ctrl)
		}
		i := slices.IndexFunc(lst, func(l listener) bool { return l.name == ctrl })
		if i < 0 || !strings.HasSuffix(env["KAFKA_CONTROLLER_QUORUM_VOTERS"], ":"+lst[i].port) {
			t.Errorf("KAFKA_CONTROLLER_QUORUM_VOTERS %q does not name the %s listener's port", env["KAFKA_CONTROLLER_QUORUM_VOTERS"], ctrl)
		}
	}
	return inNet
}

// TestComposeKafkaListeners: an in-network listener for the containers and
// a host listener advertised as localhost on its published port.
func TestComposeKafkaListeners(t *testing.T) {
	f := loadCompose(t)
	inNet := kafkaInNetwork(t, f)
	for n, addr := range map[string]string{
		"schema-registry": strings.TrimPrefix(f.service(t, "schema-registry").Environment["SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"], "PLAINTEXT://"),
		"connect":         f.service(t, "connect").Environment["BOOTSTRAP_SERVERS"],
	} {
		if addr != inNet {
			t.Errorf("%s bootstraps from %q, want the in-network listener %s", n, addr, inNet)
		}
	}
}

// mountedAt returns the host path (relative to the repository) the
// service mounts at the container path.
func mountedAt(t *testing.T, s service, containerPath string) string {
	t.Helper()
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == containerPath {
			return parts[0]
		}
	}
	t.Fatalf("nothing is mounted at %s (volumes %v)", containerPath, s.Volumes)
	return ""
}

// registryURL returns the schema registry's in-network URL from its
// service: http://<service>:<listener port>.
func registryURL(t *testing.T, f composeFile) string {
	t.Helper()
	l := f.service(t, "schema-registry").Environment["SCHEMA_REGISTRY_LISTENERS"]
	u, err := url.Parse(l)
	if err != nil || u.Port() == "" {
		t.Fatalf("SCHEMA_REGISTRY_LISTENERS %q", l)
	}
	return "http://schema-registry:" + u.Port()
}

// debeziumConfig reads the connector config register-connector PUTs.
func debeziumConfig(t *testing.T, f composeFile) map[string]string {
	t.Helper()
	reg := f.service(t, "register-connector")
	host := mountedAt(t, reg, reg.Environment["CONNECTOR_CONFIG"])
	b, err := os.ReadFile(filepath.Join(repoRoot, host))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v (PUT /connectors/NAME/config takes a flat object of string values)", host, err)
	}
	return m
}

// TestComposeStarcdcConfig: the properties file the starcdc service runs
// with passes starcdc's own loader and offline check without a warning,
// and every address in it is one a service of the compose file serves.
func TestComposeStarcdcConfig(t *testing.T) {
	f := loadCompose(t)
	sc := f.service(t, "starcdc")

	// The command: run --http-addr :PORT FILE, PORT published, FILE mounted.
	if len(sc.Command) == 0 || sc.Command[0] != "run" {
		t.Fatalf("starcdc command %v: want run ...", sc.Command)
	}
	i := slices.Index(sc.Command, "--http-addr")
	if i < 0 || i+2 > len(sc.Command) {
		t.Fatalf("starcdc command %v: no --http-addr", sc.Command)
	}
	_, httpPort, err := net.SplitHostPort(sc.Command[i+1])
	if err != nil {
		t.Fatalf("--http-addr %q: %v", sc.Command[i+1], err)
	}
	if publishedPorts(t, sc)[httpPort] == "" {
		t.Errorf("--http-addr port %s is not published", httpPort)
	}
	if h := sc.Healthcheck; h == nil || !slices.Equal(h.Test[:2], []string{"CMD", "/starcdc"}) || h.Test[len(h.Test)-1] != "http://127.0.0.1:"+httpPort+"/ready" {
		t.Errorf("starcdc healthcheck %v: want /starcdc healthcheck http://127.0.0.1:%s/ready (the image has no shell)", sc.Healthcheck, httpPort)
	}
	file := sc.Command[len(sc.Command)-1]
	props := filepath.Join(repoRoot, mountedAt(t, sc, file))

	cfg, warns, err := config.Load(props)
	if err != nil {
		t.Fatal(err) // names the file
	}
	if len(warns) > 0 {
		t.Errorf("%s: warnings %v", props, warns)
	}
	if err := replicator.Check(cfg); err != nil {
		t.Fatalf("%s: offline check: %v", props, err)
	}
	if len(cfg.Connectors) != 1 {
		t.Fatalf("%d connectors, want 1", len(cfg.Connectors))
	}
	c := cfg.Connectors[0]

	if inNet := kafkaInNetwork(t, f); !slices.Equal(cfg.Worker.BootstrapServers, []string{inNet}) {
		t.Errorf("bootstrap.servers %v, want the in-network listener %s", cfg.Worker.BootstrapServers, inNet)
	}
	reg := registryURL(t, f)
	for side, conv := range map[string]config.Converter{"key": c.KeyConverter, "value": c.ValueConverter} {
		if conv.Class != "io.confluent.connect.avro.AvroConverter" || conv.Props["schema.registry.url"] != reg {
			t.Errorf("%s.converter %s with schema.registry.url %q, want Avro through %s", side, conv.Class, conv.Props["schema.registry.url"], reg)
		}
	}
	// The all-in-one image's BE registers as 127.0.0.1: loads must go
	// through its feproxy on 8080, which follows the FE's redirect inside
	// the container (StarRocks docker/dockerfiles/allin1/allin1-HOWTO.md).
	if want := []string{"http://starrocks:8080"}; !slices.Equal(c.HTTPURLs, want) {
		t.Errorf("starrocks.http.url %v, want %v (the all-in-one image's Stream Load proxy)", c.HTTPURLs, want)
	}
	if h := f.service(t, "starrocks").Healthcheck; h == nil || !strings.Contains(strings.Join(h.Test, " "), "127.0.0.1:8080/") {
		t.Errorf("the starrocks healthcheck does not probe the 8080 proxy starcdc loads through")
	}
	if c.MySQLAddr != "starrocks:9030" {
		t.Errorf("MySQL address %q, want starrocks:9030", c.MySQLAddr)
	}
	if !c.DDL.AutoCreate || c.DDL.ReplicationNum != 1 {
		t.Errorf("auto-create %v with replication %d, want on with 1 (one BE)", c.DDL.AutoCreate, c.DDL.ReplicationNum)
	}

	// The topics are exactly those the registered Debezium connector writes.
	dbz := debeziumConfig(t, f)
	var topics []string
	for _, tbl := range strings.Split(dbz["table.include.list"], ",") {
		topics = append(topics, dbz["topic.prefix"]+"."+strings.TrimSpace(tbl))
	}
	if got := slices.Sorted(slices.Values(c.Topics)); !slices.Equal(got, slices.Sorted(slices.Values(topics))) {
		t.Errorf("starcdc reads topics %v, Debezium writes %v", got, topics)
	}
	for _, topic := range c.Topics {
		if c.Topic2Table[topic] == "" {
			t.Errorf("topic %s has no starrocks.topic2table.map entry", topic)
		}
	}
}

// TestComposeDebeziumConnector: the connector register-connector sends
// reads the mysql service and writes Avro through the same registry
// starcdc reads, and the Connect image carries the matching converter.
func TestComposeDebeziumConnector(t *testing.T) {
	f := loadCompose(t)
	dbz := debeziumConfig(t, f)
	inNet := kafkaInNetwork(t, f)
	reg := registryURL(t, f)
	for k, want := range map[string]string{
		"connector.class":   "io.debezium.connector.mysql.MySqlConnector",
		"database.hostname": "mysql",
		"database.port":     "3306",
		"schema.history.internal.kafka.bootstrap.servers": inNet,
		"key.converter":                       "io.confluent.connect.avro.AvroConverter",
		"value.converter":                     "io.confluent.connect.avro.AvroConverter",
		"key.converter.schema.registry.url":   reg,
		"value.converter.schema.registry.url": reg,
	} {
		if dbz[k] != want {
			t.Errorf("%s=%q, want %q", k, dbz[k], want)
		}
	}
	reg2 := f.service(t, "register-connector")
	if got := reg2.Environment["CONNECT_URL"]; got != "http://connect:8083" {
		t.Errorf("CONNECT_URL %q", got)
	}
	if script := mountedAt(t, reg2, reg2.Command[len(reg2.Command)-1]); filepath.Base(script) != "register-connector.sh" {
		t.Errorf("register-connector runs %s", script)
	}

	// Debezium's images lack Confluent's converter since 2.0: the Connect
	// service is built from a Dockerfile that adds it, in the version of
	// the registry image.
	conn := f.service(t, "connect")
	df, err := os.ReadFile(filepath.Join(repoRoot, conn.Build.Context, conn.Build.Dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	_, regTag, _ := strings.Cut(f.service(t, "schema-registry").Image, ":")
	version := ""
	if m := regexp.MustCompile(`(?m)^ARG CONFLUENT_VERSION=(\S+)$`).FindSubmatch(df); m != nil {
		version = string(m[1])
	}
	if version != regTag {
		t.Errorf("connect.Dockerfile: CONFLUENT_VERSION %q, want the registry image's %s", version, regTag)
	}
	if !regexp.MustCompile(`(?m)^FROM quay\.io/debezium/connect:`).Match(df) ||
		!strings.Contains(string(df), "kafka-connect-avro-converter") ||
		!strings.Contains(string(df), "COPY --from=avro-converter /plugins/ /kafka/connect/") {
		t.Errorf("connect.Dockerfile does not add Confluent's Avro converter to Debezium's plugin directory")
	}
}

// TestRegisterConnectorScript runs compose/register-connector.sh against
// a fake curl: it PUTs the config to /connectors/NAME/config and exits 0
// once the task runs, 1 when it failed, never ran, or the PUT failed.
func TestRegisterConnectorScript(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal("no sh:", err)
	}
	script, err := filepath.Abs("register-connector.sh")
	if err != nil {
		t.Fatal(err)
	}
	const fakeCurl = `#!/bin/sh
echo "$*" >> "$STUB_DIR/calls"
case "$*" in
*"-X PUT"*)
  [ -z "$STUB_PUT_FAIL" ] || exit 22
  echo '{"name":"inventory-source"}'
  ;;
*)
  n=$(cat "$STUB_DIR/n" 2>/dev/null || echo 0)
  n=$((n + 1))
  echo "$n" > "$STUB_DIR/n"
  line=$(sed -n "${n}p" "$STUB_DIR/statuses")
  [ -n "$line" ] || line=$(tail -n 1 "$STUB_DIR/statuses")
  echo "$line"
  ;;
esac
`
	const (
		running  = `{"name":"inventory-source","connector":{"state":"RUNNING","worker_id":"w"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"w"}],"type":"source"}`
		noTask   = `{"name":"inventory-source","connector":{"state":"RUNNING","worker_id":"w"},"tasks":[],"type":"source"}`
		failed   = `{"name":"inventory-source","connector":{"state":"RUNNING","worker_id":"w"},"tasks":[{"id":0,"state":"FAILED","worker_id":"w","trace":"boom"}],"type":"source"}`
		assigned = `{"name":"inventory-source","connector":{"state":"UNASSIGNED","worker_id":"w"},"tasks":[{"id":0,"state":"UNASSIGNED","worker_id":"w"}],"type":"source"}`
	)
	cases := []struct {
		name     string
		statuses []string
		putFail  bool
		wantOK   bool
		polls    int
	}{
		{"running at once", []string{running}, false, true, 1},
		{"running after two polls", []string{noTask, assigned, running}, false, true, 3},
		{"task failed", []string{assigned, failed}, false, false, 2},
		{"never runs", []string{noTask}, false, false, 4},
		{"PUT refused", []string{running}, true, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "curl"), []byte(fakeCurl), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "statuses"), []byte(strings.Join(tc.statuses, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(sh, script)
			cmd.Env = append(os.Environ(),
				"PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"),
				"STUB_DIR="+dir,
				"CONNECT_URL=http://connect.test:8083",
				"CONNECTOR_NAME=inventory-source",
				"CONNECTOR_CONFIG=/compose/debezium-mysql-avro.json",
				"POLL_TRIES=4",
				"POLL_SECONDS=0",
			)
			if tc.putFail {
				cmd.Env = append(cmd.Env, "STUB_PUT_FAIL=1")
			}
			out, err := cmd.CombinedOutput()
			if ok := err == nil; ok != tc.wantOK {
				t.Fatalf("exit error %v, want success %v; output:\n%s", err, tc.wantOK, out)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "calls"))
			calls := strings.Split(strings.TrimSpace(string(b)), "\n")
			wantPut := "-fsS -X PUT -H Content-Type: application/json --data-binary @/compose/debezium-mysql-avro.json http://connect.test:8083/connectors/inventory-source/config"
			if calls[0] != wantPut {
				t.Errorf("first curl call %q, want %q", calls[0], wantPut)
			}
			if polls := len(calls) - 1; polls != tc.polls {
				t.Errorf("%d status polls, want %d; calls:\n%s", polls, tc.polls, b)
			}
			for _, c := range calls[1:] {
				if c != "-fsS http://connect.test:8083/connectors/inventory-source/status" {
					t.Errorf("status poll %q", c)
				}
			}
			if !tc.wantOK && tc.name == "task failed" && !strings.Contains(string(out), "boom") {
				t.Errorf("a failed task's status (with its trace) is not printed:\n%s", out)
			}
		})
	}
}
