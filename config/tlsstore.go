package config

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// Store types as Kafka names them in ssl.keystore.type and
// ssl.truststore.type.
const (
	StoreJKS    = "JKS"
	StorePKCS12 = "PKCS12"
	StorePEM    = "PEM"
)

// ErrStorePassword is returned (wrapped, with the store's key and path)
// when a JKS or PKCS12 store cannot be opened with the configured
// password: the password is wrong, or the file is not a store of that
// type. The error that carries it wraps ErrInvalid.
var ErrStorePassword = errors.New("wrong password, or not a store of this type")

// StoreFile names a JKS, PKCS12 or PEM key or trust store file and the
// passwords that open it. The passwords are Secrets: printing or
// marshalling a StoreFile never shows them.
type StoreFile struct {
	// Key is the setting that named the file (such as
	// ssl.truststore.location); errors name it and Path.
	Key  string
	Path string
	// Type is JKS, PKCS12 or PEM. JKS, PKCS12 and empty (Kafka's default,
	// JKS) read either binary format, as Java does; empty also reads PEM.
	Type string
	// StorePassword opens the store (ssl.*store.password). A JKS store's
	// integrity is always checked, so a JKS trust store needs it too.
	StorePassword Secret
	// KeyPassword decrypts a JKS key entry (ssl.key.password); empty means
	// StorePassword, as in Kafka.
	KeyPassword Secret
}

func (s StoreFile) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s=%s: "+format, append([]any{ErrInvalid, s.Key, s.Path}, args...)...)
}

// read reads the file and resolves its Type from its content, as Java's
// keystore.type.compat (on by default) does: a JKS or PKCS12 type, or an
// empty one, reads a file in either binary format (JKS files begin with
// FEEDFEED, PKCS12 files with a DER SEQUENCE); a file holding PEM text is
// read as PEM when the type is empty or PEM.
func (s *StoreFile) read() ([]byte, error) {
	data, err := os.ReadFile(s.Path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Key, err)
	}
	isPEM := bytes.Contains(data, []byte("-----BEGIN "))
	switch s.Type = strings.ToUpper(strings.TrimSpace(s.Type)); s.Type {
	case StorePEM:
		return data, nil
	case "", StoreJKS, StorePKCS12:
	default:
		return nil, s.errorf("store type %q is not supported: use JKS, PKCS12 or PEM", s.Type)
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xfe, 0xed, 0xfe, 0xed}):
		s.Type = StoreJKS
	case len(data) > 0 && data[0] == 0x30:
		s.Type = StorePKCS12
	case isPEM && s.Type == "":
		s.Type = StorePEM
	case s.Type == "":
		s.Type = StoreJKS // Kafka's default; its reader reports the error
	}
	return data, nil
}

// LoadTrustStore returns the certificates that s trusts: a JKS store's
// trusted certificate entries, a PKCS12 trust store's certificates (as
// keytool writes them), or a PEM file's CERTIFICATE blocks. It sets an
// empty s.Type to the type it read.
func LoadTrustStore(s *StoreFile) ([]*x509.Certificate, error) {
	data, err := s.read()
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	switch s.Type {
	case StorePEM:
		if certs, err = PEMCertificates(s.Key+"="+s.Path, data); err != nil {
			return nil, err
		}
	case StoreJKS:
		ks, err := s.loadJKS(data)
		if err != nil {
			return nil, err
		}
		for _, alias := range ks.Aliases() {
			e, err := ks.GetTrustedCertificateEntry(alias)
			if err != nil {
				continue // a private key entry
			}
			c, err := x509.ParseCertificate(e.Certificate.Content)
			if err != nil {
				return nil, s.errorf("entry %q: %v", alias, err)
			}
			certs = append(certs, c)
		}
	case StorePKCS12:
		if certs, err = pkcs12.DecodeTrustStore(data, s.StorePassword.Reveal()); err != nil {
			return nil, s.pkcs12Error(err)
		}
	}
	if len(certs) == 0 {
		return nil, s.errorf("no trusted certificate in the %s store", s.Type)
	}
	return certs, nil
}

