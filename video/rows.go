package video

// The per-kind row loops of a plan: they pick the source rows of each
// output row and call a row kernel.

// vtap returns the source rows and weight of output row r of vertical
// taps t.
func vtap(t *taps, r int) (s0, s1 int, fy int32) {
	s0, fy = t.base+int(t.i0[r]), t.f[r]
	if fy == 0 {
		return s0, s0, 0
	}
	return s0, s0 + 1, fy
}

// chromaPlane returns the plane, byte offset and bytes per sample of
// chroma channel c (0 for U, 1 for V) of a YUV format.
func chromaPlane(f Format, c int) (plane, off, step int) {
	if f == FormatNV12 {
		return 1, c, 2
	}
	return 1 + c, 0, 1
}

// lumaRows converts luma rows [l0, l1) of ly, copying or scaling the Y
// plane of a YUV source.
// srcRow returns row r of plane i of the source from the first byte
// horizontal taps t read (plus off).
func (p *plan) srcRow(i, r int, t *taps, off int) []byte {
	return p.src.row(i, r)[t.base+off:]
}

func (p *plan) yuvLuma(w, l0, l1 int) {
	tmp := p.scratch16(w, p.lx.span)
	for r := l0; r < l1; r++ {
		s0, s1, fy := vtap(&p.ly, r)
		d := p.dst.row(0, p.ly.first+r)[p.lx.first:]
		row1(d, 1, p.srcRow(0, s0, &p.lx, 0), p.srcRow(0, s1, &p.lx, 0), fy, &p.lx, tmp)
	}
}

func (p *plan) yuvToYUV(w, l0, l1, c0, c1 int) {
	p.yuvLuma(w, l0, l1)
	dst, src := &p.dst, &p.src
	bothNV12 := dst.Format == FormatNV12 && src.Format == FormatNV12
	tmp := p.scratch16(w, p.cx.span)
	for r := c0; r < c1; r++ {
		s0, s1, fy := vtap(&p.cy, r)
		dr := p.cy.first + r
		if bothNV12 {
			row2(dst.row(1, dr)[2*p.cx.first:], p.srcRow(1, s0, &p.cx, 0), p.srcRow(1, s1, &p.cx, 0), fy, &p.cx, tmp)
			continue
		}
		for c := 0; c < 2; c++ {
			sp, so, _ := chromaPlane(src.Format, c)
			dp, do, ds := chromaPlane(dst.Format, c)
			d := dst.row(dp, dr)[p.cx.first*ds+do:]
			row1(d, ds, p.srcRow(sp, s0, &p.cx, so), p.srcRow(sp, s1, &p.cx, so), fy, &p.cx, tmp)
		}
	}
}

func (p *plan) yuvToPacked(w, l0, l1 int) {
	src := &p.src
	up, uo, _ := chromaPlane(src.Format, 0)
	vp, vo, _ := chromaPlane(src.Format, 1)
	var s yuvRows
	pw := wordOf(p.dOrd)
	tmp := p.scratch16(w, p.lx.span+p.cx.span)
	for r := l0; r < l1; r++ {
		y0, y1, fy := vtap(&p.ly, r)
		c0, c1, fc := vtap(&p.cy, r)
		s = yuvRows{
			y0: p.srcRow(0, y0, &p.lx, 0), y1: p.srcRow(0, y1, &p.lx, 0),
			u0: p.srcRow(up, c0, &p.cx, uo), u1: p.srcRow(up, c1, &p.cx, uo),
			v0: p.srcRow(vp, c0, &p.cx, vo), v1: p.srcRow(vp, c1, &p.cx, vo),
			fy: fy, fc: fc, nv12: src.Format == FormatNV12,
			ty: tmp[:p.lx.span], tc: tmp[p.lx.span:],
		}
		d := p.dst.row(0, p.ly.first+r)[p.lx.first*p.dOrd.size:]
		rowYUVToPacked(d, &pw, &s, &p.lx, &p.cx)
	}
}

func (p *plan) packedToYUV(l0, l1, c0, c1 int) {
	dst := &p.dst
	var s packedRows
	s.ord = p.sOrd
	for r := l0; r < l1; r++ {
		s0, s1, fy := vtap(&p.ly, r)
		s.r0, s.r1, s.fy = p.srcRow(0, s0, &p.lx, 0), p.srcRow(0, s1, &p.lx, 0), fy
		rowPackedToY(dst.row(0, p.ly.first+r)[p.lx.first:], &s, &p.lx)
	}
	up, uo, step := chromaPlane(dst.Format, 0)
	vp, vo, _ := chromaPlane(dst.Format, 1)
	for r := c0; r < c1; r++ {
		s0, s1, fy := vtap(&p.cy, r)
		s.r0, s.r1, s.fy = p.srcRow(0, s0, &p.cx, 0), p.srcRow(0, s1, &p.cx, 0), fy
		dr := p.cy.first + r
		du := dst.row(up, dr)[p.cx.first*step+uo:]
		dv := dst.row(vp, dr)[p.cx.first*step+vo:]
		rowPackedToUV(du, dv, step, &s, &p.cx)
	}
}

func (p *plan) packedToPacked(l0, l1 int) {
	dst := &p.dst
	var s packedRows
	s.ord = p.sOrd
	for r := l0; r < l1; r++ {
		s0, s1, fy := vtap(&p.ly, r)
		d := dst.row(0, p.ly.first+r)[p.lx.first*p.dOrd.size:]
		if p.kind == kindPacked4Same {
			row4(d, p.srcRow(0, s0, &p.lx, 0), p.srcRow(0, s1, &p.lx, 0), fy, &p.lx)
			continue
		}
		s.r0, s.r1, s.fy = p.srcRow(0, s0, &p.lx, 0), p.srcRow(0, s1, &p.lx, 0), fy
		rowPackedToPacked(d, p.dOrd, &s, &p.lx)
	}
}
