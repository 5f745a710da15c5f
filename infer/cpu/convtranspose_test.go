package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
)

// refConvTranspose scatters every input pixel through the kernel.
func refConvTranspose(x, w, bias *tensor.Tensor, p ConvTransposeParams, out tensor.Shape) []float32 {
	cp := ConvParams{Group: p.Group, Strides: p.Strides, Dilations: p.Dilations}.norm()
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	mg, kh, kw := w.Shape[1], w.Shape[2], w.Shape[3]
	cg := c / cp.Group
	m, oh, ow := out[1], out[2], out[3]
	y := make([]float64, out.NumElements())
	for b := 0; b < n; b++ {
		for ci := 0; ci < c; ci++ {
			g := ci / cg
			for i := 0; i < h; i++ {
				for j := 0; j < wd; j++ {
					for co := 0; co < mg; co++ {
						for u := 0; u < kh; u++ {
							for v := 0; v < kw; v++ {
								yo := i*cp.Strides[0] - p.Pads[0] + u*cp.Dilations[0]
								xo := j*cp.Strides[1] - p.Pads[1] + v*cp.Dilations[1]
								if yo < 0 || xo < 0 || yo >= oh || xo >= ow {
									continue
								}
								y[((b*m+g*mg+co)*oh+yo)*ow+xo] += float64(x.F32[((b*c+ci)*h+i)*wd+j]) * float64(w.F32[((ci*mg+co)*kh+u)*kw+v])
							}
						}
					}
				}
			}
		}
	}
	res := make([]float32, len(y))
	for i, v := range y {
		if bias != nil {
			v += float64(bias.F32[i/(oh*ow)%m])
		}
		res[i] = float32(v)
	}
	return res
}

func TestConvTranspose2DMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	cases := []struct {
		x, w tensor.Shape
		p    ConvTransposeParams
		bias bool
	}{
		{tensor.Shape{1, 2, 3, 3}, tensor.Shape{2, 3, 3, 3}, ConvTransposeParams{}, false},
		{tensor.Shape{2, 4, 5, 4}, tensor.Shape{4, 3, 4, 4}, ConvTransposeParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, true},
		{tensor.Shape{1, 4, 3, 5}, tensor.Shape{4, 2, 3, 2}, ConvTransposeParams{Group: 2, Strides: [2]int{3, 2}, Dilations: [2]int{1, 2}, Pads: [4]int{0, 1, 2, 0}, OutputPadding: [2]int{1, 1}}, true},
		{tensor.Shape{1, 3, 4, 4}, tensor.Shape{3, 1, 2, 2}, ConvTransposeParams{Group: 3, Strides: [2]int{2, 2}}, false},
	}
	for name, r := range runners(t) {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				x, w := randT(rng, c.x...), randT(rng, c.w...)
				out, err := ConvTransposeOutputShape(x.Shape, w.Shape, c.p)
				if err != nil {
					t.Fatal(err)
				}
				var b *tensor.Tensor
				if c.bias {
					b = randT(rng, out[1])
				}
				ws, _ := ConvTransposeWorkspace(x.Shape, w.Shape, c.p)
				y, scratch := tensor.New(out...), make([]float32, ws)
				if err := r.ConvTranspose2D(y, x, w, b, c.p, scratch); err != nil {
					t.Fatal(err)
				}
				assertClose(t, "convtranspose", y.F32, refConvTranspose(x, w, b, c.p, out), 1e-4)
				if a := testing.AllocsPerRun(5, func() { r.ConvTranspose2D(y, x, w, b, c.p, scratch) }); a != 0 {
					t.Errorf("%v allocations", a)
				}
			})
		}
	}
}
