package graph

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/tensor"
)

func inferResize(n *Node, opset int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	if x.Shape == nil {
		set(n, 0, x.DType, nil)
		return nil
	}
	out := unknown(len(x.Shape))
	set(n, 0, x.DType, out)
	var scales []float32
	sizesIdx, scalesIdx := 3, 2
	if n.Op == "Upsample" || opset < 11 {
		scalesIdx = 1
	}
	if a, ok := n.Attrs["scales"]; ok {
		scales = a.Floats
	} else if v := n.In(scalesIdx); v != nil && v.Const != nil && v.Const.Len() > 0 {
		scales = v.Const.F32
	}
	if v := n.In(sizesIdx); n.Op == "Resize" && v != nil && v.Const != nil && v.Const.Len() > 0 {
		sizes, err := Int64s(v.Const)
		if err != nil || len(sizes) != len(out) {
			return fmt.Errorf("sizes %v for rank %d: %v", sizes, len(out), err)
		}
		for i, s := range sizes {
			if s < 0 || s > maxElements {
				return fmt.Errorf("sizes %v out of range", sizes)
			}
			out[i] = int(s)
		}
		return nil
	}
	if scales == nil {
		return nil
	}
	if len(scales) != len(out) {
		return fmt.Errorf("scales %v for rank %d", scales, len(out))
	}
	for i, s := range scales {
		if !(s > 0) || s > 1e6 {
			return fmt.Errorf("scale %v out of range", s)
		}
		if x.Shape[i] >= 0 {
			out[i] = int(math.Floor(float64(x.Shape[i]) * float64(s)))
		}
	}
	return nil
}

// inferReduce handles ReduceMean/Max/Sum: axes from the attribute (older
// opsets) or input 1, keepdims, noop_with_empty_axes.
func inferReduce(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	axes, present, known, err := param(n, "axes", 1)
	if err != nil || x.Shape == nil || !known {
		set(n, 0, x.DType, nil)
		return err
	}
	red := make([]bool, len(x.Shape))
	for _, a := range axes {
		a, err := normAxis(a, len(x.Shape))
		if err != nil {
			return err
		}
		red[a] = true
	}
	if !present || len(axes) == 0 {
		noop := n.AttrInt("noop_with_empty_axes", 0) != 0
		for i := range red {
			red[i] = !noop
		}
	}
	keep := n.AttrInt("keepdims", 1) != 0
	out := tensor.Shape{}
	for i, d := range x.Shape {
		switch {
		case !red[i]:
			out = append(out, d)
		case keep:
			out = append(out, 1)
		}
	}
	set(n, 0, x.DType, out)
	return nil
}

func inferArgMax(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	if x.Shape == nil {
		set(n, 0, tensor.Int64, nil)
		return nil
	}
	a, err := normAxis(n.AttrInt("axis", 0), len(x.Shape))
	if err != nil {
		return err
	}
	out := tensor.Shape{}
	for i, d := range x.Shape {
		if i != a {
			out = append(out, d)
		} else if n.AttrInt("keepdims", 1) != 0 {
			out = append(out, 1)
		}
	}
	set(n, 0, tensor.Int64, out)
	return nil
}

func inferPad(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	pads, _, known, err := param(n, "pads", 1)
	if err != nil || x.Shape == nil || !known {
		if x.Shape != nil {
			set(n, 0, x.DType, unknown(len(x.Shape)))
			return err
		}
		set(n, 0, x.DType, nil)
		return err
	}
	r := len(x.Shape)
	axes, hasAxes, _, err := param(n, "", 3)
	if err != nil {
		return err
	}
	if !hasAxes {
		axes = make([]int, r)
		for i := range axes {
			axes[i] = i
		}
	}
	if len(pads) != 2*len(axes) {
		return fmt.Errorf("pads %v for %d axes", pads, len(axes))
	}
	out := cloneShape(x.Shape)
	for i, a := range axes {
		a, err := normAxis(a, r)
		if err != nil {
			return err
		}
		if out[a] >= 0 {
			out[a] += pads[i] + pads[i+len(axes)]
			if out[a] < 0 {
				return fmt.Errorf("pads %v make dimension %d negative", pads, a)
			}
		}
	}
	set(n, 0, x.DType, out)
	return nil
}

func inferShapeOp(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0].Shape
	if x == nil {
		set(n, 0, tensor.Int64, tensor.Shape{-1})
		return nil
	}
	start, end := shapeOpRange(n, len(x))
	set(n, 0, tensor.Int64, tensor.Shape{end - start})
	return nil
}

// shapeOpRange applies Shape's start and end attributes (opset 15).
func shapeOpRange(n *Node, r int) (int, int) {
	start, end := n.AttrInt("start", 0), n.AttrInt("end", r)
	if start < 0 {
		start += r
	}
	if end < 0 {
		end += r
	}
	start, end = min(max(start, 0), r), min(max(end, 0), r)
	return start, max(start, end)
}

