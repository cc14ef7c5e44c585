package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
)

// every is the Times of a fault that never wears off.
const every = math.MaxInt

func TestFlushJSON(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		lis := &recListener{}
		o := f.opts()
		o.Listener = lis
		l := newLoader(t, o)
		l.Append("orders", []byte(`{"id":1,"name":"a"}`))
		l.Append("items", []byte(`{"id":7}`))
		l.Append("orders", []byte(`{"id":2,"name":"b","__op":1}`))
		if got := l.Seq(); got != 3 {
			t.Fatalf("Seq = %d, want 3", got)
		}
		if l.BufferedBytes() == 0 {
			t.Fatal("BufferedBytes = 0 after Append")
		}
		if err := l.Flush(testutil.Ctx(t), "t-0-15-99"); err != nil {
			t.Fatal(err)
		}
		if got, want := f.Loaded("orders"), []string{`{"id":1,"name":"a"}`, `{"id":2,"name":"b","__op":1}`}; !slices.Equal(got, want) {
			t.Fatalf("orders rows = %q, want %q", got, want)
		}
		if got := f.Loaded("items"); len(got) != 1 {
			t.Fatalf("items rows = %q", got)
		}
		if l.BufferedBytes() != 0 {
			t.Fatalf("BufferedBytes = %d after Flush", l.BufferedBytes())
		}
		if d := l.Durable(); d != 3 {
			t.Fatalf("Durable = %d, want 3", d)
		}
		for _, rq := range f.Requests() {
			h := rq.Header
			table := strings.Split(rq.Path, "/")[3]
			if want := Label("tst", table, "t-0-15-99"); testutil.NormLabel(h.Get("label")) != want {
				t.Errorf("label = %q, want %q", h.Get("label"), want)
			}
			for k, v := range map[string]string{"format": "json", "strip_outer_array": "true", "ignore_json_size": "true"} {
				if h.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, h.Get(k), v)
				}
			}
			if h.Get("Authorization") == "" {
				t.Error("no Authorization at the BE")
			}
			if rq.ContentLength != int64(len(rq.Body)) || len(rq.TransferEncoding) != 0 {
				t.Errorf("Content-Length %d for %d bytes, Transfer-Encoding %v", rq.ContentLength, len(rq.Body), rq.TransferEncoding)
			}
			if table == "orders" && string(rq.Body) != `[{"id":1,"name":"a"},{"id":2,"name":"b","__op":1}]` {
				t.Errorf("body = %s", rq.Body)
			}
		}
		ev := lis.All()
		if len(ev) != 2 {
			t.Fatalf("%d events, want 2", len(ev))
		}
		for _, e := range ev {
			if e.Err != nil || e.Attempt != 1 || e.Batch != "t-0-15-99" {
				t.Errorf("event %+v", e)
			}
			if e.Table == "orders" && (e.Rows != 2 || e.Seq != 3) {
				t.Errorf("orders event %+v", e)
			}
		}
		// Nothing buffered: no request.
		n := len(f.Requests())
		if err := l.Flush(testutil.Ctx(t), "t-0-100-100"); err != nil {
			t.Fatal(err)
		}
		if len(f.Requests()) != n {
			t.Fatal("empty Flush sent a request")
		}
	})
}

func TestFlushCSVDelimiter(t *testing.T) {
	for i, tc := range []struct {
		delim, header string
		sep           string
	}{
		{"", "", "\n"},
		{`\x02`, `\x02`, "\x02"},
		{`\x0d0a`, `\x0d0a`, "\r\n"},
		{"||", "||", "||"},
	} {
		withSR(t, map[string][]starrocks.Column{"t": csvCols}, func(t *testing.T, f *sr) {
			o := f.opts()
			o.Format = FormatCSV
			o.Headers = map[string]string{"column_separator": ","} // StarRocks' default is \t
			if tc.delim != "" {
				o.Headers["row_delimiter"] = tc.delim
			}
			l := newLoader(t, o)
			l.Append("t", []byte("1,a"))
			l.Append("t", []byte("2,b"))
			if err := l.Flush(testutil.Ctx(t), "b1"); err != nil {
				t.Fatalf("#%d: %v", i, err)
			}
			rq := f.Requests()[0]
			if want := "1,a" + tc.sep + "2,b" + tc.sep; string(rq.Body) != want {
				t.Errorf("#%d: body %q, want %q", i, rq.Body, want)
			}
			if rq.Header.Get("row_delimiter") != tc.header || rq.Header.Get("format") != "csv" {
				t.Errorf("#%d: headers %v", i, rq.Header)
			}
			if got := f.tableRows("t"); !slices.Equal(got, []string{"1,a", "2,b"}) {
				t.Errorf("#%d: rows %q", i, got)
			}
		})
	}
}

