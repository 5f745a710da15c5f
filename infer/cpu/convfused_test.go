package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// chainLayer is a 3x3 convolution of a chain (convChain), of stride s.
type chainLayer struct {
	m, s int
	pads [4]int
	act  ActKind
}

// convChain builds x -> conv (activation) -> conv (activation) ... ->
// out with random weights; with keep the first convolution's output is a
// graph output too, with pool the last's output goes through a MaxPool
// (kernel 2 or 3, stride 2), with pre the first convolution reads
// Relu(x) and the graph's output is Neg of the last node's (both tensors
// of the arena, not the graph's input and output). It returns the graph
// and the weights and biases.
func convChain(rng *rand.Rand, c int, layers []chainLayer, keep bool, pool int, pre bool) (*graph.Graph, [][2]*tensor.Tensor) {
	f32 := func(name string, shape ...int) *graph.Value {
		return &graph.Value{Name: name, DType: tensor.Float32, Shape: shape}
	}
	ints := func(v ...int64) graph.Attr { return graph.Attr{Kind: graph.AttrIntsKind, Ints: v} }
	x := f32("x", -1, c, -1, -1)
	g := &graph.Graph{Name: "chain", Opset: 17, Inputs: []*graph.Value{x}, Initializers: map[string]*tensor.Tensor{}}
	params := make([][2]*tensor.Tensor, len(layers))
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
				"strides": ints(int64(l.s), int64(l.s)), "kernel_shape": ints(3, 3)}})
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
	if pool > 0 {
		out := f32("pooled", -1, c, -1, -1)
		k := int64(pool)
		g.Nodes = append(g.Nodes, &graph.Node{Op: "MaxPool", Name: "pool", Inputs: []*graph.Value{in}, Outputs: []*graph.Value{out},
			Attrs: map[string]graph.Attr{"kernel_shape": ints(k, k), "strides": ints(2, 2)}})
		in = out
	}
	if pre {
		out := f32("neg", -1, c, -1, -1)
		g.Nodes = append(g.Nodes, &graph.Node{Op: "Neg", Name: "post", Inputs: []*graph.Value{in}, Outputs: []*graph.Value{out}})
		in = out
	}
	g.Outputs = append(g.Outputs, in)
	return g, params
}

// chainCase is a convChain on an input of n x c x h x w; fused is how
// many nodes a Program with one worker runs in a later node's step
// (with more workers, bands lower than s2FuseMinBand or of an odd number
// of rows leave fewer fused).
type chainCase struct {
	n, c, h, w int
	layers     []chainLayer
	keep       bool
	pool       int
	pre        bool
	fused      int
}

// check runs the chain on 1-3 workers against the naive layers one
// after the other, and checks that a run allocates nothing.
func (tc chainCase) check(t *testing.T, rng *rand.Rand, name string) {
	t.Helper()
	g, params := convChain(rng, tc.c, tc.layers, tc.keep, tc.pool, tc.pre)
	x := randT(rng, tc.n, tc.c, tc.h, tc.w)
	want := x
	if tc.pre {
		want = &tensor.Tensor{DType: tensor.Float32, Shape: x.Shape, F32: make([]float32, len(x.F32))}
		for i, v := range x.F32 {
			want.F32[i] = max(v, 0)
		}
	}
	var first *tensor.Tensor
	for k, l := range tc.layers {
		want = refConv(want, params[k][0], params[k][1].F32, nil,
			ConvParams{Strides: [2]int{l.s, l.s}, Pads: l.pads, Act: Activation{Kind: l.act}})
		if k == 0 {
			first = want
		}
	}
	if tc.pool > 0 {
		pp := PoolParams{Kernel: [2]int{tc.pool, tc.pool}, Strides: [2]int{2, 2}}
		ps, err := PoolOutputShape(want.Shape, pp)
		if err != nil {
			t.Fatal(err)
		}
		want = &tensor.Tensor{DType: tensor.Float32, Shape: ps, F32: refPool(want, pp, true, ps[2], ps[3])}
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
		r.winoPoolBytes = 0 // small Winograd layers pool as they go too
		p, err := Compile(g, map[string]tensor.Shape{"x": x.Shape}, r)
		if err != nil {
			t.Fatal(err)
		}
		fused := 0
		for _, ns := range p.fused {
			fused += len(ns)
		}
		if workers == 1 && fused != tc.fused || fused > tc.fused {
			t.Fatalf("%s, %d workers: %d nodes fused into later steps, want %d", name, workers, fused, tc.fused)
		}
		in, _ := p.Input("x")
		copy(in.F32, x.F32)
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		out, _ := p.Output(g.Outputs[len(g.Outputs)-1].Name)
		assertClose(t, fmt.Sprintf("%s, %d workers", name, workers), out.F32, want.F32, 1e-4)
		if a := testing.AllocsPerRun(2, func() { p.Run() }); a != 0 {
			t.Errorf("%s, %d workers: %v allocations per run", name, workers, a)
		}
		if tc.keep {
			got, _ := p.Output(g.Outputs[0].Name)
			assertClose(t, fmt.Sprintf("%s, %d workers, first output", name, workers), got.F32, first.F32, 1e-4)
		}
		r.Close()
	}
}

