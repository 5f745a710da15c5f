package gpu

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/npy"
	"github.com/dsgo/dsgo/infer/tensor"
)

// These tests need a GPU (or the emulated one, -tags kcheck); elsewhere
// they skip, saying why. The reference outputs are onnxruntime's
// (infer/testdata).

func needGPU(t testing.TB) {
	t.Helper()
	if !cuda.Available() {
		t.Skipf("no CUDA device: %v", cuda.Init())
	}
}

// testdata finds infer/testdata: $DSGO_INFER_TESTDATA, ../testdata (go
// test's working directory), or a parent directory's infer/testdata (a
// test binary run from elsewhere in the tree, as on the GPU machine).
func testdata(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("DSGO_INFER_TESTDATA"); d != "" {
		return d
	}
	if _, err := os.Stat(filepath.Join("..", "testdata", "ops")); err == nil {
		return filepath.Join("..", "testdata")
	}
	wd, _ := os.Getwd()
	for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
		if p := filepath.Join(d, "infer", "testdata"); dirExists(p) {
			return p
		}
	}
	t.Fatal("infer/testdata not found: set DSGO_INFER_TESTDATA")
	return ""
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// refCase is one directory of infer/testdata.
type refCase struct {
	name string
	g    *graph.Graph
	man  struct{ Inputs, Outputs []string }
	ins  []*tensor.Tensor
	outs []*tensor.Tensor
}

func loadRef(t testing.TB, dir string) *refCase {
	t.Helper()
	c := &refCase{name: filepath.Base(dir)}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &c.man); err != nil {
		t.Fatal(err)
	}
	for i := range c.man.Inputs {
		x, err := npy.ReadFile(filepath.Join(dir, fmt.Sprintf("input_%d.npy", i)))
		if err != nil {
			t.Fatal(err)
		}
		c.ins = append(c.ins, x)
	}
	for i := range c.man.Outputs {
		x, err := npy.ReadFile(filepath.Join(dir, fmt.Sprintf("output_%d.npy", i)))
		if err != nil {
			t.Fatal(err)
		}
		c.outs = append(c.outs, x)
	}
	if c.g, err = graph.LoadFile(filepath.Join(dir, "model.onnx")); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *refCase) shapes() map[string]tensor.Shape {
	s := map[string]tensor.Shape{}
	for i, n := range c.man.Inputs {
		s[n] = c.ins[i].Shape
	}
	return s
}

// fill copies the case's inputs into the program's.
func (c *refCase) fill(t testing.TB, p *Program) {
	t.Helper()
	for i, n := range c.man.Inputs {
		in, ok := p.Input(n)
		if !ok {
			t.Fatalf("no input %s", n)
		}
		src := c.ins[i]
		if in.DType != src.DType || in.Len() != src.Len() {
			t.Fatalf("input %s: %v %v for the program's %v %v", n, src.DType, src.Shape, in.DType, in.Shape)
		}
		copy(in.F32, src.F32)
		copy(in.Raw, src.Raw)
	}
}

// errors of a float output: the CPU backend's metric (the largest
// |got-want| / max(1, |want|)) and the largest |got-want| relative to
// the output's largest |want|.
func floatErrors(got, want []float32) (cpuMetric, ofMax float64) {
	worstAbs, maxAbs := 0.0, 0.0
	for i, w := range want {
		g := float64(got[i])
		d := math.Abs(g - float64(w))
		if math.IsNaN(g) != math.IsNaN(float64(w)) {
			d = math.Inf(1)
		} else if math.IsNaN(g) {
			d = 0
		}
		cpuMetric = max(cpuMetric, d/math.Max(1, math.Abs(float64(w))))
		worstAbs = max(worstAbs, d)
		maxAbs = max(maxAbs, math.Abs(float64(w)))
	}
	return cpuMetric, worstAbs / math.Max(maxAbs, 1e-12)
}

