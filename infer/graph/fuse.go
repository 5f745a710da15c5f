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
			sig, mul := users[0], users[1]
			if sig.Op == "Mul" {
				sig, mul = mul, sig
			}
			if sig.Op != "Sigmoid" || mul.Op != "Mul" || len(mul.Inputs) != 2 || g.isOutput(sig.Outputs[0]) ||
				len(cons[sig.Outputs[0]]) != 1 {
				continue
			}
			a, b := mul.Inputs[0], mul.Inputs[1]
			if !(a == y && b == sig.Outputs[0] || b == y && a == sig.Outputs[0]) {
				continue
			}
			conv.Attrs[FusedActivation] = Attr{Kind: AttrStringKind, String: "SiLU"}
			conv.Outputs[0] = mul.Outputs[0]
			drop[sig], drop[mul] = true, true
		}
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
