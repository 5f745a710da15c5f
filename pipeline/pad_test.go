package pipeline

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var (
	videoOutClass = stubClass("testvideoout", NewPadTemplate("src", PadSrc, PadAlways, "video/x-raw"))
	audioInClass  = stubClass("testaudioin", NewPadTemplate("sink", PadSink, PadAlways, "audio/x-raw"))
)

func named(e Element, name string) Element {
	if err := e.base().SetName(name); err != nil {
		panic(err)
	}
	return e
}

func TestLinkIncompatibleCapsNamesPadsAndCaps(t *testing.T) {
	link := map[string]func(src, sink Element) error{
		"Pad.Link":     func(src, sink Element) error { return src.base().SrcPad().Link(sink.base().SinkPad()) },
		"LinkElements": LinkElements,
		"LinkPads":     func(src, sink Element) error { return LinkPads(src, "src", sink, "sink") },
	}
	for name, fn := range link {
		t.Run(name, func(t *testing.T) {
			src, sink := named(newStub(videoOutClass), "vsrc"), named(newStub(audioInClass), "asink")
			err := fn(src, sink)
			var le *LinkError
			if !errors.As(err, &le) {
				t.Fatalf("linking video/x-raw to audio/x-raw: %v; want a *LinkError", err)
			}
			for _, want := range []string{"vsrc.src", "asink.sink", "video/x-raw", "audio/x-raw"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %s", err, want)
				}
			}
			if src.base().SrcPad().IsLinked() || sink.base().SinkPad().IsLinked() {
				t.Error("a failed link left a pad linked")
			}
		})
	}
}

func TestLinkRefusesBadLinks(t *testing.T) {
	id1, id2, id3 := NewIdentity(), NewIdentity(), NewIdentity()
	for i, e := range []Element{id1, id2, id3} {
		named(e, []string{"a", "b", "c"}[i])
	}
	if err := id1.Src().Link(id2.Sink()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		src, sink *Pad
		msg       string
	}{
		{"sink to src", id2.Sink(), id3.Src(), "link b.sink -> c.src: wrong direction (sink -> src)"},
		{"to itself", id3.Src(), id3.Sink(), "c.src -> c.sink: an element cannot be linked to itself"},
		{"src already linked", id1.Src(), id3.Sink(), "a.src is already linked to b.sink"},
		{"sink already linked", id3.Src(), id2.Sink(), "b.sink is already linked to a.src"},
	}
	for _, tt := range tests {
		err := tt.src.Link(tt.sink)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: Link = %v; want an error containing %q", tt.name, err, tt.msg)
		}
	}
	if id1.Src().Peer() != id2.Sink() || id2.Sink().Peer() != id1.Src() {
		t.Error("refused links changed the existing link a -> b")
	}
}

func TestUnlinkOnlyLinkedPads(t *testing.T) {
	a, b := NewIdentity(), NewIdentity()
	if a.Src().Unlink(b.Sink()) {
		t.Error("Unlink of unlinked pads reported true")
	}
	if err := a.Src().Link(b.Sink()); err != nil {
		t.Fatal(err)
	}
	if !a.Src().Unlink(b.Sink()) || a.Src().Unlink(b.Sink()) {
		t.Error("Unlink of linked pads must report true once, then false")
	}
	if a.Src().IsLinked() || b.Sink().IsLinked() {
		t.Error("pads still linked after Unlink")
	}
}

func TestPadTemplateMatches(t *testing.T) {
	tests := []struct {
		tmpl, name string
		want       bool
	}{
		{"src", "src", true},
		{"src", "src_0", false},
		{"sink_%u", "sink_0", true},
		{"sink_%u", "sink_17", true},
		{"sink_%u", "sink_", false},
		{"sink_%u", "sink_x", false},
		{"sink_%u", "src_0", false},
		{"src_%d", "src_3", true},
		{"video_%s", "video_main", true},
	}
	for _, tt := range tests {
		tmpl := NewPadTemplate(tt.tmpl, PadSrc, PadRequest, "ANY")
		if got := tmpl.Matches(tt.name); got != tt.want {
			t.Errorf("template %q matches %q = %v; want %v", tt.tmpl, tt.name, got, tt.want)
		}
	}
}

