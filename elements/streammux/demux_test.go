package streammux

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

func TestDemuxSplitsSourcesAndEndsEachOnItsOwn(t *testing.T) {
	r := newRig(t, 2, 16, 16, map[string]any{"batch-size": 2, "width": 16, "height": 16, "format": "RGBA"})
	// Replace the appsink after the mux with demux -> one appsink per source.
	r.mux.Src().Unlink(r.sink.Sink())
	if err := r.p.Remove(r.sink); err != nil {
		t.Fatal(err)
	}
	d := NewDemux()
	sinks := []*pipeline.AppSink{pipeline.NewAppSink(), pipeline.NewAppSink()}
	if err := r.p.Add(d, sinks[0], sinks[1]); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.LinkElements(r.mux, d); err != nil {
		t.Fatal(err)
	}
	for i, s := range sinks {
		s.Set("sync", false)
		if err := pipeline.LinkPads(d, "src_"+string(rune('0'+i)), s, ""); err != nil {
			t.Fatal(err)
		}
	}
	r.play(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	colours := [][4]uint8{{255, 0, 0, 255}, {0, 0, 255, 255}}
	for i := 0; i < 6; i++ {
		if i < 2 {
			r.srcs[0].Push(ctx, solidFrame(t, 16, 16, colours[0], time.Duration(i)*time.Millisecond))
		}
		r.srcs[1].Push(ctx, solidFrame(t, 16, 16, colours[1], time.Duration(i)*time.Millisecond))
		if i == 1 {
			r.srcs[0].EndOfStream()
		}
	}
	info, _ := video.NewInfo(video.FormatRGBA, 16, 16)
	for s, want := range []int{2, 6} {
		for n := 0; ; n++ {
			b, err := sinks[s].Pull(ctx)
			if err == io.EOF {
				if n != want {
					t.Fatalf("source %d: %d frames, want %d", s, n, want)
				}
				break
			}
			if err != nil {
				t.Fatalf("source %d after %d frames: %v", s, n, err)
			}
			batch := meta.GetBatchMeta(b)
			if batch == nil || len(batch.Frames) != 1 || batch.Frames[0].SourceID != s || batch.Frames[0].BatchID != 0 || b.NumMemory() != 1 {
				t.Fatalf("source %d frame %d: meta %+v", s, n, batch)
			}
			if got := pixel(t, info, b.Memory(0), 8, 8); got != colours[s] {
				t.Fatalf("source %d pixel %v", s, got)
			}
			b.Unref()
			if s == 0 && n == 1 {
				// Source 0 has ended while source 1 still streams.
				r.srcs[1].EndOfStream()
			}
		}
	}
}
