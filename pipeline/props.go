package pipeline

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// PropKind is the type of a property's value.
type PropKind uint8

// Property kinds.
const (
	PropBool PropKind = iota
	PropInt
	PropFloat
	PropString
	PropEnum
	PropCaps
)

// String returns the kind's name as dsinspect prints it.
func (k PropKind) String() string {
	return [...]string{"bool", "int", "float", "string", "enum", "caps"}[k]
}

// Prop is one entry of an element class's property table: its name, what
// it means, type, default, allowed range, and how to read and write it on
// an instance. Build them with BoolProp, IntProp, FloatProp, StringProp,
// EnumProp and CapsProp; the registry, the launch syntax and dsinspect use
// the same table, so there is no hand-written switch over names.
type Prop struct {
	Name    string
	Blurb   string
	Kind    PropKind
	Default string   // text form, applied by ElementBase.Init
	Min     float64  // numeric kinds
	Max     float64  // numeric kinds
	Enum    []string // enum kinds: value i is named Enum[i]
	// Mutable properties may change while PAUSED or PLAYING; the setter
	// runs under the element's object lock, and the element reads them
	// under it too.
	Mutable bool

	get func(Element) any
	set func(Element, any) error
}

// ReadOnly reports whether the property can only be read (a statistic).
func (p *Prop) ReadOnly() bool { return p.set == nil }

// Live returns a copy of the property marked Mutable.
func (p Prop) Live() Prop {
	p.Mutable = true
	return p
}

