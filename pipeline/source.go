package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// Source is what a source element implements on top of SourceBase: make
// the next buffer. Return io.EOF at the end of the stream. Create should
// return promptly when ctx is done (the element is stopping or was asked
// for EOS).
type Source interface {
	Create(ctx context.Context) (*Buffer, error)
}

// Starter is implemented by elements that open resources when they start
// streaming (READY -> PAUSED), for example a file or a model.
type Starter interface {
	Start(ctx context.Context) error
}

// Stopper is implemented by elements that release resources when they
// stop streaming (PAUSED -> READY).
type Stopper interface {
	Stop() error
}

// CapsSource is implemented by sources that produce a known format: the
// base negotiates it with downstream before the first buffer.
type CapsSource interface {
	Caps() *Caps
}

// CapsFixater is implemented by sources that choose among the formats
// downstream allows (a test source preferring 320x240 at 30 fps); without
// it the base takes Caps.Fixate's choice.
type CapsFixater interface {
	FixateCaps(allowed *Caps) *Caps
}

// SourceBase is the base of source elements: it owns the "src" pad and a
// streaming goroutine that calls Create and pushes, sends stream-start,
// caps and segment first, and EOS at the end. Live sources produce only in
// PLAYING and report no-preroll.
type SourceBase struct {
	ElementBase
	src  *Pad
	impl Source
	live bool

	task       *Task
	eosReq     atomic.Bool
	mu         sync.Mutex
	stopCreate context.CancelFunc
	playing    chan struct{} // closed while PLAYING
}

// InitSource initialises the base; self must implement Source, and class
// must have an always "src" pad template.
func (s *SourceBase) InitSource(self interface {
	Element
	Source
}, class *ElementClass) {
	s.Init(self, class)
	s.impl = self
	s.src = s.StaticPad("src")
	if s.src == nil {
		panic("pipeline: source class " + class.Factory + " has no src template")
	}
	s.playing = make(chan struct{})
}

// SetLive marks the source live: it produces only while PLAYING and the
// pipeline does not wait for preroll. Call before starting.
func (s *SourceBase) SetLive(live bool) { s.live = live }

// IsLive reports whether the source is live.
func (s *SourceBase) IsLive() bool { return s.live }

// Src returns the source pad.
func (s *SourceBase) Src() *Pad { return s.src }

// RunningTime returns the pipeline's running time now (for live sources to
// timestamp buffers), or NoTime outside a playing pipeline.
func (s *SourceBase) RunningTime() ClockTime {
	c := s.Clock()
	if c == nil {
		return NoTime
	}
	return c.Now() - s.BaseTime()
}

// ChangeState starts the streaming goroutine going to PAUSED and stops it
// going back to READY.
func (s *SourceBase) ChangeState(t StateChange) (StateChangeReturn, error) {
	switch t {
	case ReadyToPaused:
		if st, ok := s.impl.(Starter); ok {
			if err := st.Start(context.Background()); err != nil {
				return StateChangeFailure, err
			}
		}
		s.ElementBase.ChangeState(t)
		s.eosReq.Store(false)
		ctx, cancel := context.WithCancel(context.Background())
		s.mu.Lock()
		s.stopCreate = cancel
		s.mu.Unlock()
		task := s.StartTask(func(tctx context.Context) {
			stop := context.AfterFunc(tctx, cancel)
			defer stop()
			s.loop(ctx)
		})
		s.mu.Lock()
		s.task = task
		s.mu.Unlock()
		if s.live {
			return StateChangeNoPreroll, nil
		}
	case PausedToPlaying:
		s.mu.Lock()
		close(s.playing)
		s.mu.Unlock()
	case PlayingToPaused:
		s.mu.Lock()
		s.playing = make(chan struct{})
		s.mu.Unlock()
		if s.live {
			return StateChangeNoPreroll, nil
		}
	case PausedToReady:
		s.ElementBase.ChangeState(t)
		s.mu.Lock()
		task := s.task
		s.task = nil
		s.mu.Unlock()
		task.Stop()
		if st, ok := s.impl.(Stopper); ok {
			if err := st.Stop(); err != nil {
				return StateChangeFailure, err
			}
		}
	}
	return StateChangeSuccess, nil
}

// SendEvent takes EOS sent to the source (by Pipeline.SendEOS): the
// streaming goroutine stops creating and pushes EOS. Other events go to the
// src pad as if from downstream.
func (s *SourceBase) SendEvent(ev *Event) bool {
	if ev.Type == EventEOS {
		s.eosReq.Store(true)
		s.mu.Lock()
		if s.stopCreate != nil {
			s.stopCreate()
		}
		running := s.task != nil
		s.mu.Unlock()
		if !running {
			return s.src.PushEvent(ev)
		}
		return true
	}
	return s.src.SendEvent(ev)
}

// waitPlaying blocks a live source until PLAYING; false when ctx ends.
func (s *SourceBase) waitPlaying(ctx context.Context) bool {
	s.mu.Lock()
	ch := s.playing
	s.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *SourceBase) loop(ctx context.Context) {
	if !s.startStream() {
		return
	}
	for {
		if s.live && !s.waitPlaying(ctx) && !s.eosReq.Load() {
			return
		}
		if s.eosReq.Load() {
			s.src.PushEvent(NewEOSEvent())
			return
		}
		buf, err := s.impl.Create(ctx)
		if err != nil {
			switch {
			case errors.Is(err, io.EOF) || s.eosReq.Load():
				s.src.PushEvent(NewEOSEvent())
			case ctx.Err() != nil: // stopping
			default:
				s.PostError(err, "")
				s.src.PushEvent(NewEOSEvent())
			}
			return
		}
		if buf == nil {
			continue
		}
		switch ret := s.src.Push(buf); {
		case ret == FlowOK:
		case ret == FlowFlushing:
			return
		case ret == FlowEOS:
			// Downstream wants no more (a sink's num-buffers): end the
			// stream so the sinks post EOS and the pipeline completes.
			s.src.PushEvent(NewEOSEvent())
			return
		default:
			s.PostError(fmt.Errorf("internal data stream error: streaming stopped, reason %s", ret),
				s.src.FullName()+": push returned "+ret.String())
			s.src.PushEvent(NewEOSEvent())
			return
		}
	}
}

// startStream sends stream-start, negotiated caps and a segment.
func (s *SourceBase) startStream() bool {
	s.src.PushEvent(NewStreamStartEvent(s.Name()))
	if cs, ok := s.impl.(CapsSource); ok {
		if c := cs.Caps(); c != nil && !c.IsAny() {
			peer := s.src.PeerQueryCaps(c)
			fixed := peer.Fixate()
			if f, ok := s.impl.(CapsFixater); ok && !peer.IsEmpty() {
				fixed = f.FixateCaps(peer)
			}
			if fixed.IsEmpty() || !s.src.PushEvent(NewCapsEvent(fixed)) {
				s.PostError(fmt.Errorf("internal data stream error: streaming stopped, reason not-negotiated"),
					fmt.Sprintf("%s offers %s; downstream accepts %s", s.src.FullName(), c, s.src.PeerQueryCaps(nil)))
				s.src.PushEvent(NewEOSEvent())
				return false
			}
		}
	}
	s.src.PushEvent(NewSegmentEvent(NewSegment()))
	return true
}
