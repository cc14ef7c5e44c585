package starrocks

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
)

// The MySQL-protocol front end: the FE's query port (the 9030 role), built
// on go-mysql's server package (mysql_native_password; TLS and a
// ssl_force_secure_transport rule with ServeMySQLTLS, mysqltls.go). It serves
// the statements of sql*.go against the table store, with the same users
// and passwords as the HTTP side. Prepared statements are supported by
// substituting their arguments as SQL literals (no server-side plan).
//
// Statements (keywords case-insensitive, identifiers bare or
// backtick-quoted, [db.]table everywhere a table is named):
//
//   - CREATE DATABASE|SCHEMA [IF NOT EXISTS] db
//   - CREATE TABLE [IF NOT EXISTS] t (col TYPE [NULL|NOT NULL] [DEFAULT
//     NULL] [COMMENT 's'], ...) [ENGINE=OLAP] PRIMARY|DUPLICATE KEY(...)
//     [COMMENT 's'] [DISTRIBUTED BY HASH(...)|RANDOM [BUCKETS n|AUTO]]
//     [ORDER BY (...)] [PROPERTIES ("k"="v", ...)], in that clause order,
//     validated like the FE (docs/streamload.md §4): key columns first in
//     key order; for a primary key NOT NULL (a key column without
//     NULL/NOT NULL is NOT NULL), key types, hash columns in the key and no
//     RANDOM; replication_num (default 3) ≤ 1 alive BE with StarRocks'
//     message. A DUPLICATE KEY table keeps every row loaded (KindDuplicate)
//     and is RANDOM-distributed when DISTRIBUTED BY is omitted; without a
//     key clause the table is DUPLICATE KEY on its leading columns, as
//     StarRocks chooses them (defaultDupKey). Integer display widths
//     (INT(11)) are ignored.
//   - ALTER TABLE t ADD COLUMN c TYPE [NULL] [DEFAULT NULL] [COMMENT 's']
//     [AFTER x], ADD COLUMN (c1 T, c2 T), MODIFY COLUMN c TYPE ... (safe
//     widenings only), several clauses comma-separated, all or nothing.
//     Synchronous, like StarRocks' fast schema evolution; SHOW ALTER TABLE
//     COLUMN therefore lists no jobs.
//   - SELECT cols|* FROM information_schema.columns|tables [WHERE c = 'v'
//     [AND ...]] [ORDER BY ...] [LIMIT n], with COUNT(*)
//   - SHOW CREATE TABLE, DESC|DESCRIBE, SHOW DATABASES|SCHEMAS, SHOW [FULL]
//     TABLES [FROM|IN db], USE db (and COM_INIT_DB)
//   - SELECT *|cols FROM t [ORDER BY c [ASC|DESC], ...] [LIMIT n], SELECT
//     COUNT(*) FROM t, TRUNCATE [TABLE] t, DROP TABLE [IF EXISTS] t [FORCE]
//   - what clients send on connect: SET NAMES, SET [SESSION] var = v (kept
//     per connection), SELECT @@var, constants, DATABASE(), VERSION(),
//     CURRENT_USER(), CONNECTION_ID(); COM_PING
//
// Anything else is the MySQL error 1235 "not supported by the starcdc
// StarRocks emulator: <stmt>", never a fake success: INSERT, UPDATE,
// DELETE, WHERE on user tables, UNIQUE/AGGREGATE KEY tables,
// PARTITION BY, non-NULL DEFAULTs, DROP/RENAME COLUMN, SET GLOBAL,
// transactions, COM_FIELD_LIST.
//
// Loads and schema changes: ALTER TABLE installs a new schema and the rows
// rewritten to it under table.mu; a Stream Load planned on the old schema
// is refused at apply time ("the schema of table ... changed during the
// load, retry it"). The HTTP side (load.go, be.go) still reads
// table.schema without the lock, so an ALTER concurrent with a load's
// planning is a data race for the race detector (never a wrong row: apply
// also checks the row width); those reads should use table.currentSchema.

// mysqlFront is the state of the front end, kept in the store so that the
// Emulator needs no extra field. It starts on the first MySQLAddr call.
type mysqlFront struct {
	once  sync.Once
	addr  string
	err   error
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
	// down: an outage (MySQLOutage) resets every accepted connection;
	// resets counts them.
	down   bool
	resets int
	// tls is set by ServeMySQLTLS before the port starts; read-only after.
	tls MySQLTLS
}

// MySQLAddr returns the "127.0.0.1:PORT" address of the emulator's MySQL
// protocol port (the FE's 9030 role), starting it on first use on the same
// host as the HTTP servers. It returns "" if the port could not be opened;
// ServeMySQL reports why.
func (e *Emulator) MySQLAddr() string {
	addr, _ := e.ServeMySQL()
	return addr
}

