package gpu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// convCaseGraph is x → Conv(w, b) [→ Add x] [→ SiLU] → y, the shapes
// dsgo's own convolution kernels take (the optimiser folds the residual
// and the activation into the Conv).
type convCaseSpec struct {
	n, c, h, w, k, r, stride, pad, dil int
	residual, silu, pool               bool // pool: a 3x3 stride-2 MaxPool after it
}

func (cs convCaseSpec) String() string {
	return fmt.Sprintf("n%dc%dh%dw%d_k%dr%ds%dp%dd%d_res%v_silu%v_pool%v", cs.n, cs.c, cs.h, cs.w, cs.k, cs.r, cs.stride,
		cs.pad, cs.dil, cs.residual, cs.silu, cs.pool)
}

func (cs convCaseSpec) graph(seed uint64) *graph.Graph {
	rng := rand.New(rand.NewPCG(seed, 7))
	f32 := func(name string, shape ...int) *graph.Value {
		return &graph.Value{Name: name, DType: tensor.Float32, Shape: tensor.Shape(shape)}
	}
	cst := func(name string, scale float32, shape ...int) *graph.Value {
		t := tensor.New(shape...)
		t.Name = name
		for i := range t.F32 {
			t.F32[i] = (rng.Float32()*2 - 1) * scale
		}
		return &graph.Value{Name: name, DType: tensor.Float32, Shape: t.Shape, Const: t}
	}
	ints := func(v ...int64) graph.Attr { return graph.Attr{Kind: graph.AttrIntsKind, Ints: v} }
	x := f32("x", cs.n, cs.c, cs.h, cs.w)
	w := cst("w", 1/float32(cs.c*cs.r*cs.r), cs.k, cs.c, cs.r, cs.r)
	b := cst("b", 0.5, cs.k)
	y := &graph.Value{Name: "conv"}
	p, s, d := int64(cs.pad), int64(cs.stride), int64(cs.dil)
	nodes := []*graph.Node{{Op: "Conv", Name: "conv", Inputs: []*graph.Value{x, w, b}, Outputs: []*graph.Value{y},
		Attrs: map[string]graph.Attr{"pads": ints(p, p, p, p), "strides": ints(s, s), "dilations": ints(d, d),
			"kernel_shape": ints(int64(cs.r), int64(cs.r))}}}
	if cs.residual {
		sum := &graph.Value{Name: "sum"}
		nodes = append(nodes, &graph.Node{Op: "Add", Name: "add", Inputs: []*graph.Value{y, x}, Outputs: []*graph.Value{sum}})
		y = sum
	}
	if cs.silu {
		sig, out := &graph.Value{Name: "sig"}, &graph.Value{Name: "silu"}
		nodes = append(nodes, &graph.Node{Op: "Sigmoid", Name: "sigmoid", Inputs: []*graph.Value{y}, Outputs: []*graph.Value{sig}},
			&graph.Node{Op: "Mul", Name: "mul", Inputs: []*graph.Value{y, sig}, Outputs: []*graph.Value{out}})
		y = out
	}
	if cs.pool {
		out := &graph.Value{Name: "pool"}
		nodes = append(nodes, &graph.Node{Op: "MaxPool", Name: "maxpool", Inputs: []*graph.Value{y}, Outputs: []*graph.Value{out},
			Attrs: map[string]graph.Attr{"kernel_shape": ints(3, 3), "strides": ints(2, 2), "pads": ints(1, 1, 1, 1)}})
		y = out
	}
	return &graph.Graph{Name: "conv_" + cs.String(), Opset: 17, Inputs: []*graph.Value{x}, Outputs: []*graph.Value{y},
		Initializers: map[string]*tensor.Tensor{"w": w.Const, "b": b.Const}, Nodes: nodes}
}

// reference builds the case's graph (weights from seed), random input
// and the CPU backend's float32 output for it.
func (cs convCaseSpec) reference(t *testing.T, r *cpu.Runner, seed uint64) (*graph.Graph, map[string]tensor.Shape, *tensor.Tensor, *tensor.Tensor) {
	t.Helper()
	g := cs.graph(seed)
	shapes := map[string]tensor.Shape{"x": {cs.n, cs.c, cs.h, cs.w}}
	ref, err := cpu.Compile(g, shapes, r)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := ref.Input("x")
	rng := rand.New(rand.NewPCG(seed, 9))
	for j := range in.F32 {
		in.F32[j] = rng.Float32()*2 - 1
	}
	if err := ref.Run(); err != nil {
		t.Fatal(err)
	}
	want, _ := ref.Output(g.Outputs[0].Name)
	return g, shapes, in, want
}

