package ddl

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/starcdc/starcdc/config"
)

// ErrIncompatible: the table cannot hold the topic's rows and starcdc will
// not change it. The error's text lists the columns and what to do.
var ErrIncompatible = errors.New("the StarRocks table is incompatible with the topic's schema")

// ErrNoTable: the table does not exist.
var ErrNoTable = errors.New("table does not exist")

// IncompatibleError lists why a table cannot hold a topic's rows.
type IncompatibleError struct {
	DB, Table string
	Reasons   []string
}

func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("%s.%s: %v: %s", e.DB, e.Table, ErrIncompatible, strings.Join(e.Reasons, "; "))
}

func (e *IncompatibleError) Unwrap() error { return ErrIncompatible }

// Manager runs DDL on StarRocks over the MySQL protocol and caches each
// table's columns. It is safe for concurrent use; Evolve calls for one
// table are serialised within a Manager, and concurrent writers in other
// processes are tolerated ("already exists" counts as success).
type Manager struct {
	db *sql.DB

	// PollInterval and PollTimeout govern waiting for a schema change to
	// become visible in information_schema (an asynchronous ALTER job).
	// Set them before first use; defaults 200ms and 10 minutes.
	PollInterval, PollTimeout time.Duration

	mu     sync.Mutex
	tables map[string]*tableState // "db\x00table"

	sslMode    config.MySQLSSLMode // as given to Open
	tlsVersion *atomic.Uint32      // of the last TLS handshake; nil from NewManager
}

type tableState struct {
	mu   sync.Mutex // serialises Evolve and EnsureTable of the table
	cmu  sync.Mutex // guards cols
	cols []Column   // nil: unknown
}

// NewManager wraps a database handle. For go-sql-driver/mysql, use
// interpolateParams=true (Open does): the queries take parameters.
func NewManager(db *sql.DB) *Manager {
	return &Manager{db: db, tables: map[string]*tableState{}, PollInterval: 200 * time.Millisecond, PollTimeout: 10 * time.Minute}
}

// Open connects to the FE's MySQL port addr (host:port, see
// Options.MySQLAddr) as user with password, with go-sql-driver/mysql,
// with the TLS of t (starrocks.mysql.ssl.mode and the starrocks.ssl.*
// stores; the zero MySQLTLS is a plain connection). It connects lazily:
// TLS and password failures show on the first statement, as errors that
// wrap ErrMySQLTLS and name the key to change. The password is never part
// of an error or log line.
func Open(addr, user, password string, t config.MySQLTLS) (*Manager, error) {
	if addr == "" {
		return nil, fmt.Errorf("ddl: no StarRocks MySQL address; set %s", KeyMySQLURL)
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "tcp", addr, user, password
	cfg.InterpolateParams = true // text protocol: works on every StarRocks version and the emulator
	cfg.Timeout = 10 * time.Second
	cfg.AllowNativePasswords = true
	tc, fallback, err := t.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("ddl: MySQL connection to %s: %w", addr, err)
	}
	version := new(atomic.Uint32)
	logs := &alertLogger{next: cfg.Logger}
	cfg.Logger = logs
	if tc != nil {
		recordVersion(tc, version)
		// mysql.Config.TLS, never mysql.RegisterTLSConfig: no global state.
		cfg.TLS, cfg.AllowFallbackToPlaintext = tc, fallback
		// A no-op BeforeConnect makes the driver copy cfg for each
		// connection, so that a PREFERRED fallback to plain text (which
		// clears the copy's TLS) stays with that connection.
		if err := cfg.Apply(mysql.BeforeConnect(func(context.Context, *mysql.Config) error { return nil })); err != nil {
			return nil, fmt.Errorf("ddl: MySQL connection to %s: %w", addr, err)
		}
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("ddl: MySQL connection to %s: %w", addr, err)
	}
	db := sql.OpenDB(tlsConnector{Connector: conn, addr: addr, mode: t.Mode, logs: logs})
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	m := NewManager(db)
	m.sslMode, m.tlsVersion = t.Mode, version
	return m, nil
}

// Close closes the database handle.
func (m *Manager) Close() error { return m.db.Close() }

// DB returns the database handle.
func (m *Manager) DB() *sql.DB { return m.db }

func (m *Manager) state(db, table string) *tableState {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := db + "\x00" + table
	s, ok := m.tables[k]
	if !ok {
		s = &tableState{}
		m.tables[k] = s
	}
	return s
}

func (s *tableState) get() []Column {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return s.cols
}

func (s *tableState) set(cols []Column) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.cols = cols
}

// Cached returns the table's columns as last read, without a query; ok is
// false when they were never read.
func (m *Manager) Cached(db, table string) (cols []Column, ok bool) {
	c := m.state(db, table).get()
	return c, c != nil
}

// Forget drops the cached columns of a table (after DDL run by someone
// else), so the next Evolve reads them again.
func (m *Manager) Forget(db, table string) { m.state(db, table).set(nil) }

