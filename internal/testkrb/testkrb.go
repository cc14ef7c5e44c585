// Package testkrb is a small Kerberos realm for tests: an in-process KDC
// that answers AS-REQ and TGS-REQ over TCP (RFC 4120 section 7.2.2: a
// 4-byte big-endian length, then the message), keytabs for its
// principals, a krb5.conf that points at it, MIT ticket cache files, and
// the broker (acceptor) side of Kafka's GSSAPI SASL exchange. It is built
// from gokrb5's own message types, so the client side under test talks to
// real protocol peers. It is for tests only.
package testkrb

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/msgtype"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/iana/patype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// etype is the one encryption type of the realm: aes256-cts-hmac-sha1-96.
const etype = etypeID.AES256_CTS_HMAC_SHA1_96

// kvno is the key version of every principal.
const kvno = 1

// Lifetime is how long the tickets the KDC issues are valid.
const Lifetime = time.Hour

// KDC is a key distribution center for one realm, listening on a local
// TCP port. It requires pre-authentication (PA-ENC-TIMESTAMP), as MIT and
// Active Directory KDCs do. It is safe for concurrent use.
type KDC struct {
	Realm string
	Addr  string // host:port of the KDC

	ln net.Listener
	wg sync.WaitGroup

	mu     sync.Mutex
	db     *keytab.Keytab // every principal's keys
	issued []string       // service principals of the tickets issued by TGS
	logins []string       // client principals logged in by AS
}

// NewKDC starts a KDC for realm on 127.0.0.1; it stops when the test ends.
func NewKDC(t testing.TB, realm string) *KDC {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &KDC{Realm: realm, Addr: ln.Addr().String(), ln: ln, db: keytab.New()}
	k.AddPrincipal(t, "krbtgt/"+realm)
	k.wg.Add(1)
	go k.serve()
	t.Cleanup(func() {
		ln.Close()
		k.wg.Wait()
	})
	return k
}

// AddPrincipal adds name (such as connect or kafka/127.0.0.1, without the
// realm) with a random key, and returns a keytab that holds the key.
func (k *KDC) AddPrincipal(t testing.TB, name string) *keytab.Keytab {
	t.Helper()
	pass := rand.Text()
	kt := keytab.New()
	now := time.Now()
	if err := kt.AddEntry(name, k.Realm, pass, now, kvno, etype); err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.db.AddEntry(name, k.Realm, pass, now, kvno, etype); err != nil {
		t.Fatal(err)
	}
	return kt
}

// OtherKeytab returns a keytab for name in the realm with a key the KDC
// does not know (a stale or wrong keytab).
func (k *KDC) OtherKeytab(t testing.TB, name string) *keytab.Keytab {
	t.Helper()
	kt := keytab.New()
	if err := kt.AddEntry(name, k.Realm, rand.Text(), time.Now(), kvno, etype); err != nil {
		t.Fatal(err)
	}
	return kt
}

// WriteKeytab writes kt to a new file in dir and returns its path.
func WriteKeytab(t testing.TB, dir, name string, kt *keytab.Keytab) string {
	t.Helper()
	b, err := kt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Krb5Conf writes a krb5.conf for the realm (its default realm, with this
// KDC over TCP) to dir and returns its path.
func (k *KDC) Krb5Conf(t testing.TB, dir string) string {
	t.Helper()
	conf := fmt.Sprintf(`[libdefaults]
  default_realm = %[1]s
  dns_lookup_kdc = false
  dns_lookup_realm = false
  udp_preference_limit = 1
  default_tkt_enctypes = aes256-cts-hmac-sha1-96
  default_tgs_enctypes = aes256-cts-hmac-sha1-96
  permitted_enctypes = aes256-cts-hmac-sha1-96

[realms]
  %[1]s = {
    kdc = %[2]s
  }
`, k.Realm, k.Addr)
	p := filepath.Join(dir, "krb5.conf")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issued returns the service principals (name@REALM) that the KDC issued
// service tickets for, in order.
func (k *KDC) Issued() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.issued...)
}

// Logins returns the client principals (name@REALM) that logged in (AS
// exchanges that issued a ticket-granting ticket), in order.
func (k *KDC) Logins() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.logins...)
}

