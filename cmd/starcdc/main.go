// Command starcdc replicates Debezium change-data-capture topics from Kafka
// into StarRocks primary-key tables. It reads the same properties files as
// the StarRocks Kafka connector under Kafka Connect, and Kafka Connect's
// JSON connector configs.
//
//	starcdc run [--http-addr ADDR] [WORKER.properties] CONNECTOR.properties...
//	starcdc check [--timeout D] [--offline] [WORKER.properties] CONNECTOR.properties...
//	starcdc decode CONNECTOR.properties --topic T --value FILE [--key FILE] [--value-schema-id HEX] [--key-schema-id HEX]
//	starcdc ddl [WORKER.properties] CONNECTOR.properties... [--apply]
//	starcdc demo [--keep-running]
//	starcdc version
//	starcdc healthcheck [--timeout D] URL
//	starcdc help [COMMAND]
//
// Every command prints its usage and flags with -h or --help; flags may
// come before or after the file arguments.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/replicator"
)

const usage = `starcdc replicates Debezium change events from Kafka into StarRocks.

Usage:
  starcdc run [--http-addr ADDR] [--log-level L] [--log-format F] [WORKER.properties] CONNECTOR.properties...
        Run connectors, like Kafka's connect-standalone. One file may hold
        worker and connector keys. Stops cleanly on SIGINT/SIGTERM.
        --http-addr serves http://ADDR/metrics, /healthz and /ready.
        --log-level debug|info|warn|error, --log-format text|json.
  starcdc check [--timeout D] [--offline] [WORKER.properties] CONNECTOR.properties...
        Check the configuration, then try every dependency it names (Kafka
        brokers, topics and group, schema registries, the StarRocks FE, BE
        and MySQL port) and print one OK or FAIL line each, with the fix.
  starcdc decode CONNECTOR.properties --topic T --value FILE [--key FILE] [--value-schema-id HEX] [--key-schema-id HEX]
        Decode one raw Kafka record with the connector's converters and print
        each row it yields as <db>.<table> TAB <Stream Load JSON>. An empty
        value file is a null value (tombstone). --value-schema-id and
        --key-schema-id give the record's __value_schema_id/__key_schema_id
        header (Confluent Platform 8) in hex.
  starcdc ddl [WORKER.properties] CONNECTOR.properties... [--apply]
        Print the CREATE TABLE (and ALTER TABLE) statements starcdc would run
        for each topic, planned from the schemas of its newest record; --apply
        runs them over the MySQL protocol (starrocks.mysql.url).
  starcdc demo [--keep-running]
        Start an in-process Kafka, schema registry and StarRocks emulator,
        replicate a Debezium inventory database and verify the result.
  starcdc version
        Print the module version, the VCS commit and the Go version.
  starcdc healthcheck [--timeout D] URL
        GET URL (e.g. http://127.0.0.1:9464/ready) and exit 0 on a 2xx answer,
        1 otherwise: a container healthcheck that needs no shell or curl.
  starcdc help [COMMAND]
        Print this text, or a command's usage and flags (as COMMAND -h).

Flags may come before or after the file arguments; -- ends the flags.

A CONNECTOR file may also be a Kafka Connect JSON connector config, as the
REST API takes it: {"name": "...", "config": {...}}, or a flat object of keys
with a "name" key. Files whose first non-blank character is '{' are read as
JSON, others as Java .properties.
`

// commands are the commands `starcdc help COMMAND` knows.
var commands = map[string]bool{"run": true, "check": true, "decode": true, "ddl": true, "demo": true, "version": true, "healthcheck": true}

// Exit codes: exitUsage for bad arguments, input or configuration (the
// user must change something), exitFailure for everything that fails
// while running (Kafka or StarRocks unreachable, a dead-letter topic that
// cannot be created, ...).
const (
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	// run and demo build their own from --log-level and --log-format.
	logger, _ := newLogger(stderr, slog.LevelInfo, "text")
	defer startProfile(stderr)()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(ctx, args[1:], stdout, stderr)
	case "decode":
		err = cmdDecode(ctx, args[1:], stdout, logger)
	case "ddl":
		err = cmdDDL(ctx, args[1:], stdout, logger)
	case "demo":
		err = cmdDemo(ctx, args[1:], stdout, stderr)
	case "check":
		err = cmdCheck(ctx, args[1:], stdout, logger)
	case "healthcheck":
		err = cmdHealthcheck(ctx, args[1:], stdout)
	case "version", "-version", "--version":
		err = cmdVersion(args[1:], stdout)
	case "help", "-h", "-help", "--help":
		switch {
		case len(args) == 1:
			fmt.Fprint(stdout, usage)
			return 0
		case len(args) == 2 && commands[args[1]]:
			return run([]string{args[1], "-h"}, stdout, stderr)
		}
		fmt.Fprintf(stderr, "starcdc help: unknown command %q\n\n%s", strings.Join(args[1:], " "), usage)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "starcdc: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "starcdc %s: %s\n", args[0], operatorText(err))
		return exitCode(err)
	}
	return 0
}

// exitCode is exitUsage for a usage error or an invalid configuration
// (an error wrapping config.ErrInvalid), else exitFailure.
func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, config.ErrInvalid) {
		return exitUsage
	}
	return exitFailure
}

// loadConfig reads the configuration files of a command and checks them
// completely: config.Load, then replicator.Check (converters, transforms,
// routing). run, decode and ddl all load their files with it, so that they
// accept and reject the same files with the same list of problems. Warnings
// are logged; the error wraps config.ErrInvalid unless a file cannot be
// read.
func loadConfig(files []string, logger *slog.Logger) (*config.Config, error) {
	cfg, warnings, err := config.Load(files...)
	for _, w := range warnings {
		logger.Warn("configuration", "file", w.File, "key", w.Key, "note", w.Message)
	}
	if err == nil {
		err = replicator.Check(cfg)
	}
	if err != nil {
		if errors.Is(err, config.ErrInvalid) {
			return nil, fmt.Errorf("invalid configuration:\n%w", err)
		}
		return nil, usageError{err} // a file that cannot be read
	}
	return cfg, nil
}

// usageError marks errors of arguments or input (exit code 2).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }
