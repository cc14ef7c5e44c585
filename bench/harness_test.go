package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
)

// TestMain lets the test binary be the bare consumer child, as the bench
// binary is: the harness re-executes its own executable.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == bareChildArg {
		if err := runBareChild(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "bare consumer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestHarness runs the whole harness with a few records of every format,
// the emulator storing rows: every record's row reaches StarRocks in each
// format (the harness checks starcdc_load_rows_total and the emulator's
// loaded-row count; this test checks the tables' contents after each
// format), and every measurement is taken.
func TestHarness(t *testing.T) {
	const n = 2000
	var checked []string
	cfg := Config{
		Records: n, Formats: Formats, Keep: true,
		FreshRate: 500, FreshFor: time.Second,
		Backlog: 300, SlowLoad: 200 * time.Millisecond,
		Loaded: func(format string, em *starrocks.Emulator) error {
			checked = append(checked, format)
			return checkTables(em, n)
		},
	}
	if testing.Verbose() {
		cfg.Log = os.Stderr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(checked) != fmt.Sprint(Formats) {
		t.Errorf("tables checked after %v, want after each of %v", checked, Formats)
	}
	if len(rep.Results) != len(Formats) {
		t.Fatalf("%d results, want %d", len(rep.Results), len(Formats))
	}
	for _, r := range rep.Results {
		if r.Loaded != n {
			t.Errorf("%s: starcdc loaded %v rows, want %d", r.Format, r.Loaded, n)
		}
		for what, p := range map[string]procResult{"bare": r.Bare, "starcdc": r.Starcdc} {
			if p.Wall <= 0 || p.CPU <= 0 || p.MaxRSS <= 0 {
				t.Errorf("%s %s: %+v, want a wall time, CPU time and peak RSS", r.Format, what, p)
			}
		}
		for what, p := range map[string]inProc{"core": r.Core, "naive": r.Naive} {
			if p.Rows != n || p.Bytes != r.Bytes || p.Wall <= 0 || p.Mallocs == 0 {
				t.Errorf("%s %s: %+v, want %d rows over %d bytes", r.Format, what, p, n, r.Bytes)
			}
		}
	}
	if f := rep.Freshness; f == nil || f.Records != 500 || f.Err != nil || !(f.P50 > 0 && f.P50 <= f.P99) {
		t.Errorf("freshness run: %+v, want 500 records and 0 < p50 ≤ p99", f)
	}
	if m := rep.Memory; m == nil || m.Starcdc.MaxRSS <= 0 || m.MaxBytes != 64<<20 || m.Slowed == 0 {
		t.Errorf("memory run: %+v, want a peak RSS, the default 64 MiB bufferflush.maxbytes and loads answered late", m)
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	if _, err := Run(context.Background(), Config{Records: 10, Formats: []string{"avro", "xml"}}); err == nil || !strings.Contains(err.Error(), `unknown format "xml"`) {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := Run(context.Background(), Config{Records: 0, Formats: Formats}); err == nil {
		t.Error("0 records: no error")
	}
}

// checkTables checks that the tables hold exactly the rows the first n
// events leave: each event has its own primary key, so a create or an
// update leaves its after image and a delete leaves nothing.
func checkTables(em *starrocks.Emulator, n int) error {
	want := map[string]map[string]map[string]any{}
	for _, t := range Tables {
		want[t] = map[string]map[string]any{}
	}
	for i := 0; i < n; i++ {
		ev := genEvent(i)
		if ev.After != nil {
			r := ev.After
			want[Tables[ev.Table]][fmt.Sprint(r.ID)] = map[string]any{
				"id": fmt.Sprint(r.ID), "name": r.Name, "email": r.Email,
				"amount":     fmt.Sprintf("%d.%02d", r.Amount/100, r.Amount%100),
				"created_at": time.UnixMicro(r.CreatedAt).UTC().Format("2006-01-02 15:04:05.000000"),
				"birth":      time.Unix(int64(r.Birth)*86400, 0).UTC().Format("2006-01-02"),
				"visits":     fmt.Sprint(r.Visits), "score": fmt.Sprint(r.Score),
				"active": map[bool]string{true: "1", false: "0"}[r.Active], "attrs": r.Attrs,
			}
		}
	}
	for _, t := range Tables {
		rows, err := em.Rows(Database, t)
		if err != nil {
			return err
		}
		if len(rows) != len(want[t]) {
			return fmt.Errorf("table %s holds %d rows, want %d", t, len(rows), len(want[t]))
		}
		for _, got := range rows {
			w, ok := want[t][fmt.Sprint(got["id"])]
			if !ok {
				return fmt.Errorf("table %s: unexpected row %v", t, got)
			}
			if fmt.Sprint(got) != fmt.Sprint(w) {
				return fmt.Errorf("table %s: row\n%v\nwant\n%v", t, got, w)
			}
		}
	}
	return nil
}
