package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretRendering(t *testing.T) {
	s := Secret("hunter2")
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-10v", "%T"} {
		got := fmt.Sprintf(format, s)
		if strings.Contains(got, "hunter2") || strings.Contains(got, fmt.Sprintf("%x", "hunter2")) {
			t.Errorf("Sprintf(%q) = %q leaks the secret", format, got)
		}
	}
	if got := fmt.Sprint(s); got != "[redacted]" {
		t.Errorf("Sprint = %q", got)
	}
	if got := fmt.Sprintf("%q", s); got != `"[redacted]"` {
		t.Errorf("%%q = %q", got)
	}
	if s.String() != "[redacted]" || s.GoString() != "[redacted]" || s.Reveal() != "hunter2" {
		t.Errorf("String/GoString/Reveal = %q %q %q", s.String(), s.GoString(), s.Reveal())
	}
	if b, _ := json.Marshal(s); string(b) != `"[redacted]"` {
		t.Errorf("json = %s", b)
	}
	if b, _ := s.MarshalText(); string(b) != "[redacted]" {
		t.Errorf("text = %s", b)
	}
	if v := s.LogValue(); v.String() != "[redacted]" {
		t.Errorf("LogValue = %v", v)
	}
	var empty Secret
	if empty.String() != "" || fmt.Sprint(empty) != "" || fmt.Sprintf("%#v", empty) != "" {
		t.Errorf("empty secret renders %q", fmt.Sprint(empty))
	}
	if b, _ := json.Marshal(empty); string(b) != `""` {
		t.Errorf("empty json = %s", b)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "pw", s)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "pw", s, slog.Group("g", "pw", s))
	if strings.Contains(buf.String(), "hunter2") || !strings.Contains(buf.String(), "[redacted]") {
		t.Errorf("slog output %q", buf.String())
	}
}

func TestIsSecretKey(t *testing.T) {
	for key, want := range map[string]bool{
		"starrocks.password":                                true,
		"ssl.key.password":                                  true,
		"ssl.keystore.password":                             true,
		"ssl.truststore.password":                           true,
		"consumer.ssl.keystore.password":                    true,
		"sasl.jaas.config":                                  true,
		"consumer.sasl.jaas.config":                         true,
		"value.converter.basic.auth.user.info":              true,
		"key.converter.bearer.auth.token":                   true,
		"ssl.keystore.key":                                  true,
		"sasl.oauthbearer.client.credentials.client.secret": true,
		"transforms.x.password":                             true,
		"Some.PASSWORD":                                     true,
		"starrocks.username":                                false,
		"ssl.truststore.location":                           false,
		"sasl.mechanism":                                    false,
		"value.converter.basic.auth.credentials.source":     false,
		"sasl.oauthbearer.token.endpoint.url":               false,
		"ssl.keystore.type":                                 false,
		"bufferflush.maxbytes":                              false,
	} {
		if got := IsSecretKey(key); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", key, got, want)
		}
	}
}

// secretValues are planted in every secret-valued key below; none may ever
// be printed.
var secretValues = []string{
	"SR-PASSWORD-1", "JAAS-PASSWORD-2", "REGISTRY-PASSWORD-3", "TRUSTSTORE-PASSWORD-4",
	"TRANSFORM-PASSWORD-5", "DLQ-PASSWORD-6", "OVERRIDE-JAAS-7", "BEARER-8", "SINKPROP-PASSWORD-9",
	"KEY-REGISTRY-10",
}

func secretConfigMap() map[string]string {
	return base(map[string]string{
		"starrocks.password":                       "SR-PASSWORD-1",
		"sasl.jaas.config":                         `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="JAAS-PASSWORD-2";`,
		"value.converter":                          "io.confluent.connect.avro.AvroConverter",
		"value.converter.basic.auth.user.info":     "user:REGISTRY-PASSWORD-3",
		"consumer.ssl.truststore.password":         "TRUSTSTORE-PASSWORD-4",
		"transforms":                               "t",
		"transforms.t.type":                        "x.Y",
		"transforms.t.password":                    "TRANSFORM-PASSWORD-5",
		"errors.deadletterqueue.producer.password": "DLQ-PASSWORD-6",
		"consumer.override.sasl.jaas.config":       "OVERRIDE-JAAS-7",
		"value.converter.bearer.auth.token":        "BEARER-8",
		"sink.properties.password":                 "SINKPROP-PASSWORD-9",
		"key.converter":                            "io.confluent.connect.avro.AvroConverter",
		"key.converter.basic.auth.user.info":       "user:KEY-REGISTRY-10",
	})
}

func assertNoSecrets(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range secretValues {
		if strings.Contains(out, s) {
			t.Errorf("%s leaks %q:\n%s", what, s, out)
		}
	}
}

