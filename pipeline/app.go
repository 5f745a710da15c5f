package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// AppSrc lets Go code push buffers into a pipeline. Push blocks while
// max-buffers are waiting (backpressure) unless block is off, in which case
// it fails with ErrAppSrcFull.
type AppSrc struct {
	SourceBase
	caps       *Caps
	isLive     bool
	maxBuffers int64
	block      bool

	mu     sync.Mutex
	queue  chan *Buffer // nil entry marks end of stream
	closed bool
}

// ErrAppSrcFull is returned by a non-blocking Push on a full AppSrc.
var ErrAppSrcFull = errors.New("appsrc: queue full")

// ErrAppSrcStopped is returned by Push when the element is not running.
var ErrAppSrcStopped = errors.New("appsrc: not running (set the pipeline to PAUSED or PLAYING first)")

var appSrcClass = &ElementClass{
	Factory:     "appsrc",
	Klass:       "Source/Generic",
	Description: "Push buffers from Go code into the pipeline",
	Templates:   []*PadTemplate{NewPadTemplate("src", PadSrc, PadAlways, "ANY")},
	Props: []Prop{
		CapsProp("caps", "Caps of the pushed buffers, negotiated before the first", func(e *AppSrc) **Caps { return &e.caps }),
		BoolProp("is-live", "Produce only while PLAYING", false, func(e *AppSrc) *bool { return &e.isLive }),
		IntProp("max-buffers", "Buffers waiting before Push blocks", 200, 1, 1<<20, func(e *AppSrc) *int64 { return &e.maxBuffers }),
		BoolProp("block", "Block Push while full (else fail)", true, func(e *AppSrc) *bool { return &e.block }),
	},
}

func init() { Register(appSrcClass, func() Element { return NewAppSrc() }) }

// NewAppSrc returns an appsrc with default properties.
func NewAppSrc() *AppSrc {
	s := &AppSrc{}
	s.InitSource(s, appSrcClass)
	return s
}

// Start opens the queue.
func (s *AppSrc) Start(context.Context) error {
	s.SetLive(s.isLive)
	s.mu.Lock()
	s.queue = make(chan *Buffer, s.maxBuffers+1)
	s.closed = false
	s.mu.Unlock()
	return nil
}

// Stop drops what was not pushed.
func (s *AppSrc) Stop() error {
	s.mu.Lock()
	q := s.queue
	s.queue = nil
	s.mu.Unlock()
	for q != nil {
		select {
		case b := <-q:
			if b != nil {
				b.Unref()
			}
		default:
			q = nil
		}
	}
	return nil
}

// Caps returns the caps property for negotiation.
func (s *AppSrc) Caps() *Caps { return s.caps }

// Push queues a buffer for the pipeline; it takes ownership of buf.
func (s *AppSrc) Push(ctx context.Context, buf *Buffer) error {
	s.mu.Lock()
	q, closed := s.queue, s.closed
	s.mu.Unlock()
	if q == nil {
		buf.Unref()
		return ErrAppSrcStopped
	}
	if closed {
		buf.Unref()
		return fmt.Errorf("appsrc %s: push after end of stream", s.Name())
	}
	if len(q) >= int(s.maxBuffers) && !s.block {
		buf.Unref()
		return ErrAppSrcFull
	}
	select {
	case q <- buf:
		return nil
	case <-ctx.Done():
		buf.Unref()
		return ctx.Err()
	}
}

// EndOfStream ends the stream after the buffers already pushed.
func (s *AppSrc) EndOfStream() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queue == nil {
		return ErrAppSrcStopped
	}
	if !s.closed {
		s.closed = true
		go func(q chan *Buffer) { q <- nil }(s.queue)
	}
	return nil
}

