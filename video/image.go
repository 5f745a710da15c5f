package video

import (
	"errors"
	"fmt"
	"image"
	"image/color"
)

// planeBytes returns plane i from its offset to the end of its last
// pixel row; the frame must be valid.
func (f *Frame) planeBytes(i int) []byte {
	end := f.planeEnd(i)
	return f.Data[f.Offset[i]:end:end]
}

// Image returns an image.Image over the frame's pixels, without copying,
// for probes and tests that use the image packages (image/png,
// image/jpeg, golang.org/x/image/draw):
//
//   - RGBA: an *image.RGBA (which the image packages take as
//     alpha-premultiplied; video frames are opaque, so that is moot);
//   - GRAY8: an *image.Gray;
//   - I420: an *image.YCbCr with 4:2:0 subsampling. Go's colour model
//     reads its samples as full-range (JPEG) YCbCr, while video is limited
//     range, so converted colours come out slightly washed out; use
//     ToRGBA for exact colours;
//   - NV12: an *NV12, whose At converts as Convert does.
//
// Writes through the image change the frame. Other formats have no such
// view; ToRGBA converts them.
func (f *Frame) Image() (image.Image, error) {
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("video: image: %w", err)
	}
	r := image.Rect(0, 0, f.Width, f.Height)
	switch f.Format {
	case FormatRGBA:
		return &image.RGBA{Pix: f.planeBytes(0), Stride: f.Stride[0], Rect: r}, nil
	case FormatGRAY8:
		return &image.Gray{Pix: f.planeBytes(0), Stride: f.Stride[0], Rect: r}, nil
	case FormatI420:
		if f.Stride[1] != f.Stride[2] {
			return nil, fmt.Errorf("video: image: I420 with U stride %d and V stride %d: image.YCbCr needs one chroma stride",
				f.Stride[1], f.Stride[2])
		}
		return &image.YCbCr{
			Y: f.planeBytes(0), Cb: f.planeBytes(1), Cr: f.planeBytes(2),
			YStride: f.Stride[0], CStride: f.Stride[1],
			SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: r,
		}, nil
	case FormatNV12:
		return &NV12{Y: f.planeBytes(0), UV: f.planeBytes(1), YStride: f.Stride[0], UVStride: f.Stride[1], Rect: r}, nil
	}
	return nil, fmt.Errorf("video: image: no image.Image view of %s frames; use ToRGBA", f.Format)
}

// ToRGBA converts the frame into dst, scaling it (bilinearly) to dst's
// bounds when the sizes differ. Alpha is copied from RGBA and BGRA frames
// and is 255 otherwise.
func (f *Frame) ToRGBA(dst *image.RGBA) error {
	if dst == nil {
		return errors.New("video: to RGBA: nil image")
	}
	b := dst.Rect
	if b.Empty() {
		return fmt.Errorf("video: to RGBA: empty image bounds %v", b)
	}
	in := Info{Format: FormatRGBA, Width: b.Dx(), Height: b.Dy(), Stride: [3]int{dst.Stride}}
	start := dst.PixOffset(b.Min.X, b.Min.Y)
	if start < 0 || start > len(dst.Pix) {
		return fmt.Errorf("video: to RGBA: image bounds %v outside its %d pixel bytes", b, len(dst.Pix))
	}
	out := Frame{Info: in, Data: dst.Pix[start:]}
	out.Size = len(out.Data)
	if err := Convert(&out, f, ConvertOptions{}); err != nil {
		return fmt.Errorf("video: to RGBA: %w", err)
	}
	return nil
}

// NV12 is an image.Image over the planes of an NV12 frame, without
// copying. Pixel (x, y) has luma Y[y*YStride+x] and chroma (U, V) at
// UV[(y/2)*UVStride+(x/2)*2:]; the slices always start at the frame's
// top-left pixel, and Rect (which SubImage narrows) says which pixels the
// image shows. At converts BT.601 limited-range YUV to RGB as Convert does.
type NV12 struct {
	Y, UV             []byte
	YStride, UVStride int
	Rect              image.Rectangle
}

// ColorModel returns color.RGBAModel: At returns color.RGBA values.
func (p *NV12) ColorModel() color.Model { return color.RGBAModel }

// Bounds returns the pixels the image shows.
func (p *NV12) Bounds() image.Rectangle { return p.Rect }

// At returns the colour of pixel (x, y), or transparent black outside the
// bounds.
func (p *NV12) At(x, y int) color.Color { return p.RGBAAt(x, y) }

// RGBAAt is At without the interface conversion.
func (p *NV12) RGBAAt(x, y int) color.RGBA {
	if !(image.Point{x, y}.In(p.Rect)) {
		return color.RGBA{}
	}
	Y, U, V := p.YUVAt(x, y)
	r, g, b := YUVToRGB(Y, U, V)
	return color.RGBA{r, g, b, 255}
}

// YUVAt returns the luma and chroma samples of pixel (x, y), which must be
// inside the bounds.
func (p *NV12) YUVAt(x, y int) (Y, U, V uint8) {
	c := (y/2)*p.UVStride + (x/2)*2
	return p.Y[y*p.YStride+x], p.UV[c], p.UV[c+1]
}

// SubImage returns the part of the image inside r, sharing its pixels.
func (p *NV12) SubImage(r image.Rectangle) image.Image {
	q := *p
	q.Rect = r.Intersect(p.Rect)
	return &q
}
