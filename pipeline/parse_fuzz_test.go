package pipeline

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseLaunch checks that ParseLaunch never panics, that every error is
// a *LaunchError pointing inside the description (or just past its end), and
// that every result is self-consistent.
func FuzzParseLaunch(f *testing.F) {
	seeds := []string{
		"fakesrc", "videotestsrc ! fakesink", "a!b!c", "a\t!\n b",
		"src num-buffers=10 ! queue max-size-buffers=3 ! sink sync=false",
		`filesrc location="my file.mp4" ! fakesink`, `t text="say \"hi\""`,
		`t text='a "b" !c'`, `t text=a\ b\\c k=""`, "uridecodebin uri=file:///a/b.mp4",
		"a caps=video/x-raw,width=640!b", "src ! video/x-raw,width=640,height=480 ! sink",
		"src ! video/x-raw(memory:CUDA),format=NV12 ! sink", `src ! "video/x-raw, width=640" ! sink`,
		"src ! tee name=t t. ! queue ! s1 t. ! queue ! s2 t. ! s3",
		"a ! m.sink_0 b ! m.sink_%u nvstreammux name=m ! sink", "a ! b c ! d",
		"mux name=m m. fakesink", "t. ! m.sink_1", `a text="héllo wörld" ! b`,
		"", " \t\n", "! a", "a ! b !", "a ! ! b", "a =b", "queue max-size-buffers=",
		"a k=! b", `filesrc location="x ! b`, `a 'video/x-raw`, `a k="x\"`, "que?ue ! b",
		"a b:c=1", "a ! .sink_0", "a ! m.sink$0", "a name=x name=y", `a name=""`,
		"a name=x ! b name=x", "a ! k=v", "t. k=v", "video/x-raw k=v", `a ! "queue"`,
		`a text="ü" ! ! b`, "a ! bé", "\xff ! \xfe", "a\\", "=", ".", "/", "a/", `"`, `\`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, desc string) {
		pl, err := ParseLaunch(desc)
		n := utf8.RuneCountInString(desc)
		if err != nil {
			var le *LaunchError
			if !errors.As(err, &le) || pl != nil {
				t.Fatalf("ParseLaunch(%q) = %v, %v", desc, pl, err)
			}
			if le.Col < 1 || le.Col > n+1 || !strings.HasPrefix(le.Error(), "launch: column ") {
				t.Fatalf("ParseLaunch(%q): bad error %q", desc, le.Error())
			}
			return
		}
		checkParsed(t, desc, n, pl)
	})
}

// checkParsed checks the invariants of a successful parse of desc, which is
// n runes long.
func checkParsed(t *testing.T, desc string, n int, pl *ParsedLaunch) {
	inDesc := func(col int) bool { return col >= 1 && col <= n }
	names := map[string]bool{}
	for _, e := range pl.Elements {
		if e.Factory == "" || !inDesc(e.Col) || names[e.Name] && e.Name != "" {
			t.Fatalf("ParseLaunch(%q): bad element %+v", desc, *e)
		}
		names[e.Name] = true
		for _, p := range e.Props {
			if p.Key == "" || p.Key == "name" && e.Factory != "capsfilter" || !inDesc(p.Col) {
				t.Fatalf("ParseLaunch(%q): bad property %+v", desc, p)
			}
		}
	}
	checkEnd := func(le LinkEnd) {
		ok := le.Elem >= 0 && le.Elem < len(pl.Elements) && le.Ref == "" && le.Pad == "" ||
			le.Elem == -1 && le.Ref != ""
		if !ok || !inDesc(le.Col) {
			t.Fatalf("ParseLaunch(%q): bad link end %+v", desc, le)
		}
	}
	for _, l := range pl.Links {
		checkEnd(l.Src)
		checkEnd(l.Sink)
		if !inDesc(l.Col) || []rune(desc)[l.Col-1] != '!' || l.Src.Col >= l.Col || l.Col >= l.Sink.Col {
			t.Fatalf("ParseLaunch(%q): bad link %+v", desc, l)
		}
	}
}
