//go:build !nogst

package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/dsgo/dsgo/internal/mediatest"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsgo/dsgo/configs"
	_ "github.com/dsgo/dsgo/elements/all"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// syncBuffer is a bytes.Buffer safe for the pipeline's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until out contains sub.
func waitFor(t *testing.T, out *syncBuffer, sub string, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(out.String(), sub) {
			return
		}
	}
	t.Fatalf("no %q within %v in:\n%s", sub, within, out.String())
}

// writeCfg writes a config into dir.
func writeCfg(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "app.txt")
	mustOK(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// tiledTwo is two copies of a clip, tiled side by side, encoded to out.mp4
// and also sent to a fakesink.
func tiledTwo(uri, extra string) string {
	return "[application]\nenable-perf-measurement=1\nperf-measurement-interval-sec=1\n" + extra +
		"[tiled-display]\nenable=1\nrows=1\ncolumns=2\nwidth=640\nheight=240\n" +
		"[source0]\nenable=1\ntype=3\nnum-sources=2\nuri=" + uri + "\n" +
		"[streammux]\nbatch-size=2\nwidth=320\nheight=240\n" +
		"[osd]\nenable=1\nborder-width=2\ntext-size=12\ntext-color=1;1;1;1\nfont=Serif\n" +
		"[sink0]\nenable=1\ntype=3\ncontainer=1\ncodec=1\noutput-file=out.mp4\n" +
		"[sink1]\nenable=1\ntype=1\n"
}

// runMain runs Main in dir (output-file is relative to the current
// directory, as in deepstream-app).
func runMain(t *testing.T, dir string, env Env, args ...string) int {
	t.Helper()
	t.Chdir(dir)
	return Main(t.Context(), args, env)
}

// All sources end: exit 0, the MP4 holds every tiled frame.
func TestMainEOSFinishesMP4(t *testing.T) {
	dir := t.TempDir()
	in := mediatest.Clip(t, dir, "in.mp4", 30, "smpte")
	cfg := writeCfg(t, dir, tiledTwo("file://"+in, ""))
	var out, errs syncBuffer
	if code := runMain(t, dir, Env{Stdout: &out, Stderr: &errs}, "-c", cfg); code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errs.String())
	}
	if got := mediatest.Probe(t, filepath.Join(dir, "out.mp4")); got != "640,240,30" {
		t.Fatalf("out.mp4: %s, want 640x240 with 30 frames", got)
	}
	for _, want := range []string{"** INFO: Pipeline running", "** INFO: Received EOS. Exiting ...", "App run successful"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
}

var perfLine = regexp.MustCompile(`^\*\*PERF:  (\d+\.\d\d) \((\d+\.\d\d)\)\t(\d+\.\d\d) \((\d+\.\d\d)\)\t$`)

