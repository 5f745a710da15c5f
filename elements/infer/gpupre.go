package infer

import (
	"fmt"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/gpu"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// gpuPre is nvinfer's preprocessing on the GPU, used when the model runs
// there: the batch's frames are copied to the device once each, and one
// kernel launch scales, converts and normalises every frame or object
// crop straight into the network's input tensor on the device (the same
// arithmetic as the CPU Preprocessor, bit for bit).
type gpuPre struct {
	pre    *cuda.Preprocessor
	stream *cuda.Stream
	frames *cuda.DeviceMemory // staging: one frame per memory of the batch buffer
	frame  []cuda.Frame       // by memory index; Width 0 until uploaded
	items  []cuda.PreprocessItem
}

// newGPUPre prepares the kernel for the network input of p.
func newGPUPre(eng *gpu.Engine, p *Preprocessor, maxBatch int) (*gpuPre, error) {
	cfg := cuda.PreprocessConfig{NetW: p.NetW, NetH: p.NetH, Color: cuda.ColorFormat(p.Color),
		MaintainAspect: p.MaintainAspect, Symmetric: p.Symmetric, NetScaleFactor: p.NetScaleFactor,
		Offsets: p.Offsets, Layout: cuda.LayoutNCHW, DataType: cuda.Float32, MaxBatch: maxBatch}
	if p.Interp == video.InterpNearest {
		cfg.Interp = cuda.InterpNearest
	}
	pre, err := cuda.NewPreprocessor(eng.Context(), cfg)
	if err != nil {
		return nil, err
	}
	return &gpuPre{pre: pre, stream: eng.Stream()}, nil
}

// begin starts a batch of images taken from buf's frames.
func (g *gpuPre) begin(buf *pipeline.Buffer, in video.Info) error {
	n := buf.NumMemory()
	if need := n * in.Size; g.frames == nil || g.frames.Size() < need {
		if g.frames != nil {
			g.frames.Free()
		}
		m, err := g.stream.Context().Alloc(need)
		if err != nil {
			return fmt.Errorf("gpu preprocessing: %w", err)
		}
		g.frames = m
	}
	g.frame = g.frame[:0]
	for range n {
		g.frame = append(g.frame, cuda.Frame{})
	}
	g.items = g.items[:0]
	return nil
}

// add queues image i of the batch: memory mem of buf (uploaded on first
// use), all of it (the zero Rect) or the crop.
func (g *gpuPre) add(buf *pipeline.Buffer, in video.Info, mem int, crop video.Rect) error {
	if mem < 0 || mem >= len(g.frame) {
		return fmt.Errorf("frame %d of a batch of %d", mem, len(g.frame))
	}
	f := &g.frame[mem]
	if f.Width == 0 {
		data := buf.Memory(mem).Data
		if len(data) < in.Size {
			return fmt.Errorf("frame %d has %d bytes, %s needs %d", mem, len(data), in.Format, in.Size)
		}
		base := g.frames.Ptr().Add(mem * in.Size)
		if err := cuda.CopyToDevice(g.stream, base, data[:in.Size]); err != nil {
			return err
		}
		*f = cuda.Frame{Width: in.Width, Height: in.Height, Planes: [2]cuda.DevicePtr{base.Add(in.Offset[0]), base.Add(in.Offset[1])},
			Pitches: [2]int{in.Stride[0], in.Stride[1]}}
		switch in.Format {
		case video.FormatNV12:
			f.Format = cuda.PixelNV12
		case video.FormatRGBA:
			f.Format = cuda.PixelRGBA
		default:
			return fmt.Errorf("gpu preprocessing takes NV12 or RGBA, not %s", in.Format)
		}
	}
	g.items = append(g.items, cuda.PreprocessItem{Frame: *f, Crop: cuda.Rect{X: crop.X, Y: crop.Y, W: crop.W, H: crop.H}})
	return nil
}

// run writes the queued images into dst, the program's device input.
func (g *gpuPre) run(dst cuda.DevicePtr) error {
	return g.pre.Run(g.stream, dst, g.items)
}

// close frees the staging memory and the kernel.
func (g *gpuPre) close() {
	if g.frames != nil {
		g.frames.Free()
	}
	g.pre.Close()
}
