// Package testcerts makes throw-away certificate authorities, server and
// client certificates, and JKS, PKCS12 and PEM key and trust stores for
// tests of starcdc's TLS clients. Everything it makes is generated at test
// time, valid for an hour, and written under t.TempDir(). It is for tests
// only.
package testcerts

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// Passwords of the stores WriteStores writes.
const (
	TrustPassword = "Tru5t-St0re-Pw"
	StorePassword = "K3y-St0re-Pw"
	// KeyPassword encrypts a JKS key entry; PKCS12 keys use StorePassword.
	KeyPassword = "Pr1v-K3y-Pw"
)

// CA is a self-signed certificate authority.
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewCA returns a new CA.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key := mustKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "starcdc test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: cert, key: key}
}

func mustKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// Pair is an issued certificate and its key.
type Pair struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// PEM returns the CA certificate as PEM.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// PEM returns the certificate and its PKCS#8 key, both PEM.
func (p Pair) PEM(t testing.TB) (certPEM, keyPEM []byte) {
	t.Helper()
	k, err := x509.MarshalPKCS8PrivateKey(p.Key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Cert.Raw}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})
}

// TLS returns p as a tls.Certificate.
func (p Pair) TLS() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{p.Cert.Raw}, PrivateKey: p.Key, Leaf: p.Cert}
}

// Issue returns a certificate signed by ca: a server certificate for ips
// and dnsNames, or a client certificate when both are empty.
func (ca *CA) Issue(t testing.TB, ips []net.IP, dnsNames ...string) Pair {
	t.Helper()
	key := mustKey(t)
	usage := x509.ExtKeyUsageClientAuth
	if len(ips) > 0 || len(dnsNames) > 0 {
		usage = x509.ExtKeyUsageServerAuth
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "starcdc test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  ips,
		DNSNames:     dnsNames,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return Pair{Cert: cert, Key: key}
}

// ServerTLS is a server's TLS config with a certificate of ca for
// 127.0.0.1 (or for dnsNames only, when given) that requires and verifies
// client certificates of clientCA when clientCA is not nil.
func (ca *CA) ServerTLS(t testing.TB, clientCA *CA, dnsNames ...string) *tls.Config {
	t.Helper()
	var ips []net.IP
	if len(dnsNames) == 0 {
		ips = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	c := &tls.Config{Certificates: []tls.Certificate{ca.Issue(t, ips, dnsNames...).TLS()}, MinVersion: tls.VersionTLS12}
	if clientCA != nil {
		c.ClientCAs = x509.NewCertPool()
		c.ClientCAs.AddCert(clientCA.Cert)
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return c
}

// Stores are the paths of a trust store and a key store.
type Stores struct{ Trust, Key string }

// WriteStores writes a trust store holding trusted and a key store holding
// client (its chain: the certificate, then issuer) in format typ: "JKS",
// "PKCS12" or "PEM", with the passwords above.
func WriteStores(t testing.TB, typ string, trusted *CA, client Pair, issuer *CA) Stores {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(client.Key)
	if err != nil {
		t.Fatal(err)
	}
	switch typ {
	case "PEM":
		certs := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: client.Cert.Raw})
		certs = append(certs, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: issuer.Cert.Raw})...)
		return Stores{
			Trust: write("truststore.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: trusted.Cert.Raw})),
			Key:   write("keystore.pem", append(certs, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)),
		}
	case "PKCS12":
		tdata, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{trusted.Cert}, TrustPassword)
		if err != nil {
			t.Fatal(err)
		}
		kdata, err := pkcs12.Modern.Encode(client.Key, client.Cert, []*x509.Certificate{issuer.Cert}, StorePassword)
		if err != nil {
			t.Fatal(err)
		}
		return Stores{Trust: write("truststore.p12", tdata), Key: write("keystore.p12", kdata)}
	}
	now := time.Now()
	ts := keystore.New()
	if err := ts.SetTrustedCertificateEntry("caroot", keystore.TrustedCertificateEntry{
		CreationTime: now, Certificate: keystore.Certificate{Type: "X509", Content: trusted.Cert.Raw},
	}); err != nil {
		t.Fatal(err)
	}
	var tbuf bytes.Buffer
	if err := ts.Store(&tbuf, []byte(TrustPassword)); err != nil {
		t.Fatal(err)
	}
	ks := keystore.New()
	if err := ks.SetPrivateKeyEntry("client", keystore.PrivateKeyEntry{
		CreationTime: now,
		PrivateKey:   keyDER,
		CertificateChain: []keystore.Certificate{
			{Type: "X509", Content: client.Cert.Raw},
			{Type: "X509", Content: issuer.Cert.Raw},
		},
	}, []byte(KeyPassword)); err != nil {
		t.Fatal(err)
	}
	var kbuf bytes.Buffer
	if err := ks.Store(&kbuf, []byte(StorePassword)); err != nil {
		t.Fatal(err)
	}
	return Stores{Trust: write("truststore.jks", tbuf.Bytes()), Key: write("keystore.jks", kbuf.Bytes())}
}

// Passwords returns the store passwords of typ as Kafka's keys name them
// (ssl.truststore.password, ssl.keystore.password, ssl.key.password), with
// prefix before each; PEM stores have none.
func Passwords(typ, prefix string) map[string]string {
	switch typ {
	case "JKS":
		return map[string]string{prefix + "ssl.truststore.password": TrustPassword, prefix + "ssl.keystore.password": StorePassword, prefix + "ssl.key.password": KeyPassword}
	case "PKCS12":
		return map[string]string{prefix + "ssl.truststore.password": TrustPassword, prefix + "ssl.keystore.password": StorePassword}
	}
	return map[string]string{}
}
