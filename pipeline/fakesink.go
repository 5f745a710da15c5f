package pipeline

import (
	"context"
	"sync/atomic"
)

// FakeSink swallows buffers: the sink for tests, benchmarks and pipelines
// whose output is only metadata, as GStreamer's fakesink.
type FakeSink struct {
	SinkBase
	numBuffers int64
	silent     bool
	handoff    func(*Buffer)
	count      atomic.Int64
}

var fakeSinkClass = &ElementClass{
	Factory:     "fakesink",
	Klass:       "Sink",
	Description: "Discard buffers",
	Templates:   []*PadTemplate{NewPadTemplate("sink", PadSink, PadAlways, "ANY")},
	Props: []Prop{
		BoolProp("sync", "Render buffers at their running time on the clock", false, func(e *FakeSink) *bool { return &e.Sync }),
		BoolProp("async", "Go to PAUSED only once the first buffer arrives (preroll)", true, func(e *FakeSink) *bool { return &e.Async }),
		BoolProp("silent", "Do not post a message for each buffer", true, func(e *FakeSink) *bool { return &e.silent }),
		IntProp("num-buffers", "Accept this many buffers, then return EOS upstream (-1 = unlimited)", -1, -1, 1<<62, func(e *FakeSink) *int64 { return &e.numBuffers }),
		ReadOnlyProp("buffers", "Buffers rendered since start", PropInt, func(e *FakeSink) any { return e.count.Load() }),
	},
}

func init() { Register(fakeSinkClass, func() Element { return NewFakeSink() }) }

// NewFakeSink returns a fakesink with default properties.
func NewFakeSink() *FakeSink {
	s := &FakeSink{}
	s.InitSink(s, fakeSinkClass)
	return s
}

// SetHandoff sets a function called with every buffer before it is
// dropped (GStreamer's handoff signal); set it before starting.
func (s *FakeSink) SetHandoff(fn func(*Buffer)) { s.handoff = fn }

// Count returns the number of buffers rendered.
func (s *FakeSink) Count() int64 { return s.count.Load() }

// Start resets the counter.
func (s *FakeSink) Start(context.Context) error {
	s.count.Store(0)
	return nil
}

// Render counts the buffer and calls the handoff function.
func (s *FakeSink) Render(_ context.Context, b *Buffer) error {
	n := s.count.Add(1)
	if s.handoff != nil {
		s.handoff(b)
	}
	if !s.silent {
		s.PostElement(NewStructure("fakesink-handoff", "pts", int(b.PTS), "size", b.Size(), "offset", int(b.Offset)))
	}
	if s.numBuffers >= 0 && n >= s.numBuffers {
		return ErrSinkEOS
	}
	return nil
}
