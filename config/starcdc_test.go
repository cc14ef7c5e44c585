package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"
)

func TestStarcdcKeyDefaults(t *testing.T) {
	c, _, warns := one(t, base(nil))
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	wantLoad := LoadSettings{Mode: LoadStreamLoad, LabelPrefix: "starcdc-sr-sink", Headers: map[string]string{"format": "json"}}
	if c.Load.Mode != wantLoad.Mode || c.Load.MinIntervalSet || c.Load.LabelPrefix != wantLoad.LabelPrefix || c.Load.ConnectTimeout != 10*time.Second ||
		c.Load.Compression != CompressionNone || !maps.Equal(c.Load.Headers, wantLoad.Headers) || c.Load.RowDelimiter != nil || c.Load.ColumnSeparator != nil {
		t.Errorf("Load = %+v", c.Load)
	}
	if c.MySQLAddr != "fe1:9030" {
		t.Errorf("MySQLAddr = %q, want the first HTTP URL's host with port 9030", c.MySQLAddr)
	}
	if c.DDL.AutoCreate || c.DDL.Evolution != EvolveNone || c.DDL.Buckets != 0 || c.DDL.ReplicationNum != 0 || c.DDL.Properties != nil || c.DDL.DuplicateKeyWithoutKey {
		t.Errorf("DDL = %+v", c.DDL)
	}
	m := c.Mapping
	if m.Timezone != time.UTC || m.Geometry != GeometryWKT || m.Varbinary || m.Decimal256 || !m.SchemalessTypes || m.Truncate || m.Rename != nil {
		t.Errorf("Mapping = %+v", m)
	}
	if c.DeadLetter != (DeadLetter{ReplicationFactor: 3}) {
		t.Errorf("DeadLetter = %+v", c.DeadLetter)
	}
}

func TestStarcdcKeys(t *testing.T) {
	c, _, warns := one(t, base(map[string]string{
		"starrocks.load.mode":                                " Transaction ",
		"starrocks.load.min.interval.ms":                     "250",
		"starrocks.connect.timeout.ms":                       " 2500 ",
		"sink.properties.compression":                        "LZ4",
		"sink.properties.timeout":                            "60",
		"sink.properties.format":                             "csv",
		"sink.properties.column_separator":                   `\x01`,
		"sink.properties.row_delimiter":                      `\n`,
		"value.converter":                                    "StringConverter",
		"starrocks.mysql.url":                                "jdbc:mysql://fe2:9031/db?x=1,fe3:9030",
		"starrocks.auto.create.tables":                       " TRUE ",
		"starrocks.table.buckets":                            "8",
		"starrocks.table.replication.num":                    "1",
		"starrocks.table.properties.enable_persistent_index": "true",
		"starrocks.table.keyless":                            "Duplicate",
		"starrocks.datetime.timezone":                        "Asia/Shanghai",
		"starrocks.geometry.format":                          "WKB_HEX",
		"starrocks.bytes.type":                               "varbinary",
		"starrocks.decimal256":                               "True",
		"starrocks.schemaless.types":                         "none",
		"starrocks.truncate.policy":                          "truncate",
		"starrocks.topic2table.regex":                        `db\.(\w+)`,
		"starrocks.topic2table.replacement":                  "$1",
		"errors.deadletterqueue.topic.name":                  " dlq-orders ",
		"errors.deadletterqueue.topic.replication.factor":    "-1",
		"errors.deadletterqueue.context.headers.enable":      "false",
	}))
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if c.Load.Mode != LoadTransaction || !c.Load.MinIntervalSet || c.Load.MinInterval != 250*time.Millisecond || c.Load.ConnectTimeout != 2500*time.Millisecond ||
		c.Load.Compression != CompressionLZ4 || c.Load.Headers["compression"] != "" || c.Load.Headers["timeout"] != "60" ||
		!bytes.Equal(c.Load.ColumnSeparator, []byte{1}) || string(c.Load.RowDelimiter) != "\n" {
		t.Errorf("Load = %+v", c.Load)
	}
	if c.SinkProperties["compression"] != "LZ4" {
		t.Errorf("SinkProperties keeps what was written: %v", c.SinkProperties)
	}
	if c.MySQLAddr != "fe2:9031" {
		t.Errorf("MySQLAddr = %q", c.MySQLAddr)
	}
	if !c.DDL.AutoCreate || c.DDL.Evolution != EvolveAddColumns || c.DDL.Buckets != 8 || c.DDL.ReplicationNum != 1 ||
		c.DDL.Properties["enable_persistent_index"] != "true" || !c.DDL.DuplicateKeyWithoutKey {
		t.Errorf("DDL = %+v", c.DDL)
	}
	m := c.Mapping
	if m.Timezone.String() != "Asia/Shanghai" || m.Geometry != GeometryWKBHex || !m.Varbinary || !m.Decimal256 || m.SchemalessTypes || !m.Truncate ||
		m.Rename == nil || m.Rename.Regex.String() != `db\.(\w+)` || m.Rename.Replacement != "$1" {
		t.Errorf("Mapping = %+v", m)
	}
	if c.DeadLetter != (DeadLetter{Topic: "dlq-orders", ReplicationFactor: -1}) {
		t.Errorf("DeadLetter = %+v", c.DeadLetter)
	}

	// Evolution: add_columns by default with auto-create, else as set.
	c, _, _ = one(t, base(map[string]string{"starrocks.auto.create.tables": "true", "starrocks.schema.evolution": "add_and_widen"}))
	if c.DDL.Evolution != EvolveAddAndWiden {
		t.Errorf("add_and_widen: %+v", c.DDL)
	}
	c, _, _ = one(t, base(map[string]string{"starrocks.schema.evolution": "add_columns"}))
	if c.DDL.AutoCreate || c.DDL.Evolution != EvolveAddColumns {
		t.Errorf("evolution without auto-create: %+v", c.DDL)
	}
	// A set 0 disables the pacing; the label prefix of an odd name is hashed.
	c, _, _ = one(t, base(map[string]string{"starrocks.load.min.interval.ms": "0", "name": "orders sink/1"}))
	if !c.Load.MinIntervalSet || c.Load.MinInterval != 0 || !strings.HasPrefix(c.Load.LabelPrefix, "starcdc-") || strings.ContainsAny(c.Load.LabelPrefix, " /") {
		t.Errorf("Load = %+v", c.Load)
	}
	for in, want := range map[string]string{"fe": "fe:9030", "fe:9031": "fe:9031", "mysql://fe": "fe:9030", "[::1]:9030": "[::1]:9030", "10.0.0.1": "10.0.0.1:9030"} {
		if got, err := parseMySQLURL(in); err != nil || got != want {
			t.Errorf("parseMySQLURL(%q) = %q, %v", in, got, err)
		}
	}
}

