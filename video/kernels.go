package video

import "encoding/binary"

// The row kernels. Each writes one output row from two source rows (r0
// and r1, blended with weight fy/256 on r1; the same row when fy is 0)
// through horizontal taps. A blended sample reads two neighbouring source
// samples with one load, and is rounded once.

// lerp2 blends a 2x2 neighbourhood: a, b on the top row, c, e below.
func lerp2(a, b, c, e, fx, fy int32) int32 {
	top := a<<8 + (b-a)*fx
	bot := c<<8 + (e-c)*fx
	return (top<<8 + (bot-top)*fy + 1<<15) >> 16
}

// lerp1 blends a sample and the one below it.
func lerp1(a, c, fy int32) int32 { return (a<<8 + (c-a)*fy + 128) >> 8 }

// pair1 blends the samples at o and o+1 of rows r0 and r1.
func pair1(r0, r1 []byte, o, fx, fy int32) int32 {
	p, q := binary.LittleEndian.Uint16(r0[o:]), binary.LittleEndian.Uint16(r1[o:])
	return lerp2(int32(p&0xff), int32(p>>8), int32(q&0xff), int32(q>>8), fx, fy)
}

// row1 writes t.n samples of one channel to d, dStep bytes apart. Each
// loop is a function of its own, which keeps its variables in registers.
// Blending loops first blend the two rows into tmp (at least t.span long),
// then blend horizontally there: the same arithmetic as lerp2, in fewer
// operations.
func row1(d []byte, dStep int, r0, r1 []byte, fy int32, t *taps, tmp []uint16) {
	n := t.n
	i0, fx := t.i0[:n], t.f[:n]
	switch {
	case fy == 0 && t.identity && dStep == 1 && t.mul == 1:
		copy(d[:n], r0[:n])
	case fy == 0 && t.noBlend:
		gather1(d, dStep, r0, i0)
	case t.noBlend:
		vert1(d, dStep, r0, r1, i0, fy)
	default:
		tmp = tmp[:min(t.span, len(r0))]
		vblend(tmp, r0, r1, fy)
		if t.mul == 1 && dStep == 1 {
			hblend1(d[:n], tmp, i0, fx)
		} else {
			hblendStep(d, dStep, t.mul, tmp, i0, fx)
		}
	}
}

func gather1(d []byte, dStep int, r0 []byte, i0 []int32) {
	for k, o := range i0 {
		d[k*dStep] = r0[o]
	}
}

func vert1(d []byte, dStep int, r0, r1 []byte, i0 []int32, fy int32) {
	for k, o := range i0 {
		d[k*dStep] = uint8(lerp1(int32(r0[o]), int32(r1[o]), fy))
	}
}

// vblend blends rows r0 and r1 into t, keeping 8 fractional bits. It
// blends eight bytes at a time in 16-bit lanes: a*(256-fy) + c*fy is at
// most 255*256, so lanes never carry into each other.
func vblend(t []uint16, r0, r1 []byte, fy int32) {
	r0, r1 = r0[:len(t)], r1[:len(t)]
	w0, w1 := uint64(256-fy), uint64(fy)
	i := 0
	for ; i+8 <= len(t); i += 8 {
		a, c := binary.LittleEndian.Uint64(r0[i:]), binary.LittleEndian.Uint64(r1[i:])
		even := (a&laneMask)*w0 + (c&laneMask)*w1
		odd := (a>>8&laneMask)*w0 + (c>>8&laneMask)*w1
		q := t[i : i+8]
		q[0], q[1], q[2], q[3] = uint16(even), uint16(odd), uint16(even>>16), uint16(odd>>16)
		q[4], q[5], q[6], q[7] = uint16(even>>32), uint16(odd>>32), uint16(even>>48), uint16(odd>>48)
	}
	for ; i < len(t); i++ {
		a := int32(r0[i])
		t[i] = uint16(a<<8 + (int32(r1[i])-a)*fy)
	}
}

// hlerp blends two vertically blended samples and rounds.
func hlerp(a, b uint16, fx int32) uint8 {
	return uint8((int32(a)<<8 + (int32(b)-int32(a))*fx + 1<<15) >> 16)
}

