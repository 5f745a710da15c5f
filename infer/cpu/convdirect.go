package cpu

import (
	"unsafe"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
	"github.com/dsgo/dsgo/infer/tensor"
)

// Direct convolution: the micro-kernel of package kern computes 4 output
// channels x 3 vectors of 8 output pixels at a time straight from the
// input, so there is no im2col matrix (9x the input for a 3x3 kernel).
//
// The output is cut into bands of rows, one work item per (image, band).
// A worker copies the band's input rows once into its buffer, zero-padded
// and, for strided convolutions, split into stride phases (plane (a, b)
// holds padded pixels (i*sh+a, j*sw+b)), so that every filter tap of every
// output vector reads 8 consecutive floats at a fixed offset: the taps
// table. 1x1 convolutions without stride or padding read the input in
// place. The kernel then walks the band's vectors three at a time, over
// all output channels, kc input channels per pass (the pass's input stays
// in L1, the weights stream from L2); bias and ReLU are applied in the
// kernel, residual and other activations to the band while it is in cache.

// directBandBytes bounds one band's input copy so that it stays in a
// core's L2 cache next to the weights.
const directBandBytes = 160 << 10

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
	obs      int       // blocks of 4 output channels per group
	kc       int       // input channels per kernel pass
	relu     bool      // ReLU applied by the kernel (no residual)
	// flat: the input is read in place (1x1, stride 1, no pads, planes a
	// multiple of 8 pixels); bands are then runs of band pixels.
	flat  bool
	band  int // output rows (flat: pixels) per band
	bands int // bands per image
	// The band buffer: per channel, planes phase planes of hq x wq.
	planes, hq, wq int
	inLen, bufLen  int // floats of the input copy and of the whole worker buffer
}

// directFits reports whether the direct kernel runs this convolution:
// any non-depthwise convolution when the vector kernel is there.
func directFits(g convGeom) bool { return kern.SIMD() && !g.depthwise() }

