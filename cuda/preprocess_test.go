package cuda_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/elements/infer"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/video"
)

// The preprocessing tests hold the GPU kernel to dsgo's CPU preprocessing
// (elements/infer.Preprocessor over video.Convert) on the same frames.

// testFrame is a source frame: pixels on the host and their copy where
// the kernel reads them.
type testFrame struct {
	host *video.Frame
	dev  cuda.Frame
}

// frameSpecs are the sources of the cases: large and small, odd sizes.
var frameSpecs = []struct {
	format        video.Format
	width, height int
}{
	{video.FormatNV12, 1920, 1080},
	{video.FormatNV12, 641, 361},
	{video.FormatRGBA, 640, 480},
	{video.FormatRGBA, 333, 199},
}

// newHostFrame fills a frame with a smooth gradient plus noise, so that
// both interpolation weights and channel extremes matter.
func newHostFrame(t testing.TB, format video.Format, w, h int, seed uint64) *video.Frame {
	t.Helper()
	in, err := video.NewInfo(format, w, h)
	if err != nil {
		t.Fatal(err)
	}
	f := video.NewFrame(in)
	r := rand.New(rand.NewPCG(seed, 7))
	for i := 0; i < format.NumPlanes(); i++ {
		p := f.Plane(i)
		for j := range p {
			row := j / f.Stride[i]
			col := j % f.Stride[i]
			p[j] = byte((col*3+row*5)/4 + r.IntN(64))
		}
	}
	return f
}

type prepCase struct {
	name  string
	cfg   cuda.PreprocessConfig
	items []prepItem
}

type prepItem struct {
	frame int // index into frameSpecs
	crop  cuda.Rect
}

func prepCases() []prepCase {
	imagenet := [3]float32{123.675, 116.28, 103.53}
	return []prepCase{
		{"primary NV12 RGB FP32 stretched", cuda.PreprocessConfig{NetW: 960, NetH: 544, NetScaleFactor: 1.0 / 255},
			[]prepItem{{frame: 0}}},
		{"primary NV12 FP16 aspect symmetric", cuda.PreprocessConfig{NetW: 960, NetH: 544, NetScaleFactor: 0.017,
			Offsets: imagenet, MaintainAspect: true, Symmetric: true, DataType: cuda.Float16},
			[]prepItem{{frame: 0}, {frame: 1}}},
		{"secondary NV12 crops BGR FP16 aspect", cuda.PreprocessConfig{NetW: 224, NetH: 224, Color: cuda.ColorBGR,
			NetScaleFactor: 1, Offsets: imagenet, MaintainAspect: true, Symmetric: true, DataType: cuda.Float16},
			[]prepItem{{0, cuda.Rect{X: 100, Y: 200, W: 301, H: 157}}, {0, cuda.Rect{X: 1, Y: 1, W: 37, H: 23}},
				{0, cuda.Rect{X: 1500, Y: 900, W: 420, H: 180}}, {1, cuda.Rect{X: 3, Y: 5, W: 200, H: 300}}}},
		{"NV12 nearest top-left aspect NHWC FP32", cuda.PreprocessConfig{NetW: 300, NetH: 300, Interp: cuda.InterpNearest,
			NetScaleFactor: 1.0 / 255, MaintainAspect: true, Layout: cuda.LayoutNHWC},
			[]prepItem{{frame: 1}, {0, cuda.Rect{X: 7, Y: 9, W: 999, H: 555}}}},
		{"RGBA primary FP32 aspect symmetric", cuda.PreprocessConfig{NetW: 300, NetH: 300, NetScaleFactor: 1.0 / 255,
			MaintainAspect: true, Symmetric: true}, []prepItem{{frame: 2}, {frame: 3}}},
		{"RGBA crops BGR NHWC FP16", cuda.PreprocessConfig{NetW: 128, NetH: 96, Color: cuda.ColorBGR, NetScaleFactor: 0.5,
			Offsets: [3]float32{10, 20, 30}, Layout: cuda.LayoutNHWC, DataType: cuda.Float16},
			[]prepItem{{2, cuda.Rect{X: 17, Y: 33, W: 211, H: 140}}, {3, cuda.Rect{X: 1, Y: 0, W: 332, H: 199}}}},
		{"gray mixed NV12 and RGBA bilinear", cuda.PreprocessConfig{NetW: 200, NetH: 100, Color: cuda.ColorGray,
			NetScaleFactor: 1.0 / 128, Offsets: [3]float32{128}, MaintainAspect: true, Symmetric: true},
			[]prepItem{{0, cuda.Rect{X: 11, Y: 13, W: 640, H: 480}}, {frame: 2}, {frame: 1}}},
		{"gray nearest FP16", cuda.PreprocessConfig{NetW: 64, NetH: 64, Color: cuda.ColorGray, Interp: cuda.InterpNearest,
			NetScaleFactor: 1.0 / 255, DataType: cuda.Float16},
			[]prepItem{{3, cuda.Rect{X: 5, Y: 7, W: 100, H: 50}}, {1, cuda.Rect{X: 1, Y: 1, W: 63, H: 65}}}},
		{"mixed NV12 and RGBA RGB FP32", cuda.PreprocessConfig{NetW: 320, NetH: 192, NetScaleFactor: 1.0 / 255},
			[]prepItem{{frame: 1}, {frame: 2}, {frame: 3}, {frame: 0}}},
		{"upscale tiny crops", cuda.PreprocessConfig{NetW: 64, NetH: 48, NetScaleFactor: 1},
			[]prepItem{{3, cuda.Rect{W: 5, H: 3}}, {1, cuda.Rect{X: 640, Y: 360, W: 1, H: 1}}, {1, cuda.Rect{X: 333, Y: 77, W: 2, H: 7}}}},
	}
}

