package graph

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/dsgo/dsgo/infer/onnx"
	"github.com/dsgo/dsgo/infer/tensor"
)

func TestLoadRejectsMalformedModels(t *testing.T) {
	good := classifier(1).bytes(t)
	random := make([]byte, 512)
	rand.New(rand.NewSource(1)).Read(random)
	tests := []struct {
		name  string
		bytes func(t *testing.T) []byte
		want  []string
	}{
		{"truncated bytes", func(*testing.T) []byte { return good[:len(good)/2] }, []string{"not an ONNX model"}},
		{"random bytes", func(*testing.T) []byte { return random }, []string{""}},
		{"empty input", func(*testing.T) []byte { return nil }, []string{"opset"}},
		{"unknown node input", func(t *testing.T) []byte {
			return newModel(13).input("x", 1, 4).node("Relu", "r", strs("ghost"), strs("y")).output("y").bytes(t)
		}, []string{`Relu "r"`, `"ghost"`}},
		{"unsupported op", func(t *testing.T) []byte {
			return newModel(13).input("x", 1, 4).node("LSTM", "rnn1", strs("x"), strs("y")).output("y").bytes(t)
		}, []string{"LSTM", `"rnn1"`}},
		{"custom domain", func(t *testing.T) []byte {
			m := newModel(13).input("x", 1, 4).node("Relu", "r", strs("x"), strs("y")).output("y")
			m.m.Graph.Node[0].Domain = proto.String("com.microsoft")
			return m.bytes(t)
		}, []string{"com.microsoft", `"r"`}},
		{"wrong attribute type", func(t *testing.T) []byte {
			return newModel(13).input("x", 1, 4).node("Softmax", "sm", strs("x"), strs("y"), attrFloat("axis", 1)).output("y").bytes(t)
		}, []string{`"axis"`, "float", "want int", `"sm"`}},
		{"negative initializer dim", func(t *testing.T) []byte {
			return newModel(13).input("x", 1, 4).intInit("k", nil, -3).node("Add", "a", strs("x", "k"), strs("y")).output("y").bytes(t)
		}, []string{`"k"`, "negative"}},
		{"oversized initializer dims", func(t *testing.T) []byte {
			return newModel(13).input("x", 1, 4).intInit("k", nil, 1<<20, 1<<20, 1<<20).node("Add", "a", strs("x", "k"), strs("y")).output("y").bytes(t)
		}, []string{`"k"`, "exceed"}},
		{"negative input dim", func(t *testing.T) []byte {
			m := newModel(13).input("x", 1, 4).node("Relu", "r", strs("x"), strs("y")).output("y")
			m.m.Graph.Input[0].Type.GetTensorType().Shape.Dim[1].Value = &onnx.TensorShapeProto_Dimension_DimValue{DimValue: -7}
			return m.bytes(t)
		}, []string{`"x"`, "out of range"}},
		{"data count differs from dims", func(t *testing.T) []byte {
			return newModel(13).input("x", 1, 4).intInit("k", []int64{1, 2}, 3).node("Add", "a", strs("x", "k"), strs("y")).output("y").bytes(t)
		}, []string{`"k"`, "int64_data"}},
		{"external data", func(t *testing.T) []byte {
			m := newModel(13).input("x", 1, 4).floatInit("w", ones, 4).node("Add", "a", strs("x", "w"), strs("y")).output("y")
			m.m.Graph.Initializer[0].DataLocation = onnx.TensorProto_EXTERNAL.Enum()
			return m.bytes(t)
		}, []string{`"w"`, "external data"}},
		{"opset too old", func(t *testing.T) []byte {
			return newModel(6).input("x", 1).node("Relu", "r", strs("x"), strs("y")).output("y").bytes(t)
		}, []string{"opset 6"}},
		{"opset too new", func(t *testing.T) []byte {
			return newModel(22).input("x", 1).node("Relu", "r", strs("x"), strs("y")).output("y").bytes(t)
		}, []string{"opset 22"}},
		{"output produced by no node", func(t *testing.T) []byte {
			return newModel(13).input("x", 1).node("Relu", "r", strs("x"), strs("y")).output("z").bytes(t)
		}, []string{`"z"`}},
		{"value produced twice", func(t *testing.T) []byte {
			return newModel(13).input("x", 1).node("Relu", "r1", strs("x"), strs("y")).node("Relu", "r2", strs("x"), strs("y")).output("y").bytes(t)
		}, []string{`"y"`, "twice"}},
		{"cycle", func(t *testing.T) []byte {
			return newModel(13).input("x", 1).node("Add", "a1", strs("x", "b"), strs("a")).node("Relu", "r", strs("a"), strs("b")).output("b").bytes(t)
		}, []string{"cycle"}},
		{"reshape to wrong element count", func(t *testing.T) []byte {
			return newModel(13).input("x", 2, 3).intInit("s", []int64{4, 2}, 2).node("Reshape", "rs", strs("x", "s"), strs("y")).output("y").bytes(t)
		}, []string{`Reshape "rs"`, "reshape"}},
		{"constant without value", func(t *testing.T) []byte {
			return newModel(13).input("x", 1).node("Constant", "k", nil, strs("c")).node("Add", "a", strs("x", "c"), strs("y")).output("y").bytes(t)
		}, []string{`Constant "k"`, "value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(bytes.NewReader(tt.bytes(t)))
			if err == nil {
				t.Fatal("loaded a malformed model")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadConvertsInitializerTypes(t *testing.T) {
	half := make([]byte, 4)
	binary.LittleEndian.PutUint16(half, 0x3c00)     // 1.0
	binary.LittleEndian.PutUint16(half[2:], 0xc100) // -2.5
	raw32 := make([]byte, 8)
	binary.LittleEndian.PutUint32(raw32, math.Float32bits(1.5))
	binary.LittleEndian.PutUint32(raw32[4:], math.Float32bits(-3))
	tests := []struct {
		name string
		tp   *onnx.TensorProto
		want []float64
	}{
		{"float32 typed", &onnx.TensorProto{DataType: proto.Int32(1), Dims: []int64{2}, FloatData: []float32{1, 2}}, []float64{1, 2}},
		{"float32 raw", &onnx.TensorProto{DataType: proto.Int32(1), Dims: []int64{2}, RawData: raw32}, []float64{1.5, -3}},
		{"float16 raw", &onnx.TensorProto{DataType: proto.Int32(10), Dims: []int64{2}, RawData: half}, []float64{1, -2.5}},
		{"float16 typed", &onnx.TensorProto{DataType: proto.Int32(10), Dims: []int64{1}, Int32Data: []int32{0x3800}}, []float64{0.5}},
		{"double typed", &onnx.TensorProto{DataType: proto.Int32(11), Dims: []int64{1}, DoubleData: []float64{0.25}}, []float64{0.25}},
		{"int64 typed", &onnx.TensorProto{DataType: proto.Int32(7), Dims: []int64{2}, Int64Data: []int64{-1, 1 << 40}}, []float64{-1, 1 << 40}},
		{"int32 typed", &onnx.TensorProto{DataType: proto.Int32(6), Dims: []int64{2}, Int32Data: []int32{-5, 7}}, []float64{-5, 7}},
		{"int8 raw", &onnx.TensorProto{DataType: proto.Int32(3), Dims: []int64{2}, RawData: []byte{0xff, 3}}, []float64{-1, 3}},
		{"uint8 typed", &onnx.TensorProto{DataType: proto.Int32(2), Dims: []int64{2}, Int32Data: []int32{255, 3}}, []float64{255, 3}},
		{"scalar", &onnx.TensorProto{DataType: proto.Int32(1), FloatData: []float32{4}}, []float64{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.tp.Name = proto.String("t")
			got, err := convertTensor(tt.tp)
			if err != nil {
				t.Fatal(err)
			}
			xs, err := numbers(got)
			if err != nil {
				t.Fatal(err)
			}
			if len(xs) != len(tt.want) {
				t.Fatalf("got %v, want %v", xs, tt.want)
			}
			for i := range xs {
				if xs[i] != tt.want[i] {
					t.Errorf("got %v, want %v", xs, tt.want)
				}
			}
		})
	}
}

func TestLoadFileNamesPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.onnx")
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want it to name %s", err, path)
	}
	good := filepath.Join(dir, "good.onnx")
	if err := os.WriteFile(good, classifier(1).bytes(t), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := LoadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if g.Params() != 4*3*3*3+4+4*4+10*4+10 {
		t.Errorf("params %d", g.Params())
	}
	if g.Inputs[0].DType != tensor.Float32 {
		t.Errorf("input type %v", g.Inputs[0].DType)
	}
}

func FuzzLoad(f *testing.F) {
	for _, m := range []*model{classifier(1), classifier(-1), detectNet(-1), reshapeChain()} {
		f.Add(m.bytes(f))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		if _, err := Optimize(g, Options{}); err != nil {
			return
		}
		shapes := map[string]tensor.Shape{}
		for _, in := range g.Inputs {
			if in.Shape == nil {
				continue
			}
			s := cloneShape(in.Shape)
			for i := range s {
				if s[i] < 0 {
					s[i] = 2
				}
			}
			shapes[in.Name] = s
		}
		if b, err := g.Bind(shapes); err == nil {
			_, _ = Optimize(b, Options{})
		}
	})
}
