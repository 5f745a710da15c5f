package rtsp

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// media holds the clips TestMain encodes with GStreamer: H.264 and H.265,
// 60 frames of 320x240 at 30 fps with a key frame every 15, as MP4 and as
// Annex-B byte-streams. Empty when gst-launch-1.0 is missing.
var media struct {
	h264MP4, h264Raw, h265MP4, h265Raw string
	err                                error
}

const encodeCaps = "videotestsrc num-buffers=60 ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dsgo-rtsp-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	media.err = encodeMedia(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func encodeMedia(dir string) error {
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		return err
	}
	h264 := "x264enc tune=zerolatency key-int-max=15 ! h264parse config-interval=-1 ! video/x-h264,"
	h265 := "x265enc tune=zerolatency key-int-max=15 ! h265parse config-interval=-1 ! video/x-h265,"
	jobs := []struct {
		dst  *string
		name string
		tail string
	}{
		{&media.h264Raw, "clip.h264", h264 + "stream-format=byte-stream,alignment=au"},
		{&media.h264MP4, "clip.mp4", h264 + "stream-format=avc,alignment=au ! mp4mux"},
		{&media.h265Raw, "clip.h265", h265 + "stream-format=byte-stream,alignment=au"},
		{&media.h265MP4, "clip265.mp4", h265 + "stream-format=hvc1,alignment=au ! mp4mux"},
	}
	for _, j := range jobs {
		out := filepath.Join(dir, j.name)
		line := encodeCaps + j.tail + " ! filesink location=" + out
		if b, err := exec.Command("gst-launch-1.0", append([]string{"-q"}, strings.Fields(line)...)...).CombinedOutput(); err != nil {
			return fmt.Errorf("gst-launch-1.0 %s: %v\n%s", line, err, b)
		}
		*j.dst = out
	}
	return nil
}

// needMedia skips the test when the clips could not be made.
func needMedia(t *testing.T) {
	t.Helper()
	if media.err != nil {
		t.Skipf("no test clips: %v", media.err)
	}
}

// newTestServer starts a server on a free loopback port and closes it at
// the end of the test.
func newTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// gstPlay decodes frames frames of url with GStreamer's rtspsrc over
// protocol (tcp or udp) and returns gst-launch's error and output.
func gstPlay(ctx context.Context, url, protocol string, codec Codec, frames int) ([]byte, error) {
	depay := "rtph264depay ! h264parse ! avdec_h264"
	if codec == H265 {
		depay = "rtph265depay ! h265parse ! avdec_h265"
	}
	line := fmt.Sprintf("rtspsrc location=%s protocols=%s latency=100 ! %s ! fakesink num-buffers=%d",
		url, protocol, depay, frames)
	return exec.CommandContext(ctx, "gst-launch-1.0", append([]string{"-q"}, strings.Fields(line)...)...).CombinedOutput()
}

// mustPlay runs gstPlay and fails the test unless it exits 0 within 20 s.
func mustPlay(t *testing.T, url, protocol string, codec Codec, frames int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	if out, err := gstPlay(ctx, url, protocol, codec, frames); err != nil {
		t.Fatalf("rtspsrc %s over %s: %v after %v\n%s", url, protocol, err, time.Since(start), out)
	}
	t.Logf("rtspsrc decoded %d frames of %s over %s in %v", frames, url, protocol, time.Since(start).Round(time.Millisecond))
}

// checkGoroutines fails the test unless the goroutine count falls back to
// base within a few seconds.
func checkGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, %d before the test:\n%s", runtime.NumGoroutine(), base, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// accessUnits splits an Annex-B byte-stream into access units, each a
// sub-slice of data with its start codes. A unit starts at a delimiter, at
// a parameter set or prefix SEI after the previous unit's slices, or at
// the first slice of a picture.
func accessUnits(data []byte, codec Codec) [][]byte {
	var aus [][]byte
	auStart, vcl := -1, false
	for _, n := range nalPositions(data) {
		nalu := data[n.body:n.end]
		first, isVCL, prefix := classify(nalu, codec)
		if auStart >= 0 && vcl && (prefix || first) {
			aus = append(aus, data[auStart:n.start])
			auStart, vcl = -1, false
		}
		if auStart < 0 {
			auStart = n.start
		}
		vcl = vcl || isVCL
	}
	if auStart >= 0 {
		aus = append(aus, data[auStart:])
	}
	return aus
}

// classify reports whether a NAL unit is the first slice of a picture, a
// slice at all, or one of the units that open an access unit.
func classify(nalu []byte, codec Codec) (first, vcl, prefix bool) {
	if codec == H265 {
		t := (nalu[0] >> 1) & 0x3f
		vcl = t < 32
		return vcl && len(nalu) > 2 && nalu[2]&0x80 != 0, vcl, t >= 32 && t <= 35 || t == 39
	}
	t := nalu[0] & 0x1f
	vcl = t >= 1 && t <= 5
	return vcl && len(nalu) > 1 && nalu[1]&0x80 != 0, vcl, t >= 6 && t <= 9
}

type nalPos struct{ start, body, end int } // start code, payload, end

func nalPositions(data []byte) []nalPos {
	var out []nalPos
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte{0, 0, 1})
		if j < 0 {
			break
		}
		sc := i + j
		if sc > 0 && data[sc-1] == 0 {
			sc--
		}
		if len(out) > 0 {
			out[len(out)-1].end = sc
		}
		out = append(out, nalPos{start: sc, body: i + j + 3, end: len(data)})
		i += j + 3
	}
	return out
}

// probe checks with ffprobe over TCP that url carries 320x240 H.264.
func probe(t *testing.T, url string) {
	t.Helper()
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Logf("no ffprobe: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffprobe", "-rtsp_transport", "tcp", "-v", "error", "-show_streams", url).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", url, err, out)
	}
	for _, want := range []string{"codec_name=h264", "width=320", "height=240"} {
		if !strings.Contains(string(out), "\n"+want+"\n") {
			t.Errorf("ffprobe %s: no %s in\n%s", url, want, out)
		}
	}
}
