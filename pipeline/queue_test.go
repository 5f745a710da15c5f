package pipeline

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// maxInt64 is an atomic maximum.
type maxInt64 struct{ v atomic.Int64 }

func (m *maxInt64) observe(x int64) {
	for {
		cur := m.v.Load()
		if x <= cur || m.v.CompareAndSwap(cur, x) {
			return
		}
	}
}

func TestQueueBoundedHoldsSourceBack(t *testing.T) {
	const (
		n       = 4  // max-size-buffers
		total   = 40 // buffers from the source
		stepped = 20 // buffers the test renders one by one
	)
	p := launch(t, fmt.Sprintf("fakesrc num-buffers=%d ! queue name=q max-size-buffers=%d max-size-bytes=0 max-size-time=0 ! fakesink name=sink", total, n))
	q := byName[*Queue](t, p, "q")
	level := func() int64 { l, _, _ := q.Level(); return l }
	var maxLevel, maxAhead maxInt64
	var rendering atomic.Int64 // offset of the buffer in the sink's handoff
	rendering.Store(-1)
	rendered := make(chan uint64)
	release := make(chan struct{})
	var got offsetLog
	byName[*FakeSink](t, p, "sink").SetHandoff(func(b *Buffer) {
		rendering.Store(int64(b.Offset))
		maxLevel.observe(level())
		got.add(b)
		if b.Offset < stepped {
			rendered <- b.Offset
			<-release
		}
	})
	q.SinkPad().AddProbe(ProbeBuffer, func(_ *Pad, info *ProbeInfo) ProbeReturn {
		maxLevel.observe(level())
		maxAhead.observe(int64(info.Buffer.Offset) - rendering.Load())
		return ProbeOK
	})
	setState(t, p, StatePlaying)
	for i := range uint64(stepped) {
		if off := receive(t, rendered, "the sink to render"); off != i {
			t.Fatalf("sink renders offset %d; want %d", off, i)
		}
		// The sink is stuck: the source fills the queue, then must wait.
		waitUntil(t, fmt.Sprintf("the queue fills to %d while the sink renders %d", n, i), func() bool { return level() == n })
		release <- struct{}{}
	}
	if m := popMessage(t, p, MessageEOS|MessageError); m.Type != MessageEOS {
		t.Fatalf("got %v; want EOS", m)
	}
	if g := got.get(); !slices.Equal(g, offsets(0, total, 1)) {
		t.Errorf("sink got %v; want 0..%d in order", g, total-1)
	}
	if m := maxLevel.v.Load(); m != n {
		t.Errorf("the queue held at most %d buffers; want exactly max-size-buffers=%d", m, n)
	}
	// While the sink renders k, the queue holds k+1..k+n and the source
	// pushes k+n+1; once the queue pops k+1 it may push k+n+2, no more.
	if a := maxAhead.v.Load(); a > n+2 {
		t.Errorf("the source got %d buffers ahead of the sink; backpressure allows %d", a, n+2)
	}
}

func TestQueueLimitsAndLeaks(t *testing.T) {
	tests := []struct {
		name, src, queue string
		want             []uint64
	}{
		{"leaky downstream drops the oldest", "", "max-size-buffers=3 max-size-bytes=0 max-size-time=0 leaky=downstream", []uint64{17, 18, 19}},
		{"leaky upstream drops the newest", "", "max-size-buffers=3 max-size-bytes=0 max-size-time=0 leaky=upstream", []uint64{0, 1, 2}},
		{"max-size-bytes", "sizetype=fixed sizemax=1000", "max-size-buffers=0 max-size-bytes=3000 max-size-time=0 leaky=upstream", []uint64{0, 1, 2}},
		{"max-size-time", "duration=10000000", "max-size-buffers=0 max-size-bytes=0 max-size-time=30000000 leaky=upstream", []uint64{0, 1, 2}},
		{"max-size-time leaky downstream", "duration=10000000", "max-size-buffers=0 max-size-bytes=0 max-size-time=30000000 leaky=2", []uint64{17, 18, 19}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := launch(t, fmt.Sprintf("fakesrc num-buffers=20 %s ! queue name=q %s ! fakesink name=sink", tt.src, tt.queue))
			q := byName[*Queue](t, p, "q")
			var got offsetLog
			byName[*FakeSink](t, p, "sink").SetHandoff(got.add)
			// Hold the queue's output at its first item (stream-start) until
			// the source has pushed everything, so what is kept is exact.
			hold := q.SrcPad().AddProbe(ProbeBlockDownstream, func(*Pad, *ProbeInfo) ProbeReturn { return ProbeOK })
			eosIn := make(chan struct{})
			var once sync.Once
			q.SinkPad().AddProbe(ProbeEventDownstream, func(_ *Pad, info *ProbeInfo) ProbeReturn {
				if info.Event.Type == EventEOS {
					once.Do(func() { close(eosIn) })
				}
				return ProbeOK
			})
			setState(t, p, StatePlaying)
			receive(t, eosIn, "the source to push EOS into the queue")
			if l, _, _ := q.Level(); l != int64(len(tt.want)) {
				t.Errorf("full queue holds %d buffers; want %d", l, len(tt.want))
			}
			q.SrcPad().RemoveProbe(hold)
			if m := popMessage(t, p, MessageEOS|MessageError); m.Type != MessageEOS {
				t.Fatalf("got %v; want EOS", m)
			}
			if g := got.get(); !slices.Equal(g, tt.want) {
				t.Errorf("sink got %v; want %v", g, tt.want)
			}
			wantDropped := int64(20 - len(tt.want))
			if d, _ := q.Get("dropped"); q.Dropped() != wantDropped || d != wantDropped {
				t.Errorf("dropped = %d (property %v); want %d", q.Dropped(), d, wantDropped)
			}
		})
	}
}

func TestQueueLevelProperties(t *testing.T) {
	p := launch(t, "fakesrc num-buffers=5 sizetype=fixed sizemax=100 duration=1000 ! queue name=q max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! fakesink")
	q := byName[*Queue](t, p, "q")
	hold := q.SrcPad().AddProbe(ProbeBlockDownstream, func(*Pad, *ProbeInfo) ProbeReturn { return ProbeOK })
	setState(t, p, StatePlaying)
	waitUntil(t, "all five buffers are queued", func() bool { l, _, _ := q.Level(); return l == 5 })
	for prop, want := range map[string]int64{"current-level-buffers": 5, "current-level-bytes": 500, "current-level-time": 5000} {
		if v, err := q.Get(prop); err != nil || v != want {
			t.Errorf("%s = %v, %v; want %d", prop, v, err, want)
		}
	}
	q.SrcPad().RemoveProbe(hold)
	if m := popMessage(t, p, MessageEOS|MessageError); m.Type != MessageEOS {
		t.Fatalf("got %v; want EOS", m)
	}
}
