package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

func refActivation(a Activation, v float32) float32 {
	x := []float32{v}
	a.apply(x) // the activations themselves are checked in TestUnary
	return x[0]
}

// refConv is the textbook loop nest.
func refConv(x, w *tensor.Tensor, bias, res []float32, p ConvParams) *tensor.Tensor {
	p = p.norm()
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	m, cg, kh, kw := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	mg := m / p.Group
	oh := (h+p.Pads[0]+p.Pads[2]-p.Dilations[0]*(kh-1)-1)/p.Strides[0] + 1
	ow := (wd+p.Pads[1]+p.Pads[3]-p.Dilations[1]*(kw-1)-1)/p.Strides[1] + 1
	y := tensor.New(n, m, oh, ow)
	_ = c
	for b := 0; b < n; b++ {
		for o := 0; o < m; o++ {
			g := o / mg
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					var s float64
					for ci := 0; ci < cg; ci++ {
						for u := 0; u < kh; u++ {
							for v := 0; v < kw; v++ {
								ih := i*p.Strides[0] - p.Pads[0] + u*p.Dilations[0]
								iw := j*p.Strides[1] - p.Pads[1] + v*p.Dilations[1]
								if ih < 0 || ih >= h || iw < 0 || iw >= wd {
									continue
								}
								s += float64(x.F32[((b*c+g*cg+ci)*h+ih)*wd+iw]) * float64(w.F32[((o*cg+ci)*kh+u)*kw+v])
							}
						}
					}
					idx := ((b*m+o)*oh+i)*ow + j
					if bias != nil {
						s += float64(bias[o])
					}
					if res != nil {
						s += float64(res[idx])
					}
					y.F32[idx] = refActivation(p.Act, float32(s))
				}
			}
		}
	}
	return y
}

type convCase struct {
	n, c, h, w, m, k int
	p                ConvParams
	bias, res        bool
}

// operands makes the case's random input, weights, bias and residual
// (nil when the case has none) and its output shape.
func (c convCase) operands(t *testing.T, rng *rand.Rand) (x, w, bias, res *tensor.Tensor, out tensor.Shape) {
	t.Helper()
	x = randT(rng, c.n, c.c, c.h, c.w)
	w = randT(rng, c.m, c.c/max(c.p.Group, 1), c.k, c.k)
	out, err := ConvOutputShape(x.Shape, w.Shape, c.p)
	if err != nil {
		t.Fatal(err)
	}
	if c.bias {
		bias = randT(rng, c.m)
	}
	if c.res {
		res = randT(rng, out...)
	}
	return x, w, bias, res, out
}

