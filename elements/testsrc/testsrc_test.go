package testsrc

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"

	_ "github.com/dsgo/dsgo/elements/streammux"
	_ "github.com/dsgo/dsgo/elements/tiler"
)

// pullAll runs a launch line ending in `appsink name=out` and hands every
// buffer to check.
func pullAll(t *testing.T, desc string, check func(i int, b *pipeline.Buffer, caps *pipeline.Caps)) int {
	t.Helper()
	p, err := pipeline.Launch(desc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(pipeline.StateNull)
	sink := p.ByName("out").(*pipeline.AppSink)
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for n := 0; ; n++ {
		b, err := sink.Pull(ctx)
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("after %d buffers: %v (bus: %v)", n, err, p.Bus().TryPop(pipeline.MessageError))
		}
		check(n, b, sink.Sink().CurrentCaps())
		b.Unref()
	}
}

func TestDefaultsAreGStreamers(t *testing.T) {
	n := pullAll(t, "videotestsrc num-buffers=3 ! appsink name=out sync=false", func(i int, b *pipeline.Buffer, caps *pipeline.Caps) {
		in, err := video.InfoFromCaps(caps)
		if err != nil || in.Format != video.FormatI420 || in.Width != 320 || in.Height != 240 || in.FPS != (pipeline.Fraction{Num: 30, Den: 1}) {
			t.Fatalf("caps %v (%v)", caps, err)
		}
		if want := time.Duration(i) * time.Second / 30; b.PTS != want {
			t.Fatalf("frame %d PTS %v, want %v", i, b.PTS, want)
		}
	})
	if n != 3 {
		t.Fatalf("%d frames", n)
	}
}

func TestPatternsFollowNegotiatedFormat(t *testing.T) {
	cases := []struct {
		pattern string
		want    [4]uint8
	}{
		{"red", [4]uint8{255, 0, 0, 255}},
		{"solid-color foreground-color=0xff102030", [4]uint8{0x10, 0x20, 0x30, 255}},
		{"smpte", smpteBars[0]},
	}
	for _, c := range cases {
		pullAll(t, "videotestsrc num-buffers=1 pattern="+c.pattern+" ! video/x-raw,format=RGBA,width=70,height=20 ! appsink name=out sync=false",
			func(_ int, b *pipeline.Buffer, caps *pipeline.Caps) {
				in, _ := video.InfoFromCaps(caps)
				f, err := video.FrameFromMemory(in, b.Memory(0))
				if err != nil {
					t.Fatal(err)
				}
				if px := [4]uint8(f.Data[4*f.Stride[0]+4 : 4*f.Stride[0]+8]); px != c.want {
					t.Errorf("%s: pixel %v, want %v", c.pattern, px, c.want)
				}
			})
	}
}

func TestLiveSourceKeepsRealTime(t *testing.T) {
	start := time.Now()
	pullAll(t, "videotestsrc is-live=true num-buffers=6 ! video/x-raw,framerate=60/1,width=32,height=32 ! appsink name=out sync=false", func(int, *pipeline.Buffer, *pipeline.Caps) {})
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("6 live frames at 60 fps took %v, want about 100 ms", d)
	}
}

func TestFourSourcesMuxedAndTiled(t *testing.T) {
	desc := "nvstreammux name=m batch-size=4 width=64 height=48 format=RGBA ! nvmultistreamtiler rows=2 columns=2 width=128 height=96 ! appsink name=out sync=false "
	for i, pat := range []string{"red", "green", "blue", "white"} {
		desc += "videotestsrc num-buffers=5 pattern=" + pat + " ! video/x-raw,width=32,height=24 ! m.sink_" + string(rune('0'+i)) + " "
	}
	want := [][4]uint8{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}}
	last := time.Duration(-1)
	n := pullAll(t, desc, func(i int, b *pipeline.Buffer, caps *pipeline.Caps) {
		if b.PTS <= last {
			t.Fatalf("frame %d PTS %v after %v", i, b.PTS, last)
		}
		last = b.PTS
		if got := len(meta.GetBatchMeta(b).Frames); got != 4 {
			t.Fatalf("frame %d holds %d sources", i, got)
		}
		in, _ := video.InfoFromCaps(caps)
		f, _ := video.FrameFromMemory(in, b.Memory(0))
		for k, c := range want {
			x, y := (k%2)*64+32, (k/2)*48+24
			// I420 sources: allow for YUV rounding.
			px := f.Data[y*f.Stride[0]+x*4:]
			for ch := 0; ch < 3; ch++ {
				if d := int(px[ch]) - int(c[ch]); d < -6 || d > 6 {
					t.Fatalf("frame %d tile %d pixel %v, want %v", i, k, px[:4], c)
				}
			}
		}
	})
	if n != 5 {
		t.Fatalf("%d composite frames, want 5", n)
	}
}
