package eval

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
)

// maxArea is the upper bound of COCO's "all" area range (1e5²); objects
// and unmatched detections outside [0, maxArea] are ignored.
const maxArea = 1e10

// gtItem is one ground-truth object of the image and category at hand.
type gtItem struct {
	ann    *Annotation
	mask   *RLE
	mbox   Box  // the mask's box
	ignore bool // not counted (crowd, ignore, or outside the area range)
	crowd  bool // IoU over the detection's area, absorbs many detections
}

// dtItem is one detection of the image and category at hand.
type dtItem struct {
	p    *Prediction
	area float64
	mbox Box // the mask's box
}

// imageEvaluator is pycocotools' evaluateImg with buffers reused from one
// image and category to the next.
type imageEvaluator struct {
	opt   DetOptions
	thr   []float64
	gts   []gtItem
	dts   []dtItem
	ious  []float64
	gtm   []uint16 // per object, bit t: matched at threshold t
	masks []*RLE   // decoded ground-truth masks of the current clip
}

func newImageEvaluator(opt DetOptions) *imageEvaluator {
	return &imageEvaluator{opt: opt, thr: linspace(0.5, 0.95, numThresholds)}
}

// keyed is an annotation or prediction index with its (image, category)
// group key.
type keyed struct{ key, idx int }

// addClip evaluates every image of one clip and appends the detections to
// acc (indexed by merged category). It returns the number of images.
func (e *imageEvaluator) addClip(c *Clip, catIdx map[int]int, numCats int, acc []classAcc) (int, error) {
	g := c.GT
	order := make([]int, len(g.Images))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return g.Images[order[a]].ID < g.Images[order[b]].ID })
	rank := make(map[int]int, len(order))
	for r, i := range order {
		rank[g.Images[i].ID] = r
	}
	anns := make([]keyed, 0, len(g.Annotations))
	for i := range g.Annotations {
		a := &g.Annotations[i]
		anns = append(anns, keyed{rank[a.ImageID]*numCats + catIdx[a.CategoryID], i})
	}
	dts := make([]keyed, 0, len(c.Pred))
	for i := range c.Pred {
		p := &c.Pred[i]
		cat := p.CategoryID
		if cat == NoCategory && len(g.Categories) == 1 {
			cat = g.Categories[0].ID
		}
		switch {
		case cat == NoCategory:
			return 0, fmt.Errorf("prediction %d (frame %d) has no class and the ground truth has %d categories", i, p.Frame, len(g.Categories))
		case p.ImageID == 0:
			return 0, fmt.Errorf("prediction %d: frame %d has no ground-truth image", i, p.Frame)
		}
		k, ok := catIdx[cat]
		if !ok {
			continue // a category the ground truth does not have is not evaluated
		}
		r, ok := rank[p.ImageID]
		if !ok {
			return 0, fmt.Errorf("prediction %d: image_id %d is not in the ground truth", i, p.ImageID)
		}
		dts = append(dts, keyed{r*numCats + k, i})
	}
	byKey := func(a, b keyed) int { return cmp.Compare(a.key, b.key) }
	slices.SortStableFunc(anns, byKey)
	slices.SortStableFunc(dts, byKey)
	if e.opt.Masks {
		e.masks = make([]*RLE, len(g.Annotations))
	}
	for i, j := 0, 0; i < len(anns) || j < len(dts); {
		key := int(^uint(0) >> 1)
		if i < len(anns) {
			key = anns[i].key
		}
		if j < len(dts) && dts[j].key < key {
			key = dts[j].key
		}
		i0, j0 := i, j
		for i < len(anns) && anns[i].key == key {
			i++
		}
		for j < len(dts) && dts[j].key == key {
			j++
		}
		if err := e.evalImage(c, anns[i0:i], dts[j0:j], &acc[key%numCats]); err != nil {
			return 0, err
		}
	}
	return len(g.Images), nil
}

// gtMask returns the decoded mask of annotation i, decoding it once.
func (e *imageEvaluator) gtMask(g *GroundTruth, i int) (*RLE, error) {
	if e.masks[i] == nil {
		m, err := parseSegmentation(g.Annotations[i].Segmentation)
		if err != nil {
			return nil, fmt.Errorf("annotation id %d: %w", g.Annotations[i].ID, err)
		}
		e.masks[i] = m
	}
	return e.masks[i], nil
}

