package cpu

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/cpu/internal/vecmath"
	"github.com/dsgo/dsgo/infer/tensor"
)

// ResizeMode is ONNX Resize's interpolation mode.
type ResizeMode int

// Interpolation modes.
const (
	ResizeNearest ResizeMode = iota
	ResizeLinear             // bilinear on H and W
)

// CoordMode is ONNX Resize's coordinate_transformation_mode.
type CoordMode int

// Coordinate transformation modes.
const (
	CoordHalfPixel        CoordMode = iota // (x+0.5)/scale-0.5
	CoordAsymmetric                        // x/scale
	CoordAlignCorners                      // x*(in-1)/(out-1)
	CoordPytorchHalfPixel                  // half_pixel, 0 when out is 1
)

// NearestMode is ONNX Resize's nearest_mode.
type NearestMode int

// Rounding of nearest-neighbour source coordinates.
const (
	NearestRoundPreferFloor NearestMode = iota
	NearestRoundPreferCeil
	NearestFloor
	NearestCeil
)

// ResizeParams are a 4-D NCHW Resize's attributes. ScaleH and ScaleW are
// the scales input gave, used in the coordinate transform as ONNX does;
// 0 means the output size was given, so the scale is out/in.
type ResizeParams struct {
	Mode           ResizeMode
	Coord          CoordMode
	Nearest        NearestMode
	ScaleH, ScaleW float32
}

// Resize resamples the H and W dimensions of NCHW x into dst, whose shape
// gives the output size (N and C must match). It runs on the calling
// goroutine; Runner.Resize is the parallel form.
func Resize(dst, x *tensor.Tensor, p ResizeParams) error {
	var t resizeTask
	if err := t.init(dst, x, p); err != nil {
		return err
	}
	t.run(0, 0, t.planes)
	return nil
}

// Resize is the package's Resize on the Runner's workers, one plane per
// work item. Its index tables are reused, so it allocates nothing once
// they have grown to the largest output.
func (r *Runner) Resize(dst, x *tensor.Tensor, p ResizeParams) error {
	t := &r.resize
	if err := t.init(dst, x, p); err != nil {
		return err
	}
	r.pool.run(t.planes, 1, t)
	t.dst, t.x = nil, nil
	return nil
}

// resizeTask is one Resize: the geometry and, per output column and row,
// the source index (nearest) or indices and weight (linear).
type resizeTask struct {
	dst, x         *tensor.Tensor
	p              ResizeParams
	h, w, oh, ow   int
	planes         int
	x0, x1, y0, y1 []int
	fx, fy         []float32
	// double: nearest, each input column twice in a row (the 2x
	// upsampling of detector necks), which run copies pairwise; double2:
	// and each input row twice (vecmath.Upsample2, a plane a call).
	double, double2 bool
}

func (t *resizeTask) init(dst, x *tensor.Tensor, p ResizeParams) error {
	if len(x.Shape) != 4 || len(dst.Shape) != 4 || dst.Shape[0] != x.Shape[0] || dst.Shape[1] != x.Shape[1] {
		return fmt.Errorf("cpu: resize: input %v and output %v must be NCHW with equal N and C", x.Shape, dst.Shape)
	}
	if p.Mode < ResizeNearest || p.Mode > ResizeLinear || p.Coord < CoordHalfPixel || p.Coord > CoordPytorchHalfPixel || p.Nearest < NearestRoundPreferFloor || p.Nearest > NearestCeil {
		return fmt.Errorf("cpu: resize: unknown mode %d, coordinate mode %d or nearest mode %d", p.Mode, p.Coord, p.Nearest)
	}
	if err := checkF32("resize: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("resize: output", dst, dst.Shape); err != nil {
		return err
	}
	h, w, oh, ow := x.Shape[2], x.Shape[3], dst.Shape[2], dst.Shape[3]
	t.dst, t.x, t.p, t.h, t.w, t.oh, t.ow = dst, x, p, h, w, oh, ow
	t.planes = x.Shape[0] * x.Shape[1]
	if h == 0 || w == 0 {
		if oh*ow != 0 {
			return fmt.Errorf("cpu: resize: empty input %v", x.Shape)
		}
		t.planes = 0
		return nil
	}
	sh, sw := p.ScaleH, p.ScaleW
	if sh <= 0 {
		sh = float32(oh) / float32(h)
	}
	if sw <= 0 {
		sw = float32(ow) / float32(w)
	}
	t.x0, t.x1, t.fx = axisMap{p: p, in: w, out: ow, scale: sw}.table(t.x0, t.x1, t.fx)
	t.y0, t.y1, t.fy = axisMap{p: p, in: h, out: oh, scale: sh}.table(t.y0, t.y1, t.fy)
	t.double = p.Mode == ResizeNearest && ow == 2*w
	for ox := 0; ox < ow && t.double; ox++ {
		t.double = t.x0[ox] == ox/2
	}
	t.double2 = t.double && oh == 2*h
	for oy := 0; oy < oh && t.double2; oy++ {
		t.double2 = t.y0[oy] == oy/2
	}
	return nil
}

