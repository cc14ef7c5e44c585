// Package ddl owns StarRocks DDL over the MySQL protocol: planning the
// table of a topic from its Kafka key and value schemas (Plan), rendering
// it (CreateSQL, Format, AlterSQL), comparing it with a live table (Diff)
// and running CREATE / ALTER / TRUNCATE with go-sql-driver/mysql (Manager).
// It turns the type table of package mapping (mapping.ColumnType,
// mapping.PrimaryKeyType) into statements; it has no type table of its own.
//
// # Tables
//
// A topic's table is a PRIMARY KEY table whose key is the record key's
// fields, in key order, first and NOT NULL, hashed for distribution
// (DISTRIBUTED BY HASH(key)). Value columns are all nullable. Key types
// that StarRocks refuses (FLOAT, DOUBLE, DECIMAL, JSON, ARRAY, VARBINARY)
// become VARCHAR holding the encoder's text, and a key whose encoded width
// could exceed StarRocks' 128 bytes gets its VARCHAR columns narrowed to
// fit; both produce a Note. A topic without a key schema is ErrNoKey unless
// starrocks.table.keyless=duplicate, which plans an append-only DUPLICATE
// KEY table (DISTRIBUTED BY RANDOM, StarRocks ≥ 3.1).
//
// Names are checked before any DDL: table names with mapping.ValidTable
// (config.ValidTableName, the one table-name rule),
// database and column names for length (256 / 1024), backticks, NUL and
// other control characters, and the reserved __op / __row*. Identifiers are
// backtick-quoted (inner backticks doubled) and property values are quoted
// strings, so a topic, field or property can never change a statement.
//
// # Schema evolution
//
// Diff classifies a planned table against a live one: new fields are added
// as nullable columns (ADD COLUMN), safe widenings (TINYINT/SMALLINT/INT →
// wider integer, FLOAT → DOUBLE, VARCHAR(n) → VARCHAR(m>n), DECIMAL(p,s) →
// DECIMAL(q>p,s)) are MODIFY COLUMNs applied only with add_and_widen,
// removed fields leave their column (it gets NULL), a table already wider
// than needed is left alone, and anything else is incompatible, with a
// reason. Manager.Evolve applies the difference idempotently: when several
// writers race, "Can not add column which already exists" counts as
// success and the columns are read again; after each ALTER it polls
// information_schema.columns until the change is visible (StarRocks' fast
// schema evolution is synchronous, other schema changes are jobs).
//
// # Configuration (connector keys, parsed by package config into
// config.Connector.DDL, MySQLAddr and Mapping; OptionsFrom maps them)
//
//   - starrocks.auto.create.tables (default false): create missing tables
//     (CREATE DATABASE/TABLE IF NOT EXISTS).
//   - starrocks.schema.evolution: none | add_columns | add_and_widen.
//     Default add_columns when auto-create is on, else none.
//   - starrocks.mysql.url: the FE's MySQL address, host:port (also
//     mysql://host:port or jdbc:mysql://host:port/...; the first of a comma
//     list). Default: the host of the first starrocks.http.url, port 9030.
//     User and password are starrocks.username / starrocks.password.
//   - starrocks.mysql.ssl.mode (config.MySQLTLS, given to Open): DISABLED
//     (default) | PREFERRED | REQUIRED | VERIFY_CA | VERIFY_IDENTITY, the
//     MySQL client's --ssl-mode, with the starrocks.ssl.* trust and key
//     stores; set through mysql.Config.TLS, never the driver's global TLS
//     registry. Connection failures caused by TLS wrap ErrMySQLTLS and say
//     which key to change; Manager.TLSVersion tells whether TLS was used.
//   - starrocks.table.buckets: BUCKETS of created tables; unset or 0 = no BUCKETS
//     clause (StarRocks ≥ 2.5.7 chooses).
//   - starrocks.table.replication.num: replication_num of created tables;
//     unset = not written, so the cluster's default_replication_num applies
//     (3 out of the box). A cluster with fewer BEs refuses the CREATE; the
//     error says to set this key to 1. starcdc does not default it to 1
//     because a silently unreplicated production table is worse than a
//     clear error on a single-BE test cluster.
//   - starrocks.table.properties.<name>=<value>: any other table PROPERTIES
//     (e.g. starrocks.table.properties.enable_persistent_index=true).
//   - starrocks.table.keyless: refuse (default) | duplicate (see Tables).
//   - starrocks.decimal256 (default false): decimals of precision 39..76
//     become DECIMAL256 (StarRocks ≥ 4.0) instead of VARCHAR.
//
// # Use
//
//	o := ddl.OptionsFrom(conn.DDL, conn.Mapping)
//	m, err := ddl.Open(conn.MySQLAddr, conn.Username, conn.Password.Reveal(), conn.MySQLTLS)
//	t, notes, err := ddl.Plan(table, keySchema, valueSchema, o)
//	err = m.EnsureTable(ctx, conn.Database, t)          // when o.AutoCreate
//	changed, err := m.Evolve(ctx, conn.Database, t, o.AllowModify())
//
// Fingerprint (or the registry schema ID) tells cheaply when a record's
// schema changed and Plan/Evolve must run again.
package ddl
