package pipeline

import (
	"fmt"
	"strings"
	"testing"
)

// capsDump prints caps with the Go type of every value, so that two caps
// that print alike but hold different types (int 5, string "5") differ.
func capsDump(c *Caps) string {
	if c.IsAny() {
		return "ANY"
	}
	var b strings.Builder
	for _, s := range c.Structures {
		fmt.Fprintf(&b, "%s%q{", s.Name, s.Features)
		for _, f := range s.Fields {
			fmt.Fprintf(&b, "%s:%#v ", f.Name, f.Value)
		}
		b.WriteString("};")
	}
	return b.String()
}

func mustCaps(t testing.TB, s string) *Caps {
	t.Helper()
	c, err := ParseCaps(s)
	if err != nil {
		t.Fatalf("ParseCaps(%q): %v", s, err)
	}
	return c
}

func TestCapsStringRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ANY", "ANY"},
		{" EMPTY ", "EMPTY"},
		{"NONE", "EMPTY"},
		{"video/x-raw", "video/x-raw"},
		{"video/x-raw,format=NV12,width=640,height=480,framerate=30/1",
			"video/x-raw, format=NV12, width=640, height=480, framerate=30/1"},
		{"video/x-raw(memory:CUDA), format={NV12,RGBA}, width=[ 1, 4096 ]",
			"video/x-raw(memory:CUDA), format={ NV12, RGBA }, width=[1, 4096]"},
		{"video/x-raw, framerate=[0/1, 60/1]", "video/x-raw, framerate=[0/1, 60/1]"},
		{"video/x-raw(meta:Foo,memory:CUDA)", "video/x-raw(memory:CUDA, meta:Foo)"},
		{"video/x-raw(memory:SystemMemory), width=1", "video/x-raw, width=1"},
		{"audio/x-raw, rate=(int)44100, channels=2; audio/x-raw, format=F32LE",
			"audio/x-raw, rate=44100, channels=2; audio/x-raw, format=F32LE"},
		{`text/x-raw, label="hello, world"`, `text/x-raw, label="hello, world"`},
		{`text/x-raw, label=""`, `text/x-raw, label=""`},
		{"a/b, flag=TRUE, off=(boolean)0", "a/b, flag=true, off=false"},
		{"a/b, scale=1.5, whole=(double)2", "a/b, scale=1.5, whole=2.0"},
		{"a/b, f=1/-2, g=(fraction)5", "a/b, f=-1/2, g=5/1"},
		{"a/b, w=1, w=2", "a/b, w=2"},
		{"a/b, s=(string)abc", "a/b, s=abc"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c := mustCaps(t, tt.in)
			if got := c.String(); got != tt.want {
				t.Errorf("ParseCaps(%q).String() = %q; want %q", tt.in, got, tt.want)
			}
			again := mustCaps(t, c.String())
			if capsDump(again) != capsDump(c) {
				t.Errorf("round trip of %q changed it:\n got %s\nwant %s", tt.in, capsDump(again), capsDump(c))
			}
		})
	}
}

// TestCapsStringKeepsStringType: strings that read like other values (or
// hold blanks) are printed quoted, so they parse back as strings.
func TestCapsStringKeepsStringType(t *testing.T) {
	for _, v := range []string{"5", "-3", "1.5", "30/1", "true", "FALSE", "a\tb", "\nx", "inf"} {
		c := NewCaps(NewStructure("a/b", "s", v))
		again, err := ParseCaps(c.String())
		if err != nil {
			t.Errorf("string %q: ParseCaps(%q): %v", v, c.String(), err)
			continue
		}
		if got, ok := again.Structures[0].Str("s"); !ok || got != v {
			t.Errorf("string %q printed as %q reads back as %s", v, c.String(), capsDump(again))
		}
	}
}