// Columns reads the table's columns from information_schema.columns (and
// caches them). Types are in canonical spelling (NormalizeType). A missing
// table is ErrNoTable.
func (m *Manager) Columns(ctx context.Context, db, table string) ([]Column, error) {
	cols, err := m.readColumns(ctx, db, table)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%s.%s: %w (or the user may not see it in information_schema: check its privileges); create it, or set %s=true", db, table, ErrNoTable, KeyAutoCreate)
	}
	m.state(db, table).set(cols)
	return cols, nil
}

func (m *Manager) readColumns(ctx context.Context, db, table string) ([]Column, error) {
	rows, err := m.db.QueryContext(ctx, "SELECT COLUMN_NAME, IS_NULLABLE, COLUMN_TYPE, COLUMN_KEY FROM information_schema.columns "+
		"WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", db, table)
	if err != nil {
		return nil, fmt.Errorf("ddl: reading the columns of %s.%s from information_schema: %w", db, table, err)
	}
	defer rows.Close()
	var cols []Column
	for rows.Next() {
		var name, nullable, typ string
		var key sql.NullString
		if err := rows.Scan(&name, &nullable, &typ, &key); err != nil {
			return nil, fmt.Errorf("ddl: reading the columns of %s.%s: %w", db, table, err)
		}
		norm, err := NormalizeType(typ)
		if err != nil {
			norm = strings.ToUpper(typ)
		}
		cols = append(cols, Column{Name: name, Type: norm, Nullable: strings.EqualFold(nullable, "YES"), Key: key.String == "PRI"})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ddl: reading the columns of %s.%s: %w", db, table, err)
	}
	return cols, nil
}

// EnsureTable creates the database and the table if they do not exist
// (CREATE DATABASE IF NOT EXISTS, CREATE TABLE IF NOT EXISTS), then reads
// the table's real columns, which may differ from t when the table was
// already there: call Evolve to reconcile them.
func (m *Manager) EnsureTable(ctx context.Context, db string, t *Table) error {
	if err := ValidateDatabase(db); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	st := m.state(db, t.Name)
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, err := m.db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+QuoteIdent(db)); err != nil {
		if errors.Is(err, ErrMySQLTLS) {
			return fmt.Errorf("ddl: CREATE DATABASE %s: %w", db, err)
		}
		if unreachable(err) {
			return fmt.Errorf("ddl: CREATE DATABASE %s: %w; the FE's MySQL port cannot be reached: check starrocks.mysql.url (the FE's query_port, 9030 by default) and that the FE runs and is reachable from this host", db, err)
		}
		return fmt.Errorf("ddl: CREATE DATABASE %s: %w; create it yourself or grant CREATE DATABASE to the user", db, err)
	}
	if _, err := m.db.ExecContext(ctx, t.CreateSQL(db)); err != nil {
		if strings.Contains(err.Error(), "replication num") {
			return fmt.Errorf("ddl: CREATE TABLE %s.%s: %w; the cluster has fewer BEs than replicas: set %s=1 (or the number of BEs)", db, t.Name, err, KeyReplicationNum)
		}
		return fmt.Errorf("ddl: CREATE TABLE %s.%s: %w; run `starcdc ddl` to see the statement, or create the table yourself", db, t.Name, err)
	}
	return m.waitFor(ctx, db, t.Name, func(cols []Column) bool { return len(cols) > 0 })
}

// waitFor polls information_schema until ok(columns) or PollTimeout.
func (m *Manager) waitFor(ctx context.Context, db, table string, ok func([]Column) bool) error {
	deadline := time.Now().Add(m.PollTimeout)
	for {
		cols, err := m.readColumns(ctx, db, table)
		if err != nil {
			return err
		}
		m.state(db, table).set(cols)
		if ok(cols) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ddl: %s.%s: the schema change is not visible in information_schema after %v; check SHOW ALTER TABLE COLUMN FROM %s", db, table, m.PollTimeout, QuoteIdent(db))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ddl: waiting for the schema of %s.%s: %w", db, table, ctx.Err())
		case <-time.After(m.PollInterval):
		}
	}
}

// isAlreadyExists: another writer added the column first.
func isAlreadyExists(err error) bool {
	return strings.Contains(err.Error(), "already exists")
}

// isBusy: a schema change job of the table is still running.
func isBusy(err error) bool {
	s := err.Error()
	return strings.Contains(s, "is not NORMAL") || strings.Contains(s, "in progress") || strings.Contains(s, "Do not allow doing ALTER ops")
}

