package pipeline

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// el and end build expected ASTs compactly.
func el(factory, name string, col int, props ...ParsedProp) *ParsedElement {
	return &ParsedElement{Factory: factory, Name: name, Props: props, Col: col}
}

func end(elem, col int) LinkEnd { return LinkEnd{Elem: elem, Col: col} }

func ref(name, pad string, col int) LinkEnd {
	return LinkEnd{Elem: -1, Ref: name, Pad: pad, Col: col}
}

func link(src, sink LinkEnd, col int) ParsedLink {
	return ParsedLink{Src: src, Sink: sink, Col: col}
}

func capsEl(caps string, col int) *ParsedElement {
	return el("capsfilter", "", col, ParsedProp{"caps", caps, col})
}

func TestParseLaunchValid(t *testing.T) {
	tests := []struct {
		name  string
		desc  string
		elems []*ParsedElement
		links []ParsedLink
	}{
		{"single element", "fakesrc",
			[]*ParsedElement{el("fakesrc", "", 1)}, nil},
		{"simple chain", "videotestsrc ! fakesink",
			[]*ParsedElement{el("videotestsrc", "", 1), el("fakesink", "", 16)},
			[]ParsedLink{link(end(0, 1), end(1, 16), 14)}},
		{"links without spaces", "a!b!c",
			[]*ParsedElement{el("a", "", 1), el("b", "", 3), el("c", "", 5)},
			[]ParsedLink{link(end(0, 1), end(1, 3), 2), link(end(1, 3), end(2, 5), 4)}},
		{"tabs and newlines separate tokens", "a\t!\n  b",
			[]*ParsedElement{el("a", "", 1), el("b", "", 7)},
			[]ParsedLink{link(end(0, 1), end(1, 7), 3)}},
		{"properties in order", "src num-buffers=10 is_live=true ! q max-size-buffers=3",
			[]*ParsedElement{
				el("src", "", 1, ParsedProp{"num-buffers", "10", 5}, ParsedProp{"is_live", "true", 20}),
				el("q", "", 35, ParsedProp{"max-size-buffers", "3", 37})},
			[]ParsedLink{link(end(0, 1), end(1, 35), 33)}},
		{"name kept out of props", "src name=s k=v",
			[]*ParsedElement{el("src", "s", 1, ParsedProp{"k", "v", 12})}, nil},
		{"double-quoted value", `filesrc location="my file.mp4"`,
			[]*ParsedElement{el("filesrc", "", 1, ParsedProp{"location", "my file.mp4", 9})}, nil},
		{"escaped quotes in value", `t text="say \"hi\""`,
			[]*ParsedElement{el("t", "", 1, ParsedProp{"text", `say "hi"`, 3})}, nil},
		{"single-quoted value", `t text='a "b" !c'`,
			[]*ParsedElement{el("t", "", 1, ParsedProp{"text", `a "b" !c`, 3})}, nil},
		{"escapes in bare value", `t text=a\ b\\c k=""`,
			[]*ParsedElement{el("t", "", 1, ParsedProp{"text", `a b\c`, 3}, ParsedProp{"k", "", 16})}, nil},
		{"bare value with uri characters", "uridecodebin uri=file:///a/b.mp4 k=x=y",
			[]*ParsedElement{el("uridecodebin", "", 1,
				ParsedProp{"uri", "file:///a/b.mp4", 14}, ParsedProp{"k", "x=y", 34})}, nil},
		{"bare value ends at bang", "a caps=video/x-raw,width=640!b",
			[]*ParsedElement{el("a", "", 1, ParsedProp{"caps", "video/x-raw,width=640", 3}), el("b", "", 30)},
			[]ParsedLink{link(end(0, 1), end(1, 30), 29)}},
		{"caps filter", "src ! video/x-raw,width=640,height=480 ! sink",
			[]*ParsedElement{el("src", "", 1), capsEl("video/x-raw,width=640,height=480", 7), el("sink", "", 42)},
			[]ParsedLink{link(end(0, 1), end(1, 7), 5), link(end(1, 7), end(2, 42), 40)}},
		{"caps filter with features", "src ! video/x-raw(memory:CUDA),format=NV12 ! sink",
			[]*ParsedElement{el("src", "", 1), capsEl("video/x-raw(memory:CUDA),format=NV12", 7), el("sink", "", 46)},
			[]ParsedLink{link(end(0, 1), end(1, 7), 5), link(end(1, 7), end(2, 46), 44)}},
		{"quoted caps filter", `src ! "video/x-raw, width=640" ! sink`,
			[]*ParsedElement{el("src", "", 1), capsEl("video/x-raw, width=640", 7), el("sink", "", 34)},
			[]ParsedLink{link(end(0, 1), end(1, 7), 5), link(end(1, 7), end(2, 34), 32)}},
		{"tee with three branches",
			"src ! tee name=t t. ! queue ! s1 t. ! queue ! s2 t. ! s3",
			[]*ParsedElement{el("src", "", 1), el("tee", "t", 7), el("queue", "", 23),
				el("s1", "", 31), el("queue", "", 39), el("s2", "", 47), el("s3", "", 55)},
			[]ParsedLink{
				link(end(0, 1), end(1, 7), 5),
				link(ref("t", "", 18), end(2, 23), 21), link(end(2, 23), end(3, 31), 29),
				link(ref("t", "", 34), end(4, 39), 37), link(end(4, 39), end(5, 47), 45),
				link(ref("t", "", 50), end(6, 55), 53)}},
		{"streammux referenced before its definition",
			"a ! m.sink_0 b ! m.sink_%u nvstreammux name=m ! sink",
			[]*ParsedElement{el("a", "", 1), el("b", "", 14), el("nvstreammux", "m", 28), el("sink", "", 49)},
			[]ParsedLink{
				link(end(0, 1), ref("m", "sink_0", 5), 3),
				link(end(1, 14), ref("m", "sink_%u", 18), 16),
				link(end(2, 28), end(3, 49), 47)}},
		{"multiple chains", "a ! b c ! d",
			[]*ParsedElement{el("a", "", 1), el("b", "", 5), el("c", "", 7), el("d", "", 11)},
			[]ParsedLink{link(end(0, 1), end(1, 5), 3), link(end(2, 7), end(3, 11), 9)}},
		{"lone reference is not linked", "mux name=m m. fakesink",
			[]*ParsedElement{el("mux", "m", 1), el("fakesink", "", 15)}, nil},
		{"reference to reference", "t. ! m.sink_1",
			nil, []ParsedLink{link(ref("t", "", 1), ref("m", "sink_1", 6), 4)}},
		{"columns count runes", `a text="héllo wörld" ! b`,
			[]*ParsedElement{el("a", "", 1, ParsedProp{"text", "héllo wörld", 3}), el("b", "", 24)},
			[]ParsedLink{link(end(0, 1), end(1, 24), 22)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLaunch(tt.desc)
			if err != nil {
				t.Fatalf("ParseLaunch(%q): %v", tt.desc, err)
			}
			want := &ParsedLaunch{Elements: tt.elems, Links: tt.links}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseLaunch(%q)\n got %s\nwant %s", tt.desc, dumpLaunch(got), dumpLaunch(want))
			}
		})
	}
}

