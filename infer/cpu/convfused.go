package cpu

import (
	"github.com/dsgo/dsgo/infer/tensor"
)

// s2Fused runs two stride-2 convolutions on the stride-2 kernel as one
// step where the second is the only reader of the first's output (a
// detector's first layers: 3->16 at 320x320, then 16->32): per band of
// the second's output rows a worker computes the rows of the first's
// output that the band reads into its own buffer, planes s floats apart,
// and the band from there. The first's output tensor is never written:
// its rows stay in L1 and L2 on their way into the second layer, and
// output planes a multiple of 4 KiB apart (160x160 floats: every
// channel's row in the same cache sets) are neither written nor read. On
// this project's AMD VM a layer writing such planes took 1.34-1.69x as
// long per pixel as at a width of 328 (3->16 at 320x320), one reading
// them 1.06-1.22x (16->32 at 160x160). A band's first row of the first layer
// is the last of the band before: computed twice. Whole models on the VM,
// paired against the two layers as two steps (Runner.noFuse), two sets
// of runs: the YOLO-style model 1-18% faster, DetectNet-style (two
// pairs) 0-12%, the sample detector 3-11%, the YOLO-style sample -1% to
// +3%, the classifier -6% to +1%. The first layer's output tensor takes
// no memory (planArena).
type s2Fused struct {
	// a is nil where b runs alone, fused only with a max pool after it.
	a, b *directConv
	// s is the floats between the planes of the first layer's rows in a
	// worker's buffer; bOff, midOff where the second layer's buffer and
	// those rows start in it.
	s, bOff, midOff, bufLen int
	// pool: b's output is read only by a 2x2 stride-2 max pool (without
	// padding, tiling b's planes) and never written: a band's rows go
	// into the worker's buffer at poolOff, planes ps floats apart, and
	// the step writes the pool's output from them (withPool).
	pool        bool
	ps, poolOff int
}

// s2FuseMinBand is the fewest rows of the second layer a fused plan's
// band has (unless it is the whole image): each band computes one row of
// the first layer again, at most an eighth of the first layer's work
// (many workers on a small image cut its rows into bands of 1-3).
const s2FuseMinBand = 4

// s2FusePad is what a fused plan's row planes get beyond their rows:
// 64 bytes, so that they are not a multiple of 4 KiB apart.
const s2FusePad = 16

// paddedPlane returns the floats between the planes of n floats of rows
// in a worker's buffer: n rounded up to 16, plus s2FusePad, plus another
// where that is a multiple of 4 KiB.
func paddedPlane(n int) int {
	ps := (n+15)&^15 + s2FusePad
	if 4*ps%4096 == 0 {
		ps += s2FusePad
	}
	return ps
}

// fuseS2 plans a and b (stride-2 plans of the first and second layer,
// b reading a's output) as one step, or returns nil when they do not fit
// together.
func fuseS2(a, b *directConv) *s2Fused {
	ga, gb := a.g, b.g
	if a.s2 == nil || b.s2 == nil || ga.group != 1 || gb.group != 1 || ga.n != gb.n || ga.m != gb.c ||
		ga.oh != gb.h || ga.ow != gb.w || b.band < s2FuseMinBand && b.band < gb.oh {
		return nil
	}
	f := &s2Fused{a: a, b: b, s: paddedPlane((2*b.band + 1) * ga.ow)}
	f.bOff = (a.bufLen + 15) &^ 15
	f.midOff = (f.bOff + b.bufLen + 15) &^ 15
	f.bufLen = f.midOff + ga.m*f.s
	a.s2.staged = false // the rows' planes are not a multiple of 4 KiB apart
	return f
}

