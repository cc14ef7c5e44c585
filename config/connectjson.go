package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kafka Connect's JSON connector configurations, which Load reads besides
// .properties files (the first non-blank byte of a file decides: '{' is
// JSON). Both shapes that Kafka's connect-standalone (3.8+,
// ConnectStandalone.parseConnectorConfigurationFile) and the REST API take
// are read:
//
//   - the request body of POST /connectors:
//     {"name": "sink", "config": {"connector.class": "...", ...}}, optionally
//     with "initial_state". A "name" inside "config" must equal the outer
//     one (Kafka refuses a mismatch too); without one, the outer name is
//     put there.
//   - a flat object of keys, the body of PUT /connectors/<name>/config.
//     The URL that names the connector there is not part of a file, so the
//     object must hold a "name" key (connect-standalone requires it too).
//
// Values are strings in Kafka Connect's JSON, but Jackson turns a number or
// a boolean into its text, and so does starcdc: 5000 and "5000" are the
// same setting, and the text is the literal as written (1e3 stays "1e3").
// null, objects and arrays are refused: Kafka Connect configurations map
// keys to strings. A key given twice keeps its last value, as with Jackson
// and in .properties files. Config provider references (${file:...},
// ${env:...}) in values are resolved as in .properties files.

// jsonSyntaxError is an error of a JSON configuration file at a byte
// offset (0-based, from the start of the file; line and column are 1-based,
// the column counted in bytes). It matches ErrInvalid.
type jsonSyntaxError struct {
	file              string
	offset, line, col int
	msg               string
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("%s: byte offset %d (line %d, column %d): %s", e.file, e.offset, e.line, e.col, e.msg)
}

func (e *jsonSyntaxError) Is(target error) bool { return target == ErrInvalid }

// isJSONConfig reports whether data is a JSON configuration: its first
// byte that is not blank (or a UTF-8 byte order mark) is '{'. No
// .properties key starts with '{' in practice.
func isJSONConfig(data []byte) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n\f")
	return len(t) > 0 && t[0] == '{'
}

// connectJSON reads one JSON configuration file.
type connectJSON struct {
	file string
	data []byte // the whole file
}

// at builds the error for offset off of the file.
func (r *connectJSON) at(off int, format string, args ...any) error {
	off = min(max(off, 0), len(r.data))
	line := 1 + bytes.Count(r.data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(r.data[:off], '\n')
	return &jsonSyntaxError{file: r.file, offset: off, line: line, col: col, msg: fmt.Sprintf(format, args...)}
}

// syntax turns an encoding/json error at a value starting at base into an
// error naming the file and the byte offset.
func (r *connectJSON) syntax(base int, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, the offending one included.
		return r.at(base+int(max(se.Offset-1, 0)), "invalid JSON: %s", se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return r.at(len(r.data), "invalid JSON: the file ends inside the document")
	}
	return r.at(base, "invalid JSON: %s", err.Error())
}

// member is one "key": value of an object, value raw, at its byte offset.
type member struct {
	key string
	raw json.RawMessage
	off int
}

// object reads the JSON object that starts at offset base of the file (the
// bytes data) into its members, in order.
func (r *connectJSON) object(base int, data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, r.syntax(base, err)
	}
	if tok != json.Delim('{') {
		return nil, r.at(base, "want a JSON object")
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, r.syntax(base, err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, r.at(base+int(dec.InputOffset()), "invalid JSON: want an object key")
		}
		// The value starts after the colon and blanks.
		off := int(dec.InputOffset())
		for off < len(data) && strings.IndexByte(" \t\r\n:", data[off]) >= 0 {
			off++
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, r.syntax(base, err)
		}
		out = append(out, member{key: key, raw: raw, off: base + off})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, r.syntax(base, err)
	}
	return out, nil
}

// text is a configuration value: a string, or a number's or a boolean's
// JSON text.
func (r *connectJSON) text(m member) (string, error) {
	switch m.raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(m.raw, &s); err != nil {
			return "", r.syntax(m.off, err)
		}
		return s, nil
	case 't', 'f':
		return string(m.raw), nil
	case 'n':
		return "", r.at(m.off, "%q is null; Kafka Connect settings are strings: give a value, or remove the key to use its default", m.key)
	case '{':
		return "", r.at(m.off, "%q is an object; Kafka Connect settings are strings (a flat config holds every key at the top level; the {\"name\": ..., \"config\": {...}} form nests them in \"config\" only)", m.key)
	case '[':
		return "", r.at(m.off, "%q is an array; Kafka Connect settings are strings: write a list as one comma-separated string, e.g. \"a,b\"", m.key)
	}
	return string(m.raw), nil // a number, as written
}

