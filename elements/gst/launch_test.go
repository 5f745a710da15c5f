//go:build !nogst

package gst

import (
	"github.com/dsgo/dsgo/internal/mediatest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dsgo/dsgo/pipeline"
)

// TestLaunchForeign runs launch lines that mix dsgo and GStreamer
// elements; runs of GStreamer elements become bridged bins.
func TestLaunchForeign(t *testing.T) {
	in := testMedia(t, "30.mp4")
	out := filepath.Join(t.TempDir(), "launch.mp4")
	for _, tc := range []struct {
		name, desc string
		frames     int64  // buffers at fakesink "out", -1: no fakesink
		caps       string // substring of the caps at "out"
	}{
		{"encode", "uridecodebin uri=" + fileURI(in) + " ! queue ! videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=" + out, -1, ""},
		{"source", "videotestsrc num-buffers=10 ! video/x-raw,format=RGBA,width=64,height=48 ! fakesink name=out", 10, "format=RGBA, width=64"},
		{"filter", "uridecodebin uri=" + fileURI(in) + " format=RGBA ! videoconvert ! video/x-raw,format=GRAY8 ! fakesink name=out", 30, "format=GRAY8"},
		{"decode", "filesrc location=" + in + " ! qtdemux ! h264parse ! avdec_h264 ! queue ! fakesink name=out", 30, "format=I420"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			p, err := pipeline.Launch(tc.desc)
			if err != nil {
				t.Fatal(err)
			}
			var caps *pipeline.Caps
			var sink *pipeline.FakeSink
			if tc.frames >= 0 {
				sink = p.ByName("out").(*pipeline.FakeSink)
				sink.SetHandoff(func(*pipeline.Buffer) {
					if caps == nil {
						caps = sink.Sink().CurrentCaps()
					}
				})
			}
			if _, err := run(t, p, 30*time.Second); err != nil {
				t.Fatal(err)
			}
			if tc.frames < 0 {
				if n := mediatest.Frames(t, out); n != 30 {
					t.Fatalf("%s has %d frames, want 30", out, n)
				}
			} else {
				if n := sink.Count(); n != tc.frames {
					t.Fatalf("got %d buffers, want %d", n, tc.frames)
				}
				if caps == nil || !strings.Contains(caps.String(), tc.caps) {
					t.Fatalf("caps %v, want %s", caps, tc.caps)
				}
			}
			checkGoroutines(t, before)
		})
	}
}
