package osd

import (
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/dsgo/dsgo/video"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata")

// Golden images may differ a little when the font rasteriser changes:
// a pixel differs when a channel is more than goldenTolerance away, and
// at most goldenMaxDiff of the pixels may differ.
const (
	goldenTolerance = 24
	goldenMaxDiff   = 0.005
)

// TestGolden renders the scene on RGBA and NV12 frames and compares them
// with testdata/scene_*.png (rewritten with -update).
func TestGolden(t *testing.T) {
	for _, f := range []video.Format{video.FormatRGBA, video.FormatNV12} {
		t.Run(f.String(), func(t *testing.T) {
			fr := render(t, f, allOn)
			got := image.NewRGBA(image.Rect(0, 0, fr.Width, fr.Height))
			must(t, fr.ToRGBA(got))
			path := filepath.Join("testdata", "scene_"+f.String()+".png")
			if *update {
				writePNG(t, path, got)
				return
			}
			want := readPNG(t, path)
			if want.Bounds() != got.Bounds() {
				t.Fatalf("golden image is %v, got %v", want.Bounds(), got.Bounds())
			}
			n := 0
			for y := 0; y < fr.Height; y++ {
				for x := 0; x < fr.Width; x++ {
					if pixelDiff(got, want, x, y) > goldenTolerance {
						n++
					}
				}
			}
			if frac := float64(n) / float64(fr.Width*fr.Height); frac > goldenMaxDiff {
				out := filepath.Join(t.TempDir(), "scene_"+f.String()+".png")
				writePNG(t, out, got)
				t.Errorf("%d pixels (%.2f%%) differ from %s; got %s (go test -update rewrites the golden image)",
					n, 100*frac, path, out)
			}
		})
	}
}

func pixelDiff(a, b image.Image, x, y int) int {
	r1, g1, b1, _ := a.At(x, y).RGBA()
	r2, g2, b2, _ := b.At(x, y).RGBA()
	d := 0
	for _, v := range [3][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}} {
		d = max(d, abs(int(v[0]>>8)-int(v[1]>>8)))
	}
	return d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	must(t, png.Encode(f, img))
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create the golden images)", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	must(t, err)
	return img
}
