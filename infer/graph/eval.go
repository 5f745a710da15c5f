package graph

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/tensor"
)

// foldLimit is the largest result constant folding computes; bigger
// constants (a reshaped weight, say) are left to the backends.
const foldLimit = 1 << 16

// evalConst computes a node's outputs when they are known before running:
// its inputs are constants (or, for Shape, its input's shape is known). It is
// what turns PyTorch's Shape→Gather→Unsqueeze→Concat chains into constants.
func evalConst(n *Node) error {
	out := n.Outputs[0]
	if out.Const != nil || out.Shape == nil {
		return nil
	}
	if k := out.Shape.NumElements(); k < 0 || k > foldLimit {
		return nil
	}
	if n.Op == "Shape" {
		s := n.Inputs[0].Shape
		start, end := shapeOpRange(n, len(s))
		dims := make([]int64, 0, end-start)
		for _, d := range s[start:end] {
			if d < 0 {
				return nil
			}
			dims = append(dims, int64(d))
		}
		out.Const = Int64Tensor(dims, len(dims))
		return nil
	}
	fn := evalFuncs[n.Op]
	if fn == nil || len(n.Outputs) != 1 && n.Op != "Dropout" {
		return nil
	}
	var args [][]float64
	for _, v := range n.Inputs {
		if v == nil {
			args = append(args, nil)
			continue
		}
		if v.Const == nil || v.Shape == nil {
			return nil
		}
		xs, err := numbers(v.Const)
		if err != nil {
			return fmt.Errorf("constant %q: %v", v.Name, err)
		}
		args = append(args, xs)
	}
	res, err := fn(n, args)
	if err != nil || res == nil {
		return err
	}
	if len(res) != out.Shape.NumElements() {
		return fmt.Errorf("folding produced %d elements for shape %v", len(res), out.Shape)
	}
	out.Const = fromNumbers(out.DType, out.Shape, res)
	out.Const.Name = out.Name
	return nil
}

type evalFunc func(n *Node, args [][]float64) ([]float64, error)

var evalFuncs map[string]evalFunc

func init() {
	same := func(n *Node, a [][]float64) ([]float64, error) { return a[0], nil }
	evalFuncs = map[string]evalFunc{
		"Identity": same, "Dropout": same, "Cast": evalCast, "Reshape": same, "Flatten": same,
		"Squeeze": same, "Unsqueeze": same, "Concat": evalConcat, "Gather": evalGather,
		"Slice": evalSlice, "Where": evalWhere, "ConstantOfShape": evalConstantOfShape, "Range": evalRange,
		"Neg": unaryOp(func(x float64) float64 { return -x }), "Floor": unaryOp(math.Floor),
		"Ceil": unaryOp(math.Ceil), "Sqrt": unaryOp(math.Sqrt),
		"Add": binaryOp(func(a, b float64) float64 { return a + b }), "Sub": binaryOp(func(a, b float64) float64 { return a - b }),
		"Mul": binaryOp(func(a, b float64) float64 { return a * b }), "Div": binaryOp(func(a, b float64) float64 { return a / b }),
		"Min": binaryOp(math.Min), "Max": binaryOp(math.Max), "Pow": binaryOp(math.Pow),
		"Equal": binaryOp(func(a, b float64) float64 {
			if a == b {
				return 1
			}
			return 0
		}),
	}
}

func unaryOp(f func(float64) float64) evalFunc {
	return func(n *Node, a [][]float64) ([]float64, error) {
		out := make([]float64, len(a[0]))
		for i, x := range a[0] {
			out[i] = f(x)
		}
		return out, nil
	}
}

func isInt(dt tensor.DType) bool { return dt != tensor.Float32 && dt != tensor.Float16 }

func binaryOp(f func(a, b float64) float64) evalFunc {
	return func(n *Node, a [][]float64) ([]float64, error) {
		if len(a) != 2 {
			return nil, nil
		}
		out := n.Outputs[0].Shape
		ia := bcastOffsets(out, n.Inputs[0].Shape)
		ib := bcastOffsets(out, n.Inputs[1].Shape)
		res := make([]float64, len(ia))
		integer := isInt(n.Inputs[0].DType)
		for i := range res {
			x, y := a[0][ia[i]], a[1][ib[i]]
			if integer && n.Op == "Div" {
				if y == 0 {
					return nil, fmt.Errorf("integer division by zero")
				}
				res[i] = math.Trunc(x / y)
				continue
			}
			res[i] = f(x, y)
		}
		return res, nil
	}
}