func convCases() []convCase {
	relu := Activation{Kind: ActRelu}
	return []convCase{
		{1, 3, 8, 8, 4, 3, ConvParams{Pads: [4]int{1, 1, 1, 1}}, false, false},
		{2, 4, 9, 7, 6, 3, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 0, 2, 1}, Act: relu}, true, false},
		{2, 8, 6, 6, 4, 1, ConvParams{}, true, true},                                              // pointwise
		{1, 8, 6, 6, 4, 1, ConvParams{Strides: [2]int{2, 2}}, true, false},                        // 1x1 stride 2
		{2, 6, 7, 9, 6, 3, ConvParams{Group: 6, Pads: [4]int{1, 1, 1, 1}, Act: relu}, true, true}, // depthwise
		{1, 4, 11, 10, 4, 3, ConvParams{Group: 4, Strides: [2]int{2, 2}, Pads: [4]int{0, 1, 1, 2}, Dilations: [2]int{2, 1}}, false, false},
		{2, 8, 9, 9, 6, 3, ConvParams{Group: 2, Dilations: [2]int{2, 2}, Pads: [4]int{2, 2, 2, 2}, Act: Activation{Kind: ActLeakyRelu, Alpha: 0.1}}, true, false},
		{1, 4, 5, 5, 8, 2, ConvParams{Group: 4, Strides: [2]int{1, 2}}, false, false}, // grouped, channel multiplier 2
		{1, 3, 10, 10, 5, 5, ConvParams{Strides: [2]int{3, 2}, Pads: [4]int{2, 2, 2, 2}, Act: Activation{Kind: ActClip, Min: -0.2, Max: 0.3}}, true, false},
		{3, 2, 4, 4, 2, 3, ConvParams{Pads: [4]int{1, 1, 1, 1}, Act: Activation{Kind: ActSiLU}}, true, true},
		{1, 2, 4, 4, 2, 3, ConvParams{Pads: [4]int{1, 1, 1, 1}, Act: Activation{Kind: ActHardSwish}}, false, false},
		{1, 2, 4, 4, 2, 3, ConvParams{Pads: [4]int{1, 1, 1, 1}, Act: Activation{Kind: ActSigmoid}}, false, false},
		{2, 5, 6, 9, 5, 3, ConvParams{Group: 5, Pads: [4]int{0, 2, 1, 0}}, true, false},  // depthwise 3x3, asymmetric pads
		{1, 3, 2, 2, 3, 3, ConvParams{Group: 3, Pads: [4]int{1, 1, 1, 1}}, false, false}, // depthwise 3x3, all border
		{1, 3, 5, 5, 3, 3, ConvParams{Group: 3, Pads: [4]int{2, 2, 2, 2}}, false, false}, // depthwise 3x3, wide pads
		{1, 16, 20, 20, 70, 3, ConvParams{Pads: [4]int{1, 1, 1, 1}}, true, false},        // several GEMM tiles
	}
}

func TestConv2DMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for name, r := range runners(t) {
		for i, c := range convCases() {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				x, w, bias, res, out := c.operands(t, rng)
				ws, err := ConvWorkspace(x.Shape, w.Shape, c.p)
				if err != nil {
					t.Fatal(err)
				}
				y := tensor.New(out...)
				if err := r.Conv2D(y, x, w, bias, res, c.p, make([]float32, ws)); err != nil {
					t.Fatal(err)
				}
				assertClose(t, "conv", y.F32, refConv(x, w, f32s(bias), f32s(res), c.p).F32, 1e-4)
			})
		}
	}
}

func TestConv2DRejectsBadShapes(t *testing.T) {
	r := NewRunner(Options{Workers: 1})
	defer r.Close()
	x, w := tensor.New(1, 4, 5, 5), tensor.New(2, 3, 3, 3)
	if err := r.Conv2D(tensor.New(1, 2, 3, 3), x, w, nil, nil, ConvParams{}, nil); err == nil {
		t.Error("weight with 3 input channels accepted for a 4-channel input")
	}
	w = tensor.New(2, 4, 3, 3)
	if err := r.Conv2D(tensor.New(1, 2, 4, 4), x, w, nil, nil, ConvParams{}, make([]float32, 1000)); err == nil {
		t.Error("wrong output shape accepted")
	}
	r.UseBLAS(false) // the pure-Go GEMM's convolutions need scratch (the direct kernel's do not)
	if need, _ := r.ConvScratch(x.Shape, w.Shape, ConvParams{}); need > 3 {
		if err := r.Conv2D(tensor.New(1, 2, 3, 3), x, w, nil, nil, ConvParams{}, make([]float32, 3)); err == nil {
			t.Error("short scratch accepted")
		}
	}
	r.UseBLAS(true)
	if err := r.Conv2D(tensor.New(1, 2, 3, 3), x, w, tensor.New(3), nil, ConvParams{}, make([]float32, 1000)); err == nil {
		t.Error("bias of 3 accepted for 2 outputs")
	}
	if _, err := ConvOutputShape(x.Shape, tensor.Shape{2, 4, 7, 7}, ConvParams{}); err == nil {
		t.Error("kernel larger than input accepted")
	}
}

