package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/fixtures"
	"github.com/starcdc/starcdc/metrics"
)

func writeProps(t *testing.T, extra string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "connect-StarRocks-sink.properties")
	body := `name=starrocks-kafka-connector
connector.class=com.starrocks.connector.kafka.StarRocksSinkConnector
topics=dbserver1.inventory.customers
starrocks.http.url=127.0.0.1:8030
starrocks.username=root
starrocks.password=s3cret-pass
starrocks.database.name=inventory
starrocks.topic2table.map=dbserver1.inventory.customers:customers
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
` + extra
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDecodeContract(t *testing.T) {
	withSchemas := writeProps(t, "value.converter.schemas.enable=true\n")
	noSchemas := writeProps(t, "value.converter.schemas.enable=false\nkey.converter.schemas.enable=false\n")
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o600)
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte(`{"payload":`), 0o600)

	cases := []struct {
		name, props, value string
		code               int
		out                string
	}{
		{"update with schema", withSchemas, fixtures.File(t, "mysql195_u_withschema.json"), 0,
			"inventory.customers\t{\"id\":1004,\"first_name\":\"Anne1\",\"last_name\":\"Kretchmar\",\"email\":\"annek@noanswer.org\",\"__op\":0}\n"},
		{"delete with schema", withSchemas, fixtures.File(t, "mysql195_d_withschema.json"), 0,
			"inventory.customers\t{\"id\":1006,\"first_name\":\"add1\",\"last_name\":\"add2\",\"email\":\"add1\",\"__op\":1}\n"},
		{"delete without schema", noSchemas, fixtures.File(t, "pg121_d_replica_full_noschema.json"), 0,
			"inventory.customers\t{\"id\":111,\"name\":\"scooter\",\"description\":\"Big 2-wheel scooter \",\"weight\":5.17,\"__op\":1}\n"},
		{"logical types", withSchemas, fixtures.File(t, "mysql254_c_logical_types_withschema.json"), 0,
			"inventory.customers\t{\"id\":8,\"name\":\"Jfohn Doe\",\"age\":430,\"email\":\"john@example.com\",\"birth_date\":\"1994-05-20\",\"integer_column\":12323,\"float_column\":45.67,\"decimal_column\":123.45,\"datetime_column\":\"2024-04-12 10:30:00\",\"date_column\":\"2024-04-12\",\"time_column\":\"10:30:00\",\"text_column\":\"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\",\"varchar_column\":null,\"binary_column\":\"EjRWeJCrze8AAA==\",\"blob_column\":null,\"is_active\":2,\"__op\":0}\n"},
		{"transaction metadata is dropped", withSchemas, fixtures.File(t, "pg_txn_begin.json"), 0, ""},
		{"tombstone is dropped", withSchemas, empty, 0, ""},
		{"malformed", withSchemas, bad, 2, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI("decode", c.props, "--topic", "dbserver1.inventory.customers", "--value", c.value)
			if code != c.code || out != c.out {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q", code, out, errOut, c.code, c.out)
			}
			if code != 0 && !strings.Contains(errOut, "malformed") {
				t.Errorf("stderr %q does not say what is wrong", errOut)
			}
		})
	}
}

// TestDecodePrimitiveKeyConverters: keys written with Kafka's
// LongSerializer, IntegerSerializer or ByteArraySerializer decode with the
// matching converter; a key of the wrong length is an undecodable record.
func TestDecodePrimitiveKeyConverters(t *testing.T) {
	dir := t.TempDir()
	keyFile := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o600)
		return p
	}
	value := fixtures.File(t, "mysql195_d_withschema.json")
	want := "inventory.customers\t{\"id\":1006,\"first_name\":\"add1\",\"last_name\":\"add2\",\"email\":\"add1\",\"__op\":1}\n"
	for _, c := range []struct {
		converter string
		key       []byte
		code      int
	}{
		{"org.apache.kafka.connect.converters.LongConverter", binary.BigEndian.AppendUint64(nil, 1006), 0},
		{"IntegerConverter", binary.BigEndian.AppendUint32(nil, 1006), 0},
		{"Short", binary.BigEndian.AppendUint16(nil, 1006), 0},
		{"org.apache.kafka.connect.converters.ByteArrayConverter", []byte("1006"), 0},
		{"org.apache.kafka.connect.converters.DoubleConverter", binary.BigEndian.AppendUint64(nil, 0x4090000000000000), 0},
		{"org.apache.kafka.connect.converters.LongConverter", binary.BigEndian.AppendUint32(nil, 1006), 2},
		{"org.apache.kafka.connect.converters.BooleanConverter", []byte{7}, 2},
	} {
		props := writeProps(t, "key.converter="+c.converter+"\n")
		code, out, errOut := runCLI("decode", props, "--topic", "dbserver1.inventory.customers", "--value", value, "--key", keyFile("key", c.key))
		if c.code == 0 && (code != 0 || out != want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %q", c.converter, code, out, errOut, want)
		}
		if c.code != 0 && (code != c.code || out != "" || !strings.Contains(errOut, "decoding the key") || !strings.Contains(errOut, "malformed")) {
			t.Errorf("%s with key %x: exit %d, stdout %q, stderr %q; want exit %d naming the key", c.converter, c.key, code, out, errOut, c.code)
		}
	}
}

