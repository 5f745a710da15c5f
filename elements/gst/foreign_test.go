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
	"github.com/dsgo/dsgo/video"
)

func TestEncSink(t *testing.T) {
	for _, tc := range []struct{ codec, container string }{{"h264", "mp4"}, {"h265", "mkv"}} {
		t.Run(tc.codec+"/"+tc.container, func(t *testing.T) {
			before := runtime.NumGoroutine()
			out := filepath.Join(t.TempDir(), "out."+tc.container)
			p, err := pipeline.Launch("uridecodebin uri=" + fileURI(testMedia(t, "30.mp4")) +
				" ! dsencsink codec=" + tc.codec + " container=" + tc.container + " location=" + out)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := run(t, p, 30*time.Second); err != nil {
				t.Fatal(err)
			}
			if n := mediatest.Frames(t, out); n != 30 {
				t.Fatalf("%s has %d frames, want 30", out, n)
			}
			checkGoroutines(t, before)
		})
	}
}

func TestEncSinkBadLocation(t *testing.T) {
	p, err := pipeline.Launch("uridecodebin uri=" + fileURI(testMedia(t, "10.mp4")) +
		" ! dsencsink location=/nonexistent/dir/out.mp4")
	if err != nil {
		t.Fatal(err)
	}
	_, err = run(t, p, 20*time.Second)
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/dir/out.mp4") {
		t.Fatalf("error %v should name the file", err)
	}
	t.Log(err)
}

// TestBinSink feeds x264enc ! mp4mux ! filesink from dsgo.
func TestBinSink(t *testing.T) {
	before := runtime.NumGoroutine()
	out := filepath.Join(t.TempDir(), "bin.mp4")
	enc, err := Foreign{}.MakeBin("x264enc ! mp4mux ! filesink location="+out, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(pipeline.Base(enc).Class().Templates) != 1 {
		t.Fatal("a sink fragment must have no src pad template")
	}
	p := pipeline.NewPipeline("p")
	src := NewURIDecodeBin()
	src.Set("uri", fileURI(testMedia(t, "30.mp4")))
	p.Add(src, enc)
	if err := pipeline.LinkElements(src, enc); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, p, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := mediatest.Frames(t, out); n != 30 {
		t.Fatalf("%s has %d frames, want 30", out, n)
	}
	checkGoroutines(t, before)
}

// TestBinFilter runs dsgo frames through GStreamer's videoconvert.
func TestBinFilter(t *testing.T) {
	before := runtime.NumGoroutine()
	conv, err := Foreign{}.MakeBin("videoconvert ! video/x-raw,format=RGBA", true, true)
	if err != nil {
		t.Fatal(err)
	}
	p := pipeline.NewPipeline("p")
	src := NewURIDecodeBin()
	src.Set("uri", fileURI(testMedia(t, "red.mp4")))
	c := newCollector(1)
	p.Add(src, conv, c.sink)
	if err := pipeline.LinkMany(src, conv, c.sink); err != nil {
		t.Fatal(err)
	}
	var caps *pipeline.Caps
	c.sink.SetHandoff(func(b *pipeline.Buffer) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if caps == nil {
			caps = c.sink.Sink().CurrentCaps()
			c.data = append(c.data, append([]byte(nil), b.Bytes()...))
		}
		c.pts = append(c.pts, b.PTS)
	})
	if _, err := run(t, p, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(c.pts) != 5 {
		t.Fatalf("got %d frames, want 5", len(c.pts))
	}
	checkSpacing(t, c.pts, time.Second/30)
	info, err := video.InfoFromCaps(caps)
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != video.FormatRGBA || info.Width != 320 {
		t.Fatalf("caps %s, want RGBA 320x240", caps)
	}
	checkPixels(t, &video.Frame{Info: info, Data: c.data[0]}, []byte{255, 0, 0, 255})
	checkGoroutines(t, before)
}

// TestBinSource reads a GStreamer source fragment.
func TestBinSource(t *testing.T) {
	before := runtime.NumGoroutine()
	src, err := Foreign{}.MakeBin("videotestsrc num-buffers=10 ! video/x-raw,width=64,height=48,framerate=10/1 ! videoconvert", false, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(pipeline.CapsSource); !ok {
		t.Fatal("not a CapsSource")
	}
	p := pipeline.NewPipeline("p")
	c := newCollector(0)
	p.Add(src, c.sink)
	if err := pipeline.LinkElements(src, c.sink); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, p, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(c.pts) != 10 {
		t.Fatalf("got %d buffers, want 10", len(c.pts))
	}
	checkSpacing(t, c.pts, time.Second/10)
	if caps := src.(*BinSource).Caps(); caps == nil || !strings.Contains(caps.String(), "width=64") {
		t.Fatalf("caps %v", caps)
	}
	checkGoroutines(t, before)
}

func TestBinErrors(t *testing.T) {
	if _, err := (Foreign{}).MakeBin("nosuchelement ! fakesink", true, false); err == nil || !strings.Contains(err.Error(), "nosuchelement") {
		t.Fatalf("error %v should name the missing element", err)
	}
	if !(Foreign{}).Has("x264enc") || (Foreign{}).Has("nosuchelement") {
		t.Fatal("Has is wrong")
	}
	// A GStreamer error while running is posted naming the GStreamer element.
	bad, err := Foreign{}.MakeBin("video/x-raw,format=GRAY16_LE ! fakesink", true, false)
	if err != nil {
		t.Fatal(err)
	}
	p := pipeline.NewPipeline("p")
	src := NewURIDecodeBin()
	src.Set("uri", fileURI(testMedia(t, "10.mp4")))
	p.Add(src, bad)
	pipeline.LinkElements(src, bad)
	_, err = run(t, p, 20*time.Second)
	if err == nil || !strings.Contains(err.Error(), "GStreamer element") {
		t.Fatalf("error %v should name the GStreamer element", err)
	}
	t.Log(err)
}
