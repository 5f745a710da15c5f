package cpu

import "github.com/dsgo/dsgo/infer/cpu/internal/vecmath"

// Dilated 3x3 convolutions (dilation d, padding d, stride 1: the context
// layers of detectors and segmenters) run on the Winograd path. Output
// pixel (y, x) reads only input pixels (y+k*d, x+l*d): the d*d phase
// images, pixels (a+d*i, b+d*j) of phase (a, b), are convolved
// independently with the same 3x3 filter, undilated, padding 1. They are
// laid into one mosaic, in rows of images (mosaicLayout picks how many
// per row), with one zero row or column between neighbours (the padding
// both of them read), and the mosaic is convolved as one image:
// Winograd's chunks then stay full where single phase images of a few
// tiles each would leave most of the micro-kernel's vectors empty. The
// separators' outputs are computed and dropped; the row-band kernel,
// which these layers ran on before, reached 53-70 GFLOP/s where
// Winograd's products run at about 100. Mosaics of under 70% of the
// Winograd tiles the output needs (dilation 8 on 23x40: 240 of 384)
// stay on the row bands.

// dilPlan is the mosaic layout of a dilated directConv.
type dilPlan struct {
	d      int         // the dilation
	hs, ws int         // a phase image's rows and columns
	cols   int         // phase images per row of the mosaic
	inner  *directConv // the Winograd plan of the mosaic, no activation
	// Input row y's pixel x sits in a mosaic plane at row[y] +
	// col[y%d*w+x]: the copies do no division and no per-phase loop.
	row, col []int
}

// dilFits reports whether g is a dilated convolution the mosaic runs:
// 3x3, equal dilation d > 1 with padding d on every side (the output the
// input's size), stride 1, one group, and a mosaic Winograd takes.
func dilFits(g convGeom) bool {
	d := g.dh
	return g.kh == 3 && g.kw == 3 && d > 1 && g.dw == d && g.sh == 1 && g.sw == 1 && g.group == 1 &&
		g.pt == d && g.pl == d && g.oh == g.h && g.ow == g.w && winoFits(mosaicGeom(g)) &&
		10*winoTiles(g) >= 7*winoTiles(mosaicGeom(g))
}

// winoTiles is how many Winograd tiles cover g's output.
func winoTiles(g convGeom) int { return (g.oh + 1) / 2 * ((g.ow + 1) / 2) }

// mosaicLayout returns the phase images' rows and columns of g and the
// columns of phase images per mosaic row: of the arrangements of the d*d
// images (a divisor of d*d per row), the one with the fewest Winograd
// tiles (on the sample detector's 23x40 layers, dilation 2: 252 tiles in
// one row of 4 images against 273 as 2x2, dilation 4: 264 in a row of 16
// against 308 as 4x4, where 240 cover the output itself).
func mosaicLayout(g convGeom) (hs, ws, cols int) {
	d := g.dh
	hs, ws = (g.h+d-1)/d, (g.w+d-1)/d
	best := 0
	for c := 1; c <= d*d; c++ {
		if d*d%c != 0 {
			continue
		}
		hm, wm := d*d/c*(hs+1)-1, c*(ws+1)-1
		if tiles := winoTiles(convGeom{oh: hm, ow: wm}); best == 0 || tiles < best {
			best, cols = tiles, c
		}
	}
	return hs, ws, cols
}

// mosaicGeom is the undilated convolution of g's mosaic.
func mosaicGeom(g convGeom) convGeom {
	d := g.dh
	hs, ws, cols := mosaicLayout(g)
	hm, wm := d*d/cols*(hs+1)-1, cols*(ws+1)-1
	return convGeom{n: g.n, c: g.c, h: hm, w: wm, m: g.m, kh: 3, kw: 3, oh: hm, ow: wm,
		group: 1, cg: g.cg, mg: g.mg, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1}
}

