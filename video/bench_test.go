package video

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"testing"
	"time"
)

type benchCase struct {
	name   string
	sf     Format
	sw, sh int
	df     Format
	dw, dh int
	opt    ConvertOptions
	// gst is the GStreamer conversion doing the same work, between
	// "videotestsrc ! video/x-raw,format=...,width=...,height=..." and
	// "fakesink"; empty when there is no comparison.
	gst string
}

var benchCases = []benchCase{
	{name: "NV12_1920x1080-NV12_1280x720", sf: FormatNV12, sw: 1920, sh: 1080, df: FormatNV12, dw: 1280, dh: 720,
		gst: "videoscale ! video/x-raw,width=1280,height=720"},
	{name: "NV12_1920x1080-RGB_960x544", sf: FormatNV12, sw: 1920, sh: 1080, df: FormatRGB, dw: 960, dh: 544,
		gst: "videoscale ! video/x-raw,width=960,height=544 ! videoconvert ! video/x-raw,format=RGB"},
	{name: "NV12_1920x1080-RGB_960x544-convertscale", sf: FormatNV12, sw: 1920, sh: 1080, df: FormatRGB, dw: 960, dh: 544,
		gst: "videoconvertscale ! video/x-raw,format=RGB,width=960,height=544"},
	{name: "NV12_1920x1080-NV12_1280x720-nearest", sf: FormatNV12, sw: 1920, sh: 1080, df: FormatNV12, dw: 1280, dh: 720,
		opt: ConvertOptions{Interp: InterpNearest}, gst: "videoscale method=nearest-neighbour ! video/x-raw,width=1280,height=720"},
	{name: "NV12_1920x1080-RGBA_1920x1080", sf: FormatNV12, sw: 1920, sh: 1080, df: FormatRGBA, dw: 1920, dh: 1080,
		gst: "videoconvert ! video/x-raw,format=RGBA"},
	{name: "I420_1920x1080-NV12_1920x1080", sf: FormatI420, sw: 1920, sh: 1080, df: FormatNV12, dw: 1920, dh: 1080,
		gst: "videoconvert ! video/x-raw,format=NV12"},
	{name: "RGBA_1920x1080-NV12_1920x1080", sf: FormatRGBA, sw: 1920, sh: 1080, df: FormatNV12, dw: 1920, dh: 1080,
		gst: "videoconvert ! video/x-raw,format=NV12"},
	{name: "RGBA_1920x1080-RGBA_960x540", sf: FormatRGBA, sw: 1920, sh: 1080, df: FormatRGBA, dw: 960, dh: 540,
		gst: "videoscale ! video/x-raw,width=960,height=540"},
	{name: "NV12_1920x1080-BGR_640x640-aspect", sf: FormatNV12, sw: 1920, sh: 1080, df: FormatBGR, dw: 640, dh: 640,
		opt: ConvertOptions{KeepAspect: true, Symmetric: true}},
	{name: "NV12_1920x1080-NV12_1920x1080", sf: FormatNV12, sw: 1920, sh: 1080, df: FormatNV12, dw: 1920, dh: 1080},
	{name: "NV12_640x360-NV12_320x240", sf: FormatNV12, sw: 640, sh: 360, df: FormatNV12, dw: 320, dh: 240},
	{name: "NV12_640x360-RGB_320x240", sf: FormatNV12, sw: 640, sh: 360, df: FormatRGB, dw: 320, dh: 240},
}

// BenchmarkConvert measures the dedicated paths in one goroutine and with
// the automatic number of workers. Bytes are the source frame's.
func BenchmarkConvert(b *testing.B) {
	for _, c := range benchCases {
		for _, w := range []int{1, 0} {
			b.Run(fmt.Sprintf("%s/workers=%d", c.name, w), func(b *testing.B) {
				src := noiseFrame(b, c.sf, c.sw, c.sh, 0, rand.New(rand.NewPCG(1, 1)))
				dst := NewFrame(newInfo(b, c.df, c.dw, c.dh, 0))
				opt := c.opt
				opt.Workers, opt.Pool = w, testWorkers
				b.SetBytes(int64(src.Size))
				b.ReportAllocs()
				for b.Loop() {
					if err := Convert(dst, src, opt); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkConvertVsGStreamer times the same conversions with
// gst-launch-1.0 (the pipeline with the conversion minus the same
// pipeline without it, over 600 frames, best of three) and with Convert,
// in one run, and reports both per frame and their ratio
// (gst-ns/go-ns: above 1 means Convert is faster). GStreamer's
// videoscale and videoconvert use one thread by default, so the ratio
// uses Convert with one worker; go-auto-ns is Convert with the automatic
// number of workers.
func BenchmarkConvertVsGStreamer(b *testing.B) {
	if _, err := exec.LookPath("gst-launch-1.0"); err != nil {
		b.Skip("gst-launch-1.0 not installed")
	}
	for _, c := range benchCases {
		if c.gst == "" {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			const frames = 600
			in := fmt.Sprintf("videotestsrc num-buffers=%d ! video/x-raw,format=%s,width=%d,height=%d", frames, c.sf, c.sw, c.sh)
			var gst time.Duration
			for b.Loop() {
				base := bestOf(b, 3, in+" ! fakesink")
				with := bestOf(b, 3, in+" ! "+c.gst+" ! fakesink")
				gst = (with - base) / frames
			}
			one, auto := timeConvert(b, c, 1), timeConvert(b, c, 0)
			b.ReportMetric(float64(gst.Nanoseconds()), "gst-ns/frame")
			b.ReportMetric(float64(one.Nanoseconds()), "go-ns/frame")
			b.ReportMetric(float64(auto.Nanoseconds()), "go-auto-ns/frame")
			b.ReportMetric(float64(gst)/float64(one), "gst/go")
		})
	}
}

// bestOf runs a gst-launch-1.0 line n times and returns the shortest wall
// time.
func bestOf(b *testing.B, n int, line string) time.Duration {
	best := time.Duration(1 << 62)
	for range n {
		cmd := exec.Command("sh", "-c", "gst-launch-1.0 -q "+line)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("gst-launch-1.0 %s: %v\n%s", line, err, out)
		}
		best = min(best, time.Since(start))
	}
	return best
}

// timeConvert returns the time of one Convert of case c, the best of
// several batches.
func timeConvert(b *testing.B, c benchCase, workers int) time.Duration {
	src := noiseFrame(b, c.sf, c.sw, c.sh, 0, rand.New(rand.NewPCG(1, 1)))
	dst := NewFrame(newInfo(b, c.df, c.dw, c.dh, 0))
	opt := c.opt
	opt.Workers, opt.Pool = workers, testWorkers
	best := time.Duration(1 << 62)
	for range 10 {
		start := time.Now()
		for range 20 {
			if err := Convert(dst, src, opt); err != nil {
				b.Fatal(err)
			}
		}
		best = min(best, time.Since(start)/20)
	}
	return best
}
