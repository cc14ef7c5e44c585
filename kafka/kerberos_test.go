package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/internal/testkrb"
)

const (
	testRealm    = "EXAMPLE.COM"
	testClient   = "connect"
	testService  = "kafka/127.0.0.1" // franz-go's plug-in asks for <service>/<broker host>
	krb5Module   = "com.sun.security.auth.module.Krb5LoginModule"
	clientPrinc  = testClient + "@" + testRealm
	servicePrinc = testService + "@" + testRealm
)

// krbRealm is a Kerberos realm with a KDC, a client principal with its
// keytab file, a broker principal, and krb5.conf pointed at by
// KRB5_CONFIG.
type krbRealm struct {
	kdc      *testkrb.KDC
	dir      string
	conf     string
	keytab   string         // the client's keytab file
	clientKT *keytab.Keytab // its content
	brokerKT *keytab.Keytab // the broker's key
}

func newKrbRealm(t *testing.T) *krbRealm {
	t.Helper()
	r := &krbRealm{kdc: testkrb.NewKDC(t, testRealm), dir: t.TempDir()}
	r.conf = r.kdc.Krb5Conf(t, r.dir)
	t.Setenv("KRB5_CONFIG", r.conf)
	t.Setenv("KRB5CCNAME", filepath.Join(r.dir, "no-such-cache"))
	r.clientKT = r.kdc.AddPrincipal(t, testClient)
	r.brokerKT = r.kdc.AddPrincipal(t, testService)
	r.keytab = testkrb.WriteKeytab(t, r.dir, "kafka_client.keytab", r.clientKT)
	return r
}

// startGSSAPIKafka starts a kfake broker whose SASL requests are answered
// by a GSSAPI acceptor with the broker key in kt; any other SASL mechanism
// is refused.
func startGSSAPIKafka(t *testing.T, kt *keytab.Keytab) (addr string, acc *testkrb.Acceptor) {
	t.Helper()
	acc = testkrb.NewAcceptor(kt, testService)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	c.ControlKey(int16(kmsg.SASLHandshake), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := r.(*kmsg.SASLHandshakeRequest)
		resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
		resp.SupportedMechanisms = []string{"GSSAPI"}
		if req.Mechanism != "GSSAPI" {
			resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
		}
		return resp, nil, true
	})
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := r.(*kmsg.SASLAuthenticateRequest)
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		out, err := acc.Step(req.SASLAuthBytes)
		if err != nil {
			msg := "GSSAPI: " + err.Error()
			resp.ErrorCode, resp.ErrorMessage = kerr.SaslAuthenticationFailed.Code, &msg
			return resp, nil, true
		}
		resp.SASLAuthBytes = out
		return resp, nil, true
	})
	addr = c.ListenAddrs()[0]
	if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
		t.Fatalf("kfake listens on %s: the broker principal would not be %s", addr, testService)
	}
	return addr, acc
}

func krb5JAAS(options string) string { return krb5Module + " required " + options + ";" }

func gssapiSec(jaas string) map[string]string {
	return map[string]string{
		"security.protocol":          "SASL_PLAINTEXT",
		"sasl.mechanism":             "GSSAPI",
		"sasl.kerberos.service.name": "kafka",
		"sasl.jaas.config":           jaas,
	}
}

