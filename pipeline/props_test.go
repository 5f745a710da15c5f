package pipeline

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var propsClass = &ElementClass{
	Factory: "testprops",
	Klass:   "Test",
	Props: []Prop{
		IntProp("level", "An int that may change while running", 5, 0, 10, func(e *stubElement) *int64 { return &e.level }).Live(),
		IntProp("fixed", "An int fixed while running", 1, -1, 100, func(e *stubElement) *int64 { return &e.fixed }),
		FloatProp("ratio", "A float", 0.5, 0, 1, func(e *stubElement) *float64 { return &e.ratio }),
		EnumProp("mode", "An enum", 0, []string{"off", "fast", "slow"}, func(e *stubElement) *int { return &e.mode }),
		StringProp("label", "A checked string", "x", func(e *stubElement) *string { return &e.label }, func(s string) error {
			if strings.ContainsRune(s, ' ') {
				return errors.New("no blanks allowed")
			}
			return nil
		}),
		BoolProp("on", "A bool", false, func(e *stubElement) *bool { return &e.on }),
		ReadOnlyProp("twice", "Twice the level", PropInt, func(e *stubElement) any { return e.level * 2 }),
	},
}

func newPropsElement(t *testing.T) *stubElement {
	t.Helper()
	e := newStub(propsClass)
	if err := e.SetName("props"); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestPropertyDefaults(t *testing.T) {
	e := newPropsElement(t)
	want := map[string]any{"level": int64(5), "fixed": int64(1), "ratio": 0.5, "mode": "off", "label": "x", "on": false, "twice": int64(10), "name": "props"}
	for name, w := range want {
		if v, err := e.Get(name); err != nil || v != w {
			t.Errorf("Get(%s) = %v (%T), %v; want %v (%T)", name, v, v, err, w, w)
		}
	}
	if _, err := e.Get("nosuch"); err == nil || !strings.Contains(err.Error(), `props: no property "nosuch"`) {
		t.Errorf("Get(nosuch) = %v", err)
	}
}

func TestPropertySet(t *testing.T) {
	tests := []struct {
		prop  string
		value any
		want  any    // value Get returns afterwards, if no error
		err   string // the whole error message
	}{
		{"level", "7", int64(7), ""},
		{"level", 3, int64(3), ""},
		{"level", int64(4), int64(4), ""},
		{"level", uint32(6), int64(6), ""},
		{"level", " 0x0a ", int64(10), ""},
		{"level", 11, nil, "props: level=11: must be in 0 - 10"},
		{"level", "-1", nil, "props: level=-1: must be in 0 - 10"},
		{"level", 2.5, nil, "props: level=2.5: must be an integer in 0 - 10"},
		{"level", "abc", nil, `props: level=abc: "abc" is not a number`},
		{"level", true, nil, "props: level=true: true (bool) is not a number"},
		{"fixed", time.Duration(42), int64(42), ""},
		{"ratio", "0.25", 0.25, ""},
		{"ratio", float32(0.5), 0.5, ""},
		{"ratio", 1.5, nil, "props: ratio=1.5: must be in 0 - 1"},
		{"mode", "fast", "fast", ""},
		{"mode", "SLOW", "slow", ""},
		{"mode", 2, "slow", ""},
		{"mode", "1", "fast", ""},
		{"mode", 3, nil, "props: mode=3: must be one of (0) off, (1) fast, (2) slow"},
		{"mode", "medium", nil, "props: mode=medium: must be one of (0) off, (1) fast, (2) slow"},
		{"label", "abc", "abc", ""},
		{"label", 5, "5", ""},
		{"label", "a b", nil, "props: label=a b: no blanks allowed"},
		{"on", "yes", true, ""},
		{"on", 1, true, ""},
		{"on", "OFF", false, ""},
		{"on", "maybe", nil, "props: on=maybe: must be a boolean (true/false/1/0)"},
		{"on", 2, nil, "props: on=2: must be a boolean (true/false/1/0)"},
		{"twice", 4, nil, "props: property twice is read-only"},
		{"nosuch", 1, nil, `props: no property "nosuch" (see dsinspect testprops)`},
		{"name", 5, nil, "props: name must be a string"},
	}
	for _, tt := range tests {
		e := newPropsElement(t)
		before, _ := e.Get(tt.prop)
		err := e.Set(tt.prop, tt.value)
		after, _ := e.Get(tt.prop)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("Set(%s, %#v): %v", tt.prop, tt.value, err)
		case tt.err == "" && after != tt.want:
			t.Errorf("Set(%s, %#v) then Get = %#v; want %#v", tt.prop, tt.value, after, tt.want)
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("Set(%s, %#v) error = %v; want %q", tt.prop, tt.value, err, tt.err)
		case tt.err != "" && after != before:
			t.Errorf("failed Set(%s, %#v) changed the value from %v to %v", tt.prop, tt.value, before, after)
		}
	}
}

