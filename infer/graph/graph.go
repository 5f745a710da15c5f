package graph

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/dsgo/dsgo/infer/tensor"
)

// Graph is a model lowered to the IR. Nodes are topologically sorted: every
// node's inputs are graph inputs, constants or outputs of earlier nodes.
type Graph struct {
	Name    string
	Opset   int // the ai.onnx operator set version the model imports
	Inputs  []*Value
	Outputs []*Value
	Nodes   []*Node
	// Initializers are the model's weights and the constants folded by
	// Optimize, by value name; each is also its Value's Const.
	Initializers map[string]*tensor.Tensor
}

// Value is an edge of the graph: a graph input, a constant or a node output.
type Value struct {
	Name  string
	DType tensor.DType
	// Shape is nil while the rank is unknown; a dimension of -1 is unknown
	// (dynamic) until Bind fixes the inputs. A scalar has an empty,
	// non-nil shape.
	Shape tensor.Shape
	// Const is the value's data when it is known before running the graph:
	// an initializer, a Constant node's output or a folded result.
	Const *tensor.Tensor
}

// String describes the value for logs: name, type and shape.
func (v *Value) String() string {
	if v == nil {
		return "<none>"
	}
	s := "?"
	if v.Shape != nil {
		s = v.Shape.String()
	}
	return fmt.Sprintf("%s:%s%s", v.Name, v.DType, s)
}

// Node is one operator application. An absent optional input (an empty name
// in ONNX) is a nil entry in Inputs.
type Node struct {
	Op      string
	Name    string
	Inputs  []*Value
	Outputs []*Value
	Attrs   map[string]Attr
}

// AttrKind says which field of an Attr holds its value.
type AttrKind int

// Attribute kinds.
const (
	AttrUndefined AttrKind = iota
	AttrIntKind
	AttrFloatKind
	AttrStringKind
	AttrTensorKind
	AttrIntsKind
	AttrFloatsKind
	AttrStringsKind
)

var attrKindNames = [...]string{"undefined", "int", "float", "string", "tensor", "ints", "floats", "strings"}

// String returns the kind's name as ONNX spells it in lower case.
func (k AttrKind) String() string {
	if k >= 0 && int(k) < len(attrKindNames) {
		return attrKindNames[k]
	}
	return "attr(" + strconv.Itoa(int(k)) + ")"
}

// Attr is a typed node attribute; Kind says which field is set.
type Attr struct {
	Kind    AttrKind
	Int     int64
	Float   float32
	String  string
	Tensor  *tensor.Tensor
	Ints    []int64
	Floats  []float32
	Strings []string
}

// AttrInt returns the int attribute name, or def when the node has none.
func (n *Node) AttrInt(name string, def int) int {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrIntKind {
		return int(a.Int)
	}
	return def
}

// AttrInts returns the ints attribute name as ints, or nil when absent.
func (n *Node) AttrInts(name string) []int {
	a, ok := n.Attrs[name]
	if !ok || a.Kind != AttrIntsKind {
		return nil
	}
	out := make([]int, len(a.Ints))
	for i, v := range a.Ints {
		out[i] = int(v)
	}
	return out
}

// AttrFloats returns the floats attribute name, or nil when absent.
func (n *Node) AttrFloats(name string) []float32 {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrFloatsKind {
		return a.Floats
	}
	return nil
}

// AttrFloat returns the float attribute name, or def when absent.
func (n *Node) AttrFloat(name string, def float32) float32 {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrFloatKind {
		return a.Float
	}
	return def
}

// AttrString returns the string attribute name, or def when absent.
func (n *Node) AttrString(name, def string) string {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrStringKind {
		return a.String
	}
	return def
}

// HasAttr reports whether the node carries the attribute name.
func (n *Node) HasAttr(name string) bool {
	_, ok := n.Attrs[name]
	return ok
}

// In returns input i, or nil when it is absent or out of range.
func (n *Node) In(i int) *Value {
	if i < len(n.Inputs) {
		return n.Inputs[i]
	}
	return nil
}

// String names the node for error messages: `Conv "conv1"`.
func (n *Node) String() string {
	return fmt.Sprintf("%s %q", n.Op, n.Name)
}