// TestStarcdcKeyErrors: every bad value is an error naming the key, all
// reported at once, each wrapping ErrInvalid.
func TestStarcdcKeyErrors(t *testing.T) {
	bad := map[string]string{
		"starrocks.load.mode":                             "batch",
		"starrocks.load.min.interval.ms":                  "-5",
		"starrocks.connect.timeout.ms":                    "99",
		"sink.properties.compression":                     "zstd",
		"sink.properties.row_delimiter":                   `\xZZ`,
		"starrocks.mysql.url":                             "http://fe:9030",
		"starrocks.auto.create.tables":                    "yes please",
		"starrocks.schema.evolution":                      "drop",
		"starrocks.table.buckets":                         "-1",
		"starrocks.table.replication.num":                 "0",
		"starrocks.table.bucket":                          "4",
		"starrocks.table.properties.replication_num":      "1",
		"starrocks.table.keyless":                         "maybe",
		"starrocks.datetime.timezone":                     "Mars/Olympus",
		"starrocks.geometry.format":                       "geojson",
		"starrocks.bytes.type":                            "blob",
		"starrocks.decimal256":                            "2",
		"starrocks.schemaless.types":                      "all",
		"starrocks.truncate.policy":                       "drop",
		"starrocks.topic2table.regex":                     "(",
		"errors.deadletterqueue.topic.name":               "dead letters",
		"errors.deadletterqueue.topic.replication.factor": "0",
		"errors.deadletterqueue.context.headers.enable":   "1",
		"value.converter.replace.null.with.default":       "maybe",
		"sink.properties.label":                           "mine",
		"sink.properties.timeout":                         "10m",
	}
	_, _, err := FromMap(base(bad))
	if err == nil || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	for k := range bad {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("the error does not name %s:\n%v", k, err)
		}
	}
	if n := errCount(err); n != len(bad) {
		t.Errorf("got %d errors, want %d (one per key):\n%v", n, len(bad), err)
	}
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		if !errors.Is(e, ErrInvalid) {
			t.Errorf("%v does not wrap ErrInvalid", e)
		}
	}
	for _, want := range []string{
		"starrocks.auto.create.tables=\"yes please\": must be true or false",
		"starrocks.decimal256=2: must be true or false",
		"errors.deadletterqueue.context.headers.enable=1: must be true or false",
		"starrocks.load.mode=batch: must be stream_load or transaction",
		"starrocks.connect.timeout.ms=99: must be a whole number of milliseconds between 100 and 600000",
		"starrocks.schema.evolution=drop: must be none, add_columns or add_and_widen",
		"starrocks.table.properties.replication_num: set starrocks.table.replication.num instead",
		"errors.deadletterqueue.topic.replication.factor=0: must be a replication factor between 1 and 32767, or -1",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	// A password in starrocks.mysql.url is never echoed.
	got := mustFail(t, base(map[string]string{"starrocks.mysql.url": "mysql://root:pw@fe:9030"}))
	if strings.Contains(got, "pw") || !strings.Contains(got, "credentials") {
		t.Errorf("credentials in the URL: %v", got)
	}
}

