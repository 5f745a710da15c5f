//go:build !nogst

package gst

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsgo/dsgo/elements/gst/internal/rtsptest"
	"github.com/dsgo/dsgo/pipeline"
)

// waitFrames waits until c has n frames.
func waitFrames(t *testing.T, c *collector, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for len(c.timestamps()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d frames within %v, want %d", len(c.timestamps()), d, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// busLog collects a pipeline's messages in the background.
type busLog struct {
	mu   sync.Mutex
	msgs []*pipeline.Message
	stop context.CancelFunc
	done chan struct{}
}

func watchBus(p *pipeline.Pipeline) *busLog {
	ctx, cancel := context.WithCancel(context.Background())
	l := &busLog{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			m, err := p.Bus().Pop(ctx, pipeline.MessageAny)
			if err != nil {
				return
			}
			l.mu.Lock()
			l.msgs = append(l.msgs, m)
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *busLog) close() []*pipeline.Message {
	l.stop()
	<-l.done
	return l.msgs
}

func TestURIDecodeBinRTSP(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := rtsptest.Start(0, "/test", rtsptest.H264)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, proto := range []int{0, 4} {
		p, src, c := decodePipeline(t, srv.URL("/test"), 0, map[string]any{"select-rtp-protocol": proto, "latency": 50})
		if _, err := p.SetState(pipeline.StatePlaying); err != nil {
			t.Fatal(err)
		}
		if !src.IsLive() {
			t.Error("an RTSP source should be live")
		}
		waitFrames(t, c, 10, 10*time.Second)
		p.SetState(pipeline.StateNull)
		checkMonotonic(t, c.timestamps())
		if caps := src.Caps().String(); caps != "video/x-raw, format=NV12, width=320, height=240, framerate=30/1" {
			t.Errorf("caps %s", caps)
		}
	}
	srv.Close()
	checkGoroutines(t, before)
}

// TestURIDecodeBinRTSPReconnect stops the server under a running source:
// it warns, reconnects when the server is back, and goes on with
// increasing timestamps.
func TestURIDecodeBinRTSPReconnect(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := rtsptest.Start(0, "/test", rtsptest.H264)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p, _, c := decodePipeline(t, srv.URL("/test"), 0, map[string]any{
		"select-rtp-protocol": 4, "latency": 50, "rtsp-reconnect-interval-sec": 1})
	bus := watchBus(p)
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
	waitFrames(t, c, 10, 10*time.Second)
	port := srv.Port
	srv.Close()
	time.Sleep(5 * time.Second) // the camera is gone for 5 s; the pipeline must stay up
	n := len(c.timestamps())
	if srv, err = rtsptest.Start(port, "/test", rtsptest.H264); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	waitFrames(t, c, n+10, 15*time.Second)
	p.SetState(pipeline.StateNull)
	msgs := bus.close()
	checkMonotonic(t, c.timestamps())
	warnings := messagesOf(msgs, pipeline.MessageWarning)
	reconnecting := false
	for _, m := range warnings {
		t.Log(m)
		reconnecting = reconnecting || strings.Contains(m.Err.Error(), "reconnecting")
	}
	if !reconnecting {
		t.Fatalf("want a warning about reconnecting, got %v", warnings)
	}
	if errs := messagesOf(msgs, pipeline.MessageError); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	srv.Close()
	checkGoroutines(t, before)
}

// TestURIDecodeBinRTSPLateServer starts the source before its server: with
// reconnection on, it warns and connects once the server is up.
func TestURIDecodeBinRTSPLateServer(t *testing.T) {
	before := runtime.NumGoroutine()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	uri := fmt.Sprintf("rtsp://127.0.0.1:%d/test", port)
	p, src, c := decodePipeline(t, uri, 0, map[string]any{"select-rtp-protocol": 4, "rtsp-reconnect-interval-sec": 1})
	bus := watchBus(p)
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
	srv, err := rtsptest.Start(port, "/test", rtsptest.H264)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	waitFrames(t, c, 10, 15*time.Second)
	p.SetState(pipeline.StateNull)
	msgs := bus.close()
	if w := messagesOf(msgs, pipeline.MessageWarning); len(w) == 0 || !strings.Contains(w[0].Err.Error(), uri) {
		t.Fatalf("want a warning naming %s, got %v", uri, w)
	}
	if src.Caps() == nil {
		t.Fatal("no caps after connecting")
	}
	srv.Close()
	checkGoroutines(t, before)
}
