package cpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

func int64T(shape tensor.Shape, v ...int64) *tensor.Tensor {
	t := &tensor.Tensor{DType: tensor.Int64, Shape: shape, Raw: make([]byte, 8*len(v))}
	for i, x := range v {
		binary.LittleEndian.PutUint64(t.Raw[8*i:], uint64(x))
	}
	return t
}

func TestSoftmax(t *testing.T) {
	x := randT(rand.New(rand.NewPCG(1, 2)), 2, 3, 4)
	for _, axis := range []int{0, 1, 2, -1} {
		y := tensor.New(2, 3, 4)
		if err := Softmax(y, x, axis); err != nil {
			t.Fatal(err)
		}
		a := (axis + 3) % 3
		want := make([]float32, 24)
		for o := range want {
			idx := unravel(o, x.Shape)
			var s float64
			for j := 0; j < x.Shape[a]; j++ {
				k := append([]int(nil), idx...)
				k[a] = j
				s += math.Exp(float64(x.F32[bcastOffset(x.Shape, k)]))
			}
			want[o] = float32(math.Exp(float64(x.F32[o])) / s)
		}
		assertClose(t, "softmax", y.F32, want, 1e-5)
	}
	if err := Softmax(tensor.New(2, 3, 4), x, 3); err == nil {
		t.Error("axis 3 of rank 3 accepted")
	}
}

func TestReduce(t *testing.T) {
	x := randT(rand.New(rand.NewPCG(3, 2)), 2, 3, 4, 5)
	for _, c := range []struct {
		axes []int
		keep bool
	}{{[]int{1}, true}, {[]int{2, 3}, false}, {[]int{-1}, true}, {nil, false}, {[]int{0, 2}, true}} {
		out, err := ReduceOutputShape(x.Shape, c.axes, c.keep)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range []ReduceOp{ReduceSum, ReduceMean, ReduceMax} {
			y := tensor.New(out...)
			if err := Reduce(op, y, x, c.axes, c.keep); err != nil {
				t.Fatal(err)
			}
			red := map[int]bool{}
			for _, a := range c.axes {
				red[(a+4)%4] = true
			}
			sum, mx, cnt := make([]float64, y.Len()), make([]float64, y.Len()), make([]int, y.Len())
			for i := range mx {
				mx[i] = math.Inf(-1)
			}
			for o, v := range x.F32 {
				idx := unravel(o, x.Shape)
				oi := 0
				for d := range idx {
					if len(c.axes) == 0 || red[d] {
						continue
					}
					oi = oi*x.Shape[d] + idx[d]
				}
				sum[oi] += float64(v)
				mx[oi] = math.Max(mx[oi], float64(v))
				cnt[oi]++
			}
			want := make([]float32, y.Len())
			for i := range want {
				switch op {
				case ReduceSum:
					want[i] = float32(sum[i])
				case ReduceMean:
					want[i] = float32(sum[i] / float64(cnt[i]))
				default:
					want[i] = float32(mx[i])
				}
			}
			assertClose(t, "reduce", y.F32, want, 1e-5)
		}
	}
}

func TestConcatSplitRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	a, b, c := randT(rng, 2, 1, 3), randT(rng, 2, 4, 3), randT(rng, 2, 2, 3)
	y := tensor.New(2, 7, 3)
	if err := Concat(y, []*tensor.Tensor{a, b, c}, 1); err != nil {
		t.Fatal(err)
	}
	for o, v := range y.F32 {
		idx := unravel(o, y.Shape)
		var src *tensor.Tensor
		switch j := idx[1]; {
		case j < 1:
			src = a
		case j < 5:
			src, idx[1] = b, j-1
		default:
			src, idx[1] = c, j-5
		}
		if w := src.F32[bcastOffset(src.Shape, idx)]; v != w {
			t.Fatalf("concat [%v] = %v, want %v", idx, v, w)
		}
	}
	parts := []*tensor.Tensor{tensor.New(2, 1, 3), tensor.New(2, 4, 3), tensor.New(2, 2, 3)}
	if err := Split(parts, y, -2); err != nil {
		t.Fatal(err)
	}
	for i, p := range parts {
		assertClose(t, "split", p.F32, []*tensor.Tensor{a, b, c}[i].F32, 0)
	}
	if err := Concat(tensor.New(2, 6, 3), []*tensor.Tensor{a, b, c}, 1); err == nil {
		t.Error("concat into a short output accepted")
	}
}

