package loader_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/starcdc/starcdc/loader"
)

// A replicator appends encoded rows, notes the sequence number reached at
// each source position, and commits a position once Durable reaches it.
func Example() {
	l, err := loader.New(loader.Options{
		URLs:          []string{"http://127.0.0.1:8030"},
		Username:      "root",
		Password:      "",
		Database:      "shop",
		LabelPrefix:   "starcdc-orders",
		MaxRetries:    3,
		FlushInterval: loader.ConnectorFlushInterval, // background loads
	})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()

	if err := l.Wait(ctx); err != nil { // back-pressure, and loads failed for good
		log.Fatal(err)
	}
	l.Append("orders", []byte(`{"id":1,"total":9.5}`))
	l.Append("orders", []byte(`{"id":2,"__op":1}`)) // delete
	// A Debezium row without its TOASTed "notes": update only the columns sent.
	l.AppendWith("orders", loader.Headers{Columns: "id,total,__op", PartialUpdate: true}, []byte(`{"id":3,"total":1.25,"__op":0}`))
	mark := l.Seq() // e.g. after offset 41 of partition 0

	for l.Durable() < mark {
		time.Sleep(100 * time.Millisecond) // or react to Listener events
	}
	// ... commit offset 42 of partition 0 ...

	// Before a rebalance or shutdown: load everything, labelled by batch.
	err = l.Flush(ctx, "orders-0-42-42")
	if errors.Is(err, loader.ErrBadRows) {
		// Only the rejected rows; the others are loaded.
		rows, lerr := l.TakeFailed("orders") // e.g. to a dead-letter topic
		log.Printf("%d rows rejected: %v", len(rows), lerr)
	} else if errors.Is(err, loader.ErrPermanent) {
		log.Fatal(err) // e.g. access denied: fix the configuration
	}
}
