package pipeline

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// PadDirection says whether a pad produces (src) or consumes (sink) data.
type PadDirection uint8

const (
	// PadSrc pads push data out of an element.
	PadSrc PadDirection = iota
	// PadSink pads receive data into an element.
	PadSink
)

// String returns "src" or "sink".
func (d PadDirection) String() string {
	if d == PadSrc {
		return "src"
	}
	return "sink"
}

// PadPresence says when pads of a template exist.
type PadPresence uint8

const (
	// PadAlways pads exist from construction.
	PadAlways PadPresence = iota
	// PadSometimes pads appear while running (a demuxer's streams).
	PadSometimes
	// PadRequest pads are made on request (a tee's or streammux's).
	PadRequest
)

// String returns the presence's name as gst-inspect prints it.
func (p PadPresence) String() string {
	return [...]string{"always", "sometimes", "request"}[p]
}

// PadTemplate describes the pads an element can have: a name or a name
// pattern with %u/%d/%s ("sink_%u"), a direction, a presence and caps.
type PadTemplate struct {
	Name      string
	Direction PadDirection
	Presence  PadPresence
	Caps      *Caps
}

// NewPadTemplate returns a pad template; caps are parsed with MustParseCaps
// since templates are constants of an element's code.
func NewPadTemplate(name string, dir PadDirection, presence PadPresence, caps string) *PadTemplate {
	return &PadTemplate{Name: name, Direction: dir, Presence: presence, Caps: MustParseCaps(caps)}
}

