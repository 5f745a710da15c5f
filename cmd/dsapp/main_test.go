//go:build !nogst

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bin is the dsapp binary TestMain builds.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dsapp-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "dsapp")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// clip encodes n frames of a test pattern to an H.264 MP4.
func clip(t *testing.T, path string, n int) {
	t.Helper()
	desc := fmt.Sprintf("videotestsrc num-buffers=%d pattern=ball ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! x264enc ! mp4mux ! filesink location=%s", n, path)
	if out, err := exec.Command("gst-launch-1.0", append([]string{"-q"}, strings.Fields(desc)...)...).CombinedOutput(); err != nil {
		t.Fatalf("gst-launch-1.0: %v\n%s", err, out)
	}
}

// config is one looping file source encoded to out.mp4 in dir.
func config(t *testing.T, dir, uri, extra string) string {
	t.Helper()
	text := "[application]\nenable-perf-measurement=1\nperf-measurement-interval-sec=1\n" +
		"[tests]\nfile-loop=1\n" +
		"[source0]\nenable=1\ntype=2\nuri=" + uri + "\n" +
		"[streammux]\nbatch-size=1\nwidth=320\nheight=240\n" +
		"[osd]\nenable=1\nshow-clock=1\n" +
		"[sink0]\nenable=1\ntype=3\ncontainer=1\ncodec=1\noutput-file=" + filepath.Join(dir, "out.mp4") + "\n" + extra
	path := filepath.Join(dir, "app.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// SIGINT in the middle of a run: the binary drains, finishes a valid MP4
// that ffprobe reads to its last frame, and exits 0.
func TestSIGINTFinishesMP4(t *testing.T) {
	dir := t.TempDir()
	clip(t, filepath.Join(dir, "in.mp4"), 30)
	cmd := exec.Command(bin, "-c", config(t, dir, "file://in.mp4", "[sink1]\nenable=1\ntype=2\n"), "--no-display")
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s%s", err, out.String(), errs.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("still running 30 s after SIGINT")
	}
	if !strings.Contains(out.String(), "**PERF:  FPS 0 (Avg)\t\n") || !strings.Contains(out.String(), "App run successful") {
		t.Errorf("stdout:\n%s", out.String())
	}
	probe, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", filepath.Join(dir, "out.mp4")).CombinedOutput()
	var w, h, n int
	if _, serr := fmt.Sscanf(strings.TrimSpace(string(probe)), "%d,%d,%d", &w, &h, &n); err != nil || serr != nil || w != 320 || h != 240 || n < 30 {
		t.Fatalf("out.mp4 after SIGINT: %s %v", probe, err)
	}
}

// exitCode runs the binary and returns its exit code and output.
func exitCode(t *testing.T, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("%v", err)
	return -1, ""
}

// --validate prints the pipeline and exits 0 for a config that builds, 1
// for one that does not; --validate=syntax opens no referenced file.
func TestValidateExitCodes(t *testing.T) {
	dir := t.TempDir()
	clip(t, filepath.Join(dir, "in.mp4"), 2)
	good := config(t, dir, "file://in.mp4", "")
	cases := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"good", []string{"-c", good, "--validate"}, 0, "uridecodebin name=source0 uri=file://" + dir + "/in.mp4 file-loop=true ! streammux.sink_0\n"},
		{"syntax only, missing video", []string{"-c", good, "--validate=syntax", "-i", "/nonexistent/x.mp4"}, 0, "uri=file:///nonexistent/x.mp4"},
		{"missing -i file", []string{"-c", good, "--validate", "-i", "/nonexistent/x.mp4"}, 1, "/nonexistent/x.mp4"},
		{"bad value", []string{"-c", writeFile(t, dir, "bad.txt", "[source0]\nenable=1\ntype=2\nuri=file://in.mp4\n[streammux]\nwidth=320\nheight=240\n[sink0]\nenable=1\ntype=6\n"), "--validate=syntax"}, 1, "sink"},
		{"missing config", []string{"-c", filepath.Join(dir, "none.txt"), "--validate"}, 1, "none.txt"},
		{"no -c", []string{"--validate"}, 2, "-c <config file> is required"},
		{"bad mode", []string{"-c", good, "--validate=deep"}, 2, "--validate=deep"},
		{"version", []string{"--version"}, 0, "dsapp version"},
		{"help", []string{"--help"}, 0, "--validate[=syntax]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out := exitCode(t, c.args...)
			if code != c.code || !strings.Contains(out, c.out) {
				t.Fatalf("exit %d, want %d; output:\n%s\nwant it to contain %q", code, c.code, out, c.out)
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
