package streammux

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// solidFrame returns an RGBA frame buffer of one colour.
func solidFrame(t *testing.T, w, h int, c [4]uint8, pts time.Duration) *pipeline.Buffer {
	t.Helper()
	in, err := video.NewInfo(video.FormatRGBA, w, h)
	if err != nil {
		t.Fatal(err)
	}
	f := video.NewFrame(in)
	video.Fill(f, c)
	b := pipeline.NewBufferData(f.Data)
	b.PTS, b.Duration = pts, 33*time.Millisecond
	return b
}

type rig struct {
	p    *pipeline.Pipeline
	mux  *Mux
	srcs []*pipeline.AppSrc
	sink *pipeline.AppSink
	mu   sync.Mutex
	evs  []string
}

// newRig builds n appsrc (RGBA w x h) -> nvstreammux props -> appsink.
func newRig(t *testing.T, n, w, h int, props map[string]any) *rig {
	t.Helper()
	r := &rig{p: pipeline.NewPipeline("t"), mux: New(), sink: pipeline.NewAppSink()}
	for k, v := range props {
		if err := r.mux.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.sink.Set("sync", false); err != nil {
		t.Fatal(err)
	}
	if err := r.p.Add(r.mux, r.sink); err != nil {
		t.Fatal(err)
	}
	caps, _ := video.NewInfo(video.FormatRGBA, w, h)
	for i := 0; i < n; i++ {
		s := pipeline.NewAppSrc()
		if err := s.Set("caps", caps.Caps()); err != nil {
			t.Fatal(err)
		}
		if err := r.p.Add(s); err != nil {
			t.Fatal(err)
		}
		if err := pipeline.LinkPads(s, "", r.mux, "sink_"+string(rune('0'+i))); err != nil {
			t.Fatal(err)
		}
		r.srcs = append(r.srcs, s)
	}
	if err := pipeline.LinkElements(r.mux, r.sink); err != nil {
		t.Fatal(err)
	}
	r.mux.Src().AddProbe(pipeline.ProbeEventDownstream, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
		if kind, id, ok := meta.ParseSourceEvent(info.Event); ok {
			r.mu.Lock()
			r.evs = append(r.evs, kind+":"+string(rune('0'+id)))
			r.mu.Unlock()
		}
		return pipeline.ProbeOK
	})
	t.Cleanup(func() { r.p.SetState(pipeline.StateNull) })
	return r
}

func (r *rig) play(t *testing.T) {
	t.Helper()
	if _, err := r.p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
}

// pullAll pulls batches until EOS, handing each to check and then
// releasing it (the mux's pool is small: holding batches stalls it).
func (r *rig) pullAll(t *testing.T, check func(i int, b *pipeline.Buffer)) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for n := 0; ; n++ {
		b, err := r.sink.Pull(ctx)
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("pull after %d batches: %v", n, err)
		}
		check(n, b)
		b.Unref()
	}
}

func pixel(t *testing.T, in video.Info, m *pipeline.Memory, x, y int) [4]uint8 {
	t.Helper()
	f, err := video.FrameFromMemory(in, m)
	if err != nil {
		t.Fatal(err)
	}
	p := f.Data[y*f.Stride[0]+x*4:]
	return [4]uint8{p[0], p[1], p[2], p[3]}
}

