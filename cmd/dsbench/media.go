package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/dsgo/dsgo/elements/all"
	"github.com/dsgo/dsgo/pipeline"
)

// runMedia measures decode -> nvstreammux (N sources) -> fakesink in dsgo
// against the same N decodes in gst-launch-1.0, on a generated 720p clip.
func runMedia(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dsbench media", flag.ContinueOnError)
	fs.SetOutput(stderr)
	frames := fs.Int("frames", 300, "frames in the test clip")
	sources := fs.Int("sources", 4, "sources batched")
	rounds := fs.Int("rounds", 2, "runs per side; the fastest counts")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dir, err := os.MkdirTemp("", "dsbench-media")
	if err != nil {
		fmt.Fprintln(stderr, "dsbench:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	clip := filepath.Join(dir, "clip.mp4")
	gen := fmt.Sprintf("videotestsrc num-buffers=%d pattern=ball ! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 ! "+
		"x264enc speed-preset=ultrafast key-int-max=30 ! mp4mux ! filesink location=%s", *frames, clip)
	if out, err := exec.Command("gst-launch-1.0", append([]string{"-q"}, strings.Fields(gen)...)...).CombinedOutput(); err != nil {
		fmt.Fprintf(stderr, "dsbench: making the clip: %v\n%s", err, out)
		return 1
	}
	uri := "file://" + clip
	ds := "nvstreammux name=m batch-size=" + fmt.Sprint(*sources) + " width=1280 height=720 ! fakesink"
	gs := ""
	for i := 0; i < *sources; i++ {
		ds += fmt.Sprintf(" uridecodebin uri=%s ! m.sink_%d", uri, i)
		gs += fmt.Sprintf(" uridecodebin uri=%s ! videoconvert ! video/x-raw,format=NV12 ! fakesink", uri)
	}
	best := func(run func() error) (time.Duration, error) {
		b := time.Duration(1<<63 - 1)
		for r := 0; r < *rounds; r++ {
			start := time.Now()
			if err := run(); err != nil {
				return 0, err
			}
			b = min(b, time.Since(start))
		}
		return b, nil
	}
	dt, err := best(func() error {
		p, err := pipeline.Launch(ds)
		if err != nil {
			return err
		}
		return p.Run(context.Background(), time.Minute, nil)
	})
	if err != nil {
		fmt.Fprintln(stderr, "dsbench: dsgo:", err)
		return 1
	}
	gt, err := best(func() error {
		out, err := exec.Command("gst-launch-1.0", append([]string{"-q"}, strings.Fields(gs)...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(stderr, "dsbench: gstreamer:", err)
		return 1
	}
	total := float64(*frames * *sources)
	dfps, gfps := total/dt.Seconds(), total/gt.Seconds()
	fmt.Fprintf(stdout, "media: %d x 1280x720 H.264 decode -> NV12: dsgo (nvstreammux batch-size=%d) %.0f fps, gstreamer %.0f fps, ratio %.2f\n",
		*sources, *sources, dfps, gfps, dfps/gfps)
	return 0
}
