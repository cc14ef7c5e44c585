package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fakeEnv(vars map[string]string) sysEnv {
	return sysEnv{
		lookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		readFile:  os.ReadFile,
	}
}

func TestConfigProviders(t *testing.T) {
	dir := t.TempDir()
	secrets := writeFile(t, dir, "sr.properties", "password=from-file\nuser=loader\n")
	sub := filepath.Join(dir, "k8s")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, sub, "jaas", "from-dir")
	env := fakeEnv(map[string]string{"SR_DB": "shop_env", "KAFKA": "k1:9092"})

	m := base(map[string]string{
		"config.providers":                             "file, dir,env",
		"config.providers.file.class":                  fileProviderClass,
		"config.providers.file.param.allowed.paths":    dir,
		"config.providers.dir.class":                   "DirectoryConfigProvider",
		"config.providers.env.class":                   envProviderClass,
		"config.providers.env.param.allowlist.pattern": "SR_.*|KAFKA",
		"starrocks.password":                           "${file:" + secrets + ":password}",
		"starrocks.username":                           "${file:" + secrets + ":user}",
		"starrocks.database.name":                      "${env:SR_DB}",
		"bootstrap.servers":                            "${env:KAFKA}",
		"sasl.jaas.config":                             "x ${dir:" + sub + ":jaas} y",
		"starrocks.table.properties.comment":           "${vault:secret/x:y}", // undeclared provider: left as is
	})
	cfg, _, err := build(env, nil, []source{{m: m}})
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Connectors[0]
	if c.Password.Reveal() != "from-file" || c.Username != "loader" || c.Database != "shop_env" ||
		cfg.Worker.BootstrapServers[0] != "k1:9092" || cfg.Worker.Security["sasl.jaas.config"] != "x from-dir y" ||
		c.DDL.Properties["comment"] != "${vault:secret/x:y}" {
		t.Errorf("resolved config = %+v / %+v; password %q", c, cfg.Worker, c.Password.Reveal())
	}

	for _, tt := range []struct {
		name string
		m    map[string]string
		want string
	}{
		{"missing key", map[string]string{"starrocks.username": "${file:" + secrets + ":nope}"}, `has no key "nope"`},
		{"missing file", map[string]string{"starrocks.username": "${file:" + filepath.Join(dir, "nope") + ":k}"}, "no such file"},
		{"outside allowed.paths", map[string]string{"starrocks.username": "${file:/etc/passwd:root}"}, "is not under allowed.paths"},
		{"env not set", map[string]string{"starrocks.username": "${env:SR_NOPE}"}, "environment variable SR_NOPE is not set"},
		{"env not allowlisted", map[string]string{"starrocks.username": "${env:HOME}"}, "does not match allowlist.pattern"},
		{"env with path", map[string]string{"starrocks.username": "${env:x:SR_DB}"}, "takes no path"},
		{"dir with bad file name", map[string]string{"starrocks.username": "${dir:" + sub + ":../sr.properties}"}, "is not a file name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mm := base(nil)
			for k, v := range m {
				if strings.HasPrefix(k, "config.providers") {
					mm[k] = v
				}
			}
			for k, v := range tt.m {
				mm[k] = v
			}
			_, _, err := build(env, nil, []source{{m: mm}})
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}

	for _, tt := range []struct {
		m    map[string]string
		want string
	}{
		{map[string]string{"config.providers": "vault", "config.providers.vault.class": "com.x.VaultConfigProvider"}, "config.providers.vault.class=com.x.VaultConfigProvider: unsupported config provider"},
		{map[string]string{"config.providers": "file"}, `config.providers.file.class: required for config provider "file"`},
		{map[string]string{"config.providers": "file", "config.providers.file.class": fileProviderClass, "config.providers.file.param.allowed.paths": "relative/dir"}, "every path must be absolute"},
		{map[string]string{"config.providers": "env", "config.providers.env.class": envProviderClass, "config.providers.env.param.allowlist.pattern": "("}, "must be a valid regular expression"},
	} {
		if got := mustFail(t, base(tt.m)); !strings.Contains(got, tt.want) {
			t.Errorf("%v: error %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestProvidersInWorkerFile(t *testing.T) {
	dir := t.TempDir()
	secrets := writeFile(t, dir, "sr.properties", "password=p1\n")
	worker := writeFile(t, dir, "worker.properties", "config.providers=file\nconfig.providers.file.class="+fileProviderClass+"\n")
	conn := writeFile(t, dir, "c.properties", strings.Replace(connFile("c", "t1"), "starrocks.password=", "starrocks.password=${file:"+secrets+":password}", 1))
	cfg, warns, err := Load(worker, conn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Connectors[0].Password.Reveal() != "p1" || len(warns) != 0 {
		t.Errorf("password %q, warnings %v", cfg.Connectors[0].Password.Reveal(), warns)
	}
	// No providers declared: references stay literal, as in Kafka.
	c, _, _ := one(t, base(map[string]string{"starrocks.password": "${file:/x:y}"}))
	if c.Password.Reveal() != "${file:/x:y}" {
		t.Errorf("password = %q", c.Password.Reveal())
	}
}
