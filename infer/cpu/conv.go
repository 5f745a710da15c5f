package cpu

import (
	"fmt"

	"github.com/dsgo/dsgo/infer/tensor"
)

// ConvParams are a 2-D convolution's attributes, as ONNX's Conv has them.
// Zero strides, dilations and group mean 1.
type ConvParams struct {
	Group     int
	Strides   [2]int // along H, W
	Dilations [2]int // along H, W
	Pads      [4]int // H begin, W begin, H end, W end (ONNX order)
	Act       Activation
}

func (p ConvParams) norm() ConvParams {
	if p.Group == 0 {
		p.Group = 1
	}
	for i := range 2 {
		if p.Strides[i] == 0 {
			p.Strides[i] = 1
		}
		if p.Dilations[i] == 0 {
			p.Dilations[i] = 1
		}
	}
	return p
}

// convGeom is a convolution's resolved geometry.
type convGeom struct {
	n, c, h, w     int // input
	m, kh, kw      int // weight: M x C/group x kh x kw
	oh, ow         int
	group, cg, mg  int
	sh, sw, dh, dw int
	pt, pl         int
}

func convGeometry(x, w tensor.Shape, p ConvParams) (convGeom, error) {
	p = p.norm()
	var g convGeom
	if len(x) != 4 || len(w) != 4 {
		return g, fmt.Errorf("cpu: conv: input %v and weight %v must be 4-D", x, w)
	}
	g = convGeom{n: x[0], c: x[1], h: x[2], w: x[3], m: w[0], kh: w[2], kw: w[3],
		group: p.Group, sh: p.Strides[0], sw: p.Strides[1], dh: p.Dilations[0], dw: p.Dilations[1],
		pt: p.Pads[0], pl: p.Pads[1]}
	if g.group < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 {
		return g, fmt.Errorf("cpu: conv: group %d, strides %v, dilations %v must be positive", p.Group, p.Strides, p.Dilations)
	}
	for _, v := range p.Pads {
		if v < 0 {
			return g, fmt.Errorf("cpu: conv: negative pads %v", p.Pads)
		}
	}
	if g.c%g.group != 0 || g.m%g.group != 0 || w[1]*g.group != g.c {
		return g, fmt.Errorf("cpu: conv: input %v, weight %v and group %d do not agree", x, w, g.group)
	}
	g.cg, g.mg = g.c/g.group, g.m/g.group
	g.oh = (g.h+p.Pads[0]+p.Pads[2]-g.dh*(g.kh-1)-1)/g.sh + 1
	g.ow = (g.w+p.Pads[1]+p.Pads[3]-g.dw*(g.kw-1)-1)/g.sw + 1
	if g.kh < 1 || g.kw < 1 || g.oh < 1 || g.ow < 1 {
		return g, fmt.Errorf("cpu: conv: kernel %dx%d does not fit input %v with pads %v", g.kh, g.kw, x, p.Pads)
	}
	if err := p.Act.validate(); err != nil {
		return g, err
	}
	return g, nil
}

func (g convGeom) depthwise() bool { return g.cg == 1 && g.mg == 1 }

func (g convGeom) pointwise() bool {
	return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w
}

// ConvOutputShape returns the shape Conv2D writes for input x and weight w.
func ConvOutputShape(x, w tensor.Shape, p ConvParams) (tensor.Shape, error) {
	g, err := convGeometry(x, w, p)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{g.n, g.m, g.oh, g.ow}, nil
}

// ConvWorkspace returns the scratch length (in float32s) that Conv2D's
// pure-Go GEMM path needs: the im2col matrix of one group of one image, or
// 0 for the 1x1 and depthwise paths. Runner.ConvScratch says what a given
// Runner needs (often nothing).
func ConvWorkspace(x, w tensor.Shape, p ConvParams) (int, error) {
	g, err := convGeometry(x, w, p)
	if err != nil {
		return 0, err
	}
	if g.depthwise() || g.pointwise() {
		return 0, nil
	}
	return g.cg * g.kh * g.kw * g.oh * g.ow, nil
}

// ConvScratch returns the scratch elements Conv2D needs on this Runner:
// none for the direct kernel and for OpenBLAS, which use the Runner's own
// per-worker buffers, and ConvWorkspace for the pure-Go GEMM's
// whole-image im2col.
func (r *Runner) ConvScratch(x, w tensor.Shape, p ConvParams) (int, error) {
	n, err := ConvWorkspace(x, w, p)
	if err != nil {
		return 0, err
	}
	if g, _ := convGeometry(x, w, p); r.blas || directFits(g) {
		n = 0
	}
	return n, nil
}

