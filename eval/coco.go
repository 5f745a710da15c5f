package eval

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// numThresholds is the number of IoU thresholds, 0.50:0.05:0.95.
const numThresholds = 10

// numRecall is the number of recall points of the interpolated precision.
const numRecall = 101

// linspace returns n evenly spaced values from start to stop as numpy's
// linspace computes them (i*step + start, the last one exactly stop), so
// that thresholds compare with IoUs and recalls exactly as in pycocotools.
func linspace(start, stop float64, n int) []float64 {
	step := (stop - start) / float64(n-1)
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(float64(i)*step) + start // the conversion forbids a fused multiply-add
	}
	v[n-1] = stop
	return v
}

// DetOptions tune EvaluateDetections.
type DetOptions struct {
	// Masks evaluates instance masks (mask IoU) instead of boxes.
	Masks bool
	// MaxDets is the number of highest-scoring detections kept per image
	// and category; 0 means 100, COCO's default.
	MaxDets int
	// Classes, when not empty, names the categories (any case) that are
	// evaluated and averaged, e.g. the classes a model was trained for;
	// the others are left out of the report, as pycocotools' catIds does.
	Classes []string
}

// ClassAP is one category's result. AP values are -1 for a category with
// no (non-ignored) ground truth, as pycocotools reports them.
type ClassAP struct {
	CategoryID int    `json:"category_id"`
	Name       string `json:"name"`
	// GT counts the non-ignored ground-truth objects, Ignored the others.
	GT      int `json:"gt"`
	Ignored int `json:"ignored"`
	// Dets counts the evaluated detections (the MaxDets best per image).
	Dets int `json:"dets"`
	// TP50 and FP50 count detections at IoU 0.5 (those on ignored objects
	// are neither).
	TP50     int     `json:"tp50"`
	FP50     int     `json:"fp50"`
	AP       float64 `json:"ap"`   // mean over IoU 0.50:0.05:0.95
	AP50     float64 `json:"ap50"` // at IoU 0.5
	AP75     float64 `json:"ap75"` // at IoU 0.75
	Recall50 float64 `json:"recall50"`
	Recall   float64 `json:"recall"` // mean over IoU 0.50:0.05:0.95
}

// DetReport is the result of EvaluateDetections.
type DetReport struct {
	// MAP, MAP50 and MAP75 average the categories that have ground truth;
	// -1 when none has.
	MAP     float64   `json:"map"`
	MAP50   float64   `json:"map50"`
	MAP75   float64   `json:"map75"`
	Images  int       `json:"images"`
	Classes []ClassAP `json:"classes"`
	// Skipped counts predictions whose label names no category, by label.
	Skipped map[string]int `json:"skipped,omitempty"`
}

// detRecord is one evaluated detection: its score and, per IoU threshold
// (bit t), whether it matched an object and whether that object is ignored.
type detRecord struct {
	score            float64
	matched, ignored uint16
}

// classAcc gathers one category's detections over all images.
type classAcc struct {
	dets    []detRecord
	gt      int
	ignored int
}

// EvaluateDetections computes COCO average precision over the pooled
// clips, as pycocotools' COCOeval (evaluate, accumulate, summarize) does
// for area "all": per image and category the detections, best score first
// (at most MaxDets), are matched greedily to the unmatched object of
// highest IoU ≥ t, preferring non-ignored objects; precision is made
// monotone and sampled at 101 recall points.
//
// An object with iscrowd=1 or ignore=1 is a crowd region in pycocotools'
// sense: it is not counted, its IoU with a detection is the intersection
// over the detection's area, it absorbs any number of detections, and a
// detection matched to it is neither a true nor a false positive. (This is
// what pycocotools gives when iscrowd is set wherever ignore is: its
// _prepare overwrites the ignore field with iscrowd.)
func EvaluateDetections(clips []Clip, opt DetOptions) (*DetReport, error) {
	if opt.MaxDets <= 0 {
		opt.MaxDets = 100
	}
	cats, catIdx, err := pooledCategories(clips)
	if err != nil {
		return nil, err
	}
	acc := make([]classAcc, len(cats))
	ev := newImageEvaluator(opt)
	images := 0
	for ci := range clips {
		n, err := ev.addClip(&clips[ci], catIdx[ci], len(cats), acc)
		if err != nil {
			return nil, fmt.Errorf("clip %s: %w", clipName(&clips[ci], ci), err)
		}
		images += n
	}
	rep := &DetReport{Images: images, Skipped: skippedLabels(clips)}
	if len(opt.Classes) > 0 {
		if cats, acc, err = selectClasses(cats, acc, opt.Classes); err != nil {
			return nil, err
		}
	}
	rep.MAP, rep.MAP50, rep.MAP75 = summarize(cats, acc, &rep.Classes)
	return rep, nil
}