// A Connect worker's GSSAPI keytab login reaches a broker that verifies
// the client's AP-REQ with its own key: the ticket for kafka/127.0.0.1
// came from the KDC, and the acceptor saw connect@EXAMPLE.COM.
func TestGSSAPIKeytab(t *testing.T) {
	r := newKrbRealm(t)
	addr, acc := startGSSAPIKafka(t, r.brokerKT)
	for _, tc := range []struct{ name, jaas string }{
		{"keytab", krb5JAAS(`useKeyTab=true storeKey=true keyTab="` + r.keytab + `" principal="` + clientPrinc + `"`)},
		{"default-realm", krb5JAAS(`useKeyTab=true storeKey=true keyTab="FILE:` + r.keytab + `" principal="` + testClient + `" debug=true doNotPrompt=true refreshKrb5Config=true isInitiator=true`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := config.Worker{BootstrapServers: []string{addr}, Security: gssapiSec(tc.jaas)}
			opts, warnings, err := ClientOpts(w)
			if err != nil || len(warnings) > 0 {
				t.Fatalf("ClientOpts: warnings %q, error %v", warnings, err)
			}
			verified := len(acc.Verified())
			roundTrip(t, addr, opts)
			if got := acc.Verified()[verified:]; len(got) == 0 || slices.ContainsFunc(got, func(p string) bool { return p != clientPrinc }) {
				t.Errorf("the acceptor verified AP-REQs of %q, want %s", got, clientPrinc)
			}
			if got := acc.Authenticated(); len(got) == 0 {
				t.Error("no GSSAPI exchange completed")
			}
		})
	}
	if got := r.kdc.Logins(); len(got) == 0 || got[0] != clientPrinc {
		t.Errorf("KDC logins %q, want %s", got, clientPrinc)
	}
	if got := r.kdc.Issued(); len(got) == 0 || slices.ContainsFunc(got, func(p string) bool { return p != servicePrinc }) {
		t.Errorf("KDC issued service tickets for %q, want %s", got, servicePrinc)
	}
}

// The JAAS serviceName option names the service as well as
// sasl.kerberos.service.name, as in Kafka.
func TestGSSAPIServiceNameFromJAAS(t *testing.T) {
	r := newKrbRealm(t)
	addr, acc := startGSSAPIKafka(t, r.brokerKT)
	sec := gssapiSec(krb5JAAS(`useKeyTab=true keyTab="` + r.keytab + `" principal="` + clientPrinc + `" serviceName="kafka"`))
	delete(sec, "sasl.kerberos.service.name")
	roundTrip(t, addr, securityOpts(t, sec))
	if len(acc.Authenticated()) == 0 {
		t.Fatal("no GSSAPI exchange completed")
	}
}

// A ticket cache written by kinit logs in without a keytab; the cache is
// named by the ticketCache option or by KRB5CCNAME.
func TestGSSAPITicketCache(t *testing.T) {
	r := newKrbRealm(t)
	addr, acc := startGSSAPIKafka(t, r.brokerKT)
	cache := filepath.Join(r.dir, "krb5cc_test")
	r.kdc.WriteCCache(t, cache, testClient, time.Hour)

	roundTrip(t, addr, securityOpts(t, gssapiSec(krb5JAAS(`useTicketCache=true ticketCache="`+cache+`"`))))
	t.Setenv("KRB5CCNAME", "FILE:"+cache)
	roundTrip(t, addr, securityOpts(t, gssapiSec(krb5JAAS(`useTicketCache=true principal="`+clientPrinc+`"`))))

	if got := acc.Authenticated(); len(got) == 0 || slices.ContainsFunc(got, func(p string) bool { return p != clientPrinc }) {
		t.Errorf("the acceptor authenticated %q, want %s", got, clientPrinc)
	}
	if got := r.kdc.Logins(); len(got) != 0 {
		t.Errorf("the ticket cache logins went to the KDC: %q", got)
	}

	// The cache of another principal is refused; with a keytab too, the
	// keytab is used instead, as Krb5LoginModule does.
	jaas := krb5JAAS(`useTicketCache=true ticketCache="` + cache + `" principal="other@` + testRealm + `"`)
	if _, _, err := SecurityOpts(gssapiSec(jaas)); !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "holds tickets for "+clientPrinc) {
		t.Errorf("a cache of another principal: %v", err)
	}
	jaas = krb5JAAS(`useTicketCache=true ticketCache="/nonexistent/cache" useKeyTab=true keyTab="` + r.keytab + `" principal="` + clientPrinc + `"`)
	roundTrip(t, addr, securityOpts(t, gssapiSec(jaas)))
	if got := r.kdc.Logins(); len(got) != 1 {
		t.Errorf("keytab fallback: KDC logins %q", got)
	}
}