func TestNonMutablePropertyFixedWhileRunning(t *testing.T) {
	e := newPropsElement(t)
	setState(t, e, StateReady)
	if err := e.Set("fixed", 2); err != nil {
		t.Errorf("Set(fixed) in READY: %v", err)
	}
	setState(t, e, StatePlaying)
	defer setState(t, e, StateNull)
	if err := e.Set("level", 9); err != nil {
		t.Errorf("Set of a mutable property in PLAYING: %v", err)
	}
	err := e.Set("fixed", 3)
	if want := "props: property fixed can only be changed in NULL or READY state (now PLAYING)"; err == nil || err.Error() != want {
		t.Errorf("Set(fixed) in PLAYING = %v; want %q", err, want)
	}
	if v, _ := e.Get("fixed"); v != int64(2) {
		t.Errorf("fixed = %v after the refused Set; want 2", v)
	}

	p := launch(t, "fakesrc name=src is-live=true ! fakesink")
	setState(t, p, StatePlaying)
	if err := p.ByName("src").base().Set("num-buffers", 5); err == nil || !strings.Contains(err.Error(), "src: property num-buffers can only be changed") {
		t.Errorf("fakesrc num-buffers set while PLAYING: %v", err)
	}
}

func TestPropRangeText(t *testing.T) {
	for name, want := range map[string]string{"level": "0 - 10", "ratio": "0 - 1", "mode": "(0) off, (1) fast, (2) slow", "label": ""} {
		p, ok := propsClass.Prop(name)
		if !ok || p.Range() != want {
			t.Errorf("%s range = %q; want %q", name, p.Range(), want)
		}
	}
	if p, _ := propsClass.Prop("level"); !p.Mutable {
		t.Error("Live() did not mark level mutable")
	}
	if p, _ := propsClass.Prop("fixed"); p.Mutable {
		t.Error("fixed is mutable without Live()")
	}
}

func TestCapsPropertyParsesText(t *testing.T) {
	cf := NewCapsFilter(nil)
	if err := cf.Set("caps", "video/x-raw, width=[1, 2"); err == nil || !strings.Contains(err.Error(), "capsfilter: caps=video/x-raw, width=[1, 2: caps") {
		t.Errorf("Set(caps) with bad caps = %v", err)
	}
	if err := cf.Set("caps", 5); err == nil || !strings.Contains(err.Error(), "must be caps") {
		t.Errorf("Set(caps, 5) = %v", err)
	}
	c := MustParseCaps("audio/x-raw")
	if err := cf.Set("caps", c); err != nil {
		t.Fatal(err)
	}
	if v, _ := cf.Get("caps"); v != c {
		t.Errorf("Get(caps) = %v; want the *Caps set", v)
	}
}

func TestElementNames(t *testing.T) {
	p := NewPipeline("names")
	a, b, c := NewIdentity(), NewIdentity(), NewIdentity()
	if err := c.SetName("mine"); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(a, b, c); err != nil {
		t.Fatal(err)
	}
	if a.Name() != "identity0" || b.Name() != "identity1" || c.Name() != "mine" {
		t.Errorf("names %s %s %s; want identity0 identity1 mine", a.Name(), b.Name(), c.Name())
	}
	errs := map[string]error{
		"rename in bin":  a.SetName("x"),
		"add twice":      p.Add(a),
		"duplicate name": p.Add(named(NewIdentity(), "mine")),
		"invalid name":   NewIdentity().SetName("a.b"),
		"add to itself":  p.Add(p),
		"remove foreign": p.Remove(NewIdentity()),
	}
	for what, err := range errs {
		if err == nil {
			t.Errorf("%s succeeded", what)
		}
	}
}