// dumpLaunch formats pl readably for test failures.
func dumpLaunch(pl *ParsedLaunch) string {
	var b strings.Builder
	for _, e := range pl.Elements {
		fmt.Fprintf(&b, "\n  %+v", *e)
	}
	for _, l := range pl.Links {
		fmt.Fprintf(&b, "\n  %+v", l)
	}
	return b.String()
}

func TestParseLaunchInvalid(t *testing.T) {
	tests := []struct {
		name string
		desc string
		col  int
		msg  string
	}{
		{"empty description", "", 1, "empty description"},
		{"blank description", " \t\n", 1, "empty description"},
		{"bang at start", "! a", 1, "at start"},
		{"bang at end", "a ! b !", 7, "at end"},
		{"doubled bang", "a ! ! b", 5, "doubled '!'"},
		{"equals without key", "a =b", 3, "without a property name"},
		{"missing value", "queue max-size-buffers=", 23, `missing value for property "max-size-buffers"`},
		{"missing value before bang", "a k=! b", 4, "missing value"},
		{"unterminated double quote", `filesrc location="x ! b`, 18, "unterminated quote"},
		{"unterminated single quote", `a 'video/x-raw`, 3, "unterminated quote"},
		{"escaped closing quote", `a k="x\"`, 5, "unterminated quote"},
		{"invalid factory character", "que?ue ! b", 4, `invalid character '?' in factory name`},
		{"invalid property name character", "a b:c=1", 4, "in property name"},
		{"reference with empty name", "a ! .sink_0", 5, "empty element name"},
		{"invalid pad character", "a ! m.sink$0", 11, "in pad name"},
		{"invalid reference name character", "a ! m:x.sink", 6, "in element name"},
		{"name given twice", "a name=x name=y", 10, "name given twice"},
		{"empty name", `a name=""`, 3, "empty element name"},
		{"duplicate element name", "a name=x ! b name=x", 14, `element name "x" used twice`},
		{"property after bang", "a ! k=v", 5, "does not follow an element"},
		{"property after reference", "t. k=v", 4, "does not follow an element"},
		{"property after caps", "video/x-raw k=v", 13, "does not follow an element"},
		{"quoted item that is not caps", `a ! "queue"`, 5, "is not a caps string"},
		{"columns count runes", `a text="ü" ! ! b`, 14, "doubled"},
		{"non-ASCII factory name", "a ! bé", 6, "invalid character 'é'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLaunch(tt.desc)
			var le *LaunchError
			if !errors.As(err, &le) {
				t.Fatalf("ParseLaunch(%q) = %v, %v; want *LaunchError", tt.desc, got, err)
			}
			if got != nil {
				t.Errorf("ParseLaunch(%q) returned a result with its error", tt.desc)
			}
			if le.Col != tt.col || !strings.Contains(le.Msg, tt.msg) || le.Desc != tt.desc {
				t.Errorf("ParseLaunch(%q) error at column %d %q; want column %d containing %q",
					tt.desc, le.Col, le.Msg, tt.col, tt.msg)
			}
		})
	}
}

func TestLaunchErrorFormat(t *testing.T) {
	tests := []struct {
		desc string
		want string
	}{
		{"a ! ! b", "launch: column 5: doubled '!', expected an element between\n  a ! ! b\n      ^"},
		{"a k=ü\t! !", "launch: column 9: doubled '!', expected an element between\n  a k=ü\t! !\n       \t  ^"},
		{"a\n!", "launch: column 3: '!' at end of description, expected an element after it\n  a !\n    ^"},
	}
	for _, tt := range tests {
		_, err := ParseLaunch(tt.desc)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseLaunch(%q) error:\n%v\nwant:\n%s", tt.desc, err, tt.want)
		}
	}
}
