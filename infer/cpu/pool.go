package cpu

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/cpu/internal/vecmath"
	"github.com/dsgo/dsgo/infer/tensor"
)

// PoolParams are MaxPool's and AveragePool's attributes, as ONNX has them.
// Zero strides and dilations mean 1.
type PoolParams struct {
	Kernel          [2]int // along H, W
	Strides         [2]int
	Dilations       [2]int // MaxPool only
	Pads            [4]int // H begin, W begin, H end, W end
	CeilMode        bool
	CountIncludePad bool // AveragePool only
}

type poolGeom struct {
	n, c, h, w, oh, ow int
	kh, kw, sh, sw     int
	dh, dw, pt, pl     int
	pb, pr             int
}

func poolOut(in, k, s, d, pb, pe int, ceil bool) int {
	span := in + pb + pe - d*(k-1) - 1
	if span < 0 {
		return 0
	}
	if !ceil {
		return span/s + 1
	}
	out := (span+s-1)/s + 1
	// A window may not start in the end padding (ONNX, PyTorch).
	if (out-1)*s >= in+pb {
		out--
	}
	return out
}

func poolGeometry(x tensor.Shape, p PoolParams) (poolGeom, error) {
	var g poolGeom
	if len(x) != 4 {
		return g, fmt.Errorf("cpu: pool: input %v must be 4-D", x)
	}
	for i := range 2 {
		if p.Strides[i] == 0 {
			p.Strides[i] = 1
		}
		if p.Dilations[i] == 0 {
			p.Dilations[i] = 1
		}
	}
	g = poolGeom{n: x[0], c: x[1], h: x[2], w: x[3], kh: p.Kernel[0], kw: p.Kernel[1],
		sh: p.Strides[0], sw: p.Strides[1], dh: p.Dilations[0], dw: p.Dilations[1],
		pt: p.Pads[0], pl: p.Pads[1], pb: p.Pads[2], pr: p.Pads[3]}
	if g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 {
		return g, fmt.Errorf("cpu: pool: kernel %v, strides %v, dilations %v must be positive", p.Kernel, p.Strides, p.Dilations)
	}
	for i, v := range p.Pads {
		if v < 0 || v >= p.Kernel[i%2] {
			return g, fmt.Errorf("cpu: pool: pads %v must be in [0, kernel)", p.Pads)
		}
	}
	g.oh = poolOut(g.h, g.kh, g.sh, g.dh, g.pt, g.pb, p.CeilMode)
	g.ow = poolOut(g.w, g.kw, g.sw, g.dw, g.pl, g.pr, p.CeilMode)
	if g.oh < 1 || g.ow < 1 {
		return g, fmt.Errorf("cpu: pool: kernel %v does not fit input %v", p.Kernel, x)
	}
	return g, nil
}

// PoolOutputShape returns the shape MaxPool and AveragePool write.
func PoolOutputShape(x tensor.Shape, p PoolParams) (tensor.Shape, error) {
	g, err := poolGeometry(x, p)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{g.n, g.c, g.oh, g.ow}, nil
}

// poolTask pools one (image, channel) plane per item.
type poolTask struct {
	y, x       []float32
	g          poolGeom
	max        bool
	includePad bool
	rows       [][]float32 // per-worker scratch of 2 input rows, kept across calls (maxByRows, avgByRows)
}

// MaxPool computes ONNX MaxPool on NCHW data.
func (r *Runner) MaxPool(dst, x *tensor.Tensor, p PoolParams) error {
	return r.pool2d(dst, x, p, true)
}

// AveragePool computes ONNX AveragePool on NCHW data.
func (r *Runner) AveragePool(dst, x *tensor.Tensor, p PoolParams) error {
	return r.pool2d(dst, x, p, false)
}

