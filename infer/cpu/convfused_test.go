package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// chainLayer is a 3x3 stride-2 convolution of a chain (convChain).
type chainLayer struct {
	m    int
	pads [4]int
	act  ActKind
}

// convChain builds x -> conv (activation) -> conv (activation) -> out
// with random weights; with keep the first convolution's output is a
// graph output too, with pre the first convolution reads Relu(x) and the
// graph's output is Neg of the second's (both tensors of the arena, not
// the graph's input and output). It returns the graph and the weights
// and biases.
func convChain(rng *rand.Rand, c int, layers [2]chainLayer, keep, pre bool) (*graph.Graph, [2][2]*tensor.Tensor) {
	f32 := func(name string, shape ...int) *graph.Value {
		return &graph.Value{Name: name, DType: tensor.Float32, Shape: shape}
	}
	ints := func(v ...int64) graph.Attr { return graph.Attr{Kind: graph.AttrIntsKind, Ints: v} }
	x := f32("x", -1, c, -1, -1)
	g := &graph.Graph{Name: "chain", Opset: 17, Inputs: []*graph.Value{x}, Initializers: map[string]*tensor.Tensor{}}
	var params [2][2]*tensor.Tensor
	in := x
	if pre {
		in = f32("rx", -1, c, -1, -1)
		g.Nodes = append(g.Nodes, &graph.Node{Op: "Relu", Name: "pre", Inputs: []*graph.Value{x}, Outputs: []*graph.Value{in}})
	}
	for i, l := range layers {
		w, b := randT(rng, l.m, c, 3, 3), randT(rng, l.m)
		params[i] = [2]*tensor.Tensor{w, b}
		wn, bn := fmt.Sprintf("w%d", i), fmt.Sprintf("b%d", i)
		g.Initializers[wn], g.Initializers[bn] = w, b
		y := f32(fmt.Sprintf("y%d", i), -1, l.m, -1, -1)
		p := l.pads
		g.Nodes = append(g.Nodes, &graph.Node{Op: "Conv", Name: fmt.Sprintf("conv%d", i), Outputs: []*graph.Value{y},
			Inputs: []*graph.Value{in, {Name: wn, DType: tensor.Float32, Shape: w.Shape, Const: w},
				{Name: bn, DType: tensor.Float32, Shape: b.Shape, Const: b}},
			Attrs: map[string]graph.Attr{"pads": ints(int64(p[0]), int64(p[1]), int64(p[2]), int64(p[3])),
				"strides": ints(2, 2), "kernel_shape": ints(3, 3)}})
		out := y
		switch l.act {
		case ActRelu:
			out = f32(fmt.Sprintf("a%d", i), -1, l.m, -1, -1)
			g.Nodes = append(g.Nodes, &graph.Node{Op: "Relu", Name: fmt.Sprintf("relu%d", i), Inputs: []*graph.Value{y}, Outputs: []*graph.Value{out}})
		case ActSiLU:
			sg := f32(fmt.Sprintf("s%d", i), -1, l.m, -1, -1)
			out = f32(fmt.Sprintf("a%d", i), -1, l.m, -1, -1)
			g.Nodes = append(g.Nodes, &graph.Node{Op: "Sigmoid", Name: fmt.Sprintf("sigmoid%d", i), Inputs: []*graph.Value{y}, Outputs: []*graph.Value{sg}},
				&graph.Node{Op: "Mul", Name: fmt.Sprintf("mul%d", i), Inputs: []*graph.Value{y, sg}, Outputs: []*graph.Value{out}})
		}
		if i == 0 && keep {
			g.Outputs = append(g.Outputs, out)
		}
		in, c = out, l.m
	}
	if pre {
		out := f32("neg", -1, c, -1, -1)
		g.Nodes = append(g.Nodes, &graph.Node{Op: "Neg", Name: "post", Inputs: []*graph.Value{in}, Outputs: []*graph.Value{out}})
		in = out
	}
	g.Outputs = append(g.Outputs, in)
	return g, params
}