func (k *KDC) serve() {
	defer k.wg.Done()
	for {
		c, err := k.ln.Accept()
		if err != nil {
			return
		}
		k.wg.Add(1)
		go func() {
			defer k.wg.Done()
			defer c.Close()
			k.serveConn(c)
		}()
	}
}

// serveConn answers the requests of one TCP connection.
func (k *KDC) serveConn(c net.Conn) {
	for {
		var n uint32
		if err := binary.Read(c, binary.BigEndian, &n); err != nil || n > 1<<20 {
			return
		}
		req := make([]byte, n)
		if _, err := io.ReadFull(c, req); err != nil {
			return
		}
		rep := k.handle(req)
		out := binary.BigEndian.AppendUint32(nil, uint32(len(rep)))
		if _, err := c.Write(append(out, rep...)); err != nil {
			return
		}
	}
}

// handle answers one request with a reply or a KRB-ERROR.
func (k *KDC) handle(req []byte) []byte {
	var rep []byte
	var err error
	switch {
	case len(req) > 0 && req[0] == 0x6a: // [APPLICATION 10] AS-REQ
		rep, err = k.as(req)
	case len(req) > 0 && req[0] == 0x6c: // [APPLICATION 12] TGS-REQ
		rep, err = k.tgs(req)
	default:
		err = k.krbError(errorcode.KRB_ERR_GENERIC, "not an AS-REQ or a TGS-REQ")
	}
	if err != nil {
		var ke messages.KRBError
		if !errors.As(err, &ke) {
			ke = messages.NewKRBError(k.tgtName(), k.Realm, errorcode.KRB_ERR_GENERIC, err.Error())
		}
		rep, _ = ke.Marshal()
	}
	return rep
}

func (k *KDC) tgtName() types.PrincipalName {
	return types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", k.Realm}}
}

func (k *KDC) krbError(code int32, text string) error {
	return messages.NewKRBError(k.tgtName(), k.Realm, code, text)
}

// key returns the key of a principal of the realm.
func (k *KDC) key(p types.PrincipalName) (types.EncryptionKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, _, err := k.db.GetEncryptionKey(p, k.Realm, kvno, etype)
	return key, err == nil
}

// ticket issues a ticket for sname to cname, valid for life, and the
// reply part that carries its session key.
func (k *KDC) ticket(cname, sname types.PrincipalName, nonce int, life time.Duration) (messages.Ticket, messages.EncKDCRepPart, error) {
	now := time.Now().UTC().Truncate(time.Second)
	f := types.NewKrbFlags()
	types.SetFlag(&f, flags.PreAuthent)
	k.mu.Lock()
	tkt, skey, err := messages.NewTicket(cname, k.Realm, sname, k.Realm, f, k.db, etype, kvno, now, now, now.Add(life), now.Add(life))
	k.mu.Unlock()
	if err != nil {
		return tkt, messages.EncKDCRepPart{}, err
	}
	return tkt, messages.EncKDCRepPart{
		Key:       skey,
		LastReqs:  []messages.LastReq{{LRType: 0, LRValue: now}},
		Nonce:     nonce,
		Flags:     f,
		AuthTime:  now,
		StartTime: now,
		EndTime:   now.Add(life),
		RenewTill: now.Add(life),
		SRealm:    k.Realm,
		SName:     sname,
	}, nil
}

