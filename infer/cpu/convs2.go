package cpu

import (
	"unsafe"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
)

// Stride-2 3x3 convolutions (the downsampling layers of detectors and
// classifiers, first layers with 3 input channels among them) run on
// kern.ConvS2, which keeps 8 output channels in the vector lanes and
// broadcasts the input floats straight from the NCHW rows: no phase-split
// copy of the input, which cost the row-band path about as much as a
// third of its kernel time on these layers (their output has a quarter of
// the input's pixels). A call computes 8 output channels of 8
// consecutive pixels of a row; the last vector of a row ends at the row's
// end and may overlap the one before it, so every call is a full one.
// The padding columns on the left and right are the kernel's LeftPad and
// RightPad, padding rows are left out of the call's rows. Work items are
// the row bands of the direct plan.

// s2Plan is the stride-2 layout of a directConv: the weights packed for
// kern.ConvS2.
type s2Plan struct {
	w    []float32 // [block of 8][cg][3][3][8]
	bias []float32 // [block of 8][8]
	obs  int       // blocks of 8 output channels
	// span is how many output pixels of a row (a multiple of 8) the
	// output-channel blocks take in turn: their input stays in L1.
	span int
}

// s2SpanBytes bounds the input a span of output pixels reads.
const s2SpanBytes = 16 << 10

// s2Fits reports whether the stride-2 kernel runs g: 3x3, stride 2, no
// dilation, one group, at most one padding column on either side, and
// rows of at least one vector.
func s2Fits(g convGeom) bool {
	return kern.SIMD() && g.kh == 3 && g.kw == 3 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1 &&
		g.group == 1 && g.ow >= 8 && g.pl <= 1 && 2*g.ow-g.pl <= g.w
}

// s2MaxChannels is the most input channels per group for which the
// stride-2 kernel is chosen over the phase-split row bands. Measured in
// one process on this 2-core AMD EPYC VM, 1 worker, 3x3 stride 2 pad 1:
// 3->24 at 368x640 1.5-2.2 ms against 2.1-3.3 ms; 16->32 at 48x48 about
// even; 24->32 at 184x320, 32->64 at 92x160 and 48->64 at 68x120 20-35%
// slower (the kernel makes 20 loads per 24 multiply-adds where the
// row-band kernel makes 7 per 12, which outweighs the copy it saves once
// a pixel has many channels).
const s2MaxChannels = 8

// s2Chosen reports whether a plan runs g with the stride-2 kernel.
func s2Chosen(g convGeom) bool { return s2Fits(g) && g.cg <= s2MaxChannels }

// planS2 packs weights w (M x cg x 3 x 3) and bias b (M or nil) for the
// stride-2 kernel.
func (d *directConv) planS2(w, b []float32) {
	g := d.g
	p := d.s2
	if p == nil {
		p = &s2Plan{}
		d.s2 = p
	}
	p.obs = (g.m + 7) / 8
	p.span = max(8, s2SpanBytes/(4*3*2*g.cg)&^7)
	p.w = grown(p.w, p.obs*g.cg*kern.S2WeightsPerChannel)
	clear(p.w)
	for m := range g.m {
		for c := range g.cg {
			for t := range 9 {
				p.w[((m/8*g.cg+c)*9+t)*8+m%8] = w[(m*g.cg+c)*9+t]
			}
		}
	}
	p.bias = grown(p.bias, p.obs*8)
	clear(p.bias)
	if b != nil {
		copy(p.bias, b[:g.m])
	}
}

// s2Band computes output rows [oh0, oh1) of image n with the stride-2
// kernel; tmp (64 floats) takes the rows of a last block of fewer than 8
// output channels.
func (t *directTask) s2Band(tmp []float32, n, oh0, oh1 int) {
	d, g, p := t.d, t.d.g, t.d.s2
	ohw := g.oh * g.ow
	tl := kern.S2Tile{In: unsafe.Pointer(&t.x[n*g.c*g.h*g.w]), NC: g.cg, CStride: 4 * g.h * g.w}
	for oh := oh0; oh < oh1; oh++ {
		tl.NRows = 0
		for kh := range 3 {
			ih := 2*oh - g.pt + kh
			if ih < 0 || ih >= g.h {
				continue
			}
			tl.Rows[tl.NRows] = 4 * ih * g.w
			tl.WRows[tl.NRows] = 4 * 24 * kh
			tl.NRows++
		}
		if tl.NRows == 0 {
			t.s2Bias(n, oh)
			continue
		}
		rows := tl.Rows
		for s0 := 0; s0 < g.ow; s0 += p.span {
			for ob := range p.obs {
				tl.W = unsafe.Pointer(&p.w[ob*g.cg*kern.S2WeightsPerChannel])
				tl.Bias = unsafe.Pointer(&p.bias[ob*8])
				m0 := ob * 8
				full := m0+8 <= g.m
				for ow0 := s0; ow0 < min(s0+p.span, g.ow); ow0 += 8 {
					ow0 = min(ow0, g.ow-8)
					iw0 := 2*ow0 - g.pl
					for r := range tl.NRows {
						tl.Rows[r] = rows[r] + 4*iw0
					}
					tl.Flags = 0
					if iw0 < 0 {
						tl.Flags |= kern.LeftPad
					}
					if iw0+16 >= g.w {
						tl.Flags |= kern.RightPad
					}
					if d.relu && t.res == nil {
						tl.Flags |= kern.Relu
					}
					if full {
						tl.Out, tl.LDO = unsafe.Pointer(&t.y[(n*g.m+m0)*ohw+oh*g.ow+ow0]), 4*ohw
					} else {
						tl.Out, tl.LDO = unsafe.Pointer(&tmp[0]), 32
					}
					if d.portable {
						kern.ConvS2Go(&tl)
					} else {
						kern.ConvS2(&tl)
					}
					if !full {
						for m := m0; m < g.m; m++ {
							copy(t.y[(n*g.m+m)*ohw+oh*g.ow+ow0:][:8], tmp[(m-m0)*8:])
						}
					}
				}
			}
		}
	}
}

// s2Bias sets output row oh of image n, which reads only padding, to the
// bias (with ReLU when the kernel would apply it).
func (t *directTask) s2Bias(n, oh int) {
	d, g := t.d, t.d.g
	ohw := g.oh * g.ow
	for m := range g.m {
		v := d.s2.bias[m]
		if d.relu && t.res == nil {
			v = max(v, 0)
		}
		row := t.y[(n*g.m+m)*ohw+oh*g.ow:][:g.ow]
		for i := range row {
			row[i] = v
		}
	}
}
