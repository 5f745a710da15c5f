package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

var pipelineClass = &ElementClass{
	Factory:     "pipeline",
	Klass:       "Generic/Bin",
	Description: "The top-level bin: owns the bus and the clock",
}

// Pipeline is the top-level bin. It owns the bus every element posts to,
// the clock sinks synchronise against, and it turns the EOS of every sink
// into one EOS message for the application.
type Pipeline struct {
	Bin
	bus   *Bus
	clock Clock

	mu        sync.Mutex
	sinkEOS   map[Element]bool
	async     map[Element]bool
	asyncDone chan struct{}
	pausedAt  ClockTime // clock time when PLAYING was left; NoTime if never
	baseTime  ClockTime
}

// NewPipeline returns an empty pipeline with a system clock.
func NewPipeline(name string) *Pipeline {
	p := &Pipeline{bus: NewBus(), clock: NewSystemClock(), pausedAt: NoTime}
	p.Init(p, pipelineClass)
	p.name = name
	p.Bin.top = p.onMessage
	p.sinkEOS = map[Element]bool{}
	p.async = map[Element]bool{}
	return p
}

// Bus returns the pipeline's bus.
func (p *Pipeline) Bus() *Bus { return p.bus }

// Clock returns the pipeline's clock.
func (p *Pipeline) Clock() Clock { return p.clock }

// SetClock replaces the clock; only allowed in NULL or READY.
func (p *Pipeline) SetClock(c Clock) error {
	if p.State() > StateReady {
		return fmt.Errorf("%s: the clock can only change in NULL or READY", p.Name())
	}
	p.clock = c
	return nil
}

// isSink reports whether an element is a sink: it has sink pads and no
// src pads or src pad templates.
func isSink(e Element) bool {
	if _, ok := e.(interface{ AllElements() []Element }); ok {
		return false
	}
	sinks := 0
	for _, t := range e.base().class.Templates {
		if t.Direction == PadSrc {
			return false
		}
		sinks++
	}
	return sinks > 0
}

// isSource reports whether an element is a source: no sink pad templates.
func isSource(e Element) bool {
	if _, ok := e.(interface{ AllElements() []Element }); ok {
		return false
	}
	for _, t := range e.base().class.Templates {
		if t.Direction == PadSink {
			return false
		}
	}
	return len(e.base().class.Templates) > 0
}

func (p *Pipeline) onMessage(m *Message) {
	switch m.Type {
	case MessageEOS:
		if m.Source == Element(p) {
			break
		}
		if !isSink(m.Source) {
			return
		}
		p.mu.Lock()
		p.sinkEOS[m.Source] = true
		all := p.allSinksEOSLocked()
		p.mu.Unlock()
		if all {
			p.bus.Post(&Message{Type: MessageEOS, Source: p})
		}
		return
	case messageRemoved:
		p.mu.Lock()
		delete(p.sinkEOS, m.Source)
		all := len(p.sinkEOS) > 0 && p.allSinksEOSLocked()
		p.mu.Unlock()
		p.asyncFinished(m.Source)
		if all {
			p.bus.Post(&Message{Type: MessageEOS, Source: p})
		}
		return
	case messageAsyncStart:
		p.mu.Lock()
		p.async[m.Source] = true
		if p.asyncDone == nil {
			p.asyncDone = make(chan struct{})
		}
		p.mu.Unlock()
		return
	case MessageAsyncDone:
		p.asyncFinished(m.Source)
	}
	p.bus.Post(m)
}

func (p *Pipeline) asyncFinished(e Element) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.async[e] {
		return
	}
	delete(p.async, e)
	if len(p.async) == 0 && p.asyncDone != nil {
		close(p.asyncDone)
		p.asyncDone = nil
	}
}

func (p *Pipeline) allSinksEOSLocked() bool {
	n := 0
	for _, e := range p.AllElements() {
		if isSink(e) {
			n++
			if !p.sinkEOS[e] {
				return false
			}
		}
	}
	return n > 0
}

// WaitPreroll waits until every sink that went to PAUSED asynchronously
// holds its first buffer, or ctx ends.
func (p *Pipeline) WaitPreroll(ctx context.Context) error {
	p.mu.Lock()
	ch := p.asyncDone
	p.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ChangeState drives the children and keeps the clock: running time starts
// at zero when PLAYING is first reached and does not advance while paused.
func (p *Pipeline) ChangeState(t StateChange) (StateChangeReturn, error) {
	switch t {
	case ReadyToPaused:
		p.mu.Lock()
		p.sinkEOS = map[Element]bool{}
		p.pausedAt = NoTime
		p.baseTime = 0
		p.mu.Unlock()
	case PausedToPlaying:
		now := p.clock.Now()
		p.mu.Lock()
		if p.pausedAt == NoTime {
			p.baseTime = now
		} else {
			p.baseTime += now - p.pausedAt
		}
		bt := p.baseTime
		p.mu.Unlock()
		p.setClock(p.clock, bt)
	case PlayingToPaused:
		p.mu.Lock()
		p.pausedAt = p.clock.Now()
		p.mu.Unlock()
	case PausedToReady:
		p.asyncFinishedAll()
	}
	r, err := p.Bin.ChangeState(t)
	if r == StateChangeNoPreroll {
		p.asyncFinishedAll() // live: sinks cannot preroll in PAUSED, nothing to wait for
	}
	return r, err
}

func (p *Pipeline) asyncFinishedAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.async = map[Element]bool{}
	if p.asyncDone != nil {
		close(p.asyncDone)
		p.asyncDone = nil
	}
}

// SendEOS asks every source to end its stream, as Ctrl-C in dslaunch does;
// the pipeline then drains and posts EOS when every sink has seen it.
func (p *Pipeline) SendEOS() {
	for _, e := range p.AllElements() {
		if isSource(e) {
			e.base().SendEvent(NewEOSEvent())
		}
	}
}

// ErrorMessage is the error a Run returns when an element posted one.
type ErrorMessage struct {
	Element string
	Err     error
	Debug   string
}

// Error names the element and the reason.
func (e *ErrorMessage) Error() string {
	s := e.Element + ": " + e.Err.Error()
	if e.Debug != "" {
		s += " (" + e.Debug + ")"
	}
	return s
}

// Unwrap returns the element's error.
func (e *ErrorMessage) Unwrap() error { return e.Err }

// Run plays the pipeline until EOS, an error message, or ctx ends. When ctx
// ends it sends EOS and waits up to drain for the pipeline to finish
// (finalising files), then stops. The pipeline is back in NULL on return.
// The result is nil after EOS (also after a ctx-triggered drain) and the
// first error message otherwise. Other messages go to onMessage if not nil.
func (p *Pipeline) Run(ctx context.Context, drain time.Duration, onMessage func(*Message)) (err error) {
	defer func() {
		if _, serr := p.SetState(StateNull); serr != nil && err == nil {
			err = serr
		}
	}()
	if _, err := p.SetState(StatePlaying); err != nil {
		return err
	}
	wait := func(ctx context.Context) (bool, error) {
		for {
			m, err := p.bus.Pop(ctx, MessageAny)
			if err != nil {
				return false, err
			}
			if onMessage != nil {
				onMessage(m)
			}
			switch m.Type {
			case MessageEOS:
				return true, nil
			case MessageError:
				return true, &ErrorMessage{Element: m.SourceName(), Err: m.Err, Debug: m.Debug}
			}
		}
	}
	done, err := wait(ctx)
	if done {
		return err
	}
	p.SendEOS()
	dctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if _, err := wait(dctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s: did not drain within %v after EOS", p.Name(), drain)
		}
		return err
	}
	return nil
}
