package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheck: exit 0 and the answer on stdout for a 2xx, exit 1 for
// any other status or no answer, exit 2 for a bad URL; help exits 0.
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/ready" {
			http.Error(w, "wrong request "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			return
		}
		w.WriteHeader(status)
		w.Write([]byte(`{"ready":` + map[bool]string{true: "true", false: "false"}[status == http.StatusOK] + "}\n"))
	}))
	defer srv.Close()

	code, out, errOut := runCLI("healthcheck", srv.URL+"/ready")
	if code != 0 || out != "200 OK {\"ready\":true}\n" || errOut != "" {
		t.Errorf("200: exit %d, stdout %q, stderr %q; want exit 0 and the answer", code, out, errOut)
	}

	status = http.StatusServiceUnavailable
	code, out, errOut = runCLI("healthcheck", "--timeout", "2s", srv.URL+"/ready")
	if code != exitFailure || !strings.Contains(out, "503") || !strings.Contains(errOut, "unhealthy") || !strings.Contains(errOut, "503") {
		t.Errorf("503: exit %d, stdout %q, stderr %q; want exit 1 naming the status", code, out, errOut)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	addr := closed.URL
	closed.Close()
	if code, _, errOut := runCLI("healthcheck", addr+"/ready"); code != exitFailure || !strings.Contains(errOut, "GET") {
		t.Errorf("nothing listening: exit %d, stderr %q; want exit 1", code, errOut)
	}

	for _, args := range [][]string{{"healthcheck"}, {"healthcheck", "localhost:9464/ready"}, {"healthcheck", "a", "b"}} {
		if code, _, _ := runCLI(args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	for _, args := range [][]string{{"healthcheck", "-h"}, {"help", "healthcheck"}} {
		code, out, errOut := runCLI(args...)
		if code != 0 || errOut != "" || !strings.Contains(out, "Usage: starcdc healthcheck") || !strings.Contains(out, "-timeout") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want the usage", args, code, out, errOut)
		}
	}
}
