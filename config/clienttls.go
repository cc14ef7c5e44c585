package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
)

// ClientTLS is a client TLS setup read from store files, for the HTTP
// clients of the schema registry and StarRocks (the Kafka client reads the
// same stores through package kafka).
type ClientTLS struct {
	// Trust verifies the server; with Trust.Path empty the system roots do.
	Trust StoreFile
	// TrustPEM is the trust store given as PEM text instead (Kafka's
	// ssl.truststore.certificates): set at most one of Trust.Path and it.
	TrustPEM PEMText
	// Key is the client certificate; none when Key.Path is empty.
	Key StoreFile
	// ChainPEM and KeyPEM are the client certificate chain and its
	// unencrypted private key given as PEM text instead (Kafka's
	// ssl.keystore.certificate.chain and ssl.keystore.key), together.
	ChainPEM, KeyPEM PEMText
	// SkipHostnameVerification verifies the server's certificate chain but
	// not its host name, as Kafka's empty
	// ssl.endpoint.identification.algorithm does.
	SkipHostnameVerification bool
}

// PEMText is a setting that holds PEM text: its key (for errors) and value.
type PEMText struct {
	Key  string
	Text Secret
}

// Configured reports whether any store of c is set (or host name
// verification is off): without, Go's defaults serve.
func (c ClientTLS) Configured() bool {
	return c.Trust.Path != "" || c.TrustPEM.Text != "" || c.Key.Path != "" || c.ChainPEM.Text != "" || c.KeyPEM.Text != "" || c.SkipHostnameVerification
}

// Config loads the stores and returns the TLS configuration (TLS 1.2 at
// least). Errors name the store keys and paths, never a password or key
// material.
func (c ClientTLS) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var errs []error
	switch {
	case c.Trust.Path != "" && c.TrustPEM.Text != "":
		errs = append(errs, invalidf("set only one of %s and %s", c.TrustPEM.Key, c.Trust.Key))
	case c.Key.Path != "" && (c.ChainPEM.Text != "" || c.KeyPEM.Text != ""):
		errs = append(errs, invalidf("set either %s or %s with %s, not both", c.Key.Key, c.ChainPEM.Key, c.KeyPEM.Key))
	case (c.ChainPEM.Text == "") != (c.KeyPEM.Text == ""):
		errs = append(errs, invalidf("set %s and %s together", c.ChainPEM.Key, c.KeyPEM.Key))
	}
	var trusted []*x509.Certificate
	var certs []tls.Certificate
	add := func(list []*x509.Certificate, cert tls.Certificate, err error) {
		switch {
		case err != nil:
			errs = append(errs, err)
		case list != nil:
			trusted = append(trusted, list...)
		case cert.Certificate != nil:
			certs = append(certs, cert)
		}
	}
	if c.TrustPEM.Text != "" {
		list, err := PEMCertificates(c.TrustPEM.Key, []byte(c.TrustPEM.Text.Reveal()))
		add(list, tls.Certificate{}, err)
	}
	if c.Trust.Path != "" {
		t := c.Trust
		list, err := LoadTrustStore(&t)
		add(list, tls.Certificate{}, err)
	}
	if c.ChainPEM.Text != "" && c.KeyPEM.Text != "" {
		cert, err := PEMKeyPair(c.ChainPEM.Key, []byte(c.ChainPEM.Text.Reveal()), c.KeyPEM.Key, []byte(c.KeyPEM.Text.Reveal()))
		add(nil, cert, err)
	}
	if c.Key.Path != "" {
		k := c.Key
		cert, err := LoadKeyStore(&k)
		add(nil, cert, err)
	}
	if len(trusted) > 0 {
		cfg.RootCAs = x509.NewCertPool()
		for _, x := range trusted {
			cfg.RootCAs.AddCert(x)
		}
	}
	cfg.Certificates = certs
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.SkipHostnameVerification {
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = VerifyChainOnly(cfg.RootCAs)
	}
	return cfg, nil
}

// ParseEndpointIdentification reads a Kafka-style
// ssl.endpoint.identification.algorithm value: "https" (or unset) verifies
// host names, "" does not. key names the setting in the error.
func ParseEndpointIdentification(key, value string, set bool) (skip bool, err error) {
	v := strings.TrimSpace(value)
	switch {
	case !set || strings.EqualFold(v, "https"):
		return false, nil
	case v == "":
		return true, nil
	}
	return false, invalidf("%s=%q: use https (verify the server host name, the default) or an empty value (do not)", key, v)
}

// VerifyChainOnly returns a tls.Config.VerifyConnection function that
// verifies the server's certificate chain against roots (the system roots
// when nil) without checking its host name. It is for a config with
// InsecureSkipVerify set, which skips Go's own verification.
func VerifyChainOnly(roots *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: the server sent no certificate")
		}
		opts := x509.VerifyOptions{
			Roots:         roots,
			Intermediates: x509.NewCertPool(),
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
}
