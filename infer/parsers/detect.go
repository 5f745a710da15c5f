package parsers

import (
	"fmt"

	"github.com/dsgo/dsgo/infer/tensor"
	"github.com/dsgo/dsgo/meta"
)

// DetectNet_v2's box encoding: offsets from grid cell centres, in units of
// this many pixels.
const detectNetBBoxNorm float32 = 35

// ParseDetectNet parses a DetectNet_v2 (ResNet grid) detector as
// nvinfer's default parser does: a coverage layer [C, H, W] (its name
// contains "cov") and a bbox layer [4C, H, W] (name contains "bbox") whose
// four planes per class are the distances of x1, y1, x2, y2 from the cell
// centre (i*stride + 0.5), divided by 35. Coordinates at or beyond the
// network input's size become size-1 and negative ones 0, as DeepStream
// clips them; boxes that end before they start are dropped.
func ParseDetectNet(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []Object) ([]Object, error) {
	if err := p.check(); err != nil {
		return out, err
	}
	cov, bbox := findContaining(layers, "cov"), findContaining(layers, "bbox")
	if cov == nil || bbox == nil {
		return out, fmt.Errorf("parsers: DetectNet needs a coverage layer (name containing \"cov\") and a bbox layer (\"bbox\"), got %d layers", len(layers))
	}
	cd, err := dims(cov, 3)
	if err != nil {
		return out, err
	}
	bd, err := dims(bbox, 3)
	if err != nil {
		return out, err
	}
	numClasses := min(cd[0], p.NumClasses)
	gridH, gridW := cd[1], cd[2]
	if bd[1] != gridH || bd[2] != gridW || bd[0] < 4*numClasses {
		return out, fmt.Errorf("parsers: DetectNet bbox layer %q %v does not match coverage layer %q %v", bbox.Name, bbox.Shape, cov.Name, cov.Shape)
	}
	if net.Width < 1 || net.Height < 1 {
		return out, fmt.Errorf("parsers: network size %dx%d", net.Width, net.Height)
	}
	strideX := (net.Width + gridW - 1) / gridW
	strideY := (net.Height + gridH - 1) / gridH
	grid := gridW * gridH
	for c := range numClasses {
		thr, _ := p.threshold(c)
		covC := cov.F32[c*grid : (c+1)*grid]
		x1s := bbox.F32[c*4*grid:]
		y1s, x2s, y2s := x1s[grid:], x1s[2*grid:], x1s[3*grid:]
		for h := range gridH {
			cy := float32(float64(h*strideY)+0.5) / detectNetBBoxNorm
			for w := range gridW {
				i := h*gridW + w
				conf := covC[i]
				if !(conf >= thr) {
					continue
				}
				cx := float32(float64(w*strideX)+0.5) / detectNetBBoxNorm
				x1 := (x1s[i] - cx) * -detectNetBBoxNorm
				y1 := (y1s[i] - cy) * -detectNetBBoxNorm
				x2 := (x2s[i] + cx) * detectNetBBoxNorm
				y2 := (y2s[i] + cy) * detectNetBBoxNorm
				if !finite(x1, y1, x2, y2) {
					return out, errNonFinite(bbox, i)
				}
				x1, y1 = clipDetectNet(x1, net.Width), clipDetectNet(y1, net.Height)
				x2, y2 = clipDetectNet(x2, net.Width), clipDetectNet(y2, net.Height)
				if x2 < x1 || y2 < y1 {
					continue
				}
				out = append(out, Object{ClassID: c, Confidence: conf, Left: x1, Top: y1, Width: x2 - x1, Height: y2 - y1})
			}
		}
	}
	return out, nil
}