// withPool returns f (or a plan of b alone where f is nil) with the max
// pool after b fused in: the pool reads only b's output, its 2x2 windows
// at stride 2 tile b's planes (poolGeom.tiles2), and b's bands start on
// even rows. The conv's output (the classifier's 8x32x24x24 at batch 8:
// 590 KB) then goes through each worker's buffer, from L1 and L2 into
// the pool, instead of through memory and a step of its own. The
// classifier, paired against the pool as a step of its own (medians of
// 60 pairs, two runs): on the GPU machine's Xeon at batch 1 even on one
// worker and 13-17% faster on two, at batch 8 1-3% faster on one and
// 1% on two; on this project's AMD VM 4-6% faster on one worker, on two
// -5% to +3%.
func withPool(f *s2Fused, b *directConv, pg poolGeom) *s2Fused {
	gb := b.g
	if b.s2 == nil || gb.group != 1 || !b.poolFits(pg, 0) {
		return nil
	}
	if f == nil {
		f = &s2Fused{b: b, midOff: (b.bufLen + 15) &^ 15}
		f.bufLen = f.midOff
		b.s2.staged = false // the rows' planes are not a multiple of 4 KiB apart
	}
	g := *f
	g.pool, g.ps, g.poolOff = true, paddedPlane(min(b.band, gb.oh)*gb.ow), (f.bufLen+15)&^15
	g.bufLen = g.poolOff + gb.m*g.ps
	return &g
}

// convFused runs a fused plan on x (the first layer's input) into y (the
// second layer's output, or the pool's after it).
func (r *Runner) convFused(f *s2Fused, y, x *tensor.Tensor) error {
	gb := f.b.g
	in := tensor.Shape{gb.n, gb.c, gb.h, gb.w}
	if f.a != nil {
		ga := f.a.g
		in = tensor.Shape{ga.n, ga.c, ga.h, ga.w}
	}
	out := tensor.Shape{gb.n, gb.m, gb.oh, gb.ow}
	if f.pool {
		out = tensor.Shape{gb.n, gb.m, gb.oh / 2, gb.ow / 2}
	}
	if err := checkF32("conv: input", x, in); err != nil {
		return err
	}
	if err := checkF32("conv: output", y, out); err != nil {
		return err
	}
	r.growCols(f.bufLen)
	t := &r.conv.fused
	*t = fusedTask{f: f, y: y.F32, x: x.F32, scratch: r.cols}
	r.pool.run(gb.n*f.b.bands, 1, t)
	*t = fusedTask{}
	return nil
}

// fusedTask runs a fused plan over (image, band of the second layer)
// items.
type fusedTask struct {
	f       *s2Fused
	y, x    []float32
	scratch [][]float32
}

func (t *fusedTask) run(worker, lo, hi int) {
	f := t.f
	a, b := f.a, f.b
	gb := b.g
	buf := t.scratch[worker]
	for item := lo; item < hi; item++ {
		n, band := item/b.bands, item%b.bands
		ob0, ob1 := band*b.band, min((band+1)*b.band, gb.oh)
		tb := directTask{d: b, x: t.x, y: t.y, epilog: b.epilogue(nil)}
		if a != nil {
			ga := a.g
			mid := buf[f.midOff : f.midOff+ga.m*f.s]
			ra0, ra1 := max(0, 2*ob0-gb.pt), min(ga.oh, 2*(ob1-1)-gb.pt+3)
			ta := directTask{d: a, x: t.x, y: mid, ys: f.s, yr0: ra0, epilog: a.epilogue(nil)}
			ta.s2Band(buf[:a.bufLen], n, ra0, ra1)
			if ta.epilog {
				ta.finishRows(n, 0, ga.m, ra0, ra1)
			}
			tb.x, tb.xs, tb.xr0 = mid, f.s, ra0
		}
		if f.pool {
			tb.y, tb.ys, tb.yr0 = buf[f.poolOff:f.bufLen], f.ps, ob0
		}
		tb.s2Band(buf[f.bOff:f.bOff+b.bufLen], n, ob0, ob1)
		if tb.epilog {
			tb.finishRows(n, 0, gb.m, ob0, ob1)
		}
		if f.pool {
			poolRows(t.y, tb.y, f.ps, gb, n, 0, gb.m, ob0, ob1)
		}
	}
}
