// Package ddl will own StarRocks DDL over the MySQL protocol: creating the
// primary-key table of a topic from its registry schema, and evolving it
// (ADD COLUMN, safe MODIFY COLUMN) as the source schema changes. It turns
// the type table of package mapping into CREATE/ALTER statements.
//
// It is empty until the auto-create issue lands: today tables must exist
// before starcdc loads into them, as with the Java connector.
package ddl
