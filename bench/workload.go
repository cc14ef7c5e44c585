package main

import (
	"fmt"

	"github.com/starcdc/starcdc/devstack/starrocks"
)

// The workload: Debezium MySQL change events of three tables with the same
// ten columns, spread over 4 partitions each (12 in all). Event i belongs to
// table i%3 and partition (i/3)%4; 60% are creates, 30% updates (before and
// after images) and 10% deletes (before image only). Each record's key is
// its row's primary key, in the same converter's format, as Debezium
// writes it; each (table, id) occurs in one event only.

// Database is the StarRocks database the bench loads into.
const Database = "bench"

// Tables are the three StarRocks tables (one topic each).
var Tables = []string{"customers", "orders", "payments"}

// PartitionsPerTopic times len(Tables) is the bench's 12 partitions.
const PartitionsPerTopic = 4

// columns are the StarRocks columns of every table; id is the primary key.
// amount is a Decimal (NOT NULL), created_at a MicroTimestamp, birth a
// Date, attrs an io.debezium.data.Json; the others are nullable.
var columns = []starrocks.Column{
	{Name: "id", Type: "BIGINT"},
	{Name: "name", Type: "VARCHAR(255)", Nullable: true},
	{Name: "email", Type: "VARCHAR(255)", Nullable: true},
	{Name: "amount", Type: "DECIMAL(12,2)"},
	{Name: "created_at", Type: "DATETIME", Nullable: true},
	{Name: "birth", Type: "DATE", Nullable: true},
	{Name: "visits", Type: "BIGINT", Nullable: true},
	{Name: "score", Type: "DOUBLE", Nullable: true},
	{Name: "active", Type: "BOOLEAN", Nullable: true},
	{Name: "attrs", Type: "JSON", Nullable: true},
}

// Decimal parameters of the amount column.
const (
	amountPrecision = 12
	amountScale     = 2
)

// row is one table row as the source database holds it.
type row struct {
	ID        int64
	Name      string
	Email     string
	Amount    int64 // unscaled, scale amountScale
	CreatedAt int64 // microseconds since the epoch
	Birth     int32 // days since the epoch
	Visits    int64
	Score     float64
	Active    bool
	Attrs     string // JSON text
}

// event is one Debezium change event.
type event struct {
	Table     int   // index in Tables
	Partition int32 // of the table's topic
	Op        string
	Before    *row // u, d
	After     *row // c, u
	SourceTs  int64
	TsMs      int64
}

// genRow is the row of primary key id at version v.
func genRow(id int64, v int) *row {
	return &row{
		ID:        id,
		Name:      fmt.Sprintf("customer %d", id),
		Email:     fmt.Sprintf("user%d@example.com", id),
		Amount:    id*37%1000000 + int64(v),
		CreatedAt: 1712917800000000 + id*1000003,
		Birth:     int32(3650 + id%15000),
		Visits:    id * 7 % 10000,
		Score:     float64(id%1000) / 8,
		Active:    id%2 == 0,
		Attrs:     fmt.Sprintf(`{"tier":"gold","tags":["a","b"],"ref":%d}`, id%97),
	}
}

// genEvent is event i of the workload.
func genEvent(i int) event {
	ev := event{
		Table:     i % len(Tables),
		Partition: int32(i / len(Tables) % PartitionsPerTopic),
		SourceTs:  1712917800000 + int64(i),
		TsMs:      1712917800123 + int64(i),
	}
	id := int64(i/len(Tables)) + 1
	switch k := i % 10; {
	case k < 6:
		ev.Op, ev.After = "c", genRow(id, 0)
	case k < 9:
		ev.Op, ev.Before, ev.After = "u", genRow(id, 0), genRow(id, 1)
	default:
		ev.Op, ev.Before = "d", genRow(id, 0)
	}
	return ev
}
