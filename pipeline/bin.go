package pipeline

import (
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Clock tells the time sinks synchronise against.
type Clock interface {
	// Now returns the clock's time; it never goes backwards.
	Now() ClockTime
}

// SystemClock is a monotonic clock started at its creation.
type SystemClock struct{ start time.Time }

// NewSystemClock returns a clock reading zero now.
func NewSystemClock() *SystemClock { return &SystemClock{start: time.Now()} }

// Now returns the time since the clock was made.
func (c *SystemClock) Now() ClockTime { return time.Since(c.start) }

var binClass = &ElementClass{
	Factory:     "bin",
	Klass:       "Generic/Bin",
	Description: "A container of elements, changed as one",
}

// Bin is an element that contains elements. Its state changes are applied
// to the children sinks first, so that downstream is ready before data
// arrives. Ghost pads expose inner pads on the bin.
type Bin struct {
	ElementBase
	cmu      sync.Mutex
	children []Element
	top      func(*Message) // set on a pipeline's bin: where messages end
}

// NewBin returns an empty bin; name may be empty.
func NewBin(name string) *Bin {
	b := &Bin{}
	b.Init(b, binClass)
	b.name = name
	return b
}

// Add adds elements to the bin. Unnamed elements get a name unique in the
// bin (factory name and a number). An element can be in one bin only.
func (b *Bin) Add(elems ...Element) error {
	for _, e := range elems {
		if err := b.add(e); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bin) add(e Element) error {
	if e == nil {
		return fmt.Errorf("%s: cannot add a nil element", b.Name())
	}
	eb := e.base()
	if eb.self == nil {
		return fmt.Errorf("%s: element was not initialised with Init", b.Name())
	}
	if eb == b.base() { // e is b, or the pipeline embedding it
		return fmt.Errorf("%s: cannot add a bin to itself", b.Name())
	}
	b.cmu.Lock()
	defer b.cmu.Unlock()
	eb.mu.Lock()
	defer eb.mu.Unlock()
	if eb.parent != nil {
		return fmt.Errorf("%s: %s is already in bin %s", b.Name(), eb.name, eb.parent.Name())
	}
	if eb.name == "" {
		for i := 0; ; i++ {
			n := eb.class.Factory + strconv.Itoa(i)
			if b.childLocked(n) == nil {
				eb.name = n
				break
			}
		}
	} else if b.childLocked(eb.name) != nil {
		return fmt.Errorf("%s: already holds an element named %s", b.Name(), eb.name)
	}
	eb.parent = b
	b.children = append(b.children, e)
	return nil
}

func (b *Bin) childLocked(name string) Element {
	for _, c := range b.children {
		cb := c.base()
		if cb == nil {
			continue
		}
		if cb.name == name {
			return c
		}
	}
	return nil
}

// Remove stops an element (sets it to NULL, ending its goroutines),
// unlinks its pads and takes it out of the bin.
func (b *Bin) Remove(e Element) error {
	eb := e.base()
	if eb.Parent() != b {
		return fmt.Errorf("%s: %s is not in this bin", b.Name(), eb.Name())
	}
	if _, err := eb.SetState(StateNull); err != nil {
		return err
	}
	for _, p := range eb.Pads() {
		if peer := p.Peer(); peer != nil {
			if p.dir == PadSrc {
				p.Unlink(peer)
			} else {
				peer.Unlink(p)
			}
		}
	}
	b.cmu.Lock()
	for i, c := range b.children {
		if c == e {
			b.children = append(b.children[:i], b.children[i+1:]...)
			break
		}
	}
	b.cmu.Unlock()
	eb.mu.Lock()
	eb.parent = nil
	eb.mu.Unlock()
	b.handleMessage(&Message{Type: messageRemoved, Source: e})
	return nil
}

// Elements returns a snapshot of the bin's direct children.
func (b *Bin) Elements() []Element {
	b.cmu.Lock()
	defer b.cmu.Unlock()
	return append([]Element(nil), b.children...)
}

// ByName finds an element by name in the bin or, recursively, its sub-bins.
func (b *Bin) ByName(name string) Element {
	for _, c := range b.Elements() {
		if c.base().Name() == name {
			return c
		}
		if sub, ok := c.(interface{ ByName(string) Element }); ok {
			if f := sub.ByName(name); f != nil {
				return f
			}
		}
	}
	return nil
}

// AllElements returns every element in the bin and its sub-bins.
func (b *Bin) AllElements() []Element {
	var out []Element
	for _, c := range b.Elements() {
		out = append(out, c)
		if sub, ok := c.(interface{ AllElements() []Element }); ok {
			out = append(out, sub.AllElements()...)
		}
	}
	return out
}

// AddGhostPad exposes an inner element's pad on the bin under name. Links
// to the ghost pad go straight to the inner pad, so it costs nothing.
func (b *Bin) AddGhostPad(name string, target *Pad) (*Pad, error) {
	if target == nil {
		return nil, fmt.Errorf("%s: ghost pad %s needs a target", b.Name(), name)
	}
	t := target.target()
	g := NewPad(name, &PadTemplate{Name: name, Direction: t.dir, Presence: PadAlways, Caps: t.tmpl.Caps})
	g.ghostFor = t
	return g, b.AddPad(g)
}

// sorted returns the children ordered from sinks to sources, the order in
// which state changes are applied.
func (b *Bin) sorted() []Element {
	children := b.Elements()
	index := make(map[Element]int, len(children))
	for i, c := range children {
		index[c] = i
	}
	// downstream[i] lists the children that child i pushes into.
	downstream := make([][]int, len(children))
	for i, c := range children {
		for _, p := range padsOf(c) {
			if p.dir != PadSrc {
				continue
			}
			if peer := p.Peer(); peer != nil && peer.parent != nil {
				if j, ok := index[b.childOf(peer.parent)]; ok && j != i {
					downstream[i] = append(downstream[i], j)
				}
			}
		}
	}
	done := make([]bool, len(children))
	out := make([]Element, 0, len(children))
	for len(out) < len(children) {
		progress := false
		for i := range children {
			if done[i] {
				continue
			}
			ready := true
			for _, j := range downstream[i] {
				if !done[j] {
					ready = false
					break
				}
			}
			if ready {
				done[i] = true
				out = append(out, children[i])
				progress = true
			}
		}
		if !progress { // a loop: take the rest in order
			for i := range children {
				if !done[i] {
					done[i] = true
					out = append(out, children[i])
				}
			}
		}
	}
	return out
}

// padsOf returns an element's pads, and for bins the pads of everything inside.
func padsOf(e Element) []*Pad {
	pads := e.base().Pads()
	if sub, ok := e.(interface{ AllElements() []Element }); ok {
		for _, c := range sub.AllElements() {
			pads = append(pads, c.base().Pads()...)
		}
	}
	return pads
}

// childOf returns the direct child of b that contains e (or is e).
func (b *Bin) childOf(e Element) Element {
	for e != nil {
		p := e.base().Parent()
		if p == b {
			return e
		}
		if p == nil {
			return nil
		}
		e = p
	}
	return nil
}

// ChangeState applies a state step to every child, sinks first.
func (b *Bin) ChangeState(t StateChange) (StateChangeReturn, error) {
	ret := StateChangeSuccess
	for _, c := range b.sorted() {
		r, err := c.base().SetState(t.To)
		if err != nil {
			if t.IsUpward() {
				return StateChangeFailure, err
			}
			b.PostWarning(err, "")
		}
		if r == StateChangeNoPreroll || (r == StateChangeAsync && ret != StateChangeNoPreroll) {
			ret = r
		}
	}
	return ret, nil
}

// setClock hands the clock and base time to every element inside.
func (b *Bin) setClock(c Clock, baseTime ClockTime) {
	for _, e := range b.AllElements() {
		eb := e.base()
		eb.clock.Store(&c)
		eb.baseTime.Store(int64(baseTime))
	}
	b.clock.Store(&c)
	b.baseTime.Store(int64(baseTime))
}

// handleMessage passes a child's message up to the pipeline.
func (b *Bin) handleMessage(m *Message) {
	if b.top != nil {
		b.top(m)
		return
	}
	if p := b.Parent(); p != nil {
		p.handleMessage(m)
	}
}

// messageRemoved is internal: an element left a bin (the pipeline
// recounts the sinks it waits on for EOS).
const messageRemoved MessageType = 1 << 31

// messageAsyncStart is internal: a sink will reach PAUSED when it has its
// first buffer (the pipeline waits for the matching async-done).
const messageAsyncStart MessageType = 1 << 30