func TestSlice(t *testing.T) {
	x := tensor.New(4, 5, 6)
	for i := range x.F32 {
		x.F32[i] = float32(i)
	}
	for _, c := range []struct {
		starts, ends, axes, steps []int
	}{
		{[]int{1, 0}, []int{3, 5}, []int{0, 2}, nil},
		{[]int{-1}, []int{-1000}, []int{1}, []int{-1}},
		{[]int{5, 0, 1}, []int{0, 100, 6}, []int{2, 0, 1}, []int{-2, 3, 2}},
		{[]int{2}, []int{2}, []int{0}, nil},
		{[]int{0, 0, 0}, []int{math.MaxInt, math.MaxInt, math.MaxInt}, nil, nil},
		{[]int{-2}, []int{1}, []int{-1}, []int{-1}},
	} {
		out, err := SliceOutputShape(x.Shape, c.starts, c.ends, c.axes, c.steps)
		if err != nil {
			t.Fatal(err)
		}
		y := tensor.New(out...)
		if err := Slice(y, x, c.starts, c.ends, c.axes, c.steps); err != nil {
			t.Fatal(err)
		}
		// Reference: per axis, list the selected indices with a loop.
		sel := make([][]int, 3)
		for d := range 3 {
			s, e, st := 0, x.Shape[d], 1
			for i := range c.starts {
				a := i
				if c.axes != nil {
					a = (c.axes[i] + 3) % 3
				}
				if a == d {
					s, e = c.starts[i], c.ends[i]
					if c.steps != nil {
						st = c.steps[i]
					}
				}
			}
			n := x.Shape[d]
			if s < 0 {
				s += n
			}
			if e < 0 {
				e += n
			}
			s, e = max(min(s, n), -1), max(min(e, n), -1)
			for j := s; (st > 0 && j < e) || (st < 0 && j > e); j += st {
				if j >= 0 && j < n {
					sel[d] = append(sel[d], j)
				}
			}
		}
		var want []float32
		for _, i := range sel[0] {
			for _, j := range sel[1] {
				for _, k := range sel[2] {
					want = append(want, x.F32[(i*5+j)*6+k])
				}
			}
		}
		if want == nil {
			want = []float32{}
		}
		assertClose(t, "slice", y.F32, want, 0)
	}
	if _, err := SliceOutputShape(x.Shape, []int{0}, []int{1}, []int{0}, []int{0}); err == nil {
		t.Error("step 0 accepted")
	}
}

func TestTranspose(t *testing.T) {
	x := randT(rand.New(rand.NewPCG(4, 4)), 2, 3, 4, 5)
	perm := []int{0, 2, 3, 1}
	y := tensor.New(2, 4, 5, 3)
	if err := Transpose(y, x, perm); err != nil {
		t.Fatal(err)
	}
	for o, v := range y.F32 {
		idx := unravel(o, y.Shape)
		src := make([]int, 4)
		for i, p := range perm {
			src[p] = idx[i]
		}
		if w := x.F32[bcastOffset(x.Shape, src)]; v != w {
			t.Fatalf("transpose %v = %v, want %v", idx, v, w)
		}
	}
	if err := Transpose(y, x, []int{0, 2, 2, 1}); err == nil {
		t.Error("repeated perm accepted")
	}
}

func TestPadModes(t *testing.T) {
	x, _ := tensor.FromF32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	for _, c := range []struct {
		pads []int
		mode PadMode
		want []float32
		out  tensor.Shape
	}{
		{[]int{1, 0, 0, 2}, PadConstant, []float32{9, 9, 9, 9, 9, 1, 2, 3, 9, 9, 4, 5, 6, 9, 9}, tensor.Shape{3, 5}},
		{[]int{0, 2, 0, 1}, PadReflect, []float32{3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5}, tensor.Shape{2, 6}},
		{[]int{1, 1, 0, 0}, PadEdge, []float32{1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6}, tensor.Shape{3, 4}},
		{[]int{0, -1, 0, 1}, PadEdge, []float32{2, 3, 3, 5, 6, 6}, tensor.Shape{2, 3}},
		{[]int{1, 0, 1, 0}, PadReflect, []float32{4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3}, tensor.Shape{4, 3}},
	} {
		out, err := PadOutputShape(x.Shape, c.pads)
		if err != nil || !out.Equal(c.out) {
			t.Fatalf("pads %v: shape %v, %v", c.pads, out, err)
		}
		y := tensor.New(out...)
		if err := Pad(y, x, c.pads, c.mode, 9); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "pad", y.F32, c.want, 0)
	}
	if err := Pad(tensor.New(2, 9), x, []int{0, 3, 0, 3}, PadReflect, 0); err == nil {
		t.Error("reflect pad as long as the axis accepted")
	}
}

func TestGather(t *testing.T) {
	x, _ := tensor.FromF32([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	y := tensor.New(2, 2, 2)
	if err := Gather(y, x, int64T(tensor.Shape{2, 2}, 0, 2, -1, 1), 0); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "gather0", y.F32, []float32{1, 2, 5, 6, 5, 6, 3, 4}, 0)
	y = tensor.New(3)
	if err := Gather(y, x, int64T(tensor.Shape{}, 1), 1); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "gather1", y.F32, []float32{2, 4, 6}, 0)
	if err := Gather(tensor.New(1, 2), x, int64T(tensor.Shape{1}, 3), 0); err == nil {
		t.Error("index 3 of 3 accepted")
	}
}