func TestMuxBatchesEverySourceWithMeta(t *testing.T) {
	r := newRig(t, 2, 64, 48, map[string]any{"batch-size": 2, "width": 32, "height": 24, "format": "RGBA"})
	r.play(t)
	colours := [][4]uint8{{255, 0, 0, 255}, {0, 0, 255, 255}}
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		for s, src := range r.srcs {
			if err := src.Push(ctx, solidFrame(t, 64, 48, colours[s], time.Duration(i)*33*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, src := range r.srcs {
		src.EndOfStream()
	}
	info, _ := video.NewInfo(video.FormatRGBA, 32, 24)
	n := r.pullAll(t, func(i int, b *pipeline.Buffer) {
		batch := meta.GetBatchMeta(b)
		if batch == nil || batch.NumFramesInBatch() != 2 || b.NumMemory() != 2 {
			t.Fatalf("batch %d: %d memories, meta %v", i, b.NumMemory(), batch)
		}
		seen := map[int]bool{}
		for _, f := range batch.Frames {
			seen[f.SourceID] = true
			if f.FrameNum != i || f.PipelineWidth != 32 || f.SourceFrameWidth != 64 {
				t.Fatalf("batch %d frame of source %d: num %d pipeline %d source %d", i, f.SourceID, f.FrameNum, f.PipelineWidth, f.SourceFrameWidth)
			}
			if got := pixel(t, info, b.Memory(f.BatchID), 16, 12); got != colours[f.SourceID] {
				t.Fatalf("batch %d source %d pixel %v, want %v", i, f.SourceID, got, colours[f.SourceID])
			}
		}
		if !seen[0] || !seen[1] {
			t.Fatalf("batch %d sources %v", i, seen)
		}
		if b.PTS != time.Duration(i)*33*time.Millisecond {
			t.Fatalf("batch %d PTS %v", i, b.PTS)
		}
	})
	if n != 10 {
		t.Fatalf("got %d batches, want 10", n)
	}
}

func TestMuxPaddingKeepsAspect(t *testing.T) {
	r := newRig(t, 1, 64, 32, map[string]any{"width": 32, "height": 32, "format": "RGBA", "enable-padding": true})
	r.play(t)
	if err := r.srcs[0].Push(context.Background(), solidFrame(t, 64, 32, [4]uint8{255, 255, 255, 255}, 0)); err != nil {
		t.Fatal(err)
	}
	r.srcs[0].EndOfStream()
	info, _ := video.NewInfo(video.FormatRGBA, 32, 32)
	n := r.pullAll(t, func(_ int, b *pipeline.Buffer) {
		// 64x32 scaled to 32x16 at the top; padding below, as DeepStream.
		if got := pixel(t, info, b.Memory(0), 16, 8); got != [4]uint8{255, 255, 255, 255} {
			t.Errorf("image pixel %v, want white", got)
		}
		if got := pixel(t, info, b.Memory(0), 16, 24); got != [4]uint8{0, 0, 0, 255} {
			t.Errorf("padding pixel %v, want black", got)
		}
	})
	if n != 1 {
		t.Fatalf("got %d batches", n)
	}
}

func TestMuxSourceEOSDoesNotEndBatch(t *testing.T) {
	r := newRig(t, 2, 16, 16, map[string]any{"batch-size": 2, "width": 16, "height": 16, "format": "RGBA"})
	r.play(t)
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		if i < 3 {
			r.srcs[0].Push(ctx, solidFrame(t, 16, 16, [4]uint8{1, 2, 3, 255}, 0))
		}
		r.srcs[1].Push(ctx, solidFrame(t, 16, 16, [4]uint8{4, 5, 6, 255}, 0))
		if i == 2 {
			r.srcs[0].EndOfStream()
		}
	}
	r.srcs[1].EndOfStream()
	frames := 0
	n := r.pullAll(t, func(_ int, b *pipeline.Buffer) { frames += meta.GetBatchMeta(b).NumFramesInBatch() })
	if frames != 13 {
		t.Fatalf("got %d frames in %d batches, want 13", frames, n)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if strings.Join(r.evs, ",") != meta.EventStreamEOS+":0,"+meta.EventStreamEOS+":1" {
		t.Fatalf("source events %v", r.evs)
	}
}

func TestMuxTimeoutPushesPartialBatch(t *testing.T) {
	r := newRig(t, 2, 16, 16, map[string]any{"batch-size": 2, "width": 16, "height": 16, "format": "RGBA", "batched-push-timeout": 5000})
	r.play(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		r.srcs[0].Push(ctx, solidFrame(t, 16, 16, [4]uint8{1, 2, 3, 255}, 0))
	}
	r.srcs[0].EndOfStream() // source 1 stays silent
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for i := 0; i < 5; i++ {
		b, err := r.sink.Pull(pctx)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		if n := meta.GetBatchMeta(b).NumFramesInBatch(); n != 1 {
			t.Fatalf("batch %d has %d frames", i, n)
		}
		b.Unref()
	}
}

func TestMuxNeedsSize(t *testing.T) {
	r := newRig(t, 1, 16, 16, nil)
	_, err := r.p.SetState(pipeline.StatePlaying)
	if err == nil || !strings.Contains(err.Error(), "width and height must be set") {
		t.Fatalf("got %v", err)
	}
}

func TestMuxRejectsBadProperties(t *testing.T) {
	m := New()
	for k, v := range map[string]any{"batch-size": 0, "format": "YUY2", "width": -1, "nvbuf-memory-type": 9} {
		if err := m.Set(k, v); err == nil {
			t.Errorf("%s=%v accepted", k, v)
		}
	}
}

func TestMuxTakesSameSizeFramesWithoutCopyOnlyWhenUnshared(t *testing.T) {
	r := newRig(t, 1, 16, 16, map[string]any{"width": 16, "height": 16, "format": "RGBA"})
	r.play(t)
	ctx := context.Background()
	own := solidFrame(t, 16, 16, [4]uint8{9, 8, 7, 255}, 0)
	ownData := own.Bytes()
	shared := solidFrame(t, 16, 16, [4]uint8{1, 2, 3, 255}, time.Millisecond)
	sharedData := shared.Bytes()
	keep := shared.Ref() // someone else still holds it: the mux must copy
	defer keep.Unref()
	r.srcs[0].Push(ctx, own)
	r.srcs[0].Push(ctx, shared)
	r.srcs[0].EndOfStream()
	info, _ := video.NewInfo(video.FormatRGBA, 16, 16)
	n := r.pullAll(t, func(i int, b *pipeline.Buffer) {
		data := b.Memory(0).Data
		if i == 0 && &data[0] != &ownData[0] {
			t.Error("an unshared same-size frame was copied")
		}
		if i == 1 && &data[0] == &sharedData[0] {
			t.Error("a shared frame was aliased into the batch")
		}
		want := [][4]uint8{{9, 8, 7, 255}, {1, 2, 3, 255}}[i]
		if got := pixel(t, info, b.Memory(0), 3, 3); got != want {
			t.Errorf("batch %d pixel %v, want %v", i, got, want)
		}
	})
	if n != 2 {
		t.Fatalf("%d batches", n)
	}
}

// A slow source's frames batched after a timeout carry earlier PTS than
// the batches already pushed: batch PTS still only grow (frames keep
// their own PTS in BufPTS).
func TestMuxBatchPTSNeverGoBackwards(t *testing.T) {
	r := newRig(t, 2, 16, 16, map[string]any{"batch-size": 2, "width": 16, "height": 16, "format": "RGBA", "batched-push-timeout": 5000})
	r.play(t)
	ctx := context.Background()
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for i := range 3 { // source 0 runs ahead; timeouts push it alone
		r.srcs[0].Push(ctx, solidFrame(t, 16, 16, [4]uint8{1, 2, 3, 255}, ms(100+33*i)))
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var last time.Duration = -1
	var bufPTS []time.Duration
	pull := func() {
		b, err := r.sink.Pull(pctx)
		if err != nil {
			t.Fatal(err)
		}
		if b.PTS <= last {
			t.Fatalf("batch PTS %v after %v", b.PTS, last)
		}
		last = b.PTS
		for _, f := range meta.GetBatchMeta(b).Frames {
			bufPTS = append(bufPTS, f.BufPTS)
		}
		b.Unref()
	}
	for range 3 {
		pull()
	}
	r.srcs[1].Push(ctx, solidFrame(t, 16, 16, [4]uint8{4, 5, 6, 255}, 0)) // late camera, PTS 0
	pull()
	if bufPTS[len(bufPTS)-1] != 0 {
		t.Fatalf("late frame's BufPTS %v, want 0", bufPTS[len(bufPTS)-1])
	}
}
