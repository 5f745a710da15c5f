//go:build !nogst

package gst

import (
	"context"
	"errors"
	"fmt"

	"github.com/dsgo/dsgo/pipeline"
)

// EncSink encodes raw video to an H.264 or H.265 file in MP4 or Matroska
// with GStreamer's x264enc or x265enc, as DeepStream's encode sink does.
// It finishes the file (the muxer writes its index) before posting EOS.
type EncSink struct {
	feedSink
	location  string
	codec     int
	container int
	bitrate   int64
	keyInt    int64
}

var (
	encCodecs     = []string{"h264", "h265"}
	encContainers = []string{"mp4", "mkv"}
)

var encSinkClass = &pipeline.ElementClass{
	Factory:     "dsencsink",
	Klass:       "Sink/Video/Encoder",
	Description: "Encode raw video to an H.264/H.265 file (MP4 or Matroska) with GStreamer",
	Templates: []*pipeline.PadTemplate{pipeline.NewPadTemplate("sink", pipeline.PadSink, pipeline.PadAlways,
		"video/x-raw, format={ NV12, I420, RGBA, BGRA, BGRx, RGB, BGR, GRAY8 }")},
	Props: []pipeline.Prop{
		pipeline.StringProp("location", "File to write", "", func(e *EncSink) *string { return &e.location }, nil),
		pipeline.EnumProp("codec", "Video codec", 0, encCodecs, func(e *EncSink) *int { return &e.codec }),
		pipeline.EnumProp("container", "File format", 0, encContainers, func(e *EncSink) *int { return &e.container }),
		pipeline.IntProp("bitrate", "Bit rate in kbit/s", 4000, 1, 1<<21, func(e *EncSink) *int64 { return &e.bitrate }),
		pipeline.IntProp("key-int-max", "Frames between key frames (0 = encoder default)", 30, 0, 1<<20, func(e *EncSink) *int64 { return &e.keyInt }),
		pipeline.BoolProp("sync", "Render buffers at their running time on the clock", false, func(e *EncSink) *bool { return &e.Sync }),
	},
}

func init() { pipeline.Register(encSinkClass, func() pipeline.Element { return NewEncSink() }) }

// NewEncSink returns a dsencsink with default properties.
func NewEncSink() *EncSink {
	s := &EncSink{}
	s.InitSink(s, encSinkClass)
	s.Async = true
	return s
}

// fragment returns the GStreamer elements after the appsrc.
func (s *EncSink) fragment() string {
	enc, parse := "x264enc", "h264parse"
	if encCodecs[s.codec] == "h265" {
		enc, parse = "x265enc", "h265parse"
	}
	mux := "mp4mux"
	if encContainers[s.container] == "mkv" {
		mux = "matroskamux"
	}
	// x264enc in Debian takes high bit depth input unless told 8-bit 4:2:0.
	return fmt.Sprintf("videoconvert ! video/x-raw,format=I420 ! "+
		"%s tune=zerolatency speed-preset=ultrafast bitrate=%d key-int-max=%d ! %s ! %s ! filesink location=%s",
		enc, s.bitrate, s.keyInt, parse, mux, quote(s.location))
}

// Start opens the file and the encoder.
func (s *EncSink) Start(ctx context.Context) error {
	if s.location == "" {
		return errors.New("no location set")
	}
	if err := s.open(ctx, s.fragment()); err != nil {
		return fmt.Errorf("cannot write %s: %w", s.location, err)
	}
	return nil
}
