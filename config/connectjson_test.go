package config

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// connectorProps is one connector as a .properties file.
const connectorProps = `name=sr-sink
connector.class=com.starrocks.connector.kafka.StarRocksSinkConnector
tasks.max=1
topics=a,b
starrocks.http.url=fe1:8030,fe2:8030
starrocks.username=root
starrocks.password=s3cret
starrocks.database.name=shop
starrocks.topic2table.map=a:ta,b:tb
bufferflush.intervalms=5000
sink.properties.strip_outer_array=true
key.converter=org.apache.kafka.connect.converters.LongConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
starrocks.auto.create.tables=true
transforms=unwrap
transforms.unwrap.type=io.debezium.transforms.ExtractNewRecordState
transforms.unwrap.delete.handling.mode=rewrite
`

// The same connector as a .properties file, as the body of POST
// /connectors and as the body of PUT /connectors/<name>/config (numbers and
// booleans written as JSON numbers and booleans), parses to the same
// configuration.
func TestConnectJSONShapes(t *testing.T) {
	dir := t.TempDir()
	props := writeFile(t, dir, "sink.properties", connectorProps)
	want, wantWarns, err := Load(props)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseProperties(strings.NewReader(connectorProps))
	if err != nil {
		t.Fatal(err)
	}
	flat := map[string]any{}
	for k, v := range m {
		flat[k] = v
	}
	flat["tasks.max"] = 1                                // a number
	flat["bufferflush.intervalms"] = json.Number("5000") // as written
	flat["sink.properties.strip_outer_array"] = true     // a boolean
	flat["starrocks.auto.create.tables"] = json.RawMessage(`true`)
	flat["value.converter.schemas.enable"] = false
	flatJSON, _ := json.MarshalIndent(flat, "", "  ")
	config := map[string]any{}
	for k, v := range flat {
		if k != "name" {
			config[k] = v
		}
	}
	rest, _ := json.MarshalIndent(map[string]any{"name": "sr-sink", "config": config}, "", "  ")
	restWithName, _ := json.Marshal(map[string]any{"name": " sr-sink ", "config": flat, "initial_state": "RUNNING"})

	for name, body := range map[string]string{
		"flat":                   string(flatJSON),
		"request":                string(rest),
		"request, name in both":  string(restWithName),
		"leading blanks and BOM": "\xef\xbb\xbf \n\t" + string(rest),
	} {
		t.Run(name, func(t *testing.T) {
			file := writeFile(t, dir, "sink.json", body)
			got, warns, err := Load(file)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("JSON config differs from the .properties one:\n got %+v\nwant %+v", got.Connectors[0], want.Connectors[0])
			}
			if len(warns) != len(wantWarns) {
				t.Errorf("warnings %v, want %v", warns, wantWarns)
			}
		})
	}
}

// A JSON worker-and-connector file in one, with several connectors, and
// with a .properties worker file: JSON connector files are never taken for
// the worker file.
func TestConnectJSONWithWorker(t *testing.T) {
	dir := t.TempDir()
	worker := writeFile(t, dir, "worker.properties", "bootstrap.servers=k1:9092\n")
	a := writeFile(t, dir, "a.json", `{"name": "a", "config": {"connector.class": "StarRocksSink", "topics": "ta",
		"starrocks.http.url": "fe:8030", "starrocks.username": "root", "starrocks.password": "", "starrocks.database.name": "db"}}`)
	b := writeFile(t, dir, "b.json", `{"name": "b", "connector.class": "StarRocksSink", "topics": "tb",
		"starrocks.http.url": "fe:8030", "starrocks.username": "root", "starrocks.password": "", "starrocks.database.name": "db"}`)
	cfg, _, err := Load(worker, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Connectors) != 2 || cfg.Connectors[0].Name != "a" || cfg.Connectors[1].Name != "b" || cfg.Worker.BootstrapServers[0] != "k1:9092" {
		t.Fatalf("config %+v", cfg)
	}
	cfg, _, err = Load(a, b)
	if err != nil || len(cfg.Connectors) != 2 {
		t.Fatalf("two JSON connectors: %v %v", cfg, err)
	}
}

