package video

import "sync"

// taps is the fixed-point form of one axis of the sampling model, for the
// dedicated loops: output sample k (of n, the first at plane index first)
// blends the source samples at offsets i0[k] and i0[k]+mul with weight
// f[k]/256 (0 to 256) on the second. Offsets are sample indices times mul,
// the bytes per sample, for horizontal axes and row indices (mul 1) for
// vertical ones. At the region's right or bottom edge the first sample is
// the one before the last and f is 256, so the second sample is always
// inside the region, unless no tap blends (noBlend; always so when the
// region is one sample wide).
type taps struct {
	first, n int
	mul      int
	// base is subtracted from every offset (horizontal loops get rows
	// sliced there; vertical ones add it back), and span bytes from base
	// cover every sample the taps read.
	base, span int
	i0         []int32
	f          []int32
	noBlend    bool // every f is 0: a gather of i0
	identity   bool // noBlend, and i0 steps by mul (a copy)
}

// axisSpec is one dimension of a conversion: the output region (origin
// and length, in output luma samples) and the source region.
type axisSpec struct {
	outOrigin, outLen, srcOrigin, srcLen int
}

// build fills t for n output samples starting at plane index first, on a
// plane subsampled by outSub, reading a source plane subsampled by srcSub
// whose samples are mul bytes apart. It computes the same positions as
// refAxis.tap, in 16.16 fixed point.
func (t *taps) build(a axisSpec, first, n, outSub, srcSub, mul int, nearest bool) {
	t.first, t.n, t.mul = first, n, mul
	t.i0, t.f = grow(t.i0, n), grow(t.f, n)
	lo := int64(floorDiv(a.srcOrigin, srcSub))
	hi := int64(floorDiv(a.srcOrigin+a.srcLen-1, srcSub))
	den := int64(2 * srcSub * a.outLen)
	base := int64(2*a.srcOrigin*a.outLen) - int64(2*a.outOrigin*a.srcLen)
	t.noBlend, t.identity = true, true
	for k := 0; k < n; k++ {
		c2 := int64((2*(first+k) + 1) * outSub)
		var i0, f int64
		switch p := floorDiv64((base+c2*int64(a.srcLen)-int64(srcSub*a.outLen))<<16, den); {
		case nearest:
			i0 = min(max(floorDiv64(base+c2*int64(a.srcLen), den), lo), hi)
		case lo == hi || p <= lo<<16:
			i0 = lo
		case p >= hi<<16:
			i0 = hi
		default:
			i0, f = p>>16, (p>>8)&255
		}
		if f != 0 {
			t.noBlend = false
		}
		t.i0[k], t.f[k] = int32(i0*int64(mul)), int32(f)
	}
	if !t.noBlend {
		// Blending loops read the sample after i0: move the taps on the
		// last sample back by one, with all the weight on the second.
		t.identity = false
		last := int32(hi * int64(mul))
		for k, o := range t.i0 {
			if o == last {
				t.i0[k], t.f[k] = o-int32(mul), 256
			}
		}
	}
	for k := 1; k < n && t.identity; k++ {
		t.identity = t.i0[k] == t.i0[k-1]+int32(mul)
	}
	first0 := t.i0[0] // offsets never decrease
	for k := range t.i0 {
		t.i0[k] -= first0
	}
	t.base, t.span = int(first0), int(t.i0[n-1])+2*mul
}

func floorDiv64(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func grow(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n, n+n/4)
	}
	return s[:n]
}

// kind is the dedicated loop a conversion uses.
type kind uint8

const (
	kindNone           kind = iota
	kindYUVToYUV            // NV12/I420 to NV12/I420
	kindYUVToPacked         // NV12/I420 to RGBA, BGRA, BGRx, RGB, BGR
	kindPackedToYUV         // packed RGB to NV12/I420
	kindPacked4Same         // RGBA or BGRA to the same format
	kindPackedToPacked      // packed RGB to another packed RGB
)

func pickKind(dst, src Format) kind {
	switch {
	case dst.IsYUV() && src.IsYUV():
		return kindYUVToYUV
	case isPacked(dst) && src.IsYUV():
		return kindYUVToPacked
	case dst.IsYUV() && isPacked(src):
		return kindPackedToYUV
	case dst == src && (dst == FormatRGBA || dst == FormatBGRA):
		return kindPacked4Same
	case isPacked(dst) && isPacked(src):
		return kindPackedToPacked
	}
	return kindNone
}

// plan is one conversion's state: the frames, the taps of each axis and
// what the loops need to know. Plans are recycled, so converting does not
// allocate once the tables have grown to the largest size used.
type plan struct {
	kind      kind
	dst, src  Frame // copies, so that the callers' frames do not escape
	crop, out Rect
	nearest   bool
	// same is set for unscaled bilinear conversions that same.go's loops
	// handle.
	same bool
	// lx, ly place the output's luma (or only) samples; cx, cy place the
	// chroma samples the loops read or write, for kinds involving YUV.
	lx, ly, cx, cy taps
	sOrd, dOrd     packedOrder
	tmp            [maxWorkers][]int32 // scratch rows, one set a goroutine
	tmp16          [maxWorkers][]uint16
	wg             sync.WaitGroup
}

