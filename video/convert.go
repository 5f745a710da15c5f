package video

import (
	"errors"
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
	// Crop selects the source region; the zero Rect means the whole frame.
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
	// Pool, if not nil, lends goroutines to split the rows of large
	// frames over; without it the conversion runs in the calling goroutine.
	Pool *Workers
	// Workers bounds the goroutines one conversion uses from Pool: 0
	// chooses (all of the pool's for large frames), 1 converts in the
	// calling goroutine only.
	Workers int
}

// Convert scales and converts src into dst (any of the formats, any sizes)
// without allocating. dst's Info decides the output format and size.
//
// Sampling is centre-aligned: output pixel centres map linearly onto the
// source region and the filter reads the source there, clamping at the
// region's edges. YUV chroma samples sit at the centre of their 2x2 block.
// YUV is BT.601 limited range; GRAY8 is full-range luma.
//
// It fails, without touching dst, when a frame's layout does not fit its
// data, the crop is outside the source, or an option is invalid.
func Convert(dst, src *Frame, opt ConvertOptions) error {
	if dst == nil || src == nil {
		return errors.New("video: convert: nil frame")
	}
	if err := src.validate(); err != nil {
		return fmt.Errorf("video: convert: source: %w", err)
	}
	if err := dst.validate(); err != nil {
		return fmt.Errorf("video: convert: destination: %w", err)
	}
	crop := opt.Crop
	if crop == (Rect{}) {
		crop = Rect{0, 0, src.Width, src.Height}
	}
	if crop.W <= 0 || crop.H <= 0 || crop.X < 0 || crop.Y < 0 ||
		crop.X > src.Width-crop.W || crop.Y > src.Height-crop.H {
		return fmt.Errorf("video: convert: crop %+v outside the %dx%d source", crop, src.Width, src.Height)
	}
	if opt.Interp > InterpNearest {
		return fmt.Errorf("video: convert: unknown interpolation %d", opt.Interp)
	}
	if opt.Workers < 0 {
		return fmt.Errorf("video: convert: negative workers %d", opt.Workers)
	}
	out := Rect{0, 0, dst.Width, dst.Height}
	if opt.KeepAspect {
		out = fitRect(crop.W, crop.H, dst.Width, dst.Height, opt.Symmetric)
		fillOutside(dst, out, opt.PadColor)
	}
	convertScaled(dst, src, crop, out, opt)
	return nil
}

// fitRect returns where a sw x sh image goes inside dw x dh keeping its
// aspect ratio; symmetric centres it, splitting odd padding with the
// extra pixel on the bottom or right.
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

// Fill paints the whole frame with an RGBA colour. It does nothing to a
// frame whose layout does not fit its data (Convert reports those).
func Fill(dst *Frame, c [4]uint8) {
	if dst == nil || dst.validate() != nil {
		return
	}
	fillRect(dst, Rect{0, 0, dst.Width, dst.Height}, c)
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

// rgbToGray converts full-range RGB to full-range BT.601 luma.
func rgbToGray(r, g, b uint8) uint8 {
	return uint8((77*uint32(r) + 150*uint32(g) + 29*uint32(b) + 128) >> 8)
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

// convertScaled draws the crop of src into the out rectangle of dst, with
// a dedicated loop when there is one and the reference path otherwise.
func convertScaled(dst, src *Frame, crop, out Rect, opt ConvertOptions) {
	if out.W <= 0 || out.H <= 0 {
		return
	}
	if runFast(dst, src, crop, out, opt) {
		return
	}
	convertReference(dst, src, crop, out, opt.Interp)
}
