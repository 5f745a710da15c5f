package osd

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

const testTimeout = 10 * time.Second

// batchBuffer returns a buffer of n grey frames of info in, and a
// BatchMeta whose frame k is block n-1-k (so that BatchID matters), each
// with one box at (10+5k, 8) 20x16 with a 2-pixel red border.
func batchBuffer(t *testing.T, in video.Info, n int) *pipeline.Buffer {
	t.Helper()
	buf := pipeline.NewBuffer()
	for i := 0; i < n; i++ {
		f := video.NewFrame(in)
		video.Fill(f, [4]uint8{128, 128, 128, 255})
		buf.AppendMemory(pipeline.Memory{Type: pipeline.MemoryHost, Data: f.Data, Size: len(f.Data)})
	}
	b, err := meta.NewBatchMeta(n)
	must(t, err)
	for k := 0; k < n; k++ {
		fm := b.AcquireFrameMeta()
		fm.BatchID, fm.SourceID = n-1-k, k
		must(t, b.AddFrame(fm))
		o := b.AcquireObjectMeta()
		o.RectParams = meta.RectParams{Left: float32(10 + 5*k), Top: 8, Width: 20, Height: 16, BorderWidth: 2, BorderColor: red}
		o.TextParams = meta.TextParams{DisplayText: "obj", XOffset: 10 + 5*k, YOffset: 30, FontParams: meta.FontParams{FontSize: 10, FontColor: white}}
		must(t, fm.AddObject(o))
	}
	buf.AddMeta(b)
	return buf
}

// TestElement runs appsrc ! nvdsosd ! appsink with a batch of two frames
// and checks that each frame got its own box.
func TestElement(t *testing.T) {
	for _, format := range []video.Format{video.FormatRGBA, video.FormatNV12} {
		t.Run(format.String(), func(t *testing.T) {
			in, err := video.NewInfo(format, 64, 48)
			must(t, err)
			p := pipeline.NewPipeline("osd-test")
			t.Cleanup(func() { p.SetState(pipeline.StateNull) })
			src, osd, sink := pipeline.NewAppSrc(), New(), pipeline.NewAppSink()
			must(t, src.Set("caps", in.Caps()))
			must(t, sink.Set("sync", false))
			must(t, p.Add(src, osd, sink))
			must(t, pipeline.LinkMany(src, osd, sink))
			if _, err := p.SetState(pipeline.StatePlaying); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			must(t, src.Push(ctx, batchBuffer(t, in, 2)))
			must(t, src.EndOfStream())
			out, err := sink.Pull(ctx)
			must(t, err)
			defer out.Unref()
			for k := 0; k < 2; k++ {
				f, err := video.FrameFromMemory(in, out.Memory(1-k))
				must(t, err)
				img := reader(t, &f)
				left := 10 + 5*k
				if c := img(left, 16); c[0] < 200 || c[1] > 60 {
					t.Errorf("frame %d: left border at x=%d is %v, want red", k, left, c)
				}
				if c := img(left-2, 16); !near(c, [3]uint8{128, 128, 128}, 2) { // NV12 chroma is shared by pixel pairs
					t.Errorf("frame %d: pixel left of the box is %v, want grey", k, c)
				}
				if c := img(left+10, 16); !near(c, [3]uint8{128, 128, 128}, 2) {
					t.Errorf("frame %d: inside of the box is %v, want grey", k, c)
				}
			}
			if _, err := sink.Pull(ctx); err != io.EOF {
				t.Errorf("after the buffer: %v, want EOF", err)
			}
		})
	}
}

// reader returns a pixel reader of f as RGB.
func reader(t *testing.T, f *video.Frame) func(x, y int) [3]uint8 {
	img, err := f.Image()
	must(t, err)
	return func(x, y int) [3]uint8 {
		r, g, b, _ := img.At(x, y).RGBA()
		return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
	}
}

func near(a, b [3]uint8, tol int) bool {
	for i := range a {
		if abs(int(a[i])-int(b[i])) > tol {
			return false
		}
	}
	return true
}

