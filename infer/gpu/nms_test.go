package gpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// These tests build small graphs, run them on the GPU (or the emulated
// one, -tags kcheck) and on the CPU backend, and require the same
// outputs bit for bit: NonMaxSuppression's rows in the same order, and
// Gather through indices computed in the graph.

func inputValue(name string, dt tensor.DType, shape ...int) *graph.Value {
	return &graph.Value{Name: name, DType: dt, Shape: tensor.Shape(shape)}
}

func int64Const(name string, v ...int64) *graph.Value {
	t := &tensor.Tensor{Name: name, DType: tensor.Int64, Shape: tensor.Shape{len(v)}, Raw: make([]byte, 8*len(v))}
	for i, x := range v {
		binary.LittleEndian.PutUint64(t.Raw[8*i:], uint64(x))
	}
	return &graph.Value{Name: name, DType: tensor.Int64, Shape: t.Shape, Const: t}
}

func float32Const(name string, v float32) *graph.Value {
	t := &tensor.Tensor{Name: name, DType: tensor.Float32, Shape: tensor.Shape{1}, F32: []float32{v}}
	return &graph.Value{Name: name, DType: tensor.Float32, Shape: t.Shape, Const: t}
}

func intAttr(v int) graph.Attr { return graph.Attr{Kind: graph.AttrIntKind, Int: int64(v)} }

// f16ToF32 widens an IEEE half.
func f16ToF32(h uint16) float32 {
	sign, exp, man := float64(1), int(h>>10&0x1f), float64(h&0x3ff)
	if h&0x8000 != 0 {
		sign = -1
	}
	switch exp {
	case 0x1f:
		if man != 0 {
			return float32(math.NaN())
		}
		return float32(sign * math.Inf(1))
	case 0:
		return float32(sign * math.Ldexp(man, -24))
	}
	return float32(sign * math.Ldexp(1+man/1024, exp-15))
}

// inputsFor returns the values a program of precision prec computes
// from: for FP16, float inputs rounded to half as the GPU converts them.
func inputsFor(ins map[string]*tensor.Tensor, prec Precision) map[string]*tensor.Tensor {
	if prec == FP32 {
		return ins
	}
	out := map[string]*tensor.Tensor{}
	for k, t := range ins {
		if t.DType == tensor.Float32 {
			c := *t
			c.F32 = make([]float32, len(t.F32))
			for i, v := range t.F32 {
				c.F32[i] = f16ToF32(f32ToF16(v))
			}
			t = &c
		}
		out[k] = t
	}
	return out
}

func fillInputs(t *testing.T, get func(string) (*tensor.Tensor, bool), ins map[string]*tensor.Tensor) {
	t.Helper()
	for name, src := range ins {
		dst, ok := get(name)
		if !ok {
			t.Fatalf("no input %s", name)
		}
		if dst.DType != src.DType || dst.Len() != src.Len() {
			t.Fatalf("input %s: %v %v for the program's %v %v", name, src.DType, src.Shape, dst.DType, dst.Shape)
		}
		copy(dst.F32, src.F32)
		copy(dst.Raw, src.Raw)
	}
}

// backendPair is a graph compiled for both backends.
type backendPair struct {
	g   *graph.Graph
	c   *cpu.Program
	gpu *Program
	r   *cpu.Runner
}

func compilePair(t *testing.T, g *graph.Graph, prec Precision) *backendPair {
	t.Helper()
	shapes := map[string]tensor.Shape{}
	for _, v := range g.Inputs {
		shapes[v.Name] = v.Shape
	}
	pr := &backendPair{g: g, r: cpu.NewRunner(cpu.Options{Workers: 1})}
	var err error
	if pr.c, err = cpu.Compile(g, shapes, pr.r); err != nil {
		t.Fatal(err)
	}
	if pr.gpu, err = Compile(g, shapes, testOptions(prec)); err != nil {
		t.Fatal(err)
	}
	if ok, err := pr.gpu.Captured(); !ok {
		t.Errorf("not captured as a CUDA graph: %v", err)
	}
	t.Cleanup(func() {
		pr.gpu.Close()
		pr.r.Close()
	})
	return pr
}

