package kafka

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	krbclient "github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/types"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/kerberos"

	"github.com/starcdc/starcdc/config"
)

// GSSAPI (Kerberos) keys, as Kafka's KerberosLogin reads them
// (org.apache.kafka.common.security.kerberos.KerberosLogin), and the
// environment variables of MIT Kerberos that starcdc reads in place of
// Java's system properties.
const (
	keyKerberosServiceName = "sasl.kerberos.service.name"
	keyKerberosKinitCmd    = "sasl.kerberos.kinit.cmd"
	keyKerberosRenewWindow = "sasl.kerberos.ticket.renew.window.factor"
	keyKerberosRenewJitter = "sasl.kerberos.ticket.renew.jitter"
	keyKerberosMinRelogin  = "sasl.kerberos.min.time.before.relogin"

	envKRB5Config     = "KRB5_CONFIG"
	envKRB5CCName     = "KRB5CCNAME"
	defaultKRB5Config = "/etc/krb5.conf"
)

// Krb5LoginModule options (com.sun.security.auth.module.Krb5LoginModule)
// that starcdc reads; jaasServiceName is Kafka's JaasUtils.SERVICE_NAME.
const (
	jaasUseKeyTab      = "useKeyTab"
	jaasKeyTab         = "keyTab"
	jaasPrincipal      = "principal"
	jaasUseTicketCache = "useTicketCache"
	jaasTicketCache    = "ticketCache"
	jaasServiceName    = "serviceName"
)

// krb5SilentOptions are Krb5LoginModule options that only matter to Java's
// login: accepted without a warning.
var krb5SilentOptions = []string{"storeKey", "debug", "doNotPrompt", "refreshKrb5Config", "isInitiator"}

// ErrKerberos is wrapped by every error of a GSSAPI authentication with a
// broker: the Kerberos login at the KDC (unreachable KDC, a keytab whose
// key the KDC does not accept, an expired ticket cache) and getting or
// presenting the broker's service ticket. Its message names the principal,
// the realm and its KDCs; it never holds key material.
var ErrKerberos = errors.New("GSSAPI (Kerberos) authentication failed")

// ccacheType matches the "TYPE:" prefix of an MIT credential cache name.
var ccacheType = regexp.MustCompile(`^([A-Za-z]+):`)

// gssapi builds the GSSAPI mechanism for a Krb5LoginModule entry. It reads
// krb5.conf and the keytab or the ticket cache now, so that a wrong path,
// an unreadable file or a principal the keytab has no key for fails at
// start-up; it talks to the KDC only at the first broker connection.
func (p *secParser) gssapi(opts map[string]string) (sasl.Mechanism, error) {
	service, err := p.kerberosServiceName(opts)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{keyKerberosKinitCmd, keyKerberosRenewWindow, keyKerberosRenewJitter, keyKerberosMinRelogin} {
		if _, ok := p.get(k); ok {
			p.warnf(k, "not acted on: starcdc runs no kinit; with a keytab it logs in again by itself before the ticket expires, and with a ticket cache it reads the cache again once its ticket has expired (renew it with kinit -R or k5start)")
		}
	}
	if cb, ok := p.get("sasl.client.callback.handler.class"); ok && cb != "" && !isModule(cb, "SaslClientCallbackHandler") {
		return nil, unsupportedf("sasl.client.callback.handler.class=%s: with GSSAPI starcdc implements only Kafka's default, org.apache.kafka.common.security.authenticator.SaslClientCallbackHandler", cb)
	}
	if n := len(opts) - countKeys(opts, append([]string{jaasUseKeyTab, jaasKeyTab, jaasPrincipal, jaasUseTicketCache, jaasTicketCache, jaasServiceName}, krb5SilentOptions...)...); n > 0 {
		p.warnf(keySASLJAASConfig, "%d Krb5LoginModule option(s) ignored", n)
	}

	conf, confSource := os.Getenv(envKRB5Config), "KRB5_CONFIG"
	if conf == "" {
		conf, confSource = defaultKRB5Config, "the default path; set KRB5_CONFIG to use another file"
	}
	confText, err := os.ReadFile(conf)
	if err != nil {
		return nil, invalidf("sasl.mechanism=GSSAPI: krb5.conf %s (%s) cannot be read: %w", conf, confSource, err)
	}
	cfg, err := p.krb5Conf(conf, string(confText))
	if err != nil {
		return nil, invalidf("sasl.mechanism=GSSAPI: krb5.conf %s (%s): %v", conf, confSource, err)
	}

	useKeyTab := strings.EqualFold(strings.TrimSpace(opts[jaasUseKeyTab]), "true")
	useCache := strings.EqualFold(strings.TrimSpace(opts[jaasUseTicketCache]), "true")
	name, realm, err := kerberosPrincipal(strings.TrimSpace(opts[jaasPrincipal]), cfg, conf)
	if err != nil {
		return nil, err
	}
	if !useKeyTab && !useCache {
		return nil, invalidf("%s: the Krb5LoginModule needs useKeyTab=true with keyTab and principal, or useTicketCache=true: starcdc cannot prompt for a password", keySASLJAASConfig)
	}
	a := &gssapiAuth{service: service, cfg: cfg, now: time.Now}
	if useCache {
		// As Krb5LoginModule: the ticket cache first, then the keytab.
		var err error
		if a.ccache, err = ticketCachePath(opts[jaasTicketCache]); err == nil {
			a.cl, a.tgtEnd, err = loadTicketCache(a.ccache, name, realm, cfg, a.now())
		}
		switch {
		case err == nil:
			name, realm = a.cl.Credentials.UserName(), a.cl.Credentials.Domain()
		case !useKeyTab:
			return nil, err
		default:
			a.ccache = ""
		}
	}
	if a.cl == nil && name == "" {
		return nil, invalidf("%s: the Krb5LoginModule has no principal option: with useKeyTab=true write principal=\"name@REALM\"", keySASLJAASConfig)
	}
	a.name, a.realm, a.principal = name, realm, principalString(name, realm)
	if err := checkKDCs(cfg, conf, realm); err != nil {
		return nil, err
	}
	a.kdcs = kdcList(cfg, realm)
	if !useKeyTab {
		return a, nil
	}
	kt, err := loadKeytab(strings.TrimSpace(opts[jaasKeyTab]), name, realm)
	switch {
	case err != nil && a.cl != nil:
		// The ticket cache works; the keytab was only its successor.
		p.warnf(keySASLJAASConfig, "once the ticket cache's ticket expires the keytab cannot take over: %s",
			strings.TrimPrefix(err.Error(), config.ErrInvalid.Error()+": "+keySASLJAASConfig+": "))
		return a, nil
	case err != nil:
		return nil, err
	}
	a.keytab = kt
	if a.cl == nil {
		a.cl = a.keytabClient()
	}
	return a, nil
}

