package cpu

import (
	"unsafe"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
)

// Winograd F(2x2, 3x3) and F(4x4, 3x3) for stride-1 3x3 convolutions:
// each e x e block of output pixels (a tile; e is 2 or 4) is computed
// from its (e+2) x (e+2) input patch with (e+2)^2 products per channel
// pair instead of 9e^2 (16 for 36, 36 for 144). The output's tiles,
// numbered row by row and image after image, are cut into chunks of tc,
// a work item each (a chunk may end in the next image). For a chunk a
// worker transforms the input patches of all channels into V
// [nv][cg][tp] (kern.WinoIn, kern.Wino4In, from zero-padded copies of
// the input rows), multiplies each of the nv planes by the transformed
// weights with the direct micro-kernel as a 1x1 convolution into M
// [nv][4*obs][tp], and transforms M back into output rows (kern.WinoOut,
// kern.Wino4Out), which it copies out and finishes (residual,
// activation). The bias is added to the value every output of a tile
// sums with weight 1 (winoPlan.biasValue). F(4x4, 3x3) needs 1.78 times
// fewer products per output and moves 2.25 floats of V and M an output
// instead of 4, for transforms about as costly per output; it runs where
// its chunks (a quarter as many tiles) keep the workers busy (winoF4).
// Layers with too few chunks for the workers run F(2x2, 3x3) and split
// each chunk's values instead (winoPlan.parts; their chunks are per
// image).

// winoBytes bounds a chunk's V and M, which should stay in L2, unless
// that leaves fewer than winoMinTiles tiles per chunk: each product
// reads all of a plane's weights per three vectors of tiles, so a chunk
// needs tiles enough for the weights' trip from L3 (measured on
// 32x32, 64x64 and 112x112 layers: 48 tiles beat 24 by up to 19%, and
// 256 KiB beat 128 and 512 KiB on the 32-channel one).
const (
	winoBytes    = 256 << 10
	winoMinTiles = 48
)

// winoSplitBytes bounds the shared M of a plan that splits its chunks'
// values between the workers (winoPlan.parts). With fewer chunks than
// twice the workers (a small layer at batch 1), a worker per chunk left
// workers idle or unevenly loaded: YOLO-style's 160->64 layer at 20x20
// (100 tiles: chunks of 32, 32, 32 and 4) took as long on 2 workers as
// on 1. Split, each worker transforms and multiplies its values for
// every tile of the chunk and all workers then transform M back, a
// range of output channels each. On the GPU machine's Xeon, paired
// against a chunk per worker: that layer 36% faster on 2 workers (360
// to 264 us), 96->96 at 17x30 45%; on 4 workers 7% and 20%. Whole
// models at batch 1: YOLO-style on 2 workers 4-7%, DetectNet-style 9%,
// the sample detector on 4 workers 8%; at batch 8 none is split.
const winoSplitBytes = 4 << 20

// winoPlan is the Winograd layout of a directConv.
type winoPlan struct {
	// e is the tile's edge: 2 for F(2x2, 3x3), 4 for F(4x4, 3x3)
	// (winoF4); nv = (e+2)^2 values a tile.
	e, nv  int
	u      []float32 // [nv][obs][cg][4]: G g G^T per output and input channel
	zero   []float32 // obs*4 zeros: the bias of the values other than biasValue's
	th, tw int       // tile rows and columns
	tc     int       // tiles per chunk, a multiple of 8
	chunks int       // chunks of the batch's tiles (split plans: of an image's)
	tp     int       // floats per (value, channel) row of V and M: tc + 8
	wp     int       // floats per padded input row
	prows  int       // padded input rows: a row of tiles reads e+2
	sw     int       // floats per output staging row (e of them)
	// parts, when not 0, splits each chunk's 16 values (F(2x2, 3x3)
	// only) into parts (2 or 4) by rows of B^T for the workers: a part's
	// input transform and products go into the chunk's M shared by the
	// workers (mLen floats a chunk), and the output transform is a
	// second parallel pass over (image, chunk, output channel). See
	// winoSplitBytes.
	parts int
	mLen  int
	// Offsets of V, M, the padded rows and the staging rows in a
	// worker's buffer.
	mOff, pOff, sOff int
}