// TestParseBool is Kafka's rule: true or false, case-insensitive,
// trimmed; anything else (empty included) is an error naming key and value.
func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"true": true, " TRUE ": true, "True": true, "false": false, "\tFalse\n": false} {
		if got, err := ParseBool("k", in); err != nil || got != want {
			t.Errorf("ParseBool(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1", "0", "yes", "t", "on", "truee"} {
		_, err := ParseBool("some.key", in)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "some.key=") {
			t.Errorf("ParseBool(%q) = %v, want an ErrInvalid naming the key", in, err)
		}
	}
}

// TestValidTableName is the Java connector's rule
// (Util.isValidStarrocksTableName, docs/connector.md §1).
func TestValidTableName(t *testing.T) {
	for _, ok := range []string{"tb", "_t", "t1", "_t$1", "orders_v2", "db.tbl", "cat.db.tbl", "dbserver1.inventory.customers", strings.Repeat("a", 1024)} {
		if !ValidTableName(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "t", "x", "1abc", "a-b", "aa.bb.cc.dd", "db.t", ".tb", "tb.", "a`b", "x; DROP TABLE y", "t b", strings.Repeat("a", 1025)} {
		if ValidTableName(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestWholeConfigRedacted: a whole parsed configuration, printed with any
// fmt verb, logged with log/slog (text and JSON) or marshalled to JSON,
// shows no secret, including those in the typed starcdc settings.
func TestWholeConfigRedacted(t *testing.T) {
	m := secretConfigMap()
	m["starrocks.table.properties.password"] = "TABLE-PROP-PASSWORD-11"
	m["sink.properties.compression"] = "gzip"
	m["starrocks.mysql.url"] = "fe9:9030"
	m["errors.deadletterqueue.topic.name"] = "dlq"
	cfg, _, err := FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Connectors[0]
	if c.DDL.Properties["password"] != "TABLE-PROP-PASSWORD-11" || c.Load.Headers["password"] != "SINKPROP-PASSWORD-9" {
		t.Fatalf("secrets not loaded: DDL %v, headers %v", c.DDL.Properties, c.Load.Headers)
	}
	secrets := append(append([]string(nil), secretValues...), "TABLE-PROP-PASSWORD-11")
	check := func(what, out string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s leaks %q:\n%s", what, s, out)
			}
		}
		if !strings.Contains(out, "dlq") || !strings.Contains(out, "fe9") {
			t.Errorf("%s lost the typed settings:\n%s", what, out)
		}
	}
	for _, v := range []any{cfg, *cfg} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			check(fmt.Sprintf("%T %s", v, verb), fmt.Sprintf(verb, v))
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("%T json", v), string(b))
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("config", "cfg", v)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("config", "cfg", v)
		check(fmt.Sprintf("%T slog text", v), text.String())
		check(fmt.Sprintf("%T slog json", v), js.String())
	}
	if b, _ := json.Marshal(c.Mapping); !strings.Contains(string(b), `"Timezone":"UTC"`) {
		t.Errorf("Mapping JSON = %s", b)
	}
}

// connect.timeoutms is validated as the Java connector does but only
// accepted: the warning says what it meant there and what starcdc uses.
func TestConnectTimeoutKeys(t *testing.T) {
	c, _, warns := one(t, base(map[string]string{"connect.timeoutms": "3000"}))
	if c.ConnectTimeout != 3*time.Second || c.Load.ConnectTimeout != 10*time.Second {
		t.Errorf("ConnectTimeout %v, Load.ConnectTimeout %v", c.ConnectTimeout, c.Load.ConnectTimeout)
	}
	if _, ok := findWarning(warns, "connect.timeoutms", "reachability probe"); !ok || len(warns) != 1 {
		t.Errorf("warnings %v, want one for connect.timeoutms naming the probe", warns)
	} else if !strings.Contains(warns[0].Message, "starrocks.connect.timeout.ms (default 10000 ms)") {
		t.Errorf("the warning does not say what starcdc uses: %v", warns[0])
	}
	for v, want := range map[string]time.Duration{"100": 100 * time.Millisecond, "600000": 10 * time.Minute} {
		c, _, _ := one(t, base(map[string]string{"starrocks.connect.timeout.ms": v}))
		if c.Load.ConnectTimeout != want {
			t.Errorf("starrocks.connect.timeout.ms=%s: %v", v, c.Load.ConnectTimeout)
		}
	}
	if got := mustFail(t, base(map[string]string{"starrocks.connect.timeout.ms": "600001"})); !strings.Contains(got, "between 100 and 600000") {
		t.Errorf("error %q", got)
	}
}
