package graph

import (
	"math"

	"github.com/dsgo/dsgo/infer/tensor"
)

// FuseActivations marks an activation that alone reads a Conv's output as
// fused into that Conv (attribute FusedActivation) and removes its node:
// Relu, LeakyRelu, Sigmoid, Clip with constant bounds, and SiLU written as
// Mul(x, Sigmoid(x)). It returns how many it fused.
func (g *Graph) FuseActivations() int {
	cons := g.consumers()
	drop := map[*Node]bool{}
	for _, conv := range g.Nodes {
		if conv.Op != "Conv" || conv.HasAttr(FusedActivation) || drop[conv] {
			continue
		}
		y := conv.Outputs[0]
		if g.isOutput(y) {
			continue
		}
		users := cons[y]
		switch {
		case len(users) == 1 && fuseSingle(conv, users[0]):
			conv.Outputs[0] = users[0].Outputs[0]
			drop[users[0]] = true
		case len(users) == 2:
			sig, mul, ok := g.siluOf(y, cons)
			if !ok {
				continue
			}
			conv.Attrs[FusedActivation] = Attr{Kind: AttrStringKind, String: "SiLU"}
			conv.Outputs[0] = mul.Outputs[0]
			drop[sig], drop[mul] = true, true
		}
	}
	return g.removeNodes(drop)
}

// siluOf recognises y*sigmoid(y) spelt as ONNX exports SiLU: y feeds a
// Sigmoid and a Mul and nothing else, and the Sigmoid feeds only that
// Mul.
func (g *Graph) siluOf(y *Value, cons map[*Value][]*Node) (sig, mul *Node, ok bool) {
	if len(cons[y]) != 2 {
		return nil, nil, false
	}
	sig, mul = cons[y][0], cons[y][1]
	if sig.Op == "Mul" {
		sig, mul = mul, sig
	}
	if sig.Op != "Sigmoid" || mul.Op != "Mul" || len(mul.Inputs) != 2 || g.isOutput(sig.Outputs[0]) ||
		len(cons[sig.Outputs[0]]) != 1 {
		return nil, nil, false
	}
	a, b := mul.Inputs[0], mul.Inputs[1]
	if !(a == y && b == sig.Outputs[0] || b == y && a == sig.Outputs[0]) {
		return nil, nil, false
	}
	return sig, mul, true
}

// FuseResiduals folds a residual connection into the Conv before it: a
// Conv without a fused activation whose output feeds only an Add, whose
// other operand has the Conv's output shape and is computed before the
// Conv, optionally followed by a Relu or a SiLU that alone reads the
// Add, becomes one Conv with the residual as its fourth input (added
// before the fused activation, as onnxruntime's FusedConv "Z"). The
// backends run it in the convolution's epilogue instead of two or three
// more passes over the tensor. It returns how many it fused.
func (g *Graph) FuseResiduals() int {
	cons := g.consumers()
	pos := map[*Value]int{}
	for i, n := range g.Nodes {
		for _, v := range n.Outputs {
			pos[v] = i
		}
	}
	drop := map[*Node]bool{}
	for i, conv := range g.Nodes {
		if conv.Op != "Conv" || conv.HasAttr(FusedActivation) || len(conv.Inputs) > 3 || drop[conv] {
			continue
		}
		y := conv.Outputs[0]
		if g.isOutput(y) || len(cons[y]) != 1 {
			continue
		}
		add := cons[y][0]
		if add.Op != "Add" || len(add.Inputs) != 2 || add.Inputs[0] == add.Inputs[1] || drop[add] {
			continue
		}
		res := add.Inputs[0]
		if res == y {
			res = add.Inputs[1]
		}
		if res == nil || y.Shape == nil || !res.Shape.Equal(y.Shape) || !add.Outputs[0].Shape.Equal(y.Shape) {
			continue
		}
		if j, ok := pos[res]; ok && j >= i {
			continue
		}
		out := add.Outputs[0]
		drop[add] = true
		if !g.isOutput(out) {
			if users := cons[out]; len(users) == 1 && users[0].Op == "Relu" {
				conv.Attrs[FusedActivation] = Attr{Kind: AttrStringKind, String: "Relu"}
				out, drop[users[0]] = users[0].Outputs[0], true
			} else if sig, mul, ok := g.siluOf(out, cons); ok {
				conv.Attrs[FusedActivation] = Attr{Kind: AttrStringKind, String: "SiLU"}
				out, drop[sig], drop[mul] = mul.Outputs[0], true, true
			}
		}
		for len(conv.Inputs) < 3 {
			conv.Inputs = append(conv.Inputs, nil)
		}
		conv.Inputs = append(conv.Inputs, res)
		conv.Outputs[0] = out
	}
	return g.removeNodes(drop)
}

// fuseSingle sets the fused attributes for act on conv when act can fuse.
func fuseSingle(conv, act *Node) bool {
	if len(act.Outputs) != 1 || act.In(0) != conv.Outputs[0] {
		return false
	}
	str := func(s string) Attr { return Attr{Kind: AttrStringKind, String: s} }
	flt := func(f float32) Attr { return Attr{Kind: AttrFloatKind, Float: f} }
	switch act.Op {
	case "Relu", "Sigmoid":
		conv.Attrs[FusedActivation] = str(act.Op)
	case "LeakyRelu":
		conv.Attrs[FusedActivation] = str(act.Op)
		conv.Attrs[FusedAlpha] = flt(act.AttrFloat("alpha", 0.01))
	case "Clip":
		lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
		if act.HasAttr("min") || act.HasAttr("max") {
			lo, hi = act.AttrFloat("min", lo), act.AttrFloat("max", hi)
		}
		for i, p := range []*float32{&lo, &hi} {
			v := act.In(i + 1)
			if v == nil {
				continue
			}
			if v.Const == nil || v.Const.DType != tensor.Float32 || len(v.Const.F32) != 1 {
				return false
			}
			*p = v.Const.F32[0]
		}
		conv.Attrs[FusedActivation] = str("Clip")
		conv.Attrs[FusedMin], conv.Attrs[FusedMax] = flt(lo), flt(hi)
	default:
		return false
	}
	return true
}
