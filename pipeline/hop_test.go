package pipeline

import (
	"context"
	"testing"
)

// hopChain is a PLAYING pipeline of identities ending in fakesinks (one,
// or two behind a tee), fed by a test pad, with a pool to push from.
type hopChain struct {
	p     *Pipeline
	in    *Pad
	ids   []*Identity
	sinks []*FakeSink
	pool  *BufferPool
}

func newHopChain(tb testing.TB, identities, teeBranches int) *hopChain {
	tb.Helper()
	c := &hopChain{p: NewPipeline("hops")}
	tb.Cleanup(func() { c.p.SetState(StateNull) })
	var chain []Element
	for range identities {
		id := NewIdentity()
		c.ids = append(c.ids, id)
		chain = append(chain, id)
	}
	if err := c.p.Add(chain...); err != nil {
		tb.Fatal(err)
	}
	addSink := func() *FakeSink {
		s := NewFakeSink()
		c.sinks = append(c.sinks, s)
		if err := c.p.Add(s); err != nil {
			tb.Fatal(err)
		}
		return s
	}
	if teeBranches == 0 {
		chain = append(chain, addSink())
	} else {
		tee := NewTee()
		if err := c.p.Add(tee); err != nil {
			tb.Fatal(err)
		}
		chain = append(chain, tee)
		for range teeBranches {
			if err := LinkElements(tee, addSink()); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := LinkMany(chain...); err != nil {
		tb.Fatal(err)
	}
	setState(tb, c.p, StatePlaying)
	c.in = pushPad(tb, c.ids[0].Sink())
	var err error
	if c.pool, err = NewBufferPool(0, 4, 0); err != nil {
		tb.Fatal(err)
	}
	for range 10 { // warm up: the first buffer commits the preroll
		c.push(tb)
	}
	return c
}

// push sends one pooled buffer through the chain.
func (c *hopChain) push(tb testing.TB) {
	b, err := c.pool.Acquire(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if r := c.in.Push(b); r != FlowOK {
		tb.Fatalf("Push = %v", r)
	}
}

func TestSteadyStateHopAllocatesNothing(t *testing.T) {
	tests := []struct {
		name     string
		branches int
		probe    bool
	}{
		{"10 identities", 0, false},
		{"with a buffer probe", 0, true},
		{"tee of 2 branches", 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newHopChain(t, 10, tt.branches)
			var probed int
			if tt.probe {
				c.ids[5].Src().AddProbe(ProbeBuffer, func(*Pad, *ProbeInfo) ProbeReturn {
					probed++
					return ProbeOK
				})
			}
			const runs = 500
			if allocs := testing.AllocsPerRun(runs, func() { c.push(t) }); allocs != 0 {
				t.Errorf("%.1f allocations per buffer; want 0", allocs)
			}
			for _, s := range c.sinks {
				if s.Count() != 10+runs+1 { // warm-up, runs, AllocsPerRun's own warm-up
					t.Errorf("%s rendered %d buffers; want %d", s.Name(), s.Count(), 10+runs+1)
				}
			}
			if tt.probe && probed != runs+1 {
				t.Errorf("probe saw %d buffers; want %d", probed, runs+1)
			}
			if c.pool.Allocated() > 4 {
				t.Errorf("pool grew to %d buffers; every buffer should come back before the next push", c.pool.Allocated())
			}
		})
	}
}

// BenchmarkIdentityHop pushes pooled buffers through 10 identities to a
// fakesink, in the pusher's goroutine: the cost of one element hop.
func BenchmarkIdentityHop(b *testing.B) {
	const hops = 10
	c := newHopChain(b, hops, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.push(b)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/hops, "ns/hop")
}

// BenchmarkQueueHandoff pushes pooled buffers through one queue to a
// fakesink: the cost of handing a buffer to another goroutine.
func BenchmarkQueueHandoff(b *testing.B) {
	p := NewPipeline("handoff")
	b.Cleanup(func() { p.SetState(StateNull) })
	q, sink := NewQueue(), NewFakeSink()
	if err := q.Set("max-size-time", 0); err != nil {
		b.Fatal(err)
	}
	if err := p.Add(q, sink); err != nil {
		b.Fatal(err)
	}
	if err := LinkMany(q, sink); err != nil {
		b.Fatal(err)
	}
	setState(b, p, StatePlaying)
	in := pushPad(b, q.SinkPad())
	pool, _ := NewBufferPool(0, 256, 0)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf, _ := pool.Acquire(ctx)
		if r := in.Push(buf); r != FlowOK {
			b.Fatalf("Push = %v", r)
		}
	}
	in.PushEvent(NewEOSEvent())
	if m := popMessage(b, p, MessageEOS|MessageError); m.Type != MessageEOS {
		b.Fatalf("got %v; want EOS", m)
	}
	b.StopTimer()
	if sink.Count() != int64(b.N) {
		b.Fatalf("sink got %d of %d buffers", sink.Count(), b.N)
	}
}
