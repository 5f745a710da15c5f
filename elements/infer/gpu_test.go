package infer

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/gpu"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// On a GPU, nvinfer runs the model there (backend=auto) and finds the same
// boxes as the CPU backend: identical in FP32 (network-mode=0), within a
// pixel or two in FP16 (network-mode=2).
func TestGPUBackendFindsWhatTheCPUFinds(t *testing.T) {
	if !cuda.Available() {
		t.Skip("no GPU: ", cuda.Init())
	}
	type box struct {
		class      int
		l, t, w, h float32
		conf       float32
	}
	run := func(props, mode string) []box {
		dir := t.TempDir()
		cfg := detectorConfig(t, dir, "0.3")
		b, _ := os.ReadFile(cfg)
		os.WriteFile(cfg, []byte(strings.Replace(string(b), "[property]\n", "[property]\nnetwork-mode="+mode+"\n", 1)), 0o644)
		var out []box
		runBatches(t, sources+"nvstreammux name=m batch-size=2 width=480 height=272 format=RGBA ! nvinfer "+props+" config-file-path="+cfg+
			" ! appsink name=out sync=false", func(batch *meta.BatchMeta) {
			for _, f := range batch.Frames {
				for _, o := range f.Objects {
					r := o.RectParams
					out = append(out, box{o.ClassID, r.Left, r.Top, r.Width, r.Height, o.Confidence})
				}
			}
		})
		return out
	}
	cpuBoxes := run("backend=cpu", "0")
	for _, tc := range []struct {
		props    string
		mode     string
		tol      float64 // pixels
		minShare float64 // of the CPU's boxes the GPU must find
	}{
		{"backend=gpu gpu-preprocessing=false", "0", 0.01, 1},
		{"backend=gpu gpu-preprocessing=true", "0", 0.01, 1}, // the kernel scales as the CPU does
		{"backend=gpu", "2", 4, 0.8},                         // FP16: the random-weight test model sits near its threshold
	} {
		gpuBoxes := run(tc.props, tc.mode)
		used := make([]bool, len(gpuBoxes))
		found := 0
		for _, c := range cpuBoxes {
			for i, g := range gpuBoxes {
				d := math.Max(math.Max(math.Abs(float64(g.l-c.l)), math.Abs(float64(g.t-c.t))), math.Max(math.Abs(float64(g.w-c.w)), math.Abs(float64(g.h-c.h))))
				if !used[i] && g.class == c.class && d <= tc.tol {
					used[i] = true
					found++
					break
				}
			}
		}
		share := float64(found) / float64(max(len(cpuBoxes), 1))
		if share < tc.minShare || (tc.minShare == 1 && len(gpuBoxes) != len(cpuBoxes)) {
			t.Fatalf("%s network-mode=%s: the GPU's %d boxes include %d of the CPU's %d (within %g px)", tc.props, tc.mode, len(gpuBoxes), found, len(cpuBoxes), tc.tol)
		}
		t.Logf("%s network-mode=%s: %d of the CPU's %d boxes found (GPU: %d)", tc.props, tc.mode, found, len(cpuBoxes), len(gpuBoxes))
	}
}

// Secondary mode on the GPU: object crops preprocessed on the device give
// the CPU's labels.
func TestGPUSecondaryClassifiesLikeTheCPU(t *testing.T) {
	if !cuda.Available() {
		t.Skip("no GPU: ", cuda.Init())
	}
	dir := t.TempDir()
	sgie := writeConfig(t, dir, "sgie", `[property]
net-scale-factor=0.0039215697906911373
onnx-file=`+model("classifier")+`
batch-size=4
network-type=1
process-mode=2
gie-unique-id=2
operate-on-gie-id=1
input-object-min-width=2
input-object-min-height=2
classifier-threshold=0.0
`, "c0;c1;c2;c3;c4;c5;c6;c7;c8;c9\n")
	pgie := detectorConfig(t, dir, "0.3")
	labels := func(backend string) []string {
		var out []string
		runBatches(t, sources+"nvstreammux name=m batch-size=2 width=480 height=272 format=NV12 ! nvinfer backend=cpu config-file-path="+
			pgie+" ! nvinfer backend="+backend+" gpu-preprocessing=true config-file-path="+sgie+" ! appsink name=out sync=false", func(b *meta.BatchMeta) {
			for _, f := range b.Frames {
				for _, o := range f.Objects {
					l := "-"
					if len(o.ClassifierMetas) > 0 {
						l = o.ClassifierMetas[0].Labels[0].ResultLabel
					}
					out = append(out, l)
				}
			}
		})
		return out
	}
	cpuLabels, gpuLabels := labels("cpu"), labels("gpu")
	if strings.Join(cpuLabels, ",") != strings.Join(gpuLabels, ",") {
		t.Fatalf("labels differ:\nCPU %v\nGPU %v", cpuLabels, gpuLabels)
	}
	t.Logf("%d objects labelled alike", len(gpuLabels))
}

