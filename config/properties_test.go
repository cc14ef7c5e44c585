package config

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseProperties(t *testing.T) {
	type kv = map[string]string
	tests := []struct {
		name string
		in   string
		want kv
	}{
		{"empty input", "", kv{}},
		{"equals separator", "key=value", kv{"key": "value"}},
		{"colon separator", "key:value", kv{"key": "value"}},
		{"space separator", "key value", kv{"key": "value"}},
		{"tab separator", "key\tvalue", kv{"key": "value"}},
		{"form feed separator", "key\fvalue", kv{"key": "value"}},
		{"blanks around equals", "key  =  value", kv{"key": "value"}},
		{"blanks around colon", "key\t:\tvalue", kv{"key": "value"}},
		{"space then equals is one separator", "key =value", kv{"key": "value"}},
		{"second separator is part of value", "key==value", kv{"key": "=value"}},
		{"colon then equals", "key:=value", kv{"key": "=value"}},
		{"space equals colon", "key =:value", kv{"key": ":value"}},
		{"separators later in the value", "url=http://h:80/a=b", kv{"url": "http://h:80/a=b"}},
		{"leading whitespace", "   \t\fkey=value", kv{"key": "value"}},
		{"key only", "key", kv{"key": ""}},
		{"key and equals only", "key=", kv{"key": ""}},
		{"key and blanks only", "key   ", kv{"key": ""}},
		{"empty key", "=value", kv{"": "value"}},
		{"empty key colon", ":value", kv{"": "value"}},
		{"trailing whitespace kept", "key=value  \t", kv{"key": "value  \t"}},
		{"hash comment", "# comment\nkey=value", kv{"key": "value"}},
		{"bang comment", "! comment\nkey=value", kv{"key": "value"}},
		{"indented comment", "   # comment\nkey=value", kv{"key": "value"}},
		{"comment with separators", "#a=b\n!c:d", kv{}},
		{"hash inside value is not a comment", "key=a#b", kv{"key": "a#b"}},
		{"comment does not continue", "# comment \\\nkey=value", kv{"key": "value"}},
		{"blank lines", "\n\n  \n\t\nkey=value\n\n", kv{"key": "value"}},
		{"LF", "a=1\nb=2\n", kv{"a": "1", "b": "2"}},
		{"CRLF", "a=1\r\nb=2\r\n", kv{"a": "1", "b": "2"}},
		{"CR only", "a=1\rb=2\r", kv{"a": "1", "b": "2"}},
		{"no final newline", "a=1\nb=2", kv{"a": "1", "b": "2"}},
		{"continuation", "key=a\\\n    b", kv{"key": "ab"}},
		{"continuation keeps inner blanks", "key=a \\\n    b", kv{"key": "a b"}},
		{"continuation CRLF", "key=a\\\r\n  b\r\nc=d", kv{"key": "ab", "c": "d"}},
		{"continuation CR", "key=a\\\r  b\rc=d", kv{"key": "ab", "c": "d"}},
		{"multiple continuations", "key=a,\\\n  b,\\\n  c", kv{"key": "a,b,c"}},
		{"continuation in key", "ke\\\n  y=v", kv{"key": "v"}},
		{"continuation before value", "key=\\\n  value", kv{"key": "value"}},
		{"continued line starting with hash", "key=a\\\n#b", kv{"key": "a#b"}},
		{"continuation into blank line ends", "key=a\\\n\nb=c", kv{"key": "a", "b": "c"}},
		{"continuation into blank-only line ends", "key=a\\\n   \nb=c", kv{"key": "a", "b": "c"}},
		{"continuation at EOF", "key=a\\", kv{"key": "a"}},
		{"continuation then EOF after blanks", "key=a\\\n   ", kv{"key": "a"}},
		{"lone backslash line", "\\\nkey=v", kv{"key": "v"}},
		{"even backslashes do not continue", "key=a\\\\\nb=c", kv{"key": `a\`, "b": "c"}},
		{"odd backslashes continue", "key=a\\\\\\\n b", kv{"key": `a\b`}},
		{"escapes", `key=\t\n\r\f`, kv{"key": "\t\n\r\f"}},
		{"escaped backslash", `path=C:\\dir\\file`, kv{"path": `C:\dir\file`}},
		{"unknown escape drops backslash", `key=\a\b\x02\q`, kv{"key": "abx02q"}},
		{"unicode escape", `key=\u0041\u00e9\u4E2D`, kv{"key": "Aé中"}},
		{"surrogate pair", `key=\ud83d\ude00`, kv{"key": "😀"}},
		{"lone high surrogate", `key=\ud83dx`, kv{"key": "\uFFFDx"}},
		{"lone low surrogate", `key=\ude00`, kv{"key": "\uFFFD"}},
		{"high surrogate at end", `key=\ud83d`, kv{"key": "\uFFFD"}},
		{"unicode escape in key", `k\u0065y=v`, kv{"key": "v"}},
		{"escaped equals in key", `a\=b=c`, kv{"a=b": "c"}},
		{"escaped colon in key", `a\:b:c`, kv{"a:b": "c"}},
		{"escaped space in key", `a\ b c`, kv{"a b": "c"}},
		{"escaped tab in key", "a\\\tb=c", kv{"a\tb": "c"}},
		{"escaped hash key", `\#notcomment=x`, kv{"#notcomment": "x"}},
		{"escaped bang key", `\!notcomment=x`, kv{"!notcomment": "x"}},
		{"escaped leading space in value", `key=\  v`, kv{"key": "  v"}},
		{"duplicate keys last wins", "a=1\nb=2\na=3", kv{"a": "3", "b": "2"}},
		{"raw UTF-8", "ключ=значение", kv{"ключ": "значение"}},
		{"UTF-8 BOM skipped", "\xef\xbb\xbfname=x", kv{"name": "x"}},
		{"jaas config", `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \
    username="u" \
    password="p";`, kv{"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`}},
		{"hex delimiter needs double backslash", "d1=\\\\x02\nd2=\\x02", kv{"d1": `\x02`, "d2": "x02"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProperties(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ParseProperties(%q): %v", tt.in, err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("ParseProperties(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePropertiesErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantLine string
		wantMsg  string
	}{
		{"short unicode escape", `a=\u12`, "line 1:", `in the value of "a"`},
		{"non-hex unicode escape", "x=1\na=\\uXYZW", "line 2:", `in the value of "a"`},
		{"bad escape in key", "x=1\n\n# c\nb\\u00zz=1", "line 4:", "in a key"},
		{"escape on a continued line", "a=1\nb=ok\\\n  \\u00g0", "line 3:", `in the value of "b"`},
		{"escape after several continuations", "b=1\\\n2\\\n3\\u12", "line 3:", `in the value of "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProperties(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("ParseProperties(%q) succeeded, want error", tt.in)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.wantLine) || !strings.Contains(msg, tt.wantMsg) || !strings.Contains(msg, `\uXXXX`) {
				t.Errorf("error = %q, want prefix %q and %q", msg, tt.wantLine, tt.wantMsg)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
		})
	}
}

func TestParsePropertiesErrorHidesValue(t *testing.T) {
	_, err := ParseProperties(strings.NewReader(`starrocks.password=hunter2\u12`))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v must exist and must not contain the value", err)
	}
}

func TestParsePropertiesReaderError(t *testing.T) {
	boom := errors.New("boom")
	_, err := ParseProperties(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want the reader's error, not ErrInvalid", err)
	}
}
