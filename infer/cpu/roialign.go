package cpu

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/tensor"
)

// RoiAlignParams are ONNX RoiAlign's attributes (mode avg).
type RoiAlignParams struct {
	OutputHeight, OutputWidth int
	SamplingRatio             int     // samples per bin side; 0 adapts to the roi
	SpatialScale              float32 // roi coordinates to input pixels
	HalfPixel                 bool    // coordinate_transformation_mode half_pixel, else output_half_pixel
}

// RoiAlign computes ONNX RoiAlign (avg mode) on NCHW x with rois [R, 4] as
// (x1, y1, x2, y2) and batchIndices (int64 or int32, R) into dst
// [R, C, OutputHeight, OutputWidth], following onnxruntime's sampling.
func RoiAlign(dst, x, rois, batchIndices *tensor.Tensor, p RoiAlignParams) error {
	if len(x.Shape) != 4 || len(rois.Shape) != 2 || rois.Shape[1] != 4 {
		return fmt.Errorf("cpu: roialign: input %v and rois %v must be NCHW and [R,4]", x.Shape, rois.Shape)
	}
	if p.OutputHeight < 1 || p.OutputWidth < 1 || p.SamplingRatio < 0 {
		return fmt.Errorf("cpu: roialign: output %dx%d, sampling ratio %d", p.OutputHeight, p.OutputWidth, p.SamplingRatio)
	}
	nr := rois.Shape[0]
	if err := checkIndices("roialign", batchIndices); err != nil {
		return err
	}
	if batchIndices.Len() != nr {
		return fmt.Errorf("cpu: roialign: %d batch indices for %d rois", batchIndices.Len(), nr)
	}
	if err := checkF32("roialign: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("roialign: rois", rois, rois.Shape); err != nil {
		return err
	}
	c, h, w := x.Shape[1], x.Shape[2], x.Shape[3]
	if err := checkF32("roialign: output", dst, tensor.Shape{nr, c, p.OutputHeight, p.OutputWidth}); err != nil {
		return err
	}
	for r := 0; r < nr; r++ {
		b := indexAt(batchIndices, r)
		if b < 0 || b >= x.Shape[0] {
			return fmt.Errorf("cpu: roialign: roi %d has batch index %d of %d", r, b, x.Shape[0])
		}
		g := roiGeometry(rois.F32[4*r:4*r+4], p)
		for ch := 0; ch < c; ch++ {
			plane := x.F32[(b*c+ch)*h*w : (b*c+ch+1)*h*w]
			out := dst.F32[(r*c+ch)*p.OutputHeight*p.OutputWidth:]
			roiPlane(out, plane, h, w, g, p)
		}
	}
	return nil
}

type roiGeom struct {
	y0, x0, binH, binW float32
	gridH, gridW       int
}

func roiGeometry(roi []float32, p RoiAlignParams) roiGeom {
	off := float32(0)
	if p.HalfPixel {
		off = 0.5
	}
	x0, y0 := roi[0]*p.SpatialScale-off, roi[1]*p.SpatialScale-off
	x1, y1 := roi[2]*p.SpatialScale-off, roi[3]*p.SpatialScale-off
	rw, rh := x1-x0, y1-y0
	if !p.HalfPixel {
		rw, rh = max(rw, 1), max(rh, 1)
	}
	g := roiGeom{y0: y0, x0: x0, binH: rh / float32(p.OutputHeight), binW: rw / float32(p.OutputWidth)}
	g.gridH, g.gridW = p.SamplingRatio, p.SamplingRatio
	if p.SamplingRatio == 0 {
		g.gridH = int(math.Ceil(float64(rh / float32(p.OutputHeight))))
		g.gridW = int(math.Ceil(float64(rw / float32(p.OutputWidth))))
	}
	return g
}

func roiPlane(out, plane []float32, h, w int, g roiGeom, p RoiAlignParams) {
	count := float32(max(g.gridH*g.gridW, 1))
	for ph := 0; ph < p.OutputHeight; ph++ {
		for pw := 0; pw < p.OutputWidth; pw++ {
			var s float32
			for iy := 0; iy < g.gridH; iy++ {
				y := g.y0 + float32(ph)*g.binH + (float32(iy)+0.5)*g.binH/float32(g.gridH)
				for ix := 0; ix < g.gridW; ix++ {
					x := g.x0 + float32(pw)*g.binW + (float32(ix)+0.5)*g.binW/float32(g.gridW)
					s += bilinear(plane, h, w, y, x)
				}
			}
			out[ph*p.OutputWidth+pw] = s / count
		}
	}
}

// bilinear samples a plane as onnxruntime's RoiAlign does: 0 beyond one
// pixel outside, clamped to the edge within it.
func bilinear(plane []float32, h, w int, y, x float32) float32 {
	if y < -1 || y > float32(h) || x < -1 || x > float32(w) {
		return 0
	}
	y, x = max(y, 0), max(x, 0)
	y0, x0 := int(y), int(x)
	y1, x1 := y0+1, x0+1
	if y0 >= h-1 {
		y0, y1, y = h-1, h-1, float32(h-1)
	}
	if x0 >= w-1 {
		x0, x1, x = w-1, w-1, float32(w-1)
	}
	ly, lx := y-float32(y0), x-float32(x0)
	hy, hx := 1-ly, 1-lx
	return hy*hx*plane[y0*w+x0] + hy*lx*plane[y0*w+x1] + ly*hx*plane[y1*w+x0] + ly*lx*plane[y1*w+x1]
}