// badLibdefault finds the line of a gokrb5 error about a [libdefaults]
// line it cannot read.
var badLibdefault = regexp.MustCompile(`libdefaults section line \((.*)\)(: |$)`)

// krb5Conf parses krb5.conf. gokrb5 refuses some [libdefaults] values
// that MIT accepts (such as dns_canonicalize_hostname = fallback, in the
// krb5.conf that RHEL and Fedora ship): such a line is left out, with a
// warning, and the file is parsed again.
func (p *secParser) krb5Conf(path, text string) (*krbconfig.Config, error) {
	lines := strings.Split(text, "\n")
	for range 32 {
		cfg, err := krbconfig.NewFromString(strings.Join(lines, "\n"))
		var unsupported krbconfig.UnsupportedDirective
		switch {
		case err == nil:
			return cfg, nil
		case errors.As(err, &unsupported) && cfg != nil:
			p.warnf(keySASLMechanism, "krb5.conf %s: %v: the directive is ignored", path, err)
			return cfg, nil
		}
		m := badLibdefault.FindStringSubmatch(err.Error())
		if m == nil {
			return nil, err
		}
		i := slices.IndexFunc(lines, func(l string) bool {
			if j := strings.IndexAny(l, "#;"); j >= 0 {
				l = l[:j]
			}
			return strings.TrimSpace(l) == m[1]
		})
		if i < 0 {
			return nil, err
		}
		p.warnf(keySASLMechanism, "krb5.conf %s: [libdefaults] %s is not understood by starcdc's Kerberos library (gokrb5): the line is ignored", path, m[1])
		lines[i] = ""
	}
	return nil, errors.New("too many [libdefaults] lines that starcdc's Kerberos library (gokrb5) does not understand")
}

