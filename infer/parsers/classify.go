package parsers

import (
	"fmt"

	"github.com/dsgo/dsgo/infer/tensor"
	"github.com/dsgo/dsgo/meta"
)

// ParseSoftmax is nvinfer's default classifier parser: every output layer
// is one attribute whose elements are class probabilities (a softmax); the
// most probable class is reported when its probability exceeds threshold.
func ParseSoftmax(layers []*tensor.Tensor, _ meta.NetworkInfo, threshold float32, labels [][]string, out []Attribute) ([]Attribute, error) {
	for li, l := range layers {
		if err := checkFlat(l); err != nil {
			return out, err
		}
		best, cls := float32(0), -1
		for c, prob := range l.F32 {
			if prob > threshold && prob > best {
				best, cls = prob, c
			}
		}
		if cls >= 0 {
			out = append(out, Attribute{AttributeIndex: li, Value: cls, Confidence: best, Label: label(labels, li, cls)})
		}
	}
	return out, nil
}

// ParseMultiLabel reports every class of every output layer whose
// probability exceeds threshold, for multi-label (sigmoid) classifiers.
func ParseMultiLabel(layers []*tensor.Tensor, _ meta.NetworkInfo, threshold float32, labels [][]string, out []Attribute) ([]Attribute, error) {
	for li, l := range layers {
		if err := checkFlat(l); err != nil {
			return out, err
		}
		for c, prob := range l.F32 {
			if prob > threshold {
				out = append(out, Attribute{AttributeIndex: li, Value: c, Confidence: prob, Label: label(labels, li, c)})
			}
		}
	}
	return out, nil
}

// checkFlat checks a classifier layer: float32 data matching its shape.
func checkFlat(l *tensor.Tensor) error {
	if l == nil {
		return fmt.Errorf("parsers: nil output layer")
	}
	if l.DType != tensor.Float32 {
		return fmt.Errorf("parsers: layer %q is %v, want float32", l.Name, l.DType)
	}
	if n := l.Shape.NumElements(); n != len(l.F32) || n < 1 {
		return fmt.Errorf("parsers: layer %q: shape %v does not match %d elements", l.Name, l.Shape, len(l.F32))
	}
	return nil
}

// label returns labels[layer][class], or "".
func label(labels [][]string, layer, class int) string {
	if layer < len(labels) && class < len(labels[layer]) {
		return labels[layer][class]
	}
	return ""
}

// ParseSegmentation fills s from a semantic segmentation output, [C, H, W]
// or with hwc (segmentation-output-order=1) [H, W, C], as nvinfer does:
// each pixel gets the class of highest probability, or -1 when no class
// exceeds threshold. The probabilities are copied as they are into
// s.ClassProbabilities, reusing its memory, as is the class map's.
func ParseSegmentation(layer *tensor.Tensor, threshold float32, hwc bool, s *meta.SegmentationMeta) error {
	if s == nil {
		return fmt.Errorf("parsers: nil segmentation meta")
	}
	d, err := dims(layer, 3)
	if err != nil {
		return err
	}
	c, h, w := d[0], d[1], d[2]
	plane := h * w
	chStride, pxStride := plane, 1
	if hwc {
		h, w, c = d[0], d[1], d[2]
		plane = h * w
		chStride, pxStride = 1, c
	}
	s.Classes, s.Width, s.Height = c, w, h
	if cap(s.ClassMap) < plane {
		s.ClassMap = make([]int32, plane)
	}
	s.ClassMap = s.ClassMap[:plane]
	probs := layer.F32
	for i := range plane {
		best, cls := float32(-1), int32(-1)
		for k := range c {
			if p := probs[k*chStride+i*pxStride]; p > best && p > threshold {
				best, cls = p, int32(k)
			}
		}
		s.ClassMap[i] = cls
	}
	s.ClassProbabilities = append(s.ClassProbabilities[:0], probs...)
	return nil
}

// Layer names of TAO Mask R-CNN (v2) models.
const (
	mrcnnDetections = "generate_detections"
	mrcnnMasks      = "mask_fcn_logits/BiasAdd"
)

// ParseMrcnnTLTV2 parses a TAO Mask R-CNN model as DeepStream's
// NvDsInferParseCustomMrcnnTLTV2: generate_detections [N, 6] holds per
// detection y1, x1, y2, x2 (network input pixels), class and score;
// mask_fcn_logits/BiasAdd [N, C, mh, mw] holds a mask per detection and
// class (C may be 1 for class-agnostic masks). Each kept object's Mask
// aliases the mask layer. Boxes are clipped as DeepStream does.
func ParseMrcnnTLTV2(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []InstanceObject) ([]InstanceObject, error) {
	if err := p.check(); err != nil {
		return out, err
	}
	det, masks := find(layers, mrcnnDetections), find(layers, mrcnnMasks)
	if det == nil || masks == nil {
		return out, fmt.Errorf("parsers: Mask R-CNN needs layers %s and %s", mrcnnDetections, mrcnnMasks)
	}
	dd, err := dims(det, 2)
	if err != nil {
		return out, err
	}
	md, err := dims(masks, 4)
	if err != nil {
		return out, err
	}
	n, mc, mh, mw := dd[0], md[1], md[2], md[3]
	if dd[1] != 6 || md[0] < n {
		return out, fmt.Errorf("parsers: Mask R-CNN layers disagree: detections %v, masks %v", det.Shape, masks.Shape)
	}
	maxX, maxY := float32(net.Width-1), float32(net.Height-1)
	for i := range n {
		r := det.F32[i*6 : i*6+6]
		y1, x1, y2, x2, clsF, score := r[0], r[1], r[2], r[3], r[4], r[5]
		if !finite(clsF) || clsF < 0 {
			continue
		}
		cls := int(clsF)
		thr, ok := p.threshold(cls)
		if !ok || !(score >= thr) {
			continue
		}
		if !finite(y1, x1, y2, x2) {
			return out, errNonFinite(det, i)
		}
		o := Object{ClassID: cls, Confidence: score, Left: clip(x1, 0, maxX), Top: clip(y1, 0, maxY)}
		o.Width, o.Height = clip(x2, 0, maxX)-x1, clip(y2, 0, maxY)-y1
		if o.Width <= 0 || o.Height <= 0 {
			continue
		}
		mi := i * mc
		if mc > 1 {
			if cls >= mc {
				return out, fmt.Errorf("parsers: Mask R-CNN detection %d has class %d, masks %v have %d", i, cls, masks.Shape, mc)
			}
			mi += cls
		}
		size := mh * mw
		out = append(out, InstanceObject{Object: o, Mask: masks.F32[mi*size : (mi+1)*size : (mi+1)*size], MaskWidth: mw, MaskHeight: mh})
	}
	return out, nil
}