// TestConvS2FusedMatchesReference runs pairs of stride-2 convolutions
// that a Program fuses into one step (odd sizes, padding 0 or 1 on
// either side, first layers of 3 channels, planes a multiple of 4 KiB,
// activations, batches, 1-3 workers (with more, bands lower than
// s2FuseMinBand leave a pair unfused), the first layer's input a graph
// input or a tensor of the arena, which must live until the pair's step)
// against the naive convolutions one after the other; a pair whose
// first output is also a graph output is not fused and gives the same.
func TestConvS2FusedMatchesReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the stride-2 kernel runs only with the vector micro-kernel")
	}
	pad1 := [4]int{1, 1, 1, 1}
	rng := rand.New(rand.NewPCG(31, 32))
	for i, tc := range []struct {
		n, c, h, w int
		layers     [2]chainLayer
		keep, pre  bool
	}{
		{1, 3, 37, 41, [2]chainLayer{{16, pad1, ActSiLU}, {32, pad1, ActRelu}}, false, false},
		{2, 16, 30, 34, [2]chainLayer{{24, pad1, ActRelu}, {48, [4]int{1, 0, 0, 1}, ActNone}}, false, false},
		{1, 3, 64, 64, [2]chainLayer{{16, pad1, ActRelu}, {32, pad1, ActSiLU}}, false, false}, // 32x32 output planes: 4 KiB
		{2, 5, 20, 26, [2]chainLayer{{16, [4]int{0, 1, 1, 0}, ActNone}, {16, pad1, ActRelu}}, false, false},
		{1, 24, 40, 36, [2]chainLayer{{48, pad1, ActRelu}, {64, pad1, ActRelu}}, false, false},
		{1, 3, 37, 41, [2]chainLayer{{16, pad1, ActSiLU}, {32, pad1, ActRelu}}, true, false}, // the first output kept: not fused
		{2, 8, 48, 40, [2]chainLayer{{16, pad1, ActRelu}, {16, pad1, ActNone}}, false, true}, // input from the arena
		{1, 16, 33, 30, [2]chainLayer{{32, pad1, ActSiLU}, {32, pad1, ActSiLU}}, false, true},
	} {
		g, params := convChain(rng, tc.c, tc.layers, tc.keep, tc.pre)
		x := randT(rng, tc.n, tc.c, tc.h, tc.w)
		want := x
		if tc.pre {
			want = &tensor.Tensor{DType: tensor.Float32, Shape: x.Shape, F32: make([]float32, len(x.F32))}
			for i, v := range x.F32 {
				want.F32[i] = max(v, 0)
			}
		}
		var wants []*tensor.Tensor
		for k, l := range tc.layers {
			want = refConv(want, params[k][0], params[k][1].F32, nil,
				ConvParams{Strides: [2]int{2, 2}, Pads: l.pads, Act: Activation{Kind: l.act}})
			wants = append(wants, want)
		}
		if tc.pre {
			neg := &tensor.Tensor{DType: tensor.Float32, Shape: want.Shape, F32: make([]float32, len(want.F32))}
			for i, v := range want.F32 {
				neg.F32[i] = -v
			}
			want = neg
		}
		for workers := 1; workers <= 3; workers++ {
			r := NewRunner(Options{Workers: workers})
			p, err := Compile(g, map[string]tensor.Shape{"x": x.Shape}, r)
			if err != nil {
				t.Fatal(err)
			}
			// One worker: bands of whole images, always fused unless the
			// first output is kept; with more the bands may be too low.
			if fused := len(p.fused) == 1; fused == tc.keep && (workers == 1 || fused) {
				t.Fatalf("case %d, %d workers: fused %v, want %v", i, workers, fused, !tc.keep)
			}
			in, _ := p.Input("x")
			copy(in.F32, x.F32)
			if err := p.Run(); err != nil {
				t.Fatal(err)
			}
			out, _ := p.Output(g.Outputs[len(g.Outputs)-1].Name)
			assertClose(t, fmt.Sprintf("case %d, %d workers", i, workers), out.F32, want.F32, 1e-4)
			if tc.keep {
				first, _ := p.Output(g.Outputs[0].Name)
				assertClose(t, fmt.Sprintf("case %d, %d workers, first output", i, workers), first.F32, wants[0].F32, 1e-4)
			}
			r.Close()
		}
	}
}
