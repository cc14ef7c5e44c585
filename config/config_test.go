package config

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// base returns a minimal valid single-file configuration with overrides
// applied; an override with value "\x00" deletes the key.
func base(overrides map[string]string) map[string]string {
	m := map[string]string{
		"name":                    "sr-sink",
		"connector.class":         "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics":                  "orders",
		"starrocks.http.url":      "fe1:8030",
		"starrocks.username":      "root",
		"starrocks.password":      "",
		"starrocks.database.name": "shop",
	}
	for k, v := range overrides {
		if v == "\x00" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// one validates m and returns its only connector, failing on error.
func one(t *testing.T, m map[string]string) (Connector, *Config, []Warning) {
	t.Helper()
	cfg, warns, err := FromMap(m)
	if err != nil {
		t.Fatalf("FromMap: unexpected error:\n%v", err)
	}
	if len(cfg.Connectors) != 1 {
		t.Fatalf("got %d connectors, want 1", len(cfg.Connectors))
	}
	return cfg.Connectors[0], cfg, warns
}

// mustFail validates m and returns the error text, checking ErrInvalid.
func mustFail(t *testing.T, m map[string]string) string {
	t.Helper()
	cfg, _, err := FromMap(m)
	if err == nil {
		t.Fatalf("FromMap succeeded, want an error; config: %+v", cfg)
	}
	if cfg != nil {
		t.Errorf("config must be nil on error")
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("error %v does not match ErrInvalid", err)
	}
	return err.Error()
}

// errCount is the number of joined errors.
func errCount(err error) int {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return len(j.Unwrap())
	}
	return 1
}

func findWarning(warns []Warning, key, substr string) (Warning, bool) {
	for _, w := range warns {
		if w.Key == key && strings.Contains(w.Message, substr) {
			return w, true
		}
	}
	return Warning{}, false
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, cfg, warns := one(t, base(nil))
	if len(warns) != 0 {
		t.Errorf("unexpected warnings: %v", warns)
	}
	w := cfg.Worker
	if !slices.Equal(w.BootstrapServers, []string{"localhost:9092"}) {
		t.Errorf("BootstrapServers = %v", w.BootstrapServers)
	}
	for _, conv := range []Converter{w.KeyConverter, w.ValueConverter, c.KeyConverter, c.ValueConverter} {
		if conv.Class != "org.apache.kafka.connect.json.JsonConverter" {
			t.Errorf("converter class = %q", conv.Class)
		}
		if b, err := conv.Bool("schemas.enable", false); err != nil || !b {
			t.Errorf("schemas.enable = %v, %v; want true (JsonConverter default)", b, err)
		}
	}
	if w.Security == nil || len(w.Security) != 0 {
		t.Errorf("Security = %v, want empty non-nil", w.Security)
	}
	want := Connector{
		Name: "sr-sink", Class: "com.starrocks.connector.kafka.StarRocksSinkConnector", TasksMax: 1,
		Topics: []string{"orders"}, HTTPURLs: []string{"http://fe1:8030"}, Username: "root", Password: "",
		Database: "shop", BufferFlushMaxBytes: 67108864, BufferFlushInterval: time.Second,
		ConnectTimeout: 100 * time.Millisecond, MaxRetries: 3, Format: "json", ErrorsTolerance: "none",
	}
	if c.Name != want.Name || c.Class != want.Class || c.TasksMax != want.TasksMax || !slices.Equal(c.Topics, want.Topics) ||
		c.TopicsRegex != "" || !slices.Equal(c.HTTPURLs, want.HTTPURLs) || c.Username != want.Username ||
		c.Password.Reveal() != "" || c.Database != want.Database || c.BufferFlushMaxBytes != want.BufferFlushMaxBytes ||
		c.BufferFlushInterval != want.BufferFlushInterval || c.ConnectTimeout != want.ConnectTimeout ||
		c.MaxRetries != want.MaxRetries || c.Format != want.Format || c.ErrorsTolerance != want.ErrorsTolerance {
		t.Errorf("connector = %+v\nwant        %+v", c, want)
	}
	if !maps.Equal(c.SinkProperties, map[string]string{"format": "json"}) {
		t.Errorf("SinkProperties = %v, want format=json", c.SinkProperties)
	}
	if c.Topic2Table == nil || len(c.Topic2Table) != 0 || c.Extra == nil || len(c.Extra) != 0 || c.Transforms != nil {
		t.Errorf("Topic2Table=%v Extra=%v Transforms=%v, want empty", c.Topic2Table, c.Extra, c.Transforms)
	}
}

func TestRangeBoundaries(t *testing.T) {
	type check func(Connector) any
	maxBytes := func(c Connector) any { return c.BufferFlushMaxBytes }
	interval := func(c Connector) any { return c.BufferFlushInterval }
	timeout := func(c Connector) any { return c.ConnectTimeout }
	retries := func(c Connector) any { return c.MaxRetries }
	tasks := func(c Connector) any { return c.TasksMax }
	tests := []struct {
		key, value string
		get        check
		want       any    // when valid
		wantErr    string // exact message when invalid
	}{
		{"bufferflush.maxbytes", "67108863", maxBytes, nil, "bufferflush.maxbytes=67108863: must be between 67108864 (64 MiB) and 10737418240 (10 GiB)"},
		{"bufferflush.maxbytes", "67108864", maxBytes, int64(67108864), ""},
		{"bufferflush.maxbytes", "67108865", maxBytes, int64(67108865), ""},
		{"bufferflush.maxbytes", "10737418239", maxBytes, int64(10737418239), ""},
		{"bufferflush.maxbytes", "10737418240", maxBytes, int64(10737418240), ""},
		{"bufferflush.maxbytes", "10737418241", maxBytes, nil, "bufferflush.maxbytes=10737418241: must be between 67108864 (64 MiB) and 10737418240 (10 GiB)"},
		{"bufferflush.maxbytes", "1000", maxBytes, nil, "bufferflush.maxbytes=1000: must be between 67108864 (64 MiB) and 10737418240 (10 GiB)"},
		{"bufferflush.maxbytes", "94371840", maxBytes, int64(94371840), ""},
		{"bufferflush.maxbytes", " 134217728 ", maxBytes, int64(134217728), ""},
		{"bufferflush.maxbytes", "64MB", maxBytes, nil, "bufferflush.maxbytes=64MB: must be an integer between 67108864 (64 MiB) and 10737418240 (10 GiB)"},
		{"bufferflush.maxbytes", "", maxBytes, nil, `bufferflush.maxbytes="": must be an integer between 67108864 (64 MiB) and 10737418240 (10 GiB)`},
		{"bufferflush.intervalms", "999", interval, nil, "bufferflush.intervalms=999: must be between 1000 (1s) and 3600000 (1h)"},
		{"bufferflush.intervalms", "1000", interval, time.Second, ""},
		{"bufferflush.intervalms", "1001", interval, 1001 * time.Millisecond, ""},
		{"bufferflush.intervalms", "300000", interval, 5 * time.Minute, ""},
		{"bufferflush.intervalms", "3599999", interval, 3599999 * time.Millisecond, ""},
		{"bufferflush.intervalms", "3600000", interval, time.Hour, ""},
		{"bufferflush.intervalms", "3600001", interval, nil, "bufferflush.intervalms=3600001: must be between 1000 (1s) and 3600000 (1h)"},
		{"bufferflush.intervalms", "1s", interval, nil, "bufferflush.intervalms=1s: must be an integer between 1000 (1s) and 3600000 (1h)"},
		{"connect.timeoutms", "99", timeout, nil, "connect.timeoutms=99: must be between 100 (100ms) and 60000 (1m)"},
		{"connect.timeoutms", "100", timeout, 100 * time.Millisecond, ""},
		{"connect.timeoutms", "101", timeout, 101 * time.Millisecond, ""},
		{"connect.timeoutms", "1000", timeout, time.Second, ""},
		{"connect.timeoutms", "59999", timeout, 59999 * time.Millisecond, ""},
		{"connect.timeoutms", "60000", timeout, time.Minute, ""},
		{"connect.timeoutms", "60001", timeout, nil, "connect.timeoutms=60001: must be between 100 (100ms) and 60000 (1m)"},
		{"sink.maxretries", "-2", retries, nil, "sink.maxretries=-2: must be between -1 (retry forever) and 9223372036854775807"},
		{"sink.maxretries", "-1", retries, int64(-1), ""},
		{"sink.maxretries", "0", retries, int64(0), ""},
		{"sink.maxretries", "9223372036854775807", retries, int64(9223372036854775807), ""},
		{"sink.maxretries", "9223372036854775808", retries, nil, "sink.maxretries=9223372036854775808: must be an integer between -1 (retry forever) and 9223372036854775807"},
		{"sink.maxretries", "three", retries, nil, "sink.maxretries=three: must be an integer between -1 (retry forever) and 9223372036854775807"},
		{"tasks.max", "0", tasks, nil, "tasks.max=0: must be between 1 and 2147483647"},
		{"tasks.max", "1", tasks, 1, ""},
		{"tasks.max", "2", tasks, 2, ""},
		{"tasks.max", "2147483647", tasks, 2147483647, ""},
		{"tasks.max", "2147483648", tasks, nil, "tasks.max=2147483648: must be between 1 and 2147483647"},
		{"tasks.max", "-1", tasks, nil, "tasks.max=-1: must be between 1 and 2147483647"},
		{"tasks.max", "1.5", tasks, nil, "tasks.max=1.5: must be an integer between 1 and 2147483647"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			m := base(map[string]string{tt.key: tt.value})
			if tt.wantErr != "" {
				if got := mustFail(t, m); got != tt.wantErr {
					t.Errorf("error = %q\nwant    %q", got, tt.wantErr)
				}
				return
			}
			c, _, _ := one(t, m)
			if got := tt.get(c); got != tt.want {
				t.Errorf("%s=%q gives %v, want %v", tt.key, tt.value, got, tt.want)
			}
		})
	}
}

