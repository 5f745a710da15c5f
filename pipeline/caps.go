package pipeline

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// CapsFeatureCUDA is the caps feature of buffers whose frames live in GPU
// memory, as DeepStream's memory:NVMM: `video/x-raw(memory:CUDA),format=NV12`.
const CapsFeatureCUDA = "memory:CUDA"

// Fraction is a rational number such as a frame rate (30000/1001).
type Fraction struct{ Num, Den int }

// IntRange is an inclusive range of integers, written [min,max].
type IntRange struct{ Min, Max int }

// FractionRange is an inclusive range of fractions.
type FractionRange struct{ Min, Max Fraction }

// ValueList is a set of alternatives, written {a,b,c}; any one of them is allowed.
type ValueList []any

// Field is one named value of a caps structure. Values are int, float64,
// string, bool, Fraction, IntRange, FractionRange or ValueList.
type Field struct {
	Name  string
	Value any
}

// Structure is one media type with its features and fields, such as
// `video/x-raw(memory:CUDA),format=NV12,width=1920`. It is also the payload
// of custom events and element messages.
type Structure struct {
	Name     string
	Features []string // sorted; empty means system memory
	Fields   []Field
}

// NewStructure returns a structure with the given name and fields given as
// name, value pairs.
func NewStructure(name string, kv ...any) *Structure {
	s := &Structure{Name: name}
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].(string)
		s.Set(k, kv[i+1])
	}
	return s
}

// Get returns the value of a field.
func (s *Structure) Get(name string) (any, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// Int returns an integer field.
func (s *Structure) Int(name string) (int, bool) {
	v, ok := s.Get(name)
	i, ok2 := v.(int)
	return i, ok && ok2
}

// String returns a string field's value; see also Structure.Text for the
// whole structure as text.
func (s *Structure) Str(name string) (string, bool) {
	v, ok := s.Get(name)
	t, ok2 := v.(string)
	return t, ok && ok2
}

// Set sets a field, replacing one of the same name.
func (s *Structure) Set(name string, v any) {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			s.Fields[i].Value = v
			return
		}
	}
	s.Fields = append(s.Fields, Field{name, v})
}

// HasFeature reports whether the structure carries a caps feature.
func (s *Structure) HasFeature(f string) bool {
	for _, x := range s.Features {
		if x == f {
			return true
		}
	}
	return false
}

// Copy returns a deep copy.
func (s *Structure) Copy() *Structure {
	c := &Structure{Name: s.Name, Features: append([]string(nil), s.Features...)}
	c.Fields = append([]Field(nil), s.Fields...)
	return c
}

// IsFixed reports whether every field holds one value (no range or list).
func (s *Structure) IsFixed() bool {
	for _, f := range s.Fields {
		switch f.Value.(type) {
		case IntRange, FractionRange, ValueList:
			return false
		}
	}
	return true
}

// Caps describe the media a pad can handle: ANY, EMPTY, or a list of
// structures, any of which is acceptable.
type Caps struct {
	any        bool
	Structures []*Structure
}

// NewAnyCaps returns caps that accept everything.
func NewAnyCaps() *Caps { return &Caps{any: true} }

// NewEmptyCaps returns caps that accept nothing.
func NewEmptyCaps() *Caps { return &Caps{} }

// NewCaps returns caps made of the given structures.
func NewCaps(s ...*Structure) *Caps { return &Caps{Structures: s} }

// MustParseCaps is ParseCaps for constant caps in element templates; it
// panics on a syntax error, which is a programming error there.
func MustParseCaps(s string) *Caps {
	c, err := ParseCaps(s)
	if err != nil {
		panic(err)
	}
	return c
}

// IsAny reports whether the caps accept anything.
func (c *Caps) IsAny() bool { return c != nil && c.any }

// IsEmpty reports whether the caps accept nothing.
func (c *Caps) IsEmpty() bool { return c == nil || (!c.any && len(c.Structures) == 0) }

// IsFixed reports whether the caps are one structure with one value per field.
func (c *Caps) IsFixed() bool {
	return c != nil && !c.any && len(c.Structures) == 1 && c.Structures[0].IsFixed()
}

// Copy returns a deep copy.
func (c *Caps) Copy() *Caps {
	if c == nil {
		return nil
	}
	n := &Caps{any: c.any}
	for _, s := range c.Structures {
		n.Structures = append(n.Structures, s.Copy())
	}
	return n
}

