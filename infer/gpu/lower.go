package gpu

import (
	"fmt"
	"math"
	"slices"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// This file lowers the element-wise, shape and small ops of the IR to
// dsgo's kernels; lower_conv.go, lower_gemm.go and lower_misc.go hold
// the rest. Attributes and constant inputs are read here, at compile
// time; the steps only launch.

type lowerFunc func(p *Program, n *graph.Node) error

var lowerings = buildLowerings()

func buildLowerings() map[string]lowerFunc {
	l := map[string]lowerFunc{
		"Conv": lowerConv, "ConvTranspose": lowerConvTranspose, "BatchNormalization": lowerBatchNorm,
		"MaxPool": lowerPool, "AveragePool": lowerPool, "GlobalAveragePool": lowerGAP,
		"Gemm": lowerGemm, "MatMul": lowerMatMul, "Softmax": lowerSoftmax, "Clip": lowerClip,
		"Concat": lowerConcat, "Split": lowerSplit, "Slice": lowerSlice, "Transpose": lowerTranspose,
		"Gather": lowerGather, "Pad": lowerPad, "Resize": lowerResize, "Upsample": lowerResize,
		"ReduceMean": lowerReduce, "ReduceMax": lowerReduce, "ReduceSum": lowerReduce,
		"Reshape": lowerView, "Flatten": lowerView, "Squeeze": lowerView, "Unsqueeze": lowerView,
		"Identity": lowerView, "Dropout": lowerView, "Sum": lowerSum, "TopK": lowerTopK, "RoiAlign": lowerRoiAlign,
		"Cast": lowerCast, "Equal": lowerFixedEW(opEqual, 2), "Where": lowerFixedEW(opWhere, 3), "Expand": lowerExpand, "Tile": lowerTile,
		"ArgMax": lowerArgMax, "NonMaxSuppression": lowerNMS,
	}
	for op, b := range binaryOps {
		l[op] = lowerBinary(b)
	}
	for op, a := range unaryOps {
		l[op] = lowerUnary(a)
	}
	return l
}

// LoweredOps returns the ops the GPU backend runs, sorted.
func LoweredOps() []string {
	ops := make([]string, 0, len(lowerings))
	for op := range lowerings {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return ops
}

// constInts reads a constant integer input (starts, axes, sizes...).
func constInts(v *graph.Value) ([]int, error) {
	if v == nil {
		return nil, nil
	}
	if v.Const == nil {
		return nil, fmt.Errorf("input %s must be constant", v.Name)
	}
	vs, err := graph.Int64s(v.Const)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(vs))
	for i, x := range vs {
		out[i] = int(min(max(x, math.MinInt32), math.MaxInt32))
	}
	return out, nil
}

// constScalar reads a float scalar constant input.
func constScalar(v *graph.Value) (float32, error) {
	if v.Const == nil || v.Const.DType != tensor.Float32 || len(v.Const.F32) != 1 {
		return 0, fmt.Errorf("%s must be a float scalar constant", v.Name)
	}
	return v.Const.F32[0], nil
}

func axisOf(n *graph.Node, rank, def int) (int, error) {
	a := n.AttrInt("axis", def)
	if a < -rank || a >= max(rank, 1) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", a, rank)
	}
	if a < 0 {
		a += rank
	}
	return a, nil
}