// Matches reports whether a pad name fits the template's name pattern.
func (t *PadTemplate) Matches(name string) bool {
	i := strings.IndexByte(t.Name, '%')
	if i < 0 {
		return name == t.Name
	}
	if !strings.HasPrefix(name, t.Name[:i]) || len(name) <= i {
		return false
	}
	if i+2 > len(t.Name) {
		return false
	}
	rest := name[i:]
	switch t.Name[i+1] {
	case 'u', 'd':
		for _, c := range rest {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// ChainFunc receives a buffer on a sink pad; it owns the buffer.
type ChainFunc func(pad *Pad, buf *Buffer) FlowReturn

// ChainListFunc receives a buffer list on a sink pad; it owns the buffers.
type ChainListFunc func(pad *Pad, list *BufferList) FlowReturn

// EventFunc handles an event arriving on a pad and reports success.
type EventFunc func(pad *Pad, ev *Event) bool

// QueryFunc answers a query on a pad in place and reports success.
type QueryFunc func(pad *Pad, q *Query) bool

// Pad is an element's connection point. Src pads push buffers and events to
// their linked peer sink pad, which hands them to its element's chain and
// event functions in the pusher's goroutine, as GStreamer does: a hop is a
// function call, so it costs nanoseconds and allocates nothing. Only one
// goroutine pushes data through a pad at a time (the streaming goroutine of
// the source or queue upstream).
type Pad struct {
	name     string
	dir      PadDirection
	tmpl     *PadTemplate
	parent   Element
	ghostFor *Pad // a ghost pad's target; links go straight to it

	peer atomic.Pointer[Pad]

	chain     ChainFunc
	chainList ChainListFunc
	event     EventFunc
	query     QueryFunc
	// ProxyCaps makes the default caps query ask the pads beyond the
	// element, as 1-to-1 elements that do not change caps want.
	proxyCaps bool

	flushing      atomic.Bool
	eos           atomic.Bool
	stickyPending atomic.Bool
	probes        atomic.Pointer[[]*probe]

	mu        sync.Mutex
	blockCond *sync.Cond
	sticky    []*Event
	caps      atomic.Pointer[Caps]
	nextProbe ProbeID
	info      ProbeInfo // reused by buffer probes of the streaming goroutine
}

// NewPad returns a pad made from a template, not yet added to an element.
// The pad starts flushing: it passes data once its element is activated.
func NewPad(name string, tmpl *PadTemplate) *Pad {
	p := &Pad{name: name, dir: tmpl.Direction, tmpl: tmpl}
	p.blockCond = sync.NewCond(&p.mu)
	p.flushing.Store(true)
	return p
}

// Name returns the pad's name.
func (p *Pad) Name() string { return p.name }

// Direction returns the pad's direction.
func (p *Pad) Direction() PadDirection { return p.dir }

// Template returns the template the pad was made from.
func (p *Pad) Template() *PadTemplate { return p.tmpl }

// Parent returns the element that owns the pad, or nil.
func (p *Pad) Parent() Element { return p.parent }

// FullName returns "element.pad" for messages.
func (p *Pad) FullName() string {
	if p.parent == nil {
		return p.name
	}
	return p.parent.base().Name() + "." + p.name
}

// Peer returns the linked pad, or nil.
func (p *Pad) Peer() *Pad { return p.target().peer.Load() }

// IsLinked reports whether the pad has a peer.
func (p *Pad) IsLinked() bool { return p.Peer() != nil }

// SetChainFunc sets the function that receives buffers on a sink pad.
func (p *Pad) SetChainFunc(f ChainFunc) { p.chain = f }

// SetChainListFunc sets the function that receives buffer lists; without
// one, lists are split into buffers for the chain function.
func (p *Pad) SetChainListFunc(f ChainListFunc) { p.chainList = f }

// SetEventFunc sets the pad's event handler; DefaultEvent is used without one.
func (p *Pad) SetEventFunc(f EventFunc) { p.event = f }

// SetQueryFunc sets the pad's query handler; DefaultQuery is used without one.
func (p *Pad) SetQueryFunc(f QueryFunc) { p.query = f }

// SetProxyCaps makes caps queries on this pad answer with what the pads on
// the other side of the element can handle (for elements that pass caps).
func (p *Pad) SetProxyCaps(on bool) { p.proxyCaps = on }

// target returns the pad that really carries data: itself, or a ghost
// pad's target.
func (p *Pad) target() *Pad {
	for p.ghostFor != nil {
		p = p.ghostFor
	}
	return p
}

// IsFlushing reports whether the pad refuses data (inactive or flushing).
func (p *Pad) IsFlushing() bool { return p.target().flushing.Load() }

// IsEOS reports whether the pad has seen EOS.
func (p *Pad) IsEOS() bool { return p.target().eos.Load() }

// SetActive activates (passes data) or deactivates (flushes) the pad.
// Deactivation wakes any goroutine blocked in a blocking probe on it.
func (p *Pad) SetActive(active bool) {
	p = p.target()
	p.flushing.Store(!active)
	if !active {
		p.mu.Lock()
		p.blockCond.Broadcast()
		p.mu.Unlock()
	} else {
		p.eos.Store(false)
	}
}

// CurrentCaps returns the caps of the last caps event seen on the pad.
func (p *Pad) CurrentCaps() *Caps { return p.target().caps.Load() }

// StickyEvent returns the pad's stored sticky event of type t, or nil.
func (p *Pad) StickyEvent(t EventType) *Event {
	p = p.target()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.sticky {
		if e.Type == t {
			return e
		}
	}
	return nil
}

// Link links src pad p to sink pad sink. It fails with a message naming
// both pads when directions are wrong, a pad is already linked, or their
// template caps have nothing in common.
func (p *Pad) Link(sink *Pad) error {
	src, dst := p.target(), sink.target()
	if src.dir != PadSrc || dst.dir != PadSink {
		return fmt.Errorf("link %s -> %s: wrong direction (%s -> %s)", p.FullName(), sink.FullName(), src.dir, dst.dir)
	}
	if src.parent != nil && src.parent == dst.parent {
		return fmt.Errorf("link %s -> %s: an element cannot be linked to itself", p.FullName(), sink.FullName())
	}
	sc, dc := src.tmpl.Caps, dst.tmpl.Caps
	if !sc.CanIntersect(dc) {
		return &LinkError{Src: p.FullName(), Sink: sink.FullName(), SrcCaps: sc, SinkCaps: dc}
	}
	first, second := src, dst
	if strings.Compare(src.FullName(), dst.FullName()) > 0 {
		first, second = dst, src
	}
	first.mu.Lock()
	second.mu.Lock()
	defer first.mu.Unlock()
	defer second.mu.Unlock()
	if q := src.peer.Load(); q != nil {
		return fmt.Errorf("link %s -> %s: %s is already linked to %s", p.FullName(), sink.FullName(), p.FullName(), q.FullName())
	}
	if q := dst.peer.Load(); q != nil {
		return fmt.Errorf("link %s -> %s: %s is already linked to %s", p.FullName(), sink.FullName(), sink.FullName(), q.FullName())
	}
	src.peer.Store(dst)
	dst.peer.Store(src)
	if len(src.sticky) > 0 {
		src.stickyPending.Store(true)
	}
	return nil
}

// Unlink removes the link between src pad p and sink; it reports whether
// they were linked.
func (p *Pad) Unlink(sink *Pad) bool {
	src, dst := p.target(), sink.target()
	if src.peer.Load() != dst {
		return false
	}
	src.peer.Store(nil)
	dst.peer.Store(nil)
	return true
}

// LinkError says that two pads could not be linked because their caps do
// not intersect.
type LinkError struct {
	Src, Sink         string
	SrcCaps, SinkCaps *Caps
}

// Error names both pads and their caps.
func (e *LinkError) Error() string {
	return fmt.Sprintf("link %s -> %s: caps do not intersect: %s has %s, %s has %s",
		e.Src, e.Sink, e.Src, e.SrcCaps, e.Sink, e.SinkCaps)
}

// Push sends a buffer out of a src pad to its peer and returns the peer's
// flow result. The caller gives up its reference.
func (p *Pad) Push(buf *Buffer) FlowReturn {
	if p.ghostFor != nil {
		return p.target().Push(buf)
	}
	if p.flushing.Load() {
		buf.Unref()
		return FlowFlushing
	}
	if p.stickyPending.Load() {
		if r := p.pushSticky(); r != FlowOK {
			buf.Unref()
			return r
		}
	}
	if pl := p.probes.Load(); pl != nil {
		var r FlowReturn
		if buf, r = p.bufferProbes(*pl, buf); buf == nil {
			return r
		}
	}
	peer := p.peer.Load()
	if peer == nil {
		buf.Unref()
		return FlowNotLinked
	}
	return peer.chainBuffer(buf)
}

func (p *Pad) chainBuffer(buf *Buffer) FlowReturn {
	if p.flushing.Load() {
		buf.Unref()
		return FlowFlushing
	}
	if p.eos.Load() {
		buf.Unref()
		return FlowEOS
	}
	if pl := p.probes.Load(); pl != nil {
		var r FlowReturn
		if buf, r = p.bufferProbes(*pl, buf); buf == nil {
			return r
		}
	}
	if p.chain == nil {
		buf.Unref()
		return FlowNotLinked
	}
	return p.chain(p, buf)
}

// PushList sends a buffer list out of a src pad. Sink pads without a chain
// list function receive the buffers one by one.
func (p *Pad) PushList(list *BufferList) FlowReturn {
	p = p.target()
	if p.flushing.Load() {
		list.Unref()
		return FlowFlushing
	}
	if p.stickyPending.Load() {
		if r := p.pushSticky(); r != FlowOK {
			list.Unref()
			return r
		}
	}
	if !p.listProbes(list) {
		return FlowOK
	}
	peer := p.peer.Load()
	if peer == nil {
		list.Unref()
		return FlowNotLinked
	}
	if peer.flushing.Load() {
		list.Unref()
		return FlowFlushing
	}
	if !peer.listProbes(list) {
		return FlowOK
	}
	if peer.chainList != nil {
		return peer.chainList(peer, list)
	}
	ret := FlowOK
	for i, b := range list.Buffers {
		if ret != FlowOK {
			b.Unref()
		} else if peer.chain == nil {
			b.Unref()
			ret = FlowNotLinked
		} else {
			ret = peer.chain(peer, b)
		}
		list.Buffers[i] = nil
	}
	list.Buffers = list.Buffers[:0]
	return ret
}

// pushSticky replays the src pad's sticky events to a newly linked peer.
func (p *Pad) pushSticky() FlowReturn {
	if !p.stickyPending.CompareAndSwap(true, false) {
		return FlowOK
	}
	p.mu.Lock()
	evs := append([]*Event(nil), p.sticky...)
	p.mu.Unlock()
	peer := p.peer.Load()
	if peer == nil {
		p.stickyPending.Store(true)
		return FlowNotLinked
	}
	if peer.flushing.Load() {
		// An inactive peer refuses serialized events: keep them for
		// when it is activated, as the data would be refused too.
		p.stickyPending.Store(true)
		return FlowFlushing
	}
	for _, ev := range evs {
		if !peer.sendEvent(ev) && ev.Type == EventCaps {
			return FlowNotNegotiated
		}
	}
	return FlowOK
}

// storeSticky records a sticky event, replacing one of the same type.
func (p *Pad) storeSticky(ev *Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Type {
	case EventFlushStop:
		keep := p.sticky[:0]
		for _, e := range p.sticky {
			if e.Type != EventEOS && e.Type != EventSegment {
				keep = append(keep, e)
			}
		}
		p.sticky = keep
		return
	case EventStreamStart:
		p.sticky = p.sticky[:0]
	}
	if ev.Type == EventCaps {
		p.caps.Store(ev.Caps)
	}
	for i, e := range p.sticky {
		if e.Type == ev.Type && ev.Type != EventCustomDownstreamStick {
			p.sticky[i] = ev
			return
		}
	}
	p.sticky = append(p.sticky, ev)
}

// PushEvent sends an event from this pad to its peer: downstream events
// from src pads, upstream events from sink pads. Sticky events are kept on
// a src pad even when it is not linked, and replayed when it is.
func (p *Pad) PushEvent(ev *Event) bool {
	p = p.target()
	if p.dir == PadSrc {
		if !ev.Type.IsDownstream() {
			return false
		}
		if !p.eventProbes(ev, ProbeEventDownstream) {
			return true
		}
		if ev.Type.IsSticky() || ev.Type == EventFlushStop {
			p.storeSticky(ev)
		}
		if ev.Type == EventEOS {
			p.eos.Store(true)
		} else if ev.Type == EventFlushStop {
			p.eos.Store(false)
		}
		if p.stickyPending.Load() && ev.Type.IsSerialized() {
			if p.pushSticky() == FlowOK && ev.Type.IsSticky() {
				return true // the replay delivered this event too
			}
		}
	} else {
		if !ev.Type.IsUpstream() {
			return false
		}
		if !p.eventProbes(ev, ProbeEventUpstream) {
			return true
		}
	}
	peer := p.peer.Load()
	if peer == nil {
		return ev.Type.IsSticky()
	}
	return peer.sendEvent(ev)
}

// SendEvent delivers an event to this pad as if its peer had pushed it:
// downstream events to sink pads, upstream events to src pads.
func (p *Pad) SendEvent(ev *Event) bool { return p.target().sendEvent(ev) }

func (p *Pad) sendEvent(ev *Event) bool {
	if p.dir == PadSink {
		switch ev.Type {
		case EventFlushStart:
			p.flushing.Store(true)
			p.mu.Lock()
			p.blockCond.Broadcast()
			p.mu.Unlock()
		case EventFlushStop:
			p.flushing.Store(false)
			p.eos.Store(false)
			p.storeSticky(ev)
		default:
			if ev.Type.IsSerialized() && p.flushing.Load() {
				return false
			}
		}
		if !p.eventProbes(ev, ProbeEventDownstream) {
			return true
		}
		if ev.Type == EventCaps && !p.AcceptCaps(ev.Caps) {
			return false
		}
		if ev.Type.IsSticky() {
			p.storeSticky(ev)
		}
		if ev.Type == EventEOS {
			p.eos.Store(true)
		}
	} else if !p.eventProbes(ev, ProbeEventUpstream) {
		return true
	}
	if p.event != nil {
		return p.event(p, ev)
	}
	return DefaultEvent(p, ev)
}

// DefaultEvent forwards an event to every pad on the other side of the
// pad's element: downstream events out of its src pads, upstream events out
// of its sink pads. Elements call it for events they do not handle.
func DefaultEvent(p *Pad, ev *Event) bool {
	if p.parent == nil {
		return ev.Type.IsSticky()
	}
	ok := true
	sent := false
	for _, o := range p.parent.base().Pads() {
		if o.dir == p.dir {
			continue
		}
		sent = true
		if !o.PushEvent(ev) {
			ok = false
		}
	}
	return ok && (sent || ev.Type.IsSticky() || ev.Type.IsUpstream())
}

// Query asks the pad a question, answered in q.
func (p *Pad) Query(q *Query) bool {
	p = p.target()
	if p.query != nil {
		return p.query(p, q)
	}
	return DefaultQuery(p, q)
}

// PeerQuery asks the pad's peer; it fails when the pad is not linked.
func (p *Pad) PeerQuery(q *Query) bool {
	peer := p.Peer()
	if peer == nil {
		return false
	}
	return peer.Query(q)
}

// QueryCaps returns the caps the pad (and, for proxying pads, what lies
// beyond it) can handle, restricted to filter when it is not nil.
func (p *Pad) QueryCaps(filter *Caps) *Caps {
	q := &Query{Type: QueryCaps, Filter: filter}
	if !p.Query(q) || q.Caps == nil {
		return p.tmpl.Caps.Intersect(orAny(filter))
	}
	return q.Caps
}

// PeerQueryCaps returns what the peer can handle; an unlinked pad's peer
// accepts anything.
func (p *Pad) PeerQueryCaps(filter *Caps) *Caps {
	peer := p.Peer()
	if peer == nil {
		return orAny(filter).Copy()
	}
	return peer.QueryCaps(filter)
}

// AcceptCaps reports whether the pad accepts fixed caps c.
func (p *Pad) AcceptCaps(c *Caps) bool {
	q := &Query{Type: QueryAcceptCaps, Caps: c}
	if !p.Query(q) {
		return false
	}
	return q.Accepted
}

func orAny(c *Caps) *Caps {
	if c == nil {
		return NewAnyCaps()
	}
	return c
}

// DefaultQuery answers caps and accept-caps queries from the pad's template
// (and, for proxying pads, from the pads beyond the element) and forwards
// other queries through the element.
func DefaultQuery(p *Pad, q *Query) bool {
	switch q.Type {
	case QueryCaps:
		c := p.tmpl.Caps.Intersect(orAny(q.Filter))
		if p.proxyCaps && p.parent != nil {
			for _, o := range p.parent.base().Pads() {
				if o.dir != p.dir {
					c = c.Intersect(o.PeerQueryCaps(c))
				}
			}
		}
		q.Caps = c
		return true
	case QueryAcceptCaps:
		allowed := p.tmpl.Caps
		if p.proxyCaps {
			allowed = p.QueryCaps(nil)
		}
		q.Accepted = q.Caps.IsSubset(allowed)
		return true
	}
	if p.parent == nil {
		return false
	}
	for _, o := range p.parent.base().Pads() {
		if o.dir != p.dir && o.PeerQuery(q) {
			return true
		}
	}
	return false
}