func TestRequestPadNamesAndRelease(t *testing.T) {
	tee := NewTee()
	names := func() []string {
		var out []string
		for _, p := range tee.Pads() {
			out = append(out, p.Name())
		}
		return out
	}
	p0, err := tee.RequestPad("src_%u")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tee.RequestPad("src_%u"); err != nil {
		t.Fatal(err)
	}
	if _, err := tee.RequestPad("src_5"); err != nil {
		t.Fatal(err)
	}
	if got, want := names(), []string{"sink", "src_0", "src_1", "src_5"}; !slices.Equal(got, want) {
		t.Fatalf("pads %v; want %v", got, want)
	}
	if n, _ := tee.Get("num-src-pads"); n != int64(3) {
		t.Errorf("num-src-pads = %v; want 3", n)
	}
	errs := []struct {
		err error
		msg string
	}{
		{second(tee.RequestPad("src_5")), "pad src_5 is already in use"},
		{second(tee.RequestPad("sink_%u")), `no request pad template matches "sink_%u"`},
		{second(NewFakeSink().RequestPad("sink_%u")), "has no request pads"},
		{tee.ReleaseRequestPad(tee.SinkPad()), "is not one of its request pads"},
	}
	for _, e := range errs {
		if e.err == nil || !strings.Contains(e.err.Error(), e.msg) {
			t.Errorf("got error %v; want one containing %q", e.err, e.msg)
		}
	}
	if err := tee.ReleaseRequestPad(p0); err != nil {
		t.Fatal(err)
	}
	if p, err := tee.RequestPad("src_%u"); err != nil || p.Name() != "src_0" {
		t.Errorf("after releasing src_0, RequestPad made %v, %v; want src_0", p, err)
	}
}

func second[T any](_ T, err error) error { return err }

// eventLog is a sink pad that records what reaches it.
type eventLog struct {
	pad    *Pad
	events []string
}

func newEventLog(caps string) *eventLog {
	l := &eventLog{pad: NewPad("sink", NewPadTemplate("sink", PadSink, PadAlways, caps))}
	l.pad.SetEventFunc(func(_ *Pad, ev *Event) bool {
		l.events = append(l.events, ev.Type.String())
		return true
	})
	l.pad.SetChainFunc(func(_ *Pad, b *Buffer) FlowReturn {
		l.events = append(l.events, "buffer")
		b.Unref()
		return FlowOK
	})
	l.pad.SetActive(true)
	return l
}

func TestStickyEventsReplayedToLaterPeer(t *testing.T) {
	src := NewPad("src", NewPadTemplate("src", PadSrc, PadAlways, "ANY"))
	src.SetActive(true)
	caps := MustParseCaps("video/x-raw, width=640")
	for _, ev := range []*Event{NewStreamStartEvent("s"), NewCapsEvent(caps), NewSegmentEvent(NewSegment())} {
		if !src.PushEvent(ev) {
			t.Fatalf("sticky %v on an unlinked pad was refused", ev)
		}
	}
	if src.CurrentCaps() != caps {
		t.Errorf("CurrentCaps = %v; want %v", src.CurrentCaps(), caps)
	}
	log := newEventLog("ANY")
	if err := src.Link(log.pad); err != nil {
		t.Fatal(err)
	}
	if r := src.Push(NewBuffer()); r != FlowOK {
		t.Fatalf("Push = %v", r)
	}
	if r := src.Push(NewBuffer()); r != FlowOK {
		t.Fatalf("Push = %v", r)
	}
	want := []string{"stream-start", "caps", "segment", "buffer", "buffer"}
	if !slices.Equal(log.events, want) {
		t.Errorf("peer saw %v; want %v", log.events, want)
	}
	if ev := log.pad.StickyEvent(EventCaps); ev == nil || ev.Caps != caps {
		t.Errorf("peer's sticky caps = %v; want %v", ev, caps)
	}
}

