package cpu

import (
	"unsafe"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
)

// Stride-2 3x3 convolutions of 16 or more input channels (the
// downsampling layers of detectors and classifiers), and those of fewer
// (the first layers) whose output channels fill whole chunks, run on
// kern.ConvS4, which keeps 16 or 24 output channels (with AVX-512 also
// 32 and 64: planChunks) in the vector lanes and
// broadcasts the input floats straight from the NCHW rows: no
// phase-split copy of the input, which cost the row-band path about a
// third of its kernel time on these layers (their output has a quarter
// of the input's pixels). The kernel computes groups of 4 consecutive
// pixels of a row, a span of them per call; when a row is not a multiple
// of 4 long its last group ends at the row's end and overlaps the one
// before it (it has its own place in the staging block), so every group
// is a full one. The padding columns on the left and right are the
// kernel's LeftPad and RightPad; padding rows are left out of a call's
// rows. A row is done in spans whose input stays in L1 while the chunks
// of output channels take it in turn, 16 input channels per kernel call
// (the weights of a chunk's 16 channels stay in L1 while the call walks
// the span, where all channels' came from L2 for every 4 pixels); each
// chunk's span goes through an L1 staging block, which the calls after
// a block's first accumulate into (the kernel's 16-byte loads and stores
// of partial sums in large outputs cost more than its multiply-adds).
// Where the chunks fill the output channels exactly, the last block's
// calls take the sums from the staging block and write the output rows
// themselves (kern.S4Tile.Acc: 2-3% faster layers at batch 1, 4-8% at
// batch 8 than copying the block out); otherwise the span is copied out
// in runs. Chunks of 16 output channels keep only 8 sums in registers
// with 4 pixels a group; inside long rows their groups go 6 pixels at a
// time instead (kern.ConvS6, 12 sums: the sample detector's 24->32 layer
// 11% faster); where all input channels go in one call and a span is a
// whole row, they compute the whole row 6 pixels a group, the padding
// columns in the kernel (s6Row: the classifier's 32->64 layer at rows of
// 6, where groups of 4 computed 8 pixels a row, 33% faster). Layers of
// at most s2DirectChannels input channels whose output channels fill
// whole chunks take all their channels in one call and the kernel
// writes the output rows itself: there the staging copy
// was as long as the multiply-adds (3->24 at 368x640, 1 worker: 3.0 ms
// staged, 1.55 direct, 1.9-2.4 on the row bands), except first layers
// whose output planes are a multiple of 4 KiB on AVX-512 machines
// (s2Aliased). Work items are the row bands of the direct plan.

// s2Plan is the stride-2 layout of a directConv: the weights packed for
// kern.ConvS4.
type s2Plan struct {
	w      []float32 // per chunk [cg][3][3][8*nb]
	bias   []float32 // the bias, zero-padded to the chunks' channels
	chunks []s2Chunk
	// span is how many output pixels of a row (a multiple of 4) the
	// chunks take in turn: their input stays in L1.
	span int
	// kb is how many input channels the kernel takes per call: their
	// weights stay in L1 while it walks a span.
	kb int
	// direct: the kernel takes all input channels in one call and writes
	// the output rows itself, with no staging block (s2DirectChannels).
	direct bool
	// staged: the output goes through the staging block even where the
	// chunks fill the output channels (s2Aliased).
	staged bool
	// row6: direct with at least s6MinChannels, and a span is a whole
	// row: chunks of 16 output channels compute whole rows with
	// kern.ConvS6 (s6Row); with row6x8 chunks of 64 too.
	row6, row6x8 bool
}

// sixes reports whether the plan's chunks of nb blocks compute whole rows
// with kern.ConvS6.
func (p *s2Plan) sixes(nb int) bool {
	return p.row6 && (nb == 2 || nb == 8 && p.row6x8)
}

// s2Chunk is output channels [m0, m0+8*nb) of a plan, whose weights
// start at w[off].
type s2Chunk struct{ m0, nb, off int }

