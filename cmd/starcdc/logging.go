package main

// Logging: --log-level and --log-format, and the redaction every logger
// of the process applies.

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/starcdc/starcdc/kafka"
)

// logFlags are the logging flags of run and demo.
type logFlags struct {
	level, format string
}

func addLogFlags(fs *flag.FlagSet) *logFlags {
	lf := &logFlags{}
	fs.StringVar(&lf.level, "log-level", "info", "least severe level logged: debug, info, warn or error (trace adds the Kafka client's per-request lines)")
	fs.StringVar(&lf.format, "log-format", "text", "text (key=value lines) or json (one JSON object per line)")
	return lf
}

// logger returns the logger the flags ask for, writing to w; an unknown
// level or format is a usage error.
func (lf *logFlags) logger(w io.Writer) (*slog.Logger, error) {
	level, err := parseLevel(lf.level)
	if err != nil {
		return nil, err
	}
	return newLogger(w, level, lf.format)
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "trace":
		return kafka.LevelTrace, nil
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, usageError{fmt.Errorf("--log-level %q: use debug, info, warn or error", s)}
}

// newLogger returns a text or JSON logger at level, writing to w, whose
// attributes named like a secret (see secretKey) are replaced by
// "[redacted]" whatever their value, and whose StarRocks load errors are
// worded for an operator (operatorHandler).
func newLogger(w io.Writer, level slog.Level, format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redact}
	switch strings.ToLower(format) {
	case "text", "":
		return slog.New(operatorHandler{slog.NewTextHandler(w, opts)}), nil
	case "json":
		return slog.New(operatorHandler{slog.NewJSONHandler(w, opts)}), nil
	}
	return nil, usageError{fmt.Errorf("--log-format %q: use text or json", format)}
}

// redact is the loggers' slog.HandlerOptions.ReplaceAttr: a second line of
// defence behind config.Secret (which already logs as "[redacted]"), for
// an attribute whose key names a secret. It also names franz-go's levels
// below DEBUG "TRACE".
func redact(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey {
		if l, ok := a.Value.Any().(slog.Level); ok && l < slog.LevelDebug {
			return slog.String(slog.LevelKey, "TRACE")
		}
		return a
	}
	if secretKey(a.Key) && a.Value.Kind() != slog.KindGroup {
		return slog.String(a.Key, "[redacted]")
	}
	return a
}

// secretKey reports whether a log attribute's key names a credential.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"password", "passwd", "secret", "token", "jaas", "authorization", "credential"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
