package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/starcdc/starcdc/decode"

	"github.com/starcdc/starcdc/loader"
	"github.com/starcdc/starcdc/pipeline"
)

// cmdDecode prints, per row a raw record yields, "<db>.<table>\t<row>" with
// the row exactly as it goes into the Stream Load body. This output is a
// stable contract.
var decodeHelp = cmdHelp{
	synopsis: "decode CONNECTOR.properties --topic T --value FILE [--key FILE] [--value-schema-id HEX] [--key-schema-id HEX]",
	about: `Decode one raw Kafka record with the connector's converters and transforms and
print each row it yields as <db>.<table> TAB <Stream Load row>, with a third
field when the row needs its own load headers. Nothing is printed for a record
that yields no row; undecodable input exits 2.`,
	args: `  CONNECTOR.properties   the connector's keys (one file, worker keys included),
                         as .properties or a Kafka Connect JSON connector config`,
}

func cmdDecode(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	fs := newFlagSet("decode")
	topic := fs.String("topic", "", "topic the record was read from")
	valueFile := fs.String("value", "", "file holding the raw record value (empty file: null value)")
	keyFile := fs.String("key", "", "file holding the raw record key")
	keyID := fs.String("key-schema-id", "", "hex value of the record's "+decode.KeySchemaIDHeader+" header, if it has one")
	valueID := fs.String("value-schema-id", "", "hex value of the record's "+decode.ValueSchemaIDHeader+" header, if it has one")
	args, err := parseArgs(fs, decodeHelp, args, stdout)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return usageError{errors.New("usage: starcdc " + decodeHelp.synopsis)}
	}
	props := args[0]
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
	in := pipeline.Input{Topic: *topic, Key: key, Value: value, Timestamp: -1}
	for name, h := range map[string]string{decode.KeySchemaIDHeader: *keyID, decode.ValueSchemaIDHeader: *valueID} {
		if h == "" {
			continue
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return usageError{fmt.Errorf("--key-schema-id/--value-schema-id take the %s header value as hex (01 and the 32 hex digits of the GUID, or 00 and 8 of the ID): %w", name, err)}
		}
		in.SetSchemaIDHeader(name, b)
	}
	var out []byte
	_, _, err = p.RowsOf(ctx, in, nil, func(table string, h loader.Headers, row []byte) {
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
