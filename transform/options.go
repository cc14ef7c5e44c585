package transform

// Options of transforms and predicates, read as Kafka's ConfigDef parses
// them (clients' ConfigDef.parseType): STRING values are trimmed; a LIST is
// the trimmed text split on commas with the blanks around them ("" is the
// empty list, "a," is ["a", ""]); a BOOLEAN is true or false in any case;
// an INT is Integer.parseInt of the trimmed text. Kafka's transforms ignore
// keys they do not define, as ConfigDef does.
//
// Debezium's transforms read their options through Debezium's
// Configuration instead: raw (untrimmed) strings, and enumerations
// (EnumeratedValue.parse) matched trimmed and case-insensitively. starcdc's
// Debezium and StarRocks transforms refuse the keys they do not read
// (refuseUnknown), where Java would ignore them.
//
// Every error wraps config.ErrInvalid and names the option; NewChain
// prefixes "transforms.<alias> (<class>): ".

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/starcdc/starcdc/config"
)

// optionError is one bad option: "name=value: reason" or "name: reason"
// (or the reason alone when it is about no one option).
type optionError struct {
	name, value string
	showValue   bool
	reason      string
}

func (e *optionError) Error() string {
	switch {
	case e.showValue:
		return fmt.Sprintf("%s=%s: %s", e.name, e.value, e.reason)
	case e.name == "":
		return e.reason
	}
	return e.name + ": " + e.reason
}

func (e *optionError) Unwrap() error { return config.ErrInvalid }

// options reads one transform's options, remembering which were read, and
// collects their errors.
type options struct {
	props map[string]string
	read  map[string]bool
	errs  []error
}

func newOptions(props map[string]string) *options {
	return &options{props: props, read: map[string]bool{}}
}

// bad records an invalid value of option name.
func (o *options) bad(name, value, format string, a ...any) {
	o.errs = append(o.errs, &optionError{name: name, value: value, showValue: true, reason: fmt.Sprintf(format, a...)})
}

// fail records a problem of option name that is not about one value.
func (o *options) fail(name, format string, a ...any) {
	o.errs = append(o.errs, &optionError{name: name, reason: fmt.Sprintf(format, a...)})
}

// err returns the errors recorded, joined, or nil.
func (o *options) err() error { return errors.Join(o.errs...) }

// refuseUnknown records an error naming the options set but never read
// (starcdc's Debezium and StarRocks transforms; Kafka's ignore them).
func (o *options) refuseUnknown() {
	var unknown []string
	for k := range o.props {
		if !o.read[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return
	}
	slices.Sort(unknown)
	known := slices.Sorted(maps.Keys(o.read))
	o.errs = append(o.errs, &optionError{reason: fmt.Sprintf("unknown option(s) %s; this transform reads %s", strings.Join(unknown, ", "), strings.Join(known, ", "))})
}

// raw returns the option as written (Debezium's Configuration.getString)
// and whether it is set.
func (o *options) raw(name string) (string, bool) {
	o.read[name] = true
	v, ok := o.props[name]
	return v, ok
}

// rawDefault returns the option as written, or def when it is not set.
func (o *options) rawDefault(name, def string) string {
	if v, ok := o.raw(name); ok {
		return v
	}
	return def
}

// str returns the trimmed STRING option and whether it is set.
func (o *options) str(name string) (string, bool) {
	v, ok := o.raw(name)
	return strings.TrimSpace(v), ok
}

// strDefault returns the STRING option, or def when it is not set.
func (o *options) strDefault(name, def string) string {
	if v, ok := o.str(name); ok {
		return v
	}
	return def
}

// required returns a STRING option without default; unset is an error.
func (o *options) required(name string) string {
	v, ok := o.str(name)
	if !ok {
		o.missing(name)
	}
	return v
}

func (o *options) missing(name string) {
	o.fail(name, "missing required configuration, which has no default value")
}

// splitList parses a LIST value as ConfigDef does: the trimmed text split
// on the pattern \s*,\s* with empty entries kept.
func splitList(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return []string{}
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// list returns a LIST option and whether it is set.
func (o *options) list(name string) ([]string, bool) {
	v, ok := o.raw(name)
	if !ok {
		return nil, false
	}
	return splitList(v), true
}

// nonEmptyList returns a required LIST option that must have an entry
// (NonEmptyListValidator).
func (o *options) nonEmptyList(name string) []string {
	l, ok := o.list(name)
	switch {
	case !ok:
		o.missing(name)
	case len(l) == 0:
		o.bad(name, o.props[name], "Empty list")
	}
	return l
}

// boolean returns a BOOLEAN option, or def when it is not set. (Debezium's
// Configuration would read any other text as the default; starcdc refuses
// it there too.)
func (o *options) boolean(name string, def bool) bool {
	v, ok := o.str(name)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	o.bad(name, v, "Expected value to be either true or false")
	return def
}

// integer returns an INT option and whether it is set.
func (o *options) integer(name string) (int32, bool) {
	v, ok := o.str(name)
	if !ok {
		return 0, false
	}
	n, good := javaParseInt(v, 32)
	if !good {
		o.bad(name, v, "Not a number of type INT")
		return 0, false
	}
	return int32(n), true
}

// oneOf checks a STRING option against ConfigDef.ValidString (case
// sensitive).
func (o *options) oneOf(name, v string, valid ...string) bool {
	for _, s := range valid {
		if v == s {
			return true
		}
	}
	o.bad(name, v, "String must be one of: %s", strings.Join(valid, ", "))
	return false
}

// enumFold reads an option that must be one of values, compared trimmed
// and case-insensitively (Kafka's CaseInsensitiveValidString, Debezium's
// EnumeratedValue.parse), and returns it in the spelling of values; def
// when it is not set.
func (o *options) enumFold(name, def string, values ...string) string {
	v, ok := o.raw(name)
	if !ok {
		return def
	}
	for _, e := range values {
		if strings.EqualFold(strings.TrimSpace(v), e) {
			return e
		}
	}
	o.bad(name, v, "String must be one of (case insensitive): %s", strings.Join(values, ", "))
	return def
}

// refuse reads an option starcdc does not support, refusing it when set.
func (o *options) refuse(name, why string) {
	if v, ok := o.raw(name); ok {
		o.bad(name, v, "%s", why)
	}
}

// replaceNullWithDefault reads replace.null.with.default (KIP-1040, Kafka
// 3.9; default true). Before 3.9 the option did not exist and the
// transforms always read a null field as its schema's default.
func (o *options) replaceNullWithDefault() bool {
	return o.boolean("replace.null.with.default", true)
}