// winoFits reports whether g is a convolution the Winograd path runs:
// 3x3, stride and dilation 1, one group, enough channels for the
// transforms to pay.
func winoFits(g convGeom) bool {
	return kern.SIMD() && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 &&
		g.group == 1 && g.cg >= 16 && g.mg >= 16 && g.oh >= 2 && g.ow >= 2
}

// planWino lays out d (already planned for the direct kernel, whose bias
// it reuses) for the Winograd path with weights w (M x cg x 3 x 3).
func (d *directConv) planWino(w []float32, workers int) {
	g := d.g
	p := d.wino
	if p == nil {
		p = &winoPlan{}
		d.wino = p
	}
	*p = winoPlan{u: p.u[:0], zero: p.zero[:0]}
	mp := d.obs * 4
	p.e = 2
	if winoF4(g, mp, workers) {
		p.e = 4
	}
	p.nv = (p.e + 2) * (p.e + 2)
	p.u = grown(p.u, p.nv*mp*g.cg)
	clear(p.u)
	for m := range g.mg {
		for c := range g.cg {
			f := w[(m*g.cg+c)*9:][:9]
			var u []float32
			if p.e == 4 {
				u4 := kern.Wino4Weights(f)
				u = u4[:]
			} else {
				u2 := kern.WinoWeights(f)
				u = u2[:]
			}
			for xi, v := range u {
				p.u[((xi*d.obs+m/4)*g.cg+c)*4+m%4] = v
			}
		}
	}
	p.zero = grown(p.zero, mp)
	clear(p.zero)
	p.th, p.tw = winoTileGrid(g, p.e)
	tiles := p.th * p.tw
	tc := winoChunkTiles(g, mp, p.nv)
	chunks := (tiles + tc - 1) / tc
	if p.e == 2 && workers > 1 && g.n*chunks < 2*workers {
		// Too few chunks to go round: split each chunk's values.
		parts := 4
		if workers == 2 {
			parts = 2
		}
		sc := (workers + g.n*parts - 1) / (g.n * parts)
		tc := ((tiles+sc-1)/sc + 7) &^ 7
		sc = (tiles + tc - 1) / tc
		if 4*g.n*sc*16*mp*(tc+8) <= winoSplitBytes {
			p.parts, chunks = parts, sc
		}
	}
	switch {
	case p.parts > 0:
		p.tc = ((tiles+chunks-1)/chunks + 7) &^ 7
		p.chunks = (tiles + p.tc - 1) / p.tc
	case p.e == 4:
		step := 24 // tiles a products call computes
		if kern.Wide() {
			step = 48
		}
		p.tc, p.chunks = winoBalance(g.n*tiles, tc, workers, step)
	default:
		// The chunks run over the batch's tiles, image after image (a
		// chunk may end in the next image): per image, 100 tiles went
		// in chunks of 48, 48 and 4, and the products of a chunk's last
		// vectors cost a whole call of three. Few chunks are made a
		// multiple of the workers.
		total := g.n * tiles
		chunks = (total + tc - 1) / tc
		for {
			p.tc = ((total+chunks-1)/chunks + 7) &^ 7
			p.chunks = (total + p.tc - 1) / p.tc
			if p.chunks%workers == 0 || p.chunks >= 4*workers || chunks >= (total+7)/8 {
				break
			}
			chunks++
		}
	}
	p.tp = p.tc + 8
	p.wp = p.e*p.tw + 8*p.e                           // the transforms read up to 8e floats past a row's tiles
	p.prows = p.e*min(p.th, (p.tc+p.tw-1)/p.tw+1) + 2 // a chunk's rows of tiles read e rows each and 2 more
	p.sw = 8 * p.e * ((p.tw + 7) / 8)
	p.mLen = p.nv * mp * p.tp
	p.mOff = p.nv * g.cg * p.tp
	p.pOff = p.mOff + p.mLen
	if p.parts > 0 {
		// A part's values of V; M is shared (directTask.m).
		p.mOff = 16 / p.parts * g.cg * p.tp
		p.pOff = p.mOff
	}
	p.sOff = p.pOff + p.prows*p.wp
	d.bufLen = max(d.bufLen, p.sOff+p.e*p.sw)
}