func (t *resizeTask) run(_, lo, hi int) {
	h, w, oh, ow := t.h, t.w, t.oh, t.ow
	for i := lo; i < hi; i++ {
		src, y := t.x.F32[i*h*w:(i+1)*h*w], t.dst.F32[i*oh*ow:(i+1)*oh*ow]
		if t.double2 && vecmath.Upsample2(y, src, h, w) {
			continue
		}
		for oy := 0; oy < oh; oy++ {
			row := y[oy*ow : (oy+1)*ow]
			if t.p.Mode == ResizeNearest {
				if oy > 0 && t.y0[oy] == t.y0[oy-1] {
					copy(row, y[(oy-1)*ow:oy*ow])
					continue
				}
				sr := src[t.y0[oy]*w : (t.y0[oy]+1)*w]
				if t.double {
					for sx := vecmath.Double2(row, sr); sx < len(sr); sx++ {
						pair := row[2*sx : 2*sx+2 : 2*sx+2]
						pair[0], pair[1] = sr[sx], sr[sx]
					}
					continue
				}
				for ox, sx := range t.x0[:ow] {
					row[ox] = sr[sx]
				}
				continue
			}
			fy := t.fy[oy]
			r0, r1 := src[t.y0[oy]*w:(t.y0[oy]+1)*w], src[t.y1[oy]*w:(t.y1[oy]+1)*w]
			for ox := range row {
				x0, x1, fx := t.x0[ox], t.x1[ox], t.fx[ox]
				top := r0[x0] + (r0[x1]-r0[x0])*fx
				bot := r1[x0] + (r1[x1]-r1[x0])*fx
				row[ox] = top + (bot-top)*fy
			}
		}
	}
}

// table fills, for every output coordinate, the source index (nearest) or
// the two source indices and the weight of the second (linear), reusing
// the given slices.
func (a axisMap) table(i0, i1 []int, f []float32) ([]int, []int, []float32) {
	i0, i1, f = resizeInts(i0, a.out), resizeInts(i1, a.out), resizeFloats(f, a.out)
	for o := range a.out {
		if a.p.Mode == ResizeNearest {
			i0[o] = a.nearest(o)
			continue
		}
		i0[o], i1[o], f[o] = a.linear(o)
	}
	return i0, i1, f
}

func resizeInts(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

func resizeFloats(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// axisMap maps output coordinates along one axis to input coordinates.
type axisMap struct {
	p       ResizeParams
	in, out int
	scale   float32
}

func (a axisMap) source(o int) float32 {
	x := float32(o)
	switch a.p.Coord {
	case CoordAsymmetric:
		return x / a.scale
	case CoordAlignCorners:
		if a.out == 1 {
			return 0
		}
		return x * float32(a.in-1) / float32(a.out-1)
	case CoordPytorchHalfPixel:
		if a.out == 1 {
			return 0
		}
	}
	return (x+0.5)/a.scale - 0.5
}

func (a axisMap) nearest(o int) int {
	x := a.source(o)
	var i float64
	switch a.p.Nearest {
	case NearestFloor:
		i = math.Floor(float64(x))
	case NearestCeil:
		i = math.Ceil(float64(x))
	case NearestRoundPreferCeil:
		i = math.Floor(float64(x) + 0.5)
	default:
		i = math.Ceil(float64(x) - 0.5)
	}
	return min(max(int(i), 0), a.in-1)
}

func (a axisMap) linear(o int) (i0, i1 int, frac float32) {
	x := min(max(a.source(o), 0), float32(a.in-1))
	i0 = int(x)
	i1 = min(i0+1, a.in-1)
	return i0, i1, x - float32(i0)
}