// TestDecodeJSONConfig: decode (like run and ddl) reads Kafka Connect's
// JSON connector configs, both shapes, and reports a JSON syntax error with
// the file and the byte offset.
func TestDecodeJSONConfig(t *testing.T) {
	dir := t.TempDir()
	config := `"connector.class": "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics": "dbserver1.inventory.customers", "starrocks.http.url": "127.0.0.1:8030",
		"starrocks.username": "root", "starrocks.password": "s3cret-pass", "starrocks.database.name": "inventory",
		"starrocks.topic2table.map": "dbserver1.inventory.customers:customers", "bufferflush.intervalms": 2000,
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": true`
	files := map[string]string{
		"request": `{"name": "starrocks-kafka-connector", "config": {` + config + `}}`,
		"flat":    `{"name": "starrocks-kafka-connector", ` + config + `}`,
	}
	want := "inventory.customers\t{\"id\":1004,\"first_name\":\"Anne1\",\"last_name\":\"Kretchmar\",\"email\":\"annek@noanswer.org\",\"__op\":0}\n"
	for name, body := range files {
		p := filepath.Join(dir, name+".json")
		os.WriteFile(p, []byte(body), 0o600)
		code, out, errOut := runCLI("decode", p, "--topic", "dbserver1.inventory.customers", "--value", fixtures.File(t, "mysql195_u_withschema.json"))
		if code != 0 || out != want {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %q", name, code, out, errOut, want)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name": "x", "config": {"topics": "t",}}`), 0o600)
	code, _, errOut := runCLI("decode", bad, "--topic", "t", "--value", fixtures.File(t, "mysql195_u_withschema.json"))
	if code != 2 || !strings.Contains(errOut, bad+": byte offset 39 (line 1, column 40): invalid JSON") {
		t.Errorf("bad JSON: exit %d, stderr %q; want exit 2 naming the file and the offset", code, errOut)
	}
}

func TestDecodeUsageErrors(t *testing.T) {
	props := writeProps(t, "")
	for _, args := range [][]string{
		{"decode"},
		{"decode", props},
		{"decode", props, "--topic", "t", "--value", "/does/not/exist"},
		{"decode", writeProps(t, "bufferflush.maxbytes=10\n"), "--topic", "t", "--value", fixtures.File(t, "mysql195_u_withschema.json")},
	} {
		code, _, errOut := runCLI(args...)
		if code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with a message", args, code, errOut)
		}
		if strings.Contains(errOut, "s3cret-pass") {
			t.Errorf("%v: the password leaked: %q", args, errOut)
		}
	}
}

func TestRunInvalidConfig(t *testing.T) {
	code, _, errOut := runCLI("run", writeProps(t, "bufferflush.intervalms=5\nconnect.timeoutms=1\n"))
	if code != 2 || !strings.Contains(errOut, "bufferflush.intervalms") || !strings.Contains(errOut, "connect.timeoutms") {
		t.Fatalf("exit %d, stderr %q; want exit 2 naming both keys", code, errOut)
	}
	if strings.Contains(errOut, "s3cret-pass") {
		t.Fatalf("the password leaked: %q", errOut)
	}
}

func TestDemo(t *testing.T) {
	code, out, errOut := runCLI("demo")
	if code != 0 {
		t.Fatalf("demo exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "demo: OK") || !strings.Contains(out, "inventory.customers") {
		t.Fatalf("demo output lacks the tables or the verdict:\n%s", out)
	}
}

// TestDDLCommand: starcdc ddl plans the table from the newest record of the
// topic, --apply creates it over the emulator's MySQL port, and a later
// schema with a new field is shown as an ALTER.
func TestDDLCommand(t *testing.T) {
	s, err := devstack.Start(devstack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	key := []byte(`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"dbserver1.inventory.customers.Key"},"payload":{"id":1001}}`)
	value := fixtures.Read(t, "mysql195_r_snapshot_withschema.json")
	ctx := context.Background()
	if err := s.Produce(ctx, &kgo.Record{Topic: "dbserver1.inventory.customers", Key: key, Value: value}); err != nil {
		t.Fatal(err)
	}
	props := writeProps(t, "bootstrap.servers="+strings.Join(s.Brokers(), ",")+"\nstarrocks.mysql.url="+s.StarRocks.MySQLAddr()+
		"\nstarrocks.table.replication.num=1\nstarrocks.http.url="+strings.TrimPrefix(s.StarRocks.FEURL(), "http://")+"\nstarrocks.password=\n")

	code, out, errOut := runCLI("ddl", props)
	if code != 0 || !strings.Contains(out, "CREATE TABLE IF NOT EXISTS `inventory`.`customers`") || !strings.Contains(out, "PRIMARY KEY(`id`)") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if _, err := s.StarRocks.Rows("inventory", "customers"); err == nil {
		t.Fatal("without --apply the table must not exist")
	}
	code, out, errOut = runCLI("ddl", props, "--apply")
	if code != 0 || !strings.Contains(out, "-- applied to inventory.customers") {
		t.Fatalf("--apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, err := s.StarRocks.Rows("inventory", "customers"); err != nil {
		t.Fatalf("after --apply: %v", err)
	}
	// A newer record with an extra field: the table needs an ALTER.
	v2 := strings.Replace(string(value), `{"type":"string","optional":false,"field":"email"}],"optional":true,"name":"dbserver1.inventory.customers.Value","field":"after"}`,
		`{"type":"string","optional":false,"field":"email"},{"type":"string","optional":true,"field":"phone"}],"optional":true,"name":"dbserver1.inventory.customers.Value","field":"after"}`, 1)
	if v2 == string(value) {
		t.Fatal("the fixture changed shape; adapt the test")
	}
	if err := s.Produce(ctx, &kgo.Record{Topic: "dbserver1.inventory.customers", Key: key, Value: []byte(v2)}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI("ddl", props)
	if code != 0 || !strings.Contains(out, "ALTER TABLE `inventory`.`customers` ADD COLUMN `phone`") {
		t.Fatalf("evolution: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestDecodeAvro: starcdc decode resolves a Confluent-framed Avro record's
// schema from the registry (srfake over HTTP) and prints its row.
func TestDecodeAvro(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	schema := `{"type":"record","name":"Value","namespace":"dbserver1.inventory.customers","fields":[{"name":"id","type":"int"},{"name":"email","type":["null","string"],"default":null},{"name":"birth","type":{"type":"int","connect.name":"io.debezium.time.Date"}}],"connect.name":"dbserver1.inventory.customers.Value"}`
	id, _, err := reg.RegisterSchema("dbserver1.inventory.customers-value", sr.Schema{Schema: schema, Type: sr.TypeAvro})
	if err != nil {
		t.Fatal(err)
	}
	// An ExtractNewRecordState row: id 5, email "a@b", birth 8905 (1994-05-20).
	payload := binary.AppendVarint(nil, 5)
	payload = binary.AppendVarint(payload, 1) // union branch: string
	payload = binary.AppendVarint(payload, 3)
	payload = append(payload, "a@b"...)
	payload = binary.AppendVarint(payload, 8905)
	value := append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), payload...)
	file := filepath.Join(t.TempDir(), "value.bin")
	os.WriteFile(file, value, 0o600)
	props := writeProps(t, "value.converter=io.confluent.connect.avro.AvroConverter\nvalue.converter.schema.registry.url="+reg.URL()+"\n")

	code, out, errOut := runCLI("decode", props, "--topic", "dbserver1.inventory.customers", "--value", file)
	if want := "inventory.customers\t{\"id\":5,\"email\":\"a@b\",\"birth\":\"1994-05-20\",\"__op\":0}\n"; code != 0 || out != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errOut, want)
	}
	// Unframed bytes are refused with a message that says so.
	os.WriteFile(file, []byte(`{"id":5}`), 0o600)
	code, _, errOut = runCLI("decode", props, "--topic", "dbserver1.inventory.customers", "--value", file)
	if code != 2 || !strings.Contains(strings.ToLower(errOut), "wire format") {
		t.Fatalf("unframed: exit %d, stderr %q", code, errOut)
	}
}

// TestRunStopsOnSIGTERM: starcdc run loads, then on SIGTERM stops
// fetching, flushes, commits and exits 0.
func TestRunStopsOnSIGTERM(t *testing.T) {
	s, err := devstack.Start(devstack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.StarRocks.CreateDatabase("inventory"); err != nil {
		t.Fatal(err)
	}
	if err := s.StarRocks.CreateTable("inventory", "customers", []starrocks.Column{
		{Name: "id", Type: "INT"}, {Name: "first_name", Type: "VARCHAR(64)", Nullable: true},
		{Name: "last_name", Type: "VARCHAR(64)", Nullable: true}, {Name: "email", Type: "VARCHAR(64)", Nullable: true},
	}, []string{"id"}); err != nil {
		t.Fatal(err)
	}
	value := fixtures.Read(t, "mysql195_r_snapshot_withschema.json")
	ctx := context.Background()
	if err := s.Produce(ctx, &kgo.Record{Topic: "dbserver1.inventory.customers", Value: value}); err != nil {
		t.Fatal(err)
	}
	// starrocks.mysql.url: the row's plain integers and strings are typed
	// by the table's columns, read over the MySQL port (they wait for it).
	props := writeProps(t, "bootstrap.servers="+strings.Join(s.Brokers(), ",")+"\nstarrocks.http.url="+strings.TrimPrefix(s.StarRocks.FEURL(), "http://")+
		"\nstarrocks.mysql.url="+s.StarRocks.MySQLAddr()+"\nstarrocks.password=\n")
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() { done <- run([]string{"run", props}, io.Discard, &stderr) }()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := devstack.WaitDrained(wctx, s.Brokers(), "connect-starrocks-kafka-connector", "dbserver1.inventory.customers"); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after SIGTERM:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("starcdc run did not stop within 30s of SIGTERM")
	}
	if rows, err := s.StarRocks.Rows("inventory", "customers"); err != nil || len(rows) != 1 {
		t.Fatalf("rows %v, %v", rows, err)
	}
	if strings.Contains(stderr.String(), "s3cret-pass") {
		t.Fatal("the password leaked into the log")
	}
}

// configProblems is the "invalid configuration:" part of a command's
// stderr (the warnings logged before it carry timestamps).
func configProblems(t *testing.T, stderr string) string {
	t.Helper()
	i := strings.Index(stderr, "invalid configuration:")
	if i < 0 {
		t.Fatalf("stderr does not report an invalid configuration:\n%s", stderr)
	}
	return stderr[i:]
}

// TestSameConfigErrorsEverywhere: run, decode and ddl load a file through
// the same path, so they reject it with exit code 2 and the same complete
// list of problems, in one message.
func TestSameConfigErrorsEverywhere(t *testing.T) {
	props := writeProps(t, `starrocks.load.mode=batch
