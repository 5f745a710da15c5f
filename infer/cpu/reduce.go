package cpu

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/tensor"
)

// normAxis turns a possibly negative axis into [0, rank).
func normAxis(what string, axis, rank int) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, fmt.Errorf("cpu: %s: axis %d out of range for rank %d", what, axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

// around splits shape s at axis into the products of the dimensions before
// it and after it.
func around(s tensor.Shape, axis int) (outer, inner int) {
	outer, inner = 1, 1
	for _, d := range s[:axis] {
		outer *= d
	}
	for _, d := range s[axis+1:] {
		inner *= d
	}
	return outer, inner
}

// Softmax computes ONNX (opset 13) Softmax along one axis; dst may be x.
func Softmax(dst, x *tensor.Tensor, axis int) error {
	axis, err := normAxis("softmax", axis, len(x.Shape))
	if err != nil {
		return err
	}
	if err := checkF32("softmax: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("softmax: output", dst, x.Shape); err != nil {
		return err
	}
	outer, inner := around(x.Shape, axis)
	n := x.Shape[axis]
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*n*inner + i
			m := float32(math.Inf(-1))
			for j := 0; j < n; j++ {
				m = max(m, x.F32[base+j*inner])
			}
			var s float64
			for j := 0; j < n; j++ {
				e := math.Exp(float64(x.F32[base+j*inner] - m))
				dst.F32[base+j*inner] = float32(e)
				s += e
			}
			inv := float32(1 / s)
			for j := 0; j < n; j++ {
				dst.F32[base+j*inner] *= inv
			}
		}
	}
	return nil
}

// ReduceOp is a reduction.
type ReduceOp int

// Reductions, as ONNX names them.
const (
	ReduceSum  ReduceOp = iota // ReduceSum
	ReduceMean                 // ReduceMean
	ReduceMax                  // ReduceMax
)

// reducePlan marks the reduced axes; an empty axes list reduces all.
func reducePlan(x tensor.Shape, axes []int, keepdims bool) (red [maxRank]bool, out [maxRank]int, rank int, err error) {
	if len(x) > maxRank {
		return red, out, 0, fmt.Errorf("cpu: reduce: rank %d over %d", len(x), maxRank)
	}
	for _, a := range axes {
		a, err = normAxis("reduce", a, len(x))
		if err != nil {
			return red, out, 0, err
		}
		red[a] = true
	}
	for i, d := range x {
		if len(axes) == 0 {
			red[i] = true
		}
		if !red[i] {
			out[rank], rank = d, rank+1
		} else if keepdims {
			out[rank], rank = 1, rank+1
		}
	}
	return red, out, rank, nil
}

// ReduceOutputShape returns the shape a reduction over axes gives.
func ReduceOutputShape(x tensor.Shape, axes []int, keepdims bool) (tensor.Shape, error) {
	_, out, rank, err := reducePlan(x, axes, keepdims)
	if err != nil {
		return nil, err
	}
	return append(tensor.Shape{}, out[:rank]...), nil
}

// Reduce computes ReduceSum, ReduceMean or ReduceMax over axes (all when
// empty), keeping reduced dimensions as 1s when keepdims is set.
func Reduce(op ReduceOp, dst, x *tensor.Tensor, axes []int, keepdims bool) error {
	red, out, rank, err := reducePlan(x.Shape, axes, keepdims)
	if err != nil {
		return err
	}
	if err := checkF32("reduce: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("reduce: output", dst, out[:rank]); err != nil {
		return err
	}
	// Output strides over the input's dimensions, 0 on reduced ones.
	var ostr [maxRank]int
	acc := 1
	for i := len(x.Shape) - 1; i >= 0; i-- {
		if !red[i] {
			ostr[i], acc = acc, acc*x.Shape[i]
		}
	}
	init := float32(0)
	if op == ReduceMax {
		init = float32(math.Inf(-1))
	}
	y := dst.F32[:dst.Len()]
	for i := range y {
		y[i] = init
	}
	var idx [maxRank]int
	r := len(x.Shape)
	o := 0
	for _, v := range x.F32[:x.Len()] {
		if op == ReduceMax {
			y[o] = max(y[o], v)
		} else {
			y[o] += v
		}
		for d := r - 1; d >= 0; d-- { // odometer step
			idx[d]++
			o += ostr[d]
			if idx[d] < x.Shape[d] {
				break
			}
			o -= ostr[d] * idx[d]
			idx[d] = 0
		}
	}
	if op == ReduceMean && len(y) > 0 {
		inv := float32(len(y)) / float32(x.Len())
		for i := range y {
			y[i] *= inv
		}
	}
	return nil
}