// Config providers resolve references in JSON values as in .properties.
func TestConnectJSONConfigProviders(t *testing.T) {
	dir := t.TempDir()
	secrets := writeFile(t, dir, "sr.properties", "password=from-file\n")
	file := writeFile(t, dir, "sink.json", `{"name": "sink", "config": {
		"config.providers": "file,env",
		"config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
		"connector.class": "StarRocksSink", "topics": "t", "starrocks.http.url": "fe:8030", "starrocks.username": "root",
		"starrocks.password": "${file:`+secrets+`:password}",
		"starrocks.database.name": "${env:STARCDC_TEST_DB}"}}`)
	t.Setenv("STARCDC_TEST_DB", "shop_env")
	cfg, _, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Connectors[0]; c.Password.Reveal() != "from-file" || c.Database != "shop_env" {
		t.Errorf("password %q, database %q", c.Password.Reveal(), c.Database)
	}
}

func TestConnectJSONErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, body string
		want       string // the whole error, after "<file>: "
	}{
		{"syntax", `{"name": "x",, "topics": "t"}`, `byte offset 13 (line 1, column 14): invalid JSON: invalid character ',' looking for beginning of object key string`},
		{"syntax on a later line", "{\n  \"name\": \"x\"\n  \"topics\": \"t\"\n}", `byte offset 18 (line 3, column 3): invalid JSON: invalid character '"' after object key:value pair`},
		{"truncated", `{"name": "x", "config": {"topics": "t"`, `byte offset 38 (line 1, column 39): invalid JSON: the file ends inside the document`},
		{"trailing data", `{"name": "x"} {"name": "y"}`, `byte offset 14 (line 1, column 15): invalid JSON: data after the configuration object; a file holds one connector`},
		{"array value", `{"name": "x", "topics": ["a", "b"]}`, `byte offset 24 (line 1, column 25): "topics" is an array; Kafka Connect settings are strings: write a list as one comma-separated string, e.g. "a,b"`},
		{"null value", `{"name": "x", "config": {"tasks.max": null}}`, `byte offset 38 (line 1, column 39): "tasks.max" is null; Kafka Connect settings are strings: give a value, or remove the key to use its default`},
		{"object value in config", `{"name": "x", "config": {"a": {"b": "c"}}}`, `byte offset 30 (line 1, column 31): "a" is an object;`},
		{"flat without a name", `{"connector.class": "StarRocksSink", "topics": "t"}`, `name: required in a flat JSON connector config: Kafka Connect takes the name of such a config (the body of PUT /connectors/<name>/config) from the URL`},
		{"request without a name", `{"config": {"topics": "t"}}`, `byte offset 0 (line 1, column 1): "name" must be the connector name (a non-empty string) in the {"name": ..., "config": {...}} form`},
		{"request with an empty name", `{"name": " ", "config": {"topics": "t"}}`, `byte offset 9 (line 1, column 10): "name" must be the connector name`},
		{"names differ", `{"name": "a", "config": {"name": "b"}}`, `config.name=b: does not match the connector name "a" given in "name" (Kafka Connect refuses this too)`},
		{"paused", `{"name": "a", "config": {}, "initial_state": "PAUSED"}`, `initial_state=PAUSED: starcdc runs every connector it is given and has no paused or stopped state`},
		{"bad state", `{"name": "a", "config": {}, "initial_state": "SLEEPING"}`, `initial_state=SLEEPING: must be RUNNING, PAUSED or STOPPED`},
		{"config twice", `{"name": "a", "config": {}, "config": {"topics": "t"}}`, `byte offset 24 (line 1, column 25): "config" is given twice`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, dir, "c.json", tt.body)
			_, _, err := Load(file)
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), file+": "+tt.want) {
				t.Errorf("error\n %v\nwant\n %s: %s", err, file, tt.want)
			}
		})
	}
}

// Fields of a saved GET /connectors/<name> answer are ignored with a
// warning; a numeric name is its text.
func TestConnectJSONIgnoredFields(t *testing.T) {
	file := writeFile(t, t.TempDir(), "c.json", `{"name": 42, "type": "sink", "tasks": [{"connector": "42", "task": 0}], "config": {
		"connector.class": "StarRocksSink", "topics": "t", "starrocks.http.url": "fe:8030", "starrocks.username": "root",
		"starrocks.password": "", "starrocks.database.name": "db"}}`)
	cfg, warns, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Connectors[0].Name != "42" {
		t.Errorf("name %q", cfg.Connectors[0].Name)
	}
	for _, k := range []string{"type", "tasks"} {
		if w, ok := findWarning(warns, k, "ignored: not a field of a Kafka Connect connector request"); !ok || w.File != file {
			t.Errorf("no warning for %s: %v", k, warns)
		}
	}
}
