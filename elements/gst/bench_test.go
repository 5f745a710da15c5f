//go:build !nogst

package gst

import (
	"context"
	"testing"
	"time"

	"github.com/dsgo/dsgo/pipeline"
)

// BenchmarkDecode decodes a 300-frame 320x240 H.264 MP4 to NV12: through
// dsgo's uridecodebin into a dsgo fakesink (frames handed over without
// copying where GStreamer allows, or always copied), and with the same
// GStreamer elements into GStreamer's own fakesink, in this process.
func BenchmarkDecode(b *testing.B) {
	uri := fileURI(testMedia(b, "fast.mp4"))
	const frames = 300
	for _, mode := range []string{"dsgo", "dsgo-copy"} {
		b.Run(mode, func(b *testing.B) {
			var zero, copied int64
			for b.Loop() {
				p := pipeline.NewPipeline("bench")
				src := NewURIDecodeBin()
				src.Set("uri", uri)
				src.copyFrames = mode == "dsgo-copy"
				sink := pipeline.NewFakeSink()
				p.Add(src, sink)
				pipeline.LinkElements(src, sink)
				if _, err := run(b, p, time.Minute); err != nil {
					b.Fatal(err)
				}
				if n := sink.Count(); n != frames {
					b.Fatalf("%d frames, want %d", n, frames)
				}
				zero += src.zeroCopy.Load()
				copied += src.copied.Load()
			}
			b.ReportMetric(float64(b.N*frames)/b.Elapsed().Seconds(), "frames/s")
			b.ReportMetric(float64(zero)/float64(zero+copied), "zero-copy-ratio")
		})
	}
	b.Run("gstreamer", func(b *testing.B) {
		desc := "uridecodebin uri=" + quote(uri) + " ! videoconvert ! video/x-raw,format=NV12 ! fakesink sync=false"
		for b.Loop() {
			if err := playGStreamer(desc, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*frames)/b.Elapsed().Seconds(), "frames/s")
	})
}

// playGStreamer runs a GStreamer pipeline to EOS.
func playGStreamer(desc string, d time.Duration) error {
	s, err := newSession(desc)
	if err != nil {
		return err
	}
	defer s.close()
	if _, _, err := s.start(context.Background(), false, 0); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return s.waitEOS(ctx)
}
