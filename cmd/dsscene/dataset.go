package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/dsgo/dsgo/samples/scene"
	"github.com/dsgo/dsgo/video"
)

// Sizes of the training arrays (samples/FORMATS.md: the detector's 640x368 input
// and the classifiers' 64x64 crops).
const (
	detW, detH = 640, 368
	cropSize   = 64
	boxCols    = 11
)

// datasetOptions is what the dataset subcommand was asked for.
type datasetOptions struct {
	seed     uint64
	scenes   int
	frames   int
	stride   int
	out      string
	workers  int
	bilinear bool
}

func datasetCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dataset", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o datasetOptions
	var scaling string
	fs.Uint64Var(&o.seed, "seed", 1, "dataset seed (each scene's seed derives from it)")
	fs.IntVar(&o.scenes, "scenes", 100, "number of scenes")
	fs.IntVar(&o.frames, "frames-per-scene", 10, "frames sampled from each scene")
	fs.IntVar(&o.stride, "stride", 15, "frames between samples of a scene (30 fps)")
	fs.StringVar(&o.out, "out", "", "output directory")
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "scenes rendered at once")
	fs.StringVar(&scaling, "scaling", "nearest", "scaling to 640x368: nearest (nvinfer's default scaling-filter=0) or bilinear")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case o.out == "":
		return fmt.Errorf("--out: an output directory is required")
	case o.scenes < 1 || o.scenes > 1<<20:
		return fmt.Errorf("--scenes %d: must be 1-%d", o.scenes, 1<<20)
	case o.frames < 1 || o.frames > 1000:
		return fmt.Errorf("--frames-per-scene %d: must be 1-1000", o.frames)
	case o.stride < 1 || o.stride > 1000:
		return fmt.Errorf("--stride %d: must be 1-1000", o.stride)
	case o.workers < 1 || o.workers > 1024:
		return fmt.Errorf("--workers %d: must be 1-1024", o.workers)
	case scaling != "nearest" && scaling != "bilinear":
		return fmt.Errorf("--scaling %q: must be nearest or bilinear", scaling)
	case o.scenes*o.frames > 1<<24:
		return fmt.Errorf("--scenes %d x --frames-per-scene %d: at most %d images", o.scenes, o.frames, 1<<24)
	}
	o.bilinear = scaling == "bilinear"
	start := time.Now()
	st, err := writeDataset(ctx, o)
	if err != nil {
		return err
	}
	d := time.Since(start).Seconds()
	fmt.Fprintf(stdout, "dsscene dataset: %d images (%d scenes), %d boxes, %d crops in %.1fs (%.0f images/s, %d workers) -> %s\n",
		st.Images, o.scenes, st.Boxes, st.Crops, d, float64(st.Images)/d, o.workers, o.out)
	return nil
}

// sceneConfig returns the config of scene i: its own seed, a 720p or
// 1080p frame, a lighting, traffic density, noise and blur.
func sceneConfig(o datasetOptions, i int) scene.Config {
	r := rand.New(rand.NewPCG(o.seed, uint64(i)))
	cfg := scene.Config{Seed: r.Uint64(), Width: 1280, Height: 720, FPS: 30, Frames: o.frames * o.stride,
		Density: 0.6 + 1.9*r.Float64(), Noise: 1 + 5*r.Float64(), Blur: r.IntN(10) < 3}
	if r.IntN(5) < 2 {
		cfg.Width, cfg.Height = 1920, 1080
	}
	switch x := r.IntN(20); {
	case x < 9:
		cfg.Lighting = scene.Day
	case x < 13:
		cfg.Lighting = scene.Dusk
	case x < 18:
		cfg.Lighting = scene.Night
	default:
		cfg.Lighting = scene.Cycle
	}
	return cfg
}

// sceneData is one scene's share of every array.
type sceneData struct {
	images []byte    // frames x 368 x 640 x 3
	masks  []byte    // frames x 368 x 640 uint16, little-endian
	boxes  []float32 // rows of boxCols
	crops  []byte    // K x 64 x 64 x 3
	labels []int64   // K x 2
	err    error
}

// renderer holds one worker's reusable frames.
type renderer struct {
	full   map[image.Point]*image.RGBA
	small  *video.Frame
	crop   *video.Frame
	interp video.Interp
}

func newRenderer(bilinear bool) *renderer {
	in, _ := video.NewInfo(video.FormatRGBA, detW, detH)
	ci, _ := video.NewInfo(video.FormatRGBA, cropSize, cropSize)
	r := &renderer{full: map[image.Point]*image.RGBA{}, small: video.NewFrame(in), crop: video.NewFrame(ci), interp: video.InterpNearest}
	if bilinear {
		r.interp = video.InterpBilinear
	}
	return r
}

