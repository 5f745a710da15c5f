// Command metaprobe shows the three things dsgo users write: a pipeline
// built in Go, a custom element, and a probe reading metadata.
//
// The pipeline batches two synthetic cameras with nvstreammux, and the
// custom element "boxgen" stands in for a detector until inference exists:
// it adds a few moving, labelled boxes to every frame of the batch. The
// tiler and nvdsosd draw them, and the result is encoded to an MP4. A probe
// on the OSD's sink pad counts objects per class, the way deepstream-test1's
// OSD probe does.
//
//	go run ./samples/apps/metaprobe -frames 300 -out out/metaprobe.mp4
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	_ "github.com/dsgo/dsgo/elements/all"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// BoxGen attaches synthetic detections to every buffer.
type BoxGen struct {
	pipeline.TransformBase
	objects int64
	pool    *meta.Pool
	frame   int
}

var boxGenClass = &pipeline.ElementClass{
	Factory:     "boxgen",
	Klass:       "Filter/Analytics",
	Description: "Attach a batch of moving synthetic detections to each buffer",
	Templates: []*pipeline.PadTemplate{
		pipeline.NewPadTemplate("sink", pipeline.PadSink, pipeline.PadAlways, "ANY"),
		pipeline.NewPadTemplate("src", pipeline.PadSrc, pipeline.PadAlways, "ANY"),
	},
	Props: []pipeline.Prop{
		pipeline.IntProp("objects", "Objects per frame", 4, 0, 64, func(e *BoxGen) *int64 { return &e.objects }),
	},
}

func init() { pipeline.Register(boxGenClass, func() pipeline.Element { return NewBoxGen() }) }

// NewBoxGen returns a boxgen element.
func NewBoxGen() *BoxGen {
	e := &BoxGen{pool: meta.NewPool()}
	e.InitTransform(e, boxGenClass)
	return e
}

var labels = []string{"Car", "Bicycle", "Person", "Roadsign"}

// Transform adds e.objects moving boxes to every frame of the batch (a
// batch of one frame is made for buffers that carry none).
func (e *BoxGen) Transform(_ context.Context, buf *pipeline.Buffer) (*pipeline.Buffer, error) {
	batch := meta.GetBatchMeta(buf)
	if batch == nil {
		var err error
		if batch, err = e.pool.AcquireBatch(1); err != nil {
			return nil, err
		}
		f := batch.AcquireFrameMeta()
		f.PipelineWidth, f.PipelineHeight = 1280, 720
		if err := batch.AddFrame(f); err != nil {
			return nil, err
		}
		buf.AddMeta(batch)
	}
	for _, frame := range batch.Frames {
		w, h := max(frame.PipelineWidth, 160), max(frame.PipelineHeight, 120)
		for i := 0; i < int(e.objects); i++ {
			obj := batch.AcquireObjectMeta()
			obj.ClassID = i % len(labels)
			obj.ObjLabel = labels[obj.ClassID]
			obj.Confidence = 0.9
			r := &obj.RectParams
			r.Width, r.Height = float32(w/8), float32(h/8)
			r.Left = float32((e.frame*4 + i*w/4 + frame.SourceID*37) % (w - w/8))
			r.Top = float32((h/8 + i*h/5) % (h - h/8))
			r.BorderWidth = 3
			r.BorderColor = meta.Color{R: 1, G: float64(i%2) * 0.8, B: 0.2, A: 1}
			obj.TextParams.DisplayText = fmt.Sprintf("%s %d", obj.ObjLabel, i)
			obj.TextParams.XOffset, obj.TextParams.YOffset = int(r.Left), max(int(r.Top)-18, 0)
			obj.TextParams.FontParams = meta.FontParams{FontName: "Sans", FontSize: 12, FontColor: meta.Color{R: 1, G: 1, B: 1, A: 1}}
			obj.TextParams.SetBgColor, obj.TextParams.TextBgColor = true, meta.Color{A: 0.6}
			if err := frame.AddObject(obj); err != nil {
				return nil, err
			}
		}
	}
	e.frame++
	return buf, nil
}

func main() {
	frames := flag.Int("frames", 300, "frames to generate per camera")
	objects := flag.Int("objects", 4, "objects per frame")
	out := flag.String("out", "", "MP4 file to write (empty: no video, just count)")
	flag.Parse()

	sink := "fakesink name=sink"
	if *out != "" {
		sink = "nvmultistreamtiler rows=1 columns=2 width=1280 height=360 ! nvdsosd name=sink ! dsencsink location=" + *out
	}
	p, err := pipeline.Launch(fmt.Sprintf(
		"nvstreammux name=m batch-size=2 width=640 height=360 format=RGBA ! boxgen name=det objects=%d ! queue ! %s "+
			"videotestsrc num-buffers=%d pattern=smpte ! m.sink_0 videotestsrc num-buffers=%d pattern=ball ! m.sink_1",
		*objects, sink, *frames, *frames))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	counts := map[string]int{}
	nframes := 0
	pad := pipeline.Base(p.ByName("sink")).SinkPad()
	pad.AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
		batch := meta.GetBatchMeta(info.Buffer)
		meta.ForEachObject(batch, func(_ *meta.FrameMeta, obj *meta.ObjectMeta) bool {
			counts[obj.ObjLabel]++
			return true
		})
		nframes++
		return pipeline.ProbeOK
	})
	start := time.Now()
	if err := p.Run(context.Background(), 5*time.Second, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("metaprobe: %d batches in %v; objects per class:", nframes, time.Since(start).Round(time.Millisecond))
	for _, l := range labels {
		fmt.Printf(" %s=%d", l, counts[l])
	}
	fmt.Println()
	if *out != "" {
		fmt.Println("metaprobe: wrote", *out)
	}
}