func TestNoSecretLeaks(t *testing.T) {
	cfg, warns, err := FromMap(secretConfigMap())
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Connectors[0]
	// Sanity: the values are really there.
	if c.Password.Reveal() != "SR-PASSWORD-1" || !strings.Contains(cfg.Worker.Security["sasl.jaas.config"], "JAAS-PASSWORD-2") ||
		cfg.Worker.Security["ssl.truststore.password"] != "TRUSTSTORE-PASSWORD-4" ||
		c.ValueConverter.Props["basic.auth.user.info"] != "user:REGISTRY-PASSWORD-3" ||
		c.Transforms[0].Props["password"] != "TRANSFORM-PASSWORD-5" || c.Extra["errors.deadletterqueue.producer.password"] != "DLQ-PASSWORD-6" ||
		c.SinkProperties["password"] != "SINKPROP-PASSWORD-9" {
		t.Fatalf("secrets not loaded: %#v", cfg)
	}
	values := map[string]any{
		"Config": *cfg, "*Config": cfg, "Worker": cfg.Worker, "*Worker": &cfg.Worker, "Connector": c, "*Connector": &c,
		"Converter": c.ValueConverter, "Transform": c.Transforms[0], "[]Connector": cfg.Connectors,
		"Transforms": c.Transforms,
	}
	for name, v := range values {
		for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(format, v)
			assertNoSecrets(t, name+" "+format, out)
			if format == "%+v" && !strings.Contains(out, "[redacted]") && name != "Transforms" && name != "Converter" && name != "Transform" {
				// Everything holding the connector or worker has at least one redacted field.
				if strings.Contains(name, "Config") || strings.Contains(name, "Connector") || strings.Contains(name, "Worker") {
					t.Errorf("%s %%+v shows no [redacted] marker: %s", name, out)
				}
			}
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json %s: %v", name, err)
		}
		assertNoSecrets(t, name+" json", string(b))
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("config", "v", v)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("config", "v", v)
		assertNoSecrets(t, name+" slog text", text.String())
		assertNoSecrets(t, name+" slog json", js.String())
	}
	// %#v keeps the public type names.
	if out := fmt.Sprintf("%#v", c); !strings.HasPrefix(out, "config.Connector{") || !strings.Contains(out, "config.Converter{") {
		t.Errorf("%%#v = %s", out)
	}
	if out := fmt.Sprintf("%#v", cfg.Worker); !strings.HasPrefix(out, "config.Worker{") {
		t.Errorf("%%#v = %s", out)
	}
	// The JSON form still carries the non-secret values.
	b, _ := json.Marshal(cfg)
	if !strings.Contains(string(b), `"Username":"root"`) || !strings.Contains(string(b), `"Password":"[redacted]"`) {
		t.Errorf("json = %s", b)
	}
	for _, w := range warns {
		assertNoSecrets(t, "warning", w.String())
	}
}

func TestNoSecretLeaksInErrorsAndWarnings(t *testing.T) {
	dir := t.TempDir()
	m := secretConfigMap()
	// Invalid values in secret-bearing files, plus conflicts between files.
	m["bufferflush.maxbytes"] = "1"
	m["unknown.password"] = "SR-PASSWORD-1"
	m["starrocks.http.url"] = "http://root:SR-PASSWORD-1@fe:8030"
	var sb strings.Builder
	for k, v := range m {
		fmt.Fprintf(&sb, "%s=%s\n", k, strings.ReplaceAll(v, `\`, `\\`))
	}
	a := writeFile(t, dir, "a.properties", sb.String())
	b := writeFile(t, dir, "b.properties", strings.Replace(connFile("b", "tb"), "starrocks.password=", "starrocks.password=SR-PASSWORD-1 ", 1)+
		"sasl.jaas.config=JAAS-PASSWORD-2x\nconsumer.ssl.truststore.password=TRUSTSTORE-PASSWORD-4x\n")
	c := writeFile(t, dir, "c.properties", "starrocks.password=\\u00zzSR-PASSWORD-1\n")

	_, warns, err := Load(a, b)
	if err == nil {
		t.Fatal("want errors")
	}
	out := err.Error() + fmt.Sprintf("%v %+v %#v", err, err, err)
	assertNoSecrets(t, "errors", out)
	for _, want := range []string{"sasl.jaas.config=[redacted]: conflicts with sasl.jaas.config=[redacted]",
		"consumer.ssl.truststore.password=[redacted]: conflicts", `"http://[redacted]@fe:8030"`} {
		if !strings.Contains(out, want) {
			t.Errorf("errors do not contain %q:\n%s", want, out)
		}
	}
	var ws strings.Builder
	for _, w := range warns {
		fmt.Fprintf(&ws, "%v %+v %s\n", w, w, w)
	}
	assertNoSecrets(t, "warnings", ws.String())
	if !strings.Contains(ws.String(), "unknown.password") {
		t.Errorf("want a warning for unknown.password: %s", ws.String())
	}

	_, _, err = Load(c)
	if err == nil {
		t.Fatal("want a syntax error")
	}
	assertNoSecrets(t, "syntax error", err.Error())

	var js bytes.Buffer
	slog.New(slog.NewJSONHandler(&js, nil)).Error("load", "err", err, "warnings", warns)
	assertNoSecrets(t, "slog", js.String())

	// Config provider failures show the reference, not a value.
	_, _, err = FromMap(base(map[string]string{
		"config.providers":            "file",
		"config.providers.file.class": fileProviderClass,
		"starrocks.password":          "${file:" + filepath.Join(dir, "missing.properties") + ":pw}",
	}))
	if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "starrocks.password: cannot resolve ${file:") {
		t.Errorf("err = %v", err)
	}
}
