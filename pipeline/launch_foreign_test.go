package pipeline

import (
	"strings"
	"testing"
)

// fakeForeign records the bins asked for; its "elements" are any factory
// starting with "gst".
type fakeForeign struct {
	bins []string
}

func (f *fakeForeign) Has(factory string) bool { return strings.HasPrefix(factory, "gst") }

func (f *fakeForeign) MakeBin(fragment string, sink, src bool) (Element, error) {
	desc := fragment
	if sink {
		desc = "[sink] " + desc
	}
	if src {
		desc += " [src]"
	}
	f.bins = append(f.bins, desc)
	switch {
	case sink && src:
		return NewIdentity(), nil
	case src:
		return NewFakeSrc(), nil
	}
	return NewFakeSink(), nil
}

func TestLaunchGroupsForeignRuns(t *testing.T) {
	tests := []struct {
		desc string
		bins []string
	}{
		{"gsta location=\"a b.mp4\" ! gstb ! fakesink",
			[]string{`gsta location="a b.mp4" ! gstb [src]`}},
		{"gsta ! video/x-raw,format=I420 ! gstb ! queue ! gstc ! gstd x=1",
			[]string{`gsta ! capsfilter caps="video/x-raw,format=I420" ! gstb [src]`, `[sink] gstc ! gstd x="1"`}},
		{"fakesrc ! gsta ! video/x-raw ! fakesink",
			[]string{`[sink] gsta [src]`}},
		{"fakesrc ! tee name=t t. ! queue ! gstenc ! gstmux ! gstfilesink t. ! queue ! fakesink",
			[]string{`[sink] gstenc ! gstmux ! gstfilesink`}},
		{"gstsrc name=s ! fakesink",
			[]string{`gstsrc name="s" [src]`}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			r := NewRegistry()
			for _, f := range DefaultRegistry().Factories() {
				if err := r.Register(f.Class, f.New); err != nil {
					t.Fatal(err)
				}
			}
			ff := &fakeForeign{}
			r.SetForeign(ff)
			p, err := r.Launch(tc.desc)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(ff.bins, " | ") != strings.Join(tc.bins, " | ") {
				t.Fatalf("bins:\n got %q\nwant %q", ff.bins, tc.bins)
			}
			for _, e := range p.AllElements() {
				for _, pad := range e.base().Pads() {
					if !pad.IsLinked() && pad.Template().Presence == PadAlways {
						t.Errorf("%s is not linked", pad.FullName())
					}
				}
			}
		})
	}
}

func TestLaunchUnknownFactoryWithoutForeign(t *testing.T) {
	r := NewRegistry()
	r.SetForeign(&fakeForeign{})
	_, err := r.Launch("gsta ! nosuch ! gstb")
	le, ok := err.(*LaunchError)
	if !ok || le.Col != 8 || !strings.Contains(le.Msg, `no element "nosuch"`) {
		t.Fatalf("got %v, want a LaunchError at column 8 naming nosuch", err)
	}
}
