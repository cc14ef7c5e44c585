package config

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error that reports a bad configuration: an
// invalid or missing value, a conflict between files, a .properties syntax
// error. errors.Is(err, ErrInvalid) is false for I/O errors such as a
// missing file.
var ErrInvalid = errors.New("invalid configuration")

// keyError is one invalid setting. Its message is
//
//	[file: ]key=value: reason   (the value is redacted for secret keys)
//	[file: ]key: reason         (when the value is not shown, e.g. missing keys)
type keyError struct {
	file      string
	key       string
	value     string // raw; rendered through displayValue
	showValue bool
	reason    string
}

func (e *keyError) Error() string {
	s := e.key
	if e.showValue {
		s += "=" + displayValue(e.key, e.value)
	}
	s += ": " + e.reason
	if e.file != "" {
		s = e.file + ": " + s
	}
	return s
}

func (e *keyError) Unwrap() error { return ErrInvalid }

// Warning is a setting that starcdc accepts but ignores, an unknown key, or
// a likely mistake that does not stop start-up. File is "" for FromMap.
// Message never contains a secret value.
type Warning struct {
	File, Key, Message string
}

// String renders "[file: ]key: message".
func (w Warning) String() string {
	s := w.Key + ": " + w.Message
	if w.File != "" {
		s = w.File + ": " + s
	}
	return s
}

// checker accumulates errors and warnings for one file's keys.
type checker struct {
	file     string
	errs     *[]error
	warnings *[]Warning
}

func (c checker) bad(key, value, format string, args ...any) {
	*c.errs = append(*c.errs, &keyError{file: c.file, key: key, value: value, showValue: true, reason: fmt.Sprintf(format, args...)})
}

func (c checker) badKey(key, format string, args ...any) {
	*c.errs = append(*c.errs, &keyError{file: c.file, key: key, reason: fmt.Sprintf(format, args...)})
}

func (c checker) warn(key, format string, args ...any) {
	*c.warnings = append(*c.warnings, Warning{File: c.file, Key: key, Message: fmt.Sprintf(format, args...)})
}

// invalidError marks an error found outside this package as a
// configuration error: it wraps ErrInvalid without changing the message.
type invalidError struct{ error }

func (e invalidError) Unwrap() []error { return []error{e.error, ErrInvalid} }

// Invalid marks err as an invalid-configuration error (errors.Is(err,
// ErrInvalid) holds) without changing its message; nil stays nil. Packages
// that build components from a validated Config use it for what only they
// can check, such as a converter class or a transform chain, so that the
// commands exit with the usage code for it.
func Invalid(err error) error {
	if err == nil || errors.Is(err, ErrInvalid) {
		return err
	}
	return invalidError{err}
}