func TestAccessDeniedPermanent(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		o := f.opts()
		o.Password = "wrong-pass-XYZ"
		o.MaxRetries = 5
		var logBuf bytes.Buffer
		o.Logger = slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		lis := &recListener{}
		o.Listener = lis
		l := newLoader(t, o)
		l.Append("t", []byte(`{"id":1}`))
		err := l.Flush(testutil.Ctx(t), "b")
		var le *LoadError
		if !errors.As(err, &le) || !errors.Is(err, ErrPermanent) || le.Status != "HTTP 401" {
			t.Fatalf("err = %v", err)
		}
		if len(lis.All()) != 1 {
			t.Fatalf("%d attempts, want 1 (permanent)", len(lis.All()))
		}
		if strings.Contains(err.Error(), "wrong-pass-XYZ") || strings.Contains(logBuf.String(), "wrong-pass-XYZ") {
			t.Fatal("password leaked")
		}
		if !strings.Contains(err.Error(), "Password") {
			t.Errorf("error gives no advice: %v", err)
		}
		if l.BufferedBytes() == 0 {
			t.Fatal("rows dropped on error")
		}
	})
}

// TestFilteredRowsPermanentWithErrorLog: every row is bad (table t has a
// NOT NULL column v that no row fills).
func TestFilteredRowsPermanentWithErrorLog(t *testing.T) {
	withSR(t, map[string][]starrocks.Column{"t": badCols}, func(t *testing.T, f *sr) {
		o := f.opts()
		o.MaxRetries = 3
		lis := &recListener{}
		o.Listener = lis
		l := newLoader(t, o)
		l.Append("t", []byte(`{"id":1}`))
		l.Append("t", []byte(`{"name":"x"}`))
		err := l.Flush(testutil.Ctx(t), "b7")
		var le *LoadError
		if !errors.As(err, &le) || !le.Permanent || !le.BadRows || !errors.Is(err, ErrPermanent) || !errors.Is(err, ErrBadRows) {
			t.Fatalf("err = %v", err)
		}
		if !strings.Contains(le.ErrorLog, "NULL value in non-nullable column") || testutil.NormLabel(le.Label) != Label("tst", "t", "b7")+"-a" {
			t.Fatalf("LoadError %+v", le)
		}
		if !strings.Contains(err.Error(), "TakeFailed") {
			t.Fatalf("no advice: %v", err)
		}
		// The load and its two halves, each once: bad rows are not retried.
		if ev := lis.All(); len(ev) != 3 || testutil.NormLabel(ev[1].Label) != Label("tst", "t", "b7")+"-a" || testutil.NormLabel(ev[2].Label) != Label("tst", "t", "b7")+"-b" ||
			!ev[0].Split || ev[1].Split || ev[2].Split {
			t.Fatalf("events %+v", ev)
		}
		if f.loadedRows("t") != 0 {
			t.Fatal("rows applied")
		}
		if l.Durable() != 0 {
			t.Fatalf("Durable = %d after a failed load", l.Durable())
		}
		// Wait reports it and Append does not block.
		if err := l.Wait(testutil.Ctx(t)); !errors.Is(err, ErrBadRows) {
			t.Fatalf("Wait = %v", err)
		}
		// Flush does not retry bad rows.
		if err := l.Flush(testutil.Ctx(t), "b8"); !errors.Is(err, ErrBadRows) || len(lis.All()) != 3 {
			t.Fatalf("Flush again = %v, %d events", err, len(lis.All()))
		}
		rows, terr := l.TakeFailed("t")
		if len(rows) != 2 || string(rows[0]) != `{"id":1}` || string(rows[1]) != `{"name":"x"}` || !errors.Is(terr, ErrBadRows) {
			t.Fatalf("TakeFailed = %q, %v", rows, terr)
		}
		if l.Durable() != 2 || l.BufferedBytes() != 0 {
			t.Fatalf("Durable %d, Buffered %d", l.Durable(), l.BufferedBytes())
		}
		if err := l.Flush(testutil.Ctx(t), "b9"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestIsolationDisabled: with MaxIsolationLoads < 0 a bad-rows failure
// hands every row of the load to TakeFailed, after one attempt.
func TestIsolationDisabled(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		f.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultFilterRows, Times: 1})
		o := f.opts()
		o.MaxIsolationLoads = -1
		lis := &recListener{}
		o.Listener = lis
		l := newLoader(t, o)
		for i := range 10 {
			l.Append("t", fmt.Appendf(nil, `{"id":%d}`, i))
		}
		err := l.Flush(testutil.Ctx(t), "b")
		if !errors.Is(err, ErrBadRows) || !strings.Contains(err.Error(), "disabled") || len(lis.All()) != 1 {
			t.Fatalf("err = %v, %d events", err, len(lis.All()))
		}
		rows, _ := l.TakeFailed("t")
		if len(rows) != 10 {
			t.Fatalf("%d rows", len(rows))
		}
	})
}