// Evolve brings the table in line with t: it adds missing columns
// (nullable) and, when allowModify, widens columns in place (see Diff). It
// is idempotent and safe when several writers race: an "already exists"
// error or a concurrent schema change means someone else got there first,
// so the columns are read again and the difference recomputed. After each
// statement it polls information_schema until the change is visible.
//
// changed reports whether this call ran an ALTER. When some difference
// cannot be applied (an incompatible type, or a widening with allowModify
// false) the safe changes are still made and the error is an
// *IncompatibleError (errors.Is ErrIncompatible).
//
// The columns are cached: when they are known and t adds nothing, Evolve
// runs no query at all.
func (m *Manager) Evolve(ctx context.Context, db string, t *Table, allowModify bool) (changed bool, err error) {
	if err := ValidateDatabase(db); err != nil {
		return false, err
	}
	if err := t.Validate(); err != nil {
		return false, err
	}
	st := m.state(db, t.Name)
	st.mu.Lock()
	defer st.mu.Unlock()
	cur := st.get()
	if cur == nil {
		if cur, err = m.Columns(ctx, db, t.Name); err != nil {
			return false, err
		}
	}
	var incompatible []string
	backoff := m.PollInterval
	raced := 0
	busyUntil := time.Now().Add(m.PollTimeout)
	for {
		adds, mods, inc := Diff(cur, t)
		if !allowModify {
			for _, c := range mods {
				inc = append(inc, fmt.Sprintf("column %s needs widening to %s, which starrocks.schema.evolution=add_and_widen would do; or ALTER it yourself", c.Name, c.Type))
			}
			mods = nil
		}
		incompatible = inc
		if len(adds) == 0 && len(mods) == 0 {
			break
		}
		// One statement per round: all the adds, else the first widening.
		if len(adds) > 0 {
			mods = nil
		} else {
			mods = mods[:1]
		}
		stmt := AlterSQL(db, t.Name, adds, mods)[0]
		_, err := m.db.ExecContext(ctx, stmt)
		switch {
		case err == nil:
			changed = true
			if err := m.waitFor(ctx, db, t.Name, func(cols []Column) bool { return applied(cols, adds, mods) }); err != nil {
				return changed, err
			}
		case isAlreadyExists(err):
			// Another writer added (some of) the columns: re-read and retry the rest.
			if raced++; raced > 8 {
				return changed, fmt.Errorf("ddl: %s: %w; the table keeps changing under starcdc (other writers?): check it with SHOW CREATE TABLE", stmt, err)
			}
		case isBusy(err):
			if time.Now().After(busyUntil) {
				return changed, fmt.Errorf("ddl: %s: %w; another schema change of the table has been running for %v: check SHOW ALTER TABLE COLUMN", stmt, err, m.PollTimeout)
			}
			select {
			case <-ctx.Done():
				return changed, fmt.Errorf("ddl: %s: %w", stmt, ctx.Err())
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 10*time.Second)
		default:
			return changed, fmt.Errorf("ddl: %s: %w; run it yourself or set %s=none", stmt, err, KeyEvolution)
		}
		if cur, err = m.Columns(ctx, db, t.Name); err != nil {
			return changed, err
		}
	}
	if len(incompatible) > 0 {
		return changed, &IncompatibleError{DB: db, Table: t.Name, Reasons: incompatible}
	}
	return changed, nil
}

// applied reports whether cols show the ALTER's effect.
func applied(cols []Column, adds, mods []Column) bool {
	has := func(name, typ string) bool {
		for _, c := range cols {
			if strings.EqualFold(c.Name, name) {
				return typ == "" || c.Type == typ
			}
		}
		return false
	}
	for _, c := range adds {
		if !has(c.Name, "") {
			return false
		}
	}
	for _, c := range mods {
		if !has(c.Name, c.Type) {
			return false
		}
	}
	return true
}

// Truncate empties the table (TRUNCATE TABLE), as a Debezium truncate
// event asks.
func (m *Manager) Truncate(ctx context.Context, db, table string) error {
	if err := ValidateDatabase(db); err != nil {
		return err
	}
	if err := ValidateTable(table); err != nil {
		return err
	}
	if _, err := m.db.ExecContext(ctx, "TRUNCATE TABLE "+qualified(db, table)); err != nil {
		return fmt.Errorf("ddl: TRUNCATE TABLE %s.%s: %w", db, table, err)
	}
	return nil
}

// Sync is what the replicator runs when a topic's schema is new or changed
// (see Fingerprint): with o.AutoCreate it creates the database and table
// unless their columns are already cached, then, unless o.Evolution is
// EvolveNone, it runs Evolve with o.AllowModify(). With neither it runs no
// DDL and returns nil (the Java connector's behaviour: new fields are
// ignored by StarRocks' JSON load). The error is ErrNoTable when the table
// is missing and AutoCreate is off, *IncompatibleError when the table
// cannot hold the rows.
func (m *Manager) Sync(ctx context.Context, db string, t *Table, o Options) (changed bool, err error) {
	if o.AutoCreate {
		if _, ok := m.Cached(db, t.Name); !ok {
			if err := m.EnsureTable(ctx, db, t); err != nil {
				return false, err
			}
		}
	}
	if o.Evolution == EvolveNone {
		return false, nil
	}
	return m.Evolve(ctx, db, t, o.AllowModify())
}

// unreachable reports whether err is a failure to reach the MySQL port
// (refused, timed out, reset) rather than an answer of the FE.
func unreachable(err error) bool {
	var ne net.Error
	var me *mysql.MySQLError
	return !errors.As(err, &me) && (errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn))
}
