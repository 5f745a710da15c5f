package parsers

import (
	"fmt"
	"math"
	"slices"
)

// Clustering modes, as cluster-mode numbers them.
const (
	ClusterGroupRectangles = 0 // OpenCV groupRectangles
	ClusterDBSCAN          = 1 // DBSCAN, boxes averaged by confidence
	ClusterNMS             = 2 // per-class non-maximum suppression
	ClusterDBSCANNMS       = 3 // DBSCAN to drop outliers, then NMS
	ClusterNone            = 4 // no clustering
)

// DeepStream's area-to-hit-ratio filter for DBSCAN clusters: a cluster
// whose sqrt(area) per member exceeds this is dropped.
const athrThreshold float32 = 60

// ClassParams are one class's clustering and filtering parameters, the
// keys of a [class-attrs-*] group.
type ClassParams struct {
	PreClusterThreshold  float32 // boxes below are dropped first
	PostClusterThreshold float32 // NMS keeps boxes above, DBSCAN at or above
	EPS                  float32 // groupRectangles' and DBSCAN's epsilon
	GroupThreshold       int     // groupRectangles; 0 disables grouping
	MinBoxes             int     // DBSCAN; 0 disables it
	DBSCANMinScore       float32 // DBSCAN's minimum summed confidence
	NMSIOUThreshold      float32 // NMS drops boxes overlapping more
	TopK                 int     // at most this many boxes remain (0 none); < 0 all

	// Filters applied in frame coordinates by Filter; 0 disables each.
	DetectedMinW, DetectedMinH, DetectedMaxW, DetectedMaxH float32
	ROITopOffset, ROIBottomOffset                          float32
}

// DefaultClassParams returns DeepStream's defaults for a class with no
// [class-attrs-*] keys: pre-cluster threshold 0.2, NMS IoU 0.3, TopK -1.
func DefaultClassParams() ClassParams {
	return ClassParams{PreClusterThreshold: 0.2, NMSIOUThreshold: 0.3, TopK: -1}
}

// Clusterer merges a detector's raw boxes as nvinfer does, per class. It
// keeps scratch memory between calls, so that clustering allocates
// nothing in steady state; it is not safe for concurrent use.
type Clusterer struct {
	// Mode is one of the Cluster constants.
	Mode int
	// Classes holds each class's parameters; boxes of classes beyond it
	// are dropped.
	Classes []ClassParams

	sorted  []Object
	masks   []InstanceObject
	idx     []int
	labels  []int
	sums    []int
	weights []int
	db      dbscan
}

// Cluster filters objs by class and pre-cluster threshold, clusters each
// class and appends the results to out, classes in increasing order, as
// nvinfer does. DBSCAN then drops clusters below the post-cluster
// threshold; NMS keeps boxes above it; DBSCAN, NMS and no clustering keep
// each class's TopK most confident boxes (all when TopK < 0). objs is not
// changed.
func (c *Clusterer) Cluster(objs []Object, out []Object) ([]Object, error) {
	if c.Mode < ClusterGroupRectangles || c.Mode > ClusterNone {
		return out, fmt.Errorf("parsers: cluster mode %d: must be 0-4", c.Mode)
	}
	c.sorted = c.sorted[:0]
	for _, o := range objs {
		if o.ClassID >= 0 && o.ClassID < len(c.Classes) && o.Confidence >= c.Classes[o.ClassID].PreClusterThreshold {
			c.sorted = append(c.sorted, o)
		}
	}
	slices.SortStableFunc(c.sorted, func(a, b Object) int { return a.ClassID - b.ClassID })
	for start := 0; start < len(c.sorted); {
		end := start + 1
		for end < len(c.sorted) && c.sorted[end].ClassID == c.sorted[start].ClassID {
			end++
		}
		cls := c.sorted[start:end]
		p := &c.Classes[cls[0].ClassID]
		switch c.Mode {
		case ClusterGroupRectangles:
			out = c.groupRectangles(cls, p, out)
		case ClusterDBSCAN:
			if p.MinBoxes > 0 {
				cls = c.db.cluster(cls, p, false)
			}
			kept := cls[:0]
			for _, o := range cls {
				if o.Confidence >= p.PostClusterThreshold {
					kept = append(kept, o)
				}
			}
			out = appendTopK(kept, p.TopK, out)
		case ClusterNMS:
			out = c.nms(cls, p, out)
		case ClusterDBSCANNMS:
			if p.MinBoxes > 0 {
				cls = c.db.cluster(cls, p, true)
			}
			out = c.nms(cls, p, out)
		case ClusterNone:
			out = appendTopK(cls, p.TopK, out)
		}
		start = end
	}
	return out, nil
}