// planDil lays out d (dilFits) for the mosaic with weights w and bias b.
func (d *directConv) planDil(w, b []float32, workers int) {
	g := d.g
	p := d.dil
	if p == nil {
		p = &dilPlan{inner: &directConv{}}
		d.dil = p
	}
	p.d = g.dh
	p.hs, p.ws, p.cols = mosaicLayout(g)
	p.inner.plan(mosaicGeom(g), w, b, Activation{}, workers)
	dd, wm := p.d, p.inner.g.w
	p.row, p.col = p.row[:0], p.col[:0]
	for y := range g.h {
		p.row = append(p.row, y/dd*wm)
	}
	for a := range dd {
		for x := range g.w {
			// Phase (a, b) is image a*d+b of the mosaic: row (a*d+b)/cols
			// of images, column (a*d+b)%cols.
			k := a*dd + x%dd
			p.col = append(p.col, k/p.cols*(p.hs+1)*wm+k%p.cols*(p.ws+1)+x/dd)
		}
	}
}

// convDilated computes y = act(conv(x) + bias + res) with a mosaic plan:
// x's phase images into the mosaic, the mosaic's convolution, its phase
// images' outputs back to y with the residual and activation. The
// copies run on the workers, a plane per item (single-threaded they were
// a fifth of a 2-worker layer).
func (r *Runner) convDilated(d *directConv, y, x, res []float32) {
	p, g := d.dil, d.g
	mg := p.inner.g
	in := mg.n * mg.c * mg.h * mg.w
	out := mg.n * mg.m * mg.h * mg.w
	if len(r.mosaic) < in+out {
		r.mosaic = make([]float32, in+out)
	}
	xm, ym := r.mosaic[:in], r.mosaic[in:in+out]
	t := &r.conv.mosaic
	*t = mosaicTask{p: p, m: xm, plain: x, h: g.h, w: g.w, toMosaic: true}
	r.pool.run(g.n*g.c, mosaicGrain, t)
	p.inner.portable = d.portable
	r.convDirect(p.inner, ym, xm, nil, nil)
	*t = mosaicTask{p: p, m: ym, plain: y, res: res, act: d.act, h: g.h, w: g.w}
	r.pool.run(g.n*g.m, mosaicGrain, t)
	*t = mosaicTask{}
}

// mosaicGrain is how many planes a worker copies per turn.
const mosaicGrain = 8

// mosaicTask copies planes (h x w) between a plain tensor and the mosaic
// m (p.inner's input or output planes): into the mosaic when toMosaic, each plane's
// mosaic cleared first (the separators and the phases' rows and columns
// past the input are zero), or out of it, adding res and applying act.
// Input row y is phase row a = y%d's row y/d; its pixels x go to phase
// column b = x%d's column x/d.
type mosaicTask struct {
	p        *dilPlan
	m, plain []float32
	res      []float32
	act      Activation
	h, w     int
	toMosaic bool
}

func (t *mosaicTask) run(_, lo, hi int) {
	p, d := t.p, t.p.d
	h, w, hm, wm := t.h, t.w, p.inner.g.h, p.inner.g.w
	for c := lo; c < hi; c++ {
		pl := t.plain[c*h*w : (c+1)*h*w]
		mp := t.m[c*hm*wm : (c+1)*hm*wm]
		if t.toMosaic {
			clear(mp)
		}
		for y := range h {
			src := pl[y*w : (y+1)*w]
			dst := mp[p.row[y]:]
			col := p.col[y%d*w:][:w]
			if t.toMosaic {
				x := 0
				if d == 2 {
					e, o := dst[col[0]:][:w/2], dst[col[1]:][:w/2]
					x = 2 * vecmath.Deinterleave2(e, o, src)
				}
				for ; x < w; x++ {
					dst[col[x]] = src[x]
				}
			} else {
				for x := range src {
					src[x] = dst[col[x]]
				}
			}
		}
		if t.toMosaic {
			continue
		}
		var rs []float32
		if t.res != nil {
			rs = t.res[c*h*w : (c+1)*h*w]
		}
		t.act.applyAfter(pl, rs)
	}
}
