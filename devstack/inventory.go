package devstack

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The demo data set: Debezium's MySQL tutorial "inventory" database, as a
// Debezium 2.x MySQL connector with topic.prefix=dbserver1 writes it through
// Kafka's JsonConverter (schemas.enable=true): snapshot reads, then creates,
// updates, deletes followed by tombstones, and a primary-key change.

// Column is one column of a demo table: its Debezium/Kafka Connect schema and
// the StarRocks column it loads into.
type Column struct {
	Name     string
	Connect  string // int32, int64, string, double, bytes
	Logical  string // schema name, e.g. io.debezium.time.Date
	Params   map[string]string
	Optional bool
	SR       string // StarRocks type
}

// Table is one demo table.
type Table struct {
	Topic   string
	Name    string
	Key     string // the primary-key column (first column)
	Columns []Column
}

// Value kinds in rows: int64 for integer and temporal columns, float64,
// string (Decimal columns hold their decimal text), nil.
type row []any

// Inventory is the demo workload: its tables, the records to produce, and
// the table contents expected once they are all applied. starcdc creates
// the tables itself (starrocks.auto.create.tables) and adds the column that
// appears mid-stream.
type Inventory struct {
	Tables   []Table
	Records  []*kgo.Record
	Expected map[string][]map[string]any // table → rows as starrocks.Emulator.Rows renders them
	Events   int                         // change events (records that are not tombstones)
}

// Database is the StarRocks database of the demo.
const Database = "inventory"

func inventoryTables() []Table {
	return []Table{
		{Topic: "dbserver1.inventory.customers", Name: "customers", Key: "id", Columns: []Column{
			{Name: "id", Connect: "int32", SR: "INT"},
			{Name: "first_name", Connect: "string", SR: "VARCHAR(255)"},
			{Name: "last_name", Connect: "string", SR: "VARCHAR(255)"},
			{Name: "email", Connect: "string", SR: "VARCHAR(255)"},
		}},
		{Topic: "dbserver1.inventory.products", Name: "products", Key: "id", Columns: []Column{
			{Name: "id", Connect: "int32", SR: "INT"},
			{Name: "name", Connect: "string", SR: "VARCHAR(255)"},
			{Name: "description", Connect: "string", Optional: true, SR: "VARCHAR(512)"},
			{Name: "weight", Connect: "double", Optional: true, SR: "DOUBLE"},
			{Name: "price", Connect: "bytes", Logical: "org.apache.kafka.connect.data.Decimal", Params: map[string]string{"scale": "2", "connect.decimal.precision": "10"}, Optional: true, SR: "DECIMAL(10,2)"},
		}},
		{Topic: "dbserver1.inventory.orders", Name: "orders", Key: "order_number", Columns: []Column{
			{Name: "order_number", Connect: "int32", SR: "INT"},
			{Name: "order_date", Connect: "int32", Logical: "io.debezium.time.Date", SR: "DATE"},
			{Name: "purchaser", Connect: "int32", SR: "INT"},
			{Name: "quantity", Connect: "int32", SR: "INT"},
			{Name: "product_id", Connect: "int32", SR: "INT"},
			{Name: "updated_at", Connect: "int64", Logical: "io.debezium.time.MicroTimestamp", Optional: true, SR: "DATETIME"},
		}},
	}
}

func days(s string) int64 {
	t, _ := time.Parse("2006-01-02", s)
	return t.Unix() / 86400
}

func micros(s string) int64 {
	t, _ := time.Parse("2006-01-02 15:04:05.999999", s)
	return t.UnixMicro()
}