// ClusterInstances post-processes instance segmentation objects as nvinfer
// does: only Mode ClusterNone is allowed; objects are filtered by class and
// pre-cluster threshold, grouped by class, and each class keeps its TopK
// most confident (all when TopK < 0). objs is not changed.
func (c *Clusterer) ClusterInstances(objs []InstanceObject, out []InstanceObject) ([]InstanceObject, error) {
	if c.Mode != ClusterNone {
		return out, fmt.Errorf("parsers: cluster mode %d: instance segmentation needs cluster-mode=4 (none)", c.Mode)
	}
	c.masks = c.masks[:0]
	for _, o := range objs {
		if o.ClassID >= 0 && o.ClassID < len(c.Classes) && o.Confidence >= c.Classes[o.ClassID].PreClusterThreshold {
			c.masks = append(c.masks, o)
		}
	}
	slices.SortStableFunc(c.masks, func(a, b InstanceObject) int { return a.ClassID - b.ClassID })
	for start := 0; start < len(c.masks); {
		end := start + 1
		for end < len(c.masks) && c.masks[end].ClassID == c.masks[start].ClassID {
			end++
		}
		cls, k := c.masks[start:end], c.Classes[c.masks[start].ClassID].TopK
		if k >= 0 {
			slices.SortStableFunc(cls, func(a, b InstanceObject) int { return byConfidence(a.Object, b.Object) })
			cls = cls[:min(k, len(cls))]
		}
		out = append(out, cls...)
		start = end
	}
	return out, nil
}

// byConfidence orders objects by decreasing confidence.
func byConfidence(a, b Object) int {
	switch {
	case a.Confidence > b.Confidence:
		return -1
	case a.Confidence < b.Confidence:
		return 1
	}
	return 0
}

// nms appends the boxes of one class that survive non-maximum suppression
// as DeepStream does: by decreasing confidence (ties in input order), a
// box is kept unless its IoU with a kept box exceeds the threshold; kept
// boxes must then exceed the post-cluster threshold; at most TopK remain.
func (c *Clusterer) nms(objs []Object, p *ClassParams, out []Object) []Object {
	c.idx = c.idx[:0]
	for i := range objs {
		c.idx = append(c.idx, i)
	}
	slices.SortStableFunc(c.idx, func(a, b int) int { return byConfidence(objs[a], objs[b]) })
	kept := c.idx[:0] // overwrites only entries already read
	for _, i := range c.idx {
		keep := true
		for _, k := range kept {
			if iou(objs[i], objs[k]) > p.NMSIOUThreshold {
				keep = false
				break
			}
		}
		if keep {
			kept = append(kept, i)
		}
	}
	n := 0
	for _, k := range kept {
		if p.TopK >= 0 && n == p.TopK {
			break
		}
		if objs[k].Confidence > p.PostClusterThreshold {
			out = append(out, objs[k])
			n++
		}
	}
	return out
}

// appendTopK appends the k most confident of objs (sorting objs by
// decreasing confidence, ties in order), or all of them in order when k < 0.
func appendTopK(objs []Object, k int, out []Object) []Object {
	if k < 0 {
		return append(out, objs...)
	}
	slices.SortStableFunc(objs, byConfidence)
	return append(out, objs[:min(k, len(objs))]...)
}

// iou is DeepStream's NMS overlap: intersection over union of the boxes,
// 0 when the union is empty.
func iou(a, b Object) float32 {
	ox := overlap1D(a.Left, a.Left+a.Width, b.Left, b.Left+b.Width)
	oy := overlap1D(a.Top, a.Top+a.Height, b.Top, b.Top+b.Height)
	inter := ox * oy
	u := a.Width*a.Height + b.Width*b.Height - inter
	if u == 0 {
		return 0
	}
	return inter / u
}

func overlap1D(min1, max1, min2, max2 float32) float32 {
	if min1 > min2 {
		min1, min2 = min2, min1
		max1, max2 = max2, max1
	}
	if max1 < min2 {
		return 0
	}
	return min(max1, max2) - min2
}

// groupRectangles appends one class's boxes grouped as DeepStream does
// with OpenCV's cv::groupRectangles: boxes are truncated to integers;
// with GroupThreshold 0 they pass through ungrouped. Grouped boxes carry
// NoConfidence.
func (c *Clusterer) groupRectangles(objs []Object, p *ClassParams, out []Object) []Object {
	if p.GroupThreshold <= 0 {
		for _, o := range objs {
			o.Left, o.Top = float32(int(o.Left)), float32(int(o.Top))
			o.Width, o.Height = float32(int(o.Width)), float32(int(o.Height))
			o.Confidence = NoConfidence
			out = append(out, o)
		}
		return out
	}
	n := len(objs)
	rects := c.rects(objs)
	nclasses := c.partition(rects, n, float64(p.EPS))
	c.sums = slices.Grow(c.sums[:0], 4*nclasses)[:4*nclasses]
	c.weights = slices.Grow(c.weights[:0], nclasses)[:nclasses]
	clear(c.sums)
	clear(c.weights)
	for i := range n {
		l := c.labels[i]
		for k := range 4 {
			c.sums[4*l+k] += rects[4*i+k]
		}
		c.weights[l]++
	}
	for l := range nclasses {
		s := 1 / float32(c.weights[l])
		for k := range 4 {
			c.sums[4*l+k] = int(math.RoundToEven(float64(float32(c.sums[4*l+k]) * s)))
		}
	}
	return c.appendGroups(objs[0].ClassID, nclasses, p, out)
}

