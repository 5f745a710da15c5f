// Package infer provides nvinfer: it turns frames (or detected objects)
// into network input tensors, runs them on the inference runtime and
// parses the outputs into metadata, configured by DeepStream nvinfer
// config files. This file holds the preprocessing; the element, the
// runtime binding and the parsers' wiring come with the inference issue.
package infer

import (
	"fmt"

	"github.com/dsgo/dsgo/video"
)

// ColorFormat is nvinfer's model-color-format.
type ColorFormat int

// The model colour formats.
const (
	ColorRGB  ColorFormat = 0
	ColorBGR  ColorFormat = 1
	ColorGray ColorFormat = 2
)

// Preprocessor scales, converts and normalises a frame region into a
// network's planar float32 input, as nvinfer does:
//
//	y[c][h][w] = NetScaleFactor * (x[c][h][w] - Offsets[c])
//
// with the region scaled to the network size (keeping its aspect ratio,
// padded with black, when MaintainAspect is set). It reuses its scratch
// frame, so steady streaming allocates nothing.
type Preprocessor struct {
	NetW, NetH     int
	Color          ColorFormat
	NetScaleFactor float32
	Offsets        [3]float32
	MaintainAspect bool
	Symmetric      bool
	Interp         video.Interp
	// Workers, if set, lends goroutines for scaling large frames.
	Workers *video.Workers

	scratch *video.Frame
}

// Channels returns the network's input channels (1 for gray, else 3).
func (p *Preprocessor) Channels() int {
	if p.Color == ColorGray {
		return 1
	}
	return 3
}

// TensorLen returns the float32 elements of one input (C*H*W).
func (p *Preprocessor) TensorLen() int { return p.Channels() * p.NetW * p.NetH }

func (p *Preprocessor) scratchFrame() (*video.Frame, error) {
	f := video.FormatRGB
	switch p.Color {
	case ColorBGR:
		f = video.FormatBGR
	case ColorGray:
		f = video.FormatGRAY8
	}
	if p.scratch != nil && p.scratch.Format == f && p.scratch.Width == p.NetW && p.scratch.Height == p.NetH {
		return p.scratch, nil
	}
	in, err := video.NewInfo(f, p.NetW, p.NetH)
	if err != nil {
		return nil, fmt.Errorf("preprocess: network size: %w", err)
	}
	p.scratch = video.NewFrame(in)
	return p.scratch, nil
}

// Frame writes the crop of src (the zero Rect: all of it) into dst, one
// input tensor of TensorLen elements in CHW order.
func (p *Preprocessor) Frame(dst []float32, src *video.Frame, crop video.Rect) error {
	if len(dst) != p.TensorLen() {
		return fmt.Errorf("preprocess: tensor slot of %d floats, want %d (%dx%dx%d)", len(dst), p.TensorLen(), p.Channels(), p.NetH, p.NetW)
	}
	s, err := p.scratchFrame()
	if err != nil {
		return err
	}
	opt := video.ConvertOptions{Crop: crop, Interp: p.Interp, KeepAspect: p.MaintainAspect,
		Symmetric: p.Symmetric, PadColor: [4]uint8{0, 0, 0, 255}, Pool: p.Workers}
	if err := video.Convert(s, src, opt); err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	c := p.Channels()
	plane := p.NetW * p.NetH
	for y := 0; y < p.NetH; y++ {
		row := s.Data[y*s.Stride[0] : y*s.Stride[0]+p.NetW*c]
		base := y * p.NetW
		for ch := 0; ch < c; ch++ {
			out := dst[ch*plane+base : ch*plane+base+p.NetW]
			off, k := p.Offsets[ch], p.NetScaleFactor
			for x := range out {
				out[x] = k * (float32(row[x*c+ch]) - off)
			}
		}
	}
	return nil
}
