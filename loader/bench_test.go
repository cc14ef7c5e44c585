package loader

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
)

// discardSR is the StarRocks emulator in discard mode (bodies read and
// thrown away, the protocol otherwise real) with the tables named, and
// user u / password p. delay, when set, slows every Stream Load reply.
func discardSR(tb testing.TB, delay time.Duration, tables ...string) *starrocks.Emulator {
	em, err := starrocks.Start(starrocks.Config{Users: map[string]string{"u": "p"}, Discard: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { em.Close() })
	if err := em.CreateDatabase("db"); err != nil {
		tb.Fatal(err)
	}
	for _, t := range tables {
		if err := em.CreateTable("db", t, []starrocks.Column{{Name: "id", Type: "BIGINT"}}, []string{"id"}); err != nil {
			tb.Fatal(err)
		}
	}
	if delay > 0 {
		em.Inject(starrocks.Fault{Op: "stream_load", Times: math.MaxInt32, Kind: starrocks.FaultSlow, Delay: delay})
	}
	return em
}

func benchRows(size, n int) [][]byte {
	rows := make([][]byte, n)
	for i := range rows {
		head := fmt.Sprintf(`{"id":%d,"name":"row-%d","pad":"`, i, i)
		rows[i] = []byte(head + strings.Repeat("x", size-len(head)-2) + `"}`)
	}
	return rows
}

// BenchmarkThroughput measures the Loader's throughput in MB/s of encoded
// rows (1 KiB JSON rows, one table) into the StarRocks emulator in discard
// mode, and a bare HTTP PUT loop sending prebuilt bodies of the Loader's load size
// (MaxBytes/2) to the same endpoint. Each op runs one 512 MiB round of
// each, interleaved, so machine noise hits both alike. Metrics:
// loader_MB/s and bare_MB/s over all rounds, and ratio, the median of the
// per-round ratios loader/bare (robust against other processes); a Loader
// round includes filling the pipeline and the final Flush. Run with
// -benchtime 8x or more. loader_cpu_s/GB and bare_cpu_s/GB are the CPU
// seconds the process (endpoint included) spent per GB.
func BenchmarkThroughput(b *testing.B) {
	em := discardSR(b, 0, "t")
	const rowSize = 1024
	const perRound = 512 << 20
	const maxBytes = 64 << 20
	rows := benchRows(rowSize, 1024)
	l, err := New(Options{URLs: []string{em.FEURL()}, Username: "u", Password: "p", Database: "db",
		MinLoadInterval: -1, FlushInterval: -1, MaxBytes: maxBytes})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	bodySize := maxBytes / 2
	body := bytes.Repeat(rows[0][:rowSize-1], bodySize/(rowSize-1))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, WriteBufferSize: 256 << 10, ExpectContinueTimeout: 3 * time.Second}}
	defer client.CloseIdleConnections()

	var loaderDur, bareDur, loaderCPU, bareCPU time.Duration
	var ratios []float64
	b.SetBytes(perRound)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start, cpu := time.Now(), cpuTime()
		for j := range perRound / rowSize {
			l.Append("t", rows[j%len(rows)])
		}
		if err := l.Flush(context.Background(), fmt.Sprint("r", i)); err != nil {
			b.Fatal(err)
		}
		ld := time.Since(start)
		loaderDur += ld
		loaderCPU += cpuTime() - cpu

		start, cpu = time.Now(), cpuTime()
		for sent := 0; sent < perRound; {
			n := min(len(body), perRound-sent)
			// What a minimal correct client does: PUT to the FE with
			// Expect: 100-continue (so the FE's redirect comes before the
			// body) and follow the 307 to the BE.
			req, _ := http.NewRequest(http.MethodPut, em.FEURL()+"/api/db/t/_stream_load", bytes.NewReader(body[:n]))
			req.SetBasicAuth("u", "p")
			req.Header.Set("Expect", "100-continue")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			sent += n
		}
		bd := time.Since(start)
		bareDur += bd
		bareCPU += cpuTime() - cpu
		ratios = append(ratios, bd.Seconds()/ld.Seconds())
	}
	slices.Sort(ratios)
	mb := float64(b.N) * perRound / 1e6
	lr, br := mb/loaderDur.Seconds(), mb/bareDur.Seconds()
	b.ReportMetric(lr, "loader_MB/s")
	b.ReportMetric(br, "bare_MB/s")
	b.ReportMetric(ratios[len(ratios)/2], "ratio")
	gb := mb / 1e3
	b.ReportMetric(loaderCPU.Seconds()/gb, "loader_cpu_s/GB")
	b.ReportMetric(bareCPU.Seconds()/gb, "bare_cpu_s/GB")
}

// BenchmarkOverloadMemory appends far faster than a slow endpoint accepts
// (every load takes 20 ms) across 8 tables and reports the peak heap in
// use and the peak BufferedBytes against the 16 MiB budget.
func BenchmarkOverloadMemory(b *testing.B) {
	tables := []string{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"}
	em := discardSR(b, 20*time.Millisecond, tables...)
	const budget = 16 << 20
	rows := benchRows(512, 256)
	l, err := New(Options{URLs: []string{em.FEURL()}, Username: "u", Password: "p", Database: "db",
		MinLoadInterval: -1, FlushInterval: -1, MaxBytes: budget, ChunkBytes: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peakHeap, peakLive, peakBuf uint64
	var ms runtime.MemStats
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range 64 << 10 { // 32 MiB per op through a 16 MiB budget
			l.Append(tables[j%8], rows[j%len(rows)])
			if j%4096 == 0 {
				runtime.ReadMemStats(&ms)
				peakHeap = max(peakHeap, ms.HeapInuse)
				peakBuf = max(peakBuf, uint64(l.BufferedBytes()))
			}
			if j%16384 == 0 { // live heap: after a collection
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peakLive = max(peakLive, ms.HeapAlloc)
			}
		}
	}
	if err := l.Flush(context.Background(), "end"); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(peakHeap-min(peakHeap, base.HeapInuse))/(1<<20), "peak_heap_growth_MiB")
	b.ReportMetric(float64(peakLive-min(peakLive, base.HeapAlloc))/(1<<20), "peak_live_heap_growth_MiB")
	b.ReportMetric(float64(peakBuf)/(1<<20), "peak_buffered_MiB")
	b.ReportMetric(float64(budget)/(1<<20), "budget_MiB")
}
