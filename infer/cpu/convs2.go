package cpu

import (
	"unsafe"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
)

// Stride-2 3x3 convolutions (the downsampling layers of detectors and
// classifiers, first layers with 3 input channels among them) run on
// kernels that keep output channels in the vector lanes and broadcast
// the input floats straight from the NCHW rows: no phase-split copy of
// the input, which cost the row-band path about a third of its kernel
// time on these layers (their output has a quarter of the input's
// pixels). kern.ConvS2 (narrow) computes 8 output channels of 8
// consecutive pixels of a row, kern.ConvS4 (wide) 16 or 24 channels of 4
// pixels with fewer loads per multiply-add. The last call of a row ends
// at the row's end and may overlap the one before it, so every call is a
// full one. The padding columns on the left and right are the kernels'
// LeftPad and RightPad; padding rows are left out of a call's rows. A
// row is done in spans whose input stays in L1 while the channel blocks
// take it in turn. Work items are the row bands of the direct plan.

// s2Plan is the stride-2 layout of a directConv: the weights packed for
// kern.ConvS2 or kern.ConvS4.
type s2Plan struct {
	// wide: the weights are packed for kern.ConvS4, in chunks of 16 or
	// 24 output channels, else for kern.ConvS2, 8 channels per block.
	wide   bool
	w      []float32 // narrow: [block of 8][cg][3][3][8]; wide: per chunk [cg][3][3][8*nb]
	bias   []float32 // [block of 8][8], at least 2 blocks
	obs    int       // blocks of 8 output channels
	chunks []s2Chunk // wide: the chunks
	// span is how many output pixels of a row (a multiple of 8, wide of
	// 4) the output-channel blocks take in turn: their input stays in L1.
	span int
}

// s2Chunk is output channels [m0, m0+8*nb) of a wide plan, whose weights
// start at w[off].
type s2Chunk struct{ m0, nb, off int }

// s2SpanBytes bounds the input a span of output pixels reads.
const s2SpanBytes = 16 << 10

// s2StageBytes bounds the staging rows of a wide plan's chunk.
const s2StageBytes = 8 << 10

// s2Fits reports whether the stride-2 kernel runs g: 3x3, stride 2, no
// dilation, one group, at most one padding column on either side, and
// rows of at least one vector.
func s2Fits(g convGeom) bool {
	return kern.SIMD() && g.kh == 3 && g.kw == 3 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1 &&
		g.group == 1 && g.ow >= 8 && g.pl <= 1 && 2*g.ow-g.pl <= g.w
}

// s2MaxChannels and s4MinChannels pick the kernel by input channels
// per group: up to s2MaxChannels the narrow stride-2 kernel, from
// s4MinChannels the wide one, the phase-split row bands in between.
// Measured per layer in one process (1 worker, this 2-core AMD EPYC VM,
// 3x3 stride 2 pad 1, GFLOP/s, 3 runs): the wide kernel wins on every
// layer of 32 or more channels by 10-50% (32->48 at 80x80 48-50 against
// 41-45, 48->64 at 40x40 49-54 against 41-59, 64->96 at 20x20 46-47
// against 31-32, 96->112 at 24x40 59-71 against 43-48), ties at 16-24
// channels (16->32 at 192x320 33-36 against 35-38, 24->48 at 136x240
// 41-42 against 40-41); the narrow one takes the 3-channel first layers
// (3->24 at 272x480 32-36 against 26-32; 3->24 at 368x640 1.5-2.2 ms
// against 2.1-3.3 ms in another run).
const (
	s2MaxChannels = 8
	s4MinChannels = 32
)

// s2Choice reports whether a plan runs g with a stride-2 kernel, and
// with the wide one.
func s2Choice(g convGeom) (use, wide bool) {
	if !s2Fits(g) {
		return false, false
	}
	return g.cg <= s2MaxChannels || g.cg >= s4MinChannels, g.cg >= s4MinChannels
}

// planS2 packs weights w (M x cg x 3 x 3) and bias b (M or nil) for the
// stride-2 kernel, wide (kern.ConvS4) or not.
func (d *directConv) planS2(w, b []float32, wide bool) {
	g := d.g
	p := d.s2
	if p == nil {
		p = &s2Plan{}
		d.s2 = p
	}
	p.wide = wide
	p.obs = (g.m + 7) / 8
	p.span = max(8, s2SpanBytes/(4*3*2*g.cg)&^7)
	p.bias = grown(p.bias, max(p.obs, 2)*8)
	clear(p.bias)
	if b != nil {
		copy(p.bias, b[:g.m])
	}
	if wide {
		p.planChunks(w, g)
		d.bufLen = max(d.bufLen, 24*(p.span+4))
		return
	}
	d.bufLen = max(d.bufLen, 64)
	p.w = grown(p.w, p.obs*g.cg*kern.S2WeightsPerChannel)
	clear(p.w)
	for m := range g.m {
		for c := range g.cg {
			for t := range 9 {
				p.w[((m/8*g.cg+c)*9+t)*8+m%8] = w[(m*g.cg+c)*9+t]
			}
		}
	}
}

