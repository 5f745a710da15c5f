package eval

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Box is an axis-aligned box in frame pixels: left, top, width, height, as
// COCO's bbox field.
type Box struct {
	X, Y, W, H float64
}

// IoU is the overlap of dt with gt exactly as pycocotools' bbIou computes
// it: intersection over union, or intersection over dt's area when gt is a
// crowd (ignore) region. Boxes that do not overlap give 0.
func IoU(dt, gt Box, crowd bool) float64 {
	w := math.Min(dt.W+dt.X, gt.W+gt.X) - math.Max(dt.X, gt.X)
	if w <= 0 {
		return 0
	}
	h := math.Min(dt.H+dt.Y, gt.H+gt.Y) - math.Max(dt.Y, gt.Y)
	if h <= 0 {
		return 0
	}
	i := w * h
	da := dt.W * dt.H
	if crowd {
		return i / da
	}
	return i / (da + gt.W*gt.H - i)
}

// valid reports whether every coordinate is finite and the size is not
// negative.
func (b Box) valid() bool {
	for _, v := range [4]float64{b.X, b.Y, b.W, b.H} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return b.W >= 0 && b.H >= 0
}

// Category is a COCO category: id and name (the detector's label).
type Category struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Image is one ground-truth frame. Frame is the 0-based frame number in its
// video, which is what deepstream-app's KITTI files and MOT text carry.
type Image struct {
	ID       int
	Frame    int
	Width    int
	Height   int
	FileName string
	Video    string
}

// Annotation is one ground-truth object in one image.
type Annotation struct {
	ID         int
	ImageID    int
	CategoryID int
	Box        Box
	Area       float64
	// Crowd and Ignore both make the object a region that detections may
	// fall on without reward or penalty (see EvaluateDetections).
	Crowd      bool
	Ignore     bool
	TrackID    int64
	HasTrack   bool
	Visibility float64
	Attributes map[string]string
	// Segmentation is the raw COCO segmentation (RLE object), decoded only
	// when masks are evaluated.
	Segmentation json.RawMessage
}

// ignored reports whether the object is excluded from counting.
func (a *Annotation) ignored() bool { return a.Crowd || a.Ignore }

// GroundTruth is a clip's annotated frames, categories and objects.
type GroundTruth struct {
	Images      []Image
	Categories  []Category
	Annotations []Annotation

	imageByID    map[int]int
	imageByFrame map[int]int
	catByID      map[int]int
}

// index builds the lookup tables and checks that ids are unique and that
// every annotation refers to a known image and category.
func (g *GroundTruth) index() error {
	g.imageByID = make(map[int]int, len(g.Images))
	g.imageByFrame = make(map[int]int, len(g.Images))
	for i, im := range g.Images {
		if _, dup := g.imageByID[im.ID]; dup {
			return fmt.Errorf("images[%d]: duplicate image id %d", i, im.ID)
		}
		g.imageByID[im.ID] = i
		if _, dup := g.imageByFrame[im.Frame]; dup {
			g.imageByFrame[im.Frame] = ambiguousFrame
		} else {
			g.imageByFrame[im.Frame] = i
		}
	}
	g.catByID = make(map[int]int, len(g.Categories))
	for i, c := range g.Categories {
		if _, dup := g.catByID[c.ID]; dup {
			return fmt.Errorf("categories[%d]: duplicate category id %d", i, c.ID)
		}
		g.catByID[c.ID] = i
	}
	for i := range g.Annotations {
		a := &g.Annotations[i]
		if _, ok := g.imageByID[a.ImageID]; !ok {
			return fmt.Errorf("annotations[%d] (id %d): unknown image_id %d", i, a.ID, a.ImageID)
		}
		if _, ok := g.catByID[a.CategoryID]; !ok {
			return fmt.Errorf("annotations[%d] (id %d): unknown category_id %d", i, a.ID, a.CategoryID)
		}
		if !a.Box.valid() {
			return fmt.Errorf("annotations[%d] (id %d): bad bbox %v", i, a.ID, a.Box)
		}
	}
	return nil
}

// ambiguousFrame marks a frame number that several images share (a ground
// truth that holds more than one video).
const ambiguousFrame = -1

// ImageByFrame returns the image of a 0-based frame number. It fails when
// no image, or more than one, has that frame.
func (g *GroundTruth) ImageByFrame(frame int) (Image, bool) {
	i, ok := g.imageByFrame[frame]
	if !ok || i == ambiguousFrame {
		return Image{}, false
	}
	return g.Images[i], true
}

// imageIDForFrame returns the id of the image of a 0-based frame, 0 when no
// image has it, and an error when several do.
func (g *GroundTruth) imageIDForFrame(frame int) (int, error) {
	i, ok := g.imageByFrame[frame]
	switch {
	case !ok:
		return 0, nil
	case i == ambiguousFrame:
		return 0, fmt.Errorf("several ground-truth images have frame %d (more than one video in one ground truth?)", frame)
	}
	return g.Images[i].ID, nil
}

// ImageByID returns the image with a COCO image id.
func (g *GroundTruth) ImageByID(id int) (Image, bool) {
	i, ok := g.imageByID[id]
	if !ok {
		return Image{}, false
	}
	return g.Images[i], true
}

// CategoryByName returns the id of the category whose name equals name,
// ignoring case; detectors' label files and the ground truth often differ
// only in case.
func (g *GroundTruth) CategoryByName(name string) (int, bool) {
	for _, c := range g.Categories {
		if strings.EqualFold(c.Name, name) {
			return c.ID, true
		}
	}
	return 0, false
}

// categoryName returns the name of a category id, or "" when unknown.
func (g *GroundTruth) categoryName(id int) string {
	if i, ok := g.catByID[id]; ok {
		return g.Categories[i].Name
	}
	return ""
}

// Category ids a Prediction may carry besides the ground truth's own.
const (
	// NoCategory marks a prediction whose source gives no class (MOT text
	// with -1 in the class column).
	NoCategory = 0
	// UnknownCategory marks a prediction whose label names no category of
	// the ground truth; evaluators skip it and report its label.
	UnknownCategory = -1
)

// Prediction is one detected (and possibly tracked) object.
type Prediction struct {
	// ImageID is the ground-truth image the prediction belongs to, 0 when
	// no image has its frame (possible only for MOT ground truth).
	ImageID int
	// Frame is the 0-based frame number.
	Frame int
	// CategoryID is a ground-truth category id, NoCategory or
	// UnknownCategory.
	CategoryID int
	// Label is the class name as the source wrote it (KITTI), if any.
	Label    string
	Box      Box
	Score    float64
	TrackID  int64
	HasTrack bool
	// Mask is the instance mask, when the source has one.
	Mask       *RLE
	Attributes map[string]string
}

// Clip is one video's ground truth with the predictions made on it.
// Evaluators pool several clips into one result.
type Clip struct {
	Name string
	GT   *GroundTruth
	Pred []Prediction
}

// skippedLabels counts predictions whose label names no ground-truth
// category, by label.
func skippedLabels(clips []Clip) map[string]int {
	var m map[string]int
	for _, c := range clips {
		for i := range c.Pred {
			p := &c.Pred[i]
			if p.CategoryID != UnknownCategory {
				continue
			}
			if m == nil {
				m = make(map[string]int)
			}
			m[p.Label]++
		}
	}
	return m
}