func TestErrorsAreCollected(t *testing.T) {
	_, _, err := FromMap(base(map[string]string{
		"bufferflush.maxbytes":   "1",
		"bufferflush.intervalms": "1",
		"connect.timeoutms":      "1",
		"sink.maxretries":        "-5",
		"tasks.max":              "0",
		"errors.tolerance":       "some",
		"sink.properties.format": "xml",
	}))
	if err == nil {
		t.Fatal("want errors")
	}
	if n := errCount(err); n != 7 {
		t.Errorf("got %d errors, want 7:\n%v", n, err)
	}
	for _, key := range []string{"bufferflush.maxbytes=1:", "bufferflush.intervalms=1:", "connect.timeoutms=1:",
		"sink.maxretries=-5:", "tasks.max=0:", "errors.tolerance=some: must be none or all", "sink.properties.format=xml: must be json or csv"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not mention %q:\n%v", key, err)
		}
	}
}

func TestRequiredKeys(t *testing.T) {
	_, _, err := FromMap(map[string]string{})
	if err == nil || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	for _, want := range []string{"name: required", "connector.class: required", "topics: required: set topics or topics.regex",
		"starrocks.http.url: required", "starrocks.username: required", "starrocks.password: required (the value may be empty)",
		"starrocks.database.name: required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
	if n := errCount(err); n != 7 {
		t.Errorf("got %d errors, want 7:\n%v", n, err)
	}
	// Present but empty.
	for _, tt := range []struct{ key, want string }{
		{"name", "name: required"},
		{"connector.class", "connector.class: required"},
		{"starrocks.username", `starrocks.username="": must not be empty`},
		{"starrocks.database.name", `starrocks.database.name=" ": must not be empty`},
		{"starrocks.http.url", `starrocks.http.url="": must list at least one FE HTTP address`},
	} {
		v := ""
		if tt.key == "starrocks.database.name" {
			v = " "
		}
		if got := mustFail(t, base(map[string]string{tt.key: v})); !strings.Contains(got, tt.want) {
			t.Errorf("%s empty: error %q does not contain %q", tt.key, got, tt.want)
		}
	}
}

func TestPassword(t *testing.T) {
	c, _, warns := one(t, base(map[string]string{"starrocks.password": ""}))
	if c.Password.Reveal() != "" || len(warns) != 0 {
		t.Errorf("empty password: %q %v", c.Password.Reveal(), warns)
	}
	c, _, warns = one(t, base(map[string]string{"starrocks.password": "p@ss word "}))
	if c.Password.Reveal() != "p@ss word " {
		t.Errorf("password = %q, want it untrimmed", c.Password.Reveal())
	}
	w, ok := findWarning(warns, "starrocks.password", "whitespace")
	if !ok || strings.Contains(w.Message, "p@ss") {
		t.Errorf("want a whitespace warning without the value, got %v", warns)
	}
}

func TestStarRocksUserHint(t *testing.T) {
	got := mustFail(t, base(map[string]string{"starrocks.username": "\x00", "starrocks.user": "root"}))
	if !strings.Contains(got, "starrocks.username: required; found starrocks.user") {
		t.Errorf("error = %q", got)
	}
}

func TestConnectorClass(t *testing.T) {
	for _, class := range []string{
		"com.starrocks.connector.kafka.StarRocksSinkConnector",
		"com.starrocks.connector.kafka.SinkConnector",
		"StarRocksSinkConnector",
		"StarRocksSink",
		" com.starrocks.connector.kafka.StarRocksSinkConnector ",
	} {
		c, _, _ := one(t, base(map[string]string{"connector.class": class}))
		if c.Class != strings.TrimSpace(class) {
			t.Errorf("Class = %q", c.Class)
		}
	}
	got := mustFail(t, base(map[string]string{"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector"}))
	want := "connector.class=io.confluent.connect.jdbc.JdbcSinkConnector: must be com.starrocks.connector.kafka.StarRocksSinkConnector"
	if !strings.HasPrefix(got, want) {
		t.Errorf("error = %q, want prefix %q", got, want)
	}
}

func TestName(t *testing.T) {
	c, _, _ := one(t, base(map[string]string{"name": "  my sink "}))
	if c.Name != "my sink" {
		t.Errorf("Name = %q", c.Name)
	}
	if got := mustFail(t, base(map[string]string{"name": "a\tb"})); !strings.Contains(got, "control characters") {
		t.Errorf("error = %q", got)
	}
}

func TestTopics(t *testing.T) {
	tests := []struct {
		name      string
		topics    string // "\x00" = unset
		regex     string // "\x00" = unset
		want      []string
		wantRegex string
		wantErr   string
	}{
		{"single", "orders", "\x00", []string{"orders"}, "", ""},
		{"list trimmed", " a , b.c ,d-e_f ", "\x00", []string{"a", "b.c", "d-e_f"}, "", ""},
		{"regex", "\x00", `dbserver1\.inventory\..*`, nil, `dbserver1\.inventory\..*`, ""},
		{"regex with empty topics", "", "db.*", nil, "db.*", ""},
		{"both", "a", "b.*", nil, "", "topics=a: topics and topics.regex are both set; set exactly one"},
		{"neither", "\x00", "\x00", nil, "", "topics: required: set topics or topics.regex"},
		{"both empty", " ", "", nil, "", "topics: required: set topics or topics.regex"},
		{"bad regex", "\x00", "a(b", nil, "", "topics.regex=a(b: must be a valid Go (RE2) regular expression"},
		{"java-only regex", "\x00", "(?!internal).*", nil, "", "topics.regex=(?!internal).*: must be a valid Go (RE2)"},
		{"empty entry", "a,,b", "\x00", nil, "", "topics=a,,b: entry 2 is empty"},
		{"trailing comma", "a,", "\x00", nil, "", "topics=a,: entry 2 is empty"},
		{"duplicate", "a,b,a", "\x00", nil, "", `topics=a,b,a: topic "a" is listed twice`},
		{"invalid characters", "a,b c", "\x00", nil, "", `topics="a,b c": "b c" is not a valid Kafka topic name`},
		{"dot topic", ".", "\x00", nil, "", `topics=.: "." is not a valid Kafka topic name`},
		{"too long", strings.Repeat("x", 250), "\x00", nil, "", "is not a valid Kafka topic name"},
		{"max length", strings.Repeat("x", 249), "\x00", []string{strings.Repeat("x", 249)}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base(map[string]string{"topics": tt.topics, "topics.regex": tt.regex})
			if tt.wantErr != "" {
				if got := mustFail(t, m); !strings.Contains(got, tt.wantErr) {
					t.Errorf("error = %q, want it to contain %q", got, tt.wantErr)
				}
				return
			}
			c, _, _ := one(t, m)
			if !slices.Equal(c.Topics, tt.want) || c.TopicsRegex != tt.wantRegex {
				t.Errorf("Topics=%q TopicsRegex=%q, want %q %q", c.Topics, c.TopicsRegex, tt.want, tt.wantRegex)
			}
		})
	}
}

