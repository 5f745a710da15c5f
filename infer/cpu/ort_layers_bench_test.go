package cpu

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// benchLayer is one convolution (3x3 or 1x1, square stride and padding)
// with its activation as the exported models have it: "relu" (a Relu
// node), "silu" (Sigmoid and Mul, which onnxruntime fuses) or "".
type benchLayer struct {
	name                  string
	c, m, h, w, k, s, pad int
	act                   string
	dil                   int  // dilation (1: none)
	pool                  bool // a 2x2 stride-2 MaxPool after the activation
}

// benchLayers are the convolutions that take most of the test models'
// time (wholeModels: the classifier's f.*, the DetectNet-style trunk's
// dn.*, the YOLO-style model's yolo.*, the sample detector's dilated
// sp.*), dil their dilation, and two YOLOv3-tiny-style layers with their
// max pool (v3t.*).
var benchLayers = []benchLayer{
	{"cls.f0", 3, 16, 96, 96, 3, 2, 1, "relu", 1, false},
	{"cls.f1", 16, 32, 48, 48, 3, 2, 1, "relu", 1, false},
	{"cls.f3", 32, 64, 12, 12, 3, 2, 1, "relu", 1, false},
	{"dn.t0", 3, 24, 272, 480, 3, 2, 1, "relu", 1, false},
	{"dn.t1", 24, 48, 136, 240, 3, 2, 1, "relu", 1, false},
	{"dn.t2", 48, 64, 68, 120, 3, 2, 1, "relu", 1, false},
	{"dn.t3", 64, 96, 34, 60, 3, 2, 1, "relu", 1, false},
	{"dn.t4", 96, 96, 17, 30, 3, 1, 1, "relu", 1, false},
	{"yolo.c1", 3, 16, 320, 320, 3, 2, 1, "silu", 1, false},
	{"yolo.c2", 16, 32, 160, 160, 3, 2, 1, "silu", 1, false},
	{"yolo.c3", 32, 48, 80, 80, 3, 2, 1, "silu", 1, false},
	{"yolo.c4", 48, 64, 40, 40, 3, 2, 1, "silu", 1, false},
	{"yolo.c5", 64, 96, 20, 20, 3, 2, 1, "silu", 1, false},
	{"yolo.m3", 112, 48, 40, 40, 3, 1, 1, "silu", 1, false},
	{"yolo.m4", 160, 64, 20, 20, 3, 1, 1, "silu", 1, false},
	{"sp.t7", 112, 112, 23, 40, 3, 1, 2, "relu", 2, false},
	{"sp.t8", 112, 112, 23, 40, 3, 1, 4, "relu", 4, false},
	{"sp.t9", 112, 112, 23, 40, 3, 1, 8, "relu", 8, false},
	{"v3t.c1", 3, 16, 416, 416, 3, 1, 1, "relu", 1, true},
	{"v3t.c2", 16, 32, 208, 208, 3, 1, 1, "relu", 1, true},
}

// graph builds the layer as a one-node model (plus its activation) with
// random weights.
func (l benchLayer) graph(rng *rand.Rand) *graph.Graph {
	f32 := func(name string, shape ...int) *graph.Value {
		return &graph.Value{Name: name, DType: tensor.Float32, Shape: shape}
	}
	wt, bt := randT(rng, l.m, l.c, l.k, l.k), randT(rng, l.m)
	x, y := f32("x", -1, l.c, l.h, l.w), f32("y", -1, l.m, -1, -1)
	ints := func(v ...int64) graph.Attr { return graph.Attr{Kind: graph.AttrIntsKind, Ints: v} }
	p, s, k, d := int64(l.pad), int64(l.s), int64(l.k), int64(l.dil)
	nodes := []*graph.Node{{Op: "Conv", Name: "conv", Outputs: []*graph.Value{y},
		Inputs: []*graph.Value{x, {Name: "w", DType: tensor.Float32, Shape: wt.Shape, Const: wt},
			{Name: "b", DType: tensor.Float32, Shape: bt.Shape, Const: bt}},
		Attrs: map[string]graph.Attr{"pads": ints(p, p, p, p), "strides": ints(s, s), "kernel_shape": ints(k, k), "dilations": ints(d, d)}}}
	out := y
	switch l.act {
	case "relu":
		out = f32("out", -1, l.m, -1, -1)
		nodes = append(nodes, &graph.Node{Op: "Relu", Name: "relu", Inputs: []*graph.Value{y}, Outputs: []*graph.Value{out}})
	case "silu":
		sg := f32("sig", -1, l.m, -1, -1)
		out = f32("out", -1, l.m, -1, -1)
		nodes = append(nodes, &graph.Node{Op: "Sigmoid", Name: "sigmoid", Inputs: []*graph.Value{y}, Outputs: []*graph.Value{sg}},
			&graph.Node{Op: "Mul", Name: "mul", Inputs: []*graph.Value{y, sg}, Outputs: []*graph.Value{out}})
	}
	if l.pool {
		pooled := f32("pooled", -1, l.m, -1, -1)
		nodes = append(nodes, &graph.Node{Op: "MaxPool", Name: "pool", Inputs: []*graph.Value{out}, Outputs: []*graph.Value{pooled},
			Attrs: map[string]graph.Attr{"kernel_shape": ints(2, 2), "strides": ints(2, 2)}})
		out = pooled
	}
	return &graph.Graph{Name: l.name, Opset: 17, Inputs: []*graph.Value{x}, Outputs: []*graph.Value{out}, Nodes: nodes,
		Initializers: map[string]*tensor.Tensor{"w": wt, "b": bt}}
}

