//go:build !nogst

// Package configs_test runs every sample deepstream-app config end to end
// with dsapp's code: the generated clips through the trained sample models
// into annotated MP4 files, with PERF lines, and checks what comes out.
package configs_test

import (
	"bytes"
	"context"
	"github.com/dsgo/dsgo/internal/mediatest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dsgo/dsgo/app"
	_ "github.com/dsgo/dsgo/elements/all" // every element, as cmd/dsapp links them
	"github.com/dsgo/dsgo/elements/rtsp"
)

func TestSampleConfigsRunEndToEnd(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("skipped with -short and -race: runs the sample models over the sample clips")
	}
	for _, tc := range []struct {
		config, output       string
		minFrames, maxFrames int
	}{
		{"source1_primary_detector.txt", "out_source1_primary_detector.mp4", 150, 150},
		{"source1_ssd.txt", "out_source1_ssd.mp4", 150, 150},
		{"source1_yolo.txt", "out_source1_yolo.mp4", 150, 150},
		{"source1_mrcnn.txt", "out_source1_mrcnn.mp4", 150, 150},
		// Four 150-frame cameras: batched-push-timeout may push a batch
		// before a slow camera's frame arrives, which then comes in a
		// batch of its own, so the tiled output has 150 or more frames.
		{"source4_primary_secondary_tiled.txt", "out_source4_tiled.mp4", 150, 600},
	} { // (source1_rtsp_camera.txt: TestSampleRTSPCameraConfig)
		t.Run(tc.config, func(t *testing.T) {
			cfg, err := filepath.Abs(tc.config)
			if err != nil {
				t.Fatal(err)
			}
			t.Chdir(t.TempDir()) // output-file is relative to the working directory, as in deepstream-app
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			start := time.Now()
			code := app.Main(ctx, []string{"-c", cfg, "--no-display"}, app.Env{Stdout: &stdout, Stderr: &stderr})
			if code != app.ExitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "**PERF:") {
				t.Errorf("no PERF lines in:\n%s", stdout.String())
			}
			if n := mediatest.Frames(t, tc.output); n < tc.minFrames || n > tc.maxFrames {
				t.Errorf("%s has %d frames, want %d-%d", tc.output, n, tc.minFrames, tc.maxFrames)
			}
			t.Logf("%s in %v", tc.config, time.Since(start).Round(time.Millisecond))
		})
	}
}

// Every sample config passes dsapp --validate, which opens the models and
// clips it names.
func TestSampleConfigsValidate(t *testing.T) {
	configs, _ := filepath.Glob("source*.txt")
	if len(configs) < 5 {
		t.Fatalf("found %d sample configs", len(configs))
	}
	for _, c := range configs {
		var stdout, stderr bytes.Buffer
		if code := app.Main(context.Background(), []string{"-c", c, "--validate"}, app.Env{Stdout: &stdout, Stderr: &stderr}); code != app.ExitOK {
			t.Errorf("%s: --validate exit %d: %s", c, code, stderr.String())
		}
	}
	if _, err := os.Stat("../streams/street_day_720p.mp4"); err != nil {
		t.Fatal(err)
	}
}

// The RTSP camera sample against dsgo's own RTSP server serving a sample
// clip: frames flow live through the detector until Ctrl-C, which drains
// into a complete MP4.
func TestSampleRTSPCameraConfig(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("skipped with -short and -race: runs the sample detector on a live stream")
	}
	srv, err := rtsp.NewServer(rtsp.Config{})
	if err != nil {
		t.Skip("the sample's RTSP port is taken: ", err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clip, _ := filepath.Abs(filepath.Join("..", "streams", "street_day_720p.mp4"))
	go rtsp.ServeFile(ctx, srv, "/cam", clip, true)
	cfg, err := filepath.Abs("source1_rtsp_camera.txt")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	interrupts := make(chan os.Signal, 1)
	time.AfterFunc(8*time.Second, func() { interrupts <- os.Interrupt })
	var stdout, stderr bytes.Buffer
	code := app.Main(ctx, []string{"-c", cfg}, app.Env{Stdout: &stdout, Stderr: &stderr, Interrupts: interrupts})
	if code != app.ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "**PERF:") {
		t.Errorf("no PERF lines in:\n%s", stdout.String())
	}
	if n := mediatest.Frames(t, "out_source1_rtsp_camera.mp4"); n < 30 {
		t.Errorf("%d frames from 8 s of a 15 fps camera", n)
	}
}
