package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// testRegistry holds the stub elements with incompatible templates.
func testRegistry(t *testing.T) *Registry {
	t.Helper()
	r := NewRegistry()
	for _, c := range []*ElementClass{videoOutClass, audioInClass} {
		if err := r.Register(c, func() Element { return newStub(c) }); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func TestLaunchErrorsPointAtColumn(t *testing.T) {
	tests := []struct {
		name   string
		desc   string
		custom bool // use testRegistry instead of the default one
		col    int
		msg    string
	}{
		{"unknown element", "fakesrc ! nosuchelement ! fakesink", false, 11, `no element "nosuchelement"`},
		{"unknown property", "fakesrc bogus=1 ! fakesink", false, 9, `fakesrc: no property "bogus"`},
		{"int out of range", "fakesrc num-buffers=-5 ! fakesink", false, 9, "fakesrc: num-buffers=-5: must be in -1 - 4611686018427387904"},
		{"not a number", "fakesrc ! queue max-size-buffers=lots ! fakesink", false, 17, `max-size-buffers=lots: "lots" is not a number`},
		{"unknown enum value", "fakesrc ! queue leaky=sideways ! fakesink", false, 17, "leaky=sideways: must be one of (0) no, (1) upstream, (2) downstream"},
		{"bad boolean", "fakesrc ! fakesink sync=maybe", false, 20, "sync=maybe: must be a boolean"},
		{"bad caps", "fakesrc ! video/x-raw,width=[1 ! fakesink", false, 11, "expected ',' or ']' in range"},
		{"unknown reference", "fakesrc ! t. fakesink", false, 11, `no element named "t"`},
		{"unknown pad", "fakesrc name=s s.video ! fakesink", false, 24, `s has no pad "video"`},
		{"sink linked as source", "fakesink ! fakesrc", false, 10, "fakesink0 has no free src pad to link to fakesrc0"},
		{"incompatible caps", "testvideoout ! testaudioin", true, 14,
			"testvideoout0.src -> testaudioin0.sink: caps do not intersect: testvideoout0.src has video/x-raw, testaudioin0.sink has audio/x-raw"},
		{"syntax error", "fakesrc ! ! fakesink", false, 11, "doubled '!'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			launch := Launch
			if tt.custom {
				launch = testRegistry(t).Launch
			}
			p, err := launch(tt.desc)
			var le *LaunchError
			if !errors.As(err, &le) {
				t.Fatalf("Launch(%q) = %v, %v; want a *LaunchError", tt.desc, p, err)
			}
			if le.Col != tt.col || !strings.Contains(le.Msg, tt.msg) {
				t.Errorf("Launch(%q): column %d %q; want column %d containing %q", tt.desc, le.Col, le.Msg, tt.col, tt.msg)
			}
			if caret := strings.Repeat(" ", tt.col-1) + "^"; !strings.HasSuffix(err.Error(), "\n  "+caret) {
				t.Errorf("Launch(%q) error does not end with a caret under column %d:\n%v", tt.desc, tt.col, err)
			}
		})
	}
}

func TestLaunchBuildsNamedLinkedElements(t *testing.T) {
	p := launch(t, "fakesrc num-buffers=3 ! video/x-raw,width=640 ! queue max-size-buffers=7 leaky=upstream ! fakesink name=out")
	var names []string
	for _, e := range p.Elements() {
		names = append(names, e.base().Name())
	}
	if got := strings.Join(names, " "); got != "fakesrc0 capsfilter0 queue0 out" {
		t.Errorf("elements %q; want fakesrc0 capsfilter0 queue0 out", got)
	}
	cf := byName[*CapsFilter](t, p, "capsfilter0")
	if c, _ := cf.Get("caps"); c.(*Caps).String() != "video/x-raw, width=640" {
		t.Errorf("capsfilter caps = %v", c)
	}
	q := byName[*Queue](t, p, "queue0")
	for prop, want := range map[string]any{"max-size-buffers": int64(7), "leaky": "upstream"} {
		if v, _ := q.Get(prop); v != want {
			t.Errorf("queue %s = %v; want %v", prop, v, want)
		}
	}
	for _, pair := range [][2]string{{"fakesrc0", "capsfilter0"}, {"capsfilter0", "queue0"}, {"queue0", "out"}} {
		if peer := p.ByName(pair[0]).base().SrcPad().Peer(); peer == nil || peer.Parent() != p.ByName(pair[1]) {
			t.Errorf("%s.src is linked to %v; want %s.sink", pair[0], peer, pair[1])
		}
	}
}

func TestCapsNegotiationFixatesIntersection(t *testing.T) {
	p := launch(t, `appsrc name=src caps="video/x-raw, width=[100, 1000]" ! capsfilter caps="video/x-raw, width=[500, 2000]" ! fakesink name=sink`)
	setState(t, p, StatePlaying)
	src := byName[*AppSrc](t, p, "src")
	if err := src.Push(context.Background(), NewBuffer()); err != nil {
		t.Fatal(err)
	}
	if err := src.EndOfStream(); err != nil {
		t.Fatal(err)
	}
	if m := popMessage(t, p, MessageEOS|MessageError); m.Type != MessageEOS {
		t.Fatalf("got %v; want EOS", m)
	}
	if c := byName[*FakeSink](t, p, "sink").Sink().CurrentCaps(); c.String() != "video/x-raw, width=500" {
		t.Errorf("negotiated caps %v; want video/x-raw, width=500", c)
	}
}

func TestRegistryRejectsDuplicatesAndListsFactories(t *testing.T) {
	r := testRegistry(t)
	if err := r.Register(videoOutClass, func() Element { return newStub(videoOutClass) }); err == nil ||
		!strings.Contains(err.Error(), `"testvideoout" is already registered`) {
		t.Errorf("duplicate Register = %v", err)
	}
	if err := r.Register(&ElementClass{}, nil); err == nil {
		t.Error("Register of a class without a name succeeded")
	}
	var names []string
	for _, f := range r.Factories() {
		names = append(names, f.Class.Factory)
	}
	if strings.Join(names, ",") != "testaudioin,testvideoout" {
		t.Errorf("Factories = %v; want sorted [testaudioin testvideoout]", names)
	}
	if _, err := r.Make("fakesrc", ""); err == nil {
		t.Error("a new registry makes elements of the default one")
	}
}

// TestEveryRegisteredElementBuildsWithDefaults checks each factory's
// property table: defaults apply, every property reads, and each text
// default reads back as what Get reports.
func TestEveryRegisteredElementBuildsWithDefaults(t *testing.T) {
	for _, f := range DefaultRegistry().Factories() {
		e, err := Make(f.Class.Factory, "x")
		if err != nil {
			t.Errorf("Make(%s): %v", f.Class.Factory, err)
			continue
		}
		for _, prop := range e.base().Properties() {
			v, err := e.base().Get(prop.Name)
			if err != nil {
				t.Errorf("%s: Get(%s): %v", f.Class.Factory, prop.Name, err)
			}
			if prop.Default == "" {
				continue
			}
			if err := e.base().Set(prop.Name, prop.Default); err != nil {
				t.Errorf("%s: setting %s to its default %q: %v", f.Class.Factory, prop.Name, prop.Default, err)
			}
			if again, _ := e.base().Get(prop.Name); again != v {
				t.Errorf("%s: %s reads %v after setting its default; it was %v", f.Class.Factory, prop.Name, again, v)
			}
		}
	}
}
