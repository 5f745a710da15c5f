package pipeline

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Aggregator is what an N-in/1-out element (streammux, a compositor)
// implements on top of AggregatorBase. Aggregate runs in the aggregator's
// own goroutine when every sink pad that has not ended holds a buffer, or,
// with a timeout set, when the oldest queued buffer has waited that long
// (timedOut is then true). It takes buffers with Pop and pushes its output
// with Finish.
type Aggregator interface {
	Aggregate(ctx context.Context, timedOut bool) error
}

// AggregatorPadEventHandler is implemented by aggregators that want to see
// the events of each sink pad (caps, EOS, custom) before the default
// handling; handled=true stops it.
type AggregatorPadEventHandler interface {
	SinkPadEvent(pad *Pad, ev *Event) (handled, ok bool)
}

// AggregatorPadDrainer is implemented by aggregators that act when one
// input has ended and its last buffer was aggregated (streammux's
// stream-eos); PadDrained runs in the aggregation goroutine, so what it
// pushes keeps its order with the output.
type AggregatorPadDrainer interface {
	PadDrained(pad *Pad)
}

type aggPad struct {
	queue   []*Buffer
	eos     bool
	drained bool      // PadDrained was called for this EOS
	since   time.Time // when the oldest queued buffer arrived
}

// AggregatorBase is the base of N-in/1-out elements: request sink pads
// (from the class's request template) each with a small bounded queue,
// a goroutine that calls Aggregate when inputs are ready, per-pad EOS, pads
// added and removed while PLAYING, and EOS out when every input has ended.
type AggregatorBase struct {
	ElementBase
	src  *Pad
	impl Aggregator

	mu       sync.Mutex
	pads     map[*Pad]*aggPad
	order    []*Pad // sink pads in the order they were added
	depth    int
	timeout  time.Duration
	wake     chan struct{} // wakes the aggregation goroutine
	room     chan struct{} // closed and replaced when a full pad may have room
	waiting  int           // upstream goroutines waiting on room
	flushing bool
	flow     FlowReturn
	events   []*Event // serialized events waiting for the output goroutine
	srcCaps  *Caps
	task     *Task
}

// InitAggregator initialises the base; class must have an always "src"
// template and a request sink template.
func (a *AggregatorBase) InitAggregator(self interface {
	Element
	Aggregator
}, class *ElementClass) {
	a.Init(self, class)
	a.impl = self
	a.src = a.StaticPad("src")
	if a.src == nil {
		panic("pipeline: aggregator class " + class.Factory + " has no src template")
	}
	a.pads = map[*Pad]*aggPad{}
	a.depth = 1
	a.wake = make(chan struct{}, 1)
	a.room = make(chan struct{})
	a.flushing = true
}

// Src returns the src pad.
func (a *AggregatorBase) Src() *Pad { return a.src }

// SetTimeout makes Aggregate run once the oldest queued buffer has waited
// d, even if other pads have no data yet (live sources; streammux's
// batched-push-timeout). 0 waits for every pad.
func (a *AggregatorBase) SetTimeout(d time.Duration) {
	a.mu.Lock()
	a.timeout = d
	a.mu.Unlock()
	a.signal()
}

// SetQueueDepth sets how many buffers each sink pad may hold before its
// upstream blocks (default 1).
func (a *AggregatorBase) SetQueueDepth(n int) {
	a.mu.Lock()
	a.depth = max(n, 1)
	a.mu.Unlock()
}

func (a *AggregatorBase) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// freeRoomLocked wakes upstream goroutines waiting for room in a pad queue.
func (a *AggregatorBase) freeRoomLocked() {
	if a.waiting > 0 {
		close(a.room)
		a.room = make(chan struct{})
	}
}

// RequestNewPad adds a sink pad with its queue; it may be added while PLAYING.
func (a *AggregatorBase) RequestNewPad(tmpl *PadTemplate, name string) (*Pad, error) {
	p := NewPad(name, tmpl)
	p.SetChainFunc(a.chain)
	p.SetEventFunc(a.sinkEvent)
	a.mu.Lock()
	a.pads[p] = &aggPad{}
	a.order = append(a.order, p)
	a.mu.Unlock()
	if err := a.AddPad(p); err != nil {
		a.forget(p)
		return nil, err
	}
	return p, nil
}

// ReleasePad removes a sink pad and drops what it held.
func (a *AggregatorBase) ReleasePad(p *Pad) {
	a.RemovePad(p)
	a.forget(p)
	a.signal()
}

