package pipeline

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// pushOffsets pushes buffers with the given offsets into src, then ends the stream.
func pushOffsets(t *testing.T, src *AppSrc, offs []uint64) {
	t.Helper()
	for _, o := range offs {
		b := NewBufferData([]byte{byte(o)})
		b.Offset = o
		if err := src.Push(context.Background(), b); err != nil {
			t.Fatalf("Push(%d): %v", o, err)
		}
	}
	if err := src.EndOfStream(); err != nil {
		t.Fatal(err)
	}
}

// pullAll pulls buffers until io.EOF and returns their offsets.
func pullAll(t *testing.T, sink *AppSink) []uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var got []uint64
	for {
		b, err := sink.Pull(ctx)
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatalf("Pull after %d buffers: %v", len(got), err)
		}
		if b.Bytes()[0] != byte(b.Offset) {
			t.Errorf("pulled offset %d with data %v; want the data pushed with it", b.Offset, b.Bytes())
		}
		got = append(got, b.Offset)
		b.Unref()
	}
}

func TestAppSrcToAppSinkInOrderThenEOF(t *testing.T) {
	p := launch(t, "appsrc name=src ! queue ! appsink name=sink sync=false")
	src, sink := byName[*AppSrc](t, p, "src"), byName[*AppSink](t, p, "sink")
	if err := src.Push(context.Background(), NewBuffer()); !errors.Is(err, ErrAppSrcStopped) {
		t.Errorf("Push before starting = %v; want ErrAppSrcStopped", err)
	}
	setState(t, p, StatePlaying)
	pushOffsets(t, src, offsets(0, 50, 1))
	if got := pullAll(t, sink); !slices.Equal(got, offsets(0, 50, 1)) {
		t.Errorf("pulled %v; want 0..49 in order", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, err := sink.Pull(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("Pull after the end = %v; want io.EOF again", err)
	}
	if err := src.Push(ctx, NewBuffer()); err == nil || !strings.Contains(err.Error(), "push after end of stream") {
		t.Errorf("Push after EndOfStream = %v", err)
	}
}

func TestAppSinkMaxBuffers(t *testing.T) {
	tests := []struct {
		name, props string
		drop        bool
		want        []uint64
	}{
		{"drop keeps the newest", "max-buffers=2 drop=true", true, []uint64{8, 9}},
		{"blocking loses nothing", "max-buffers=2", false, offsets(0, 10, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := launch(t, "appsrc name=src ! appsink name=sink sync=false "+tt.props)
			src, sink := byName[*AppSrc](t, p, "src"), byName[*AppSink](t, p, "sink")
			held := func() int {
				sink.mu.Lock()
				defer sink.mu.Unlock()
				return len(sink.queue)
			}
			var most maxInt64
			sink.Sink().AddProbe(ProbeBuffer, func(*Pad, *ProbeInfo) ProbeReturn {
				most.observe(int64(held()))
				return ProbeOK
			})
			setState(t, p, StatePlaying)
			pushOffsets(t, src, offsets(0, 10, 1))
			if tt.drop {
				// Nothing blocks: everything is rendered before EOS.
				if m := popMessage(t, p, MessageEOS|MessageError); m.Type != MessageEOS {
					t.Fatalf("got %v; want EOS", m)
				}
			} else {
				waitUntil(t, "the sink holds max-buffers", func() bool { return held() == 2 })
			}
			if got := pullAll(t, sink); !slices.Equal(got, tt.want) {
				t.Errorf("pulled %v; want %v", got, tt.want)
			}
			if m := most.v.Load(); m > 2 {
				t.Errorf("the sink held %d buffers; max-buffers is 2", m)
			}
		})
	}
}

func TestAppSrcNonBlockingPushFailsWhenFull(t *testing.T) {
	p := launch(t, "appsrc name=src max-buffers=1 block=false ! fakesink name=sink")
	src := byName[*AppSrc](t, p, "src")
	setState(t, p, StatePaused)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := src.Push(ctx, NewBuffer()); err != nil {
		t.Fatal(err)
	}
	// The first buffer is held by the prerolled sink, so the streaming
	// goroutine takes no more: one buffer fills the queue.
	if err := p.WaitPreroll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := src.Push(ctx, NewBuffer()); err != nil {
		t.Fatalf("Push into the empty queue: %v", err)
	}
	if err := src.Push(ctx, NewBuffer()); !errors.Is(err, ErrAppSrcFull) {
		t.Errorf("Push into the full queue = %v; want ErrAppSrcFull", err)
	}
	setState(t, p, StatePlaying)
	if err := src.EndOfStream(); err != nil {
		t.Fatal(err)
	}
	if m := popMessage(t, p, MessageEOS|MessageError); m.Type != MessageEOS {
		t.Fatalf("got %v; want EOS", m)
	}
	if n := byName[*FakeSink](t, p, "sink").Count(); n != 2 {
		t.Errorf("sink got %d buffers; want the 2 accepted", n)
	}
}

func TestAppSinkPullHonoursContext(t *testing.T) {
	p := launch(t, "appsrc ! appsink name=sink")
	setState(t, p, StatePlaying)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := byName[*AppSink](t, p, "sink").Pull(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Pull with nothing to pull = %v; want deadline exceeded", err)
	}
}

func TestAppSinkCallbackSeesEveryBuffer(t *testing.T) {
	p := launch(t, "fakesrc num-buffers=5 ! appsink name=sink sync=false")
	var got []uint64
	byName[*AppSink](t, p, "sink").SetCallback(func(b *Buffer) error {
		got = append(got, b.Offset)
		return nil
	})
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, offsets(0, 5, 1)) {
		t.Errorf("callback saw %v; want 0..4", got)
	}
}