// Range returns the allowed values as dsinspect prints them.
func (p *Prop) Range() string {
	switch p.Kind {
	case PropInt, PropFloat:
		return fmt.Sprintf("%s - %s", fmtNum(p.Min), fmtNum(p.Max))
	case PropEnum:
		parts := make([]string, len(p.Enum))
		for i, n := range p.Enum {
			parts[i] = fmt.Sprintf("(%d) %s", i, n)
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

func fmtNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 9.2e18 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// convert turns a Go value or text into the property's value type,
// checking the allowed range.
func (p *Prop) convert(v any) (any, error) {
	switch p.Kind {
	case PropBool:
		switch t := v.(type) {
		case bool:
			return t, nil
		case string:
			switch strings.ToLower(t) {
			case "1", "true", "yes", "on":
				return true, nil
			case "0", "false", "no", "off":
				return false, nil
			}
		case int:
			if t == 0 || t == 1 {
				return t == 1, nil
			}
		}
		return nil, fmt.Errorf("must be a boolean (true/false/1/0)")
	case PropInt, PropFloat:
		f, err := toFloat(v)
		if err != nil {
			return nil, err
		}
		if p.Kind == PropInt && f != math.Trunc(f) {
			return nil, fmt.Errorf("must be an integer in %s", p.Range())
		}
		if f < p.Min || f > p.Max || math.IsNaN(f) {
			return nil, fmt.Errorf("must be in %s", p.Range())
		}
		return f, nil
	case PropString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return fmt.Sprint(v), nil
	case PropEnum:
		return p.enumIndex(v)
	case PropCaps:
		switch t := v.(type) {
		case *Caps:
			return t, nil
		case string:
			return ParseCaps(t)
		}
		return nil, fmt.Errorf("must be caps")
	}
	return nil, fmt.Errorf("unsupported property kind %v", p.Kind)
}

func (p *Prop) enumIndex(v any) (int, error) {
	switch t := v.(type) {
	case string:
		for i, n := range p.Enum {
			if strings.EqualFold(n, t) {
				return i, nil
			}
		}
		if i, err := strconv.Atoi(t); err == nil && i >= 0 && i < len(p.Enum) {
			return i, nil
		}
	case int:
		if t >= 0 && t < len(p.Enum) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("must be one of %s", p.Range())
}

func toFloat(v any) (float64, error) {
	switch t := v.(type) {
	case int:
		return float64(t), nil
	case int8:
		return float64(t), nil
	case int16:
		return float64(t), nil
	case int32:
		return float64(t), nil
	case uint8:
		return float64(t), nil
	case uint16:
		return float64(t), nil
	case int64:
		return float64(t), nil
	case uint:
		return float64(t), nil
	case uint32:
		return float64(t), nil
	case uint64:
		return float64(t), nil
	case float32:
		return float64(t), nil
	case float64:
		return t, nil
	case time.Duration:
		return float64(t), nil
	case string:
		s := strings.TrimSpace(t)
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return float64(i), nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, nil
		}
		return 0, fmt.Errorf("%q is not a number", t)
	}
	return 0, fmt.Errorf("%v (%T) is not a number", v, v)
}

// integer is the set of integer types an IntProp can bind to.
type integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// IntProp declares an integer property bound to a field of element type E.
func IntProp[E Element, T integer](name, blurb string, def, lo, hi T, field func(E) *T) Prop {
	return Prop{
		Name: name, Blurb: blurb, Kind: PropInt,
		Default: strconv.FormatInt(int64(def), 10), Min: float64(lo), Max: float64(hi),
		get: func(e Element) any { return int64(*field(e.(E))) },
		set: func(e Element, v any) error { *field(e.(E)) = T(v.(float64)); return nil },
	}
}

// FloatProp declares a floating-point property bound to a field.
func FloatProp[E Element](name, blurb string, def, lo, hi float64, field func(E) *float64) Prop {
	return Prop{
		Name: name, Blurb: blurb, Kind: PropFloat,
		Default: strconv.FormatFloat(def, 'g', -1, 64), Min: lo, Max: hi,
		get: func(e Element) any { return *field(e.(E)) },
		set: func(e Element, v any) error { *field(e.(E)) = v.(float64); return nil },
	}
}

// BoolProp declares a boolean property bound to a field.
func BoolProp[E Element](name, blurb string, def bool, field func(E) *bool) Prop {
	return Prop{
		Name: name, Blurb: blurb, Kind: PropBool, Default: strconv.FormatBool(def),
		get: func(e Element) any { return *field(e.(E)) },
		set: func(e Element, v any) error { *field(e.(E)) = v.(bool); return nil },
	}
}

// StringProp declares a string property bound to a field. check, if not
// nil, validates a new value.
func StringProp[E Element](name, blurb, def string, field func(E) *string, check func(string) error) Prop {
	return Prop{
		Name: name, Blurb: blurb, Kind: PropString, Default: def,
		get: func(e Element) any { return *field(e.(E)) },
		set: func(e Element, v any) error {
			s := v.(string)
			if check != nil {
				if err := check(s); err != nil {
					return err
				}
			}
			*field(e.(E)) = s
			return nil
		},
	}
}

// EnumProp declares an enumerated property: value i is named names[i], and
// either the name or the number may be given.
func EnumProp[E Element, T ~int | ~uint8 | ~int32](name, blurb string, def T, names []string, field func(E) *T) Prop {
	return Prop{
		Name: name, Blurb: blurb, Kind: PropEnum, Default: names[def], Enum: names,
		get: func(e Element) any { return names[*field(e.(E))] },
		set: func(e Element, v any) error { *field(e.(E)) = T(v.(int)); return nil },
	}
}

// CapsProp declares a caps property bound to a field.
func CapsProp[E Element](name, blurb string, field func(E) **Caps) Prop {
	return Prop{
		Name: name, Blurb: blurb, Kind: PropCaps,
		get: func(e Element) any { return *field(e.(E)) },
		set: func(e Element, v any) error { *field(e.(E)) = v.(*Caps); return nil },
	}
}

// ReadOnlyProp declares a property that reports a value (a statistic) and
// cannot be set.
func ReadOnlyProp[E Element](name, blurb string, kind PropKind, get func(E) any) Prop {
	return Prop{Name: name, Blurb: blurb, Kind: kind, get: func(e Element) any { return get(e.(E)) }}
}
