package infer

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dsgo/dsgo/cuda"
	_ "github.com/dsgo/dsgo/elements/streammux"
	_ "github.com/dsgo/dsgo/elements/testsrc"
	"github.com/dsgo/dsgo/infer/gpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

func model(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "..", "infer", "testdata", "models", name, "model.onnx"))
	return p
}

// writeConfig writes an nvinfer config and a label file into dir.
func writeConfig(t *testing.T, dir, name, body, labels string) string {
	t.Helper()
	if labels != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".labels"), []byte(labels), 0o644); err != nil {
			t.Fatal(err)
		}
		body = strings.Replace(body, "[property]\n", "[property]\nlabelfile-path="+name+".labels\n", 1)
	}
	path := filepath.Join(dir, name+".txt")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func detectorConfig(t *testing.T, dir, threshold string) string {
	return writeConfig(t, dir, "pgie", `[property]
net-scale-factor=0.0039215697906911373
onnx-file=`+model("detectnet")+`
batch-size=2
network-type=0
num-detected-classes=4
gie-unique-id=1
cluster-mode=2
[class-attrs-all]
pre-cluster-threshold=`+threshold+`
nms-iou-threshold=0.5
topk=5
`, "Car\nBicycle\nPerson\nRoadsign\n")
}

// runBatches runs desc (ending in appsink name=out) and returns each
// batch's frames' objects as seen by the sink.
func runBatches(t *testing.T, desc string, check func(batch *meta.BatchMeta)) int {
	t.Helper()
	n, _ := runBatchesMessages(t, desc, check)
	return n
}

