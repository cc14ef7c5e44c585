package config

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// syntaxError is a .properties syntax error. It names the natural (physical)
// line and, once Load knows it, the file. It matches ErrInvalid.
type syntaxError struct {
	file string
	line int
	msg  string
}

func (e *syntaxError) Error() string {
	if e.file != "" {
		return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.msg)
	}
	return fmt.Sprintf("line %d: %s", e.line, e.msg)
}

func (e *syntaxError) Is(target error) bool { return target == ErrInvalid }

// ParseProperties reads Java .properties syntax, following
// java.util.Properties.load(Reader):
//
//   - a line whose first non-blank character is '#' or '!' is a comment
//     (comments never continue onto the next line);
//   - blank lines and leading whitespace (space, \t, \f) are ignored;
//   - the key ends at the first unescaped '=', ':' or whitespace; whitespace
//     around the separator is skipped, and "key value" and a lone "key"
//     (empty value) are valid;
//   - a line ending in an odd number of backslashes continues on the next
//     line, whose leading whitespace is dropped;
//   - escapes \t \n \r \f, \uXXXX (UTF-16 surrogate pairs are combined) are
//     decoded, and a backslash before any other character yields that
//     character (so \\, \=, \:, \  and \# are literal);
//   - trailing whitespace of a value is kept;
//   - a later duplicate key replaces an earlier one.
//
// Lines end in \n, \r or \r\n. The input is taken as UTF-8 bytes (Java's
// Reader variant); a leading UTF-8 byte order mark is skipped. The only
// syntax error is a malformed \uXXXX escape; its error names the line and,
// when the escape is in a value, the key, never the value. Syntax errors
// match ErrInvalid. Errors from r are returned as they are.
func ParseProperties(r io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	out := make(map[string]string)
	lr := lineReader{data: data, line: 1}
	for {
		ll, ok := lr.next()
		if !ok {
			return out, nil
		}
		k, v, err := splitLogicalLine(ll)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
}

// segment records that the logical line's text from offset off on came from
// natural line line.
type segment struct{ off, line int }

type logicalLine struct {
	text []byte // still escaped; continuation backslashes removed
	segs []segment
}

// lineOf maps an offset in text to its natural line number.
func (l *logicalLine) lineOf(off int) int {
	line := l.segs[0].line
	for _, s := range l.segs {
		if s.off > off {
			break
		}
		line = s.line
	}
	return line
}

type lineReader struct {
	data []byte
	pos  int
	line int // natural line number of data[pos]
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

// eol consumes a line terminator whose first byte, c, was just read.
func (lr *lineReader) eol(c byte) {
	if c == '\r' && lr.pos < len(lr.data) && lr.data[lr.pos] == '\n' {
		lr.pos++
	}
	lr.line++
}

// next returns the next logical line that is neither blank nor a comment.
// It mirrors java.util.Properties.LineReader.
func (lr *lineReader) next() (*logicalLine, bool) {
	var (
		buf                []byte
		segs               []segment
		skipWhite          = true
		newLine            = true
		comment            = false
		appendedLineBegin  = false
		precedingBackslash = false
	)
	reset := func() {
		buf, segs = buf[:0], segs[:0]
		skipWhite, newLine, comment, appendedLineBegin, precedingBackslash = true, true, false, false, false
	}
	for {
		if lr.pos >= len(lr.data) {
			if len(buf) == 0 || comment {
				return nil, false
			}
			if precedingBackslash {
				buf = buf[:len(buf)-1]
			}
			return &logicalLine{text: buf, segs: segs}, true
		}
		c := lr.data[lr.pos]
		lr.pos++
		if skipWhite {
			if isBlank(c) {
				continue
			}
			if !appendedLineBegin && (c == '\r' || c == '\n') {
				lr.eol(c)
				continue
			}
			skipWhite, appendedLineBegin = false, false
		}
		if newLine {
			newLine = false
			if c == '#' || c == '!' {
				comment = true
				continue
			}
		}
		if c != '\n' && c != '\r' {
			if comment {
				continue
			}
			if len(segs) == 0 {
				segs = append(segs, segment{off: 0, line: lr.line})
			}
			buf = append(buf, c)
			if c == '\\' {
				precedingBackslash = !precedingBackslash
			} else {
				precedingBackslash = false
			}
			continue
		}
		lr.eol(c)
		if comment || len(buf) == 0 {
			reset()
			continue
		}
		if precedingBackslash {
			buf = buf[:len(buf)-1]
			precedingBackslash = false
			skipWhite, appendedLineBegin = true, true
			segs = append(segs, segment{off: len(buf), line: lr.line})
			continue
		}
		return &logicalLine{text: buf, segs: segs}, true
	}
}

// splitLogicalLine splits a logical line into its unescaped key and value,
// mirroring java.util.Properties.load0.
func splitLogicalLine(ll *logicalLine) (string, string, error) {
	s := ll.text
	keyLen, valueStart := 0, len(s)
	hasSep, precedingBackslash := false, false
	for keyLen < len(s) {
		c := s[keyLen]
		if (c == '=' || c == ':') && !precedingBackslash {
			valueStart, hasSep = keyLen+1, true
			break
		}
		if isBlank(c) && !precedingBackslash {
			valueStart = keyLen + 1
			break
		}
		precedingBackslash = c == '\\' && !precedingBackslash
		keyLen++
	}
	for valueStart < len(s) {
		c := s[valueStart]
		if !isBlank(c) {
			if !hasSep && (c == '=' || c == ':') {
				hasSep = true
			} else {
				break
			}
		}
		valueStart++
	}
	key, err := unescape(s[:keyLen], func(i int) error {
		return &syntaxError{line: ll.lineOf(i), msg: `malformed \uXXXX escape in a key`}
	})
	if err != nil {
		return "", "", err
	}
	value, err := unescape(s[valueStart:], func(i int) error {
		return &syntaxError{line: ll.lineOf(valueStart + i), msg: fmt.Sprintf(`malformed \uXXXX escape in the value of %q`, key)}
	})
	if err != nil {
		return "", "", err
	}
	return key, value, nil
}

// unescape decodes Java .properties escapes. bad builds the error for a
// malformed \u escape starting at offset i of s.
func unescape(s []byte, bad func(i int) error) (string, error) {
	if bytes.IndexByte(s, '\\') < 0 {
		return string(s), nil
	}
	out := make([]byte, 0, len(s))
	var high rune // pending UTF-16 high surrogate, or 0
	flushHigh := func() {
		if high != 0 {
			out = utf8.AppendRune(out, utf8.RuneError)
			high = 0
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			flushHigh()
			out = append(out, c)
			i++
			continue
		}
		start := i
		i++
		if i >= len(s) { // a lone trailing backslash is dropped, as in Java
			break
		}
		c = s[i]
		i++
		if c != 'u' {
			flushHigh()
			switch c {
			case 't':
				c = '\t'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 'f':
				c = '\f'
			}
			out = append(out, c)
			continue
		}
		if len(s)-i < 4 {
			return "", bad(start)
		}
		var r rune
		for _, h := range s[i : i+4] {
			d, ok := hexDigit(h)
			if !ok {
				return "", bad(start)
			}
			r = r<<4 | rune(d)
		}
		i += 4
		switch {
		case utf16.IsSurrogate(r) && r < 0xdc00: // high surrogate
			flushHigh()
			high = r
		case utf16.IsSurrogate(r): // low surrogate
			if high != 0 {
				out = utf8.AppendRune(out, utf16.DecodeRune(high, r))
				high = 0
			} else {
				out = utf8.AppendRune(out, utf8.RuneError)
			}
		default:
			flushHigh()
			out = utf8.AppendRune(out, r)
		}
	}
	flushHigh()
	return string(out), nil
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
