package video

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dsgo/dsgo/pipeline"
)

// Format is a raw video pixel format.
type Format uint8

// Formats, named as in GStreamer caps.
const (
	FormatUnknown Format = iota
	FormatNV12           // Y plane, then interleaved UV at half resolution (decoder output)
	FormatI420           // Y, U, V planes, U and V at half resolution
	FormatRGBA           // 8-bit R, G, B, A interleaved
	FormatBGRA           // 8-bit B, G, R, A interleaved
	FormatBGRx           // 8-bit B, G, R, unused
	FormatRGB            // 8-bit R, G, B packed
	FormatBGR            // 8-bit B, G, R packed
	FormatGRAY8          // 8-bit luma only
)

var formatNames = [...]string{"unknown", "NV12", "I420", "RGBA", "BGRA", "BGRx", "RGB", "BGR", "GRAY8"}

// String returns the GStreamer name of the format.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat reads a GStreamer format name (case-insensitive).
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames[1:] {
		if strings.EqualFold(n, s) {
			return Format(i + 1), nil
		}
	}
	return FormatUnknown, fmt.Errorf("unsupported video format %q (want one of %s)", s, strings.Join(formatNames[1:], ", "))
}

// NumPlanes returns the number of planes of the format.
func (f Format) NumPlanes() int {
	switch f {
	case FormatNV12:
		return 2
	case FormatI420:
		return 3
	case FormatUnknown:
		return 0
	}
	return 1
}

// PixelStride returns bytes per pixel of a packed format's single plane,
// or 1 for the luma plane of planar formats.
func (f Format) PixelStride() int {
	switch f {
	case FormatRGBA, FormatBGRA, FormatBGRx:
		return 4
	case FormatRGB, FormatBGR:
		return 3
	}
	return 1
}

// IsYUV reports whether the format stores luma and chroma.
func (f Format) IsYUV() bool { return f == FormatNV12 || f == FormatI420 }

// Info describes raw video: format, size, frame rate, where the memory
// lives, and the plane layout. The layout follows GStreamer's default
// (gst_video_info_set_format), so frames from GStreamer are used without
// copying.
type Info struct {
	Format        Format
	Width, Height int
	FPS           pipeline.Fraction // 0/1 when unknown
	Memory        pipeline.MemoryType
	Stride        [3]int // bytes per row of each plane
	Offset        [3]int // byte offset of each plane
	Size          int    // bytes of one frame
}

// NewInfo returns the info of a frame with GStreamer's default layout.
func NewInfo(f Format, width, height int) (Info, error) {
	if width <= 0 || height <= 0 || width > 1<<15 || height > 1<<15 {
		return Info{}, fmt.Errorf("invalid video size %dx%d", width, height)
	}
	if f == FormatUnknown || int(f) >= len(formatNames) {
		return Info{}, fmt.Errorf("invalid video format %v", f)
	}
	in := Info{Format: f, Width: width, Height: height, FPS: pipeline.Fraction{Num: 0, Den: 1}}
	up4 := func(x int) int { return (x + 3) &^ 3 }
	up2 := func(x int) int { return (x + 1) &^ 1 }
	switch f {
	case FormatNV12:
		in.Stride[0] = up4(width)
		in.Stride[1] = in.Stride[0]
		in.Offset[1] = in.Stride[0] * up2(height)
		in.Size = in.Offset[1] + in.Stride[0]*up2(height)/2
	case FormatI420:
		in.Stride[0] = up4(width)
		in.Stride[1] = up4(up2(width) / 2)
		in.Stride[2] = in.Stride[1]
		in.Offset[1] = in.Stride[0] * up2(height)
		in.Offset[2] = in.Offset[1] + in.Stride[1]*(up2(height)/2)
		in.Size = in.Offset[2] + in.Stride[2]*(up2(height)/2)
	case FormatGRAY8, FormatRGB, FormatBGR:
		in.Stride[0] = up4(width * f.PixelStride())
		in.Size = in.Stride[0] * height
	default:
		in.Stride[0] = width * f.PixelStride()
		in.Size = in.Stride[0] * height
	}
	return in, nil
}

