package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/starcdc/starcdc/devstack/starrocks"
	"github.com/starcdc/starcdc/internal/testcerts"
)

// The check logs in on a TLS-only MySQL port and says it used TLS; with
// TLS disabled it fails with StarRocks' refusal and what to set.
func TestCheckMySQLTLS(t *testing.T) {
	s := checkStack(t)
	ca := testcerts.NewCA(t)
	fe, err := starrocks.Start(starrocks.Config{Users: map[string]string{"root": "right"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fe.Close() })
	addr, err := fe.ServeMySQLTLS(starrocks.MySQLTLS{Config: ca.ServerTLS(t, nil), Require: true})
	if err != nil {
		t.Fatal(err)
	}
	st := testcerts.WriteStores(t, "PEM", ca, ca.Issue(t, nil), ca)
	trust := "starrocks.mysql.url=" + addr + "\nstarrocks.ssl.truststore.type=PEM\nstarrocks.ssl.truststore.location=" + filepath.ToSlash(st.Trust) + "\n"

	code, out, stderr := runCLI("check", checkProps(t, s, trust+"starrocks.mysql.ssl.mode=verify_identity\n"), "--timeout", "3s")
	want := "OK    [starrocks-kafka-connector] StarRocks MySQL port " + addr + ` (starrocks.mysql.url): user "root" logged in over TLS 1.`
	if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, "(starrocks.mysql.ssl.mode=VERIFY_IDENTITY)") {
		t.Fatalf("exit %d, want a line %q in:\n%s%s", code, want, out, stderr)
	}

	code, out, stderr = runCLI("check", checkProps(t, s, trust+"starrocks.mysql.ssl.mode=DISABLED\n"), "--timeout", "3s")
	for _, w := range []string{
		"FAIL  [starrocks-kafka-connector] StarRocks MySQL port " + addr + " (starrocks.mysql.url): ",
		"refuses unencrypted connections",
		"Connections using insecure transport are prohibited",
		"set starrocks.mysql.ssl.mode=REQUIRED",
	} {
		if code != exitFailure || !strings.Contains(out, w) {
			t.Errorf("exit %d, no %q in:\n%s%s", code, w, out, stderr)
		}
	}
	if strings.Contains(out+stderr, "right") {
		t.Errorf("the password shows:\n%s%s", out, stderr)
	}

	// Without TLS on the port, the check says the connection was
	// unencrypted.
	code, out, _ = runCLI("check", checkProps(t, s, ""), "--timeout", "3s")
	if code != 0 || !strings.Contains(out, `logged in unencrypted (starrocks.mysql.ssl.mode=DISABLED)`) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
