package video

import "encoding/binary"

// Row kernels between YUV and packed RGB, and between packed formats.

// packedRows are the source rows of a packed-format row kernel.
type packedRows struct {
	r0, r1 []byte
	fy     int32
	ord    packedOrder
}

// rgbAt reads red, green and blue for a tap at offset o with weight f.
func (s *packedRows) rgbAt(o, f int32) (r, g, b int32) {
	or, og, ob := s.ord.r, s.ord.g, s.ord.b
	if f == 0 {
		p := s.r0[o : o+3]
		r, g, b = int32(p[or]), int32(p[og]), int32(p[ob])
		if s.fy == 0 {
			return r, g, b
		}
		q := s.r1[o : o+3]
		return lerp1(r, int32(q[or]), s.fy), lerp1(g, int32(q[og]), s.fy), lerp1(b, int32(q[ob]), s.fy)
	}
	ps := s.ord.size
	p := s.r0[o : int(o)+2*ps]
	q := s.r1[o : int(o)+2*ps]
	r = lerp2(int32(p[or]), int32(p[or+ps]), int32(q[or]), int32(q[or+ps]), f, s.fy)
	g = lerp2(int32(p[og]), int32(p[og+ps]), int32(q[og]), int32(q[og+ps]), f, s.fy)
	b = lerp2(int32(p[ob]), int32(p[ob+ps]), int32(q[ob]), int32(q[ob+ps]), f, s.fy)
	return r, g, b
}

// alphaAt reads alpha like rgbAt, or returns 255 for formats without it.
func (s *packedRows) alphaAt(o, f int32) int32 {
	oa, ps := s.ord.a, s.ord.size
	switch {
	case oa < 0:
		return 255
	case f == 0:
		return lerp1(int32(s.r0[int(o)+oa]), int32(s.r1[int(o)+oa]), s.fy)
	}
	p := s.r0[o : int(o)+2*ps]
	q := s.r1[o : int(o)+2*ps]
	return lerp2(int32(p[oa]), int32(p[oa+ps]), int32(q[oa]), int32(q[oa+ps]), f, s.fy)
}

// shifts returns where red, green, blue and alpha go in a little-endian
// word holding a packed pixel of order o.
func (o packedOrder) shifts() (r, g, b, a uint) {
	a = 24
	if o.a >= 0 {
		a = uint(8 * o.a)
	}
	return uint(8 * o.r), uint(8 * o.g), uint(8 * o.b), a
}

// storeRow writes pixel k of a row of 3- or 4-byte pixels given as a
// little-endian word.
func storeWord(d []byte, k, size int, w uint32) {
	if size == 4 {
		binary.LittleEndian.PutUint32(d[4*k:], w)
		return
	}
	p := d[3*k : 3*k+3]
	p[0], p[1], p[2] = byte(w), byte(w>>8), byte(w>>16)
}

// rowPackedToPacked writes t.n pixels of format order do to d.
func rowPackedToPacked(d []byte, do packedOrder, s *packedRows, t *taps) {
	sr, sg, sb, sa := do.shifts()
	hasAlpha := do.size == 4
	for k, o := range t.i0[:t.n] {
		f := t.f[k]
		r, g, b := s.rgbAt(o, f)
		w := uint32(r)<<sr | uint32(g)<<sg | uint32(b)<<sb
		if hasAlpha {
			a := int32(255)
			if do.a >= 0 {
				a = s.alphaAt(o, f)
			}
			w |= uint32(a) << sa
		}
		storeWord(d, k, do.size, w)
	}
}

// rowPackedToY writes t.n luma samples to d.
func rowPackedToY(d []byte, s *packedRows, t *taps) {
	d = d[:t.n]
	for k, o := range t.i0[:t.n] {
		r, g, b := s.rgbAt(o, t.f[k])
		d[k] = uint8((66*r+129*g+25*b+128)>>8 + 16)
	}
}

// rowPackedToUV writes t.n chroma samples, U to du and V to dv, each
// step bytes apart.
func rowPackedToUV(du, dv []byte, step int, s *packedRows, t *taps) {
	for k, o := range t.i0[:t.n] {
		r, g, b := s.rgbAt(o, t.f[k])
		du[k*step] = uint8((-38*r-74*g+112*b+128)>>8 + 128)
		dv[k*step] = uint8((112*r-94*g-18*b+128)>>8 + 128)
	}
}
