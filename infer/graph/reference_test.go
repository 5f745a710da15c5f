package graph

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
)

// npyShape reads the shape from a .npy file's header.
func npyShape(path string) (tensor.Shape, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := f.Read(head)
	m := regexp.MustCompile(`'shape': \(([0-9, ]*)\)`).FindSubmatch(head[:n])
	if m == nil {
		return nil, fmt.Errorf("%s: no shape in the npy header", path)
	}
	s := tensor.Shape{}
	for _, p := range strings.Split(string(m[1]), ",") {
		if p = strings.TrimSpace(p); p != "" {
			d, err := strconv.Atoi(p)
			if err != nil {
				return nil, err
			}
			s = append(s, d)
		}
	}
	return s, nil
}

// TestReferenceModelsBindToOnnxruntimeShapes loads the models in
// infer/testdata (exported by PyTorch, run by onnxruntime), binds them to
// the reference inputs' shapes, optimises them and checks every output
// shape against what onnxruntime produced.
func TestReferenceModelsBindToOnnxruntimeShapes(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/*/*/manifest.json")
	if len(dirs) == 0 {
		t.Skip("no reference models in ../testdata")
	}
	for _, mf := range dirs {
		dir := filepath.Dir(mf)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var man struct {
				Inputs, Outputs []string
				OutputShapes    []tensor.Shape `json:"output_shapes"`
			}
			b, err := os.ReadFile(mf)
			if err == nil {
				err = json.Unmarshal(b, &man)
			}
			if err != nil {
				t.Fatal(err)
			}
			g, err := LoadFile(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			bind := map[string]tensor.Shape{}
			for i, name := range man.Inputs {
				if bind[name], err = npyShape(filepath.Join(dir, fmt.Sprintf("input_%d.npy", i))); err != nil {
					t.Fatal(err)
				}
			}
			if g, err = g.Bind(bind); err != nil {
				t.Fatal(err)
			}
			if g, err = Optimize(g, Options{}); err != nil {
				t.Fatal(err)
			}
			for i, v := range g.Outputs {
				want := man.OutputShapes[i]
				if v.Name != man.Outputs[i] || len(v.Shape) != len(want) {
					t.Fatalf("output %d: %v, want %s%v", i, v, man.Outputs[i], want)
				}
				for j, d := range v.Shape {
					if d != want[j] && d != -1 { // -1: data-dependent (NonMaxSuppression)
						t.Errorf("output %v, onnxruntime gave %v", v, want)
						break
					}
				}
			}
		})
	}
}
