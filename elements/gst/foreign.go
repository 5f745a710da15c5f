//go:build !nogst

package gst

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-gst/go-gst/gst"

	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// Foreign makes GStreamer elements usable in dsgo launch lines: it
// implements pipeline.ForeignElements and is installed in the default
// registry when the package is imported.
type Foreign struct{}

func init() { pipeline.DefaultRegistry().SetForeign(Foreign{}) }

// Has reports whether GStreamer has an element factory of that name.
func (Foreign) Has(factory string) bool {
	initGStreamer()
	return gst.Find(factory) != nil
}

// MakeBin returns a dsgo element running the GStreamer launch fragment in
// an internal GStreamer pipeline. With sink, dsgo buffers enter it through
// an appsrc; with src, its output leaves through an appsink. A fragment
// with a sink pad only is a dsgo sink: it posts EOS once GStreamer has
// finished (muxers have written their files).
func (Foreign) MakeBin(fragment string, sink, src bool) (pipeline.Element, error) {
	return NewBin(fragment, sink, src)
}

// NewBin is Foreign.MakeBin.
func NewBin(fragment string, sink, src bool) (pipeline.Element, error) {
	fragment = strings.TrimSpace(fragment)
	if fragment == "" {
		return nil, errors.New("empty GStreamer fragment")
	}
	if !sink && !src {
		return nil, fmt.Errorf("GStreamer fragment %q must connect to a dsgo element", fragment)
	}
	initGStreamer()
	// Check the fragment now, so that a launch line fails where it is wrong.
	s, err := newSession(binLaunch(fragment, sink, src, ""))
	if err != nil {
		return nil, fmt.Errorf("GStreamer fragment %q: %w", fragment, err)
	}
	s.close()
	if !src {
		return newBinSink(fragment), nil
	}
	return newBinSource(fragment, sink), nil
}

// binLaunch returns the internal pipeline around a fragment; caps, if not
// empty, restrict what the appsink takes.
func binLaunch(fragment string, sink, src bool, caps string) string {
	desc := fragment
	if sink {
		desc = appSrcLaunch + " ! " + desc
	}
	if src {
		desc += " ! appsink name=dsgo_sink sync=false max-buffers=4 enable-last-sample=false"
		if caps != "" {
			desc += " caps=" + quote(caps)
		}
	}
	return desc
}

// appSrcLaunch is the appsrc dsgo feeds: time-stamped, blocking when four
// buffers wait, so that GStreamer's pace holds dsgo back.
const appSrcLaunch = "appsrc name=dsgo_src format=time block=true max-buffers=4 max-bytes=0"

var (
	binSinkTmpl = pipeline.NewPadTemplate("sink", pipeline.PadSink, pipeline.PadAlways, "ANY")
	binSrcTmpl  = pipeline.NewPadTemplate("src", pipeline.PadSrc, pipeline.PadAlways, "ANY")
	binProps    = []pipeline.Prop{
		pipeline.ReadOnlyProp("fragment", "The GStreamer launch fragment it runs", pipeline.PropString,
			func(e pipeline.Element) any { return fragmentOf(e) }),
	}
	binFilterClass = &pipeline.ElementClass{Factory: "gstbin", Klass: "Filter/Bin/GStreamer",
		Description: "GStreamer elements between an appsrc and an appsink",
		Templates:   []*pipeline.PadTemplate{binSinkTmpl, binSrcTmpl}, Props: binProps}
	binSourceClass = &pipeline.ElementClass{Factory: "gstbin", Klass: "Source/Bin/GStreamer",
		Description: "GStreamer elements ending in an appsink",
		Templates:   []*pipeline.PadTemplate{binSrcTmpl}, Props: binProps}
	binSinkClass = &pipeline.ElementClass{Factory: "gstbin", Klass: "Sink/Bin/GStreamer",
		Description: "GStreamer elements fed by an appsrc",
		Templates:   []*pipeline.PadTemplate{binSinkTmpl}, Props: binProps}
)

func fragmentOf(e pipeline.Element) string {
	switch b := e.(type) {
	case *BinSource:
		return b.fragment
	case *BinSink:
		return b.fragment
	}
	return ""
}

// feeder pushes dsgo buffers and events into a session's appsrc.
type feeder struct{ sess *session }