// winoBalance cuts total tiles into chunks for workers: of the chunk
// sizes (multiples of 8) from twice tc down to a few tiles, the one whose
// rounds of chunks on the workers cost least, a chunk costing its tiles
// rounded up to a products call's step plus winoChunkCost. F(4x4, 3x3)
// has a quarter of F(2x2, 3x3)'s tiles: the rule F(2x2, 3x3) keeps
// (raise the chunk count until it is a multiple of the workers) cut
// 160->64 at 20x20 at batch 8 on 2 workers (200 tiles) into 25 chunks of
// 8, 29% slower than F(2x2, 3x3) on the Xeon; here 5 of 40.
func winoBalance(total, tc, workers, step int) (size, chunks int) {
	best := 0
	for c := max(1, (total+2*tc-1)/(2*tc)); c <= max(2*workers, 2*((total+tc-1)/tc)); c++ {
		t := ((total+c-1)/c + 7) &^ 7
		n := (total + t - 1) / t
		cost := (n + workers - 1) / workers * ((t+step-1)/step*step + winoChunkCost)
		if best == 0 || cost < best {
			best, size, chunks = cost, t, n
		}
	}
	return size, chunks
}

// winoChunkCost is a chunk's fixed cost in tiles' worth of products (its
// padding rows, the weights' trip through the cache) for winoBalance.
const winoChunkCost = 8

// winoTileGrid returns the rows and columns of e x e tiles that cover
// g's output.
func winoTileGrid(g convGeom, e int) (th, tw int) {
	return (g.oh + e - 1) / e, (g.ow + e - 1) / e
}

// winoChunkTiles is how many tiles of nv values a chunk takes: its V and
// M within winoBytes, at least winoMinTiles.
func winoChunkTiles(g convGeom, mp, nv int) int {
	return max(winoMinTiles, (winoBytes/(4*nv*(g.cg+mp))-8)/24*24)
}

// winoF4 reports whether a plan of g (mp output channels, rounded up to
// blocks of 4) on workers runs F(4x4, 3x3) rather than F(2x2, 3x3): on
// one worker, or where its chunks are at least two per worker. Paired on
// the Xeon (F(4x4, 3x3) against F(2x2, 3x3)): 112->48 at 40x40 11-32%
// faster at batch 8 and on one worker, 160->64 at 20x20 2-27%, 96->96 at
// 17x30 14-44%, the sample detector's dilated mosaics 7-39%; but at
// batch 1 on 2 workers, with one or two chunks (25 to 100 tiles), 17-36%
// slower than F(2x2, 3x3)'s chunks or split values. The chunks are
// counted with the 512-bit products' step (48 tiles) on every machine,
// as measured there (planWino cuts them with the machine's own step).
func winoF4(g convGeom, mp, workers int) bool {
	th, tw := winoTileGrid(g, 4)
	_, chunks := winoBalance(g.n*th*tw, winoChunkTiles(g, mp, 36), workers, 48)
	return workers == 1 || chunks >= 2*workers
}