func TestConv2DAllocatesNothing(t *testing.T) {
	for name, r := range runners(t) {
		for i, c := range convCases() {
			g := max(c.p.Group, 1)
			x, w := tensor.New(c.n, c.c, c.h, c.w), tensor.New(c.m, c.c/g, c.k, c.k)
			out, _ := ConvOutputShape(x.Shape, w.Shape, c.p)
			ws, _ := ConvWorkspace(x.Shape, w.Shape, c.p)
			y, bias, res, scratch := tensor.New(out...), tensor.New(c.m), tensor.New(out...), make([]float32, ws)
			r.Conv2D(y, x, w, bias, res, c.p, scratch) // warm the packing buffers
			if a := testing.AllocsPerRun(10, func() { r.Conv2D(y, x, w, bias, res, c.p, scratch) }); a != 0 {
				t.Errorf("%s case %d: %v allocations per call", name, i, a)
			}
		}
	}
}

// TestConvDirectMatchesReference checks the direct kernel's convolutions
// (vector and portable micro-kernel, one to three workers) on sizes that
// exercise its edges (with output vectors of 8 and of 16 pixels):
// channels past one pass and not a multiple of 4, rows not a multiple
// of the vector, strides, dilations, pads, groups,
// batches, 1x1 convolutions read in place, residual and activations.
func TestConvDirectMatchesReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the direct kernel runs only with the vector micro-kernel")
	}
	relu, silu := Activation{Kind: ActRelu}, Activation{Kind: ActSiLU}
	cases := []convCase{
		{2, 300, 4, 6, 10, 1, ConvParams{Act: relu}, true, false},                          // 1x1 in place, two passes
		{1, 40, 8, 8, 9, 1, ConvParams{}, true, true},                                      // 1x1 in place, residual
		{2, 70, 5, 7, 9, 1, ConvParams{Act: relu}, true, true},                             // 1x1, planes of 35: a partial last vector
		{1, 300, 3, 5, 6, 1, ConvParams{}, false, false},                                   // the same over two passes
		{2, 37, 9, 13, 7, 3, ConvParams{Pads: [4]int{1, 1, 1, 1}, Act: relu}, true, false}, // tails, ReLU in the kernel
		{1, 40, 11, 19, 13, 3, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 0, 2, 1}, Act: relu}, true, true},
		{1, 33, 12, 17, 6, 3, ConvParams{Dilations: [2]int{3, 3}, Pads: [4]int{3, 3, 3, 3}}, false, false},
		{2, 6, 10, 16, 5, 5, ConvParams{Pads: [4]int{2, 2, 2, 2}, Act: silu}, true, false},
		{1, 70, 7, 9, 10, 3, ConvParams{Group: 2, Pads: [4]int{1, 1, 1, 1}}, true, false},
		{1, 5, 9, 30, 8, 3, ConvParams{Strides: [2]int{1, 2}, Dilations: [2]int{2, 1}, Pads: [4]int{0, 2, 1, 0}}, true, false},
		{3, 3, 17, 24, 4, 3, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, Act: relu}, true, false}, // first layer
		{1, 8, 3, 3, 3, 1, ConvParams{Strides: [2]int{2, 2}}, false, false},                                       // 1x1 stride 2
	}
	all := func(*directConv, *tensor.Tensor, *tensor.Tensor) bool { return true }
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(7, 8)), all)
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(7, 8)), vectors16(all))
}

// vectors16 wraps a checkPlannedConvs check: the plan is made again with
// output vectors of 16 pixels (kern.Conv4x48: the AVX-512 plans, two
// 8-pixel calls elsewhere) before planned sees it.
func vectors16(planned func(d *directConv, w, bias *tensor.Tensor) bool) func(d *directConv, w, bias *tensor.Tensor) bool {
	return func(d *directConv, w, bias *tensor.Tensor) bool {
		d.planVectors(d.g, w.F32, f32s(bias), d.act, 1, 16)
		return planned(d, w, bias)
	}
}