// runBatchesMessages is runBatches that also returns the texts of the
// info and warning messages the pipeline posted.
func runBatchesMessages(t *testing.T, desc string, check func(batch *meta.BatchMeta)) (int, []string) {
	t.Helper()
	p, err := pipeline.Launch(desc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(pipeline.StateNull)
	sink := p.ByName("out").(*pipeline.AppSink)
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for n := 0; ; n++ {
		b, err := sink.Pull(ctx)
		if err == io.EOF {
			var msgs []string
			const types = pipeline.MessageInfo | pipeline.MessageWarning
			for m := p.Bus().TryPop(types); m != nil; m = p.Bus().TryPop(types) {
				msgs = append(msgs, m.Err.Error())
			}
			return n, msgs
		}
		if err != nil {
			t.Fatalf("after %d batches: %v (bus: %v)", n, err, p.Bus().TryPop(pipeline.MessageError))
		}
		check(meta.GetBatchMeta(b))
		b.Unref()
	}
}

const sources = "videotestsrc num-buffers=3 pattern=ball ! m.sink_0 videotestsrc num-buffers=3 pattern=smpte ! m.sink_1 "

func TestPrimaryDetectorAttachesBoxes(t *testing.T) {
	dir := t.TempDir()
	objects := 0
	n := runBatches(t, sources+"nvstreammux name=m batch-size=2 width=480 height=272 format=RGBA ! nvinfer config-file-path="+
		detectorConfig(t, dir, "0.3")+" ! appsink name=out sync=false", func(b *meta.BatchMeta) {
		for _, f := range b.Frames {
			for _, o := range f.Objects {
				objects++
				r := o.RectParams
				if o.UniqueComponentID != 1 || o.Confidence < 0.3 || o.ObjLabel == "" || o.ObjLabel != []string{"Car", "Bicycle", "Person", "Roadsign"}[o.ClassID] {
					t.Fatalf("object %+v", o)
				}
				if r.Left < 0 || r.Top < 0 || r.Left+r.Width > 480.5 || r.Top+r.Height > 272.5 || r.Width <= 0 {
					t.Fatalf("box outside the frame: %+v", r)
				}
			}
			if len(f.Objects) > 5*4 {
				t.Fatalf("%d objects with topk=5 per class", len(f.Objects))
			}
		}
	})
	if n != 3 || objects == 0 {
		t.Fatalf("%d batches, %d objects", n, objects)
	}
}

func TestThresholdAboveOneFindsNothing(t *testing.T) {
	dir := t.TempDir()
	runBatches(t, sources+"nvstreammux name=m batch-size=2 width=480 height=272 format=NV12 ! nvinfer config-file-path="+
		detectorConfig(t, dir, "1.5")+" ! appsink name=out sync=false", func(b *meta.BatchMeta) {
		for _, f := range b.Frames {
			if len(f.Objects) != 0 {
				t.Fatalf("%d objects above a threshold of 1.5", len(f.Objects))
			}
		}
	})
}

func TestSecondaryClassifierLabelsEachObject(t *testing.T) {
	dir := t.TempDir()
	sgie := writeConfig(t, dir, "sgie", `[property]
net-scale-factor=0.0039215697906911373
onnx-file=`+model("classifier")+`
batch-size=4
network-type=1
process-mode=2
gie-unique-id=2
operate-on-gie-id=1
operate-on-class-ids=0;2
input-object-min-width=2
input-object-min-height=2
classifier-threshold=0.0
`, "c0;c1;c2;c3;c4;c5;c6;c7;c8;c9\n")
	classified := 0
	runBatches(t, sources+"nvstreammux name=m batch-size=2 width=480 height=272 format=NV12 ! nvinfer config-file-path="+
		detectorConfig(t, dir, "0.3")+" ! nvinfer config-file-path="+sgie+" ! appsink name=out sync=false", func(b *meta.BatchMeta) {
		for _, f := range b.Frames {
			for _, o := range f.Objects {
				w, h := o.RectParams.Width, o.RectParams.Height
				if o.ClassID != 0 && o.ClassID != 2 {
					if len(o.ClassifierMetas) != 0 {
						t.Fatalf("class %d was classified though operate-on-class-ids=0;2", o.ClassID)
					}
					continue
				}
				if w < 3 || h < 3 { // about input-object-min-width/height once clamped to pixels
					continue
				}
				if len(o.ClassifierMetas) != 1 || o.ClassifierMetas[0].UniqueComponentID != 2 {
					t.Fatalf("object of class %d has classifier metas %v", o.ClassID, o.ClassifierMetas)
				}
				l := o.ClassifierMetas[0].Labels[0]
				if !strings.HasPrefix(l.ResultLabel, "c") || !strings.Contains(o.TextParams.DisplayText, l.ResultLabel) {
					t.Fatalf("label %+v, text %q", l, o.TextParams.DisplayText)
				}
				classified++
			}
		}
	})
	if classified == 0 {
		t.Fatal("no object was classified")
	}
}

func TestBadConfigsFailToStartWithTheReason(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ body, want string }{
		"noonnx":  {"[property]\nnetwork-type=1\n", "no model: set onnx-file"},
		"parser":  {"[property]\nonnx-file=" + model("detectnet") + "\nparse-bbox-func-name=NvDsInferParseNoSuch\nnum-detected-classes=4\n", "NvDsInferParseNoSuch"},
		"missing": {"[property]\nnum-detected-classes=4\nonnx-file=" + filepath.Join(dir, "nope.onnx") + "\n", "nope.onnx"},
		"badkey":  {"[property]\nonnx-file=" + model("detectnet") + "\ncluster-mode=9\n", "cluster-mode=9"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := writeConfig(t, dir, name, tc.body, "")
			p, err := pipeline.Launch("videotestsrc num-buffers=1 ! m.sink_0 nvstreammux name=m batch-size=1 width=480 height=272 ! nvinfer config-file-path=" + cfg + " ! fakesink")
			if err != nil {
				t.Fatal(err)
			}
			defer p.SetState(pipeline.StateNull)
			if _, err := p.SetState(pipeline.StatePlaying); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// output-tensor-meta=1 gives probes the raw outputs of each frame.
func TestOutputTensorMetaCarriesRawOutputs(t *testing.T) {
	dir := t.TempDir()
	cfg := detectorConfig(t, dir, "0.3")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), "[property]\n", "[property]\noutput-tensor-meta=1\n", 1)), 0o644)
	seen := 0
	runBatches(t, sources+"nvstreammux name=m batch-size=2 width=480 height=272 format=RGBA ! nvinfer config-file-path="+cfg+
		" ! appsink name=out sync=false", func(batch *meta.BatchMeta) {
		for _, f := range batch.Frames {
			tm, ok := meta.FindUserMeta[*meta.TensorOutputMeta](f.UserMetas, meta.MetaTypeTensorOutput)
			if !ok || tm.NumOutputLayers() != 2 || tm.UniqueID != 1 {
				t.Fatalf("frame %d: tensor meta %+v", f.FrameNum, tm)
			}
			cov := tm.Layer("output_cov/Sigmoid")
			vals, err := cov.Float32s()
			if err != nil || len(vals) != 4*17*30 || cov.Dims[0] != 4 {
				t.Fatalf("coverage layer %v %v (%v)", cov.Dims, len(vals), err)
			}
			for _, v := range vals {
				if v < 0 || v > 1 {
					t.Fatalf("sigmoid output %v", v)
				}
			}
			seen++
		}
	})
	if seen != 6 {
		t.Fatalf("%d frames with tensor meta, want 6", seen)
	}
}