// s2SpanBytes bounds the input a span of output pixels reads, and
// s2StageBytes a chunk's staging rows. Long spans read a chunk's weights
// once per span: paired against 16 and 8 KiB (1 worker), on the GPU
// machine's Xeon (48 KiB L1, 2 MiB L2) 32->48 at 80x80 14% faster,
// 24->48 at 136x240 13%, 32->64 at 96x160 13%, 48->64 at 68x120 8%,
// the others even; on this project's AMD VM (32 KiB L1) -2% to +6%.
const (
	s2SpanBytes  = 128 << 10
	s2StageBytes = 16 << 10
)

// s2BlockChannels is how many input channels a kernel call takes: 16
// channels' weights of a chunk of 24 output channels are 13.5 KiB.
// Against all channels per call (1 worker, this 2-core AMD EPYC VM, 3x3
// stride 2 pad 1, GFLOP/s, medians of 4 interleaved runs): 16->32 at
// 192x320 37.4 against 37.1, 24->48 at 136x240 51 against 47, 32->64 at
// 96x160 46 against 44, 48->64 at 68x120 50 against 43, 64->96 at 48x80
// 57 against 48, 96->112 at 24x40 65 against 51; blocks of 8 were no
// better than 16.
const s2BlockChannels = 16

// s2MinChannels is the fewest input channels per group for which the
// stride-2 kernel is chosen over the phase-split row bands when it must
// stage its output (see s2Whole). Measured per layer in one process (1
// worker, this 2-core AMD EPYC VM, 3x3 stride 2 pad 1, GFLOP/s, medians of
// 3): with a span's groups in one call and 16 channels per call it wins at
// 16 channels too (16->32 at 192x320: 36.8 against 33.5), and on every
// layer of 24 or more by 10-50% (24->48 at 136x240, 32->48 at 80x80,
// 48->64 at 40x40, 64->96 at 20x20, 96->112 at 24x40). Staged, the
// 3-channel first layers stayed on the row bands (3->24 at 272x480: 56
// against 47); writing directly they run on the kernel (3->24 at 272x480
// 0.70 against 0.99-1.05 ms, at 368x640 1.55-1.65 against 1.9-2.7; 3->16
// at 384x640 1.2 against 1.8-1.9, at 320x320 even).
const s2MinChannels = 16

// s2DirectChannels is the most input channels for which the kernel takes
// all of them in one call and writes the output itself (s2Whole). First
// measured up to 32 (their weights for a chunk of 24 output channels,
// 27 KiB, stay in L1) on this project's AMD VM, against
// the staged blocks of 16 (1 worker, ms, two interleaved runs): 24->32 at
// 184x320 3.96/4.21 against 4.18/4.61, 16->32 at 160x160 1.11/1.04
// against 1.20/1.15, 32->64 at 92x160 2.30/2.11 against 2.33/2.31;
// 64->112 at 46x80 staged stayed ahead (1.89/1.83 against 1.97/1.95).
// On the GPU machine's Xeon (AVX-512, 48 KiB L1), paired against the
// staged blocks of 16 (1 and 2 workers, 1 and 8 images), 48 and 64
// channels direct too: 64->96 at 20x20 12-25% faster, 64->96 at 34x60
// 7-14%, 48->64 at 68x120 3-15%, 48->64 at 40x40 6-9% (with chunks of
// 64, s2OctRow); on this project's AVX2 VM 1-16%. The DetectNet-style
// model 1-4.5% faster, the YOLO-style model 0-2%; the sample detectors'
// 64->112 at 46x80 and 64->96 at 48x80 (rows of 40) 3-5% (one pair
// 10% slower), the sample detectors themselves even.
const s2DirectChannels = 64

// s6MinChannels is the fewest input channels for which a direct plan's
// 16-channel chunks compute whole rows with kern.ConvS6 (s2Plan.row6).
// Against the 4-pixel groups (paired runs of one plan against the other,
// 1 worker, median time ratios): 16->32 at 48x48 (rows of 24) 7% faster,
// 32->64 at 12x12 (rows of 6, chunks of 16 instead of 24 and 24 and 16)
// 33%, at 20x20 (rows of 10) 13%; with 3 or 4 input channels (3->16,
// 3->32, 4->32 at 64x64 to 320x320) -7% to +9%, no better on the whole.
const s6MinChannels = 8

