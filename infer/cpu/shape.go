package cpu

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/dsgo/dsgo/infer/tensor"
)

// Concat joins inputs along axis into dst; all other dimensions must agree
// and dst must have the joined shape.
func Concat(dst *tensor.Tensor, inputs []*tensor.Tensor, axis int) error {
	if len(inputs) == 0 {
		return fmt.Errorf("cpu: concat: no inputs")
	}
	return concatSplit("concat", dst, inputs, axis, true)
}

// concatParallelFloats is the fewest floats a Concat step copies on the
// workers.
const concatParallelFloats = 16 << 10

// concatTask copies the parts of a Concat that are not in place into its
// output: per work item an image (outer index), or with slices > 1 a
// slice of its planes (inner elements).
type concatTask struct {
	out               *tensor.Tensor
	parts             []concatPart
	outer, inner, row int // row: the elements of an image's output
	slices            int
}

// concatPart is a part to copy and where it goes in an image's output:
// n elements from off.
type concatPart struct {
	t      *tensor.Tensor
	off, n int
}

func (t *concatTask) run(_, lo, hi int) {
	for i := lo; i < hi; i++ {
		o, s := i/t.slices, i%t.slices
		y := t.out.F32[o*t.row:][:t.row]
		for _, pt := range t.parts {
			x := pt.t.F32[o*pt.n:][:pt.n]
			if t.slices == 1 {
				copy(y[pt.off:pt.off+pt.n], x)
				continue
			}
			a, b := s*t.inner/t.slices, (s+1)*t.inner/t.slices
			for c := 0; c < pt.n; c += t.inner {
				copy(y[pt.off+c+a:pt.off+c+b], x[c+a:c+b])
			}
		}
	}
}

// Split cuts x along axis into outputs, whose shapes (already set) give the
// part sizes.
func Split(outputs []*tensor.Tensor, x *tensor.Tensor, axis int) error {
	if len(outputs) == 0 {
		return fmt.Errorf("cpu: split: no outputs")
	}
	return concatSplit("split", x, outputs, axis, false)
}

// concatSplit copies between whole and its parts along axis.
func concatSplit(what string, whole *tensor.Tensor, parts []*tensor.Tensor, axis int, join bool) error {
	axis, err := checkConcat(what, whole, parts, axis, true)
	if err != nil {
		return err
	}
	outer, inner := around(whole.Shape, axis)
	row := whole.Shape[axis] * inner
	off := 0
	for _, p := range parts {
		n := p.Shape[axis] * inner
		for o := 0; o < outer; o++ {
			w, q := whole.F32[o*row+off:o*row+off+n], p.F32[o*n:(o+1)*n]
			if join {
				copy(w, q)
			} else {
				copy(q, w)
			}
		}
		off += n
	}
	return nil
}

// sliceDims resolves ONNX Slice's starts, ends, axes and steps (axes and
// steps may be nil) to a start and step per dimension and the output shape.
func sliceDims(x tensor.Shape, starts, ends, axes, steps []int) (start, step, out [maxRank]int, err error) {
	if len(x) > maxRank {
		return start, step, out, fmt.Errorf("cpu: slice: rank %d over %d", len(x), maxRank)
	}
	if len(ends) != len(starts) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return start, step, out, fmt.Errorf("cpu: slice: starts, ends, axes and steps differ in length")
	}
	copy(out[:], x)
	for i := range x {
		step[i] = 1
	}
	var seen [maxRank]bool
	for i := range starts {
		a := i
		if axes != nil {
			if a, err = normAxis("slice", axes[i], len(x)); err != nil {
				return start, step, out, err
			}
		}
		if seen[a] {
			return start, step, out, fmt.Errorf("cpu: slice: axis %d repeated", a)
		}
		seen[a] = true
		st := 1
		if steps != nil {
			st = steps[i]
		}
		if st == 0 {
			return start, step, out, fmt.Errorf("cpu: slice: step 0 on axis %d", a)
		}
		d := x[a]
		s, e := starts[i], ends[i]
		if s < 0 {
			s += d
		}
		if e < 0 {
			e += d
		}
		if st > 0 {
			s, e = min(max(s, 0), d), min(max(e, 0), d)
		} else {
			s, e = min(max(s, 0), d-1), min(max(e, -1), d-1)
		}
		n := 0
		if st > 0 && e > s {
			n = (e - s + st - 1) / st
		} else if st < 0 && s > e {
			n = (s - e - st - 1) / -st
		}
		start[a], step[a], out[a] = s, st, n
	}
	return start, step, out, nil
}