// network-type=2 attaches a class map; the DetectNet model's coverage
// output (4 x 17 x 30 probabilities) stands in for a segmentation head.
func TestSegmentationAttachesAClassMap(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "seg", `[property]
net-scale-factor=0.0039215697906911373
onnx-file=`+model("detectnet")+`
batch-size=2
network-type=2
output-blob-names=output_cov/Sigmoid
segmentation-threshold=0.0
gie-unique-id=3
`, "")
	seen := 0
	runBatches(t, sources+"nvstreammux name=m batch-size=2 width=480 height=272 format=RGBA ! nvinfer config-file-path="+cfg+
		" ! appsink name=out sync=false", func(batch *meta.BatchMeta) {
		for _, f := range batch.Frames {
			s, ok := meta.FindUserMeta[*meta.SegmentationMeta](f.UserMetas, meta.MetaTypeSegmentation)
			if !ok || s.Classes != 4 || s.Width != 30 || s.Height != 17 || len(s.ClassMap) != 30*17 || s.UniqueID != 3 {
				t.Fatalf("segmentation meta %+v", s)
			}
			for _, c := range s.ClassMap {
				if c < 0 || c > 3 {
					t.Fatalf("class %d", c)
				}
			}
			seen++
		}
	})
	if seen != 6 {
		t.Fatalf("%d frames", seen)
	}
}

// The YOLOv8-style reference model through its DeepStream parser name.
func TestYoloParserByName(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "yolo", `[property]
net-scale-factor=0.0039215697906911373
onnx-file=`+model("yolo")+`
batch-size=1
network-type=0
num-detected-classes=4
maintain-aspect-ratio=1
symmetric-padding=1
parse-bbox-func-name=NvDsInferParseYoloV8
cluster-mode=2
[class-attrs-all]
pre-cluster-threshold=0.5
nms-iou-threshold=0.45
topk=10
`, "Car\nBicycle\nPerson\nRoadsign\n")
	objects := 0
	runBatches(t, "videotestsrc num-buffers=2 pattern=ball ! m.sink_0 nvstreammux name=m batch-size=1 width=640 height=360 format=NV12 ! nvinfer config-file-path="+cfg+
		" ! appsink name=out sync=false", func(batch *meta.BatchMeta) {
		for _, f := range batch.Frames {
			for _, o := range f.Objects {
				r := o.RectParams
				if o.Confidence < 0.5 || r.Left < 0 || r.Top < 0 || r.Left+r.Width > 640.5 || r.Top+r.Height > 360.5 {
					t.Fatalf("object %+v", r)
				}
				objects++
			}
			if len(f.Objects) > 40 {
				t.Fatalf("%d objects with topk=10 per class", len(f.Objects))
			}
		}
	})
	if objects == 0 {
		t.Fatal("the YOLO parser found nothing (random weights give sigmoid scores around 0.5 and above)")
	}
}

// A tracked object is classified once and its result reused in later
// frames (again every secondary-reinfer-interval batches when set).
func TestSecondaryReusesResultsOfTrackedObjects(t *testing.T) {
	for _, tc := range []struct {
		reinfer string
		few     bool // whether far fewer runs than frames are expected
	}{{"0", true}, {"1", false}} {
		dir := t.TempDir()
		sgie := writeConfig(t, dir, "sgie", `[property]
net-scale-factor=0.0039215697906911373
onnx-file=`+model("classifier")+`
batch-size=16
network-type=1
process-mode=2
gie-unique-id=2
operate-on-gie-id=1
classifier-threshold=0.0
classifier-async-mode=1
secondary-reinfer-interval=`+tc.reinfer+`
`, "c0;c1;c2;c3;c4;c5;c6;c7;c8;c9\n")
		p, err := pipeline.Launch("videotestsrc num-buffers=6 pattern=smpte ! m.sink_0 nvstreammux name=m batch-size=1 width=480 height=272 format=RGBA ! nvinfer config-file-path=" +
			detectorConfig(t, dir, "0.3") + " batch-size=1 ! nvinfer name=sgie config-file-path=" + sgie + " ! fakesink name=out")
		if err != nil {
			t.Fatal(err)
		}
		sg := pipeline.Base(p.ByName("sgie"))
		// A stand-in tracker: the same picture gives the same boxes, so
		// the i-th object of each frame is the same object.
		sg.SinkPad().AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
			meta.ForEachObject(meta.GetBatchMeta(info.Buffer), func(f *meta.FrameMeta, o *meta.ObjectMeta) bool {
				for i, x := range f.Objects {
					if x == o {
						o.ObjectID = uint64(i)
					}
				}
				return true
			})
			return pipeline.ProbeOK
		})
		var perFrame []int // labelled objects in each frame
		pipeline.Base(p.ByName("out")).SinkPad().AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
			n := 0
			meta.ForEachObject(meta.GetBatchMeta(info.Buffer), func(_ *meta.FrameMeta, o *meta.ObjectMeta) bool {
				if len(o.ClassifierMetas) == 1 {
					n++
				}
				return true
			})
			perFrame = append(perFrame, n)
			return pipeline.ProbeOK
		})
		if err := p.Run(t.Context(), 10*time.Second, nil); err != nil {
			t.Fatal(err)
		}
		runs, _ := sg.Get("inferences")
		if len(perFrame) != 6 || perFrame[0] == 0 {
			t.Fatalf("reinfer=%s: labelled objects per frame %v", tc.reinfer, perFrame)
		}
		for _, n := range perFrame {
			if n != perFrame[0] { // cached frames are labelled like inferred ones
				t.Fatalf("reinfer=%s: labelled objects per frame %v", tc.reinfer, perFrame)
			}
		}
		if few := runs.(int64) <= 2; few != tc.few {
			t.Fatalf("reinfer=%s: %d classifier runs for 6 frames", tc.reinfer, runs)
		}
	}
}

