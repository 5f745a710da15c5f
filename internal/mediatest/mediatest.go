// Package mediatest holds helpers for tests that make and check media
// files: short test clips encoded with GStreamer's gst-launch-1.0 and
// their shape read back with ffprobe (both installed by make setup).
package mediatest

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Clip encodes n frames of a videotestsrc pattern (320x240, 30 fps) to
// an H.264 MP4 named name in dir and returns its path.
func Clip(t testing.TB, dir, name string, n int, pattern string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	desc := fmt.Sprintf("videotestsrc num-buffers=%d pattern=%s ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! x264enc ! mp4mux ! filesink location=%s", n, pattern, path)
	if out, err := exec.Command("gst-launch-1.0", append([]string{"-q"}, strings.Fields(desc)...)...).CombinedOutput(); err != nil {
		t.Fatalf("gst-launch-1.0 %s: %v\n%s", desc, err, out)
	}
	return path
}

// Probe returns "width,height,frames" of a video file's first video
// stream, the frames counted by decoding them.
func Probe(t testing.TB, path string) string {
	t.Helper()
	return ffprobe(t, path, "width,height,nb_read_frames")
}

// Frames returns the number of frames ffprobe decodes from a video file.
func Frames(t testing.TB, path string) int {
	t.Helper()
	s := ffprobe(t, path, "nb_read_frames")
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("ffprobe %s: frames %q", path, s)
	}
	return n
}

func ffprobe(t testing.TB, path, entries string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream="+entries, "-of", "csv=p=0", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	return strings.TrimSpace(string(out))
}