// kerberosServiceName returns the broker's Kerberos service name as
// Kafka's KerberosLogin.getServiceName chooses it: the JAAS serviceName
// option, else sasl.kerberos.service.name; both set to different values,
// or neither set, is an error.
func (p *secParser) kerberosServiceName(opts map[string]string) (string, error) {
	fromKey, keySet := p.get(keyKerberosServiceName)
	fromJAAS, jaasSet := opts[jaasServiceName]
	fromJAAS = strings.TrimSpace(fromJAAS)
	switch {
	case jaasSet && keySet && fromJAAS != fromKey:
		return "", invalidf("conflicting serviceName values found in JAAS and Kafka configs: the %s option serviceName=%s and %s=%s; remove one", keySASLJAASConfig, fromJAAS, keyKerberosServiceName, fromKey)
	case jaasSet && fromJAAS != "":
		return fromJAAS, nil
	case keySet && fromKey != "":
		return fromKey, nil
	}
	return "", invalidf("no serviceName defined in either JAAS or Kafka config: set %s to the brokers' Kerberos service name (the first part of their principal, usually kafka)", keyKerberosServiceName)
}

// kerberosPrincipal splits a principal option into its name and realm; a
// name without a realm takes krb5.conf's default_realm. An empty option
// gives an empty name (a ticket cache names its principal).
func kerberosPrincipal(p string, cfg *krbconfig.Config, conf string) (name, realm string, err error) {
	if p == "" {
		return "", "", nil
	}
	if i := strings.LastIndexByte(p, '@'); i >= 0 {
		name, realm = p[:i], p[i+1:]
		if name == "" || realm == "" {
			return "", "", invalidf("%s: the Krb5LoginModule option principal must be name@REALM or name", keySASLJAASConfig)
		}
		return name, realm, nil
	}
	if realm = cfg.LibDefaults.DefaultRealm; realm == "" {
		return "", "", invalidf("%s: the Krb5LoginModule principal has no realm and krb5.conf %s has no default_realm in [libdefaults]: write principal=\"name@REALM\"", keySASLJAASConfig, conf)
	}
	return p, realm, nil
}

// checkKDCs makes sure krb5.conf says where the realm's KDCs are.
func checkKDCs(cfg *krbconfig.Config, conf, realm string) error {
	if cfg.LibDefaults.DNSLookupKDC {
		return nil
	}
	for _, r := range cfg.Realms {
		if r.Realm == realm && len(r.KDC) > 0 {
			return nil
		}
	}
	return invalidf("sasl.mechanism=GSSAPI: krb5.conf %s has no kdc for realm %s in [realms] and dns_lookup_kdc is off: add %s = { kdc = host:88 }", conf, realm, realm)
}

// kdcList names the realm's KDCs for messages.
func kdcList(cfg *krbconfig.Config, realm string) string {
	for _, r := range cfg.Realms {
		if r.Realm == realm && len(r.KDC) > 0 {
			return strings.Join(r.KDC, ", ")
		}
	}
	return "(from DNS SRV records)"
}

func principalString(name, realm string) string { return name + "@" + realm }

// loadKeytab reads the keytab file of the keyTab option and checks that it
// holds a key for name@realm. Errors name the file but never show a key.
func loadKeytab(path, name, realm string) (*keytab.Keytab, error) {
	if path == "" {
		return nil, invalidf("%s: useKeyTab=true needs the Krb5LoginModule option keyTab: write keyTab=\"/path/to/client.keytab\" (starcdc does not look for a default keytab)", keySASLJAASConfig)
	}
	if len(path) > 5 && strings.EqualFold(path[:5], "FILE:") {
		path = path[5:]
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, invalidf("%s: the Krb5LoginModule keyTab %s cannot be read: %w: give starcdc's user read access to it", keySASLJAASConfig, path, err)
	}
	kt := keytab.New()
	if err := unmarshalKeytab(kt, data); err != nil {
		return nil, invalidf("%s: the Krb5LoginModule keyTab %s is not a Kerberos keytab (write it with kadmin ktadd or ktutil)", keySASLJAASConfig, path)
	}
	var held []string
	for _, e := range kt.Entries {
		p := principalString(strings.Join(e.Principal.Components, "/"), e.Principal.Realm)
		if e.Principal.Realm == realm && strings.Join(e.Principal.Components, "/") == name {
			return kt, nil
		}
		if !slices.Contains(held, p) {
			held = append(held, p)
		}
	}
	return nil, invalidf("%s: the Krb5LoginModule keyTab %s holds no key for principal %s (it holds keys for %d other principal(s): %s): set principal to one of them or export the principal's keys into the keytab", keySASLJAASConfig, path, principalString(name, realm), len(held), strings.Join(held, ", "))
}

// unmarshalKeytab parses a keytab; gokrb5's parser may panic on a
// truncated file, which is turned into an error.
func unmarshalKeytab(kt *keytab.Keytab, data []byte) (err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("truncated keytab")
		}
	}()
	return kt.Unmarshal(data)
}

