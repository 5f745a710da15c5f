package video

import "math"

// The reference path converts one output sample at a time in floating
// point, straight from the sampling model Convert documents. It serves
// the format pairs without a dedicated loop and is what the tests hold
// the dedicated loops to.

// refAxis maps output samples of one dimension onto the source: the
// output region starts at outOrigin and is outLen luma samples long, the
// source region likewise.
type refAxis struct {
	outOrigin, outLen, srcOrigin, srcLen int
	nearest                              bool
}

// refTap is where a sample is read: indices i0 and i1 blended with
// weight f on i1.
type refTap struct {
	i0, i1 int
	f      float64
}

// tap returns where to read a source plane subsampled by srcSub for the
// output sample whose centre, in output luma units, is c2/2.
func (a refAxis) tap(c2, srcSub int) refTap {
	lo := floorDiv(a.srcOrigin, srcSub)
	hi := floorDiv(a.srcOrigin+a.srcLen-1, srcSub)
	num := float64(2*a.srcOrigin*a.outLen + (c2-2*a.outOrigin)*a.srcLen)
	den := float64(2 * srcSub * a.outLen)
	if a.nearest {
		i := min(max(int(math.Floor(num/den)), lo), hi)
		return refTap{i, i, 0}
	}
	pos := num/den - 0.5
	switch {
	case pos <= float64(lo):
		return refTap{lo, lo, 0}
	case pos >= float64(hi):
		return refTap{hi, hi, 0}
	}
	i0 := int(math.Floor(pos))
	return refTap{i0, i0 + 1, pos - float64(i0)}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// refSample reads byte ch of the samples of plane pl (bytes per sample
// step) at the taps and blends them bilinearly.
func refSample(f *Frame, pl, step, ch int, tx, ty refTap) float64 {
	at := func(x, y int) float64 { return float64(f.row(pl, y)[x*step+ch]) }
	top := at(tx.i0, ty.i0)*(1-tx.f) + at(tx.i1, ty.i0)*tx.f
	bot := at(tx.i0, ty.i1)*(1-tx.f) + at(tx.i1, ty.i1)*tx.f
	return top*(1-ty.f) + bot*ty.f
}

func round8(v float64) uint8 { return uint8(min(max(math.Floor(v+0.5), 0), 255)) }

// refYUV reads the source's YUV at the output sample centred at
// (cx2/2, cy2/2); chroma only when luma is false.
func refYUV(src *Frame, ax, ay refAxis, cx2, cy2 int, luma bool) (y, u, v uint8) {
	if src.Format.IsYUV() {
		if luma {
			y = round8(refSample(src, 0, 1, 0, ax.tap(cx2, 1), ay.tap(cy2, 1)))
		}
		tx, ty := ax.tap(cx2, 2), ay.tap(cy2, 2)
		if src.Format == FormatNV12 {
			u, v = round8(refSample(src, 1, 2, 0, tx, ty)), round8(refSample(src, 1, 2, 1, tx, ty))
		} else {
			u, v = round8(refSample(src, 1, 1, 0, tx, ty)), round8(refSample(src, 2, 1, 0, tx, ty))
		}
		return y, u, v
	}
	r, g, b, _ := refRGBA(src, ax, ay, cx2, cy2)
	return RGBToYUV(r, g, b)
}

// refRGBA reads the source's RGBA at the output sample centred at
// (cx2/2, cy2/2).
func refRGBA(src *Frame, ax, ay refAxis, cx2, cy2 int) (r, g, b, a uint8) {
	switch {
	case src.Format.IsYUV():
		y, u, v := refYUV(src, ax, ay, cx2, cy2, true)
		r, g, b = YUVToRGB(y, u, v)
		return r, g, b, 255
	case src.Format == FormatGRAY8:
		l := round8(refSample(src, 0, 1, 0, ax.tap(cx2, 1), ay.tap(cy2, 1)))
		return l, l, l, 255
	}
	o := orderOf(src.Format)
	tx, ty := ax.tap(cx2, 1), ay.tap(cy2, 1)
	r = round8(refSample(src, 0, o.size, o.r, tx, ty))
	g = round8(refSample(src, 0, o.size, o.g, tx, ty))
	b = round8(refSample(src, 0, o.size, o.b, tx, ty))
	a = 255
	if o.a >= 0 {
		a = round8(refSample(src, 0, o.size, o.a, tx, ty))
	}
	return r, g, b, a
}

// convertReference converts the crop of src into the out rectangle of dst
// one sample at a time.
func convertReference(dst, src *Frame, crop, out Rect, interp Interp) {
	nearest := interp == InterpNearest
	ax := refAxis{out.X, out.W, crop.X, crop.W, nearest}
	ay := refAxis{out.Y, out.H, crop.Y, crop.H, nearest}
	if !dst.Format.IsYUV() {
		ps := dst.Format.PixelStride()
		for y := out.Y; y < out.Y+out.H; y++ {
			row := dst.row(0, y)
			for x := out.X; x < out.X+out.W; x++ {
				r, g, b, a := refRGBA(src, ax, ay, 2*x+1, 2*y+1)
				storePixel(dst.Format, row[x*ps:], r, g, b, a)
			}
		}
		return
	}
	for y := out.Y; y < out.Y+out.H; y++ {
		row := dst.row(0, y)
		for x := out.X; x < out.X+out.W; x++ {
			row[x], _, _ = refYUV(src, ax, ay, 2*x+1, 2*y+1, true)
		}
	}
	for cy := out.Y / 2; cy <= (out.Y+out.H-1)/2; cy++ {
		for cx := out.X / 2; cx <= (out.X+out.W-1)/2; cx++ {
			_, u, v := refYUV(src, ax, ay, 4*cx+2, 4*cy+2, false)
			if dst.Format == FormatNV12 {
				row := dst.row(1, cy)
				row[2*cx], row[2*cx+1] = u, v
			} else {
				dst.row(1, cy)[cx], dst.row(2, cy)[cx] = u, v
			}
		}
	}
}