// Once the cache's ticket-granting ticket has expired, the cache is read
// again; if it still holds the expired ticket, authentication fails and
// says to run kinit.
func TestGSSAPITicketCacheExpiry(t *testing.T) {
	r := newKrbRealm(t)
	const broker = "127.0.0.1:9092"
	cache := filepath.Join(r.dir, "krb5cc_test")
	r.kdc.WriteCCache(t, cache, testClient, time.Hour)
	ks, err := parseSecurity(gssapiSec(krb5JAAS(`useTicketCache=true ticketCache="` + cache + `"`)))
	if err != nil {
		t.Fatal(err)
	}
	g := ks.mechanism.(*gssapiAuth)
	defer g.Close()
	now := time.Now()
	g.now = func() time.Time { return now }
	if _, _, err := g.Authenticate(context.Background(), broker); err != nil {
		t.Fatalf("a valid cache: %v", err)
	}

	now = g.tgtEnd.Add(time.Second)
	_, _, err = g.Authenticate(context.Background(), broker)
	if !errors.Is(err, ErrKerberos) {
		t.Fatalf("an expired cache: %v, want ErrKerberos", err)
	}
	for _, w := range []string{cache, "expired at", "kinit -R", clientPrinc} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}

	// kinit -R writes a new ticket: it is read again.
	r.kdc.WriteCCache(t, cache, testClient, 2*time.Hour)
	if _, _, err := g.Authenticate(context.Background(), broker); err != nil {
		t.Fatalf("a renewed cache: %v", err)
	}
	if got := r.kdc.Issued(); len(got) != 2 || got[1] != servicePrinc {
		t.Errorf("KDC issued service tickets for %q, want %s twice", got, servicePrinc)
	}
}

