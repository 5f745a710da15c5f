package graph

import (
	"fmt"
	"math"
	"os"

	"github.com/dsgo/dsgo/infer/tensor"
)

// Attributes Optimize leaves on a Conv node whose activation it fused. A
// backend applies the activation to the convolution's output in place.
const (
	// FusedActivation names the fused activation: Relu, LeakyRelu, Sigmoid,
	// Clip or SiLU (x*sigmoid(x)).
	FusedActivation = "dsgo.activation"
	// FusedAlpha is LeakyRelu's slope.
	FusedAlpha = "dsgo.alpha"
	// FusedMin and FusedMax are Clip's bounds (±Inf when absent).
	FusedMin = "dsgo.min"
	FusedMax = "dsgo.max"
)

// Optimize returns an optimised copy of g: shapes inferred, constants
// folded, Identity and Dropout removed, BatchNormalization folded into the
// preceding Conv, activations and residual Adds (FuseResiduals) fused
// into Conv, dead nodes removed. With o.Debug >= 1 it prints the graph
// summary, with 2 every node.
func Optimize(g *Graph, o Options) (*Graph, error) {
	c := g.Clone()
	if err := c.infer(); err != nil {
		return nil, fmt.Errorf("graph %q: optimize: %w", g.Name, err)
	}
	c.FoldConstants()
	c.RemoveIdentities()
	c.FoldBatchNorm()
	c.FuseActivations()
	c.FuseResiduals()
	c.RemoveDeadNodes()
	if o.Debug >= 1 {
		w := o.Log
		if w == nil {
			w = os.Stderr
		}
		fmt.Fprintf(w, "dsgo: graph after passes:\n")
		c.WriteSummary(w, o.Debug >= 2)
	}
	return c, nil
}

// consumers maps every value to the nodes that read it.
func (g *Graph) consumers() map[*Value][]*Node {
	m := map[*Value][]*Node{}
	for _, n := range g.Nodes {
		for _, v := range n.Inputs {
			if v != nil {
				m[v] = append(m[v], n)
			}
		}
	}
	return m
}

func (g *Graph) isOutput(v *Value) bool {
	for _, o := range g.Outputs {
		if o == v {
			return true
		}
	}
	return false
}

func (g *Graph) isInput(v *Value) bool {
	for _, o := range g.Inputs {
		if o == v {
			return true
		}
	}
	return false
}

// removeNodes drops the marked nodes, keeping the order of the rest.
func (g *Graph) removeNodes(drop map[*Node]bool) int {
	kept := g.Nodes[:0]
	for _, n := range g.Nodes {
		if !drop[n] {
			kept = append(kept, n)
		}
	}
	removed := len(g.Nodes) - len(kept)
	g.Nodes = kept
	return removed
}

// FoldConstants removes every node whose output is already known (see
// Bind) and keeps that output as an initializer. It returns how many
// nodes it removed.
func (g *Graph) FoldConstants() int {
	drop := map[*Node]bool{}
	for _, n := range g.Nodes {
		all := true
		for _, v := range n.Outputs {
			if v != nil && v.Const == nil {
				all = false
			}
		}
		if !all {
			continue
		}
		drop[n] = true
		for _, v := range n.Outputs {
			if v != nil {
				if v.Const.Name != v.Name { // the tensor may be shared (a Constant's attribute)
					c := *v.Const
					c.Name = v.Name
					v.Const = &c
				}
				g.Initializers[v.Name] = v.Const
			}
		}
	}
	return g.removeNodes(drop)
}

// RemoveIdentities removes Identity nodes and inference-mode Dropout nodes,
// wiring their consumers to their input. It returns how many it removed.
func (g *Graph) RemoveIdentities() int {
	cons := g.consumers()
	drop := map[*Node]bool{}
	for _, n := range g.Nodes {
		if n.Op != "Identity" && n.Op != "Dropout" || n.In(0) == nil {
			continue
		}
		if n.Op == "Dropout" && len(n.Outputs) > 1 && n.Outputs[1] != nil &&
			(len(cons[n.Outputs[1]]) > 0 || g.isOutput(n.Outputs[1])) {
			continue // the mask is used
		}
		in, out := n.Inputs[0], n.Outputs[0]
		if g.isOutput(out) {
			if g.isInput(in) || g.isOutput(in) || in.Const != nil {
				continue
			}
			in.Name = out.Name // the graph output keeps its name
			for i, o := range g.Outputs {
				if o == out {
					g.Outputs[i] = in
				}
			}
		}
		for _, c := range cons[out] {
			for i, v := range c.Inputs {
				if v == out {
					c.Inputs[i] = in
				}
			}
			cons[in] = append(cons[in], c)
		}
		drop[n] = true
	}
	return g.removeNodes(drop)
}

