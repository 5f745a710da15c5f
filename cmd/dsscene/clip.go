package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dsgo/dsgo/samples/scene"
)

// encoder takes rendered frames and writes the video file.
type encoder interface {
	// Frame returns the image to render the next frame into.
	Frame(ctx context.Context) (*image.RGBA, error)
	// Push sends the image from the last Frame call as frame i.
	Push(ctx context.Context, i int) error
	// Close finishes the file (after all frames) or abandons it (after an
	// error, with ok false).
	Close(ctx context.Context, ok bool) error
}

// clipOptions is what the clip subcommand was asked for.
type clipOptions struct {
	scene   sceneFlags
	seconds float64
	dropout string
	out     string
	bitrate int
}

func clipCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("clip", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o clipOptions
	o.scene.register(fs)
	fs.Float64Var(&o.seconds, "seconds", 10, "clip length in seconds")
	fs.StringVar(&o.dropout, "dropout", "", "camera drop-out ranges, e.g. 4s-6s or 120-180 (frames), comma-separated")
	fs.StringVar(&o.out, "out", "", "output file DIR/name.mp4; name.gt.json and name.gt.txt go beside it")
	fs.IntVar(&o.bitrate, "bitrate", 0, "H.264 bit rate in kbit/s (0: 850 at 1280x720 and 30 fps, scaled by the square root of pixels per second)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	start := time.Now()
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return err
	}
	enc, err := newEncoder(cfg, o.out, o.bitrate)
	if err != nil {
		return err
	}
	n, err := writeClip(ctx, cfg, o.out, enc)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dsscene clip: %s: %d frames %dx%d, %d annotations, in %.1fs\n",
		o.out, cfg.Frames, cfg.Width, cfg.Height, n, time.Since(start).Seconds())
	return nil
}

// config validates the options and returns the scene's config.
func (o *clipOptions) config() (scene.Config, error) {
	if o.out == "" || !strings.HasSuffix(o.out, ".mp4") {
		return scene.Config{}, fmt.Errorf("--out %q: need a file name ending in .mp4", o.out)
	}
	if !(o.seconds > 0 && o.seconds <= 3600) {
		return scene.Config{}, fmt.Errorf("--seconds %g: must be more than 0 and at most 3600", o.seconds)
	}
	if o.bitrate < 0 || o.bitrate > 1<<21 {
		return scene.Config{}, fmt.Errorf("--bitrate %d: must be 0 (automatic) to %d kbit/s", o.bitrate, 1<<21)
	}
	if o.scene.fps < 1 || o.scene.fps > 240 {
		return scene.Config{}, fmt.Errorf("--fps %d: must be 1-240", o.scene.fps)
	}
	n := int(math.Round(o.seconds * float64(o.scene.fps)))
	if n < 1 {
		return scene.Config{}, fmt.Errorf("--seconds %g at --fps %d is no frame at all", o.seconds, o.scene.fps)
	}
	cfg, err := o.scene.config(n)
	if err != nil {
		return cfg, err
	}
	if cfg.DropoutFrames, err = parseDropout(o.dropout, cfg.FPS, n); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// defaultBitrate keeps a 10 s clip of the street near 1 MB at 1280x720
// and 30 fps, with more for larger frames and higher frame rates.
func defaultBitrate(w, h, fps int) int {
	return int(850 * math.Sqrt(float64(w*h)/(1280*720)*float64(fps)/30))
}

// gtPaths returns the ground-truth files beside video file out.
func gtPaths(out string) (jsonPath, txtPath string) {
	base := strings.TrimSuffix(out, ".mp4")
	return base + ".gt.json", base + ".gt.txt"
}

// writeClip renders every frame of cfg into enc and writes the ground
// truth beside out. It returns the number of annotations.
func writeClip(ctx context.Context, cfg scene.Config, out string, enc encoder) (n int, err error) {
	ok := false
	defer func() {
		if cerr := enc.Close(ctx, ok); cerr != nil && err == nil {
			err = cerr
		}
	}()
	s, err := scene.New(cfg)
	if err != nil {
		return 0, err
	}
	cfg = s.Config()
	jp, tp := gtPaths(out)
	gw, err := newGTWriter(jp, tp, cocoInfo{Generator: "dsscene", Seed: cfg.Seed, Width: cfg.Width, Height: cfg.Height,
		FPS: cfg.FPS, Frames: cfg.Frames, Lighting: cfg.Lighting.String(), Density: cfg.Density, Noise: cfg.Noise,
		Blur: cfg.Blur, Dropout: append([][2]int{}, cfg.DropoutFrames...), Video: filepath.Base(out)})
	if err != nil {
		return 0, fmt.Errorf("ground truth: %w", err)
	}
	for i := 0; i < cfg.Frames; i++ {
		img, err := enc.Frame(ctx)
		if err != nil {
			gw.close()
			return 0, err
		}
		f, err := s.Render(i, img)
		if err != nil {
			gw.close()
			return 0, err
		}
		if err := gw.add(f); err != nil {
			gw.close()
			return 0, fmt.Errorf("ground truth: %w", err)
		}
		if err := enc.Push(ctx, i); err != nil {
			gw.close()
			return 0, err
		}
	}
	if err := gw.close(); err != nil {
		return 0, fmt.Errorf("ground truth: %w", err)
	}
	ok = true
	return gw.nAnn, nil
}