// reference runs the CPU preprocessing of one case into NCHW or NHWC
// float32, as the kernel lays the batch out.
func reference(t testing.TB, c prepCase, frames []testFrame) []float32 {
	t.Helper()
	cfg := c.cfg
	cpu := infer.Preprocessor{NetW: cfg.NetW, NetH: cfg.NetH, Color: infer.ColorFormat(cfg.Color),
		NetScaleFactor: cfg.NetScaleFactor, Offsets: cfg.Offsets, MaintainAspect: cfg.MaintainAspect,
		Symmetric: cfg.Symmetric, Interp: video.Interp(cfg.Interp)}
	n := cfg.TensorLen()
	out := make([]float32, len(c.items)*n)
	chw := make([]float32, n)
	for i, it := range c.items {
		if err := cpu.Frame(chw, frames[it.frame].host, video.Rect(it.crop)); err != nil {
			t.Fatalf("%s: CPU item %d: %v", c.name, i, err)
		}
		dst := out[i*n : (i+1)*n]
		if cfg.Layout == cuda.LayoutNCHW {
			copy(dst, chw)
			continue
		}
		ch, plane := cfg.Channels(), cfg.NetW*cfg.NetH
		for c := 0; c < ch; c++ {
			for p := 0; p < plane; p++ {
				dst[p*ch+c] = chw[c*plane+p]
			}
		}
	}
	return out
}

// decode turns the kernel's output bytes into float32.
func decode(cfg cuda.PreprocessConfig, raw []byte) []float32 {
	if cfg.DataType == cuda.Float32 {
		out := make([]float32, len(raw)/4)
		for i := range out {
			out[i] = math.Float32frombits(uint32(raw[4*i]) | uint32(raw[4*i+1])<<8 | uint32(raw[4*i+2])<<16 | uint32(raw[4*i+3])<<24)
		}
		return out
	}
	out := make([]float32, len(raw)/2)
	for i := range out {
		out[i] = graph.Float16ToFloat32(uint16(raw[2*i]) | uint16(raw[2*i+1])<<8)
	}
	return out
}

// compare checks the kernel's output against the CPU's: within one 8-bit
// level times the scale factor, plus FP16 rounding. It also requires the
// 8-bit pixel values to be the same almost everywhere, which a geometry or
// colour error would break long before the tolerance does.
func compare(t *testing.T, c prepCase, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", c.name, len(got), len(want))
	}
	scale := math.Abs(float64(c.cfg.NetScaleFactor))
	off, worst, maxDiff := 0, -1, 0.0
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		round := 1e-6 * math.Abs(w)
		if c.cfg.DataType == cuda.Float16 {
			round = math.Abs(w)*math.Exp2(-11) + 6e-8
		}
		d := math.Abs(g - w)
		if d > scale+round || math.IsNaN(g) {
			if worst < 0 {
				worst = i
			}
		}
		if d > round {
			off++
		}
		maxDiff = max(maxDiff, d)
	}
	t.Logf("%s: %d values, %d differ by more than rounding (max difference %.3g = %.2f levels)",
		c.name, len(got), off, maxDiff, maxDiff/scale)
	if worst >= 0 {
		t.Errorf("%s: value %d (item %d) = %v, CPU %v: beyond one level (%v)", c.name, worst,
			worst/c.cfg.TensorLen(), got[worst], want[worst], scale)
	}
	if off*1000 > len(got) {
		t.Errorf("%s: %d of %d values differ from the CPU's by up to a level", c.name, off, len(got))
	}
}

// caseItems turns a case's items into the kernel's.
func caseItems(c prepCase, frames []testFrame) []cuda.PreprocessItem {
	items := make([]cuda.PreprocessItem, len(c.items))
	for i, it := range c.items {
		items[i] = cuda.PreprocessItem{Frame: frames[it.frame].dev, Crop: it.crop}
	}
	return items
}

func caseName(c prepCase) string { return fmt.Sprintf("%s/batch%d", c.name, len(c.items)) }

// BenchmarkPreprocessCPU1080pNV12 is the CPU path the kernel replaces, for
// comparison with BenchmarkPreprocess32x1080pNV12: one 1920x1080 NV12
// frame to 3x544x960 float32, aspect kept, in one goroutine (ms/frame).
func BenchmarkPreprocessCPU1080pNV12(b *testing.B) {
	f := newHostFrame(b, video.FormatNV12, 1920, 1080, 10)
	cpu := infer.Preprocessor{NetW: 960, NetH: 544, NetScaleFactor: 1.0 / 255, MaintainAspect: true, Symmetric: true}
	dst := make([]float32, cpu.TensorLen())
	b.ResetTimer()
	for range b.N {
		if err := cpu.Frame(dst, f, video.Rect{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/frame")
}