// winoChunk computes chunk ch of the batch: tiles [ch*tc, ch*tc+tc) of
// the images' tiles one after another.
func (t *directTask) winoChunk(buf []float32, ch int) {
	p, g := t.d.wino, t.d.g
	tiles := p.th * p.tw
	c0 := ch * p.tc
	c1 := min(c0+p.tc, g.n*tiles)
	v, m := buf[:p.mOff], buf[p.mOff:p.pOff]
	for n := c0 / tiles; n*tiles < c1; n++ {
		t0, t1, off := piece(n*tiles, tiles, c0, c1)
		t.winoInput(v, buf[p.pOff:p.sOff], n, t0, t1, off, 0, p.e+2)
	}
	t.winoProducts(v, m, c1-c0, 0, p.nv)
	for n := c0 / tiles; n*tiles < c1; n++ {
		t0, t1, off := piece(n*tiles, tiles, c0, c1)
		t.winoOutput(m, buf[p.sOff:p.sOff+p.e*p.sw], n, t0, t1, off, 0, g.m)
	}
}

// piece returns the part of batch tiles [c0, c1) in the image whose
// tiles start at first: its tiles [t0, t1) and the offset of t0 in the
// chunk's rows of V and M.
func piece(first, tiles, c0, c1 int) (t0, t1, off int) {
	t0, t1 = max(c0-first, 0), min(c1-first, tiles)
	return t0, t1, first + t0 - c0
}

// winoPart computes part k of chunk ch of image n (split plans): the
// values of its rows of B^T, input transform and products, into the
// chunk's M (shared by the workers).
func (t *directTask) winoPart(buf []float32, n, ch, k int) {
	p := t.d.wino
	t0, t1 := p.chunkTiles(ch)
	r0, r1 := k*4/p.parts, (k+1)*4/p.parts
	v := buf[:p.mOff]
	t.winoInput(v, buf[p.pOff:p.sOff], n, t0, t1, 0, r0, r1)
	t.winoProducts(v, t.m[(n*p.chunks+ch)*p.mLen:][:p.mLen], t1-t0, 4*r0, 4*r1)
}

// chunkTiles returns the tiles [t0, t1) of chunk ch.
func (p *winoPlan) chunkTiles(ch int) (t0, t1 int) {
	t0 = ch * p.tc
	return t0, min(t0+p.tc, p.th*p.tw)
}

// biasValue is the value whose products carry the bias: the one every
// output of a tile sums with weight 1 (row and column 1 of A^T's ones).
func (p *winoPlan) biasValue() int {
	if p.e == 4 {
		return kern.Wino4BiasValue
	}
	return 5
}

// winoProducts computes values [xi0, xi1) of M (m, all nv values' planes)
// for a chunk of tiles: per value a 1x1 convolution of its plane of V (v,
// whose first plane is value xi0's) with the transformed weights.
func (t *directTask) winoProducts(v, m []float32, tiles, xi0, xi1 int) {
	d, g, p := t.d, t.d.g, t.d.wino
	vs, ms := g.cg*p.tp, d.obs*4*p.tp
	// Vectors of 8 tiles, or of 16 for the 512-bit kernel: a chunk's tc
	// (a multiple of 8) rounded up to 16 still fits the tp = tc+8 floats
	// of a row of V and M.
	px := 8
	if kern.Wide() && !d.portable {
		px = 16
	}
	nv := (tiles + px - 1) / px
	tl := kern.Tile{WStride: g.cg * 16, Taps: unsafe.Pointer(&d.taps[0]), NTaps: 1, NC: g.cg,
		CStride: 4 * p.tp, NOB: d.obs, LastRows: 4}
	for xi := xi0; xi < xi1; xi++ {
		tl.W = unsafe.Pointer(&p.u[xi*d.obs*g.cg*4])
		tl.Bias = unsafe.Pointer(&p.zero[0])
		if xi == p.biasValue() {
			tl.Bias = unsafe.Pointer(&d.bias[0])
		}
		for k := 0; k < nv; k += 3 {
			for j := range 3 {
				vec := min(k+j, nv-1) // a missing vector repeats the last
				tl.In[j] = unsafe.Pointer(&v[(xi-xi0)*vs+px*vec])
				tl.Out[j] = unsafe.Pointer(&m[xi*ms+px*vec])
				tl.LDO[j] = 4 * p.tp
			}
			switch {
			case d.portable:
				kern.Conv4x24Go(&tl)
			case px == 16:
				kern.Conv4x48(&tl)
			default:
				kern.Conv4x24(&tl)
			}
		}
	}
}

