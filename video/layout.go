package video

import "fmt"

// maxStride bounds a plane's stride so that offset arithmetic on frames
// up to 32768 rows cannot overflow.
const maxStride = 1 << 24

// rowBytes returns the bytes of pixel data in one row of plane i (the
// stride may be larger).
func (f *Frame) rowBytes(i int) int {
	cw := (f.Width + 1) / 2
	switch {
	case i == 0:
		return f.Width * f.Format.PixelStride()
	case f.Format == FormatNV12:
		return 2 * cw
	}
	return cw
}

// validate checks that the frame's format and size are valid and that
// every plane's rows lie inside Data, without overlapping another plane's,
// so that the loops can index without further checks failing and
// goroutines converting different planes never write the same bytes.
func (f *Frame) validate() error {
	if f.Format == FormatUnknown || int(f.Format) >= len(formatNames) {
		return fmt.Errorf("invalid format %v", f.Format)
	}
	if f.Width <= 0 || f.Height <= 0 || f.Width > 1<<15 || f.Height > 1<<15 {
		return fmt.Errorf("invalid %s size %dx%d", f.Format, f.Width, f.Height)
	}
	for i := 0; i < f.Format.NumPlanes(); i++ {
		rb, st, off := f.rowBytes(i), f.Stride[i], f.Offset[i]
		if st < rb || st > maxStride {
			return fmt.Errorf("%s %dx%d: plane %d stride %d, want %d to %d",
				f.Format, f.Width, f.Height, i, st, rb, maxStride)
		}
		if off < 0 || off > len(f.Data) {
			return fmt.Errorf("%s %dx%d: plane %d offset %d outside %d bytes of data",
				f.Format, f.Width, f.Height, i, off, len(f.Data))
		}
		if end := f.planeEnd(i); end > len(f.Data) {
			return fmt.Errorf("%s %dx%d: plane %d ends at byte %d, beyond %d bytes of data",
				f.Format, f.Width, f.Height, i, end, len(f.Data))
		}
		for j := 0; j < i; j++ {
			if off < f.planeEnd(j) && f.Offset[j] < f.planeEnd(i) {
				return fmt.Errorf("%s %dx%d: planes %d and %d overlap", f.Format, f.Width, f.Height, j, i)
			}
		}
	}
	return nil
}

// planeEnd returns the offset after the last pixel byte of plane i.
func (f *Frame) planeEnd(i int) int {
	return f.Offset[i] + f.Stride[i]*(f.PlaneHeight(i)-1) + f.rowBytes(i)
}

// row returns the pixel bytes of row r of plane i. The frame must be
// valid and r inside the plane.
func (f *Frame) row(i, r int) []byte {
	start := f.Offset[i] + r*f.Stride[i]
	return f.Data[start : start+f.rowBytes(i)]
}

// packedOrder gives the byte offsets of red, green, blue and alpha in a
// packed pixel (alpha -1 when absent or unused) and the pixel size.
type packedOrder struct {
	r, g, b, a int
	size       int
}

func orderOf(f Format) packedOrder {
	switch f {
	case FormatRGBA:
		return packedOrder{0, 1, 2, 3, 4}
	case FormatBGRA:
		return packedOrder{2, 1, 0, 3, 4}
	case FormatBGRx:
		return packedOrder{2, 1, 0, -1, 4}
	case FormatRGB:
		return packedOrder{0, 1, 2, -1, 3}
	case FormatBGR:
		return packedOrder{2, 1, 0, -1, 3}
	}
	return packedOrder{0, 0, 0, -1, 1}
}

// isPacked reports whether f is a packed RGB format with 3 or 4 bytes a
// pixel.
func isPacked(f Format) bool { return f >= FormatRGBA && f <= FormatBGR }

// storePixel writes an RGBA colour in a packed or GRAY8 format.
func storePixel(f Format, p []byte, r, g, b, a uint8) {
	if f == FormatGRAY8 {
		p[0] = rgbToGray(r, g, b)
		return
	}
	o := orderOf(f)
	p[o.r], p[o.g], p[o.b] = r, g, b
	if f == FormatBGRx {
		p[3] = 255
	} else if o.a >= 0 {
		p[o.a] = a
	}
}

// fillRect paints the pixels of r (clipped to the frame) with an RGBA
// colour; for YUV formats it paints every chroma sample r touches.
func fillRect(dst *Frame, r Rect, c [4]uint8) {
	x0, y0 := max(r.X, 0), max(r.Y, 0)
	x1, y1 := min(r.X+r.W, dst.Width), min(r.Y+r.H, dst.Height)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	if !dst.Format.IsYUV() {
		var px [4]byte
		storePixel(dst.Format, px[:], c[0], c[1], c[2], c[3])
		ps := dst.Format.PixelStride()
		fillRows(dst, 0, x0*ps, x1*ps, y0, y1, px[:ps])
		return
	}
	y, u, v := RGBToYUV(c[0], c[1], c[2])
	fillRows(dst, 0, x0, x1, y0, y1, []byte{y})
	cx0, cx1, cy0, cy1 := x0/2, (x1+1)/2, y0/2, (y1+1)/2
	if dst.Format == FormatNV12 {
		fillRows(dst, 1, 2*cx0, 2*cx1, cy0, cy1, []byte{u, v})
		return
	}
	fillRows(dst, 1, cx0, cx1, cy0, cy1, []byte{u})
	fillRows(dst, 2, cx0, cx1, cy0, cy1, []byte{v})
}

// fillRows repeats pattern over bytes [b0, b1) of rows [r0, r1) of
// plane i.
func fillRows(dst *Frame, i, b0, b1, r0, r1 int, pattern []byte) {
	for r := r0; r < r1; r++ {
		row := dst.row(i, r)[b0:b1]
		n := copy(row, pattern)
		for n < len(row) {
			n += copy(row[n:], row[:n])
		}
	}
}

// fillOutside paints everything of dst outside the rectangle in.
func fillOutside(dst *Frame, in Rect, c [4]uint8) {
	w, h := dst.Width, dst.Height
	fillRect(dst, Rect{0, 0, w, in.Y}, c)
	fillRect(dst, Rect{0, in.Y + in.H, w, h - in.Y - in.H}, c)
	fillRect(dst, Rect{0, in.Y, in.X, in.H}, c)
	fillRect(dst, Rect{in.X + in.W, in.Y, w - in.X - in.W, in.H}, c)
}