func TestCapsIntersect(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"int ranges overlap", "video/x-raw, width=[1, 1920]", "video/x-raw, width=[640, 4096]", "video/x-raw, width=[640, 1920]"},
		{"int ranges touch", "video/x-raw, width=[1, 10]", "video/x-raw, width=[10, 20]", "video/x-raw, width=10"},
		{"int ranges disjoint", "video/x-raw, width=[1, 10]", "video/x-raw, width=[11, 20]", "EMPTY"},
		{"int in range", "video/x-raw, width=[1, 100]", "video/x-raw, width=50", "video/x-raw, width=50"},
		{"int out of range", "video/x-raw, width=[1, 100]", "video/x-raw, width=500", "EMPTY"},
		{"lists", "video/x-raw, format={NV12, RGBA, I420}", "video/x-raw, format={RGBA, NV12}", "video/x-raw, format={ NV12, RGBA }"},
		{"list and scalar", "video/x-raw, format={NV12, RGBA}", "video/x-raw, format=RGBA", "video/x-raw, format=RGBA"},
		{"list and range", "video/x-raw, width={320, 640, 1280}", "video/x-raw, width=[400, 2000]", "video/x-raw, width={ 640, 1280 }"},
		{"lists disjoint", "video/x-raw, format={NV12, RGBA}", "video/x-raw, format={I420, GRAY8}", "EMPTY"},
		{"equal fractions", "video/x-raw, framerate=30/1", "video/x-raw, framerate=60/2", "video/x-raw, framerate=30/1"},
		{"different fractions", "video/x-raw, framerate=30/1", "video/x-raw, framerate=25/1", "EMPTY"},
		{"fraction in range", "video/x-raw, framerate=[0/1, 60/1]", "video/x-raw, framerate=30000/1001", "video/x-raw, framerate=30000/1001"},
		{"fraction out of range", "video/x-raw, framerate=[0/1, 30/1]", "video/x-raw, framerate=60/1", "EMPTY"},
		{"fraction ranges", "video/x-raw, framerate=[0/1, 30/1]", "video/x-raw, framerate=[15/1, 60/1]", "video/x-raw, framerate=[15/1, 30/1]"},
		{"int is not string", "video/x-raw, width=640", "video/x-raw, width=(string)640", "EMPTY"},
		{"fields of both sides", "video/x-raw, width=640", "video/x-raw, height=480", "video/x-raw, width=640, height=480"},
		{"CUDA and system memory", "video/x-raw(memory:CUDA)", "video/x-raw", "EMPTY"},
		{"CUDA and CUDA", "video/x-raw(memory:CUDA), format=NV12", "video/x-raw(memory:CUDA)", "video/x-raw(memory:CUDA), format=NV12"},
		{"media types differ", "video/x-raw", "audio/x-raw", "EMPTY"},
		{"picks matching structure", "video/x-raw; audio/x-raw", "audio/x-raw, rate=48000", "audio/x-raw, rate=48000"},
		{"ANY", "ANY", "video/x-raw, width=1", "video/x-raw, width=1"},
		{"EMPTY", "EMPTY", "ANY", "EMPTY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustCaps(t, tt.a), mustCaps(t, tt.b)
			if got := a.Intersect(b).String(); got != tt.want {
				t.Errorf("(%s) ∩ (%s) = %s; want %s", tt.a, tt.b, got, tt.want)
			}
			want := tt.want != "EMPTY"
			if a.CanIntersect(b) != want || b.CanIntersect(a) != want {
				t.Errorf("CanIntersect(%s, %s) = %v/%v; want %v both ways",
					tt.a, tt.b, a.CanIntersect(b), b.CanIntersect(a), want)
			}
		})
	}
}

func TestCapsIsSubset(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"video/x-raw, width=640", "video/x-raw, width=[1, 1920]", true},
		{"video/x-raw, width=[1, 1920]", "video/x-raw, width=640", false},
		{"video/x-raw, width=[10, 20]", "video/x-raw, width=[1, 100]", true},
		{"video/x-raw, width=[1, 200]", "video/x-raw, width=[1, 100]", false},
		{"video/x-raw, width=640, height=480", "video/x-raw, width=640", true},
		{"video/x-raw", "video/x-raw, width=640", false},
		{"video/x-raw, format={NV12, RGBA}", "video/x-raw, format={RGBA, NV12, I420}", true},
		{"video/x-raw, format={NV12, RGBA}", "video/x-raw, format=NV12", false},
		{"video/x-raw, framerate=30/1", "video/x-raw, framerate=[0/1, 60/1]", true},
		{"video/x-raw, framerate=2/1", "video/x-raw, framerate=4/2", true},
		{"video/x-raw, framerate=[10/1, 20/1]", "video/x-raw, framerate=[0/1, 60/1]", true},
		{"video/x-raw, framerate=[10/1, 90/1]", "video/x-raw, framerate=[0/1, 60/1]", false},
		{"video/x-raw(memory:CUDA)", "video/x-raw", false},
		{"video/x-raw", "video/x-raw(memory:CUDA)", false},
		{"video/x-raw, width=1", "audio/x-raw; video/x-raw", true},
		{"video/x-raw; audio/x-raw", "video/x-raw", false},
		{"video/x-raw", "ANY", true},
		{"ANY", "video/x-raw", false},
		{"EMPTY", "video/x-raw", true},
	}
	for _, tt := range tests {
		if got := mustCaps(t, tt.a).IsSubset(mustCaps(t, tt.b)); got != tt.want {
			t.Errorf("(%s).IsSubset(%s) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCapsFixate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"video/x-raw, width=[320, 1920], format={NV12, RGBA}, framerate=[15/1, 60/1]",
			"video/x-raw, width=320, format=NV12, framerate=15/1"},
		{"video/x-raw(memory:CUDA), width=640; video/x-raw, width=320", "video/x-raw(memory:CUDA), width=640"},
		{"video/x-raw, width={[2, 4], 8}", "video/x-raw, width=2"},
		{"audio/x-raw, rate=48000", "audio/x-raw, rate=48000"},
		{"ANY", "ANY"},
		{"EMPTY", "EMPTY"},
	}
	for _, tt := range tests {
		c := mustCaps(t, tt.in)
		f := c.Fixate()
		if f.String() != tt.want {
			t.Errorf("Fixate(%s) = %s; want %s", tt.in, f, tt.want)
		}
		if !f.IsAny() && !f.IsEmpty() && !f.IsFixed() {
			t.Errorf("Fixate(%s) = %s is not fixed", tt.in, f)
		}
		if c.String() != mustCaps(t, tt.in).String() {
			t.Errorf("Fixate changed its input %s to %s", tt.in, c)
		}
	}
}

