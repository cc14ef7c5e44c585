package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

const plainModule = "org.apache.kafka.common.security.plain.PlainLoginModule"

// These cases were replicator's TestSecurityParseJAAS, when the parser
// lived in replicator/security.go.
func TestParseJAASSecurityCases(t *testing.T) {
	for _, tc := range []struct {
		in     string
		module string
		opts   map[string]string
	}{
		{plainModule + ` required username="u" password="p";`, plainModule, map[string]string{"username": "u", "password": "p"}},
		{plainModule + ` required username='u' password='p';`, plainModule, map[string]string{"username": "u", "password": "p"}},
		{plainModule + ` required username=u password=p;`, plainModule, map[string]string{"username": "u", "password": "p"}},
		{plainModule + ` required username="u" password="p"`, plainModule, map[string]string{"username": "u", "password": "p"}},
		{"  " + plainModule + "\n\trequired\n\tusername = \"u\"\n\tpassword = \"p\"\n\t;\n", plainModule, map[string]string{"username": "u", "password": "p"}},
		{plainModule + ` REQUIRED username="a b" password="x\"y\\z";`, plainModule, map[string]string{"username": "a b", "password": `x"y\z`}},
		{plainModule + ` required username='it"s' password='q\'uote"d';`, plainModule, map[string]string{"username": `it"s`, "password": `q'uote"d`}},
		{plainModule + ` required username="u" password="semi;colon=eq";`, plainModule, map[string]string{"username": "u", "password": "semi;colon=eq"}},
		{plainModule + ` required username="u" password="tab\there\101";`, plainModule, map[string]string{"username": "u", "password": "tab\thereA"}},
		{plainModule + ` required /* comment */ username="u" // line comment` + "\n" + `password="p";`, plainModule, map[string]string{"username": "u", "password": "p"}},
		{plainModule + ` required username="u" password="";`, plainModule, map[string]string{"username": "u", "password": ""}},
		{`org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p" tokenauth="true";`,
			"org.apache.kafka.common.security.scram.ScramLoginModule", map[string]string{"username": "u", "password": "p", "tokenauth": "true"}},
		{`kafkashaded.org.apache.kafka.common.security.plain.PlainLoginModule optional username="u" password="p$1-_x";`,
			"kafkashaded.org.apache.kafka.common.security.plain.PlainLoginModule", map[string]string{"username": "u", "password": "p$1-_x"}},
	} {
		e, err := ParseJAAS(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if e.LoginModule != tc.module || len(e.Options) != len(tc.opts) {
			t.Errorf("%s: got %s %q", tc.in, e.LoginModule, e.Options)
			continue
		}
		for k, v := range tc.opts {
			if e.Options[k] != v {
				t.Errorf("%s: option %s = %q, want %q", tc.in, k, e.Options[k], v)
			}
		}
	}
}

func TestParseJAASPasswords(t *testing.T) {
	for _, tc := range []struct {
		name, value, want string
	}{
		{"space", `"pass word"`, "pass word"},
		{"spaces at the ends", `"  pw  "`, "  pw  "},
		{"tab and newline escapes", `"a\tb\nc"`, "a\tb\nc"},
		{"semicolon", `"pa;ss"`, "pa;ss"},
		{"trailing semicolon", `"pass;"`, "pass;"},
		{"equals", `"a=b=c"`, "a=b=c"},
		{"base64 padding", `"cGFzcw=="`, "cGFzcw=="},
		{"escaped double quote", `"say \"hi\""`, `say "hi"`},
		{"single quote in double quotes", `"it's"`, "it's"},
		{"double quote in single quotes", `'a"b'`, `a"b`},
		{"escaped single quote", `'it\'s'`, "it's"},
		{"escaped backslash", `"a\\b"`, `a\b`},
		{"backslash before a plain character", `"a\qb"`, "aqb"},
		{"escaped line break", "\"a\\\nb\"", "a\nb"},
		{"slashes", `"a/b//c/*d*/"`, "a/b//c/*d*/"},
		{"everything", `"p@ss w0rd;=\"'/\\ é€"`, `p@ss w0rd;="'/\ é€`},
		{"octal", `"\101\0\7x"`, "A\x00\ax"},
		{"octal at most \\377", `"\3770"`, "\u00ff0"},
		{"octal 4xx is two digits", `"\477"`, "'7"},
		{"octal to U+00E9", `"\351"`, "é"},
		{"unicode", `"пароль🔑"`, "пароль🔑"},
		{"empty", `""`, ""},
		{"unquoted special characters", `p@ss!w0rd#%&*()[]{}<>?,.~^|+-_$`, "p@ss!w0rd#%&*()[]{}<>?,.~^|+-_$"},
		{"unquoted unicode", `пароль`, "пароль"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := plainModule + ` required username="u" password=` + tc.value + `;`
			e, err := ParseJAAS(in)
			if err != nil {
				t.Fatalf("%s: %v", in, err)
			}
			if got := e.Options["password"]; got != tc.want {
				t.Errorf("%s: password %q, want %q", in, got, tc.want)
			}
			if e.Options["username"] != "u" || len(e.Options) != 2 {
				t.Errorf("%s: options %q", in, e.Options)
			}
		})
	}
}

