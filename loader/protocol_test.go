package loader

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testutil"
)

// Tests of the two protocols (protocol.go): every fault of the
// transaction interface, compressed bodies, and HTTPS.

func TestTransactionMode(t *testing.T) {
	fault := func(op string, k starrocks.FaultKind) starrocks.Fault {
		return starrocks.Fault{Op: op, Kind: k, Times: 1}
	}
	internal := starrocks.Fault{Op: "load", Kind: starrocks.FaultFail, Message: "internal error", Times: 1}
	for i, tc := range []struct {
		name   string
		faults []starrocks.Fault
		tries  int
		err    error // expected Flush error, nil = success
	}{
		{"ok", nil, 1, nil},
		{"fe500-on-begin", []starrocks.Fault{fault("begin", starrocks.FaultHTTP500)}, 2, nil},
		{"load-fails", []starrocks.Fault{internal}, 2, nil},
		{"reset-after-load", []starrocks.Fault{fault("load", starrocks.FaultResetAfterBody)}, 2, nil},
		{"reset-after-begin", []starrocks.Fault{fault("begin", starrocks.FaultResetAfterBody)}, 3, nil},
		{"prepare-in-processing", []starrocks.Fault{{Op: "prepare", Kind: starrocks.FaultInProcessing, Times: 2}}, 1, nil},
		// A prepare replayed after its first run prepared the transaction:
		// the second run finds no context, TXN_NOT_EXISTS.
		{"prepare-not-exists-but-prepared", []starrocks.Fault{fault("prepare", starrocks.FaultDuplicate)}, 1, nil},
		{"reset-after-prepare", []starrocks.Fault{fault("prepare", starrocks.FaultResetAfterBody)}, 2, nil},
		// The FE commits a PREPARED transaction and never answers
		// TXN_IN_PROCESSING, so this fault (for a BE-side commit) does not
		// act: the Loader's commit never goes to a BE.
		{"commit-in-processing", []starrocks.Fault{fault("commit", starrocks.FaultInProcessing)}, 1, nil},
		{"commit-fails-after-commit", []starrocks.Fault{fault("commit", starrocks.FaultCommitFailsAfterCommit)}, 1, nil},
		{"commit-reset-after-commit", []starrocks.Fault{fault("commit", starrocks.FaultResetAfterBody)}, 1, nil},
		{"filtered-at-prepare", []starrocks.Fault{{Op: "prepare", Kind: starrocks.FaultFilterRows, Times: every}}, 0, ErrBadRows}, // every part fails
		{"filtered-once-halves-load", []starrocks.Fault{fault("prepare", starrocks.FaultFilterRows)}, 3, nil},
		{"always-fails", []starrocks.Fault{{Op: "load", Kind: starrocks.FaultFail, Message: "internal error", Times: every}}, 3, ErrRetriesExhausted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withSR(t, nil, func(t *testing.T, f *sr) {
				for _, fl := range tc.faults {
					f.Inject(fl)
				}
				lis := &recListener{}
				o := f.opts()
				o.Mode = ModeTransaction
				o.MaxRetries = 2
				o.ChunkBytes = 1024 // several load calls per transaction
				o.Listener = lis
				l := newLoader(t, o)
				var want []string
				for j := range 100 {
					row := fmt.Sprintf(`{"id":%d,"pad":"%s"}`, j, strings.Repeat("x", 20))
					want = append(want, row)
					l.Append("t", []byte(row))
				}
				err := l.Flush(testutil.Ctx(t), "b")
				if tc.err != nil {
					if !errors.Is(err, tc.err) {
						t.Fatalf("#%d: err = %v, want %v", i, err, tc.err)
					}
					if f.loadedRows("t") != 0 {
						t.Fatalf("#%d: rows applied despite failure", i)
					}
					if tc.err == ErrBadRows {
						var le *LoadError
						errors.As(err, &le)
						if le.ErrorLog == "" {
							t.Fatalf("#%d: no error log: %v", i, err)
						}
					}
					return
				}
				if err != nil {
					t.Fatalf("#%d: %v", i, err)
				}
				if got := f.tableRows("t"); !slices.Equal(got, want) || f.loadedRows("t") != int64(len(want)) {
					t.Fatalf("#%d: %d rows (%d loaded), want %d (lost or duplicated)", i, len(got), f.loadedRows("t"), len(want))
				}
				if ev := lis.All(); len(ev) != tc.tries {
					t.Fatalf("#%d: %d attempts, want %d: %+v", i, len(ev), tc.tries, ev)
				}
				loads := 0
				for _, rq := range f.Requests() {
					if strings.HasSuffix(rq.Path, "/load") {
						loads++
					}
				}
				if loads < 3 {
					t.Fatalf("#%d: %d load calls, want several chunks per transaction", i, loads)
				}
			})
		})
	}
}