func inferGather(n *Node, _ int) error {
	if err := need(n, 2); err != nil {
		return err
	}
	x, idx := n.Inputs[0], n.Inputs[1]
	if x.Shape == nil || idx.Shape == nil {
		set(n, 0, x.DType, nil)
		return nil
	}
	a, err := normAxis(n.AttrInt("axis", 0), len(x.Shape))
	if err != nil {
		return err
	}
	out := append(append(append(tensor.Shape{}, x.Shape[:a]...), idx.Shape...), x.Shape[a+1:]...)
	set(n, 0, x.DType, out)
	return nil
}

func inferConstant(n *Node, _ int) error {
	t, err := constantValue(n)
	if err != nil {
		return err
	}
	set(n, 0, t.DType, cloneShape(t.Shape))
	n.Outputs[0].Const = t
	return nil
}

// constantValue returns a Constant node's tensor from whichever attribute
// carries it.
func constantValue(n *Node) (*tensor.Tensor, error) {
	if a, ok := n.Attrs["value"]; ok {
		return a.Tensor, nil
	}
	if a, ok := n.Attrs["value_float"]; ok {
		return &tensor.Tensor{DType: tensor.Float32, Shape: tensor.Shape{}, F32: []float32{a.Float}}, nil
	}
	if a, ok := n.Attrs["value_floats"]; ok {
		return &tensor.Tensor{DType: tensor.Float32, Shape: tensor.Shape{len(a.Floats)}, F32: a.Floats}, nil
	}
	if a, ok := n.Attrs["value_int"]; ok {
		return Int64Tensor([]int64{a.Int}), nil
	}
	if a, ok := n.Attrs["value_ints"]; ok {
		return Int64Tensor(a.Ints, len(a.Ints)), nil
	}
	return nil, fmt.Errorf("no value attribute (value, value_float(s), value_int(s))")
}

func inferConstantOfShape(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	dt := tensor.Float32
	if a, ok := n.Attrs["value"]; ok {
		dt = a.Tensor.DType
		if a.Tensor.Len() != 1 {
			return fmt.Errorf("value must hold one element")
		}
	}
	dims, _, known, err := param(n, "", 0)
	if err != nil || !known {
		var out tensor.Shape
		if s := n.Inputs[0].Shape; len(s) == 1 && s[0] >= 0 {
			out = unknown(s[0])
		}
		set(n, 0, dt, out)
		return err
	}
	for _, d := range dims {
		if d < 0 {
			return fmt.Errorf("shape %v has a negative dimension", dims)
		}
	}
	set(n, 0, dt, tensor.Shape(dims))
	return nil
}

func inferTopK(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	if x.Shape == nil {
		set(n, 0, x.DType, nil)
		set(n, 1, tensor.Int64, nil)
		return nil
	}
	a, err := normAxis(n.AttrInt("axis", -1), len(x.Shape))
	if err != nil {
		return err
	}
	k := n.AttrInt("k", -1)
	if ks, present, known, err := param(n, "", 1); err != nil {
		return err
	} else if present && known && len(ks) == 1 {
		k = ks[0]
	}
	if x.Shape[a] >= 0 && k > x.Shape[a] {
		return fmt.Errorf("k %d is more than dimension %d of %v", k, a, x.Shape)
	}
	out := cloneShape(x.Shape)
	out[a] = max(k, -1)
	set(n, 0, x.DType, out)
	set(n, 1, tensor.Int64, cloneShape(out))
	return nil
}

func inferExpand(n *Node, _ int) error {
	if err := need(n, 2); err != nil {
		return err
	}
	x := n.Inputs[0]
	dims, _, known, err := param(n, "", 1)
	if err != nil || !known {
		set(n, 0, x.DType, nil)
		return err
	}
	out, err := broadcast(x.Shape, tensor.Shape(dims))
	set(n, 0, x.DType, out)
	return err
}

func inferTile(n *Node, _ int) error {
	if err := need(n, 2); err != nil {
		return err
	}
	x := n.Inputs[0]
	reps, _, known, err := param(n, "", 1)
	if err != nil || !known || x.Shape == nil {
		set(n, 0, x.DType, nil)
		return err
	}
	if len(reps) != len(x.Shape) {
		return fmt.Errorf("repeats %v for rank %d", reps, len(x.Shape))
	}
	out := cloneShape(x.Shape)
	for i, r := range reps {
		if r < 0 {
			return fmt.Errorf("repeats %v negative", reps)
		}
		if out[i] >= 0 {
			out[i] *= r
		}
	}
	set(n, 0, x.DType, out)
	return nil
}

func inferRange(n *Node, _ int) error {
	if err := need(n, 3); err != nil {
		return err
	}
	set(n, 0, n.Inputs[0].DType, tensor.Shape{-1})
	var v [3]float64
	for i := range v {
		c := n.Inputs[i].Const
		if c == nil {
			return nil
		}
		xs, err := numbers(c)
		if err != nil || len(xs) != 1 {
			return fmt.Errorf("input %d must be a scalar", i)
		}
		v[i] = xs[0]
	}
	if v[2] == 0 {
		return fmt.Errorf("delta is 0")
	}
	k := math.Max(0, math.Ceil((v[1]-v[0])/v[2]))
	if k > maxElements {
		return fmt.Errorf("range of %v elements", k)
	}
	set(n, 0, n.Inputs[0].DType, tensor.Shape{int(k)})
	return nil
}
