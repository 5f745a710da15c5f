package graph

import (
	"fmt"

	"github.com/dsgo/dsgo/infer/tensor"
)

// Bind returns a copy of the graph whose inputs have the given concrete
// shapes (inputs not named keep theirs) with every shape inferred again and
// the shape-computing subgraphs evaluated to constants. A dimension that
// depends on data (NonMaxSuppression's count, say) stays -1.
func (g *Graph) Bind(shapes map[string]tensor.Shape) (*Graph, error) {
	c := g.Clone()
	byName := map[string]*Value{}
	for _, v := range c.Inputs {
		byName[v.Name] = v
	}
	for name, s := range shapes {
		v := byName[name]
		if v == nil {
			return nil, fmt.Errorf("graph: bind: %q is not an input", name)
		}
		if v.Shape != nil && len(v.Shape) != len(s) {
			return nil, fmt.Errorf("graph: bind %q: shape %v has rank %d, the model wants %v", name, s, len(s), v.Shape)
		}
		for i, d := range s {
			if d < 0 || d > maxElements {
				return nil, fmt.Errorf("graph: bind %q: dimension %d of %v is not a concrete size", name, i, s)
			}
			if v.Shape != nil && v.Shape[i] >= 0 && v.Shape[i] != d {
				return nil, fmt.Errorf("graph: bind %q: shape %v does not match the model's %v", name, s, v.Shape)
			}
		}
		if s.NumElements() > maxElements {
			return nil, fmt.Errorf("graph: bind %q: shape %v is too large", name, s)
		}
		v.Shape = cloneShape(s)
	}
	for _, n := range c.Nodes {
		for _, v := range n.Outputs {
			if v != nil {
				v.Shape, v.Const = nil, nil
			}
		}
	}
	if err := c.infer(); err != nil {
		return nil, fmt.Errorf("graph %q: bind: %w", g.Name, err)
	}
	return c, nil
}

// infer runs shape inference over the sorted nodes, folding constants.
func (g *Graph) infer() error {
	for _, n := range g.Nodes {
		if err := inferNode(n, g.Opset); err != nil {
			return fmt.Errorf("node %s: %w", n, err)
		}
	}
	return nil
}

func inferNode(n *Node, opset int) (err error) {
	defer func() {
		if r := recover(); r != nil { // a bug here must not take the process down
			err = fmt.Errorf("shape inference failed: %v", r)
		}
	}()
	fn := shapeFuncs[n.Op]
	if fn == nil {
		return fmt.Errorf("no shape inference for %s", n.Op)
	}
	if err := fn(n, opset); err != nil {
		return err
	}
	for _, v := range n.Outputs {
		if v != nil && v.Shape != nil {
			if k := v.Shape.NumElements(); k > maxElements {
				return fmt.Errorf("output %q has shape %v, too large", v.Name, v.Shape)
			}
		}
	}
	return evalConst(n)
}

type shapeFunc func(n *Node, opset int) error

var shapeFuncs map[string]shapeFunc

func init() {
	shapeFuncs = map[string]shapeFunc{
		"Conv": inferConv, "ConvTranspose": inferConvTranspose, "MaxPool": inferPool, "AveragePool": inferPool,
		"GlobalAveragePool": inferGlobalPool, "BatchNormalization": inferSame, "Gemm": inferGemm,
		"MatMul": inferMatMul, "Concat": inferConcat, "Split": inferSplit, "Slice": inferSlice,
		"Reshape": inferReshape, "Flatten": inferFlatten, "Transpose": inferTranspose,
		"Squeeze": inferSqueeze, "Unsqueeze": inferUnsqueeze, "Resize": inferResize, "Upsample": inferResize,
		"ReduceMean": inferReduce, "ReduceMax": inferReduce, "ReduceSum": inferReduce, "Pad": inferPad,
		"Shape": inferShapeOp, "Gather": inferGather, "Cast": inferCast, "Constant": inferConstant,
		"ConstantOfShape": inferConstantOfShape, "TopK": inferTopK, "NonMaxSuppression": inferNMS,
		"RoiAlign": inferRoiAlign, "Expand": inferExpand, "Range": inferRange, "Where": inferWhere,
		"ArgMax": inferArgMax, "Tile": inferTile, "Equal": inferBroadcast, "Dropout": inferSame,
	}
	for _, op := range []string{"Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Clip",
		"Sqrt", "Exp", "Neg", "Floor", "Ceil", "Mish", "Erf", "Identity", "Softmax"} {
		shapeFuncs[op] = inferSame
	}
	for _, op := range []string{"Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "Sum"} {
		shapeFuncs[op] = inferBroadcast
	}
}

