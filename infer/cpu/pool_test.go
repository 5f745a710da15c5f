package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
)

// refPool pools by visiting every window position of the padded input.
func refPool(x *tensor.Tensor, p PoolParams, isMax bool, oh, ow int) []float32 {
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	s, d := p.Strides, p.Dilations
	for i := range 2 {
		s[i], d[i] = max(s[i], 1), max(d[i], 1)
	}
	var out []float32
	for pl := 0; pl < n*c; pl++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				m, sum, cnt, padCnt := math.Inf(-1), 0.0, 0, 0
				for u := 0; u < p.Kernel[0]; u++ {
					for v := 0; v < p.Kernel[1]; v++ {
						ih, iw := i*s[0]-p.Pads[0]+u*d[0], j*s[1]-p.Pads[1]+v*d[1]
						if ih < h+p.Pads[2] && iw < w+p.Pads[3] {
							padCnt++
						}
						if ih < 0 || iw < 0 || ih >= h || iw >= w {
							continue
						}
						val := float64(x.F32[(pl*h+ih)*w+iw])
						m, sum, cnt = math.Max(m, val), sum+val, cnt+1
					}
				}
				if isMax {
					out = append(out, float32(m))
				} else if p.CountIncludePad {
					out = append(out, float32(sum/float64(padCnt)))
				} else {
					out = append(out, float32(sum/float64(cnt)))
				}
			}
		}
	}
	return out
}

func TestPoolingMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	cases := []struct {
		shape tensor.Shape
		p     PoolParams
		oh    int // expected output height, checks the ceil rule
	}{
		{tensor.Shape{1, 2, 8, 8}, PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, 4},
		{tensor.Shape{2, 3, 7, 7}, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, 4},
		{tensor.Shape{2, 3, 7, 7}, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, CountIncludePad: true}, 4},
		{tensor.Shape{1, 2, 6, 6}, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, 3},
		{tensor.Shape{1, 2, 6, 6}, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true, CountIncludePad: true, Pads: [4]int{1, 0, 1, 0}}, 4},
		{tensor.Shape{1, 1, 5, 5}, PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true, Pads: [4]int{1, 1, 1, 1}}, 3},
		{tensor.Shape{1, 2, 9, 8}, PoolParams{Kernel: [2]int{2, 3}, Dilations: [2]int{2, 1}, Pads: [4]int{0, 1, 1, 1}}, 8},
		{tensor.Shape{3, 1, 13, 13}, PoolParams{Kernel: [2]int{5, 5}, Pads: [4]int{2, 2, 2, 2}}, 13},
		{tensor.Shape{1, 2, 19, 41}, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, CountIncludePad: true}, 10},
		{tensor.Shape{1, 2, 19, 41}, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, CeilMode: true}, 10},
		{tensor.Shape{1, 2, 17, 37}, PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true, CountIncludePad: true, Pads: [4]int{0, 1, 1, 0}}, 9},
		{tensor.Shape{1, 2, 20, 33}, PoolParams{Kernel: [2]int{3, 3}, Pads: [4]int{1, 1, 1, 1}, CountIncludePad: true}, 20},
	}
	for name, r := range runners(t) {
		for i, c := range cases {
			for _, isMax := range []bool{true, false} {
				if !isMax && c.p.Dilations != [2]int{} {
					continue
				}
				t.Run(fmt.Sprintf("%s/%d/max=%v", name, i, isMax), func(t *testing.T) {
					x := randT(rng, c.shape...)
					out, err := PoolOutputShape(x.Shape, c.p)
					if err != nil {
						t.Fatal(err)
					}
					if out[2] != c.oh {
						t.Fatalf("output %v, want height %d", out, c.oh)
					}
					y := tensor.New(out...)
					f := r.AveragePool
					if isMax {
						f = r.MaxPool
					}
					if err := f(y, x, c.p); err != nil {
						t.Fatal(err)
					}
					assertClose(t, "pool", y.F32, refPool(x, c.p, isMax, out[2], out[3]), 1e-5)
					if a := testing.AllocsPerRun(5, func() { f(y, x, c.p) }); a != 0 {
						t.Errorf("%v allocations", a)
					}
				})
			}
		}
	}
}

func TestGlobalAveragePool(t *testing.T) {
	// Planes of 7 floats (all in the tail of the partial sums), then 20.
	rng := rand.New(rand.NewPCG(1, 1))
	var x, y *tensor.Tensor
	for _, c := range []struct{ in, out tensor.Shape }{{tensor.Shape{1, 2, 7}, tensor.Shape{1, 2, 1}},
		{tensor.Shape{2, 3, 4, 5}, tensor.Shape{2, 3, 1, 1}}} {
		x, y = randT(rng, c.in...), tensor.New(c.out...)
		if err := GlobalAveragePool(y, x); err != nil {
			t.Fatal(err)
		}
		size := x.Len() / y.Len()
		want := make([]float32, y.Len())
		for i, v := range x.F32 {
			want[i/size] += v / float32(size)
		}
		assertClose(t, fmt.Sprintf("gap of %d", size), y.F32, want, 1e-5)
	}
	if a := testing.AllocsPerRun(5, func() { GlobalAveragePool(y, x) }); a != 0 {
		t.Errorf("%v allocations", a)
	}
	if err := GlobalAveragePool(tensor.New(2, 3), x); err == nil {
		t.Error("2-D output accepted")
	}
}