// selectClasses keeps the categories named in classes.
func selectClasses(cats []Category, acc []classAcc, classes []string) ([]Category, []classAcc, error) {
	var kc []Category
	var ka []classAcc
	for _, name := range classes {
		i := slices.IndexFunc(cats, func(c Category) bool { return strings.EqualFold(c.Name, name) })
		if i < 0 {
			return nil, nil, fmt.Errorf("class %q is not a ground-truth category", name)
		}
		kc, ka = append(kc, cats[i]), append(ka, acc[i])
	}
	return kc, ka, nil
}

// clipName names a clip in error messages.
func clipName(c *Clip, i int) string {
	if c.Name != "" {
		return c.Name
	}
	return fmt.Sprint(i + 1)
}

// pooledCategories merges the clips' categories by name (ignoring case),
// in the first clip's order, and maps each clip's category ids to indices
// of the merged list.
func pooledCategories(clips []Clip) ([]Category, []map[int]int, error) {
	if len(clips) == 0 {
		return nil, nil, fmt.Errorf("no clips to evaluate")
	}
	var cats []Category
	byName := map[string]int{}
	maps := make([]map[int]int, len(clips))
	for ci, c := range clips {
		if c.GT == nil {
			return nil, nil, fmt.Errorf("clip %s has no ground truth", clipName(&c, ci))
		}
		sorted := append([]Category(nil), c.GT.Categories...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
		maps[ci] = make(map[int]int, len(sorted))
		for _, cat := range sorted {
			key := strings.ToLower(cat.Name)
			k, ok := byName[key]
			if !ok {
				k = len(cats)
				byName[key] = k
				cats = append(cats, cat)
			}
			maps[ci][cat.ID] = k
		}
	}
	return cats, maps, nil
}

// summarize turns the accumulated detections into per-category AP and
// recall and the means over the categories that have ground truth.
func summarize(cats []Category, acc []classAcc, out *[]ClassAP) (mAP, mAP50, mAP75 float64) {
	recThrs := linspace(0, 1, numRecall)
	var sum, sum50, sum75 float64
	valid := 0
	var rc, pr []float64
	for k := range acc {
		a := &acc[k]
		c := ClassAP{CategoryID: cats[k].ID, Name: cats[k].Name, GT: a.gt, Ignored: a.ignored,
			Dets: len(a.dets), AP: -1, AP50: -1, AP75: -1, Recall50: -1, Recall: -1}
		for _, d := range a.dets {
			if d.ignored&1 == 0 {
				if d.matched&1 != 0 {
					c.TP50++
				} else {
					c.FP50++
				}
			}
		}
		if a.gt == 0 {
			*out = append(*out, c)
			continue
		}
		// Stable, as numpy's mergesort: ties keep image order, then the
		// per-image score order.
		slices.SortStableFunc(a.dets, func(x, y detRecord) int { return cmp.Compare(y.score, x.score) })
		var apSum, rcSum float64
		for t := range numThresholds {
			ap, recall := precisionAt(a.dets, t, a.gt, recThrs, &rc, &pr)
			apSum += ap
			rcSum += recall
			switch t {
			case 0:
				c.AP50, c.Recall50 = ap, recall
			case 5:
				c.AP75 = ap
			}
		}
		c.AP = apSum / numThresholds
		c.Recall = rcSum / numThresholds
		sum += c.AP
		sum50 += c.AP50
		sum75 += c.AP75
		valid++
		*out = append(*out, c)
	}
	if valid == 0 {
		return -1, -1, -1
	}
	n := float64(valid)
	return sum / n, sum50 / n, sum75 / n
}

// precisionAt is pycocotools' accumulate for one category and threshold:
// cumulative TP and FP over the score-sorted detections (ignored ones count
// as neither), precision made monotone from the end, sampled at the recall
// thresholds with searchsorted(side="left"); 0 past the highest recall. It
// returns the mean of the samples (the AP) and the final recall.
func precisionAt(dets []detRecord, t, npig int, recThrs []float64, rcBuf, prBuf *[]float64) (ap, recall float64) {
	const eps = 2.220446049250313e-16 // np.spacing(1)
	rc, pr := (*rcBuf)[:0], (*prBuf)[:0]
	var tp, fp float64
	for _, d := range dets {
		switch {
		case d.ignored>>t&1 != 0:
		case d.matched>>t&1 != 0:
			tp++
		default:
			fp++
		}
		rc = append(rc, tp/float64(npig))
		pr = append(pr, tp/(fp+tp+eps))
	}
	*rcBuf, *prBuf = rc, pr
	nd := len(rc)
	if nd > 0 {
		recall = rc[nd-1]
	}
	for i := nd - 1; i > 0; i-- {
		if pr[i] > pr[i-1] {
			pr[i-1] = pr[i]
		}
	}
	var sum float64
	i := 0
	for _, thr := range recThrs {
		for i < nd && rc[i] < thr {
			i++
		}
		if i == nd {
			break
		}
		sum += pr[i]
	}
	return sum / float64(len(recThrs)), recall
}