// model-engine-file on the GPU, as DeepStream treats it: a missing file
// is built from onnx-file and written; the next start deserializes it
// (same file, same boxes); a file built for another precision or a
// smaller batch is rebuilt and rewritten, each step saying so on the bus;
// a TensorRT engine there is left alone (dsgo's goes beside it); without
// onnx-file an engine that does not fit is an error.
func TestEngineFileIsBuiltThenLoaded(t *testing.T) {
	if !cuda.Available() {
		t.Skip("no GPU: ", cuda.Init())
	}
	dir := t.TempDir()
	engine := filepath.Join(dir, "pgie.engine")
	cfg := detectorConfig(t, dir, "0.3")
	body, _ := os.ReadFile(cfg)
	setConfig := func(extra string) {
		t.Helper()
		b := strings.Replace(string(body), "[property]\n", "[property]\nmodel-engine-file="+engine+"\n"+extra, 1)
		if err := os.WriteFile(cfg, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := func(wantMsg string) []string {
		t.Helper()
		var boxes []string
		_, msgs := runBatchesMessages(t, sources+"nvstreammux name=m batch-size=2 width=480 height=272 format=RGBA ! nvinfer backend=gpu config-file-path="+cfg+
			" ! appsink name=out sync=false", func(b *meta.BatchMeta) {
			for _, f := range b.Frames {
				for _, o := range f.Objects {
					r := o.RectParams
					boxes = append(boxes, fmt.Sprintf("%d %.2f %.2f %.2f %.2f", o.ClassID, r.Left, r.Top, r.Width, r.Height))
				}
			}
		})
		if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, wantMsg) }) {
			t.Fatalf("no message saying %q: %q", wantMsg, msgs)
		}
		return boxes
	}
	header := func() gpu.EngineHeader {
		t.Helper()
		f, err := gpu.ReadEngineFile(engine)
		if err != nil {
			t.Fatal(err)
		}
		return f.Header
	}
	setConfig("")
	built := start("serialized engine to " + engine)
	if h := header(); h.Precision != "fp32" || h.MaxBatch != 2 || len(h.Programs) != 1 {
		t.Fatalf("built engine: %+v", h)
	}
	st, _ := os.Stat(engine)
	loaded := start("deserialized engine " + engine)
	if st2, _ := os.Stat(engine); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("a fitting engine file was rewritten")
	}
	if len(built) == 0 || !slices.Equal(built, loaded) {
		t.Fatalf("boxes differ: built %d, loaded %d", len(built), len(loaded))
	}
	setConfig("network-mode=2\n")
	start("built for fp32, the configuration wants fp16")
	if h := header(); h.Precision != "fp16" {
		t.Fatalf("rebuilt engine: %+v", h)
	}
	body = []byte(strings.Replace(string(body), "batch-size=2", "batch-size=3", 1))
	setConfig("network-mode=2\n")
	start("built for batches up to 2, the configuration wants 3")
	if h := header(); h.MaxBatch != 3 {
		t.Fatalf("rebuilt engine: %+v", h)
	}
	// A TensorRT engine at model-engine-file is left alone; dsgo builds
	// its own beside it, then loads that.
	ours, err := os.ReadFile(engine)
	if err != nil {
		t.Fatal(err)
	}
	trt := []byte("TensorRT plan bytes")
	os.WriteFile(engine, trt, 0o644)
	sibling := filepath.Join(dir, "pgie.dsgo.engine")
	start("dsgo's engine is " + sibling)
	if b, _ := os.ReadFile(engine); !slices.Equal(b, trt) {
		t.Fatal("the TensorRT engine was overwritten")
	}
	start("deserialized engine " + sibling)
	os.Remove(sibling)
	os.WriteFile(engine, ours, 0o644)
	// Without onnx-file a mismatched engine cannot be rebuilt.
	b := strings.Replace(string(body), "onnx-file=", "model-engine-file="+engine+"\n#", 1)
	os.WriteFile(cfg, []byte(strings.Replace(b, "[property]\n", "[property]\nnetwork-mode=0\n", 1)), 0o644)
	p, err := pipeline.Launch(sources + "nvstreammux name=m batch-size=2 width=480 height=272 format=RGBA ! nvinfer backend=gpu config-file-path=" + cfg + " ! fakesink")
	if err != nil {
		t.Fatal(err)
	}
	defer p.SetState(pipeline.StateNull)
	if _, err := p.SetState(pipeline.StatePlaying); err == nil || !strings.Contains(err.Error(), "no onnx-file") {
		t.Fatalf("mismatched engine without onnx-file: %v", err)
	}
}
