package video

import (
	"math/rand/v2"
	"testing"
)

// allFormats lists every format Convert handles.
var allFormats = []Format{FormatNV12, FormatI420, FormatRGBA, FormatBGRA, FormatBGRx, FormatRGB, FormatBGR, FormatGRAY8}

// newInfo returns the info of a w x h frame of format f whose rows are
// padded by pad bytes and whose planes start pad bytes apart, to catch
// loops that assume the default layout.
func newInfo(t testing.TB, f Format, w, h, pad int) Info {
	t.Helper()
	in, err := NewInfo(f, w, h)
	if err != nil {
		t.Fatalf("NewInfo(%v, %d, %d): %v", f, w, h, err)
	}
	if pad == 0 {
		return in
	}
	off := pad
	for i := 0; i < f.NumPlanes(); i++ {
		in.Stride[i] += pad
		in.Offset[i] = off
		off += in.Stride[i]*in.PlaneHeight(i) + pad
	}
	in.Size = off
	return in
}

// noiseFrame returns a frame of smooth gradients plus noise, with the
// padding bytes set to a marker so that stray reads show in the output.
func noiseFrame(t testing.TB, f Format, w, h, pad int, rng *rand.Rand) *Frame {
	t.Helper()
	fr := NewFrame(newInfo(t, f, w, h, pad))
	for i := range fr.Data {
		fr.Data[i] = 0xEE
	}
	for i := 0; i < f.NumPlanes(); i++ {
		for y := 0; y < fr.PlaneHeight(i); y++ {
			row := fr.row(i, y)
			for x := range row {
				v := (x*7+y*5+i*60)%200 + rng.IntN(56)
				row[x] = uint8(v)
			}
		}
	}
	return fr
}

// referenceConvert is Convert with the reference path only.
func referenceConvert(dst, src *Frame, opt ConvertOptions) {
	crop := opt.Crop
	if crop == (Rect{}) {
		crop = Rect{0, 0, src.Width, src.Height}
	}
	out := Rect{0, 0, dst.Width, dst.Height}
	if opt.KeepAspect {
		out = fitRect(crop.W, crop.H, dst.Width, dst.Height, opt.Symmetric)
		fillOutside(dst, out, opt.PadColor)
	}
	convertReference(dst, src, crop, out, opt.Interp)
}

// maxDiff returns the largest difference between corresponding bytes of
// the planes' pixel rows of a and b, and where it is.
func maxDiff(a, b *Frame) (d, plane, x, y int) {
	for i := 0; i < a.Format.NumPlanes(); i++ {
		for r := 0; r < a.PlaneHeight(i); r++ {
			ra, rb := a.row(i, r), b.row(i, r)
			for c := range ra {
				v := int(ra[c]) - int(rb[c])
				if v < 0 {
					v = -v
				}
				if v > d {
					d, plane, x, y = v, i, c, r
				}
			}
		}
	}
	return
}

// testWorkers lends goroutines to the tests of parallel conversion; the
// test binary ends with them.
var testWorkers = NewWorkers(4)
