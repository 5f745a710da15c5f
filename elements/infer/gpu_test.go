package infer

import (
	"math"
	"os"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/meta"
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
		mode     string
		tol      float64 // pixels
		minShare float64 // of the CPU's boxes the GPU must find
	}{{"0", 0.01, 1}, {"2", 4, 0.8}} { // FP16: the random-weight test model sits near its threshold
		gpuBoxes := run("backend=gpu", tc.mode)
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
			t.Fatalf("network-mode=%s: the GPU's %d boxes include %d of the CPU's %d (within %g px)", tc.mode, len(gpuBoxes), found, len(cpuBoxes), tc.tol)
		}
		t.Logf("network-mode=%s: %d of the CPU's %d boxes found (GPU: %d)", tc.mode, found, len(cpuBoxes), len(gpuBoxes))
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
