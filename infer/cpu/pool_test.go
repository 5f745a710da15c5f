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
	x := randT(rand.New(rand.NewPCG(1, 1)), 2, 3, 4, 5)
	y := tensor.New(2, 3, 1, 1)
	if err := GlobalAveragePool(y, x); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, 6)
	for i, v := range x.F32 {
		want[i/20] += v / 20
	}
	assertClose(t, "gap", y.F32, want, 1e-5)
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