// infer-on-gie-id and infer-on-class-ids override the config's
// operate-on-gie-id and operate-on-class-ids, as deepstream-app's
// [secondary-gieN] groups set them.
func TestSecondaryOperateOnOverrides(t *testing.T) {
	dir := t.TempDir()
	sgie := writeConfig(t, dir, "sgie", `[property]
net-scale-factor=0.0039215697906911373
onnx-file=`+model("classifier")+`
network-type=1
process-mode=2
gie-unique-id=2
operate-on-gie-id=1
operate-on-class-ids=0
input-object-min-width=2
input-object-min-height=2
classifier-threshold=0.0
`, "c0;c1;c2;c3;c4;c5;c6;c7;c8;c9\n")
	pgie := detectorConfig(t, dir, "0.3")
	for _, tc := range []struct {
		props string
		want  func(class int) bool // which classes are classified
	}{
		{"infer-on-class-ids=1:2", func(c int) bool { return c == 1 || c == 2 }},
		{"infer-on-gie-id=7", func(int) bool { return false }},
		{"infer-on-gie-id=1 infer-on-class-ids=0", func(c int) bool { return c == 0 }},
	} {
		t.Run(tc.props, func(t *testing.T) {
			classified, eligible := 0, 0
			runBatches(t, sources+"nvstreammux name=m batch-size=2 width=480 height=272 format=NV12 ! nvinfer config-file-path="+
				pgie+" ! nvinfer config-file-path="+sgie+" "+tc.props+" ! appsink name=out sync=false", func(b *meta.BatchMeta) {
				for _, f := range b.Frames {
					for _, o := range f.Objects {
						if o.RectParams.Width < 3 || o.RectParams.Height < 3 {
							continue
						}
						got := len(o.ClassifierMetas) > 0
						if tc.want(o.ClassID) {
							eligible++
						}
						if got != tc.want(o.ClassID) {
							t.Fatalf("class %d classified=%v", o.ClassID, got)
						}
						if got {
							classified++
						}
					}
				}
			})
			if classified != eligible {
				t.Fatalf("%d of %d eligible objects classified", classified, eligible)
			}
			t.Logf("%d objects classified", classified)
		})
	}
	if _, err := pipeline.Launch("fakesrc ! nvinfer infer-on-class-ids=a:b ! fakesink"); err == nil || !strings.Contains(err.Error(), "infer-on-class-ids") {
		t.Fatalf("bad class ids: %v", err)
	}
}

// A batch smaller than batch-size runs an engine of its own size, not the
// full batch with empty slots.
func TestSmallBatchesRunTheirOwnSize(t *testing.T) {
	dir := t.TempDir()
	p, err := pipeline.Launch("videotestsrc num-buffers=3 ! m.sink_0 nvstreammux name=m batch-size=1 width=480 height=272 ! nvinfer name=inf config-file-path=" +
		detectorConfig(t, dir, "0.3") + " batch-size=4 ! fakesink")
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(pipeline.StateNull)
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if m, err := p.Bus().Pop(ctx, pipeline.MessageEOS|pipeline.MessageError); err != nil || m.Type != pipeline.MessageEOS {
		t.Fatalf("bus: %v %v", m, err)
	}
	e := p.ByName("inf").(*Infer) // still PLAYING: its engines are there
	if len(e.engines) != 5 || e.engines[4] == nil || e.engines[1] == nil || e.engines[2] != nil || e.runs.Load() != 3 {
		t.Fatalf("engines %v, %d runs: want batch 4 compiled at start and batch 1 for the one-frame batches", e.engines, e.runs.Load())
	}
	if got := e.engines[1].input.Shape[0]; got != 1 {
		t.Fatalf("batch-1 engine input %v", e.engines[1].input.Shape)
	}
}

