package video

import "encoding/binary"

// Row kernels from YUV to packed RGB.

// pixelWord says where red, green and blue go in a little-endian word
// holding a packed pixel, and the alpha bits to set.
type pixelWord struct {
	sr, sg, sb uint
	alpha      uint32
	size       int
}

func wordOf(o packedOrder) pixelWord {
	sr, sg, sb, sa := o.shifts()
	w := pixelWord{sr: sr, sg: sg, sb: sb, size: o.size}
	if o.size == 4 {
		w.alpha = 255 << sa
	}
	return w
}

// yuvWord converts BT.601 limited-range YUV to a packed pixel, as
// YUVToRGB does.
func yuvWord(y, u, v int32, w *pixelWord) uint32 {
	c, d, e := 298*(y-16)+128, u-128, v-128
	r := uint32(clamp8((c + 409*e) >> 8))
	g := uint32(clamp8((c - 100*d - 208*e) >> 8))
	b := uint32(clamp8((c + 516*d) >> 8))
	return r<<w.sr | g<<w.sg | b<<w.sb | w.alpha
}

// yuvRows are the source rows of a YUV-to-packed row kernel. For NV12,
// u and v are the same interleaved rows and nv12 is set.
type yuvRows struct {
	y0, y1, u0, u1, v0, v1 []byte
	fy, fc                 int32
	nv12                   bool
	ty, tc                 []uint16 // scratch for vertically blended rows
}

// chromaAt reads U and V for a chroma tap at offset o with weight f.
func (s *yuvRows) chromaAt(o, f int32) (u, v int32) {
	switch {
	case f == 0 && s.fc == 0:
		return int32(s.u0[o]), int32(s.v0[o])
	case f == 0:
		return lerp1(int32(s.u0[o]), int32(s.u1[o]), s.fc), lerp1(int32(s.v0[o]), int32(s.v1[o]), s.fc)
	case s.nv12:
		return pair2(s.u0, s.u1, o, f, s.fc)
	}
	return pair1(s.u0, s.u1, o, f, s.fc), pair1(s.v0, s.v1, o, f, s.fc)
}

// pair2 blends the interleaved pairs at o and o+2 of rows r0 and r1.
func pair2(r0, r1 []byte, o, fx, fy int32) (u, v int32) {
	p, q := binary.LittleEndian.Uint32(r0[o:]), binary.LittleEndian.Uint32(r1[o:])
	u = lerp2(int32(p&0xff), int32(p>>16&0xff), int32(q&0xff), int32(q>>16&0xff), fx, fy)
	v = lerp2(int32(p>>8&0xff), int32(p>>24), int32(q>>8&0xff), int32(q>>24), fx, fy)
	return u, v
}

// rowYUVToPacked writes lx.n pixels to d, reading luma through lx and
// chroma through cx.
func rowYUVToPacked(d []byte, w *pixelWord, s *yuvRows, lx, cx *taps) {
	if s.nv12 {
		rowNV12(d, w, s, lx, cx)
		return
	}
	n := lx.n
	li, lf := lx.i0[:n], lx.f[:n]
	ci, cf := cx.i0[:n], cx.f[:n]
	lumaGather := lx.noBlend && s.fy == 0
	for k := range lf {
		var y int32
		switch {
		case lumaGather:
			y = int32(s.y0[li[k]])
		case lf[k] == 0:
			y = lerp1(int32(s.y0[li[k]]), int32(s.y1[li[k]]), s.fy)
		default:
			y = pair1(s.y0, s.y1, li[k], lf[k], s.fy)
		}
		u, v := s.chromaAt(ci[k], cf[k])
		storeWord(d, k, w.size, yuvWord(y, u, v, w))
	}
}

// rowNV12 is rowYUVToPacked for NV12, the scaling case of inference
// preprocessing: the luma and chroma rows are blended vertically first,
// as row1 does, and the rest is written out in full because the compiler
// inlines none of the helpers.
func rowNV12(d []byte, w *pixelWord, s *yuvRows, lx, cx *taps) {
	n := lx.n
	li, lf := lx.i0[:n], lx.f[:n]
	ci, cf := cx.i0[:n], cx.f[:n]
	ty, tc := s.ty[:min(lx.span, len(s.y0))], s.tc[:min(cx.span, len(s.u0))]
	vblend(ty, s.y0, s.y1, s.fy)
	vblend(tc, s.u0, s.u1, s.fc)
	lb, cb := !lx.noBlend, !cx.noBlend
	sr, sg, sb, alpha, size := w.sr, w.sg, w.sb, w.alpha, w.size
	for k, o := range li {
		var y, u, v int32
		if lb {
			y = int32(hlerp(ty[o], ty[o+1], lf[k]))
		} else {
			y = (int32(ty[o]) + 128) >> 8
		}
		if c := ci[k]; cb {
			q := tc[c : c+4]
			u, v = int32(hlerp(q[0], q[2], cf[k])), int32(hlerp(q[1], q[3], cf[k]))
		} else {
			q := tc[c : c+2]
			u, v = (int32(q[0])+128)>>8, (int32(q[1])+128)>>8
		}
		l, du, dv := 298*(y-16)+128, u-128, v-128
		r := uint32(min(max((l+409*dv)>>8, 0), 255))
		g := uint32(min(max((l-100*du-208*dv)>>8, 0), 255))
		b := uint32(min(max((l+516*du)>>8, 0), 255))
		storeWord(d, k, size, r<<sr|g<<sg|b<<sb|alpha)
	}
}
