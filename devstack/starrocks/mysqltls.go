package starrocks

import (
	"crypto/tls"
	"errors"
	"sync/atomic"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
)

// TLS on the MySQL-protocol port, as a StarRocks FE ≥ 3.4.1 serves it
// (docs: administration/user_privs/ssl_authentication, "From v3.4.1
// onwards"; fe.conf ssl_keystore_location, ssl_keystore_password,
// ssl_key_password, ssl_force_secure_transport). The FE's behaviour
// followed here is MysqlProto.negotiate (fe/fe-core/src/main/java/com/
// starrocks/mysql/MysqlProto.java): the initial handshake offers
// CLIENT_SSL only when a keystore is configured; a client that sends an
// SSL request switches to TLS and sends its handshake response again;
// with ssl_force_secure_transport=true a client that does not is answered
// ERR_SECURE_TRANSPORT_REQUIRED, error 5205 (SQLSTATE HY000)
// "Connections using insecure transport are prohibited"
// (common/ErrorCode.java), before any password check, and the connection
// ends.
//
// One deviation: StarRocks exempts clients from localhost
// (isRemoteIPLocalhost) from ssl_force_secure_transport. The emulator only
// ever listens on loopback, so it applies MySQLTLS.Require to every
// client; otherwise the rule could not be exercised at all.

// codeSecureTransportRequired is StarRocks' ERR_SECURE_TRANSPORT_REQUIRED.
const codeSecureTransportRequired = 5205

// msgSecureTransportRequired is its message.
const msgSecureTransportRequired = "Connections using insecure transport are prohibited"

// MySQLTLS configures TLS on the emulator's MySQL port (ServeMySQLTLS).
type MySQLTLS struct {
	// Config is the server side of TLS: its certificate, and ClientAuth
	// and ClientCAs to require client certificates (mutual TLS). nil
	// serves no TLS, as an FE without ssl_keystore_location.
	Config *tls.Config
	// Require refuses clients that do not switch to TLS, as an FE with
	// ssl_force_secure_transport=true does: error 5205 "Connections using
	// insecure transport are prohibited".
	Require bool
}

// ErrMySQLRunning: ServeMySQLTLS was called after the MySQL port had
// started (by MySQLAddr, ServeMySQL or an earlier ServeMySQLTLS).
var ErrMySQLRunning = errors.New("starrocks emulator: the MySQL port is already running; call ServeMySQLTLS once, before MySQLAddr or ServeMySQL")

// ServeMySQLTLS starts the MySQL-protocol port with TLS as o says and
// returns its address; MySQLAddr returns the same address afterwards. It
// must be the first call to start the port: once it runs (with or
// without TLS), ServeMySQLTLS returns its address and ErrMySQLRunning.
func (e *Emulator) ServeMySQLTLS(o MySQLTLS) (string, error) {
	if o.Require && o.Config == nil {
		return "", errors.New("starrocks emulator: MySQLTLS.Require needs a Config (a certificate to serve)")
	}
	f := &e.store.mysql
	ran := false
	f.once.Do(func() {
		ran = true
		f.tls = o
		f.addr, f.err = e.startMySQL()
	})
	if !ran && f.err == nil {
		return f.addr, ErrMySQLRunning
	}
	return f.addr, f.err
}

// connServer returns the go-mysql server settings for one connection and
// the credentials it checks: with TLS, a server whose TLS config records
// that this connection switched to TLS, so that Require can refuse the
// connection that did not.
func (f *mysqlFront) connServer(plain *server.Server, creds emuCredentials) (*server.Server, server.CredentialProvider, *atomic.Bool) {
	if f.tls.Config == nil {
		return plain, creds, nil
	}
	secure := new(atomic.Bool)
	cfg := f.tls.Config.Clone()
	verify := cfg.VerifyConnection
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if verify != nil {
			if err := verify(cs); err != nil {
				return err
			}
		}
		secure.Store(true)
		return nil
	}
	srv := server.NewServer("5.1.0", mysql.DEFAULT_COLLATION_ID, mysql.AUTH_NATIVE_PASSWORD, nil, cfg)
	if !f.tls.Require {
		return srv, creds, secure
	}
	return srv, tlsGate{emuCredentials: creds, secure: secure}, secure
}

// tlsGate refuses the password check of a connection that did not switch
// to TLS (go-mysql checks it after the TLS switch, where StarRocks checks
// ssl_force_secure_transport).
type tlsGate struct {
	emuCredentials
	secure *atomic.Bool
}

func (g tlsGate) GetCredential(user string) (string, bool, error) {
	if !g.secure.Load() {
		return "", false, mysql.NewError(codeSecureTransportRequired, msgSecureTransportRequired)
	}
	return g.emuCredentials.GetCredential(user)
}