func TestHTTPURLs(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"fe1:8030", []string{"http://fe1:8030"}, ""},
		{"fe1:8030,fe2:8030", []string{"http://fe1:8030", "http://fe2:8030"}, ""},
		{" fe1:8030 , fe2:8030 ", []string{"http://fe1:8030", "http://fe2:8030"}, ""},
		{"192.168.0.1:8030", []string{"http://192.168.0.1:8030"}, ""},
		{"[::1]:8030", []string{"http://[::1]:8030"}, ""},
		{"fe1", []string{"http://fe1"}, ""},
		{"http://fe1:8030", []string{"http://fe1:8030"}, ""},
		{"https://fe1:8443/", []string{"https://fe1:8443"}, ""},
		{"HTTP://fe1:8030", []string{"http://fe1:8030"}, ""},
		{"http://proxy/starrocks/", []string{"http://proxy/starrocks"}, ""},
		{"ftp://fe1:21", nil, `entry 1 "ftp://fe1:21": the scheme must be http or https`},
		{"fe1:99999", nil, `entry 1 "fe1:99999": the port must be between 1 and 65535`},
		{"fe1:0", nil, `entry 1 "fe1:0": the port must be between 1 and 65535`},
		{"fe1:80x", nil, `entry 1 "fe1:80x": not a valid host:port or URL`},
		{"fe1:8030,,fe2:8030", nil, `entry 2 "": empty; expected host:port`},
		{"http://:8030", nil, `entry 1 "http://:8030": missing host`},
		{"fe1:8030?x=1", nil, `entry 1 "fe1:8030?x=1": must not have a query or fragment`},
		{"http://root:pw@fe1:8030", nil, `entry 1 "http://[redacted]@fe1:8030": must not contain credentials`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m := base(map[string]string{"starrocks.http.url": tt.in})
			if tt.wantErr != "" {
				got := mustFail(t, m)
				if !strings.Contains(got, "starrocks.http.url: "+tt.wantErr) {
					t.Errorf("error = %q, want it to contain %q", got, tt.wantErr)
				}
				return
			}
			c, _, _ := one(t, m)
			if !slices.Equal(c.HTTPURLs, tt.want) {
				t.Errorf("HTTPURLs = %q, want %q", c.HTTPURLs, tt.want)
			}
		})
	}
}

func TestDatabase(t *testing.T) {
	c, _, _ := one(t, base(map[string]string{"starrocks.database.name": " shop_db "}))
	if c.Database != "shop_db" {
		t.Errorf("Database = %q", c.Database)
	}
	for _, bad := range []string{"a/b", "a b", "a?b", "a#b", "a%b"} {
		if got := mustFail(t, base(map[string]string{"starrocks.database.name": bad})); !strings.Contains(got, "must not contain") {
			t.Errorf("%q: error = %q", bad, got)
		}
	}
}

func TestTopic2Table(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		topics  string
		want    map[string]string
		wantErr []string
	}{
		{"empty", "", "a", map[string]string{}, nil},
		{"one", "a:tbl_a", "a", map[string]string{"a": "tbl_a"}, nil},
		{"two trimmed", " a : tbl_a , b:tbl_b ", "a,b", map[string]string{"a": "tbl_a", "b": "tbl_b"}, nil},
		{"qualified tables", "a:db.tbl,b:cat.db.tbl", "a,b", map[string]string{"a": "db.tbl", "b": "cat.db.tbl"}, nil},
		{"dollar and underscore", "a:_t$1", "a", map[string]string{"a": "_t$1"}, nil},
		{"topic with dots", "db.public.t:t_public", "db.public.t", map[string]string{"db.public.t": "t_public"}, nil},
		{"trailing comma like Java", "a:tbl_a,", "a", map[string]string{"a": "tbl_a"}, nil},
		{"many topics one table", "a:tbl,b:tbl", "a,b", map[string]string{"a": "tbl", "b": "tbl"}, nil},
		{"no colon", "a:tbl,bad", "a", nil, []string{`starrocks.topic2table.map: entry 2 "bad" must be topic:table`}},
		{"two colons", "a:b:c", "a", nil, []string{`entry 1 "a:b:c" must be topic:table`}},
		{"empty topic", ":tbl", "a", nil, []string{`entry 1 ":tbl" must be topic:table`}},
		{"empty table", "a: ", "a", nil, []string{`entry 1 "a:" must be topic:table`}},
		{"empty middle entry", "a:tbl,,b:tbl2", "a,b", nil, []string{`entry 2 "" must be topic:table`}},
		{"one-character table", "a:x", "a", nil, []string{`entry 1 "a:x": table name "x" must match`}},
		{"table starting with a digit", "a:1abc", "a", nil, []string{`table name "1abc" must match`}},
		{"table with a hyphen", "a:a-b", "a", nil, []string{`table name "a-b" must match`}},
		{"too many qualifiers", "a:aa.bb.cc.dd", "a", nil, []string{`table name "aa.bb.cc.dd" must match`}},
		{"duplicate topic", "a:t1,a:t2", "a", nil, []string{`entry 2 "a:t2": topic "a" is mapped twice`}},
		{"several errors", "a:x,b:t2,b:t3,c", "a,b,c", nil, []string{`table name "x"`, `topic "b" is mapped twice`, `entry 4 "c" must be topic:table`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base(map[string]string{"starrocks.topic2table.map": tt.in, "topics": tt.topics})
			if tt.wantErr != nil {
				cfg, _, err := FromMap(m)
				if err == nil || cfg != nil || !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				if n := errCount(err); n != len(tt.wantErr) {
					t.Errorf("got %d errors, want %d: %v", n, len(tt.wantErr), err)
				}
				return
			}
			c, _, _ := one(t, m)
			if !maps.Equal(c.Topic2Table, tt.want) {
				t.Errorf("Topic2Table = %v, want %v", c.Topic2Table, tt.want)
			}
		})
	}
}

