package emutest_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/internal/testcerts"
	"github.com/starcdc/starcdc/internal/testutil"
	"github.com/starcdc/starcdc/loader"
)

// redirectTo rewrites the Location of the FE's redirects from the
// emulator's plain BE URL to the BE served behind TLS.
type redirectTo struct {
	http.ResponseWriter
	from, to string
}

func (w redirectTo) WriteHeader(code int) {
	if loc := w.Header().Get("Location"); strings.HasPrefix(loc, w.from) {
		w.Header().Set("Location", w.to+strings.TrimPrefix(loc, w.from))
	}
	w.ResponseWriter.WriteHeader(code)
}

// TestEmulatorTLS loads through FE and BE servers that present
// certificates of a private CA and require client certificates, with the
// loader's TLS configuration built from starrocks.ssl.* stores.
func TestEmulatorTLS(t *testing.T) {
	serverCA, clientCA := testcerts.NewCA(t), testcerts.NewCA(t)
	em := startEmulator(t)
	feH, beH := em.Handlers()
	serve := func(h http.Handler) *httptest.Server {
		srv := httptest.NewUnstartedServer(h)
		srv.TLS = serverCA.ServerTLS(t, clientCA)
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv
	}
	be := serve(beH)
	fe := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		feH.ServeHTTP(redirectTo{ResponseWriter: w, from: em.BEURL(), to: be.URL}, r)
	}))

	client := clientCA.Issue(t, nil)
	for i, typ := range []string{"JKS", "PKCS12", "PEM"} {
		st := testcerts.WriteStores(t, typ, serverCA, client, clientCA)
		pw := testcerts.Passwords(typ, "")
		c := config.ClientTLS{
			Trust: config.StoreFile{Key: config.KeySRTrustLocation, Path: st.Trust, Type: typ, StorePassword: config.Secret(pw["ssl.truststore.password"])},
			Key: config.StoreFile{Key: config.KeySRKeyLocation, Path: st.Key, Type: typ,
				StorePassword: config.Secret(pw["ssl.keystore.password"]), KeyPassword: config.Secret(pw["ssl.key.password"])},
		}
		tc, err := c.Config()
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		for _, mode := range []loader.Mode{loader.ModeStreamLoad, loader.ModeTransaction} {
			o := emOptions(em, mode)
			o.URLs, o.TLSConfig = []string{fe.URL}, tc
			l := newLoader(t, o)
			appendOrders(l, i*100, 5)
			if err := l.Flush(testutil.Ctx(t), typ+mode.String()); err != nil {
				t.Fatalf("%s %v: %v", typ, mode, err)
			}
		}
	}
	rows, _ := em.Rows("db", "orders")
	if len(rows) != 15 {
		t.Fatalf("%d rows loaded over TLS, want 15", len(rows))
	}

	// Without the private CA, or without a client certificate, nothing loads.
	st := testcerts.WriteStores(t, "PEM", serverCA, client, clientCA)
	noClient, err := config.ClientTLS{Trust: config.StoreFile{Key: config.KeySRTrustLocation, Path: st.Trust}}.Config()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		tc   *tls.Config
		want string
	}{{"system roots", nil, "certificate signed by unknown authority"}, {"no client certificate", noClient, "certificate required"}} {
		name := tc.name
		o := emOptions(em, loader.ModeStreamLoad)
		o.URLs, o.TLSConfig, o.MaxRetries = []string{fe.URL}, tc.tc, 0
		l := newLoader(t, o)
		appendOrders(l, 1000, 1)
		ctx, cancel := context.WithTimeout(testutil.Ctx(t), 20*time.Second)
		err := l.Flush(ctx, "refused")
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: err = %v, want one saying %q", name, err, tc.want)
		}
		if strings.Contains(err.Error(), "pw-secret") {
			t.Fatalf("%s: the error shows the password: %v", name, err)
		}
	}
	if rows, _ := em.Rows("db", "orders"); len(rows) != 15 {
		t.Fatalf("%d rows after refused loads, want 15", len(rows))
	}
}
