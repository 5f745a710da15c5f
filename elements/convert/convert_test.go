package convert

import (
	"context"
	"testing"
	"time"

	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// run pushes one frame through nvvideoconvert (with props) and an optional
// caps filter, and returns the output buffer and its caps.
func run(t *testing.T, in video.Info, frame []byte, props map[string]any, filter string) (*pipeline.Buffer, *pipeline.Caps) {
	t.Helper()
	p := pipeline.NewPipeline("t")
	src, conv, sink := pipeline.NewAppSrc(), New(), pipeline.NewAppSink()
	src.Set("caps", in.Caps())
	sink.Set("sync", false)
	for k, v := range props {
		if err := conv.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	elems := []pipeline.Element{src, conv}
	if filter != "" {
		elems = append(elems, pipeline.NewCapsFilter(pipeline.MustParseCaps(filter)))
	}
	elems = append(elems, sink)
	if err := p.Add(elems...); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.LinkMany(elems...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.SetState(pipeline.StateNull) })
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := src.Push(ctx, pipeline.NewBufferData(frame)); err != nil {
		t.Fatal(err)
	}
	b, err := sink.Pull(ctx)
	if err != nil {
		m := p.Bus().TryPop(pipeline.MessageError)
		t.Fatalf("pull: %v (bus: %v)", err, m)
	}
	return b, sink.Sink().CurrentCaps()
}

func redFrame(t *testing.T, w, h int) (video.Info, []byte) {
	in, err := video.NewInfo(video.FormatRGBA, w, h)
	if err != nil {
		t.Fatal(err)
	}
	f := video.NewFrame(in)
	video.Fill(f, [4]uint8{255, 0, 0, 255})
	return in, f.Data
}

func TestConvertToDownstreamFormatAndSize(t *testing.T) {
	in, data := redFrame(t, 32, 24)
	b, caps := run(t, in, data, nil, "video/x-raw,format=NV12,width=16,height=12")
	defer b.Unref()
	out, err := video.InfoFromCaps(caps)
	if err != nil || out.Format != video.FormatNV12 || out.Width != 16 || out.Height != 12 {
		t.Fatalf("output caps %v (%v)", caps, err)
	}
	f, err := video.FrameFromMemory(out, b.Memory(0))
	if err != nil {
		t.Fatal(err)
	}
	y, u, v := video.RGBToYUV(255, 0, 0)
	if got := f.Data[5*f.Stride[0]+5]; absDiff(got, y) > 2 {
		t.Errorf("Y %d, want %d", got, y)
	}
	c := f.Offset[1] + 2*f.Stride[1] + 4
	if absDiff(f.Data[c], u) > 2 || absDiff(f.Data[c+1], v) > 2 {
		t.Errorf("UV %d,%d, want %d,%d", f.Data[c], f.Data[c+1], u, v)
	}
}

func TestConvertPassesThroughWhenNothingChanges(t *testing.T) {
	in, data := redFrame(t, 8, 8)
	b, caps := run(t, in, data, nil, "")
	defer b.Unref()
	if &b.Bytes()[0] != &data[0] {
		t.Error("the buffer was copied although input and output formats are equal")
	}
	if !caps.IsSubset(in.Caps()) {
		t.Errorf("caps %v", caps)
	}
}

func TestConvertCropsTheSource(t *testing.T) {
	in, err := video.NewInfo(video.FormatRGBA, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	f := video.NewFrame(in)
	video.Fill(f, [4]uint8{0, 0, 255, 255})
	sub, _ := video.SubFrame(f, video.Rect{X: 4, Y: 4, W: 4, H: 4})
	video.Fill(&sub, [4]uint8{0, 255, 0, 255})
	b, caps := run(t, in, f.Data, map[string]any{"src-crop": "4:4:4:4"}, "video/x-raw,width=4,height=4")
	defer b.Unref()
	out, _ := video.InfoFromCaps(caps)
	of, err := video.FrameFromMemory(out, b.Memory(0))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 16; i++ {
		if px := of.Data[i*4 : i*4+4]; px[1] != 255 || px[2] != 0 {
			t.Fatalf("pixel %d = %v, want the green crop", i, px)
		}
	}
}

func TestConvertRejectsBadCrop(t *testing.T) {
	c := New()
	for _, v := range []string{"1:2:3", "a:b:c:d", "0:0:0:5", "-1:0:4:4"} {
		if err := c.Set("src-crop", v); err == nil {
			t.Errorf("src-crop=%q accepted", v)
		}
	}
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}
