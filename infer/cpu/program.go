package cpu

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// Program is a graph lowered to this package's kernels for fixed input
// shapes: every value has its tensor allocated once, constants are used
// in place, reshapes alias their input, a Concat's parts are written
// into its output where they can be, and Run executes the steps in
// order. Running allocates nothing.
type Program struct {
	r       *Runner
	g       *graph.Graph
	vals    map[*graph.Value]*tensor.Tensor
	steps   []step
	scratch []float32
	// While lowering: float32 tensors waiting for arena space, and views
	// of other tensors' data (reshapes, a concatenation's parts: see
	// planArena).
	pending   []*tensor.Tensor
	views     map[*tensor.Tensor]view
	arenaSize int // float32 elements
	unshared  int // what the arena's tensors would take without reuse
	peak      int // the most elements live at one step
	// tail runs the nodes after a NonMaxSuppression whose rows feed
	// them; keep are the values it reads, live until the end of a run.
	tail *tail
	keep []*graph.Value
	// kernels names the kernel each convolution node runs on (Profile).
	kernels map[*graph.Node]string
	// While lowering: how many nodes (and graph outputs) read each
	// value, and the planned convolutions lowered so far by their output
	// (fuseS2, withPool, poolFits).
	uses  map[*graph.Value]int
	convs map[*graph.Value]loweredConv
	// fused maps a node whose step runs the nodes before it too (an
	// s2Fused plan: a stride-2 convolution after another, a max pool
	// after one or two; a max pool after any planned convolution) to
	// those, first first: their own steps do nothing and the step reads
	// their inputs (planArena, Profile).
	fused map[*graph.Node][]*graph.Node
	// unwritten are the values of fused nodes that no step writes: their
	// rows pass through the workers' buffers (planArena gives them no
	// memory).
	unwritten map[*graph.Value]bool
}

// loweredConv is a lowered convolution on a planned kernel: its plan
// (with f, fused with the stride-2 layer before it), node, step and
// tensors (x: the first layer's input where f fuses it), for a next node
// to fuse with.
type loweredConv struct {
	d         *directConv
	f         *s2Fused
	node      *graph.Node
	step      int
	x, y, res *tensor.Tensor
}

// view is a tensor whose data is base's from element off on.
type view struct {
	base *tensor.Tensor
	off  int
}

type step struct {
	node *graph.Node
	run  func() error
}

// lowerFunc turns a node into a step; it may size p.scratch.
type lowerFunc func(p *Program, n *graph.Node) (func() error, error)

// Compile binds g to the input shapes, optimises it and lowers every node.
// An op without a CPU lowering fails here, naming the op and the node.
func Compile(g *graph.Graph, shapes map[string]tensor.Shape, r *Runner) (*Program, error) {
	bound, err := g.Bind(shapes)
	if err != nil {
		return nil, err
	}
	if bound, err = graph.Optimize(bound, graph.Options{Debug: graph.DebugFromEnv()}); err != nil {
		return nil, err
	}
	p := &Program{r: r, g: bound, vals: map[*graph.Value]*tensor.Tensor{}, views: map[*tensor.Tensor]view{},
		kernels: map[*graph.Node]string{}, uses: map[*graph.Value]int{}, convs: map[*graph.Value]loweredConv{},
		fused: map[*graph.Node][]*graph.Node{}, unwritten: map[*graph.Value]bool{}}
	for _, n := range bound.Nodes {
		for _, v := range n.Inputs {
			p.uses[v]++
		}
	}
	for _, v := range bound.Outputs {
		p.uses[v] += 2 // never only one node's
	}
	for _, in := range bound.Inputs {
		if _, err := p.tensor(in); err != nil {
			return nil, err
		}
	}
	t, tailNodes, keep := splitTail(bound)
	for _, n := range bound.Nodes {
		if tailNodes[n] {
			continue
		}
		lower, ok := lowerings[n.Op]
		if !ok {
			return nil, fmt.Errorf("cpu: %s: no CPU kernel for %s yet", n, n.Op)
		}
		run, err := lower(p, n)
		if err != nil {
			return nil, fmt.Errorf("cpu: %s: %w", n, err)
		}
		if run != nil {
			p.steps = append(p.steps, step{n, run})
		}
	}
	if t != nil {
		if err := t.bind(p, keep); err != nil {
			return nil, err
		}
		p.tail, p.keep = t, keep
	}
	for _, out := range bound.Outputs {
		if _, err := p.tensor(out); err != nil {
			return nil, err
		}
	}
	p.planArena()
	p.uses, p.convs = nil, nil
	return p, nil
}

