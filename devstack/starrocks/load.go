package starrocks

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/pierrec/lz4/v4"
)

// TStatusCode names used in replies (docs/streamload.md §3.3).
const (
	codeOK               = "OK"
	codeLabelExists      = "LABEL_ALREADY_EXISTS"
	codeTxnNotExists     = "TXN_NOT_EXISTS"
	codeTxnInProcessing  = "TXN_IN_PROCESSING"
	codeInvalidArgument  = "INVALID_ARGUMENT"
	codeInternalError    = "INTERNAL_ERROR"
	codeAborted          = "ABORTED"
	codeAnalysisError    = "ANALYSIS_ERROR"
	codePublishTimeout   = "PUBLISH_TIMEOUT"
	codeDataQualityError = "DATA_QUALITY_ERROR"
	codeNotImplemented   = "NOT_IMPLEMENTED_ERROR"
)

// statusErr is a failed status with its TStatusCode. A plain Stream Load
// reports any of them as Status "Fail"; the transaction interface reports the
// code itself.
type statusErr struct {
	code string
	msg  string
	// existing is ExistingJobStatus for LABEL_ALREADY_EXISTS.
	existing string
}

func (e *statusErr) Error() string { return e.msg }

func newStatus(code, format string, args ...any) *statusErr {
	return &statusErr{code: code, msg: fmt.Sprintf(format, args...)}
}

func unsupported(what string) *statusErr {
	return newStatus(codeNotImplemented, "starrocks emulator: %s is not supported by the emulator", what)
}

// Size limits (docs/streamload.md §2.4).
const (
	defaultMaxBodyBytes = int64(102400) << 20 // streaming_load_max_mb
	defaultMaxJSONBytes = int64(100) << 20    // streaming_load_max_batch_size_mb
	maxErrorLogLines    = 1000
)

// colItem is one entry of the `columns` header: `name` or `name=expr`.
type colItem struct {
	name    string
	expr    string
	hasExpr bool
}

// loadParams are the data headers of a load (docs/streamload.md §1.2).
type loadParams struct {
	format          string // "csv" or "json"
	items           []colItem
	colSep          []byte
	rowDelim        []byte
	skipHeader      int
	trimSpace       bool
	stripOuterArray bool
	ignoreJSONSize  bool
	maxFilterRatio  float64
	strict          bool
	partial         bool
	// compression is the body's `compression` or `Content-Encoding`,
	// upper case: "", "GZIP" or "LZ4_FRAME".
	compression string
	// rejectAll filters every row (FaultFilterRows).
	rejectAll bool
	// sig is compared between the loads of one transaction:
	// "load request not equal last." (docs/streamload.md §3.1).
	sig string
}

// parseFormat validates the `format` header (checked before the txn begins).
func parseFormat(h http.Header) (string, *statusErr) {
	f := strings.ToLower(strings.TrimSpace(h.Get("format")))
	switch f {
	case "", "csv":
		return "csv", nil
	case "json":
		return "json", nil
	case "gzip", "bzip2", "lz4", "deflate", "zstd":
		return "", unsupported("compressed CSV (format=" + h.Get("format") + ")")
	}
	return "", newStatus(codeInternalError, "unknown data format, format=%s", h.Get("format"))
}

