package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// JAAS is the login module entry of a sasl.jaas.config value, as ParseJAAS
// reads it. Its Format and MarshalJSON methods redact the values of secret
// options (see IsSecretKey: password, anything holding "secret", ...), so
// that printing or logging a JAAS never shows a password.
type JAAS struct {
	// LoginModule is the login module class name as written, such as
	// org.apache.kafka.common.security.plain.PlainLoginModule.
	LoginModule string
	// Flag is the control flag in upper case: REQUIRED, REQUISITE,
	// SUFFICIENT or OPTIONAL.
	Flag string
	// Options holds the login module options, unquoted and unescaped; of
	// two options with one name the last wins, as in Kafka. Never nil.
	Options map[string]string
}

type plainJAAS JAAS

func (j JAAS) redacted() plainJAAS {
	j.Options = redactMap(j.Options)
	return plainJAAS(j)
}

// Format implements fmt.Formatter; secret option values are redacted.
func (j JAAS) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, j.redacted(), "config.plainJAAS", "config.JAAS")
}

// MarshalJSON encodes j with secret option values redacted.
func (j JAAS) MarshalJSON() ([]byte, error) { return json.Marshal(j.redacted()) }

// jaasError is a sasl.jaas.config syntax error. Its message names the
// problem and a byte offset, never the text at that offset.
type jaasError struct{ msg string }

func (e *jaasError) Error() string { return e.msg }
func (e *jaasError) Unwrap() error { return ErrInvalid }

func jaasErrorf(format string, args ...any) error {
	return &jaasError{msg: fmt.Sprintf(format, args...)}
}

// ParseJAAS parses the value of Kafka's sasl.jaas.config client setting:
// exactly one login module entry,
//
//	<LoginModuleClass> <ControlFlag> (<name>=<value>)* ;
//
// as Kafka's parser, org.apache.kafka.common.security.JaasConfig, reads it
// (with JaasContext's rule that the setting holds exactly one login
// module). JaasConfig tokenizes with java.io.StreamTokenizer:
//
//   - bytes 0 to 32 (space, tab, newlines, other control characters)
//     separate tokens;
//   - ";" ends the entry and "=" separates a name from its value, wherever
//     they are outside quotes;
//   - a word is a run of any other characters, so unquoted values such as
//     p@ss!w0rd or $ecret-1.x need no quotes;
//   - values (and names) may be quoted with "..." or '...', and then hold
//     spaces, ";", "=", "/" and the other quote; inside quotes a backslash
//     escapes the next character (\" \' \\), with Java's escapes \a \b \f
//     \n \r \t \v and octal \0 to \377; a quoted string ends on its line;
//   - // comments run to the end of the line and /* comments */ may span
//     lines;
//   - the control flag is matched without regard to case.
//
// ParseJAAS differs from JaasConfig only where JaasConfig would silently
// read something else than what was meant, and in one leniency:
//
//   - a "/" outside quotes that starts neither // nor /* is an error: to
//     StreamTokenizer it starts a comment that swallows the rest of the line
//     (password=a/b reads as password=a, then fails for want of the ";");
//   - a quoted string that an unescaped newline or the end of the input
//     ends, an unterminated /* comment, and characters U+0081 to U+009F
//     outside quotes (StreamTokenizer's "ordinary" characters) are errors;
//   - the login module class must be an unquoted Java class name;
//   - the ";" after the last option may be omitted (starcdc has always
//     accepted that; Kafka refuses it).
//
// Errors wrap ErrInvalid and name the problem with a byte offset into s;
// they never hold any text of s, which may carry a password.
func ParseJAAS(s string) (JAAS, error) {
	toks, err := lexJAAS(s)
	if err != nil {
		return JAAS{}, err
	}
	var entries []JAAS
	for len(toks) > 0 {
		if toks[0].kind != jaasWord || !javaClassName.MatchString(toks[0].text) {
			return JAAS{}, jaasErrorf("expected a login module class name at offset %d", toks[0].off)
		}
		e := JAAS{LoginModule: toks[0].text, Options: map[string]string{}}
		if len(toks) < 2 || !toks[1].isString() {
			return JAAS{}, jaasErrorf("expected a control flag (required, requisite, sufficient or optional) after the login module class")
		}
		switch f := strings.ToUpper(toks[1].text); f {
		case "REQUIRED", "REQUISITE", "SUFFICIENT", "OPTIONAL":
			e.Flag = f
		default:
			return JAAS{}, jaasErrorf("the control flag at offset %d must be required, requisite, sufficient or optional", toks[1].off)
		}
		toks = toks[2:]
		for len(toks) > 0 && toks[0].kind != jaasSemicolon {
			if !toks[0].isString() {
				return JAAS{}, jaasErrorf("expected an option name at offset %d", toks[0].off)
			}
			if len(toks) < 3 || toks[1].kind != jaasEquals || !toks[2].isString() {
				return JAAS{}, jaasErrorf("the option at offset %d has no value (write name=value, quoting values that hold spaces or special characters)", toks[0].off)
			}
			e.Options[toks[0].text] = toks[2].text
			toks = toks[3:]
		}
		if len(toks) > 0 {
			toks = toks[1:] // the ";"
		}
		entries = append(entries, e)
	}
	switch len(entries) {
	case 0:
		return JAAS{}, jaasErrorf("no login module (write <LoginModuleClass> <flag> name=\"value\" ... ;)")
	case 1:
		return entries[0], nil
	}
	return JAAS{}, jaasErrorf("%d login modules: it must hold exactly 1", len(entries))
}

