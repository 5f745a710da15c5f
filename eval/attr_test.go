package eval

import "testing"

// withAttr returns p with an attribute set.
func withAttr(p Prediction, k, v string) Prediction {
	p.Attributes = map[string]string{k: v}
	return p
}

func TestAttributeAccuracy(t *testing.T) {
	b := newGT(2)
	car := func(im int, bx Box, color string, ignore bool) {
		b.add(Annotation{ImageID: im, CategoryID: 1, Box: bx, Ignore: ignore, Attributes: map[string]string{"color": color, "type": "sedan"}})
	}
	car(1, box(0, 0, 10, 10), "red", false)
	car(1, box(12, 0, 10, 10), "blue", false)   // predicted white: wrong
	car(1, box(40, 40, 10, 10), "black", false) // no prediction overlaps
	car(2, box(0, 0, 10, 10), "red", true)      // ignored: not counted
	car(2, box(30, 0, 10, 10), "Silver", false) // case differs: correct
	b.obj(2, 3, box(60, 60, 5, 10))             // a person has no colour
	g := b.build(t)
	preds := []Prediction{
		withAttr(det(1, 1, 0.9, box(0, 0, 10, 10)), "color", "red"),
		withAttr(det(1, 1, 0.9, box(11, 0, 10, 10)), "color", "white"),
		withAttr(det(1, 1, 0.9, box(80, 80, 10, 10)), "color", "black"), // overlaps nothing
		withAttr(det(2, 1, 0.9, box(0, 0, 10, 10)), "color", "blue"),    // on the ignored car
		withAttr(det(2, 1, 0.9, box(30, 0, 10, 11)), "color", "silver"),
		det(2, 3, 0.9, box(60, 60, 5, 10)), // no attribute
	}
	r, err := EvaluateAttribute([]Clip{{GT: g, Pred: preds}}, "color")
	if err != nil {
		t.Fatal(err)
	}
	if r.GT != 4 || r.Matched != 3 || r.Correct != 2 || r.Unmatched != 1 || !near(r.Accuracy, 2.0/3) {
		t.Fatalf("%+v", r)
	}
	if r.Confusion["blue"]["white"] != 1 || r.Confusion["silver"]["silver"] != 1 {
		t.Errorf("confusion %v", r.Confusion)
	}
	if len(r.Values) != 4 || r.Values[0].Value != "black" || r.Values[0].Matched != 0 {
		t.Errorf("values %+v", r.Values)
	}
}

func TestAttributeGreedyByIoU(t *testing.T) {
	// A = [0,10], B = [3,13] (x ranges, height 10). p1 = [2.5,12.5]
	// overlaps A by 0.6 and B by 0.905; p2 = [-2.9,7.1] overlaps A by 0.55
	// and B by 0.26. Greedy over all pairs by IoU takes p1-B, then p2-A;
	// matching object by object would give A its best, p1, and B nothing.
	b := newGT(1)
	b.add(Annotation{ImageID: 1, CategoryID: 1, Box: box(0, 0, 10, 10), Attributes: map[string]string{"type": "bus"}})
	b.add(Annotation{ImageID: 1, CategoryID: 1, Box: box(3, 0, 10, 10), Attributes: map[string]string{"type": "suv"}})
	g := b.build(t)
	r, err := EvaluateAttribute([]Clip{{GT: g, Pred: []Prediction{
		withAttr(det(1, 1, 0.9, box(2.5, 0, 10, 10)), "type", "suv"),
		withAttr(det(1, 1, 0.9, box(-2.9, 0, 10, 10)), "type", "bus"),
	}}}, "type")
	if err != nil {
		t.Fatal(err)
	}
	if r.Correct != 2 || r.Matched != 2 || r.Unmatched != 0 {
		t.Fatalf("%+v", r)
	}
}
