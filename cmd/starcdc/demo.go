package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/replicator"
)

// cmdDemo runs the whole path in-process: Kafka (kfake), a schema registry
// (srfake) and the StarRocks emulator; Debezium inventory events in
// JsonConverter format; the replicator, which creates the tables and adds a
// column that appears mid-stream, until the topics are drained; then it
// prints and verifies the tables.
var demoHelp = cmdHelp{
	synopsis: "demo [--keep-running]",
	about: `Start, in-process on 127.0.0.1, Kafka, a schema registry and the StarRocks
emulator; produce Debezium events for an inventory database; replicate them
with the Java connector's Debezium configuration plus table creation; print the
tables and verify them. Exits 0 only if they match.`,
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo")
	keep := fs.Bool("keep-running", false, "leave the stack and the replicator running and print their addresses")
	lf := addLogFlags(fs)
	pos, err := parseArgs(fs, demoHelp, args, stdout)
	if err != nil {
		return err
	}
	logger, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{errors.New("usage: starcdc " + demoHelp.synopsis)}
	}
	start := time.Now()
	stack, err := devstack.Start(devstack.Options{})
	if err != nil {
		return err
	}
	defer stack.Close()
	inv := devstack.NewInventory()
	if err := stack.Produce(ctx, inv.Records...); err != nil {
		return fmt.Errorf("producing the demo events: %w", err)
	}
	props := map[string]string{
		"bootstrap.servers":                      strings.Join(stack.Brokers(), ","),
		"name":                                   "starrocks-kafka-connector",
		"connector.class":                        "com.starrocks.connector.kafka.StarRocksSinkConnector",
		"topics":                                 strings.Join(inv.Topics(), ","),
		"starrocks.http.url":                     strings.TrimPrefix(stack.StarRocks.FEURL(), "http://"),
		"starrocks.username":                     "root",
		"starrocks.password":                     "",
		"starrocks.database.name":                devstack.Database,
		"starrocks.topic2table.map":              inv.Topic2Table(),
		"key.converter":                          "org.apache.kafka.connect.json.JsonConverter",
		"value.converter":                        "org.apache.kafka.connect.json.JsonConverter",
		"key.converter.schemas.enable":           "true",
		"value.converter.schemas.enable":         "true",
		"bufferflush.intervalms":                 "1000",
		"sink.properties.strip_outer_array":      "true",
		"transforms":                             "addfield,unwrap",
		"transforms.addfield.type":               "com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord",
		"transforms.unwrap.type":                 "io.debezium.transforms.ExtractNewRecordState",
		"transforms.unwrap.drop.tombstones":      "true",
		"transforms.unwrap.delete.handling.mode": "rewrite",
		// starcdc's own: create the tables from the Debezium schemas and
		// add the column that appears mid-stream.
		"starrocks.auto.create.tables":    "true",
		"starrocks.table.replication.num": "1", // the emulator has one BE
		"starrocks.mysql.url":             stack.StarRocks.MySQLAddr(),
	}
	cfg, _, err := config.FromMap(props)
	if err != nil {
		return fmt.Errorf("demo configuration: %w", err)
	}
	rep, err := replicator.FromConfig(cfg.Worker, cfg.Connectors[0], logger, nil)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- rep.Run(rctx) }()

	group := replicator.GroupID(cfg.Connectors[0].Name)
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	err = devstack.WaitDrained(wctx, stack.Brokers(), group, inv.Topics()...)
	wcancel()
	if err != nil {
		cancel()
		return errors.Join(err, <-done)
	}
	if *keep {
		fmt.Fprintf(stdout, "starcdc demo is running (Ctrl-C to stop):\n  Kafka bootstrap:    %s\n  schema registry:    %s\n  StarRocks FE HTTP:  %s (user root, empty password, database %s)\n  StarRocks MySQL:    %s (mysql -h127.0.0.1 -P%s -uroot)\n  consumer group:     %s\n  topics:             %s\n",
			strings.Join(stack.Brokers(), ","), stack.Registry.URL(), stack.StarRocks.FEURL(), devstack.Database, stack.StarRocks.MySQLAddr(), port(stack.StarRocks.MySQLAddr()), group, strings.Join(inv.Topics(), ", "))
		<-ctx.Done()
		cancel()
		return <-done
	}
	cancel()
	if err := <-done; err != nil {
		return err
	}
	elapsed := time.Since(start)

	var mismatches []string
	loads := int64(0)
	rows := 0
	for _, t := range inv.Tables {
		got, err := stack.StarRocks.Rows(devstack.Database, t.Name)
		if err != nil {
			return err
		}
		loads += stack.StarRocks.Stats(devstack.Database, t.Name).Loads
		rows += len(got)
		printTable(stdout, t, got)
		want := inv.Expected[t.Name]
		for _, w := range want {
			// delete.handling.mode=rewrite (the seed configuration) gives
			// every row __deleted, so the created table has that column.
			w["__deleted"] = "false"
		}
		if !reflect.DeepEqual(got, want) {
			mismatches = append(mismatches, fmt.Sprintf("table %s:\n  got  %v\n  want %v", t.Name, got, want))
		}
	}
	s := rep.Stats()
	fmt.Fprintf(stdout, "demo: %d events (%d Kafka records) → %d rows in %d tables, %d loads, %.2fs\n",
		inv.Events, s.Records, rows, len(inv.Tables), loads, elapsed.Seconds())
	if len(mismatches) > 0 {
		return fmt.Errorf("the StarRocks tables do not match the expected state:\n%s", strings.Join(mismatches, "\n"))
	}
	fmt.Fprintln(stdout, "demo: OK, every table matches the source database")
	return nil
}

func port(addr string) string {
	_, p, _ := strings.Cut(addr, ":")
	return p
}

func printTable(w io.Writer, t devstack.Table, rows []map[string]any) {
	cols := make([]string, len(t.Columns))
	width := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = c.Name
		width[i] = len(c.Name)
	}
	cell := func(v any) string {
		if v == nil {
			return "NULL"
		}
		return fmt.Sprint(v)
	}
	for _, r := range rows {
		for i, c := range cols {
			width[i] = max(width[i], len(cell(r[c])))
		}
	}
	line := func(vals []string) {
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v + strings.Repeat(" ", width[i]-len(v))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(parts, " | "))
	}
	fmt.Fprintf(w, "\n%s.%s (%d rows)\n", devstack.Database, t.Name, len(rows))
	line(cols)
	for _, r := range rows {
		vals := make([]string, len(cols))
		for i, c := range cols {
			vals[i] = cell(r[c])
		}
		line(vals)
	}
}