// tolerances: FP32 as the CPU backend (1e-4 by its metric); FP16 1e-2
// of the output's largest magnitude.
func checkOutput(t testing.TB, prec Precision, name string, got, want *tensor.Tensor) float64 {
	t.Helper()
	if !got.Shape.Equal(want.Shape) && !(len(want.Shape) == 0 && got.Len() == 1) {
		t.Fatalf("%s: shape %v, want %v", name, got.Shape, want.Shape)
	}
	if want.DType != tensor.Float32 {
		if got.DType != want.DType || string(got.Raw[:len(want.Raw)]) != string(want.Raw) {
			t.Fatalf("%s: %v data differs", name, want.DType)
		}
		return 0
	}
	cpuMetric, ofMax := floatErrors(got.F32, want.F32)
	if prec == FP32 && cpuMetric > 1e-4 {
		t.Errorf("%s: relative error %.3g > 1e-4", name, cpuMetric)
	}
	if prec == FP16 && ofMax > 1e-2 {
		t.Errorf("%s: error %.3g of the largest magnitude > 1e-2", name, ofMax)
	}
	if prec == FP32 {
		return cpuMetric
	}
	return ofMax
}

func refDirs(t testing.TB) []string {
	root := testdata(t)
	dirs, _ := filepath.Glob(filepath.Join(root, "ops", "*"))
	models, _ := filepath.Glob(filepath.Join(root, "models", "*"))
	if len(dirs) == 0 || len(models) == 0 {
		t.Fatalf("no reference cases in %s", root)
	}
	return append(dirs, models...)
}

// testOptions are the options of the tests' engines.
func testOptions(prec Precision) Options {
	return Options{Precision: prec, WorkspaceLimit: 64 << 20}
}

// TestMatchesOnnxruntime runs every reference case in FP32 and FP16 and
// logs the worst error per case.
func TestMatchesOnnxruntime(t *testing.T) {
	needGPU(t)
	for _, prec := range []Precision{FP32, FP16} {
		t.Run(prec.String(), func(t *testing.T) {
			var report []string
			for _, dir := range refDirs(t) {
				c := loadRef(t, dir)
				t.Run(c.name, func(t *testing.T) {
					p, worst := c.run(t, testOptions(prec))
					defer p.Close()
					if ok, err := p.Captured(); !ok {
						t.Errorf("not captured as a CUDA graph: %v", err)
					}
					report = append(report, fmt.Sprintf("%s=%.2g", c.name, worst))
				})
			}
			sort.Strings(report)
			t.Logf("%s worst errors: %s", prec, strings.Join(report, " "))
		})
	}
}

// run compiles the case with o, runs it on the reference inputs and
// checks every output against onnxruntime's at o's precision; it returns
// the program (the caller closes it) and the worst error.
func (c *refCase) run(t testing.TB, o Options) (*Program, float64) {
	t.Helper()
	p, err := Compile(c.g, c.shapes(), o)
	if err != nil {
		t.Fatal(err)
	}
	c.fill(t, p)
	if err := p.Run(); err != nil {
		p.Close()
		t.Fatal(err)
	}
	worst := 0.0
	for i, n := range c.man.Outputs {
		got, ok := p.Output(n)
		if !ok {
			p.Close()
			t.Fatalf("no output %s", n)
		}
		worst = max(worst, checkOutput(t, o.Precision, n, got, c.outs[i]))
	}
	return p, worst
}

func detectnet(t testing.TB) *refCase {
	return loadRef(t, filepath.Join(testdata(t), "models", "detectnet"))
}

// classifier is the smallest reference model (fast under emulation).
func classifier(t testing.TB) *refCase {
	return loadRef(t, filepath.Join(testdata(t), "models", "classifier"))
}