// RemoveDeadNodes removes nodes whose outputs reach no graph output, and
// initializers nothing reads. It returns how many nodes it removed.
func (g *Graph) RemoveDeadNodes() int {
	live := map[*Value]bool{}
	for _, v := range g.Outputs {
		live[v] = true
	}
	drop := map[*Node]bool{}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		used := false
		for _, v := range n.Outputs {
			used = used || (v != nil && live[v])
		}
		if !used {
			drop[n] = true
			continue
		}
		for _, v := range n.Inputs {
			if v != nil {
				live[v] = true
			}
		}
	}
	for name, t := range g.Initializers {
		found := false
		for v := range live {
			if v.Const == t && v.Name == name {
				found = true
				break
			}
		}
		if !found {
			delete(g.Initializers, name)
		}
	}
	return g.removeNodes(drop)
}

// floats returns a float32 constant's data, or nil.
func floats(v *Value, n int) []float32 {
	if v == nil || v.Const == nil || v.Const.DType != tensor.Float32 || len(v.Const.F32) != n {
		return nil
	}
	return v.Const.F32
}

// producers maps every node output to its node.
func (g *Graph) producers() map[*Value]*Node {
	m := map[*Value]*Node{}
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v != nil {
				m[v] = n
			}
		}
	}
	return m
}

// FoldBatchNorm folds an inference BatchNormalization into the Conv that
// feeds it alone: W' = W·γ/√(σ²+ε), b' = (b-μ)·γ/√(σ²+ε) + β. It returns
// how many it folded.
func (g *Graph) FoldBatchNorm() int {
	cons, prod := g.consumers(), g.producers()
	drop := map[*Node]bool{}
	for _, bn := range g.Nodes {
		if bn.Op != "BatchNormalization" || len(bn.Inputs) < 5 || bn.AttrInt("training_mode", 0) != 0 {
			continue
		}
		y := bn.Inputs[0]
		conv := prod[y]
		if conv == nil || conv.Op != "Conv" || len(cons[y]) != 1 || g.isOutput(y) || !onlyFirstOutput(bn, cons, g) {
			continue
		}
		w := conv.In(1)
		if w == nil || w.Const == nil || w.Const.DType != tensor.Float32 || len(w.Shape) < 1 {
			continue
		}
		m := w.Shape[0]
		scale, beta := floats(bn.Inputs[1], m), floats(bn.Inputs[2], m)
		mean, vr := floats(bn.Inputs[3], m), floats(bn.Inputs[4], m)
		bias := floats(conv.In(2), m)
		if scale == nil || beta == nil || mean == nil || vr == nil || (conv.In(2) != nil && bias == nil) {
			continue
		}
		eps := float64(bn.AttrFloat("epsilon", 1e-5))
		per := len(w.Const.F32) / max(m, 1)
		nw := make([]float32, len(w.Const.F32))
		nb := make([]float32, m)
		for o := 0; o < m; o++ {
			f := float64(scale[o]) / math.Sqrt(float64(vr[o])+eps)
			for i := o * per; i < (o+1)*per; i++ {
				nw[i] = float32(float64(w.Const.F32[i]) * f)
			}
			b := 0.0
			if bias != nil {
				b = float64(bias[o])
			}
			nb[o] = float32((b-float64(mean[o]))*f + float64(beta[o]))
		}
		conv.Inputs = []*Value{conv.Inputs[0],
			g.addConst(conv.Name+".bn_weight", &tensor.Tensor{DType: tensor.Float32, Shape: cloneShape(w.Shape), F32: nw}),
			g.addConst(conv.Name+".bn_bias", &tensor.Tensor{DType: tensor.Float32, Shape: tensor.Shape{m}, F32: nb})}
		conv.Outputs[0] = bn.Outputs[0]
		drop[bn] = true
	}
	return g.removeNodes(drop)
}

// onlyFirstOutput reports whether a node's outputs other than the first are
// absent or unused.
func onlyFirstOutput(n *Node, cons map[*Value][]*Node, g *Graph) bool {
	for _, v := range n.Outputs[1:] {
		if v != nil && (len(cons[v]) > 0 || g.isOutput(v)) {
			return false
		}
	}
	return true
}

// addConst registers a new constant value under a name not yet used.
func (g *Graph) addConst(name string, t *tensor.Tensor) *Value {
	for i := 1; g.Initializers[name] != nil; i++ {
		name = fmt.Sprintf("%s.%d", name, i)
	}
	t.Name = name
	g.Initializers[name] = t
	return &Value{Name: name, DType: t.DType, Shape: cloneShape(t.Shape), Const: t}
}