// winoOutput transforms M (m, tile t0 at off) of tiles [t0, t1) of
// image n back into output channels [oc0, oc1) and finishes them
// (residual, activation); st is e staging rows of p.sw floats.
func (t *directTask) winoOutput(m, st []float32, n, t0, t1, off, oc0, oc1 int) {
	d, g, p := t.d, t.d.g, t.d.wino
	ms := d.obs * 4 * p.tp
	i0, i1 := t0/p.tw, (t1-1)/p.tw
	// A residual goes into the direct output transform's sums (with the
	// ReLU after it) when the activation is none or ReLU: the epilogue is
	// then left only the columns that go through st.
	fused := t.res != nil && (d.act.Kind == ActNone || d.relu)
	relu := d.relu && t.res == nil                  // through st: before the epilogue's residual
	reluDirect := d.relu && (t.res == nil || fused) // straight to the output
	// The output (and residual) rows the chunk writes, per channel: the
	// next channel's are prefetched (3-6% faster layers at batch 8).
	e := p.e
	q0, q1 := e*i0*g.ow, min(g.oh, e*i1+e)*g.ow
	for oc := oc0; oc < oc1; oc++ {
		base := (n*g.m + oc) * g.oh * g.ow
		if oc+1 < g.m {
			next := base + g.oh*g.ow
			kern.Prefetch(unsafe.Pointer(&t.y[next+q0]), 4*(q1-q0), 1, 0)
			if t.res != nil {
				kern.Prefetch(unsafe.Pointer(&t.res[next+q0]), 4*(q1-q0), 1, 0)
			}
		}
		for i := i0; i <= i1; i++ {
			ja, jb := max(0, t0-i*p.tw), min(p.tw, t1-i*p.tw)
			src := unsafe.Pointer(&m[oc*p.tp+off+i*p.tw+ja-t0])
			c0, c1 := e*ja, min(e*jb, g.ow)
			// Whole groups of 8 tiles with all their output rows inside
			// the output go straight to it; the rest through st.
			direct := 0
			if e*i+e-1 < g.oh {
				direct = min((jb-ja)/8, (g.ow/e-ja)/8)
			}
			if direct > 0 {
				var res unsafe.Pointer
				if fused {
					res = unsafe.Pointer(&t.res[base+e*i*g.ow+c0])
				}
				t.winoOut(unsafe.Pointer(&t.y[base+e*i*g.ow+c0]), 4*g.ow, src, 4*ms, direct, res, reluDirect)
			}
			c := c0 + 8*e*direct
			if c < c1 {
				t.winoOut(unsafe.Pointer(&st[0]), 4*p.sw, unsafe.Add(src, 4*8*direct), 4*ms, (jb-ja-8*direct+7)/8, nil, relu)
				for r := 0; r < e && e*i+r < g.oh; r++ {
					off := base + (e*i+r)*g.ow
					copy(t.y[off+c:off+c1], st[r*p.sw:])
				}
			}
			if !t.epilog || !fused {
				continue
			}
			for r := 0; r < e && e*i+r < g.oh && c < c1; r++ {
				off := base + (e*i+r)*g.ow
				t.finish(off+c, off+c1)
			}
		}
		if t.epilog && !fused {
			t.winoFinish(base, i0, i1, t0, t1)
		}
		if t.pool != nil { // the chunk's tiles of the channel are final
			for i := i0; i <= i1; i++ {
				ja, jb := max(0, t0-i*p.tw), min(p.tw, t1-i*p.tw)
				t.poolRect(n, oc, e*i, min(g.oh, e*i+e), e*ja, min(e*jb, g.ow))
			}
		}
	}
}