func TestParseCapsMalformed(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "empty caps"},
		{"   ", "empty caps"},
		{"video/x-raw,", "expected a field name"},
		{"video/x-raw, width", "expected '=' after field \"width\""},
		{"video/x-raw, width=", "missing value"},
		{"video/x-raw, width=[1, 2", "expected ',' or ']' in range"},
		{"video/x-raw, width=[1]", "a range needs a minimum and a maximum"},
		{"video/x-raw, width=[10, 1]", "bad int range"},
		{"video/x-raw, width=[1, 2/1]", "bad int range"},
		{"video/x-raw, framerate=[30/1, 1/1]", "bad fraction range"},
		{"video/x-raw, width=[a, b]", "ranges hold ints or fractions"},
		{"video/x-raw, format={}", "empty list"},
		{"video/x-raw, format={NV12", "expected ',' or '}' in list"},
		{`video/x-raw, s="abc`, "unterminated string"},
		{"video/x-raw(memory:CUDA", "unterminated caps features"},
		{"video/x-raw, width=(int", "unterminated type cast"},
		{"video/x-raw, width=(int)abc", "invalid syntax"},
		{"video/x-raw, width=(blob)1", `unknown type "blob"`},
		{"video/x-raw, framerate=(fraction)30/0", "bad fraction"},
		{"video/x-raw; ;", "expected a media type"},
		{"1video/x-raw", `invalid media type "1video/x-raw"`},
		{"video/x-raw width=1", "expected ';' or end"},
		{"ANY;", `invalid media type "ANY"`},
		{"video/x-raw; EMPTY", `invalid media type "EMPTY"`},
	}
	for _, tt := range tests {
		c, err := ParseCaps(tt.in)
		if err == nil {
			t.Errorf("ParseCaps(%q) = %s; want an error", tt.in, c)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "column") {
			t.Errorf("ParseCaps(%q) error %q; want a column and %q", tt.in, err, tt.msg)
		}
	}
}

func TestMustParseCapsPanicsOnBadCaps(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParseCaps(\"video/x-raw,\") did not panic")
		}
	}()
	MustParseCaps("video/x-raw,")
}

// FuzzParseCaps checks that ParseCaps never panics, and that caps it
// accepts print to text that parses back to the same caps.
func FuzzParseCaps(f *testing.F) {
	for _, s := range []string{
		"ANY", "EMPTY", "video/x-raw", "video/x-raw(memory:CUDA), format={ NV12, RGBA }, width=[1, 4096]",
		"video/x-raw, framerate=[0/1, 60/1]; audio/x-raw, rate=(int)48000", `a/b, s="x y\"z"`,
		"a/b, f=(float)1.5, b=(boolean)true, s=(string)5, l=(string){1, 2}", "a/b, x={{1, 2}, 3}",
		"a/b, w=[1", "a/b(", "a/b, w=(int", "a/b, s=\"", ";", "a/b;;", "(x)", "a/b, =1",
		"ANY;", "NONE; a/b", "a/b, x=NaN", "a/b, x=(float)inf", "a/b, s=(string)\"\\x00\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCaps(s)
		if err != nil {
			if c != nil {
				t.Fatalf("ParseCaps(%q) returned caps with error %v", s, err)
			}
			return
		}
		text := c.String()
		again, err := ParseCaps(text)
		if err != nil {
			t.Fatalf("ParseCaps(%q) = %q, which does not parse: %v", s, text, err)
		}
		if capsDump(again) != capsDump(c) {
			t.Fatalf("ParseCaps(%q) printed as %q reads back differently:\n got %s\nwant %s", s, text, capsDump(again), capsDump(c))
		}
		// The set operations must not panic on anything the parser accepts.
		c.Intersect(again)
		c.IsSubset(again)
		c.Fixate()
	})
}

func TestFixateNearPicksPreferredValues(t *testing.T) {
	c := MustParseCaps("video/x-raw, format={ I420, NV12 }, width=[1, 4096], height=[1, 100], framerate=[0/1, 1000/1]")
	got := c.FixateNear(Field{"format", "NV12"}, Field{"width", 320}, Field{"height", 240}, Field{"framerate", Fraction{30, 1}})
	want := "video/x-raw, format=NV12, width=320, height=100, framerate=30/1"
	if got.String() != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
