package pipeline

import (
	"sync"
	"sync/atomic"
)

// Tee sends each buffer to every src pad: one decoded stream feeding a
// display, a file and an analytics branch. Buffers are shared by
// reference, never copied; a branch that wants to change one makes it
// writable first.
type Tee struct {
	ElementBase
	sink           *Pad
	allowNotLinked bool
	mu             sync.Mutex
	srcs           atomic.Pointer[[]*Pad]
}

var teeClass = &ElementClass{
	Factory:     "tee",
	Klass:       "Generic",
	Description: "1-to-N pipe fitting: every src pad gets every buffer",
	Templates: []*PadTemplate{
		NewPadTemplate("sink", PadSink, PadAlways, "ANY"),
		NewPadTemplate("src_%u", PadSrc, PadRequest, "ANY"),
	},
	Props: []Prop{
		BoolProp("allow-not-linked", "Return OK even when no src pad is linked", false, func(e *Tee) *bool { return &e.allowNotLinked }),
		ReadOnlyProp("num-src-pads", "Number of src pads", PropInt, func(e *Tee) any { return int64(len(e.srcPads())) }),
	},
}

func init() { Register(teeClass, func() Element { return NewTee() }) }

// NewTee returns a tee without src pads; request them with RequestPad("src_%u").
func NewTee() *Tee {
	t := &Tee{}
	t.Init(t, teeClass)
	t.sink = t.StaticPad("sink")
	t.sink.SetChainFunc(t.chain)
	t.sink.SetQueryFunc(t.sinkQuery)
	t.srcs.Store(&[]*Pad{})
	return t
}

func (t *Tee) srcPads() []*Pad { return *t.srcs.Load() }

// RequestNewPad adds a src pad; it may be added while PLAYING and gets the
// stream's sticky events before its first buffer.
func (t *Tee) RequestNewPad(tmpl *PadTemplate, name string) (*Pad, error) {
	p := NewPad(name, tmpl)
	p.SetProxyCaps(true)
	for _, typ := range []EventType{EventStreamStart, EventCaps, EventSegment} {
		if ev := t.sink.StickyEvent(typ); ev != nil {
			p.storeSticky(ev)
		}
	}
	if err := t.AddPad(p); err != nil {
		return nil, err
	}
	t.mu.Lock()
	list := append(append([]*Pad(nil), t.srcPads()...), p)
	t.srcs.Store(&list)
	t.mu.Unlock()
	return p, nil
}

// ReleasePad removes a src pad.
func (t *Tee) ReleasePad(p *Pad) {
	t.mu.Lock()
	var list []*Pad
	for _, q := range t.srcPads() {
		if q != p {
			list = append(list, q)
		}
	}
	t.srcs.Store(&list)
	t.mu.Unlock()
	t.RemovePad(p)
}

func (t *Tee) chain(_ *Pad, buf *Buffer) FlowReturn {
	pads := t.srcPads()
	if len(pads) == 0 {
		buf.Unref()
		if t.allowNotLinked {
			return FlowOK
		}
		return FlowNotLinked
	}
	ret := FlowNotLinked
	last := len(pads) - 1
	for i, p := range pads {
		b := buf
		if i != last {
			b = buf.Ref()
		}
		r := p.Push(b)
		switch {
		case r == FlowOK:
			ret = FlowOK
		case r == FlowNotLinked || r == FlowEOS && len(pads) > 1:
		default:
			if ret != FlowOK {
				ret = r
			}
			if r.IsFatal() {
				if i != last {
					buf.Unref() // the reference meant for the last pad
				}
				return r
			}
		}
	}
	if ret == FlowNotLinked && t.allowNotLinked {
		return FlowOK
	}
	return ret
}

// sinkQuery answers caps queries with what every linked branch accepts.
func (t *Tee) sinkQuery(p *Pad, q *Query) bool {
	if q.Type == QueryCaps {
		c := p.tmpl.Caps.Intersect(orAny(q.Filter))
		for _, s := range t.srcPads() {
			if s.IsLinked() {
				c = c.Intersect(s.PeerQueryCaps(c))
			}
		}
		q.Caps = c
		return true
	}
	return DefaultQuery(p, q)
}
