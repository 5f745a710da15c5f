// Command dsscene renders synthetic street scenes (package samples/scene)
// with exact ground truth: test clips for dsgo's pipelines and evaluator,
// and training data for its detector and classifiers.
//
//	dsscene clip --seed 101 --seconds 10 --lighting day --out samples/streams/street_day_720p.mp4
//	dsscene dataset --seed 1 --scenes 1000 --frames-per-scene 10 --out /data/street
//	dsscene frame --seed 101 --frame 60 --boxes --out frame.png
//
// clip writes an H.264 MP4 (encoded by dsgo's appsrc ! dsencsink, so it
// needs GStreamer) with <name>.gt.json (COCO with RLE masks, track ids,
// visibility and car attributes) and <name>.gt.txt (MOT) beside it.
// dataset writes NumPy arrays for training (det_images, det_boxes,
// det_masks, cls_crops, cls_labels, meta.json), rendering scenes on all
// cores with output that does not depend on the number of workers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/dsgo/dsgo/samples/scene"
)

const usage = `usage: dsscene clip --seed S [--width 1280 --height 720] [--seconds 10] [--fps 30]
                    [--lighting day|dusk|night|cycle] [--dropout 4s-6s] --out DIR/name.mp4
       dsscene dataset --seed S --scenes N --frames-per-scene F --out DIR [--workers N]
       dsscene frame --seed S [--frame N] [--boxes] --out frame.png
Run a subcommand with -h for all its flags.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "clip":
		err = clipCmd(ctx, args[1:], stdout, stderr)
	case "dataset":
		err = datasetCmd(ctx, args[1:], stdout, stderr)
	case "frame":
		err = frameCmd(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "dsscene: unknown subcommand %q\n%s\n", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "dsscene %s: %v\n", args[0], err)
	return 1
}

// errUsage reports bad flags; the flag package has printed why.
var errUsage = errors.New("usage")

// sceneFlags are the flags that describe one scene.
type sceneFlags struct {
	seed          uint64
	width, height int
	fps           int
	lighting      string
	density       float64
	noise         float64
	blur          bool
}

func (f *sceneFlags) register(fs *flag.FlagSet) {
	fs.Uint64Var(&f.seed, "seed", 1, "scene seed")
	fs.IntVar(&f.width, "width", 1280, "frame width in pixels")
	fs.IntVar(&f.height, "height", 720, "frame height in pixels")
	fs.IntVar(&f.fps, "fps", 30, "frames per second")
	fs.StringVar(&f.lighting, "lighting", "day", "day, dusk, night or cycle")
	fs.Float64Var(&f.density, "density", 1, "traffic density (1 = normal)")
	fs.Float64Var(&f.noise, "noise", 2.5, "camera noise, standard deviation in 8-bit levels (0 = none)")
	fs.BoolVar(&f.blur, "blur", false, "soften the frames slightly")
}

// config returns the scene config of the flags for a clip of n frames.
func (f *sceneFlags) config(n int) (scene.Config, error) {
	l, err := scene.ParseLighting(f.lighting)
	if err != nil {
		return scene.Config{}, fmt.Errorf("--lighting: %w", err)
	}
	if f.width < 64 || f.height < 64 || f.width > 8192 || f.height > 8192 {
		return scene.Config{}, fmt.Errorf("--width %d --height %d: both must be 64-8192", f.width, f.height)
	}
	if f.fps < 1 || f.fps > 240 {
		return scene.Config{}, fmt.Errorf("--fps %d: must be 1-240", f.fps)
	}
	if !(f.density > 0 && f.density <= 10) {
		return scene.Config{}, fmt.Errorf("--density %g: must be more than 0 and at most 10", f.density)
	}
	if !(f.noise >= 0 && f.noise <= 64) {
		return scene.Config{}, fmt.Errorf("--noise %g: must be 0-64", f.noise)
	}
	cfg := scene.Config{Seed: f.seed, Width: f.width, Height: f.height, FPS: f.fps, Frames: n,
		Lighting: l, Density: f.density, Noise: f.noise, Blur: f.blur}
	return cfg, cfg.Validate()
}

// parseFlags parses args, returning errUsage (after the flag package has
// printed the problem) or flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "dsscene %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

// parseDropout reads camera drop-out ranges: comma-separated START-END
// pairs in seconds ("4s-6s", "4.5s-6s") or frames ("120-180"), each
// half-open, within a clip of n frames at fps.
func parseDropout(s string, fps, n int) ([][2]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out [][2]int
	for _, part := range strings.Split(s, ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("--dropout %q: want START-END, e.g. 4s-6s (seconds) or 120-180 (frames)", part)
		}
		fa, err := parseTime(a, fps)
		if err != nil {
			return nil, fmt.Errorf("--dropout %q: %w", part, err)
		}
		fb, err := parseTime(b, fps)
		if err != nil {
			return nil, fmt.Errorf("--dropout %q: %w", part, err)
		}
		if fb <= fa {
			return nil, fmt.Errorf("--dropout %q: the end must come after the start", part)
		}
		if fb > n {
			return nil, fmt.Errorf("--dropout %q: ends at frame %d, after the clip's %d frames", part, fb, n)
		}
		out = append(out, [2]int{fa, fb})
	}
	return out, nil
}

// parseTime reads "4s" or "4.5s" (seconds) or "120" (frames) as a frame number.
func parseTime(s string, fps int) (int, error) {
	s = strings.TrimSpace(s)
	if sec, ok := strings.CutSuffix(s, "s"); ok {
		v, err := strconv.ParseFloat(sec, 64)
		if err != nil || !(v >= 0 && v < 1e6) {
			return 0, fmt.Errorf("%q is not a time in seconds", s)
		}
		return int(v*float64(fps) + 0.5), nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a frame number or a time like 4s", s)
	}
	return v, nil
}
