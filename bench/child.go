package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// procResult is what a child process cost: its wall time until the
// harness saw its work done, its CPU time (user + system) from its rusage,
// and its peak RSS.
//
// The peak RSS is the process's VmHWM (/proc/PID/status), not rusage's
// Maxrss: Go starts a child with vfork (CLONE_VM), so at exec the kernel
// folds the parent's high-water RSS (here: the stack and the records held
// in memory, gigabytes) into the child's Maxrss. VmHWM belongs to the
// child's own address space.
type procResult struct {
	Wall   time.Duration
	CPU    time.Duration
	MaxRSS int64 // bytes
	// Stack is the CPU time the bench process itself (kfake, the
	// registry, the StarRocks emulator) spent meanwhile: on a 2-core
	// machine the child and the stack share the cores.
	Stack time.Duration
}

// cpuTime is the user + system time of a child's rusage.
func cpuTime(ps *os.ProcessState) time.Duration {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	tv := func(t syscall.Timeval) time.Duration {
		return time.Duration(t.Sec)*time.Second + time.Duration(t.Usec)*time.Microsecond
	}
	return tv(ru.Utime) + tv(ru.Stime)
}

// vmHWM reads the peak RSS (VmHWM) of a process from /proc/PID/status
// ("self" for this one); 0 when it cannot be read.
func vmHWM(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v) // "123456 kB"
			if len(f) > 0 {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb * 1024
				}
			}
		}
	}
	return 0
}

// bareChildArg is the hidden first argument that makes the bench binary
// the bare consumer child (see runBareChild).
const bareChildArg = "__bare-consumer"

// bareArgs are the bare consumer's arguments, passed as JSON.
type bareArgs struct {
	Brokers []string
	Group   string
	Topics  []string
	Records int
}

// runBareChild is the bare consumer: a franz-go group consumer with
// default settings that reads every record of the topics (summing their
// key and value sizes so that each is touched), then exits. It prints the records
// and bytes it read.
func runBareChild(arg string) error {
	var a bareArgs
	if err := json.Unmarshal([]byte(arg), &a); err != nil {
		return err
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(a.Brokers...), kgo.ConsumerGroup(a.Group), kgo.ConsumeTopics(a.Topics...))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	n, size := 0, 0
	for n < a.Records {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read %d of %d records: %w", n, a.Records, err)
		}
		fs.EachError(func(t string, p int32, err error) {
			fmt.Fprintf(os.Stderr, "bare consumer: %s[%d]: %v\n", t, p, err)
		})
		fs.EachRecord(func(r *kgo.Record) {
			n++
			size += len(r.Key) + len(r.Value)
		})
	}
	fmt.Printf("%d %d %d\n", n, size, vmHWM("self"))
	return nil
}

// runBare runs the bare consumer as a child process of exe (the bench
// binary itself) until it has read records records.
func runBare(ctx context.Context, exe string, a bareArgs) (procResult, error) {
	arg, err := json.Marshal(a)
	if err != nil {
		return procResult{}, err
	}
	cmd := exec.CommandContext(ctx, exe, bareChildArg, string(arg))
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return procResult{}, fmt.Errorf("bare consumer: %w: %s", err, errb.String())
	}
	r := procResult{Wall: time.Since(start)}
	r.CPU = cpuTime(cmd.ProcessState)
	var n, size int
	if _, err := fmt.Sscan(out.String(), &n, &size, &r.MaxRSS); err != nil || n != a.Records {
		return r, fmt.Errorf("bare consumer printed %q, want %d records", out.String(), a.Records)
	}
	return r, nil
}

// starcdcProc is a running `starcdc run` child process.
type starcdcProc struct {
	cmd     *exec.Cmd
	start   time.Time
	hwm     atomic.Int64 // the highest VmHWM read so far
	mu      sync.Mutex
	metrics string // URL of its /metrics, from its log
	log     strings.Builder
	done    chan struct{}
	waitErr error
}

// startStarcdc writes props to dir/connector.properties and starts `bin
// run --metrics-addr 127.0.0.1:0` on it.
func startStarcdc(bin, dir string, props map[string]string, env []string) (*starcdcProc, error) {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	file := filepath.Join(dir, props["name"]+".properties")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		return nil, err
	}
	p := &starcdcProc{cmd: exec.Command(bin, "run", "--metrics-addr", "127.0.0.1:0", file), done: make(chan struct{})}
	if len(env) > 0 {
		p.cmd.Env = append(os.Environ(), env...)
	}
	pipe, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	pid := strconv.Itoa(p.cmd.Process.Pid)
	go func() { // VmHWM can only be read while the process lives
		for {
			p.hwm.Store(max(p.hwm.Load(), vmHWM(pid)))
			select {
			case <-p.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			if p.log.Len() < 1<<20 {
				p.log.WriteString(line + "\n")
			}
			if _, url, ok := strings.Cut(line, `msg="serving Prometheus metrics" url=`); ok && p.metrics == "" {
				p.metrics = strings.TrimSpace(url)
			}
			p.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, pipe)
		p.waitErr = p.cmd.Wait()
	}()
	return p, nil
}

// metricsURL waits until the process has logged its metrics address.
func (p *starcdcProc) metricsURL(ctx context.Context) (string, error) {
	for {
		p.mu.Lock()
		u := p.metrics
		p.mu.Unlock()
		if u != "" {
			return u, nil
		}
		select {
		case <-p.done:
			return "", fmt.Errorf("starcdc exited before serving metrics: %v\n%s", p.waitErr, p.logText())
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (p *starcdcProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// exited reports whether the process has ended (with its error).
func (p *starcdcProc) exited() (bool, error) {
	select {
	case <-p.done:
		return true, fmt.Errorf("starcdc exited: %v\n%s", p.waitErr, p.logText())
	default:
		return false, nil
	}
}

// stop sends SIGTERM and waits for the process to exit; wall is the time
// from start to workDone.
func (p *starcdcProc) stop(workDone time.Time) (procResult, error) {
	r := procResult{Wall: workDone.Sub(p.start)}
	p.hwm.Store(max(p.hwm.Load(), vmHWM(strconv.Itoa(p.cmd.Process.Pid))))
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return r, errors.New("starcdc did not stop within 30 s of SIGTERM")
	}
	r.CPU, r.MaxRSS = cpuTime(p.cmd.ProcessState), p.hwm.Load()
	if p.waitErr != nil {
		return r, fmt.Errorf("starcdc: %v\n%s", p.waitErr, p.logText())
	}
	return r, nil
}

// kill ends the process without waiting for a clean stop (error paths).
func (p *starcdcProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// counterSum reads the sum of every series of the counter or gauge name
// from Prometheus text.
func counterSum(text, name string) (float64, bool) {
	sum, found := 0.0, false
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		f := strings.Fields(line)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
			sum, found = sum+v, true
		}
	}
	return sum, found
}
