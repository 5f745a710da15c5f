package osd

import (
	"testing"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/video"
)

func rgbaAt(f *video.Frame, x, y int) [4]uint8 {
	p := f.Data[f.Offset[0]+y*f.Stride[0]+4*x:]
	return [4]uint8{p[0], p[1], p[2], p[3]}
}

func blendRGB(bg [4]uint8, c meta.Color) [4]uint8 {
	p := paintOf(c)
	return [4]uint8{mix(bg[0], p.r, p.a), mix(bg[1], p.g, p.a), mix(bg[2], p.b, p.a), 255}
}

// TestPixelsRGBA checks colours inside, on and outside the scene's boxes.
func TestPixelsRGBA(t *testing.T) {
	fr := render(t, video.FormatRGBA, allOn)
	opaque := func(c meta.Color) [4]uint8 { p := paintOf(c); return [4]uint8{p.r, p.g, p.b, 255} }
	tests := []struct {
		name string
		x, y int
		want [4]uint8
	}{
		{"car fill", 70, 60, blendRGB(background(70, 60), alpha(blue, 0.3))},
		{"car left border", 20, 60, opaque(red)},
		{"car left border inner edge", 22, 60, opaque(red)},
		{"car top border", 70, 24, opaque(red)},
		{"car right border", 119, 60, opaque(red)},
		{"car bottom border", 70, 93, opaque(red)},
		{"car fill inside the border", 23, 60, blendRGB(background(23, 60), alpha(blue, 0.3))},
		{"left of car", 19, 60, background(19, 60)},
		{"right of car", 120, 60, background(120, 60)},
		{"below car", 70, 94, background(70, 94)},
		{"person border", 150, 100, opaque(green)},
		{"person mask", 190, 100, blendRGB(background(190, 100), alpha(green, 0.5))},
		{"person outside the mask", 155, 150, background(155, 150)},
		{"solid box", 280, 210, [4]uint8{255, 128, 0, 255}},
		{"label background", 22, 8, opaque(black)},
		{"empty corner", 5, 120, background(5, 120)},
	}
	for _, tc := range tests {
		if got := rgbaAt(fr, tc.x, tc.y); got != tc.want {
			t.Errorf("%s (%d,%d) = %v, want %v", tc.name, tc.x, tc.y, got, tc.want)
		}
	}
}

// TestPixelsNV12 checks luma and chroma inside, on and outside a box.
func TestPixelsNV12(t *testing.T) {
	before := newFrame(t, video.FormatNV12)
	fr := render(t, video.FormatNV12, allOn)
	y := func(f *video.Frame, x, y int) uint8 { return f.Data[f.Offset[0]+y*f.Stride[0]+x] }
	uv := func(f *video.Frame, x, y int) [2]uint8 {
		o := f.Offset[1] + (y/2)*f.Stride[1] + (x/2)*2
		return [2]uint8{f.Data[o], f.Data[o+1]}
	}
	redP, blueP := paintOf(red), paintOf(alpha(blue, 0.3))
	if got, want := y(fr, 20, 60), redP.y; got != want {
		t.Errorf("border luma %d, want %d", got, want)
	}
	if got, want := uv(fr, 20, 24), [2]uint8{redP.u, redP.v}; got != want {
		t.Errorf("border chroma %v, want %v", got, want)
	}
	if got, want := y(fr, 70, 60), mix(y(before, 70, 60), blueP.y, blueP.a); got != want {
		t.Errorf("fill luma %d, want %d", got, want)
	}
	b := uv(before, 70, 60)
	if got, want := uv(fr, 70, 60), [2]uint8{mix(b[0], blueP.u, blueP.a), mix(b[1], blueP.v, blueP.a)}; got != want {
		t.Errorf("fill chroma %v, want %v (blended once)", got, want)
	}
	for _, p := range [][2]int{{5, 120}, {18, 60}, {122, 60}, {70, 96}} {
		if y(fr, p[0], p[1]) != y(before, p[0], p[1]) || uv(fr, p[0], p[1]) != uv(before, p[0], p[1]) {
			t.Errorf("pixel %v outside the shapes changed", p)
		}
	}
}

// TestSettings checks that display-bbox, display-text and display-mask
// turn their parts off.
func TestSettings(t *testing.T) {
	fr := render(t, video.FormatRGBA, settings{})
	for _, p := range [][2]int{{20, 60}, {22, 8}, {190, 100}, {70, 60}} {
		if got := rgbaAt(fr, p[0], p[1]); got != background(p[0], p[1]) {
			t.Errorf("nothing on: pixel %v changed to %v", p, got)
		}
	}
	// Display metas are drawn whatever the settings.
	if got := rgbaAt(fr, 280, 210); got != [4]uint8{255, 128, 0, 255} {
		t.Errorf("display meta rectangle not drawn: %v", got)
	}
}

// TestClipping draws shapes partly or wholly outside the frame and with
// wild values: nothing may panic.
func TestClipping(t *testing.T) {
	for _, f := range []video.Format{video.FormatRGBA, video.FormatNV12} {
		b, fm := newScene(t)
		o := b.AcquireObjectMeta()
		o.RectParams = meta.RectParams{Left: -50, Top: 230, Width: 1e9, Height: 30, BorderWidth: 500, BorderColor: red, HasBgColor: true, BgColor: blue}
		o.TextParams = meta.TextParams{DisplayText: "édge ✓ 日本\n\n", XOffset: 310, YOffset: -5, SetBgColor: true, TextBgColor: white}
		o.MaskParams = meta.MaskParams{Data: make([]float32, 3), Width: 2, Height: 2}
		must(t, fm.AddObject(o))
		o2 := b.AcquireObjectMeta()
		o2.RectParams = meta.RectParams{Left: -1e30, Top: float32(nan()), Width: 3, Height: -4, BorderWidth: 2}
		must(t, fm.AddObject(o2))
		d := b.AcquireDisplayMeta()
		must(t, d.AddLine(meta.LineParams{X1: -1 << 40, Y1: 5, X2: 1 << 40, Y2: 6, Width: 1 << 40, Color: red}))
		must(t, d.AddArrow(meta.ArrowParams{X1: 5, Y1: 5, X2: 5, Y2: 5, Width: 3, Head: meta.ArrowHeadBoth, Color: red}))
		must(t, d.AddCircle(meta.CircleParams{XC: 0, YC: 239, Radius: 1 << 40, Color: red}))
		must(t, d.AddCircle(meta.CircleParams{XC: 100, YC: 100, Radius: 0, Color: red}))
		must(t, d.AddLabel(meta.TextParams{DisplayText: "x", FontParams: meta.FontParams{FontSize: 1 << 30}}))
		must(t, fm.AddDisplayMeta(d))
		fr := newFrame(t, f)
		var dr drawer
		must(t, dr.cv.reset(fr))
		must(t, dr.drawFrame(fm, b, &settings{text: true, bbox: true, mask: true, clock: true, clockSize: 20, clockX: 300, clockY: 230, clockColor: 0xffffffff}))
	}
}

func nan() float64 { z := 0.0; return z / z }
