// Package convert provides nvvideoconvert: format conversion, scaling and
// cropping of raw frames, single or batched, as DeepStream's
// Gst-nvvideoconvert. The output format and size are negotiated with
// downstream (a caps filter after it says what it must produce); when they
// equal the input, buffers pass through untouched.
package convert

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

const anyVideo = "video/x-raw, format={ NV12, I420, RGBA, BGRA, BGRx, RGB, BGR, GRAY8 }, width=[1, 16384], height=[1, 16384]"

// Convert is the nvvideoconvert element.
type Convert struct {
	pipeline.TransformBase
	srcCrop, dstCrop string
	interp           int
	gpuID            int64
	memType          int
	computeHW        int

	in, out     video.Info
	passthrough bool
	crop, place video.Rect
	pools       map[int]*pipeline.BufferPool // by frames per buffer
	workers     *video.Workers
}

var convertClass = &pipeline.ElementClass{
	Factory:     "nvvideoconvert",
	Klass:       "Filter/Converter/Video/Scaler",
	Description: "Convert, scale and crop raw video frames (single or batched)",
	Templates: []*pipeline.PadTemplate{
		pipeline.NewPadTemplate("sink", pipeline.PadSink, pipeline.PadAlways, anyVideo),
		pipeline.NewPadTemplate("src", pipeline.PadSrc, pipeline.PadAlways, anyVideo),
	},
	Props: []pipeline.Prop{
		pipeline.StringProp("src-crop", "Crop of the input, left:top:width:height", "", func(e *Convert) *string { return &e.srcCrop }, checkCrop),
		pipeline.StringProp("dest-crop", "Where the output goes in the frame, left:top:width:height", "", func(e *Convert) *string { return &e.dstCrop }, checkCrop),
		pipeline.EnumProp("interpolation-method", "Scaling filter", 0, []string{"bilinear", "nearest"}, func(e *Convert) *int { return &e.interp }),
		pipeline.IntProp("gpu-id", "GPU to use", 0, 0, 64, func(e *Convert) *int64 { return &e.gpuID }),
		pipeline.EnumProp("nvbuf-memory-type", "Memory of the output", 0, []string{"default", "cuda-pinned", "cuda-device", "cuda-unified"}, func(e *Convert) *int { return &e.memType }),
		pipeline.EnumProp("compute-hw", "Hardware used (CPU here)", 0, []string{"default", "gpu", "vic"}, func(e *Convert) *int { return &e.computeHW }),
	},
}

func init() { pipeline.Register(convertClass, func() pipeline.Element { return New() }) }

// New returns an nvvideoconvert with default properties.
func New() *Convert {
	c := &Convert{}
	c.InitTransform(c, convertClass)
	return c
}

func checkCrop(s string) error {
	_, err := parseCrop(s)
	return err
}

// parseCrop reads "left:top:width:height"; "" is no crop.
func parseCrop(s string) (video.Rect, error) {
	if s == "" {
		return video.Rect{}, nil
	}
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return video.Rect{}, fmt.Errorf("crop %q: want left:top:width:height", s)
	}
	var v [4]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return video.Rect{}, fmt.Errorf("crop %q: %q is not a non-negative integer", s, p)
		}
		v[i] = n
	}
	if v[2] == 0 || v[3] == 0 {
		return video.Rect{}, fmt.Errorf("crop %q: width and height must be positive", s)
	}
	return video.Rect{X: v[0], Y: v[1], W: v[2], H: v[3]}, nil
}

// Start lends the element goroutines for scaling while it streams.
func (c *Convert) Start(context.Context) error {
	c.workers = video.NewWorkers(0)
	return nil
}

// Stop ends the scaling goroutines.
func (c *Convert) Stop() error {
	c.workers.Close()
	return nil
}