// backend=gpu on a machine without a GPU fails to start with the reason;
// backend=auto (the default) runs on the CPU there.
func TestBackendGPUWithoutGPUFails(t *testing.T) {
	if cuda.Available() {
		t.Skip("this machine has a GPU")
	}
	dir := t.TempDir()
	p, err := pipeline.Launch("videotestsrc num-buffers=1 ! m.sink_0 nvstreammux name=m batch-size=1 width=480 height=272 ! nvinfer backend=gpu config-file-path=" +
		detectorConfig(t, dir, "0.3") + " ! fakesink")
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(pipeline.StateNull)
	if _, err := p.SetState(pipeline.StatePlaying); err == nil || !strings.Contains(err.Error(), "backend=gpu") {
		t.Fatalf("got %v, want an error naming backend=gpu", err)
	}
}

// Without a GPU, a config naming only model-engine-file runs the engine
// file's graph on the CPU and finds what onnx-file finds, also when the
// file named is a TensorRT engine and dsgo's sits beside it; an engine
// that cannot be read is an error naming it.
func TestEngineFileWithoutONNXRunsOnTheCPU(t *testing.T) {
	dir := t.TempDir()
	g, err := graph.LoadFile(model("detectnet"))
	if err != nil {
		t.Fatal(err)
	}
	if g, err = graph.Optimize(g, graph.Options{}); err != nil {
		t.Fatal(err)
	}
	f, err := gpu.NewEngineFile(g, gpu.EngineHeader{Version: gpu.EngineVersion, GPU: "NVIDIA H100 80GB HBM3", Arch: "sm_90",
		Precision: "fp32", Layout: "auto", MaxBatch: 2})
	if err != nil {
		t.Fatal(err)
	}
	engine := filepath.Join(dir, "pgie.engine")
	if err := f.WriteFile(engine); err != nil {
		t.Fatal(err)
	}
	boxes := func(cfg string) []string {
		var out []string
		runBatches(t, sources+"nvstreammux name=m batch-size=2 width=480 height=272 format=RGBA ! nvinfer backend=cpu config-file-path="+
			cfg+" ! appsink name=out sync=false", func(b *meta.BatchMeta) {
			for _, f := range b.Frames {
				for _, o := range f.Objects {
					r := o.RectParams
					out = append(out, fmt.Sprintf("%d %.3f %.3f %.3f %.3f", o.ClassID, r.Left, r.Top, r.Width, r.Height))
				}
			}
		})
		return out
	}
	cfg := detectorConfig(t, dir, "0.3")
	want := boxes(cfg)
	body, _ := os.ReadFile(cfg)
	noONNX := strings.Replace(string(body), "onnx-file=", "model-engine-file="+engine+"\n#", 1)
	if err := os.WriteFile(cfg, []byte(noONNX), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := boxes(cfg); len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("engine graph on the CPU: %d boxes %v, onnx-file: %d %v", len(got), got, len(want), want)
	}
	// A TensorRT engine at model-engine-file is left alone: dsgo's own
	// engine lives beside it as pgie.dsgo.engine.
	trt := []byte("TensorRT plan bytes")
	if err := os.Rename(engine, filepath.Join(dir, "pgie.dsgo.engine")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(engine, trt, 0o644)
	if got := boxes(cfg); !slices.Equal(got, want) {
		t.Fatalf("dsgo's engine beside a TensorRT one: %d boxes, want %d", len(got), len(want))
	}
	if b, _ := os.ReadFile(engine); !slices.Equal(b, trt) {
		t.Fatal("the TensorRT engine was changed")
	}
	os.Remove(filepath.Join(dir, "pgie.dsgo.engine"))
	p, err := pipeline.Launch(sources + "nvstreammux name=m batch-size=2 width=480 height=272 format=RGBA ! nvinfer backend=cpu config-file-path=" + cfg + " ! fakesink")
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(pipeline.StateNull)
	if _, err := p.SetState(pipeline.StatePlaying); err == nil || !strings.Contains(err.Error(), engine) {
		t.Fatalf("a damaged engine file without onnx-file: %v", err)
	}
}
