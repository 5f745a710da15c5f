package cpu

import (
	"slices"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// arenaSlot is a float32 tensor waiting for its place in the arena: the
// steps that first and last touch it (graph inputs and outputs live for
// the whole run) and its offset once placed.
type arenaSlot struct {
	t           *tensor.Tensor
	n           int // elements
	first, last int
	off         int
}

// planArena gives every float32 value's tensor its data in one arena,
// reusing memory between tensors whose lifetimes (from the step that
// writes them to the last step that reads them; a fused step also
// reads its nodes' inputs) do not overlap; the values of fused nodes
// that no step writes (Program.unwritten) get none. Views
// (reshapes) share their base's data. Bigger tensors are placed first,
// each at the lowest offset free for its whole lifetime.
func (p *Program) planArena() {
	slots := make([]*arenaSlot, 0, len(p.pending))
	bySlot := make(map[*tensor.Tensor]*arenaSlot, len(p.pending))
	unused := map[*tensor.Tensor]bool{} // values of fused nodes no step writes
	for v := range p.unwritten {
		if t, ok := p.vals[v]; ok {
			unused[p.base(t)] = true
		}
	}
	for _, t := range p.pending {
		if unused[t] {
			continue
		}
		s := &arenaSlot{t: t, n: t.Len(), first: len(p.steps), last: -1}
		slots, bySlot[t] = append(slots, s), s
	}
	touch := func(v *graph.Value, i int) {
		if t, ok := p.vals[v]; ok {
			if s := bySlot[p.base(t)]; s != nil {
				s.first, s.last = min(s.first, i), max(s.last, i)
			}
		}
	}
	for i, st := range p.steps {
		for _, v := range st.node.Inputs {
			touch(v, i)
		}
		for _, a := range p.fused[st.node] { // a fused step reads its nodes' inputs
			for _, v := range a.Inputs {
				touch(v, i)
			}
		}
		for _, v := range st.node.Outputs {
			touch(v, i)
		}
	}
	for _, vs := range [][]*graph.Value{p.g.Inputs, p.g.Outputs, p.keep} {
		for _, v := range vs {
			touch(v, -1)
			touch(v, len(p.steps))
		}
	}
	// The most memory live at once: no plan can do with less.
	live := make([]int, len(p.steps)+2) // steps -1 .. len(steps)
	for _, s := range slots {
		first, last := s.first, s.last
		if last < first {
			first, last = -1, len(p.steps)
		}
		for i := first; i <= last; i++ {
			live[i+1] += s.n
		}
	}
	p.peak = slices.Max(live)
	slices.SortStableFunc(slots, func(a, b *arenaSlot) int { return b.n - a.n })
	var placed []*arenaSlot
	size := 0
	for _, s := range slots {
		if s.last < s.first { // written and read by no step: keep it apart
			s.first, s.last = -1, len(p.steps)
		}
		s.off = 0
		for moved := true; moved; {
			moved = false
			for _, o := range placed {
				if o.first <= s.last && s.first <= o.last && o.off < s.off+s.n && s.off < o.off+o.n {
					s.off, moved = o.off+o.n, true
				}
			}
		}
		placed = append(placed, s)
		size = max(size, s.off+s.n)
	}
	arena := hugeFloats(size)
	for _, s := range slots {
		s.t.F32 = arena[s.off : s.off+s.n : s.off+s.n]
	}
	for t := range p.views {
		base, off := p.root(t)
		t.F32 = base.F32[off : off+t.Len() : off+t.Len()]
	}
	p.arenaSize, p.pending, p.views = size, nil, nil
}

// base follows views to the tensor that owns the data.
func (p *Program) base(t *tensor.Tensor) *tensor.Tensor {
	b, _ := p.root(t)
	return b
}

// root follows views to the tensor that owns the data and returns it
// with the offset of t's first element in it.
func (p *Program) root(t *tensor.Tensor) (base *tensor.Tensor, off int) {
	for {
		v, ok := p.views[t]
		if !ok {
			return t, off
		}
		t, off = v.base, off+v.off
	}
}

// ArenaBytes returns the bytes of the program's activation arena, and
// what the same tensors would take without reuse.
func (p *Program) ArenaBytes() (arena, unshared int) {
	return 4 * p.arenaSize, 4 * p.unshared
}

// arenaPeak returns the most bytes of float32 tensors live at one step,
// the least any arena plan needs.
func (p *Program) arenaPeak() int { return 4 * p.peak }

// inPlace makes part a view of whole from element off, so that the step
// writing part writes it into whole (a Concat's parts into its output),
// where whole has no dimension of more than 1 before the joined one
// (outer is their product: then each part is one run of whole) and both
// are float32 tensors still waiting for arena space, neither a graph
// input. It reports whether it did.
func (p *Program) inPlace(part, whole *tensor.Tensor, off, outer int) bool {
	i := slices.Index(p.pending, part)
	if outer != 1 || i < 0 || part.DType != tensor.Float32 || !slices.Contains(p.pending, whole) || p.isInput(part) || p.isInput(whole) {
		return false
	}
	p.pending = slices.Delete(p.pending, i, i+1)
	p.views[part] = view{base: whole, off: off}
	return true
}

// isInput reports whether t is a graph input's tensor.
func (p *Program) isInput(t *tensor.Tensor) bool {
	for _, v := range p.g.Inputs {
		if p.vals[v] == t {
			return true
		}
	}
	return false
}