// winoFinish applies the residual and activation to the outputs of tiles
// [t0, t1) (tile rows i0 to i1) in the output plane at base: a partial
// tile row's two output rows apart, consecutive whole tile rows in one
// run. Per tile row and output row, as before, SiLU took 4.3 ns a float
// on rows of 20 (0.34 in runs of thousands): its calls cost more than
// their floats. On the Xeon, paired, layers with SiLU at 20x20 and 12x20
// 12-17% faster this way, larger ones even.
func (t *directTask) winoFinish(base, i0, i1, t0, t1 int) {
	g, p := t.d.g, t.d.wino
	e := p.e
	for i := i0; i <= i1; {
		ja, jb := max(0, t0-i*p.tw), min(p.tw, t1-i*p.tw)
		if ja == 0 && jb == p.tw {
			k := i // the last of the whole tile rows from i
			for k < i1 && t1 >= (k+2)*p.tw {
				k++
			}
			t.finish(base+e*i*g.ow, base+min(g.oh, e*k+e)*g.ow)
			i = k + 1
			continue
		}
		for r := 0; r < e && e*i+r < g.oh; r++ {
			off := base + (e*i+r)*g.ow
			t.finish(off+e*ja, off+min(e*jb, g.ow))
		}
		i++
	}
}

// finish adds the residual to outputs [a, b) of the flat output and
// applies the activation.
func (t *directTask) finish(a, b int) {
	var rs []float32
	if t.res != nil {
		rs = t.res[a:b]
	}
	t.d.act.applyAfter(t.y[a:b], rs)
}

// winoOut runs the output transform, vector or portable (res, when not
// nil, added to the outputs; see kern.WinoOut).
func (t *directTask) winoOut(y unsafe.Pointer, ys int, m unsafe.Pointer, ms, n8 int, res unsafe.Pointer, relu bool) {
	switch f4 := t.d.wino.e == 4; {
	case f4 && t.d.portable:
		kern.Wino4OutGo(y, ys, m, ms, n8, res, relu)
	case f4:
		kern.Wino4Out(y, ys, m, ms, n8, res, relu)
	case t.d.portable:
		kern.WinoOutGo(y, ys, m, ms, n8, res, relu)
	default:
		kern.WinoOut(y, ys, m, ms, n8, res, relu)
	}
}

