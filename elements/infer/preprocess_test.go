package infer

import (
	"math"
	"testing"

	"github.com/dsgo/dsgo/video"
)

func solid(t *testing.T, f video.Format, w, h int, c [4]uint8) *video.Frame {
	t.Helper()
	in, err := video.NewInfo(f, w, h)
	if err != nil {
		t.Fatal(err)
	}
	fr := video.NewFrame(in)
	video.Fill(fr, c)
	return fr
}

func TestNormalisesLikeNvinfer(t *testing.T) {
	src := solid(t, video.FormatRGBA, 64, 32, [4]uint8{200, 100, 50, 255})
	for _, tc := range []struct {
		color ColorFormat
		want  []float32 // per channel, before scaling
	}{
		{ColorRGB, []float32{200, 100, 50}},
		{ColorBGR, []float32{50, 100, 200}},
	} {
		p := &Preprocessor{NetW: 16, NetH: 8, Color: tc.color, NetScaleFactor: 1.0 / 255, Offsets: [3]float32{10, 20, 30}}
		dst := make([]float32, p.TensorLen())
		if err := p.Frame(dst, src, video.Rect{}); err != nil {
			t.Fatal(err)
		}
		for ch := 0; ch < 3; ch++ {
			want := (tc.want[ch] - p.Offsets[ch]) / 255
			got := dst[ch*16*8+5*16+7]
			if math.Abs(float64(got-want)) > 1e-6 {
				t.Errorf("color %d channel %d = %v, want %v", tc.color, ch, got, want)
			}
		}
	}
}

func TestMaintainAspectPadsRightAndBottom(t *testing.T) {
	src := solid(t, video.FormatRGBA, 64, 16, [4]uint8{255, 255, 255, 255})
	p := &Preprocessor{NetW: 16, NetH: 16, NetScaleFactor: 1, MaintainAspect: true}
	dst := make([]float32, p.TensorLen())
	if err := p.Frame(dst, src, video.Rect{}); err != nil {
		t.Fatal(err)
	}
	// 64x16 fits as 16x4 at the top; rows 4.. are padding (0).
	if dst[1*16+8] != 255 || dst[10*16+8] != 0 {
		t.Fatalf("image row %v, padding row %v", dst[1*16+8], dst[10*16+8])
	}
}

func TestCropsTheObject(t *testing.T) {
	src := solid(t, video.FormatNV12, 64, 64, [4]uint8{0, 0, 0, 255})
	obj, err := video.SubFrame(src, video.Rect{X: 32, Y: 32, W: 16, H: 16})
	if err != nil {
		t.Fatal(err)
	}
	video.Fill(&obj, [4]uint8{255, 255, 255, 255})
	p := &Preprocessor{NetW: 8, NetH: 8, Color: ColorGray, NetScaleFactor: 1}
	dst := make([]float32, p.TensorLen())
	if err := p.Frame(dst, src, video.Rect{X: 32, Y: 32, W: 16, H: 16}); err != nil {
		t.Fatal(err)
	}
	for i, v := range dst {
		if v < 250 {
			t.Fatalf("pixel %d of the crop = %v, want white", i, v)
		}
	}
}

func TestRejectsWrongSlot(t *testing.T) {
	p := &Preprocessor{NetW: 8, NetH: 8, NetScaleFactor: 1}
	if err := p.Frame(make([]float32, 10), solid(t, video.FormatRGBA, 8, 8, [4]uint8{}), video.Rect{}); err == nil {
		t.Fatal("a slot of the wrong size was accepted")
	}
}

func TestPreprocessAllocatesNothing(t *testing.T) {
	src := solid(t, video.FormatNV12, 1280, 720, [4]uint8{1, 2, 3, 255})
	p := &Preprocessor{NetW: 480, NetH: 272, NetScaleFactor: 1.0 / 255}
	dst := make([]float32, p.TensorLen())
	p.Frame(dst, src, video.Rect{})
	if n := testing.AllocsPerRun(5, func() { p.Frame(dst, src, video.Rect{}) }); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
}
