package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the command: the tests run
// it again with DSRTSPSERVER_MAIN=1 and the command's flags.
func TestMain(m *testing.M) {
	if os.Getenv("DSRTSPSERVER_MAIN") == "1" {
		os.Args = append([]string{"dsrtspserver"}, strings.Fields(os.Getenv("DSRTSPSERVER_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// start runs the command serving file at addr.
func start(t *testing.T, file, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DSRTSPSERVER_MAIN=1",
		"DSRTSPSERVER_ARGS=-file "+file+" -addr "+addr+" -path /stream")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// play decodes 30 frames of url with rtspsrc over TCP, retrying while the
// server starts.
func play(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		out, err := exec.CommandContext(ctx, "gst-launch-1.0", "-q", "rtspsrc", "location="+url, "protocols=tcp",
			"!", "rtph264depay", "!", "h264parse", "!", "avdec_h264", "!", "fakesink", "num-buffers=30").CombinedOutput()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rtspsrc %s: %v\n%s", url, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestKillAndRestartProcess(t *testing.T) {
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		t.Skip(err)
	}
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	line := "videotestsrc num-buffers=60 ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! " +
		"x264enc tune=zerolatency key-int-max=15 ! h264parse ! mp4mux ! filesink location=" + clip
	if out, err := exec.Command("gst-launch-1.0", append([]string{"-q"}, strings.Fields(line)...)...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	url := fmt.Sprintf("rtsp://%s/stream", addr)

	first := start(t, clip, addr)
	play(t, url)
	first.Process.Kill() // SIGKILL: no clean shutdown
	first.Wait()

	second := start(t, clip, addr)
	play(t, url)
	second.Process.Signal(syscall.SIGTERM)
	if err := second.Wait(); err != nil {
		t.Errorf("dsrtspserver after SIGTERM: %v; want exit 0", err)
	}
}