func TestTopicWarnings(t *testing.T) {
	_, _, warns := one(t, base(map[string]string{"topics": "a,db.public.t,my-topic,ok_topic", "starrocks.topic2table.map": "a:ta,zz:tz"}))
	for _, tt := range []struct{ key, substr string }{
		{"starrocks.topic2table.map", `maps topic "zz", which is not in topics`},
		{"topics", `topic "db.public.t" has no starrocks.topic2table.map entry`},
		{"topics", `topic "my-topic" has no starrocks.topic2table.map entry`},
	} {
		if _, ok := findWarning(warns, tt.key, tt.substr); !ok {
			t.Errorf("missing warning %s: %s in %v", tt.key, tt.substr, warns)
		}
	}
	if len(warns) != 3 {
		t.Errorf("got %d warnings, want 3: %v", len(warns), warns)
	}
	// With topics.regex.
	_, _, warns = one(t, base(map[string]string{"topics": "\x00", "topics.regex": "db1\\..*", "starrocks.topic2table.map": "db1.a:ta,db2.b:tb"}))
	if _, ok := findWarning(warns, "starrocks.topic2table.map", `"db2.b", which does not match topics.regex`); !ok || len(warns) != 1 {
		t.Errorf("warnings = %v", warns)
	}
	// A router transform renames topics: no warnings.
	_, _, warns = one(t, base(map[string]string{"topics": "db.public.t", "starrocks.topic2table.map": "t:tbl",
		"transforms": "route", "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex": `.*\.(.*)`, "transforms.route.replacement": "$1"}))
	if len(warns) != 0 {
		t.Errorf("warnings = %v, want none with RegexRouter", warns)
	}
}

func TestSinkProperties(t *testing.T) {
	c, _, _ := one(t, base(map[string]string{
		"sink.properties.Strip_Outer_Array": "true",
		"sink.properties.FORMAT":            "JSON",
		"sink.properties.timeout":           " 600 ",
		"sink.properties.row_delimiter":     `\x02`,
		"sink.properties.column_separator":  `\X0A0b`,
	}))
	want := map[string]string{"strip_outer_array": "true", "format": "JSON", "timeout": "600", "row_delimiter": `\x02`, "column_separator": `\X0A0b`}
	if !maps.Equal(c.SinkProperties, want) || c.Format != "json" {
		t.Errorf("SinkProperties = %v Format = %q, want %v json", c.SinkProperties, c.Format, want)
	}
	c, _, warns := one(t, base(map[string]string{"sink.properties.format": "Csv"}))
	if c.Format != "csv" || c.SinkProperties["format"] != "Csv" {
		t.Errorf("Format = %q, props %v", c.Format, c.SinkProperties)
	}
	if _, ok := findWarning(warns, "sink.properties.format", "needs string values"); !ok || len(warns) != 1 {
		t.Errorf("csv with JsonConverter: warnings = %v", warns)
	}
	_, _, warns = one(t, base(map[string]string{"sink.properties.format": "csv", "value.converter": "StringConverter"}))
	if len(warns) != 0 {
		t.Errorf("csv with StringConverter: warnings = %v", warns)
	}
	// Same key in two cases with the same value is fine.
	one(t, base(map[string]string{"sink.properties.format": "csv", "sink.properties.FORMAT": "csv"}))

	for _, tt := range []struct {
		m    map[string]string
		want string
	}{
		{map[string]string{"sink.properties.format": "xml"}, "sink.properties.format=xml: must be json or csv (case-insensitive)"},
		{map[string]string{"sink.properties.format": ""}, `sink.properties.format="": must be json or csv`},
		{map[string]string{"sink.properties.FORMAT": "csv", "sink.properties.format": "json"}, "sink.properties.format=json: conflicts with sink.properties.FORMAT=csv"},
		{map[string]string{"sink.properties.": "x"}, "sink.properties.: empty Stream Load property name"},
		{map[string]string{"sink.properties.row_delimiter": `\x`}, `sink.properties.row_delimiter=\x: a hex delimiter must be \x followed by an even, non-zero number of hex digits`},
		{map[string]string{"sink.properties.row_delimiter": `\x0`}, `a hex delimiter must be`},
		{map[string]string{"sink.properties.column_separator": `\xZZ`}, `sink.properties.column_separator=\xZZ: a hex delimiter`},
	} {
		if got := mustFail(t, base(tt.m)); !strings.Contains(got, tt.want) {
			t.Errorf("%v: error %q, want it to contain %q", tt.m, got, tt.want)
		}
	}
}

// tasks.max above 1 is accepted with a warning that says how starcdc
// scales instead.
func TestTasksMaxWarning(t *testing.T) {
	c, _, warns := one(t, base(map[string]string{"tasks.max": "4"}))
	if c.TasksMax != 4 {
		t.Errorf("TasksMax %d", c.TasksMax)
	}
	if w, ok := findWarning(warns, "tasks.max", "run several starcdc processes"); !ok || !strings.Contains(w.Message, "consumer group connect-sr-sink") || len(warns) != 1 {
		t.Errorf("warnings %v, want one for tasks.max naming the consumer group", warns)
	}
	if _, _, warns := one(t, base(map[string]string{"tasks.max": "1"})); len(warns) != 0 {
		t.Errorf("tasks.max=1: warnings %v", warns)
	}
}

func TestErrorsTolerance(t *testing.T) {
	for in, want := range map[string]string{"none": "none", "all": "all", " ALL ": "all", "None": "none"} {
		c, _, _ := one(t, base(map[string]string{"errors.tolerance": in}))
		if c.ErrorsTolerance != want {
			t.Errorf("errors.tolerance=%q gives %q, want %q", in, c.ErrorsTolerance, want)
		}
	}
	if got := mustFail(t, base(map[string]string{"errors.tolerance": "skip"})); got != "errors.tolerance=skip: must be none or all" {
		t.Errorf("error = %q", got)
	}
}