// s2Whole reports whether m output channels fill the kernel's chunks
// exactly (a lone block of 8 takes a chunk of 16), so that it can write
// every chunk's rows into the output.
func s2Whole(m int) bool { return m%8 == 0 && m > 8 }

// s2Fits reports whether the stride-2 kernel runs g: 3x3, stride 2, no
// dilation, one group, at most one padding column on either side, and
// rows of at least one call.
func s2Fits(g convGeom) bool {
	return kern.SIMD() && g.kh == 3 && g.kw == 3 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1 &&
		g.group == 1 && g.ow >= 4 && g.pl <= 1 && 2*g.ow-g.pl <= g.w
}

// s2Chosen reports whether a plan runs g with the stride-2 kernel.
func s2Chosen(g convGeom) bool {
	return s2Fits(g) && (g.cg >= s2MinChannels || g.cg <= s2DirectChannels && s2Whole(g.m))
}

// planS2 packs weights w (M x cg x 3 x 3) and bias b (M or nil) for the
// stride-2 kernel, in chunks of 32 output channels first with quads
// (where kern.Wide: its 512-bit kernel for them).
func (d *directConv) planS2(w, b []float32, quads bool) {
	g := d.g
	p := d.s2
	if p == nil {
		p = &s2Plan{}
		d.s2 = p
	}
	obs := (g.m + 7) / 8
	p.bias = grown(p.bias, max(obs, 2)*8)
	clear(p.bias)
	if b != nil {
		copy(p.bias, b[:g.m])
	}
	p.kb = min(g.cg, s2BlockChannels)
	p.direct = g.cg <= s2DirectChannels && s2Whole(g.m)
	stage := s2StageBytes / (4 * 24)
	if p.direct {
		p.kb, stage = g.cg, s2SpanBytes
	}
	p.span = max(4, min(s2SpanBytes/(4*3*2*p.kb), stage)&^3)
	p.row6 = p.direct && p.span >= g.ow && g.ow >= 6 && g.cg >= s6MinChannels
	p.staged = s2Aliased(g, kern.Wide())
	octRow := s2OctRow
	if p.direct && g.cg <= s2OctDirectChannels {
		octRow = s2OctDirectRow
	}
	octs := quads && g.ow <= octRow
	// Rows of 6 and 10 in 64-channel chunks: groups of 6 with 24 sums
	// (kern.ConvS6) where groups of 4 computed 8 and 12 pixels. On the
	// Xeon, paired against groups of 4: 32->64 at 12x12 22-37% faster,
	// 24->96 at 12x12 12-24%, 16->64 at 20x20 10-18%; the classifier
	// 2-9%.
	sixes := p.row6 && s6RowPixels(g.ow) < (g.ow+3)&^3 // groups of 6 compute fewer pixels than groups of 4
	p.row6x8 = octs && sixes
	p.planChunks(w, g, obs, sixes, quads, octs)
	maxNB := 0
	for _, ch := range p.chunks {
		maxNB = max(maxNB, ch.nb)
	}
	d.bufLen = max(d.bufLen, 8*maxNB*(p.span+4))
}

// s2OctRow and s2OctDirectRow are the longest output rows for which an
// AVX-512 plan cuts chunks of 64 output channels (kern.ConvS4's 8-block
// kernel, one group of 4 pixels at a time, 16 sums): staged, and with
// all input channels in one call. Rows of a few groups leave the
// 4-block kernel's triples one or two groups over, which it computes
// one at a time with 8 sums, too few for the multiply-adds' latency.
// On the GPU machine's Xeon, paired against the quads (1 and 2 workers,
// 1 and 8 images): 32->64 at 12x12 (rows of 6, direct) 22-29% faster,
// 128->128 at 16x16 9-19%, 64->96 at 20x20 5-13%, 48->64 at 40x40 -1%
// to +5%, 64->128 at 40x40 1-6%, 64->96 at 34x60 (rows of 17) and
// 96->64 at 30x30 even; direct at rows of 16 and 20 (24->64 at 32x32,
// 32->64 at 40x40) -8% to +7%; at rows of 60-120 (48->64 at 136x240,
// 64->96 at 92x160) -5% to +8%, and direct at rows of 100 (32->64, its
// 64 channels' weights 72 KiB, more than L1) 9-15% slower. The
// classifier at 8 images 3-8% faster, the YOLO-style model and
// DetectNet-style 0.5-3%. Direct plans of more than s2OctDirectChannels
// input channels take s2OctRow (48->64 at 40x40, rows of 20: 6-9%
// faster than chunks of 32).
const (
	s2OctRow            = 20
	s2OctDirectRow      = 12
	s2OctDirectChannels = 32
)