// SliceOutputShape returns the shape ONNX Slice gives.
func SliceOutputShape(x tensor.Shape, starts, ends, axes, steps []int) (tensor.Shape, error) {
	_, _, out, err := sliceDims(x, starts, ends, axes, steps)
	if err != nil {
		return nil, err
	}
	return append(tensor.Shape{}, out[:len(x)]...), nil
}

// Slice computes ONNX Slice, negative steps included; axes and steps may
// be nil (all axes in order, steps of 1).
func Slice(dst, x *tensor.Tensor, starts, ends, axes, steps []int) error {
	start, step, out, err := sliceDims(x.Shape, starts, ends, axes, steps)
	if err != nil {
		return err
	}
	r := len(x.Shape)
	if err := checkF32("slice: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("slice: output", dst, out[:r]); err != nil {
		return err
	}
	var str [maxRank]int
	base := 0
	acc := 1
	for i := r - 1; i >= 0; i-- {
		str[i] = acc * step[i]
		base += start[i] * acc
		acc *= x.Shape[i]
	}
	gather(dst.F32[:dst.Len()], x.F32, base, out[:r], str[:r])
	return nil
}

// gather fills y, walked in row-major order over shape, from x at
// base + sum(index*stride).
func gather(y, x []float32, base int, shape, stride []int) {
	r := len(shape)
	if len(y) == 0 {
		return
	}
	if r == 0 {
		y[0] = x[base]
		return
	}
	var idx [maxRank]int
	inner, is := shape[r-1], stride[r-1]
	off := base
	for o := 0; o < len(y); o += inner {
		row := y[o : o+inner]
		if is == 1 {
			copy(row, x[off:off+inner])
		} else {
			for j := range row {
				row[j] = x[off+j*is]
			}
		}
		for d := r - 2; d >= 0; d-- {
			idx[d]++
			off += stride[d]
			if idx[d] < shape[d] {
				break
			}
			off -= stride[d] * idx[d]
			idx[d] = 0
		}
	}
}

// Transpose permutes x's dimensions: dst's dimension i is x's perm[i].
func Transpose(dst, x *tensor.Tensor, perm []int) error {
	r := len(x.Shape)
	if len(perm) != r || r > maxRank {
		return fmt.Errorf("cpu: transpose: perm %v for shape %v", perm, x.Shape)
	}
	var out, str, in [maxRank]int
	var seen [maxRank]bool
	acc := 1
	for i := r - 1; i >= 0; i-- {
		in[i], acc = acc, acc*x.Shape[i]
	}
	for i, p := range perm {
		if p < 0 || p >= r || seen[p] {
			return fmt.Errorf("cpu: transpose: perm %v is not a permutation", perm)
		}
		seen[p] = true
		out[i], str[i] = x.Shape[p], in[p]
	}
	if err := checkF32("transpose: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("transpose: output", dst, out[:r]); err != nil {
		return err
	}
	gather(dst.F32[:dst.Len()], x.F32, 0, out[:r], str[:r])
	return nil
}

// indexAt reads element i of an int64 or int32 tensor.
func indexAt(t *tensor.Tensor, i int) int {
	if t.DType == tensor.Int32 {
		return int(int32(binary.LittleEndian.Uint32(t.Raw[4*i:])))
	}
	return int(int64(binary.LittleEndian.Uint64(t.Raw[8*i:])))
}

func checkIndices(what string, t *tensor.Tensor) error {
	if t == nil || (t.DType != tensor.Int64 && t.DType != tensor.Int32) {
		return fmt.Errorf("cpu: %s: indices must be int64 or int32", what)
	}
	if n := t.Len(); n < 0 || len(t.Raw) < n*t.DType.Size() {
		return fmt.Errorf("cpu: %s: indices %v but %d bytes", what, t.Shape, len(t.Raw))
	}
	return nil
}

