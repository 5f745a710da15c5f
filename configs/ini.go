package configs

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// keyFile is a parsed GLib key file (the INI dialect DeepStream reads with
// GKeyFile): groups in brackets, case-sensitive "key=value" lines, full-line
// '#' comments. Every key remembers the line it was set on, so that errors
// can name it. A key set twice keeps the last value, as GKeyFile does.
type keyFile struct {
	name   string
	groups []*group // in order of first appearance
}

// group is one [section] of a key file.
type group struct {
	name string
	line int
	keys []entry // in order of first appearance
}

// entry is one key=value line.
type entry struct {
	key, value string
	line       int
}

// lookup returns the group called name, or nil.
func (f *keyFile) lookup(name string) *group {
	for _, g := range f.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

// maxLine bounds a line so that a corrupt or binary file fails cleanly.
const maxLine = 1 << 20

// readKeyFile parses r. Errors name the file and line.
func readKeyFile(name string, r io.Reader) (*keyFile, error) {
	f := &keyFile{name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var cur *group
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		switch {
		case line == "" || line[0] == '#':
			continue
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end < 0 || end != len(line)-1 || end == 1 {
				return nil, &Error{File: name, Line: n, Msg: fmt.Sprintf("invalid group header %q", line)}
			}
			gname := line[1:end]
			if cur = f.lookup(gname); cur == nil {
				cur = &group{name: gname, line: n}
				f.groups = append(f.groups, cur)
			}
		default:
			eq := strings.IndexByte(line, '=')
			if eq < 0 {
				return nil, &Error{File: name, Line: n, Msg: fmt.Sprintf("line %q is not a key=value pair, group or comment", line)}
			}
			if cur == nil {
				return nil, &Error{File: name, Line: n, Msg: "key before the first [group]"}
			}
			key := strings.TrimSpace(line[:eq])
			if key == "" {
				return nil, &Error{File: name, Line: n, Msg: fmt.Sprintf("line %q has no key", line)}
			}
			cur.set(key, strings.TrimSpace(line[eq+1:]), n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

// set stores key=value, replacing an earlier value of the same key.
func (g *group) set(key, value string, line int) {
	for i := range g.keys {
		if g.keys[i].key == key {
			g.keys[i].value, g.keys[i].line = value, line
			return
		}
	}
	g.keys = append(g.keys, entry{key: key, value: value, line: line})
}

// splitList splits a GKeyFile list: ';'-separated, a trailing ';' allowed,
// items trimmed of spaces.
func splitList(v string) []string {
	v = strings.TrimSuffix(strings.TrimSpace(v), ";")
	if v == "" {
		return nil
	}
	parts := strings.Split(v, ";")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