// TestRunAllocatesNothing checks the steady state of Run.
func TestRunAllocatesNothing(t *testing.T) {
	needGPU(t)
	c := classifier(t)
	p, err := Compile(c.g, c.shapes(), testOptions(FP16))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if ok, err := p.Captured(); !ok {
		t.Errorf("not captured as a CUDA graph: %v", err)
	}
	c.fill(t, p)
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(20, func() {
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("Run allocates %v times", a)
	}
}

// TestRunsDoNotLeak runs a program 100,000 times (300 when emulated):
// device memory stays flat, and closing the engine gives its memory back.
func TestRunsDoNotLeak(t *testing.T) {
	needGPU(t)
	c := classifier(t)
	e, err := NewEngine(c.g, testOptions(FP32))
	if err != nil {
		t.Fatal(err)
	}
	before, _, err := e.Context().MemInfo()
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Compile(c.shapes())
	if err != nil {
		t.Fatal(err)
	}
	c.fill(t, p)
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	warm, _, _ := e.Context().MemInfo()
	runs := 100_000
	if os.Getenv("DSGO_EMU_DIR") != "" {
		runs = 300 // the emulated GPU is slow
	}
	for range runs {
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
	}
	after, _, _ := e.Context().MemInfo()
	if after != warm {
		t.Errorf("free device memory went from %d to %d bytes over %d runs", warm, after, runs)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	closed, _, _ := e.Context().MemInfo()
	t.Logf("free memory: %d MiB before compile, %d MiB compiled, %d MiB after %d runs, %d MiB after the program's Close",
		before>>20, warm>>20, after>>20, runs, closed>>20)
	if closed+64<<20 < before {
		t.Errorf("closing the program left %d bytes allocated", before-closed)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestEngineCompilesOneGraphPerBatch compiles batch 1 and 2 on one engine
// (the weights are shared) and checks both against the reference.
func TestEngineCompilesOneGraphPerBatch(t *testing.T) {
	needGPU(t)
	c := detectnet(t)
	e, err := NewEngine(c.g, testOptions(FP32))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p2, err := e.Compile(c.shapes())
	if err != nil {
		t.Fatal(err)
	}
	weights := len(e.sh.consts)
	s1 := c.shapes()
	for k, s := range s1 {
		s1[k] = append(tensor.Shape{1}, s[1:]...)
	}
	p1, err := e.Compile(s1)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.sh.consts) != weights {
		t.Errorf("batch 1 uploaded %d more constants", len(e.sh.consts)-weights)
	}
	c.fill(t, p2)
	in1, _ := p1.Input(c.man.Inputs[0])
	copy(in1.F32, c.ins[0].F32[:in1.Len()])
	if err := p2.Run(); err != nil {
		t.Fatal(err)
	}
	if err := p1.Run(); err != nil {
		t.Fatal(err)
	}
	for i, n := range c.man.Outputs {
		got2, _ := p2.Output(n)
		checkOutput(t, FP32, n, got2, c.outs[i])
		got1, _ := p1.Output(n)
		first := &tensor.Tensor{DType: tensor.Float32, Shape: got1.Shape, F32: c.outs[i].F32[:got1.Len()]}
		checkOutput(t, FP32, n+" (batch 1)", got1, first)
	}
}

// TestAutotunePicksAWorkingAlgorithm times the candidates.
func TestAutotunePicksAWorkingAlgorithm(t *testing.T) {
	needGPU(t)
	c := classifier(t)
	for _, prec := range []Precision{FP32, FP16} {
		o := testOptions(prec)
		o.Autotune = true
		p, _ := c.run(t, o)
		for _, s := range p.steps {
			// cuDNN's choice "algo N (T ms)", or dsgo's kernel "name (T ms; cuDNN ...)".
			if strings.Contains(s.name, "Conv") && s.detail != "direct" && !strings.HasPrefix(s.detail, "dsgo_conv_") && !strings.Contains(s.detail, " ms)") &&
				!strings.Contains(s.detail, " ms; cuDNN") {
				t.Errorf("%s: %s: not timed", prec, s.name)
			}
		}
		p.Close()
	}
}

// TestDeviceInputsAndOutputs feeds the input through its device buffer
// and reads the output from the device, as nvinfer does.
func TestDeviceInputsAndOutputs(t *testing.T) {
	needGPU(t)
	c := detectnet(t)
	p, err := Compile(c.g, c.shapes(), testOptions(FP16))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s := p.Engine().Stream()
	ptr, ok := p.InputDevice(c.man.Inputs[0])
	if !ok {
		t.Fatal("no device input")
	}
	if err := cuda.CopyToDevice(s, ptr, c.ins[0].F32); err != nil {
		t.Fatal(err)
	}
	if err := p.RunDevice(); err != nil {
		t.Fatal(err)
	}
	for i, n := range c.man.Outputs {
		out, ok := p.OutputDevice(n)
		if !ok {
			t.Fatalf("no device output %s", n)
		}
		got := &tensor.Tensor{DType: tensor.Float32, Shape: c.outs[i].Shape, F32: make([]float32, c.outs[i].Len())}
		if err := cuda.CopyToHost(s, got.F32, out); err != nil {
			t.Fatal(err)
		}
		if err := s.Synchronize(); err != nil {
			t.Fatal(err)
		}
		checkOutput(t, FP16, n, got, c.outs[i])
	}
}

// TestStepByStepMatchesGraph runs without graph capture (NoGraph) and
// with the unfused convolution path: the same results.
func TestStepByStepMatchesGraph(t *testing.T) {
	needGPU(t)
	c := detectnet(t)
	o := testOptions(FP32)
	o.NoGraph, o.NoFusedConv, o.Find = true, true, true
	p, _ := c.run(t, o)
	defer p.Close()
	var sb strings.Builder
	if err := p.Profile(&sb, 2); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), "ms") {
		t.Errorf("profile: %q", sb.String())
	}
}

// TestCompileNamesTheUnsupportedNode mirrors the CPU backend's test.
func TestCompileNamesTheUnsupportedNode(t *testing.T) {
	needGPU(t)
	c := loadRef(t, filepath.Join(testdata(t), "ops", "gather_axis1_negative"))
	c.g.Nodes[0].Op = "NoSuchOp"
	_, err := Compile(c.g, c.shapes(), testOptions(FP32))
	if err == nil || !strings.Contains(err.Error(), "NoSuchOp") {
		t.Fatalf("got %v, want an error naming the op", err)
	}
}

func TestLoweredOpsCoverTheCPUBackend(t *testing.T) {
	for _, op := range []string{"Conv", "ConvTranspose", "Gemm", "MatMul", "Resize", "NonMaxSuppression", "TopK", "RoiAlign"} {
		if !slices.Contains(LoweredOps(), op) {
			t.Errorf("%s is not lowered", op)
		}
	}
}

// TestContextsShareWeightsAndRunConcurrently runs the model on two
// execution contexts from two goroutines at once: both give the
// reference outputs, the second context uploads no weights of its own,
// and the weights outlive the engine closed first.
func TestContextsShareWeightsAndRunConcurrently(t *testing.T) {
	needGPU(t)
	c := classifier(t)
	e, err := NewEngine(c.g, testOptions(FP16))
	if err != nil {
		t.Fatal(err)
	}
	p1, err := e.Compile(c.shapes())
	if err != nil {
		t.Fatal(err)
	}
	weights := len(e.sh.consts)
	ctx2, err := e.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	p2, err := ctx2.Compile(c.shapes())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.sh.consts); n != weights {
		t.Errorf("the second context uploaded %d more constants", n-weights)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, p := range []*Program{p1, p2} {
		c.fill(t, p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if err := p.Run(); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i, n := range c.man.Outputs {
		o1, _ := p1.Output(n)
		o2, _ := p2.Output(n)
		checkOutput(t, FP16, n, o1, c.outs[i])
		if !slices.Equal(o1.F32, o2.F32) {
			t.Errorf("%s differs between the contexts", n)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p2.Run(); err != nil { // the weights are still there
		t.Fatal(err)
	}
	o2, _ := p2.Output(c.man.Outputs[0])
	checkOutput(t, FP16, c.man.Outputs[0], o2, c.outs[0])
	if err := ctx2.Close(); err != nil {
		t.Fatal(err)
	}
	if e.sh.consts != nil {
		t.Error("the weights were not freed with the last context")
	}
}
