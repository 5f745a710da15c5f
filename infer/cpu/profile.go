package cpu

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/dsgo/dsgo/infer/graph"
)

// Profile writes the time each step takes, slowest first, averaged over
// runs after one warm-up, with the arithmetic rate of convolutions and
// GEMMs and the kernel each convolution runs on: where a model's time
// goes on this backend (`dsmodel bench --profile`). The steps run in
// order as Run runs them, each timed on its own, so a step's time
// includes what it loses to operands the steps before it pushed out of
// the caches, and the sum is a Run's time.
func (p *Program) Profile(w io.Writer, runs int) error {
	if err := p.Run(); err != nil { // warm-up
		return err
	}
	runs = max(runs, 1)
	times := make([]time.Duration, len(p.steps)+1) // the steps', then the tail's
	for range runs {
		if err := p.run(times); err != nil {
			return err
		}
	}
	var total time.Duration
	for i := range times {
		times[i] /= time.Duration(runs)
		total += times[i]
	}
	tail := times[len(p.steps)]
	times = times[:len(p.steps)]
	idx := make([]int, len(times))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return times[idx[a]] > times[idx[b]] })
	var fusedInto []*graph.Node
	for _, ns := range p.fused {
		fusedInto = append(fusedInto, ns...)
	}
	fmt.Fprintf(w, "dsgo: CPU profile of %q, %d workers, %d runs: steps %v in all\n", p.g.Name, p.r.Workers(), runs,
		total.Round(time.Microsecond))
	for _, i := range idx {
		n, t := p.steps[i].node, times[i]
		fmt.Fprintf(w, "  %9v %5.1f%%  %-8s %s %v", t.Round(time.Microsecond), 100*float64(t)/float64(max(total, 1)),
			n.Op, n.Name, n.Outputs[0].Shape)
		f := flops(n)
		for _, a := range p.fused[n] { // its time is theirs too
			f += flops(a)
		}
		if slices.Contains(fusedInto, n) {
			f = 0 // its time is in a later node's step
		}
		if f > 0 && t > 0 {
			fmt.Fprintf(w, " %.1f GFLOP/s", float64(f)/t.Seconds()/1e9)
		}
		if k := p.kernels[n]; k != "" {
			fmt.Fprintf(w, " (%s)", k)
		}
		fmt.Fprintln(w)
	}
	if tail > 0 {
		fmt.Fprintf(w, "  %9v %5.1f%%  the tail after the network (NMS and what follows it)\n", tail.Round(time.Microsecond),
			100*float64(tail)/float64(max(total, 1)))
	}
	return nil
}

// flops counts the multiply-adds of a convolution or GEMM node twice (0
// for other ops or unknown shapes).
func flops(n *graph.Node) int64 {
	out := n.Outputs[0].Shape
	if out == nil || out.NumElements() <= 0 || n.In(1) == nil || n.In(1).Shape == nil {
		return 0
	}
	w := n.In(1).Shape
	switch n.Op {
	case "Conv": // w [M][C/g][kh][kw]: each output sums C/g*kh*kw products
		return 2 * int64(out.NumElements()) * int64(w.NumElements()/w[0])
	case "Gemm", "MatMul": // each output sums the inner dimension: A's last, or its first with Gemm's transA
		if a := n.In(0).Shape; len(a) >= 1 {
			k := a[len(a)-1]
			if n.Op == "Gemm" && n.AttrInt("transA", 0) != 0 {
				k = a[0]
			}
			return 2 * int64(out.NumElements()) * int64(k)
		}
	}
	return 0
}
