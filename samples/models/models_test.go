// Package models holds dsgo's trained sample models (see README.md: the
// scripts in train/ made them). This test runs each committed model.onnx
// on dsgo's CPU backend and compares its outputs with those onnxruntime
// computed on the same input when the model was exported.
package models

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/npy"
	"github.com/dsgo/dsgo/infer/tensor"
)

// manifest is a model directory's manifest.json, written by
// train/common.py's write_reference.
type manifest struct {
	Inputs         []string `json:"inputs"`
	Outputs        []string `json:"outputs"`
	OutputShapes   [][]int  `json:"output_shapes"`
	NetScaleFactor float32  `json:"net_scale_factor"`
	Reference      string   `json:"reference"`
	dir            string
}

// models lists every sample model directory, each with its manifest.
func models(t *testing.T) []manifest {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("*", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no sample models (*/manifest.json)")
	}
	var out []manifest
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var m manifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(m.Inputs) != 1 || len(m.Outputs) == 0 || len(m.OutputShapes) != len(m.Outputs) || m.NetScaleFactor <= 0 {
			t.Fatalf("%s: want one input, outputs with shapes and a net_scale_factor, got %+v", p, m)
		}
		m.dir = filepath.Dir(p)
		out = append(out, m)
	}
	return out
}

// networkInput turns the reference batch (uint8 NHWC RGB, as the frames
// reach nvinfer after scaling) into the network's float32 NCHW tensor the
// way nvinfer's preprocessing does: net-scale-factor * x, offsets 0.
func networkInput(t *testing.T, u8 *tensor.Tensor, scale float32) *tensor.Tensor {
	t.Helper()
	if u8.DType != tensor.Uint8 || len(u8.Shape) != 4 || u8.Shape[3] != 3 {
		t.Fatalf("reference input %v %v: want uint8 NHWC with 3 channels", u8.DType, u8.Shape)
	}
	n, h, w := u8.Shape[0], u8.Shape[1], u8.Shape[2]
	x := tensor.New(n, 3, h, w)
	for b := range n {
		for c := range 3 {
			plane := x.F32[(b*3+c)*h*w : (b*3+c+1)*h*w]
			for i := range plane {
				plane[i] = float32(u8.Raw[(b*h*w+i)*3+c]) * scale
			}
		}
	}
	return x
}

// runModel runs a sample model on dsgo's CPU backend with its reference
// batch and returns the program holding the outputs.
func runModel(t *testing.T, r *cpu.Runner, m manifest) *cpu.Program {
	t.Helper()
	g, err := graph.LoadFile(filepath.Join(m.dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	u8, err := npy.ReadFile(filepath.Join(m.dir, "input_0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	x := networkInput(t, u8, m.NetScaleFactor)
	prog, err := cpu.Compile(g, map[string]tensor.Shape{m.Inputs[0]: x.Shape}, r)
	if err != nil {
		t.Fatal(err)
	}
	in, ok := prog.Input(m.Inputs[0])
	if !ok {
		t.Fatalf("model has no input %q", m.Inputs[0])
	}
	copy(in.F32, x.F32)
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	return prog
}

// TestSampleModelsMatchReference runs each model on dsgo's CPU backend
// with its reference batch and checks every output against the reference
// to 1e-4 relative error (absolute below 1), as the runtime's own
// reference tests do.
func TestSampleModelsMatchReference(t *testing.T) {
	r := cpu.NewRunner(cpu.Options{})
	defer r.Close()
	for _, m := range models(t) {
		t.Run(m.dir, func(t *testing.T) {
			prog := runModel(t, r, m)
			for i, name := range m.Outputs {
				want, err := npy.ReadFile(filepath.Join(m.dir, "output_"+string(rune('0'+i))+".npy"))
				if err != nil {
					t.Fatal(err)
				}
				got, ok := prog.Output(name)
				if !ok {
					t.Fatalf("model has no output %q", name)
				}
				compare(t, name, got, want)
			}
		})
	}
}

func compare(t *testing.T, name string, got, want *tensor.Tensor) {
	t.Helper()
	if !got.Shape.Equal(want.Shape) {
		t.Fatalf("%s: shape %v, want %v", name, got.Shape, want.Shape)
	}
	if got.DType != tensor.Float32 || want.DType != tensor.Float32 {
		t.Fatalf("%s: %v, reference %v: want float32", name, got.DType, want.DType)
	}
	worst, at := 0.0, 0
	for i, w := range want.F32 {
		d := math.Abs(float64(got.F32[i]) - float64(w))
		if rel := d / math.Max(1, math.Abs(float64(w))); rel > worst || math.IsNaN(rel) {
			worst, at = rel, i
		}
	}
	if !(worst <= 1e-4) {
		t.Fatalf("%s: relative error %.3g at [%d] (got %g, want %g) > 1e-4", name, worst, at, got.F32[at], want.F32[at])
	}
}

// TestLabelsMatchOutputs checks each labels.txt against the model's
// outputs as nvinfer reads it: a detector has one label per line and
// class (the SSD a "background" line first), a classifier one line of
// ';'-separated labels, one per softmax output.
func TestLabelsMatchOutputs(t *testing.T) {
	for _, m := range models(t) {
		t.Run(m.dir, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(m.dir, "labels.txt"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
			shape := m.OutputShapes[0]
			var labels, classes int
			switch out := m.Outputs[0]; {
			case out == "predictions/Softmax":
				if len(lines) != 1 {
					t.Fatalf("classifier labels: %d lines, want 1", len(lines))
				}
				labels, classes = len(strings.Split(lines[0], ";")), shape[1]
			case out == "output_cov/Sigmoid", out == "generate_detections":
				labels, classes = len(lines), shape[1]
				if out == "generate_detections" {
					classes = m.OutputShapes[1][2] // masks per class
				}
			case out == "output0":
				labels, classes = len(lines), shape[1]-4
			case out == "detection_boxes":
				// TF SSD classes are 1-based indices into the labels,
				// 0 being background.
				if lines[0] != "background" {
					t.Fatalf("SSD labels start with %q, want background", lines[0])
				}
				cls, err := npy.ReadFile(filepath.Join(m.dir, "output_2.npy"))
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cls.F32 {
					if c != float32(int(c)) || c < 0 || int(c) >= len(lines) {
						t.Fatalf("detection class %v outside the %d labels", c, len(lines))
					}
				}
				labels, classes = len(lines), len(lines)
			default:
				t.Fatalf("unknown first output %q", out)
			}
			if labels != classes {
				t.Fatalf("%d labels for %d classes", labels, classes)
			}
		})
	}
}