// winoInput transforms the input patches of tiles [t0, t1) of image n,
// all channels, into v (tile t0 at off): the values of rows [v0, v1) of
// B^T, value (e+2)*v0 in v's first plane (all nv values when v0 is 0 and
// v1 e+2; F(4x4, 3x3) always takes all). Per channel the input rows the
// chunk's rows of tiles read are copied once into rows (p.prows rows of
// p.wp floats, input column x at x+pl, input row e*i0-pt first; their
// padding zeroed once for all channels, winoRowsClear), with the columns
// any of the chunk's rows of tiles reads: a row of tiles reads e+2 rows
// and shares 2 with the next, which used to copy them again.
func (t *directTask) winoInput(v, rows []float32, n, t0, t1, off, v0, v1 int) {
	d, g, p := t.d, t.d.g, t.d.wino
	e := p.e
	i0, i1 := t0/p.tw, (t1-1)/p.tw
	vs := g.cg * p.tp
	// The input rows the chunk reads, per channel: the next channel's
	// are prefetched while this one's are copied (at batch 8 the input
	// comes from L3 or memory; 5-18% faster layers).
	r0, r1 := max(0, e*i0-g.pt), min(g.h, e*i1+e+2-g.pt)
	// tiles returns row of tiles i's first tile column in the chunk and
	// its groups of 8 tiles: it reads buffer columns [e*ja, e*ja+8*e*n8+2).
	tiles := func(i int) (ja, n8 int) {
		ja = max(0, t0-i*p.tw)
		return ja, (min(p.tw, t1-i*p.tw) - ja + 7) / 8
	}
	// The buffer columns the chunk's rows of tiles read: from the first
	// one's first tile, or with more than one row of tiles from 0.
	a, b := 0, 0
	for i := i0; i <= i1; i++ {
		ja, n8 := tiles(i)
		b = max(b, e*ja+8*e*n8+2)
		if i == i0 && i1 == i0 {
			a = e * ja
		}
	}
	nrows := e*(i1-i0) + e + 2
	t.winoRowsClear(rows[:nrows*p.wp], e*i0-g.pt, a, b)
	for c := range g.c {
		src := t.x[(n*g.c+c)*g.h*g.w:][:g.h*g.w]
		if c+1 < g.c {
			kern.Prefetch(unsafe.Add(unsafe.Pointer(&src[0]), 4*(g.h*g.w+r0*g.w)), 4*(r1-r0)*g.w, 1, 0)
		}
		// All of the chunk's input rows in one call: one call per row of
		// tiles, copying its two new rows, was 2-10% slower on the Xeon
		// (paired, layers of 12x20 to 96x160), 0-7% on the VM.
		t.winoRows(rows[:nrows*p.wp], src, e*i0-g.pt, a, b)
		for i := i0; i <= i1; i++ {
			ja, n8 := tiles(i)
			pr := unsafe.Pointer(&rows[e*(i-i0)*p.wp+e*ja])
			dst := unsafe.Pointer(&v[c*p.tp+off+i*p.tw+ja-t0])
			switch {
			case e == 4 && d.portable:
				kern.Wino4InGo(dst, 4*vs, pr, 4*p.wp, n8)
			case e == 4:
				kern.Wino4In(dst, 4*vs, pr, 4*p.wp, n8)
			case v1-v0 < 4: // F(2x2, 3x3) split by rows of B^T
				for r := v0; r < v1; r++ {
					dr := unsafe.Add(dst, 4*4*(r-v0)*vs)
					if d.portable {
						kern.WinoInRowGo(dr, 4*vs, pr, 4*p.wp, n8, r)
					} else {
						kern.WinoInRow(dr, 4*vs, pr, 4*p.wp, n8, r)
					}
				}
			case d.portable:
				kern.WinoInGo(dst, 4*vs, pr, 4*p.wp, n8)
			default:
				kern.WinoIn(dst, 4*vs, pr, 4*p.wp, n8)
			}
		}
	}
}

// winoRowsClear zeroes what winoRows leaves for every channel of a chunk:
// columns [a, b) of the buffer rows dst (of p.wp floats each) that hold
// input rows y, y+1, ... outside the input, and the padding columns of
// the others. Done once per chunk (the rows are the same for all
// channels): zeroing them per channel and row took about half of the
// input transform's time on the VM (three calls a row, rows of 20-40
// floats). Paired on the Xeon: 160->64 at 20x20 6-11% faster, 112->48
// at 40x40 4-9%, 96->96 at 17x30 5-10%; YOLO-style 0-5%.
func (t *directTask) winoRowsClear(dst []float32, y, a, b int) {
	g, wp := t.d.g, t.d.wino.wp
	lo, hi := validRange(b-a, g.w, 1, a-g.pl) // the columns inside, from a
	for k := range len(dst) / wp {
		row := dst[k*wp+a : k*wp+b]
		if yk := y + k; yk >= 0 && yk < g.h && lo < hi {
			clear(row[:lo])
			clear(row[hi:])
		} else {
			clear(row)
		}
	}
}

// winoRows copies columns [a, b) of input rows y, y+1, ... of plane src
// that lie inside the input into the buffer rows dst (of p.wp floats
// each): input column x at x+pl. The rest of those columns is zero
// (winoRowsClear).
func (t *directTask) winoRows(dst, src []float32, y, a, b int) {
	g, wp := t.d.g, t.d.wino.wp
	lo, hi := validRange(b-a, g.w, 1, a-g.pl) // the columns inside, from a
	if lo >= hi {
		return
	}
	for k := max(0, -y); k < len(dst)/wp && y+k < g.h; k++ {
		copy(dst[k*wp+a+lo:k*wp+a+hi], src[(y+k)*g.w+a-g.pl+lo:])
	}
}