func (a *AggregatorBase) forget(p *Pad) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if st, ok := a.pads[p]; ok {
		for _, b := range st.queue {
			b.Unref()
		}
		delete(a.pads, p)
		a.freeRoomLocked()
	}
	for i, q := range a.order {
		if q == p {
			a.order = append(a.order[:i], a.order[i+1:]...)
			break
		}
	}
}

// SinkPads returns the sink pads in the order they were added.
func (a *AggregatorBase) SinkPads() []*Pad {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*Pad(nil), a.order...)
}

// Peek returns the oldest buffer queued on a pad without taking it, or nil.
func (a *AggregatorBase) Peek(p *Pad) *Buffer {
	a.mu.Lock()
	defer a.mu.Unlock()
	if st := a.pads[p]; st != nil && len(st.queue) > 0 {
		return st.queue[0]
	}
	return nil
}

// Pop takes the oldest buffer queued on a pad (the caller owns it), or nil.
func (a *AggregatorBase) Pop(p *Pad) *Buffer {
	a.mu.Lock()
	st := a.pads[p]
	if st == nil || len(st.queue) == 0 {
		a.mu.Unlock()
		return nil
	}
	b := st.queue[0]
	copy(st.queue, st.queue[1:])
	st.queue[len(st.queue)-1] = nil
	st.queue = st.queue[:len(st.queue)-1]
	st.since = time.Now()
	a.freeRoomLocked()
	a.mu.Unlock()
	return b
}

// IsEOS reports whether a sink pad has ended and has nothing queued.
func (a *AggregatorBase) IsEOS(p *Pad) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.pads[p]
	return st == nil || (st.eos && len(st.queue) == 0)
}

// SetSrcCaps sets the output caps, announced after stream-start when
// streaming starts (call it from Start) or at once while running.
func (a *AggregatorBase) SetSrcCaps(c *Caps) {
	a.mu.Lock()
	a.srcCaps = c
	running := a.task != nil
	a.mu.Unlock()
	if running {
		a.QueueEvent(NewCapsEvent(c))
	}
}

// QueueEvent sends a serialized event out of the src pad from the
// aggregation goroutine, before the next aggregated buffer (or EOS), so it
// keeps its order with the output; use it from pad event handlers, which
// run in upstream goroutines.
func (a *AggregatorBase) QueueEvent(ev *Event) {
	a.mu.Lock()
	a.events = append(a.events, ev)
	a.mu.Unlock()
	a.signal()
}

func (a *AggregatorBase) pushQueuedEvents() {
	a.mu.Lock()
	evs := a.events
	a.events = nil
	a.mu.Unlock()
	for _, ev := range evs {
		a.src.PushEvent(ev)
	}
}

// Finish pushes an aggregated buffer out of the src pad.
func (a *AggregatorBase) Finish(buf *Buffer) FlowReturn {
	ret := a.src.Push(buf)
	if ret != FlowOK {
		a.mu.Lock()
		a.flow = ret
		a.freeRoomLocked()
		a.mu.Unlock()
		a.signal()
	}
	return ret
}

func (a *AggregatorBase) chain(p *Pad, buf *Buffer) FlowReturn {
	a.mu.Lock()
	for {
		st := a.pads[p]
		switch {
		case a.flushing || st == nil:
			a.mu.Unlock()
			buf.Unref()
			return FlowFlushing
		case a.flow != FlowOK:
			r := a.flow
			a.mu.Unlock()
			buf.Unref()
			return r
		case len(st.queue) < a.depth:
			if len(st.queue) == 0 {
				st.since = time.Now()
			}
			st.queue = append(st.queue, buf)
			a.mu.Unlock()
			a.signal()
			return FlowOK
		}
		// Full: wait for Aggregate to take a buffer (backpressure).
		room := a.room
		a.waiting++
		a.mu.Unlock()
		<-room
		a.mu.Lock()
		a.waiting--
	}
}

func (a *AggregatorBase) sinkEvent(p *Pad, ev *Event) bool {
	if h, ok := a.impl.(AggregatorPadEventHandler); ok {
		if handled, res := h.SinkPadEvent(p, ev); handled {
			return res
		}
	}
	switch ev.Type {
	case EventEOS:
		a.mu.Lock()
		if st := a.pads[p]; st != nil {
			st.eos = true
		}
		a.mu.Unlock()
		a.signal()
		return true
	case EventStreamStart, EventSegment, EventCaps:
		return true // the aggregator announces its own output stream
	case EventFlushStart, EventFlushStop:
		return true
	}
	return DefaultEvent(p, ev)
}

