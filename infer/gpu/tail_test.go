package gpu

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// nmsTailModel is a detector's end as exported with its NMS: scores from
// logits on the device (Sigmoid), NonMaxSuppression, then the box index
// column of its rows gathers the chosen boxes, which are scaled (the
// nodes after NonMaxSuppression, which run on the CPU backend).
func nmsTailModel(n int) *graph.Graph {
	f32 := func(name string, shape ...int) *graph.Value {
		return &graph.Value{Name: name, DType: tensor.Float32, Shape: tensor.Shape(shape)}
	}
	cst := func(name string, t *tensor.Tensor) *graph.Value {
		t.Name = name
		return &graph.Value{Name: name, DType: t.DType, Shape: t.Shape, Const: t}
	}
	scalar := func(name string, v float32) *graph.Value {
		return cst(name, &tensor.Tensor{DType: tensor.Float32, Shape: tensor.Shape{1}, F32: []float32{v}})
	}
	boxes, logits := f32("boxes", 1, n, 4), f32("logits", 1, 1, n)
	consts := []*graph.Value{cst("max", graph.Int64Tensor([]int64{40}, 1)), scalar("iou", 0.5), scalar("thr", 0.3),
		cst("col", graph.Int64Tensor([]int64{2})), cst("axes", graph.Int64Tensor([]int64{0}, 1)), scalar("scale", 0.5)}
	inits := map[string]*tensor.Tensor{}
	for _, v := range consts {
		inits[v.Name] = v.Const
	}
	scores, sel, idx, flat, chosen, out := &graph.Value{Name: "scores"}, &graph.Value{Name: "selected"},
		&graph.Value{Name: "idx"}, &graph.Value{Name: "flat"}, &graph.Value{Name: "chosen"}, &graph.Value{Name: "scaled"}
	node := func(op string, ins []*graph.Value, o *graph.Value, axis int64) *graph.Node {
		nd := &graph.Node{Op: op, Name: op + "_" + o.Name, Inputs: ins, Outputs: []*graph.Value{o}}
		if axis >= 0 {
			nd.Attrs = map[string]graph.Attr{"axis": {Kind: graph.AttrIntKind, Int: axis}}
		}
		return nd
	}
	return &graph.Graph{Name: "nms_tail", Opset: 17, Inputs: []*graph.Value{boxes, logits},
		Outputs: []*graph.Value{sel, out}, Initializers: inits,
		Nodes: []*graph.Node{
			node("Sigmoid", []*graph.Value{logits}, scores, -1),
			node("NonMaxSuppression", []*graph.Value{boxes, scores, consts[0], consts[1], consts[2]}, sel, -1),
			node("Gather", []*graph.Value{sel, consts[3]}, idx, 1),
			node("Squeeze", []*graph.Value{boxes, consts[4]}, flat, -1),
			node("Gather", []*graph.Value{flat, idx}, chosen, 0),
			node("Mul", []*graph.Value{chosen, consts[5]}, out, -1),
		}}
}

// TestNodesAfterNMSRunOnTheHost runs a graph whose NonMaxSuppression rows
// feed other nodes on the GPU backend, over inputs that select different
// numbers of rows, against the CPU backend.
func TestNodesAfterNMSRunOnTheHost(t *testing.T) {
	needGPU(t)
	const n = 64
	g := nmsTailModel(n)
	shapes := map[string]tensor.Shape{"boxes": {1, n, 4}, "logits": {1, 1, n}}
	r := cpu.NewRunner(cpu.Options{Workers: 1})
	defer r.Close()
	ref, err := cpu.Compile(g, shapes, r)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(g, shapes, testOptions(FP32))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	counts := map[int]bool{}
	for seed := range 5 {
		rng := rand.New(rand.NewPCG(uint64(seed), 3))
		gb, _ := p.Input("boxes")
		gl, _ := p.Input("logits")
		cb, _ := ref.Input("boxes")
		cl, _ := ref.Input("logits")
		for i := range n {
			x, y := rng.Float32()*300, rng.Float32()*300
			copy(gb.F32[4*i:], []float32{y, x, y + 10 + rng.Float32()*30, x + 10 + rng.Float32()*30})
			gl.F32[i] = (rng.Float32()*2 - 1) * float32(seed+1)
		}
		copy(cb.F32, gb.F32)
		copy(cl.F32, gl.F32)
		if err := ref.Run(); err != nil {
			t.Fatal(err)
		}
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		ws, _ := ref.Output("selected")
		gs, _ := p.Output("selected")
		if !slices.Equal(gs.Shape, ws.Shape) || string(gs.Raw) != string(ws.Raw) {
			t.Fatalf("seed %d: selected %v differs from the CPU's %v", seed, gs.Shape, ws.Shape)
		}
		counts[ws.Shape[0]] = true
		want, _ := ref.Output("scaled")
		got, _ := p.Output("scaled")
		if !slices.Equal(got.Shape, want.Shape) || !slices.Equal(got.F32, want.F32) {
			t.Fatalf("seed %d: scaled boxes %v %v, want %v %v", seed, got.Shape, got.F32, want.Shape, want.F32)
		}
	}
	if len(counts) < 3 {
		t.Errorf("the inputs selected only %d different row counts", len(counts))
	}
}