// TestOwnConvKernelsMatchTheCPU runs every configuration of dsgo's
// implicit-GEMM and halo convolutions that fits each case on shapes with strides, dilation, residuals,
// odd sizes, partial tiles and channel counts that are not multiples of
// the tile, against the CPU backend in float32.
func TestOwnConvKernelsMatchTheCPU(t *testing.T) {
	needGPU(t)
	cases := []convCaseSpec{
		{n: 2, c: 16, h: 40, w: 40, k: 32, r: 3, stride: 1, pad: 1, dil: 1, silu: true},
		{n: 2, c: 32, h: 24, w: 20, k: 32, r: 3, stride: 1, pad: 1, dil: 1, residual: true, silu: true},
		{n: 3, c: 48, h: 31, w: 29, k: 96, r: 3, stride: 2, pad: 1, dil: 1, silu: true},
		{n: 1, c: 112, h: 23, w: 40, k: 112, r: 3, stride: 1, pad: 2, dil: 2},
		{n: 2, c: 208, h: 12, w: 20, k: 96, r: 1, stride: 1, pad: 0, dil: 1, silu: true},
		{n: 1, c: 64, h: 17, w: 13, k: 16, r: 1, stride: 1, pad: 0, dil: 1},
		{n: 1, c: 8, h: 9, w: 7, k: 24, r: 3, stride: 2, pad: 1, dil: 1, silu: true},
		// The halo kernels' shapes: partial tiles, padded channels (24 of
		// 32, 56 of 64), more output channels than a block's.
		{n: 2, c: 16, h: 40, w: 38, k: 32, r: 3, stride: 2, pad: 1, dil: 1, silu: true},
		{n: 2, c: 24, h: 37, w: 45, k: 48, r: 3, stride: 2, pad: 1, dil: 1},
		{n: 3, c: 32, h: 30, w: 50, k: 64, r: 3, stride: 2, pad: 1, dil: 1, silu: true},
		{n: 2, c: 64, h: 19, w: 35, k: 64, r: 3, stride: 1, pad: 1, dil: 1, residual: true, silu: true},
		{n: 1, c: 56, h: 13, w: 21, k: 40, r: 3, stride: 1, pad: 1, dil: 1},
		{n: 2, c: 96, h: 12, w: 20, k: 96, r: 3, stride: 1, pad: 1, dil: 1, residual: true, silu: true},
		{n: 1, c: 104, h: 11, w: 17, k: 72, r: 3, stride: 1, pad: 1, dil: 1},
	}
	// Layers whose reduction fits one step (dsgo_conv_small), read from
	// the float32 NCHW input, some wider than a block.
	small := []convCaseSpec{
		{n: 2, c: 3, h: 38, w: 64, k: 16, r: 3, stride: 2, pad: 1, dil: 1, silu: true},
		{n: 3, c: 3, h: 15, w: 100, k: 48, r: 3, stride: 2, pad: 1, dil: 1, silu: true}, // two pixels a thread, a partial block
		{n: 1, c: 3, h: 17, w: 23, k: 24, r: 3, stride: 1, pad: 1, dil: 1},
		{n: 2, c: 3, h: 9, w: 301, k: 64, r: 3, stride: 2, pad: 1, dil: 1, silu: true},
		{n: 1, c: 3, h: 5, w: 270, k: 32, r: 3, stride: 1, pad: 0, dil: 1},
		{n: 1, c: 1, h: 20, w: 20, k: 32, r: 5, stride: 1, pad: 2, dil: 1, silu: true},
		{n: 1, c: 2, h: 16, w: 16, k: 40, r: 3, stride: 1, pad: 2, dil: 2, silu: true},
	}
	e, err := NewEngine(cases[0].graph(0), testOptions(FP16))
	if err != nil {
		t.Fatal(err)
	}
	cfgs := e.sh.convCfgs // the kernels this GPU runs
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if len(cfgs) == 0 {
		t.Skip("no tensor-core convolution kernels here (emulator, or a GPU before sm_80)")
	}
	all, err := ownConvConfigs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != len(all) {
		t.Errorf("%d of conv.cu's %d convolution kernels load on this GPU", len(cfgs), len(all))
	}
	r := cpu.NewRunner(cpu.Options{Workers: 2})
	defer r.Close()
	for i, cs := range slices.Concat(cases, small) {
		g, shapes, in, want := cs.reference(t, r, uint64(i))
		if slices.Contains(small, cs) {
			t.Run(cs.String()+"/dsgo_conv_small", func(t *testing.T) { runOwnConv(t, g, shapes, in, want, "", "dsgo_conv_small") })
			continue
		}
		for _, cfg := range cfgs {
			if cfg.halo != nil && !cfg.halo.fits(cuda.ConvSpec{C: cs.c, R: cs.r, S: cs.r, StrideH: cs.stride,
				StrideW: cs.stride, DilationH: cs.dil, DilationW: cs.dil}) {
				continue
			}
			t.Run(cs.String()+"/"+cfg.name, func(t *testing.T) { runOwnConv(t, g, shapes, in, want, cfg.name, cfg.name) })
		}
	}
}

