package video

// Dedicated loops for conversions that do not scale (bilinear, output and
// crop the same size), where every weight of the sampling model is a
// quarter: YUV to RGB upsamples chroma with weights 3/4 and 1/4 in each
// direction (libjpeg's "fancy upsampling"), RGB to YUV averages each 2x2
// block for chroma. They compute exactly what the general loops compute,
// with shifts and adds instead of taps.

// yuvToPackedSame converts luma rows [l0, l1) of an unscaled YUV to
// packed conversion; w picks the scratch rows.
func (p *plan) yuvToPackedSame(w, l0, l1 int) {
	src, dst, crop, out := &p.src, &p.dst, p.crop, p.out
	loX, hiX := crop.X>>1, (crop.X+crop.W-1)>>1
	loY, hiY := crop.Y>>1, (crop.Y+crop.H-1)>>1
	span := hiX - loX + 1
	tmp := p.scratch(w, 2*span)
	tu, tv := tmp[:span], tmp[span:]
	pw := wordOf(p.dOrd)
	for r := l0; r < l1; r++ {
		sy := crop.Y + r
		near, far := sy>>1, sy>>1-1
		if sy&1 == 1 {
			far = near + 1
		}
		far = min(max(far, loY), hiY)
		if src.Format == FormatNV12 {
			n, f := src.row(1, near)[2*loX:], src.row(1, far)[2*loX:]
			for j := range tu {
				tu[j] = 3*int32(n[2*j]) + int32(f[2*j])
				tv[j] = 3*int32(n[2*j+1]) + int32(f[2*j+1])
			}
		} else {
			nearThirds(tu, src.row(1, near)[loX:], src.row(1, far)[loX:])
			nearThirds(tv, src.row(2, near)[loX:], src.row(2, far)[loX:])
		}
		d := dst.row(0, out.Y+r)[out.X*pw.size:]
		rowFancy(d, &pw, src.row(0, sy)[crop.X:crop.X+crop.W], tu, tv, crop.X&1)
	}
}

// nearThirds sets t[j] to three times near[j] plus far[j].
func nearThirds(t []int32, near, far []byte) {
	near, far = near[:len(t)], far[:len(t)]
	for j := range t {
		t[j] = 3*int32(near[j]) + int32(far[j])
	}
}

// rowFancy writes len(y) pixels to d from luma y and the vertically
// blended chroma tu, tv (one sample a pixel pair; odd says whether y
// starts on the second pixel of a pair).
func rowFancy(d []byte, w *pixelWord, y []byte, tu, tv []int32, odd int) {
	last := len(tu) - 1
	x := 0
	if odd == 1 { // the second pixel of the first pair
		fancyPixel(d, w, 0, y[0], tu[0], tu[min(1, last)], tv[0], tv[min(1, last)])
		x = 1
	}
	for ; x < len(y); x += 2 {
		j := (x + odd) >> 1
		l, r := max(j-1, 0), min(j+1, last)
		fancyPixel(d, w, x, y[x], tu[j], tu[l], tv[j], tv[l])
		if x+1 < len(y) {
			fancyPixel(d, w, x+1, y[x+1], tu[j], tu[r], tv[j], tv[r])
		}
	}
}

// fancyPixel writes pixel x from luma y and chroma blended 3:1 from the
// sample u, v and its neighbour nu, nv.
func fancyPixel(d []byte, w *pixelWord, x int, y uint8, u, nu, v, nv int32) {
	storeWord(d, x, w.size, yuvWord(int32(y), (3*u+nu+8)>>4, (3*v+nv+8)>>4, w))
}

// packedToYUVSame converts chroma rows [c0, c1) (with their luma rows) of
// an unscaled packed to YUV conversion whose output starts on an even
// pixel and row.
func (p *plan) packedToYUVSame(c0, c1 int) {
	src, dst, crop, out := &p.src, &p.dst, p.crop, p.out
	up, uo, step := chromaPlane(dst.Format, 0)
	vp, vo, _ := chromaPlane(dst.Format, 1)
	ps := p.sOrd.size
	for cr := c0; cr < c1; cr++ {
		oy := p.cy.first + cr
		rr := 2*oy - out.Y // first luma row, relative to out
		two := rr+1 < out.H
		s0 := src.row(0, crop.Y+rr)[crop.X*ps : (crop.X+crop.W)*ps]
		s1, dy1 := s0, []byte(nil)
		if two {
			s1 = src.row(0, crop.Y+rr+1)[crop.X*ps : (crop.X+crop.W)*ps]
			dy1 = dst.row(0, out.Y+rr+1)[out.X : out.X+out.W]
		}
		dy0 := dst.row(0, out.Y+rr)[out.X : out.X+out.W]
		du := dst.row(up, oy)[(out.X>>1)*step+uo:]
		dv := dst.row(vp, oy)[(out.X>>1)*step+vo:]
		rowBlocks(dy0, dy1, du, dv, step, s0, s1, p.sOrd)
	}
}

// rowBlocks converts one row of 2x2 blocks: luma to dy0 and dy1 (nil for
// a last, single row) and block-averaged chroma to du and dv.
func rowBlocks(dy0, dy1, du, dv []byte, step int, s0, s1 []byte, o packedOrder) {
	ps, w := o.size, len(dy0)
	for x := 0; x < w; x += 2 {
		x1 := min(x+1, w-1)
		a, b := s0[x*ps:x*ps+ps], s0[x1*ps:x1*ps+ps]
		c, e := s1[x*ps:x*ps+ps], s1[x1*ps:x1*ps+ps]
		ra, ga, ba := int32(a[o.r]), int32(a[o.g]), int32(a[o.b])
		rb, gb, bb := int32(b[o.r]), int32(b[o.g]), int32(b[o.b])
		rc, gc, bc := int32(c[o.r]), int32(c[o.g]), int32(c[o.b])
		re, ge, be := int32(e[o.r]), int32(e[o.g]), int32(e[o.b])
		dy0[x] = uint8((66*ra+129*ga+25*ba+128)>>8 + 16)
		dy0[x1] = uint8((66*rb+129*gb+25*bb+128)>>8 + 16)
		if dy1 != nil {
			dy1[x] = uint8((66*rc+129*gc+25*bc+128)>>8 + 16)
			dy1[x1] = uint8((66*re+129*ge+25*be+128)>>8 + 16)
		}
		r := (ra + rb + rc + re + 2) >> 2
		g := (ga + gb + gc + ge + 2) >> 2
		b2 := (ba + bb + bc + be + 2) >> 2
		du[(x>>1)*step] = uint8((-38*r-74*g+112*b2+128)>>8 + 128)
		dv[(x>>1)*step] = uint8((112*r-94*g-18*b2+128)>>8 + 128)
	}
}

// scratch returns n int32s of goroutine w's scratch memory.
func (p *plan) scratch(w, n int) []int32 {
	p.tmp[w] = grow(p.tmp[w], n)
	return p.tmp[w]
}

// scratch16 returns n uint16s of goroutine w's scratch memory.
func (p *plan) scratch16(w, n int) []uint16 {
	if cap(p.tmp16[w]) < n {
		p.tmp16[w] = make([]uint16, n, n+n/4)
	}
	p.tmp16[w] = p.tmp16[w][:n]
	return p.tmp16[w]
}
