package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// countMux is a test aggregator: it pops one buffer from every pad that
// has one and pushes a buffer whose Offset is how many inputs it merged.
type countMux struct {
	AggregatorBase
	mu       sync.Mutex
	timeouts int
}

var countMuxClass = &ElementClass{
	Factory: "countmux",
	Templates: []*PadTemplate{
		NewPadTemplate("sink_%u", PadSink, PadRequest, "ANY"),
		NewPadTemplate("src", PadSrc, PadAlways, "ANY"),
	},
}

func newCountMux() *countMux {
	m := &countMux{}
	m.InitAggregator(m, countMuxClass)
	return m
}

func (m *countMux) Aggregate(_ context.Context, timedOut bool) error {
	n := 0
	for _, p := range m.SinkPads() {
		if b := m.Pop(p); b != nil {
			n++
			b.Unref()
		}
	}
	if timedOut {
		m.mu.Lock()
		m.timeouts++
		m.mu.Unlock()
	}
	out := NewBuffer()
	out.Offset = uint64(n)
	if r := m.Finish(out); r != FlowOK && r != FlowFlushing {
		return fmt.Errorf("push: %s", r)
	}
	return nil
}

// runMux links sources into a countmux and returns the Offsets the sink saw.
func runMux(t *testing.T, m *countMux, srcs ...Element) []uint64 {
	t.Helper()
	p := NewPipeline("p")
	sink := NewFakeSink()
	var mu sync.Mutex
	var got []uint64
	sink.SetHandoff(func(b *Buffer) {
		mu.Lock()
		got = append(got, b.Offset)
		mu.Unlock()
	})
	if err := p.Add(m, sink); err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if err := p.Add(s); err != nil {
			t.Fatal(err)
		}
		if err := LinkElements(s, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := LinkElements(m, sink); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Run(ctx, time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("pipeline did not reach EOS")
	}
	return got
}

func fakeSrcN(t *testing.T, n int) *FakeSrc {
	s := NewFakeSrc()
	if err := s.Set("num-buffers", n); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAggregatorWaitsForEveryPad(t *testing.T) {
	got := runMux(t, newCountMux(), fakeSrcN(t, 50), fakeSrcN(t, 50), fakeSrcN(t, 50))
	if len(got) != 50 {
		t.Fatalf("got %d output buffers, want 50", len(got))
	}
	for i, n := range got {
		if n != 3 {
			t.Fatalf("output %d merged %d inputs, want 3", i, n)
		}
	}
}

func TestAggregatorGoesOnAfterOnePadEnds(t *testing.T) {
	got := runMux(t, newCountMux(), fakeSrcN(t, 5), fakeSrcN(t, 20))
	total := uint64(0)
	for _, n := range got {
		total += n
	}
	if total != 25 {
		t.Fatalf("merged %d inputs in all, want 25 (outputs %v)", total, got)
	}
	if len(got) != 20 {
		t.Fatalf("got %d outputs, want 20: %v", len(got), got)
	}
}

func TestAggregatorTimeoutDoesNotWaitForSilentPad(t *testing.T) {
	m := newCountMux()
	m.SetTimeout(5 * time.Millisecond)
	silent := NewAppSrc() // never pushes; ends when the pipeline sends EOS
	p := NewPipeline("p")
	src := fakeSrcN(t, 10)
	sink := NewFakeSink()
	if err := p.Add(src, silent, m, sink); err != nil {
		t.Fatal(err)
	}
	for _, e := range []Element{src, silent} {
		if err := LinkElements(e, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := LinkElements(m, sink); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SetState(StatePlaying); err != nil {
		t.Fatal(err)
	}
	defer p.SetState(StateNull)
	waitUntil(t, "10 buffers out with a silent input", func() bool { return sink.Count() >= 10 })
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.timeouts == 0 {
		t.Fatal("no aggregation was marked as timed out")
	}
}

func TestAggregatorReleasePadWhilePlaying(t *testing.T) {
	base := runtime.NumGoroutine()
	m := newCountMux()
	p := NewPipeline("p")
	sink := NewFakeSink()
	if err := p.Add(m, sink); err != nil {
		t.Fatal(err)
	}
	if err := LinkElements(m, sink); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SetState(StatePlaying); err != nil {
		t.Fatal(err)
	}
	defer p.SetState(StateNull)
	for i := 0; i < 20; i++ {
		src := fakeSrcN(t, -1)
		if err := p.Add(src); err != nil {
			t.Fatal(err)
		}
		pad, err := m.RequestPad("sink_%u")
		if err != nil {
			t.Fatal(err)
		}
		if err := src.Src().Link(pad); err != nil {
			t.Fatal(err)
		}
		if err := src.SyncStateWithParent(); err != nil {
			t.Fatal(err)
		}
		before := sink.Count()
		waitUntil(t, "buffers from the added source", func() bool { return sink.Count() >= before+10 })
		if err := p.Remove(src); err != nil {
			t.Fatal(err)
		}
		if err := m.ReleaseRequestPad(pad); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(m.SinkPads()); n != 0 {
		t.Fatalf("%d sink pads left", n)
	}
	setState(t, p, StateNull)
	waitGoroutines(t, base)
}