// event handles a dsgo event arriving for the appsrc: caps become the
// appsrc's caps, EOS ends its stream; the rest stays on the dsgo side.
func (f feeder) event(ev *pipeline.Event) error {
	switch ev.Type {
	case pipeline.EventCaps:
		for _, st := range ev.Caps.Structures {
			if st.HasFeature(pipeline.CapsFeatureCUDA) {
				return fmt.Errorf("caps %s: %w", ev.Caps, errNotHost)
			}
		}
		return setAppSrcCaps(f.sess.appsrc, ev.Caps.String())
	case pipeline.EventEOS:
		endOfStream(f.sess.appsrc)
	}
	return nil
}

// push hands a buffer (owned) to the appsrc.
func (f feeder) push(buf *pipeline.Buffer) (pipeline.FlowReturn, error) {
	ret, err := pushBuffer(f.sess.appsrc, buf)
	if err != nil {
		return ret, err
	}
	if ret != pipeline.FlowOK && ret != pipeline.FlowFlushing {
		return ret, flowError(ret, f.sess)
	}
	if err := f.sess.Err(); err != nil {
		return pipeline.FlowError, err
	}
	return ret, nil
}

// BinSource runs a GStreamer fragment whose output dsgo reads: a source
// (the fragment starts with a GStreamer source) or, with a sink pad, a
// filter fed by dsgo.
type BinSource struct {
	pipeline.SourceBase
	fragment string
	feed     bool // has a sink pad

	mu     sync.Mutex // guards sess for the sink pad's goroutine
	sess   *session
	caps   *pipeline.Caps
	info   video.Info
	raw    bool // caps are raw video dsgo knows: frames get video.Info sizes
	frames *pipeline.BufferPool
}

func newBinSource(fragment string, feed bool) *BinSource {
	b := &BinSource{fragment: fragment, feed: feed}
	class := binSourceClass
	if feed {
		class = binFilterClass
	}
	b.InitSource(b, class)
	if feed {
		sink := b.StaticPad("sink")
		sink.SetChainFunc(b.chain)
		sink.SetEventFunc(b.sinkEvent)
	}
	return b
}

// Start builds and starts the GStreamer pipeline; a source fragment
// prerolls so that its caps are known. The GStreamer elements are asked
// for caps that the dsgo elements downstream accept.
func (b *BinSource) Start(ctx context.Context) error {
	s, err := newSession(binLaunch(b.fragment, b.feed, true, b.downstreamCaps()))
	if err != nil {
		if s, err = newSession(binLaunch(b.fragment, b.feed, true, "")); err != nil {
			return fmt.Errorf("GStreamer fragment %q: %w", b.fragment, err)
		}
	}
	s.onWarning = func(err error) { b.PostWarning(err, debugOf(err)) }
	b.frames, _ = pipeline.NewBufferPool(0, 4, 0)
	b.caps, b.raw = nil, false
	caps, live, err := s.start(ctx, !b.feed, 10*time.Second)
	if err != nil {
		s.close()
		return fmt.Errorf("GStreamer fragment %q: %w", b.fragment, err)
	}
	if caps != "" {
		b.setCaps(s, caps)
	}
	b.SetLive(live)
	b.mu.Lock()
	b.sess = s
	b.mu.Unlock()
	return nil
}

// downstreamCaps returns what the dsgo elements downstream accept, as a
// filter for the appsink, or "" for anything.
func (b *BinSource) downstreamCaps() string {
	c := b.Src().PeerQueryCaps(nil)
	if c.IsAny() || c.IsEmpty() {
		return ""
	}
	return c.String()
}

// setCaps converts the appsink's caps.
func (b *BinSource) setCaps(s *session, caps string) {
	b.info, b.raw = s.reader.videoInfo()
	if b.raw {
		b.caps = b.info.Caps()
		return
	}
	c, err := pipeline.ParseCaps(caps)
	if err != nil {
		name, _, _ := strings.Cut(caps, ",")
		c = pipeline.NewCaps(pipeline.NewStructure(strings.TrimSpace(name)))
	}
	b.caps = c
}

// Stop tears the GStreamer pipeline down.
func (b *BinSource) Stop() error {
	b.mu.Lock()
	s := b.sess
	b.sess = nil
	b.mu.Unlock()
	if s != nil {
		s.close()
	}
	return nil
}

// Caps returns the output caps when they were known at start.
func (b *BinSource) Caps() *pipeline.Caps { return b.caps }

// Create returns the next buffer out of GStreamer.
func (b *BinSource) Create(ctx context.Context) (*pipeline.Buffer, error) {
	p, err := b.sess.next(ctx)
	if err != nil {
		return nil, err // io.EOF, ctx's error or GStreamer's
	}
	if p.caps != "" {
		first := b.caps == nil
		b.setCaps(b.sess, p.caps)
		b.Src().PushEvent(pipeline.NewCapsEvent(b.caps))
		if first {
			b.Src().PushEvent(pipeline.NewSegmentEvent(pipeline.NewSegment()))
		}
	}
	size := 0
	if b.raw {
		size = b.info.Size
	}
	return frameBuffer(p.frame, b.frames, nil, size, false)
}