func TestTransforms(t *testing.T) {
	c, _, warns := one(t, base(map[string]string{
		"transforms":                             "unwrap, addfield ,route.v2",
		"transforms.addfield.type":               "com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord",
		"transforms.unwrap.type":                 " io.debezium.transforms.ExtractNewRecordState ",
		"transforms.unwrap.drop.tombstones":      "true",
		"transforms.unwrap.delete.handling.mode": "rewrite",
		"transforms.unwrap.predicate":            "notTombstone",
		"transforms.route.v2.type":               "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.v2.regex":              "(.*)",
		"transforms.other.type":                  "x.Y",
		"predicates":                             "notTombstone",
		"predicates.notTombstone.type":           "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
	}))
	want := []Transform{
		{Name: "unwrap", Type: "io.debezium.transforms.ExtractNewRecordState", Props: map[string]string{"drop.tombstones": "true", "delete.handling.mode": "rewrite"}, Predicate: "notTombstone"},
		{Name: "addfield", Type: "com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord", Props: map[string]string{}},
		{Name: "route.v2", Type: "org.apache.kafka.connect.transforms.RegexRouter", Props: map[string]string{"regex": "(.*)"}},
	}
	if len(c.Transforms) != len(want) {
		t.Fatalf("Transforms = %+v", c.Transforms)
	}
	for i := range want {
		g := c.Transforms[i]
		if g.Name != want[i].Name || g.Type != want[i].Type || !maps.Equal(g.Props, want[i].Props) || g.Predicate != want[i].Predicate {
			t.Errorf("transform %d = %+v, want %+v", i, g, want[i])
		}
	}
	if _, ok := findWarning(warns, "transforms.other.type", "not a setting of a transform listed in transforms"); !ok {
		t.Errorf("missing warning for an unlisted transform: %v", warns)
	}
	if c.Extra["transforms.other.type"] != "x.Y" || c.Predicates["notTombstone"].Type != "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone" {
		t.Errorf("Extra = %v, Predicates = %v", c.Extra, c.Predicates)
	}
	if len(warns) != 1 {
		t.Errorf("warnings = %v, want 1", warns)
	}

	for _, tt := range []struct {
		m    map[string]string
		want string
	}{
		{map[string]string{"transforms": "a"}, `transforms.a.type: required: the class of transform "a"`},
		{map[string]string{"transforms": "a", "transforms.a.type": " "}, `transforms.a.type: required`},
		{map[string]string{"transforms": "a,a", "transforms.a.type": "X"}, `transforms=a,a: transform "a" is listed twice`},
		{map[string]string{"transforms": "a,,b", "transforms.a.type": "X", "transforms.b.type": "X"}, `transforms=a,,b: entry 2 is empty`},
	} {
		if got := mustFail(t, base(tt.m)); !strings.Contains(got, tt.want) {
			t.Errorf("%v: error %q, want %q", tt.m, got, tt.want)
		}
	}
	c, _, _ = one(t, base(map[string]string{"transforms": ""}))
	if len(c.Transforms) != 0 {
		t.Errorf("empty transforms = %v", c.Transforms)
	}
}

