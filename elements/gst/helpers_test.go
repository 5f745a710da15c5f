//go:build !nogst

package gst

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsgo/dsgo/pipeline"
)

// media is a directory of test files made once per test binary.
var media struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if media.dir != "" {
		os.RemoveAll(media.dir)
	}
	os.Exit(code)
}

// gstLaunch runs gst-launch-1.0 with a pipeline description.
func gstLaunch(desc string) error {
	args := append([]string{"-q"}, strings.Fields(desc)...)
	out, err := exec.Command("gst-launch-1.0", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("gst-launch-1.0 %s: %v\n%s", desc, err, out)
	}
	return nil
}

// encode writes n frames of a videotestsrc pattern as H.264 in MP4
// ("fast" files have their index first, for streaming).
func encode(path string, n int, src string) error {
	mux := "mp4mux"
	if strings.HasPrefix(filepath.Base(path), "fast") {
		mux += " faststart=true"
	}
	return gstLaunch(fmt.Sprintf("videotestsrc num-buffers=%d %s ! "+
		"video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! x264enc ! %s ! filesink location=%s",
		n, src, mux, path))
}

// testMedia returns the path of a shared test file:
// "30.mp4" (30 frames), "10.mp4" (10 frames), "white.mp4", "red.mp4",
// "fast.mp4" (300 frames, index first),
// "trunc.mp4" (a truncated MP4), "random.bin" (random bytes).
func testMedia(t testing.TB, name string) string {
	t.Helper()
	media.once.Do(func() {
		media.dir, media.err = os.MkdirTemp("", "dsgo-gst-media")
		if media.err != nil {
			return
		}
		var wg sync.WaitGroup
		errs := make(chan error, 5)
		for _, f := range []struct {
			name, src string
			n         int
		}{{"30.mp4", "", 30}, {"10.mp4", "", 10}, {"white.mp4", "pattern=white", 5},
			{"red.mp4", "pattern=solid-color foreground-color=0xffff0000", 5},
			{"fast.mp4", "", 300}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- encode(filepath.Join(media.dir, f.name), f.n, f.src)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil && media.err == nil {
				media.err = err
			}
		}
		if media.err != nil {
			return
		}
		whole, err := os.ReadFile(filepath.Join(media.dir, "30.mp4"))
		if err == nil {
			err = os.WriteFile(filepath.Join(media.dir, "trunc.mp4"), whole[:len(whole)/3], 0o644)
		}
		if err == nil {
			noise := make([]byte, 64<<10)
			for i := range noise {
				noise[i] = byte(i*7919 + i>>3)
			}
			err = os.WriteFile(filepath.Join(media.dir, "random.bin"), noise, 0o644)
		}
		media.err = err
	})
	if media.err != nil {
		t.Fatal(media.err)
	}
	return filepath.Join(media.dir, name)
}

func fileURI(path string) string { return "file://" + path }

// collector is a fakesink that records buffers and caps.
type collector struct {
	sink *pipeline.FakeSink
	mu   sync.Mutex
	pts  []pipeline.ClockTime
	data [][]byte // copies of the first keep buffers
	keep int
}

func newCollector(keep int) *collector {
	c := &collector{sink: pipeline.NewFakeSink(), keep: keep}
	c.sink.SetHandoff(func(b *pipeline.Buffer) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.pts = append(c.pts, b.PTS)
		if len(c.data) < c.keep {
			c.data = append(c.data, append([]byte(nil), b.Bytes()...))
		}
	})
	return c
}

func (c *collector) timestamps() []pipeline.ClockTime {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]pipeline.ClockTime(nil), c.pts...)
}

// run plays p to EOS (or error) within d and returns the messages seen.
func run(t testing.TB, p *pipeline.Pipeline, d time.Duration) ([]*pipeline.Message, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var msgs []*pipeline.Message
	err := p.Run(ctx, 5*time.Second, func(m *pipeline.Message) {
		mu.Lock()
		msgs = append(msgs, m)
		mu.Unlock()
	})
	mu.Lock()
	defer mu.Unlock()
	return msgs, err
}

// checkMonotonic fails unless the timestamps strictly increase.
func checkMonotonic(t testing.TB, pts []pipeline.ClockTime) {
	t.Helper()
	for i, ts := range pts {
		if ts == pipeline.NoTime {
			t.Fatalf("frame %d has no PTS", i)
		}
		if i > 0 && ts <= pts[i-1] {
			t.Fatalf("PTS not increasing at frame %d: %v after %v", i, ts, pts[i-1])
		}
	}
}

// checkGoroutines fails if more goroutines run than before (after a grace
// period for ones that are finishing).
func checkGoroutines(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutine leak: %d before, %d after\n%s", before, n, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// messagesOf returns the messages of a type.
func messagesOf(msgs []*pipeline.Message, typ pipeline.MessageType) []*pipeline.Message {
	var out []*pipeline.Message
	for _, m := range msgs {
		if m.Type == typ {
			out = append(out, m)
		}
	}
	return out
}
