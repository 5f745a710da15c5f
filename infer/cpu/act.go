package cpu

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/cpu/internal/vecmath"
)

// ActKind names an activation that convolutions can apply in their
// epilogue.
type ActKind int

// Activations that can be fused into Conv2D.
const (
	ActNone      ActKind = iota
	ActRelu              // max(x, 0)
	ActLeakyRelu         // x if x >= 0 else Alpha*x
	ActClip              // min(max(x, Min), Max)
	ActSigmoid           // 1/(1+exp(-x))
	ActSiLU              // x*sigmoid(x)
	ActHardSwish         // x*max(0, min(1, x/6+1/2))
)

// Activation is a fused activation and its parameters.
type Activation struct {
	Kind     ActKind
	Alpha    float32 // LeakyRelu's slope
	Min, Max float32 // Clip's bounds
}

func (a Activation) validate() error {
	if a.Kind < ActNone || a.Kind > ActHardSwish {
		return fmt.Errorf("cpu: unknown activation %d", a.Kind)
	}
	if a.Kind == ActClip && a.Min > a.Max {
		return fmt.Errorf("cpu: clip min %g > max %g", a.Min, a.Max)
	}
	return nil
}

// applyAfter adds res (when not nil; as long as x) to x and then runs
// the activation over it: a convolution's epilogue over a run of its
// output.
func (a Activation) applyAfter(x, res []float32) {
	if res != nil {
		for k := vecmath.AddTo(x, res); k < len(x); k++ {
			x[k] += res[k]
		}
	}
	a.apply(x)
}

// apply runs the activation over x in place.
func (a Activation) apply(x []float32) {
	switch a.Kind {
	case ActRelu:
		x = vecmath.AddRelu(x, 0)
		for i, v := range x {
			x[i] = max(v, 0)
		}
	case ActLeakyRelu:
		for i, v := range x {
			if v < 0 {
				x[i] = a.Alpha * v
			}
		}
	case ActClip:
		for i, v := range x {
			x[i] = min(max(v, a.Min), a.Max)
		}
	case ActSigmoid:
		x = vecmath.Sigmoid(x)
		for i, v := range x {
			x[i] = sigmoid(v)
		}
	case ActSiLU:
		x = vecmath.SiLU(x)
		for i, v := range x {
			x[i] = v * sigmoid(v)
		}
	case ActHardSwish:
		for i, v := range x {
			x[i] = v * min(max(v/6+0.5, 0), 1)
		}
	}
}

func sigmoid(v float32) float32 {
	return 1 / (1 + exp32(-v))
}

// exp32 is e^x in float32 arithmetic, within 1e-5 relative error: 2^n
// (built in the exponent bits) times a degree-7 polynomial for 2^f on
// [0, 1). It is several times cheaper than math.Exp in float64, and
// sigmoid and SiLU, which run over every output of a YOLO-style network,
// are mostly exp.
func exp32(x float32) float32 {
	switch {
	case x > 88.7:
		return float32(math.Inf(1))
	case x < -87.3:
		return 0
	case x != x:
		return x
	}
	t := x * 1.4426950408889634 // log2(e)
	n := float32(math.Floor(float64(t)))
	f := t - n
	p := float32(1.5252733e-5)
	p = p*f + 1.5403530e-4
	p = p*f + 1.3333558e-3
	p = p*f + 9.6181291e-3
	p = p*f + 5.5504109e-2
	p = p*f + 2.4022651e-1
	p = p*f + 6.9314718e-1
	p = p*f + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// epilogue adds a bias value and a residual plane (either may be absent)
// to a plane of output, then applies the activation.
func epilogue(y []float32, bias float32, res []float32, act Activation) {
	switch {
	case res == nil && act.Kind == ActRelu:
		rest := vecmath.AddRelu(y, bias)
		for i, v := range rest {
			rest[i] = max(v+bias, 0)
		}
		return
	case res != nil:
		res = res[:len(y)]
		for i := range y {
			y[i] += bias + res[i]
		}
	case bias != 0:
		rest := vecmath.Add(y, bias)
		for i := range rest {
			rest[i] += bias
		}
	}
	act.apply(y)
}