// runOwnConv runs g in FP16 with Options.ConvKernel force (if not
// empty), checks that the kernel named ran a step (the convolution) and
// compares the output with want.
func runOwnConv(t *testing.T, g *graph.Graph, shapes map[string]tensor.Shape, in, want *tensor.Tensor, force, ran string) {
	o := testOptions(FP16)
	o.ConvKernel = force
	p, err := Compile(g, shapes, o)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !slices.ContainsFunc(p.steps, func(st *step) bool { return strings.HasPrefix(st.detail, ran) }) {
		t.Fatalf("%s did not run", ran)
	}
	x, _ := p.Input("x")
	copy(x.F32, in.F32)
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	got, _ := p.Output(g.Outputs[0].Name)
	if _, ofMax := floatErrors(got.F32, want.F32); ofMax > 2e-3 {
		t.Errorf("error %.3g of the largest magnitude > 2e-3", ofMax)
	}
}

// TestVectorMaxPoolMatchesTheCPU runs MaxPool on float16 channels-last
// data (after a convolution, as in ResNets) on dsgo_maxpool_h8, 16 bytes
// of channels per thread, against the CPU backend: borders, odd sizes,
// channel counts of one and several vectors. It runs in the emulator too.
func TestVectorMaxPoolMatchesTheCPU(t *testing.T) {
	needGPU(t)
	r := cpu.NewRunner(cpu.Options{Workers: 2})
	defer r.Close()
	for i, cs := range []convCaseSpec{
		{n: 2, c: 8, h: 21, w: 19, k: 8, r: 3, stride: 1, pad: 1, dil: 1, pool: true},
		{n: 1, c: 16, h: 16, w: 15, k: 24, r: 3, stride: 1, pad: 1, dil: 1, silu: true, pool: true},
	} {
		g, shapes, in, want := cs.reference(t, r, uint64(i))
		t.Run(cs.String(), func(t *testing.T) { runOwnConv(t, g, shapes, in, want, "", "dsgo_maxpool_h8") })
	}
}

// TestOwnConvConfigsReadConvCu checks the kernel list read from conv.cu's
// IGEMM/HCONV/HCONVB lines: every shape with sane threads and tiles, and
// the halo kernels' shared memory within a GPU's 227 KiB.
func TestOwnConvConfigsReadConvCu(t *testing.T) {
	cfgs, err := ownConvConfigs()
	if err != nil {
		t.Fatal(err)
	}
	halos := 0
	for _, c := range cfgs {
		if !strings.HasPrefix(c.name, "dsgo_") || c.threads%32 != 0 || c.threads < 32 || c.threads > 1024 ||
			c.bm < 16 || c.bn < 8 {
			t.Errorf("%+v", c)
		}
		if c.halo != nil {
			halos++
			if b := c.halo.smem(c.bn); b > 227<<10 || c.halo.nb < 1 || c.halo.nb > 2 {
				t.Errorf("%s: %d bytes of shared memory, %d buffers", c.name, b, c.halo.nb)
			}
		}
	}
	if len(cfgs)-halos < 12 || halos < 19 {
		t.Errorf("%d implicit-GEMM and %d halo kernels", len(cfgs)-halos, halos)
	}
}