func (r *Runner) pool2d(dst, x *tensor.Tensor, p PoolParams, isMax bool) error {
	g, err := poolGeometry(x.Shape, p)
	if err != nil {
		return err
	}
	if err := checkF32("pool: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("pool: output", dst, tensor.Shape{g.n, g.c, g.oh, g.ow}); err != nil {
		return err
	}
	t := &r.pl
	rows := t.rows
	if g.byRows() {
		if len(rows) != r.workers {
			rows = make([][]float32, r.workers)
		}
		for i := range rows {
			if len(rows[i]) < 2*g.w {
				rows[i] = make([]float32, 2*g.w)
			}
		}
	}
	*t = poolTask{y: dst.F32, x: x.F32, g: g, max: isMax, includePad: p.CountIncludePad, rows: rows}
	r.pool.run(g.n*g.c, 1, t)
	*t = poolTask{rows: rows}
	return nil
}

// tiles2 reports whether 2x2 windows at stride 2 cover each plane
// exactly (no padding, even rows and columns).
func (g *poolGeom) tiles2() bool {
	return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1 && g.pt == 0 && g.pl == 0 &&
		g.h == 2*g.oh && g.w == 2*g.ow
}

// byRows reports whether pooling takes the vectorised paths of maxByRows
// and avgByRows: undilated windows at column stride 1 or 2.
func (g *poolGeom) byRows() bool {
	return g.dh == 1 && g.dw == 1 && (g.sw == 1 || g.sw == 2)
}

// maxByRows max-pools one plane a row of output at a time: the window's
// input rows are maxed into one row, then that row's kw shifted copies
// give every stride-1 window's max, from which the output takes every
// column (stride 1) or every other one (stride 2, vecmath.Gather2).
// Outputs whose window crosses the left or right border are done one at
// a time. Max is exact, so the results equal maxWindow's bit for bit
// (NaN in gives NaN out; which NaN may differ when a window holds
// several).
func (t *poolTask) maxByRows(scratch, x, y []float32) {
	g := t.g
	col, win := scratch[:g.w], scratch[g.w:2*g.w]
	nwin, jlo, jhi := g.inside()
	// 2x2 windows at stride 2 inside the input take one vector pass per
	// output row (vecmath.MaxPool2), the same maxes in the same order.
	pool2 := g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.pt == 0 && g.pl == 0
	for oh := range g.oh {
		out := y[oh*g.ow : (oh+1)*g.ow]
		h0 := oh*g.sh - g.pt
		hs, he := max(h0, 0), min(h0+g.kh, g.h)
		if pool2 && he-hs == 2 {
			maxPool2Row(out, x[hs*g.w:(hs+1)*g.w], x[(hs+1)*g.w:(hs+2)*g.w], jhi)
			continue
		}
		v := x[hs*g.w : (hs+1)*g.w]
		if he-hs > 1 {
			max2(col, v, x[(hs+1)*g.w:])
			for ih := hs + 2; ih < he; ih++ {
				max2(col, col, x[ih*g.w:])
			}
			v = col
		}
		for j := 0; j < jlo; j++ {
			out[j] = spanMax(v, j*g.sw-g.pl, g.kw)
		}
		for j := jhi; j < g.ow; j++ {
			out[j] = spanMax(v, j*g.sw-g.pl, g.kw)
		}
		if jlo == jhi {
			continue
		}
		w := v[:nwin]
		if g.kw > 1 {
			w = win[:nwin]
			max2(w, v, v[1:])
			for k := 2; k < g.kw; k++ {
				max2(w, w, v[k:])
			}
		}
		s0 := jlo*g.sw - g.pl
		if g.sw == 1 {
			copy(out[jlo:jhi], w[s0:])
			continue
		}
		done := vecmath.Gather2(out[jlo:jhi], w[s0:])
		for j := jlo + done; j < jhi; j++ {
			out[j] = w[2*j-g.pl]
		}
	}
}

// maxPool2Row computes an output row of a 2x2 stride-2 max pool from its
// input rows r0 and r1; outputs from jhi on overhang the row's end (ceil
// mode) and take what of their window lies inside.
func maxPool2Row(out, r0, r1 []float32, jhi int) {
	j := vecmath.MaxPool2(out[:jhi], r0, r1)
	for ; j < jhi; j++ {
		out[j] = max(max(r0[2*j], r1[2*j]), max(r0[2*j+1], r1[2*j+1]))
	}
	for ; j < len(out); j++ {
		m := float32(math.Inf(-1))
		for k := 2 * j; k < min(2*j+2, len(r0)); k++ {
			m = max(m, max(r0[k], r1[k]))
		}
		out[j] = m
	}
}