// readyLocked says whether to aggregate now: every live pad has data, or
// the timeout passed for the oldest buffer; allEOS when all inputs ended.
func (a *AggregatorBase) readyLocked(now time.Time) (ready, timedOut, allEOS bool, wait time.Duration) {
	any, all := false, true
	var oldest time.Time
	for _, st := range a.pads {
		if len(st.queue) > 0 {
			any = true
			if oldest.IsZero() || st.since.Before(oldest) {
				oldest = st.since
			}
		} else if !st.eos {
			all = false
		}
	}
	if !any {
		return false, false, len(a.pads) > 0 && all, 0
	}
	if all {
		return true, false, false, 0
	}
	if a.timeout > 0 {
		left := oldest.Add(a.timeout).Sub(now)
		if left <= 0 {
			return true, true, false, 0
		}
		return false, false, false, left
	}
	return false, false, false, 0
}

// drainedLocked marks and returns the pads that ended and have nothing
// left queued since the last call.
func (a *AggregatorBase) drainedLocked() []*Pad {
	var out []*Pad
	for _, p := range a.order {
		if st := a.pads[p]; st != nil && st.eos && !st.drained && len(st.queue) == 0 {
			st.drained = true
			out = append(out, p)
		}
	}
	return out
}

func (a *AggregatorBase) loop(ctx context.Context) {
	a.src.PushEvent(NewStreamStartEvent(a.Name()))
	a.mu.Lock()
	caps := a.srcCaps
	a.mu.Unlock()
	if caps != nil && !a.src.PushEvent(NewCapsEvent(caps)) {
		a.PostError(fmt.Errorf("internal data stream error: streaming stopped, reason not-negotiated"),
			fmt.Sprintf("%s offers %s; downstream accepts %s", a.src.FullName(), caps, a.src.PeerQueryCaps(nil)))
		a.src.PushEvent(NewEOSEvent())
		return
	}
	a.src.PushEvent(NewSegmentEvent(NewSegment()))
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		a.mu.Lock()
		if a.flushing {
			a.mu.Unlock()
			return
		}
		if a.flow != FlowOK {
			ret := a.flow
			a.mu.Unlock()
			if ret.IsFatal() {
				a.PostError(fmt.Errorf("internal data stream error: streaming stopped, reason %s", ret), a.src.FullName())
			}
			if ret != FlowFlushing {
				a.src.PushEvent(NewEOSEvent())
			}
			return
		}
		ready, timedOut, allEOS, wait := a.readyLocked(time.Now())
		pending := len(a.events) > 0
		drained := a.drainedLocked()
		a.mu.Unlock()
		if pending {
			a.pushQueuedEvents()
		}
		if d, ok := a.impl.(AggregatorPadDrainer); ok {
			for _, p := range drained {
				d.PadDrained(p)
			}
		}
		switch {
		case allEOS:
			a.src.PushEvent(NewEOSEvent())
			return
		case ready:
			if err := a.impl.Aggregate(ctx, timedOut); err != nil {
				a.PostError(err, "")
				a.src.PushEvent(NewEOSEvent())
				return
			}
			continue
		}
		var tc <-chan time.Time
		if wait > 0 {
			timer.Reset(wait)
			tc = timer.C
		}
		select {
		case <-a.wake:
		case <-tc:
		case <-ctx.Done():
			return
		}
	}
}

// ChangeState starts the aggregation goroutine going to PAUSED and stops
// it, dropping queued buffers, going back to READY.
func (a *AggregatorBase) ChangeState(t StateChange) (StateChangeReturn, error) {
	switch t {
	case ReadyToPaused:
		if st, ok := a.impl.(Starter); ok {
			if err := st.Start(context.Background()); err != nil {
				return StateChangeFailure, err
			}
		}
		a.mu.Lock()
		a.flushing, a.flow, a.events = false, FlowOK, nil
		for _, st := range a.pads {
			st.eos, st.drained = false, false
		}
		a.mu.Unlock()
		a.ElementBase.ChangeState(t)
		task := a.StartTask(a.loop)
		a.mu.Lock()
		a.task = task
		a.mu.Unlock()
	case PausedToReady:
		a.mu.Lock()
		a.flushing = true
		a.freeRoomLocked()
		a.mu.Unlock()
		a.signal()
		a.ElementBase.ChangeState(t)
		a.mu.Lock()
		task := a.task
		a.task = nil
		a.mu.Unlock()
		task.Stop()
		a.mu.Lock()
		for _, st := range a.pads {
			for _, b := range st.queue {
				b.Unref()
			}
			st.queue = nil
		}
		a.mu.Unlock()
		if st, ok := a.impl.(Stopper); ok {
			if err := st.Stop(); err != nil {
				return StateChangeFailure, err
			}
		}
	}
	return StateChangeSuccess, nil
}