// A keytab whose key the KDC does not know fails at the first connection
// with an error that names the principal, the realm and its KDC.
func TestGSSAPIWrongClientKey(t *testing.T) {
	r := newKrbRealm(t)
	addr, acc := startGSSAPIKafka(t, r.brokerKT)
	stale := testkrb.WriteKeytab(t, r.dir, "stale.keytab", r.kdc.OtherKeytab(t, testClient))
	opts := securityOpts(t, gssapiSec(krb5JAAS(`useKeyTab=true keyTab="`+stale+`" principal="`+clientPrinc+`"`)))
	err := pingErr(t, addr, opts)
	if !errors.Is(err, ErrKerberos) {
		t.Fatalf("a wrong key: %v, want ErrKerberos", err)
	}
	for _, w := range []string{clientPrinc, r.kdc.Addr, "realm " + testRealm, "PREAUTH_FAILED", "export the keytab again"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if got := acc.Verified(); len(got) != 0 {
		t.Errorf("the acceptor verified %q", got)
	}
}

// A broker whose key differs from the KDC's refuses the AP-REQ.
func TestGSSAPIWrongBrokerKey(t *testing.T) {
	r := newKrbRealm(t)
	addr, acc := startGSSAPIKafka(t, r.kdc.OtherKeytab(t, testService))
	err := pingErr(t, addr, securityOpts(t, gssapiSec(krb5JAAS(`useKeyTab=true keyTab="`+r.keytab+`" principal="`+clientPrinc+`"`))))
	if err == nil || !strings.Contains(err.Error(), "AP-REQ not valid") {
		t.Fatalf("a broker with another key: %v", err)
	}
	if got := acc.Verified(); len(got) != 0 {
		t.Errorf("the acceptor verified %q", got)
	}
	if got := r.kdc.Issued(); len(got) == 0 {
		t.Error("no service ticket was issued")
	}
}

// A service name that the KDC has no principal for fails the first
// connection with an error that names the service and the key to check.
func TestGSSAPIUnknownService(t *testing.T) {
	r := newKrbRealm(t)
	addr, acc := startGSSAPIKafka(t, r.brokerKT)
	sec := gssapiSec(krb5JAAS(`useKeyTab=true keyTab="` + r.keytab + `" principal="` + clientPrinc + `"`))
	sec["sasl.kerberos.service.name"] = "kafka2"
	err := pingErr(t, addr, securityOpts(t, sec))
	if !errors.Is(err, ErrKerberos) {
		t.Fatalf("an unknown service: %v, want ErrKerberos", err)
	}
	for _, w := range []string{"service kafka2 of broker " + addr, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "check sasl.kerberos.service.name"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if got := acc.Verified(); len(got) != 0 {
		t.Errorf("the acceptor verified %q", got)
	}
}

// A KDC that does not answer fails the first connection with an error
// that names the KDC and the realm; SecurityOpts itself does not contact
// the KDC.
func TestGSSAPIKDCDown(t *testing.T) {
	r := newKrbRealm(t)
	addr, _ := startGSSAPIKafka(t, r.brokerKT)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	conf := filepath.Join(r.dir, "down.conf")
	writeKrb5Conf(t, conf, "default_realm = "+testRealm, testRealm+" = {\n kdc = "+down+"\n}")
	t.Setenv("KRB5_CONFIG", conf)
	opts := securityOpts(t, gssapiSec(krb5JAAS(`useKeyTab=true keyTab="`+r.keytab+`" principal="`+clientPrinc+`"`)))
	err = pingErr(t, addr, opts)
	if !errors.Is(err, ErrKerberos) {
		t.Fatalf("KDC down: %v, want ErrKerberos", err)
	}
	for _, w := range []string{"KDC(s) " + down, "realm " + testRealm, clientPrinc} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func writeKrb5Conf(t *testing.T, path, libdefaults, realms string) {
	t.Helper()
	conf := fmt.Sprintf("[libdefaults]\n  udp_preference_limit = 1\n  %s\n\n[realms]\n  %s\n", libdefaults, realms)
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Settings that cannot work fail in SecurityOpts with an error that names
// the key or option and says what to do, and shows no key material.
func TestGSSAPIConfigErrors(t *testing.T) {
	r := newKrbRealm(t)
	keyBytes := string(r.clientKT.Entries[0].Key.KeyValue)
	keyHex := fmt.Sprintf("%x", r.clientKT.Entries[0].Key.KeyValue)
	ktData, err := os.ReadFile(r.keytab)
	if err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(r.dir, "garbage.keytab")
	if err := os.WriteFile(garbage, append([]byte{5, 2, 0, 0, 0, 200}, ktData[:40]...), 0o600); err != nil {
		t.Fatal(err)
	}
	noRealmConf := filepath.Join(r.dir, "norealm.conf")
	writeKrb5Conf(t, noRealmConf, "dns_lookup_kdc = false", testRealm+" = {\n kdc = "+r.kdc.Addr+"\n}")
	otherRealmConf := filepath.Join(r.dir, "other.conf")
	writeKrb5Conf(t, otherRealmConf, "default_realm = OTHER.ORG", "OTHER.ORG = {\n kdc = "+r.kdc.Addr+"\n}")
	keytab := `useKeyTab=true keyTab="` + r.keytab + `" principal="` + clientPrinc + `"`

	for _, tc := range []struct {
		name   string
		sec    map[string]string
		conf   string // KRB5_CONFIG, when not the realm's
		want   []string
		unsupp bool
	}{
		{"no service name", func() map[string]string {
			s := gssapiSec(krb5JAAS(keytab))
			delete(s, "sasl.kerberos.service.name")
			return s
		}(), "", []string{"no serviceName defined in either JAAS or Kafka config", "sasl.kerberos.service.name"}, false},
		{"conflicting service names", gssapiSec(krb5JAAS(keytab + ` serviceName="kafka2"`)), "",
			[]string{"conflicting serviceName values", "kafka2", "sasl.kerberos.service.name=kafka"}, false},
		{"no keyTab option", gssapiSec(krb5JAAS(`useKeyTab=true principal="` + clientPrinc + `"`)), "",
			[]string{"sasl.jaas.config", "useKeyTab=true needs the Krb5LoginModule option keyTab"}, false},
		{"missing keytab", gssapiSec(krb5JAAS(`useKeyTab=true keyTab="` + filepath.Join(r.dir, "none.keytab") + `" principal="` + clientPrinc + `"`)), "",
			[]string{"sasl.jaas.config", "none.keytab cannot be read", "no such file"}, false},
		{"keytab is a directory", gssapiSec(krb5JAAS(`useKeyTab=true keyTab="` + r.dir + `" principal="` + clientPrinc + `"`)), "",
			[]string{"cannot be read", "read access"}, false},
		{"not a keytab", gssapiSec(krb5JAAS(`useKeyTab=true keyTab="` + garbage + `" principal="` + clientPrinc + `"`)), "",
			[]string{"garbage.keytab is not a Kerberos keytab"}, false},
		{"keytab of another principal", gssapiSec(krb5JAAS(`useKeyTab=true keyTab="` + r.keytab + `" principal="kafka-connect@` + testRealm + `"`)), "",
			[]string{"holds no key for principal kafka-connect@EXAMPLE.COM", clientPrinc}, false},
		{"no principal", gssapiSec(krb5JAAS(`useKeyTab=true keyTab="` + r.keytab + `"`)), "",
			[]string{"no principal option", `principal="name@REALM"`}, false},
		{"principal without realm, no default_realm", gssapiSec(krb5JAAS(`useKeyTab=true keyTab="` + r.keytab + `" principal="connect"`)), noRealmConf,
			[]string{"principal has no realm", "norealm.conf has no default_realm"}, false},
		{"principal without realm takes default_realm", gssapiSec(krb5JAAS(`useKeyTab=true keyTab="` + r.keytab + `" principal="connect"`)), otherRealmConf,
			[]string{"holds no key for principal connect@OTHER.ORG"}, false},
		{"realm without KDC", gssapiSec(krb5JAAS(keytab)), otherRealmConf,
			[]string{"no kdc for realm EXAMPLE.COM"}, false},
		{"no krb5.conf", gssapiSec(krb5JAAS(keytab)), filepath.Join(r.dir, "none.conf"),
			[]string{"krb5.conf", "none.conf (KRB5_CONFIG) cannot be read", "no such file"}, false},
		{"neither keytab nor cache", gssapiSec(krb5JAAS(`principal="` + clientPrinc + `"`)), "",
			[]string{"useKeyTab=true with keyTab and principal, or useTicketCache=true", "cannot prompt"}, false},
		{"no ticket cache", gssapiSec(krb5JAAS(`useTicketCache=true ticketCache="` + filepath.Join(r.dir, "krb5cc_0") + `"`)), "",
			[]string{"no Kerberos ticket cache at", "krb5cc_0", "kinit"}, false},
		{"keyring cache", gssapiSec(krb5JAAS(`useTicketCache=true ticketCache="KEYRING:persistent:0"`)), "",
			[]string{"KEYRING cache", "only FILE: caches"}, true},
		{"not a ticket cache", gssapiSec(krb5JAAS(`useTicketCache=true ticketCache="` + r.keytab + `"`)), "",
			[]string{"is not a Kerberos ticket cache"}, false},
		{"PLAIN module with GSSAPI", gssapiSec(`org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`), "",
			[]string{"sasl.mechanism=GSSAPI goes with " + krb5Module}, false},
		{"Krb5LoginModule with PLAIN", func() map[string]string {
			s := gssapiSec(krb5JAAS(keytab))
			s["sasl.mechanism"] = "PLAIN"
			return s
		}(), "", []string{"sasl.mechanism=GSSAPI goes with"}, false},
		{"callback handler", func() map[string]string {
			s := gssapiSec(krb5JAAS(keytab))
			s["sasl.client.callback.handler.class"] = "com.example.Handler"
			return s
		}(), "", []string{"sasl.client.callback.handler.class=com.example.Handler"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.conf != "" {
				t.Setenv("KRB5_CONFIG", tc.conf)
			}
			opts, warnings, err := SecurityOpts(tc.sec)
			if err == nil {
				t.Fatalf("no error (%d options)", len(opts))
			}
			t.Log(err)
			if !errors.Is(err, config.ErrInvalid) || errors.Is(err, errors.ErrUnsupported) != tc.unsupp {
				t.Errorf("error %v: ErrInvalid %v, ErrUnsupported %v", err, errors.Is(err, config.ErrInvalid), errors.Is(err, errors.ErrUnsupported))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, s := range append(warnings, err.Error()) {
				if strings.Contains(s, keyBytes) || strings.Contains(strings.ToLower(s), keyHex) {
					t.Errorf("key material shows: %s", s)
				}
			}
		})
	}
}

// Keys and options that only Java acts on are warned about or accepted
// silently; SecurityOpts does not contact the KDC.
func TestGSSAPIWarnings(t *testing.T) {
	r := newKrbRealm(t)
	sec := gssapiSec(krb5JAAS(`useKeyTab=true storeKey=true keyTab="` + r.keytab + `" principal="` + clientPrinc + `" debug=true renewTGT=true useFirstPass=true`))
	sec["sasl.kerberos.kinit.cmd"] = "/usr/bin/kinit"
	sec["sasl.kerberos.ticket.renew.window.factor"] = "0.8"
	sec["sasl.kerberos.ticket.renew.jitter"] = "0.05"
	sec["sasl.kerberos.min.time.before.relogin"] = "60000"
	sec["sasl.client.callback.handler.class"] = "org.apache.kafka.common.security.authenticator.SaslClientCallbackHandler"
	opts, warnings, err := SecurityOpts(sec)
	if err != nil || len(opts) != 1 {
		t.Fatalf("%d options, error %v", len(opts), err)
	}
	want := []string{
		"sasl.jaas.config: 2 Krb5LoginModule option(s) ignored",
		"sasl.kerberos.kinit.cmd: not acted on",
		"sasl.kerberos.min.time.before.relogin: not acted on",
		"sasl.kerberos.ticket.renew.jitter: not acted on",
		"sasl.kerberos.ticket.renew.window.factor: not acted on",
	}
	if len(warnings) != len(want) {
		t.Fatalf("warnings %q", warnings)
	}
	for i, w := range want {
		if !strings.HasPrefix(warnings[i], w) {
			t.Errorf("warning %q, want %q...", warnings[i], w)
		}
	}
	if got := r.kdc.Logins(); len(got) != 0 {
		t.Errorf("SecurityOpts logged in: %q", got)
	}
}

// With useTicketCache and useKeyTab, the keytab takes over once the
// cache's ticket has expired, as Krb5LoginModule's login again would; a
// keytab that cannot take over is warned about while the cache works.
func TestGSSAPITicketCacheThenKeytab(t *testing.T) {
	r := newKrbRealm(t)
	const broker = "127.0.0.1:9092"
	cache := filepath.Join(r.dir, "krb5cc_test")
	r.kdc.WriteCCache(t, cache, testClient, time.Hour)
	ks, err := parseSecurity(gssapiSec(krb5JAAS(`useTicketCache=true ticketCache="` + cache + `" useKeyTab=true keyTab="` + r.keytab + `" principal="` + clientPrinc + `"`)))
	if err != nil || len(ks.warnings) > 0 {
		t.Fatalf("warnings %q, error %v", ks.warnings, err)
	}
	g := ks.mechanism.(*gssapiAuth)
	defer g.Close()
	now := time.Now()
	g.now = func() time.Time { return now }
	if _, _, err := g.Authenticate(context.Background(), broker); err != nil {
		t.Fatalf("a valid cache: %v", err)
	}
	if got := r.kdc.Logins(); len(got) != 0 {
		t.Fatalf("logged in at the KDC with a valid cache: %q", got)
	}
	now = g.tgtEnd.Add(time.Second)
	if _, _, err := g.Authenticate(context.Background(), broker); err != nil {
		t.Fatalf("an expired cache with a keytab: %v", err)
	}
	if got := r.kdc.Logins(); len(got) != 1 || got[0] != clientPrinc {
		t.Errorf("KDC logins %q, want one of %s with the keytab", got, clientPrinc)
	}

	_, warnings, err := SecurityOpts(gssapiSec(krb5JAAS(`useTicketCache=true ticketCache="` + cache + `" useKeyTab=true keyTab="/nonexistent.keytab"`)))
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "the keytab cannot take over: the Krb5LoginModule keyTab /nonexistent.keytab cannot be read") {
		t.Errorf("a cache with an unreadable keytab: warnings %q, error %v", warnings, err)
	}
}

// A ticket cache names its principal: neither the principal option nor a
// default_realm is needed.
func TestGSSAPITicketCacheNoDefaultRealm(t *testing.T) {
	r := newKrbRealm(t)
	addr, acc := startGSSAPIKafka(t, r.brokerKT)
	conf := filepath.Join(r.dir, "norealm.conf")
	writeKrb5Conf(t, conf, "dns_lookup_kdc = false", testRealm+" = {\n kdc = "+r.kdc.Addr+"\n}")
	t.Setenv("KRB5_CONFIG", conf)
	cache := filepath.Join(r.dir, "krb5cc_test")
	r.kdc.WriteCCache(t, cache, testClient, time.Hour)
	roundTrip(t, addr, securityOpts(t, gssapiSec(krb5JAAS(`useTicketCache=true ticketCache="FILE:`+cache+`"`))))
	if got := acc.Authenticated(); len(got) == 0 || got[0] != clientPrinc {
		t.Errorf("the acceptor authenticated %q, want %s", got, clientPrinc)
	}
}

// The krb5.conf that RHEL ships reads, with warnings for the lines that
// gokrb5 does not understand.
func TestGSSAPIRHELKrb5Conf(t *testing.T) {
	r := newKrbRealm(t)
	addr, acc := startGSSAPIKafka(t, r.brokerKT)
	conf := filepath.Join(r.dir, "rhel.conf")
	text := `# To opt out of the system crypto-policies configuration of krb5, remove the
# symlink at /etc/krb5.conf.d/crypto-policies which will not be recreated.
includedir /etc/krb5.conf.d/

[logging]
    default = FILE:/var/log/krb5libs.log

[libdefaults]
    dns_lookup_realm = false
    ticket_lifetime = 24h
    renew_lifetime = 7d
    forwardable = true
    rdns = false
    pkinit_anchors = FILE:/etc/pki/tls/certs/ca-bundle.crt
    spake_preauth_groups = edwards25519
    dns_canonicalize_hostname = fallback # as MIT krb5 1.18 writes it
    qualify_shortname = ""
    udp_preference_limit = 1
    default_realm = ` + testRealm + `
    default_ccache_name = KEYRING:persistent:%{uid}

[realms]
 ` + testRealm + ` = {
     kdc = ` + r.kdc.Addr + `
     admin_server = ` + r.kdc.Addr + `
 }

[domain_realm]
 .example.com = ` + testRealm + `
`
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KRB5_CONFIG", conf)
	opts, warnings, err := SecurityOpts(gssapiSec(krb5JAAS(`useKeyTab=true keyTab="` + r.keytab + `" principal="` + clientPrinc + `"`)))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "dns_canonicalize_hostname = fallback is not understood") {
		t.Errorf("warnings %q", warnings)
	}
	roundTrip(t, addr, opts)
	if len(acc.Authenticated()) == 0 {
		t.Error("no GSSAPI exchange completed")
	}
}

// The options of one SecurityOpts call serve several kgo.Clients (the
// replicator's consumer and dead-letter producer): closing one does not
// stop the others, which log in again when they need to.
func TestGSSAPISharedOptions(t *testing.T) {
	r := newKrbRealm(t)
	addr, acc := startGSSAPIKafka(t, r.brokerKT)
	opts := securityOpts(t, gssapiSec(krb5JAAS(`useKeyTab=true keyTab="`+r.keytab+`" principal="`+clientPrinc+`"`)))
	ping := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.RequestRetries(0)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close() // closes the mechanism (sasl.ClosingMechanism)
		if err := cl.Ping(ctx); err != nil {
			t.Fatalf("ping: %v", err)
		}
	}
	ping()
	ping()
	if got := r.kdc.Logins(); len(got) != 2 {
		t.Errorf("KDC logins %q, want one per client", got)
	}
	if got := acc.Authenticated(); len(got) < 2 {
		t.Errorf("the acceptor authenticated %q", got)
	}
}

// A worker .properties file with the GSSAPI keys a Kerberized Connect
// cluster has (here with the consumer. prefix that sink consumers read),
// as config.Load reads it, reaches a Kerberos broker.
func TestGSSAPIFromWorkerFile(t *testing.T) {
	r := newKrbRealm(t)
	addr, acc := startGSSAPIKafka(t, r.brokerKT)
	worker := filepath.Join(r.dir, "connect-distributed.properties")
	if err := os.WriteFile(worker, []byte(`bootstrap.servers=`+addr+`
consumer.security.protocol=SASL_PLAINTEXT
consumer.sasl.mechanism=GSSAPI
consumer.sasl.kerberos.service.name=kafka
consumer.sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required \
    useKeyTab=true \
    storeKey=true \
    keyTab="`+r.keytab+`" \
    principal="`+clientPrinc+`";
`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, opts := workerFileOpts(t, worker)
	roundTrip(t, addr, opts)
	if got := acc.Authenticated(); len(got) == 0 || got[0] != clientPrinc {
		t.Errorf("the acceptor authenticated %q, want %s", got, clientPrinc)
	}
}
