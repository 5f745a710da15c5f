package pipeline

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// poolIdle returns how many buffers wait in the pool, so a test can check
// that every buffer came back.
func poolIdle(p *BufferPool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}

func TestBufferProbeVerdicts(t *testing.T) {
	var kept []*Buffer // buffers a HANDLED probe took
	tests := []struct {
		name      string
		probe     func(info *ProbeInfo) ProbeReturn
		want      []uint64
		wantCalls int64
	}{
		{"OK passes all", func(*ProbeInfo) ProbeReturn { return ProbeOK }, offsets(0, 10, 1), 10},
		{"DROP odd offsets", func(info *ProbeInfo) ProbeReturn {
			if info.Buffer.Offset%2 == 1 {
				return ProbeDrop
			}
			return ProbeOK
		}, offsets(0, 10, 2), 10},
		{"REMOVE runs once", func(*ProbeInfo) ProbeReturn { return ProbeRemove }, offsets(0, 10, 1), 1},
		{"HANDLED takes the first three", func(info *ProbeInfo) ProbeReturn {
			if info.Buffer.Offset < 3 {
				kept = append(kept, info.Buffer)
				return ProbeHandled
			}
			return ProbeOK
		}, offsets(3, 10, 1), 10},
		{"replacing the buffer", func(info *ProbeInfo) ProbeReturn {
			nb := NewBuffer()
			nb.Offset = info.Buffer.Offset + 100
			info.Buffer.Unref()
			info.Buffer = nb
			return ProbeOK
		}, offsets(100, 110, 1), 10},
		{"changing a writable buffer", func(info *ProbeInfo) ProbeReturn {
			info.Buffer = info.Buffer.MakeWritable()
			info.Buffer.Offset *= 10
			return ProbeOK
		}, offsets(0, 100, 10), 10},
		{"a nil buffer drops", func(info *ProbeInfo) ProbeReturn {
			info.Buffer.Unref()
			info.Buffer = nil
			return ProbeOK
		}, nil, 10},
	}
	for _, pad := range []string{"id.src", "sink.sink"} {
		for _, tt := range tests {
			t.Run(pad+"/"+tt.name, func(t *testing.T) {
				kept = nil
				p := launch(t, "fakesrc name=src num-buffers=10 ! identity name=id ! fakesink name=sink")
				var got offsetLog
				byName[*FakeSink](t, p, "sink").SetHandoff(got.add)
				elem, padName, _ := strings.Cut(pad, ".")
				target := p.ByName(elem).base().StaticPad(padName)
				var calls atomic.Int64
				var id ProbeID
				id = target.AddProbe(ProbeBuffer, func(pp *Pad, info *ProbeInfo) ProbeReturn {
					calls.Add(1)
					if pp != target || info.ID != id || info.Type != ProbeBuffer || info.Buffer == nil {
						t.Errorf("probe called with pad %v, info %+v; want pad %v, id %d, a buffer", pp, info, target, id)
					}
					return tt.probe(info)
				})
				if err := run(t, p); err != nil {
					t.Fatal(err)
				}
				if g := got.get(); !slices.Equal(g, tt.want) {
					t.Errorf("sink got offsets %v; want %v", g, tt.want)
				}
				if c := calls.Load(); c != tt.wantCalls {
					t.Errorf("probe ran %d times; want %d", c, tt.wantCalls)
				}
				for _, b := range kept {
					b.Unref()
				}
				pool := byName[*FakeSrc](t, p, "src").pool
				if idle, all := poolIdle(pool), pool.Allocated(); idle != all {
					t.Errorf("%d of %d pooled buffers came back: a verdict leaked buffers", idle, all)
				}
			})
		}
	}
}

