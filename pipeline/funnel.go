package pipeline

import "sync"

// Funnel merges N streams into one: buffers from every sink pad go out of
// the one src pad in arrival order. It ends the output stream when every
// sink pad has seen EOS, so a branch can be removed with its own EOS while
// the others go on.
type Funnel struct {
	ElementBase
	src *Pad
	mu  sync.Mutex // serializes pushes from the input goroutines
}

var funnelClass = &ElementClass{
	Factory:     "funnel",
	Klass:       "Generic",
	Description: "N-to-1 pipe fitting",
	Templates: []*PadTemplate{
		NewPadTemplate("sink_%u", PadSink, PadRequest, "ANY"),
		NewPadTemplate("src", PadSrc, PadAlways, "ANY"),
	},
}

func init() { Register(funnelClass, func() Element { return NewFunnel() }) }

// NewFunnel returns a funnel without sink pads; request them with
// RequestPad("sink_%u").
func NewFunnel() *Funnel {
	f := &Funnel{}
	f.Init(f, funnelClass)
	f.src = f.StaticPad("src")
	f.src.SetProxyCaps(true)
	return f
}

// RequestNewPad adds a sink pad; it may be added while PLAYING.
func (f *Funnel) RequestNewPad(tmpl *PadTemplate, name string) (*Pad, error) {
	p := NewPad(name, tmpl)
	p.SetChainFunc(f.chain)
	p.SetEventFunc(f.event)
	p.SetProxyCaps(true)
	return p, f.AddPad(p)
}

// ReleasePad removes a sink pad; if every remaining pad has ended, the
// output ends too.
func (f *Funnel) ReleasePad(p *Pad) {
	f.RemovePad(p)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.allEOSLocked() && !f.src.IsEOS() && f.State() >= StatePaused {
		f.src.PushEvent(NewEOSEvent())
	}
}

func (f *Funnel) chain(_ *Pad, buf *Buffer) FlowReturn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.src.Push(buf)
}

func (f *Funnel) allEOSLocked() bool {
	n := 0
	for _, p := range f.Pads() {
		if p.dir == PadSink {
			n++
			if !p.IsEOS() {
				return false
			}
		}
	}
	return n > 0
}

func (f *Funnel) event(p *Pad, ev *Event) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch ev.Type {
	case EventEOS:
		if !f.allEOSLocked() {
			return true
		}
	case EventStreamStart, EventSegment:
		if f.src.StickyEvent(ev.Type) != nil {
			return true // one stream-start and segment for the merged stream
		}
	}
	return f.src.PushEvent(ev)
}