// TestIsolationBudget: when every load fails, isolation stops after the
// budget of extra loads and hands the remaining parts over whole; every
// row is returned once, in order.
func TestIsolationBudget(t *testing.T) {
	withSR(t, map[string][]starrocks.Column{"t": badCols}, func(t *testing.T, f *sr) {
		o := f.opts()
		lis := &recListener{}
		o.Listener = lis
		l := newLoader(t, o)
		const n = 1000
		for i := range n {
			l.Append("t", fmt.Appendf(nil, `{"id":%d}`, i))
		}
		err := l.Flush(testutil.Ctx(t), "b")
		if !errors.Is(err, ErrBadRows) || !strings.Contains(err.Error(), "more failed loads") {
			t.Fatalf("err = %v", err)
		}
		budget := 8*10 + 8 // ⌈log2 1000⌉ = 10
		if got := len(lis.All()); got != 1+budget {
			t.Fatalf("%d loads, want %d", got, 1+budget)
		}
		rows, terr := l.TakeFailed("t")
		if len(rows) != n || !errors.Is(terr, ErrBadRows) || !strings.Contains(terr.Error(), "budget") {
			t.Fatalf("%d rows, %v", len(rows), terr)
		}
		for i, r := range rows {
			if string(r) != fmt.Sprintf(`{"id":%d}`, i) {
				t.Fatalf("row %d = %s", i, r)
			}
		}
		if l.Durable() != n || l.BufferedBytes() != 0 {
			t.Fatalf("Durable %d, Buffered %d", l.Durable(), l.BufferedBytes())
		}
		var labels []string
		for _, e := range lis.All() {
			if len(e.Label) > 128 {
				t.Fatalf("label %q too long", e.Label)
			}
			labels = append(labels, e.Label)
		}
		slices.Sort(labels)
		if len(slices.Compact(labels)) != 1+budget {
			t.Fatal("labels reused")
		}
	})
}