// NewInventory builds the demo workload.
func NewInventory() *Inventory {
	tables := inventoryTables()
	b := &invBuilder{inv: &Inventory{Tables: tables, Expected: map[string][]map[string]any{}}, state: map[string]map[int64]row{}}
	cust, prod, ord := &tables[0], &tables[1], &tables[2]
	// Snapshot.
	for _, r := range []row{
		{int64(1001), "Sally", "Thomas", "sally.thomas@acme.com"},
		{int64(1002), "George", "Bailey", "gbailey@foobar.com"},
		{int64(1003), "Edward", "Walker", "ed@walker.com"},
		{int64(1004), "Anne", "Kretchmar", "annek@noanswer.org"},
	} {
		b.op(cust, "r", nil, r)
	}
	for _, r := range []row{
		{int64(101), "scooter", "Small 2-wheel scooter", 3.14, "49.90"},
		{int64(102), "car battery", "12V car battery", 8.1, "89.00"},
		{int64(103), "12-pack drill bits", "12-pack of drill bits with sizes ranging from #40 to #3", 0.8, "12.35"},
		{int64(104), "hammer", "12oz carpenter's hammer", 0.75, "9.99"},
		{int64(105), "hammer", "14oz carpenter's hammer", 0.875, "10.99"},
		{int64(106), "hammer", "16oz carpenter's hammer", 1.0, "11.99"},
		{int64(107), "rocks", "box of assorted rocks", 5.3, "-0.01"},
		{int64(108), "jacket", "water resistent black wind breaker", 0.1, "1234.50"},
		{int64(109), "spare tire", nil, 22.2, nil},
	} {
		b.op(prod, "r", nil, r)
	}
	for _, r := range []row{
		{int64(10001), days("2016-01-16"), int64(1001), int64(1), int64(102), micros("2016-01-16 10:30:00")},
		{int64(10002), days("2016-01-17"), int64(1002), int64(2), int64(105), micros("2016-01-17 08:15:30.250000")},
		{int64(10003), days("2016-02-19"), int64(1002), int64(2), int64(106), nil},
		{int64(10004), days("2016-02-21"), int64(1003), int64(1), int64(107), micros("1969-12-31 23:59:59.999999")},
	} {
		b.op(ord, "r", nil, r)
	}
	// Streaming changes.
	b.op(cust, "c", nil, row{int64(1005), "Jane", "Doe", "jane@doe.example"})
	b.op(cust, "u", b.state["customers"][1001], row{int64(1001), "Sally", "Thomas", "sally@thomas.example"})
	b.op(prod, "u", b.state["products"][109], row{int64(109), "spare tire", "24 inch spare tire", 22.2, "79.00"})
	b.op(ord, "d", b.state["orders"][10004], nil)
	b.op(ord, "c", nil, row{int64(10005), days("2024-04-12"), int64(1005), int64(3), int64(101), micros("2024-04-12 10:30:00.123456")})
	b.op(cust, "d", b.state["customers"][1004], nil)
	// A primary-key change: Debezium emits a delete of the old key, a
	// tombstone, then a create of the new key.
	old := b.state["products"][108]
	b.op(prod, "d", old, nil)
	b.op(prod, "c", nil, row{int64(110), old[1], old[2], old[3], old[4]})
	b.op(ord, "u", b.state["orders"][10002], row{int64(10002), days("2016-01-17"), int64(1002), int64(5), int64(105), micros("2016-01-18 09:00:00")})
	// Schema evolution: ALTER TABLE customers ADD COLUMN phone. Debezium's
	// later events carry the new field; starcdc must add the column before
	// it loads them.
	cust.Columns = append(cust.Columns, Column{Name: "phone", Connect: "string", Optional: true, SR: "VARCHAR(1048576)"})
	b.op(cust, "u", b.state["customers"][1002], row{int64(1002), "George", "Bailey", "gbailey@foobar.com", "+1 555 0102"})
	b.op(cust, "c", nil, row{int64(1006), "Ada", "Lovelace", "ada@analytical.example", "+44 20 7946 0958"})
	b.expect()
	return b.inv
}

type invBuilder struct {
	inv   *Inventory
	state map[string]map[int64]row
}

func (b *invBuilder) op(t *Table, op string, before, after row) {
	if b.state[t.Name] == nil {
		b.state[t.Name] = map[int64]row{}
	}
	image := after
	if op == "d" {
		image = before
	}
	id := image[0].(int64)
	key := fmt.Sprintf(`{"schema":{"type":"struct","fields":[{"type":"%s","optional":false,"field":"%s"}],"optional":false,"name":"%s.Key"},"payload":{"%s":%d}}`,
		t.Columns[0].Connect, t.Key, t.Topic, t.Key, id)
	value := envelope(t, op, before, after)
	b.inv.Records = append(b.inv.Records, &kgo.Record{Topic: t.Topic, Key: []byte(key), Value: []byte(value)})
	b.inv.Events++
	if op == "d" {
		delete(b.state[t.Name], id)
		b.inv.Records = append(b.inv.Records, &kgo.Record{Topic: t.Topic, Key: []byte(key)}) // tombstone
		return
	}
	b.state[t.Name][id] = after
}

func (b *invBuilder) expect() {
	for _, t := range b.inv.Tables {
		ids := make([]int64, 0, len(b.state[t.Name]))
		for id := range b.state[t.Name] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		rows := []map[string]any{}
		for _, id := range ids {
			r := b.state[t.Name][id]
			m := map[string]any{}
			for i, c := range t.Columns {
				var v any
				if i < len(r) { // rows written before a column was added hold NULL
					v = r[i]
				}
				m[c.Name] = render(c, v)
			}
			rows = append(rows, m)
		}
		b.inv.Expected[t.Name] = rows
	}
}