// tensor returns the tensor of a value, allocating it on first use.
func (p *Program) tensor(v *graph.Value) (*tensor.Tensor, error) {
	if v == nil {
		return nil, nil
	}
	if t, ok := p.vals[v]; ok {
		return t, nil
	}
	if v.Const != nil {
		p.vals[v] = v.Const
		return v.Const, nil
	}
	n := v.Shape.NumElements()
	if n < 0 {
		return nil, fmt.Errorf("value %s has unknown shape %v", v.Name, v.Shape)
	}
	t := &tensor.Tensor{Name: v.Name, DType: v.DType, Shape: v.Shape}
	if v.DType == tensor.Float32 {
		p.pending = append(p.pending, t) // data from the arena (planArena)
		p.unshared += n
	} else {
		t.Raw = make([]byte, n*max(v.DType.Size(), 1))
	}
	p.vals[v] = t
	return t, nil
}

// io returns the tensors of a node's inputs and outputs.
func (p *Program) io(n *graph.Node) (ins, outs []*tensor.Tensor, err error) {
	for _, v := range n.Inputs {
		t, err := p.tensor(v)
		if err != nil {
			return nil, nil, err
		}
		ins = append(ins, t)
	}
	for _, v := range n.Outputs {
		t, err := p.tensor(v)
		if err != nil {
			return nil, nil, err
		}
		outs = append(outs, t)
	}
	return ins, outs, nil
}

// Input returns the tensor to fill for a graph input.
func (p *Program) Input(name string) (*tensor.Tensor, bool) { return p.named(p.g.Inputs, name) }

// Output returns the tensor holding a graph output after Run.
func (p *Program) Output(name string) (*tensor.Tensor, bool) { return p.named(p.g.Outputs, name) }

func (p *Program) named(vs []*graph.Value, name string) (*tensor.Tensor, bool) {
	for _, v := range vs {
		if v.Name == name {
			return p.vals[v], true
		}
	}
	return nil, false
}

// Graph returns the bound, optimised graph the program runs.
func (p *Program) Graph() *graph.Graph { return p.g }

// Run executes the program on the current input tensors.
func (p *Program) Run() error { return p.run(nil) }

// run executes the steps and the tail; with times (one per step, then
// one for the tail) it adds to each what it took (Profile).
func (p *Program) run(times []time.Duration) error {
	var start time.Time
	for i, s := range p.steps {
		if times != nil {
			start = time.Now()
		}
		if err := s.run(); err != nil {
			return fmt.Errorf("cpu: %s: %w", s.node, err)
		}
		if times != nil {
			times[i] += time.Since(start)
		}
	}
	if p.tail != nil {
		if times != nil {
			start = time.Now()
		}
		if err := p.tail.run(); err != nil {
			return fmt.Errorf("cpu: %w", err)
		}
		if times != nil {
			times[len(p.steps)] += time.Since(start)
		}
	}
	return nil
}

// grow makes sure the shared scratch holds n floats.
func (p *Program) grow(n int) {
	if n > len(p.scratch) {
		p.scratch = make([]float32, n)
	}
}

// constInts reads a constant int64 input (starts, axes, sizes...).
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
		switch {
		case x > math.MaxInt32:
			out[i] = math.MaxInt32
		case x < math.MinInt32:
			out[i] = math.MinInt32
		default:
			out[i] = int(x)
		}
	}
	return out, nil
}

// constF32 reads a constant float input (Clip's bounds, Pad's value, Resize's scales).
func constF32(v *graph.Value) ([]float32, error) {
	if v == nil {
		return nil, nil
	}
	if v.Const == nil || v.Const.DType != tensor.Float32 {
		return nil, fmt.Errorf("input %s must be a float constant", v.Name)
	}
	return v.Const.F32, nil
}

func pair(v []int, def int) [2]int {
	if len(v) >= 2 {
		return [2]int{v[0], v[1]}
	}
	return [2]int{def, def}
}

func pads4(v []int) [4]int {
	if len(v) >= 4 {
		return [4]int{v[0], v[1], v[2], v[3]}
	}
	return [4]int{}
}

