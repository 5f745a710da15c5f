package eval

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The reference cases in testdata/ref are random clips written by
// TestGenerateReferenceCases (go test -run GenerateReference -gen-ref) and
// evaluated by testdata/ref/reference.py with pycocotools (cocoapi
// PythonAPI, commit 8c9bcc3) and py-motmetrics; its output,
// expected.json, is what TestMatchesReferenceTools compares against.
var genRef = flag.Bool("gen-ref", false, "rewrite the random reference cases in testdata/ref")

const (
	refDir    = "testdata/ref"
	refCases  = 4
	refWidth  = 64
	refHeight = 48
)

// refMask paints an ellipse inside b (clipped to the frame), column-major.
func refMask(rng *rand.Rand, b Box) []byte {
	m := make([]byte, refWidth*refHeight)
	cx, cy := b.X+b.W/2, b.Y+b.H/2
	rx, ry := b.W/2*(0.7+0.3*rng.Float64()), b.H/2*(0.7+0.3*rng.Float64())
	for x := range refWidth {
		for y := range refHeight {
			dx, dy := (float64(x)+0.5-cx)/rx, (float64(y)+0.5-cy)/ry
			if dx*dx+dy*dy <= 1 {
				m[x*refHeight+y] = 1
			}
		}
	}
	return m
}

// refBox is a random box inside the frame, sometimes with fractional
// coordinates.
func refBox(rng *rand.Rand) Box {
	w, h := 4+rng.Float64()*24, 4+rng.Float64()*20
	b := Box{rng.Float64() * (refWidth - w), rng.Float64() * (refHeight - h), w, h}
	if rng.IntN(2) == 0 {
		b = Box{math.Round(b.X), math.Round(b.Y), math.Round(b.W), math.Round(b.H)}
	}
	return b
}

// jitter moves and resizes a box by up to frac of its size.
func jitter(rng *rand.Rand, b Box, frac float64) Box {
	j := func(v, s float64) float64 { return v + (rng.Float64()*2-1)*frac*s }
	return Box{j(b.X, b.W), j(b.Y, b.H), math.Max(1, j(b.W, b.W)), math.Max(1, j(b.H, b.H))}
}

// writeRefCOCO writes case n's COCO ground truth and results.
func writeRefCOCO(t *testing.T, rng *rand.Rand, n int) {
	type ann struct {
		ID         int            `json:"id"`
		ImageID    int            `json:"image_id"`
		CategoryID int            `json:"category_id"`
		BBox       []float64      `json:"bbox"`
		Area       float64        `json:"area"`
		IsCrowd    int            `json:"iscrowd"`
		Ignore     int            `json:"ignore"`
		Seg        map[string]any `json:"segmentation"`
	}
	type res struct {
		ImageID    int            `json:"image_id"`
		CategoryID int            `json:"category_id"`
		BBox       []float64      `json:"bbox"`
		Score      float64        `json:"score"`
		Seg        map[string]any `json:"segmentation"`
	}
	var images []map[string]any
	var anns []ann
	var results []res
	scores := []float64{0.3, 0.5, 0.5, 0.7, 0.9}
	rle := func(b Box) (map[string]any, RLE) {
		r, err := RLEFromMask(refMask(rng, b), refHeight, refWidth)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]any{"size": []int{refHeight, refWidth}, "counts": r.Counts}, r
	}
	for im := 1; im <= 25; im++ {
		images = append(images, map[string]any{"id": im, "width": refWidth, "height": refHeight, "frame": im - 1})
		for range rng.IntN(7) {
			b := refBox(rng)
			seg, r := rle(b)
			a := ann{ID: len(anns) + 1, ImageID: im, CategoryID: 1 + rng.IntN(3), BBox: []float64{b.X, b.Y, b.W, b.H},
				Area: float64(r.Area()), Seg: seg}
			switch rng.IntN(8) {
			case 0:
				a.Ignore = 1
			case 1:
				a.IsCrowd = 1
			}
			anns = append(anns, a)
			for range rng.IntN(3) { // misses, hits and duplicates
				db := jitter(rng, b, []float64{0.05, 0.25, 0.12, 0.18}[n])
				_, dr := rle(db)
				cat := a.CategoryID
				if rng.IntN(10) == 0 {
					cat = 1 + rng.IntN(4)
				}
				score := scores[rng.IntN(len(scores))]
				if rng.IntN(3) == 0 {
					score = rng.Float64()
				}
				results = append(results, res{ImageID: im, CategoryID: cat, BBox: []float64{db.X, db.Y, db.W, db.H},
					Score: score, Seg: map[string]any{"size": []int{refHeight, refWidth}, "counts": dr.String()}})
			}
		}
		for range rng.IntN(3) { // false positives
			b := refBox(rng)
			_, r := rle(b)
			results = append(results, res{ImageID: im, CategoryID: 1 + rng.IntN(4), BBox: []float64{b.X, b.Y, b.W, b.H},
				Score: rng.Float64(), Seg: map[string]any{"size": []int{refHeight, refWidth}, "counts": r.String()}})
		}
	}
	writeJSON(t, fmt.Sprintf("case%d.gt.json", n), map[string]any{
		"images": images, "categories": DefaultCategories(), "annotations": anns})
	writeJSON(t, fmt.Sprintf("case%d.results.json", n), results)
}

