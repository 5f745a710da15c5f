package pipeline

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Leaky modes of a queue.
const (
	LeakyNo         = 0 // block upstream while full (backpressure)
	LeakyUpstream   = 1 // drop the incoming buffer while full
	LeakyDownstream = 2 // drop the oldest queued buffer while full
)

// Queue decouples threads: upstream pushes into a bounded FIFO and a
// goroutine of the queue pushes downstream. When full it blocks upstream
// (backpressure) or, when leaky, drops new or old buffers, as live sources
// need. Events keep their order with buffers and never count as full.
type Queue struct {
	ElementBase
	sink, src *Pad

	maxBuffers int64
	maxBytes   int64
	maxTime    ClockTime
	leaky      int
	silent     bool

	mu        sync.Mutex
	items     []queueItem // ring buffer
	head, n   int
	nBuffers  int64
	bytes     int64
	flushing  bool
	eos       bool
	srcResult FlowReturn
	waitPop   bool // the output goroutine waits for data
	waitPush  bool // upstream waits for room
	notEmpty  chan struct{}
	notFull   chan struct{}
	task      *Task
	dropped   atomic.Int64
}

type queueItem struct {
	buf *Buffer
	ev  *Event
}

var queueClass = &ElementClass{
	Factory:     "queue",
	Klass:       "Generic",
	Description: "Bounded FIFO that hands data to its own goroutine",
	Templates: []*PadTemplate{
		NewPadTemplate("sink", PadSink, PadAlways, "ANY"),
		NewPadTemplate("src", PadSrc, PadAlways, "ANY"),
	},
	Props: []Prop{
		IntProp("max-size-buffers", "Max. number of buffers in the queue (0 = no limit)", 200, 0, 1<<31, func(e *Queue) *int64 { return &e.maxBuffers }),
		IntProp("max-size-bytes", "Max. amount of data in the queue in bytes (0 = no limit)", 10485760, 0, 1<<40, func(e *Queue) *int64 { return &e.maxBytes }),
		IntProp("max-size-time", "Max. amount of data in the queue in ns (0 = no limit)", 1000000000, 0, 1<<62, func(e *Queue) *ClockTime { return &e.maxTime }),
		EnumProp("leaky", "Where the queue leaks when full", LeakyNo, []string{"no", "upstream", "downstream"}, func(e *Queue) *int { return &e.leaky }),
		BoolProp("silent", "Do not post overrun/underrun messages", true, func(e *Queue) *bool { return &e.silent }),
		ReadOnlyProp("current-level-buffers", "Buffers in the queue now", PropInt, func(e *Queue) any { return e.level().buffers }),
		ReadOnlyProp("current-level-bytes", "Bytes in the queue now", PropInt, func(e *Queue) any { return e.level().bytes }),
		ReadOnlyProp("current-level-time", "Duration of the queued data in ns", PropInt, func(e *Queue) any { return int64(e.level().time) }),
		ReadOnlyProp("dropped", "Buffers dropped by a leaky queue", PropInt, func(e *Queue) any { return e.dropped.Load() }),
	},
}

func init() { Register(queueClass, func() Element { return NewQueue() }) }

// NewQueue returns a queue with default properties.
func NewQueue() *Queue {
	q := &Queue{notEmpty: make(chan struct{}, 1), notFull: make(chan struct{}, 1), flushing: true}
	q.Init(q, queueClass)
	q.sink, q.src = q.StaticPad("sink"), q.StaticPad("src")
	q.sink.SetChainFunc(q.chain)
	q.sink.SetEventFunc(q.sinkEvent)
	q.sink.SetProxyCaps(true)
	q.src.SetProxyCaps(true)
	return q
}

// QueueLevel is how much a queue holds.
type QueueLevel struct {
	buffers, bytes int64
	time           ClockTime
}

// Level returns the number of buffers, bytes and the time span queued.
func (q *Queue) Level() (buffers, bytes int64, span ClockTime) {
	l := q.level()
	return l.buffers, l.bytes, l.time
}

func (q *Queue) level() QueueLevel {
	// Read-only properties are read under the object lock; the queue's
	// data lock is separate, so this does not deadlock.
	q.mu.Lock()
	defer q.mu.Unlock()
	return QueueLevel{q.nBuffers, q.bytes, q.timeLevelLocked()}
}

// Dropped returns how many buffers a leaky queue dropped.
func (q *Queue) Dropped() int64 { return q.dropped.Load() }

// timeLevelLocked is the PTS span from the oldest to the newest buffer.
func (q *Queue) timeLevelLocked() ClockTime {
	var first, last *Buffer
	for i := 0; i < q.n; i++ {
		if b := q.items[(q.head+i)%len(q.items)].buf; b != nil && b.PTS != NoTime {
			if first == nil {
				first = b
			}
			last = b
		}
	}
	if first == nil {
		return 0
	}
	span := last.PTS - first.PTS
	if last.Duration != NoTime {
		span += last.Duration
	}
	return span
}

func (q *Queue) fullLocked() bool {
	if q.maxBuffers > 0 && q.nBuffers >= q.maxBuffers {
		return true
	}
	if q.maxBytes > 0 && q.bytes >= q.maxBytes {
		return true
	}
	return q.maxTime > 0 && q.nBuffers > 1 && q.timeLevelLocked() >= q.maxTime
}

func (q *Queue) pushLocked(it queueItem) {
	if q.n == len(q.items) {
		grown := make([]queueItem, max(16, 2*len(q.items)))
		for i := 0; i < q.n; i++ {
			grown[i] = q.items[(q.head+i)%len(q.items)]
		}
		q.items, q.head = grown, 0
	}
	q.items[(q.head+q.n)%len(q.items)] = it
	q.n++
	if it.buf != nil {
		q.nBuffers++
		q.bytes += int64(it.buf.Size())
	}
	if q.waitPop {
		q.waitPop = false
		notify(q.notEmpty)
	}
}