// parseLoadParams parses the headers the emulator honours and refuses, with
// a clear error, the ones it does not implement.
func parseLoadParams(h http.Header) (*loadParams, *statusErr) {
	p := &loadParams{colSep: []byte("\t"), rowDelim: []byte("\n")}
	var se *statusErr
	if p.format, se = parseFormat(h); se != nil {
		return nil, se
	}
	for _, name := range []string{"where", "partitions", "temporary_partitions", "jsonpaths", "json_root",
		"merge_condition", "enclose", "escape"} {
		if h.Get(name) != "" {
			return nil, unsupported("header `" + name + "`")
		}
	}
	if p.compression, se = parseCompression(h); se != nil {
		return nil, se
	}
	if h.Get("negative") == "true" {
		return nil, unsupported("`negative: true`")
	}
	if strings.EqualFold(h.Get("enable_merge_commit"), "true") {
		return nil, unsupported("merge commit (`enable_merge_commit`)")
	}
	if v := h.Get("strict_mode"); v != "" {
		switch {
		case strings.EqualFold(v, "true"):
			p.strict = true
		case strings.EqualFold(v, "false"):
		default:
			return nil, newStatus(codeInvalidArgument, "Invalid strict mode format. Must be bool type")
		}
	}
	p.stripOuterArray = strings.EqualFold(h.Get("strip_outer_array"), "true")
	p.ignoreJSONSize = strings.EqualFold(h.Get("ignore_json_size"), "true")
	p.partial = h.Get("partial_update") == "true"
	if m := h.Get("partial_update_mode"); m != "" && m != "row" && m != "column" && m != "auto" {
		return nil, newStatus(codeInvalidArgument, "Invalid partial_update_mode: %s", m)
	}
	if v := h.Get("max_filter_ratio"); v != "" {
		// strtod semantics: junk parses as 0.
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err == nil {
			p.maxFilterRatio = f
		}
	}
	if v := h.Get("column_separator"); v != "" {
		d, err := parseDelimiter(v)
		if err != nil {
			return nil, newStatus(codeInvalidArgument, "invalid column_separator: %v", err)
		}
		p.colSep = d
	}
	if v := h.Get("row_delimiter"); v != "" {
		d, err := parseDelimiter(v)
		if err != nil {
			return nil, newStatus(codeInvalidArgument, "invalid row_delimiter: %v", err)
		}
		p.rowDelim = d
	}
	if v := h.Get("skip_header"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, newStatus(codeInvalidArgument, "Invalid skip_header: %s", v)
		}
		p.skipHeader = n
	}
	p.trimSpace = strings.EqualFold(h.Get("trim_space"), "true")
	if v := strings.TrimSpace(h.Get("columns")); v != "" {
		items, err := parseColumnsHeader(v)
		if err != nil {
			return nil, newStatus(codeAnalysisError, "%v", err)
		}
		p.items = items
	}
	p.sig = strings.Join([]string{p.format, h.Get("columns"), h.Get("column_separator"), h.Get("row_delimiter"),
		strconv.FormatBool(p.strict), h.Get("timezone"), strconv.FormatBool(p.stripOuterArray),
		strconv.FormatBool(p.partial), h.Get("partial_update_mode"), h.Get("load_mem_limit"), h.Get("load_dop"),
		h.Get("skip_header"), h.Get("trim_space"), p.compression}, "\x00")
	return p, nil
}

// parseCompression reads `compression` or `Content-Encoding` (§1.2, 3.2.7+):
// GZIP and LZ4_FRAME are decompressed; BZIP2, ZSTD and DEFLATE, which
// StarRocks also takes, are refused as not emulated.
func parseCompression(h http.Header) (string, *statusErr) {
	c, ce := h.Get("compression"), h.Get("Content-Encoding")
	if c != "" && ce != "" {
		return "", newStatus(codeInvalidArgument, "Only one of http header content-encoding and compression can be set")
	}
	if c == "" {
		c = ce
	}
	switch v := strings.ToUpper(strings.TrimSpace(c)); v {
	case "", "GZIP", "LZ4_FRAME":
		return v, nil
	case "BZIP2", "ZSTD", "DEFLATE":
		return "", unsupported("compression " + v)
	}
	return "", newStatus(codeInvalidArgument, "Unsupported compression type: %s", c)
}

// decompress returns body decompressed per kind (from parseCompression),
// failing beyond limit bytes.
func decompress(kind string, body []byte, limit int64) ([]byte, error) {
	var r io.Reader
	switch kind {
	case "":
		return body, nil
	case "GZIP":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("failed to decompress the %s body: %v", kind, err)
		}
		r = zr
	case "LZ4_FRAME":
		r = lz4.NewReader(bytes.NewReader(body))
	default:
		return nil, fmt.Errorf("compression %s is not supported by the emulator", kind)
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("failed to decompress the %s body: %v", kind, err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("%s", bodyTooLarge(int64(len(out)), limit))
	}
	return out, nil
}

