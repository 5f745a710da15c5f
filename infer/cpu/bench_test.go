package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
)

// benchRunners returns the pure-Go and (when linked) OpenBLAS runners,
// both with all cores, so each benchmark shows them side by side.
func benchRunners(b *testing.B) []struct {
	name string
	r    *Runner
} {
	g := NewRunner(Options{})
	g.UseBLAS(false)
	b.Cleanup(g.Close)
	rs := []struct {
		name string
		r    *Runner
	}{{"go", g}}
	if haveBLAS {
		o := NewRunner(Options{})
		b.Cleanup(o.Close)
		rs = append(rs, struct {
			name string
			r    *Runner
		}{"openblas", o})
	}
	return rs
}

// benchConv measures a convolution on all cores with each of the paths
// side by side: the direct kernel (weights packed once, as Programs run
// it), OpenBLAS on im2col tiles (when linked) and the pure-Go GEMM.
func benchConv(b *testing.B, xs, ws tensor.Shape, p ConvParams) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, w, bias := randT(rng, xs...), randT(rng, ws...), randT(rng, ws[0])
	out, err := ConvOutputShape(xs, ws, p)
	if err != nil {
		b.Fatal(err)
	}
	g, err := convGeometry(xs, ws, p)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := ConvWorkspace(xs, ws, p)
	y, scratch := tensor.New(out...), make([]float32, n)
	flops := 2 * float64(out.NumElements()*ws[1]*ws[2]*ws[3])
	r := NewRunner(Options{})
	b.Cleanup(r.Close)
	paths := []struct {
		name string
		run  func()
	}{}
	if d, ok := r.planConv(x, w, bias, y, true, p); ok {
		paths = append(paths, struct {
			name string
			run  func()
		}{"direct", func() { r.convPlanned(d, y, x, nil, nil) }})
	}
	if haveBLAS && !g.depthwise() {
		paths = append(paths, struct {
			name string
			run  func()
		}{"openblas-im2col", func() { r.convTiled(y.F32, x.F32, w.F32, bias.F32, nil, g, p.Act) }})
	}
	rg := NewRunner(Options{})
	rg.UseBLAS(false)
	b.Cleanup(rg.Close)
	paths = append(paths, struct {
		name string
		run  func()
	}{"go", func() {
		if g.depthwise() {
			rg.depthwise(y.F32, x.F32, w.F32, bias.F32, nil, g, p.Act)
			return
		}
		rg.convGEMM(y.F32, x.F32, w.F32, g, scratch)
	}})
	for _, pa := range paths {
		b.Run(pa.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				pa.run()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkConv3x3_112to112_23x40(b *testing.B) {
	benchConv(b, tensor.Shape{1, 112, 23, 40}, tensor.Shape{112, 112, 3, 3},
		ConvParams{Pads: [4]int{1, 1, 1, 1}, Act: Activation{Kind: ActRelu}})
}

func BenchmarkConv3x3s2_24to32_184x320(b *testing.B) {
	benchConv(b, tensor.Shape{1, 24, 184, 320}, tensor.Shape{32, 24, 3, 3},
		ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, Act: Activation{Kind: ActRelu}})
}

func BenchmarkConv3x3_64to64_56(b *testing.B) {
	benchConv(b, tensor.Shape{1, 64, 56, 56}, tensor.Shape{64, 64, 3, 3},
		ConvParams{Pads: [4]int{1, 1, 1, 1}, Act: Activation{Kind: ActRelu}})
}

func BenchmarkConv1x1_256to64_56(b *testing.B) {
	benchConv(b, tensor.Shape{1, 256, 56, 56}, tensor.Shape{64, 256, 1, 1}, ConvParams{Act: Activation{Kind: ActRelu}})
}

func BenchmarkConvDepthwise3x3_128_56(b *testing.B) {
	benchConv(b, tensor.Shape{1, 128, 56, 56}, tensor.Shape{128, 1, 3, 3},
		ConvParams{Group: 128, Pads: [4]int{1, 1, 1, 1}, Act: Activation{Kind: ActRelu}})
}

func BenchmarkGemm1x512x1000(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	a, w, c := randT(rng, 1, 512), randT(rng, 1000, 512), randT(rng, 1000)
	y := tensor.New(1, 1000)
	p := GemmParams{TransB: true, Alpha: 1, Beta: 1}
	for _, rr := range benchRunners(b) {
		b.Run(rr.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := rr.r.Gemm(y, a, w, c, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(2*512*1000*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkSgemm256(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	a, w, c := randT(rng, 256*256).F32, randT(rng, 256*256).F32, make([]float32, 256*256)
	for _, rr := range benchRunners(b) {
		b.Run(rr.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rr.r.sgemm(false, false, 256, 256, 256, 1, a, 256, w, 256, 0, c, 256)
			}
			b.ReportMetric(2*256*256*256*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