// ins returns the bufs of a node's present inputs.
func (p *Program) inputs(n *graph.Node) ([]*buf, error) {
	var out []*buf
	for _, v := range n.Inputs {
		if v == nil {
			continue
		}
		b, err := p.val(v)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// likeNHWC reports whether an output of shape s should be channels last:
// when an input of the same shape is.
func likeNHWC(s tensor.Shape, ins ...*buf) bool {
	for _, b := range ins {
		if b.nhwc() && slices.Equal(b.shape, s) {
			return true
		}
	}
	return false
}

func lowerUnary(act int32) lowerFunc {
	return func(p *Program, n *graph.Node) error {
		x, err := p.chainVal(n.In(0))
		if err != nil {
			return err
		}
		sp := ewSpec{op: opCopy, act: act, alpha: n.AttrFloat("alpha", 0.01), beta: n.AttrFloat("beta", 0.5)}
		if act == actHardSigmoid {
			sp.alpha = n.AttrFloat("alpha", 0.2)
		}
		return p.unaryStep(n, x, sp)
	}
}

func lowerClip(p *Program, n *graph.Node) error {
	x, err := p.chainVal(n.In(0))
	if err != nil {
		return err
	}
	sp := ewSpec{op: opCopy, act: actClip, lo: n.AttrFloat("min", float32(math.Inf(-1))),
		hi: n.AttrFloat("max", float32(math.Inf(1)))}
	for i, dst := range []*float32{&sp.lo, &sp.hi} {
		if v := n.In(i + 1); v != nil {
			if *dst, err = constScalar(v); err != nil {
				return fmt.Errorf("clip bound: %w", err)
			}
		}
	}
	return p.unaryStep(n, x, sp)
}

// unaryStep lowers element-wise node n of input x as sp: deferred into
// the binary step that reads it where deferAct can, else as a step of
// its own.
func (p *Program) unaryStep(n *graph.Node, x *buf, sp ewSpec) error {
	if p.deferAct(n, x, sp) {
		return nil
	}
	if p.pre[n.In(0)] != nil {
		return fmt.Errorf("fused input %s not applied", n.In(0).Name)
	}
	y, err := p.defineOut(n.Outputs[0], likeNHWC(n.Outputs[0].Shape, x))
	if err != nil {
		return err
	}
	return p.ew(n.Name, y, []*buf{x}, sp)
}

func lowerBinary(op int32) lowerFunc {
	return func(p *Program, n *graph.Node) error {
		sp := ewSpec{op: op}
		var ins []*buf
		if c := p.pre[n.In(0)]; c != nil && n.In(1) != nil { // the steps before, fused (deferAct, deferBinary)
			b, err := p.val(n.In(1))
			if err != nil {
				return err
			}
			ins = []*buf{c.x, b}
			if c.op != opCopy {
				ins = append(ins, c.y)
			}
			sp.pre, sp.alpha, sp.beta, sp.lo, sp.hi = c.code(), c.alpha, c.beta, c.lo, c.hi
		} else {
			var err error
			if ins, err = p.inputs(n); err != nil {
				return err
			}
			if len(ins) == 2 && p.deferBinary(n, op, ins) {
				return nil
			}
		}
		if len(ins) < 2 {
			return fmt.Errorf("%s with %d inputs is not supported", n.Op, len(ins))
		}
		y, err := p.defineOut(n.Outputs[0], likeNHWC(n.Outputs[0].Shape, ins[:2]...))
		if err != nil {
			return err
		}
		return p.ew(n.Name, y, ins, sp)
	}
}

// preChain is a chain of up to two activations (Clip, Exp, Sigmoid...)
// left to the binary element-wise step that reads its result as its
// first input: that step applies them as it reads x, so that the chain
// costs no launches (the YOLO decode's Exp(Clip(x)) * anchors).
type preChain struct {
	x                   *buf
	op                  int32 // a binary op of x and y first (deferBinary), or opCopy
	y                   *buf
	acts                []int32
	rnd                 bool // the results were float16
	params              bool // one activation reads alpha, beta, lo and hi
	alpha, beta, lo, hi float32
}

// code packs the chain as EwParams.pre.
func (c *preChain) code() int32 {
	var v int32
	for i, a := range c.acts {
		v |= a << (8 * i)
	}
	if c.rnd {
		v |= 1 << 16
	}
	return v | c.op<<24
}

// unaryOps are the ops lowerUnary lowers, with their activation codes.
var unaryOps = map[string]int32{"Relu": actRelu, "LeakyRelu": actLeaky, "Sigmoid": actSigmoid,
	"Tanh": actTanh, "Exp": actExp, "Sqrt": actSqrt, "Neg": actNeg, "HardSigmoid": actHardSigmoid,
	"HardSwish": actHardSwish, "Mish": actMish, "Erf": actErf, "Floor": actFloor, "Ceil": actCeil}

// binaryOps are the ops lowerBinary lowers, with their kernel op codes.
var binaryOps = map[string]int32{"Add": opAdd, "Sub": opSub, "Mul": opMul, "Div": opDiv, "Pow": opPow,
	"Min": opMin, "Max": opMax}

// binaryOp reports whether op is lowered by lowerBinary.
func binaryOp(op string) bool {
	_, ok := binaryOps[op]
	return ok
}

// deferBinary leaves binary step n (op of ins) to the binary step that
// reads its result as its first input, when that is its only reader
// and both compute over the same shape in float arithmetic, and reports
// whether it did (the YOLO decode's x * stride + grid is one launch).
func (p *Program) deferBinary(n *graph.Node, op int32, ins []*buf) bool {
	if !ins[0].dt.float() || !ins[1].dt.float() {
		return false
	}
	m, ok := p.soleReader(n)
	out := n.Outputs[0]
	if !ok || !binaryOp(m.Op) || len(m.Inputs) != 2 || m.Inputs[1] == nil || !slices.Equal(m.Outputs[0].Shape, out.Shape) ||
		m.Inputs[1].DType != tensor.Float32 && m.Inputs[1].DType != tensor.Float16 {
		return false
	}
	dt, err := deviceType(out.DType, p.e.act)
	if err != nil {
		return false
	}
	p.pre[out] = &preChain{x: ins[0], op: op, y: ins[1], rnd: dt == dF16}
	return true
}

// soleReader returns the one step that reads n's result, when that step
// reads it as its first input only and the result may be left to it: a
// float value of the device program, read by nothing else, not a graph
// output and not computed in place into a Concat.
func (p *Program) soleReader(n *graph.Node) (*graph.Node, bool) {
	out := n.Outputs[0]
	us := p.users[out]
	if len(us) != 1 || p.tail[n] || slices.Contains(p.g.Outputs, out) ||
		out.DType != tensor.Float32 && out.DType != tensor.Float16 {
		return nil, false
	}
	if _, ok := p.slots[out]; ok {
		return nil, false
	}
	m := us[0]
	if p.tail[m] || len(m.Inputs) == 0 || m.Inputs[0] != out || slices.Contains(m.Inputs[1:], out) {
		return nil, false
	}
	return m, true
}

// maxPre is the most activations a step applies to its first input.
const maxPre = 2

// paramAct reports whether an activation reads alpha, beta, lo or hi.
func paramAct(op string) bool { return op == "Clip" || op == "LeakyRelu" || op == "HardSigmoid" }

// chainable reports whether n's result can be left to its one consumer
// (see preChain), given acts activations and params of them reading
// parameters before it (n included).
func (p *Program) chainable(n *graph.Node, acts, params int) bool {
	if acts > maxPre || params > 1 {
		return false
	}
	m, ok := p.soleReader(n)
	if !ok {
		return false
	}
	if binaryOp(m.Op) {
		return len(m.Inputs) == 2 && m.Inputs[1] != nil
	}
	switch m.Op {
	case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp", "Sqrt", "Neg", "HardSigmoid", "Erf", "Floor", "Ceil", "Clip":
		if paramAct(m.Op) {
			params++
		}
		return p.chainable(m, acts+1, params)
	}
	return false
}

// chainVal is val for the input of a unary step: the source of the
// chain that computes v when it was left to its reader (deferAct).
func (p *Program) chainVal(v *graph.Value) (*buf, error) {
	if c := p.pre[v]; c != nil {
		return c.x, nil
	}
	return p.val(v)
}

// deferAct leaves unary step n (activation sp.act of x, or of the chain
// that computed x) to the step that reads its result, when it can
// (chainable), and reports whether it did.
func (p *Program) deferAct(n *graph.Node, x *buf, sp ewSpec) bool {
	prev := p.pre[n.In(0)]
	c := &preChain{x: x}
	if prev != nil {
		cc := *prev
		c = &cc
		c.acts = slices.Clone(prev.acts)
	}
	params := 0
	if c.params {
		params = 1
	}
	if paramAct(n.Op) {
		params++
	}
	if !x.dt.float() || !p.chainable(n, len(c.acts)+1, params) {
		// A chained input is always chained on (chainable checked this
		// step for the one before).
		return false
	}
	dt, _ := deviceType(n.Outputs[0].DType, p.e.act) // a float type (chainable)
	c.acts = append(c.acts, sp.act)
	c.rnd = dt == dF16
	if paramAct(n.Op) {
		c.params, c.alpha, c.beta, c.lo, c.hi = true, sp.alpha, sp.beta, sp.lo, sp.hi
	}
	p.pre[n.Outputs[0]] = c
	return true
}

func lowerSum(p *Program, n *graph.Node) error {
	ins, err := p.inputs(n)
	if err != nil {
		return err
	}
	if len(ins) < 2 {
		return fmt.Errorf("Sum of %d inputs", len(ins))
	}
	y, err := p.define(n.Outputs[0], likeNHWC(n.Outputs[0].Shape, ins...))
	if err != nil {
		return err
	}
	first := min(len(ins), 3)
	op := opAdd
	if first == 3 {
		op = opAdd3
	}
	if err := p.ew(n.Name, y, ins[:first], ewSpec{op: op}); err != nil {
		return err
	}
	for _, x := range ins[first:] {
		if err := p.ew(n.Name, y, []*buf{y, x}, ewSpec{op: opAdd}); err != nil {
			return err
		}
	}
	return nil
}

// lowerFixedEW lowers an element-wise op of exactly nin inputs (Equal,
// Where) to one dsgo_ew launch.
func lowerFixedEW(op int32, nin int) lowerFunc {
	return func(p *Program, n *graph.Node) error {
		ins, err := p.inputs(n)
		if err != nil {
			return err
		}
		if len(ins) != nin {
			return fmt.Errorf("%s with %d inputs", n.Op, len(ins))
		}
		y, err := p.define(n.Outputs[0], false)
		if err != nil {
			return err
		}
		return p.ew(n.Name, y, ins, ewSpec{op: op})
	}
}

// lowerCast converts element types; float to integer truncates toward
// zero, as the CPU backend does. A Cast to the type the device already
// holds (float32 to float32, or to float16 in FP16 programs) is a view.
func lowerCast(p *Program, n *graph.Node) error {
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	out := n.Outputs[0]
	if _, inPlace := p.slots[out]; !inPlace && out.Shape != nil && slices.Equal(out.Shape, x.shape) {
		if dt, err := deviceType(out.DType, p.e.act); err == nil && dt == x.dt {
			p.vals[out] = &buf{name: out.Name, dt: x.dt, shape: slices.Clone(x.shape), stride: slices.Clone(x.stride), base: x}
			return nil
		}
	}
	y, err := p.defineOut(out, likeNHWC(out.Shape, x))
	if err != nil {
		return err
	}
	return p.ew(n.Name, y, []*buf{x}, ewSpec{op: opCopy})
}

// lowerExpand broadcasts its input to the output shape.
func lowerExpand(p *Program, n *graph.Node) error {
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	return p.ew(n.Name, y, []*buf{x}, ewSpec{op: opCopy})
}

// lowerBatchNorm runs an unfolded inference BatchNormalization as
// y = x*s + b with s and b per channel, computed here as the CPU
// backend computes them.
func lowerBatchNorm(p *Program, n *graph.Node) error {
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	if len(x.shape) < 2 {
		return fmt.Errorf("input %v needs a channel dimension", x.shape)
	}
	c := x.shape[1]
	var prm [4][]float32
	for i := range prm {
		v := n.In(i + 1)
		if v == nil || v.Const == nil || v.Const.DType != tensor.Float32 || len(v.Const.F32) != c {
			return fmt.Errorf("parameter %d must be a float constant of %d elements", i+1, c)
		}
		prm[i] = v.Const.F32
	}
	eps := n.AttrFloat("epsilon", 1e-5)
	s, b := make([]float32, c), make([]float32, c)
	for ch := range c {
		s[ch] = prm[0][ch] / float32(math.Sqrt(float64(prm[3][ch]+eps)))
		b[ch] = prm[1][ch] - prm[2][ch]*s[ch]
	}
	shape := make([]int, len(x.shape)-1)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = c
	sb, err := p.floatConst(n.Name+".scale", dF32, shape, s)
	if err != nil {
		return err
	}
	bb, err := p.floatConst(n.Name+".shift", dF32, shape, b)
	if err != nil {
		return err
	}
	y, err := p.define(n.Outputs[0], x.nhwc())
	if err != nil {
		return err
	}
	return p.ew(n.Name, y, []*buf{x, sb, bb}, ewSpec{op: opMulAdd})
}

// lowerView makes reshapes (Reshape, Flatten, Squeeze, Unsqueeze,
// Identity, Dropout) views of their row-major input: they cost nothing.
func lowerView(p *Program, n *graph.Node) error {
	if n.Op == "Dropout" && len(n.Outputs) > 1 && n.Outputs[1] != nil {
		for _, m := range p.g.Nodes {
			if slices.Contains(m.Inputs, n.Outputs[1]) {
				return fmt.Errorf("Dropout's mask is not supported")
			}
		}
	}
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	out := n.Outputs[0]
	if out.Shape == nil || out.Shape.NumElements() != x.elems() {
		return fmt.Errorf("reshape of %v to %v", x.shape, out.Shape)
	}
	if s, ok := p.slots[out]; ok {
		// A Concat input: copy x into place, in one pass from its own
		// layout (no row-major copy first).
		y, err := p.slotView(out, s)
		if err != nil {
			return err
		}
		if st, ok := reshapeStrides(y.shape, y.stride, x.shape); ok {
			dst := &buf{name: y.name, dt: y.dt, shape: x.shape, stride: st, base: y.base, off: y.off}
			if !p.toPlanes(n.Name, x, dst) {
				if err := p.ew(n.Name, dst, []*buf{x}, ewSpec{op: opCopy}); err != nil {
					return err
				}
			}
			p.vals[out] = y
			return nil
		}
	}
	x, err = p.canon(x)
	if err != nil {
		return err
	}
	p.vals[out] = &buf{name: out.Name, dt: x.dt, shape: slices.Clone(out.Shape), stride: contiguous(out.Shape), base: x}
	return nil
}

func lowerConcat(p *Program, n *graph.Node) error {
	ins, err := p.inputs(n)
	if err != nil {
		return err
	}
	out := n.Outputs[0]
	axis, err := axisOf(n, len(out.Shape), 0)
	if err != nil {
		return err
	}
	nhwc := len(out.Shape) == 4
	for _, b := range ins {
		nhwc = nhwc && b.nhwc()
	}
	y, err := p.concatOut(out, nhwc, false)
	if err != nil {
		return err
	}
	off := 0
	for i, b := range ins {
		if len(b.shape) != len(y.shape) {
			return fmt.Errorf("input %d of rank %d for output %v", i, len(b.shape), y.shape)
		}
		if b.base == y && b.off == off*y.stride[axis]*y.dt.size() && slices.Equal(b.stride, y.stride) {
			off += b.shape[axis] // computed in place (planSlots)
			continue
		}
		if p.sliceCopy(fmt.Sprintf("%s[%d]", n.Name, i), b, y, axis, off, true) {
			off += b.shape[axis]
			continue
		}
		k, err := p.newEW(b.shape, arg{b: y, off: off * y.stride[axis], stride: y.stride}, []arg{{b: b}}, ewSpec{op: opCopy})
		if err != nil {
			return err
		}
		off += b.shape[axis]
		if k.prm.N > 0 {
			p.step(fmt.Sprintf("%s[%d]", n.Name, i), []*buf{b}, []*buf{y}, func(s *cuda.Stream) error { return k.run(p.e, s) })
		}
	}
	if off != y.shape[axis] {
		return fmt.Errorf("inputs sum to %d along axis %d of %v", off, axis, y.shape)
	}
	return nil
}

func lowerSplit(p *Program, n *graph.Node) error {
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	axis, err := axisOf(n, len(x.shape), 0)
	if err != nil {
		return err
	}
	off := 0
	for i, v := range n.Outputs {
		if v == nil {
			continue
		}
		y, err := p.define(v, likeNHWC(v.Shape, x) || x.nhwc() && len(v.Shape) == 4)
		if err != nil {
			return err
		}
		if p.sliceCopy(fmt.Sprintf("%s[%d]", n.Name, i), y, x, axis, off, false) {
			off += y.shape[axis]
			continue
		}
		k, err := p.newEW(y.shape, arg{b: y, stride: y.stride}, []arg{{b: x, off: off * x.stride[axis], stride: x.stride}},
			ewSpec{op: opCopy})
		if err != nil {
			return err
		}
		off += y.shape[axis]
		if k.prm.N > 0 {
			p.step(fmt.Sprintf("%s[%d]", n.Name, i), []*buf{x}, []*buf{y}, func(s *cuda.Stream) error { return k.run(p.e, s) })
		}
	}
	if off > x.shape[axis] {
		return fmt.Errorf("outputs take %d along axis %d of %v", off, axis, x.shape)
	}
	return nil
}

// sliceDims resolves ONNX Slice's parameters to a start and step per
// dimension (the CPU backend's rules).
func sliceDims(x []int, starts, ends, axes, steps []int) (start, step []int, err error) {
	if len(ends) != len(starts) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, nil, fmt.Errorf("starts, ends, axes and steps differ in length")
	}
	start, step = make([]int, len(x)), make([]int, len(x))
	for i := range step {
		step[i] = 1
	}
	for i := range starts {
		a := i
		if axes != nil {
			a = axes[i]
			if a < 0 {
				a += len(x)
			}
			if a < 0 || a >= len(x) {
				return nil, nil, fmt.Errorf("axis %d out of range", axes[i])
			}
		}
		st := 1
		if steps != nil {
			st = steps[i]
		}
		if st == 0 {
			return nil, nil, fmt.Errorf("step 0 on axis %d", a)
		}
		d, s := x[a], starts[i]
		if s < 0 {
			s += d
		}
		if st > 0 {
			s = min(max(s, 0), d)
		} else {
			s = min(max(s, 0), d-1)
		}
		start[a], step[a] = s, st
	}
	return start, step, nil
}

func lowerSlice(p *Program, n *graph.Node) error {
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	var args [4][]int
	for i := range args {
		if args[i], err = constInts(n.In(i + 1)); err != nil {
			return err
		}
	}
	if n.In(1) == nil { // opset < 10: attributes
		args[0], args[1], args[2] = n.AttrInts("starts"), n.AttrInts("ends"), n.AttrInts("axes")
	}
	start, step, err := sliceDims(x.shape, args[0], args[1], args[2], args[3])
	if err != nil {
		return err
	}
	off, st := 0, make([]int, len(x.shape))
	for i := range st {
		off += start[i] * x.stride[i]
		st[i] = x.stride[i] * step[i]
	}
	if out := n.Outputs[0]; p.readStrided(out) && !slices.ContainsFunc(step, func(s int) bool { return s < 0 }) &&
		out.Shape != nil && len(out.Shape) == len(x.shape) {
		// Read where it is by its consumers.
		p.vals[out] = &buf{name: out.Name, dt: x.dt, shape: slices.Clone(out.Shape), stride: st, base: x, off: off * x.dt.size()}
		return nil
	}
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	k, err := p.newEW(y.shape, arg{b: y, stride: y.stride}, []arg{{b: x, off: off, stride: st}}, ewSpec{op: opCopy})
	if err != nil {
		return err
	}
	if k.prm.N > 0 {
		p.step(n.Name, []*buf{x}, []*buf{y}, func(s *cuda.Stream) error { return k.run(p.e, s) })
	}
	return nil
}

func lowerTranspose(p *Program, n *graph.Node) error {
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	perm := n.AttrInts("perm")
	if perm == nil {
		for i := len(x.shape) - 1; i >= 0; i-- {
			perm = append(perm, i)
		}
	}
	if len(perm) != len(x.shape) {
		return fmt.Errorf("perm %v for rank %d", perm, len(x.shape))
	}
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	st := make([]int, len(perm))
	for i, a := range perm {
		if a < 0 || a >= len(x.shape) {
			return fmt.Errorf("perm %v out of range", perm)
		}
		st[i] = x.stride[a]
	}
	k, err := p.newEW(y.shape, arg{b: y, stride: y.stride}, []arg{{b: x, stride: st}}, ewSpec{op: opCopy})
	if err != nil {
		return err
	}
	if k.prm.N > 0 {
		p.step(n.Name, []*buf{x}, []*buf{y}, func(s *cuda.Stream) error { return k.run(p.e, s) })
	}
	return nil
}