// inside returns how many stride-1 windows lie inside an input row and
// the outputs [jlo, jhi) whose window is one of them.
func (g *poolGeom) inside() (nwin, jlo, jhi int) {
	nwin = g.w - g.kw + 1
	jlo = min((g.pl+g.sw-1)/g.sw, g.ow)
	jhi = jlo
	if nwin > 0 {
		jhi = max(min(g.ow, (nwin-1+g.pl)/g.sw+1), jlo)
	}
	return nwin, jlo, jhi
}

// avgByRows average-pools one plane as maxByRows max-pools it, with
// vecmath.AddTo for the sums (so they add up in another order than
// avgWindow's, within float32 rounding); outputs whose window crosses the
// left or right border go through avgWindow.
func (t *poolTask) avgByRows(scratch, x, y []float32) {
	g := t.g
	col, win := scratch[:g.w], scratch[g.w:2*g.w]
	nwin, jlo, jhi := g.inside()
	for oh := range g.oh {
		out := y[oh*g.ow : (oh+1)*g.ow]
		h0 := oh*g.sh - g.pt
		for j := 0; j < jlo; j++ {
			out[j] = t.avgWindow(x, h0, j*g.sw-g.pl)
		}
		for j := jhi; j < g.ow; j++ {
			out[j] = t.avgWindow(x, h0, j*g.sw-g.pl)
		}
		if jlo == jhi {
			continue
		}
		hs, he := max(h0, 0), min(h0+g.kh, g.h)
		n := (he - hs) * g.kw
		if t.includePad {
			n = (min(h0+g.kh, g.h+g.pb) - h0) * g.kw
		}
		v := x[hs*g.w : (hs+1)*g.w]
		if he-hs > 1 {
			copy(col, v)
			for ih := hs + 1; ih < he; ih++ {
				addTo(col, x[ih*g.w:])
			}
			v = col
		}
		w := win[:nwin]
		copy(w, v)
		for k := 1; k < g.kw; k++ {
			addTo(w, v[k:])
		}
		s0 := jlo*g.sw - g.pl
		o := out[jlo:jhi]
		if g.sw == 1 {
			copy(o, w[s0:])
		} else {
			done := vecmath.Gather2(o, w[s0:])
			for j := done; j < len(o); j++ {
				o[j] = w[s0+2*j]
			}
		}
		for j := range o {
			o[j] /= float32(n)
		}
	}
}

// addTo adds x to y element by element; x is at least as long as y.
func addTo(y, x []float32) {
	x = x[:len(y)]
	for i := vecmath.AddTo(y, x); i < len(y); i++ {
		y[i] += x[i]
	}
}

// max2 sets d[i] = max(a[i], b[i]); a and b are at least as long as d.
func max2(d, a, b []float32) {
	a, b = a[:len(d)], b[:len(d)]
	for i := vecmath.Max2(d, a, b); i < len(d); i++ {
		d[i] = max(a[i], b[i])
	}
}

// spanMax is the max of row[s:s+k] clipped to the row.
func spanMax(row []float32, s, k int) float32 {
	m := float32(math.Inf(-1))
	for _, v := range row[max(s, 0):min(s+k, len(row))] {
		m = max(m, v)
	}
	return m
}

