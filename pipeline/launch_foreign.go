package pipeline

import (
	"fmt"
	"slices"
	"strings"
)

// foreignRun is a run of consecutive launch elements that the registry does
// not know but its foreign framework does; it becomes one element.
type foreignRun struct {
	members []int // element indices, in chain order
}

// foreignRuns groups the parsed elements that the registry lacks into runs
// linked by plain `!` (no pad names), absorbing caps filters that sit
// between two foreign elements. It fails, pointing at the element, for a
// factory neither the registry nor the foreign framework knows.
func (r *Registry) foreignRuns(desc string, pl *ParsedLaunch) (runOf []int, runs []foreignRun, err error) {
	n := len(pl.Elements)
	foreign := r.Foreign()
	kind := make([]int, n) // 0 known, 1 foreign, 2 caps filter
	for i, pe := range pl.Elements {
		if pe.Factory == "capsfilter" {
			kind[i] = 2
			continue
		}
		if _, ok := r.Lookup(pe.Factory); ok {
			continue
		}
		if foreign == nil || !foreign.Has(pe.Factory) {
			return nil, nil, &LaunchError{Desc: desc, Col: pe.Col, Msg: fmt.Sprintf("no element %q", pe.Factory)}
		}
		kind[i] = 1
	}
	next, prev := make([]int, n), make([]int, n)
	for i := range next {
		next[i], prev[i] = -1, -1
	}
	for _, l := range pl.Links {
		s, d := l.Src.Elem, l.Sink.Elem
		if s >= 0 && d >= 0 && l.Src.Pad == "" && l.Sink.Pad == "" && next[s] == -1 && prev[d] == -1 {
			next[s], prev[d] = d, s
		}
	}
	inRun := func(i int) bool {
		return kind[i] == 1 || (kind[i] == 2 && prev[i] >= 0 && next[i] >= 0 && kind[prev[i]] != 0 && kind[next[i]] == 1)
	}
	runOf = make([]int, n)
	for i := range runOf {
		runOf[i] = -1
	}
	for i := 0; i < n; i++ {
		if kind[i] != 1 || runOf[i] >= 0 || (prev[i] >= 0 && inRun(prev[i])) {
			continue
		}
		run := foreignRun{}
		for j := i; j >= 0 && inRun(j) && runOf[j] < 0; j = next[j] {
			runOf[j] = len(runs)
			run.members = append(run.members, j)
		}
		runs = append(runs, run)
	}
	return runOf, runs, nil
}

// fragment writes a run back as launch text for the foreign framework.
func (run foreignRun) fragment(pl *ParsedLaunch) string {
	var b strings.Builder
	for k, i := range run.members {
		pe := pl.Elements[i]
		if k > 0 {
			b.WriteString(" ! ")
		}
		if pe.Factory == "capsfilter" && len(pe.Props) == 1 && pe.Props[0].Key == "caps" {
			b.WriteString("capsfilter caps=" + quoteLaunch(pe.Props[0].Value))
			continue
		}
		b.WriteString(pe.Factory)
		if pe.Name != "" {
			b.WriteString(" name=" + quoteLaunch(pe.Name))
		}
		for _, pp := range pe.Props {
			b.WriteString(" " + pp.Key + "=" + quoteLaunch(pp.Value))
		}
	}
	return b.String()
}

// quoteLaunch quotes a value for gst-launch syntax.
func quoteLaunch(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// makeForeign builds the element of a run; it needs a sink pad when a link
// enters its first element and a src pad when one leaves its last.
func (r *Registry) makeForeign(pl *ParsedLaunch, run foreignRun) (Element, error) {
	first, last := run.members[0], run.members[len(run.members)-1]
	firstName, lastName := pl.Elements[first].Name, pl.Elements[last].Name
	sink, src := false, false
	for _, l := range pl.Links {
		if l.Sink.Elem == first || (l.Sink.Elem < 0 && firstName != "" && l.Sink.Ref == firstName) {
			sink = sink || !(l.Src.Elem >= 0 && slices.Contains(run.members, l.Src.Elem))
		}
		if l.Src.Elem == last || (l.Src.Elem < 0 && lastName != "" && l.Src.Ref == lastName) {
			src = src || !(l.Sink.Elem >= 0 && slices.Contains(run.members, l.Sink.Elem))
		}
	}
	e, err := r.Foreign().MakeBin(run.fragment(pl), sink, src)
	if err != nil {
		return nil, err
	}
	for _, i := range run.members {
		if name := pl.Elements[i].Name; name != "" {
			if err := e.base().SetName(name); err != nil {
				return nil, err
			}
			break
		}
	}
	return e, nil
}