func TestCompression(t *testing.T) {
	for _, mode := range []Mode{ModeStreamLoad, ModeTransaction} {
		for _, c := range []Compression{CompressionGzip, CompressionLZ4} {
			for _, format := range []Format{FormatJSON, FormatCSV} {
				t.Run(fmt.Sprint(mode, c, format), func(t *testing.T) {
					tables := map[string][]starrocks.Column{}
					if format == FormatCSV {
						tables["t"] = csvCols
					}
					withSR(t, tables, func(t *testing.T, f *sr) {
						o := f.opts()
						o.Mode, o.Compression, o.Format = mode, c, format
						if format == FormatCSV {
							o.Headers = map[string]string{"column_separator": ","} // StarRocks' default is \t
						}
						l := newLoader(t, o)
						var want []string
						for j := range 50 {
							row := fmt.Sprintf(`{"id":%d}`, j)
							if format == FormatCSV {
								row = fmt.Sprintf("%d,abc", j)
							}
							want = append(want, row)
							l.Append("t", []byte(row))
						}
						if err := l.Flush(testutil.Ctx(t), "b"); err != nil {
							t.Fatal(err)
						}
						if got := f.tableRows("t"); !slices.Equal(got, want) {
							t.Fatalf("rows %q", got)
						}
						for _, rq := range f.Requests() {
							if rq.Header.Get("compression") != c.String() {
								t.Fatalf("compression header %q", rq.Header.Get("compression"))
							}
						}
					})
				})
			}
		}
	}
}

// TestHTTPS: the built client speaks TLS with Options.TLSConfig. TLS
// servers run the emulator's handlers over loopback, the FE's redirects
// pointed at the TLS BE.
func TestHTTPS(t *testing.T) {
	em := testutil.Emulator(t)
	if err := em.CreateTable("db", "t", jsonCols, []string{"id"}); err != nil {
		t.Fatal(err)
	}
	feH, beH := em.Handlers()
	be := httptest.NewTLSServer(beH)
	defer be.Close()
	fe := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		feH.ServeHTTP(relocate{w, em.BEURL(), be.URL}, r)
	}))
	defer fe.Close()
	o := Options{URLs: []string{fe.URL}, Username: "root", Password: testutil.Password, Database: "db",
		LabelPrefix: "tst", MinLoadInterval: -1, FlushInterval: -1}
	o.TLSConfig = &tls.Config{RootCAs: fe.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	l := newLoader(t, o)
	l.Append("t", []byte(`{"id":1}`))
	if err := l.Flush(testutil.Ctx(t), "b"); err != nil {
		t.Fatal(err)
	}
	if em.Stats("db", "t").LoadedRows != 1 {
		t.Fatal("not loaded over HTTPS")
	}
}

// relocate rewrites the prefix from of a reply's Location to to.
type relocate struct {
	http.ResponseWriter
	from, to string
}

func (r relocate) WriteHeader(code int) {
	if loc := r.Header().Get("Location"); strings.HasPrefix(loc, r.from) {
		r.Header().Set("Location", r.to+strings.TrimPrefix(loc, r.from))
	}
	r.ResponseWriter.WriteHeader(code)
}