// ticketCachePath resolves the credential cache as Krb5LoginModule and
// MIT Kerberos do: the ticketCache option, else KRB5CCNAME, else
// /tmp/krb5cc_<uid>. Only FILE: caches can be read.
func ticketCachePath(option string) (string, error) {
	path, source := strings.TrimSpace(option), "the Krb5LoginModule option ticketCache"
	if path == "" {
		path, source = os.Getenv(envKRB5CCName), envKRB5CCName
	}
	if path == "" {
		path, source = fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid()), "the default; set the ticketCache option or KRB5CCNAME to use another"
	}
	if m := ccacheType.FindStringSubmatch(path); m != nil {
		if !strings.EqualFold(m[1], "FILE") {
			return "", unsupportedf("%s: the ticket cache %s (%s) is a %s cache: starcdc reads only FILE: caches (run kinit -c FILE:/path and point ticketCache or KRB5CCNAME at it)", keySASLJAASConfig, path, source, strings.ToUpper(m[1]))
		}
		path = path[len(m[0]):]
	}
	if _, err := os.Stat(path); err != nil {
		return "", invalidf("%s: useTicketCache=true: no Kerberos ticket cache at %s (%s): run kinit, or log in with useKeyTab=true, keyTab and principal", keySASLJAASConfig, path, source)
	}
	return path, nil
}

// loadTicketCache reads a FILE: ticket cache and returns a client over its
// TGT and the TGT's end time. A name (and realm) set by the principal
// option must be the cache's principal. A TGT that has expired gives an
// error with its end time.
func loadTicketCache(path, name, realm string, cfg *krbconfig.Config, now time.Time) (*krbclient.Client, time.Time, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, time.Time{}, invalidf("%s: the Kerberos ticket cache %s cannot be read: %w: give starcdc's user read access to it", keySASLJAASConfig, path, err)
	}
	cc := new(credentials.CCache)
	if err := unmarshalCCache(cc, data); err != nil {
		return nil, time.Time{}, invalidf("%s: %s is not a Kerberos ticket cache in MIT's file format: run kinit again", keySASLJAASConfig, path)
	}
	cacheName := strings.Join(cc.DefaultPrincipal.PrincipalName.NameString, "/")
	if name != "" && (cacheName != name || cc.DefaultPrincipal.Realm != realm) {
		return nil, time.Time{}, invalidf("%s: the Kerberos ticket cache %s holds tickets for %s, not for principal %s: run kinit %s", keySASLJAASConfig, path, principalString(cacheName, cc.DefaultPrincipal.Realm), principalString(name, realm), principalString(name, realm))
	}
	tgt, ok := cc.GetEntry(types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", cc.DefaultPrincipal.Realm}})
	if !ok {
		return nil, time.Time{}, invalidf("%s: the Kerberos ticket cache %s holds no ticket-granting ticket for %s: run kinit", keySASLJAASConfig, path, principalString(cacheName, cc.DefaultPrincipal.Realm))
	}
	if !now.Before(tgt.EndTime) {
		return nil, tgt.EndTime, invalidf("%s: the ticket-granting ticket in the Kerberos ticket cache %s expired at %s: run kinit %s (or kinit -R)", keySASLJAASConfig, path, tgt.EndTime.UTC().Format(time.RFC3339), principalString(cacheName, cc.DefaultPrincipal.Realm))
	}
	cl, err := krbclient.NewFromCCache(cc, cfg, krbclient.DisablePAFXFAST(true))
	if err != nil {
		return nil, time.Time{}, invalidf("%s: the Kerberos ticket cache %s: %v: run kinit again", keySASLJAASConfig, path, err)
	}
	return cl, tgt.EndTime, nil
}

// unmarshalCCache parses a credential cache; gokrb5's parser panics on a
// truncated file, which is turned into an error.
func unmarshalCCache(cc *credentials.CCache, data []byte) (err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("truncated credential cache")
		}
	}()
	if len(data) < 2 {
		return errors.New("truncated credential cache")
	}
	return cc.Unmarshal(data)
}

// gssapiAuth is the GSSAPI mechanism: franz-go's kerberos plug-in over one
// gokrb5 client, shared by every connection of the kgo.Clients built from
// the options. With a keytab the client logs in at the first connection
// and gokrb5 renews its ticket-granting ticket, logging in again with the
// keytab when it can no longer be renewed. With a ticket cache the cache is
// read again once its ticket-granting ticket has expired, so that an
// outside kinit -R or k5start keeps starcdc connected.
type gssapiAuth struct {
	service   string
	name      string // the client principal without its realm
	realm     string
	principal string // name@REALM
	kdcs      string // the realm's KDCs, for messages
	cfg       *krbconfig.Config
	keytab    *keytab.Keytab   // nil without useKeyTab
	now       func() time.Time // the clock that ticket cache expiry is checked against

	mu     sync.Mutex        // serializes logins: a gokrb5 client is not safe for concurrent logins
	cl     *krbclient.Client // nil until SecurityOpts loads the cache or the keytab, and after Close
	ccache string            // the ticket cache file in use, "" with a keytab
	tgtEnd time.Time         // ticket cache: when the loaded TGT expires
}

