package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestExposition(t *testing.T) {
	r := New()
	loads := r.Register("starcdc_loads_total", "Stream Loads by table and result.", Counter, "table", "result")
	buf := r.Register("starcdc_buffer_bytes", "Bytes held by the loader.", Gauge)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				loads.With("orders", "ok").Add(1)
			}
		}()
	}
	wg.Wait()
	loads.With(`we"ird`, "error").Add(2)
	buf.With().Set(1.5e6)

	srv := httptest.NewServer(r.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `# HELP starcdc_buffer_bytes Bytes held by the loader.
# TYPE starcdc_buffer_bytes gauge
starcdc_buffer_bytes 1.5e+06
# HELP starcdc_loads_total Stream Loads by table and result.
# TYPE starcdc_loads_total counter
starcdc_loads_total{table="orders",result="ok"} 8000
starcdc_loads_total{table="we\"ird",result="error"} 2
`
	if string(body) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", body, want)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("content type %q", ct)
	}
}