// TestConvS2FusedMatchesReference runs pairs of stride-2 convolutions
// that a Program fuses into one step (odd sizes, padding 0 or 1 on
// either side, first layers of 3 channels, planes a multiple of 4 KiB,
// activations, batches, 1-3 workers, the first layer's input a graph
// input or a tensor of the arena, which must live until the pair's step)
// against the naive convolutions one after the other; a pair whose
// first output is also a graph output is not fused and gives the same.
func TestConvS2FusedMatchesReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the stride-2 kernel runs only with the vector micro-kernel")
	}
	pad1 := [4]int{1, 1, 1, 1}
	rng := rand.New(rand.NewPCG(31, 32))
	for i, tc := range []chainCase{
		{1, 3, 37, 41, []chainLayer{{16, 2, pad1, ActSiLU}, {32, 2, pad1, ActRelu}}, false, 0, false, 1},
		{2, 16, 30, 34, []chainLayer{{24, 2, pad1, ActRelu}, {48, 2, [4]int{1, 0, 0, 1}, ActNone}}, false, 0, false, 1},
		{1, 3, 64, 64, []chainLayer{{16, 2, pad1, ActRelu}, {32, 2, pad1, ActSiLU}}, false, 0, false, 1}, // 32x32 output planes: 4 KiB
		{2, 5, 20, 26, []chainLayer{{16, 2, [4]int{0, 1, 1, 0}, ActNone}, {16, 2, pad1, ActRelu}}, false, 0, false, 1},
		{1, 24, 40, 36, []chainLayer{{48, 2, pad1, ActRelu}, {64, 2, pad1, ActRelu}}, false, 0, false, 1},
		{1, 3, 37, 41, []chainLayer{{16, 2, pad1, ActSiLU}, {32, 2, pad1, ActRelu}}, true, 0, false, 0}, // the first output kept: not fused
		{2, 8, 48, 40, []chainLayer{{16, 2, pad1, ActRelu}, {16, 2, pad1, ActNone}}, false, 0, true, 1}, // input from the arena
		{1, 16, 33, 30, []chainLayer{{32, 2, pad1, ActSiLU}, {32, 2, pad1, ActSiLU}}, false, 0, true, 1},
	} {
		tc.check(t, rng, fmt.Sprintf("case %d", i))
	}
}

// TestConvPoolFusedMatchesReference runs convolutions (stride 2: one,
// or a fused pair; stride 1: Winograd, direct rows) whose output only a
// MaxPool reads: where the pool's 2x2 windows at stride 2 tile the
// convolution's output the pool runs in the convolution's step
// (withPool, poolFits), otherwise (3x3 windows, odd planes, a band of
// odd rows) apart; either way the output must equal the naive layers
// one after the other. Pool rows of 12 take the vector call, rows of 7
// and 5 the row by row path.
func TestConvPoolFusedMatchesReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the stride-2 kernel runs only with the vector micro-kernel")
	}
	pad1 := [4]int{1, 1, 1, 1}
	rng := rand.New(rand.NewPCG(33, 34))
	for i, tc := range []chainCase{
		{2, 16, 48, 48, []chainLayer{{32, 2, pad1, ActRelu}}, false, 2, false, 1},
		{2, 3, 96, 96, []chainLayer{{16, 2, pad1, ActRelu}, {32, 2, pad1, ActRelu}}, false, 2, true, 2},  // the classifier's
		{1, 16, 20, 28, []chainLayer{{24, 2, pad1, ActSiLU}}, false, 2, true, 1},                         // pool rows of 7
		{1, 5, 40, 38, []chainLayer{{16, 2, pad1, ActNone}, {16, 2, pad1, ActRelu}}, false, 2, false, 2}, // 10x10 -> 5x5
		{1, 3, 37, 45, []chainLayer{{16, 2, pad1, ActSiLU}, {32, 2, pad1, ActRelu}}, true, 2, false, 1},  // the pair apart: the second with the pool
		{1, 16, 22, 22, []chainLayer{{16, 2, pad1, ActRelu}}, false, 2, false, 0},                        // 11x11: windows do not tile it
		{1, 16, 24, 24, []chainLayer{{16, 2, pad1, ActRelu}}, false, 3, false, 0},                        // 3x3 windows
		// Stride 1: the pool runs on each band or chunk just written.
		{1, 16, 40, 40, []chainLayer{{32, 1, pad1, ActRelu}}, false, 2, false, 1},             // Winograd
		{2, 16, 38, 46, []chainLayer{{24, 1, pad1, ActSiLU}}, false, 2, true, 1},              // partial tile rows and columns, SiLU before the max
		{1, 32, 16, 16, []chainLayer{{64, 1, pad1, ActRelu}}, false, 2, false, 1},             // few chunks: split values on 2-3 workers
		{1, 3, 64, 64, []chainLayer{{16, 1, pad1, ActSiLU}}, false, 2, false, 1},              // direct rows
		{2, 3, 34, 30, []chainLayer{{16, 1, [4]int{0, 0, 0, 0}, ActRelu}}, false, 2, true, 1}, // 32x28 output
		{1, 3, 33, 33, []chainLayer{{16, 1, pad1, ActRelu}}, false, 2, false, 0},              // 33x33: not tiled
	} {
		tc.check(t, rng, fmt.Sprintf("case %d", i))
	}
}

