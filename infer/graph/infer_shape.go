package graph

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/tensor"
)

// param reads a list parameter that older opsets carry as the attribute
// attr and newer ones as input i. present is false when neither is given;
// known is false when the input is not a constant.
func param(n *Node, attr string, i int) (vals []int, present, known bool, err error) {
	if a, ok := n.Attrs[attr]; ok {
		if a.Kind == AttrFloatsKind {
			return nil, true, false, nil
		}
		return n.AttrInts(attr), true, true, nil
	}
	v := n.In(i)
	if v == nil {
		return nil, false, true, nil
	}
	if v.Const == nil {
		return nil, true, false, nil
	}
	xs, err := Int64s(v.Const)
	if err != nil {
		return nil, true, false, fmt.Errorf("input %q: %v", v.Name, err)
	}
	vals = make([]int, len(xs))
	for j, x := range xs {
		switch {
		case x > math.MaxInt32:
			vals[j] = math.MaxInt32
		case x < math.MinInt32:
			vals[j] = math.MinInt32
		default:
			vals[j] = int(x)
		}
	}
	return vals, true, true, nil
}

// unknown returns a shape of rank r with every dimension unknown.
func unknown(r int) tensor.Shape {
	s := make(tensor.Shape, r)
	for i := range s {
		s[i] = -1
	}
	return s
}

func inferReshape(n *Node, _ int) error {
	if err := need(n, 2); err != nil {
		return err
	}
	x := n.Inputs[0]
	spec, _, known, err := param(n, "shape", 1)
	if err != nil || !known {
		var r tensor.Shape
		if s := n.Inputs[1].Shape; len(s) == 1 && s[0] >= 0 {
			r = unknown(s[0])
		}
		set(n, 0, x.DType, r)
		return err
	}
	allowZero := n.AttrInt("allowzero", 0) != 0
	out := make(tensor.Shape, len(spec))
	infer, prod := -1, 1
	for i, d := range spec {
		switch {
		case d == 0 && !allowZero:
			if x.Shape == nil || i >= len(x.Shape) {
				set(n, 0, x.DType, unknown(len(spec)))
				return nil
			}
			out[i] = x.Shape[i]
		case d == -1 && infer < 0:
			infer = i
			continue
		case d < 0:
			return fmt.Errorf("shape %v: bad dimension %d", spec, d)
		default:
			out[i] = d
		}
		if out[i] < 0 {
			prod = -1
		} else if prod >= 0 {
			prod *= out[i]
		}
	}
	total := x.Shape.NumElements()
	if x.Shape == nil {
		total = -1
	}
	if infer >= 0 {
		out[infer] = -1
		if total >= 0 && prod > 0 {
			if total%prod != 0 {
				return fmt.Errorf("cannot reshape %v to %v", x.Shape, spec)
			}
			out[infer] = total / prod
		}
	} else if total >= 0 && prod >= 0 && total != prod {
		return fmt.Errorf("cannot reshape %v (%d elements) to %v", x.Shape, total, out)
	}
	set(n, 0, x.DType, out)
	return nil
}

func inferSqueeze(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	axes, present, known, err := param(n, "axes", 1)
	if err != nil || x.Shape == nil || !known {
		set(n, 0, x.DType, nil)
		return err
	}
	drop := map[int]bool{}
	for _, a := range axes {
		a, err := normAxis(a, len(x.Shape))
		if err != nil {
			return err
		}
		if x.Shape[a] > 1 {
			return fmt.Errorf("cannot squeeze axis %d of %v", a, x.Shape)
		}
		drop[a] = true
	}
	out := tensor.Shape{}
	for i, d := range x.Shape {
		if !present && d < 0 {
			set(n, 0, x.DType, nil)
			return nil
		}
		if drop[i] || (!present && d == 1) {
			continue
		}
		out = append(out, d)
	}
	set(n, 0, x.DType, out)
	return nil
}

