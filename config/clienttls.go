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
	// Key is the client certificate; none when Key.Path is empty.
	Key StoreFile
	// SkipHostnameVerification verifies the server's certificate chain but
	// not its host name, as Kafka's empty
	// ssl.endpoint.identification.algorithm does.
	SkipHostnameVerification bool
}

// Config loads the stores and returns the TLS configuration (TLS 1.2 at
// least). Errors name the store keys and paths, never a password.
func (c ClientTLS) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var errs []error
	if c.Trust.Path != "" {
		t := c.Trust
		certs, err := LoadTrustStore(&t)
		if err != nil {
			errs = append(errs, err)
		} else {
			cfg.RootCAs = x509.NewCertPool()
			for _, x := range certs {
				cfg.RootCAs.AddCert(x)
			}
		}
	}
	if c.Key.Path != "" {
		k := c.Key
		cert, err := LoadKeyStore(&k)
		if err != nil {
			errs = append(errs, err)
		} else {
			cfg.Certificates = []tls.Certificate{cert}
		}
	}
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