// planChunks cuts the output channels into chunks of 24 and 16 (3 and 2
// blocks of 8; a last 8 takes a chunk of 16 with its neighbour's, or
// zero weights when it is the only one) and packs their weights.
func (p *s2Plan) planChunks(w []float32, g convGeom) {
	p.chunks = p.chunks[:0]
	nbs := []int{}
	switch left := p.obs; {
	case left == 1:
		nbs = append(nbs, 2)
	case left%3 == 1:
		for ; left > 4; left -= 3 {
			nbs = append(nbs, 3)
		}
		nbs = append(nbs, 2, 2)
	default:
		for ; left >= 3; left -= 3 {
			nbs = append(nbs, 3)
		}
		if left == 2 {
			nbs = append(nbs, 2)
		}
	}
	off := 0
	for i, nb := range nbs {
		m0 := 0
		if i > 0 {
			last := p.chunks[i-1]
			m0 = last.m0 + 8*last.nb
		}
		p.chunks = append(p.chunks, s2Chunk{m0: m0, nb: nb, off: off})
		off += g.cg * 72 * nb
	}
	p.w = grown(p.w, off)
	clear(p.w)
	for _, ch := range p.chunks {
		no := 8 * ch.nb
		for m := ch.m0; m < min(ch.m0+no, g.m); m++ {
			for c := range g.cg {
				for t := range 9 {
					p.w[ch.off+(c*9+t)*no+m-ch.m0] = w[(m*g.cg+c)*9+t]
				}
			}
		}
	}
	// Wide calls take 4 pixels, so spans may be smaller; a chunk's
	// staging rows stay in L1 too.
	p.span = max(4, min(s2SpanBytes/(4*3*2*g.cg), s2StageBytes/(4*24))&^3)
}

// s2Band computes output rows [oh0, oh1) of image n with the stride-2
// kernel; buf is the worker's buffer (at least 96 floats): with the
// narrow kernel its first 64 take the rows of a last block of fewer than
// 8 output channels.
func (t *directTask) s2Band(buf []float32, n, oh0, oh1 int) {
	d, g, p := t.d, t.d.g, t.d.s2
	if p.wide {
		t.s4Band(buf, n, oh0, oh1)
		return
	}
	tmp := buf[:64]
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

// s4Band computes output rows [oh0, oh1) of image n with the wide
// stride-2 kernel. The kernel writes a chunk's span into stage, one row
// of 4+span floats per output channel (a call's pixels start at 4 +
// ow0-s0: the last call of a row may start before the span), from
// where whole runs of the output rows are copied: on large outputs the
// kernel's 16-byte stores straight into the output rows cost more than
// the multiply-adds.
func (t *directTask) s4Band(stage []float32, n, oh0, oh1 int) {
	d, g, p := t.d, t.d.g, t.d.s2
	ohw := g.oh * g.ow
	ls := p.span + 4
	tl := kern.S4Tile{In: unsafe.Pointer(&t.x[n*g.c*g.h*g.w]), NC: g.cg, CStride: 4 * g.h * g.w, LDO: 4 * ls}
	if d.relu && t.res == nil {
		tl.Flags = kern.Relu
	}
	for oh := oh0; oh < oh1; oh++ {
		var rows, wrows [3]int // input rows and their filter rows
		nrows := 0
		for kh := range 3 {
			if ih := 2*oh - g.pt + kh; ih >= 0 && ih < g.h {
				rows[nrows], wrows[nrows] = 4*ih*g.w, kh
				nrows++
			}
		}
		if nrows == 0 {
			t.s2Bias(n, oh)
			continue
		}
		tl.NRows = nrows
		for s0 := 0; s0 < g.ow; s0 += p.span {
			s1 := min(s0+p.span, g.ow)
			for _, ch := range p.chunks {
				no := 8 * ch.nb
				tl.W, tl.Bias = unsafe.Pointer(&p.w[ch.off]), unsafe.Pointer(&p.bias[ch.m0])
				tl.NB, tl.WCStride = ch.nb, 4*72*ch.nb
				for r := range nrows {
					tl.WRows[r] = 4 * 3 * no * wrows[r]
				}
				for ow0 := s0; ow0 < s1; ow0 += 4 {
					ow0 = min(ow0, g.ow-4)
					iw0 := 2*ow0 - g.pl
					for r := range nrows {
						tl.Rows[r] = rows[r] + 4*iw0
					}
					tl.Flags &^= kern.LeftPad | kern.RightPad
					if iw0 < 0 {
						tl.Flags |= kern.LeftPad
					}
					if iw0+8 >= g.w {
						tl.Flags |= kern.RightPad
					}
					tl.Out = unsafe.Pointer(&stage[4+ow0-s0])
					if d.portable {
						kern.ConvS4Go(&tl)
					} else {
						kern.ConvS4(&tl)
					}
				}
				for m := ch.m0; m < min(ch.m0+no, g.m); m++ {
					copy(t.y[(n*g.m+m)*ohw+oh*g.ow+s0:(n*g.m+m)*ohw+oh*g.ow+s1], stage[(m-ch.m0)*ls+4:])
				}
			}
		}
	}
}
