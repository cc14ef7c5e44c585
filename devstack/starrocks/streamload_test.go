package starrocks

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFERedirectsToBEWithoutReadingBodyAndBERequiresAuth(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	body := `{"id":1,"name":"a"}{"id":2,"name":"b"}`
	tr := &trackingReader{r: strings.NewReader(body), read: make(chan struct{})}
	req, _ := http.NewRequest(http.MethodPut, e.FEURL()+"/api/db/t/_stream_load?x=1&y=%2F", tr)
	req.ContentLength = int64(len(body))
	req.SetBasicAuth("root", "")
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("format", "json")
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	feBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("FE status %d, want 307", resp.StatusCode)
	}
	if want := e.BEURL() + "/api/db/t/_stream_load?x=1&y=%2F"; resp.Header.Get("Location") != want {
		t.Fatalf("Location %q, want %q", resp.Header.Get("Location"), want)
	}
	if !resp.Close {
		t.Fatal("FE 307 must close the connection")
	}
	if len(feBody) != 0 {
		t.Fatalf("307 body must be empty, got %q", feBody)
	}
	select {
	case <-tr.read:
		t.Fatal("the client sent the body to the FE: the FE must not send 100 Continue")
	default:
	}

	// Go drops Authorization on a cross-host redirect: a BE without auth fails.
	noAuth, _ := http.NewRequest(http.MethodPut, resp.Header.Get("Location"), strings.NewReader(body))
	noAuth.Header.Set("format", "json")
	_, _, b, err := c.do(noAuth)
	if err != nil {
		t.Fatal(err)
	}
	m := decodeJSON(t, b)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "no valid Basic authorization")
	if num(t, m, "TxnId") != -1 {
		t.Fatalf("TxnId = %v, want -1 when no txn began", m["TxnId"])
	}

	// Re-sending body and auth to Location works.
	code, _, b, err := c.do(c.newReq(http.MethodPut, resp.Header.Get("Location"), hdr{"format": "json"}, []byte(body)))
	if err != nil || code != 200 {
		t.Fatalf("BE: %d %v", code, err)
	}
	m = decodeJSON(t, b)
	wantStatus(t, m, "Success")
	if m["Message"] != "OK" || num(t, m, "NumberLoadedRows") != 2 || num(t, m, "LoadBytes") != int64(len(body)) {
		t.Fatalf("reply %v", m)
	}
	wantRows(t, e, "t", []string{"id", "name"}, "1|a", "2|b")
	if s := e.Stats("db", "t"); s.Loads != 1 || s.LoadedRows != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestFERequiresExpectContinue(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	req := c.newReq(http.MethodPut, e.FEURL()+"/api/db/t/_stream_load", nil, []byte("1\ta\t1\n"))
	req.Header.Del("Expect")
	code, _, b, err := c.do(req)
	if err != nil {
		t.Fatal(err)
	}
	if code != 200 || string(b) != `{"Status":"FAILED","Message":"class com.starrocks.common.DdlException: There is no 100-continue header"}` {
		t.Fatalf("got %d %s", code, b)
	}
	if len(rows(t, e, "t")) != 0 {
		t.Fatal("nothing must be loaded")
	}
}