// plan lays out a convolution of geometry g with weights w (M x cg x kh x
// kw) and bias b (M or nil) for a Runner of the given workers, reusing
// d's slices.
func (d *directConv) plan(g convGeom, w, b []float32, act Activation, workers int) {
	*d = directConv{g: g, act: act, w: d.w[:0], bias: d.bias[:0], taps: d.taps[:0]}
	d.obs = (g.mg + 3) / 4
	ntaps := g.kh * g.kw
	d.packWeights(w, b)
	d.kc = max(1, min(g.cg, directSteps/ntaps))
	d.flat = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pointwise() && (g.h*g.w)%8 == 0
	if d.flat {
		d.taps = append(d.taps, 0)
		d.planFlatBands(workers)
	} else {
		d.planes = g.sh * g.sw
		d.wq = g.ow + (g.kw-1)*g.dw/g.sw
		rowBytes := 4 * g.cg * d.planes * d.wq // input copy per output row, roughly
		halo := (g.kh - 1) * g.dh / g.sh
		// At least the halo rows, so that bands copy at most twice the input.
		d.band = max(1, halo, directBandBytes/max(rowBytes, 1)-halo)
		d.balanceBands(g.oh, workers)
		d.hq = d.band + (g.kh-1)*g.dh/g.sh
		for i := range g.kh {
			for j := range g.kw {
				r, s := i*g.dh, j*g.dw
				plane := (r%g.sh)*g.sw + s%g.sw
				d.taps = append(d.taps, 4*(plane*d.hq*d.wq+r/g.sh*d.wq+s/g.sw))
			}
		}
		// The last vector of a row reads up to 7 floats past the row.
		d.inLen = g.cg*d.planes*d.hq*d.wq + 8
	}
	tails := 0
	if !d.flat && g.ow%8 != 0 {
		tails = d.band
	}
	d.bufLen = d.inLen + (tails+1)*d.obs*32
	d.relu = act.Kind == ActRelu
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

// planFlatBands cuts each image's pixels into runs of a multiple of 8
// that split evenly over the workers.
func (d *directConv) planFlatBands(workers int) {
	hw := d.g.h * d.g.w
	d.band = 1536
	d.balanceBands(hw, workers)
	d.band = (d.band + 7) &^ 7
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
// it was planned for) into y, adding residual when not nil.
func (r *Runner) convPlanned(d *directConv, y, x, residual *tensor.Tensor) error {
	g := d.g
	out := tensor.Shape{g.n, g.m, g.oh, g.ow}
	if err := checkF32("conv: input", x, tensor.Shape{g.n, g.c, g.h, g.w}); err != nil {
		return err
	}
	if err := checkF32("conv: output", y, out); err != nil {
		return err
	}
	var res []float32
	if residual != nil {
		if err := checkF32("conv: residual", residual, out); err != nil {
			return err
		}
		res = residual.F32
	}
	r.convDirect(d, y.F32, x.F32, res)
	return nil
}

// directTask runs a planned convolution over (image, band) items.
type directTask struct {
	r       *Runner
	d       *directConv
	y, x    []float32
	res     []float32
	epilog  bool // residual or an activation the kernel does not apply
	scratch [][]float32
}

// convDirect computes y = act(conv(x) + bias + res) with a planned
// convolution; res may be nil.
func (r *Runner) convDirect(d *directConv, y, x, res []float32) {
	for i := range r.cols {
		if len(r.cols[i]) < d.bufLen {
			r.cols[i] = make([]float32, d.bufLen)
		}
	}
	t := &r.conv.direct
	*t = directTask{r: r, d: d, y: y, x: x, res: res, scratch: r.cols,
		epilog: res != nil || (d.act.Kind != ActNone && !d.relu)}
	r.pool.run(d.g.n*d.bands, 1, t)
	*t = directTask{}
}

func (t *directTask) run(worker, lo, hi int) {
	d, g := t.d, t.d.g
	buf := t.scratch[worker][:d.bufLen]
	ohw := g.oh * g.ow
	for item := lo; item < hi; item++ {
		n, band := item/d.bands, item%d.bands
		for gi := range g.group {
			var q0, q1 int // the band's span of an output plane
			if d.flat {
				q0, q1 = band*d.band, min((band+1)*d.band, ohw)
				t.flatBand(buf, n, gi, q0, q1)
			} else {
				oh0, oh1 := band*d.band, min((band+1)*d.band, g.oh)
				q0, q1 = oh0*g.ow, oh1*g.ow
				t.rowBand(buf, n, gi, oh0, oh1)
			}
			if !t.epilog {
				continue
			}
			base := (n*g.m + gi*g.mg) * ohw
			for m := range g.mg {
				seg := t.y[base+m*ohw+q0 : base+m*ohw+q1]
				var rs []float32
				if t.res != nil {
					rs = t.res[base+m*ohw+q0 : base+m*ohw+q1]
				}
				epilogue(seg, 0, rs, d.act)
			}
		}
	}
}

// bandVectors enumerates one band's output vectors of 8 pixels, in the
// order the kernel takes them three at a time.
type bandVectors struct {
	in         []float32 // channel 0 of the band's input (buffer or x)
	inStride   int       // floats between input channels
	y          []float32 // output channel 0 of the group
	ldy        int       // floats between output channels (a plane)
	tails      []float32 // scratch for vectors that do not fit in a row
	dummy      []float32 // scratch for the missing vectors of a last triple
	n          int       // vectors
	perRow     int       // vectors per output row (0: flat)
	ow, oh0    int       // output row width and the band's first row
	wq, q0     int       // input row stride, first output pixel (flat)
	obs        int
	tailStride int // floats per tail vector's rows
}

// at returns vector k's input offset in in and its output and row stride
// (bytes).
func (b *bandVectors) at(k int) (int, unsafe.Pointer, int) {
	if k >= b.n {
		return 0, unsafe.Pointer(&b.dummy[0]), 32
	}
	if b.perRow == 0 {
		p := b.q0 + 8*k
		return p, unsafe.Pointer(&b.y[p]), 4 * b.ldy
	}
	row, ow := k/b.perRow, k%b.perRow*8
	in := row*b.wq + ow
	if ow+8 > b.ow {
		return in, unsafe.Pointer(&b.tails[row*b.tailStride]), 32
	}
	return in, unsafe.Pointer(&b.y[(b.oh0+row)*b.ow+ow]), 4 * b.ldy
}

// passes runs the kernel over the band's vectors for group gi, kc input
// channels per pass.
func (t *directTask) passes(gi int, b *bandVectors) {
	d, g := t.d, t.d.g
	ntaps := len(d.taps)
	tl := kern.Tile{
		WStride:  4 * g.cg * ntaps * 4,
		Taps:     unsafe.Pointer(&d.taps[0]),
		NTaps:    ntaps,
		CStride:  4 * b.inStride,
		Bias:     unsafe.Pointer(&d.bias[gi*d.obs*4]),
		NOB:      d.obs,
		LastRows: g.mg - (d.obs-1)*4,
	}
	wbase := gi * d.obs * g.cg * ntaps * 4
	for c0 := 0; c0 < g.cg; c0 += d.kc {
		tl.NC = min(d.kc, g.cg-c0)
		tl.W = unsafe.Pointer(&d.w[wbase+c0*ntaps*4])
		tl.Flags = 0
		if c0 > 0 {
			tl.Flags |= kern.Accumulate
		}
		if c0+tl.NC == g.cg && d.relu && t.res == nil {
			tl.Flags |= kern.Relu
		}
		cin := b.in[c0*b.inStride:]
		for k := 0; k < b.n; k += 3 {
			in0, _, _ := b.at(k)
			for v := range 3 {
				in, out, ldo := b.at(k + v)
				if k+v >= b.n {
					in = in0
				}
				tl.In[v], tl.Out[v], tl.LDO[v] = unsafe.Pointer(&cin[in]), out, ldo
			}
			if d.portable {
				kern.Conv4x24Go(&tl)
			} else {
				kern.Conv4x24(&tl)
			}
		}
	}
}

// rowBand computes output rows [oh0, oh1) of group gi of image n.
func (t *directTask) rowBand(buf []float32, n, gi, oh0, oh1 int) {
	d, g := t.d, t.d.g
	in := buf[:d.inLen]
	t.fillBand(in, n, gi, oh0)
	perRow := (g.ow + 7) / 8
	scr := buf[d.inLen:]
	b := bandVectors{in: in, inStride: d.planes * d.hq * d.wq,
		y: t.y[(n*g.m+gi*g.mg)*g.oh*g.ow:], ldy: g.oh * g.ow,
		dummy: scr[:d.obs*32], tails: scr[d.obs*32:], tailStride: d.obs * 32,
		n: (oh1 - oh0) * perRow, perRow: perRow, ow: g.ow, oh0: oh0, wq: d.wq, obs: d.obs}
	t.passes(gi, &b)
	if g.ow%8 == 0 {
		return
	}
	ow0 := (perRow - 1) * 8
	for row := range oh1 - oh0 {
		tail := b.tails[row*b.tailStride:]
		for m := range g.mg {
			copy(b.y[m*b.ldy+(oh0+row)*g.ow+ow0:m*b.ldy+(oh0+row+1)*g.ow], tail[m*8:])
		}
	}
}

// flatBand computes output pixels [q0, q1) of group gi of image n of a
// 1x1 convolution, reading the input in place.
func (t *directTask) flatBand(buf []float32, n, gi, q0, q1 int) {
	d, g := t.d, t.d.g
	hw := g.h * g.w
	b := bandVectors{in: t.x[(n*g.c+gi*g.cg)*hw:], inStride: hw,
		y: t.y[(n*g.m+gi*g.mg)*hw:], ldy: hw, dummy: buf[:d.obs*32],
		n: (q1 - q0) / 8, q0: q0, obs: d.obs}
	t.passes(gi, &b)
}

// fillBand copies the input rows that output rows from oh0 (a band of
// d.band) read, for the channels of group gi of image n, into in: zero
// padded and split into the stride's phase planes.
func (t *directTask) fillBand(in []float32, n, gi, oh0 int) {
	d, g := t.d, t.d.g
	hw, plane := g.h*g.w, d.hq*d.wq
	for c := range g.cg {
		src := t.x[(n*g.c+gi*g.cg+c)*hw : (n*g.c+gi*g.cg+c+1)*hw]
		for a := range g.sh {
			for bp := range g.sw {
				dst := in[(c*d.planes+a*g.sw+bp)*plane : (c*d.planes+a*g.sw+bp+1)*plane]
				off := bp - g.pl
				lo, hi := validRange(d.wq, g.w, g.sw, off)
				for i := range d.hq {
					row := dst[i*d.wq : (i+1)*d.wq]
					ih := oh0*g.sh - g.pt + i*g.sh + a
					if ih < 0 || ih >= g.h || lo >= hi {
						clear(row)
						continue
					}
					clear(row[:lo])
					clear(row[hi:])
					s := src[ih*g.w:]
					if g.sw == 1 {
						copy(row[lo:hi], s[lo+off:hi+off])
						continue
					}
					gatherStrided(row[lo:hi], s[lo*g.sw+off:], g.sw)
				}
			}
		}
	}
}