// TestConvPaddingColumnsMatchReference runs row-band convolutions whose
// border vectors read whole filter columns in the padding (dilation 8 as
// in the sample detector's context layers, rows not a multiple of 8
// long, groups, vectors wholly in the padding; vectors of 8 and 16
// pixels): their triples leave those columns out, and the sums must be
// the full convolution's.
func TestConvPaddingColumnsMatchReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the direct kernel runs only with the vector micro-kernel")
	}
	relu := Activation{Kind: ActRelu}
	d8 := ConvParams{Dilations: [2]int{8, 8}, Pads: [4]int{8, 8, 8, 8}, Act: relu}
	cases := []convCase{
		{2, 20, 23, 40, 10, 3, d8, true, true},
		{1, 12, 19, 37, 6, 3, ConvParams{Group: 2, Dilations: [2]int{9, 9}, Pads: [4]int{9, 9, 9, 9}}, true, false},
		{1, 4, 5, 6, 3, 3, ConvParams{Pads: [4]int{0, 20, 0, 20}, Act: relu}, true, false},
		{1, 7, 9, 30, 5, 3, ConvParams{Dilations: [2]int{1, 16}, Pads: [4]int{1, 16, 1, 16}}, false, true},
	}
	rows := func(d *directConv, _, _ *tensor.Tensor) bool {
		d.wino, d.dil, d.s2 = nil, nil, nil // the row bands
		// With 16 pixels case 2's vectors all read every column or none.
		return len(d.colSets) > 1 || d.vw == 16 && d.g.ow == 44
	}
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(9, 9)), rows)
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(9, 9)), vectors16(rows))
}

// TestProgramConvResidual runs a Conv node with a fourth input, the
// residual a graph pass may fuse into it (onnxruntime's FusedConv Z),
// and a fused ReLU, through Compile: the sum is activated once.
func TestProgramConvResidual(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	w, b := randT(rng, 6, 5, 3, 3), randT(rng, 6)
	x := &graph.Value{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{-1, 5, 9, 11}}
	z := &graph.Value{Name: "z", DType: tensor.Float32, Shape: tensor.Shape{-1, 6, 9, 11}}
	y := &graph.Value{Name: "y", DType: tensor.Float32}
	g := &graph.Graph{Opset: 13, Inputs: []*graph.Value{x, z}, Outputs: []*graph.Value{y},
		Initializers: map[string]*tensor.Tensor{"w": w, "b": b},
		Nodes: []*graph.Node{{Op: "Conv", Name: "conv", Outputs: []*graph.Value{y},
			Inputs: []*graph.Value{x, {Name: "w", DType: tensor.Float32, Shape: w.Shape, Const: w},
				{Name: "b", DType: tensor.Float32, Shape: b.Shape, Const: b}, z},
			Attrs: map[string]graph.Attr{"pads": {Kind: graph.AttrIntsKind, Ints: []int64{1, 1, 1, 1}},
				graph.FusedActivation: {Kind: graph.AttrStringKind, String: "Relu"}}}}}
	for name, r := range runners(t) {
		prog, err := Compile(g, map[string]tensor.Shape{"x": {2, 5, 9, 11}, "z": {2, 6, 9, 11}}, r)
		if err != nil {
			t.Fatal(err)
		}
		xt, _ := prog.Input("x")
		zt, _ := prog.Input("z")
		for i := range xt.F32 {
			xt.F32[i] = rng.Float32()*2 - 1
		}
		for i := range zt.F32 {
			zt.F32[i] = rng.Float32()*2 - 1
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		yt, _ := prog.Output("y")
		want := refConv(xt, w, b.F32, zt.F32, ConvParams{Pads: [4]int{1, 1, 1, 1}, Act: Activation{Kind: ActRelu}})
		assertClose(t, name, yt.F32, want.F32, 1e-4)
	}
}

// f32s returns t's data, nil for a nil tensor.
func f32s(t *tensor.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.F32
}

// TestConvWinogradMatchesReference checks the Winograd paths, F(4x4, 3x3)
// (one worker) and F(2x2, 3x3) (where two or three workers would get too
// few F(4x4, 3x3) chunks), vector and portable transforms, on sizes that
// exercise their edges: output rows and columns not a multiple of the
// tile's (partial tiles), chunks
// that start and end inside a row of tiles or an image (they run over
// the batch's tiles), rows of more than 8 tiles,
// output channels not a multiple of 4, pads 0 to 2, batches, residual
// and activations in and after the output transform.
func TestConvWinogradMatchesReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the Winograd path runs only with the vector micro-kernel")
	}
	relu, silu := Activation{Kind: ActRelu}, Activation{Kind: ActSiLU}
	pad := func(p int) [4]int { return [4]int{p, p, p, p} }
	cases := []convCase{
		{1, 16, 9, 13, 18, 3, ConvParams{Pads: pad(1), Act: relu}, true, false},
		{2, 24, 23, 40, 32, 3, ConvParams{Pads: pad(1), Act: relu}, true, true},
		{1, 40, 12, 37, 17, 3, ConvParams{Pads: pad(1)}, false, false},
		{3, 16, 7, 7, 16, 3, ConvParams{Act: silu}, true, true}, // no pads: 5x5 output
		{1, 20, 5, 50, 20, 3, ConvParams{Pads: [4]int{2, 0, 1, 2}, Act: relu}, true, false},
		{2, 16, 10, 36, 16, 3, ConvParams{Pads: pad(1)}, true, true},            // residual, no activation: groups of 8 tiles and 2 staged
		{2, 16, 20, 21, 16, 3, ConvParams{Pads: pad(1), Act: silu}, true, true}, // 110 tiles an image: chunks end inside the second image
		{1, 16, 2, 2, 16, 3, ConvParams{Pads: pad(1), Act: relu}, true, true},   // one partial F(4x4, 3x3) tile
		{2, 17, 3, 9, 20, 3, ConvParams{Pads: pad(1)}, true, false},             // rows of 3 partial tiles
		{1, 16, 8, 64, 16, 3, ConvParams{Pads: pad(1), Act: relu}, true, true},  // rows of 16 F(4x4, 3x3) tiles, all direct
	}
	edges := map[int]bool{} // the tile edges the plans took
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(11, 12)), func(d *directConv, _, _ *tensor.Tensor) bool {
		if d.wino != nil {
			edges[d.wino.e] = true
		}
		return d.wino != nil
	})
	if !edges[2] || !edges[4] {
		t.Errorf("the plans took tile edges %v, want both F(2x2, 3x3) and F(4x4, 3x3)", edges)
	}
}

