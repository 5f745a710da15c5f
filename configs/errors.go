package configs

import (
	"fmt"
	"strings"
)

// Error is a problem with one place in a configuration file. Its text is
// "file:line: key=value: message", the parts that are unknown left out.
type Error struct {
	File  string // file name as given to the parser
	Line  int    // 1-based line, or 0 when the problem has no single line
	Key   string // the key, or "" for a syntax or file-level problem
	Value string // the value given
	Msg   string // what is wrong, or what is allowed
}

// Error returns "file:line: key=value: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		if e.Line > 0 || e.Value != "" {
			b.WriteString("=" + e.Value)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every error found in one file, in line order. Parsers
// return it rather than the first error so that one run shows them all.
type ErrorList []*Error

// Error returns the errors one per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the errors, for errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// err returns l as an error, nil when empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Warning is something a parser accepted but that may not do what the
// author meant, e.g. an unknown key (a typo, or a key of a newer
// DeepStream that dsgo ignores).
type Warning struct {
	File string // file name as given to the parser
	Line int    // 1-based line
	Key  string // the key concerned
	Msg  string // what was ignored and why
}

// String returns "file:line: key: message".
func (w Warning) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", w.File, w.Line, w.Key, w.Msg)
}