// run runs both backends (the CPU on cpuIns) and compares every output
// exactly; it returns the GPU's outputs.
func (pr *backendPair) run(t *testing.T, gpuIns, cpuIns map[string]*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	fillInputs(t, pr.c.Input, cpuIns)
	fillInputs(t, pr.gpu.Input, gpuIns)
	if err := pr.c.Run(); err != nil {
		t.Fatal(err)
	}
	if err := pr.gpu.Run(); err != nil {
		t.Fatal(err)
	}
	var outs []*tensor.Tensor
	for _, v := range pr.g.Outputs {
		want, _ := pr.c.Output(v.Name)
		got, ok := pr.gpu.Output(v.Name)
		if !ok {
			t.Fatalf("no output %s", v.Name)
		}
		sameTensor(t, v.Name, got, want)
		outs = append(outs, got)
	}
	return outs
}

// sameTensor requires equal shapes and equal elements (float bits).
func sameTensor(t *testing.T, name string, got, want *tensor.Tensor) {
	t.Helper()
	if !got.Shape.Equal(want.Shape) || got.DType != want.DType {
		t.Fatalf("%s: %v %v, want %v %v", name, got.DType, got.Shape, want.DType, want.Shape)
	}
	if want.DType == tensor.Float32 {
		for i, w := range want.F32 {
			if math.Float32bits(got.F32[i]) != math.Float32bits(w) {
				t.Fatalf("%s: element %d is %v, want %v", name, i, got.F32[i], w)
			}
		}
		return
	}
	n := want.Len() * want.DType.Size()
	if string(got.Raw[:n]) != string(want.Raw[:n]) {
		row := 0
		for i := 0; i < n; i += 8 {
			if string(got.Raw[i:i+8]) != string(want.Raw[i:i+8]) {
				row = i / 8
				break
			}
		}
		t.Fatalf("%s: data differs from element %d: got %v, want %v", name, row, int64s(got.Raw[8*row:n], 6), int64s(want.Raw[8*row:n], 6))
	}
}

func int64s(b []byte, most int) []int64 {
	var v []int64
	for i := 0; i+8 <= len(b) && len(v) < most; i += 8 {
		v = append(v, int64(binary.LittleEndian.Uint64(b[i:])))
	}
	return v
}

// nmsCase is a NonMaxSuppression graph and how its data is drawn.
type nmsCase struct {
	name             string
	batches, classes int
	boxes, maxOut    int
	iou, score       float32 // NaN: input absent
	center           bool
	levels           int // scores take this many values (ties); 0: any
}

func (c nmsCase) graph() *graph.Graph {
	b := inputValue("boxes", tensor.Float32, c.batches, c.boxes, 4)
	s := inputValue("scores", tensor.Float32, c.batches, c.classes, c.boxes)
	ins := []*graph.Value{b, s, int64Const("max_out", int64(c.maxOut)), nil, nil}
	if !math.IsNaN(float64(c.iou)) {
		ins[3] = float32Const("iou", c.iou)
	}
	if !math.IsNaN(float64(c.score)) {
		ins[4] = float32Const("score", c.score)
	}
	sel := &graph.Value{Name: "selected", DType: tensor.Int64}
	n := &graph.Node{Op: "NonMaxSuppression", Name: "nms", Inputs: ins, Outputs: []*graph.Value{sel},
		Attrs: map[string]graph.Attr{}}
	if c.center {
		n.Attrs["center_point_box"] = intAttr(1)
	}
	return &graph.Graph{Name: c.name, Opset: 13, Inputs: []*graph.Value{b, s}, Outputs: []*graph.Value{sel},
		Nodes: []*graph.Node{n}}
}

// data draws boxes in a 100x100 image (so that many overlap), with
// duplicates, flipped, empty and NaN boxes and NaN scores among them.
func (c nmsCase) data(rng *rand.Rand) map[string]*tensor.Tensor {
	bx := tensor.New(c.batches, c.boxes, 4)
	for i := 0; i < c.batches*c.boxes; i++ {
		b := bx.F32[4*i : 4*i+4]
		y, x, h, w := rng.Float32()*100, rng.Float32()*100, 2+rng.Float32()*30, 2+rng.Float32()*30
		if c.center {
			b[0], b[1], b[2], b[3] = x, y, w, h
		} else {
			b[0], b[1], b[2], b[3] = y, x, y+h, x+w
		}
		switch k := rng.IntN(40); {
		case k == 0 && i > 0: // a duplicate of the previous box
			copy(b, bx.F32[4*i-4:4*i])
		case k == 1: // flipped corners (negative size for centre boxes)
			b[0], b[2] = b[2], b[0]
			if c.center {
				b[2] = -b[2]
			}
		case k == 2: // empty
			b[3] = b[1]
			if c.center {
				b[3] = 0
			}
		case k == 3 || k == 4: // not a number, in a first or a second corner
			b[2*(k-3)+rng.IntN(2)] = float32(math.NaN())
		}
	}
	sc := tensor.New(c.batches, c.classes, c.boxes)
	for i := range sc.F32 {
		v := rng.Float32()
		if c.levels > 0 {
			v = float32(rng.IntN(c.levels)) / float32(c.levels)
		}
		if rng.IntN(200) == 0 {
			v = float32(math.NaN())
		}
		sc.F32[i] = v
	}
	return map[string]*tensor.Tensor{"boxes": bx, "scores": sc}
}