// TestConvWinogradSplitMatchesReference runs Winograd layers too small for
// a chunk per worker with their chunks' values split between the workers
// (winoPlan.parts): 2 parts on 2 workers, 4 on 3 and 4, and on 8 workers
// the tiles in 2 chunks as well; a batch of 2; residual and activations.
// Against the naive convolution, vector and portable.
func TestConvWinogradSplitMatchesReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the Winograd path runs only with the vector micro-kernel")
	}
	relu, silu := Activation{Kind: ActRelu}, Activation{Kind: ActSiLU}
	pad1 := [4]int{1, 1, 1, 1}
	cases := []struct {
		convCase
		workers, parts, chunks int
	}{
		{convCase{1, 40, 20, 20, 24, 3, ConvParams{Pads: pad1, Act: silu}, true, false}, 2, 2, 1},
		{convCase{1, 24, 17, 30, 20, 3, ConvParams{Pads: pad1, Act: relu}, true, true}, 3, 4, 1},
		{convCase{2, 16, 9, 13, 16, 3, ConvParams{Pads: pad1}, false, true}, 4, 4, 1},
		{convCase{1, 16, 19, 21, 18, 3, ConvParams{Pads: pad1, Act: silu}, true, true}, 8, 4, 2},
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for i, c := range cases {
		x, w, bias, res, out := c.operands(t, rng)
		want := refConv(x, w, f32s(bias), f32s(res), c.p).F32
		r := NewRunner(Options{Workers: c.workers})
		defer r.Close()
		for _, portable := range []bool{false, true} {
			y := tensor.New(out...)
			d, ok := r.planConv(x, w, bias, y, true, c.p)
			if !ok || d.wino == nil {
				t.Fatalf("case %d: not a Winograd plan", i)
			}
			if p := d.wino; p.parts != c.parts || p.chunks != c.chunks {
				t.Fatalf("case %d: %d parts and %d chunks, want %d and %d", i, p.parts, p.chunks, c.parts, c.chunks)
			}
			d.portable = portable
			if err := r.convPlanned(d, y, x, res, nil); err != nil {
				t.Fatal(err)
			}
			assertClose(t, fmt.Sprintf("case %d, %d workers, portable %v", i, c.workers, portable), y.F32, want, 1e-4)
		}
	}
}

