package e2e

import (
	"fmt"
	"testing"

	"github.com/starcdc/starcdc/devstack"
	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testcerts"
)

// TestAutoCreateOverMySQLTLS: the FE's MySQL port requires TLS and a
// client certificate (ssl_force_secure_transport=true). With
// starrocks.mysql.ssl.mode=VERIFY_IDENTITY, a JKS trust store of the FE's
// private CA and a JKS key store, starcdc creates the table over TLS and
// the rows land.
func TestAutoCreateOverMySQLTLS(t *testing.T) {
	base := startStack(t) // Kafka and the registry
	ca, clientCA := testcerts.NewCA(t), testcerts.NewCA(t)
	fe, err := starrocks.Start(starrocks.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fe.Close() })
	if _, err := fe.ServeMySQLTLS(starrocks.MySQLTLS{Config: ca.ServerTLS(t, clientCA), Require: true}); err != nil {
		t.Fatal(err)
	}
	if err := fe.CreateDatabase(db); err != nil {
		t.Fatal(err)
	}
	s := &devstack.Stack{Kafka: base.Kafka, Registry: base.Registry, StarRocks: fe}

	schema := `{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"}],"optional":false,"name":"tls.Value"}`
	key := func(id int) []byte {
		return []byte(fmt.Sprintf(`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"tls.Key"},"payload":{"id":%d}}`, id))
	}
	val := func(id int, name string) []byte {
		return []byte(fmt.Sprintf(`{"schema":%s,"payload":{"id":%d,"name":%q}}`, schema, id, name))
	}
	produce(t, s, "tls", [2][]byte{key(1), val(1, "one")}, [2][]byte{key(2), val(2, "two")})

	st := testcerts.WriteStores(t, "JKS", ca, clientCA.Issue(t, nil), clientCA)
	props := connectorProps(s, "mysqltls", true, "tls", "tls:secured")
	props["starrocks.auto.create.tables"] = "true"
	props["starrocks.table.replication.num"] = "1"
	props["starrocks.mysql.ssl.mode"] = "VERIFY_IDENTITY"
	props["starrocks.ssl.truststore.location"] = st.Trust
	props["starrocks.ssl.keystore.location"] = st.Key
	for k, v := range testcerts.Passwords("JKS", "starrocks.") {
		props[k] = v
	}
	r := startReplicator(t, props)
	drain(t, s, r.group, "tls")
	r.stop(t)
	wantRows(t, s, "secured", []map[string]any{
		{"id": "1", "name": "one"},
		{"id": "2", "name": "two"},
	})
}
