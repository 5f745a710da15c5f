//go:build !nogst

package all_test

import (
	"context"
	"fmt"
	"github.com/dsgo/dsgo/internal/mediatest"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/dsgo/dsgo/elements/all"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// Four decoded files batched, tiled 2x2 and encoded: every composite frame
// holds all four sources, PTS only grow, and the MP4 has every frame.
func TestFourFilesTiledIntoMP4(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "tiled.mp4")
	desc := "nvstreammux name=m batch-size=4 width=320 height=240 ! nvmultistreamtiler name=tiler rows=2 columns=2 width=640 height=480 ! dsencsink location=" + out
	for i, pat := range []string{"smpte", "ball", "snow", "red"} {
		desc += fmt.Sprintf(" uridecodebin uri=file://%s ! m.sink_%d", mediatest.Clip(t, dir, pat+".mp4", 30, pat), i)
	}
	p, err := pipeline.Launch(desc)
	if err != nil {
		t.Fatal(err)
	}
	last, n := time.Duration(-1), 0
	pipeline.Base(p.ByName("tiler")).SrcPad().AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
		if got := len(meta.GetBatchMeta(info.Buffer).Frames); got != 4 {
			t.Errorf("composite %d holds %d sources", n, got)
		}
		if info.Buffer.PTS <= last {
			t.Errorf("composite %d PTS %v after %v", n, info.Buffer.PTS, last)
		}
		last = info.Buffer.PTS
		n++
		return pipeline.ProbeOK
	})
	if err := p.Run(t.Context(), 10*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if n != 30 {
		t.Fatalf("%d composite frames, want 30", n)
	}
	if got := mediatest.Probe(t, out); got != "640,480,30" {
		t.Fatalf("ffprobe: %s, want 640x480 with 30 frames", got)
	}
}