func TestBadPasswordFEAndBE(t *testing.T) {
	e, err := Start(Config{Users: map[string]string{"loader": "s3cret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	_ = e.CreateDatabase("db")
	mustCreate(t, e, "t", []Column{{Name: "id", Type: "INT"}}, "id")
	c := newClient(t, e)
	for _, up := range [][2]string{{"loader", "wrong"}, {"root", ""}} {
		c.user, c.pass = up[0], up[1]
		code, h, b, err := c.do(c.newReq(http.MethodPut, e.FEURL()+"/api/db/t/_stream_load", nil, []byte("1\n")))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`{"status":"FAILED","code":"1","msg":"Access denied for %s@127.0.0.1","message":"Access denied for %s@127.0.0.1"}`, up[0], up[0])
		if code != http.StatusUnauthorized || h.Get("WWW-Authenticate") != `Basic realm=""` || string(b) != want {
			t.Fatalf("FE: %d %q %s", code, h.Get("WWW-Authenticate"), b)
		}
		// The BE checks the password itself.
		_, _, b, err = c.do(c.newReq(http.MethodPut, e.BEURL()+"/api/db/t/_stream_load", nil, []byte("1\n")))
		if err != nil {
			t.Fatal(err)
		}
		m := decodeJSON(t, b)
		wantStatus(t, m, "Fail")
		wantMessage(t, m, "Access denied for "+up[0]+"@127.0.0.1")
		if num(t, m, "TxnId") != -1 {
			t.Fatalf("TxnId %v", m["TxnId"])
		}
	}
	c.user, c.pass = "loader", "s3cret"
	wantStatus(t, c.streamLoad("t", nil, "7\n"), "Success")
	wantRows(t, e, "t", []string{"id"}, "7")
}

func TestReplyKeyOrder(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	raw := c.followPut("/api/db/t/_stream_load", hdr{"label": "k1"}, "1\ta\t1\n")
	keyOrder(t, raw, "TxnId", "Label", "Status", "Message", "NumberTotalRows", "NumberLoadedRows",
		"NumberFilteredRows", "NumberUnselectedRows", "LoadBytes", "LoadTimeMs", "BeginTxnTimeMs",
		"StreamLoadPlanTimeMs", "ReadDataTimeMs", "WriteDataTimeMs", "CommitAndPublishTimeMs")
	if !bytes.HasPrefix(raw, []byte("{\n    \"TxnId\": ")) {
		t.Fatalf("want a pretty-printed body, got %s", raw)
	}
	raw = c.followPut("/api/db/t/_stream_load", hdr{"label": "k1"}, "1\ta\t1\n")
	keyOrder(t, raw, "TxnId", "Label", "Status", "ExistingJobStatus", "Message", "NumberTotalRows")
}

func TestJSONArrayNeedsStripOuterArray(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	body := `[{"id":1,"name":"a"},{"id":2,"name":"b"}]`
	m := c.streamLoad("t", hdr{"format": "json", "label": "arr1"}, body)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "The value is array type in json document stream, you can set strip_outer_array=true")
	if len(rows(t, e, "t")) != 0 {
		t.Fatal("a failed load must load nothing")
	}
	if st := c.loadState("arr1"); st["state"] != "ABORTED" {
		t.Fatalf("state %v", st)
	}
	// The label of a failed load is reusable.
	m = c.streamLoad("t", hdr{"format": "json", "label": "arr1", "strip_outer_array": "true"}, body)
	wantStatus(t, m, "Success")
	wantRows(t, e, "t", []string{"id", "name"}, "1|a", "2|b")
	// strip_outer_array with an object body fails.
	m = c.streamLoad("t", hdr{"format": "json", "strip_outer_array": "true"}, `{"id":3}`)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "the value should be array type with strip_outer_array=true")
	// Not JSON at all.
	m = c.streamLoad("t", hdr{"format": "json"}, `id=3`)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "illegal json started with i")
}

func TestNDJSONKeysAndMalformedJSON(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	// Duplicate key keeps the first value, unknown keys are ignored, a
	// missing key is NULL, keys are case-sensitive, concatenated objects work.
	body := "{\"id\":1,\"name\":\"a\",\"score\":1,\"name\":\"dup\",\"extra\":5}\n{\"id\":2}{\"id\":3,\"NAME\":\"x\",\"score\":\"7\"}\n"
	m := c.streamLoad("t", hdr{"format": "JSON"}, body)
	wantStatus(t, m, "Success")
	if num(t, m, "NumberTotalRows") != 3 || num(t, m, "NumberLoadedRows") != 3 {
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "t", []string{"id", "name", "score"}, "1|a|1", "2|NULL|NULL", "3|NULL|7")

	// Malformed JSON fails the whole load, even after good rows.
	m = c.streamLoad("t", hdr{"format": "json"}, `{"id":9,"name":"z"} {"id":10,`)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "Failed to iterate document stream as object")
	wantRows(t, e, "t", []string{"id"}, "1", "2", "3")
	if e.Stats("db", "t").Loads != 1 {
		t.Fatal("a failed load must not make a version")
	}
}