func writeJSON(t *testing.T, name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(refDir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeRefMOT writes case n's MOT ground truth and tracker output: objects
// moving on straight lines, some ignored for a while, and a tracker that
// follows them with noise, misses, false positives, new ids and id swaps.
func writeRefMOT(t *testing.T, rng *rand.Rand, n int) {
	var gt, pred strings.Builder
	type obj struct {
		b            Box
		vx, vy       float64
		start, end   int
		hyp          int
		ignoreBefore int
	}
	var objs []obj
	nextHyp := 100
	for id := range 8 {
		o := obj{b: refBox(rng), vx: rng.Float64()*2 - 1, vy: rng.Float64()*2 - 1, hyp: nextHyp}
		o.start = rng.IntN(20)
		o.end = o.start + 5 + rng.IntN(30)
		if rng.IntN(3) == 0 {
			o.ignoreBefore = o.start + rng.IntN(6)
		}
		objs = append(objs, o)
		nextHyp++
		_ = id
	}
	for f := 1; f <= 45; f++ {
		for id := range objs {
			o := &objs[id]
			if f < o.start || f > o.end {
				continue
			}
			b := Box{o.b.X + o.vx*float64(f), o.b.Y + o.vy*float64(f), o.b.W, o.b.H}
			consider := 1
			if f < o.ignoreBefore {
				consider = 0
			}
			fmt.Fprintf(&gt, "%d,%d,%g,%g,%g,%g,%d,1,1\n", f, id+1, b.X, b.Y, b.W, b.H, consider)
			switch r := rng.IntN(20); {
			case r == 0: // missed
				continue
			case r == 1: // the tracker starts a new id
				o.hyp = nextHyp
				nextHyp++
			case r == 2 && id > 0: // swap ids with the previous object
				o.hyp, objs[id-1].hyp = objs[id-1].hyp, o.hyp
			}
			pb := jitter(rng, b, []float64{0.2, 0.05, 0.12, 0.3}[n])
			switch rng.IntN(12) {
			case 0: // the hypothesis wanders off for a frame
				pb.X += 40
			case 1: // a competing hypothesis on the object
				cb := jitter(rng, b, 0.05)
				fmt.Fprintf(&pred, "%d,%d,%g,%g,%g,%g,1,-1,-1,-1\n", f, 800+id, cb.X, cb.Y, cb.W, cb.H)
			}
			fmt.Fprintf(&pred, "%d,%d,%g,%g,%g,%g,1,-1,-1,-1\n", f, o.hyp, pb.X, pb.Y, pb.W, pb.H)
		}
		if rng.IntN(4) == 0 {
			b := refBox(rng)
			fmt.Fprintf(&pred, "%d,%d,%g,%g,%g,%g,1,-1,-1,-1\n", f, 900+rng.IntN(3), b.X, b.Y, b.W, b.H)
		}
	}
	for name, s := range map[string]string{fmt.Sprintf("case%d.gt.txt", n): gt.String(), fmt.Sprintf("case%d.tracks.txt", n): pred.String()} {
		if err := os.WriteFile(filepath.Join(refDir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGenerateReferenceCases(t *testing.T) {
	if !*genRef {
		t.Skip("run with -gen-ref to rewrite testdata/ref")
	}
	if err := os.MkdirAll(refDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for n := range refCases {
		rng := rand.New(rand.NewPCG(uint64(n), 77))
		writeRefCOCO(t, rng, n)
		writeRefMOT(t, rng, n)
	}
}

// refExpected is one case's numbers from reference.py.
type refExpected struct {
	BBox map[string]refAP   `json:"bbox"`
	Segm map[string]refAP   `json:"segm"`
	MOT  map[string]float64 `json:"mot"`
}

// refAP is one category's numbers from pycocotools (-1 for no ground
// truth); the key "all" holds the summary (stats[0], stats[1], stats[2]).
type refAP struct {
	AP, AP50, AP75, Recall, Recall50 float64
}

func TestMatchesReferenceTools(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(refDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]refExpected
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != refCases {
		t.Fatalf("expected.json has %d cases, want %d", len(want), refCases)
	}
	for n := range refCases {
		name := fmt.Sprintf("case%d", n)
		exp, ok := want[name]
		if !ok {
			t.Fatalf("%s missing from expected.json", name)
		}
		t.Run(name, func(t *testing.T) {
			g, err := LoadGroundTruth(filepath.Join(refDir, name+".gt.json"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := LoadPredictions(filepath.Join(refDir, name+".results.json"), g, KITTIOptions{Source: -1})
			if err != nil {
				t.Fatal(err)
			}
			for kind, ref := range map[string]map[string]refAP{"bbox": exp.BBox, "segm": exp.Segm} {
				r, err := EvaluateDetections([]Clip{{GT: g, Pred: p}}, DetOptions{Masks: kind == "segm"})
				if err != nil {
					t.Fatal(err)
				}
				compareAP(t, kind+" all", refAP{r.MAP, r.MAP50, r.MAP75, 0, 0}, ref["all"], true)
				for _, c := range r.Classes {
					compareAP(t, kind+" "+c.Name, refAP{c.AP, c.AP50, c.AP75, c.Recall, c.Recall50}, ref[fmt.Sprint(c.CategoryID)], false)
				}
			}
			compareMOT(t, name, exp.MOT)
		})
	}
}

func compareAP(t *testing.T, what string, got, want refAP, summary bool) {
	t.Helper()
	pairs := [][2]float64{{got.AP, want.AP}, {got.AP50, want.AP50}, {got.AP75, want.AP75}}
	if !summary {
		pairs = append(pairs, [2]float64{got.Recall, want.Recall}, [2]float64{got.Recall50, want.Recall50})
	}
	for i, p := range pairs {
		if math.Abs(p[0]-p[1]) > 1e-9 {
			t.Errorf("%s: value %d = %.12f, pycocotools %.12f", what, i, p[0], p[1])
		}
	}
}

func compareMOT(t *testing.T, name string, want map[string]float64) {
	t.Helper()
	g, err := LoadGroundTruth(filepath.Join(refDir, name+".gt.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPredictions(filepath.Join(refDir, name+".tracks.txt"), g, KITTIOptions{Source: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := EvaluateTracking([]Clip{{GT: g, Pred: p}}, TrackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{
		"num_frames": float64(r.Frames), "num_objects": float64(r.Objects), "num_predictions": float64(r.Predictions),
		"num_matches": float64(r.Matches), "num_switches": float64(r.Switches), "num_false_positives": float64(r.FP),
		"num_misses": float64(r.FN), "num_fragmentations": float64(r.Fragmentations), "mota": r.MOTA,
		"motp": r.MOTPDist, "idf1": r.IDF1, "idp": r.IDP, "idr": r.IDR, "idtp": float64(r.IDTP),
		"idfp": float64(r.IDFP), "idfn": float64(r.IDFN), "mostly_tracked": float64(r.MostlyTracked),
		"partially_tracked": float64(r.PartiallyTracked), "mostly_lost": float64(r.MostlyLost),
		"num_unique_objects": float64(r.UniqueObjects), "removed": float64(r.RemovedPredictions),
	}
	if len(want) == 0 {
		t.Fatal("no MOT reference values")
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("MOT %s: not computed", k)
			continue
		}
		if math.Abs(g-w) > 1e-9 {
			t.Errorf("MOT %s = %v, py-motmetrics %v", k, g, w)
		}
	}
}