// PlaneHeight returns the number of rows of plane i.
func (in *Info) PlaneHeight(i int) int {
	if i > 0 && in.Format.IsYUV() {
		return (in.Height + 1) / 2
	}
	return in.Height
}

// Caps returns fixed caps for the info: video/x-raw with format, width,
// height, framerate, and the memory:CUDA feature for GPU memory.
func (in Info) Caps() *pipeline.Caps {
	s := pipeline.NewStructure("video/x-raw",
		"format", in.Format.String(), "width", in.Width, "height", in.Height)
	if in.FPS.Den != 0 {
		s.Set("framerate", in.FPS)
	}
	if in.Memory == pipeline.MemoryCUDA {
		s.Features = []string{pipeline.CapsFeatureCUDA}
	}
	return pipeline.NewCaps(s)
}

// InfoFromCaps reads fixed video/x-raw caps.
func InfoFromCaps(c *pipeline.Caps) (Info, error) {
	if c == nil || !c.IsFixed() {
		return Info{}, fmt.Errorf("video caps must be fixed, got %s", c)
	}
	s := c.Structures[0]
	if s.Name != "video/x-raw" {
		return Info{}, fmt.Errorf("not raw video caps: %s", c)
	}
	fs, ok := s.Str("format")
	if !ok {
		return Info{}, fmt.Errorf("caps %s: no format", c)
	}
	f, err := ParseFormat(fs)
	if err != nil {
		return Info{}, fmt.Errorf("caps %s: %w", c, err)
	}
	w, ok1 := s.Int("width")
	h, ok2 := s.Int("height")
	if !ok1 || !ok2 {
		return Info{}, fmt.Errorf("caps %s: no width or height", c)
	}
	in, err := NewInfo(f, w, h)
	if err != nil {
		return Info{}, fmt.Errorf("caps %s: %w", c, err)
	}
	if v, ok := s.Get("framerate"); ok {
		if fr, ok := v.(pipeline.Fraction); ok {
			in.FPS = fr
		}
	}
	if s.HasFeature(pipeline.CapsFeatureCUDA) {
		in.Memory = pipeline.MemoryCUDA
	}
	return in, nil
}

// Frame is a view of one frame's pixels in host memory, laid out as its
// Info says. It does not own the memory.
type Frame struct {
	Info
	Data []byte
}

// NewFrame allocates a frame; use pools in streaming code.
func NewFrame(in Info) *Frame { return &Frame{Info: in, Data: make([]byte, in.Size)} }

// FrameFromMemory views a buffer memory block as a frame of info in. It
// fails for GPU memory (map it through package cuda) and for blocks too
// small for the layout.
func FrameFromMemory(in Info, m *pipeline.Memory) (Frame, error) {
	if m.Type == pipeline.MemoryCUDA {
		return Frame{}, fmt.Errorf("frame is in GPU memory; copy it to the host first")
	}
	if len(m.Data) < in.Size {
		return Frame{}, fmt.Errorf("memory of %d bytes is smaller than a %s %dx%d frame (%d bytes)",
			len(m.Data), in.Format, in.Width, in.Height, in.Size)
	}
	return Frame{Info: in, Data: m.Data[:in.Size]}, nil
}

// Plane returns the bytes of plane i, from its offset to the end of its
// last row.
func (f *Frame) Plane(i int) []byte {
	end := f.Offset[i] + f.Stride[i]*f.PlaneHeight(i)
	return f.Data[f.Offset[i]:end]
}

// ErrGPUMemory is returned by HostInfoFromCaps for frames in GPU memory,
// which CPU elements cannot read.
var ErrGPUMemory = errors.New("frames are in GPU memory (memory:CUDA); this element works on host memory: convert them with nvvideoconvert, or use the CUDA build")

// HostInfoFromCaps is InfoFromCaps for CPU elements: it also fails, with
// ErrGPUMemory, for frames in GPU memory.
func HostInfoFromCaps(c *pipeline.Caps) (Info, error) {
	in, err := InfoFromCaps(c)
	if err == nil && in.Memory == pipeline.MemoryCUDA {
		err = ErrGPUMemory
	}
	return in, err
}