// planChunks cuts the output channels into chunks of 24 and 16 (3 and 2
// blocks of 8; a last 8 takes a chunk of 16 with its neighbour's, or
// zero weights when it is the only one) and packs their weights. With
// quads (AVX-512) it cuts chunks of 32 first, then the rest as 24 or 16
// (a 32 and a last 8 as 24 and 16, a 32 and a last 16 as 48):
// kern.ConvS4's 4-block kernel has two 512-bit sums a pixel, 24 multiply-adds of 16 lanes per 14 loads.
// With octs (and quads) it cuts chunks of 64 before those, unless 72
// channels would be left (then 32+24+16: s2OctRow).
// On the GPU machine's Xeon, paired against the chunks of 24 and 16 (1
// worker): 16->32 at 160x160 18% faster, 24->32 at 184x320 55%, 32->48
// at 80x80 6%, 24->48 at 136x240 9%, 48->64 at 68x120 9% (8 images
// 36%), 32->64 at 92x160 40%, 64->96 at 34x60 31%, 64->112 at 46x80
// 27%; the classifier's small layers 5-8%. Where quads leave 2 blocks
// over, the last quad and they make one chunk of 6 (kern.ConvS4's
// 48-channel kernel, pairs of groups: 24 sums, each input float read
// once for the 48): on the Xeon, paired against 32+16, 32->48 at 80x80
// 9-15% faster, 24->48 at 136x240 12-17%, 48->112 at 40x40 8-11%,
// 32->80 at 80x80 1-9%; the DetectNet-style model 2-8%. Output channels
// that chunks of 48 fill go in those (96: 48+48 instead of 32+32+32, the
// input read twice instead of three times): 64->96 at 34x60 6-12%,
// 32->96 at 80x80 3-7%, 64->96 at 48x80 6-10%; DetectNet-style 2%. With
// sixteens, an even number of blocks goes in chunks of 16 only: for
// whole rows with kern.ConvS6 that compute fewer pixels than groups of
// 4 would (rows of 6, 10, 18, 22: 32->48 layers 4-11% faster, 32->64 at
// rows of 6 20%); where they compute as many, chunks of 16 instead of 24
// made layers 6-13% slower (rows of 14, 16, 20).
func (p *s2Plan) planChunks(w []float32, g convGeom, obs int, sixteens, quads, octs bool) {
	nbs := []int{}
	left := obs
	for octs && left >= 8 && left != 9 {
		nbs = append(nbs, 8)
		left -= 8
	}
	switch {
	case quads && left >= 4:
		for ; left > 0 && left%6 == 0; left -= 6 {
			nbs = append(nbs, 6)
		}
		for ; left >= 4; left -= 4 {
			nbs = append(nbs, 4)
		}
		switch left {
		case 1:
			nbs[len(nbs)-1] = 3
			nbs = append(nbs, 2)
		case 2:
			nbs[len(nbs)-1] = 6
		case 3:
			nbs = append(nbs, 3)
		}
	case sixteens && left%2 == 0:
		for ; left > 0; left -= 2 {
			nbs = append(nbs, 2)
		}
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
	p.chunks, p.w = packChunks(p.chunks, p.w, w, g, nbs)
}

// packChunks cuts g's output channels into chunks of nbs[i] blocks of 8
// (appended to chunks[:0]) and packs weights w (M x cg x 3 x 3) for
// them into dst, reused: per chunk [cg][3][3][8*nb], zero past M. The
// layout kern.ConvS4 and kern.ConvD4 read.
func packChunks(chunks []s2Chunk, dst, w []float32, g convGeom, nbs []int) ([]s2Chunk, []float32) {
	chunks = chunks[:0]
	off, m0 := 0, 0
	for _, nb := range nbs {
		chunks = append(chunks, s2Chunk{m0: m0, nb: nb, off: off})
		off += g.cg * 72 * nb
		m0 += 8 * nb
	}
	dst = grown(dst, off)
	clear(dst)
	for _, ch := range chunks {
		no := 8 * ch.nb
		for m := ch.m0; m < min(ch.m0+no, g.m); m++ {
			for c := range g.cg {
				for t := range 9 {
					dst[ch.off+(c*9+t)*no+m-ch.m0] = w[(m*g.cg+c)*9+t]
				}
			}
		}
	}
	return chunks, dst
}

// rowBias sets output row oh of image n, which reads only padding, to
// bias (per output channel; with ReLU when the kernel would apply it).
func (t *directTask) rowBias(n, oh int, bias []float32) {
	d, g := t.d, t.d.g
	for m := range g.m {
		v := bias[m]
		if d.relu && t.res == nil {
			v = max(v, 0)
		}
		row := t.y[t.yAt(n, m, oh):][:g.ow]
		for i := range row {
			row[i] = v
		}
	}
}

// s2Band computes output rows [oh0, oh1) of image n with the stride-2
// kernel. Per row, span and chunk of output channels, the input channels
// come in blocks of p.kb whose weights stay in L1 while the kernel walks
// the span (the calls after a block's first accumulate). The blocks sum
// the chunk's span in stage, one row of 4+span floats per output
// channel: a call's 4 pixels at 4 + ow0-s0, and a row's last 4 pixels,
// when the row is not a multiple of 4 long, in the row's first 4 floats
// (that call overlaps the one before it, whose sums it must not add to).
// The last block writes the output rows from there when the chunks fill
// the output channels (with p.direct it is the only block); otherwise
// runs of the output rows are copied from stage.
func (t *directTask) s2Band(stage []float32, n, oh0, oh1 int) {
	d, g, p := t.d, t.d.g, t.d.s2
	ohw := t.yPlane()
	ls := p.span + 4
	var x unsafe.Pointer
	cstride, xr0 := 4*g.h*g.w, 0
	if t.xs > 0 { // one image's rows from xr0 on, planes xs floats apart
		x, cstride, xr0 = unsafe.Pointer(&t.x[0]), 4*t.xs, t.xr0
	} else {
		x = unsafe.Pointer(&t.x[n*g.c*g.h*g.w])
	}
	tl := kern.S4Tile{CStride: cstride, LDO: 4 * ls, PF: 8 * g.w}
	relu := d.relu && t.res == nil
	tail := g.ow &^ 3                      // the first pixel the row's overlapping last call adds
	outDirect := s2Whole(g.m) && !p.staged // the last block's calls write the output rows
	for oh := oh0; oh < oh1; oh++ {
		var rows, wrows [3]int // input rows and their filter rows
		nrows := 0
		for kh := range 3 {
			if ih := 2*oh - g.pt + kh; ih >= 0 && ih < g.h {
				rows[nrows], wrows[nrows] = 4*(ih-xr0)*g.w, kh
				nrows++
			}
		}
		if nrows == 0 {
			t.rowBias(n, oh, p.bias)
			continue
		}
		tl.NRows = nrows
		for s0 := 0; s0 < g.ow; s0 += p.span {
			s1 := min(s0+p.span, g.ow)
			e := min(s1, tail) // the end of the pixels at their place in stage
			for _, ch := range p.chunks {
				no := 8 * ch.nb
				tl.Bias = unsafe.Pointer(&p.bias[ch.m0])
				tl.NB, tl.WCStride = ch.nb, 4*72*ch.nb
				for r := range nrows {
					tl.WRows[r] = 4 * 3 * no * wrows[r]
				}
				// The span's whole groups go to whole and the row's
				// overlapping last group to last: in the staging block
				// (sWhole, sLast), or for the last block with outDirect in
				// the output rows (yWhole, yLast).
				sWhole, sLast := unsafe.Pointer(&stage[4]), unsafe.Pointer(&stage[0])
				y := unsafe.Pointer(&t.y[t.yAt(n, ch.m0, oh)])
				yWhole, yLast := unsafe.Add(y, 4*s0), unsafe.Add(y, 4*(g.ow-4))
				for c0 := 0; c0 < g.cg; c0 += p.kb {
					tl.NC = min(p.kb, g.cg-c0)
					tl.W = unsafe.Pointer(&p.w[ch.off+c0*72*ch.nb])
					tl.In = unsafe.Add(x, c0*cstride)
					flags := 0
					if c0 > 0 {
						flags = kern.Accumulate
					}
					lastBlock := c0+tl.NC == g.cg
					if relu && lastBlock {
						flags |= kern.Relu
					}
					// The last block reads the others' sums from the
					// staging block (with one block there are none).
					whole, last := sWhole, sLast
					tl.LDO, tl.Acc = 4*ls, nil
					if lastBlock && outDirect {
						whole, last, tl.LDO = yWhole, yLast, 4*ohw
						if c0 > 0 {
							tl.Acc, tl.AccLDO = sWhole, 4*ls
						}
					}
					if p.sixes(ch.nb) {
						t.s6Row(&tl, rows, flags, whole)
						continue
					}
					if e > s0 {
						six := ch.nb == 2 && nrows == 3 && flags&kern.Accumulate == 0
						t.s2Span(&tl, rows, flags, s0, e, whole, six)
					}
					if e < s1 {
						if tl.Acc != nil {
							tl.Acc = sLast
						}
						t.s2Call(&tl, rows, flags, g.ow-4, 1, last)
					}
				}
				if outDirect {
					continue
				}
				for m := ch.m0; m < min(ch.m0+no, g.m); m++ {
					y := t.y[t.yAt(n, m, oh):][:g.ow]
					st := stage[(m-ch.m0)*ls:][:ls]
					if p.sixes(ch.nb) { // s6Row: the whole row in place
						copy(y, st[4:])
						continue
					}
					copy(y[s0:e], st[4:])
					if s1 > e {
						copy(y[e:s1], st[4-(g.ow-e):])
					}
				}
			}
		}
	}
}

// s2Span runs the stride-2 kernel on output pixels [x0, x1) of a row (a
// multiple of 4) into out (pixel x0's place). With six (16 output
// channels, all 3 filter rows, no Accumulate) the groups that read no
// padding go 6 pixels at a time to kern.ConvS6, an even number of them so
// that whole groups of 4 are left on either side.
func (t *directTask) s2Span(tl *kern.S4Tile, rows [3]int, flags, x0, x1 int, out unsafe.Pointer, six bool) {
	g := t.d.g
	if six {
		a := x0
		if 2*a-g.pl < 0 { // the first group reads the left padding
			a += 4
		}
		// The last group's last float, 2(a+6n)-pl, inside the row.
		n := min((x1-a)/6, (g.w-1+g.pl-2*a)/12) &^ 1
		// Short rows or few channels: the extra calls cost more than the
		// 6-pixel groups save (16->32 at 24 pixels a row, 3->16).
		if n >= 4 && tl.NC >= 8 {
			if a > x0 {
				t.s2Call(tl, rows, flags, x0, (a-x0)/4, out)
			}
			t.s6Call(tl, rows, flags, a, n, unsafe.Add(out, 4*(a-x0)))
			if b := a + 6*n; b < x1 {
				t.s2Call(tl, rows, flags, b, (x1-b)/4, unsafe.Add(out, 4*(b-x0)))
			}
			return
		}
	}
	t.s2Call(tl, rows, flags, x0, (x1-x0)/4, out)
}

// s6Row computes a whole output row of a chunk of 16 channels with all
// input channels in one call (p.row6) into out: 6 pixels a group, the
// rest in groups of 4 at the row's end, the first overlapping the last
// group of 6 when the rest is not a multiple of 4 (it writes the same
// sums again).
func (t *directTask) s6Row(tl *kern.S4Tile, rows [3]int, flags int, out unsafe.Pointer) {
	ow := t.d.g.ow
	n := ow / 6
	t.s6Call(tl, rows, flags, 0, n, out)
	if rest := ow - 6*n; rest > 0 {
		ng := (rest + 3) / 4
		t.s2Call(tl, rows, flags, ow-4*ng, ng, unsafe.Add(out, 4*(ow-4*ng)))
	}
}

// s6RowPixels is how many pixels s6Row computes for a row of ow.
func s6RowPixels(ow int) int {
	n := ow / 6
	return 6*n + (ow-6*n+3)&^3
}

// s6Call runs kern.ConvS6 on n groups of 6 pixels of a row from output
// column ow0, writing at out.
func (t *directTask) s6Call(tl *kern.S4Tile, rows [3]int, flags, ow0, n int, out unsafe.Pointer) {
	g := t.d.g
	iw0 := 2*ow0 - g.pl
	s2Rows(tl, rows, iw0)
	if iw0 < 0 {
		flags |= kern.LeftPad
	}
	if iw0+12*n >= g.w {
		flags |= kern.RightPad
	}
	tl.Flags, tl.Out, tl.NG = flags, out, n
	if t.d.portable {
		kern.ConvS6Go(tl)
	} else {
		kern.ConvS6(tl)
	}
}

// s2Call runs the stride-2 kernel on ng groups of 4 pixels of a row from
// output column ow0, writing at out: tl holds the call's other operands,
// rows the byte offsets of the tl.NRows input rows it reads.
func (t *directTask) s2Call(tl *kern.S4Tile, rows [3]int, flags, ow0, ng int, out unsafe.Pointer) {
	d, g := t.d, t.d.g
	iw0 := 2*ow0 - g.pl
	s2Rows(tl, rows, iw0)
	tl.Flags = flags
	if iw0 < 0 {
		tl.Flags |= kern.LeftPad
	}
	if iw0+8*ng >= g.w {
		tl.Flags |= kern.RightPad
	}
	tl.Out, tl.NG = out, ng
	if d.portable {
		kern.ConvS4Go(tl)
	} else {
		kern.ConvS4(tl)
	}
}

// s2Rows points the tl.NRows input rows (byte offsets rows) of a call at
// input column iw0, the first its first group reads.
func s2Rows(tl *kern.S4Tile, rows [3]int, iw0 int) {
	for r := range tl.NRows {
		tl.Rows[r] = rows[r] + 4*iw0
	}
}

// s2Aliased reports whether a plan for g on a machine with AVX-512
// (wide) stages its output even where it could write it directly: a
// first layer (fewer than s2MinChannels input channels) whose output
// planes are a multiple of 4 KiB, so that the kernel's stores to its
// 16-32 output rows all share their address bits below 4 KiB. On the
// GPU machine's Xeon, paired: 3->16 at 320x320 (planes of 100 KiB) 57%
// faster staged, 3->16 at 384x640 36%, 3->32 at 320x320 70%, 3->16 at
// 128x128 46%; with 16 input channels (16->32 at 192x320) 5% slower,
// with planes 2 or 4 KiB apart (3->24 at 368x640, 3->16 at 96x96) 10%
// and 31% slower. On this project's AMD VM (no AVX-512) staging those
// first layers was 5-10% slower.
func s2Aliased(g convGeom, wide bool) bool {
	return wide && g.cg < s2MinChannels && 4*g.oh*g.ow%4096 == 0
}

// yPlane is the floats between the output planes t writes: the
// output's, or those of a fused plan's rows (directTask.ys).
func (t *directTask) yPlane() int {
	if t.ys > 0 {
		return t.ys
	}
	return t.d.g.oh * t.d.g.ow
}

// yAt is the offset in t.y of output row oh of channel m of image n:
// in the output, or in a fused plan's rows of one image (directTask.ys,
// yr0).
func (t *directTask) yAt(n, m, oh int) int {
	g := t.d.g
	if t.ys > 0 {
		return m*t.ys + (oh-t.yr0)*g.ow
	}
	return (n*g.m+m)*g.oh*g.ow + oh*g.ow
}