// evalImage matches one image's detections of one category to its objects
// and appends the detection records to acc.
func (e *imageEvaluator) evalImage(c *Clip, anns, dets []keyed, acc *classAcc) error {
	if err := e.prepare(c, anns, dets, acc); err != nil {
		return err
	}
	G, D := len(e.gts), len(e.dts)
	if err := e.computeIoUs(); err != nil {
		return err
	}
	e.gtm = e.gtm[:0]
	for range G {
		e.gtm = append(e.gtm, 0)
	}
	for d := range D {
		rec := detRecord{score: e.dts[d].p.Score}
		row := e.ious[d*G : (d+1)*G]
		for t, thr := range e.thr {
			bit := uint16(1) << t
			iou := min(thr, 1-1e-10)
			m := -1
			for g := range G {
				if e.gtm[g]&bit != 0 && !e.gts[g].crowd {
					continue
				}
				if m > -1 && !e.gts[m].ignore && e.gts[g].ignore {
					break
				}
				if row[g] < iou {
					continue
				}
				iou, m = row[g], g
			}
			if m == -1 {
				if e.dts[d].area < 0 || e.dts[d].area > maxArea {
					rec.ignored |= bit
				}
				continue
			}
			rec.matched |= bit
			if e.gts[m].ignore {
				rec.ignored |= bit
			}
			e.gtm[m] |= bit
		}
		acc.dets = append(acc.dets, rec)
	}
	return nil
}

// prepare fills e.gts (non-ignored objects first, otherwise in file order)
// and e.dts (best score first, at most MaxDets), and counts the objects.
func (e *imageEvaluator) prepare(c *Clip, anns, dets []keyed, acc *classAcc) error {
	e.gts, e.dts = e.gts[:0], e.dts[:0]
	for pass := range 2 {
		for _, k := range anns {
			a := &c.GT.Annotations[k.idx]
			ig := a.ignored() || a.Area < 0 || a.Area > maxArea
			if ig != (pass == 1) {
				continue
			}
			it := gtItem{ann: a, ignore: ig, crowd: a.Crowd || a.Ignore}
			if e.opt.Masks {
				m, err := e.gtMask(c.GT, k.idx)
				if err != nil {
					return err
				}
				it.mask, it.mbox = m, m.Bbox()
			}
			e.gts = append(e.gts, it)
			if ig {
				acc.ignored++
			} else {
				acc.gt++
			}
		}
	}
	for _, k := range dets {
		p := &c.Pred[k.idx]
		it := dtItem{p: p, area: p.Box.W * p.Box.H}
		if e.opt.Masks {
			if p.Mask == nil {
				return fmt.Errorf("prediction %d (image %d) has no mask", k.idx, p.ImageID)
			}
			it.area = float64(p.Mask.Area())
			it.mbox = p.Mask.Bbox()
		}
		e.dts = append(e.dts, it)
	}
	slices.SortStableFunc(e.dts, func(a, b dtItem) int { return cmp.Compare(b.p.Score, a.p.Score) })
	if len(e.dts) > e.opt.MaxDets {
		e.dts = e.dts[:e.opt.MaxDets]
	}
	return nil
}

// computeIoUs fills e.ious, row d holding detection d's IoU with every
// object.
func (e *imageEvaluator) computeIoUs() error {
	G, D := len(e.gts), len(e.dts)
	if cap(e.ious) < G*D {
		e.ious = make([]float64, G*D)
	}
	e.ious = e.ious[:G*D]
	for d := range D {
		for g := range G {
			var v float64
			if e.opt.Masks {
				// Boxes that do not touch have no common pixel.
				if IoU(e.dts[d].mbox, e.gts[g].mbox, false) > 0 {
					var err error
					v, err = MaskIoU(e.dts[d].p.Mask, e.gts[g].mask, e.gts[g].crowd)
					if err != nil {
						return fmt.Errorf("image %d: %w", e.dts[d].p.ImageID, err)
					}
				}
			} else {
				v = IoU(e.dts[d].p.Box, e.gts[g].ann.Box, e.gts[g].crowd)
			}
			e.ious[d*G+g] = v
		}
	}
	return nil
}