// A looping source runs until interrupted: PERF lines come every second
// in deepstream-app's format and as JSON, and Ctrl-C drains the pipeline
// into a valid MP4 and exits 0.
func TestMainPERFAndInterruptDrains(t *testing.T) {
	dir := t.TempDir()
	in := mediatest.Clip(t, dir, "in.mp4", 30, "ball")
	cfg := writeCfg(t, dir, tiledTwo("file://"+in, "[tests]\nfile-loop=1\n"))
	var out, errs syncBuffer
	intr := make(chan os.Signal, 1)
	code := make(chan int, 1)
	t.Chdir(dir)
	go func() {
		code <- Main(context.Background(), []string{"-c", cfg, "--perf-json=perf.jsonl"}, Env{Stdout: &out, Stderr: &errs, Interrupts: intr})
	}()
	waitFor(t, &out, "\n**PERF:  FPS 0 (Avg)\tFPS 1 (Avg)\t\n", 10*time.Second)
	for strings.Count(out.String(), "**PERF:  ") < 3 { // header and two lines
		time.Sleep(50 * time.Millisecond)
	}
	intr <- os.Interrupt
	select {
	case c := <-code:
		if c != ExitOK {
			t.Fatalf("exit %d after Ctrl-C\n%s%s", c, out.String(), errs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit 30 s after Ctrl-C")
	}
	lines := 0
	for _, l := range strings.Split(out.String(), "\n") {
		if !strings.HasPrefix(l, "**PERF:  ") || strings.Contains(l, "FPS") {
			continue
		}
		m := perfLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("PERF line %q not in deepstream-app's format", l)
		}
		if m[1] == "0.00" || m[1] != m[3] { // the two copies of one file decode in step
			t.Errorf("PERF line %q: want equal non-zero rates", l)
		}
		lines++
	}
	if lines < 2 {
		t.Fatalf("%d PERF lines", lines)
	}
	js, err := os.ReadFile(filepath.Join(dir, "perf.jsonl"))
	mustOK(t, err)
	sc := bufio.NewScanner(bytes.NewReader(js))
	n := 0
	for sc.Scan() {
		var v perfJSON
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil || len(v.Sources) != 2 || v.Sources[1].SourceID != 1 || v.Sources[0].FPS <= 0 {
			t.Fatalf("JSON line %s: %+v %v", sc.Text(), v, err)
		}
		n++
	}
	if n != lines {
		t.Errorf("%d JSON lines, %d text lines", n, lines)
	}
	if !strings.Contains(errs.String(), "User Interrupted") {
		t.Errorf("stderr: %s", errs.String())
	}
	got := mediatest.Probe(t, filepath.Join(dir, "out.mp4"))
	var w, h, frames int
	if _, err := fmt.Sscanf(got, "%d,%d,%d", &w, &h, &frames); err != nil || w != 640 || h != 240 || frames < 30 {
		t.Fatalf("out.mp4 after Ctrl-C: %s", got)
	}
}

// A source that cannot be read stops the app with exit 1 and an error
// naming the element and the reason.
func TestMainErrorNamesElement(t *testing.T) {
	dir := t.TempDir()
	cfg := writeCfg(t, dir, tiledTwo("file://"+filepath.Join(dir, "missing.mp4"), ""))
	var out, errs syncBuffer
	if code := runMain(t, dir, Env{Stdout: &out, Stderr: &errs}, "-c", cfg); code != ExitError {
		t.Fatalf("exit %d, want %d", code, ExitError)
	}
	if !regexp.MustCompile(`(?m)^ERROR from source[01]: .*missing\.mp4`).MatchString(errs.String()) || !strings.Contains(errs.String(), "App run failed") {
		t.Fatalf("stderr:\n%s", errs.String())
	}
}

// p and r on a terminal pause and resume; q drains and exits 0.
func TestMainKeyboardPauseResumeQuit(t *testing.T) {
	dir := t.TempDir()
	in := mediatest.Clip(t, dir, "in.mp4", 30, "snow")
	cfg := writeCfg(t, dir, tiledTwo("file://"+in, "[tests]\nfile-loop=1\n"))
	var out, errs syncBuffer
	keys, typer := io.Pipe()
	defer typer.Close()
	code := make(chan int, 1)
	t.Chdir(dir)
	go func() {
		code <- Main(context.Background(), []string{"-c", cfg}, Env{Stdin: keys, Stdout: &out, Stderr: &errs, Terminal: true})
	}()
	waitFor(t, &out, "Pipeline running", 10*time.Second)
	fmt.Fprintln(typer, "p")
	waitFor(t, &out, "Pipeline paused", 5*time.Second)
	fmt.Fprintln(typer, "r")
	for strings.Count(out.String(), "Pipeline running") < 2 {
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Fprintln(typer, "q")
	select {
	case c := <-code:
		if c != ExitOK {
			t.Fatalf("exit %d\n%s%s", c, out.String(), errs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("q did not end the app")
	}
	if !strings.Contains(out.String(), "Runtime commands:") {
		t.Errorf("no help on a terminal:\n%s", out.String())
	}
	if got := mediatest.Probe(t, filepath.Join(dir, "out.mp4")); !strings.HasPrefix(got, "640,240,") {
		t.Fatalf("out.mp4: %s", got)
	}
}

func detectnet(t *testing.T) string {
	p, err := filepath.Abs(filepath.Join("..", "infer", "testdata", "models", "detectnet", "model.onnx"))
	mustOK(t, err)
	return p
}

// A primary detector's boxes are written per frame as KITTI files with
// the boxes the detector attached, and the GIE group's colours reach the
// objects the OSD draws.
func TestRunnerKITTIFromDetector(t *testing.T) {
	dir := t.TempDir()
	in := mediatest.Clip(t, dir, "in.mp4", 4, "smpte")
	mustOK(t, os.WriteFile(filepath.Join(dir, "labels.txt"), []byte("Car\nBicycle\nPerson\nRoadsign\n"), 0o644))
	mustOK(t, os.WriteFile(filepath.Join(dir, "pgie.txt"), []byte("[property]\nnet-scale-factor=0.0039215697906911373\nonnx-file="+detectnet(t)+
		"\nlabelfile-path=labels.txt\nbatch-size=1\nnetwork-type=0\nnum-detected-classes=4\ngie-unique-id=1\ncluster-mode=2\n"+
		"[class-attrs-all]\npre-cluster-threshold=0.3\nnms-iou-threshold=0.5\ntopk=5\n"), 0o644))
	kitti := filepath.Join(dir, "kitti")
	cfg, _, err := configs.LoadApp(writeCfg(t, dir, "[application]\ngie-kitti-output-dir="+kitti+"\n"+
		"[source0]\nenable=1\ntype=2\nuri=file://"+in+"\n[streammux]\nbatch-size=1\nwidth=480\nheight=272\n"+
		"[primary-gie]\nenable=1\nconfig-file=pgie.txt\ngie-unique-id=1\nbbox-border-color=0;1;0;1\n"+
		"[osd]\nenable=1\nborder-width=4\n[sink0]\nenable=1\ntype=1\n"))
	mustOK(t, err)
	plan, err := Build(cfg, BuildOptions{})
	mustOK(t, err)
	r, err := NewRunner(plan, RunOptions{})
	mustOK(t, err)
	// What the detector attached, formatted independently with fmt.
	want := map[string]string{}
	pgie, _ := r.srcPad(namePrimary)
	pgie.AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
		for f, o := range meta.Objects(meta.GetBatchMeta(info.Buffer)) {
			r := o.RectParams
			want[fmt.Sprintf("00_%03d_%06d.txt", f.SourceID, f.FrameNum)] += fmt.Sprintf("%s 0.0 0 0.0 %f %f %f %f 0.0 0.0 0.0 0.0 0.0 0.0 0.0 %f\n",
				o.ObjLabel, r.Left, r.Top, r.Left+r.Width, r.Top+r.Height, o.Confidence)
		}
		return pipeline.ProbeOK
	})
	styled := 0
	osd, _ := r.srcPad("osd")
	osd.AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
		for _, o := range meta.Objects(meta.GetBatchMeta(info.Buffer)) {
			if o.RectParams.BorderColor != (meta.Color{G: 1, A: 1}) || o.RectParams.BorderWidth != 4 || o.TextParams.DisplayText != o.ObjLabel {
				t.Errorf("object not styled by [primary-gie]/[osd]: %+v %+v", o.RectParams, o.TextParams)
			}
			styled++
		}
		return pipeline.ProbeOK
	})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	mustOK(t, r.Run(ctx, nil))
	entries, err := os.ReadDir(kitti)
	mustOK(t, err)
	if len(entries) != 4 {
		t.Fatalf("%d KITTI files, want one per frame (4)", len(entries))
	}
	objects := 0
	for _, e := range entries {
		got, err := os.ReadFile(filepath.Join(kitti, e.Name()))
		mustOK(t, err)
		if string(got) != want[e.Name()] {
			t.Errorf("%s:\n%s\nwant\n%s", e.Name(), got, want[e.Name()])
		}
		objects += strings.Count(string(got), "\n")
	}
	if objects == 0 || styled != objects {
		t.Fatalf("%d objects in KITTI files, %d styled", objects, styled)
	}
}