// LoadKeyStore returns the client certificate chain and private key of s:
// the one private key entry of a JKS or PKCS12 store, or a PEM file's
// certificates and its one unencrypted private key (s.KeyPassword is not
// used). It sets an empty s.Type to the type it read.
func LoadKeyStore(s *StoreFile) (tls.Certificate, error) {
	data, err := s.read()
	if err != nil {
		return tls.Certificate{}, err
	}
	switch s.Type {
	case StorePEM:
		return PEMKeyPair(s.Key+"="+s.Path, data, s.Key+"="+s.Path, data)
	case StorePKCS12:
		if s.KeyPassword != "" && s.KeyPassword != s.StorePassword {
			// keytool writes PKCS12 keys under the store password.
			return tls.Certificate{}, unsupported(s.Key + "=" + s.Path + ": a PKCS12 key password different from the store password is not supported; keytool uses the store password for both")
		}
		key, leaf, cas, err := pkcs12.DecodeChain(data, s.StorePassword.Reveal())
		if err != nil {
			return tls.Certificate{}, s.pkcs12Error(err)
		}
		return s.pair(key, append([]*x509.Certificate{leaf}, cas...))
	}
	ks, err := s.loadJKS(data)
	if err != nil {
		return tls.Certificate{}, err
	}
	var aliases []string
	for _, a := range ks.Aliases() {
		if ks.IsPrivateKeyEntry(a) {
			aliases = append(aliases, a)
		}
	}
	if len(aliases) != 1 {
		return tls.Certificate{}, s.errorf("%d private key entries; want 1", len(aliases))
	}
	pw := s.KeyPassword
	if pw == "" {
		pw = s.StorePassword
	}
	e, err := ks.GetPrivateKeyEntry(aliases[0], []byte(pw.Reveal()))
	if err != nil {
		return tls.Certificate{}, s.errorf("key entry %q: %w (check ssl.key.password)", aliases[0], ErrStorePassword)
	}
	key, err := x509.ParsePKCS8PrivateKey(e.PrivateKey)
	if err != nil {
		return tls.Certificate{}, s.errorf("key entry %q: the private key is not PKCS#8: %v", aliases[0], err)
	}
	chain := make([]*x509.Certificate, 0, len(e.CertificateChain))
	for i, c := range e.CertificateChain {
		cert, err := x509.ParseCertificate(c.Content)
		if err != nil {
			return tls.Certificate{}, s.errorf("key entry %q: certificate %d: %v", aliases[0], i+1, err)
		}
		chain = append(chain, cert)
	}
	return s.pair(key, chain)
}

// loadJKS opens a JKS store, checking its integrity with StorePassword.
func (s StoreFile) loadJKS(data []byte) (keystore.KeyStore, error) {
	if s.StorePassword == "" {
		return keystore.KeyStore{}, unsupported(s.Key + "=" + s.Path + ": a JKS store needs its password (starcdc always checks the store's integrity)")
	}
	ks := keystore.New(keystore.WithOrderedAliases())
	if err := ks.Load(bytes.NewReader(data), []byte(s.StorePassword.Reveal())); err != nil {
		return ks, s.errorf("JKS store: %w", ErrStorePassword)
	}
	return ks, nil
}

func (s StoreFile) pkcs12Error(err error) error {
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return s.errorf("PKCS12 store: %w", ErrStorePassword)
	}
	// go-pkcs12 errors describe the structure, never the password.
	return s.errorf("not a readable PKCS12 store: %v", err)
}

// pair builds a tls.Certificate and checks that the key matches the leaf.
func (s StoreFile) pair(key any, chain []*x509.Certificate) (tls.Certificate, error) {
	if len(chain) == 0 || chain[0] == nil {
		return tls.Certificate{}, s.errorf("the key entry has no certificate")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return tls.Certificate{}, s.errorf("unsupported private key type %T", key)
	}
	if !publicKeysEqual(signer.Public(), chain[0].PublicKey) {
		return tls.Certificate{}, s.errorf("the private key does not match the certificate")
	}
	c := tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, x := range chain {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}
