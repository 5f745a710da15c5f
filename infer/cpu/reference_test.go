package cpu

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/npy"
	"github.com/dsgo/dsgo/infer/tensor"
)

// refCase is one directory of infer/testdata made by gen_reference.py.
type refCase struct {
	dir  string
	man  struct{ Inputs, Outputs []string }
	ins  []*tensor.Tensor
	outs []*tensor.Tensor
}

func loadRef(t *testing.T, dir string) *refCase {
	t.Helper()
	c := &refCase{dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &c.man); err != nil {
		t.Fatal(err)
	}
	for i := range c.man.Inputs {
		x, err := npy.ReadFile(filepath.Join(dir, "input_"+itoa(i)+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		c.ins = append(c.ins, x)
	}
	for i := range c.man.Outputs {
		x, err := npy.ReadFile(filepath.Join(dir, "output_"+itoa(i)+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		c.outs = append(c.outs, x)
	}
	return c
}

func itoa(i int) string { return string(rune('0' + i)) }

// notLowered lists reference cases whose ops the CPU backend does not run
// yet; each is reported as skipped, never passed.
var notLowered = map[string]string{}

// TestMatchesOnnxruntime runs every reference model and compares with the
// outputs onnxruntime computed: float outputs to 1e-4 relative error.
func TestMatchesOnnxruntime(t *testing.T) {
	r := NewRunner(Options{})
	defer r.Close()
	dirs, _ := filepath.Glob(filepath.Join("..", "testdata", "ops", "*"))
	models, _ := filepath.Glob(filepath.Join("..", "testdata", "models", "*"))
	for _, dir := range append(dirs, models...) {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			c := loadRef(t, dir)
			g, err := graph.LoadFile(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			shapes := map[string]tensor.Shape{}
			for i, n := range c.man.Inputs {
				shapes[n] = c.ins[i].Shape
			}
			prog, err := Compile(g, shapes, r)
			if err != nil {
				if op, ok := notLowered[name]; ok {
					t.Skipf("not lowered yet (%s): %v", op, err)
				}
				t.Fatal(err)
			}
			for i, n := range c.man.Inputs {
				in, ok := prog.Input(n)
				if !ok {
					t.Fatalf("no input %s", n)
				}
				if in.DType != tensor.Float32 {
					t.Skipf("non-float input %s", n)
				}
				copy(in.F32, c.ins[i].F32)
			}
			if err := prog.Run(); err != nil {
				t.Fatal(err)
			}
			for i, n := range c.man.Outputs {
				got, ok := prog.Output(n)
				if !ok {
					t.Fatalf("no output %s", n)
				}
				compare(t, n, got, c.outs[i])
			}
		})
	}
}

func compare(t *testing.T, name string, got, want *tensor.Tensor) {
	t.Helper()
	if !got.Shape.Equal(want.Shape) && !(len(want.Shape) == 0 && got.Len() == 1) {
		t.Fatalf("%s: shape %v, want %v", name, got.Shape, want.Shape)
	}
	if want.DType != tensor.Float32 {
		if string(got.Raw) != string(want.Raw) {
			t.Fatalf("%s: %v data differs", name, want.DType)
		}
		return
	}
	worst := 0.0
	for i, w := range want.F32 {
		d := math.Abs(float64(got.F32[i]) - float64(w))
		if rel := d / math.Max(1, math.Abs(float64(w))); rel > worst {
			worst = rel
		}
	}
	if worst > 1e-4 {
		t.Fatalf("%s: relative error %.3g > 1e-4", name, worst)
	}
}

func TestCompileNamesTheUnsupportedNode(t *testing.T) {
	g, err := graph.LoadFile(filepath.Join("..", "testdata", "ops", "nms", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	g.Nodes[0].Op = "NoSuchOp" // as if a model used an op the backend lacks
	r := NewRunner(Options{Workers: 1})
	defer r.Close()
	_, err = Compile(g, map[string]tensor.Shape{"b": {1, 8, 4}, "s": {1, 2, 8}}, r)
	if err == nil || !strings.Contains(err.Error(), "NoSuchOp") || !strings.Contains(err.Error(), `"nms"`) {
		t.Fatalf("got %v, want an error naming the op and the node", err)
	}
}
