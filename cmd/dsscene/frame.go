package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"

	"github.com/dsgo/dsgo/samples/scene"
)

// frameCmd renders one frame to a PNG, optionally with its ground-truth
// boxes drawn (green, magenta for ignored objects), to look at a scene.
func frameCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("frame", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf sceneFlags
	sf.register(fs)
	frame := fs.Int("frame", 0, "frame index (of a 10 s clip at --fps, or later)")
	boxes := fs.Bool("boxes", false, "draw the ground-truth boxes")
	out := fs.String("out", "", "PNG file to write")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out: a PNG file name is required")
	}
	if *frame < 0 || *frame > 1<<24 {
		return fmt.Errorf("--frame %d: must be 0-%d", *frame, 1<<24)
	}
	cfg, err := sf.config(max(*frame+1, 10*sf.fps))
	if err != nil {
		return err
	}
	s, err := scene.New(cfg)
	if err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))
	f, err := s.Render(*frame, img)
	if err != nil {
		return err
	}
	for _, o := range f.Objects {
		if *boxes {
			c := color.RGBA{0, 255, 0, 255}
			if o.Ignore {
				c = color.RGBA{255, 0, 255, 255}
			}
			outline(img, o.Box, c)
		}
		attr := ""
		if o.Class == scene.Car {
			attr = " " + scene.ColorNames[o.Color] + " " + scene.TypeNames[o.Type]
		}
		fmt.Fprintf(stdout, "track %d %s%s box %v visibility %.2f ignore %v\n", o.Track, o.Class, attr, o.Box, o.Visibility, o.Ignore)
	}
	fo, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := png.Encode(fo, img); err != nil {
		fo.Close()
		return err
	}
	return fo.Close()
}

// outline draws a one-pixel rectangle.
func outline(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	for x := r.Min.X; x < r.Max.X; x++ {
		img.SetRGBA(x, r.Min.Y, c)
		img.SetRGBA(x, r.Max.Y-1, c)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		img.SetRGBA(r.Min.X, y, c)
		img.SetRGBA(r.Max.X-1, y, c)
	}
}
