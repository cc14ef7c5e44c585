package testkrb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/service"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
)

// securityLayer is the payload of the acceptor's wrap token, as a Kafka
// broker's GSSAPI SaslServer sends it (RFC 4752 section 3.1): security
// layer "none" (1) and a maximum message size of 65536.
var securityLayer = []byte{1, 0, 1, 0}

// Acceptor is the broker side of Kafka's GSSAPI SASL exchange (RFC 4752)
// as franz-go's kerberos plug-in runs it: the client sends an AP-REQ in a
// GSS-API initial context token; the acceptor verifies it with the service
// keytab and answers with a wrap token that offers the security layers;
// the client answers with its own wrap token, which completes the
// exchange. Step takes the client's tokens of any number of connections
// in any interleaving: a wrap token is matched to its AP-REQ by its
// checksum. It is safe for concurrent use.
type Acceptor struct {
	settings *service.Settings

	mu       sync.Mutex
	pending  map[string]pending // AP-REQs verified, by session key
	verified []string           // client principals whose AP-REQ was verified
	done     []string           // client principals whose exchange completed
}

// NewAcceptor returns an acceptor for the service principal spn (such as
// kafka/127.0.0.1) whose key is in kt.
func NewAcceptor(kt *keytab.Keytab, spn string) *Acceptor {
	return &Acceptor{
		settings: service.NewSettings(kt, service.KeytabPrincipal(spn), service.DecodePAC(false)),
		pending:  map[string]pending{},
	}
}

// Verified returns the client principals (name@REALM) whose AP-REQ the
// acceptor verified, in order.
func (a *Acceptor) Verified() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.verified...)
}

// Authenticated returns the client principals whose whole exchange
// completed, in order.
func (a *Acceptor) Authenticated() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.done...)
}

// Step takes one SASL token of the client and returns the acceptor's
// answer; an error means that authentication failed.
func (a *Acceptor) Step(token []byte) ([]byte, error) {
	if len(token) > 0 && token[0] == 0x60 {
		return a.apReq(token)
	}
	return a.unwrap(token)
}

func (a *Acceptor) apReq(token []byte) ([]byte, error) {
	var tok spnego.KRB5Token
	if err := tok.Unmarshal(token); err != nil {
		return nil, err
	}
	if !tok.IsAPReq() {
		return nil, errors.New("the initial context token holds no AP-REQ")
	}
	ok, creds, err := service.VerifyAPREQ(&tok.APReq, a.settings)
	if err != nil || !ok {
		return nil, fmt.Errorf("AP-REQ not valid: %v", err)
	}
	key := tok.APReq.Ticket.DecryptedEncPart.Key
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, err
	}
	wt := gssapi.WrapToken{
		Flags:   0x01, // sent by the acceptor
		EC:      uint16(et.GetHMACBitLength() / 8),
		Payload: securityLayer,
	}
	if err := wt.SetCheckSum(key, keyusage.GSSAPI_ACCEPTOR_SEAL); err != nil {
		return nil, err
	}
	out, err := wt.Marshal()
	if err != nil {
		return nil, err
	}
	client := creds.CName().PrincipalNameString() + "@" + creds.Domain()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.verified = append(a.verified, client)
	a.pending[string(key.KeyValue)] = pending{key: key, client: client}
	return out, nil
}

// pending is a verified AP-REQ whose exchange has not completed.
type pending struct {
	key    types.EncryptionKey
	client string
}

func (a *Acceptor) unwrap(token []byte) ([]byte, error) {
	var wt gssapi.WrapToken
	if err := wt.Unmarshal(token, false); err != nil {
		return nil, fmt.Errorf("not a wrap token of the initiator: %v", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, p := range a.pending {
		if ok, _ := wt.Verify(p.key, keyusage.GSSAPI_INITIATOR_SEAL); !ok {
			continue
		}
		delete(a.pending, id)
		if len(wt.Payload) < 1 || !bytes.Equal(wt.Payload[:1], securityLayer[:1]) {
			return nil, errors.New("the client chose no security layer the acceptor offered")
		}
		a.done = append(a.done, p.client)
		return []byte{}, nil
	}
	return nil, errors.New("the wrap token matches no AP-REQ")
}

// WriteCCache logs name in at the KDC without pre-authentication, as kinit
// would, and writes its ticket-granting ticket to an MIT credential cache
// file (format version 4) at path. The ticket is valid for life.
func (k *KDC) WriteCCache(t testing.TB, path, name string, life time.Duration) {
	t.Helper()
	cname := types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, name)
	tkt, part, err := k.ticket(cname, k.tgtName(), 0, life)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := tkt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	u16 := func(v int) { b = binary.BigEndian.AppendUint16(b, uint16(v)) }
	u32 := func(v int) { b = binary.BigEndian.AppendUint32(b, uint32(v)) }
	data := func(d []byte) { u32(len(d)); b = append(b, d...) }
	princ := func(realm string, p types.PrincipalName) {
		u32(int(p.NameType))
		u32(len(p.NameString))
		data([]byte(realm))
		for _, s := range p.NameString {
			data([]byte(s))
		}
	}
	unix := func(t time.Time) { u32(int(t.Unix())) }
	b = append(b, 5, 4) // file format 0x0504
	u16(0)              // no header fields
	princ(k.Realm, cname)
	princ(k.Realm, cname)
	princ(k.Realm, k.tgtName())
	u16(int(part.Key.KeyType))
	data(part.Key.KeyValue)
	unix(part.AuthTime)
	unix(part.StartTime)
	unix(part.EndTime)
	unix(part.RenewTill)
	b = append(b, 0) // is_skey
	b = append(b, part.Flags.Bytes...)
	u32(0) // addresses
	u32(0) // authdata
	data(tb)
	data(nil) // second ticket
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
