package eval

import (
	"testing"
)

// evalBoxes runs box AP on one clip and fails the test on error.
func evalBoxes(t *testing.T, g *GroundTruth, preds ...Prediction) *DetReport {
	t.Helper()
	rep, err := EvaluateDetections([]Clip{{GT: g, Pred: preds}}, DetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// class returns the report's entry of a category id.
func class(t *testing.T, r *DetReport, id int) ClassAP {
	t.Helper()
	for _, c := range r.Classes {
		if c.CategoryID == id {
			return c
		}
	}
	t.Fatalf("no category %d in report", id)
	return ClassAP{}
}

func TestLinspaceMatchesNumpy(t *testing.T) {
	// Values printed by numpy 1.24: np.linspace(.5, .95, 10) and
	// np.linspace(0, 1, 101)[[7, 29, 57]] written with repr().
	iou := linspace(0.5, 0.95, 10)
	want := []float64{0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95}
	for i := range want {
		if iou[i] != want[i] {
			t.Errorf("iouThrs[%d] = %v, want %v", i, iou[i], want[i])
		}
	}
	rec := linspace(0, 1, 101)
	for i, w := range map[int]float64{7: 0.07, 29: 0.29, 57: 0.5700000000000001} {
		if rec[i] != w {
			t.Errorf("recThrs[%d] = %v, want %v", i, rec[i], w)
		}
	}
}

func TestPerfectDetectionsGiveAPOne(t *testing.T) {
	b := newGT(3)
	var preds []Prediction
	for im := 1; im <= 3; im++ {
		for k := range 4 {
			bx := box(float64(10+20*k), float64(5*im), 15, 12)
			b.obj(im, 1+k%2, bx)
			preds = append(preds, det(im, 1+k%2, 0.5+0.1*float64(k), bx))
		}
	}
	r := evalBoxes(t, b.build(t), preds...)
	if !near(r.MAP, 1) || !near(r.MAP50, 1) || !near(r.MAP75, 1) {
		t.Fatalf("mAP = %v / %v / %v, want 1", r.MAP, r.MAP50, r.MAP75)
	}
	if c := class(t, r, 1); c.GT != 6 || c.TP50 != 6 || c.FP50 != 0 || c.Recall != 1 {
		t.Errorf("Car: %+v", c)
	}
	// Person and Roadsign have no ground truth: -1, not part of the mean.
	if c := class(t, r, 3); c.AP != -1 || c.Recall50 != -1 {
		t.Errorf("Person without ground truth: %+v", c)
	}
}

// TestHandWorkedAP is a case worked through by hand the way pycocotools
// computes it.
//
// One image, one class. Objects A = [0,0,10,10], B = [20,0,10,10].
// Detections by score: d1 = A exactly (0.9, IoU 1 with A);
// d2 = [22,0,10,10] (0.8, overlaps B in 8x10 = 80 px, union 120: IoU 2/3);
// d3 = [50,50,10,10] (0.7, overlaps nothing).
//
// IoU thresholds 0.50, 0.55, 0.60, 0.65 (d2's 0.667 passes):
//
//	order  TP FP  cumTP cumFP  recall  precision
//	d1     1  0   1     0      0.5     1
//	d2     1  0   2     0      1.0     1
//	d3     0  1   2     1      1.0     0.667
//
// made monotone from the end: 1, 1, 0.667. For each of the 101 recall
// thresholds r the first detection with recall ≥ r is d1 (r ≤ 0.5) or d2
// (r > 0.5): precision 1 everywhere, AP = 1.
//
// Thresholds 0.70 ... 0.95 (d2 is a false positive):
//
//	d1  recall 0.5 precision 1;  d2  0.5, 0.5;  d3  0.5, 0.333
//
// monotone: 1, 0.5, 0.333. Recall thresholds 0.00 ... 0.50 (51 of them)
// take d1's precision 1; above 0.5 no detection reaches: 0. AP = 51/101.
//
// AP@0.5 = 1, AP@0.75 = 51/101 = 0.50495,
// AP@0.5:0.95 = (4·1 + 6·51/101) / 10 = 0.702970...;
// recall@0.5 = 1, mean recall = (4·1 + 6·0.5) / 10 = 0.7.
func TestHandWorkedAP(t *testing.T) {
	g := newGT(1).obj(1, 1, box(0, 0, 10, 10)).obj(1, 1, box(20, 0, 10, 10)).build(t)
	r := evalBoxes(t, g,
		det(1, 1, 0.8, box(22, 0, 10, 10)),
		det(1, 1, 0.9, box(0, 0, 10, 10)),
		det(1, 1, 0.7, box(50, 50, 10, 10)))
	c := class(t, r, 1)
	for _, x := range []struct {
		name      string
		got, want float64
	}{
		{"AP50", c.AP50, 1},
		{"AP75", c.AP75, 51.0 / 101},
		{"AP", c.AP, (4 + 6*51.0/101) / 10},
		{"Recall50", c.Recall50, 1},
		{"Recall", c.Recall, 0.7},
		{"mAP", r.MAP, (4 + 6*51.0/101) / 10},
	} {
		if !near(x.got, x.want) {
			t.Errorf("%s = %.15f, want %.15f", x.name, x.got, x.want)
		}
	}
	if c.TP50 != 2 || c.FP50 != 1 {
		t.Errorf("TP50/FP50 = %d/%d, want 2/1", c.TP50, c.FP50)
	}
}

func TestFalsePositiveAboveAllTruePositives(t *testing.T) {
	// FP (0.95), TP, TP: precision 0, 1/2, 2/3 → monotone 2/3 everywhere.
	g := newGT(1).obj(1, 1, box(0, 0, 10, 10)).obj(1, 1, box(30, 0, 10, 10)).build(t)
	r := evalBoxes(t, g,
		det(1, 1, 0.95, box(60, 60, 10, 10)),
		det(1, 1, 0.9, box(0, 0, 10, 10)),
		det(1, 1, 0.8, box(30, 0, 10, 10)))
	if !near(r.MAP, 2.0/3) || !near(r.MAP50, 2.0/3) {
		t.Fatalf("mAP = %v, mAP50 = %v, want 2/3", r.MAP, r.MAP50)
	}
}

func TestDuplicateDetections(t *testing.T) {
	// A lower-scored duplicate of a matched object is a false positive but
	// after every true positive of higher score it does not lower AP.
	g := newGT(1).obj(1, 1, box(0, 0, 10, 10)).build(t)
	r := evalBoxes(t, g, det(1, 1, 0.9, box(0, 0, 10, 10)), det(1, 1, 0.8, box(0, 0, 10, 10)))
	if c := class(t, r, 1); !near(c.AP, 1) || c.TP50 != 1 || c.FP50 != 1 {
		t.Fatalf("single object with duplicate: %+v", c)
	}
	// Objects A, B; detections A (0.9), A again (0.8), B (0.7):
	// recall 0.5, 0.5, 1; precision 1, 0.5, 2/3 → monotone 1, 2/3, 2/3.
	// Recall thresholds 0..0.50 (51) take 1, 0.51..1 (50) take 2/3.
	g = newGT(1).obj(1, 1, box(0, 0, 10, 10)).obj(1, 1, box(40, 0, 10, 10)).build(t)
	r = evalBoxes(t, g,
		det(1, 1, 0.9, box(0, 0, 10, 10)),
		det(1, 1, 0.8, box(0, 0, 10, 10)),
		det(1, 1, 0.7, box(40, 0, 10, 10)))
	if want := (51 + 50*2.0/3) / 101; !near(r.MAP, want) {
		t.Fatalf("mAP = %.15f, want %.15f", r.MAP, want)
	}
}

func TestTwoClassesMeanOverClassesWithGroundTruth(t *testing.T) {
	g := newGT(2).
		obj(1, 1, box(0, 0, 10, 10)).
		obj(2, 1, box(0, 0, 10, 10)).
		obj(1, 3, box(50, 50, 10, 20)).
		build(t)
	r := evalBoxes(t, g,
		det(1, 1, 0.9, box(0, 0, 10, 10)),
		det(2, 1, 0.8, box(0, 0, 10, 10)),
		det(1, 3, 0.7, box(0, 50, 10, 20)), // Person missed, one FP
		det(2, 4, 0.9, box(0, 0, 5, 5)),    // Roadsign has no ground truth
	)
	if c := class(t, r, 1); !near(c.AP, 1) {
		t.Errorf("Car AP = %v, want 1", c.AP)
	}
	if c := class(t, r, 3); c.AP != 0 || c.Recall50 != 0 || c.FP50 != 1 {
		t.Errorf("Person: %+v", c)
	}
	if c := class(t, r, 4); c.AP != -1 || c.Dets != 1 {
		t.Errorf("Roadsign: %+v", c)
	}
	if !near(r.MAP, 0.5) || !near(r.MAP50, 0.5) {
		t.Errorf("mAP = %v, mAP50 = %v, want 0.5 (Roadsign excluded)", r.MAP, r.MAP50)
	}
}

func TestIgnoredObjectsNeitherRewardNorPenalise(t *testing.T) {
	b := newGT(1).obj(1, 1, box(0, 0, 10, 10)).ignored(1, 1, box(40, 0, 30, 30))
	g := b.build(t)
	r := evalBoxes(t, g,
		det(1, 1, 0.99, box(40, 0, 30, 30)), // on the ignored object
		det(1, 1, 0.98, box(45, 5, 10, 10)), // inside it: IoU = 100/100 over its own area
		det(1, 1, 0.97, box(50, 10, 8, 8)),  // a third one on the same region
		det(1, 1, 0.5, box(0, 0, 10, 10)),   // the real object
	)
	c := class(t, r, 1)
	if !near(c.AP, 1) || c.GT != 1 || c.Ignored != 1 || c.FP50 != 0 || c.TP50 != 1 {
		t.Fatalf("with ignore region: %+v", c)
	}
	// Without the ignore flag the three are false positives ranked first.
	g.Annotations[1].Ignore = false
	r = evalBoxes(t, g,
		det(1, 1, 0.99, box(40, 0, 30, 30)),
		det(1, 1, 0.98, box(45, 5, 10, 10)),
		det(1, 1, 0.5, box(0, 0, 10, 10)))
	if c := class(t, r, 1); near(c.AP, 1) || c.FP50 != 1 {
		t.Fatalf("without ignore: %+v", c)
	}
}

func TestRegularObjectPreferredOverIgnored(t *testing.T) {
	// The detection overlaps the regular object with IoU 0.6 and lies
	// wholly inside the ignored one (crowd IoU 1): pycocotools keeps the
	// regular match, so it is a true positive.
	g := newGT(1).obj(1, 1, box(0, 0, 10, 10)).ignored(1, 1, box(0, 0, 40, 40)).build(t)
	r := evalBoxes(t, g, det(1, 1, 0.9, box(0, 0, 10, 6)))
	if c := class(t, r, 1); c.TP50 != 1 || !near(c.AP50, 1) {
		t.Fatalf("%+v", c)
	}
}

func TestGreedyMatchingTakesNextBestObject(t *testing.T) {
	// d1 takes A; d2 overlaps A (0.538) and B (0.667): A is taken, so B.
	g := newGT(1).obj(1, 1, box(0, 0, 10, 10)).obj(1, 1, box(5, 0, 10, 10)).build(t)
	r := evalBoxes(t, g, det(1, 1, 0.9, box(0, 0, 10, 10)), det(1, 1, 0.8, box(3, 0, 10, 10)))
	c := class(t, r, 1)
	if !near(c.AP50, 1) || c.TP50 != 2 {
		t.Fatalf("%+v", c)
	}
	// From IoU 0.70 on d2 misses B: TP, FP → AP 51/101 at those 6 thresholds.
	if want := (4 + 6*51.0/101) / 10; !near(c.AP, want) {
		t.Fatalf("AP = %v, want %v", c.AP, want)
	}
}

func TestMaxDetsKeepsBestHundredPerImage(t *testing.T) {
	g := newGT(1).obj(1, 1, box(0, 0, 10, 10)).build(t)
	var preds []Prediction
	for i := range 150 {
		preds = append(preds, det(1, 1, 0.5+float64(i)/1000, box(50, 50, 5, 5)))
	}
	preds = append(preds, det(1, 1, 0.1, box(0, 0, 10, 10))) // lowest score: dropped
	r := evalBoxes(t, g, preds...)
	if c := class(t, r, 1); c.Dets != 100 || c.TP50 != 0 || c.AP != 0 {
		t.Fatalf("%+v", c)
	}
}

func TestPooledClipsEqualOneClipWithBothImages(t *testing.T) {
	a := newGT(1).obj(1, 1, box(0, 0, 10, 10)).build(t)
	b := newGT(1).obj(1, 1, box(0, 0, 10, 10)).build(t)
	pooled, err := EvaluateDetections([]Clip{
		{GT: a, Pred: []Prediction{det(1, 1, 0.9, box(0, 0, 10, 10))}},
		{GT: b, Pred: []Prediction{det(1, 1, 0.95, box(60, 0, 10, 10)), det(1, 1, 0.3, box(0, 0, 10, 10))}},
	}, DetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	both := newGT(2).obj(1, 1, box(0, 0, 10, 10)).obj(2, 1, box(0, 0, 10, 10)).build(t)
	one := evalBoxes(t, both, det(1, 1, 0.9, box(0, 0, 10, 10)), det(2, 1, 0.95, box(60, 0, 10, 10)), det(2, 1, 0.3, box(0, 0, 10, 10)))
	if pooled.MAP != one.MAP || pooled.Images != 2 {
		t.Fatalf("pooled mAP %v (images %d), single clip %v", pooled.MAP, pooled.Images, one.MAP)
	}
	if near(pooled.MAP, 1) {
		t.Fatal("the false positive did not count")
	}
}

func TestDetectionErrors(t *testing.T) {
	g := newGT(1).obj(1, 1, box(0, 0, 10, 10)).build(t)
	noImage := det(1, 1, 0.9, box(0, 0, 10, 10))
	noImage.ImageID, noImage.Frame = 0, 7
	noClass := det(1, NoCategory, 0.9, box(0, 0, 10, 10))
	for name, p := range map[string]Prediction{"no image": noImage, "no class": noClass} {
		if _, err := EvaluateDetections([]Clip{{GT: g, Pred: []Prediction{p}}}, DetOptions{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := EvaluateDetections(nil, DetOptions{}); err == nil {
		t.Error("no clips: no error")
	}
	unknown := det(1, UnknownCategory, 0.9, box(0, 0, 10, 10))
	unknown.Label = "dog"
	r, err := EvaluateDetections([]Clip{{GT: g, Pred: []Prediction{unknown}}}, DetOptions{})
	if err != nil || r.Skipped["dog"] != 1 {
		t.Fatalf("unknown label: %v %v", r, err)
	}
}

// DetOptions.Classes restricts the evaluation to a model's classes.
func TestClassesOptionAveragesOnlyThoseClasses(t *testing.T) {
	g := newGT(2).
		obj(1, 1, box(0, 0, 10, 10)).
		obj(1, 3, box(50, 50, 10, 20)).
		obj(2, 2, box(20, 20, 10, 10)). // a Bicycle the model does not know
		build(t)
	preds := []Prediction{det(1, 1, 0.9, box(0, 0, 10, 10)), det(1, 3, 0.8, box(50, 50, 10, 20))}
	r, err := EvaluateDetections([]Clip{{GT: g, Pred: preds}}, DetOptions{Classes: []string{"car", "PERSON"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Classes) != 2 || r.Classes[0].Name != "Car" || r.Classes[1].Name != "Person" || !near(r.MAP50, 1) {
		t.Fatalf("classes %+v, mAP50 %v: want Car and Person only, mAP 1", r.Classes, r.MAP50)
	}
	if all := evalBoxes(t, g, preds...); !near(all.MAP50, 2.0/3) {
		t.Fatalf("without the option mAP50 = %v, want 2/3 (Bicycle missed)", all.MAP50)
	}
	if _, err := EvaluateDetections([]Clip{{GT: g, Pred: preds}}, DetOptions{Classes: []string{"Truck"}}); err == nil {
		t.Fatal("an unknown class was accepted")
	}
}