var nan32 = float32(math.NaN())

var nmsCases = []nmsCase{
	{"one class", 1, 1, 12, 100, 0.5, 0.1, false, 0},
	{"ties, batch 2, 3 classes", 2, 3, 257, 1000, 0.45, 0.2, false, 4},
	{"centre boxes, at most 5", 3, 2, 300, 5, 0.3, 0.05, true, 16},
	{"no score threshold", 2, 2, 150, 20, 0.6, nan32, false, 3},
	{"no IoU threshold", 1, 4, 90, 50, nan32, 0.5, false, 0},
	{"none kept", 2, 2, 40, 0, 0.5, 0.1, false, 0},
	{"negative IoU threshold", 2, 3, 200, 100, -0.1, 0.1, false, 0},
	{"more rows than the head", 1, 2, 3000, 3000, 0.9, nan32, false, 0},
}

// TestNMSMatchesCPU compares the device's NonMaxSuppression with the CPU
// backend's on random boxes and scores, twice per program (the second
// run must not see the first's state).
func TestNMSMatchesCPU(t *testing.T) {
	needGPU(t)
	for _, prec := range []Precision{FP32, FP16} {
		for i, c := range nmsCases {
			if prec == FP16 && c.boxes > 1000 {
				continue
			}
			t.Run(prec.String()+"/"+c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(i), 77))
				pr := compilePair(t, c.graph(), prec)
				rows := 0
				for range 2 {
					ins := c.data(rng)
					out := pr.run(t, ins, inputsFor(ins, prec))
					rows += out[0].Shape[0]
				}
				if c.maxOut > 0 && rows == 0 {
					t.Error("no rows selected: the case tests nothing")
				}
				if c.name == "more rows than the head" && rows < 2*nmsHeadRows {
					t.Errorf("%d rows in two runs: fewer than the head's %d per run", rows, nmsHeadRows)
				}
			})
		}
	}
}