func TestProbesRunInOrderAndRemove(t *testing.T) {
	p := launch(t, "fakesrc num-buffers=6 ! fakesink name=sink")
	pad := byName[*FakeSink](t, p, "sink").Sink()
	var second offsetLog
	pad.AddProbe(ProbeBuffer, func(_ *Pad, info *ProbeInfo) ProbeReturn {
		if info.Buffer.Offset%3 != 0 {
			return ProbeDrop
		}
		return ProbeOK
	})
	pad.AddProbe(ProbeBuffer, func(_ *Pad, info *ProbeInfo) ProbeReturn {
		second.add(info.Buffer)
		return ProbeOK
	})
	unused := pad.AddProbe(ProbeBuffer, func(*Pad, *ProbeInfo) ProbeReturn { return ProbeDrop })
	if !pad.RemoveProbe(unused) || pad.RemoveProbe(unused) {
		t.Error("RemoveProbe must report true for an installed probe, then false")
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if g := second.get(); !slices.Equal(g, []uint64{0, 3}) {
		t.Errorf("the second probe saw %v; want only what the first passed, [0 3]", g)
	}
}

func TestEventProbesSeeStreamEvents(t *testing.T) {
	p := launch(t, "appsrc name=src caps=video/x-raw,width=640 ! fakesink name=sink")
	src := byName[*AppSrc](t, p, "src")
	var down, up []string // written by the streaming goroutine, read after EOS
	var caps *Caps
	byName[*FakeSink](t, p, "sink").Sink().AddProbe(ProbeEventDownstream, func(_ *Pad, info *ProbeInfo) ProbeReturn {
		down = append(down, info.Event.Type.String())
		if info.Event.Type == EventCaps {
			caps = info.Event.Caps
		}
		return ProbeOK
	})
	src.Src().AddProbe(ProbeEventUpstream, func(_ *Pad, info *ProbeInfo) ProbeReturn {
		up = append(up, info.Event.Type.String())
		return ProbeOK
	})
	setState(t, p, StatePlaying)
	ctx := context.Background()
	for range 2 {
		if err := src.Push(ctx, NewBuffer()); err != nil {
			t.Fatal(err)
		}
	}
	if err := src.EndOfStream(); err != nil {
		t.Fatal(err)
	}
	if m := popMessage(t, p, MessageEOS|MessageError); m.Type != MessageEOS {
		t.Fatalf("got %v; want EOS", m)
	}
	if want := []string{"stream-start", "caps", "segment", "eos"}; !slices.Equal(down, want) {
		t.Errorf("downstream event probe saw %v; want %v", down, want)
	}
	if caps.String() != "video/x-raw, width=640" {
		t.Errorf("caps event carried %v; want video/x-raw, width=640", caps)
	}
	p.ByName("sink").base().SinkPad().PushEvent(NewQoSEvent(QoSEvent{Type: QoSUnderflow}))
	if !slices.Equal(up, []string{"qos"}) {
		t.Errorf("upstream event probe saw %v; want [qos]", up)
	}
}

// blockAtOffset installs a blocking probe on pad that lets events and the
// buffers before offset n pass, and blocks the buffer at n; the returned
// channel is closed when the streaming goroutine reaches the block.
func blockAtOffset(pad *Pad, n uint64) (ProbeID, <-chan struct{}) {
	blocked := make(chan struct{})
	id := pad.AddProbe(ProbeBlockDownstream, func(_ *Pad, info *ProbeInfo) ProbeReturn {
		if info.Buffer == nil || info.Buffer.Offset != n {
			return ProbePass
		}
		close(blocked)
		return ProbeOK
	})
	return id, blocked
}

func TestBlockingProbeHoldsStreamUntilRemoved(t *testing.T) {
	p := launch(t, "fakesrc num-buffers=20 ! identity name=id ! fakesink name=sink")
	sink := byName[*FakeSink](t, p, "sink")
	var got offsetLog
	sink.SetHandoff(got.add)
	pad := p.ByName("id").base().SrcPad()
	id, blocked := blockAtOffset(pad, 3)
	setState(t, p, StatePlaying)
	receive(t, blocked, "the stream to reach the blocking probe")
	// Buffers 0-2 went through synchronously before the probe blocked 3;
	// nothing may follow while it is installed.
	time.Sleep(50 * time.Millisecond)
	if n := sink.Count(); n != 3 {
		t.Fatalf("sink rendered %d buffers while the stream was blocked at offset 3; want 3", n)
	}
	if !pad.RemoveProbe(id) {
		t.Fatal("RemoveProbe of the blocking probe returned false")
	}
	if m := popMessage(t, p, MessageEOS|MessageError); m.Type != MessageEOS {
		t.Fatalf("got %v; want EOS", m)
	}
	if g := got.get(); !slices.Equal(g, offsets(0, 20, 1)) {
		t.Errorf("after unblocking the sink got %v; want 0..19 in order", g)
	}
}

func TestBlockingProbeReleasedBySettingNull(t *testing.T) {
	p := launch(t, "fakesrc num-buffers=20 ! identity name=id ! fakesink name=sink")
	_, blocked := blockAtOffset(p.ByName("id").base().SrcPad(), 3)
	setState(t, p, StatePlaying)
	receive(t, blocked, "the stream to reach the blocking probe")
	done := make(chan error, 1)
	go func() {
		_, err := p.SetState(StateNull)
		done <- err
	}()
	if err := receive(t, done, "SetState(NULL) with a blocked streaming goroutine"); err != nil {
		t.Fatal(err)
	}
	if n := byName[*FakeSink](t, p, "sink").Count(); n != 3 {
		t.Errorf("the blocked buffer was rendered: sink count %d; want 3", n)
	}
}