// Conv2D computes dst = act(conv(x, w) + bias + residual) on NCHW data.
// bias (length M) and residual (dst's shape) may be nil. scratch must hold
// ConvScratch elements. Depthwise convolutions are a direct loop; the
// others run on the direct AVX2 kernel (convdirect.go) where the CPU has
// one, packing w into the Runner's buffer on each call (Programs pack it
// once at compile time), else on im2col tiles and OpenBLAS, else im2col
// and the pure-Go GEMM.
func (r *Runner) Conv2D(dst, x, w, bias, residual *tensor.Tensor, p ConvParams, scratch []float32) error {
	g, err := convGeometry(x.Shape, w.Shape, p)
	if err != nil {
		return err
	}
	out := tensor.Shape{g.n, g.m, g.oh, g.ow}
	if err := checkF32("conv: output", dst, out); err != nil {
		return err
	}
	if err := checkF32("conv: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("conv: weight", w, w.Shape); err != nil {
		return err
	}
	var b, res []float32
	if bias != nil {
		if err := checkF32("conv: bias", bias, tensor.Shape{g.m}); err != nil {
			return err
		}
		b = bias.F32
	}
	if residual != nil {
		if err := checkF32("conv: residual", residual, out); err != nil {
			return err
		}
		res = residual.F32
	}
	act := p.Act
	if g.depthwise() {
		r.depthwise(dst.F32, x.F32, w.F32, b, res, g, act)
		return nil
	}
	if directFits(g) {
		d := &r.conv.plan
		d.plan(g, w.F32, b, act, r.workers)
		r.convDirect(d, dst.F32, x.F32, res, nil)
		return nil
	}
	if need, _ := r.ConvScratch(x.Shape, w.Shape, p); len(scratch) < need {
		return fmt.Errorf("cpu: conv: scratch has %d elements, needs %d", len(scratch), need)
	}
	if r.blas {
		r.convTiled(dst.F32, x.F32, w.F32, b, res, g, act)
		return nil
	}
	r.convGEMM(dst.F32, x.F32, w.F32, g, scratch)
	ohw := g.oh * g.ow
	for i := 0; i < g.n*g.m; i++ {
		var bv float32
		if b != nil {
			bv = b[i%g.m]
		}
		var rp []float32
		if res != nil {
			rp = res[i*ohw : (i+1)*ohw]
		}
		epilogue(dst.F32[i*ohw:(i+1)*ohw], bv, rp, act)
	}
	return nil
}

// convGEMM computes the raw convolution as one GEMM per image and group.
func (r *Runner) convGEMM(y, x, w []float32, g convGeom, col []float32) {
	ohw, hw := g.oh*g.ow, g.h*g.w
	k := g.cg * g.kh * g.kw
	for n := 0; n < g.n; n++ {
		for gi := 0; gi < g.group; gi++ {
			xg := x[(n*g.c+gi*g.cg)*hw : (n*g.c+(gi+1)*g.cg)*hw]
			yg := y[(n*g.m+gi*g.mg)*ohw : (n*g.m+(gi+1)*g.mg)*ohw]
			wg := w[gi*g.mg*k : (gi+1)*g.mg*k]
			b := xg
			if !g.pointwise() {
				im2col(col[:k*ohw], xg, g)
				b = col
			}
			r.sgemm(false, false, g.mg, ohw, k, 1, wg, k, b, ohw, 0, yg, ohw)
		}
	}
}

// im2col lays out the receptive fields of one group of one image as a
// (cg*kh*kw) x (oh*ow) matrix.
func im2col(col, x []float32, g convGeom) { im2colRange(col, x, g, 0, g.oh*g.ow) }

// validRange returns the output positions [lo, hi) along one axis whose
// input index o*stride+off falls inside [0, size).
func validRange(outSize, size, stride, off int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if size-off <= 0 {
		return 0, 0
	}
	hi = min(outSize, (size-off-1)/stride+1)
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

// checkF32 checks that t is a float32 tensor of the given shape whose data
// is all there.
func checkF32(what string, t *tensor.Tensor, shape tensor.Shape) error {
	if t == nil {
		return fmt.Errorf("cpu: %s: missing tensor", what)
	}
	if t.DType != tensor.Float32 {
		return fmt.Errorf("cpu: %s: dtype %v, want float32", what, t.DType)
	}
	if !t.Shape.Equal(shape) {
		// The copy keeps shape (often built on the caller's stack) from
		// escaping, so the success path allocates nothing.
		return fmt.Errorf("cpu: %s: shape %v, want %v", what, t.Shape, append(tensor.Shape(nil), shape...))
	}
	if n := shape.NumElements(); n < 0 || len(t.F32) < n {
		return fmt.Errorf("cpu: %s: shape %v but %d elements", what, t.Shape, len(t.F32))
	}
	return nil
}
