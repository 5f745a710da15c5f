// Package sinks provides dsgo's own sink elements: jpegsink saves frames
// as JPEG files (DeepStream's "save the image of an anomaly"). Encoding to
// video files, RTSP and display go through GStreamer (package elements/gst).
package sinks

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// JPEGSink writes every frame it receives (each frame of a batch) to a
// JPEG file named by a pattern. Put it behind a probe or a valve that lets
// through only the frames worth keeping, or use SaveJPEG from a probe.
type JPEGSink struct {
	pipeline.SinkBase
	location string
	quality  int64
	maxFiles int64

	info    video.Info
	scratch *video.Frame
	index   int64
}

var jpegSinkClass = &pipeline.ElementClass{
	Factory:     "jpegsink",
	Klass:       "Sink/File",
	Description: "Save frames as JPEG files",
	Templates: []*pipeline.PadTemplate{pipeline.NewPadTemplate("sink", pipeline.PadSink, pipeline.PadAlways,
		"video/x-raw, format={ I420, NV12, RGBA, BGRA, BGRx, RGB, BGR, GRAY8 }")},
	Props: []pipeline.Prop{
		pipeline.StringProp("location", "File name pattern: %d is the frame index, %s the source id", "frame-%05d.jpg", func(e *JPEGSink) *string { return &e.location }, checkPattern),
		pipeline.IntProp("quality", "JPEG quality", 85, 1, 100, func(e *JPEGSink) *int64 { return &e.quality }),
		pipeline.IntProp("max-files", "Stop after this many files (0 = no limit)", 0, 0, 1<<31, func(e *JPEGSink) *int64 { return &e.maxFiles }),
		pipeline.BoolProp("sync", "Render frames at their running time", false, func(e *JPEGSink) *bool { return &e.Sync }),
		pipeline.BoolProp("async", "Preroll before reaching PAUSED", true, func(e *JPEGSink) *bool { return &e.Async }),
	},
}

func init() { pipeline.Register(jpegSinkClass, func() pipeline.Element { return NewJPEGSink() }) }

// NewJPEGSink returns a jpegsink with default properties.
func NewJPEGSink() *JPEGSink {
	s := &JPEGSink{}
	s.InitSink(s, jpegSinkClass)
	return s
}

// indexVerb is the frame index in a location pattern: %d, %05d, ...
var indexVerb = regexp.MustCompile(`%0?[0-9]*d`)

func checkPattern(p string) error {
	if n := len(indexVerb.FindAllString(p, -1)); n != 1 {
		return fmt.Errorf("location %q needs exactly one %%d (or %%05d) for the frame index", p)
	}
	if strings.Count(strings.ReplaceAll(p, "%%", ""), "%") > 2 {
		return fmt.Errorf("location %q: only %%d and %%s may be used", p)
	}
	return nil
}

// Start resets the file index.
func (s *JPEGSink) Start(context.Context) error {
	s.index = 0
	return nil
}

// SinkEvent records the frame format.
func (s *JPEGSink) SinkEvent(ev *pipeline.Event) (bool, bool) {
	if ev.Type == pipeline.EventCaps {
		info, err := video.InfoFromCaps(ev.Caps)
		if err != nil {
			s.PostError(err, "")
			return true, false
		}
		s.info = info
	}
	return false, false
}

// Render saves each frame of the buffer.
func (s *JPEGSink) Render(_ context.Context, b *pipeline.Buffer) error {
	batch := meta.GetBatchMeta(b)
	for i := 0; i < b.NumMemory(); i++ {
		if s.maxFiles > 0 && s.index >= s.maxFiles {
			return pipeline.ErrSinkEOS
		}
		f, err := video.FrameFromMemory(s.info, b.Memory(i))
		if err != nil {
			return err
		}
		src := "0"
		if batch != nil {
			for _, fm := range batch.Frames {
				if fm.BatchID == i {
					src = fmt.Sprint(fm.SourceID)
				}
			}
		}
		name := strings.ReplaceAll(s.location, "%s", src)
		name = fmt.Sprintf(name, s.index)
		if err := s.save(name, &f); err != nil {
			return err
		}
		s.index++
	}
	return nil
}

func (s *JPEGSink) save(name string, f *video.Frame) error {
	file, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(file)
	err = SaveJPEG(w, f, int(s.quality), &s.scratch)
	if err == nil {
		err = w.Flush()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// SaveJPEG encodes a frame as JPEG. I420, RGBA and GRAY8 frames are
// encoded directly from their memory; other formats are converted first
// into *scratch (reused across calls when not nil).
func SaveJPEG(w io.Writer, f *video.Frame, quality int, scratch **video.Frame) error {
	img, err := asImage(f, scratch)
	if err != nil {
		return err
	}
	return jpeg.Encode(w, img, &jpeg.Options{Quality: quality})
}

func asImage(f *video.Frame, scratch **video.Frame) (image.Image, error) {
	r := image.Rect(0, 0, f.Width, f.Height)
	switch f.Format {
	case video.FormatI420:
		return &image.YCbCr{Y: f.Plane(0), Cb: f.Plane(1), Cr: f.Plane(2), YStride: f.Stride[0], CStride: f.Stride[1],
			SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: r}, nil
	case video.FormatRGBA:
		return &image.RGBA{Pix: f.Plane(0), Stride: f.Stride[0], Rect: r}, nil
	case video.FormatGRAY8:
		return &image.Gray{Pix: f.Plane(0), Stride: f.Stride[0], Rect: r}, nil
	}
	if *scratch == nil || (*scratch).Width != f.Width || (*scratch).Height != f.Height {
		in, err := video.NewInfo(video.FormatI420, f.Width, f.Height)
		if err != nil {
			return nil, err
		}
		*scratch = video.NewFrame(in)
	}
	if err := video.Convert(*scratch, f, video.ConvertOptions{}); err != nil {
		return nil, err
	}
	return asImage(*scratch, scratch)
}
