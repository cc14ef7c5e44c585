package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Kafka config providers (KIP-297): the worker declares
//
//	config.providers=file,env
//	config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
//	config.providers.file.param.allowed.paths=/etc/secrets
//
// and any value may then reference ${file:/etc/secrets/sr.properties:password}
// or ${env:SR_PASSWORD}. starcdc implements the three providers that ship
// with Apache Kafka. As in Kafka, a reference to a provider that is not
// declared is left as it is; unlike Kafka, a reference that cannot be
// resolved (missing file, key or variable) is an error instead of being left
// as literal text.

const (
	fileProviderClass = "org.apache.kafka.common.config.provider.FileConfigProvider"
	dirProviderClass  = "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
	envProviderClass  = "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
)

// varPattern is Kafka's ConfigTransformer.DEFAULT_PATTERN: ${provider:[path:]key}.
var varPattern = regexp.MustCompile(`\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}`)

// sysEnv is the access to the outside world a resolver needs; tests replace it.
type sysEnv struct {
	lookupEnv func(string) (string, bool)
	readFile  func(string) ([]byte, error)
}

func osEnv() sysEnv { return sysEnv{lookupEnv: os.LookupEnv, readFile: os.ReadFile} }

type providerKind int

const (
	providerFile providerKind = iota
	providerDir
	providerEnv
)

type provider struct {
	kind         providerKind
	allowedPaths []string       // file, dir: empty = any
	allowlist    *regexp.Regexp // env: nil = any
}

type resolver struct {
	env       sysEnv
	providers map[string]provider
	files     map[string]map[string]string // parsed FileConfigProvider files
}

// newResolver reads config.providers* from the worker settings w.
func newResolver(env sysEnv, w map[string]string, c checker) *resolver {
	r := &resolver{env: env, providers: map[string]provider{}, files: map[string]map[string]string{}}
	for _, name := range splitList(w[keyConfigProviders]) {
		if name == "" {
			c.bad(keyConfigProviders, w[keyConfigProviders], "empty provider name")
			continue
		}
		pfx := keyConfigProviders + "." + name + "."
		classKey := pfx + "class"
		class := strings.TrimSpace(w[classKey])
		var p provider
		switch class {
		case fileProviderClass, "FileConfigProvider":
			p.kind = providerFile
		case dirProviderClass, "DirectoryConfigProvider":
			p.kind = providerDir
		case envProviderClass, "EnvVarConfigProvider":
			p.kind = providerEnv
		case "":
			c.badKey(classKey, "required for config provider %q", name)
			continue
		default:
			c.bad(classKey, class, "unsupported config provider; starcdc supports %s, %s and %s", fileProviderClass, dirProviderClass, envProviderClass)
			continue
		}
		if v, ok := w[pfx+"param.allowed.paths"]; ok && p.kind != providerEnv {
			for _, ap := range splitList(v) {
				if !filepath.IsAbs(ap) {
					c.bad(pfx+"param.allowed.paths", v, "every path must be absolute")
					continue
				}
				p.allowedPaths = append(p.allowedPaths, filepath.Clean(ap))
			}
		}
		if v, ok := w[pfx+"param.allowlist.pattern"]; ok && p.kind == providerEnv {
			re, err := regexp.Compile(`^(?:` + v + `)$`)
			if err != nil {
				c.bad(pfx+"param.allowlist.pattern", v, "must be a valid regular expression: %v", err)
				continue
			}
			p.allowlist = re
		}
		r.providers[name] = p
	}
	return r
}

// resolve substitutes ${provider:[path:]key} references in the value of key.
func (r *resolver) resolve(key, value string, c checker) string {
	if len(r.providers) == 0 || !strings.Contains(value, "${") {
		return value
	}
	return varPattern.ReplaceAllStringFunc(value, func(ref string) string {
		m := varPattern.FindStringSubmatch(ref)
		name, path, k := m[1], m[2], m[3]
		p, ok := r.providers[name]
		if !ok {
			return ref
		}
		v, err := r.lookup(p, path, k)
		if err != nil {
			c.badKey(key, "cannot resolve %s: %v", ref, err)
			return ref
		}
		return v
	})
}

func (r *resolver) lookup(p provider, path, key string) (string, error) {
	switch p.kind {
	case providerEnv:
		if path != "" {
			return "", fmt.Errorf("the env provider takes no path: use ${name:VARIABLE}")
		}
		if p.allowlist != nil && !p.allowlist.MatchString(key) {
			return "", fmt.Errorf("variable %s does not match allowlist.pattern", key)
		}
		v, ok := r.env.lookupEnv(key)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", key)
		}
		return v, nil
	case providerDir:
		if path == "" {
			return "", fmt.Errorf("a directory path is required")
		}
		if key == "" || strings.ContainsAny(key, `/\`) || key == "." || key == ".." {
			return "", fmt.Errorf("%q is not a file name", key)
		}
		if err := checkAllowed(p, path); err != nil {
			return "", err
		}
		b, err := r.env.readFile(filepath.Join(path, key))
		if err != nil {
			return "", err
		}
		return string(b), nil
	default: // providerFile
		if path == "" {
			return "", fmt.Errorf("a file path is required")
		}
		if err := checkAllowed(p, path); err != nil {
			return "", err
		}
		m, ok := r.files[path]
		if !ok {
			b, err := r.env.readFile(path)
			if err != nil {
				return "", err
			}
			if m, err = ParseProperties(bytes.NewReader(b)); err != nil {
				return "", fmt.Errorf("%s: %v", path, err)
			}
			r.files[path] = m
		}
		v, ok := m[key]
		if !ok {
			return "", fmt.Errorf("%s has no key %q", path, key)
		}
		return v, nil
	}
}

// checkAllowed enforces the allowed.paths provider parameter (KIP-993).
func checkAllowed(p provider, path string) error {
	if len(p.allowedPaths) == 0 {
		return nil
	}
	clean := filepath.Clean(path)
	for _, ap := range p.allowedPaths {
		if clean == ap || strings.HasPrefix(clean, strings.TrimSuffix(ap, string(filepath.Separator))+string(filepath.Separator)) {
			return nil
		}
	}
	return fmt.Errorf("%s is not under allowed.paths", path)
}