func TestParseJAASEntry(t *testing.T) {
	for _, tc := range []struct {
		in, module, flag string
		opts             map[string]string
	}{
		{plainModule + ` Required a=1;`, plainModule, "REQUIRED", map[string]string{"a": "1"}},
		{plainModule + ` requisite;`, plainModule, "REQUISITE", map[string]string{}},
		{plainModule + ` SUFFICIENT a=1 a=2;`, plainModule, "SUFFICIENT", map[string]string{"a": "2"}},
		{plainModule + ` "optional" "quoted key"="v";`, plainModule, "OPTIONAL", map[string]string{"quoted key": "v"}},
		{plainModule + `	required	a="x"b=y;  // done`, plainModule, "REQUIRED", map[string]string{"a": "x", "b": "y"}},
		{"/* lead */ com.example.Login_Module$1 required useKeyTab=true keyTab=\"/etc/k.keytab\"\r\n ;", "com.example.Login_Module$1", "REQUIRED", map[string]string{"useKeyTab": "true", "keyTab": "/etc/k.keytab"}},
		{plainModule + ` required a=b;/**/`, plainModule, "REQUIRED", map[string]string{"a": "b"}},
	} {
		e, err := ParseJAAS(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if e.LoginModule != tc.module || e.Flag != tc.flag || fmt.Sprint(e.Options) != fmt.Sprint(tc.opts) || e.Options == nil {
			t.Errorf("%s: got %s %s %q, want %s %s %q", tc.in, e.LoginModule, e.Flag, e.Options, tc.module, tc.flag, tc.opts)
		}
	}
}

func TestParseJAASErrors(t *testing.T) {
	const secret = "TopSecret"
	for _, tc := range []struct{ in, want string }{
		{"", "no login module"},
		{"  // only a comment", "no login module"},
		{plainModule + ` required username="u" password="` + secret, "unterminated quoted string at offset 87"},
		{plainModule + ` required username="u" password='` + secret + `\'`, "unterminated quoted string"},
		{plainModule + ` required username="u" password="` + secret + `\`, "unterminated quoted string"},
		{plainModule + ` required username="u" password="` + secret + "\n" + secret + `";`, "not closed on its line"},
		{plainModule + ` required username="u" password=` + secret + ` x` + secret + `;`, "the option at offset 97 has no value"},
		{plainModule + ` required username="u" password "` + secret + `";`, "no value"},
		{plainModule + ` required username="u" password=;`, "no value"},
		{plainModule + ` required username="u" password=`, "no value"},
		{plainModule + ` required username="u" password==` + secret + `;`, "no value"},
		{plainModule + ` required username="u" =` + secret + `;`, "expected an option name at offset 78"},
		{plainModule + ` ` + secret + ` username="u" password="p";`, "the control flag at offset 56 must be required, requisite, sufficient or optional"},
		{plainModule + `;`, "expected a control flag"},
		{plainModule, "expected a control flag"},
		{plainModule + ` required username="u" password="` + secret + `"; ` + plainModule + ` required;`, "2 login modules: it must hold exactly 1"},
		{plainModule + ` required username="u" password="` + secret + `";;`, "expected a login module class name at offset 99"},
		{`"` + secret + `" required username="u";`, "expected a login module class name at offset 0"},
		{`1` + secret + ` required username="u";`, "login module class"},
		{`org..` + secret + ` required username="u";`, "login module class"},
		{plainModule + ` required username="u" password=` + secret + `/x;`, "a / outside quotes at offset 96"},
		{plainModule + ` required username="u" password="` + secret + `"; / comment`, "a / outside quotes"},
		{plainModule + ` required username="u" /* password="` + secret + `";`, "unterminated /* comment at offset 78"},
		{plainModule + " required username=\"u\" password=" + secret + "\u0085x;", "control character"},
	} {
		_, err := ParseJAAS(tc.in)
		if err == nil {
			t.Errorf("%s: no error", tc.in)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.in, err, tc.want)
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %q does not wrap ErrInvalid", tc.in, err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

// quoteJAAS writes s as a double-quoted JAAS value.
func quoteJAAS(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}

// Any password, written as a quoted value, parses back to itself.
func TestParseJAASQuotedRoundTrip(t *testing.T) {
	alphabet := []rune(" \t\n\r\"'\\;=/*#$@!%&{}[]().,:~-_aZ09é€🔑\x00\x7f\u0085")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		pw := make([]rune, rng.IntN(24))
		for i := range pw {
			pw[i] = alphabet[rng.IntN(len(alphabet))]
		}
		in := plainModule + " required\n username=\"u\"\n password=" + quoteJAAS(string(pw)) + ";"
		e, err := ParseJAAS(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if e.Options["password"] != string(pw) {
			t.Fatalf("%q: password %q, want %q", in, e.Options["password"], string(pw))
		}
	}
}

func TestJAASRedacted(t *testing.T) {
	const secret = "TopSecret"
	e, err := ParseJAAS(plainModule + ` required username="alice" password="` + secret + `" clientSecret="` + secret + `";`)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), fmt.Sprintf("%s", e), fmt.Sprintf("%q", e), string(js)} {
		if strings.Contains(s, secret) || !strings.Contains(s, "alice") || !strings.Contains(s, "PlainLoginModule") {
			t.Errorf("printed as %s", s)
		}
	}
	if got := fmt.Sprintf("%#v", e); !strings.HasPrefix(got, "config.JAAS{") {
		t.Errorf("%%#v: %s", got)
	}
	if e.Options["password"] != secret {
		t.Errorf("printing changed the options: %q", e.Options)
	}
}

func FuzzParseJAAS(f *testing.F) {
	f.Add(plainModule + ` required username="u" password="p";`)
	f.Add(plainModule + ` required username='u' password="a\"b\\c\101\477;=" /* c */ x=y // z`)
	f.Add(`a b c=d;e f;`)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseJAAS(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if e.Options == nil || e.LoginModule == "" || e.Flag == "" {
			t.Fatalf("%q: %#v", s, e)
		}
		// Every option, written back quoted, parses back to itself.
		var b strings.Builder
		b.WriteString(e.LoginModule + " " + e.Flag)
		for k, v := range e.Options {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return
			}
			b.WriteString(" " + quoteJAAS(k) + "=" + quoteJAAS(v))
		}
		b.WriteString(";")
		e2, err := ParseJAAS(b.String())
		if err != nil || fmt.Sprint(e2.Options) != fmt.Sprint(e.Options) {
			t.Fatalf("%q: re-parsing %q: %v %v", s, b.String(), e2.Options, err)
		}
	})
}