// TestConvPoolWithResidualMatchesReference runs Conv(Relu(x)) + Neg(x)
// (a residual) -> MaxPool 2x2 -> Neg: the pool runs in the
// convolution's step, which must keep the residual (a tensor of the
// arena) alive until then, on Winograd and direct rows.
func TestConvPoolWithResidualMatchesReference(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the planned kernels run only with the vector micro-kernel")
	}
	rng := rand.New(rand.NewPCG(35, 36))
	f32 := func(name string, c int) *graph.Value {
		return &graph.Value{Name: name, DType: tensor.Float32, Shape: []int{-1, c, -1, -1}}
	}
	ints := func(v ...int64) graph.Attr { return graph.Attr{Kind: graph.AttrIntsKind, Ints: v} }
	for _, c := range []int{16, 8} { // Winograd, direct rows
		w, b := randT(rng, c, c, 3, 3), randT(rng, c)
		x, rx, nx, y, s, pl, out := f32("x", c), f32("rx", c), f32("nx", c), f32("y", c), f32("s", c), f32("pl", c), f32("out", c)
		g := &graph.Graph{Name: "res", Opset: 17, Inputs: []*graph.Value{x}, Outputs: []*graph.Value{out},
			Initializers: map[string]*tensor.Tensor{"w": w, "b": b}, Nodes: []*graph.Node{
				{Op: "Relu", Name: "pre", Inputs: []*graph.Value{x}, Outputs: []*graph.Value{rx}},
				{Op: "Neg", Name: "neg", Inputs: []*graph.Value{x}, Outputs: []*graph.Value{nx}},
				{Op: "Conv", Name: "conv", Inputs: []*graph.Value{rx, {Name: "w", DType: tensor.Float32, Shape: w.Shape, Const: w},
					{Name: "b", DType: tensor.Float32, Shape: b.Shape, Const: b}}, Outputs: []*graph.Value{y},
					Attrs: map[string]graph.Attr{"pads": ints(1, 1, 1, 1), "kernel_shape": ints(3, 3)}},
				{Op: "Add", Name: "add", Inputs: []*graph.Value{y, nx}, Outputs: []*graph.Value{s}},
				{Op: "MaxPool", Name: "pool", Inputs: []*graph.Value{s}, Outputs: []*graph.Value{pl},
					Attrs: map[string]graph.Attr{"kernel_shape": ints(2, 2), "strides": ints(2, 2)}},
				{Op: "Neg", Name: "post", Inputs: []*graph.Value{pl}, Outputs: []*graph.Value{out}},
			}}
		xt := randT(rng, 2, c, 20, 24)
		r0 := &tensor.Tensor{DType: tensor.Float32, Shape: xt.Shape, F32: make([]float32, len(xt.F32))}
		for i, v := range xt.F32 {
			r0.F32[i] = max(v, 0)
		}
		n0 := make([]float32, len(xt.F32))
		for i, v := range xt.F32 {
			n0[i] = -v
		}
		conv := refConv(r0, w, b.F32, n0, ConvParams{Pads: [4]int{1, 1, 1, 1}})
		pp := PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}
		want := refPool(conv, pp, true, 10, 12)
		for i, v := range want {
			want[i] = -v
		}
		for workers := 1; workers <= 2; workers++ {
			r := NewRunner(Options{Workers: workers})
			r.winoPoolBytes = 0
			p, err := Compile(g, map[string]tensor.Shape{"x": xt.Shape}, r)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.fused) != 1 {
				t.Fatalf("%d channels, %d workers: %d fused steps, want 1", c, workers, len(p.fused))
			}
			in, _ := p.Input("x")
			copy(in.F32, xt.F32)
			if err := p.Run(); err != nil {
				t.Fatal(err)
			}
			got, _ := p.Output("out")
			assertClose(t, fmt.Sprintf("%d channels, %d workers", c, workers), got.F32, want, 1e-4)
			r.Close()
		}
	}
}
