package pipeline

import (
	"context"
	"fmt"
)

// Transformer is what a 1-in/1-out element implements on top of
// TransformBase. Transform owns buf: it returns it (changed in place when
// writable), a new buffer (unreffing buf), or nil to drop it. An error
// stops the stream and is posted on the bus with the element's name.
type Transformer interface {
	Transform(ctx context.Context, buf *Buffer) (*Buffer, error)
}

// CapsSetter is implemented by transforms that need the input format, and
// may change it: SetCaps gets the caps of the sink pad and returns the caps
// for the src pad (the same caps for elements that do not change format).
type CapsSetter interface {
	SetCaps(in *Caps) (out *Caps, err error)
}

// SinkEventHandler is implemented by elements that want to see events
// arriving on their sink pad before the default handling; returning
// handled=true stops the default handling and ok is the result.
type SinkEventHandler interface {
	SinkEvent(ev *Event) (handled, ok bool)
}

// TransformBase is the base of 1-in/1-out elements ("sink" and "src"
// pads): it calls Transform for each buffer and pushes the result, handles
// caps through CapsSetter, and calls Start/Stop around streaming.
type TransformBase struct {
	ElementBase
	sink, src *Pad
	impl      Transformer
	ctx       context.Context
	cancel    context.CancelFunc
}

// InitTransform initialises the base; class must have always "sink" and
// "src" templates. Caps queries pass through unless the element
// implements CapsSetter.
func (t *TransformBase) InitTransform(self interface {
	Element
	Transformer
}, class *ElementClass) {
	t.Init(self, class)
	t.impl = self
	t.sink, t.src = t.StaticPad("sink"), t.StaticPad("src")
	if t.sink == nil || t.src == nil {
		panic("pipeline: transform class " + class.Factory + " needs sink and src templates")
	}
	t.ctx = context.Background()
	t.sink.SetChainFunc(t.chain)
	t.sink.SetEventFunc(t.sinkEvent)
	if _, ok := self.(CapsSetter); !ok {
		t.sink.SetProxyCaps(true)
		t.src.SetProxyCaps(true)
	}
}

// Sink returns the sink pad.
func (t *TransformBase) Sink() *Pad { return t.sink }

// Src returns the src pad.
func (t *TransformBase) Src() *Pad { return t.src }

// Context returns the context of the current streaming run; it is
// cancelled when the element stops.
func (t *TransformBase) Context() context.Context { return t.ctx }

func (t *TransformBase) chain(_ *Pad, buf *Buffer) FlowReturn {
	out, err := t.impl.Transform(t.ctx, buf)
	if err != nil {
		t.PostError(err, "")
		return FlowError
	}
	if out == nil {
		return FlowOK
	}
	return t.src.Push(out)
}

func (t *TransformBase) sinkEvent(p *Pad, ev *Event) bool {
	if h, ok := t.impl.(SinkEventHandler); ok {
		if handled, res := h.SinkEvent(ev); handled {
			return res
		}
	}
	if ev.Type == EventCaps {
		if cs, ok := t.impl.(CapsSetter); ok {
			out, err := cs.SetCaps(ev.Caps)
			if err != nil {
				t.PostError(fmt.Errorf("cannot handle caps %s: %w", ev.Caps, err), "")
				return false
			}
			return t.src.PushEvent(NewCapsEvent(out))
		}
	}
	return DefaultEvent(p, ev)
}

// ChangeState calls Start going to PAUSED and Stop going back to READY.
func (t *TransformBase) ChangeState(c StateChange) (StateChangeReturn, error) {
	switch c {
	case ReadyToPaused:
		t.ctx, t.cancel = context.WithCancel(context.Background())
		if st, ok := t.impl.(Starter); ok {
			if err := st.Start(t.ctx); err != nil {
				t.cancel()
				return StateChangeFailure, err
			}
		}
	case PausedToReady:
		t.ElementBase.ChangeState(c)
		if t.cancel != nil {
			t.cancel()
		}
		if st, ok := t.impl.(Stopper); ok {
			if err := st.Stop(); err != nil {
				return StateChangeFailure, err
			}
		}
		return StateChangeSuccess, nil
	}
	return t.ElementBase.ChangeState(c)
}
