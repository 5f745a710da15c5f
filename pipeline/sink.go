package pipeline

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Renderer is what a sink element implements on top of SinkBase. Render
// borrows buf: the base unrefs it afterwards (Ref it to keep it).
type Renderer interface {
	Render(ctx context.Context, buf *Buffer) error
}

// SinkBase is the base of sink elements (one "sink" pad): it prerolls
// (holds the first buffer while PAUSED so that PAUSED means "ready to
// play"), waits for each buffer's running time on the pipeline clock when
// sync is on, posts EOS when the stream ends, and calls Render.
type SinkBase struct {
	ElementBase
	sink *Pad
	impl Renderer
	// Sync makes the sink render each buffer at its running time; Async
	// makes READY -> PAUSED wait for the first buffer (preroll). Elements
	// bind them to their "sync" and "async" properties.
	Sync, Async bool

	playing   atomic.Bool
	prerolled bool // streaming goroutine only
	mu        sync.Mutex
	wake      chan struct{} // closed and replaced when playing or flushing changes
	segment   Segment       // streaming goroutine only
	timer     *time.Timer
	ctx       context.Context
	cancel    context.CancelFunc
}

// InitSink initialises the base; class must have an always "sink" template.
func (s *SinkBase) InitSink(self interface {
	Element
	Renderer
}, class *ElementClass) {
	s.Init(self, class)
	s.impl = self
	s.sink = s.StaticPad("sink")
	if s.sink == nil {
		panic("pipeline: sink class " + class.Factory + " has no sink template")
	}
	s.sink.SetChainFunc(s.chain)
	s.sink.SetEventFunc(s.event)
	s.wake = make(chan struct{})
	s.segment = NewSegment()
	s.ctx = context.Background()
}

// Sink returns the sink pad.
func (s *SinkBase) Sink() *Pad { return s.sink }

func (s *SinkBase) signal() {
	s.mu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

func (s *SinkBase) wakeChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake
}

// waitPlaying holds the streaming goroutine while PAUSED; false when flushing.
func (s *SinkBase) waitPlaying() bool {
	for !s.playing.Load() {
		ch := s.wakeChan()
		if s.sink.flushing.Load() {
			return false
		}
		if s.playing.Load() {
			break
		}
		<-ch
	}
	return !s.sink.flushing.Load()
}

// preroll marks the sink prerolled and waits for PLAYING.
func (s *SinkBase) preroll() bool {
	if !s.prerolled {
		s.prerolled = true
		if s.Async {
			s.Post(&Message{Type: MessageAsyncDone})
		}
	}
	return s.waitPlaying()
}

// waitClock waits until the buffer's running time; false when flushing or
// paused before it came.
func (s *SinkBase) waitClock(pts ClockTime) bool {
	clock := s.Clock()
	rt := s.segment.RunningTime(pts)
	if clock == nil || rt == NoTime {
		return true
	}
	d := rt + s.BaseTime() - clock.Now()
	if d <= 0 {
		return true
	}
	if s.timer == nil {
		s.timer = time.NewTimer(d)
	} else {
		s.timer.Reset(d)
	}
	select {
	case <-s.timer.C:
		return true
	case <-s.wakeChan():
		s.timer.Stop()
		return false
	}
}

func (s *SinkBase) chain(_ *Pad, buf *Buffer) FlowReturn {
	for {
		// A sink already PLAYING still commits its preroll (async-done)
		// with its first buffer.
		if (!s.prerolled || !s.playing.Load()) && !s.preroll() {
			buf.Unref()
			return FlowFlushing
		}
		if !s.Sync || buf.PTS == NoTime || s.waitClock(buf.PTS) {
			break
		}
		if s.sink.flushing.Load() {
			buf.Unref()
			return FlowFlushing
		}
		// Paused while waiting: wait for PLAYING again, then re-check time.
	}
	err := s.impl.Render(s.ctx, buf)
	buf.Unref()
	if err != nil {
		if err == errSinkEOS {
			return FlowEOS
		}
		s.PostError(err, "")
		return FlowError
	}
	return FlowOK
}

// errSinkEOS lets a sink's Render say it wants no more data.
var errSinkEOS = &sinkEOSError{}

type sinkEOSError struct{}

func (*sinkEOSError) Error() string { return "sink accepts no more data" }

// ErrSinkEOS is returned by Render to make upstream stop with EOS (as a
// sink with num-buffers does).
var ErrSinkEOS error = errSinkEOS

func (s *SinkBase) event(p *Pad, ev *Event) bool {
	if h, ok := s.impl.(SinkEventHandler); ok {
		if handled, res := h.SinkEvent(ev); handled {
			return res
		}
	}
	switch ev.Type {
	case EventSegment:
		s.segment = ev.Segment
	case EventFlushStart:
		s.signal()
	case EventFlushStop:
		s.prerolled = false
	case EventEOS:
		// EOS prerolls too: a pipeline whose stream is empty still completes.
		if (!s.prerolled || !s.playing.Load()) && !s.preroll() {
			return false
		}
		s.Post(&Message{Type: MessageEOS})
	}
	return true
}

// ChangeState manages preroll and the playing flag.
func (s *SinkBase) ChangeState(t StateChange) (StateChangeReturn, error) {
	switch t {
	case ReadyToPaused:
		s.prerolled = false
		s.segment = NewSegment()
		s.ctx, s.cancel = context.WithCancel(context.Background())
		if st, ok := s.impl.(Starter); ok {
			if err := st.Start(s.ctx); err != nil {
				return StateChangeFailure, err
			}
		}
		s.ElementBase.ChangeState(t)
		if s.Async {
			s.Post(&Message{Type: messageAsyncStart})
			return StateChangeAsync, nil
		}
	case PausedToPlaying:
		s.playing.Store(true)
		s.signal()
	case PlayingToPaused:
		s.playing.Store(false)
		s.signal()
	case PausedToReady:
		s.ElementBase.ChangeState(t)
		s.signal()
		if s.cancel != nil {
			s.cancel()
		}
		if st, ok := s.impl.(Stopper); ok {
			if err := st.Stop(); err != nil {
				return StateChangeFailure, err
			}
		}
	}
	return StateChangeSuccess, nil
}
