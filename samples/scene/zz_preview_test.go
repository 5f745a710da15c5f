package scene

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
)

func TestPreview(t *testing.T) {
	dir := os.Getenv("PREVIEW")
	if dir == "" {
		t.Skip()
	}
	for _, c := range []struct {
		seed uint64
		l    Lighting
		fr   int
	}{{101, Day, 60}, {102, Night, 60}, {104, Dusk, 100}, {7, Day, 10}, {8, Day, 200}} {
		s, err := New(Config{Seed: c.seed, Frames: 300, Lighting: c.l, Noise: 3})
		if err != nil {
			t.Fatal(err)
		}
		img := image.NewRGBA(image.Rect(0, 0, 1280, 720))
		f, err := s.Render(c.fr, img)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range f.Objects {
			col := color.RGBA{0, 255, 0, 255}
			if o.Ignore {
				col = color.RGBA{255, 0, 255, 255}
			}
			b := o.Box
			for x := b.Min.X; x < b.Max.X; x++ {
				img.Set(x, b.Min.Y, col)
				img.Set(x, b.Max.Y-1, col)
			}
			for y := b.Min.Y; y < b.Max.Y; y++ {
				img.Set(b.Min.X, y, col)
				img.Set(b.Max.X-1, y, col)
			}
			t.Logf("%d %v track %d box %v vis %.2f ign %v c%d t%d", c.seed, o.Class, o.Track, o.Box, o.Visibility, o.Ignore, o.Color, o.Type)
		}
		fo, _ := os.Create(fmt.Sprintf("%s/s%d.png", dir, c.seed))
		png.Encode(fo, img)
		fo.Close()
	}
}
