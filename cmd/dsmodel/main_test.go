package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/npy"
	"github.com/dsgo/dsgo/infer/onnx"
)

// tinyModel is x[N,4] → Gemm(W[3,4], b[3]) → Relu → y.
func tinyModel(t *testing.T, op string) []byte {
	t.Helper()
	vi := func(name string, dims ...int64) *onnx.ValueInfoProto {
		s := &onnx.TensorShapeProto{}
		for _, d := range dims {
			dim := &onnx.TensorShapeProto_Dimension{Value: &onnx.TensorShapeProto_Dimension_DimValue{DimValue: d}}
			if d < 0 {
				dim.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "N"}
			}
			s.Dim = append(s.Dim, dim)
		}
		return &onnx.ValueInfoProto{Name: proto.String(name), Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{
			TensorType: &onnx.TypeProto_Tensor{ElemType: proto.Int32(1), Shape: s}}}}
	}
	m := &onnx.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnx.OperatorSetIdProto{{Version: proto.Int64(13)}},
		Graph: &onnx.GraphProto{
			Name:  proto.String("tiny"),
			Input: []*onnx.ValueInfoProto{vi("x", -1, 4)},
			Initializer: []*onnx.TensorProto{
				{Name: proto.String("w"), DataType: proto.Int32(1), Dims: []int64{3, 4}, FloatData: make([]float32, 12)},
				{Name: proto.String("b"), DataType: proto.Int32(1), Dims: []int64{3}, FloatData: make([]float32, 3)},
			},
			Node: []*onnx.NodeProto{
				{OpType: proto.String("Gemm"), Name: proto.String("fc"), Input: []string{"x", "w", "b"}, Output: []string{"h"},
					Attribute: []*onnx.AttributeProto{{Name: proto.String("transB"), Type: onnx.AttributeProto_INT.Enum(), I: proto.Int64(1)}}},
				{OpType: proto.String(op), Name: proto.String("act"), Input: []string{"h"}, Output: []string{"y"}},
			},
			Output: []*onnx.ValueInfoProto{{Name: proto.String("y")}},
		},
	}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInfo(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "tiny.onnx")
	bad := filepath.Join(dir, "lstm.onnx")
	os.WriteFile(good, tinyModel(t, "Relu"), 0o644)
	os.WriteFile(bad, tinyModel(t, "LSTM"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"prints interface ops and params", []string{"info", good}, 0,
			[]string{"x  float32  [?x4]", "y  float32  [?x3]", "Gemm  1", "Relu  1", "parameters: 15"}, nil},
		{"unsupported op names op and node", []string{"info", bad}, 1, nil, []string{"LSTM", `"act"`}},
		{"missing file", []string{"info", filepath.Join(dir, "none.onnx")}, 1, nil, []string{"none.onnx"}},
		{"no subcommand", nil, 2, nil, []string{"usage"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb); code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, errb.String())
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb.String())
				}
			}
		})
	}
}

// dsmodel run reproduces onnxruntime's output for the reference YOLO model.
func TestRunWritesOutputsMatchingTheReference(t *testing.T) {
	dir := filepath.Join("..", "..", "infer", "testdata", "models", "yolo")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", "--onnx", filepath.Join(dir, "model.onnx"), "--input", "images=" + filepath.Join(dir, "input_0.npy"), "--out", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, err := npy.ReadFile(filepath.Join(out, "output0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := npy.ReadFile(filepath.Join(dir, "output_0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Shape.Equal(want.Shape) {
		t.Fatalf("shape %v, want %v", got.Shape, want.Shape)
	}
	for i := range want.F32 {
		if d := math.Abs(float64(got.F32[i] - want.F32[i])); d > 1e-4*math.Max(1, math.Abs(float64(want.F32[i]))) {
			t.Fatalf("element %d: %v, want %v", i, got.F32[i], want.F32[i])
		}
	}
}

func TestRunNeedsEveryInput(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", "--onnx", filepath.Join("..", "..", "infer", "testdata", "models", "yolo", "model.onnx")}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), `no --input for model input "images"`) {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}

func TestBenchReportsThroughput(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", "--onnx", filepath.Join("..", "..", "infer", "testdata", "models", "classifier", "model.onnx"), "--batch", "2", "--iterations", "2"}, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "inferences/s") {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
}

// run --gpu uses the CUDA backend: the reference output where there is
// a GPU, a clear error where there is none.
func TestRunOnTheGPU(t *testing.T) {
	dir := filepath.Join("..", "..", "infer", "testdata", "models", "yolo")
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", "--gpu", "--onnx", filepath.Join(dir, "model.onnx"), "--input", "images=" + filepath.Join(dir, "input_0.npy"), "--out", t.TempDir()}, &stdout, &stderr)
	if !cuda.Available() {
		if code != 1 || !strings.Contains(stderr.String(), "not available") {
			t.Fatalf("exit %d without a GPU: %s", code, stderr.String())
		}
		return
	}
	if code != 0 || !strings.Contains(stdout.String(), "output0") {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
}

// build writes an engine file that info describes and run executes with
// the reference outputs; without a GPU build says it needs one.
func TestBuildInfoAndRunAnEngine(t *testing.T) {
	dir := filepath.Join("..", "..", "infer", "testdata", "models", "classifier")
	tmp := t.TempDir()
	model := filepath.Join(tmp, "model.onnx")
	b, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(model, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"build", "--onnx", model, "--batch", "2", "--fp16"}, &stdout, &stderr)
	if !cuda.Available() {
		if code != 1 || !strings.Contains(stderr.String(), "not available") {
			t.Fatalf("exit %d without a GPU: %s", code, stderr.String())
		}
		return
	}
	engine := model + "_b2_gpu0_fp16.engine"
	if code != 0 || !strings.Contains(stdout.String(), "built "+engine) {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	if code := run([]string{"info", engine}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "fp16") || !strings.Contains(stdout.String(), "max batch 2") {
		t.Fatalf("info: exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	out := t.TempDir()
	if code := run([]string{"run", "--engine", engine, "--input", "input=" + filepath.Join(dir, "input_0.npy"), "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("run --engine: exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	got, err := npy.ReadFile(filepath.Join(out, "probabilities.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := npy.ReadFile(filepath.Join(dir, "output_0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.F32 {
		if d := math.Abs(float64(got.F32[i] - want.F32[i])); d > 1e-2*(1+math.Abs(float64(want.F32[i]))) {
			t.Fatalf("probability %d: %v, onnxruntime %v", i, got.F32[i], want.F32[i])
		}
	}
}

// TestTimeRunsWarmsUpAndOrdersStats checks that the bench runs a model
// untimed first, times at least the runs asked for, orders its
// statistics and passes a run's error on.
func TestTimeRunsWarmsUpAndOrdersStats(t *testing.T) {
	calls := 0
	run := func() error {
		calls++
		time.Sleep(time.Duration(calls%3) * 100 * time.Microsecond)
		return nil
	}
	st, err := timeRuns(run, 7, 5*time.Millisecond, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.runs != 7 || calls <= 7 {
		t.Errorf("%d timed runs of %d calls, want 7 timed after a warm-up", st.runs, calls)
	}
	if !(st.min <= st.median && st.median <= st.p90 && st.p90 <= st.p99 && st.min <= st.mean && st.mean <= st.p99) {
		t.Errorf("statistics out of order: %+v", st)
	}
	boom := errors.New("boom")
	if _, err := timeRuns(func() error { return boom }, 3, 0, 0); !errors.Is(err, boom) {
		t.Errorf("error %v, want %v", err, boom)
	}
}
