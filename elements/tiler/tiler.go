// Package tiler provides nvmultistreamtiler: it composes the frames of a
// batch into one 2D grid frame, as DeepStream's Gst-nvmultistreamtiler, and
// moves every object's box into its tile so the OSD draws on the grid.
package tiler

import (
	"context"
	"fmt"
	"math"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// Tiler is the nvmultistreamtiler element.
type Tiler struct {
	pipeline.TransformBase
	rows, columns int64
	width, height int64
	showSource    int64
	gpuID         int64
	computeHW     int
	memType       int
	in, out       video.Info
	pool          *pipeline.BufferPool
	workers       *video.Workers
}

var tilerClass = &pipeline.ElementClass{
	Factory:     "nvmultistreamtiler",
	Klass:       "Filter/Video",
	Description: "Compose the frames of a batch into one 2D grid",
	Templates: []*pipeline.PadTemplate{
		pipeline.NewPadTemplate("sink", pipeline.PadSink, pipeline.PadAlways, "video/x-raw, format={ NV12, RGBA }"),
		pipeline.NewPadTemplate("src", pipeline.PadSrc, pipeline.PadAlways, "video/x-raw, format={ NV12, RGBA }"),
	},
	Props: []pipeline.Prop{
		pipeline.IntProp("rows", "Rows of the grid", 1, 1, 64, func(e *Tiler) *int64 { return &e.rows }),
		pipeline.IntProp("columns", "Columns of the grid", 1, 1, 64, func(e *Tiler) *int64 { return &e.columns }),
		pipeline.IntProp("width", "Width of the composite frame", 1920, 16, 16384, func(e *Tiler) *int64 { return &e.width }),
		pipeline.IntProp("height", "Height of the composite frame", 1080, 16, 16384, func(e *Tiler) *int64 { return &e.height }),
		pipeline.IntProp("show-source", "Source id to show alone, full size (-1 = all in the grid)", -1, -1, 1023, func(e *Tiler) *int64 { return &e.showSource }).Live(),
		pipeline.IntProp("gpu-id", "GPU to use", 0, 0, 64, func(e *Tiler) *int64 { return &e.gpuID }),
		pipeline.EnumProp("compute-hw", "Hardware used for scaling (CPU here)", 0, []string{"default", "gpu", "vic"}, func(e *Tiler) *int { return &e.computeHW }),
		pipeline.EnumProp("nvbuf-memory-type", "Memory of the output", 0, []string{"default", "cuda-pinned", "cuda-device", "cuda-unified"}, func(e *Tiler) *int { return &e.memType }),
	},
}

func init() { pipeline.Register(tilerClass, func() pipeline.Element { return New() }) }

// New returns a tiler with default properties.
func New() *Tiler {
	t := &Tiler{}
	t.InitTransform(t, tilerClass)
	return t
}

// SetCaps takes the batch format and announces the composite frame.
func (t *Tiler) SetCaps(in *pipeline.Caps) (*pipeline.Caps, error) {
	info, err := video.HostInfoFromCaps(in)
	if err != nil {
		return nil, err
	}
	out, err := video.NewInfo(info.Format, evenDown(int(t.width)), evenDown(int(t.height)))
	if err != nil {
		return nil, err
	}
	out.FPS = info.FPS
	pool, err := pipeline.NewBufferPool(out.Size, 1, 4)
	if err != nil {
		return nil, err
	}
	t.in, t.out, t.pool = info, out, pool
	return out.Caps(), nil
}

func evenDown(x int) int { return x &^ 1 }

// Start lends the tiler goroutines for scaling while it streams.
func (t *Tiler) Start(context.Context) error {
	t.workers = video.NewWorkers(0)
	return nil
}

// Stop unblocks a waiting Acquire and ends the scaling goroutines.
func (t *Tiler) Stop() error {
	if t.pool != nil {
		t.pool.SetFlushing(true)
	}
	t.workers.Close()
	return nil
}

// tileRect returns where source id goes, or false when it has no tile.
func (t *Tiler) tileRect(id int, show int) (video.Rect, bool) {
	if show >= 0 {
		return video.Rect{W: t.out.Width, H: t.out.Height}, id == show
	}
	cols, rows := int(t.columns), int(t.rows)
	if id < 0 || id >= cols*rows {
		return video.Rect{}, false
	}
	tw, th := evenDown(t.out.Width/cols), evenDown(t.out.Height/rows)
	return video.Rect{X: (id % cols) * tw, Y: (id / cols) * th, W: tw, H: th}, tw > 0 && th > 0
}

// Transform draws each frame into its tile of a new composite buffer and
// moves the metadata over, boxes rescaled into tile coordinates.
func (t *Tiler) Transform(ctx context.Context, in *pipeline.Buffer) (*pipeline.Buffer, error) {
	defer in.Unref()
	batch := meta.GetBatchMeta(in)
	if batch == nil {
		return nil, fmt.Errorf("buffer without batch metadata (put nvstreammux upstream)")
	}
	out, err := t.pool.Acquire(ctx)
	if err != nil {
		return nil, nil // stopping
	}
	dst, err := video.FrameFromMemory(t.out, out.Memory(0))
	if err != nil {
		out.Unref()
		return nil, err
	}
	// The boxes change: take the metadata when the batch is ours alone,
	// copy it when another branch (a tee) shares the buffer.
	if in.IsWritable() {
		in.MoveMetas(out)
	} else {
		batch = batch.Copy()
		out.AddMeta(batch)
	}
	video.Fill(&dst, [4]uint8{0, 0, 0, 255})
	t.Lock()
	show := int(t.showSource)
	t.Unlock()
	for _, f := range batch.Frames {
		r, ok := t.tileRect(f.SourceID, show)
		if !ok || f.BatchID >= in.NumMemory() {
			continue
		}
		src, err := video.FrameFromMemory(t.in, in.Memory(f.BatchID))
		if err != nil {
			out.Unref()
			return nil, fmt.Errorf("source %d: %w", f.SourceID, err)
		}
		tile, err := video.SubFrame(&dst, r)
		if err != nil {
			out.Unref()
			return nil, err
		}
		if err := video.Convert(&tile, &src, video.ConvertOptions{Pool: t.workers}); err != nil {
			out.Unref()
			return nil, fmt.Errorf("source %d: %w", f.SourceID, err)
		}
		moveObjects(f, r, t.in.Width, t.in.Height)
		f.BatchID = 0
	}
	out.PTS, out.DTS, out.Duration, out.Offset = in.PTS, in.DTS, in.Duration, in.Offset
	return out, nil
}

// moveObjects maps boxes from batch-frame coordinates to the tile.
func moveObjects(f *meta.FrameMeta, r video.Rect, w, h int) {
	sx, sy := float32(r.W)/float32(w), float32(r.H)/float32(h)
	for _, o := range f.Objects {
		rp := &o.RectParams
		rp.Left = float32(r.X) + rp.Left*sx
		rp.Top = float32(r.Y) + rp.Top*sy
		rp.Width *= sx
		rp.Height *= sy
		o.TextParams.XOffset = int(math.Round(float64(r.X) + float64(o.TextParams.XOffset)*float64(sx)))
		o.TextParams.YOffset = int(math.Round(float64(r.Y) + float64(o.TextParams.YOffset)*float64(sy)))
	}
}