// ParseTfSSD parses a TensorFlow Object Detection API SSD as DeepStream's
// NvDsInferParseCustomTfSSD: layers detection_boxes [N, 4] (ymin, xmin,
// ymax, xmax, normalised to 0-1), detection_scores [N], detection_classes
// [N] and optionally num_detections [1]. Class ids are used as the model
// gives them (TF's are 1-based, 0 being background). Boxes are clipped to
// the network input; empty ones are dropped.
func ParseTfSSD(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []Object) ([]Object, error) {
	if err := p.check(); err != nil {
		return out, err
	}
	boxes, scores, classes := find(layers, "detection_boxes"), find(layers, "detection_scores"), find(layers, "detection_classes")
	if boxes == nil || scores == nil || classes == nil {
		return out, fmt.Errorf("parsers: TF SSD needs layers detection_boxes, detection_scores and detection_classes")
	}
	bd, err := dims(boxes, 2)
	if err != nil {
		return out, err
	}
	sd, err := dims(scores, 1)
	if err != nil {
		return out, err
	}
	cd, err := dims(classes, 1)
	if err != nil {
		return out, err
	}
	n := cd[0]
	if sd[0] < n || bd[0] < n || bd[1] != 4 {
		return out, fmt.Errorf("parsers: TF SSD layers disagree: boxes %v, scores %v, classes %v", boxes.Shape, scores.Shape, classes.Shape)
	}
	if num := find(layers, "num_detections"); num != nil && len(num.F32) > 0 {
		v := num.F32[0]
		if !finite(v) {
			return out, fmt.Errorf("parsers: num_detections is %v", v)
		}
		n = max(0, min(n, int(v)))
	}
	w, h := float32(net.Width), float32(net.Height)
	for i := range n {
		conf, cls := scores.F32[i], classes.F32[i]
		if !finite(cls) || cls < 0 {
			continue
		}
		thr, ok := p.threshold(int(cls))
		if !ok || !(conf >= thr) {
			continue
		}
		b := boxes.F32[i*4 : i*4+4]
		if !finite(b...) {
			return out, errNonFinite(boxes, i)
		}
		x1, y1 := clip(b[1]*w, 0, w-1), clip(b[0]*h, 0, h-1)
		x2, y2 := clip(b[3]*w, 0, w-1), clip(b[2]*h, 0, h-1)
		if x2 <= x1 || y2 <= y1 {
			continue
		}
		out = append(out, Object{ClassID: int(cls), Confidence: conf, Left: x1, Top: y1, Width: x2 - x1, Height: y2 - y1})
	}
	return out, nil
}

// ParseYoloV5 parses a YOLOv5-style output [N, 5+C]: per anchor cx, cy, w,
// h in network input pixels, an objectness score and C class scores; the
// confidence is objectness times the best class score. Boxes are clipped
// to the network input and those under a pixel wide or high are dropped,
// as DeepStream-Yolo does. Clustering (NMS) is left to the caller.
func ParseYoloV5(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []Object) ([]Object, error) {
	d, err := yoloDims(layers, p)
	if err != nil {
		return out, err
	}
	n, stride := d[0], d[1]
	if stride < 6 {
		return out, fmt.Errorf("parsers: YOLOv5 layer %q %v: want [N, 5+classes]", layers[0].Name, layers[0].Shape)
	}
	data := layers[0].F32
	for i := range n {
		row := data[i*stride : (i+1)*stride]
		best, cls := row[5], 0
		for c, s := range row[6:] {
			if s > best {
				best, cls = s, c+1
			}
		}
		conf := row[4] * best
		thr, ok := p.threshold(cls)
		if !ok || !(conf >= thr) {
			continue
		}
		if !finite(row[:4]...) {
			return out, errNonFinite(layers[0], i)
		}
		out = appendYolo(out, row[0], row[1], row[2], row[3], conf, cls, net)
	}
	return out, nil
}

// ParseYoloV8 parses a YOLOv8-style output [4+C, N] (anchors along the
// last axis): cx, cy, w, h in network input pixels, then C class scores,
// the best of which is the confidence. Boxes are treated as in ParseYoloV5.
func ParseYoloV8(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []Object) ([]Object, error) {
	d, err := yoloDims(layers, p)
	if err != nil {
		return out, err
	}
	rows, n := d[0], d[1]
	if rows < 5 {
		return out, fmt.Errorf("parsers: YOLOv8 layer %q %v: want [4+classes, N]", layers[0].Name, layers[0].Shape)
	}
	data := layers[0].F32
	// Walk anchors in blocks so that each class row is read sequentially.
	const block = 64
	var best [block]float32
	var cls [block]int
	for start := 0; start < n; start += block {
		m := min(block, n-start)
		copy(best[:m], data[4*n+start:4*n+start+m])
		clear(cls[:m])
		for c := 1; c < rows-4; c++ {
			row := data[(4+c)*n+start : (4+c)*n+start+m]
			for j, s := range row {
				if s > best[j] {
					best[j], cls[j] = s, c
				}
			}
		}
		for j := range m {
			thr, ok := p.threshold(cls[j])
			if !ok || !(best[j] >= thr) {
				continue
			}
			i := start + j
			cx, cy, w, h := data[i], data[n+i], data[2*n+i], data[3*n+i]
			if !finite(cx, cy, w, h) {
				return out, errNonFinite(layers[0], i)
			}
			out = appendYolo(out, cx, cy, w, h, best[j], cls[j], net)
		}
	}
	return out, nil
}

