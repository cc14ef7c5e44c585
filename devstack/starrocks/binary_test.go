package starrocks

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// rawBytes has a NUL, 0xff and a byte that is not valid UTF-8 on its own.
const rawBytes = "\x00\xffA\x01\x80"

var rawB64 = base64.StdEncoding.EncodeToString([]byte(rawBytes))

// binTable creates bin (id BIGINT, name VARCHAR(20) NULL, payload
// VARBINARY(8) NULL, req VARBINARY NOT NULL).
func binTable(t *testing.T, e *Emulator) {
	t.Helper()
	mustCreate(t, e, "bin", []Column{
		{Name: "id", Type: "BIGINT"},
		{Name: "name", Type: "VARCHAR(20)", Nullable: true},
		{Name: "payload", Type: "VARBINARY(8)", Nullable: true},
		{Name: "req", Type: "varbinary", Nullable: false},
	}, "id")
}

// cells returns column col of every row (primary key order); nil = NULL.
func cells(t *testing.T, e *Emulator, table, col string) []any {
	t.Helper()
	var out []any
	for _, r := range rows(t, e, table) {
		out = append(out, r[col])
	}
	return out
}

func wantCells(t *testing.T, e *Emulator, table, col string, want ...any) {
	t.Helper()
	got := cells(t, e, table, col)
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("%s.%s:\n got %q\nwant %q", table, col, got, want)
	}
}

func TestToBinaryJSON(t *testing.T) {
	e := startEmu(t)
	binTable(t, e)
	c := newClient(t, e)
	h := hdr{"format": "json", "columns": "id,name,__b64_payload,payload=to_binary(__b64_payload,'encode64'),__b64_req,req=to_binary(`__b64_req`, 'ENCODE64'),__op"}
	body := `{"id":1,"name":"exact","__b64_payload":"` + rawB64 + `","__b64_req":"` + rawB64 + `","__op":0}
{"id":2,"name":"null","__b64_payload":null,"__b64_req":"AA=="}
{"id":3,"name":"missing key","__b64_req":"AA=="}
{"id":4,"name":"invalid","__b64_payload":"not base64!","__b64_req":"AA=="}
{"id":5,"name":"empty","__b64_payload":"","__b64_req":"AA=="}
{"id":6,"name":"lenient","__b64_payload":"AP8\n","__b64_req":"AA=="}
{"id":7,"name":"too long","__b64_payload":"` + base64.StdEncoding.EncodeToString([]byte("123456789")) + `","__b64_req":"AA=="}
{"id":8,"name":"null into NOT NULL","__b64_payload":"AA==","__b64_req":null}
{"id":9,"name":"invalid into NOT NULL","__b64_payload":"AA==","__b64_req":"%%%"}
{"id":10,"__b64_payload":"AA==","__b64_req":"","__op":1}`
	m := c.streamLoad("bin", mergeHdr(h, hdr{"max_filter_ratio": "0.5"}), body)
	wantStatus(t, m, "Success")
	// 8, 9, 10: a NULL into the NOT NULL column filters the row (a delete
	// row too, §1.3); invalid or empty base64 is NULL (binary.go).
	if num(t, m, "NumberTotalRows") != 10 || num(t, m, "NumberLoadedRows") != 7 || num(t, m, "NumberFilteredRows") != 3 {
		t.Fatalf("%v", m)
	}
	wantCells(t, e, "bin", "payload", rawBytes, nil, nil, nil, nil, "\x00\xff", nil)
	wantCells(t, e, "bin", "req", rawBytes, "\x00", "\x00", "\x00", "\x00", "\x00", "\x00")

	// Strict mode: the over-long value filters the row instead of storing NULL.
	m = c.streamLoad("bin", mergeHdr(h, hdr{"strict_mode": "true"}),
		`{"id":7,"__b64_payload":"`+base64.StdEncoding.EncodeToString([]byte("123456789"))+`","__b64_req":"AA=="}`)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "too many filtered rows")
	if num(t, m, "NumberFilteredRows") != 1 {
		t.Fatalf("%v", m)
	}

	// hex (the default and explicit, either case) and utf8.
	m = c.streamLoad("bin", hdr{"format": "json", "columns": "id,h,payload=to_binary(h),u,req=to_binary(u, 'utf8')"},
		`{"id":20,"h":"00FFab","u":"h\u00e9"}{"id":21,"h":"zz","u":""}{"id":22,"h":"abc","u":"x"}{"id":23,"h":"","u":"y"}{"id":24,"h":null,"u":12.50}`)
	wantStatus(t, m, "Success")
	wantCells(t, e, "bin", "payload", rawBytes, nil, nil, nil, nil, "\x00\xff", nil, "\x00\xff\xab", "", "", "", nil)
	wantCells(t, e, "bin", "req", rawBytes, "\x00", "\x00", "\x00", "\x00", "\x00", "\x00", "h\xc3\xa9", "", "x", "y", "12.50")

	// Without an expression a JSON string is read as text and cast: its bytes.
	wantStatus(t, c.streamLoad("bin", hdr{"format": "json"}, `{"id":30,"payload":"a\u0000\u00ff","req":"raw"}`), "Success")
	r := rows(t, e, "bin")
	if got := r[len(r)-1]; got["payload"] != "a\x00\xc3\xbf" || got["req"] != "raw" {
		t.Fatalf("row 30: %q", got)
	}
}