func inferUnsqueeze(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	axes, present, known, err := param(n, "axes", 1)
	if err != nil || x.Shape == nil || !known {
		set(n, 0, x.DType, nil)
		return err
	}
	if !present {
		return fmt.Errorf("no axes")
	}
	r := len(x.Shape) + len(axes)
	ins := make([]bool, r)
	for _, a := range axes {
		a, err := normAxis(a, r)
		if err != nil {
			return err
		}
		if ins[a] {
			return fmt.Errorf("axis %d repeated", a)
		}
		ins[a] = true
	}
	out, j := make(tensor.Shape, r), 0
	for i := range out {
		if ins[i] {
			out[i] = 1
			continue
		}
		out[i] = x.Shape[j]
		j++
	}
	set(n, 0, x.DType, out)
	return nil
}

func inferSplit(n *Node, opset int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	k := len(n.Outputs)
	split, present, known, err := param(n, "split", 1)
	if err != nil || x.Shape == nil || !known {
		for i := range n.Outputs {
			set(n, i, x.DType, nil)
		}
		return err
	}
	axis, err := normAxis(n.AttrInt("axis", 0), len(x.Shape))
	if err != nil {
		return err
	}
	d := x.Shape[axis]
	if !present {
		split = make([]int, k)
		for i := range split {
			split[i] = -1
			if d >= 0 {
				split[i] = (d + k - 1) / k
				if i == k-1 {
					split[i] = d - (k-1)*split[i]
				}
			}
		}
	}
	if len(split) != k {
		return fmt.Errorf("split %v for %d outputs", split, k)
	}
	sum := 0
	for i, s := range split {
		if present && s < 0 {
			return fmt.Errorf("split %v has a negative size", split)
		}
		sum += s
		o := cloneShape(x.Shape)
		o[axis] = s
		set(n, i, x.DType, o)
	}
	if present && d >= 0 && sum != d {
		return fmt.Errorf("split %v does not sum to %d", split, d)
	}
	return nil
}

// sliceRange clamps one Slice axis as ONNX defines it and returns its
// start, step and length.
func sliceRange(start, end, step, dim int) (int, int) {
	clamp := func(v, lo, hi int) int { return min(max(v, lo), hi) }
	if start < 0 {
		start += dim
	}
	if end < 0 {
		end += dim
	}
	if step > 0 {
		start, end = clamp(start, 0, dim), clamp(end, 0, dim)
		return start, max(0, (end-start+step-1)/step)
	}
	start, end = clamp(start, -1, dim-1), clamp(end, -1, dim-1)
	return start, max(0, (start-end-step-1)/(-step))
}

// sliceParams returns per-axis start and step and the output shape.
func sliceParams(n *Node, x tensor.Shape) (starts, steps []int, out tensor.Shape, ok bool, err error) {
	st, _, k1, err1 := param(n, "starts", 1)
	en, _, k2, err2 := param(n, "ends", 2)
	axes, hasAxes, k3, err3 := param(n, "axes", 3)
	stp, hasSteps, k4, err4 := param(n, "steps", 4)
	for _, e := range []error{err1, err2, err3, err4} {
		if e != nil {
			return nil, nil, nil, false, e
		}
	}
	if !(k1 && k2 && k3 && k4) || x == nil {
		return nil, nil, nil, false, nil
	}
	if len(st) != len(en) || (hasAxes && len(axes) != len(st)) || (hasSteps && len(stp) != len(st)) {
		return nil, nil, nil, false, fmt.Errorf("starts %v, ends %v, axes %v, steps %v differ in length", st, en, axes, stp)
	}
	out = cloneShape(x)
	starts, steps = make([]int, len(x)), make([]int, len(x))
	for i := range steps {
		steps[i] = 1
	}
	for i := range st {
		a, step := i, 1
		if hasAxes {
			if a, err = normAxis(axes[i], len(x)); err != nil {
				return nil, nil, nil, false, err
			}
		}
		if hasSteps {
			step = stp[i]
		}
		if step == 0 {
			return nil, nil, nil, false, fmt.Errorf("step 0")
		}
		if x[a] < 0 {
			out[a] = -1
			continue
		}
		starts[a], out[a] = sliceRange(st[i], en[i], step, x[a])
		steps[a] = step
	}
	return starts, steps, out, true, nil
}

func inferSlice(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	_, _, out, ok, err := sliceParams(n, x.Shape)
	if !ok && x.Shape != nil {
		out = unknown(len(x.Shape))
	}
	set(n, 0, x.DType, out)
	return err
}