// ParseYolo is NvDsInferParseYolo: it reads DeepStream-Yolo's exported
// layout [N, 6] (x1, y1, x2, y2 in network input pixels, score, class),
// a YOLOv5 layout [N, 5+C] (see ParseYoloV5) when the second dimension is
// 5+num-detected-classes but not 6, or a YOLOv8 layout [4+C, N] when the
// first is 4+num-detected-classes. A single-class raw YOLOv5 output is
// [N, 6] too: parse it with ParseYoloV5 (NvDsInferParseYoloV5).
func ParseYolo(layers []*tensor.Tensor, net meta.NetworkInfo, p *DetectionParams, out []Object) ([]Object, error) {
	d, err := yoloDims(layers, p)
	if err != nil {
		return out, err
	}
	switch {
	case d[1] == 6:
		return parseYoloCorners(layers[0], d[0], net, p, out)
	case d[1] == 5+p.NumClasses:
		return ParseYoloV5(layers, net, p, out)
	case d[0] == 4+p.NumClasses:
		return ParseYoloV8(layers, net, p, out)
	}
	return out, fmt.Errorf("parsers: YOLO layer %q %v: want [N, 6], [N, 5+%d] or [4+%d, N]", layers[0].Name, layers[0].Shape, p.NumClasses, p.NumClasses)
}

// parseYoloCorners reads DeepStream-Yolo's [N, 6] rows: x1, y1, x2, y2,
// score, class.
func parseYoloCorners(t *tensor.Tensor, n int, net meta.NetworkInfo, p *DetectionParams, out []Object) ([]Object, error) {
	for i := range n {
		r := t.F32[i*6 : i*6+6]
		if !finite(r[5]) || r[5] < 0 {
			continue
		}
		cls := int(r[5])
		thr, ok := p.threshold(cls)
		if !ok || !(r[4] >= thr) {
			continue
		}
		if !finite(r[:4]...) {
			return out, errNonFinite(t, i)
		}
		out = appendYoloCorners(out, r[0], r[1], r[2], r[3], r[4], cls, net)
	}
	return out, nil
}

// appendYolo converts a centre-size box to a clipped corner box, dropping
// boxes under a pixel.
func appendYolo(out []Object, cx, cy, w, h, conf float32, cls int, net meta.NetworkInfo) []Object {
	return appendYoloCorners(out, cx-w/2, cy-h/2, cx+w/2, cy+h/2, conf, cls, net)
}

// appendYoloCorners clips a corner box to the network input as
// DeepStream-Yolo does, dropping boxes under a pixel.
func appendYoloCorners(out []Object, x1, y1, x2, y2, conf float32, cls int, net meta.NetworkInfo) []Object {
	nw, nh := float32(net.Width), float32(net.Height)
	x1, y1 = clip(x1, 0, nw), clip(y1, 0, nh)
	x2, y2 = clip(x2, 0, nw), clip(y2, 0, nh)
	bw, bh := clip(x2-x1, 0, nw), clip(y2-y1, 0, nh)
	if bw < 1 || bh < 1 {
		return out
	}
	return append(out, Object{ClassID: cls, Confidence: conf, Left: x1, Top: y1, Width: bw, Height: bh})
}

// clipDetectNet clips a coordinate as DeepStream's DetectNet parser does:
// at or beyond size it becomes size-1, below 0 it becomes 0.
func clipDetectNet(x float32, size int) float32 {
	if x >= float32(size) {
		x = float32(size - 1)
	}
	return max(x, 0)
}

// yoloDims checks the detection parameters and returns the dimensions of
// a YOLO model's one output layer, which must be 2-D.
func yoloDims(layers []*tensor.Tensor, p *DetectionParams) ([]int, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if len(layers) < 1 {
		return nil, fmt.Errorf("parsers: YOLO needs one output layer, got none")
	}
	return dims(layers[0], 2)
}
