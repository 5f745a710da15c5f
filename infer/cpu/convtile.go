package cpu

import "github.com/dsgo/dsgo/infer/cpu/internal/vecmath"

// convTask is the Runner's convolution state: the task of whichever
// path runs, and the plan Conv2D makes for the direct kernel (its packed
// weights reused from call to call).
type convTask struct {
	tiled  tiledTask
	direct directTask
	mosaic mosaicTask
	plan   directConv
	fused  fusedTask
}

// tiledTask is a convolution cut into column tiles, run on the Runner's
// workers with OpenBLAS single-threaded inside each: a worker lays out one
// tile's receptive fields (im2col), multiplies, and applies bias, residual
// and activation while the tile is still in its cache. This keeps every
// stage parallel and avoids OpenBLAS's own threads, which spin and yield
// against ours between calls.
type tiledTask struct {
	r                *Runner
	y, x, w, b, res  []float32
	g                convGeom
	act              Activation
	tile, tilesPerNG int // output positions per tile, tiles per (image, group)
}

// convTileTarget is about how many floats one tile's im2col matrix holds
// (256 KiB): small enough to stay in a core's L2 cache.
const convTileTarget = 64 << 10

// convTiled runs a (non-depthwise) convolution as parallel tiles.
func (r *Runner) convTiled(y, x, w, b, res []float32, g convGeom, act Activation) {
	ohw, k := g.oh*g.ow, g.cg*g.kh*g.kw
	if ohw == 0 || g.n == 0 || g.mg == 0 {
		return
	}
	tile := max(32, convTileTarget/max(k, 1))
	// Enough tiles to keep every worker busy on small feature maps.
	if units := g.n * g.group; units < 4*r.workers {
		perUnit := (4*r.workers + units - 1) / units
		tile = min(tile, max(16, (ohw+perUnit-1)/perUnit))
	}
	tile = min(tile, ohw)
	if tile > 8 {
		tile = (tile + 7) &^ 7
	}
	tiles := (ohw + tile - 1) / tile
	if !g.pointwise() {
		for i := range r.cols {
			if cap(r.cols[i]) < k*tile {
				r.cols[i] = make([]float32, k*tile)
			}
		}
	}
	t := &r.conv.tiled
	*t = tiledTask{r: r, y: y, x: x, w: w, b: b, res: res, g: g, act: act, tile: tile, tilesPerNG: tiles}
	r.pool.run(g.n*g.group*tiles, 1, t)
	*t = tiledTask{}
}

func (t *tiledTask) run(worker, lo, hi int) {
	g := t.g
	ohw, hw, k := g.oh*g.ow, g.h*g.w, g.cg*g.kh*g.kw
	for item := lo; item < hi; item++ {
		ng, ti := item/t.tilesPerNG, item%t.tilesPerNG
		n, gi := ng/g.group, ng%g.group
		c0 := ti * t.tile
		c1 := min(c0+t.tile, ohw)
		nc := c1 - c0
		xg := t.x[(n*g.c+gi*g.cg)*hw : (n*g.c+(gi+1)*g.cg)*hw]
		yoff := (n*g.m + gi*g.mg) * ohw
		wg := t.w[gi*g.mg*k : (gi+1)*g.mg*k]
		b, ldb := xg[c0:], hw
		if !g.pointwise() {
			col := t.r.cols[worker][:k*nc]
			im2colRange(col, xg, g, c0, c1)
			b, ldb = col, nc
		}
		blasSgemm(false, false, g.mg, nc, k, 1, wg, k, b, ldb, 0, t.y[yoff+c0:], ohw)
		for m := range g.mg {
			row := t.y[yoff+m*ohw+c0 : yoff+m*ohw+c1]
			var bv float32
			if t.b != nil {
				bv = t.b[gi*g.mg+m]
			}
			var rp []float32
			if t.res != nil {
				rp = t.res[yoff+m*ohw+c0 : yoff+m*ohw+c1]
			}
			epilogue(row, bv, rp, t.act)
		}
	}
}

// im2colRange lays out the receptive fields of output positions [c0, c1)
// of one group of one image as a (cg*kh*kw) x (c1-c0) matrix.
func im2colRange(col, x []float32, g convGeom, c0, c1 int) {
	hw, nc := g.h*g.w, c1-c0
	row := 0
	for c := 0; c < g.cg; c++ {
		plane := x[c*hw : (c+1)*hw]
		for kh := 0; kh < g.kh; kh++ {
			for kw := 0; kw < g.kw; kw++ {
				dst := col[row*nc : (row+1)*nc]
				row++
				off := kw*g.dw - g.pl
				lo, hi := validRange(g.ow, g.w, g.sw, off)
				for p := c0; p < c1; {
					oh, ow0 := p/g.ow, p%g.ow
					ow1 := min(g.ow, ow0+c1-p)
					d := dst[p-c0 : p-c0+ow1-ow0]
					p += ow1 - ow0
					ih := oh*g.sh - g.pt + kh*g.dh
					l, h := max(lo, ow0), min(hi, ow1)
					if ih < 0 || ih >= g.h || l >= h {
						clear(d)
						continue
					}
					clear(d[:l-ow0])
					clear(d[h-ow0:])
					src := plane[ih*g.w:]
					if g.sw == 1 {
						copy(d[l-ow0:h-ow0], src[l+off:h+off])
						continue
					}
					gatherStrided(d[l-ow0:h-ow0], src[l*g.sw+off:], g.sw)
				}
			}
		}
	}
}

// gatherStrided sets d[i] = s[i*stride], with the bounds checked once.
func gatherStrided(d, s []float32, stride int) {
	if len(d) == 0 {
		return
	}
	s = s[:(len(d)-1)*stride+1]
	if stride == 2 {
		k := vecmath.Gather2(d, s)
		for i := k; i < len(d); i++ {
			d[i] = s[2*i]
		}
		return
	}
	for i := range d {
		d[i] = s[i*stride]
	}
}