// blockedRunner is a runner whose sink never gets the EOS: a blocking probe
// holds the stream before the encoder.
func blockedRunner(t *testing.T, drain time.Duration) *Runner {
	t.Helper()
	dir := t.TempDir()
	in := mediatest.Clip(t, dir, "in.mp4", 30, "smpte")
	cfg, _, err := configs.LoadApp(writeCfg(t, dir, tiledTwo("file://"+in, "[tests]\nfile-loop=1\n")))
	mustOK(t, err)
	plan, err := Build(cfg, BuildOptions{})
	mustOK(t, err)
	t.Chdir(dir)
	r, err := NewRunner(plan, RunOptions{Drain: drain})
	mustOK(t, err)
	pipeline.Base(r.Pipeline.ByName("osd")).SinkPad().AddProbe(pipeline.ProbeBlockDownstream, func(*pipeline.Pad, *pipeline.ProbeInfo) pipeline.ProbeReturn {
		return pipeline.ProbeOK
	})
	return r
}

// A second Quit while the pipeline drains stops it at once.
func TestRunnerSecondQuitForces(t *testing.T) {
	r := blockedRunner(t, time.Minute)
	ctl := make(chan Command, 2)
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background(), ctl) }()
	time.Sleep(300 * time.Millisecond)
	ctl <- Quit
	time.Sleep(200 * time.Millisecond)
	ctl <- Quit
	select {
	case err := <-done:
		if !errors.Is(err, ErrForced) {
			t.Fatalf("Run: %v, want ErrForced", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a second Quit did not stop the run")
	}
}

// A pipeline that does not drain in time is an error, not a hang.
func TestRunnerDrainTimeout(t *testing.T) {
	r := blockedRunner(t, 300*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, nil) }()
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "did not drain within 300ms") {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no return after the drain timeout")
	}
}

