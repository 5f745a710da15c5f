package osd

import (
	"math"
	"testing"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/video"
)

// Colours of the test scene.
var (
	red     = meta.Color{R: 1, A: 1}
	green   = meta.Color{G: 1, A: 1}
	blue    = meta.Color{B: 1, A: 1}
	white   = meta.Color{R: 1, G: 1, B: 1, A: 1}
	black   = meta.Color{A: 1}
	yellow  = meta.Color{R: 1, G: 1, A: 1}
	cyan    = meta.Color{G: 1, B: 1, A: 1}
	magenta = meta.Color{R: 1, B: 1, A: 1}
	orange  = meta.Color{R: 1, G: 0.5, A: 1}
)

func alpha(c meta.Color, a float64) meta.Color { c.A = a; return c }

// The boxes of the scene, for the pixel tests.
var (
	carBox    = meta.RectParams{Left: 20, Top: 24, Width: 100, Height: 70, BorderWidth: 3, BorderColor: red, HasBgColor: true, BgColor: alpha(blue, 0.3)}
	personBox = meta.RectParams{Left: 150, Top: 40, Width: 80, Height: 120, BorderWidth: 2, BorderColor: green}
	solidBox  = meta.RectParams{Left: 250, Top: 196, Width: 60, Height: 30, HasBgColor: true, BgColor: orange}
)

// newScene returns a batch with one frame carrying every kind of thing
// the OSD draws: two objects (one with a filled box, one with a mask),
// labels, and a display meta with a line, an arrow, a circle, a label and
// a filled rectangle.
func newScene(t testing.TB) (*meta.BatchMeta, *meta.FrameMeta) {
	t.Helper()
	b, err := meta.NewBatchMeta(1)
	if err != nil {
		t.Fatal(err)
	}
	f := b.AcquireFrameMeta()
	f.PipelineWidth, f.PipelineHeight = 320, 240
	must(t, b.AddFrame(f))

	car := b.AcquireObjectMeta()
	car.RectParams = carBox
	car.TextParams = meta.TextParams{DisplayText: "car 0.92", XOffset: 20, YOffset: 6,
		FontParams: meta.FontParams{FontSize: 12, FontColor: white}, SetBgColor: true, TextBgColor: black}
	must(t, f.AddObject(car))

	person := b.AcquireObjectMeta()
	person.RectParams = personBox
	person.TextParams = meta.TextParams{DisplayText: "person", XOffset: 150, YOffset: 20,
		FontParams: meta.FontParams{FontName: "Serif Bold", FontSize: 14, FontColor: yellow}}
	mask, err := person.SetMask(16, 24, 0.5)
	must(t, err)
	for y := 0; y < 24; y++ { // an ellipse filling the box
		for x := 0; x < 16; x++ {
			dx, dy := (float64(x)+0.5-8)/8, (float64(y)+0.5-12)/12
			mask[y*16+x] = float32(1 - math.Hypot(dx, dy))
		}
	}
	mask[0] = 0.9 // one stray value in the top-left corner
	must(t, f.AddObject(person))

	d := b.AcquireDisplayMeta()
	must(t, d.AddLine(meta.LineParams{X1: 10, Y1: 230, X2: 140, Y2: 200, Width: 3, Color: cyan}))
	must(t, d.AddArrow(meta.ArrowParams{X1: 160, Y1: 225, X2: 240, Y2: 175, Width: 2, Head: meta.ArrowHeadEnd, Color: magenta}))
	must(t, d.AddArrow(meta.ArrowParams{X1: 250, Y1: 120, X2: 310, Y2: 120, Width: 1, Head: meta.ArrowHeadBoth, Color: white}))
	must(t, d.AddCircle(meta.CircleParams{XC: 60, YC: 160, Radius: 25, Color: yellow, HasBgColor: true, BgColor: alpha(green, 0.5)}))
	must(t, d.AddLabel(meta.TextParams{DisplayText: "Frame 1\ncam A", XOffset: 246, YOffset: 4,
		FontParams: meta.FontParams{FontSize: 16, FontColor: white}, SetBgColor: true, TextBgColor: alpha(black, 0.6)}))
	must(t, d.AddRect(solidBox))
	must(t, f.AddDisplayMeta(d))
	return b, f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// background is the test frames' content before drawing: a smooth
// gradient, so that blending shows.
func background(x, y int) [4]uint8 {
	return [4]uint8{uint8(40 + x*120/320), uint8(60 + y*100/240), uint8(90 + (x+y)*60/560), 255}
}

// newFrame returns a 320x240 frame of format f holding the background.
func newFrame(t testing.TB, f video.Format) *video.Frame {
	t.Helper()
	rgba, err := video.NewInfo(video.FormatRGBA, 320, 240)
	must(t, err)
	bg := video.NewFrame(rgba)
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			c := background(x, y)
			copy(bg.Data[y*rgba.Stride[0]+4*x:], c[:])
		}
	}
	if f == video.FormatRGBA {
		return bg
	}
	in, err := video.NewInfo(f, 320, 240)
	must(t, err)
	fr := video.NewFrame(in)
	must(t, video.Convert(fr, bg, video.ConvertOptions{}))
	return fr
}

// allOn draws everything the scene has.
var allOn = settings{text: true, bbox: true, mask: true}

// render draws the scene on a new frame of format f.
func render(t testing.TB, f video.Format, s settings) *video.Frame {
	t.Helper()
	fr := newFrame(t, f)
	b, fm := newScene(t)
	var d drawer
	must(t, d.cv.reset(fr))
	must(t, d.drawFrame(fm, b, &s))
	return fr
}