starrocks.auto.create.tables=yes
errors.tolerance=all
errors.deadletterqueue.topic.name=dlq
errors.deadletterqueue.topic.replication.factor=0
starrocks.topic2table.map=dbserver1.inventory.customers:1customers
`)
	value := fixtures.File(t, "mysql195_u_withschema.json")
	var first string
	for _, args := range [][]string{
		{"run", props},
		{"decode", props, "--topic", "dbserver1.inventory.customers", "--value", value},
		{"ddl", props},
	} {
		code, out, errOut := runCLI(args...)
		if code != 2 || out != "" {
			t.Fatalf("%v: exit %d, stdout %q; want exit 2 and no output\n%s", args, code, out, errOut)
		}
		got := configProblems(t, errOut)
		for _, want := range []string{
			"starrocks.load.mode=batch: must be stream_load or transaction",
			"starrocks.auto.create.tables=yes: must be true or false",
			"errors.deadletterqueue.topic.replication.factor=0: must be a replication factor",
			`starrocks.topic2table.map: entry 1 "dbserver1.inventory.customers:1customers": table name "1customers" must match`,
		} {
			if !strings.Contains(got, want) {
				t.Errorf("%v: the problems lack %q:\n%s", args, want, got)
			}
		}
		if strings.Contains(errOut, "s3cret-pass") {
			t.Errorf("%v: the password leaked: %q", args, errOut)
		}
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("%v reports other problems than run:\n%s\nrun:\n%s", args, got, first)
		}
	}
}

// TestExitCodes: invalid settings exit 2; a failure while starting up
// with valid settings (here: the brokers refuse to create the dead-letter
// topic, whose replication factor exceeds their number) exits 1, with its
// cause.
func TestExitCodes(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "dbserver1.inventory.customers"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dlq := "bootstrap.servers=" + c.ListenAddrs()[0] + "\nerrors.tolerance=all\nerrors.deadletterqueue.topic.name=dlq\n"

	code, _, errOut := runCLI("run", writeProps(t, dlq+"errors.deadletterqueue.topic.replication.factor=3\n"))
	if code != 1 || !strings.Contains(errOut, "creating the dead-letter topic dlq") || !strings.Contains(errOut, "INVALID_REPLICATION_FACTOR") {
		t.Errorf("dead-letter topic creation refused: exit %d, stderr %q; want exit 1 with the cause", code, errOut)
	}
	code, _, errOut = runCLI("run", writeProps(t, dlq+"errors.deadletterqueue.topic.replication.factor=x\n"))
	if code != 2 || !strings.Contains(errOut, "errors.deadletterqueue.topic.replication.factor=x") {
		t.Errorf("bad replication factor: exit %d, stderr %q; want exit 2 naming the key", code, errOut)
	}
	code, _, errOut = runCLI("run", writeProps(t, "value.converter=com.example.Nope\n"))
	if code != 2 || !strings.Contains(errOut, "unknown converter class") {
		t.Errorf("unknown converter: exit %d, stderr %q; want exit 2", code, errOut)
	}
}

// TestHelp: every command answers -h, -help and --help (anywhere among
// its arguments) and `help COMMAND` with its usage and flags on stdout,
// exit 0 and nothing on stderr.
func TestHelp(t *testing.T) {
	props := writeProps(t, "")
	for cmd, flags := range map[string][]string{
		"run":     {"-metrics-addr"},
		"decode":  {"-topic", "-value", "-key"},
		"ddl":     {"-apply"},
		"demo":    {"-keep-running"},
		"version": nil,
	} {
		for _, args := range [][]string{{cmd, "-h"}, {cmd, "--help"}, {cmd, "-help"}, {cmd, props, "--help"}, {"help", cmd}} {
			code, out, errOut := runCLI(args...)
			if code != 0 || errOut != "" || !strings.Contains(out, "Usage: starcdc "+cmd) {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 0 and the usage on stdout only", args, code, out, errOut)
				continue
			}
			for _, f := range flags {
				if !strings.Contains(out, f+" ") && !strings.Contains(out, f+"\n") {
					t.Errorf("%v: the usage lacks the flag %s:\n%s", args, f, out)
				}
			}
		}
	}
	if code, out, errOut := runCLI("help", "nope"); code != 2 || out != "" || !strings.Contains(errOut, `unknown command "nope"`) {
		t.Errorf("help nope: exit %d, stdout %q, stderr %q; want exit 2", code, out, errOut)
	}
}

// TestFlagsAfterFiles: flags may follow the file arguments; "--" ends
// the flags.
func TestFlagsAfterFiles(t *testing.T) {
	code, _, errOut := runCLI("run", writeProps(t, "bufferflush.intervalms=5\n"), "--metrics-addr", "127.0.0.1:0")
	if code != 2 || !strings.Contains(errOut, "bufferflush.intervalms") || strings.Contains(errOut, "metrics-addr") {
		t.Errorf("run FILE --metrics-addr: exit %d, stderr %q; want the file's configuration error, the flag parsed", code, errOut)
	}
	props := writeProps(t, "value.converter.schemas.enable=true\n")
	want := "inventory.customers\t{\"id\":1004,\"first_name\":\"Anne1\",\"last_name\":\"Kretchmar\",\"email\":\"annek@noanswer.org\",\"__op\":0}\n"
	value := fixtures.File(t, "mysql195_u_withschema.json")
	for _, args := range [][]string{
		{"decode", props, "--value", value, "--topic", "dbserver1.inventory.customers"},
		{"decode", "--value", value, props, "--topic=dbserver1.inventory.customers"},
		{"decode", "--topic", "dbserver1.inventory.customers", "--value", value, "--", props},
	} {
		code, out, errOut := runCLI(args...)
		if code != 0 || out != want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 0, stdout %q", args, code, out, errOut, want)
		}
	}
	// After "--", "--topic" is a file name.
	code, _, errOut = runCLI("decode", props, "--value", value, "--", "--topic", "t")
	if code != 2 || !strings.Contains(errOut, "usage: starcdc decode") {
		t.Errorf("decode with flags after --: exit %d, stderr %q; want a usage error (two files)", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		code, out, errOut := runCLI(arg)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "starcdc ") || !strings.Contains(out, "go1.") || strings.Count(out, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 0 and one line with the Go version", arg, code, out, errOut)
		}
	}
}

// TestMetricsServer: `run --metrics-addr` serves, at /metrics only, the
// build stamps (the link-time ones when set) beside the runtime series,
// until stopped.
func TestMetricsServer(t *testing.T) {
	defer func(v, r string) { buildVersion, buildRevision = v, r }(buildVersion, buildRevision)
	buildVersion, buildRevision = "v9.8.7", "cafe0123"
	addr, stop, err := serveMetrics("127.0.0.1:0", metrics.New(buildStamp()))
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string, error) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	code, body, err := get("/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", code, err)
	}
	for _, want := range []string{
		`starcdc_build_info{goversion="` + runtime.Version() + `",revision="cafe0123",version="v9.8.7"} 1`,
		"\ngo_goroutines ",
		"\nprocess_cpu_seconds_total ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	if code, _, err := get("/"); err != nil || code != http.StatusNotFound {
		t.Errorf("GET /: %d %v, want 404", code, err)
	}
	stop()
	if _, _, err := get("/metrics"); err == nil {
		t.Error("/metrics still served after stop")
	}
	if _, _, err := serveMetrics("no-such-host.invalid:bad", metrics.New(metrics.BuildInfo{})); err == nil {
		t.Error("a bad address was accepted")
	}
}

// TestDecodeSchemaIDHeader: `starcdc decode` reads a record whose schema
// ID is in its __value_schema_id header (Confluent Platform 8), given as
// hex, with the raw payload in --value; a header that is not hex is a
// usage error naming the flag.
func TestDecodeSchemaIDHeader(t *testing.T) {
	f := srfake.New()
	t.Cleanup(f.Close)
	const schema = `{"type":"record","name":"Envelope","namespace":"dbserver1.inventory.customers","fields":[` +
		`{"name":"before","type":["null",{"type":"record","name":"Value","fields":[{"name":"id","type":"int"}]}],"default":null},` +
		`{"name":"after","type":["null","Value"],"default":null},{"name":"op","type":"string"}]}`
	if _, _, err := f.RegisterSchema("dbserver1.inventory.customers-value", sr.Schema{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	cl, _ := sr.NewClient(sr.URLs(f.URL()))
	ss, err := cl.SchemaByVersion(context.Background(), "dbserver1.inventory.customers-value", 1)
	if err != nil {
		t.Fatal(err)
	}
	header := "01" + strings.ReplaceAll(ss.GUID, "-", "")
	props := writeProps(t, "value.converter=io.confluent.connect.avro.AvroConverter\nvalue.converter.schema.registry.url="+f.URL()+"\n")
	value := filepath.Join(t.TempDir(), "value")
	os.WriteFile(value, []byte{0, 2, 14, 2, 'c'}, 0o600) // before null, after {id: 7}, op "c"
	code, out, errOut := runCLI("decode", props, "--topic", "dbserver1.inventory.customers", "--value", value, "--value-schema-id", header)
	if want := "inventory.customers\t{\"id\":7,\"__op\":0}\n"; code != 0 || out != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errOut, want)
	}
	// Without the header the raw payload is read as prefixed (its first
	// byte 0 as the magic byte): an undecodable record, not a guess.
	if code, _, errOut := runCLI("decode", props, "--topic", "dbserver1.inventory.customers", "--value", value); code != 2 || !strings.Contains(errOut, "malformed") {
		t.Fatalf("without the header: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI("decode", props, "--topic", "t", "--value", value, "--value-schema-id", "zz"); code != 2 || !strings.Contains(errOut, "--value-schema-id") {
		t.Fatalf("bad hex: exit %d, stderr %q", code, errOut)
	}
}