// ServeMySQL starts the MySQL-protocol port if it is not running yet and
// returns its address. It stops with Close.
func (e *Emulator) ServeMySQL() (string, error) {
	f := &e.store.mysql
	f.once.Do(func() { f.addr, f.err = e.startMySQL() })
	return f.addr, f.err
}

func (e *Emulator) startMySQL() (string, error) {
	select {
	case <-e.closing:
		return "", errors.New("starrocks emulator: closed; start a new one")
	default:
	}
	u, err := url.Parse(e.feURL)
	if err != nil {
		return "", fmt.Errorf("starrocks emulator: FE URL: %w", err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(u.Hostname(), "0"))
	if err != nil {
		return "", fmt.Errorf("starrocks emulator: MySQL listen: %w", err)
	}
	f := &e.store.mysql
	f.conns = map[net.Conn]struct{}{}
	// mysql_native_password, no TLS unless ServeMySQLTLS gave a config
	// (connServer): go-mysql's default server would generate RSA keys and
	// certificates on every start.
	srv := server.NewServer("5.1.0", mysql.DEFAULT_COLLATION_ID, mysql.AUTH_NATIVE_PASSWORD, nil, nil)
	creds := emuCredentials(e.users)
	// Close waits for these two: once it returns, the port refuses and
	// every open connection is closed.
	e.serveWG.Add(2)
	go func() {
		defer e.serveWG.Done()
		<-e.closing
		ln.Close()
		f.mu.Lock()
		f.done = true
		for c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
	}()
	go func() {
		defer e.serveWG.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			if f.done {
				f.mu.Unlock()
				conn.Close()
				return
			}
			if f.down {
				f.resets++
				f.mu.Unlock()
				resetConn(conn)
				continue
			}
			f.conns[conn] = struct{}{}
			f.mu.Unlock()
			go e.serveMySQLConn(srv, creds, conn)
		}
	}()
	return ln.Addr().String(), nil
}

func (e *Emulator) serveMySQLConn(srv *server.Server, creds emuCredentials, conn net.Conn) {
	f := &e.store.mysql
	defer func() {
		conn.Close()
		f.mu.Lock()
		delete(f.conns, conn)
		f.mu.Unlock()
	}()
	srv, provider, secure := f.connServer(srv, creds)
	h := &mysqlHandler{}
	if f.tls.Require {
		h.secure = secure
	}
	c, err := server.NewCustomizedConn(conn, srv, provider, h)
	if err != nil {
		return // bad handshake or password: the client got the error
	}
	h.s = newSQLSession(e, c.GetUser())
	for !c.Closed() {
		if err := c.HandleCommand(); err != nil {
			return
		}
	}
}

// emuCredentials checks the emulator's users (read-only after Start).
type emuCredentials map[string]string

func (m emuCredentials) CheckUsername(user string) (bool, error) {
	_, ok := m[user]
	return ok, nil
}

func (m emuCredentials) GetCredential(user string) (string, bool, error) {
	p, ok := m[user]
	return p, ok, nil
}

// mysqlHandler adapts a sqlSession to go-mysql's server.Handler.
type mysqlHandler struct {
	s *sqlSession
	// secure, when not nil (MySQLTLS.Require), says whether the connection
	// switched to TLS; a database named in the handshake response is
	// refused before it is used, as StarRocks refuses the connection.
	secure *atomic.Bool
}

func toMySQLError(err error) error {
	var se *sqlError
	if errors.As(err, &se) {
		return mysql.NewError(se.code, se.msg)
	}
	return mysql.NewError(codeUnknown, err.Error())
}

func (h *mysqlHandler) UseDB(db string) error {
	if h.secure != nil && !h.secure.Load() {
		return mysql.NewError(codeSecureTransportRequired, msgSecureTransportRequired)
	}
	if h.s == nil {
		return mysql.NewError(codeUnknown, "connection not ready")
	}
	if err := h.s.use(db); err != nil {
		return toMySQLError(err)
	}
	return nil
}

// execSafe runs a statement; a panic (an emulator bug) becomes an error
// reply instead of killing the test process.
func (h *mysqlHandler) execSafe(q string) (res *sqlResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, sqlErrorf(codeUnknown, "starrocks emulator: internal error (a bug, please report it) in %q: %v", q, r)
		}
	}()
	return h.s.exec(q)
}

func (h *mysqlHandler) HandleQuery(q string) (*mysql.Result, error) {
	if h.s == nil {
		return nil, mysql.NewError(codeUnknown, "connection not ready")
	}
	res, err := h.execSafe(q)
	if err != nil {
		return nil, toMySQLError(err)
	}
	if res.names == nil {
		return &mysql.Result{AffectedRows: res.affected}, nil
	}
	return &mysql.Result{Resultset: textResultset(res)}, nil
}