func TestJSONOpDeletesAndLastOpWins(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	wantStatus(t, c.streamLoad("t", hdr{"format": "json"}, `{"id":1,"name":"a"}{"id":2,"name":"b"}{"id":3,"name":"c"}`), "Success")
	body := `{"id":1,"__op":1}
{"id":2,"name":"b2","__op":0}
{"id":3,"__op":1}
{"id":3,"name":"c3"}
{"id":4,"name":"d","__op":1}
{"id":5,"name":"e","__op":"1"}`
	m := c.streamLoad("t", hdr{"format": "json"}, body)
	wantStatus(t, m, "Success")
	if num(t, m, "NumberLoadedRows") != 6 { // delete rows count as loaded (§2.1)
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "t", []string{"id", "name"}, "2|b2", "3|c3")
	if s := e.Stats("db", "t"); s.Loads != 2 || s.DeletedRows != 4 || s.LoadedRows != 9 {
		t.Fatalf("stats %+v", s)
	}
	// __op other than 0/1 filters the row.
	m = c.streamLoad("t", hdr{"format": "json", "max_filter_ratio": "1"}, `{"id":7,"__op":2}`)
	wantStatus(t, m, "Success")
	if num(t, m, "NumberFilteredRows") != 1 {
		t.Fatalf("%v", m)
	}
}

