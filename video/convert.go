package video

import (
	"fmt"
)

// Rect is a pixel rectangle: left, top, width, height.
type Rect struct{ X, Y, W, H int }

// Interp is a scaling filter.
type Interp uint8

const (
	// InterpBilinear blends the four nearest source pixels.
	InterpBilinear Interp = iota
	// InterpNearest takes the nearest source pixel.
	InterpNearest
)

// ConvertOptions control Convert.
type ConvertOptions struct {
	// Crop selects the source region; zero means the whole frame.
	Crop Rect
	// Interp is the scaling filter.
	Interp Interp
	// KeepAspect scales the source into the destination without distortion
	// and fills the rest with PadColor (streammux's enable-padding,
	// nvinfer's maintain-aspect-ratio).
	KeepAspect bool
	// Symmetric centres the scaled image; otherwise it sits top-left.
	Symmetric bool
	// PadColor is the RGBA fill of padding (converted for YUV outputs).
	PadColor [4]uint8
}

// Convert scales and converts src into dst (any of the formats, any sizes)
// without allocating. dst's Info decides the output format and size.
func Convert(dst, src *Frame, opt ConvertOptions) error {
	crop := opt.Crop
	if crop.W == 0 || crop.H == 0 {
		crop = Rect{0, 0, src.Width, src.Height}
	}
	if crop.X < 0 || crop.Y < 0 || crop.X+crop.W > src.Width || crop.Y+crop.H > src.Height {
		return fmt.Errorf("convert: crop %+v outside the %dx%d source", crop, src.Width, src.Height)
	}
	if len(src.Data) < src.Size || len(dst.Data) < dst.Size {
		return fmt.Errorf("convert: frame data smaller than its layout")
	}
	out := Rect{0, 0, dst.Width, dst.Height}
	if opt.KeepAspect {
		out = fitRect(crop.W, crop.H, dst.Width, dst.Height, opt.Symmetric)
		if out != (Rect{0, 0, dst.Width, dst.Height}) {
			Fill(dst, opt.PadColor)
		}
	}
	if out.W <= 0 || out.H <= 0 {
		return nil
	}
	return convertScaled(dst, src, crop, out, opt.Interp)
}

// fitRect returns where a sw x sh image goes inside dw x dh keeping its
// aspect ratio.
func fitRect(sw, sh, dw, dh int, symmetric bool) Rect {
	w, h := dw, sh*dw/sw
	if h > dh {
		w, h = sw*dh/sh, dh
	}
	w, h = max(w, 1), max(h, 1)
	r := Rect{0, 0, w, h}
	if symmetric {
		r.X, r.Y = (dw-w)/2, (dh-h)/2
	}
	return r
}

// Fill paints the whole frame with an RGBA colour.
func Fill(dst *Frame, c [4]uint8) {
	y, u, v := RGBToYUV(c[0], c[1], c[2])
	switch dst.Format {
	case FormatNV12, FormatI420:
		fillPlane(dst.Plane(0), dst.Stride[0], dst.Width, dst.PlaneHeight(0), []byte{y})
		cw := (dst.Width + 1) / 2
		if dst.Format == FormatNV12 {
			fillPlane(dst.Plane(1), dst.Stride[1], cw*2, dst.PlaneHeight(1), []byte{u, v})
		} else {
			fillPlane(dst.Plane(1), dst.Stride[1], cw, dst.PlaneHeight(1), []byte{u})
			fillPlane(dst.Plane(2), dst.Stride[2], cw, dst.PlaneHeight(2), []byte{v})
		}
	case FormatGRAY8:
		fillPlane(dst.Plane(0), dst.Stride[0], dst.Width, dst.Height, []byte{y})
	default:
		var px [4]byte
		n := storePixel(dst.Format, px[:], c[0], c[1], c[2], c[3])
		fillPlane(dst.Plane(0), dst.Stride[0], dst.Width*n, dst.Height, px[:n])
	}
}

func fillPlane(p []byte, stride, rowBytes, rows int, pattern []byte) {
	for r := 0; r < rows; r++ {
		row := p[r*stride : r*stride+rowBytes]
		for i := 0; i < len(row); i += len(pattern) {
			copy(row[i:], pattern)
		}
	}
}

// RGBToYUV converts full-range RGB to BT.601 limited-range YUV, the
// convention of decoders and encoders.
func RGBToYUV(r, g, b uint8) (y, u, v uint8) {
	R, G, B := int32(r), int32(g), int32(b)
	y = uint8((66*R+129*G+25*B+128)>>8 + 16)
	u = uint8((-38*R-74*G+112*B+128)>>8 + 128)
	v = uint8((112*R-94*G-18*B+128)>>8 + 128)
	return
}

