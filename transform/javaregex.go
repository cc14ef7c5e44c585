package transform

// Java regular expressions (java.util.regex.Pattern) on Go's RE2, for
// RegexRouter, TopicNameMatches, ByLogicalTableRouter and the outbox
// EventRouter's routing, and Java's String.split. Connect uses
// Matcher.matches (the whole topic must match) and Matcher.replaceFirst
// with Java's replacement syntax ($1, ${name}, \$). The common syntax means
// the same in both engines; the Java features RE2 lacks (backreferences,
// lookaround, atomic groups, possessive quantifiers, class unions and
// intersections, \v, \h and \R, and the flags d, u, x, U, whose U means
// "ungreedy" in Go) are refused when the pattern is configured instead of
// being read differently. Known remaining differences, irrelevant to topic
// names: Java's '.' also excludes \r, \u0085, \u2028 and \u2029, and its '$'
// also matches before a final line terminator.

import (
	"fmt"
	"regexp"
	"strings"
)

// javaRegex is a compiled Java pattern.
type javaRegex struct {
	pattern string
	full    *regexp.Regexp // \A(?:pattern)\z: Matcher.matches
	find    *regexp.Regexp // pattern: Matcher.find
}

// compileJavaRegex compiles a Java pattern, or says why RE2 cannot run it.
func compileJavaRegex(p string) (*javaRegex, error) {
	if err := checkJavaRegex(p); err != nil {
		return nil, err
	}
	find, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("not a regular expression starcdc can run: %v", err)
	}
	full, err := regexp.Compile(`\A(?:` + p + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("not a regular expression starcdc can run: %v", err)
	}
	return &javaRegex{pattern: p, full: full, find: find}, nil
}

// checkJavaRegex refuses the Java constructs RE2 lacks or reads
// differently.
func checkJavaRegex(p string) error {
	unsupported := func(what string) error {
		return fmt.Errorf("the Java regex feature %s cannot be run exactly by starcdc (Go's RE2 engine)", what)
	}
	inClass := false
	prevQuant := false // the previous token was a quantifier
	for i := 0; i < len(p); i++ {
		c := p[i]
		quant := false
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				return nil // RE2 reports the trailing backslash
			}
			n := p[i+1]
			switch {
			case n == 'Q':
				end := strings.Index(p[i+2:], `\E`)
				if end < 0 {
					return nil
				}
				i += 2 + end + 1
				continue
			case !inClass && n >= '1' && n <= '9', n == 'k':
				return unsupported("backreference \\" + string(n))
			case n == 'v', n == 'h', n == 'R':
				// Java: vertical / horizontal whitespace, any line break;
				// RE2: \v is only VT, \h and \R do not exist.
				return unsupported("\\" + string(n))
			}
			i++
		case inClass:
			switch {
			case c == ']':
				inClass = false
			case c == '[':
				return unsupported("nested character class (union) '['")
			case c == '&' && i+1 < len(p) && p[i+1] == '&':
				return unsupported("character class intersection '&&'")
			}
		case c == '[':
			inClass = true
			if i+1 < len(p) && p[i+1] == '^' {
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' { // a leading ']' is literal
				i++
			}
		case c == '(' && i+1 < len(p) && p[i+1] == '?':
			rest := p[i+2:]
			switch {
			case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"),
				strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
				return unsupported("lookaround (?" + rest[:1] + "...)")
			case strings.HasPrefix(rest, ">"):
				return unsupported("atomic group (?>...)")
			case strings.HasPrefix(rest, "<"):
			default:
				for j := 0; j < len(rest) && rest[j] != ')' && rest[j] != ':'; j++ {
					if strings.IndexByte("duxUc", rest[j]) >= 0 {
						return unsupported(fmt.Sprintf("flag %c", rest[j]))
					}
				}
			}
		case c == '*' || c == '+' || c == '?':
			if prevQuant && c == '+' {
				return unsupported("possessive quantifier")
			}
			quant = !prevQuant // after a quantifier, '?' makes it lazy
		case c == '}':
			quant = true
		}
		prevQuant = quant
	}
	return nil
}