func TestTakeFailed(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) { // rows of table "bad" lack its NOT NULL v
		l := newLoader(t, f.opts())
		l.Append("bad", []byte(`{"id":1}`))
		l.Append("good", []byte(`{"id":2}`))
		l.Append("bad", []byte(`{"id":3}`))
		err := l.Flush(testutil.Ctx(t), "b")
		if !errors.Is(err, ErrPermanent) {
			t.Fatalf("err = %v", err)
		}
		if l.Durable() != 0 || l.TableDurable("bad") != 0 || l.TableDurable("good") != 3 || l.TableDurable("other") != 3 {
			t.Fatalf("Durable = %d, bad %d, good %d", l.Durable(), l.TableDurable("bad"), l.TableDurable("good"))
		}
		rows, terr := l.TakeFailed("bad")
		if !errors.Is(terr, ErrPermanent) || len(rows) != 2 || string(rows[0]) != `{"id":1}` || string(rows[1]) != `{"id":3}` {
			t.Fatalf("TakeFailed = %q, %v", rows, terr)
		}
		if rows, err := l.TakeFailed("good"); rows != nil || err != nil {
			t.Fatal("TakeFailed of a healthy table")
		}
		if l.Durable() != 3 || l.BufferedBytes() != 0 {
			t.Fatalf("Durable %d Buffered %d", l.Durable(), l.BufferedBytes())
		}
		if err := l.Flush(testutil.Ctx(t), "c"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTakeRejected: rows taken back carry their sequence numbers, so that
// the caller can tell where each came from.
func TestTakeRejected(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) { // rows of table "bad" lack its NOT NULL v
		l := newLoader(t, f.opts())
		l.Append("bad", []byte(`{"id":1}`))
		l.Append("good", []byte(`{"id":2}`))
		l.Append("bad", []byte(`{"id":3}`))
		if err := l.Flush(testutil.Ctx(t), "b"); !errors.Is(err, ErrBadRows) {
			t.Fatalf("err = %v", err)
		}
		rej, err := l.TakeRejected("bad")
		if !errors.Is(err, ErrBadRows) || len(rej) != 2 || rej[0].Seq != 1 || string(rej[0].Row) != `{"id":1}` || rej[1].Seq != 3 || string(rej[1].Row) != `{"id":3}` {
			t.Fatalf("TakeRejected = %+v, %v", rej, err)
		}
	})
}

// TestTakeFailedBlocking: a load failed for a non-data reason blocks its
// table; TakeFailed returns all its rows, and not as bad rows.
func TestTakeFailedBlocking(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		f.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultFail, Message: "Access denied for user", Times: 1})
		l := newLoader(t, f.opts())
		l.Append("t", []byte(`{"id":1}`))
		l.Append("t", []byte(`{"id":2}`))
		err := l.Flush(testutil.Ctx(t), "b")
		if !errors.Is(err, ErrPermanent) || errors.Is(err, ErrBadRows) {
			t.Fatalf("err = %v", err)
		}
		l.Append("t", []byte(`{"id":3}`))
		rows, terr := l.TakeFailed("t")
		if len(rows) != 2 || errors.Is(terr, ErrBadRows) {
			t.Fatalf("TakeFailed %q %v", rows, terr)
		}
		if err := l.Flush(testutil.Ctx(t), "c"); err != nil {
			t.Fatal(err)
		}
		if got := f.tableRows("t"); !slices.Equal(got, []string{`{"id":3}`}) {
			t.Fatalf("rows %q", got)
		}
	})
}