// Debug is the DSGO_DEBUG level: 0 is quiet, 1 prints the graph summary
// after the passes, 2 also prints every node with its shapes; 3 and 4 belong
// to the backends (chosen kernels, per-layer timings).
type Debug int

// DebugFromEnv reads DSGO_DEBUG; anything that is not 0-4 is 0.
func DebugFromEnv() Debug {
	n, err := strconv.Atoi(os.Getenv("DSGO_DEBUG"))
	if err != nil || n < 0 || n > 4 {
		return 0
	}
	return Debug(n)
}

// Options configure Optimize.
type Options struct {
	Debug Debug     // what to print after the passes
	Log   io.Writer // where to print it; nil is os.Stderr
}

// Params returns the number of float parameters (weights) held by
// initializers; integer constants such as shapes do not count.
func (g *Graph) Params() int {
	n := 0
	for _, t := range g.Initializers {
		if l := t.Len(); l > 0 && t.DType == tensor.Float32 {
			n += l
		}
	}
	return n
}

// OpHistogram counts the nodes of each op type.
func (g *Graph) OpHistogram() map[string]int {
	h := map[string]int{}
	for _, n := range g.Nodes {
		h[n.Op]++
	}
	return h
}

// WriteSummary writes inputs, outputs, the op histogram and the parameter
// count; with detail it also writes every node with its shapes.
func (g *Graph) WriteSummary(w io.Writer, detail bool) {
	fmt.Fprintf(w, "graph %q opset %d: %d nodes, %d params\n", g.Name, g.Opset, len(g.Nodes), g.Params())
	for _, v := range g.Inputs {
		fmt.Fprintf(w, "  input  %s\n", v)
	}
	for _, v := range g.Outputs {
		fmt.Fprintf(w, "  output %s\n", v)
	}
	h := g.OpHistogram()
	ops := make([]string, 0, len(h))
	for op := range h {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool {
		if h[ops[i]] != h[ops[j]] {
			return h[ops[i]] > h[ops[j]]
		}
		return ops[i] < ops[j]
	})
	for _, op := range ops {
		fmt.Fprintf(w, "  %-22s %d\n", op, h[op])
	}
	if !detail {
		return
	}
	for _, n := range g.Nodes {
		ins := make([]string, len(n.Inputs))
		for i, v := range n.Inputs {
			ins[i] = v.String()
		}
		outs := make([]string, len(n.Outputs))
		for i, v := range n.Outputs {
			outs[i] = v.String()
		}
		fmt.Fprintf(w, "  %s(%s) -> %s", n, strings.Join(ins, ", "), strings.Join(outs, ", "))
		if a, ok := n.Attrs[FusedActivation]; ok {
			fmt.Fprintf(w, " +%s", a.String)
		}
		fmt.Fprintln(w)
	}
}

// Clone returns a deep copy of the graph's structure; constant tensors are
// shared, as nothing in the IR mutates them.
func (g *Graph) Clone() *Graph {
	m := map[*Value]*Value{}
	cp := func(v *Value) *Value {
		if v == nil {
			return nil
		}
		if c, ok := m[v]; ok {
			return c
		}
		c := *v
		c.Shape = cloneShape(v.Shape)
		m[v] = &c
		return &c
	}
	out := &Graph{Name: g.Name, Opset: g.Opset, Initializers: make(map[string]*tensor.Tensor, len(g.Initializers))}
	for k, t := range g.Initializers {
		out.Initializers[k] = t
	}
	for _, v := range g.Inputs {
		out.Inputs = append(out.Inputs, cp(v))
	}
	for _, n := range g.Nodes {
		c := &Node{Op: n.Op, Name: n.Name, Attrs: make(map[string]Attr, len(n.Attrs))}
		for k, a := range n.Attrs {
			c.Attrs[k] = a
		}
		for _, v := range n.Inputs {
			c.Inputs = append(c.Inputs, cp(v))
		}
		for _, v := range n.Outputs {
			c.Outputs = append(c.Outputs, cp(v))
		}
		out.Nodes = append(out.Nodes, c)
	}
	for _, v := range g.Outputs {
		out.Outputs = append(out.Outputs, cp(v))
	}
	return out
}

// cloneShape copies s, keeping nil (unknown rank) apart from a scalar.
func cloneShape(s tensor.Shape) tensor.Shape {
	if s == nil {
		return nil
	}
	return append(tensor.Shape{}, s...)
}
