package cpu

import (
	"fmt"

	"github.com/dsgo/dsgo/infer/tensor"
)

// PadMode is ONNX Pad's mode.
type PadMode int

// Pad modes.
const (
	PadConstant PadMode = iota // fill with a value
	PadReflect                 // mirror without repeating the edge
	PadEdge                    // repeat the edge
)

// PadOutputShape returns the shape ONNX Pad gives; pads lists all begins
// then all ends, and may be negative (crop).
func PadOutputShape(x tensor.Shape, pads []int) (tensor.Shape, error) {
	out, err := padShape(x, pads)
	if err != nil {
		return nil, err
	}
	return append(tensor.Shape{}, out[:len(x)]...), nil
}

func padShape(x tensor.Shape, pads []int) (out [maxRank]int, err error) {
	r := len(x)
	if r > maxRank || len(pads) != 2*r {
		return out, fmt.Errorf("cpu: pad: %d pads for shape %v", len(pads), x)
	}
	for i := range x {
		out[i] = x[i] + pads[i] + pads[r+i]
		if out[i] < 0 {
			return out, fmt.Errorf("cpu: pad: pads %v crop shape %v below zero", pads, x)
		}
	}
	return out, nil
}

// Pad computes ONNX Pad. Reflect needs every padded axis longer than its
// pads; edge and reflect need a non-empty axis to copy from.
func Pad(dst, x *tensor.Tensor, pads []int, mode PadMode, value float32) error {
	out, err := padShape(x.Shape, pads)
	if err != nil {
		return err
	}
	r := len(x.Shape)
	for i, d := range x.Shape {
		p := max(pads[i], pads[r+i])
		if mode == PadReflect && p > 0 && p >= d {
			return fmt.Errorf("cpu: pad: reflect pad %d on axis %d of size %d", p, i, d)
		}
		if mode == PadEdge && p > 0 && d == 0 {
			return fmt.Errorf("cpu: pad: edge pad of empty axis %d", i)
		}
	}
	if mode < PadConstant || mode > PadEdge {
		return fmt.Errorf("cpu: pad: unknown mode %d", mode)
	}
	if err := checkF32("pad: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("pad: output", dst, out[:r]); err != nil {
		return err
	}
	y := dst.F32[:dst.Len()]
	if len(y) == 0 {
		return nil
	}
	var str [maxRank]int
	acc := 1
	for i := r - 1; i >= 0; i-- {
		str[i], acc = acc, acc*x.Shape[i]
	}
	if r == 0 {
		y[0] = x.F32[0]
		return nil
	}
	var idx [maxRank]int
	inner := out[r-1]
	for o := 0; o < len(y); o += inner {
		row := y[o : o+inner]
		off, inside := 0, true
		for d := 0; d < r-1; d++ {
			s, ok := padSource(idx[d]-pads[d], x.Shape[d], mode)
			inside = inside && ok
			off += s * str[d]
		}
		if !inside {
			for j := range row {
				row[j] = value
			}
		} else {
			padRow(row, x.F32[off:off+x.Shape[r-1]], pads[r-1], mode, value)
		}
		for d := r - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < out[d] {
				break
			}
			idx[d] = 0
		}
	}
	return nil
}

// padSource maps an index relative to the input along one axis to the
// input index it copies; ok is false where constant padding applies.
func padSource(i, d int, mode PadMode) (int, bool) {
	if i >= 0 && i < d {
		return i, true
	}
	switch mode {
	case PadEdge:
		return min(max(i, 0), d-1), true
	case PadReflect:
		if d == 1 {
			return 0, true
		}
		period := 2 * (d - 1)
		i %= period
		if i < 0 {
			i += period
		}
		if i >= d {
			i = period - i
		}
		return i, true
	}
	return 0, false
}

// padRow fills one output row from one input row.
func padRow(y, x []float32, before int, mode PadMode, value float32) {
	lo, hi := max(before, 0), min(len(y), before+len(x))
	for j := 0; j < lo && j < len(y); j++ {
		s, ok := padSource(j-before, len(x), mode)
		y[j] = value
		if ok {
			y[j] = x[s]
		}
	}
	if lo < hi {
		copy(y[lo:hi], x[lo-before:hi-before])
	}
	for j := max(hi, lo); j < len(y); j++ {
		s, ok := padSource(j-before, len(x), mode)
		y[j] = value
		if ok {
			y[j] = x[s]
		}
	}
}
