package ddl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"

	"github.com/starcdc/starcdc/config"
)

// ErrMySQLTLS: the MySQL-protocol connection to the FE failed over TLS, or
// because of it (the FE does not offer TLS, refuses a plain connection,
// or its certificate is not trusted). The error's text says which key to
// change.
var ErrMySQLTLS = errors.New("MySQL TLS failure")

// codeSecureTransportRequired is StarRocks' ERR_SECURE_TRANSPORT_REQUIRED
// (5205, "Connections using insecure transport are prohibited"), the FE's
// answer to a plain connection when fe.conf has
// ssl_force_secure_transport=true (StarRocks ≥ 3.4.1,
// fe/fe-core/.../mysql/MysqlProto.java negotiate; ErrorCode.java).
const codeSecureTransportRequired = 5205

// KeyMySQLSSLMode is the key this package's TLS errors name (package
// config parses it), beside the starrocks.ssl.* store keys.
const KeyMySQLSSLMode = config.KeyMySQLSSLMode

// feKeystore is where an FE's MySQL-port certificate is configured.
const feKeystore = "fe.conf ssl_keystore_location, StarRocks ≥ 3.4.1"

// tlsConnector explains the TLS failures of the connections it makes
// (explainTLS).
type tlsConnector struct {
	driver.Connector
	addr string
	mode config.MySQLSSLMode
	logs *alertLogger
}

func (c tlsConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err == nil {
		c.logs.take() // an alert logged earlier is not this connection's
		return conn, nil
	}
	// A TLS 1.3 server refuses a client certificate after the client's
	// handshake has finished: the driver logs the alert and returns
	// ErrInvalidConn.
	if alert := c.logs.take(); alert != nil && errors.Is(err, mysql.ErrInvalidConn) {
		err = fmt.Errorf("%w: %w", err, alert)
	}
	return nil, explainTLS(c.addr, c.mode, err)
}

// alertLogger is the driver's logger: it passes every line on and keeps
// the last TLS alert for tlsConnector.
type alertLogger struct {
	next  mysql.Logger
	alert atomic.Pointer[error]
}

func (l *alertLogger) Print(v ...any) {
	for _, x := range v {
		if err, ok := x.(error); ok && isTLSAlert(err) {
			l.alert.Store(&err)
		}
	}
	if l.next != nil {
		l.next.Print(v...)
	}
}

func (l *alertLogger) take() error {
	if p := l.alert.Swap(nil); p != nil {
		return *p
	}
	return nil
}

// explainTLS wraps a connection error caused by TLS (or its absence) with
// ErrMySQLTLS and what to do; other errors are returned as they are.
func explainTLS(addr string, mode config.MySQLSSLMode, err error) error {
	var (
		me       *mysql.MySQLError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		verifErr *tls.CertificateVerificationError
		recErr   tls.RecordHeaderError
	)
	head := fmt.Sprintf("ddl: MySQL connection to %s (%s=%s)", addr, KeyMySQLSSLMode, mode)
	switch {
	case errors.As(err, &me) && me.Number == codeSecureTransportRequired:
		return fmt.Errorf("%s: %w: the FE refuses unencrypted connections (ssl_force_secure_transport=true): %w; set %s=REQUIRED (encrypt without verifying), VERIFY_CA or VERIFY_IDENTITY", head, ErrMySQLTLS, err, KeyMySQLSSLMode)
	case errors.Is(err, mysql.ErrNoTLS):
		return fmt.Errorf("%s: %w: the FE does not offer TLS on its MySQL port: %w; enable it there (%s), or set %s=PREFERRED or DISABLED", head, ErrMySQLTLS, err, feKeystore, KeyMySQLSSLMode)
	case errors.As(err, &hostErr):
		return fmt.Errorf("%s: %w: the FE's certificate is not for this host: %w; connect by a name or address the certificate holds (%s), or set %s=VERIFY_CA to verify the chain but not the host name", head, ErrMySQLTLS, err, config.KeyMySQLURL, KeyMySQLSSLMode)
	case errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &verifErr):
		return fmt.Errorf("%s: %w: the FE's certificate is not trusted: %w; put the CA that signed it (%s) in %s (when unset, the system roots verify it), or set %s=REQUIRED to encrypt without verifying", head, ErrMySQLTLS, err, feKeystore, config.KeySRTrustLocation, KeyMySQLSSLMode)
	case errors.As(err, &recErr):
		return fmt.Errorf("%s: %w: the FE did not answer the TLS handshake: %w; check that %s is the FE's query_port (9030 by default)", head, ErrMySQLTLS, err, config.KeyMySQLURL)
	case mode != config.MySQLSSLDisabled && isTLSAlert(err):
		return fmt.Errorf("%s: %w: the FE refused the TLS handshake: %w; if it requires a client certificate, set %s to one its CA trusts", head, ErrMySQLTLS, err, config.KeySRKeyLocation)
	}
	return err
}

// isTLSAlert reports whether err is a TLS alert the peer sent (Go reports
// them as a net.OpError "remote error: tls: ...").
func isTLSAlert(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "remote error" && strings.HasPrefix(oe.Err.Error(), "tls:")
}

// recordVersion wraps cfg.VerifyConnection to record each handshake's TLS
// version in v.
func recordVersion(cfg *tls.Config, v *atomic.Uint32) {
	verify := cfg.VerifyConnection
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if verify != nil {
			if err := verify(cs); err != nil {
				return err
			}
		}
		v.Store(uint32(cs.Version))
		return nil
	}
}

// TLSVersion returns the TLS version of the last connection that used TLS
// ("TLS 1.3"), or "" when no connection has used TLS (DISABLED, PREFERRED
// against an FE without TLS, or no connection made yet).
func (m *Manager) TLSVersion() string {
	if m.tlsVersion == nil {
		return ""
	}
	if v := m.tlsVersion.Load(); v != 0 {
		return tls.VersionName(uint16(v))
	}
	return ""
}

// SSLMode returns the starrocks.mysql.ssl.mode Open was given (DISABLED
// for a Manager made by NewManager).
func (m *Manager) SSLMode() config.MySQLSSLMode { return m.sslMode }
