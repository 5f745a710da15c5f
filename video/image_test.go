package video

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// TestImageViews checks that Image shares the frame's memory and reads
// the right samples for each viewable format.
func TestImageViews(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, f := range []Format{FormatRGBA, FormatGRAY8, FormatI420, FormatNV12} {
		fr := noiseFrame(t, f, 13, 9, 3, rng)
		img, err := fr.Image()
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		if img.Bounds() != image.Rect(0, 0, 13, 9) {
			t.Errorf("%v: bounds %v", f, img.Bounds())
		}
		x, y := 11, 7
		switch m := img.(type) {
		case *image.RGBA:
			m.SetRGBA(x, y, color.RGBA{1, 2, 3, 4})
			if p := fr.row(0, y)[4*x:]; p[0] != 1 || p[3] != 4 {
				t.Errorf("RGBA: write did not reach the frame: %v", p[:4])
			}
		case *image.Gray:
			if m.GrayAt(x, y).Y != fr.row(0, y)[x] {
				t.Error("Gray: wrong sample")
			}
		case *image.YCbCr:
			if m.Y[m.YOffset(x, y)] != fr.row(0, y)[x] || m.Cr[m.COffset(x, y)] != fr.row(2, y/2)[x/2] {
				t.Error("YCbCr: wrong sample")
			}
			m.Y[m.YOffset(x, y)] = 77
			if fr.row(0, y)[x] != 77 {
				t.Error("YCbCr: write did not reach the frame")
			}
		case *NV12:
			Y, U, V := m.YUVAt(x, y)
			uv := fr.row(1, y/2)[2*(x/2):]
			if Y != fr.row(0, y)[x] || U != uv[0] || V != uv[1] {
				t.Error("NV12: wrong sample")
			}
			r, g, b := YUVToRGB(Y, U, V)
			if m.At(x, y) != (color.RGBA{r, g, b, 255}) {
				t.Error("NV12: wrong colour")
			}
			if m.At(13, 0) != (color.RGBA{}) {
				t.Error("NV12: colour outside the bounds")
			}
			sub := m.SubImage(image.Rect(4, 2, 20, 5))
			if sub.Bounds() != image.Rect(4, 2, 13, 5) || sub.At(5, 3) != m.At(5, 3) {
				t.Error("NV12: wrong sub-image")
			}
		default:
			t.Errorf("%v: unexpected %T", f, img)
		}
	}
	for _, f := range []Format{FormatBGRA, FormatBGRx, FormatRGB, FormatBGR} {
		if _, err := NewFrame(newInfo(t, f, 4, 4, 0)).Image(); err == nil {
			t.Errorf("%v: no error", f)
		}
	}
}

// TestImageEncode checks that the views work with the image encoders,
// as probes that save snapshots use them.
func TestImageEncode(t *testing.T) {
	for _, f := range []Format{FormatNV12, FormatI420, FormatRGBA, FormatGRAY8} {
		fr := NewFrame(newInfo(t, f, 32, 16, 0))
		Fill(fr, [4]uint8{200, 40, 40, 255})
		img, err := fr.Image()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, nil); err != nil {
			t.Fatalf("%v: jpeg: %v", f, err)
		}
		if err := png.Encode(&buf, img); err != nil {
			t.Fatalf("%v: png: %v", f, err)
		}
	}
}

// TestToRGBA checks the converting copy, into a sub-image and scaled.
func TestToRGBA(t *testing.T) {
	fr := NewFrame(newInfo(t, FormatNV12, 64, 32, 0))
	Fill(fr, [4]uint8{0, 0, 255, 255})
	whole := image.NewRGBA(image.Rect(0, 0, 40, 40))
	sub := whole.SubImage(image.Rect(10, 10, 26, 18)).(*image.RGBA)
	if err := fr.ToRGBA(sub); err != nil {
		t.Fatal(err)
	}
	for _, p := range []image.Point{{10, 10}, {25, 17}, {17, 13}} {
		if c := whole.RGBAAt(p.X, p.Y); c.B < 250 || c.R > 5 || c.A != 255 {
			t.Errorf("pixel %v = %v, want blue", p, c)
		}
	}
	for _, p := range []image.Point{{9, 10}, {26, 17}, {10, 18}} {
		if c := whole.RGBAAt(p.X, p.Y); c != (color.RGBA{}) {
			t.Errorf("pixel %v outside the sub-image = %v", p, c)
		}
	}
	if err := fr.ToRGBA(nil); err == nil {
		t.Error("nil image: no error")
	}
	if err := fr.ToRGBA(&image.RGBA{Rect: image.Rect(0, 0, 4, 4), Stride: 16, Pix: make([]byte, 20)}); err == nil {
		t.Error("short image: no error")
	}
}
