package cpu

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// wholeModels are the whole models the tests and benchmarks run: the
// reference models (infer/testdata) and the samples' trained detectors.
var wholeModels = []struct{ name, path string }{
	{"classifier", filepath.Join("..", "testdata", "models", "classifier", "model.onnx")},
	{"detectnet", filepath.Join("..", "testdata", "models", "detectnet", "model.onnx")},
	{"yolo", filepath.Join("..", "testdata", "models", "yolo", "model.onnx")},
	{"sample_primary_detector", filepath.Join("..", "..", "samples", "models", "primary_detector", "model.onnx")},
	{"sample_yolo_detector", filepath.Join("..", "..", "samples", "models", "yolo_detector", "model.onnx")},
}

// wholeModel returns the path of the whole model of that name.
func wholeModel(name string) string {
	for _, m := range wholeModels {
		if m.name == name {
			return m.path
		}
	}
	panic("no whole model " + name)
}

// compileModel loads the model at path and compiles it on r for a batch
// of its image input.
func compileModel(t testing.TB, path string, batch int, r *Runner) *Program {
	t.Helper()
	g, err := graph.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	in := g.Inputs[0]
	p, err := Compile(g, map[string]tensor.Shape{in.Name: {batch, in.Shape[1], in.Shape[2], in.Shape[3]}}, r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func randT(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.F32 {
		t.F32[i] = rng.Float32()*2 - 1
	}
	return t
}

// runners returns a BLAS runner (when built) and pure-Go runners with one
// and two workers, each named.
func runners(t testing.TB) map[string]*Runner {
	m := map[string]*Runner{}
	for _, w := range []int{1, 2} {
		r := NewRunner(Options{Workers: w})
		r.UseBLAS(false)
		m["go"+string(rune('0'+w))] = r
		t.Cleanup(r.Close)
	}
	if haveBLAS {
		r := NewRunner(Options{Workers: 2})
		m["blas"] = r
		t.Cleanup(r.Close)
	}
	return m
}

func assertClose(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) != math.IsNaN(w) || (!math.IsNaN(w) && math.Abs(g-w) > tol*(1+math.Abs(w))) {
			t.Fatalf("%s: [%d] = %g, want %g", what, i, g, w)
		}
	}
}
