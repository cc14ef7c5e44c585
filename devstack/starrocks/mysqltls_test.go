package starrocks

import (
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/starcdc/starcdc/internal/testcerts"
)

// openTLS connects to addr as root with go-sql-driver/mysql and tc (nil:
// plain) and pings.
func openTLS(t *testing.T, addr string, tc *tls.Config) (*sql.DB, error) {
	t.Helper()
	cfg := gomysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.TLS = "root", "tcp", addr, tc
	cfg.InterpolateParams = true
	cfg.Timeout = 5 * time.Second
	conn, err := gomysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	return db, db.Ping()
}

func trusting(ca *testcerts.CA) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

func TestMySQLTLSRequired(t *testing.T) {
	ca := testcerts.NewCA(t)
	e := startEmu(t)
	addr, err := e.ServeMySQLTLS(MySQLTLS{Config: ca.ServerTLS(t, nil), Require: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.MySQLAddr(); got != addr {
		t.Fatalf("MySQLAddr %q after ServeMySQLTLS %q", got, addr)
	}
	// A verified TLS client runs DDL; the table is in the store.
	db, err := openTLS(t, addr, trusting(ca))
	if err != nil {
		t.Fatalf("TLS client: %v", err)
	}
	mustExec(t, db, "CREATE DATABASE d")
	mustExec(t, db, "CREATE TABLE d.t (id INT NOT NULL, v STRING) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES (\"replication_num\" = \"1\")")
	if _, err := e.Rows("d", "t"); err != nil {
		t.Fatalf("the table created over TLS: %v", err)
	}
	// A plain client is refused as StarRocks with
	// ssl_force_secure_transport=true refuses it.
	_, err = openTLS(t, addr, nil)
	var me *gomysql.MySQLError
	if !errors.As(err, &me) || me.Number != 5205 || me.Message != "Connections using insecure transport are prohibited" || string(me.SQLState[:]) != "HY000" {
		t.Fatalf("plain client: %v (%#v), want error 5205 HY000", err, me)
	}
	// The port cannot be restarted in another mode.
	if _, err := e.ServeMySQLTLS(MySQLTLS{}); !errors.Is(err, ErrMySQLRunning) {
		t.Fatalf("second ServeMySQLTLS: %v", err)
	}
}

func TestMySQLTLSOptional(t *testing.T) {
	ca := testcerts.NewCA(t)
	e := startEmu(t)
	addr, err := e.ServeMySQLTLS(MySQLTLS{Config: ca.ServerTLS(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]*tls.Config{"plain": nil, "TLS": trusting(ca)} {
		if _, err := openTLS(t, addr, tc); err != nil {
			t.Errorf("%s client without Require: %v", name, err)
		}
	}
	// A client that trusts another CA fails the handshake.
	_, err = openTLS(t, addr, trusting(testcerts.NewCA(t)))
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &ua) {
		t.Fatalf("untrusting client: %v, want x509.UnknownAuthorityError", err)
	}
}

func TestMySQLTLSClientCertificate(t *testing.T) {
	ca, clientCA := testcerts.NewCA(t), testcerts.NewCA(t)
	e := startEmu(t)
	addr, err := e.ServeMySQLTLS(MySQLTLS{Config: ca.ServerTLS(t, clientCA), Require: true})
	if err != nil {
		t.Fatal(err)
	}
	with := trusting(ca)
	with.Certificates = []tls.Certificate{clientCA.Issue(t, nil).TLS()}
	if _, err := openTLS(t, addr, with); err != nil {
		t.Fatalf("client with a certificate: %v", err)
	}
	if _, err := openTLS(t, addr, trusting(ca)); err == nil {
		t.Fatal("a client without a certificate logged in")
	}
	wrong := trusting(ca)
	wrong.Certificates = []tls.Certificate{testcerts.NewCA(t).Issue(t, nil).TLS()}
	if _, err := openTLS(t, addr, wrong); err == nil {
		t.Fatal("a client with a certificate of an untrusted CA logged in")
	}
}

func TestMySQLWithoutTLS(t *testing.T) {
	e := startEmu(t)
	// The default port offers no TLS: a TLS client is told so.
	_, err := openTLS(t, e.MySQLAddr(), &tls.Config{InsecureSkipVerify: true})
	if !errors.Is(err, gomysql.ErrNoTLS) {
		t.Fatalf("TLS client of a plain port: %v, want ErrNoTLS", err)
	}
	if _, err := e.ServeMySQLTLS(MySQLTLS{Require: true}); err == nil || !strings.Contains(err.Error(), "needs a Config") {
		t.Fatalf("Require without Config: %v", err)
	}
}