var _ sasl.ClosingMechanism = (*gssapiAuth)(nil)

func (*gssapiAuth) Name() string { return "GSSAPI" }

// Authenticate logs in if needed and starts the GSSAPI exchange with the
// broker at host (host:port, as the broker advertises itself): the service
// ticket is for service/host.
func (a *gssapiAuth) Authenticate(ctx context.Context, host string) (sasl.Session, []byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.client(); err != nil {
		return nil, nil, err
	}
	if err := a.cl.AffirmLogin(); err != nil {
		return nil, nil, fmt.Errorf("%w: login of %s at the KDC(s) %s of realm %s: %v%s", ErrKerberos, a.principal, a.kdcs, a.realm, err, kdcHint(err, a.service))
	}
	m := kerberos.Auth{Client: a.cl, Service: a.service, PersistAfterAuth: true}.AsMechanism()
	s, first, err := m.Authenticate(ctx, host)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s getting a ticket for service %s of broker %s from the KDC(s) %s of realm %s: %v%s", ErrKerberos, a.principal, a.service, host, a.kdcs, a.realm, err, kdcHint(err, a.service))
	}
	return s, first, nil
}

// client makes a.cl a client that can log in: the one in use, or one over
// the ticket cache read again once its ticket has expired, else (with
// useKeyTab, as Krb5LoginModule's login again) over the keytab.
func (a *gssapiAuth) client() error {
	if a.cl != nil && (a.ccache == "" || a.now().Before(a.tgtEnd)) {
		return nil
	}
	if a.ccache != "" {
		cl, end, err := loadTicketCache(a.ccache, a.name, a.realm, a.cfg, a.now())
		switch {
		case err == nil:
			a.replace(cl)
			a.tgtEnd = end
			return nil
		case a.keytab != nil:
			a.ccache = ""
		case !end.IsZero():
			return fmt.Errorf("%w: the ticket-granting ticket of %s in the ticket cache %s expired at %s: renew it with kinit -R, or kinit %s", ErrKerberos, a.principal, a.ccache, end.UTC().Format(time.RFC3339), a.principal)
		default:
			return fmt.Errorf("%w: reading the ticket cache %s of %s again: %v", ErrKerberos, a.ccache, a.principal, err)
		}
	}
	a.replace(a.keytabClient())
	return nil
}

// replace makes cl the client in use and stops the old one's renewal.
func (a *gssapiAuth) replace(cl *krbclient.Client) {
	if a.cl != nil {
		a.cl.Destroy()
	}
	a.cl = cl
}

// keytabClient returns a new client that logs in with the keytab.
func (a *gssapiAuth) keytabClient() *krbclient.Client {
	return krbclient.NewWithKeytab(a.name, a.realm, a.keytab, a.cfg, krbclient.DisablePAFXFAST(true))
}

// Close stops the gokrb5 client's ticket renewal; kgo calls it when a
// client is closed. The options of one SecurityOpts call may serve several
// kgo.Clients (the consumer and the dead-letter producer) that close one
// by one, so a later Authenticate logs in again, with the keytab or from
// the ticket cache read again.
func (a *gssapiAuth) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.replace(nil)
	a.tgtEnd = time.Time{}
}

// kdcHint says what to do about the KDC errors that a configuration
// causes. gokrb5's errors do not unwrap to the KDC's KRB-ERROR, so its
// message is matched.
func kdcHint(err error, service string) string {
	switch msg := err.Error(); {
	case strings.Contains(msg, "KDC_ERR_PREAUTH_FAILED"):
		return ": the keytab's key is not the KDC's (the key was changed since the keytab was written): export the keytab again"
	case strings.Contains(msg, "KDC_ERR_C_PRINCIPAL_UNKNOWN"):
		return ": the KDC does not know the principal: check the Krb5LoginModule option principal"
	case strings.Contains(msg, "KDC_ERR_S_PRINCIPAL_UNKNOWN"):
		return fmt.Sprintf(": the KDC does not know the broker's principal %s/<host>: check %s and that the brokers advertise the host names of their principals", service, keyKerberosServiceName)
	}
	return ""
}