// Create returns the next pushed buffer.
func (s *AppSrc) Create(ctx context.Context) (*Buffer, error) {
	s.mu.Lock()
	q := s.queue
	s.mu.Unlock()
	select {
	case b := <-q:
		if b == nil {
			return nil, io.EOF
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// AppSink hands buffers to Go code, pulled with Pull or pushed to a
// callback. With max-buffers set it holds at most that many, blocking the
// stream (or dropping the oldest when drop is on).
type AppSink struct {
	SinkBase
	maxBuffers int64
	drop       bool
	callback   func(*Buffer) error

	mu     sync.Mutex
	queue  []*Buffer
	eos    bool
	wake   chan struct{}
	closed bool
}

var appSinkClass = &ElementClass{
	Factory:     "appsink",
	Klass:       "Sink/Generic",
	Description: "Hand buffers to Go code",
	Templates:   []*PadTemplate{NewPadTemplate("sink", PadSink, PadAlways, "ANY")},
	Props: []Prop{
		BoolProp("sync", "Render buffers at their running time on the clock", true, func(e *AppSink) *bool { return &e.Sync }),
		BoolProp("async", "Preroll before reaching PAUSED", true, func(e *AppSink) *bool { return &e.Async }),
		IntProp("max-buffers", "Buffers held for Pull before blocking (0 = unlimited)", 0, 0, 1<<31, func(e *AppSink) *int64 { return &e.maxBuffers }),
		BoolProp("drop", "Drop the oldest buffer when full instead of blocking", false, func(e *AppSink) *bool { return &e.drop }),
	},
}

func init() { Register(appSinkClass, func() Element { return NewAppSink() }) }

// NewAppSink returns an appsink with default properties.
func NewAppSink() *AppSink {
	s := &AppSink{wake: make(chan struct{})}
	s.InitSink(s, appSinkClass)
	return s
}

// SetCallback makes the sink call fn for each buffer in the streaming
// goroutine instead of queueing it for Pull; fn borrows the buffer.
func (s *AppSink) SetCallback(fn func(*Buffer) error) { s.callback = fn }

func (s *AppSink) signalLocked() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// Start resets the queue.
func (s *AppSink) Start(context.Context) error {
	s.mu.Lock()
	s.eos, s.closed = false, false
	s.mu.Unlock()
	return nil
}

// Stop drops queued buffers and wakes Pull.
func (s *AppSink) Stop() error {
	s.mu.Lock()
	for _, b := range s.queue {
		b.Unref()
	}
	s.queue = s.queue[:0]
	s.closed = true
	s.signalLocked()
	s.mu.Unlock()
	return nil
}

// Render queues the buffer for Pull or calls the callback.
func (s *AppSink) Render(ctx context.Context, buf *Buffer) error {
	if s.callback != nil {
		return s.callback(buf)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.maxBuffers > 0 && int64(len(s.queue)) >= s.maxBuffers {
		if s.drop {
			s.queue[0].Unref()
			s.queue = append(s.queue[:0], s.queue[1:]...)
			break
		}
		ch := s.wake
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			s.mu.Lock()
			return nil
		}
		s.mu.Lock()
		if s.closed {
			return nil
		}
	}
	s.queue = append(s.queue, buf.Ref())
	s.signalLocked()
	return nil
}

// SinkEvent notes EOS so Pull can return io.EOF after the last buffer.
func (s *AppSink) SinkEvent(ev *Event) (bool, bool) {
	if ev.Type == EventEOS || ev.Type == EventFlushStop {
		s.mu.Lock()
		s.eos = ev.Type == EventEOS
		s.signalLocked()
		s.mu.Unlock()
	}
	return false, false
}

// Pull returns the next buffer (the caller owns it), io.EOF after the
// stream ended, or ctx's error.
func (s *AppSink) Pull(ctx context.Context) (*Buffer, error) {
	s.mu.Lock()
	for {
		if len(s.queue) > 0 {
			b := s.queue[0]
			s.queue[0] = nil
			s.queue = s.queue[1:]
			s.signalLocked()
			s.mu.Unlock()
			return b, nil
		}
		if s.eos {
			s.mu.Unlock()
			return nil, io.EOF
		}
		ch := s.wake
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		s.mu.Lock()
	}
}
