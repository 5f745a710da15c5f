package cpu

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/tensor"
)

// BinaryOp is an elementwise operation of two inputs.
type BinaryOp int

// Binary operations, as ONNX names them.
const (
	OpAdd BinaryOp = iota // Add
	OpSub                 // Sub
	OpMul                 // Mul
	OpDiv                 // Div
	OpPow                 // Pow
	OpMin                 // Min
	OpMax                 // Max
)

func pow32(x, y float32) float32 {
	if y == 2 {
		return x * x
	}
	return float32(math.Pow(float64(x), float64(y)))
}

// Binary computes dst = op(a, b) with NumPy broadcasting. Same-shape,
// scalar and per-channel operands take contiguous loops: dimensions that
// are walked alike are merged, so a [C,1,1] operand against N x C x H x W
// is a scalar per H*W run. dst may alias a when it has a's shape. Int32
// and int64 operands (of one type) take binaryInt.
func Binary(op BinaryOp, dst, a, b *tensor.Tensor) error {
	if op < OpAdd || op > OpMax {
		return fmt.Errorf("cpu: binary: unknown op %d", op)
	}
	var shape [maxRank]int
	n, err := broadcastInto(&shape, a.Shape, b.Shape)
	if err != nil {
		return err
	}
	if a.DType == tensor.Int64 || a.DType == tensor.Int32 {
		return binaryInt(op, dst, a, b, shape[:n])
	}
	if err := checkF32("binary: a", a, a.Shape); err != nil {
		return err
	}
	if err := checkF32("binary: b", b, b.Shape); err != nil {
		return err
	}
	if err := checkF32("binary: output", dst, shape[:n]); err != nil {
		return err
	}
	if dst.Len() == 0 {
		return nil
	}
	it := newBcastIter(shape[:n], a.Shape, b.Shape)
	for o := 0; o < it.outerCount; o++ {
		oa, ob := it.offsets(o)
		y := dst.F32[o*it.inner : (o+1)*it.inner]
		binaryRow(op, y, a.F32[oa:], b.F32[ob:], it.innerA, it.innerB)
	}
	return nil
}

// binaryRow computes one run; sa and sb are 0 (broadcast) or 1.
func binaryRow(op BinaryOp, y, a, b []float32, sa, sb int) {
	switch op {
	case OpAdd:
		binaryAdd(y, a, b, sa, sb)
	case OpSub:
		binarySub(y, a, b, sa, sb)
	case OpMul:
		binaryMul(y, a, b, sa, sb)
	case OpDiv:
		binaryDiv(y, a, b, sa, sb)
	case OpPow:
		binaryPow(y, a, b, sa, sb)
	case OpMin:
		binaryMin(y, a, b, sa, sb)
	case OpMax:
		binaryMax(y, a, b, sa, sb)
	}
}

func binaryAdd(z, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(z)], b[:len(z)]
		for i := range z {
			x, y := a[i], b[i]
			z[i] = x + y
		}
	case sa == 1:
		a, y := a[:len(z)], b[0]
		for i := range z {
			x := a[i]
			z[i] = x + y
		}
	case sb == 1:
		x, b := a[0], b[:len(z)]
		for i := range z {
			y := b[i]
			z[i] = x + y
		}
	default:
		x, y := a[0], b[0]
		for i := range z {
			z[i] = x + y
		}
	}
}

func binarySub(z, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(z)], b[:len(z)]
		for i := range z {
			x, y := a[i], b[i]
			z[i] = x - y
		}
	case sa == 1:
		a, y := a[:len(z)], b[0]
		for i := range z {
			x := a[i]
			z[i] = x - y
		}
	case sb == 1:
		x, b := a[0], b[:len(z)]
		for i := range z {
			y := b[i]
			z[i] = x - y
		}
	default:
		x, y := a[0], b[0]
		for i := range z {
			z[i] = x - y
		}
	}
}

func binaryMul(z, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(z)], b[:len(z)]
		for i := range z {
			x, y := a[i], b[i]
			z[i] = x * y
		}
	case sa == 1:
		a, y := a[:len(z)], b[0]
		for i := range z {
			x := a[i]
			z[i] = x * y
		}
	case sb == 1:
		x, b := a[0], b[:len(z)]
		for i := range z {
			y := b[i]
			z[i] = x * y
		}
	default:
		x, y := a[0], b[0]
		for i := range z {
			z[i] = x * y
		}
	}
}

func binaryDiv(z, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(z)], b[:len(z)]
		for i := range z {
			x, y := a[i], b[i]
			z[i] = x / y
		}
	case sa == 1:
		a, y := a[:len(z)], b[0]
		for i := range z {
			x := a[i]
			z[i] = x / y
		}
	case sb == 1:
		x, b := a[0], b[:len(z)]
		for i := range z {
			y := b[i]
			z[i] = x / y
		}
	default:
		x, y := a[0], b[0]
		for i := range z {
			z[i] = x / y
		}
	}
}

func binaryPow(z, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(z)], b[:len(z)]
		for i := range z {
			x, y := a[i], b[i]
			z[i] = pow32(x, y)
		}
	case sa == 1:
		a, y := a[:len(z)], b[0]
		for i := range z {
			x := a[i]
			z[i] = pow32(x, y)
		}
	case sb == 1:
		x, b := a[0], b[:len(z)]
		for i := range z {
			y := b[i]
			z[i] = pow32(x, y)
		}
	default:
		x, y := a[0], b[0]
		for i := range z {
			z[i] = pow32(x, y)
		}
	}
}

func binaryMin(z, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(z)], b[:len(z)]
		for i := range z {
			x, y := a[i], b[i]
			z[i] = min(x, y)
		}
	case sa == 1:
		a, y := a[:len(z)], b[0]
		for i := range z {
			x := a[i]
			z[i] = min(x, y)
		}
	case sb == 1:
		x, b := a[0], b[:len(z)]
		for i := range z {
			y := b[i]
			z[i] = min(x, y)
		}
	default:
		x, y := a[0], b[0]
		for i := range z {
			z[i] = min(x, y)
		}
	}
}

func binaryMax(z, a, b []float32, sa, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(z)], b[:len(z)]
		for i := range z {
			x, y := a[i], b[i]
			z[i] = max(x, y)
		}
	case sa == 1:
		a, y := a[:len(z)], b[0]
		for i := range z {
			x := a[i]
			z[i] = max(x, y)
		}
	case sb == 1:
		x, b := a[0], b[:len(z)]
		for i := range z {
			y := b[i]
			z[i] = max(x, y)
		}
	default:
		x, y := a[0], b[0]
		for i := range z {
			z[i] = max(x, y)
		}
	}
}