// rgbaFrame views an image as a video frame.
func rgbaFrame(img *image.RGBA) (*video.Frame, error) {
	in, err := video.NewInfo(video.FormatRGBA, img.Rect.Dx(), img.Rect.Dy())
	if err != nil {
		return nil, err
	}
	return &video.Frame{Info: in, Data: img.Pix}, nil
}

// packRGB appends the RGB bytes of an RGBA frame (stride = width*4).
func packRGB(dst, rgba []byte) []byte {
	for p := 0; p+3 < len(rgba); p += 4 {
		dst = append(dst, rgba[p], rgba[p+1], rgba[p+2])
	}
	return dst
}

// scene renders scene i (whose first image has index first).
func (rd *renderer) scene(o datasetOptions, i, first int) sceneData {
	cfg := sceneConfig(o, i)
	s, err := scene.New(cfg)
	if err != nil {
		return sceneData{err: fmt.Errorf("scene %d: %w", i, err)}
	}
	size := image.Pt(cfg.Width, cfg.Height)
	img := rd.full[size]
	if img == nil {
		img = image.NewRGBA(image.Rectangle{Max: size})
		rd.full[size] = img
	}
	src, err := rgbaFrame(img)
	if err != nil {
		return sceneData{err: err}
	}
	jit := rand.New(rand.NewPCG(cfg.Seed, 0xc809))
	d := sceneData{images: make([]byte, 0, o.frames*detW*detH*3), masks: make([]byte, o.frames*detW*detH*2)}
	sx, sy := float64(detW)/float64(cfg.Width), float64(detH)/float64(cfg.Height)
	for j := 0; j < o.frames; j++ {
		f, err := s.Render(j*o.stride+jit.IntN(o.stride), img)
		if err != nil {
			return sceneData{err: fmt.Errorf("scene %d: %w", i, err)}
		}
		if err := video.Convert(rd.small, src, video.ConvertOptions{Interp: rd.interp}); err != nil {
			return sceneData{err: err}
		}
		d.images = packRGB(d.images, rd.small.Data)
		rd.mask(d.masks[j*detW*detH*2:(j+1)*detW*detH*2], f)
		for _, ob := range f.Objects {
			ign, col, typ := float32(0), float32(-1), float32(-1)
			if ob.Ignore {
				ign = 1
			}
			if ob.Class == scene.Car {
				col, typ = float32(ob.Color), float32(ob.Type)
			}
			d.boxes = append(d.boxes, float32(first+j), float32(ob.Class),
				float32(float64(ob.Box.Min.X)*sx), float32(float64(ob.Box.Min.Y)*sy),
				float32(float64(ob.Box.Max.X)*sx), float32(float64(ob.Box.Max.Y)*sy),
				ign, float32(ob.Track), col, typ, float32(ob.Visibility))
			if ob.Class == scene.Car && ob.Visibility >= 0.5 && ob.Box.Dx() >= 32 && ob.Box.Dy() >= 32 {
				if err := rd.cropCar(&d, src, ob.Box, jit); err != nil {
					return sceneData{err: err}
				}
				d.labels = append(d.labels, int64(ob.Color), int64(ob.Type))
			}
		}
	}
	return d
}

// mask writes the nearest-neighbour scaled instance map of f: 0 for
// background, k+1 for the frame's k-th object (its k-th det_boxes row).
func (rd *renderer) mask(dst []byte, f *scene.Frame) {
	var local [1 << 16]uint16 // object ID -> row within the image + 1
	for k := range f.Objects {
		local[f.Objects[k].ID] = uint16(k + 1)
	}
	for oy := 0; oy < detH; oy++ {
		y := min(f.Height-1, int((float64(oy)+0.5)*float64(f.Height)/detH))
		row := f.IDs[y*f.Width:]
		for ox := 0; ox < detW; ox++ {
			x := min(f.Width-1, int((float64(ox)+0.5)*float64(f.Width)/detW))
			binary.LittleEndian.PutUint16(dst[(oy*detW+ox)*2:], local[row[x]])
		}
	}
}

// cropCar cuts a car from the full frame around its visible box, each
// edge moved by up to 10% of the box size, scaled to 64x64.
func (rd *renderer) cropCar(d *sceneData, src *video.Frame, b image.Rectangle, r *rand.Rand) error {
	w, h := float64(b.Dx()), float64(b.Dy())
	j := func(size float64) float64 { return (r.Float64()*2 - 1) * 0.1 * size }
	x0 := max(0, int(math.Round(float64(b.Min.X)+j(w))))
	y0 := max(0, int(math.Round(float64(b.Min.Y)+j(h))))
	x1 := min(src.Width, int(math.Round(float64(b.Max.X)+j(w))))
	y1 := min(src.Height, int(math.Round(float64(b.Max.Y)+j(h))))
	crop := video.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
	if err := video.Convert(rd.crop, src, video.ConvertOptions{Crop: crop, Interp: video.InterpBilinear}); err != nil {
		return err
	}
	d.crops = packRGB(d.crops, rd.crop.Data)
	return nil
}

