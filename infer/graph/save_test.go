package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/npy"
	"github.com/dsgo/dsgo/infer/tensor"
)

// TestSaveRoundTripsEveryReferenceModel saves every reference model and
// op case of infer/testdata, raw and optimised (with fused activations
// and folded constants), loads the bytes back and checks that the CPU
// backend computes bit-identical outputs from both on the reference
// inputs, and that saving the reloaded graph gives the same bytes.
func TestSaveRoundTripsEveryReferenceModel(t *testing.T) {
	manifests, _ := filepath.Glob("../testdata/*/*/manifest.json")
	if len(manifests) == 0 {
		t.Fatal("no reference models in ../testdata")
	}
	r := cpu.NewRunner(cpu.Options{Workers: 1})
	defer r.Close()
	for _, mf := range manifests {
		dir := filepath.Dir(mf)
		t.Run(filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir), func(t *testing.T) {
			var man struct{ Inputs []string }
			b, err := os.ReadFile(mf)
			if err == nil {
				err = json.Unmarshal(b, &man)
			}
			if err != nil {
				t.Fatal(err)
			}
			g, err := graph.LoadFile(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			inputs := map[string]*tensor.Tensor{}
			shapes := map[string]tensor.Shape{}
			for i, name := range man.Inputs {
				in, err := npy.ReadFile(filepath.Join(dir, fmt.Sprintf("input_%d.npy", i)))
				if err != nil {
					t.Fatal(err)
				}
				inputs[name], shapes[name] = in, in.Shape
			}
			opt, err := graph.Optimize(g, graph.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, src := range []*graph.Graph{g, opt} {
				var buf bytes.Buffer
				if err := src.Save(&buf); err != nil {
					t.Fatal(err)
				}
				back, err := graph.Load(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatalf("loading the saved graph: %v", err)
				}
				if len(back.Nodes) != len(src.Nodes) {
					t.Fatalf("%d nodes after the round trip, want %d", len(back.Nodes), len(src.Nodes))
				}
				var again bytes.Buffer
				if err := back.Save(&again); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again.Bytes(), buf.Bytes()) {
					t.Error("saving the reloaded graph gives other bytes")
				}
				want := run(t, r, src, shapes, inputs)
				got := run(t, r, back, shapes, inputs)
				for i := range want {
					if !slices.EqualFunc(got[i], want[i], func(a, b float32) bool {
						return math.Float32bits(a) == math.Float32bits(b)
					}) {
						t.Errorf("output %d differs after the round trip", i)
					}
				}
			}
		})
	}
}

// run computes g's float outputs on the CPU backend.
func run(t *testing.T, r *cpu.Runner, g *graph.Graph, shapes map[string]tensor.Shape, inputs map[string]*tensor.Tensor) [][]float32 {
	t.Helper()
	p, err := cpu.Compile(g, shapes, r)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range inputs {
		dst, ok := p.Input(name)
		if !ok {
			t.Fatalf("no input %q", name)
		}
		copy(dst.F32, in.F32)
		copy(dst.Raw, in.Raw)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	var outs [][]float32
	for _, v := range p.Graph().Outputs {
		o, _ := p.Output(v.Name)
		outs = append(outs, append([]float32(nil), o.F32...))
	}
	return outs
}

// TestSaveRejectsWhatONNXCannotHold checks the errors of ToProto.
func TestSaveRejectsWhatONNXCannotHold(t *testing.T) {
	if _, err := graph.ToProto(nil); err == nil {
		t.Error("nil graph saved")
	}
	x := &graph.Value{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{2}}
	w := &graph.Value{Name: "w", DType: tensor.Float32, Shape: tensor.Shape{2},
		Const: &tensor.Tensor{DType: tensor.Float32, Shape: tensor.Shape{2}, F32: []float32{1}}}
	y := &graph.Value{Name: "y", DType: tensor.Float32, Shape: tensor.Shape{2}}
	g := &graph.Graph{Name: "bad", Opset: 17, Inputs: []*graph.Value{x}, Outputs: []*graph.Value{y},
		Nodes: []*graph.Node{{Op: "Add", Name: "add", Inputs: []*graph.Value{x, w}, Outputs: []*graph.Value{y}}}}
	if _, err := graph.ToProto(g); err == nil {
		t.Error("a constant with 1 float for shape [2] saved")
	}
}