// A GStreamer run in the middle of a launch line: decode with GStreamer's
// own elements, batch in dsgo, encode with GStreamer's elements.
func TestGStreamerRunsAroundDsgoElements(t *testing.T) {
	dir := t.TempDir()
	in, out := mediatest.Clip(t, dir, "in.mp4", 20, "ball"), filepath.Join(dir, "out.mp4")
	desc := fmt.Sprintf("filesrc location=%s ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=NV12 ! m.sink_0 "+
		"nvstreammux name=m batch-size=1 width=320 height=240 ! nvvideoconvert ! video/x-raw,format=I420 ! x264enc ! mp4mux ! filesink location=%s", in, out)
	p, err := pipeline.Launch(desc)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(t.Context(), 10*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if got := mediatest.Probe(t, out); got != "320,240,20" {
		t.Fatalf("ffprobe: %s, want 320x240 with 20 frames", got)
	}
}

// Bad sources next to a good one in one streammux: each error names its
// source and uri, and the good camera's frames keep coming to the end.
func TestBadSourcesDoNotStopTheOthers(t *testing.T) {
	dir := t.TempDir()
	trunc := filepath.Join(dir, "trunc.mp4")
	full, err := os.ReadFile(mediatest.Clip(t, dir, "full.mp4", 30, "smpte"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(trunc, full[:len(full)/3], 0o644)
	os.WriteFile(filepath.Join(dir, "random.bin"), []byte(strings.Repeat("\x13\x37garbage", 4096)), 0o644)
	bad := map[string]string{
		"cam1": "file://" + filepath.Join(dir, "missing.mp4"),
		"cam2": "file://" + trunc,
		"cam3": "file://" + filepath.Join(dir, "random.bin"),
		"cam4": "foo://nowhere",
	}
	desc := fmt.Sprintf("nvstreammux name=m batch-size=5 width=320 height=240 batched-push-timeout=50000 ! fakesink name=out "+
		"uridecodebin name=cam0 uri=file://%s ! m.sink_0", mediatest.Clip(t, dir, "good.mp4", 60, "ball"))
	for i := 1; i <= 4; i++ {
		name := fmt.Sprintf("cam%d", i)
		desc += fmt.Sprintf(" uridecodebin name=%s uri=%s ! m.sink_%d", name, bad[name], i)
	}
	p, err := pipeline.Launch(desc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(pipeline.StateNull)
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
	errored := map[string]bool{}
	for {
		m := popMessage(t, p, pipeline.MessageError|pipeline.MessageEOS)
		if m.Type == pipeline.MessageEOS {
			break
		}
		name := m.SourceName()
		if uri, ok := bad[name]; !ok || !strings.Contains(m.Err.Error(), uri) {
			t.Errorf("error from %s does not name a bad source and its uri: %v", name, m.Err)
		}
		errored[name] = true
	}
	if len(errored) != 4 {
		t.Errorf("errors from %v, want cam1-cam4", errored)
	}
	if n, _ := pipeline.Base(p.ByName("out")).Get("buffers"); n != int64(60) {
		t.Fatalf("the good camera's 60 frames gave %v batches", n)
	}
}

func popMessage(t *testing.T, p *pipeline.Pipeline, types pipeline.MessageType) *pipeline.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	m, err := p.Bus().Pop(ctx, types)
	if err != nil {
		t.Fatalf("no %v message: %v", types, err)
	}
	return m
}

// A caps filter that cannot be met: the source says so, by name.
func TestImpossibleCapsNameTheSource(t *testing.T) {
	dir := t.TempDir()
	p, err := pipeline.Launch(fmt.Sprintf("uridecodebin name=cam uri=file://%s ! audio/x-raw ! fakesink", mediatest.Clip(t, dir, "a.mp4", 5, "smpte")))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(t.Context(), 5*time.Second, nil)
	em, ok := err.(*pipeline.ErrorMessage)
	if !ok || em.Element != "cam" || !strings.Contains(em.Error(), "not-negotiated") {
		t.Fatalf("got %v, want a not-negotiated error from cam", err)
	}
}

// RTSP out as deepstream-app's sink type 4: a live pipeline encodes with
// GStreamer and serves with rtspserversink (sync on); a client decodes it.
func TestRTSPOutServesLivePipeline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	p, err := pipeline.Launch(fmt.Sprintf("videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width=320,height=240 ! "+
		"x264enc tune=zerolatency key-int-max=15 ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au ! "+
		"rtspserversink port=%d", port))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, 10*time.Second, nil) }()
	client := fmt.Sprintf("rtspsrc location=rtsp://127.0.0.1:%d/ds-test protocols=tcp ! rtph264depay ! h264parse ! avdec_h264 ! fakesink num-buffers=30", port)
	var out []byte
	for try := 0; try < 20; try++ { // the server is up once the pipeline is PLAYING
		cctx, ccancel := context.WithTimeout(t.Context(), 15*time.Second)
		out, err = exec.CommandContext(cctx, "gst-launch-1.0", append([]string{"-q"}, strings.Fields(client)...)...).CombinedOutput()
		ccancel()
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if rerr := <-done; rerr != nil {
		t.Errorf("pipeline: %v", rerr)
	}
	if err != nil {
		t.Fatalf("client: %v\n%s", err, out)
	}
}

// The first line, literally: a file decoded, batched at 1280x720,
// drawn and encoded keeps every frame.
func TestDecodeMuxOSDEncodeKeepsEveryFrame(t *testing.T) {
	dir := t.TempDir()
	in, out := mediatest.Clip(t, dir, "in.mp4", 45, "smpte"), filepath.Join(dir, "out.mp4")
	p, err := pipeline.Launch(fmt.Sprintf("uridecodebin uri=file://%s ! m.sink_0 nvstreammux name=m batch-size=1 width=1280 height=720 ! "+
		"nvdsosd display-clock=true ! dsencsink location=%s", in, out))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(t.Context(), 10*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if got := mediatest.Probe(t, out); got != "1280,720,45" {
		t.Fatalf("ffprobe: %s, want 1280x720 with 45 frames", got)
	}
}

// An image sequence read by GStreamer's multifilesrc (a foreign run)
// round-trips the JPEGs that jpegsink wrote.
func TestImageSequenceRoundTrip(t *testing.T) {
	dir := t.TempDir()
	pattern := filepath.Join(dir, "img-%03d.jpg")
	p, err := pipeline.Launch("videotestsrc num-buffers=5 pattern=red ! video/x-raw,width=64,height=48 ! jpegsink location=" + pattern)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(t.Context(), 5*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	p, err = pipeline.Launch("multifilesrc location=" + pattern + " stop-index=4 caps=image/jpeg,framerate=5/1 ! jpegdec ! videoconvert ! video/x-raw,format=RGBA ! fakesink name=out")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(t.Context(), 5*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := pipeline.Base(p.ByName("out")).Get("buffers"); n != int64(5) {
		t.Fatalf("read %v images, want 5", n)
	}
}