// YUVToRGB converts BT.601 limited-range YUV to full-range RGB.
func YUVToRGB(y, u, v uint8) (r, g, b uint8) {
	C, D, E := int32(y)-16, int32(u)-128, int32(v)-128
	r = clamp8((298*C + 409*E + 128) >> 8)
	g = clamp8((298*C - 100*D - 208*E + 128) >> 8)
	b = clamp8((298*C + 516*D + 128) >> 8)
	return
}

func clamp8(x int32) uint8 {
	if x < 0 {
		return 0
	}
	if x > 255 {
		return 255
	}
	return uint8(x)
}

// storePixel writes an RGBA colour in a packed format; it returns the
// pixel size.
func storePixel(f Format, p []byte, r, g, b, a uint8) int {
	switch f {
	case FormatRGBA:
		p[0], p[1], p[2], p[3] = r, g, b, a
		return 4
	case FormatBGRA:
		p[0], p[1], p[2], p[3] = b, g, r, a
		return 4
	case FormatBGRx:
		p[0], p[1], p[2], p[3] = b, g, r, 255
		return 4
	case FormatRGB:
		p[0], p[1], p[2] = r, g, b
		return 3
	case FormatBGR:
		p[0], p[1], p[2] = b, g, r
		return 3
	}
	y, _, _ := RGBToYUV(r, g, b)
	p[0] = y
	return 1
}

// loadPixel reads the RGBA colour at (x, y) of any format.
func loadPixel(f *Frame, x, y int) (r, g, b, a uint8) {
	switch f.Format {
	case FormatNV12:
		Y := f.Data[f.Offset[0]+y*f.Stride[0]+x]
		c := f.Offset[1] + (y/2)*f.Stride[1] + (x/2)*2
		r, g, b = YUVToRGB(Y, f.Data[c], f.Data[c+1])
		return r, g, b, 255
	case FormatI420:
		Y := f.Data[f.Offset[0]+y*f.Stride[0]+x]
		U := f.Data[f.Offset[1]+(y/2)*f.Stride[1]+x/2]
		V := f.Data[f.Offset[2]+(y/2)*f.Stride[2]+x/2]
		r, g, b = YUVToRGB(Y, U, V)
		return r, g, b, 255
	case FormatGRAY8:
		v := f.Data[f.Offset[0]+y*f.Stride[0]+x]
		return v, v, v, 255
	}
	p := f.Data[f.Offset[0]+y*f.Stride[0]+x*f.Format.PixelStride():]
	switch f.Format {
	case FormatRGBA:
		return p[0], p[1], p[2], p[3]
	case FormatBGRA:
		return p[2], p[1], p[0], p[3]
	case FormatBGRx:
		return p[2], p[1], p[0], 255
	case FormatRGB:
		return p[0], p[1], p[2], 255
	}
	return p[2], p[1], p[0], 255 // BGR
}

// convertScaled is the reference path: per-pixel sampling through RGBA.
// Formats with a dedicated fast path use it instead.
func convertScaled(dst, src *Frame, crop, out Rect, interp Interp) error {
	if fast := fastPath(dst, src, crop, out, interp); fast {
		return nil
	}
	for oy := 0; oy < out.H; oy++ {
		sy := crop.Y + (oy*crop.H)/out.H
		for ox := 0; ox < out.W; ox++ {
			sx := crop.X + (ox*crop.W)/out.W
			r, g, b, a := loadPixel(src, sx, sy)
			storeAt(dst, out.X+ox, out.Y+oy, r, g, b, a)
		}
	}
	return nil
}

// storeAt writes an RGBA colour at (x, y) of any format; YUV chroma is
// written for the top-left pixel of each 2x2 block.
func storeAt(f *Frame, x, y int, r, g, b, a uint8) {
	switch f.Format {
	case FormatNV12, FormatI420:
		Y, U, V := RGBToYUV(r, g, b)
		f.Data[f.Offset[0]+y*f.Stride[0]+x] = Y
		if x&1 == 0 && y&1 == 0 {
			if f.Format == FormatNV12 {
				c := f.Offset[1] + (y/2)*f.Stride[1] + x
				f.Data[c], f.Data[c+1] = U, V
			} else {
				f.Data[f.Offset[1]+(y/2)*f.Stride[1]+x/2] = U
				f.Data[f.Offset[2]+(y/2)*f.Stride[2]+x/2] = V
			}
		}
		return
	}
	ps := f.Format.PixelStride()
	storePixel(f.Format, f.Data[f.Offset[0]+y*f.Stride[0]+x*ps:], r, g, b, a)
}

// fastPath handles conversions with dedicated loops; false means the
// caller must use the reference path.
func fastPath(dst, src *Frame, crop, out Rect, interp Interp) bool {
	return false
}