// render is the value as the StarRocks emulator prints it (MySQL text).
func render(c Column, v any) any {
	if v == nil {
		return nil
	}
	switch c.Logical {
	case "io.debezium.time.Date":
		return time.Unix(v.(int64)*86400, 0).UTC().Format("2006-01-02")
	case "io.debezium.time.MicroTimestamp":
		t := time.UnixMicro(v.(int64)).UTC()
		if t.Nanosecond() != 0 {
			return t.Format("2006-01-02 15:04:05.000000")
		}
		return t.Format("2006-01-02 15:04:05")
	}
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return v.(string)
}

func envelope(t *Table, op string, before, after row) string {
	var sb strings.Builder
	valueSchema := func(field string) string {
		var f []string
		for _, c := range t.Columns {
			s := fmt.Sprintf(`{"type":"%s","optional":%t`, c.Connect, c.Optional)
			if c.Logical != "" {
				s += fmt.Sprintf(`,"name":"%s","version":1`, c.Logical)
			}
			if c.Params != nil {
				p, _ := json.Marshal(c.Params)
				s += `,"parameters":` + string(p)
			}
			f = append(f, s+fmt.Sprintf(`,"field":"%s"}`, c.Name))
		}
		return fmt.Sprintf(`{"type":"struct","fields":[%s],"optional":true,"name":"%s.Value","field":"%s"}`, strings.Join(f, ","), t.Topic, field)
	}
	sb.WriteString(`{"schema":{"type":"struct","fields":[`)
	sb.WriteString(valueSchema("before") + "," + valueSchema("after"))
	sb.WriteString(`,{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},{"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},{"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,last,false,incremental"},"default":"false","field":"snapshot"},{"type":"string","optional":false,"field":"db"},{"type":"string","optional":true,"field":"table"},{"type":"string","optional":false,"field":"file"},{"type":"int64","optional":false,"field":"pos"}],"optional":false,"name":"io.debezium.connector.mysql.Source","field":"source"}`)
	sb.WriteString(`,{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"}],"optional":false,"name":"` + t.Topic + `.Envelope","version":1},"payload":{`)
	sb.WriteString(`"before":` + rowJSON(t, before) + `,"after":` + rowJSON(t, after))
	snap := "false"
	if op == "r" {
		snap = "true"
	}
	fmt.Fprintf(&sb, `,"source":{"version":"2.7.3.Final","connector":"mysql","name":"dbserver1","ts_ms":1712917800000,"snapshot":"%s","db":"inventory","table":"%s","file":"mysql-bin.000003","pos":154},"op":"%s","ts_ms":1712917800123}}`, snap, t.Name, op)
	return sb.String()
}

func rowJSON(t *Table, r row) string {
	if r == nil {
		return "null"
	}
	parts := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		var v string
		var val any
		if i < len(r) {
			val = r[i]
		}
		switch x := val.(type) {
		case nil:
			v = "null"
		case int64:
			v = strconv.FormatInt(x, 10)
		case float64:
			v = strconv.FormatFloat(x, 'g', -1, 64)
		case string:
			if c.Logical == "org.apache.kafka.connect.data.Decimal" {
				v = `"` + decimalBase64(x) + `"`
			} else {
				q, _ := json.Marshal(x)
				v = string(q)
			}
		}
		parts[i] = fmt.Sprintf(`"%s":%s`, c.Name, v)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// decimalBase64 encodes decimal text the way Kafka Connect's Decimal does:
// the big-endian two's-complement unscaled integer, base64.
func decimalBase64(s string) string {
	unscaled, _ := new(big.Int).SetString(strings.Replace(s, ".", "", 1), 10)
	var b []byte
	if unscaled.Sign() >= 0 {
		b = unscaled.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
	} else {
		// two's complement: 2^(8n) + v with enough bytes for the sign bit.
		n := (unscaled.BitLen() + 8) / 8
		b = new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), uint(n*8)), unscaled).Bytes()
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Topics lists the demo's topics.
func (inv *Inventory) Topics() []string {
	var ts []string
	for _, t := range inv.Tables {
		ts = append(ts, t.Topic)
	}
	return ts
}

// Topic2Table is the starrocks.topic2table.map value of the demo.
func (inv *Inventory) Topic2Table() string {
	var ps []string
	for _, t := range inv.Tables {
		ps = append(ps, t.Topic+":"+t.Name)
	}
	return strings.Join(ps, ",")
}