// as answers an AS-REQ: a ticket-granting ticket for a known client that
// proved it holds its key with PA-ENC-TIMESTAMP.
func (k *KDC) as(b []byte) ([]byte, error) {
	var req messages.ASReq
	if err := req.Unmarshal(b); err != nil {
		return nil, err
	}
	cname := req.ReqBody.CName
	ckey, ok := k.key(cname)
	if !ok || req.ReqBody.Realm != k.Realm {
		return nil, k.krbError(errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, "client not found in Kerberos database")
	}
	var ts *types.PAData
	for i, pa := range req.PAData {
		if pa.PADataType == patype.PA_ENC_TIMESTAMP {
			ts = &req.PAData[i]
		}
	}
	if ts == nil {
		info, err := asn1.Marshal(types.ETypeInfo2{{EType: etype, Salt: k.Realm + strings.Join(cname.NameString, "")}})
		if err != nil {
			return nil, err
		}
		eData, err := asn1.Marshal(types.PADataSequence{{PADataType: patype.PA_ETYPE_INFO2, PADataValue: info}})
		if err != nil {
			return nil, err
		}
		ke := messages.NewKRBError(k.tgtName(), k.Realm, errorcode.KDC_ERR_PREAUTH_REQUIRED, "additional pre-authentication required")
		ke.EData = eData
		return nil, ke
	}
	var ed types.EncryptedData
	if err := ed.Unmarshal(ts.PADataValue); err != nil {
		return nil, k.krbError(errorcode.KDC_ERR_PREAUTH_FAILED, "pre-authentication failed")
	}
	if _, err := crypto.DecryptEncPart(ed, ckey, keyusage.AS_REQ_PA_ENC_TIMESTAMP); err != nil {
		return nil, k.krbError(errorcode.KDC_ERR_PREAUTH_FAILED, "pre-authentication failed")
	}
	tkt, part, err := k.ticket(cname, req.ReqBody.SName, req.ReqBody.Nonce, Lifetime)
	if err != nil {
		return nil, err
	}
	pb, err := part.Marshal()
	if err != nil {
		return nil, err
	}
	enc, err := crypto.GetEncryptedData(pb, ckey, keyusage.AS_REP_ENCPART, kvno)
	if err != nil {
		return nil, err
	}
	rep := messages.ASRep{KDCRepFields: messages.KDCRepFields{
		PVNO: 5, MsgType: msgtype.KRB_AS_REP, CRealm: k.Realm, CName: cname, Ticket: tkt, EncPart: enc,
	}}
	k.mu.Lock()
	k.logins = append(k.logins, cname.PrincipalNameString()+"@"+k.Realm)
	k.mu.Unlock()
	return rep.Marshal()
}

// tgs answers a TGS-REQ: a service ticket for a known service to the
// holder of a ticket-granting ticket.
func (k *KDC) tgs(b []byte) ([]byte, error) {
	var req messages.TGSReq
	if err := req.Unmarshal(b); err != nil {
		return nil, err
	}
	var ap *messages.APReq
	for _, pa := range req.PAData {
		if pa.PADataType == patype.PA_TGS_REQ {
			ap = new(messages.APReq)
			if err := ap.Unmarshal(pa.PADataValue); err != nil {
				return nil, err
			}
		}
	}
	if ap == nil {
		return nil, k.krbError(errorcode.KDC_ERR_PADATA_TYPE_NOSUPP, "no PA-TGS-REQ")
	}
	k.mu.Lock()
	tgt := k.tgtName()
	err := ap.Ticket.DecryptEncPart(k.db, &tgt)
	k.mu.Unlock()
	if err != nil {
		return nil, k.krbError(errorcode.KRB_AP_ERR_BAD_INTEGRITY, "ticket-granting ticket not valid")
	}
	skey := ap.Ticket.DecryptedEncPart.Key
	if err := ap.DecryptAuthenticator(skey); err != nil {
		return nil, k.krbError(errorcode.KRB_AP_ERR_BAD_INTEGRITY, "authenticator not valid")
	}
	sname := req.ReqBody.SName
	if _, ok := k.key(sname); !ok {
		return nil, k.krbError(errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN, "server not found in Kerberos database")
	}
	cname := ap.Ticket.DecryptedEncPart.CName
	tkt, part, err := k.ticket(cname, sname, req.ReqBody.Nonce, Lifetime)
	if err != nil {
		return nil, err
	}
	pb, err := part.Marshal()
	if err != nil {
		return nil, err
	}
	enc, err := crypto.GetEncryptedData(pb, skey, keyusage.TGS_REP_ENCPART_SESSION_KEY, 0)
	if err != nil {
		return nil, err
	}
	rep := messages.TGSRep{KDCRepFields: messages.KDCRepFields{
		PVNO: 5, MsgType: msgtype.KRB_TGS_REP, CRealm: k.Realm, CName: cname, Ticket: tkt, EncPart: enc,
	}}
	k.mu.Lock()
	k.issued = append(k.issued, sname.PrincipalNameString()+"@"+k.Realm)
	k.mu.Unlock()
	return rep.Marshal()
}
