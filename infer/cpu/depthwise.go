package cpu

// depthwiseTask runs a depthwise convolution directly, one output plane
// (image, channel) per item, with the epilogue fused.
type depthwiseTask struct {
	y, x, w, b, res []float32
	g               convGeom
	act             Activation
}

func (r *Runner) depthwise(y, x, w, b, res []float32, g convGeom, act Activation) {
	t := &r.dw
	*t = depthwiseTask{y: y, x: x, w: w, b: b, res: res, g: g, act: act}
	r.pool.run(g.n*g.m, 1, t)
	*t = depthwiseTask{}
}

func (t *depthwiseTask) run(_, lo, hi int) {
	g := t.g
	ohw, hw, kk := g.oh*g.ow, g.h*g.w, g.kh*g.kw
	for i := lo; i < hi; i++ {
		c := i % g.m
		y := t.y[i*ohw : (i+1)*ohw]
		x := t.x[(i/g.m*g.c+c)*hw : (i/g.m*g.c+c+1)*hw]
		depthwisePlane(y, x, t.w[c*kk:(c+1)*kk], g)
		var bv float32
		if t.b != nil {
			bv = t.b[c]
		}
		var rp []float32
		if t.res != nil {
			rp = t.res[i*ohw : (i+1)*ohw]
		}
		epilogue(y, bv, rp, t.act)
	}
}

// depthwisePlane convolves one plane with one kh x kw filter: for each
// output row and filter tap it adds a scaled, strided input row segment,
// so the inner loop has no bounds tests.
func depthwisePlane(y, x, w []float32, g convGeom) {
	clear(y)
	for oh := 0; oh < g.oh; oh++ {
		yr := y[oh*g.ow : (oh+1)*g.ow]
		for kh := 0; kh < g.kh; kh++ {
			ih := oh*g.sh - g.pt + kh*g.dh
			if ih < 0 || ih >= g.h {
				continue
			}
			xr := x[ih*g.w : (ih+1)*g.w]
			for kw := 0; kw < g.kw; kw++ {
				wv := w[kh*g.kw+kw]
				off := kw*g.dw - g.pl
				lo, hi := validRange(g.ow, g.w, g.sw, off)
				if lo >= hi {
					continue
				}
				if g.sw == 1 {
					axpy(yr[lo:hi], xr[lo+off:hi+off], wv)
					continue
				}
				for ow := lo; ow < hi; ow++ {
					yr[ow] += wv * xr[ow*g.sw+off]
				}
			}
		}
	}
}
