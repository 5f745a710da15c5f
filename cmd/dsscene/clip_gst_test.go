//go:build !nogst

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A clip encoded through appsrc ! dsencsink decodes with ffprobe to as
// many frames as its ground truth has images, at the size asked for.
func TestClipEncodesEveryFrame(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed")
	}
	out := filepath.Join(t.TempDir(), "sub", "c.mp4")
	var so, se bytes.Buffer
	args := []string{"clip", "--seed", "3", "--width", "320", "--height", "180", "--seconds", "2", "--fps", "15",
		"--lighting", "night", "--dropout", "0.5s-1s", "--out", out}
	if code := run(t.Context(), args, &so, &se); code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	probe, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", out).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, probe)
	}
	if got := strings.TrimSpace(string(probe)); got != "h264,320,180,30" {
		t.Fatalf("ffprobe: %q, want h264 320x180 with 30 frames", got)
	}
	var gt gtFile
	b, err := os.ReadFile(filepath.Join(filepath.Dir(out), "c.gt.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &gt); err != nil || len(gt.Images) != 30 || gt.Info.Video != "c.mp4" {
		t.Fatalf("ground truth: %v, %d images, video %q", err, len(gt.Images), gt.Info.Video)
	}
}
