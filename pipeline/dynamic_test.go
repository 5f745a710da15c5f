package pipeline

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// watchBus counts EOS and error messages, which a pipeline whose branches
// come and go must never post.
func watchBus(t *testing.T, p *Pipeline) (check func()) {
	var eos, errs atomic.Int32
	p.Bus().SetSyncHandler(func(m *Message) BusSyncReply {
		switch m.Type {
		case MessageEOS:
			eos.Add(1)
		case MessageError:
			t.Errorf("error while adding and removing branches: %v", m)
			errs.Add(1)
		}
		return BusPass
	})
	return func() {
		t.Helper()
		if eos.Load() != 0 {
			t.Errorf("the pipeline posted EOS while branches came and went")
		}
	}
}

func padNames(e Element) []string {
	var out []string
	for _, p := range e.base().Pads() {
		out = append(out, p.Name())
	}
	return out
}

func TestSourceAddedAndRemovedWhilePlayingLeavesNoGoroutine(t *testing.T) {
	p := launch(t, "funnel name=f ! fakesink name=out  fakesrc is-live=true ! identity sleep-time=200 ! f.sink_0")
	f := byName[*Funnel](t, p, "f")
	checkBus := watchBus(t, p)
	var permanent offsetLog
	f.StaticPad("sink_0").AddProbe(ProbeBuffer, func(_ *Pad, info *ProbeInfo) ProbeReturn {
		permanent.add(info.Buffer)
		return ProbeOK
	})
	setState(t, p, StatePlaying)
	permanent.waitFor(t, 3)
	base := runtime.NumGoroutine()

	for i := range 100 {
		live, viaEOS := i%2 == 0, i%4 < 2
		src := NewFakeSrc()
		if err := src.Set("is-live", live); err != nil {
			t.Fatal(err)
		}
		if err := p.Add(src); err != nil {
			t.Fatal(err)
		}
		pad, err := f.RequestPad("sink_%u")
		if err != nil {
			t.Fatal(err)
		}
		if err := src.Src().Link(pad); err != nil {
			t.Fatal(err)
		}
		var flowed offsetLog
		src.Src().AddProbe(ProbeBuffer, func(_ *Pad, info *ProbeInfo) ProbeReturn {
			flowed.add(info.Buffer)
			return ProbeOK
		})
		eosPassed := make(chan struct{})
		var once sync.Once
		pad.AddProbe(ProbeEventDownstream, func(_ *Pad, info *ProbeInfo) ProbeReturn {
			if info.Event.Type == EventEOS {
				once.Do(func() { close(eosPassed) })
			}
			return ProbeOK
		})
		if err := src.SyncStateWithParent(); err != nil {
			t.Fatal(err)
		}
		flowed.waitFor(t, 3)

		if viaEOS {
			src.SendEvent(NewEOSEvent())
			receive(t, eosPassed, fmt.Sprintf("EOS of source %d to reach the funnel", i))
		}
		setState(t, src, StateNull)
		if !src.Src().Unlink(pad) {
			t.Fatalf("iteration %d: source was not linked to %s", i, pad.Name())
		}
		if err := f.ReleaseRequestPad(pad); err != nil {
			t.Fatal(err)
		}
		if err := p.Remove(src); err != nil {
			t.Fatal(err)
		}
	}

	permanent.waitFor(t, permanent.len()+3) // the permanent branch still delivers
	waitGoroutines(t, base)
	if got := padNames(f); !slices.Equal(got, []string{"src", "sink_0"}) {
		t.Errorf("funnel pads after removals: %v; want [src sink_0]", got)
	}
	if n := len(p.Elements()); n != 4 {
		t.Errorf("pipeline holds %d elements; want the 4 it started with", n)
	}
	checkBus()
}

func TestTeeBranchAddedAndRemovedWhilePlayingLeavesNoGoroutine(t *testing.T) {
	p := launch(t, "fakesrc is-live=true ! identity sleep-time=200 ! tee name=t t. ! queue ! fakesink name=main")
	tee := byName[*Tee](t, p, "t")
	checkBus := watchBus(t, p)
	var main offsetLog
	byName[*FakeSink](t, p, "main").SetHandoff(main.add)
	setState(t, p, StatePlaying)
	main.waitFor(t, 3)
	base := runtime.NumGoroutine()

	for i := range 100 {
		q, sink := NewQueue(), NewFakeSink()
		var got offsetLog
		sink.SetHandoff(got.add)
		if err := p.Add(q, sink); err != nil {
			t.Fatal(err)
		}
		if err := LinkMany(q, sink); err != nil {
			t.Fatal(err)
		}
		// Start the branch before linking it, so it takes data at once.
		for _, e := range []Element{sink, q} {
			if err := e.base().SyncStateWithParent(); err != nil {
				t.Fatal(err)
			}
		}
		tp, err := tee.RequestPad("src_%u")
		if err != nil {
			t.Fatal(err)
		}
		if err := tp.Link(q.SinkPad()); err != nil {
			t.Fatal(err)
		}
		got.waitFor(t, 3)
		if g := got.get()[:3]; g[1] != g[0]+1 || g[2] != g[0]+2 {
			t.Fatalf("iteration %d: new branch got offsets %v; want consecutive ones", i, g)
		}

		if err := tee.ReleaseRequestPad(tp); err != nil {
			t.Fatal(err)
		}
		for _, e := range []Element{q, sink} {
			if err := p.Remove(e); err != nil {
				t.Fatal(err)
			}
		}
	}

	main.waitFor(t, main.len()+3)
	waitGoroutines(t, base)
	if got := padNames(tee); !slices.Equal(got, []string{"sink", "src_0"}) {
		t.Errorf("tee pads after removals: %v; want [sink src_0]", got)
	}
	if g := main.get(); !slices.Equal(g, offsets(0, uint64(len(g)), 1)) {
		t.Error("the permanent branch lost buffers while branches came and went")
	}
	checkBus()
}
