package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"time"
)

// cpuModel is the first "model name" of /proc/cpuinfo ("unknown" elsewhere).
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// loadAvg is the 1-minute load average from /proc/loadavg ("?" elsewhere).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func perSec(n float64, d time.Duration) float64 {
	if d <= 0 {
		return math.NaN()
	}
	return n / d.Seconds()
}

func fmtRate(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// WriteMarkdown writes the report as Markdown: the machine and command,
// the main table, then the freshness and memory runs.
func WriteMarkdown(w io.Writer, rep *Report, command string) {
	fmt.Fprintf(w, "`%s` — GOMAXPROCS=%d, %s, %s/%s, %s; load average at start %s; elapsed %.0fs\n\n",
		command, runtime.GOMAXPROCS(0), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), rep.LoadAvg, rep.Elapsed.Seconds())
	fmt.Fprintln(w, "| format | measure | records | rows/s | MB/s | CPU s / M rows | allocs/row | peak RSS | ratio |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|---|")
	for _, r := range rep.Results {
		n, mb := float64(r.Records), float64(r.Bytes)/1e6
		cpuPerM := func(cpu time.Duration, rows int) string {
			return fmt.Sprintf("%.2f", cpu.Seconds()/float64(rows)*1e6)
		}
		proc := func(label string, p procResult, ratio string) {
			fmt.Fprintf(w, "| %s | %s | %d | %s | %.0f | %s | – | %s | %s |\n", r.Format, label, r.Records,
				fmtRate(perSec(n, p.Wall)), perSec(mb, p.Wall), cpuPerM(p.CPU, r.Records), mib(p.MaxRSS), ratio)
		}
		in := func(label string, p inProc, ratio string) {
			fmt.Fprintf(w, "| %s | %s | %d | %s | %.0f | %s | %.1f | – | %s |\n", r.Format, label, p.Rows,
				fmtRate(perSec(float64(p.Rows), p.Wall)), perSec(float64(p.Bytes)/1e6, p.Wall), cpuPerM(p.CPU, p.Rows),
				float64(p.Mallocs)/float64(max(p.Rows, 1)), ratio)
		}
		// Throughput ratios: by wall time, and by CPU time per row, which
		// varies less when other processes share the cores.
		busy := func(p procResult) string {
			return fmt.Sprintf("cores busy %.2f + stack %.2f", p.CPU.Seconds()/p.Wall.Seconds(), p.Stack.Seconds()/p.Wall.Seconds())
		}
		proc("(a) bare consumer", r.Bare, busy(r.Bare))
		proc("(b) starcdc end to end", r.Starcdc, fmt.Sprintf("b/a %.2f (CPU %.2f); %s",
			r.Bare.Wall.Seconds()/r.Starcdc.Wall.Seconds(), r.Bare.CPU.Seconds()/r.Starcdc.CPU.Seconds(), busy(r.Starcdc)))
		in("(c) decode+encode core", r.Core, "")
		in("(d) naive maps + encoding/json", r.Naive, fmt.Sprintf("c/d %.2f (CPU %.2f)",
			r.Naive.Wall.Seconds()/r.Core.Wall.Seconds(),
			r.Naive.CPU.Seconds()/float64(r.Naive.Rows)/(r.Core.CPU.Seconds()/float64(r.Core.Rows))))
	}
	if f := rep.Freshness; f != nil {
		fmt.Fprintf(w, "\nFreshness (avro, %d records at %d/s for %.0f s, bufferflush.intervalms=1000): ", f.Records, f.Rate, f.For.Seconds())
		if f.Err != nil {
			fmt.Fprintf(w, "not measured: %v\n", f.Err)
		} else {
			fmt.Fprintf(w, "p50 %.3f s, p99 %.3f s from Kafka timestamp to load acknowledged\n", f.P50, f.P99)
		}
	}
	if m := rep.Memory; m != nil {
		verdict := "within"
		if m.Starcdc.MaxRSS > m.MaxBytes+64<<20 {
			verdict = "ABOVE"
		}
		fmt.Fprintf(w, "\nSlow StarRocks (avro, backlog of %d records, every load answered after %s): starcdc peak RSS %s with bufferflush.maxbytes %s (%s the target maxbytes + 64 MiB); %d loads, drained in %.1f s\n",
			m.Records, m.SlowLoad, mib(m.Starcdc.MaxRSS), mib(m.MaxBytes), verdict, m.Slowed, m.Starcdc.Wall.Seconds())
	}
}