// matches is Matcher.matches: the whole of s matches.
func (r *javaRegex) matches(s string) bool { return r.full.MatchString(s) }

// javaReplacement is a Matcher replacement string parsed for one pattern:
// literal text and group references.
type javaReplacement struct {
	parts []replacementPart
}

type replacementPart struct {
	lit   string
	group int // -1 for literal text
}

// parseReplacement parses repl as Matcher.appendReplacement reads it for
// this pattern: "\x" is x; "$n" takes as many digits as still name a
// group; "${name}" is a named group. The errors are Java's, which it
// raises on the first record the replacement is applied to.
func (r *javaRegex) parseReplacement(repl string) (javaReplacement, error) {
	var out javaReplacement
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out.parts = append(out.parts, replacementPart{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	groups := r.find.NumSubexp()
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch c {
		case '\\':
			i++
			if i >= len(repl) {
				return out, fmt.Errorf("character to be escaped is missing")
			}
			lit.WriteByte(repl[i])
			continue
		case '$':
		default:
			lit.WriteByte(c)
			continue
		}
		i++
		if i >= len(repl) {
			return out, fmt.Errorf("Illegal group reference: group index is missing")
		}
		var ref int
		if repl[i] == '{' {
			start := i + 1
			end := start
			for end < len(repl) && isASCIIAlnum(repl[end]) {
				end++
			}
			name := repl[start:end]
			switch {
			case name == "":
				return out, fmt.Errorf("named capturing group has 0 length name")
			case end >= len(repl) || repl[end] != '}':
				return out, fmt.Errorf("named capturing group is missing trailing '}'")
			case name[0] >= '0' && name[0] <= '9':
				return out, fmt.Errorf("capturing group name {%s} starts with digit character", name)
			}
			if ref = r.find.SubexpIndex(name); ref < 0 {
				return out, fmt.Errorf("No group with name {%s}", name)
			}
			i = end
		} else {
			if repl[i] < '0' || repl[i] > '9' {
				return out, fmt.Errorf("Illegal group reference")
			}
			ref = int(repl[i] - '0')
			for i+1 < len(repl) && repl[i+1] >= '0' && repl[i+1] <= '9' {
				next := ref*10 + int(repl[i+1]-'0')
				if next > groups {
					break
				}
				ref = next
				i++
			}
			if ref > groups {
				return out, fmt.Errorf("No group %d (there is no group %d in the regex %s)", ref, ref, r.pattern)
			}
		}
		flush()
		out.parts = append(out.parts, replacementPart{group: ref})
	}
	flush()
	return out, nil
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// replaceFirst is Matcher.replaceFirst on s: the first match of the
// pattern (leftmost, Java's alternation order, which RE2 shares) is
// replaced by repl; a group that did not take part in the match appends
// nothing.
func (r *javaRegex) replaceFirst(s string, repl javaReplacement) string {
	m := r.find.FindStringSubmatchIndex(s)
	if m == nil {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:m[0]])
	for _, p := range repl.parts {
		switch {
		case p.group < 0:
			b.WriteString(p.lit)
		case m[2*p.group] >= 0:
			b.WriteString(s[m[2*p.group]:m[2*p.group+1]])
		}
	}
	b.WriteString(s[m[1]:])
	return b.String()
}

// javaSplit is String.split(sep) (and Pattern.split) for a literal
// separator: trailing empty strings are removed ("a:" is ["a"], ":" is []),
// "" is [""].
func javaSplit(s, sep string) []string {
	if s == "" {
		return []string{""}
	}
	return dropTrailingEmpty(strings.Split(s, sep))
}

// javaSplitRegex is String.split(regex) for a pattern that cannot match
// the empty string.
func javaSplitRegex(re *regexp.Regexp, s string) []string {
	if s == "" {
		return []string{""}
	}
	return dropTrailingEmpty(re.Split(s, -1))
}

// dropTrailingEmpty removes the trailing empty strings of a split; when the
// separator never matched the one part stays (Java returns the input).
func dropTrailingEmpty(parts []string) []string {
	if len(parts) == 1 {
		return parts
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}