// parseDelimiter implements fe analysis/Delimiter.java: `\x01`/`0x01` hex,
// `\t` `\n` `\r` escapes, at most 50 bytes.
func parseDelimiter(v string) ([]byte, error) {
	var out []byte
	lower := strings.ToLower(v)
	if strings.HasPrefix(lower, `\x`) || strings.HasPrefix(lower, "0x") {
		b, err := hex.DecodeString(v[2:])
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("invalid hex format: %s", v)
		}
		out = b
	} else {
		r := strings.NewReplacer(`\t`, "\t", `\n`, "\n", `\r`, "\r")
		out = []byte(r.Replace(v))
	}
	if len(out) == 0 || len(out) > 50 {
		return nil, fmt.Errorf("delimiter must be 1..50 bytes")
	}
	return out, nil
}

// parseColumnsHeader splits `a,b,tmp,__op=tmp` at top-level commas.
func parseColumnsHeader(v string) ([]colItem, error) {
	parts, ok := splitTopLevel(v)
	if !ok {
		return nil, fmt.Errorf("unbalanced quotes or parentheses in columns header %q", v)
	}
	var items []colItem
	for _, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("empty column in columns header %q", v)
		}
		name, expr, has := strings.Cut(part, "=")
		name = strings.Trim(strings.TrimSpace(name), "`")
		if name == "" {
			return nil, fmt.Errorf("invalid column in columns header: %q", part)
		}
		items = append(items, colItem{name: name, expr: strings.TrimSpace(expr), hasExpr: has})
	}
	return items, nil
}

const (
	tgtNone = iota
	tgtSource
	tgtConst
	tgtToBinary // to_binary(src[, binary_type]) of a source column
)

type target struct {
	kind int
	src  int
	val  srcVal
	bin  binaryType // tgtToBinary
}

// loadPlan maps the source values of a row to the table's columns; it is the
// emulator's stand-in for the FE's streamLoadPut plan.
type loadPlan struct {
	sc      *schema
	sources []string // CSV: positional fields; JSON: object keys
	cols    []target // one per schema column
	op      target   // __op; tgtNone means 0 (or, for JSON, read the "__op" key)
	opAuto  bool     // JSON: the "__op" key is read automatically (§1.3)
	partial bool
	strict  bool
	json    bool
	// noOp: the table has no __op (not a primary-key table): the FE plans
	// no __op slot (StreamLoadPlanner, Load.tableSupportOpColumn), so an
	// "__op" JSON key is an unknown key and a columns-header __op is read
	// but goes nowhere. Every row is an insert.
	noOp bool
}

// plan checks the load's columns against the table's schema sc and kind
// and maps them, as the FE's streamLoadPut does.
func (p *loadParams) plan(sc *schema, kind TableKind) (*loadPlan, *statusErr) {
	pl := &loadPlan{sc: sc, cols: make([]target, len(sc.cols)), partial: p.partial, strict: p.strict, json: p.format == "json", noOp: kind != KindPrimaryKey}
	if pl.noOp && p.partial {
		// StreamLoadPlanner.plan, before any column is looked at.
		return nil, newStatus(codeAnalysisError, "Only primary key table support partial update")
	}
	if len(p.items) == 0 {
		for i, c := range sc.cols {
			pl.sources = append(pl.sources, c.name)
			pl.cols[i] = target{kind: tgtSource, src: i}
		}
		pl.opAuto = p.format == "json" && !pl.noOp
		return pl, nil
	}
	srcIdx := map[string]int{}
	for _, it := range p.items {
		if !it.hasExpr {
			srcIdx[it.name] = len(pl.sources)
			pl.sources = append(pl.sources, it.name)
		}
	}
	assign := func(name string, t target) {
		if strings.EqualFold(name, "__op") {
			pl.op = t
		} else if ci, ok := sc.lookup(name); ok {
			pl.cols[ci] = t
		} // else: a temporary column, usable in mapping expressions
	}
	for _, it := range p.items {
		if !it.hasExpr {
			assign(it.name, target{kind: tgtSource, src: srcIdx[it.name]})
		}
	}
	for _, it := range p.items {
		if !it.hasExpr {
			continue
		}
		if _, ok := sc.lookup(it.name); !ok && !strings.EqualFold(it.name, "__op") {
			return nil, newStatus(codeAnalysisError, "Mapping column is not in table. column: %s", it.name)
		}
		if pl.noOp && strings.EqualFold(it.name, "__op") {
			// Without an __op slot the FE never looks at this expression
			// (no "load op type string not supported" either).
			continue
		}
		t, se := parseMappingExpr(it, srcIdx)
		if se != nil {
			return nil, se
		}
		if fn, _, ok := splitCall(it.expr); ok && strings.EqualFold(fn, "to_binary") {
			if se := checkToBinaryTarget(sc, it); se != nil {
				return nil, se
			}
		}
		assign(it.name, t)
	}
	if pl.noOp {
		pl.op = target{} // read (CSV field count), never applied
	} else if pl.op.kind == tgtNone && p.format == "json" {
		pl.opAuto = true // docs/streamload.md §1.3: columns omits __op → read the key
	}
	if !p.partial {
		for i, c := range sc.cols {
			if pl.cols[i].kind == tgtNone && !c.nullable {
				// Column defaults are not emulated, so a NOT NULL column
				// the load does not fill has no value.
				return nil, newStatus(codeAnalysisError, "Column has no default value. column: %s", c.name)
			}
		}
	}
	return pl, nil
}

