package cpu

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// maxTailPrograms bounds how many row counts a tail keeps compiled.
const maxTailPrograms = 32

// tail is the part of a graph downstream of a NonMaxSuppression whose
// selected rows feed other nodes (Gather of the chosen boxes, say, as
// detectors exported with their NMS do). Their shapes depend on how many
// rows were selected, so the tail is compiled as a graph of its own for
// each row count met (kept up to maxTailPrograms): a run with a count
// seen before allocates nothing.
type tail struct {
	g       *graph.Graph // inputs: the values it reads from the rest
	dynamic []bool       // per input: a NonMaxSuppression output ([rows, 3])
	shapes  []tensor.Shape
	src     []*tensor.Tensor // per input: the head's tensor
	outs    []*tensor.Tensor // per output: what Output returns
	progs   map[string]*Program
	order   []string // keys of progs, oldest first
	key     []byte
	r       *Runner
}

// splitTail finds the nodes downstream of NonMaxSuppression outputs that
// feed other nodes. It returns them as a tail graph whose inputs are the
// values they read from the other nodes (listed in keep, which the head
// must hold until the end of a run), or a nil tail when there are none.
func splitTail(g *graph.Graph) (t *tail, tailNodes map[*graph.Node]bool, keep []*graph.Value) {
	fed := map[*graph.Value]bool{}
	for _, n := range g.Nodes {
		for _, v := range n.Inputs {
			fed[v] = true
		}
	}
	derived := map[*graph.Value]bool{}
	dynamic := map[*graph.Value]bool{}
	tailNodes = map[*graph.Node]bool{}
	var nodes []*graph.Node
	for _, n := range g.Nodes {
		in := slices.ContainsFunc(n.Inputs, func(v *graph.Value) bool { return v != nil && derived[v] })
		if n.Op == "NonMaxSuppression" && fed[n.Outputs[0]] && !in {
			derived[n.Outputs[0]], dynamic[n.Outputs[0]] = true, true
			continue
		}
		if in {
			tailNodes[n] = true
			nodes = append(nodes, n)
			for _, v := range n.Outputs {
				derived[v] = true
			}
		}
	}
	if len(nodes) == 0 {
		return nil, nil, nil
	}
	tg := &graph.Graph{Name: g.Name + " (after NonMaxSuppression)", Opset: g.Opset, Nodes: nodes, Initializers: g.Initializers}
	seen := map[*graph.Value]bool{}
	for _, n := range nodes {
		for _, v := range n.Inputs {
			if v == nil || v.Const != nil || seen[v] || (derived[v] && !dynamic[v]) {
				continue
			}
			seen[v] = true
			tg.Inputs = append(tg.Inputs, v)
			keep = append(keep, v)
		}
	}
	for _, v := range g.Outputs {
		if derived[v] && !dynamic[v] {
			tg.Outputs = append(tg.Outputs, v)
		}
	}
	t = &tail{progs: map[string]*Program{}}
	for _, v := range tg.Inputs {
		t.dynamic = append(t.dynamic, dynamic[v])
		t.shapes = append(t.shapes, slices.Clone(v.Shape))
	}
	t.g = tg.Clone() // its own values: binding it leaves g's alone
	for i, v := range t.g.Inputs {
		if t.dynamic[i] {
			v.Shape = tensor.Shape{-1, 3}
		}
	}
	return t, tailNodes, keep
}

// bind connects the tail to the head program p: the head tensors it
// reads, and the tensors that stand for the graph outputs it makes (their
// data and shape change with each run).
func (t *tail) bind(p *Program, keep []*graph.Value) error {
	src := make([]*tensor.Tensor, len(keep))
	for i, v := range keep {
		var err error
		if src[i], err = p.tensor(v); err != nil {
			return err
		}
	}
	byName := map[string]*graph.Value{}
	for _, v := range p.g.Outputs {
		byName[v.Name] = v
	}
	for i, o := range t.connect(src, p.r) {
		p.vals[byName[t.g.Outputs[i].Name]] = o
	}
	return nil
}

