package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestStateChangedMessagesInOrder(t *testing.T) {
	p := launch(t, "fakesrc name=src ! identity name=id ! fakesink name=sink")
	var mu sync.Mutex
	var got []string
	p.Bus().SetSyncHandler(func(m *Message) BusSyncReply {
		if m.Type == MessageStateChanged {
			mu.Lock()
			got = append(got, fmt.Sprintf("%s %s->%s (%s)", m.SourceName(), m.OldState, m.NewState, m.PendingState))
			mu.Unlock()
		}
		return BusPass
	})
	setState(t, p, StatePlaying)
	setState(t, p, StateNull)
	var want []string
	for _, step := range []struct {
		from, to, pending State
	}{
		{StateNull, StateReady, StatePlaying}, {StateReady, StatePaused, StatePlaying}, {StatePaused, StatePlaying, StateVoidPending},
		{StatePlaying, StatePaused, StateNull}, {StatePaused, StateReady, StateNull}, {StateReady, StateNull, StateVoidPending},
	} {
		// Children change sinks first, each in one step; then the pipeline.
		for _, e := range []string{"sink", "id", "src"} {
			want = append(want, fmt.Sprintf("%s %s->%s (VOID_PENDING)", e, step.from, step.to))
		}
		want = append(want, fmt.Sprintf("pipeline0 %s->%s (%s)", step.from, step.to, step.pending))
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("state-changed messages:\n got %q\nwant %q", got, want)
	}
}