// Intersect returns the caps allowed by both c and o.
func (c *Caps) Intersect(o *Caps) *Caps {
	switch {
	case c == nil || o == nil:
		return NewEmptyCaps()
	case c.any:
		return o.Copy()
	case o.any:
		return c.Copy()
	}
	out := &Caps{}
	for _, a := range c.Structures {
		for _, b := range o.Structures {
			if s := intersectStructure(a, b); s != nil {
				out.Structures = append(out.Structures, s)
			}
		}
	}
	return out
}

// CanIntersect reports whether some media is allowed by both c and o.
func (c *Caps) CanIntersect(o *Caps) bool { return !c.Intersect(o).IsEmpty() }

// IsSubset reports whether everything c allows is allowed by o.
func (c *Caps) IsSubset(o *Caps) bool {
	if o.IsAny() {
		return true
	}
	if c.IsAny() || c == nil || o == nil {
		return false
	}
	for _, a := range c.Structures {
		found := false
		for _, b := range o.Structures {
			if structureSubset(a, b) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Fixate returns fixed caps chosen from c: the first structure, the first
// value of each list, the minimum of each range.
func (c *Caps) Fixate() *Caps {
	if c.IsEmpty() || c.any {
		return c.Copy()
	}
	s := c.Structures[0].Copy()
	for i := range s.Fields {
		s.Fields[i].Value = fixateValue(s.Fields[i].Value)
	}
	return NewCaps(s)
}

func fixateValue(v any) any {
	switch t := v.(type) {
	case IntRange:
		return t.Min
	case FractionRange:
		return t.Min
	case ValueList:
		if len(t) > 0 {
			return fixateValue(t[0])
		}
	}
	return v
}

// String returns the caps in the textual form ParseCaps reads.
func (c *Caps) String() string {
	switch {
	case c == nil || (!c.any && len(c.Structures) == 0):
		return "EMPTY"
	case c.any:
		return "ANY"
	}
	parts := make([]string, len(c.Structures))
	for i, s := range c.Structures {
		parts[i] = s.Text()
	}
	return strings.Join(parts, "; ")
}

// Text returns the structure in caps syntax.
func (s *Structure) Text() string {
	var b strings.Builder
	b.WriteString(s.Name)
	if len(s.Features) > 0 {
		b.WriteString("(" + strings.Join(s.Features, ", ") + ")")
	}
	for _, f := range s.Fields {
		b.WriteString(", " + f.Name + "=" + valueString(f.Value))
	}
	return b.String()
}

func valueString(v any) string {
	switch t := v.(type) {
	case string:
		if needsQuotes(t) {
			return strconv.Quote(t)
		}
		return t
	case int:
		return strconv.Itoa(t)
	case float64:
		s := strconv.FormatFloat(t, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEIN") { // not 1e9, +Inf or NaN
			s += ".0"
		}
		return s
	case bool:
		return strconv.FormatBool(t)
	case Fraction:
		return fmt.Sprintf("%d/%d", t.Num, t.Den)
	case IntRange:
		return fmt.Sprintf("[%d, %d]", t.Min, t.Max)
	case FractionRange:
		return fmt.Sprintf("[%s, %s]", valueString(t.Min), valueString(t.Max))
	case ValueList:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = valueString(x)
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return fmt.Sprint(v)
}

// needsQuotes reports whether a string value must be quoted to read back
// as the same string: it is empty, holds a delimiter or blank, or reads as
// another type (5, 1.5, 30/1, true).
func needsQuotes(s string) bool {
	if s == "" || strings.ContainsAny(s, " ,;=[]{}()\"'\t\n") {
		return true
	}
	v, err := scalarValue(s, "")
	return err != nil || v != any(s)
}

func sameFeatures(a, b *Structure) bool {
	if len(a.Features) != len(b.Features) {
		return false
	}
	for i := range a.Features {
		if a.Features[i] != b.Features[i] {
			return false
		}
	}
	return true
}

func intersectStructure(a, b *Structure) *Structure {
	if a.Name != b.Name || !sameFeatures(a, b) {
		return nil
	}
	out := &Structure{Name: a.Name, Features: append([]string(nil), a.Features...)}
	for _, f := range a.Fields {
		if bv, ok := b.Get(f.Name); ok {
			v, ok := intersectValue(f.Value, bv)
			if !ok {
				return nil
			}
			out.Fields = append(out.Fields, Field{f.Name, v})
		} else {
			out.Fields = append(out.Fields, f)
		}
	}
	for _, f := range b.Fields {
		if _, ok := a.Get(f.Name); !ok {
			out.Fields = append(out.Fields, f)
		}
	}
	return out
}

func structureSubset(a, b *Structure) bool {
	if a.Name != b.Name || !sameFeatures(a, b) {
		return false
	}
	for _, f := range b.Fields {
		av, ok := a.Get(f.Name)
		if !ok || !valueSubset(av, f.Value) {
			return false
		}
	}
	return true
}

// fracCmp compares fractions by cross multiplication; parseFraction keeps
// denominators positive.
func fracCmp(a, b Fraction) int {
	l, r := int64(a.Num)*int64(b.Den), int64(b.Num)*int64(a.Den)
	switch {
	case l < r:
		return -1
	case l > r:
		return 1
	}
	return 0
}

func intersectValue(a, b any) (any, bool) {
	if l, ok := a.(ValueList); ok {
		return intersectList(l, b)
	}
	if l, ok := b.(ValueList); ok {
		return intersectList(l, a)
	}
	switch x := a.(type) {
	case IntRange:
		switch y := b.(type) {
		case int:
			return y, y >= x.Min && y <= x.Max
		case IntRange:
			lo, hi := max(x.Min, y.Min), min(x.Max, y.Max)
			if lo > hi {
				return nil, false
			}
			if lo == hi {
				return lo, true
			}
			return IntRange{lo, hi}, true
		}
		return nil, false
	case FractionRange:
		switch y := b.(type) {
		case Fraction:
			return y, fracCmp(y, x.Min) >= 0 && fracCmp(y, x.Max) <= 0
		case FractionRange:
			lo, hi := x.Min, x.Max
			if fracCmp(y.Min, lo) > 0 {
				lo = y.Min
			}
			if fracCmp(y.Max, hi) < 0 {
				hi = y.Max
			}
			if fracCmp(lo, hi) > 0 {
				return nil, false
			}
			return FractionRange{lo, hi}, true
		}
		return nil, false
	}
	switch b.(type) {
	case IntRange, FractionRange:
		return intersectValue(b, a)
	}
	if f, ok := a.(Fraction); ok {
		g, ok := b.(Fraction)
		return f, ok && fracCmp(f, g) == 0
	}
	return a, a == b
}

func intersectList(l ValueList, b any) (any, bool) {
	var out ValueList
	for _, x := range l {
		if v, ok := intersectValue(x, b); ok {
			if sub, isList := v.(ValueList); isList {
				out = append(out, sub...)
			} else {
				out = append(out, v)
			}
		}
	}
	switch len(out) {
	case 0:
		return nil, false
	case 1:
		return out[0], true
	}
	return out, true
}

func valueSubset(a, b any) bool {
	if l, ok := a.(ValueList); ok {
		for _, x := range l {
			if !valueSubset(x, b) {
				return false
			}
		}
		return true
	}
	if l, ok := b.(ValueList); ok {
		for _, y := range l {
			if valueSubset(a, y) {
				return true
			}
		}
		return false
	}
	switch x := a.(type) {
	case IntRange:
		y, ok := b.(IntRange)
		return ok && x.Min >= y.Min && x.Max <= y.Max
	case FractionRange:
		y, ok := b.(FractionRange)
		return ok && fracCmp(x.Min, y.Min) >= 0 && fracCmp(x.Max, y.Max) <= 0
	}
	v, ok := intersectValue(a, b)
	if !ok {
		return false
	}
	if f, isF := a.(Fraction); isF {
		g, _ := v.(Fraction)
		return fracCmp(f, g) == 0
	}
	return v == a
}

// ParseCaps reads caps in GStreamer's syntax: `ANY`, `EMPTY`, or structures
// separated by `;`, each `media/type(feature, ...), field=value, ...` where a
// value is an int, float, fraction (30/1), bool, string ("quoted" if needed),
// range [min, max], list {a, b}, optionally typed as (int)5 or (string)x.
func ParseCaps(s string) (*Caps, error) {
	p := &capsParser{src: s}
	return p.parse()
}

type capsParser struct {
	src string
	pos int
}

func (p *capsParser) errorf(format string, args ...any) error {
	return fmt.Errorf("caps %q: column %d: %s", p.src, p.pos+1, fmt.Sprintf(format, args...))
}

func (p *capsParser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n') {
		p.pos++
	}
}

func (p *capsParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *capsParser) parse() (*Caps, error) {
	t := strings.TrimSpace(p.src)
	switch t {
	case "ANY":
		return NewAnyCaps(), nil
	case "EMPTY", "NONE":
		return NewEmptyCaps(), nil
	case "":
		return nil, p.errorf("empty caps")
	}
	c := &Caps{}
	for {
		p.skipSpace()
		st, err := p.structure()
		if err != nil {
			return nil, err
		}
		c.Structures = append(c.Structures, st)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return c, nil
		}
		if p.peek() != ';' {
			return nil, p.errorf("expected ';' or end, found %q", p.peek())
		}
		p.pos++
		p.skipSpace()
		if p.pos >= len(p.src) {
			return c, nil
		}
	}
}

func isNameByte(b byte) bool {
	return b == '-' || b == '_' || b == '/' || b == '.' || b == ':' || b == '+' ||
		(b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}

func (p *capsParser) name() string {
	start := p.pos
	for p.pos < len(p.src) && isNameByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *capsParser) structure() (*Structure, error) {
	name := p.name()
	if name == "" {
		return nil, p.errorf("expected a media type")
	}
	if !isValidMediaName(name) {
		return nil, p.errorf("invalid media type %q", name)
	}
	st := &Structure{Name: name}
	if p.peek() == '(' {
		end := strings.IndexByte(p.src[p.pos:], ')')
		if end < 0 {
			return nil, p.errorf("unterminated caps features")
		}
		for _, f := range strings.Split(p.src[p.pos+1:p.pos+end], ",") {
			if f = strings.TrimSpace(f); f != "" {
				st.Features = append(st.Features, f)
			}
		}
		sort.Strings(st.Features)
		if len(st.Features) == 1 && st.Features[0] == "memory:SystemMemory" {
			st.Features = nil
		}
		p.pos += end + 1
	}
	for {
		p.skipSpace()
		if p.peek() != ',' {
			return st, nil
		}
		p.pos++
		p.skipSpace()
		key := p.name()
		if key == "" {
			return nil, p.errorf("expected a field name")
		}
		p.skipSpace()
		if p.peek() != '=' {
			return nil, p.errorf("expected '=' after field %q", key)
		}
		p.pos++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		st.Set(key, v)
	}
}

// isValidMediaName reports whether n may name a structure: it starts with
// a letter and is not one of the words that stand for whole caps.
func isValidMediaName(n string) bool {
	c := n[0]
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && n != "ANY" && n != "EMPTY" && n != "NONE"
}

func (p *capsParser) value() (any, error) {
	typ := ""
	if p.peek() == '(' {
		end := strings.IndexByte(p.src[p.pos:], ')')
		if end < 0 {
			return nil, p.errorf("unterminated type cast")
		}
		typ = strings.TrimSpace(p.src[p.pos+1 : p.pos+end])
		p.pos += end + 1
		p.skipSpace()
	}
	switch p.peek() {
	case '[':
		return p.rangeValue(typ)
	case '{':
		return p.listValue(typ)
	case '"':
		start := p.pos
		for p.pos++; p.pos < len(p.src) && p.src[p.pos] != '"'; p.pos++ {
			if p.src[p.pos] == '\\' {
				p.pos++
			}
		}
		if p.pos >= len(p.src) {
			p.pos = start
			return nil, p.errorf("unterminated string")
		}
		p.pos++
		s, err := strconv.Unquote(p.src[start:p.pos])
		if err != nil {
			return nil, p.errorf("bad string: %v", err)
		}
		return s, nil
	}
	start := p.pos
	for p.pos < len(p.src) && !strings.ContainsRune(",;]} \t", rune(p.src[p.pos])) {
		p.pos++
	}
	tok := p.src[start:p.pos]
	if tok == "" {
		return nil, p.errorf("missing value")
	}
	v, err := scalarValue(tok, typ)
	if err != nil {
		p.pos = start
		return nil, p.errorf("%v", err)
	}
	return v, nil
}

// element reads one value of a range or list, cast to the type given
// before the range or list ("(int)[1, 5]").
func (p *capsParser) element(typ string) (any, error) {
	v, err := p.value()
	if err != nil || typ == "" {
		return v, err
	}
	if v, err = scalarValue(valueString(v), typ); err != nil {
		return nil, p.errorf("%v", err)
	}
	return v, nil
}

func (p *capsParser) rangeValue(typ string) (any, error) {
	p.pos++
	var vals []any
	for len(vals) < 3 {
		p.skipSpace()
		v, err := p.element(typ)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		p.skipSpace()
		if p.peek() == ']' {
			p.pos++
			break
		}
		if p.peek() != ',' {
			return nil, p.errorf("expected ',' or ']' in range")
		}
		p.pos++
	}
	if len(vals) < 2 {
		return nil, p.errorf("a range needs a minimum and a maximum")
	}
	switch lo := vals[0].(type) {
	case int:
		hi, ok := vals[1].(int)
		if !ok || hi < lo {
			return nil, p.errorf("bad int range")
		}
		return IntRange{lo, hi}, nil
	case Fraction:
		hi, ok := vals[1].(Fraction)
		if !ok || fracCmp(hi, lo) < 0 {
			return nil, p.errorf("bad fraction range")
		}
		return FractionRange{lo, hi}, nil
	}
	return nil, p.errorf("ranges hold ints or fractions")
}

func (p *capsParser) listValue(typ string) (any, error) {
	p.pos++
	var l ValueList
	for {
		p.skipSpace()
		if p.peek() == '}' && len(l) == 0 {
			return nil, p.errorf("empty list")
		}
		v, err := p.element(typ)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
		p.skipSpace()
		switch p.peek() {
		case '}':
			p.pos++
			return l, nil
		case ',':
			p.pos++
		default:
			return nil, p.errorf("expected ',' or '}' in list")
		}
	}
}

func scalarValue(tok, typ string) (any, error) {
	switch typ {
	case "string", "s":
		if u, err := strconv.Unquote(tok); err == nil {
			return u, nil
		}
		return tok, nil
	case "int", "i", "uint", "int64", "gint":
		return strconv.Atoi(tok)
	case "float", "double", "f", "d":
		return strconv.ParseFloat(tok, 64)
	case "boolean", "bool", "b":
		return strconv.ParseBool(tok)
	case "fraction":
		return parseFraction(tok)
	case "":
	default:
		return nil, fmt.Errorf("unknown type %q", typ)
	}
	if i, err := strconv.Atoi(tok); err == nil {
		return i, nil
	}
	if strings.Contains(tok, "/") {
		if f, err := parseFraction(tok); err == nil {
			return f, nil
		}
	}
	if f, err := strconv.ParseFloat(tok, 64); err == nil {
		return f, nil
	}
	switch tok {
	case "true", "TRUE":
		return true, nil
	case "false", "FALSE":
		return false, nil
	}
	return tok, nil
}

func parseFraction(tok string) (Fraction, error) {
	n, d, ok := strings.Cut(tok, "/")
	if !ok {
		d = "1"
	}
	num, err1 := strconv.Atoi(n)
	den, err2 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || den == 0 {
		return Fraction{}, fmt.Errorf("bad fraction %q", tok)
	}
	if den < 0 {
		num, den = -num, -den
	}
	return Fraction{num, den}, nil
}

// FixateNear returns fixed caps chosen from c, taking for each preferred
// field the allowed value nearest to the preference (GStreamer's
// fixate_field_nearest_*): a source that can produce any size picks
// 320x240 rather than the smallest allowed. Fields without a preference
// are fixated as Fixate does.
func (c *Caps) FixateNear(prefs ...Field) *Caps {
	if c.IsEmpty() || c.any {
		return c.Copy()
	}
	s := c.Structures[0].Copy()
	for _, p := range prefs {
		if v, ok := s.Get(p.Name); ok {
			s.Set(p.Name, nearest(v, p.Value))
		}
	}
	return NewCaps(s).Fixate()
}

// nearest returns the value allowed by v closest to want.
func nearest(v, want any) any {
	if got, ok := intersectValue(v, want); ok {
		if _, isList := got.(ValueList); !isList {
			return got
		}
	}
	switch t := v.(type) {
	case IntRange:
		if w, ok := want.(int); ok {
			return min(max(w, t.Min), t.Max)
		}
	case FractionRange:
		if w, ok := want.(Fraction); ok {
			if fracCmp(w, t.Min) < 0 {
				return t.Min
			}
			return t.Max
		}
	case ValueList:
		if len(t) > 0 {
			return nearest(t[0], want)
		}
	}
	return v
}
