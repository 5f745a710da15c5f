package rtsp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsgo/dsgo/pipeline"
)

// launchSink builds appsrc ! rtspserversink for a byte-stream of codec.
func launchSink(t *testing.T, codec Codec, props string) (*pipeline.Pipeline, *pipeline.AppSrc, *ServerSink) {
	t.Helper()
	caps := "video/x-h264"
	if codec == H265 {
		caps = "video/x-h265"
	}
	p, err := pipeline.Launch(`appsrc name=src caps="` + caps + `, stream-format=byte-stream, alignment=au" ! rtspserversink name=sink ` + props)
	if err != nil {
		t.Fatal(err)
	}
	return p, p.ByName("src").(*pipeline.AppSrc), p.ByName("sink").(*ServerSink)
}

// feed pushes the access units into src over and over, one frame every
// 1/30 s of PTS, until ctx is done.
func feed(ctx context.Context, src *pipeline.AppSrc, aus [][]byte) {
	for i := 0; ctx.Err() == nil; i++ {
		b := pipeline.NewBufferData(aus[i%len(aus)])
		b.PTS = time.Duration(i) * time.Second / 30
		if src.Push(ctx, b) != nil {
			return
		}
	}
}

func TestServerSinkServesPipeline(t *testing.T) {
	needMedia(t)
	base := runtime.NumGoroutine()
	t.Run("H264", func(t *testing.T) { serveClip(t, H264, media.h264Raw) })
	t.Run("H265", func(t *testing.T) { serveClip(t, H265, media.h265Raw) })
	checkGoroutines(t, base)
}

// serveClip plays the access units of a byte-stream clip, over and over,
// through appsrc ! rtspserversink and decodes them with rtspsrc.
func serveClip(t *testing.T, codec Codec, clip string) {
	raw, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	aus := accessUnits(raw, codec)
	if len(aus) != 60 {
		t.Fatalf("split %d access units from the clip; want 60", len(aus))
	}
	port := freePort(t)
	p, src, sink := launchSink(t, codec, fmt.Sprintf("port=%d mount=/ds-test udp-port=5400", port))
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { feed(ctx, src, aus) })

	url, _ := sink.Get("url")
	if want := fmt.Sprintf("rtsp://127.0.0.1:%d/ds-test", port); url != want {
		t.Errorf("url = %q; want %q", url, want)
	}
	mustPlay(t, str(url), "tcp", codec, 20)
	if codec == H264 {
		mustPlay(t, str(url), "udp", codec, 20)
		probe(t, str(url))
	}

	cancel()
	wg.Wait()
	for m := p.Bus().TryPop(pipeline.MessageError | pipeline.MessageWarning); m != nil; m = p.Bus().TryPop(pipeline.MessageError | pipeline.MessageWarning) {
		t.Errorf("bus: %v", m)
	}
	if _, err := p.SetState(pipeline.StateNull); err != nil {
		t.Fatal(err)
	}
	if sink.Server() != nil {
		t.Error("the server still runs in NULL")
	}
}

func str(v any) string { return v.(string) }

func TestServerSinkDefaults(t *testing.T) {
	e, err := pipeline.Make("rtspserversink", "")
	if err != nil {
		t.Fatal(err)
	}
	b := pipeline.Base(e)
	for name, want := range map[string]any{"port": int64(8554), "mount": "/ds-test", "address": "127.0.0.1",
		"udp-port": int64(5400), "rtp-port": int64(0), "sync": true, "async": false, "url": "", "clients": int64(0)} {
		if got, err := b.Get(name); err != nil || got != want {
			t.Errorf("%s = %v (%v); want %v", name, got, err, want)
		}
	}
	sinkCaps := b.SinkPad().Template().Caps
	for _, c := range []string{"video/x-h264, stream-format=byte-stream, alignment=au", "video/x-h265, stream-format=byte-stream, alignment=au"} {
		if !pipeline.MustParseCaps(c).CanIntersect(sinkCaps) {
			t.Errorf("sink caps %v do not take %s", sinkCaps, c)
		}
	}
}

func TestServerSinkPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p, _, _ := launchSink(t, H264, fmt.Sprintf("port=%d", ln.Addr().(*net.TCPAddr).Port))
	_, err = p.SetState(pipeline.StatePaused)
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("PAUSED with the port taken: %v; want an error naming %s", err, ln.Addr())
	}
	t.Log(err)
	p.SetState(pipeline.StateNull)
	if _, err := pipeline.Launch("appsrc ! rtspserversink mount=no-slash"); err == nil {
		t.Error("mount=no-slash was accepted")
	}
}

// TestKillAndRestart closes a server under two clients, as killing the
// camera of a reconnect test does, and serves again on the same port.
func TestKillAndRestart(t *testing.T) {
	needMedia(t)
	base := runtime.NumGoroutine()
	srv, err := NewServer(Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ServeFile(ctx, srv, "/stream", media.h264MP4, true) }()
	tcp, udp := startClient(t, srv.URL("/stream"), "tcp"), startClient(t, srv.URL("/stream"), "udp")
	waitClients(t, srv, "/stream", 2)
	time.Sleep(300 * time.Millisecond)

	killed := time.Now()
	srv.Close()
	if err := <-done; !errors.Is(err, ErrStreamClosed) {
		t.Errorf("ServeFile on a closed server = %v; want ErrStreamClosed", err)
	}
	// rtspsrc over TCP warns "The server closed the connection" and ends
	// with EOS (exit 0); over UDP it fails to reconnect and errors out.
	if out, err := tcp.wait(t); !strings.Contains(out, "server closed the connection") {
		t.Errorf("TCP client: %v, no \"server closed the connection\" in\n%s", err, out)
	}
	if out, err := udp.wait(t); err == nil {
		t.Errorf("UDP client exited 0 after the server closed\n%s", out)
	}
	t.Logf("both clients ended %v after the server closed", time.Since(killed).Round(time.Millisecond))

	srv2 := newTestServer(t, Config{Addr: addr})
	go func() { done <- ServeFile(ctx, srv2, "/stream", media.h264MP4, true) }()
	mustPlay(t, srv2.URL("/stream"), "tcp", H264, 30)
	cancel()
	<-done
	srv2.Close()
	checkGoroutines(t, base)
}

// client is a gst-launch rtspsrc pipeline that plays until stopped.
type client struct {
	out    strings.Builder
	exited chan error
	cmd    *exec.Cmd
}

func startClient(t *testing.T, url, protocol string) *client {
	t.Helper()
	c := &client{exited: make(chan error, 1)}
	c.cmd = exec.Command("gst-launch-1.0", "rtspsrc", "location="+url, "protocols="+protocol,
		"!", "rtph264depay", "!", "h264parse", "!", "avdec_h264", "!", "fakesink")
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	return c
}

// wait waits up to 20 s for the client to end and returns its output and
// exit error.
func (c *client) wait(t *testing.T) (string, error) {
	t.Helper()
	select {
	case err := <-c.exited:
		return c.out.String(), err
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
		t.Fatalf("%v still ran 20 s after the server closed\n%s", c.cmd.Args, c.out.String())
	}
	return "", nil
}

// waitClients waits until n clients play path.
func waitClients(t *testing.T, srv *Server, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if st := srv.Stream(path); st != nil && st.Clients() == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d clients did not come to %s within 15 s", n, path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