// textResultset builds a text-protocol result set. go-mysql's
// BuildSimpleTextResultset sends an empty string as NULL, so cells are
// encoded here: nil is NULL, int64 a BIGINT column, string a VARCHAR.
func textResultset(res *sqlResult) *mysql.Resultset {
	rs := &mysql.Resultset{Fields: make([]*mysql.Field, len(res.names))}
	for i, n := range res.names {
		f := &mysql.Field{Name: []byte(n), OrgName: []byte(n), Charset: 33, Type: mysql.MYSQL_TYPE_VAR_STRING, ColumnLength: 65533 * 3}
		for _, r := range res.rows {
			if _, ok := r[i].(int64); ok {
				f.Type, f.Charset, f.Flag, f.ColumnLength = mysql.MYSQL_TYPE_LONGLONG, 63, mysql.BINARY_FLAG, 20
				break
			}
		}
		rs.Fields[i] = f
	}
	for _, r := range res.rows {
		var row []byte
		for _, v := range r {
			switch x := v.(type) {
			case nil:
				row = append(row, 0xfb)
			case int64:
				row = append(row, mysql.PutLengthEncodedString(strconv.AppendInt(nil, x, 10))...)
			case string:
				row = append(row, mysql.PutLengthEncodedString([]byte(x))...)
			default:
				row = append(row, mysql.PutLengthEncodedString([]byte(fmt.Sprint(x)))...)
			}
		}
		rs.RowDatas = append(rs.RowDatas, row)
	}
	return rs
}

func (h *mysqlHandler) HandleFieldList(table, _ string) ([]*mysql.Field, error) {
	return nil, toMySQLError(notSupported("COM_FIELD_LIST " + table))
}

// HandleStmtPrepare accepts a statement with ? placeholders; it runs when
// executed, with the arguments substituted as SQL literals.
func (h *mysqlHandler) HandleStmtPrepare(q string) (int, int, any, error) {
	toks, err := lexSQL(q)
	if err != nil {
		return 0, 0, nil, toMySQLError(err)
	}
	var marks []int
	for _, t := range toks {
		if t.kind == tokPunct && t.text == "?" {
			marks = append(marks, t.pos)
		}
	}
	return len(marks), 0, marks, nil
}

func (h *mysqlHandler) HandleStmtExecute(ctx any, q string, args []any) (*mysql.Result, error) {
	if h.s == nil {
		return nil, mysql.NewError(codeUnknown, "connection not ready")
	}
	marks, _ := ctx.([]int)
	if len(args) != len(marks) {
		return nil, mysql.NewError(codeUnknown, fmt.Sprintf("prepared statement has %d parameters, got %d", len(marks), len(args)))
	}
	var b strings.Builder
	last := 0
	for i, pos := range marks {
		b.WriteString(q[last:pos])
		b.WriteString(sqlLiteral(args[i]))
		last = pos + 1
	}
	b.WriteString(q[last:])
	res, err := h.execSafe(b.String())
	if err != nil {
		return nil, toMySQLError(err)
	}
	if res.names == nil {
		return &mysql.Result{AffectedRows: res.affected}, nil
	}
	return &mysql.Result{Resultset: binaryResultset(res)}, nil
}

// sqlLiteral renders a prepared statement argument as a SQL literal.
func sqlLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return quoteSQLString(string(x))
	case string:
		return quoteSQLString(x)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v) // integers
}

func quoteSQLString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`, "\x00", `\0`, "\n", `\n`, "\r", `\r`).Replace(s) + "'"
}

// binaryResultset builds a binary-protocol result set (COM_STMT_EXECUTE),
// typed like textResultset.
func binaryResultset(res *sqlResult) *mysql.Resultset {
	rs := textResultset(&sqlResult{names: res.names, rows: res.rows})
	rs.RowDatas = nil
	for _, r := range res.rows {
		bitmap := make([]byte, (len(r)+7+2)>>3)
		row := []byte{0}
		var vals []byte
		for j, v := range r {
			switch x := v.(type) {
			case nil:
				bitmap[(j+2)/8] |= 1 << (uint(j+2) % 8)
			case int64:
				vals = binary.LittleEndian.AppendUint64(vals, uint64(x))
			case string:
				vals = append(vals, mysql.PutLengthEncodedString([]byte(x))...)
			default:
				vals = append(vals, mysql.PutLengthEncodedString([]byte(fmt.Sprint(x)))...)
			}
		}
		row = append(append(row, bitmap...), vals...)
		rs.RowDatas = append(rs.RowDatas, row)
	}
	return rs
}

func (h *mysqlHandler) HandleStmtClose(any) error { return nil }

func (h *mysqlHandler) HandleOtherCommand(cmd byte, _ []byte) error {
	return toMySQLError(notSupported(fmt.Sprintf("MySQL command 0x%02x", cmd)))
}