func TestCSVColumnsOpAndNull(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	m := c.streamLoad("t", hdr{"columns": "id,name,__op"}, "1\ta\t0\n2\t\\N\t0\n3\t\t0\n4\td\t0\n")
	wantStatus(t, m, "Success")
	// score is not in `columns` and nullable: NULL. \N is NULL, empty is "".
	wantRows(t, e, "t", []string{"id", "name", "score"}, "1|a|NULL", "2|NULL|NULL", "3||NULL", "4|d|NULL")
	m = c.streamLoad("t", hdr{"columns": "id, name, __op", "column_separator": ",", "row_delimiter": `\x02`}, "1,x,1\x024,dd,0\x02")
	wantStatus(t, m, "Success")
	wantRows(t, e, "t", []string{"id", "name"}, "2|NULL", "3|", "4|dd")
	// Whole-batch delete.
	m = c.streamLoad("t", hdr{"columns": "id,name,__op='delete'", "column_separator": ","}, "3,ignored\n")
	wantStatus(t, m, "Success")
	wantRows(t, e, "t", []string{"id", "name"}, "2|NULL", "4|dd")
	// A mapping through a temporary column.
	m = c.streamLoad("t", hdr{"columns": "id,name,tmp,__op=tmp", "column_separator": ","}, "2,ignored,1\n5,e,0\n")
	wantStatus(t, m, "Success")
	wantRows(t, e, "t", []string{"id", "name"}, "4|dd", "5|e")
	// Other op strings are refused.
	m = c.streamLoad("t", hdr{"columns": "id,name,__op='merge'"}, "6\tf\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "load op type string not supported")
	// Without columns, CSV fields map positionally; a wrong count filters.
	m = c.streamLoad("t", hdr{"max_filter_ratio": "0.5"}, "8\th\t80\n9\ti\n")
	wantStatus(t, m, "Success")
	if num(t, m, "NumberFilteredRows") != 1 || num(t, m, "NumberLoadedRows") != 1 {
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "t", []string{"id", "name", "score"}, "4|dd|NULL", "5|e|NULL", "8|h|80")
	// A mapping target outside the table.
	m = c.streamLoad("t", hdr{"columns": "id,nope=id"}, "1\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "Mapping column is not in table")
}

func typesTable(t *testing.T, e *Emulator) {
	mustCreate(t, e, "ty", []Column{
		{Name: "id", Type: "INT"},
		{Name: "d", Type: "date", Nullable: true},
		{Name: "dt", Type: "DATETIME", Nullable: true},
		{Name: "dec", Type: "DECIMAL(10, 2)", Nullable: true},
		{Name: "b", Type: "BOOLEAN", Nullable: true},
		{Name: "j", Type: "JSON", Nullable: true},
		{Name: "arr", Type: "ARRAY<INT>", Nullable: true},
		{Name: "big", Type: "LARGEINT", Nullable: true},
		{Name: "dbl", Type: "DOUBLE", Nullable: true},
		{Name: "f", Type: "FLOAT", Nullable: true},
		{Name: "s", Type: "VARCHAR(5)", Nullable: true},
		{Name: "nn", Type: "VARCHAR(5)"},
	}, "id")
}

func TestTypeConversionsOverHTTP(t *testing.T) {
	e := startEmu(t)
	typesTable(t, e)
	c := newClient(t, e)
	body := `{"id":1,"d":"2024-04-12","dt":"2024-04-12 10:30:00","dec":"123.4","b":true,"j":{"a": 1, "b":[1, 2]},"arr":[1,"2",null,"x"],"big":"170141183460469231731687303715884105727","dbl":1.5,"f":1.1,"s":1.50,"nn":"ok"}
{"id":2,"d":"2024-04-12T23:59:59Z","dt":"2024-04-12T10:30:00.123456Z","dec":1.005,"b":0,"j":"{\"a\":1}","s":true,"nn":"x","dbl":1e20}
{"id":3,"dt":"2024-04-12 10:30:00.5+08:00","dec":"-0.005","s":"toolong","nn":"y","dbl":"abc"}
{"id":4,"dec":"123456789.999","nn":"z"}
{"id":5,"nn":"toolong"}
{"id":6}`
	m := c.streamLoad("ty", hdr{"format": "json", "max_filter_ratio": "0.4"}, body)
	wantStatus(t, m, "Success")
	if num(t, m, "NumberTotalRows") != 6 || num(t, m, "NumberLoadedRows") != 4 || num(t, m, "NumberFilteredRows") != 2 {
		t.Fatalf("%v", m)
	}
	cols := []string{"id", "d", "dt", "dec", "b", "j", "arr", "big", "dbl", "f", "s", "nn"}
	wantRows(t, e, "ty", cols,
		`1|2024-04-12|2024-04-12 10:30:00|123.40|1|{"a":1,"b":[1,2]}|[1,2,null,null]|170141183460469231731687303715884105727|1.5|1.1|1.50|ok`,
		`2|2024-04-12|2024-04-12 10:30:00.123456|1.01|0|"{\"a\":1}"|NULL|NULL|1e+20|NULL|1|x`,
		`3|NULL|2024-04-12 10:30:00.500000|-0.01|NULL|NULL|NULL|NULL|NULL|NULL|NULL|y`,
		`4|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|z`,
	)
	errURL, _ := m["ErrorURL"].(string)
	if !strings.HasPrefix(errURL, e.BEURL()+"/api/_load_error_log?file=") {
		t.Fatalf("ErrorURL %q", errURL)
	}
	resp, err := http.Get(errURL)
	if err != nil {
		t.Fatal(err)
	}
	log, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if resp.StatusCode != 200 || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "Error: String (length=7) is too long. The max length of 'nn' is 5. Row: {\"id\":5") ||
		!strings.HasPrefix(lines[1], "Error: NULL value in non-nullable column 'nn'. Row: {\"id\":6}") {
		t.Fatalf("error log %d:\n%s", resp.StatusCode, log)
	}
	// CSV goes through the same casts from text.
	m = c.streamLoad("ty", hdr{"columns": "id,d,dt,dec,b,j,arr,nn", "column_separator": "|"},
		"7|20240412|2024/4/5 1:02:03|7|true|[1, 2]|[3,4]|c\n")
	wantStatus(t, m, "Success")
	got := rows(t, e, "ty")[4]
	if got["d"] != "2024-04-12" || got["dt"] != "2024-04-05 01:02:03" || got["dec"] != "7.00" || got["b"] != "1" || got["j"] != "[1,2]" || got["arr"] != "[3,4]" {
		t.Fatalf("csv row %v", got)
	}
}

func TestStrictMode(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	// Non-strict: a bad value in a nullable column silently becomes NULL.
	m := c.streamLoad("t", hdr{"format": "json"}, `{"id":1,"name":"toolongvalue","score":"abc"}`)
	wantStatus(t, m, "Success")
	if num(t, m, "NumberFilteredRows") != 0 {
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "t", []string{"id", "name", "score"}, "1|NULL|NULL")
	// Strict: the same row is filtered; max_filter_ratio 0 fails the load.
	m = c.streamLoad("t", hdr{"format": "json", "strict_mode": "true"}, `{"id":2,"name":"ok","score":"abc"}{"id":3,"name":"ok","score":3}`)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "too many filtered rows")
	if num(t, m, "NumberFilteredRows") != 1 || m["ErrorURL"] == nil {
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "t", []string{"id"}, "1")
	// Strict mode still accepts explicit NULLs in nullable columns.
	m = c.streamLoad("t", hdr{"format": "json", "strict_mode": "TRUE"}, `{"id":4,"name":null,"score":2147483647}`)
	wantStatus(t, m, "Success")
	// JSON int overflow under strict mode.
	m = c.streamLoad("t", hdr{"format": "json", "strict_mode": "true", "max_filter_ratio": "1"}, `{"id":5,"score":2147483648}`)
	wantStatus(t, m, "Success")
	if num(t, m, "NumberFilteredRows") != 1 {
		t.Fatalf("%v", m)
	}
	m = c.streamLoad("t", hdr{"strict_mode": "yes"}, "9\ta\t1\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "Invalid strict mode format. Must be bool type")
	wantRows(t, e, "t", []string{"id", "score"}, "1|NULL", "4|2147483647")
}

func TestMaxFilterRatioIsAtomicAndErrorURL(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	wantStatus(t, c.streamLoad("t", nil, "1\tkeep\t1\n"), "Success")
	body := "1\tnew\t1\nx\tb\t2\n3\tc\t3\n4\td\t4\n"
	m := c.streamLoad("t", hdr{"max_filter_ratio": "0.2", "label": "ratio1"}, body)
	wantStatus(t, m, "Fail")
	if m["Message"] != "too many filtered rows" || num(t, m, "NumberFilteredRows") != 1 || num(t, m, "NumberTotalRows") != 4 {
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "t", []string{"id", "name"}, "1|keep")
	if s := e.Stats("db", "t"); s.Loads != 1 {
		t.Fatalf("stats %+v", s)
	}
	resp, err := http.Get(m["ErrorURL"].(string))
	if err != nil {
		t.Fatal(err)
	}
	log, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(log) != "Error: Value 'x' is out of range. The type of 'id' is BIGINT. Row: x\tb\t2\n" {
		t.Fatalf("error log %q", log)
	}
	m = c.streamLoad("t", hdr{"max_filter_ratio": "0.25", "label": "ratio1"}, body)
	wantStatus(t, m, "Success")
	if num(t, m, "NumberLoadedRows") != 3 || num(t, m, "NumberFilteredRows") != 1 || m["ErrorURL"] == nil {
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "t", []string{"id", "name"}, "1|new", "3|c", "4|d")
	if s := e.Stats("db", "t"); s.Loads != 2 || s.FilteredRows != 1 {
		t.Fatalf("stats %+v", s)
	}
	// An unknown error log file.
	resp, err = http.Get(e.BEURL() + "/api/_load_error_log?file=nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// An empty load succeeds (selected = 0).
	wantStatus(t, c.streamLoad("t", nil, ""), "Success")
}

func TestLabels(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	m := c.streamLoad("t", hdr{"label": "L1"}, "1\ta\t1\n")
	wantStatus(t, m, "Success")
	firstTxn := num(t, m, "TxnId")
	m = c.streamLoad("t", hdr{"label": "L1"}, "1\tchanged\t1\n")
	wantStatus(t, m, "Label Already Exists")
	if m["ExistingJobStatus"] != "FINISHED" || m["Message"] != "Label [L1] has already been used." || num(t, m, "TxnId") != -1 {
		t.Fatalf("%v", m)
	}
	wantRows(t, e, "t", []string{"id", "name"}, "1|a")
	// Labels are per database.
	if err := e.CreateDatabase("db2"); err != nil {
		t.Fatal(err)
	}
	if err := e.CreateTable("db2", "t", []Column{{Name: "id", Type: "INT"}}, []string{"id"}); err != nil {
		t.Fatal(err)
	}
	m = decodeJSON(t, c.followPut("/api/db2/t/_stream_load", hdr{"label": "L1"}, "5\n"))
	wantStatus(t, m, "Success")
	if num(t, m, "TxnId") == firstTxn {
		t.Fatal("txn ids must differ")
	}
	// Generated label.
	m = c.streamLoad("t", nil, "2\tb\t2\n")
	if l, _ := m["Label"].(string); len(l) != 36 || !labelRegexp.MatchString(l) {
		t.Fatalf("generated label %q", l)
	}
	m = c.streamLoad("t", hdr{"label": "bad label!"}, "3\tc\t3\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, `Label format error. regex: ^[-\w]{1,128}$, label: bad label!`)
	m = c.streamLoad("t", hdr{"label": strings.Repeat("x", 129)}, "3\tc\t3\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "Label format error")

	// A label held by a running load: RUNNING.
	pr, pw := io.Pipe()
	done := make(chan []byte, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPut, e.BEURL()+"/api/db/t/_stream_load", pr)
		req.SetBasicAuth("root", "")
		req.Header.Set("Expect", "100-continue")
		req.Header.Set("label", "L3")
		_, _, b, err := c.do(req)
		if err != nil {
			b = []byte(err.Error())
		}
		done <- b
	}()
	if _, err := pw.Write([]byte("7\tg\t7\n")); err != nil {
		t.Fatal(err)
	}
	if st := c.loadState("L3"); st["state"] != "PREPARE" {
		t.Fatalf("state %v", st)
	}
	m = c.streamLoad("t", hdr{"label": "L3"}, "8\th\t8\n")
	wantStatus(t, m, "Label Already Exists")
	if m["ExistingJobStatus"] != "RUNNING" {
		t.Fatalf("%v", m)
	}
	pw.Close()
	m = decodeJSON(t, <-done)
	wantStatus(t, m, "Success")
	wantRows(t, e, "t", []string{"id", "name"}, "1|a", "2|b", "7|g")
}

func TestLabelEviction(t *testing.T) {
	e := startEmu(t)
	e.mu.Lock()
	e.labelKeepMaxNum = 3
	e.mu.Unlock()
	c := newClient(t, e)
	for i := 1; i <= 4; i++ {
		wantStatus(t, c.streamLoad("t", hdr{"label": fmt.Sprintf("a%d", i)}, fmt.Sprintf("%d\tx\t1\n", i)), "Success")
	}
	if st := c.loadState("a1"); st["state"] != "UNKNOWN" {
		t.Fatalf("a1 should be evicted: %v", st)
	}
	if st := c.loadState("a2"); st["state"] != "VISIBLE" {
		t.Fatalf("a2: %v", st)
	}
	wantStatus(t, c.streamLoad("t", hdr{"label": "a1"}, "1\ty\t1\n"), "Success")
	wantStatus(t, c.streamLoad("t", hdr{"label": "a4"}, "4\ty\t1\n"), "Label Already Exists")
	// Loading a1 again evicted a2.
	if st := c.loadState("a2"); st["state"] != "UNKNOWN" {
		t.Fatalf("a2 should be evicted: %v", st)
	}
}

func TestGetLoadState(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	wantStatus(t, c.streamLoad("t", hdr{"label": "ok1"}, "1\ta\t1\n"), "Success")
	wantStatus(t, c.streamLoad("t", hdr{"label": "bad1", "format": "json"}, "{"), "Fail")
	req, _ := http.NewRequest(http.MethodGet, e.FEURL()+"/api/db/get_load_state?label=ok1", nil)
	req.SetBasicAuth("root", "")
	_, _, b, err := c.do(req)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"state":"VISIBLE","status":"OK","code":"0","msg":"Success","message":"OK"}` {
		t.Fatalf("%s", b)
	}
	if st := c.loadState("bad1"); st["state"] != "ABORTED" || !strings.Contains(st["reason"].(string), "Failed to iterate") {
		t.Fatalf("%v", st)
	}
	if st := c.loadState("never"); st["state"] != "UNKNOWN" || st["status"] != "OK" {
		t.Fatalf("%v", st)
	}
	if st := c.loadState(""); st["status"] != "FAILED" || st["msg"] != "No label selected." {
		t.Fatalf("%v", st)
	}
	req, _ = http.NewRequest(http.MethodGet, e.FEURL()+"/api/nope/get_load_state?label=x", nil)
	req.SetBasicAuth("root", "")
	_, _, b, _ = c.do(req)
	if string(b) != `{"status":"FAILED","code":"1","msg":"unknown database, database=nope","message":"unknown database, database=nope"}` {
		t.Fatalf("%s", b)
	}
	req, _ = http.NewRequest(http.MethodGet, e.FEURL()+"/api/db/get_load_state?label=ok1", nil)
	code, _, _, _ := c.do(req)
	if code != http.StatusUnauthorized {
		t.Fatalf("no auth: %d", code)
	}
}

func TestUnknownDatabaseAndTable(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	m := decodeJSON(t, c.followPut("/api/nope/t/_stream_load", nil, "1\n"))
	wantStatus(t, m, "Fail")
	if m["Message"] != "unknown database, database=nope" || num(t, m, "TxnId") != -1 {
		t.Fatalf("%v", m)
	}
	m = c.streamLoad("nope", nil, "1\n")
	wantStatus(t, m, "Fail")
	if m["Message"] != `unknown table "db.nope"` {
		t.Fatalf("%v", m)
	}
	m = c.streamLoad("t", hdr{"format": "parquet"}, "1\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "unknown data format, format=parquet")
	if _, err := e.Rows("db", "nope"); err == nil || err.Error() != `unknown table "db.nope"` {
		t.Fatalf("Rows: %v", err)
	}
	if _, err := e.Rows("nope", "t"); err == nil {
		t.Fatal("Rows of an unknown db must fail")
	}
}

func TestPartialUpdate(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	wantStatus(t, c.streamLoad("t", nil, "1\ta\t10\n"), "Success")
	m := c.streamLoad("t", hdr{"format": "json", "partial_update": "true", "columns": "id,score"},
		`{"id":1,"name":"ignored","score":20}{"id":2,"score":5}`)
	wantStatus(t, m, "Success")
	wantRows(t, e, "t", []string{"id", "name", "score"}, "1|a|20", "2|NULL|5")
	// Without partial_update the unlisted nullable column becomes NULL.
	wantStatus(t, c.streamLoad("t", hdr{"format": "json", "columns": "id,score"}, `{"id":1,"score":30}`), "Success")
	wantRows(t, e, "t", []string{"id", "name", "score"}, "1|NULL|30", "2|NULL|5")

	mustCreate(t, e, "nn", []Column{{Name: "id", Type: "INT"}, {Name: "a", Type: "INT"}, {Name: "b", Type: "INT"}}, "id")
	wantStatus(t, c.streamLoad("nn", nil, "1\t1\t1\n"), "Success")
	m = c.streamLoad("nn", hdr{"columns": "id,b"}, "1\t2\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "Column has no default value. column: a")
	wantStatus(t, c.streamLoad("nn", hdr{"columns": "id,b", "partial_update": "true"}, "1\t2\n"), "Success")
	wantRows(t, e, "nn", []string{"id", "a", "b"}, "1|1|2")
	// Inserting a new row without the NOT NULL column fails atomically.
	m = c.streamLoad("nn", hdr{"columns": "id,b", "partial_update": "true"}, "1\t3\n2\t3\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "NOT NULL column 'a'")
	wantRows(t, e, "nn", []string{"id", "a", "b"}, "1|1|2")
}

func TestPrimaryKeyLimitAndUnsupportedHeaders(t *testing.T) {
	e := startEmu(t)
	mustCreate(t, e, "sk", []Column{{Name: "k", Type: "VARCHAR(300)"}, {Name: "v", Type: "INT", Nullable: true}}, "k")
	c := newClient(t, e)
	wantStatus(t, c.streamLoad("sk", nil, strings.Repeat("a", 128)+"\t1\n"), "Success")
	m := c.streamLoad("sk", nil, "b\t1\n"+strings.Repeat("a", 129)+"\t1\n")
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "primary key size exceed the limit.")
	if len(rows(t, e, "sk")) != 1 {
		t.Fatal("the failed load must load nothing")
	}
	for _, h := range []hdr{{"where": "id > 1"}, {"jsonpaths": `["$.id"]`}, {"format": "gzip"}, {"columns": "id,name,score=score*2"}} {
		m := c.streamLoad("t", h, "1\ta\t1\n")
		wantStatus(t, m, "Fail")
		wantMessage(t, m, "not supported by the emulator")
	}
	if len(rows(t, e, "t")) != 0 {
		t.Fatal("unsupported loads must load nothing")
	}
}

func TestJSONSizeLimitCheckedBeforeBody(t *testing.T) {
	e := startEmu(t)
	c := newClient(t, e)
	tr := &trackingReader{r: strings.NewReader("{}"), read: make(chan struct{})}
	req, _ := http.NewRequest(http.MethodPut, e.BEURL()+"/api/db/t/_stream_load", tr)
	req.ContentLength = 105 << 20
	req.SetBasicAuth("root", "")
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("format", "json")
	code, _, b, err := c.do(req)
	if err != nil || code != 200 {
		t.Fatalf("%d %v", code, err)
	}
	m := decodeJSON(t, b)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "The size of this batch exceed the max size [104857600]  of json type data")
	select {
	case <-tr.read:
		t.Fatal("the BE must reject before reading the body")
	default:
	}
}

func TestConcurrentLoadsToDifferentTables(t *testing.T) {
	e := startEmu(t)
	tables := []string{"c0", "c1", "c2", "c3"}
	for _, tb := range tables {
		mustCreate(t, e, tb, []Column{{Name: "id", Type: "INT"}, {Name: "v", Type: "STRING", Nullable: true}}, "id")
	}
	c := newClient(t, e)
	errs := make(chan string, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		finished := make(chan struct{}, len(tables))
		for _, tb := range tables {
			go func(tb string) {
				defer func() { finished <- struct{}{} }()
				for i := 0; i < 5; i++ {
					body := fmt.Sprintf("{\"id\":%d,\"v\":\"%s\"}{\"id\":%d,\"v\":\"x\"}", i, tb, 100+i)
					req := c.newReq(http.MethodPut, e.BEURL()+"/api/db/"+tb+"/_stream_load", hdr{"format": "json", "label": fmt.Sprintf("%s-%d", tb, i)}, []byte(body))
					_, _, b, err := c.do(req)
					if err != nil || !bytes.Contains(b, []byte(`"Status": "Success"`)) {
						errs <- fmt.Sprintf("%s %d: %v %s", tb, i, err, b)
					}
				}
			}(tb)
		}
		for range tables {
			<-finished
		}
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("timeout")
	}
	close(errs)
	for s := range errs {
		t.Error(s)
	}
	for _, tb := range tables {
		if n := len(rows(t, e, tb)); n != 10 {
			t.Errorf("%s: %d rows", tb, n)
		}
		if s := e.Stats("db", tb); s.Loads != 5 || s.LoadedRows != 10 {
			t.Errorf("%s: %+v", tb, s)
		}
	}
}

func TestCloseStopsServers(t *testing.T) {
	e, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	fe := e.FEURL()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := http.Get(fe + "/api/db/get_load_state?label=x"); err == nil {
		t.Fatal("FE still answers after Close")
	}
}

func TestIgnoreJSONSizeAndChunkedBodies(t *testing.T) {
	e := startEmu(t)
	e.mu.Lock()
	e.maxJSONBytes = 16
	e.mu.Unlock()
	c := newClient(t, e)
	body := `{"id":1,"name":"abcdef"}` // 24 bytes
	m := c.streamLoad("t", hdr{"format": "json"}, body)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "The size of this batch exceed the max size [16]")
	// Chunked: no Content-Length, so the check runs after reading.
	req := c.newReq(http.MethodPut, e.BEURL()+"/api/db/t/_stream_load", hdr{"format": "json", "label": "ch1"}, nil)
	req.Body = io.NopCloser(struct{ io.Reader }{strings.NewReader(body)})
	req.ContentLength = -1
	_, _, b, err := c.do(req)
	if err != nil {
		t.Fatal(err)
	}
	m = decodeJSON(t, b)
	wantStatus(t, m, "Fail")
	wantMessage(t, m, "The size of this batch exceed the max size [16]")
	if st := c.loadState("ch1"); st["state"] != "ABORTED" {
		t.Fatalf("%v", st)
	}
	wantStatus(t, c.streamLoad("t", hdr{"format": "json", "ignore_json_size": "true"}, body), "Success")
	// CSV is not subject to the JSON limit.
	wantStatus(t, c.streamLoad("t", nil, "2\tabcdefghij\t2\n"), "Success")
	wantRows(t, e, "t", []string{"id", "name"}, "1|abcdef", "2|abcdefghij")
}

// Discard mode: the protocol runs (labels, replies, a load counted) but
// the body is neither parsed nor stored.
func TestDiscardMode(t *testing.T) {
	e, err := Start(Config{Discard: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	if err := e.CreateDatabase("db"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, e, "t", []Column{{Name: "id", Type: "BIGINT"}}, "id")
	c := newClient(t, e)
	r := c.streamLoad("t", hdr{"label": "d1", "format": "json"}, `[{"id":1},{"not":"even parsed"`)
	wantStatus(t, r, "Success")
	if num(t, r, "NumberLoadedRows") != 0 || num(t, r, "LoadBytes") != 30 {
		t.Fatalf("reply %v", r)
	}
	if st := e.Stats("db", "t"); st.Loads != 1 || st.LoadedRows != 0 || len(rows(t, e, "t")) != 0 {
		t.Fatalf("stats %+v", st)
	}
	wantStatus(t, c.streamLoad("t", hdr{"label": "d1", "format": "json"}, `[]`), "Label Already Exists")
}