// rects returns the boxes as x, y, w, h integers (truncated, as the
// conversion to cv::Rect does), in c.idx's memory.
func (c *Clusterer) rects(objs []Object) []int {
	c.idx = c.idx[:0]
	for _, o := range objs {
		c.idx = append(c.idx, int(o.Left), int(o.Top), int(o.Width), int(o.Height))
	}
	return c.idx
}

// appendGroups keeps the averaged groups with more than GroupThreshold
// members that do not lie inside a bigger, better supported group.
func (c *Clusterer) appendGroups(classID, nclasses int, p *ClassParams, out []Object) []Object {
	eps := float64(p.EPS)
	for i := range nclasses {
		n1 := c.weights[i]
		if n1 <= p.GroupThreshold {
			continue
		}
		r1 := c.sums[4*i : 4*i+4]
		inside := false
		for j := range nclasses {
			n2 := c.weights[j]
			if j == i || n2 <= p.GroupThreshold {
				continue
			}
			r2 := c.sums[4*j : 4*j+4]
			dx := int(math.RoundToEven(float64(r2[2]) * eps))
			dy := int(math.RoundToEven(float64(r2[3]) * eps))
			if r1[0] >= r2[0]-dx && r1[1] >= r2[1]-dy &&
				r1[0]+r1[2] <= r2[0]+r2[2]+dx && r1[1]+r1[3] <= r2[1]+r2[3]+dy &&
				(n2 > max(3, n1) || n1 < 3) {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, Object{ClassID: classID, Confidence: NoConfidence,
				Left: float32(r1[0]), Top: float32(r1[1]), Width: float32(r1[2]), Height: float32(r1[3])})
		}
	}
	return out
}

// partition labels the n rects (x, y, w, h each) into equivalence classes
// of OpenCV's SimilarRects(eps) and returns their number; classes are
// numbered in order of first appearance, as cv::partition does.
func (c *Clusterer) partition(r []int, n int, eps float64) int {
	parent := slices.Grow(c.weights[:0], n)[:n]
	for i := range parent {
		parent[i] = i
	}
	root := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			if similar(r[4*i:4*i+4], r[4*j:4*j+4], eps) {
				if a, b := root(i), root(j); a != b {
					parent[max(a, b)] = min(a, b)
				}
			}
		}
	}
	c.labels = slices.Grow(c.labels[:0], n)[:n]
	nclasses := 0
	for i := range n {
		if ri := root(i); ri == i {
			c.labels[i] = nclasses
			nclasses++
		} else {
			c.labels[i] = c.labels[ri] // ri < i: labelled already
		}
	}
	c.weights = parent
	return nclasses
}

// similar is OpenCV's SimilarRects: every edge within eps times the mean
// of the smaller width and height.
func similar(a, b []int, eps float64) bool {
	delta := eps * float64(min(a[2], b[2])+min(a[3], b[3])) * 0.5
	return math.Abs(float64(a[0]-b[0])) <= delta && math.Abs(float64(a[1]-b[1])) <= delta &&
		math.Abs(float64(a[0]+a[2]-b[0]-b[2])) <= delta && math.Abs(float64(a[1]+a[3]-b[1]-b[3])) <= delta
}

// Filter drops, in place, boxes DeepStream's nvinfer drops after scaling
// them to the frame (see Keep).
func Filter(objs []Object, classes []ClassParams, filterOut []int, frameHeight float32) []Object {
	out := objs[:0]
	for _, o := range objs {
		if Keep(o, classes, filterOut, frameHeight) {
			out = append(out, o)
		}
	}
	return out
}

// Keep reports whether nvinfer keeps a box after scaling it to the frame:
// it drops classes listed in filterOut, boxes smaller or larger than their
// class's detected-min/max sizes, and boxes above the ROI top offset or
// below frameHeight minus the ROI bottom offset. classes holds each
// class's parameters; other classes are kept.
func Keep(o Object, classes []ClassParams, filterOut []int, frameHeight float32) bool {
	if slices.Contains(filterOut, o.ClassID) {
		return false
	}
	if o.ClassID < 0 || o.ClassID >= len(classes) {
		return true
	}
	p := &classes[o.ClassID]
	return !(o.Width < p.DetectedMinW || o.Height < p.DetectedMinH ||
		(p.DetectedMaxW > 0 && o.Width > p.DetectedMaxW) ||
		(p.DetectedMaxH > 0 && o.Height > p.DetectedMaxH) ||
		o.Top < p.ROITopOffset || o.Top+o.Height > frameHeight-p.ROIBottomOffset)
}
