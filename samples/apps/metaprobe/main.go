// Command metaprobe shows the three things dsgo users write: a pipeline
// built in Go, a custom element, and a probe reading metadata.
//
// The custom element, "boxgen", stands in for streammux + a detector until
// those exist: it attaches a BatchMeta with one frame and a few moving
// objects to each buffer. A probe on the sink pad counts objects per class,
// the way deepstream-test1's OSD probe does.
//
//	go run ./samples/apps/metaprobe -frames 300
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

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

// Transform attaches one frame with e.objects objects.
func (e *BoxGen) Transform(_ context.Context, buf *pipeline.Buffer) (*pipeline.Buffer, error) {
	batch, err := e.pool.AcquireBatch(1)
	if err != nil {
		return nil, err
	}
	frame := batch.AcquireFrameMeta()
	frame.FrameNum = e.frame
	frame.BufPTS = buf.PTS
	frame.SourceFrameWidth, frame.SourceFrameHeight = 1280, 720
	for i := 0; i < int(e.objects); i++ {
		obj := batch.AcquireObjectMeta()
		obj.ClassID = i % len(labels)
		obj.ObjLabel = labels[obj.ClassID]
		obj.Confidence = 0.9
		obj.RectParams.Left = float32((e.frame*4 + i*200) % 1200)
		obj.RectParams.Top = float32(100 + i*120)
		obj.RectParams.Width, obj.RectParams.Height = 80, 60
		if err := frame.AddObject(obj); err != nil {
			return nil, err
		}
	}
	if err := batch.AddFrame(frame); err != nil {
		return nil, err
	}
	buf.AddMeta(batch)
	e.frame++
	return buf, nil
}

func main() {
	frames := flag.Int("frames", 300, "frames to generate")
	objects := flag.Int("objects", 4, "objects per frame")
	flag.Parse()

	p, err := pipeline.Launch(fmt.Sprintf(
		"fakesrc num-buffers=%d duration=33333333 ! boxgen name=det objects=%d ! queue ! fakesink name=sink",
		*frames, *objects))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	counts := map[string]int{}
	nframes := 0
	sink := pipeline.Base(p.ByName("sink")).SinkPad()
	sink.AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
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
	fmt.Printf("metaprobe: %d frames in %v; objects per class:", nframes, time.Since(start).Round(time.Millisecond))
	for _, l := range labels {
		fmt.Printf(" %s=%d", l, counts[l])
	}
	fmt.Println()
}