// ActivationOf decodes the activation a graph pass fused into a node
// (graph.FusedActivation and its parameters); every backend's epilogues
// read it.
func ActivationOf(n *graph.Node) (Activation, error) {
	a := Activation{Alpha: n.AttrFloat(graph.FusedAlpha, 0.01), Min: n.AttrFloat(graph.FusedMin, float32(math.Inf(-1))),
		Max: n.AttrFloat(graph.FusedMax, float32(math.Inf(1)))}
	switch k := n.AttrString(graph.FusedActivation, ""); k {
	case "":
	case "Relu":
		a.Kind = ActRelu
	case "LeakyRelu":
		a.Kind = ActLeakyRelu
	case "Clip":
		a.Kind = ActClip
	case "Sigmoid":
		a.Kind = ActSigmoid
	case "SiLU":
		a.Kind = ActSiLU
	case "HardSwish":
		a.Kind = ActHardSwish
	default:
		return a, fmt.Errorf("unknown fused activation %q", k)
	}
	return a, nil
}

// alias makes an output share its input's data: reshapes cost nothing.
func alias(p *Program, n *graph.Node) (func() error, error) {
	in, err := p.tensor(n.In(0))
	if err != nil {
		return nil, err
	}
	out := n.Outputs[0]
	if out.Shape.NumElements() != in.Len() {
		return nil, fmt.Errorf("reshape of %v to %v", in.Shape, out.Shape)
	}
	t := &tensor.Tensor{Name: out.Name, DType: in.DType, Shape: out.Shape, F32: in.F32, Raw: in.Raw}
	if in.DType == tensor.Float32 && in.F32 == nil { // not placed yet: share its data once it is
		p.views[t] = view{base: in}
	}
	p.vals[out] = t
	return nil, nil
}

// lowerings maps each op the CPU backend runs to its lowering.
var lowerings = buildLowerings()

func buildLowerings() map[string]lowerFunc {
	l := map[string]lowerFunc{
		"Conv": lowerConv, "BatchNormalization": lowerBatchNorm,
		"MaxPool": lowerPool, "AveragePool": lowerPool, "GlobalAveragePool": lowerGAP,
		"Gemm": lowerGemm, "MatMul": lowerMatMul, "Softmax": lowerSoftmax, "Clip": lowerClip,
		"Concat": lowerConcat, "Split": lowerSplit, "Slice": lowerSlice, "Transpose": lowerTranspose,
		"Gather": lowerGather, "Pad": lowerPad, "Resize": lowerResize, "Upsample": lowerResize,
		"ReduceMean": lowerReduce, "ReduceMax": lowerReduce, "ReduceSum": lowerReduce,
		"Reshape": alias, "Flatten": alias, "Squeeze": alias, "Unsqueeze": alias, "Identity": alias, "Dropout": alias,
		"Sum": lowerSum, "ConvTranspose": lowerConvTranspose, "TopK": lowerTopK, "RoiAlign": lowerRoiAlign,
		"Cast": lowerCast, "Equal": lowerEqual, "Where": lowerWhere, "Expand": lowerExpand, "Tile": lowerExpand,
		"ArgMax": lowerArgMax, "NonMaxSuppression": lowerNMS,
	}
	for op, b := range map[string]BinaryOp{"Add": OpAdd, "Sub": OpSub, "Mul": OpMul, "Div": OpDiv, "Pow": OpPow, "Min": OpMin, "Max": OpMax} {
		l[op] = lowerBinary(b)
	}
	for op, u := range map[string]UnaryOp{"Relu": OpRelu, "LeakyRelu": OpLeakyRelu, "Sigmoid": OpSigmoid, "Tanh": OpTanh,
		"Exp": OpExp, "Sqrt": OpSqrt, "Neg": OpNeg, "HardSigmoid": OpHardSigmoid, "HardSwish": OpHardSwish,
		"Mish": OpMish, "Erf": OpErf, "Floor": OpFloor, "Ceil": OpCeil} {
		l[op] = lowerUnary(u)
	}
	return l
}

// LoweredOps returns the ops the CPU backend runs, sorted.
func LoweredOps() []string {
	ops := make([]string, 0, len(lowerings))
	for op := range lowerings {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return ops
}
