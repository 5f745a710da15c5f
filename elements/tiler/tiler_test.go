package tiler

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/dsgo/dsgo/elements/streammux"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

var colours = [][4]uint8{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}}

func solid(t *testing.T, in video.Info, c [4]uint8, pts time.Duration) *pipeline.Buffer {
	f := video.NewFrame(in)
	video.Fill(f, c)
	b := pipeline.NewBufferData(f.Data)
	b.PTS = pts
	return b
}

func TestTilerPlacesEachSourceInItsTile(t *testing.T) {
	p := pipeline.NewPipeline("t")
	mux := streammux.New()
	for k, v := range map[string]any{"batch-size": 4, "width": 64, "height": 48, "format": "RGBA"} {
		if err := mux.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	tl := New()
	for k, v := range map[string]any{"rows": 2, "columns": 2, "width": 128, "height": 96} {
		if err := tl.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	sink := pipeline.NewAppSink()
	sink.Set("sync", false)
	if err := p.Add(mux, tl, sink); err != nil {
		t.Fatal(err)
	}
	in, _ := video.NewInfo(video.FormatRGBA, 32, 24)
	var srcs []*pipeline.AppSrc
	for i := 0; i < 4; i++ {
		s := pipeline.NewAppSrc()
		s.Set("caps", in.Caps())
		p.Add(s)
		if err := pipeline.LinkPads(s, "", mux, fmt.Sprintf("sink_%d", i)); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, s)
	}
	if err := pipeline.LinkMany(mux, tl, sink); err != nil {
		t.Fatal(err)
	}
	// An object covering the whole frame of source 3 must cover its tile.
	tl.Sink().AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
		b := meta.GetBatchMeta(info.Buffer)
		for _, f := range b.Frames {
			if f.SourceID == 3 {
				o := b.AcquireObjectMeta()
				o.RectParams.Width, o.RectParams.Height = 64, 48
				f.AddObject(o)
			}
		}
		return pipeline.ProbeOK
	})
	defer p.SetState(pipeline.StateNull)
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for n := 0; n < 3; n++ {
		for i, s := range srcs {
			s.Push(ctx, solid(t, in, colours[i], time.Duration(n)*time.Second))
		}
	}
	for _, s := range srcs {
		s.EndOfStream()
	}
	out, _ := video.NewInfo(video.FormatRGBA, 128, 96)
	last := time.Duration(-1)
	for n := 0; ; n++ {
		b, err := sink.Pull(ctx)
		if err == io.EOF {
			if n != 3 {
				t.Fatalf("got %d composite frames, want 3", n)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if b.PTS <= last {
			t.Fatalf("PTS not monotonic: %v after %v", b.PTS, last)
		}
		last = b.PTS
		f, err := video.FrameFromMemory(out, b.Memory(0))
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range colours {
			x, y := (i%2)*64+32, (i/2)*48+24
			px := f.Data[y*f.Stride[0]+x*4:]
			if got := [4]uint8{px[0], px[1], px[2], px[3]}; got != c {
				t.Fatalf("frame %d tile %d pixel %v, want %v", n, i, got, c)
			}
		}
		batch := meta.GetBatchMeta(b)
		for _, fm := range batch.Frames {
			if fm.SourceID == 3 {
				r := fm.Objects[0].RectParams
				if r.Left != 64 || r.Top != 48 || r.Width != 64 || r.Height != 48 {
					t.Fatalf("object of source 3 at %+v, want its tile 64,48 64x48", r)
				}
			}
		}
		b.Unref()
	}
}