// hblend1 is the horizontal pass of luma planes; len(d) == len(i0).
func hblend1(d []byte, t []uint16, i0, fx []int32) {
	i0, fx = i0[:len(d)], fx[:len(d)]
	for k, o := range i0 {
		d[k] = hlerp(t[o], t[o+1], fx[k])
	}
}

func hblendStep(d []byte, dStep, mul int, t []uint16, i0, fx []int32) {
	s := int32(mul)
	for k, o := range i0 {
		d[k*dStep] = hlerp(t[o], t[o+s], fx[k])
	}
}

// row2 writes t.n interleaved pairs (NV12 chroma) to d from interleaved
// pairs at the taps' offsets, blending like row1.
func row2(d []byte, r0, r1 []byte, fy int32, t *taps, tmp []uint16) {
	n := t.n
	i0, fx := t.i0[:n], t.f[:n]
	d = d[:2*n]
	switch {
	case fy == 0 && t.identity:
		copy(d, r0[:2*n])
	case fy == 0 && t.noBlend:
		for k, o := range i0 {
			binary.LittleEndian.PutUint16(d[2*k:], binary.LittleEndian.Uint16(r0[o:]))
		}
	case t.noBlend:
		for k, o := range i0 {
			p, q := r0[o:o+2], r1[o:o+2]
			d[2*k] = uint8(lerp1(int32(p[0]), int32(q[0]), fy))
			d[2*k+1] = uint8(lerp1(int32(p[1]), int32(q[1]), fy))
		}
	default:
		tmp = tmp[:min(t.span, len(r0))]
		vblend(tmp, r0, r1, fy)
		hblend2(d, tmp, i0, fx)
	}
}

// hblend2 is the horizontal pass of interleaved pairs.
func hblend2(d []byte, t []uint16, i0, fx []int32) {
	d = d[:2*len(i0)]
	fx = fx[:len(i0)]
	for k, o := range i0 {
		p := t[o : o+4]
		d[2*k] = hlerp(p[0], p[2], fx[k])
		d[2*k+1] = hlerp(p[1], p[3], fx[k])
	}
}

// Lanes of 16 bits holding the four bytes of a pixel, for blending all
// four channels with one multiplication.
const (
	laneMask  = 0x00ff00ff00ff00ff
	laneRound = 0x0080008000800080
)

func spread(p uint32) uint64 {
	v := uint64(p)
	v = (v | v<<16) & 0x0000ffff0000ffff
	return (v | v<<8) & laneMask
}

func unspread(v uint64) uint32 {
	v &= laneMask
	v = (v | v>>8) & 0x0000ffff0000ffff
	return uint32(v | v>>16)
}

// row4 writes t.n 4-byte pixels to d, blending every byte alike (RGBA or
// BGRA into the same format). It rounds after each direction, so a
// sample may differ by one from a single rounding.
func row4(d []byte, r0, r1 []byte, fy int32, t *taps) {
	n := t.n
	i0, fx := t.i0[:n], t.f[:n]
	d = d[:4*n]
	switch {
	case fy == 0 && t.identity:
		copy(d, r0[i0[0]:int(i0[0])+4*n])
	case fy == 0 && t.noBlend:
		for k, o := range i0 {
			binary.LittleEndian.PutUint32(d[4*k:], binary.LittleEndian.Uint32(r0[o:]))
		}
	case t.noBlend:
		for k, o := range i0 {
			p, q := r0[o:o+4], r1[o:o+4]
			for c := range 4 {
				d[4*k+c] = uint8(lerp1(int32(p[c]), int32(q[c]), fy))
			}
		}
	default:
		wy, wy1 := uint64(fy), uint64(256-fy)
		for k, f := range fx {
			o := i0[k]
			wx, wx1 := uint64(f), uint64(256-f)
			p, q := binary.LittleEndian.Uint64(r0[o:]), binary.LittleEndian.Uint64(r1[o:])
			a := spread(uint32(p))*wx1 + spread(uint32(p>>32))*wx
			b := spread(uint32(q))*wx1 + spread(uint32(q>>32))*wx
			a = (a + laneRound) >> 8 & laneMask
			b = (b + laneRound) >> 8 & laneMask
			binary.LittleEndian.PutUint32(d[4*k:], unspread((a*wy1+b*wy+laneRound)>>8))
		}
	}
}