// TestNMSOverCapacityRunsOnTheHost has so many classes that the device
// takes fewer candidates per class than there are boxes: a run with a
// class over that falls back to the CPU's kernel, the next run (no class
// over it) stays on the device, and both match the CPU backend.
func TestNMSOverCapacityRunsOnTheHost(t *testing.T) {
	needGPU(t)
	c := nmsCase{name: "over capacity", batches: 2, classes: 3000, boxes: 300, maxOut: 10, iou: 0.5, score: 0.5}
	capacity := nmsCapacity(c.batches*c.classes, c.boxes)
	if capacity >= c.boxes {
		t.Fatalf("capacity %d for %d boxes: the case tests nothing", capacity, c.boxes)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	pr := compilePair(t, c.graph(), FP32)
	for run, busy := range []int{c.boxes, capacity - 40} {
		ins := c.data(rng)
		sc := ins["scores"].F32
		for i := range sc {
			sc[i] *= 0.5 // under the threshold
		}
		// Three classes with busy candidates each.
		for _, cls := range []int{7, 2999, 3000 + 11} {
			for j := range busy {
				sc[cls*c.boxes+j] = 0.5 + 0.5*rng.Float32()
			}
		}
		out := pr.run(t, ins, ins)
		if out[0].Shape[0] == 0 {
			t.Fatalf("run %d: no rows", run)
		}
		if testing.AllocsPerRun(2, func() {
			if err := pr.gpu.Run(); err != nil {
				t.Fatal(err)
			}
		}) != 0 {
			t.Errorf("run %d: Run allocates", run)
		}
	}
}

func TestNMSRunAllocatesNothing(t *testing.T) {
	needGPU(t)
	for _, c := range []nmsCase{nmsCases[1], nmsCases[len(nmsCases)-1]} {
		pr := compilePair(t, c.graph(), FP32)
		fillInputs(t, pr.gpu.Input, c.data(rand.New(rand.NewPCG(1, 2))))
		if err := pr.gpu.Run(); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(3, func() {
			if err := pr.gpu.Run(); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%s: Run allocates %v times", c.name, a)
		}
	}
}

func TestNMSCapacity(t *testing.T) {
	for _, c := range []struct{ segs, boxes, want int }{
		{1, 8400, 8400}, {1, 20000, 64 * nmsMaxWords}, {80, 8400, 2560}, {320, 8400, 1280}, {80, 100, 100},
		{1 << 20, 1000, 64}, {1, 0, 0},
	} {
		got := nmsCapacity(c.segs, c.boxes)
		if got != c.want {
			t.Errorf("nmsCapacity(%d, %d) = %d, want %d", c.segs, c.boxes, got, c.want)
		}
		if words := (got + 63) / 64; got > 64 && c.segs*got*words*8 > nmsMaskBudget {
			t.Errorf("nmsCapacity(%d, %d) = %d: mask over budget", c.segs, c.boxes, got)
		}
	}
}

// randInts returns an int64 or int32 tensor of n indices in [lo, hi).
func randInts(rng *rand.Rand, dt tensor.DType, lo, hi int, shape ...int) *tensor.Tensor {
	t := &tensor.Tensor{DType: dt, Shape: tensor.Shape(shape)}
	n := t.Shape.NumElements()
	t.Raw = make([]byte, n*dt.Size())
	for i := range n {
		v := lo + rng.IntN(hi-lo)
		if dt == tensor.Int32 {
			binary.LittleEndian.PutUint32(t.Raw[4*i:], uint32(int32(v)))
		} else {
			binary.LittleEndian.PutUint64(t.Raw[8*i:], uint64(int64(v)))
		}
	}
	return t
}

// randIntFloats returns integer-valued floats, exact in half precision.
func randIntFloats(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.F32 {
		t.F32[i] = float32(rng.IntN(2001) - 1000)
	}
	return t
}

func gatherNode(name string, data, idx, out *graph.Value, axis int) *graph.Node {
	return &graph.Node{Op: "Gather", Name: name, Inputs: []*graph.Value{data, idx}, Outputs: []*graph.Value{out},
		Attrs: map[string]graph.Attr{"axis": intAttr(axis)}}
}

// TestGatherIndicesFromTopKAndArgMax gathers rows picked by TopK and
// ArgMax in the same graph.
func TestGatherIndicesFromTopKAndArgMax(t *testing.T) {
	needGPU(t)
	x := inputValue("x", tensor.Float32, 2, 50)
	table := inputValue("table", tensor.Float32, 50, 7)
	scores := inputValue("scores", tensor.Float32, 2, 5, 40)
	labels := inputValue("labels", tensor.Float32, 5, 3)
	vals, idx := &graph.Value{Name: "top_values"}, &graph.Value{Name: "top_indices"}
	best, cls := &graph.Value{Name: "best"}, &graph.Value{Name: "class"}
	picked := &graph.Value{Name: "picked"}
	g := &graph.Graph{Name: "computed indices", Opset: 13, Inputs: []*graph.Value{x, table, scores, labels},
		Outputs: []*graph.Value{best, picked, idx},
		Nodes: []*graph.Node{
			{Op: "TopK", Name: "topk", Inputs: []*graph.Value{x, int64Const("k", 10)}, Outputs: []*graph.Value{vals, idx},
				Attrs: map[string]graph.Attr{"axis": intAttr(1)}},
			gatherNode("gather_rows", table, idx, best, 0),
			{Op: "ArgMax", Name: "argmax", Inputs: []*graph.Value{scores}, Outputs: []*graph.Value{cls},
				Attrs: map[string]graph.Attr{"axis": intAttr(1), "keepdims": intAttr(0)}},
			gatherNode("gather_labels", labels, cls, picked, 0),
		}}
	for _, prec := range []Precision{FP32, FP16} {
		t.Run(prec.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(4, 5))
			pr := compilePair(t, g, prec)
			for range 2 {
				ins := map[string]*tensor.Tensor{"x": randIntFloats(rng, 2, 50), "table": randIntFloats(rng, 50, 7),
					"scores": randIntFloats(rng, 2, 5, 40), "labels": randIntFloats(rng, 5, 3)}
				for i := range ins["x"].F32 { // distinct: one order for TopK
					ins["x"].F32[i] = float32(i*37%100) - 50
				}
				rng.Shuffle(100, func(a, b int) { ins["x"].F32[a], ins["x"].F32[b] = ins["x"].F32[b], ins["x"].F32[a] })
				pr.run(t, ins, ins)
			}
		})
	}
}