func TestRetryableStatuses(t *testing.T) {
	fault := func(k starrocks.FaultKind) starrocks.Fault {
		return starrocks.Fault{Op: "stream_load", Kind: k, Times: 1}
	}
	running := func(abort string) starrocks.Fault {
		f := fault(starrocks.FaultResetRunning)
		f.Delay, f.Message = time.Second, abort
		return f
	}
	for i, tc := range []struct {
		name   string
		faults []starrocks.Fault
		tries  int // attempts reported
	}{
		{"fail-then-ok", []starrocks.Fault{{Op: "stream_load", Kind: starrocks.FaultFail, Message: "current running txns on db 10 is 1000, larger than limit 1000", Times: 2}}, 3},
		{"fe500", []starrocks.Fault{fault(starrocks.FaultHTTP500)}, 2},
		{"publish-timeout", []starrocks.Fault{fault(starrocks.FaultPublishTimeout)}, 1},
		{"reset-after-commit", []starrocks.Fault{fault(starrocks.FaultResetAfterBody)}, 2},
		// The label stays running for 1 s, far longer than the first
		// backoff (≤ 200 ms), so the retry finds it running and polls.
		{"label-running-commits", []starrocks.Fault{running("")}, 2},
		{"label-running-aborts", []starrocks.Fault{running("load timed out")}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			withSR(t, nil, func(t *testing.T, f *sr) {
				for _, fl := range tc.faults {
					f.Inject(fl)
				}
				lis := &recListener{}
				o := f.opts()
				o.MaxRetries = 5
				o.Listener = lis
				l := newLoader(t, o)
				l.Append("t", []byte(`{"id":1}`))
				l.Append("t", []byte(`{"id":2}`))
				if err := l.Flush(testutil.Ctx(t), "b"); err != nil {
					t.Fatalf("#%d: %v", i, err)
				}
				if got := f.loadedRows("t"); got != 2 {
					t.Fatalf("#%d: %d rows loaded (lost or duplicated)", i, got)
				}
				ev := lis.All()
				if len(ev) != tc.tries || ev[len(ev)-1].Err != nil {
					t.Fatalf("#%d: events %+v", i, ev)
				}
				for _, rq := range f.Requests() {
					if testutil.NormLabel(rq.Header.Get("label")) != Label("tst", "t", "b") {
						t.Fatalf("#%d: label changed on retry: %s", i, rq.Header.Get("label"))
					}
				}
			})
		})
	}
}

func TestRetriesExhaustedKeepsRows(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		f.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultFail, Message: "internal error", Times: 2})
		lis := &recListener{}
		o := f.opts()
		o.MaxRetries = 1
		o.Listener = lis
		l := newLoader(t, o)
		l.Append("t", []byte(`{"id":1}`))
		err := l.Flush(testutil.Ctx(t), "b")
		if !errors.Is(err, ErrRetriesExhausted) || errors.Is(err, ErrPermanent) {
			t.Fatalf("err = %v", err)
		}
		if len(lis.All()) != 2 {
			t.Fatalf("%d attempts, want 2", len(lis.All()))
		}
		if err := l.Flush(testutil.Ctx(t), "b"); err != nil {
			t.Fatal(err)
		}
		if got := f.loadedRows("t"); got != 1 {
			t.Fatalf("%d rows loaded", got)
		}
	})
}

func TestReusedBatchGetsNewLabel(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		l := newLoader(t, f.opts())
		l.Append("t", []byte(`{"id":1}`))
		if err := l.Flush(testutil.Ctx(t), "same"); err != nil {
			t.Fatal(err)
		}
		l.Append("t", []byte(`{"id":2}`))
		if err := l.Flush(testutil.Ctx(t), "same"); err != nil {
			t.Fatal(err)
		}
		if got := f.tableRows("t"); len(got) != 2 {
			t.Fatalf("second load deduplicated away: %q", got)
		}
	})
}

func TestFailover(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		dead := "http://fe-down.invalid:8030" // nothing listens there: refused
		o := f.opts()
		o.URLs = []string{dead, f.FEURL()}
		o.MaxRetries = 0
		l := newLoader(t, o)
		for i := range 3 {
			l.Append("t", []byte(`{"id":1}`))
			if err := l.Flush(testutil.Ctx(t), fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.loadedRows("t"); got != 3 {
			t.Fatalf("%d rows loaded", got)
		}
		// The dead FE is cooling down: it is now tried last.
		if ord := l.client.eps.order(time.Now()); ord[0] != 1 {
			t.Fatalf("order %v", ord)
		}
	})
}

func TestStripOuterArrayOverride(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		o := f.opts()
		o.Headers = map[string]string{"strip_outer_array": "false"}
		l := newLoader(t, o)
		l.Append("t", []byte(`{"id":1}`))
		err := l.Flush(testutil.Ctx(t), "b")
		var le *LoadError
		if !errors.As(err, &le) || le.Status != "Fail" || !strings.Contains(le.Message, "strip_outer_array") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestFlushContextCancel(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		f.Inject(starrocks.Fault{Op: "stream_load", Kind: starrocks.FaultSlow, Delay: 500 * time.Millisecond, Times: 1})
		l := newLoader(t, f.opts())
		l.Append("t", []byte(`{"id":1}`))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := l.Flush(ctx, "b"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		// The load goes on; a second Flush waits for it.
		if err := l.Flush(testutil.Ctx(t), "b"); err != nil {
			t.Fatal(err)
		}
		if got := f.loadedRows("t"); got != 1 {
			t.Fatalf("%d rows loaded", got)
		}
	})
}

