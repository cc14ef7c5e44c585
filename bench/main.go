package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == bareChildArg {
		if err := runBareChild(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "bare consumer:", err)
			os.Exit(1)
		}
		return
	}
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	n := fs.Int("n", 1_000_000, "change events per format")
	inproc := fs.Int("inproc", 250_000, "records the in-process passes (c) and (d) run over (the first of the -n produced; 0: all)")
	formats := fs.String("formats", strings.Join(Formats, ","), "formats to measure, comma-separated")
	freshRate := fs.Int("fresh-rate", 5000, "freshness run: records per second (0 skips the run)")
	freshFor := fs.Duration("fresh-for", 20*time.Second, "freshness run: how long records are produced")
	backlog := fs.Int("backlog", 500_000, "slow-StarRocks run: records produced before starcdc starts (0 skips the run)")
	slow := fs.Duration("slow-load", 3*time.Second, "slow-StarRocks run: delay of every load's reply")
	set := map[string]string{}
	fs.Func("set", "`key=value`: a connector key for every starcdc run (repeatable), e.g. starrocks.delivery=at_least_once", func(kv string) error {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("want key=value, got %q", kv)
		}
		set[k] = v
		return nil
	})
	var env []string
	fs.Func("env", "`KEY=VALUE`: an environment variable of every starcdc run (repeatable), e.g. GOMEMLIMIT=128MiB", func(kv string) error {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("want KEY=VALUE, got %q", kv)
		}
		env = append(env, kv)
		return nil
	})
	_ = fs.Parse(os.Args[1:])

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := Config{
		Records: *n, InProc: *inproc, Formats: strings.Split(*formats, ","),
		FreshRate: *freshRate, FreshFor: *freshFor,
		Backlog: *backlog, SlowLoad: *slow,
		Set: set, Env: env, Log: os.Stderr,
	}
	rep, err := Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	WriteMarkdown(os.Stdout, rep, strings.Join(append([]string{"go run ./bench"}, os.Args[1:]...), " "))
}
