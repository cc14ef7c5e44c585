package config

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/starcdc/starcdc/internal/redact"
)

const redacted = redact.Marker

// Secret is a string that never prints itself. String, Format (every fmt verb,
// including %v, %+v, %#v, %s and %q), GoString, MarshalJSON, MarshalText and
// LogValue all render "[redacted]", or "" when the secret is empty, so that
// an empty password stays recognisable in logs. Use Reveal to get the value.
type Secret string

// Reveal returns the secret value. Call it only where the value is sent to
// the system that needs it.
func (s Secret) Reveal() string { return string(s) }

// String returns "[redacted]", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns the same as String.
func (s Secret) GoString() string { return s.String() }

// Format implements fmt.Formatter so that no verb can print the value.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		_, _ = io.WriteString(f, strconv.Quote(s.String()))
	default:
		_, _ = io.WriteString(f, s.String())
	}
}

// MarshalJSON renders the redacted form as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText renders the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// secretSuffixes are key endings whose values are credentials.
var secretSuffixes = []string{
	"password",             // starrocks.password, ssl.key.password, ssl.keystore.password, *.password
	"sasl.jaas.config",     // may embed username/password
	"basic.auth.user.info", // schema registry user:password
	"bearer.auth.token",
	".token",
	"ssl.keystore.key", // PEM private key
}

// IsSecretKey reports whether values of the given configuration key are
// credentials that must never be logged or shown: starrocks.password, any
// key ending in "password" (ssl.*password, *.password), sasl.jaas.config,
// basic.auth.user.info, bearer.auth.token and any other *.token,
// ssl.keystore.key, and any key containing "secret". Matching ignores case
// and works with prefixes (consumer.sasl.jaas.config,
// value.converter.basic.auth.user.info, transforms.x.password).
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	if strings.Contains(k, "secret") {
		return true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

// displayValue renders a key's value for an error or warning message:
// "[redacted]" for secret keys, the value itself when it is plain, and a Go
// quoted string when it is empty or holds spaces or unprintable characters.
func displayValue(key, value string) string {
	if IsSecretKey(key) {
		return Secret(value).String()
	}
	if value == "" || strings.ContainsFunc(value, func(r rune) bool {
		return r <= ' ' || r == '"' || !strconv.IsPrint(r)
	}) {
		return strconv.Quote(value)
	}
	return value
}

// redactMap returns m with the values of secret keys replaced by
// "[redacted]" (empty values stay empty). It returns m itself when nothing
// needs redacting.
func redactMap(m map[string]string) map[string]string {
	var out map[string]string
	for k, v := range m {
		if v == "" || !IsSecretKey(k) {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(m))
			for k2, v2 := range m {
				out[k2] = v2
			}
		}
		out[k] = redacted
	}
	if out == nil {
		return m
	}
	return out
}

// formatRedacted prints v, a method-less copy of a config struct whose secret
// map values were already redacted, with the caller's verb and flags. For %#v
// it renames the copy's type (from) back to the public one (to).
func formatRedacted(f fmt.State, verb rune, v any, from, to string) {
	if verb == 'v' && f.Flag('#') {
		s := fmt.Sprintf("%#v", v)
		_, _ = io.WriteString(f, to+strings.TrimPrefix(s, from))
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), v)
}

// The plain* types have the same fields as the public types but no methods,
// so that fmt and encoding/json print their fields instead of recursing.
type (
	plainConverter Converter
	plainTransform Transform
	plainWorker    Worker
	plainConnector Connector
)

func (c Converter) redacted() plainConverter {
	c.Props = redactMap(c.Props)
	return plainConverter(c)
}

// Format implements fmt.Formatter; secret-valued Props are redacted.
func (c Converter) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, c.redacted(), "config.plainConverter", "config.Converter")
}

// MarshalJSON encodes c with secret-valued Props redacted.
func (c Converter) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

func (t Transform) redacted() plainTransform {
	t.Props = redactMap(t.Props)
	return plainTransform(t)
}

// Format implements fmt.Formatter; secret-valued Props are redacted.
func (t Transform) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, t.redacted(), "config.plainTransform", "config.Transform")
}

// MarshalJSON encodes t with secret-valued Props redacted.
func (t Transform) MarshalJSON() ([]byte, error) { return json.Marshal(t.redacted()) }

func (w Worker) redacted() plainWorker {
	w.Security = redactMap(w.Security)
	return plainWorker(w)
}

// Format implements fmt.Formatter; secret-valued Security entries are redacted.
func (w Worker) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, w.redacted(), "config.plainWorker", "config.Worker")
}

// MarshalJSON encodes w with secret-valued Security entries redacted.
func (w Worker) MarshalJSON() ([]byte, error) { return json.Marshal(w.redacted()) }

func (c Connector) redacted() plainConnector {
	c.SinkProperties = redactMap(c.SinkProperties)
	c.Load.Headers = redactMap(c.Load.Headers)
	c.DDL.Properties = redactMap(c.DDL.Properties)
	c.Extra = redactMap(c.Extra)
	return plainConnector(c)
}

// String renders c like %+v would, with the password and secret-valued map
// entries redacted. (Connector has a field named Format, so it cannot
// implement fmt.Formatter; fmt uses String for %v, %+v, %s, %q, %x and %X.)
func (c Connector) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString renders c like %#v would, with the password and secret-valued
// map entries redacted.
func (c Connector) GoString() string {
	return "config.Connector" + strings.TrimPrefix(fmt.Sprintf("%#v", c.redacted()), "config.plainConnector")
}

// MarshalJSON encodes c with the password and secret-valued map entries
// redacted.
func (c Connector) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }
