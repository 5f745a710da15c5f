package cpu

import (
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
	"github.com/dsgo/dsgo/infer/cpu/internal/vecmath"
	"github.com/dsgo/dsgo/infer/tensor"
)

// Direct convolution: the micro-kernel of package kern computes 4 output
// channels x 3 vectors of 8 output pixels at a time straight from the
// input, so there is no im2col matrix (9x the input for a 3x3 kernel).
// With AVX-512 the vectors are 16 pixels (kern.Conv4x48, 512-bit): on
// the GPU machine's Xeon, paired against vectors of 8, 1x1 layers 37-69%
// faster (160->64 at 48x80 42%, 64->32 at 12x20 69%), the dilation-8
// 112->112 layer at 23x40 14-42%, 5x5 ones 26-42%.
//
// The output is cut into bands of rows, one work item per (image, band).
// The kernel walks a band's vectors three at a time, over all output
// channels, kc input channels per pass; bias and ReLU are applied in the
// kernel, residual and other activations to the band while it is in
// cache. For each pass a worker first copies the pass's channels of the
// band's input rows into its buffer, zero-padded and, for strided
// convolutions, split into stride phases (plane (a, b) holds padded pixels
// (i*sh+a, j*sw+b)), so that every filter tap of every output vector reads
// 8 consecutive floats at a fixed offset: the taps table. Filter rows that
// fall wholly in the padding of a triple of vectors are left out of its
// taps. 1x1 convolutions without stride or padding read the input in
// place.

// directOutBytes bounds one band's output (per group), which the passes
// accumulate into, so that it stays in a core's L2 cache.
const directOutBytes = 128 << 10

// directPassBytes bounds one pass's input copy: it stays in L2 while the
// kernel reads each of its rows for up to kh output rows.
const directPassBytes = 192 << 10

// directMinSteps is the fewest (channel, tap) steps per pass worth
// lowering the bands for.
const directMinSteps = 144

// directSteps is about how many (channel, tap) steps one kernel pass
// makes: 32 channels of a 3x3 filter, whose input rows fit in L1.
const directSteps = 288

// directConv is a convolution planned for the micro-kernel for one input
// shape: packed weights and bias, the taps table and the band layout.
// Programs make it once at compile time; Conv2D reuses the Runner's.
type directConv struct {
	g   convGeom
	act Activation
	// portable runs kern.Conv4x24Go instead of the vector kernel (tests).
	portable bool
	w        []float32 // [group][block][cg][tap][4]
	bias     []float32 // [group][block*4]
	taps     []int     // byte offsets of the filter taps in a channel's planes
	// rowTaps holds, per output row, the filter rows [lo, hi) that read
	// inside the input as lo | hi<<8 (at least one row, so that rows
	// wholly in the padding get the bias).
	rowTaps []int
	// colSets group a row's vectors by the filter columns they read
	// inside the input: with a dilation of 8 or more whole filter columns
	// fall in the padding for a border vector's 8 pixels, and its triples
	// leave them out (weights and taps of each subset packed apart).
	// One set, all columns and vectors, otherwise.
	colSets []colSet
	obs     int // blocks of 4 output channels per group
	kc      int // input channels per kernel pass
	// vw is how many pixels an output vector has: 8 (kern.Conv4x24), or
	// 16 (kern.Conv4x48) where kern.Wide.
	vw   int
	relu bool // ReLU applied by the kernel (no residual)
	// flat: a 1x1 convolution without stride or pads; bands are then runs
	// of band pixels (a multiple of vw), copied per pass into the buffer
	// as kc rows of band pixels.
	flat  bool
	band  int // output rows (flat: pixels) per band
	bands int // bands per image
	// The band buffer: per channel, planes phase planes of hq x wq.
	planes, hq, wq int
	inLen, bufLen  int // floats of the input copy and of the whole worker buffer
	// A stride-2 row is copied into a zero-padded staging row at stOff
	// (stLen floats) and split into its column phases from there.
	stOff, stLen int
	// wino, when set, runs the convolution as Winograd F(2x2, 3x3) or
	// F(4x4, 3x3) (winograd.go) instead of in row bands.
	wino *winoPlan
	// s2, when set, runs the convolution with the stride-2 kernel
	// (convs2.go) instead of the phase-split row bands.
	s2 *s2Plan
	// dil, when set, runs a dilated convolution as a Winograd one on the
	// mosaic of its phase images (convdilated.go).
	dil *dilPlan
	// d4, when set, runs a dilated convolution with the output channels
	// in the lanes (convd4.go).
	d4 *d4Plan
	// rowsPlane, when not 0, sends a row band's output into the worker's
	// buffer (from bufLen on, channel planes rowsPlane floats apart) for
	// the max pool after it; the output tensor is not written
	// (poolInBuffer).
	rowsPlane int
}

// colSet is a subset of the filter columns and the vectors of an output
// row that read inside the input only through them.
type colSet struct {
	mask  uint64    // the filter columns, a bit each
	vecs  []int     // the vectors (column / 8) of a row in the set
	ncols int       // filter columns in the subset
	taps  []int     // [kh][ncols] tap offsets, as directConv.taps
	w     []float32 // [group][block][cg][kh][ncols][4], as directConv.w
	own   colOwn    // taps and w of a subset (all columns: directConv's)
}

// colOwn is the storage of a column subset's taps and weights.
type colOwn struct {
	taps []int
	w    []float32
}

// kernel names the kernel the plan runs on, for profiles.
func (d *directConv) kernel() string {
	switch {
	case d.dil != nil:
		return fmt.Sprintf("Winograd, mosaic of %d phases", d.dil.d*d.dil.d)
	case d.wino != nil:
		return "Winograd"
	case d.d4 != nil:
		return "dilated, output channels in lanes"
	case d.s2 != nil && d.s2.direct:
		return "stride-2, all channels"
	case d.s2 != nil:
		return "stride-2, staged"
	case d.flat:
		return "direct 1x1"
	case len(d.colSets) > 1:
		return "direct rows, padding columns left out"
	}
	return "direct rows"
}

// directFits reports whether the direct kernel runs this convolution:
// any non-depthwise convolution when the vector kernel is there.
func directFits(g convGeom) bool { return kern.SIMD() && !g.depthwise() && g.kh < 256 }

// plan lays out a convolution of geometry g with weights w (M x cg x kh x
// kw) and bias b (M or nil) for a Runner of the given workers, reusing
// d's slices: output vectors of 16 pixels where kern.Wide, else 8.
func (d *directConv) plan(g convGeom, w, b []float32, act Activation, workers int) {
	vw := 8
	if kern.Wide() {
		vw = 16
	}
	d.planVectors(g, w, b, act, workers, vw)
}

// planVectors is plan with output vectors of vw pixels (8 or 16).
func (d *directConv) planVectors(g convGeom, w, b []float32, act Activation, workers, vw int) {
	wino, s2, dil, d4 := d.wino, d.s2, d.dil, d.d4
	*d = directConv{g: g, act: act, vw: vw, w: d.w[:0], bias: d.bias[:0], taps: d.taps[:0], rowTaps: d.rowTaps[:0], colSets: d.colSets[:0]}
	d.obs = (g.mg + 3) / 4
	d.relu = act.Kind == ActRelu
	ntaps := g.kh * g.kw
	d.packWeights(w, b)
	d.kc = max(1, min(g.cg, directSteps/ntaps))
	d.flat = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pointwise()
	if d.flat {
		d.taps = append(d.taps, 0)
		d.kc = min(g.cg, 256)
		d.band = 24 * max(1, min(directOutBytes/(4*g.mg), directPassBytes/(4*d.kc))/24)
		d.planFlatBands(workers)
		d.inLen = d.kc*d.band + vw
		d.bufLen = d.inLen + 2*d.obs*4*vw // the dummy and the tail vector
		return
	}
	d.planes = g.sh * g.sw
	d.wq = g.ow + (g.kw-1)*g.dw/g.sw
	halo := (g.kh - 1) * g.dh / g.sh
	// Tall bands copy the halo rows less often; the band's output must
	// stay in cache for the passes.
	band := max(1, halo, directOutBytes/(4*g.mg*g.ow))
	fit := func(band int) int { return max(1, min(d.kc, directPassBytes/(4*d.planes*(band+halo)*d.wq))) }
	// Lower bands leave room for more channels per pass: a pass needs
	// enough (channel, tap) steps to pay for loading and storing its sums.
	kc := fit(band)
	for kc < d.kc && kc*ntaps < directMinSteps && band > max(2, halo) {
		band--
		kc = fit(band)
	}
	passes := (g.cg + kc - 1) / kc
	d.band = band
	d.balanceBands(g.oh, workers)
	d.layout(d.band, (g.cg+passes-1)/passes)
	if winoFits(g) {
		d.wino = wino
		d.planWino(w, workers)
	}
	if dilFits(g) {
		d.dil = dil
		d.planDil(w, b, workers)
	}
	if s2Chosen(g) {
		d.s2 = s2
		d.planS2(w, b, kern.Wide())
	}
	if d4Fits(g) {
		d.d4 = d4
		d.planD4(w, b, workers)
	}
}

