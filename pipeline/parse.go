package pipeline

import (
	"fmt"
	"strings"
	"unicode"
)

// ParsedLaunch is the syntax tree of a launch description, as returned by
// ParseLaunch. It records what the text says; whether factories, properties,
// references and pads exist is for the caller to check.
type ParsedLaunch struct {
	Elements []*ParsedElement // in order of appearance
	Links    []ParsedLink     // in order of appearance of their '!'
}

// ParsedElement is one element of a launch description. A caps string item
// yields an element with Factory "capsfilter" and a single "caps" property.
type ParsedElement struct {
	Factory string       // factory name, e.g. "queue"
	Name    string       // value of the name property, "" if none
	Props   []ParsedProp // properties in order, name excluded
	Col     int          // 1-based column, in runes, of the factory name
}

// ParsedProp is one key=value property of an element.
type ParsedProp struct {
	Key   string // property name
	Value string // value, unquoted and unescaped
	Col   int    // 1-based column, in runes, of the key
}

// ParsedLink is a link, written '!', between two items of a chain.
type ParsedLink struct {
	Src, Sink LinkEnd
	Col       int // 1-based column, in runes, of the '!'
}

// LinkEnd is one end of a ParsedLink: an element of the description, or a
// reference by name (such as "t." or "m.sink_0") to an element that may be
// defined before or after it.
type LinkEnd struct {
	Elem int    // index into Elements, or -1 for a reference by name
	Ref  string // referenced element name, "" unless Elem is -1
	Pad  string // pad name, "" for any compatible pad
	Col  int    // 1-based column, in runes, of the item
}

// LaunchError is a syntax error at a position of a launch description.
type LaunchError struct {
	Desc string // the whole description
	Col  int    // 1-based column, in runes, of the offending token
	Msg  string // what is wrong
}