// TestGatherIndicesFromInput gathers along every axis with int64 and
// int32 indices given at run time, negative ones included, and fails Run
// on an index out of range as the CPU backend does.
func TestGatherIndicesFromInput(t *testing.T) {
	needGPU(t)
	for _, dt := range []tensor.DType{tensor.Int64, tensor.Int32} {
		for _, axis := range []int{0, 1, 2, -1} {
			for _, is := range []tensor.Shape{{3, 2}, {}, {7}} {
				t.Run(fmt.Sprintf("%v/axis%d/%v", dt, axis, is), func(t *testing.T) {
					data := inputValue("data", tensor.Float32, 4, 6, 5)
					idx := inputValue("idx", dt, is...)
					y := &graph.Value{Name: "y"}
					g := &graph.Graph{Name: "gather", Opset: 13, Inputs: []*graph.Value{data, idx}, Outputs: []*graph.Value{y},
						Nodes: []*graph.Node{gatherNode("gather", data, idx, y, axis)}}
					pr := compilePair(t, g, FP32)
					d := data.Shape[(axis+3)%3]
					rng := rand.New(rand.NewPCG(uint64(axis+9), 1))
					for range 2 {
						ins := map[string]*tensor.Tensor{"data": randIntFloats(rng, 4, 6, 5), "idx": randInts(rng, dt, -d, d, is...)}
						pr.run(t, ins, ins)
					}
					bad := randInts(rng, dt, d, d+1, is...)
					fillInputs(t, pr.c.Input, map[string]*tensor.Tensor{"idx": bad})
					fillInputs(t, pr.gpu.Input, map[string]*tensor.Tensor{"idx": bad})
					if err := pr.c.Run(); err == nil {
						t.Fatal("the CPU backend accepted an index out of range")
					}
					err := pr.gpu.Run()
					if err == nil || !strings.Contains(err.Error(), "out of range") {
						t.Fatalf("index %d out of range: got %v", d, err)
					}
					good := map[string]*tensor.Tensor{"idx": randInts(rng, dt, -d, d, is...)}
					pr.run(t, good, good) // the flag does not stick
				})
			}
		}
	}
}

// BenchmarkNMS times NonMaxSuppression on YOLO-sized inputs (8400 boxes)
// on the device (RunToHost: inputs already there, rows copied back) side
// by side with the CPU backend: 80 classes with a few candidates each,
// and 4 classes whose every box is a candidate.
func BenchmarkNMS(b *testing.B) {
	needGPU(b)
	for _, c := range []nmsCase{
		{"80 classes, score over 0.25", 1, 80, 8400, 100, 0.45, 0.25, false, 0},
		{"4 classes, every box", 1, 4, 8400, 100, 0.45, nan32, false, 0},
	} {
		g := c.graph()
		shapes := map[string]tensor.Shape{"boxes": {c.batches, c.boxes, 4}, "scores": {c.batches, c.classes, c.boxes}}
		rng := rand.New(rand.NewPCG(5, 5))
		ins := c.data(rng)
		for i := range ins["scores"].F32 { // 1% over 0.25
			v := 0.25 * rng.Float32()
			if rng.IntN(100) == 0 {
				v = 0.26 + 0.7*rng.Float32()
			}
			ins["scores"].F32[i] = v
		}
		ins["boxes"].F32 = scaleBoxes(ins["boxes"].F32, 6.4)
		b.Run(c.name+"/gpu", func(b *testing.B) {
			p, err := Compile(g, shapes, testOptions(FP32))
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			fillB(b, p.Input, ins)
			if err := p.Run(); err != nil {
				b.Fatal(err)
			}
			y, _ := p.Output("selected")
			b.ResetTimer()
			for range b.N {
				if err := p.RunToHost(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(y.Shape[0]), "rows")
		})
		b.Run(c.name+"/cpu", func(b *testing.B) {
			r := cpu.NewRunner(cpu.Options{})
			defer r.Close()
			p, err := cpu.Compile(g, shapes, r)
			if err != nil {
				b.Fatal(err)
			}
			fillB(b, p.Input, ins)
			b.ResetTimer()
			for range b.N {
				if err := p.Run(); err != nil {
					b.Fatal(err)
				}
			}
			y, _ := p.Output("selected")
			b.ReportMetric(float64(y.Shape[0]), "rows")
		})
	}
}

func scaleBoxes(v []float32, k float32) []float32 {
	for i := range v {
		v[i] *= k
	}
	return v
}

func fillB(b *testing.B, get func(string) (*tensor.Tensor, bool), ins map[string]*tensor.Tensor) {
	for name, src := range ins {
		dst, ok := get(name)
		if !ok {
			b.Fatalf("no input %s", name)
		}
		copy(dst.F32, src.F32)
	}
}