// layout sets the band height and channels per pass of a row-band plan
// and what follows from them: the taps table and the worker buffer.
func (d *directConv) layout(band, kc int) {
	g := d.g
	d.band, d.kc = band, kc
	d.bands = (g.oh + band - 1) / band
	d.hq = band + (g.kh-1)*g.dh/g.sh
	plane := d.hq * d.wq
	d.taps = d.taps[:0]
	for i := range g.kh {
		for j := range g.kw {
			r, s := i*g.dh, j*g.dw
			ph := (r%g.sh)*g.sw + s%g.sw
			d.taps = append(d.taps, 4*(ph*plane+r/g.sh*d.wq+s/g.sw))
		}
	}
	d.rowTaps = d.rowTaps[:0]
	for oh := range g.oh {
		lo, hi := validRange(g.kh, g.h, g.dh, oh*g.sh-g.pt)
		if lo >= hi {
			lo, hi = 0, 1
		}
		d.rowTaps = append(d.rowTaps, lo|hi<<8)
	}
	d.planColSets()
	// The last vector of a row reads up to vw-1 floats past the row.
	d.inLen = d.kc*d.planes*plane + d.vw
	tails := 0
	if g.ow%d.vw != 0 {
		tails = d.band
	}
	d.stOff = d.inLen + (tails+1)*d.obs*4*d.vw
	if g.sw == 2 {
		d.stLen = (2*d.wq + 15) &^ 15
	}
	d.bufLen = d.stOff + d.stLen
}

// planColSets groups the output row's vectors by the filter columns
// that read inside the input for some pixel of theirs (d.taps and d.w
// laid out): one set of all columns unless some vector's pixels all read
// a filter column in the padding. A set of all columns reads d's taps
// and weights; the others hold their own. Re-planning reuses the slices
// (Conv2D plans per call and allocates nothing).
func (d *directConv) planColSets() {
	g := d.g
	sets := d.colSets[:cap(d.colSets)]
	n := 0
	for v := range (g.ow + d.vw - 1) / d.vw {
		m := d.colMask(v)
		i := 0
		for i < n && sets[i].mask != m {
			i++
		}
		if i == n {
			if n == len(sets) {
				sets = append(sets, colSet{})
			}
			p := &sets[n]
			*p = colSet{mask: m, vecs: p.vecs[:0], own: colOwn{taps: p.own.taps[:0], w: p.own.w[:0]}}
			n++
		}
		sets[i].vecs = append(sets[i].vecs, v)
	}
	d.colSets = sets[:n]
	ntaps := g.kh * g.kw
	panels := len(d.w) / (ntaps * 4) // (group, block, channel) runs of ntaps taps
	for i := range d.colSets {
		s := &d.colSets[i]
		s.ncols = bits.OnesCount64(s.mask)
		if s.ncols == g.kw || g.kw > 64 { // all columns (colMask)
			s.ncols, s.taps, s.w = g.kw, d.taps, d.w
			continue
		}
		var buf [64]int // the subset's filter columns
		cols := buf[:0]
		for j := range g.kw {
			if s.mask&(1<<j) != 0 {
				cols = append(cols, j)
			}
		}
		o := &s.own
		for r := range g.kh {
			for _, j := range cols {
				o.taps = append(o.taps, d.taps[r*g.kw+j])
			}
		}
		o.w = grown(o.w, panels*g.kh*s.ncols*4)
		k := 0
		for pn := range panels {
			for r := range g.kh {
				for _, j := range cols {
					copy(o.w[k:k+4], d.w[(pn*ntaps+r*g.kw+j)*4:])
					k += 4
				}
			}
		}
		s.taps, s.w = o.taps, o.w
	}
}

// colMask returns the filter columns that read inside the input for some
// pixel of output vector v (columns vw*v to vw*v+vw-1) as a bit mask: all
// columns where none does (the bias needs a tap) or kw > 64.
func (d *directConv) colMask(v int) uint64 {
	g := d.g
	all := uint64(1)<<g.kw - 1 // every bit from 64 columns on
	if g.kw > 64 {
		return all
	}
	x0, x1 := d.vw*v, min(d.vw*(v+1), g.ow)
	var m uint64
	for j := range g.kw {
		lo, hi := validRange(g.ow, g.w, g.sw, j*g.dw-g.pl)
		if x0 < hi && x1 > lo {
			m |= 1 << j
		}
	}
	if m == 0 {
		return all
	}
	return m
}

// packWeights lays the weights out as the kernel reads them: per group
// and block of 4 output channels, per input channel and tap, the 4
// channels' weights side by side (zero for channels past the group's).
func (d *directConv) packWeights(w, b []float32) {
	g := d.g
	ntaps := g.kh * g.kw
	n := g.group * d.obs * g.cg * ntaps * 4
	d.w = grown(d.w, n)
	d.bias = grown(d.bias, g.group*d.obs*4)
	clear(d.bias)
	i := 0
	for gi := range g.group {
		for ob := range d.obs {
			for c := range g.cg {
				for t := range ntaps {
					for r := range 4 {
						m := ob*4 + r
						if m >= g.mg {
							d.w[i] = 0
						} else {
							d.w[i] = w[((gi*g.mg+m)*g.cg+c)*ntaps+t]
						}
						i++
					}
				}
			}
			for r := 0; r < 4 && b != nil; r++ {
				if m := ob*4 + r; m < g.mg {
					d.bias[(gi*d.obs+ob)*4+r] = b[gi*g.mg+m]
				}
			}
		}
	}
}

