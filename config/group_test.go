package config

import (
	"strings"
	"testing"
)

func TestGroupInstanceID(t *testing.T) {
	str := func(p *string) string {
		if p == nil {
			return "<unset>"
		}
		return "=" + *p
	}
	for _, tt := range []struct {
		m              map[string]string
		worker, connID string
	}{
		{map[string]string{}, "<unset>", "<unset>"},
		{map[string]string{KeyGroupInstanceID: " pod-1 "}, "=pod-1", "<unset>"},
		{map[string]string{KeyGroupInstanceIDOverride: "sink.A_2-b"}, "<unset>", "=sink.A_2-b"},
		{map[string]string{KeyGroupInstanceID: "w", KeyGroupInstanceIDOverride: "c"}, "=w", "=c"},
		// Blank: static membership off, which is not the same as unset.
		{map[string]string{KeyGroupInstanceIDOverride: "  "}, "<unset>", "="},
		{map[string]string{KeyGroupInstanceID: ""}, "=", "<unset>"},
		{map[string]string{KeyGroupInstanceID: strings.Repeat("x", 249)}, "=" + strings.Repeat("x", 249), "<unset>"},
	} {
		c, cfg, warns := one(t, base(tt.m))
		if got := str(cfg.Worker.GroupInstanceID); got != tt.worker {
			t.Errorf("%v: worker id %s, want %s", tt.m, got, tt.worker)
		}
		if got := str(c.GroupInstanceID); got != tt.connID {
			t.Errorf("%v: connector id %s, want %s", tt.m, got, tt.connID)
		}
		if len(warns) != 0 {
			t.Errorf("%v: warnings %v (the keys are read, not accepted-and-unused)", tt.m, warns)
		}
		if _, ok := c.Extra[KeyGroupInstanceIDOverride]; ok {
			t.Errorf("%v: the override key is left in Extra", tt.m)
		}
	}
	for _, tt := range []struct {
		m    map[string]string
		want string
	}{
		{map[string]string{KeyGroupInstanceID: "pod 1"}, `consumer.group.instance.id="pod 1": may contain only ASCII letters, digits, '.', '_' and '-'`},
		{map[string]string{KeyGroupInstanceIDOverride: "ü"}, "consumer.override.group.instance.id=ü: may contain only"},
		{map[string]string{KeyGroupInstanceIDOverride: ".."}, `must not be "." or ".."`},
		{map[string]string{KeyGroupInstanceID: strings.Repeat("x", 250)}, "must be at most 249 characters"},
	} {
		got := mustFail(t, base(tt.m))
		if !strings.Contains(got, tt.want) || !strings.Contains(got, "leave it empty to turn static group membership off") {
			t.Errorf("%v: error %q, want %q and how to turn it off", tt.m, got, tt.want)
		}
	}
}

// The worker key in a worker file applies to the connectors of other
// files; the override key in a worker file is a connector key, ignored
// there with a warning, as Kafka Connect ignores it.
func TestGroupInstanceIDWorkerFile(t *testing.T) {
	dir := t.TempDir()
	w := writeFile(t, dir, "worker.properties", "bootstrap.servers=k:9092\nconsumer.group.instance.id=host-7\nconsumer.override.group.instance.id=x\n")
	c := writeFile(t, dir, "sink.properties", connFile("sink-a", "orders"))
	cfg, warns, err := Load(w, c)
	if err != nil {
		t.Fatal(err)
	}
	if id := cfg.Worker.GroupInstanceID; id == nil || *id != "host-7" {
		t.Errorf("worker id %v, want host-7", id)
	}
	if cfg.Connectors[0].GroupInstanceID != nil {
		t.Errorf("connector id %q, want unset", *cfg.Connectors[0].GroupInstanceID)
	}
	if _, ok := findWarning(warns, KeyGroupInstanceIDOverride, "connector setting in the worker file is ignored"); !ok {
		t.Errorf("warnings %v, want one for the override key in the worker file", warns)
	}
}

func TestSanitizeInstanceID(t *testing.T) {
	for in, want := range map[string]string{
		"starcdc-pod-0-orders":    "starcdc-pod-0-orders",
		"starcdc-h.example-a b":   "starcdc-h.example-a_b",
		"starcdc-h-Zürich/sink:1": "starcdc-h-Z__rich_sink_1", // ü is two bytes
	} {
		got := SanitizeInstanceID(in)
		if got != want {
			t.Errorf("SanitizeInstanceID(%q) = %q, want %q", in, got, want)
		}
		if why := ValidInstanceID(got); why != "" {
			t.Errorf("%q: %s", got, why)
		}
	}
}

// The README's recipe for an id from the environment: Kafka's env config
// provider, no starcdc-only variable.
func TestGroupInstanceIDFromEnv(t *testing.T) {
	t.Setenv("STARCDC_INSTANCE_ID", "node-4")
	_, cfg, _ := one(t, base(map[string]string{
		"config.providers":           "env",
		"config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
		KeyGroupInstanceID:           "${env:STARCDC_INSTANCE_ID}",
	}))
	if id := cfg.Worker.GroupInstanceID; id == nil || *id != "node-4" {
		t.Fatalf("worker id %v, want node-4", id)
	}
}
