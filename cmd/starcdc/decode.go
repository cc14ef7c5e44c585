package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/pipeline"
)

// cmdDecode prints, per row a raw record yields, "<db>.<table>\t<row>" with
// the row exactly as it goes into the Stream Load body. This output is a
// stable contract.
func cmdDecode(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	topic := fs.String("topic", "", "topic the record was read from")
	valueFile := fs.String("value", "", "file holding the raw record value (empty file: null value)")
	keyFile := fs.String("key", "", "file holding the raw record key")
	if len(args) == 0 {
		return usageError{errors.New("usage: starcdc decode CONNECTOR.properties --topic T --value FILE [--key FILE]")}
	}
	props := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{fmt.Errorf("%w; usage: starcdc decode CONNECTOR.properties --topic T --value FILE [--key FILE]", err)}
	}
	if *topic == "" || *valueFile == "" {
		return usageError{errors.New("--topic and --value are required")}
	}
	cfg, err := loadConfig([]string{props}, logger)
	if err != nil {
		return err
	}
	c := cfg.Connectors[0]
	p, err := pipeline.NewPipeline(c, nil)
	if err != nil {
		return err
	}
	value, err := os.ReadFile(*valueFile)
	if err != nil {
		return usageError{err}
	}
	if len(value) == 0 {
		value = nil
	}
	var key []byte
	if *keyFile != "" {
		if key, err = os.ReadFile(*keyFile); err != nil {
			return usageError{err}
		}
		if len(key) == 0 {
			key = nil
		}
	}
	var out []byte
	_, _, err = p.Rows(ctx, *topic, key, value, nil, func(table string, h loader.Headers, row []byte) {
		out = fmt.Appendf(out, "%s.%s\t%s", c.Database, table, row)
		// Rows that need their own load headers say so in a third field.
		switch {
		case h.PartialUpdate:
			out = fmt.Appendf(out, "\tpartial_update columns=%s", h.Columns)
		case h.Columns != "":
			out = fmt.Appendf(out, "\tcolumns=%s", h.Columns)
		}
		out = append(out, '\n')
	})
	if err != nil {
		return usageError{fmt.Errorf("topic %s, value %s: %w", *topic, *valueFile, err)}
	}
	_, err = stdout.Write(out)
	return err
}