// strides returns row-major strides for s.
func strides(s tensor.Shape) []int {
	st := make([]int, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = acc
		acc *= s[i]
	}
	return st
}

// bcastOffsets maps every element of out to the element of in (a shape
// broadcastable to out) that it reads.
func bcastOffsets(out, in tensor.Shape) []int {
	n := out.NumElements()
	res := make([]int, n)
	ost, ist := strides(out), strides(in)
	off := len(out) - len(in)
	for i := range res {
		rem, o := i, 0
		for d := range out {
			idx := rem / ost[d]
			rem %= ost[d]
			if j := d - off; j >= 0 && in[j] != 1 {
				o += idx * ist[j]
			}
		}
		res[i] = o
	}
	return res
}

func evalCast(n *Node, a [][]float64) ([]float64, error) {
	if !isInt(n.Outputs[0].DType) {
		return a[0], nil
	}
	out := make([]float64, len(a[0]))
	for i, x := range a[0] {
		out[i] = math.Trunc(x)
		if n.Outputs[0].DType == tensor.Bool && x != 0 {
			out[i] = 1
		}
	}
	return out, nil
}

func evalConcat(n *Node, a [][]float64) ([]float64, error) {
	out := n.Outputs[0].Shape
	axis, _ := normAxis(n.AttrInt("axis", 0), len(out))
	outer := out[:axis].NumElements()
	res := make([]float64, 0, out.NumElements())
	for o := 0; o < outer; o++ {
		for i, v := range n.Inputs {
			chunk := v.Shape[axis:].NumElements()
			res = append(res, a[i][o*chunk:(o+1)*chunk]...)
		}
	}
	return res, nil
}

func evalGather(n *Node, a [][]float64) ([]float64, error) {
	x := n.Inputs[0].Shape
	axis, _ := normAxis(n.AttrInt("axis", 0), len(x))
	outer, inner, dim := x[:axis].NumElements(), x[axis+1:].NumElements(), x[axis]
	res := make([]float64, 0, n.Outputs[0].Shape.NumElements())
	for o := 0; o < outer; o++ {
		for _, f := range a[1] {
			k := int(f)
			if k < 0 {
				k += dim
			}
			if k < 0 || k >= dim {
				return nil, fmt.Errorf("index %v out of range for dimension %d", f, dim)
			}
			base := (o*dim + k) * inner
			res = append(res, a[0][base:base+inner]...)
		}
	}
	return res, nil
}

func evalSlice(n *Node, a [][]float64) ([]float64, error) {
	x := n.Inputs[0].Shape
	starts, steps, out, ok, err := sliceParams(n, x)
	if !ok || err != nil {
		return nil, err
	}
	ist, ost := strides(x), strides(out)
	res := make([]float64, out.NumElements())
	for i := range res {
		rem, off := i, 0
		for d := range out {
			idx := rem / ost[d]
			rem %= ost[d]
			off += (starts[d] + idx*steps[d]) * ist[d]
		}
		res[i] = a[0][off]
	}
	return res, nil
}

func evalWhere(n *Node, a [][]float64) ([]float64, error) {
	out := n.Outputs[0].Shape
	c, x, y := bcastOffsets(out, n.Inputs[0].Shape), bcastOffsets(out, n.Inputs[1].Shape), bcastOffsets(out, n.Inputs[2].Shape)
	res := make([]float64, len(c))
	for i := range res {
		if a[0][c[i]] != 0 {
			res[i] = a[1][x[i]]
		} else {
			res[i] = a[2][y[i]]
		}
	}
	return res, nil
}

func evalConstantOfShape(n *Node, _ [][]float64) ([]float64, error) {
	v := 0.0
	if at, ok := n.Attrs["value"]; ok {
		xs, err := numbers(at.Tensor)
		if err != nil || len(xs) != 1 {
			return nil, fmt.Errorf("value: %v", err)
		}
		v = xs[0]
	}
	res := make([]float64, n.Outputs[0].Shape.NumElements())
	for i := range res {
		res[i] = v
	}
	return res, nil
}

func evalRange(n *Node, a [][]float64) ([]float64, error) {
	res := make([]float64, n.Outputs[0].Shape.NumElements())
	for i := range res {
		res[i] = a[0][0] + float64(i)*a[2][0]
	}
	return res, nil
}