// datasetStats counts what was written.
type datasetStats struct {
	Images, Boxes, Crops int
}

// datasetMeta is meta.json.
type datasetMeta struct {
	Seed           uint64          `json:"seed"`
	Scenes         int             `json:"scenes"`
	FramesPerScene int             `json:"frames_per_scene"`
	Stride         int             `json:"stride"`
	Images         int             `json:"images"`
	Boxes          int             `json:"boxes"`
	Crops          int             `json:"crops"`
	Classes        []string        `json:"classes"`
	Colors         []string        `json:"colors"`
	Types          []string        `json:"types"`
	Width          int             `json:"width"`
	Height         int             `json:"height"`
	Scaling        string          `json:"scaling"`
	BoxColumns     []string        `json:"box_columns"`
	SceneConfigs   []sceneMetaItem `json:"scene_configs"`
}

type sceneMetaItem struct {
	Seed     uint64  `json:"seed"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	Lighting string  `json:"lighting"`
	Density  float64 `json:"density"`
	Noise    float64 `json:"noise"`
	Blur     bool    `json:"blur"`
}

// writeDataset renders the scenes on o.workers goroutines and writes them
// in scene order, so the files do not depend on the number of workers.
func writeDataset(ctx context.Context, o datasetOptions) (datasetStats, error) {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return datasetStats{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan sceneData, o.scenes)
	for i := range results {
		results[i] = make(chan sceneData, 1)
	}
	jobs := make(chan int)
	window := make(chan struct{}, 2*o.workers) // scenes in memory at once
	go func() {
		defer close(jobs)
		for i := 0; i < o.scenes; i++ {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < o.workers; w++ {
		go func() {
			rd := newRenderer(o.bilinear)
			for i := range jobs {
				results[i] <- rd.scene(o, i, i*o.frames)
			}
		}()
	}
	return collect(ctx, o, results, window)
}

// collect writes the scenes' data in order as it arrives.
func collect(ctx context.Context, o datasetOptions, results []chan sceneData, window chan struct{}) (datasetStats, error) {
	var st datasetStats
	files := []struct {
		name, descr string
		tail        []int
	}{
		{"det_images.npy", "|u1", []int{detH, detW, 3}},
		{"det_boxes.npy", "<f4", []int{boxCols}},
		{"det_masks.npy", "<u2", []int{detH, detW}},
		{"cls_crops.npy", "|u1", []int{cropSize, cropSize, 3}},
		{"cls_labels.npy", "<i8", []int{2}},
	}
	var ws []*npyWriter
	defer func() {
		for _, w := range ws {
			w.f.Close()
		}
	}()
	for _, f := range files {
		w, err := createNpy(filepath.Join(o.out, f.name), f.descr, f.tail...)
		if err != nil {
			return st, err
		}
		ws = append(ws, w)
	}
	var buf []byte
	for i := range results {
		var d sceneData
		select {
		case d = <-results[i]:
		case <-ctx.Done():
			return st, ctx.Err()
		}
		if d.err != nil {
			return st, d.err
		}
		buf = buf[:0]
		for _, v := range d.boxes {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		lab := make([]byte, 0, len(d.labels)*8)
		for _, v := range d.labels {
			lab = binary.LittleEndian.AppendUint64(lab, uint64(v))
		}
		for k, b := range [][]byte{d.images, buf, d.masks, d.crops, lab} {
			if err := ws[k].write(b); err != nil {
				return st, err
			}
		}
		<-window
	}
	for _, w := range ws {
		if err := w.close(); err != nil {
			return st, err
		}
	}
	st = datasetStats{Images: ws[0].rows, Boxes: ws[1].rows, Crops: ws[3].rows}
	ws = nil
	return st, writeMeta(o, st)
}

// writeMeta writes meta.json.
func writeMeta(o datasetOptions, st datasetStats) error {
	m := datasetMeta{Seed: o.seed, Scenes: o.scenes, FramesPerScene: o.frames, Stride: o.stride,
		Images: st.Images, Boxes: st.Boxes, Crops: st.Crops,
		Classes: scene.ClassNames[:], Colors: scene.ColorNames[:], Types: scene.TypeNames[:],
		Width: detW, Height: detH, Scaling: "nearest",
		BoxColumns: []string{"image", "class", "x1", "y1", "x2", "y2", "ignore", "track", "color", "type", "visibility"}}
	if o.bilinear {
		m.Scaling = "bilinear"
	}
	for i := 0; i < o.scenes; i++ {
		c := sceneConfig(o, i)
		m.SceneConfigs = append(m.SceneConfigs, sceneMetaItem{Seed: c.Seed, Width: c.Width, Height: c.Height,
			Lighting: c.Lighting.String(), Density: c.Density, Noise: c.Noise, Blur: c.Blur})
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.out, "meta.json"), append(b, '\n'), 0o644)
}
