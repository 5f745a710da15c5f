package eval

import (
	"math"
	"testing"
)

// evalTracks runs EvaluateTracking on one clip and fails on error.
func evalTracks(t *testing.T, g *GroundTruth, preds ...Prediction) *TrackReport {
	t.Helper()
	r, err := EvaluateTracking([]Clip{{GT: g, Pred: preds}}, TrackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var (
	boxA = box(0, 0, 10, 10)
	boxB = box(50, 0, 10, 10)
)

func TestPerfectTracking(t *testing.T) {
	b := newGT(5)
	var preds []Prediction
	for f := 1; f <= 5; f++ {
		b.track(f, 1, 7, boxA).track(f, 3, 8, boxB)
		preds = append(preds, trk(f, 1, 100, boxA), trk(f, 3, 200, boxB))
	}
	r := evalTracks(t, b.build(t), preds...)
	if r.MOTA != 1 || r.MOTP != 1 || r.IDF1 != 1 || r.Switches != 0 || r.FP != 0 || r.FN != 0 ||
		r.Objects != 10 || r.Frames != 5 || r.MostlyTracked != 2 {
		t.Fatalf("%+v", r)
	}
}

func TestIdentitySwitchCountedOnce(t *testing.T) {
	// One object over 4 frames: hypothesis 10 on frames 1-2, 11 on 3-4.
	b := newGT(4)
	for f := 1; f <= 4; f++ {
		b.track(f, 1, 1, boxA)
	}
	r := evalTracks(t, b.build(t), trk(1, 1, 10, boxA), trk(2, 1, 10, boxA), trk(3, 1, 11, boxA), trk(4, 1, 11, boxA))
	if r.Switches != 1 || r.Matches != 3 || r.FN != 0 || r.FP != 0 {
		t.Fatalf("switches %d matches %d FN %d FP %d, want 1 3 0 0", r.Switches, r.Matches, r.FN, r.FP)
	}
	if r.MOTA != 0.75 {
		t.Errorf("MOTA = %v, want 1 - 1/4", r.MOTA)
	}
	// IDF1: the object matches 10 or 11 for 2 of its 4 frames.
	if r.IDTP != 2 || r.IDF1 != 0.5 || r.IDP != 0.5 || r.IDR != 0.5 {
		t.Errorf("IDTP %d IDF1 %v IDP %v IDR %v, want 2 0.5 0.5 0.5", r.IDTP, r.IDF1, r.IDP, r.IDR)
	}
}

func TestFragmentation(t *testing.T) {
	// Tracked on 1, 2, missed on 3, tracked on 4, 5 by the same id: one
	// fragmentation, no switch.
	b := newGT(5)
	for f := 1; f <= 5; f++ {
		b.track(f, 1, 1, boxA)
	}
	g := b.build(t)
	r := evalTracks(t, g, trk(1, 1, 9, boxA), trk(2, 1, 9, boxA), trk(4, 1, 9, boxA), trk(5, 1, 9, boxA))
	if r.Fragmentations != 1 || r.Switches != 0 || r.FN != 1 || !near(r.MOTA, 0.8) {
		t.Fatalf("frag %d switches %d FN %d MOTA %v, want 1 0 1 0.8", r.Fragmentations, r.Switches, r.FN, r.MOTA)
	}
	// Misses after the last tracked frame are not fragmentations.
	r = evalTracks(t, g, trk(1, 1, 9, boxA), trk(2, 1, 9, boxA))
	if r.Fragmentations != 0 || r.FN != 3 || r.PartiallyTracked != 1 {
		t.Fatalf("trailing misses: frag %d FN %d PT %d", r.Fragmentations, r.FN, r.PartiallyTracked)
	}
	// Two gaps, a switch in between: T M T(other id) M T → 2 fragmentations.
	r = evalTracks(t, g, trk(1, 1, 9, boxA), trk(3, 1, 8, boxA), trk(5, 1, 8, boxA))
	if r.Fragmentations != 2 || r.Switches != 1 {
		t.Fatalf("two gaps: frag %d switches %d, want 2 1", r.Fragmentations, r.Switches)
	}
}

func TestPreviousCorrespondenceIsKept(t *testing.T) {
	// Objects A = [0,0,10,10] and B = [4,0,10,10]. Frame 1: h1 on A, h2 on
	// B exactly. Frame 2: h1 = [3,0,10,10] (IoU A 0.538, B 0.818) and
	// h2 = [1,0,10,10] (IoU A 0.818, B 0.538). A fresh Hungarian solve
	// would swap them (two switches); py-motmetrics keeps the pairs of the
	// previous frame because they still overlap by ≥ 0.5.
	A, B := box(0, 0, 10, 10), box(4, 0, 10, 10)
	g := newGT(2).track(1, 1, 1, A).track(1, 1, 2, B).track(2, 1, 1, A).track(2, 1, 2, B).build(t)
	r := evalTracks(t, g,
		trk(1, 1, 1, A), trk(1, 1, 2, B),
		trk(2, 1, 1, box(3, 0, 10, 10)), trk(2, 1, 2, box(1, 0, 10, 10)))
	if r.Switches != 0 || r.Matches != 4 {
		t.Fatalf("switches %d matches %d, want 0 4", r.Switches, r.Matches)
	}
	if want := (2 + 2*70.0/130) / 4; !near(r.MOTP, want) || !near(r.MOTPDist, 1-want) {
		t.Fatalf("MOTP %v (dist %v), want mean IoU %v", r.MOTP, r.MOTPDist, want)
	}
}

// TestIDF1HandWorked: objects a (frames 1-6) and b (frames 1-4), static
// and apart; hypotheses x on a for frames 1-3 then on b in frame 4, y on
// a for frames 4-6, z on b for frames 1-3.
//
// Overlap frames: (a,x)=3, (a,y)=3, (b,x)=1, (b,z)=3. The identity
// assignment with the most overlap is a-x, b-z (or a-y, b-z): 6 frames.
// Objects 10, predictions 10: IDTP 6, IDFN = 10-6 = 4, IDFP = 4,
// IDF1 = 2·6/20 = 0.6, IDP = IDR = 0.6.
// CLEAR MOT: in frame 4 a (last x) gets y and b (last z) gets x: two
// switches; MOTA = 1 - 2/10 = 0.8.
func TestIDF1HandWorked(t *testing.T) {
	b := newGT(6)
	for f := 1; f <= 6; f++ {
		b.track(f, 1, 1, boxA)
		if f <= 4 {
			b.track(f, 1, 2, boxB)
		}
	}
	var p []Prediction
	for f := 1; f <= 3; f++ {
		p = append(p, trk(f, 1, 'x', boxA), trk(f, 1, 'z', boxB))
	}
	p = append(p, trk(4, 1, 'x', boxB), trk(4, 1, 'y', boxA), trk(5, 1, 'y', boxA), trk(6, 1, 'y', boxA))
	r := evalTracks(t, b.build(t), p...)
	if r.IDTP != 6 || r.IDFP != 4 || r.IDFN != 4 || !near(r.IDF1, 0.6) || !near(r.IDP, 0.6) || !near(r.IDR, 0.6) {
		t.Fatalf("IDTP %d IDFP %d IDFN %d IDF1 %v IDP %v IDR %v", r.IDTP, r.IDFP, r.IDFN, r.IDF1, r.IDP, r.IDR)
	}
	if r.Switches != 2 || !near(r.MOTA, 0.8) {
		t.Fatalf("switches %d MOTA %v, want 2 0.8", r.Switches, r.MOTA)
	}
}

func TestIgnoredObjectsAndTheirPredictionsAreRemoved(t *testing.T) {
	g := newGT(2).
		track(1, 1, 1, boxA).
		add(Annotation{ImageID: 1, CategoryID: 1, Box: boxB, TrackID: 2, HasTrack: true, Ignore: true}).
		track(2, 1, 1, boxA).
		build(t)
	r := evalTracks(t, g,
		trk(1, 1, 5, boxA), trk(1, 1, 6, box(51, 0, 10, 10)), // 6 lies on the ignored object
		trk(2, 1, 5, boxA), trk(2, 1, 7, box(80, 80, 5, 5))) // 7 is a real false positive
	if r.FP != 1 || r.FN != 0 || r.Objects != 2 || r.RemovedPredictions != 1 || r.IgnoredObjects != 1 || r.Predictions != 3 {
		t.Fatalf("%+v", r)
	}
}

func TestClassesDoNotMatchAcross(t *testing.T) {
	g := newGT(1).track(1, 1, 1, boxA).build(t)
	r := evalTracks(t, g, trk(1, 3, 5, boxA)) // a Person on a Car
	if r.FP != 1 || r.FN != 1 {
		t.Fatalf("FP %d FN %d, want 1 1", r.FP, r.FN)
	}
	classless := trk(1, NoCategory, 5, boxA)
	if r = evalTracks(t, g, classless); r.Matches != 1 {
		t.Fatalf("prediction without class did not match: %+v", r)
	}
	// One category only: the other class's objects and predictions leave.
	g = newGT(1).track(1, 1, 1, boxA).track(1, 3, 2, boxB).build(t)
	r, err := EvaluateTracking([]Clip{{GT: g, Pred: []Prediction{trk(1, 1, 5, boxA), trk(1, 3, 6, box(70, 70, 5, 5))}}},
		TrackOptions{Category: 1})
	if err != nil || r.Objects != 1 || r.FP != 0 || r.MOTA != 1 {
		t.Fatalf("category filter: %+v %v", r, err)
	}
}

func TestPooledClipsSumCounts(t *testing.T) {
	g1 := newGT(2).track(1, 1, 1, boxA).track(2, 1, 1, boxA).build(t)
	g2 := newGT(1).track(1, 1, 1, boxA).build(t)
	r, err := EvaluateTracking([]Clip{
		{GT: g1, Pred: []Prediction{trk(1, 1, 1, boxA), trk(2, 1, 1, boxA)}},
		{GT: g2, Pred: []Prediction{trk(1, 1, 1, boxB)}}, // same ids, other clip: independent
	}, TrackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Objects != 3 || r.Matches != 2 || r.FN != 1 || r.FP != 1 || r.Switches != 0 || !near(r.MOTA, 1-2.0/3) ||
		r.IDTP != 2 || !near(r.IDF1, 4.0/6) {
		t.Fatalf("%+v", r)
	}
}

func TestTrackingErrors(t *testing.T) {
	g := newGT(1).obj(1, 1, boxA).build(t) // no track id
	if _, err := EvaluateTracking([]Clip{{GT: g}}, TrackOptions{}); err == nil {
		t.Error("object without track id accepted")
	}
	g = newGT(1).track(1, 1, 1, boxA).build(t)
	if _, err := EvaluateTracking([]Clip{{GT: g, Pred: []Prediction{det(1, 1, 1, boxA)}}}, TrackOptions{}); err == nil {
		t.Error("prediction without track id accepted")
	}
	r := evalTracks(t, g)
	if r.FN != 1 || r.MOTA != 0 || !math.IsNaN(r.MOTP) {
		t.Errorf("no predictions: %+v", r)
	}
}

func TestTrackingFrameAllocations(t *testing.T) {
	// Once its buffers have grown, a frame update allocates only when the
	// overlap map grows.
	var gts, hyps []trackItem
	for f := range 200 {
		for k := range 6 {
			x := float64(k*20 + f%3)
			gts = append(gts, trackItem{frame: f, id: int32(k), cat: 1, box: box(x, 0, 10, 10)})
			hyps = append(hyps, trackItem{frame: f, id: int32(k + f/50), cat: 1, box: box(x+1, 0, 10, 10)})
		}
	}
	var a motAccumulator
	rep := &TrackReport{}
	a.reset(6, 12, 0.5)
	if err := a.run(gts, hyps, rep); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(5, func() {
		a.update = 0
		for i := range a.m {
			a.m[i], a.lastMatch[i] = -1, -1
		}
		if err := a.run(gts, hyps, rep); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("%v allocations per 200 frames", allocs)
	}
}