func TestPoolRejectsBadParams(t *testing.T) {
	if _, err := PoolOutputShape(tensor.Shape{1, 1, 4, 4}, PoolParams{Kernel: [2]int{2, 2}, Pads: [4]int{2, 0, 0, 0}}); err == nil {
		t.Error("pad as large as the kernel accepted")
	}
	if _, err := PoolOutputShape(tensor.Shape{1, 1, 4, 4}, PoolParams{}); err == nil {
		t.Error("zero kernel accepted")
	}
}

// maxPoolByWindows is MaxPool one window at a time (poolTask.maxWindow),
// the scalar path the vectorised one must match.
func maxPoolByWindows(x *tensor.Tensor, p PoolParams) (*tensor.Tensor, error) {
	g, err := poolGeometry(x.Shape, p)
	if err != nil {
		return nil, err
	}
	y := tensor.New(g.n, g.c, g.oh, g.ow)
	t := &poolTask{g: g, max: true}
	for i := range g.n * g.c {
		xp := x.F32[i*g.h*g.w : (i+1)*g.h*g.w]
		for oh := range g.oh {
			for ow := range g.ow {
				y.F32[(i*g.oh+oh)*g.ow+ow] = t.maxWindow(xp, oh*g.sh-g.pt, ow*g.sw-g.pl)
			}
		}
	}
	return y, nil
}

func TestMaxPoolByRowsMatchesWindowsBitForBit(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	k2s2 := PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}
	k3s2 := PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}
	k3s1 := PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}
	cases := []struct {
		shape tensor.Shape
		p     PoolParams
	}{
		{tensor.Shape{2, 3, 24, 24}, k2s2}, // whole planes in one call
		{tensor.Shape{1, 3, 8, 16}, k2s2},
		{tensor.Shape{1, 2, 17, 37}, k2s2},
		{tensor.Shape{1, 2, 17, 37}, PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true}},
		{tensor.Shape{1, 2, 56, 56}, k3s2},
		{tensor.Shape{1, 2, 19, 41}, k3s2},
		{tensor.Shape{1, 2, 19, 40}, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}},
		{tensor.Shape{1, 2, 20, 33}, k3s1},
		{tensor.Shape{1, 1, 9, 64}, PoolParams{Kernel: [2]int{5, 5}, Strides: [2]int{1, 2}, Pads: [4]int{2, 2, 2, 2}}},
		{tensor.Shape{1, 1, 9, 30}, PoolParams{Kernel: [2]int{1, 3}, Strides: [2]int{3, 1}, Pads: [4]int{0, 2, 0, 1}}},
		{tensor.Shape{1, 1, 4, 2}, k3s1},
	}
	specials := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1))}
	for name, r := range runners(t) {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				x := randT(rng, c.shape...)
				for j := range x.F32 {
					switch u := rng.IntN(40); {
					case u < len(specials):
						x.F32[j] = specials[u]
					case u < 15:
						x.F32[j] = float32(math.Copysign(0, float64(u%2*2-1)))
					}
				}
				want, err := maxPoolByWindows(x, c.p)
				if err != nil {
					t.Fatal(err)
				}
				y := tensor.New(want.Shape...)
				if err := r.MaxPool(y, x, c.p); err != nil {
					t.Fatal(err)
				}
				for j, w := range want.F32 {
					got := y.F32[j]
					if math.Float32bits(got) != math.Float32bits(w) && !(got != got && w != w) {
						t.Fatalf("output %d = %v (%#x), want %v (%#x)", j, got, math.Float32bits(got), w, math.Float32bits(w))
					}
				}
				if a := testing.AllocsPerRun(5, func() { r.MaxPool(y, x, c.p) }); a != 0 {
					t.Errorf("%v allocations", a)
				}
			})
		}
	}
}

func benchmarkPool(b *testing.B, isMax bool, p PoolParams, shape ...int) {
	r := NewRunner(Options{})
	defer r.Close()
	x := randT(rand.New(rand.NewPCG(1, 2)), shape...)
	out, err := PoolOutputShape(x.Shape, p)
	if err != nil {
		b.Fatal(err)
	}
	y := tensor.New(out...)
	f := r.AveragePool
	if isMax {
		f = r.MaxPool
	}
	b.SetBytes(int64(4 * x.Len()))
	for b.Loop() {
		if err := f(y, x, p); err != nil {
			b.Fatal(err)
		}
	}
}

// The classifier test model's MaxPool.
func BenchmarkMaxPool2x2s2_8x32x24(b *testing.B) {
	benchmarkPool(b, true, PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, 8, 32, 24, 24)
}

// ResNet's stem MaxPool.
func BenchmarkMaxPool3x3s2p1_64x112(b *testing.B) {
	benchmarkPool(b, true, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, 1, 64, 112, 112)
}

// YOLO's SPP-style MaxPool (5x5 in SPPF; 3x3 here).
func BenchmarkMaxPool3x3s1p1_128x40(b *testing.B) {
	benchmarkPool(b, true, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, 1, 128, 40, 40)
}

func BenchmarkAveragePool3x3s2p1_64x112(b *testing.B) {
	benchmarkPool(b, false, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, 1, 64, 112, 112)
}