// TestNoAllocs checks that drawing a frame with boxes, labels, a mask,
// the display meta shapes and the clock allocates nothing once the
// glyphs are cached.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, format := range []video.Format{video.FormatRGBA, video.FormatNV12} {
		in, err := video.NewInfo(format, 320, 240)
		must(t, err)
		e := New()
		must(t, e.Set("display-mask", true))
		must(t, e.Set("display-clock", true))
		if _, err := e.SetCaps(in.Caps()); err != nil {
			t.Fatal(err)
		}
		b, _ := newScene(t)
		buf := pipeline.NewBuffer()
		buf.AppendMemory(pipeline.Memory{Type: pipeline.MemoryHost, Data: newFrame(t, format).Data})
		buf.AddMeta(b)
		ctx := context.Background()
		n := testing.AllocsPerRun(20, func() {
			out, err := e.Transform(ctx, buf)
			if err != nil || out != buf {
				t.Fatalf("Transform: %v, %v", out, err)
			}
		})
		if n != 0 {
			t.Errorf("%v: %v allocations per buffer", format, n)
		}
	}
}

// TestErrors checks caps and batch ids the element cannot draw on.
func TestErrors(t *testing.T) {
	e := New()
	in, _ := video.NewInfo(video.FormatI420, 64, 48)
	if _, err := e.SetCaps(in.Caps()); err == nil {
		t.Error("I420 caps accepted")
	}
	in, _ = video.NewInfo(video.FormatRGBA, 64, 48)
	in.Memory = pipeline.MemoryCUDA
	if _, err := e.SetCaps(in.Caps()); err == nil {
		t.Error("GPU memory caps accepted")
	}
	in.Memory = pipeline.MemoryHost
	if _, err := e.Transform(context.Background(), batchBuffer(t, in, 1)); err == nil {
		t.Error("buffer before caps accepted")
	}
	if _, err := e.SetCaps(in.Caps()); err != nil {
		t.Fatal(err)
	}
	buf := batchBuffer(t, in, 2)
	buf.RemoveAllMemory()
	buf.AppendMemory(pipeline.Memory{Data: make([]byte, in.Size)})
	_, err := e.Transform(context.Background(), buf)
	if err == nil || !strings.Contains(err.Error(), "batch id 1") {
		t.Errorf("batch id past the memory blocks: %v", err)
	}
}

// TestGPUModeWarns checks that process-mode=GPU_MODE is accepted with one
// warning.
func TestGPUModeWarns(t *testing.T) {
	p, err := pipeline.Launch("fakesrc num-buffers=0 ! nvdsosd process-mode=GPU_MODE gpu-id=1 ! fakesink")
	must(t, err)
	t.Cleanup(func() { p.SetState(pipeline.StateNull) })
	if _, err := p.SetState(pipeline.StatePaused); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	m, err := p.Bus().Pop(ctx, pipeline.MessageWarning)
	must(t, err)
	if !strings.Contains(m.Err.Error(), "GPU_MODE") {
		t.Errorf("warning %v does not name GPU_MODE", m.Err)
	}
}

// BenchmarkTransform draws the test scene (two objects with labels and a
// mask, a line, two arrows, a circle, a two-line label, a rectangle) on a
// 320x240 frame, per buffer.
func BenchmarkTransform(b *testing.B) {
	for _, format := range []video.Format{video.FormatRGBA, video.FormatNV12} {
		b.Run(format.String(), func(b *testing.B) {
			in, err := video.NewInfo(format, 320, 240)
			must(b, err)
			e := New()
			must(b, e.Set("display-mask", true))
			if _, err := e.SetCaps(in.Caps()); err != nil {
				b.Fatal(err)
			}
			batch, _ := newScene(b)
			buf := pipeline.NewBuffer()
			buf.AppendMemory(pipeline.Memory{Type: pipeline.MemoryHost, Data: newFrame(b, format).Data})
			buf.AddMeta(batch)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Transform(context.Background(), buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