// session returns the running session, or nil.
func (b *BinSource) session() *session {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sess
}

func (b *BinSource) chain(_ *pipeline.Pad, buf *pipeline.Buffer) pipeline.FlowReturn {
	s := b.session()
	if s == nil {
		buf.Unref()
		return pipeline.FlowFlushing
	}
	ret, err := feeder{s}.push(buf)
	if err != nil {
		b.PostError(err, debugOf(err))
	}
	return ret
}

func (b *BinSource) sinkEvent(_ *pipeline.Pad, ev *pipeline.Event) bool {
	s := b.session()
	if s == nil {
		return ev.Type.IsSticky()
	}
	if err := (feeder{s}).event(ev); err != nil {
		b.PostError(err, "")
		return false
	}
	return true
}

// BinSink runs a GStreamer fragment that ends in a GStreamer sink (a
// filesink after a muxer); dsgo feeds it through an appsrc.
type BinSink struct {
	feedSink
	fragment string
}

func newBinSink(fragment string) *BinSink {
	b := &BinSink{fragment: fragment}
	b.InitSink(b, binSinkClass)
	b.Async = true
	return b
}

// Start builds the GStreamer pipeline and sets it PLAYING.
func (b *BinSink) Start(ctx context.Context) error {
	if err := b.open(ctx, b.fragment); err != nil {
		return fmt.Errorf("GStreamer fragment %q: %w", b.fragment, err)
	}
	return nil
}

// feedSink is the base of sinks that feed a GStreamer pipeline through an
// appsrc: it posts GStreamer's errors and warnings, and EOS only once
// GStreamer has finished.
type feedSink struct {
	pipeline.SinkBase
	mu   sync.Mutex // guards ctx and sess against Stop
	ctx  context.Context
	sess *session
}

// open builds appsrc ! fragment and sets it PLAYING.
func (f *feedSink) open(ctx context.Context, fragment string) error {
	s, err := newSession(binLaunch(fragment, true, false, ""))
	if err != nil {
		return err
	}
	s.onWarning = func(err error) { f.PostWarning(err, debugOf(err)) }
	s.onError = func(err error) { f.PostError(err, debugOf(err)) }
	if _, _, err := s.start(ctx, false, 0); err != nil {
		s.close()
		return err
	}
	f.mu.Lock()
	f.ctx, f.sess = ctx, s
	f.mu.Unlock()
	return nil
}

// session returns the running session and its context.
func (f *feedSink) session() (*session, context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sess, f.ctx
}

// Stop tears the GStreamer pipeline down; a file not finished by EOS may
// be unreadable.
func (f *feedSink) Stop() error {
	f.mu.Lock()
	s := f.sess
	f.sess = nil
	f.mu.Unlock()
	if s != nil {
		s.close()
	}
	return nil
}

// Render pushes the buffer into GStreamer. After a GStreamer error
// (already posted) it asks upstream to stop.
func (f *feedSink) Render(_ context.Context, buf *pipeline.Buffer) error {
	s, _ := f.session()
	if s == nil {
		return pipeline.ErrSinkEOS
	}
	ret, err := feeder{s}.push(buf.Ref())
	switch {
	case s.Err() != nil:
		return pipeline.ErrSinkEOS
	case err != nil:
		return err
	case ret != pipeline.FlowOK:
		return pipeline.ErrSinkEOS
	}
	return nil
}

// SinkEvent passes caps to the appsrc and, at EOS, waits for GStreamer to
// finish before the base posts EOS.
func (f *feedSink) SinkEvent(ev *pipeline.Event) (handled, ok bool) {
	s, ctx := f.session()
	return feedEvent(ctx, s, ev, &f.ElementBase)
}

// feedEvent handles an event of a sink element feeding a session: at EOS
// it waits until GStreamer has finished; handled is true when the base
// must not go on (the event failed).
func feedEvent(ctx context.Context, s *session, ev *pipeline.Event, e *pipeline.ElementBase) (handled, ok bool) {
	if s == nil {
		return false, true
	}
	if err := (feeder{s}).event(ev); err != nil {
		e.PostError(err, "")
		return true, false
	}
	if ev.Type == pipeline.EventEOS {
		if err := s.waitEOS(ctx); err != nil {
			return true, false // GStreamer's error is on the bus already
		}
	}
	return false, true
}
