package cpu

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// Integer Add/Sub/Mul/Div/Pow/Min/Max broadcast like the float ones, in
// int64 and int32; Div truncates toward zero (onnxruntime's C++ division)
// and by zero is an error.
func TestBinaryIntegers(t *testing.T) {
	a := []int64{-7, 7, 9, -9, 0, 100}
	b := []int64{2, -3}
	want := map[BinaryOp]func(x, y int64) int64{
		OpAdd: func(x, y int64) int64 { return x + y },
		OpSub: func(x, y int64) int64 { return x - y },
		OpMul: func(x, y int64) int64 { return x * y },
		OpDiv: func(x, y int64) int64 { return x / y },
		OpPow: func(x, y int64) int64 { return int64(math.Pow(float64(x), float64(y))) },
		OpMin: func(x, y int64) int64 { return min(x, y) },
		OpMax: func(x, y int64) int64 { return max(x, y) },
	}
	for _, dt := range []tensor.DType{tensor.Int64, tensor.Int32} {
		ta, tb := intTensor(dt, a, 3, 2), intTensor(dt, b, 2) // [3,2] op [2]
		for op, f := range want {
			dst := intTensor(dt, make([]int64, 6), 3, 2)
			if err := Binary(op, dst, ta, tb); err != nil {
				t.Fatalf("%v op %d: %v", dt, op, err)
			}
			got, _ := graph.Int64s(dst)
			for i := range a {
				if w := f(a[i], b[i%2]); got[i] != w {
					t.Errorf("%v op %d: element %d = %d, want %d", dt, op, i, got[i], w)
				}
			}
		}
		zero := intTensor(dt, []int64{0}, 1)
		if err := Binary(OpDiv, intTensor(dt, make([]int64, 6), 3, 2), ta, zero); !errors.Is(err, errIntDivZero) {
			t.Errorf("%v division by zero: %v", dt, err)
		}
		if err := Binary(OpAdd, intTensor(dt, make([]int64, 6), 3, 2), ta, tensor.New(2)); err == nil {
			t.Errorf("%v + float32 accepted", dt)
		}
	}
}

func intTensor(dt tensor.DType, v []int64, shape ...int) *tensor.Tensor {
	t := graph.Int64Tensor(v, shape...)
	if dt == tensor.Int64 {
		return t
	}
	c := &tensor.Tensor{DType: tensor.Int32, Shape: t.Shape, Raw: make([]byte, 4*len(v))}
	for i, x := range v {
		c.Raw[4*i], c.Raw[4*i+1], c.Raw[4*i+2], c.Raw[4*i+3] = byte(x), byte(x>>8), byte(x>>16), byte(x>>24)
	}
	return c
}

// A graph doing index arithmetic on run-time int64 data (x // 3 * x)
// compiles and runs.
func TestIntegerArithmeticInAGraph(t *testing.T) {
	three := graph.Int64Tensor([]int64{3})
	three.Name = "three"
	x := &graph.Value{Name: "x", DType: tensor.Int64, Shape: tensor.Shape{-1}}
	c := &graph.Value{Name: "three", DType: tensor.Int64, Shape: tensor.Shape{1}, Const: three}
	d := &graph.Value{Name: "d"}
	y := &graph.Value{Name: "y"}
	g := &graph.Graph{Name: "ints", Opset: 17, Inputs: []*graph.Value{x}, Outputs: []*graph.Value{y},
		Initializers: map[string]*tensor.Tensor{"three": three},
		Nodes: []*graph.Node{
			{Op: "Div", Name: "div", Inputs: []*graph.Value{x, c}, Outputs: []*graph.Value{d}},
			{Op: "Mul", Name: "mul", Inputs: []*graph.Value{d, x}, Outputs: []*graph.Value{y}},
		}}
	r := NewRunner(Options{Workers: 1})
	defer r.Close()
	p, err := Compile(g, map[string]tensor.Shape{"x": {4}}, r)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := p.Input("x")
	copy(in.Raw, graph.Int64Tensor([]int64{10, -10, 2, 9}).Raw)
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	out, _ := p.Output("y")
	got, _ := graph.Int64s(out)
	if want := []int64{30, 30, 0, 27}; !slices.Equal(got, want) {
		t.Fatalf("x // 3 * x = %v, want %v", got, want)
	}
}