// TestConcatPartsInPlace runs Concat nodes whose parts their producers
// write straight into the output (one image: Program.inPlace) next to
// parts that must be copied (a graph input, a part used twice), one
// Concat's output itself a part of another, and the same graph on three
// images, where every part is copied (on the workers, with enough
// floats): the outputs match convolutions and copies done apart, and at
// one image only the Concat with parts to copy is left as a step.
func TestConcatPartsInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 21))
	wa, ba := randT(rng, 6, 4, 3, 3), randT(rng, 6)
	wb, bb := randT(rng, 5, 4, 1, 1), randT(rng, 5)
	wc, bc := randT(rng, 3, 21, 1, 1), randT(rng, 3)
	f32 := func(name string, shape ...int) *graph.Value {
		return &graph.Value{Name: name, DType: tensor.Float32, Shape: shape}
	}
	konst := func(name string, t *tensor.Tensor) *graph.Value {
		return &graph.Value{Name: name, DType: tensor.Float32, Shape: t.Shape, Const: t}
	}
	const h, w = 40, 48
	x, a, b, y, c, z := f32("x", -1, 4, h, w), f32("a", -1, 6, h, w), f32("b", -1, 5, h, w), f32("y", -1, 21, h, w),
		f32("c", -1, 3, h, w), f32("z", -1, 24, h, w)
	axis1 := map[string]graph.Attr{"axis": {Kind: graph.AttrIntKind, Int: 1}}
	g := &graph.Graph{Opset: 13, Inputs: []*graph.Value{x}, Outputs: []*graph.Value{c, z},
		Nodes: []*graph.Node{
			{Op: "Conv", Name: "conv_a", Inputs: []*graph.Value{x, konst("wa", wa), konst("ba", ba)}, Outputs: []*graph.Value{a},
				Attrs: map[string]graph.Attr{"pads": {Kind: graph.AttrIntsKind, Ints: []int64{1, 1, 1, 1}}}},
			{Op: "Conv", Name: "conv_b", Inputs: []*graph.Value{x, konst("wb", wb), konst("bb", bb)}, Outputs: []*graph.Value{b}},
			{Op: "Concat", Name: "concat_y", Inputs: []*graph.Value{a, x, b, a}, Outputs: []*graph.Value{y}, Attrs: axis1},
			{Op: "Conv", Name: "conv_c", Inputs: []*graph.Value{y, konst("wc", wc), konst("bc", bc)}, Outputs: []*graph.Value{c}},
			{Op: "Concat", Name: "concat_z", Inputs: []*graph.Value{y, c}, Outputs: []*graph.Value{z}, Attrs: axis1},
		}}
	cat := func(parts ...*tensor.Tensor) *tensor.Tensor {
		n, ch := parts[0].Shape[0], 0
		for _, p := range parts {
			ch += p.Shape[1]
		}
		out := tensor.New(n, ch, h, w)
		off := 0
		for i := range n {
			for _, p := range parts {
				k := p.Shape[1] * h * w
				off += copy(out.F32[off:], p.F32[i*k:(i+1)*k])
			}
		}
		return out
	}
	for name, r := range runners(t) {
		for _, n := range []int{1, 3} {
			prog, err := Compile(g, map[string]tensor.Shape{"x": {n, 4, h, w}}, r)
			if err != nil {
				t.Fatal(err)
			}
			xt, _ := prog.Input("x")
			for i := range xt.F32 {
				xt.F32[i] = rng.Float32()*2 - 1
			}
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			at := refConv(xt, wa, ba.F32, nil, ConvParams{Pads: [4]int{1, 1, 1, 1}})
			bt := refConv(xt, wb, bb.F32, nil, ConvParams{})
			yt := cat(at, xt, bt, at)
			ct := refConv(yt, wc, bc.F32, nil, ConvParams{})
			zt := cat(yt, ct)
			gotC, _ := prog.Output("c")
			gotZ, _ := prog.Output("z")
			what := fmt.Sprintf("%s, %d images", name, n)
			assertClose(t, what+": c", gotC.F32, ct.F32, 1e-4)
			assertClose(t, what+": z", gotZ.F32, zt.F32, 1e-4)
			var concats []string
			for _, s := range prog.steps {
				if s.node.Op == "Concat" {
					concats = append(concats, s.node.Name)
				}
			}
			want := []string{"concat_y", "concat_z"}
			if n == 1 {
				want = want[:1]
			}
			if !slices.Equal(concats, want) {
				t.Errorf("%s: Concat steps %v, want %v", what, concats, want)
			}
		}
	}
}
