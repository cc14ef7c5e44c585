package transform

// Java regular expressions (java.util.regex.Pattern) on Go's RE2, for
// RegexRouter and TopicNameMatches. Connect uses Matcher.matches (the whole
// topic must match) and Matcher.replaceFirst with Java's replacement syntax
// ($1, ${name}, \$). The common syntax means the same in both engines; the
// Java features RE2 lacks (backreferences, lookaround, atomic groups,
// possessive quantifiers, class unions and intersections, and the flags
// d, u, x, U, whose U means "ungreedy" in Go) are refused when the pattern
// is configured instead of being read differently. Known remaining
// differences, irrelevant to topic names: Java's '.' also excludes \r,
// \u0085, \u2028 and \u2029, and its '$' also matches before a final line
// terminator.

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
		return fmt.Errorf("the Java regex feature %s is not supported by starcdc (Go's RE2 engine)", what)
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

// replaceFirst is Matcher.replaceFirst(repl) on s: the first match of the
// pattern (leftmost, Java's alternation order) is replaced by repl
// expanded with Java's rules.
func (r *javaRegex) replaceFirst(s, repl string) (string, error) {
	m := r.find.FindStringSubmatchIndex(s)
	if m == nil {
		return s, nil
	}
	var b strings.Builder
	b.WriteString(s[:m[0]])
	if err := r.expand(&b, repl, s, m); err != nil {
		return "", err
	}
	b.WriteString(s[m[1]:])
	return b.String(), nil
}

// expand appends repl with its group references resolved, as
// Matcher.appendReplacement does: "\x" is x; "$n" takes as many digits as
// still name a group; "${name}" is a named group; a group that did not
// take part in the match appends nothing.
func (r *javaRegex) expand(b *strings.Builder, repl, s string, m []int) error {
	groups := r.find.NumSubexp()
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch c {
		case '\\':
			i++
			if i >= len(repl) {
				return fmt.Errorf("character to be escaped is missing")
			}
			b.WriteByte(repl[i])
			continue
		case '$':
		default:
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(repl) {
			return fmt.Errorf("Illegal group reference: group index is missing")
		}
		ref := -1
		if repl[i] == '{' {
			end := strings.IndexByte(repl[i+1:], '}')
			if end < 0 {
				return fmt.Errorf("named capturing group is missing trailing '}'")
			}
			name := repl[i+1 : i+1+end]
			if name == "" {
				return fmt.Errorf("named capturing group has 0 length name")
			}
			ref = r.find.SubexpIndex(name)
			if ref < 0 {
				return fmt.Errorf("No group with name {%s}", name)
			}
			i += 1 + end
		} else {
			if repl[i] < '0' || repl[i] > '9' {
				return fmt.Errorf("Illegal group reference")
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
				return fmt.Errorf("No group %d", ref)
			}
		}
		if m[2*ref] >= 0 {
			b.WriteString(s[m[2*ref]:m[2*ref+1]])
		}
	}
	return nil
}