func mergeHdr(a, b hdr) hdr {
	out := hdr{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestToBinaryCSV(t *testing.T) {
	e := startEmu(t)
	binTable(t, e)
	c := newClient(t, e)
	h := hdr{"column_separator": ",", "columns": "id,__b64,payload=to_binary(__b64, \"encode64\"),hx,req=to_binary(hx, 'hex')"}
	m := c.streamLoad("bin", h, "1,"+rawB64+",00ff4101\n2,\\N,\n3,@@@@,ff\n4,,00\n5,AP8,zz\n")
	wantStatus(t, m, "Success")
	if num(t, m, "NumberLoadedRows") != 5 {
		t.Fatalf("%v", m)
	}
	// CSV \N is NULL, an empty field is "" (empty base64: NULL; empty hex: an
	// empty binary, not NULL).
	wantCells(t, e, "bin", "payload", rawBytes, nil, nil, nil, "\x00\xff")
	wantCells(t, e, "bin", "req", "\x00\xffA\x01", "", "\xff", "\x00", "")

	// Without an expression a CSV field's bytes are stored as they are.
	wantStatus(t, c.streamLoad("bin", hdr{"column_separator": ",", "columns": "id,req"}, "6,\xff\x00z\n"), "Success")
	wantCells(t, e, "bin", "req", "\x00\xffA\x01", "", "\xff", "\x00", "", "\xff\x00z")
	// VARBINARY(8) counts bytes: 9 bytes of CSV text is too long.
	m = c.streamLoad("bin", hdr{"column_separator": ",", "columns": "id,payload,req", "strict_mode": "true"}, "7,123456789,x\n")
	wantStatus(t, m, "Fail")
	if num(t, m, "NumberFilteredRows") != 1 {
		t.Fatalf("%v", m)
	}
}

func TestToBinaryRefusedExpressions(t *testing.T) {
	e := startEmu(t)
	binTable(t, e)
	c := newClient(t, e)
	for _, tc := range []struct{ columns, want string }{
		{"id,b,payload=from_base64(b),req=b", "not supported by the emulator"},
		{"id,b,payload=to_binary(concat(b, b)),req=b", "not supported by the emulator"},
		{"id,b,payload=to_binary(b, b),req=b", "not supported by the emulator"},
		{"id,b,payload=to_binary(b)||'x',req=b", "not supported by the emulator"},
		{"id,b,payload=TO_BASE64(b),req=b", "not supported by the emulator"},
		{"id,b,name=upper(b),payload=b,req=b", "not supported by the emulator"},
		{"id,b,__op=to_binary(b),payload=b,req=b", "not supported by the emulator"},
		{"b,id=to_binary(b),payload=b,req=b", "to_binary into column 'id' of type BIGINT is not supported by the emulator"},
		{"id,b,payload=to_binary(nope, 'encode64'),req=b", "Unknown column 'nope' in columns header"},
		{"id,b,payload=to_binary(),req=b", "No matching function with signature: to_binary()"},
		{"id,b,payload=to_binary(b,'hex','x'),req=b", "No matching function with signature"},
		{"id,b,nothere=to_binary(b),req=b", "Mapping column is not in table. column: nothere"},
	} {
		m := c.streamLoad("bin", hdr{"columns": tc.columns, "column_separator": ","}, "1,AA==\n")
		wantStatus(t, m, "Fail")
		wantMessage(t, m, tc.want)
	}
	if len(rows(t, e, "bin")) != 0 {
		t.Fatal("refused loads must load nothing")
	}
	// A string literal argument is evaluated once.
	wantStatus(t, c.streamLoad("bin", hdr{"columns": "id,payload=to_binary('00ff'),req=to_binary(\"AP8=\", 'encode64')"}, "1\n"), "Success")
	wantCells(t, e, "bin", "payload", "\x00\xff")
	wantCells(t, e, "bin", "req", "\x00\xff")
}

func TestToBinaryPartialUpdateAndTxn(t *testing.T) {
	e := startEmu(t)
	binTable(t, e)
	c := newClient(t, e)
	wantStatus(t, c.streamLoad("bin", hdr{"format": "json"}, `{"id":1,"name":"keep","payload":"old","req":"r"}`), "Success")
	h := hdr{"format": "json", "partial_update": "true", "columns": "id,__b64_payload,payload=to_binary(__b64_payload,'encode64'),__op"}
	m := c.streamLoad("bin", h, `{"id":1,"__b64_payload":"`+rawB64+`"}`)
	wantStatus(t, m, "Success")
	r := rows(t, e, "bin")
	if len(r) != 1 || r[0]["name"] != "keep" || r[0]["payload"] != rawBytes || r[0]["req"] != "r" {
		t.Fatalf("rows: %q", r)
	}
	// A NULL from the expression is written by the partial update.
	wantStatus(t, c.streamLoad("bin", h, `{"id":1,"__b64_payload":null}`), "Success")
	if r := rows(t, e, "bin"); r[0]["payload"] != nil || r[0]["name"] != "keep" {
		t.Fatalf("rows: %q", r)
	}

	// Transaction Stream Load: identical headers (with the expression) on
	// every load, one version at commit; a different columns header fails.
	th := mergeHdr(h, hdr{"table": "bin", "label": "bx1"})
	delete(th, "partial_update")
	th["columns"] = "id,__b64_payload,payload=to_binary(__b64_payload,'encode64'),__b64_req,req=to_binary(__b64_req,'encode64')"
	wantStatus(t, c.txn("begin", hdr{"table": "bin", "label": "bx1"}, ""), "OK")
	wantStatus(t, c.txn("load", th, `{"id":2,"__b64_payload":"`+rawB64+`","__b64_req":"AA=="}`), "OK")
	wantStatus(t, c.txn("load", th, `{"id":3,"__b64_payload":"/w==","__b64_req":"AA=="}`), "OK")
	wantStatus(t, c.txn("commit", hdr{"label": "bx1"}, ""), "OK")
	wantCells(t, e, "bin", "payload", nil, rawBytes, "\xff")
	loads := e.Stats("db", "bin").Loads

	wantStatus(t, c.txn("begin", hdr{"table": "bin", "label": "bx2"}, ""), "OK")
	th["label"] = "bx2"
	wantStatus(t, c.txn("load", th, `{"id":4,"__b64_payload":"AA==","__b64_req":"AA=="}`), "OK")
	other := mergeHdr(th, hdr{"columns": strings.Replace(th["columns"], "'encode64'", "'hex'", 1)})
	m = c.txn("load", other, `{"id":5,"__b64_payload":"00","__b64_req":"AA=="}`)
	wantStatus(t, m, "INTERNAL_ERROR")
	wantMessage(t, m, "load request not equal last.")
	if e.Stats("db", "bin").Loads != loads || len(rows(t, e, "bin")) != 3 {
		t.Fatal("the failed txn must load nothing")
	}
}

func TestVarbinaryOverMySQL(t *testing.T) {
	e, db := startSQLEmu(t)
	mustExec(t, db, "CREATE DATABASE d")
	mustExec(t, db, "CREATE TABLE d.b (id INT NOT NULL, v VARBINARY(5) NULL, w VARBINARY NULL, x BINARY(3) NULL) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) PROPERTIES('replication_num'='1')")
	if me := execErr(t, db, "CREATE TABLE d.bad (id INT NOT NULL, v VARBINARY(0)) PRIMARY KEY(id)"); !strings.Contains(me.Message, "VARBINARY length must be in [1, 1048576]") {
		t.Fatalf("%v", me)
	}
	if me := execErr(t, db, "CREATE TABLE d.bad (v VARBINARY(4) NOT NULL, id INT NOT NULL) PRIMARY KEY(v)"); me.Number == 0 {
		t.Fatalf("%v", me)
	}
	got := queryStrings(t, db, "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.columns WHERE TABLE_NAME = 'b' ORDER BY ORDINAL_POSITION")
	if fmt.Sprint(got) != "[[id int int(11)] [v varbinary varbinary(5)] [w varbinary varbinary(1048576)] [x varbinary varbinary(3)]]" {
		t.Fatalf("columns: %v", got)
	}
	c := newClient(t, e)
	m := c.load("d", "b", "l1", hdr{"format": "json", "columns": "id,b,v=to_binary(b,'encode64'),w=to_binary(b,'encode64'),x=to_binary(b,'encode64')"},
		`{"id":1,"b":"`+rawB64+`"}{"id":2,"b":null}{"id":3,"b":"AP8="}`)
	wantStatus(t, m, "Success")
	// The raw bytes, as the mysql client shows them without --binary-as-hex;
	// x is BINARY(3): 5 bytes are too long (NULL, non-strict), 2 are not padded.
	got = queryStrings(t, db, "SELECT id, v, w, x FROM d.b")
	if want := [][]string{{"1", rawBytes, rawBytes, "NULL"}, {"2", "NULL", "NULL", "NULL"}, {"3", "\x00\xff", "\x00\xff", "\x00\xff"}}; fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("SELECT:\n got %q\nwant %q", got, want)
	}
	// Scanned as []byte over the binary protocol (a prepared statement) too.
	var v []byte
	if err := db.QueryRow("SELECT v FROM d.b LIMIT ?", 1).Scan(&v); err != nil || string(v) != rawBytes {
		t.Fatalf("v = %q, %v", v, err)
	}
	r, err := e.Rows("d", "b")
	if err != nil || r[0]["v"] != rawBytes {
		t.Fatalf("Rows: %q %v", r, err)
	}
}

func TestToBinaryDecoders(t *testing.T) {
	null := "<NULL>"
	for _, tc := range []struct {
		bin      binaryType
		in, want string
	}{
		{binEncode64, rawB64, rawBytes},
		{binEncode64, "YWJj", "abc"},
		{binEncode64, "YW Jj\r\n", "abc"},  // whitespace is skipped
		{binEncode64, "YQ", "a"},           // padding is optional
		{binEncode64, "Q", ""},             // incomplete bits are dropped
		{binEncode64, "====", ""},          // only padding
		{binEncode64, "Q=A", null},         // '=' then data after one digit
		{binEncode64, "YWJj\x00!!", "abc"}, // a NUL ends the C string
		{binEncode64, "YWJj-_", null},      // the URL-safe alphabet is invalid
		{binEncode64, "\xc3\xa9", null},
		{binEncode64, "", null},
		{binHex, "00ffAb", "\x00\xff\xab"},
		{binHex, "0", ""},
		{binHex, "0g", ""},
		{binHex, "", ""},
		{binUTF8, "\x00\xff", "\x00\xff"},
	} {
		got := tc.bin.apply(srcVal{kind: vString, text: tc.in})
		g := got.text
		if got.kind == vNull {
			g = null
		}
		if g != tc.want {
			t.Errorf("%d %q: got %q, want %q", tc.bin, tc.in, g, tc.want)
		}
	}
	if parseBinaryType("Encode64") != binEncode64 || parseBinaryType("UTF8") != binUTF8 || parseBinaryType("base64") != binHex {
		t.Error("binary_type: case-insensitive, unknown means hex")
	}
	if v := binHex.apply(nullVal); v.kind != vNull {
		t.Error("NULL stays NULL")
	}
}