// settings reads an object of settings.
func (r *connectJSON) settings(base int, data []byte) (map[string]string, error) {
	ms, err := r.object(base, data)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ms))
	for _, m := range ms {
		v, err := r.text(m)
		if err != nil {
			return nil, err
		}
		out[m.key] = v
	}
	return out, nil
}

// parseConnectJSON reads a JSON configuration file (see above) into its
// settings. Errors name the file, and the byte offset where there is one.
func parseConnectJSON(file string, data []byte) (map[string]string, []Warning, error) {
	r := &connectJSON{file: file, data: data}
	start := len(data) - len(bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n\f"))
	doc := data[start:]
	dec := json.NewDecoder(bytes.NewReader(doc))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, r.syntax(start, err)
	}
	if end := start + int(dec.InputOffset()); len(bytes.TrimLeft(data[end:], " \t\r\n")) > 0 {
		rest := len(data) - end - len(bytes.TrimLeft(data[end:], " \t\r\n"))
		return nil, nil, r.at(end+rest, "invalid JSON: data after the configuration object; a file holds one connector")
	}
	top, err := r.object(start, doc)
	if err != nil {
		return nil, nil, err
	}
	cfgAt := -1
	for i, m := range top {
		if m.key == "config" && m.raw[0] == '{' {
			cfgAt = i
		}
	}
	if cfgAt < 0 {
		m, err := r.settings(start, doc)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := m[keyName]; !ok {
			return nil, nil, &keyError{file: file, key: keyName, reason: `required in a flat JSON connector config: Kafka Connect takes the name of such a config (the body of PUT /connectors/<name>/config) from the URL, which a file does not have; add "name": "<connector name>" to the object, or use the {"name": "<connector name>", "config": {...}} form`}
		}
		return m, nil, nil
	}

	// {"name": ..., "config": {...}}
	var (
		name    *string
		warns   []Warning
		nameOff int
	)
	for i, m := range top {
		switch m.key {
		case "config":
			if i != cfgAt {
				return nil, nil, r.at(m.off, `"config" is given twice`)
			}
		case "name":
			v, err := r.text(m)
			if err != nil {
				return nil, nil, err
			}
			v = strings.TrimSpace(v) // as the REST API does
			name, nameOff = &v, m.off
		case "initial_state":
			v, err := r.text(m)
			if err != nil {
				return nil, nil, err
			}
			switch s := strings.ToUpper(strings.TrimSpace(v)); s {
			case "RUNNING":
			case "PAUSED", "STOPPED":
				return nil, nil, &keyError{file: file, key: "initial_state", value: v, showValue: true,
					reason: "starcdc runs every connector it is given and has no paused or stopped state; remove initial_state (or set it to RUNNING) to run this connector, or leave the file out"}
			default:
				return nil, nil, &keyError{file: file, key: "initial_state", value: v, showValue: true, reason: "must be RUNNING, PAUSED or STOPPED"}
			}
		default:
			// Kafka ignores unknown properties here (e.g. "tasks" and
			// "type" of a saved GET /connectors/<name> answer).
			warns = append(warns, Warning{File: file, Key: m.key, Message: `ignored: not a field of a Kafka Connect connector request (only "name", "config" and "initial_state" are)`})
		}
	}
	m, err := r.settings(top[cfgAt].off, top[cfgAt].raw)
	if err != nil {
		return nil, nil, err
	}
	switch inner, ok := m[keyName]; {
	case name == nil || *name == "":
		if name == nil {
			nameOff = start
		}
		return nil, nil, r.at(nameOff, `"name" must be the connector name (a non-empty string) in the {"name": ..., "config": {...}} form`)
	case ok && strings.TrimSpace(inner) != *name:
		return nil, nil, &keyError{file: file, key: "config.name", value: inner, showValue: true,
			reason: fmt.Sprintf("does not match the connector name %q given in \"name\" (Kafka Connect refuses this too); make them equal, or remove name from config", *name)}
	case !ok:
		m[keyName] = *name
	}
	return m, warns, nil
}