// parseMappingExpr supports the expressions a replicator needs:
// `c=src`, `c='literal'`, `c=123`, `c=NULL`, `__op='delete'|'upsert'` and
// `c=to_binary(src[, 'hex'|'encode64'|'utf8'])` (binary.go). Any other
// expression, function included, is refused as not supported.
func parseMappingExpr(it colItem, srcIdx map[string]int) (target, *statusErr) {
	e := it.expr
	isOp := strings.EqualFold(it.name, "__op")
	if fn, args, ok := splitCall(e); ok {
		if !strings.EqualFold(fn, "to_binary") || isOp {
			return target{}, unsupported("the column expression `" + it.name + "=" + e + "`")
		}
		return parseToBinary(it, args, srcIdx)
	}
	if len(e) >= 2 && (e[0] == '\'' || e[0] == '"') && e[len(e)-1] == e[0] {
		lit := e[1 : len(e)-1]
		if isOp {
			// docs/streamload.md §1.3
			switch strings.ToLower(lit) {
			case "delete":
				return target{kind: tgtConst, val: srcVal{kind: vNumber, text: "1"}}, nil
			case "upsert":
				return target{kind: tgtConst, val: srcVal{kind: vNumber, text: "0"}}, nil
			}
			return target{}, newStatus(codeAnalysisError, "load op type string not supported: %s", lit)
		}
		return target{kind: tgtConst, val: srcVal{kind: vString, text: lit}}, nil
	}
	if strings.EqualFold(e, "null") {
		return target{kind: tgtConst, val: nullVal}, nil
	}
	if looksNumeric(e) {
		return target{kind: tgtConst, val: srcVal{kind: vNumber, text: e}}, nil
	}
	name := strings.Trim(e, "`")
	if i, ok := srcIdx[name]; ok {
		return target{kind: tgtSource, src: i}, nil
	}
	if isIdent(name) {
		return target{}, newStatus(codeAnalysisError, "Unknown column '%s' in columns header", name)
	}
	return target{}, unsupported("the column expression `" + it.name + "=" + e + "`")
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// loadResult is a processed load: converted rows plus accounting.
type loadResult struct {
	tbl        *table
	batch      *applyBatch
	total      int64
	loaded     int64
	filtered   int64
	unselected int64
	errLines   []string
}

// tooManyFiltered: filtered/(total−unselected) > max_filter_ratio with
// selected > 0 (docs/streamload.md §2.3).
func (r *loadResult) tooManyFiltered(ratio float64) bool {
	selected := r.total - r.unselected
	return selected > 0 && float64(r.filtered)/float64(selected) > ratio
}

// process parses the bodies and converts every row. A whole-load failure
// (malformed JSON, primary key too long, bad plan) is returned as an error;
// row failures are counted as filtered.
func process(tbl *table, p *loadParams, bodies [][]byte) (*loadResult, *statusErr) {
	sc := tbl.currentSchema() // one schema for the whole load: an ALTER may run concurrently
	pl, se := p.plan(sc, tbl.kind)
	if se != nil {
		return nil, se
	}
	res := &loadResult{tbl: tbl, batch: &applyBatch{schema: sc}}
	addRow := func(vals []srcVal, opVal srcVal, rowText string) *statusErr {
		res.total++
		op, reason := pl.convertRow(vals, opVal)
		if reason == "" && p.rejectAll {
			reason = "the row is rejected by the emulator's FaultFilterRows (injected)"
		}
		if reason != "" {
			res.filtered++
			if len(res.errLines) < maxErrorLogLines {
				res.errLines = append(res.errLines, fmt.Sprintf("Error: %s. Row: %s", reason, rowText))
			}
			return nil
		}
		if !pl.noOp && keySize(sc, op.cells) > primaryKeyLimit { // primary-key tables only (MemTable)
			return newStatus(codeInternalError, "primary key size exceed the limit.")
		}
		res.loaded++
		if op.del {
			res.batch.deletes++
		}
		res.batch.ops = append(res.batch.ops, op)
		return nil
	}
	if p.format == "csv" {
		// Transaction loads feed one pipe, so their bodies are concatenated:
		// CSV records must end with the row delimiter (docs/streamload.md §3.4).
		data := bytes.Join(bodies, nil)
		records := bytes.Split(data, p.rowDelim)
		skipped := 0
		for _, rec := range records {
			if len(rec) == 0 {
				continue // empty lines, including the one after the final delimiter
			}
			if skipped < p.skipHeader {
				skipped++
				continue
			}
			fields := bytes.Split(rec, p.colSep)
			if len(fields) != len(pl.sources) {
				res.total++
				res.filtered++
				if len(res.errLines) < maxErrorLogLines {
					res.errLines = append(res.errLines, fmt.Sprintf("Error: Value count does not match column count. Expect %d, but got %d. Row: %s", len(pl.sources), len(fields), rec))
				}
				continue
			}
			vals := make([]srcVal, len(fields))
			for i, f := range fields {
				if p.trimSpace {
					f = bytes.TrimSpace(f)
				}
				if string(f) == `\N` {
					vals[i] = nullVal // docs/streamload.md §1.2: \N = NULL, empty = ""
				} else {
					vals[i] = srcVal{kind: vString, text: string(f)}
				}
			}
			if se := addRow(vals, nullVal, string(rec)); se != nil {
				return nil, se
			}
		}
		return res, nil
	}
	for _, body := range bodies {
		err := forEachJSONRow(body, p.stripOuterArray, func(raw []byte) *statusErr {
			fields, err := parseObject(raw)
			if err != nil {
				return newStatus(codeDataQualityError, "Failed to iterate document stream as object. error: %v", err)
			}
			vals := make([]srcVal, len(pl.sources))
			for i, name := range pl.sources {
				if v, ok := fields[name]; ok { // exact, case-sensitive keys (§1.4)
					vals[i] = jsonValue(v)
				} else {
					vals[i] = nullVal // a missing key gives NULL, not the DEFAULT
				}
			}
			opVal := nullVal
			if pl.opAuto {
				if v, ok := fields["__op"]; ok {
					opVal = jsonValue(v)
				}
			}
			return addRow(vals, opVal, string(raw))
		})
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// convertRow applies §5.2: it returns the row op or the reason it is filtered.
func (pl *loadPlan) convertRow(vals []srcVal, autoOp srcVal) (rowOp, string) {
	sc := pl.sc
	op := rowOp{cells: make([]any, len(sc.cols))}
	if pl.partial {
		op.present = make([]bool, len(sc.cols))
	}
	for i, c := range sc.cols {
		t := pl.cols[i]
		v := nullVal
		switch t.kind {
		case tgtNone:
			if pl.partial {
				continue // partial update: unlisted columns are not written
			}
		case tgtSource:
			v = vals[t.src]
		case tgtConst:
			v = t.val
		case tgtToBinary:
			v = t.bin.apply(vals[t.src])
		}
		if pl.partial {
			op.present[i] = true
		}
		if v.kind == vNull {
			if !c.nullable {
				return rowOp{}, fmt.Sprintf("NULL value in non-nullable column '%s'", c.name)
			}
			continue
		}
		s, reason := c.typ.convert(v, c.name)
		if reason != "" {
			// strict_mode=true: a non-NULL value that fails conversion
			// filters the row. strict_mode=false: it becomes NULL, which
			// filters the row only for a NOT NULL column; a nullable
			// column silently stores NULL (docs/streamload.md §5.2).
			if pl.strict || !c.nullable {
				return rowOp{}, reason
			}
			continue
		}
		op.cells[i] = s
	}
	// __op (docs/streamload.md §1.3): absent = 0 (UPSERT), 1 = DELETE.
	ov := nullVal
	switch pl.op.kind {
	case tgtSource:
		ov = vals[pl.op.src]
		if ov.kind == vNull && !pl.json {
			// CSV \N; in JSON a null or missing "__op" means 0 (§1.3).
			return rowOp{}, "NULL value in non-nullable column '__op'"
		}
	case tgtConst:
		ov = pl.op.val
	default:
		if pl.opAuto {
			ov = autoOp
		}
	}
	if ov.kind != vNull {
		s, reason := (&colType{kind: tTinyint}).convert(ov, "__op")
		if reason != "" {
			return rowOp{}, reason
		}
		switch s {
		case "0":
		case "1":
			op.del = true
		default:
			return rowOp{}, fmt.Sprintf("Invalid __op value '%s': must be 0 (upsert) or 1 (delete)", ov.text)
		}
	}
	op.key = encodeKey(sc, op.cells)
	return op, ""
}

// forEachJSONRow walks a JSON body per docs/streamload.md §1.4 and calls fn with
// the raw bytes of each row object. Structural errors fail the whole load.
func forEachJSONRow(body []byte, strip bool, fn func(raw []byte) *statusErr) *statusErr {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil
	}
	first := trimmed[0]
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if strip {
		if first != '[' {
			v := trimmed
			if len(v) > 64 {
				v = v[:64]
			}
			return newStatus(codeDataQualityError, "the value should be array type with strip_outer_array=true, value: %s", v)
		}
		if _, err := dec.Token(); err != nil {
			return newStatus(codeDataQualityError, "Failed to parse json as array. error: %v", err)
		}
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return newStatus(codeDataQualityError, "Failed to iterate json array as object. error: %v", err)
			}
			if len(raw) == 0 || raw[0] != '{' {
				return newStatus(codeDataQualityError, "Failed to iterate json array as object. error: INCORRECT_TYPE: The JSON element does not have the requested type.")
			}
			if se := fn(raw); se != nil {
				return se
			}
		}
		if _, err := dec.Token(); err != nil {
			return newStatus(codeDataQualityError, "Failed to iterate json as array. error: %v", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return newStatus(codeDataQualityError, "Failed to parse json as array. error: TRAILING_CONTENT: unexpected content after the array")
		}
		return nil
	}
	switch first {
	case '[':
		return newStatus(codeDataQualityError, "The value is array type in json document stream, you can set strip_outer_array=true to parse each element of the array as individual rows")
	case '{':
	default:
		return newStatus(codeDataQualityError, "illegal json started with %c", first)
	}
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return newStatus(codeDataQualityError, "Failed to iterate document stream as object. error: %v", err)
		}
		switch raw[0] {
		case '{':
			if se := fn(raw); se != nil {
				return se
			}
		case '[':
			return newStatus(codeDataQualityError, "The value is array type in json document stream, you can set strip_outer_array=true to parse each element of the array as individual rows")
		default:
			return newStatus(codeDataQualityError, "The value should be object type in json document stream")
		}
	}
}

// parseObject reads a JSON object; a duplicate key keeps the first value
// (docs/streamload.md §1.4).
func parseObject(raw []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	m := map[string]json.RawMessage{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := m[k]; !dup {
			m[k] = v
		}
	}
	return m, nil
}