// grown returns s resized to n, reallocated only when too small.
func grown(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// balanceBands picks the band height (at most d.band rows) so that the
// images' bands split evenly over the workers.
func (d *directConv) balanceBands(rows, workers int) {
	bands := (rows + d.band - 1) / d.band
	for bands < rows && (d.g.n*bands)%workers != 0 {
		bands++
	}
	d.band = (rows + bands - 1) / bands
	d.bands = (rows + d.band - 1) / d.band
}

// planFlatBands cuts each image's pixels into runs of a multiple of d.vw
// (at most d.band, rounded up) that split evenly over the workers.
func (d *directConv) planFlatBands(workers int) {
	hw := d.g.h * d.g.w
	d.balanceBands(hw, workers)
	d.band = (d.band + d.vw - 1) / d.vw * d.vw
	d.bands = (hw + d.band - 1) / d.band
}

// planConv plans a convolution with constant weights and bias for the
// direct kernel, packing them once, when that kernel runs it; the plan is
// for x's shape and the Runner's workers.
func (r *Runner) planConv(x, w, bias, y *tensor.Tensor, constant bool, p ConvParams) (*directConv, bool) {
	g, err := convGeometry(x.Shape, w.Shape, p)
	if err != nil || !constant || !directFits(g) || checkF32("conv: weight", w, w.Shape) != nil ||
		!y.Shape.Equal(tensor.Shape{g.n, g.m, g.oh, g.ow}) {
		return nil, false
	}
	var b []float32
	if bias != nil {
		if checkF32("conv: bias", bias, tensor.Shape{g.m}) != nil {
			return nil, false
		}
		b = bias.F32
	}
	d := &directConv{}
	d.plan(g, w.F32, b, p.norm().Act, r.workers)
	return d, true
}

// convPlanned runs a convolution planned by planConv on x (of the shape
// it was planned for) into y, adding residual when not nil; with pool
// (for a plan that poolFits) it max-pools y 2x2 at stride 2 into pool
// as it goes. y is nil where the plan pools in its buffer (rowsPlane).
func (r *Runner) convPlanned(d *directConv, y, x, residual, pool *tensor.Tensor) error {
	g := d.g
	out := tensor.Shape{g.n, g.m, g.oh, g.ow}
	if err := checkF32("conv: input", x, tensor.Shape{g.n, g.c, g.h, g.w}); err != nil {
		return err
	}
	var yv []float32
	switch {
	case y != nil:
		if err := checkF32("conv: output", y, out); err != nil {
			return err
		}
		yv = y.F32
	case d.rowsPlane == 0 || pool == nil:
		return fmt.Errorf("conv: no output tensor for a plan that writes one")
	}
	var res []float32
	if residual != nil {
		if err := checkF32("conv: residual", residual, out); err != nil {
			return err
		}
		res = residual.F32
	}
	var py []float32
	if pool != nil {
		if err := checkF32("conv: pool output", pool, tensor.Shape{g.n, g.m, g.oh / 2, g.ow / 2}); err != nil {
			return err
		}
		py = pool.F32
	}
	r.convDirect(d, yv, x.F32, res, py)
	return nil
}

// poolInBuffer makes a direct-rows plan without residual that poolFits
// send each band's output rows into the worker's buffer and pool them
// from there (rowsPlane), and reports whether it did: its output tensor
// is then never written and takes no memory (11 MB an image for 3->16
// at 416x416). Paired against pooling the rows it wrote into the output
// (15 pairs; 1 and 2 workers, 1 and 8 images): on the GPU machine's
// Xeon 3->32 at 256x256 20-56% faster, 8->16 at 320x320 even, 3->16 at
// 416x416 5-6% slower (3% faster at batch 8 on 2 workers); on this
// project's AMD VM 3->16 at 416x416 26-49% faster, 3->32 at 256x256
// 49-93%.
func (d *directConv) poolInBuffer(res bool) bool {
	if res || d.wino != nil || d.s2 != nil || d.d4 != nil || d.dil != nil || d.flat {
		return false
	}
	d.rowsPlane = paddedPlane(min(d.band, d.g.oh) * d.g.ow)
	return true
}

// poolRows max-pools rows [oh0, oh1) of channels [m0, m1) of image n of
// an output of geometry g, held in rows (planes ps floats apart, row oh0
// first), into the pool's output y.
func poolRows(y, rows []float32, ps int, g convGeom, n, m0, m1, oh0, oh1 int) {
	k := (oh1 - oh0) * g.ow // floats of a plane's rows
	for m := m0; m < m1; m++ {
		pool2Rect(y[((n*g.m+m)*g.oh+oh0)*g.ow/4:][:k/4], rows[m*ps:][:k], g.ow, 0, oh1-oh0, 0, g.ow)
	}
}

// poolFits reports whether a run of d can max-pool its output with
// geometry pg as it goes (convPlanned's pool): 2x2 windows at stride 2
// tiling the output (poolGeom.tiles2), and a plan that writes bands of
// an even number of rows, or whole Winograd tiles (of even sides) where
// the output is at least winoBytes (a dilated mosaic or a 1x1 plan's
// spans of pixels do not). Each band, or each chunk's tiles of a
// channel, is pooled right after it is final, from the caches, where
// the pool as a step of its own read the whole output back. Paired on
// the GPU machine's Xeon (15 pairs, 1 and 2 workers, 1 and 8 images):
// direct rows 3->16 at 416x416 (a YOLOv3-tiny-style first layer) 12-15%
// faster at batch 1, 42-44% at batch 8; Winograd 16->32 at 208x208 even
// at batch 1 (5.5 MB of output), 15-20% faster at batch 8, 32->64 at
// 104x104 3-4% at batch 8 and 1-2% slower at batch 1, 64->128 at 52x52
// 1-7% slower (its output's reads from L2 and L3 cost the pool step
// little; a chunk's tiles make several short pooling calls a channel).
func (d *directConv) poolFits(pg poolGeom, winoBytes int) bool {
	g := d.g
	if !pg.tiles2() || pg.n != g.n || pg.c != g.m || pg.h != g.oh || pg.w != g.ow || d.dil != nil || d.flat {
		return false
	}
	if d.wino != nil {
		return 4*g.n*g.m*g.oh*g.ow >= winoBytes
	}
	return d.band%2 == 0 || d.band >= g.oh
}

// winoPoolBytes is the smallest output of a Winograd plan that pools it
// as it goes (poolFits).
const winoPoolBytes = 16 << 20

// directTask runs a planned convolution over (image, band) items.
type directTask struct {
	d       *directConv
	y, x    []float32
	res     []float32
	epilog  bool // residual or an activation the kernel does not apply
	scratch [][]float32
	// m is a split Winograd plan's M, all chunks (winoPlan.parts); out
	// marks the pass over its outputs.
	m   []float32
	out bool
	// A fused pair of stride-2 layers (s2Fused) passes one image's rows
	// between them: x holds input rows from xr0 on, channel planes xs
	// floats apart; y output rows from yr0 on, planes ys floats apart
	// (0: the whole tensors).
	xs, xr0, ys, yr0 int
	// pool, when not nil, is the output of a 2x2 stride-2 max pool of y
	// that each band or chunk writes once its rows are final (poolFits).
	pool []float32
}

// convDirect computes y = act(conv(x) + bias + res) with a planned
// convolution, and pools y into pool; res and pool may be nil.
func (r *Runner) convDirect(d *directConv, y, x, res, pool []float32) {
	if d.dil != nil {
		r.convDilated(d, y, x, res)
		return
	}
	r.growCols(d.bufLen + d.g.m*d.rowsPlane)
	t := &r.conv.direct
	*t = directTask{d: d, y: y, x: x, res: res, scratch: r.cols, epilog: d.epilogue(res), pool: pool}
	items := d.g.n * d.bands
	if p := d.wino; p != nil {
		items = p.chunks
		if p.parts > 0 {
			items = d.g.n * p.chunks
			r.winoM = grown(r.winoM, items*p.mLen)
			t.m = r.winoM
			r.pool.run(items*p.parts, 1, t)
			t.out = true
			items *= d.g.m
		}
	}
	r.pool.run(items, 1, t)
	*t = directTask{}
}

func (t *directTask) run(worker, lo, hi int) {
	d, g := t.d, t.d.g
	buf := t.scratch[worker][:d.bufLen]
	if p := d.wino; p != nil {
		for item := lo; item < hi; item++ {
			switch {
			case p.parts == 0:
				t.winoChunk(buf, item)
			case t.out:
				c, oc := item/g.m, item%g.m // c: image and chunk
				t0, t1 := p.chunkTiles(c % p.chunks)
				st := buf[p.sOff : p.sOff+p.e*p.sw]
				t.winoOutput(t.m[c*p.mLen:][:p.mLen], st, c/p.chunks, t0, t1, 0, oc, oc+1)
			default:
				c := item / p.parts
				t.winoPart(buf, c/p.chunks, c%p.chunks, item%p.parts)
			}
		}
		return
	}
	ohw := g.oh * g.ow
	for item := lo; item < hi; item++ {
		n, band := item/d.bands, item%d.bands
		for gi := range g.group {
			if d.flat {
				q0, q1 := band*d.band, min((band+1)*d.band, ohw) // the band's span of an output plane
				t.flatBand(buf, n, gi, q0, q1)
				if !t.epilog {
					continue
				}
				base := (n*g.m + gi*g.mg) * ohw
				for m := range g.mg {
					t.finish(base+m*ohw+q0, base+m*ohw+q1)
				}
				continue
			}
			oh0, oh1 := band*d.band, min((band+1)*d.band, g.oh)
			if d.rowsPlane > 0 { // the band's rows through the worker's buffer into the pool
				tb := *t
				tb.y, tb.ys, tb.yr0 = t.scratch[worker][d.bufLen:][:g.m*d.rowsPlane], d.rowsPlane, oh0
				tb.rowBand(buf, n, gi, oh0, oh1)
				if tb.epilog {
					tb.finishRows(n, gi*g.mg, (gi+1)*g.mg, oh0, oh1)
				}
				poolRows(t.pool, tb.y, d.rowsPlane, g, n, gi*g.mg, (gi+1)*g.mg, oh0, oh1)
				continue
			}
			switch {
			case d.d4 != nil:
				t.d4Band(buf, n, oh0, oh1)
			case d.s2 != nil:
				t.s2Band(buf, n, oh0, oh1)
			default:
				t.rowBand(buf, n, gi, oh0, oh1)
			}
			if t.epilog {
				t.finishRows(n, gi*g.mg, (gi+1)*g.mg, oh0, oh1)
			}
			if t.pool != nil {
				for m := gi * g.mg; m < (gi+1)*g.mg; m++ {
					t.poolRect(n, m, oh0, oh1, 0, g.ow)
				}
			}
		}
	}
}

// poolRect max-pools rows [r0, r1) and columns [c0, c1) (even bounds) of
// output channel m of image n into t.pool.
func (t *directTask) poolRect(n, m, r0, r1, c0, c1 int) {
	g := t.d.g
	hw := g.oh * g.ow // the pool's planes are a quarter of that
	plane := n*g.m + m
	pool2Rect(t.pool[plane*hw/4:][:hw/4], t.y[plane*hw:][:hw], g.ow, r0, r1, c0, c1)
}

// pool2Rect max-pools rows [r0, r1) and columns [c0, c1) (even bounds)
// of a plane src of rows of w floats 2x2 at stride 2 into the plane dst
// of rows of w/2.
func pool2Rect(dst, src []float32, w, r0, r1, c0, c1 int) {
	pw := w / 2
	if c0 == 0 && c1 == w && vecmath.MaxPool2Rows(dst[r0/2*pw:r1/2*pw], src[r0*w:r1*w], w) {
		return
	}
	for r := r0; r < r1; r += 2 {
		maxPool2Row(dst[r/2*pw+c0/2:r/2*pw+c1/2], src[r*w+c0:r*w+c1], src[(r+1)*w+c0:(r+1)*w+c1], (c1-c0)/2)
	}
}

// epilogue reports whether a convolution planned as d, with residual res
// (nil when none), leaves work for the epilogue (directTask.finish): a
// residual, or an activation its kernels do not apply.
func (d *directConv) epilogue(res []float32) bool {
	return res != nil || (d.act.Kind != ActNone && !d.relu)
}

// growCols makes every worker's buffer at least n floats.
func (r *Runner) growCols(n int) {
	for i := range r.cols {
		if len(r.cols[i]) < n {
			r.cols[i] = make([]float32, n)
		}
	}
}

// finishRows applies the epilogue (finish) to output rows [oh0, oh1) of
// channels [m0, m1) of image n, where t.y holds them (yAt).
func (t *directTask) finishRows(n, m0, m1, oh0, oh1 int) {
	for m := m0; m < m1; m++ {
		a := t.yAt(n, m, oh0)
		t.finish(a, a+(oh1-oh0)*t.d.g.ow)
	}
}

// bandVectors enumerates one band's output vectors of vw pixels, in the
// order the kernel takes them three at a time: row by row, in each row
// the vectors of one column set (or, flat, along the plane).
type bandVectors struct {
	y          []float32 // output channel 0 of the group
	ldy        int       // floats between output channels (a plane)
	tails      []float32 // scratch for vectors that do not fit in a row
	dummy      []float32 // scratch for the missing vectors of a last triple
	n          int       // vectors
	vw         int       // pixels a vector
	vecs       []int     // the vectors (column / vw) taken of each row (rows)
	ow, oh0    int       // output row width and the band's first row
	yr0        int       // the first row y holds (directTask.yr0)
	wq, q0     int       // input row stride, first output pixel (flat)
	tailStride int       // floats per tail vector's rows
	flat       bool
	tailK      int // flat: the vector that ends past the band (if < n), computed into tails
	k          int // the cursor: the next vector
}

// next returns the next vector's input offset, output and output row
// stride (bytes) and moves on; past the last vector it returns input -1
// and the dummy output.
func (b *bandVectors) next() (int, unsafe.Pointer, int) {
	k := b.k
	if k >= b.n {
		return -1, unsafe.Pointer(&b.dummy[0]), 4 * b.vw
	}
	b.k++
	if b.flat {
		if k == b.tailK {
			return b.vw * k, unsafe.Pointer(&b.tails[0]), 4 * b.vw
		}
		return b.vw * k, unsafe.Pointer(&b.y[b.q0+b.vw*k]), 4 * b.ldy
	}
	row, ow := k/len(b.vecs), b.vw*b.vecs[k%len(b.vecs)]
	in := row*b.wq + ow
	if ow+b.vw > b.ow {
		return in, unsafe.Pointer(&b.tails[row*b.tailStride]), 4 * b.vw
	}
	return in, unsafe.Pointer(&b.y[(b.oh0-b.yr0+row)*b.ow+ow]), 4 * b.ldy
}

// row returns the band row of vector k (rows).
func (b *bandVectors) row(k int) int { return k / len(b.vecs) }

// pass sets up the kernel call for the pass over input channels [c0,
// c0+nc) of group gi with all taps of weights w and taps (d's, or a
// column set's).
func (t *directTask) pass(tl *kern.Tile, w []float32, taps []int, gi, c0, nc, cstride int) {
	d, g := t.d, t.d.g
	ntaps := len(taps)
	*tl = kern.Tile{
		W:        unsafe.Pointer(&w[(gi*d.obs*g.cg+c0)*ntaps*4]),
		WStride:  4 * g.cg * ntaps * 4,
		Taps:     unsafe.Pointer(&taps[0]),
		NTaps:    ntaps,
		NC:       nc,
		CStride:  4 * cstride,
		Bias:     unsafe.Pointer(&d.bias[gi*d.obs*4]),
		NOB:      d.obs,
		LastRows: g.mg - (d.obs-1)*4,
	}
	if c0 > 0 {
		tl.Flags |= kern.Accumulate
	}
	if c0+nc == g.cg && d.relu && t.res == nil {
		tl.Flags |= kern.Relu
	}
}

// triple points the kernel at the band's next three vectors (a missing
// one at the first's input and the dummy output) and runs it; in is the
// pass's input.
func (t *directTask) triple(tl *kern.Tile, b *bandVectors, in []float32) {
	in0, out, ldo := b.next()
	in1, out1, ldo1 := b.next()
	in2, out2, ldo2 := b.next()
	if in1 < 0 {
		in1 = in0
	}
	if in2 < 0 {
		in2 = in0
	}
	tl.In[0], tl.Out[0], tl.LDO[0] = unsafe.Pointer(&in[in0]), out, ldo
	tl.In[1], tl.Out[1], tl.LDO[1] = unsafe.Pointer(&in[in1]), out1, ldo1
	tl.In[2], tl.Out[2], tl.LDO[2] = unsafe.Pointer(&in[in2]), out2, ldo2
	switch {
	case b.vw == 16 && t.d.portable:
		kern.Conv4x48Go(tl)
	case b.vw == 16:
		kern.Conv4x48(tl)
	case t.d.portable:
		kern.Conv4x24Go(tl)
	default:
		kern.Conv4x24(tl)
	}
}

// rowBand computes output rows [oh0, oh1) of group gi of image n.
func (t *directTask) rowBand(buf []float32, n, gi, oh0, oh1 int) {
	d, g := t.d, t.d.g
	in := buf[:d.inLen]
	vw := d.vw
	perRow := (g.ow + vw - 1) / vw
	scr := buf[d.inLen:]
	b := bandVectors{ldy: g.oh * g.ow, vw: vw,
		dummy: scr[:d.obs*4*vw], tails: scr[d.obs*4*vw:], tailStride: d.obs * 4 * vw,
		ow: g.ow, oh0: oh0, wq: d.wq}
	if t.ys > 0 { // rows from yr0 on, planes ys apart (rowsPlane)
		b.y, b.ldy, b.yr0 = t.y[gi*g.mg*t.ys:], t.ys, t.yr0
	} else {
		b.y = t.y[(n*g.m+gi*g.mg)*g.oh*g.ow:]
	}
	stage := buf[d.stOff : d.stOff+d.stLen]
	clear(stage)
	var tl kern.Tile
	for c0 := 0; c0 < g.cg; c0 += d.kc {
		nc := min(d.kc, g.cg-c0)
		t.fillPass(in, stage, n, gi, oh0, c0, nc)
		for i := range d.colSets {
			s := &d.colSets[i]
			t.pass(&tl, s.w, s.taps, gi, c0, nc, d.planes*d.hq*d.wq)
			w, taps := tl.W, tl.Taps
			b.vecs, b.n, b.k = s.vecs, (oh1-oh0)*len(s.vecs), 0
			for b.k < b.n {
				// The filter rows that read inside the input for some row
				// of the triple: the first row's top and the last row's
				// bottom.
				first, last := b.row(b.k), b.row(min(b.k+2, b.n-1))
				lo, hi := d.rowTaps[oh0+last]&0xff, d.rowTaps[oh0+first]>>8
				tl.W = unsafe.Add(w, lo*s.ncols*16)
				tl.Taps = unsafe.Add(taps, lo*s.ncols*8)
				tl.NTaps = (hi - lo) * s.ncols
				tl.WSkip = (g.kh - (hi - lo)) * s.ncols * 16
				t.triple(&tl, &b, in)
			}
		}
	}
	if g.ow%vw == 0 {
		return
	}
	ow0 := (perRow - 1) * vw
	for row := range oh1 - oh0 {
		tail := b.tails[row*b.tailStride:]
		for m := range g.mg {
			copy(b.y[m*b.ldy+(oh0-b.yr0+row)*g.ow+ow0:m*b.ldy+(oh0-b.yr0+row+1)*g.ow], tail[m*vw:])
		}
	}
}

// flatBand computes output pixels [q0, q1) of group gi of image n of a
// 1x1 convolution.
func (t *directTask) flatBand(buf []float32, n, gi, q0, q1 int) {
	d, g := t.d, t.d.g
	hw := g.h * g.w
	in := buf[:d.inLen]
	// A plane not a multiple of vw long ends in a partial vector: it is
	// computed into tail (its other lanes from stale floats of in) and its
	// pixels copied out.
	scr := buf[d.inLen:]
	vw := d.vw
	b := bandVectors{y: t.y[(n*g.m+gi*g.mg)*hw:], ldy: hw, vw: vw, dummy: scr[:d.obs*4*vw], tails: scr[d.obs*4*vw : 2*d.obs*4*vw],
		n: (q1 - q0 + vw - 1) / vw, q0: q0, flat: true, tailK: (q1 - q0) / vw}
	var tl kern.Tile
	for c0 := 0; c0 < g.cg; c0 += d.kc {
		nc := min(d.kc, g.cg-c0)
		// The pass's channels side by side: the kernel then reads one
		// stream instead of one per channel.
		x := t.x[(n*g.c+gi*g.cg+c0)*hw:]
		for c := range nc {
			copy(in[c*d.band:c*d.band+q1-q0], x[c*hw+q0:c*hw+q1])
		}
		t.pass(&tl, d.w, d.taps, gi, c0, nc, d.band)
		for b.k = 0; b.k < b.n; {
			t.triple(&tl, &b, in)
		}
	}
	if p := q0 + vw*b.tailK; p < q1 {
		for m := range g.mg {
			copy(b.y[m*hw+p:m*hw+q1], b.tails[m*vw:])
		}
	}
}

// fillPass copies channels [c0, c0+nc) of group gi of image n, in the
// input rows that output rows from oh0 (a band of d.band) read, into in:
// zero padded and split into the stride's phase planes. stage is the
// stride-2 staging row, zero where fillRow2 does not write.
func (t *directTask) fillPass(in, stage []float32, n, gi, oh0, c0, nc int) {
	d, g := t.d, t.d.g
	hw, plane := g.h*g.w, d.hq*d.wq
	for c := range nc {
		ch := n*g.c + gi*g.cg + c0 + c
		src := t.x[ch*hw : (ch+1)*hw]
		// Row i of phase a is input row ih0+i*sh+a: in this order the
		// input is read front to back.
		for i := range d.hq {
			for a := range g.sh {
				dst := in[(c*d.planes+a*g.sw)*plane : (c*d.planes+(a+1)*g.sw)*plane]
				ih := oh0*g.sh - g.pt + i*g.sh + a
				if ih < 0 || ih >= g.h {
					for b := range g.sw {
						clear(dst[b*plane+i*d.wq : b*plane+(i+1)*d.wq])
					}
					continue
				}
				s := src[ih*g.w : (ih+1)*g.w]
				if g.sw == 2 {
					d.fillRow2(dst[i*d.wq:(i+1)*d.wq], dst[plane+i*d.wq:plane+(i+1)*d.wq], s, stage)
					continue
				}
				for b := range g.sw {
					d.fillRow(dst[b*plane+i*d.wq:b*plane+(i+1)*d.wq], s, b)
				}
			}
		}
	}
}

// fillRow sets row[j] to input pixel j*sw+b-pl of s, or 0 in the padding.
func (d *directConv) fillRow(row, s []float32, b int) {
	g := d.g
	off := b - g.pl
	lo, hi := validRange(len(row), g.w, g.sw, off)
	clear(row[:lo])
	clear(row[hi:])
	if g.sw == 1 {
		copy(row[lo:hi], s[lo+off:hi+off])
		return
	}
	gatherStrided(row[lo:hi], s[lo*g.sw+off:], g.sw)
}

// fillRow2 fills a stride-2 row's two column phases: phase b takes
// pixels 2j+b-pl of s, zero in the padding. s goes to the staging row at
// pl, whose other floats stay zero, and is split from there: one copy
// and one vector pass, with no border cases (rows are short in small
// layers, where the border cases cost more than the pixels).
func (d *directConv) fillRow2(row0, row1, s, stage []float32) {
	if pl := d.g.pl; pl < len(stage) {
		copy(stage[pl:], s)
	}
	j := vecmath.Deinterleave2(row0, row1, stage)
	stage = stage[:2*len(row0)]
	for ; j < len(row0); j++ {
		row0[j], row1[j] = stage[2*j], stage[2*j+1]
	}
}
