package config

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// unsupportedError is a setting starcdc does not implement. It wraps
// ErrInvalid (the user must change the setting) and errors.ErrUnsupported,
// without printing them.
type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string   { return e.msg }
func (e *unsupportedError) Unwrap() []error { return []error{ErrInvalid, errors.ErrUnsupported} }

func unsupported(msg string) error { return &unsupportedError{msg: msg} }

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

var pemBlock = regexp.MustCompile(`(?s)-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----`)

// DecodePEM decodes every PEM block of data as Kafka's PEM reader does: the
// base64 body may hold any whitespace, or none, so that a PEM value written
// on one .properties line, or continued with "\", is read. It refuses
// encrypted keys (errors.ErrUnsupported). Errors wrap ErrInvalid, name src
// and never hold any of data.
func DecodePEM(src string, data []byte) ([]*pem.Block, error) {
	var blocks []*pem.Block
	for i, m := range pemBlock.FindAllSubmatch(data, -1) {
		typ, body := string(m[1]), m[2]
		if typ != string(m[3]) {
			return nil, invalidf("%s: PEM block %d begins as %s but ends as %s", src, i+1, typ, m[3])
		}
		if typ == "ENCRYPTED PRIVATE KEY" || bytes.Contains(body, []byte("Proc-Type:")) {
			return nil, unsupported(src + ": encrypted PEM keys are not supported; decrypt it (openssl pkcs8 -in key.pem -out key-decrypted.pem, or openssl pkey) and drop its password setting")
		}
		der, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(body), nil)))
		if err != nil {
			return nil, invalidf("%s: PEM block %d (%s) is not valid base64", src, i+1, typ)
		}
		blocks = append(blocks, &pem.Block{Type: typ, Bytes: der})
	}
	if len(blocks) == 0 {
		return nil, invalidf("%s: no PEM data (-----BEGIN ...-----)", src)
	}
	return blocks, nil
}

// PEMCertificates parses the CERTIFICATE blocks of PEM data (other blocks
// are skipped); at least one is required. src names the data in errors.
func PEMCertificates(src string, data []byte) ([]*x509.Certificate, error) {
	blocks, err := DecodePEM(src, data)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for i, b := range blocks {
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, invalidf("%s: PEM block %d: %v", src, i+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, invalidf("%s: no PEM CERTIFICATE block", src)
	}
	return certs, nil
}

// PEMKeyPair builds a client certificate from the CERTIFICATE blocks of
// certData and the one private key block of keyData (the same data may
// hold both). certSrc and keySrc name where the data came from in errors,
// which never hold key material.
func PEMKeyPair(certSrc string, certData []byte, keySrc string, keyData []byte) (tls.Certificate, error) {
	certBlocks, err := DecodePEM(certSrc, certData)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyBlocks := certBlocks
	if keySrc != certSrc {
		if keyBlocks, err = DecodePEM(keySrc, keyData); err != nil {
			return tls.Certificate{}, err
		}
	}
	var certPEM, keyPEM []byte
	for _, b := range certBlocks {
		if b.Type == "CERTIFICATE" {
			certPEM = append(certPEM, pem.EncodeToMemory(b)...)
		}
	}
	nkeys := 0
	for _, b := range keyBlocks {
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			keyPEM = pem.EncodeToMemory(b)
			nkeys++
		}
	}
	switch {
	case certPEM == nil:
		return tls.Certificate{}, invalidf("%s: no PEM CERTIFICATE block", certSrc)
	case nkeys != 1:
		return tls.Certificate{}, invalidf("%s: %d PEM private key blocks; want 1", keySrc, nkeys)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// crypto/tls errors never hold key material.
		return tls.Certificate{}, invalidf("%s: %v", keySrc, err)
	}
	return cert, nil
}
