package cpu

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// nmsGatherModel is what detectors exported with their NMS look like:
// boxes [1,B,4] and scores [1,1,B] → NonMaxSuppression → the box index
// column (Gather axis 1) → the chosen boxes (Gather of the squeezed
// boxes) and their scores ×2 (an arithmetic node after the gather), with
// the selected rows an output too.
func nmsGatherModel(b int) *graph.Graph {
	f32 := func(name string, shape ...int) *graph.Value {
		return &graph.Value{Name: name, DType: tensor.Float32, Shape: tensor.Shape(shape)}
	}
	cst := func(name string, t *tensor.Tensor) *graph.Value {
		t.Name = name
		return &graph.Value{Name: name, DType: t.DType, Shape: t.Shape, Const: t}
	}
	boxes, scores := f32("boxes", 1, b, 4), f32("scores", 1, 1, b)
	maxOut := cst("max", graph.Int64Tensor([]int64{50}, 1))
	iou := cst("iou", &tensor.Tensor{DType: tensor.Float32, Shape: tensor.Shape{1}, F32: []float32{0.5}})
	thr := cst("thr", &tensor.Tensor{DType: tensor.Float32, Shape: tensor.Shape{1}, F32: []float32{0.2}})
	col := cst("col", graph.Int64Tensor([]int64{2}))
	axes := cst("axes", graph.Int64Tensor([]int64{0}, 1))
	two := cst("two", &tensor.Tensor{DType: tensor.Float32, Shape: tensor.Shape{}, F32: []float32{2}})
	sel, idx, flat, sflat := &graph.Value{Name: "selected"}, &graph.Value{Name: "idx"}, &graph.Value{Name: "flat"}, &graph.Value{Name: "sflat"}
	chosen, cs, cs2 := &graph.Value{Name: "chosen"}, &graph.Value{Name: "cs"}, &graph.Value{Name: "scores2"}
	node := func(op, name string, ins []*graph.Value, out *graph.Value, attrs map[string]graph.Attr) *graph.Node {
		return &graph.Node{Op: op, Name: name, Inputs: ins, Outputs: []*graph.Value{out}, Attrs: attrs}
	}
	axis := func(a int64) map[string]graph.Attr {
		return map[string]graph.Attr{"axis": {Kind: graph.AttrIntKind, Int: a}}
	}
	inits := map[string]*tensor.Tensor{}
	for _, v := range []*graph.Value{maxOut, iou, thr, col, axes, two} {
		inits[v.Name] = v.Const
	}
	return &graph.Graph{Name: "nms_gather", Opset: 17, Inputs: []*graph.Value{boxes, scores},
		Outputs: []*graph.Value{sel, chosen, cs2}, Initializers: inits,
		Nodes: []*graph.Node{
			node("NonMaxSuppression", "nms", []*graph.Value{boxes, scores, maxOut, iou, thr}, sel, nil),
			node("Gather", "box_index", []*graph.Value{sel, col}, idx, axis(1)),
			node("Squeeze", "squeeze", []*graph.Value{boxes, axes}, flat, nil),
			node("Gather", "chosen", []*graph.Value{flat, idx}, chosen, axis(0)),
			node("Reshape", "scores_flat", []*graph.Value{scores, cst("bshape", graph.Int64Tensor([]int64{int64(b)}, 1))}, sflat, nil),
			node("Gather", "chosen_scores", []*graph.Value{sflat, idx}, cs, axis(0)),
			node("Mul", "double", []*graph.Value{cs, two}, cs2, nil),
		}}
}

// TestNodesAfterNMSRunOnTheSelectedRows checks a graph whose NMS rows
// feed Gathers against NonMaxSuppression and gathers done by hand, over
// inputs that select different numbers of rows; runs with a row count
// seen before allocate nothing.
func TestNodesAfterNMSRunOnTheSelectedRows(t *testing.T) {
	const n = 60
	r := NewRunner(Options{Workers: 2})
	defer r.Close()
	p, err := Compile(nmsGatherModel(n), map[string]tensor.Shape{"boxes": {1, n, 4}, "scores": {1, 1, n}}, r)
	if err != nil {
		t.Fatal(err)
	}
	boxes, _ := p.Input("boxes")
	scores, _ := p.Input("scores")
	counts := map[int]bool{}
	for seed := range 6 {
		rng := rand.New(rand.NewPCG(uint64(seed), 1))
		for i := range n {
			x, y := rng.Float32()*400, rng.Float32()*400
			copy(boxes.F32[4*i:], []float32{y, x, y + 10 + rng.Float32()*20, x + 10 + rng.Float32()*20})
			scores.F32[i] = rng.Float32() * float32(seed+1) / 6
		}
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		sel := make([]int64, 3*n)
		k, err := NonMaxSuppression(sel, boxes, scores, NMSParams{MaxOutputPerClass: 50, IOUThreshold: 0.5, ScoreThreshold: 0.2}, make([]int32, NMSWorkspace(n)))
		if err != nil {
			t.Fatal(err)
		}
		counts[k] = true
		gotSel, _ := p.Output("selected")
		chosen, _ := p.Output("chosen")
		s2, _ := p.Output("scores2")
		if rows, _ := graph.Int64s(gotSel); !slices.Equal(rows, sel[:3*k]) {
			t.Fatalf("seed %d: selected %v, want %v", seed, rows, sel[:3*k])
		}
		if !chosen.Shape.Equal(tensor.Shape{k, 4}) || !s2.Shape.Equal(tensor.Shape{k}) {
			t.Fatalf("seed %d: %d rows: chosen %v, scores %v", seed, k, chosen.Shape, s2.Shape)
		}
		for j := range k {
			b := int(sel[3*j+2])
			if !slices.Equal(chosen.F32[4*j:4*j+4], boxes.F32[4*b:4*b+4]) || s2.F32[j] != 2*scores.F32[b] {
				t.Fatalf("seed %d row %d: box %v score %v, want %v %v", seed, j, chosen.F32[4*j:4*j+4], s2.F32[j], boxes.F32[4*b:4*b+4], 2*scores.F32[b])
			}
		}
	}
	t.Logf("row counts %v", counts)
	if len(counts) < 3 {
		t.Fatalf("the inputs selected only %v rows: the test needs several counts", counts)
	}
	if a := testing.AllocsPerRun(10, func() {
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("%v allocations per run with a row count seen before", a)
	}
}