func (q *Queue) popLocked() queueItem {
	it := q.items[q.head]
	q.items[q.head] = queueItem{}
	q.head = (q.head + 1) % len(q.items)
	q.n--
	if it.buf != nil {
		q.nBuffers--
		q.bytes -= int64(it.buf.Size())
	}
	if q.waitPush {
		q.waitPush = false
		notify(q.notFull)
	}
	return it
}

// dropOldestLocked removes the oldest buffer, keeping events in order.
func (q *Queue) dropOldestLocked() bool {
	for i := 0; i < q.n; i++ {
		idx := (q.head + i) % len(q.items)
		if b := q.items[idx].buf; b != nil {
			for j := i; j > 0; j-- {
				q.items[(q.head+j)%len(q.items)] = q.items[(q.head+j-1)%len(q.items)]
			}
			q.items[q.head] = queueItem{}
			q.head = (q.head + 1) % len(q.items)
			q.n--
			q.nBuffers--
			q.bytes -= int64(b.Size())
			b.Unref()
			q.dropped.Add(1)
			return true
		}
	}
	return false
}

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (q *Queue) chain(_ *Pad, buf *Buffer) FlowReturn {
	q.mu.Lock()
	for {
		switch {
		case q.flushing:
			q.mu.Unlock()
			buf.Unref()
			return FlowFlushing
		case q.eos:
			q.mu.Unlock()
			buf.Unref()
			return FlowEOS
		case q.srcResult != FlowOK:
			r := q.srcResult
			q.mu.Unlock()
			buf.Unref()
			return r
		}
		if !q.fullLocked() {
			break
		}
		switch q.leaky {
		case LeakyUpstream:
			q.mu.Unlock()
			buf.Unref()
			q.dropped.Add(1)
			return FlowOK
		case LeakyDownstream:
			if q.dropOldestLocked() {
				continue
			}
		}
		q.waitPush = true
		q.mu.Unlock()
		<-q.notFull
		q.mu.Lock()
	}
	q.pushLocked(queueItem{buf: buf})
	q.mu.Unlock()
	return FlowOK
}

func (q *Queue) sinkEvent(p *Pad, ev *Event) bool {
	switch ev.Type {
	case EventFlushStart:
		q.src.PushEvent(ev)
		q.setFlushing(true)
		q.stopTask()
		return true
	case EventFlushStop:
		q.clear()
		q.setFlushing(false)
		ok := q.src.PushEvent(ev)
		q.startTask()
		return ok
	}
	if !ev.Type.IsSerialized() {
		return DefaultEvent(p, ev)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.flushing || q.eos {
		return false
	}
	if ev.Type == EventEOS {
		q.eos = true
	}
	q.pushLocked(queueItem{ev: ev})
	return true
}

func (q *Queue) setFlushing(on bool) {
	q.mu.Lock()
	q.flushing = on
	if on {
		notify(q.notEmpty)
		notify(q.notFull)
	} else {
		q.srcResult = FlowOK
		q.eos = false
	}
	q.mu.Unlock()
}

func (q *Queue) clear() {
	q.mu.Lock()
	for q.n > 0 {
		if it := q.popLocked(); it.buf != nil {
			it.buf.Unref()
		}
	}
	q.mu.Unlock()
}

// loop is the output goroutine: pop an item, push it downstream.
func (q *Queue) loop(ctx context.Context) {
	for {
		q.mu.Lock()
		for q.n == 0 && !q.flushing {
			q.waitPop = true
			q.mu.Unlock()
			select {
			case <-q.notEmpty:
			case <-ctx.Done():
				return
			}
			q.mu.Lock()
		}
		if q.flushing {
			q.mu.Unlock()
			return
		}
		it := q.popLocked()
		q.mu.Unlock()
		if it.ev != nil {
			q.src.PushEvent(it.ev)
			if it.ev.Type == EventEOS {
				q.pause(FlowEOS)
				return
			}
			continue
		}
		if ret := q.src.Push(it.buf); ret != FlowOK {
			if ret.IsFatal() {
				q.PostError(fmt.Errorf("internal data stream error: streaming stopped, reason %s", ret),
					q.src.FullName()+": push returned "+ret.String())
			}
			if ret != FlowFlushing {
				// Downstream is done (or broken): send EOS so its sink
				// posts EOS and the pipeline can complete.
				q.src.PushEvent(NewEOSEvent())
			}
			q.pause(ret)
			return
		}
	}
}

// pause records why output stopped: upstream sees it on its next push.
func (q *Queue) pause(ret FlowReturn) {
	q.mu.Lock()
	q.srcResult = ret
	notify(q.notFull)
	q.mu.Unlock()
}

func (q *Queue) startTask() {
	t := q.StartTask(q.loop)
	q.mu.Lock()
	q.task = t
	q.mu.Unlock()
}

func (q *Queue) stopTask() {
	q.mu.Lock()
	t := q.task
	q.task = nil
	q.mu.Unlock()
	t.Stop()
}

// ChangeState starts the output goroutine going to PAUSED and stops it,
// dropping queued data, going back to READY.
func (q *Queue) ChangeState(t StateChange) (StateChangeReturn, error) {
	switch t {
	case ReadyToPaused:
		q.setFlushing(false)
		q.ElementBase.ChangeState(t)
		q.startTask()
	case PausedToReady:
		q.setFlushing(true)
		q.ElementBase.ChangeState(t)
		q.stopTask()
		q.clear()
	}
	return StateChangeSuccess, nil
}