// Gather computes ONNX Gather: dst = x indexed along axis by indices (an
// int64 or int32 tensor; negative values count from the end).
func Gather(dst, x, indices *tensor.Tensor, axis int) error {
	axis, err := normAxis("gather", axis, len(x.Shape))
	if err != nil {
		return err
	}
	if err := checkIndices("gather", indices); err != nil {
		return err
	}
	if len(x.Shape)+len(indices.Shape)-1 > maxRank {
		return fmt.Errorf("cpu: gather: output rank over %d", maxRank)
	}
	var out [maxRank]int
	r := copy(out[:], x.Shape[:axis])
	r += copy(out[r:], indices.Shape)
	r += copy(out[r:], x.Shape[axis+1:])
	size := 0 // bytes per element of Raw data; 0 for float32
	if x.DType == tensor.Float32 {
		if err := checkF32("gather: input", x, x.Shape); err != nil {
			return err
		}
		if err := checkF32("gather: output", dst, out[:r]); err != nil {
			return err
		}
	} else {
		size = x.DType.Size()
		if size == 0 || dst.DType != x.DType || len(x.Raw) != x.Shape.NumElements()*size ||
			!dst.Shape.Equal(out[:r]) || len(dst.Raw) != dst.Shape.NumElements()*size {
			want := slices.Clone(out[:r]) // a copy: out stays on the stack
			return fmt.Errorf("cpu: gather: %v%v into %v%v (want %v)", x.DType, x.Shape, dst.DType, dst.Shape, want)
		}
	}
	outer, inner := around(x.Shape, axis)
	d, n := x.Shape[axis], indices.Len()
	for o := 0; o < outer; o++ {
		for i := 0; i < n; i++ {
			k := indexAt(indices, i)
			if k < 0 {
				k += d
			}
			if k < 0 || k >= d {
				return fmt.Errorf("cpu: gather: index %d out of range for dimension %d", indexAt(indices, i), d)
			}
			to, from := (o*n+i)*inner, (o*d+k)*inner
			if size == 0 {
				copy(dst.F32[to:to+inner], x.F32[from:from+inner])
			} else {
				copy(dst.Raw[to*size:(to+inner)*size], x.Raw[from*size:(from+inner)*size])
			}
		}
	}
	return nil
}

// checkConcat checks that parts join into whole along axis and returns
// the axis, normalised: float32 tensors of whole's rank, equal off the
// axis, summing to whole along it; with data each must also hold its
// elements (a lowering checks before the arena places them).
func checkConcat(what string, whole *tensor.Tensor, parts []*tensor.Tensor, axis int, data bool) (int, error) {
	axis, err := normAxis(what, axis, len(whole.Shape))
	if err != nil {
		return 0, err
	}
	check := func(t *tensor.Tensor) error {
		switch {
		case t == nil:
			return fmt.Errorf("cpu: %s: missing tensor", what)
		case !data && t.DType == tensor.Float32:
			return nil
		}
		return checkF32(what, t, t.Shape)
	}
	if err := check(whole); err != nil {
		return 0, err
	}
	total := 0
	for _, p := range parts {
		if p == nil || len(p.Shape) != len(whole.Shape) {
			return 0, fmt.Errorf("cpu: %s: part of rank other than %v's", what, whole.Shape)
		}
		for i := range p.Shape {
			if i != axis && p.Shape[i] != whole.Shape[i] {
				return 0, fmt.Errorf("cpu: %s: part %v does not match %v off axis %d", what, p.Shape, whole.Shape, axis)
			}
		}
		if err := check(p); err != nil {
			return 0, err
		}
		total += p.Shape[axis]
	}
	if total != whole.Shape[axis] {
		return 0, fmt.Errorf("cpu: %s: parts sum to %d along axis %d, whole %v", what, total, axis, whole.Shape)
	}
	return axis, nil
}
