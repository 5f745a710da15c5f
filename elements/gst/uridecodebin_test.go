//go:build !nogst

package gst

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// decodePipeline returns uridecodebin ! collector.
func decodePipeline(t *testing.T, uri string, keep int, props map[string]any) (*pipeline.Pipeline, *URIDecodeBin, *collector) {
	t.Helper()
	p := pipeline.NewPipeline("p")
	src := NewURIDecodeBin()
	if err := src.Set("uri", uri); err != nil {
		t.Fatal(err)
	}
	for k, v := range props {
		if err := src.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	c := newCollector(keep)
	if err := p.Add(src, c.sink); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.LinkElements(src, c.sink); err != nil {
		t.Fatal(err)
	}
	return p, src, c
}

func TestURIDecodeBinFile(t *testing.T) {
	path := testMedia(t, "30.mp4")
	before := runtime.NumGoroutine()
	p, err := pipeline.Launch("uridecodebin uri=" + fileURI(path) + " ! fakesink name=out")
	if err != nil {
		t.Fatal(err)
	}
	var caps *pipeline.Caps
	out := p.ByName("out").(*pipeline.FakeSink)
	out.SetHandoff(func(*pipeline.Buffer) {
		if caps == nil {
			caps = out.Sink().CurrentCaps()
		}
	})
	if _, err := run(t, p, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := out.Count(); n != 30 {
		t.Fatalf("got %d frames, want 30", n)
	}
	want := "video/x-raw, format=NV12, width=320, height=240, framerate=30/1"
	if caps == nil || caps.String() != want {
		t.Fatalf("caps %v, want %s", caps, want)
	}
	checkGoroutines(t, before)
}

func TestURIDecodeBinTimestamps(t *testing.T) {
	p, src, c := decodePipeline(t, fileURI(testMedia(t, "30.mp4")), 0, map[string]any{"format": "I420"})
	if _, err := run(t, p, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	pts := c.timestamps()
	if len(pts) != 30 {
		t.Fatalf("got %d frames, want 30", len(pts))
	}
	checkSpacing(t, pts, time.Second/30)
	t.Logf("zero-copy frames %d, copied %d", src.zeroCopy.Load(), src.copied.Load())
}

// TestURIDecodeBinPixels checks a known colour in each output format.
func TestURIDecodeBinPixels(t *testing.T) {
	for _, tc := range []struct {
		file, format string
		want         []byte // RGBA, or Y, U, V
	}{
		{"white.mp4", "RGBA", []byte{255, 255, 255, 255}},
		{"red.mp4", "RGBA", []byte{255, 0, 0, 255}},
		{"white.mp4", "NV12", []byte{235, 128, 128}},
		{"red.mp4", "NV12", []byte{81, 90, 240}}, // BT.601 limited range red
		{"red.mp4", "I420", []byte{81, 90, 240}},
	} {
		t.Run(tc.file+"/"+tc.format, func(t *testing.T) {
			p, src, c := decodePipeline(t, fileURI(testMedia(t, tc.file)), 1, map[string]any{"format": tc.format})
			if _, err := run(t, p, 20*time.Second); err != nil {
				t.Fatal(err)
			}
			if len(c.data) != 1 {
				t.Fatal("no frame")
			}
			info, err := video.InfoFromCaps(src.Caps())
			if err != nil {
				t.Fatal(err)
			}
			f := video.Frame{Info: info, Data: c.data[0]}
			checkPixels(t, &f, tc.want)
			t.Logf("zero-copy frames %d, copied %d", src.zeroCopy.Load(), src.copied.Load())
		})
	}
}

// checkPixels compares the centre pixel of a frame with want, within a
// tolerance for compression.
func checkPixels(t *testing.T, f *video.Frame, want []byte) {
	t.Helper()
	x, y := f.Width/2, f.Height/2
	var got []byte
	switch f.Format {
	case video.FormatRGBA:
		i := y*f.Stride[0] + 4*x
		got = f.Plane(0)[i : i+4]
	case video.FormatNV12:
		uv := f.Plane(1)[(y/2)*f.Stride[1]+(x/2)*2:]
		got = []byte{f.Plane(0)[y*f.Stride[0]+x], uv[0], uv[1]}
	case video.FormatI420:
		got = []byte{f.Plane(0)[y*f.Stride[0]+x], f.Plane(1)[(y/2)*f.Stride[1]+x/2], f.Plane(2)[(y/2)*f.Stride[2]+x/2]}
	}
	for i := range want {
		if d := int(got[i]) - int(want[i]); d < -6 || d > 6 {
			t.Fatalf("%s pixel at centre is %v, want %v (±6)", f.Format, got, want)
		}
	}
}

// checkSpacing fails unless timestamps increase by step (±1 ms).
func checkSpacing(t *testing.T, pts []pipeline.ClockTime, step time.Duration) {
	t.Helper()
	checkMonotonic(t, pts)
	for i := 1; i < len(pts); i++ {
		if d := pts[i] - pts[i-1]; d < step-time.Millisecond || d > step+time.Millisecond {
			t.Fatalf("frame %d is %v after frame %d, want %v", i, d, i-1, step)
		}
	}
}

func TestURIDecodeBinFileLoop(t *testing.T) {
	p, _, c := decodePipeline(t, fileURI(testMedia(t, "10.mp4")), 0, map[string]any{"file-loop": true})
	done := make(chan struct{})
	go func() {
		defer close(done)
		deadline := time.Now().Add(15 * time.Second)
		for len(c.timestamps()) < 35 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		p.SendEOS()
	}()
	if _, err := run(t, p, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	<-done
	pts := c.timestamps()
	if len(pts) < 35 {
		t.Fatalf("got %d frames, want at least 35 (3 loops of 10)", len(pts))
	}
	checkSpacing(t, pts, time.Second/30)
}

func TestURIDecodeBinBadInput(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, tc := range []struct{ name, uri, want string }{
		{"missing", fileURI(testMedia(t, "") + "/missing.mp4"), "not found"},
		// GStreamer's decodebin sometimes swallows qtdemux's error.
		{"truncated", fileURI(testMedia(t, "trunc.mp4")), "no playable streams|qtdemux"},
		{"random", fileURI(testMedia(t, "random.bin")), "determine type"},
		{"scheme", "foo://x", "No URI handler"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, _ := decodePipeline(t, tc.uri, 0, nil)
			_, err := run(t, p, 20*time.Second)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			said := false
			for _, w := range strings.Split(tc.want, "|") {
				said = said || strings.Contains(strings.ToLower(msg), strings.ToLower(w))
			}
			if !strings.Contains(msg, "uridecodebin") || !strings.Contains(msg, tc.uri) || !said {
				t.Fatalf("error %q should name the element, the uri and say %q", msg, tc.want)
			}
			t.Log(msg)
		})
	}
	checkGoroutines(t, before)
}

// brokenServer serves an MP4 over HTTP (with ranges) but breaks every
// connection at byte cut and refuses requests that start between it and
// the end.
func brokenServer(t *testing.T, path string, cut int64) *httptest.Server {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var from int64
		fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-", &from)
		if from >= cut && from < int64(len(data)) {
			http.Error(w, "disk on fire", http.StatusInternalServerError)
			return
		}
		http.ServeContent(w, r, "fast.mp4", time.Time{}, &cutReader{bytes.NewReader(data), cut})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// cutReader fails reads past cut; it reads slowly, as a network does.
type cutReader struct {
	*bytes.Reader
	cut int64
}

func (c *cutReader) Read(p []byte) (int, error) {
	pos, _ := c.Seek(0, io.SeekCurrent)
	if pos >= c.cut {
		return 0, errors.New("cut")
	}
	if int64(len(p)) > c.cut-pos {
		p = p[:c.cut-pos]
	}
	if len(p) > 8<<10 {
		p = p[:8<<10]
	}
	time.Sleep(2 * time.Millisecond)
	return c.Reader.Read(p)
}

// TestURIDecodeBinRuntimeError: a source that fails while playing posts an
// error naming itself and its uri, and the source next to it goes on.
func TestURIDecodeBinRuntimeError(t *testing.T) {
	before := runtime.NumGoroutine()
	fast := testMedia(t, "fast.mp4")
	st, _ := os.Stat(fast)
	srv := brokenServer(t, fast, st.Size()*6/10)
	badURI := srv.URL + "/fast.mp4"
	p := pipeline.NewPipeline("p")
	funnel := pipeline.NewFunnel()
	c := newCollector(0)
	p.Add(funnel, c.sink)
	pipeline.LinkElements(funnel, c.sink)
	var counts [2]atomic.Int64
	for i, uri := range []string{badURI, fileURI(testMedia(t, "30.mp4"))} {
		src := NewURIDecodeBin()
		src.SetName([]string{"bad", "good"}[i])
		src.Set("uri", uri)
		id := pipeline.NewIdentity()
		id.SetHandoff(func(*pipeline.Buffer) { counts[i].Add(1) })
		p.Add(src, id)
		if err := pipeline.LinkMany(src, id, funnel); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var errs []*pipeline.Message
	for {
		m, err := p.Bus().Pop(ctx, pipeline.MessageError|pipeline.MessageEOS)
		if err != nil {
			t.Fatalf("no EOS: %v (errors %v)", err, errs)
		}
		if m.Type == pipeline.MessageEOS {
			break
		}
		errs = append(errs, m)
	}
	p.SetState(pipeline.StateNull)
	if len(errs) != 1 || errs[0].SourceName() != "bad" || !strings.Contains(errs[0].Err.Error(), badURI) {
		t.Fatalf("want one error from bad naming %s, got %v", badURI, errs)
	}
	t.Log(errs[0])
	if n := counts[1].Load(); n != 30 {
		t.Fatalf("good source gave %d frames, want 30", n)
	}
	if n := counts[0].Load(); n == 0 || n >= 300 {
		t.Fatalf("bad source gave %d frames, want some but not all 300", n)
	}
	t.Logf("bad source gave %d frames before failing", counts[0].Load())
	srv.Close()
	checkGoroutines(t, before)
}
