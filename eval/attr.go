package eval

import (
	"fmt"
	"sort"
	"strings"
)

// AttrValue is the result for one ground-truth value of an attribute.
type AttrValue struct {
	Value   string `json:"value"`
	GT      int    `json:"gt"`      // non-ignored objects with this value
	Matched int    `json:"matched"` // of those, overlapped by a prediction
	Correct int    `json:"correct"` // of those, with the same value predicted
	// Accuracy is Correct/Matched, 0 when nothing matched.
	Accuracy float64 `json:"accuracy"`
}

// AttrReport is the result of EvaluateAttribute.
type AttrReport struct {
	Attribute string `json:"attribute"`
	// Accuracy = Correct / Matched over all values (0 when nothing matched).
	Accuracy float64 `json:"accuracy"`
	GT       int     `json:"gt"`
	Matched  int     `json:"matched"`
	Correct  int     `json:"correct"`
	// Unmatched counts non-ignored objects with the attribute that no
	// prediction overlapped by IoU ≥ 0.5.
	Unmatched int         `json:"unmatched"`
	Values    []AttrValue `json:"values"`
	// Confusion counts ground-truth value → predicted value on matched
	// objects.
	Confusion map[string]map[string]int `json:"confusion"`
}

// attrPair is a candidate (object, prediction) match.
type attrPair struct {
	g, p int
	iou  float64
}

// EvaluateAttribute measures a secondary classifier: in every image the
// ground-truth objects that have the attribute are matched to the
// predictions that have it, greedily by decreasing IoU (pairs with IoU ≥
// 0.5, each object and prediction used once; ignored objects take part so
// that their predictions are not given to neighbours). Accuracy is the
// share of matched non-ignored objects whose predicted value equals the
// ground truth's, ignoring case.
func EvaluateAttribute(clips []Clip, attr string) (*AttrReport, error) {
	if len(clips) == 0 {
		return nil, fmt.Errorf("no clips to evaluate")
	}
	e := attrEvaluator{attr: attr, values: map[string]*AttrValue{},
		rep: &AttrReport{Attribute: attr, Confusion: map[string]map[string]int{}}}
	for ci := range clips {
		c := &clips[ci]
		if c.GT == nil {
			return nil, fmt.Errorf("clip %s has no ground truth", clipName(c, ci))
		}
		preds := map[int][]int{}
		for i := range c.Pred {
			if c.Pred[i].Attributes[attr] != "" {
				preds[c.Pred[i].ImageID] = append(preds[c.Pred[i].ImageID], i)
			}
		}
		gts := map[int][]int{}
		for i := range c.GT.Annotations {
			if a := &c.GT.Annotations[i]; a.Attributes[attr] != "" {
				gts[a.ImageID] = append(gts[a.ImageID], i)
			}
		}
		for _, im := range c.GT.Images {
			e.image(c, gts[im.ID], preds[im.ID])
		}
	}
	rep := e.rep
	for _, v := range e.values {
		if v.Matched > 0 {
			v.Accuracy = float64(v.Correct) / float64(v.Matched)
		}
		rep.GT += v.GT
		rep.Matched += v.Matched
		rep.Correct += v.Correct
		rep.Values = append(rep.Values, *v)
	}
	sort.Slice(rep.Values, func(i, j int) bool { return rep.Values[i].Value < rep.Values[j].Value })
	if rep.Matched > 0 {
		rep.Accuracy = float64(rep.Correct) / float64(rep.Matched)
	}
	return rep, nil
}

// attrEvaluator holds EvaluateAttribute's state and reused buffers.
type attrEvaluator struct {
	attr   string
	rep    *AttrReport
	values map[string]*AttrValue
	pairs  []attrPair
	match  []int // object → prediction index, -1 for none
	pUsed  []bool
}

// image matches one image's objects (gts, annotation indices) and
// predictions (preds, prediction indices) and counts the results.
func (e *attrEvaluator) image(c *Clip, gts, preds []int) {
	e.pairs = e.pairs[:0]
	for gi, g := range gts {
		for pi, p := range preds {
			if v := IoU(c.Pred[p].Box, c.GT.Annotations[g].Box, false); v >= 0.5 {
				e.pairs = append(e.pairs, attrPair{gi, pi, v})
			}
		}
	}
	sort.SliceStable(e.pairs, func(i, j int) bool { return e.pairs[i].iou > e.pairs[j].iou })
	e.match = fill(e.match, len(gts), -1)
	e.pUsed = fill(e.pUsed, len(preds), false)
	for _, pr := range e.pairs {
		if e.match[pr.g] < 0 && !e.pUsed[pr.p] {
			e.match[pr.g], e.pUsed[pr.p] = pr.p, true
		}
	}
	for gi, g := range gts {
		a := &c.GT.Annotations[g]
		if a.ignored() {
			continue
		}
		want := strings.ToLower(a.Attributes[e.attr])
		v := e.values[want]
		if v == nil {
			v = &AttrValue{Value: want}
			e.values[want] = v
		}
		v.GT++
		if e.match[gi] < 0 {
			e.rep.Unmatched++
			continue
		}
		got := strings.ToLower(c.Pred[preds[e.match[gi]]].Attributes[e.attr])
		v.Matched++
		if got == want {
			v.Correct++
		}
		if e.rep.Confusion[want] == nil {
			e.rep.Confusion[want] = map[string]int{}
		}
		e.rep.Confusion[want][got]++
	}
}
