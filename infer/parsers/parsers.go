package parsers

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dsgo/dsgo/infer/tensor"
	"github.com/dsgo/dsgo/meta"
)

// Object is one detected box in network input pixels, DeepStream's
// NvDsInferObjectDetectionInfo.
type Object struct {
	// ClassID is the class index.
	ClassID int
	// Left, Top, Width and Height place the box in network input pixels.
	Left, Top, Width, Height float32
	// Confidence is the detection confidence, or NoConfidence.
	Confidence float32
}

// NoConfidence is the confidence of boxes made by groupRectangles
// clustering, which averages boxes and keeps no score (DeepStream reports
// a negative confidence there too).
const NoConfidence float32 = -0.1

// InstanceObject is a detected box with its instance mask, DeepStream's
// NvDsInferInstanceMaskInfo.
type InstanceObject struct {
	Object
	// Mask holds MaskWidth*MaskHeight probabilities (or logits, as the
	// model outputs them), row-major, covering the box. It aliases the
	// output tensor: copy it before the tensor is reused.
	Mask []float32
	// MaskWidth and MaskHeight are the mask's size.
	MaskWidth, MaskHeight int
}

// Attribute is one classifier result, DeepStream's NvDsInferAttribute.
type Attribute struct {
	// AttributeIndex is the output layer (attribute) that made it.
	AttributeIndex int
	// Value is the winning class of that layer.
	Value int
	// Confidence is the winning class's probability.
	Confidence float32
	// Label is the class's name from the labels file, or "".
	Label string
}

// DetectionParams are what DeepStream tells a bounding-box parser about
// the detection, NvDsInferParseDetectionParams.
type DetectionParams struct {
	// NumClasses is num-detected-classes; boxes of other classes are
	// dropped.
	NumClasses int
	// PreClusterThreshold holds each class's pre-cluster-threshold; it
	// must have NumClasses entries.
	PreClusterThreshold []float32
}

// threshold returns class c's pre-cluster threshold, and false for a class
// the parser must drop.
func (p *DetectionParams) threshold(c int) (float32, bool) {
	if c < 0 || c >= p.NumClasses {
		return 0, false
	}
	return p.PreClusterThreshold[c], true
}

func (p *DetectionParams) check() error {
	if p == nil {
		return fmt.Errorf("parsers: nil detection params")
	}
	if p.NumClasses < 1 || len(p.PreClusterThreshold) < p.NumClasses {
		return fmt.Errorf("parsers: %d classes with %d pre-cluster thresholds: need at least one class and a threshold each",
			p.NumClasses, len(p.PreClusterThreshold))
	}
	return nil
}

// BBoxParser turns a detector's output layers into boxes, DeepStream's
// NvDsInferParseCustomFunc. Implementations append to out and return it,
// so that a caller reusing out allocates nothing in steady state. Layers
// hold float32 data; their shapes may or may not include a leading batch
// dimension of 1. Malformed outputs give errors, never panics.
type BBoxParser interface {
	ParseBBox(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []Object) ([]Object, error)
}

// BBoxFunc adapts a function to BBoxParser.
type BBoxFunc func(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []Object) ([]Object, error)

// ParseBBox calls f.
func (f BBoxFunc) ParseBBox(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []Object) ([]Object, error) {
	return f(layers, net, p, out)
}

// InstanceMaskParser turns an instance segmentation model's output layers
// into boxes with masks, DeepStream's NvDsInferInstanceMaskParseCustomFunc.
type InstanceMaskParser interface {
	ParseInstanceMask(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []InstanceObject) ([]InstanceObject, error)
}

// InstanceMaskFunc adapts a function to InstanceMaskParser.
type InstanceMaskFunc func(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []InstanceObject) ([]InstanceObject, error)

// ParseInstanceMask calls f.
func (f InstanceMaskFunc) ParseInstanceMask(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []InstanceObject) ([]InstanceObject, error) {
	return f(layers, net, p, out)
}

// ClassifierParser turns a classifier's output layers into attributes,
// DeepStream's NvDsInferClassiferParseCustomFunc. labels[i] are the class
// names of layer i (from the labels file; may be short or nil).
type ClassifierParser interface {
	ParseClassifier(layers []*tensor.Tensor, net meta.NetworkInfo, threshold float32, labels [][]string, out []Attribute) ([]Attribute, error)
}

// ClassifierFunc adapts a function to ClassifierParser.
type ClassifierFunc func(layers []*tensor.Tensor, net meta.NetworkInfo, threshold float32, labels [][]string, out []Attribute) ([]Attribute, error)

// ParseClassifier calls f.
func (f ClassifierFunc) ParseClassifier(layers []*tensor.Tensor, net meta.NetworkInfo, threshold float32, labels [][]string, out []Attribute) ([]Attribute, error) {
	return f(layers, net, threshold, labels, out)
}

// find returns the layer called name, or nil.
func find(layers []*tensor.Tensor, name string) *tensor.Tensor {
	for _, l := range layers {
		if l != nil && l.Name == name {
			return l
		}
	}
	return nil
}

// findContaining returns the first layer whose name contains s, or nil.
func findContaining(layers []*tensor.Tensor, s string) *tensor.Tensor {
	for _, l := range layers {
		if l != nil && strings.Contains(l.Name, s) {
			return l
		}
	}
	return nil
}

// dims checks that t is a float32 tensor whose data matches its shape and
// returns its shape without leading 1s beyond rank, which must then match.
func dims(t *tensor.Tensor, rank int) ([]int, error) {
	if t == nil {
		return nil, fmt.Errorf("parsers: missing output layer")
	}
	if t.DType != tensor.Float32 {
		return nil, fmt.Errorf("parsers: layer %q is %v, want float32", t.Name, t.DType)
	}
	s := []int(t.Shape)
	for len(s) > rank && s[0] == 1 {
		s = s[1:]
	}
	if len(s) != rank || slices.ContainsFunc(s, func(d int) bool { return d < 1 }) {
		return nil, fmt.Errorf("parsers: layer %q has shape %v, want %d dimensions", t.Name, t.Shape, rank)
	}
	if n := t.Shape.NumElements(); n != len(t.F32) {
		return nil, fmt.Errorf("parsers: layer %q: shape %v holds %d elements, data has %d", t.Name, t.Shape, n, len(t.F32))
	}
	return s, nil
}

// finite reports whether all of xs are finite.
func finite(xs ...float32) bool {
	for _, x := range xs {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// clip limits x to [lo, hi], as DeepStream's CLIP macro.
func clip(x, lo, hi float32) float32 {
	return max(min(x, hi), lo)
}

func errNonFinite(t *tensor.Tensor, i int) error {
	return fmt.Errorf("parsers: layer %q: detection %d has a non-finite coordinate", t.Name, i)
}