// TestConvDilatedMatchesReference runs dilated 3x3 convolutions on the
// Winograd mosaic of their phase images: dilations 2, 3, 4 and 8, sizes
// that are not multiples of the dilation (phases of different sizes),
// batches, residuals and activations.
func TestConvDilatedMatchesReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the Winograd path runs only with the vector micro-kernel")
	}
	relu, silu := Activation{Kind: ActRelu}, Activation{Kind: ActSiLU}
	dil := func(d int, act Activation) ConvParams {
		return ConvParams{Dilations: [2]int{d, d}, Pads: [4]int{d, d, d, d}, Act: act}
	}
	cases := []convCase{
		{2, 16, 23, 40, 20, 3, dil(2, relu), true, true},
		{1, 24, 24, 41, 16, 3, dil(4, silu), true, false},
		{1, 16, 47, 63, 16, 3, dil(8, Activation{}), false, true},
		{2, 17, 20, 29, 18, 3, dil(3, relu), true, false},
	}
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(31, 32)), func(d *directConv, _, _ *tensor.Tensor) bool {
		return d.dil != nil && d.dil.inner.wino != nil
	})
}

// TestConvDilatedD4MatchesReference runs dilated convolutions on
// kern.ConvD4's plan (forced where the planner would take the mosaic or,
// without AVX-512, the row bands; there the portable kernel): dilations
// 2, 3 and 8, chunks of 48, 64 and 64+48, rows not a multiple of 4 long,
// rows that read only padding, asymmetric pads, batches, residuals and
// activations.
func TestConvDilatedD4MatchesReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the direct kernels run only with the vector micro-kernel")
	}
	relu, silu := Activation{Kind: ActRelu}, Activation{Kind: ActSiLU}
	dil := func(d int, pads [4]int, act Activation) ConvParams {
		return ConvParams{Dilations: [2]int{d, d}, Pads: pads, Act: act}
	}
	pad := func(p int) [4]int { return [4]int{p, p, p, p} }
	cases := []convCase{
		{1, 16, 23, 40, 48, 3, dil(8, pad(8), relu), true, false},
		{2, 20, 17, 21, 64, 3, dil(3, pad(3), silu), true, true},               // rows of 21: a group past the row
		{1, 24, 12, 30, 112, 3, dil(2, [4]int{2, 1, 2, 1}, relu), false, true}, // residual with ReLU
		{1, 17, 6, 13, 48, 3, dil(4, pad(9), Activation{}), true, false},       // rows wholly in the padding
	}
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(51, 52)), func(d *directConv, w, bias *tensor.Tensor) bool {
		if d4Chunks(d.g.m) == nil {
			return false
		}
		d.dil = nil
		d.planD4(w.F32, f32s(bias), 3)
		return true
	})
}