// javaClassName matches a Java class name, package included.
var javaClassName = regexp.MustCompile(`^[\p{L}_$][\p{L}\p{N}_$]*(\.[\p{L}_$][\p{L}\p{N}_$]*)*$`)

type jaasKind byte

const (
	jaasWord      jaasKind = iota // unquoted word
	jaasQuoted                    // quoted string, unescaped
	jaasEquals                    // "="
	jaasSemicolon                 // ";"
)

type jaasToken struct {
	kind jaasKind
	text string // a word or a quoted string's value
	off  int    // byte offset in the input
}

// isString reports whether t is a word or a quoted string: what
// StreamTokenizer gives an sval for.
func (t jaasToken) isString() bool { return t.kind == jaasWord || t.kind == jaasQuoted }

// jaasSpace reports whether r separates tokens (StreamTokenizer's
// whitespaceChars(0, ' ')).
func jaasSpace(r rune) bool { return r >= 0 && r <= ' ' }

// jaasOrdinary reports whether r is a character that StreamTokenizer, as
// JaasConfig sets it up, makes neither whitespace, nor a word character,
// nor a quote, nor a comment: wordChars covers 32 to 128 and 160 to 255
// (and every character above 255), so 129 to 159 are left ordinary.
func jaasOrdinary(r rune) bool { return r >= 0x81 && r <= 0x9f }

func lexJAAS(s string) ([]jaasToken, error) {
	var toks []jaasToken
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case jaasSpace(r):
			i += size
		case strings.HasPrefix(s[i:], "//"):
			j := strings.IndexAny(s[i:], "\r\n")
			if j < 0 {
				j = len(s) - i
			}
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return nil, jaasErrorf("unterminated /* comment at offset %d", i)
			}
			i += 2 + j + 2
		case r == '/':
			return nil, jaasErrorf("a / outside quotes at offset %d starts a comment to the end of the line in Kafka's JAAS syntax: quote the value that holds it", i)
		case r == '=':
			toks = append(toks, jaasToken{kind: jaasEquals, off: i})
			i++
		case r == ';':
			toks = append(toks, jaasToken{kind: jaasSemicolon, off: i})
			i++
		case r == '"' || r == '\'':
			text, n, err := lexJAASQuoted(s[i:], i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, jaasToken{kind: jaasQuoted, text: text, off: i})
			i += n
		case jaasOrdinary(r):
			return nil, jaasErrorf("a control character (U+0081 to U+009F) outside quotes at offset %d: quote the value that holds it", i)
		default:
			start := i
			for i < len(s) {
				r, size := utf8.DecodeRuneInString(s[i:])
				if jaasSpace(r) || jaasOrdinary(r) || strings.ContainsRune(`=;"'/`, r) {
					break
				}
				i += size
			}
			toks = append(toks, jaasToken{kind: jaasWord, text: s[start:i], off: start})
		}
	}
	return toks, nil
}

// lexJAASQuoted reads the quoted string at the start of s (whose offset in
// the whole input is off) as StreamTokenizer does, and returns its value
// and its length in s.
func lexJAASQuoted(s string, off int) (string, int, error) {
	quote := s[0]
	var b strings.Builder
	i := 1
	for {
		if i >= len(s) {
			return "", 0, jaasErrorf("unterminated quoted string at offset %d", off)
		}
		c := s[i]
		switch c {
		case quote:
			return b.String(), i + 1, nil
		case '\n', '\r':
			return "", 0, jaasErrorf("the quoted string at offset %d is not closed on its line (write a newline in it as \\n)", off)
		case '\\':
		default:
			b.WriteByte(c)
			i++
			continue
		}
		i++ // the backslash
		if i >= len(s) {
			return "", 0, jaasErrorf("unterminated quoted string at offset %d", off)
		}
		switch e := s[i]; {
		case e >= '0' && e <= '7':
			// Octal: up to three digits, the third only after a first digit
			// of 0 to 3 (so at most \377); the value is a UTF-16 code unit,
			// the code point U+0000 to U+00FF.
			v, n := rune(e-'0'), 1
			if i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7' {
				v = v<<3 + rune(s[i+n]-'0')
				n++
				if i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7' && e <= '3' {
					v = v<<3 + rune(s[i+n]-'0')
					n++
				}
			}
			b.WriteRune(v)
			i += n
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch r {
			case 'a':
				r = '\a'
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			case 'v':
				r = '\v'
			}
			if r == utf8.RuneError && size == 1 {
				b.WriteByte(s[i]) // keep an invalid byte as it is
			} else {
				b.WriteRune(r)
			}
			i += size
		}
	}
}
