package main

import (
	"context"
	"encoding/base64"
	"net"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/internal/fixtures"
)

// closedAddr is a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// checkStack is the devstack with root's password "right", database
// inventory and the topic dbserver1.inventory.customers.
func checkStack(t *testing.T) *devstack.Stack {
	t.Helper()
	s, err := devstack.Start(devstack.Options{Users: map[string]string{"root": "right"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.StarRocks.CreateDatabase("inventory"); err != nil {
		t.Fatal(err)
	}
	if err := s.Produce(context.Background(), &kgo.Record{Topic: "dbserver1.inventory.customers", Value: fixtures.Read(t, "mysql195_r_snapshot_withschema.json")}); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkProps is a configuration of every dependency of s (Avro values
// through its registry, typing by the target tables over MySQL), with
// extra keys after (they win).
func checkProps(t *testing.T, s *devstack.Stack, extra string) string {
	return writeProps(t, "bootstrap.servers="+strings.Join(s.Brokers(), ",")+
		"\nstarrocks.http.url="+strings.TrimPrefix(s.StarRocks.FEURL(), "http://")+
		"\nstarrocks.mysql.url="+s.StarRocks.MySQLAddr()+
		"\nstarrocks.password=right"+
		"\nvalue.converter=io.confluent.connect.avro.AvroConverter\nvalue.converter.schema.registry.url="+s.Registry.URL()+
		"\n"+extra)
}

func TestCheckAllUp(t *testing.T) {
	s := checkStack(t)
	code, out, stderr := runCLI("check", checkProps(t, s, ""), "--timeout", "3s")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{
		"OK    configuration: 1 connector(s)",
		"OK    Kafka brokers " + s.Brokers()[0] + ": 1 broker(s) answered, advertising ",
		"OK    [starrocks-kafka-connector] topics dbserver1.inventory.customers: exist, 1 partition(s)",
		"OK    [starrocks-kafka-connector] consumer group connect-starrocks-kafka-connector: describable",
		"OK    [starrocks-kafka-connector] schema registry " + s.Registry.URL() + " (value.converter.schema.registry.url): answered",
		"OK    [starrocks-kafka-connector] StarRocks FE " + s.StarRocks.FEURL() + `: answered, user "root" accepted, database inventory exists`,
		"OK    [starrocks-kafka-connector] StarRocks BE behind " + s.StarRocks.FEURL() + " (Stream Load redirect): loads are redirected to " + strings.TrimPrefix(s.StarRocks.BEURL(), "http://") + ", reachable",
		"OK    [starrocks-kafka-connector] StarRocks MySQL port " + s.StarRocks.MySQLAddr() + ` (starrocks.mysql.url): user "root" logged in`,
	} {
		if !strings.Contains(out, want+"") {
			t.Errorf("no line %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") || strings.Contains(out+stderr, "right") {
		t.Errorf("a FAIL line or the password:\n%s%s", out, stderr)
	}
}

// Each dependency down or wrong gives a FAIL line naming it, with the
// fix, and exit 1; the other checks still run.
func TestCheckFailures(t *testing.T) {
	s := checkStack(t)
	down := closedAddr(t)
	cases := []struct {
		name, extra string
		want        []string // substrings of one FAIL line each
	}{
		{"Kafka down", "bootstrap.servers=" + down + "\n", []string{
			"FAIL  Kafka brokers " + down + ": no answer: ",
			"; fix: check bootstrap.servers=" + down + ": Kafka must be running and reachable",
		}},
		{"topic missing", "topics=dbserver1.inventory.nope\nstarrocks.topic2table.map=dbserver1.inventory.nope:customers\n", []string{
			"FAIL  [starrocks-kafka-connector] topics dbserver1.inventory.nope: missing: dbserver1.inventory.nope; fix: create them",
		}},
		{"no topic matches the regex", "topics=\ntopics.regex=other[.].*\nstarrocks.topic2table.map=\n", []string{
			"FAIL  [starrocks-kafka-connector] topics matching topics.regex=other[.].*: no topic matches; fix: correct topics.regex",
		}},
		{"wrong StarRocks password", "starrocks.password=wrong\n", []string{
			`FAIL  [starrocks-kafka-connector] StarRocks FE ` + s.StarRocks.FEURL() + `: user "root" was refused (HTTP 401`,
			"; fix: set starrocks.username and starrocks.password",
			`FAIL  [starrocks-kafka-connector] StarRocks MySQL port ` + s.StarRocks.MySQLAddr() + ` (starrocks.mysql.url): user "root" was refused`,
		}},
		{"StarRocks FE down", "starrocks.http.url=" + down + "\n", []string{
			"FAIL  [starrocks-kafka-connector] StarRocks FE http://" + down + ": unreachable: ",
			"; fix: check starrocks.http.url: it is the FE's HTTP port",
		}},
		{"database missing", "starrocks.database.name=nodb\n", []string{
			"database nodb does not exist; fix: create it (CREATE DATABASE nodb)",
		}},
		{"MySQL port down", "starrocks.mysql.url=" + down + "\n", []string{
			"FAIL  [starrocks-kafka-connector] StarRocks MySQL port " + down + " (starrocks.mysql.url): unreachable: ",
		}},
		{"registry down", "value.converter.schema.registry.url=http://" + down + "\n", []string{
			"FAIL  [starrocks-kafka-connector] schema registry http://" + down + " (value.converter.schema.registry.url): unreachable: ",
			"; fix: check value.converter.schema.registry.url",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := runCLI("check", "--timeout", "2s", checkProps(t, s, c.extra))
			if code != exitFailure {
				t.Errorf("exit %d, want 1\n%s%s", code, out, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
			if n := strings.Count(out, "\nOK    "); n == 0 {
				t.Errorf("no check passed besides the failing one:\n%s", out)
			}
			if !strings.Contains(stderr, "some checks failed") {
				t.Errorf("stderr %q", stderr)
			}
		})
	}
}

func TestCheckKafkaWrongPassword(t *testing.T) {
	k, sr := secretStack(t, "kafka-right", "right")
	props := writeProps(t, saslProps(k.ListenAddrs(), "kafka-wrong")+"starrocks.http.url="+strings.TrimPrefix(sr.FEURL(), "http://")+
		"\nstarrocks.mysql.url="+sr.MySQLAddr()+"\nstarrocks.password=right\n")
	code, out, _ := runCLI("check", "--timeout", "3s", props)
	if code != exitFailure || !strings.Contains(out, "FAIL  Kafka brokers ") ||
		!strings.Contains(out, "check the username and password in sasl.jaas.config") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if strings.Contains(out, "kafka-wrong") {
		t.Fatal("the password is in the output")
	}
}

func TestCheckInvalidConfig(t *testing.T) {
	code, _, stderr := runCLI("check", writeProps(t, "bufferflush.intervalms=5\n"))
	if code != exitUsage || !strings.Contains(stderr, "bufferflush.intervalms") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
}

// A registry with basic auth: the credentials of the URL (Confluent's
// default source) pass, wrong ones are a FAIL with the keys to set, and
// neither password is printed.
func TestCheckRegistryAuth(t *testing.T) {
	s := checkStack(t)
	reg := srfake.New(srfake.WithAuth("Basic " + base64.StdEncoding.EncodeToString([]byte("sr-user:sr-pw-good"))))
	defer reg.Close()
	withUser := func(pass string) string {
		return strings.Replace(reg.URL(), "http://", "http://sr-user:"+pass+"@", 1)
	}
	code, out, _ := runCLI("check", "--timeout", "2s", checkProps(t, s, "value.converter.schema.registry.url="+withUser("sr-pw-good")+"\n"))
	if code != 0 || !strings.Contains(out, "OK    [starrocks-kafka-connector] schema registry "+reg.URL()+" (value.converter.schema.registry.url): answered") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out2, _ := runCLI("check", "--timeout", "2s", checkProps(t, s, "value.converter.schema.registry.url="+withUser("sr-pw-bad")+"\n"))
	if code != exitFailure || !strings.Contains(out2, "FAIL  [starrocks-kafka-connector] schema registry "+reg.URL()+" (value.converter.schema.registry.url): refused the credentials (HTTP 403); fix: set value.converter.basic.auth.credentials.source=USER_INFO") {
		t.Errorf("exit %d:\n%s", code, out2)
	}
	if strings.Contains(out+out2, "sr-pw-") {
		t.Error("a registry password is in the output")
	}
}

func TestCheckOffline(t *testing.T) {
	// Nothing listens at these addresses: --offline does not try them.
	props := writeProps(t, "bootstrap.servers="+closedAddr(t)+"\nstarrocks.http.url="+closedAddr(t)+"\n")
	code, out, stderr := runCLI("check", "--offline", props)
	if code != 0 || out != "OK    configuration: 1 connector(s) in "+props+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if code, _, _ := runCLI("check", "--offline", writeProps(t, "bufferflush.intervalms=5\n")); code != exitUsage {
		t.Fatalf("an invalid file passed --offline: exit %d", code)
	}
}
