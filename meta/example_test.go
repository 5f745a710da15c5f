package meta_test

import (
	"fmt"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// Example shows a probe after a detector: it counts people per frame, reads
// the raw tensor the detector attached, and draws the count on the frame,
// like DeepStream's deepstream-test1 osd_sink_pad_buffer_probe.
func Example() {
	buf := detectedBatch() // what the probe receives

	batch := meta.GetBatchMeta(buf)
	if batch == nil {
		return // not a batch buffer: nothing to do
	}
	meta.ForEachFrame(batch, func(frame *meta.FrameMeta) bool {
		people := 0
		for _, obj := range frame.Objects {
			if obj.ObjLabel == "person" {
				people++
				obj.RectParams.BorderColor = meta.Color{R: 1, A: 1}
			}
		}
		if t, ok := meta.FindUserMeta[*meta.TensorOutputMeta](frame.UserMetas, meta.MetaTypeTensorOutput); ok {
			fmt.Printf("source %d: tensor from gie %d with %d layers\n", frame.SourceID, t.UniqueID, t.NumOutputLayers())
		}
		dm := batch.AcquireDisplayMeta()
		if err := dm.AddLabel(meta.TextParams{
			DisplayText: fmt.Sprintf("Person = %d", people),
			XOffset:     10, YOffset: 12,
			FontParams: meta.FontParams{FontName: "Serif", FontSize: 10, FontColor: meta.Color{R: 1, G: 1, B: 1, A: 1}},
		}); err != nil {
			fmt.Println(err)
			return false
		}
		if err := frame.AddDisplayMeta(dm); err != nil {
			fmt.Println(err)
			return false
		}
		fmt.Printf("source %d frame %d: %s\n", frame.SourceID, frame.FrameNum, dm.Labels()[0].DisplayText)
		return true
	})

	// Drop low-confidence objects; removing the current object is allowed.
	meta.ForEachObject(batch, func(frame *meta.FrameMeta, obj *meta.ObjectMeta) bool {
		if obj.Confidence < 0.5 {
			_ = frame.RemoveObject(obj)
		}
		return true
	})
	for frame, obj := range meta.Objects(batch) {
		fmt.Printf("kept source %d %s %.1f\n", frame.SourceID, obj.ObjLabel, obj.Confidence)
	}

	buf.Unref() // releases the batch and everything in it back to the pool
	// Output:
	// source 0: tensor from gie 1 with 1 layers
	// source 0 frame 7: Person = 2
	// source 1 frame 3: Person = 0
	// kept source 0 person 0.9
	// kept source 1 car 0.8
}

// detectedBatch builds what streammux and a detector would: a buffer with a
// two-frame batch, objects, and a tensor output meta on frame 0.
func detectedBatch() *pipeline.Buffer {
	pool := meta.NewPool() // one per pipeline
	batch, err := pool.AcquireBatch(2)
	if err != nil {
		panic(err)
	}
	objects := [][]struct {
		label string
		conf  float32
	}{
		{{"person", 0.9}, {"person", 0.3}},
		{{"car", 0.8}},
	}
	for i, objs := range objects {
		frame := batch.AcquireFrameMeta()
		frame.SourceID, frame.BatchID, frame.FrameNum = i, i, 7-4*i
		if err := batch.AddFrame(frame); err != nil {
			panic(err)
		}
		for _, o := range objs {
			obj := batch.AcquireObjectMeta()
			obj.ObjLabel, obj.Confidence = o.label, o.conf
			if err := frame.AddObject(obj); err != nil {
				panic(err)
			}
		}
	}
	um := batch.AcquireUserMeta()
	um.Type = meta.MetaTypeTensorOutput
	um.Data = &meta.TensorOutputMeta{UniqueID: 1, OutputLayers: []meta.LayerInfo{{Name: "output_cov"}}}
	if err := batch.Frames[0].AddUserMeta(um); err != nil {
		panic(err)
	}
	buf := pipeline.NewBuffer()
	buf.AddMeta(batch)
	return buf
}

// ExampleRegistry shows two elements agreeing on a user meta type by name.
func ExampleRegistry() {
	var reg meta.Registry // one per pipeline; the zero value is ready
	producer, _ := reg.RegisterMetaType("ACME.ANALYTICS.LINE_CROSSING")
	consumer, _ := reg.RegisterMetaType("ACME.ANALYTICS.LINE_CROSSING")
	fmt.Println(producer == consumer, reg.Name(consumer))
	// Output: true ACME.ANALYTICS.LINE_CROSSING
}