func TestPausedPrerollsFirstBufferWithoutRendering(t *testing.T) {
	p := launch(t, "appsrc name=src ! fakesink name=sink")
	src, sink := byName[*AppSrc](t, p, "src"), byName[*FakeSink](t, p, "sink")
	var got offsetLog
	sink.SetHandoff(got.add)
	var arrived atomic.Int32
	sink.Sink().AddProbe(ProbeBuffer, func(*Pad, *ProbeInfo) ProbeReturn { arrived.Add(1); return ProbeOK })
	if r := setState(t, p, StatePaused); r != StateChangeAsync {
		t.Fatalf("SetState(PAUSED) with a non-live source = %v; want ASYNC", r)
	}
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.WaitPreroll(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitPreroll before any buffer = %v; want it to wait (deadline exceeded)", err)
	}
	b := NewBuffer()
	b.Offset = 7
	if err := src.Push(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	ctx, cancel2 := context.WithTimeout(context.Background(), testTimeout)
	defer cancel2()
	if err := p.WaitPreroll(ctx); err != nil {
		t.Fatalf("WaitPreroll after the first buffer: %v", err)
	}
	if arrived.Load() != 1 || sink.Count() != 0 {
		t.Fatalf("prerolled sink: %d buffers arrived, %d rendered; want 1 held and 0 rendered", arrived.Load(), sink.Count())
	}
	if m := popMessage(t, p, MessageAsyncDone); m.SourceName() != "sink" {
		t.Errorf("async-done from %s; want sink", m.SourceName())
	}
	setState(t, p, StatePlaying)
	got.waitFor(t, 1)
	if g := got.get(); !slices.Equal(g, []uint64{7}) {
		t.Errorf("sink rendered %v after PLAYING; want [7]", g)
	}
}

func TestWaitPrerollAfterPlayingReturnsOnceDataFlows(t *testing.T) {
	p := launch(t, "appsrc name=src ! fakesink name=sink")
	src := byName[*AppSrc](t, p, "src")
	if r := setState(t, p, StatePlaying); r != StateChangeAsync {
		t.Fatalf("SetState(PLAYING) = %v; want ASYNC", r)
	}
	if err := src.Push(context.Background(), NewBuffer()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := p.WaitPreroll(ctx); err != nil {
		t.Fatalf("WaitPreroll in PLAYING after the first buffer: %v", err)
	}
}

func TestLiveSourceDoesNotPreroll(t *testing.T) {
	p := launch(t, "fakesrc is-live=true ! fakesink name=sink")
	var got offsetLog
	byName[*FakeSink](t, p, "sink").SetHandoff(got.add)
	if r := setState(t, p, StatePaused); r != StateChangeNoPreroll {
		t.Fatalf("SetState(PAUSED) with a live source = %v; want NO_PREROLL", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := p.WaitPreroll(ctx); err != nil {
		t.Fatalf("WaitPreroll of a live pipeline: %v; want an immediate return", err)
	}
	if got.len() != 0 {
		t.Errorf("a live source produced %d buffers while PAUSED", got.len())
	}
	setState(t, p, StatePlaying)
	got.waitFor(t, 5)
	if r := setState(t, p, StatePaused); r != StateChangeNoPreroll {
		t.Errorf("PLAYING -> PAUSED with a live source = %v; want NO_PREROLL", r)
	}
}

func TestPauseAndResumeKeepsDataFlowing(t *testing.T) {
	p := launch(t, "fakesrc ! fakesink name=sink")
	var got offsetLog
	byName[*FakeSink](t, p, "sink").SetHandoff(got.add)
	setState(t, p, StatePlaying)
	got.waitFor(t, 20)
	setState(t, p, StatePaused)
	paused := got.len()
	time.Sleep(30 * time.Millisecond) // nothing may render while PAUSED
	// A render already past the playing check when PAUSED came may finish.
	if n := got.len(); n > paused+1 {
		t.Fatalf("%d buffers rendered while PAUSED", n-paused)
	}
	setState(t, p, StatePlaying)
	got.waitFor(t, paused+20)
	setState(t, p, StateNull)
	if g := got.get(); !slices.Equal(g, offsets(0, uint64(len(g)), 1)) {
		t.Errorf("offsets are not contiguous across the pause: %v", g)
	}
}

func TestRunWithCancelledContextDrainsLiveSource(t *testing.T) {
	for _, when := range []string{"before Run", "while running"} {
		t.Run(when, func(t *testing.T) {
			p := launch(t, "fakesrc is-live=true ! queue ! fakesink name=sink")
			sink := byName[*FakeSink](t, p, "sink")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if when == "before Run" {
				cancel()
			} else {
				sink.SetHandoff(func(b *Buffer) {
					if b.Offset == 5 {
						cancel()
					}
				})
			}
			var eos atomic.Bool
			sink.Sink().AddProbe(ProbeEventDownstream, func(_ *Pad, info *ProbeInfo) ProbeReturn {
				if info.Event.Type == EventEOS {
					eos.Store(true)
				}
				return ProbeOK
			})
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx, testTimeout, nil) }()
			if err := receive(t, done, "Run to drain"); err != nil {
				t.Fatalf("Run after cancel = %v; want nil after draining", err)
			}
			if !eos.Load() {
				t.Error("Run returned without EOS reaching the sink")
			}
			if p.State() != StateNull {
				t.Errorf("state after Run = %v; want NULL", p.State())
			}
		})
	}
}

func TestPipelineRunsAgainAfterStop(t *testing.T) {
	p := launch(t, "fakesrc num-buffers=25 ! queue ! identity ! fakesink name=sink")
	sink := byName[*FakeSink](t, p, "sink")
	for i := range 3 {
		if err := run(t, p); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if n := sink.Count(); n != 25 {
			t.Errorf("run %d: sink got %d buffers; want 25", i, n)
		}
	}
}

func TestSetStateRejectsInvalidTarget(t *testing.T) {
	if _, err := NewFakeSink().SetState(State(9)); err == nil {
		t.Error("SetState(9) succeeded")
	}
	for _, s := range []string{"null", "READY", "paused", "PLAYING"} {
		if st, err := ParseState(s); err != nil || !strings.EqualFold(st.String(), s) {
			t.Errorf("ParseState(%q) = %v, %v", s, st, err)
		}
	}
	if _, err := ParseState("running"); err == nil {
		t.Error("ParseState(running) succeeded")
	}
}

func TestElementErrorsReachBusWithName(t *testing.T) {
	tests := []struct {
		name, desc, element, msg string
	}{
		{"transform error", "fakesrc num-buffers=100 ! identity error-after=5 name=boom ! fakesink", "boom", "error-after=5 reached"},
		{"not-linked source", "fakesrc name=lonely", "lonely", "reason not-linked"},
		{"tee without branches", "fakesrc name=src ! tee", "src", "reason not-linked"},
		{"not-linked queue", "fakesrc ! queue name=q", "q", "reason not-linked"},
		{"caps not negotiated", "appsrc name=src caps=video/x-raw,width=640 ! capsfilter caps=video/x-raw,width=320 ! fakesink",
			"src", "reason not-negotiated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := launch(t, tt.desc)
			err := run(t, p)
			var em *ErrorMessage
			if !errors.As(err, &em) {
				t.Fatalf("Run = %v; want an *ErrorMessage", err)
			}
			if em.Element != tt.element || !errors.Is(err, em.Err) || !contains(em.Error(), tt.element+": ", tt.msg) {
				t.Errorf("Run = %q from %q; want an error from %q containing %q", err, em.Element, tt.element, tt.msg)
			}
		})
	}
}

func TestErrorStopsTheStreamAtTheFailingElement(t *testing.T) {
	p := launch(t, "fakesrc num-buffers=100 ! identity error-after=5 name=boom ! fakesink name=sink")
	var em *ErrorMessage
	if err := run(t, p); !errors.As(err, &em) {
		t.Fatalf("Run = %v; want an *ErrorMessage", err)
	}
	if n := byName[*FakeSink](t, p, "sink").Count(); n != 5 {
		t.Errorf("sink got %d buffers; want the 5 before the error", n)
	}
}

// contains reports whether s contains every one of subs.
func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func TestSinkNumBuffersEndsThePipeline(t *testing.T) {
	for _, desc := range []string{
		"fakesrc ! fakesink num-buffers=5",
		"fakesrc ! queue ! fakesink num-buffers=5",
		"fakesrc num-buffers=100 ! tee name=t t. ! queue ! fakesink num-buffers=5 t. ! queue ! fakesink",
	} {
		if err := run(t, launch(t, desc)); err != nil {
			t.Fatalf("%s: %v", desc, err)
		}
	}
}