// BenchmarkLayersVsOnnxruntime runs each of benchLayers alone on dsgo's
// CPU backend and on onnxruntime, in turns as
// BenchmarkModelsVsOnnxruntime does (1 and 8 images, 1 and 2 threads),
// and logs per layer the median times, the median of the pairs' speed
// ratios with its quartiles, dsgo's rate and the kernel it chose: where a
// whole model's ratio comes from. A layer alone is not the layer in its
// model: onnxruntime reorders a lone layer's input and output to and
// from its blocked layout (once per model in the whole model), and the
// input stays in cache between runs. BENCH_LAYERS picks layers by name
// (a substring, comma-separated names).
//
//	ONNXRUNTIME_LIB=... go test -v -run '^$' -bench LayersVsOnnxruntime -benchtime 15x ./infer/cpu/
func BenchmarkLayersVsOnnxruntime(b *testing.B) {
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib == "" {
		b.Skip("ONNXRUNTIME_LIB is not set")
	}
	ort.SetSharedLibraryPath(lib)
	if err := ort.InitializeEnvironment(); err != nil {
		b.Fatalf("onnxruntime: %v", err)
	}
	defer ort.DestroyEnvironment()
	rng := rand.New(rand.NewPCG(1, 2))
	dir := b.TempDir()
	for _, l := range benchLayers {
		if f := os.Getenv("BENCH_LAYERS"); f != "" && !slices.ContainsFunc(strings.Split(f, ","), func(s string) bool {
			return strings.Contains(l.name, s)
		}) {
			continue
		}
		path := filepath.Join(dir, l.name+".onnx")
		if err := saveGraph(l.graph(rng), path); err != nil {
			b.Fatal(err)
		}
		g, err := graph.LoadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, batch := range []int{1, 8} {
			for _, threads := range []int{1, 2} {
				name := fmt.Sprintf("%s/batch%d/threads%d", l.name, batch, threads)
				b.Run(name, func(b *testing.B) { benchLayerPairs(b, l, g, path, batch, threads, name) })
			}
		}
	}
}

// benchLayerPairs times b.N pairs of runs of the layer on dsgo and
// onnxruntime, each after 30 ms of untimed runs (the other engine's
// spinning threads), and logs the result.
func benchLayerPairs(b *testing.B, l benchLayer, g *graph.Graph, path string, batch, threads int, name string) {
	shape := tensor.Shape{batch, l.c, l.h, l.w}
	r := NewRunner(Options{Workers: threads})
	defer r.Close()
	prog, err := Compile(g, map[string]tensor.Shape{"x": shape}, r)
	if err != nil {
		b.Fatal(err)
	}
	s, done := ortSession(b, path, g, shape, threads)
	defer done()
	times, ratios := pairedRuns(b, []func() error{prog.Run, s.Run}, 30*time.Millisecond, benchBlock)
	if b.N < 2 {
		return
	}
	slices.Sort(ratios)
	d, o := median(times[0]), median(times[1])
	ke := (l.k-1)*l.dil + 1 // the dilated filter's extent
	oh, ow := (l.h+2*l.pad-ke)/l.s+1, (l.w+2*l.pad-ke)/l.s+1
	flops := 2 * float64(batch*l.m*l.c*l.k*l.k*oh*ow)
	kernel := ""
	for _, k := range prog.kernels {
		kernel = k
	}
	b.Logf("%s: dsgo %.1f us, onnxruntime %.1f us: %.2fx onnxruntime's speed (quartiles %.2f-%.2f), %.0f GFLOP/s (%s)",
		name, d.Seconds()*1e6, o.Seconds()*1e6, ratios[len(ratios)/2], ratios[len(ratios)/4], ratios[3*len(ratios)/4],
		flops/d.Seconds()/1e9, kernel)
}

// saveGraph writes g as an ONNX file at path.
func saveGraph(g *graph.Graph, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := g.Save(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
