package cpu

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// The ops in this file (Cast, Equal, Where, Expand, Tile, ArgMax) appear in
// exported graphs around shapes and post-processing, on small tensors. They
// precompute, at compile time, the input element each output element reads
// (NumPy broadcasting), so that running them is a gather.

// bcastMap returns, for each element of out, the flat index into a tensor
// of shape in broadcast to out.
func bcastMap(out, in tensor.Shape) ([]int32, error) {
	if len(in) > len(out) {
		return nil, fmt.Errorf("cannot broadcast %v to %v", in, out)
	}
	pad := len(out) - len(in)
	strides := make([]int, len(out))
	s := 1
	for i := len(in) - 1; i >= 0; i-- {
		switch {
		case in[i] == out[pad+i]:
			strides[pad+i] = s
		case in[i] == 1:
			strides[pad+i] = 0
		default:
			return nil, fmt.Errorf("cannot broadcast %v to %v", in, out)
		}
		s *= in[i]
	}
	n := out.NumElements()
	m := make([]int32, n)
	idx := make([]int, len(out))
	off := 0
	for k := 0; k < n; k++ {
		m[k] = int32(off)
		for d := len(out) - 1; d >= 0; d-- {
			idx[d]++
			off += strides[d]
			if idx[d] < out[d] {
				break
			}
			off -= strides[d] * idx[d]
			idx[d] = 0
		}
	}
	return m, nil
}

// load reads element i of t as float64, whatever its type.
func load(t *tensor.Tensor, i int) float64 {
	switch t.DType {
	case tensor.Float32:
		return float64(t.F32[i])
	case tensor.Int64:
		return float64(int64(binary.LittleEndian.Uint64(t.Raw[8*i:])))
	case tensor.Int32:
		return float64(int32(binary.LittleEndian.Uint32(t.Raw[4*i:])))
	case tensor.Uint8, tensor.Bool:
		return float64(t.Raw[i])
	case tensor.Int8:
		return float64(int8(t.Raw[i]))
	}
	return math.NaN()
}

// store writes v into element i of t, truncating toward zero for integers.
func store(t *tensor.Tensor, i int, v float64) {
	switch t.DType {
	case tensor.Float32:
		t.F32[i] = float32(v)
	case tensor.Int64:
		binary.LittleEndian.PutUint64(t.Raw[8*i:], uint64(int64(v)))
	case tensor.Int32:
		binary.LittleEndian.PutUint32(t.Raw[4*i:], uint32(int32(v)))
	case tensor.Uint8, tensor.Int8:
		t.Raw[i] = byte(int64(v))
	case tensor.Bool:
		t.Raw[i] = 0
		if v != 0 {
			t.Raw[i] = 1
		}
	}
}

func supported(t *tensor.Tensor) bool {
	switch t.DType {
	case tensor.Float32, tensor.Int64, tensor.Int32, tensor.Uint8, tensor.Int8, tensor.Bool:
		return true
	}
	return false
}

func lowerCast(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	if !supported(ins[0]) || !supported(outs[0]) {
		return nil, fmt.Errorf("cast %v to %v is not supported", ins[0].DType, outs[0].DType)
	}
	x, y := ins[0], outs[0]
	return func() error {
		size := y.Len()
		switch {
		case x.DType == y.DType && x.DType == tensor.Float32: // exporters cast float to float
			copy(y.F32[:size], x.F32)
		case x.DType == y.DType:
			copy(y.Raw, x.Raw)
		default:
			for i := range size {
				store(y, i, load(x, i))
			}
		}
		return nil
	}, nil
}

// lowerEqual compares broadcast inputs element by element.
func lowerEqual(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	ma, err := bcastMap(outs[0].Shape, ins[0].Shape)
	if err != nil {
		return nil, err
	}
	mb, err := bcastMap(outs[0].Shape, ins[1].Shape)
	if err != nil {
		return nil, err
	}
	a, b, y := ins[0], ins[1], outs[0]
	return func() error {
		for i := range ma {
			v := 0.0
			if load(a, int(ma[i])) == load(b, int(mb[i])) {
				v = 1
			}
			store(y, i, v)
		}
		return nil
	}, nil
}

func lowerWhere(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	var maps [3][]int32
	for i := range maps {
		if maps[i], err = bcastMap(outs[0].Shape, ins[i].Shape); err != nil {
			return nil, err
		}
	}
	c, x, z, y := ins[0], ins[1], ins[2], outs[0]
	return func() error {
		for i := range maps[0] {
			if load(c, int(maps[0][i])) != 0 {
				store(y, i, load(x, int(maps[1][i])))
			} else {
				store(y, i, load(z, int(maps[2][i])))
			}
		}
		return nil
	}, nil
}

// lowerExpand also serves Tile: both read each output element from a
// precomputed input position.
func lowerExpand(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	var m []int32
	if n.Op == "Tile" {
		m, err = tileMap(outs[0].Shape, ins[0].Shape)
	} else {
		m, err = bcastMap(outs[0].Shape, ins[0].Shape)
	}
	if err != nil {
		return nil, err
	}
	x, y := ins[0], outs[0]
	return func() error {
		for i, j := range m {
			store(y, i, load(x, int(j)))
		}
		return nil
	}, nil
}

// tileMap maps each element of a tiled output to its source element.
func tileMap(out, in tensor.Shape) ([]int32, error) {
	if len(out) != len(in) {
		return nil, fmt.Errorf("tile of %v to %v", in, out)
	}
	n := out.NumElements()
	m := make([]int32, n)
	idx := make([]int, len(out))
	for k := 0; k < n; k++ {
		off, s := 0, 1
		for d := len(in) - 1; d >= 0; d-- {
			off += (idx[d] % in[d]) * s
			s *= in[d]
		}
		m[k] = int32(off)
		for d := len(out) - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < out[d] {
				break
			}
			idx[d] = 0
		}
	}
	return m, nil
}

func lowerArgMax(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	if n.AttrInt("select_last_index", 0) != 0 {
		return nil, fmt.Errorf("select_last_index is not supported")
	}
	x, y := ins[0], outs[0]
	axis := axisOf(n, len(x.Shape), 0)
	outer, inner := 1, 1
	for i, d := range x.Shape {
		if i < axis {
			outer *= d
		} else if i > axis {
			inner *= d
		}
	}
	size := x.Shape[axis]
	return func() error {
		for o := 0; o < outer; o++ {
			for in := 0; in < inner; in++ {
				best, bi := math.Inf(-1), 0
				for k := 0; k < size; k++ {
					if v := load(x, (o*size+k)*inner+in); v > best {
						best, bi = v, k
					}
				}
				store(y, o*inner+in, float64(bi))
			}
		}
		return nil
	}, nil
}
