package eval

import (
	"fmt"
	"math"
	"sort"
)

// TrackOptions tune EvaluateTracking.
type TrackOptions struct {
	// Category restricts the evaluation to one ground-truth category id;
	// predictions without a class stay in. 0 evaluates all categories
	// together, where an object and a prediction of different known
	// categories never match.
	Category int
	// IoU is the least overlap of a match; 0 means 0.5.
	IoU float64
}

// TrackReport is the result of EvaluateTracking. Counts are summed over
// clips; ratios are computed from the sums (py-motmetrics' OVERALL row).
type TrackReport struct {
	// MOTA = 1 - (FN + FP + Switches) / Objects.
	MOTA float64 `json:"mota"`
	// MOTP is the mean IoU of the matched pairs (higher is better).
	// MOTPDist is py-motmetrics' motp with IoU distances: the mean of
	// 1 - IoU (lower is better); MOTP = 1 - MOTPDist.
	MOTP     float64 `json:"motp"`
	MOTPDist float64 `json:"motp_dist"`
	IDF1     float64 `json:"idf1"`
	IDP      float64 `json:"idp"`
	IDR      float64 `json:"idr"`
	// Precision and Recall are (matches + switches) over predictions and
	// over objects.
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`

	Frames         int `json:"frames"`
	Objects        int `json:"objects"`     // object occurrences (non-ignored)
	Predictions    int `json:"predictions"` // prediction occurrences kept
	Matches        int `json:"matches"`
	Switches       int `json:"switches"`
	FP             int `json:"fp"`
	FN             int `json:"fn"`
	Fragmentations int `json:"fragmentations"`
	IDTP           int `json:"idtp"`
	IDFP           int `json:"idfp"`
	IDFN           int `json:"idfn"`
	UniqueObjects  int `json:"unique_objects"`
	// MostlyTracked, PartiallyTracked and MostlyLost count objects tracked
	// for ≥ 80 %, 20-80 % and < 20 % of their occurrences.
	MostlyTracked    int `json:"mostly_tracked"`
	PartiallyTracked int `json:"partially_tracked"`
	MostlyLost       int `json:"mostly_lost"`
	// IgnoredObjects counts ignored object occurrences; RemovedPredictions
	// the predictions dropped because they matched one.
	IgnoredObjects     int `json:"ignored_objects"`
	RemovedPredictions int `json:"removed_predictions"`
	// Skipped counts predictions whose label names no category, by label.
	Skipped map[string]int `json:"skipped,omitempty"`

	sumDist, sumIoU float64
}

// trackItem is one object or prediction occurrence with a dense id.
type trackItem struct {
	frame  int
	id     int32
	cat    int
	box    Box
	ignore bool
}

// EvaluateTracking computes CLEAR MOT and identity measures as
// py-motmetrics does with IoU distances (max_iou = 1 - IoU threshold):
//
// Per frame, first the ignored objects are matched to the predictions
// (least-distance assignment of pairs with IoU ≥ threshold) and the
// predictions matched to them removed, then the ignored objects, as the
// MOT17 evaluation does with distractors. Then each object matched to a
// prediction in the previous updated frame keeps it if they still overlap
// enough; the others are assigned by the Hungarian algorithm (as many
// pairs as possible, then least total distance). A pair whose object was
// last matched to another prediction is an identity switch; unmatched
// objects are misses, unmatched predictions false positives. A
// fragmentation is a tracked-to-missed transition within an object's
// tracked span. IDF1 comes from the global assignment of object ids to
// prediction ids that maximises the frames in which the two overlap.
func EvaluateTracking(clips []Clip, opt TrackOptions) (*TrackReport, error) {
	if opt.IoU <= 0 {
		opt.IoU = 0.5
	}
	if len(clips) == 0 {
		return nil, fmt.Errorf("no clips to evaluate")
	}
	rep := &TrackReport{Skipped: skippedLabels(clips)}
	var acc motAccumulator
	for ci := range clips {
		c := &clips[ci]
		gts, nObj, err := trackObjects(c, opt.Category)
		if err != nil {
			return nil, fmt.Errorf("clip %s: %w", clipName(c, ci), err)
		}
		hyps, nHyp, err := trackPredictions(c, opt.Category)
		if err != nil {
			return nil, fmt.Errorf("clip %s: %w", clipName(c, ci), err)
		}
		acc.reset(nObj, nHyp, 1-opt.IoU)
		if err := acc.run(gts, hyps, rep); err != nil {
			return nil, fmt.Errorf("clip %s: %w", clipName(c, ci), err)
		}
		if err := acc.finish(rep); err != nil {
			return nil, fmt.Errorf("clip %s: %w", clipName(c, ci), err)
		}
	}
	rep.ratios()
	return rep, nil
}

// ratios derives the ratio measures from the summed counts.
func (r *TrackReport) ratios() {
	det := r.Matches + r.Switches
	r.MOTA = 1 - quietDiv(float64(r.FN+r.FP+r.Switches), float64(r.Objects))
	r.MOTPDist = quietDiv(r.sumDist, float64(det))
	r.MOTP = quietDiv(r.sumIoU, float64(det))
	r.Precision = quietDiv(float64(det), float64(det+r.FP))
	r.Recall = quietDiv(float64(det), float64(r.Objects))
	r.IDP = quietDiv(float64(r.IDTP), float64(r.IDTP+r.IDFP))
	r.IDR = quietDiv(float64(r.IDTP), float64(r.IDTP+r.IDFN))
	r.IDF1 = quietDiv(float64(2*r.IDTP), float64(r.Objects+r.Predictions))
}

// quietDiv is py-motmetrics' quiet_divide: NaN for 0/0, ±Inf for x/0.
func quietDiv(a, b float64) float64 {
	if b == 0 {
		if a == 0 {
			return math.NaN()
		}
		return math.Copysign(math.Inf(1), a)
	}
	return a / b
}

// trackObjects collects a clip's ground-truth occurrences, sorted by frame,
// with dense object ids.
func trackObjects(c *Clip, category int) ([]trackItem, int, error) {
	ids := map[int64]int32{}
	var out []trackItem
	for i := range c.GT.Annotations {
		a := &c.GT.Annotations[i]
		if category != 0 && a.CategoryID != category {
			continue
		}
		if !a.HasTrack {
			return nil, 0, fmt.Errorf("annotation id %d has no track_id", a.ID)
		}
		id, ok := ids[a.TrackID]
		if !ok {
			id = int32(len(ids))
			ids[a.TrackID] = id
		}
		im, _ := c.GT.ImageByID(a.ImageID)
		out = append(out, trackItem{frame: im.Frame, id: id, cat: a.CategoryID, box: a.Box, ignore: a.ignored()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].frame < out[j].frame })
	return out, len(ids), nil
}

// trackPredictions collects a clip's predictions (those of the category,
// or without class), sorted by frame, with dense ids.
func trackPredictions(c *Clip, category int) ([]trackItem, int, error) {
	ids := map[int64]int32{}
	var out []trackItem
	for i := range c.Pred {
		p := &c.Pred[i]
		if p.CategoryID == UnknownCategory || category != 0 && p.CategoryID != category && p.CategoryID != NoCategory {
			continue
		}
		if !p.HasTrack {
			return nil, 0, fmt.Errorf("prediction %d (frame %d) has no track id: tracking needs tracker output", i, p.Frame)
		}
		id, ok := ids[p.TrackID]
		if !ok {
			id = int32(len(ids))
			ids[p.TrackID] = id
		}
		out = append(out, trackItem{frame: p.Frame, id: id, cat: p.CategoryID, box: p.Box})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].frame < out[j].frame })
	return out, len(ids), nil
}