func TestConverters(t *testing.T) {
	c, cfg, _ := one(t, base(map[string]string{
		"key.converter":                                "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                              "io.confluent.connect.avro.AvroConverter",
		"value.converter.schema.registry.url":          "http://sr:8081",
		"value.converter.basic.auth.user.info":         "u:p",
		"value.converter.enhanced.avro.schema.support": " true ",
	}))
	if c.KeyConverter.Class != "org.apache.kafka.connect.storage.StringConverter" || len(c.KeyConverter.Props) != 0 {
		t.Errorf("KeyConverter = %+v (no schemas.enable default for non-JSON converters)", c.KeyConverter)
	}
	wantProps := map[string]string{"schema.registry.url": "http://sr:8081", "basic.auth.user.info": "u:p", "enhanced.avro.schema.support": "true"}
	if c.ValueConverter.Class != "io.confluent.connect.avro.AvroConverter" || !maps.Equal(c.ValueConverter.Props, wantProps) {
		t.Errorf("ValueConverter = %v %v", c.ValueConverter.Class, c.ValueConverter.Props)
	}
	if cfg.Worker.ValueConverter.Class != c.ValueConverter.Class {
		t.Errorf("single file: worker converter %q differs", cfg.Worker.ValueConverter.Class)
	}
	if b, err := c.ValueConverter.Bool("enhanced.avro.schema.support", false); !b || err != nil {
		t.Errorf("Bool = %v %v", b, err)
	}
	if b, err := c.ValueConverter.Bool("missing", true); !b || err != nil {
		t.Errorf("Bool default = %v %v", b, err)
	}

	for alias, full := range map[string]string{
		"JsonConverter": jsonConverterClass, "Json": jsonConverterClass,
		"StringConverter": "org.apache.kafka.connect.storage.StringConverter", "String": "org.apache.kafka.connect.storage.StringConverter",
		"AvroConverter": "io.confluent.connect.avro.AvroConverter", "JsonSchema": "io.confluent.connect.json.JsonSchemaConverter",
		"com.example.MyConverter": "com.example.MyConverter", "Mystery": "Mystery",
		"ByteArrayConverter": "org.apache.kafka.connect.converters.ByteArrayConverter", "ByteArray": "org.apache.kafka.connect.converters.ByteArrayConverter",
		"LongConverter": "org.apache.kafka.connect.converters.LongConverter", "Integer": "org.apache.kafka.connect.converters.IntegerConverter",
		"Short": "org.apache.kafka.connect.converters.ShortConverter", "Float": "org.apache.kafka.connect.converters.FloatConverter",
		"DoubleConverter": "org.apache.kafka.connect.converters.DoubleConverter", "Boolean": "org.apache.kafka.connect.converters.BooleanConverter",
	} {
		c, _, _ := one(t, base(map[string]string{"value.converter": alias}))
		if c.ValueConverter.Class != full {
			t.Errorf("value.converter=%s gives %q, want %q", alias, c.ValueConverter.Class, full)
		}
		if full == jsonConverterClass && c.ValueConverter.Props["schemas.enable"] != "true" {
			t.Errorf("value.converter=%s: schemas.enable default missing", alias)
		}
	}

	c, _, _ = one(t, base(map[string]string{"value.converter.schemas.enable": "FALSE"}))
	if b, err := c.ValueConverter.Bool("schemas.enable", true); b || err != nil {
		t.Errorf("schemas.enable=FALSE gives %v %v", b, err)
	}
	conv := Converter{Props: map[string]string{"schemas.enable": "yes", "basic.auth.user.info": "u:secret"}}
	if _, err := conv.Bool("schemas.enable", true); err == nil || !errors.Is(err, ErrInvalid) || err.Error() != "schemas.enable=yes: must be true or false" {
		t.Errorf("Bool(yes) error = %v", err)
	}
	if _, err := conv.Bool("basic.auth.user.info", true); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("Bool on a secret key: error = %v", err)
	}

	for _, tt := range []struct {
		m    map[string]string
		want string
	}{
		{map[string]string{"value.converter.schemas.enable": "yes"}, "value.converter.schemas.enable=yes: must be true or false"},
		{map[string]string{"key.converter": ""}, `key.converter="": must name a converter class`},
	} {
		if got := mustFail(t, base(tt.m)); got != tt.want && !strings.HasPrefix(got, tt.want) {
			t.Errorf("%v: error %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestWorkerSettings(t *testing.T) {
	_, cfg, warns := one(t, base(map[string]string{
		"bootstrap.servers":                              " b1:9092, SASL_SSL://b2:9093 ,[::1]:9094",
		"security.protocol":                              "sasl_ssl",
		"sasl.mechanism":                                 "PLAIN",
		"sasl.jaas.config":                               "top-level",
		"consumer.sasl.jaas.config":                      "consumer-level",
		"consumer.ssl.endpoint.identification.algorithm": "https",
		"ssl.truststore.location":                        "/etc/ts.jks",
	}))
	w := cfg.Worker
	if !slices.Equal(w.BootstrapServers, []string{"b1:9092", "b2:9093", "[::1]:9094"}) {
		t.Errorf("BootstrapServers = %q", w.BootstrapServers)
	}
	want := map[string]string{
		"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN", "sasl.jaas.config": "consumer-level",
		"ssl.endpoint.identification.algorithm": "https", "ssl.truststore.location": "/etc/ts.jks",
	}
	if !maps.Equal(w.Security, want) {
		t.Errorf("Security = %q, want %q", w.Security, want)
	}
	if len(warns) != 0 {
		t.Errorf("warnings = %v", warns)
	}
	for _, tt := range []struct {
		m    map[string]string
		want string
	}{
		{map[string]string{"bootstrap.servers": ""}, `bootstrap.servers="": must list at least one host:port`},
		{map[string]string{"bootstrap.servers": "b1"}, `bootstrap.servers=b1: entry 1 "b1" must be host:port`},
		{map[string]string{"bootstrap.servers": "b1:9092,,b2:9092"}, `entry 2 "" must be host:port`},
		{map[string]string{"bootstrap.servers": "b1:0"}, `entry 1 "b1:0" must be host:port with a port between 1 and 65535`},
		{map[string]string{"security.protocol": "TLS"}, "security.protocol=TLS: must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"},
		{map[string]string{"consumer.security.protocol": "x"}, "consumer.security.protocol=x: must be one of"},
	} {
		if got := mustFail(t, base(tt.m)); !strings.Contains(got, tt.want) {
			t.Errorf("%v: error %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestUnknownAndUnusedKeyWarnings(t *testing.T) {
	c, _, warns := one(t, base(map[string]string{
		"offset.flush.interval.ms":                      "10000",
		"offset.storage.file.filename":                  "/tmp/connect.offsets",
		"plugin.path":                                   "/opt/plugins",
		"rest.port":                                     "8083",
		"listeners":                                     "http://:8083",
		"group.id":                                      "connect-cluster",
		"consumer.max.poll.records":                     "500",
		"producer.acks":                                 "all",
		"internal.key.converter":                        "x",
		"config.storage.topic":                          "connect-configs",
		"status.storage.topic":                          "connect-status",
		"errors.log.enable":                             "true",
		"errors.retry.timeout":                          "0",
		"consumer.override.max.poll.records":            "100",
		"header.converter":                              "x",
		"foo.bar":                                       "1",
		"bufferflush.maxbyte":                           "1",
		"starrocks.topic2table.mapp":                    "a:b",
		"starrocks.mysql.url":                           "jdbc:mysql://fe:9030",
		"starrocks.auto.create.tables":                  "true",
		"starrocks.schema.evolution":                    "add_and_widen",
		"starrocks.topic2table.regex":                   "x",
		"starrocks.topic2table.replacement":             "y",
		"errors.deadletterqueue.topic.name":             "dlq",
		"errors.deadletterqueue.context.headers.enable": "true",
	}))
	unused := []struct{ key, why string }{
		{"offset.flush.interval.ms", "Kafka offsets are committed after each successful StarRocks load"},
		{"offset.storage.file.filename", "sink offsets live in the Kafka consumer group"},
		{"plugin.path", "loads no plugins"},
		{"rest.port", "no Kafka Connect REST API"},
		{"listeners", "no Kafka Connect REST API"},
		{"group.id", "distributed Kafka Connect cluster"},
		{"consumer.max.poll.records", "per-client overrides"},
		{"producer.acks", "does not produce"},
		{"internal.key.converter", "internal converter"},
		{"config.storage.topic", "internal topic"},
		{"status.storage.topic", "internal topic"},
		{"errors.log.enable", "own logger"},
		{"errors.retry.timeout", "not retried"},
		{"consumer.override.max.poll.records", "per-connector client overrides"},
		{"header.converter", "headers"},
	}
	for _, u := range unused {
		w, ok := findWarning(warns, u.key, "accepted, not used by starcdc: ")
		if !ok || !strings.Contains(w.Message, u.why) {
			t.Errorf("%s: warning %+v, want \"accepted, not used by starcdc: ...%s...\"", u.key, w, u.why)
		}
	}
	for _, tt := range []struct{ key, msg string }{
		{"foo.bar", "unknown key, ignored"},
		{"bufferflush.maxbyte", "unknown key, ignored; did you mean bufferflush.maxbytes?"},
		{"starrocks.topic2table.mapp", "did you mean starrocks.topic2table.map?"},
	} {
		if _, ok := findWarning(warns, tt.key, tt.msg); !ok {
			t.Errorf("missing warning %s: %s", tt.key, tt.msg)
		}
	}
	if len(warns) != len(unused)+3 {
		t.Errorf("got %d warnings, want %d:\n%v", len(warns), len(unused)+3, warns)
	}
	// starcdc's own keys are parsed into typed fields; only free-form keys
	// are left in Extra.
	wantExtra := map[string]string{
		"errors.log.enable": "true", "errors.retry.timeout": "0", "consumer.override.max.poll.records": "100",
		"foo.bar": "1", "bufferflush.maxbyte": "1", "starrocks.topic2table.mapp": "a:b",
	}
	if !maps.Equal(c.Extra, wantExtra) {
		t.Errorf("Extra = %v\nwant    %v", c.Extra, wantExtra)
	}
	if c.MySQLAddr != "fe:9030" || !c.DDL.AutoCreate || c.DDL.Evolution != EvolveAddAndWiden ||
		c.Mapping.Rename == nil || c.Mapping.Rename.Regex.String() != "x" || c.Mapping.Rename.Replacement != "y" ||
		c.DeadLetter != (DeadLetter{Topic: "dlq", ReplicationFactor: 3, ContextHeaders: true}) {
		t.Errorf("typed starcdc keys: MySQLAddr=%q DDL=%+v Mapping=%+v DeadLetter=%+v", c.MySQLAddr, c.DDL, c.Mapping, c.DeadLetter)
	}
	for _, w := range warns {
		if w.File != "" {
			t.Errorf("FromMap warning names a file: %+v", w)
		}
	}
}

func TestSeedExample(t *testing.T) {
	path := filepath.Join("testdata", "connect-StarRocks-sink.properties")
	cfg, warns, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(cfg.Connectors) != 1 {
		t.Fatalf("connectors = %d", len(cfg.Connectors))
	}
	c := cfg.Connectors[0]
	if c.Name != "starrocks-kafka-connector" || c.Class != "com.starrocks.connector.kafka.StarRocksSinkConnector" ||
		!slices.Equal(c.Topics, []string{"dbserver1.inventory.customers"}) ||
		!slices.Equal(c.HTTPURLs, []string{"http://192.168.xxx.xxx:8030", "http://192.168.xxx.xxx:8030"}) ||
		c.Username != "root" || c.Password.Reveal() != "123456" || c.Database != "inventory" {
		t.Errorf("connector = %+v", c)
	}
	for _, conv := range []Converter{c.KeyConverter, c.ValueConverter, cfg.Worker.KeyConverter, cfg.Worker.ValueConverter} {
		if conv.Class != "io.confluent.connect.json.JsonSchemaConverter" || len(conv.Props) != 0 {
			t.Errorf("converter = %+v", conv)
		}
	}
	if c.BufferFlushMaxBytes != 67108864 || c.BufferFlushInterval != time.Second || c.ConnectTimeout != 100*time.Millisecond ||
		c.MaxRetries != 3 || c.TasksMax != 1 || c.Format != "json" || c.ErrorsTolerance != "none" {
		t.Errorf("defaults not applied: %+v", c)
	}
	// The docs' example loads a dotted topic without a mapping: warn.
	if len(warns) != 1 || warns[0].File != path || warns[0].Key != "topics" || !strings.Contains(warns[0].Message, "dbserver1.inventory.customers") {
		t.Errorf("warnings = %v", warns)
	}

	cfg, warns, err = Load(filepath.Join("testdata", "connect-StarRocks-sink-debezium.properties"))
	if err != nil {
		t.Fatalf("Load debezium example: %v", err)
	}
	tr := cfg.Connectors[0].Transforms
	if len(tr) != 2 || tr[0].Name != "addfield" || tr[0].Type != "com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord" ||
		tr[1].Name != "unwrap" || tr[1].Type != "io.debezium.transforms.ExtractNewRecordState" ||
		!maps.Equal(tr[1].Props, map[string]string{"drop.tombstones": "true", "delete.handling.mode": "rewrite"}) {
		t.Errorf("transforms = %+v", tr)
	}
	if len(warns) != 1 {
		t.Errorf("warnings = %v", warns)
	}
}

func TestWorkerAndConnectorInOneFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "all.properties", `
bootstrap.servers=kafka:9092
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.flush.interval.ms=10000
offset.storage.file.filename=/tmp/connect.offsets
plugin.path=/opt/connectors
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512

name=orders-sink
connector.class=com.starrocks.connector.kafka.StarRocksSinkConnector
tasks.max=4
topics=orders,payments
starrocks.http.url=fe1:8030,fe2:8030
starrocks.username=loader
starrocks.password=pw
starrocks.database.name=shop
starrocks.topic2table.map=orders:t_orders,payments:t_payments
bufferflush.maxbytes=134217728
bufferflush.intervalms=5000
sink.properties.strip_outer_array=true
errors.tolerance=all
`)
	cfg, warns, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	w, c := cfg.Worker, cfg.Connectors[0]
	if !slices.Equal(w.BootstrapServers, []string{"kafka:9092"}) || w.Security["security.protocol"] != "SASL_PLAINTEXT" ||
		w.Security["sasl.mechanism"] != "SCRAM-SHA-512" {
		t.Errorf("worker = %+v", w)
	}
	if w.ValueConverter.Props["schemas.enable"] != "false" || c.ValueConverter.Props["schemas.enable"] != "false" ||
		c.KeyConverter.Class != "org.apache.kafka.connect.storage.StringConverter" {
		t.Errorf("converters: worker %+v connector %+v %+v", w.ValueConverter, c.KeyConverter, c.ValueConverter)
	}
	if c.TasksMax != 4 || c.BufferFlushMaxBytes != 134217728 || c.BufferFlushInterval != 5*time.Second ||
		c.ErrorsTolerance != "all" || c.SinkProperties["strip_outer_array"] != "true" || len(c.Topic2Table) != 2 {
		t.Errorf("connector = %+v", c)
	}
	if len(warns) != 4 {
		t.Errorf("warnings = %v, want tasks.max, offset.flush.interval.ms, offset.storage.file.filename, plugin.path", warns)
	}
	for _, wn := range warns {
		if wn.Key == "tasks.max" {
			continue // TestTasksMaxWarning
		}
		if wn.File != p || !strings.HasPrefix(wn.Message, "accepted, not used by starcdc: ") {
			t.Errorf("warning = %+v", wn)
		}
	}
	if len(c.Extra) != 0 {
		t.Errorf("Extra = %v, want no worker keys", c.Extra)
	}
}

const connectorFile = `name=%s
connector.class=com.starrocks.connector.kafka.StarRocksSinkConnector
topics=%s
starrocks.http.url=fe:8030
starrocks.username=root
starrocks.password=
starrocks.database.name=db
`

func connFile(name, topic string) string {
	return strings.Replace(strings.Replace(connectorFile, "%s", name, 1), "%s", topic, 1)
}

func TestTwoFiles(t *testing.T) {
	dir := t.TempDir()
	worker := filepath.Join("testdata", "connect-standalone.properties")
	conn := writeFile(t, dir, "sink.properties", connFile("sink-a", "orders")+`
value.converter=io.confluent.connect.avro.AvroConverter
value.converter.schema.registry.url=http://sr:8081
key.converter.schemas.enable=false
`)
	cfg, warns, err := Load(worker, conn)
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.Worker
	if !slices.Equal(w.BootstrapServers, []string{"broker1:9092", "broker2:9092"}) {
		t.Errorf("BootstrapServers = %v", w.BootstrapServers)
	}
	if w.ValueConverter.Class != jsonConverterClass || w.ValueConverter.Props["schemas.enable"] != "true" {
		t.Errorf("worker value converter = %+v", w.ValueConverter)
	}
	c := cfg.Connectors[0]
	if c.ValueConverter.Class != "io.confluent.connect.avro.AvroConverter" ||
		!maps.Equal(c.ValueConverter.Props, map[string]string{"schema.registry.url": "http://sr:8081"}) {
		t.Errorf("connector value converter = %+v (must hold only the connector file's sub-keys)", c.ValueConverter)
	}
	if c.KeyConverter.Class != jsonConverterClass || c.KeyConverter.Props["schemas.enable"] != "true" {
		t.Errorf("connector key converter = %+v, want the worker's", c.KeyConverter)
	}
	type fk struct{ file, key string }
	got := map[fk]string{}
	for _, w := range warns {
		got[fk{w.File, w.Key}] = w.Message
	}
	for _, k := range []fk{
		{worker, "offset.storage.file.filename"}, {worker, "offset.flush.interval.ms"}, {worker, "plugin.path"},
	} {
		if !strings.HasPrefix(got[k], "accepted, not used by starcdc: ") {
			t.Errorf("missing warning %v in %v", k, warns)
		}
	}
	if !strings.Contains(got[fk{conn, "key.converter.schemas.enable"}], "key.converter is not set in this connector file") {
		t.Errorf("missing ignored-sub-key warning: %v", warns)
	}
	if len(warns) != 4 {
		t.Errorf("warnings = %v", warns)
	}
}

func TestManyFiles(t *testing.T) {
	dir := t.TempDir()
	worker := writeFile(t, dir, "worker.properties", "bootstrap.servers=k:9092\nstarrocks.username=ignored\nsasl.mechanism=PLAIN\nbogus.key=1\n")
	a := writeFile(t, dir, "a.properties", connFile("a", "ta")+"security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n")
	b := writeFile(t, dir, "b.properties", connFile("b", "tb")+"offset.flush.interval.ms=1000\n")
	cfg, warns, err := Load(worker, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Connectors) != 2 || cfg.Connectors[0].Name != "a" || cfg.Connectors[1].Name != "b" {
		t.Fatalf("connectors = %v", cfg.Connectors)
	}
	// Worker keys from a connector file are merged into the worker.
	if cfg.Worker.Security["security.protocol"] != "SASL_SSL" || cfg.Worker.Security["sasl.mechanism"] != "PLAIN" {
		t.Errorf("Security = %v", cfg.Worker.Security)
	}
	if _, ok := findWarning(warns, "starrocks.username", "connector setting in the worker file is ignored"); !ok {
		t.Errorf("missing warning for a connector key in the worker file: %v", warns)
	}
	if w, ok := findWarning(warns, "bogus.key", "unknown key"); !ok || w.File != worker {
		t.Errorf("missing unknown-key warning naming the worker file: %v", warns)
	}
	if w, ok := findWarning(warns, "offset.flush.interval.ms", "accepted, not used"); !ok || w.File != b {
		t.Errorf("missing unused-key warning naming the connector file: %v", warns)
	}

	// Conflicts and duplicate names.
	c := writeFile(t, dir, "c.properties", connFile("a", "tc")+"bootstrap.servers=other:9092\nsasl.jaas.config=secret-jaas\n")
	d := writeFile(t, dir, "d.properties", connFile("d", "td")+"sasl.jaas.config=other-jaas\n")
	_, _, err = Load(worker, a, c, d)
	if err == nil || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		c + ": bootstrap.servers=other:9092: conflicts with bootstrap.servers=k:9092 in " + worker,
		c + ": name=a: duplicate connector name (also in " + a + ")",
		d + ": sasl.jaas.config=[redacted]: conflicts with sasl.jaas.config=[redacted] in " + c,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not contain %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "jaas") && (strings.Contains(msg, "secret-jaas") || strings.Contains(msg, "other-jaas")) {
		t.Errorf("error leaks a secret:\n%s", msg)
	}
}

func TestFirstFileIsAConnector(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.properties", connFile("a", "ta")+"value.converter=org.apache.kafka.connect.storage.StringConverter\n")
	b := writeFile(t, dir, "b.properties", connFile("b", "tb"))
	cfg, _, err := Load(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Connectors) != 2 {
		t.Fatalf("connectors = %d", len(cfg.Connectors))
	}
	if cfg.Connectors[0].ValueConverter.Class != "org.apache.kafka.connect.storage.StringConverter" ||
		cfg.Connectors[1].ValueConverter.Class != jsonConverterClass || cfg.Worker.ValueConverter.Class != jsonConverterClass {
		t.Errorf("a connector's converter must not leak into the worker or other connectors: %+v", cfg)
	}
	// Only connector.class (no name) also marks a connector file.
	c := writeFile(t, dir, "c.properties", "connector.class=StarRocksSink\n")
	if _, _, err := Load(c, b); err == nil || !strings.Contains(err.Error(), c+": name: required") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, _, err := Load(); err == nil || !errors.Is(err, ErrInvalid) {
		t.Errorf("Load() = %v", err)
	}
	missing := filepath.Join(t.TempDir(), "nope.properties")
	_, _, err := Load(missing)
	if err == nil || errors.Is(err, ErrInvalid) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want ErrNotExist and not ErrInvalid", err)
	}
	dir := t.TempDir()
	bad1 := writeFile(t, dir, "bad1.properties", "a=1\n\nb=\\u00zz\n")
	bad2 := writeFile(t, dir, "bad2.properties", "\\uqqqq=1\n")
	_, _, err = Load(bad1, bad2)
	if err == nil || !errors.Is(err, ErrInvalid) || errCount(err) != 2 ||
		!strings.Contains(err.Error(), bad1+":3: malformed") || !strings.Contains(err.Error(), bad2+":1: malformed") {
		t.Errorf("syntax errors = %v", err)
	}
	// Validation errors name the file.
	bad3 := writeFile(t, dir, "bad3.properties", connFile("x", "t")+"bufferflush.maxbytes=1\n")
	_, warns, err := Load(bad3)
	if err == nil || err.Error() != bad3+": bufferflush.maxbytes=1: must be between 67108864 (64 MiB) and 10737418240 (10 GiB)" {
		t.Errorf("err = %v", err)
	}
	_ = warns
}

// Predicates are parsed like transforms; predicate and negate are the
// stage's, not the transform's.
func TestPredicates(t *testing.T) {
	base := map[string]string{
		"name": "p", "connector.class": "com.starrocks.connector.kafka.StarRocksSinkConnector", "topics": "t1",
		"starrocks.http.url": "127.0.0.1:8030", "starrocks.username": "root", "starrocks.password": "", "starrocks.database.name": "d",
		"transforms": "drop", "transforms.drop.type": "org.apache.kafka.connect.transforms.Filter",
		"transforms.drop.predicate": "isTomb", "transforms.drop.negate": "TRUE",
		"predicates": "isTomb,byTopic", "predicates.isTomb.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
		"predicates.byTopic.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches", "predicates.byTopic.pattern": "t.*",
	}
	cfg, _, err := FromMap(base)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Connectors[0]
	tr := c.Transforms[0]
	if tr.Predicate != "isTomb" || !tr.Negate || len(tr.Props) != 0 {
		t.Fatalf("transform %+v", tr)
	}
	if p := c.Predicates["byTopic"]; p.Type != "org.apache.kafka.connect.transforms.predicates.TopicNameMatches" || p.Props["pattern"] != "t.*" {
		t.Fatalf("predicate %+v", p)
	}
	for _, tc := range []struct{ key, value, want string }{
		{"transforms.drop.predicate", "nope", `names predicate "nope"`},
		{"transforms.drop.negate", "maybe", "must be true or false"},
		{"predicates.isTomb.type", "", "required: the class of predicate"},
	} {
		m := maps.Clone(base)
		m[tc.key] = tc.value
		if _, _, err := FromMap(m); err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s=%s: %v", tc.key, tc.value, err)
		}
	}
	m := maps.Clone(base)
	delete(m, "transforms.drop.predicate")
	if _, _, err := FromMap(m); err == nil || !strings.Contains(err.Error(), "transforms.drop.predicate is not") {
		t.Errorf("negate without predicate: %v", err)
	}
}