// TestConvStride2MatchesReference runs 3x3 stride-2 convolutions on the
// stride-2 kernel (odd sizes, a last chunk past the output channels,
// padding 0 or 1 on either side, rows wholly in the padding, residuals
// and activations, fewer channels than it is chosen for; every case again
// with the output staged) with 1-3 workers, vector and portable, against
// the naive convolution.
func TestConvStride2MatchesReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the stride-2 kernel runs only with the vector micro-kernel")
	}
	relu, silu := Activation{Kind: ActRelu}, Activation{Kind: ActSiLU}
	s2 := [2]int{2, 2}
	cases := []convCase{
		{1, 3, 37, 41, 24, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: relu}, true, false},  // first layer
		{2, 20, 19, 34, 13, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: silu}, true, true},  // 13 channels, overlapping last vector
		{1, 9, 18, 18, 8, 3, ConvParams{Strides: s2}, false, true},                                        // no padding
		{1, 5, 15, 21, 9, 3, ConvParams{Strides: s2, Pads: [4]int{0, 1, 1, 0}, Act: relu}, true, true},    // residual with ReLU
		{1, 7, 12, 20, 16, 3, ConvParams{Strides: s2, Pads: [4]int{1, 0, 0, 1}}, true, false},             // right padding only
		{2, 4, 6, 17, 10, 3, ConvParams{Strides: s2, Pads: [4]int{3, 1, 3, 1}, Act: relu}, true, false},   // rows of padding only
		{1, 11, 9, 23, 32, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}}, true, false},             // chunks of 16 and 16
		{1, 6, 10, 30, 53, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: silu}, true, true},   // chunks of 24, 16, 16 (13 of them)
		{2, 32, 12, 13, 64, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: relu}, false, true}, // chosen by channels; rows of 7
		{2, 3, 21, 30, 16, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: silu}, true, true},   // written directly; rows of 15
		{1, 24, 17, 26, 32, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: relu}, true, false}, // direct, all 24 channels per call
		{1, 40, 14, 22, 48, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: relu}, true, true},  // direct, all 40 channels per call
		{1, 72, 14, 22, 48, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: relu}, true, true},  // blocks of 16, 16, 16, 16, 8; the last writes the output; rows of 11
		{2, 69, 9, 16, 32, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: silu}, true, false},  // the same, rows of 8
		{1, 50, 10, 18, 53, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}}, true, true},             // blocks staged and copied out (13 channels in a chunk)
		{1, 16, 10, 64, 32, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: relu}, true, false}, // 16-channel chunks: groups of 6 pixels inside the row
		{2, 9, 9, 90, 32, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: silu}, true, true},    // the same with 9 channels, rows of 45
		{1, 72, 6, 70, 16, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: relu}, true, true},   // the first of 5 staged blocks in groups of 6
		{2, 16, 11, 11, 64, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}, Act: relu}, true, false}, // whole rows of one group of 6 (right padding), chunks of 16
		{1, 8, 7, 35, 48, 3, ConvParams{Strides: s2, Pads: [4]int{1, 1, 1, 1}}, true, true},               // rows of 2 groups of 6 and 2 groups of 4
	}
	planned := func(d *directConv, w, bias *tensor.Tensor) bool {
		if !s2Fits(d.g) {
			return false
		}
		if d.s2 == nil { // fewer channels than it is chosen for
			d.planS2(w.F32, f32s(bias), kern.Wide())
		}
		return true
	}
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(21, 22)), planned)
	// Every output through the staging block (as s2Aliased plans).
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(21, 22)), func(d *directConv, w, bias *tensor.Tensor) bool {
		ok := planned(d, w, bias)
		d.s2.staged = true
		return ok
	})
}

// TestConvStride2QuadsMatchReference plans stride-2 convolutions in
// chunks of 32 output channels (the AVX-512 plans: 32, 32+24, 24+16 for
// 40, 32+24+16 for 72, and 48 channels left in one chunk: 48, 32+48 for
// 80, 48+48 for 96) and runs them as checkPlannedConvs
// does: on a machine without AVX-512 the vector runs take the portable
// kernel for the 32-channel chunks, so the plan's staging and chunking
// are tested everywhere.
func TestConvStride2QuadsMatchReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the stride-2 kernel runs only with the vector micro-kernel")
	}
	relu, silu := Activation{Kind: ActRelu}, Activation{Kind: ActSiLU}
	p := ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, Act: relu}
	cases := []convCase{
		{1, 16, 20, 41, 32, 3, p, true, false}, // direct, rows of 21: 5 groups (a triple and 2 left over)
		{2, 24, 9, 30, 48, 3, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, Act: silu}, true, true},
		{1, 72, 14, 50, 56, 3, p, true, false},  // staged, the last block writes the output
		{1, 80, 10, 26, 72, 3, p, true, true},   // 32+24+16, staged
		{1, 50, 10, 26, 72, 3, p, true, true},   // 32+24+16, direct
		{1, 33, 12, 34, 37, 3, p, false, false}, // 40 channels' chunks for 37: staged and copied out
		{1, 8, 11, 120, 64, 3, p, true, false},  // long rows, direct
		{2, 20, 12, 60, 80, 3, p, true, true},   // 32+48, direct
		{1, 72, 9, 34, 48, 3, p, true, true},    // 48, staged
		{1, 40, 10, 60, 96, 3, p, true, false},  // 48+48, direct
		{1, 70, 9, 60, 96, 3, p, false, true},   // 48+48, staged
	}
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(23, 24)), func(d *directConv, w, bias *tensor.Tensor) bool {
		if !s2Fits(d.g) {
			return false
		}
		d.planS2(w.F32, f32s(bias), true)
		return d.s2.chunks[0].nb == 4 || d.s2.chunks[0].nb == 6 || d.g.m == 37
	})
}

