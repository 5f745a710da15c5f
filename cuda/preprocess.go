package cuda

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// PixelFormat is the layout of a source frame in device memory.
type PixelFormat uint8

// Source pixel formats.
const (
	// PixelNV12 is a Y plane and an interleaved UV plane at half
	// resolution, BT.601 limited range (decoder output).
	PixelNV12 PixelFormat = iota + 1
	// PixelRGBA is 8-bit R, G, B, A interleaved.
	PixelRGBA
)

// Frame is a pitched frame in device memory.
type Frame struct {
	Format        PixelFormat
	Width, Height int
	// Planes are NV12's Y and UV planes, or RGBA's one plane (Planes[1]
	// unused); Pitches are their row strides in bytes.
	Planes  [2]DevicePtr
	Pitches [2]int
}

// Rect is a pixel rectangle: left, top, width, height.
type Rect struct{ X, Y, W, H int }

// PreprocessItem is one network input of a batch: a frame and the
// rectangle of it to use (the zero Rect for the whole frame, as nvinfer's
// primary mode does; an object's box in secondary mode).
type PreprocessItem struct {
	Frame Frame
	Crop  Rect
}

// ColorFormat is the network's input colour order (nvinfer's
// model-color-format; the values are the config's).
type ColorFormat int

// Network colour formats.
const (
	ColorRGB  ColorFormat = 0
	ColorBGR  ColorFormat = 1
	ColorGray ColorFormat = 2
)

// Interp is the scaling filter.
type Interp uint8

// Scaling filters.
const (
	InterpBilinear Interp = iota
	InterpNearest
)

// TensorLayout is the order of the output tensor's dimensions.
type TensorLayout uint8

// Tensor layouts.
const (
	LayoutNCHW TensorLayout = iota // planar: all of a channel, then the next
	LayoutNHWC                     // interleaved: the channels of a pixel together
)

// DataType is the output tensor's element type.
type DataType uint8

// Output element types.
const (
	Float32 DataType = iota
	Float16          // IEEE half, rounded to nearest even
)

// Size returns the bytes of one element.
func (t DataType) Size() int {
	if t == Float16 {
		return 2
	}
	return 4
}

// PreprocessConfig is what nvinfer's config says about its input tensor.
type PreprocessConfig struct {
	NetW, NetH int
	Color      ColorFormat
	Interp     Interp
	// MaintainAspect scales each rectangle without distortion and pads
	// the rest with black; Symmetric centres it, else it sits top-left.
	MaintainAspect, Symmetric bool
	// Output = NetScaleFactor * (pixel - Offsets[channel]).
	NetScaleFactor float32
	Offsets        [3]float32
	Layout         TensorLayout
	DataType       DataType
	// MaxBatch is the largest batch Run takes.
	MaxBatch int
	// CacheDir is the kernel cache ("" for DefaultCacheDir).
	CacheDir string
}

// Validate reports the first setting out of range.
func (c *PreprocessConfig) Validate() error {
	switch {
	case c.NetW <= 0 || c.NetH <= 0 || c.NetW > 1<<15 || c.NetH > 1<<15:
		return fmt.Errorf("cuda: preprocess: network size %dx%d: must be 1-32768 each", c.NetW, c.NetH)
	case c.Color < ColorRGB || c.Color > ColorGray:
		return fmt.Errorf("cuda: preprocess: colour format %d: must be 0-2", c.Color)
	case c.Interp > InterpNearest:
		return fmt.Errorf("cuda: preprocess: interpolation %d: must be 0-1", c.Interp)
	case c.Layout > LayoutNHWC:
		return fmt.Errorf("cuda: preprocess: layout %d: must be 0-1", c.Layout)
	case c.DataType > Float16:
		return fmt.Errorf("cuda: preprocess: data type %d: must be 0-1", c.DataType)
	case c.MaxBatch <= 0 || c.MaxBatch > 65535:
		return fmt.Errorf("cuda: preprocess: max batch %d: must be 1-65535", c.MaxBatch)
	case math.IsNaN(float64(c.NetScaleFactor)) || math.IsInf(float64(c.NetScaleFactor), 0):
		return fmt.Errorf("cuda: preprocess: net-scale-factor %v is not finite", c.NetScaleFactor)
	}
	return nil
}

// Channels returns the tensor's channels (1 for gray, else 3).
func (c *PreprocessConfig) Channels() int {
	if c.Color == ColorGray {
		return 1
	}
	return 3
}

