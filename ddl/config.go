package ddl

import (
	"maps"

	"github.com/starcdc/starcdc/config"
	"github.com/starcdc/starcdc/mapping"
)

// Evolution says which schema changes starcdc applies to a table.
type Evolution int

const (
	// EvolveNone never alters tables; a schema change the table cannot
	// hold is reported.
	EvolveNone Evolution = iota
	// EvolveAddColumns adds new source fields as nullable columns.
	EvolveAddColumns
	// EvolveAddAndWiden also widens columns in place (MODIFY COLUMN).
	EvolveAddAndWiden
)

var evolutionNames = []string{"none", "add_columns", "add_and_widen"}

func (e Evolution) String() string {
	if int(e) < len(evolutionNames) {
		return evolutionNames[e]
	}
	return "unknown"
}

// The configuration keys named in this package's errors (package config
// parses them).
const (
	KeyAutoCreate     = config.KeyAutoCreate
	KeyEvolution      = config.KeyEvolution
	KeyMySQLURL       = config.KeyMySQLURL
	KeyReplicationNum = config.KeyReplicationNum
)

// Options configure Plan and the DDL starcdc runs.
type Options struct {
	// AutoCreate creates missing tables (starrocks.auto.create.tables).
	AutoCreate bool
	// Evolution says which schema changes are applied.
	Evolution Evolution
	// Buckets is the BUCKETS of created tables; 0 omits the clause.
	Buckets int
	// ReplicationNum is the replication_num of created tables; 0 omits it,
	// so the cluster's default_replication_num applies (3 out of the box,
	// which fails on a cluster with fewer BEs: set 1 there).
	ReplicationNum int
	// Properties are extra PROPERTIES of created tables.
	Properties map[string]string
	// DuplicateKeyWithoutKey plans a DUPLICATE KEY table for a topic
	// without a key schema instead of failing with ErrNoKey.
	DuplicateKeyWithoutKey bool
	// TypeOptions choose between alternative type mappings.
	TypeOptions mapping.TypeOptions
}

// AllowModify reports whether Evolve may widen columns.
func (o Options) AllowModify() bool { return o.Evolution == EvolveAddAndWiden }

// OptionsFrom builds the Options of a connector from its parsed
// configuration (config.Connector.DDL and the type choices of
// config.Connector.Mapping). It parses nothing: config validated every key.
func OptionsFrom(d config.DDL, m config.Mapping) Options {
	o := Options{
		AutoCreate:             d.AutoCreate,
		Buckets:                d.Buckets,
		ReplicationNum:         d.ReplicationNum,
		Properties:             maps.Clone(d.Properties),
		DuplicateKeyWithoutKey: d.DuplicateKeyWithoutKey,
		TypeOptions:            mapping.TypeOptions{Decimal256: m.Decimal256, Varbinary: m.Varbinary},
	}
	switch d.Evolution {
	case config.EvolveAddColumns:
		o.Evolution = EvolveAddColumns
	case config.EvolveAddAndWiden:
		o.Evolution = EvolveAddAndWiden
	}
	return o
}