// SetCaps picks the output format: the input's where downstream allows it,
// else the closest downstream accepts.
func (c *Convert) SetCaps(in *pipeline.Caps) (*pipeline.Caps, error) {
	info, err := video.HostInfoFromCaps(in)
	if err != nil {
		return nil, err
	}
	allowed := c.Src().PeerQueryCaps(pipeline.MustParseCaps(anyVideo))
	if allowed.IsEmpty() {
		return nil, fmt.Errorf("downstream accepts no raw video format")
	}
	out, err := fixateLike(allowed, info)
	if err != nil {
		return nil, err
	}
	if c.crop, err = parseCrop(c.srcCrop); err != nil {
		return nil, err
	}
	if c.place, err = parseCrop(c.dstCrop); err != nil {
		return nil, err
	}
	if c.crop.X+c.crop.W > info.Width || c.crop.Y+c.crop.H > info.Height {
		return nil, fmt.Errorf("src-crop %s outside the %dx%d input", c.srcCrop, info.Width, info.Height)
	}
	if c.place.X+c.place.W > out.Width || c.place.Y+c.place.H > out.Height {
		return nil, fmt.Errorf("dest-crop %s outside the %dx%d output", c.dstCrop, out.Width, out.Height)
	}
	c.in, c.out = info, out
	c.passthrough = out.Format == info.Format && out.Width == info.Width && out.Height == info.Height &&
		c.crop == (video.Rect{}) && c.place == (video.Rect{})
	c.pools = map[int]*pipeline.BufferPool{}
	return out.Caps(), nil
}

// fixateLike chooses fixed caps from allowed, preferring the input's
// format, size and rate.
func fixateLike(allowed *pipeline.Caps, in video.Info) (video.Info, error) {
	if allowed.IsAny() {
		return in, nil
	}
	if pref := in.Caps(); pref.CanIntersect(allowed) {
		return in, nil
	}
	s := allowed.Structures[0].Copy()
	prefer := map[string]any{"format": in.Format.String(), "width": in.Width, "height": in.Height}
	for name, v := range prefer {
		cur, ok := s.Get(name)
		if !ok {
			s.Set(name, v)
			continue
		}
		one := pipeline.NewCaps(pipeline.NewStructure(s.Name, name, v))
		if one.CanIntersect(pipeline.NewCaps(pipeline.NewStructure(s.Name, name, cur))) {
			s.Set(name, v)
		}
	}
	fixed := pipeline.NewCaps(s).Fixate()
	out, err := video.InfoFromCaps(fixed)
	if err != nil {
		return video.Info{}, fmt.Errorf("cannot produce %s: %w", allowed, err)
	}
	out.FPS = in.FPS
	return out, nil
}

// Transform converts every frame of the buffer (one memory block each).
func (c *Convert) Transform(ctx context.Context, in *pipeline.Buffer) (*pipeline.Buffer, error) {
	if c.passthrough {
		return in, nil
	}
	defer in.Unref()
	out, err := c.acquire(ctx, in.NumMemory())
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, nil // stopping
	}
	for i := 0; i < in.NumMemory(); i++ {
		src, err := video.FrameFromMemory(c.in, in.Memory(i))
		if err != nil {
			out.Unref()
			return nil, err
		}
		dst, err := video.FrameFromMemory(c.out, out.Memory(i))
		if err != nil {
			out.Unref()
			return nil, err
		}
		target := &dst
		if c.place != (video.Rect{}) {
			video.Fill(&dst, [4]uint8{0, 0, 0, 255})
			sub, err := video.SubFrame(&dst, c.place)
			if err != nil {
				out.Unref()
				return nil, err
			}
			target = &sub
		}
		opt := video.ConvertOptions{Crop: c.crop, Interp: video.Interp(c.interp), Pool: c.workers}
		if err := video.Convert(target, &src, opt); err != nil {
			out.Unref()
			return nil, err
		}
	}
	out.PTS, out.DTS, out.Duration, out.Offset, out.Flags = in.PTS, in.DTS, in.Duration, in.Offset, in.Flags
	if in.IsWritable() {
		in.MoveMetas(out)
	} else {
		for _, m := range in.Metas() {
			if cm := m.CopyMeta(); cm != nil {
				out.AddMeta(cm)
			}
		}
	}
	return out, nil
}

// acquire returns an output buffer with n frame blocks, from a pool per
// batch size so steady streaming allocates nothing.
func (c *Convert) acquire(ctx context.Context, n int) (*pipeline.Buffer, error) {
	pool := c.pools[n]
	if pool == nil {
		var err error
		if pool, err = pipeline.NewBufferPool(n*c.out.Size, 1, 0); err != nil {
			return nil, err
		}
		c.pools[n] = pool
	}
	b, err := pool.Acquire(ctx)
	if err != nil {
		return nil, nil
	}
	whole := b.Memory(0).Data
	b.RemoveAllMemory()
	for i := 0; i < n; i++ {
		blk := whole[i*c.out.Size : (i+1)*c.out.Size]
		b.AppendMemory(pipeline.Memory{Type: pipeline.MemoryHost, Data: blk, Size: len(blk)})
	}
	return b, nil
}