func (t *poolTask) run(worker, lo, hi int) {
	g := t.g
	// Planes that 2x2 windows at stride 2 tile exactly, with rows that
	// end in whole blocks of 4 outputs: the items' planes are one tall
	// plane, one vector call for all of them (the classifier's 24x24
	// planes at 8 images: 73 -> 26 us with a call a plane, and on the GPU
	// machine's Xeon, paired against a call a plane, the classifier 1-2%
	// faster). Where the call declines the range it declines every plane
	// of it: maxByRows does not try again.
	if t.max && g.tiles2() && vecmath.MaxPool2Rows(t.y[lo*g.oh*g.ow:hi*g.oh*g.ow], t.x[lo*g.h*g.w:hi*g.h*g.w], g.w) {
		return
	}
	for i := lo; i < hi; i++ {
		x := t.x[i*g.h*g.w : (i+1)*g.h*g.w]
		y := t.y[i*g.oh*g.ow : (i+1)*g.oh*g.ow]
		if g.byRows() {
			if t.max {
				t.maxByRows(t.rows[worker], x, y)
			} else {
				t.avgByRows(t.rows[worker], x, y)
			}
			continue
		}
		for oh := 0; oh < g.oh; oh++ {
			h0 := oh*g.sh - g.pt
			for ow := 0; ow < g.ow; ow++ {
				w0 := ow*g.sw - g.pl
				if t.max {
					y[oh*g.ow+ow] = t.maxWindow(x, h0, w0)
				} else {
					y[oh*g.ow+ow] = t.avgWindow(x, h0, w0)
				}
			}
		}
	}
}

func (t *poolTask) maxWindow(x []float32, h0, w0 int) float32 {
	g := t.g
	m := float32(math.Inf(-1))
	for kh := 0; kh < g.kh; kh++ {
		ih := h0 + kh*g.dh
		if ih < 0 || ih >= g.h {
			continue
		}
		row := x[ih*g.w : (ih+1)*g.w]
		for kw := 0; kw < g.kw; kw++ {
			if iw := w0 + kw*g.dw; iw >= 0 && iw < g.w {
				m = max(m, row[iw])
			}
		}
	}
	return m
}

// avgWindow averages a window; with count_include_pad the divisor counts
// the padding but not what lies past it (the ceil-mode overhang), as
// onnxruntime does.
func (t *poolTask) avgWindow(x []float32, h0, w0 int) float32 {
	g := t.g
	h1, w1 := min(h0+g.kh, g.h+g.pb), min(w0+g.kw, g.w+g.pr)
	padded := (h1 - h0) * (w1 - w0)
	hs, ws, he, we := max(h0, 0), max(w0, 0), min(h1, g.h), min(w1, g.w)
	var s float32
	for ih := hs; ih < he; ih++ {
		for _, v := range x[ih*g.w+ws : ih*g.w+we] {
			s += v
		}
	}
	n := (he - hs) * (we - ws)
	if t.includePad {
		n = padded
	}
	if n <= 0 {
		return 0
	}
	return s / float32(n)
}

// GlobalAveragePool averages each (image, channel) plane of an N x C x ...
// input into dst of shape N x C x 1 x 1 (or N x C followed by ones).
func GlobalAveragePool(dst, x *tensor.Tensor) error {
	if len(x.Shape) < 3 {
		return fmt.Errorf("cpu: global average pool: input %v needs spatial dimensions", x.Shape)
	}
	out := make(tensor.Shape, 0, 8)
	out = append(out, x.Shape[0], x.Shape[1])
	for range x.Shape[2:] {
		out = append(out, 1)
	}
	if err := checkF32("global average pool: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("global average pool: output", dst, out); err != nil {
		return err
	}
	planes := x.Shape[0] * x.Shape[1]
	if planes == 0 {
		return nil
	}
	size := x.Len() / planes
	for i := range planes {
		dst.F32[i] = sum(x.F32[i*size:(i+1)*size]) / float32(size)
	}
	return nil
}

// sum adds up x in 8 interleaved partial sums: one running sum waits on
// each add's latency (the classifier's 8x64 planes of 36 floats: 12-16
// -> 7-10 us; onnxruntime's take 6).
func sum(x []float32) float32 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	n := len(x) &^ 7
	for i := 0; i < n; i += 8 {
		q := x[i : i+8 : i+8]
		s0 += q[0]
		s1 += q[1]
		s2 += q[2]
		s3 += q[3]
		s4 += q[4]
		s5 += q[5]
		s6 += q[6]
		s7 += q[7]
	}
	for _, v := range x[n:] {
		s0 += v
	}
	return ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7))
}