// Error returns the message followed by the description and a caret under
// the offending column.
func (e *LaunchError) Error() string {
	rs := []rune(e.Desc)
	var line, caret strings.Builder
	for _, r := range rs {
		if r != '\t' && (unicode.IsSpace(r) || unicode.IsControl(r)) {
			r = ' '
		}
		line.WriteRune(r)
	}
	for i := 0; i < e.Col-1 && i <= len(rs); i++ {
		if i < len(rs) && rs[i] == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	return fmt.Sprintf("launch: column %d: %s\n  %s\n  %s^", e.Col, e.Msg, line.String(), caret.String())
}

// launchParser holds the state of one ParseLaunch call.
type launchParser struct {
	desc    string
	rs      []rune
	pos     int // index into rs of the next rune to scan
	out     *ParsedLaunch
	prev    LinkEnd         // last item, the source of a pending link
	hasPrev bool            // whether prev is set
	bang    int             // column of a '!' awaiting its sink, 0 if none
	cur     *ParsedElement  // element that following properties belong to
	names   map[string]bool // element names given so far
}

// ParseLaunch parses a launch description in the syntax of gst-launch-1.0,
// such as "videotestsrc ! tee name=t t. ! queue ! fakesink t. ! fakesink",
// into a ParsedLaunch. A syntax error is returned as a *LaunchError.
func ParseLaunch(desc string) (*ParsedLaunch, error) {
	p := &launchParser{
		desc:  desc,
		rs:    []rune(desc),
		out:   &ParsedLaunch{},
		names: make(map[string]bool),
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.out, nil
}

func (p *launchParser) errAt(col int, format string, args ...any) error {
	return &LaunchError{Desc: p.desc, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// parse scans the description token by token: '!' or a word.
func (p *launchParser) parse() error {
	for {
		for p.pos < len(p.rs) && unicode.IsSpace(p.rs[p.pos]) {
			p.pos++
		}
		if p.pos >= len(p.rs) {
			break
		}
		if p.rs[p.pos] == '!' {
			p.pos++
			if err := p.link(p.pos); err != nil {
				return err
			}
			continue
		}
		start := p.pos
		if err := p.scanWord(); err != nil {
			return err
		}
		if err := p.word(p.rs[start:p.pos], start+1); err != nil {
			return err
		}
	}
	if !p.hasPrev {
		return p.errAt(1, "empty description")
	}
	if p.bang != 0 {
		return p.errAt(p.bang, "'!' at end of description, expected an element after it")
	}
	return nil
}

// link records a '!' at column col.
func (p *launchParser) link(col int) error {
	if !p.hasPrev {
		return p.errAt(col, "'!' at start of description, expected an element before it")
	}
	if p.bang != 0 {
		return p.errAt(col, "doubled '!', expected an element between")
	}
	p.bang, p.cur = col, nil
	return nil
}

// scanWord advances p.pos to the end of the word that starts there: the
// next whitespace or '!' outside quotes. Backslash escapes the next rune.
func (p *launchParser) scanWord() error {
	quote, qcol := rune(0), 0
	for ; p.pos < len(p.rs); p.pos++ {
		r := p.rs[p.pos]
		switch {
		case r == '\\':
			if p.pos+1 < len(p.rs) {
				p.pos++
			}
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote, qcol = r, p.pos+1
		case r == '!' || unicode.IsSpace(r):
			return nil
		}
	}
	if quote != 0 {
		return p.errAt(qcol, "unterminated quote")
	}
	return nil
}

// word classifies and handles the word w at column col.
func (p *launchParser) word(w []rune, col int) error {
	switch {
	case w[0] == '"' || w[0] == '\'':
		caps := strings.TrimSpace(unquote(w))
		if !isCaps([]rune(caps)) {
			return p.errAt(col, "quoted item %q is not a caps string", caps)
		}
		p.caps(caps, col)
		return nil
	case isCaps(w):
		p.caps(string(w), col)
		return nil
	case runeIndex(w, '=') >= 0:
		return p.prop(w, runeIndex(w, '='), col)
	case runeIndex(w, '.') >= 0:
		return p.ref(w, runeIndex(w, '.'), col)
	}
	if i := invalidRune(w, isNameRune); i >= 0 {
		return p.errAt(col+i, "invalid character %q in factory name", w[i])
	}
	el := &ParsedElement{Factory: string(w), Col: col}
	p.out.Elements = append(p.out.Elements, el)
	p.item(LinkEnd{Elem: len(p.out.Elements) - 1, Col: col})
	p.cur = el
	return nil
}

// item adds an item to the current chain, linking it to the previous item
// if a '!' is pending.
func (p *launchParser) item(end LinkEnd) {
	if p.bang != 0 {
		p.out.Links = append(p.out.Links, ParsedLink{Src: p.prev, Sink: end, Col: p.bang})
		p.bang = 0
	}
	p.prev, p.hasPrev, p.cur = end, true, nil
}

// caps adds a capsfilter element for the caps string caps at column col.
func (p *launchParser) caps(caps string, col int) {
	el := &ParsedElement{
		Factory: "capsfilter",
		Props:   []ParsedProp{{Key: "caps", Value: caps, Col: col}},
		Col:     col,
	}
	p.out.Elements = append(p.out.Elements, el)
	p.item(LinkEnd{Elem: len(p.out.Elements) - 1, Col: col})
}

// ref handles the reference w, "name." or "name.pad", whose dot is at w[dot].
func (p *launchParser) ref(w []rune, dot, col int) error {
	if dot == 0 {
		return p.errAt(col, "reference with an empty element name")
	}
	if i := invalidRune(w[:dot], isNameRune); i >= 0 {
		return p.errAt(col+i, "invalid character %q in element name", w[i])
	}
	pad := w[dot+1:]
	if i := invalidRune(pad, isPadRune); i >= 0 {
		return p.errAt(col+dot+1+i, "invalid character %q in pad name", pad[i])
	}
	p.item(LinkEnd{Elem: -1, Ref: string(w[:dot]), Pad: string(pad), Col: col})
	return nil
}

// prop handles the property w, "key=value", whose first '=' is at w[eq].
func (p *launchParser) prop(w []rune, eq, col int) error {
	key := string(w[:eq])
	switch {
	case eq == 0:
		return p.errAt(col, "'=' without a property name")
	case invalidRune(w[:eq], isNameRune) >= 0:
		i := invalidRune(w[:eq], isNameRune)
		return p.errAt(col+i, "invalid character %q in property name", w[i])
	case eq == len(w)-1:
		return p.errAt(col+eq, "missing value for property %q", key)
	case p.cur == nil:
		return p.errAt(col, "property %q does not follow an element factory", key)
	}
	value := unquote(w[eq+1:])
	if key != "name" {
		p.cur.Props = append(p.cur.Props, ParsedProp{Key: key, Value: value, Col: col})
		return nil
	}
	switch {
	case p.cur.Name != "":
		return p.errAt(col, "name given twice for element %q", p.cur.Factory)
	case value == "":
		return p.errAt(col, "empty element name")
	case p.names[value]:
		return p.errAt(col, "element name %q used twice", value)
	}
	p.cur.Name = value
	p.names[value] = true
	return nil
}

// unquote removes the quotes from w and resolves its backslash escapes.
func unquote(w []rune) string {
	var b strings.Builder
	quote := rune(0)
	for i := 0; i < len(w); i++ {
		r := w[i]
		switch {
		case r == '\\' && i+1 < len(w):
			i++
			b.WriteRune(w[i])
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isCaps reports whether w starts with a media type "type/...", which makes
// it a caps string.
func isCaps(w []rune) bool {
	for i, r := range w {
		if r == '/' {
			return i > 0 && i+1 < len(w)
		}
		if !isNameRune(r) {
			return false
		}
	}
	return false
}

// isNameRune reports whether r may appear in a factory, element or property
// name.
func isNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '-' || r == '_'
}

// isPadRune reports whether r may appear in a pad name such as "src_%u".
func isPadRune(r rune) bool {
	return isNameRune(r) || r == '%'
}

// invalidRune returns the index of the first rune of w that ok rejects, or -1.
func invalidRune(w []rune, ok func(rune) bool) int {
	for i, r := range w {
		if !ok(r) {
			return i
		}
	}
	return -1
}

// runeIndex returns the index of the first r in w, or -1.
func runeIndex(w []rune, r rune) int {
	for i, c := range w {
		if c == r {
			return i
		}
	}
	return -1
}
