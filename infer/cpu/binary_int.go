package cpu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/dsgo/dsgo/infer/tensor"
)

// errIntDivZero is an integer Div by zero, which ONNX leaves undefined
// and dsgo reports.
var errIntDivZero = errors.New("cpu: binary: integer division by zero")

// binaryInt computes dst = op(a, b) for int32 or int64 tensors of one
// type (index arithmetic in exported graphs: box index // classes, say):
// Div truncates toward zero as onnxruntime's does, Pow is math.Pow
// converted back. These tensors are small; the loop is plain.
func binaryInt(op BinaryOp, dst, a, b *tensor.Tensor, shape tensor.Shape) error {
	dt := a.DType
	if b.DType != dt || dst.DType != dt {
		return fmt.Errorf("cpu: binary: types %v, %v into %v", a.DType, b.DType, dst.DType)
	}
	size := dt.Size()
	if err := checkRaw("a", a, a.Shape, size); err != nil {
		return err
	}
	if err := checkRaw("b", b, b.Shape, size); err != nil {
		return err
	}
	if err := checkRaw("output", dst, shape, size); err != nil {
		return err
	}
	if dst.Len() == 0 {
		return nil
	}
	load := func(raw []byte, i int) int64 {
		if size == 8 {
			return int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
		return int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
	}
	it := newBcastIter(shape, a.Shape, b.Shape)
	for o := 0; o < it.outerCount; o++ {
		oa, ob := it.offsets(o)
		for i := range it.inner {
			x, y := load(a.Raw, oa+i*it.innerA), load(b.Raw, ob+i*it.innerB)
			var z int64
			switch op {
			case OpAdd:
				z = x + y
			case OpSub:
				z = x - y
			case OpMul:
				z = x * y
			case OpDiv:
				if y == 0 {
					return errIntDivZero
				}
				z = x / y
			case OpPow:
				z = int64(math.Pow(float64(x), float64(y)))
			case OpMin:
				z = min(x, y)
			case OpMax:
				z = max(x, y)
			}
			at := o*it.inner + i
			if size == 8 {
				binary.LittleEndian.PutUint64(dst.Raw[8*at:], uint64(z))
			} else {
				binary.LittleEndian.PutUint32(dst.Raw[4*at:], uint32(int32(z)))
			}
		}
	}
	return nil
}

// checkRaw checks that t has shape s and its bytes, size per element.
func checkRaw(what string, t *tensor.Tensor, s tensor.Shape, size int) error {
	if !t.Shape.Equal(s) || len(t.Raw) < s.NumElements()*size {
		want := slices.Clone(s) // a copy: s may live on the caller's stack
		return fmt.Errorf("cpu: binary: %s is %v%v with %d bytes, want %v", what, t.DType, t.Shape, len(t.Raw), want)
	}
	return nil
}