// set gives output i a type and shape (nil shape: unknown).
func set(n *Node, i int, dt tensor.DType, s tensor.Shape) {
	if i < len(n.Outputs) && n.Outputs[i] != nil {
		n.Outputs[i].DType = dt
		n.Outputs[i].Shape = s
	}
}

// need fails unless the node has at least k present inputs in front.
func need(n *Node, k int) error {
	for i := 0; i < k; i++ {
		if n.In(i) == nil {
			return fmt.Errorf("needs %d inputs, input %d is missing", k, i)
		}
	}
	return nil
}

// normAxis maps a negative axis into [0, rank).
func normAxis(axis, rank int) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

func inferSame(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0]
	set(n, 0, x.DType, cloneShape(x.Shape))
	if n.Op == "Dropout" {
		set(n, 1, tensor.Bool, cloneShape(x.Shape))
	}
	if n.Op == "BatchNormalization" {
		for i := 1; i < len(n.Outputs); i++ {
			set(n, i, x.DType, nil)
		}
		if len(n.Inputs) < 5 {
			return fmt.Errorf("needs 5 inputs, has %d", len(n.Inputs))
		}
	}
	return nil
}

// broadcast combines two shapes by numpy rules; -1 stays unknown.
func broadcast(a, b tensor.Shape) (tensor.Shape, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	r := max(len(a), len(b))
	out := make(tensor.Shape, r)
	for i := 0; i < r; i++ {
		da, db := 1, 1
		if j := i - (r - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (r - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		case da < 0 || db < 0:
			out[i] = max(da, db)
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

func inferBroadcast(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	s := cloneShape(n.Inputs[0].Shape)
	for _, v := range n.Inputs[1:] {
		if v == nil {
			return fmt.Errorf("missing input")
		}
		var err error
		if s, err = broadcast(s, v.Shape); err != nil {
			return err
		}
	}
	dt := n.Inputs[0].DType
	if n.Op == "Equal" {
		dt = tensor.Bool
	}
	set(n, 0, dt, s)
	return nil
}

func inferWhere(n *Node, _ int) error {
	if err := need(n, 3); err != nil {
		return err
	}
	s, err := broadcast(n.Inputs[0].Shape, n.Inputs[1].Shape)
	if err == nil {
		s, err = broadcast(s, n.Inputs[2].Shape)
	}
	set(n, 0, n.Inputs[1].DType, s)
	return err
}

func inferCast(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	to := tensor.DType(n.AttrInt("to", 0))
	if to == 11 { // double is computed as float32
		to = tensor.Float32
	}
	if to.Size() == 0 {
		return fmt.Errorf("cannot cast to type %d", int(to))
	}
	set(n, 0, to, cloneShape(n.Inputs[0].Shape))
	return nil
}

func inferGemm(n *Node, _ int) error {
	if err := need(n, 2); err != nil {
		return err
	}
	a, b := n.Inputs[0].Shape, n.Inputs[1].Shape
	if a == nil || b == nil {
		set(n, 0, n.Inputs[0].DType, tensor.Shape{-1, -1})
		return nil
	}
	if len(a) != 2 || len(b) != 2 {
		return fmt.Errorf("inputs %v and %v must be matrices", a, b)
	}
	m, k := a[0], a[1]
	if n.AttrInt("transA", 0) != 0 {
		m, k = k, m
	}
	k2, nn := b[0], b[1]
	if n.AttrInt("transB", 0) != 0 {
		k2, nn = nn, k2
	}
	if k >= 0 && k2 >= 0 && k != k2 {
		return fmt.Errorf("inner dimensions differ: %v x %v", a, b)
	}
	set(n, 0, n.Inputs[0].DType, tensor.Shape{m, nn})
	return nil
}

func inferMatMul(n *Node, _ int) error {
	if err := need(n, 2); err != nil {
		return err
	}
	a, b := n.Inputs[0].Shape, n.Inputs[1].Shape
	if a == nil || b == nil {
		set(n, 0, n.Inputs[0].DType, nil)
		return nil
	}
	if len(a) == 0 || len(b) == 0 {
		return fmt.Errorf("MatMul of a scalar")
	}
	a2, b2 := a, b
	if len(a) == 1 {
		a2 = tensor.Shape{1, a[0]}
	}
	if len(b) == 1 {
		b2 = tensor.Shape{b[0], 1}
	}
	k1, k2 := a2[len(a2)-1], b2[len(b2)-2]
	if k1 >= 0 && k2 >= 0 && k1 != k2 {
		return fmt.Errorf("inner dimensions differ: %v x %v", a, b)
	}
	batch, err := broadcast(a2[:len(a2)-2], b2[:len(b2)-2])
	if err != nil {
		return err
	}
	out := append(tensor.Shape{}, batch...)
	if len(a) > 1 {
		out = append(out, a2[len(a2)-2])
	}
	if len(b) > 1 {
		out = append(out, b2[len(b2)-1])
	}
	set(n, 0, n.Inputs[0].DType, out)
	return nil
}

func inferConcat(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	first := n.Inputs[0]
	var out tensor.Shape
	for _, v := range n.Inputs {
		if v == nil || v.Shape == nil {
			set(n, 0, first.DType, nil)
			return nil
		}
		if out == nil {
			out = cloneShape(v.Shape)
			continue
		}
		if len(v.Shape) != len(out) {
			return fmt.Errorf("inputs of rank %d and %d", len(out), len(v.Shape))
		}
	}
	axis, err := normAxis(n.AttrInt("axis", 0), len(out))
	if err != nil || len(out) == 0 {
		return fmt.Errorf("concat axis: %v", err)
	}
	out[axis] = 0
	for _, v := range n.Inputs {
		for i, d := range v.Shape {
			switch {
			case i == axis && (out[axis] < 0 || d < 0):
				out[axis] = -1
			case i == axis:
				out[axis] += d
			case out[i] < 0:
				out[i] = d
			case d >= 0 && d != out[i]:
				return fmt.Errorf("input %q shape %v differs off axis %d", v.Name, v.Shape, axis)
			}
		}
	}
	set(n, 0, first.DType, out)
	return nil
}

func inferTranspose(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	s := n.Inputs[0].Shape
	if s == nil {
		set(n, 0, n.Inputs[0].DType, nil)
		return nil
	}
	perm := n.AttrInts("perm")
	if perm == nil {
		for i := len(s) - 1; i >= 0; i-- {
			perm = append(perm, i)
		}
	}
	if len(perm) != len(s) {
		return fmt.Errorf("perm %v for rank %d", perm, len(s))
	}
	out := make(tensor.Shape, len(s))
	seen := make([]bool, len(s))
	for i, p := range perm {
		if p < 0 || p >= len(s) || seen[p] {
			return fmt.Errorf("perm %v is not a permutation", perm)
		}
		seen[p] = true
		out[i] = s[p]
	}
	set(n, 0, n.Inputs[0].DType, out)
	return nil
}

func inferFlatten(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	s := n.Inputs[0].Shape
	if s == nil {
		set(n, 0, n.Inputs[0].DType, tensor.Shape{-1, -1})
		return nil
	}
	axis, err := normAxis(n.AttrInt("axis", 1), len(s)+1)
	if err != nil {
		return err
	}
	set(n, 0, n.Inputs[0].DType, tensor.Shape{s[:axis].NumElements(), s[axis:].NumElements()})
	return nil
}

func inferGlobalPool(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	s := cloneShape(n.Inputs[0].Shape)
	if s != nil && len(s) < 3 {
		return fmt.Errorf("input %v needs rank >= 3", s)
	}
	for i := 2; i < len(s); i++ {
		s[i] = 1
	}
	set(n, 0, n.Inputs[0].DType, s)
	return nil
}
