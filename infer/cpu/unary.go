package cpu

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/cpu/internal/vecmath"
	"github.com/dsgo/dsgo/infer/tensor"
)

// UnaryOp is an elementwise operation of one input.
type UnaryOp int

// Unary operations, as ONNX names them.
const (
	OpRelu        UnaryOp = iota // Relu
	OpLeakyRelu                  // LeakyRelu(Alpha)
	OpSigmoid                    // Sigmoid
	OpTanh                       // Tanh
	OpExp                        // Exp
	OpSqrt                       // Sqrt
	OpNeg                        // Neg
	OpHardSigmoid                // HardSigmoid(Alpha, Beta)
	OpHardSwish                  // HardSwish
	OpSiLU                       // x*Sigmoid(x)
	OpMish                       // x*tanh(softplus(x))
	OpErf                        // Erf
	OpClip                       // Clip(Min, Max)
	OpFloor                      // Floor
	OpCeil                       // Ceil
)

// UnaryParams are the attributes some unary ops take.
type UnaryParams struct {
	Alpha, Beta float32 // LeakyRelu's slope; HardSigmoid's alpha and beta
	Min, Max    float32 // Clip's bounds
}

// Unary computes dst = op(x); dst must have x's shape and may be x.
func Unary(op UnaryOp, dst, x *tensor.Tensor, p UnaryParams) error {
	if op < OpRelu || op > OpCeil {
		return fmt.Errorf("cpu: unary: unknown op %d", op)
	}
	if err := checkF32("unary: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("unary: output", dst, x.Shape); err != nil {
		return err
	}
	n := x.Len()
	unaryRow(op, dst.F32[:n], x.F32[:n], p)
	return nil
}

func unaryRow(op UnaryOp, y, x []float32, p UnaryParams) {
	x = x[:len(y)]
	switch op {
	case OpRelu:
		for i, v := range x {
			y[i] = max(v, 0)
		}
	case OpLeakyRelu:
		for i, v := range x {
			if v < 0 {
				v *= p.Alpha
			}
			y[i] = v
		}
	case OpClip:
		for i, v := range x {
			y[i] = min(max(v, p.Min), p.Max)
		}
	case OpNeg:
		for i, v := range x {
			y[i] = -v
		}
	case OpHardSigmoid:
		for i, v := range x {
			y[i] = min(max(p.Alpha*v+p.Beta, 0), 1)
		}
	case OpHardSwish:
		for i, v := range x {
			y[i] = v * min(max(v/6+0.5, 0), 1)
		}
	case OpSigmoid:
		copy(y, x)
		rest := vecmath.Sigmoid(y)
		for i, v := range rest {
			rest[i] = sigmoid(v)
		}
	case OpSiLU:
		copy(y, x)
		rest := vecmath.SiLU(y)
		for i, v := range rest {
			rest[i] = v * sigmoid(v)
		}
	case OpExp:
		copy(y, x)
		rest := vecmath.Exp(y)
		for i, v := range rest {
			rest[i] = float32(math.Exp(float64(v)))
		}
	case OpTanh:
		copy(y, x)
		rest := vecmath.Tanh(y)
		for i, v := range rest {
			rest[i] = float32(math.Tanh(float64(v)))
		}
	case OpMish:
		copy(y, x)
		rest := vecmath.Mish(y)
		for i, v := range rest {
			rest[i] = float32(mish(float64(v)))
		}
	default:
		f := mathUnary(op)
		for i, v := range x {
			y[i] = float32(f(float64(v)))
		}
	}
}

// mathUnary returns the float64 function of the ops computed through the
// math package.
func mathUnary(op UnaryOp) func(float64) float64 {
	switch op {
	case OpTanh:
		return math.Tanh
	case OpExp:
		return math.Exp
	case OpSqrt:
		return math.Sqrt
	case OpMish:
		return mish
	case OpErf:
		return math.Erf
	case OpFloor:
		return math.Floor
	}
	return math.Ceil
}

func mish(v float64) float64 {
	sp := v
	if v < 20 {
		sp = math.Log1p(math.Exp(v))
	}
	return v * math.Tanh(sp)
}

// BatchNorm computes ONNX BatchNormalization in inference mode on N x C x
// ... data: y = scale*(x-mean)/sqrt(var+epsilon) + bias per channel. dst
// may be x.
func BatchNorm(dst, x, scale, bias, mean, variance *tensor.Tensor, epsilon float32) error {
	if len(x.Shape) < 2 {
		return fmt.Errorf("cpu: batchnorm: input %v needs a channel dimension", x.Shape)
	}
	if err := checkF32("batchnorm: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("batchnorm: output", dst, x.Shape); err != nil {
		return err
	}
	c := x.Shape[1]
	for _, p := range []*tensor.Tensor{scale, bias, mean, variance} {
		if err := checkF32("batchnorm: parameter", p, tensor.Shape{c}); err != nil {
			return err
		}
	}
	n := x.Shape[0]
	if n*c == 0 {
		return nil
	}
	size := x.Len() / (n * c)
	for i := 0; i < n*c; i++ {
		ch := i % c
		s := scale.F32[ch] / float32(math.Sqrt(float64(variance.F32[ch]+epsilon)))
		b := bias.F32[ch] - mean.F32[ch]*s
		src, y := x.F32[i*size:(i+1)*size], dst.F32[i*size:(i+1)*size]
		for j, v := range src {
			y[j] = v*s + b
		}
	}
	return nil
}
