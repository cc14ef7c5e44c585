package starrocks

import (
	"encoding/hex"
	"strings"
)

// The one function the emulator evaluates in a `columns` header:
// `c=to_binary(src[, binary_type])`, StarRocks v3.0+. It lets a client send
// exact bytes for a VARBINARY column as text (for example base64 under a
// temporary JSON key). Semantics follow the BE (be/src/exprs/binary_functions.*,
// EncryptionFunctions::from_base64, StringFunctions::unhex) rather than the
// function's documentation where the two differ:
//
//   - src NULL (a JSON null, a missing key, CSV `\N`) gives NULL.
//   - binary_type is compared case-insensitively: 'encode64' decodes base64,
//     'utf8' keeps the text's bytes, anything else (including 'hex' and the
//     default) decodes hex.
//   - 'hex': an empty, odd-length or non-hex input gives an EMPTY binary (as
//     documented). Both letter cases are accepted.
//   - 'encode64': an input with a byte outside the base64 alphabet gives NULL,
//     and so does an EMPTY input; the documentation says "an empty binary",
//     but the BE's from_base64 returns NULL for both. Spaces, tabs and line
//     breaks are skipped, '=' padding is optional, and incomplete trailing
//     bits are dropped (the BE's lenient base64_decode2).
//
// The result is then stored like any value: VARBINARY(n) (or a CHAR/VARCHAR
// target) checks its byte length with the strict-mode rules of §5.2, and a
// NULL result in a NOT NULL column filters the row.

type binaryType int

const (
	binHex binaryType = iota // the default, as BinaryFormatType::HEX = 0
	binEncode64
	binUTF8
)

// parseBinaryType is BinaryFormatState::to_binary_format.
func parseBinaryType(s string) binaryType {
	switch strings.ToLower(s) {
	case "encode64":
		return binEncode64
	case "utf8":
		return binUTF8
	}
	return binHex
}

// apply evaluates to_binary on one source value. The source is read as
// VARCHAR text (§5.2: a JSON number gives its raw token, a bool "1"/"0").
func (b binaryType) apply(v srcVal) srcVal {
	if v.kind == vNull {
		return nullVal
	}
	text := v.text
	if v.kind == vBool {
		text = "0"
		if v.text == "true" {
			text = "1"
		}
	}
	switch b {
	case binUTF8:
		return srcVal{kind: vString, text: text}
	case binEncode64:
		out, ok := beBase64Decode(text)
		if !ok {
			return nullVal
		}
		return srcVal{kind: vString, text: out}
	}
	out, err := hex.DecodeString(text)
	if err != nil {
		return srcVal{kind: vString, text: ""}
	}
	return srcVal{kind: vString, text: string(out)}
}

// beBase64Decode mirrors EncryptionFunctions::from_base64 over the BE's
// base64_decode2: ok=false means NULL.
func beBase64Decode(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	out := make([]byte, 0, len(s)*3/4+3)
	var cur byte // the byte being assembled
	i := 0       // base64 digits consumed
	for p := 0; p < len(s); p++ {
		ch := s[p]
		if ch == 0 {
			break // C string: a NUL ends the input
		}
		if ch == '=' {
			if p+1 < len(s) && s[p+1] != '=' && i%4 == 1 {
				return "", false
			}
			continue
		}
		var d byte
		switch {
		case ch >= 'A' && ch <= 'Z':
			d = ch - 'A'
		case ch >= 'a' && ch <= 'z':
			d = ch - 'a' + 26
		case ch >= '0' && ch <= '9':
			d = ch - '0' + 52
		case ch == '+':
			d = 62
		case ch == '/':
			d = 63
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			continue
		default:
			return "", false
		}
		switch i % 4 {
		case 0:
			cur = d << 2
		case 1:
			out = append(out, cur|d>>4)
			cur = (d & 0x0f) << 4
		case 2:
			out = append(out, cur|d>>2)
			cur = (d & 0x03) << 6
		case 3:
			out = append(out, cur|d)
		}
		i++
	}
	return string(out), true
}

// splitCall splits `name(arg, ...)` into the function name and its
// top-level arguments. ok is false when e is not one call.
func splitCall(e string) (name string, args []string, ok bool) {
	e = strings.TrimSpace(e)
	open := strings.IndexByte(e, '(')
	if open <= 0 || !strings.HasSuffix(e, ")") {
		return "", nil, false
	}
	name = strings.TrimSpace(e[:open])
	if !isIdent(name) || isDigit(name[0]) {
		return "", nil, false
	}
	parts, ok := splitTopLevel(e[open+1 : len(e)-1])
	if !ok {
		return "", nil, false // `f(a) + g(b)` or unbalanced: not one call
	}
	if len(parts) == 1 && strings.TrimSpace(parts[0]) == "" {
		return name, nil, true // f()
	}
	for _, p := range parts {
		args = append(args, strings.TrimSpace(p))
	}
	return name, args, true
}

// splitTopLevel splits s at the commas outside quotes and parentheses. ok
// is false when quotes or parentheses do not balance.
func splitTopLevel(s string) (parts []string, ok bool) {
	depth, quote, start := 0, byte(0), 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return nil, false
			}
		case c == ',' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:]), depth == 0 && quote == 0
}

// stringLiteral unquotes a '...' or "..." literal.
func stringLiteral(s string) (string, bool) {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1], true
	}
	return "", false
}

// parseToBinary plans `c=to_binary(src[, 'binary_type'])`.
func parseToBinary(it colItem, args []string, srcIdx map[string]int) (target, *statusErr) {
	if len(args) < 1 || len(args) > 2 {
		return target{}, newStatus(codeAnalysisError, "No matching function with signature: to_binary(%s).", strings.Join(args, ", "))
	}
	bin := binHex
	if len(args) == 2 {
		lit, ok := stringLiteral(args[1])
		if !ok {
			return target{}, unsupported("a to_binary binary_type that is not a string literal (`" + it.name + "=" + it.expr + "`)")
		}
		bin = parseBinaryType(lit)
	}
	arg := args[0]
	if lit, ok := stringLiteral(arg); ok {
		return target{kind: tgtConst, val: bin.apply(srcVal{kind: vString, text: lit})}, nil
	}
	if strings.EqualFold(arg, "null") {
		return target{kind: tgtConst, val: nullVal}, nil
	}
	name := strings.Trim(arg, "`")
	if i, ok := srcIdx[name]; ok {
		return target{kind: tgtToBinary, src: i, bin: bin}, nil
	}
	if isIdent(name) && !isDigit(name[0]) {
		return target{}, newStatus(codeAnalysisError, "Unknown column '%s' in columns header", name)
	}
	return target{}, unsupported("the column expression `" + it.name + "=" + it.expr + "` (to_binary takes a column of the columns header or a string literal)")
}

// checkToBinaryTarget allows to_binary into VARBINARY and, as StarRocks
// casts VARBINARY to them, CHAR/VARCHAR/STRING columns.
func checkToBinaryTarget(sc *schema, it colItem) *statusErr {
	ci, ok := sc.lookup(it.name)
	if !ok {
		return unsupported("the column expression `" + it.name + "=" + it.expr + "`")
	}
	switch sc.cols[ci].typ.kind {
	case tVarbinary, tChar, tVarchar, tString:
		return nil
	}
	return unsupported("to_binary into column '" + sc.cols[ci].name + "' of type " + sc.cols[ci].typ.String())
}
