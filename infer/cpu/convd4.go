package cpu

import (
	"unsafe"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
)

// Dilated stride-1 3x3 convolutions that the Winograd mosaic does not
// take (a dilation of 8 on a 23x40 plane leaves phase images of 3x5)
// run, where kern.Wide, on kern.ConvD4: output channels in the vector
// lanes (chunks of 64 and 48), 4 consecutive output pixels a group, each
// tap's input float broadcast from the row. The row bands' micro-kernel
// keeps 16 pixels in the lanes instead: its vectors mixed pixels whose
// dilated taps read the padding with ones that do not, and a row of 40
// took 3 vectors (the sample detector's 112->112 layers at dilation 8
// ran at 0.65-0.80 of onnxruntime's speed on the GPU machine's Xeon).
// Paired against those row bands there: 4-23% faster (1 and 2 workers,
// 1 and 8 images), the sample detector 0-3%; at dilations 2 and 4 the
// mosaic stays 7-22% faster than this.
// A work item is a band of output rows of an image: the input rows it
// reads are copied once, zero-padded left and right, into the worker's
// buffer; per output row and chunk the input channels go in blocks of
// kb (their weights stay in L1), summed in an L1 block of the row and
// copied out.

// d4Plan is the dilated layout of a directConv.
type d4Plan struct {
	w      []float32 // per chunk [cg][3][3][8*nb]
	bias   []float32 // the bias, per output channel
	chunks []s2Chunk
	kb     int // input channels per kernel call
	wp     int // floats per staged input row
	ow4    int // pixels a row computes: ow rounded up to a group
	rows   int // the most input rows a band reads
	stOff  int // the row block's offset in a worker's buffer
}

// d4Blocks is how many input channels a ConvD4 call takes: 16
// channels' weights of a 64-channel chunk are 36 KiB. On the Xeon,
// paired on the 112->112 layer at dilation 8: 8, 12, 32 and all 112 a
// call 1-13% slower.
const d4Blocks = 16

// d4Fits reports whether the dilated kernel runs g: 3x3, stride 1, equal
// dilations over 1, one group, output channels that chunks of 64 and 48
// fill, and no mosaic plan (dilFits).
func d4Fits(g convGeom) bool {
	return kern.Wide() && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh > 1 && g.dh == g.dw &&
		g.group == 1 && g.ow >= 4 && d4Chunks(g.m) != nil && !dilFits(g)
}

// d4Chunks cuts m output channels into blocks of 8 per chunk: 8s (64
// channels) and 6s (48), most 8s first; nil when they cannot fill m.
func d4Chunks(m int) []int {
	if m%16 != 0 {
		return nil
	}
	for a := m / 64; a >= 0; a-- {
		if r := m - 64*a; r%48 == 0 {
			nbs := make([]int, 0, a+r/48)
			for range a {
				nbs = append(nbs, 8)
			}
			for range r / 48 {
				nbs = append(nbs, 6)
			}
			return nbs
		}
	}
	return nil
}

// planD4 packs weights w (M x cg x 3 x 3) and bias b (M or nil) for
// kern.ConvD4 and sets d's bands: as many per image as the workers need.
func (d *directConv) planD4(w, b []float32, workers int) {
	g := d.g
	p := d.d4
	if p == nil {
		p = &d4Plan{}
		d.d4 = p
	}
	p.bias = grown(p.bias, g.m)
	clear(p.bias)
	if b != nil {
		copy(p.bias, b[:g.m])
	}
	p.chunks, p.w = packChunks(p.chunks, p.w, w, g, d4Chunks(g.m))
	p.kb = min(g.cg, d4Blocks)
	p.ow4 = (g.ow + 3) &^ 3
	p.wp = p.ow4 + 2*g.dw
	d.bands = min(g.oh, max(1, (workers+g.n-1)/g.n))
	d.band = (g.oh + d.bands - 1) / d.bands
	d.bands = (g.oh + d.band - 1) / d.band
	p.rows = min(g.h, d.band+2*g.dh)
	p.stOff = g.cg * p.rows * p.wp
	d.bufLen = max(d.bufLen, p.stOff+64*p.ow4)
}

// d4Band computes output rows [oh0, oh1) of image n with kern.ConvD4.
func (t *directTask) d4Band(buf []float32, n, oh0, oh1 int) {
	d, g, p := t.d, t.d.g, t.d.d4
	r0 := max(0, oh0-g.pt)
	r1 := min(g.h, oh1-1-g.pt+2*g.dh+1)
	nr := r1 - r0
	in := buf[:g.cg*nr*p.wp]
	for c := range g.c {
		src := t.x[(n*g.c+c)*g.h*g.w:][:g.h*g.w]
		for r := r0; r < r1; r++ {
			row := in[(c*nr+r-r0)*p.wp:][:p.wp]
			cols := min(g.w, p.wp-g.pl)
			clear(row[:g.pl])
			copy(row[g.pl:g.pl+cols], src[r*g.w:])
			clear(row[g.pl+cols:])
		}
	}
	stage := buf[p.stOff:]
	ohw := g.oh * g.ow
	for oh := oh0; oh < oh1; oh++ {
		var tl kern.S4Tile
		var kh [3]int
		for k := range 3 {
			if iy := oh - g.pt + k*g.dh; iy >= 0 && iy < g.h {
				tl.Rows[tl.NRows] = 4 * (iy - r0) * p.wp
				kh[tl.NRows] = k
				tl.NRows++
			}
		}
		if tl.NRows == 0 { // the row reads only padding: the bias
			t.rowBias(n, oh, p.bias)
			continue
		}
		for _, ch := range p.chunks {
			no := 8 * ch.nb
			for r := range tl.NRows {
				tl.WRows[r] = 4 * kh[r] * 3 * no
			}
			tl.CStride, tl.LDO, tl.NB, tl.WCStride, tl.NG = 4*nr*p.wp, 4*p.ow4, ch.nb, 4*9*no, p.ow4/4
			tl.Out, tl.Bias, tl.TapStride = unsafe.Pointer(&stage[0]), unsafe.Pointer(&p.bias[ch.m0]), 4*g.dw
			for c0 := 0; c0 < g.cg; c0 += p.kb {
				tl.W = unsafe.Pointer(&p.w[ch.off+c0*9*no])
				tl.In = unsafe.Pointer(&in[c0*nr*p.wp])
				tl.NC = min(p.kb, g.cg-c0)
				tl.Flags = 0
				if c0 > 0 {
					tl.Flags = kern.Accumulate
				}
				if c0+p.kb >= g.cg && d.relu && t.res == nil {
					tl.Flags |= kern.Relu
				}
				kern.ConvD4(&tl)
			}
			for o := range no {
				copy(t.y[(n*g.m+ch.m0+o)*ohw+oh*g.ow:][:g.ow], stage[o*p.ow4:])
			}
		}
	}
}