// Tiler off and sinks per source id: the demuxer sends each source to its
// own OSD and file.
func TestMainDemuxPerSourceFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := mediatest.Clip(t, dir, "a.mp4", 20, "smpte"), mediatest.Clip(t, dir, "b.mp4", 35, "ball")
	cfg := writeCfg(t, dir, "[source0]\nenable=1\ntype=2\nuri=file://"+a+"\n[source1]\nenable=1\ntype=2\nuri=file://"+b+"\n"+
		"[streammux]\nbatch-size=2\nwidth=320\nheight=240\n[osd]\nenable=1\n"+
		"[sink0]\nenable=1\ntype=3\ncontainer=1\ncodec=1\nsource-id=0\noutput-file=a_out.mp4\n"+
		"[sink1]\nenable=1\ntype=3\ncontainer=2\ncodec=1\nsource-id=1\noutput-file=b_out.mkv\n")
	var out, errs syncBuffer
	if code := runMain(t, dir, Env{Stdout: &out, Stderr: &errs}, "-c", cfg); code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errs.String())
	}
	if got := mediatest.Probe(t, filepath.Join(dir, "a_out.mp4")); got != "320,240,20" {
		t.Errorf("a_out.mp4: %s, want 320x240 with 20 frames", got)
	}
	if got := mediatest.Probe(t, filepath.Join(dir, "b_out.mkv")); got != "320,240,35" {
		t.Errorf("b_out.mkv: %s, want 320x240 with 35 frames", got)
	}
}

// An RTSP sink (type=4) serves the annotated stream at
// rtsp://host:rtsp-port/ds-test; a GStreamer client decodes it.
func TestMainRTSPSinkServes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	mustOK(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	in := mediatest.Clip(t, dir, "in.mp4", 30, "ball")
	cfg := writeCfg(t, dir, "[tests]\nfile-loop=1\n[source0]\nenable=1\ntype=2\nuri=file://"+in+"\n"+
		"[streammux]\nbatch-size=1\nwidth=320\nheight=240\n[osd]\nenable=1\n"+
		fmt.Sprintf("[sink0]\nenable=1\ntype=4\ncodec=1\nsync=1\nbitrate=1000000\nrtsp-port=%d\nudp-port=5400\n", port))
	var out, errs syncBuffer
	intr := make(chan os.Signal, 1)
	code := make(chan int, 1)
	t.Chdir(dir)
	go func() {
		code <- Main(context.Background(), []string{"-c", cfg}, Env{Stdout: &out, Stderr: &errs, Interrupts: intr})
	}()
	waitFor(t, &out, "Pipeline running", 10*time.Second)
	client := fmt.Sprintf("rtspsrc location=rtsp://127.0.0.1:%d/ds-test protocols=tcp ! rtph264depay ! h264parse ! avdec_h264 ! fakesink num-buffers=20", port)
	var cout []byte
	for try := 0; try < 20; try++ {
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		cout, err = exec.CommandContext(ctx, "gst-launch-1.0", append([]string{"-q"}, strings.Fields(client)...)...).CombinedOutput()
		cancel()
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	intr <- os.Interrupt
	if c := <-code; c != ExitOK {
		t.Errorf("exit %d\n%s%s", c, out.String(), errs.String())
	}
	if err != nil {
		t.Fatalf("client: %v\n%s\n%s", err, cout, errs.String())
	}
}