var plans struct {
	mu   sync.Mutex
	free []*plan
}

// getPlan returns a recycled plan; a plain free list rather than a
// sync.Pool, because the garbage collector empties pools and the tables
// would be allocated again.
func getPlan() *plan {
	plans.mu.Lock()
	defer plans.mu.Unlock()
	if n := len(plans.free); n > 0 {
		p := plans.free[n-1]
		plans.free = plans.free[:n-1]
		return p
	}
	return new(plan)
}

func putPlan(p *plan) {
	p.dst, p.src = Frame{}, Frame{}
	plans.mu.Lock()
	if len(plans.free) < 64 {
		plans.free = append(plans.free, p)
	}
	plans.mu.Unlock()
}

// setup prepares p to convert the crop of src into the out rectangle of
// dst with loop k.
func (p *plan) setup(k kind, dst, src *Frame, crop, out Rect, nearest bool) {
	p.kind, p.dst, p.src, p.crop, p.out, p.nearest = k, *dst, *src, crop, out, nearest
	unscaled := !nearest && crop.W == out.W && crop.H == out.H
	p.same = unscaled && (k == kindYUVToPacked || k == kindPackedToYUV && out.X%2 == 0 && out.Y%2 == 0)
	p.sOrd, p.dOrd = orderOf(src.Format), orderOf(dst.Format)
	ax := axisSpec{out.X, out.W, crop.X, crop.W}
	ay := axisSpec{out.Y, out.H, crop.Y, crop.H}
	sps := src.Format.PixelStride()
	p.lx.build(ax, out.X, out.W, 1, 1, sps, nearest)
	p.ly.build(ay, out.Y, out.H, 1, 1, 1, nearest)
	cmul := 1
	if src.Format == FormatNV12 {
		cmul = 2
	}
	// Chroma output samples: those the out rectangle touches.
	cx0, cx1 := out.X/2, (out.X+out.W-1)/2+1
	cy0, cy1 := out.Y/2, (out.Y+out.H-1)/2+1
	switch k {
	case kindYUVToYUV:
		p.cx.build(ax, cx0, cx1-cx0, 2, 2, cmul, nearest)
		p.cy.build(ay, cy0, cy1-cy0, 2, 2, 1, nearest)
	case kindYUVToPacked:
		p.cx.build(ax, out.X, out.W, 1, 2, cmul, nearest)
		p.cy.build(ay, out.Y, out.H, 1, 2, 1, nearest)
	case kindPackedToYUV:
		p.cx.build(ax, cx0, cx1-cx0, 2, 1, sps, nearest)
		p.cy.build(ay, cy0, cy1-cy0, 2, 1, 1, nearest)
	}
}

// units returns how many independent pieces of work the conversion has:
// chroma rows (each with its luma rows) for YUV outputs, rows otherwise.
func (p *plan) units() int {
	if p.dst.Format.IsYUV() {
		return p.cy.n
	}
	return p.ly.n
}

// lumaRows returns the luma rows, as indices into ly, that go with the
// units [u0, u1).
func (p *plan) lumaRows(u0, u1 int) (int, int) {
	if !p.dst.Format.IsYUV() {
		return u0, u1
	}
	top, bottom := p.out.Y, p.out.Y+p.out.H
	r0 := max(top, 2*(p.cy.first+u0))
	r1 := min(bottom, 2*(p.cy.first+u1))
	return r0 - top, r1 - top
}

// runUnits converts the units [u0, u1) in goroutine w of the
// conversion.
func (p *plan) runUnits(w, u0, u1 int) {
	l0, l1 := p.lumaRows(u0, u1)
	switch {
	case p.kind == kindYUVToYUV:
		p.yuvToYUV(w, l0, l1, u0, u1)
	case p.kind == kindYUVToPacked && p.same:
		p.yuvToPackedSame(w, l0, l1)
	case p.kind == kindYUVToPacked:
		p.yuvToPacked(w, l0, l1)
	case p.kind == kindPackedToYUV && p.same:
		p.packedToYUVSame(u0, u1)
	case p.kind == kindPackedToYUV:
		p.packedToYUV(l0, l1, u0, u1)
	default:
		p.packedToPacked(l0, l1)
	}
}

// runFast converts with a dedicated loop; false means there is none for
// the formats.
func runFast(dst, src *Frame, crop, out Rect, opt ConvertOptions) bool {
	k := pickKind(dst.Format, src.Format)
	if k == kindNone {
		return false
	}
	p := getPlan()
	p.setup(k, dst, src, crop, out, opt.Interp == InterpNearest)
	p.run(opt.Pool, workersFor(opt.Pool, opt.Workers, out))
	putPlan(p)
	return true
}
