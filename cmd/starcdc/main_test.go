package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixturePath(name string) string {
	return filepath.Join("..", "..", "..", "shared", "fixtures", name)
}

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
		{"update with schema", withSchemas, fixturePath("mysql195_u_withschema.json"), 0,
			"inventory.customers\t{\"id\":1004,\"first_name\":\"Anne1\",\"last_name\":\"Kretchmar\",\"email\":\"annek@noanswer.org\",\"__op\":0}\n"},
		{"delete with schema", withSchemas, fixturePath("mysql195_d_withschema.json"), 0,
			"inventory.customers\t{\"id\":1006,\"first_name\":\"add1\",\"last_name\":\"add2\",\"email\":\"add1\",\"__op\":1}\n"},
		{"delete without schema", noSchemas, fixturePath("pg121_d_replica_full_noschema.json"), 0,
			"inventory.customers\t{\"id\":111,\"name\":\"scooter\",\"description\":\"Big 2-wheel scooter \",\"weight\":5.17,\"__op\":1}\n"},
		{"logical types", withSchemas, fixturePath("mysql254_c_logical_types_withschema.json"), 0,
			"inventory.customers\t{\"id\":8,\"name\":\"Jfohn Doe\",\"age\":430,\"email\":\"john@example.com\",\"birth_date\":\"1994-05-20\",\"integer_column\":12323,\"float_column\":45.67,\"decimal_column\":123.45,\"datetime_column\":\"2024-04-12 10:30:00\",\"date_column\":\"2024-04-12\",\"time_column\":\"10:30:00\",\"text_column\":\"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\",\"varchar_column\":null,\"binary_column\":\"EjRWeJCrze8AAA==\",\"blob_column\":null,\"is_active\":2,\"__op\":0}\n"},
		{"transaction metadata is dropped", withSchemas, fixturePath("pg_txn_begin.json"), 0, ""},
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

func TestDecodeUsageErrors(t *testing.T) {
	props := writeProps(t, "")
	for _, args := range [][]string{
		{"decode"},
		{"decode", props},
		{"decode", props, "--topic", "t", "--value", "/does/not/exist"},
		{"decode", writeProps(t, "bufferflush.maxbytes=10\n"), "--topic", "t", "--value", fixturePath("mysql195_u_withschema.json")},
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