func TestClose(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		l := newLoader(t, f.opts())
		l.Append("t", []byte(`{"id":1}`))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if err := l.Flush(testutil.Ctx(t), "b"); !errors.Is(err, ErrClosed) {
			t.Fatalf("Flush after Close = %v", err)
		}
		l.Append("t", []byte(`{"id":2}`)) // no-op, must not block or panic
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLabel(t *testing.T) {
	for i, tc := range []struct {
		prefix, table, batch string
		want                 string // "" = only check validity
	}{
		{"p", "orders", "t-0-15-99", "p-orders-t-0-15-99"},
		{"", "orders", "b", "orders-b"},
		{"p", "orders", "topic.with.dots-0-1", ""},
		{"p", "a-b", "c", ""},
		{"p", strings.Repeat("x", 300), "b", ""},
		{"p", "t", strings.Repeat("é", 100), ""},
	} {
		got := Label(tc.prefix, tc.table, tc.batch)
		if tc.want != "" && got != tc.want {
			t.Errorf("#%d: %q, want %q", i, got, tc.want)
		}
		if len(got) == 0 || len(got) > 128 || strings.IndexFunc(got, func(r rune) bool { return !isLabelByte(byte(r)) || r > 127 }) >= 0 {
			t.Errorf("#%d: invalid label %q", i, got)
		}
		if Label(tc.prefix, tc.table, tc.batch) != got {
			t.Errorf("#%d: not deterministic", i)
		}
	}
	distinct := map[string]bool{}
	for _, p := range [][3]string{{"p", "a-b", "c"}, {"p", "a", "b-c"}, {"p", "t", "x.y"}, {"p", "t", "x_y"}, {"p", strings.Repeat("t", 200), "1"}, {"p", strings.Repeat("t", 200), "2"}} {
		distinct[Label(p[0], p[1], p[2])] = true
	}
	if len(distinct) != 6 {
		t.Errorf("label collision: %v", distinct)
	}
}

func TestParseDelimiter(t *testing.T) {
	for i, tc := range []struct {
		in   string
		want string
		err  bool
	}{
		{"", "\n", false},
		{`\n`, "\n", false},
		{`\x01`, "\x01", false},
		{`\X0A0D`, "\n\r", false},
		{"|", "|", false},
		{`\xzz`, "", true},
		{strings.Repeat("a", 51), "", true},
	} {
		got, err := ParseDelimiter(tc.in)
		if (err != nil) != tc.err || (err == nil && string(got) != tc.want) {
			t.Errorf("#%d: ParseDelimiter(%q) = %q, %v", i, tc.in, got, err)
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	base := Options{URLs: []string{"http://127.0.0.1:8030"}, Username: "u", Database: "db"}
	for i, mod := range []func(*Options){
		func(o *Options) { o.URLs = nil },
		func(o *Options) { o.URLs = []string{"ftp://x"} },
		func(o *Options) { o.URLs = []string{"http://u:secretpw@h:8030"} },
		func(o *Options) { o.Username = "" },
		func(o *Options) { o.Database = "" },
		func(o *Options) { o.Headers = map[string]string{"label": "x"} },
		func(o *Options) { o.Headers = map[string]string{"format": "csv"} },
		func(o *Options) { o.Headers = map[string]string{"compression": "lz4_frame"} },
		func(o *Options) { o.Headers = map[string]string{"timeout": "soon"} },
		func(o *Options) { o.MaxRetries = -2 },
		func(o *Options) { o.Format = 9 },
	} {
		o := base
		mod(&o)
		_, err := New(o)
		if !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("#%d: err = %v", i, err)
		}
		if err != nil && strings.Contains(err.Error(), "secretpw") {
			t.Errorf("#%d: password in error", i)
		}
	}
	o := base
	o.URLs = []string{"127.0.0.1:8030"} // scheme added, as the Java SDK does
	o.Headers = map[string]string{"format": "JSON", "Columns": "a,b"}
	l, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.cfg.headers.Get("columns") != "a,b" || l.cfg.bases[0].String() != "http://127.0.0.1:8030" {
		t.Fatalf("cfg %+v", l.cfg)
	}
}

// TestHTTPClientOption: a caller-supplied client is used with its own
// CheckRedirect replaced. It runs over loopback, as the caller's client
// dials for itself.
func TestHTTPClientOption(t *testing.T) {
	em := testutil.Emulator(t)
	if err := em.CreateTable("db", "t", jsonCols, []string{"id"}); err != nil {
		t.Fatal(err)
	}
	o := Options{URLs: []string{em.FEURL()}, Username: "root", Password: testutil.Password, Database: "db",
		LabelPrefix: "tst", MinLoadInterval: -1, FlushInterval: -1}
	followed := false
	o.HTTPClient = &http.Client{
		Transport: &http.Transport{ExpectContinueTimeout: time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			followed = true
			return nil
		},
	}
	l := newLoader(t, o)
	l.Append("t", []byte(`{"id":1}`))
	if err := l.Flush(testutil.Ctx(t), "b"); err != nil {
		t.Fatal(err)
	}
	if followed {
		t.Fatal("caller CheckRedirect used")
	}
}

func TestOptionsRedactPassword(t *testing.T) {
	o := Options{URLs: []string{"http://h:8030"}, Username: "u", Password: "hunter2-pw", Database: "db"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "opts", o)
	for _, s := range []string{fmt.Sprint(o), fmt.Sprintf("%+v", o), fmt.Sprintf("%#v", o), buf.String()} {
		if strings.Contains(s, "hunter2") || !strings.Contains(s, "xxxxx") {
			t.Fatalf("password shown: %s", s)
		}
	}
}

// A replay that cuts its rows differently must not mistake a committed
// label of the first run for its own: Flush labels carry a fingerprint of
// the rows, so another process flushing the same batch tag with other rows
// gets another label, and the rows with the same content get the same one.
func TestFlushLabelTiedToRows(t *testing.T) {
	withSR(t, nil, func(t *testing.T, f *sr) {
		l1 := newLoader(t, f.opts())
		l1.Append("t", []byte(`{"id":1}`))
		if err := l1.Flush(testutil.Ctx(t), "same"); err != nil {
			t.Fatal(err)
		}
		l2 := newLoader(t, f.opts()) // a restarted process
		l2.Append("t", []byte(`{"id":2}`))
		if err := l2.Flush(testutil.Ctx(t), "same"); err != nil {
			t.Fatal(err)
		}
		if got := f.loadedRows("t"); got != 2 {
			t.Fatalf("%d rows loaded: the second process's rows were taken for loaded", got)
		}
		l3 := newLoader(t, f.opts()) // a replay of exactly the first batch
		l3.Append("t", []byte(`{"id":1}`))
		if err := l3.Flush(testutil.Ctx(t), "same"); err != nil {
			t.Fatal(err)
		}
		if got := f.loadedRows("t"); got != 2 {
			t.Fatalf("%d rows loaded: the replayed batch was loaded twice", got)
		}
	})
}

func TestValidLabel(t *testing.T) {
	for s, want := range map[string]bool{
		"":                         false,
		"starcdc-orders_1":         true,
		"a.b":                      false,
		"é":                        false,
		"x y":                      false,
		strings.Repeat("x", 128):   true,
		strings.Repeat("x", 129):   false,
		Label("p", "a-b", "t.1"):   true,
		Label("p", "t", "b") + "-": true,
	} {
		if got := ValidLabel(s); got != want {
			t.Errorf("ValidLabel(%q) = %v, want %v", s, got, want)
		}
	}
}