func TestCapsEventRefusedByTemplate(t *testing.T) {
	log := newEventLog("audio/x-raw")
	src := pushPad(t, log.pad)
	if src.PushEvent(NewCapsEvent(MustParseCaps("video/x-raw"))) {
		t.Error("audio/x-raw pad accepted video/x-raw caps")
	}
	if !src.PushEvent(NewCapsEvent(MustParseCaps("audio/x-raw, rate=48000"))) {
		t.Error("audio/x-raw pad refused audio/x-raw, rate=48000")
	}
	if !slices.Equal(log.events, []string{"caps"}) {
		t.Errorf("event function saw %v; want only the accepted caps", log.events)
	}
}

func TestPushFlowReturns(t *testing.T) {
	log := newEventLog("ANY")
	unlinked := NewPad("src", NewPadTemplate("src", PadSrc, PadAlways, "ANY"))
	unlinked.SetActive(true)
	inactive := NewPad("src", NewPadTemplate("src", PadSrc, PadAlways, "ANY"))
	linked := pushPad(t, log.pad)
	if r := unlinked.Push(NewBuffer()); r != FlowNotLinked {
		t.Errorf("Push on an unlinked pad = %v; want not-linked", r)
	}
	if r := inactive.Push(NewBuffer()); r != FlowFlushing {
		t.Errorf("Push on an inactive pad = %v; want flushing", r)
	}
	linked.PushEvent(NewEOSEvent())
	if r := linked.Push(NewBuffer()); r != FlowEOS {
		t.Errorf("Push after EOS = %v; want eos", r)
	}
	log.pad.SetActive(false)
	if r := linked.Push(NewBuffer()); r != FlowFlushing {
		t.Errorf("Push to an inactive peer = %v; want flushing", r)
	}
}

func TestPushListReachesChainInOrder(t *testing.T) {
	var got []uint64
	sink := NewPad("sink", NewPadTemplate("sink", PadSink, PadAlways, "ANY"))
	sink.SetChainFunc(func(_ *Pad, b *Buffer) FlowReturn {
		got = append(got, b.Offset)
		b.Unref()
		return FlowOK
	})
	sink.SetActive(true)
	src := pushPad(t, sink)
	list := &BufferList{}
	for i := range 4 {
		b := NewBuffer()
		b.Offset = uint64(i)
		list.Buffers = append(list.Buffers, b)
	}
	if r := src.PushList(list); r != FlowOK {
		t.Fatalf("PushList = %v", r)
	}
	if !slices.Equal(got, []uint64{0, 1, 2, 3}) {
		t.Errorf("chain saw %v; want [0 1 2 3]", got)
	}
}

func TestGhostPadsCarryDataThroughBin(t *testing.T) {
	p := NewPipeline("ghosts")
	t.Cleanup(func() { p.SetState(StateNull) })
	bin := NewBin("filter")
	a, b := NewIdentity(), NewIdentity()
	if err := bin.Add(a, b); err != nil {
		t.Fatal(err)
	}
	if err := LinkMany(a, b); err != nil {
		t.Fatal(err)
	}
	if _, err := bin.AddGhostPad("sink", a.Sink()); err != nil {
		t.Fatal(err)
	}
	if _, err := bin.AddGhostPad("src", b.Src()); err != nil {
		t.Fatal(err)
	}
	src, sink := NewFakeSrc(), NewFakeSink()
	if err := src.Set("num-buffers", 7); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(src, bin, sink); err != nil {
		t.Fatal(err)
	}
	if err := LinkMany(src, bin, sink); err != nil {
		t.Fatal(err)
	}
	if src.Src().Peer() != a.Sink() {
		t.Errorf("src is linked to %v; want the ghost pad's target %v", src.Src().Peer(), a.Sink())
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if sink.Count() != 7 {
		t.Errorf("sink got %d buffers through the bin; want 7", sink.Count())
	}
	if p.ByName("identity1") != b {
		t.Errorf("ByName does not find elements inside sub-bins")
	}
}