// connect gives the tail the tensors it reads its inputs from (in the
// order of splitTail's keep) and the Runner it runs on, and returns the
// tensors that stand for the graph outputs it makes, in order.
func (t *tail) connect(src []*tensor.Tensor, r *Runner) []*tensor.Tensor {
	t.r, t.src = r, src
	for _, v := range t.g.Outputs {
		t.outs = append(t.outs, &tensor.Tensor{Name: v.Name, DType: v.DType, Shape: tensor.Shape{}})
	}
	return t.outs
}

// Tail runs on the CPU the nodes of a graph downstream of a
// NonMaxSuppression whose selected rows feed other nodes, compiled per
// row count as the CPU backend's own programs do. The GPU backend uses it
// for what follows the NonMaxSuppression it runs on the device.
type Tail struct{ t *tail }

// SplitTail finds the nodes downstream of NonMaxSuppression outputs that
// feed other nodes (nil when there are none): the head must not lower
// them (tailNodes), and must hold the values in keep for the tail, the
// NonMaxSuppression rows among them.
func SplitTail(g *graph.Graph) (t *Tail, tailNodes map[*graph.Node]bool, keep []*graph.Value) {
	st, tailNodes, keep := splitTail(g)
	if st == nil {
		return nil, nil, nil
	}
	return &Tail{st}, tailNodes, keep
}

// Outputs returns the graph outputs the tail computes.
func (t *Tail) Outputs() []*graph.Value { return t.t.g.Outputs }

// Connect gives the tail the host tensors that hold its inputs at each
// Run, in the order of SplitTail's keep (float values as float32), and
// the Runner it runs on; it returns the tensors that hold the outputs
// after each Run, in the order of Outputs.
func (t *Tail) Connect(src []*tensor.Tensor, r *Runner) []*tensor.Tensor { return t.t.connect(src, r) }

// Run compiles the tail for the rows selected (or reuses the program of
// an earlier run with the same counts) and runs it.
func (t *Tail) Run() error { return t.t.run() }

// run compiles (or finds) the tail for the rows the head selected, copies
// its inputs in, runs it and points the output tensors at its results.
func (t *tail) run() error {
	t.key = t.key[:0]
	for i, src := range t.src {
		if t.dynamic[i] {
			t.key = strconv.AppendInt(t.key, int64(src.Shape[0]), 10)
			t.key = append(t.key, ',')
		}
	}
	prog, ok := t.progs[string(t.key)]
	if !ok {
		var err error
		if prog, err = t.compile(); err != nil {
			return err
		}
	}
	for i, src := range t.src {
		in, _ := prog.Input(t.g.Inputs[i].Name)
		copy(in.F32, src.F32)
		copy(in.Raw, src.Raw)
	}
	if err := prog.Run(); err != nil {
		return err
	}
	for i, o := range t.outs {
		res, _ := prog.Output(t.g.Outputs[i].Name)
		o.DType, o.Shape, o.F32, o.Raw = res.DType, res.Shape, res.F32, res.Raw
	}
	return nil
}

// compile binds the tail to the current row counts and caches it,
// dropping the oldest program beyond maxTailPrograms.
func (t *tail) compile() (*Program, error) {
	shapes := map[string]tensor.Shape{}
	for i, v := range t.g.Inputs {
		s := t.shapes[i]
		if t.dynamic[i] {
			s = tensor.Shape{t.src[i].Shape[0], 3}
		}
		shapes[v.Name] = s
	}
	prog, err := Compile(t.g, shapes, t.r)
	if err != nil {
		var b strings.Builder
		for name, s := range shapes {
			fmt.Fprintf(&b, " %s%v", name, s)
		}
		return nil, fmt.Errorf("the nodes after NonMaxSuppression, for%s: %w", b.String(), err)
	}
	key := string(t.key)
	if len(t.order) == maxTailPrograms {
		delete(t.progs, t.order[0])
		t.order = t.order[1:]
	}
	t.progs[key], t.order = prog, append(t.order, key)
	return prog, nil
}