// TestConvStride2OctsMatchReference plans stride-2 convolutions with
// short rows in chunks of 64 output channels (the AVX-512 plans for rows
// of at most s2OctRow pixels: 64 direct, in groups of 6 (kern.ConvS6)
// at rows of 6 and 10, 64+32 staged, 64+32+24+16 for 136, 64+16 for 80,
// 64 for 63 copied out) and runs them as
// checkPlannedConvs does (on a machine without AVX-512 the 64-channel
// chunks take the portable kernel).
func TestConvStride2OctsMatchReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the stride-2 kernel runs only with the vector micro-kernel")
	}
	relu, silu := Activation{Kind: ActRelu}, Activation{Kind: ActSiLU}
	p := ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, Act: relu}
	cases := []convCase{
		{2, 32, 12, 12, 64, 3, p, true, false}, // rows of 6, direct
		{1, 48, 20, 20, 96, 3, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, Act: silu}, true, true},
		{1, 72, 16, 40, 136, 3, p, true, false}, // rows of 20, staged: 64+32+24+16
		{1, 48, 16, 40, 64, 3, p, true, true},   // rows of 20, direct with more than 32 channels
		{1, 24, 10, 14, 80, 3, p, false, false}, // rows of 7, direct: 64+16
		{1, 36, 9, 17, 63, 3, p, true, true},    // staged and copied out
		{1, 16, 20, 20, 64, 3, p, true, false},  // rows of 10, direct: a group of 6 and one of 4 (ConvS6)
	}
	checkPlannedConvs(t, cases, rand.New(rand.NewPCG(25, 26)), func(d *directConv, w, bias *tensor.Tensor) bool {
		if !s2Fits(d.g) {
			return false
		}
		d.planS2(w.F32, f32s(bias), true)
		return d.s2.chunks[0].nb == 8
	})
}

// checkPlannedConvs plans each case for the direct kernels, lets planned
// check (and adjust) the plan (false: the case did not get the path under
// test), and runs it with 1-3 workers, vector and portable, against the
// naive convolution.
func checkPlannedConvs(t *testing.T, cases []convCase, rng *rand.Rand, planned func(d *directConv, w, bias *tensor.Tensor) bool) {
	t.Helper()
	for i, c := range cases {
		x, w, bias, res, out := c.operands(t, rng)
		want := refConv(x, w, f32s(bias), f32s(res), c.p).F32
		for _, workers := range []int{1, 2, 3} {
			r := NewRunner(Options{Workers: workers})
			defer r.Close()
			for _, portable := range []bool{false, true} {
				y := tensor.New(out...)
				d, ok := r.planConv(x, w, bias, y, true, c.p)
				if !ok || !planned(d, w, bias) {
					t.Fatalf("case %d: not planned for the path under test", i)
				}
				d.portable = portable
				if err := r.convPlanned(d, y, x, res, nil); err != nil {
					t.Fatal(err)
				}
				assertClose(t, fmt.Sprintf("case %d, %d workers, portable %v", i, workers, portable), y.F32, want, 1e-4)
			}
		}
	}
}
