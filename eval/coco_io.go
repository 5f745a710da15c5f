package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// cocoImage is an image entry of a COCO ground-truth file. Frame is dsgo's
// extension; without it the frame comes from a "#NNNNNN" file-name suffix or,
// failing that, from id-1.
type cocoImage struct {
	ID       int    `json:"id"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	FileName string `json:"file_name"`
	Frame    *int   `json:"frame"`
	Video    string `json:"video"`
}

// cocoAnnotation is an annotation of a COCO ground-truth file.
type cocoAnnotation struct {
	ID           int               `json:"id"`
	ImageID      int               `json:"image_id"`
	CategoryID   int               `json:"category_id"`
	BBox         []float64         `json:"bbox"`
	Area         *float64          `json:"area"`
	IsCrowd      int               `json:"iscrowd"`
	Ignore       int               `json:"ignore"`
	TrackID      *int64            `json:"track_id"`
	Visibility   *float64          `json:"visibility"`
	Attributes   map[string]string `json:"attributes"`
	Segmentation json.RawMessage   `json:"segmentation"`
}

// cocoFile is a COCO ground-truth file.
type cocoFile struct {
	Images      []cocoImage      `json:"images"`
	Categories  []Category       `json:"categories"`
	Annotations []cocoAnnotation `json:"annotations"`
}

// ReadCOCOGroundTruth reads a COCO ground-truth JSON document (images,
// categories, annotations; dsgo's frame, track_id, visibility and
// attributes extensions are optional).
func ReadCOCOGroundTruth(r io.Reader) (*GroundTruth, error) {
	var f cocoFile
	dec := json.NewDecoder(r)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("COCO ground truth: %w", err)
	}
	if f.Images == nil || f.Categories == nil || f.Annotations == nil {
		return nil, fmt.Errorf("COCO ground truth: needs \"images\", \"categories\" and \"annotations\"")
	}
	g := &GroundTruth{
		Images:      make([]Image, len(f.Images)),
		Categories:  f.Categories,
		Annotations: make([]Annotation, len(f.Annotations)),
	}
	for i, im := range f.Images {
		frame := im.ID - 1
		if im.Frame != nil {
			frame = *im.Frame
		} else if k := strings.LastIndexByte(im.FileName, '#'); k >= 0 {
			if n, err := strconv.Atoi(im.FileName[k+1:]); err == nil {
				frame = n
			}
		}
		g.Images[i] = Image{ID: im.ID, Frame: frame, Width: im.Width, Height: im.Height,
			FileName: im.FileName, Video: im.Video}
	}
	for i, a := range f.Annotations {
		if len(a.BBox) != 4 {
			return nil, fmt.Errorf("COCO ground truth: annotations[%d] (id %d): bbox has %d values, want 4", i, a.ID, len(a.BBox))
		}
		b := Box{a.BBox[0], a.BBox[1], a.BBox[2], a.BBox[3]}
		ann := Annotation{ID: a.ID, ImageID: a.ImageID, CategoryID: a.CategoryID, Box: b,
			Area: b.W * b.H, Crowd: a.IsCrowd != 0, Ignore: a.Ignore != 0, Visibility: 1,
			Attributes: a.Attributes, Segmentation: a.Segmentation}
		if a.Area != nil {
			ann.Area = *a.Area
		}
		if a.TrackID != nil {
			ann.TrackID, ann.HasTrack = *a.TrackID, true
		}
		if a.Visibility != nil {
			ann.Visibility = *a.Visibility
		}
		g.Annotations[i] = ann
	}
	if err := g.index(); err != nil {
		return nil, fmt.Errorf("COCO ground truth: %w", err)
	}
	return g, nil
}

// cocoResult is one entry of a COCO results file. TrackID is dsgo's
// extension for tracker output.
type cocoResult struct {
	ImageID      *int              `json:"image_id"`
	CategoryID   *int              `json:"category_id"`
	BBox         []float64         `json:"bbox"`
	Score        *float64          `json:"score"`
	Segmentation json.RawMessage   `json:"segmentation"`
	Attributes   map[string]string `json:"attributes"`
	TrackID      *int64            `json:"track_id"`
}

// ReadCOCOResults reads a COCO results JSON array. Every image_id must be
// an image of gt (as pycocotools' loadRes demands); category ids are kept
// as written, and those that gt does not have are not evaluated. A result
// without bbox takes its mask's box.
func ReadCOCOResults(r io.Reader, gt *GroundTruth) ([]Prediction, error) {
	var rs []cocoResult
	if err := json.NewDecoder(r).Decode(&rs); err != nil {
		return nil, fmt.Errorf("COCO results: %w", err)
	}
	out := make([]Prediction, 0, len(rs))
	for i, res := range rs {
		p, err := res.prediction(gt)
		if err != nil {
			return nil, fmt.Errorf("COCO results[%d]: %w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// prediction checks one result and converts it.
func (res *cocoResult) prediction(gt *GroundTruth) (Prediction, error) {
	if res.ImageID == nil || res.CategoryID == nil || res.Score == nil {
		return Prediction{}, fmt.Errorf("needs image_id, category_id and score")
	}
	im, ok := gt.ImageByID(*res.ImageID)
	if !ok {
		return Prediction{}, fmt.Errorf("image_id %d is not in the ground truth", *res.ImageID)
	}
	p := Prediction{ImageID: im.ID, Frame: im.Frame, CategoryID: *res.CategoryID, Score: *res.Score,
		Attributes: res.Attributes}
	if _, ok := gt.catByID[p.CategoryID]; !ok {
		p.CategoryID = UnknownCategory
		p.Label = "category " + strconv.Itoa(*res.CategoryID)
	}
	if res.TrackID != nil {
		p.TrackID, p.HasTrack = *res.TrackID, true
	}
	if len(res.Segmentation) > 0 && string(res.Segmentation) != "null" {
		m, err := parseSegmentation(res.Segmentation)
		if err != nil {
			return Prediction{}, err
		}
		p.Mask = m
	}
	switch {
	case len(res.BBox) == 4:
		p.Box = Box{res.BBox[0], res.BBox[1], res.BBox[2], res.BBox[3]}
	case res.BBox == nil && p.Mask != nil:
		p.Box = p.Mask.Bbox()
	default:
		return Prediction{}, fmt.Errorf("bbox has %d values, want 4", len(res.BBox))
	}
	if !p.Box.valid() {
		return Prediction{}, fmt.Errorf("bad bbox %v", p.Box)
	}
	if p.Score != p.Score {
		return Prediction{}, fmt.Errorf("score is NaN")
	}
	return p, nil
}