// TensorLen returns the elements of one input (C*H*W).
func (c *PreprocessConfig) TensorLen() int { return c.Channels() * c.NetW * c.NetH }

// The item descriptor the kernel reads (struct PrepItem in
// kernels/preprocess.cu).
const (
	itemSize = 64
	// ringSlots descriptor buffers rotate, so Run refills one while the
	// kernels of up to ringSlots-1 earlier batches may still read theirs.
	ringSlots = 4
	blockW    = 32
	blockH    = 8
)

// Preprocessor runs nvinfer's preprocessing on the GPU: one kernel
// launch turns a batch of frames (or object crops) into the network's
// input tensor, scaling, converting and normalising exactly as dsgo's CPU
// preprocessing does (elements/infer). Run allocates nothing; a
// Preprocessor is not safe for concurrent use.
type Preprocessor struct {
	cfg  PreprocessConfig
	ctx  *Context
	mod  *Module
	fn   *Function
	args *Args
	host *HostMemory   // ringSlots * MaxBatch descriptors, pinned
	dev  *DeviceMemory // the same, on the device
	ring [ringSlots]*Event
	used [ringSlots]bool
	next int
}

// NewPreprocessor compiles (or loads from the kernel cache) the
// preprocessing kernels and allocates the descriptor buffers.
func NewPreprocessor(ctx *Context, cfg PreprocessConfig) (*Preprocessor, error) {
	if _, err := ctx.handle(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	prog, err := Kernel("preprocess.cu")
	if err != nil {
		return nil, err
	}
	p := &Preprocessor{cfg: cfg, ctx: ctx, args: NewArgs()}
	if p.mod, err = ctx.BuildModule(prog, cfg.CacheDir); err != nil {
		return nil, err
	}
	name := "dsgo_preprocess_" + [...]string{"f32", "f16"}[cfg.DataType] + "_" + [...]string{"nchw", "nhwc"}[cfg.Layout]
	if p.fn, err = p.mod.Function(name); err != nil {
		return nil, errors.Join(err, p.Close())
	}
	n := ringSlots * cfg.MaxBatch * itemSize
	if p.host, err = ctx.AllocHost(n); err != nil {
		return nil, errors.Join(err, p.Close())
	}
	if p.dev, err = ctx.Alloc(n); err != nil {
		return nil, errors.Join(err, p.Close())
	}
	for i := range p.ring {
		if p.ring[i], err = ctx.NewEvent(); err != nil {
			return nil, errors.Join(err, p.Close())
		}
	}
	return p, nil
}

// Config returns the configuration.
func (p *Preprocessor) Config() PreprocessConfig { return p.cfg }

// FromCache reports whether the kernels came from the on-disk cache.
func (p *Preprocessor) FromCache() bool { return p != nil && p.mod != nil && p.mod.FromCache }

// Run queues the preprocessing of items on s, writing len(items) inputs
// of TensorLen elements each, one after the other, at dst. The frames
// must stay unchanged until the work is done.
func (p *Preprocessor) Run(s *Stream, dst DevicePtr, items []PreprocessItem) error {
	if p == nil || p.fn == nil || p.dev == nil {
		return errClosed
	}
	n := len(items)
	if n == 0 || n > p.cfg.MaxBatch {
		return fmt.Errorf("cuda: preprocess: batch of %d items: must be 1-%d", n, p.cfg.MaxBatch)
	}
	if dst == 0 {
		return errors.New("cuda: preprocess: nil destination")
	}
	slot := p.next
	if p.used[slot] {
		// The slot's last batch must have read its descriptors.
		if err := p.ring[slot].Synchronize(); err != nil {
			return err
		}
	}
	off := slot * p.cfg.MaxBatch * itemSize
	desc := p.host.Bytes()[off : off+n*itemSize]
	for i := range items {
		if err := p.describe(desc[i*itemSize:(i+1)*itemSize], &items[i]); err != nil {
			return fmt.Errorf("cuda: preprocess: item %d: %w", i, err)
		}
	}
	items0 := p.dev.Ptr().Add(off)
	if err := CopyToDevice(s, items0, desc); err != nil {
		return err
	}
	c := &p.cfg
	nearest := int32(0)
	if c.Interp == InterpNearest {
		nearest = 1
	}
	p.args.Reset().Ptr(items0).Ptr(dst).Int32(int32(c.NetW)).Int32(int32(c.NetH)).Int32(int32(c.Color)).Int32(nearest).
		Float32(c.NetScaleFactor).Float32(c.Offsets[0]).Float32(c.Offsets[1]).Float32(c.Offsets[2])
	grid := Dim3{(c.NetW + blockW - 1) / blockW, (c.NetH + blockH - 1) / blockH, n}
	if err := p.fn.Launch(s, grid, Dim3{blockW, blockH, 1}, 0, p.args); err != nil {
		return err
	}
	if err := p.ring[slot].Record(s); err != nil {
		return err
	}
	p.used[slot] = true
	p.next = (slot + 1) % ringSlots
	return nil
}

// describe checks an item and writes its descriptor into d.
func (p *Preprocessor) describe(d []byte, it *PreprocessItem) error {
	f := &it.Frame
	if f.Width <= 0 || f.Height <= 0 || f.Width > 1<<16 || f.Height > 1<<16 {
		return fmt.Errorf("frame size %dx%d: must be 1-65536 each", f.Width, f.Height)
	}
	if f.Pitches[0] > 1<<30 || f.Pitches[1] > 1<<30 {
		return fmt.Errorf("pitches %v: must be at most 1 GiB", f.Pitches)
	}
	var format uint32
	switch f.Format {
	case PixelNV12:
		if f.Planes[0] == 0 || f.Planes[1] == 0 {
			return errors.New("NV12 frame without both planes")
		}
		if f.Pitches[0] < f.Width || f.Pitches[1] < 2*((f.Width+1)/2) {
			return fmt.Errorf("NV12 pitches %v too small for width %d", f.Pitches, f.Width)
		}
	case PixelRGBA:
		format = 1
		if f.Planes[0] == 0 {
			return errors.New("RGBA frame without a plane")
		}
		if f.Pitches[0] < 4*f.Width {
			return fmt.Errorf("RGBA pitch %d too small for width %d", f.Pitches[0], f.Width)
		}
	default:
		return fmt.Errorf("unknown pixel format %d", f.Format)
	}
	crop := it.Crop
	if crop == (Rect{}) {
		crop = Rect{0, 0, f.Width, f.Height}
	}
	if crop.W <= 0 || crop.H <= 0 || crop.X < 0 || crop.Y < 0 || crop.X > f.Width-crop.W || crop.Y > f.Height-crop.H {
		return fmt.Errorf("crop %+v outside the %dx%d frame", crop, f.Width, f.Height)
	}
	out := Rect{0, 0, p.cfg.NetW, p.cfg.NetH}
	if p.cfg.MaintainAspect {
		out = fitRect(crop.W, crop.H, p.cfg.NetW, p.cfg.NetH, p.cfg.Symmetric)
	}
	le := binary.LittleEndian
	le.PutUint64(d[0:], uint64(f.Planes[0]))
	le.PutUint64(d[8:], uint64(f.Planes[1]))
	for i, v := range [...]int{f.Pitches[0], f.Pitches[1], crop.X, crop.Y, crop.W, crop.H, out.X, out.Y, out.W, out.H} {
		le.PutUint32(d[16+4*i:], uint32(int32(v)))
	}
	le.PutUint32(d[56:], format)
	le.PutUint32(d[60:], 0)
	return nil
}

// fitRect returns where a sw x sh image goes inside dw x dh keeping its
// aspect ratio; symmetric centres it, the odd pixel of padding going to
// the bottom or right. It must stay equal to video's fitRect (the tests
// compare the GPU's output with the CPU path's).
func fitRect(sw, sh, dw, dh int, symmetric bool) Rect {
	w, h := dw, sh*dw/sw
	if h > dh {
		w, h = sw*dh/sh, dh
	}
	w, h = max(w, 1), max(h, 1)
	r := Rect{0, 0, w, h}
	if symmetric {
		r.X, r.Y = (dw-w)/2, (dh-h)/2
	}
	return r
}

// Close waits for the queued batches and frees the Preprocessor's
// resources.
func (p *Preprocessor) Close() error {
	if p == nil || p.ctx == nil {
		return errClosed
	}
	var errs []error
	for i, e := range p.ring {
		if e == nil {
			continue
		}
		if p.used[i] {
			errs = append(errs, e.Synchronize())
		}
		errs = append(errs, e.Close())
		p.ring[i] = nil
	}
	if p.dev != nil {
		errs = append(errs, p.dev.Free())
		p.dev = nil
	}
	if p.host != nil {
		errs = append(errs, p.host.Free())
		p.host = nil
	}
	if p.mod != nil {
		errs = append(errs, p.mod.Close())
		p.mod, p.fn = nil, nil
	}
	p.ctx = nil
	return errors.Join(errs...)
}
